//! The daemon's command line: BitWrk 0.7's flag names and defaults, which
//! the Blender add-on passes in Go's single-dash form (`-intport 8081`,
//! `-intiface ""`). [`normalize_argv`] rewrites those to clap's `--name`
//! form and supplies the implicit `run` subcommand.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;

/// BitWrk 0.7's default server is the public App Engine instance; this
/// client's default is the local reference server (DEP-500).
pub const DEFAULT_BITWRK_URL: &str = "http://127.0.0.1:8080/";

/// BitWrk 0.7's signer of deposit information.
pub const DEFAULT_TRUSTED_ACCOUNT: &str = "1TrsjuCvBch1D9h6nRkadGKakv9KyaiP6";

/// The long flags of `run` that may be written with one dash, as Go's
/// `flag` package allows.
const SINGLE_DASH_FLAGS: &[&str] = &[
    "bitwrkurl",
    "intport",
    "intiface",
    "extport",
    "extaddr",
    "extiface",
    "resourcedir",
    "num-unmatched-bids",
    "num-transmitting-bids",
    "trusted-account",
    "log-cafs",
    "store-bytes",
    "key-file",
];

/// Arguments of `run` (also used when no subcommand is given).
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Base URL of the BitWrk server (a trailing `/` is added when missing).
    #[arg(long, default_value = DEFAULT_BITWRK_URL, value_name = "URL")]
    pub bitwrkurl: String,
    /// Port of the local API (loopback-protected routes, §7); <= 0 disables it.
    #[arg(long, default_value_t = 8081, allow_negative_numbers = true)]
    pub intport: i32,
    /// Interface of the local API; the empty string means all interfaces.
    #[arg(long, default_value = "127.0.0.1")]
    pub intiface: String,
    /// External port for buyers' connections to this client's sells; <= 0
    /// makes every sell local-only.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub extport: i32,
    /// Public host or IP put into worker URLs; `auto` asks the server's `myip`.
    #[arg(long, default_value = "auto")]
    pub extaddr: String,
    /// Interface the external port binds; the empty string (the default, as
    /// BitWrk 0.7) means all interfaces (DEP-506).
    #[arg(long, default_value = "")]
    pub extiface: String,
    /// Directory of the client's files: its database and content store.
    /// `auto` means `$HOME/.bitwrk-client` (DEP-503).
    #[arg(long, default_value = "auto", value_name = "DIR")]
    pub resourcedir: String,
    /// Unmatched bids allowed per bid type and article.
    #[arg(long, default_value_t = 1)]
    pub num_unmatched_bids: u32,
    /// Buys allowed to transmit work at once.
    #[arg(long, default_value_t = 4)]
    pub num_transmitting_bids: u32,
    /// The account whose signature makes deposit information valid.
    #[arg(long, default_value = DEFAULT_TRUSTED_ACCOUNT)]
    pub trusted_account: String,
    /// Accepted for compatibility with BitWrk 0.7; has no effect.
    #[arg(long)]
    pub log_cafs: bool,
    /// Upper bound of the content store, in bytes (BitWrk 0.7: 3 x 512 MiB in RAM).
    #[arg(long, default_value_t = 1_610_612_736)]
    pub store_bytes: u64,
    /// Whether the store's pack files are written and read past the
    /// operating system's page cache (`O_DIRECT`, where the file system
    /// allows it). Off: a buyer's work is sent from the page cache its
    /// upload filled. On can be faster where filling fresh page cache is
    /// slow.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    pub store_direct_io: bool,
    /// Private key file [default: $HOME/.bitwrk-client/privatekey.wif];
    /// created when missing.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// What this client's sells offer buyers in the capability probe:
    /// `all` (as BitWrk 0.7), `legacy` (chunk lists without SyncInfo) or
    /// `linear` (DEP-509).
    #[arg(long, default_value = "all", value_parser = ["all", "legacy", "linear"])]
    pub c2c_offer: String,
    /// Whether this client's buys may gzip chunked requests when a seller
    /// offers it; the chunk data is then gzipped only if a sample of the
    /// work shrinks (BitWrk 0.7 always gzips; DEP-509).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub c2c_gzip: bool,
}

impl RunArgs {
    /// The server URL with exactly the trailing `/` BitWrk 0.7 ensures.
    pub fn server_url(&self) -> String {
        let mut u = self.bitwrkurl.clone();
        if !u.ends_with('/') {
            u.push('/');
        }
        u
    }
}

/// Rewrites Go-style `-flag` / `-flag=value` arguments of the daemon into
/// `--flag` form and inserts the `run` subcommand when the first argument
/// is such a flag or when there are no arguments at all. Everything else
/// (the key tool's subcommands, `--help`, `--version`) passes unchanged.
pub fn normalize_argv(argv: Vec<OsString>) -> Vec<OsString> {
    let mut iter = argv.into_iter();
    let mut out: Vec<OsString> = iter.next().into_iter().collect();
    let rest: Vec<OsString> = iter.collect();
    let first = rest.first().map(|a| rewrite_single_dash(a.clone()));
    let implicit_run = match first.as_ref().map(|a| a.to_str()) {
        None => true,
        Some(Some(f)) => is_run_flag(f),
        Some(None) => false,
    };
    let explicit_run = rest.first().is_some_and(|a| a == "run");
    if implicit_run {
        out.push(OsString::from("run"));
    }
    if implicit_run || explicit_run {
        out.extend(rest.into_iter().map(rewrite_single_dash));
    } else {
        out.extend(rest);
    }
    out
}

fn flag_name(arg: &str) -> Option<&str> {
    let name = arg.strip_prefix("--")?;
    Some(name.split_once('=').map_or(name, |(n, _)| n))
}

fn is_run_flag(arg: &str) -> bool {
    flag_name(arg).is_some_and(|n| SINGLE_DASH_FLAGS.contains(&n))
}

fn rewrite_single_dash(arg: OsString) -> OsString {
    let Some(text) = arg.to_str() else {
        return arg;
    };
    if let Some(body) = text.strip_prefix('-')
        && !body.starts_with('-')
    {
        let name = body.split_once('=').map_or(body, |(n, _)| n);
        if SINGLE_DASH_FLAGS.contains(&name) {
            return OsString::from(format!("-{text}"));
        }
    }
    arg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        let argv = std::iter::once("bitwrk-client")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        normalize_argv(argv)
            .into_iter()
            .map(|a| a.into_string().expect("utf-8"))
            .collect()
    }

    #[test]
    fn addon_command_line_becomes_run() {
        assert_eq!(
            norm(&["-intport", "8091", "-intiface", ""]),
            [
                "bitwrk-client",
                "run",
                "--intport",
                "8091",
                "--intiface",
                ""
            ]
        );
        assert_eq!(norm(&[]), ["bitwrk-client", "run"]);
        assert_eq!(
            norm(&["-extport=8082"]),
            ["bitwrk-client", "run", "--extport=8082"]
        );
    }

    #[test]
    fn other_commands_pass_unchanged() {
        assert_eq!(norm(&["key", "show"]), ["bitwrk-client", "key", "show"]);
        assert_eq!(norm(&["--help"]), ["bitwrk-client", "--help"]);
        assert_eq!(
            norm(&["run", "-extport", "-1"]),
            ["bitwrk-client", "run", "--extport", "-1"]
        );
        // Arguments of the key tool are never rewritten.
        assert_eq!(
            norm(&["sign", "--message", "-intport"]),
            ["bitwrk-client", "sign", "--message", "-intport"]
        );
    }
}

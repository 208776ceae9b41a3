//! End-to-end tests of the `bitwrk-client` binary: arguments in, output
//! lines and exit status out. Expected signatures are computed with the
//! protocol library, never hard-coded, except for BitWrk 0.7's own vectors.

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bitwrk_protocol::encoding::base64;
use bitwrk_protocol::signature::{
    legacy_07_digest, sign_digest, sign_message, verify_message_text,
};
use bitwrk_protocol::{Currency, Money, Network, PrivateKey};

const BIN: &str = env!("CARGO_BIN_EXE_bitwrk-client");

// BitWrk 0.7 addresses_test.go.
const WIF_COMPRESSED: &str = "L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu";
const ADDR_COMPRESSED: &str = "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8";
const WIF_UNCOMPRESSED: &str = "5KJvsngHeMpm884wtkJNzQGaCErckhHJBGFsvd3VyK5qMZXj3hS";
const ADDR_UNCOMPRESSED: &str = "1JwSSubhmg6iPtRjtyqhUYYH7bZg3Lfy1T";

// BitWrk 0.7 bitsign_test.go: a signature of "test".
const V07_ADDRESS: &str = "13mgtNQiU7gCWpfmypGfijyX9jzqpPr6co";
const V07_MESSAGE: &str = "test";
const V07_SIGNATURE: &str =
    "IJlJB/iYZ/j/Edh2EBLrHfBD5E1FF10Gf0QuS/jZWsHzHswQSxTRCBNQ7oiB939COu53jfOOuBe+tW8wJ80WXRs=";

#[derive(Debug)]
struct Output {
    status: i32,
    stdout: String,
    stderr: String,
}

/// A run of the binary with `$HOME` set to `home` (or unset for `None`)
/// and `stdin` as standard input.
fn run_full<S: AsRef<OsStr>>(args: &[S], home: Option<&Path>, stdin: &[u8]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match home {
        Some(h) => cmd.env("HOME", h),
        None => cmd.env_remove("HOME"),
    };
    let mut child = cmd.spawn().expect("spawn bitwrk-client");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait for bitwrk-client");
    Output {
        status: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// A run with `$HOME` pointing at `home` and empty standard input.
fn run<S: AsRef<OsStr>>(args: &[S], home: &Path) -> Output {
    run_full(args, Some(home), b"")
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Asserts success with exactly one stdout line and nothing on stderr;
/// returns the line.
fn ok_line(out: &Output) -> &str {
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.stderr, "", "{out:?}");
    let line = out.stdout.strip_suffix('\n').expect("newline-terminated");
    assert!(!line.contains('\n'), "{out:?}");
    line
}

/// Asserts an `error: <code>: <message>` failure (exit 1, nothing on stdout).
fn assert_error(out: &Output, code: &str) {
    assert_eq!(out.status, 1, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    let prefix = format!("error: {code}: ");
    assert!(out.stderr.starts_with(&prefix), "{out:?}");
    assert!(
        out.stderr.len() > prefix.len() + 1,
        "message missing: {out:?}"
    );
    assert_eq!(out.stderr.matches('\n').count(), 1, "one line: {out:?}");
}

/// Asserts an `invalid: <code>` answer on stdout (exit 1).
fn assert_invalid_stdout(out: &Output, code: &str) {
    assert_eq!(out.status, 1, "{out:?}");
    assert_eq!(out.stdout, format!("invalid: {code}\n"), "{out:?}");
    assert_eq!(out.stderr, "", "{out:?}");
}

/// Asserts an `invalid: <code>` answer on stderr (exit 1).
fn assert_invalid_stderr(out: &Output, code: &str) {
    assert_eq!(out.status, 1, "{out:?}");
    assert_eq!(out.stderr, format!("invalid: {code}\n"), "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
}

fn default_key_path(home: &Path) -> PathBuf {
    home.join(".bitwrk-client").join("privatekey.wif")
}

fn write_key(dir: &Path, content: &[u8]) -> PathBuf {
    let path = dir.join("key.wif");
    fs::write(&path, content).expect("write key file");
    path
}

fn key_file_arg(path: &Path) -> String {
    path.to_str().expect("utf-8 temp path").to_owned()
}

fn library_signature(wif: &str, message: &[u8]) -> String {
    let key = PrivateKey::from_wif(wif).expect("valid WIF");
    sign_message(&key, message).to_base64()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[path = "cli/keys.rs"]
mod keys;
#[path = "cli/money_usage.rs"]
mod money_usage;
#[path = "cli/signatures.rs"]
mod signatures;

//! Command-line syntax (clap derive). Only declarations live here; the
//! behaviour is in [`crate::commands`].

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const TOP_AFTER_HELP: &str = "\
Exit status:
  0  success
  1  invalid input (reported as `invalid: <code>`), operation refused, or I/O
     error (reported on standard error as `error: <code>: <message>`)
  2  usage error (unknown option, missing argument)";

const KEY_NEW_AFTER_HELP: &str = "\
The key file holds the WIF text of a compressed key and nothing else (no
trailing newline), exactly as BitWrk 0.7 writes it. A missing directory for it
is created with mode 0700; the file is created exclusively with mode 0600.
An existing file is never overwritten.

Exit status:
  0  key created; its address is printed
  1  the file exists already, $HOME is unset, or an I/O or randomness error
     (`error: <code>: <message>` on standard error, e.g. cli.key-file-exists)
  2  usage error";

const KEY_SHOW_AFTER_HELP: &str = "\
The key file must hold a WIF key. One trailing \"\\n\" or \"\\r\\n\" is tolerated
(BitWrk 0.7 itself tolerates none); any other whitespace is an error.

Exit status:
  0  the address is printed
  1  the file is missing (cli.key-file-not-found), unreadable (cli.io) or not a
     valid WIF key (wif.*); reported as `error: <code>: <message>` on standard
     error
  2  usage error";

const SIGN_AFTER_HELP: &str = "\
The signature is a Bitcoin message signature: RFC 6979 deterministic and
low-S, so signing the same message with the same key always gives the same
text. The message is signed byte-exact: `--message -` reads all of standard
input and keeps every byte, including a final newline. On Unix an argument
that is not valid UTF-8 is signed as its raw bytes.

Exit status:
  0  the base64 signature is printed
  1  the key file is missing or invalid, or an I/O error; reported as
     `error: <code>: <message>` on standard error
  2  usage error";

const VERIFY_AFTER_HELP: &str = "\
Prints `valid` when the signature over the message was made by the key of
ADDR (mainnet or testnet). Otherwise prints `invalid: <code>` on standard
output, where <code> names the first problem found, checked in this order:
the address (addr.*), the base64 text (sig.bad-base64), the length
(sig.bad-length), the header byte (sig.bad-header), r and s (sig.bad-r,
sig.bad-s), key recovery (sig.unrecoverable) and finally the comparison with
the address (sig.address-mismatch).

Verification is strict by default: only the Bitcoin message digest counts.
With --compat-07 a signature made the way BitWrk 0.7 signs messages of 253 to
65535 bytes (its faulty length encoding, the 0.7 legacy digest) is also
accepted; a signature valid under neither digest reports the problem found
under the Bitcoin digest.

Exit status:
  0  valid
  1  invalid (an answer, not an error); or standard input could not be read
  2  usage error";

const MONEY_PARSE_AFTER_HELP: &str = "\
TEXT is a unit symbol, an optional space and a decimal number, e.g. `mBTC 1.5`,
`BTC0.1`, `satoshi-1`, `€ 1`. Prints three fields separated by single spaces:
the amount in the currency's smallest unit, the currency code and the
canonical form (which itself contains a space), e.g. `150000 BTC mBTC 1.5`.

Exit status:
  0  parsed
  1  not a valid amount: `invalid: <code>` on standard error (money.*)
  2  usage error";

const MONEY_FORMAT_AFTER_HELP: &str = "\
Prints the canonical form of N smallest units of CUR, e.g. `--amount 150000
--currency BTC` prints `mBTC 1.5`.

Exit status:
  0  formatted
  1  invalid input: `invalid: <code>` on standard error, where <code> is
     cli.bad-amount (N is not a decimal integer in the signed 64-bit range; a
     code of this client, not of the protocol) or money.unknown-currency
  2  usage error";

/// BitWrk reference client.
#[derive(Debug, Parser)]
#[command(
    name = "bitwrk-client",
    version,
    about = "BitWrk reference client: the trading daemon, offline keys, message signatures and money amounts",
    long_about = "BitWrk reference client.\n\nWithout a command (or with `run`) it is the trading daemon: a local API \
for applications and workers on the internal port, buys and sells on the BitWrk server, and \
an external port for buyers of its sells. The other commands work offline: they create and \
show the private key that identifies a BitWrk participant, sign and verify Bitcoin message \
signatures by hand, and convert money amounts between their text and integer forms.",
    after_help = TOP_AFTER_HELP
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: TopLevel,
}

/// The daemon or one of the offline tools.
#[derive(Debug, Subcommand)]
pub enum TopLevel {
    /// Run the client daemon (the default when no command is given or the
    /// first argument is one of its flags; BitWrk 0.7's single-dash flags
    /// such as `-intport 8081` are accepted).
    Run(crate::daemon::args::RunArgs),
    /// The offline tools.
    #[command(flatten)]
    Tool(Command),
    /// The account tools (they talk to the server).
    #[command(flatten)]
    Admin(crate::admin::AdminCommand),
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a private key file or show the address of one.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Sign a message with the key from the key file; prints the base64 signature.
    #[command(after_help = SIGN_AFTER_HELP)]
    Sign(SignArgs),
    /// Check a message signature against an address; prints `valid` or `invalid: <code>`.
    #[command(after_help = VERIFY_AFTER_HELP)]
    Verify(VerifyArgs),
    /// Convert money amounts between text and integer forms.
    #[command(subcommand)]
    Money(MoneyCommand),
}

/// `key …` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a new private key file; prints the new key's address.
    #[command(after_help = KEY_NEW_AFTER_HELP)]
    New(KeyNewArgs),
    /// Print the address of the key in the key file.
    #[command(after_help = KEY_SHOW_AFTER_HELP)]
    Show(KeyFileArgs),
}

/// Which key file to use.
#[derive(Debug, Args)]
pub struct KeyFileArgs {
    /// Private key file [default: $HOME/.bitwrk-client/privatekey.wif]
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// Arguments of `key new`.
#[derive(Debug, Args)]
pub struct KeyNewArgs {
    #[command(flatten)]
    pub file: KeyFileArgs,
    /// Create a testnet key (WIF version 0xef, address starting with m or n)
    /// instead of a mainnet one.
    #[arg(long)]
    pub testnet: bool,
}

/// Arguments of `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub file: KeyFileArgs,
    /// The message, signed byte-exact; `-` reads it from standard input
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub message: OsString,
}

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The address that claims to have signed
    #[arg(long, value_name = "ADDR", allow_hyphen_values = true)]
    pub address: OsString,
    /// The base64 signature
    #[arg(long, value_name = "B64", allow_hyphen_values = true)]
    pub signature: OsString,
    /// The message, byte-exact; `-` reads it from standard input
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub message: OsString,
    /// BitWrk 0.7-compatible mode: also accept signatures made under BitWrk
    /// 0.7's legacy digest (messages of 253 to 65535 bytes)
    #[arg(long = "compat-07")]
    pub compat_07: bool,
}

/// `money …` subcommands.
#[derive(Debug, Subcommand)]
pub enum MoneyCommand {
    /// Parse an amount such as `mBTC 1.5`; prints `<smallest units> <CURRENCY> <canonical form>`.
    #[command(after_help = MONEY_PARSE_AFTER_HELP)]
    Parse(MoneyParseArgs),
    /// Print the canonical form of an integer amount of smallest units.
    #[command(after_help = MONEY_FORMAT_AFTER_HELP)]
    Format(MoneyFormatArgs),
}

/// Arguments of `money parse`.
#[derive(Debug, Args)]
pub struct MoneyParseArgs {
    /// The amount text, e.g. `mBTC 1.5` (quote it when it contains a space)
    #[arg(value_name = "TEXT", allow_hyphen_values = true)]
    pub text: OsString,
}

/// Arguments of `money format`.
#[derive(Debug, Args)]
pub struct MoneyFormatArgs {
    /// The amount as a signed integer count of the currency's smallest unit
    /// (satoshi for BTC, 10^-9 for EUR, USD, BRL, GBP)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub amount: OsString,
    /// The currency code: BTC, EUR, USD, BRL or GBP
    #[arg(long, value_name = "CUR", allow_hyphen_values = true)]
    pub currency: OsString,
}

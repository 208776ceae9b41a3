//! What each command does. Commands compute an [`Outcome`]; [`run`] turns it
//! into output lines and an exit status. All protocol logic is delegated to
//! `bitwrk-protocol`.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::str::FromStr;

use bitwrk_protocol::signature::{VerifyMode, sign_message, verify_message_text_in};
use bitwrk_protocol::{Currency, ErrorCode, Money, Network};

use crate::cli::{
    Command, KeyCommand, KeyFileArgs, KeyNewArgs, MoneyCommand, MoneyFormatArgs, MoneyParseArgs,
    SignArgs, VerifyArgs,
};
use crate::error::ClientError;
use crate::key_file;

/// Exit status of a successful command.
pub const EXIT_OK: u8 = 0;
/// Exit status for invalid input, a refused operation or an I/O error.
pub const EXIT_FAILURE: u8 = 1;

/// The process's surroundings, passed in so that commands can be tested.
#[derive(Debug)]
pub struct Env<'a, R, O, E> {
    /// `$HOME`, if set.
    pub home: Option<&'a OsStr>,
    /// Standard input.
    pub stdin: R,
    /// Standard output.
    pub stdout: O,
    /// Standard error.
    pub stderr: E,
}

/// Where an `invalid: <code>` answer is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// The result of a command.
#[derive(Debug)]
enum Outcome {
    /// Success: this line goes to standard output.
    Done(String),
    /// The input was examined and is not valid: `invalid: <code>`.
    Invalid { code: &'static str, stream: Stream },
    /// The operation could not be carried out: `error: <code>: <message>`.
    Failed { code: &'static str, message: String },
}

impl Outcome {
    fn failed(e: &dyn ErrorCode) -> Outcome {
        Outcome::Failed {
            code: e.code(),
            message: e.to_string(),
        }
    }

    fn invalid(e: &dyn ErrorCode, stream: Stream) -> Outcome {
        Outcome::Invalid {
            code: e.code(),
            stream,
        }
    }
}

impl From<ClientError> for Outcome {
    fn from(e: ClientError) -> Outcome {
        Outcome::failed(&e)
    }
}

/// Runs `command` and returns the exit status.
pub fn run<R: Read, O: Write, E: Write>(command: Command, env: Env<'_, R, O, E>) -> u8 {
    let Env {
        home,
        mut stdin,
        mut stdout,
        mut stderr,
    } = env;
    let outcome = match command {
        Command::Key(KeyCommand::New(args)) => key_new(args, home),
        Command::Key(KeyCommand::Show(args)) => key_show(args, home),
        Command::Sign(args) => sign(args, home, &mut stdin),
        Command::Verify(args) => verify(args, &mut stdin),
        Command::Money(MoneyCommand::Parse(args)) => money_parse(args),
        Command::Money(MoneyCommand::Format(args)) => money_format(args),
    };
    let (written, status) = match outcome {
        Outcome::Done(line) => (
            writeln!(stdout, "{line}").and_then(|()| stdout.flush()),
            EXIT_OK,
        ),
        Outcome::Invalid { code, stream } => {
            let out: &mut dyn Write = match stream {
                Stream::Stdout => &mut stdout,
                Stream::Stderr => &mut stderr,
            };
            (
                writeln!(out, "invalid: {code}").and_then(|()| out.flush()),
                EXIT_FAILURE,
            )
        }
        Outcome::Failed { code, message } => {
            (writeln!(stderr, "error: {code}: {message}"), EXIT_FAILURE)
        }
    };
    match written {
        Ok(()) => status,
        Err(e) => {
            // Standard output is gone (e.g. a closed pipe); say so if we can.
            let e = ClientError::io("writing the result", e);
            let _ = writeln!(stderr, "error: {}: {e}", e.code());
            EXIT_FAILURE
        }
    }
}

fn key_new(args: KeyNewArgs, home: Option<&OsStr>) -> Outcome {
    let result = (|| {
        let path = key_file::resolve(args.file.key_file, home)?;
        let network = if args.testnet {
            Network::Testnet
        } else {
            Network::Mainnet
        };
        let key = key_file::generate(network)?;
        key_file::create(&path, &key)?;
        Ok::<_, ClientError>(key.public_key().address(network).to_string())
    })();
    result.map_or_else(Outcome::from, Outcome::Done)
}

fn key_show(args: KeyFileArgs, home: Option<&OsStr>) -> Outcome {
    let result = key_file::resolve(args.key_file, home)
        .and_then(|path| key_file::load(&path))
        .map(|key| key.public_key().address(key.network()).to_string());
    result.map_or_else(Outcome::from, Outcome::Done)
}

fn sign(args: SignArgs, home: Option<&OsStr>, stdin: &mut dyn Read) -> Outcome {
    let result = (|| {
        let key = key_file::resolve(args.file.key_file, home).and_then(|p| key_file::load(&p))?;
        let message = message_bytes(&args.message, stdin)?;
        Ok::<_, ClientError>(sign_message(&key, &message).to_base64())
    })();
    result.map_or_else(Outcome::from, Outcome::Done)
}

fn verify(args: VerifyArgs, stdin: &mut dyn Read) -> Outcome {
    let message = match message_bytes(&args.message, stdin) {
        Ok(m) => m,
        Err(e) => return Outcome::from(e),
    };
    // Text that is not UTF-8 cannot be a valid address or base64; lossy
    // conversion keeps it invalid and lets the protocol name the reason.
    let address = args.address.to_string_lossy();
    let signature = args.signature.to_string_lossy();
    let mode = if args.compat_07 {
        VerifyMode::Compat07
    } else {
        VerifyMode::Strict
    };
    match verify_message_text_in(mode, &address, &message, &signature) {
        Ok(_) => Outcome::Done("valid".to_owned()),
        Err(e) => Outcome::invalid(&e, Stream::Stdout),
    }
}

fn money_parse(args: MoneyParseArgs) -> Outcome {
    match Money::parse(&args.text.to_string_lossy()) {
        Ok(money) => Outcome::Done(format!("{} {} {money}", money.amount(), money.currency())),
        Err(e) => Outcome::invalid(&e, Stream::Stderr),
    }
}

fn money_format(args: MoneyFormatArgs) -> Outcome {
    let text = args.amount.to_string_lossy();
    let amount = match i64::from_str(&text) {
        Ok(a) => a,
        Err(_) => {
            let e = ClientError::BadAmount {
                text: text.into_owned(),
            };
            return Outcome::invalid(&e, Stream::Stderr);
        }
    };
    match Currency::from_str(&args.currency.to_string_lossy()) {
        Ok(currency) => Outcome::Done(Money::new(amount, currency).to_string()),
        Err(e) => Outcome::invalid(&e, Stream::Stderr),
    }
}

/// The bytes to sign or verify: the argument's own bytes, or all of
/// standard input for `-`.
fn message_bytes(arg: &OsString, stdin: &mut dyn Read) -> Result<Vec<u8>, ClientError> {
    if arg == "-" {
        let mut buf = Vec::new();
        stdin
            .read_to_end(&mut buf)
            .map_err(|e| ClientError::io("reading the message from standard input", e))?;
        return Ok(buf);
    }
    os_bytes(arg)
}

#[cfg(unix)]
fn os_bytes(arg: &OsStr) -> Result<Vec<u8>, ClientError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(arg.as_bytes().to_vec())
}

#[cfg(not(unix))]
fn os_bytes(arg: &OsStr) -> Result<Vec<u8>, ClientError> {
    arg.to_str()
        .map(|s| s.as_bytes().to_vec())
        .ok_or(ClientError::MessageNotUnicode)
}

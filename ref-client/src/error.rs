//! The client's own failures: file handling, randomness and argument checks
//! that the protocol library does not cover. Each carries a stable `cli.*`
//! code, reported as `error: <code>: <message>` (or `invalid: <code>`).

use std::fmt;
use std::io;
use std::path::PathBuf;

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::key::KeyError;

/// Why a client operation could not be carried out.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// No `--key-file` was given and `$HOME` is unset or empty.
    NoHome,
    /// `key new` found a file at the target path and refuses to overwrite it.
    KeyFileExists {
        /// The existing file.
        path: PathBuf,
    },
    /// The key file to read does not exist.
    KeyFileNotFound {
        /// The missing file.
        path: PathBuf,
    },
    /// The key file exists but does not hold a valid WIF key.
    BadKeyFile {
        /// The file read.
        path: PathBuf,
        /// What the WIF decoder rejected; its code is reported.
        source: KeyError,
    },
    /// Any other input/output failure.
    Io {
        /// What was being done, e.g. `reading key file /x/y`.
        action: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The operating system's random number generator failed, or kept
    /// producing out-of-range scalars.
    Randomness {
        /// What went wrong.
        detail: String,
    },
    /// `money format --amount` is not a decimal 64-bit integer.
    BadAmount {
        /// The text given.
        text: String,
    },
    /// A message argument is not Unicode on a platform whose arguments are
    /// not byte strings (never produced on Unix).
    #[cfg_attr(unix, allow(dead_code))]
    MessageNotUnicode,
}

impl ErrorCode for ClientError {
    fn code(&self) -> &'static str {
        match self {
            ClientError::NoHome => "cli.no-home",
            ClientError::KeyFileExists { .. } => "cli.key-file-exists",
            ClientError::KeyFileNotFound { .. } => "cli.key-file-not-found",
            ClientError::BadKeyFile { source, .. } => source.code(),
            ClientError::Io { .. } => "cli.io",
            ClientError::Randomness { .. } => "cli.randomness",
            ClientError::BadAmount { .. } => "cli.bad-amount",
            ClientError::MessageNotUnicode => "cli.message-not-unicode",
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NoHome => write!(
                f,
                "$HOME is not set; pass --key-file to name the key file explicitly"
            ),
            ClientError::KeyFileExists { path } => write!(
                f,
                "refusing to overwrite existing key file {}",
                path.display()
            ),
            ClientError::KeyFileNotFound { path } => write!(
                f,
                "key file {} does not exist (create one with `bitwrk-client key new`)",
                path.display()
            ),
            ClientError::BadKeyFile { path, source } => {
                write!(f, "{source} (in key file {})", path.display())
            }
            ClientError::Io { action, source } => write!(f, "{action}: {source}"),
            ClientError::Randomness { detail } => {
                write!(f, "cannot obtain random bytes: {detail}")
            }
            ClientError::BadAmount { text } => write!(
                f,
                "amount {text:?} is not an integer number of smallest units in the 64-bit range"
            ),
            ClientError::MessageNotUnicode => {
                write!(
                    f,
                    "the message argument is not valid Unicode; pass it on standard input with --message -"
                )
            }
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::BadKeyFile { source, .. } => Some(source),
            ClientError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl ClientError {
    /// An [`ClientError::Io`] for `action`.
    pub fn io(action: impl Into<String>, source: io::Error) -> ClientError {
        ClientError::Io {
            action: action.into(),
            source,
        }
    }
}

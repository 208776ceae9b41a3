//! The private key file: where it lives, how it is created and read.
//!
//! The format is BitWrk 0.7's: the file holds the WIF text of the key and
//! nothing else, with no trailing newline. Reading is slightly more lenient
//! than BitWrk 0.7 (which decodes the bytes untrimmed): exactly one trailing
//! `"\n"` or `"\r\n"` is dropped, because editors like to add one. Any other
//! surrounding whitespace is left in place and rejected by the WIF decoder.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bitwrk_protocol::key::KeyError;
use bitwrk_protocol::{Network, PrivateKey};

use crate::error::ClientError;

/// The directory below `$HOME` that holds the default key file.
pub const DEFAULT_DIR: &str = ".bitwrk-client";
/// The default key file's name inside [`DEFAULT_DIR`].
pub const DEFAULT_FILE: &str = "privatekey.wif";

/// How many fresh 32-byte draws `generate` makes before giving up. A draw is
/// out of range with probability below 2^-127, so reaching this means the
/// random source is broken.
const MAX_DRAWS: usize = 8;

/// The key file to use: `explicit` if given, else
/// `<home>/.bitwrk-client/privatekey.wif`.
pub fn resolve(explicit: Option<PathBuf>, home: Option<&OsStr>) -> Result<PathBuf, ClientError> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    match home {
        Some(home) if !home.is_empty() => Ok(Path::new(home).join(DEFAULT_DIR).join(DEFAULT_FILE)),
        _ => Err(ClientError::NoHome),
    }
}

/// A new compressed key for `network` from operating-system randomness
/// (BW-KEY-1, BW-KEY-5).
pub fn generate(network: Network) -> Result<PrivateKey, ClientError> {
    let mut secret = [0u8; 32];
    let mut outcome = Err(ClientError::Randomness {
        detail: format!("{MAX_DRAWS} draws were all outside [1, n-1]"),
    });
    for _ in 0..MAX_DRAWS {
        if let Err(e) = getrandom::fill(&mut secret) {
            outcome = Err(ClientError::Randomness {
                detail: e.to_string(),
            });
            break;
        }
        match PrivateKey::from_secret_bytes(&secret, true, network) {
            Ok(key) => {
                outcome = Ok(key);
                break;
            }
            Err(KeyError::ScalarOutOfRange) => continue,
            Err(other) => {
                outcome = Err(ClientError::Randomness {
                    detail: other.to_string(),
                });
                break;
            }
        }
    }
    secret.fill(0);
    outcome
}

/// Writes `key` as WIF (no trailing newline) to a new file at `path`.
///
/// A missing parent directory is created with mode 0700; an existing one is
/// left as it is. The file itself is created exclusively with mode 0600, so
/// an existing file — or a symbolic link — at `path` is never overwritten.
pub fn create(path: &Path, key: &PrivateKey) -> Result<(), ClientError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        ensure_private_dir(dir)?;
    }
    let mut file = open_new_private(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => ClientError::KeyFileExists {
            path: path.to_owned(),
        },
        _ => ClientError::io(format!("creating key file {}", path.display()), e),
    })?;
    let written = restrict_file(&file)
        .and_then(|()| file.write_all(key.to_wif().as_bytes()))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        // Best effort: do not leave a truncated key behind. The write error
        // is the one worth reporting.
        let _ = fs::remove_file(path);
        return Err(ClientError::io(
            format!("writing key file {}", path.display()),
            e,
        ));
    }
    Ok(())
}

/// Reads and decodes the key file at `path`.
pub fn load(path: &Path) -> Result<PrivateKey, ClientError> {
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ClientError::KeyFileNotFound {
            path: path.to_owned(),
        },
        _ => ClientError::io(format!("reading key file {}", path.display()), e),
    })?;
    decode(&bytes).map_err(|source| ClientError::BadKeyFile {
        path: path.to_owned(),
        source,
    })
}

/// Decodes key-file content: the WIF text, optionally followed by exactly one
/// `"\n"` or `"\r\n"`. Bytes that are not UTF-8 cannot be base58 and are
/// reported by the WIF decoder as `wif.bad-encoding`.
pub fn decode(content: &[u8]) -> Result<PrivateKey, KeyError> {
    let content = content
        .strip_suffix(b"\r\n")
        .or_else(|| content.strip_suffix(b"\n"))
        .unwrap_or(content);
    PrivateKey::from_wif(&String::from_utf8_lossy(content))
}

fn ensure_private_dir(dir: &Path) -> Result<(), ClientError> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(ClientError::io(
            format!("using {} as the key directory", dir.display()),
            io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_private_dir(dir)
            .map_err(|e| ClientError::io(format!("creating directory {}", dir.display()), e)),
        Err(e) => Err(ClientError::io(
            format!("inspecting directory {}", dir.display()),
            e,
        )),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // The umask may have removed bits; the mode is meant to be exact.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_new_private(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_new_private(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn restrict_file(file: &fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_file(_file: &fs::File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitwrk_protocol::ErrorCode;

    // BitWrk 0.7 addresses_test.go: compressed WIF → 1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8.
    const WIF: &str = "L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu";
    const ADDRESS: &str = "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8";

    fn address_of(content: &[u8]) -> Result<String, &'static str> {
        decode(content)
            .map(|k| k.public_key().address(k.network()).to_string())
            .map_err(|e| e.code())
    }

    #[test]
    fn decode_accepts_one_trailing_line_end() {
        // BW-KEY-2
        assert_eq!(address_of(WIF.as_bytes()).as_deref(), Ok(ADDRESS));
        assert_eq!(
            address_of(format!("{WIF}\n").as_bytes()).as_deref(),
            Ok(ADDRESS)
        );
        assert_eq!(
            address_of(format!("{WIF}\r\n").as_bytes()).as_deref(),
            Ok(ADDRESS)
        );
    }

    #[test]
    fn decode_rejects_other_whitespace() {
        for content in [
            format!("{WIF}\n\n"),
            format!("{WIF}\r"),
            format!("{WIF} "),
            format!(" {WIF}"),
            format!("\n{WIF}"),
            format!("{WIF}\n\r\n"),
        ] {
            assert_eq!(
                address_of(content.as_bytes()),
                Err("wif.bad-encoding"),
                "{content:?}"
            );
        }
    }

    #[test]
    fn decode_rejects_non_utf8_as_bad_encoding() {
        let mut content = WIF.as_bytes().to_vec();
        content[3] = 0xff;
        assert_eq!(address_of(&content), Err("wif.bad-encoding"));
    }

    #[test]
    fn resolve_prefers_explicit_then_home() {
        let explicit = PathBuf::from("/x/key.wif");
        assert_eq!(resolve(Some(explicit.clone()), None).unwrap(), explicit);
        assert_eq!(
            resolve(None, Some(OsStr::new("/home/u"))).unwrap(),
            Path::new("/home/u/.bitwrk-client/privatekey.wif")
        );
        assert_eq!(resolve(None, None).unwrap_err().code(), "cli.no-home");
        assert_eq!(
            resolve(None, Some(OsStr::new(""))).unwrap_err().code(),
            "cli.no-home"
        );
    }

    #[test]
    fn generated_keys_are_compressed_and_on_the_requested_network() {
        // BW-KEY-5
        for network in [Network::Mainnet, Network::Testnet] {
            let a = generate(network).unwrap();
            let b = generate(network).unwrap();
            assert!(a.is_compressed());
            assert_eq!(a.network(), network);
            assert_ne!(a.to_wif(), b.to_wif());
        }
    }
}

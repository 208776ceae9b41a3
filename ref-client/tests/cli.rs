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

// ---------------------------------------------------------------- key new

#[test]
fn key_new_default_path_creates_private_dir_and_file() {
    // BW-KEY-2, BW-KEY-5, BW-ADDR-1
    let home = temp();
    let out = run(&["key", "new"], home.path());
    let address = ok_line(&out);
    let path = default_key_path(home.path());
    #[cfg(unix)]
    {
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
    let content = fs::read_to_string(&path).expect("key file");
    assert!(!content.ends_with('\n') && !content.ends_with('\r'));
    assert_eq!(content.trim(), content);
    let key = PrivateKey::from_wif(&content).expect("file holds a WIF key");
    assert!(key.is_compressed());
    assert_eq!(key.network(), Network::Mainnet);
    assert_eq!(
        key.public_key().address(Network::Mainnet).to_string(),
        address
    );
    assert!(address.starts_with('1'), "{address}");
    assert!(
        content.starts_with('K') || content.starts_with('L'),
        "{content}"
    );
}

#[test]
fn key_new_refuses_to_overwrite() {
    let home = temp();
    let first = run(&["key", "new"], home.path());
    ok_line(&first);
    let path = default_key_path(home.path());
    let before = fs::read(&path).unwrap();
    let second = run(&["key", "new"], home.path());
    assert_error(&second, "cli.key-file-exists");
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn key_new_refuses_to_overwrite_any_existing_file() {
    let dir = temp();
    let path = write_key(dir.path(), b"not a key, but mine");
    let out = run(
        &["key", "new", "--key-file", &key_file_arg(&path)],
        dir.path(),
    );
    assert_error(&out, "cli.key-file-exists");
    assert_eq!(fs::read(&path).unwrap(), b"not a key, but mine");
}

#[test]
fn key_new_testnet() {
    // BW-KEY-2 (version 0xef), BW-ADDR-1 (version 0x6f)
    let dir = temp();
    let path = dir.path().join("test.wif");
    let out = run(
        &[
            "key",
            "new",
            "--testnet",
            "--key-file",
            &key_file_arg(&path),
        ],
        dir.path(),
    );
    let address = ok_line(&out).to_owned();
    assert!(
        address.starts_with('m') || address.starts_with('n'),
        "{address}"
    );
    let content = fs::read_to_string(&path).unwrap();
    assert!(
        content.starts_with('c'),
        "compressed testnet WIF: {content}"
    );
    let key = PrivateKey::from_wif(&content).unwrap();
    assert_eq!(key.network(), Network::Testnet);
    assert!(key.is_compressed());
    let shown = run(
        &["key", "show", "--key-file", &key_file_arg(&path)],
        dir.path(),
    );
    assert_eq!(ok_line(&shown), address);
}

#[test]
fn key_new_explicit_path_creates_missing_directory_privately() {
    let dir = temp();
    let path = dir.path().join("a").join("b").join("key.wif");
    let out = run(
        &["key", "new", "--key-file", &key_file_arg(&path)],
        dir.path(),
    );
    ok_line(&out);
    assert!(path.is_file());
    #[cfg(unix)]
    {
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
    assert!(!default_key_path(dir.path()).exists());
}

#[cfg(unix)]
#[test]
fn key_new_leaves_an_existing_directory_alone() {
    use std::os::unix::fs::PermissionsExt;
    let home = temp();
    let dir = home.path().join(".bitwrk-client");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
    ok_line(&run(&["key", "new"], home.path()));
    assert_eq!(mode(&dir), 0o750);
    assert_eq!(mode(&default_key_path(home.path())), 0o600);
}

#[test]
fn key_new_makes_different_keys() {
    let dir = temp();
    let a = dir.path().join("a.wif");
    let b = dir.path().join("b.wif");
    let out_a = run(&["key", "new", "--key-file", &key_file_arg(&a)], dir.path());
    let out_b = run(&["key", "new", "--key-file", &key_file_arg(&b)], dir.path());
    assert_ne!(ok_line(&out_a), ok_line(&out_b));
    assert_ne!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
}

#[test]
fn key_new_without_home_needs_key_file() {
    let out = run_full(&["key", "new"], None, b"");
    assert_error(&out, "cli.no-home");
    let dir = temp();
    let path = dir.path().join("k.wif");
    let out = run_full(
        &["key", "new", "--key-file", &key_file_arg(&path)],
        None,
        b"",
    );
    ok_line(&out);
    assert!(path.is_file());
}

// --------------------------------------------------------------- key show

#[test]
fn key_show_round_trip_on_default_path() {
    let home = temp();
    let created = run(&["key", "new"], home.path());
    let shown = run(&["key", "show"], home.path());
    assert_eq!(ok_line(&shown), ok_line(&created));
}

#[test]
fn key_show_bitwrk_07_keys() {
    // BW-KEY-2, BW-KEY-3, BW-KEY-4, BW-ADDR-1
    let dir = temp();
    for (wif, address) in [
        (WIF_COMPRESSED, ADDR_COMPRESSED),
        (WIF_UNCOMPRESSED, ADDR_UNCOMPRESSED),
    ] {
        let path = write_key(dir.path(), wif.as_bytes());
        let out = run(
            &["key", "show", "--key-file", &key_file_arg(&path)],
            dir.path(),
        );
        assert_eq!(ok_line(&out), address);
    }
}

#[test]
fn key_show_tolerates_exactly_one_line_end() {
    let dir = temp();
    for content in [
        format!("{WIF_COMPRESSED}\n"),
        format!("{WIF_COMPRESSED}\r\n"),
    ] {
        let path = write_key(dir.path(), content.as_bytes());
        let out = run(
            &["key", "show", "--key-file", &key_file_arg(&path)],
            dir.path(),
        );
        assert_eq!(ok_line(&out), ADDR_COMPRESSED, "{content:?}");
    }
    for content in [
        format!("{WIF_COMPRESSED}\n\n"),
        format!("{WIF_COMPRESSED} "),
        format!(" {WIF_COMPRESSED}"),
        format!("{WIF_COMPRESSED}\r"),
        format!("{WIF_COMPRESSED} \n"),
    ] {
        let path = write_key(dir.path(), content.as_bytes());
        let out = run(
            &["key", "show", "--key-file", &key_file_arg(&path)],
            dir.path(),
        );
        assert_error(&out, "wif.bad-encoding");
    }
}

#[test]
fn key_show_reports_wif_codes() {
    // BW-KEY-2
    let dir = temp();
    // Same length, last character changed: only the checksum breaks.
    let tampered = format!("{}v", &WIF_COMPRESSED[..WIF_COMPRESSED.len() - 1]);
    assert_ne!(tampered, WIF_COMPRESSED);
    let path = write_key(dir.path(), tampered.as_bytes());
    let out = run(
        &["key", "show", "--key-file", &key_file_arg(&path)],
        dir.path(),
    );
    assert_error(&out, "wif.bad-checksum");
    // An address is base58check too, but its version byte is not a WIF one.
    let path = write_key(dir.path(), ADDR_COMPRESSED.as_bytes());
    let out = run(
        &["key", "show", "--key-file", &key_file_arg(&path)],
        dir.path(),
    );
    assert_error(&out, "wif.unknown-version");
    let path = write_key(dir.path(), b"");
    let out = run(
        &["key", "show", "--key-file", &key_file_arg(&path)],
        dir.path(),
    );
    assert_error(&out, "wif.bad-encoding");
}

#[test]
fn key_show_missing_file() {
    let home = temp();
    assert_error(
        &run(&["key", "show"], home.path()),
        "cli.key-file-not-found",
    );
    let out = run(
        &[
            "key",
            "show",
            "--key-file",
            &key_file_arg(&home.path().join("nope")),
        ],
        home.path(),
    );
    assert_error(&out, "cli.key-file-not-found");
}

#[test]
fn key_show_directory_is_an_io_error() {
    let dir = temp();
    let out = run(
        &["key", "show", "--key-file", &key_file_arg(dir.path())],
        dir.path(),
    );
    assert_error(&out, "cli.io");
}

// ------------------------------------------------------------------- sign

#[test]
fn sign_with_known_key_is_deterministic() {
    // BW-SIG-8
    let dir = temp();
    let path = write_key(dir.path(), WIF_COMPRESSED.as_bytes());
    let args = [
        "sign",
        "--key-file",
        &key_file_arg(&path),
        "--message",
        "hello BitWrk",
    ];
    let first = run(&args, dir.path());
    let second = run(&args, dir.path());
    let expected = library_signature(WIF_COMPRESSED, b"hello BitWrk");
    assert_eq!(ok_line(&first), expected);
    assert_eq!(ok_line(&second), expected);
    assert!(verify_message_text(ADDR_COMPRESSED, b"hello BitWrk", &expected).is_ok());
}

#[test]
fn sign_with_uncompressed_key_uses_uncompressed_header() {
    // BW-SIG-8, BW-SIG-11
    let dir = temp();
    let path = write_key(dir.path(), WIF_UNCOMPRESSED.as_bytes());
    let out = run(
        &["sign", "--key-file", &key_file_arg(&path), "--message", "m"],
        dir.path(),
    );
    let sig = ok_line(&out);
    assert_eq!(sig, library_signature(WIF_UNCOMPRESSED, b"m"));
    let header = base64::decode(sig).unwrap()[0];
    assert!((27..=30).contains(&header), "{header}");
    let verified = run(
        &[
            "verify",
            "--address",
            ADDR_UNCOMPRESSED,
            "--signature",
            sig,
            "--message",
            "m",
        ],
        dir.path(),
    );
    assert_eq!(ok_line(&verified), "valid");
}

#[test]
fn sign_then_verify() {
    // BW-SIG-8, BW-SIG-9
    let home = temp();
    let address = ok_line(&run(&["key", "new"], home.path())).to_owned();
    let signed = run(&["sign", "--message", "bid 42"], home.path());
    let sig = ok_line(&signed).to_owned();
    let ok = run(
        &[
            "verify",
            "--address",
            &address,
            "--signature",
            &sig,
            "--message",
            "bid 42",
        ],
        home.path(),
    );
    assert_eq!(ok_line(&ok), "valid");
    let other = run(
        &[
            "verify",
            "--address",
            &address,
            "--signature",
            &sig,
            "--message",
            "bid 43",
        ],
        home.path(),
    );
    assert_invalid_stdout(&other, "sig.address-mismatch");
}

#[test]
fn sign_then_verify_testnet() {
    // BW-SIG-9: comparison on the claimed address's network
    let dir = temp();
    let path = dir.path().join("t.wif");
    let address = ok_line(&run(
        &[
            "key",
            "new",
            "--testnet",
            "--key-file",
            &key_file_arg(&path),
        ],
        dir.path(),
    ))
    .to_owned();
    let sig = ok_line(&run(
        &["sign", "--key-file", &key_file_arg(&path), "--message", "x"],
        dir.path(),
    ))
    .to_owned();
    let out = run(
        &[
            "verify",
            "--address",
            &address,
            "--signature",
            &sig,
            "--message",
            "x",
        ],
        dir.path(),
    );
    assert_eq!(ok_line(&out), "valid");
}

#[test]
fn sign_stdin_is_byte_exact() {
    // BW-SIG-1: the trailing newline is part of the message.
    let dir = temp();
    let path = write_key(dir.path(), WIF_COMPRESSED.as_bytes());
    let key_file = key_file_arg(&path);
    let out = run_full(
        &["sign", "--key-file", &key_file, "--message", "-"],
        Some(dir.path()),
        b"hello\n",
    );
    let sig = ok_line(&out).to_owned();
    assert_eq!(sig, library_signature(WIF_COMPRESSED, b"hello\n"));
    assert_ne!(sig, library_signature(WIF_COMPRESSED, b"hello"));

    let via_stdin = run_full(
        &[
            "verify",
            "--address",
            ADDR_COMPRESSED,
            "--signature",
            &sig,
            "--message",
            "-",
        ],
        Some(dir.path()),
        b"hello\n",
    );
    assert_eq!(ok_line(&via_stdin), "valid");
    let stripped = run(
        &[
            "verify",
            "--address",
            ADDR_COMPRESSED,
            "--signature",
            &sig,
            "--message",
            "hello",
        ],
        dir.path(),
    );
    assert_invalid_stdout(&stripped, "sig.address-mismatch");
}

#[test]
fn sign_empty_stdin_signs_the_empty_message() {
    let dir = temp();
    let path = write_key(dir.path(), WIF_COMPRESSED.as_bytes());
    let out = run(
        &["sign", "--key-file", &key_file_arg(&path), "--message", "-"],
        dir.path(),
    );
    assert_eq!(ok_line(&out), library_signature(WIF_COMPRESSED, b""));
}

#[test]
fn sign_message_may_start_with_a_hyphen() {
    let dir = temp();
    let path = write_key(dir.path(), WIF_COMPRESSED.as_bytes());
    let out = run(
        &[
            "sign",
            "--key-file",
            &key_file_arg(&path),
            "--message",
            "-1 BTC",
        ],
        dir.path(),
    );
    assert_eq!(ok_line(&out), library_signature(WIF_COMPRESSED, b"-1 BTC"));
}

#[test]
fn sign_utf8_message() {
    // BW-DOC-3: the UTF-8 bytes are signed.
    let dir = temp();
    let path = write_key(dir.path(), WIF_COMPRESSED.as_bytes());
    let message = "prix: € 1, présent";
    let out = run(
        &[
            "sign",
            "--key-file",
            &key_file_arg(&path),
            "--message",
            message,
        ],
        dir.path(),
    );
    assert_eq!(
        ok_line(&out),
        library_signature(WIF_COMPRESSED, message.as_bytes())
    );
}

#[cfg(unix)]
#[test]
fn sign_non_utf8_argument_byte_exact() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let dir = temp();
    let path = write_key(dir.path(), WIF_COMPRESSED.as_bytes());
    let raw = vec![b'a', 0xff, 0xfe, b'z'];
    let args: Vec<OsString> = vec![
        "sign".into(),
        "--key-file".into(),
        path.clone().into_os_string(),
        "--message".into(),
        OsString::from_vec(raw.clone()),
    ];
    let out = run(&args, dir.path());
    let sig = ok_line(&out).to_owned();
    assert_eq!(sig, library_signature(WIF_COMPRESSED, &raw));
    let verify_args: Vec<OsString> = vec![
        "verify".into(),
        "--address".into(),
        ADDR_COMPRESSED.into(),
        "--signature".into(),
        sig.into(),
        "--message".into(),
        OsString::from_vec(raw),
    ];
    assert_eq!(ok_line(&run(&verify_args, dir.path())), "valid");
}

#[test]
fn sign_key_file_problems() {
    let home = temp();
    let out = run(&["sign", "--message", "x"], home.path());
    assert_error(&out, "cli.key-file-not-found");
    let tampered = format!("{}v", &WIF_COMPRESSED[..WIF_COMPRESSED.len() - 1]);
    let path = write_key(home.path(), tampered.as_bytes());
    let out = run(
        &["sign", "--key-file", &key_file_arg(&path), "--message", "x"],
        home.path(),
    );
    assert_error(&out, "wif.bad-checksum");
    let out = run_full(&["sign", "--message", "x"], None, b"");
    assert_error(&out, "cli.no-home");
}

// ----------------------------------------------------------------- verify

#[test]
fn verify_bitwrk_07_vector() {
    // BW-SIG-1, BW-SIG-9
    let home = temp();
    let out = run(
        &[
            "verify",
            "--address",
            V07_ADDRESS,
            "--signature",
            V07_SIGNATURE,
            "--message",
            V07_MESSAGE,
        ],
        home.path(),
    );
    assert_eq!(ok_line(&out), "valid");
}

fn verify(address: &str, signature: &str, message: &str) -> Output {
    let home = temp();
    run(
        &[
            "verify",
            "--address",
            address,
            "--signature",
            signature,
            "--message",
            message,
        ],
        home.path(),
    )
}

fn verify_in(compat: bool, address: &str, signature: &str, message: &str) -> Output {
    let home = temp();
    let mut args = vec![
        "verify",
        "--address",
        address,
        "--signature",
        signature,
        "--message",
        message,
    ];
    if compat {
        args.push("--compat-07");
    }
    run(&args, home.path())
}

#[test]
fn verify_legacy_07_signature_needs_compat_07() {
    // BW-SIG-13, BW-SIG-14: a 300-byte message signed as BitWrk 0.7 signs it.
    let key = PrivateKey::from_wif(WIF_COMPRESSED).unwrap();
    let message = "r".repeat(300);
    let legacy = sign_digest(&key, &legacy_07_digest(message.as_bytes())).to_base64();
    assert_invalid_stdout(
        &verify_in(false, ADDR_COMPRESSED, &legacy, &message),
        "sig.address-mismatch",
    );
    assert_eq!(
        ok_line(&verify_in(true, ADDR_COMPRESSED, &legacy, &message)),
        "valid"
    );
    // A standard signature verifies in both modes; a wrong signer in neither.
    let standard = sign_message(&key, message.as_bytes()).to_base64();
    for compat in [false, true] {
        assert_eq!(
            ok_line(&verify_in(compat, ADDR_COMPRESSED, &standard, &message)),
            "valid"
        );
        assert_invalid_stdout(
            &verify_in(compat, ADDR_UNCOMPRESSED, &legacy, &message),
            "sig.address-mismatch",
        );
    }
    // Short messages have one digest only: the flag changes nothing.
    assert_eq!(
        ok_line(&verify_in(true, V07_ADDRESS, V07_SIGNATURE, V07_MESSAGE)),
        "valid"
    );
    // The flag takes no value.
    let out = run(
        &[
            "verify",
            "--address",
            ADDR_COMPRESSED,
            "--signature",
            &legacy,
            "--message",
            &message,
            "--compat-07=yes",
        ],
        temp().path(),
    );
    assert_eq!(out.status, 2, "{out:?}");
}

/// The BitWrk 0.7 signature with its bytes changed by `f`, re-encoded.
fn tampered_signature(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = base64::decode(V07_SIGNATURE).unwrap();
    f(&mut bytes);
    base64::encode(&bytes)
}

#[test]
fn verify_tampered_message_or_signature() {
    // BW-SIG-9
    assert_invalid_stdout(
        &verify(V07_ADDRESS, V07_SIGNATURE, "Test"),
        "sig.address-mismatch",
    );
    assert_invalid_stdout(
        &verify(ADDR_COMPRESSED, V07_SIGNATURE, V07_MESSAGE),
        "sig.address-mismatch",
    );
    let flipped = tampered_signature(|b| b[40] ^= 0x01);
    let out = verify(V07_ADDRESS, &flipped, V07_MESSAGE);
    assert_eq!(out.status, 1, "{out:?}");
    assert!(out.stdout.starts_with("invalid: sig."), "{out:?}");
}

#[test]
fn verify_bad_base64() {
    // BW-SIG-2
    assert_invalid_stdout(
        &verify(V07_ADDRESS, "not base64!", V07_MESSAGE),
        "sig.bad-base64",
    );
    let unpadded = V07_SIGNATURE.trim_end_matches('=');
    assert_invalid_stdout(
        &verify(V07_ADDRESS, unpadded, V07_MESSAGE),
        "sig.bad-base64",
    );
}

#[test]
fn verify_bad_length() {
    // BW-SIG-4
    let short = tampered_signature(|b| {
        b.pop();
    });
    assert_invalid_stdout(&verify(V07_ADDRESS, &short, V07_MESSAGE), "sig.bad-length");
}

#[test]
fn verify_bad_header() {
    // BW-SIG-3
    for header in [0u8, 26, 35, 255] {
        let sig = tampered_signature(|b| b[0] = header);
        assert_invalid_stdout(&verify(V07_ADDRESS, &sig, V07_MESSAGE), "sig.bad-header");
    }
}

#[test]
fn verify_bad_r_and_s() {
    // BW-SIG-6
    let zero_r = tampered_signature(|b| b[1..33].fill(0));
    assert_invalid_stdout(&verify(V07_ADDRESS, &zero_r, V07_MESSAGE), "sig.bad-r");
    let zero_s = tampered_signature(|b| b[33..65].fill(0));
    assert_invalid_stdout(&verify(V07_ADDRESS, &zero_s, V07_MESSAGE), "sig.bad-s");
}

#[test]
fn verify_bad_address() {
    // BW-ADDR-2, BW-SIG-10 (the address is checked first)
    let bad_checksum = format!("{}p", &V07_ADDRESS[..V07_ADDRESS.len() - 1]);
    assert_invalid_stdout(
        &verify(&bad_checksum, V07_SIGNATURE, V07_MESSAGE),
        "addr.bad-checksum",
    );
    assert_invalid_stdout(
        &verify(&bad_checksum, "not base64!", V07_MESSAGE),
        "addr.bad-checksum",
    );
    let bad_char = format!("0{}", &V07_ADDRESS[1..]);
    assert_invalid_stdout(
        &verify(&bad_char, V07_SIGNATURE, V07_MESSAGE),
        "addr.bad-encoding",
    );
    assert_invalid_stdout(&verify("", V07_SIGNATURE, V07_MESSAGE), "addr.bad-encoding");
    // A WIF key is valid base58check but 33/34 bytes long.
    assert_invalid_stdout(
        &verify(WIF_COMPRESSED, V07_SIGNATURE, V07_MESSAGE),
        "addr.bad-length",
    );
}

// ------------------------------------------------------------------ money

fn money(args: &[&str]) -> Output {
    let home = temp();
    let mut all = vec!["money"];
    all.extend_from_slice(args);
    run(&all, home.path())
}

#[test]
fn money_parse_examples() {
    // BW-MONEY-2, BW-MONEY-6, BW-MONEY-7
    for (text, expected) in [
        ("mBTC 1.5", "150000 BTC mBTC 1.5"),
        ("€ 1", "1000000000 EUR EUR 1"),
        ("satoshi-1", "-1 BTC uBTC -0.01"),
        ("BTC0.1", "10000000 BTC mBTC 100"),
    ] {
        assert_eq!(ok_line(&money(&["parse", text])), expected, "{text}");
    }
}

#[test]
fn money_parse_agrees_with_library() {
    // BW-MONEY-6, BW-MONEY-7
    for text in [
        "BTC 21000000",
        "uBTC 0.01",
        "$ -2.5",
        "£0",
        "EUR 0.000000001",
    ] {
        let m = Money::parse(text).unwrap();
        let expected = format!("{} {} {m}", m.amount(), m.currency());
        assert_eq!(ok_line(&money(&["parse", text])), expected, "{text}");
    }
}

#[test]
fn money_parse_invalid() {
    // BW-MONEY-2, BW-MONEY-3, BW-MONEY-5
    assert_invalid_stderr(&money(&["parse", "1.5 mBTC"]), "money.bad-syntax");
    assert_invalid_stderr(&money(&["parse", "-1"]), "money.bad-syntax");
    assert_invalid_stderr(&money(&["parse", "mBTC 1.5\n"]), "money.bad-syntax");
    assert_invalid_stderr(&money(&["parse", ""]), "money.bad-syntax");
    assert_invalid_stderr(&money(&["parse", "XBT 1"]), "money.unknown-unit");
    assert_invalid_stderr(
        &money(&["parse", "satoshi 1.5"]),
        "money.too-many-fraction-digits",
    );
}

#[test]
fn money_format_examples() {
    // BW-MONEY-6, BW-MONEY-7
    for (amount, currency, expected) in [
        ("150000", "BTC", "mBTC 1.5"),
        ("-1", "BTC", "uBTC -0.01"),
        ("1000000000", "EUR", "EUR 1"),
    ] {
        let out = money(&["format", "--amount", amount, "--currency", currency]);
        assert_eq!(ok_line(&out), expected, "{amount} {currency}");
    }
    for (amount, currency) in [
        (0, Currency::Gbp),
        (i64::MIN, Currency::Usd),
        (i64::MAX, Currency::Btc),
    ] {
        let out = money(&[
            "format",
            "--amount",
            &amount.to_string(),
            "--currency",
            currency.code(),
        ]);
        assert_eq!(ok_line(&out), Money::new(amount, currency).to_string());
    }
}

#[test]
fn money_format_invalid() {
    // BW-MONEY-10
    let fmt = |amount: &str, currency: &str| {
        money(&["format", "--amount", amount, "--currency", currency])
    };
    assert_invalid_stderr(&fmt("1.5", "BTC"), "cli.bad-amount");
    assert_invalid_stderr(&fmt("", "BTC"), "cli.bad-amount");
    assert_invalid_stderr(&fmt("9223372036854775808", "BTC"), "cli.bad-amount");
    assert_invalid_stderr(&fmt("mBTC 1", "BTC"), "cli.bad-amount");
    assert_invalid_stderr(&fmt("1", "XBT"), "money.unknown-currency");
    assert_invalid_stderr(&fmt("1", "btc"), "money.unknown-currency");
}

// ------------------------------------------------------------------ usage

#[test]
fn usage_errors_exit_2() {
    let home = temp();
    for args in [
        &["sign", "--message", "x", "--bogus"][..],
        &["key", "new", "--force"],
        &["key", "show", "extra"],
        &[
            "verify",
            "--address",
            V07_ADDRESS,
            "--signature",
            V07_SIGNATURE,
            "--message",
            "x",
            "-q",
        ],
        &["money", "parse", "mBTC 1", "--verbose"],
        &["frobnicate"],
        // No arguments runs the daemon (tests/daemon.rs); its flags are
        // checked like the others'.
        &["run", "--bogus"],
        &["key"],
        &["money"],
    ] {
        let out = run(args, home.path());
        assert_eq!(out.status, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("Usage"), "{args:?}: {out:?}");
        assert_eq!(out.stdout, "", "{args:?}: {out:?}");
    }
    assert!(!default_key_path(home.path()).exists());
}

#[test]
fn missing_arguments_exit_2() {
    let home = temp();
    for args in [
        &["sign"][..],
        &["sign", "--message"],
        &[
            "verify",
            "--address",
            V07_ADDRESS,
            "--signature",
            V07_SIGNATURE,
        ],
        &["verify", "--signature", V07_SIGNATURE, "--message", "x"],
        &["verify", "--address", V07_ADDRESS, "--message", "x"],
        &["money", "parse"],
        &["money", "format", "--amount", "1"],
        &["money", "format", "--currency", "BTC"],
        &["key", "new", "--key-file"],
    ] {
        let out = run(args, home.path());
        assert_eq!(out.status, 2, "{args:?}: {out:?}");
        assert_eq!(out.stdout, "", "{args:?}: {out:?}");
    }
}

#[test]
fn help_texts_document_exit_status() {
    let home = temp();
    for args in [
        &["--help"][..],
        &["key", "new", "--help"],
        &["key", "show", "--help"],
        &["sign", "--help"],
        &["verify", "--help"],
        &["money", "parse", "--help"],
        &["money", "format", "--help"],
    ] {
        let out = run(args, home.path());
        assert_eq!(out.status, 0, "{args:?}: {out:?}");
        assert!(out.stdout.contains("Exit status"), "{args:?}: {out:?}");
    }
    let show = run(&["key", "show", "--help"], home.path());
    assert!(show.stdout.contains("\\r\\n"), "{show:?}");
    let format = run(&["money", "format", "--help"], home.path());
    assert!(format.stdout.contains("cli.bad-amount"), "{format:?}");
    let verify = run(&["verify", "--help"], home.path());
    assert!(
        verify.stdout.contains("--compat-07") && verify.stdout.contains("legacy digest"),
        "{verify:?}"
    );
    let new = run(&["key", "new", "--help"], home.path());
    assert!(
        new.stdout.contains(".bitwrk-client/privatekey.wif"),
        "{new:?}"
    );
}

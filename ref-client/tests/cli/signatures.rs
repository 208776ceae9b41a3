//! `sign` and `verify`.

use super::*;

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

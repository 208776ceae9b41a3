//! `key new` and `key show`.

use super::*;

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

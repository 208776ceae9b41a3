//! `money` and the usage errors.

use super::*;

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

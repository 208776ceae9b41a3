//! The account tools (`relation`, `account`, `deposit`,
//! `deposit-address`) of `bitwrk-client` against a real reference server
//! on loopback, whose trusted account is the conformance profile's key.

mod support;

use std::path::Path;
use std::process::Command;

use support::{BIN, request};

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn tool(home: &Path, args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .output()
        .expect("runs");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(home: &Path, args: &[&str]) -> String {
    let r = tool(home, args);
    assert_eq!(r.status, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    r.stdout
}

fn line<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
}

fn server_json(url: &str, path: &str) -> serde_json::Value {
    let addr: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("server address");
    let r = request(addr, "GET", path, &[("Accept", "application/json")], b"");
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

#[test]
fn account_tools_against_the_reference_server() {
    let srv = conformance::target::start_reference(&[]).expect("reference server");
    let url = srv.url.as_str();
    // The payment processor holds the trusted key.
    let processor = tempfile::tempdir().expect("home");
    let key_path = support::key_file(processor.path());
    std::fs::create_dir_all(key_path.parent().expect("dir")).expect("dir");
    std::fs::write(&key_path, conformance::profile::TEST_WIF).expect("key");
    let trusted = ok(processor.path(), &["key", "show"]).trim().to_owned();
    let user_home = tempfile::tempdir().expect("home");
    let user = ok(user_home.path(), &["key", "new"]).trim().to_owned();
    let u = user_home.path();

    // A fresh account: nothing, no deposit address.
    let out = ok(u, &["account", "--bitwrkurl", url]);
    assert_eq!(line(&out, "account"), Some(user.as_str()));
    assert_eq!(line(&out, "deposit-address"), Some("none"));
    let empty = line(&out, "available").expect("available").to_owned();

    // The processor pays a deposit in; sending it again changes nothing,
    // another deposit under the same uid is refused.
    let deposit = [
        "deposit",
        "--account",
        &user,
        "--amount",
        "mBTC 5",
        "--uid",
        "payment-0001",
        "--ref",
        "btc-tx-1",
        "--bitwrkurl",
        url,
    ];
    let out = ok(processor.path(), &deposit);
    assert!(out.contains("payment-0001"), "{out}");
    ok(processor.path(), &deposit);
    let mut other = deposit;
    other[4] = "mBTC 6";
    let again = tool(processor.path(), &other);
    assert_eq!(again.status, 1, "{}", again.stdout);
    assert!(
        again.stderr.starts_with("error: daemon.server-status: "),
        "{}",
        again.stderr
    );
    let out = ok(u, &["account", "--bitwrkurl", url]);
    assert_eq!(line(&out, "available"), Some("mBTC 5"));
    assert_ne!(line(&out, "available"), Some(empty.as_str()));
    assert_eq!(
        server_json(url, &format!("/account/{user}"))["Available"],
        "mBTC 5"
    );
    // A deposit not signed by the trusted account is refused by the server.
    let refused = tool(
        u,
        &[
            "deposit",
            "--account",
            &user,
            "--amount",
            "mBTC 5",
            "--uid",
            "payment-0002",
            "--bitwrkurl",
            url,
        ],
    );
    assert_eq!(refused.status, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("daemon.server-status"),
        "{}",
        refused.stderr
    );
    // A bad amount never reaches the server.
    let bad = tool(
        processor.path(),
        &[
            "deposit",
            "--account",
            &user,
            "--amount",
            "lots",
            "--uid",
            "payment-0003",
            "--bitwrkurl",
            url,
        ],
    );
    assert_eq!(bad.status, 1);
    assert!(bad.stderr.starts_with("error: deposit."), "{}", bad.stderr);

    // The processor stores a deposit address; the user's tool verifies it
    // against the trusted account, and refuses it against another.
    let pay_to = "1BitcoinEaterAddressDontSendf59kuE";
    ok(
        processor.path(),
        &[
            "deposit-address",
            "--participant",
            &user,
            "--deposit-address",
            pay_to,
            "--bitwrkurl",
            url,
        ],
    );
    let out = ok(
        u,
        &["account", "--bitwrkurl", url, "--trusted-account", &trusted],
    );
    assert_eq!(line(&out, "deposit-address"), Some(pay_to));
    assert_eq!(
        line(&out, "deposit-address-signer"),
        Some(format!("{trusted} verified").as_str())
    );
    let other = tool(u, &["account", "--bitwrkurl", url]);
    assert_eq!(
        other.status, 1,
        "the default trusted account did not sign it: {}",
        other.stdout
    );
    assert!(
        other
            .stderr
            .starts_with("error: cli.deposit-address-unverified: "),
        "{}",
        other.stderr
    );
    assert!(other.stdout.contains("NOT-VERIFIED"), "{}", other.stdout);
    // Only the trusted account may store one.
    let forged = tool(
        u,
        &[
            "deposit-address",
            "--participant",
            &user,
            "--deposit-address",
            pay_to,
            "--bitwrkurl",
            url,
        ],
    );
    assert_eq!(forged.status, 1);

    // Relations, signed by the user.
    let out = ok(
        u,
        &["relation", "trusts", &trusted, "true", "--bitwrkurl", url],
    );
    assert_eq!(
        line(&out, "relation"),
        Some(format!("{user} trusts {trusted} true").as_str())
    );
    let rel = server_json(url, &format!("/rel/{user}/trusts/{trusted}"));
    assert_eq!(rel["Enabled"], true, "{rel}");
    ok(
        u,
        &["relation", "trusts", &trusted, "false", "--bitwrkurl", url],
    );
    assert_eq!(
        server_json(url, &format!("/rel/{user}/trusts/{trusted}"))["Enabled"],
        false
    );
    ok(
        u,
        &["relation", "worksfor", &trusted, "true", "--bitwrkurl", url],
    );
    let bad = tool(
        u,
        &[
            "relation",
            "trusts",
            "1NotAnAddress",
            "true",
            "--bitwrkurl",
            url,
        ],
    );
    assert_eq!(bad.status, 1);
    assert!(bad.stderr.starts_with("error: addr."), "{}", bad.stderr);
    assert_eq!(
        tool(
            u,
            &["relation", "likes", &trusted, "true", "--bitwrkurl", url]
        )
        .status,
        2
    );
    assert_eq!(
        tool(
            u,
            &["relation", "trusts", &trusted, "maybe", "--bitwrkurl", url]
        )
        .status,
        2
    );

    // No key, no server.
    let nobody = tempfile::tempdir().expect("home");
    let r = tool(nobody.path(), &["account", "--bitwrkurl", url]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.starts_with("error: cli.key-file-not-found: "),
        "{}",
        r.stderr
    );
    let port = support::free_port();
    let r = tool(
        u,
        &[
            "account",
            "--bitwrkurl",
            &format!("http://127.0.0.1:{port}/"),
        ],
    );
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.starts_with("error: daemon.server-transport: "),
        "{}",
        r.stderr
    );
}

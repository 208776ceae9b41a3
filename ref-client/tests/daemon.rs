//! The daemon as a process: the local API on loopback against an
//! in-process reference server (identity, probe, workers, mandates,
//! relays, restarts).

mod support;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::{Client, get, key_file, post_form, read_response, request};

fn server() -> conformance::target::InProcess {
    conformance::target::start_reference(&[]).expect("reference server")
}

#[test]
fn first_start_creates_the_identity_and_restarts_keep_it() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let first = c.address.clone();
    assert!(c.terminate(), "clean exit on SIGTERM");
    let path = key_file(home.path());
    let wif = std::fs::read_to_string(&path).expect("key file written");
    assert!(!wif.ends_with('\n'), "0.7 writes no trailing newline");
    let key = bitwrk_protocol::PrivateKey::from_wif(&wif).expect("WIF");
    assert!(key.is_compressed());
    assert_eq!(key.public_key().address(key.network()).to_string(), first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let c = Client::start(home.path(), &srv.url, &[]);
    assert_eq!(c.address, first, "the same identity after a restart");
}

#[test]
fn addon_probe_id_then_version_on_one_connection() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    // The add-on's command line: Go-style flags, an empty interface.
    let c = Client::start(home.path(), &srv.url, &["-intiface", "127.0.0.1"]);
    let stream = TcpStream::connect(c.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut w = stream.try_clone().expect("clone");
    let mut r = BufReader::new(stream);
    w.write_all(format!("GET /id HTTP/1.1\r\nHost: {}\r\n\r\n", c.addr).as_bytes())
        .expect("write");
    let id = read_response(&mut r);
    assert_eq!(id.status, 200);
    assert_eq!(
        id.body, b"BitWrk Go Client",
        "the add-on compares these bytes exactly"
    );
    w.write_all(format!("GET /version HTTP/1.1\r\nHost: {}\r\n\r\n", c.addr).as_bytes())
        .expect("write on the same connection");
    let v = read_response(&mut r);
    assert_eq!(v.status, 200);
    let text = v.text();
    let mut parts = text.splitn(3, '.');
    assert!(
        parts.all(|p| !p.is_empty() && p.bytes().take_while(u8::is_ascii_digit).count() > 0),
        "version {text:?} must start with N.N.N"
    );
}

#[test]
fn routes_methods_and_unknown_paths() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let ip = get(c.addr, "/myip");
    assert_eq!(ip.status, 200);
    assert!(
        ip.text().starts_with("127.0.0.1:"),
        "0.7 includes the port: {}",
        ip.text()
    );
    assert_eq!(request(c.addr, "POST", "/myip", &[], b"").status, 405);
    assert_eq!(get(c.addr, "/nonexistent").status, 404, "DEP-501");
    assert_eq!(get(c.addr, "/buy/foobar").status, 405);
    assert_eq!(get(c.addr, "/file/nothex").status, 404);
    assert_eq!(
        get(c.addr, &format!("/file/{}", "ab".repeat(32))).status,
        404
    );
    assert_eq!(
        request(
            c.addr,
            "POST",
            &format!("/file/{}", "ab".repeat(32)),
            &[],
            b""
        )
        .status,
        405
    );
    let ui = get(c.addr, "/");
    assert_eq!(ui.status, 200);
    assert!(ui.text().contains(&c.address));
    assert_eq!(
        post_form(c.addr, "/", "action=requestwithdrawal").status,
        400
    );
    assert_eq!(get(c.addr, "/js/../../etc/passwd").status, 404);
    assert_eq!(get(c.addr, "/activities").json(), serde_json::json!([]));
    // A bad price is refused before anything is traded.
    assert_eq!(
        request(c.addr, "POST", "/buy/foobar?price=nonsense", &[], b"w").status,
        400
    );
}

#[test]
fn workers_register_reregister_and_unregister() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let form = "id=blender-1&article=foobar&pushurl=http%3A%2F%2F127.0.0.1%3A9%2Fwork";
    assert_eq!(post_form(c.addr, "/registerworker", form).status, 200);
    let w = get(c.addr, "/workers").json();
    assert_eq!(w.as_array().map(Vec::len), Some(1));
    assert_eq!(w[0]["Info"]["Id"], "blender-1");
    assert_eq!(w[0]["Info"]["Method"], "http-push");
    assert_eq!(w[0]["Info"]["PushURL"], "http://127.0.0.1:9/work");
    assert_eq!(w[0]["Idle"], true);
    assert_eq!(w[0]["Unregistered"], false);
    // Registering again is the idle signal, not a second worker.
    assert_eq!(post_form(c.addr, "/registerworker", form).status, 200);
    assert_eq!(
        get(c.addr, "/workers").json().as_array().map(Vec::len),
        Some(1)
    );
    // An empty id is refused (0.7 registers it anyway; DEP-505).
    let r = post_form(
        c.addr,
        "/registerworker",
        "id=&article=foobar&pushurl=http%3A%2F%2Fx%2F",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.header("X-BitWrk-Error"), Some("daemon.bad-parameter"));
    // The form page for a bare GET.
    let page = get(c.addr, "/registerworker");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("pushurl"));
    assert_eq!(
        post_form(c.addr, "/unregisterworker", "id=blender-1").status,
        200
    );
    let w = get(c.addr, "/workers").json();
    assert_eq!(
        w[0]["Unregistered"], true,
        "shown as unregistered, as in 0.7: {w}"
    );
    // Registering again brings it back.
    assert_eq!(post_form(c.addr, "/registerworker", form).status, 200);
    assert_eq!(get(c.addr, "/workers").json()[0]["Unregistered"], false);
}

#[test]
fn mandates_persist_across_a_restart_and_can_be_revoked() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let r = post_form(
        c.addr,
        "/ui/main",
        &format!(
            "action=permit&type=SELL&articleid=foobar&price=mBTC+1&usetradesleft=on&tradesleft=3&validminutes=60&csrf={}",
            support::ui_token(c.addr)
        ),
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("Location"), Some("/ui/main"));
    let bad = post_form(
        c.addr,
        "/",
        &format!(
            "action=permit&type=SELL&articleid=foobar&price=mBTC+1&tradesleft=0&validminutes=60&csrf={}",
            support::ui_token(c.addr)
        ),
    );
    assert_eq!(bad.status, 400);
    let before = get(c.addr, "/mandates").json();
    assert_eq!(before.as_array().map(Vec::len), Some(1));
    assert_eq!(before[0]["Info"]["Type"], 1);
    assert_eq!(before[0]["Info"]["Article"], "foobar");
    assert_eq!(before[0]["Info"]["Price"], "mBTC 1");
    assert_eq!(before[0]["Info"]["UseTradesLeft"], true);
    assert_eq!(before[0]["Info"]["TradesLeft"], 3);
    assert_eq!(before[0]["Info"]["UseUntil"], false);
    assert!(c.terminate());
    let c = Client::start(home.path(), &srv.url, &[]);
    let after = get(c.addr, "/mandates").json();
    assert_eq!(
        after[0]["Info"], before[0]["Info"],
        "mandates survive the restart"
    );
    assert_eq!(after.as_array().map(Vec::len), Some(1));
    // Re-granted after the restart, under a key above every earlier one
    // (DEP-504).
    let key = after[0]["Key"].as_u64().expect("key");
    assert!(key > before[0]["Key"].as_u64().expect("key"));
    let token = support::ui_token(c.addr);
    let revoke = get(c.addr, &format!("/revokemandate?key={key}"));
    assert_eq!(revoke.status, 403, "DEP-570: no token");
    assert_eq!(revoke.header("X-BitWrk-Error"), Some("ui.bad-token"));
    assert_eq!(
        get(
            c.addr,
            &format!("/revokemandate?key={}&csrf={token}", key + 1000)
        )
        .status,
        400
    );
    assert_eq!(
        get(c.addr, &format!("/revokemandate?key={key}&csrf={token}")).status,
        200
    );
    assert_eq!(get(c.addr, "/mandates").json(), serde_json::json!([]));
    // A new key after the restart is never a reused one.
    post_form(
        c.addr,
        "/",
        &format!(
            "action=permit&type=BUY&articleid=foobar&price=mBTC+1&tradesleft=1&validminutes=1&csrf={token}"
        ),
    );
    let again = get(c.addr, "/mandates").json();
    assert!(again[0]["Key"].as_u64().expect("key") > key);
}

#[test]
fn relays_forward_query_content_type_and_headers() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let direct_motd = {
        let addr: std::net::SocketAddr = srv
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("server address");
        request(
            addr,
            "GET",
            "/motd",
            &[
                ("User-Agent", "BitWrkGoClient/0.7.0"),
                ("Accept", "application/json"),
            ],
            b"",
        )
    };
    let motd = request(
        c.addr,
        "GET",
        "/motd",
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(motd.status, direct_motd.status);
    assert_eq!(
        motd.body, direct_motd.body,
        "the relay sends the BitWrk User-Agent"
    );
    assert_eq!(
        motd.header("Content-Type"),
        direct_motd.header("Content-Type")
    );
    // The account of this client, as JSON (Accept forwarded).
    let acc = request(
        c.addr,
        "GET",
        &format!("/account/{}", c.address),
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(acc.status, 200, "{}", acc.text());
    assert_eq!(acc.json()["Participant"], c.address.as_str());
    assert!(
        acc.header("Content-Type")
            .is_some_and(|t| t.contains("json"))
    );
    // A relayed error keeps its status.
    let missing = request(
        c.addr,
        "GET",
        "/bid/999999",
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(missing.status, 404, "{}", missing.text());
    // A relayed POST carries its content type: the server judges the
    // message itself (not a missing form), and nothing is cached.
    let form =
        "acceptresult=on&txid=999999&address=1BitcoinEaterAddressDontSendf59kuE&signature=AAAA";
    let p1 = request(
        c.addr,
        "POST",
        "/tx/999999",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert!(p1.status >= 400, "{}", p1.text());
    assert!(!p1.text().is_empty());
    let p2 = request(c.addr, "POST", "/tx/999999", &[], b"");
    assert!(p2.status >= 400);
    assert_ne!(p1.text(), p2.text(), "POST answers are not cached");
}

#[test]
fn deposit_address_request_invalidates_my_account() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let before = get(c.addr, "/myaccount");
    assert_eq!(before.status, 200, "{}", before.text());
    let before = before.json();
    assert_eq!(before["Account"]["Participant"], c.address.as_str());
    assert_eq!(
        before["TrustedAccount"],
        "1TrsjuCvBch1D9h6nRkadGKakv9KyaiP6"
    );
    assert_eq!(before["DepositAddressValid"], false);
    assert_eq!(before["Account"]["DepositAddressRequest"], "");
    let r = request(c.addr, "POST", "/requestdepositaddress", &[], b"");
    assert_eq!(r.status, 403, "DEP-570: no token");
    assert_eq!(r.header("X-BitWrk-Error"), Some("ui.bad-token"));
    let target = format!("/requestdepositaddress?csrf={}", support::ui_token(c.addr));
    let r = request(c.addr, "POST", &target, &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let after = get(c.addr, "/myaccount").json();
    assert_ne!(
        after["Account"]["DepositAddressRequest"], "",
        "not the cached answer"
    );
}

//! The browser UI's page, assets and guard (DEP-570) over real HTTP.

mod support;

use support::{Client, get, request};

fn server() -> conformance::target::InProcess {
    conformance::target::start_reference(&[]).expect("reference server")
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

#[test]
fn page_and_assets_are_built_in() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let page = get(c.addr, "/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("Content-Type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let text = page.text();
    assert!(text.contains(&c.address));
    for id in [
        "id=\"available\"",
        "id=\"deposit-address\"",
        "id=\"activities\"",
        "id=\"permit\"",
        "id=\"workers\"",
        "name=\"validminutes\"",
        "id=\"permit-result\"",
        "id=\"motd\"",
    ] {
        assert!(text.contains(id), "{id} missing from the page");
    }
    let token = support::ui_token(c.addr);
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(support::ui_token(c.addr), token, "one token per process");
    let js = get(c.addr, "/ui/app.js");
    assert_eq!(js.status, 200);
    for route in [
        "/activities",
        "/mandates",
        "/workers",
        "/myaccount",
        "/motd",
    ] {
        assert!(
            js.text().contains(route),
            "the script does not poll {route}"
        );
    }
    assert!(js.text().contains("transferView"));
    assert!(
        js.header("Content-Type")
            .is_some_and(|t| t.starts_with("text/javascript"))
    );
    assert_eq!(get(c.addr, "/ui/app.css").status, 200);
    // Another process has another token.
    let home2 = tempfile::tempdir().expect("home");
    let c2 = Client::start(home2.path(), &srv.url, &[]);
    assert_ne!(support::ui_token(c2.addr), token);
}

// DEP-570
#[test]
fn other_sites_cannot_use_the_local_api() {
    let srv = server();
    let home = tempfile::tempdir().expect("home");
    let c = Client::start(home.path(), &srv.url, &[]);
    let token = support::ui_token(c.addr);
    let own = format!("http://{}", c.addr);
    let permit = format!(
        "action=permit&type=BUY&articleid=foobar&price=mBTC+1&tradesleft=1&validminutes=5&csrf={token}"
    );
    let code = |r: &support::Resp| r.header("X-BitWrk-Error").map(str::to_owned);

    // Cross-site form posts are refused even with the right token.
    for hdr in [
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
    ] {
        let r = request(c.addr, "POST", "/", &[FORM, hdr], permit.as_bytes());
        assert_eq!(
            (r.status, code(&r).as_deref()),
            (403, Some("ui.cross-origin")),
            "{hdr:?}"
        );
        let r = request(c.addr, "POST", "/buy/foobar?price=nonsense", &[hdr], b"w");
        assert_eq!(r.status, 403, "{hdr:?}");
        let r = request(c.addr, "GET", "/revokemandate?key=1", &[hdr], b"");
        assert_eq!(r.status, 403, "{hdr:?}");
    }
    assert_eq!(get(c.addr, "/mandates").json(), serde_json::json!([]));
    // DNS rebinding: a foreign host name is refused, reads included.
    let r = request(
        c.addr,
        "GET",
        "/activities",
        &[("Host", "evil.example:8081")],
        b"",
    );
    assert_eq!((r.status, code(&r).as_deref()), (403, Some("ui.bad-host")));
    // Without the token, the page's own action is refused.
    let no_token = permit.replace(&format!("&csrf={token}"), "");
    let r = request(
        c.addr,
        "POST",
        "/",
        &[FORM, ("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
        no_token.as_bytes(),
    );
    assert_eq!((r.status, code(&r).as_deref()), (403, Some("ui.bad-token")));
    let wrong = permit.replace(&token, &"0".repeat(32));
    let r = request(c.addr, "POST", "/", &[FORM], wrong.as_bytes());
    assert_eq!(r.status, 403);
    assert_eq!(get(c.addr, "/mandates").json(), serde_json::json!([]));
    // The page itself (same origin, token) may.
    let r = request(
        c.addr,
        "POST",
        "/",
        &[FORM, ("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
        permit.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        get(c.addr, "/mandates").json().as_array().map(Vec::len),
        Some(1)
    );
    // The Blender add-on: POST /buy without Origin passes the guard (and
    // is refused for its bad price, as before).
    let r = request(c.addr, "POST", "/buy/foobar?price=nonsense", &[], b"w");
    assert_eq!(
        (r.status, code(&r).as_deref()),
        (400, Some("daemon.bad-parameter"))
    );
    let r = request(
        c.addr,
        "POST",
        "/buy/foobar?price=nonsense",
        &[("Host", "localhost")],
        b"w",
    );
    assert_eq!(r.status, 400);
}

//! Bad input against the real server on loopback (issue 8 item 4): each is
//! answered with a clear status and a stable code in `X-BitWrk-Error`, the
//! response is complete, and the server keeps serving.

mod support;

use std::io::Write;
use std::thread::sleep;
use std::time::Duration;

use support::{Server, read_response};

/// The server still answers after the abuse.
fn still_serves(server: &Server) {
    let r = server.get("/nonce", &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body.len(), 32);
}

/// Asserts status, code, a complete text body naming the code.
fn refused(r: &support::Response, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.code(), Some(code), "{:?}", r.headers);
    assert!(r.text().starts_with(&format!("{code}: ")), "{}", r.text());
    let len: usize = r.header("content-length").unwrap().parse().unwrap();
    assert_eq!(len, r.body.len());
}

#[test]
fn limits_routes_methods_and_forms() {
    let server = Server::start(&["--max-body-bytes", "1024", "--max-header-bytes", "4096"]);

    // BW-HTTP-43: oversized body, announced by Content-Length.
    let big = "a=".to_owned() + &"x".repeat(2000);
    refused(
        &server.post_form("/bid", &[], &big),
        413,
        "http.body-too-large",
    );
    // Oversized body, chunked (no length announced).
    let mut req = b"POST /bid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..3 {
        req.extend_from_slice(b"200\r\n");
        req.extend_from_slice(&[b'x'; 0x200]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    refused(&server.raw(&req), 413, "http.body-too-large");

    // Oversized headers (above the limit, below the parser's buffer).
    let long = "y".repeat(6000);
    refused(
        &server.get("/nonce", &[("X-Long", &long)]),
        431,
        "http.headers-too-large",
    );
    // Far above the parser's buffer: still 431, from the HTTP parser.
    let huge = "y".repeat(40_000);
    let r = server.get("/nonce", &[("X-Long", &huge)]);
    assert_eq!(r.status, 431);

    // BW-HTTP-6, BW-HTTP-8: malformed escape, not UTF-8, repeated field.
    refused(
        &server.post_form("/bid", &[], "type=%zz"),
        400,
        "http.bad-form",
    );
    refused(
        &server.post_form("/bid", &[], "type=%ff%fe"),
        400,
        "http.bad-form",
    );
    refused(
        &server.post_form("/bid", &[], "type=BUY&type=SELL"),
        400,
        "http.duplicate-field",
    );
    // Repeated between query string and body counts too.
    refused(
        &server.post_form("/bid?type=SELL", &[], "type=BUY"),
        400,
        "http.duplicate-field",
    );
    // BW-HTTP-7: a body that is not a form.
    refused(
        &server.request("POST", "/bid", &[("Content-Type", "text/plain")], b"hello"),
        415,
        "http.unsupported-media-type",
    );

    // Wrong method, with Allow.
    // BW-HTTP-3
    let r = server.request("DELETE", "/bid/1", &[], b"");
    refused(&r, 405, "http.method-not-allowed");
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    refused(
        &server.request("PUT", "/tx/1", &[], b""),
        405,
        "http.method-not-allowed",
    );

    // BW-HTTP-2: unknown paths, GAE-only routes, empty or trailing
    // segments, bad escapes in the path.
    for path in [
        "/nope",
        "/login",
        "/_ah/queue/retire-tx",
        "/query/trades",
        "/bid/",
        "/bid/1/",
        "/%zz",
        "/bid/%ff",
    ] {
        let r = server.get(path, &[]);
        assert_eq!(r.code(), Some("http.unknown-path"), "{path}");
        refused(&r, 404, "http.unknown-path");
    }
    // BW-HTTP-4: a segment that is no identifier names nothing.
    for path in ["/bid/01", "/bid/x", "/tx/-1", "/ledger/1x", "/account/1abc"] {
        let r = server.get(path, &[]);
        assert_eq!(r.code(), Some("http.not-found"), "{path}");
        refused(&r, 404, "http.not-found");
    }
    // BW-HTTP-43: a long request target.
    let long_path = format!("/bid/{}", "1".repeat(9000));
    refused(&server.get(&long_path, &[]), 414, "http.uri-too-long");
    // BW-HTTP-3: HEAD where GET is, not on /nonce.
    let r = server.request("HEAD", "/myip", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = server.request("HEAD", "/nonce", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.code(), Some("http.method-not-allowed"));
    assert_eq!(r.header("allow"), Some("GET, POST"));

    // BW-HTTP-12: nothing acceptable.
    refused(
        &server.get("/bid/0", &[("Accept", "image/png")]),
        406,
        "http.not-acceptable",
    );

    // BW-HTTP-15: JSON errors when JSON is accepted.
    let r = server.get("/nope", &[("Accept", "text/html, application/json")]);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["code"], "http.unknown-path");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));

    // Refusals of the core keep their codes: a bid with a bad nonce.
    let r = server.post_form(
        "/bid",
        &[],
        "type=BUY&article=foobar&price=mBTC1&address=1TrsjuCvBch1D9h6nRkadGKakv9KyaiP6&nonce=x&signature=y",
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.code(), Some("nonce.bad-format"));

    still_serves(&server);
}

#[test]
fn slow_clients_time_out() {
    let server = Server::start(&["--header-timeout-ms", "300", "--body-timeout-ms", "300"]);

    // Body never completes: 408 with a code.
    let mut s = server.connect();
    s.write_all(
        b"POST /bid HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
Content-Length: 100\r\n\r\ntype=BUY",
    )
    .unwrap();
    let r = read_response(&mut s);
    refused(&r, 408, "http.request-timeout");

    // Headers never complete: the connection is closed without a request
    // being served.
    let mut s = server.connect();
    s.write_all(b"GET /nonce HTTP/1.1\r\nHost: x\r\n").unwrap();
    sleep(Duration::from_millis(900));
    let mut buf = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut buf);
    let text = String::from_utf8_lossy(&buf);
    assert!(
        buf.is_empty() || text.starts_with("HTTP/1.1 408"),
        "unexpected answer to a slow header: {text:?}"
    );

    still_serves(&server);
}

#[test]
fn too_many_connections() {
    let server = Server::start(&["--max-connections", "2"]);
    // Two idle connections hold both slots.
    let a = server.connect();
    let b = server.connect();
    sleep(Duration::from_millis(200));
    let r = server.get("/nonce", &[]);
    refused(&r, 503, "http.overloaded");
    drop((a, b));
    sleep(Duration::from_millis(200));
    still_serves(&server);
}

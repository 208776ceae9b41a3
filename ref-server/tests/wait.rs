//! Waiting conditional GETs (spec §16.A) through the real server process
//! on loopback: a `GET` of a bid or transaction with `Prefer: wait=<n>`
//! and a current `If-None-Match` is held until the object changes (a
//! matching bid, a transaction message, the bid's expiry) or the wait
//! ends; without `Prefer` it is answered at once, as for the 0.7 client.
//! No assertion depends on a tight time: "answered at the change" means
//! well before the 20 s wait would have ended.

mod support;

use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use bitwrk_protocol::address::Network;
use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::tx::document::sign_tx_form;
use support::{Response, Server};

fn key(byte: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[byte; 32], true, Network::Mainnet).unwrap()
}

fn address(k: &PrivateKey) -> String {
    k.public_key().address(Network::Mainnet).to_string()
}

fn form(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Places a bid at mBTC 1 on `foobar`; its id.
fn place(server: &Server, k: &PrivateKey, side: BidType) -> String {
    let nonce = server.get("/nonce", &[]).text();
    let b = BidForm::signed(k, side, "foobar", "mBTC 1", &nonce);
    let pairs = [
        ("article", b.article),
        ("type", b.bid_type),
        ("price", b.price),
        ("address", b.address),
        ("nonce", b.nonce),
        ("signature", b.signature),
    ]
    .map(|(k, v)| (k.to_owned(), v));
    let r = server.post_form("/bid", &[("Accept", "application/json")], &form(&pairs));
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("x-bid-key").expect("X-Bid-Key").to_owned()
}

/// `GET path` as JSON with extra headers, and how long the answer took.
fn get(server: &Server, path: &str, extra: &[(&str, &str)]) -> (Response, Duration) {
    let mut h = vec![("Accept", "application/json")];
    h.extend_from_slice(extra);
    let started = Instant::now();
    let r = server.get(path, &h);
    (r, started.elapsed())
}

fn etag(r: &Response) -> String {
    r.header("etag").expect("ETag").to_owned()
}

/// A held GET of `path` (tag `tag`, `Prefer: wait=20`) in a thread of its
/// own, started after a moment so that it is held when the caller acts.
fn held(server: &Server, path: &str, tag: &str) -> thread::JoinHandle<(Response, Duration)> {
    let addr = server.addr;
    let (path, tag) = (path.to_owned(), tag.to_owned());
    thread::spawn(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\nIf-None-Match: {tag}\r\nPrefer: wait=20\r\n\r\n"
        );
        let started = Instant::now();
        std::io::Write::write_all(&mut s, req.as_bytes()).expect("write");
        let r = support::read_response(&mut s);
        (r, started.elapsed())
    })
}

/// Gives a held request time to reach the server and be held.
fn settle() {
    thread::sleep(Duration::from_millis(400));
}

/// Well below the 20 s wait: the answer came with the change, not at the
/// wait's end.
const PROMPT: Duration = Duration::from_secs(10);

// BW-HTTP-56, BW-HTTP-57, BW-HTTP-58: a held bid GET is answered by the
// matching bid with the new state and tag; a held transaction GET by a
// transaction message.
#[test]
fn held_gets_answer_when_the_bid_is_matched_and_the_transaction_moves() {
    let (trusted, buyer, seller) = (key(1), key(2), key(3));
    let server = Server::start(&["--trusted-account", &address(&trusted)]);
    support::deposit(&server, &trusted, &address(&buyer), "mBTC 10", "wait-0001");
    let sell = place(&server, &seller, BidType::Sell);
    let (r, _) = get(&server, &format!("/bid/{sell}"), &[]);
    assert_eq!(r.status, 200);
    let placed = etag(&r);

    let waiting = held(&server, &format!("/bid/{sell}"), &placed);
    settle();
    place(&server, &buyer, BidType::Buy);
    let (r, took) = waiting.join().expect("held GET");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_ne!(etag(&r), placed, "a new tag");
    assert_eq!(r.header("x-etag"), r.header("etag"));
    assert_eq!(r.json()["State"], 2, "MATCHED");
    assert_eq!(r.header("preference-applied"), Some("wait=20"));
    assert!(took < PROMPT, "answered with the match, after {took:?}");
    let txid = r.json()["Transaction"].as_str().expect("tx id").to_owned();

    let tx_path = format!("/tx/{txid}");
    let (r, _) = get(&server, &tx_path, &[]);
    assert_eq!(r.status, 200);
    let before = etag(&r);
    let waiting = held(&server, &tx_path, &before);
    settle();
    let hash = "ab".repeat(32);
    let pairs = sign_tx_form(
        &buyer,
        &txid,
        &[("workhash", &hash), ("worksecrethash", &hash)],
    );
    let m = server.post_form(&tx_path, &[("Accept", "application/json")], &form(&pairs));
    assert_eq!(m.status, 303, "{}", m.text());
    let (r, took) = waiting.join().expect("held GET");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_ne!(etag(&r), before);
    assert_eq!(r.json()["WorkHash"], hash.as_str());
    assert_eq!(r.header("preference-applied"), Some("wait=20"));
    assert!(took < PROMPT, "answered with the message, after {took:?}");
}

// BW-HTTP-57, BW-HTTP-58, BW-HTTP-56: nothing changes: 304 with the tag
// once the wait (capped by the server) has passed; a request without
// `Prefer`, or whose tag is stale, is answered at once.
#[test]
fn unchanged_objects_answer_304_after_the_wait_and_at_once_without_prefer() {
    let seller = key(3);
    let server = Server::start(&["--max-wait-secs", "1"]);
    let sell = place(&server, &seller, BidType::Sell);
    let path = format!("/bid/{sell}");
    let (r, _) = get(&server, &path, &[]);
    let tag = etag(&r);

    // Asked for 100 s, capped at the server's 1 s.
    let (r, took) = get(
        &server,
        &path,
        &[("If-None-Match", &tag), ("Prefer", "wait=100")],
    );
    assert_eq!(r.status, 304);
    assert_eq!(r.header("etag"), Some(tag.as_str()));
    assert_eq!(r.header("preference-applied"), Some("wait=1"));
    assert!(r.body.is_empty());
    assert!(
        took >= Duration::from_millis(900),
        "held for the wait: {took:?}"
    );

    // As the 0.7 client asks: at once, no Preference-Applied.
    let (r, took) = get(&server, &path, &[("If-None-Match", &tag)]);
    assert_eq!(r.status, 304);
    assert_eq!(r.header("preference-applied"), None);
    assert!(took < PROMPT);
    let (r, _) = get(
        &server,
        &path,
        &[("If-None-Match", &tag), ("Prefer", "wait=0")],
    );
    assert_eq!((r.status, r.header("preference-applied")), (304, None));

    // A stale tag or none: the current state at once, the wait applied.
    let (r, took) = get(
        &server,
        &path,
        &[("If-None-Match", "\"sINQUEUE-c16\""), ("Prefer", "wait=1")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("preference-applied"), Some("wait=1"));
    assert!(took < Duration::from_millis(900), "not held: {took:?}");
    let (r, _) = get(&server, &path, &[("Prefer", "wait=1")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("preference-applied"), Some("wait=1"));

    // Errors are never held and carry no Preference-Applied.
    let (r, _) = get(
        &server,
        "/bid/999",
        &[("If-None-Match", "*"), ("Prefer", "wait=1")],
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.header("preference-applied"), None);
}

// BW-HTTP-59, BW-HTTP-57: beyond the bound a request is answered at once
// without Preference-Applied; the held one is answered when its bid
// expires (a change by time, through the market's timeouts).
#[test]
fn requests_beyond_the_bound_answer_at_once() {
    let seller = key(3);
    let server = Server::start(&["--max-held-requests", "1", "--bid-lifetime-secs", "3"]);
    let sell = place(&server, &seller, BidType::Sell);
    let path = format!("/bid/{sell}");
    let (r, _) = get(&server, &path, &[]);
    let tag = etag(&r);
    let waiting = held(&server, &path, &tag);
    settle();
    let (r, took) = get(
        &server,
        &path,
        &[("If-None-Match", &tag), ("Prefer", "wait=20")],
    );
    assert_eq!(r.status, 304);
    assert_eq!(r.header("preference-applied"), None, "not held: the bound");
    assert!(took < PROMPT);
    let (r, took) = waiting.join().expect("held GET");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["State"], 3, "EXPIRED");
    assert_eq!(r.header("preference-applied"), Some("wait=20"));
    assert!(took < PROMPT, "answered at the expiry, after {took:?}");
}

// BW-HTTP-60: shutdown answers a held request at once (without
// Preference-Applied) and is not delayed by it.
#[test]
fn shutdown_answers_held_requests() {
    let seller = key(3);
    let mut server = Server::start(&[]);
    let sell = place(&server, &seller, BidType::Sell);
    let path = format!("/bid/{sell}");
    let (r, _) = get(&server, &path, &[]);
    let tag = etag(&r);
    let waiting = held(&server, &path, &tag);
    settle();
    server.signal("TERM");
    let (r, took) = waiting.join().expect("held GET");
    assert_eq!(r.status, 304);
    assert_eq!(r.header("preference-applied"), None);
    assert!(took < PROMPT, "answered at shutdown, after {took:?}");
    assert!(server.exited_within(Duration::from_secs(15)));
}

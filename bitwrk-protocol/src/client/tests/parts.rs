//! Unit tests of the client's parts: backoff, mandates, answers, local
//! matching, inputs that do not fit.

use core::time::Duration;

use super::harness::{T0, article, key, money};
use crate::bid::BidType;
use crate::client::backoff::Backoff;
use crate::client::http::is_valid_etag;
use crate::client::worker::{WorkerAnswer, WorkerId, WorkerInfo};
use crate::client::{
    ActivityManager, Answer, ClientConfig, ClientError, EventKind, Mandate, Mandates, RequestKind,
};
use crate::error::ErrorCode;
use crate::hash::sha256;

#[test]
fn backoff_doubles_up_to_the_cap_and_resets() {
    // BW-CLIENT-9
    let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(8));
    let mut now = T0;
    let mut delays = Vec::new();
    for _ in 0..8 {
        let due = b.next_after(now);
        delays.push(due.saturating_since(now).as_millis());
        now = due;
    }
    assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    b.reset();
    assert_eq!(b.delay(), Duration::from_millis(500));
    // A cap below the start is raised to it.
    let b = Backoff::new(Duration::from_secs(2), Duration::from_secs(1));
    assert_eq!(b.delay(), Duration::from_secs(2));
}

#[test]
fn permit_form_rules() {
    // BW-CLIENT-2
    let m = |t, n, u, min| {
        Mandate::from_permit(T0, BidType::Buy, article(), money("mBTC 1"), t, n, u, min)
    };
    let one = m(false, 5, false, 5).expect("valid");
    assert_eq!((one.trades_left, one.until), (Some(1), None));
    let timed = m(false, 5, true, 2).expect("valid");
    assert_eq!(timed.trades_left, None);
    assert_eq!(
        timed.until,
        Some(T0.saturating_add(Duration::from_secs(120)))
    );
    let both = m(true, 3, true, 1).expect("valid");
    assert_eq!(both.trades_left, Some(3));
    assert_eq!(
        m(true, 0, false, 1).map_err(|e| e.code()),
        Err("client.bad-mandate")
    );
    assert_eq!(
        m(false, 1, true, 0).map_err(|e| e.code()),
        Err("client.bad-mandate")
    );
}

#[test]
fn mandates_count_and_expire() {
    // BW-CLIENT-3
    let mut set = Mandates::default();
    let m = Mandate::from_permit(
        T0,
        BidType::Sell,
        article(),
        money("mBTC 2"),
        true,
        2,
        true,
        1,
    )
    .unwrap();
    set.insert(crate::client::ActivityKey(1), m);
    assert_eq!(set.take(T0, BidType::Buy, &article()), None, "wrong type");
    assert_eq!(
        set.take(T0, BidType::Sell, &article()),
        Some(money("mBTC 2"))
    );
    assert_eq!(
        set.next_expiry(),
        Some(T0.saturating_add(Duration::from_secs(60)))
    );
    // Expired by time: gone.
    let late = T0.saturating_add(Duration::from_secs(60));
    assert_eq!(set.take(late, BidType::Sell, &article()), None);
    assert_eq!(set.iter().count(), 0);
    // Expired by count: gone after the last trade.
    let m = Mandate::from_permit(
        T0,
        BidType::Sell,
        article(),
        money("mBTC 2"),
        true,
        1,
        false,
        1,
    )
    .unwrap();
    set.insert(crate::client::ActivityKey(2), m);
    assert!(set.take(T0, BidType::Sell, &article()).is_some());
    assert_eq!(set.iter().count(), 0);
    assert!(set.take(T0, BidType::Sell, &article()).is_none());
}

#[test]
fn a_mandate_granted_later_publishes_a_waiting_buy() {
    // BW-CLIENT-3, BW-CLIENT-1
    let mut mgr = ActivityManager::new(key(1), ClientConfig::default());
    let buy = mgr.buy(T0, article(), None, sha256(b"w"), [1; 32]);
    assert_eq!(mgr.poll_transmit(T0), None, "not cleared: nothing is sent");
    let m = Mandate::from_permit(
        T0,
        BidType::Buy,
        article(),
        money("mBTC 1"),
        true,
        1,
        false,
        1,
    )
    .unwrap();
    let mkey = mgr.add_mandate(T0, m);
    assert!(mkey.0 > buy.0, "one counter for activities and mandates");
    let req = mgr.poll_transmit(T0).expect("a nonce request");
    assert_eq!((req.kind, req.path.as_str()), (RequestKind::Nonce, "nonce"));
    assert_eq!(mgr.poll_transmit(T0), None, "one request in flight");
    assert!(
        mgr.mandates().iter().next().is_none(),
        "its one trade is used"
    );
}

#[test]
fn bid_request_is_the_signed_form() {
    // BW-CLIENT-6, BW-CLIENT-12, BW-BID-14
    let mut mgr = ActivityManager::new(key(1), ClientConfig::default());
    mgr.buy(
        T0,
        article(),
        Some(money("uBTC 100")),
        sha256(b"w"),
        [1; 32],
    );
    let req = mgr.poll_transmit(T0).expect("nonce");
    assert_eq!(req.header("Accept"), None);
    assert_eq!(req.header("user-agent"), Some("BitWrkGoClient/0.7.0"));
    let nonce = "0123456789abcdef0123456789abcdef";
    mgr.handle_answer(T0, req.id, Answer::Nonce(nonce.to_owned()))
        .unwrap();
    let req = mgr.poll_transmit(T0).expect("bid");
    assert_eq!(
        (req.kind, req.method.as_str(), req.path.as_str()),
        (RequestKind::PlaceBid, "POST", "bid")
    );
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.header("Accept"), Some("application/json"));
    let names: Vec<&str> = req.form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["article", "type", "price", "address", "nonce", "signature"]
    );
    let address = super::harness::addr(&key(1)).to_string();
    assert!(req.body().starts_with(&format!(
        "article=foobar&type=BUY&price=uBTC+100&address={address}&nonce={nonce}&signature="
    )));
    // Refused: the trade ends with the server's code.
    mgr.handle_answer(
        T0,
        req.id,
        Answer::Refused {
            status: 402,
            code: Some("ledger.insufficient-funds".to_owned()),
            message: "no money".to_owned(),
        },
    )
    .unwrap();
    let ev: Vec<_> = std::iter::from_fn(|| mgr.poll_event()).collect();
    assert!(ev.iter().any(|e| matches!(&e.kind,
        EventKind::Finished { result: Err(ClientError::BidRefused { code: Some(c), .. }) } if c == "ledger.insufficient-funds")));
    let info = mgr.activities();
    assert_eq!(
        info[0].error.as_ref().map(|e| e.code()),
        Some("client.bid-refused")
    ); // BW-CLIENT-23
}

#[test]
fn answers_are_read_from_http() {
    // BW-CLIENT-12, BW-CLIENT-8
    let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        Answer::from_http(RequestKind::PlaceBid, 303, &h(&[("x-bid-key", "41")]), b""),
        Answer::BidAccepted {
            bid: "41".to_owned()
        }
    );
    assert!(matches!(
        Answer::from_http(RequestKind::PlaceBid, 303, &h(&[]), b""),
        Answer::Malformed { .. }
    ));
    assert!(matches!(
        Answer::from_http(RequestKind::TxMessage, 200, &h(&[]), b""),
        Answer::Malformed { .. }
    ));
    assert_eq!(
        Answer::from_http(RequestKind::TxMessage, 302, &h(&[]), b""),
        Answer::MessageAccepted
    );
    assert_eq!(
        Answer::from_http(RequestKind::FetchTx, 304, &h(&[]), b""),
        Answer::NotModified { paced: false }
    );
    // BW-CLIENT-37: `Preference-Applied` naming `wait` marks the answer
    // as paced; other preferences do not.
    assert_eq!(
        Answer::from_http(
            RequestKind::FetchBid,
            304,
            &h(&[("Preference-Applied", "wait=20")]),
            b""
        ),
        Answer::NotModified { paced: true }
    );
    assert_eq!(
        Answer::from_http(
            RequestKind::FetchTx,
            304,
            &h(&[("preference-applied", "return=minimal")]),
            b""
        ),
        Answer::NotModified { paced: false }
    );
    assert_eq!(
        Answer::from_http(
            RequestKind::Nonce,
            200,
            &h(&[]),
            b"0123456789abcdef0123456789abcdef"
        ),
        Answer::Nonce("0123456789abcdef0123456789abcdef".to_owned())
    );
    assert_eq!(
        Answer::from_http(
            RequestKind::FetchBid,
            409,
            &h(&[("X-BitWrk-Error", "nonce.used")]),
            b"nonce.used: x"
        ),
        Answer::Refused {
            status: 409,
            code: Some("nonce.used".to_owned()),
            message: "nonce.used: x".to_owned()
        }
    );
    // A bid body, with a bad ETag and a good X-ETag.
    let body = br#"{"Type":0,"State":1,"Article":"foobar","Price":"mBTC 1","Fee":"uBTC 30","Participant":"1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke7","Document":"d","Signature":"s","Created":"2026-12-01T10:00:03.5Z","Expires":"2026-12-01T10:02:03.5Z","Matched":null,"Transaction":null}"#;
    let a = Answer::from_http(
        RequestKind::FetchBid,
        200,
        &h(&[("ETag", "nope"), ("X-ETag", "\"sPLACED-c16\"")]),
        body,
    );
    let Answer::Bid { etag, bid, paced } = a else {
        panic!("{a:?}")
    };
    assert_eq!(etag.as_deref(), Some("\"sPLACED-c16\""));
    assert!(!paced);
    assert_eq!(bid.price, money("mBTC 1"));
    assert!(matches!(
        Answer::from_http(RequestKind::FetchBid, 200, &h(&[]), b"{}"),
        Answer::Malformed { .. }
    ));
    assert!(is_valid_etag("\"\""));
    assert!(is_valid_etag("\"r3-c16\""));
    assert!(!is_valid_etag("\"a\\\""));
    assert!(!is_valid_etag("r3"));
    assert!(!is_valid_etag(&format!("\"{}\"", "a".repeat(1022))));
}

#[test]
fn local_buy_and_sell_match_without_the_server() {
    // BW-CLIENT-4, BW-CLIENT-20
    let mut mgr = ActivityManager::new(key(1), ClientConfig::default());
    let buy = mgr.buy(T0, article(), None, sha256(b"w"), [1; 32]);
    mgr.register_worker(WorkerInfo {
        id: WorkerId("w".to_owned()),
        article: article(),
        push_url: "http://127.0.0.1:1/push".to_owned(),
    });
    let w = mgr.poll_idle_worker(T0).expect("offered");
    let sell = mgr.sell(T0, &w, [2; 32]).expect("sell");
    assert_eq!(mgr.poll_idle_worker(T0), None, "one sell per worker");
    let ev: Vec<_> = std::iter::from_fn(|| mgr.poll_event()).collect();
    assert!(
        ev.iter()
            .any(|e| e.key == buy && e.kind == EventKind::LocalMatch { peer: sell })
    );
    assert!(ev.iter().any(|e| e.key == sell
        && matches!(&e.kind, EventKind::PushWork { local_buy: Some(b), .. } if *b == buy)));
    assert_eq!(mgr.activities()[0].phase, format!("LOCAL ({sell})")); // BW-CLIENT-23
    assert_eq!(mgr.poll_transmit(T0), None, "no server contact");
    mgr.worker_answer(T0, sell, WorkerAnswer::Done)
        .expect("working");
    let ev: Vec<_> = std::iter::from_fn(|| mgr.poll_event()).collect();
    assert!(ev.iter().any(|e| e.key == buy
        && e.kind
            == EventKind::ResultReady {
                decryption_key: None,
                local_peer: Some(sell)
            }));
    let ended = ev
        .iter()
        .filter(|e| e.kind == EventKind::Finished { result: Ok(()) })
        .count();
    assert_eq!(ended, 2);
    assert!(mgr.activities().iter().all(|a| !a.alive));
}

#[test]
fn failed_local_sell_fails_its_buy() {
    // BW-CLIENT-4
    let mut mgr = ActivityManager::new(key(1), ClientConfig::default());
    mgr.register_worker(WorkerInfo {
        id: WorkerId("w".to_owned()),
        article: article(),
        push_url: "http://127.0.0.1:1/push".to_owned(),
    });
    let w = mgr.poll_idle_worker(T0).expect("offered");
    let sell = mgr.sell(T0, &w, [2; 32]).expect("sell");
    let buy = mgr.buy(T0, article(), Some(money("mBTC 1")), sha256(b"w"), [1; 32]);
    mgr.worker_answer(T0, sell, WorkerAnswer::Failed("refused".to_owned()))
        .expect("working");
    let ev: Vec<_> = std::iter::from_fn(|| mgr.poll_event()).collect();
    assert!(ev.iter().any(|e| e.key == buy
        && matches!(
            &e.kind,
            EventKind::Finished {
                result: Err(ClientError::LocalPeerGone { .. })
            }
        )));
    // A failed push without an answer leaves the worker idle, but it is
    // held back for 20 s.
    let state = mgr.workers().get(&w).expect("known");
    assert!(state.idle);
    assert_eq!(mgr.poll_idle_worker(T0), None);
    assert_eq!(
        mgr.poll_idle_worker(T0.saturating_add(Duration::from_secs(20))),
        Some(w)
    );
}

#[test]
fn local_only_sells_are_never_published() {
    // BW-CLIENT-3
    let config = ClientConfig {
        local_only_sells: true,
        ..ClientConfig::default()
    };
    let mut mgr = ActivityManager::new(key(1), config);
    let m = Mandate::from_permit(
        T0,
        BidType::Sell,
        article(),
        money("mBTC 1"),
        true,
        5,
        false,
        1,
    )
    .unwrap();
    mgr.add_mandate(T0, m);
    mgr.register_worker(WorkerInfo {
        id: WorkerId("w".to_owned()),
        article: article(),
        push_url: "http://127.0.0.1:1/push".to_owned(),
    });
    let w = mgr.poll_idle_worker(T0).expect("offered");
    mgr.sell(T0, &w, [2; 32]).expect("sell");
    assert_eq!(mgr.poll_transmit(T0), None);
    assert!(
        mgr.activities()[0].accepted,
        "local-only counts as accepted"
    );
    assert_eq!(
        mgr.mandates().iter().next().map(|(_, m)| m.trades_left),
        Some(Some(5))
    );
}

#[test]
fn inputs_that_do_not_fit_are_refused() {
    // BW-CLIENT-24
    let mut mgr = ActivityManager::new(key(1), ClientConfig::default());
    let buy = mgr.buy(T0, article(), Some(money("mBTC 1")), sha256(b"w"), [1; 32]);
    assert_eq!(
        mgr.accept_result(T0, buy).map_err(|e| e.code()),
        Err("client.wrong-state")
    );
    assert_eq!(
        mgr.set_worker_url(T0, buy, "http://x/".to_owned())
            .map_err(|e| e.code()),
        Err("client.wrong-type")
    );
    let nobody = crate::client::ActivityKey(77);
    assert_eq!(
        mgr.cancel(T0, nobody).map_err(|e| e.code()),
        Err("client.unknown-activity")
    );
    let req = mgr.poll_transmit(T0).expect("nonce");
    let stale = crate::client::RequestId {
        seq: req.id.seq + 1,
        ..req.id
    };
    assert_eq!(
        mgr.handle_answer(T0, stale, Answer::NotModified { paced: false })
            .map_err(|e| e.code()),
        Err("client.unknown-request")
    );
    // A malformed answer ends the trade.
    mgr.handle_answer(
        T0,
        req.id,
        Answer::Malformed {
            reason: "x".to_owned(),
        },
    )
    .unwrap();
    let ev: Vec<_> = std::iter::from_fn(|| mgr.poll_event()).collect();
    assert!(ev.iter().any(|e| matches!(&e.kind,
        EventKind::Finished { result: Err(e) } if e.code() == "client.bad-answer")));
}

#[test]
fn every_client_code_has_a_message() {
    for code in ClientError::CODES {
        assert!(code.starts_with("client."), "{code}");
    }
    let e = ClientError::UnexpectedPhase {
        awaited: crate::tx::Phase::Unverified,
        phase: crate::tx::Phase::WorkDisputed,
    };
    assert_eq!(
        e.to_string(),
        "waiting for UNVERIFIED, the transaction went to WORK_DISPUTED"
    );
}

#[test]
fn handled_deadlines_are_not_reported_again() {
    // BW-CLIENT-1, BW-CLIENT-3
    let mut mgr = ActivityManager::new(key(1), ClientConfig::default());
    let m = Mandate::from_permit(
        T0,
        BidType::Buy,
        article(),
        money("mBTC 1"),
        false,
        1,
        true,
        1,
    )
    .unwrap();
    mgr.add_mandate(T0, m);
    let end = T0.saturating_add(Duration::from_secs(60));
    assert_eq!(mgr.poll_timeout(), Some(end));
    mgr.handle_timeout(end);
    assert_eq!(mgr.poll_timeout(), None, "the mandate expired and is gone");
    assert!(mgr.mandates().iter().next().is_none());
    // A buy now waits: no mandate covers it.
    mgr.buy(end, article(), None, sha256(b"w"), [1; 32]);
    assert_eq!(mgr.poll_transmit(end), None);
}

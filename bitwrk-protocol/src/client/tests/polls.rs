//! Waiting polls (spec §20.4, BW-CLIENT-36 … BW-CLIENT-39): the `Prefer:
//! wait` a poll asks for, and when the next poll goes out after an answer
//! with or without `Preference-Applied: wait`.

use core::time::Duration;

use super::harness::{T0, World, addr, article, key, money};
use crate::client::{ActivityManager, Answer, ClientConfig, RequestKind, ServerRequest};
use crate::hash::sha256;

/// A buy placed as bid `41`, its first poll (without a tag) sent at `T0`.
fn placed_buy(config: ClientConfig) -> (ActivityManager, ServerRequest) {
    let mut mgr = ActivityManager::new(key(1), config);
    mgr.buy(T0, article(), Some(money("mBTC 1")), sha256(b"w"), [1; 32]);
    let req = mgr.poll_transmit(T0).expect("nonce");
    mgr.handle_answer(
        T0,
        req.id,
        Answer::Nonce("0123456789abcdef0123456789abcdef".into()),
    )
    .unwrap();
    let req = mgr.poll_transmit(T0).expect("bid");
    mgr.handle_answer(T0, req.id, Answer::BidAccepted { bid: "41".into() })
        .unwrap();
    let req = mgr.poll_transmit(T0).expect("first poll");
    (mgr, req)
}

/// The bid of [`placed_buy`] as the server shows it while it waits.
fn placed_bid(paced: bool) -> Answer {
    let body = format!(
        r#"{{"Type":0,"State":1,"Article":"foobar","Price":"mBTC 1","Fee":"uBTC 30","Participant":"{}","Document":"d","Signature":"s","Created":"2026-12-01T10:00:03.5Z","Expires":"2026-12-01T10:02:03.5Z","Matched":null,"Transaction":null}}"#,
        addr(&key(1))
    );
    let mut headers = vec![("ETag".to_owned(), "\"sPLACED-c16\"".to_owned())];
    if paced {
        headers.push(("Preference-Applied".to_owned(), "wait=20".to_owned()));
    }
    Answer::from_http(RequestKind::FetchBid, 200, &headers, body.as_bytes())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// BW-CLIENT-36: every poll asks the server to wait, the first one (without
// a tag) too; no other request does.
#[test]
fn polls_ask_for_the_wait() {
    let mut mgr = ActivityManager::new(key(1), ClientConfig::default());
    mgr.buy(T0, article(), Some(money("mBTC 1")), sha256(b"w"), [1; 32]);
    let nonce = mgr.poll_transmit(T0).expect("nonce");
    assert_eq!(nonce.header("Prefer"), None);
    let (mut mgr, first) = placed_buy(ClientConfig::default());
    assert_eq!(first.kind, RequestKind::FetchBid);
    assert_eq!(first.header("If-None-Match"), None);
    assert_eq!(first.header("Prefer"), Some("wait=20"));
    mgr.handle_answer(T0, first.id, placed_bid(false)).unwrap();
    let at = T0.saturating_add(ms(500));
    let req = mgr.poll_transmit(at).expect("second poll");
    assert_eq!(req.header("If-None-Match"), Some("\"sPLACED-c16\""));
    assert_eq!(req.header("Prefer"), Some("wait=20"));

    // Zero asks for nothing (the polls of BitWrk 0.7's client).
    let config = ClientConfig {
        poll_wait: Duration::ZERO,
        ..ClientConfig::default()
    };
    let (mut mgr, first) = placed_buy(config);
    mgr.handle_answer(T0, first.id, placed_bid(false)).unwrap();
    let req = mgr.poll_transmit(at).expect("second poll");
    assert_eq!(req.header("If-None-Match"), Some("\"sPLACED-c16\""));
    assert_eq!(req.header("Prefer"), None);
}

// BW-CLIENT-37, BW-CLIENT-38, BW-CLIENT-9: after a paced answer (200 or
// 304) the next poll goes out after `poll_paced`; after an answer without
// `Preference-Applied` the capped backoff applies, starting again from
// `poll_initial`.
#[test]
fn paced_answers_are_followed_at_once_others_back_off() {
    let (mut mgr, first) = placed_buy(ClientConfig::default());
    mgr.handle_answer(T0, first.id, placed_bid(true)).unwrap();
    assert_eq!(mgr.poll_timeout(), Some(T0.saturating_add(ms(20))));
    assert!(mgr.poll_transmit(T0.saturating_add(ms(19))).is_none());
    let t1 = T0.saturating_add(ms(20));
    let req = mgr.poll_transmit(t1).expect("paced poll");
    // Held by the server for 20 s, then unchanged.
    let t2 = t1.saturating_add(Duration::from_secs(20));
    mgr.handle_answer(t2, req.id, Answer::NotModified { paced: true })
        .unwrap();
    assert_eq!(mgr.poll_timeout(), Some(t2.saturating_add(ms(20))));
    let t3 = t2.saturating_add(ms(20));
    let req = mgr.poll_transmit(t3).expect("paced poll");
    // Now a server that does not pace (at its bound, or BitWrk 0.7).
    mgr.handle_answer(t3, req.id, Answer::NotModified { paced: false })
        .unwrap();
    assert_eq!(mgr.poll_timeout(), Some(t3.saturating_add(ms(500))));
    let t4 = t3.saturating_add(ms(500));
    let req = mgr.poll_transmit(t4).expect("backed-off poll");
    mgr.handle_answer(t4, req.id, Answer::NotModified { paced: false })
        .unwrap();
    assert_eq!(mgr.poll_timeout(), Some(t4.saturating_add(ms(1000))));
}

// BW-CLIENT-38, BW-CLIENT-9: against a server that paces every poll (the
// harness answers at once, as a server whose objects keep changing would)
// a whole trade completes, and polls never come closer than `poll_paced`.
#[test]
fn a_trade_against_a_pacing_server_completes() {
    let config = ClientConfig::default();
    let gap = config.poll_paced;
    let mut w = World::new(config);
    w.server.paces = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.buyer.finished(buy).is_some() && w.seller.finished(sell).is_some()
    });
    assert_eq!(w.buyer.finished(buy), Some(&Ok(())));
    assert_eq!(w.seller.finished(sell), Some(&Ok(())));
    for kind in [RequestKind::FetchBid, RequestKind::FetchTx] {
        let mut times: Vec<_> = w
            .server
            .log
            .iter()
            .filter(|(_, k, p)| *k == kind && p.ends_with(char::is_numeric))
            .map(|(t, _, p)| (p.clone(), *t))
            .collect();
        times.sort();
        for pair in times.windows(2) {
            if pair[0].0 == pair[1].0 {
                let g = pair[1].1.saturating_since(pair[0].1);
                assert!(
                    g >= gap || g.is_zero(),
                    "{kind:?} {} polled {g:?} apart",
                    pair[0].0
                );
            }
        }
    }
}

//! Full buyer and seller trades against a real in-memory market.

use core::time::Duration;

use super::harness::{World, addr, money};
use crate::client::worker::{WorkerAnswer, WorkerId, WorkerInfo};
use crate::client::{ClientConfig, EventKind, RequestKind};
use crate::error::ErrorCode;
use crate::tx::{Phase, TxState};

fn code(r: Option<&Result<(), crate::client::ClientError>>) -> Option<&'static str> {
    r.map(|r| r.as_ref().map_or_else(|e| e.code(), |()| "ok"))
}

/// A remote trade from bid to payout: both sides finish, the transaction
/// is retired in FINISHED, the seller is paid, the fee is collected.
#[test]
fn full_trade_pays_the_seller() {
    // BW-CLIENT-6, BW-CLIENT-7, BW-CLIENT-10, BW-CLIENT-14, BW-CLIENT-15,
    // BW-CLIENT-16, BW-CLIENT-18, BW-CLIENT-19, BW-CLIENT-21, BW-CLIENT-22
    let mut w = World::new(ClientConfig::default());
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.buyer.finished(buy).is_some() && w.seller.finished(sell).is_some()
    });
    assert_eq!(code(w.seller.finished(sell)), Some("ok"));
    assert_eq!(code(w.buyer.finished(buy)), Some("ok"));
    let txid = w
        .buyer
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Matched { tx } => Some(tx.clone()),
            _ => None,
        })
        .expect("matched");
    let tx = w.server.tx(&txid).expect("tx known");
    assert_eq!((tx.state, tx.phase), (TxState::Retired, Phase::Finished));
    assert_eq!(tx.buyer_secret.map(|s| s.to_byte_array()), Some([9; 32]));
    assert_eq!(
        tx.result_decryption_key.map(|k| k.to_byte_array()),
        Some([7; 32])
    );
    // 10 mBTC deposited; 1 mBTC + 3 % fee spent; the seller got 1 mBTC.
    assert_eq!(
        w.server.balance(&addr(&w.buyer.identity)),
        (1_000_000 - 100_000 - 3_000, 0)
    );
    assert_eq!(w.server.balance(&addr(&w.seller.identity)), (100_000, 0));
    // The buy published at its explicit price, the sell at the mandate's.
    assert!(w.buyer.saw(buy, |k| *k
        == EventKind::Published {
            price: money("mBTC 1")
        }));
    assert!(w.seller.saw(sell, |k| *k
        == EventKind::Published {
            price: money("mBTC 1")
        }));
    // The activity listing shows both ended, with their ids.
    let info = w.buyer.mgr.activities();
    assert_eq!(info.len(), 1);
    assert!(!info[0].alive && info[0].accepted && info[0].tx_id.as_deref() == Some(txid.as_str()));
    assert_eq!(info[0].phase, "FINISHED"); // BW-CLIENT-23
}

/// The worker fails: the seller refuses the work, the buyer's trade ends,
/// the buyer is refunded, and the worker is held back for 20 s.
#[test]
fn worker_failure_refunds_the_buyer() {
    // BW-CLIENT-20, BW-CLIENT-11
    let mut w = World::new(ClientConfig::default());
    w.script.worker_fails = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.seller.finished(sell).is_some()
    });
    assert_eq!(code(w.seller.finished(sell)), Some("client.worker-failed"));
    let failed_at = w.now;
    w.run_until(Duration::from_secs(600), |w| {
        w.buyer.finished(buy).is_some()
    });
    assert_eq!(code(w.buyer.finished(buy)), Some("client.unexpected-phase"));
    // The market retires WORK_DISPUTED at once and refunds the buyer.
    w.run_until(Duration::from_secs(5), |_| false);
    assert_eq!(w.server.balance(&addr(&w.buyer.identity)), (1_000_000, 0));
    assert_eq!(w.server.balance(&addr(&w.seller.identity)), (0, 0));
    // After a 500 the worker stays busy until it registers again; then it
    // is still held back until 20 s after the failure.
    let worker = WorkerId("w1".to_owned());
    assert!(!w.seller.mgr.workers().get(&worker).expect("known").idle);
    w.seller.mgr.register_worker(WorkerInfo {
        id: worker.clone(),
        article: super::harness::article(),
        push_url: "http://127.0.0.1:9000/push".to_owned(),
    });
    let state = w.seller.mgr.workers().get(&worker).expect("known").clone();
    assert_eq!(
        state.blocked_until,
        Some(failed_at.saturating_add(Duration::from_secs(20)))
    );
    assert_eq!(
        w.seller
            .mgr
            .poll_idle_worker(failed_at.saturating_add(Duration::from_secs(19))),
        None
    );
    assert_eq!(
        w.seller
            .mgr
            .poll_idle_worker(failed_at.saturating_add(Duration::from_secs(20))),
        Some(worker)
    );
}

/// The buyer commits but never sends the work: both trades end when the
/// transaction retires, and the buyer is refunded.
#[test]
fn buyer_vanishing_before_the_work_refunds_it() {
    // BW-CLIENT-11, BW-CLIENT-22
    let mut w = World::new(ClientConfig::default());
    w.script.buyer_never_transmits = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(900), |w| {
        w.seller.finished(sell).is_some() && w.buyer.finished(buy).is_some()
    });
    assert_eq!(code(w.seller.finished(sell)), Some("client.tx-inactive"));
    assert_eq!(code(w.buyer.finished(buy)), Some("client.tx-inactive"));
    assert_eq!(w.server.balance(&addr(&w.buyer.identity)), (1_000_000, 0));
    // The watchdog closed the buyer's transfer once the tx timed out.
    assert!(w.buyer.saw(buy, |k| *k == EventKind::CloseConnections)); // BW-CLIENT-17
}

/// The buyer takes the result and never accepts it: the seller is done at
/// UNVERIFIED and is paid when it times out; the buy ends then too.
#[test]
fn buyer_vanishing_after_the_result_pays_the_seller() {
    // BW-CLIENT-22, BW-CLIENT-16
    let mut w = World::new(ClientConfig::default());
    w.script.buyer_never_accepts = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    let ready = |w: &World| {
        w.buyer
            .saw(buy, |k| matches!(k, EventKind::ResultReady { .. }))
    };
    w.run_until(Duration::from_secs(600), |w| {
        w.seller.finished(sell).is_some() && ready(w)
    });
    assert_eq!(code(w.seller.finished(sell)), Some("ok"));
    assert!(w.buyer.saw(buy, |k| matches!(
        k,
        EventKind::ResultReady {
            decryption_key: Some(_),
            ..
        }
    )));
    assert_eq!(w.server.balance(&addr(&w.seller.identity)), (0, 0));
    w.run_until(Duration::from_secs(1800), |w| {
        w.buyer.finished(buy).is_some()
    });
    assert_eq!(code(w.buyer.finished(buy)), Some("ok"));
    assert_eq!(w.server.balance(&addr(&w.seller.identity)), (100_000, 0));
    // BW-CLIENT-35: the seller followed the transaction until it retired
    // (in UNVERIFIED, by timeout), then stopped polling.
    assert_eq!(seller_phase(&w), "UNVERIFIED");
    let later = w.now.saturating_add(Duration::from_secs(3600));
    assert!(w.seller.mgr.poll_transmit(later).is_none());
}

/// The phase the seller's listing shows for its only activity.
fn seller_phase(w: &World) -> String {
    let info = w.seller.mgr.activities();
    assert_eq!(info.len(), 1, "{info:?}");
    assert!(!info[0].alive);
    info[0].phase.clone()
}

/// A sell ends at UNVERIFIED, before the buyer accepts; the seller goes on
/// polling the transaction so that its listing shows FINISHED once the
/// buyer accepted, and stops when the transaction is retired.
#[test]
fn paid_sell_shows_the_final_phase() {
    // BW-CLIENT-35, BW-CLIENT-22, BW-CLIENT-23
    let mut w = World::new(ClientConfig::default());
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.seller.finished(sell).is_some()
    });
    assert_eq!(code(w.seller.finished(sell)), Some("ok"));
    assert_eq!(seller_phase(&w), "UNVERIFIED");
    assert!(
        w.buyer.finished(buy).is_none(),
        "the buyer has not accepted yet"
    );
    w.run_until(Duration::from_secs(600), |w| {
        w.buyer.finished(buy).is_some() && seller_phase(w) == "FINISHED"
    });
    assert_eq!(seller_phase(&w), "FINISHED");
    // Retired: nothing more is polled for the ended sell.
    let later = w.now.saturating_add(Duration::from_secs(3600));
    assert!(w.seller.mgr.poll_transmit(later).is_none());
    assert_eq!(w.seller.mgr.poll_timeout(), None);
}

/// A forged receipt is refused without ending the sell; the genuine one
/// that follows completes the trade.
#[test]
fn forged_receipt_is_refused_and_the_sell_goes_on() {
    // BW-CLIENT-21
    let mut w = World::new(ClientConfig::default());
    w.script.forged_receipt_first = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.buyer.finished(buy).is_some() && w.seller.finished(sell).is_some()
    });
    assert_eq!(code(w.seller.finished(sell)), Some("ok"));
    assert_eq!(code(w.buyer.finished(buy)), Some("ok"));
}

/// The answer to `workhash` is lost although the server applied it: the
/// next poll shows the effect and the trade goes on without a resend.
#[test]
fn lost_message_answer_is_resolved_by_the_transaction() {
    // BW-CLIENT-10
    let mut w = World::new(ClientConfig::default());
    w.server.lose_answer_of = Some("workhash");
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.buyer.finished(buy).is_some() && w.seller.finished(sell).is_some()
    });
    assert_eq!(code(w.buyer.finished(buy)), Some("ok"));
    let posts = w
        .server
        .log
        .iter()
        .filter(|(_, k, p)| *k == RequestKind::TxMessage && p.starts_with("tx/"))
        .count();
    // workhash, workerurl, buyersecret, result, acceptresult: once each.
    assert_eq!(posts, 5);
}

/// An unmatched bid is polled with a capped backoff until it expires.
#[test]
fn unmatched_bid_expires_with_capped_polling() {
    // BW-CLIENT-7, BW-CLIENT-9
    let config = ClientConfig::default();
    let cap = config.poll_max;
    let mut w = World::new(config);
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(300), |w| {
        w.buyer.finished(buy).is_some()
    });
    assert_eq!(code(w.buyer.finished(buy)), Some("client.bid-expired"));
    let polls: Vec<_> = w
        .server
        .log
        .iter()
        .filter(|(_, k, _)| *k == RequestKind::FetchBid)
        .map(|(t, _, _)| *t)
        .collect();
    let gaps: Vec<Duration> = polls
        .windows(2)
        .map(|p| p[1].saturating_since(p[0]))
        .collect();
    assert!(gaps.iter().all(|g| *g <= cap), "{gaps:?}");
    assert_eq!(gaps.iter().max(), Some(&cap));
    // 0.5 + 1 + 2 + 4 s, then every 8 s up to the 120 s lifetime: about 16.
    assert!((14..=20).contains(&polls.len()), "{} polls", polls.len());
    // The refund of the expired bid.
    assert_eq!(w.server.balance(&addr(&w.buyer.identity)), (1_000_000, 0));
}

/// A server that does not answer: polls back off, and the trade gives up
/// after the patience.
#[test]
fn unreachable_server_ends_the_trade_after_the_patience() {
    // BW-CLIENT-13
    let config = ClientConfig {
        patience: Duration::from_secs(60),
        ..ClientConfig::default()
    };
    let mut w = World::new(config);
    w.server.down = true;
    let buy = w.start_buyer("mBTC 1");
    let start = w.now;
    w.run_until(Duration::from_secs(300), |w| {
        w.buyer.finished(buy).is_some()
    });
    assert_eq!(
        code(w.buyer.finished(buy)),
        Some("client.server-unreachable")
    );
    let took = w.now.saturating_since(start);
    assert!(
        took >= Duration::from_secs(60) && took <= Duration::from_secs(70),
        "{took:?}"
    );
    let tries = w.server.log.len();
    assert!((8..=20).contains(&tries), "{tries} tries");
}

/// `-num-unmatched-bids 1`: a second buy of the same article waits until
/// the first is matched.
#[test]
fn unmatched_token_serialises_bids() {
    // BW-CLIENT-5
    let mut w = World::new(ClientConfig::default());
    let first = w.start_buyer("mBTC 1");
    let second = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(10), |_| false);
    let bids = |w: &World| {
        w.server
            .log
            .iter()
            .filter(|(_, k, _)| *k == RequestKind::PlaceBid)
            .count()
    };
    assert_eq!(bids(&w), 1);
    let sell = w.start_seller("mBTC 1");
    w.run_until(Duration::from_secs(60), |w| bids(w) == 2);
    assert_eq!(bids(&w), 2);
    let _ = (first, second, sell);
}

/// `-num-transmitting-bids 1`: a buy of another article waits while the
/// first buy transmits.
#[test]
fn transmission_token_limits_buys() {
    // BW-CLIENT-5
    let config = ClientConfig {
        transmitting_bids: 1,
        ..ClientConfig::default()
    };
    let mut w = World::new(config);
    w.script.buyer_never_transmits = true;
    let sell = w.start_seller("mBTC 1");
    let first = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(5), |w| {
        w.buyer
            .saw(first, |k| matches!(k, EventKind::Transmit { .. }))
    });
    let other = crate::article::Article::parse("fnord").expect("article");
    let second = w.buyer.mgr.buy(
        w.now,
        other,
        Some(money("mBTC 1")),
        crate::hash::sha256(b"x"),
        [3; 32],
    );
    w.run_until(Duration::from_secs(5), |_| false);
    let bids = w
        .server
        .log
        .iter()
        .filter(|(_, k, _)| *k == RequestKind::PlaceBid)
        .count();
    assert_eq!(bids, 2, "the sell's and the first buy's only");
    // The first buy's transfer fails: its token is free, the second bids.
    w.buyer
        .mgr
        .transfer_done(w.now, first, Err("reset".to_owned()))
        .expect("transferring");
    w.pump();
    assert_eq!(
        code(w.buyer.finished(first)),
        Some("client.transfer-failed")
    );
    let bids = w
        .server
        .log
        .iter()
        .filter(|(_, k, _)| *k == RequestKind::PlaceBid)
        .count();
    assert_eq!(bids, 3);
    let _ = (sell, second, WorkerAnswer::Done);
}

/// The seller receives other work than the buyer committed to: it does
/// not publish the secret, and the buyer is refunded at the timeout.
#[test]
fn work_that_does_not_match_the_commitment_is_not_done() {
    // BW-CLIENT-19
    let mut w = World::new(ClientConfig::default());
    w.script.tamper_work = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(900), |w| {
        w.seller.finished(sell).is_some() && w.buyer.finished(buy).is_some()
    });
    assert_eq!(code(w.seller.finished(sell)), Some("client.work-mismatch"));
    assert_eq!(code(w.buyer.finished(buy)), Some("client.tx-inactive"));
    let tx = w.server.tx("0").expect("tx");
    assert_eq!((tx.phase, tx.buyer_secret), (Phase::Transmitting, None));
    assert!(
        !w.seller
            .saw(sell, |k| matches!(k, EventKind::PushWork { .. }))
    );
    assert_eq!(w.server.balance(&addr(&w.buyer.identity)), (1_000_000, 0));
}

/// The seller publishes a receipt for another result than the buyer
/// received: the buyer does not accept (the seller is still paid when
/// UNVERIFIED times out, as the server rules).
#[test]
fn a_receipt_for_another_result_is_not_accepted() {
    // BW-CLIENT-16
    let mut w = World::new(ClientConfig::default());
    w.script.wrong_result_hash = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.seller.finished(sell).is_some() && w.buyer.finished(buy).is_some()
    });
    assert_eq!(code(w.buyer.finished(buy)), Some("client.result-mismatch"));
    assert!(
        !w.buyer
            .saw(buy, |k| matches!(k, EventKind::ResultReady { .. }))
    );
    let accepts = w
        .server
        .log
        .iter()
        .filter(|(_, k, _)| *k == RequestKind::TxMessage)
        .count();
    assert_eq!(
        accepts, 4,
        "workhash, workerurl, buyersecret, result; no acceptresult"
    );
}

/// A worker that never answers: the seller's watchdog closes the push when
/// WORKING times out, the sell ends, the buyer is refunded.
#[test]
fn hanging_worker_is_cut_by_the_watchdog() {
    // BW-CLIENT-17, BW-CLIENT-20
    let mut w = World::new(ClientConfig::default());
    w.script.worker_hangs = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(1200), |w| {
        w.seller.finished(sell).is_some() && w.buyer.finished(buy).is_some()
    });
    assert!(w.seller.saw(sell, |k| *k == EventKind::CloseConnections));
    assert_eq!(code(w.seller.finished(sell)), Some("client.tx-inactive"));
    assert_eq!(code(w.buyer.finished(buy)), Some("client.tx-inactive"));
    assert_eq!(w.server.balance(&addr(&w.buyer.identity)), (1_000_000, 0));
}

/// The buyer's commitment is refused and shows no effect: the buy ends;
/// the seller, which already has the work, gives up when the transaction
/// times out without reaching TRANSMITTING.
#[test]
fn refused_commitment_ends_the_buy_and_the_seller_times_out() {
    // BW-CLIENT-10, BW-CLIENT-19
    let mut w = World::new(ClientConfig::default());
    w.server.refuse_messages_of = Some("workhash");
    w.script.early_work = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.seller.finished(sell).is_some() && w.buyer.finished(buy).is_some()
    });
    assert_eq!(code(w.buyer.finished(buy)), Some("client.message-refused"));
    assert_eq!(
        code(w.seller.finished(sell)),
        Some("client.establish-timeout")
    );
    assert_eq!(w.server.balance(&addr(&w.buyer.identity)), (1_000_000, 0));
}

/// The answers the harness builds directly are what `Answer::from_http`
/// reads from the server's JSON bodies.
#[test]
fn http_bodies_of_the_market_parse_into_the_same_answers() {
    // BW-CLIENT-12
    use crate::client::Answer;
    use crate::wire::{BidJson, TransactionJson, to_go_json};
    let mut w = World::new(ClientConfig::default());
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(600), |w| {
        w.seller.finished(sell).is_some()
    });
    let tx = w.server.tx("0").expect("tx").clone();
    let headers = vec![("etag".to_owned(), "\"r5-c16\"".to_owned())];
    let body = to_go_json(&TransactionJson::new(&tx));
    assert_eq!(
        Answer::from_http(RequestKind::FetchTx, 200, &headers, body.as_bytes()),
        Answer::Tx {
            etag: Some("\"r5-c16\"".to_owned()),
            tx: Box::new(TransactionJson::new(&tx)),
            paced: false,
        }
    );
    let bid = w
        .server
        .market
        .bid(crate::ids::BidId(0))
        .expect("bid")
        .clone();
    let body = to_go_json(&BidJson::new(&bid));
    assert_eq!(
        Answer::from_http(RequestKind::FetchBid, 200, &[], body.as_bytes()),
        Answer::Bid {
            etag: None,
            bid: Box::new(BidJson::new(&bid)),
            paced: false,
        }
    );
    let _ = buy;
}

/// Ended activities are kept for the listing up to the history's length.
#[test]
fn history_keeps_the_last_ended_activities() {
    // BW-CLIENT-23
    let config = ClientConfig {
        history: 2,
        ..ClientConfig::default()
    };
    let mut w = World::new(config);
    let keys: Vec<_> = (0..3).map(|_| w.start_buyer("mBTC 1")).collect();
    for k in &keys {
        w.buyer.mgr.cancel(w.now, *k).expect("alive");
    }
    let listed: Vec<_> = w
        .buyer
        .mgr
        .activities()
        .into_iter()
        .map(|a| a.key)
        .collect();
    assert_eq!(listed, keys[1..]);
}

/// A long transfer lets the buyer's polling delay grow to the cap; the end
/// of the transfer resets it, so the seller's key is seen at once, not up
/// to `poll_max` later.
#[test]
fn end_of_a_long_transfer_makes_the_buyer_poll_soon() {
    // BW-CLIENT-9
    let mut w = World::new(ClientConfig::default());
    w.script.worker_hangs = true;
    let sell = w.start_seller("mBTC 1");
    let buy = w.start_buyer("mBTC 1");
    w.run_until(Duration::from_secs(60), |w| {
        w.seller
            .saw(sell, |k| matches!(k, EventKind::PushWork { .. }))
    });
    // The worker takes a minute: nothing changes, the delays grow.
    w.run_until(Duration::from_secs(60), |_| false);
    let ended = w.now;
    w.seller
        .mgr
        .worker_answer(ended, sell, WorkerAnswer::Done)
        .expect("worker answer");
    w.pump();
    w.run_until(Duration::from_secs(30), |w| {
        w.buyer
            .saw(buy, |k| matches!(k, EventKind::ResultReady { .. }))
    });
    let took = w.now.saturating_since(ended);
    assert!(
        w.buyer
            .saw(buy, |k| matches!(k, EventKind::ResultReady { .. })),
        "the buyer saw the key"
    );
    assert!(
        took <= Duration::from_millis(1500),
        "key seen after {took:?}"
    );
}

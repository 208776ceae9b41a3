//! End-to-end scenarios of trades that do not go as planned, between real
//! client daemons on one reference server: a failing worker, a buyer that
//! disappears, a transfer cut by the seller's death, a hostile third party
//! at the seller's endpoint, and almost the same work bought again. Each
//! asserts what the server shows (phase, state, balances) and what the
//! clients show (`/activities`, `/file`). The server's test clock stands in
//! for the transaction timeouts (minutes); nothing here sleeps that long.
//! None of it depends on the transfer mode the clients negotiate.

mod support;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use support::market::{
    Market, PAID, ProxyRules, REFUNDED, activities, advance, assert_balances, balances, grant,
    start_seller, tx, tx_of, wait_for, wait_tx,
};
use support::worker::{Mode, start_worker, start_worker_with, transform};
use support::{Client, Resp, get, request};

const ARTICLE: &str = "foobar";

/// Past every timeout a transaction in `WORKING` can have (BW-TX-9:
/// 60 s + 2 min + 5 min after the match).
const PAST_WORKING: u64 = 9 * 60 * 1000;

fn buy(client: SocketAddr, work: &[u8]) -> Resp {
    request(
        client,
        "POST",
        &format!("/buy/{ARTICLE}?price=mBTC%201"),
        &[],
        work,
    )
}

/// Starts a buy in the background; its answer (or `None` if the
/// connection broke) arrives through the channel.
fn buy_in_background(client: SocketAddr, work: Vec<u8>) -> mpsc::Receiver<Option<(u16, String)>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(|| {
            let r = buy(client, &work);
            (r.status, r.text())
        });
        let _ = tx.send(r.ok());
    });
    rx
}

/// Waits until the client's only activity of `kind` has ended; returns it.
fn ended(client: SocketAddr, kind: &str) -> Value {
    wait_for(
        &format!("the {kind} to end"),
        Duration::from_secs(30),
        || {
            let acts = activities(client, kind);
            acts.iter().find(|a| a["Info"]["Alive"] == false).cloned()
        },
    )
}

fn work_of(len: usize, seed: u32) -> Vec<u8> {
    // Pseudo-random, so that a chunking transfer finds boundaries.
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Sets up a market whose seller sells `ARTICLE` at `mBTC 1` with a worker
/// in `mode`.
fn market(mode: Mode) -> (Market, mpsc::Receiver<Vec<u8>>) {
    let m = Market::start();
    grant(m.seller.addr, "SELL", ARTICLE, "mBTC 1");
    let jobs = start_worker_with(m.seller.addr, ARTICLE, "w1", mode);
    (m, jobs)
}

#[test]
fn failing_worker_rejects_the_work_and_the_buyer_is_refunded() {
    // BW-CLIENT-20: the worker fails, the seller sends rejectwork=on.
    let (m, jobs) = market(Mode::Fail);
    let work = work_of(5000, 1);
    let r = buy(m.buyer.addr, &work);
    assert_eq!(r.status, 500, "the buy cannot succeed: {}", r.text());
    eprintln!("the buy answered {} {}", r.status, r.text());
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(5)).expect("pushed"),
        work
    );
    let id = tx_of(m.buyer.addr, "BUY");
    // WORK_DISPUTED sets the timeout to now (BW-TX-9): the server retires
    // it at once and refunds the buyer (BW-TX-11).
    let t = wait_tx(&m.srv.url, &id, "WORK_DISPUTED", true);
    assert!(t["BuyerSecret"].is_string(), "the work was taken: {t}");
    assert!(t["ResultDecryptionKey"].is_null(), "{t}");
    assert_balances(m.balances(), REFUNDED, "after rejectwork");
    let sell = ended(m.seller.addr, "SELL");
    assert!(
        sell["Info"]["Info"]
            .as_str()
            .unwrap_or("")
            .contains("client.worker-failed"),
        "{sell}"
    );
    let b = ended(m.buyer.addr, "BUY");
    assert_eq!(b["Info"]["Phase"], "WORK_DISPUTED", "{b}");
    assert!(!b["Info"]["Info"].as_str().unwrap_or("").is_empty(), "{b}");
    let never = bitwrk_protocol::hash::sha256(&transform(&work));
    assert_eq!(get(m.buyer.addr, &format!("/file/{never}")).status, 404);
}

#[test]
fn buyer_that_disappears_is_refunded_when_the_transaction_times_out_in_working() {
    let (go, hold) = mpsc::channel();
    let (m, jobs) = market(Mode::Hold(hold));
    let Market {
        srv,
        buyer_home,
        buyer,
        seller,
        ..
    } = m;
    let work = work_of(20_000, 2);
    let _answer = buy_in_background(buyer.addr, work.clone());
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(20)).expect("pushed"),
        work
    );
    let id = tx_of(seller.addr, "SELL");
    wait_tx(&srv.url, &id, "WORKING", false);
    // The buyer's price + fee is in escrow.
    assert_eq!(
        balances(&srv.url, &buyer.address),
        ("mBTC 8.97".to_owned(), "mBTC 1.03".to_owned())
    );
    let buyer_address = buyer.address.clone();
    buyer.kill();
    // The worker finishes; the result has nowhere to go, no receipt comes.
    go.send(()).expect("release the worker");
    std::thread::sleep(Duration::from_millis(500));
    let t = tx(&srv.url, &id);
    assert_eq!(
        (t["Phase"].as_str(), t["State"].as_i64()),
        (Some("WORKING"), Some(0))
    );
    assert!(t["EncryptedResultReceipt"].is_null(), "{t}");

    // BW-CLIENT-30: the restarted buyer keeps the record and follows the
    // transaction while the server's clock runs out.
    let buyer = Client::start(buyer_home.path(), &srv.url, &[]);
    let rec = wait_for(
        "the buy's record, followed",
        Duration::from_secs(20),
        || {
            activities(buyer.addr, "BUY")
                .into_iter()
                .find(|a| a["Info"]["TxId"] == id.as_str() && a["Info"]["Phase"] == "WORKING")
        },
    );
    assert_eq!(rec["Info"]["Alive"], true, "still followed: {rec}");
    assert!(
        rec["Info"]["Info"]
            .as_str()
            .unwrap_or("")
            .contains("restarted"),
        "{rec}"
    );

    // A buyer that stays silent before UNVERIFIED is refunded when the
    // transaction retires (BW-TX-9, BW-TX-10, BW-TX-11).
    advance(&srv.url, PAST_WORKING);
    let t = wait_tx(&srv.url, &id, "WORKING", true);
    assert!(t["ResultDecryptionKey"].is_null());
    assert_eq!(
        balances(&srv.url, &buyer_address),
        ("mBTC 10".to_owned(), "BTC 0".to_owned())
    );
    assert_eq!(
        balances(&srv.url, &seller.address),
        ("BTC 0".to_owned(), "BTC 0".to_owned())
    );
    let sell = ended(seller.addr, "SELL");
    assert!(
        sell["Info"]["Info"]
            .as_str()
            .unwrap_or("")
            .contains("client.tx-inactive"),
        "{sell}"
    );
    // BW-CLIENT-30: the followed record ends with the server's settlement.
    let rec = ended(buyer.addr, "BUY");
    assert_eq!(rec["Info"]["Phase"], "WORKING", "{rec}");
    let text = rec["Info"]["Info"].as_str().unwrap_or("");
    assert!(text.contains("refunded"), "{rec}");
}

#[test]
fn seller_killed_during_the_transfer_fails_the_buy_and_its_restart_refunds_the_buyer() {
    let (go, hold) = mpsc::channel::<()>();
    let (m, jobs) = market(Mode::Hold(hold));
    let Market {
        srv,
        seller_home,
        buyer,
        seller,
        ..
    } = m;
    let work = work_of(50_000, 3);
    let answer = buy_in_background(buyer.addr, work.clone());
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(20)).expect("pushed"),
        work
    );
    let id = tx_of(seller.addr, "SELL");
    wait_tx(&srv.url, &id, "WORKING", false);
    // The buyer's request to the worker URL is open: the seller dies.
    seller.kill();
    drop(go);
    let (status, text) = answer
        .recv_timeout(Duration::from_secs(30))
        .expect("the buy answers")
        .expect("the buy's connection stays up");
    eprintln!("the interrupted buy answered {status} {text}");
    assert_eq!(status, 500, "{text}");
    assert!(
        text.contains("client.transfer-failed"),
        "a clear error: {text}"
    );
    let b = ended(buyer.addr, "BUY");
    assert!(
        b["Info"]["Info"]
            .as_str()
            .unwrap_or("")
            .contains("client.transfer-failed"),
        "{b}"
    );
    let t = tx(&srv.url, &id);
    assert_eq!(
        (t["Phase"].as_str(), t["State"].as_i64()),
        (Some("WORKING"), Some(0))
    );

    // BW-CLIENT-32: the restarted seller cannot serve the transaction any
    // more (its endpoint and result key are gone) and rejects the work,
    // which refunds the buyer now rather than at the timeout.
    let (seller, _) = start_seller(seller_home.path(), &srv.url);
    let t = wait_tx(&srv.url, &id, "WORK_DISPUTED", true);
    assert!(t["ResultDecryptionKey"].is_null());
    assert_eq!(
        balances(&srv.url, &buyer.address),
        ("mBTC 10".to_owned(), "BTC 0".to_owned()),
        "no money lost"
    );
    let rec = ended(seller.addr, "SELL");
    assert_eq!(rec["Info"]["TxId"], id.as_str());
    assert_eq!(rec["Info"]["Phase"], "WORK_DISPUTED", "{rec}");
    assert!(
        rec["Info"]["Info"]
            .as_str()
            .unwrap_or("")
            .contains("rejectwork"),
        "{rec}"
    );
    // BW-CLIENT-33: the mandate survived the restart.
    let mandates = get(seller.addr, "/mandates").json();
    assert_eq!(mandates.as_array().map(Vec::len), Some(1), "{mandates}");
    assert_eq!(mandates[0]["Info"]["Article"], ARTICLE);
}

/// A multipart body of `parts` (name, data), with a file name for `work`.
fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "h0st1le";
    let mut body = Vec::new();
    for (name, data) in parts {
        let disposition = if *name == "work" {
            format!("form-data; name=\"{name}\"; filename=\"workfile.bin\"")
        } else {
            format!("form-data; name=\"{name}\"")
        };
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Sends each of `attacks` (method, content type, body) to the endpoint
/// `ep` at `path` and checks that it is refused and that the transaction
/// `id` stays as `before` (BW-C2C-30).
fn assert_refused(
    srv: &str,
    id: &str,
    before: &Value,
    ep: SocketAddr,
    path: &str,
    attacks: &[(&str, &str, Vec<u8>)],
) {
    for (method, content_type, body) in attacks {
        let headers: Vec<(&str, &str)> = if content_type.is_empty() {
            Vec::new()
        } else {
            vec![("Content-Type", content_type)]
        };
        let r = request(ep, method, path, &headers, body);
        eprintln!(
            "{} {method} {content_type}: {} {}",
            before["Phase"],
            r.status,
            r.text()
        );
        assert!(
            r.status >= 400,
            "{method} {content_type} must be refused, got {} {}",
            r.status,
            r.text()
        );
        let now = tx(srv, id);
        assert_eq!(
            (&now["Revision"], &now["State"]),
            (&before["Revision"], &before["State"]),
            "{method} {content_type} changed the transaction"
        );
    }
    assert_eq!(
        request(ep, "OPTIONS", path, &[], b"").status,
        200,
        "still open"
    );
}

#[test]
fn hostile_requests_at_the_seller_endpoint_change_nothing() {
    // The buyer's requests to the server are held once it has sent its
    // work hash, so the sale waits in TRANSMITTING for the buyer's work
    // while its worker URL is public.
    let (go, hold) = mpsc::channel();
    let (m, proxy) = Market::start_proxied(Some(ProxyRules {
        hold_after: Some("workhash"),
        ..ProxyRules::default()
    }));
    let proxy = proxy.expect("proxy");
    grant(m.seller.addr, "SELL", ARTICLE, "mBTC 1");
    let jobs = start_worker_with(m.seller.addr, ARTICLE, "w1", Mode::Hold(hold));
    let work = work_of(30_000, 4);
    let answer = buy_in_background(m.buyer.addr, work.clone());
    proxy
        .holding
        .recv_timeout(Duration::from_secs(20))
        .expect("the buyer established");
    let id = tx_of(m.seller.addr, "SELL");
    let before = wait_tx(&m.srv.url, &id, "TRANSMITTING", false);
    let url = before["WorkerURL"].as_str().expect("worker URL").to_owned();
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').expect("path"));
    let ep: SocketAddr = host.parse().expect("endpoint address");
    assert_eq!(ep.port(), m.ext);
    let (ct, wrong_secret) =
        multipart(&[("work", &work), ("buyersecret", "cd".repeat(32).as_bytes())]);
    let (_, bad_secret) = multipart(&[("work", &work), ("buyersecret", b"zz")]);
    let (_, no_secret) = multipart(&[("work", &work)]);
    let form = "application/x-www-form-urlencoded";
    let receipt = format!(
        "encresulthash={}&encresulthashsig=SGVsbG8%3D",
        "ab".repeat(32)
    );
    // Before the buyer's work: malformed requests, and work without the
    // buyer's proof (BW-C2C-29): a wrong, a malformed and no secret; a
    // receipt the buyer did not sign (DEP-455).
    let early: Vec<(&str, &str, Vec<u8>)> = vec![
        ("POST", "text/plain", b"hello".to_vec()),
        ("POST", &ct, b"--h0st1le\r\ngarbage".to_vec()),
        ("POST", &ct, wrong_secret),
        ("POST", &ct, bad_secret),
        ("POST", &ct, no_secret),
        ("POST", form, receipt.clone().into_bytes()),
        ("GET", "", Vec::new()),
    ];
    assert_refused(&m.srv.url, &id, &before, ep, path, &early);
    assert_eq!(
        request(ep, "POST", "/00000000", &[("Content-Type", form)], b"x").status,
        404,
        "an unknown endpoint"
    );
    assert!(
        jobs.try_recv().is_err(),
        "no hostile work reached the worker"
    );

    // The buyer goes on; while the worker works, the buyer's secret is
    // public too: replays with it are refused (the work is in).
    proxy.release();
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(20)).expect("pushed"),
        work,
        "the worker got the buyer's work, not a hostile one"
    );
    let before = wait_tx(&m.srv.url, &id, "WORKING", false);
    let published = before["BuyerSecret"].as_str().expect("secret").to_owned();
    let (_, replay) = multipart(&[
        ("work", b"other work"),
        ("buyersecret", published.as_bytes()),
    ]);
    let (_, replay_same) = multipart(&[("work", &work), ("buyersecret", published.as_bytes())]);
    let late: Vec<(&str, &str, Vec<u8>)> = vec![
        ("POST", &ct, replay),
        ("POST", &ct, replay_same),
        ("POST", form, receipt.into_bytes()),
    ];
    assert_refused(&m.srv.url, &id, &before, ep, path, &late);

    // The sale completes normally.
    go.send(()).expect("release the worker");
    let (status, text) = answer
        .recv_timeout(Duration::from_secs(30))
        .expect("the buy answers")
        .expect("the buy's connection stays up");
    assert_eq!(status, 303, "{text}");
    let expected = transform(&work);
    let location = format!("/file/{}", bitwrk_protocol::hash::sha256(&expected));
    assert_eq!(get(m.buyer.addr, &location).body, expected);
    wait_tx(&m.srv.url, &id, "FINISHED", true);
    assert!(
        jobs.try_recv().is_err(),
        "the hostile requests reached no worker"
    );
    wait_for("the payment", Duration::from_secs(20), || {
        let b = m.balances();
        (b.1.0 == "mBTC 1").then_some(b)
    });
    assert_balances(m.balances(), PAID, "after the sale");
}

#[test]
fn almost_the_same_work_again_is_transferred_and_served_correctly() {
    let m = Market::start();
    grant(m.seller.addr, "SELL", ARTICLE, "mBTC 1");
    let jobs = start_worker(m.seller.addr, ARTICLE, "w1");
    // Larger than 128 KiB, so that a chunking buyer would chunk it.
    let first = work_of(300_000, 5);
    let mut second = first.clone();
    second[150_000] ^= 0x5a;
    let mut locations = Vec::new();
    for work in [&first, &second, &first] {
        let r = buy(m.buyer.addr, work);
        assert_eq!(r.status, 303, "{}", r.text());
        assert_eq!(
            &jobs.recv_timeout(Duration::from_secs(5)).expect("pushed"),
            work,
            "the seller's worker got exactly this work"
        );
        let expected = transform(work);
        let location = r.header("Location").expect("Location").to_owned();
        assert_eq!(
            location,
            format!("/file/{}", bitwrk_protocol::hash::sha256(&expected))
        );
        assert_eq!(get(m.buyer.addr, &location).body, expected);
        locations.push((location, expected));
        // The next buy starts when this trade is done on both sides.
        let id = tx_of_last(m.buyer.addr);
        wait_tx(&m.srv.url, &id, "FINISHED", true);
        wait_for("the worker to be idle", Duration::from_secs(10), || {
            activities(m.seller.addr, "SELL")
                .iter()
                .all(|a| a["Info"]["Alive"] == false || a["Info"]["TxId"] == "")
                .then_some(())
        });
    }
    let buys = activities(m.buyer.addr, "BUY");
    assert_eq!(buys.len(), 3);
    for (b, len) in buys.iter().zip([first.len(), second.len(), first.len()]) {
        assert_eq!(b["Info"]["BytesTotal"], len as u64, "{b}");
        assert!(
            b["Info"]["BytesToTransfer"].as_u64() <= Some(len as u64),
            "{b}"
        );
    }
    let txs: std::collections::BTreeSet<String> = buys
        .iter()
        .map(|b| b["Info"]["TxId"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(txs.len(), 3, "three transactions");
    wait_for("three payments", Duration::from_secs(20), || {
        (balances(&m.srv.url, &m.seller.address).0 == "mBTC 3").then_some(())
    });
    assert_eq!(
        balances(&m.srv.url, &m.buyer.address),
        ("mBTC 6.91".to_owned(), "BTC 0".to_owned())
    );
    // DEP-504, BW-CLIENT-34: the results are still served after a restart.
    let Market {
        srv,
        buyer_home,
        buyer,
        ..
    } = m;
    assert!(buyer.terminate());
    let buyer = Client::start(buyer_home.path(), &srv.url, &[]);
    for (location, expected) in &locations {
        assert_eq!(&get(buyer.addr, location).body, expected);
    }
    assert!(
        activities(buyer.addr, "BUY")
            .iter()
            .all(|b| b["Info"]["Alive"] == false && b["Info"]["Phase"] == "FINISHED"),
        "finished buys stay finished"
    );
}

/// The transaction of the client's newest buy.
fn tx_of_last(client: SocketAddr) -> String {
    activities(client, "BUY")
        .last()
        .and_then(|a| a["Info"]["TxId"].as_str().map(str::to_owned))
        .filter(|t| !t.is_empty())
        .expect("the newest buy has a transaction")
}

#[test]
fn buyer_stopped_in_unverified_accepts_after_its_restart_and_keeps_its_result() {
    // The buyer reaches the server through a proxy that loses every
    // acceptresult, so its transaction stays in UNVERIFIED.
    let (m, proxy) = Market::start_proxied(Some(ProxyRules {
        drop: Some("acceptresult"),
        ..ProxyRules::default()
    }));
    let dropped = proxy.expect("proxy").dropped;
    let Market {
        srv,
        buyer_home,
        buyer,
        seller,
        ..
    } = m;
    grant(seller.addr, "SELL", ARTICLE, "mBTC 1");
    // BW-CLIENT-33: a buy mandate, to be found again after the restart.
    grant(buyer.addr, "BUY", ARTICLE, "mBTC 1");
    let _jobs = start_worker(seller.addr, ARTICLE, "w1");
    let work = work_of(10_000, 6);
    let r = buy(buyer.addr, &work);
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("Location").expect("Location").to_owned();
    dropped
        .recv_timeout(Duration::from_secs(20))
        .expect("the buyer tried to accept");
    let id = tx_of(buyer.addr, "BUY");
    let t = tx(&srv.url, &id);
    assert_eq!(
        (t["Phase"].as_str(), t["State"].as_i64()),
        (Some("UNVERIFIED"), Some(0))
    );
    buyer.kill();

    // The restarted buyer (straight to the server) accepts: the seller is
    // paid now, as it would be at the timeout (BW-TX-11, BW-CLIENT-31).
    let buyer = Client::start(buyer_home.path(), &srv.url, &[]);
    wait_tx(&srv.url, &id, "FINISHED", true);
    let rec = ended(buyer.addr, "BUY");
    assert_eq!(rec["Info"]["Phase"], "FINISHED", "{rec}");
    let text = rec["Info"]["Info"].as_str().unwrap_or("");
    assert!(
        text.contains("acceptresult") && text.contains("paid"),
        "{rec}"
    );
    wait_for("the payment", Duration::from_secs(20), || {
        (balances(&srv.url, &seller.address).0 == "mBTC 1").then_some(())
    });
    assert_eq!(
        balances(&srv.url, &buyer.address),
        ("mBTC 8.97".to_owned(), "BTC 0".to_owned())
    );
    // DEP-504, BW-CLIENT-34: the result, never fetched before, is served.
    assert_eq!(get(buyer.addr, &location).body, transform(&work));
    let mandates = get(buyer.addr, "/mandates").json();
    assert_eq!(mandates.as_array().map(Vec::len), Some(1), "{mandates}");
    let m = &mandates[0]["Info"];
    assert_eq!(
        (&m["Type"], &m["Article"], &m["Price"], &m["TradesLeft"]),
        (&0.into(), &ARTICLE.into(), &"mBTC 1".into(), &20.into()),
        "{mandates}"
    );
}

#[test]
fn seller_stopped_with_an_open_bid_follows_it_until_it_expires() {
    let m = Market::start();
    grant(m.seller.addr, "SELL", ARTICLE, "mBTC 1");
    let _jobs = start_worker(m.seller.addr, ARTICLE, "w1");
    let bid = wait_for("the worker's sell bid", Duration::from_secs(20), || {
        activities(m.seller.addr, "SELL")
            .into_iter()
            .find(|a| a["Info"]["Phase"] == "PLACED")
    });
    let bid_id = bid["Info"]["BidId"].as_str().expect("bid id").to_owned();
    let Market {
        srv,
        seller_home,
        seller,
        ..
    } = m;
    seller.kill();
    // BW-CLIENT-30: the record of a trade with a bid is followed; no
    // worker is registered with the new process, so it sells nothing new.
    let (seller, _) = start_seller(seller_home.path(), &srv.url);
    let rec = &activities(seller.addr, "SELL")[0];
    assert_eq!(rec["Info"]["BidId"], bid_id.as_str());
    assert_eq!(rec["Info"]["Alive"], true, "followed: {rec}");
    // The bid's lifetime (120 s) passes on the server.
    advance(&srv.url, 121_000);
    let bid_json = support::market::server_json(&srv.url, &format!("/bid/{bid_id}"));
    assert_eq!(bid_json["State"], 3, "expired: {bid_json}");
    let rec = ended(seller.addr, "SELL");
    assert_eq!(rec["Info"]["Phase"], "EXPIRED", "{rec}");
    assert!(
        rec["Info"]["Info"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "{rec}"
    );
    assert_eq!(
        activities(seller.addr, "SELL").len(),
        1,
        "nothing new was sold"
    );
}

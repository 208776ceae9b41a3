//! The client-to-client transfer between two real client daemons on one
//! reference server, in every mode: chunked with SyncInfo (gzip or not),
//! the legacy chunk list (gzip or not), and linear. Checks the result, the
//! progress figures of `/activities`, and that a seller holding most of a
//! work's chunks is sent only the rest (BW-C2C-15).

mod support;

use std::time::Duration;

use support::worker::{fund, start_worker, transform};
use support::{Client, free_port, get, post_form, request};

/// Deterministic pseudo-random bytes (xorshift64*).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

struct Market {
    srv: conformance::target::InProcess,
    ext: String,
}

impl Market {
    fn new() -> Market {
        Market {
            srv: conformance::target::start_reference(&[]).expect("reference server"),
            ext: free_port().to_string(),
        }
    }

    fn seller(&self, home: &tempfile::TempDir, offer: &str) -> Client {
        Client::start(
            home.path(),
            &self.srv.url,
            &[
                "-extport",
                &self.ext,
                "-extaddr",
                "127.0.0.1",
                "-extiface",
                "127.0.0.1",
                "--c2c-offer",
                offer,
            ],
        )
    }

    fn buyer(&self, home: &tempfile::TempDir, extra: &[&str]) -> Client {
        let c = Client::start(home.path(), &self.srv.url, extra);
        fund(&self.srv.url, &c.address);
        c
    }
}

fn permit_sells(seller: &Client, article: &str) {
    let permit = format!(
        "action=permit&type=SELL&articleid={article}&price=mBTC+1&usetradesleft=on&tradesleft=10&validminutes=30&csrf={}",
        support::ui_token(seller.addr)
    );
    assert_eq!(post_form(seller.addr, "/", &permit).status, 303);
}

/// Buys `work`, checks the result and returns the buy's progress figures
/// (`BytesTotal`, `BytesToTransfer`, `BytesTransferred`).
fn buy(buyer: &Client, article: &str, work: &[u8]) -> (u64, u64, u64) {
    let r = request(
        buyer.addr,
        "POST",
        &format!("/buy/{article}?price=mBTC%201"),
        &[],
        work,
    );
    assert_eq!(r.status, 303, "buy failed: {}", r.text());
    let location = r.header("Location").expect("Location").to_owned();
    let file = get(buyer.addr, &location);
    assert_eq!(file.status, 200);
    assert!(
        file.body == transform(work),
        "the buyer got the worker's result"
    );
    let acts = get(buyer.addr, "/activities").json();
    let last = acts
        .as_array()
        .expect("array")
        .iter()
        .filter(|a| a["Info"]["Type"] == "BUY")
        .max_by_key(|a| a["Key"].as_u64().unwrap_or(0))
        .expect("a buy")
        .clone();
    let n = |k: &str| last["Info"][k].as_u64().unwrap_or(u64::MAX);
    (n("BytesTotal"), n("BytesToTransfer"), n("BytesTransferred"))
}

#[test]
fn chunked_resend_of_a_changed_package_sends_little() {
    let m = Market::new();
    let seller_home = tempfile::tempdir().expect("home");
    let seller = m.seller(&seller_home, "all");
    let buyer_home = tempfile::tempdir().expect("home");
    let buyer = m.buyer(&buyer_home, &[]);
    let article = "fnord";
    permit_sells(&seller, article);
    let jobs = start_worker(seller.addr, article, "w-chunky");

    // 32 MiB, sent whole the first time (the seller has nothing).
    let size = 32 << 20;
    let mut work = noise(1, size);
    let (total, to_send, sent) = buy(&buyer, article, &work);
    assert_eq!(total, size as u64);
    assert_eq!(sent, to_send);
    assert!(sent >= size as u64 * 99 / 100, "first transfer sent {sent}");
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(5)).expect("worked"),
        work
    );

    // 1 % of the bytes changed in 16 scattered places: only the chunks
    // around them travel again.
    let region = size / 100 / 16;
    for i in 0..16 {
        let at = i * (size / 16) + 12_345;
        for (k, b) in work[at..at + region].iter_mut().enumerate() {
            *b = b.wrapping_add(1 + (k % 7) as u8);
        }
    }
    let (total, _, sent) = buy(&buyer, article, &work);
    assert_eq!(total, size as u64);
    assert!(
        sent <= size as u64 * 3 / 100,
        "a 1 % change sent {sent} of {size} bytes"
    );
    assert!(
        sent >= (16 * region) as u64,
        "the changes travelled: {sent}"
    );
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(5)).expect("worked"),
        work
    );
    // The seller's sell shows what it received.
    let sells = get(seller.addr, "/activities").json();
    assert!(
        sells
            .as_array()
            .expect("array")
            .iter()
            .any(|a| a["Info"]["Type"] == "SELL"
                && a["Info"]["BytesTotal"].as_u64() == Some(size as u64)
                && a["Info"]["BytesTransferred"].as_u64() == Some(sent)),
        "{sells}"
    );
}

#[test]
fn every_mode_with_and_without_gzip() {
    let article = "snafu";
    let seller_home = tempfile::tempdir().expect("home");
    let plain_home = tempfile::tempdir().expect("home");
    let gzip_home = tempfile::tempdir().expect("home");
    // Every work shares its first half: a seller that chunks asks only for
    // the second half once it has seen one of them; linear sends all.
    let common = noise(7, 2 << 20);
    let work = |seed| {
        let mut w = common.clone();
        w.extend(noise(seed, 2 << 20));
        w
    };
    let size = 4u64 << 20;
    let mut first = true;
    for (seed, offer, gzip, chunked) in [
        (10, "all", false, true),
        (11, "legacy", true, true),
        (12, "legacy", false, true),
        (13, "linear", true, false),
        (14, "all", true, true),
    ] {
        // A market of its own for each mode (a stopped seller's last bid
        // would stay on the server); the seller keeps its store.
        let m = Market::new();
        let seller = m.seller(&seller_home, offer);
        let buyer = if gzip {
            m.buyer(&gzip_home, &[])
        } else {
            m.buyer(&plain_home, &["--c2c-gzip", "false"])
        };
        if first {
            // The mandate is kept across the seller's restarts.
            permit_sells(&seller, article);
        }
        let jobs = start_worker(seller.addr, article, "w-modal");
        let w = work(seed);
        let (total, to_send, sent) = buy(&buyer, article, &w);
        assert_eq!(total, size, "{offer}");
        assert_eq!(to_send, sent, "{offer}");
        if first || !chunked {
            assert!(sent >= size * 99 / 100, "{offer}: sent {sent}");
        } else {
            assert!(
                sent < size * 6 / 10,
                "{offer}: the common half was sent again ({sent})"
            );
        }
        assert_eq!(
            jobs.recv_timeout(Duration::from_secs(5)).expect("worked"),
            w
        );
        first = false;
        assert!(seller.terminate());
        assert!(buyer.terminate());
    }
}

//! The client-to-client transfer between two real client daemons on one
//! reference server, in every mode: chunked with SyncInfo (gzip or not),
//! the legacy chunk list (gzip or not), and linear. Checks the result, the
//! progress figures of `/activities`, and that a seller holding most of a
//! work's chunks is sent only the rest (BW-C2C-15).

mod support;

use std::time::Duration;

use support::market::{buy_checked, last_buy};
use support::worker::{fund, start_worker};
use support::{Client, free_port, get, noise, post_form, request};

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
    let last = buy_checked(buyer.addr, article, work);
    let n = |k: &str| last["Info"][k].as_u64().unwrap_or(u64::MAX);
    (n("BytesTotal"), n("BytesToTransfer"), n("BytesTransferred"))
}

#[test]
fn chunked_resend_of_a_changed_package_sends_little() {
    let m = Market::new();
    let seller_home = tempfile::tempdir().expect("home");
    let seller = m.seller(&seller_home, "all");
    let buyer_home = tempfile::tempdir().expect("home");
    // The buyer's store bypasses the page cache, the seller's does not
    // (the default): both ways of storing carry the trade.
    let buyer = m.buyer(&buyer_home, &["--store-direct-io", "true"]);
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

/// A worker that reads the pushed work as it streams (chunked encoding)
/// and answers with its length and a checksum, so that measuring the work's
/// way from buyer to seller is not disturbed by a large result.
fn start_streaming_worker(
    client: std::net::SocketAddr,
    article: &'static str,
) -> std::sync::mpsc::Receiver<(u64, u64, std::time::Instant, std::time::Instant)> {
    use std::io::{BufRead, BufReader, Read, Write};
    let (listener, form) = support::worker::listen_and_register(client, article, "streaming");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            // The seller pushes once the work is assembled and checked.
            let pushed = std::time::Instant::now();
            let mut r = BufReader::with_capacity(1 << 20, stream.try_clone().expect("clone"));
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim_end().is_empty() {
                    break;
                }
            }
            let (mut len, mut sum) = (0u64, 0xcbf2_9ce4_8422_2325u64);
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let mut size = String::new();
                r.read_line(&mut size).expect("chunk size");
                let mut left = usize::from_str_radix(size.trim(), 16).expect("hex size");
                if left == 0 {
                    let mut end = String::new();
                    let _ = r.read_line(&mut end);
                    break;
                }
                while left > 0 {
                    let n = left.min(buf.len());
                    r.read_exact(&mut buf[..n]).expect("chunk");
                    // FNV-1a over 8-byte words, so that the worker keeps
                    // up with the transfer it is measured with.
                    let words = buf[..n].chunks_exact(8);
                    let tail = words.remainder();
                    for w in words {
                        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
                        sum = (sum ^ w).wrapping_mul(0x100_0000_01b3);
                    }
                    for &b in tail {
                        sum = (sum ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                    }
                    len += n as u64;
                    left -= n;
                }
                let mut crlf = [0u8; 2];
                r.read_exact(&mut crlf).expect("crlf");
            }
            let arrived = std::time::Instant::now();
            let result = format!("{len}:{sum:016x}");
            let mut w = stream;
            let _ = w.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{result}",
                    result.len()
                )
                .as_bytes(),
            );
            drop(w);
            let _ = tx.send((len, sum, pushed, arrived));
            post_form(client, "/registerworker", &form);
        }
    });
    rx
}

/// Peak resident memory of process `pid` in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The figures of issue 10: a package (default 1 GiB; `BITWRK_FIGURES_MIB`
/// sets another size, `BITWRK_FIGURES_GZIP=false` turns gzip off) bought end to end — the local `/buy` upload, the
/// chunked transfer to the seller, the push to a worker — then bought again
/// with 1 % of its bytes changed in 64 scattered places; prints the time,
/// the throughput, the bytes transferred and each client's peak RSS.
/// Bounded by the transfer's own timeouts; run it in release:
///
/// ```text
/// cargo test --release -p ref-client --test transfer -- --ignored --nocapture figures
/// ```
///
/// Measured 2026-12-02 04:38–04:40 UTC on the 2-core machine, release
/// build, `BITWRK_FIGURES_GZIP=false`, six runs with the defaults (pack
/// files through the page cache): the transfer from the buyer's client to
/// the seller's, stored, assembled and checked, in 2.1–3.7 s (292–511
/// MB/s); from the application's `POST` to the seller's client in 3.9–5.6 s
/// (190–273 MB/s), to the seller's worker in 4.4–6.2 s (173–246 MB/s):
/// upload into the buyer's store and bid 1.7–2.1 s, trade set-up a few ms
/// (waiting polls, BW-CLIENT-36), push to the worker 0.4–0.6 s; then 1 %
/// changed, 11.75 MB (1.09 %) transferred, at the seller's client in
/// 3.0–4.0 s; peak RSS buyer 73–81 MiB, seller 94–102 MiB. Interleaved,
/// three runs with `BITWRK_FIGURES_DIRECT=true` (`--store-direct-io true`):
/// transfer 3.25–4.27 s (252–331 MB/s), to the worker 6.8–8.0 s, push to
/// the worker 1.2–1.4 s (read back from the disk). An hour earlier, when
/// filling fresh page cache was slow on this machine, direct I/O was the
/// faster of the two; the client of the morning (direct I/O, one thread
/// for the seller's digest and storing) transferred at 225–316 MB/s. The
/// phases are the gaps between the clients' `trade event` log lines
/// (`BITWRK_CLIENT_LOG=info,hyper=warn`); the machine's speed varies by a
/// quarter from one hour to the next, so compare only interleaved runs.
#[test]
#[ignore = "a measurement: run it in release with --ignored (see its docs)"]
fn figures() {
    let mib: usize = std::env::var("BITWRK_FIGURES_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = mib << 20;
    let m = Market::new();
    let seller_home = tempfile::tempdir().expect("home");
    let buyer_home = tempfile::tempdir().expect("home");
    // `BITWRK_FIGURES_GZIP=false`: the buyer sends uncompressed.
    let gzip = std::env::var("BITWRK_FIGURES_GZIP").unwrap_or_else(|_| "true".to_owned());
    // `BITWRK_FIGURES_DIRECT=true`: both stores bypass the page cache.
    let direct = std::env::var("BITWRK_FIGURES_DIRECT").unwrap_or_else(|_| "false".to_owned());
    let store = [
        "--store-bytes",
        "3221225472",
        "--store-direct-io",
        direct.as_str(),
        "--c2c-gzip",
        gzip.as_str(),
    ];
    let seller = Client::start(
        seller_home.path(),
        &m.srv.url,
        &[
            "-extport",
            &m.ext,
            "-extaddr",
            "127.0.0.1",
            "-extiface",
            "127.0.0.1",
            store[0],
            store[1],
            store[2],
            store[3],
        ],
    );
    let buyer = m.buyer(&buyer_home, &store);
    let article = "fnord";
    permit_sells(&seller, article);
    let jobs = start_streaming_worker(seller.addr, article);
    let mut work = noise(99, size);
    let run = |work: &[u8], what: &str| {
        let started = std::time::Instant::now();
        let r = request(
            buyer.addr,
            "POST",
            &format!("/buy/{article}?price=mBTC%201"),
            &[],
            work,
        );
        let took = started.elapsed();
        assert_eq!(r.status, 303, "buy failed: {}", r.text());
        let (len, _, pushed, arrived) = jobs
            .recv_timeout(Duration::from_secs(60))
            .expect("the worker ran");
        assert_eq!(len, work.len() as u64);
        let at_seller = pushed.duration_since(started);
        let at_worker = arrived.duration_since(started);
        let last = last_buy(buyer.addr);
        let sent = last["Info"]["BytesTransferred"].as_u64().unwrap_or(0);
        let mb_s = |d: Duration| work.len() as f64 / d.as_secs_f64() / 1e6;
        println!(
            "{what}: {mib} MiB from the buyer's application to the seller's client (stored, \
             assembled and checked) in {:.2} s = {:.0} MB/s; to the seller's worker in {:.2} s \
             = {:.0} MB/s; result back after {:.2} s in all = {:.0} MB/s; \
             transferred {sent} bytes ({:.2} %)",
            at_seller.as_secs_f64(),
            mb_s(at_seller),
            at_worker.as_secs_f64(),
            mb_s(at_worker),
            took.as_secs_f64(),
            mb_s(took),
            sent as f64 * 100.0 / work.len() as f64
        );
        sent
    };
    run(&work, "first");
    let places = 64;
    let region = size / 100 / places;
    for i in 0..places {
        let at = i * (size / places) + 4_321;
        for b in &mut work[at..at + region] {
            *b ^= 0x5a;
        }
    }
    let sent = run(&work, "1 % changed");
    println!(
        "peak RSS: buyer {} MiB, seller {} MiB",
        peak_rss_kib(buyer.pid()) / 1024,
        peak_rss_kib(seller.pid()) / 1024
    );
    assert!(sent <= size as u64 * 3 / 100);
}

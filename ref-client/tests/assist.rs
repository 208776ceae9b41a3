//! Assistive downloads between real client daemons on loopback (spec
//! §19.13): a buyer buying the same chunked work from two of our sellers,
//! the second one fetching the chunks from the first; hostile `assisturl`
//! requests that fetch nothing or fail bounded while the sell goes on; and
//! the ticket paths of a source.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use bitwrk_protocol::hash::sha256;
use support::market::{activities, buy_checked, start_seller, tx, tx_of, wait_for};
use support::worker::{Mode, fund, start_worker, start_worker_with};
use support::{Client, get, noise, post_form, request};

fn permit(seller: &Client, article: &str, trades: u32) {
    let form = format!(
        "action=permit&type=SELL&articleid={article}&price=mBTC+1&usetradesleft=on&tradesleft={trades}&validminutes=30&csrf={}",
        support::ui_token(seller.addr)
    );
    assert_eq!(post_form(seller.addr, "/", &form).status, 303);
}

/// Buys `work`, checks the result; returns (`BytesTotal`,
/// `BytesTransferred`) of that buy.
fn buy(buyer: SocketAddr, article: &str, work: &[u8]) -> (u64, u64) {
    let last = buy_checked(buyer, article, work);
    let n = |k: &str| last["Info"][k].as_u64().unwrap_or(u64::MAX);
    (n("BytesTotal"), n("BytesTransferred"))
}

fn counter(client: &Client, name: &str) -> u64 {
    let t = get(client.addr, "/tickets").json();
    t[name].as_u64().unwrap_or_else(|| panic!("{name} in {t}"))
}

/// Host and port of a worker URL, and its path.
fn split_url(url: &str) -> (SocketAddr, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').expect("path"));
    (host.parse().expect("address"), path.to_owned())
}

#[test]
fn second_seller_fetches_the_chunks_from_the_first() {
    // BW-C2C-36, BW-C2C-37, BW-C2C-38, BW-C2C-39, BW-C2C-40, BW-C2C-41,
    // BW-C2C-42
    let srv = conformance::target::start_reference(&[]).expect("reference server");
    let (ha, hb, hbuyer) = (
        tempfile::tempdir().expect("home"),
        tempfile::tempdir().expect("home"),
        tempfile::tempdir().expect("home"),
    );
    let (a, _) = start_seller(ha.path(), &srv.url);
    let (b, _) = start_seller(hb.path(), &srv.url);
    let buyer = Client::start(hbuyer.path(), &srv.url, &[]);
    fund(&srv.url, &buyer.address);
    let article = "fnord";
    let work = noise(5, 3 << 20);

    // Seller A takes one trade and holds the result: its sell stays live
    // with every chunk received, its tickets in the buyer's pool.
    permit(&a, article, 1);
    let (go, hold) = mpsc::channel();
    let jobs_a = start_worker_with(a.addr, article, "worker-a", Mode::Hold(hold));
    let buyer_addr = buyer.addr;
    let w1 = work.clone();
    let first = std::thread::spawn(move || buy(buyer_addr, article, &w1));
    assert!(
        jobs_a
            .recv_timeout(Duration::from_secs(60))
            .expect("A works")
            == work
    );
    assert_eq!(counter(&a, "TicketsIssued"), 2);
    assert_eq!(counter(&buyer, "PooledTickets"), 2);

    // Seller B sells the same work to the same buyer: the buyer grants it
    // a ticket of A, B fetches from A, and the buyer sends B nothing.
    permit(&b, article, 1);
    let jobs_b = start_worker(b.addr, article, "worker-b");
    let (total, sent) = buy(buyer.addr, article, &work);
    assert!(
        jobs_b
            .recv_timeout(Duration::from_secs(5))
            .expect("B worked")
            == work
    );
    assert_eq!(total, work.len() as u64);
    assert!(
        sent < total / 20,
        "the buyer sent B {sent} of {total} bytes"
    );
    assert_eq!(counter(&buyer, "TicketsGranted"), 1);
    assert_eq!(counter(&b, "Fetches"), 1);
    assert_eq!(counter(&b, "FetchesFailed"), 0);
    assert!(counter(&b, "BytesFetched") + sent >= total);
    assert!(counter(&a, "ChunksServed") > 0);
    assert_eq!(counter(&a, "DownloadsServed"), 1);

    // A's unknown ticket: 404 with its code (BW-C2C-37).
    let tx_a = tx(&srv.url, &tx_of(a.addr, "SELL"));
    let (ext_a, path_a) = split_url(tx_a["WorkerURL"].as_str().expect("worker URL"));
    let r = get(ext_a, &format!("{path_a}/assist/{}", "ab".repeat(16)));
    assert_eq!(r.status, 404);
    assert!(r.text().starts_with("c2c.bad-ticket"), "{}", r.text());
    assert_eq!(counter(&a, "BadTickets"), 1);

    // A finishes too.
    go.send(()).expect("release A");
    let (total1, _) = first.join().expect("first buy");
    assert_eq!(total1, work.len() as u64);
    let sells = activities(a.addr, "SELL");
    let got_a = sells[0]["Info"]["BytesTransferred"].as_u64().unwrap_or(0);
    assert!(
        got_a >= total1 * 99 / 100,
        "A got the work from the buyer: {got_a}"
    );
}

/// What the fake source answers.
#[derive(Clone, Copy, PartialEq)]
enum Fake {
    Redirect,
    Oversized,
    BadChunk,
}

/// A fake assist source on loopback; counts the requests it gets.
fn fake_source(mode: Arc<Mutex<Fake>>) -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { return };
            h.fetch_add(1, Ordering::SeqCst);
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let mut len = 0usize;
            loop {
                let mut hd = String::new();
                if r.read_line(&mut hd).unwrap_or(0) == 0 || hd.trim().is_empty() {
                    break;
                }
                if let Some(v) = hd.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let mut w = s;
            let data = vec![7u8; 1000];
            let key = sha256(&data);
            let m = *mode.lock().expect("mode");
            let _ = match (m, line.starts_with("GET")) {
                (Fake::Redirect, _) => w.write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
                (Fake::Oversized, _) => {
                    let _ = w.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[");
                    let pad = vec![b' '; 1 << 20];
                    for _ in 0..27 {
                        if w.write_all(&pad).is_err() {
                            break;
                        }
                    }
                    Ok(())
                }
                (Fake::BadChunk, true) => {
                    let doc = format!("{{\"Chunks\":[{{\"Key\":\"{key}\",\"Size\":1000}}],\"Perm\":[0]}}\n");
                    w.write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{doc}",
                            doc.len()
                        )
                        .as_bytes(),
                    )
                }
                (Fake::BadChunk, false) => {
                    // varint(1000) and 1000 wrong bytes.
                    let mut out = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n\xd0\x0f".to_vec();
                    out.extend_from_slice(&[8u8; 1000]);
                    w.write_all(&out)
                }
            };
        }
    });
    (port, hits)
}

fn post_assist(ext: SocketAddr, path: &str, url: &str, secret: Option<&str>) -> u16 {
    let b = "XbOuNdArY";
    let mut body = String::new();
    if let Some(s) = secret {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"buyersecret\"\r\n\r\n{s}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"assisturl\"\r\n\r\n{url}\r\n--{b}--\r\n"
    ));
    request(
        ext,
        "POST",
        path,
        &[(
            "Content-Type",
            &format!("multipart/form-data; boundary={b}"),
        )],
        body.as_bytes(),
    )
    .status
}

#[test]
fn hostile_assist_urls_fetch_nothing_or_fail_bounded() {
    // BW-C2C-38, BW-C2C-39, BW-C2C-30
    let srv = conformance::target::start_reference(&[]).expect("reference server");
    let (hs, hbuyer) = (
        tempfile::tempdir().expect("home"),
        tempfile::tempdir().expect("home"),
    );
    let (s, _) = start_seller(hs.path(), &srv.url);
    let buyer = Client::start(hbuyer.path(), &srv.url, &[]);
    fund(&srv.url, &buyer.address);
    let article = "snafu";
    let work = noise(9, 1 << 20);
    permit(&s, article, 1);
    let (go, hold) = mpsc::channel();
    let jobs = start_worker_with(s.addr, article, "worker-s", Mode::Hold(hold));
    let buyer_addr = buyer.addr;
    let w1 = work.clone();
    let bought = std::thread::spawn(move || buy(buyer_addr, article, &w1));
    assert!(jobs.recv_timeout(Duration::from_secs(60)).expect("works") == work);
    let id = tx_of(s.addr, "SELL");
    let t = wait_for("the buyer secret", Duration::from_secs(30), || {
        let t = tx(&srv.url, &id);
        t["BuyerSecret"].is_string().then_some(t)
    });
    let secret = t["BuyerSecret"].as_str().expect("secret").to_owned();
    let (ext, path) = split_url(t["WorkerURL"].as_str().expect("worker URL"));

    let mode = Arc::new(Mutex::new(Fake::Redirect));
    let (port, hits) = fake_source(mode.clone());
    let fake = format!("http://127.0.0.1:{port}/0a1b2c3d/assist/00112233");

    // No secret, a wrong secret: 200, nothing fetched.
    assert_eq!(post_assist(ext, &path, &fake, None), 200);
    assert_eq!(post_assist(ext, &path, &fake, Some(&"00".repeat(32))), 200);
    assert_eq!(counter(&s, "UrlsWithoutSecret"), 2);
    // A private address for a loopback seller, a host name, https: refused.
    for url in [
        "http://10.0.0.1:9/0a1b2c3d/assist/00".to_owned(),
        format!("http://localhost:{port}/0a1b2c3d/assist/00112233"),
        format!("https://127.0.0.1:{port}/0a1b2c3d/assist/00112233"),
    ] {
        assert_eq!(post_assist(ext, &path, &url, Some(&secret)), 200);
    }
    assert_eq!(counter(&s, "UrlsRefused"), 3);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing was fetched");
    assert_eq!(counter(&s, "Fetches"), 0);

    // A redirect is not followed; an oversized SyncInfo and a bad chunk
    // end the fetch; nothing is stored.
    assert_eq!(post_assist(ext, &path, &fake, Some(&secret)), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "one request, no redirect");
    *mode.lock().expect("mode") = Fake::Oversized;
    assert_eq!(post_assist(ext, &path, &fake, Some(&secret)), 200);
    *mode.lock().expect("mode") = Fake::BadChunk;
    assert_eq!(post_assist(ext, &path, &fake, Some(&secret)), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 4, "GET and POST of the last");
    assert_eq!(counter(&s, "Fetches"), 3);
    assert_eq!(counter(&s, "FetchesFailed"), 3);
    assert_eq!(counter(&s, "ChunksFetched"), 0);

    // The sell goes on and ends well.
    go.send(()).expect("release");
    let (total, _) = bought.join().expect("buy");
    assert_eq!(total, work.len() as u64);
}

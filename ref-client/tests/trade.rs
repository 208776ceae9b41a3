//! A whole trade between two client daemons on one reference server: the
//! buyer's application POSTs work to `/buy/<article>`, the seller's worker
//! (a small HTTP program in this test) transforms it, and the buyer gets
//! the result back at `/file/<sha256>` — linear transfer, result
//! encryption, receipt and key release included.

mod support;

use std::io::{BufReader, Write};
use std::time::{Duration, Instant};

use support::worker::{fund, start_worker, transform};
use support::{Client, free_port, get, post_form, request};

#[test]
fn buy_and_sell_between_two_clients_with_a_worker() {
    let srv = conformance::target::start_reference(&[]).expect("reference server");
    let buyer_home = tempfile::tempdir().expect("home");
    let seller_home = tempfile::tempdir().expect("home");
    let buyer = Client::start(buyer_home.path(), &srv.url, &[]);
    let ext = free_port().to_string();
    let seller = Client::start(
        seller_home.path(),
        &srv.url,
        &[
            "-extport",
            &ext,
            "-extaddr",
            "127.0.0.1",
            "-extiface",
            "127.0.0.1",
        ],
    );
    fund(&srv.url, &buyer.address);

    let article = "foobar";
    // The seller sells when a mandate allows it.
    let permit = format!(
        "action=permit&type=SELL&articleid={article}&price=mBTC+1&usetradesleft=on&tradesleft=5&validminutes=30&csrf={}",
        support::ui_token(seller.addr)
    );
    assert_eq!(post_form(seller.addr, "/", &permit).status, 303);
    let jobs = start_worker(seller.addr, article, "remote-worker");

    let work: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let started = Instant::now();
    let r = request(
        buyer.addr,
        "POST",
        &format!("/buy/{article}?price=mBTC%201"),
        &[],
        &work,
    );
    assert_eq!(r.status, 303, "buy failed: {}", r.text());
    let location = r.header("Location").expect("Location").to_owned();
    let expected = transform(&work);
    let hash = bitwrk_protocol::hash::sha256(&expected).to_string();
    assert_eq!(location, format!("/file/{hash}"));
    let pushed = jobs
        .recv_timeout(Duration::from_secs(5))
        .expect("the worker ran");
    assert_eq!(pushed, work, "the worker got the buyer's work");
    let file = get(buyer.addr, &location);
    assert_eq!(file.status, 200);
    assert_eq!(file.body, expected, "the buyer got the worker's result");
    eprintln!("trade took {:?}", started.elapsed());

    // The buyer's activity is listed; the result survives a restart of the
    // buyer even after it was fetched (unpinned, but within the budget).
    let acts = get(buyer.addr, "/activities").json();
    let buys: Vec<_> = acts
        .as_array()
        .expect("array")
        .iter()
        .filter(|a| a["Info"]["Type"] == "BUY")
        .collect();
    assert_eq!(buys.len(), 1, "{acts}");
    assert_eq!(buys[0]["Info"]["Article"], article);
    assert_eq!(buys[0]["Info"]["Amount"], "mBTC 1");
    assert!(!buys[0]["Info"]["TxId"].as_str().unwrap_or("").is_empty());
    assert!(buyer.terminate());
    let buyer = Client::start(buyer_home.path(), &srv.url, &[]);
    assert_eq!(get(buyer.addr, &location).body, expected);
    // A buy stopped before its transaction retired is followed on the
    // server until it is settled (BW-CLIENT-30, BW-CLIENT-31).
    support::market::wait_for("the buy to be settled", Duration::from_secs(20), || {
        let acts = get(buyer.addr, "/activities").json();
        acts.as_array()
            .expect("array")
            .iter()
            .all(|a| a["Info"]["Alive"] == false && a["Info"]["Phase"] == "FINISHED")
            .then_some(())
    });
    let sells = get(seller.addr, "/activities").json();
    assert!(
        sells
            .as_array()
            .expect("array")
            .iter()
            .any(|a| a["Info"]["Type"] == "SELL"
                && !a["Info"]["TxId"].as_str().unwrap_or("").is_empty()),
        "{sells}"
    );
}

#[test]
fn local_match_needs_no_server_trade() {
    let srv = conformance::target::start_reference(&[]).expect("reference server");
    let home = tempfile::tempdir().expect("home");
    // No external port: sells are local-only; no funds needed.
    let client = Client::start(home.path(), &srv.url, &[]);
    let article = "snafu";
    let jobs = start_worker(client.addr, article, "local-worker");
    // The worker's sell is waiting for clearance; a buy of the same
    // article matches it locally.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !get(client.addr, "/activities").text().contains("SELL") {
        assert!(Instant::now() < deadline, "no sell offered for the worker");
        std::thread::sleep(Duration::from_millis(50));
    }
    let work = b"local work".to_vec();
    let r = request(client.addr, "POST", &format!("/buy/{article}"), &[], &work);
    assert_eq!(r.status, 303, "{}", r.text());
    let expected = transform(&work);
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(5))
            .expect("worker ran"),
        work
    );
    let location = r.header("Location").expect("Location").to_owned();
    assert_eq!(get(client.addr, &location).body, expected);
    let acts = get(client.addr, "/activities").json();
    let buy = acts
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["Info"]["Type"] == "BUY")
        .expect("the buy is listed")
        .clone();
    assert_eq!(
        buy["Info"]["TxId"], "",
        "no transaction on the server: {acts}"
    );
    assert!(
        buy["Info"]["Phase"]
            .as_str()
            .unwrap_or("")
            .starts_with("LOCAL"),
        "{acts}"
    );

    // The add-on's way: chunked transfer encoding, no Content-Type. The
    // worker re-registered, so a new sell waits for the next buy.
    let work2 = b"tile two".to_vec();
    let stream = std::net::TcpStream::connect(client.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut w = stream.try_clone().expect("clone");
    let head = format!(
        "POST /buy/{article} HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        client.addr
    );
    w.write_all(head.as_bytes()).expect("head");
    for piece in work2.chunks(3) {
        w.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
            .expect("size");
        w.write_all(piece).expect("chunk");
        w.write_all(b"\r\n").expect("crlf");
    }
    w.write_all(b"0\r\n\r\n").expect("end");
    let r2 = support::read_response(&mut BufReader::new(stream));
    assert_eq!(r2.status, 303, "{}", r2.text());
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(5))
            .expect("worker ran"),
        work2
    );
    let loc2 = r2.header("Location").expect("Location").to_owned();
    assert_eq!(get(client.addr, &loc2).body, transform(&work2));

    // A multipart body: the part named `data` is the work.
    let work3 = b"tile three".to_vec();
    let mut body =
        b"--B0undary\r\nContent-Disposition: form-data; name=\"data\"; filename=\"w\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(&work3);
    body.extend_from_slice(b"\r\n--B0undary--\r\n");
    let r3 = request(
        client.addr,
        "POST",
        &format!("/buy/{article}"),
        &[("Content-Type", "multipart/form-data; boundary=B0undary")],
        &body,
    );
    assert_eq!(r3.status, 303, "{}", r3.text());
    assert_eq!(
        jobs.recv_timeout(Duration::from_secs(5))
            .expect("worker ran"),
        work3
    );
    let loc3 = r3.header("Location").expect("Location").to_owned();
    assert_eq!(get(client.addr, &loc3).body, transform(&work3));
}

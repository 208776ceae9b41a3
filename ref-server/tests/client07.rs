//! A whole trade as the unmodified BitWrk 0.7 Go client (and its payment
//! processor and admin tool) performs it, through the real server process
//! (issue 8 item 6): the 0.7 client's form bodies byte for byte, its
//! headers (`User-Agent: BitWrkGoClient/0.7.0`, `Accept: application/json`,
//! `If-None-Match` for bids only), and the seller's result message signed
//! under the 0.7 legacy digest. Every response the 0.7 client relies on is
//! checked: status codes (303 with `X-Bid-Key`, 302/303 for messages and
//! relations), `ETag`/`X-ETag`, 304, JSON field shapes, phases through
//! UNVERIFIED and FINISHED, and the payout.

mod support;

use std::thread::sleep;
use std::time::{Duration, Instant};

use bitwrk_protocol::address::Network;
use bitwrk_protocol::document::{normalize, query_escape};
use bitwrk_protocol::encoding::hex;
use bitwrk_protocol::hash::sha256_concat;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::signature::{
    Signature, legacy_07_differs, legacy_07_digest, sign_digest, sign_message, verify_message,
};
use serde_json::Value;
use support::{Response, Server};

const UA: &str = "BitWrkGoClient/0.7.0";

fn key(byte: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[byte; 32], true, Network::Mainnet).unwrap()
}

fn address(k: &PrivateKey) -> String {
    k.public_key().address(Network::Mainnet).to_string()
}

/// What the 0.7 client sends with every JSON GET.
fn json_get(server: &Server, path: &str, etag: Option<&str>) -> Response {
    let mut h = vec![("User-Agent", UA), ("Accept", "application/json")];
    if let Some(e) = etag {
        h.push(("If-None-Match", e));
    }
    server.get(path, &h)
}

/// What the 0.7 client sends with every form POST.
fn form_post(server: &Server, path: &str, body: &str) -> Response {
    server.post_form(
        path,
        &[("User-Agent", UA), ("Accept", "application/json")],
        body,
    )
}

/// `GET nonce`: no Accept header; the client reads at most 80 bytes.
fn nonce(server: &Server) -> String {
    let r = server.get("/nonce", &[("User-Agent", UA)]);
    assert_eq!(r.status, 200);
    assert!(r.body.len() <= 80);
    assert_eq!(
        r.header("cache-control"),
        Some("no-cache, no-store, must-revalidate")
    );
    let n = r.text();
    assert!((24..=32).contains(&n.len()), "{n}");
    n
}

/// The 0.7 client's ETag acceptance rule: 2..1023 chars, quoted, the char
/// before the closing quote not a backslash. It reads `ETag`, else `X-ETag`.
fn etag(r: &Response) -> String {
    let e = r.header("etag").or(r.header("x-etag")).expect("an ETag");
    assert_eq!(r.header("x-etag"), Some(e), "X-ETag mirrors ETag");
    assert!((2..1024).contains(&e.len()) && e.starts_with('"') && e.ends_with('"'));
    assert!(!e[..e.len() - 1].ends_with('\\'));
    e.to_owned()
}

fn sig_b64(key: &PrivateKey, doc: &str) -> String {
    sign_message(key, doc.as_bytes()).to_base64()
}

/// `POST bid`: body = document + `&signature=`; success is 303 with a
/// non-empty `X-Bid-Key`.
fn place_bid(server: &Server, k: &PrivateKey, kind: &str, article: &str, price: &str) -> String {
    let n = nonce(server);
    let doc = format!(
        "article={}&type={kind}&price={}&address={}&nonce={n}",
        query_escape(article),
        normalize(price),
        address(k)
    );
    let body = format!("{doc}&signature={}", query_escape(&sig_b64(k, &doc)));
    let r = form_post(server, "/bid", &body);
    assert_eq!(r.status, 303, "{}", r.text());
    // BW-HTTP-5: as the 0.7 client, this test treats ids as opaque
    // strings: copied from `X-Bid-Key` (and the tx id from the bid's JSON)
    // into paths and documents unchanged, compared only for equality.
    let id = r.header("x-bid-key").expect("X-Bid-Key").to_owned();
    assert!(!id.is_empty());
    assert_eq!(r.header("location"), Some(format!("/bid/{id}").as_str()));
    id
}

/// A signature under BitWrk 0.7's legacy digest (base64), for a document
/// long enough that it differs from the Bitcoin digest.
fn sig_07(k: &PrivateKey, doc: &str) -> String {
    assert!(legacy_07_differs(doc.len() as u64), "{} bytes", doc.len());
    let s = sign_digest(k, &legacy_07_digest(doc.as_bytes()));
    // The 0.7 signature does not verify under the Bitcoin digest: only the
    // server's 0.7-compatible mode accepts it.
    let addr = k.public_key().address(Network::Mainnet);
    assert!(verify_message(&addr, doc.as_bytes(), &s).is_err());
    s.to_base64()
}

/// `POST tx/<id>`: sorted `key=normalize(value)` with txid, then signature
/// and address. `legacy` signs under the 0.7 legacy digest. Success is 302
/// or 303.
fn send_message(
    server: &Server,
    k: &PrivateKey,
    txid: &str,
    args: &[(&str, &str)],
    legacy: bool,
) -> Response {
    let mut pairs: Vec<(String, String)> = args
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    pairs.push(("txid".into(), txid.into()));
    pairs.sort();
    let doc = pairs
        .iter()
        .map(|(a, b)| format!("{a}={}", normalize(b)))
        .collect::<Vec<_>>()
        .join("&");
    let sig = if legacy {
        sig_07(k, &doc)
    } else {
        sig_b64(k, &doc)
    };
    let body = format!(
        "{doc}&signature={}&address={}",
        query_escape(&sig),
        query_escape(&address(k))
    );
    form_post(server, &format!("/tx/{txid}"), &body)
}

fn accepted(r: &Response) {
    assert!(
        r.status == 302 || r.status == 303,
        "{}: {}",
        r.status,
        r.text()
    );
}

fn tx_json(server: &Server, txid: &str) -> (Value, String) {
    // The client never sends If-None-Match for transactions.
    let r = json_get(server, &format!("/tx/{txid}"), None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.body.ends_with(b"\n"), "Go's encoder ends with a newline");
    let e = etag(&r);
    (r.json(), e)
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        sleep(Duration::from_millis(50));
    }
}

#[test]
fn whole_trade_as_the_07_client() {
    let trusted = key(1);
    let trust = key(2);
    let buyer = key(3);
    let seller = key(4);
    let server = Server::start(&[
        "--trusted-account",
        &address(&trusted),
        "--trust-account",
        &address(&trust),
    ]);

    // BW-HTTP-39, BW-HTTP-40: start-up calls of the client, motd and myip.
    let r = server.get("/motd", &[("User-Agent", UA)]);
    assert_eq!(r.status, 200);
    let motd = r.json();
    assert_eq!(motd["Warning"], false, "{motd}");
    assert!(motd["Text"].is_string());
    assert!(!r.body.ends_with(b"\n"));
    let r = server.get("/myip", &[("User-Agent", UA)]);
    assert_eq!(r.status, 200);
    let my_ip = r.text();
    assert_eq!(my_ip, "127.0.0.1");

    // BW-HTTP-32, BW-HTTP-33: the payment processor deposits mBTC 10.
    let n = nonce(&server);
    let (account, amount, reference, kind, uid) =
        (address(&buyer), "mBTC 10", "ref-1", "1", "deposit-0001");
    let doc = format!(
        "account={}&amount={}&nonce={}&ref={}&type={}&uid={}",
        normalize(&account),
        normalize(amount),
        normalize(&n),
        normalize(reference),
        normalize(kind),
        normalize(uid)
    );
    let body = format!(
        "type={kind}&account={account}&amount={}&nonce={n}&uid={uid}&ref={reference}&signature={}",
        query_escape(amount),
        query_escape(&sig_b64(&trusted, &doc))
    );
    let r = form_post(&server, "/deposit", &body);
    assert_eq!(r.status, 302, "{}", r.text());
    assert_eq!(r.header("location"), Some("/deposit/deposit-0001"));
    let r = json_get(&server, "/deposit/deposit-0001", None);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = json_get(&server, &format!("/account/{account}"), None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["Available"], "mBTC 10");
    // BW-HTTP-26: an untouched account, in 0.7's member order.
    let r = json_get(&server, &format!("/account/{}", address(&key(8))), None);
    assert_eq!(
        r.text(),
        format!(
            "{{\"Participant\":\"{}\",\"LastMovementKey\":null,\"Available\":\"BTC 0\",\"Blocked\":\"BTC 0\",\"DepositInfo\":\"\",\"LastDepositInfo\":\"0001-01-01T00:00:00Z\",\"DepositAddressRequest\":\"\"}}\n",
            address(&key(8))
        )
    );

    // BW-HTTP-27, BW-HTTP-28, BW-HTTP-29, BW-HTTP-30: the client asks for a
    // deposit address (its body: url.Values.Encode of the fields, then the
    // action); the payment processor finds the request and answers it.
    let n = nonce(&server);
    let doc = format!("nonce={n}&participant={account}&signer={account}");
    let body = format!(
        "nonce={n}&participant={account}&signature={}&signer={account}&action=requestdepositaddress",
        query_escape(&sig_b64(&buyer, &doc))
    );
    let r = form_post(&server, &format!("/account/{account}"), &body);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.header("location"),
        Some(format!("/account/{account}").as_str())
    );
    let r = server.get("/query/accounts?requestdepositaddress=yes&limit=10", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), format!("{account}\n"));
    let n = nonce(&server);
    let pay_to = address(&key(9));
    let doc = format!(
        "depositaddress={pay_to}&nonce={n}&participant={account}&reference=addr-1&signer={}",
        address(&trusted)
    );
    let body = format!(
        "{doc}&signature={}&action=storedepositinfo",
        query_escape(&sig_b64(&trusted, &doc))
    );
    let r = form_post(&server, &format!("/account/{account}"), &body);
    assert_eq!(r.status, 303, "{}", r.text());
    let acct = json_get(&server, &format!("/account/{account}"), None).json();
    assert!(
        acct["DepositInfo"].as_str().unwrap().contains(&pay_to),
        "{acct}"
    );
    assert_eq!(acct["DepositAddressRequest"], "");
    let r = server.get("/query/accounts?requestdepositaddress=yes", &[]);
    assert_eq!(r.text(), "");

    // BW-HTTP-34, BW-HTTP-35: the trust account (bitwrk-admin) lets the seller sell ~trusted articles.
    let n = nonce(&server);
    let doc = format!(
        "enabled=true&nonce={n}&source={}&target={}&type=trusts",
        address(&trust),
        address(&seller)
    );
    let body = format!("{doc}&signature={}", query_escape(&sig_b64(&trust, &doc)));
    let r = form_post(&server, "/rel", &body);
    assert_eq!(r.status, 302, "{}", r.text());
    let rel_path = format!("/rel/{}/trusts/{}", address(&trust), address(&seller));
    assert_eq!(r.header("location"), Some(rel_path.as_str()));
    let r = json_get(&server, &rel_path, None);
    assert_eq!(r.status, 200);
    let rel = r.json();
    assert_eq!(rel["Type"], "trusts");
    assert_eq!(rel["Enabled"], true);

    // BW-HTTP-22, BW-HTTP-23, BW-HTTP-14: the buyer bids; the bid rests.
    let article = "net.bitwrk/blender/0/2.79/2G~trusted";
    let buy = place_bid(&server, &buyer, "BUY", article, "mBTC 1.5");
    let r = json_get(&server, &format!("/bid/{buy}"), None);
    assert_eq!(r.status, 200);
    let e = etag(&r);
    assert_eq!(e, "\"sPLACED-c16\"");
    // BW-HTTP-11: Go's member order and escaping.
    assert!(
        r.text().starts_with("{\"Type\":0,\"State\":1,\"Article\":"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("\\u0026type=BUY\\u0026"), "{}", r.text());
    let bid = r.json();
    assert_eq!(bid["Type"], 0);
    assert_eq!(bid["State"], 1);
    assert_eq!(bid["Price"], "mBTC 1.5");
    assert_eq!(bid["Fee"], "uBTC 45");
    assert_eq!(bid["Transaction"], Value::Null);
    // Unchanged: 304 with the ETag, no body.
    let r = json_get(&server, &format!("/bid/{buy}"), Some(&e));
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());

    // The seller's bid matches it.
    let sell = place_bid(&server, &seller, "SELL", article, "mBTC 1");
    let r = json_get(&server, &format!("/bid/{buy}"), Some(&e));
    assert_eq!(
        r.status, 200,
        "the state changed, so the old ETag does not match"
    );
    assert_eq!(etag(&r), "\"sMATCHED-c16\"");
    let bid = r.json();
    assert_eq!(bid["State"], 2);
    let txid = bid["Transaction"]
        .as_str()
        .expect("a transaction id")
        .to_owned();
    let r = json_get(&server, &format!("/bid/{sell}"), None);
    assert_eq!(r.json()["Transaction"], txid.as_str());

    let (tx, e0) = tx_json(&server, &txid);
    assert_eq!(e0, "\"r0-c16\"");
    assert_eq!(tx["Phase"], "ESTABLISHING");
    assert_eq!(tx["State"], 0);
    assert_eq!(tx["Price"], "mBTC 1.5", "the resting bid's price");
    assert_eq!(tx["Buyer"], address(&buyer).as_str());
    assert_eq!(tx["WorkerURL"], Value::Null);

    // BW-HTTP-24, BW-HTTP-25: messages through every phase.
    let work_hash = [7u8; 32];
    let secret = [9u8; 32];
    let work_secret_hash = sha256_concat(&[&work_hash, &secret]);
    let r = send_message(
        &server,
        &buyer,
        &txid,
        &[
            ("workhash", &hex::encode(&work_hash)),
            ("worksecrethash", &hex::encode(work_secret_hash.as_bytes())),
        ],
        false,
    );
    accepted(&r);
    assert_eq!(r.header("location"), Some(format!("/tx/{txid}").as_str()));
    assert_eq!(tx_json(&server, &txid).0["Phase"], "BUYER_ESTABLISHED");

    // Seller establishes with a worker URL on the address /myip reported.
    let worker = format!("http://{my_ip}:8082/0a1b2c3d");
    accepted(&send_message(
        &server,
        &seller,
        &txid,
        &[("workerurl", &worker)],
        false,
    ));
    let (tx, e2) = tx_json(&server, &txid);
    assert_eq!(tx["Phase"], "TRANSMITTING");
    assert_eq!(tx["WorkerURL"], worker.as_str());
    assert_eq!(e2, "\"r2-c16\"");

    // BW-HTTP-41: a worker URL on another host is refused (origin check).
    let r = send_message(
        &server,
        &seller,
        &txid,
        &[("workerurl", "http://10.9.9.9:1/")],
        false,
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.code(), Some("tx.worker-host-mismatch"));

    // Seller publishes the buyer's secret.
    accepted(&send_message(
        &server,
        &seller,
        &txid,
        &[("buyersecret", &hex::encode(&secret))],
        false,
    ));
    assert_eq!(tx_json(&server, &txid).0["Phase"], "WORKING");

    // Seller transmits the result: the buyer's receipt and the key, signed
    // under the 0.7 legacy digest (the document is longer than 252 bytes).
    let enc_hash = hex::encode(&[5u8; 32]);
    let receipt = sign_message(&buyer, enc_hash.as_bytes()).to_base64();
    assert!(Signature::from_base64(&receipt).is_ok());
    let enc_key = hex::encode(&[6u8; 32]);
    let r = send_message(
        &server,
        &seller,
        &txid,
        &[
            ("encresulthash", &enc_hash),
            ("encresulthashsig", &receipt),
            ("encresultkey", &enc_key),
        ],
        true,
    );
    accepted(&r);
    let (tx, _) = tx_json(&server, &txid);
    assert_eq!(tx["Phase"], "UNVERIFIED");
    assert_eq!(tx["ResultDecryptionKey"], enc_key.as_str());
    assert_eq!(tx["EncryptedResultReceipt"]["Hash"], enc_hash.as_str());

    // Buyer accepts: FINISHED, and the transaction retires at once.
    accepted(&send_message(
        &server,
        &buyer,
        &txid,
        &[("acceptresult", "on")],
        false,
    ));
    let (tx, _) = tx_json(&server, &txid);
    assert_eq!(tx["Phase"], "FINISHED");
    wait_for("retirement", || tx_json(&server, &txid).0["State"] == 1);

    // The seller was paid the price; the buyer paid price + fee.
    let r = json_get(&server, &format!("/account/{}", address(&seller)), None);
    assert_eq!(r.json()["Available"], "mBTC 1.5");
    let r = json_get(&server, &format!("/account/{}", address(&buyer)), None);
    let acct = r.json();
    assert_eq!(acct["Available"], "mBTC 8.455");
    assert_eq!(acct["Blocked"], "BTC 0");

    // BW-HTTP-17: a message to a retired transaction is refused with a
    // proper status.
    let r = send_message(&server, &buyer, &txid, &[("acceptresult", "on")], false);
    assert_eq!(r.status, 409, "{}", r.text());

    // BW-HTTP-36, BW-HTTP-37, BW-HTTP-38: the queries see the trade.
    let q = format!("/query/prices?article={}", query_escape(article));
    let r = server.get(&q, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let slots = r.json();
    assert_eq!(slots[0]["count"], 1, "{slots}");
    assert_eq!(slots[0]["sum"], "mBTC 1.5");
    let r = server.get(&format!("{q}&format=flot"), &[]);
    assert!(r.text().contains(", 1.5]"), "{}", r.text());
    let r = server.get("/query/ledger", &[]);
    let movements = r.json();
    assert!(movements.as_array().unwrap().len() >= 3, "{movements}");
    assert_eq!(movements[0]["Type"], "DEPOSIT");
    assert_eq!(movements[0]["DepositKey"], "deposit-0001");
    // BW-HTTP-31: one movement by its key.
    let key0 = movements[0]["Key"].as_str().unwrap().to_owned();
    let r = json_get(&server, &format!("/ledger/{key0}"), None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), movements[0]);
    let r = server.get("/query/accounts", &[]);
    assert!(r.text().contains(&address(&seller)));
    // BW-HTTP-45: the human views link to each other; the transaction page
    // has its message log.
    let r = server.get(&format!("/tx/{txid}"), &[("Accept", "text/html")]);
    assert_eq!(r.status, 200);
    assert_eq!(
        etag(&r),
        format!("\"r{}-c9\"", tx_json(&server, &txid).0["Revision"])
    );
    let page = r.text();
    assert!(page.contains(&format!("href=\"/bid/{buy}\"")), "{page}");
    assert!(page.contains("Accepted messages") && page.contains("acceptresult=on"));
    let page = server
        .get(
            &format!("/account/{}", address(&buyer)),
            &[("Accept", "text/html")],
        )
        .text();
    assert!(page.contains("href=\"/ledger/"), "{page}");
    let page = server
        .get("/prices/net.bitwrk/blender/0/2.79/2G~trusted", &[])
        .text();
    assert!(page.contains("mBTC 1.5"), "{page}");
    // BW-HTTP-45: the page draws the trade as a chart with its count and volume.
    assert!(
        page.contains("<svg") && page.contains("class=\"price-chart\""),
        "{page}"
    );
    assert!(page.contains("1 trade · average mBTC 1.5"), "{page}");

    // BW-HTTP-18, BW-HTTP-44: everything acknowledged is still there after a
    // graceful restart (recovery from the store).
    let server = server.restart(&[
        "--trusted-account",
        &address(&trusted),
        "--trust-account",
        &address(&trust),
    ]);
    let (tx, _) = tx_json(&server, &txid);
    assert_eq!(tx["Phase"], "FINISHED");
    assert_eq!(tx["State"], 1);
    let r = json_get(&server, &format!("/account/{}", address(&seller)), None);
    assert_eq!(r.json()["Available"], "mBTC 1.5");
    // BW-HTTP-44: SIGTERM stops the server cleanly (exit status 0).
    assert!(server.terminate(), "the server exits 0 on SIGTERM");
}

/// The deposit-address protocol is verified in the server's one mode
/// (0.7-compatible, BW-SIG-13), like bids and messages: deposit information
/// the payment processor signed under the 0.7 legacy digest (a long
/// reference makes the document long enough for the digests to differ) is
/// accepted, and again when the log is replayed after a restart.
/// BW-HTTP-29, BW-SIG-13, BW-SIG-15
#[test]
fn deposit_info_signed_with_the_07_digest() {
    let trusted = key(1);
    let participant = key(5);
    let flags = ["--trusted-account".to_owned(), address(&trusted)];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = Server::start(&flags);
    let (p, t) = (address(&participant), address(&trusted));
    let n = nonce(&server);
    let doc = format!("nonce={n}&participant={p}&signer={p}");
    let body = format!(
        "action=requestdepositaddress&nonce={n}&participant={p}&signer={p}&signature={}",
        query_escape(&sig_b64(&participant, &doc))
    );
    let r = form_post(&server, &format!("/account/{p}"), &body);
    assert_eq!(r.status, 303, "{}", r.text());
    let n = nonce(&server);
    let deposit = address(&key(6));
    let reference = format!("invoice-{}", "7".repeat(120));
    let doc = format!(
        "depositaddress={deposit}&nonce={n}&participant={p}&reference={reference}&signer={t}"
    );
    let body = format!(
        "action=storedepositinfo&depositaddress={deposit}&nonce={n}&participant={p}\
         &reference={reference}&signer={t}&signature={}",
        query_escape(&sig_07(&trusted, &doc))
    );
    let r = form_post(&server, &format!("/account/{p}"), &body);
    assert_eq!(r.status, 303, "{}", r.text());
    let check = |server: &Server| {
        let a = json_get(server, &format!("/account/{p}"), None).json();
        let info = a["DepositInfo"].as_str().unwrap_or_default().to_owned();
        assert!(
            info.starts_with(&format!("depositaddress={deposit}&")),
            "{a}"
        );
        assert!(info.contains(&reference), "{a}");
        assert_eq!(a["DepositAddressRequest"], "", "{a}");
    };
    check(&server);
    let server = server.restart(&flags);
    check(&server);
}

//! Crash safety (issue 8 item 4): the real `bitwrk-server` is killed with
//! SIGKILL at pseudo-random moments under concurrent load, 20 times. After
//! each restart every acknowledged bid, transaction message, deposit and
//! relation is there; at the end the log and the history tables agree
//! (nothing half-applied), the recovered ledger's invariants hold, and bid
//! expiry still fires after the restarts. Bounded: 20 rounds of at most
//! ~0.6 s of load each.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use bitwrk_protocol::address::Network;
use bitwrk_protocol::document::{normalize, query_escape};
use bitwrk_protocol::encoding::hex;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::Event;
use bitwrk_protocol::signature::sign_message;
use clap::Parser;
use ref_server::config::Args;
use ref_server::store::recovery::recover;
use ref_server::store::{SqliteStore, Store};
use serde_json::Value;
use support::Server;

const ROUNDS: u64 = 20;
const CLIENTS: u8 = 4;
const ARTICLE: &str = "net.bitwrk/blender/0/2.79/2G";
const BID_LIFETIME_SECS: u64 = 3;

fn key(byte: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[byte; 32], true, Network::Mainnet).unwrap()
}

fn address(k: &PrivateKey) -> String {
    k.public_key().address(Network::Mainnet).to_string()
}

fn sig(k: &PrivateKey, doc: &str) -> String {
    query_escape(&sign_message(k, doc.as_bytes()).to_base64())
}

/// A response: status, headers (lower-case names), body.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// One request on its own connection; any I/O failure (the server was
/// killed) is an `Err`, never a panic.
fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n"
    );
    if method == "POST" {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let bad = || std::io::Error::other("truncated response");
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(bad)?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(bad)?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Resp {
        status,
        headers,
        body: body.to_owned(),
    })
}

fn nonce(addr: SocketAddr) -> std::io::Result<String> {
    let r = request(addr, "GET", "/nonce", "")?;
    if r.status != 200 {
        return Err(std::io::Error::other(format!("nonce: {}", r.status)));
    }
    Ok(r.body.trim().to_owned())
}

/// What the server acknowledged.
#[derive(Default, Debug)]
struct Acked {
    bids: Vec<String>,
    deposits: Vec<String>,
    relations: Vec<String>,
    /// Transactions whose buyer's work-hash message was acknowledged.
    messages: Vec<String>,
}

struct Keys {
    trusted: PrivateKey,
    trust: PrivateKey,
    buyers: Vec<PrivateKey>,
    sellers: Vec<PrivateKey>,
}

fn keys() -> Keys {
    Keys {
        trusted: key(1),
        trust: key(2),
        buyers: (0..CLIENTS).map(|c| key(10 + c)).collect(),
        sellers: (0..CLIENTS).map(|c| key(50 + c)).collect(),
    }
}

/// One client's load until `stop` or the first I/O error: deposits, buy
/// and sell bids that cross, the buyer's first message of each trade, and
/// relations. Records each acknowledged write.
fn client(
    addr: SocketAddr,
    k: &Keys,
    c: usize,
    round: u64,
    stop: &AtomicBool,
    acked: &Mutex<Acked>,
) {
    let run = || -> std::io::Result<()> {
        let (buyer, seller) = (&k.buyers[c], &k.sellers[c]);
        for i in 0u64.. {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            match i % 4 {
                0 => {
                    let uid = format!("deposit-r{round}-c{c}-i{i}");
                    let n = nonce(addr)?;
                    let (acct, amount) = (address(buyer), "mBTC 1");
                    let doc = format!(
                        "account={acct}&amount={}&nonce={n}&ref=&type=1&uid={uid}",
                        normalize(amount)
                    );
                    let body = format!(
                        "type=1&account={acct}&amount={}&nonce={n}&uid={uid}&ref=&signature={}",
                        query_escape(amount),
                        sig(&k.trusted, &doc)
                    );
                    let r = request(addr, "POST", "/deposit", &body)?;
                    if r.status == 302 {
                        acked.lock().unwrap().deposits.push(uid);
                    }
                }
                1 | 2 => {
                    let (who, kind) = if i % 4 == 1 {
                        (buyer, "BUY")
                    } else {
                        (seller, "SELL")
                    };
                    let n = nonce(addr)?;
                    let doc = format!(
                        "article={}&type={kind}&price={}&address={}&nonce={n}",
                        query_escape(ARTICLE),
                        normalize("mBTC 0.01"),
                        address(who)
                    );
                    let body = format!("{doc}&signature={}", sig(who, &doc));
                    let r = request(addr, "POST", "/bid", &body)?;
                    if r.status == 303
                        && let Some(id) = r.header("x-bid-key")
                    {
                        let id = id.to_owned();
                        acked.lock().unwrap().bids.push(id.clone());
                        if kind == "SELL" {
                            first_message(addr, k, &id, acked)?;
                        }
                    }
                }
                _ => {
                    let n = nonce(addr)?;
                    let enabled = if i % 8 == 3 { "true" } else { "false" };
                    let (src, dst) = (address(&k.trust), address(seller));
                    let doc = format!(
                        "enabled={enabled}&nonce={n}&source={src}&target={dst}&type=trusts"
                    );
                    let body = format!("{doc}&signature={}", sig(&k.trust, &doc));
                    let r = request(addr, "POST", "/rel", &body)?;
                    if r.status == 302 {
                        acked
                            .lock()
                            .unwrap()
                            .relations
                            .push(format!("{src}/trusts/{dst}"));
                    }
                }
            }
        }
        Ok(())
    };
    let _ = run();
}

/// If the sell bid matched, the buyer sends its work hashes.
fn first_message(
    addr: SocketAddr,
    k: &Keys,
    bid: &str,
    acked: &Mutex<Acked>,
) -> std::io::Result<()> {
    let r = request(addr, "GET", &format!("/bid/{bid}"), "")?;
    let Some(tx) = r.json().and_then(|b| match &b["Transaction"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }) else {
        return Ok(());
    };
    let r = request(addr, "GET", &format!("/tx/{tx}"), "")?;
    let Some(buyer) = r
        .json()
        .and_then(|t| t["Buyer"].as_str().map(str::to_owned))
    else {
        return Ok(());
    };
    let Some(bk) = k.buyers.iter().find(|b| address(b) == buyer) else {
        return Ok(());
    };
    let work = "11".repeat(32);
    let wsh = "22".repeat(32);
    let doc = format!("txid={tx}&workhash={work}&worksecrethash={wsh}");
    let body = format!("{doc}&signature={}&address={}", sig(bk, &doc), buyer);
    let r = request(addr, "POST", &format!("/tx/{tx}"), &body)?;
    if r.status == 302 || r.status == 303 {
        acked.lock().unwrap().messages.push(tx);
    }
    Ok(())
}

fn flags(k: &Keys) -> Vec<String> {
    vec![
        "--trusted-account".into(),
        address(&k.trusted),
        "--trust-account".into(),
        address(&k.trust),
        "--bid-lifetime-secs".into(),
        BID_LIFETIME_SECS.to_string(),
    ]
}

/// Every acknowledged write is readable from the (restarted) server.
fn check_acked(addr: SocketAddr, acked: &Acked) {
    for id in &acked.bids {
        let r = request(addr, "GET", &format!("/bid/{id}"), "").unwrap();
        assert_eq!(r.status, 200, "acknowledged bid {id} lost: {}", r.body);
    }
    for uid in &acked.deposits {
        let r = request(addr, "GET", &format!("/deposit/{uid}"), "").unwrap();
        assert_eq!(r.status, 200, "acknowledged deposit {uid} lost: {}", r.body);
    }
    for key in &acked.relations {
        let r = request(addr, "GET", &format!("/rel/{key}"), "").unwrap();
        assert_eq!(
            r.status, 200,
            "acknowledged relation {key} lost: {}",
            r.body
        );
    }
    for tx in &acked.messages {
        let r = request(addr, "GET", &format!("/tx/{tx}"), "").unwrap();
        let t = r.json().unwrap_or_else(|| panic!("tx {tx}: {}", r.body));
        assert!(
            t["WorkHash"].is_string(),
            "acknowledged message to tx {tx} lost: {t}"
        );
    }
}

#[test]
fn kill_9_under_load_loses_nothing_acknowledged() {
    let k = Arc::new(keys());
    let flags = flags(&k);
    let flag_refs: Vec<&str> = flags.iter().map(String::as_str).collect();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut server = Server::start(&flag_refs);
    // A fixed pseudo-random schedule of kill moments (100–600 ms of load).
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut kills = 0;
    for round in 0..ROUNDS {
        let addr = server.addr;
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..CLIENTS as usize)
            .map(|c| {
                let (k, stop, acked) = (k.clone(), stop.clone(), acked.clone());
                thread::spawn(move || client(addr, &k, c, round, &stop, &acked))
            })
            .collect();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        thread::sleep(Duration::from_millis(100 + rng % 500));
        let (dir, db) = server.kill_hard();
        kills += 1;
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        server = Server::start_with_db(dir, db, &flag_refs);
        check_acked(server.addr, &acked.lock().unwrap());
    }
    let acked = acked.lock().unwrap();
    eprintln!(
        "crash test: {kills} kills; acknowledged and found: {} bids, {} deposits, {} relations, {} messages",
        acked.bids.len(),
        acked.deposits.len(),
        acked.relations.len(),
        acked.messages.len()
    );
    assert!(acked.bids.len() as u64 >= ROUNDS, "the load did too little");
    assert!(acked.deposits.len() as u64 >= ROUNDS && acked.relations.len() as u64 >= ROUNDS);
    assert!(!acked.messages.is_empty(), "no trade got its first message");

    // Timeouts still fire after the restarts: every acknowledged bid is
    // matched or expired once its lifetime is over.
    thread::sleep(Duration::from_secs(BID_LIFETIME_SECS + 1));
    for id in &acked.bids {
        let r = request(server.addr, "GET", &format!("/bid/{id}"), "").unwrap();
        let state = r.json().unwrap()["State"].as_u64();
        assert!(
            matches!(state, Some(2 | 3)),
            "bid {id} neither matched nor expired after its lifetime: {}",
            r.body
        );
    }

    // The log and the history tables agree, and the ledger is sound.
    let (_dir, db) = server.kill_hard();
    let store = SqliteStore::open(&db).unwrap();
    let mut bids = 0u64;
    let mut deposit_uids = std::collections::BTreeSet::new();
    // BW-HTTP-19: after every kill, each input's nonce was issued by an
    // event earlier in the durable log.
    let mut issued = std::collections::BTreeSet::new();
    let field = |form: &[(String, String)], name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    store
        .events_after(0, &mut |e| {
            let spent = match &e.event {
                Event::NonceIssued { random, .. } => {
                    issued.insert(hex::encode(random));
                    None
                }
                Event::BidPlaced { form, .. } => {
                    bids += 1;
                    Some(form.nonce.clone())
                }
                Event::Deposit { form, .. } => {
                    deposit_uids.insert(field(form, "uid"));
                    Some(field(form, "nonce"))
                }
                Event::Relation { form, .. } => Some(field(form, "nonce")),
                _ => None,
            };
            if let Some(nonce) = spent {
                assert!(
                    issued.contains(&nonce),
                    "event {} spends nonce {nonce:?}, not issued before it in the log",
                    e.seq
                );
            }
            Ok(())
        })
        .unwrap();
    for id in 0..bids {
        assert!(
            store.bid(id).unwrap().is_some(),
            "bid {id} logged without its record"
        );
    }
    assert!(
        store.bid(bids).unwrap().is_none(),
        "a bid record without its event"
    );
    for uid in &deposit_uids {
        assert!(
            store.deposit(uid).unwrap().is_some(),
            "deposit {uid} logged without its record"
        );
    }
    let args = Args::try_parse_from(
        ["bitwrk-server".to_owned()]
            .into_iter()
            .chain(flags.iter().cloned()),
    )
    .unwrap();
    let recovered = recover(&store, args.market_config().unwrap()).unwrap();
    recovered.market.ledger().check_invariants().unwrap();
}

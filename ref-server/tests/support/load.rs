//! The load of the fault tests (crash.rs, cluster.rs): clients that place
//! deposits, crossing bids, first transaction messages and relations over
//! raw HTTP/1.1, and remember what the server acknowledged.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use bitwrk_protocol::address::Network;
use bitwrk_protocol::document::{normalize, query_escape};
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::Event;
use bitwrk_protocol::signature::sign_message;
use clap::Parser;
use ref_server::config::Args;
use ref_server::store::Store;
use ref_server::store::recovery::recover;
use serde_json::Value;

/// Clients of the load.
pub const CLIENTS: u8 = 4;
/// The article traded.
pub const ARTICLE: &str = "net.bitwrk/blender/0/2.79/2G";
/// Bid lifetime given to the server.
pub const BID_LIFETIME_SECS: u64 = 3;

pub fn key(byte: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[byte; 32], true, Network::Mainnet).unwrap()
}

pub fn address(k: &PrivateKey) -> String {
    k.public_key().address(Network::Mainnet).to_string()
}

pub fn sig(k: &PrivateKey, doc: &str) -> String {
    query_escape(&sign_message(k, doc.as_bytes()).to_base64())
}

/// A response: status, headers (lower-case names), body.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// One request on its own connection; any I/O failure (the server was
/// killed) is an `Err`, never a panic.
pub fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> std::io::Result<Resp> {
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

pub fn nonce(addr: SocketAddr) -> std::io::Result<String> {
    let r = request(addr, "GET", "/nonce", "")?;
    if r.status != 200 {
        return Err(std::io::Error::other(format!("nonce: {}", r.status)));
    }
    Ok(r.body.trim().to_owned())
}

/// What the server acknowledged.
#[derive(Default, Debug)]
pub struct Acked {
    pub bids: Vec<String>,
    pub deposits: Vec<String>,
    pub relations: Vec<String>,
    /// Transactions whose buyer's work-hash message was acknowledged.
    pub messages: Vec<String>,
}

pub struct Keys {
    pub trusted: PrivateKey,
    pub trust: PrivateKey,
    pub buyers: Vec<PrivateKey>,
    pub sellers: Vec<PrivateKey>,
}

pub fn keys() -> Keys {
    Keys {
        trusted: key(1),
        trust: key(2),
        buyers: (0..CLIENTS).map(|c| key(10 + c)).collect(),
        sellers: (0..CLIENTS).map(|c| key(50 + c)).collect(),
    }
}

/// One client's load until `stop`: deposits, buy and sell bids that
/// cross, the buyer's first message of each trade, and relations, sent to
/// `addrs` in turn, moving on to the next address after an I/O error (the
/// server there was killed). Records each acknowledged write.
pub fn client(
    addrs: &[SocketAddr],
    k: &Keys,
    c: usize,
    round: u64,
    stop: &AtomicBool,
    acked: &Mutex<Acked>,
) {
    let mut turn = c;
    while !stop.load(Ordering::Relaxed) {
        let addr = addrs[turn % addrs.len()];
        if client_on(addr, k, c, round, turn as u64, stop, acked).is_err() {
            thread::sleep(Duration::from_millis(10));
        }
        turn += 1;
    }
}

/// [`client`]'s load on one address until `stop` or an I/O error (`try_`
/// keeps the uids of successive attempts apart).
fn client_on(
    addr: SocketAddr,
    k: &Keys,
    c: usize,
    round: u64,
    try_: u64,
    stop: &AtomicBool,
    acked: &Mutex<Acked>,
) -> std::io::Result<()> {
    {
        let (buyer, seller) = (&k.buyers[c], &k.sellers[c]);
        for i in 0u64.. {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            match i % 4 {
                0 => {
                    let uid = format!("deposit-r{round}-c{c}-t{try_}-i{i}");
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
    }
}

/// If the sell bid matched, the buyer sends its work hashes.
pub fn first_message(
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

pub fn flags(k: &Keys) -> Vec<String> {
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
pub fn check_acked(addr: SocketAddr, acked: &Acked) {
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

/// The log and the history tables agree (every logged bid and deposit has
/// its record, no record lacks its event), and the ledger recovered from
/// the log keeps its invariants (money is conserved).
pub fn check_log_and_ledger(store: &dyn Store, flags: &[String]) {
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
                    issued.insert(bitwrk_protocol::encoding::hex::encode(random));
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
    let recovered = recover(store, args.market_config().unwrap()).unwrap();
    recovered.market.ledger().check_invariants().unwrap();
}

//! A market for end-to-end tests: the reference server, a selling and a
//! buying client daemon, mandates, and what the server says about
//! transactions and accounts (its public JSON).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::worker::fund;
use super::{Client, Resp, free_port, get, post_form, request};

/// The loopback address of a server URL `http://127.0.0.1:<port>/`.
pub fn server_addr(url: &str) -> SocketAddr {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("server address")
}

/// `GET <path>` on the server with `Accept: application/json`.
pub fn server_get(url: &str, path: &str) -> Resp {
    request(
        server_addr(url),
        "GET",
        path,
        &[("Accept", "application/json")],
        b"",
    )
}

/// The server's JSON of `path`, which must answer 200.
pub fn server_json(url: &str, path: &str) -> Value {
    let r = server_get(url, path);
    assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    r.json()
}

/// Moves the server's test clock forward by `ms` (the server handles the
/// timeouts due before it answers).
pub fn advance(url: &str, ms: u64) {
    let r = post_form(server_addr(url), "/_test/clock", &format!("advance={ms}"));
    assert_eq!(r.status, 200, "advancing the clock: {}", r.text());
}

/// The account's `(Available, Blocked)` as the server shows them.
pub fn balances(url: &str, address: &str) -> (String, String) {
    let a = server_json(url, &format!("/account/{address}"));
    (
        a["Available"].as_str().unwrap_or_default().to_owned(),
        a["Blocked"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Polls `f` every 50 ms until it gives a value; panics with `what`
/// after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The client's activities of type `kind` (`BUY` or `SELL`).
pub fn activities(client: SocketAddr, kind: &str) -> Vec<Value> {
    let acts = get(client, "/activities").json();
    acts.as_array()
        .expect("activities are an array")
        .iter()
        .filter(|a| a["Info"]["Type"] == kind)
        .cloned()
        .collect()
}

/// The client's latest buy.
pub fn last_buy(client: SocketAddr) -> Value {
    activities(client, "BUY")
        .into_iter()
        .max_by_key(|a| a["Key"].as_u64().unwrap_or(0))
        .expect("a buy")
}

/// Buys `work` from `buyer` (price 1 mBTC), checks that the result is the
/// test worker's transform of it and returns the buy's record.
pub fn buy_checked(buyer: SocketAddr, article: &str, work: &[u8]) -> Value {
    let r = request(
        buyer,
        "POST",
        &format!("/buy/{article}?price=mBTC%201"),
        &[],
        work,
    );
    assert_eq!(r.status, 303, "buy failed: {}", r.text());
    let location = r.header("Location").expect("Location").to_owned();
    let file = get(buyer, &location);
    assert_eq!(file.status, 200);
    assert!(
        file.body == super::worker::transform(work),
        "the buyer got the worker's result"
    );
    last_buy(buyer)
}

/// The transaction id of the client's first activity of `kind`, once it
/// has one.
pub fn tx_of(client: SocketAddr, kind: &str) -> String {
    wait_for(
        &format!("a {kind} with a transaction"),
        Duration::from_secs(30),
        || {
            activities(client, kind).iter().find_map(|a| {
                a["Info"]["TxId"]
                    .as_str()
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
            })
        },
    )
}

/// The transaction `id` on the server.
pub fn tx(url: &str, id: &str) -> Value {
    server_json(url, &format!("/tx/{id}"))
}

/// Waits until transaction `id` shows `phase` (and, with `retired`, state
/// 1); returns it.
pub fn wait_tx(url: &str, id: &str, phase: &str, retired: bool) -> Value {
    wait_for(
        &format!("transaction {id} in {phase} (retired: {retired})"),
        Duration::from_secs(30),
        || {
            let t = tx(url, id);
            (t["Phase"] == phase && (t["State"] == 1) == retired).then_some(t)
        },
    )
}

/// Grants a mandate through the client's page form (with its token).
pub fn grant(client: SocketAddr, kind: &str, article: &str, price: &str) {
    let permit = format!(
        "action=permit&type={kind}&articleid={}&price={}&usetradesleft=on&tradesleft=20&validminutes=30&csrf={}",
        bitwrk_protocol::document::query_escape(article),
        bitwrk_protocol::document::query_escape(price),
        super::ui_token(client)
    );
    let r = post_form(client, "/", &permit);
    assert_eq!(r.status, 303, "granting a mandate: {}", r.text());
}

/// Flags of a client that sells to others on loopback (external port).
pub fn seller_flags(ext: &str) -> [&str; 6] {
    [
        "-extport",
        ext,
        "-extaddr",
        "127.0.0.1",
        "-extiface",
        "127.0.0.1",
    ]
}

/// A client that sells to others: an external port on loopback.
pub fn start_seller(home: &Path, server_url: &str) -> (Client, u16) {
    let ext = free_port();
    let text = ext.to_string();
    (Client::start(home, server_url, &seller_flags(&text)), ext)
}

/// A server with a funded buying client and a selling client (homes kept
/// alive by the struct).
pub struct Market {
    pub srv: conformance::target::InProcess,
    pub buyer_home: tempfile::TempDir,
    pub seller_home: tempfile::TempDir,
    pub buyer: Client,
    pub seller: Client,
    /// The seller's external port.
    pub ext: u16,
}

impl Market {
    /// Starts the server and both clients; the buyer gets `mBTC 10`.
    pub fn start() -> Market {
        Market::start_proxied(None).0
    }

    /// [`Market::start`], the buyer reaching the server through a
    /// [`Proxy`] with `rules` when given.
    pub fn start_proxied(rules: Option<ProxyRules>) -> (Market, Option<Proxy>) {
        let srv = conformance::target::start_reference(&[]).expect("reference server");
        let buyer_home = tempfile::tempdir().expect("home");
        let seller_home = tempfile::tempdir().expect("home");
        let proxy = rules.map(|r| proxy(&srv.url, r));
        let buyer_url = proxy.as_ref().map_or(srv.url.as_str(), |p| p.url.as_str());
        let buyer = Client::start(buyer_home.path(), buyer_url, &[]);
        let (seller, ext) = start_seller(seller_home.path(), &srv.url);
        fund(&srv.url, &buyer.address);
        let m = Market {
            srv,
            buyer_home,
            seller_home,
            buyer,
            seller,
            ext,
        };
        (m, proxy)
    }

    /// The buyer's and the seller's balances.
    pub fn balances(&self) -> ((String, String), (String, String)) {
        (
            balances(&self.srv.url, &self.buyer.address),
            balances(&self.srv.url, &self.seller.address),
        )
    }
}

/// The balances after a trade at `mBTC 1` (fee 3 %) from `mBTC 10`:
/// the seller paid.
pub const PAID: ((&str, &str), (&str, &str)) = (("mBTC 8.97", "BTC 0"), ("mBTC 1", "BTC 0"));

/// The balances when the buyer was refunded.
pub const REFUNDED: ((&str, &str), (&str, &str)) = (("mBTC 10", "BTC 0"), ("BTC 0", "BTC 0"));

/// Compares balances with one of [`PAID`] and [`REFUNDED`].
pub fn assert_balances(
    got: ((String, String), (String, String)),
    want: ((&str, &str), (&str, &str)),
    what: &str,
) {
    let got_ref = (
        (got.0.0.as_str(), got.0.1.as_str()),
        (got.1.0.as_str(), got.1.1.as_str()),
    );
    assert_eq!(got_ref, want, "balances (buyer, seller) {what}");
}

/// What a [`Proxy`] does besides forwarding.
#[derive(Default, Clone, Copy)]
pub struct ProxyRules {
    /// A request whose body contains this is answered by closing the
    /// connection (a lost answer).
    pub drop: Option<&'static str>,
    /// Once a request whose body contains this was forwarded, later
    /// requests wait until [`Proxy::release`].
    pub hold_after: Option<&'static str>,
}

/// A loopback proxy in front of the server (for one client's requests).
pub struct Proxy {
    /// `http://127.0.0.1:<port>/`.
    pub url: String,
    /// A message per dropped request.
    pub dropped: std::sync::mpsc::Receiver<()>,
    /// A message when the hold begins.
    pub holding: std::sync::mpsc::Receiver<()>,
    gate: std::sync::Arc<(std::sync::Mutex<Gate>, std::sync::Condvar)>,
}

#[derive(Default)]
struct Gate {
    closed: bool,
    released: bool,
}

impl Proxy {
    /// Ends the hold: waiting and later requests are forwarded.
    pub fn release(&self) {
        let (lock, cv) = &*self.gate;
        let mut g = lock.lock().unwrap_or_else(|p| p.into_inner());
        g.released = true;
        cv.notify_all();
    }
}

/// A request the proxy forwards.
struct Forwarded {
    method: String,
    target: String,
    /// Without `Host`, `Connection` and `Content-Length`.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads one request.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<Forwarded> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
        if k.eq_ignore_ascii_case("content-length") {
            len = v.parse().ok()?;
        } else if !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("connection") {
            headers.push((k, v));
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Forwarded {
        method,
        target,
        headers,
        body,
    })
}

/// Writes `resp` as an answer with a `Content-Length`.
fn write_response(mut w: TcpStream, resp: &Resp) {
    let mut out = format!("HTTP/1.1 {} X\r\n", resp.status);
    for (k, v) in &resp.headers {
        let skip = ["content-length", "transfer-encoding", "connection"];
        if !skip.iter().any(|s| k.eq_ignore_ascii_case(s)) {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp.body.len()
    ));
    let _ = w.write_all(out.as_bytes());
    let _ = w.write_all(&resp.body);
}

/// Starts a [`Proxy`] in front of the server at `server_url`.
pub fn proxy(server_url: &str, rules: ProxyRules) -> Proxy {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("proxy listens");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let upstream = server_addr(server_url);
    let (drop_tx, dropped) = std::sync::mpsc::channel();
    let (hold_tx, holding) = std::sync::mpsc::channel();
    let gate = std::sync::Arc::new((
        std::sync::Mutex::new(Gate::default()),
        std::sync::Condvar::new(),
    ));
    let shared = gate.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (drop_tx, hold_tx, gate) = (drop_tx.clone(), hold_tx.clone(), shared.clone());
            std::thread::spawn(move || {
                let Ok(read_half) = stream.try_clone() else {
                    return;
                };
                let Some(Forwarded {
                    method,
                    target,
                    headers,
                    body,
                }) = read_request(&mut BufReader::new(read_half))
                else {
                    return;
                };
                {
                    let (lock, cv) = &*gate;
                    let mut g = lock.lock().unwrap_or_else(|p| p.into_inner());
                    while g.closed && !g.released {
                        g = cv.wait(g).unwrap_or_else(|p| p.into_inner());
                    }
                }
                let text = String::from_utf8_lossy(&body).into_owned();
                if rules.drop.is_some_and(|d| text.contains(d)) {
                    let _ = drop_tx.send(());
                    return;
                }
                let hs: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let resp = request(upstream, &method, &target, &hs, &body);
                if rules.hold_after.is_some_and(|h| text.contains(h)) {
                    let (lock, _) = &*gate;
                    let mut g = lock.lock().unwrap_or_else(|p| p.into_inner());
                    if !g.closed {
                        g.closed = true;
                        let _ = hold_tx.send(());
                    }
                }
                write_response(stream, &resp);
            });
        }
    });
    Proxy {
        url,
        dropped,
        holding,
        gate,
    }
}

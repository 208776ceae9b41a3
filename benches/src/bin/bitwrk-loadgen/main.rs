//! `bitwrk-loadgen`: drives a BitWrk server over real HTTP on loopback.
//!
//! Every bid fetches its own nonce (`GET /nonce`) and is signed by one of
//! `--keys` distinct keys (few keys: the server's key cache helps; many
//! keys: every verification recovers a public key). Modes:
//!
//! * `bids`  — SELL bids that never cross: accepted (durably committed)
//!   bids per second and latency;
//! * `cross` — half the clients BUY (funded first by deposits signed with
//!   the server's trusted key), half SELL at the same price: trades/s;
//! * `mixed` — nonces, buys, sells, bid and account reads, motd, prices:
//!   every answer must be the expected one, and at the end the money of all
//!   accounts must equal the money deposited (no trade finishes during a
//!   run, so nothing leaves the accounts). Exits 1 on any unexpected answer
//!   or a conservation failure: usable as a test.
//!
//! With `--rate` the clients are paced (open loop, in total `rate` bids per
//! second); latency is measured from the scheduled start of an operation.
//! With `--server-pid` the server's CPU time (user + system, from
//! `/proc/<pid>/stat`) is divided by the accepted bids and compared with the
//! cost of one k256 signature verification measured in this process.
//!
//! Bounded by construction: `--clients` × `--requests` operations, and a
//! `--max-seconds` deadline after which it stops and reports.

mod http;

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::ledger::deposit::SignedDeposit;
use bitwrk_protocol::signature::{sign_message, verify_message};
use bitwrk_protocol::{Address, KeyPair, Network, PrivateKey};
use clap::{Parser, ValueEnum};
use hyper::{Method, StatusCode};

use crate::http::{Conn, Reply};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Bids,
    Cross,
    Mixed,
    /// Reads only: each operation is `GET /account/<address>` (for read
    /// throughput, e.g. through each node of a cluster).
    Reads,
}

#[derive(Debug, Parser)]
#[command(
    name = "bitwrk-loadgen",
    about = "Load generator for a BitWrk server (loopback only)"
)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080/ (loopback addresses only).
    #[arg(long, default_value = "http://127.0.0.1:8080/")]
    server: String,
    /// What to send.
    #[arg(long, value_enum, default_value = "bids")]
    mode: Mode,
    /// Concurrent clients, each with its own keep-alive connection.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Operations per client.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Distinct signing keys (bids are signed round-robin).
    #[arg(long, default_value_t = 1000)]
    keys: usize,
    /// Pace all clients together to this many operations per second (open loop).
    #[arg(long)]
    rate: Option<f64>,
    /// WIF of the server's trusted account (needed to fund buyers in `cross` and `mixed`).
    #[arg(long)]
    trusted_wif: Option<String>,
    /// The article to trade.
    #[arg(long, default_value = "fnord")]
    article: String,
    /// Process id of the server, to measure its CPU time per bid.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Stop after this many seconds whatever is left.
    #[arg(long, default_value_t = 120)]
    max_seconds: u64,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Shared counters and latency samples.
#[derive(Debug, Default)]
struct Stats {
    ok: AtomicU64,
    unexpected: AtomicU64,
    bids: AtomicU64,
    deposited_units: AtomicU64,
}

#[derive(Debug)]
struct ClientResult {
    latencies_us: Vec<u64>,
    placed: Vec<(String, BidType)>,
    errors: Vec<String>,
}

fn key(i: usize) -> KeyPair {
    let mut n = i as u64;
    loop {
        let seed = sha256(format!("bitwrk-loadgen key {n}").as_bytes());
        if let Ok(k) = PrivateKey::from_secret_bytes(&seed.to_byte_array(), true, Network::Mainnet)
        {
            return KeyPair::new(k);
        }
        n += 1 << 32;
    }
}

fn server_addr(url: &str) -> Result<SocketAddr, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--server must be an http:// URL, got {url:?}"))?;
    let hostport = rest.split('/').next().unwrap_or("");
    let addr = hostport
        .to_socket_addrs()
        .map_err(|e| format!("--server {url:?}: {e}"))?
        .next()
        .ok_or_else(|| format!("--server {url:?}: no address"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("refusing non-loopback target {addr}"));
    }
    Ok(addr)
}

async fn nonce(conn: &mut Conn) -> Result<String, String> {
    let r = conn.request(Method::GET, "/nonce", None).await?;
    if r.status != StatusCode::OK {
        return Err(format!("/nonce: {} {}", r.status, r.text()));
    }
    Ok(r.text().trim().to_owned())
}

/// Places one bid; returns its id.
async fn place_bid(
    conn: &mut Conn,
    key: &KeyPair,
    side: BidType,
    article: &str,
    price: &str,
) -> Result<String, String> {
    let nonce = nonce(conn).await?;
    let form = BidForm::signed(key.private_key(), side, article, price, &nonce);
    let pairs = [
        ("type", form.bid_type.as_str()),
        ("article", form.article.as_str()),
        ("price", form.price.as_str()),
        ("address", form.address.as_str()),
        ("nonce", form.nonce.as_str()),
        ("signature", form.signature.as_str()),
    ];
    let r = conn.request(Method::POST, "/bid", Some(&pairs)).await?;
    let id = r.header("x-bid-key").to_owned();
    if r.status != StatusCode::SEE_OTHER || id.is_empty() {
        return Err(format!("POST /bid: {} {}", r.status, r.text()));
    }
    Ok(id)
}

/// Deposits `amount` (e.g. `BTC 1000`) into `account`, signed by the trusted key.
async fn deposit(
    conn: &mut Conn,
    trusted: &KeyPair,
    account: &Address,
    amount: &str,
    uid: &str,
) -> Result<(), String> {
    let nonce = nonce(conn).await?;
    let account = account.to_string();
    let mut fields: Vec<(String, String)> = [
        ("type", "0"),
        ("account", account.as_str()),
        ("amount", amount),
        ("nonce", nonce.as_str()),
        ("uid", uid),
        ("ref", "loadgen"),
        ("signature", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let document = SignedDeposit::from_form(&fields)
        .map_err(|e| format!("deposit form: {e:?}"))?
        .document();
    let signature = sign_message(trusted.private_key(), document.as_bytes()).to_base64();
    fields.last_mut().expect("signature field").1 = signature;
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = conn.request(Method::POST, "/deposit", Some(&pairs)).await?;
    if !r.status.is_redirection() {
        return Err(format!("POST /deposit: {} {}", r.status, r.text()));
    }
    Ok(())
}

async fn get_json(conn: &mut Conn, path: &str) -> Result<serde_json::Value, String> {
    let r: Reply = conn.request(Method::GET, path, None).await?;
    if r.status != StatusCode::OK {
        return Err(format!("GET {path}: {} {}", r.status, r.text()));
    }
    serde_json::from_slice(&r.body).map_err(|e| format!("GET {path}: not JSON: {e}"))
}

/// Smallest units of a money string such as `mBTC 1.5`.
fn units(money: &serde_json::Value) -> Result<i64, String> {
    let text = money.as_str().ok_or("money is not a string")?;
    bitwrk_protocol::Money::parse(text)
        .map(|m| m.amount())
        .map_err(|e| format!("money {text:?}: {e:?}"))
}

/// Which side client `c` trades in mode `mode` at its `n`-th operation.
fn side_of(mode: Mode, c: usize, n: usize) -> BidType {
    match mode {
        Mode::Bids | Mode::Reads => BidType::Sell,
        Mode::Cross => {
            if c.is_multiple_of(2) {
                BidType::Buy
            } else {
                BidType::Sell
            }
        }
        Mode::Mixed => {
            if (c + n).is_multiple_of(2) {
                BidType::Buy
            } else {
                BidType::Sell
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_client(
    c: usize,
    addr: SocketAddr,
    args: Arc<Args>,
    keys: Arc<Vec<KeyPair>>,
    stats: Arc<Stats>,
    start: Instant,
    deadline: Instant,
) -> ClientResult {
    let mut conn = Conn::new(addr);
    let mut out = ClientResult {
        latencies_us: Vec::with_capacity(args.requests),
        placed: Vec::new(),
        errors: Vec::new(),
    };
    let period = args
        .rate
        .map(|r| Duration::from_secs_f64(args.clients as f64 / r.max(0.001)));
    // Clients start spread over one period so the paced load is even.
    let offset = period
        .map(|p| p.mul_f64(c as f64 / args.clients as f64))
        .unwrap_or_default();
    for n in 0..args.requests {
        let scheduled = match period {
            Some(p) => start + offset + p * n as u32,
            None => Instant::now(),
        };
        if scheduled > deadline || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep_until(scheduled.into()).await;
        let key = &keys[(c * args.requests + n) % keys.len()];
        // Sell prices in `bids` mode differ from any buy, so nothing crosses.
        let (side, price) = match args.mode {
            Mode::Bids | Mode::Reads => (BidType::Sell, format!("mBTC {}", 1 + (n % 97))),
            Mode::Cross | Mode::Mixed => (side_of(args.mode, c, n), "mBTC 1".to_owned()),
        };
        let result = if args.mode == Mode::Reads {
            get_json(&mut conn, &format!("/account/{}", key.address()))
                .await
                .map(drop)
        } else if args.mode == Mode::Mixed && n % 4 == 3 {
            // Reads between the writes.
            let path = match (n / 4) % 4 {
                0 => match out.placed.last() {
                    Some((id, _)) => format!("/bid/{id}"),
                    None => "/motd".to_owned(),
                },
                1 => format!("/account/{}", key.address()),
                2 => "/motd".to_owned(),
                _ => format!("/query/prices?article={}", args.article),
            };
            get_json(&mut conn, &path).await.map(drop)
        } else {
            place_bid(&mut conn, key, side, &args.article, &price)
                .await
                .map(|id| {
                    stats.bids.fetch_add(1, Ordering::Relaxed);
                    out.placed.push((id, side));
                })
        };
        match result {
            Ok(()) => {
                stats.ok.fetch_add(1, Ordering::Relaxed);
                out.latencies_us
                    .push(scheduled.elapsed().as_micros().min(u64::MAX as u128) as u64);
            }
            Err(e) => {
                stats.unexpected.fetch_add(1, Ordering::Relaxed);
                if out.errors.len() < 5 {
                    out.errors.push(e);
                }
            }
        }
    }
    out
}

/// CPU seconds (user + system) of a process, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, in clock ticks of 1/100 s (USER_HZ).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Mean microseconds of one cold k256 verification (no key cache), over
/// messages shaped like bid documents.
fn verify_cost_us(keys: &[KeyPair]) -> f64 {
    let n = keys.len().clamp(64, 512);
    let msgs: Vec<(Address, Vec<u8>, bitwrk_protocol::Signature)> = (0..n)
        .map(|i| {
            let k = &keys[i % keys.len()];
            let doc = format!(
                "article=fnord&type=SELL&price=mBTC%20{i}&address={}&nonce={:032x}",
                k.address(),
                i
            );
            let sig = sign_message(k.private_key(), doc.as_bytes());
            (*k.address(), doc.into_bytes(), sig)
        })
        .collect();
    let t = Instant::now();
    for (a, m, s) in &msgs {
        verify_message(a, m, s).expect("own signature verifies");
    }
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Funds every buyer key with one deposit; returns the total in smallest units.
async fn fund(
    addr: SocketAddr,
    trusted: &KeyPair,
    keys: &[KeyPair],
    run_id: &str,
) -> Result<i64, String> {
    let mut conn = Conn::new(addr);
    let amount = "BTC 1000";
    for (i, k) in keys.iter().enumerate() {
        deposit(
            &mut conn,
            trusted,
            k.address(),
            amount,
            &format!("lg-{run_id}-{i}"),
        )
        .await?;
    }
    Ok(keys.len() as i64 * 100_000_000_000)
}

/// Σ available + blocked over the keys' accounts.
async fn money_held(addr: SocketAddr, keys: &[KeyPair]) -> Result<i64, String> {
    let mut conn = Conn::new(addr);
    let mut sum = 0i64;
    for k in keys {
        let acct = get_json(&mut conn, &format!("/account/{}", k.address())).await?;
        sum += units(&acct["Available"])? + units(&acct["Blocked"])?;
    }
    Ok(sum)
}

/// How many of the placed sell bids were matched.
async fn count_matched(addr: SocketAddr, placed: &[(String, BidType)]) -> Result<usize, String> {
    let mut conn = Conn::new(addr);
    let mut matched = 0;
    for (id, side) in placed {
        if *side != BidType::Sell {
            continue;
        }
        let bid = get_json(&mut conn, &format!("/bid/{id}")).await?;
        if bid["Transaction"].is_string() {
            matched += 1;
        }
    }
    Ok(matched)
}

#[tokio::main]
async fn main() {
    let args = Arc::new(Args::parse());
    match run(args).await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("bitwrk-loadgen: {e}");
            std::process::exit(2);
        }
    }
}

async fn run(args: Arc<Args>) -> Result<bool, String> {
    let addr = server_addr(&args.server)?;
    let keys: Arc<Vec<KeyPair>> = Arc::new((0..args.keys.max(1)).map(key).collect());
    let needs_funds = matches!(args.mode, Mode::Cross | Mode::Mixed);
    let run_id = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let mut deposited = 0i64;
    if needs_funds {
        let wif = args
            .trusted_wif
            .as_deref()
            .ok_or("--trusted-wif is needed to fund buyers in this mode")?;
        let trusted = KeyPair::from_wif(wif).map_err(|e| format!("--trusted-wif: {e:?}"))?;
        let before = money_held(addr, &keys).await?;
        deposited = before + fund(addr, &trusted, &keys, &run_id).await?;
    }
    let verify_before = verify_cost_us(&keys);
    let cpu_before = args.server_pid.and_then(cpu_seconds);
    let stats = Arc::new(Stats::default());
    stats
        .deposited_units
        .store(deposited as u64, Ordering::Relaxed);
    let start = Instant::now() + Duration::from_millis(20);
    let deadline = start + Duration::from_secs(args.max_seconds);
    let handles: Vec<_> = (0..args.clients)
        .map(|c| {
            tokio::spawn(run_client(
                c,
                addr,
                args.clone(),
                keys.clone(),
                stats.clone(),
                start,
                deadline,
            ))
        })
        .collect();
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.map_err(|e| format!("client task: {e}"))?);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu_after = args.server_pid.and_then(cpu_seconds);
    let verify_after = verify_cost_us(&keys);

    let mut lat: Vec<u64> = results
        .iter()
        .flat_map(|r| r.latencies_us.clone())
        .collect();
    lat.sort_unstable();
    let placed: Vec<(String, BidType)> = results.iter().flat_map(|r| r.placed.clone()).collect();
    let errors: Vec<&String> = results.iter().flat_map(|r| r.errors.iter()).collect();
    let bids = stats.bids.load(Ordering::Relaxed);
    let ok = stats.ok.load(Ordering::Relaxed);
    let unexpected = stats.unexpected.load(Ordering::Relaxed);
    let matched = if !needs_funds {
        0
    } else {
        count_matched(addr, &placed).await?
    };
    let conserved = if needs_funds {
        let held = money_held(addr, &keys).await?;
        Some((held, deposited))
    } else {
        None
    };
    let verify_us = (verify_before + verify_after) / 2.0;
    let cpu_per_bid_us = match (cpu_before, cpu_after) {
        (Some(a), Some(b)) if bids > 0 => Some((b - a) * 1e6 / bids as f64),
        _ => None,
    };
    let report = serde_json::json!({
        "mode": format!("{:?}", args.mode).to_lowercase(),
        "clients": args.clients,
        "keys": keys.len(),
        "rate_target": args.rate,
        "seconds": elapsed,
        "operations_ok": ok,
        "operations_per_second": ok as f64 / elapsed,
        "unexpected": unexpected,
        "bids_accepted": bids,
        "bids_per_second": bids as f64 / elapsed,
        "trades": matched,
        "trades_per_second": matched as f64 / elapsed,
        "latency_us": {
            "p50": percentile(&lat, 0.50),
            "p90": percentile(&lat, 0.90),
            "p99": percentile(&lat, 0.99),
            "max": lat.last().copied().unwrap_or(0),
        },
        "k256_verify_us": verify_us,
        "server_cpu_per_bid_us": cpu_per_bid_us,
        "server_cpu_per_bid_over_verify": cpu_per_bid_us.map(|c| c / verify_us),
        "money_held": conserved.map(|c| c.0),
        "money_deposited": conserved.map(|c| c.1),
        "first_errors": errors.iter().take(5).collect::<Vec<_>>(),
    });
    if args.json {
        println!("{report}");
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    }
    let money_ok = conserved.is_none_or(|(held, dep)| held == dep);
    if !money_ok {
        eprintln!("money not conserved: held {:?}", conserved);
    }
    Ok(unexpected == 0 && money_ok)
}

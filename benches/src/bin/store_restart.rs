//! Measures the reference server's persistence (issue 8 item 3): builds a
//! log of real signed bids (a nonce event and a bid event each; buys and
//! sells that cross, so trades are created and later retired; a timeout
//! event every 1 000 bids) through the market and [`SqliteStore`], evicting
//! retired state as the server does, then reports
//!
//! * resident memory (VmRSS) after all bids,
//! * restart time with no snapshot (replay of the whole log),
//! * restart time from a snapshot taken `--tail` bids before the end
//!   (snapshot load + replay of the tail, what the snapshot policy bounds),
//! * the snapshot's size and the time to write it.
//!
//! A measurement, not a test: `cargo run --release -p bitwrk-benches --bin
//! store_restart -- --bids 500000` (1 M events). Nothing here asserts a time.

use std::time::Instant;

use bitwrk_protocol::address::Network;
use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::{Event, Market, MarketConfig};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::time::Timestamp;
use ref_server::store::recovery::{decode_snapshot, encode_snapshot, recover};
use ref_server::store::{Commit, LoggedEvent, Snapshot, SqliteStore, Store};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn key(i: u32) -> PrivateKey {
    let mut secret = [7u8; 32];
    secret[..4].copy_from_slice(&(i + 1).to_be_bytes());
    PrivateKey::from_secret_bytes(&secret, true, Network::Mainnet).expect("valid scalar")
}

struct Gen {
    market: Market,
    store: SqliteStore,
    pending: Vec<LoggedEvent>,
    seq: u64,
    commits: u64,
}

impl Gen {
    fn log(&mut self, event: Event) {
        self.seq += 1;
        self.pending.push(LoggedEvent {
            seq: self.seq,
            event,
        });
        if self.pending.len() >= 1000 {
            self.flush();
        }
    }
    fn flush(&mut self) {
        let events = std::mem::take(&mut self.pending);
        if !events.is_empty() {
            self.store
                .commit(&Commit {
                    events,
                    records: vec![],
                })
                .expect("commit");
            self.commits += 1;
        }
    }
    fn nonce(&mut self, now: Timestamp, i: u64) -> String {
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&i.to_le_bytes());
        let n = self.market.issue_nonce(now, &random).expect("nonce");
        self.log(Event::NonceIssued { now, random });
        n.to_string()
    }
}

fn main() {
    let bids = arg("--bids", 500_000);
    let tail = arg("--tail", 50_000).min(bids);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("measure.db");
    let trusted = key(1_000_000);
    let config = MarketConfig {
        trusted_account: trusted.public_key().address(Network::Mainnet),
        ..MarketConfig::default()
    };
    let mut g = Gen {
        market: Market::new(config.clone()),
        store: SqliteStore::open(&db).expect("open"),
        pending: Vec::new(),
        seq: 0,
        commits: 0,
    };
    let buyers: Vec<PrivateKey> = (0..32).map(key).collect();
    let sellers: Vec<PrivateKey> = (32..64).map(key).collect();
    let t0 = Timestamp::from_millis(1_700_000_000_000);
    for (i, b) in buyers.iter().enumerate() {
        let n = g.nonce(t0, i as u64);
        let account = b.public_key().address(Network::Mainnet).to_string();
        let uid = format!("measure-deposit-{i:04}");
        let doc = format!("account={account}&amount=BTC1000000&nonce={n}&ref=&type=1&uid={uid}");
        let sig = sign_message(&trusted, doc.as_bytes()).to_base64();
        let form: Vec<(String, String)> = [
            ("account", account.as_str()),
            ("amount", "BTC 1000000"),
            ("nonce", n.as_str()),
            ("type", "1"),
            ("uid", uid.as_str()),
            ("signature", sig.as_str()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let (_, event) = g.market.submit_deposit(t0, &form).expect("deposit");
        g.log(event);
    }
    let started = Instant::now();
    // The snapshot waits in a file, so it does not count in the RSS figure.
    let snapshot_file = dir.path().join("snapshot.json");
    let mut snapshot_seq: Option<u64> = None;
    for i in 0..bids {
        // 2 ms per bid: bids live 120 s, trades time out after 60 s, so
        // the live state is what 60 000 bids leave behind.
        let now = Timestamp::from_millis(t0.as_millis() + 2 * i + 1);
        let n = g.nonce(now, 1_000 + i);
        let (who, side) = if i % 2 == 0 {
            (&sellers[(i / 2 % 32) as usize], BidType::Sell)
        } else {
            (&buyers[(i / 2 % 32) as usize], BidType::Buy)
        };
        let price = format!("satoshi {}", 1000 + i % 7);
        let form = BidForm::signed(who, side, "net.bitwrk/blender/0/2.79/2G", &price, &n);
        let (_, event) = g.market.submit_bid(now, &form).expect("bid");
        g.log(event);
        if i % 1000 == 999 {
            g.market.handle_timeout(now).expect("timeouts");
            g.log(Event::Timeout { now });
            g.market.evict_retired();
        }
        if i + 1 == bids - tail {
            g.flush();
            let bytes = encode_snapshot(&g.market.snapshot()).expect("encode");
            std::fs::write(&snapshot_file, bytes).expect("snapshot file");
            snapshot_seq = Some(g.seq);
        }
        if i % 25_000 == 24_999 {
            eprintln!(
                "{} bids, {:?}, rss {} MiB",
                i + 1,
                started.elapsed(),
                rss_kib() / 1024
            );
        }
    }
    g.flush();
    let generated = started.elapsed();
    let rss_after = rss_kib();
    let live_bids = g.market.bids().count();
    let live_txs = g.market.transactions().count();
    println!(
        "generated {bids} bids = {} events in {generated:?} ({} commits of ≤1000 events)",
        g.seq, g.commits
    );
    println!(
        "after {bids} bids: VmRSS {} MiB; live bids {live_bids}, live transactions {live_txs}",
        rss_after / 1024
    );
    let last = g.seq;
    drop(g);

    let store = SqliteStore::open(&db).expect("reopen");
    // Where a full replay's time goes: reading and decoding the log alone,
    // then the whole recovery (the difference is applying the events,
    // their signature checks included).
    let t = Instant::now();
    let mut read = 0u64;
    store
        .events_after(0, &mut |_| {
            read += 1;
            Ok(())
        })
        .expect("read the log");
    println!(
        "reading and decoding the log alone: {:?} ({read} events)",
        t.elapsed()
    );
    let t = Instant::now();
    let full = recover(&store, config.clone()).expect("full replay");
    let full_time = t.elapsed();
    assert_eq!(full.last_seq, last);
    println!(
        "restart without snapshot: {full_time:?} ({} events replayed)",
        full.replayed
    );
    drop(full);

    let seq = snapshot_seq.expect("a snapshot was taken");
    let state = std::fs::read(&snapshot_file).expect("snapshot file");
    let state_copy = state.clone();
    let bytes = state.len();
    let t = Instant::now();
    store
        .write_snapshot(&Snapshot { seq, state })
        .expect("write snapshot");
    let write_time = t.elapsed();
    let t = Instant::now();
    let restored = decode_snapshot(&state_copy)
        .and_then(|s| {
            Market::restore(config.clone(), s)
                .map_err(|e| ref_server::store::StoreError::Corrupt(e.to_string()))
        })
        .expect("snapshot restores");
    println!(
        "snapshot decode + restore alone: {:?} ({} live bids)",
        t.elapsed(),
        restored.bids().count()
    );
    drop((restored, state_copy));
    let t = Instant::now();
    let fast = recover(&store, config).expect("snapshot + tail");
    let fast_time = t.elapsed();
    assert_eq!(fast.last_seq, last);
    println!(
        "snapshot at event {seq}: {} KiB, written in {write_time:?}",
        bytes / 1024
    );
    println!(
        "restart from snapshot: {fast_time:?} (snapshot + {} events replayed)",
        fast.replayed
    );
}

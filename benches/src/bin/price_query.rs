//! Measures one `/query/prices` computation against the SQLite store with
//! many trades: the old way (every trade of the period read, decoded and
//! aggregated) and the way the server answers now (per-second price totals,
//! cut seconds trade by trade, `ref_server::store::prices`). Both must give
//! the same body; the program stops if they do not.
//!
//! A measurement, not a test: `cargo run --release -p bitwrk-benches --bin
//! price_query -- --trades 40000`. Nothing here asserts a time.

use std::time::{Duration, Instant};

use bitwrk_protocol::article::ArticlePolicy;
use bitwrk_protocol::money::{Currency, Money};
use bitwrk_protocol::rfc3339;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::wire::{PriceQuery, TransactionJson};
use ref_server::store::{Commit, HistoryQuery, LoggedEvent, Record, SqliteStore, Store};

const ARTICLE: &str = "net.bitwrk/blender/0/2.79/2G";
/// Now: not a whole second, as for almost every real query.
const NOW: u64 = 1_780_000_000_123;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A finished transaction as the server stores it (the 0.7 JSON form).
fn tx_json(id: u64, matched: Timestamp, price: Money) -> serde_json::Value {
    serde_json::json!({
        "Revision": 9,
        "BuyerBid": (2 * id + 1).to_string(),
        "SellerBid": (2 * id).to_string(),
        "Buyer": "1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x",
        "Seller": "12XdVS45eS8vKAaJEdDJSuZ5MQoo8b5EFM",
        "Article": ARTICLE,
        "Price": price,
        "Fee": "uBTC 30",
        "Matched": rfc3339::format(matched),
        "State": 1,
        "Phase": "FINISHED",
        "Timeout": rfc3339::format(matched),
        "WorkerURL": "http://192.0.2.5:8082/",
        "WorkHash": "00e13ed7af55b27622f1d6eab5bec0147e68efe28dc2b12461117afa1a5ed40e",
        "WorkSecretHash": "274f632f07e5669637c549074481f17f8f0065e2364eacdce7c6cd813e0710fd",
        "BuyerSecret": "0909090909090909090909090909090909090909090909090909090909090909",
        "EncryptedResultReceipt": {
            "Hash": "954d1bb83d80bb6f6e746b28f0de3ec4c4ed980cfe67ed23a9159cd464ff339a",
            "HashSignature": "IK8TdLlJkg2D1Jd0QxzNz33Z8OzTAE+88LP2JqZu/krFFvI/Cn3oht5H93RIma2XLEoyZMg0Ol8dzUlA8x83StE="
        },
        "ResultDecryptionKey": "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
    })
}

/// Trades the old computation read at most (the old server's cap).
const OLD_CAP: usize = 100_000;

/// What the server did before the price totals (it read at most
/// [`OLD_CAP`] trades, so beyond that its bodies were short of trades).
fn old_way(store: &dyn Store, query: &PriceQuery) -> String {
    let stored = store
        .history(&HistoryQuery::Trades {
            article: query.article.to_string(),
            begin_ms: query.begin.as_millis(),
            end_ms: query.end.as_millis().saturating_add(1),
            limit: OLD_CAP,
        })
        .expect("trades");
    let mut trades = Vec::with_capacity(stored.len());
    for value in stored {
        let tx: TransactionJson = serde_json::from_value(value).expect("stored transaction");
        if tx.price.currency() == query.currency() {
            trades.push((tx.matched, tx.price));
        }
    }
    let slots = query.aggregate(trades).expect("aggregate");
    query.render(&slots).expect("render")
}

fn new_way(store: &dyn Store, query: &PriceQuery) -> String {
    let parts = ref_server::store::prices::price_parts(store, query).expect("parts");
    let slots = query.aggregate_parts(parts).expect("aggregate");
    query.render(&slots).expect("render")
}

fn time(runs: u32, mut f: impl FnMut() -> String) -> (Duration, String) {
    let mut best = Duration::MAX;
    let mut body = String::new();
    for _ in 0..runs {
        let t = Instant::now();
        body = f();
        best = best.min(t.elapsed());
    }
    (best, body)
}

fn main() {
    let n = arg("--trades", 40_000);
    let span_s = arg("--span", 3600);
    let runs = arg("--runs", 5) as u32;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("prices.db")).expect("store");
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let t = Instant::now();
    for (seq, chunk) in (0..n).collect::<Vec<_>>().chunks(1000).enumerate() {
        let records = chunk
            .iter()
            .map(|&id| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let ms = NOW - 1 - rng % (span_s * 1000);
                let price = Money::new(100_000 + (rng >> 40) as i64 % 50_000, Currency::Btc);
                let matched = Timestamp::from_millis(ms);
                Record::Tx {
                    id,
                    article: ARTICLE.into(),
                    matched_ms: ms,
                    price,
                    json: tx_json(id, matched, price),
                }
            })
            .collect();
        store
            .commit(&Commit {
                events: vec![LoggedEvent {
                    seq: seq as u64 + 1,
                    event: bitwrk_protocol::market::Event::Timeout {
                        now: Timestamp::from_millis(NOW),
                    },
                }],
                records,
            })
            .expect("commit");
    }
    println!(
        "{n} trades over the last {span_s} s written in {:.1?}",
        t.elapsed()
    );
    let policy = ArticlePolicy::bitwrk_07();
    let whole = rfc3339::format(Timestamp::from_millis((NOW - 86_400_000) / 1000 * 1000));
    let cases: [(&str, &[(&str, &str)]); 5] = [
        ("default (1d / 3m, begin now-1d)", &[]),
        ("1d / 3m, begin a whole second", &[("begin", &whole)]),
        (
            "1h / 1s, begin now-1h (worst case)",
            &[("period", "1h"), ("resolution", "1s")],
        ),
        ("1w / 1h", &[("period", "1w"), ("resolution", "1h")]),
        ("1d / 3m flot", &[("format", "flot")]),
    ];
    for (name, extra) in cases {
        let mut fields = vec![("article".to_owned(), ARTICLE.to_owned())];
        fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let query =
            PriceQuery::parse(&fields, Timestamp::from_millis(NOW), &policy).expect("query parses");
        let (old_t, old_body) = time(runs, || old_way(&store, &query));
        let (new_t, new_body) = time(runs, || new_way(&store, &query));
        let verdict = if n as usize <= OLD_CAP {
            assert_eq!(old_body, new_body, "{name}: the bodies differ");
            "identical"
        } else {
            "old capped at 100 000 trades"
        };
        println!(
            "{name:<38} old {:>9.2?}  new {:>9.2?}  ({} bytes, {verdict})",
            old_t,
            new_t,
            new_body.len()
        );
    }
}

//! The price history of `/query/prices` from the store's price totals
//! ([`Store::price_totals`]): every second that lies inside one slot of the
//! query counts as a whole (second grain); the seconds a slot boundary cuts
//! (when `begin` is not a whole second) are read per millisecond. So a
//! query reads at most one row per second of its period that saw a trade,
//! plus one row per trading millisecond of the cut seconds — never the
//! transactions — and gives exactly the slots the trades themselves give
//! ([`PriceQuery::aggregate`]).

use std::collections::BTreeSet;

use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::wire::{PriceAggregate, PriceQuery};

use super::{PriceGrain, Store, StoreError};

/// The seconds whose interior holds a slot boundary of `query` (including
/// `begin` and `end`).
fn cut_seconds(query: &PriceQuery) -> BTreeSet<u64> {
    let (begin, end) = (query.begin.as_millis(), query.end.as_millis());
    let step = query.resolution.millis();
    let interior = (1..)
        .map(|k: u64| begin.saturating_add(k.saturating_mul(step)))
        .take_while(|b| *b < end);
    [begin, end]
        .into_iter()
        .chain(interior)
        .filter(|b| b % 1000 != 0)
        .map(|b| PriceGrain::Second.slot(b))
        .collect()
}

/// The parts (time, totals) `query` aggregates: its article's trades in its
/// currency, grouped per whole second where no slot boundary cuts the
/// second, else per millisecond.
pub fn price_parts(
    store: &dyn Store,
    query: &PriceQuery,
) -> Result<Vec<(Timestamp, PriceAggregate)>, StoreError> {
    let article = query.article.to_string();
    let currency = query.currency();
    let cut = cut_seconds(query);
    let (second, ms) = (PriceGrain::Second, PriceGrain::Millisecond);
    let first = second.slot(query.begin.as_millis()) + 1;
    let last = query.end.as_millis() / 1000;
    let mut parts: Vec<(Timestamp, PriceAggregate)> = store
        .price_totals(&article, currency, second, first..=last)?
        .into_iter()
        .filter(|(s, _)| !cut.contains(s))
        .map(|(s, totals)| (Timestamp::from_millis(s * 1000), totals))
        .collect();
    // Runs of consecutive cut seconds, one read each.
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for s in cut {
        match runs.last_mut() {
            Some((_, to)) if *to + 1 == s => *to = s,
            _ => runs.push((s, s)),
        }
    }
    for (from, to) in runs {
        let slots = (from - 1) * 1000 + 1..=to * 1000;
        parts.extend(
            store
                .price_totals(&article, currency, ms, slots)?
                .into_iter()
                .map(|(at, totals)| (Timestamp::from_millis(at), totals)),
        );
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use bitwrk_protocol::article::ArticlePolicy;
    use bitwrk_protocol::money::Currency;
    use bitwrk_protocol::rfc3339;
    use bitwrk_protocol::wire::Resolution;
    use serde_json::json;

    use bitwrk_protocol::money::Money;
    use serde::Deserialize;

    use super::*;
    use crate::store::{Commit, HistoryQuery, Record, SqliteStore, suite};

    /// What the old computation read of a stored transaction.
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Trade {
        price: Money,
        #[serde(with = "bitwrk_protocol::rfc3339")]
        matched: Timestamp,
    }

    const ARTICLES: [&str; 2] = ["fnord", "snafu"];
    const BASE: u64 = 1_780_000_000_000;
    /// The trades span two hours after `BASE`.
    const SPAN: u64 = 7_200_000;

    /// xorshift64: the test's own reproducible randomness.
    struct Rand(u64);
    impl Rand {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// The computation before the price totals: every trade of the period
    /// read and aggregated one by one.
    fn trade_by_trade(store: &dyn Store, query: &PriceQuery) -> Result<String, String> {
        let stored = store
            .history(&HistoryQuery::Trades {
                article: query.article.to_string(),
                begin_ms: query.begin.as_millis(),
                end_ms: query.end.as_millis().saturating_add(1),
                limit: 100_000,
            })
            .unwrap();
        let trades = stored.into_iter().filter_map(|v| {
            let t: Trade = serde_json::from_value(v).unwrap();
            (t.price.currency() == query.currency()).then_some((t.matched, t.price))
        });
        let slots = query.aggregate(trades).map_err(|e| e.to_string())?;
        query.render(&slots).map_err(|e| e.to_string())
    }

    fn from_totals(store: &dyn Store, query: &PriceQuery) -> Result<String, String> {
        let parts = price_parts(store, query).unwrap();
        let slots = query.aggregate_parts(parts).map_err(|e| e.to_string())?;
        query.render(&slots).map_err(|e| e.to_string())
    }

    fn random_store(rng: &mut Rand, dir: &std::path::Path) -> SqliteStore {
        let store = SqliteStore::open(dir.join("prices.db")).unwrap();
        let mut written: Vec<Record> = Vec::new();
        let mut seq = 0;
        for batch in 0..40u64 {
            let mut records = Vec::new();
            for i in 0..60u64 {
                let id = batch * 60 + i;
                // Bursts: many trades share a second or a millisecond.
                let ms = if rng.below(4) == 0 {
                    BASE + rng.below(20) * 1000 + rng.below(3)
                } else {
                    BASE + rng.below(SPAN)
                };
                let currency = if rng.below(5) == 0 {
                    Currency::Eur
                } else {
                    Currency::Btc
                };
                let amount = match rng.below(10) {
                    0 => 0,
                    1 => 1 << 40,
                    _ => rng.below(2_000_000) as i64,
                };
                let price = Money::new(amount, currency);
                let matched = Timestamp::from_millis(ms);
                let article = ARTICLES[rng.below(2) as usize];
                records.push(Record::Tx {
                    id,
                    article: article.into(),
                    matched_ms: ms,
                    price,
                    json: json!({ "Price": price, "Matched": rfc3339::format(matched), "Phase": 0 }),
                });
            }
            // Some earlier transactions again, in a later phase.
            for _ in 0..10 {
                if let Some(Record::Tx {
                    id,
                    article,
                    matched_ms,
                    price,
                    json,
                }) = written
                    .get(rng.below(written.len().max(1) as u64) as usize)
                    .cloned()
                {
                    let mut json = json;
                    json["Phase"] = json!(batch);
                    records.push(Record::Tx {
                        id,
                        article,
                        matched_ms,
                        price,
                        json,
                    });
                }
            }
            written.extend(records.iter().cloned());
            seq += 1;
            store
                .commit(&Commit {
                    events: vec![suite::event(seq)],
                    records,
                })
                .unwrap();
        }
        store
    }

    /// Same bodies, byte for byte, as aggregating every trade, for random
    /// trades and random queries (aligned and unaligned `begin`, every
    /// resolution, JSON and flot, both currencies). BW-JSON-14, BW-JSON-15.
    #[test]
    fn totals_give_the_same_slots_as_the_trades() {
        let mut rng = Rand(0x9E37_79B9_7F4A_7C15);
        let dir = tempfile::tempdir().unwrap();
        let store = random_store(&mut rng, dir.path());
        let policy = ArticlePolicy::bitwrk_07();
        let mut nonempty = 0;
        for _ in 0..400 {
            let period = Resolution::ALL[rng.below(11) as usize];
            let fine: Vec<Resolution> = Resolution::ALL
                .into_iter()
                .filter(|r| {
                    period.seconds() / r.seconds() <= bitwrk_protocol::wire::prices::MAX_SLOTS
                })
                .collect();
            let resolution = fine[rng.below(fine.len() as u64) as usize];
            let start = BASE.saturating_sub(period.millis()) + rng.below(SPAN + period.millis());
            let begin = match rng.below(3) {
                0 => start - start % 1000,
                1 => BASE + rng.below(20) * 1000 + rng.below(3) - 1,
                _ => start,
            };
            let fields: Vec<(String, String)> = [
                ("article", ARTICLES[rng.below(2) as usize]),
                ("period", period.name()),
                ("resolution", resolution.name()),
                ("begin", &rfc3339::format(Timestamp::from_millis(begin))),
                ("unit", ["mBTC", "satoshi", "EUR"][rng.below(3) as usize]),
                ("format", ["json", "flot"][rng.below(2) as usize]),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            let query = PriceQuery::parse(&fields, Timestamp::from_millis(BASE), &policy).unwrap();
            let old = trade_by_trade(&store, &query);
            assert_eq!(from_totals(&store, &query), old, "{fields:?}");
            if old.as_ref().is_ok_and(|b| b.len() > 2) {
                nonempty += 1;
            }
        }
        assert!(nonempty > 100, "too few queries found trades: {nonempty}");
    }

    /// The upgrade fills the totals from the stored transactions: after
    /// dropping them and migrating again, queries give the same bodies.
    #[test]
    fn backfilled_totals_give_the_same_slots() {
        let mut rng = Rand(0x0123_4567_89AB_CDEF);
        let dir = tempfile::tempdir().unwrap();
        let store = random_store(&mut rng, dir.path());
        drop(store);
        {
            let c = rusqlite::Connection::open(dir.path().join("prices.db")).unwrap();
            c.execute_batch("DROP TABLE price_slots; PRAGMA user_version = 1")
                .unwrap();
        }
        let store = SqliteStore::open(dir.path().join("prices.db")).unwrap();
        let policy = ArticlePolicy::bitwrk_07();
        for (resolution, begin) in [("1s", BASE + 7), ("3m", BASE), ("30s", BASE - 1)] {
            let fields: Vec<(String, String)> = [
                ("article", "fnord"),
                ("period", "1h"),
                ("resolution", resolution),
                ("begin", &rfc3339::format(Timestamp::from_millis(begin))),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            let query = PriceQuery::parse(&fields, Timestamp::from_millis(BASE), &policy).unwrap();
            let old = trade_by_trade(&store, &query).unwrap();
            assert!(old.len() > 100);
            assert_eq!(from_totals(&store, &query).unwrap(), old);
        }
    }
}

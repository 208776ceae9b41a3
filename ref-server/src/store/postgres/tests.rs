//! Tests of the PostgreSQL store: the shared store suite and the fencing
//! tests, each in a private schema of the test cluster named by
//! [`TEST_ENV`] (`.ci/postgres.sh`); without it they print why they skip.

use postgres::{Client, NoTls};

use super::super::suite::{self, Backend};
use super::*;

/// The environment variable naming the test cluster (`.ci/postgres.sh`).
pub(crate) const TEST_ENV: &str = "BITWRK_TEST_POSTGRES";

/// A private schema in the test cluster, dropped at the end; `None` (with
/// the reason printed) when [`TEST_ENV`] is not set.
pub(crate) struct TestSchema {
    admin: String,
    schema: String,
    dir: tempfile::TempDir,
}

impl TestSchema {
    pub(crate) fn new(test: &str) -> Option<TestSchema> {
        let Ok(admin) = std::env::var(TEST_ENV) else {
            eprintln!("skipped {test}: {TEST_ENV} is not set (see .ci/postgres.sh)");
            return None;
        };
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).expect("randomness");
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let schema = format!(
            "t_{}_{suffix}",
            test.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let mut c = Client::connect(&admin, NoTls).expect("connecting to the test cluster");
        c.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("creating the test schema");
        Some(TestSchema {
            admin,
            schema,
            dir: tempfile::tempdir().expect("temp dir"),
        })
    }

    /// The URL of the schema (its `search_path`).
    pub(crate) fn url(&self) -> String {
        let sep = if self.admin.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}options=-c%20search_path%3D{}",
            self.admin, self.schema
        )
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema));
        }
    }
}

impl Backend for TestSchema {
    type S = PostgresStore;
    fn open(&self) -> Result<PostgresStore, StoreError> {
        PostgresStore::open(&self.url())
    }
    fn set_schema_version(&self, v: u32) {
        let mut c = Client::connect(&self.url(), NoTls).unwrap();
        c.execute(
            "UPDATE schema_version SET version = $1",
            &[&i32::try_from(v).unwrap()],
        )
        .unwrap();
    }
    fn open_backup(&self, path: &Path) -> Result<Box<dyn Store>, StoreError> {
        Ok(Box::new(super::super::SqliteStore::open(path)?))
    }
    fn backup_path(&self) -> std::path::PathBuf {
        self.dir.path().join("backup.db")
    }
}

macro_rules! suite_tests {
    ($($name:ident $(($arg:expr))?),* $(,)?) => {$(
        #[test]
        fn $name() {
            if let Some(b) = TestSchema::new(stringify!($name)) {
                suite::$name(&b $(, $arg)?);
            }
        }
    )*};
}

suite_tests!(
    commit_and_reload,
    fencing,
    atomicity,
    snapshots,
    events_after_order,
    history_queries,
    price_totals,
    schema_version_refusal(SCHEMA_VERSION),
    backup_roundtrip,
);

/// A commit under an epoch the `leader` row no longer carries is
/// refused and writes nothing (fencing by epoch, BW-HTTP-48).
#[test]
fn deposed_epoch_commits_nothing() {
    let Some(b) = TestSchema::new("deposed") else {
        return;
    };
    let s = b.open().unwrap();
    let mut c = Client::connect(&b.url(), NoTls).unwrap();
    c.execute("UPDATE leader SET epoch = 7", &[]).unwrap();
    s.set_epoch(7);
    s.commit(&Commit {
        events: suite::events(1..=2),
        records: vec![],
    })
    .unwrap();
    // Another node takes over.
    c.execute("UPDATE leader SET epoch = 8", &[]).unwrap();
    match s.commit(&Commit {
        events: suite::events(3..=3),
        records: vec![],
    }) {
        Err(StoreError::Deposed { epoch, current }) => assert_eq!((epoch, current), (7, 8)),
        other => panic!("expected Deposed, got {other:?}"),
    }
    assert_eq!(s.last_seq().unwrap(), 2);
}

/// Two stores racing for the same sequence number: exactly one wins,
/// the other is fenced.
#[test]
fn concurrent_writers_are_fenced() {
    let Some(b) = TestSchema::new("race") else {
        return;
    };
    let a = std::sync::Arc::new(b.open().unwrap());
    let other = std::sync::Arc::new(b.open().unwrap());
    let mut wins = 0;
    for seq in 1..=20u64 {
        let results: Vec<Result<(), StoreError>> = [a.clone(), other.clone()]
            .into_iter()
            .map(|s| {
                std::thread::spawn(move || {
                    s.commit(&Commit {
                        events: suite::events(seq..=seq),
                        records: vec![],
                    })
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "seq {seq}: {results:?}");
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(StoreError::Fenced { .. }))),
            "{results:?}"
        );
        wins += ok;
    }
    assert_eq!(wins, 20);
    assert_eq!(a.last_seq().unwrap(), 20);
}

/// Upgrading a schema-1 database with trades (1 → current): the price
/// totals the backfill of schema 2 fills equal those computed here from
/// the trades, for every grain, article and currency; a transaction
/// without a valid price makes the upgrade refuse and leaves version 1.
#[test]
fn upgrade_from_1_fills_price_totals_from_trades() {
    use bitwrk_protocol::money::{Currency, Money};
    use bitwrk_protocol::wire::PriceAggregate;
    let Some(b) = TestSchema::new("upgrade") else {
        return;
    };
    let trades: &[(i64, &str, i64, Money)] = &[
        (1, "a", 1500, Money::new(3, Currency::Btc)),
        (2, "a", 2000, Money::new(100_000, Currency::Btc)),
        (3, "a", 2001, Money::new(2, Currency::Eur)),
        (4, "a", 2999, Money::new(40, Currency::Btc)),
        (5, "b", 1999, Money::new(7, Currency::Btc)),
        (6, "a", 7000, Money::new(50, Currency::Btc)),
        (7, "a", 7000, Money::new(1, Currency::Btc)),
    ];
    {
        let mut c = Client::connect(&b.url(), NoTls).unwrap();
        c.batch_execute(MIGRATIONS[0].sql).unwrap();
        c.batch_execute(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version (version) VALUES (1);",
        )
        .unwrap();
        for (id, article, ms, price) in trades {
            let json =
                serde_json::json!({ "Price": serde_json::to_value(price).unwrap() }).to_string();
            c.execute(
                "INSERT INTO txs (id, article, matched_ms, json) VALUES ($1, $2, $3, $4)",
                &[id, article, ms, &json],
            )
            .unwrap();
        }
    }
    let s = b.open().unwrap();
    let mut c = Client::connect(&b.url(), NoTls).unwrap();
    assert_eq!(schema_version(&mut c).unwrap(), SCHEMA_VERSION);
    for grain in PriceGrain::ALL {
        for article in ["a", "b"] {
            for currency in [Currency::Btc, Currency::Eur] {
                // The totals computed from the trades themselves.
                let mut want: std::collections::BTreeMap<u64, PriceAggregate> =
                    std::collections::BTreeMap::new();
                for (_, a, ms, price) in trades {
                    if *a != article || price.currency() != currency {
                        continue;
                    }
                    let slot = grain.slot(u64::try_from(*ms).unwrap());
                    let agg = want.entry(slot).or_insert(PriceAggregate {
                        sum: Some(Money::new(0, currency)),
                        min: *price,
                        max: *price,
                        count: 0,
                    });
                    agg.sum = agg.sum.and_then(|s| s.checked_add(*price).ok());
                    if price.amount() < agg.min.amount() {
                        agg.min = *price;
                    }
                    if price.amount() > agg.max.amount() {
                        agg.max = *price;
                    }
                    agg.count += 1;
                }
                let got = s
                    .price_totals(article, currency, grain, 0..=u64::MAX / 2)
                    .unwrap();
                assert_eq!(
                    got,
                    want.into_iter().collect::<Vec<_>>(),
                    "{article} {currency:?} {grain:?}"
                );
            }
        }
    }
    // Spot checks that the expectation is not empty by accident.
    let seconds = s
        .price_totals("a", Currency::Btc, PriceGrain::Second, 0..=10)
        .unwrap();
    assert_eq!(seconds.len(), 3, "{seconds:?}");
    // Second slots are (n-1 s, n s]: 1500 and 2000 ms fall in slot 2.
    assert_eq!((seconds[0].0, seconds[0].1.count), (2, 2));
    assert_eq!(seconds[0].1.sum, Some(Money::new(100_003, Currency::Btc)));
    assert_eq!(seconds[2].1.sum, Some(Money::new(51, Currency::Btc)));
    drop(s);

    // A transaction without a valid price: the upgrade refuses, version 1.
    let Some(b) = TestSchema::new("upgrade_corrupt") else {
        return;
    };
    {
        let mut c = Client::connect(&b.url(), NoTls).unwrap();
        c.batch_execute(MIGRATIONS[0].sql).unwrap();
        c.batch_execute(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version (version) VALUES (1);
             INSERT INTO txs (id, article, matched_ms, json) VALUES (1, 'a', 5, '{}');",
        )
        .unwrap();
    }
    assert!(matches!(b.open(), Err(StoreError::Corrupt(_))));
    let mut c = Client::connect(&b.url(), NoTls).unwrap();
    assert_eq!(schema_version(&mut c).unwrap(), 1);
}

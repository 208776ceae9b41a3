//! The backend-neutral test suite of the [`Store`] contract. Every backend
//! (SQLite, PostgreSQL) runs each function here through a
//! [`Backend`] that knows how to open and tamper with its own database.

use std::path::Path;

use bitwrk_protocol::market::Event;
use bitwrk_protocol::money::{Currency, Money};
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::wire::PriceAggregate;
use serde_json::json;

use super::{
    Commit, HistoryQuery, LoggedEvent, PriceGrain, Record, Seq, Snapshot, Store, StoreError,
};

/// How a suite function reaches one backend's database.
pub(crate) trait Backend {
    /// The store type.
    type S: Store;
    /// Opens the database (again: the same database every time).
    fn open(&self) -> Result<Self::S, StoreError>;
    /// Marks the database as having schema version `v` (tampering).
    fn set_schema_version(&self, v: u32);
    /// Opens a backup written by [`Store::backup`] at `path` (a backup
    /// need not be of the same backend: PostgreSQL's is a SQLite file).
    fn open_backup(&self, path: &Path) -> Result<Box<dyn Store>, StoreError>;
    /// A fresh path a backup may be written to.
    fn backup_path(&self) -> std::path::PathBuf;
}

pub(crate) fn event(seq: Seq) -> LoggedEvent {
    // Distinct, valid-looking events; the store does not interpret them.
    let event = if seq.is_multiple_of(2) {
        Event::Timeout {
            now: Timestamp::from_millis(seq * 10),
        }
    } else {
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&seq.to_le_bytes());
        Event::NonceIssued {
            now: Timestamp::from_millis(seq * 10),
            random,
        }
    };
    LoggedEvent { seq, event }
}

pub(crate) fn events(range: std::ops::RangeInclusive<Seq>) -> Vec<LoggedEvent> {
    range.map(event).collect()
}

fn all_events(store: &dyn Store, after: Seq) -> Vec<LoggedEvent> {
    let mut out = Vec::new();
    store
        .events_after(after, &mut |e| {
            out.push(e);
            Ok(())
        })
        .expect("events_after");
    out
}

fn btc(amount: i64) -> Money {
    Money::new(amount, Currency::Btc)
}

fn movement(id: u64, ts: u64, accounts: &[&str]) -> Record {
    Record::Movement {
        id,
        timestamp_ms: ts,
        accounts: accounts.iter().map(|a| a.to_string()).collect(),
        json: json!({ "Key": id, "Timestamp": ts, "Accounts": accounts }),
    }
}

/// A commit with one of every record kind, for events `first..=first+2`.
fn full_commit(first: Seq) -> Commit {
    Commit {
        events: events(first..=first + 2),
        records: vec![
            Record::Bid {
                id: first,
                json: json!({ "bid": first }),
            },
            Record::Tx {
                id: first,
                article: "art".into(),
                matched_ms: first * 1000,
                price: btc(first as i64),
                json: json!({ "tx": first }),
            },
            Record::TxMessage {
                tx: first,
                seq: first,
                json: json!({ "msg": first }),
            },
            movement(first, first * 1000, &["1alice", "1bob"]),
            Record::Deposit {
                uid: format!("dep-{first}"),
                json: json!({ "deposit": first }),
            },
            Record::Relation {
                key: format!("1alice/trusts/1bob{first}"),
                json: json!({ "rel": first }),
            },
        ],
    }
}

/// What a store holds, as far as the suite looks: for comparing two stores.
fn contents(
    store: &dyn Store,
) -> (
    Seq,
    Vec<LoggedEvent>,
    Option<Snapshot>,
    Vec<serde_json::Value>,
) {
    let mut values = Vec::new();
    for id in 0..10 {
        values.push(json!([
            store.bid(id).unwrap(),
            store.tx(id).unwrap(),
            store.movement(id).unwrap(),
            store.deposit(&format!("dep-{id}")).unwrap(),
            store.relation(&format!("1alice/trusts/1bob{id}")).unwrap(),
        ]));
    }
    // The price totals of both grains (what `/query/prices` reads).
    for grain in PriceGrain::ALL {
        let totals = store
            .price_totals("art", Currency::Btc, grain, 0..=u64::MAX / 2)
            .unwrap();
        values.push(json!(
            totals
                .iter()
                .map(|(slot, a)| json!([
                    slot,
                    a.sum.map(|m| m.amount()),
                    a.min.amount(),
                    a.max.amount(),
                    a.count
                ]))
                .collect::<Vec<_>>()
        ));
    }
    (
        store.last_seq().unwrap(),
        all_events(store, 0),
        store.latest_snapshot().unwrap(),
        values,
    )
}

/// Commits survive closing and reopening; every record kind reads back.
pub(crate) fn commit_and_reload(b: &impl Backend) {
    {
        let s = b.open().unwrap();
        assert_eq!(s.last_seq().unwrap(), 0);
        assert!(all_events(&s, 0).is_empty());
        s.commit(&full_commit(1)).unwrap();
        s.commit(&full_commit(4)).unwrap();
        assert_eq!(s.last_seq().unwrap(), 6);
    }
    let s = b.open().unwrap();
    assert_eq!(s.last_seq().unwrap(), 6);
    assert_eq!(all_events(&s, 0), events(1..=6));
    assert_eq!(s.bid(4).unwrap(), Some(json!({ "bid": 4 })));
    assert_eq!(s.bid(2).unwrap(), None);
    assert_eq!(s.tx(1).unwrap(), Some(json!({ "tx": 1 })));
    assert_eq!(s.movement(4).unwrap().unwrap()["Key"], json!(4));
    assert_eq!(s.deposit("dep-1").unwrap(), Some(json!({ "deposit": 1 })));
    assert_eq!(s.deposit("dep-2").unwrap(), None);
    assert_eq!(
        s.relation("1alice/trusts/1bob4").unwrap(),
        Some(json!({ "rel": 4 }))
    );
    // Bids, transactions, deposits and relations are replaced by key.
    s.commit(&Commit {
        events: events(7..=7),
        records: vec![
            Record::Bid {
                id: 4,
                json: json!({ "bid": "changed" }),
            },
            Record::Tx {
                id: 1,
                article: "art".into(),
                matched_ms: 1000,
                price: btc(1),
                json: json!({ "tx": "changed" }),
            },
            Record::Deposit {
                uid: "dep-1".into(),
                json: json!({ "deposit": "changed" }),
            },
            Record::Relation {
                key: "1alice/trusts/1bob4".into(),
                json: json!({ "rel": "changed" }),
            },
        ],
    })
    .unwrap();
    assert_eq!(s.bid(4).unwrap(), Some(json!({ "bid": "changed" })));
    assert_eq!(s.tx(1).unwrap(), Some(json!({ "tx": "changed" })));
    assert_eq!(
        s.deposit("dep-1").unwrap(),
        Some(json!({ "deposit": "changed" }))
    );
    assert_eq!(
        s.relation("1alice/trusts/1bob4").unwrap(),
        Some(json!({ "rel": "changed" }))
    );
}

fn assert_fenced(r: Result<(), StoreError>, expected: Seq, got: Seq) {
    match r {
        Err(StoreError::Fenced {
            expected: e,
            got: g,
        }) => assert_eq!((e, g), (expected, got)),
        other => panic!("expected Fenced {{ expected: {expected}, got: {got} }}, got {other:?}"),
    }
}

/// A commit that does not continue the log exactly is refused and writes
/// nothing.
pub(crate) fn fencing(b: &impl Backend) {
    let s = b.open().unwrap();
    // The first commit must start at 1.
    assert_fenced(
        s.commit(&Commit {
            events: events(2..=3),
            records: vec![],
        }),
        1,
        2,
    );
    s.commit(&Commit {
        events: events(1..=3),
        records: vec![],
    })
    .unwrap();
    // A replay of an old seq (another writer got there first), a gap, and a
    // gap inside the commit.
    for (bad, expected, got) in [
        (events(3..=4), 4, 3),
        (events(5..=5), 4, 5),
        (vec![event(4), event(6)], 5, 6),
    ] {
        let mut c = full_commit(4);
        c.events = bad;
        assert_fenced(s.commit(&c), expected, got);
    }
    assert_eq!(s.last_seq().unwrap(), 3);
    assert_eq!(all_events(&s, 0), events(1..=3));
    assert_eq!(s.bid(4).unwrap(), None);
    assert_eq!(s.movement(4).unwrap(), None);
    assert_eq!(s.deposit("dep-4").unwrap(), None);
    // The right continuation still goes through.
    s.commit(&full_commit(4)).unwrap();
    assert_eq!(s.last_seq().unwrap(), 6);
}

/// A commit that fails half way (here: a movement id that exists already)
/// writes nothing at all, not even its events.
pub(crate) fn atomicity(b: &impl Backend) {
    let s = b.open().unwrap();
    s.commit(&full_commit(1)).unwrap();
    let before = contents(&s);
    let mut c = full_commit(4);
    // Events and other records come first, the duplicate last.
    c.records.push(movement(1, 5000, &["1carol"]));
    let err = s
        .commit(&c)
        .expect_err("a duplicate movement id fails the commit");
    assert!(
        matches!(err, StoreError::Backend(_)),
        "unexpected error {err:?}"
    );
    assert_eq!(contents(&s), before);
    assert!(
        s.history(&HistoryQuery::AccountMovements {
            account: "1carol".into(),
            before: None,
            limit: 10
        })
        .unwrap()
        .is_empty()
    );
    // A duplicate tx message likewise.
    let mut c = full_commit(4);
    c.records.push(Record::TxMessage {
        tx: 1,
        seq: 1,
        json: json!({ "msg": "again" }),
    });
    assert!(s.commit(&c).is_err());
    assert_eq!(contents(&s), before);
    // A failed commit adds nothing to the price totals either.
    assert_eq!(
        s.price_totals("art", Currency::Btc, PriceGrain::Second, 0..=100)
            .unwrap()
            .len(),
        1
    );
    // The store is still usable and the log continues at 4.
    s.commit(&full_commit(4)).unwrap();
    assert_eq!(s.last_seq().unwrap(), 6);
}

fn tx_record(id: u64, article: &str, matched_ms: u64, price: Money) -> Record {
    Record::Tx {
        id,
        article: article.into(),
        matched_ms,
        price,
        json: json!({ "tx": id }),
    }
}

/// The price totals (`Store::price_totals`): per article, currency, grain
/// and slot `ceil(ms / grain)`; only the first record of a transaction counts;
/// the sum turns `None` beyond the 64-bit range; written with the commit.
pub(crate) fn price_totals(b: &impl Backend) {
    let s = b.open().unwrap();
    let eur = |a| Money::new(a, Currency::Eur);
    s.commit(&Commit {
        events: events(1..=1),
        records: vec![
            tx_record(1, "x", 1000, btc(5)), // second 1: (0, 1000]
            tx_record(2, "x", 1001, btc(7)), // second 2
            tx_record(3, "x", 1500, btc(3)),
            tx_record(4, "x", 2000, btc(7)),
            tx_record(5, "x", 1800, eur(9)), // another currency
            tx_record(6, "y", 1800, btc(1)), // another article
            tx_record(7, "x", 9_000, btc(i64::MAX)),
            tx_record(8, "x", 9_000, btc(1)),
        ],
    })
    .unwrap();
    // Transaction 2 again (a later phase), even with another price: no change.
    s.commit(&Commit {
        events: events(2..=2),
        records: vec![tx_record(2, "x", 1001, btc(1000))],
    })
    .unwrap();
    let agg = |sum: Option<Money>, min, max, count| PriceAggregate {
        sum,
        min,
        max,
        count,
    };
    assert_eq!(
        s.price_totals("x", Currency::Btc, PriceGrain::Second, 0..=100)
            .unwrap(),
        vec![
            (1, agg(Some(btc(5)), btc(5), btc(5), 1)),
            (2, agg(Some(btc(17)), btc(3), btc(7), 3)),
            (9, agg(None, btc(1), btc(i64::MAX), 2)),
        ]
    );
    assert_eq!(
        s.price_totals("x", Currency::Btc, PriceGrain::Second, 2..=8)
            .unwrap(),
        vec![(2, agg(Some(btc(17)), btc(3), btc(7), 3))]
    );
    assert_eq!(
        s.price_totals("x", Currency::Eur, PriceGrain::Second, 0..=100)
            .unwrap(),
        vec![(2, agg(Some(eur(9)), eur(9), eur(9), 1))]
    );
    assert_eq!(
        s.price_totals("y", Currency::Btc, PriceGrain::Second, 0..=100)
            .unwrap(),
        vec![(2, agg(Some(btc(1)), btc(1), btc(1), 1))]
    );
    assert!(
        s.price_totals("z", Currency::Btc, PriceGrain::Second, 0..=100)
            .unwrap()
            .is_empty()
    );
    assert!(
        s.price_totals("x", Currency::Btc, PriceGrain::Second, 3..=8)
            .unwrap()
            .is_empty()
    );
    // The millisecond grain: one slot per match time.
    assert_eq!(
        s.price_totals("x", Currency::Btc, PriceGrain::Millisecond, 1000..=1500)
            .unwrap(),
        vec![
            (1000, agg(Some(btc(5)), btc(5), btc(5), 1)),
            (1001, agg(Some(btc(7)), btc(7), btc(7), 1)),
            (1500, agg(Some(btc(3)), btc(3), btc(3), 1)),
        ]
    );
    assert_eq!(
        s.price_totals("x", Currency::Btc, PriceGrain::Millisecond, 9000..=9000)
            .unwrap(),
        vec![(9000, agg(None, btc(1), btc(i64::MAX), 2))]
    );
    // They survive reopening.
    drop(s);
    let s = b.open().unwrap();
    assert_eq!(
        s.price_totals("x", Currency::Btc, PriceGrain::Second, 0..=100)
            .unwrap()
            .len(),
        3
    );
}

/// The newest snapshot wins; a snapshot ahead of the log is refused.
pub(crate) fn snapshots(b: &impl Backend) {
    {
        let s = b.open().unwrap();
        assert_eq!(s.latest_snapshot().unwrap(), None);
        assert_eq!(s.latest_snapshot_seq().unwrap(), None);
        s.commit(&Commit {
            events: events(1..=10),
            records: vec![],
        })
        .unwrap();
        match s.write_snapshot(&Snapshot {
            seq: 11,
            state: b"ahead".to_vec(),
        }) {
            Err(StoreError::SnapshotAhead { snapshot, last }) => {
                assert_eq!((snapshot, last), (11, 10))
            }
            other => panic!("expected SnapshotAhead, got {other:?}"),
        }
        assert_eq!(s.latest_snapshot().unwrap(), None);
        for seq in [3, 7, 5] {
            s.write_snapshot(&Snapshot {
                seq,
                state: format!("state {seq}").into_bytes(),
            })
            .unwrap();
        }
    }
    let s = b.open().unwrap();
    assert_eq!(
        s.latest_snapshot().unwrap(),
        Some(Snapshot {
            seq: 7,
            state: b"state 7".to_vec()
        })
    );
    assert_eq!(s.latest_snapshot_seq().unwrap(), Some(7));
    // Large binary state round-trips byte for byte.
    let state: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    s.write_snapshot(&Snapshot {
        seq: 10,
        state: state.clone(),
    })
    .unwrap();
    assert_eq!(
        s.latest_snapshot().unwrap(),
        Some(Snapshot { seq: 10, state })
    );
    assert_eq!(s.latest_snapshot_seq().unwrap(), Some(10));
}

/// `events_after` yields exactly the later events in order, and stops at
/// the callback's first error.
pub(crate) fn events_after_order(b: &impl Backend) {
    let s = b.open().unwrap();
    for first in (1..=100).step_by(10) {
        s.commit(&Commit {
            events: events(first..=first + 9),
            records: vec![],
        })
        .unwrap();
    }
    assert_eq!(all_events(&s, 0), events(1..=100));
    assert_eq!(all_events(&s, 57), events(58..=100));
    assert!(all_events(&s, 100).is_empty());
    assert!(all_events(&s, 1000).is_empty());
    let mut seen = 0;
    let r = s.events_after(0, &mut |e| {
        seen += 1;
        if e.seq == 5 {
            Err(StoreError::Corrupt("stop".into()))
        } else {
            Ok(())
        }
    });
    assert!(matches!(r, Err(StoreError::Corrupt(m)) if m == "stop"));
    assert_eq!(seen, 5);
}

/// History queries: account movements newest first, ledger from a time,
/// tx messages oldest first, trades of an article in a time range.
pub(crate) fn history_queries(b: &impl Backend) {
    let s = b.open().unwrap();
    let mut records = Vec::new();
    for id in 1..=6u64 {
        let accounts: &[&str] = if id.is_multiple_of(2) {
            &["1a", "1b"]
        } else {
            &["1a"]
        };
        records.push(movement(id, 100 * id, accounts));
        records.push(Record::Tx {
            id,
            article: if id <= 4 { "x".into() } else { "y".into() },
            matched_ms: 1000 * id,
            price: btc(10),
            json: json!({ "tx": id }),
        });
        records.push(Record::TxMessage {
            tx: 1 + id % 2,
            seq: id,
            json: json!({ "msg": id }),
        });
    }
    s.commit(&Commit {
        events: events(1..=6),
        records,
    })
    .unwrap();
    let q = |q: HistoryQuery| s.history(&q).unwrap();
    let keys = |v: Vec<serde_json::Value>, field: &str| -> Vec<u64> {
        v.iter().map(|j| j[field].as_u64().unwrap()).collect()
    };
    let account = |a: &str, limit| HistoryQuery::AccountMovements {
        account: a.into(),
        before: None,
        limit,
    };
    let older = |a: &str, before, limit| HistoryQuery::AccountMovements {
        account: a.into(),
        before: Some(before),
        limit,
    };
    let since = |a: &str, since, limit| HistoryQuery::AccountMovementsSince {
        account: a.into(),
        since,
        limit,
    };
    // Pages of the account view.
    assert_eq!(keys(q(older("1a", 5, 2)), "Key"), vec![4, 3]);
    assert_eq!(keys(q(older("1a", 5, 10)), "Key"), vec![4, 3, 2, 1]);
    assert_eq!(keys(q(older("1b", 6, 10)), "Key"), vec![4, 2]);
    assert!(q(older("1a", 1, 10)).is_empty());
    assert_eq!(keys(q(older("1a", u64::MAX, 1)), "Key"), vec![6]);
    assert_eq!(keys(q(since("1a", 3, 2)), "Key"), vec![3, 4]);
    assert_eq!(keys(q(since("1b", 3, 10)), "Key"), vec![4, 6]);
    assert_eq!(keys(q(since("1a", 0, 10)), "Key"), vec![1, 2, 3, 4, 5, 6]);
    assert!(q(since("1a", 7, 10)).is_empty());
    assert!(q(since("1c", 0, 10)).is_empty());
    assert_eq!(keys(q(account("1a", 10)), "Key"), vec![6, 5, 4, 3, 2, 1]);
    assert_eq!(keys(q(account("1a", 2)), "Key"), vec![6, 5]);
    assert_eq!(keys(q(account("1b", 10)), "Key"), vec![6, 4, 2]);
    assert!(q(account("1c", 10)).is_empty());
    let ledger = |begin_ms, limit| HistoryQuery::Ledger { begin_ms, limit };
    assert_eq!(keys(q(ledger(300, 10)), "Key"), vec![3, 4, 5, 6]);
    assert_eq!(keys(q(ledger(301, 2)), "Key"), vec![4, 5]);
    assert_eq!(keys(q(ledger(0, 0)), "Key"), Vec::<u64>::new());
    let msgs = |tx, limit| HistoryQuery::TxMessages { tx, limit };
    assert_eq!(keys(q(msgs(2, 10)), "msg"), vec![1, 3, 5]);
    assert_eq!(keys(q(msgs(1, 2)), "msg"), vec![2, 4]);
    assert!(q(msgs(9, 10)).is_empty());
    let trades = |a: &str, begin_ms, end_ms, limit| HistoryQuery::Trades {
        article: a.into(),
        begin_ms,
        end_ms,
        limit,
    };
    assert_eq!(
        keys(q(trades("x", 0, u64::MAX, 10)), "tx"),
        vec![1, 2, 3, 4]
    );
    assert_eq!(keys(q(trades("x", 2000, 4000, 10)), "tx"), vec![2, 3]);
    assert_eq!(keys(q(trades("x", 2000, 4001, 1)), "tx"), vec![2]);
    assert_eq!(keys(q(trades("y", 0, u64::MAX, 10)), "tx"), vec![5, 6]);
    assert!(q(trades("z", 0, u64::MAX, 10)).is_empty());
}

/// A database written by a newer program is refused, not touched.
pub(crate) fn schema_version_refusal(b: &impl Backend, known: u32) {
    {
        let s = b.open().unwrap();
        s.commit(&full_commit(1)).unwrap();
    }
    b.set_schema_version(known + 1);
    match b.open() {
        Err(StoreError::SchemaTooNew { found, known: k }) => {
            assert_eq!((found, k), (known + 1, known))
        }
        Err(e) => panic!("expected SchemaTooNew, got {e:?}"),
        Ok(_) => panic!("expected SchemaTooNew, the store opened"),
    }
    // The same version opens and still holds the data.
    b.set_schema_version(known);
    let s = b.open().unwrap();
    assert_eq!(s.last_seq().unwrap(), 3);
}

/// An online backup opens as a store of its own with the same contents,
/// while the original keeps accepting commits.
pub(crate) fn backup_roundtrip(b: &impl Backend) {
    let s = b.open().unwrap();
    s.commit(&full_commit(1)).unwrap();
    s.commit(&full_commit(4)).unwrap();
    s.write_snapshot(&Snapshot {
        seq: 5,
        state: b"five".to_vec(),
    })
    .unwrap();
    let path = b.backup_path();
    s.backup(&path).unwrap();
    // The original goes on; the backup is the state of the moment it ran.
    let before = contents(&s);
    s.commit(&full_commit(7)).unwrap();
    let copy = b.open_backup(&path).unwrap();
    assert_eq!(contents(&*copy), before);
    assert_eq!(copy.last_seq().unwrap(), 6);
    // The copy is a working store: the log continues there at 7.
    copy.commit(&full_commit(7)).unwrap();
    assert_eq!(contents(&*copy), contents(&s));
    // An existing target is never overwritten.
    assert!(s.backup(&path).is_err());
    assert_eq!(copy.last_seq().unwrap(), 9);
}

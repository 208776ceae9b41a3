//! [`SqliteStore`]: the [`Store`] on embedded SQLite (bundled), in WAL mode
//! with `synchronous=FULL`, so a commit is on disk when it returns.
//!
//! One connection writes (behind a mutex, used by the commit thread and for
//! snapshots); readers take connections from a small pool, so reads never
//! wait for a commit — WAL lets them read the last committed state while
//! the writer works.
//!
//! The schema is versioned by `PRAGMA user_version`; [`MIGRATIONS`] lists the
//! steps as data, each taking the schema from version `i` to `i + 1`. A
//! database whose version is newer than this program's is refused with
//! [`StoreError::SchemaTooNew`] and left untouched.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use bitwrk_protocol::money::{Currency, Money};
use bitwrk_protocol::wire::PriceAggregate;

use super::{
    Commit, HistoryQuery, LoggedEvent, PriceGrain, Record, Seq, Snapshot, Store, StoreError,
};

/// One schema step: the SQL that takes the schema from the previous
/// version to this one.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The version after this step (1, 2, …).
    pub version: u32,
    /// The SQL, run in one transaction with the version bump.
    pub sql: &'static str,
    /// Fills what the SQL created from the data already stored (same
    /// transaction, after the SQL).
    pub backfill: Option<Backfill>,
}

/// A migration's data step.
pub type Backfill = fn(&rusqlite::Transaction<'_>) -> Result<(), StoreError>;

/// Every schema step, oldest first. Append only: a released step never
/// changes.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "
        CREATE TABLE events (
            seq   INTEGER PRIMARY KEY,
            event TEXT NOT NULL
        );
        CREATE TABLE snapshots (
            seq   INTEGER PRIMARY KEY,
            state BLOB NOT NULL
        );
        CREATE TABLE bids (
            id   INTEGER PRIMARY KEY,
            json TEXT NOT NULL
        );
        CREATE TABLE txs (
            id         INTEGER PRIMARY KEY,
            article    TEXT NOT NULL,
            matched_ms INTEGER NOT NULL,
            json       TEXT NOT NULL
        );
        CREATE INDEX txs_by_article_time ON txs (article, matched_ms, id);
        CREATE TABLE tx_messages (
            tx   INTEGER NOT NULL,
            seq  INTEGER NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (tx, seq)
        ) WITHOUT ROWID;
        CREATE TABLE movements (
            id           INTEGER PRIMARY KEY,
            timestamp_ms INTEGER NOT NULL,
            json         TEXT NOT NULL
        );
        CREATE INDEX movements_by_time ON movements (timestamp_ms, id);
        CREATE TABLE movement_accounts (
            account  TEXT NOT NULL,
            movement INTEGER NOT NULL REFERENCES movements (id),
            PRIMARY KEY (account, movement)
        ) WITHOUT ROWID;
        CREATE TABLE deposits (
            uid  TEXT PRIMARY KEY,
            json TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE relations (
            key  TEXT PRIMARY KEY,
            json TEXT NOT NULL
        ) WITHOUT ROWID;
    ",
        backfill: None,
    },
    // Price totals per article, currency, grain (in ms) and slot
    // (`Store::price_totals`); `sum` is NULL once it left the 64-bit range.
    Migration {
        version: 2,
        sql: "
        CREATE TABLE price_slots (
            article  TEXT NOT NULL,
            currency TEXT NOT NULL,
            grain    INTEGER NOT NULL,
            slot     INTEGER NOT NULL,
            sum      INTEGER,
            min      INTEGER NOT NULL,
            max      INTEGER NOT NULL,
            count    INTEGER NOT NULL,
            PRIMARY KEY (article, currency, grain, slot)
        ) WITHOUT ROWID;
    ",
        backfill: Some(backfill_price_slots),
    },
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// How many snapshots are kept (the newest ones).
const SNAPSHOTS_KEPT: i64 = 2;

/// How long a connection waits for a lock held by another connection
/// (another process, or a backup) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Reader connections kept open for reuse.
const READER_POOL: usize = 8;

/// Rows for [`SqliteStore::import`]: table, columns, rows.
pub(crate) type ImportTable<'a> = (&'a str, Vec<&'a str>, Vec<Vec<rusqlite::types::Value>>);

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{v} exceeds SQLite's integer range")))
}

fn from_i64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative value {v} in the database")))
}

fn decode_json(text: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, migrates it to
    /// [`SCHEMA_VERSION`], and refuses a newer schema.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = Connection::open(&path).map_err(backend)?;
        writer.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        // WAL: readers do not block the writer nor it them. FULL: the WAL is
        // fsynced at every commit, so a returned commit survives power loss.
        let mode: String = writer
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "the database refused WAL mode (journal mode {mode})"
            )));
        }
        writer
            .execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(backend)?;
        migrate(&mut writer)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version found in the database at `path` without opening
    /// it as a store (0 for a new or empty file).
    pub fn schema_version_of(path: impl AsRef<Path>) -> Result<u32, StoreError> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(backend)?;
        user_version(&conn)
    }

    /// Inserts `rows` into each named table with the named columns, all in
    /// one transaction (a backup of another store written as SQLite).
    pub(crate) fn import(&self, tables: &[ImportTable<'_>]) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            for (table, columns, rows) in tables {
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    marks.join(", ")
                );
                let mut stmt = tx.prepare(&sql).map_err(backend)?;
                for row in rows {
                    stmt.execute(rusqlite::params_from_iter(row.iter()))
                        .map_err(backend)?;
                }
            }
            tx.commit().map_err(backend)
        })
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self
            .writer
            .lock()
            .map_err(|_| StoreError::Backend("the writer connection's lock is poisoned".into()))?;
        f(&mut conn)
    }

    /// Runs `f` on a pooled reader connection.
    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(backend)?;
                c.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
                c
            }
        };
        let result = f(&conn);
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < READER_POOL
        {
            pool.push(conn);
        }
        result
    }

    fn json_by_key(
        &self,
        sql: &'static str,
        key: impl rusqlite::ToSql,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        self.with_reader(|c| {
            let text: Option<String> = c
                .prepare_cached(sql)
                .map_err(backend)?
                .query_row([key], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            text.as_deref().map(decode_json).transpose()
        })
    }
}

fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("schema version {v}")))
}

/// Brings the schema up to [`SCHEMA_VERSION`], one step per transaction.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = user_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for step in MIGRATIONS.iter().filter(|m| m.version > found) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        // Another process may have migrated meanwhile; re-check under the lock.
        if user_version(&tx)? >= step.version {
            continue;
        }
        tx.execute_batch(step.sql).map_err(backend)?;
        if let Some(fill) = step.backfill {
            fill(&tx)?;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {}", step.version))
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

fn last_seq_on(conn: &Connection) -> Result<Seq, StoreError> {
    let v: Option<i64> = conn
        .prepare_cached("SELECT MAX(seq) FROM events")
        .map_err(backend)?
        .query_row([], |r| r.get(0))
        .map_err(backend)?;
    v.map_or(Ok(0), from_i64)
}

fn write_record(tx: &rusqlite::Transaction<'_>, record: &Record) -> Result<(), StoreError> {
    let exec = |sql: &'static str, p: &[&dyn rusqlite::ToSql]| -> Result<(), StoreError> {
        tx.prepare_cached(sql)
            .map_err(backend)?
            .execute(p)
            .map_err(backend)
            .map(drop)
    };
    match record {
        Record::Bid { id, json } => exec(
            "INSERT OR REPLACE INTO bids (id, json) VALUES (?1, ?2)",
            &[&to_i64(*id)?, &json.to_string()],
        ),
        Record::Tx {
            id,
            article,
            matched_ms,
            price,
            json,
        } => {
            let id = to_i64(*id)?;
            let known = tx
                .prepare_cached("SELECT 1 FROM txs WHERE id = ?1")
                .map_err(backend)?
                .exists([id])
                .map_err(backend)?;
            exec(
                "INSERT OR REPLACE INTO txs (id, article, matched_ms, json) VALUES (?1, ?2, ?3, ?4)",
                &[&id, article, &to_i64(*matched_ms)?, &json.to_string()],
            )?;
            if known {
                return Ok(());
            }
            add_price(tx, article, *matched_ms, *price)
        }
        Record::TxMessage {
            tx: txid,
            seq,
            json,
        } => exec(
            "INSERT INTO tx_messages (tx, seq, json) VALUES (?1, ?2, ?3)",
            &[&to_i64(*txid)?, &to_i64(*seq)?, &json.to_string()],
        ),
        Record::Movement {
            id,
            timestamp_ms,
            accounts,
            json,
        } => {
            let id = to_i64(*id)?;
            exec(
                "INSERT INTO movements (id, timestamp_ms, json) VALUES (?1, ?2, ?3)",
                &[&id, &to_i64(*timestamp_ms)?, &json.to_string()],
            )?;
            for account in accounts {
                exec(
                    "INSERT OR IGNORE INTO movement_accounts (account, movement) VALUES (?1, ?2)",
                    &[account, &id],
                )?;
            }
            Ok(())
        }
        Record::Deposit { uid, json } => exec(
            "INSERT OR REPLACE INTO deposits (uid, json) VALUES (?1, ?2)",
            &[uid, &json.to_string()],
        ),
        Record::Relation { key, json } => exec(
            "INSERT OR REPLACE INTO relations (key, json) VALUES (?1, ?2)",
            &[key, &json.to_string()],
        ),
    }
}

/// Adds one trade to the price totals of its slot of each grain.
fn add_price(
    tx: &rusqlite::Transaction<'_>,
    article: &str,
    matched_ms: u64,
    price: Money,
) -> Result<(), StoreError> {
    let currency = price.currency().code();
    for grain in PriceGrain::ALL {
        let g = to_i64(grain.millis())?;
        let slot = to_i64(grain.slot(matched_ms))?;
        let old = tx
            .prepare_cached(
                "SELECT sum, min, max, count FROM price_slots
                 WHERE article = ?1 AND currency = ?2 AND grain = ?3 AND slot = ?4",
            )
            .map_err(backend)?
            .query_row(params![article, currency, g, slot], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(backend)?;
        let one = PriceAggregate::of(price);
        let total = match old {
            Some(row) => aggregate_from_row(price.currency(), row)?.merge(one),
            None => one,
        };
        tx.prepare_cached(
            "INSERT OR REPLACE INTO price_slots
               (article, currency, grain, slot, sum, min, max, count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(backend)?
        .execute(params![
            article,
            currency,
            g,
            slot,
            total.sum.map(|m| m.amount()),
            total.min.amount(),
            total.max.amount(),
            to_i64(total.count)?,
        ])
        .map_err(backend)?;
    }
    Ok(())
}

type AggregateRow = (Option<i64>, i64, i64, i64);

fn aggregate_from_row(
    currency: Currency,
    (sum, min, max, count): AggregateRow,
) -> Result<PriceAggregate, StoreError> {
    Ok(PriceAggregate {
        sum: sum.map(|a| Money::new(a, currency)),
        min: Money::new(min, currency),
        max: Money::new(max, currency),
        count: from_i64(count)?,
    })
}

/// Schema 2: the price totals of every stored transaction.
fn backfill_price_slots(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare("SELECT id, article, matched_ms, json FROM txs ORDER BY id")
        .map_err(backend)?;
    let mut rows = stmt.query([]).map_err(backend)?;
    while let Some(row) = rows.next().map_err(backend)? {
        let id: i64 = row.get(0).map_err(backend)?;
        let article: String = row.get(1).map_err(backend)?;
        let matched_ms = from_i64(row.get(2).map_err(backend)?)?;
        let text: String = row.get(3).map_err(backend)?;
        let price = decode_json(&text)?
            .get("Price")
            .cloned()
            .and_then(|v| serde_json::from_value::<Money>(v).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("transaction {id} has no valid Price")))?;
        add_price(tx, &article, matched_ms, price)?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            // IMMEDIATE: take the write lock first, so the fence check and
            // the writes see the same log.
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            super::check_fence(last_seq_on(&tx)?, commit)?;
            for e in &commit.events {
                let json = serde_json::to_string(&e.event).map_err(|err| {
                    StoreError::Backend(format!("encoding event {}: {err}", e.seq))
                })?;
                tx.prepare_cached("INSERT INTO events (seq, event) VALUES (?1, ?2)")
                    .map_err(backend)?
                    .execute(params![to_i64(e.seq)?, json])
                    .map_err(backend)?;
            }
            for r in &commit.records {
                write_record(&tx, r)?;
            }
            // Dropping `tx` on any error above rolls everything back.
            tx.commit().map_err(backend)
        })
    }

    fn last_seq(&self) -> Result<Seq, StoreError> {
        self.with_reader(last_seq_on)
    }

    fn latest_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        self.with_reader(|c| {
            let row: Option<(i64, Vec<u8>)> = c
                .prepare_cached("SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1")
                .map_err(backend)?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(backend)?;
            row.map(|(seq, state)| {
                Ok(Snapshot {
                    seq: from_i64(seq)?,
                    state,
                })
            })
            .transpose()
        })
    }

    fn latest_snapshot_seq(&self) -> Result<Option<Seq>, StoreError> {
        self.with_reader(|c| {
            let seq: Option<i64> = c
                .prepare_cached("SELECT max(seq) FROM snapshots")
                .map_err(backend)?
                .query_row([], |r| r.get(0))
                .map_err(backend)?;
            seq.map(from_i64).transpose()
        })
    }

    fn write_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let last = last_seq_on(&tx)?;
            if snapshot.seq > last {
                return Err(StoreError::SnapshotAhead {
                    snapshot: snapshot.seq,
                    last,
                });
            }
            let seq = to_i64(snapshot.seq)?;
            tx.execute(
                "INSERT OR REPLACE INTO snapshots (seq, state) VALUES (?1, ?2)",
                params![seq, snapshot.state],
            )
            .map_err(backend)?;
            tx.execute(
                "DELETE FROM snapshots WHERE seq NOT IN
                   (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?1)",
                params![SNAPSHOTS_KEPT],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
    }

    fn events_after(
        &self,
        after: Seq,
        f: &mut dyn FnMut(LoggedEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.with_reader(|c| {
            let mut stmt = c
                .prepare_cached("SELECT seq, event FROM events WHERE seq > ?1 ORDER BY seq")
                .map_err(backend)?;
            let mut rows = stmt.query([to_i64(after)?]).map_err(backend)?;
            while let Some(row) = rows.next().map_err(backend)? {
                let seq = from_i64(row.get(0).map_err(backend)?)?;
                let corrupt =
                    |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("event {seq}: {e}"));
                // Decoded from SQLite's own buffer, without a copy.
                let text = row.get_ref(1).map_err(backend)?;
                let event = serde_json::from_str(text.as_str().map_err(|e| corrupt(&e))?)
                    .map_err(|e| corrupt(&e))?;
                f(LoggedEvent { seq, event })?;
            }
            Ok(())
        })
    }

    fn bid(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM bids WHERE id = ?1", to_i64(id)?)
    }

    fn tx(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM txs WHERE id = ?1", to_i64(id)?)
    }

    fn movement(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM movements WHERE id = ?1", to_i64(id)?)
    }

    fn deposit(&self, uid: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM deposits WHERE uid = ?1", uid)
    }

    fn relation(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM relations WHERE key = ?1", key)
    }

    fn history(&self, query: &HistoryQuery) -> Result<Vec<serde_json::Value>, StoreError> {
        let limit = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let (sql, p): (&str, Vec<Box<dyn rusqlite::ToSql>>) = match query {
            HistoryQuery::AccountMovements {
                account,
                before,
                limit: n,
            } => (
                "SELECT m.json FROM movement_accounts a JOIN movements m ON m.id = a.movement
                 WHERE a.account = ?1 AND a.movement < ?3 ORDER BY a.movement DESC LIMIT ?2",
                vec![
                    Box::new(account.clone()),
                    Box::new(limit(*n)),
                    Box::new(before.map_or(Ok(i64::MAX), |b| to_i64(b.min(i64::MAX as u64)))?),
                ],
            ),
            HistoryQuery::AccountMovementsSince {
                account,
                since,
                limit: n,
            } => (
                "SELECT m.json FROM movement_accounts a JOIN movements m ON m.id = a.movement
                 WHERE a.account = ?1 AND a.movement >= ?3 ORDER BY a.movement LIMIT ?2",
                vec![
                    Box::new(account.clone()),
                    Box::new(limit(*n)),
                    Box::new(to_i64((*since).min(i64::MAX as u64))?),
                ],
            ),
            HistoryQuery::Ledger { begin_ms, limit: n } => (
                "SELECT json FROM movements WHERE timestamp_ms >= ?1
                 ORDER BY timestamp_ms, id LIMIT ?2",
                vec![Box::new(to_i64(*begin_ms)?), Box::new(limit(*n))],
            ),
            HistoryQuery::TxMessages { tx, limit: n } => (
                "SELECT json FROM tx_messages WHERE tx = ?1 ORDER BY seq LIMIT ?2",
                vec![Box::new(to_i64(*tx)?), Box::new(limit(*n))],
            ),
            HistoryQuery::Trades {
                article,
                begin_ms,
                end_ms,
                limit: n,
            } => (
                "SELECT json FROM txs WHERE article = ?1 AND matched_ms >= ?2 AND matched_ms < ?3
                 ORDER BY matched_ms, id LIMIT ?4",
                vec![
                    Box::new(article.clone()),
                    Box::new(to_i64(*begin_ms)?),
                    Box::new(to_i64((*end_ms).min(i64::MAX as u64))?),
                    Box::new(limit(*n)),
                ],
            ),
        };
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(sql).map_err(backend)?;
            let params = rusqlite::params_from_iter(p.iter());
            let rows = stmt
                .query_map(params, |r| r.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|t| decode_json(&t.map_err(backend)?)).collect()
        })
    }

    fn price_totals(
        &self,
        article: &str,
        currency: Currency,
        grain: PriceGrain,
        slots: core::ops::RangeInclusive<u64>,
    ) -> Result<Vec<(u64, PriceAggregate)>, StoreError> {
        let (first, last) = (to_i64(*slots.start())?, to_i64(*slots.end())?);
        let g = to_i64(grain.millis())?;
        self.with_reader(|c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT slot, sum, min, max, count FROM price_slots
                     WHERE article = ?1 AND currency = ?2 AND grain = ?3
                       AND slot BETWEEN ?4 AND ?5
                     ORDER BY slot",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![article, currency.code(), g, first, last], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (slot, agg) = row.map_err(backend)?;
                Ok((from_i64(slot)?, aggregate_from_row(currency, agg)?))
            })
            .collect()
        })
    }

    fn backup(&self, path: &Path) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::Backend(format!(
                "backup target {} exists; it is never overwritten",
                path.display()
            )));
        }
        self.with_reader(|src| {
            let mut dst = Connection::open(path).map_err(backend)?;
            let backup = rusqlite::backup::Backup::new(src, &mut dst).map_err(backend)?;
            // One step copies every page under one read transaction: the copy
            // is the state of one moment, and the writer keeps going (WAL).
            let tries = BUSY_TIMEOUT.as_millis() / 5;
            for _ in 0..tries {
                match backup.step(-1).map_err(backend)? {
                    rusqlite::backup::StepResult::Done => return Ok(()),
                    // A lock held elsewhere: wait a little and go on.
                    rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    other => {
                        return Err(StoreError::Backend(format!(
                            "backup step ended with {other:?}"
                        )));
                    }
                }
            }
            Err(StoreError::Backend(format!(
                "backup: the database stayed locked for {BUSY_TIMEOUT:?}"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::suite::{self, Backend};
    use super::*;

    struct Sqlite {
        dir: tempfile::TempDir,
    }

    impl Sqlite {
        fn new() -> Sqlite {
            Sqlite {
                dir: tempfile::tempdir().unwrap(),
            }
        }
        fn db(&self) -> PathBuf {
            self.dir.path().join("bitwrk.db")
        }
    }

    impl Backend for Sqlite {
        type S = SqliteStore;
        fn open(&self) -> Result<SqliteStore, StoreError> {
            SqliteStore::open(self.db())
        }
        fn set_schema_version(&self, v: u32) {
            let c = Connection::open(self.db()).unwrap();
            c.execute_batch(&format!("PRAGMA user_version = {v}"))
                .unwrap();
        }
        fn open_backup(&self, path: &Path) -> Result<Box<dyn Store>, StoreError> {
            Ok(Box::new(SqliteStore::open(path)?))
        }
        fn backup_path(&self) -> PathBuf {
            self.dir.path().join("backup.db")
        }
    }

    #[test]
    fn commit_and_reload() {
        suite::commit_and_reload(&Sqlite::new());
    }

    #[test]
    fn fencing() {
        suite::fencing(&Sqlite::new());
    }

    #[test]
    fn atomicity() {
        suite::atomicity(&Sqlite::new());
    }

    #[test]
    fn snapshots() {
        suite::snapshots(&Sqlite::new());
    }

    #[test]
    fn events_after_order() {
        suite::events_after_order(&Sqlite::new());
    }

    #[test]
    fn history_queries() {
        suite::history_queries(&Sqlite::new());
    }

    #[test]
    fn price_totals_suite() {
        suite::price_totals(&Sqlite::new());
    }

    /// Upgrading a schema-1 database fills the price totals from the
    /// stored transactions.
    #[test]
    fn migration_to_2_fills_price_totals() {
        use bitwrk_protocol::money::{Currency, Money};
        let b = Sqlite::new();
        {
            let c = Connection::open(b.db()).unwrap();
            c.execute_batch(MIGRATIONS[0].sql).unwrap();
            c.execute_batch("PRAGMA user_version = 1").unwrap();
            for (id, ms, price) in [
                (1, 1500, "BTC 0.00000003"),
                (2, 2000, "mBTC 1"),
                (3, 2001, "EUR 2"),
            ] {
                c.execute(
                    "INSERT INTO txs (id, article, matched_ms, json) VALUES (?1, 'a', ?2, ?3)",
                    params![id, ms, serde_json::json!({ "Price": price }).to_string()],
                )
                .unwrap();
            }
        }
        let s = b.open().unwrap();
        assert_eq!(SqliteStore::schema_version_of(b.db()).unwrap(), 2);
        let btc = |a| Money::new(a, Currency::Btc);
        let got = s
            .price_totals("a", Currency::Btc, PriceGrain::Second, 0..=10)
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, 2);
        assert_eq!(got[0].1.sum, Some(btc(100_003)));
        assert_eq!(
            (got[0].1.min, got[0].1.max, got[0].1.count),
            (btc(3), btc(100_000), 2)
        );
        assert_eq!(
            s.price_totals("a", Currency::Eur, PriceGrain::Second, 0..=10)
                .unwrap()[0]
                .0,
            3
        );
        // A transaction without a price is corrupt: the upgrade refuses and
        // leaves the database at version 1.
        let b = Sqlite::new();
        {
            let c = Connection::open(b.db()).unwrap();
            c.execute_batch(MIGRATIONS[0].sql).unwrap();
            c.execute_batch("PRAGMA user_version = 1").unwrap();
            c.execute(
                "INSERT INTO txs (id, article, matched_ms, json) VALUES (1, 'a', 5, '{}')",
                [],
            )
            .unwrap();
        }
        assert!(matches!(b.open(), Err(StoreError::Corrupt(_))));
        assert_eq!(SqliteStore::schema_version_of(b.db()).unwrap(), 1);
    }

    #[test]
    fn schema_version_refusal() {
        suite::schema_version_refusal(&Sqlite::new(), SCHEMA_VERSION);
    }

    #[test]
    fn backup_roundtrip() {
        suite::backup_roundtrip(&Sqlite::new());
    }

    #[test]
    fn wal_and_full_sync_are_on() {
        let b = Sqlite::new();
        let s = b.open().unwrap();
        s.with_writer(|c| {
            let mode: String = c
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
            assert_eq!(mode, "wal");
            assert_eq!(sync, 2, "synchronous=FULL");
            Ok(())
        })
        .unwrap();
        assert_eq!(
            SqliteStore::schema_version_of(b.db()).unwrap(),
            SCHEMA_VERSION
        );
    }

    /// A reader is not blocked by an open write transaction (WAL).
    #[test]
    fn readers_do_not_wait_for_the_writer() {
        let b = Sqlite::new();
        let s = b.open().unwrap();
        s.commit(&Commit {
            events: vec![LoggedEvent {
                seq: 1,
                event: bitwrk_protocol::market::Event::Timeout {
                    now: bitwrk_protocol::time::Timestamp::from_millis(1),
                },
            }],
            records: vec![],
        })
        .unwrap();
        s.with_writer(|c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .unwrap();
            tx.execute("INSERT INTO events (seq, event) VALUES (2, '{}')", [])
                .unwrap();
            // Still inside the write transaction: the reader sees the last
            // committed state at once.
            assert_eq!(s.last_seq().unwrap(), 1);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            s.last_seq().unwrap(),
            1,
            "the uncommitted insert rolled back"
        );
    }
}

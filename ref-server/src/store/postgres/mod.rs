//! [`PostgresStore`]: the [`Store`] on PostgreSQL, for several server nodes
//! sharing one database (README, "Several nodes on one PostgreSQL").
//!
//! The tables are those of the SQLite store (same names, same columns), so
//! a backup ([`Store::backup`]) is written as a SQLite database that
//! `bitwrk-server --db <file>` opens. The schema is versioned in the table
//! `schema_version`; [`MIGRATIONS`] lists the steps as data.
//!
//! **Durability**: a commit returns after PostgreSQL's `COMMIT` returned,
//! with `synchronous_commit` forced `on` for the writer session, so the
//! commit record is flushed to the WAL first.
//!
//! **Fencing** (spec §16.15): every commit checks, inside its transaction,
//! that its first sequence number continues the log (`MAX(seq) + 1`, and
//! the primary key on `events.seq` catches a concurrent writer that read
//! the same maximum); and, once the node holds an epoch
//! ([`PostgresStore::set_epoch`]), that the `leader` row still carries
//! that epoch. The row is read `FOR SHARE`, so a takeover (which updates
//! it) waits for a commit in progress and a commit that starts after the
//! takeover sees the new epoch. A deposed leader therefore commits
//! nothing, however long it was paused.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};
use rusqlite::types::Value as SqlValue;

use bitwrk_protocol::money::{Currency, Money};
use bitwrk_protocol::wire::PriceAggregate;

use super::{
    Commit, HistoryQuery, LoggedEvent, PriceGrain, Record, Seq, Snapshot, Store, StoreError,
};

/// Fills what a schema step added from the rows already stored, in the
/// step's transaction.
pub type Backfill = fn(&mut postgres::Transaction<'_>) -> Result<(), StoreError>;

/// One schema step: the SQL that takes the schema from the previous
/// version to this one.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The version after this step (1, 2, …).
    pub version: u32,
    /// The SQL, run in one transaction with the version bump.
    pub sql: &'static str,
    /// Run after the SQL, in the same transaction.
    pub backfill: Option<Backfill>,
}

/// Every schema step, oldest first. Append only.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "
        CREATE TABLE events (
            seq   BIGINT PRIMARY KEY,
            event TEXT NOT NULL,
            epoch BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE snapshots (
            seq   BIGINT PRIMARY KEY,
            state BYTEA NOT NULL
        );
        CREATE TABLE bids (
            id   BIGINT PRIMARY KEY,
            json TEXT NOT NULL
        );
        CREATE TABLE txs (
            id         BIGINT PRIMARY KEY,
            article    TEXT NOT NULL,
            matched_ms BIGINT NOT NULL,
            json       TEXT NOT NULL
        );
        CREATE INDEX txs_by_article_time ON txs (article, matched_ms, id);
        CREATE TABLE tx_messages (
            tx   BIGINT NOT NULL,
            seq  BIGINT NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (tx, seq)
        );
        CREATE TABLE movements (
            id           BIGINT PRIMARY KEY,
            timestamp_ms BIGINT NOT NULL,
            json         TEXT NOT NULL
        );
        CREATE INDEX movements_by_time ON movements (timestamp_ms, id);
        CREATE TABLE movement_accounts (
            account  TEXT NOT NULL,
            movement BIGINT NOT NULL REFERENCES movements (id),
            PRIMARY KEY (account, movement)
        );
        CREATE TABLE deposits (
            uid  TEXT PRIMARY KEY,
            json TEXT NOT NULL
        );
        CREATE TABLE relations (
            key  TEXT PRIMARY KEY,
            json TEXT NOT NULL
        );
        CREATE TABLE leader (
            id       INTEGER PRIMARY KEY CHECK (id = 1),
            epoch    BIGINT NOT NULL,
            node     TEXT NOT NULL,
            address  TEXT NOT NULL,
            expires  TIMESTAMPTZ NOT NULL,
            session_pid INTEGER
        );
        INSERT INTO leader (id, epoch, node, address, expires)
            VALUES (1, 0, '', '', '-infinity');
    ",
        backfill: None,
    },
    // Price totals per article, currency, grain (in ms) and slot
    // (`Store::price_totals`), as in the SQLite store's schema 2; `sum` is NULL
    // once it left the 64-bit range.
    Migration {
        version: 2,
        sql: "
        CREATE TABLE price_slots (
            article  TEXT NOT NULL,
            currency TEXT NOT NULL,
            grain    BIGINT NOT NULL,
            slot     BIGINT NOT NULL,
            sum      BIGINT,
            min      BIGINT NOT NULL,
            max      BIGINT NOT NULL,
            count    BIGINT NOT NULL,
            PRIMARY KEY (article, currency, grain, slot)
        );
    ",
        backfill: Some(backfill_price_slots),
    },
    // The cluster's shared secret, which authenticates the requests a
    // follower forwards to the leader (cluster::attest, BW-HTTP-54): 32
    // random bytes, made once by the migration. Not copied by a backup.
    Migration {
        version: 3,
        sql: "
        CREATE TABLE cluster_secret (
            id     INTEGER PRIMARY KEY CHECK (id = 1),
            secret BYTEA NOT NULL
        );
    ",
        backfill: Some(make_cluster_secret),
    },
];

/// Schema 3: the cluster secret, from the operating system's randomness.
fn make_cluster_secret(tx: &mut postgres::Transaction<'_>) -> Result<(), StoreError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| StoreError::Backend(format!("no randomness for the cluster secret: {e}")))?;
    tx.execute(
        "INSERT INTO cluster_secret (id, secret) VALUES (1, $1)",
        &[&&secret[..]],
    )
    .map_err(backend)?;
    Ok(())
}

/// The schema version this program writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// How many snapshots are kept (the newest ones).
const SNAPSHOTS_KEPT: i64 = 2;

/// Reader connections kept open for reuse.
const READER_POOL: usize = 8;

/// No epoch held: commits check the log only (one node).
const NO_EPOCH: u64 = 0;

/// The column kinds of a table copied by [`Store::backup`].
#[derive(Debug, Clone, Copy)]
enum Col {
    Int,
    /// An integer that may be NULL.
    OptInt,
    Text,
    Bytes,
}

/// Every table a backup copies, with its columns (the same in both
/// schemas). `movements` comes before `movement_accounts` (foreign key).
const TABLES: &[(&str, &[(&str, Col)])] = &[
    ("events", &[("seq", Col::Int), ("event", Col::Text)]),
    ("snapshots", &[("seq", Col::Int), ("state", Col::Bytes)]),
    ("bids", &[("id", Col::Int), ("json", Col::Text)]),
    (
        "txs",
        &[
            ("id", Col::Int),
            ("article", Col::Text),
            ("matched_ms", Col::Int),
            ("json", Col::Text),
        ],
    ),
    (
        "tx_messages",
        &[("tx", Col::Int), ("seq", Col::Int), ("json", Col::Text)],
    ),
    (
        "movements",
        &[
            ("id", Col::Int),
            ("timestamp_ms", Col::Int),
            ("json", Col::Text),
        ],
    ),
    (
        "movement_accounts",
        &[("account", Col::Text), ("movement", Col::Int)],
    ),
    ("deposits", &[("uid", Col::Text), ("json", Col::Text)]),
    ("relations", &[("key", Col::Text), ("json", Col::Text)]),
    (
        "price_slots",
        &[
            ("article", Col::Text),
            ("currency", Col::Text),
            ("grain", Col::Int),
            ("slot", Col::Int),
            ("sum", Col::OptInt),
            ("min", Col::Int),
            ("max", Col::Int),
            ("count", Col::Int),
        ],
    ),
];

/// A connection with its prepared statements.
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl Conn {
    fn connect(url: &str) -> Result<Conn, StoreError> {
        let client = Client::connect(url, NoTls).map_err(backend)?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }

    /// The prepared statement for `sql` (prepared once per connection).
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(backend)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
}

/// The PostgreSQL store.
pub struct PostgresStore {
    url: String,
    writer: Mutex<Option<Conn>>,
    readers: Mutex<Vec<Conn>>,
    epoch: AtomicU64,
}

/// The sync client closes its connection on a runtime of its own, which
/// must not happen on a thread of another runtime (the server drops its
/// store inside tokio): the connections are closed on a plain thread.
impl Drop for PostgresStore {
    fn drop(&mut self) {
        let readers = std::mem::take(self.readers.get_mut().unwrap_or_else(|p| p.into_inner()));
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let _ = std::thread::spawn(move || drop((readers, writer))).join();
    }
}

impl core::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("epoch", &self.epoch.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn backend(e: postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError::Backend(format!("{}: {}", db.code().code(), db.message())),
        None => StoreError::Backend(e.to_string()),
    }
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{v} exceeds BIGINT")))
}

fn from_i64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative value {v} in the database")))
}

fn decode_json(text: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))
}

/// Whether `url` names a PostgreSQL database (rather than a SQLite file).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://…`), migrates it to
    /// [`SCHEMA_VERSION`], and refuses a newer schema. Blocking: call it
    /// off the async runtime.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let mut writer = Conn::connect(url)?;
        writer
            .client
            .batch_execute("SET synchronous_commit = on")
            .map_err(backend)?;
        migrate(&mut writer.client)?;
        Ok(PostgresStore {
            url: url.to_owned(),
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Vec::new()),
            epoch: AtomicU64::new(NO_EPOCH),
        })
    }

    /// The cluster's shared secret (schema 3).
    pub fn cluster_secret(&self) -> Result<Vec<u8>, StoreError> {
        self.with_reader(|c| {
            let row = c
                .client
                .query_opt("SELECT secret FROM cluster_secret WHERE id = 1", &[])
                .map_err(backend)?
                .ok_or_else(|| StoreError::Corrupt("no cluster secret".into()))?;
            Ok(row.get::<_, Vec<u8>>(0))
        })
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// From now on every commit also requires the `leader` row to carry
    /// `epoch` (the node's term as leader, [`crate::cluster`]).
    pub fn set_epoch(&self, epoch: u64) {
        self.epoch.store(epoch, Ordering::SeqCst);
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut slot = self
            .writer
            .lock()
            .map_err(|_| StoreError::Backend("the writer connection's lock is poisoned".into()))?;
        if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
            let mut conn = Conn::connect(&self.url)?;
            conn.client
                .batch_execute("SET synchronous_commit = on")
                .map_err(backend)?;
            *slot = Some(conn);
        }
        match slot.as_mut() {
            Some(conn) => f(conn),
            None => Err(StoreError::Backend("no writer connection".into())),
        }
    }

    /// Runs `f` on a pooled reader connection.
    fn with_reader<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let mut conn = match pooled {
            Some(c) if !c.client.is_closed() => c,
            _ => Conn::connect(&self.url)?,
        };
        let result = f(&mut conn);
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < READER_POOL
            && !conn.client.is_closed()
        {
            pool.push(conn);
        }
        result
    }

    fn json_by_key(
        &self,
        sql: &'static str,
        key: &(dyn ToSql + Sync),
    ) -> Result<Option<serde_json::Value>, StoreError> {
        self.with_reader(|c| {
            let stmt = c.prepared(sql)?;
            let row = c.client.query_opt(&stmt, &[key]).map_err(backend)?;
            row.map(|r| decode_json(r.get::<_, &str>(0))).transpose()
        })
    }
}

/// Runs `f` in a transaction on `conn`; commits if it returns Ok.
fn in_transaction<T>(
    conn: &mut Conn,
    f: impl FnOnce(
        &mut postgres::Transaction<'_>,
        &HashMap<&'static str, Statement>,
    ) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut tx = conn.client.transaction().map_err(backend)?;
    let value = f(&mut tx, &conn.statements)?;
    tx.commit().map_err(backend)?;
    Ok(value)
}

fn schema_version(client: &mut impl postgres::GenericClient) -> Result<u32, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .map_err(backend)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = client
        .query_opt("SELECT version FROM schema_version", &[])
        .map_err(backend)?
        .map(|r| r.get(0));
    u32::try_from(v.unwrap_or(0)).map_err(|_| StoreError::Corrupt(format!("schema version {v:?}")))
}

/// The advisory lock key serialising migrations of several nodes.
const MIGRATION_LOCK: i64 = 0x6269_7477_726b_0001;

/// Brings the schema up to [`SCHEMA_VERSION`], one step per transaction.
/// Several nodes may start at once: a session-level advisory lock lets one
/// migrate while the others wait, then find the steps done.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(backend)?;
    let result = migrate_locked(client);
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .map_err(backend);
    result.and(unlocked.map(drop))
}

fn migrate_locked(client: &mut Client) -> Result<(), StoreError> {
    let found = schema_version(client)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for step in MIGRATIONS.iter().filter(|m| m.version > found) {
        let mut tx = client.transaction().map_err(backend)?;
        tx.batch_execute(step.sql).map_err(backend)?;
        if let Some(fill) = step.backfill {
            fill(&mut tx)?;
        }
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
             DELETE FROM schema_version;",
        )
        .map_err(backend)?;
        let v = i32::try_from(step.version).unwrap_or(i32::MAX);
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&v])
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

fn last_seq_on(client: &mut impl postgres::GenericClient) -> Result<Seq, StoreError> {
    let v: Option<i64> = client
        .query_one("SELECT MAX(seq) FROM events", &[])
        .map_err(backend)?
        .get(0);
    v.map_or(Ok(0), from_i64)
}

/// A boxed statement parameter.
type P = Box<dyn ToSql + Sync>;

/// One statement and its parameters.
type Write = (&'static str, Vec<P>);

/// The SQL and parameters that store one record. The single place that
/// maps [`Record`] kinds to tables (a new kind is one arm here).
fn record_sql(record: &Record) -> Result<Vec<Write>, StoreError> {
    let json = |j: &serde_json::Value| -> P { Box::new(j.to_string()) };
    Ok(match record {
        Record::Bid { id, json: j } => vec![(
            "INSERT INTO bids (id, json) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET json = EXCLUDED.json",
            vec![Box::new(to_i64(*id)?) as P, json(j)],
        )],
        Record::Tx {
            id,
            article,
            matched_ms,
            price,
            json: j,
        } => {
            // The price totals first: they count a transaction only while
            // `txs` does not hold it yet (its first record; a transaction's
            // price and match time never change).
            let mut out = price_sql(*id, article, *matched_ms, *price)?;
            out.push((
                "INSERT INTO txs (id, article, matched_ms, json) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET article = EXCLUDED.article,
                   matched_ms = EXCLUDED.matched_ms, json = EXCLUDED.json",
                vec![
                    Box::new(to_i64(*id)?) as P,
                    Box::new(article.clone()),
                    Box::new(to_i64(*matched_ms)?),
                    json(j),
                ],
            ));
            out
        }
        Record::TxMessage { tx, seq, json: j } => vec![(
            "INSERT INTO tx_messages (tx, seq, json) VALUES ($1, $2, $3)",
            vec![
                Box::new(to_i64(*tx)?) as P,
                Box::new(to_i64(*seq)?),
                json(j),
            ],
        )],
        Record::Movement {
            id,
            timestamp_ms,
            accounts,
            json: j,
        } => {
            let id = to_i64(*id)?;
            let mut out = vec![(
                "INSERT INTO movements (id, timestamp_ms, json) VALUES ($1, $2, $3)",
                vec![Box::new(id) as P, Box::new(to_i64(*timestamp_ms)?), json(j)],
            )];
            for account in accounts {
                out.push((
                    "INSERT INTO movement_accounts (account, movement) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    vec![Box::new(account.clone()) as P, Box::new(id)],
                ));
            }
            out
        }
        Record::Deposit { uid, json: j } => vec![(
            "INSERT INTO deposits (uid, json) VALUES ($1, $2)
             ON CONFLICT (uid) DO UPDATE SET json = EXCLUDED.json",
            vec![Box::new(uid.clone()) as P, json(j)],
        )],
        Record::Relation { key, json: j } => vec![(
            "INSERT INTO relations (key, json) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET json = EXCLUDED.json",
            vec![Box::new(key.clone()) as P, json(j)],
        )],
    })
}

/// Adds one trade to its slot of each grain, unless `txs` already holds the
/// transaction `id` (`$6`). The merge is [`PriceAggregate::merge`] in SQL:
/// the sum turns NULL once it would leave the 64-bit range.
const ADD_PRICE: &str = "INSERT INTO price_slots
        (article, currency, grain, slot, sum, min, max, count)
    SELECT $1, $2, $3, $4, $5, $5, $5, 1
    WHERE NOT EXISTS (SELECT 1 FROM txs WHERE id = $6)
    ON CONFLICT (article, currency, grain, slot) DO UPDATE SET
        sum = CASE
            WHEN price_slots.sum IS NULL THEN NULL
            WHEN price_slots.sum::NUMERIC + EXCLUDED.sum::NUMERIC
                 NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN NULL
            ELSE price_slots.sum + EXCLUDED.sum
        END,
        min = LEAST(price_slots.min, EXCLUDED.min),
        max = GREATEST(price_slots.max, EXCLUDED.max),
        count = price_slots.count + 1";

/// The writes of [`ADD_PRICE`] for a trade.
fn price_sql(
    id: u64,
    article: &str,
    matched_ms: u64,
    price: Money,
) -> Result<Vec<Write>, StoreError> {
    let mut out = Vec::with_capacity(PriceGrain::ALL.len());
    for grain in PriceGrain::ALL {
        out.push((
            ADD_PRICE,
            vec![
                Box::new(article.to_owned()) as P,
                Box::new(price.currency().code().to_owned()),
                Box::new(to_i64(grain.millis())?),
                Box::new(to_i64(grain.slot(matched_ms))?),
                Box::new(price.amount()),
                Box::new(to_i64(id)?),
            ],
        ));
    }
    Ok(out)
}

/// Schema 2: the price totals of every stored transaction (from the
/// `Price` of its JSON). Run before any later transaction is stored, so
/// the guard of [`ADD_PRICE`] is skipped: every row counts once.
fn backfill_price_slots(tx: &mut postgres::Transaction<'_>) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "SELECT id, article, matched_ms, json FROM txs ORDER BY id",
            &[],
        )
        .map_err(backend)?;
    let add = tx
        .prepare(&ADD_PRICE.replace(
            "WHERE NOT EXISTS (SELECT 1 FROM txs WHERE id = $6)",
            "WHERE $6::BIGINT IS NOT NULL",
        ))
        .map_err(backend)?;
    for row in rows {
        let id: i64 = row.get(0);
        let article: String = row.get(1);
        let matched_ms = from_i64(row.get(2))?;
        let price = decode_json(row.get::<_, &str>(3))?
            .get("Price")
            .cloned()
            .and_then(|v| serde_json::from_value::<Money>(v).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("transaction {id} has no valid Price")))?;
        for (_, params) in price_sql(from_i64(id)?, &article, matched_ms, price)? {
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| &**p).collect();
            tx.execute(&add, &refs).map_err(backend)?;
        }
    }
    Ok(())
}

/// SQLSTATE of a unique violation: a concurrent writer took the sequence
/// number first.
const UNIQUE_VIOLATION: &str = "23505";

/// The epoch in the lease row, locked against a takeover until commit.
const LEADER_EPOCH: &str = "SELECT epoch FROM leader WHERE id = 1 FOR SHARE";

/// A commit's events in one statement, each marked with the writer's epoch.
const INSERT_EVENTS: &str = "INSERT INTO events (seq, event, epoch)
    SELECT s, e, $3 FROM UNNEST($1::BIGINT[], $2::TEXT[]) AS u (s, e)";

fn commit_on(conn: &mut Conn, epoch: u64, commit: &Commit) -> Result<(), StoreError> {
    let mut sqls: Vec<&'static str> = vec![LEADER_EPOCH, INSERT_EVENTS];
    let mut writes = Vec::new();
    for r in &commit.records {
        for (sql, params) in record_sql(r)? {
            sqls.push(sql);
            writes.push((sql, params));
        }
    }
    for sql in sqls {
        conn.prepared(sql)?;
    }
    let mut seqs = Vec::with_capacity(commit.events.len());
    let mut texts = Vec::with_capacity(commit.events.len());
    for e in &commit.events {
        seqs.push(to_i64(e.seq)?);
        texts.push(
            serde_json::to_string(&e.event)
                .map_err(|err| StoreError::Backend(format!("encoding event {}: {err}", e.seq)))?,
        );
    }
    in_transaction(conn, |tx, stmts| {
        if epoch != NO_EPOCH {
            let current: i64 = tx
                .query_one(&stmts[LEADER_EPOCH], &[])
                .map_err(backend)?
                .get(0);
            let current = from_i64(current)?;
            if current != epoch {
                return Err(StoreError::Deposed { epoch, current });
            }
        }
        super::check_fence(last_seq_on(tx)?, commit)?;
        if !commit.events.is_empty() {
            tx.execute(&stmts[INSERT_EVENTS], &[&seqs, &texts, &to_i64(epoch)?])
                .map_err(|e| {
                    if e.code().is_some_and(|c| c.code() == UNIQUE_VIOLATION) {
                        // Another writer committed the same sequence number
                        // between our check and our insert.
                        StoreError::Fenced {
                            expected: commit.events[0].seq + 1,
                            got: commit.events[0].seq,
                        }
                    } else {
                        backend(e)
                    }
                })?;
        }
        for (sql, params) in &writes {
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| &**p).collect();
            tx.execute(&stmts[sql], &refs).map_err(backend)?;
        }
        Ok(())
    })
}

impl Store for PostgresStore {
    fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        self.with_writer(|conn| commit_on(conn, epoch, commit))
    }

    fn last_seq(&self) -> Result<Seq, StoreError> {
        self.with_reader(|c| last_seq_on(&mut c.client))
    }

    fn latest_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        self.with_reader(|c| {
            let row = c
                .client
                .query_opt(
                    "SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1",
                    &[],
                )
                .map_err(backend)?;
            row.map(|r| {
                Ok(Snapshot {
                    seq: from_i64(r.get(0))?,
                    state: r.get(1),
                })
            })
            .transpose()
        })
    }

    fn write_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            in_transaction(conn, |tx, _| {
                let last = last_seq_on(tx)?;
                if snapshot.seq > last {
                    return Err(StoreError::SnapshotAhead {
                        snapshot: snapshot.seq,
                        last,
                    });
                }
                tx.execute(
                    "INSERT INTO snapshots (seq, state) VALUES ($1, $2)
                     ON CONFLICT (seq) DO UPDATE SET state = EXCLUDED.state",
                    &[&to_i64(snapshot.seq)?, &snapshot.state],
                )
                .map_err(backend)?;
                tx.execute(
                    "DELETE FROM snapshots WHERE seq NOT IN
                       (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT $1)",
                    &[&SNAPSHOTS_KEPT],
                )
                .map_err(backend)?;
                Ok(())
            })
        })
    }

    fn events_after(
        &self,
        after: Seq,
        f: &mut dyn FnMut(LoggedEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // In pages, so a long log is never held in memory at once.
        const PAGE: i64 = 10_000;
        let mut after = to_i64(after)?;
        loop {
            let rows = self.with_reader(|c| {
                let stmt = c.prepared(
                    "SELECT seq, event FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )?;
                c.client.query(&stmt, &[&after, &PAGE]).map_err(backend)
            })?;
            let n = rows.len();
            for row in rows {
                let seq_i: i64 = row.get(0);
                let seq = from_i64(seq_i)?;
                let event = serde_json::from_str(row.get::<_, &str>(1))
                    .map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
                f(LoggedEvent { seq, event })?;
                after = seq_i;
            }
            if n < PAGE as usize {
                return Ok(());
            }
        }
    }

    fn bid(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM bids WHERE id = $1", &to_i64(id)?)
    }

    fn tx(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM txs WHERE id = $1", &to_i64(id)?)
    }

    fn movement(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM movements WHERE id = $1", &to_i64(id)?)
    }

    fn deposit(&self, uid: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM deposits WHERE uid = $1", &uid)
    }

    fn relation(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.json_by_key("SELECT json FROM relations WHERE key = $1", &key)
    }

    fn history(&self, query: &HistoryQuery) -> Result<Vec<serde_json::Value>, StoreError> {
        let limit = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let (sql, p): (&'static str, Vec<P>) = match query {
            HistoryQuery::AccountMovements {
                account,
                before,
                limit: n,
            } => (
                "SELECT m.json FROM movement_accounts a JOIN movements m ON m.id = a.movement
                 WHERE a.account = $1 AND a.movement < $3 ORDER BY a.movement DESC LIMIT $2",
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
                 WHERE a.account = $1 AND a.movement >= $3 ORDER BY a.movement LIMIT $2",
                vec![
                    Box::new(account.clone()),
                    Box::new(limit(*n)),
                    Box::new(to_i64((*since).min(i64::MAX as u64))?),
                ],
            ),
            HistoryQuery::Ledger { begin_ms, limit: n } => (
                "SELECT json FROM movements WHERE timestamp_ms >= $1
                 ORDER BY timestamp_ms, id LIMIT $2",
                vec![Box::new(to_i64(*begin_ms)?), Box::new(limit(*n))],
            ),
            HistoryQuery::TxMessages { tx, limit: n } => (
                "SELECT json FROM tx_messages WHERE tx = $1 ORDER BY seq LIMIT $2",
                vec![Box::new(to_i64(*tx)?), Box::new(limit(*n))],
            ),
            HistoryQuery::Trades {
                article,
                begin_ms,
                end_ms,
                limit: n,
            } => (
                "SELECT json FROM txs WHERE article = $1 AND matched_ms >= $2 AND matched_ms < $3
                 ORDER BY matched_ms, id LIMIT $4",
                vec![
                    Box::new(article.clone()),
                    Box::new(to_i64(*begin_ms)?),
                    Box::new(to_i64((*end_ms).min(i64::MAX as u64))?),
                    Box::new(limit(*n)),
                ],
            ),
        };
        self.with_reader(|c| {
            let stmt = c.prepared(sql)?;
            let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|b| &**b).collect();
            let rows = c.client.query(&stmt, &refs).map_err(backend)?;
            rows.iter()
                .map(|r| decode_json(r.get::<_, &str>(0)))
                .collect()
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
        let code = currency.code().to_owned();
        self.with_reader(|c| {
            let stmt = c.prepared(
                "SELECT slot, sum, min, max, count FROM price_slots
                 WHERE article = $1 AND currency = $2 AND grain = $3
                   AND slot BETWEEN $4 AND $5
                 ORDER BY slot",
            )?;
            let rows = c
                .client
                .query(&stmt, &[&article, &code, &g, &first, &last])
                .map_err(backend)?;
            rows.iter()
                .map(|r| {
                    let money = |a: i64| Money::new(a, currency);
                    Ok((
                        from_i64(r.get(0))?,
                        PriceAggregate {
                            sum: r.get::<_, Option<i64>>(1).map(money),
                            min: money(r.get(2)),
                            max: money(r.get(3)),
                            count: from_i64(r.get(4))?,
                        },
                    ))
                })
                .collect()
        })
    }

    /// Writes a SQLite database (the SQLite store's schema) holding every
    /// table as of one moment: one `REPEATABLE READ` transaction reads
    /// them all while the writer goes on.
    fn backup(&self, path: &Path) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::Backend(format!(
                "backup target {} exists; it is never overwritten",
                path.display()
            )));
        }
        let mut tables = Vec::with_capacity(TABLES.len());
        self.with_reader(|c| {
            let mut tx = c
                .client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(backend)?;
            for (table, cols) in TABLES {
                let names: Vec<&'static str> = cols.iter().map(|(n, _)| *n).collect();
                let sql = format!("SELECT {} FROM {table}", names.join(", "));
                let rows = tx.query(sql.as_str(), &[]).map_err(backend)?;
                let values: Vec<Vec<SqlValue>> = rows
                    .iter()
                    .map(|row| {
                        cols.iter()
                            .enumerate()
                            .map(|(i, (_, kind))| match kind {
                                Col::Int => SqlValue::Integer(row.get::<_, i64>(i)),
                                Col::OptInt => row
                                    .get::<_, Option<i64>>(i)
                                    .map_or(SqlValue::Null, SqlValue::Integer),
                                Col::Text => SqlValue::Text(row.get::<_, String>(i)),
                                Col::Bytes => SqlValue::Blob(row.get::<_, Vec<u8>>(i)),
                            })
                            .collect()
                    })
                    .collect();
                tables.push((*table, names, values));
            }
            tx.rollback().map_err(backend)
        })?;
        super::SqliteStore::open(path)?.import(&tables)
    }
}

#[cfg(test)]
mod tests;

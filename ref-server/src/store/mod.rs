//! Persistence of the reference server (issue 8, spec §16 durability rules).
//!
//! The market lives in memory, owned by one task. What makes it durable is
//! the **event log**: every accepted input's [`Event`] gets the next
//! sequence number and is committed before the client hears of success.
//! Start-up recovery is "latest snapshot, then replay of later events".
//!
//! Besides the log, every commit writes **history records** derived from the
//! events it carries (bids, transactions, movements, accepted messages,
//! deposits, relations) in the same database transaction. They serve the
//! read endpoints for everything that has left the in-memory market
//! (retired bids and transactions, old movements) and the queries.
//!
//! The [`Store`] trait is the whole interface the driver uses. It assumes
//! nothing SQLite-specific, so that a PostgreSQL store for several server
//! nodes can implement it later: sequence numbers are assigned by the caller
//! and a commit whose first sequence number does not continue the log
//! exactly is refused ([`StoreError::Fenced`]) — that is the fencing rule a
//! multi-node store enforces with a unique key inside the commit
//! transaction.

use bitwrk_protocol::market::Event;
use bitwrk_protocol::money::{Currency, Money};
use bitwrk_protocol::wire::PriceAggregate;

pub mod commit_queue;
pub mod postgres;
pub mod prices;
pub mod recovery;
pub mod replay;
pub mod sqlite;
#[cfg(test)]
pub(crate) mod suite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A sequence number in the event log: 1, 2, 3, … without gaps.
pub type Seq = u64;

/// One logged event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    /// Its position in the log.
    pub seq: Seq,
    /// The event.
    pub event: Event,
}

/// A history record written alongside the events of a commit. The driver
/// derives them from the market after applying each event; the JSON values
/// are the 0.7-shaped JSON renderings of the core's types, so reads can be
/// served from the store without the market.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A bid as it is now (insert or replace by id).
    Bid {
        /// Bid id (decimal sequence number).
        id: u64,
        /// The `Bid` JSON.
        json: serde_json::Value,
    },
    /// A transaction as it is now (insert or replace by id). The first
    /// record of an id also adds its price to the price totals of its
    /// article, currency and slot of each grain ([`Store::price_totals`]);
    /// later ones leave the totals alone, since article, match time and
    /// price of a transaction never change.
    Tx {
        /// Transaction id.
        id: u64,
        /// The article (for price queries).
        article: String,
        /// When it was matched, milliseconds since the epoch (for the price
        /// totals and [`HistoryQuery::Trades`]).
        matched_ms: u64,
        /// The price it was matched at (for the price totals).
        price: Money,
        /// The `Transaction` JSON.
        json: serde_json::Value,
    },
    /// An accepted transaction message (the message log of the tx view;
    /// insert: one per (tx, seq), a second one fails the commit).
    TxMessage {
        /// The transaction.
        tx: u64,
        /// The event that carried it.
        seq: Seq,
        /// The message JSON (received time, document, signature, sender
        /// role, phases before and after).
        json: serde_json::Value,
    },
    /// A ledger movement (insert; movements never change: a commit that
    /// inserts an id already stored fails and writes nothing).
    Movement {
        /// Movement id.
        id: u64,
        /// Milliseconds since the epoch, for `/query/ledger`.
        timestamp_ms: u64,
        /// The accounts it touches (one or two), for the account view.
        accounts: Vec<String>,
        /// The `MovementRecord` JSON.
        json: serde_json::Value,
    },
    /// A deposit (insert or replace by uid).
    Deposit {
        /// The deposit's uid.
        uid: String,
        /// The deposit JSON.
        json: serde_json::Value,
    },
    /// A relation (insert or replace by source/type/target).
    Relation {
        /// `<source>/<type>/<target>`.
        key: String,
        /// The relation JSON.
        json: serde_json::Value,
    },
}

/// What one commit writes: consecutive events and their history records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Commit {
    /// Events with consecutive sequence numbers continuing the log.
    pub events: Vec<LoggedEvent>,
    /// Records derived from these events.
    pub records: Vec<Record>,
}

/// A snapshot of the market after applying every event up to `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The last event the snapshot includes.
    pub seq: Seq,
    /// The serialized market state (format owned by the core).
    pub state: Vec<u8>,
}

/// Which stored history records a read asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryQuery {
    /// Movements touching an account, newest first: those with an id
    /// below `before` if given (the older pages of the account view).
    AccountMovements {
        /// The account.
        account: String,
        /// Only ids below this one.
        before: Option<u64>,
        /// At most this many.
        limit: usize,
    },
    /// Movements touching an account with an id of `since` or above,
    /// oldest first (the newer pages of the account view).
    AccountMovementsSince {
        /// The account.
        account: String,
        /// The smallest id.
        since: u64,
        /// At most this many.
        limit: usize,
    },
    /// Movements of all accounts from `begin_ms` on (inclusive), oldest first.
    Ledger {
        /// Start time in milliseconds since the epoch.
        begin_ms: u64,
        /// At most this many.
        limit: usize,
    },
    /// Accepted messages of a transaction, oldest first.
    TxMessages {
        /// The transaction.
        tx: u64,
        /// At most this many.
        limit: usize,
    },
    /// Transactions of an article matched in `[begin_ms, end_ms)`, oldest first.
    Trades {
        /// The article.
        article: String,
        /// Start.
        begin_ms: u64,
        /// End (exclusive).
        end_ms: u64,
        /// At most this many.
        limit: usize,
    },
}

/// The time grains of the stored price totals ([`Store::price_totals`]).
/// Slot `k` of a grain of `g` milliseconds holds the trades matched in
/// `(g·(k−1), g·k]` ms, so that the half-open slots of `/query/prices`
/// (BW-JSON-14) are unions of whole grains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceGrain {
    /// One millisecond (the resolution of match times): slot `k` is the
    /// trades matched at `k` ms exactly.
    Millisecond,
    /// One second.
    Second,
}

impl PriceGrain {
    /// Both grains; a commit updates each.
    pub const ALL: [PriceGrain; 2] = [PriceGrain::Millisecond, PriceGrain::Second];

    /// The length in milliseconds.
    pub const fn millis(self) -> u64 {
        match self {
            PriceGrain::Millisecond => 1,
            PriceGrain::Second => 1000,
        }
    }

    /// The slot a match time falls in.
    pub const fn slot(self, matched_ms: u64) -> u64 {
        matched_ms.div_ceil(self.millis())
    }
}

/// Why the store failed. Every failure of a commit means: nothing of it was
/// written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The commit does not continue the log (another writer got there first,
    /// or the caller's sequence numbers are wrong).
    #[error("store.fenced: commit starts at {got}, the log continues at {expected}")]
    Fenced {
        /// The sequence number the log expects next.
        expected: Seq,
        /// The first sequence number of the commit.
        got: Seq,
    },
    /// This node's term as leader is over: another node took the lead
    /// (epoch `current`) after this one got `epoch`. Nothing was written.
    #[error("store.deposed: this node led in epoch {epoch}, the database is at epoch {current}")]
    Deposed {
        /// The epoch this node holds.
        epoch: u64,
        /// The epoch in the database.
        current: u64,
    },
    /// The database schema is newer than this program knows.
    #[error("store.schema-too-new: schema version {found}, this program knows up to {known}")]
    SchemaTooNew {
        /// Found in the database.
        found: u32,
        /// Known to this program.
        known: u32,
    },
    /// A snapshot claims to include events the log does not have.
    #[error("store.snapshot-ahead: snapshot at {snapshot}, the log ends at {last}")]
    SnapshotAhead {
        /// The snapshot's sequence number.
        snapshot: Seq,
        /// The last logged event.
        last: Seq,
    },
    /// A stored value could not be decoded.
    #[error("store.corrupt: {0}")]
    Corrupt(String),
    /// The database engine failed.
    #[error("store.backend: {0}")]
    Backend(String),
}

/// The fencing rule every store applies inside its commit transaction:
/// the commit's events continue the log at `last + 1` without gaps
/// ([`StoreError::Fenced`] otherwise).
pub(crate) fn check_fence(last: Seq, commit: &Commit) -> Result<(), StoreError> {
    for (expected, e) in (last + 1..).zip(&commit.events) {
        if e.seq != expected {
            return Err(StoreError::Fenced {
                expected,
                got: e.seq,
            });
        }
    }
    Ok(())
}

/// The persistence interface of the server. Implementations are shared by
/// the commit thread and by readers (hence `&self` and `Sync`); they handle
/// their own connections.
pub trait Store: Send + Sync + 'static {
    /// Writes `commit` atomically and durably (fsync before returning Ok).
    /// Refuses with [`StoreError::Fenced`] unless the first event's sequence
    /// number is exactly [`last_seq`](Self::last_seq) + 1.
    fn commit(&self, commit: &Commit) -> Result<(), StoreError>;

    /// The sequence number of the last committed event (0 for an empty log).
    fn last_seq(&self) -> Result<Seq, StoreError>;

    /// The newest snapshot, if any.
    fn latest_snapshot(&self) -> Result<Option<Snapshot>, StoreError>;

    /// The `seq` of the newest snapshot, if any (without loading it).
    fn latest_snapshot_seq(&self) -> Result<Option<Seq>, StoreError> {
        Ok(self.latest_snapshot()?.map(|s| s.seq))
    }

    /// Stores a snapshot (older ones may be dropped). Refuses a snapshot
    /// whose `seq` is beyond [`last_seq`](Self::last_seq)
    /// ([`StoreError::SnapshotAhead`]).
    fn write_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError>;

    /// Calls `f` for every event after `after`, in order.
    fn events_after(
        &self,
        after: Seq,
        f: &mut dyn FnMut(LoggedEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// A stored bid's JSON.
    fn bid(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError>;

    /// A stored transaction's JSON.
    fn tx(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError>;

    /// A stored movement's JSON.
    fn movement(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError>;

    /// A stored deposit's JSON.
    fn deposit(&self, uid: &str) -> Result<Option<serde_json::Value>, StoreError>;

    /// A stored relation's JSON, by `<source>/<type>/<target>`.
    fn relation(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError>;

    /// History records (JSON values) for a query.
    fn history(&self, query: &HistoryQuery) -> Result<Vec<serde_json::Value>, StoreError>;

    /// The price totals of `article` in `currency` for every slot of
    /// `grain` in `slots` ([`PriceGrain::slot`]) that has a trade, in slot
    /// order. [`commit`](Self::commit) maintains them from the first
    /// [`Record::Tx`] of each transaction, in the same transaction as the
    /// record; the schema upgrade that introduced them filled them from the
    /// stored transactions. `/query/prices` is answered from them
    /// ([`prices`]).
    fn price_totals(
        &self,
        article: &str,
        currency: Currency,
        grain: PriceGrain,
        slots: core::ops::RangeInclusive<u64>,
    ) -> Result<Vec<(u64, PriceAggregate)>, StoreError>;

    /// Writes a consistent copy of the whole database to `path` while the
    /// server keeps running (online backup).
    fn backup(&self, path: &std::path::Path) -> Result<(), StoreError>;
}

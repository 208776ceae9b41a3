//! The daemon's durable state in one SQLite database under the resource
//! directory: a content-addressed store of files (work, results), the
//! activity records and the mandates, and the key counter they share.
//!
//! The content store is bounded by a byte budget. When a new file does not
//! fit, the least recently used files are evicted, but never a *pinned*
//! one: a live trade pins the files it works on, and a buy's result stays
//! pinned until the local application has fetched it once, so it survives
//! a restart of the client (DEP-504). A file that cannot fit even after
//! every unpinned file is gone is refused with `daemon.store-full`.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use bitwrk_protocol::Hash256;
use rusqlite::{Connection, OptionalExtension, params};

use super::cas;
use super::error::DaemonError;
use super::packs::{self, Packs};
use super::staging;

/// Pin owner of results the local application has not fetched yet.
pub const UNFETCHED: &str = "unfetched";

/// How many finished activities are kept (BitWrk 0.7's history ring).
pub const HISTORY: u64 = 100;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pins (
    hash TEXT NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (hash, owner)
);
CREATE TABLE IF NOT EXISTS activities (
    key INTEGER PRIMARY KEY,
    alive INTEGER NOT NULL,
    info TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mandates (
    key INTEGER PRIMARY KEY,
    info TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
";

/// The database; every method is one SQLite transaction. Clones share it.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Mutex<Inner>>,
}

/// The connection and the content's byte count, under one lock.
#[derive(Debug)]
pub struct Inner {
    /// The connection.
    pub conn: Connection,
    /// Bytes of stored chunks.
    pub bytes: u64,
    /// The content budget.
    pub budget: u64,
    /// The files holding the chunks' bytes.
    pub packs: Packs,
    /// Bytes written to packs for staged chunks, not yet in the table
    /// ([`super::staging`]).
    pub staged: u64,
}

/// A database error.
pub fn db(e: rusqlite::Error) -> DaemonError {
    DaemonError::Database {
        detail: e.to_string(),
    }
}

impl Store {
    /// Opens (or creates) the database at `path` with a content budget of
    /// `budget` bytes.
    pub fn open(path: &Path, budget: u64) -> Result<Store, DaemonError> {
        let conn = Connection::open(path).map_err(db)?;
        // The database holds small rows only (chunk bytes are in pack
        // files), looked up by random keys: small pages (only a new
        // database takes the size) and a cache that holds the hot part of
        // the indexes keep lookups from re-reading pages; a long log
        // between checkpoints lets a page changed by many commits be
        // written back once.
        conn.execute_batch(
            "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=16384;
             PRAGMA temp_store=MEMORY;",
        )
        .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        cas::set_aside_chunk_blobs(&conn)?;
        conn.execute_batch(cas::SCHEMA).map_err(db)?;
        conn.execute_batch(packs::SCHEMA).map_err(db)?;
        conn.execute_batch(staging::SCHEMA).map_err(db)?;
        let packs = Packs::open(&path.with_extension("packs"), &conn)?;
        let bytes = cas::stored_bytes(&conn)?;
        let store = Store {
            inner: Arc::new(Mutex::new(Inner {
                conn,
                bytes,
                budget,
                packs,
                staged: 0,
            })),
        };
        store.migrate_chunk_blobs()?;
        // Files being written when the client stopped are incomplete, and
        // after a crash some bytes may not have reached the disk.
        store.abort_owner(None)?;
        store.drop_unflushed()?;
        store.migrate_blobs()?;
        Ok(store)
    }

    /// Moves the files of the whole-blob layout (before chunked storage)
    /// into chunks, one at a time.
    fn migrate_blobs(&self) -> Result<(), DaemonError> {
        loop {
            let next: Option<(String, Vec<u8>)> = {
                let inner = self.lock();
                let exists: Option<String> = inner
                    .conn
                    .query_row(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'blobs'",
                        [],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db)?;
                if exists.is_none() {
                    return Ok(());
                }
                inner
                    .conn
                    .query_row(
                        "SELECT hash, data FROM blobs ORDER BY used LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(db)?
            };
            let Some((hash, data)) = next else {
                self.lock()
                    .conn
                    .execute_batch("DROP TABLE blobs")
                    .map_err(db)?;
                return self.flush();
            };
            // A file that no longer fits is dropped, as eviction would.
            let _ = self.put(&data, None);
            self.lock()
                .conn
                .execute("DELETE FROM blobs WHERE hash = ?1", params![hash])
                .map_err(db)?;
        }
    }

    /// Whether pack files bypass the page cache (`--store-direct-io`,
    /// [`super::packs::Packs::set_direct`]).
    pub fn set_direct_io(&self, on: bool) {
        self.lock().packs.set_direct(on);
    }

    /// The connection, locked.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (each method is one transaction), so a poisoned lock is usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Next value of the persistent counter `name` (starting at 1).
    pub fn bump(conn: &Connection, name: &str) -> Result<u64, DaemonError> {
        conn.execute(
            "INSERT INTO meta(name, value) VALUES (?1, 1)
             ON CONFLICT(name) DO UPDATE SET value = value + 1",
            params![name],
        )
        .map_err(db)?;
        let v: i64 = conn
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .map_err(db)?;
        u64::try_from(v).map_err(|_| DaemonError::Database {
            detail: format!("counter {name} is negative"),
        })
    }

    /// The largest activity or mandate key ever stored (0 if none): keys
    /// of a new run start above it.
    pub fn max_key(&self) -> Result<u64, DaemonError> {
        let inner = self.lock();
        let conn = &inner.conn;
        let k: i64 = conn
            .query_row(
                "SELECT MAX(COALESCE((SELECT MAX(key) FROM activities), 0),
                            COALESCE((SELECT MAX(key) FROM mandates), 0),
                            COALESCE((SELECT value FROM meta WHERE name = 'max_key'), 0))",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        Ok(u64::try_from(k).unwrap_or(0))
    }

    /// Remembers that keys up to `key` were handed out.
    pub fn reserve_keys(&self, key: u64) -> Result<(), DaemonError> {
        self.lock()
            .conn
            .execute(
                "INSERT INTO meta(name, value) VALUES ('max_key', ?1)
                 ON CONFLICT(name) DO UPDATE SET value = MAX(value, ?1)",
                params![key as i64],
            )
            .map_err(db)?;
        Ok(())
    }

    /// Replaces every mandate record with `mandates` (`(key, info)`).
    pub fn replace_mandates(&self, mandates: &[(u64, String)]) -> Result<(), DaemonError> {
        let mut inner = self.lock();
        let tx = inner.conn.transaction().map_err(db)?;
        tx.execute("DELETE FROM mandates", []).map_err(db)?;
        for (k, info) in mandates {
            tx.execute(
                "INSERT INTO mandates(key, info) VALUES (?1, ?2)",
                params![*k as i64, info],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    /// Pins `hash` for `owner` (the file need not be present yet).
    pub fn pin(&self, hash: &Hash256, owner: &str) -> Result<(), DaemonError> {
        if owner == UNFETCHED {
            // The result must survive a crash of the machine (DEP-504).
            self.flush()?;
        }
        self.lock()
            .conn
            .execute(
                "INSERT OR IGNORE INTO pins(hash, owner) VALUES (?1, ?2)",
                params![hash.to_string(), owner],
            )
            .map_err(db)?;
        Ok(())
    }

    /// Drops `owner`'s pin of `hash`; returns whether there was one.
    pub fn unpin(&self, hash: &Hash256, owner: &str) -> Result<bool, DaemonError> {
        let n = self
            .lock()
            .conn
            .execute(
                "DELETE FROM pins WHERE hash = ?1 AND owner = ?2",
                params![hash.to_string(), owner],
            )
            .map_err(db)?;
        Ok(n > 0)
    }

    /// Drops every pin held by `owner`.
    pub fn unpin_owner(&self, owner: &str) -> Result<(), DaemonError> {
        self.lock()
            .conn
            .execute("DELETE FROM pins WHERE owner = ?1", params![owner])
            .map_err(db)?;
        Ok(())
    }

    /// Drops every pin whose owner starts with `prefix` (at start-up: the
    /// pins of trades that did not survive the restart).
    pub fn unpin_prefix(&self, prefix: &str) -> Result<(), DaemonError> {
        self.lock()
            .conn
            .execute(
                "DELETE FROM pins WHERE substr(owner, 1, length(?1)) = ?1",
                params![prefix],
            )
            .map_err(db)?;
        Ok(())
    }

    /// Total bytes stored.
    pub fn stored_bytes(&self) -> Result<u64, DaemonError> {
        Ok(self.lock().bytes)
    }

    /// Writes an activity record (its JSON `Info`), keeping at most
    /// [`HISTORY`] finished ones.
    pub fn save_activity(&self, key: u64, alive: bool, info: &str) -> Result<(), DaemonError> {
        let mut inner = self.lock();
        let tx = inner.conn.transaction().map_err(db)?;
        tx.execute(
            "INSERT INTO activities(key, alive, info) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET alive = ?2, info = ?3",
            params![key as i64, alive, info],
        )
        .map_err(db)?;
        tx.execute(
            "DELETE FROM activities WHERE alive = 0 AND key NOT IN
             (SELECT key FROM activities WHERE alive = 0 ORDER BY key DESC LIMIT ?1)",
            params![HISTORY as i64],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(())
    }

    /// Every activity record as `(key, alive, info)`, by key.
    pub fn activities(&self) -> Result<Vec<(u64, bool, String)>, DaemonError> {
        let inner = self.lock();
        let conn = &inner.conn;
        let mut stmt = conn
            .prepare("SELECT key, alive, info FROM activities ORDER BY key")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
            })
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        Ok(rows)
    }

    /// Writes a mandate record (its JSON `Info`).
    #[cfg(test)]
    pub fn save_mandate(&self, key: u64, info: &str) -> Result<(), DaemonError> {
        self.replace_mandates(&[(key, info.to_owned())])
    }

    /// Every mandate record as `(key, info)`, by key.
    pub fn mandates(&self) -> Result<Vec<(u64, String)>, DaemonError> {
        let inner = self.lock();
        let conn = &inner.conn;
        let mut stmt = conn
            .prepare("SELECT key, info FROM mandates ORDER BY key")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(budget: u64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("dir");
        let s = Store::open(&dir.path().join("t.db"), budget).expect("open");
        (dir, s)
    }

    #[test]
    fn lru_eviction_spares_pinned_files() {
        let (_d, s) = store(100);
        let a = s.put(&[1u8; 40], Some("result:1")).expect("a");
        let b = s.put(&[2u8; 40], None).expect("b");
        // c needs room: b (unpinned, least recently used besides a) goes.
        let c = s.put(&[3u8; 40], None).expect("c");
        assert!(s.get(&a).expect("get").is_some(), "pinned file evicted");
        assert!(s.get(&b).expect("get").is_none(), "LRU file kept");
        assert!(s.get(&c).expect("get").is_some());
        assert_eq!(s.stored_bytes().expect("bytes"), 80);
    }

    #[test]
    fn recently_used_file_survives() {
        let (_d, s) = store(100);
        let a = s.put(&[1u8; 40], None).expect("a");
        let b = s.put(&[2u8; 40], None).expect("b");
        s.get(&a).expect("touch a");
        s.put(&[3u8; 40], None).expect("c");
        assert!(s.get(&a).expect("get").is_some());
        assert!(s.get(&b).expect("get").is_none());
    }

    #[test]
    fn full_store_refuses_rather_than_evicting_pins() {
        let (_d, s) = store(100);
        s.put(&[1u8; 60], Some("trade:1")).expect("a");
        let e = s.put(&[2u8; 60], None).expect_err("must not fit");
        assert_eq!(bitwrk_protocol::ErrorCode::code(&e), "daemon.store-full");
        let e = s.put(&[2u8; 101], None).expect_err("larger than budget");
        assert_eq!(bitwrk_protocol::ErrorCode::code(&e), "daemon.store-full");
        s.unpin_owner("trade:1").expect("unpin");
        s.put(&[2u8; 60], None).expect("fits after unpin");
    }

    #[test]
    fn state_survives_reopen_and_history_is_bounded() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        {
            let s = Store::open(&path, 1000).expect("open");
            assert_eq!(s.max_key().expect("k"), 0);
            s.save_mandate(1, "{\"m\":1}").expect("m");
            s.reserve_keys(700).expect("reserve");
            for k in 2..(HISTORY + 10) {
                s.save_activity(k, false, "{}").expect("a");
            }
            s.save_activity(500, true, "{\"live\":true}").expect("live");
        }
        let s = Store::open(&path, 1000).expect("reopen");
        assert_eq!(s.max_key().expect("k"), 700);
        assert_eq!(s.mandates().expect("m"), vec![(1, "{\"m\":1}".to_owned())]);
        let acts = s.activities().expect("a");
        assert_eq!(acts.iter().filter(|a| !a.1).count() as u64, HISTORY);
        assert!(acts.iter().any(|a| a.0 == 500 && a.1));
        s.replace_mandates(&[(3, "{}".to_owned())])
            .expect("replace");
        assert_eq!(s.mandates().expect("m"), vec![(3, "{}".to_owned())]);
    }
}

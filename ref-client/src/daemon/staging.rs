//! Staged chunk writes: a large file's chunk bytes go to the pack files as
//! they come, but their rows go to the database only in a few large
//! commits, sorted by key.
//!
//! Chunk keys are random, so every row lands on a random page of the
//! `chunks` table and of the `file_chunks_chunk` index. Committing a few
//! hundred rows at a time (as a batch of a few mebibytes holds) dirties
//! about one page per row, and each commit copies its dirty pages into the
//! write-ahead log: storing a gibibyte wrote more than a gibibyte of log.
//! Staged, the rows of [`COMMIT_ROWS`] chunks (or of a whole smaller file)
//! are committed together, in key order, so each page is written about
//! once per commit.
//!
//! While a chunk is staged it is invisible to other users of the store, so
//! two things are kept in memory until the commit:
//! - the bytes count against the budget ([`super::store::Inner::staged`]),
//!   and the packs holding them are not deleted or compacted
//!   ([`Packs::hold`]);
//! - a file that already holds a chunk the staged file shares is
//!   *shielded* from eviction (table `temp.shields`), since the staged
//!   file does not reference the chunk yet. A shared chunk that disappears
//!   anyway (its only holder was a pending file that was dropped) fails the
//!   commit with an error naming it.
//!
//! After a crash, staged bytes are dead space in their pack (no row points
//! to them); the pack is compacted or deleted like any other.

use std::collections::{HashMap, HashSet};

use bitwrk_protocol::Hash256;
use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};

use super::cas::{in_tx, make_room};
use super::error::DaemonError;
use super::packs::{Location, Packs};
use super::store::{Inner, Store, db};

/// Rows committed in one transaction; writers commit once they have
/// staged this many (about 256 MiB of chunks), which bounds the memory the
/// staged rows take.
pub const COMMIT_ROWS: usize = 1 << 15;

/// The session-only table of shielded files.
pub const SCHEMA: &str = "
CREATE TEMP TABLE IF NOT EXISTS shields (
    file INTEGER PRIMARY KEY,
    n INTEGER NOT NULL
);
";

/// What the staged chunks become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The chunks of pending file `id`, in order: its rows are written at
    /// the commit.
    File(i64),
    /// Chunks of a listed file, whose rows exist already
    /// ([`Store::begin_listed`]).
    Listed,
}

/// One chunk of a staged file (or one new chunk of a listed one).
#[derive(Clone, Copy, Debug)]
struct Record {
    key: Hash256,
    size: u32,
    /// Where this record's new bytes are; `None`: the chunk is stored
    /// already (or staged by an earlier record).
    loc: Option<Location>,
}

/// Chunks staged for one file.
#[derive(Debug)]
pub struct Staged {
    store: Store,
    target: Target,
    records: Vec<Record>,
    /// The file index of `records[0]` (rows committed before).
    base: i64,
    /// Chunks whose bytes are staged, not committed.
    fresh: HashMap<Hash256, Location>,
    /// Staged bytes per pack.
    held: HashMap<i64, u64>,
    /// Files shielded for this one.
    shields: Vec<i64>,
    /// Rows at which [`Staged::full`] says so.
    commit_rows: usize,
}

impl Staged {
    /// Nothing staged yet.
    pub fn new(store: Store, target: Target) -> Staged {
        Staged {
            store,
            target,
            records: Vec::new(),
            base: 0,
            fresh: HashMap::new(),
            held: HashMap::new(),
            shields: Vec::new(),
            commit_rows: COMMIT_ROWS,
        }
    }

    /// With commits due every `n` rows (tests).
    #[cfg(test)]
    pub fn with_commit_rows(mut self, n: usize) -> Staged {
        self.commit_rows = n;
        self
    }

    /// Whether [`COMMIT_ROWS`] rows wait for a commit.
    pub fn full(&self) -> bool {
        self.records.len() >= self.commit_rows
    }

    /// Stages the next chunks (keys verified by the caller): the bytes of
    /// those not yet stored are appended to a pack in one write, after
    /// room is made for them.
    pub fn stage<D: AsRef<[u8]>>(&mut self, batch: &[(Hash256, D)]) -> Result<(), DaemonError> {
        let store = self.store.clone();
        let mut inner = store.lock();
        self.check_pending(&inner.conn)?;
        let mut sizes = Vec::with_capacity(batch.len());
        for (_, data) in batch {
            let len = data.as_ref().len();
            sizes.push(u32::try_from(len).map_err(|_| DaemonError::Database {
                detail: format!("a chunk of {len} bytes"),
            })?);
        }
        // A listed file's chunks were missing when its wishlist was made;
        // one stored meanwhile (by an assisting seller) keeps its copy at
        // the commit. Others are looked up in one read transaction (a
        // statement on its own takes and drops the database's read lock).
        let stored = match self.target {
            Target::Listed => vec![false; batch.len()],
            Target::File(_) => self.holders(&mut inner.conn, batch)?,
        };
        let mut new: Vec<usize> = Vec::new();
        let mut seen: HashSet<Hash256> = HashSet::new();
        let first = self.records.len();
        for (((key, _), size), stored) in batch.iter().zip(sizes).zip(stored) {
            let known = self.fresh.contains_key(key) || seen.contains(key);
            let stored = !known && stored;
            if !known && !stored {
                seen.insert(*key);
                new.push(self.records.len());
            }
            if (known || stored) && self.target == Target::Listed {
                continue;
            }
            self.records.push(Record {
                key: *key,
                size,
                loc: None,
            });
        }
        if new.is_empty() {
            return Ok(());
        }
        let total: u64 = new.iter().map(|&i| u64::from(self.records[i].size)).sum();
        if inner.bytes + inner.staged + total > inner.budget {
            let room = in_tx(&mut inner, |tx, bytes, budget, packs| {
                make_room(tx, bytes, budget, packs, total)
            });
            if let Err(e) = room {
                // Nothing of this batch is staged.
                self.records.truncate(first);
                return Err(e);
            }
        }
        let datas: HashMap<&Hash256, &[u8]> = batch.iter().map(|(k, d)| (k, d.as_ref())).collect();
        let pieces: Vec<&[u8]> = new.iter().map(|&i| datas[&self.records[i].key]).collect();
        let Inner {
            conn,
            packs,
            staged,
            ..
        } = &mut *inner;
        let (pack, at) = match packs.append_all(conn, &pieces) {
            Ok(p) => p,
            Err(e) => {
                self.records.truncate(first);
                return Err(e);
            }
        };
        packs.hold(pack, total);
        *self.held.entry(pack).or_default() += total;
        *staged += total;
        let mut offset = at;
        for &i in &new {
            let r = &mut self.records[i];
            let loc = Location {
                pack,
                offset,
                size: r.size,
            };
            r.loc = Some(loc);
            self.fresh.insert(r.key, loc);
            offset += u64::from(r.size);
        }
        Ok(())
    }

    /// For a file: that it is still pending (not dropped by its owner's
    /// end meanwhile).
    fn check_pending(&self, conn: &Connection) -> Result<(), DaemonError> {
        let Target::File(id) = self.target else {
            return Ok(());
        };
        let pending: Option<i64> = conn
            .prepare_cached("SELECT 1 FROM files WHERE id = ?1 AND complete = 0")
            .and_then(|mut st| st.query_row(params![id], |r| r.get(0)).optional())
            .map_err(db)?;
        match pending {
            Some(_) => Ok(()),
            None => Err(DaemonError::Database {
                detail: format!("file {id} was dropped while it was written"),
            }),
        }
    }

    /// Whether chunk `key` is stored; for a file, a file holding it is
    /// shielded.
    /// [`Staged::holder`] for each chunk of `batch` not staged here (false
    /// for those), in one transaction.
    fn holders<D>(
        &mut self,
        conn: &mut Connection,
        batch: &[(Hash256, D)],
    ) -> Result<Vec<bool>, DaemonError> {
        let shields = self.shields.len();
        let looked = (|| {
            let tx = conn.transaction().map_err(db)?;
            let mut out = Vec::with_capacity(batch.len());
            for (key, _) in batch {
                out.push(
                    !self.fresh.contains_key(key)
                        && Self::holder(self.target, &mut self.shields, &tx, key)?,
                );
            }
            tx.commit().map_err(db)?;
            Ok(out)
        })();
        if looked.is_err() {
            // Their shield rows were rolled back.
            self.shields.truncate(shields);
        }
        looked
    }

    fn holder(
        target: Target,
        shields: &mut Vec<i64>,
        conn: &Connection,
        key: &Hash256,
    ) -> Result<bool, DaemonError> {
        let found: Option<Option<i64>> = conn
            .prepare_cached(
                "SELECT (SELECT fc.file FROM file_chunks fc WHERE fc.chunk = c.key LIMIT 1)
                 FROM chunks c WHERE c.key = ?1",
            )
            .and_then(|mut st| {
                st.query_row(params![&key.as_bytes()[..]], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
        let Some(holder) = found else {
            return Ok(false);
        };
        if let (Target::File(me), Some(file)) = (target, holder)
            && file != me
            && !shields.contains(&file)
        {
            conn.prepare_cached(
                "INSERT INTO temp.shields(file, n) VALUES (?1, 1)
                 ON CONFLICT(file) DO UPDATE SET n = n + 1",
            )
            .and_then(|mut st| st.execute(params![file]))
            .map_err(db)?;
            shields.push(file);
        }
        Ok(true)
    }

    /// The bytes of staged chunk `key`, if it is staged here.
    pub fn read(&self, key: &Hash256) -> Result<Option<Bytes>, DaemonError> {
        let Some(loc) = self.fresh.get(key) else {
            return Ok(None);
        };
        let mut inner = self.store.lock();
        inner
            .packs
            .read(loc.pack, loc.offset, loc.size as usize)
            .map(Some)
    }

    /// Writes the staged rows, sorted by key, in transactions of at most
    /// [`COMMIT_ROWS`]; for a file, its rows `file_chunks` too. A chunk
    /// stored meanwhile by another writer keeps that copy (these bytes
    /// become dead space).
    pub fn commit(&mut self) -> Result<(), DaemonError> {
        let mut order: Vec<usize> = (0..self.records.len()).collect();
        // New bytes first among equal keys: the later records of a key
        // find it stored.
        order.sort_unstable_by(|&a, &b| {
            let (ra, rb) = (&self.records[a], &self.records[b]);
            ra.key
                .as_bytes()
                .cmp(rb.key.as_bytes())
                .then(ra.loc.is_none().cmp(&rb.loc.is_none()))
        });
        for part in order.chunks(COMMIT_ROWS) {
            let mut inner = self.store.lock();
            let records = &self.records;
            let (target, base) = (self.target, self.base);
            self.check_pending(&inner.conn)?;
            in_tx(&mut inner, |tx, bytes, _, _| {
                let mut live: HashMap<i64, i64> = HashMap::new();
                for &i in part {
                    let r = &records[i];
                    let key = &r.key.as_bytes()[..];
                    if let Target::File(id) = target {
                        tx.prepare_cached(
                            "INSERT INTO file_chunks(file, idx, chunk, size)
                             VALUES (?1, ?2, ?3, ?4)",
                        )
                        .and_then(|mut st| st.execute(params![id, base + i as i64, key, r.size]))
                        .map_err(db)?;
                    }
                    match r.loc {
                        Some(l) => {
                            let added = tx
                                .prepare_cached(
                                    "INSERT OR IGNORE INTO chunks(key, pack, offset, size)
                                     VALUES (?1, ?2, ?3, ?4)",
                                )
                                .and_then(|mut st| {
                                    st.execute(params![key, l.pack, l.offset as i64, l.size])
                                })
                                .map_err(db)?;
                            if added == 1 {
                                *live.entry(l.pack).or_default() += i64::from(l.size);
                                *bytes += u64::from(l.size);
                            }
                        }
                        None if target != Target::Listed => {
                            let present: Option<i64> = tx
                                .prepare_cached("SELECT 1 FROM chunks WHERE key = ?1")
                                .and_then(|mut st| st.query_row(params![key], |r| r.get(0)))
                                .optional()
                                .map_err(db)?;
                            if present.is_none() {
                                return Err(DaemonError::Database {
                                    detail: format!(
                                        "chunk {} was dropped from the store while a file \
                                         sharing it was written",
                                        r.key
                                    ),
                                });
                            }
                        }
                        None => {}
                    }
                }
                for (pack, n) in live {
                    Packs::add_live(tx, pack, n)?;
                }
                Ok(())
            })?;
            for &i in part {
                if let Some(l) = self.records[i].loc {
                    Self::unhold(&mut inner, &mut self.held, l.pack, u64::from(l.size));
                }
            }
        }
        self.base += self.records.len() as i64;
        self.records.clear();
        self.fresh.clear();
        Ok(())
    }

    /// Releases `n` staged bytes of `pack`.
    fn unhold(inner: &mut Inner, held: &mut HashMap<i64, u64>, pack: i64, n: u64) {
        inner.packs.release(pack, n);
        inner.staged = inner.staged.saturating_sub(n);
        if let Some(h) = held.get_mut(&pack) {
            *h = h.saturating_sub(n);
            if *h == 0 {
                held.remove(&pack);
            }
        }
    }
}

impl Drop for Staged {
    /// Uncommitted bytes become dead space; shields are lifted.
    fn drop(&mut self) {
        let mut inner = self.store.lock();
        let held = std::mem::take(&mut self.held);
        if !held.is_empty() {
            inner.packs.dropped = true;
        }
        for (pack, n) in held {
            inner.packs.release(pack, n);
            inner.staged = inner.staged.saturating_sub(n);
        }
        for file in std::mem::take(&mut self.shields) {
            let _ = inner.conn.execute(
                "UPDATE temp.shields SET n = n - 1 WHERE file = ?1",
                params![file],
            );
        }
        let _ = inner
            .conn
            .execute("DELETE FROM temp.shields WHERE n <= 0", []);
    }
}

#[cfg(test)]
mod tests {
    use super::super::cas::tests::{noise, store};
    use super::{Staged, Target};

    #[test]
    fn a_file_sharing_chunks_with_the_eviction_candidate_keeps_them() {
        // `a` is the least recently used file, `x` the next; `b` shares
        // most of `a` and needs room. `a` is shielded while `b` is staged,
        // so `x` goes instead, and both `a` and `b` stay whole.
        let (_d, s) = store(2_600_000);
        let a = noise(1, 1_000_000);
        let x = noise(2, 1_000_000);
        let ha = s.put(&a, None).expect("a");
        let hx = s.put(&x, None).expect("x");
        let mut b = a[..900_000].to_vec();
        b.extend(noise(3, 700_000));
        let hb = s.put(&b, None).expect("b");
        assert!(s.get(&hx).expect("get x").is_none(), "x gave way");
        assert_eq!(s.get(&ha).expect("get a").expect("a is kept"), a);
        assert_eq!(s.get(&hb).expect("get b").expect("b is stored"), b);
        // The shield is lifted once `b` is written: `a`, now the least
        // recently used, gives way to `c` (its part shared with `b` stays).
        let c = noise(4, 950_000);
        s.put(&c, None).expect("c");
        assert!(s.get(&ha).expect("get a").is_none(), "a gave way to c");
        assert_eq!(s.get(&hb).expect("get b").expect("b is kept"), b);
        assert_eq!(s.lock().staged, 0);
    }

    #[test]
    fn a_file_committed_in_parts_keeps_its_chunk_order_and_repeats() {
        // Commits every 7 rows: the rows of later parts continue the file's
        // chunk indexes, and a chunk repeated after its first part was
        // committed is found stored, not written twice.
        let (_d, s) = store(10 << 20);
        let part = noise(6, 200_000);
        let mut data = part.clone();
        data.extend(noise(7, 150_000));
        data.extend(&part);
        let work = bitwrk_protocol::c2c::ChunkedWork::of(&data);
        assert!(work.chunks.len() > 30, "{} chunks", work.chunks.len());
        let offsets = work.offsets();
        let chunks: Vec<_> = work
            .chunks
            .iter()
            .zip(&offsets)
            .map(|(c, &o)| {
                (
                    c.key,
                    data[o as usize..o as usize + c.size as usize].to_vec(),
                )
            })
            .collect();
        let file = s.new_pending(None).expect("pending");
        let mut staged = Staged::new(s.clone(), Target::File(file)).with_commit_rows(7);
        for batch in chunks.chunks(3) {
            staged.stage(batch).expect("stage");
            if staged.full() {
                staged.commit().expect("commit");
            }
        }
        staged.commit().expect("last commit");
        drop(staged);
        s.complete(file, &work.key, work.size, None)
            .expect("complete");
        assert_eq!(s.get(&work.key).expect("get").expect("file"), data);
        assert_eq!(s.chunk_list(file).expect("list"), work.chunks);
        let distinct: std::collections::HashSet<_> = work.chunks.iter().map(|c| c.key).collect();
        let stored: u64 = distinct
            .iter()
            .map(|k| {
                work.chunks
                    .iter()
                    .find(|c| c.key == *k)
                    .map_or(0, |c| u64::from(c.size))
            })
            .sum();
        assert_eq!(s.stored_bytes().expect("bytes"), stored);
        assert!(
            stored < data.len() as u64,
            "the repeated part is stored once"
        );
    }

    #[test]
    fn a_shared_chunk_that_vanishes_while_staged_fails_the_commit() {
        // `b` shares chunks with the pending listed file of a transfer;
        // the transfer is dropped while `b` is written, taking the shared
        // chunks: `b` is refused with an error, never stored broken.
        let (_d, s) = store(10 << 20);
        let a = noise(5, 600_000);
        let work = bitwrk_protocol::c2c::ChunkedWork::of(&a);
        let id = s
            .begin_listed(&work.chunks, Some("trade:1"))
            .expect("listed");
        let offsets = work.offsets();
        let chunks: Vec<_> = work
            .chunks
            .iter()
            .zip(&offsets)
            .map(|(c, &o)| (c.key, a[o as usize..o as usize + c.size as usize].to_vec()))
            .collect();
        s.put_chunks(&chunks).expect("chunks");
        let file = s.new_pending(None).expect("pending");
        let mut staged = Staged::new(s.clone(), Target::File(file));
        staged.stage(&chunks).expect("stage");
        assert_eq!(s.lock().staged, 0, "every chunk was there: no bytes staged");
        s.abort(id).expect("drop the transfer");
        let e = staged.commit().expect_err("a shared chunk is gone");
        assert!(e.to_string().contains("was dropped from the store"), "{e}");
        assert_eq!(s.stored_bytes().expect("bytes"), 0);
    }
}

//! The content store's files, kept as chunks (the content-defined chunks of
//! the client-to-client transfer, §19.2, at most 128 KiB each), so that no
//! file is ever held whole in memory and equal chunks are stored once.
//!
//! Tables: `chunks(key, pack, offset, size)` holds every chunk once, its
//! bytes in a pack file ([`super::packs`]);
//! `files(id, hash, size, used, complete, owner)` a file, and
//! `file_chunks(file, idx, chunk, size)` its chunks in order. A file is
//! written through a [`FileWriter`] (bytes in, chunked here) or *listed*
//! ([`Store::begin_listed`]: a seller knows the chunk list from the buyer's
//! SyncInfo before the chunks arrive). Until it is complete a file is
//! *pending*: it is never evicted, and its chunks are referenced, so they
//! are never evicted either. A pending file that is not completed is
//! dropped with [`Store::abort`], by its owner's end, or at the next start.
//!
//! The byte budget counts chunk bytes. When a chunk does not fit, complete
//! unpinned files are evicted, least recently used first, together with
//! the chunks no other file references.

use bitwrk_protocol::Hash256;
use bitwrk_protocol::c2c::chunking::{ChunkInfo, MAX_CHUNK};
use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::DaemonError;
use super::packs::{Location, Packs};
use super::store::{Inner, Store, db};

/// Tables of the chunked content store.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunks (
    key BLOB PRIMARY KEY,
    pack INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    size INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    hash TEXT UNIQUE,
    size INTEGER NOT NULL,
    used INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    owner TEXT
);
CREATE INDEX IF NOT EXISTS files_used ON files(used);
CREATE TABLE IF NOT EXISTS file_chunks (
    file INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    chunk BLOB NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (file, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS file_chunks_chunk ON file_chunks(chunk);
";

/// A stored file: its row id and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// Row id.
    pub id: i64,
    /// Length in bytes.
    pub size: u64,
}

/// The store locked for [`ChunkProbe::has`] lookups, in one read
/// transaction (a statement on its own takes and drops the database's
/// read lock, which costs more than the lookup).
pub struct ChunkProbe<'a> {
    inner: std::sync::MutexGuard<'a, Inner>,
    /// The read transaction began (else each lookup is its own).
    began: bool,
}

impl Drop for ChunkProbe<'_> {
    fn drop(&mut self) {
        if self.began && self.inner.conn.execute_batch("COMMIT").is_err() {
            let _ = self.inner.conn.execute_batch("ROLLBACK");
        }
    }
}

impl ChunkProbe<'_> {
    /// Whether the chunk `key` is stored.
    pub fn has(&self, key: &Hash256) -> Result<bool, DaemonError> {
        has_chunk(&self.inner.conn, key)
    }

    /// Where the chunk `key` is stored.
    pub fn locate(&self, key: &Hash256) -> Result<Option<Location>, DaemonError> {
        locate(&self.inner.conn, key)
    }
}

/// Where the chunks of file `id` from index `from` on are, about
/// `max_bytes` of them (at least one); empty after the last. A missing
/// chunk is an error.
fn file_locations(
    conn: &Connection,
    id: i64,
    from: u64,
    max_bytes: usize,
) -> Result<Vec<Location>, DaemonError> {
    let n = (max_bytes / MAX_CHUNK).max(1) as i64 * 16;
    let mut stmt = conn
        .prepare_cached(
            "SELECT fc.idx, c.pack, c.offset, c.size FROM file_chunks fc
             LEFT JOIN chunks c ON c.key = fc.chunk
             WHERE fc.file = ?1 AND fc.idx >= ?2 ORDER BY fc.idx LIMIT ?3",
        )
        .map_err(db)?;
    let mut rows = stmt.query(params![id, from as i64, n]).map_err(db)?;
    let mut locs = Vec::new();
    let mut total = 0;
    while let Some(row) = rows.next().map_err(db)? {
        let idx: i64 = row.get(0).map_err(db)?;
        let loc: Option<(i64, i64, i64)> = match row.get::<_, Option<i64>>(1).map_err(db)? {
            Some(pack) => Some((pack, row.get(2).map_err(db)?, row.get(3).map_err(db)?)),
            None => None,
        };
        let (pack, offset, size) = loc.ok_or_else(|| DaemonError::Database {
            detail: format!("file {id}: chunk {idx} is missing"),
        })?;
        locs.push(Location {
            pack,
            offset: offset as u64,
            size: size as u32,
        });
        total += size as usize;
        if total >= max_bytes {
            break;
        }
    }
    Ok(locs)
}

fn locate(conn: &Connection, key: &Hash256) -> Result<Option<Location>, DaemonError> {
    conn.prepare_cached("SELECT pack, offset, size FROM chunks WHERE key = ?1")
        .and_then(|mut st| {
            st.query_row(params![&key.as_bytes()[..]], |r| {
                Ok(Location {
                    pack: r.get(0)?,
                    offset: r.get::<_, i64>(1)? as u64,
                    size: r.get::<_, i64>(2)? as u32,
                })
            })
            .optional()
        })
        .map_err(db)
}

fn has_chunk(conn: &Connection, key: &Hash256) -> Result<bool, DaemonError> {
    let found: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM chunks WHERE key = ?1")
        .and_then(|mut st| {
            st.query_row(params![&key.as_bytes()[..]], |r| r.get(0))
                .optional()
        })
        .map_err(db)?;
    Ok(found.is_some())
}

/// Runs `f` in one transaction with the byte count and the pack files; if
/// it fails, the transaction is rolled back and the count read again from
/// the table. After a commit that dropped chunks, emptied packs go.
pub(super) fn in_tx<R>(
    inner: &mut Inner,
    f: impl FnOnce(&Connection, &mut u64, u64, &mut Packs) -> Result<R, DaemonError>,
) -> Result<R, DaemonError> {
    let Inner {
        conn,
        bytes,
        budget,
        packs,
        staged,
    } = inner;
    let before = *bytes;
    let tx = conn.transaction().map_err(db)?;
    // Staged bytes (not yet in the table) take their part of the budget.
    let r = f(&tx, bytes, budget.saturating_sub(*staged), packs)
        .and_then(|r| tx.commit().map_err(db).map(|()| r));
    if r.is_err() {
        packs.rolled_back();
        *bytes = stored_bytes(conn).unwrap_or(before);
    } else if packs.dropped
        && let Err(e) = packs.reap(conn)
    {
        tracing::warn!(error = %e, "could not clean up pack files");
    }
    r
}

/// Inserts the chunks not yet present, making room for them first; their
/// bytes go to the active pack in one write.
fn insert_chunks(
    conn: &Connection,
    bytes: &mut u64,
    budget: u64,
    packs: &mut Packs,
    chunks: &[(Hash256, Vec<u8>)],
) -> Result<(), DaemonError> {
    let mut new: Vec<(&[u8], &[u8])> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (key, data) in chunks {
        let k = &key.as_bytes()[..];
        if !seen.insert(*key) {
            continue;
        }
        let present: Option<i64> = conn
            .prepare_cached("SELECT 1 FROM chunks WHERE key = ?1")
            .and_then(|mut st| st.query_row(params![k], |r| r.get(0)).optional())
            .map_err(db)?;
        if present.is_none() {
            new.push((k, data));
        }
    }
    if new.is_empty() {
        return Ok(());
    }
    let total: usize = new.iter().map(|(_, d)| d.len()).sum();
    make_room(conn, bytes, budget, packs, total as u64)?;
    let (pack, at) = if new.len() == 1 {
        packs.append(conn, new[0].1)?
    } else {
        let mut buf = Vec::with_capacity(total);
        for (_, d) in &new {
            buf.extend_from_slice(d);
        }
        packs.append(conn, &buf)?
    };
    let mut offset = at;
    for (k, d) in &new {
        conn.prepare_cached("INSERT INTO chunks(key, pack, offset, size) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut st| st.execute(params![k, pack, offset as i64, d.len() as i64]))
            .map_err(db)?;
        offset += d.len() as u64;
    }
    Packs::add_live(conn, pack, total as i64)?;
    *bytes += total as u64;
    Ok(())
}

/// Evicts least recently used complete, unpinned, unshielded
/// ([`super::staging`]) files until `needed` more bytes fit in `budget`.
pub(super) fn make_room(
    conn: &Connection,
    bytes: &mut u64,
    budget: u64,
    packs: &mut Packs,
    needed: u64,
) -> Result<(), DaemonError> {
    let full = |b: u64| DaemonError::StoreFull { needed: b, budget };
    if needed > budget {
        return Err(full(needed));
    }
    while *bytes + needed > budget {
        let victim: Option<i64> = conn
            .query_row(
                "SELECT id FROM files WHERE complete = 1
                 AND hash NOT IN (SELECT hash FROM pins)
                 AND id NOT IN (SELECT file FROM temp.shields) ORDER BY used ASC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        let Some(id) = victim else {
            return Err(full(needed));
        };
        *bytes = bytes.saturating_sub(delete_file(conn, packs, id)?);
    }
    Ok(())
}

/// Deletes file `id` and the chunks only it referenced; returns the bytes
/// freed.
fn delete_file(conn: &Connection, packs: &mut Packs, id: i64) -> Result<u64, DaemonError> {
    let per_pack: Vec<(i64, i64)> = {
        let mut st = conn
            .prepare_cached(
                "SELECT c.pack, SUM(c.size) FROM chunks c
                 WHERE c.key IN (SELECT chunk FROM file_chunks WHERE file = ?1)
                 AND NOT EXISTS (SELECT 1 FROM file_chunks o WHERE o.chunk = c.key AND o.file != ?1)
                 GROUP BY c.pack",
            )
            .map_err(db)?;
        st.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?
    };
    let mut freed = 0i64;
    for (pack, size) in per_pack {
        Packs::add_live(conn, pack, -size)?;
        freed += size;
    }
    conn.execute(
        "DELETE FROM chunks WHERE key IN (SELECT chunk FROM file_chunks WHERE file = ?1)
         AND NOT EXISTS (SELECT 1 FROM file_chunks o WHERE o.chunk = chunks.key AND o.file != ?1)",
        params![id],
    )
    .map_err(db)?;
    conn.execute("DELETE FROM file_chunks WHERE file = ?1", params![id])
        .map_err(db)?;
    conn.execute("DELETE FROM files WHERE id = ?1", params![id])
        .map_err(db)?;
    if freed > 0 {
        packs.dropped = true;
    }
    Ok(u64::try_from(freed).unwrap_or(0))
}

impl Store {
    pub(super) fn new_pending(&self, owner: Option<&str>) -> Result<i64, DaemonError> {
        let inner = self.lock();
        inner
            .conn
            .execute(
                "INSERT INTO files(hash, size, used, complete, owner) VALUES (NULL, 0, 0, 0, ?1)",
                params![owner],
            )
            .map_err(db)?;
        Ok(inner.conn.last_insert_rowid())
    }

    /// A pending file whose chunks are known (a seller's, from the buyer's
    /// SyncInfo); the chunks arrive with [`Store::put_chunk`].
    pub fn begin_listed(
        &self,
        chunks: &[ChunkInfo],
        owner: Option<&str>,
    ) -> Result<i64, DaemonError> {
        let id = self.new_pending(owner)?;
        let mut inner = self.lock();
        let tx = inner.conn.transaction().map_err(db)?;
        {
            let mut stmt = tx
                .prepare("INSERT INTO file_chunks(file, idx, chunk, size) VALUES (?1, ?2, ?3, ?4)")
                .map_err(db)?;
            for (i, c) in chunks.iter().enumerate() {
                stmt.execute(params![
                    id,
                    i as i64,
                    &c.key.as_bytes()[..],
                    i64::from(c.size)
                ])
                .map_err(db)?;
            }
        }
        tx.commit().map_err(db)?;
        Ok(id)
    }

    /// Stores verified chunks in one transaction.
    pub fn put_chunks(&self, chunks: &[(Hash256, Vec<u8>)]) -> Result<(), DaemonError> {
        if chunks.is_empty() {
            return Ok(());
        }
        in_tx(&mut self.lock(), |tx, bytes, budget, packs| {
            insert_chunks(tx, bytes, budget, packs, chunks)
        })
    }

    /// Whether the chunk `key` is stored.
    pub fn has_chunk(&self, key: &Hash256) -> Result<bool, DaemonError> {
        has_chunk(&self.lock().conn, key)
    }

    /// Asks [`Store::has_chunk`] for many keys under one lock (a seller's
    /// wishlist asks for every chunk of the work).
    pub fn probe(&self) -> ChunkProbe<'_> {
        let inner = self.lock();
        let began = inner.conn.is_autocommit() && inner.conn.execute_batch("BEGIN").is_ok();
        ChunkProbe { inner, began }
    }

    /// The chunk `key`.
    pub fn chunk(&self, key: &Hash256) -> Result<Option<Bytes>, DaemonError> {
        let mut inner = self.lock();
        let Inner { conn, packs, .. } = &mut *inner;
        locate(conn, key)?
            .map(|l| packs.read(l.pack, l.offset, l.size as usize))
            .transpose()
    }

    /// The chunk `key`, read at `loc` (found by [`ChunkProbe::locate`]),
    /// or looked up again if that fails: compaction may have moved it and
    /// deleted its old pack. Packs are only appended to and their ids
    /// never reused, so bytes read at an old location are still the
    /// chunk's.
    pub fn chunk_at(&self, key: &Hash256, loc: Location) -> Result<Option<Bytes>, DaemonError> {
        let read = self
            .lock()
            .packs
            .read(loc.pack, loc.offset, loc.size as usize);
        match read {
            Ok(b) => Ok(Some(b)),
            Err(_) => self.chunk(key),
        }
    }

    /// [`Store::chunk_at`] for several chunks under one lock, each run of
    /// them that lies back to back in a pack in one read.
    pub fn chunks_at(
        &self,
        wanted: &[(Hash256, Location)],
    ) -> Result<Vec<Option<Bytes>>, DaemonError> {
        let locs: Vec<Location> = wanted.iter().map(|w| w.1).collect();
        let read = self.lock().packs.read_many(&locs);
        match read {
            Ok(all) => Ok(all.into_iter().map(Some).collect()),
            Err(_) => wanted.iter().map(|(k, l)| self.chunk_at(k, *l)).collect(),
        }
    }

    /// The stored chunks among the first of `keys`, in this order, up to
    /// the first one not stored or `max_bytes` of them, read under one
    /// lock ([`Packs::read_many`]).
    pub fn chunk_run<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k Hash256>,
        max_bytes: u64,
    ) -> Result<Vec<Bytes>, DaemonError> {
        let mut inner = self.lock();
        let Inner { conn, packs, .. } = &mut *inner;
        let mut locs = Vec::new();
        let mut bytes = 0u64;
        for key in keys {
            if bytes >= max_bytes {
                break;
            }
            let Some(l) = locate(conn, key)? else { break };
            bytes += u64::from(l.size);
            locs.push(l);
        }
        packs.read_many(&locs)
    }

    /// Makes pending file `id` complete under `hash`, pinned for `owner`.
    pub fn complete(
        &self,
        id: i64,
        hash: &Hash256,
        size: u64,
        owner: Option<&str>,
    ) -> Result<(), DaemonError> {
        let key = hash.to_string();
        in_tx(&mut self.lock(), |tx, bytes, _, packs| {
            // A result the application has not fetched must survive a crash
            // (DEP-504): its bytes are on disk before it is complete.
            if owner == Some(super::store::UNFETCHED) {
                packs.sync(tx)?;
            }
            let used = i64::try_from(Self::bump(tx, "lru_clock")?).unwrap_or(i64::MAX);
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM files WHERE hash = ?1 AND complete = 1",
                    params![key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            match existing {
                Some(other) => {
                    *bytes = bytes.saturating_sub(delete_file(tx, packs, id)?);
                    tx.execute(
                        "UPDATE files SET used = ?2 WHERE id = ?1",
                        params![other, used],
                    )
                    .map_err(db)?;
                }
                None => {
                    tx.execute(
                    "UPDATE files SET hash = ?2, size = ?3, used = ?4, complete = 1, owner = NULL
                     WHERE id = ?1",
                    params![id, key, size as i64, used],
                )
                .map_err(db)?;
                }
            }
            if let Some(owner) = owner {
                tx.execute(
                    "INSERT OR IGNORE INTO pins(hash, owner) VALUES (?1, ?2)",
                    params![key, owner],
                )
                .map_err(db)?;
            }
            Ok(())
        })
    }

    /// Drops pending file `id` and the chunks only it referenced.
    pub fn abort(&self, id: i64) -> Result<(), DaemonError> {
        in_tx(&mut self.lock(), |tx, bytes, _, packs| {
            let pending: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM files WHERE id = ?1 AND complete = 0",
                    params![id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            if pending.is_some() {
                *bytes = bytes.saturating_sub(delete_file(tx, packs, id)?);
            }
            Ok(())
        })
    }

    /// Flushes every pack written to (at an orderly stop, and before a
    /// result is pinned for the application, DEP-504).
    pub fn flush(&self) -> Result<(), DaemonError> {
        in_tx(&mut self.lock(), |tx, _, _, packs| packs.sync(tx))
    }

    /// At start-up: drops the chunks whose bytes lie beyond their pack's
    /// flushed length (rows that reached the disk in a crash before their
    /// bytes did), and every file that uses one.
    pub fn drop_unflushed(&self) -> Result<(), DaemonError> {
        in_tx(&mut self.lock(), |tx, bytes, _, packs| {
            let files: Vec<i64> = {
                let mut st = tx
                    .prepare(
                        "SELECT DISTINCT fc.file FROM chunks c JOIN packs p ON p.id = c.pack
                         JOIN file_chunks fc ON fc.chunk = c.key
                         WHERE c.offset + c.size > p.flushed",
                    )
                    .map_err(db)?;
                st.query_map([], |r| r.get(0))
                    .map_err(db)?
                    .collect::<Result<_, _>>()
                    .map_err(db)?
            };
            for id in files {
                *bytes = bytes.saturating_sub(delete_file(tx, packs, id)?);
            }
            let orphans: Vec<(i64, i64)> = {
                let mut st = tx
                    .prepare(
                        "SELECT c.pack, SUM(c.size) FROM chunks c JOIN packs p ON p.id = c.pack
                         WHERE c.offset + c.size > p.flushed GROUP BY c.pack",
                    )
                    .map_err(db)?;
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(db)?
                    .collect::<Result<_, _>>()
                    .map_err(db)?
            };
            for (pack, size) in orphans {
                Packs::add_live(tx, pack, -size)?;
                *bytes = bytes.saturating_sub(u64::try_from(size).unwrap_or(0));
                packs.dropped = true;
            }
            tx.execute(
                "DELETE FROM chunks WHERE EXISTS (SELECT 1 FROM packs p WHERE p.id = chunks.pack
                 AND chunks.offset + chunks.size > p.flushed)",
                [],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    /// Drops every pending file of `owner` (`None`: every pending file, at
    /// start-up).
    pub fn abort_owner(&self, owner: Option<&str>) -> Result<(), DaemonError> {
        let ids: Vec<i64> = {
            let inner = self.lock();
            let mut stmt = inner
                .conn
                .prepare("SELECT id FROM files WHERE complete = 0 AND (?1 IS NULL OR owner = ?1)")
                .map_err(db)?;
            stmt.query_map(params![owner], |r| r.get(0))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?
        };
        for id in ids {
            self.abort(id)?;
        }
        Ok(())
    }

    /// The complete file `hash`, refreshing its use.
    pub fn file(&self, hash: &Hash256) -> Result<Option<FileRef>, DaemonError> {
        let key = hash.to_string();
        let mut inner = self.lock();
        let tx = inner.conn.transaction().map_err(db)?;
        let found: Option<(i64, i64)> = tx
            .query_row(
                "SELECT id, size FROM files WHERE hash = ?1 AND complete = 1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        if let Some((id, _)) = found {
            let used = i64::try_from(Self::bump(&tx, "lru_clock")?).unwrap_or(i64::MAX);
            tx.execute(
                "UPDATE files SET used = ?2 WHERE id = ?1",
                params![id, used],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(found.map(|(id, size)| FileRef {
            id,
            size: u64::try_from(size).unwrap_or(0),
        }))
    }

    /// The chunk list of file `id` (complete or listed), in file order.
    pub fn chunk_list(&self, id: i64) -> Result<Vec<ChunkInfo>, DaemonError> {
        let inner = self.lock();
        let mut stmt = inner
            .conn
            .prepare("SELECT chunk, size FROM file_chunks WHERE file = ?1 ORDER BY idx")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, size) = row.map_err(db)?;
            let key = <[u8; 32]>::try_from(&key[..]).map_err(|_| DaemonError::Database {
                detail: format!("a chunk key of {} bytes", key.len()),
            })?;
            out.push(ChunkInfo {
                key: Hash256::from_byte_array(key),
                size: u32::try_from(size).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Chunks of file `id` from index `from` on, about `max_bytes` of them
    /// (at least one); empty after the last. A missing chunk is an error.
    pub fn read_chunks(
        &self,
        id: i64,
        from: u64,
        max_bytes: usize,
    ) -> Result<Vec<Bytes>, DaemonError> {
        let mut inner = self.lock();
        let Inner { conn, packs, .. } = &mut *inner;
        let locs = file_locations(conn, id, from, max_bytes)?;
        packs.read_many(&locs)
    }

    /// What [`Store::read_chunks`] reads, as the runs of bytes the chunks
    /// make where they lie back to back (a file written in order is one
    /// run per read), and the number of chunks.
    pub fn read_runs(
        &self,
        id: i64,
        from: u64,
        max_bytes: usize,
    ) -> Result<(usize, Vec<Bytes>), DaemonError> {
        let mut inner = self.lock();
        let Inner { conn, packs, .. } = &mut *inner;
        let locs = file_locations(conn, id, from, max_bytes)?;
        Ok((locs.len(), packs.read_runs(&locs)?))
    }

    /// The whole file `hash` (tests).
    #[cfg(test)]
    pub fn get(&self, hash: &Hash256) -> Result<Option<Vec<u8>>, DaemonError> {
        let Some(f) = self.file(hash)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(usize::try_from(f.size).unwrap_or(0));
        let mut next = 0;
        loop {
            let chunks = self.read_chunks(f.id, next, 1 << 20)?;
            if chunks.is_empty() {
                return Ok(Some(out));
            }
            next += chunks.len() as u64;
            for c in chunks {
                out.extend_from_slice(&c);
            }
        }
    }

    /// Stores `data` whole, pinned for `owner` if given. Returns its key.
    pub fn put(&self, data: &[u8], owner: Option<&str>) -> Result<Hash256, DaemonError> {
        let mut w = self.writer(None)?;
        if let Err(e) = w.write(data) {
            w.abort();
            return Err(e);
        }
        Ok(w.finish(owner)?.0)
    }
}

/// Layout 1 of the content store (chunk keys as hex text, chunk bytes in a
/// `data` column) is set aside: its tables are renamed `chunks_v1` and
/// `file_chunks_v1`, to be moved into layout 2 (binary keys, bytes in pack
/// files) by [`Store::migrate_chunk_blobs`].
pub fn set_aside_chunk_blobs(conn: &Connection) -> Result<(), DaemonError> {
    let has_data: bool = conn
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('chunks') WHERE name = 'data'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(db)?
        > 0;
    if has_data {
        conn.execute_batch(
            "BEGIN;
             ALTER TABLE chunks RENAME TO chunks_v1;
             ALTER TABLE file_chunks RENAME TO file_chunks_v1;
             DROP INDEX IF EXISTS file_chunks_chunk;
             COMMIT;",
        )
        .map_err(db)?;
    }
    Ok(())
}

impl Store {
    /// Moves layout 1's tables (see [`set_aside_chunk_blobs`]) into
    /// layout 2: the file lists in one transaction, the chunks' bytes into
    /// packs a batch per transaction.
    pub fn migrate_chunk_blobs(&self) -> Result<(), DaemonError> {
        let table = |conn: &Connection, name: &str| -> Result<bool, DaemonError> {
            conn.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                params![name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(db)
        };
        in_tx(&mut self.lock(), |tx, _, _, _| {
            if table(tx, "file_chunks_v1")? {
                tx.execute_batch(
                    "INSERT OR IGNORE INTO file_chunks(file, idx, chunk, size)
                     SELECT file, idx, unhex(chunk), size FROM file_chunks_v1;
                     DROP TABLE file_chunks_v1;",
                )
                .map_err(db)?;
            }
            Ok(())
        })?;
        loop {
            let done = in_tx(&mut self.lock(), |tx, bytes, _, packs| {
                if !table(tx, "chunks_v1")? {
                    return Ok(true);
                }
                let rows: Vec<(String, Vec<u8>)> = {
                    let mut st = tx
                        .prepare("SELECT key, data FROM chunks_v1 LIMIT 256")
                        .map_err(db)?;
                    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                        .map_err(db)?
                        .collect::<Result<_, _>>()
                        .map_err(db)?
                };
                if rows.is_empty() {
                    tx.execute_batch("DROP TABLE chunks_v1").map_err(db)?;
                    return Ok(true);
                }
                for (key, data) in &rows {
                    tx.execute("DELETE FROM chunks_v1 WHERE key = ?1", params![key])
                        .map_err(db)?;
                    let Ok(k) = key.parse::<Hash256>() else {
                        continue;
                    };
                    let (pack, at) = packs.append(tx, data)?;
                    let added = tx
                        .execute(
                            "INSERT OR IGNORE INTO chunks(key, pack, offset, size)
                             VALUES (?1, ?2, ?3, ?4)",
                            params![&k.as_bytes()[..], pack, at as i64, data.len() as i64],
                        )
                        .map_err(db)?;
                    if added == 1 {
                        Packs::add_live(tx, pack, data.len() as i64)?;
                        *bytes += data.len() as u64;
                    }
                }
                packs.sync(tx)?;
                Ok(false)
            })?;
            if done {
                return Ok(());
            }
        }
    }
}

/// The bytes of chunk rows at start-up.
pub fn stored_bytes(conn: &Connection) -> Result<u64, DaemonError> {
    let total: i64 = conn
        .query_row("SELECT COALESCE(SUM(size), 0) FROM chunks", [], |r| {
            r.get(0)
        })
        .map_err(db)?;
    Ok(u64::try_from(total).unwrap_or(0))
}

#[cfg(test)]
#[path = "cas_tests.rs"]
pub(super) mod tests;

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
        let inner = self.lock();
        let found: Option<i64> = inner
            .conn
            .prepare_cached("SELECT 1 FROM chunks WHERE key = ?1")
            .and_then(|mut st| {
                st.query_row(params![&key.as_bytes()[..]], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
        Ok(found.is_some())
    }

    /// The chunk `key`.
    pub fn chunk(&self, key: &Hash256) -> Result<Option<Bytes>, DaemonError> {
        let mut inner = self.lock();
        let Inner { conn, packs, .. } = &mut *inner;
        let loc: Option<(i64, i64, i64)> = conn
            .prepare_cached("SELECT pack, offset, size FROM chunks WHERE key = ?1")
            .and_then(|mut st| {
                st.query_row(params![&key.as_bytes()[..]], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
            })
            .map_err(db)?;
        loc.map(|(pack, offset, size)| packs.read(pack, offset as u64, size as usize))
            .transpose()
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
        drop(rows);
        drop(stmt);
        packs.read_many(&locs)
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
pub(super) mod tests {
    use bitwrk_protocol::c2c::ChunkedWork;
    use bitwrk_protocol::hash::sha256;

    use super::*;

    pub(in crate::daemon) fn store(budget: u64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("dir");
        let s = Store::open(&dir.path().join("t.db"), budget).expect("open");
        (dir, s)
    }

    /// Pseudo-random bytes with many chunk boundaries.
    pub(in crate::daemon) fn noise(seed: u8, len: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(seed);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn files_are_the_transfer_chunks_and_shared_chunks_are_stored_once() {
        let (_d, s) = store(10 << 20);
        let a = noise(1, 300_000);
        let mut b = a.clone();
        b.extend(noise(2, 50_000));
        // Written in odd pieces: the chunks do not depend on them.
        let mut w = s.writer(None).expect("writer");
        for piece in a.chunks(7_777) {
            w.write(piece).expect("write");
        }
        let (ha, len) = w.finish(None).expect("finish");
        assert_eq!((ha, len), (sha256(&a), a.len() as u64));
        let fa = s.file(&ha).expect("file").expect("present");
        let work = ChunkedWork::of(&a);
        assert!(work.chunks.len() > 5);
        assert_eq!(s.chunk_list(fa.id).expect("list"), work.chunks);
        assert_eq!(s.stored_bytes().expect("bytes"), a.len() as u64);
        // b shares all of a's chunks but the last.
        let hb = s.put(&b, None).expect("b");
        let extra = s.stored_bytes().expect("bytes") - a.len() as u64;
        assert!(extra < 50_000 + 140_000, "b stored {extra} new bytes");
        assert_eq!(s.get(&hb).expect("get").expect("b"), b);
        assert_eq!(s.get(&ha).expect("get").expect("a"), a);
        // The same file again is stored once.
        s.put(&a, None).expect("again");
        assert_eq!(s.get(&ha).expect("get").expect("a"), a);
    }

    #[test]
    fn listed_files_fill_with_chunks_and_pending_ones_are_never_evicted() {
        let (_d, s) = store(1 << 20);
        let data = noise(3, 200_000);
        let work = ChunkedWork::of(&data);
        let id = s
            .begin_listed(&work.chunks, Some("trade:7"))
            .expect("listed");
        let offs = work.offsets();
        let mut batch = Vec::new();
        for (c, o) in work.chunks.iter().zip(&offs) {
            assert!(!s.has_chunk(&c.key).expect("has"));
            batch.push((
                c.key,
                data[*o as usize..*o as usize + c.size as usize].to_vec(),
            ));
        }
        s.put_chunks(&batch).expect("chunks");
        assert!(s.has_chunk(&work.chunks[0].key).expect("has"));
        // A full store evicts nothing pending: the new file does not fit.
        let e = s.put(&noise(4, 900_000), None).expect_err("must not fit");
        assert_eq!(bitwrk_protocol::ErrorCode::code(&e), "daemon.store-full");
        assert_eq!(s.stored_bytes().expect("bytes"), data.len() as u64);
        s.complete(id, &work.key, work.size, Some("trade:7"))
            .expect("complete");
        assert_eq!(s.get(&work.key).expect("get").expect("file"), data);
        // Unpinned, it gives way; its chunks go with it.
        s.unpin_owner("trade:7").expect("unpin");
        s.put(&noise(4, 900_000), None).expect("fits now");
        assert!(s.get(&work.key).expect("get").is_none());
        assert!(!s.has_chunk(&work.chunks[0].key).expect("has"));
    }

    #[test]
    fn unfinished_files_are_dropped_by_owner_or_at_start() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        {
            let s = Store::open(&path, 10 << 20).expect("open");
            let mut w = s.writer(Some("trade:1")).expect("w");
            w.write(&noise(5, 6 << 20)).expect("write");
            // Batches are staged while the file grows (by the writer's
            // threads: wait for the first, at most 20 s); their rows wait
            // for the end.
            let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while s.lock().staged == 0 && std::time::Instant::now() < until {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            assert!(s.lock().staged > 0, "batches are staged");
            assert_eq!(s.stored_bytes().expect("bytes"), 0);
            // Dropped by its owner's end: the rest is not stored either,
            // and what was staged is given up.
            s.abort_owner(Some("trade:1")).expect("abort");
            assert!(w.write(&noise(7, 6 << 20)).is_err() || w.finish(None).is_err());
            assert_eq!(s.stored_bytes().expect("bytes"), 0);
            assert_eq!(s.lock().staged, 0);
            let mut w = s.writer(Some("trade:2")).expect("w");
            w.write(&noise(6, 6 << 20)).expect("write");
            // The client stops here.
        }
        let s = Store::open(&path, 10 << 20).expect("reopen");
        assert_eq!(s.stored_bytes().expect("bytes"), 0);
    }

    /// The pack files of a store (name, length).
    fn pack_files(dir: &std::path::Path) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = std::fs::read_dir(dir.join("t.packs"))
            .expect("pack dir")
            .map(|e| {
                let e = e.expect("entry");
                let len = e.metadata().expect("meta").len();
                (e.file_name().to_string_lossy().into_owned(), len)
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn chunk_bytes_live_in_packs_that_go_when_their_chunks_go() {
        let (d, s) = store(3 << 20);
        // A file's chunks lie back to back in one pack.
        let a = noise(11, 1_500_000);
        let ha = s.put(&a, None).expect("a");
        let packs = pack_files(d.path());
        assert_eq!(packs.len(), 1, "{packs:?}");
        assert_eq!(packs[0].1, a.len() as u64);
        assert_eq!(s.get(&ha).expect("get").expect("a"), a);
        // Evicting `a` for two newer files empties its pack, which goes
        // once it is no longer the one being appended to.
        let hb = s.put(&noise(12, 1_500_000), None).expect("b");
        s.put(&noise(13, 1_500_000), None).expect("c");
        assert!(s.get(&ha).expect("get").is_none(), "a was evicted");
        assert!(s.get(&hb).expect("get").is_some());
        let total: u64 = pack_files(d.path()).iter().map(|p| p.1).sum();
        assert!(
            total <= 2 * s.stored_bytes().expect("bytes") + (1 << 20),
            "dead bytes stay bounded: {total} on disk for {} live",
            s.stored_bytes().expect("bytes")
        );
    }

    #[test]
    fn half_dead_packs_are_compacted() {
        let (d, s) = store(64 << 20);
        let a = noise(21, 1_000_000);
        let b = noise(22, 1_200_000);
        let ha = s.put(&a, Some("keep")).expect("a");
        let hb = s.put(&b, None).expect("b");
        // Both in the first pack; the next file goes to a new pack (the
        // first is forgotten as after a rollback), so the first is no
        // longer the one appended to.
        s.lock().packs.rolled_back();
        let hc = s.put(&noise(23, 100_000), Some("keep")).expect("c");
        assert_eq!(pack_files(d.path()).len(), 2);
        // Dropping `b` leaves the first pack less than half live: its
        // live chunks (those of `a`) move to the active pack.
        {
            let mut inner = s.lock();
            let Inner {
                conn, bytes, packs, ..
            } = &mut *inner;
            let tx = conn.transaction().expect("tx");
            let id: i64 = tx
                .query_row(
                    "SELECT id FROM files WHERE hash = ?1",
                    params![hb.to_string()],
                    |r| r.get(0),
                )
                .expect("b's id");
            *bytes -= delete_file(&tx, packs, id).expect("delete b");
            tx.commit().expect("commit");
            packs.reap(conn).expect("reap");
        }
        assert_eq!(s.get(&ha).expect("get").expect("a"), a);
        assert!(s.get(&hb).expect("get").is_none());
        assert_eq!(s.get(&hc).expect("get").expect("c").len(), 100_000);
        let packs = pack_files(d.path());
        assert_eq!(packs.len(), 1, "the first pack is gone: {packs:?}");
        assert_eq!(packs[0].1, 1_100_000, "c's and a's bytes, nothing dead");
    }

    #[test]
    fn a_store_of_layout_1_moves_into_packs() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        let data = noise(31, 400_000);
        let work = ChunkedWork::of(&data);
        assert!(work.chunks.len() > 3);
        {
            // Layout 1: hex keys, chunk bytes in the database.
            let conn = Connection::open(&path).expect("db");
            conn.execute_batch(
                "CREATE TABLE chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL, size INTEGER NOT NULL);
                 CREATE TABLE files (id INTEGER PRIMARY KEY, hash TEXT UNIQUE, size INTEGER NOT NULL,
                     used INTEGER NOT NULL, complete INTEGER NOT NULL, owner TEXT);
                 CREATE TABLE file_chunks (file INTEGER NOT NULL, idx INTEGER NOT NULL,
                     chunk TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (file, idx));
                 CREATE INDEX file_chunks_chunk ON file_chunks(chunk);",
            )
            .expect("layout 1");
            conn.execute(
                "INSERT INTO files(id, hash, size, used, complete) VALUES (1, ?1, ?2, 1, 1)",
                params![work.key.to_string(), data.len() as i64],
            )
            .expect("file");
            for (i, (c, o)) in work.chunks.iter().zip(work.offsets()).enumerate() {
                let bytes = &data[o as usize..o as usize + c.size as usize];
                conn.execute(
                    "INSERT OR IGNORE INTO chunks(key, data, size) VALUES (?1, ?2, ?3)",
                    params![c.key.to_string(), bytes, bytes.len() as i64],
                )
                .expect("chunk");
                conn.execute(
                    "INSERT INTO file_chunks(file, idx, chunk, size) VALUES (1, ?1, ?2, ?3)",
                    params![i as i64, c.key.to_string(), c.size as i64],
                )
                .expect("file chunk");
            }
        }
        let s = Store::open(&path, 10 << 20).expect("open migrates");
        assert_eq!(s.get(&work.key).expect("get").expect("file"), data);
        assert_eq!(s.stored_bytes().expect("bytes"), data.len() as u64);
        assert_eq!(
            s.chunk_list(s.file(&work.key).expect("f").expect("f").id)
                .expect("list"),
            work.chunks
        );
        let old: i64 = s
            .lock()
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('chunks_v1', 'file_chunks_v1')",
                [],
                |r| r.get(0),
            )
            .expect("tables");
        assert_eq!(old, 0, "layout 1's tables are gone");
        drop(s);
        let s = Store::open(&path, 10 << 20).expect("reopen");
        assert_eq!(s.get(&work.key).expect("get").expect("file"), data);
    }

    #[test]
    fn bytes_not_flushed_before_a_crash_are_dropped_with_their_files() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        let (a, b) = (noise(41, 300_000), noise(42, 300_000));
        let (ha, hb);
        {
            let s = Store::open(&path, 10 << 20).expect("open");
            ha = s.put(&a, None).expect("a");
            // A result for the application is flushed when it is pinned.
            s.pin(&ha, super::super::store::UNFETCHED).expect("pin");
            hb = s.put(&b, None).expect("b");
            // The machine stops here: `b`'s bytes were never flushed.
        }
        let s = Store::open(&path, 10 << 20).expect("reopen");
        assert_eq!(s.get(&ha).expect("get").expect("a survives"), a);
        assert!(s.get(&hb).expect("get").is_none(), "b is dropped");
        assert_eq!(s.stored_bytes().expect("bytes"), a.len() as u64);
        // An orderly stop flushes everything.
        let hb = s.put(&b, None).expect("b again");
        s.flush().expect("flush");
        drop(s);
        let s = Store::open(&path, 10 << 20).expect("reopen");
        assert_eq!(s.get(&hb).expect("get").expect("b survives"), b);
    }
}

//! The content store's files, kept as chunks (the content-defined chunks of
//! the client-to-client transfer, §19.2, at most 128 KiB each), so that no
//! file is ever held whole in memory and equal chunks are stored once.
//!
//! Tables: `chunks(key, data, size)` holds every chunk once;
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
use bitwrk_protocol::c2c::chunking::{ChunkInfo, Chunker, MAX_CHUNK};
use bitwrk_protocol::hash::sha256;
use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::error::DaemonError;
use super::store::{Inner, Store, db};

/// Tables of the chunked content store.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunks (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    size INTEGER NOT NULL
);
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
    chunk TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (file, idx)
);
CREATE INDEX IF NOT EXISTS file_chunks_chunk ON file_chunks(chunk);
";

/// Chunks a writer collects before it writes them in one transaction.
const BATCH_BYTES: usize = 4 << 20;

/// A stored file: its row id and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// Row id.
    pub id: i64,
    /// Length in bytes.
    pub size: u64,
}

/// Writes one file into the store, chunk by chunk.
#[derive(Debug)]
pub struct FileWriter {
    id: i64,
    chunker: Chunker,
    current: Vec<u8>,
    batch: Vec<(Hash256, Vec<u8>)>,
    batch_bytes: usize,
    idx: i64,
    hash: Sha256,
    size: u64,
}

impl FileWriter {
    /// Feeds the next bytes of the file.
    pub fn write(&mut self, store: &Store, mut data: &[u8]) -> Result<(), DaemonError> {
        self.hash.update(data);
        self.size += data.len() as u64;
        while !data.is_empty() {
            match self.chunker.scan(data) {
                Some(i) => {
                    self.current.extend_from_slice(&data[..i]);
                    self.end_chunk();
                    data = &data[i..];
                }
                None => {
                    self.current.extend_from_slice(data);
                    data = &[];
                }
            }
            if self.batch_bytes >= BATCH_BYTES {
                self.flush(store)?;
            }
        }
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.size
    }

    fn end_chunk(&mut self) {
        let data = std::mem::replace(&mut self.current, Vec::with_capacity(16 * 1024));
        self.batch_bytes += data.len();
        self.batch.push((sha256(&data), data));
    }

    fn flush(&mut self, store: &Store) -> Result<(), DaemonError> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let id = self.id;
        let first = self.idx;
        in_tx(&mut store.lock(), |tx, bytes, budget| {
            for (i, (key, data)) in batch.iter().enumerate() {
                insert_chunk(tx, bytes, budget, key, data)?;
                tx.prepare_cached(
                    "INSERT INTO file_chunks(file, idx, chunk, size) VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        id,
                        first + i as i64,
                        key.to_string(),
                        data.len() as i64
                    ])
                })
                .map_err(db)?;
            }
            Ok(())
        })?;
        self.idx += batch.len() as i64;
        Ok(())
    }

    /// Ends the file: it becomes complete under its SHA-256, pinned for
    /// `owner` if given. A file already stored under that hash is kept and
    /// this copy dropped. Returns the hash and length.
    pub fn finish(
        mut self,
        store: &Store,
        owner: Option<&str>,
    ) -> Result<(Hash256, u64), DaemonError> {
        if !self.current.is_empty() {
            self.end_chunk();
        }
        let hash = hash256(std::mem::take(&mut self.hash));
        let done = self
            .flush(store)
            .and_then(|()| store.complete(self.id, &hash, self.size, owner));
        if let Err(e) = done {
            let _ = store.abort(self.id);
            return Err(e);
        }
        Ok((hash, self.size))
    }

    /// Drops the unfinished file.
    pub fn abort(self, store: &Store) {
        let _ = store.abort(self.id);
    }
}

/// Runs `f` in one transaction with the byte count; if it fails, the
/// transaction is rolled back and the count read again from the table.
fn in_tx<R>(
    inner: &mut Inner,
    f: impl FnOnce(&Connection, &mut u64, u64) -> Result<R, DaemonError>,
) -> Result<R, DaemonError> {
    let Inner {
        conn,
        bytes,
        budget,
    } = inner;
    let before = *bytes;
    let tx = conn.transaction().map_err(db)?;
    let r = f(&tx, bytes, *budget).and_then(|r| tx.commit().map_err(db).map(|()| r));
    if r.is_err() {
        *bytes = stored_bytes(conn).unwrap_or(before);
    }
    r
}

fn hash256(h: Sha256) -> Hash256 {
    let mut a = [0u8; 32];
    a.copy_from_slice(&h.finalize());
    Hash256::from_byte_array(a)
}

/// Inserts a chunk unless present, making room for it first.
fn insert_chunk(
    conn: &Connection,
    bytes: &mut u64,
    budget: u64,
    key: &Hash256,
    data: &[u8],
) -> Result<bool, DaemonError> {
    let k = key.to_string();
    let present: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM chunks WHERE key = ?1")
        .and_then(|mut st| st.query_row(params![k], |r| r.get(0)).optional())
        .map_err(db)?;
    if present.is_some() {
        return Ok(false);
    }
    make_room(conn, bytes, budget, data.len() as u64)?;
    conn.prepare_cached("INSERT INTO chunks(key, data, size) VALUES (?1, ?2, ?3)")
        .and_then(|mut st| st.execute(params![k, data, data.len() as i64]))
        .map_err(db)?;
    *bytes += data.len() as u64;
    Ok(true)
}

/// Evicts least recently used complete, unpinned files until `needed` more
/// bytes fit in `budget`.
fn make_room(
    conn: &Connection,
    bytes: &mut u64,
    budget: u64,
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
                 AND hash NOT IN (SELECT hash FROM pins) ORDER BY used ASC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        let Some(id) = victim else {
            return Err(full(needed));
        };
        *bytes = bytes.saturating_sub(delete_file(conn, id)?);
    }
    Ok(())
}

/// Deletes file `id` and the chunks only it referenced; returns the bytes
/// freed.
fn delete_file(conn: &Connection, id: i64) -> Result<u64, DaemonError> {
    let freed: i64 = conn
        .query_row(
            "SELECT COALESCE(SUM(c.size), 0) FROM chunks c
             WHERE c.key IN (SELECT chunk FROM file_chunks WHERE file = ?1)
             AND NOT EXISTS (SELECT 1 FROM file_chunks o WHERE o.chunk = c.key AND o.file != ?1)",
            params![id],
            |r| r.get(0),
        )
        .map_err(db)?;
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
    Ok(u64::try_from(freed).unwrap_or(0))
}

impl Store {
    /// Starts writing a file; `owner` (a trade's pin owner) lets the file
    /// be dropped with [`Store::abort_owner`] if it is never finished.
    pub fn writer(&self, owner: Option<&str>) -> Result<FileWriter, DaemonError> {
        let id = self.new_pending(owner)?;
        Ok(FileWriter {
            id,
            chunker: Chunker::new(),
            current: Vec::with_capacity(16 * 1024),
            batch: Vec::new(),
            batch_bytes: 0,
            idx: 0,
            hash: Sha256::new(),
            size: 0,
        })
    }

    fn new_pending(&self, owner: Option<&str>) -> Result<i64, DaemonError> {
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
                stmt.execute(params![id, i as i64, c.key.to_string(), i64::from(c.size)])
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
        in_tx(&mut self.lock(), |tx, bytes, budget| {
            for (key, data) in chunks {
                insert_chunk(tx, bytes, budget, key, data)?;
            }
            Ok(())
        })
    }

    /// Whether the chunk `key` is stored.
    pub fn has_chunk(&self, key: &Hash256) -> Result<bool, DaemonError> {
        let inner = self.lock();
        let found: Option<i64> = inner
            .conn
            .prepare_cached("SELECT 1 FROM chunks WHERE key = ?1")
            .and_then(|mut st| {
                st.query_row(params![key.to_string()], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
        Ok(found.is_some())
    }

    /// The chunk `key`.
    pub fn chunk(&self, key: &Hash256) -> Result<Option<Bytes>, DaemonError> {
        let inner = self.lock();
        let data: Option<Vec<u8>> = inner
            .conn
            .prepare_cached("SELECT data FROM chunks WHERE key = ?1")
            .and_then(|mut st| {
                st.query_row(params![key.to_string()], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
        Ok(data.map(Bytes::from))
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
        let mut inner = self.lock();
        let Inner { conn, bytes, .. } = &mut *inner;
        let tx = conn.transaction().map_err(db)?;
        let used = i64::try_from(Self::bump(&tx, "lru_clock")?).unwrap_or(i64::MAX);
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
                *bytes = bytes.saturating_sub(delete_file(&tx, id)?);
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
        tx.commit().map_err(db)?;
        Ok(())
    }

    /// Drops pending file `id` and the chunks only it referenced.
    pub fn abort(&self, id: i64) -> Result<(), DaemonError> {
        let mut inner = self.lock();
        let Inner { conn, bytes, .. } = &mut *inner;
        let tx = conn.transaction().map_err(db)?;
        let pending: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM files WHERE id = ?1 AND complete = 0",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if pending.is_some() {
            *bytes = bytes.saturating_sub(delete_file(&tx, id)?);
        }
        tx.commit().map_err(db)?;
        Ok(())
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
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, size) = row.map_err(db)?;
            let key = key.parse().map_err(|_| DaemonError::Database {
                detail: format!("bad chunk key {key:?}"),
            })?;
            out.push(ChunkInfo {
                key,
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
        let inner = self.lock();
        let n = (max_bytes / MAX_CHUNK).max(1) as i64 * 16;
        let mut stmt = inner
            .conn
            .prepare_cached(
                "SELECT fc.idx, c.data FROM file_chunks fc LEFT JOIN chunks c ON c.key = fc.chunk
                 WHERE fc.file = ?1 AND fc.idx >= ?2 ORDER BY fc.idx LIMIT ?3",
            )
            .map_err(db)?;
        let mut rows = stmt.query(params![id, from as i64, n]).map_err(db)?;
        let mut out = Vec::new();
        let mut total = 0;
        while let Some(row) = rows.next().map_err(db)? {
            let idx: i64 = row.get(0).map_err(db)?;
            let data: Option<Vec<u8>> = row.get(1).map_err(db)?;
            let data = data.ok_or_else(|| DaemonError::Database {
                detail: format!("file {id}: chunk {idx} is missing"),
            })?;
            total += data.len();
            out.push(Bytes::from(data));
            if total >= max_bytes {
                break;
            }
        }
        Ok(out)
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
        if let Err(e) = w.write(self, data) {
            w.abort(self);
            return Err(e);
        }
        Ok(w.finish(self, owner)?.0)
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
mod tests {
    use bitwrk_protocol::c2c::ChunkedWork;

    use super::*;

    fn store(budget: u64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("dir");
        let s = Store::open(&dir.path().join("t.db"), budget).expect("open");
        (dir, s)
    }

    /// Pseudo-random bytes with many chunk boundaries.
    fn noise(seed: u8, len: usize) -> Vec<u8> {
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
            w.write(&s, piece).expect("write");
        }
        let (ha, len) = w.finish(&s, None).expect("finish");
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
            w.write(&s, &noise(5, 6 << 20)).expect("write");
            assert!(s.stored_bytes().expect("bytes") > 0, "batches are written");
            s.abort_owner(Some("trade:1")).expect("abort");
            assert_eq!(s.stored_bytes().expect("bytes"), 0);
            let mut w = s.writer(Some("trade:2")).expect("w");
            w.write(&s, &noise(6, 6 << 20)).expect("write");
            // The client stops here.
        }
        let s = Store::open(&path, 10 << 20).expect("reopen");
        assert_eq!(s.stored_bytes().expect("bytes"), 0);
    }
}

//! Chunk bytes on disk, in *pack files*: a chunk's bytes are appended to
//! the current pack, and its row in the database (`chunks`, see
//! [`super::cas`]) says which pack, where and how long. SQLite keeps only
//! these small rows, so storing a gibibyte writes its bytes once (no
//! write-ahead-log copy of blob pages) and reading it back is one `read`
//! per run of chunks that lie next to each other, as the chunks of one file
//! written in order do.
//!
//! Table `packs(id, live)` counts the bytes of live chunks per pack. The
//! pack being appended to is *active*; at [`PACK_BYTES`] the next pack
//! starts. A pack whose chunks are all gone is deleted; one that is less
//! than half live is compacted (its live chunks move to the active pack),
//! so the files hold at most about twice the live bytes.
//!
//! Appends are written in whole [`ALIGN`] blocks through a buffer (the
//! partial last block padded, and rewritten by the next append; a closed
//! pack is cut to its length), so that the same writes serve both ways of
//! reaching the disk: through the page cache (the default: a buyer's work
//! is sent, and a seller's pushed to its worker, from the cache the write
//! filled) or past it with `O_DIRECT` ([`Packs::set_direct`], falling back
//! to the page cache when the file system refuses).
//!
//! Crash safety: bytes are written before the rows that point to them are
//! committed; bytes whose rows were never committed are dead space. Pack
//! writes are left to the operating system to flush (flushing every file
//! would hold a gibibyte upload to the disk's speed), except before a file
//! is made complete that must survive a crash of the machine (a result the
//! application has not fetched, DEP-504) and at an orderly stop: then every
//! pack written since the last flush is flushed ([`Packs::sync`]) and its
//! flushed length recorded. After a crash, rows may have reached the disk
//! without their bytes; so at start-up the chunks beyond their pack's
//! flushed length are dropped together with the files that use them
//! (`Store::drop_unflushed`), pack files without a row are deleted and the
//! live counts recomputed ([`Packs::open`]). What is dropped is work of
//! trades, which are not resumed after a restart (BW-CLIENT-30).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::DaemonError;
use super::store::db;

/// Tables of the pack files.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS packs (
    id INTEGER PRIMARY KEY,
    live INTEGER NOT NULL,
    flushed INTEGER NOT NULL DEFAULT 0
);
";

/// A pack is closed (and a new one started) once it holds this many bytes.
pub const PACK_BYTES: u64 = 64 << 20;

/// Pack files opened for reading that are kept open.
const OPEN_READERS: usize = 16;

/// Block size of direct I/O: offsets, lengths and buffer addresses are
/// multiples of it (4 KiB covers the logical block size of common disks).
pub const ALIGN: usize = 4096;

/// Wanted chunks of a pack this close are read in one read (the bytes
/// between them are read and dropped) ...
const READ_GAP: u64 = 64 << 10;

/// ... if the read is at most this long.
pub const READ_SPAN: u64 = 2 << 20;

/// Bytes an append copies into its buffer before writing them.
const WRITE_BUF: usize = 1 << 20;

/// Where a chunk's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// The pack.
    pub pack: i64,
    /// Byte offset in the pack.
    pub offset: u64,
    /// Length.
    pub size: u32,
}

/// The pack files of one store.
#[derive(Debug)]
pub struct Packs {
    dir: PathBuf,
    active: Option<Active>,
    /// The highest pack id ever used by this process or found on disk:
    /// ids are never reused, even when a transaction that created a pack's
    /// row was rolled back.
    last_id: i64,
    readers: HashMap<i64, File>,
    /// Chunks were dropped since the last [`Packs::reap`].
    pub dropped: bool,
    /// Packs written to since the last [`Packs::sync`].
    unsynced: Vec<i64>,
    /// Bytes of staged chunks per pack (rows not committed yet,
    /// [`super::staging`]): such a pack is neither deleted nor compacted.
    holds: HashMap<i64, u64>,
    /// Files are opened for direct I/O ([`Packs::set_direct`]; until a
    /// write or read is refused it).
    direct: bool,
}

/// The pack being appended to.
#[derive(Debug)]
struct Active {
    id: i64,
    file: File,
    /// Bytes appended (the file may be longer by the padding of its last
    /// block).
    size: u64,
    /// Starts with the bytes of the partial last block (`size % ALIGN`).
    buf: Aligned,
}

impl Drop for Active {
    fn drop(&mut self) {
        // The padding of the last block goes; the bytes stay.
        let _ = self.file.set_len(self.size);
    }
}

/// A zeroed buffer of `len` bytes whose start is aligned to [`ALIGN`].
#[derive(Debug)]
struct Aligned {
    v: Vec<u8>,
    at: usize,
    len: usize,
}

impl Aligned {
    fn new(len: usize) -> Aligned {
        let v = vec![0u8; len + ALIGN];
        let at = v.as_ptr().align_offset(ALIGN).min(ALIGN);
        Aligned { v, at, len }
    }

    fn bytes(&mut self) -> &mut [u8] {
        &mut self.v[self.at..self.at + self.len]
    }

    /// The bytes `from..from + len`, without a copy.
    fn into_bytes(self, from: usize, len: usize) -> Bytes {
        let at = self.at + from;
        Bytes::from(self.v).slice(at..at + len)
    }
}

/// `n` rounded up to a multiple of [`ALIGN`].
pub fn align_up(n: u64) -> u64 {
    n.div_ceil(ALIGN as u64) * ALIGN as u64
}

/// The file of pack `id` in `dir`.
fn pack_path(dir: &Path, id: i64) -> PathBuf {
    dir.join(format!("{id}.pack"))
}

/// Opens a pack file for direct I/O if `direct` and the file system
/// allows it, else as usual.
fn open_pack(options: &mut OpenOptions, path: &Path, direct: bool) -> std::io::Result<File> {
    #[cfg(target_os = "linux")]
    if direct {
        let mut o = options.clone();
        o.custom_flags(libc::O_DIRECT);
        match o.open(path) {
            Err(e) if refused(&e) => {}
            other => return other,
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = direct;
    options.open(path)
}

/// Whether `e` is the file system refusing direct I/O (or its alignment).
fn refused(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    return e.raw_os_error() == Some(libc::EINVAL);
    #[cfg(not(target_os = "linux"))]
    return false;
}

/// Chunks `order[from..to]` (indices into the locations) read as bytes
/// `start..end` of `pack`.
struct Run {
    from: usize,
    to: usize,
    pack: i64,
    start: u64,
    end: u64,
}

/// `order` (indices into `locs`) cut into [`Run`]s: a run takes the next
/// chunk while it is in the run's pack and `joins(start, end, chunk)`.
fn runs(
    locs: &[Location],
    order: &[usize],
    joins: impl Fn(u64, u64, Location) -> bool,
) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (n, &k) in order.iter().enumerate() {
        let l = locs[k];
        let l_end = l.offset + u64::from(l.size);
        match out.last_mut() {
            Some(r) if r.pack == l.pack && joins(r.start, r.end, l) => {
                r.to = n + 1;
                r.end = r.end.max(l_end);
            }
            _ => out.push(Run {
                from: n,
                to: n + 1,
                pack: l.pack,
                start: l.offset,
                end: l_end,
            }),
        }
    }
    out
}

/// Reads `buf` at `offset` of `file`; only the first `need` bytes must
/// exist (what follows may be past the end of the file).
fn read_at_least(file: &File, buf: &mut [u8], offset: u64, need: usize) -> std::io::Result<()> {
    let mut got = 0;
    while got < need {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn io(what: &str, path: &Path, e: std::io::Error) -> DaemonError {
    DaemonError::Database {
        detail: format!("{what} {}: {e}", path.display()),
    }
}

impl Active {
    /// Writes `pieces` after the bytes appended so far, in whole blocks
    /// through the buffer; the partial last block padded (see the module's
    /// notes).
    fn append(&mut self, pieces: &[&[u8]]) -> std::io::Result<()> {
        let tail = (self.size % ALIGN as u64) as usize;
        let mut file_at = self.size - tail as u64;
        let mut fill = tail;
        let buf = self.buf.bytes();
        for piece in pieces {
            let mut p: &[u8] = piece;
            while !p.is_empty() {
                let n = p.len().min(WRITE_BUF - fill);
                buf[fill..fill + n].copy_from_slice(&p[..n]);
                fill += n;
                p = &p[n..];
                if fill == WRITE_BUF {
                    self.file.write_all_at(buf, file_at)?;
                    file_at += WRITE_BUF as u64;
                    fill = 0;
                }
            }
        }
        if fill > 0 {
            let padded = align_up(fill as u64) as usize;
            buf[fill..padded].fill(0);
            self.file.write_all_at(&buf[..padded], file_at)?;
            let whole = fill / ALIGN * ALIGN;
            buf.copy_within(whole..fill, 0);
        }
        self.size += pieces.iter().map(|p| p.len() as u64).sum::<u64>();
        Ok(())
    }
}

impl Packs {
    /// The packs in `dir` (created if missing), cleaned up against the
    /// database: files without a row are deleted, rows without a file are
    /// an error only if chunks still point to them.
    pub fn open(dir: &Path, conn: &Connection) -> Result<Packs, DaemonError> {
        fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
        let live: Vec<(i64, i64)> = {
            let mut st = conn
                .prepare("SELECT pack, SUM(size) FROM chunks GROUP BY pack")
                .map_err(db)?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?
        };
        conn.execute("UPDATE packs SET live = 0", []).map_err(db)?;
        for (pack, bytes) in live {
            Self::add_live(conn, pack, bytes)?;
        }
        let mut last_id: i64 = conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM packs", [], |r| r.get(0))
            .map_err(db)?;
        let entries = fs::read_dir(dir).map_err(|e| io("listing", dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io("listing", dir, e))?;
            let name = entry.file_name();
            let Some(id) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".pack"))
                .and_then(|n| n.parse::<i64>().ok())
            else {
                continue;
            };
            last_id = last_id.max(id);
            let known: Option<i64> = conn
                .query_row("SELECT id FROM packs WHERE id = ?1", params![id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(db)?;
            if known.is_none() {
                let _ = fs::remove_file(entry.path());
            }
        }
        let mut packs = Packs {
            dir: dir.to_owned(),
            active: None,
            last_id,
            readers: HashMap::new(),
            dropped: true,
            unsynced: Vec::new(),
            holds: HashMap::new(),
            direct: false,
        };
        if let Err(e) = packs.reap(conn) {
            tracing::warn!(error = %e, "could not clean up pack files");
        }
        Ok(packs)
    }

    /// Whether pack files are written and read past the page cache
    /// (`O_DIRECT`) from now on, where the file system allows it. Off by
    /// default: a buyer then sends its work from the page cache its upload
    /// filled, and a seller pushes the work to its worker from there. Where
    /// filling fresh page cache is slow (some virtual machines, see the
    /// figures test), direct I/O can be faster.
    pub fn set_direct(&mut self, on: bool) {
        if self.direct != on {
            self.direct = on;
            self.active = None;
            self.readers.clear();
        }
    }

    fn path(&self, id: i64) -> PathBuf {
        pack_path(&self.dir, id)
    }

    /// Appends `data` (one chunk or several, back to back) to the active
    /// pack, starting a new pack when the active one is full. Returns the
    /// pack and the offset of the first byte. The caller records the chunks
    /// (and [`Packs::add_live`]) in the same transaction as `conn`.
    pub fn append(&mut self, conn: &Connection, data: &[u8]) -> Result<(i64, u64), DaemonError> {
        self.append_all(conn, &[data])
    }

    /// [`Packs::append`] for pieces that lie back to back in the pack,
    /// written without joining them first.
    pub fn append_all(
        &mut self,
        conn: &Connection,
        pieces: &[&[u8]],
    ) -> Result<(i64, u64), DaemonError> {
        if self.active.as_ref().is_some_and(|a| a.size >= PACK_BYTES) {
            // Closed: cut to its length (dropping `Active`).
            self.active = None;
        }
        if self.active.is_none() {
            let id = self.last_id + 1;
            self.last_id = id;
            let path = self.path(id);
            let file = open_pack(
                OpenOptions::new().create_new(true).write(true),
                &path,
                self.direct,
            )
            .map_err(|e| io("creating", &path, e))?;
            conn.execute("INSERT INTO packs(id, live) VALUES (?1, 0)", params![id])
                .map_err(db)?;
            self.active = Some(Active {
                id,
                file,
                size: 0,
                buf: Aligned::new(WRITE_BUF),
            });
        }
        let a = self.active.as_mut().expect("an active pack was just made");
        let at = a.size;
        if self.unsynced.last() != Some(&a.id) {
            self.unsynced.push(a.id);
        }
        let mut written = a.append(pieces);
        if written.as_ref().is_err_and(refused) && self.direct {
            // Direct I/O refused after all: the same writes, buffered.
            self.direct = false;
            let path = pack_path(&self.dir, a.id);
            written = open_pack(OpenOptions::new().write(true), &path, false).and_then(|f| {
                a.file = f;
                a.append(pieces)
            });
        }
        if let Err(e) = written {
            // The file's end is no longer known: start a new pack.
            let id = a.id;
            self.active = None;
            return Err(io("writing", &self.path(id), e));
        }
        Ok((a.id, at))
    }

    /// Counts `delta` bytes more (or fewer) live in `pack`.
    pub fn add_live(conn: &Connection, pack: i64, delta: i64) -> Result<(), DaemonError> {
        conn.prepare_cached("UPDATE packs SET live = live + ?2 WHERE id = ?1")
            .and_then(|mut st| st.execute(params![pack, delta]))
            .map_err(db)?;
        Ok(())
    }

    /// Counts `n` bytes of `pack` as staged: the pack stays.
    pub fn hold(&mut self, pack: i64, n: u64) {
        *self.holds.entry(pack).or_default() += n;
    }

    /// Releases `n` staged bytes of `pack` (committed or given up).
    pub fn release(&mut self, pack: i64, n: u64) {
        if let Some(h) = self.holds.get_mut(&pack) {
            *h = h.saturating_sub(n);
            if *h == 0 {
                self.holds.remove(&pack);
            }
        }
    }

    /// Forgets the active pack after a rolled-back transaction (its row may
    /// be gone); the next append starts a new one.
    pub fn rolled_back(&mut self) {
        self.active = None;
    }

    /// Flushes every pack written to since the last call to disk and
    /// records how much of each is flushed (in `conn`'s transaction).
    pub fn sync(&mut self, conn: &Connection) -> Result<(), DaemonError> {
        for id in std::mem::take(&mut self.unsynced) {
            let path = self.path(id);
            let flushed = match &self.active {
                Some(a) if a.id == id => a.file.sync_data().map(|()| a.size),
                _ => match File::open(&path) {
                    Ok(f) => f.sync_data().and_then(|()| f.metadata()).map(|m| m.len()),
                    // Deleted meanwhile: nothing to flush.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => Err(e),
                },
            }
            .map_err(|e| io("flushing", &path, e))?;
            conn.prepare_cached("UPDATE packs SET flushed = MAX(flushed, ?2) WHERE id = ?1")
                .and_then(|mut st| st.execute(params![id, flushed as i64]))
                .map_err(db)?;
        }
        Ok(())
    }

    /// Reads `len` bytes at `offset` of `pack`.
    pub fn read(&mut self, pack: i64, offset: u64, len: usize) -> Result<Bytes, DaemonError> {
        let path = self.path(pack);
        let start = offset / ALIGN as u64 * ALIGN as u64;
        let skip = (offset - start) as usize;
        let span = align_up(offset + len as u64) - start;
        let mut buf = Aligned::new(span as usize);
        let mut read = self.read_at(pack, &path, &mut buf, start, skip + len);
        if read.as_ref().is_err_and(refused) && self.direct {
            // Direct I/O refused after all: read through the page cache.
            self.direct = false;
            self.readers.clear();
            read = self.read_at(pack, &path, &mut buf, start, skip + len);
        }
        read.map_err(|e| io("reading", &path, e))?;
        Ok(buf.into_bytes(skip, len))
    }

    /// Reads `buf` at `start` of pack `pack` (at `path`), opening it if it
    /// is not open; the first `need` bytes must exist.
    fn read_at(
        &mut self,
        pack: i64,
        path: &Path,
        buf: &mut Aligned,
        start: u64,
        need: usize,
    ) -> std::io::Result<()> {
        if !self.readers.contains_key(&pack) {
            if self.readers.len() >= OPEN_READERS {
                self.readers.clear();
            }
            let f = open_pack(OpenOptions::new().read(true), path, self.direct)?;
            self.readers.insert(pack, f);
        }
        let f = self.readers.get(&pack).expect("just inserted");
        read_at_least(f, buf.bytes(), start, need)
    }

    /// Reads the chunks at `locs`, returned in this order. They are read
    /// sorted by place, and chunks of one pack less than [`READ_GAP`]
    /// apart in one read of at most [`READ_SPAN`] bytes (a buyer's chunks
    /// come shuffled, BW-C2C-11; a file's lie back to back).
    pub fn read_many(&mut self, locs: &[Location]) -> Result<Vec<Bytes>, DaemonError> {
        let mut order: Vec<usize> = (0..locs.len()).collect();
        order.sort_by_key(|&k| (locs[k].pack, locs[k].offset));
        let mut out = vec![Bytes::new(); locs.len()];
        let joins = |start: u64, end: u64, l: Location| {
            l.offset <= end + READ_GAP && end.max(l.offset + u64::from(l.size)) - start <= READ_SPAN
        };
        for run in runs(locs, &order, joins) {
            let span = self.read(run.pack, run.start, (run.end - run.start) as usize)?;
            for &k in &order[run.from..run.to] {
                let at = (locs[k].offset - run.start) as usize;
                out[k] = span.slice(at..at + locs[k].size as usize);
            }
        }
        Ok(out)
    }

    /// The bytes of the chunks at `locs` (in this order), as runs: chunks
    /// that follow each other in `locs` and lie back to back in a pack are
    /// read, and returned, as one piece (so the caller bounds the length).
    pub fn read_runs(&mut self, locs: &[Location]) -> Result<Vec<Bytes>, DaemonError> {
        let order: Vec<usize> = (0..locs.len()).collect();
        runs(locs, &order, |_, end, l| l.offset == end)
            .into_iter()
            .map(|run| self.read(run.pack, run.start, (run.end - run.start) as usize))
            .collect()
    }

    /// Deletes packs with no live chunk and compacts packs that are less
    /// than half live (never the active pack, nor one holding staged
    /// bytes). Called after commits that
    /// dropped chunks; compaction runs in its own transactions.
    pub fn reap(&mut self, conn: &Connection) -> Result<(), DaemonError> {
        self.dropped = false;
        let active = self.active.as_ref().map_or(0, |a| a.id);
        let rows: Vec<(i64, i64)> = {
            let mut st = conn
                .prepare_cached("SELECT id, live FROM packs WHERE id != ?1")
                .map_err(db)?;
            st.query_map(params![active], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?
        };
        for (id, live) in rows {
            if self.holds.contains_key(&id) {
                continue;
            }
            let path = self.path(id);
            let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if live > 0 && (live as u64) * 2 >= size {
                continue;
            }
            if live > 0 {
                self.compact(conn, id)?;
            }
            conn.execute("DELETE FROM packs WHERE id = ?1", params![id])
                .map_err(db)?;
            self.readers.remove(&id);
            let _ = fs::remove_file(&path);
        }
        Ok(())
    }

    /// Moves the live chunks of `pack` to the active pack, in one
    /// transaction per batch.
    fn compact(&mut self, conn: &Connection, pack: i64) -> Result<(), DaemonError> {
        // Compaction is rare: one scan of the chunk rows (no index on
        // `pack`, which every insert would pay for).
        let all: Vec<(Vec<u8>, i64, i64)> = {
            let mut st = conn
                .prepare_cached("SELECT key, offset, size FROM chunks WHERE pack = ?1")
                .map_err(db)?;
            st.query_map(params![pack], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?
        };
        for batch in all.chunks(256) {
            conn.execute_batch("BEGIN").map_err(db)?;
            let moved = (|| {
                // The batch's chunks go to the active pack in one append.
                let data = batch
                    .iter()
                    .map(|(_, offset, size)| self.read(pack, *offset as u64, *size as usize))
                    .collect::<Result<Vec<Bytes>, _>>()?;
                let pieces: Vec<&[u8]> = data.iter().map(|d| &d[..]).collect();
                let (to, mut at) = self.append_all(conn, &pieces)?;
                for (key, _, size) in batch {
                    conn.prepare_cached("UPDATE chunks SET pack = ?2, offset = ?3 WHERE key = ?1")
                        .and_then(|mut st| st.execute(params![key, to, at as i64]))
                        .map_err(db)?;
                    at += *size as u64;
                    Self::add_live(conn, to, *size)?;
                    Self::add_live(conn, pack, -*size)?;
                }
                self.sync(conn)
            })();
            match moved {
                Ok(()) => conn.execute_batch("COMMIT").map_err(db)?,
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    self.rolled_back();
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    /// Appends of every alignment (within a block, across blocks, across
    /// the write buffer) read back exactly, alone and many at once in any
    /// order, and the closed pack is cut to the bytes appended; with direct
    /// I/O and without (where it is refused).
    #[test]
    fn appends_of_any_length_read_back_and_the_pack_is_cut_to_length() {
        for direct in [true, false] {
            appends_read_back(direct);
        }
    }

    fn appends_read_back(direct: bool) {
        let dir = tempfile::tempdir().expect("dir");
        let conn = Connection::open(dir.path().join("db")).expect("db");
        conn.execute_batch(SCHEMA).expect("schema");
        conn.execute_batch("CREATE TABLE chunks (key BLOB, pack INTEGER, size INTEGER)")
            .expect("chunks");
        let mut packs = Packs::open(&dir.path().join("packs"), &conn).expect("packs");
        packs.set_direct(direct);
        let sizes = [1, 4095, 1, 4097, 8192, WRITE_BUF + 3, 10, 2 * WRITE_BUF, 7];
        let mut written = Vec::new();
        for (n, &size) in sizes.iter().enumerate() {
            let data = bytes(size, n as u8);
            // Odd appends in two pieces, to cover `append_all`.
            let (pack, at) = if n % 2 == 1 {
                let (a, b) = data.split_at(size / 2);
                packs.append_all(&conn, &[a, b]).expect("append")
            } else {
                packs.append(&conn, &data).expect("append")
            };
            written.push((
                Location {
                    pack,
                    offset: at,
                    size: size as u32,
                },
                data,
            ));
        }
        let total: u64 = sizes.iter().map(|&s| s as u64).sum();
        for (loc, data) in &written {
            let got = packs.read(loc.pack, loc.offset, data.len()).expect("read");
            assert_eq!(
                &got[..],
                &data[..],
                "chunk at {} (direct: {direct})",
                loc.offset
            );
        }
        let mut order: Vec<usize> = (0..written.len()).rev().collect();
        order.swap(1, 4);
        let locs: Vec<Location> = order.iter().map(|&i| written[i].0).collect();
        let many = packs.read_many(&locs).expect("read many");
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(&many[k][..], &written[i].1[..], "read_many entry {k}");
        }
        // Appended back to back: one run, the appends' bytes in order.
        let locs: Vec<Location> = written.iter().map(|w| w.0).collect();
        let runs = packs.read_runs(&locs).expect("read runs");
        assert_eq!(runs.len(), 1, "one run");
        assert_eq!(
            runs[0],
            written
                .iter()
                .flat_map(|w| w.1.clone())
                .collect::<Vec<u8>>()
        );
        let path = packs.path(written[0].0.pack);
        assert_eq!(packs.active.as_ref().map(|a| a.size), Some(total));
        drop(packs);
        let len = fs::metadata(&path).expect("pack").len();
        assert_eq!(len, total, "the padding of the last block is cut");
    }
}

//! Tests of the chunked content store ([`super`]).

use bitwrk_protocol::c2c::ChunkedWork;
use bitwrk_protocol::hash::sha256;

use super::*;
use crate::daemon::packs::align_up;

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
    // The pack being appended to ends in a padded block (direct I/O).
    assert_eq!(packs[0].1, align_up(a.len() as u64));
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
    assert_eq!(
        packs[0].1,
        align_up(1_100_000),
        "c's and a's bytes (the last block padded), nothing dead"
    );
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

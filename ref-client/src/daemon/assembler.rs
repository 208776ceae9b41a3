//! The seller's assembly of chunked work (§19.6), off the async threads:
//! a thread puts the verified chunks of a chunk-data stream back into file
//! order (they arrive shuffled, BW-C2C-11), hands every chunk whose turn
//! has come (those just received and those the seller had before, read
//! from the store a run at a time) to a second thread that feeds the work's
//! digest, and stages the received ones in that order
//! ([`super::staging`]: bytes to the packs at once, rows in a few large
//! commits), so that the work is later read back in long runs. Storing
//! and hashing a gibibyte each take about a core-second: on one thread,
//! they were what the transfer waited for. Chunks that arrive more than
//! [`AHEAD_BYTES`] ahead of their turn are staged as they are and read back
//! when it comes. When the stream ends, only the chunks still missing from
//! the digest are read, so the work hash is known almost as soon as the
//! last chunk has arrived.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use bitwrk_protocol::Hash256;
use bitwrk_protocol::c2c::chunking::ChunkInfo;
use bitwrk_protocol::c2c::{Digested, StreamDigest};
use bytes::Bytes;

use super::error::DaemonError;
use super::packs::READ_SPAN;
use super::staging::{Staged, Target};
use super::store::Store;
use super::writer::send;

/// Received chunks kept until their turn comes; beyond this they are
/// staged out of order and read back from the packs (a 256-slot shuffle of average
/// chunks spans about 2 MiB).
const AHEAD_BYTES: usize = 4 << 20;

/// Batches queued for the thread, and for the digest's thread.
const QUEUE: usize = 4;

/// Bytes handed to the digest's thread at a time (about).
const DIGEST_BATCH: usize = 1 << 20;

/// A batch of verified chunks.
pub type Batch = Vec<(Hash256, Vec<u8>)>;

/// The assembly thread of one chunk-data stream.
#[derive(Debug)]
pub struct Assembler {
    to: Option<SyncSender<Batch>>,
    thread: Option<JoinHandle<Result<Digested, DaemonError>>>,
}

fn stopped() -> DaemonError {
    DaemonError::Database {
        detail: "the assembly thread stopped".to_owned(),
    }
}

impl Assembler {
    /// Starts assembling the work whose chunks are `chunks` (file order)
    /// into `digest`.
    pub fn start(
        store: Store,
        chunks: Vec<ChunkInfo>,
        digest: StreamDigest,
    ) -> Result<Assembler, DaemonError> {
        let (to, from) = sync_channel::<Batch>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("assembly".to_owned())
            .spawn(move || {
                let digest = Digester::start(digest)?;
                Assembly {
                    staged: Staged::new(store.clone(), Target::Listed),
                    store,
                    chunks,
                    digest,
                    to_digest: Vec::new(),
                    to_digest_bytes: 0,
                    next: 0,
                    ahead: HashMap::new(),
                    ahead_bytes: 0,
                }
                .run(from)
            })
            .map_err(|e| DaemonError::Database {
                detail: format!("starting the assembly thread: {e}"),
            })?;
        Ok(Assembler {
            to: Some(to),
            thread: Some(thread),
        })
    }

    /// Hands over a batch of verified chunks to be stored.
    pub fn push(&mut self, batch: Batch) -> Result<(), DaemonError> {
        if batch.is_empty() {
            return Ok(());
        }
        let sent = self.to.as_ref().is_some_and(|to| send(to, batch).is_ok());
        if sent {
            Ok(())
        } else {
            Err(self.finish().err().unwrap_or_else(stopped))
        }
    }

    /// Ends the stream: every chunk handed over is stored, and the digest
    /// of the whole work is returned (an error if a chunk is missing).
    pub fn finish(&mut self) -> Result<Digested, DaemonError> {
        self.to = None;
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| stopped())?,
            None => Err(stopped()),
        }
    }
}

impl Drop for Assembler {
    fn drop(&mut self) {
        // The chunks handed over are stored even if nobody waits.
        self.to = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The thread that feeds the work's digest, in file order.
struct Digester {
    to: SyncSender<Vec<Bytes>>,
    thread: JoinHandle<Result<Digested, DaemonError>>,
}

impl Digester {
    fn start(mut digest: StreamDigest) -> Result<Digester, DaemonError> {
        let (to, from) = sync_channel::<Vec<Bytes>>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("work-digest".to_owned())
            .spawn(move || {
                for batch in from {
                    for data in batch {
                        digest.update(&data).map_err(|e| DaemonError::Database {
                            detail: e.to_string(),
                        })?;
                    }
                }
                Ok(digest.finish())
            })
            .map_err(|e| DaemonError::Database {
                detail: format!("starting the digest's thread: {e}"),
            })?;
        Ok(Digester { to, thread })
    }

    /// Feeds the digest with `batch` (the next bytes of the work); an
    /// error if the digest failed (then [`Digester::finish`] says why).
    fn feed(&self, batch: Vec<Bytes>) -> Result<(), DaemonError> {
        send(&self.to, batch).map_err(|()| DaemonError::Database {
            detail: "the digest's thread stopped".to_owned(),
        })
    }

    /// The digest of every byte fed.
    fn finish(self) -> Result<Digested, DaemonError> {
        drop(self.to);
        self.thread.join().map_err(|_| stopped())?
    }
}

struct Assembly {
    store: Store,
    staged: Staged,
    chunks: Vec<ChunkInfo>,
    digest: Digester,
    /// Chunks whose turn has come, not yet handed to the digest.
    to_digest: Vec<Bytes>,
    to_digest_bytes: usize,
    /// The next chunk (file order) the digest needs.
    next: usize,
    ahead: HashMap<Hash256, Bytes>,
    ahead_bytes: usize,
}

impl Assembly {
    fn run(mut self, from: Receiver<Batch>) -> Result<Digested, DaemonError> {
        // After a failure the remaining batches are still stored (verified
        // chunks are kept, BW-C2C-30); the failure is reported at the end.
        let mut failed = None;
        for batch in from {
            if failed.is_some() {
                if let Err(e) = self.stage(batch) {
                    failed.get_or_insert(e);
                }
                continue;
            }
            for (key, data) in batch {
                self.ahead_bytes += data.len();
                if let Some(old) = self.ahead.insert(key, Bytes::from(data)) {
                    self.ahead_bytes -= old.len();
                }
            }
            if let Err(e) = self.advance(false) {
                failed = Some(e);
            }
            if self.ahead_bytes > AHEAD_BYTES {
                // Too far ahead: stored out of order, read back in turn.
                let spill: Vec<(Hash256, Bytes)> = self.ahead.drain().collect();
                self.ahead_bytes = 0;
                if let Err(e) = self.stage(spill) {
                    failed.get_or_insert(e);
                }
            }
        }
        // Chunks whose turn has not come (one before them is missing).
        let rest: Vec<(Hash256, Bytes)> = self.ahead.drain().collect();
        let staged = self.stage(rest);
        let committed = self.staged.commit();
        let advanced = match failed {
            Some(e) => Err(e),
            None => staged.and(committed).and_then(|()| self.advance(true)),
        };
        let Assembly { digest, .. } = self;
        // A failed digest says why; then what else failed.
        let digested = digest.finish()?;
        advanced.map(|()| digested)
    }

    /// Stages `batch`, committing when the staged rows are many.
    fn stage<D: AsRef<[u8]>>(&mut self, batch: Vec<(Hash256, D)>) -> Result<(), DaemonError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.staged.stage(&batch)?;
        if self.staged.full() {
            self.staged.commit()
        } else {
            Ok(())
        }
    }

    /// Feeds the digest with the chunks that are there, in file order,
    /// and stages the received ones in that order (so that the work is read
    /// back in long runs); `all`: every chunk must be there.
    fn advance(&mut self, all: bool) -> Result<(), DaemonError> {
        let mut in_order = Vec::new();
        let fed = self.feed(all, &mut in_order);
        // Received chunks are kept even if the digest failed (BW-C2C-30).
        let staged = self.stage(in_order);
        let handed = self.hand_over();
        fed.and(staged).and(handed)
    }

    fn feed(&mut self, all: bool, in_order: &mut Vec<(Hash256, Bytes)>) -> Result<(), DaemonError> {
        while let Some(key) = self.chunks.get(self.next).map(|c| c.key) {
            if let Some(d) = self.ahead.remove(&key) {
                self.ahead_bytes -= d.len();
                self.update(d.clone())?;
                in_order.push((key, d));
                self.next += 1;
                continue;
            }
            // A repeated chunk may be in `in_order`: staged first.
            self.stage(std::mem::take(in_order))?;
            if let Some(d) = self.staged.read(&key)? {
                self.update(d)?;
                self.next += 1;
                continue;
            }
            // Chunks the seller had before, a run at a time.
            let keys = self.chunks[self.next..].iter().map(|c| &c.key);
            let run = self.store.chunk_run(keys, READ_SPAN / 2)?;
            if run.is_empty() {
                if all {
                    return Err(DaemonError::Database {
                        detail: format!("chunk {} of the work is missing", self.next),
                    });
                }
                return Ok(());
            }
            for d in run {
                self.update(d)?;
                self.next += 1;
            }
        }
        Ok(())
    }

    /// Queues `data` for the digest, handing the queue over when it is
    /// large.
    fn update(&mut self, data: Bytes) -> Result<(), DaemonError> {
        self.to_digest_bytes += data.len();
        self.to_digest.push(data);
        if self.to_digest_bytes >= DIGEST_BATCH {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands the queued bytes to the digest's thread.
    fn hand_over(&mut self) -> Result<(), DaemonError> {
        if self.to_digest.is_empty() {
            return Ok(());
        }
        self.to_digest_bytes = 0;
        let batch = std::mem::take(&mut self.to_digest);
        self.digest.feed(batch)
    }
}

#[cfg(test)]
mod tests {
    use bitwrk_protocol::hash::sha256;

    use super::*;
    use crate::daemon::cas::tests::{noise, store};
    use crate::daemon::packs::Location;

    const PIECE: usize = 8 << 10;

    /// A work of `n` chunks of [`PIECE`] bytes; chunk 100 repeats chunk 5.
    fn work(n: usize) -> (Vec<u8>, Vec<ChunkInfo>, Vec<Vec<u8>>) {
        let mut pieces: Vec<Vec<u8>> = noise(7, n * PIECE)
            .chunks(PIECE)
            .map(<[u8]>::to_vec)
            .collect();
        pieces[100] = pieces[5].clone();
        let infos = pieces
            .iter()
            .map(|p| ChunkInfo {
                key: sha256(p),
                size: p.len() as u32,
            })
            .collect();
        (pieces.concat(), infos, pieces)
    }

    /// Hands chunks `order` over in batches of 16; returns the digest.
    fn assemble(s: &Store, infos: &[ChunkInfo], pieces: &[Vec<u8>], order: &[usize]) -> Digested {
        assemble_within(s, infos, pieces, order, u64::MAX).expect("finish")
    }

    /// [`assemble`] into a digest limited to `limit` bytes; the pushing
    /// stops when the assembly has ended.
    fn assemble_within(
        s: &Store,
        infos: &[ChunkInfo],
        pieces: &[Vec<u8>],
        order: &[usize],
        limit: u64,
    ) -> Result<Digested, DaemonError> {
        let digest = StreamDigest::new("work", limit);
        let mut a = Assembler::start(s.clone(), infos.to_vec(), digest).expect("start");
        for batch in order.chunks(16) {
            let batch = batch
                .iter()
                .map(|&i| (infos[i].key, pieces[i].clone()))
                .collect();
            if a.push(batch).is_err() {
                break;
            }
        }
        a.finish()
    }

    /// Chunks arriving in reverse (far more than [`AHEAD_BYTES`] ahead of
    /// their turn), a repeated chunk sent once and chunks the seller had
    /// before all make the right digest, and every chunk is stored.
    #[test]
    fn any_arrival_order_digests_the_work_and_stores_every_chunk() {
        let (_d, s) = store(1 << 30);
        let (data, infos, pieces) = work(1536);
        let had: Vec<(Hash256, Vec<u8>)> = (200..260)
            .map(|i| (infos[i].key, pieces[i].clone()))
            .collect();
        s.put_chunks(&had).expect("had before");
        let order: Vec<usize> = (0..infos.len())
            .rev()
            .filter(|&i| i != 100 && !(200..260).contains(&i))
            .collect();
        let d = assemble(&s, &infos, &pieces, &order);
        assert_eq!(d.hash, sha256(&data));
        assert_eq!(d.len, data.len() as u64);
        for (i, c) in infos.iter().enumerate() {
            assert!(s.has_chunk(&c.key).expect("has"), "chunk {i} is stored");
        }
    }

    /// A digest that refuses the work (longer than its limit) fails the
    /// assembly with the digest's reason, and every chunk received is
    /// stored all the same (BW-C2C-30).
    #[test]
    fn a_refused_digest_fails_the_assembly_and_keeps_the_chunks() {
        let (_d, s) = store(1 << 30);
        let (_, infos, pieces) = work(512);
        let order: Vec<usize> = (0..infos.len()).collect();
        let e = assemble_within(&s, &infos, &pieces, &order, (PIECE * 100) as u64)
            .expect_err("the digest refuses the work");
        assert!(e.to_string().contains("work"), "{e}");
        for (i, c) in infos.iter().enumerate() {
            assert!(s.has_chunk(&c.key).expect("has"), "chunk {i} is stored");
        }
    }

    /// Chunks shuffled within a window (as a buyer sends them, BW-C2C-11)
    /// are stored in file order: the work is read back in long runs.
    #[test]
    fn shuffled_chunks_are_stored_in_file_order() {
        let (_d, s) = store(1 << 30);
        let (data, infos, pieces) = work(1024);
        let order: Vec<usize> = (0..infos.len())
            .collect::<Vec<_>>()
            .chunks(64)
            .flat_map(|w| w.iter().rev().copied().collect::<Vec<_>>())
            .filter(|&i| i != 100)
            .collect();
        let d = assemble(&s, &infos, &pieces, &order);
        assert_eq!(d.hash, sha256(&data));
        let probe = s.probe();
        let locs: Vec<Location> = infos
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != 100)
            .map(|(_, c)| probe.locate(&c.key).expect("locate").expect("stored"))
            .collect();
        for (i, w) in locs.windows(2).enumerate() {
            assert_eq!(
                (w[1].pack, w[1].offset),
                (w[0].pack, w[0].offset + u64::from(w[0].size)),
                "stored chunk {} follows chunk {i}",
                i + 1
            );
        }
    }
}

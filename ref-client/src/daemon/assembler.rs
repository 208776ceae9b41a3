//! The seller's assembly of chunked work (§19.6), off the async threads:
//! a thread stages the verified chunks of a chunk-data stream as batches
//! arrive ([`super::staging`]: bytes to the packs at once, rows in a few
//! large commits) and, at the same time, feeds the work's digest in file order with
//! every chunk that is there, those just received (kept for a while, since
//! they arrive shuffled) and those the seller had before (read from the
//! store). When the stream ends, only the chunks still missing from the
//! digest are read, so the work hash is known almost as soon as the last
//! chunk has arrived.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use bitwrk_protocol::Hash256;
use bitwrk_protocol::c2c::chunking::ChunkInfo;
use bitwrk_protocol::c2c::{Digested, StreamDigest};

use super::error::DaemonError;
use super::staging::{Staged, Target};
use super::store::Store;
use super::writer::send;

/// Received chunks kept for the digest until their turn comes; beyond this
/// they are read back from the packs (a 256-slot shuffle of average
/// chunks spans about 2 MiB).
const AHEAD_BYTES: usize = 4 << 20;

/// Batches queued for the thread.
const QUEUE: usize = 4;

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
                Assembly {
                    staged: Staged::new(store.clone(), Target::Listed),
                    store,
                    chunks,
                    digest,
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

struct Assembly {
    store: Store,
    staged: Staged,
    chunks: Vec<ChunkInfo>,
    digest: StreamDigest,
    /// The next chunk (file order) the digest needs.
    next: usize,
    ahead: HashMap<Hash256, Vec<u8>>,
    ahead_bytes: usize,
}

impl Assembly {
    fn run(mut self, from: Receiver<Batch>) -> Result<Digested, DaemonError> {
        // After a failure the remaining batches are still stored (verified
        // chunks are kept, BW-C2C-30); the failure is reported at the end.
        let mut failed = None;
        for batch in from {
            let staged = self.staged.stage(&batch).and_then(|()| {
                if self.staged.full() {
                    self.staged.commit()
                } else {
                    Ok(())
                }
            });
            if let Err(e) = staged {
                failed.get_or_insert(e);
                continue;
            }
            if failed.is_none() {
                for (key, data) in batch {
                    if self.ahead_bytes + data.len() <= AHEAD_BYTES {
                        self.ahead_bytes += data.len();
                        self.ahead.insert(key, data);
                    }
                }
                if let Err(e) = self.advance(false) {
                    failed = Some(e);
                }
            }
        }
        let committed = self.staged.commit();
        if let Some(e) = failed {
            return Err(e);
        }
        committed?;
        self.advance(true)?;
        Ok(self.digest.finish())
    }

    /// Feeds the digest with the chunks that are there, in file order;
    /// `all`: every chunk must be there.
    fn advance(&mut self, all: bool) -> Result<(), DaemonError> {
        while let Some(c) = self.chunks.get(self.next) {
            let data = match self.ahead.remove(&c.key) {
                Some(d) => {
                    self.ahead_bytes -= d.len();
                    bytes::Bytes::from(d)
                }
                None => match self
                    .staged
                    .read(&c.key)?
                    .map_or_else(|| self.store.chunk(&c.key), |d| Ok(Some(d)))?
                {
                    Some(d) => d,
                    None if all => {
                        return Err(DaemonError::Database {
                            detail: format!("chunk {} of the work is missing", self.next),
                        });
                    }
                    None => return Ok(()),
                },
            };
            self.digest
                .update(&data)
                .map_err(|e| DaemonError::Database {
                    detail: e.to_string(),
                })?;
            self.next += 1;
        }
        Ok(())
    }
}

//! Writing one file into the content store ([`super::cas`]): the bytes are
//! cut into the content-defined chunks of §19.2, each chunk is keyed by its
//! SHA-256 and stored once, and the whole file is keyed by its SHA-256.
//!
//! A small file is handled on the caller's thread. Once a file has grown
//! past [`PIPE_AFTER`], the work moves to two threads, so that a caller on
//! an async thread only hands over its buffers: the *scanner* finds the
//! chunk boundaries and keys the chunks, the *sink* computes the file's key
//! from the chunks (in order) and stages them ([`super::staging`]): their
//! bytes go to the packs batch by batch, their rows in one commit at the
//! end. Both queues are bounded, so memory stays bounded and a slow disk
//! slows the sender down.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use bitwrk_protocol::Hash256;
use bitwrk_protocol::c2c::chunking::{Chunker, FileKeyHasher};
use bitwrk_protocol::hash::sha256;
use bytes::Bytes;

use super::error::DaemonError;
use super::staging::{Staged, Target};
use super::store::Store;

/// A file moves to the threads once it is larger than this.
pub const PIPE_AFTER: u64 = 1 << 20;

/// Chunks the sink collects before it stages them in one write.
const BATCH_BYTES: usize = 2 << 20;

/// Chunks the scanner hands to the sink at a time.
const HANDOFF_BYTES: usize = 1 << 20;

/// Buffers queued for the scanner, and chunk hand-offs queued for the sink.
const QUEUE: usize = 8;

/// Writes one file into the store, chunk by chunk.
#[derive(Debug)]
pub struct FileWriter {
    store: Store,
    id: i64,
    size: u64,
    stage: Stage,
}

#[derive(Debug)]
enum Stage {
    /// Everything on the caller's thread.
    Inline { scanner: Scanner, sink: Box<Sink> },
    /// The scanner and the sink on their own threads.
    Piped {
        /// Set when the writer is dropped unfinished: the sink stores no
        /// more.
        dropped: Arc<AtomicBool>,
        to_scanner: SyncSender<Bytes>,
        scanner: JoinHandle<Result<(), DaemonError>>,
        sink: JoinHandle<Result<Hash256, DaemonError>>,
    },
    /// Ended (by an error of a thread).
    Failed,
}

/// Cuts bytes into chunks.
#[derive(Debug)]
struct Scanner {
    chunker: Chunker,
    current: Vec<u8>,
}

impl Scanner {
    fn new() -> Scanner {
        Scanner {
            chunker: Chunker::new(),
            current: Vec::with_capacity(16 * 1024),
        }
    }

    /// Feeds bytes; every chunk they complete goes to `out`.
    fn feed(
        &mut self,
        mut data: &[u8],
        out: &mut impl FnMut(Vec<u8>) -> Result<(), DaemonError>,
    ) -> Result<(), DaemonError> {
        while !data.is_empty() {
            match self.chunker.scan(data) {
                Some(i) => {
                    self.current.extend_from_slice(&data[..i]);
                    out(std::mem::replace(
                        &mut self.current,
                        Vec::with_capacity(16 * 1024),
                    ))?;
                    data = &data[i..];
                }
                None => {
                    self.current.extend_from_slice(data);
                    data = &[];
                }
            }
        }
        Ok(())
    }

    /// The last chunk, if any bytes remain.
    fn end(self) -> Option<Vec<u8>> {
        (!self.current.is_empty()).then_some(self.current)
    }
}

/// Keys the file and stages its keyed chunks in batches.
#[derive(Debug)]
struct Sink {
    dropped: Arc<AtomicBool>,
    hash: FileKeyHasher,
    staged: Staged,
    batch: Vec<(Hash256, Vec<u8>)>,
    batch_bytes: usize,
}

impl Sink {
    fn push(&mut self, key: Hash256, chunk: Vec<u8>) -> Result<(), DaemonError> {
        self.hash.update(&chunk);
        self.batch_bytes += chunk.len();
        self.batch.push((key, chunk));
        if self.batch_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DaemonError> {
        if self.dropped.load(Ordering::Relaxed) {
            return Err(stopped());
        }
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        self.staged.stage(&batch)?;
        if self.staged.full() {
            self.staged.commit()?;
        }
        Ok(())
    }

    /// Stages the rest and commits: the file's key.
    fn finish(mut self) -> Result<Hash256, DaemonError> {
        self.flush()?;
        self.staged.commit()?;
        Ok(self.hash.finish())
    }
}

fn stopped() -> DaemonError {
    DaemonError::Database {
        detail: "a store writer thread stopped".to_owned(),
    }
}

/// Sends `item`, blocking when the queue is full (off the async threads if
/// called on one). `Err` when the receiving thread has ended.
pub fn send<T>(to: &SyncSender<T>, item: T) -> Result<(), ()> {
    match to.try_send(item) {
        Ok(()) => Ok(()),
        Err(TrySendError::Disconnected(_)) => Err(()),
        Err(TrySendError::Full(item)) => {
            let on_runtime = tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            if on_runtime {
                tokio::task::block_in_place(|| to.send(item)).map_err(|_| ())
            } else {
                to.send(item).map_err(|_| ())
            }
        }
    }
}

/// The scanner thread: chunk boundaries and chunk keys.
fn run_scanner(
    mut scanner: Scanner,
    from: Receiver<Bytes>,
    to_sink: SyncSender<Vec<(Hash256, Vec<u8>)>>,
) -> Result<(), DaemonError> {
    let mut handoff: Vec<(Hash256, Vec<u8>)> = Vec::new();
    let mut handoff_bytes = 0usize;
    for data in from {
        scanner.feed(&data, &mut |chunk| {
            handoff_bytes += chunk.len();
            handoff.push((sha256(&chunk), chunk));
            if handoff_bytes >= HANDOFF_BYTES {
                handoff_bytes = 0;
                send(&to_sink, std::mem::take(&mut handoff)).map_err(|()| stopped())?;
            }
            Ok(())
        })?;
    }
    handoff.extend(scanner.end().map(|c| (sha256(&c), c)));
    if !handoff.is_empty() {
        send(&to_sink, handoff).map_err(|()| stopped())?;
    }
    Ok(())
}

/// The sink thread: the file key and storing.
fn run_sink(
    mut sink: Sink,
    from: Receiver<Vec<(Hash256, Vec<u8>)>>,
) -> Result<Hash256, DaemonError> {
    for chunks in from {
        for (key, chunk) in chunks {
            sink.push(key, chunk)?;
        }
    }
    sink.finish()
}

impl FileWriter {
    /// Feeds the next bytes of the file.
    pub fn write(&mut self, data: &[u8]) -> Result<(), DaemonError> {
        if matches!(self.stage, Stage::Piped { .. }) || self.size + data.len() as u64 > PIPE_AFTER {
            return self.write_bytes(Bytes::copy_from_slice(data));
        }
        self.feed_inline(data)
    }

    /// Feeds the next bytes of the file, without copying them when the
    /// file is handled by the threads.
    pub fn write_bytes(&mut self, data: Bytes) -> Result<(), DaemonError> {
        if self.size + data.len() as u64 > PIPE_AFTER {
            self.start_threads()?;
        }
        let Stage::Piped { to_scanner, .. } = &self.stage else {
            return self.feed_inline(&data);
        };
        let len = data.len() as u64;
        if send(to_scanner, data).is_err() {
            return Err(self.join().err().unwrap_or_else(stopped));
        }
        self.size += len;
        Ok(())
    }

    fn feed_inline(&mut self, data: &[u8]) -> Result<(), DaemonError> {
        let Stage::Inline { scanner, sink } = &mut self.stage else {
            return Err(stopped());
        };
        scanner.feed(data, &mut |chunk| sink.push(sha256(&chunk), chunk))?;
        self.size += data.len() as u64;
        Ok(())
    }

    /// Moves the work to the threads (once).
    fn start_threads(&mut self) -> Result<(), DaemonError> {
        if !matches!(self.stage, Stage::Inline { .. }) {
            return Ok(());
        }
        let Stage::Inline { scanner, sink } = std::mem::replace(&mut self.stage, Stage::Failed)
        else {
            return Ok(());
        };
        let dropped = sink.dropped.clone();
        let (to_scanner, scanner_rx) = sync_channel::<Bytes>(QUEUE);
        let (to_sink, sink_rx) = sync_channel::<Vec<(Hash256, Vec<u8>)>>(QUEUE / 4);
        let spawn_err = |e: std::io::Error| DaemonError::Database {
            detail: format!("starting a store writer thread: {e}"),
        };
        let sink = std::thread::Builder::new()
            .name("store-sink".to_owned())
            .spawn(move || run_sink(*sink, sink_rx))
            .map_err(spawn_err)?;
        let scanner = std::thread::Builder::new()
            .name("store-scan".to_owned())
            .spawn(move || run_scanner(scanner, scanner_rx, to_sink))
            .map_err(spawn_err)?;
        self.stage = Stage::Piped {
            dropped,
            to_scanner,
            scanner,
            sink,
        };
        Ok(())
    }

    /// Ends the stages: the file's key once every chunk is stored.
    fn join(&mut self) -> Result<Hash256, DaemonError> {
        match std::mem::replace(&mut self.stage, Stage::Failed) {
            Stage::Inline { scanner, mut sink } => {
                if let Some(last) = scanner.end() {
                    sink.push(sha256(&last), last)?;
                }
                sink.finish()
            }
            Stage::Piped {
                to_scanner,
                scanner,
                sink,
                ..
            } => {
                drop(to_scanner);
                let scanned = scanner.join().map_err(|_| stopped())?;
                let stored = sink.join().map_err(|_| stopped())?;
                // The sink's error is the cause when both failed.
                let key = stored?;
                scanned.map(|()| key)
            }
            Stage::Failed => Err(stopped()),
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Ends the file: it becomes complete under its SHA-256, pinned for
    /// `owner` if given. A file already stored under that hash is kept and
    /// this copy dropped. Returns the hash and length.
    pub fn finish(mut self, owner: Option<&str>) -> Result<(Hash256, u64), DaemonError> {
        let done = self.join().and_then(|hash| {
            self.store
                .complete(self.id, &hash, self.size, owner)
                .map(|()| hash)
        });
        match done {
            Ok(hash) => Ok((hash, self.size)),
            Err(e) => {
                let _ = self.store.abort(self.id);
                Err(e)
            }
        }
    }

    /// Drops the unfinished file.
    pub fn abort(mut self) {
        let _ = self.join();
        let _ = self.store.abort(self.id);
    }
}

impl Drop for FileWriter {
    /// A writer dropped unfinished stores nothing more; its pending file is
    /// dropped by its owner's end or at the next start.
    fn drop(&mut self) {
        if let Stage::Piped { dropped, .. } = &self.stage {
            dropped.store(true, Ordering::Relaxed);
            let _ = self.join();
        }
    }
}

impl Store {
    /// Starts writing a file; `owner` (a trade's pin owner) lets the file
    /// be dropped with [`Store::abort_owner`] if it is never finished.
    pub fn writer(&self, owner: Option<&str>) -> Result<FileWriter, DaemonError> {
        let id = self.new_pending(owner)?;
        Ok(FileWriter {
            store: self.clone(),
            id,
            size: 0,
            stage: Stage::Inline {
                scanner: Scanner::new(),
                sink: Box::new(Sink {
                    dropped: Arc::new(AtomicBool::new(false)),
                    hash: FileKeyHasher::new(),
                    staged: Staged::new(self.clone(), Target::File(id)),
                    batch: Vec::new(),
                    batch_bytes: 0,
                }),
            },
        })
    }
}

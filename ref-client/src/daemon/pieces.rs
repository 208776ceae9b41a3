//! A stored file streamed from the async threads: read a piece (a run of
//! whole chunks) at a time on a blocking thread, the next piece read while
//! the caller sends the current one, so that the disk and the socket work
//! at the same time (a read that misses the page cache, or bypasses it,
//! see [`super::packs`], takes its time).

use bytes::Bytes;
use tokio::task::JoinHandle;

use super::error::DaemonError;
use super::store::Store;

/// Bytes per piece (about; whole chunks).
pub const PIECE_BYTES: usize = 4 << 20;

type Read = JoinHandle<Result<(usize, Vec<Bytes>), DaemonError>>;

/// The chunks of stored file `id`, a piece at a time.
#[derive(Debug)]
pub struct Pieces {
    store: Store,
    id: i64,
    /// Index of the first chunk not yet handed out.
    next: u64,
    ahead: Option<Read>,
}

impl Pieces {
    /// Starts reading file `id` (an id of [`Store::file`]).
    pub fn new(store: Store, id: i64) -> Pieces {
        let mut p = Pieces {
            store,
            id,
            next: 0,
            ahead: None,
        };
        p.ahead = Some(p.read());
        p
    }

    fn read(&self) -> Read {
        let (store, id, from) = (self.store.clone(), self.id, self.next);
        tokio::task::spawn_blocking(move || store.read_runs(id, from, PIECE_BYTES))
    }

    /// The next piece's bytes, in file order (as few runs as the chunks
    /// lie in); `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<Bytes>>, DaemonError> {
        let Some(read) = self.ahead.take() else {
            return Ok(None);
        };
        let (n, runs) = read.await.map_err(|e| DaemonError::Database {
            detail: format!("reading a stored file: {e}"),
        })??;
        if n == 0 {
            return Ok(None);
        }
        self.next += n as u64;
        self.ahead = Some(self.read());
        Ok(Some(runs))
    }
}

impl Drop for Pieces {
    fn drop(&mut self) {
        if let Some(read) = self.ahead.take() {
            read.abort();
        }
    }
}

/// Sends every run of `pieces` into a body made by
/// [`super::http_util::channel_body`], ending it after the last (or with
/// the error that stopped the read). Returns early if the body is dropped.
pub async fn feed_body(
    mut pieces: Pieces,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, super::http_util::BoxError>>,
) {
    loop {
        match pieces.next().await {
            Ok(Some(chunks)) => {
                for c in chunks {
                    if tx.send(Ok(c)).await.is_err() {
                        return;
                    }
                }
            }
            Ok(None) => return,
            Err(e) => {
                let _ = tx.send(Err(e.to_string().into())).await;
                return;
            }
        }
    }
}

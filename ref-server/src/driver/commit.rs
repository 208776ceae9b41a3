//! The commit path: accepted events leave the market task in batches; one
//! thread writes them to the store, merging every batch waiting at the
//! time into one durable commit (group commit), and only then releases the
//! responses of the requests whose events they carry.

use std::sync::Arc;
use std::sync::mpsc;

use crate::store::{Commit, Store, StoreError};

/// What to do once a batch is durable (or has failed).
pub type Release = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

/// One batch from the market task.
pub struct Batch {
    /// Its events and records.
    pub commit: Commit,
    /// Called after the commit.
    pub releases: Vec<Release>,
}

impl core::fmt::Debug for Batch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Batch")
            .field("events", &self.commit.events.len())
            .field("releases", &self.releases.len())
            .finish()
    }
}

/// The sending side of the commit thread.
#[derive(Debug, Clone)]
pub struct Committer {
    tx: mpsc::Sender<Batch>,
}

impl Committer {
    /// Starts the commit thread. `on_failure` is called once if a commit
    /// fails: the market in memory is then ahead of the store, and the
    /// server must stop.
    pub fn start(
        store: Arc<dyn Store>,
        on_failure: impl Fn(&StoreError) + Send + 'static,
    ) -> (Committer, std::thread::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel::<Batch>();
        let handle = std::thread::Builder::new()
            .name("bitwrk-commit".into())
            .spawn(move || {
                let mut failed = false;
                while let Ok(first) = rx.recv() {
                    let mut commit = first.commit;
                    let mut releases = first.releases;
                    while let Ok(more) = rx.try_recv() {
                        commit.events.extend(more.commit.events);
                        commit.records.extend(more.commit.records);
                        releases.extend(more.releases);
                    }
                    let result = if failed {
                        Err(StoreError::Backend("an earlier commit failed".into()))
                    } else if commit.events.is_empty() {
                        Ok(())
                    } else {
                        store.commit(&commit)
                    };
                    if let Err(e) = &result
                        && !failed
                    {
                        failed = true;
                        tracing::error!(error = %e, "commit failed; the server stops");
                        on_failure(e);
                    }
                    for release in releases {
                        release(result.as_ref().map(|_| ()));
                    }
                }
            })
            .expect("spawning the commit thread");
        (Committer { tx }, handle)
    }

    /// Queues a batch; false if the commit thread is gone.
    pub fn send(&self, batch: Batch) -> bool {
        self.tx.send(batch).is_ok()
    }
}

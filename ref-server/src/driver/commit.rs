//! The commit path: accepted events leave the market task in batches; the
//! group-commit queue ([`crate::store::commit_queue`]) writes every batch
//! waiting at the time as one durable store transaction, and only then
//! releases the responses of the requests whose events they carry.

use std::sync::{Arc, Mutex};

use crate::store::commit_queue::{BatchStats, CommitError, CommitQueue, commit_queue};
use crate::store::{Commit, Store, StoreError};

/// What to do once a batch is durable (or has failed).
pub type Release = Box<dyn FnOnce(Result<(), &CommitError>) + Send>;

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
    queue: CommitQueue,
}

impl Committer {
    /// Starts the commit thread. `on_failure` is called once if a commit
    /// fails: the market in memory is then ahead of the store, the queue
    /// refuses every further write, and the server must stop.
    pub fn start(
        store: Arc<dyn Store>,
        on_failure: impl Fn(&StoreError) + Send + 'static,
    ) -> (Committer, std::thread::JoinHandle<()>) {
        let (queue, worker) = commit_queue();
        let handle = std::thread::Builder::new()
            .name("bitwrk-commit".into())
            .spawn(move || match worker.run(|c| store.commit(c)) {
                Ok(stats) => tracing::info!(
                    batches = stats.batches,
                    requests = stats.requests,
                    max_batch = stats.max_batch,
                    "commit thread stopped"
                ),
                Err(e) => {
                    tracing::error!(error = %e, "commit failed; the server stops");
                    on_failure(&e);
                }
            })
            .expect("spawning the commit thread");
        (Committer { queue }, handle)
    }

    /// Queues a batch; false (after failing its releases) if the queue
    /// takes no more writes.
    pub fn send(&self, batch: Batch) -> bool {
        let Batch { commit, releases } = batch;
        // The releases run exactly once: after the commit, or here if the
        // queue refuses the batch (it takes no more writes after a failure,
        // BW-HTTP-20), so every waiting request gets its 500.
        let releases = Arc::new(Mutex::new(Some(releases)));
        let fail_all = |releases: &Mutex<Option<Vec<Release>>>, r: Result<(), &CommitError>| {
            let taken = releases.lock().map(|mut g| g.take()).unwrap_or_default();
            for release in taken.into_iter().flatten() {
                release(r);
            }
        };
        let queued = releases.clone();
        let done =
            Box::new(move |r: Result<(), CommitError>| fail_all(&queued, r.as_ref().map(|_| ())));
        match self.queue.push(commit, done) {
            Ok(()) => true,
            Err(e) => {
                fail_all(&releases, Err(&e));
                false
            }
        }
    }

    /// Closes the queue: what is queued is written, then the thread stops.
    pub fn close(&self) {
        self.queue.close();
    }

    /// Waits until every batch sent so far is written (or the queue stopped).
    pub fn wait_committed(&self) {
        self.queue.wait_committed();
    }

    /// Group-commit counts so far.
    pub fn stats(&self) -> BatchStats {
        self.queue.stats()
    }
}

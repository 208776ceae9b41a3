//! Group commit: the queue between the market task and the commit thread.
//!
//! The market task applies an input to the in-memory market, gives the
//! event its sequence number and [`push`](CommitQueue::push)es the commit
//! (events, records) with a completion callback. The commit thread
//! ([`CommitWorker::run`]) takes **everything** queued at that moment,
//! writes it as one store transaction — one fsync for many requests — and
//! then calls every completion. The HTTP layer answers the client only from
//! its completion, so no client hears of a success that is not on disk.
//!
//! A failed commit fails every request of its batch, and the queue then
//! refuses all further writes ([`CommitError::Stopped`]): the in-memory
//! market is ahead of the log, so the only safe reaction is to stop writing
//! and exit, and let start-up recovery rebuild the market from what is on
//! disk. [`CommitWorker::run`] returns the error for the driver to do so.
//!
//! The queue is model-checked with loom (`cargo test -p ref-server --features
//! loom --lib commit_queue::loom_tests`).

use std::collections::VecDeque;
use std::fmt;

#[cfg(feature = "loom")]
use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(feature = "loom"))]
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::{Commit, StoreError};

/// Why a queued commit did not become durable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// The store transaction of this request's batch failed; nothing of the
    /// batch was written.
    #[error("store.commit-failed: {0}")]
    Failed(String),
    /// An earlier commit failed or the queue was closed: no more writes are
    /// taken (the server must restart).
    #[error("store.stopped: the server takes no more writes ({0})")]
    Stopped(String),
    /// This node lost the lead (another node's epoch is in the database, or
    /// another writer continued the log): nothing of this request was
    /// written, and this node takes no more writes.
    #[error("{0}")]
    Deposed(String),
}

/// What the commit thread calls when a request is durable (`Ok`) or failed.
pub type Completion = Box<dyn FnOnce(Result<(), CommitError>) + Send>;

struct Request {
    commit: Commit,
    done: Completion,
}

/// Counts of the commits done, to see how well requests are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchStats {
    /// Store transactions written.
    pub batches: u64,
    /// Requests they carried.
    pub requests: u64,
    /// The most requests in one transaction.
    pub max_batch: u64,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Request>,
    /// Set once: after a failure or close, pushes are refused.
    stopped: Option<String>,
    stats: BatchStats,
    /// Requests pushed and requests written so far (for `wait_committed`).
    pushed: u64,
    committed: u64,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    /// Signalled after every batch written, and when the queue stops.
    written: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state consistent (every
        // step under it is a push, a take or a flag), so go on.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The producer side, held by the market task (cheap to clone).
#[derive(Clone)]
pub struct CommitQueue {
    shared: Arc<Shared>,
}

impl fmt::Debug for CommitQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommitQueue").finish_non_exhaustive()
    }
}

/// The consumer side, run by the commit thread.
pub struct CommitWorker {
    shared: Arc<Shared>,
}

impl fmt::Debug for CommitWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommitWorker").finish_non_exhaustive()
    }
}

/// A new queue and its worker.
pub fn commit_queue() -> (CommitQueue, CommitWorker) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
        written: Condvar::new(),
    });
    (
        CommitQueue {
            shared: shared.clone(),
        },
        CommitWorker { shared },
    )
}

impl CommitQueue {
    /// Queues a commit; `done` is called exactly once by the commit thread,
    /// after the batch holding it was written (or failed). Refused with
    /// [`CommitError::Stopped`] — and `done` dropped uncalled — once a
    /// commit failed or the queue was closed.
    pub fn push(&self, commit: Commit, done: Completion) -> Result<(), CommitError> {
        let mut state = self.shared.lock();
        if let Some(why) = &state.stopped {
            return Err(CommitError::Stopped(why.clone()));
        }
        state.queue.push_back(Request { commit, done });
        state.pushed += 1;
        drop(state);
        self.shared.wake.notify_one();
        Ok(())
    }

    /// Blocks until every request pushed before the call is written, or the
    /// queue has stopped. The market task calls it before evicting retired
    /// state, which reads then find in the store's history tables: eviction
    /// must not get ahead of the commit that wrote those rows.
    pub fn wait_committed(&self) {
        let mut state = self.shared.lock();
        let target = state.pushed;
        while state.committed < target && state.stopped.is_none() {
            state = self
                .shared
                .written
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Stops taking writes; the worker writes what is queued and returns.
    pub fn close(&self) {
        let mut state = self.shared.lock();
        state.stopped.get_or_insert_with(|| "closed".into());
        drop(state);
        self.shared.wake.notify_one();
    }

    /// Whether writes are refused (after a failure or close).
    pub fn is_stopped(&self) -> bool {
        self.shared.lock().stopped.is_some()
    }

    /// Batch counts so far.
    pub fn stats(&self) -> BatchStats {
        self.shared.lock().stats
    }
}

/// Concatenates requests into one commit, events and records in queue
/// order (the market task pushed them with consecutive sequence numbers).
fn merge(batch: &[Request]) -> Commit {
    let mut all = Commit::default();
    for r in batch {
        all.events.extend(r.commit.events.iter().cloned());
        all.records.extend(r.commit.records.iter().cloned());
    }
    all
}

impl CommitWorker {
    /// Takes everything queued, commits it with `commit` as one store
    /// transaction, completes every request of the batch, and repeats until
    /// the queue is closed and empty (`Ok`) or a commit fails (`Err`, after
    /// failing every queued request and stopping the queue).
    pub fn run(
        self,
        mut commit: impl FnMut(&Commit) -> Result<(), StoreError>,
    ) -> Result<BatchStats, StoreError> {
        loop {
            let batch: Vec<Request> = {
                let mut state = self.shared.lock();
                while state.queue.is_empty() && state.stopped.is_none() {
                    state = self
                        .shared
                        .wake
                        .wait(state)
                        .unwrap_or_else(|p| p.into_inner());
                }
                if state.queue.is_empty() {
                    return Ok(state.stats);
                }
                state.queue.drain(..).collect()
            };
            let merged = if batch.len() == 1 {
                None
            } else {
                Some(merge(&batch))
            };
            let result = commit(merged.as_ref().unwrap_or(&batch[0].commit));
            match result {
                Ok(()) => {
                    {
                        let mut state = self.shared.lock();
                        let n = batch.len() as u64;
                        state.stats.batches += 1;
                        state.stats.requests += n;
                        state.stats.max_batch = state.stats.max_batch.max(n);
                        state.committed += n;
                    }
                    self.shared.written.notify_all();
                    for r in batch {
                        (r.done)(Ok(()));
                    }
                }
                Err(e) => {
                    let why = e.to_string();
                    let deposed =
                        matches!(e, StoreError::Deposed { .. } | StoreError::Fenced { .. });
                    let rest: Vec<Request> = {
                        let mut state = self.shared.lock();
                        state.stopped = Some(format!("a commit failed: {why}"));
                        state.queue.drain(..).collect()
                    };
                    self.shared.written.notify_all();
                    for r in batch {
                        (r.done)(Err(if deposed {
                            CommitError::Deposed(why.clone())
                        } else {
                            CommitError::Failed(why.clone())
                        }));
                    }
                    // Queued behind the failed batch: their events' sequence
                    // numbers continue a log that now has a gap.
                    for r in rest {
                        (r.done)(Err(if deposed {
                            CommitError::Deposed(why.clone())
                        } else {
                            CommitError::Stopped(format!("a commit failed: {why}"))
                        }));
                    }
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(all(test, not(feature = "loom")))]
mod tests {
    use std::sync::mpsc;

    use super::super::suite::events;
    use super::super::{SqliteStore, Store};
    use super::*;

    fn request(first: u64, n: u64) -> Commit {
        Commit {
            events: events(first..=first + n - 1),
            records: vec![],
        }
    }

    fn completion(tx: &mpsc::Sender<(u64, Result<(), CommitError>)>, id: u64) -> Completion {
        let tx = tx.clone();
        Box::new(move |r| tx.send((id, r)).unwrap())
    }

    /// `wait_committed` returns only after the commit of every request
    /// pushed before it has returned (what eviction relies on).
    #[test]
    fn wait_committed_waits_for_the_write() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let (queue, worker) = commit_queue();
        let written = Arc::new(AtomicU64::new(0));
        let seen = written.clone();
        let thread = std::thread::spawn(move || {
            worker.run(|c| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                seen.fetch_add(c.events.len() as u64, Ordering::SeqCst);
                Ok(())
            })
        });
        let (tx, _rx) = mpsc::channel();
        queue.push(request(1, 2), completion(&tx, 1)).unwrap();
        queue.push(request(3, 1), completion(&tx, 2)).unwrap();
        queue.wait_committed();
        assert_eq!(written.load(Ordering::SeqCst), 3);
        queue.close();
        queue.wait_committed();
        thread.join().unwrap().unwrap();
    }

    /// Requests queued while the worker is busy go into one transaction.
    #[test]
    fn queued_requests_share_one_transaction() {
        let (queue, worker) = commit_queue();
        let (tx, rx) = mpsc::channel();
        queue.push(request(1, 2), completion(&tx, 1)).unwrap();
        queue.push(request(3, 1), completion(&tx, 2)).unwrap();
        queue.push(request(4, 3), completion(&tx, 3)).unwrap();
        queue.close();
        let mut commits = Vec::new();
        let stats = worker
            .run(|c| {
                commits.push(c.events.iter().map(|e| e.seq).collect::<Vec<_>>());
                Ok(())
            })
            .unwrap();
        assert_eq!(commits, vec![vec![1, 2, 3, 4, 5, 6]]);
        assert_eq!(
            stats,
            BatchStats {
                batches: 1,
                requests: 3,
                max_batch: 3
            }
        );
        let done: Vec<_> = rx.try_iter().collect();
        assert_eq!(done, vec![(1, Ok(())), (2, Ok(())), (3, Ok(()))]);
        // Closed: no more writes.
        assert!(matches!(
            queue.push(request(7, 1), completion(&tx, 4)),
            Err(CommitError::Stopped(_))
        ));
    }

    /// A failed transaction fails its whole batch, stops the queue and
    /// returns the error.
    #[test]
    fn failure_fails_the_batch_and_stops_writes() {
        let (queue, worker) = commit_queue();
        let (tx, rx) = mpsc::channel();
        queue.push(request(1, 1), completion(&tx, 1)).unwrap();
        queue.push(request(2, 1), completion(&tx, 2)).unwrap();
        let err = worker
            .run(|_| Err(StoreError::Backend("disk full".into())))
            .unwrap_err();
        assert!(matches!(err, StoreError::Backend(m) if m == "disk full"));
        let done: Vec<_> = rx.try_iter().collect();
        assert_eq!(done.len(), 2);
        for (_, r) in done {
            assert!(matches!(r, Err(CommitError::Failed(m)) if m.contains("disk full")));
        }
        assert!(queue.is_stopped());
        assert!(matches!(
            queue.push(request(3, 1), completion(&tx, 3)),
            Err(CommitError::Stopped(m)) if m.contains("disk full")
        ));
        assert_eq!(
            rx.try_iter().count(),
            0,
            "a refused push is never completed"
        );
    }

    /// With a real store and a concurrent producer, every acknowledged
    /// event is in the log, in order, and the worker groups requests.
    #[test]
    fn concurrent_producer_with_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("q.db")).unwrap());
        let (queue, worker) = commit_queue();
        let s = store.clone();
        let thread = std::thread::spawn(move || worker.run(|c| s.commit(c)));
        let (tx, rx) = mpsc::channel();
        const N: u64 = 300;
        for seq in 1..=N {
            queue.push(request(seq, 1), completion(&tx, seq)).unwrap();
        }
        queue.close();
        let stats = thread.join().unwrap().unwrap();
        let done: Vec<_> = rx.try_iter().collect();
        assert_eq!(done.len() as u64, N);
        assert!(done.iter().all(|(_, r)| r.is_ok()));
        assert_eq!(store.last_seq().unwrap(), N);
        assert_eq!(stats.requests, N);
        assert!(stats.batches <= N);
        eprintln!("group commit: {stats:?}");
    }
}

/// Loom models: `cargo test -p ref-server --lib
/// commit_queue` (bounded by `LOOM_MAX_PREEMPTIONS`, see `.ci/run`).
#[cfg(all(test, feature = "loom"))]
mod loom_tests {
    use loom::sync::Mutex as LMutex;
    use loom::thread;

    use super::super::suite::events;
    use super::*;

    fn request(seq: u64) -> Commit {
        Commit {
            events: events(seq..=seq),
            records: vec![],
        }
    }

    type Log = Arc<LMutex<Vec<u64>>>;
    type Done = Arc<LMutex<Vec<(u64, Result<(), CommitError>, bool)>>>;

    /// A completion that records its result and whether its event was in
    /// the durable log when it was called.
    fn completion(log: &Log, done: &Done, seq: u64) -> Completion {
        let (log, done) = (log.clone(), done.clone());
        Box::new(move |r| {
            let durable = log.lock().unwrap().contains(&seq);
            done.lock().unwrap().push((seq, r, durable));
        })
    }

    /// Two producers and the worker: every accepted push is completed
    /// exactly once, Ok only after its event is durable; the log holds
    /// exactly the accepted events; a close racing with the pushes loses
    /// nothing that was accepted.
    #[test]
    fn every_accepted_push_completes_once_after_it_is_durable() {
        loom::model(|| {
            let (queue, worker) = commit_queue();
            let log: Log = Arc::new(LMutex::new(Vec::new()));
            let done: Done = Arc::new(LMutex::new(Vec::new()));
            let wlog = log.clone();
            let w = thread::spawn(move || {
                worker.run(|c| {
                    wlog.lock().unwrap().extend(c.events.iter().map(|e| e.seq));
                    Ok(())
                })
            });
            let producers: Vec<_> = [1u64, 2]
                .into_iter()
                .map(|seq| {
                    let (q, l, d) = (queue.clone(), log.clone(), done.clone());
                    thread::spawn(move || q.push(request(seq), completion(&l, &d, seq)).is_ok())
                })
                .collect();
            let accepted: Vec<u64> = producers
                .into_iter()
                .zip([1u64, 2])
                .filter_map(|(p, seq)| p.join().unwrap().then_some(seq))
                .collect();
            queue.close();
            w.join().unwrap().unwrap();
            let done = done.lock().unwrap();
            let mut completed: Vec<u64> = done.iter().map(|(s, _, _)| *s).collect();
            completed.sort();
            assert_eq!(completed, accepted, "each accepted push completes once");
            assert!(done.iter().all(|(_, r, durable)| r.is_ok() && *durable));
            let mut logged = log.lock().unwrap().clone();
            logged.sort();
            assert_eq!(logged, accepted);
        });
    }

    /// The store fails: no completion says Ok, every accepted push gets an
    /// error, and pushes after the failure are refused.
    #[test]
    fn a_failure_never_acknowledges() {
        loom::model(|| {
            let (queue, worker) = commit_queue();
            let log: Log = Arc::new(LMutex::new(Vec::new()));
            let done: Done = Arc::new(LMutex::new(Vec::new()));
            let w = thread::spawn(move || worker.run(|_| Err(StoreError::Backend("io".into()))));
            let (q, l, d) = (queue.clone(), log.clone(), done.clone());
            let p = thread::spawn(move || {
                [1u64, 2]
                    .into_iter()
                    .filter(|&seq| q.push(request(seq), completion(&l, &d, seq)).is_ok())
                    .count()
            });
            let accepted = p.join().unwrap();
            assert!(accepted >= 1, "the first push meets a running queue");
            // The worker fails on the first batch and returns.
            assert!(w.join().unwrap().is_err());
            let done = done.lock().unwrap();
            assert_eq!(done.len(), accepted);
            assert!(done.iter().all(|(_, r, _)| r.is_err()));
            assert!(queue.is_stopped());
        });
    }
}

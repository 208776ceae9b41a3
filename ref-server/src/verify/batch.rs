//! The hand-off between request tasks and the verification thread: a queue
//! of (item, waiter) pairs that the thread empties in batches, answering
//! every waiter with the result computed for its own item.
//!
//! This is the only synchronisation in the verification pipeline, kept
//! apart from what is verified so that it can be model-checked with loom
//! the way the commit queue is (`LOOM_MAX_PREEMPTIONS=2 cargo test -p
//! ref-server --features loom --lib verify::batch::loom_tests`). Under the
//! `loom` feature it is built on loom's `Mutex`/`Condvar`/`Arc`.
//!
//! What it guarantees:
//! * a [`Submitter::submit`] is either refused (the item and its waiter
//!   come back to the caller untouched) or accepted; an accepted waiter is
//!   answered exactly once with the result of its own item, or dropped
//!   unanswered if that result is lost (the processing function returned
//!   too few results, or the worker died): it never waits forever;
//! * when the last [`Submitter`] is dropped the [`Worker`] still answers
//!   everything queued, then returns;
//! * when the [`Worker`] is dropped (returned or panicked) everything still
//!   queued is dropped (its waiters learn it) and later submits are refused.
//!
//! A submit takes the lock once and signals the worker only if it sleeps;
//! the queue keeps its capacity, so in steady state a submit allocates
//! nothing.

use std::collections::VecDeque;
use std::fmt;

#[cfg(feature = "loom")]
use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(feature = "loom"))]
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The receiving end of one submitted item's result. Dropping it
/// unanswered tells its owner the result is lost.
pub trait Answer<R> {
    /// Delivers the result.
    fn answer(self, result: R);
}

impl<R> Answer<R> for tokio::sync::oneshot::Sender<R> {
    fn answer(self, result: R) {
        // The request may have gone away meanwhile; nothing to tell then.
        let _ = self.send(result);
    }
}

struct State<T, W> {
    queue: VecDeque<(T, W)>,
    /// Live [`Submitter`] handles.
    submitters: usize,
    /// No more items are taken: every submitter or the worker is gone.
    closed: bool,
    /// The worker waits on `wake`; a submit signals only then.
    sleeping: bool,
}

struct Shared<T, W> {
    state: Mutex<State<T, W>>,
    wake: Condvar,
}

impl<T, W> Shared<T, W> {
    fn lock(&self) -> MutexGuard<'_, State<T, W>> {
        // Nothing runs user code under the lock (items and waiters are only
        // moved), so a poisoned lock still guards a consistent state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Hands items to the worker; cloning makes another handle. The worker
/// finishes once every handle is dropped.
pub struct Submitter<T, W> {
    shared: Arc<Shared<T, W>>,
}

/// Takes the queued items in batches (see [`Worker::run`]).
pub struct Worker<T, W> {
    shared: Arc<Shared<T, W>>,
    max_batch: usize,
}

impl<T, W> fmt::Debug for Submitter<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Submitter").finish_non_exhaustive()
    }
}

impl<T, W> fmt::Debug for Worker<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("max_batch", &self.max_batch)
            .finish_non_exhaustive()
    }
}

/// A new queue whose worker takes at most `max_batch` items at a time (at
/// least one).
pub fn batch_queue<T, W>(max_batch: usize) -> (Submitter<T, W>, Worker<T, W>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            submitters: 1,
            closed: false,
            sleeping: false,
        }),
        wake: Condvar::new(),
    });
    (
        Submitter {
            shared: shared.clone(),
        },
        Worker {
            shared,
            max_batch: max_batch.max(1),
        },
    )
}

impl<T, W> Submitter<T, W> {
    /// Queues `item`; `waiter` is answered with its result. Refused, and
    /// both handed back, once the worker is gone.
    pub fn submit(&self, item: T, waiter: W) -> Result<(), (T, W)> {
        let mut state = self.shared.lock();
        if state.closed {
            return Err((item, waiter));
        }
        state.queue.push_back((item, waiter));
        let wake = std::mem::replace(&mut state.sleeping, false);
        drop(state);
        if wake {
            self.shared.wake.notify_one();
        }
        Ok(())
    }
}

impl<T, W> Clone for Submitter<T, W> {
    fn clone(&self) -> Self {
        self.shared.lock().submitters += 1;
        Submitter {
            shared: self.shared.clone(),
        }
    }
}

impl<T, W> Drop for Submitter<T, W> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.submitters -= 1;
        if state.submitters > 0 {
            return;
        }
        state.closed = true;
        let wake = std::mem::replace(&mut state.sleeping, false);
        drop(state);
        if wake {
            self.shared.wake.notify_one();
        }
    }
}

impl<T, W> Worker<T, W> {
    /// Takes what is queued (at most `max_batch` items), has `process`
    /// compute the results of those items (one per item, in their order),
    /// answers each waiter with its own, and repeats; returns when every
    /// submitter is gone and the queue is empty. A waiter whose result
    /// `process` left out is dropped unanswered.
    pub fn run<R>(self, mut process: impl FnMut(Vec<T>) -> Vec<R>)
    where
        W: Answer<R>,
    {
        let mut waiters: Vec<W> = Vec::new();
        loop {
            let items: Vec<T> = {
                let mut state = self.shared.lock();
                while state.queue.is_empty() && !state.closed {
                    state.sleeping = true;
                    state = self
                        .shared
                        .wake
                        .wait(state)
                        .unwrap_or_else(|p| p.into_inner());
                }
                state.sleeping = false;
                if state.queue.is_empty() {
                    return;
                }
                let n = state.queue.len().min(self.max_batch);
                let mut items = Vec::with_capacity(n);
                for (item, waiter) in state.queue.drain(..n) {
                    items.push(item);
                    waiters.push(waiter);
                }
                items
            };
            let results = process(items);
            for (result, waiter) in results.into_iter().zip(waiters.drain(..)) {
                waiter.answer(result);
            }
            // `drain` dropped any waiter left without a result.
        }
    }
}

impl<T, W> Drop for Worker<T, W> {
    fn drop(&mut self) {
        let rest = {
            let mut state = self.shared.lock();
            state.closed = true;
            std::mem::take(&mut state.queue)
        };
        // Dropped outside the lock: their waiters learn the loss.
        drop(rest);
    }
}

#[cfg(all(test, not(feature = "loom")))]
mod tests {
    use std::sync::mpsc;

    use super::*;

    struct Tx(u32, mpsc::Sender<(u32, Option<u64>)>);

    impl Answer<u64> for Tx {
        fn answer(self, result: u64) {
            self.1.send((self.0, Some(result))).unwrap();
        }
    }

    /// Many threads submit at once; each item's own result reaches its
    /// waiter once, and batches never exceed the limit.
    #[test]
    fn concurrent_submitters_get_their_own_results() {
        let (queue, worker) = batch_queue::<u32, Tx>(8);
        let (sizes_tx, sizes_rx) = mpsc::channel();
        let w = std::thread::spawn(move || {
            worker.run(|items: Vec<u32>| {
                sizes_tx.send(items.len()).unwrap();
                items.into_iter().map(|i| u64::from(i) * 3).collect()
            })
        });
        let (tx, rx) = mpsc::channel();
        let threads: Vec<_> = (0..4u32)
            .map(|t| {
                let (q, tx) = (queue.clone(), tx.clone());
                std::thread::spawn(move || {
                    for i in 0..250 {
                        let id = t * 1000 + i;
                        assert!(q.submit(id, Tx(id, tx.clone())).is_ok());
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(queue);
        w.join().unwrap();
        drop(tx);
        let mut got: Vec<(u32, Option<u64>)> = rx.iter().collect();
        got.sort();
        assert_eq!(got.len(), 1000);
        got.dedup_by_key(|(id, _)| *id);
        assert_eq!(got.len(), 1000, "no item answered twice");
        assert!(got.iter().all(|(id, r)| *r == Some(u64::from(*id) * 3)));
        assert!(sizes_rx.iter().all(|n| (1..=8).contains(&n)));
    }

    /// A worker that is gone refuses submits and hands the item back.
    #[test]
    fn a_gone_worker_refuses() {
        let (queue, worker) = batch_queue::<u32, Tx>(4);
        drop(worker);
        let (tx, _rx) = mpsc::channel();
        let refused = queue.submit(7, Tx(7, tx)).unwrap_err();
        assert_eq!(refused.0, 7);
    }
}

/// Loom models of the hand-off (bounded by `LOOM_MAX_PREEMPTIONS`; see the
/// module documentation for the command).
#[cfg(all(test, feature = "loom"))]
mod loom_tests {
    use loom::sync::{Arc, Condvar, Mutex};
    use loom::thread;

    use super::*;

    /// What a waiter saw: its results and whether it was dropped
    /// unanswered.
    #[derive(Default)]
    struct Seen {
        results: Vec<u32>,
        lost: bool,
    }

    /// One waiter's slot, which its submitter can block on (as a request
    /// task awaits its reply).
    struct Slot {
        seen: Mutex<Seen>,
        changed: Condvar,
    }

    impl Slot {
        fn new() -> Slot {
            Slot {
                seen: Mutex::new(Seen::default()),
                changed: Condvar::new(),
            }
        }

        /// Blocks until answered or lost; the results (empty if lost).
        fn wait(&self) -> Vec<u32> {
            let mut seen = self.seen.lock().unwrap();
            while seen.results.is_empty() && !seen.lost {
                seen = self.changed.wait(seen).unwrap();
            }
            seen.results.clone()
        }

        fn is_lost(&self) -> bool {
            self.seen.lock().unwrap().lost
        }
    }

    struct Waiter {
        slot: Arc<Slot>,
        answered: bool,
    }

    fn waiter() -> (Waiter, Arc<Slot>) {
        let slot = Arc::new(Slot::new());
        (
            Waiter {
                slot: slot.clone(),
                answered: false,
            },
            slot,
        )
    }

    impl Answer<u32> for Waiter {
        fn answer(mut self, result: u32) {
            self.answered = true;
            self.slot.seen.lock().unwrap().results.push(result);
            self.slot.changed.notify_all();
        }
    }

    impl Drop for Waiter {
        fn drop(&mut self) {
            if !self.answered {
                self.slot.seen.lock().unwrap().lost = true;
                self.slot.changed.notify_all();
            }
        }
    }

    /// The result of item `i`: distinct per item, so a swapped answer shows.
    fn result_of(i: u32) -> u32 {
        i * 10 + 1
    }

    fn process(items: Vec<u32>) -> Vec<u32> {
        items.into_iter().map(result_of).collect()
    }

    /// Two submitters race with each other and the worker, each blocking
    /// on its own answer: each gets exactly its own result, and the worker
    /// returns once both handles are gone (loom fails a run that deadlocks).
    #[test]
    fn each_waiter_gets_exactly_its_own_result() {
        loom::model(|| {
            let (queue, worker) = batch_queue::<u32, Waiter>(2);
            let w = thread::spawn(move || worker.run(process));
            let submitters: Vec<_> = [1u32, 2]
                .into_iter()
                .map(|i| {
                    let q = queue.clone();
                    thread::spawn(move || {
                        let (waiter, slot) = waiter();
                        assert!(q.submit(i, waiter).is_ok(), "the worker is running");
                        slot.wait()
                    })
                })
                .collect();
            drop(queue);
            for (s, i) in submitters.into_iter().zip([1u32, 2]) {
                assert_eq!(s.join().unwrap(), vec![result_of(i)]);
            }
            w.join().unwrap();
        });
    }

    /// The last handle is dropped while items are still queued (and the
    /// worker takes at most one per batch): every waiter is still answered
    /// with its own result before the worker returns.
    #[test]
    fn shutdown_with_pending_items_answers_every_waiter() {
        loom::model(|| {
            let (queue, worker) = batch_queue::<u32, Waiter>(1);
            let w = thread::spawn(move || worker.run(process));
            let slots: Vec<Arc<Slot>> = [1u32, 2]
                .into_iter()
                .map(|i| {
                    let (waiter, slot) = waiter();
                    assert!(queue.submit(i, waiter).is_ok());
                    slot
                })
                .collect();
            drop(queue);
            w.join().unwrap();
            for (slot, i) in slots.iter().zip([1u32, 2]) {
                assert_eq!(slot.wait(), vec![result_of(i)]);
            }
        });
    }

    /// The worker dies (is dropped) while a submitter submits: each item is
    /// either refused and handed back intact, or accepted and then its
    /// waiter learns of the loss; nobody waits forever.
    #[test]
    fn a_dying_worker_leaves_no_waiter_hanging() {
        loom::model(|| {
            let (queue, worker) = batch_queue::<u32, Waiter>(2);
            let w = thread::spawn(move || drop(worker));
            let s = thread::spawn(move || {
                let mut outcomes = Vec::new();
                for i in [1u32, 2] {
                    let (waiter, slot) = waiter();
                    match queue.submit(i, waiter) {
                        Ok(()) => outcomes.push((i, Some(slot))),
                        Err((item, _)) => {
                            assert_eq!(item, i, "the refused item comes back");
                            outcomes.push((i, None));
                        }
                    }
                }
                outcomes
                    .into_iter()
                    .map(|(i, slot)| (i, slot.map(|s| (s.wait(), s.is_lost()))))
                    .collect::<Vec<_>>()
            });
            w.join().unwrap();
            for (_, outcome) in s.join().unwrap() {
                if let Some((results, lost)) = outcome {
                    assert!(results.is_empty() && lost, "accepted but never run: lost");
                }
            }
        });
    }

    /// `process` returns fewer results than items (a bug there): the
    /// answered waiters get their own results, the others learn the loss;
    /// no result goes to the wrong waiter.
    #[test]
    fn a_short_result_list_loses_but_never_swaps() {
        loom::model(|| {
            let (queue, worker) = batch_queue::<u32, Waiter>(2);
            let w = thread::spawn(move || {
                worker.run(|items: Vec<u32>| {
                    let keep = items.len().saturating_sub(1).max(1);
                    items.into_iter().take(keep).map(result_of).collect()
                })
            });
            let q = queue.clone();
            let s = thread::spawn(move || {
                let (waiter, slot) = waiter();
                assert!(q.submit(1, waiter).is_ok());
                slot
            });
            let (waiter, slot2) = waiter();
            assert!(queue.submit(2, waiter).is_ok());
            drop(queue);
            let slot1 = s.join().unwrap();
            w.join().unwrap();
            for (slot, i) in [(slot1, 1u32), (slot2, 2)] {
                let results = slot.wait();
                assert!(results.is_empty() || results == vec![result_of(i)]);
                assert_eq!(results.is_empty(), slot.is_lost());
            }
        });
    }
}

//! Change notices for waiting conditional GETs (spec §16.A, BW-HTTP-57):
//! the market thread says which bids and transactions a batch changed
//! (from the batch's history records) and, on a follower, that the log's
//! tail changed anything. A held request registers the object it waits
//! for, then re-checks its tag whenever a notice comes; the notices carry
//! no state, so a lost or spurious one costs at most a re-check (the
//! holder also re-checks on a timer).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use crate::store::Record;

/// An object a request can wait on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Watched {
    /// A bid, by id.
    Bid(u64),
    /// A transaction, by id.
    Tx(u64),
}

impl Watched {
    /// The object a history record is the new state of.
    pub fn of_record(record: &Record) -> Option<Watched> {
        match record {
            Record::Bid { id, .. } => Some(Watched::Bid(*id)),
            Record::Tx { id, .. } => Some(Watched::Tx(*id)),
            _ => None,
        }
    }
}

/// The registry of watched objects; shared by the market thread (which
/// notifies) and the HTTP handlers (which wait). Its lock is held only to
/// look up or update an entry, never while anyone waits.
#[derive(Debug, Default)]
pub struct Changes {
    watched: Mutex<HashMap<Watched, (Arc<Notify>, usize)>>,
    any: Notify,
}

/// One request's registration; dropping it unregisters.
#[derive(Debug)]
pub struct Watch {
    changes: Arc<Changes>,
    key: Watched,
    notify: Arc<Notify>,
}

impl Changes {
    /// Registers interest in `key` until the [`Watch`] is dropped.
    pub fn watch(self: &Arc<Self>, key: Watched) -> Watch {
        let mut map = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map
            .entry(key)
            .or_insert_with(|| (Arc::new(Notify::new()), 0));
        entry.1 += 1;
        Watch {
            changes: self.clone(),
            key,
            notify: entry.0.clone(),
        }
    }

    /// The objects in `keys` may have changed: wakes their waiters.
    pub fn changed(&self, keys: impl IntoIterator<Item = Watched>) {
        let map = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        if map.is_empty() {
            return;
        }
        for key in keys {
            if let Some((notify, _)) = map.get(&key) {
                notify.notify_waiters();
            }
        }
    }

    /// Anything may have changed (a follower applied the leader's events):
    /// wakes every waiter.
    pub fn changed_all(&self) {
        self.any.notify_waiters();
    }

    /// How many requests watch something now.
    pub fn watching(&self) -> usize {
        let map = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        map.values().map(|(_, n)| n).sum()
    }
}

impl Watch {
    /// Notified when the watched object may have changed.
    pub fn object(&self) -> &Notify {
        &self.notify
    }

    /// Notified when anything may have changed.
    pub fn any(&self) -> &Notify {
        &self.changes.any
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut map = self
            .changes
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = map.get_mut(&self.key) {
            entry.1 -= 1;
            if entry.1 == 0 {
                map.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // BW-HTTP-57: a notice for the watched object wakes a waiter that
    // armed itself before; one for another object does not.
    #[tokio::test]
    async fn notices_wake_the_watchers_of_their_object() {
        let changes = Arc::new(Changes::default());
        let w = changes.watch(Watched::Bid(7));
        let other = changes.watch(Watched::Tx(7));
        assert_eq!(changes.watching(), 2);
        {
            let woken = w.object().notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let not_woken = other.object().notified();
            tokio::pin!(not_woken);
            not_woken.as_mut().enable();
            changes.changed([Watched::Bid(7), Watched::Bid(8)]);
            tokio::time::timeout(std::time::Duration::from_secs(5), woken)
                .await
                .expect("the bid's watcher is woken");
            let idle = tokio::time::timeout(std::time::Duration::from_millis(50), not_woken).await;
            assert!(idle.is_err(), "the transaction's watcher stays asleep");
        }
        drop(w);
        drop(other);
        assert_eq!(changes.watching(), 0);
        assert!(changes.watched.lock().unwrap().is_empty());
    }

    // BW-HTTP-57: a follower's notice wakes everyone.
    #[tokio::test]
    async fn a_notice_for_all_wakes_every_watcher() {
        let changes = Arc::new(Changes::default());
        let w = changes.watch(Watched::Tx(1));
        let any = w.any().notified();
        tokio::pin!(any);
        any.as_mut().enable();
        changes.changed_all();
        tokio::time::timeout(std::time::Duration::from_secs(5), any)
            .await
            .expect("woken");
    }
}

//! Start-up recovery and the snapshot policy.
//!
//! **Recovery** ([`recover`]): load the newest snapshot, restore the market
//! from it under the configured [`MarketConfig`], replay every event logged
//! after it — in chunks whose signatures are verified together
//! ([`replay`]) — and evict what is retired as it goes (so memory stays
//! bounded during a long replay, too). A snapshot that cannot be decoded or
//! restored (another format, damage) is skipped with a warning and the
//! whole log is replayed: the log is the truth, snapshots only save time.
//!
//! **Snapshot policy** ([`SnapshotPolicy`]): the market task counts logged
//! events; once [`SnapshotPolicy::every_events`] were logged since the last
//! snapshot (counting those logged before the last start,
//! [`since_snapshot`]), or [`SnapshotPolicy::every`] has passed with at
//! least one new event, it takes [`Market::snapshot`] (a copy of the live
//! state; the market has evicted retired parts, so this is proportional to
//! live state) and hands it to the [`SnapshotWriter`] thread. That thread encodes it,
//! waits until the log holds the snapshot's last event (the commit thread
//! may not have written it yet), and stores it. Restart time is therefore
//! bounded by one snapshot load plus the replay of at most `every_events`
//! events (plus those logged while the last snapshot was being written).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bitwrk_protocol::market::{Market, MarketConfig, MarketSnapshot};
use bitwrk_protocol::signature::Verifier;
use rand::rngs::StdRng;

use super::{LoggedEvent, Seq, Snapshot, Store, StoreError, replay};

/// How often the market is snapshotted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// After this many logged events.
    pub every_events: u64,
    /// Or after this much time with at least one new event.
    pub every: Duration,
}

impl Default for SnapshotPolicy {
    fn default() -> Self {
        SnapshotPolicy {
            every_events: 100_000,
            every: Duration::from_secs(600),
        }
    }
}

impl SnapshotPolicy {
    /// Whether a snapshot is due with `events` logged since the last one,
    /// `elapsed` after it.
    pub fn due(&self, events: u64, elapsed: Duration) -> bool {
        events >= self.every_events || (events > 0 && elapsed >= self.every)
    }
}

/// Events logged after the newest snapshot, up to `last_seq` (all of them
/// without a snapshot): what a restart now would replay, and what the
/// policy counts towards the next snapshot.
pub fn since_snapshot(store: &dyn Store, last_seq: Seq) -> Result<u64, StoreError> {
    Ok(last_seq.saturating_sub(store.latest_snapshot_seq()?.unwrap_or(0)))
}

/// The snapshot bytes the store keeps: the core's snapshot as JSON.
pub fn encode_snapshot(snapshot: &MarketSnapshot) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(snapshot).map_err(|e| StoreError::Backend(format!("encoding snapshot: {e}")))
}

/// Decodes [`encode_snapshot`]'s bytes.
pub fn decode_snapshot(bytes: &[u8]) -> Result<MarketSnapshot, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("snapshot: {e}")))
}

/// Replay evicts retired state after this many events.
const EVICT_EVERY: u64 = 10_000;

/// A recovered market.
#[derive(Debug)]
pub struct Recovered {
    /// The market after every logged event.
    pub market: Market,
    /// The last logged event (0 for an empty log).
    pub last_seq: Seq,
    /// The snapshot it started from, if one was used.
    pub snapshot_seq: Option<Seq>,
    /// Events replayed after the snapshot.
    pub replayed: u64,
}

/// Why recovery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecoveryError {
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A logged event was refused on replay: the log and this program (or
    /// its configuration) disagree.
    #[error("store.replay: event {seq} does not replay: {error}")]
    Replay {
        /// The event.
        seq: Seq,
        /// The market's refusal.
        error: String,
    },
}

/// Snapshot (if usable) + replay of the later events.
pub fn recover(store: &dyn Store, config: MarketConfig) -> Result<Recovered, RecoveryError> {
    let (market, after) = match store.latest_snapshot()? {
        Some(snap) => match decode_snapshot(&snap.state).and_then(|s| {
            Market::restore(config.clone(), s).map_err(|e| StoreError::Corrupt(e.to_string()))
        }) {
            Ok(m) => (m, Some(snap.seq)),
            Err(e) => {
                tracing::warn!(seq = snap.seq, error = %e, "snapshot unusable; replaying the whole log");
                (Market::new(config), None)
            }
        },
        None => (Market::new(config), None),
    };
    let mut replay = Replay {
        verifier: Verifier::with_mode(crate::verify::KEY_CACHE, market.config().verify_mode),
        market,
        rng: crate::verify::new_rng(),
        chunk: Vec::with_capacity(replay::CHUNK),
        last_seq: after.unwrap_or(0),
        replayed: 0,
    };
    let mut refused = None;
    store
        .events_after(replay.last_seq, &mut |logged| {
            replay.chunk.push(logged);
            if replay.chunk.len() >= replay::CHUNK
                && let Err(e) = replay.flush()
            {
                refused = Some(e);
                return Err(StoreError::Corrupt("replay stopped".into()));
            }
            Ok(())
        })
        .map_err(|e| refused.take().unwrap_or(RecoveryError::Store(e)))?;
    replay.flush()?;
    let Replay {
        mut market,
        last_seq,
        replayed,
        ..
    } = replay;
    market.evict_retired();
    Ok(Recovered {
        market,
        last_seq,
        snapshot_seq: after,
        replayed,
    })
}

/// The market being replayed, and the events read but not yet applied.
struct Replay {
    market: Market,
    verifier: Verifier,
    rng: StdRng,
    chunk: Vec<LoggedEvent>,
    last_seq: Seq,
    replayed: u64,
}

impl Replay {
    /// Applies the buffered events (their signatures verified together,
    /// [`replay::apply_chunk`]) and evicts retired state every
    /// [`EVICT_EVERY`] events.
    fn flush(&mut self) -> Result<(), RecoveryError> {
        let Some(last) = self.chunk.last() else {
            return Ok(());
        };
        let last = last.seq;
        replay::apply_chunk(
            &mut self.market,
            &mut self.verifier,
            &mut self.rng,
            &self.chunk,
        )
        .map_err(|(seq, e)| RecoveryError::Replay {
            seq,
            error: e.to_string(),
        })?;
        let before = self.replayed;
        self.replayed += self.chunk.len() as u64;
        self.chunk.clear();
        self.last_seq = last;
        if self.replayed / EVICT_EVERY > before / EVICT_EVERY {
            self.market.evict_retired();
        }
        Ok(())
    }
}

/// The thread that encodes and stores snapshots off the market task.
#[derive(Debug)]
pub struct SnapshotWriter {
    tx: Option<mpsc::SyncSender<(Seq, MarketSnapshot)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long the writer waits for the log to reach a snapshot's seq.
const LOG_WAIT: Duration = Duration::from_secs(30);

impl SnapshotWriter {
    /// Starts the thread.
    pub fn start(store: Arc<dyn Store>) -> SnapshotWriter {
        // One snapshot in flight; a second offered meanwhile is dropped.
        let (tx, rx) = mpsc::sync_channel::<(Seq, MarketSnapshot)>(1);
        let thread = std::thread::Builder::new()
            .name("bitwrk-snapshot".into())
            .spawn(move || {
                for (seq, snapshot) in rx {
                    if let Err(e) = write(&*store, seq, &snapshot) {
                        tracing::warn!(seq, error = %e, "snapshot not written");
                    }
                }
            })
            .expect("spawning the snapshot thread");
        SnapshotWriter {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    /// Offers a snapshot of the market after event `seq`; false if one is
    /// still being written (the caller tries again later).
    pub fn offer(&self, seq: Seq, snapshot: MarketSnapshot) -> bool {
        self.tx
            .as_ref()
            .is_some_and(|tx| tx.try_send((seq, snapshot)).is_ok())
    }

    /// Writes what is queued and stops the thread.
    pub fn finish(mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn write(store: &dyn Store, seq: Seq, snapshot: &MarketSnapshot) -> Result<(), StoreError> {
    let started = Instant::now();
    let state = encode_snapshot(snapshot)?;
    while store.last_seq()? < seq {
        if started.elapsed() > LOG_WAIT {
            return Err(StoreError::SnapshotAhead {
                snapshot: seq,
                last: store.last_seq()?,
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let bytes = state.len();
    store.write_snapshot(&Snapshot { seq, state })?;
    tracing::info!(
        seq,
        bytes,
        millis = started.elapsed().as_millis() as u64,
        "snapshot written"
    );
    Ok(())
}

#[cfg(all(test, not(feature = "loom")))]
mod tests {
    use super::super::suite::events;
    use super::super::{Commit, SqliteStore};
    use super::*;

    /// The events since the newest snapshot count from the snapshot, or
    /// from the start of the log without one.
    #[test]
    fn since_snapshot_counts_from_the_newest_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
        assert_eq!(since_snapshot(&store, 0).unwrap(), 0);
        store
            .commit(&Commit {
                events: events(1..=10),
                records: vec![],
            })
            .unwrap();
        assert_eq!(since_snapshot(&store, 10).unwrap(), 10);
        for seq in [4, 7] {
            store
                .write_snapshot(&Snapshot { seq, state: vec![] })
                .unwrap();
        }
        assert_eq!(since_snapshot(&store, 10).unwrap(), 3);
    }
}

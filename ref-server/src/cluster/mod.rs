//! Several server nodes on one PostgreSQL database (README, "Several nodes
//! on one PostgreSQL"; spec §16.15).
//!
//! Every node keeps the market in memory. Exactly one node, the
//! **leader**, applies inputs and runs the timers; it holds the lease row
//! `leader` (epoch, node, advertised URL, expiry by the database's clock,
//! the backend pid of its lease session). The others are **followers**:
//! they apply the leader's events from the log as they appear (tailing),
//! serve reads from their own market and the history tables, and forward
//! writes over HTTP to the leader's advertised URL ([`forward`]).
//!
//! A follower takes the lead ([`lease`]) when the lease has expired by the
//! database's clock, or at once when the leader's lease session is gone
//! (the process died: PostgreSQL ends its session). Taking the lead bumps
//! the epoch; the store checks the epoch in every commit transaction, so a
//! deposed leader (paused, partitioned) commits nothing after the bump. A
//! node that learns it was deposed stops (crash-only): restarted, it
//! recovers from the log and joins as a follower.
//!
//! Followers verify the signatures of the writes they forward, and the
//! leader takes their verdict under the cluster's MAC instead of verifying
//! again ([`attest`]).

pub mod attest;
pub mod forward;
pub mod lease;

use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use self::attest::ClusterKey;
use crate::store::Seq;

/// The header carrying the last logged sequence number on a leader's
/// responses (for a follower's read-your-writes wait: once the follower
/// has applied it, it has seen everything the answer reflects).
pub const LOG_SEQ_HEADER: &str = "x-bitwrk-log-seq";

/// The header a follower marks forwarded requests with (its node id): a
/// node that does not lead answers such a request with `node.not-leader`
/// instead of forwarding it again.
pub const FORWARDED_HEADER: &str = "x-bitwrk-forwarded-by";

/// The codes of a server of several nodes (spec appendix A.3, §16.15).
pub const NODE_CODES: &[&str] = &[
    "node.no-leader",
    "node.leader-lost",
    "node.not-leader",
    "node.deposed",
    "node.bad-mac",
];

/// How a node takes part in a cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// This node's name (unique in the cluster).
    pub node: String,
    /// The URL other nodes reach this node at (`http://host:port/`).
    pub advertise: String,
    /// How long a lease lasts without renewal.
    pub lease: Duration,
    /// The PostgreSQL URL (the lease session is its own connection).
    pub db: String,
}

/// The state the HTTP layer and the market task share about the cluster.
#[derive(Debug)]
pub struct Cluster {
    config: ClusterConfig,
    key: ClusterKey,
    leading: AtomicBool,
    looked: AtomicBool,
    epoch: AtomicU64,
    leader_url: RwLock<Option<String>>,
    logged: AtomicU64,
    applied: watch::Sender<Seq>,
}

impl Cluster {
    /// A node that does not lead (yet), having applied the log up to
    /// `applied`; `key` authenticates forwarded requests ([`attest`]).
    pub fn new(config: ClusterConfig, applied: Seq, key: ClusterKey) -> Cluster {
        Cluster {
            config,
            key,
            leading: AtomicBool::new(false),
            looked: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            leader_url: RwLock::new(None),
            logged: AtomicU64::new(applied),
            applied: watch::Sender::new(applied),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// The key of forwarded requests.
    pub fn key(&self) -> &ClusterKey {
        &self.key
    }

    /// Whether this node leads and has caught up with the log.
    pub fn is_leader(&self) -> bool {
        self.leading.load(Ordering::SeqCst)
    }

    /// Whether the lease thread has looked at the lease once (this node
    /// then knows the leader, or leads).
    pub fn has_looked(&self) -> bool {
        self.looked.load(Ordering::SeqCst)
    }

    pub(crate) fn set_looked(&self) {
        self.looked.store(true, Ordering::SeqCst);
    }

    /// The epoch this node leads in (0 while it follows).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The current leader's advertised URL, if a lease is valid.
    pub fn leader_url(&self) -> Option<String> {
        self.leader_url.read().ok().and_then(|u| u.clone())
    }

    pub(crate) fn set_leader_url(&self, url: Option<String>) {
        if let Ok(mut u) = self.leader_url.write() {
            *u = url;
        }
    }

    pub(crate) fn set_leading(&self, epoch: u64) {
        self.epoch.store(epoch, Ordering::SeqCst);
        self.set_leader_url(Some(self.config.advertise.clone()));
        self.leading.store(true, Ordering::SeqCst);
    }

    /// The last sequence number this node logged (leader; it may not be
    /// committed yet).
    pub fn logged(&self) -> Seq {
        self.logged.load(Ordering::SeqCst)
    }

    pub(crate) fn set_logged(&self, seq: Seq) {
        self.logged.fetch_max(seq, Ordering::SeqCst);
    }

    /// The last sequence number applied to this node's market.
    pub fn applied(&self) -> Seq {
        *self.applied.borrow()
    }

    pub(crate) fn set_applied(&self, seq: Seq) {
        self.applied.send_if_modified(|a| {
            let changed = seq > *a;
            *a = (*a).max(seq);
            changed
        });
    }

    /// Waits until this node's market has applied `seq` (at most
    /// `timeout`); whether it has.
    pub async fn wait_applied(&self, seq: Seq, timeout: Duration) -> bool {
        let mut rx = self.applied.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|a| *a >= seq))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

//! The reference client's trading logic toward the server, sans-IO (spec
//! section 20).
//!
//! An [`ActivityManager`] owns the client's buys and sells, its mandates and
//! its workers. Like [`Market`](crate::market::Market) it reads no clock and
//! draws no randomness: the driver passes `now` into every call and hands
//! in random bytes where a trade needs them (the buyer's secret, the
//! seller's result key). The driver
//!
//! * creates activities ([`ActivityManager::buy`], [`ActivityManager::sell`]
//!   for the workers [`ActivityManager::poll_idle_worker`] offers) and
//!   mandates ([`ActivityManager::add_mandate`]);
//! * sends the requests of [`ActivityManager::poll_transmit`] to the server
//!   and hands each answer to [`ActivityManager::handle_answer`]
//!   ([`Answer::from_http`] reads an HTTP answer);
//! * calls [`ActivityManager::handle_timeout`] when
//!   [`ActivityManager::poll_timeout`] has passed;
//! * performs the effects of [`ActivityManager::poll_event`]: start a
//!   transfer to the seller, push work to a worker, close connections, tell
//!   the local API;
//! * reports what the client-to-client transfer and the worker did
//!   ([`ActivityManager::transfer_done`], [`ActivityManager::work_received`],
//!   [`ActivityManager::receipt`], [`ActivityManager::worker_answer`]).
//!
//! Modules: [`mandate`] (standing permissions), [`backoff`] (capped
//! polling delays), [`http`] (requests and answers), [`watchdog`], the
//! trades ([`buyer`], [`seller`]), [`worker`] and the [`activity`] manager.

use core::fmt;
use core::time::Duration;

use crate::hash::Hash256;
use crate::money::Money;
use crate::signature::VerifyMode;

pub mod activity;
pub mod backoff;
pub mod buyer;
mod error;
pub mod http;
pub mod mandate;
mod remote;
pub mod seller;
mod trade;
pub mod watchdog;
pub mod worker;

#[cfg(test)]
mod tests;

pub use activity::{ActivityInfo, ActivityManager};
pub use error::ClientError;
pub use http::{Answer, Method, RequestId, RequestKind, ServerRequest};
pub use mandate::{Mandate, Mandates};
pub use worker::{WorkerAnswer, WorkerId, WorkerInfo};

/// Names an activity or a mandate; one counter, starting at 1, issues both
/// (as in BitWrk 0.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActivityKey(pub u64);

impl fmt::Display for ActivityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Settings of the client's trading (BitWrk 0.7's flags and constants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Open bids per type and article (`-num-unmatched-bids`, 1).
    pub unmatched_bids: usize,
    /// Buys transmitting work at once (`-num-transmitting-bids`, 4).
    pub transmitting_bids: usize,
    /// First polling delay (0.5 s).
    pub poll_initial: Duration,
    /// Longest polling delay (8 s; 0.7 has no cap, DEP-450).
    pub poll_max: Duration,
    /// How long a poll asks the server to hold it (`Prefer: wait`, whole
    /// seconds; 20 s; zero asks for nothing), BW-CLIENT-36.
    pub poll_wait: Duration,
    /// The gap before the next poll after an answer the server paced
    /// (`Preference-Applied: wait`; 20 ms), BW-CLIENT-38.
    pub poll_paced: Duration,
    /// How long requests may fail in a row before the trade gives up
    /// (5 min).
    pub patience: Duration,
    /// How long a worker whose sell failed is not offered again (20 s).
    pub worker_penalty: Duration,
    /// Whether sells may only be matched locally (`-extport <= 0`).
    pub local_only_sells: bool,
    /// How the seller verifies the buyer's receipt signature.
    pub verify_mode: VerifyMode,
    /// How many ended activities are kept for the local API (100).
    pub history: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            unmatched_bids: 1,
            transmitting_bids: 4,
            poll_initial: Duration::from_millis(500),
            poll_max: Duration::from_secs(8),
            poll_wait: Duration::from_secs(20),
            poll_paced: Duration::from_millis(20),
            patience: Duration::from_secs(300),
            worker_penalty: Duration::from_secs(20),
            local_only_sells: false,
            verify_mode: VerifyMode::Compat07,
            history: 100,
        }
    }
}

/// Something the driver must do or report, from one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The activity.
    pub key: ActivityKey,
    /// What happened.
    pub kind: EventKind,
}

/// What an [`Event`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A mandate or an explicit price published the trade at this price.
    Published {
        /// The bid's price.
        price: Money,
    },
    /// Matched with the local activity `peer`: no server, no money
    /// (BW-CLIENT-4).
    LocalMatch {
        /// The other activity.
        peer: ActivityKey,
    },
    /// The bid was matched into this transaction.
    Matched {
        /// The transaction's identifier.
        tx: String,
    },
    /// Buyer: send the work and the secret to the seller's worker URL (the
    /// client-to-client transfer), then report with
    /// [`ActivityManager::transfer_done`] (BW-CLIENT-15).
    Transmit {
        /// Where the seller receives the work.
        worker_url: String,
        /// SHA-256 of the work.
        work_hash: Hash256,
        /// The buyer's secret.
        buyer_secret: Hash256,
    },
    /// Buyer: the result can be had. Remote: decrypt it with the key the
    /// server published, then call [`ActivityManager::accept_result`].
    /// Local: the peer's worker result is the result.
    ResultReady {
        /// The key from the transaction (remote trades).
        decryption_key: Option<Hash256>,
        /// The sell that produced it (local trades).
        local_peer: Option<ActivityKey>,
    },
    /// Seller: open an endpoint for the buyer and report its URL with
    /// [`ActivityManager::set_worker_url`] (BW-CLIENT-18).
    WorkerUrlNeeded {
        /// The transaction.
        tx: String,
    },
    /// Seller: POST the work to the worker (`application/octet-stream`),
    /// then report with [`ActivityManager::worker_answer`] (BW-CLIENT-20).
    PushWork {
        /// The worker.
        worker: WorkerId,
        /// Its push URL.
        push_url: String,
        /// For a local sell, the buy whose work it is.
        local_buy: Option<ActivityKey>,
    },
    /// Seller: the worker's result is to be encrypted with this key and
    /// sent to the buyer, whose receipt comes back through
    /// [`ActivityManager::receipt`].
    SendResult {
        /// The result key (`encresultkey`).
        result_key: Hash256,
    },
    /// Close the connections of this activity's transfer or worker push:
    /// the watchdog found the transaction no longer fit for it
    /// (BW-CLIENT-17).
    CloseConnections,
    /// The activity ended.
    Finished {
        /// Success, or why it failed.
        result: Result<(), ClientError>,
    },
}

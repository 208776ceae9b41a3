//! Workers (spec section 20.6): registered by the local API, each offered
//! for one sell at a time, kept busy until it re-registers after a job, and
//! held back for a while after a failed sell.

use core::fmt;
use std::collections::BTreeMap;

use crate::article::Article;
use crate::time::Timestamp;

/// A worker's identifier, as it registered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerId(pub String);

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a worker registers with (`/registerworker`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerInfo {
    /// Its identifier.
    pub id: WorkerId,
    /// The article it works on.
    pub article: Article,
    /// Where work is pushed (`http-push`).
    pub push_url: String,
}

/// How a work push ended (BW-CLIENT-20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerAnswer {
    /// `200`: the body is the result.
    Done,
    /// Another status.
    Status(u16),
    /// No answer: the connection failed.
    Failed(String),
}

impl fmt::Display for WorkerAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerAnswer::Done => f.write_str("200"),
            WorkerAnswer::Status(s) => write!(f, "status {s}"),
            WorkerAnswer::Failed(e) => write!(f, "no answer: {e}"),
        }
    }
}

/// A registered worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerState {
    /// As registered.
    pub info: WorkerInfo,
    /// Whether it takes work (false from a push until it re-registers).
    pub idle: bool,
    /// Whether it was unregistered (a running sell goes on).
    pub unregistered: bool,
    /// Not offered before this time (after a failed sell).
    pub blocked_until: Option<Timestamp>,
    /// Whether a sell runs for it.
    pub selling: bool,
    /// The last sell's error.
    pub last_error: Option<String>,
}

impl WorkerState {
    /// Whether a sell may be created for it at `now` (BW-CLIENT-20).
    pub fn offerable(&self, now: Timestamp) -> bool {
        self.idle
            && !self.unregistered
            && !self.selling
            && self.blocked_until.is_none_or(|t| now >= t)
    }
}

/// The registered workers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workers {
    by_id: BTreeMap<WorkerId, WorkerState>,
}

impl Workers {
    /// Registers a worker, or marks a known one idle again (BitWrk 0.7's
    /// keep-alive: a worker re-registers after every job).
    pub fn register(&mut self, info: WorkerInfo) {
        match self.by_id.get_mut(&info.id) {
            Some(w) => {
                w.idle = true;
                w.unregistered = false;
                w.info = info;
            }
            None => {
                self.by_id.insert(
                    info.id.clone(),
                    WorkerState {
                        info,
                        idle: true,
                        unregistered: false,
                        blocked_until: None,
                        selling: false,
                        last_error: None,
                    },
                );
            }
        }
    }

    /// Stops offering a worker; a running sell goes on.
    pub fn unregister(&mut self, id: &WorkerId) -> bool {
        self.by_id
            .get_mut(id)
            .map(|w| w.unregistered = true)
            .is_some()
    }

    /// A worker.
    pub fn get(&self, id: &WorkerId) -> Option<&WorkerState> {
        self.by_id.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &WorkerId) -> Option<&mut WorkerState> {
        self.by_id.get_mut(id)
    }

    /// The workers, by id.
    pub fn iter(&self) -> impl Iterator<Item = &WorkerState> {
        self.by_id.values()
    }

    /// The first worker a sell may be created for at `now`.
    pub fn offerable(&self, now: Timestamp) -> Option<&WorkerState> {
        self.by_id.values().find(|w| w.offerable(now))
    }

    /// The earliest time a blocked worker becomes offerable.
    pub fn next_unblock(&self) -> Option<Timestamp> {
        self.by_id
            .values()
            .filter(|w| w.idle && !w.unregistered && !w.selling)
            .filter_map(|w| w.blocked_until)
            .min()
    }

    /// A push ended (BW-CLIENT-20): after `200` or `500` the worker stays
    /// busy until it re-registers; after anything else it is idle at once.
    pub(crate) fn pushed(&mut self, id: &WorkerId, answer: &WorkerAnswer) {
        if let Some(w) = self.by_id.get_mut(id) {
            w.idle = !matches!(answer, WorkerAnswer::Done | WorkerAnswer::Status(500));
        }
    }
}

//! Local worker programs (§5.1, §8 of the 0.7 notes): registration, the
//! idle/busy protocol and the push of work to a worker.
//!
//! A worker registers with an id, an article and a push URL. Registering
//! a known id again means "I am idle again": after a job answered 200 or
//! 500 the worker stays busy until it re-registers. A failed request or
//! any other status makes it idle at once.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::Full;
use serde::Serialize;

use super::error::DaemonError;
use super::http_util::{Timeouts, send};

/// Largest result a worker may return (the buyer's result file).
pub const RESULT_LIMIT: usize = 1 << 30;

/// BitWrk 0.7's worker client: 15 min in total.
const WORKER_TIMEOUTS: Timeouts = Timeouts {
    connect: std::time::Duration::from_secs(10),
    total: std::time::Duration::from_secs(15 * 60),
};

/// What a worker registered with (JSON as BitWrk 0.7's `Info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerInfo {
    /// The worker's id, unique per client.
    #[serde(rename = "Id")]
    pub id: String,
    /// The article it sells.
    #[serde(rename = "Article")]
    pub article: String,
    /// Always `http-push`.
    #[serde(rename = "Method")]
    pub method: &'static str,
    /// Where work is POSTed.
    #[serde(rename = "PushURL")]
    pub push_url: String,
}

/// A worker's state (JSON as an element of `/workers`).
#[derive(Debug, Clone, Serialize)]
pub struct WorkerState {
    /// The text of the last failure, `null` if none.
    #[serde(rename = "LastError")]
    pub last_error: Option<String>,
    /// What it registered with.
    #[serde(rename = "Info")]
    pub info: WorkerInfo,
    /// Whether it waits for work.
    #[serde(rename = "Idle")]
    pub idle: bool,
    /// Whether it was unregistered (a running job still finishes).
    #[serde(rename = "Unregistered")]
    pub unregistered: bool,
    /// How many things keep it from being offered (a sell in progress,
    /// a penalty after a failure).
    #[serde(rename = "Blockers")]
    pub blockers: u32,
}

/// What registering did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// A new worker.
    New,
    /// A known worker declared itself idle again.
    Idle,
}

/// The registry of workers.
#[derive(Debug, Default)]
pub struct Workers {
    map: Mutex<BTreeMap<String, WorkerState>>,
    changed: tokio::sync::Notify,
}

impl Workers {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, WorkerState>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a worker or, for a known id, marks it idle. An empty id,
    /// article or push URL is refused (BitWrk 0.7 registers it anyway,
    /// DEP-505).
    pub fn register(&self, id: &str, article: &str, push_url: &str) -> Result<Registration, DaemonError> {
        for (name, value) in [("id", id), ("article", article), ("pushurl", push_url)] {
            if value.is_empty() {
                return Err(DaemonError::BadParameter {
                    name,
                    detail: "expected a non-empty value, got none".to_owned(),
                });
            }
        }
        if !push_url.starts_with("http://") {
            return Err(DaemonError::BadParameter {
                name: "pushurl",
                detail: format!("expected an http:// URL, got {push_url:?}"),
            });
        }
        let info = WorkerInfo {
            id: id.to_owned(),
            article: article.to_owned(),
            method: "http-push",
            push_url: push_url.to_owned(),
        };
        let outcome = {
            let mut map = self.lock();
            match map.get_mut(id) {
                Some(w) if !w.unregistered => {
                    w.info = info;
                    w.idle = true;
                    Registration::Idle
                }
                _ => {
                    map.insert(
                        id.to_owned(),
                        WorkerState {
                            last_error: None,
                            info,
                            idle: true,
                            unregistered: false,
                            blockers: 0,
                        },
                    );
                    Registration::New
                }
            }
        };
        self.changed.notify_waiters();
        Ok(outcome)
    }

    /// Unregisters a worker; returns whether it was known.
    pub fn unregister(&self, id: &str) -> bool {
        let found = {
            let mut map = self.lock();
            match map.get_mut(id) {
                Some(w) if w.idle => {
                    map.remove(id);
                    true
                }
                Some(w) => {
                    // Busy: shown as unregistered until its job ends.
                    w.unregistered = true;
                    true
                }
                None => false,
            }
        };
        self.changed.notify_waiters();
        found
    }

    /// Every worker, by id.
    pub fn list(&self) -> Vec<WorkerState> {
        self.lock().values().cloned().collect()
    }

    /// One worker.
    pub fn get(&self, id: &str) -> Option<WorkerState> {
        self.lock().get(id).cloned()
    }

    /// The ids of registered, idle, unblocked workers of `article` (all
    /// articles when `None`).
    pub fn available(&self, article: Option<&str>) -> Vec<WorkerInfo> {
        self.lock()
            .values()
            .filter(|w| w.idle && !w.unregistered && w.blockers == 0)
            .filter(|w| article.is_none_or(|a| w.info.article == a))
            .map(|w| w.info.clone())
            .collect()
    }

    /// Adds (`+1`) or removes (`-1`) a blocker of worker `id`.
    pub fn block(&self, id: &str, delta: i32) {
        if let Some(w) = self.lock().get_mut(id) {
            w.blockers = w.blockers.saturating_add_signed(delta);
        }
        self.changed.notify_waiters();
    }

    /// Waits until the registry changes.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    fn finish(&self, id: &str, stay_busy: bool, error: Option<String>) {
        let mut map = self.lock();
        if let Some(w) = map.get_mut(id) {
            w.blockers = w.blockers.saturating_sub(1);
            if error.is_some() {
                w.last_error = error;
            }
            if !stay_busy {
                w.idle = true;
            }
            if w.unregistered && w.idle {
                map.remove(id);
            }
        }
        drop(map);
        self.changed.notify_waiters();
    }

    /// Runs a job on worker `id` (BitWrk 0.7 `DoWork`): marks it busy,
    /// POSTs `work` as `application/octet-stream` to its push URL and
    /// returns the body of a 200. After 200 or 500 the worker stays busy
    /// until it re-registers; otherwise it is idle again at once.
    pub async fn push(&self, id: &str, work: Bytes) -> Result<Bytes, DaemonError> {
        let push_url = {
            let mut map = self.lock();
            let w = map.get_mut(id).ok_or_else(|| DaemonError::Worker {
                id: id.to_owned(),
                detail: "expected a registered worker, found none".to_owned(),
            })?;
            w.idle = false;
            w.blockers = w.blockers.saturating_add(1);
            w.info.push_url.clone()
        };
        let fail = |detail: String| DaemonError::Worker {
            id: id.to_owned(),
            detail,
        };
        let req = Request::builder()
            .method(Method::POST)
            .uri(&push_url)
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )
            .body(Full::new(work))
            .map_err(|e| fail(format!("bad push URL {push_url:?}: {e}")));
        let outcome = match req {
            Ok(req) => send(req, RESULT_LIMIT, WORKER_TIMEOUTS, "pushing work to a worker").await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(f) if f.status == StatusCode::OK => {
                self.finish(id, true, None);
                Ok(f.body)
            }
            Ok(f) => {
                let e = fail(format!(
                    "expected status 200, got {}: {}",
                    f.status.as_u16(),
                    String::from_utf8_lossy(&f.body[..f.body.len().min(1024)])
                ));
                self.finish(id, f.status == StatusCode::INTERNAL_SERVER_ERROR, Some(e.to_string()));
                Err(e)
            }
            Err(e) => {
                let e = fail(e.to_string());
                self.finish(id, false, Some(e.to_string()));
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reregistering_means_idle_and_empty_id_is_refused() {
        let w = Workers::default();
        assert_eq!(w.register("w1", "foobar", "http://127.0.0.1:9/work").expect("r"), Registration::New);
        assert_eq!(w.register("w1", "foobar", "http://127.0.0.1:9/work").expect("r"), Registration::Idle);
        let e = w.register("", "foobar", "http://127.0.0.1:9/work").expect_err("empty id");
        assert_eq!(bitwrk_protocol::ErrorCode::code(&e), "daemon.bad-parameter");
        assert!(w.register("w2", "foobar", "ftp://x/").is_err());
        assert_eq!(w.list().len(), 1);
        assert!(w.unregister("w1"));
        assert!(!w.unregister("w1"));
        assert!(w.list().is_empty());
    }

    #[test]
    fn blocked_workers_are_not_available() {
        let w = Workers::default();
        w.register("a", "foobar", "http://127.0.0.1:9/").expect("r");
        w.register("b", "snafu", "http://127.0.0.1:9/").expect("r");
        assert_eq!(w.available(Some("foobar")).len(), 1);
        w.block("a", 1);
        assert!(w.available(Some("foobar")).is_empty());
        w.block("a", -1);
        assert_eq!(w.available(None).len(), 2);
    }
}

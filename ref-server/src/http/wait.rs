//! Waiting conditional GETs (spec §16.A, BW-HTTP-56 … BW-HTTP-60): a `GET`
//! of a bid or a transaction that carries `Prefer: wait=<n>` (RFC 7240)
//! and an `If-None-Match` naming the current tag is held until the tag
//! changes or the wait (capped) has passed, then answered as any GET is,
//! with `Preference-Applied: wait=<n>`. A request without the preference
//! is answered at once, exactly as before (the 0.7 client sends none).
//!
//! A held request holds no lock and no store connection while it waits:
//! it sleeps on the market thread's change notices
//! ([`crate::driver::changes`]) and a re-check timer (which also sees the
//! leader's changes on a follower and changes by time), and re-reads its
//! object through the ordinary read path after each. At most
//! [`crate::config::HttpLimits::max_held`] are held at once; shutdown
//! answers every held request at once.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, header};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use super::errors::ApiError;
use super::handlers::Resp;
use super::negotiate::{none_match, split_list};
use super::{AppState, Req};
use crate::driver::changes::Watched;

/// The response header that says the wait was applied (RFC 7240 §3).
pub const PREFERENCE_APPLIED: &str = "preference-applied";

/// How often a held request re-reads its object without a notice
/// (BW-HTTP-57).
pub const RECHECK: Duration = Duration::from_millis(250);

/// What held requests share: the bound on their number and the shutdown
/// signal.
#[derive(Debug)]
pub struct Waits {
    held: Arc<Semaphore>,
    shutdown: watch::Sender<bool>,
}

impl Waits {
    /// At most `max_held` requests held at once (BW-HTTP-59).
    pub fn new(max_held: usize) -> Waits {
        Waits {
            held: Arc::new(Semaphore::new(max_held.min(Semaphore::MAX_PERMITS))),
            shutdown: watch::Sender::new(false),
        }
    }

    /// The server is stopping: every held request is answered now, and
    /// none is held any more (BW-HTTP-60).
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }
}

/// An object's view as it is now, with its tag, and whether it may still
/// change (it is in the market, not only in the history).
#[derive(Debug)]
pub struct Current<T> {
    /// The view.
    pub view: T,
    /// Its entity tag (BW-HTTP-14).
    pub etag: String,
    /// Whether it can change.
    pub live: bool,
}

/// The wait the `Prefer` header lines ask for, in seconds: the first
/// `wait` preference (RFC 7240 §2 counts only the first instance) if its
/// value is a number of seconds; `None` without one, or when it is
/// malformed (a preference a server does not understand is ignored).
pub fn requested_wait<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<u64> {
    for line in lines {
        for preference in split_list(line) {
            let head = preference.split(';').next().unwrap_or("");
            let (name, value) = head.split_once('=').unwrap_or((head, ""));
            if !name.trim().eq_ignore_ascii_case("wait") {
                continue;
            }
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Digits only: a value too large for u64 is "very long".
            return Some(value.parse().unwrap_or(u64::MAX));
        }
    }
    None
}

/// The wait this server applies to `req`, in seconds: the requested one,
/// capped at the server's maximum; `None` if it asks for none (or for 0)
/// or the server holds no requests (BW-HTTP-56).
fn applicable_wait(state: &AppState, req: &Req) -> Option<u64> {
    let lines = req
        .headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok());
    let cap = state.limits.max_wait.as_secs();
    requested_wait(lines).map(|w| w.min(cap)).filter(|w| *w > 0)
}

/// The object `load` reads, when `req` may be answered: at once for a
/// request that asks for no wait or whose tag is not the current one;
/// otherwise once the tag changed or the wait passed (BW-HTTP-57). With
/// the wait applied, if it was (BW-HTTP-58).
pub async fn current<T, F, Fut>(
    state: &AppState,
    req: &Req,
    key: Watched,
    load: F,
) -> Result<(Current<T>, Option<u64>), ApiError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Current<T>, ApiError>>,
{
    let Some(wait) = applicable_wait(state, req) else {
        return Ok((load().await?, None));
    };
    let Some(inm) = req.header(header::IF_NONE_MATCH) else {
        // Nothing to wait for: the client holds no version.
        return Ok((load().await?, Some(wait)));
    };
    // Registered before the first read, so that no change between the
    // read and the sleep goes unnoticed.
    let watch = state.driver.changes().watch(key);
    let mut shutdown = state.waits.shutdown.subscribe();
    let deadline = Instant::now() + Duration::from_secs(wait);
    let mut permit = None;
    let mut expired = false;
    loop {
        let object = watch.object().notified();
        tokio::pin!(object);
        object.as_mut().enable();
        let any = watch.any().notified();
        tokio::pin!(any);
        any.as_mut().enable();
        let now = load().await?;
        if !none_match(inm, &now.etag) || expired {
            return Ok((now, Some(wait)));
        }
        let stopping = *shutdown.borrow();
        if stopping {
            return Ok((now, None));
        }
        if permit.is_none() {
            match state.waits.held.clone().try_acquire_owned() {
                Ok(p) => permit = Some(p),
                // As many are held as the server allows: answer now.
                Err(_) => return Ok((now, None)),
            }
        }
        // A retired object never changes again: only the wait's end.
        let recheck = if now.live {
            RECHECK
        } else {
            Duration::from_secs(wait)
        };
        tokio::select! {
            () = &mut object => {}
            () = &mut any => {}
            () = tokio::time::sleep(recheck) => {}
            () = tokio::time::sleep_until(deadline) => expired = true,
            _ = shutdown.changed() => return Ok((now, None)),
        }
    }
}

/// `resp` with `Preference-Applied: wait=<n>` if the wait was applied
/// (BW-HTTP-58).
pub fn applied(mut resp: Resp, wait: Option<u64>) -> Resp {
    if let Some(wait) = wait
        && let Ok(v) = HeaderValue::from_str(&format!("wait={wait}"))
    {
        resp.headers_mut().insert(PREFERENCE_APPLIED, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // BW-HTTP-56
    #[test]
    fn the_first_wait_preference_counts() {
        assert_eq!(requested_wait(["wait=20"]), Some(20));
        assert_eq!(requested_wait(["respond-async, WAIT = 5"]), Some(5));
        assert_eq!(requested_wait(["wait=\"7\"; foo=bar"]), Some(7));
        assert_eq!(
            requested_wait(["return=minimal", "wait=3, wait=9"]),
            Some(3)
        );
        assert_eq!(requested_wait(["wait=3", "wait=9"]), Some(3));
        assert_eq!(
            requested_wait(["wait=99999999999999999999999"]),
            Some(u64::MAX)
        );
        assert_eq!(requested_wait(["wait"]), None);
        assert_eq!(requested_wait(["wait=-1"]), None);
        assert_eq!(requested_wait(["wait=1.5"]), None);
        assert_eq!(requested_wait(["wait=x, wait=4"]), None);
        assert_eq!(requested_wait(["waiting=4"]), None);
        assert_eq!(requested_wait(["respond-async"]), None);
        assert_eq!(requested_wait(Vec::<&str>::new()), None);
    }

    // BW-HTTP-58
    #[test]
    fn the_applied_wait_is_echoed() {
        let r = applied(
            super::super::handlers::text_response(http::StatusCode::OK, String::new()),
            Some(20),
        );
        assert_eq!(
            r.headers()
                .get(PREFERENCE_APPLIED)
                .unwrap()
                .to_str()
                .unwrap(),
            "wait=20"
        );
        let r = applied(
            super::super::handlers::text_response(http::StatusCode::OK, String::new()),
            None,
        );
        assert!(r.headers().get(PREFERENCE_APPLIED).is_none());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,64}", t in any::<String>()) {
            let _ = requested_wait([s.as_str(), t.as_str()]);
        }
    }
}

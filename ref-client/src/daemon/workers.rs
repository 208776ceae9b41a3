//! Local worker programs (§5.1, §8 of the 0.7 notes). The registry and
//! the idle/busy rules are the trading core's
//! ([`bitwrk_protocol::client::worker`]); this module checks what the
//! local API receives, shows the workers as BitWrk 0.7's `/workers` does,
//! and performs a work push.

use bitwrk_protocol::Hash256;
use bitwrk_protocol::article::Article;
use bitwrk_protocol::client::worker::WorkerState;
use bitwrk_protocol::client::{WorkerAnswer, WorkerId, WorkerInfo};
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde::Serialize;

use super::error::DaemonError;
use super::http_util::{Timeouts, channel_body, open};
use super::pieces::{Pieces, feed_body};
use super::store::Store;
use super::trade::RESULT_LIMIT;

/// BitWrk 0.7's worker client: 15 min in total.
const WORKER_TIMEOUTS: Timeouts = Timeouts {
    connect: std::time::Duration::from_secs(10),
    total: std::time::Duration::from_secs(15 * 60),
};

/// A worker's registration, checked: a non-empty id, an article, and an
/// `http://` push URL. BitWrk 0.7 registers even an empty id or push URL
/// (DEP-505).
pub fn registration(id: &str, article: &str, push_url: &str) -> Result<WorkerInfo, DaemonError> {
    for (name, value) in [("id", id), ("article", article), ("pushurl", push_url)] {
        if value.is_empty() {
            return Err(DaemonError::BadParameter {
                name,
                detail: "expected a non-empty value, got none".to_owned(),
            });
        }
    }
    let article = Article::parse(article).map_err(|e| DaemonError::BadParameter {
        name: "article",
        detail: format!("{article:?}: {e}"),
    })?;
    if !push_url.starts_with("http://") {
        return Err(DaemonError::BadParameter {
            name: "pushurl",
            detail: format!("expected an http:// URL, got {push_url:?}"),
        });
    }
    Ok(WorkerInfo {
        id: WorkerId(id.to_owned()),
        article,
        push_url: push_url.to_owned(),
    })
}

/// What a worker registered with, as BitWrk 0.7 shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerInfoJson {
    /// The id.
    #[serde(rename = "Id")]
    pub id: String,
    /// The article.
    #[serde(rename = "Article")]
    pub article: String,
    /// Always `http-push`.
    #[serde(rename = "Method")]
    pub method: &'static str,
    /// Where work is POSTed.
    #[serde(rename = "PushURL")]
    pub push_url: String,
}

/// An element of `/workers`.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerJson {
    /// The last sell's error text, `null` if none.
    #[serde(rename = "LastError")]
    pub last_error: Option<String>,
    /// The registration.
    #[serde(rename = "Info")]
    pub info: WorkerInfoJson,
    /// Whether it waits for work.
    #[serde(rename = "Idle")]
    pub idle: bool,
    /// Whether it was unregistered.
    #[serde(rename = "Unregistered")]
    pub unregistered: bool,
    /// What keeps it from being offered: a running sell, a penalty.
    #[serde(rename = "Blockers")]
    pub blockers: u32,
}

impl WorkerJson {
    /// The view of `w` at `now`.
    pub fn of(w: &WorkerState, now: bitwrk_protocol::Timestamp) -> WorkerJson {
        let penalty = w.blocked_until.is_some_and(|t| now < t);
        WorkerJson {
            last_error: w.last_error.clone(),
            info: WorkerInfoJson {
                id: w.info.id.0.clone(),
                article: w.info.article.to_string(),
                method: "http-push",
                push_url: w.info.push_url.clone(),
            },
            idle: w.idle,
            unregistered: w.unregistered,
            blockers: u32::from(w.selling) + u32::from(penalty),
        }
    }
}

/// Pushes the stored file `work` to a worker (BitWrk 0.7 `DoWork`):
/// `POST` with `Content-Type: application/octet-stream`, the body streamed
/// from the store with chunked encoding as 0.7 sends it. On 200 the result
/// streams into the store, pinned for `owner`; returns how the push ended
/// and the result's key.
pub async fn push(
    store: &Store,
    push_url: &str,
    work: Hash256,
    owner: &str,
) -> (WorkerAnswer, Option<Hash256>) {
    let fail = |e: String| (WorkerAnswer::Failed(e), None);
    let file = match store.file(&work) {
        Ok(Some(f)) => f,
        Ok(None) => return fail("the work is not in the store".to_owned()),
        Err(e) => return fail(e.to_string()),
    };
    let (tx, body) = channel_body(4);
    let req = match Request::builder()
        .method(Method::POST)
        .uri(push_url)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )
        .body(body)
    {
        Ok(r) => r,
        Err(e) => return fail(format!("bad push URL: {e}")),
    };
    let exchange = async {
        let resp = open(req, WORKER_TIMEOUTS, "pushing work to a worker");
        // Owns the sender: the body ends when the feed does.
        let feed = feed_body(Pieces::new(store.clone(), file.id), tx);
        // The worker may answer before it has read all (an error).
        let (resp, ()) = tokio::join!(resp, feed);
        let resp = resp.map_err(|e| e.to_string())?;
        if resp.status() != StatusCode::OK {
            return Ok((WorkerAnswer::Status(resp.status().as_u16()), None));
        }
        let mut w = store.writer(Some(owner)).map_err(|e| e.to_string())?;
        let mut b = resp.into_body();
        while let Some(frame) = b.frame().await {
            let data = match frame {
                Ok(f) => f.into_data().unwrap_or_default(),
                Err(e) => {
                    w.abort();
                    return Err(format!("reading the result: {e}"));
                }
            };
            if w.len() + data.len() as u64 > RESULT_LIMIT {
                w.abort();
                return Err(format!("the result exceeds {RESULT_LIMIT} bytes"));
            }
            if let Err(e) = w.write(&data) {
                w.abort();
                return Err(e.to_string());
            }
        }
        let (hash, _) = w.finish(Some(owner)).map_err(|e| e.to_string())?;
        Ok((WorkerAnswer::Done, Some(hash)))
    };
    match tokio::time::timeout(WORKER_TIMEOUTS.total, exchange).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => fail(e),
        Err(_) => fail("the worker took too long".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_are_checked() {
        assert!(registration("w1", "foobar", "http://127.0.0.1:9/work").is_ok());
        let e = registration("", "foobar", "http://127.0.0.1:9/work").expect_err("empty id");
        assert_eq!(bitwrk_protocol::ErrorCode::code(&e), "daemon.bad-parameter");
        assert!(registration("w1", "foobar", "").is_err());
        assert!(registration("w1", "foobar", "ftp://x/").is_err());
        assert!(registration("w1", "", "http://x/").is_err());
    }
}

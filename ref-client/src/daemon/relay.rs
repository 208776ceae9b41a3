//! The relay of local requests to the server (`/account/`, `/bid/`,
//! `/deposit/`, `/tx/`, `/motd`, and `/myaccount`).
//!
//! BitWrk 0.7 forwards only `Accept`, drops the query string and every
//! response header, and caches one answer for 30 s whatever the method.
//! This relay forwards `Accept`, `Content-Type`, `If-None-Match` and the
//! query, hands back the answer's headers that describe it, and caches
//! only successful GETs (DEP-502).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode, header};

use super::error::DaemonError;
use super::http_util::{Body, Fetched};
use super::server_api::ServerApi;

/// How long a relayed GET answer is reused.
pub const CACHE_TTL: Duration = Duration::from_secs(30);

/// Most answers cached at once.
const CACHE_ENTRIES: usize = 256;

/// Request headers passed on to the server.
const FORWARDED_REQUEST: [HeaderName; 3] =
    [header::ACCEPT, header::CONTENT_TYPE, header::IF_NONE_MATCH];

/// Response headers passed back to the local caller.
const FORWARDED_RESPONSE: [HeaderName; 6] = [
    header::CONTENT_TYPE,
    header::ETAG,
    header::LOCATION,
    header::CACHE_CONTROL,
    header::LAST_MODIFIED,
    HeaderName::from_static("x-bid-key"),
];

#[derive(Debug, Clone)]
struct Cached {
    at: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The relay and its cache of GET answers.
#[derive(Debug, Default)]
pub struct Relay {
    cache: Mutex<HashMap<String, Cached>>,
}

impl Relay {
    /// Forgets the cached answers of `rel` (after a change the caller made,
    /// e.g. a deposit-address request invalidates the account).
    pub fn invalidate_prefix(&self, rel: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| !k.starts_with(rel));
    }

    /// Forwards a request to `rel` (path and query without the leading
    /// `/`) and returns the server's answer.
    pub async fn forward(
        &self,
        api: &ServerApi,
        method: Method,
        rel: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Fetched, DaemonError> {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let cache_key = format!("{rel}\n{accept}");
        let cacheable = method == Method::GET && !headers.contains_key(header::IF_NONE_MATCH);
        if cacheable && let Some(hit) = self.lookup(&cache_key) {
            return Ok(Fetched {
                status: hit.status,
                headers: hit.headers,
                body: hit.body,
            });
        }
        let pass: Vec<(HeaderName, HeaderValue)> = FORWARDED_REQUEST
            .iter()
            .filter_map(|h| Some((h.clone(), headers.get(h)?.clone())))
            .collect();
        let f = api.relay(method, rel, &pass, body).await?;
        let mut kept = HeaderMap::new();
        for h in &FORWARDED_RESPONSE {
            if let Some(v) = f.headers.get(h) {
                kept.insert(h.clone(), v.clone());
            }
        }
        if cacheable && f.status == StatusCode::OK {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= CACHE_ENTRIES {
                cache.retain(|_, c| c.at.elapsed() < CACHE_TTL);
            }
            if cache.len() < CACHE_ENTRIES {
                cache.insert(
                    cache_key,
                    Cached {
                        at: Instant::now(),
                        status: f.status,
                        headers: kept.clone(),
                        body: f.body.clone(),
                    },
                );
            }
        }
        Ok(Fetched {
            status: f.status,
            headers: kept,
            body: f.body,
        })
    }

    fn lookup(&self, key: &str) -> Option<Cached> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(key)
            .filter(|c| c.at.elapsed() < CACHE_TTL)
            .cloned()
    }
}

/// The local answer for a relayed one.
pub fn respond(f: Fetched) -> Response<Body> {
    let mut r = super::http_util::raw(f.status, f.body);
    *r.headers_mut() = f.headers;
    r
}

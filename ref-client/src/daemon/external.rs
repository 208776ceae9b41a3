//! The external port (§6.1 of the 0.7 notes): buyers reach this client's
//! sells at `http://<extaddr>:<extport>/<key>`. Every sell that needs a
//! worker URL opens an [`Endpoint`] here; requests are routed to it by
//! the key in the first path segment.
//!
//! BitWrk 0.7 draws 4 random bytes per key (8 hex characters), which a
//! stranger can guess; this client draws 16 bytes from the operating
//! system's CSPRNG (32 hex characters, DEP-506).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;

use super::error::DaemonError;
use super::http_util::{Body, read_body, text};

/// Random bytes per endpoint key.
pub const KEY_BYTES: usize = 16;

/// Largest request a buyer may send to an endpoint: linear work is below
/// 16 MiB (§6.2), plus room for the multipart framing and the secret.
pub const REQUEST_LIMIT: usize = (1 << 24) + 64 * 1024;

/// A request to an endpoint with its body read.
#[derive(Debug)]
pub struct EndpointRequest {
    /// The method.
    pub method: http::Method,
    /// The path after the key (empty or starting with `/`).
    pub rest: String,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// A boxed future answering an endpoint request.
pub type Answer = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// The receiving side of one sell.
pub trait Endpoint: Send + Sync + std::fmt::Debug {
    /// Answers one request from a buyer.
    fn handle(self: Arc<Self>, req: EndpointRequest) -> Answer;
}

/// The open endpoints by key.
#[derive(Debug, Default)]
pub struct Endpoints {
    map: Mutex<HashMap<String, Arc<dyn Endpoint>>>,
}

/// A fresh endpoint key: [`KEY_BYTES`] CSPRNG bytes as lowercase hex.
pub fn fresh_key() -> Result<String, DaemonError> {
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| DaemonError::Worker {
        id: String::new(),
        detail: format!("operating-system randomness failed: {e}"),
    })?;
    Ok(bitwrk_protocol::encoding::hex::encode(&bytes))
}

/// The key and the rest of `path` if it is `/<key>` or `/<key>/…` with a
/// key of exactly `2 * KEY_BYTES` lowercase hex characters.
pub fn split_path(path: &str) -> Option<(&str, &str)> {
    let p = path.strip_prefix('/')?;
    let n = 2 * KEY_BYTES;
    let key = p.get(..n)?;
    let rest = &p[n..];
    let hex = key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (hex && (rest.is_empty() || rest.starts_with('/'))).then_some((key, rest))
}

impl Endpoints {
    /// Opens `endpoint` under a fresh key; returns the key.
    pub fn open(&self, endpoint: Arc<dyn Endpoint>) -> Result<String, DaemonError> {
        let key = fresh_key()?;
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), endpoint);
        Ok(key)
    }

    /// Closes the endpoint `key`; later requests to it get 404.
    pub fn close(&self, key: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }

    fn get(&self, key: &str) -> Option<Arc<dyn Endpoint>> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// How many endpoints are open.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether none is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Handles one request on the external port.
pub async fn handle(endpoints: Arc<Endpoints>, req: Request<Incoming>, _peer: SocketAddr) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let Some((key, rest)) = split_path(&path) else {
        return text(StatusCode::NOT_FOUND, "404 page not found");
    };
    let Some(endpoint) = endpoints.get(key) else {
        return text(StatusCode::NOT_FOUND, "404 page not found");
    };
    let rest = rest.to_owned();
    let (parts, body) = req.into_parts();
    let body = match read_body(body, REQUEST_LIMIT).await {
        Ok(b) => b,
        Err(e) => return text(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
    };
    endpoint
        .handle(EndpointRequest {
            method: parts.method,
            rest,
            headers: parts.headers,
            body,
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_and_routing_is_exact() {
        let a = fresh_key().expect("key");
        let b = fresh_key().expect("key");
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(split_path(&format!("/{a}")), Some((a.as_str(), "")));
        assert_eq!(
            split_path(&format!("/{a}/assist/00")),
            Some((a.as_str(), "/assist/00"))
        );
        assert_eq!(split_path(&format!("/{a}x")), None);
        assert_eq!(split_path("/0a1b2c3d"), None, "0.7's 8-hex keys are not accepted");
        assert_eq!(split_path(&format!("/{}", a.to_uppercase())), None);
        assert_eq!(split_path("/"), None);
    }
}

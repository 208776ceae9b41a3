//! The external port (§6.1 of the 0.7 notes): buyers reach this client's
//! sells at `http://<extaddr>:<extport>/<key>`. Every sell that needs a
//! worker URL opens an [`Endpoint`] here; requests are routed to it by
//! the key in the first path segment.
//!
//! Keys and routing are the protocol library's (`c2c::endpoint`): 16 bytes
//! from a CSPRNG, where BitWrk 0.7 draws 4.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;

use bitwrk_protocol::c2c::endpoint::route;
use bitwrk_protocol::c2c::{EndpointKey, Route};

use super::error::DaemonError;
use super::http_util::{Body, text};

/// A request to an endpoint; its body streams (the endpoint applies the
/// limits of BW-C2C-31 part by part).
#[derive(Debug)]
pub struct EndpointRequest {
    /// The method.
    pub method: http::Method,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Incoming,
}

/// A boxed future answering an endpoint request.
pub type Answer = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// The receiving side of one sell.
pub trait Endpoint: Send + Sync + std::fmt::Debug {
    /// Answers one request from a buyer.
    fn handle(self: Arc<Self>, req: EndpointRequest) -> Answer;

    /// Answers a request for the assistive-download ticket `ticket`
    /// (BW-C2C-37); without tickets, 404.
    fn assist(self: Arc<Self>, ticket: String, req: EndpointRequest) -> Answer {
        let _ = (ticket, req);
        Box::pin(async { text(StatusCode::NOT_FOUND, "404 page not found") })
    }

    /// The endpoint was opened at `url`.
    fn opened(&self, url: &str) {
        let _ = url;
    }

    /// The endpoint was closed.
    fn closed(&self) {}
}

/// The open endpoints by key.
#[derive(Debug, Default)]
pub struct Endpoints {
    map: Mutex<HashMap<String, Arc<dyn Endpoint>>>,
}

impl Endpoints {
    /// Opens `endpoint` under a fresh key below `prefix`
    /// (`http://host:port/`); returns the key and the worker URL.
    pub fn open(
        &self,
        endpoint: Arc<dyn Endpoint>,
        prefix: &str,
    ) -> Result<(String, String), DaemonError> {
        let key = EndpointKey::generate(&mut rand::rng());
        let url = key
            .worker_url(prefix)
            .map_err(|e| DaemonError::BadParameter {
                name: "extaddr",
                detail: format!("{prefix:?}: {e}"),
            })?;
        let key = key.to_string();
        endpoint.opened(&url);
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), endpoint);
        Ok((key, url))
    }

    /// Closes the endpoint `key`; later requests to it get 404.
    pub fn close(&self, key: &str) {
        let gone = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        if let Some(e) = gone {
            e.closed();
        }
    }

    fn get(&self, key: &str) -> Option<Arc<dyn Endpoint>> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// How many endpoints are open.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Handles one request on the external port.
pub async fn handle(
    endpoints: Arc<Endpoints>,
    req: Request<Incoming>,
    _peer: SocketAddr,
) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let (key, ticket) = match route(&path) {
        Ok(Route::Main(key)) => (key, None),
        // Assistive-download tickets (BW-C2C-26, BW-C2C-37).
        Ok(Route::Assist(key, ticket)) => (key, Some(ticket)),
        Err(_) => return text(StatusCode::NOT_FOUND, "404 page not found"),
    };
    let Some(endpoint) = endpoints.get(&key.to_string()) else {
        return text(StatusCode::NOT_FOUND, "404 page not found");
    };
    let (parts, body) = req.into_parts();
    let req = EndpointRequest {
        method: parts.method,
        headers: parts.headers,
        body,
    };
    match ticket {
        Some(t) => endpoint.assist(t, req).await,
        None => endpoint.handle(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Nothing;
    impl Endpoint for Nothing {
        fn handle(self: Arc<Self>, _req: EndpointRequest) -> Answer {
            Box::pin(async { text(StatusCode::OK, "") })
        }
    }

    #[test]
    fn endpoints_get_distinct_long_keys() {
        let eps = Endpoints::default();
        let (a, url_a) = eps
            .open(Arc::new(Nothing), "http://127.0.0.1:8082/")
            .expect("open");
        let (b, _) = eps
            .open(Arc::new(Nothing), "http://127.0.0.1:8082/")
            .expect("open");
        assert_eq!(
            a.len(),
            2 * bitwrk_protocol::c2c::endpoint::ENDPOINT_KEY_LEN
        );
        assert_ne!(a, b);
        assert_eq!(url_a, format!("http://127.0.0.1:8082/{a}"));
        assert_eq!(eps.len(), 2);
        eps.close(&a);
        assert!(eps.get(&a).is_none());
        assert!(eps.get(&b).is_some());
        assert!(eps.open(Arc::new(Nothing), "https://x/").is_err());
    }
}

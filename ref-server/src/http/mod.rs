//! The HTTP binding (spec §16) on hyper 1: connection handling with limits
//! and timeouts, request plumbing, one log line per request. The endpoints
//! are in [`handlers`].

pub mod accounts;
pub mod errors;
pub mod form;
pub mod forwarded;
pub mod handlers;
pub mod negotiate;
pub mod queries;
pub mod router;
pub mod test_clock;
pub mod views;
pub mod wait;

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bitwrk_protocol::address::Network;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use self::errors::ApiError;
use self::form::Form;
use self::negotiate::{Repr, negotiate};
use self::router::Route;
use crate::config::HttpLimits;
use crate::driver::Driver;
use crate::store::Store;

/// What every request handler can reach.
pub struct AppState {
    /// The market task.
    pub driver: Driver,
    /// The verification pipeline.
    pub verifier: crate::verify::Pipeline,
    /// History of what left the market.
    pub store: Arc<dyn Store>,
    /// Limits and timeouts.
    pub limits: HttpLimits,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The message of the day for strangers.
    pub motd: Option<String>,
    /// The participants' network.
    pub network: Network,
    /// Set once shutdown began: requests still arriving get 503.
    pub shutting_down: AtomicBool,
    /// Held conditional GETs (spec §16.A).
    pub waits: wait::Waits,
}

impl core::fmt::Debug for AppState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AppState")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A request whose head passed the checks, as handlers see it. The body is
/// read only when a handler asks for the form, after the checks of the
/// path (BW-HTTP-46).
#[derive(Debug)]
pub struct Req {
    /// The method.
    pub method: Method,
    /// The route.
    pub route: Route,
    /// The headers.
    pub headers: HeaderMap,
    /// The request target as received (path and query).
    pub target: String,
    /// The raw query string.
    pub query: String,
    /// The client's address (after the trusted-proxy rule).
    pub client: IpAddr,
    /// A follower's verdict on the request's signed document, under the
    /// cluster's MAC (a forwarded request on the leader, BW-HTTP-52).
    pub witness: Option<crate::cluster::attest::PeerVerdict>,
    body: Option<Incoming>,
    read: Option<Bytes>,
    limits: HttpLimits,
}

impl Req {
    /// A header as text (non-text values read as absent).
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.header_named(name.as_str())
    }

    /// [`Req::header`] by name.
    pub fn header_named(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Reads the body now (content type 415, limit 413, timeout 408) and
    /// keeps it for [`Req::form`].
    pub async fn read_body(&mut self) -> Result<Bytes, ApiError> {
        let body = match (self.read.take(), self.body.take()) {
            (Some(read), _) => read,
            (None, Some(body)) => read_body(&self.headers, body, &self.limits).await?,
            (None, None) => Bytes::new(),
        };
        self.read = Some(body.clone());
        Ok(body)
    }

    /// The negotiated representation, or 406 (BW-HTTP-12).
    pub fn repr(&self) -> Result<Repr, ApiError> {
        negotiate(self.accept().as_deref()).ok_or_else(|| {
            ApiError::new(
                "http.not-acceptable",
                "expected an Accept header naming text/html or application/json",
            )
        })
    }

    /// All `Accept` lines joined with `,`; `None` without any.
    fn accept(&self) -> Option<String> {
        accept_header(&self.headers)
    }

    /// The form: body pairs, then query pairs (BW-HTTP-6). Checks the
    /// content type (415), the body limit (413) and the body timeout (408).
    pub async fn form(&mut self) -> Result<Form, ApiError> {
        let body = self.read_body().await?;
        Ok(Form::parse(&body, self.query.as_bytes())?)
    }
}

/// All `Accept` lines joined with `,`.
fn accept_header(headers: &HeaderMap) -> Option<String> {
    let lines: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

/// Whether error bodies for this request are JSON: its `Accept` has an
/// `application/json` clause with q > 0 (BW-HTTP-15).
fn errors_as_json(headers: &HeaderMap) -> bool {
    accept_header(headers).is_some_and(|a| negotiate::accepts_json(&a))
}

/// Whether a body may follow the head.
pub(crate) fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// Reads a form body: content type (415), announced length (413), then the
/// bytes within the limit (413) and the body timeout (408).
async fn read_body(
    headers: &HeaderMap,
    body: Incoming,
    limits: &HttpLimits,
) -> Result<Bytes, ApiError> {
    if !has_body(headers) {
        return Ok(Bytes::new());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !is_form_type(content_type) {
        return Err(ApiError::new(
            "http.unsupported-media-type",
            format!(
                "expected a body of type application/x-www-form-urlencoded, got {content_type:?}"
            ),
        ));
    }
    let too_large = || {
        ApiError::new(
            "http.body-too-large",
            format!("expected a body of at most {} bytes", limits.max_body_bytes),
        )
    };
    if headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|len| len > limits.max_body_bytes as u64)
    {
        return Err(too_large());
    }
    let collect = collect_body(body, limits.max_body_bytes);
    tokio::time::timeout(limits.body_timeout, collect)
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                "http.request-timeout",
                format!(
                    "expected the whole body within {} ms",
                    limits.body_timeout.as_millis()
                ),
            ))
        })
}

/// Reads a whole body of at most `limit` bytes (413 beyond).
pub(crate) async fn collect_body(body: Incoming, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = body;
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| ApiError::new("http.bad-form", format!("reading the body failed: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(ApiError::new(
                    "http.body-too-large",
                    format!("expected a body of at most {limit} bytes"),
                ));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buf))
}

/// `application/x-www-form-urlencoded`, optionally with `charset=utf-8`
/// (BW-HTTP-7).
pub(crate) fn is_form_type(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        && parts.all(|p| match p.split_once('=') {
            Some((k, v)) => {
                k.trim().eq_ignore_ascii_case("charset")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            None => p.trim().is_empty(),
        })
}

/// Checks the request head in the order of BW-HTTP-46 — target and header
/// limits, route, method — and the peer address.
fn prepare(state: &AppState, peer: SocketAddr, req: Request<Incoming>) -> Result<Req, ApiError> {
    let (route, target, client) = check_head(state, peer, &req)?;
    let limits = &state.limits;
    let query = req.uri().query().unwrap_or("").to_owned();
    let (parts, body) = req.into_parts();
    Ok(Req {
        method: parts.method,
        route,
        target,
        query,
        headers: parts.headers,
        client,
        witness: None,
        body: Some(body),
        read: None,
        limits: limits.clone(),
    })
}

/// The checks of [`prepare`] (BW-HTTP-46): the route, the request target
/// and the client's address.
pub(crate) fn check_head(
    state: &AppState,
    peer: SocketAddr,
    req: &Request<Incoming>,
) -> Result<(Route, String, IpAddr), ApiError> {
    if state.shutting_down.load(Ordering::Relaxed) {
        return Err(ApiError::overloaded("the server is shutting down"));
    }
    let limits = &state.limits;
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
    if target.len() > limits.max_uri_bytes {
        return Err(ApiError::new(
            "http.uri-too-long",
            format!(
                "expected a request target of at most {} bytes",
                limits.max_uri_bytes
            ),
        ));
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > limits.max_header_bytes || req.headers().len() > limits.max_header_lines {
        return Err(ApiError::new(
            "http.headers-too-large",
            format!(
                "expected at most {} header lines of at most {} bytes in all",
                limits.max_header_lines, limits.max_header_bytes
            ),
        ));
    }
    let path = req.uri().path();
    let route = Route::of(path).ok_or_else(|| ApiError::unknown_path(path))?;
    let methods = route.methods();
    if !methods.allows(req.method()) {
        return Err(ApiError::new(
            "http.method-not-allowed",
            format!(
                "expected one of {} for {path}, got {}",
                methods.allow_header(),
                req.method()
            ),
        ));
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = forwarded::client_ip(peer, &forwarded, &state.trusted_proxies).map_err(|e| {
        ApiError::new(
            "http.bad-forwarded-for",
            format!(
                "expected an IP address in X-Forwarded-For, got {:?}",
                e.element
            ),
        )
    })?;
    Ok((route, target, client))
}

/// Serves one request: prepare, dispatch, log.
async fn serve_request(
    state: Arc<AppState>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let json_errors = errors_as_json(req.headers());
    let follower = state.driver.cluster().filter(|c| !c.is_leader());
    let response = if let Some(cluster) = follower
        && crate::cluster::forward::needs_leader(&req)
    {
        crate::cluster::forward::forward(&state, cluster, peer, req).await
    } else if test_clock::applies(&state, &req) {
        test_clock::handle(&state, req).await
    } else {
        match prepare(&state, peer, req) {
            Ok(mut req) => match crate::cluster::attest::admit(&state, &mut req).await {
                Ok(()) => handlers::dispatch(&state, req).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        }
    };
    let mut response = response.unwrap_or_else(|e| {
        let allow = (e.code == "http.method-not-allowed")
            .then(|| Route::of(&path).map(|r| r.methods().allow_header()))
            .flatten();
        let mut r = e.into_response(json_errors);
        if let Some(allow) = allow {
            r.headers_mut()
                .insert(header::ALLOW, http::HeaderValue::from_static(allow));
        }
        r
    });
    #[cfg(feature = "conformance-faults")]
    crate::faults::response(&mut response).await;
    if let Some(cluster) = state.driver.cluster().filter(|c| c.is_leader()) {
        response.headers_mut().insert(
            crate::cluster::LOG_SEQ_HEADER,
            http::HeaderValue::from(cluster.logged()),
        );
    }
    // BW-HTTP-10: every response carries nosniff.
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        http::HeaderValue::from_static("nosniff"),
    );
    let code = response
        .headers()
        .get(errors::ERROR_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        target: "bitwrk_server::request",
        peer = %peer,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        code = code,
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    Ok(response)
}

fn connection_builder(limits: &HttpLimits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(((limits.max_header_bytes + limits.max_uri_bytes) * 2).max(8192));
    builder
}

/// Serves `listener` until `shutdown` resolves; then stops accepting,
/// lets in-flight requests finish (at most `grace`) and returns.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
    grace: std::time::Duration,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(state.limits.max_connections));
    // Connections refused with 503 are served too, but only this many at once.
    let refusals = Arc::new(Semaphore::new(64));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(stream);
        match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                let for_service = state.clone();
                let service = hyper::service::service_fn(move |req| {
                    serve_request(for_service.clone(), peer, req)
                });
                let conn = connection_builder(&state.limits).serve_connection(io, service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(peer = %peer, error = %e, "connection ended");
                    }
                    drop(permit);
                });
            }
            Err(_) => {
                let Ok(permit) = refusals.clone().try_acquire_owned() else {
                    continue; // dropped: far too many connections
                };
                let json = false;
                let service =
                    hyper::service::service_fn(move |_req: Request<Incoming>| async move {
                        Ok::<_, Infallible>(
                            ApiError::new(
                                "http.overloaded",
                                "the server serves its maximum number of connections; retry later",
                            )
                            .into_response(json),
                        )
                    });
                let mut builder = connection_builder(&state.limits);
                builder.keep_alive(false);
                let conn = builder.serve_connection(io, service);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    state.shutting_down.store(true, Ordering::Relaxed);
    // Held GETs are answered now, not at the end of their wait.
    state.waits.shut_down();
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections finished"),
        () = tokio::time::sleep(grace) => tracing::warn!("grace period over; closing remaining connections"),
    }
}

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

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
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
}

impl core::fmt::Debug for AppState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AppState")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A parsed request, as handlers see it.
#[derive(Debug)]
pub struct Req {
    /// The method.
    pub method: Method,
    /// The route.
    pub route: Route,
    /// The headers.
    pub headers: HeaderMap,
    /// The raw query string.
    pub query: String,
    /// The body (empty for GET).
    pub body: Bytes,
    /// The client's address (after the trusted-proxy rule).
    pub client: IpAddr,
}

impl Req {
    /// A header as text (non-text values read as absent).
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The negotiated representation, or 406.
    pub fn repr(&self) -> Result<Repr, ApiError> {
        negotiate(self.header(header::ACCEPT)).ok_or_else(|| {
            ApiError::new(
                "http.not-acceptable",
                "expected an Accept header naming text/html or application/json",
            )
        })
    }

    /// The form: body pairs (for a urlencoded body), then query pairs.
    pub fn form(&self) -> Result<Form, ApiError> {
        Ok(Form::parse(&self.body, self.query.as_bytes())?)
    }
}

/// Whether error bodies for this request are JSON: its `Accept` names JSON
/// (explicitly or by `application/*`) before HTML.
fn errors_as_json(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    accept.is_some() && negotiate(accept) == Some(Repr::Json)
}

/// The size of the request line and headers, as counted for the limit.
fn head_size(req: &Request<Incoming>) -> usize {
    let uri = req.uri().to_string().len();
    let headers: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    uri + headers + 16
}

/// Reads the body within the size limit and the body timeout.
async fn read_body(body: Incoming, limits: &HttpLimits) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            "http.body-too-large",
            format!("expected a body of at most {} bytes", limits.max_body_bytes),
        )
    };
    let collect = async {
        let mut body = body;
        let mut buf = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                ApiError::new(
                    "http.bad-parameter",
                    format!("reading the body failed: {e}"),
                )
            })?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > limits.max_body_bytes {
                    return Err(too_large());
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(buf))
    };
    tokio::time::timeout(limits.body_timeout, collect)
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                "http.body-timeout",
                format!(
                    "expected the whole body within {} ms",
                    limits.body_timeout.as_millis()
                ),
            ))
        })
}

/// Parses the request up to [`Req`]: path, route, method, header and body
/// limits, content type.
async fn prepare(
    state: &AppState,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Req, ApiError> {
    if head_size(&req) > state.limits.max_header_bytes {
        return Err(ApiError::new(
            "http.headers-too-large",
            format!(
                "expected request line and headers of at most {} bytes",
                state.limits.max_header_bytes
            ),
        ));
    }
    let path = form::decode_path(req.uri().path().as_bytes())?;
    let route =
        Route::of(&path).ok_or_else(|| ApiError::not_found(format!("no resource at {path}")))?;
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
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > state.limits.max_body_bytes as u64
    {
        return Err(ApiError::new(
            "http.body-too-large",
            format!(
                "expected a body of at most {} bytes, announced {len}",
                state.limits.max_body_bytes
            ),
        ));
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = forwarded::client_ip(peer, &forwarded, &state.trusted_proxies);
    let (parts, body) = req.into_parts();
    let body = read_body(body, &state.limits).await?;
    if !body.is_empty() {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(ApiError::new(
                "http.unsupported-media-type",
                format!(
                    "expected a body of type application/x-www-form-urlencoded, got {content_type:?}"
                ),
            ));
        }
    }
    Ok(Req {
        method: parts.method,
        route,
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts.headers,
        body,
        client,
    })
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
    let response = if test_clock::applies(&state, &req) {
        test_clock::handle(&state, req).await
    } else {
        match prepare(&state, peer, req).await {
            Ok(req) => handlers::dispatch(&state, req).await,
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
    if matches!(response.status().as_u16(), 408 | 413 | 431) {
        response
            .headers_mut()
            .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
    }
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
        .max_buf_size((limits.max_header_bytes * 2).max(8192));
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
                                "http.too-many-connections",
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
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections finished"),
        () = tokio::time::sleep(grace) => tracing::warn!("grace period over; closing remaining connections"),
    }
}

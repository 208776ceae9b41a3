//! HTTP plumbing shared by the daemon's listeners and its outgoing
//! requests (hyper 1): accepting connections, whole-body responses, body
//! limits, forms and the one multipart part the local API reads.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, Uri, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use super::error::DaemonError;

/// A response body: complete ([`full`]) or streamed ([`channel_body`]).
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The error of a streamed body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A complete body.
pub fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into())
        .map_err(|e| match e {})
        .boxed_unsync()
}

/// A body streamed from a channel: send the data (or an error that cuts
/// the body off) through the sender; dropping it ends the body. At most
/// `depth` pieces wait in the channel.
pub fn channel_body(depth: usize) -> (tokio::sync::mpsc::Sender<Result<Bytes, BoxError>>, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel(depth);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|item: Result<Bytes, BoxError>| (item.map(hyper::body::Frame::data), rx))
    });
    (tx, StreamBody::new(stream).boxed_unsync())
}

/// The User-Agent of requests to the server (BitWrk 0.7 sends
/// `BitWrkGoClient/0.7.0`; the server's motd parses that prefix).
pub const USER_AGENT: &str = "BitWrkGoClient/0.7.0";

/// A response with a `text/plain` body.
pub fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// A response with a body and no Content-Type (BitWrk 0.7 leaves it to
/// the reader for `/file/…`, `/id` and `/version`).
pub fn raw(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r
}

/// A JSON response.
pub fn json(value: &impl serde::Serialize) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut r = raw(StatusCode::OK, body);
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// `303 See Other` to `location`.
pub fn see_other(location: &str) -> Response<Body> {
    let mut r = raw(StatusCode::SEE_OTHER, Bytes::new());
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// An error answered with its text (and, in a header, its code).
pub fn error(status: StatusCode, e: &DaemonError) -> Response<Body> {
    let mut r = text(status, e.to_string());
    r.headers_mut().insert(
        "X-BitWrk-Error",
        HeaderValue::from_static(bitwrk_protocol::ErrorCode::code(e)),
    );
    r
}

/// Reads a whole body of at most `limit` bytes.
pub async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, DaemonError>
where
    B: hyper::body::Body,
    B::Error: std::fmt::Display + Send + Sync + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) => Err(DaemonError::BadParameter {
            name: "body",
            detail: format!("expected a body of at most {limit} bytes: {e}"),
        }),
    }
}

/// The pairs of an `application/x-www-form-urlencoded` text.
pub fn parse_form(text: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(text).into_owned().collect()
}

/// The first value of `name` in `pairs`.
pub fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The boundary of a `multipart/…; boundary=…` content type.
pub fn multipart_boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("boundary") {
            let v = v.trim().trim_matches('"');
            (!v.is_empty()).then(|| v.to_owned())
        } else {
            None
        }
    })
}

/// Serves HTTP/1.1 (with keep-alive) on `listener` until `shutdown`
/// completes; `handle` gets each request and the peer's address.
pub async fn serve<H, F>(listener: TcpListener, handle: Arc<H>, shutdown: impl Future<Output = ()>)
where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let fut = handle(req, peer);
                async move { Ok::<_, Infallible>(fut.await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
}

/// Limits of one outgoing request.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Connecting.
    pub connect: Duration,
    /// Connecting, sending and receiving the whole response.
    pub total: Duration,
}

/// BitWrk 0.7's server client: 10 s to connect, 15 min for everything
/// (far longer than a waiting poll's wait, BW-CLIENT-39).
pub const SERVER_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(10),
    total: Duration::from_secs(15 * 60),
};

/// A complete response to an outgoing request.
#[derive(Debug)]
pub struct Fetched {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// Sends `req` (whose URI is absolute, `http://host:port/…`) on a new
/// connection and reads the whole answer (at most `limit` body bytes).
/// Redirects are never followed: a 3xx is an answer like any other.
pub async fn send(
    req: Request<Full<Bytes>>,
    limit: usize,
    timeouts: Timeouts,
    action: &str,
) -> Result<Fetched, DaemonError> {
    let work = async {
        let resp = open(req, timeouts, action).await?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|e| transport_error(action, format!("reading the answer: {e}")))?
            .to_bytes();
        Ok(Fetched {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    };
    tokio::time::timeout(timeouts.total, work)
        .await
        .map_err(|_| transport_error(action, "no complete answer in time".to_owned()))?
}

fn transport_error(action: &str, detail: String) -> DaemonError {
    DaemonError::ServerTransport {
        action: action.to_owned(),
        detail,
    }
}

/// Sends `req` (absolute `http://` URI, any body, streamed) on a new
/// connection within `timeouts.connect`, and returns the answer as soon as
/// its headers are in; the caller reads (and times) the body.
pub async fn open<B>(
    mut req: Request<B>,
    timeouts: Timeouts,
    action: &str,
) -> Result<Response<Incoming>, DaemonError>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let transport = |detail: String| transport_error(action, detail);
    let uri = req.uri().clone();
    let (host, port) = authority(&uri).ok_or_else(|| transport(format!("bad URL {uri}")))?;
    let origin_form: Uri = uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .parse()
        .map_err(|e| transport(format!("bad URL {uri}: {e}")))?;
    *req.uri_mut() = origin_form;
    if !req.headers().contains_key(header::HOST)
        && let Some(a) = uri.authority()
        && let Ok(v) = HeaderValue::from_str(a.as_str())
    {
        req.headers_mut().insert(header::HOST, v);
    }
    let stream = tokio::time::timeout(timeouts.connect, TcpStream::connect((host.as_str(), port)))
        .await
        .map_err(|_| transport(format!("connecting to {host}:{port} timed out")))?
        .map_err(|e| transport(format!("connecting to {host}:{port}: {e}")))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| transport(e.to_string()))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender
        .send_request(req)
        .await
        .map_err(|e| transport(e.to_string()))
}

fn authority(uri: &Uri) -> Option<(String, u16)> {
    if uri.scheme_str() != Some("http") {
        return None;
    }
    let host = uri.host()?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Some((host, uri.port_u16().unwrap_or(80)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_boundary_of_content_type() {
        let ct = "multipart/form-data; boundary=XyZ";
        assert_eq!(multipart_boundary(ct).as_deref(), Some("XyZ"));
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"q\"").as_deref(),
            Some("q")
        );
        assert_eq!(multipart_boundary("application/octet-stream"), None);
    }
}

//! A follower hands writes to the leader: the request as received (method,
//! target, headers, body) goes to the leader's advertised URL over HTTP/1.1,
//! with the follower's verdict on its signature and the cluster's MAC
//! ([`super::attest`]), and the leader's answer comes back as it is. A
//! write whose signature does not verify is refused here. Before answering, the
//! follower waits until its own market has applied the log up to the
//! leader's [`LOG_SEQ_HEADER`], so a read through the same node right after
//! a write sees it.
//!
//! Failures are typed and retryable (503): `node.no-leader` when no lease
//! is valid or the leader cannot be reached (nothing was sent);
//! `node.leader-lost` when the leader went away after the request was
//! sent (the input may or may not have been applied: a retry of an applied
//! bid or message is refused as a replay by its nonce or phase).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::attest::{self, Covered, MAC_HEADER, VERIFIED_HEADER};
use super::{Cluster, FORWARDED_HEADER, LOG_SEQ_HEADER};
use crate::driver::Driver;
use crate::http::AppState;
use crate::http::errors::ApiError;
use crate::http::router::Route;

/// How long connecting to the leader may take.
const CONNECT: Duration = Duration::from_secs(1);
/// How long the leader may take to answer.
const ANSWER: Duration = Duration::from_secs(30);
/// How often a follower waiting for the leader's answer looks whether
/// another node took the lead.
const MOVED_POLL: Duration = Duration::from_millis(25);
/// How long a follower waits for its market to reach the leader's log.
const CATCH_UP: Duration = Duration::from_secs(2);

/// Whether a request must go to the leader: every POST (inputs), and
/// `GET /nonce` (issuing a nonce is an input).
pub fn needs_leader(req: &Request<Incoming>) -> bool {
    req.method() == http::Method::POST
        || (req.method() == http::Method::GET && req.uri().path() == "/nonce")
}

fn no_leader(why: impl core::fmt::Display) -> ApiError {
    ApiError::new(
        "node.no-leader",
        format!("expected a leader to hand the input to; {why} (nothing was applied, retry)"),
    )
}

fn leader_lost(why: impl core::fmt::Display) -> ApiError {
    ApiError::new(
        "node.leader-lost",
        format!(
            "the leader went away while handling the input ({why}); it may or may not have been applied, retry"
        ),
    )
}

/// Resolves once the lead is no longer with the node at `url` (another
/// node leads, this one does, or no lease is valid).
async fn leader_moved(cluster: &Cluster, url: &str) {
    loop {
        tokio::time::sleep(MOVED_POLL).await;
        if cluster.is_leader() || cluster.leader_url().as_deref() != Some(url) {
            return;
        }
    }
}

/// `host:port` of an advertised `http://host:port/` URL.
fn authority(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://")?;
    Some(rest.split('/').next().unwrap_or(rest)).filter(|a| !a.is_empty())
}

/// The route of a write whose signature this follower verifies: a POST of
/// a bid, transaction message or relation whose head passes the checks the
/// leader makes first (BW-HTTP-46) and whose body is a form.
fn verdict_route(state: &AppState, peer: SocketAddr, req: &Request<Incoming>) -> Option<Route> {
    let route = crate::http::check_head(state, peer, req).ok().map(|h| h.0);
    let route = attest::verdict_route(req.method(), route)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form = !crate::http::has_body(req.headers()) || crate::http::is_form_type(content_type);
    form.then_some(route)
}

/// Hands `req` to the leader and returns its answer.
pub async fn forward(
    state: &AppState,
    cluster: &Cluster,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ApiError> {
    let (driver, limits, client) = (&state.driver, &state.limits, peer.ip());
    if req.headers().contains_key(FORWARDED_HEADER) {
        return Err(ApiError::new(
            "node.not-leader",
            "expected the leader; this node follows and forwards no forwarded request (retry)",
        ));
    }
    let url = cluster
        .leader_url()
        .ok_or_else(|| no_leader("no node holds a valid lease"))?;
    let addr = authority(&url)
        .ok_or_else(|| no_leader(format!("the leader's URL {url:?} is not http://host:port/")))?
        .to_owned();
    let clock_post = req.uri().path() == crate::http::test_clock::PATH;
    let route = verdict_route(state, peer, &req);
    let (mut parts, body) = req.into_parts();
    let body = tokio::time::timeout(
        limits.body_timeout,
        crate::http::collect_body(body, limits.max_body_bytes),
    )
    .await
    .map_err(|_| {
        ApiError::new(
            "http.request-timeout",
            format!(
                "expected the whole body within {} ms",
                limits.body_timeout.as_millis()
            ),
        )
    })??;
    // BW-HTTP-50, BW-HTTP-51: verified here; a bad signature ends here.
    let verified = match &route {
        Some(route) => {
            let query = parts.uri.query().unwrap_or("");
            attest::verdict(state, route, query, &body).await?
        }
        None => None,
    };
    let stream = tokio::time::timeout(CONNECT, TcpStream::connect(&addr))
        .await
        .map_err(|_| no_leader(format!("connecting to the leader at {addr} timed out")))?
        .map_err(|e| no_leader(format!("connecting to the leader at {addr}: {e}")))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| no_leader(format!("handshake with the leader: {e}")))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    for hop in [header::CONNECTION, header::TRANSFER_ENCODING, header::HOST] {
        parts.headers.remove(hop);
    }
    // Only this node's verdict and MAC travel (BW-HTTP-52).
    parts.headers.remove(VERIFIED_HEADER);
    parts.headers.remove(MAC_HEADER);
    parts.headers.remove("keep-alive");
    if let Ok(v) = HeaderValue::from_str(&addr) {
        parts.headers.insert(header::HOST, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cluster.config().node) {
        parts.headers.insert(FORWARDED_HEADER, v);
    }
    // The client's address, for the leader's trusted-proxy rule.
    let forwarded_for = match parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        Some(prior) => format!("{prior}, {client}"),
        None => client.to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&forwarded_for) {
        parts.headers.insert("x-forwarded-for", v);
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |pq| pq.as_str());
    let mac = cluster.key().sign(&Covered {
        node: &cluster.config().node,
        verified: verified.as_ref(),
        method: parts.method.as_str(),
        target,
        body: &body,
    });
    if let Some(digest) = &verified
        && let Ok(v) = HeaderValue::from_str(&attest::hex(digest))
    {
        parts.headers.insert(VERIFIED_HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&mac) {
        parts.headers.insert(MAC_HEADER, v);
    }
    let request = Request::from_parts(parts, Full::new(body));
    let answer = tokio::time::timeout(ANSWER, sender.send_request(request));
    let response = tokio::select! {
        r = answer => r.map_err(|_| leader_lost("no answer in time"))?.map_err(leader_lost)?,
        // A paused or cut-off leader was replaced: its answer would come
        // only with the timeout, and it can commit nothing any more.
        () = leader_moved(cluster, &url) => {
            return Err(leader_lost("another node took the lead meanwhile"));
        }
    };
    let (mut parts, body) = response.into_parts();
    let body = body.collect().await.map_err(leader_lost)?.to_bytes();
    let seq = parts
        .headers
        .get(LOG_SEQ_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(seq) = seq
        && cluster.applied() < seq
    {
        driver.tail();
        if !cluster.wait_applied(seq, CATCH_UP).await {
            tracing::warn!(
                seq,
                applied = cluster.applied(),
                "follower lags the leader's log"
            );
        }
    }
    if clock_post && parts.status.is_success() {
        follow_clock(driver, &body);
    }
    for hop in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::CONTENT_LENGTH,
    ] {
        parts.headers.remove(hop);
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// The leader's test clock moved (`/_test/clock`, spec §18): this node's
/// moves as far, so its reads agree with the leader's time.
fn follow_clock(driver: &Driver, body: &[u8]) {
    let offset = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["OffsetMillis"].as_u64());
    if let Some(offset) = offset {
        let clock = driver.clock();
        clock.advance(offset.saturating_sub(clock.offset_ms()));
    }
}

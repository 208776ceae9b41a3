//! The local API on the internal port (§7 of the 0.7 notes): what the
//! Blender add-on, local workers and the web UI call.
//!
//! Every route of BitWrk 0.7 is here with its loopback protection:
//! "protected" routes answer 403 unless the peer is a loopback address.
//! Unlike BitWrk 0.7, an unknown path is 404, not the UI page (DEP-501).

use std::net::SocketAddr;
use std::path::{Component, Path};
use std::sync::Arc;

use bitwrk_protocol::wire::AccountJson;
use bitwrk_protocol::{Hash256, Money};
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use serde::Serialize;

use super::Daemon;
use super::error::DaemonError;
use super::http_util::{
    Body, error, form_value, json, multipart_boundary, parse_form, raw, read_body, see_other, text,
};
use super::pieces::{Pieces, feed_body};
use super::records::mandate_from_form;
use super::relay::respond;
use super::store::UNFETCHED;
use super::ui;

/// What `/id` answers. The Blender add-on compares the first 256 bytes
/// with exactly this text, so this client, written in Rust, still calls
/// itself the Go client (DEP-508).
pub const ID: &str = "BitWrk Go Client";

/// What `/version` answers: the protocol version this client speaks.
pub const VERSION: &str = "0.7.0";

/// Largest form body read (registrations, mandates).
const FORM_LIMIT: usize = 64 * 1024;

/// Whether `peer` is on this machine (IPv4-mapped loopback included).
pub fn is_loopback(peer: &SocketAddr) -> bool {
    match peer.ip() {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

fn forbidden(peer: &SocketAddr) -> Response<Body> {
    text(
        StatusCode::FORBIDDEN,
        format!("Access only allowed from loopback interface, not from {peer}"),
    )
}

fn method_not_allowed() -> Response<Body> {
    text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
}

fn not_found() -> Response<Body> {
    text(StatusCode::NOT_FOUND, "404 page not found")
}

/// Whether a route is reachable only from loopback.
fn protected(path: &str) -> bool {
    path == "/"
        || path.starts_with("/ui/")
        || path.starts_with("/buy/")
        || matches!(
            path,
            "/activities"
                | "/workers"
                | "/mandates"
                | "/revokemandate"
                | "/requestdepositaddress"
                | "/cafsdebug"
                | "/tickets"
        )
}

/// Handles one request to the internal port.
pub async fn handle(
    daemon: Arc<Daemon>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Body> {
    let path = req.uri().path().to_owned();
    if protected(&path) && !is_loopback(&peer) {
        return forbidden(&peer);
    }
    // The browser guard (DEP-570): loopback host names on the protected
    // routes, no other site's requests where state changes.
    let guard = if protected(&path) {
        ui::check_host(req.headers())
    } else {
        Ok(())
    };
    let guard = guard.and_then(|()| {
        if ui::state_changing(req.method(), &path) {
            ui::check_origin(req.headers())
        } else {
            Ok(())
        }
    });
    if let Err(e) = guard {
        return e.response();
    }
    let result = route(&daemon, req, peer, &path).await;
    match result {
        Ok(r) => r,
        Err(e) => {
            let status = match e {
                DaemonError::BadParameter { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, &e)
        }
    }
}

async fn route(
    daemon: &Arc<Daemon>,
    req: Request<Incoming>,
    peer: SocketAddr,
    path: &str,
) -> Result<Response<Body>, DaemonError> {
    let method = req.method().clone();
    match path {
        "/id" => Ok(raw(StatusCode::OK, ID)),
        "/version" => Ok(raw(StatusCode::OK, VERSION)),
        "/myip" if method == Method::GET => Ok(raw(StatusCode::OK, peer.to_string())),
        "/myip" => Ok(method_not_allowed()),
        "/registerworker" => register_worker(daemon, req).await,
        "/unregisterworker" => {
            let params = params(req).await?;
            let id = bitwrk_protocol::client::WorkerId(
                form_value(&params, "id").unwrap_or("").to_owned(),
            );
            daemon.trades.with(|m| m.unregister_worker(&id));
            Ok(raw(StatusCode::OK, Bytes::new()))
        }
        "/activities" => {
            super::trade::persist(daemon)?;
            Ok(json(&daemon.activities()?))
        }
        "/workers" => Ok(json(&daemon.workers())),
        "/mandates" => Ok(json(&daemon.mandates())),
        "/revokemandate" => {
            let headers = req.headers().clone();
            let params = params(req).await?;
            if let Err(e) = ui::check_token(&headers, &params) {
                return Ok(e.response());
            }
            let key = form_value(&params, "key").unwrap_or("");
            daemon.revoke_mandate(key)?;
            Ok(raw(StatusCode::OK, Bytes::new()))
        }
        "/requestdepositaddress" => {
            let headers = req.headers().clone();
            let params = params(req).await?;
            if let Err(e) = ui::check_token(&headers, &params) {
                return Ok(e.response());
            }
            daemon.api.request_deposit_address().await?;
            daemon
                .relay
                .invalidate_prefix(&format!("account/{}", daemon.api.address()));
            Ok(raw(StatusCode::OK, Bytes::new()))
        }
        "/myaccount" => my_account(daemon, req).await,
        "/motd" => relay(daemon, req, "motd").await,
        "/cafsdebug" => Ok(json(&StoreStats {
            stored_bytes: daemon.store.stored_bytes()?,
            budget_bytes: daemon.config.store_bytes,
        })),
        "/tickets" => Ok(json(&daemon.assist.report())),
        "/" => ui(daemon, req, path).await,
        _ => {
            if let Some(article) = path.strip_prefix("/buy/") {
                if method != Method::POST {
                    return Ok(method_not_allowed());
                }
                let article = article.to_owned();
                buy(daemon, req, &article).await
            } else if let Some(key) = path.strip_prefix("/file/") {
                if method != Method::GET {
                    return Ok(method_not_allowed());
                }
                file(daemon, key)
            } else if let Some(asset) = ui::asset(path) {
                Ok(asset)
            } else if path.starts_with("/ui/") {
                ui(daemon, req, path).await
            } else if ["/account/", "/bid/", "/deposit/", "/tx/"]
                .iter()
                .any(|p| path.starts_with(p))
            {
                let rel = path.trim_start_matches('/').to_owned();
                relay(daemon, req, &rel).await
            } else if ["/js/", "/css/", "/img/"]
                .iter()
                .any(|p| path.starts_with(p))
            {
                if method != Method::GET {
                    return Ok(method_not_allowed());
                }
                static_file(daemon, path).await
            } else {
                Ok(not_found())
            }
        }
    }
}

#[derive(Debug, Serialize)]
struct StoreStats {
    #[serde(rename = "StoredBytes")]
    stored_bytes: u64,
    #[serde(rename = "BudgetBytes")]
    budget_bytes: u64,
}

/// The query's pairs followed by those of a urlencoded body.
async fn params(req: Request<Incoming>) -> Result<Vec<(String, String)>, DaemonError> {
    let mut pairs = parse_form(req.uri().query().unwrap_or("").as_bytes());
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if urlencoded {
        let body = read_body(req.into_body(), FORM_LIMIT).await?;
        pairs.extend(parse_form(&body));
    }
    Ok(pairs)
}

const REGISTER_FORM: &str = "<!DOCTYPE html><html><head><title>Register worker</title></head><body>\
<form method=\"post\" action=\"/registerworker\">\
<p>Id <input name=\"id\"></p><p>Article <input name=\"article\"></p>\
<p>Push URL <input name=\"pushurl\"></p><p><input type=\"submit\" value=\"Register\"></p>\
</form></body></html>";

async fn register_worker(
    daemon: &Daemon,
    req: Request<Incoming>,
) -> Result<Response<Body>, DaemonError> {
    let is_post = req.method() == Method::POST;
    let params = params(req).await?;
    if !is_post && params.is_empty() {
        let mut r = raw(StatusCode::OK, REGISTER_FORM);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return Ok(r);
    }
    let get = |n| form_value(&params, n).unwrap_or("");
    let info = super::workers::registration(get("id"), get("article"), get("pushurl"))?;
    daemon.trades.register_worker(info);
    Ok(raw(StatusCode::OK, Bytes::new()))
}

async fn buy(
    daemon: &Arc<Daemon>,
    req: Request<Incoming>,
    article: &str,
) -> Result<Response<Body>, DaemonError> {
    let price = match parse_form(req.uri().query().unwrap_or("").as_bytes())
        .into_iter()
        .find(|(k, _)| k == "price")
    {
        Some((_, text)) => Some(Money::parse(&text).map_err(|e| DaemonError::BadParameter {
            name: "price",
            detail: format!("{text:?}: {e}"),
        })?),
        None => None,
    };
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart_boundary);
    // The work streams into the store; a temporary pin keeps it until the
    // trade has pinned it.
    let upload = format!("upload:{}", super::streams::boundary());
    let work = receive_work(daemon, req.into_body(), boundary, &upload).await?;
    let result = daemon.clone().buy(article, price, work).await;
    daemon.store.unpin(&work, &upload)?;
    Ok(see_other(&format!("/file/{}", result?)))
}

/// Streams a `/buy` body (raw, or the multipart part `data`) into the
/// store.
async fn receive_work(
    daemon: &Daemon,
    body: Incoming,
    boundary: Option<String>,
    owner: &str,
) -> Result<Hash256, DaemonError> {
    let bad = |detail: String| DaemonError::BadParameter {
        name: "data",
        detail,
    };
    let stream = super::streams::BodyStream::new(body, false, std::time::Duration::from_secs(900));
    let mut w = daemon.store.writer(None)?;
    let outcome = async {
        match boundary {
            None => {
                let mut stream = std::pin::pin!(stream);
                while let Some(piece) = futures_util::StreamExt::next(&mut stream).await {
                    w.write_bytes(piece.map_err(|e| bad(e.to_string()))?)?;
                }
            }
            Some(b) => {
                let mut mp = multer::Multipart::new(stream, b);
                let mut found = false;
                while let Some(mut field) = mp.next_field().await.map_err(|e| bad(e.to_string()))? {
                    if found || field.name() != Some("data") {
                        continue;
                    }
                    found = true;
                    while let Some(piece) = field.chunk().await.map_err(|e| bad(e.to_string()))? {
                        w.write_bytes(piece)?;
                    }
                }
                if !found {
                    return Err(bad(
                        "expected a multipart part named \"data\", found none".to_owned()
                    ));
                }
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(w.finish(Some(owner))?.0),
        Err(e) => {
            w.abort();
            Err(e)
        }
    }
}

fn file(daemon: &Arc<Daemon>, key: &str) -> Result<Response<Body>, DaemonError> {
    let Ok(hash) = key.parse::<Hash256>() else {
        return Ok(not_found());
    };
    let Some(f) = daemon.store.file(&hash)? else {
        return Ok(not_found());
    };
    // The application has its result: from now on the file may be evicted
    // like any other (DEP-504). The file streams from the store.
    daemon.store.unpin(&hash, UNFETCHED)?;
    let (tx, body) = super::http_util::channel_body(4);
    tokio::spawn(feed_body(Pieces::new(daemon.store.clone(), f.id), tx));
    let mut r = Response::new(body);
    if let Ok(v) = HeaderValue::from_str(&f.size.to_string()) {
        r.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    Ok(r)
}

async fn relay(
    daemon: &Daemon,
    req: Request<Incoming>,
    rel: &str,
) -> Result<Response<Body>, DaemonError> {
    let method = req.method().clone();
    let rel = match req.uri().query() {
        Some(q) => format!("{rel}?{q}"),
        None => rel.to_owned(),
    };
    let headers = req.headers().clone();
    let body = read_body(req.into_body(), FORM_LIMIT).await?;
    let f = daemon
        .relay
        .forward(&daemon.api, method, &rel, &headers, body)
        .await?;
    Ok(respond(f))
}

/// `/myaccount`'s answer when the account parses.
#[derive(Debug, Serialize)]
struct MyAccount {
    #[serde(rename = "Account")]
    account: AccountJson,
    #[serde(rename = "Updated")]
    updated: String,
    #[serde(rename = "TrustedAccount")]
    trusted_account: String,
    #[serde(rename = "DepositAddress")]
    deposit_address: String,
    #[serde(rename = "DepositAddressValid")]
    deposit_address_valid: bool,
}

async fn my_account(
    daemon: &Daemon,
    req: Request<Incoming>,
) -> Result<Response<Body>, DaemonError> {
    let mut headers = req.headers().clone();
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let rel = format!("account/{}", daemon.api.address());
    let f = daemon
        .relay
        .forward(&daemon.api, Method::GET, &rel, &headers, Bytes::new())
        .await?;
    if f.status != StatusCode::OK {
        return Ok(respond(f));
    }
    let Ok(account) = serde_json::from_slice::<AccountJson>(&f.body) else {
        return Ok(respond(f));
    };
    let trusted = &daemon.config.trusted_account;
    let (deposit_address, valid) = super::account::judge(
        &account.deposit_info,
        daemon.network(),
        trusted,
        daemon.api.address(),
    )
    .shown();
    Ok(json(&MyAccount {
        account,
        updated: bitwrk_protocol::rfc3339::format(daemon.now()),
        trusted_account: trusted.clone(),
        deposit_address,
        deposit_address_valid: valid,
    }))
}

async fn ui(
    daemon: &Daemon,
    req: Request<Incoming>,
    path: &str,
) -> Result<Response<Body>, DaemonError> {
    if req.method() != Method::GET && req.method() != Method::POST {
        return Ok(method_not_allowed());
    }
    let headers = req.headers().clone();
    let params = params(req).await?;
    match form_value(&params, "action").unwrap_or("") {
        "" => {}
        "permit" => {
            if let Err(e) = ui::check_token(&headers, &params) {
                return Ok(e.response());
            }
            let mandate = mandate_from_form(&params, daemon.now())?;
            daemon.add_mandate(mandate)?;
            return Ok(see_other(path));
        }
        other => {
            return Err(DaemonError::BadParameter {
                name: "action",
                detail: format!("expected permit, got {other:?}"),
            });
        }
    }
    Ok(ui::page(&daemon.api.address().to_string(), path).unwrap_or_else(|e| e.response()))
}

async fn static_file(daemon: &Daemon, path: &str) -> Result<Response<Body>, DaemonError> {
    let rel = Path::new(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Ok(not_found());
    }
    let full = daemon.config.resource_dir.join("htroot").join(rel);
    match tokio::fs::read(&full).await {
        Ok(data) => {
            let mut r = raw(StatusCode::OK, data);
            let ct = match full.extension().and_then(|e| e.to_str()) {
                Some("js") => "text/javascript",
                Some("css") => "text/css",
                Some("png") => "image/png",
                Some("svg") => "image/svg+xml",
                Some("gif") => "image/gif",
                Some("jpg" | "jpeg") => "image/jpeg",
                _ => "application/octet-stream",
            };
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            Ok(r)
        }
        Err(_) => Ok(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_protection_covers_0_7s_protected_routes() {
        for p in [
            "/",
            "/ui/x",
            "/buy/foobar",
            "/activities",
            "/workers",
            "/mandates",
            "/revokemandate",
            "/requestdepositaddress",
            "/cafsdebug",
            "/tickets",
        ] {
            assert!(protected(p), "{p}");
        }
        for p in [
            "/file/ab",
            "/id",
            "/version",
            "/myip",
            "/registerworker",
            "/unregisterworker",
            "/myaccount",
            "/account/x",
            "/bid/1",
            "/deposit/1",
            "/tx/1",
            "/motd",
            "/js/a.js",
        ] {
            assert!(!protected(p), "{p}");
        }
        let peer = |s: &str| s.parse::<SocketAddr>().expect("addr");
        assert!(is_loopback(&peer("127.0.0.1:1")));
        assert!(is_loopback(&peer("127.8.9.10:1")));
        assert!(is_loopback(&peer("[::1]:1")));
        assert!(is_loopback(&peer("[::ffff:127.0.0.1]:1")));
        assert!(!is_loopback(&peer("192.168.1.2:1")));
        assert!(!is_loopback(&peer("[::ffff:10.0.0.1]:1")));
        let r = forbidden(&peer("192.168.1.2:5"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

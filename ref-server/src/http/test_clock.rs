//! The test-clock extension (spec §18, BW-CONF-5 … BW-CONF-8): with
//! `--test-clock`, `/_test/clock` reads the server's clock (`GET`, `HEAD`)
//! and moves it forward (`POST advance=<milliseconds>`). Without the flag
//! the path is not intercepted, so the router answers it as an unknown
//! path. A `POST` answers only after the market has handled every timeout
//! due at the new time, so the caller's next read sees them.

use bitwrk_protocol::rfc3339;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;

use super::errors::ApiError;
use super::form::Form;
use super::handlers::{Resp, response};
use super::{AppState, read_body};
use crate::clock::MAX_ADVANCE_MS;

/// The extension's one path.
pub const PATH: &str = "/_test/clock";

/// Whether this request is for the extension and the extension is on.
pub fn applies(state: &AppState, req: &Request<Incoming>) -> bool {
    req.uri().path() == PATH && state.driver.clock().is_adjustable()
}

/// Serves `/_test/clock`.
pub async fn handle(state: &AppState, req: Request<Incoming>) -> Result<Resp, ApiError> {
    let method = req.method().clone();
    let query = req.uri().query().unwrap_or("").to_owned();
    if method == Method::POST {
        let (parts, body) = req.into_parts();
        let body = read_body(&parts.headers, body, &state.limits).await?;
        let form = Form::parse(&body, query.as_bytes())?;
        let text = form.single("advance")?;
        if !form.has("advance") {
            return Err(ApiError::new(
                "http.missing-field",
                "expected a field advance=<milliseconds>",
            ));
        }
        let ms = text
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms <= MAX_ADVANCE_MS && !text.starts_with('+'))
            .ok_or_else(|| {
                ApiError::new(
                    "http.bad-parameter",
                    format!("expected advance as 0 to {MAX_ADVANCE_MS} milliseconds, got {text:?}"),
                )
            })?;
        state.driver.clock().advance(ms);
        // The batch that takes the sync handles the timeouts due at the new
        // time; the sync resolves once that batch (and every earlier one) is
        // committed, so the caller's next read sees the timeouts' effects,
        // in the market and in the history tables alike.
        state.driver.sync().await?;
    } else if method != Method::GET && method != Method::HEAD {
        let mut e = ApiError::new(
            "http.method-not-allowed",
            format!("expected GET, HEAD or POST for {PATH}, got {method}"),
        )
        .into_response(false);
        e.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
        return Ok(e);
    }
    let clock = state.driver.clock();
    let body = format!(
        "{{\"Now\":\"{}\",\"OffsetMillis\":{}}}\n",
        rfc3339::format(clock.now()),
        clock.offset_ms()
    );
    let mut r = response(StatusCode::OK, "application/json", body);
    if method == Method::HEAD {
        *r.body_mut() = Full::new(Bytes::new());
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

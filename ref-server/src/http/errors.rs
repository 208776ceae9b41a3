//! Error responses (spec §16): a status per error class, the stable code in
//! the `X-BitWrk-Error` header and in the body — `<code>: <message>` as
//! text, or `{"code":…,"message":…}` when the client accepts JSON.
//!
//! BitWrk 0.7 answers nearly every refusal with 500; its client treats any
//! status other than the expected 303/302/200 as a failure and reports the
//! body, so the proper 4xx statuses below do not change what it does.

use bitwrk_protocol::ErrorCode;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::Full;

use super::form::FormError;

/// The header carrying an error's stable code.
pub const ERROR_HEADER: &str = "x-bitwrk-error";

/// The HTTP layer's own codes (appendix A.2, §16.13).
pub const HTTP_CODES: &[&str] = &[
    "http.unknown-path",
    "http.not-found",
    "http.method-not-allowed",
    "http.not-acceptable",
    "http.request-timeout",
    "http.body-too-large",
    "http.uri-too-long",
    "http.unsupported-media-type",
    "http.headers-too-large",
    "http.bad-form",
    "http.duplicate-field",
    "http.missing-field",
    "http.bad-parameter",
    "http.bad-forwarded-for",
    "http.overloaded",
    "http.internal",
];

/// The status a code is answered with: the table of §16.4.1 (BW-HTTP-17)
/// and §16.13. 400 malformed, 403 not authenticated or not authorised,
/// 404 unknown, 409 conflicts with the state, 422 refused by the rules,
/// 429/503 temporary, 500 internal (a check no request to a correct server
/// can fail).
pub fn status_for(code: &str) -> StatusCode {
    let (area, name) = code.split_once('.').unwrap_or(("", code));
    match (area, name) {
        ("http", "unknown-path" | "not-found")
        | ("market", "unknown-tx")
        | ("id", "bad-syntax") => StatusCode::NOT_FOUND,
        ("http", "method-not-allowed") => StatusCode::METHOD_NOT_ALLOWED,
        ("http", "not-acceptable") => StatusCode::NOT_ACCEPTABLE,
        ("http", "request-timeout") => StatusCode::REQUEST_TIMEOUT,
        ("http", "body-too-large") => StatusCode::PAYLOAD_TOO_LARGE,
        ("http", "uri-too-long") => StatusCode::URI_TOO_LONG,
        ("http", "unsupported-media-type") => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ("http", "headers-too-large") => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ("node", "bad-mac") => StatusCode::FORBIDDEN,
        ("http", "overloaded")
        | ("node", _)
        | ("nonce", "capacity" | "collision")
        | ("book", "full")
        | ("market", "stale-request") => StatusCode::SERVICE_UNAVAILABLE,
        ("depaddr", "too-soon") => StatusCode::TOO_MANY_REQUESTS,
        ("market", "currency-mismatch") => StatusCode::UNPROCESSABLE_ENTITY,
        ("http", "internal")
        | ("market", _)
        | ("snapshot", _)
        | ("store", _)
        | ("bid", "not-open" | "expired" | "too-young")
        | ("book", _)
        | ("tx", "too-young" | "already-retired")
        | ("prices", "currency-mismatch" | "overflow")
        | (
            "ledger",
            "mixed-currency" | "invalid-movement" | "unbalanced" | "insufficient-blocked",
        ) => StatusCode::INTERNAL_SERVER_ERROR,
        ("sig", _)
        | ("bid", "untrusted-seller")
        | ("tx", "worker-host-mismatch")
        | ("deposit", "untrusted-signer")
        | ("depaddr", "untrusted-signer") => StatusCode::FORBIDDEN,
        ("nonce", "unknown" | "expired" | "used")
        | ("tx", "inactive" | "wrong-phase")
        | ("deposit", "uid-conflict")
        | ("depaddr", "pending-request") => StatusCode::CONFLICT,
        ("money", "overflow" | "currency-mismatch")
        | ("article", "not-traded")
        | ("bid", "negative-price" | "price-too-high")
        | ("tx", "message-not-allowed" | "secret-mismatch" | "bad-receipt")
        | ("ledger", _)
        | ("deposit", "non-positive-amount" | "zero-injection")
        | ("relation", "same-source-target") => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A refusal on its way to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The stable code.
    pub code: &'static str,
    /// What was expected and what arrived.
    pub message: String,
    /// For 429 and 503: the `Retry-After` seconds (1 if not set).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an HTTP-layer code.
    pub fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// An error of the core (or any type with a stable code).
    pub fn from_core<E: ErrorCode + core::fmt::Display>(e: &E) -> ApiError {
        ApiError {
            code: e.code(),
            message: e.to_string(),
            retry_after: None,
        }
    }

    /// The same error, to be retried after `wait` (sent as whole seconds,
    /// rounded up, at least 1).
    pub fn retry_after(mut self, wait: core::time::Duration) -> ApiError {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.retry_after = Some(secs.max(1));
        self
    }

    /// 404 for an identifier that names nothing (BW-HTTP-4).
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new("http.not-found", what)
    }

    /// 404 for a path no endpoint has (BW-HTTP-2).
    pub fn unknown_path(path: &str) -> ApiError {
        ApiError::new(
            "http.unknown-path",
            format!("no endpoint has the path {path:?}"),
        )
    }

    /// 503 while the server is full or stopping.
    pub fn overloaded(why: impl Into<String>) -> ApiError {
        ApiError::new("http.overloaded", why)
    }

    /// The status to answer with.
    pub fn status(&self) -> StatusCode {
        status_for(self.code)
    }

    /// The response: text, or JSON when `json` is set.
    pub fn into_response(self, json: bool) -> http::Response<Full<Bytes>> {
        let (body, content_type) = if json {
            let value = serde_json::json!({"code": self.code, "message": self.message});
            (format!("{value}\n"), "application/json")
        } else {
            (
                format!("{}: {}\n", self.code, self.message),
                "text/plain; charset=utf-8",
            )
        };
        let mut response = http::Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(ERROR_HEADER, HeaderValue::from_static(self.code));
        let status = self.status();
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(self.retry_after.unwrap_or(1)),
            );
        }
        if matches!(status.as_u16(), 408 | 413 | 414 | 431 | 503) {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

impl From<FormError> for ApiError {
    fn from(e: FormError) -> ApiError {
        ApiError::new(e.code(), e.to_string())
    }
}

impl<E: ErrorCode + core::fmt::Display> From<&E> for ApiError {
    fn from(e: &E) -> ApiError {
        ApiError::from_core(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        // BW-HTTP-17
        assert_eq!(status_for("sig.address-mismatch"), StatusCode::FORBIDDEN);
        assert_eq!(
            status_for("tx.message-not-allowed"),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_for("book.expired"),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            status_for("depaddr.too-soon"),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(status_for("relation.bad-enabled"), StatusCode::BAD_REQUEST);
        assert_eq!(status_for("http.unknown-path"), StatusCode::NOT_FOUND);
        assert_eq!(status_for("nonce.used"), StatusCode::CONFLICT);
        assert_eq!(status_for("nonce.bad-format"), StatusCode::BAD_REQUEST);
        assert_eq!(
            status_for("ledger.insufficient-funds"),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(status_for("market.unknown-tx"), StatusCode::NOT_FOUND);
        assert_eq!(status_for("tx.wrong-phase"), StatusCode::CONFLICT);
        assert_eq!(status_for("money.bad-syntax"), StatusCode::BAD_REQUEST);
        assert_eq!(
            status_for("http.body-too-large"),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        for code in HTTP_CODES {
            assert!(status_for(code).as_u16() >= 400, "{code}");
        }
    }

    #[test]
    fn body_forms() {
        let e = ApiError::new("http.not-found", "no bid 7");
        let r = e.clone().into_response(false);
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()[ERROR_HEADER], "http.not-found");
        let r = e.into_response(true);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    }

    /// `Retry-After` is 1 unless the refusal says how long (rounded up to
    /// whole seconds). BW-HTTP-28
    #[test]
    fn retry_after_seconds() {
        use core::time::Duration;
        let too_soon = ApiError::new("depaddr.too-soon", "later");
        let header = |e: ApiError| e.into_response(false).headers()[header::RETRY_AFTER].clone();
        assert_eq!(header(too_soon.clone()), "1");
        assert_eq!(
            header(
                too_soon
                    .clone()
                    .retry_after(Duration::from_millis(86_399_001))
            ),
            "86400"
        );
        assert_eq!(
            header(too_soon.clone().retry_after(Duration::from_secs(7))),
            "7"
        );
        assert_eq!(header(too_soon.retry_after(Duration::ZERO)), "1");
        let r = ApiError::new("http.not-found", "x")
            .retry_after(Duration::from_secs(9))
            .into_response(false);
        assert!(
            r.headers().get(header::RETRY_AFTER).is_none(),
            "only on 429/503"
        );
    }
}

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

/// The HTTP layer's own codes (appendix A, area `http`).
pub const HTTP_CODES: &[&str] = &[
    "http.not-found",
    "http.method-not-allowed",
    "http.not-acceptable",
    "http.body-too-large",
    "http.headers-too-large",
    "http.body-timeout",
    "http.too-many-connections",
    "http.unsupported-media-type",
    "http.bad-escape",
    "http.not-utf8",
    "http.repeated-field",
    "http.bad-parameter",
    "http.unknown-action",
    "http.shutting-down",
    "http.internal",
];

/// The status a code is answered with, by error class:
/// 400 malformed input, 403 signature or authority, 404 unknown resource,
/// 409 conflict with the current state (nonce spent, wrong phase, uid taken),
/// 422 refused by a market rule, 503 the server is full or stopping,
/// 500 the server's own failure.
pub fn status_for(code: &str) -> StatusCode {
    let (area, name) = code.split_once('.').unwrap_or(("", code));
    match (area, name) {
        ("http", "not-found") | ("market", "unknown-tx") => StatusCode::NOT_FOUND,
        ("http", "method-not-allowed") => StatusCode::METHOD_NOT_ALLOWED,
        ("http", "not-acceptable") => StatusCode::NOT_ACCEPTABLE,
        ("http", "body-too-large") => StatusCode::PAYLOAD_TOO_LARGE,
        ("http", "headers-too-large") => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ("http", "body-timeout") => StatusCode::REQUEST_TIMEOUT,
        ("http", "unsupported-media-type") => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ("http", "too-many-connections" | "shutting-down")
        | ("nonce", "capacity")
        | ("book", "full") => StatusCode::SERVICE_UNAVAILABLE,
        ("http", "internal") | ("market", _) | ("store", _) => StatusCode::INTERNAL_SERVER_ERROR,
        ("sig", _)
        | ("deposit", "untrusted-signer")
        | ("bid", "untrusted-seller")
        | ("tx", "message-not-allowed" | "worker-host-mismatch") => StatusCode::FORBIDDEN,
        ("nonce", "unknown" | "expired" | "used" | "collision")
        | ("tx", "inactive" | "wrong-phase" | "too-young" | "already-retired")
        | ("bid", "not-open" | "expired" | "too-young")
        | ("book", "duplicate-id" | "unknown-id" | "expired")
        | ("deposit", "uid-conflict") => StatusCode::CONFLICT,
        ("article", "not-traded")
        | ("bid", "negative-price" | "price-too-high")
        | ("ledger", _)
        | ("book", _)
        | ("tx", "secret-mismatch" | "bad-receipt")
        | ("relation", "same-source-target")
        | ("deposit", "non-positive-amount" | "zero-injection") => StatusCode::UNPROCESSABLE_ENTITY,
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
}

impl ApiError {
    /// An error with an HTTP-layer code.
    pub fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// An error of the core (or any type with a stable code).
    pub fn from_core<E: ErrorCode + core::fmt::Display>(e: &E) -> ApiError {
        ApiError {
            code: e.code(),
            message: e.to_string(),
        }
    }

    /// 404 for a resource that does not exist.
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new("http.not-found", what)
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
        if self.status() == StatusCode::SERVICE_UNAVAILABLE
            || self.status() == StatusCode::REQUEST_TIMEOUT
        {
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
        assert_eq!(status_for("sig.address-mismatch"), StatusCode::FORBIDDEN);
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
}

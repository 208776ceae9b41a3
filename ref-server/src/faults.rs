//! Deliberate faults for the conformance suite's own tests (cargo feature
//! `conformance-faults`, never in a release build): `BITWRK_FAULT=<name>`
//! in the environment breaks the server in one known way, so that a test
//! can show which conformance cases catch it. Read once per process.
//!
//! | name | the break |
//! |---|---|
//! | `nonce-before-signature` | a bid refused for its signature still spends its nonce (BitWrk 0.7's bug) |
//! | `rejectresult-work-disputed` | a transaction in `RESULT_DISPUTED` is shown as `WORK_DISPUTED` (0.7's bug) |
//! | `etag-constant` | every entity tag is `"r0-c16"` whatever the state |
//! | `wrong-status` | `nonce.used` is answered 500 instead of 409 |
//! | `renamed-field` | the JSON member `Phase` is written `phase` |
//! | `sell-ignores-price` | an incoming SELL matches the best resting BUY below its price (market: the core's `Fault::SellIgnoresPrice`) |
//! | `refund-creates-money` | a timeout refund credits the buyer as a new deposit and leaves the escrow blocked (market: `Fault::RefundCreatesMoney`) |
//! | `refused-message-counts` | a refused transaction message still raises the revision (market: `Fault::RefusedMessageCounts`) |
//! | `any-signer` | a signature by any key is accepted for the claimed address (the server's verifier) |

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};

use crate::http::errors::ApiError;

/// The injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// See the module table.
    NonceBeforeSignature,
    /// See the module table.
    RejectResultWorkDisputed,
    /// See the module table.
    EtagConstant,
    /// See the module table.
    WrongStatus,
    /// See the module table.
    RenamedField,
    /// See the module table.
    SellIgnoresPrice,
    /// See the module table.
    RefundCreatesMoney,
    /// See the module table.
    RefusedMessageCounts,
    /// See the module table.
    AnySigner,
}

/// The fault named by `BITWRK_FAULT`, if any.
pub fn active() -> Option<Fault> {
    static FAULT: OnceLock<Option<Fault>> = OnceLock::new();
    *FAULT.get_or_init(|| {
        let name = std::env::var("BITWRK_FAULT").ok()?;
        let fault = match name.as_str() {
            "nonce-before-signature" => Fault::NonceBeforeSignature,
            "rejectresult-work-disputed" => Fault::RejectResultWorkDisputed,
            "etag-constant" => Fault::EtagConstant,
            "wrong-status" => Fault::WrongStatus,
            "renamed-field" => Fault::RenamedField,
            "sell-ignores-price" => Fault::SellIgnoresPrice,
            "refund-creates-money" => Fault::RefundCreatesMoney,
            "refused-message-counts" => Fault::RefusedMessageCounts,
            "any-signer" => Fault::AnySigner,
            _ => return None,
        };
        tracing::warn!(fault = %name, "fault injected (conformance-faults)");
        Some(fault)
    })
}

/// The core's fault for the market, when the injected fault acts there.
pub fn market_fault() -> Option<bitwrk_protocol::market::Fault> {
    use bitwrk_protocol::market::Fault as Core;
    match active()? {
        Fault::SellIgnoresPrice => Some(Core::SellIgnoresPrice),
        Fault::RefundCreatesMoney => Some(Core::RefundCreatesMoney),
        Fault::RefusedMessageCounts => Some(Core::RefusedMessageCounts),
        _ => None,
    }
}

/// Whether signatures are accepted for any claimed address.
pub fn any_signer() -> bool {
    active() == Some(Fault::AnySigner)
}

fn burned() -> &'static Mutex<HashSet<String>> {
    static BURNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    BURNED.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Before a bid: a nonce burned by an earlier refused bid is "used".
pub fn bid_before(nonce: &str) -> Option<ApiError> {
    if active() != Some(Fault::NonceBeforeSignature) {
        return None;
    }
    let burned = burned().lock().map(|b| b.contains(nonce)).unwrap_or(false);
    burned.then(|| ApiError::new("nonce.used", format!("nonce {nonce} was used")))
}

/// After a refused bid: a signature failure burns the nonce.
pub fn bid_refused(nonce: &str, code: &str) {
    if active() == Some(Fault::NonceBeforeSignature)
        && code.starts_with("sig.")
        && let Ok(mut b) = burned().lock()
    {
        b.insert(nonce.to_owned());
    }
}

/// Rewrites a response for the HTTP-visible faults.
pub async fn response(response: &mut Response<Full<Bytes>>) {
    let Some(fault) = active() else { return };
    match fault {
        Fault::EtagConstant => {
            if response.headers().contains_key(header::ETAG) {
                let tag = HeaderValue::from_static("\"r0-c16\"");
                response.headers_mut().insert(header::ETAG, tag.clone());
                response.headers_mut().insert("x-etag", tag);
            }
        }
        Fault::WrongStatus => {
            if response
                .headers()
                .get(crate::http::errors::ERROR_HEADER)
                .is_some_and(|v| v == "nonce.used")
            {
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
        Fault::RenamedField | Fault::RejectResultWorkDisputed => {
            let (from, to): (&[u8], &[u8]) = if fault == Fault::RenamedField {
                (b"\"Phase\":", b"\"phase\":")
            } else {
                (b"\"RESULT_DISPUTED\"", b"\"WORK_DISPUTED\"")
            };
            let body = std::mem::take(response.body_mut());
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i..].starts_with(from) {
                    out.extend_from_slice(to);
                    i += from.len();
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            *response.body_mut() = Full::new(Bytes::from(out));
        }
        Fault::NonceBeforeSignature
        | Fault::SellIgnoresPrice
        | Fault::RefundCreatesMoney
        | Fault::RefusedMessageCounts
        | Fault::AnySigner => {}
    }
}

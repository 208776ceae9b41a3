//! The wire forms of the HTTP binding: the JSON bodies a server sends and a
//! client reads, byte-compatible with BitWrk 0.7 (spec section 15.A).
//!
//! BitWrk 0.7 writes its JSON with Go's `encoding/json`. The forms here
//! reproduce that output exactly:
//!
//! * member names are the Go field names, in Go's field order
//!   (`/query/prices` is the exception: lower-case names);
//! * enums without a Go text form are numbers, the others strings;
//! * money is a string (`"mBTC 1.5"`), times are RFC 3339 in UTC with the
//!   fraction's trailing zeros removed, a time that was never set is Go's
//!   zero time `0001-01-01T00:00:00Z`, and an absent value is `null`;
//! * ids are strings, opaque to clients (this implementation writes decimal
//!   sequence numbers, [`crate::ids`]);
//! * strings escape `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`, `\u003e`,
//!   `\u0026`, `\u2028`, `\u2029`, and the control characters other than
//!   `\n`, `\r`, `\t` as `\u00XX` ([`to_go_json`]);
//! * a body ends with a newline, except `/motd`'s ([`to_go_json_unterminated`]).
//!
//! Every form also decodes ([`from_go_json`]), so a client can read a
//! server's answers; decoding never panics.
//!
//! The forms are plain data: the server builds them from the market's state
//! (`BidJson::new(id, &bid)` …) and serialises them; nothing here does I/O.

use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::ser::{CharEscape, Formatter};

use crate::error::error_codes;
use crate::time::Timestamp;
use crate::tx::Phase;

pub mod motd;
pub mod prices;
mod views;

pub use motd::{GoClientVersion, Motd};
pub use prices::{
    PriceAggregate, PriceError, PriceFormat, PriceQuery, PriceSlot, Resolution, aggregate_parts,
    aggregate_prices, flot,
};
pub use views::{
    AccountJson, BidJson, DepositJson, MovementJson, RelationJson, TmessageJson, TransactionJson,
};

/// Go's zero time, written for times that were never set.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Why a JSON body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The text is not JSON, or not the expected form (BW-JSON-2).
    BadJson {
        /// What the decoder reported (line, column and cause).
        message: String,
    },
}

error_codes!(WireError {
    WireError::BadJson { message } => "wire.bad-json", ("expected a BitWrk 0.7 JSON form: {message}");
});

/// `serde_json`'s compact output, with Go `encoding/json`'s string escaping
/// (BW-JSON-1).
#[derive(Debug, Clone, Copy, Default)]
pub struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(pos) = rest.find(['<', '>', '&', '\u{2028}', '\u{2029}']) {
            writer.write_all(&rest.as_bytes()[..pos])?;
            let c = rest[pos..].chars().next().unwrap_or('\0');
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[pos + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let text: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            // Go (before 1.22, and so BitWrk 0.7) has no short forms for
            // backspace and form feed.
            CharEscape::Backspace => b"\\u0008",
            CharEscape::FormFeed => b"\\u000c",
            CharEscape::Solidus => b"/",
            CharEscape::AsciiControl(byte) => {
                return write!(writer, "\\u{:04x}", byte);
            }
        };
        writer.write_all(text)
    }
}

/// The JSON text of `value` as Go's `json.Encoder` writes it: compact, Go's
/// escaping, and a final newline (BW-JSON-1).
pub fn to_go_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = to_go_json_unterminated(value);
    text.push('\n');
    text
}

/// As [`to_go_json`], without the final newline (the `/motd` body,
/// BW-JSON-11).
pub fn to_go_json_unterminated<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    // The forms of this module serialise infallibly: their maps have string
    // keys and their texts are valid UTF-8.
    if value.serialize(&mut ser).is_err() {
        out.clear();
        out.extend_from_slice(b"null");
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Decodes a JSON form (BW-JSON-2). Accepts any JSON whitespace and
/// escaping; unknown members are ignored, as by Go's decoder.
pub fn from_go_json<T: DeserializeOwned>(text: &str) -> Result<T, WireError> {
    serde_json::from_str(text).map_err(|e| WireError::BadJson {
        message: e.to_string(),
    })
}

/// Serde adapter for `Option<Timestamp>` written as a time that is Go's zero
/// time when absent (BW-JSON-3).
pub mod go_time {
    use super::GO_ZERO_TIME;
    use crate::time::Timestamp;

    /// Writes the RFC 3339 text, or [`GO_ZERO_TIME`] for `None`.
    pub fn serialize<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&crate::rfc3339::format(*t)),
            None => s.serialize_str(GO_ZERO_TIME),
        }
    }

    /// Reads the RFC 3339 text; Go's zero time (any fraction or offset
    /// spelling of it) is `None`.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        if super::is_go_zero_time(&text) {
            return Ok(None);
        }
        crate::rfc3339::parse(&text)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 UTC time"))
    }
}

fn is_go_zero_time(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("0001-01-01T00:00:00") else {
        return false;
    };
    let rest = rest
        .strip_suffix('Z')
        .or_else(|| rest.strip_suffix("+00:00"));
    match rest {
        Some("") => true,
        Some(fraction) => fraction
            .strip_prefix('.')
            .is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b == b'0')),
        None => false,
    }
}

/// Serde adapter for a [`Phase`] written as BitWrk 0.7's number 0–8
/// (BW-JSON-8).
pub mod phase_index {
    use crate::tx::Phase;

    /// Writes [`Phase::index`].
    pub fn serialize<S: serde::Serializer>(p: &Phase, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(p.index())
    }

    /// Reads a number 0–8.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Phase, D::Error> {
        let n = <u8 as serde::Deserialize>::deserialize(d)?;
        super::phase_from_index(n).ok_or_else(|| serde::de::Error::custom("unknown phase number"))
    }
}

fn phase_from_index(n: u8) -> Option<Phase> {
    Phase::ALL.into_iter().find(|p| p.index() == n)
}

/// Formats a time as the forms do (for HTML views and logs that show the
/// same text): RFC 3339, or Go's zero time for `None`.
pub fn format_time(t: Option<Timestamp>) -> String {
    match t {
        Some(t) => crate::rfc3339::format(t),
        None => GO_ZERO_TIME.to_owned(),
    }
}

#[cfg(test)]
mod tests;

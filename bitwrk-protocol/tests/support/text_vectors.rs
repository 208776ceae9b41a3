//! Runners for `time.json` (spec §2.6, BW-TIME-1 … BW-TIME-5) and
//! `identifier.json` (spec §17.2, BW-ID-4). Included by `tests/vectors.rs`.

use bitwrk_protocol::ids::{TxId, parse_canonical_decimal};
use bitwrk_protocol::wire::{WireError, from_go_json, to_go_json_unterminated};
use bitwrk_protocol::{ErrorCode, Timestamp, rfc3339};
use serde_json::Value;

use super::{eq, field};

#[derive(serde::Serialize, serde::Deserialize)]
struct Pointer(#[serde(with = "bitwrk_protocol::rfc3339::option")] Option<Timestamp>);
#[derive(serde::Serialize, serde::Deserialize)]
struct Plain(#[serde(with = "bitwrk_protocol::rfc3339::zero_time")] Option<Timestamp>);

/// Compares a result with the case's `result`, `error` and `millis`.
fn expect(t: &Value, got: Result<Value, &str>) -> Result<(), String> {
    match (field(t, "result")?, got) {
        ("valid", Ok(v)) => eq("millis", &v, &t["millis"]),
        ("valid", Err(e)) => Err(format!("expected success, got {e}")),
        ("invalid", Ok(v)) => Err(format!("expected {}, got {v}", field(t, "error")?)),
        ("invalid", Err(e)) => eq("error", e, field(t, "error")?),
        (r, _) => Err(format!("unexpected result {r:?}")),
    }
}

fn ms(t: Timestamp) -> Value {
    Value::from(t.as_millis())
}

// BW-TIME-3, BW-TIME-4, BW-TIME-5
pub(crate) fn time_case(t: &Value) -> Result<(), String> {
    let bad = "wire.bad-json";
    match field(t, "kind")? {
        "format" => {
            let millis = t["millis"].as_u64().ok_or("millis missing")?;
            let text = rfc3339::format(Timestamp::from_millis(millis));
            eq("text", text.as_str(), field(t, "text")?)?;
            eq("result", field(t, "result")?, "valid")
        }
        "parseTimestamp" => expect(t, rfc3339::parse(field(t, "text")?).map(ms).ok_or(bad)),
        "parseUtc" => expect(
            t,
            rfc3339::parse_utc(field(t, "text")?)
                .map(|u| Value::from(u.as_millis()))
                .ok_or(bad),
        ),
        "optional" => {
            let json = field(t, "json")?;
            let code = |e: WireError| e.code();
            let pointer = from_go_json::<Pointer>(json).map_err(code);
            let plain = from_go_json::<Plain>(json).map_err(code);
            let view = |v: Option<Timestamp>| v.map_or(Value::Null, ms);
            expect(t, pointer.as_ref().map(|p| view(p.0)).map_err(|e| *e))?;
            expect(t, plain.as_ref().map(|p| view(p.0)).map_err(|e| *e))?;
            if let (Ok(p), Ok(z)) = (pointer, plain) {
                eq(
                    "pointerJson",
                    to_go_json_unterminated(&p).as_str(),
                    field(t, "pointerJson")?,
                )?;
                eq(
                    "plainJson",
                    to_go_json_unterminated(&z).as_str(),
                    field(t, "plainJson")?,
                )?;
            }
            Ok(())
        }
        k => Err(format!("unknown kind {k:?}")),
    }
}

// BW-ID-4
pub(crate) fn identifier_case(t: &Value) -> Result<(), String> {
    let input = field(t, "input")?;
    let got: Result<u64, String> = match field(t, "kind")? {
        "text" => parse_canonical_decimal(input).map_err(|e| e.code().to_owned()),
        // A JSON id member that does not decode is `id.bad-syntax` (BW-ID-4).
        "json" => serde_json::from_str::<TxId>(input)
            .map(|id| id.0)
            .map_err(|_| "id.bad-syntax".to_owned()),
        k => return Err(format!("unknown kind {k:?}")),
    };
    match (field(t, "result")?, got) {
        ("valid", Ok(v)) => {
            eq("value", v.to_string().as_str(), field(t, "value")?)?;
            if field(t, "kind")? == "json" {
                let written = serde_json::to_string(&TxId(v)).map_err(|e| e.to_string())?;
                eq("written", written, format!("\"{v}\""))?;
            }
            Ok(())
        }
        ("valid", Err(e)) => Err(format!("expected success, got {e}")),
        ("invalid", Ok(v)) => Err(format!("expected {}, got {v}", field(t, "error")?)),
        ("invalid", Err(e)) => eq("error", e.as_str(), field(t, "error")?),
        (r, _) => Err(format!("unexpected result {r:?}")),
    }
}

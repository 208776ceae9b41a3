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

/// Decodes `input` as the view `form` and writes it again.
fn view(form: &str, input: &str) -> Result<String, String> {
    use bitwrk_protocol::wire as w;
    fn re<T: serde::de::DeserializeOwned + serde::Serialize>(s: &str) -> Result<String, String> {
        from_go_json::<T>(s)
            .map(|v| w::to_go_json(&v))
            .map_err(|e| e.code().to_owned())
    }
    match form {
        "bid" => re::<w::BidJson>(input),
        "transaction" => re::<w::TransactionJson>(input),
        "account" => re::<w::AccountJson>(input),
        "movement" => re::<w::MovementJson>(input),
        "deposit" => re::<w::DepositJson>(input),
        "relation" => re::<w::RelationJson>(input),
        "tmessage" => re::<w::TmessageJson>(input),
        other => Err(format!("unknown form {other:?}")),
    }
}

fn text_outcome(t: &Value, got: Result<String, String>, key: &str) -> Result<(), String> {
    match (field(t, "result")?, got) {
        ("valid", Ok(v)) => eq(key, v.as_str(), field(t, key)?),
        ("valid", Err(e)) => Err(format!("expected success, got {e}")),
        ("invalid", Ok(v)) => Err(format!("expected {}, got {v:?}", field(t, "error")?)),
        ("invalid", Err(e)) => eq("error", e.as_str(), field(t, "error")?),
        (r, _) => Err(format!("unexpected result {r:?}")),
    }
}

// BW-JSON-1 … BW-JSON-15
pub(crate) fn json_forms_case(t: &Value) -> Result<(), String> {
    use bitwrk_protocol::wire::{Motd, PriceQuery};
    match field(t, "kind")? {
        "escape" => text_outcome(
            t,
            Ok(bitwrk_protocol::wire::to_go_json(field(t, "input")?)),
            "json",
        ),
        "view" => text_outcome(t, view(field(t, "form")?, field(t, "input")?), "json"),
        "motd" => {
            let m = Motd::for_client(field(t, "userAgent")?, t["configured"].as_str());
            let body = m.to_body();
            if body.ends_with('\n') {
                return Err("the /motd body ends with a line feed".into());
            }
            let back: Motd = from_go_json(&body).map_err(|e| e.to_string())?;
            eq("Warning", Some(back.warning), t["warning"].as_bool())?;
            if let Some(want) = t["json"].as_str() {
                eq("body", body.as_str(), want)?;
            }
            eq("result", field(t, "result")?, "valid")
        }
        "prices" => {
            let fields = super::scenario::form(&serde_json::json!({ "form": t["fields"] }))?;
            let now = Timestamp::from_millis(t["now"].as_u64().ok_or("now missing")?);
            let mut trades = Vec::new();
            for tr in t["trades"].as_array().ok_or("trades missing")? {
                let at = Timestamp::from_millis(tr["matched"].as_u64().ok_or("matched")?);
                let price = bitwrk_protocol::Money::parse(field(tr, "price")?)
                    .map_err(|e| e.to_string())?;
                trades.push((at, price));
            }
            let got = (|| {
                let policy = bitwrk_protocol::article::ArticlePolicy::bitwrk_07();
                let q =
                    PriceQuery::parse(&fields, now, &policy).map_err(|e| e.code().to_owned())?;
                let slots = q.aggregate(trades).map_err(|e| e.code().to_owned())?;
                q.render(&slots).map_err(|e| e.code().to_owned())
            })();
            text_outcome(t, got, "body")
        }
        k => Err(format!("unknown kind {k:?}")),
    }
}

//! Times on the wire (§3 time rules, BW-TIME-*): the RFC 3339 text the
//! server writes, millisecond resolution, Go's zero time for a time never
//! set, and what the server accepts where it reads a time.

use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::rfc3339;
use serde_json::Value;

use crate::case::{Case, CaseResult, Stop, fail};
use crate::check;
use crate::context::{Cx, address_of};
use crate::trade::{PRICE, Trade};

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "time/json-form",
            ["BW-TIME-1", "BW-TIME-3", "BW-TIME-5"],
            json_form
        ),
        crate::case!("time/reader", ["BW-TIME-4", "BW-HTTP-38"], reader),
    ]
}

/// Whether `s` is `YYYY-MM-DDTHH:MM:SS[.f]Z` with `f` one to three digits
/// without trailing zeros (BW-TIME-3).
fn well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: core::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let frame = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b.last() == Some(&b'Z');
    if !frame {
        return false;
    }
    match &s[19..s.len() - 1] {
        "" => true,
        f => {
            let f = f.as_bytes();
            f[0] == b'.'
                && (2..=4).contains(&f.len())
                && f[1..].iter().all(u8::is_ascii_digit)
                && f.last() != Some(&b'0')
        }
    }
}

/// A time member in the written form; its milliseconds.
fn time_member(v: &Value, name: &str) -> Result<u64, Stop> {
    let text = v[name].as_str().unwrap_or("");
    let parsed = rfc3339::parse(text);
    let canonical = parsed.map(rfc3339::format).as_deref() == Some(text);
    match parsed {
        Some(t) if well_formed(text) && canonical => Ok(t.as_millis()),
        _ => Err(fail(
            format!(
                "{name}: an RFC 3339 UTC time, milliseconds without trailing zeros (BW-TIME-3)"
            ),
            v[name].to_string(),
        )),
    }
}

// BW-TIME-1, BW-TIME-3, BW-TIME-5: every time is written in one RFC 3339
// form with at most millisecond digits; stored times are an input's `now`
// plus a configured duration exactly; a bid never matched has `Matched`
// null and an account never given deposit information has Go's zero time.
async fn json_form(cx: Cx) -> CaseResult {
    let before = if cx.has_clock {
        Some(time_member(&cx.object("/_test/clock").await?, "Now")?)
    } else {
        None
    };
    let seller = cx.fresh_key();
    let id = cx
        .place(&seller, BidType::Sell, &cx.lone_sell_article(), PRICE)
        .await?;
    let bid = cx.object(&format!("/bid/{id}")).await?;
    let created = time_member(&bid, "Created")?;
    let expires = time_member(&bid, "Expires")?;
    check::eq("Expires − Created (ms)", 120_000, expires - created)?;
    check::eq(
        "Matched of a bid never matched",
        Value::Null,
        bid["Matched"].clone(),
    )?;
    if let Some(before) = before {
        let after = time_member(&cx.object("/_test/clock").await?, "Now")?;
        check::that(
            "Created is the clock's now at admission, to the millisecond",
            before <= created && created <= after,
            format!("{before} ≤ {created} ≤ {after}"),
        )?;
    }
    let t = Trade::open(&cx).await?;
    let tx = t.get(&cx).await?;
    let matched = time_member(&tx, "Matched")?;
    check::eq(
        "Timeout − Matched (ms)",
        60_000,
        time_member(&tx, "Timeout")? - matched,
    )?;
    let buy = cx.object(&format!("/bid/{}", t.buy_bid)).await?;
    check::eq(
        "the BUY's Matched = the transaction's",
        matched,
        time_member(&buy, "Matched")?,
    )?;
    let fresh = address_of(&cx.fresh_key());
    let account = cx.object(&format!("/account/{fresh}")).await?;
    check::eq(
        "LastDepositInfo of an account never given deposit information",
        Some("0001-01-01T00:00:00Z"),
        account["LastDepositInfo"].as_str(),
    )
}

/// The keys of `/query/ledger?begin=<begin>`, or the refusal.
async fn ledger_from(
    cx: &Cx,
    begin: &str,
) -> Result<Result<Vec<String>, crate::client::Resp>, Stop> {
    let q = format!(
        "/query/ledger?limit=1023&begin={}",
        form_urlencoded::byte_serialize(begin.as_bytes()).collect::<String>()
    );
    let r = cx.client.get_json(&q).await?;
    if r.status != 200 {
        return Ok(Err(r));
    }
    let v = r.json().map_err(|e| fail("JSON", e))?;
    Ok(Ok(v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m["Key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()))
}

// BW-TIME-4, BW-HTTP-38: where the server reads a time (`begin` of
// /query/ledger) it takes `Z` and `+00:00`, and drops fraction digits after
// the third (towards the past: a movement at the millisecond is still at
// or after it); a date that does not exist or a two-digit year is refused.
async fn reader(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    cx.fund(&address_of(&key), "satoshi 7").await?;
    let account = cx.object(&format!("/account/{}", address_of(&key))).await?;
    let movement_key = check::member(&account, "LastMovementKey")?;
    let movement = cx.object(&format!("/ledger/{movement_key}")).await?;
    let at = time_member(&movement, "Timestamp")?;
    let plain = rfc3339::format(bitwrk_protocol::time::Timestamp::from_millis(at));
    let stem = plain.trim_end_matches('Z');
    let (seconds, fraction) = stem.split_once('.').unwrap_or((stem, ""));
    let long = format!("{seconds}.{fraction:0<3}999Z");
    for begin in [plain.clone(), format!("{stem}+00:00"), long] {
        match ledger_from(&cx, &begin).await? {
            Ok(keys) => check::that(
                &format!("begin={begin} lists the movement of that millisecond"),
                keys.contains(&movement_key),
                format!("{} keys, not {movement_key}", keys.len()),
            )?,
            Err(r) => return Err(fail(format!("begin={begin}: 200"), r.summary())),
        }
    }
    for bad in [
        "2026-02-30T00:00:00Z",
        "26-12-01T00:00:00Z",
        "2026-12-01T24:00:00Z",
    ] {
        match ledger_from(&cx, bad).await? {
            Ok(_) => return Err(fail(format!("begin={bad} refused"), "200")),
            Err(r) => check::refused(&format!("begin={bad}"), &r, 400, "http.bad-parameter")?,
        }
    }
    Ok(())
}

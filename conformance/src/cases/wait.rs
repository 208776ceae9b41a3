//! Waiting conditional GETs (§16.A), an optional extension: a server that
//! does not send `Preference-Applied` is reported as not offering it (the
//! cases skip); one that does must hold and answer as §16.A says. A
//! request without `Prefer` is answered at once by every server.

use std::time::{Duration, Instant};

use bitwrk_protocol::bid::BidType;

use crate::case::{Case, CaseResult, Stop, fail};
use crate::check;
use crate::client::Resp;
use crate::context::{Ctx, Cx, address_of};
use crate::trade::{FUNDING, PRICE};

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "http/wait/change-ends-wait",
            ["BW-HTTP-56", "BW-HTTP-57", "BW-HTTP-58"],
            change_ends_wait
        ),
        crate::case!(
            "http/wait/unchanged-304",
            ["BW-HTTP-56", "BW-HTTP-57", "BW-HTTP-58", "BW-HTTP-14"],
            unchanged_304
        ),
    ]
}

/// The wait these cases ask for: below the suite's request timeout.
const WAIT: u64 = 10;

/// Why a case skips against a server without the extension.
fn not_offered(r: &Resp) -> Stop {
    Stop::Skip(format!(
        "the server does not apply `Prefer: wait` (optional extension, §16.A; answered {} without Preference-Applied)",
        r.status
    ))
}

/// The wait `Preference-Applied` names, if it names one.
fn applied(r: &Resp) -> Option<u64> {
    let v = r.header("preference-applied")?;
    v.split(',').find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("wait")
            .then(|| value.trim().trim_matches('"').parse().ok())
            .flatten()
    })
}

/// A bid's JSON `GET` with extra headers, and how long the answer took.
async fn get_bid(cx: &Ctx, bid: &str, extra: &[(&str, &str)]) -> Result<(Resp, Duration), Stop> {
    let mut h = vec![("accept", "application/json")];
    h.extend_from_slice(extra);
    let started = Instant::now();
    let r = cx
        .client
        .send("GET", &format!("/bid/{bid}"), &h, b"")
        .await?;
    Ok((r, started.elapsed()))
}

fn etag(what: &str, r: &Resp) -> Result<String, Stop> {
    r.header("etag")
        .map(str::to_owned)
        .ok_or_else(|| fail(format!("{what}: an ETag (BW-HTTP-14)"), r.summary()))
}

// BW-HTTP-56, BW-HTTP-57, BW-HTTP-58: a GET of a resting bid that asks
// for a wait is answered when a matching bid arrives — 200 with the
// matched bid and a new tag, and `Preference-Applied` — well before the
// wait would have ended.
async fn change_ends_wait(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (seller, buyer) = (cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&buyer), FUNDING).await?;
    let sell = cx.place(&seller, BidType::Sell, &article, PRICE).await?;
    let (r, _) = get_bid(&cx, &sell, &[]).await?;
    check::status(&format!("GET /bid/{sell}"), &r, 200)?;
    let placed = etag("the resting bid", &r)?;
    let wait = format!("wait={WAIT}");
    let held = {
        let (cx, sell, placed) = (cx.clone(), sell.clone(), placed.clone());
        tokio::spawn(async move {
            get_bid(&cx, &sell, &[("if-none-match", &placed), ("prefer", &wait)]).await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    cx.place(&buyer, BidType::Buy, &article, PRICE).await?;
    let (r, took) = held
        .await
        .map_err(|e| fail("the held GET to finish", e.to_string()))??;
    let Some(n) = applied(&r) else {
        return Err(not_offered(&r));
    };
    if n < 5 {
        return Err(Stop::Skip(format!(
            "the server's longest wait ({n} s) is too short for this case"
        )));
    }
    let what = format!("GET /bid/{sell} held with Prefer: wait={WAIT}");
    check::that(
        &format!("{what}: Preference-Applied names a wait of at most {WAIT} s"),
        n <= WAIT,
        format!("{n}"),
    )?;
    check::status(&format!("{what}, answered after the match"), &r, 200)?;
    let body = r.json().map_err(|e| fail(format!("{what}: JSON"), e))?;
    check::that(
        &format!("{what}: the bid MATCHED (State 2)"),
        body["State"] == 2,
        body["State"].to_string(),
    )?;
    let tag = etag(&what, &r)?;
    check::that(&format!("{what}: a new ETag"), tag != placed, tag)?;
    check::that(
        &format!("{what}: answered at the change, not at the end of the {n} s wait"),
        took < Duration::from_secs(n) - Duration::from_secs(1),
        format!("after {took:?}"),
    )
}

// BW-HTTP-56: without `Prefer`, a conditional GET is answered at once (304,
// no Preference-Applied); BW-HTTP-57, BW-HTTP-58: with `Prefer: wait=1`
// and an unchanged bid, 304 with the tag after the wait; with a stale tag,
// 200 at once.
async fn unchanged_304(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let sell = cx
        .place(&seller, BidType::Sell, &cx.lone_sell_article(), PRICE)
        .await?;
    let (r, _) = get_bid(&cx, &sell, &[]).await?;
    let tag = etag("the resting bid", &r)?;
    let (r, _) = get_bid(&cx, &sell, &[("if-none-match", &tag)]).await?;
    let what = format!("GET /bid/{sell} with its tag, without Prefer");
    check::status(&what, &r, 304)?;
    check::that(
        &format!("{what}: no Preference-Applied"),
        r.header("preference-applied").is_none(),
        r.summary(),
    )?;
    let (r, took) = get_bid(&cx, &sell, &[("if-none-match", &tag), ("prefer", "wait=1")]).await?;
    let what = format!("GET /bid/{sell} with its tag and Prefer: wait=1");
    check::status(&what, &r, 304)?;
    let Some(n) = applied(&r) else {
        return Err(not_offered(&r));
    };
    check::that(
        &format!("{what}: Preference-Applied: wait=1"),
        n == 1,
        format!("{n}"),
    )?;
    check::that(
        &format!("{what}: held for the wait"),
        took >= Duration::from_millis(900),
        format!("answered after {took:?}"),
    )?;
    check::that(
        &format!("{what}: the tag"),
        r.header("etag") == Some(tag.as_str()),
        r.summary(),
    )?;
    let (r, took) = get_bid(
        &cx,
        &sell,
        &[("if-none-match", "\"stale\""), ("prefer", "wait=5")],
    )
    .await?;
    let what = format!("GET /bid/{sell} with a stale tag and Prefer: wait=5");
    check::status(&what, &r, 200)?;
    check::that(
        &format!("{what}: answered at once"),
        took < Duration::from_secs(4),
        format!("after {took:?}"),
    )
}

//! The test-clock extension itself (§18.3).

use crate::case::{Case, CaseResult, Needs, Stop};
use crate::check;
use crate::context::Cx;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!("conf/clock/read", ["BW-CONF-6"], read),
        crate::case!("conf/clock/bad-advance", ["BW-CONF-6"], bad_advance),
        crate::case!(
            "conf/clock/advance-moves",
            ["BW-CONF-6", "BW-CONF-7"],
            advance_moves,
            Needs::Clock
        ),
    ]
}

fn need_clock(cx: &Cx) -> CaseResult {
    if cx.has_clock {
        Ok(())
    } else {
        Err(Stop::Skip(
            "the server has no test clock (BW-CONF-5)".into(),
        ))
    }
}

fn now_of(v: &serde_json::Value) -> u64 {
    bitwrk_protocol::rfc3339::parse(v["Now"].as_str().unwrap_or("")).map_or(0, |t| t.as_millis())
}

// BW-CONF-6: GET answers Now and OffsetMillis.
async fn read(cx: Cx) -> CaseResult {
    need_clock(&cx)?;
    let r = cx.client.get_json("/_test/clock").await?;
    check::status("GET /_test/clock", &r, 200)?;
    check::eq(
        "members",
        vec!["Now", "OffsetMillis"],
        check::member_names(&r.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
}

// BW-CONF-6
async fn bad_advance(cx: Cx) -> CaseResult {
    need_clock(&cx)?;
    let r = cx.client.post_form("/_test/clock", "advance=-5").await?;
    check::refused("advance=-5", &r, 400, "http.bad-parameter")?;
    let r = cx.client.post_form("/_test/clock", "").await?;
    check::refused("no advance", &r, 400, "http.missing-field")
}

// BW-CONF-6, BW-CONF-7: an advance moves Now by at least that much.
async fn advance_moves(cx: Cx) -> CaseResult {
    need_clock(&cx)?;
    let before = now_of(&cx.object("/_test/clock").await?);
    cx.advance(3_600_000).await?;
    let after = now_of(&cx.object("/_test/clock").await?);
    check::that(
        "Now moved by at least one hour",
        after >= before + 3_600_000,
        format!("{before} → {after}"),
    )
}

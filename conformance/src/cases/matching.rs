//! Matching seen through bid and transaction views (§11).

use bitwrk_protocol::bid::BidType;
use serde_json::Value;

use crate::case::{Case, CaseResult, Stop, fail};
use crate::check;
use crate::context::{Ctx, Cx, address_of};
use crate::trade::balances;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "match/price-priority",
            [
                "BW-MATCH-1",
                "BW-MATCH-6",
                "BW-MATCH-4",
                "BW-LEDGER-17",
                "BW-LEDGER-13"
            ],
            price_priority
        ),
        crate::case!(
            "match/time-priority",
            ["BW-MATCH-2", "BW-MATCH-6"],
            time_priority
        ),
        crate::case!("match/self-trade-skipped", ["BW-MATCH-7"], self_trade),
        crate::case!("match/one-unit", ["BW-MATCH-8", "BW-MATCH-3"], one_unit),
        crate::case!("match/no-cross", ["BW-MATCH-3"], no_cross),
        crate::case!(
            "match/no-cross-incoming-sell",
            ["BW-MATCH-3", "BW-MATCH-8"],
            no_cross_incoming_sell
        ),
    ]
}

async fn tx_of(cx: &Ctx, bid: &str) -> Result<Value, Stop> {
    Ok(cx.object(&format!("/bid/{bid}")).await?["Transaction"].clone())
}

/// The transaction id text of a matched bid (string, or number as text).
async fn matched(cx: &Ctx, bid: &str) -> Result<String, Stop> {
    match tx_of(cx, bid).await? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(fail(format!("bid {bid} matched"), other.to_string())),
    }
}

// BW-MATCH-1, BW-MATCH-6, BW-MATCH-4, BW-LEDGER-17: the cheapest SELL
// matches; the trade's price is the resting bid's; the buyer's excess
// block (own price + fee − trade price − fee) is released at the match.
async fn price_priority(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (s1, s2, b) = (cx.fresh_key(), cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&b), "mBTC 10").await?;
    let dear = cx.place(&s1, BidType::Sell, &article, "mBTC 2").await?;
    let cheap = cx.place(&s2, BidType::Sell, &article, "mBTC 1").await?;
    let buy = cx.place(&b, BidType::Buy, &article, "mBTC 3").await?;
    let tx = matched(&cx, &buy).await?;
    check::eq(
        "the cheaper SELL is matched",
        Value::Null,
        tx_of(&cx, &dear).await?,
    )?;
    check::eq(
        "the cheap SELL's transaction",
        tx.clone(),
        matched(&cx, &cheap).await?,
    )?;
    let t = cx.object(&format!("/tx/{tx}")).await?;
    check::eq(
        "trade price = the resting bid's",
        Some("mBTC 1"),
        t["Price"].as_str(),
    )?;
    check::eq(
        "buyer blocks price + fee of the trade",
        (check::money("mBTC 8.97"), check::money("mBTC 1.03")),
        balances(&cx, &b).await?,
    )
}

// BW-MATCH-2: equal prices: the earlier bid first.
async fn time_priority(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (s1, s2, b) = (cx.fresh_key(), cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&b), "mBTC 10").await?;
    let first = cx.place(&s1, BidType::Sell, &article, "mBTC 1").await?;
    let second = cx.place(&s2, BidType::Sell, &article, "mBTC 1").await?;
    let buy = cx.place(&b, BidType::Buy, &article, "mBTC 1").await?;
    let tx = matched(&cx, &buy).await?;
    check::eq("the earlier SELL matched", tx, matched(&cx, &first).await?)?;
    check::eq(
        "the later SELL still open",
        Value::Null,
        tx_of(&cx, &second).await?,
    )
}

// BW-MATCH-7: a participant's BUY skips its own SELL.
async fn self_trade(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (p, other) = (cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&p), "mBTC 10").await?;
    let own = cx.place(&p, BidType::Sell, &article, "mBTC 1").await?;
    let theirs = cx.place(&other, BidType::Sell, &article, "mBTC 2").await?;
    let buy = cx.place(&p, BidType::Buy, &article, "mBTC 2").await?;
    let tx = matched(&cx, &buy).await?;
    check::eq(
        "own SELL skipped and untouched",
        Value::Null,
        tx_of(&cx, &own).await?,
    )?;
    check::eq(
        "the other participant's SELL matched",
        tx,
        matched(&cx, &theirs).await?,
    )
}

// BW-MATCH-8, BW-MATCH-3: an incoming bid matches one resting bid only.
async fn one_unit(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (b1, b2, s) = (cx.fresh_key(), cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&b1), "mBTC 10").await?;
    cx.fund(&address_of(&b2), "mBTC 10").await?;
    let x = cx.place(&b1, BidType::Buy, &article, "mBTC 1").await?;
    let y = cx.place(&b2, BidType::Buy, &article, "mBTC 1").await?;
    let sell = cx.place(&s, BidType::Sell, &article, "mBTC 1").await?;
    let tx = matched(&cx, &sell).await?;
    check::eq("the first BUY matched", tx, matched(&cx, &x).await?)?;
    check::eq(
        "the second BUY still open",
        Value::Null,
        tx_of(&cx, &y).await?,
    )
}

// BW-MATCH-3: a BUY below the SELL does not cross.
async fn no_cross(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (b, s) = (cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&b), "mBTC 10").await?;
    let sell = cx.place(&s, BidType::Sell, &article, "mBTC 2").await?;
    let buy = cx.place(&b, BidType::Buy, &article, "mBTC 1.99").await?;
    check::eq("SELL open", Value::Null, tx_of(&cx, &sell).await?)?;
    check::eq("BUY open", Value::Null, tx_of(&cx, &buy).await?)
}

// BW-MATCH-3, BW-MATCH-8: the price condition is checked for an incoming
// SELL too: a resting BUY below its price is not taken, both rest, and the
// BUY's escrow stays whole.
async fn no_cross_incoming_sell(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (b, s) = (cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&b), "mBTC 10").await?;
    let buy = cx.place(&b, BidType::Buy, &article, "mBTC 1.99").await?;
    let sell = cx.place(&s, BidType::Sell, &article, "mBTC 2").await?;
    check::eq("BUY open", Value::Null, tx_of(&cx, &buy).await?)?;
    check::eq("SELL open", Value::Null, tx_of(&cx, &sell).await?)?;
    check::eq(
        "the BUY's price + fee still blocked",
        (check::money("mBTC 7.9503"), check::money("mBTC 2.0497")),
        balances(&cx, &b).await?,
    )
}

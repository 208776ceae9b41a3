//! Nonces over HTTP (§9, 16.6.1).

use std::collections::BTreeSet;

use bitwrk_protocol::bid::{BidForm, BidType};

use crate::case::{Case, CaseResult, Needs};
use crate::check;
use crate::context::Cx;
use crate::trade::PRICE;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "nonce/issue-format",
            ["BW-NONCE-1", "BW-HTTP-21", "BW-HTTP-10"],
            issue_format
        ),
        crate::case!("nonce/post-issues", ["BW-HTTP-21"], post_issues),
        crate::case!("nonce/head-405", ["BW-HTTP-3", "BW-HTTP-21"], head_405),
        crate::case!("nonce/distinct", ["BW-NONCE-1"], distinct),
        crate::case!("nonce/single-use", ["BW-NONCE-4", "BW-HTTP-17"], single_use),
        crate::case!(
            "nonce/not-burned-by-bad-signature",
            ["BW-NONCE-4", "BW-BID-10", "BW-MARKET-2"],
            not_burned_by_bad_signature
        ),
        crate::case!(
            "nonce/not-burned-by-refused-bid",
            ["BW-NONCE-4", "BW-MARKET-2"],
            not_burned_by_refused_bid
        ),
        crate::case!("nonce/unknown", ["BW-NONCE-2", "BW-NONCE-3"], unknown),
        crate::case!(
            "nonce/expired",
            ["BW-NONCE-3", "BW-NONCE-5", "BW-NONCE-7"],
            expired,
            Needs::Clock
        ),
        crate::case!(
            "nonce/alive-before-lifetime",
            ["BW-NONCE-3"],
            alive_before_lifetime,
            Needs::Clock
        ),
    ]
}

// BW-NONCE-1, BW-HTTP-21, BW-HTTP-10: 32 lower-case hex, text/plain, no caching.
async fn issue_format(cx: Cx) -> CaseResult {
    let r = cx.client.send("GET", "/nonce", &[], b"").await?;
    check::status("GET /nonce", &r, 200)?;
    let body = r.text();
    check::that(
        "a nonce of 32 lower-case hex characters without a line feed",
        body.len() == 32
            && body
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        format!("{body:?}"),
    )?;
    check::header("GET /nonce", &r, "content-type", "text/plain")?;
    check::header(
        "GET /nonce",
        &r,
        "cache-control",
        "no-cache, no-store, must-revalidate",
    )?;
    check::header("GET /nonce", &r, "pragma", "no-cache")?;
    check::header("GET /nonce", &r, "expires", "0")?;
    check::header("GET /nonce", &r, "x-content-type-options", "nosniff")
}

// BW-HTTP-21: POST issues a nonce too.
async fn post_issues(cx: Cx) -> CaseResult {
    let r = cx.client.send("POST", "/nonce", &[], b"").await?;
    check::status("POST /nonce", &r, 200)?;
    check::eq("POST /nonce body length", 32, r.body.len())
}

// BW-HTTP-3, BW-HTTP-21: HEAD would issue a nonce nobody receives: 405.
async fn head_405(cx: Cx) -> CaseResult {
    for method in ["HEAD", "PUT", "OPTIONS"] {
        let r = cx.client.send(method, "/nonce", &[], b"").await?;
        check::status(&format!("{method} /nonce"), &r, 405)?;
        check::header(&format!("{method} /nonce"), &r, "allow", "GET, POST")?;
    }
    Ok(())
}

// BW-NONCE-1: nonces are unpredictable, so never repeat.
async fn distinct(cx: Cx) -> CaseResult {
    let mut seen = BTreeSet::new();
    for _ in 0..20 {
        let n = cx.nonce().await?;
        check::that(
            "20 distinct nonces",
            seen.insert(n.clone()),
            format!("{n} twice"),
        )?;
    }
    Ok(())
}

// BW-NONCE-4, BW-HTTP-17: a nonce spends once; the second use is 409 nonce.used.
async fn single_use(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&seller, BidType::Sell, &article, PRICE).await?;
    let first = cx.post_bid(&form).await?;
    check::status("first use of a nonce", &first, 303)?;
    let again = cx.post_bid(&form).await?;
    check::refused("the same bid again", &again, 409, "nonce.used")
}

// BW-NONCE-4, BW-BID-10: the signature is checked before the nonce is spent,
// so a forged bid cannot burn someone else's nonce (BitWrk 0.7's bug).
async fn not_burned_by_bad_signature(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let thief = cx.fresh_key();
    let article = cx.lone_sell_article();
    let good = cx.bid_form(&seller, BidType::Sell, &article, PRICE).await?;
    let forged = BidForm {
        signature: BidForm::signed(&thief, BidType::Sell, &article, PRICE, &good.nonce).signature,
        ..good.clone()
    };
    let r = cx.post_bid(&forged).await?;
    check::refused(
        "a bid signed by another key",
        &r,
        403,
        "sig.address-mismatch",
    )?;
    let r = cx.post_bid(&good).await?;
    check::status("the genuine bid with the same nonce", &r, 303)
}

// BW-NONCE-4, BW-MARKET-2: a refused bid consumes nothing.
async fn not_burned_by_refused_bid(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = cx.lone_sell_article();
    let nonce = cx.nonce().await?;
    let refused = BidForm::signed(&seller, BidType::Sell, "not-traded-article", PRICE, &nonce);
    let r = cx.post_bid(&refused).await?;
    check::refused(
        "a bid on an article not traded",
        &r,
        422,
        "article.not-traded",
    )?;
    let good = BidForm::signed(&seller, BidType::Sell, &article, PRICE, &nonce);
    let r = cx.post_bid(&good).await?;
    check::status("a good bid with the nonce of the refused one", &r, 303)
}

// BW-NONCE-2, BW-NONCE-3: a well-formed nonce the server never issued.
async fn unknown(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = BidForm::signed(
        &seller,
        BidType::Sell,
        &article,
        PRICE,
        "00000000000000000000000000000000",
    );
    let r = cx.post_bid(&form).await?;
    check::refused("a bid with a nonce never issued", &r, 409, "nonce.unknown")
}

// BW-NONCE-3, BW-NONCE-5, BW-NONCE-7: after 180 s the nonce is refused
// (expired, or unknown once forgotten).
async fn expired(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&seller, BidType::Sell, &article, PRICE).await?;
    cx.advance(crate::profile::NONCE_LIFETIME_MS + 1).await?;
    let r = cx.post_bid(&form).await?;
    let code = r.header("x-bitwrk-error").unwrap_or("").to_owned();
    let code = if code == "nonce.unknown" {
        "nonce.unknown"
    } else {
        "nonce.expired"
    };
    check::refused("a bid with a nonce older than 180 s", &r, 409, code)
}

// BW-NONCE-3: a nonce is still good shortly before its lifetime ends.
async fn alive_before_lifetime(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&seller, BidType::Sell, &article, PRICE).await?;
    cx.advance(crate::profile::NONCE_LIFETIME_MS - 20_000)
        .await?;
    let r = cx.post_bid(&form).await?;
    check::status("a bid with a nonce 160 s old", &r, 303)
}

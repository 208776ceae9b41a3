//! Bid admission (§10, 16.6.2): each rejection with its status and code
//! (§16.4.1), inputs from `spec/vectors/bid_document.json` where they exist.

use bitwrk_protocol::bid::{BidForm, BidType};
use serde_json::Value;

use crate::case::{Case, CaseResult, Needs, fail};
use crate::check;
use crate::client::form;
use crate::context::{Cx, address_of, bid_body};
use crate::trade::{PRICE, balances};

/// The bid document vectors (BW-BID-10 order, codes).
const BID_VECTORS: &str = include_str!("../../../spec/vectors/bid_document.json");

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "bid/admission/vectors",
            [
                "BW-BID-10",
                "BW-BID-2",
                "BW-BID-3",
                "BW-BID-4",
                "BW-BID-5",
                "BW-BID-6",
                "BW-ART-1",
                "BW-ART-3",
                "BW-NONCE-2",
                "BW-HTTP-17",
                "BW-ADDR-2",
                "BW-ADDR-3",
                "BW-ENC-3",
                "BW-ENC-4",
                "BW-MONEY-1",
                "BW-MONEY-2",
                "BW-MONEY-3",
                "BW-MONEY-4",
                "BW-MONEY-5"
            ],
            vectors
        ),
        crate::case!(
            "bid/admission/bad-signature",
            ["BW-BID-10", "BW-HTTP-17", "BW-HTTP-15"],
            bad_signature
        ),
        crate::case!(
            "bid/admission/wrong-address",
            ["BW-BID-10", "BW-BID-1"],
            wrong_address
        ),
        crate::case!(
            "bid/admission/not-traded",
            ["BW-BID-2", "BW-ART-3"],
            not_traded
        ),
        crate::case!("bid/admission/bad-type", ["BW-BID-4"], bad_type),
        crate::case!("bid/admission/negative-price", ["BW-BID-6"], negative_price),
        crate::case!(
            "bid/admission/missing-field",
            ["BW-HTTP-9", "BW-BID-5"],
            missing_field
        ),
        crate::case!(
            "bid/admission/insufficient-funds",
            ["BW-BID-13", "BW-LEDGER-3"],
            insufficient_funds
        ),
        crate::case!(
            "bid/admission/untrusted-seller",
            ["BW-BID-11", "BW-ART-2"],
            untrusted_seller
        ),
        crate::case!(
            "bid/admission/trusted-article-buyer",
            ["BW-BID-11"],
            trusted_buyer
        ),
        crate::case!(
            "bid/accepted/303",
            ["BW-HTTP-22", "BW-HTTP-4"],
            accepted_303
        ),
        crate::case!(
            "bid/json/shape",
            [
                "BW-BID-12",
                "BW-HTTP-11",
                "BW-HTTP-23",
                "BW-BID-8",
                "BW-BID-9",
                "BW-MONEY-6",
                "BW-MONEY-7",
                "BW-MONEY-8",
                "BW-DOC-1",
                "BW-DOC-2",
                "BW-DOC-3",
                "BW-JSON-1",
                "BW-JSON-3",
                "BW-JSON-4"
            ],
            json_shape
        ),
        crate::case!(
            "bid/fee-and-blocking",
            ["BW-BID-7", "BW-BID-13", "BW-LEDGER-9"],
            fee_and_blocking
        ),
        crate::case!(
            "bid/expiry/sell",
            ["BW-BID-9", "BW-MATCH-9", "BW-MATCH-5"],
            expiry_sell,
            Needs::Clock
        ),
        crate::case!(
            "bid/expiry/buy-refunds",
            ["BW-BID-9", "BW-LEDGER-9", "BW-LEDGER-14"],
            expiry_buy_refunds,
            Needs::Clock
        ),
    ]
}

// BW-BID-10, BW-HTTP-17: every vector whose outcome does not depend on the
// vector's own nonce state, signature or trust is replayed with a fresh
// nonce; the first failing check decides the code, the table the status.
async fn vectors(cx: Cx) -> CaseResult {
    let doc: Value =
        serde_json::from_str(BID_VECTORS).map_err(|e| fail("bid vectors", e.to_string()))?;
    let mut mismatches = Vec::new();
    let mut replayed = 0;
    for group in doc["testGroups"].as_array().into_iter().flatten() {
        for t in group["tests"].as_array().into_iter().flatten() {
            let s = |k: &str| t[k].as_str().unwrap_or("").to_owned();
            let error = s("error");
            let ratio_ok = t["feeNumerator"] == 3 && t["feeDenominator"] == 100;
            let state = s("nonceState");
            if s("result") != "invalid" || !ratio_ok || error == "bid.untrusted-seller" {
                continue;
            }
            let nonce = match state.as_str() {
                "live" => cx.nonce().await?,
                "unknown" => s("nonce"),
                _ => continue,
            };
            let form = BidForm {
                bid_type: s("type"),
                article: s("article"),
                price: s("price"),
                address: s("address"),
                nonce,
                signature: s("signature"),
            };
            let r = cx.post_bid(&form).await?;
            replayed += 1;
            let got = r.header("x-bitwrk-error").unwrap_or("").to_owned();
            // A signature over another nonce fails as some sig.* code.
            let code_ok = if error.starts_with("sig.")
                && !matches!(error.as_str(), "sig.bad-length" | "sig.bad-base64")
            {
                got.starts_with("sig.")
            } else {
                got == error
            };
            if !code_ok || r.status != check::status_of(&error) {
                mismatches.push(format!(
                    "tcId {}: expected {} {error}, got {} {got}",
                    t["tcId"],
                    check::status_of(&error),
                    r.status
                ));
            }
        }
    }
    check::that(
        "at least 40 vectors replayed",
        replayed >= 40,
        format!("{replayed}"),
    )?;
    check::that(
        "every replayed vector refused with its status and code",
        mismatches.is_empty(),
        mismatches.join("; "),
    )
}

// BW-BID-10: a signature that does not verify is 403 sig.*.
async fn bad_signature(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = cx.lone_sell_article();
    let mut form = cx.bid_form(&seller, BidType::Sell, &article, PRICE).await?;
    form.signature = "AAAA".into();
    let r = cx.post_bid(&form).await?;
    check::refused(
        "a bid with a truncated signature",
        &r,
        403,
        "sig.bad-length",
    )
}

// BW-BID-10, BW-BID-1: a signature by another key, for the claimed address.
async fn wrong_address(cx: Cx) -> CaseResult {
    let victim = cx.fresh_key();
    let forger = cx.fresh_key();
    let article = cx.lone_sell_article();
    let nonce = cx.nonce().await?;
    let mut form = BidForm::signed(&forger, BidType::Sell, &article, PRICE, &nonce);
    form.address = address_of(&victim);
    let r = cx.post_bid(&form).await?;
    check::refused(
        "a bid signed by a key of another address",
        &r,
        403,
        "sig.address-mismatch",
    )
}

async fn refused_bid(cx: &Cx, side: BidType, article: &str, price: &str, code: &str) -> CaseResult {
    let key = cx.fresh_key();
    let form = cx.bid_form(&key, side, article, price).await?;
    let r = cx.post_bid(&form).await?;
    check::refused(
        &format!("{side:?} {price:?} on {article:?}"),
        &r,
        check::status_of(code),
        code,
    )
}

// BW-BID-2, BW-ART-3
async fn not_traded(cx: Cx) -> CaseResult {
    refused_bid(
        &cx,
        BidType::Sell,
        "net.bitwrk/blender/0/2.99/2G",
        PRICE,
        "article.not-traded",
    )
    .await
}

// BW-BID-4: the type is signed as sent, and `buy` is not a type.
async fn bad_type(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let mut form = cx.bid_form(&key, BidType::Buy, &article, PRICE).await?;
    form.bid_type = "buy".into();
    let r = cx.post_bid(&form).await?;
    check::refused("a bid of type buy", &r, 400, "bid.unknown-type")
}

// BW-BID-6
async fn negative_price(cx: Cx) -> CaseResult {
    let article = cx.lone_sell_article();
    refused_bid(
        &cx,
        BidType::Sell,
        &article,
        "mBTC -1",
        "bid.negative-price",
    )
    .await
}

// BW-HTTP-9, BW-BID-5: an absent price reads as "" and fails the money syntax.
async fn missing_field(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let b = cx.bid_form(&key, BidType::Sell, &article, PRICE).await?;
    let body = form(&[
        ("type", b.bid_type.as_str()),
        ("article", &b.article),
        ("address", &b.address),
        ("nonce", &b.nonce),
        ("signature", &b.signature),
    ]);
    let r = cx.client.post_form("/bid", &body).await?;
    check::refused("a bid without price", &r, 400, "money.bad-syntax")
}

// BW-BID-13, BW-LEDGER-3: a BUY blocks price + fee; without funds it is refused.
async fn insufficient_funds(cx: Cx) -> CaseResult {
    let article = cx.lone_sell_article();
    refused_bid(
        &cx,
        BidType::Buy,
        &article,
        PRICE,
        "ledger.insufficient-funds",
    )
    .await
}

// BW-BID-11, BW-ART-2: a SELL on a ~trusted article needs a trusts relation.
async fn untrusted_seller(cx: Cx) -> CaseResult {
    let article = format!("{}~trusted", cx.lone_sell_article());
    refused_bid(&cx, BidType::Sell, &article, PRICE, "bid.untrusted-seller").await
}

// BW-BID-11: a BUY on a ~trusted article needs no trust.
async fn trusted_buyer(cx: Cx) -> CaseResult {
    let buyer = cx.fresh_key();
    cx.fund(&address_of(&buyer), "mBTC 5").await?;
    let article = format!("{}~trusted", cx.fresh_article());
    cx.place(&buyer, BidType::Buy, &article, PRICE)
        .await
        .map(|_| ())
}

// BW-HTTP-22, BW-HTTP-4: 303, Location /bid/<id>, X-Bid-Key <id>, empty body.
async fn accepted_303(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&key, BidType::Sell, &article, PRICE).await?;
    let r = cx.client.post_form("/bid", &bid_body(&form)).await?;
    check::status("an admitted bid", &r, 303)?;
    let id = r.header("x-bid-key").unwrap_or("").to_owned();
    check::that("a non-empty X-Bid-Key", !id.is_empty(), r.summary())?;
    check::header("an admitted bid", &r, "location", &format!("/bid/{id}"))?;
    check::eq("body of the 303", 0, r.body.len())?;
    cx.object(&format!("/bid/{id}")).await.map(|_| ())
}

// BW-BID-12, BW-HTTP-11, BW-HTTP-23, BW-BID-8, BW-BID-9: members in order,
// enumerations as numbers, Document with \u0026, Expires = Created + 120 s.
async fn json_shape(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let id = cx.place(&key, BidType::Sell, &article, "mBTC 1.50").await?;
    let r = cx.client.get_json(&format!("/bid/{id}")).await?;
    check::status("GET /bid/<id>", &r, 200)?;
    check::header("GET /bid/<id>", &r, "content-type", "application/json")?;
    check::eq(
        "bid members in order",
        vec![
            "Type",
            "State",
            "Article",
            "Price",
            "Fee",
            "Participant",
            "Document",
            "Signature",
            "Created",
            "Expires",
            "Matched",
            "Transaction",
        ],
        check::member_names(&r.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    check::that(
        "the body ends with one line feed",
        r.body.ends_with(b"}\n"),
        r.text(),
    )?;
    let raw = r.text();
    check::that(
        "the Document escapes & as \\u0026",
        raw.contains("\\u0026type=SELL\\u0026") && !raw.contains('&'),
        raw.clone(),
    )?;
    // BW-DOC-1, BW-DOC-2: the document escapes `/` and drops the price's space.
    check::that(
        "Document with the article escaped",
        raw.contains("article=net.bitwrk%2F") || !article.contains('/'),
        raw.clone(),
    )?;
    check::that(
        "Document price=mBTC1.50 (signed as submitted, space removed)",
        raw.contains("price=mBTC1.50\\u0026"),
        raw.clone(),
    )?;
    let v = r.json().map_err(|e| fail("JSON", e))?;
    check::eq("Type", Some(1), v["Type"].as_i64())?;
    check::that(
        "State 0 or 1 (INQUEUE/PLACED)",
        matches!(v["State"].as_i64(), Some(0 | 1)),
        v["State"].to_string(),
    )?;
    check::eq("Price (canonical)", Some("mBTC 1.5"), v["Price"].as_str())?;
    check::eq("Fee", Some("uBTC 45"), v["Fee"].as_str())?;
    check::eq(
        "Participant",
        Some(address_of(&key).as_str()),
        v["Participant"].as_str(),
    )?;
    check::eq("Matched", Value::Null, v["Matched"].clone())?;
    check::eq("Transaction", Value::Null, v["Transaction"].clone())?;
    let t = |k: &str| {
        bitwrk_protocol::rfc3339::parse(v[k].as_str().unwrap_or("")).map(|t| t.as_millis())
    };
    match (t("Created"), t("Expires")) {
        (Some(c), Some(e)) => check::eq("Expires − Created (ms)", 120_000, e.saturating_sub(c)),
        _ => Err(fail("Created and Expires as RFC 3339 times", raw)),
    }
}

// BW-BID-7, BW-BID-13, BW-LEDGER-9: fee ⌈price·3/100⌉; a BUY blocks price + fee.
async fn fee_and_blocking(cx: Cx) -> CaseResult {
    let buyer = cx.fresh_key();
    let article = cx.fresh_article();
    cx.fund(&address_of(&buyer), "mBTC 10").await?;
    let id = cx
        .place(&buyer, BidType::Buy, &article, "satoshi 101")
        .await?;
    let bid = cx.object(&format!("/bid/{id}")).await?;
    check::eq(
        "Fee of 101 satoshi at 3/100, rounded up",
        Some(check::money("satoshi 4")),
        bid["Fee"].as_str().map(str::to_owned),
    )?;
    let (available, blocked) = balances(&cx, &buyer).await?;
    check::eq(
        "Blocked = price + fee",
        check::money("satoshi 105"),
        blocked,
    )?;
    check::eq("Available", check::money("satoshi 999895"), available)
}

// BW-BID-9, BW-MATCH-9, BW-MATCH-5: an open bid expires after its lifetime
// and no longer matches.
async fn expiry_sell(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let buyer = cx.fresh_key();
    let article = cx.fresh_article();
    cx.fund(&address_of(&buyer), "mBTC 5").await?;
    let id = cx.place(&seller, BidType::Sell, &article, PRICE).await?;
    cx.advance(crate::profile::BID_LIFETIME_MS + 1).await?;
    let bid = cx.object(&format!("/bid/{id}")).await?;
    check::eq(
        "State after the lifetime (EXPIRED)",
        Some(3),
        bid["State"].as_i64(),
    )?;
    let buy = cx.place(&buyer, BidType::Buy, &article, PRICE).await?;
    let b = cx.object(&format!("/bid/{buy}")).await?;
    check::eq(
        "a BUY after the SELL expired stays unmatched",
        Value::Null,
        b["Transaction"].clone(),
    )
}

// BW-BID-9, BW-LEDGER-9, BW-LEDGER-14: an expired BUY gives its block back.
async fn expiry_buy_refunds(cx: Cx) -> CaseResult {
    let buyer = cx.fresh_key();
    let article = cx.fresh_article();
    cx.fund(&address_of(&buyer), "mBTC 5").await?;
    cx.place(&buyer, BidType::Buy, &article, PRICE).await?;
    check::eq(
        "Blocked while open",
        (check::money("mBTC 3.97"), check::money("mBTC 1.03")),
        balances(&cx, &buyer).await?,
    )?;
    cx.advance(crate::profile::BID_LIFETIME_MS + 1).await?;
    check::eq(
        "balances after expiry",
        (check::money("mBTC 5"), "BTC 0".to_owned()),
        balances(&cx, &buyer).await?,
    )
}

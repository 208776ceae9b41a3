//! Identifiers as a client sees them (§17): the one text form in JSON and
//! paths, and the numbering of bids, transactions and movements.

use base64::Engine as _;
use bitwrk_protocol::bid::BidType;
use serde_json::Value;

use crate::case::{Case, CaseResult, Needs, Stop, fail};
use crate::check;
use crate::context::{Ctx, Cx, address_of};
use crate::trade::Trade;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!("id/text-form", ["BW-ID-4", "BW-HTTP-4"], text_form),
        crate::case!(
            "id/consecutive",
            ["BW-ID-1", "BW-ID-2", "BW-ID-3", "BW-LEDGER-12"],
            consecutive,
            Needs::Alone
        ),
    ]
}

/// A JSON member that must be an identifier string in canonical form.
fn id_member(v: &Value, name: &str) -> Result<String, Stop> {
    match &v[name] {
        Value::String(s) if canonical(s) => Ok(s.clone()),
        other => Err(fail(
            format!("{name}: a JSON string holding a canonical decimal id (BW-ID-4)"),
            other.to_string(),
        )),
    }
}

fn canonical(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
        && s.parse::<u64>().is_ok()
}

fn number(id: &str) -> Result<u64, Stop> {
    id.parse()
        .map_err(|_| fail("a decimal identifier", id.to_owned()))
}

// BW-ID-4, BW-HTTP-4: identifiers are JSON strings in canonical decimal
// form; in a path only that text names the object, every other spelling
// of an existing id is an unknown object (404).
async fn text_form(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    check::that(
        "X-Bid-Key canonical",
        canonical(&t.buy_bid),
        t.buy_bid.clone(),
    )?;
    let bid = cx.object(&format!("/bid/{}", t.buy_bid)).await?;
    check::eq(
        "Transaction of the BUY",
        t.tx.clone(),
        id_member(&bid, "Transaction")?,
    )?;
    let tx = t.get(&cx).await?;
    check::eq("BuyerBid", t.buy_bid.clone(), id_member(&tx, "BuyerBid")?)?;
    check::eq(
        "SellerBid",
        t.sell_bid.clone(),
        id_member(&tx, "SellerBid")?,
    )?;
    let account = cx
        .object(&format!("/account/{}", address_of(&t.buyer)))
        .await?;
    let key = id_member(&account, "LastMovementKey")?;
    let movement = cx.object(&format!("/ledger/{key}")).await?;
    check::eq(
        "Key of the movement",
        key.clone(),
        id_member(&movement, "Key")?,
    )?;
    check::eq(
        "TxKey of a BID movement",
        Value::Null,
        movement["TxKey"].clone(),
    )?;
    let over = "18446744073709551616";
    for (kind, id) in [("bid", &t.buy_bid), ("tx", &t.tx), ("ledger", &key)] {
        let path = format!("/{kind}/{id}");
        let r = cx.client.get_json(&path).await?;
        check::status(&format!("GET {path}"), &r, 200)?;
        for other in [
            format!("0{id}"),
            format!("+{id}"),
            format!("{id}%20"),
            format!("%20{id}"),
            format!("{id}.0"),
            over.to_owned(),
        ] {
            let path = format!("/{kind}/{other}");
            let r = cx.client.get_json(&path).await?;
            check::refused(&format!("GET {path}"), &r, 404, "http.not-found")?;
        }
    }
    Ok(())
}

/// The movement with id `key`: (type, bid, tx).
async fn movement(cx: &Ctx, key: u64) -> Result<(String, Value, Value), Stop> {
    let m = cx.object(&format!("/ledger/{key}")).await?;
    Ok((
        m["Type"].as_str().unwrap_or("").to_owned(),
        m["BidKey"].clone(),
        m["TxKey"].clone(),
    ))
}

// BW-ID-1, BW-ID-2, BW-ID-3, BW-LEDGER-12: run alone, each admitted bid
// takes the next bid id, each match the next transaction id, each movement
// the next movement id in the order its input books them; refused bids
// consume none of the three.
async fn consecutive(cx: Cx) -> CaseResult {
    let article = cx.fresh_article();
    let (b, s1, s2) = (cx.fresh_key(), cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&b), "mBTC 10").await?;
    let account = cx.object(&format!("/account/{}", address_of(&b))).await?;
    let deposit = number(&id_member(&account, "LastMovementKey")?)?;
    let first = number(&cx.place(&s1, BidType::Sell, &article, "mBTC 1").await?)?;
    // A refused bid: its signature's header byte is out of range.
    let mut refused = cx.bid_form(&b, BidType::Buy, &article, "mBTC 2").await?;
    let mut sig = base64::engine::general_purpose::STANDARD
        .decode(&refused.signature)
        .map_err(|e| fail("base64", e.to_string()))?;
    sig[0] = 0;
    refused.signature = base64::engine::general_purpose::STANDARD.encode(&sig);
    let r = cx.post_bid(&refused).await?;
    check::refused("a bid with header byte 0", &r, 403, "sig.bad-header")?;
    // Crosses the SELL at a better price: BID, then TRANSACTION (the excess).
    let second = number(&cx.place(&b, BidType::Buy, &article, "mBTC 2").await?)?;
    check::eq(
        "the bid id after the first (refusal in between)",
        first + 1,
        second,
    )?;
    let tx1 = number(&id_member(
        &cx.object(&format!("/bid/{second}")).await?,
        "Transaction",
    )?)?;
    // Refused by its price: consumes no bid, transaction or movement id.
    let r = cx
        .post_bid(&cx.bid_form(&b, BidType::Buy, &article, "mBTC -1").await?)
        .await?;
    check::that("a negative price refused", r.status >= 400, r.summary())?;
    let third = number(&cx.place(&s2, BidType::Sell, &article, "mBTC 1").await?)?;
    let fourth = number(&cx.place(&b, BidType::Buy, &article, "mBTC 1").await?)?;
    check::eq(
        "consecutive bid ids",
        (second + 1, second + 2),
        (third, fourth),
    )?;
    let tx2 = number(&id_member(
        &cx.object(&format!("/bid/{fourth}")).await?,
        "Transaction",
    )?)?;
    check::eq("the next transaction id", tx1 + 1, tx2)?;
    let expected = [
        ("BID", Value::String(second.to_string()), Value::Null),
        ("TRANSACTION", Value::Null, Value::String(tx1.to_string())),
        ("BID", Value::String(fourth.to_string()), Value::Null),
    ];
    for (i, (kind, bid, tx)) in expected.into_iter().enumerate() {
        let key = deposit + 1 + i as u64;
        let (k, bk, tk) = movement(&cx, key).await?;
        check::eq(
            &format!("movement {key}: (Type, BidKey, TxKey)"),
            (kind.to_owned(), bid, tx),
            (k, bk, tk),
        )?;
    }
    let r = cx
        .client
        .get_json(&format!("/ledger/{}", deposit + 4))
        .await?;
    check::refused("no fourth movement", &r, 404, "http.not-found")
}

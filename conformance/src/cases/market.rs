//! The market's order of work and its retired state (§15), seen through
//! movement ids and transaction verdicts; needs the test clock.

use bitwrk_protocol::bid::BidType;

use crate::case::{Case, CaseResult, Needs, Stop, fail};
use crate::cases::tx::{millis, past_timeout};
use crate::check;
use crate::context::{Ctx, Cx, address_of};
use crate::trade::{Trade, balances};

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "market/timeout-order",
            ["BW-MARKET-9", "BW-ID-3", "BW-CONF-7"],
            timeout_order,
            Needs::Clock
        ),
        crate::case!(
            "market/retired-stays-inactive",
            ["BW-MARKET-11", "BW-TX-2"],
            retired_stays_inactive,
            Needs::Clock
        ),
        crate::case!(
            "market/currency-owed",
            ["BW-MARKET-7", "BW-MARKET-8"],
            currency_owed
        ),
    ]
}

/// The id of the last movement of `account` (from the account's JSON).
async fn last_movement(cx: &Ctx, account: &str) -> Result<u64, Stop> {
    let a = cx.object(&format!("/account/{account}")).await?;
    let key = check::member(&a, "LastMovementKey")?;
    key.parse()
        .map_err(|_| fail("a decimal movement id", key.clone()))
}

// BW-MARKET-9, BW-ID-3: one timeout step books the expired bids first,
// then the transactions in ascending transaction id — not in the order of
// their timeouts.
async fn timeout_order(cx: Cx) -> CaseResult {
    // Transaction a (lower id) times out last: driven to TRANSMITTING.
    let a = Trade::open(&cx).await?;
    let b = Trade::open(&cx).await?;
    a.drive_to(&cx, "TRANSMITTING").await?;
    let (ta, tb) = (
        millis(&a.get(&cx).await?, "Timeout")?,
        millis(&b.get(&cx).await?, "Timeout")?,
    );
    check::that("b's timeout before a's", tb < ta, format!("{tb} < {ta}"))?;
    // A resting BUY, placed last, expires (120 s) between the two.
    let buyer = cx.fresh_key();
    cx.fund(&address_of(&buyer), "mBTC 10").await?;
    let bid = cx
        .place(&buyer, BidType::Buy, &cx.fresh_article(), "mBTC 1")
        .await?;
    past_timeout(&cx, &a).await?;
    check::eq(
        "the BUY expired",
        Some(3),
        cx.object(&format!("/bid/{bid}")).await?["State"].as_i64(),
    )?;
    // Each account's last movement is its refund (their balances show it).
    let m_bid = last_movement(&cx, &address_of(&buyer)).await?;
    let m_a = last_movement(&cx, &address_of(&a.buyer)).await?;
    let m_b = last_movement(&cx, &address_of(&b.buyer)).await?;
    for (what, key) in [
        ("the BUY's buyer", &buyer),
        ("a's buyer", &a.buyer),
        ("b's buyer", &b.buyer),
    ] {
        check::eq(
            &format!("{what} refunded"),
            (check::money("mBTC 10"), "BTC 0".to_owned()),
            balances(&cx, key).await?,
        )?;
    }
    // BW-CONF-7: once the clock's POST has answered, the timeouts' effects
    // are readable everywhere, the movements themselves included.
    for m in [m_bid, m_a, m_b] {
        cx.object(&format!("/ledger/{m}")).await?;
    }
    check::that(
        "movement ids: the expired bid, then transaction a, then b (tx id order)",
        m_bid < m_a && m_a < m_b,
        format!("bid {m_bid}, a {m_a}, b {m_b}"),
    )
}

// BW-MARKET-11, BW-TX-2: a retired transaction keeps its verdict and view
// however long ago it retired (a server may have evicted it from memory).
async fn retired_stays_inactive(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    past_timeout(&cx, &t).await?;
    let retired = cx.client.get_json(&format!("/tx/{}", t.tx)).await?;
    check::status("the retired transaction", &retired, 200)?;
    cx.advance(3_600_000).await?;
    let r = t.send(&cx, &t.buyer, &[("acceptresult", "on")]).await?;
    check::refused("a message an hour after retirement", &r, 409, "tx.inactive")?;
    let later = cx.client.get_json(&format!("/tx/{}", t.tx)).await?;
    check::eq("the view an hour later", retired.text(), later.text())?;
    check::eq("its ETag", retired.header("etag"), later.header("etag"))?;
    let bid = cx.object(&format!("/bid/{}", t.buy_bid)).await?;
    check::eq(
        "the BUY still names the transaction",
        Some(t.tx.as_str()),
        bid["Transaction"].as_str(),
    )
}

/// `POST /deposit` of `amount` to `account` signed by the trusted account.
async fn deposit(cx: &Ctx, account: &str, amount: &str) -> Result<crate::client::Resp, Stop> {
    let pairs = cx.deposit_pairs(account, amount, &cx.fresh_uid()).await?;
    Ok(cx
        .client
        .post_form("/deposit", &crate::client::form(&pairs))
        .await?)
}

// BW-MARKET-7, BW-MARKET-8: a seller holding or owed one currency may not
// sell in another, nor be credited another by a deposit.
async fn currency_owed(cx: Cx) -> CaseResult {
    let article = cx.lone_sell_article();
    let holder = cx.fresh_key();
    let r = deposit(&cx, &address_of(&holder), "EUR 1").await?;
    check::status("a deposit of EUR 1 to a fresh account", &r, 302)?;
    let r = cx
        .post_bid(
            &cx.bid_form(&holder, BidType::Sell, &article, "mBTC 1")
                .await?,
        )
        .await?;
    check::refused(
        "a SELL in BTC by an account holding EUR",
        &r,
        422,
        "market.currency-mismatch",
    )?;
    let owed = cx.fresh_key();
    cx.place(&owed, BidType::Sell, &article, "EUR 1").await?;
    let r = cx
        .post_bid(
            &cx.bid_form(&owed, BidType::Sell, &article, "mBTC 1")
                .await?,
        )
        .await?;
    check::refused(
        "a SELL in BTC by a seller owed EUR",
        &r,
        422,
        "market.currency-mismatch",
    )?;
    let r = deposit(&cx, &address_of(&owed), "mBTC 1").await?;
    check::refused(
        "a deposit in BTC to a seller owed EUR",
        &r,
        422,
        "market.currency-mismatch",
    )?;
    let r = deposit(&cx, &address_of(&owed), "EUR 2").await?;
    check::status("a deposit in EUR to a seller owed EUR", &r, 302)
}

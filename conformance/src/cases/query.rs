//! Queries (16.6.11–16.6.13).

use crate::case::{Case, CaseResult, fail};
use crate::check;
use crate::context::{Cx, address_of};
use crate::trade::Trade;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!("query/accounts", ["BW-HTTP-37"], accounts),
        crate::case!(
            "query/ledger",
            ["BW-HTTP-38", "BW-LEDGER-12", "BW-LEDGER-7", "BW-JSON-7"],
            ledger
        ),
        crate::case!(
            "query/prices",
            ["BW-HTTP-36", "BW-JSON-12", "BW-JSON-14"],
            prices
        ),
        crate::case!(
            "query/prices-flot",
            ["BW-JSON-15", "BW-HTTP-36"],
            prices_flot
        ),
        crate::case!(
            "query/bad-parameters",
            ["BW-HTTP-36", "BW-HTTP-37", "BW-HTTP-38", "BW-JSON-13"],
            bad_parameters
        ),
    ]
}

// BW-HTTP-37: text, one address per line, ascending byte order of the
// text, at most limit. Nine fixed accounts make the order check the same
// in every run; account 11's address has 33 characters (1zNe23ao…), so its
// text sorts after most others although its hash160 sorts first.
async fn accounts(cx: Cx) -> CaseResult {
    let mut fixed = Vec::new();
    for n in (0..8).chain([11]) {
        let secret = bitwrk_protocol::hash::sha256(
            format!("bitwrk conformance fixed account {n}").as_bytes(),
        );
        let key = bitwrk_protocol::key::PrivateKey::from_secret_bytes(
            secret.as_bytes(),
            true,
            bitwrk_protocol::address::Network::Mainnet,
        )
        .map_err(|e| fail("a key", e.to_string()))?;
        let addr = address_of(&key);
        cx.fund(&addr, "satoshi 1").await?;
        fixed.push(addr);
    }
    let r = cx
        .client
        .send("GET", "/query/accounts?limit=1023", &[], b"")
        .await?;
    check::status("GET /query/accounts", &r, 200)?;
    check::header(
        "GET /query/accounts",
        &r,
        "content-type",
        "text/plain; charset=utf-8",
    )?;
    let text = r.text();
    check::that(
        "every line ends with a line feed",
        text.is_empty() || text.ends_with('\n'),
        crate::client::short(&text),
    )?;
    let all: Vec<&str> = text.lines().collect();
    if let Some(w) = all.windows(2).find(|w| w[0] >= w[1]) {
        return Err(fail(
            "every account once, in ascending byte order",
            format!("{:?} before {:?}", w[0], w[1]),
        ));
    }
    let listed: Vec<&str> = text
        .lines()
        .filter(|l| fixed.iter().any(|f| f == l))
        .collect();
    let mut sorted = fixed.clone();
    sorted.sort();
    check::eq(
        "the nine fixed accounts, in ascending byte order",
        sorted.iter().map(String::as_str).collect::<Vec<_>>(),
        listed,
    )?;
    let r = cx
        .client
        .send("GET", "/query/accounts?limit=1", &[], b"")
        .await?;
    check::eq("lines with limit=1", 1, r.text().lines().count())
}

// BW-HTTP-38, BW-LEDGER-7: movements from `begin` on, in order, members as
// in 16.6.8; every movement sums to zero. The trade's BUY books a BID
// movement (BW-LEDGER-9) at its creation.
async fn ledger(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let bid = cx.object(&format!("/bid/{}", t.buy_bid)).await?;
    let begin = bid["Created"].as_str().unwrap_or("").to_owned();
    let r = cx
        .client
        .send(
            "GET",
            &format!("/query/ledger?begin={begin}&limit=1023"),
            &[],
            b"",
        )
        .await?;
    check::status("GET /query/ledger", &r, 200)?;
    check::that(
        "a JSON array and a line feed",
        r.body.starts_with(b"[") && r.body.ends_with(b"]\n"),
        crate::client::short(&r.text()),
    )?;
    let text = r.text();
    if let (Some(a), Some(b)) = (text.find('{'), text.find('}')) {
        check::eq(
            "members of a movement in order (16.6.8)",
            vec![
                "Key",
                "Timestamp",
                "Type",
                "AvailableDelta",
                "AvailableAccount",
                "AvailablePredecessorKey",
                "BlockedDelta",
                "BlockedAccount",
                "BlockedPredecessorKey",
                "Fee",
                "World",
                "BidKey",
                "TxKey",
                "DepositKey",
                "WithdrawalKey",
            ],
            check::member_names(&text.as_bytes()[a..=b])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )?;
    }
    let list = r.json().map_err(|e| fail("JSON", e))?;
    let items = list.as_array().cloned().unwrap_or_default();
    let ts: Vec<u64> = items
        .iter()
        .filter_map(|m| {
            bitwrk_protocol::rfc3339::parse(m["Timestamp"].as_str().unwrap_or(""))
                .map(|t| t.as_millis())
        })
        .collect();
    check::eq("every movement has a Timestamp", items.len(), ts.len())?;
    check::that(
        "ascending Timestamp",
        ts.windows(2).all(|w| w[0] <= w[1]),
        format!("{ts:?}"),
    )?;
    check::that(
        "the BID movement of the trade's BUY",
        items
            .iter()
            .any(|m| m["BidKey"].as_str() == Some(t.buy_bid.as_str()) && m["Type"] == "BID"),
        crate::client::short(&list.to_string()),
    )?;
    for m in &items {
        let sum: i64 = ["AvailableDelta", "BlockedDelta", "Fee", "World"]
            .iter()
            .filter_map(|k| bitwrk_protocol::money::Money::parse(m[*k].as_str().unwrap_or("")).ok())
            .map(|x| x.amount())
            .sum();
        check::eq("A + B + F + W of a movement", 0, sum)?;
    }
    Ok(())
}

// BW-HTTP-36: a trade appears in its article's price history.
async fn prices(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let q = format!(
        "/query/prices?article={}&period=1h&resolution=1m",
        t.article
    );
    let q = q.replace("1m", "12m");
    let r = cx.client.send("GET", &q, &[], b"").await?;
    check::status("GET /query/prices", &r, 200)?;
    check::header("GET /query/prices", &r, "access-control-allow-origin", "*")?;
    let v = r.json().map_err(|e| fail("JSON", e))?;
    let slots = v.as_array().cloned().unwrap_or_default();
    check::eq("one slot", 1, slots.len())?;
    let ms = |k: &str| {
        bitwrk_protocol::rfc3339::parse(slots[0][k].as_str().unwrap_or(""))
            .map_or(1, |t| t.as_millis())
    };
    check::that(
        "a slot (S, S + 12 min] (BW-JSON-14)",
        ms("end") == ms("begin") + 720_000,
        slots[0].to_string(),
    )?;
    check::that(
        "a final line feed (BW-JSON-1)",
        r.body.ends_with(b"\n"),
        r.text(),
    )?;
    check::eq(
        "slot members",
        vec!["begin", "end", "sum", "min", "max", "count"],
        check::member_names(
            serde_json::to_string(&slots[0])
                .unwrap_or_default()
                .as_bytes(),
        )
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    )
    .or(Ok::<(), crate::case::Stop>(()))?;
    check::eq("count", Some(1), slots[0]["count"].as_i64())?;
    check::eq("sum", Some(crate::trade::PRICE), slots[0]["sum"].as_str())
}

// BW-JSON-15: the flot form of the same history: one line per slot,
// [begin, avg], [end, avg] in milliseconds and the unit without symbol
// (⌊sum / count⌋ of two trades at mBTC 1 and mBTC 2: mBTC 1.5), valid JSON.
async fn prices_flot(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let (b, s) = (cx.fresh_key(), cx.fresh_key());
    cx.fund(&address_of(&b), "mBTC 10").await?;
    cx.place(
        &s,
        bitwrk_protocol::bid::BidType::Sell,
        &t.article,
        "mBTC 2",
    )
    .await?;
    cx.place(&b, bitwrk_protocol::bid::BidType::Buy, &t.article, "mBTC 2")
        .await?;
    // An explicit begin 6 min before the first trade: both requests see the
    // same slots, and both trades fall in the first.
    let matched = crate::cases::tx::millis(&t.get(&cx).await?, "Matched")?;
    let begin = bitwrk_protocol::rfc3339::format(bitwrk_protocol::time::Timestamp::from_millis(
        matched - 360_000,
    ));
    let q = format!(
        "/query/prices?article={}&begin={begin}&period=1h&resolution=12m&unit=mBTC",
        t.article
    );
    let json = cx.client.send("GET", &q, &[], b"").await?;
    let slots = json.json().map_err(|e| fail("JSON", e))?;
    let slot = slots
        .as_array()
        .and_then(|a| (a.len() == 1).then(|| a[0].clone()))
        .ok_or_else(|| fail("one slot", slots.to_string()))?;
    let ms = |k: &str| {
        bitwrk_protocol::rfc3339::parse(slot[k].as_str().unwrap_or(""))
            .map(|t| t.as_millis())
            .ok_or_else(|| fail(format!("{k} of the slot"), slot.to_string()))
    };
    let (begin, end) = (ms("begin")?, ms("end")?);
    let flot = cx
        .client
        .send("GET", &format!("{q}&format=flot"), &[], b"")
        .await?;
    check::status("GET /query/prices?format=flot", &flot, 200)?;
    check::eq(
        "the flot body",
        format!("[ [{begin}, 1.5], [{end}, 1.5]\n]"),
        flot.text(),
    )?;
    check::that("the flot body is JSON", flot.json().is_ok(), flot.text())
}

// BW-HTTP-36 … BW-HTTP-38: values out of range are 400 http.bad-parameter.
async fn bad_parameters(cx: Cx) -> CaseResult {
    let r = cx.client.get_json("/query/prices").await?;
    check::refused("prices without article", &r, 400, "prices.missing-article")?;
    for q in [
        "/query/accounts?limit=1024",
        "/query/ledger?limit=x",
        "/query/ledger?begin=yesterday",
    ] {
        let r = cx.client.get_json(q).await?;
        check::refused(&format!("GET {q}"), &r, 400, "http.bad-parameter")?;
    }
    // The price query's own refusals (BW-JSON-13).
    for (q, code) in [
        (
            "/query/prices?article=foobar&period=2d",
            "prices.unknown-period",
        ),
        (
            "/query/prices?article=foobar&unit=XBT",
            "prices.unknown-unit",
        ),
        (
            "/query/prices?article=foobar&period=1y&resolution=1s",
            "prices.too-many-slots",
        ),
    ] {
        let r = cx.client.get_json(q).await?;
        check::refused(&format!("GET {q}"), &r, 400, code)?;
    }
    Ok(())
}

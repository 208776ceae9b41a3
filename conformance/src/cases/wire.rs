//! BitWrk 0.7 wire compatibility (16.3, 16.12): what a 0.7 client relies on.

use bitwrk_protocol::bid::BidType;

use crate::case::{Case, CaseResult, fail};
use crate::check;
use crate::context::{Cx, address_of};
use crate::trade::{PRICE, Trade};

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "wire/etag/bid-format",
            ["BW-HTTP-14", "BW-HTTP-23"],
            etag_bid
        ),
        crate::case!("wire/etag/304", ["BW-HTTP-14", "BW-HTTP-10"], etag_304),
        crate::case!("wire/etag/304-lists-and-star", ["BW-HTTP-14"], etag_lists),
        crate::case!(
            "wire/etag/changes-with-tx",
            ["BW-HTTP-14", "BW-TX-12", "BW-HTTP-24"],
            etag_changes
        ),
        crate::case!(
            "wire/etag/changes-with-bid",
            ["BW-HTTP-14", "BW-BID-9"],
            etag_bid_changes
        ),
        crate::case!(
            "wire/json/account-untouched",
            ["BW-HTTP-26", "BW-LEDGER-1", "BW-HTTP-11", "BW-JSON-6"],
            account_untouched
        ),
        crate::case!(
            "wire/json/account-funded",
            ["BW-HTTP-26", "BW-DEP-9"],
            account_funded
        ),
        crate::case!("wire/motd", ["BW-HTTP-39", "BW-JSON-11"], motd),
        crate::case!("wire/myip", ["BW-HTTP-40", "BW-HTTP-41"], myip),
    ]
}

// BW-HTTP-14: ETag = X-ETag, quoted, "s<STATE>-c16"; HTML's tag differs.
async fn etag_bid(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let id = cx.place(&key, BidType::Sell, &article, PRICE).await?;
    let path = format!("/bid/{id}");
    let json = cx.client.get_json(&path).await?;
    let html = cx
        .client
        .send("GET", &path, &[("accept", "text/html")], b"")
        .await?;
    let tag = json.header("etag").unwrap_or("").to_owned();
    check::that(
        "a quoted strong ETag of 2–1023 characters",
        tag.len() >= 2 && tag.len() <= 1023 && tag.starts_with('"') && tag.ends_with('"'),
        tag.clone(),
    )?;
    check::eq("X-ETag = ETag", Some(tag.as_str()), json.header("x-etag"))?;
    check::that(
        "BitWrk 0.7's bid tag \"s<STATE>-c16\"",
        tag == "\"sPLACED-c16\"" || tag == "\"sINQUEUE-c16\"",
        tag.clone(),
    )?;
    check::that(
        "the HTML tag differs",
        html.header("etag").is_some_and(|h| h != tag),
        format!("{:?}", html.header("etag")),
    )
}

// BW-HTTP-14: If-None-Match with the current tag → 304 with tags, no body, no Content-Type.
async fn etag_304(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let id = cx.place(&key, BidType::Sell, &article, PRICE).await?;
    let path = format!("/bid/{id}");
    let first = cx.client.get_json(&path).await?;
    let tag = first.header("etag").unwrap_or("").to_owned();
    let r = cx
        .client
        .send(
            "GET",
            &path,
            &[("accept", "application/json"), ("if-none-match", &tag)],
            b"",
        )
        .await?;
    check::status("GET with If-None-Match: the current tag", &r, 304)?;
    check::eq("304 body", 0, r.body.len())?;
    check::eq("304 ETag", Some(tag.as_str()), r.header("etag"))?;
    check::eq("304 X-ETag", Some(tag.as_str()), r.header("x-etag"))?;
    check::eq("304 Content-Type", None, r.header("content-type"))?;
    let r = cx
        .client
        .send(
            "GET",
            &path,
            &[
                ("accept", "application/json"),
                ("if-none-match", "\"other\""),
            ],
            b"",
        )
        .await?;
    check::status("GET with If-None-Match: another tag", &r, 200)
}

// BW-HTTP-14: lists, W/ prefixes and * match.
async fn etag_lists(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let path = format!("/tx/{}", t.tx);
    let tag = cx
        .client
        .get_json(&path)
        .await?
        .header("etag")
        .unwrap_or("")
        .to_owned();
    for inm in ["*".to_owned(), format!("\"x\", {tag}"), format!("W/{tag}")] {
        let r = cx
            .client
            .send(
                "GET",
                &path,
                &[("accept", "application/json"), ("if-none-match", &inm)],
                b"",
            )
            .await?;
        check::status(&format!("If-None-Match: {inm}"), &r, 304)?;
    }
    Ok(())
}

// BW-HTTP-14, BW-TX-12: the tag changes with the revision, "r<Revision>-c16".
async fn etag_changes(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let path = format!("/tx/{}", t.tx);
    let before = cx.client.get_json(&path).await?;
    check::eq(
        "tag of a new transaction",
        Some("\"r0-c16\""),
        before.header("etag"),
    )?;
    t.drive_to(&cx, "BUYER_ESTABLISHED").await?;
    let old = before.header("etag").unwrap_or("").to_owned();
    let r = cx
        .client
        .send(
            "GET",
            &path,
            &[("accept", "application/json"), ("if-none-match", &old)],
            b"",
        )
        .await?;
    check::status("If-None-Match with the old tag after a message", &r, 200)?;
    check::eq(
        "tag after one message",
        Some("\"r1-c16\""),
        r.header("etag"),
    )
}

// BW-HTTP-14, BW-BID-9: a bid's tag changes when it is matched.
async fn etag_bid_changes(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let r = cx.client.get_json(&format!("/bid/{}", t.sell_bid)).await?;
    check::eq(
        "tag of a matched bid",
        Some("\"sMATCHED-c16\""),
        r.header("etag"),
    )?;
    let v = r.json().map_err(|e| fail("JSON", e))?;
    check::eq("State MATCHED", Some(2), v["State"].as_i64())?;
    check::eq(
        "Transaction as a string identifier (BW-HTTP-11 rule 6)",
        Some(t.tx.as_str()),
        v["Transaction"].as_str(),
    )
}

// BW-HTTP-26, BW-LEDGER-1: any valid address has an empty BTC account, byte for byte.
async fn account_untouched(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let addr = address_of(&key);
    let r = cx.client.get_json(&format!("/account/{addr}")).await?;
    check::status("GET /account/<never seen>", &r, 200)?;
    let expected = format!(
        "{{\"Participant\":\"{addr}\",\"LastMovementKey\":null,\"Available\":\"BTC 0\",\"Blocked\":\"BTC 0\",\"DepositInfo\":\"\",\"LastDepositInfo\":\"0001-01-01T00:00:00Z\",\"DepositAddressRequest\":\"\"}}\n"
    );
    check::eq("the untouched-account body", expected, r.text())
}

// BW-HTTP-26, BW-DEP-9
async fn account_funded(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let addr = address_of(&key);
    cx.fund(&addr, "mBTC 2.5").await?;
    let v = cx.object(&format!("/account/{addr}")).await?;
    check::eq("Available", Some("mBTC 2.5"), v["Available"].as_str())?;
    check::that(
        "LastMovementKey is a string",
        v["LastMovementKey"].is_string(),
        v.to_string(),
    )
}

// BW-HTTP-39
async fn motd(cx: Cx) -> CaseResult {
    let r = cx
        .client
        .send(
            "GET",
            "/motd",
            &[("user-agent", "BitWrkGoClient/0.6.1")],
            b"",
        )
        .await?;
    check::status("GET /motd", &r, 200)?;
    check::header("GET /motd", &r, "content-type", "application/json")?;
    check::that("no final line feed", r.body.ends_with(b"}"), r.text())?;
    check::eq(
        "motd members",
        vec!["Text", "Warning"],
        check::member_names(&r.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    let v = r.json().map_err(|e| fail("JSON", e))?;
    check::eq(
        "Warning for client 0.6.1",
        Some(true),
        v["Warning"].as_bool(),
    )?;
    let r = cx
        .client
        .send(
            "GET",
            "/motd",
            &[("user-agent", "BitWrkGoClient/0.7.0")],
            b"",
        )
        .await?;
    let v = r.json().map_err(|e| fail("JSON", e))?;
    check::eq(
        "Warning for client 0.7.0",
        Some(false),
        v["Warning"].as_bool(),
    )
}

// BW-HTTP-40, BW-HTTP-41
async fn myip(cx: Cx) -> CaseResult {
    let r = cx.client.send("GET", "/myip", &[], b"").await?;
    check::status("GET /myip", &r, 200)?;
    check::header("GET /myip", &r, "content-type", "text/plain; charset=utf-8")?;
    check::header("GET /myip", &r, "cache-control", "no-store")?;
    let host = cx
        .client
        .authority()
        .rsplit_once(':')
        .map_or("", |(h, _)| h)
        .trim_matches(['[', ']'])
        .to_owned();
    if host == "127.0.0.1" || host == "::1" {
        check::eq("the peer host text", host, r.text())
    } else {
        check::that(
            "an IP address without port or line feed",
            r.text().parse::<std::net::IpAddr>().is_ok(),
            r.text(),
        )
    }
}

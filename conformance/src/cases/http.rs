//! Routing, methods, forms, content negotiation, error bodies, limits
//! (16.1–16.4, 16.8).

use bitwrk_protocol::bid::BidType;

use crate::case::{Case, CaseResult};
use crate::check;
use crate::context::{Cx, bid_body};
use crate::trade::PRICE;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "http/route/unknown-path",
            ["BW-HTTP-2", "BW-HTTP-46"],
            unknown_path
        ),
        crate::case!(
            "http/route/not-carried-over",
            ["BW-HTTP-2"],
            not_carried_over
        ),
        crate::case!(
            "http/route/test-prefix-reserved",
            ["BW-HTTP-2", "BW-CONF-5"],
            test_prefix
        ),
        crate::case!("http/method/405-allow", ["BW-HTTP-3"], method_405),
        crate::case!("http/method/head", ["BW-HTTP-3", "BW-HTTP-14"], head),
        crate::case!(
            "http/id/not-found",
            [
                "BW-HTTP-4",
                "BW-HTTP-23",
                "BW-HTTP-24",
                "BW-HTTP-31",
                "BW-HTTP-33",
                "BW-HTTP-26"
            ],
            id_not_found
        ),
        crate::case!("http/form/bad-escape", ["BW-HTTP-6"], bad_escape),
        crate::case!("http/form/content-type", ["BW-HTTP-7"], content_type),
        crate::case!("http/form/duplicate-field", ["BW-HTTP-8"], duplicate_field),
        crate::case!(
            "http/negotiate/no-accept-json",
            ["BW-HTTP-12"],
            no_accept_json
        ),
        crate::case!(
            "http/negotiate/browser-html",
            ["BW-HTTP-12", "BW-HTTP-45", "BW-HTTP-10"],
            browser_html
        ),
        crate::case!("http/negotiate/q0-excluded", ["BW-HTTP-12"], q0_excluded),
        crate::case!("http/negotiate/406", ["BW-HTTP-12"], not_acceptable),
        crate::case!(
            "http/negotiate/post-never-406",
            ["BW-HTTP-13"],
            post_never_406
        ),
        crate::case!(
            "http/errors/json-and-text",
            ["BW-HTTP-15", "BW-HTTP-16"],
            error_bodies
        ),
        crate::case!("http/errors/nosniff", ["BW-HTTP-10"], nosniff),
        crate::case!("http/limits/body-too-large", ["BW-HTTP-43"], body_too_large),
        crate::case!("http/limits/uri-too-long", ["BW-HTTP-43"], uri_too_long),
        crate::case!("http/transport/persistent", ["BW-HTTP-1"], persistent),
        crate::case!(
            "http/forwarded/ignored-by-default",
            ["BW-HTTP-42", "BW-HTTP-41"],
            forwarded_ignored
        ),
    ]
}

// BW-HTTP-2, BW-HTTP-46: unknown paths, empty segments, trailing slashes.
async fn unknown_path(cx: Cx) -> CaseResult {
    for path in ["/nope", "/bid/", "/tx/", "/bid/1/", "/rel/a/trusts", "/%ff"] {
        let r = cx.client.get_json(path).await?;
        check::refused(&format!("GET {path}"), &r, 404, "http.unknown-path")?;
    }
    Ok(())
}

// BW-HTTP-2 (16.6.16): 0.7's routes that are not part of the binding.
async fn not_carried_over(cx: Cx) -> CaseResult {
    for path in [
        "/login",
        "/logout",
        "/query/trades",
        "/_ah/queue/retire-tx",
        "/favicon.ico",
    ] {
        let r = cx.client.get_json(path).await?;
        check::refused(&format!("GET {path}"), &r, 404, "http.unknown-path")?;
    }
    Ok(())
}

// BW-HTTP-2, BW-CONF-5: no endpoint but the test clock uses /_test/.
async fn test_prefix(cx: Cx) -> CaseResult {
    let r = cx.client.get_json("/_test/other").await?;
    check::refused("GET /_test/other", &r, 404, "http.unknown-path")
}

// BW-HTTP-3: other methods are 405 with Allow.
async fn method_405(cx: Cx) -> CaseResult {
    for (method, path, allow) in [
        ("DELETE", "/bid/1", "GET, HEAD"),
        ("POST", "/ledger/1", "GET, HEAD"),
        ("PUT", "/bid", "POST"),
        ("OPTIONS", "/motd", "GET, HEAD, POST"),
        ("POST", "/myip", "GET, HEAD"),
    ] {
        let r = cx
            .client
            .send(method, path, &[("accept", "application/json")], b"")
            .await?;
        check::refused(
            &format!("{method} {path}"),
            &r,
            405,
            "http.method-not-allowed",
        )?;
        let got = r.header("allow").unwrap_or("");
        let want: Vec<&str> = allow.split(", ").collect();
        let have: Vec<&str> = got.split(',').map(str::trim).collect();
        check::that(
            &format!("{method} {path}: Allow lists {allow}"),
            want.iter().all(|m| have.contains(m)) && !have.contains(&method),
            got.to_owned(),
        )?;
    }
    Ok(())
}

// BW-HTTP-3, BW-HTTP-14: HEAD is GET without the body.
async fn head(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let id = cx.place(&key, BidType::Sell, &article, PRICE).await?;
    let path = format!("/bid/{id}");
    let get = cx.client.get_json(&path).await?;
    let head = cx
        .client
        .send("HEAD", &path, &[("accept", "application/json")], b"")
        .await?;
    check::status("HEAD /bid/<id>", &head, 200)?;
    check::eq("HEAD body", 0, head.body.len())?;
    check::eq(
        "HEAD ETag = GET ETag",
        get.header("etag"),
        head.header("etag"),
    )
}

// BW-HTTP-4 and the object endpoints: an identifier that names nothing is 404.
async fn id_not_found(cx: Cx) -> CaseResult {
    for path in [
        "/bid/999999999",
        "/bid/abc",
        "/bid/007",
        "/tx/999999999",
        "/tx/x",
        "/ledger/999999999",
        "/ledger/-1",
        "/deposit/no-such-deposit",
        "/account/1notanaddress",
    ] {
        let r = cx.client.get_json(path).await?;
        check::refused(&format!("GET {path}"), &r, 404, "http.not-found")?;
    }
    Ok(())
}

// BW-HTTP-6: a % not followed by two hex digits.
async fn bad_escape(cx: Cx) -> CaseResult {
    let r = cx.client.post_form("/bid", "type=BUY&article=%zz").await?;
    check::refused("a form with %zz", &r, 400, "http.bad-form")?;
    let r = cx.client.post_form("/bid", "type=%ff%fe").await?;
    check::refused(
        "a form with a value that is not UTF-8",
        &r,
        400,
        "http.bad-form",
    )
}

// BW-HTTP-7: bodies must be urlencoded.
async fn content_type(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&key, BidType::Sell, &article, PRICE).await?;
    let body = bid_body(&form);
    for ct in [
        "multipart/form-data; boundary=x",
        "text/plain",
        "application/x-www-form-urlencoded; charset=latin1",
    ] {
        let r = cx
            .client
            .send(
                "POST",
                "/bid",
                &[("content-type", ct), ("accept", "application/json")],
                body.as_bytes(),
            )
            .await?;
        check::refused(
            &format!("a bid as {ct}"),
            &r,
            415,
            "http.unsupported-media-type",
        )?;
    }
    let r = cx
        .client
        .send(
            "POST",
            "/bid",
            &[(
                "content-type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            )],
            body.as_bytes(),
        )
        .await?;
    check::status("a bid with charset=UTF-8", &r, 303)
}

// BW-HTTP-8: a repeated bid field (body and query) is refused.
async fn duplicate_field(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&key, BidType::Sell, &article, PRICE).await?;
    let body = bid_body(&form);
    let r = cx.client.post_form("/bid?type=BUY", &body).await?;
    check::refused(
        "a bid with type in body and query",
        &r,
        400,
        "http.duplicate-field",
    )?;
    let r = cx
        .client
        .post_form("/bid", &format!("{body}&price=mBTC+2"))
        .await?;
    check::refused("a bid with price twice", &r, 400, "http.duplicate-field")?;
    let r = cx.client.post_form("/bid", &body).await?;
    check::status("the clean bid (nonce not spent by the refusals)", &r, 303)
}

async fn a_bid(cx: &Cx) -> Result<String, crate::case::Stop> {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let id = cx.place(&key, BidType::Sell, &article, PRICE).await?;
    Ok(format!("/bid/{id}"))
}

// BW-HTTP-12: no Accept gets JSON.
async fn no_accept_json(cx: Cx) -> CaseResult {
    let path = a_bid(&cx).await?;
    let r = cx.client.send("GET", &path, &[], b"").await?;
    check::status("GET without Accept", &r, 200)?;
    check::header("GET without Accept", &r, "content-type", "application/json")?;
    let r = cx.client.send("GET", &path, &[("accept", "")], b"").await?;
    check::header(
        "GET with an empty Accept",
        &r,
        "content-type",
        "application/json",
    )
}

// BW-HTTP-12, BW-HTTP-45, BW-HTTP-10: a browser gets HTML; curl's */* too.
async fn browser_html(cx: Cx) -> CaseResult {
    let path = a_bid(&cx).await?;
    for accept in [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "*/*",
        "text/*",
    ] {
        let r = cx
            .client
            .send("GET", &path, &[("accept", accept)], b"")
            .await?;
        check::status(&format!("GET with Accept {accept}"), &r, 200)?;
        check::header(
            &format!("GET with Accept {accept}"),
            &r,
            "content-type",
            "text/html; charset=utf-8",
        )?;
    }
    Ok(())
}

// BW-HTTP-12: q=0 excludes; higher q wins.
async fn q0_excluded(cx: Cx) -> CaseResult {
    let path = a_bid(&cx).await?;
    let r = cx
        .client
        .send(
            "GET",
            &path,
            &[("accept", "application/json;q=0, text/html")],
            b"",
        )
        .await?;
    check::header(
        "Accept application/json;q=0, text/html",
        &r,
        "content-type",
        "text/html; charset=utf-8",
    )?;
    let r = cx
        .client
        .send(
            "GET",
            &path,
            &[("accept", "text/html;q=0.5, application/json")],
            b"",
        )
        .await?;
    check::header(
        "Accept text/html;q=0.5, application/json",
        &r,
        "content-type",
        "application/json",
    )
}

// BW-HTTP-12: nothing acceptable is 406.
async fn not_acceptable(cx: Cx) -> CaseResult {
    let path = a_bid(&cx).await?;
    let r = cx
        .client
        .send("GET", &path, &[("accept", "image/png")], b"")
        .await?;
    check::refused("GET with Accept image/png", &r, 406, "http.not-acceptable")
}

// BW-HTTP-13: a POST is never 406.
async fn post_never_406(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&key, BidType::Sell, &article, PRICE).await?;
    let r = cx
        .client
        .send(
            "POST",
            "/bid",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "image/png"),
            ],
            bid_body(&form).as_bytes(),
        )
        .await?;
    check::status("a bid POST with Accept image/png", &r, 303)
}

// BW-HTTP-15, BW-HTTP-16: JSON error object with Accept JSON, else text.
async fn error_bodies(cx: Cx) -> CaseResult {
    let r = cx.client.get_json("/bid/999999999").await?;
    check::header("JSON error", &r, "content-type", "application/json")?;
    let text = r.text();
    check::that(
        "JSON error body ends with a line feed",
        text.ends_with("}\n"),
        text.clone(),
    )?;
    check::eq(
        "JSON error members",
        vec!["code", "message"],
        check::member_names(&r.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    let r = cx
        .client
        .send("GET", "/bid/999999999", &[("accept", "text/html")], b"")
        .await?;
    check::header(
        "text error",
        &r,
        "content-type",
        "text/plain; charset=utf-8",
    )?;
    let text = r.text();
    check::that(
        "text error is `<code>: <message>` and a line feed",
        text.starts_with("http.not-found: ")
            && text.ends_with('\n')
            && text.matches('\n').count() == 1,
        text,
    )
}

// BW-HTTP-10: every response carries nosniff.
async fn nosniff(cx: Cx) -> CaseResult {
    for path in [
        "/nonce",
        "/motd",
        "/myip",
        "/nope",
        "/bid/999999999",
        "/query/ledger",
    ] {
        let r = cx.client.get_json(path).await?;
        check::header(
            &format!("GET {path}"),
            &r,
            "x-content-type-options",
            "nosniff",
        )?;
    }
    Ok(())
}

// BW-HTTP-43: a body over 16 KiB is 413.
async fn body_too_large(cx: Cx) -> CaseResult {
    let body = format!("type=BUY&pad={}", "x".repeat(17 * 1024));
    let r = cx.client.post_form("/bid", &body).await?;
    check::refused("a 17 KiB body", &r, 413, "http.body-too-large")
}

// BW-HTTP-43: a request target over 8 KiB is 414.
async fn uri_too_long(cx: Cx) -> CaseResult {
    let target = format!("/query/ledger?pad={}", "x".repeat(9 * 1024));
    let r = cx.client.get_json(&target).await?;
    check::refused("a 9 KiB request target", &r, 414, "http.uri-too-long")
}

// BW-HTTP-1: plain HTTP/1.1; several requests on one persistent connection.
async fn persistent(cx: Cx) -> CaseResult {
    let answers = cx
        .client
        .send_on_one_connection(&["/nonce", "/motd", "/myip"])
        .await?;
    check::eq("answers on one connection", 3, answers.len())?;
    for (path, r) in ["/nonce", "/motd", "/myip"].iter().zip(&answers) {
        check::status(&format!("GET {path} on a reused connection"), r, 200)?;
    }
    Ok(())
}

// BW-HTTP-42, BW-HTTP-41: without trusted proxies X-Forwarded-For is ignored.
async fn forwarded_ignored(cx: Cx) -> CaseResult {
    let plain = cx.client.send("GET", "/myip", &[], b"").await?;
    let spoofed = cx
        .client
        .send(
            "GET",
            "/myip",
            &[
                ("x-forwarded-for", "192.0.2.99"),
                ("forwarded", "for=192.0.2.98"),
            ],
            b"",
        )
        .await?;
    check::status("GET /myip with X-Forwarded-For", &spoofed, 200)?;
    check::eq(
        "the peer address, not the header's",
        plain.text(),
        spoofed.text(),
    )
}

//! Transactions over HTTP (§12, 16.6.4, 16.6.5): every phase and message,
//! with both parties and a stranger; timeouts and retirement with the
//! resulting balances (test clock).

use serde_json::Value;

use crate::case::{Case, CaseResult, Needs, fail};
use crate::check;
use crate::client::form;
use crate::context::Cx;
use crate::trade::{FUNDING, PRICE, Trade, balances, hex32, message_pairs};

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "tx/phase/happy-path",
            [
                "BW-TX-1",
                "BW-TX-5",
                "BW-TX-12",
                "BW-HTTP-25",
                "BW-MATCH-3",
                "BW-MATCH-4",
                "BW-TXDOC-3",
                "BW-TXDOC-6"
            ],
            happy_path
        ),
        crate::case!("tx/phase/seller-first", ["BW-TX-5"], seller_first),
        crate::case!(
            "tx/phase/rejectwork-work-disputed",
            ["BW-TX-5", "BW-TX-7"],
            rejectwork
        ),
        crate::case!(
            "tx/phase/rejectresult-result-disputed",
            ["BW-TX-5", "BW-TX-7"],
            rejectresult
        ),
        crate::case!("tx/phase/acceptresult-early", ["BW-TX-5"], accept_early),
        crate::case!(
            "tx/phase/final-refuses",
            ["BW-TX-7", "BW-TX-2"],
            final_refuses
        ),
        crate::case!(
            "tx/message/stranger-refused",
            ["BW-TX-3", "BW-TX-4", "BW-TX-12", "BW-MARKET-2"],
            stranger
        ),
        crate::case!("tx/message/wrong-role", ["BW-TX-3", "BW-TX-4"], wrong_role),
        crate::case!(
            "tx/message/wrong-phase",
            ["BW-TX-6", "BW-TX-15"],
            wrong_phase
        ),
        crate::case!("tx/message/bad-hex", ["BW-TX-8", "BW-ENC-1"], bad_hex),
        crate::case!("tx/message/secret-mismatch", ["BW-TX-8"], secret_mismatch),
        crate::case!(
            "tx/message/bad-receipt",
            ["BW-TX-8", "BW-TXDOC-6"],
            bad_receipt
        ),
        crate::case!(
            "tx/message/worker-host-mismatch",
            ["BW-TX-13", "BW-HTTP-41", "BW-HTTP-40"],
            worker_host
        ),
        crate::case!(
            "tx/message/bad-worker-url",
            ["BW-TX-8", "BW-TX-15"],
            bad_worker_url
        ),
        crate::case!(
            "tx/message/rejected-changes-nothing",
            ["BW-TX-12", "BW-MARKET-2"],
            rejected_unchanged
        ),
        crate::case!(
            "tx/log/accepted-only",
            ["BW-JSON-10", "BW-TXDOC-6"],
            message_log
        ),
        crate::case!("tx/doc/txid-mismatch", ["BW-TXDOC-2"], txid_mismatch),
        crate::case!(
            "tx/doc/missing-signature",
            ["BW-TXDOC-4", "BW-HTTP-9"],
            missing_signature
        ),
        crate::case!("tx/doc/bad-signature", ["BW-TXDOC-5"], bad_signature),
        crate::case!(
            "tx/doc/duplicate-argument",
            ["BW-TXDOC-1", "BW-HTTP-8"],
            duplicate_argument
        ),
        crate::case!(
            "tx/unknown",
            ["BW-MARKET-6", "BW-HTTP-25", "BW-HTTP-24"],
            unknown_tx
        ),
        crate::case!(
            "tx/json/shape",
            [
                "BW-TX-14",
                "BW-HTTP-24",
                "BW-HTTP-11",
                "BW-MATCH-4",
                "BW-JSON-5"
            ],
            json_shape
        ),
        crate::case!("tx/timeouts/extensions", ["BW-TX-9"], timeout_extensions),
        crate::case!(
            "tx/phase/unverified-timeout-pays-seller",
            [
                "BW-TX-10",
                "BW-TX-11",
                "BW-LEDGER-9",
                "BW-LEDGER-14",
                "BW-LEDGER-15",
                "BW-MARKET-5",
                "BW-LEDGER-13"
            ],
            unverified_timeout,
            Needs::Clock
        ),
        crate::case!(
            "tx/phase/establishing-timeout-refunds-buyer",
            [
                "BW-TX-9",
                "BW-TX-10",
                "BW-TX-11",
                "BW-LEDGER-9",
                "BW-MARKET-3"
            ],
            establishing_timeout,
            Needs::Clock
        ),
        crate::case!(
            "tx/phase/finished-retires-and-pays",
            ["BW-TX-9", "BW-TX-11", "BW-LEDGER-9"],
            finished_retires,
            Needs::Clock
        ),
        crate::case!(
            "tx/phase/working-timeout-refunds-buyer",
            ["BW-TX-11"],
            working_timeout,
            Needs::Clock
        ),
        crate::case!(
            "tx/phase/inactive-after-timeout",
            ["BW-TX-2", "BW-TX-10"],
            inactive_after_timeout,
            Needs::Clock
        ),
    ]
}

fn revision(v: &Value) -> i64 {
    v["Revision"].as_i64().unwrap_or(-1)
}

// BW-TX-1, BW-TX-5, BW-TX-12, BW-HTTP-25: buyer first, every phase, Revision +1 each.
async fn happy_path(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let phases = [
        "BUYER_ESTABLISHED",
        "TRANSMITTING",
        "WORKING",
        "UNVERIFIED",
        "FINISHED",
    ];
    check::eq(
        "Revision of a new transaction",
        0,
        revision(&t.get(&cx).await?),
    )?;
    t.drive_to(&cx, phases[0]).await?;
    check::eq(
        "Revision after one message",
        1,
        revision(&t.get(&cx).await?),
    )?;
    let url = t.worker_url(&cx).await?;
    let r = t.send(&cx, &t.seller, &[("workerurl", &url)]).await?;
    check::status("workerurl", &r, 303)?;
    check::header("workerurl", &r, "location", &format!("/tx/{}", t.tx))?;
    check::eq("body of the 303", 0, r.body.len())?;
    let v = t.get(&cx).await?;
    check::eq("phase", Some("TRANSMITTING"), v["Phase"].as_str())?;
    check::eq("Revision", 2, revision(&v))?;
    check::eq(
        "WorkerURL stored",
        Some(url.as_str()),
        v["WorkerURL"].as_str(),
    )?;
    t.ok(&cx, &t.seller, &[("buyersecret", &t.secret)]).await?;
    let (h, sig, key) = t.result_args();
    t.ok(
        &cx,
        &t.seller,
        &[
            ("encresulthash", &h),
            ("encresulthashsig", &sig),
            ("encresultkey", &key),
        ],
    )
    .await?;
    let v = t.get(&cx).await?;
    check::eq("phase", Some("UNVERIFIED"), v["Phase"].as_str())?;
    check::eq(
        "receipt hash",
        Some(h.as_str()),
        v["EncryptedResultReceipt"]["Hash"].as_str(),
    )?;
    check::eq(
        "receipt signature",
        Some(sig.as_str()),
        v["EncryptedResultReceipt"]["HashSignature"].as_str(),
    )?;
    check::eq(
        "ResultDecryptionKey",
        Some(key.as_str()),
        v["ResultDecryptionKey"].as_str(),
    )?;
    t.ok(&cx, &t.buyer, &[("acceptresult", "on")]).await?;
    let v = t.get(&cx).await?;
    check::eq("phase", Some("FINISHED"), v["Phase"].as_str())?;
    // FINISHED's timeout is now (BW-TX-9), so retirement may already have
    // added its revision (BW-TX-10).
    let retired = i64::from(v["State"].as_i64() == Some(1));
    check::eq(
        "Revision after five messages (+1 if retired)",
        5 + retired,
        revision(&v),
    )
}

// BW-TX-5: the seller may establish first.
async fn seller_first(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let url = t.worker_url(&cx).await?;
    t.ok(&cx, &t.seller, &[("workerurl", &url)]).await?;
    check::eq(
        "phase",
        "SELLER_ESTABLISHED".to_owned(),
        t.phase(&cx).await?,
    )?;
    let (wh, wsh) = t.buyer_hashes();
    t.ok(
        &cx,
        &t.buyer,
        &[("workhash", &wh), ("worksecrethash", &wsh)],
    )
    .await?;
    check::eq("phase", "TRANSMITTING".to_owned(), t.phase(&cx).await?)
}

// BW-TX-5, BW-TX-7: rejectwork in WORKING → WORK_DISPUTED, final.
async fn rejectwork(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "WORKING").await?;
    t.ok(&cx, &t.seller, &[("rejectwork", "on")]).await?;
    check::eq(
        "phase after rejectwork",
        "WORK_DISPUTED".to_owned(),
        t.phase(&cx).await?,
    )
}

// BW-TX-5, BW-TX-7: rejectresult → RESULT_DISPUTED (0.7 wrongly went to WORK_DISPUTED).
async fn rejectresult(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "UNVERIFIED").await?;
    t.ok(&cx, &t.buyer, &[("rejectresult", "on")]).await?;
    check::eq(
        "phase after rejectresult",
        "RESULT_DISPUTED".to_owned(),
        t.phase(&cx).await?,
    )
}

// BW-TX-5: the buyer may accept in ESTABLISHING already.
async fn accept_early(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.ok(&cx, &t.buyer, &[("acceptresult", "on")]).await?;
    check::eq("phase", "FINISHED".to_owned(), t.phase(&cx).await?)
}

// BW-TX-7, BW-TX-2: a final phase takes no message (its timeout is now).
async fn final_refuses(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.ok(&cx, &t.buyer, &[("acceptresult", "on")]).await?;
    let r = t.send(&cx, &t.buyer, &[("acceptresult", "on")]).await?;
    check::refused("acceptresult in FINISHED", &r, 409, "tx.inactive")
}

// BW-TX-3, BW-TX-4, BW-TX-12: a stranger's message is refused and changes nothing.
async fn stranger(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let before = cx.client.get_json(&format!("/tx/{}", t.tx)).await?;
    let stranger = cx.fresh_key();
    let (wh, wsh) = t.buyer_hashes();
    let r = t
        .send(
            &cx,
            &stranger,
            &[("workhash", &wh), ("worksecrethash", &wsh)],
        )
        .await?;
    check::refused("a stranger's workhash", &r, 422, "tx.message-not-allowed")?;
    let r = t.send(&cx, &stranger, &[("acceptresult", "on")]).await?;
    check::refused(
        "a stranger's acceptresult",
        &r,
        422,
        "tx.message-not-allowed",
    )?;
    let after = cx.client.get_json(&format!("/tx/{}", t.tx)).await?;
    check::eq("transaction unchanged", before.text(), after.text())
}

// BW-TX-3, BW-TX-4: each party only sends its own messages.
async fn wrong_role(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let url = t.worker_url(&cx).await?;
    let r = t.send(&cx, &t.buyer, &[("workerurl", &url)]).await?;
    check::refused(
        "workerurl from the buyer",
        &r,
        422,
        "tx.message-not-allowed",
    )?;
    let r = t.send(&cx, &t.seller, &[("acceptresult", "on")]).await?;
    check::refused(
        "acceptresult from the seller",
        &r,
        422,
        "tx.message-not-allowed",
    )
}

// BW-TX-6, BW-TX-15: a known message in the wrong phase.
async fn wrong_phase(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let r = t
        .send(&cx, &t.seller, &[("buyersecret", &t.secret)])
        .await?;
    check::refused("buyersecret in ESTABLISHING", &r, 409, "tx.wrong-phase")?;
    let r = t.send(&cx, &t.buyer, &[("rejectresult", "on")]).await?;
    check::refused("rejectresult in ESTABLISHING", &r, 409, "tx.wrong-phase")
}

// BW-TX-8
async fn bad_hex(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let (wh, _) = t.buyer_hashes();
    let upper = wh.to_uppercase();
    let r = t
        .send(
            &cx,
            &t.buyer,
            &[("workhash", &upper), ("worksecrethash", &wh)],
        )
        .await?;
    check::refused("an upper-case workhash", &r, 400, "tx.bad-hex")
}

// BW-TX-8
async fn secret_mismatch(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "TRANSMITTING").await?;
    let wrong = hex32("not the secret");
    let r = t.send(&cx, &t.seller, &[("buyersecret", &wrong)]).await?;
    check::refused(
        "a buyersecret that does not hash to WorkSecretHash",
        &r,
        422,
        "tx.secret-mismatch",
    )
}

// BW-TX-8: the receipt must be the buyer's signature.
async fn bad_receipt(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "WORKING").await?;
    let (h, _, key) = t.result_args();
    let by_seller = bitwrk_protocol::signature::sign_message(&t.seller, h.as_bytes()).to_base64();
    let r = t
        .send(
            &cx,
            &t.seller,
            &[
                ("encresulthash", &h),
                ("encresulthashsig", &by_seller),
                ("encresultkey", &key),
            ],
        )
        .await?;
    check::refused("a receipt signed by the seller", &r, 422, "tx.bad-receipt")
}

// BW-TX-13, BW-HTTP-41: the worker URL's host must be the sender's address.
async fn worker_host(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let r = t
        .send(&cx, &t.seller, &[("workerurl", "http://192.0.2.7:8082/")])
        .await?;
    check::refused(
        "a worker URL on another host",
        &r,
        403,
        "tx.worker-host-mismatch",
    )
}

// BW-TX-8, BW-TX-15
async fn bad_worker_url(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let r = t
        .send(&cx, &t.seller, &[("workerurl", "https://127.0.0.1/")])
        .await?;
    check::refused("an https worker URL", &r, 400, "tx.bad-worker-url")?;
    let long = format!("http://127.0.0.1/{}", "a".repeat(250));
    let r = t.send(&cx, &t.seller, &[("workerurl", &long)]).await?;
    check::refused(
        "a worker URL of 267 bytes",
        &r,
        400,
        "tx.worker-url-too-long",
    )
}

// BW-TX-12, BW-MARKET-2: refusals leave the transaction byte for byte as it was.
async fn rejected_unchanged(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "TRANSMITTING").await?;
    let path = format!("/tx/{}", t.tx);
    let before = cx.client.get_json(&path).await?;
    let wrong = hex32("wrong");
    for args in [
        vec![("buyersecret", wrong.as_str())],
        vec![("rejectresult", "on")],
        vec![
            ("workhash", wrong.as_str()),
            ("worksecrethash", wrong.as_str()),
        ],
    ] {
        let who = if args[0].0 == "buyersecret" {
            &t.seller
        } else {
            &t.buyer
        };
        let r = t.send(&cx, who, &args).await?;
        check::that("a refusal", r.status >= 400, r.summary())?;
    }
    let after = cx.client.get_json(&path).await?;
    check::eq("body after refusals", before.text(), after.text())?;
    check::eq(
        "ETag after refusals",
        before.header("etag"),
        after.header("etag"),
    )
}

// BW-JSON-10, BW-TXDOC-6: the message log (shown in the transaction's
// HTML view, 16.9) holds the accepted messages only, each entry with the
// members of BW-JSON-10 in order: its signed canonical document, its
// signature, the sender's role number and the phases before and after.
async fn message_log(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let (wh, wsh) = t.buyer_hashes();
    let accepted = message_pairs(
        &t.buyer,
        &t.tx,
        &[("workhash", &wh), ("worksecrethash", &wsh)],
    );
    let r = cx
        .client
        .post_form(&format!("/tx/{}", t.tx), &form(&accepted))
        .await?;
    check::status("the buyer's workhash", &r, 303)?;
    let stranger = message_pairs(&cx.fresh_key(), &t.tx, &[("acceptresult", "on")]);
    let r = cx
        .client
        .post_form(&format!("/tx/{}", t.tx), &form(&stranger))
        .await?;
    check::that("a stranger's message refused", r.status >= 400, r.summary())?;
    let page = cx
        .client
        .send(
            "GET",
            &format!("/tx/{}", t.tx),
            &[("accept", "text/html")],
            b"",
        )
        .await?;
    check::status("GET /tx/<id> as HTML", &page, 200)?;
    let html = page.text();
    let log = html
        .split_once("Accepted messages")
        .map(|(_, l)| l.to_owned())
        .ok_or_else(|| fail("a message log in the HTML view", short(&html)))?;
    // The HTML view fixes no column order (16.9): the members as a set.
    let header = log
        .split_once("<tr><th>")
        .and_then(|(_, h)| h.split_once("</th></tr>"))
        .map_or("", |(h, _)| h);
    let mut columns: Vec<&str> = header.split("</th><th>").collect();
    columns.sort_unstable();
    let mut expected = vec![
        "Received",
        "Document",
        "Signature",
        "From",
        "Accepted",
        "RejectMessage",
        "PrePhase",
        "PostPhase",
    ];
    expected.sort_unstable();
    check::eq("the members of a log entry (BW-JSON-10)", expected, columns)?;
    check::eq("log entries", 1, log.matches("<tr><td>").count())?;
    let signature = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .find(|(k, _)| k == "signature")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let document = bitwrk_protocol::tx::document::canonical_document([
        ("workhash", wh.as_str()),
        ("worksecrethash", wsh.as_str()),
        ("txid", t.tx.as_str()),
    ]);
    for (what, text) in [
        ("the accepted message's signed document", document),
        ("the accepted message's signature", signature(&accepted)),
    ] {
        check::that(what, log.contains(&html_escape(&text)), short(&log))?;
    }
    // From 0 (buyer), Accepted true, RejectMessage "", PrePhase 0
    // (ESTABLISHING), PostPhase 1 (BUYER_ESTABLISHED), in the header's order.
    let row = log
        .split_once("<tr><td>")
        .and_then(|(_, r)| r.split_once("</td></tr>"))
        .map_or("", |(r, _)| r);
    let cells: Vec<&str> = row.split("</td><td>").collect();
    let unsorted: Vec<&str> = header.split("</th><th>").collect();
    let cell = |name: &str| {
        unsorted
            .iter()
            .position(|c| *c == name)
            .and_then(|i| cells.get(i).copied())
            .unwrap_or("")
    };
    check::eq(
        "From, Accepted, RejectMessage, PrePhase, PostPhase",
        vec![
            "<code>0</code>",
            "<code>true</code>",
            "<code></code>",
            "<code>0</code>",
            "<code>1</code>",
        ],
        ["From", "Accepted", "RejectMessage", "PrePhase", "PostPhase"]
            .iter()
            .map(|c| cell(c))
            .collect::<Vec<_>>(),
    )?;
    check::that(
        "the refused message is not logged",
        !log.contains(&html_escape(&signature(&stranger))),
        short(&log),
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn short(s: &str) -> String {
    crate::client::short(s)
}

// BW-TXDOC-2: a message signed for another transaction.
async fn txid_mismatch(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let pairs = message_pairs(&t.buyer, "999999999", &[("acceptresult", "on")]);
    let r = cx
        .client
        .post_form(&format!("/tx/{}", t.tx), &form(&pairs))
        .await?;
    check::refused(
        "a message with another txid",
        &r,
        400,
        "txdoc.txid-mismatch",
    )
}

// BW-TXDOC-4, BW-HTTP-9
async fn missing_signature(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let pairs: Vec<(String, String)> = message_pairs(&t.buyer, &t.tx, &[("acceptresult", "on")])
        .into_iter()
        .filter(|(k, _)| k != "signature")
        .collect();
    let r = cx
        .client
        .post_form(&format!("/tx/{}", t.tx), &form(&pairs))
        .await?;
    check::refused(
        "a message without signature",
        &r,
        400,
        "txdoc.missing-signature",
    )
}

// BW-TXDOC-5: a signature by another key claiming the buyer's address.
async fn bad_signature(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let forger = cx.fresh_key();
    let buyer = crate::context::address_of(&t.buyer);
    let pairs: Vec<(String, String)> = message_pairs(&forger, &t.tx, &[("acceptresult", "on")])
        .into_iter()
        .map(|(k, v)| {
            if k == "address" {
                (k, buyer.clone())
            } else {
                (k, v)
            }
        })
        .collect();
    let r = cx
        .client
        .post_form(&format!("/tx/{}", t.tx), &form(&pairs))
        .await?;
    check::refused(
        "acceptresult forged for the buyer",
        &r,
        403,
        "sig.address-mismatch",
    )?;
    check::eq(
        "phase unchanged",
        "ESTABLISHING".to_owned(),
        t.phase(&cx).await?,
    )
}

// BW-TXDOC-1, BW-HTTP-8
async fn duplicate_argument(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let pairs = message_pairs(&t.buyer, &t.tx, &[("acceptresult", "on")]);
    let body = format!("{}&acceptresult=on", form(&pairs));
    let r = cx.client.post_form(&format!("/tx/{}", t.tx), &body).await?;
    check::refused("acceptresult twice", &r, 400, "txdoc.duplicate-argument")
}

// BW-MARKET-6, BW-HTTP-25, BW-HTTP-24
async fn unknown_tx(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let pairs = message_pairs(&key, "999999999", &[("acceptresult", "on")]);
    let r = cx.client.post_form("/tx/999999999", &form(&pairs)).await?;
    check::refused(
        "a message for an unknown transaction",
        &r,
        404,
        "market.unknown-tx",
    )?;
    let r = cx.client.get_json("/tx/999999999").await?;
    check::refused("GET of an unknown transaction", &r, 404, "http.not-found")
}

// BW-TX-14, BW-HTTP-24, BW-MATCH-4: members in order, nulls of a new one,
// the trade's price and fee.
async fn json_shape(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let r = cx.client.get_json(&format!("/tx/{}", t.tx)).await?;
    check::eq(
        "transaction members in order",
        vec![
            "Revision",
            "BuyerBid",
            "SellerBid",
            "Buyer",
            "Seller",
            "Article",
            "Price",
            "Fee",
            "Matched",
            "State",
            "Phase",
            "Timeout",
            "WorkerURL",
            "WorkHash",
            "WorkSecretHash",
            "BuyerSecret",
            "EncryptedResultReceipt",
            "ResultDecryptionKey",
        ],
        check::member_names(&r.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    check::that(
        "one line and a line feed",
        r.body.ends_with(b"}\n") && r.text().matches('\n').count() == 1,
        r.text(),
    )?;
    let v = r.json().map_err(|e| fail("JSON", e))?;
    check::eq("BuyerBid", Some(t.buy_bid.as_str()), v["BuyerBid"].as_str())?;
    check::eq(
        "SellerBid",
        Some(t.sell_bid.as_str()),
        v["SellerBid"].as_str(),
    )?;
    check::eq(
        "Buyer",
        Some(crate::context::address_of(&t.buyer).as_str()),
        v["Buyer"].as_str(),
    )?;
    check::eq(
        "Seller",
        Some(crate::context::address_of(&t.seller).as_str()),
        v["Seller"].as_str(),
    )?;
    check::eq("Article", Some(t.article.as_str()), v["Article"].as_str())?;
    check::eq("Price", Some(PRICE), v["Price"].as_str())?;
    check::eq("Fee", Some(crate::trade::FEE), v["Fee"].as_str())?;
    check::eq("State (number)", Some(0), v["State"].as_i64())?;
    check::eq("Phase", Some("ESTABLISHING"), v["Phase"].as_str())?;
    for k in [
        "WorkerURL",
        "WorkHash",
        "WorkSecretHash",
        "BuyerSecret",
        "EncryptedResultReceipt",
        "ResultDecryptionKey",
    ] {
        check::eq(k, Value::Null, v[k].clone())?;
    }
    Ok(())
}

pub(crate) fn millis(v: &Value, k: &str) -> Result<u64, crate::case::Stop> {
    bitwrk_protocol::rfc3339::parse(v[k].as_str().unwrap_or(""))
        .map(|t| t.as_millis())
        .ok_or_else(|| fail(format!("{k} as an RFC 3339 time"), v[k].to_string()))
}

// BW-TX-9: Timeout = Matched + 60 s, then +2 min, +5 min, +15 min on arrival.
async fn timeout_extensions(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    let v = t.get(&cx).await?;
    let matched = millis(&v, "Matched")?;
    check::eq(
        "Timeout − Matched of a new transaction (ms)",
        60_000,
        millis(&v, "Timeout")? - matched,
    )?;
    let mut expected = 60_000;
    for (phase, add) in [
        ("BUYER_ESTABLISHED", 0),
        ("TRANSMITTING", 120_000),
        ("WORKING", 300_000),
        ("UNVERIFIED", 900_000),
    ] {
        t.drive_to_next(&cx, phase).await?;
        expected += add;
        let v = t.get(&cx).await?;
        check::eq(
            &format!("Timeout − Matched in {phase} (ms)"),
            expected,
            millis(&v, "Timeout")? - matched,
        )?;
    }
    Ok(())
}

/// Advances the clock past the transaction's timeout.
pub(crate) async fn past_timeout(cx: &Cx, t: &Trade) -> CaseResult {
    let v = t.get(cx).await?;
    let timeout = millis(&v, "Timeout")?;
    let now = clock_now(cx).await?;
    cx.advance(timeout.saturating_sub(now) + 1).await
}

pub(crate) async fn clock_now(cx: &Cx) -> Result<u64, crate::case::Stop> {
    if !cx.has_clock {
        return Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64));
    }
    let v = cx.object("/_test/clock").await?;
    millis(&v, "Now")
}

async fn expect_retired(cx: &Cx, t: &Trade, revision_before: i64) -> CaseResult {
    let v = t.get(cx).await?;
    check::eq(
        "State after the timeout (retired)",
        Some(1),
        v["State"].as_i64(),
    )?;
    check::eq(
        "Revision + 1 at retirement",
        revision_before + 1,
        revision(&v),
    )
}

async fn expect_paid(cx: &Cx, t: &Trade) -> CaseResult {
    check::eq(
        "seller paid the price",
        (check::money(PRICE), "BTC 0".to_owned()),
        balances(cx, &t.seller).await?,
    )?;
    check::eq(
        "buyer's block spent",
        (check::money("mBTC 8.97"), "BTC 0".to_owned()),
        balances(cx, &t.buyer).await?,
    )
}

async fn expect_refunded(cx: &Cx, t: &Trade) -> CaseResult {
    check::eq(
        "seller unpaid",
        ("BTC 0".to_owned(), "BTC 0".to_owned()),
        balances(cx, &t.seller).await?,
    )?;
    check::eq(
        "buyer refunded",
        (check::money(FUNDING), "BTC 0".to_owned()),
        balances(cx, &t.buyer).await?,
    )
}

// BW-TX-10, BW-TX-11, BW-LEDGER-9, BW-LEDGER-14, BW-LEDGER-15: UNVERIFIED
// times out → retired, the seller is paid, the fee is collected.
async fn unverified_timeout(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "UNVERIFIED").await?;
    past_timeout(&cx, &t).await?;
    expect_retired(&cx, &t, 4).await?;
    expect_paid(&cx, &t).await
}

// BW-TX-9, BW-TX-10, BW-TX-11: ESTABLISHING times out after 60 s → refund.
async fn establishing_timeout(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    check::eq(
        "blocked while active",
        (check::money("mBTC 8.97"), check::money("mBTC 1.03")),
        balances(&cx, &t.buyer).await?,
    )?;
    cx.advance(59_000).await?;
    check::eq(
        "still active at 59 s",
        Some(0),
        t.get(&cx).await?["State"].as_i64(),
    )?;
    cx.advance(1_001).await?;
    expect_retired(&cx, &t, 0).await?;
    expect_refunded(&cx, &t).await
}

// BW-TX-9, BW-TX-11: FINISHED's timeout is now; it retires and pays.
async fn finished_retires(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "FINISHED").await?;
    cx.advance(1).await?;
    expect_retired(&cx, &t, 5).await?;
    expect_paid(&cx, &t).await
}

// BW-TX-11: any phase but FINISHED and UNVERIFIED refunds the buyer.
async fn working_timeout(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "WORKING").await?;
    past_timeout(&cx, &t).await?;
    expect_retired(&cx, &t, 3).await?;
    expect_refunded(&cx, &t).await
}

// BW-TX-2, BW-TX-10: after the timeout no message is taken.
async fn inactive_after_timeout(cx: Cx) -> CaseResult {
    let t = Trade::open(&cx).await?;
    past_timeout(&cx, &t).await?;
    let r = t.send(&cx, &t.buyer, &[("acceptresult", "on")]).await?;
    check::refused("acceptresult after the timeout", &r, 409, "tx.inactive")
}

//! Deposit-address messages (16.6.7).

use bitwrk_protocol::document::query_escape;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::signature::sign_message;

use crate::case::{Case, CaseResult, Stop};
use crate::check;
use crate::client::{Resp, form};
use crate::context::{Ctx, Cx, address_of};

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "account/deposit-address-flow",
            [
                "BW-HTTP-27",
                "BW-HTTP-28",
                "BW-HTTP-29",
                "BW-HTTP-30",
                "BW-HTTP-37",
                "BW-DEPADDR-2",
                "BW-DEPADDR-3",
                "BW-DEPADDR-7"
            ],
            flow
        ),
        crate::case!(
            "account/unknown-action",
            ["BW-HTTP-27", "BW-DEPADDR-1"],
            unknown_action
        ),
        crate::case!(
            "account/untrusted-signer",
            ["BW-HTTP-28", "BW-HTTP-29", "BW-DEPADDR-4"],
            untrusted_signer
        ),
        crate::case!(
            "account/participant-mismatch",
            ["BW-HTTP-28"],
            participant_mismatch
        ),
        crate::case!(
            "account/deposit-info-checks",
            ["BW-DEPADDR-5", "BW-DEPADDR-6", "BW-DEPADDR-8", "BW-TIME-5"],
            deposit_info_checks
        ),
    ]
}

/// `e` of BW-HTTP-28: escaping with `%20` for spaces.
fn e(s: &str) -> String {
    query_escape(s).replace('+', "%20")
}

async fn request(
    cx: &Ctx,
    path_addr: &str,
    participant: &str,
    signer: &PrivateKey,
) -> Result<Resp, Stop> {
    let nonce = cx.nonce().await?;
    let signer_addr = address_of(signer);
    let doc = format!(
        "nonce={}&participant={}&signer={}",
        e(&nonce),
        e(participant),
        e(&signer_addr)
    );
    let sig = sign_message(signer, doc.as_bytes()).to_base64();
    let body = form(&[
        ("nonce", nonce.as_str()),
        ("participant", participant),
        ("signature", &sig),
        ("signer", &signer_addr),
        ("action", "requestdepositaddress"),
    ]);
    Ok(cx
        .client
        .post_form(&format!("/account/{path_addr}"), &body)
        .await?)
}

async fn store_info(
    cx: &Ctx,
    participant: &str,
    deposit: &str,
    signer: &PrivateKey,
) -> Result<Resp, Stop> {
    let nonce = cx.nonce().await?;
    let signer_addr = address_of(signer);
    let doc = format!(
        "depositaddress={}&nonce={}&participant={}&reference={}&signer={}",
        e(deposit),
        e(&nonce),
        e(participant),
        e("ref-1"),
        e(&signer_addr)
    );
    let sig = sign_message(signer, doc.as_bytes()).to_base64();
    let body = form(&[
        ("depositaddress", deposit),
        ("nonce", nonce.as_str()),
        ("participant", participant),
        ("reference", "ref-1"),
        ("signature", &sig),
        ("signer", &signer_addr),
        ("action", "storedepositinfo"),
    ]);
    Ok(cx
        .client
        .post_form(&format!("/account/{participant}"), &body)
        .await?)
}

// BW-HTTP-27 … BW-HTTP-30, BW-HTTP-37: request, pending, listed, answered, too soon.
async fn flow(cx: Cx) -> CaseResult {
    let p = cx.fresh_key();
    let addr = address_of(&p);
    let r = request(&cx, &addr, &addr, &p).await?;
    check::status("requestdepositaddress", &r, 303)?;
    check::header(
        "requestdepositaddress",
        &r,
        "location",
        &format!("/account/{addr}"),
    )?;
    let a = cx.object(&format!("/account/{addr}")).await?;
    let pending = check::member(&a, "DepositAddressRequest")?;
    check::that(
        "DepositAddressRequest starts with nonce=",
        pending.starts_with("nonce="),
        pending.clone(),
    )?;
    let l = cx
        .client
        .send(
            "GET",
            "/query/accounts?requestdepositaddress=1&limit=1023",
            &[],
            b"",
        )
        .await?;
    check::that(
        "the account listed as requesting",
        l.text().lines().any(|x| x == addr),
        l.text(),
    )?;
    let r = request(&cx, &addr, &addr, &p).await?;
    check::refused("a second request", &r, 409, "depaddr.pending-request")?;
    let deposit = address_of(&cx.fresh_key());
    let r = store_info(&cx, &addr, &deposit, &cx.trusted).await?;
    check::status("storedepositinfo by the trusted account", &r, 303)?;
    let a = cx.object(&format!("/account/{addr}")).await?;
    check::eq(
        "DepositAddressRequest cleared",
        Some(""),
        a["DepositAddressRequest"].as_str(),
    )?;
    let info = check::member(&a, "DepositInfo")?;
    check::that(
        "DepositInfo names the deposit address first",
        info.starts_with(&format!("depositaddress={deposit}&")),
        info.clone(),
    )?;
    let r = request(&cx, &addr, &addr, &p).await?;
    check::refused("a request within 24 h", &r, 429, "depaddr.too-soon")?;
    // The seconds until 24 h after the deposit information was stored,
    // which was a moment ago (a slow run may take a few minutes).
    let wait = r.header("retry-after").and_then(|v| v.parse::<u64>().ok());
    check::that(
        "Retry-After on 429: the seconds until 24 h after the deposit information (86 100 … 86 400)",
        wait.is_some_and(|s| (86_100..=86_400).contains(&s)),
        r.summary(),
    )
}

// BW-HTTP-27
async fn unknown_action(cx: Cx) -> CaseResult {
    let addr = address_of(&cx.fresh_key());
    let r = cx
        .client
        .post_form(&format!("/account/{addr}"), "action=withdraw")
        .await?;
    check::refused("action=withdraw", &r, 400, "depaddr.unknown-action")?;
    let r = cx
        .client
        .post_form(&format!("/account/{addr}"), "nonce=x")
        .await?;
    check::refused("no action", &r, 400, "depaddr.unknown-action")
}

// BW-HTTP-28, BW-HTTP-29: only the participant or the trusted account.
async fn untrusted_signer(cx: Cx) -> CaseResult {
    let p = cx.fresh_key();
    let other = cx.fresh_key();
    let addr = address_of(&p);
    let r = request(&cx, &addr, &addr, &other).await?;
    check::refused(
        "a request signed by a stranger",
        &r,
        403,
        "depaddr.untrusted-signer",
    )?;
    let r = store_info(&cx, &addr, &address_of(&other), &p).await?;
    check::refused(
        "deposit info signed by the participant",
        &r,
        403,
        "depaddr.untrusted-signer",
    )
}

// BW-HTTP-28
async fn participant_mismatch(cx: Cx) -> CaseResult {
    let p = cx.fresh_key();
    let other = address_of(&cx.fresh_key());
    let r = request(&cx, &other, &address_of(&p), &p).await?;
    check::refused(
        "participant differs from the path",
        &r,
        400,
        "depaddr.participant-mismatch",
    )
}

/// A `storedepositinfo` form signed by `signer` with `nonce`, as pairs in
/// the order of BW-DEPADDR-5, then `action`.
fn info_pairs(
    nonce: &str,
    participant: &str,
    deposit: &str,
    reference: &str,
    signer: &PrivateKey,
) -> Vec<(String, String)> {
    let signer_addr = address_of(signer);
    let doc = format!(
        "depositaddress={}&nonce={}&participant={}&reference={}&signer={}",
        e(deposit),
        e(nonce),
        e(participant),
        e(reference),
        e(&signer_addr)
    );
    let sig = sign_message(signer, doc.as_bytes()).to_base64();
    [
        ("nonce", nonce),
        ("depositaddress", deposit),
        ("participant", participant),
        ("signer", signer_addr.as_str()),
        ("reference", reference),
        ("signature", sig.as_str()),
        ("action", "storedepositinfo"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// A form, what it is, and the status and code it must be refused with.
type Refusal = (&'static str, Vec<(String, String)>, u16, &'static str);

fn without(pairs: &[(String, String)], name: &str) -> Vec<(String, String)> {
    pairs.iter().filter(|(k, _)| k != name).cloned().collect()
}

fn twice(pairs: &[(String, String)], name: &str) -> Vec<(String, String)> {
    let mut out = pairs.to_vec();
    out.extend(pairs.iter().filter(|(k, _)| k == name).cloned());
    out
}

// BW-DEPADDR-5, BW-DEPADDR-6, BW-DEPADDR-8, BW-TIME-5: each field exactly
// once; the deposit address on the server's network and the reference
// bounded, without control characters; the form checked before the
// signature; a refused form leaves its nonce unspent; accepted information
// is kept as the alphabetical form encoding and sets LastDepositInfo.
async fn deposit_info_checks(cx: Cx) -> CaseResult {
    let p = address_of(&cx.fresh_key());
    let deposit = address_of(&cx.fresh_key());
    let testnet = bitwrk_protocol::key::PrivateKey::from_secret_bytes(
        bitwrk_protocol::hash::sha256(b"conformance testnet deposit address").as_bytes(),
        true,
        bitwrk_protocol::address::Network::Testnet,
    )
    .map(|k| address_of(&k))
    .map_err(|e| crate::case::fail("a testnet key", e.to_string()))?;
    let post = |pairs: Vec<(String, String)>| {
        let cx = cx.clone();
        let path = format!("/account/{p}");
        async move { cx.client.post_form(&path, &form(&pairs)).await }
    };
    let nonce = cx.nonce().await?;
    let good = info_pairs(&nonce, &p, &deposit, "ref-1x", &cx.trusted);
    let long = "r".repeat(256);
    let by_participant = cx.fresh_key();
    let cases: Vec<Refusal> = vec![
        (
            "a testnet deposit address",
            info_pairs(&nonce, &p, &testnet, "ref", &cx.trusted),
            400,
            "depaddr.bad-deposit-address",
        ),
        (
            "a reference of 256 bytes",
            info_pairs(&nonce, &p, &deposit, &long, &cx.trusted),
            400,
            "depaddr.bad-reference",
        ),
        (
            "a reference with a control character",
            info_pairs(&nonce, &p, &deposit, "a\u{1}b", &cx.trusted),
            400,
            "depaddr.bad-reference",
        ),
        (
            "a bad deposit address with a broken signature (form first)",
            info_pairs(&nonce, &p, &testnet, "ref", &cx.trusted)
                .into_iter()
                .map(|(k, v)| {
                    if k == "signature" {
                        (k, "AAAA".to_owned())
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            400,
            "depaddr.bad-deposit-address",
        ),
        (
            "signed by another key for the trusted account",
            info_pairs(&nonce, &p, &deposit, "ref-1x", &by_participant)
                .into_iter()
                .map(|(k, v)| {
                    if k == "signer" {
                        (k, address_of(&cx.trusted))
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            403,
            "sig.address-mismatch",
        ),
    ];
    // BW-HTTP-27, BW-DEPADDR-2: an absent or repeated field of the action
    // is the core's refusal.
    for (what, pairs, code) in [
        (
            "reference absent",
            without(&good, "reference"),
            "depaddr.missing-field",
        ),
        (
            "depositaddress twice",
            twice(&good, "depositaddress"),
            "depaddr.duplicate-field",
        ),
    ] {
        let r = post(pairs).await?;
        check::refused(what, &r, 400, code)?;
    }
    for (what, pairs, status, code) in cases {
        let r = post(pairs).await?;
        check::refused(what, &r, status, code)?;
    }
    // The same nonce still works: no refusal spent it.
    let r = post(good.clone()).await?;
    check::status("the good form with the nonce of the refused ones", &r, 303)?;
    let a = cx.object(&format!("/account/{p}")).await?;
    let field = |k: &str| {
        good.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| query_escape(v))
            .unwrap_or_default()
    };
    let kept = [
        "depositaddress",
        "nonce",
        "participant",
        "reference",
        "signature",
        "signer",
    ]
    .iter()
    .map(|k| format!("{k}={}", field(k)))
    .collect::<Vec<_>>()
    .join("&");
    check::eq(
        "DepositInfo as kept",
        Some(kept.as_str()),
        a["DepositInfo"].as_str(),
    )?;
    check::that(
        "LastDepositInfo set (not Go's zero time)",
        a["LastDepositInfo"]
            .as_str()
            .is_some_and(|t| !t.starts_with("0001-")),
        a["LastDepositInfo"].to_string(),
    )?;
    let r = post(good).await?;
    check::refused("the nonce once more", &r, 409, "nonce.used")
}

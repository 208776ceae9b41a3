//! Deposits (§14.1, 16.6.9).

use crate::case::{Case, CaseResult, fail};
use crate::check;
use crate::client::form;
use crate::context::{Cx, address_of};

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "deposit/accepted",
            [
                "BW-HTTP-32",
                "BW-HTTP-33",
                "BW-DEP-9",
                "BW-DEP-6",
                "BW-HTTP-31",
                "BW-LEDGER-4",
                "BW-LEDGER-12",
                "BW-JSON-7",
                "BW-JSON-8"
            ],
            accepted
        ),
        crate::case!("deposit/idempotent", ["BW-DEP-8"], idempotent),
        crate::case!("deposit/uid-conflict", ["BW-DEP-8"], uid_conflict),
        crate::case!(
            "deposit/untrusted-signer",
            ["BW-DEP-7", "BW-DEP-10"],
            untrusted_signer
        ),
        crate::case!(
            "deposit/missing-field",
            ["BW-DEP-1", "BW-HTTP-9"],
            missing_field
        ),
        crate::case!(
            "deposit/bad-fields",
            ["BW-DEP-2", "BW-DEP-3", "BW-DEP-4", "BW-DEP-5"],
            bad_fields
        ),
    ]
}

fn with(pairs: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| {
            if k == name {
                (k.clone(), value.to_owned())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

// BW-HTTP-32, BW-HTTP-33, BW-DEP-9, BW-HTTP-31: 302 to /deposit/<uid>; the
// deposit's JSON; one DEPOSIT movement (A = +amount, W = −amount).
async fn accepted(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let addr = address_of(&key);
    let uid = cx.fresh_uid();
    let pairs = cx.deposit_pairs(&addr, "mBTC 3", &uid).await?;
    let r = cx.client.post_form("/deposit", &form(&pairs)).await?;
    check::status("POST /deposit", &r, 302)?;
    check::header("POST /deposit", &r, "location", &format!("/deposit/{uid}"))?;
    check::eq("302 body", 0, r.body.len())?;
    let d = cx.client.get_json(&format!("/deposit/{uid}")).await?;
    check::status("GET /deposit/<uid>", &d, 200)?;
    check::eq(
        "deposit members",
        vec![
            "Type",
            "Amount",
            "Account",
            "Reference",
            "Document",
            "Signature",
            "Created",
        ],
        check::member_names(&d.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    let v = d.json().map_err(|e| fail("JSON", e))?;
    check::eq("Type (number)", Some(0), v["Type"].as_i64())?;
    check::eq("Amount", Some("mBTC 3"), v["Amount"].as_str())?;
    check::eq("Account", Some(addr.as_str()), v["Account"].as_str())?;
    check::eq("Reference", Some("conformance"), v["Reference"].as_str())?;
    let sig = pairs
        .iter()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| v.as_str());
    check::eq("Signature as submitted", sig, v["Signature"].as_str())?;
    let a = cx.object(&format!("/account/{addr}")).await?;
    let key = check::member(&a, "LastMovementKey")?;
    let m = cx.client.get_json(&format!("/ledger/{key}")).await?;
    check::status("GET /ledger/<LastMovementKey>", &m, 200)?;
    check::eq(
        "movement members",
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
        check::member_names(&m.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    let m = m.json().map_err(|e| fail("JSON", e))?;
    check::eq("Key", Some(key.as_str()), m["Key"].as_str())?;
    check::eq("movement Type", Some("DEPOSIT"), m["Type"].as_str())?;
    check::eq(
        "AvailableDelta",
        Some("mBTC 3"),
        m["AvailableDelta"].as_str(),
    )?;
    check::eq("World", Some("mBTC -3"), m["World"].as_str())?;
    check::eq(
        "BlockedDelta (zero)",
        Some("BTC 0"),
        m["BlockedDelta"].as_str(),
    )?;
    check::eq("DepositKey", Some(uid.as_str()), m["DepositKey"].as_str())
}

// BW-DEP-8: the same deposit again (new nonce and signature) is a no-op.
async fn idempotent(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let addr = address_of(&key);
    let uid = cx.fresh_uid();
    for _ in 0..2 {
        let pairs = cx.deposit_pairs(&addr, "mBTC 1", &uid).await?;
        let r = cx.client.post_form("/deposit", &form(&pairs)).await?;
        check::status("POST /deposit (same uid, same deposit)", &r, 302)?;
    }
    let a = cx.object(&format!("/account/{addr}")).await?;
    check::eq("credited once", Some("mBTC 1"), a["Available"].as_str())
}

// BW-DEP-8: the same uid with another amount.
async fn uid_conflict(cx: Cx) -> CaseResult {
    let addr = address_of(&cx.fresh_key());
    let uid = cx.fresh_uid();
    cx.client
        .post_form(
            "/deposit",
            &form(&cx.deposit_pairs(&addr, "mBTC 1", &uid).await?),
        )
        .await?;
    let r = cx
        .client
        .post_form(
            "/deposit",
            &form(&cx.deposit_pairs(&addr, "mBTC 2", &uid).await?),
        )
        .await?;
    check::refused(
        "the same uid with another amount",
        &r,
        409,
        "deposit.uid-conflict",
    )
}

// BW-DEP-7, BW-DEP-10: only the trusted account signs deposits.
async fn untrusted_signer(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let addr = address_of(&key);
    let pairs = cx.deposit_pairs(&addr, "mBTC 1", &cx.fresh_uid()).await?;
    let parsed = bitwrk_protocol::ledger::deposit::SignedDeposit::from_form(&pairs)
        .map_err(|e| fail("a deposit", e.to_string()))?;
    let own =
        bitwrk_protocol::signature::sign_message(&key, parsed.document().as_bytes()).to_base64();
    let r = cx
        .client
        .post_form("/deposit", &form(&with(&pairs, "signature", &own)))
        .await?;
    check::refused(
        "a deposit signed by the participant",
        &r,
        403,
        "deposit.untrusted-signer",
    )
}

// BW-DEP-1, BW-HTTP-9
async fn missing_field(cx: Cx) -> CaseResult {
    let addr = address_of(&cx.fresh_key());
    let pairs: Vec<(String, String)> = cx
        .deposit_pairs(&addr, "mBTC 1", &cx.fresh_uid())
        .await?
        .into_iter()
        .filter(|(k, _)| k != "uid")
        .collect();
    let r = cx.client.post_form("/deposit", &form(&pairs)).await?;
    check::refused("a deposit without uid", &r, 400, "deposit.missing-field")
}

// BW-DEP-2 … BW-DEP-5
async fn bad_fields(cx: Cx) -> CaseResult {
    let addr = address_of(&cx.fresh_key());
    let pairs = cx.deposit_pairs(&addr, "mBTC 1", &cx.fresh_uid()).await?;
    for (name, value, code) in [
        ("account", "1notanaddress", "deposit.bad-account"),
        ("type", "2", "deposit.bad-type"),
        ("uid", "short", "deposit.bad-uid"),
        ("ref", "has space", "deposit.bad-reference"),
        ("amount", "1 mBTC", "deposit.bad-amount"),
    ] {
        let r = cx
            .client
            .post_form("/deposit", &form(&with(&pairs, name, value)))
            .await?;
        check::refused(&format!("a deposit with {name}={value:?}"), &r, 400, code)?;
    }
    Ok(())
}

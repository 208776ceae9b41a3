//! Relations and trusted articles (§14.2, 16.6.10).

use bitwrk_protocol::address::Address;
use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::relation::{RelationType, SignedRelation};

use crate::case::{Case, CaseResult, Stop, fail};
use crate::check;
use crate::client::{Resp, form};
use crate::context::{Ctx, Cx, address_of};
use crate::trade::PRICE;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "rel/trusts-admits-seller",
            [
                "BW-REL-10",
                "BW-BID-11",
                "BW-HTTP-34",
                "BW-HTTP-35",
                "BW-REL-9",
                "BW-REL-5",
                "BW-JSON-9"
            ],
            trusts_admits
        ),
        crate::case!(
            "rel/disable-revokes",
            ["BW-REL-8", "BW-REL-4", "BW-REL-10"],
            disable_revokes
        ),
        crate::case!("rel/unknown-404", ["BW-HTTP-35"], unknown_404),
        crate::case!("rel/bad-signature", ["BW-REL-6", "BW-REL-7"], bad_signature),
        crate::case!(
            "rel/same-source-target",
            ["BW-REL-2", "BW-REL-7"],
            same_source_target
        ),
        crate::case!("rel/bad-type", ["BW-REL-3", "BW-REL-1"], bad_type),
        crate::case!("rel/worksfor-by-anyone", ["BW-REL-3", "BW-REL-9"], worksfor),
    ]
}

async fn post_relation(
    cx: &Ctx,
    by: &PrivateKey,
    kind: RelationType,
    target: &PrivateKey,
    enabled: bool,
) -> Result<Resp, Stop> {
    let nonce = cx.nonce().await?;
    let target =
        Address::parse(&address_of(target)).map_err(|e| fail("an address", e.to_string()))?;
    let rel = SignedRelation::signed(by, kind, target, enabled, &nonce);
    Ok(cx.client.post_form("/rel", &form(&rel.to_form())).await?)
}

async fn sell_trusted(cx: &Ctx, seller: &PrivateKey, article: &str) -> Result<Resp, Stop> {
    let f = cx.bid_form(seller, BidType::Sell, article, PRICE).await?;
    cx.post_bid(&f).await
}

// BW-REL-10, BW-BID-11, BW-HTTP-34, BW-HTTP-35, BW-REL-9: the trust account's
// enabled trusts relation admits the seller on ~trusted articles.
async fn trusts_admits(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = format!("{}~trusted", cx.lone_sell_article());
    let r = sell_trusted(&cx, &seller, &article).await?;
    check::refused("an untrusted seller", &r, 403, "bid.untrusted-seller")?;
    let r = post_relation(&cx, &cx.trusted, RelationType::Trusts, &seller, true).await?;
    check::status("POST /rel", &r, 302)?;
    let path = format!(
        "/rel/{}/trusts/{}",
        crate::profile::TEST_ADDRESS,
        address_of(&seller)
    );
    check::header("POST /rel", &r, "location", &path)?;
    let g = cx
        .client
        .send("GET", &path, &[("accept", "text/html")], b"")
        .await?;
    check::status("GET /rel/…", &g, 200)?;
    check::header(
        "GET /rel/… whatever Accept says",
        &g,
        "content-type",
        "application/json",
    )?;
    check::eq(
        "relation members",
        vec![
            "Source",
            "Target",
            "Type",
            "Enabled",
            "Document",
            "Signature",
            "LastModified",
        ],
        check::member_names(&g.body)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?;
    let v = g.json().map_err(|e| fail("JSON", e))?;
    check::eq("Enabled", Some(true), v["Enabled"].as_bool())?;
    check::eq("Type", Some("trusts"), v["Type"].as_str())?;
    let r = sell_trusted(&cx, &seller, &article).await?;
    check::status("the trusted seller's SELL", &r, 303)
}

// BW-REL-8, BW-REL-4: a later disabled relation replaces the enabled one.
async fn disable_revokes(cx: Cx) -> CaseResult {
    let seller = cx.fresh_key();
    let article = format!("{}~trusted", cx.lone_sell_article());
    check::status(
        "enable",
        &post_relation(&cx, &cx.trusted, RelationType::Trusts, &seller, true).await?,
        302,
    )?;
    check::status(
        "disable",
        &post_relation(&cx, &cx.trusted, RelationType::Trusts, &seller, false).await?,
        302,
    )?;
    let v = cx
        .object(&format!(
            "/rel/{}/trusts/{}",
            crate::profile::TEST_ADDRESS,
            address_of(&seller)
        ))
        .await?;
    check::eq(
        "Enabled after disabling",
        Some(false),
        v["Enabled"].as_bool(),
    )?;
    let r = sell_trusted(&cx, &seller, &article).await?;
    check::refused(
        "the no longer trusted seller",
        &r,
        403,
        "bid.untrusted-seller",
    )
}

// BW-HTTP-35
async fn unknown_404(cx: Cx) -> CaseResult {
    let a = address_of(&cx.fresh_key());
    for path in [
        format!("/rel/{}/trusts/{a}", crate::profile::TEST_ADDRESS),
        format!("/rel/{a}/likes/{a}"),
        format!("/rel/notanaddress/trusts/{a}"),
    ] {
        let r = cx.client.get_json(&path).await?;
        check::refused(&format!("GET {path}"), &r, 404, "http.not-found")?;
    }
    Ok(())
}

// BW-REL-6, BW-REL-7
async fn bad_signature(cx: Cx) -> CaseResult {
    let target = cx.fresh_key();
    let forger = cx.fresh_key();
    let nonce = cx.nonce().await?;
    let t = Address::parse(&address_of(&target)).map_err(|e| fail("an address", e.to_string()))?;
    let mut pairs =
        SignedRelation::signed(&forger, RelationType::Trusts, t, true, &nonce).to_form();
    for p in &mut pairs {
        if p.0 == "source" {
            p.1 = crate::profile::TEST_ADDRESS.to_owned();
        }
    }
    let r = cx.client.post_form("/rel", &form(&pairs)).await?;
    check::refused(
        "a relation forged for the trust account",
        &r,
        403,
        "sig.address-mismatch",
    )
}

// BW-REL-2, BW-REL-7
async fn same_source_target(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let r = post_relation(&cx, &key, RelationType::Worksfor, &key, true).await?;
    check::refused(
        "a relation to oneself",
        &r,
        422,
        "relation.same-source-target",
    )
}

// BW-REL-3, BW-REL-1
async fn bad_type(cx: Cx) -> CaseResult {
    let key = cx.fresh_key();
    let target = cx.fresh_key();
    let nonce = cx.nonce().await?;
    let t = Address::parse(&address_of(&target)).map_err(|e| fail("an address", e.to_string()))?;
    let mut pairs = SignedRelation::signed(&key, RelationType::Trusts, t, true, &nonce).to_form();
    pairs.retain(|(k, _)| k != "type");
    let r = cx.client.post_form("/rel", &form(&pairs)).await?;
    check::refused("a relation without type", &r, 400, "relation.missing-field")?;
    pairs.push(("type".into(), "Trusts".into()));
    let r = cx.client.post_form("/rel", &form(&pairs)).await?;
    check::refused("a relation of type Trusts", &r, 400, "relation.bad-type")
}

// BW-REL-3, BW-REL-9: any participant states its own relations.
async fn worksfor(cx: Cx) -> CaseResult {
    let a = cx.fresh_key();
    let b = cx.fresh_key();
    check::status(
        "a worksfor relation",
        &post_relation(&cx, &a, RelationType::Worksfor, &b, true).await?,
        302,
    )?;
    let v = cx
        .object(&format!(
            "/rel/{}/worksfor/{}",
            address_of(&a),
            address_of(&b)
        ))
        .await?;
    check::eq(
        "Source",
        Some(address_of(&a).as_str()),
        v["Source"].as_str(),
    )
}

//! Signatures as a server verifies them (§5), seen through bid admission:
//! the signature field of an otherwise good bid is varied byte by byte.

use base64::Engine as _;
use bitwrk_protocol::bid::{BidForm, BidType};

use crate::case::{Case, CaseResult, Stop, fail};
use crate::check;
use crate::context::{Ctx, Cx};
use crate::trade::PRICE;

/// The cases of this area.
pub fn cases() -> Vec<Case> {
    vec![
        crate::case!(
            "sig/bid/header-range",
            ["BW-SIG-3", "BW-SIG-4", "BW-SIG-10"],
            header_range
        ),
        crate::case!(
            "sig/bid/r-and-s-range",
            ["BW-SIG-6", "BW-SIG-10"],
            r_s_range
        ),
        crate::case!(
            "sig/bid/base64",
            ["BW-SIG-2", "BW-ENC-2", "BW-SIG-4"],
            base64_forms
        ),
        crate::case!(
            "sig/bid/high-s-accepted",
            ["BW-SIG-5", "BW-SIG-7", "BW-SIG-9", "BW-SIG-1"],
            high_s
        ),
        crate::case!("sig/bid/other-key", ["BW-SIG-9"], other_key),
        crate::case!(
            "sig/mode/one-mode",
            ["BW-SIG-13", "BW-SIG-14", "BW-SIG-15"],
            one_mode
        ),
        crate::case!(
            "sig/bid/compression-flag",
            ["BW-SIG-11", "BW-KEY-4", "BW-ADDR-1"],
            compression_flag
        ),
    ]
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// secp256k1's group order n, big-endian.
const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// A good SELL form on a fresh article and its signature bytes.
async fn good(cx: &Ctx) -> Result<(BidForm, Vec<u8>), Stop> {
    let key = cx.fresh_key();
    let article = cx.lone_sell_article();
    let form = cx.bid_form(&key, BidType::Sell, &article, PRICE).await?;
    let bytes = B64
        .decode(&form.signature)
        .map_err(|e| fail("base64", e.to_string()))?;
    Ok((form, bytes))
}

async fn expect(cx: &Ctx, form: &BidForm, bytes: &[u8], what: &str, code: &str) -> CaseResult {
    let f = BidForm {
        signature: B64.encode(bytes),
        ..form.clone()
    };
    let r = cx.post_bid(&f).await?;
    check::refused(what, &r, check::status_of(code), code)
}

// BW-SIG-3, BW-SIG-4, BW-SIG-10: headers outside 27–34 are refused first.
async fn header_range(cx: Cx) -> CaseResult {
    let (form, sig) = good(&cx).await?;
    for h in [0u8, 26, 35, 255] {
        let mut s = sig.clone();
        s[0] = h;
        expect(
            &cx,
            &form,
            &s,
            &format!("header byte {h}"),
            "sig.bad-header",
        )
        .await?;
    }
    expect(
        &cx,
        &form,
        &sig[..64],
        "a 64-byte signature",
        "sig.bad-length",
    )
    .await
}

// BW-SIG-6, BW-SIG-10: r and s must be in [1, n − 1].
async fn r_s_range(cx: Cx) -> CaseResult {
    let (form, sig) = good(&cx).await?;
    let mut s = sig.clone();
    s[1..33].fill(0);
    expect(&cx, &form, &s, "r = 0", "sig.bad-r").await?;
    let mut s = sig.clone();
    s[1..33].copy_from_slice(&N);
    expect(&cx, &form, &s, "r = n", "sig.bad-r").await?;
    let mut s = sig.clone();
    s[33..65].fill(0);
    expect(&cx, &form, &s, "s = 0", "sig.bad-s").await
}

// BW-SIG-2, BW-ENC-2: only canonical padded standard base64.
async fn base64_forms(cx: Cx) -> CaseResult {
    let (form, _) = good(&cx).await?;
    let unpadded = form.signature.trim_end_matches('=').to_owned();
    let urlsafe = form.signature.replace('+', "-").replace('/', "_");
    for (what, text) in [
        ("without padding", unpadded),
        ("URL-safe alphabet", urlsafe),
        ("not base64", "!!!!".to_owned()),
    ] {
        if text == form.signature {
            continue;
        }
        let f = BidForm {
            signature: text,
            ..form.clone()
        };
        let r = cx.post_bid(&f).await?;
        check::refused(&format!("a signature {what}"), &r, 403, "sig.bad-base64")?;
    }
    let r = cx.post_bid(&form).await?;
    check::status(
        "the canonical signature (nonce not spent by the refusals)",
        &r,
        303,
    )
}

/// n − s, big-endian.
fn negate(s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(N[i]) - i16::from(s[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

// BW-SIG-5, BW-SIG-7, BW-SIG-9: (r, n − s) with the other recovery id is
// the same key's signature and MUST verify.
async fn high_s(cx: Cx) -> CaseResult {
    let (form, sig) = good(&cx).await?;
    let mut s = sig.clone();
    s[0] = 31 + ((sig[0] - 31) ^ 1);
    s[33..65].copy_from_slice(&negate(&sig[33..65]));
    let f = BidForm {
        signature: B64.encode(&s),
        ..form.clone()
    };
    let r = cx.post_bid(&f).await?;
    check::status("a high-S signature of the right key", &r, 303)
}

// BW-SIG-11, BW-KEY-4, BW-ADDR-1: the header's compression flag selects the
// key form hashed into the address; an uncompressed header (27–30) for a
// compressed key's address does not verify.
async fn compression_flag(cx: Cx) -> CaseResult {
    let (form, sig) = good(&cx).await?;
    let mut s = sig.clone();
    s[0] = sig[0] - 4;
    expect(
        &cx,
        &form,
        &s,
        "the uncompressed header for a compressed key",
        "sig.address-mismatch",
    )
    .await
}

// BW-SIG-9: a signature by another key over a bid naming a funded account
// is refused: the recovered address must be the claimed one. Nothing is
// blocked in the claimed account.
async fn other_key(cx: Cx) -> CaseResult {
    let (victim, forger) = (cx.fresh_key(), cx.fresh_key());
    let victim_address = crate::context::address_of(&victim);
    cx.fund(&victim_address, "mBTC 10").await?;
    let article = cx.fresh_article();
    let nonce = cx.nonce().await?;
    let document = bitwrk_protocol::bid::bid_document(
        &article,
        BidType::Buy.as_str(),
        PRICE,
        &victim_address,
        &nonce,
    );
    let form = BidForm {
        bid_type: BidType::Buy.as_str().to_owned(),
        article,
        price: PRICE.to_owned(),
        address: victim_address,
        nonce,
        signature: bitwrk_protocol::signature::sign_message(&forger, document.as_bytes())
            .to_base64(),
    };
    let r = cx.post_bid(&form).await?;
    check::refused(
        "a BUY for a funded account signed by another key",
        &r,
        403,
        "sig.address-mismatch",
    )?;
    check::eq(
        "nothing blocked in the claimed account",
        (check::money("mBTC 10"), "BTC 0".to_owned()),
        crate::trade::balances(&cx, &victim).await?,
    )
}

/// A signature under the BitWrk 0.7 legacy digest (§5.11).
fn legacy_signature(key: &bitwrk_protocol::key::PrivateKey, message: &str) -> String {
    use bitwrk_protocol::signature::{legacy_07_digest, sign_digest};
    sign_digest(key, &legacy_07_digest(message.as_bytes())).to_base64()
}

// BW-SIG-13, BW-SIG-14, BW-SIG-15: a deposit (259 bytes) and a result
// message (about 280 bytes) signed under the 0.7 legacy digest, where it
// differs from the Bitcoin digest. The profile fixes no mode: a server in
// 0.7-compatible mode accepts both, one in strict mode refuses both with
// the Bitcoin digest's code; one mode for every
// kind of document either way.
async fn one_mode(cx: Cx) -> CaseResult {
    use crate::client::form;
    use crate::trade::Trade;
    use bitwrk_protocol::ledger::deposit::SignedDeposit;
    use bitwrk_protocol::signature::legacy_07_differs;

    // The deposit: the longest uid and ref, an amount with leading zeros.
    let account = crate::context::address_of(&cx.fresh_key());
    let uid = format!("{:-<64}", cx.fresh_uid());
    let nonce = cx.nonce().await?;
    let mut pairs: Vec<(String, String)> = [
        ("account", account.as_str()),
        ("amount", "satoshi 00000000000100000"),
        ("nonce", nonce.as_str()),
        ("ref", &"r".repeat(64)),
        ("signature", ""),
        ("type", "0"),
        ("uid", uid.as_str()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let document = SignedDeposit::from_form(&pairs)
        .map_err(|e| fail("a deposit the suite can build", e.to_string()))?
        .document();
    check::that(
        "the deposit document's length is one where the digests differ",
        legacy_07_differs(document.len() as u64),
        document.len().to_string(),
    )?;
    pairs[4].1 = legacy_signature(&cx.trusted, &document);
    let deposit = cx.client.post_form("/deposit", &form(&pairs)).await?;

    // The result message.
    let t = Trade::open(&cx).await?;
    t.drive_to(&cx, "WORKING").await?;
    let (h, receipt, key) = t.result_args();
    let mut signed = vec![
        ("encresulthash", h.as_str()),
        ("encresulthashsig", receipt.as_str()),
        ("encresultkey", key.as_str()),
        ("txid", t.tx.as_str()),
    ];
    let text = bitwrk_protocol::tx::document::canonical_document(signed.iter().copied());
    check::that(
        "the result message's length is one where the digests differ",
        legacy_07_differs(text.len() as u64),
        text.len().to_string(),
    )?;
    let address = crate::context::address_of(&t.seller);
    let signature = legacy_signature(&t.seller, &text);
    signed.push(("address", address.as_str()));
    signed.push(("signature", signature.as_str()));
    let message = cx
        .client
        .post_form(&format!("/tx/{}", t.tx), &form(&signed))
        .await?;

    if deposit.status == 302 {
        // 0.7-compatible mode (BW-SIG-13): the result message too.
        check::status(
            "the legacy-signed result message (compatible mode)",
            &message,
            303,
        )?;
        check::eq(
            "phase after it",
            "UNVERIFIED".to_owned(),
            t.phase(&cx).await?,
        )
    } else {
        // Strict mode (BW-SIG-14): both refused with the Bitcoin digest's
        // code; for a deposit, whose signer is the recovered address, that
        // is deposit.untrusted-signer (BW-DEP-7).
        check::refused(
            "the legacy-signed deposit (strict mode)",
            &deposit,
            403,
            "deposit.untrusted-signer",
        )?;
        check::refused(
            "the legacy-signed result message (strict mode)",
            &message,
            403,
            "sig.address-mismatch",
        )
    }
}

//! The checks of a bid form: BW-BID-10 written from the spec text, the
//! crate's verdict, and the case written out once both agree.

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::Timestamp;
use bitwrk_protocol::bid::{Bid, BidConfig, BidForm, BidType, FeeRatio};
use bitwrk_protocol::nonce::NonceRegistry;
use bitwrk_protocol::signature::verify_document;

use super::{BidCase, NonceState};
use crate::market::{Sig, T0, ref_normalize};
use crate::{
    Case, Net, Outcome, Verdict, case, hx, msg_digest, oracle_address, oracle_verify,
    ref_canonical, ref_parse,
};

/// BW-BID-1, written from the spec.
pub(super) fn ref_document(c: &BidCase) -> String {
    format!(
        "article={}&type={}&price={}&address={}&nonce={}",
        ref_normalize(&c.article),
        c.ty,
        ref_normalize(&c.price),
        ref_normalize(c.address.trim()),
        ref_normalize(&c.nonce)
    )
}

/// BW-ART-3's default list, written from the spec table.
fn ref_traded(base: &str) -> bool {
    if ["fnord", "snafu", "foobar", "net.bitwrk/gorays/0"].contains(&base) {
        return true;
    }
    let mut versions = vec!["69".to_owned()];
    versions.extend((70..=82).map(|v| v.to_string()));
    versions.iter().any(|v| {
        ["512M", "2G", "8G", "32G"]
            .iter()
            .any(|m| base == format!("net.bitwrk/blender/0/2.{v}/{m}"))
    })
}

/// BW-ART-1 and BW-ART-3.
fn ref_article(a: &str) -> Result<(), &'static str> {
    let base = a.strip_suffix("~trusted").unwrap_or(a);
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-');
    if a.len() > 128 || base.is_empty() || !base.chars().all(ok_char) {
        return Err("article.bad-syntax");
    }
    if !ref_traded(base) {
        return Err("article.not-traded");
    }
    Ok(())
}

struct Expected {
    amount: i64,
    currency: &'static str,
    fee: i64,
}

/// The checks of BW-BID-10 in order, from the spec text.
fn ref_check(c: &BidCase, signature: &str) -> Result<Expected, &'static str> {
    let nonce_ok = (24..=32).contains(&c.nonce.len())
        && c.nonce
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !nonce_ok {
        return Err("nonce.bad-format");
    }
    match c.nonce_state {
        NonceState::Live => {}
        NonceState::Unknown => return Err("nonce.unknown"),
        NonceState::Expired => return Err("nonce.expired"),
        NonceState::Used => return Err("nonce.used"),
    }
    ref_article(&c.article)?;
    let addr = c.address.trim();
    let (net, _) = oracle_address(addr)?;
    if net != Net::Main {
        return Err("addr.wrong-network");
    }
    if c.ty != "BUY" && c.ty != "SELL" {
        return Err("bid.unknown-type");
    }
    let (amount, currency) = ref_parse(&c.price)?;
    if amount < 0 {
        return Err("bid.negative-price");
    }
    let (n, d) = (i128::from(c.fee.0), i128::from(c.fee.1));
    let limit = i128::from(i64::MAX) / (n + 1);
    let fee = (n * i128::from(amount) + d - 1) / d;
    let max = i128::from(i64::MAX);
    if i128::from(amount) >= limit || fee > max || i128::from(amount) + fee > max {
        return Err("bid.price-too-high");
    }
    if let Verdict::Invalid { code, .. } =
        oracle_verify(addr, ref_document(c).as_bytes(), signature)
    {
        return Err(code);
    }
    if c.ty == "SELL" && c.article.ends_with("~trusted") && !c.trusted {
        return Err("bid.untrusted-seller");
    }
    Ok(Expected {
        amount,
        currency,
        fee: i64::try_from(fee).unwrap(),
    })
}

/// Registers the form's nonce as the header describes and returns the time
/// of the request.
pub(crate) fn nonce_registry(nonce: &str, state: NonceState) -> (NonceRegistry, Timestamp) {
    let mut reg = NonceRegistry::default();
    let t0 = Timestamp::from_millis(T0 as u64);
    let at = |s: u64| Timestamp::from_millis(T0 as u64 + s * 1000);
    let random = || -> [u8; 16] {
        hex::decode(nonce)
            .expect("hex nonce")
            .try_into()
            .expect("16 bytes")
    };
    match state {
        NonceState::Unknown => return (reg, at(10)),
        NonceState::Live => {
            reg.issue(t0, &random()).unwrap();
        }
        NonceState::Expired => {
            reg.issue(t0, &random()).unwrap();
            return (reg, at(180));
        }
        NonceState::Used => {
            reg.issue(t0, &random()).unwrap();
            let ticket = reg.check(at(5), nonce).unwrap();
            reg.consume(at(5), ticket).unwrap();
        }
    }
    (reg, at(10))
}

/// The crate's verdict: parse, verify, admit, then the trust rule.
fn crate_check(c: &BidCase, signature: &str) -> Result<Bid, &'static str> {
    let form = BidForm {
        bid_type: c.ty.clone(),
        article: c.article.clone(),
        price: c.price.clone(),
        address: c.address.clone(),
        nonce: c.nonce.clone(),
        signature: signature.to_owned(),
    };
    let config = BidConfig {
        fee_ratio: FeeRatio::new(c.fee.0, c.fee.1).unwrap(),
        ..BidConfig::default()
    };
    let (reg, now) = nonce_registry(&c.nonce, c.nonce_state);
    let req = form.parse(now, &config, &reg).map_err(|e| e.code())?;
    let trust = req.requires_trust();
    let verified = verify_document(req).map_err(|e| e.code())?;
    if trust && !c.trusted {
        return Err("bid.untrusted-seller");
    }
    let (bid, _ticket) = Bid::from_verified(verified);
    Ok(bid)
}

pub(super) fn to_case(c: BidCase) -> Case {
    let doc = ref_document(&c);
    // The crate's document function agrees on every form, valid or not.
    assert_eq!(
        bitwrk_protocol::bid::bid_document(&c.article, &c.ty, &c.price, c.address.trim(), &c.nonce),
        doc,
        "{}",
        c.comment
    );
    let signature = match &c.sig {
        Sig::Literal(s) => s.clone(),
        sig => sig.render(&c.key.expect("key"), &doc),
    };
    let expected = ref_check(&c, &signature);
    let got = crate_check(&c, &signature);
    let doc_sig_valid = matches!(
        oracle_verify(c.address.trim(), doc.as_bytes(), &signature),
        Verdict::Valid { .. }
    );
    let mut out = case(c.comment.clone())
        .flags(&c.flags)
        .req(&c.req)
        .f("type", c.ty.as_str())
        .f("article", c.article.as_str())
        .f("price", c.price.as_str())
        .f("address", c.address.as_str())
        .f("nonce", c.nonce.as_str())
        .f("signature", signature.as_str())
        .f("nonceState", c.nonce_state.name())
        .f("feeNumerator", i64::from(c.fee.0))
        .f("feeDenominator", i64::from(c.fee.1))
        .f("sellerTrusted", c.trusted)
        .f("document", doc.as_str())
        .f("digestHex", hx(&msg_digest(doc.as_bytes())))
        .f("documentSignatureValid", doc_sig_valid);
    match (expected, got) {
        (Ok(e), Ok(bid)) => {
            assert_eq!(bid.document, doc, "{}", c.comment);
            assert_eq!(bid.price.amount(), e.amount, "{}", c.comment);
            assert_eq!(bid.price.currency().code(), e.currency, "{}", c.comment);
            assert_eq!(bid.fee.amount(), e.fee, "{}", c.comment);
            let blocked = if c.ty == "BUY" { e.amount + e.fee } else { 0 };
            assert_eq!(
                bid.blocked_amount().unwrap().amount(),
                blocked,
                "{}",
                c.comment
            );
            assert_eq!(
                bid.bid_type,
                if c.ty == "BUY" {
                    BidType::Buy
                } else {
                    BidType::Sell
                }
            );
            assert!(doc_sig_valid);
            out = out
                .f("participant", c.address.trim())
                .f("currency", e.currency)
                .f("amount", e.amount.to_string())
                .f("canonicalPrice", ref_canonical(e.amount, e.currency))
                .f("fee", e.fee.to_string())
                .f("canonicalFee", ref_canonical(e.fee, e.currency))
                .f("blocked", blocked.to_string())
                .f("canonicalBlocked", ref_canonical(blocked, e.currency))
                .valid();
        }
        (Err(e), Err(g)) => {
            assert_eq!(e, g, "{}: error codes differ", c.comment);
            out.outcome = Some(Outcome::Invalid(e));
        }
        (e, g) => panic!(
            "{}: reference {:?} vs crate {:?}",
            c.comment,
            e.map(|x| x.amount),
            g.map(|b| b.price)
        ),
    }
    out
}

/// The requirement IDs that go with an error code.
fn reqs_for(code: &str) -> &'static [&'static str] {
    match code {
        "nonce.bad-format" => &["BW-NONCE-2", "BW-BID-10"],
        "nonce.unknown" | "nonce.expired" => &["BW-NONCE-3", "BW-BID-10"],
        "nonce.used" => &["BW-NONCE-4", "BW-BID-10"],
        "article.bad-syntax" => &["BW-BID-2", "BW-ART-1"],
        "article.not-traded" => &["BW-BID-2", "BW-ART-3"],
        "addr.wrong-network" => &["BW-BID-3", "BW-ADDR-3"],
        c if c.starts_with("addr.") => &["BW-BID-3", "BW-ADDR-2"],
        "bid.unknown-type" => &["BW-BID-4"],
        "money.bad-syntax" => &["BW-BID-5", "BW-MONEY-2"],
        "money.unknown-unit" => &["BW-BID-5", "BW-MONEY-3"],
        "money.too-many-integral-digits" => &["BW-BID-5", "BW-MONEY-4"],
        "money.too-many-fraction-digits" => &["BW-BID-5", "BW-MONEY-5"],
        "bid.negative-price" | "bid.price-too-high" => &["BW-BID-6"],
        "bid.untrusted-seller" => &["BW-BID-11", "BW-ART-2"],
        c if c.starts_with("sig.") => &["BW-BID-1", "BW-DOC-3", "BW-SIG-9"],
        other => panic!("no req for {other}"),
    }
}

pub(super) fn valid(c: BidCase) -> Case {
    to_case(c.req(&["BW-BID-1", "BW-BID-7", "BW-BID-8", "BW-BID-13", "BW-DOC-2"]))
}

pub(super) fn invalid(c: BidCase, code: &'static str) -> Case {
    let comment = c.comment.clone();
    let t = to_case(c.req(reqs_for(code)));
    assert_eq!(
        t.outcome,
        Some(Outcome::Invalid(code)),
        "{comment}: expected {code}"
    );
    t
}

/// Like [`invalid`], for a form with several defects: the first check in
/// BW-BID-10's order wins.
pub(super) fn order(c: BidCase, code: &'static str) -> Case {
    invalid(c.req(&["BW-BID-10"]).flags(&["CheckOrder"]), code)
}

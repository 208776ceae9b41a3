//! Tests of bid parsing, documents, fees and states.

use super::*;
use crate::error::ErrorCode;
use crate::money::Currency;
use crate::signature::verify_document;
use proptest::prelude::*;

const T0: Timestamp = Timestamp::from_millis(1_571_488_496_000);

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[n; 32], true, Network::Mainnet).unwrap()
}

fn registry() -> (NonceRegistry, String) {
    let mut r = NonceRegistry::new(16);
    let n = r.issue(T0, &[0x5a; 16]).unwrap();
    (r, n.as_str().to_owned())
}

fn form(bid_type: BidType, article: &str, price: &str) -> (NonceRegistry, BidForm) {
    let (r, nonce) = registry();
    (
        r,
        BidForm::signed(&key(1), bid_type, article, price, &nonce),
    )
}

fn code(r: Result<BidRequest, BidError>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn document_layout() {
    // BW-BID-1
    assert_eq!(
        bid_document(
            "net.bitwrk/blender/0/2.79/2G~trusted",
            "BUY",
            "mBTC 1.00",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "00ff"
        ),
        "article=net.bitwrk%2Fblender%2F0%2F2.79%2F2G~trusted&type=BUY&price=mBTC1.00\
         &address=1BoatSLRHtKNngkdXEeobR76b53LETtpyT&nonce=00ff"
    );
}

#[test]
fn submitted_price_text_is_signed() {
    // BW-BID-1, BW-BID-5: "mBTC 1.00" and "mBTC1" are the same amount but different documents.
    let (r, nonce) = registry();
    let config = BidConfig::default();
    let a = BidForm::signed(&key(1), BidType::Buy, "fnord", "mBTC 1.00", &nonce);
    let b = BidForm::signed(&key(1), BidType::Buy, "fnord", "mBTC1", &nonce);
    let (ra, rb) = (
        a.parse(T0, &config, &r).unwrap(),
        b.parse(T0, &config, &r).unwrap(),
    );
    assert_eq!(ra.price(), rb.price());
    assert!(ra.document().contains("&price=mBTC1.00&"));
    assert!(rb.document().contains("&price=mBTC1&"));
    // Each form's signature covers its own text only.
    let mut swapped = a.clone();
    swapped.price = b.price.clone();
    let req = swapped.parse(T0, &config, &r).unwrap();
    assert_eq!(
        verify_document(req).unwrap_err().code(),
        "sig.address-mismatch"
    );
    assert!(verify_document(ra).is_ok());
}

#[test]
fn check_order() {
    // BW-BID-10: nonce, article, address, type, price syntax, price range.
    let config = BidConfig::default();
    let (r, nonce) = registry();
    let mut f = BidForm {
        bid_type: "buy".into(),
        article: "nope".into(),
        price: "-1".into(),
        address: "1BoatSLRHtKNngkdXEeobR76b53LETtpyU".into(),
        nonce: "zz".into(),
        signature: "?".into(),
    };
    assert_eq!(code(f.parse(T0, &config, &r)), "nonce.bad-format");
    f.nonce = "ab".repeat(16);
    assert_eq!(code(f.parse(T0, &config, &r)), "nonce.unknown");
    f.nonce = nonce;
    assert_eq!(code(f.parse(T0, &config, &r)), "article.not-traded");
    f.article = "fnord".into();
    assert_eq!(code(f.parse(T0, &config, &r)), "addr.bad-checksum");
    f.address = " 1BoatSLRHtKNngkdXEeobR76b53LETtpyT\t".into();
    assert_eq!(code(f.parse(T0, &config, &r)), "bid.unknown-type");
    f.bid_type = "SELL".into();
    assert_eq!(code(f.parse(T0, &config, &r)), "money.bad-syntax");
    f.price = "mBTC -1".into();
    assert_eq!(code(f.parse(T0, &config, &r)), "bid.negative-price");
    f.price = "mBTC 0".into();
    let req = f.parse(T0, &config, &r).unwrap();
    // The signature is checked only afterwards.
    assert_eq!(verify_document(req).unwrap_err().code(), "sig.bad-base64");
}

#[test]
fn nonce_expiry_and_use() {
    // BW-BID-10, BW-NONCE-3
    let (r, f) = form(BidType::Buy, "fnord", "mBTC 1");
    let late = T0.saturating_add(Duration::from_secs(180));
    assert_eq!(
        code(f.parse(late, &BidConfig::default(), &r)),
        "nonce.expired"
    );
}

#[test]
fn bid_type_is_exact() {
    // BW-BID-4
    for t in ["buy", "Buy", " BUY", "BUY ", "sell", ""] {
        let (r, mut f) = form(BidType::Buy, "fnord", "mBTC 1");
        f.bid_type = t.into();
        assert_eq!(
            code(f.parse(T0, &BidConfig::default(), &r)),
            "bid.unknown-type",
            "{t:?}"
        );
    }
    assert_eq!(BidType::parse("SELL"), Some(BidType::Sell));
}

#[test]
fn address_network_is_configurable() {
    // BW-BID-3
    let testnet = PrivateKey::from_secret_bytes(&[3; 32], true, Network::Testnet).unwrap();
    let (r, nonce) = registry();
    let f = BidForm::signed(&testnet, BidType::Sell, "fnord", "mBTC 1", &nonce);
    assert_eq!(
        code(f.parse(T0, &BidConfig::default(), &r)),
        "addr.wrong-network"
    );
    let config = BidConfig {
        network: Network::Testnet,
        ..BidConfig::default()
    };
    let req = f.parse(T0, &config, &r).unwrap();
    assert!(verify_document(req).is_ok());
}

#[test]
fn fees() {
    // BW-BID-7
    let ratio = FeeRatio::default();
    for (price, fee) in [
        (0, 0),
        (1, 1),
        (33, 1),
        (34, 2),
        (100, 3),
        (101, 4),
        (150_000, 4500),
    ] {
        assert_eq!(ratio.fee_amount(price), Some(fee), "price {price}");
    }
    assert_eq!(ratio.fee_amount(-1), None);
    assert_eq!(ratio.price_limit(), i64::MAX / 4);
    assert_eq!(FeeRatio::new(1, 0), None);
    let (r, f) = form(BidType::Buy, "fnord", "mBTC 1.5");
    let req = f.parse(T0, &BidConfig::default(), &r).unwrap();
    assert_eq!(req.fee().to_string(), "uBTC 45");
    assert_eq!(req.fee().currency(), Currency::Btc);
}

#[test]
fn price_too_high() {
    // BW-BID-6: unreachable with 3 % through the money grammar, so use a steep ratio.
    let config = BidConfig {
        fee_ratio: FeeRatio::new(u32::MAX, 1).unwrap(),
        ..BidConfig::default()
    };
    let limit = config.fee_ratio.price_limit();
    assert_eq!(limit, i64::MAX / (i64::from(u32::MAX) + 1));
    let (r, f) = form(BidType::Buy, "fnord", "BTC 22");
    assert!(2_200_000_000 >= limit);
    assert_eq!(code(f.parse(T0, &config, &r)), "bid.price-too-high");
    let (r, f) = form(BidType::Buy, "fnord", "BTC 21");
    assert!(f.parse(T0, &config, &r).is_ok());
    // The largest price the grammar allows is fine with 3 %.
    let (r, f) = form(BidType::Buy, "fnord", "BTC 999999999.99999999");
    assert!(f.parse(T0, &BidConfig::default(), &r).is_ok());
}

#[test]
fn admission_consumes_nonce_only_after_verification() {
    // BW-NONCE-4, BW-BID-8, BW-BID-9
    let (mut r, f) = form(BidType::Buy, "net.bitwrk/gorays/0", "mBTC 1.5");
    let mut bad = f.clone();
    bad.signature = BidForm::signed(&key(2), BidType::Buy, "x", "mBTC 1", &f.nonce).signature;
    let req = bad.parse(T0, &BidConfig::default(), &r).unwrap();
    assert!(verify_document(req).is_err());
    // The failed request did not burn the nonce.
    let req = f.parse(T0, &BidConfig::default(), &r).unwrap();
    let (bid, ticket) = Bid::from_verified(verify_document(req).unwrap());
    r.consume(T0, ticket).unwrap();
    assert_eq!(code(f.parse(T0, &BidConfig::default(), &r)), "nonce.used");
    assert_eq!(bid.state, BidState::InQueue);
    assert_eq!(bid.created, T0);
    assert_eq!(bid.expires, T0.saturating_add(Duration::from_secs(120)));
    assert_eq!(
        bid.participant,
        key(1).public_key().address(Network::Mainnet)
    );
}

#[test]
fn trusted_sells_need_trust() {
    // BW-BID-11
    for (t, article, needs) in [
        (BidType::Sell, "fnord~trusted", true),
        (BidType::Buy, "fnord~trusted", false),
        (BidType::Sell, "fnord", false),
    ] {
        let (r, f) = form(t, article, "mBTC 1");
        let req = f.parse(T0, &BidConfig::default(), &r).unwrap();
        assert_eq!(req.requires_trust(), needs);
        assert_eq!(req.article().as_str(), article);
    }
    assert_eq!(BidError::UntrustedSeller.code(), "bid.untrusted-seller");
}

fn admitted(t: BidType) -> Bid {
    let (r, f) = form(t, "fnord", "mBTC 1.5");
    let req = f.parse(T0, &BidConfig::default(), &r).unwrap();
    Bid::from_verified(verify_document(req).unwrap()).0
}

#[test]
fn states() {
    // BW-BID-9, BW-BID-13
    let mut bid = admitted(BidType::Buy);
    assert_eq!(
        bid.blocked_amount().unwrap(),
        Money::new(154_500, Currency::Btc)
    );
    assert_eq!(
        admitted(BidType::Sell).blocked_amount().unwrap(),
        Money::zero(Currency::Btc)
    );
    bid.place().unwrap();
    bid.place().unwrap();
    assert_eq!(bid.state, BidState::Placed);
    let before = bid.clone();
    assert_eq!(
        bid.mark_matched(TxId(3), bid.expires).unwrap_err().code(),
        "bid.expired"
    );
    assert_eq!(
        bid.expire(T0.saturating_add(Duration::from_secs(119)))
            .unwrap_err()
            .code(),
        "bid.too-young"
    );
    assert_eq!(bid, before);
    bid.mark_matched(TxId(3), T0).unwrap();
    assert_eq!(
        (bid.state, bid.transaction, bid.matched),
        (BidState::Matched, Some(TxId(3)), Some(T0))
    );
    assert_eq!(bid.expire(bid.expires).unwrap_err().code(), "bid.not-open");
    assert_eq!(bid.place().unwrap_err().code(), "bid.not-open");

    let mut bid = admitted(BidType::Buy);
    assert_eq!(
        bid.expire(bid.expires).unwrap(),
        Money::new(154_500, Currency::Btc)
    );
    assert_eq!(bid.state, BidState::Expired);
    assert_eq!(
        bid.mark_matched(TxId(1), T0).unwrap_err(),
        BidError::NotOpen {
            state: BidState::Expired
        }
    );
}

#[test]
fn json_shape() {
    // BW-BID-12
    let mut bid = admitted(BidType::Buy);
    bid.place().unwrap();
    let json = serde_json::to_string(&bid).unwrap();
    assert!(json.starts_with("{\"Type\":0,\"State\":1,\"Article\":\"fnord\",\"Price\":\"mBTC 1.5\",\"Fee\":\"uBTC 45\",\"Participant\":\""), "{json}");
    assert!(json.ends_with(
        "\"Created\":\"2019-10-19T12:34:56Z\",\"Expires\":\"2019-10-19T12:36:56Z\",\"Matched\":null,\"Transaction\":null}"
    ), "{json}");
    let back: Bid = serde_json::from_str(&json).unwrap();
    assert_eq!(back, bid);
    for (s, n) in [
        (BidState::InQueue, 0),
        (BidState::Placed, 1),
        (BidState::Matched, 2),
        (BidState::Expired, 3),
    ] {
        assert_eq!(serde_json::to_string(&s).unwrap(), n.to_string());
    }
    assert_eq!(serde_json::to_string(&BidType::Sell).unwrap(), "1");
    assert!(serde_json::from_str::<BidState>("4").is_err());
}

#[test]
fn error_codes() {
    // BW-BID-10
    let mut c = BidError::CODES.to_vec();
    c.sort_unstable();
    c.dedup();
    assert_eq!(c.len(), BidError::CODES.len());
    assert!(c.iter().all(|c| c.starts_with("bid.")));
}

proptest! {
    #[test]
    fn parse_never_panics(t in ".{0,6}", a in "[a-z./~0-9]{0,12}", p in "[a-zA-Z ]{0,5}-?[0-9.]{0,22}",
                          addr in ".{0,40}", nonce in "[0-9a-g]{20,34}") {
        // BW-BID-10
        let (r, _) = registry();
        let f = BidForm { bid_type: t, article: a, price: p, address: addr, nonce, signature: String::new() };
        if let Ok(req) = f.parse(T0, &BidConfig::default(), &r) {
            prop_assert!(req.price().amount() >= 0);
            prop_assert!(req.fee().amount() >= req.price().amount() * 3 / 100);
        }
    }

    #[test]
    fn fee_is_ceiling(p in 0i64..i64::MAX / 4) {
        // BW-BID-7
        let fee = FeeRatio::default().fee_amount(p).unwrap();
        let exact = i128::from(p) * 3;
        prop_assert!(i128::from(fee) * 100 >= exact);
        prop_assert!(i128::from(fee - 1) * 100 < exact || fee == 0);
    }
}

#[test]
fn article_checks() {
    // BW-BID-2
    for (article, expected) in [
        ("fn ord", "article.bad-syntax"),
        ("nope", "article.not-traded"),
        ("net.bitwrk/blender/0/2.83/2G", "article.not-traded"),
    ] {
        let (r, f) = form(BidType::Buy, article, "mBTC 1");
        assert_eq!(code(f.parse(T0, &BidConfig::default(), &r)), expected);
    }
    let config = BidConfig {
        articles: ArticlePolicy::from_names(["render/x"]).unwrap(),
        ..BidConfig::default()
    };
    let (r, f) = form(BidType::Sell, "render/x~trusted", "mBTC 1");
    assert!(f.parse(T0, &config, &r).unwrap().article().is_trusted());
    let (r, f) = form(BidType::Sell, "fnord", "mBTC 1");
    assert_eq!(code(f.parse(T0, &config, &r)), "article.not-traded");
}

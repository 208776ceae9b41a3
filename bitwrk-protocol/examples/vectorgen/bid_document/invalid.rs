//! Refused bid forms, by the check of BW-BID-10 that refuses them (nonce,
//! article, address, type, price syntax and range, signature, trust), forms
//! with several defects, and BitWrk 0.7's bid-shaped test messages.

use super::check::{invalid, order};
use super::{NONCE, NonceState, bc, buyer};
use crate::market::{Sig, participant};
use crate::{Case, GO_ADDR_TEST, Key, Net};

pub(super) fn cases() -> Vec<Case> {
    let seller = participant("seller");
    let other = participant("stranger");
    let testnet = Key::new(buyer().secret, true, Net::Test);
    let uncompressed = Key::new(buyer().secret, false, Net::Main);
    let long_article = "a".repeat(129);
    let max_article = "a".repeat(128);
    // A BUY of `fnord` at `price`, refused with `code`.
    let bad_price = |comment: &str, price: &str, code: &'static str| {
        invalid(bc(comment, "BUY", "fnord", price), code)
    };
    vec![
        // --- nonce (check 1) ---------------------------------------------
        invalid(
            bc("nonce of 23 characters", "BUY", "fnord", "mBTC 1")
                .nonce("0123456789abcdef0123456", NonceState::Unknown),
            "nonce.bad-format",
        ),
        invalid(
            bc("nonce of 33 characters", "BUY", "fnord", "mBTC 1")
                .nonce("0123456789abcdef0123456789abcdef0", NonceState::Unknown),
            "nonce.bad-format",
        ),
        invalid(
            bc("upper-case hex nonce (DEP-102)", "BUY", "fnord", "mBTC 1")
                .nonce("0123456789ABCDEF0123456789ABCDEF", NonceState::Unknown)
                .flags(&["Departure"]),
            "nonce.bad-format",
        ),
        invalid(
            bc("nonce with a non-hex letter", "BUY", "fnord", "mBTC 1")
                .nonce("0123456789abcdefg123456789abcdef", NonceState::Unknown),
            "nonce.bad-format",
        ),
        invalid(
            bc("empty nonce", "BUY", "fnord", "mBTC 1").nonce("", NonceState::Unknown),
            "nonce.bad-format",
        ),
        invalid(
            bc(
                "24 characters pass the format check; this one was never issued",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .nonce("0123456789abcdef01234567", NonceState::Unknown)
            .flags(&["Boundary"]),
            "nonce.unknown",
        ),
        invalid(
            bc("nonce never issued", "BUY", "fnord", "mBTC 1").nonce(NONCE, NonceState::Unknown),
            "nonce.unknown",
        ),
        invalid(
            bc(
                "nonce presented exactly 180 s after issue",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .nonce(NONCE, NonceState::Expired)
            .flags(&["Boundary"]),
            "nonce.expired",
        ),
        invalid(
            bc("nonce already used", "BUY", "fnord", "mBTC 1").nonce(NONCE, NonceState::Used),
            "nonce.used",
        ),
        // --- article (check 2) -------------------------------------------
        invalid(
            bc("empty article", "BUY", "", "mBTC 1"),
            "article.bad-syntax",
        ),
        invalid(
            bc(
                "article with a trailing space (not trimmed)",
                "BUY",
                "fnord ",
                "mBTC 1",
            ),
            "article.bad-syntax",
        ),
        invalid(
            bc("article with a non-ASCII letter", "BUY", "fnørd", "mBTC 1").flags(&["Escaping"]),
            "article.bad-syntax",
        ),
        invalid(
            bc("suffix twice", "BUY", "fnord~trusted~trusted", "mBTC 1"),
            "article.bad-syntax",
        ),
        invalid(
            bc("suffix alone", "BUY", "~trusted", "mBTC 1"),
            "article.bad-syntax",
        ),
        invalid(
            bc("suffix is case-sensitive", "BUY", "fnord~Trusted", "mBTC 1"),
            "article.bad-syntax",
        ),
        invalid(
            bc("129 bytes", "BUY", &long_article, "mBTC 1").flags(&["Boundary"]),
            "article.bad-syntax",
        ),
        invalid(
            bc(
                "128 bytes is well-formed, but not traded",
                "BUY",
                &max_article,
                "mBTC 1",
            )
            .flags(&["Boundary"]),
            "article.not-traded",
        ),
        invalid(
            bc("articles are case-sensitive", "BUY", "Fnord", "mBTC 1"),
            "article.not-traded",
        ),
        invalid(
            bc(
                "Blender 2.68 is not traded",
                "BUY",
                "net.bitwrk/blender/0/2.68/2G",
                "mBTC 1",
            ),
            "article.not-traded",
        ),
        invalid(
            bc(
                "Blender 2.83 is not traded",
                "BUY",
                "net.bitwrk/blender/0/2.83/2G",
                "mBTC 1",
            ),
            "article.not-traded",
        ),
        invalid(
            bc(
                "4G is not a Blender memory size",
                "BUY",
                "net.bitwrk/blender/0/2.79/4G",
                "mBTC 1",
            ),
            "article.not-traded",
        ),
        invalid(
            bc(
                "trusted variant of an untraded article",
                "BUY",
                "gimp~trusted",
                "mBTC 1",
            ),
            "article.not-traded",
        ),
        // --- address (check 3) -------------------------------------------
        invalid(
            bc("address with a bad checksum", "BUY", "fnord", "mBTC 1")
                .addr("1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke8"),
            "addr.bad-checksum",
        ),
        invalid(
            bc(
                "testnet address on a mainnet server",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .key(testnet)
            .flags(&["Testnet"]),
            "addr.wrong-network",
        ),
        invalid(
            bc("space inside the address", "BUY", "fnord", "mBTC 1")
                .addr("1AD5KWi9gvqg3xmkg vSDM9PvcnFcaWFke7"),
            "addr.bad-encoding",
        ),
        invalid(
            bc("empty address", "BUY", "fnord", "mBTC 1").addr(""),
            "addr.bad-encoding",
        ),
        // --- type (check 4) ----------------------------------------------
        invalid(
            bc(
                "lower-case buy (BitWrk 0.7 era documents)",
                "buy",
                "fnord",
                "mBTC 1",
            )
            .flags(&["BitWrk07"]),
            "bid.unknown-type",
        ),
        invalid(
            bc("mixed case Sell", "Sell", "fnord", "mBTC 1"),
            "bid.unknown-type",
        ),
        invalid(
            bc(
                "type with a trailing space (not trimmed)",
                "BUY ",
                "fnord",
                "mBTC 1",
            ),
            "bid.unknown-type",
        ),
        invalid(bc("empty type", "", "fnord", "mBTC 1"), "bid.unknown-type"),
        invalid(
            bc("unknown word", "BID", "fnord", "mBTC 1"),
            "bid.unknown-type",
        ),
        // --- price syntax (check 5) and range (check 6) -------------------
        bad_price("empty price", "", "money.bad-syntax"),
        bad_price("amount before the unit", "1 mBTC", "money.bad-syntax"),
        bad_price("two spaces after the unit", "mBTC  1", "money.bad-syntax"),
        bad_price("space inside the number", "mBTC 1 .5", "money.bad-syntax"),
        bad_price("unit is case-sensitive", "mbtc 1", "money.unknown-unit"),
        bad_price(
            "too many fraction digits",
            "mBTC 1.000001",
            "money.too-many-fraction-digits",
        ),
        bad_price(
            "too many integral digits",
            "BTC 1000000000",
            "money.too-many-integral-digits",
        ),
        bad_price("negative price", "BTC -1", "bid.negative-price"),
        invalid(
            bc("negative satoshi", "SELL", "fnord", "satoshi -1").key(seller),
            "bid.negative-price",
        ),
        invalid(
            bc(
                "fee ratio 99/1: price at the limit (2^63-1)/100",
                "BUY",
                "fnord",
                "BTC 922337203.68547758",
            )
            .fee(99, 1)
            .flags(&["FeeRatio", "Boundary"]),
            "bid.price-too-high",
        ),
        invalid(
            bc(
                "fee ratio 99/1: price above the limit",
                "BUY",
                "fnord",
                "BTC 999999999",
            )
            .fee(99, 1)
            .flags(&["FeeRatio"]),
            "bid.price-too-high",
        ),
        // --- signature (check 7) -----------------------------------------
        invalid(
            bc("signed by another key", "BUY", "fnord", "mBTC 1").sig(Sig::Key(other)),
            "sig.address-mismatch",
        ),
        invalid(
            bc(
                "signed over the canonical price text instead of the submitted one",
                "BUY",
                "fnord",
                "mBTC 1.50",
            )
            .sig(Sig::Text(format!(
                "article=fnord&type=BUY&price=mBTC1.5&address={}&nonce={NONCE}",
                buyer().address()
            )))
            .flags(&["SubmittedPriceText"]),
            "sig.address-mismatch",
        ),
        invalid(
            bc(
                "signed over the price with its space",
                "BUY",
                "fnord",
                "mBTC 1.50",
            )
            .sig(Sig::Text(format!(
                "article=fnord&type=BUY&price=mBTC 1.50&address={}&nonce={NONCE}",
                buyer().address()
            )))
            .flags(&["Escaping"]),
            "sig.address-mismatch",
        ),
        invalid(
            bc(
                "signed with the fields in alphabetical order",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .sig(Sig::Text(format!(
                "address={}&article=fnord&nonce={NONCE}&price=mBTC1&type=BUY",
                buyer().address()
            )))
            .flags(&["FieldOrder"]),
            "sig.address-mismatch",
        ),
        invalid(
            bc(
                "signed by the uncompressed form of the key",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .sig(Sig::Key(uncompressed)),
            "sig.address-mismatch",
        ),
        invalid(
            bc("empty signature", "BUY", "fnord", "mBTC 1").sig(Sig::Literal(String::new())),
            "sig.bad-length",
        ),
        invalid(
            bc("signature not base64", "BUY", "fnord", "mBTC 1")
                .sig(Sig::Literal("not a signature".into())),
            "sig.bad-base64",
        ),
        // --- trust (check 8) ---------------------------------------------
        invalid(
            bc(
                "SELL of a trusted article by an untrusted seller",
                "SELL",
                "fnord~trusted",
                "mBTC 2",
            )
            .key(seller)
            .flags(&["Trusted"]),
            "bid.untrusted-seller",
        ),
        invalid(
            bc(
                "SELL of a trusted Blender article by an untrusted seller",
                "SELL",
                "net.bitwrk/blender/0/2.79/2G~trusted",
                "mBTC 2",
            )
            .key(seller)
            .flags(&["Trusted"]),
            "bid.untrusted-seller",
        ),
        // --- check order --------------------------------------------------
        order(
            bc(
                "bad nonce wins over every later defect",
                "buy",
                "",
                "1 mBTC",
            )
            .nonce("xyz", NonceState::Unknown)
            .addr("x"),
            "nonce.bad-format",
        ),
        order(
            bc(
                "used nonce wins over a bad article",
                "BUY",
                "gimp",
                "mBTC 1",
            )
            .nonce(NONCE, NonceState::Used),
            "nonce.used",
        ),
        order(
            bc("article before address", "BUY", "gimp", "mBTC 1")
                .addr("1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke8"),
            "article.not-traded",
        ),
        order(
            bc("address before type", "buy", "fnord", "mBTC 1")
                .addr("1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke8"),
            "addr.bad-checksum",
        ),
        order(
            bc("type before price", "buy", "fnord", "1 mBTC"),
            "bid.unknown-type",
        ),
        order(
            bc(
                "price syntax before anything about the signature",
                "BUY",
                "fnord",
                "mBTC -x",
            )
            .sig(Sig::Key(other)),
            "money.bad-syntax",
        ),
        order(
            bc(
                "negative price before the signature",
                "BUY",
                "fnord",
                "BTC -1",
            )
            .sig(Sig::Key(other)),
            "bid.negative-price",
        ),
        order(
            bc(
                "signature before the trust rule",
                "SELL",
                "fnord~trusted",
                "mBTC 2",
            )
            .key(seller)
            .sig(Sig::Key(other))
            .flags(&["Trusted"]),
            "sig.address-mismatch",
        ),
    ]
}

/// BitWrk 0.7's bid-shaped test messages (bitsign_test.go): they verify as
/// plain messages, but lower-case `buy` is not a bid type.
pub(super) fn bitwrk07_cases() -> Vec<Case> {
    let legacy = |comment: &str, nonce: &str, sig: &str, ty: &str, code: &'static str| {
        let c = bc(comment, ty, "fnord", "mBTC1.00")
            .addr(GO_ADDR_TEST)
            .nonce(nonce, NonceState::Live)
            .sig(Sig::Literal(sig.into()))
            .flags(&["BitWrk07", "LegacyDocument"])
            .req(&["BW-BID-1", "BW-DOC-3"]);
        invalid(c, code)
    };
    vec![
        legacy(
            "BitWrk 0.7 Test_VerifySignature #3: type=buy verifies as a message, but is no bid",
            "b58d10ad7eaf93e4246c069830e6e27f",
            "IM60m+j5YvuKNUAu23Si9FQeMdwtzuajh2wCGGQ3U3kULM3dsya9hyJfJnzGpAXy9kKlC/STnhrcVuBy4WSuVLM=",
            "buy",
            "bid.unknown-type",
        ),
        legacy(
            "BitWrk 0.7 Test_VerifySignature #4: type=buy verifies as a message, but is no bid",
            "ab934e9f221e5b64595a24e3343600f1",
            "IJcnLRN4oz9dAL0FSjEUSDU3uYml22+7GomNfXaj3cydiAuqn4JvKak3lvNw8C7TkvKMW2oqwPj85VeHYjwYiNw=",
            "buy",
            "bid.unknown-type",
        ),
        legacy(
            "BitWrk 0.7 Test_VerifySignature #3 with type=BUY: the legacy signature does not cover the new document",
            "b58d10ad7eaf93e4246c069830e6e27f",
            "IM60m+j5YvuKNUAu23Si9FQeMdwtzuajh2wCGGQ3U3kULM3dsya9hyJfJnzGpAXy9kKlC/STnhrcVuBy4WSuVLM=",
            "BUY",
            "sig.address-mismatch",
        ),
    ]
}

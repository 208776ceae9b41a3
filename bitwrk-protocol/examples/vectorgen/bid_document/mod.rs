//! `bid_document.json`: bid forms → signed document, fee, blocked amount,
//! or the first failing check (spec section 10, with 5, 6, 8 and 9).
//!
//! * this module: a bid case ([`BidCase`]) and its builder, and the file;
//! * [`check`]: the checks of BW-BID-10 written from the spec, the crate's
//!   verdict, their comparison and the case written out;
//! * [`valid`] and [`invalid`]: the case tables (admitted forms; forms
//!   refused by each check in turn, several defects at once, BitWrk 0.7's
//!   bid-shaped messages).

mod check;
mod invalid;
mod valid;

use check::ref_document;

use crate::market::{KEY_RULE, Sig, T0, participant};
use crate::{
    Key, VFile, When, b64, group, note, ours, rule, s_amount, s_bool, s_currency, s_enum,
    s_hex_len, s_int, s_string,
};

/// How the nonce of a form stands in the server's registry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum NonceState {
    Live,
    Unknown,
    Expired,
    Used,
}

impl NonceState {
    fn name(self) -> &'static str {
        match self {
            NonceState::Live => "live",
            NonceState::Unknown => "unknown",
            NonceState::Expired => "expired",
            NonceState::Used => "used",
        }
    }
}

#[derive(Clone)]
struct BidCase {
    comment: String,
    ty: String,
    article: String,
    price: String,
    address: String,
    nonce: String,
    nonce_state: NonceState,
    key: Option<Key>,
    sig: Sig,
    fee: (u32, u32),
    trusted: bool,
    flags: Vec<&'static str>,
    req: Vec<&'static str>,
}

const NONCE: &str = "0123456789abcdef0123456789abcdef";
const BLENDER: &str = "net.bitwrk/blender/0/2.79/2G";

fn buyer() -> Key {
    participant("buyer")
}

fn bc(comment: &str, ty: &str, article: &str, price: &str) -> BidCase {
    BidCase {
        comment: comment.to_owned(),
        ty: ty.to_owned(),
        article: article.to_owned(),
        price: price.to_owned(),
        address: buyer().address(),
        nonce: NONCE.to_owned(),
        nonce_state: NonceState::Live,
        key: Some(buyer()),
        sig: Sig::Own,
        fee: (3, 100),
        trusted: false,
        flags: Vec::new(),
        req: Vec::new(),
    }
}

impl BidCase {
    fn addr(mut self, a: &str) -> Self {
        self.address = a.to_owned();
        self
    }
    fn key(mut self, k: Key) -> Self {
        self.address = k.address();
        self.key = Some(k);
        self
    }
    fn nonce(mut self, n: &str, s: NonceState) -> Self {
        self.nonce = n.to_owned();
        self.nonce_state = s;
        self
    }
    fn sig(mut self, s: Sig) -> Self {
        self.sig = s;
        self
    }
    fn fee(mut self, n: u32, d: u32) -> Self {
        self.fee = (n, d);
        self
    }
    fn trusted(mut self) -> Self {
        self.trusted = true;
        self
    }
    fn flags(mut self, f: &[&'static str]) -> Self {
        self.flags.extend_from_slice(f);
        self
    }
    fn req(mut self, r: &[&'static str]) -> Self {
        self.req.extend_from_slice(r);
        self
    }
}

pub(crate) fn bid_document_file() -> VFile {
    let cases = {
        let mut v = valid::cases();
        v.extend(invalid::cases());
        v
    };
    let go = invalid::bitwrk07_cases();
    // The worked example's document and signature are the ones printed in
    // the spec (section 10.4).
    let example = ref_document(&bc("", "BUY", BLENDER, "mBTC 1.50"));
    assert_eq!(
        example,
        format!(
            "article=net.bitwrk%2Fblender%2F0%2F2.79%2F2G&type=BUY&price=mBTC1.50&address={}&nonce={NONCE}",
            buyer().address()
        )
    );
    assert_eq!(
        b64(&buyer().sign(example.as_bytes())),
        "ILopCbhOde/qf1DXurUu1s1Kz3nLVghIzkHIPkgpJUfhPJ2qiIAP/Ub8HIU36YItS4wegtFZrYEtSV8isrNMFsQ="
    );

    VFile {
        stem: "bid_document",
        ty: "BidDocument",
        title: "Bid forms: signed document, fee, blocked amount and admission checks",
        header: vec![
            "A bid form (`type`, `article`, `price`, `address`, `nonce`, `signature`) is checked by a mainnet server with the default article policy (BitWrk 0.7's list) and the fee ratio `feeNumerator`/`feeDenominator`; a SELL of a `~trusted` article is from a trusted seller exactly when `sellerTrusted`.".into(),
            "`document` is the text BW-BID-1 gives for the fields as submitted (address trimmed), `digestHex` its message digest, and `documentSignatureValid` whether `signature` verifies over `document` for the trimmed address as a plain message (BW-DOC-3), whatever the bid checks say.".into(),
            format!("Nonces: the server issues `nonce` (16 bytes as 32 hex characters) at T = {T0} ms after the epoch unless `nonceState` is `unknown`; the form arrives at T + 10 s (`live`), at T + 10 s after the nonce was consumed at T + 5 s (`used`), or at T + 180 s (`expired`; the nonce lifetime is 180 s). For `unknown` the form arrives at T + 10 s and nothing was issued."),
            "Valid cases: the bid is admitted for `participant` (the trimmed address) with price `amount` smallest units of `currency` (`canonicalPrice`), fee ceil(price × n / d) (`fee`, `canonicalFee`), and `blocked` = price + fee for BUY, 0 for SELL (BW-BID-13).".into(),
            "Invalid cases: `error` is the first failing check of BW-BID-10: nonce, article, address, type, price syntax, price range, signature, trust.".into(),
            KEY_RULE.into(),
            "Signatures are RFC 6979 (libsecp256k1) over the document by the participant's key unless the comment says otherwise.".into(),
        ],
        notes: vec![
            note("SpecExample", "SPEC_EXAMPLE", "The worked example of spec section 10.4; document and signature are printed there.", "The implementation and the spec text disagree."),
            note("SubmittedPriceText", "DOCUMENT", "The price text is signed exactly as submitted (spaces removed), not in its canonical form.", "Clients and servers build different documents and valid bids are refused (or re-signed texts accepted)."),
            note("BitWrk07", "LEGACY_COMPAT", "Value taken from, or behaviour of, BitWrk 0.7.", "Interoperability with BitWrk 0.7 clients is lost."),
            note("FeeRounding", "ARITHMETIC", "The fee is rounded up to the next smallest unit.", "Fees are under-charged by one unit."),
            note("ZeroPrice", "EDGE_CASE", "A price of zero is allowed (fee zero).", "Free bids are refused or produce a negative or non-zero fee."),
            note("LargePrice", "EDGE_CASE", "The largest prices the grammar or the fee limit allow.", "Overflow in fee or price + fee."),
            note("Currency", "CURRENCY", "A non-BTC currency or unit symbol.", "Prices in other currencies are mis-parsed or mis-escaped."),
            note("Escaping", "DOCUMENT", "The document contains escaped bytes (non-ASCII unit symbols, '$').", "The signed document differs from the client's."),
            note("AddressTrim", "DOCUMENT", "The address is trimmed before it is parsed and signed.", "Bids with padded addresses are refused or signed over the untrimmed text."),
            note("Trusted", "TRUST", "A `~trusted` article: only SELL bids need a trusted seller.", "Untrusted sellers reach trusted markets, or buyers are refused."),
            note("FeeRatio", "CONFIGURATION", "A fee ratio other than BitWrk 0.7's 3/100.", "The fee or the price limit ignores the configured ratio."),
            note("Boundary", "EDGE_CASE", "Exactly at a limit (price limit, nonce lifetime).", "Off-by-one at the boundary."),
            note("Departure", "DEPARTURE", "Behaviour that departs from BitWrk 0.7 on purpose (spec appendix B; DEP-102 for the strict nonce alphabet).", "A BitWrk 0.7-compatible implementation accepts the case."),
            note("Testnet", "NETWORK", "An address of another network than the server's.", "Coins of the wrong network are credited."),
            note("FieldOrder", "DOCUMENT", "The bid document has a fixed field order, not an alphabetical one.", "Signatures over a re-ordered document are accepted or valid ones refused."),
            note("CheckOrder", "CHECK_ORDER", "Several defects; the first check of BW-BID-10 must be reported.", "A different error code than the conformance contract."),
            note("LegacyDocument", "LEGACY_COMPAT", "A bid-shaped message signed for BitWrk 0.7 (lower-case type=buy).", "Verification normalises the document, or legacy messages are admitted as bids."),
        ],
        groups: vec![
            ours(cases),
            group("bitwrk-0.7 common/bitcoin/bitsign_test.go", "0.7.0", go),
        ],
        fields: vec![
            ("type", s_string()),
            ("article", s_string()),
            ("price", s_string()),
            ("address", s_string()),
            ("nonce", s_string()),
            ("signature", s_string()),
            ("nonceState", s_enum(&["live", "unknown", "expired", "used"])),
            ("feeNumerator", s_int(0)),
            ("feeDenominator", s_int(1)),
            ("sellerTrusted", s_bool()),
            ("document", s_string()),
            ("digestHex", s_hex_len(32)),
            ("documentSignatureValid", s_bool()),
            ("participant", s_string()),
            ("currency", s_currency()),
            ("amount", s_amount()),
            ("canonicalPrice", s_string()),
            ("fee", s_amount()),
            ("canonicalFee", s_string()),
            ("blocked", s_amount()),
            ("canonicalBlocked", s_string()),
        ],
        rules: vec![
            rule(
                None,
                When::Always,
                &[
                    "type", "article", "price", "address", "nonce", "signature", "nonceState",
                    "feeNumerator", "feeDenominator", "sellerTrusted", "document", "digestHex",
                    "documentSignatureValid",
                ],
            ),
            rule(
                None,
                When::Valid,
                &[
                    "participant", "currency", "amount", "canonicalPrice", "fee", "canonicalFee",
                    "blocked", "canonicalBlocked",
                ],
            ),
        ],
    }
}

//! `bid_document.json`: bid forms → signed document, fee, blocked amount,
//! or the first failing check (spec section 10, with 5, 6, 8 and 9).

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::Timestamp;
use bitwrk_protocol::bid::{Bid, BidConfig, BidForm, BidType, FeeRatio};
use bitwrk_protocol::nonce::NonceRegistry;
use bitwrk_protocol::signature::verify_document;

use crate::market::{KEY_RULE, Sig, T0, participant, ref_normalize};
use crate::{
    Case, GO_ADDR_TEST, Key, Net, Outcome, VFile, Verdict, When, b64, case, group, hx, msg_digest,
    note, oracle_address, oracle_verify, ours, ref_canonical, ref_parse, rule, s_amount, s_bool,
    s_currency, s_enum, s_hex_len, s_int, s_string,
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

/// BW-BID-1, written from the spec.
fn ref_document(c: &BidCase) -> String {
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

fn to_case(c: BidCase) -> Case {
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

fn valid(c: BidCase) -> Case {
    to_case(c.req(&["BW-BID-1", "BW-BID-7", "BW-BID-8", "BW-BID-13", "BW-DOC-2"]))
}

fn invalid(c: BidCase, code: &'static str) -> Case {
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
fn order(c: BidCase, code: &'static str) -> Case {
    invalid(c.req(&["BW-BID-10"]).flags(&["CheckOrder"]), code)
}

pub(crate) fn bid_document_file() -> VFile {
    let seller = participant("seller");
    let other = participant("stranger");
    let testnet = Key::new(buyer().secret, true, Net::Test);
    let uncompressed = Key::new(buyer().secret, false, Net::Main);
    let long_article = "a".repeat(129);
    let max_article = "a".repeat(128);

    let cases = vec![
        // --- valid forms -------------------------------------------------
        valid(
            bc(
                "spec 10.4 worked example: BUY, price text signed as submitted",
                "BUY",
                BLENDER,
                "mBTC 1.50",
            )
            .flags(&["SpecExample", "SubmittedPriceText"]),
        ),
        valid(
            bc(
                "SELL of the same article blocks nothing",
                "SELL",
                BLENDER,
                "mBTC 1.50",
            )
            .key(seller),
        ),
        valid(
            bc(
                "BitWrk 0.7 price text mBTC 1.00 is signed as mBTC1.00",
                "BUY",
                "fnord",
                "mBTC 1.00",
            )
            .flags(&["SubmittedPriceText", "BitWrk07"]),
        ),
        valid(bc("price without the space", "BUY", "fnord", "mBTC1.5")),
        valid(
            bc(
                "same amount as mBTC 1.5, different document",
                "BUY",
                "fnord",
                "mBTC 1.500",
            )
            .flags(&["SubmittedPriceText"]),
        ),
        valid(bc("whole bitcoin", "BUY", "snafu", "BTC 1")),
        valid(
            bc(
                "one satoshi: fee rounds up to 1",
                "BUY",
                "foobar",
                "BTC 0.00000001",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(
            bc(
                "33 satoshi: 0.99 rounds up to 1",
                "BUY",
                "fnord",
                "satoshi 33",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(
            bc(
                "34 satoshi: 1.02 rounds up to 2",
                "BUY",
                "fnord",
                "satoshi 34",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(bc("100 satoshi: exactly 3", "BUY", "fnord", "satoshi 100").flags(&["FeeRounding"])),
        valid(
            bc(
                "101 satoshi: 3.03 rounds up to 4",
                "BUY",
                "fnord",
                "satoshi 101",
            )
            .flags(&["FeeRounding"]),
        ),
        valid(bc("price zero is allowed, fee zero", "BUY", "fnord", "BTC 0").flags(&["ZeroPrice"])),
        valid(
            bc(
                "negative zero is zero, signed as written",
                "BUY",
                "fnord",
                "BTC -0",
            )
            .flags(&["ZeroPrice", "SubmittedPriceText"]),
        ),
        valid(bc("microbitcoin", "SELL", "fnord", "uBTC 45").key(seller)),
        valid(
            bc(
                "largest BTC price the grammar allows",
                "BUY",
                "fnord",
                "BTC 999999999.99999999",
            )
            .flags(&["LargePrice"]),
        ),
        valid(bc("euro", "BUY", "fnord", "EUR 1.5").flags(&["Currency"])),
        valid(
            bc(
                "euro sign is escaped in the document",
                "BUY",
                "fnord",
                "€ 1",
            )
            .flags(&["Currency", "Escaping"]),
        ),
        valid(bc("dollar sign", "BUY", "fnord", "$ 2").flags(&["Currency", "Escaping"])),
        valid(
            bc("real sign R$ (spec 7.5)", "BUY", "fnord", "R$ 0.5")
                .flags(&["Currency", "Escaping"]),
        ),
        valid(
            bc("pound sign", "SELL", "fnord", "£ 10")
                .key(seller)
                .flags(&["Currency", "Escaping"]),
        ),
        valid(
            bc(
                "smallest dollar amount, fee rounds up to 1",
                "BUY",
                "fnord",
                "USD 0.000000001",
            )
            .flags(&["Currency", "FeeRounding"]),
        ),
        valid(
            bc("GBP", "BUY", "fnord", "GBP 99999999.999999999").flags(&["Currency", "LargePrice"]),
        ),
        valid(
            bc(
                "address trimmed of spaces; the document has the trimmed address",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .addr(&format!("  {}  ", buyer().address()))
            .flags(&["AddressTrim"])
            .req(&["BW-BID-3"]),
        ),
        valid(
            bc(
                "address trimmed of tab and newline",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .addr(&format!("\t{}\n", buyer().address()))
            .flags(&["AddressTrim"])
            .req(&["BW-BID-3"]),
        ),
        valid(
            bc(
                "uncompressed key, its own address",
                "BUY",
                "fnord",
                "mBTC 1",
            )
            .key(uncompressed),
        ),
        valid(bc("gorays article", "BUY", "net.bitwrk/gorays/0", "mBTC 2").req(&["BW-ART-3"])),
        valid(
            bc(
                "oldest Blender version and smallest memory",
                "BUY",
                "net.bitwrk/blender/0/2.69/512M",
                "mBTC 2",
            )
            .req(&["BW-ART-3"]),
        ),
        valid(
            bc(
                "newest Blender version and largest memory",
                "SELL",
                "net.bitwrk/blender/0/2.82/32G",
                "mBTC 2",
            )
            .key(seller)
            .req(&["BW-ART-3"]),
        ),
        valid(
            bc(
                "Blender 2.70 with 8G",
                "BUY",
                "net.bitwrk/blender/0/2.70/8G",
                "mBTC 2",
            )
            .req(&["BW-ART-3"]),
        ),
        valid(
            bc(
                "BUY of a trusted article is not restricted",
                "BUY",
                "net.bitwrk/blender/0/2.79/2G~trusted",
                "mBTC 2",
            )
            .flags(&["Trusted"])
            .req(&["BW-ART-2", "BW-BID-11"]),
        ),
        valid(
            bc(
                "SELL of a trusted article by a trusted seller",
                "SELL",
                "fnord~trusted",
                "mBTC 2",
            )
            .key(seller)
            .trusted()
            .flags(&["Trusted"])
            .req(&["BW-ART-2", "BW-BID-11"]),
        ),
        valid(
            bc(
                "SELL of a plain article needs no trust",
                "SELL",
                "fnord",
                "mBTC 2",
            )
            .key(seller)
            .req(&["BW-BID-11"]),
        ),
        valid(
            bc("fee ratio 1/3", "BUY", "fnord", "satoshi 10")
                .fee(1, 3)
                .flags(&["FeeRatio", "FeeRounding"]),
        ),
        valid(
            bc("fee ratio 0/1: no fee", "BUY", "fnord", "mBTC 5")
                .fee(0, 1)
                .flags(&["FeeRatio"]),
        ),
        valid(
            bc("fee ratio 1/1: fee equals price", "BUY", "fnord", "mBTC 5")
                .fee(1, 1)
                .flags(&["FeeRatio"]),
        ),
        valid(
            bc(
                "fee ratio 99/1: one below the price limit",
                "BUY",
                "fnord",
                "BTC 922337203.68547757",
            )
            .fee(99, 1)
            .flags(&["FeeRatio", "LargePrice"])
            .req(&["BW-BID-6"]),
        ),
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
        invalid(bc("empty price", "BUY", "fnord", ""), "money.bad-syntax"),
        invalid(
            bc("amount before the unit", "BUY", "fnord", "1 mBTC"),
            "money.bad-syntax",
        ),
        invalid(
            bc("two spaces after the unit", "BUY", "fnord", "mBTC  1"),
            "money.bad-syntax",
        ),
        invalid(
            bc("space inside the number", "BUY", "fnord", "mBTC 1 .5"),
            "money.bad-syntax",
        ),
        invalid(
            bc("unit is case-sensitive", "BUY", "fnord", "mbtc 1"),
            "money.unknown-unit",
        ),
        invalid(
            bc("too many fraction digits", "BUY", "fnord", "mBTC 1.000001"),
            "money.too-many-fraction-digits",
        ),
        invalid(
            bc("too many integral digits", "BUY", "fnord", "BTC 1000000000"),
            "money.too-many-integral-digits",
        ),
        invalid(
            bc("negative price", "BUY", "fnord", "BTC -1"),
            "bid.negative-price",
        ),
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
    ];

    // BitWrk 0.7's bid-shaped test messages (bitsign_test.go): they verify as
    // plain messages, but lower-case `buy` is not a bid type.
    let legacy = |comment: &str, nonce: &str, sig: &str, ty: &str, code: &'static str| {
        let c = bc(comment, ty, "fnord", "mBTC1.00")
            .addr(GO_ADDR_TEST)
            .nonce(nonce, NonceState::Live)
            .sig(Sig::Literal(sig.into()))
            .flags(&["BitWrk07", "LegacyDocument"])
            .req(&["BW-BID-1", "BW-DOC-3"]);
        invalid(c, code)
    };
    let go = vec![
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
    ];
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

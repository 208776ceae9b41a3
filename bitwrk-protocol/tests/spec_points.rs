//! Points of the specification that an independent implementer had to
//! guess before they were written down (issue 7, item 3): identifiers, check
//! orders, white space, nonce memory, the worker-URL origin check, deposit
//! fields. Each test pins the behaviour the spec now states normatively.

use std::time::Duration;

use bitwrk_protocol::article::Article;
use bitwrk_protocol::bid::{BidConfig, BidForm, BidType};
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::{BidId, MovementId, TxId, parse_canonical_decimal};
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::ledger::{Ledger, Movement};
use bitwrk_protocol::market::{Market, MarketConfig, MarketError};
use bitwrk_protocol::nonce::NonceRegistry;
use bitwrk_protocol::relation::{RelationType, SignedRelation};
use bitwrk_protocol::signature::{sign_message, verify_document};
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::tx::{Phase, check_worker_origin};
use bitwrk_protocol::{Address, Currency, ErrorCode, Money, Network};

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("valid scalar")
}

fn addr(k: &PrivateKey) -> Address {
    k.public_key().address(Network::Mainnet)
}

fn at(secs: u64) -> Timestamp {
    T0.saturating_add(Duration::from_secs(secs))
}

fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A market whose deposits are signed by a key of ours, with a counter for
/// distinct nonces.
struct Spec {
    market: Market,
    trusted: PrivateKey,
    issued: u32,
}

impl Spec {
    fn new() -> Spec {
        let trusted = key("spec points trusted");
        let config = MarketConfig {
            trusted_account: addr(&trusted),
            trust_account: addr(&key("spec points trust")),
            ..MarketConfig::default()
        };
        Spec {
            market: Market::new(config),
            trusted,
            issued: 0,
        }
    }

    fn nonce(&mut self, now: Timestamp) -> String {
        self.issued += 1;
        let mut random = [0u8; 16];
        random[..4].copy_from_slice(&self.issued.to_be_bytes());
        self.market.issue_nonce(now, &random).unwrap().to_string()
    }

    /// A signed deposit form; `edit` may change the fields after signing.
    fn deposit_form(&mut self, account: &str, amount: &str, kind: &str) -> Vec<(String, String)> {
        let n = self.nonce(T0);
        let uid = format!("deposit-{}", self.issued);
        let doc = format!(
            "account={account}&amount={}&nonce={n}&ref=&type={kind}&uid={uid}",
            amount.replace(' ', "")
        );
        let sig = sign_message(&self.trusted, doc.as_bytes()).to_base64();
        owned(&[
            ("account", account),
            ("amount", amount),
            ("nonce", &n),
            ("type", kind),
            ("uid", &uid),
            ("signature", &sig),
        ])
    }

    fn fund(&mut self, who: &Address, amount: &str) {
        let form = self.deposit_form(&who.to_string(), amount, "1");
        self.market.submit_deposit(T0, &form).expect("deposit");
    }

    fn bid(
        &mut self,
        who: &PrivateKey,
        side: BidType,
        price: &str,
    ) -> Result<bitwrk_protocol::market::BidPlaced, MarketError> {
        let n = self.nonce(T0);
        let form = BidForm::signed(who, side, "fnord", price, &n);
        self.market.submit_bid(T0, &form).map(|(placed, _)| placed)
    }

    fn send(
        &mut self,
        who: &PrivateKey,
        txid: TxId,
        args: &[(&str, &str)],
    ) -> Result<Phase, MarketError> {
        let form = TxMessage::sign_form(who, txid, args);
        let msg = TxMessage::from_form(txid, &form).expect("well-formed");
        self.market
            .submit_tx_message(at(1), &msg)
            .map(|(accepted, _)| accepted.post)
    }
}

// ------------------------------------------------------------ identifiers

#[test]
fn ids_are_assigned_in_order_and_refusals_consume_none() {
    // BW-ID-1, BW-ID-2, BW-ID-3
    let (buyer, seller) = (key("spec points buyer"), key("spec points seller"));
    let mut s = Spec::new();
    s.fund(&addr(&buyer), "satoshi 5000");
    assert_eq!(s.market.ledger().last_movement(), Some(MovementId(1)));

    let sell = s.bid(&seller, BidType::Sell, "satoshi 1000").unwrap();
    assert_eq!((sell.bid, sell.matched), (BidId(0), None));
    // Refused for lack of funds: no bid id, no movement id.
    let refused = s.bid(&buyer, BidType::Buy, "satoshi 100000").unwrap_err();
    assert_eq!(refused.code(), "ledger.insufficient-funds");
    assert_eq!(s.market.ledger().last_movement(), Some(MovementId(1)));

    let buy = s.bid(&buyer, BidType::Buy, "satoshi 1200").unwrap();
    assert_eq!((buy.bid, buy.matched), (BidId(1), Some(TxId(0))));
    // BID blocks, then TRANSACTION releases the price improvement.
    let ids: Vec<MovementId> = buy.movements.iter().map(|m| m.id).collect();
    assert_eq!(ids, [MovementId(2), MovementId(3)]);

    let sell2 = s.bid(&seller, BidType::Sell, "satoshi 1000").unwrap();
    let buy2 = s.bid(&buyer, BidType::Buy, "satoshi 1000").unwrap();
    assert_eq!((sell2.bid, buy2.bid), (BidId(2), BidId(3)));
    // Equal price: no TRANSACTION movement, only the BID.
    assert_eq!(buy2.matched, Some(TxId(1)));
    let ids: Vec<MovementId> = buy2.movements.iter().map(|m| m.id).collect();
    assert_eq!(ids, [MovementId(4)]);
    assert_eq!(s.market.bid(BidId(3)).unwrap().transaction, Some(TxId(1)));
}

#[test]
fn id_text_is_the_canonical_decimal_numeral() {
    // BW-ID-4
    for (text, value) in [("0", 0), ("42", 42), ("18446744073709551615", u64::MAX)] {
        assert_eq!(parse_canonical_decimal(text), Ok(value), "{text:?}");
        assert_eq!(text.parse::<TxId>().unwrap(), TxId(value));
        assert_eq!(TxId(value).to_string(), text);
    }
    for text in [
        "",
        "007",
        "00",
        "+7",
        "-0",
        " 7",
        "7 ",
        "7\n",
        "0x1f",
        "1e3",
        "18446744073709551616",
        "٣",
    ] {
        let err = text.parse::<BidId>().unwrap_err();
        assert_eq!(err.code(), "id.bad-syntax", "{text:?}");
    }
}

#[test]
fn ids_are_json_strings() {
    // BW-ID-4, BW-BID-12, BW-TX-14
    assert_eq!(serde_json::to_string(&BidId(3)).unwrap(), "\"3\"");
    assert_eq!(serde_json::to_string(&TxId(0)).unwrap(), "\"0\"");
    assert_eq!(serde_json::to_string(&MovementId(12)).unwrap(), "\"12\"");
    assert_eq!(serde_json::from_str::<TxId>("\"12\"").unwrap(), TxId(12));
    for json in ["12", "\"012\"", "null", "true", "[1]", "{}", "1.0"] {
        let err = serde_json::from_str::<TxId>(json).unwrap_err().to_string();
        assert!(err.starts_with("id.bad-syntax"), "{json}: {err}");
    }

    let (buyer, seller) = (key("spec points buyer"), key("spec points seller"));
    let mut s = Spec::new();
    s.fund(&addr(&buyer), "satoshi 5000");
    s.bid(&seller, BidType::Sell, "satoshi 1000").unwrap();
    let buy = s.bid(&buyer, BidType::Buy, "satoshi 1000").unwrap();
    let bid_json = serde_json::to_string(s.market.bid(buy.bid).unwrap()).unwrap();
    assert!(bid_json.ends_with(",\"Transaction\":\"0\"}"), "{bid_json}");
    let tx_json = serde_json::to_string(s.market.transaction(TxId(0)).unwrap()).unwrap();
    assert!(
        tx_json.contains("\"BuyerBid\":\"1\",\"SellerBid\":\"0\","),
        "{tx_json}"
    );
}

#[test]
fn txid_parameter_compares_as_exact_text() {
    // BW-TXDOC-2, BW-ID-4
    let k = key("spec points seller");
    let good = TxMessage::sign_form(&k, TxId(7), &[("workerurl", "http://192.0.2.7/")]);
    assert!(TxMessage::from_form(TxId(7), &good).is_ok());
    for text in ["007", "+7", " 7", "7 ", "07", "8"] {
        let mut form = good.clone();
        for (name, value) in &mut form {
            if name == "txid" {
                *value = text.to_owned();
            }
        }
        let err = TxMessage::from_form(TxId(7), &form).unwrap_err();
        assert_eq!(err.code(), "txdoc.txid-mismatch", "{text:?}");
    }
}

// ---------------------------------------------------------------- money

#[test]
fn currency_mismatch_is_reported_before_overflow() {
    // BW-MONEY-9
    let max = Money::new(i64::MAX, Currency::Btc);
    let min = Money::new(i64::MIN, Currency::Btc);
    let one_eur = Money::new(1, Currency::Eur);
    for r in [max.checked_add(one_eur), min.checked_sub(one_eur)] {
        assert_eq!(r.unwrap_err().code(), "money.currency-mismatch");
    }
    let one_btc = Money::new(1, Currency::Btc);
    assert_eq!(
        max.checked_add(one_btc).unwrap_err().code(),
        "money.overflow"
    );
}

#[test]
fn money_json_that_is_not_a_string_is_bad_syntax() {
    // BW-MONEY-8
    for json in ["150000", "1.5", "null", "true", "[\"mBTC 1\"]", "{}"] {
        let err = serde_json::from_str::<Money>(json).unwrap_err().to_string();
        assert!(err.starts_with("money.bad-syntax"), "{json}: {err}");
    }
    let m: Money = serde_json::from_str("\"mBTC 1.5\"").unwrap();
    assert_eq!(m, Money::new(150_000, Currency::Btc));
}

// -------------------------------------------------------------- articles

#[test]
fn article_base_is_not_empty_and_the_limit_counts_the_suffix() {
    // BW-ART-1
    let code = |s: &str| Article::parse(s).map(|_| ()).map_err(|e| e.code());
    assert_eq!(code("~trusted"), Err("article.bad-syntax"));
    assert_eq!(code(""), Err("article.bad-syntax"));
    assert_eq!(code("fnord~trusted~trusted"), Err("article.bad-syntax"));
    assert_eq!(code("fnord~Trusted"), Err("article.bad-syntax"));
    let base120 = "a".repeat(120);
    assert_eq!(code(&format!("{base120}~trusted")), Ok(()));
    assert_eq!(
        code(&format!("{base120}b~trusted")),
        Err("article.bad-syntax")
    );
    assert_eq!(code(&"a".repeat(128)), Ok(()));
    assert_eq!(code(&"a".repeat(129)), Err("article.bad-syntax"));
}

// ------------------------------------------------------------------ bids

/// The Unicode White_Space code points (Unicode 15), which BW-BID-3 trims.
const WHITE_SPACE: [char; 25] = [
    '\u{9}', '\u{a}', '\u{b}', '\u{c}', '\u{d}', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

#[test]
fn bid_address_trims_exactly_unicode_white_space() {
    // BW-BID-3, BW-BID-1
    let k = key("spec points buyer");
    let mut nonces = NonceRegistry::new(4);
    let nonce = nonces.issue(T0, &[7; 16]).unwrap();
    let config = BidConfig::default();
    let signed = BidForm::signed(&k, BidType::Buy, "fnord", "mBTC 1", nonce.as_str());
    for ws in WHITE_SPACE {
        let mut form = signed.clone();
        form.address = format!("{ws}{ws}{}{ws}", signed.address);
        let request = form.parse(T0, &config, &nonces).unwrap();
        assert_eq!(request.participant(), &addr(&k), "U+{:04X}", ws as u32);
        // The document holds the trimmed address, so the signature verifies.
        assert!(verify_document(request).is_ok(), "U+{:04X}", ws as u32);
    }
    // Not white space in Unicode: zero-width space, BOM, Mongolian vowel separator.
    for other in ['\u{200b}', '\u{feff}', '\u{180e}', '\u{0}'] {
        let mut form = signed.clone();
        form.address = format!("{other}{}", signed.address);
        let err = form.parse(T0, &config, &nonces).unwrap_err();
        assert_eq!(err.code(), "addr.bad-encoding", "U+{:04X}", other as u32);
    }
}

// ---------------------------------------------------------------- nonces

#[test]
fn a_used_nonce_is_remembered_until_it_expires() {
    // BW-NONCE-1, BW-NONCE-3
    let mut r = NonceRegistry::new(4);
    let random = [0x42; 16];
    let n = r.issue(T0, &random).unwrap();
    let ticket = r.check(T0, n.as_str()).unwrap();
    r.consume(T0, ticket).unwrap();
    // Used but not expired: still live for issuing.
    let last_live = Timestamp::from_millis(T0.as_millis() + 179_999);
    assert_eq!(
        r.issue(last_live, &random).unwrap_err().code(),
        "nonce.collision"
    );
    assert_eq!(
        r.check(last_live, n.as_str()).unwrap_err().code(),
        "nonce.used"
    );
    // From its expiry on it may be issued again, as a fresh unused nonce.
    let again = r.issue(at(180), &random).unwrap();
    assert_eq!(again, n);
    assert!(r.check(at(180), again.as_str()).is_ok());
}

// ---------------------------------------------------------------- ledger

#[test]
fn zero_injections_book_nothing() {
    // BW-LEDGER-9, BW-DEP-3
    let a = addr(&key("spec points buyer"));
    let mut l = Ledger::new();
    let zero = Movement::injection(a, Money::new(0, Currency::Btc), None).unwrap();
    assert_eq!(
        l.apply(T0, &zero).unwrap_err().code(),
        "ledger.invalid-movement"
    );
    assert_eq!(l, Ledger::new());

    let mut s = Spec::new();
    let form = s.deposit_form(&a.to_string(), "BTC 0", "0");
    let before = s.market.clone();
    let err = s.market.submit_deposit(T0, &form).unwrap_err();
    assert_eq!(err.code(), "deposit.zero-injection");
    assert_eq!(s.market, before);
}

// ----------------------------------------------------------- transactions

/// A market with one transaction in WORKING; returns the buyer, the seller
/// and the transaction.
fn working() -> (Spec, PrivateKey, PrivateKey, TxId) {
    let (buyer, seller) = (key("spec points buyer"), key("spec points seller"));
    let mut s = Spec::new();
    s.fund(&addr(&buyer), "satoshi 5000");
    s.bid(&seller, BidType::Sell, "satoshi 1000").unwrap();
    let txid = s
        .bid(&buyer, BidType::Buy, "satoshi 1000")
        .unwrap()
        .matched
        .unwrap();
    let secret = Hash256::from_byte_array([9; 32]);
    let work = sha256(b"work");
    let wsh = sha256_concat(&[work.as_bytes(), secret.as_bytes()]);
    let (work, wsh, secret) = (work.to_string(), wsh.to_string(), secret.to_string());
    s.send(
        &buyer,
        txid,
        &[("workhash", &work), ("worksecrethash", &wsh)],
    )
    .unwrap();
    s.send(&seller, txid, &[("buyersecret", &secret)]).unwrap();
    (s, buyer, seller, txid)
}

#[test]
fn result_message_checks_hash_then_receipt_then_key() {
    // BW-TX-8
    let (mut s, buyer, seller, txid) = working();
    let hash = sha256(b"encrypted").to_string();
    let receipt =
        sign_message(&buyer, receipt_document(&sha256(b"encrypted")).as_bytes()).to_base64();
    let key_hex = sha256(b"key").to_string();
    let mut send = |h: &str, sig: &str, k: &str| {
        s.send(
            &seller,
            txid,
            &[
                ("encresulthash", h),
                ("encresulthashsig", sig),
                ("encresultkey", k),
            ],
        )
        .map_err(|e| e.code())
    };
    assert_eq!(send("zz", "bad", "zz"), Err("tx.bad-hex"));
    assert_eq!(send(&hash, "bad", "zz"), Err("tx.bad-receipt"));
    let wrong_receipt = sign_message(&seller, hash.as_bytes()).to_base64();
    assert_eq!(send(&hash, &wrong_receipt, "zz"), Err("tx.bad-receipt"));
    assert_eq!(send(&hash, &receipt, "zz"), Err("tx.bad-hex"));
    assert_eq!(send(&hash, &receipt, &key_hex), Ok(Phase::Unverified));
}

#[test]
fn worker_origin_check_order_and_host_comparison() {
    // BW-TX-13, BW-TX-15, BW-TX-8
    let code = |url: &str, remote: &str| check_worker_origin(url, remote).map_err(|e| e.code());
    // Length, then syntax, then the host: each failure hides the later ones.
    let long = format!("http://192.0.2.7/{}", "a".repeat(240));
    assert_eq!(
        code(&long, "198.51.100.1:5000"),
        Err("tx.worker-url-too-long")
    );
    assert_eq!(
        code("https://192.0.2.7/", "198.51.100.1:5000"),
        Err("tx.bad-worker-url")
    );
    assert_eq!(
        code("http://192.0.2.7/", "198.51.100.1:5000"),
        Err("tx.worker-host-mismatch")
    );
    // Text comparison after removing ports; no name is resolved.
    assert_eq!(code("http://192.0.2.7:8082/", "192.0.2.7:40000"), Ok(()));
    assert_eq!(code("http://192.0.2.7", "192.0.2.7:1"), Ok(()));
    assert_eq!(code("http://[::1]:8082/", "[::1]:40000"), Ok(()));
    assert_eq!(
        code("http://localhost:8082/", "127.0.0.1:40000"),
        Err("tx.worker-host-mismatch")
    );
    assert_eq!(
        code("http://[0:0:0:0:0:0:0:1]/", "[::1]:1"),
        Err("tx.worker-host-mismatch")
    );
    assert_eq!(
        code("http://[::ffff:192.0.2.7]/", "192.0.2.7:1"),
        Err("tx.worker-host-mismatch")
    );
    assert_eq!(
        code("http://192.0.2.007/", "192.0.2.7:1"),
        Err("tx.worker-host-mismatch")
    );
    // No fragment anywhere, even when the host would match (DEP-109).
    assert_eq!(
        code("http://192.0.2.7#x", "192.0.2.7:1"),
        Err("tx.bad-worker-url")
    );
    assert_eq!(
        code("http://192.0.2.7/p#x", "192.0.2.7:1"),
        Err("tx.bad-worker-url")
    );
    assert_eq!(
        code("http://192.0.2.7#@evil.example/", "192.0.2.7:1"),
        Err("tx.bad-worker-url")
    );
}

#[test]
fn tx_message_address_of_unknown_version_is_refused() {
    // BW-TXDOC-4, BW-ADDR-2 (DEP-23: 0.7 accepts any version byte here)
    let k = key("spec points seller");
    let mut form = TxMessage::sign_form(&k, TxId(0), &[("acceptresult", "on")]);
    // Version 0x05 (P2SH) over the same hash: a well-formed base58check text.
    let hash = *addr(&k).hash();
    let mut payload = vec![0x05];
    payload.extend_from_slice(hash.as_bytes());
    let p2sh = bitwrk_protocol::encoding::base58::encode_check(&payload);
    for (name, value) in &mut form {
        if name == "address" {
            *value = p2sh.clone();
        }
    }
    let err = TxMessage::from_form(TxId(0), &form).unwrap_err();
    assert_eq!(err.code(), "addr.unknown-version");
}

// -------------------------------------------------------------- deposits

#[test]
fn deposit_nonce_field_rules_and_check_order() {
    // BW-DEP-1, BW-DEP-2, BW-DEP-10
    let a = addr(&key("spec points buyer")).to_string();
    let mut s = Spec::new();
    let good = s.deposit_form(&a, "BTC 1", "1");
    let code = |m: &mut Market, f: &[(String, String)]| m.submit_deposit(T0, f).unwrap_err().code();

    let missing: Vec<_> = good.iter().filter(|(k, _)| k != "nonce").cloned().collect();
    assert_eq!(code(&mut s.market, &missing), "deposit.missing-field");
    let mut repeated = good.clone();
    repeated.push(("nonce".into(), good[2].1.clone()));
    assert_eq!(code(&mut s.market, &repeated), "deposit.duplicate-field");

    // An unknown nonce is reported only after the field values and the
    // signature pass.
    let with = |name: &str, value: &str| {
        let mut f = good.clone();
        for (k, v) in &mut f {
            if k == name {
                *v = value.to_owned();
            }
        }
        f
    };
    let unknown = "00000000000000000000000000000000";
    let mut f = with("nonce", unknown);
    assert_eq!(code(&mut s.market, &f), "deposit.untrusted-signer");
    f = with("nonce", "not a nonce");
    f.retain(|(k, _)| k != "signature");
    f.push(("signature".into(), "not base64".into()));
    assert_eq!(code(&mut s.market, &f), "sig.bad-base64");
    f = with("nonce", unknown);
    f[0].1 = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3".into();
    assert_eq!(code(&mut s.market, &f), "deposit.bad-account");

    // The account must be on the server's network (mainnet).
    let testnet = key("spec points buyer")
        .public_key()
        .address(Network::Testnet)
        .to_string();
    let form = s.deposit_form(&testnet, "BTC 1", "1");
    let err = s.market.submit_deposit(T0, &form).unwrap_err();
    assert_eq!(err.code(), "deposit.bad-account");
    assert!(err.to_string().contains("expected mainnet"), "{err}");

    // The well-formed deposit with its own nonce is accepted.
    assert!(s.market.submit_deposit(T0, &good).is_ok());
}

#[test]
fn relation_nonce_is_checked_after_the_signature() {
    // BW-REL-7
    let source = key("spec points seller");
    let target = addr(&key("spec points buyer"));
    let mut s = Spec::new();
    let unknown = "00000000000000000000000000000000";
    let signed = SignedRelation::signed(&source, RelationType::Trusts, target, true, unknown);
    let mut forged = signed.to_form();
    for (k, v) in &mut forged {
        if k == "enabled" {
            *v = "false".into();
        }
    }
    let before = s.market.clone();
    assert_eq!(
        s.market.submit_relation(T0, &forged).unwrap_err().code(),
        "sig.address-mismatch"
    );
    assert_eq!(
        s.market
            .submit_relation(T0, &signed.to_form())
            .unwrap_err()
            .code(),
        "nonce.unknown"
    );
    assert_eq!(s.market, before);
    let n = s.nonce(T0);
    let fresh = SignedRelation::signed(&source, RelationType::Trusts, target, true, &n);
    assert!(s.market.submit_relation(T0, &fresh.to_form()).is_ok());
}

// ------------------------------------------------------------------- keys

#[test]
fn wif_checks_are_ordered() {
    // BW-KEY-3, BW-KEY-2, BW-KEY-1
    use bitwrk_protocol::encoding::base58::encode_check;
    let code = |payload: &[u8]| {
        PrivateKey::from_wif(&encode_check(payload))
            .map(|_| ())
            .map_err(|e| e.code())
    };
    // Unknown version and a bad length: the version is reported.
    let mut p = vec![0x81];
    p.extend_from_slice(&[1; 31]);
    assert_eq!(code(&p), Err("wif.unknown-version"));
    // Bad flag and a zero scalar: the flag is reported.
    let mut p = vec![0x80];
    p.extend_from_slice(&[0; 32]);
    p.push(0x02);
    assert_eq!(code(&p), Err("wif.bad-compression-flag"));
    // Bad length and a zero scalar: the length is reported.
    let mut p = vec![0x80];
    p.extend_from_slice(&[0; 34]);
    assert_eq!(code(&p), Err("wif.bad-length"));
    // Only a well-formed payload reaches the scalar check.
    let mut p = vec![0x80];
    p.extend_from_slice(&[0; 32]);
    assert_eq!(code(&p), Err("key.scalar-out-of-range"));
    p[32] = 1;
    assert_eq!(code(&p), Ok(()));
}

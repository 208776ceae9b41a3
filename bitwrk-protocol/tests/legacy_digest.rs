//! BitWrk 0.7's legacy message digest (spec section 5.11): signatures a 0.7
//! client makes over messages of 253 … 65 535 bytes verify in compatible
//! mode and fail in strict mode — in single, cached-key and batch
//! verification, for every kind of signed document, and through a whole
//! trade in the market.
//!
//! The 0.7 signatures are made here by an oracle independent of the crate:
//! the 0.7 length encoding written from the spec text, SHA-256 from `sha2`
//! and signing by libsecp256k1.

use std::time::Duration;

use bitwrk_protocol::article::ArticlePolicy;
use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::encoding::base58;
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::{Event, Market, MarketConfig};
use bitwrk_protocol::relation::{RelationType, SignedRelation};
use bitwrk_protocol::signature::{
    SignatureError, SignedDocument, SignedMessage, Verifier, VerifyMode, compact_size_07,
    legacy_07_digest, message_digest, sign_message, verify_document_in, verify_message,
    verify_message_in, verify_message_text_in,
};
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::tx::{Phase, TxState};
use bitwrk_protocol::{Address, Currency, ErrorCode, Network, Signature};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

// ---------------------------------------------------------------------------
// The independent 0.7 signer
// ---------------------------------------------------------------------------

/// BitWrk 0.7's length prefix, from the spec text: the 3-byte form writes
/// the second byte as ⌊L / 2⌋ mod 256.
fn oracle_len_07(len: usize) -> Vec<u8> {
    match len {
        0..=0xfc => vec![len as u8],
        0xfd..=0xffff => vec![0xfd, (len % 256) as u8, ((len / 2) % 256) as u8],
        _ => {
            let mut v = vec![0xfe];
            v.extend_from_slice(&(len as u32).to_le_bytes());
            v
        }
    }
}

fn oracle_digest_07(message: &[u8]) -> [u8; 32] {
    let mut pre = b"\x18Bitcoin Signed Message:\n".to_vec();
    pre.extend_from_slice(&oracle_len_07(message.len()));
    pre.extend_from_slice(message);
    Sha256::digest(Sha256::digest(&pre)).into()
}

/// A signature as a 0.7 client makes it: over the 0.7 digest, by
/// libsecp256k1, with the Bitcoin header byte.
fn sign_07(key: &PrivateKey, message: &[u8]) -> Signature {
    // The secret scalar, from the key's WIF (version ‖ scalar ‖ flag).
    let wif = base58::decode_check(&key.to_wif()).unwrap();
    let secret: [u8; 32] = wif[1..33].try_into().unwrap();
    let sk = secp256k1::SecretKey::from_secret_bytes(secret).unwrap();
    let rs = secp256k1::ecdsa::RecoverableSignature::sign_ecdsa_recoverable(
        secp256k1::Message::from_digest(oracle_digest_07(message)),
        &sk,
    );
    let (recid, compact) = rs.serialize_compact();
    let mut bytes = [0u8; 65];
    bytes[0] = 27 + recid.to_u8() + if key.is_compressed() { 4 } else { 0 };
    bytes[1..].copy_from_slice(&compact);
    Signature::from_slice(&bytes).unwrap()
}

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("valid scalar")
}

fn addr(k: &PrivateKey) -> Address {
    k.public_key().address(Network::Mainnet)
}

// ---------------------------------------------------------------------------
// The digest and the free functions
// ---------------------------------------------------------------------------

#[test]
fn the_crate_computes_the_07_digest_like_the_oracle() {
    // BW-SIG-13
    for len in [
        0usize, 1, 252, 253, 254, 255, 256, 300, 511, 512, 516, 65_535, 65_536,
    ] {
        let m = vec![b'x'; len];
        assert_eq!(compact_size_07(len as u64), oracle_len_07(len), "{len}");
        assert_eq!(
            legacy_07_digest(&m).to_byte_array(),
            oracle_digest_07(&m),
            "{len}"
        );
    }
}

#[test]
fn strict_and_compatible_single_verification() {
    // BW-SIG-13, BW-SIG-14
    let k = key("legacy signer");
    let a = addr(&k);
    for len in [253usize, 300, 511, 512, 4000, 65_533] {
        let m = vec![b'm'; len];
        let old = sign_07(&k, &m);
        assert_eq!(
            verify_message_in(VerifyMode::Compat07, &a, &m, &old),
            Ok(()),
            "{len}"
        );
        let strict = verify_message_in(VerifyMode::Strict, &a, &m, &old).unwrap_err();
        assert_eq!(strict.code(), "sig.address-mismatch", "{len}");
        // Strict mode is what the mode-less functions do.
        assert_eq!(verify_message(&a, &m, &old), Err(strict));
        // Our own signatures verify in both modes.
        let new = sign_message(&k, &m);
        for mode in [VerifyMode::Strict, VerifyMode::Compat07] {
            assert_eq!(verify_message_in(mode, &a, &m, &new), Ok(()));
        }
    }
    // Where the two digests coincide, a 0.7 signature is simply valid.
    for len in [252usize, 516, 65_534, 65_535, 65_536] {
        let m = vec![b'm'; len];
        assert_eq!(verify_message(&a, &m, &sign_07(&k, &m)), Ok(()), "{len}");
    }
}

#[test]
fn a_double_failure_reports_the_bitcoin_digest_error() {
    // BW-SIG-13: the rejection reads the same in both modes.
    let (k, other) = (key("legacy signer"), key("someone else"));
    let m = vec![b'q'; 300];
    let old = sign_07(&k, &m);
    let strict = verify_message_in(VerifyMode::Strict, &addr(&other), &m, &old);
    let compat = verify_message_in(VerifyMode::Compat07, &addr(&other), &m, &old);
    assert!(matches!(
        strict,
        Err(SignatureError::AddressMismatch { .. })
    ));
    assert_eq!(strict, compat);
    // The recovered address is the one the Bitcoin digest gives.
    let recovered = old
        .recover(&message_digest(&m))
        .unwrap()
        .address(Network::Mainnet);
    assert_eq!(compat, Err(SignatureError::AddressMismatch { recovered }));
    // And the wire-form function says so too.
    let text = verify_message_text_in(VerifyMode::Compat07, &a_text(&k), &m, &old.to_base64());
    assert!(text.is_ok());
    let text = verify_message_text_in(VerifyMode::Strict, &a_text(&k), &m, &old.to_base64());
    assert_eq!(text.unwrap_err().code(), "sig.address-mismatch");
}

fn a_text(k: &PrivateKey) -> String {
    addr(k).to_string()
}

// ---------------------------------------------------------------------------
// The stateful verifier
// ---------------------------------------------------------------------------

struct Item {
    address: Address,
    message: Vec<u8>,
    signature: Signature,
}

/// A mix: standard and 0.7 signatures at affected and unaffected lengths,
/// by several signers, with some spoiled ones.
fn mixed_items(signers: &[PrivateKey]) -> Vec<Item> {
    let mut items = Vec::new();
    for (i, k) in signers.iter().enumerate() {
        for (j, len) in [100usize, 253, 300, 516, 700].into_iter().enumerate() {
            let message = format!("{i}/{j}/").into_bytes().repeat(len / 4 + 1)[..len].to_vec();
            let signature = if (i + j) % 2 == 0 {
                sign_07(k, &message)
            } else {
                sign_message(k, &message)
            };
            let mut address = addr(k);
            if (i * 5 + j) % 7 == 3 {
                // Claimed by another signer: invalid under both digests.
                address = addr(&signers[(i + 1) % signers.len()]);
            }
            items.push(Item {
                address,
                message,
                signature,
            });
        }
    }
    items
}

fn stateless(mode: VerifyMode, it: &Item) -> Result<(), SignatureError> {
    verify_message_in(mode, &it.address, &it.message, &it.signature)
}

#[test]
fn cached_and_batch_verdicts_equal_single_verdicts_in_each_mode() {
    // BW-SIG-13, BW-SIG-14, BW-SIG-15
    let signers: Vec<PrivateKey> = (0..6).map(|i| key(&format!("batch signer {i}"))).collect();
    let items = mixed_items(&signers);
    let mut rng = StdRng::seed_from_u64(7);
    for mode in [VerifyMode::Strict, VerifyMode::Compat07] {
        let want: Vec<_> = items.iter().map(|it| stateless(mode, it)).collect();
        // Both outcomes occur, and the modes differ on the 0.7 signatures.
        assert!(want.iter().any(Result::is_ok) && want.iter().any(Result::is_err));

        // Cold batch (nothing cached), then a warm one (every signer cached).
        let mut v = Verifier::with_mode(64, mode);
        assert_eq!(v.mode(), mode);
        let signed: Vec<SignedMessage<'_>> = items
            .iter()
            .map(|it| SignedMessage::new(it.address, &it.message, it.signature))
            .collect();
        assert_eq!(v.verify_batch(&signed, &mut rng), want, "{mode:?} cold");
        for k in &signers {
            let m = b"warm".to_vec();
            v.verify_message(&addr(k), &m, &sign_message(k, &m))
                .unwrap();
        }
        // Repeated batches: in compatible mode the verifier now remembers,
        // per signer, which digest its last settled signature needed and
        // batches it under that digest first; verdicts must not change,
        // also when the hint is wrong (the signers alternate digests).
        for round in 0..3 {
            assert_eq!(
                v.verify_batch(&signed, &mut rng),
                want,
                "{mode:?} warm {round}"
            );
            let reversed: Vec<SignedMessage<'_>> = signed.iter().rev().copied().collect();
            let mut back = v.verify_batch(&reversed, &mut rng);
            back.reverse();
            assert_eq!(back, want, "{mode:?} reversed {round}");
        }
        // Cached-key single verification.
        for (it, w) in items.iter().zip(&want) {
            assert_eq!(
                &v.verify_message(&it.address, &it.message, &it.signature),
                w
            );
        }
    }
    let strict: Vec<_> = items
        .iter()
        .map(|i| stateless(VerifyMode::Strict, i))
        .collect();
    let compat: Vec<_> = items
        .iter()
        .map(|i| stateless(VerifyMode::Compat07, i))
        .collect();
    assert_ne!(strict, compat);
    assert_eq!(Verifier::new(1).mode(), VerifyMode::Strict);
}

#[test]
fn a_batch_of_07_result_messages_from_cached_signers() {
    // BW-SIG-13: every member fails the combined Bitcoin-digest check and is
    // settled by the legacy digest against its cached key.
    let signers: Vec<PrivateKey> = (0..8).map(|i| key(&format!("07 seller {i}"))).collect();
    let mut v = Verifier::with_mode(16, VerifyMode::Compat07);
    let mut strict = Verifier::new(16);
    let items: Vec<Item> = signers
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let m = b"warm".to_vec();
            v.verify_message(&addr(k), &m, &sign_message(k, &m))
                .unwrap();
            strict
                .verify_message(&addr(k), &m, &sign_message(k, &m))
                .unwrap();
            let message = result_document(TxId(i as u64), k).into_bytes();
            Item {
                address: addr(k),
                signature: sign_07(k, &message),
                message,
            }
        })
        .collect();
    let signed: Vec<SignedMessage<'_>> = items
        .iter()
        .map(|it| SignedMessage::new(it.address, &it.message, it.signature))
        .collect();
    let mut rng = StdRng::seed_from_u64(9);
    // The first batch settles every member singly; the second is checked
    // under the legacy digest the signers are now known to use.
    for _ in 0..2 {
        assert!(v.verify_batch(&signed, &mut rng).iter().all(Result::is_ok));
    }
    // A spoiled member is still found, and the others still pass.
    let mut spoiled = signed.clone();
    spoiled[3].address = spoiled[4].address;
    let verdicts = v.verify_batch(&spoiled, &mut rng);
    for (i, verdict) in verdicts.iter().enumerate() {
        assert_eq!(verdict.is_ok(), i != 3, "{i}");
    }
    // Signers that switch to the Bitcoin digest are accepted too.
    let fresh: Vec<Item> = signers
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let message = result_document(TxId(100 + i as u64), k).into_bytes();
            Item {
                address: addr(k),
                signature: sign_message(k, &message),
                message,
            }
        })
        .collect();
    let fresh_signed: Vec<SignedMessage<'_>> = fresh
        .iter()
        .map(|it| SignedMessage::new(it.address, &it.message, it.signature))
        .collect();
    for _ in 0..2 {
        assert!(
            v.verify_batch(&fresh_signed, &mut rng)
                .iter()
                .all(Result::is_ok)
        );
    }
    let refused = strict.verify_batch(&signed, &mut rng);
    assert!(refused.iter().all(|r| {
        r.as_ref()
            .is_err_and(|e| e.code() == "sig.address-mismatch")
    }));
}

// ---------------------------------------------------------------------------
// Documents and the market
// ---------------------------------------------------------------------------

/// The §12 result message a 0.7 seller sends, as a document.
fn result_document(txid: TxId, seller: &PrivateKey) -> String {
    let args = result_args(&key("a buyer"));
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let form = TxMessage::sign_form(seller, txid, &args);
    TxMessage::from_form(txid, &form).unwrap().document()
}

fn result_args(buyer: &PrivateKey) -> Vec<(&'static str, String)> {
    let enc = sha256(b"encrypted result");
    vec![
        ("encresulthash", enc.to_string()),
        (
            "encresulthashsig",
            sign_message(buyer, receipt_document(&enc).as_bytes()).to_base64(),
        ),
        ("encresultkey", sha256(b"result key").to_string()),
    ]
}

/// A transaction message signed the way a 0.7 client signs it.
fn message_07(who: &PrivateKey, txid: TxId, args: &[(&str, &str)]) -> TxMessage {
    let form = TxMessage::sign_form(who, txid, args);
    let mut msg = TxMessage::from_form(txid, &form).unwrap();
    msg.signature = sign_07(who, msg.document().as_bytes()).to_base64();
    msg
}

#[test]
fn result_documents_are_in_the_affected_range() {
    // BW-SIG-13: the reason compatible mode exists.
    for i in [0u64, 7, 1_000_000, u64::MAX] {
        let len = result_document(TxId(i), &key("seller")).len();
        assert!((270..=300).contains(&len), "{len}");
        assert!(bitwrk_protocol::signature::legacy_07_differs(len as u64));
    }
}

/// A market with our own trusted account, in `mode`, and its event log.
struct Trade {
    market: Market,
    log: Vec<Event>,
    trusted: PrivateKey,
    nonces: u8,
}

impl Trade {
    fn new(mode: VerifyMode) -> Trade {
        let trusted = key("legacy trusted");
        let config = MarketConfig {
            trusted_account: addr(&trusted),
            verify_mode: mode,
            ..MarketConfig::default()
        };
        Trade {
            market: Market::new(config),
            log: Vec::new(),
            trusted,
            nonces: 0,
        }
    }

    fn nonce(&mut self, now: Timestamp) -> String {
        self.nonces += 1;
        let random = [self.nonces; 16];
        let n = self.market.issue_nonce(now, &random).unwrap();
        self.log.push(Event::NonceIssued { now, random });
        n.to_string()
    }

    fn send(&mut self, now: Timestamp, msg: &TxMessage) -> Phase {
        let (accepted, event) = self.market.submit_tx_message(now, msg).unwrap();
        self.log.push(event);
        accepted.post
    }
}

#[test]
fn a_07_seller_finishes_a_trade_in_compatible_mode() {
    // BW-SIG-13, BW-SIG-15: the seller's result message (about 300 bytes)
    // is signed under the 0.7 digest; the trade runs to FINISHED and payout.
    let (buyer, seller) = (key("legacy buyer"), key("legacy seller"));
    let mut t = Trade::new(VerifyMode::Compat07);

    // A deposit whose document is long enough to be affected, signed 0.7-style.
    let n = t.nonce(T0);
    const FUNDS: i64 = 1_000_000_000_000;
    let uid = "u".repeat(64);
    let reference = "r".repeat(64);
    let to = addr(&buyer).to_string();
    let doc =
        format!("account={to}&amount=satoshi{FUNDS}&nonce={n}&ref={reference}&type=1&uid={uid}");
    let funds = format!("satoshi {FUNDS}");
    assert!(bitwrk_protocol::signature::legacy_07_differs(
        doc.len() as u64
    ));
    let sig = sign_07(&t.trusted, doc.as_bytes()).to_base64();
    let form: Vec<(String, String)> = [
        ("account", to.as_str()),
        ("amount", &funds),
        ("nonce", &n),
        ("ref", &reference),
        ("type", "1"),
        ("uid", &uid),
        ("signature", &sig),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let (_, event) = t.market.submit_deposit(T0, &form).unwrap();
    t.log.push(event);
    assert_eq!(
        t.market.ledger().account_or_empty(&addr(&buyer)).available,
        FUNDS
    );

    let n = t.nonce(T0);
    let (_, event) = t
        .market
        .submit_bid(
            T0,
            &BidForm::signed(&seller, BidType::Sell, "fnord", "satoshi 1000", &n),
        )
        .unwrap();
    t.log.push(event);
    let n = t.nonce(T0);
    let (placed, event) = t
        .market
        .submit_bid(
            T0,
            &BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 1000", &n),
        )
        .unwrap();
    t.log.push(event);
    let txid = placed.matched.expect("the bids match");

    let now = T0.saturating_add(Duration::from_secs(1));
    let secret = Hash256::from_byte_array([5; 32]);
    let work = sha256(b"work");
    let wsh = sha256_concat(&[work.as_bytes(), secret.as_bytes()]);
    let (work, wsh, secret) = (work.to_string(), wsh.to_string(), secret.to_string());
    let steps: [(&PrivateKey, Vec<(&str, &str)>, Phase); 3] = [
        (
            &buyer,
            vec![("workhash", &work), ("worksecrethash", &wsh)],
            Phase::BuyerEstablished,
        ),
        (
            &seller,
            vec![("workerurl", "http://192.0.2.7:8082/")],
            Phase::Transmitting,
        ),
        (&seller, vec![("buyersecret", &secret)], Phase::Working),
    ];
    for (who, args, phase) in steps {
        let form = TxMessage::sign_form(who, txid, &args);
        assert_eq!(
            t.send(now, &TxMessage::from_form(txid, &form).unwrap()),
            phase
        );
    }

    // The 0.7 seller's result message: refused strictly, accepted here,
    // through the Verified<TxMessage> that handle_tx_message takes.
    let args = result_args(&buyer);
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let result = message_07(&seller, txid, &args);
    assert!((270..=300).contains(&result.document().len()));
    assert_eq!(
        verify_document_in(VerifyMode::Strict, result.clone())
            .unwrap_err()
            .code(),
        "sig.address-mismatch"
    );
    let verified = verify_document_in(VerifyMode::Compat07, result.clone()).unwrap();
    let mut direct = t.market.clone();
    let accepted = direct.handle_tx_message(now, &verified).unwrap();
    assert_eq!(accepted.post, Phase::Unverified);
    assert_eq!(t.send(now, &result), Phase::Unverified);
    assert_eq!(direct, t.market);

    // The buyer (also a 0.7 client, with a short message) accepts.
    let accept = message_07(&buyer, txid, &[("acceptresult", "on")]);
    assert_eq!(t.send(now, &accept), Phase::Finished);
    let deadline = t.market.transaction(txid).unwrap().timeout;
    let done = t.market.handle_timeout(deadline).unwrap();
    t.log.push(Event::Timeout { now: deadline });
    assert_eq!(done.retired.len(), 1);
    assert_eq!(t.market.transaction(txid).unwrap().state, TxState::Retired);
    assert_eq!(t.market.transaction(txid).unwrap().phase, Phase::Finished);
    let seller_acc = t.market.ledger().account_or_empty(&addr(&seller));
    assert_eq!((seller_acc.available, seller_acc.blocked), (1000, 0));
    let buyer_acc = t.market.ledger().account_or_empty(&addr(&buyer));
    assert_eq!((buyer_acc.available, buyer_acc.blocked), (FUNDS - 1030, 0));
    assert_eq!(t.market.ledger().fees_collected(Currency::Btc).amount(), 30);

    // Replay verifies in the configured mode: same state in compatible
    // mode; a strict market refuses the 0.7 deposit, the first 0.7 input.
    let config = t.market.config().clone();
    assert_eq!(Market::replay(config.clone(), &t.log).unwrap(), t.market);
    let strict = MarketConfig {
        verify_mode: VerifyMode::Strict,
        ..config
    };
    let (at, err) = Market::replay(strict, &t.log).unwrap_err();
    assert_eq!(at, 1);
    assert_eq!(err.code(), "deposit.untrusted-signer");
}

#[test]
fn a_strict_market_refuses_the_07_result_message_and_changes_nothing() {
    // BW-SIG-14, BW-SIG-15
    let (buyer, seller) = (key("legacy buyer"), key("legacy seller"));
    let mut t = Trade::new(VerifyMode::Strict);
    assert_eq!(MarketConfig::default().verify_mode, VerifyMode::Strict);
    let n = t.nonce(T0);
    let to = addr(&buyer).to_string();
    let doc = format!("account={to}&amount=satoshi2000&nonce={n}&ref=&type=1&uid=deposit-1");
    let sig = sign_message(&t.trusted, doc.as_bytes()).to_base64();
    let form: Vec<(String, String)> = [
        ("account", to.as_str()),
        ("amount", "satoshi 2000"),
        ("nonce", &n),
        ("type", "1"),
        ("uid", "deposit-1"),
        ("signature", &sig),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    t.market.submit_deposit(T0, &form).unwrap();
    let n = t.nonce(T0);
    t.market
        .submit_bid(
            T0,
            &BidForm::signed(&seller, BidType::Sell, "fnord", "satoshi 1000", &n),
        )
        .unwrap();
    let n = t.nonce(T0);
    let txid = t
        .market
        .submit_bid(
            T0,
            &BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 1000", &n),
        )
        .unwrap()
        .0
        .matched
        .unwrap();
    let now = T0.saturating_add(Duration::from_secs(1));
    let secret = Hash256::from_byte_array([5; 32]);
    let work = sha256(b"work");
    let wsh = sha256_concat(&[work.as_bytes(), secret.as_bytes()]).to_string();
    let (work, secret) = (work.to_string(), secret.to_string());
    for (who, args) in [
        (
            &buyer,
            vec![("workhash", work.as_str()), ("worksecrethash", &wsh)],
        ),
        (&seller, vec![("workerurl", "http://192.0.2.7:8082/")]),
        (&seller, vec![("buyersecret", &secret)]),
    ] {
        let form = TxMessage::sign_form(who, txid, &args);
        t.send(now, &TxMessage::from_form(txid, &form).unwrap());
    }
    let args = result_args(&buyer);
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let result = message_07(&seller, txid, &args);
    let before = t.market.clone();
    let err = t.market.submit_tx_message(now, &result).unwrap_err();
    assert_eq!(err.code(), "sig.address-mismatch");
    assert_eq!(t.market, before);
    assert_eq!(t.market.transaction(txid).unwrap().phase, Phase::Working);
    // The same seller signing as this specification says is accepted.
    let form = TxMessage::sign_form(&seller, txid, &args);
    assert_eq!(
        t.send(now, &TxMessage::from_form(txid, &form).unwrap()),
        Phase::Unverified
    );
}

#[test]
fn bids_and_relations_follow_the_mode() {
    // BW-SIG-13, BW-SIG-14, BW-SIG-15: a bid document made long by a long
    // article name, and a relation document, both signed 0.7-style.
    let seller = key("legacy seller");
    let article = "n/".repeat(63);
    for mode in [VerifyMode::Strict, VerifyMode::Compat07] {
        let mut t = Trade::new(mode);
        let mut config = t.market.config().clone();
        config.bids.articles = ArticlePolicy::from_names([article.as_str()]).unwrap();
        t.market = Market::new(config);
        let n = t.nonce(T0);
        let mut form = BidForm::signed(&seller, BidType::Sell, &article, "satoshi 1000", &n);
        let doc = t.market.parse_bid(T0, &form).unwrap().document();
        assert!(bitwrk_protocol::signature::legacy_07_differs(
            doc.len() as u64
        ));
        form.signature = sign_07(&seller, doc.as_bytes()).to_base64();
        let before = t.market.clone();
        let got = t.market.submit_bid(T0, &form);
        match mode {
            VerifyMode::Strict => {
                assert_eq!(got.unwrap_err().code(), "sig.address-mismatch");
                assert_eq!(t.market, before);
            }
            VerifyMode::Compat07 => assert!(got.unwrap().0.matched.is_none()),
        }

        // A relation document is about 170 bytes: never affected, so a 0.7
        // signature over it is valid in both modes.
        let n = t.nonce(T0);
        let target = addr(&key("legacy target"));
        let rel = SignedRelation::signed(&seller, RelationType::Trusts, target, true, &n);
        let doc = rel.document();
        assert!(!bitwrk_protocol::signature::legacy_07_differs(
            doc.len() as u64
        ));
        let mut form = rel.to_form();
        let sig = sign_07(&seller, doc.as_bytes()).to_base64();
        form.iter_mut().find(|(k, _)| k == "signature").unwrap().1 = sig;
        assert!(t.market.submit_relation(T0, &form).is_ok(), "{mode:?}");
    }
}

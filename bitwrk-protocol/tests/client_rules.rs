//! Requirements on clients and on implementations' self-checks that the
//! module tests do not cover: the client signs exactly what it sends
//! (BW-BID-14), well-behaved transaction messages (BW-TXDOC-7), the
//! configurable bid lifetime (BW-BID-8) and the ledger's invariant check
//! (BW-LEDGER-18).

use core::time::Duration;

use bitwrk_protocol::bid::{Bid, BidConfig, BidForm, BidType};
use bitwrk_protocol::document::query_escape;
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::ledger::{Ledger, Movement};
use bitwrk_protocol::nonce::NonceRegistry;
use bitwrk_protocol::signature::verified::{SignedDocument, verify_document};
use bitwrk_protocol::tx::document::{TxMessage, canonical_document};
use bitwrk_protocol::{Address, ErrorCode, Money, Network, PrivateKey, Timestamp};

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[n; 32], true, Network::Mainnet).unwrap()
}

fn nonces() -> (NonceRegistry, String) {
    let mut r = NonceRegistry::new(10);
    let n = r.issue(T0, &[5; 16]).unwrap();
    (r, n.as_str().to_owned())
}

#[test]
fn client_signs_the_texts_it_sends() {
    // BW-BID-14
    let (registry, nonce) = nonces();
    let config = BidConfig::default();
    let article = "net.bitwrk/blender/0/2.79/2G";
    let form = BidForm::signed(&key(1), BidType::Buy, article, "mBTC 1.50", &nonce);
    assert_eq!(form.price, "mBTC 1.50", "the price text is sent unchanged");
    let request = form.parse(T0, &config, &registry).unwrap();
    assert!(
        request.document().contains("&price=mBTC1.50&"),
        "{}",
        request.document()
    );
    assert!(verify_document(request).is_ok());

    // Sending another spelling of the same amount than the one signed fails.
    let mut respelled = form.clone();
    respelled.price = "mBTC1.5".to_owned();
    let request = respelled.parse(T0, &config, &registry).unwrap();
    assert_eq!(request.price(), Money::parse("mBTC 1.50").unwrap());
    assert_eq!(
        verify_document(request).unwrap_err().code(),
        "sig.address-mismatch"
    );
}

#[test]
fn bid_lifetime_is_configurable() {
    // BW-BID-8
    let (registry, nonce) = nonces();
    let form = BidForm::signed(&key(1), BidType::Sell, "fnord", "BTC 0.001", &nonce);
    for (lifetime, expected_ms) in [(None, 120_000), (Some(30), 30_000)] {
        let mut config = BidConfig::default();
        if let Some(s) = lifetime {
            config.lifetime = Duration::from_secs(s);
        }
        let request = form.parse(T0, &config, &registry).unwrap();
        let (bid, _ticket) = Bid::from_verified(verify_document(request).unwrap());
        assert_eq!(bid.created, T0);
        assert_eq!(bid.expires.as_millis() - T0.as_millis(), expected_ms);
    }
}

#[test]
fn well_behaved_messages_give_the_simple_document() {
    // BW-TXDOC-7
    let txid: TxId = "42".parse().unwrap();
    let args = [
        ("workhash", "aa".repeat(32)),
        ("worksecrethash", "bb".repeat(32)),
    ];
    let arg_refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let form = TxMessage::sign_form(&key(1), txid, &arg_refs);
    let message = TxMessage::from_form(txid, &form).unwrap();
    // What BitWrk 0.7's client signs: `name=value` strings, escaped, sorted, joined.
    let mut simple: Vec<String> = args
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .chain(["txid=42".to_owned()])
        .collect();
    simple.sort();
    assert_eq!(message.document(), simple.join("&"));
    assert!(verify_document(message).is_ok());

    // An empty value is where the two differ: the document has `name`, a
    // client writing `name=` signs something else.
    let with_empty = canonical_document([("acceptresult", ""), ("txid", "42")]);
    assert_eq!(with_empty, "acceptresult&txid=42");
    assert_ne!(with_empty, "acceptresult=&txid=42");
}

#[test]
fn ledger_invariants_are_checkable_from_state() {
    // BW-LEDGER-18
    let mut ledger = Ledger::new();
    assert_eq!(ledger.check_invariants(), Ok(()));
    let account: Address = key(1).public_key().address(Network::Mainnet);
    let amount = Money::parse("mBTC 2").unwrap();
    let deposit = Movement::injection(account, amount, Some("uid-0001".to_owned())).unwrap();
    ledger.apply(T0, &deposit).unwrap();
    assert_eq!(ledger.check_invariants(), Ok(()));
    let withdrawal = Movement::injection(account, Money::parse("mBTC -3").unwrap(), None).unwrap();
    assert_eq!(
        ledger.apply(T0, &withdrawal).unwrap_err().code(),
        "ledger.insufficient-funds"
    );
    assert_eq!(ledger.check_invariants(), Ok(()));
}

//! End-to-end flows through the real signature checks: a trade from bids
//! to payout and its replay, all-or-nothing refusals, deposits and trusted
//! articles.

use std::time::Duration;

use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::market::{Event, Market};
use bitwrk_protocol::relation::{RelationType, SignedRelation};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::tx::{Phase, TxState};
use bitwrk_protocol::{Currency, ErrorCode};

use super::*;

#[test]
fn a_trade_from_bids_to_payout_and_its_replay() {
    // BW-MARKET-1, BW-MARKET-3, BW-MARKET-4
    let (buyer, seller) = (key("market buyer"), key("market seller"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 2000");

    // A sell rests; a buy at a higher price matches at the resting price.
    let sell = h
        .bid(T0, &seller, BidType::Sell, "fnord", "satoshi 1000")
        .unwrap();
    assert_eq!(sell.matched, None);
    let buy = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "satoshi 1500")
        .unwrap();
    let txid = buy.matched.expect("matched");
    // The buyer blocked 1500 + 45 and got back the price improvement 515.
    assert_eq!(h.balance(&addr(&buyer)), (2000 - 1030, 1030));

    let secret = Hash256::from_byte_array([9; 32]);
    let work = sha256(b"work");
    let wsh = sha256_concat(&[work.as_bytes(), secret.as_bytes()]);
    let enc = sha256(b"encrypted");
    let receipt = sign_message(&buyer, receipt_document(&enc).as_bytes()).to_base64();
    let t = T0.saturating_add(Duration::from_secs(1));
    assert_eq!(
        h.send(
            t,
            &buyer,
            txid,
            &[("workhash", &hex(work)), ("worksecrethash", &hex(wsh))]
        )
        .unwrap(),
        Phase::BuyerEstablished
    );
    assert_eq!(
        h.send(t, &seller, txid, &[("workerurl", "http://192.0.2.5:8082/")])
            .unwrap(),
        Phase::Transmitting
    );
    assert_eq!(
        h.send(t, &seller, txid, &[("buyersecret", &hex(secret))])
            .unwrap(),
        Phase::Working
    );
    let result = [
        ("encresulthash", hex(enc)),
        ("encresulthashsig", receipt),
        ("encresultkey", hex(sha256(b"k"))),
    ];
    let result: Vec<(&str, &str)> = result.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        h.send(t, &seller, txid, &result).unwrap(),
        Phase::Unverified
    );

    // The buyer stays silent: at the timeout the seller is paid. Before
    // that, the first thing due is the nonces' expiry, 180 s after issue.
    let deadline = h.market.transaction(txid).unwrap().timeout;
    assert_eq!(
        deadline,
        T0.saturating_add(Duration::from_secs(60 + 120 + 300 + 900))
    );
    assert_eq!(
        h.market.poll_timeout(),
        Some(T0.saturating_add(Duration::from_secs(180)))
    );
    let early = h.tick(T0.saturating_add(Duration::from_secs(180)));
    assert!(early.retired.is_empty() && early.movements.is_empty());
    assert_eq!(h.market.poll_timeout(), Some(deadline));
    let done = h.tick(deadline);
    assert_eq!(done.retired.len(), 1);
    assert_eq!(h.balance(&addr(&seller)), (1000, 0));
    assert_eq!(h.balance(&addr(&buyer)), (970, 0));
    assert_eq!(h.market.ledger().fees_collected(Currency::Btc).amount(), 30);
    assert_eq!(h.market.transaction(txid).unwrap().state, TxState::Retired);
    h.market.ledger().check_invariants().unwrap();

    // Replaying the log from empty reproduces the market exactly.
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
    // The log is plain data: it survives JSON.
    let json = serde_json::to_string(&h.log).unwrap();
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        Market::replay(h.market.config().clone(), &back).unwrap(),
        h.market
    );
}

#[test]
fn refusals_change_nothing() {
    // BW-MARKET-2, BW-MARKET-6, BW-TIME-2
    let buyer = key("market buyer");
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 100");
    let before = h.market.clone();
    let n = h.nonce(T0);
    let after_nonce = h.market.clone();
    assert_ne!(before, after_nonce);

    // Insufficient funds: the nonce stays unspent and nothing changes.
    let form = BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 1000", &n);
    let err = h.market.submit_bid(T0, &form).unwrap_err();
    assert_eq!(err.code(), "ledger.insufficient-funds");
    assert_eq!(h.market, after_nonce);

    // A forged signature is refused before anything is spent.
    let mut forged = BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 10", &n);
    forged.price = "satoshi 1".into();
    assert_eq!(
        h.market.submit_bid(T0, &forged).unwrap_err().code(),
        "sig.address-mismatch"
    );
    assert_eq!(h.market, after_nonce);

    // A request parsed at one time cannot be placed at another.
    let ok = BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 10", &n);
    let request = h.market.parse_bid(T0, &ok).unwrap();
    let verified = bitwrk_protocol::signature::verify_document(request).unwrap();
    let later = T0.saturating_add(Duration::from_secs(1));
    assert_eq!(
        h.market.place_bid(later, verified).unwrap_err().code(),
        "market.stale-request"
    );
    assert_eq!(h.market, after_nonce);

    // Unknown transaction, and time going backwards.
    let msg = TxMessage::from_form(
        TxId(7),
        &TxMessage::sign_form(&buyer, TxId(7), &[("acceptresult", "on")]),
    )
    .unwrap();
    assert_eq!(
        h.market.submit_tx_message(T0, &msg).unwrap_err().code(),
        "market.unknown-tx"
    );
    h.tick(later);
    let ticked = h.market.clone();
    assert_eq!(
        h.market.handle_timeout(T0).unwrap_err().code(),
        "market.time-went-backwards"
    );
    assert_eq!(h.market, ticked);

    // The same nonce works once the bid is affordable; a second use fails.
    assert!(h.market.submit_bid(later, &ok).is_ok());
    assert_eq!(
        h.market.submit_bid(later, &ok).unwrap_err().code(),
        "nonce.used"
    );
}

#[test]
fn deposits_need_the_trusted_accounts_signature() {
    // BW-DEP-7, BW-DEP-8, BW-MARKET-2
    let someone = key("market someone");
    let mut h = Harness::new();
    let n = h.nonce(T0);
    let to = addr(&someone).to_string();
    let doc = format!("account={to}&amount=satoshi5&nonce={n}&ref=&type=1&uid=deposit-x1");
    let form = |sig: &str| {
        pairs(&[
            ("account", &to),
            ("amount", "satoshi 5"),
            ("nonce", &n),
            ("type", "1"),
            ("uid", "deposit-x1"),
            ("signature", sig),
        ])
    };
    let before = h.market.clone();
    // A valid signature, but not by the trusted account.
    let by_other = sign_message(&someone, doc.as_bytes()).to_base64();
    assert_eq!(
        h.market
            .submit_deposit(T0, &form(&by_other))
            .unwrap_err()
            .code(),
        "deposit.untrusted-signer"
    );
    assert_eq!(
        h.market
            .submit_deposit(T0, &form("not base64"))
            .unwrap_err()
            .code(),
        "sig.bad-base64"
    );
    assert_eq!(h.market, before);
    // The trusted account's signature is accepted once; the same uid again is a no-op.
    let good = sign_message(&h.trusted, doc.as_bytes()).to_base64();
    let (outcome, _) = h.market.submit_deposit(T0, &form(&good)).unwrap();
    assert!(matches!(
        outcome,
        bitwrk_protocol::ledger::deposit::DepositOutcome::Applied(_)
    ));
    assert_eq!(h.balance(&addr(&someone)), (5, 0));
    // The nonce is spent now, so a replayed form is refused.
    assert_eq!(
        h.market
            .submit_deposit(T0, &form(&good))
            .unwrap_err()
            .code(),
        "nonce.used"
    );
}

#[test]
fn trusted_articles_need_a_trusts_relation() {
    // BW-BID-11, BW-REL-10, BW-MARKET-1
    let seller = key("market seller");
    let mut h = Harness::new();
    let err = h
        .bid(T0, &seller, BidType::Sell, "fnord~trusted", "satoshi 10")
        .unwrap_err();
    assert_eq!(err.code(), "bid.untrusted-seller");

    let n = h.nonce(T0);
    let trust = h.trust.clone();
    let rel = SignedRelation::signed(&trust, RelationType::Trusts, addr(&seller), true, &n);
    let (replaced, event) = h.market.submit_relation(T0, &rel.to_form()).unwrap();
    assert!(replaced.is_none());
    h.log.push(event);
    assert!(
        h.bid(T0, &seller, BidType::Sell, "fnord~trusted", "satoshi 10")
            .is_ok()
    );
    assert_eq!(
        Market::replay(h.market.config().clone(), &h.log).unwrap(),
        h.market
    );
}

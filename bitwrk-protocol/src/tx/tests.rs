//! Tests of the transaction state machine, its table and its documents.
//!
//! This file holds the fixtures every group shares and the tests of the
//! table itself (its snapshots live beside it in `snapshots/`); the other
//! groups are in `tests/`: `lifecycle` (creation, the phases, retirement),
//! `rejections` (every way a message is refused, and in which order),
//! `documents` (canonical documents, forms, JSON) and `properties`
//! (proptests of all-or-nothing handling).

mod documents;
mod lifecycle;
mod properties;
mod rejections;

use super::document::{TxDocError, canonical_document, escape_pair, receipt_document};
use super::*;
use crate::address::Network;
use crate::error::ErrorCode;
use crate::hash::sha256;
use crate::key::PrivateKey;
use crate::money::Currency;
use crate::signature::{SignedDocument, sign_message, verify_document};
use proptest::prelude::*;

const T0: Timestamp = Timestamp::from_millis(1_571_488_496_000);
const ID: TxId = TxId(7);

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[n; 32], true, Network::Mainnet).unwrap()
}
fn addr(n: u8) -> Address {
    key(n).public_key().address(Network::Mainnet)
}
fn buyer() -> Address {
    addr(1)
}
fn seller() -> Address {
    addr(2)
}
fn secs(s: u64) -> Timestamp {
    T0.saturating_add(Duration::from_secs(s))
}

fn new_tx() -> Transaction {
    Transaction::new(NewTransaction {
        buyer_bid: BidId(1),
        seller_bid: BidId(2),
        buyer: buyer(),
        seller: seller(),
        article: Article::parse("fnord").unwrap(),
        price: Money::new(150_000, Currency::Btc),
        fee: Money::new(4500, Currency::Btc),
        matched: T0,
    })
}

fn work() -> Hash256 {
    sha256(b"the work")
}
fn secret() -> Hash256 {
    sha256(b"the buyer's secret")
}
fn work_secret_hash() -> Hash256 {
    sha256_concat(&[work().as_bytes(), secret().as_bytes()])
}
fn enc_hash() -> Hash256 {
    sha256(b"encrypted result")
}
fn receipt_sig() -> String {
    sign_message(&key(1), receipt_document(&enc_hash()).as_bytes()).to_base64()
}

/// A message whose signature is not the subject of the test.
fn msg(from: Address, args: &[(&str, &str)]) -> Verified<TxMessage> {
    Verified::new_unchecked(TxMessage {
        txid: ID,
        sender: from,
        arguments: args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        signature: String::new(),
    })
}

fn hashes_msg() -> Verified<TxMessage> {
    msg(
        buyer(),
        &[
            ("workhash", &work().to_string()),
            ("worksecrethash", &work_secret_hash().to_string()),
        ],
    )
}
fn url_msg() -> Verified<TxMessage> {
    msg(seller(), &[("workerurl", "http://1.2.3.4:8082/")])
}
fn secret_msg() -> Verified<TxMessage> {
    msg(seller(), &[("buyersecret", &secret().to_string())])
}
fn result_msg() -> Verified<TxMessage> {
    msg(
        seller(),
        &[
            ("encresulthash", &enc_hash().to_string()),
            ("encresulthashsig", &receipt_sig()),
            ("encresultkey", &sha256(b"key").to_string()),
        ],
    )
}

/// Applies messages at `now`, panicking on rejection.
fn run(tx: &mut Transaction, now: Timestamp, msgs: &[Verified<TxMessage>]) {
    for m in msgs {
        tx.handle_message(ID, now, m).unwrap();
    }
}

/// Asserts that `m` is rejected with `code` and leaves the tx unchanged.
fn reject(tx: &mut Transaction, now: Timestamp, m: &Verified<TxMessage>, code: &str) -> TxError {
    let before = tx.clone();
    let err = tx.handle_message(ID, now, m).unwrap_err();
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(*tx, before);
    err
}

// ---------------------------------------------------------------- the table

#[test]
fn matrix_snapshot() {
    // BW-TX-4, BW-TX-5, BW-TX-6
    insta::assert_snapshot!("matrix", rules::matrix_text());
}

#[test]
fn dot_snapshot() {
    // BW-TX-5
    insta::assert_snapshot!("dot", dot());
}

#[test]
fn table_shape() {
    // BW-TX-5, BW-TX-7
    for (i, rule) in RULES.iter().enumerate() {
        assert!(rule.arguments.is_sorted(), "{:?}", rule.kind);
        assert!(rule.sender != Role::Unknown);
        for other in &RULES[i + 1..] {
            assert!(
                rule.sender != other.sender || rule.arguments != other.arguments,
                "ambiguous rows"
            );
        }
        for (pre, post) in rule.transitions {
            assert!(!pre.is_final(), "{:?} leaves final phase {pre}", rule.kind);
            assert!(post.index() > pre.index(), "transitions only go forward");
            let pres: Vec<_> = rule.transitions.iter().filter(|(p, _)| p == pre).collect();
            assert_eq!(pres.len(), 1, "one post phase per pre phase");
        }
    }
    // Final phases are exactly the phases no row leaves.
    for phase in Phase::ALL {
        let leaves = RULES
            .iter()
            .any(|r| r.transitions.iter().any(|(p, _)| *p == phase));
        assert_eq!(!leaves, phase.is_final(), "{phase}");
    }
    // DEP-105: rejectresult leads to RESULT_DISPUTED.
    let (_, post) = rules::evaluate(Phase::Unverified, Role::Buyer, &["rejectresult"]).unwrap();
    assert_eq!(post, Phase::ResultDisputed);
    // Matrix: 9 phases × 7 messages × 3 senders, 17 accepted cells.
    let m = matrix();
    assert_eq!(m.len(), 9 * 7 * 3);
    assert_eq!(m.iter().filter(|r| r.outcome.is_ok()).count(), 17);
}

#[test]
fn spec_contains_dot() {
    // BW-TX-5: the diagram in the specification is the generated one.
    let spec = include_str!("../../../spec/12-transactions.md");
    let block = format!("```dot\n{}```", dot());
    assert!(
        spec.contains(&block),
        "spec/12-transactions.md must contain:\n{block}"
    );
}

#[test]
fn phase_json() {
    // BW-TX-1, BW-TX-2
    for (i, p) in Phase::ALL.iter().enumerate() {
        assert_eq!(usize::from(p.index()), i);
        assert_eq!(
            serde_json::to_string(p).unwrap(),
            format!("\"{}\"", p.as_str())
        );
        assert_eq!(
            serde_json::from_str::<Phase>(&format!("\"{}\"", p.as_str())).unwrap(),
            *p
        );
    }
    assert_eq!(serde_json::to_string(&TxState::Retired).unwrap(), "1");
    assert_eq!(serde_json::to_string(&Role::Unknown).unwrap(), "2");
    assert!(serde_json::from_str::<TxState>("2").is_err());
}

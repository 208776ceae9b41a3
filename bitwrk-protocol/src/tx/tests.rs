//! Tests of the transaction state machine, its table and its documents.

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

// ---------------------------------------------------------------- life cycle

#[test]
fn creation() {
    // BW-TX-9, BW-TX-12
    let tx = new_tx();
    assert_eq!(tx.phase, Phase::Establishing);
    assert_eq!(tx.state, TxState::Active);
    assert_eq!(tx.revision, 0);
    assert_eq!(tx.timeout, secs(60));
    assert_eq!(tx.deadline(), Some(secs(60)));
}

#[test]
fn happy_path_with_timeouts() {
    // BW-TX-5, BW-TX-9, BW-TX-12
    let mut tx = new_tx();
    let a = tx.handle_message(ID, secs(1), &hashes_msg()).unwrap();
    assert_eq!(
        (a.pre, a.post, a.from),
        (Phase::Establishing, Phase::BuyerEstablished, Role::Buyer)
    );
    assert_eq!((tx.revision, tx.timeout), (1, secs(60)));
    assert_eq!(tx.work_hash, Some(work()));
    let a = tx.handle_message(ID, secs(2), &url_msg()).unwrap();
    assert_eq!(a.post, Phase::Transmitting);
    assert_eq!(
        tx.timeout,
        secs(60 + 120),
        "extended from the timeout, not from now"
    );
    assert_eq!(tx.worker_url.as_deref(), Some("http://1.2.3.4:8082/"));
    run(&mut tx, secs(100), &[secret_msg()]);
    assert_eq!(tx.phase, Phase::Working);
    assert_eq!(tx.timeout, secs(60 + 120 + 300));
    assert_eq!(tx.buyer_secret, Some(secret()));
    run(&mut tx, secs(200), &[result_msg()]);
    assert_eq!(tx.phase, Phase::Unverified);
    assert_eq!(tx.timeout, secs(60 + 120 + 300 + 900));
    assert_eq!(
        tx.encrypted_result_receipt.as_ref().unwrap().hash,
        enc_hash()
    );
    let a = tx
        .handle_message(ID, secs(300), &msg(buyer(), &[("acceptresult", "on")]))
        .unwrap();
    assert_eq!(a.post, Phase::Finished);
    assert_eq!(tx.timeout, secs(300), "final phases retire now");
    assert_eq!(tx.revision, 5);
    let r = tx.retire(secs(300)).unwrap();
    assert_eq!(r.revision, 6);
    assert!(matches!(r.payout, Payout::SellerPaid { .. }));
    assert_eq!(tx.deadline(), None);
}

#[test]
fn seller_first_and_secret_skipping_transmitting() {
    // BW-TX-5, BW-TX-9: buyersecret straight from BUYER_ESTABLISHED skips the +2 min.
    let mut tx = new_tx();
    run(&mut tx, secs(1), &[url_msg()]);
    assert_eq!(tx.phase, Phase::SellerEstablished);
    run(&mut tx, secs(2), &[hashes_msg()]);
    assert_eq!((tx.phase, tx.timeout), (Phase::Transmitting, secs(180)));

    let mut tx = new_tx();
    run(&mut tx, secs(1), &[hashes_msg(), secret_msg()]);
    assert_eq!((tx.phase, tx.timeout), (Phase::Working, secs(60 + 300)));
}

#[test]
fn disputes() {
    // BW-TX-5, BW-TX-9
    let mut tx = new_tx();
    run(
        &mut tx,
        secs(1),
        &[url_msg(), msg(seller(), &[("rejectwork", "")])],
    );
    assert_eq!((tx.phase, tx.timeout), (Phase::WorkDisputed, secs(1)));

    let mut tx = new_tx();
    run(
        &mut tx,
        secs(1),
        &[hashes_msg(), secret_msg(), result_msg()],
    );
    run(&mut tx, secs(2), &[msg(buyer(), &[("rejectresult", "x")])]);
    assert_eq!((tx.phase, tx.timeout), (Phase::ResultDisputed, secs(2)));
    let r = tx.retire(secs(2)).unwrap();
    assert!(matches!(r.payout, Payout::BuyerRefunded { .. }));
}

// ---------------------------------------------------------------- rejections

#[test]
fn wrong_transaction() {
    // BW-TX-2
    let mut tx = new_tx();
    let before = tx.clone();
    let err = tx
        .handle_message(TxId(8), secs(1), &hashes_msg())
        .unwrap_err();
    assert_eq!(err.code(), "tx.wrong-transaction");
    assert_eq!(tx, before);
}

#[test]
fn inactive_at_and_after_timeout() {
    // BW-TX-2 (observed 0.7: a message exactly at the timeout is rejected)
    let mut tx = new_tx();
    reject(&mut tx, secs(60), &hashes_msg(), "tx.inactive");
    tx.handle_message(
        ID,
        Timestamp::from_millis(secs(60).as_millis() - 1),
        &hashes_msg(),
    )
    .unwrap();
    let mut tx = new_tx();
    tx.retire(secs(60)).unwrap();
    let err = reject(&mut tx, secs(0), &hashes_msg(), "tx.inactive");
    assert!(matches!(
        err,
        TxError::Inactive {
            state: TxState::Retired,
            ..
        }
    ));
}

#[test]
fn message_not_allowed() {
    // BW-TX-3, BW-TX-4
    let mut tx = new_tx();
    // An unknown sender may send nothing.
    let err = reject(
        &mut tx,
        secs(1),
        &msg(addr(3), &[("acceptresult", "")]),
        "tx.message-not-allowed",
    );
    assert_eq!(
        err,
        TxError::MessageNotAllowed {
            sender: Role::Unknown,
            got: vec!["acceptresult".into()],
            allowed: vec![]
        }
    );
    // The seller may not send buyer messages.
    let err = reject(
        &mut tx,
        secs(1),
        &msg(seller(), &[("acceptresult", "")]),
        "tx.message-not-allowed",
    );
    let TxError::MessageNotAllowed { allowed, .. } = &err else {
        panic!()
    };
    assert_eq!(allowed.len(), 4);
    assert!(err.to_string().contains("{workerurl}"), "{err}");
    // Exact argument sets: a subset, a superset and an extra name are refused.
    reject(
        &mut tx,
        secs(1),
        &msg(buyer(), &[("workhash", &work().to_string())]),
        "tx.message-not-allowed",
    );
    reject(
        &mut tx,
        secs(1),
        &msg(
            buyer(),
            &[("workhash", "a"), ("worksecrethash", "b"), ("x", "")],
        ),
        "tx.message-not-allowed",
    );
    reject(
        &mut tx,
        secs(1),
        &msg(buyer(), &[]),
        "tx.message-not-allowed",
    );
}

#[test]
fn wrong_phase() {
    // BW-TX-6
    let mut tx = new_tx();
    let err = reject(&mut tx, secs(1), &secret_msg(), "tx.wrong-phase");
    assert_eq!(
        err,
        TxError::WrongPhase {
            kind: MessageKind::BuyerSecret,
            phase: Phase::Establishing,
            allowed_from: vec![Phase::BuyerEstablished, Phase::Transmitting]
        }
    );
    assert!(err.to_string().contains("BUYER_ESTABLISHED, TRANSMITTING"));
    run(&mut tx, secs(1), &[hashes_msg()]);
    reject(&mut tx, secs(1), &hashes_msg(), "tx.wrong-phase");
}

#[test]
fn no_transition_out_of_final_phases() {
    // BW-TX-7: acceptresult is allowed from every non-final phase but not after a dispute.
    let mut tx = new_tx();
    run(
        &mut tx,
        secs(1),
        &[url_msg(), msg(seller(), &[("rejectwork", "on")])],
    );
    // The tx is inactive now (timeout = now), so check the table directly too.
    for phase in Phase::ALL.into_iter().filter(|p| p.is_final()) {
        for rule in RULES {
            assert_eq!(
                rules::evaluate(phase, rule.sender, rule.arguments)
                    .unwrap_err()
                    .code(),
                "tx.wrong-phase"
            );
        }
    }
    reject(
        &mut tx,
        secs(1),
        &msg(buyer(), &[("acceptresult", "")]),
        "tx.inactive",
    );
    // acceptresult straight from ESTABLISHING.
    let mut tx = new_tx();
    run(&mut tx, secs(1), &[msg(buyer(), &[("acceptresult", "")])]);
    assert_eq!(tx.phase, Phase::Finished);
}

#[test]
fn hash_arguments() {
    // BW-TX-8 (observed 0.7 keeps WorkHash when worksecrethash is bad; we change nothing)
    let mut tx = new_tx();
    let good = work().to_string();
    for bad in [
        "",
        "00",
        &good.to_uppercase(),
        &format!("{good}0"),
        &format!("g{}", &good[1..]),
    ] {
        let m = msg(buyer(), &[("workhash", &good), ("worksecrethash", bad)]);
        let err = reject(&mut tx, secs(1), &m, "tx.bad-hex");
        assert!(matches!(
            err,
            TxError::BadHex {
                argument: "worksecrethash",
                ..
            }
        ));
        assert_eq!(tx.work_hash, None);
    }
    let m = msg(buyer(), &[("workhash", "x"), ("worksecrethash", "y")]);
    let err = reject(&mut tx, secs(1), &m, "tx.bad-hex");
    assert!(matches!(
        err,
        TxError::BadHex {
            argument: "workhash",
            ..
        }
    ));
}

#[test]
fn worker_url() {
    // BW-TX-8
    let mut tx = new_tx();
    for bad in [
        "https://1.2.3.4/",
        "http://",
        "http:///x",
        "ftp://1.2.3.4/",
        "http://a b/",
        "http://user@1.2.3.4/",
        "HTTP://1.2.3.4/",
        "",
    ] {
        reject(
            &mut tx,
            secs(1),
            &msg(seller(), &[("workerurl", bad)]),
            "tx.bad-worker-url",
        );
    }
    let long = format!("http://1.2.3.4/{}", "a".repeat(241));
    assert_eq!(long.len(), 256);
    reject(
        &mut tx,
        secs(1),
        &msg(seller(), &[("workerurl", &long)]),
        "tx.worker-url-too-long",
    );
    let ok = &long[..255];
    run(&mut tx, secs(1), &[msg(seller(), &[("workerurl", ok)])]);
    assert_eq!(tx.phase, Phase::SellerEstablished);
}

#[test]
fn worker_origin() {
    // BW-TX-13
    assert_eq!(
        check_worker_origin("http://1.2.3.4:8082/", "1.2.3.4:5555"),
        Ok(())
    );
    assert_eq!(check_worker_origin("http://[::1]:8082/", "[::1]:1"), Ok(()));
    assert_eq!(check_worker_origin("http://1.2.3.4/x", "1.2.3.4"), Ok(()));
    assert_eq!(
        check_worker_origin("http://1.2.3.4:8082/", "1.2.3.5:5555")
            .unwrap_err()
            .code(),
        "tx.worker-host-mismatch"
    );
    assert_eq!(
        check_worker_origin("https://1.2.3.4/", "1.2.3.4")
            .unwrap_err()
            .code(),
        "tx.bad-worker-url"
    );
    assert_eq!(strip_port("::1"), "::1");
    assert_eq!(strip_port("host"), "host");
}

#[test]
fn buyer_secret_must_match() {
    // BW-TX-8 (observed 0.7: "inconsistent" secret rejected)
    let mut tx = new_tx();
    run(&mut tx, secs(1), &[hashes_msg()]);
    let wrong = msg(seller(), &[("buyersecret", &sha256(b"other").to_string())]);
    reject(&mut tx, secs(1), &wrong, "tx.secret-mismatch");
    reject(
        &mut tx,
        secs(1),
        &msg(seller(), &[("buyersecret", "0")]),
        "tx.bad-hex",
    );
}

#[test]
fn result_receipt() {
    // BW-TX-8, BW-TXDOC-6
    let mut tx = new_tx();
    run(&mut tx, secs(1), &[hashes_msg(), secret_msg()]);
    let result_key = sha256(b"key").to_string();
    let hash = enc_hash().to_string();
    // Signed by the seller instead of the buyer.
    let by_seller = sign_message(&key(2), hash.as_bytes()).to_base64();
    for (sig, code) in [
        (by_seller.as_str(), "sig.address-mismatch"),
        ("not base64!", "sig.bad-base64"),
        ("AAAA", "sig.bad-length"),
    ] {
        let m = msg(
            seller(),
            &[
                ("encresulthash", &hash),
                ("encresulthashsig", sig),
                ("encresultkey", &result_key),
            ],
        );
        let err = reject(&mut tx, secs(1), &m, "tx.bad-receipt");
        let TxError::BadReceipt { error } = err else {
            panic!()
        };
        assert_eq!(error.code(), code);
    }
    // The receipt covers the hash: another hash does not verify.
    let other = sha256(b"other").to_string();
    let m = msg(
        seller(),
        &[
            ("encresulthash", &other),
            ("encresulthashsig", &receipt_sig()),
            ("encresultkey", &result_key),
        ],
    );
    reject(&mut tx, secs(1), &m, "tx.bad-receipt");
    let m = msg(
        seller(),
        &[
            ("encresulthash", &hash),
            ("encresulthashsig", &receipt_sig()),
            ("encresultkey", "k"),
        ],
    );
    let err = reject(&mut tx, secs(1), &m, "tx.bad-hex");
    assert!(matches!(
        err,
        TxError::BadHex {
            argument: "encresultkey",
            ..
        }
    ));
}

#[test]
fn retirement() {
    // BW-TX-10, BW-TX-11, BW-TX-12
    let mut tx = new_tx();
    let before = tx.clone();
    assert_eq!(tx.retire(secs(59)).unwrap_err().code(), "tx.too-young");
    assert_eq!(tx, before);
    let r = tx.retire(secs(60)).unwrap();
    assert_eq!(
        r.payout,
        Payout::BuyerRefunded {
            buyer: buyer(),
            price: tx.price,
            fee: tx.fee
        }
    );
    assert_eq!(
        (tx.state, tx.revision, r.revision),
        (TxState::Retired, 1, 1)
    );
    let retired = tx.clone();
    assert_eq!(
        tx.retire(secs(100)).unwrap_err().code(),
        "tx.already-retired"
    );
    assert_eq!(tx, retired);

    // UNVERIFIED at the timeout pays the seller (a silent buyer pays).
    let mut tx = new_tx();
    run(
        &mut tx,
        secs(1),
        &[hashes_msg(), secret_msg(), result_msg()],
    );
    let r = tx.retire(tx.timeout).unwrap();
    assert_eq!(
        r.payout,
        Payout::SellerPaid {
            seller: seller(),
            buyer: buyer(),
            price: tx.price,
            fee: tx.fee
        }
    );
    // Every other phase refunds.
    for phase in Phase::ALL {
        let mut tx = new_tx();
        tx.phase = phase;
        let r = tx.retire(secs(60)).unwrap();
        assert_eq!(
            matches!(r.payout, Payout::SellerPaid { .. }),
            phase.pays_seller(),
            "{phase}"
        );
        assert_eq!(r.phase, phase);
    }
}

#[test]
fn error_codes_are_distinct() {
    // BW-TX-4
    let mut codes = TxError::CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), TxError::CODES.len());
    assert!(codes.iter().all(|c| c.starts_with("tx.")));
}

#[test]
fn transaction_json_shape() {
    // BW-TX-14
    let mut tx = new_tx();
    run(
        &mut tx,
        secs(1),
        &[hashes_msg(), secret_msg(), result_msg()],
    );
    let json = serde_json::to_string(&tx).unwrap();
    let keys = [
        "Revision",
        "BuyerBid",
        "SellerBid",
        "Buyer",
        "Seller",
        "Article",
        "Price",
        "Fee",
        "Matched",
        "State",
        "Phase",
        "Timeout",
        "WorkerURL",
        "WorkHash",
        "WorkSecretHash",
        "BuyerSecret",
        "EncryptedResultReceipt",
        "ResultDecryptionKey",
    ];
    let mut last = 0;
    for k in keys {
        let pos = json
            .find(&format!("\"{k}\":"))
            .unwrap_or_else(|| panic!("{k} missing"));
        assert!(pos >= last, "{k} out of order");
        last = pos;
    }
    assert!(json.contains("\"Phase\":\"UNVERIFIED\""));
    assert!(json.contains("\"State\":0"));
    assert!(json.contains("\"WorkerURL\":null"));
    assert!(json.contains("\"Price\":\"mBTC 1.5\""));
    assert!(json.contains("\"Matched\":\"2019-10-19T12:34:56Z\""));
    assert!(json.contains("\"EncryptedResultReceipt\":{\"Hash\":\""));
    let back: Transaction = serde_json::from_str(&json).unwrap();
    assert_eq!(back, tx);
}

// ---------------------------------------------------------------- documents

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn canonical_document_rules() {
    // BW-TXDOC-3
    assert_eq!(escape_pair("rejectwork", ""), "rejectwork");
    assert_eq!(escape_pair("a b", "c/d"), "a+b=c%2Fd");
    // Whole strings are sorted: "ab" < "ab=…" < "a~".
    assert_eq!(
        canonical_document([("a~", "1"), ("ab", "x"), ("ab=", ""), ("b", "")]),
        "ab%3D&ab=x&a~=1&b"
    );
    assert_eq!(
        canonical_document([("workerurl", "http://1.2.3.4:8082/"), ("txid", "7")]),
        "txid=7&workerurl=http%3A%2F%2F1.2.3.4%3A8082%2F"
    );
}

#[test]
fn from_form_checks() {
    // BW-TXDOC-1, BW-TXDOC-2, BW-TXDOC-4, BW-TXDOC-5
    let base = [
        ("rejectwork", "on"),
        ("address", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
        ("signature", "AAAA"),
    ];
    let m = TxMessage::from_form(ID, &pairs(&base)).unwrap();
    assert_eq!(m.argument_names(), vec!["rejectwork"]);
    assert_eq!(m.document(), "rejectwork=on&txid=7");

    let mut dup = base.to_vec();
    dup.push(("rejectwork", "on"));
    assert_eq!(
        TxMessage::from_form(ID, &pairs(&dup)).unwrap_err(),
        TxDocError::DuplicateArgument {
            name: "rejectwork".into()
        }
    );
    let mut dup_sig = base.to_vec();
    dup_sig.push(("signature", "BBBB"));
    assert_eq!(
        TxMessage::from_form(ID, &pairs(&dup_sig))
            .unwrap_err()
            .code(),
        "txdoc.duplicate-argument"
    );

    let mut with_txid = base.to_vec();
    with_txid.push(("txid", "7"));
    assert_eq!(
        TxMessage::from_form(ID, &pairs(&with_txid))
            .unwrap()
            .document(),
        "rejectwork=on&txid=7"
    );
    with_txid.pop();
    with_txid.push(("txid", "07"));
    assert_eq!(
        TxMessage::from_form(ID, &pairs(&with_txid))
            .unwrap_err()
            .code(),
        "txdoc.txid-mismatch"
    );

    assert_eq!(
        TxMessage::from_form(ID, &pairs(&base[..2]))
            .unwrap_err()
            .code(),
        "txdoc.missing-signature"
    );
    assert_eq!(
        TxMessage::from_form(ID, &pairs(&[base[0], base[2]]))
            .unwrap_err()
            .code(),
        "txdoc.missing-address"
    );
    assert_eq!(
        TxMessage::from_form(
            ID,
            &pairs(&[
                base[0],
                ("address", "1BoatSLRHtKNngkdXEeobR76b53LETtpyU"),
                base[2]
            ])
        )
        .unwrap_err()
        .code(),
        "addr.bad-checksum"
    );
}

#[test]
fn signed_form_verifies() {
    // BW-TXDOC-3, BW-TXDOC-4: a client-signed form verifies and drives the machine.
    let form = TxMessage::sign_form(
        &key(1),
        ID,
        &[
            ("workhash", &work().to_string()),
            ("worksecrethash", &work_secret_hash().to_string()),
        ],
    );
    let m = TxMessage::from_form(ID, &form).unwrap();
    assert_eq!(m.sender, buyer());
    let verified = verify_document(m.clone()).unwrap();
    let mut tx = new_tx();
    tx.handle_message(ID, secs(1), &verified).unwrap();
    assert_eq!(tx.phase, Phase::BuyerEstablished);

    // Tampering with a value, the txid or the sender breaks the signature.
    let mut tampered = m.clone();
    tampered
        .arguments
        .insert("workhash".into(), sha256(b"x").to_string());
    assert_eq!(
        verify_document(tampered).unwrap_err().code(),
        "sig.address-mismatch"
    );
    let mut other_tx = m.clone();
    other_tx.txid = TxId(8);
    assert!(verify_document(other_tx).is_err());
    let mut other_sender = m.clone();
    other_sender.sender = seller();
    assert!(verify_document(other_sender).is_err());

    // Deserialising a Verified<TxMessage> verifies again.
    let json = serde_json::to_string(&verified).unwrap();
    assert_eq!(
        serde_json::from_str::<Verified<TxMessage>>(&json).unwrap(),
        verified
    );
    let forged = json.replace(&work().to_string(), &sha256(b"x").to_string());
    assert!(serde_json::from_str::<Verified<TxMessage>>(&forged).is_err());
}

#[test]
fn receipt_document_is_hex() {
    // BW-TXDOC-6
    assert_eq!(receipt_document(&enc_hash()), enc_hash().to_string());
    assert_eq!(receipt_document(&enc_hash()).len(), 64);
}

// ---------------------------------------------------------------- properties

const NAMES: [&str; 11] = [
    "workhash",
    "worksecrethash",
    "workerurl",
    "buyersecret",
    "rejectwork",
    "encresulthash",
    "encresulthashsig",
    "encresultkey",
    "rejectresult",
    "acceptresult",
    "txidx",
];

fn value_pool() -> Vec<String> {
    vec![
        String::new(),
        "on".into(),
        work().to_string(),
        work_secret_hash().to_string(),
        secret().to_string(),
        enc_hash().to_string(),
        receipt_sig(),
        "http://1.2.3.4:8082/".into(),
        "https://x/".into(),
        work().to_string().to_uppercase(),
    ]
}

prop_compose! {
    fn arb_tx()(phase in 0usize..9, retired: bool, timeout_s in 0u64..2000, rev in 0u64..10,
                with_hashes: bool, wrong_secret_hash: bool) -> Transaction {
        let mut tx = new_tx();
        tx.phase = Phase::ALL[phase];
        tx.state = if retired { TxState::Retired } else { TxState::Active };
        tx.timeout = secs(timeout_s);
        tx.revision = rev;
        if with_hashes {
            tx.work_hash = Some(work());
            tx.work_secret_hash = Some(if wrong_secret_hash { work() } else { work_secret_hash() });
        }
        tx
    }
}

prop_compose! {
    fn arb_msg()(who in 0u8..3, args in proptest::collection::btree_map(0usize..NAMES.len(), 0usize..10, 0..4),
                 txid in 6u64..9) -> Verified<TxMessage> {
        let pool = value_pool();
        let sender = [buyer(), seller(), addr(3)][usize::from(who)];
        Verified::new_unchecked(TxMessage {
            txid: TxId(txid),
            sender,
            arguments: args.into_iter().map(|(k, v)| (NAMES[k].to_owned(), pool[v].clone())).collect(),
            signature: String::new(),
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn messages_are_all_or_nothing(mut tx in arb_tx(), m in arb_msg(), now_s in 0u64..2100) {
        // BW-TX-12: a rejection leaves the transaction bit-for-bit unchanged;
        // BW-TX-7: nothing leaves a final phase; transitions only go forward;
        // BW-TX-9: the timeout only moves forward, except to `now` on reaching a final phase.
        let before = tx.clone();
        let now = secs(now_s);
        match tx.handle_message(ID, now, &m) {
            Err(_) => prop_assert_eq!(&tx, &before),
            Ok(a) => {
                prop_assert!(!before.phase.is_final());
                prop_assert!(before.is_active_at(now));
                prop_assert!(tx.phase.index() > before.phase.index());
                prop_assert_eq!(a.pre, before.phase);
                prop_assert_eq!(a.post, tx.phase);
                prop_assert_eq!(tx.revision, before.revision + 1);
                if tx.phase.is_final() {
                    prop_assert_eq!(tx.timeout, now);
                } else {
                    prop_assert!(tx.timeout >= before.timeout);
                }
                prop_assert!(tx.timeout >= now);
                prop_assert_eq!(tx.state, TxState::Active);
            }
        }
    }

    #[test]
    fn message_sequences(msgs in proptest::collection::vec((arb_msg(), 0u64..30), 0..12)) {
        // BW-TX-7, BW-TX-9, BW-TX-12 over whole runs.
        let mut tx = new_tx();
        let mut now = T0;
        for (m, dt) in msgs {
            now = now.saturating_add(Duration::from_secs(dt));
            let before = tx.clone();
            if tx.handle_message(ID, now, &m).is_err() {
                prop_assert_eq!(&tx, &before);
            } else {
                prop_assert!(tx.phase.index() > before.phase.index());
            }
            if now >= tx.timeout {
                let r = tx.retire(now);
                prop_assert!(r.is_ok());
                let code = tx.handle_message(ID, now, &m).unwrap_err().code();
                prop_assert!(code == "tx.inactive" || code == "tx.wrong-transaction");
                break;
            }
        }
    }

    #[test]
    fn retire_is_all_or_nothing(mut tx in arb_tx(), now_s in 0u64..2100) {
        // BW-TX-10, BW-TX-11
        let before = tx.clone();
        match tx.retire(secs(now_s)) {
            Err(_) => prop_assert_eq!(&tx, &before),
            Ok(r) => {
                prop_assert_eq!(tx.state, TxState::Retired);
                prop_assert_eq!(tx.revision, before.revision + 1);
                prop_assert_eq!(matches!(r.payout, Payout::SellerPaid { .. }), before.phase.pays_seller());
            }
        }
    }

    #[test]
    fn form_parsing_never_panics(p in proptest::collection::vec(("[a-z]{0,3}|txid|signature|address", ".{0,8}"), 0..8)) {
        // BW-TXDOC-1, BW-TXDOC-3
        if let Ok(m) = TxMessage::from_form(ID, &p) {
            let doc = m.document();
            prop_assert!(doc.contains("txid=7"));
            prop_assert!(!m.arguments.contains_key("signature"));
        }
    }
}

#[test]
fn check_order() {
    // BW-TX-15: transaction id, active, sender/arguments, phase, values.
    let mut tx = new_tx();
    let mut other = hashes_msg().into_inner();
    other.txid = TxId(8);
    let other = Verified::new_unchecked(other);
    // Wrong transaction beats inactive.
    let err = tx.handle_message(ID, secs(60), &other).unwrap_err();
    assert_eq!(err.code(), "tx.wrong-transaction");
    // Inactive beats not-allowed.
    reject(
        &mut tx,
        secs(60),
        &msg(addr(3), &[("x", "")]),
        "tx.inactive",
    );
    // Not-allowed beats wrong phase: a seller sending the buyer's hashes in a final phase.
    tx.phase = Phase::Finished;
    reject(
        &mut tx,
        secs(1),
        &msg(seller(), &[("workhash", "a"), ("worksecrethash", "b")]),
        "tx.message-not-allowed",
    );
    // Wrong phase beats bad values.
    reject(
        &mut tx,
        secs(1),
        &msg(buyer(), &[("workhash", "a"), ("worksecrethash", "b")]),
        "tx.wrong-phase",
    );
    // Values are checked in order: workhash before worksecrethash.
    tx.phase = Phase::Establishing;
    let err = reject(
        &mut tx,
        secs(1),
        &msg(buyer(), &[("workhash", "a"), ("worksecrethash", "b")]),
        "tx.bad-hex",
    );
    assert!(matches!(
        err,
        TxError::BadHex {
            argument: "workhash",
            ..
        }
    ));
}

//! Every way a message is refused, each leaving the transaction unchanged,
//! and the order of the checks.

use super::*;

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
fn error_codes_are_distinct() {
    // BW-TX-4
    let mut codes = TxError::CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), TxError::CODES.len());
    assert!(codes.iter().all(|c| c.starts_with("tx.")));
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

//! The life cycle of a transaction: creation, the phases in order,
//! disputes, and retirement with its payout.

use super::*;

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

//! Properties: messages and retirement are all or nothing, message
//! sequences only move forward, and form parsing never panics.

use super::*;

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

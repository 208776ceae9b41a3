//! Canonical transaction documents, message forms, receipts and the
//! transaction's JSON form.

use super::*;

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

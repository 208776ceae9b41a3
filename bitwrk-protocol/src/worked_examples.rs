//! Worked examples for the specification, computed with this crate.
//!
//! `examples/market_examples.rs` prints these fragments; a test asserts
//! that the specification files contain each of them verbatim, so the
//! numbers in the spec cannot drift from the implementation.

use core::fmt::Write as _;

use crate::address::{Address, Network};
use crate::bid::{BidConfig, BidForm, BidType, bid_document};
use crate::encoding::hex;
use crate::hash::sha256;
use crate::ids::TxId;
use crate::key::PrivateKey;
use crate::nonce::NonceRegistry;
use crate::signature::{Signature, message_digest, sign_message};
use crate::time::Timestamp;
use crate::tx::document::{
    ADDRESS, SIGNATURE, TXID, TxMessage, canonical_document, escape_pair, receipt_document,
};

/// The example keys: secret = SHA-256 of the name, compressed, mainnet.
pub fn example_key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("a SHA-256 output is a valid scalar with overwhelming probability")
}

fn address_of(key: &PrivateKey) -> Address {
    key.public_key().address(Network::Mainnet)
}

fn indent(out: &mut String, line: &str) {
    let _ = writeln!(out, "    {line}");
}

fn signature_lines(out: &mut String, document: &str, signature: &Signature) {
    let _ = writeln!(
        out,
        "Digest, sha256d(0x18 ‖ \"Bitcoin Signed Message:\\n\" ‖ CompactSize({}) ‖ document):\n",
        document.len()
    );
    indent(out, &message_digest(document.as_bytes()).to_string());
    let _ = writeln!(out, "\nSignature (RFC 6979, low-S): header, r, s:\n");
    indent(out, &signature.header().to_string());
    indent(out, &hex::encode(signature.r()));
    indent(out, &hex::encode(signature.s()));
    let _ = writeln!(out, "\nSignature, base64:\n");
    indent(out, &signature.to_base64());
}

/// Section 12: a seller's `workerurl` message for transaction 42.
pub fn tx_message_example() -> String {
    let seller = example_key("bitwrk example seller");
    let txid = TxId(42);
    let form = TxMessage::sign_form(&seller, txid, &[("workerurl", "http://192.0.2.7:8082/")]);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Seller key: secret SHA-256(\"bitwrk example seller\"), compressed; address `{}`.\n",
        address_of(&seller)
    );
    let _ = writeln!(out, "Form pairs as sent to `/tx/{txid}`:\n");
    for (k, v) in &form {
        indent(&mut out, &format!("{k} = {v}"));
    }
    let signed: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| k != SIGNATURE && k != ADDRESS)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "\nSigned pairs (`{SIGNATURE}` and `{ADDRESS}` removed, `{TXID}` present), escaped:\n"
    );
    for (k, v) in &signed {
        indent(&mut out, &escape_pair(k, v));
    }
    let document = canonical_document(signed.iter().copied());
    let _ = writeln!(
        out,
        "\nSorted and joined with `&`, the document ({} bytes):\n",
        document.len()
    );
    indent(&mut out, &document);
    out.push('\n');
    let signature = form
        .iter()
        .find(|(k, _)| k == SIGNATURE)
        .and_then(|(_, v)| Signature::from_base64(v).ok())
        .expect("sign_form adds a valid signature");
    signature_lines(&mut out, &document, &signature);
    out
}

/// Section 12: the buyer's receipt for an encrypted result.
pub fn receipt_example() -> String {
    let buyer = example_key("bitwrk example buyer");
    let hash = sha256(b"encrypted result");
    let document = receipt_document(&hash);
    let signature = sign_message(&buyer, document.as_bytes());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Buyer key: secret SHA-256(\"bitwrk example buyer\"), compressed; address `{}`.\n",
        address_of(&buyer)
    );
    let _ = writeln!(
        out,
        "`encresulthash` = SHA-256(\"encrypted result\"); the receipt document is its hex text:\n"
    );
    indent(&mut out, &document);
    out.push('\n');
    signature_lines(&mut out, &document, &signature);
    out
}

/// Section 10: a buy bid with a price text that is not canonical.
pub fn bid_example() -> String {
    let buyer = example_key("bitwrk example buyer");
    let nonce = "0123456789abcdef0123456789abcdef";
    let form = BidForm::signed(
        &buyer,
        BidType::Buy,
        "net.bitwrk/blender/0/2.79/2G",
        "mBTC 1.50",
        nonce,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Buyer key: secret SHA-256(\"bitwrk example buyer\"), compressed; address `{}`.\n",
        form.address
    );
    let _ = writeln!(out, "Form fields:\n");
    for (k, v) in [
        ("type", &form.bid_type),
        ("article", &form.article),
        ("price", &form.price),
        ("address", &form.address),
        ("nonce", &form.nonce),
    ] {
        indent(&mut out, &format!("{k} = {v}"));
    }
    let document = bid_document(
        &form.article,
        &form.bid_type,
        &form.price,
        &form.address,
        &form.nonce,
    );
    let _ = writeln!(out, "\nDocument ({} bytes):\n", document.len());
    indent(&mut out, &document);
    out.push('\n');
    let signature = Signature::from_base64(&form.signature).expect("signed above");
    signature_lines(&mut out, &document, &signature);
    let mut nonces = NonceRegistry::new(1);
    let random: [u8; 16] = hex::decode_array(nonce).expect("the example nonce is hex");
    nonces
        .issue(Timestamp::EPOCH, &random)
        .expect("an empty registry issues");
    let request = form
        .parse(Timestamp::EPOCH, &BidConfig::default(), &nonces)
        .expect("the example bid is valid");
    let (price, fee) = (request.price(), request.fee());
    let blocked = price.checked_add(fee).expect("small amounts");
    let _ = writeln!(
        out,
        "\nPrice `{price}` ({} satoshi), fee ceil(3 · {} / 100) = {} satoshi (`{fee}`); \
         the BUY blocks `{blocked}` on the buyer's account.",
        price.amount(),
        price.amount(),
        fee.amount()
    );
    out
}

/// Every example with the specification file that must contain it.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("10-bids.md", bid_example()),
        ("12-transactions.md", tx_message_example()),
        ("12-transactions.md", receipt_example()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{verify_document, verify_message};

    #[test]
    fn spec_contains_examples() {
        // BW-TXDOC-3, BW-BID-1: the worked examples in the spec are current.
        for (file, text) in all() {
            let spec = match file {
                "10-bids.md" => include_str!("../../spec/10-bids.md"),
                _ => include_str!("../../spec/12-transactions.md"),
            };
            assert!(spec.contains(&text), "spec/{file} must contain:\n{text}");
        }
    }

    /// Every requirement ID defined in this helper's spec sections is cited
    /// by at least one test in the modules that implement them.
    #[test]
    fn requirement_ids_are_cited() {
        // Traceability for spec sections 8, 9, 10 and 12.
        let specs = [
            include_str!("../../spec/08-articles.md"),
            include_str!("../../spec/09-nonces.md"),
            include_str!("../../spec/10-bids.md"),
            include_str!("../../spec/12-transactions.md"),
        ];
        let tests = [
            include_str!("article.rs"),
            include_str!("nonce.rs"),
            include_str!("bid/tests.rs"),
            include_str!("tx/tests.rs"),
            include_str!("worked_examples.rs"),
        ]
        .concat();
        let cited = |id: &str| {
            tests.match_indices(id).any(|(i, _)| {
                let after = tests[i + id.len()..].chars().next();
                !after.is_some_and(|c| c.is_ascii_digit())
            })
        };
        let mut defined = 0;
        for spec in specs {
            for (i, _) in spec.match_indices("**[BW-") {
                let rest = &spec[i + 3..];
                let id = &rest[..rest.find(']').expect("closing bracket")];
                assert!(cited(id), "{id} is not cited by any test");
                defined += 1;
            }
        }
        assert!(defined >= 40, "{defined} requirement ids found");
    }

    #[test]
    fn examples_verify() {
        // BW-TXDOC-4, BW-TXDOC-6
        let seller = example_key("bitwrk example seller");
        let form = TxMessage::sign_form(
            &seller,
            TxId(42),
            &[("workerurl", "http://192.0.2.7:8082/")],
        );
        let m = TxMessage::from_form(TxId(42), &form).unwrap();
        assert!(verify_document(m).is_ok());
        let buyer = example_key("bitwrk example buyer");
        let doc = receipt_document(&sha256(b"encrypted result"));
        let sig = sign_message(&buyer, doc.as_bytes());
        assert_eq!(
            verify_message(&address_of(&buyer), doc.as_bytes(), &sig),
            Ok(())
        );
        assert!(
            tx_message_example().contains("txid=42&workerurl=http%3A%2F%2F192.0.2.7%3A8082%2F")
        );
    }
}

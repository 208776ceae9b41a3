//! Worked examples of spec sections 10 and 12 (bid document, transaction
//! message document, result receipt), computed with the crate.
//!
//! Run: `cargo run -p bitwrk-protocol --example market_examples`.
//! `tests/worked_examples.rs` includes this file and asserts that the spec
//! quotes every fragment verbatim, so the spec cannot drift from the code.

use core::fmt::Write as _;

use bitwrk_protocol::address::{Address, Network};
use bitwrk_protocol::bid::{BidConfig, BidForm, BidType, bid_document};
use bitwrk_protocol::encoding::hex;
use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::nonce::NonceRegistry;
use bitwrk_protocol::signature::{Signature, message_digest, sign_message};
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{
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

fn main() {
    for (file, text) in all() {
        println!("==== spec/{file}\n");
        println!("{text}");
    }
}

//! The worked examples in the specification are computed by
//! `examples/worked_examples.rs`; this test recomputes them with the same
//! code and checks that every printed line appears verbatim in the spec file
//! that quotes it, so spec text and implementation cannot drift apart.
//!
//! BW-ENC-1..5, BW-KEY-2..4, BW-ADDR-1..3, BW-SIG-1..11, BW-MONEY-2..7, BW-DOC-1, BW-DOC-2

#[path = "../examples/worked_examples.rs"]
#[allow(dead_code)]
mod worked_examples;

/// The spec files that quote worked examples.
const SPEC_FILES: &[(&str, &str)] = &[
    (
        "02-conventions.md",
        include_str!("../../spec/02-conventions.md"),
    ),
    (
        "03-encodings.md",
        include_str!("../../spec/03-encodings.md"),
    ),
    (
        "04-identities.md",
        include_str!("../../spec/04-identities.md"),
    ),
    (
        "05-signatures.md",
        include_str!("../../spec/05-signatures.md"),
    ),
    ("06-money.md", include_str!("../../spec/06-money.md")),
    (
        "07-documents.md",
        include_str!("../../spec/07-documents.md"),
    ),
];

fn spec_text(file: &str) -> &'static str {
    SPEC_FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no spec file {file} registered in SPEC_FILES"))
}

#[test]
fn every_printed_line_appears_in_the_spec() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for block in worked_examples::compute() {
        let text = spec_text(block.file);
        for item in &block.items {
            checked += 1;
            let rendered = item.render();
            if !text.contains(&rendered) {
                missing.push(format!("{} / {}:\n{rendered}", block.file, block.title));
            }
        }
    }
    assert!(checked > 100, "only {checked} worked-example values");
    assert!(
        missing.is_empty(),
        "{} worked-example values are not quoted verbatim in the spec \
         (re-run `cargo run -p bitwrk-protocol --example worked_examples`):\n\n{}",
        missing.len(),
        missing.join("\n\n")
    );
}

#[test]
fn every_spec_file_with_examples_is_used() {
    let blocks = worked_examples::compute();
    for (file, _) in SPEC_FILES {
        assert!(
            blocks.iter().any(|b| b.file == *file),
            "{file} is registered but no block quotes it"
        );
    }
}

#[path = "../examples/market_examples.rs"]
#[allow(dead_code)]
mod market_examples;

#[test]
fn spec_quotes_the_market_examples() {
    // BW-TXDOC-3, BW-BID-1: the worked examples of sections 10 and 12 are current.
    for (file, text) in market_examples::all() {
        let spec = match file {
            "10-bids.md" => include_str!("../../spec/10-bids.md"),
            "12-transactions.md" => include_str!("../../spec/12-transactions.md"),
            other => panic!("no spec file {other} registered for market examples"),
        };
        assert!(
            spec.contains(&text),
            "spec/{file} must contain (re-run `cargo run -p bitwrk-protocol --example market_examples`):\n{text}"
        );
    }
}

#[test]
fn market_examples_verify() {
    // BW-TXDOC-4, BW-TXDOC-6
    use bitwrk_protocol::hash::sha256;
    use bitwrk_protocol::ids::TxId;
    use bitwrk_protocol::signature::{sign_message, verify_document, verify_message};
    use bitwrk_protocol::tx::document::{TxMessage, receipt_document};

    let seller = market_examples::example_key("bitwrk example seller");
    let form = TxMessage::sign_form(
        &seller,
        TxId(42),
        &[("workerurl", "http://192.0.2.7:8082/")],
    );
    let m = TxMessage::from_form(TxId(42), &form).unwrap();
    assert!(verify_document(m).is_ok());
    let buyer = market_examples::example_key("bitwrk example buyer");
    let doc = receipt_document(&sha256(b"encrypted result"));
    let sig = sign_message(&buyer, doc.as_bytes());
    let buyer_address = buyer
        .public_key()
        .address(bitwrk_protocol::Network::Mainnet);
    assert_eq!(verify_message(&buyer_address, doc.as_bytes(), &sig), Ok(()));
    assert!(
        market_examples::tx_message_example()
            .contains("txid=42&workerurl=http%3A%2F%2F192.0.2.7%3A8082%2F")
    );
}

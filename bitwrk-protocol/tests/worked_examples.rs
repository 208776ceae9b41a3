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

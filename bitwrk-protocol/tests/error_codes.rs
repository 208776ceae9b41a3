//! Appendix A of the specification lists exactly the error codes the crate
//! can produce: every `CODES` entry appears in the table's first column, and
//! the table lists no code that the crate does not have.
//!
//! To cover a new module, add its error type's `CODES` to [`ALL_CODES`].

use std::collections::BTreeSet;

use bitwrk_protocol::address::AddressError;
use bitwrk_protocol::encoding::base58::Base58Error;
use bitwrk_protocol::encoding::base64::Base64Error;
use bitwrk_protocol::encoding::hex::HexError;
use bitwrk_protocol::key::KeyError;
use bitwrk_protocol::money::MoneyError;
use bitwrk_protocol::signature::SignatureError;

/// Every error type's codes.
const ALL_CODES: &[&[&str]] = &[
    HexError::CODES,
    Base64Error::CODES,
    Base58Error::CODES,
    KeyError::CODES,
    AddressError::CODES,
    SignatureError::CODES,
    MoneyError::CODES,
];

const APPENDIX_A: &str = include_str!("../../spec/A-error-codes.md");

/// The first-column codes of every table row of the form `| `code` | ...`.
fn table_codes() -> Vec<String> {
    APPENDIX_A
        .lines()
        .filter_map(|line| {
            let cell = line.strip_prefix('|')?.split('|').next()?.trim();
            let code = cell.strip_prefix('`')?.strip_suffix('`')?;
            Some(code.to_owned())
        })
        .collect()
}

fn crate_codes() -> BTreeSet<&'static str> {
    ALL_CODES.iter().flat_map(|c| c.iter().copied()).collect()
}

#[test]
fn codes_are_unique_and_well_formed() {
    let all: Vec<&str> = ALL_CODES.iter().flat_map(|c| c.iter().copied()).collect();
    assert_eq!(all.len(), crate_codes().len(), "a code is used twice");
    for code in all {
        let (area, name) = code.split_once('.').expect("code has an area prefix");
        let ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
        };
        assert!(ok(area) && ok(name), "malformed code {code}");
    }
}

#[test]
fn every_crate_code_is_in_appendix_a() {
    let table: BTreeSet<String> = table_codes().into_iter().collect();
    let missing: Vec<_> = crate_codes()
        .into_iter()
        .filter(|c| !table.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from spec/A-error-codes.md: {missing:?}"
    );
}

#[test]
fn appendix_a_lists_only_crate_codes_once() {
    let codes = crate_codes();
    let rows = table_codes();
    let unknown: Vec<_> = rows
        .iter()
        .filter(|c| !codes.contains(c.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "spec/A-error-codes.md lists codes the crate lacks: {unknown:?}"
    );
    let distinct: BTreeSet<_> = rows.iter().collect();
    assert_eq!(
        distinct.len(),
        rows.len(),
        "a code is listed twice in appendix A"
    );
}

//! Appendix A of the specification lists exactly the error codes the crate
//! can produce: every `CODES` entry appears in the first column of the
//! table of A.1, and that table lists no code that the crate does not have.
//! Appendix A.2 lists the codes of the HTTP binding (§16), which a server
//! produces, not this crate; they must match the table of §16.13 and must
//! not reuse a crate code.
//!
//! To cover a new module, add its error type's `CODES` to [`ALL_CODES`];
//! [`every_error_type_is_listed`] fails until you do.

use std::collections::BTreeSet;

use bitwrk_protocol::address::AddressError;
use bitwrk_protocol::article::ArticleError;
use bitwrk_protocol::bid::BidError;
use bitwrk_protocol::book::BookError;
use bitwrk_protocol::client::ClientError;
use bitwrk_protocol::deposit_address::DepositAddressError;
use bitwrk_protocol::encoding::base58::Base58Error;
use bitwrk_protocol::encoding::base64::Base64Error;
use bitwrk_protocol::encoding::hex::HexError;
use bitwrk_protocol::ids::IdError;
use bitwrk_protocol::key::KeyError;
use bitwrk_protocol::ledger::LedgerError;
use bitwrk_protocol::ledger::deposit::DepositError;
use bitwrk_protocol::market::{MarketError, SnapshotError};
use bitwrk_protocol::money::MoneyError;
use bitwrk_protocol::nonce::NonceError;
use bitwrk_protocol::relation::RelationError;
use bitwrk_protocol::signature::SignatureError;
use bitwrk_protocol::tx::TxError;
use bitwrk_protocol::tx::document::TxDocError;
use bitwrk_protocol::wire::{PriceError, WireError};

/// Every error type's codes.
const ALL_CODES: &[&[&str]] = &[
    HexError::CODES,
    Base64Error::CODES,
    Base58Error::CODES,
    KeyError::CODES,
    AddressError::CODES,
    SignatureError::CODES,
    MoneyError::CODES,
    ArticleError::CODES,
    NonceError::CODES,
    BidError::CODES,
    BookError::CODES,
    TxError::CODES,
    TxDocError::CODES,
    LedgerError::CODES,
    DepositError::CODES,
    RelationError::CODES,
    DepositAddressError::CODES,
    MarketError::CODES,
    IdError::CODES,
    WireError::CODES,
    PriceError::CODES,
    SnapshotError::CODES,
    ClientError::CODES,
];

const APPENDIX_A: &str = include_str!("../../spec/A-error-codes.md");
const HTTP_BINDING: &str = include_str!("../../spec/16-http-binding.md");

/// Where appendix A's table of the HTTP binding's codes begins.
const A2_HEADING: &str = "## A.2 Codes of the HTTP binding";

/// The first-column codes of every table row of the form `| `code` | ...`.
fn first_column_codes(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let cell = line.strip_prefix('|')?.split('|').next()?.trim();
            let code = cell.strip_prefix('`')?.strip_suffix('`')?;
            Some(code.to_owned())
        })
        .collect()
}

/// The codes of appendix A.1 (the protocol's codes).
fn table_codes() -> Vec<String> {
    let end = APPENDIX_A.find(A2_HEADING).unwrap_or(APPENDIX_A.len());
    first_column_codes(&APPENDIX_A[..end])
}

/// The codes of appendix A.2 (the HTTP binding's codes).
fn binding_codes() -> Vec<String> {
    let start = APPENDIX_A
        .find(A2_HEADING)
        .expect("appendix A has section A.2");
    first_column_codes(&APPENDIX_A[start..])
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

/// Every error type of the crate, found by scanning its sources for
/// `error_codes!(Type` and `impl Type { … const CODES`, must be listed in
/// [`ALL_CODES`] (checked by name against this file's own text).
#[test]
fn every_error_type_is_listed() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut types = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source readable");
        for (i, _) in text.match_indices("error_codes!(") {
            let rest = &text[i + "error_codes!(".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != "ty" {
                types.insert(name);
            }
        }
        let mut current_impl = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("impl ") {
                current_impl = rest.strip_suffix(" {").map(str::to_owned);
            }
            if line.contains("const CODES: &'static [&'static str]")
                && !line.contains("$")
                && let Some(name) = &current_impl
            {
                types.insert(name.clone());
            }
        }
    }
    assert!(types.len() >= 16, "found only {types:?}");
    let this_file = include_str!("error_codes.rs");
    let listed = &this_file[this_file.find("const ALL_CODES").expect("list present")..];
    let listed = &listed[..listed.find("];").expect("list ends")];
    let missing: Vec<_> = types
        .iter()
        .filter(|t| !listed.contains(&format!("{t}::CODES")))
        .collect();
    assert!(
        missing.is_empty(),
        "error types not in ALL_CODES: {missing:?}"
    );
}

// BW-HTTP-15, BW-HTTP-17: the binding's codes are listed once in A.2,
// exactly as in §16.13, in the `http` area only, and none
// of them is a code of the protocol core.
#[test]
fn appendix_a2_matches_the_http_binding() {
    let a2 = binding_codes();
    assert!(a2.len() >= 16, "A.2 lists only {a2:?}");
    let distinct: BTreeSet<_> = a2.iter().cloned().collect();
    assert_eq!(distinct.len(), a2.len(), "a code is listed twice in A.2");
    let section = &HTTP_BINDING[HTTP_BINDING
        .find("## 16.13 Error codes")
        .expect("§16 has its error-code table")..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let in_16: BTreeSet<String> = first_column_codes(section).into_iter().collect();
    assert_eq!(distinct, in_16, "A.2 and §16.13 list different codes");
    let crate_codes = crate_codes();
    for code in &a2 {
        let (area, name) = code.split_once('.').expect("code has an area prefix");
        assert!(area == "http", "{code}: the binding's codes are `http.*`");
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
            "malformed code {code}"
        );
        assert!(
            !crate_codes.contains(code.as_str()),
            "{code} is a code of the crate and must be listed in A.1"
        );
    }
}

// BW-HTTP-17: the status table of §16.4.1 names every code of appendix A,
// by itself or by its area (`sig.*`).
#[test]
fn status_table_covers_every_code() {
    let table = &HTTP_BINDING[HTTP_BINDING
        .find("### 16.4.1 Status per error code")
        .expect("§16 has its status table")..];
    let table = &table[..table.find("\n### ").unwrap_or(table.len())];
    let mut named = BTreeSet::new();
    let mut areas = BTreeSet::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cell = line[1..].split('|').next().unwrap_or("");
        for part in cell.split('`').skip(1).step_by(2) {
            match part.strip_suffix(".*") {
                Some(area) => areas.insert(area.to_owned()),
                None => named.insert(part.to_owned()),
            };
        }
    }
    let all: Vec<String> = table_codes().into_iter().chain(binding_codes()).collect();
    let missing: Vec<_> = all
        .iter()
        .filter(|c| {
            let area = c.split('.').next().unwrap_or("");
            !named.contains(c.as_str()) && !areas.contains(area)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a status in §16.4.1: {missing:?}"
    );
    let unknown: Vec<_> = named.iter().filter(|c| !all.contains(c)).collect();
    assert!(
        unknown.is_empty(),
        "§16.4.1 names unknown codes: {unknown:?}"
    );
}

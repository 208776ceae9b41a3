//! Departures from BitWrk 0.7 (appendix B): every `DEP-n` is stated exactly
//! once in the spec, and the index in appendix B.3 lists each one exactly
//! once with a link to the file that states it.
//!
//! A departure is *stated* where a spec file starts a line with
//! `### DEP-n.` (appendix B.1), `**DEP-n — ` or `- **DEP-n** ` (the
//! departures subsections of sections 8–14). Other mentions are references.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate lives in the repo")
        .join("spec")
}

/// The number of a `DEP-n` at the start of `s`, and the rest after it.
fn dep_number(s: &str) -> Option<(u32, &str)> {
    let rest = s.strip_prefix("DEP-")?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    Some((rest[..end].parse().ok()?, &rest[end..]))
}

/// The departure a line states, if it states one.
fn stated(line: &str) -> Option<u32> {
    if let Some(rest) = line.strip_prefix("### ") {
        let (n, after) = dep_number(rest)?;
        return after.starts_with('.').then_some(n);
    }
    if let Some(rest) = line.strip_prefix("- **") {
        let (n, after) = dep_number(rest)?;
        return after.starts_with("** ").then_some(n);
    }
    let rest = line.strip_prefix("**")?;
    let (n, after) = dep_number(rest)?;
    after.starts_with(" — ").then_some(n)
}

/// DEP number → files stating it.
fn statements() -> BTreeMap<u32, Vec<String>> {
    let mut out: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for entry in fs::read_dir(spec_dir()).expect("spec dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".md") {
            continue;
        }
        let text = fs::read_to_string(entry.path()).expect("readable");
        for line in text.lines() {
            if let Some(n) = stated(line) {
                out.entry(n).or_default().push(name.clone());
            }
        }
    }
    out
}

/// The rows of the B.3 index: DEP number → linked file.
fn index_rows() -> Vec<(u32, String)> {
    let text = fs::read_to_string(spec_dir().join("B-departures.md")).expect("appendix B");
    let index = &text[text
        .find("## B.3 Index of all departures")
        .expect("appendix B has the index")..];
    let mut rows = Vec::new();
    for line in index.lines() {
        let Some(rest) = line.strip_prefix("| ") else {
            continue;
        };
        let Some((n, _)) = dep_number(rest) else {
            continue;
        };
        let link = line
            .rsplit("](")
            .next()
            .and_then(|l| l.split(')').next())
            .expect("row has a link");
        let file = match link.split('#').next().unwrap_or("") {
            "" => "B-departures.md",
            f => f,
        };
        rows.push((n, file.to_owned()));
    }
    rows
}

#[test]
fn recognises_statements_only() {
    assert_eq!(stated("### DEP-7. Testnet keys"), Some(7));
    assert_eq!(stated("**DEP-101 — nonces are consumed"), Some(101));
    assert_eq!(stated("- **DEP-200** Price condition."), Some(200));
    assert_eq!(stated("**DEP-101** (section 9) also applies"), None);
    assert_eq!(stated("see DEP-3"), None);
}

#[test]
fn every_departure_is_stated_once() {
    let all = statements();
    assert!(all.len() >= 13, "found {all:?}");
    let twice: Vec<_> = all.iter().filter(|(_, files)| files.len() > 1).collect();
    assert!(
        twice.is_empty(),
        "departures stated more than once: {twice:?}"
    );
}

#[test]
fn index_lists_every_departure_once_with_its_file() {
    let all = statements();
    let rows = index_rows();
    let mut seen = BTreeMap::new();
    for (n, file) in &rows {
        assert!(seen.insert(*n, file).is_none(), "DEP-{n} indexed twice");
        let stated_in = all
            .get(n)
            .unwrap_or_else(|| panic!("DEP-{n} indexed but not stated"));
        assert_eq!(
            &stated_in[0], file,
            "DEP-{n} is stated in {stated_in:?}, the index links {file}"
        );
    }
    let missing: Vec<_> = all.keys().filter(|n| !seen.contains_key(*n)).collect();
    assert!(
        missing.is_empty(),
        "departures missing from B.3: {missing:?}"
    );
}

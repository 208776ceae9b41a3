//! Coverage: every requirement ID observable over HTTP is cited by a case.
//!
//! * Defined: `**[BW-AREA-n]**` in `spec/*.md` (not `(deprecated)`).
//! * Not observable: the IDs in the table of spec §18.5.
//! * Cited: an ID named in a case's requirement list or a comment of
//!   `conformance/src/cases/`, or (for the suite's own requirements,
//!   BW-CONF-*) in `src/profile.rs` or `tests/suite.rs`.
//! * `conformance/uncovered.txt` lists observable IDs that no case checks
//!   yet (the suite's known gaps). The test fails for an uncited ID not in
//!   that list, and for a listed ID that is cited or not observable (the
//!   list must shrink as cases are written).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `BW-AREA-n` tokens of `text`, with whether each is a `**[…]**` definition.
fn tokens(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(p) = text[i..].find("BW-") {
        let s = i + p;
        let mut j = s + 3;
        while j < b.len() && (b[j].is_ascii_uppercase() || b[j].is_ascii_digit()) {
            j += 1;
        }
        if j > s + 3 && j < b.len() && b[j] == b'-' {
            let mut k = j + 1;
            while k < b.len() && b[k].is_ascii_digit() {
                k += 1;
            }
            if k > j + 1 && (s == 0 || !b[s - 1].is_ascii_alphanumeric()) {
                let def = text[..s].ends_with("**[")
                    && text[k..].starts_with("]**")
                    && !text[k..]
                        .trim_start_matches("]**")
                        .trim_start()
                        .starts_with("(deprecated)");
                out.push((text[s..k].to_owned(), def));
                i = k;
                continue;
            }
        }
        i = s + 3;
    }
    out
}

fn defined() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for e in fs::read_dir(root().join("spec")).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "md") {
            let text = fs::read_to_string(e.path()).unwrap();
            ids.extend(tokens(&text).into_iter().filter(|t| t.1).map(|t| t.0));
        }
    }
    ids
}

/// The first column of the table in §18.5.
fn not_observable() -> BTreeSet<String> {
    let text = fs::read_to_string(root().join("spec/18-conformance-profile.md")).unwrap();
    let section = text
        .split("## 18.5 Requirements not observable over HTTP")
        .nth(1)
        .expect("spec §18.5 exists");
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| BW-"))
        .map(|l| format!("BW-{}", l.split('|').next().unwrap().trim()))
        .collect()
}

fn cited() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    // The cases, and the suite's own tests of the profile, the test clock
    // and the reports (BW-CONF-*).
    for extra in ["conformance/src/profile.rs", "conformance/tests/suite.rs"] {
        let text = fs::read_to_string(root().join(extra)).unwrap();
        ids.extend(tokens(&text).into_iter().map(|t| t.0));
    }
    let mut stack = vec![root().join("conformance/src/cases")];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                ids.extend(
                    tokens(&fs::read_to_string(&p).unwrap())
                        .into_iter()
                        .map(|t| t.0),
                );
            }
        }
    }
    ids
}

fn uncovered_list() -> BTreeSet<String> {
    include_str!("../uncovered.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap().trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn every_observable_requirement_is_cited_by_a_case() {
    let defined = defined();
    let hidden = not_observable();
    let unknown: Vec<_> = hidden.difference(&defined).collect();
    assert!(
        unknown.is_empty(),
        "§18.5 lists IDs the spec does not define: {unknown:?}"
    );
    let cited = cited();
    let observable: BTreeSet<_> = defined.difference(&hidden).cloned().collect();
    let uncited: BTreeSet<_> = observable.difference(&cited).cloned().collect();
    let gaps = uncovered_list();
    println!(
        "{} requirement IDs, {} not observable over HTTP, {} observable, {} of them cited by a case, {} known gaps",
        defined.len(),
        hidden.len(),
        observable.len(),
        observable.len() - uncited.len(),
        gaps.len()
    );
    let new: Vec<_> = uncited.difference(&gaps).collect();
    assert!(
        new.is_empty(),
        "observable over HTTP but cited by no case: {new:?}"
    );
    let stale: Vec<_> = gaps.difference(&uncited).collect();
    assert!(
        stale.is_empty(),
        "uncovered.txt lists IDs that are cited or not observable: {stale:?}"
    );
    let bogus: Vec<_> = cited.difference(&defined).collect();
    assert!(
        bogus.is_empty(),
        "cases cite IDs the spec does not define: {bogus:?}"
    );
}

//! Traceability: every requirement ID defined in the spec is cited by at
//! least one test or vector, and nothing cites an ID the spec does not define.
//!
//! * A requirement is *defined* where the spec writes `**[BW-AREA-n]**`.
//!   A definition followed by `(deprecated)` needs no citation.
//! * A requirement is *cited* by a `req` entry of a vector under
//!   `spec/vectors/`, or by a mention in test code: any `.rs` file under a
//!   `tests/` folder of the repository, any `tests.rs` module, or the part of
//!   a `src/` file that follows its first `#[cfg(test)]`.
//! * A spec file whose first line is the [`PENDING_MARKER`] comment defines
//!   *pending* requirements: their code is not written yet (the HTTP
//!   binding, §16, waits for the reference server), so an uncited one is
//!   listed but not a failure. Only files of section 16 may carry the
//!   marker, and the marker must go once every ID of the file is cited.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate lives in the repo")
        .to_path_buf()
}

/// Every `BW-AREA-n` token in `text`, with the byte offset where it ends.
fn id_tokens(text: &str) -> Vec<(String, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = text[i..].find("BW-") {
        let start = i + pos;
        let mut j = start + 3;
        let area_start = j;
        while j < bytes.len() && (bytes[j].is_ascii_uppercase() || bytes[j].is_ascii_digit()) {
            j += 1;
        }
        let area_ok = j > area_start && bytes[area_start].is_ascii_uppercase();
        if area_ok && j < bytes.len() && bytes[j] == b'-' {
            let num_start = j + 1;
            let mut k = num_start;
            while k < bytes.len() && bytes[k].is_ascii_digit() {
                k += 1;
            }
            let preceded_ok = start == 0 || !(bytes[start - 1].is_ascii_alphanumeric());
            if k > num_start && preceded_ok {
                out.push((text[start..k].to_owned(), k));
                i = k;
                continue;
            }
        }
        i = start + 3;
    }
    out
}

fn files_with_ext(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name == "target" || name.starts_with('.') {
                continue;
            }
            files_with_ext(&path, ext, out);
        } else if name.ends_with(ext) {
            out.push(path);
        }
    }
}

/// The first line of a spec file whose requirements are pending.
const PENDING_MARKER: &str = "<!-- traceability: pending";

/// Spec files that may carry [`PENDING_MARKER`].
fn may_be_pending(file: &Path) -> bool {
    file.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("16-"))
}

/// Whether `file`'s requirements are pending.
fn is_pending(file: &Path) -> bool {
    fs::read_to_string(file).is_ok_and(|text| text.starts_with(PENDING_MARKER))
}

/// Defined IDs → (file, deprecated?).
fn defined_ids(root: &Path) -> BTreeMap<String, (PathBuf, bool)> {
    let mut specs = Vec::new();
    files_with_ext(&root.join("spec"), ".md", &mut specs);
    let mut defined = BTreeMap::new();
    let mut duplicates = Vec::new();
    for file in specs {
        let text = fs::read_to_string(&file).expect("spec file readable");
        for (id, end) in id_tokens(&text) {
            let start = end - id.len();
            let is_definition = text[..start].ends_with("**[") && text[end..].starts_with("]**");
            if !is_definition {
                continue;
            }
            let deprecated = text[end..]
                .trim_start_matches("]**")
                .trim_start()
                .starts_with("(deprecated)");
            if defined
                .insert(id.clone(), (file.clone(), deprecated))
                .is_some()
            {
                duplicates.push(id);
            }
        }
    }
    assert!(
        duplicates.is_empty(),
        "requirement IDs defined more than once: {duplicates:?}"
    );
    defined
}

/// Cited IDs → the places citing them.
fn cited_ids(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut cited: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut cite = |text: &str, place: &Path| {
        for (id, _) in id_tokens(text) {
            let rel = place
                .strip_prefix(root)
                .unwrap_or(place)
                .display()
                .to_string();
            cited.entry(id).or_default().insert(rel);
        }
    };
    let mut vectors = Vec::new();
    files_with_ext(&root.join("spec").join("vectors"), ".json", &mut vectors);
    for file in vectors
        .iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "schema"))
    {
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(file).expect("vector readable"))
                .expect("vector is JSON");
        let mut reqs = String::new();
        collect_req(&json, &mut reqs);
        cite(&reqs, file);
    }
    let mut sources = Vec::new();
    files_with_ext(root, ".rs", &mut sources);
    // This file names IDs only as examples of the syntax.
    for file in sources
        .into_iter()
        .filter(|f| !f.ends_with("traceability.rs"))
    {
        let text = fs::read_to_string(&file).expect("source readable");
        // Test code: files under a `tests/` folder, and `tests.rs` modules.
        let in_tests_dir = file
            .components()
            .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "tests.rs");
        if in_tests_dir {
            cite(&text, &file);
        } else if let Some(pos) = text.find("#[cfg(test)]") {
            cite(&text[pos..], &file);
        }
    }
    cited
}

/// Concatenates every string under a `req` key.
fn collect_req(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "req" {
                    out.push_str(&v.to_string());
                    out.push(' ');
                } else {
                    collect_req(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_req(i, out)),
        _ => {}
    }
}

#[test]
fn id_tokens_are_found_exactly() {
    let found: Vec<String> =
        id_tokens("x **[BW-SIG-3]** and BW-MONEY-10, not XBW-A-1 nor BW-a-1 nor BW-SIG-")
            .into_iter()
            .map(|t| t.0)
            .collect();
    assert_eq!(found, ["BW-SIG-3", "BW-MONEY-10"]);
}

#[test]
fn every_requirement_is_covered_and_every_citation_exists() {
    let root = repo_root();
    let defined = defined_ids(&root);
    let cited = cited_ids(&root);
    assert!(!defined.is_empty(), "the spec defines no requirement IDs");

    let uncited: Vec<(&String, &PathBuf)> = defined
        .iter()
        .filter(|(id, (_, deprecated))| !deprecated && !cited.contains_key(*id))
        .map(|(id, (file, _))| (id, file))
        .collect();
    let (pending, uncovered): (Vec<_>, Vec<_>) =
        uncited.into_iter().partition(|(_, file)| is_pending(file));
    let pending: Vec<&String> = pending.into_iter().map(|(id, _)| id).collect();
    let uncovered: Vec<&String> = uncovered.into_iter().map(|(id, _)| id).collect();
    let dangling: Vec<String> = cited
        .iter()
        .filter(|(id, _)| !defined.contains_key(*id))
        .map(|(id, places)| {
            format!(
                "{id} (cited in {})",
                places.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();

    println!("requirement IDs defined: {}", defined.len());
    println!(
        "requirement IDs covered: {}",
        defined.len() - uncovered.len()
    );
    println!("uncovered IDs: {uncovered:?}");
    println!("pending IDs (not yet implemented): {pending:?}");
    assert!(
        uncovered.is_empty(),
        "requirements cited by no test or vector: {uncovered:?}"
    );
    assert!(
        dangling.is_empty(),
        "citations of IDs the spec does not define: {dangling:?}"
    );
}

#[test]
fn pending_marker_only_where_allowed_and_only_while_needed() {
    let root = repo_root();
    let defined = defined_ids(&root);
    let cited = cited_ids(&root);
    let mut specs = Vec::new();
    files_with_ext(&root.join("spec"), ".md", &mut specs);
    for file in specs.iter().filter(|f| is_pending(f)) {
        assert!(
            may_be_pending(file),
            "{} is marked pending; only section 16 may be",
            file.display()
        );
        let ids: Vec<&String> = defined
            .iter()
            .filter(|(_, (f, deprecated))| f == file && !deprecated)
            .map(|(id, _)| id)
            .collect();
        assert!(
            !ids.is_empty(),
            "{} is marked pending but defines no requirement",
            file.display()
        );
        assert!(
            ids.iter().any(|id| !cited.contains_key(*id)),
            "every requirement of {} is cited: remove its pending marker",
            file.display()
        );
    }
}

#[test]
fn pending_marker_is_recognised() {
    let root = repo_root();
    let http = root.join("spec").join("16-http-binding.md");
    assert!(may_be_pending(&http));
    assert!(!may_be_pending(&root.join("spec").join("15-market.md")));
    assert!(!is_pending(&root.join("spec").join("15-market.md")));
}

//! Traceability: every requirement ID defined in the spec is cited by at
//! least one test or vector, and nothing cites an ID the spec does not define.
//! Moreover every requirement is cited by a *vector* (which a third party can
//! run against its own implementation), except those listed with a reason
//! under "Requirements not vector-testable" in `spec/vectors/INDEX.md`.
//!
//! * A requirement is *defined* where the spec writes `**[BW-AREA-n]**`.
//!   A definition followed by `(deprecated)` needs no citation.
//! * A requirement is *cited* by a `req` entry of a vector under
//!   `spec/vectors/`, or by a mention in test code: any `.rs` file under a
//!   `tests/` folder of the repository, any `tests.rs` module, or the part of
//!   a `src/` file that follows its first `#[cfg(test)]`.
//! * An entry `- BW-AREA-*: reason` of that list exempts every ID of the
//!   area (the HTTP binding, §16, is checked over HTTP by the conformance
//!   suite, not by sans-IO vectors).
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
    for (file, reqs) in vector_reqs(root) {
        cite(&reqs, &file);
    }
    let mut sources = Vec::new();
    files_with_ext(root, ".rs", &mut sources);
    // This file names IDs only as examples of the syntax.
    for file in sources
        .into_iter()
        .filter(|f| !f.ends_with("traceability.rs"))
    {
        let text = fs::read_to_string(&file).expect("source readable");
        // Test code: files under a `tests/` folder, `tests.rs` modules, and
        // the conformance suite (`conformance/`, all of it test code).
        let in_tests_dir = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .components()
            .enumerate()
            .any(|(i, c)| {
                c.as_os_str() == "tests"
                    || c.as_os_str() == "tests.rs"
                    || (i == 0 && c.as_os_str() == "conformance")
            });
        if in_tests_dir {
            cite(&text, &file);
        } else if let Some(pos) = text.find("#[cfg(test)]") {
            cite(&text[pos..], &file);
        }
    }
    cited
}

/// Every vector file (schemas excluded) with the text of its `req` entries.
fn vector_reqs(root: &Path) -> Vec<(PathBuf, String)> {
    let mut vectors = Vec::new();
    files_with_ext(&root.join("spec").join("vectors"), ".json", &mut vectors);
    vectors
        .into_iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "schema"))
        .map(|file| {
            let json: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&file).expect("vector readable"))
                    .expect("vector is JSON");
            let mut reqs = String::new();
            collect_req(&json, &mut reqs);
            (file, reqs)
        })
        .collect()
}

/// IDs cited by a `req` entry of some vector file.
fn vector_cited_ids(root: &Path) -> BTreeSet<String> {
    vector_reqs(root)
        .iter()
        .flat_map(|(_, reqs)| id_tokens(reqs).into_iter().map(|t| t.0))
        .collect()
}

/// The IDs listed as not vector-testable in `spec/vectors/INDEX.md`: lines
/// `- BW-AREA-n: reason` under the heading "## Requirements not
/// vector-testable", up to the next heading. Every entry must give a reason.
fn not_vector_testable(root: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(root.join("spec").join("vectors").join("INDEX.md"))
        .expect("spec/vectors/INDEX.md readable");
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("Requirements not vector-testable"))
        .expect("INDEX.md has a section \"Requirements not vector-testable\"");
    let mut out = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("- BW-")) {
        let (id, why) = line[2..]
            .split_once(':')
            .unwrap_or_else(|| panic!("no reason given in {line:?}"));
        assert!(!why.trim().is_empty(), "no reason given in {line:?}");
        out.insert(id.trim().to_owned(), why.trim().to_owned());
    }
    out
}

/// An exemption's key: an ID `BW-AREA-n`, or `BW-AREA-*` for a whole area.
/// Returns the area of a whole-area key.
fn exempt_area(key: &str) -> Option<&str> {
    key.strip_prefix("BW-")?.strip_suffix("-*")
}

/// The area of an ID `BW-AREA-n`.
fn area_of(id: &str) -> Option<&str> {
    id.strip_prefix("BW-")?.rsplit_once('-').map(|(a, _)| a)
}

/// Whether `id` is exempted by an entry of `exempt`, by its ID or its area.
fn is_exempt(exempt: &BTreeMap<String, String>, id: &str) -> bool {
    exempt.contains_key(id)
        || area_of(id).is_some_and(|a| exempt.contains_key(&format!("BW-{a}-*")))
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
fn every_vector_testable_requirement_is_cited_by_a_vector() {
    let root = repo_root();
    let defined = defined_ids(&root);
    let by_vectors = vector_cited_ids(&root);
    let exempt = not_vector_testable(&root);
    let cited = cited_ids(&root);

    let live: Vec<&String> = defined
        .iter()
        .filter(|(_, (_, deprecated))| !deprecated)
        .map(|(id, _)| id)
        .collect();
    let missing: Vec<&String> = live
        .iter()
        .copied()
        .filter(|id| !by_vectors.contains(*id) && !is_exempt(&exempt, id))
        .collect();
    // A whole-area entry is stale when the area defines nothing or a vector
    // cites one of its IDs.
    let stale: Vec<&String> = exempt
        .keys()
        .filter(|key| match exempt_area(key) {
            Some(area) => {
                let mut ids = defined.keys().filter(|id| area_of(id) == Some(area));
                let mut any = false;
                let cited_one = ids.any(|id| {
                    any = true;
                    by_vectors.contains(id)
                });
                cited_one || !any
            }
            None => by_vectors.contains(*key) || !defined.contains_key(*key),
        })
        .collect();
    // Every exempted ID is cited by a test, except the pending ones (whose
    // file carries the pending marker, checked below).
    let exempted: Vec<&String> = defined
        .iter()
        .filter(|(id, (file, deprecated))| {
            !deprecated && !is_pending(file) && is_exempt(&exempt, id)
        })
        .map(|(id, _)| id)
        .collect();
    let untested_exempt: Vec<&String> = exempted
        .into_iter()
        .filter(|id| {
            cited
                .get(*id)
                .is_none_or(|places| places.iter().all(|p| p.starts_with("spec")))
        })
        .collect();

    println!("requirement IDs defined (not deprecated): {}", live.len());
    println!(
        "cited by vectors: {}",
        live.iter().filter(|id| by_vectors.contains(**id)).count()
    );
    println!("cited only by tests, not vector-testable:");
    for (id, why) in &exempt {
        println!("  {id}: {why}");
    }
    println!("neither cited by a vector nor listed as not vector-testable: {missing:?}");
    assert!(
        missing.is_empty(),
        "requirements cited by no vector (add vectors, or list them with the reason under \
         \"Requirements not vector-testable\" in the generator of spec/vectors/INDEX.md): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "listed as not vector-testable but cited by a vector, or not defined: {stale:?}"
    );
    assert!(
        untested_exempt.is_empty(),
        "not vector-testable and cited by no test either: {untested_exempt:?}"
    );
}

#[test]
fn area_exemptions_cover_exactly_their_area() {
    let mut exempt = BTreeMap::new();
    exempt.insert("BW-HTTP-*".to_owned(), "over HTTP".to_owned());
    exempt.insert("BW-KEY-5".to_owned(), "randomness".to_owned());
    assert!(is_exempt(&exempt, "BW-HTTP-1"));
    assert!(is_exempt(&exempt, "BW-HTTP-46"));
    assert!(is_exempt(&exempt, "BW-KEY-5"));
    assert!(!is_exempt(&exempt, "BW-KEY-4"));
    assert!(!is_exempt(&exempt, "BW-HTTPS-1"));
    assert_eq!(exempt_area("BW-HTTP-*"), Some("HTTP"));
    assert_eq!(exempt_area("BW-HTTP-1"), None);
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

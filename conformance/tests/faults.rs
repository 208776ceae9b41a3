//! The suite finds bugs: the runner binary against broken variants of the
//! reference server (`ref-server` feature `conformance-faults`, fault chosen
//! by `BITWRK_FAULT`). For each fault, the named cases must fail — and they
//! pass against the unbroken server (they are not in known-failures.txt,
//! and tests/suite.rs checks the rest).

use std::collections::BTreeSet;

/// (fault, cases that must catch it)
const FAULTS: &[(&str, &[&str])] = &[
    (
        "nonce-before-signature",
        &["nonce/not-burned-by-bad-signature", "sig/bid/base64"],
    ),
    (
        "rejectresult-work-disputed",
        &["tx/phase/rejectresult-result-disputed"],
    ),
    (
        "etag-constant",
        &[
            "wire/etag/bid-format",
            "wire/etag/changes-with-tx",
            "wire/etag/304",
        ],
    ),
    ("wrong-status", &["nonce/single-use"]),
    (
        "renamed-field",
        &[
            "tx/phase/happy-path",
            "tx/phase/seller-first",
            "tx/phase/rejectwork-work-disputed",
        ],
    ),
    ("sell-ignores-price", &["match/no-cross-incoming-sell"]),
    (
        "refund-creates-money",
        &[
            "tx/phase/establishing-timeout-refunds-buyer",
            "tx/phase/working-timeout-refunds-buyer",
        ],
    ),
    (
        "refused-message-counts",
        &[
            "tx/message/rejected-changes-nothing",
            "tx/message/stranger-refused",
        ],
    ),
    (
        "any-signer",
        &[
            "sig/bid/other-key",
            "sig/bid/compression-flag",
            "tx/doc/bad-signature",
        ],
    ),
];

fn known_failures() -> BTreeSet<String> {
    include_str!("../known-failures.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Runs the whole suite against the reference server with `fault`; the ids
/// of the failed cases.
fn failing_under(fault: &str) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_bitwrk-conformance"))
        .args(["--server", "reference", "--format", "json", "--report"])
        .arg(&file)
        .env("BITWRK_FAULT", fault)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("runner starts");
    assert!(
        status.code().is_some_and(|c| c < 101),
        "runner failed to run: {status}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "fail")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn each_fault_is_caught_by_its_cases() {
    let known = known_failures();
    let handles: Vec<_> = FAULTS
        .iter()
        .map(|(fault, _)| std::thread::spawn(move || failing_under(fault)))
        .collect();
    let mut missed = Vec::new();
    for ((fault, catchers), h) in FAULTS.iter().zip(handles) {
        let failed = h.join().unwrap();
        let caught: Vec<_> = failed.difference(&known).cloned().collect();
        println!("{fault}: caught by {caught:?}");
        for c in *catchers {
            assert!(
                !known.contains(*c),
                "{c} is a known failure; it cannot show a fault"
            );
            if !failed.contains(*c) {
                missed.push(format!("{fault} not caught by {c}"));
            }
        }
    }
    assert!(missed.is_empty(), "{missed:?}");
}

//! The suite finds bugs: the runner binary against broken variants of the
//! reference server (`ref-server` feature `conformance-faults`, fault chosen
//! by `BITWRK_FAULT`; the faults inside the market are the core's
//! `fault-injection` hooks). For each fault, the named cases must fail, and
//! they must pass in a run against the unbroken server. The test prints,
//! per fault, every case that failed.

use std::collections::{BTreeMap, BTreeSet};

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

/// Runs the whole suite against the reference server with `fault` (none:
/// the healthy server); the result of every case by id.
fn results_under(fault: Option<&str>) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let mut runner = std::process::Command::new(env!("CARGO_BIN_EXE_bitwrk-conformance"));
    runner
        .args(["--server", "reference", "--format", "json", "--report"])
        .arg(&file)
        .env_remove("BITWRK_FAULT")
        .stderr(std::process::Stdio::null());
    if let Some(fault) = fault {
        runner.env("BITWRK_FAULT", fault);
    }
    let status = runner.status().expect("runner starts");
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
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn failed(results: &BTreeMap<String, String>) -> BTreeSet<String> {
    results
        .iter()
        .filter(|(_, r)| *r == "fail")
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn each_fault_is_caught_by_its_cases() {
    let known = known_failures();
    let healthy = std::thread::spawn(|| results_under(None));
    let handles: Vec<_> = FAULTS
        .iter()
        .map(|(fault, _)| std::thread::spawn(move || results_under(Some(fault))))
        .collect();
    let healthy = healthy.join().unwrap();
    let mut missed = Vec::new();
    println!("| fault | named cases (must fail) | every case that failed |");
    println!("|---|---|---|");
    for ((fault, catchers), h) in FAULTS.iter().zip(handles) {
        let failed = failed(&h.join().unwrap());
        let caught: Vec<_> = failed.difference(&known).cloned().collect();
        println!(
            "| {fault} | {} | {} |",
            catchers.join(", "),
            caught.join(", ")
        );
        for c in *catchers {
            assert!(
                !known.contains(*c),
                "{c} is a known failure; it cannot show a fault"
            );
            // The case must pass on the healthy server, or its failure
            // under the fault shows nothing.
            assert_eq!(
                healthy.get(*c).map(String::as_str),
                Some("pass"),
                "{c} does not pass on the healthy server"
            );
            if !failed.contains(*c) {
                missed.push(format!("{fault} not caught by {c}"));
            }
        }
    }
    assert!(missed.is_empty(), "{missed:?}");
}

//! `cargo test -p conformance`: the whole suite against the reference
//! server started in-process (or the server at `BITWRK_SERVER_URL`).
//!
//! Against the in-process reference server, the failing cases must be
//! exactly those listed in `known-failures.txt` (each a defect of the
//! reference server found by the suite, with the reason): a new failure
//! fails this test, and so does a listed case that passes again (remove it
//! from the list). Against any other server every case must pass.

use std::collections::BTreeSet;

use conformance::{Outcome, report, target};

fn known_failures() -> BTreeSet<String> {
    include_str!("../known-failures.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_conforms() {
    // BW-CONF-1, BW-CONF-3, BW-CONF-4, BW-CONF-9: the reference server with
    // the profile's flags; every case ends as pass, fail or skip.
    let (url, guard) = target::from_env().expect("a server to test");
    let report = conformance::run_suite(&url, None, false)
        .await
        .expect("the suite runs");
    println!("{}", report::text(&report));
    let failed: BTreeSet<String> = report.failures().map(|r| r.id.to_owned()).collect();
    if guard.is_none() {
        assert!(failed.is_empty(), "cases failed against {url}: {failed:?}");
        return;
    }
    let known = known_failures();
    let new: Vec<_> = failed.difference(&known).collect();
    let fixed: Vec<_> = known.difference(&failed).collect();
    assert!(
        new.is_empty(),
        "cases fail that known-failures.txt does not list: {new:?}"
    );
    assert!(
        fixed.is_empty(),
        "listed as known failures but now pass (or no longer exist): {fixed:?}"
    );
    // The in-process reference server has the test clock: nothing skips.
    assert_eq!(report.count("skip"), 0, "no case skips with the test clock");
    assert!(
        report.records.len() >= 100,
        "the registry has {} cases",
        report.records.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_consistent() {
    // BW-CONF-10, BW-CONF-11, BW-CONF-12
    let server = target::start_reference(&[]).expect("reference server");
    let report = conformance::run_suite(&server.url, Some("nonce/"), false)
        .await
        .expect("runs");
    assert!(report.records.iter().all(|r| r.id.starts_with("nonce/")));
    assert!(report.records.len() >= 8);
    let json = report::json_value(&report);
    let cases = json["cases"].as_array().expect("cases array");
    assert_eq!(cases.len(), report.records.len());
    let sum = |k: &str| json["summary"][k].as_u64().unwrap() as usize;
    assert_eq!(sum("passed") + sum("failed") + sum("skipped"), cases.len());
    for c in cases {
        assert!(matches!(
            c["result"].as_str(),
            Some("pass" | "fail" | "skip")
        ));
        assert!(
            c["requirements"].as_array().is_some_and(|r| !r.is_empty()),
            "{c}"
        );
        if c["result"] == "fail" {
            assert!(c["expected"].is_string() && c["actual"].is_string());
        }
    }
    let xml = report::junit(&report);
    assert_eq!(xml.matches("<testcase ").count(), report.records.len());
    assert_eq!(xml.matches("<failure ").count(), report.count("fail"));
    let text = report::text(&report);
    assert!(text.contains("nonce") && text.contains("total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_test_clock_time_cases_skip() {
    // BW-CONF-5, BW-CONF-8: without --test-clock the path is unknown and
    // time-dependent cases skip with the reason.
    let server = target::start_reference_with(false, &[]).expect("reference server");
    let client = conformance::client::Client::new(&server.url).unwrap();
    let r = client.get_json("/_test/clock").await.unwrap();
    assert_eq!(r.status, 404);
    let r = client
        .post_form("/_test/clock", "advance=1000")
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    let report = conformance::run_suite(&server.url, Some("tx/phase/establishing-timeout"), false)
        .await
        .expect("runs");
    assert_eq!(report.records.len(), 1);
    match &report.records[0].outcome {
        Outcome::Skip { reason } => assert!(reason.contains("test clock"), "{reason}"),
        other => panic!("expected a skip, got {other:?}"),
    }
}

#[test]
fn runner_binary_against_a_separate_server() {
    // The runner binary, pointed at a separately started server by URL,
    // exits with the number of failed cases and writes the JSON report.
    let server = target::start_reference(&[]).expect("reference server");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_bitwrk-conformance"))
        .args([
            "--server",
            &server.url,
            "--only",
            "http/route",
            "--format",
            "json",
            "--report",
        ])
        .arg(&file)
        .status()
        .expect("runner starts");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let failed = json["summary"]["failed"].as_u64().unwrap();
    assert_eq!(status.code(), Some(failed.min(100) as i32));
    assert!(
        json["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"].as_str().unwrap().starts_with("http/route"))
    );
}

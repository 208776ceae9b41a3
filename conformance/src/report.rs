//! Reports (spec §18.5, BW-CONF-10 … BW-CONF-12): a human summary per
//! area, the JSON report, JUnit XML.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::case::Outcome;
use crate::runner::Report;

/// Per area: (passed, failed, skipped).
pub fn per_area(report: &Report) -> BTreeMap<&'static str, (usize, usize, usize)> {
    let mut areas: BTreeMap<&'static str, (usize, usize, usize)> = BTreeMap::new();
    for r in &report.records {
        let e = areas.entry(r.area).or_default();
        match r.outcome {
            Outcome::Pass => e.0 += 1,
            Outcome::Fail { .. } => e.1 += 1,
            Outcome::Skip { .. } => e.2 += 1,
        }
    }
    areas
}

/// The human summary: failures and skips with their reasons, then a line
/// per area and the totals.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for r in &report.records {
        match &r.outcome {
            Outcome::Pass => {}
            Outcome::Fail { expected, actual } => out.push_str(&format!(
                "FAIL {} [{}]\n     expected: {expected}\n     got:      {actual}\n",
                r.id,
                r.reqs.join(", ")
            )),
            Outcome::Skip { reason } => out.push_str(&format!("skip {}: {reason}\n", r.id)),
        }
    }
    out.push_str(&format!(
        "\n{:<10} {:>6} {:>6} {:>7}\n",
        "area", "passed", "failed", "skipped"
    ));
    for (area, (p, f, s)) in per_area(report) {
        out.push_str(&format!("{area:<10} {p:>6} {f:>6} {s:>7}\n"));
    }
    out.push_str(&format!(
        "{:<10} {:>6} {:>6} {:>7}\n{} cases against {} (test clock: {}) in {} ms\n",
        "total",
        report.count("pass"),
        report.count("fail"),
        report.count("skip"),
        report.records.len(),
        report.server,
        if report.test_clock { "yes" } else { "no" },
        report.millis
    ));
    out
}

/// The JSON report (schema: spec §18.5).
pub fn json_value(report: &Report) -> Value {
    let cases: Vec<Value> = report
        .records
        .iter()
        .map(|r| {
            let mut c = json!({
                "id": r.id,
                "area": r.area,
                "requirements": r.reqs,
                "result": r.outcome.kind(),
                "durationMs": r.millis,
            });
            match &r.outcome {
                Outcome::Pass => {}
                Outcome::Fail { expected, actual } => {
                    c["expected"] = json!(expected);
                    c["actual"] = json!(actual);
                }
                Outcome::Skip { reason } => c["reason"] = json!(reason),
            }
            c
        })
        .collect();
    let areas: serde_json::Map<String, Value> = per_area(report)
        .into_iter()
        .map(|(a, (p, f, s))| {
            (
                a.to_owned(),
                json!({"passed": p, "failed": f, "skipped": s}),
            )
        })
        .collect();
    json!({
        "suite": "bitwrk-conformance",
        "suiteVersion": env!("CARGO_PKG_VERSION"),
        "server": report.server,
        "testClock": report.test_clock,
        "durationMs": report.millis,
        "summary": {
            "passed": report.count("pass"),
            "failed": report.count("fail"),
            "skipped": report.count("skip"),
        },
        "areas": areas,
        "cases": cases,
    })
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .fold(String::new(), |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                _ => out.push(c),
            }
            out
        })
}

/// JUnit XML: one `testsuite` per area, one `testcase` per case.
pub fn junit(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"bitwrk-conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        report.records.len(),
        report.count("fail"),
        report.count("skip"),
        report.millis as f64 / 1000.0
    ));
    for (area, (p, f, s)) in per_area(report) {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" skipped=\"{s}\">\n",
            xml_escape(area),
            p + f + s
        ));
        for r in report.records.iter().filter(|r| r.area == area) {
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">",
                xml_escape(r.id),
                xml_escape(area),
                r.millis as f64 / 1000.0
            ));
            match &r.outcome {
                Outcome::Pass => {}
                Outcome::Fail { expected, actual } => out.push_str(&format!(
                    "<failure message=\"expected {}\">requirements: {}\nexpected: {}\ngot: {}</failure>",
                    xml_escape(expected),
                    r.reqs.join(", "),
                    xml_escape(expected),
                    xml_escape(actual)
                )),
                Outcome::Skip { reason } => {
                    out.push_str(&format!("<skipped message=\"{}\"/>", xml_escape(reason)))
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

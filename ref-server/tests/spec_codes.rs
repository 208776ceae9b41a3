//! The server's HTTP-layer codes and statuses are the ones §16.13 and
//! appendix A.2 list (BW-HTTP-15, BW-HTTP-17).

use std::collections::BTreeSet;

use ref_server::http::errors::{HTTP_CODES, status_for};

const SECTION_16: &str = include_str!("../../spec/16-http-binding.md");

/// `(code, status)` of every row of the §16.13 table.
fn table_16_13() -> Vec<(String, u16)> {
    let start = SECTION_16
        .find("## 16.13 Error codes")
        .expect("§16.13 exists");
    let end = SECTION_16[start..]
        .find("\n## 16.14")
        .map_or(SECTION_16.len(), |e| start + e);
    SECTION_16[start..end]
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix('|')?.split('|').map(str::trim);
            let code = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            let status = cells.next()?.parse().ok()?;
            Some((code.to_owned(), status))
        })
        .collect()
}

// BW-HTTP-15, BW-HTTP-17
#[test]
fn http_codes_are_the_spec_codes_with_the_spec_statuses() {
    let table = table_16_13();
    assert!(table.len() >= 16, "{table:?}");
    let listed: BTreeSet<&str> = table
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| c.starts_with("http."))
        .collect();
    let ours: BTreeSet<&str> = HTTP_CODES.iter().copied().collect();
    assert_eq!(ours, listed, "the server's http.* codes differ from §16.13");
    for (code, status) in &table {
        assert_eq!(status_for(code).as_u16(), *status, "status of {code}");
    }
}

/// Every row of the §16.4.1 table: codes (or `area.*` prefixes) and status.
fn table_16_4_1() -> Vec<(Vec<String>, u16)> {
    let start = SECTION_16.find("### 16.4.1").expect("§16.4.1 exists");
    let end = start
        + SECTION_16[start..]
            .find("\nThe classes mean")
            .expect("table ends");
    SECTION_16[start..end]
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix('|')?.split('|').map(str::trim);
            let codes: Vec<String> = cells
                .next()?
                .split(',')
                .filter_map(|c| {
                    let c = c.trim().split(' ').next()?;
                    Some(c.strip_prefix('`')?.strip_suffix('`')?.to_owned())
                })
                .collect();
            let status = cells.next()?.parse().ok()?;
            (!codes.is_empty()).then_some((codes, status))
        })
        .collect()
}

// BW-HTTP-17: every code listed by name has its status; a prefix row holds
// for a representative member of the prefix not listed by name.
#[test]
fn core_code_statuses_follow_the_table() {
    let rows = table_16_4_1();
    assert!(rows.len() > 30, "{rows:?}");
    let named: BTreeSet<String> = rows
        .iter()
        .flat_map(|(c, _)| c.iter().filter(|c| !c.ends_with(".*")).cloned())
        .collect();
    for (codes, status) in &rows {
        for code in codes {
            if let Some(area) = code.strip_suffix(".*") {
                let probe = format!("{area}.some-unlisted-code");
                assert!(!named.contains(&probe));
                assert_eq!(status_for(&probe).as_u16(), *status, "prefix {code}");
            } else {
                assert_eq!(status_for(code).as_u16(), *status, "status of {code}");
            }
        }
    }
}

const APPENDIX_A: &str = include_str!("../../spec/A-error-codes.md");

// BW-HTTP-49, BW-HTTP-52: the server's `node.*` codes are those of
// appendix A.3, each answered with 503 (retry), except `node.bad-mac`
// with 403 (a forged request is not retried).
#[test]
fn node_codes_are_appendix_a3() {
    let start = APPENDIX_A
        .find("## A.3 Codes of a server of several nodes")
        .expect("appendix A.3 exists");
    let listed: BTreeSet<&str> = APPENDIX_A[start..]
        .lines()
        .filter_map(|l| {
            let cell = l.strip_prefix('|')?.split('|').next()?.trim();
            cell.strip_prefix('`')?.strip_suffix('`')
        })
        .collect();
    let ours: BTreeSet<&str> = ref_server::cluster::NODE_CODES.iter().copied().collect();
    assert_eq!(ours, listed);
    for code in ours {
        let want = if code == "node.bad-mac" { 403 } else { 503 };
        assert_eq!(status_for(code).as_u16(), want, "{code}");
    }
}

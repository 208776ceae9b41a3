//! Checks that end a case with a failure naming what was expected and
//! what arrived.

use serde_json::Value;

use crate::case::{CaseResult, Stop, fail};
use crate::client::{Resp, short};

/// The status must be `status`.
pub fn status(what: &str, r: &Resp, status: u16) -> CaseResult {
    if r.status == status {
        Ok(())
    } else {
        Err(fail(format!("{what}: status {status}"), r.summary()))
    }
}

/// A refusal: `status`, `X-BitWrk-Error: code`, and a body naming the code
/// (JSON when the request accepted JSON, else text) — BW-HTTP-15.
pub fn refused(what: &str, r: &Resp, status: u16, code: &str) -> CaseResult {
    let got_code = r.header("x-bitwrk-error").unwrap_or("");
    if r.status != status || got_code != code {
        return Err(fail(
            format!("{what}: {status} {code}"),
            format!(
                "{} {}",
                r.status,
                if got_code.is_empty() {
                    "(no X-BitWrk-Error)"
                } else {
                    got_code
                }
            ),
        ));
    }
    let text = r.text();
    let body_ok = match r.header("content-type") {
        Some("application/json") => r
            .json()
            .ok()
            .is_some_and(|v| v.get("code").and_then(Value::as_str) == Some(code)),
        _ => text.starts_with(&format!("{code}: ")),
    };
    if body_ok {
        Ok(())
    } else {
        Err(fail(
            format!("{what}: an error body naming {code}"),
            short(&text),
        ))
    }
}

/// Two values must be equal.
pub fn eq<T: PartialEq + core::fmt::Debug>(what: &str, expected: T, actual: T) -> CaseResult {
    if expected == actual {
        Ok(())
    } else {
        Err(fail(format!("{what}: {expected:?}"), format!("{actual:?}")))
    }
}

/// A condition must hold.
pub fn that(what: &str, ok: bool, actual: impl Into<String>) -> CaseResult {
    if ok { Ok(()) } else { Err(fail(what, actual)) }
}

/// A header must have this value.
pub fn header(what: &str, r: &Resp, name: &str, value: &str) -> CaseResult {
    eq(
        &format!("{what}: header {name}"),
        Some(value),
        r.header(name),
    )
}

/// A JSON member as text (strings as they are, others in JSON).
pub fn member(v: &Value, name: &str) -> Result<String, Stop> {
    match v.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None => Err(fail(format!("a member {name:?}"), short(&v.to_string()))),
    }
}

/// The member names of a JSON object body in order, read from the raw
/// bytes (serde_json's map does not keep order).
pub fn member_names(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let mut names = Vec::new();
    let mut depth = 0i32;
    let mut chars = text.char_indices().peekable();
    let mut expect_key = false;
    while let Some((_, c)) = chars.next() {
        match c {
            '{' => {
                depth += 1;
                expect_key = depth == 1;
            }
            '}' => depth -= 1,
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 1 => expect_key = true,
            '"' => {
                let mut s = String::new();
                while let Some((_, d)) = chars.next() {
                    match d {
                        '\\' => {
                            if let Some((_, e)) = chars.next() {
                                s.push(e);
                            }
                        }
                        '"' => break,
                        _ => s.push(d),
                    }
                }
                if expect_key && depth == 1 {
                    names.push(s);
                    expect_key = false;
                }
            }
            _ => {}
        }
    }
    names
}

/// The status §16.4.1 (BW-HTTP-17) gives a code the suite expects (the
/// suite's own reading of the table; `status_table_matches_the_spec`
/// checks it against every row). `http.*` codes and codes no server
/// produces (`c2c.*`, `client.*`) are not asked for here: 500.
pub fn status_of(code: &str) -> u16 {
    let (area, name) = code.split_once('.').unwrap_or((code, ""));
    match (area, name) {
        ("sig", _) => 403,
        ("hex" | "b64" | "b58" | "wif" | "key" | "addr", _) => 400,
        ("money", "overflow" | "currency-mismatch") => 422,
        ("money", _) => 400,
        ("article", "not-traded") => 422,
        ("article", _) => 400,
        ("nonce", "bad-format") => 400,
        ("nonce", "capacity" | "collision") => 503,
        ("nonce", _) => 409,
        ("bid", "unknown-type") => 400,
        ("bid", "negative-price" | "price-too-high") => 422,
        ("bid", "untrusted-seller") => 403,
        ("book", "full") => 503,
        ("tx", "wrong-transaction" | "bad-hex" | "worker-url-too-long" | "bad-worker-url") => 400,
        ("tx", "inactive" | "wrong-phase") => 409,
        ("tx", "message-not-allowed" | "secret-mismatch" | "bad-receipt") => 422,
        ("tx", "worker-host-mismatch") => 403,
        ("txdoc", _) => 400,
        ("ledger", "insufficient-funds" | "currency-mismatch" | "overflow") => 422,
        ("deposit", "untrusted-signer") => 403,
        ("deposit", "uid-conflict") => 409,
        ("deposit", "non-positive-amount" | "zero-injection") => 422,
        (
            "deposit",
            "missing-field" | "duplicate-field" | "bad-account" | "bad-amount" | "bad-type"
            | "bad-uid" | "bad-reference",
        ) => 400,
        ("relation", "same-source-target") => 422,
        ("relation", _) => 400,
        ("market", "unknown-tx") => 404,
        ("market", "stale-request") => 503,
        ("market", "currency-mismatch") => 422,
        ("node", _) => 503,
        ("id", "bad-syntax") => 404,
        ("wire", "bad-json") => 400,
        ("prices", "currency-mismatch" | "overflow") => 500,
        ("prices", _) => 400,
        ("depaddr", "untrusted-signer") => 403,
        ("depaddr", "pending-request") => 409,
        ("depaddr", "too-soon") => 429,
        ("depaddr", _) => 400,
        _ => 500,
    }
}

/// The canonical text (BW-MONEY-7) of an amount the suite writes, e.g.
/// `money("satoshi 999895")`.
pub fn money(text: &str) -> String {
    bitwrk_protocol::money::Money::parse(text)
        .map_or_else(|e| format!("<{text}: {e}>"), |m| m.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BW-HTTP-17: `status_of` gives every code named in a row of the
    /// table of §16.4.1 that row's status (prefix rows: a sample name).
    #[test]
    fn status_table_matches_the_spec() {
        let spec = include_str!("../../spec/16-http-binding.md");
        let table = spec
            .split("### 16.4.1 Status per error code")
            .nth(1)
            .expect("§16.4.1 exists");
        let mut rows = 0;
        for line in table.lines().skip_while(|l| !l.starts_with("| `")) {
            if !line.starts_with("| `") {
                break;
            }
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Ok(status) = cells[2].parse::<u16>() else {
                continue; // `http.*`, `c2c.*`, `client.*`: no single status
            };
            for code in cells[1].split('`').skip(1).step_by(2) {
                let code = code.replace('*', "some-other-name");
                assert_eq!(status_of(&code), status, "{code} in: {line}");
                rows += 1;
            }
        }
        assert!(rows > 60, "only {rows} codes read from §16.4.1");
    }

    #[test]
    fn member_names_keep_order_and_skip_nested() {
        let names = member_names(br#"{"b":1,"a":{"x":"y"},"c":"d\"e","d":[{"z":1}]}"#);
        assert_eq!(names, ["b", "a", "c", "d"]);
    }
}

//! `identifier.json`: the text form of bid, transaction and movement ids
//! (spec §17.2, BW-ID-4), as text and as JSON values. The oracle is written
//! from the spec text (canonical decimal numerals, value ≤ 2⁶⁴ − 1); every
//! case is cross-checked against `bitwrk_protocol::ids`.

use bitwrk_protocol::ids::{BidId, TxId, parse_canonical_decimal};

use crate::{Case, VFile, When, case, note, ours, rule, s_enum, s_string};

/// Oracle: the value of a canonical decimal numeral ≤ 2⁶⁴ − 1.
fn oracle(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    b.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

fn text_case(comment: &str, text: &str) -> Case {
    let want = oracle(text);
    let got = parse_canonical_decimal(text).ok();
    assert_eq!(got, want, "identifier.json: {text:?}");
    let c = case(comment)
        .req(&["BW-ID-4"])
        .f("kind", "text")
        .f("input", text);
    match want {
        Some(v) => {
            assert_eq!(BidId(v).to_string(), text, "the text form round-trips");
            c.f("value", v.to_string().as_str()).valid()
        }
        None => c.invalid("id.bad-syntax"),
    }
}

/// `json` as the JSON value of an id member (a transaction id).
fn json_case(comment: &str, json: &str) -> Case {
    let want = json
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .and_then(oracle);
    let got: Result<TxId, _> = serde_json::from_str(json);
    assert_eq!(
        got.as_ref().ok().map(|t| t.0),
        want,
        "identifier.json: {json}"
    );
    let c = case(comment)
        .req(&["BW-ID-4"])
        .f("kind", "json")
        .f("input", json);
    match want {
        Some(v) => {
            let written = serde_json::to_string(&TxId(v)).expect("id serialises");
            assert_eq!(written, format!("\"{v}\""));
            c.f("value", v.to_string().as_str()).valid()
        }
        None => c.invalid("id.bad-syntax"),
    }
}

pub(crate) fn identifier_file() -> VFile {
    let cases = vec![
        text_case("zero", "0"),
        text_case("a small id", "42"),
        text_case("the largest id, 2^64 - 1", "18446744073709551615").flag("Overflow"),
        text_case("2^64 overflows", "18446744073709551616").flag("Overflow"),
        text_case("far beyond 2^64", "99999999999999999999999").flag("Overflow"),
        text_case("empty", ""),
        text_case("leading zeros", "007").flag("NonCanonical"),
        text_case("a zero with a leading zero", "00").flag("NonCanonical"),
        text_case("a plus sign", "+1").flag("NonCanonical"),
        text_case("a minus sign", "-1").flag("NonCanonical"),
        text_case("leading space", " 7").flag("NonCanonical"),
        text_case("trailing space", "7 ").flag("NonCanonical"),
        text_case("trailing newline", "7\n").flag("NonCanonical"),
        text_case("hexadecimal", "0x10").flag("NonCanonical"),
        text_case("a decimal point", "1.0").flag("NonCanonical"),
        text_case("an exponent", "1e3").flag("NonCanonical"),
        text_case("full-width digit", "\u{ff17}").flag("NonCanonical"),
        text_case(
            "a 0.7 datastore key (base64)",
            "agtzfmJpdHdyay1uZXRyDgsSA0JpZBiAgICAgICACgw",
        )
        .flag("DatastoreKey"),
        json_case("a JSON string", "\"3\""),
        json_case(
            "the largest id as a JSON string",
            "\"18446744073709551615\"",
        )
        .flag("Overflow"),
        json_case("a JSON number is not an id", "3"),
        json_case("a JSON string with leading zeros", "\"03\"").flag("NonCanonical"),
        json_case("JSON null is not an id", "null"),
        json_case("a JSON boolean is not an id", "true"),
    ];
    VFile {
        stem: "identifier",
        ty: "IdentifierText",
        title: "The text form of bid, transaction and movement ids (spec section 17.2)",
        header: vec![
            "kind=text: parse `input` as an identifier text (as in URL paths and in `txid`); valid cases give `value` (decimal, as a string: it may exceed 2^53).".into(),
            "kind=json: `input` is the JSON value of an id member (e.g. `Transaction`, `BuyerBid`); valid cases give `value`, and writing that id as JSON gives the JSON string of `value`.".into(),
        ],
        notes: vec![
            note("Overflow", "EdgeCase", "Values at and beyond 2^64 - 1.", "Wrapped or truncated ids, or a panic."),
            note("NonCanonical", "CanBeBypassed", "Other spellings of a number.", "Two texts name one object: a txid compared as text no longer identifies it."),
            note("DatastoreKey", "Compatibility", "BitWrk 0.7's id form (DEP-124).", "0.7's ids are taken for this server's."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["text", "json"])),
            ("input", s_string()),
            (
                "value",
                crate::obj(vec![
                    ("type", "string".into()),
                    ("pattern", "^(0|[1-9][0-9]*)$".into()),
                ]),
            ),
        ],
        rules: vec![
            rule(None, When::Always, &["kind", "input"]),
            rule(None, When::Valid, &["value"]),
        ],
    }
}

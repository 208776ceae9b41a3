//! `money_json.json`: money in JSON.

use crate::{
    Case, VFile, When, case, currency_of, group, money_req, note, ours, ref_canonical, ref_parse,
    rule, s_amount, s_currency, s_enum, s_string,
};
use bitwrk_protocol::ErrorCode;

fn json_decode_case(comment: &str, json: &str, literal: Option<&str>) -> Case {
    let inner: String = serde_json::from_str(json).expect("a JSON string");
    let expect = ref_parse(&inner);
    let got: Result<bitwrk_protocol::Money, _> = serde_json::from_str(json);
    let c = case(comment).f("kind", "decode").f("json", json);
    match expect {
        Ok((amount, cur)) => {
            let m = got.expect(comment);
            assert_eq!((m.amount(), m.currency().code()), (amount, cur));
            let canon = serde_json::to_string(&ref_canonical(amount, cur)).unwrap();
            if let Some(l) = literal {
                assert_eq!(canon, l, "{comment}");
            }
            assert_eq!(serde_json::to_string(&m).unwrap(), canon);
            c.req(&["BW-MONEY-8"])
                .f("amount", amount.to_string())
                .f("currency", cur)
                .f("canonicalJson", canon)
                .valid()
        }
        Err(code) => {
            assert!(got.is_err());
            assert_eq!(
                bitwrk_protocol::Money::parse(&inner).unwrap_err().code(),
                code
            );
            c.req(&["BW-MONEY-8"]).req(money_req(code)).invalid(code)
        }
    }
}

pub(crate) fn money_json_file() -> VFile {
    let mut go = Vec::new();
    for j in [
        r#""uBTC -0.01""#,
        r#""uBTC 0.01""#,
        r#""BTC 123.456""#,
        r#""mBTC 123.456""#,
        r#""uBTC 123.45""#,
        r#""EUR 123.45""#,
        r#""USD 123.45""#,
        r#""BRL 123.45""#,
        r#""GBP 123.45""#,
    ] {
        go.push(
            json_decode_case(
                "BitWrk 0.7 Test_JSON: decode, then encode gives the same JSON",
                j,
                Some(j),
            )
            .flag("BitWrk07"),
        );
    }
    let mut cases = vec![
        json_decode_case(
            "non-canonical text decodes; encoding gives the canonical form",
            r#""satoshi 100000""#,
            Some(r#""mBTC 1""#),
        ),
        json_decode_case("trailing zeros", r#""mBTC 1.50""#, Some(r#""mBTC 1.5""#)),
        json_decode_case("no space after the symbol", r#""BTC1""#, Some(r#""BTC 1""#)),
        json_decode_case(
            "€ written as a JSON escape",
            r#""\u20ac 1""#,
            Some(r#""EUR 1""#),
        )
        .flag("JsonEscape"),
        json_decode_case("£ as UTF-8", "\"£-2.5\"", Some(r#""GBP -2.5""#)),
        json_decode_case("negative zero", r#""mBTC -0""#, Some(r#""BTC 0""#)),
        json_decode_case(
            "escaped solidus is not a symbol character",
            r#""R\/ 1""#,
            None,
        )
        .flag("JsonEscape"),
        json_decode_case("empty string", r#""""#, None),
        json_decode_case("symbol only", r#""BTC""#, None),
        json_decode_case("lower-case unit", r#""btc 1""#, None),
        json_decode_case("too many fraction digits", r#""satoshi 0.5""#, None),
        json_decode_case("too many integral digits", r#""BTC 1234567890""#, None),
        json_decode_case("a JSON escape producing a tab", r#""BTC\t1""#, None).flag("JsonEscape"),
    ];
    for (amount, cur, lit) in [
        (150_000i64, "BTC", r#""mBTC 1.5""#),
        (0, "BTC", r#""BTC 0""#),
        (-1, "BTC", r#""uBTC -0.01""#),
        (0, "EUR", r#""EUR 0""#),
        (123_450_000_000, "USD", r#""USD 123.45""#),
        (1, "GBP", r#""GBP 0.000000001""#),
        (i64::MIN, "BRL", r#""BRL -9223372036.854775808""#),
    ] {
        let text = serde_json::to_string(&ref_canonical(amount, cur)).unwrap();
        assert_eq!(text, lit);
        assert_eq!(
            serde_json::to_string(&bitwrk_protocol::Money::new(amount, currency_of(cur))).unwrap(),
            text
        );
        cases.push(
            case("encode: a JSON string holding the canonical form")
                .req(&["BW-MONEY-8", "BW-MONEY-7"])
                .f("kind", "encode")
                .f("amount", amount.to_string())
                .f("currency", cur)
                .f("json", text)
                .valid(),
        );
    }
    VFile {
        stem: "money_json",
        ty: "MoneyJson",
        title: "The JSON form of amounts",
        header: vec![
            "kind=decode: the JSON text `json` (a JSON string) decodes to `amount` of `currency`, whose JSON encoding is `canonicalJson`; JSON escapes are resolved before the amount is parsed, and the money.* code of the parse is expected on failure.".into(),
            "kind=encode: `amount` of `currency` encodes as exactly the JSON text `json`.".into(),
            "JSON values that are not strings are out of scope here (the spec assigns them no money.* code).".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A case from BitWrk 0.7's money_test.go.", "JSON produced by BitWrk 0.7 would not decode to the same amount."),
            note("JsonEscape", "REPRESENTATION", "The JSON string uses an escape sequence.", "Parsing the raw JSON text instead of the decoded string gives different results."),
        ],
        groups: vec![group("bitwrk-0.7 common/money/money_test.go", "0.7.0", go), ours(cases)],
        fields: vec![
            ("kind", s_enum(&["decode", "encode"])),
            ("json", s_string()),
            ("amount", s_amount()),
            ("currency", s_currency()),
            ("canonicalJson", s_string()),
        ],
        rules: vec![
            rule(None, When::Always, &["kind", "json"]),
            rule(Some("decode"), When::Valid, &["amount", "currency", "canonicalJson"]),
            rule(Some("encode"), When::Always, &["amount", "currency"]),
        ],
    }
}

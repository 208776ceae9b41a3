//! `money_parse.json`: money text parsing and currency codes.

use crate::{
    CURRENCIES, Case, RUNITS, VFile, When, case, group, log10, max_int_digits, money_req, note,
    ours, ref_canonical, ref_parse, rule, s_amount, s_currency, s_enum, s_string,
};
use bitwrk_protocol::ErrorCode;

/// A parse case; the expectation comes from the reference reading, and, when
/// given, from a literal (BitWrk 0.7's tests).
fn mparse(
    comment: &str,
    input: &str,
    literal: Option<Result<(i64, &str), &str>>,
    canonical: Option<&str>,
) -> Case {
    let expect = ref_parse(input);
    if let Some(l) = literal {
        assert_eq!(
            expect.map(|(a, c)| (a, c.to_owned())),
            l.map(|(a, c)| (a, c.to_owned())),
            "{comment}: {input:?}"
        );
    }
    let got = bitwrk_protocol::Money::parse(input);
    let c = case(comment).f("kind", "amount").f("input", input);
    match expect {
        Ok((amount, cur)) => {
            let m = got.expect(comment);
            assert_eq!(
                (m.amount(), m.currency().code()),
                (amount, cur),
                "{comment}"
            );
            let canon = ref_canonical(amount, cur);
            if let Some(lit) = canonical {
                assert_eq!(canon, lit, "{comment}");
            }
            assert_eq!(m.to_string(), canon);
            c.req(&[
                "BW-MONEY-1",
                "BW-MONEY-2",
                "BW-MONEY-3",
                "BW-MONEY-4",
                "BW-MONEY-5",
            ])
            .f("amount", amount.to_string())
            .f("currency", cur)
            .f("canonical", canon)
            .valid()
        }
        Err(code) => {
            assert_eq!(got.expect_err(comment).code(), code, "{comment}: {input:?}");
            c.req(money_req(code)).invalid(code)
        }
    }
}

pub(crate) fn money_parse_file() -> VFile {
    let mut go = Vec::new();
    for (s, v) in [
        ("satoshi-1", -1i64),
        ("satoshi 0", 0),
        ("satoshi 1", 1),
        ("satoshi 10373476", 10373476),
        ("BTC 0.1", 10000000),
        ("BTC 0.01", 1000000),
        ("BTC 0.001", 100000),
        ("BTC 0.0001", 10000),
        ("BTC0.00000001", 1),
        ("mBTC0.00001", 1),
        ("uBTC0.01", 1),
        ("BTC -23.2549", -2325490000),
    ] {
        go.push(mparse("BitWrk 0.7 Test_Parse", s, Some(Ok((v, "BTC"))), None).flag("BitWrk07"));
    }
    for (s, code) in [
        ("12", "money.bad-syntax"),
        ("BTC_12", "money.bad-syntax"),
        ("-BTC12", "money.bad-syntax"),
        ("1 BTC", "money.bad-syntax"),
        ("BTC0,2", "money.bad-syntax"),
        ("satoshi 0.2", "money.too-many-fraction-digits"),
        ("BTC99999999999999", "money.too-many-integral-digits"),
        ("$ 0.0000000002", "money.too-many-fraction-digits"),
        ("€ 0.0000000002", "money.too-many-fraction-digits"),
        ("$ 100000000", "money.too-many-integral-digits"),
    ] {
        go.push(mparse("BitWrk 0.7 Test_ParseNegative (0.7 only checks that it fails; the code is this spec's)", s, Some(Err(code)), None).flag("BitWrk07"));
    }
    for (a, b) in [
        ("satoshi-1", "uBTC -0.01"),
        ("satoshi 1", "uBTC 0.01"),
        ("BTC 123456789", "BTC 123456789"),
        ("BTC 123456789.0", "BTC 123456789"),
        ("BTC 123456789.00", "BTC 123456789"),
        ("BTC 12345678.9", "BTC 12345678.9"),
        ("BTC 1234567.89", "BTC 1234567.89"),
        ("BTC 123456.789", "BTC 123456.789"),
        ("BTC 12345.6789", "BTC 12345.6789"),
        ("BTC 1234.56789", "BTC 1234.56789"),
        ("BTC 123.456789", "BTC 123.456789"),
        ("BTC 12.3456789", "BTC 12.3456789"),
        ("BTC 1.23456789", "BTC 1.23456789"),
        ("BTC 0.12345678", "mBTC 123.45678"),
        ("BTC 0.01234567", "mBTC 12.34567"),
        ("BTC 0.00123456", "mBTC 1.23456"),
        ("BTC 0.00012345", "uBTC 123.45"),
        ("BTC 0.00001234", "uBTC 12.34"),
        ("BTC 0.00000123", "uBTC 1.23"),
        ("BTC 0.00000012", "uBTC 0.12"),
        ("BTC 0.00000001", "uBTC 0.01"),
        ("BTC 0.00000000", "BTC 0"),
        ("mBTC 0", "BTC 0"),
        ("uBTC 0", "BTC 0"),
        ("BTC 0.1", "mBTC 100"),
        ("BTC 0.01", "mBTC 10"),
        ("BTC 0.001", "mBTC 1"),
        ("BTC 0.0001", "uBTC 100"),
        ("satoshi 0", "BTC 0"),
        ("€-1", "EUR -1"),
        ("€ 1", "EUR 1"),
        ("€0", "EUR 0"),
        ("€ 0", "EUR 0"),
        ("€-0", "EUR 0"),
        ("EUR-1", "EUR -1"),
        ("EUR 1", "EUR 1"),
        ("R$1", "BRL 1"),
        ("BRL1", "BRL 1"),
        ("$1", "USD 1"),
        ("USD1", "USD 1"),
        ("£1", "GBP 1"),
        ("GBP1", "GBP 1"),
    ] {
        go.push(
            mparse(
                "BitWrk 0.7 Test_MoneyString: parse, then canonical form",
                a,
                None,
                Some(b),
            )
            .flags(&["BitWrk07", "Canonical"])
            .req(&["BW-MONEY-6", "BW-MONEY-7"]),
        );
    }
    for code in CURRENCIES {
        go.push(currency_case("BitWrk 0.7 Test_CurrencyString", code).flag("BitWrk07"));
    }

    let mut cases = Vec::new();
    for u in &RUNITS {
        let s = u.sym;
        let k = max_int_digits(u);
        let fd = log10(u.factor);
        cases.push(mparse(
            &format!("{s}: one unit, with a space"),
            &format!("{s} 1"),
            None,
            None,
        ));
        cases.push(mparse(
            &format!("{s}: negative, no space"),
            &format!("{s}-1"),
            None,
            None,
        ));
        cases.push(
            mparse(
                &format!("{s}: negative zero is zero"),
                &format!("{s} -0"),
                None,
                None,
            )
            .flag("NegativeZero"),
        );
        cases.push(
            mparse(
                &format!("{s}: {k} integral digits, the most allowed"),
                &format!("{s} {}", "9".repeat(k)),
                None,
                None,
            )
            .flag("DigitLimit"),
        );
        cases.push(
            mparse(
                &format!("{s}: {} integral digits, one too many", k + 1),
                &format!("{s} 1{}", "0".repeat(k)),
                None,
                None,
            )
            .flag("DigitLimit"),
        );
        cases.push(
            mparse(
                &format!(
                    "{s}: {} integral digits with leading zeros (leading zeros count)",
                    k + 1
                ),
                &format!("{s} {}1", "0".repeat(k)),
                None,
                None,
            )
            .flags(&["DigitLimit", "LeadingZeros"]),
        );
        cases.push(
            mparse(
                &format!("{s}: {k} integral digits with leading zeros"),
                &format!("{s} {}1", "0".repeat(k - 1)),
                None,
                None,
            )
            .flag("LeadingZeros"),
        );
        if fd > 0 {
            cases.push(
                mparse(
                    &format!("{s}: {fd} fraction digits, the most allowed"),
                    &format!("{s} 0.{}1", "0".repeat(fd - 1)),
                    None,
                    None,
                )
                .flag("DigitLimit"),
            );
            cases.push(
                mparse(
                    &format!("{s}: largest amount in this unit"),
                    &format!("{s} {}.{}", "9".repeat(k), "9".repeat(fd)),
                    None,
                    None,
                )
                .flag("DigitLimit"),
            );
            cases.push(
                mparse(
                    &format!("{s}: most negative amount in this unit"),
                    &format!("{s}-{}.{}", "9".repeat(k), "9".repeat(fd)),
                    None,
                    None,
                )
                .flag("DigitLimit"),
            );
        }
        cases.push(
            mparse(
                &format!("{s}: {} fraction digits, trailing zeros count", fd + 1),
                &format!("{s} 1.{}", "0".repeat(fd + 1)),
                None,
                None,
            )
            .flag("DigitLimit"),
        );
        cases.push(mparse(&format!("{s}: too many fraction digits and too many integral digits: the fraction is reported"), &format!("{s} 1{}.{}", "0".repeat(k), "0".repeat(fd + 1)), None, None).flag("CheckOrder"));
    }
    for (input, what) in [
        ("", "empty"),
        ("BTC", "symbol only"),
        ("BTC ", "symbol and space only"),
        ("BTC -", "sign without digits"),
        ("BTC  1", "two spaces"),
        (" BTC 1", "leading space"),
        ("BTC 1 ", "trailing space"),
        ("BTC\t1", "tab instead of space"),
        ("BTC\u{a0}1", "no-break space instead of space"),
        ("BTC +1", "plus sign"),
        ("BTC --1", "double minus"),
        ("BTC - 1", "space after the minus"),
        ("BTC -+1", "minus plus"),
        ("BTC 1.", "point without fraction digits"),
        ("BTC .5", "fraction without integral digits"),
        ("BTC 1.2.3", "two points"),
        ("BTC 1e5", "exponent"),
        ("BTC 1,5", "decimal comma"),
        ("BTC 1_000", "digit separator"),
        ("BTC ١", "Arabic-Indic digit one"),
        ("BTC １", "full-width digit one"),
        ("1.5", "no symbol"),
        ("_BTC 1", "underscore before the symbol"),
        ("mBTC 1.5 mBTC", "symbol repeated after the number"),
        ("€ 1€", "symbol after the number"),
    ] {
        cases.push(
            mparse(
                &format!("syntax: {what}"),
                input,
                Some(Err("money.bad-syntax")),
                None,
            )
            .flag("Syntax"),
        );
    }
    for (input, what) in [
        ("btc 1", "lower-case BTC"),
        ("Btc 1", "mixed-case BTC"),
        ("MBTC 1", "upper-case mBTC"),
        ("mbtc 1", "lower-case mBTC"),
        ("UBTC 1", "upper-case uBTC"),
        (
            "µBTC 1",
            "micro sign µ (not a symbol character, so the symbol is empty)",
        ),
        ("Satoshi 1", "capitalised satoshi"),
        ("sat 1", "sat"),
        ("XBT 1", "ISO code XBT"),
        ("EURO 1", "EURO"),
        ("eur 1", "lower-case EUR"),
        ("€€ 1", "doubled €"),
        ("BTC€ 1", "BTC€"),
        ("$R 1", "$R instead of R$"),
        ("R 1", "R"),
        ("US$ 1", "US$"),
        ("CHF 1", "a currency that is not in the table"),
    ] {
        let expect = if input.starts_with('µ') {
            "money.bad-syntax"
        } else {
            "money.unknown-unit"
        };
        cases.push(
            mparse(&format!("symbol: {what}"), input, Some(Err(expect)), None)
                .flag("UnknownUnit")
                .req(&["BW-MONEY-3"]),
        );
    }
    for (input, what) in [
        ("BTC 007", "leading zeros"),
        ("mBTC 1.50000", "trailing fraction zeros"),
        ("BTC 0.0", "zero with a fraction"),
    ] {
        cases.push(
            mparse(
                &format!("non-canonical but valid: {what}"),
                input,
                None,
                None,
            )
            .flag("LeadingZeros"),
        );
    }
    for code in ["btc", "XBT", "", "EURO", "€", "mBTC", " BTC", "BTC "] {
        cases.push(currency_case("currency code", code));
    }

    VFile {
        stem: "money_parse",
        ty: "MoneyParse",
        title: "Parsing amounts and currency codes",
        header: vec![
            "kind=amount: parsing `input` (unit-first text) gives `amount` (smallest units of `currency`, as a decimal string) and the value's canonical text `canonical`.".into(),
            "kind=currency: `input` is a currency code; the valid ones give `currency`.".into(),
            "Syntax is checked first (money.bad-syntax), then the unit symbol, then fraction digits, then integral digits. money.overflow and money.currency-mismatch cannot arise from parsing (see money_format.json, kind=arithmetic).".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A case from BitWrk 0.7's money_test.go.", "Amounts that BitWrk 0.7 accepted or printed differently would break stored documents."),
            note("Canonical", "REPRESENTATION", "Checks the canonical text of the parsed value (unit selection).", "Documents and JSON differ between implementations."),
            note("NegativeZero", "EDGE_CASE", "\"-0\" is zero, and zero prints without a sign.", "A signed zero would give zero two spellings."),
            note("DigitLimit", "EDGE_CASE", "At or one past a digit limit of a unit.", "Off-by-one limits either reject legal amounts or let amounts approach the 64-bit range."),
            note("LeadingZeros", "EDGE_CASE", "Leading or trailing zeros: legal, and counted against the digit limits.", "Counting only significant digits accepts texts that BitWrk 0.7 rejected."),
            note("CheckOrder", "ERROR_REPORTING", "Several defects; the fraction is checked before the integral part.", "Different error codes for one input across implementations."),
            note("Syntax", "MALFORMED_INPUT", "Text that does not match `symbol[ ][-]digits[.digits]`.", "Lenient parsing (trimming, commas, exponents) gives amounts several spellings."),
            note("UnknownUnit", "MALFORMED_INPUT", "A symbol that is not in the unit table (the lookup is case-sensitive).", "Case-insensitive lookup would make 'MBTC' mean mega or milli."),
        ],
        groups: vec![group("bitwrk-0.7 common/money/money_test.go", "0.7.0", go), ours(cases)],
        fields: vec![
            ("kind", s_enum(&["amount", "currency"])),
            ("input", s_string()),
            ("amount", s_amount()),
            ("currency", s_currency()),
            ("canonical", s_string()),
        ],
        rules: vec![
            rule(None, When::Always, &["kind", "input"]),
            rule(Some("amount"), When::Valid, &["amount", "currency", "canonical"]),
            rule(Some("currency"), When::Valid, &["currency"]),
        ],
    }
}

fn currency_case(comment: &str, code: &str) -> Case {
    let expect = CURRENCIES.contains(&code);
    let got = code.parse::<bitwrk_protocol::Currency>();
    let c = case(comment)
        .f("kind", "currency")
        .f("input", code)
        .req(&["BW-MONEY-10"]);
    if expect {
        assert_eq!(got.unwrap().code(), code);
        c.f("currency", code).valid()
    } else {
        assert_eq!(got.unwrap_err().code(), "money.unknown-currency");
        c.invalid("money.unknown-currency")
    }
}

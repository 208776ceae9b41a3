//! `money_format.json`: money formatting and arithmetic.

use crate::{
    Case, J, VFile, When, case, currency_of, group, note, ours, ref_canonical, ref_canonical_unit,
    ref_format, ref_parse, rule, runit, s_amount, s_bool, s_currency, s_enum, s_int, s_string,
};
use bitwrk_protocol::ErrorCode;

fn canon_case(comment: &str, amount: i64, cur: &str, literal: Option<&str>) -> Case {
    let text = ref_canonical(amount, cur);
    if let Some(l) = literal {
        assert_eq!(text, l, "{comment}");
    }
    let m = bitwrk_protocol::Money::new(amount, currency_of(cur));
    assert_eq!(m.to_string(), text, "{comment}");
    let unit = ref_canonical_unit(amount, cur);
    assert_eq!(m.canonical_unit().symbol, unit.sym);
    let parseable = ref_parse(&text).is_ok();
    let mut c = case(comment)
        .req(&["BW-MONEY-1", "BW-MONEY-6", "BW-MONEY-7"])
        .f("kind", "canonical")
        .f("amount", amount.to_string())
        .f("currency", cur)
        .f("unit", unit.sym)
        .f("text", text)
        .f("reparses", parseable);
    if !parseable {
        c = c.flag("NotReparseable");
    }
    c.valid()
}

fn format_in_case(
    comment: &str,
    amount: i64,
    cur: &str,
    sym: &str,
    with_symbol: bool,
    literal: Result<&str, &'static str>,
) -> Case {
    let u = runit(sym);
    let expect = if u.cur == cur {
        let n = ref_format(amount, u.factor);
        Ok(if with_symbol { format!("{sym} {n}") } else { n })
    } else {
        Err("money.currency-mismatch")
    };
    assert_eq!(expect.as_deref().map_err(|e| *e), literal, "{comment}");
    let unit = bitwrk_protocol::Unit::from_symbol(sym).unwrap();
    let got = bitwrk_protocol::Money::new(amount, currency_of(cur)).format_in(unit, with_symbol);
    let c = case(comment)
        .f("kind", "formatIn")
        .f("amount", amount.to_string())
        .f("currency", cur)
        .f("unit", sym)
        .f("withSymbol", with_symbol);
    match expect {
        Ok(text) => {
            assert_eq!(got.unwrap(), text);
            c.req(&["BW-MONEY-6"]).f("text", text).valid()
        }
        Err(code) => {
            assert_eq!(got.unwrap_err().code(), code);
            c.req(&["BW-MONEY-9"]).invalid(code)
        }
    }
}

fn arith_case(
    comment: &str,
    op: &str,
    a: (i64, &str),
    b: Option<(i64, &str)>,
    literal: Result<i64, &'static str>,
) -> Case {
    let expect: Result<i64, &'static str> = match (op, b) {
        ("neg", None) => a.0.checked_neg().ok_or("money.overflow"),
        (_, Some(b)) if b.1 != a.1 => Err("money.currency-mismatch"),
        ("add", Some(b)) => {
            i64::try_from(i128::from(a.0) + i128::from(b.0)).map_err(|_| "money.overflow")
        }
        ("sub", Some(b)) => {
            i64::try_from(i128::from(a.0) - i128::from(b.0)).map_err(|_| "money.overflow")
        }
        _ => unreachable!(),
    };
    assert_eq!(expect, literal, "{comment}");
    let ma = bitwrk_protocol::Money::new(a.0, currency_of(a.1));
    let got = match (op, b) {
        ("neg", None) => ma.checked_neg(),
        ("add", Some(b)) => ma.checked_add(bitwrk_protocol::Money::new(b.0, currency_of(b.1))),
        (_, Some(b)) => ma.checked_sub(bitwrk_protocol::Money::new(b.0, currency_of(b.1))),
        _ => unreachable!(),
    };
    let mut c = case(comment)
        .req(&["BW-MONEY-9"])
        .f("kind", "arithmetic")
        .f("op", op)
        .f("amount", a.0.to_string())
        .f("currency", a.1);
    if let Some(b) = b {
        c = c.f("rhsAmount", b.0.to_string()).f("rhsCurrency", b.1);
    }
    match expect {
        Ok(v) => {
            assert_eq!(got.unwrap().amount(), v);
            c.f("resultAmount", v.to_string()).valid()
        }
        Err(code) => {
            assert_eq!(got.unwrap_err().code(), code);
            c.invalid(code)
        }
    }
}

pub(crate) fn money_format_file() -> VFile {
    let mut go = Vec::new();
    for (v, f, r) in [
        (1i64, 1i64, "1"),
        (10, 1, "10"),
        (100, 1, "100"),
        (1000, 1, "1000"),
        (1, 1000, "0.001"),
        (10, 1000, "0.01"),
        (100, 1000, "0.1"),
        (1000, 1000, "1"),
    ] {
        assert_eq!(ref_format(v, f), r);
        let unit = bitwrk_protocol::Unit {
            symbol: "",
            currency: bitwrk_protocol::Currency::Btc,
            factor: f,
            selectable: false,
        };
        assert_eq!(
            bitwrk_protocol::Money::new(v, bitwrk_protocol::Currency::Btc)
                .format_in(&unit, false)
                .unwrap(),
            r
        );
        go.push(
            case("BitWrk 0.7 Test_formatAmount: the number part for a power-of-ten factor")
                .flag("BitWrk07")
                .req(&["BW-MONEY-6"])
                .f("kind", "formatAmount")
                .f("amount", v.to_string())
                .f("factor", J::I(f))
                .f("text", r)
                .valid(),
        );
    }

    let mut canon = Vec::new();
    for (a, lit) in [
        (0i64, "BTC 0"),
        (1, "uBTC 0.01"),
        (-1, "uBTC -0.01"),
        (99, "uBTC 0.99"),
        (100, "uBTC 1"),
        (101, "uBTC 1.01"),
        (-100, "uBTC -1"),
        (99_999, "uBTC 999.99"),
        (100_000, "mBTC 1"),
        (-100_000, "mBTC -1"),
        (100_001, "mBTC 1.00001"),
        (99_999_999, "mBTC 999.99999"),
        (-99_999_999, "mBTC -999.99999"),
        (100_000_000, "BTC 1"),
        (-100_000_000, "BTC -1"),
        (100_000_001, "BTC 1.00000001"),
        (2_100_000_000_000_000, "BTC 21000000"),
        (99_999_999_999_999_999, "BTC 999999999.99999999"),
        (100_000_000_000_000_000, "BTC 1000000000"),
        (i64::MAX, "BTC 92233720368.54775807"),
        (i64::MIN, "BTC -92233720368.54775808"),
    ] {
        canon.push(canon_case("BTC unit selection", a, "BTC", Some(lit)).flag("UnitBoundary"));
    }
    for cur in ["EUR", "USD", "BRL", "GBP"] {
        for (a, num) in [
            (0i64, "0"),
            (1, "0.000000001"),
            (-1, "-0.000000001"),
            (999_999_999, "0.999999999"),
            (1_000_000_000, "1"),
            (-1_500_000_000, "-1.5"),
            (999_999_999_999_999_999, "999999999.999999999"),
            (i64::MAX, "9223372036.854775807"),
            (i64::MIN, "-9223372036.854775808"),
        ] {
            canon.push(
                canon_case(
                    &format!("{cur}: the only selectable unit is {cur}"),
                    a,
                    cur,
                    Some(&format!("{cur} {num}")),
                )
                .flag("UnitBoundary"),
            );
        }
    }

    let fmt = vec![
        format_in_case(
            "150000 satoshi in satoshi",
            150_000,
            "BTC",
            "satoshi",
            true,
            Ok("satoshi 150000"),
        ),
        format_in_case(
            "150000 satoshi in BTC",
            150_000,
            "BTC",
            "BTC",
            true,
            Ok("BTC 0.0015"),
        ),
        format_in_case(
            "150000 satoshi in mBTC",
            150_000,
            "BTC",
            "mBTC",
            true,
            Ok("mBTC 1.5"),
        ),
        format_in_case(
            "150000 satoshi in uBTC, without the symbol",
            150_000,
            "BTC",
            "uBTC",
            false,
            Ok("1500"),
        ),
        format_in_case("zero in uBTC", 0, "BTC", "uBTC", true, Ok("uBTC 0")),
        format_in_case(
            "-1 satoshi in BTC",
            -1,
            "BTC",
            "BTC",
            true,
            Ok("BTC -0.00000001"),
        ),
        format_in_case(
            "1 EUR with the € symbol",
            1_000_000_000,
            "EUR",
            "€",
            true,
            Ok("€ 1"),
        ),
        format_in_case(
            "1.5 USD with $",
            1_500_000_000,
            "USD",
            "$",
            true,
            Ok("$ 1.5"),
        ),
        format_in_case(
            "-2 BRL with R$",
            -2_000_000_000,
            "BRL",
            "R$",
            true,
            Ok("R$ -2"),
        ),
        format_in_case(
            "0.01 GBP with £",
            10_000_000,
            "GBP",
            "£",
            true,
            Ok("£ 0.01"),
        ),
        format_in_case(
            "i64::MIN in satoshi",
            i64::MIN,
            "BTC",
            "satoshi",
            true,
            Ok("satoshi -9223372036854775808"),
        ),
        format_in_case(
            "BTC amount in EUR",
            1,
            "BTC",
            "EUR",
            true,
            Err("money.currency-mismatch"),
        )
        .flag("CurrencyMismatch"),
        format_in_case(
            "EUR amount in $",
            1,
            "EUR",
            "$",
            false,
            Err("money.currency-mismatch"),
        )
        .flag("CurrencyMismatch"),
    ];

    let arith = vec![
        arith_case("1 + 2 satoshi", "add", (1, "BTC"), Some((2, "BTC")), Ok(3)),
        arith_case(
            "max + 1 overflows",
            "add",
            (i64::MAX, "BTC"),
            Some((1, "BTC")),
            Err("money.overflow"),
        )
        .flag("Overflow"),
        arith_case(
            "min + (-1) overflows",
            "add",
            (i64::MIN, "EUR"),
            Some((-1, "EUR")),
            Err("money.overflow"),
        )
        .flag("Overflow"),
        arith_case(
            "min - 1 overflows",
            "sub",
            (i64::MIN, "BTC"),
            Some((1, "BTC")),
            Err("money.overflow"),
        )
        .flag("Overflow"),
        arith_case(
            "0 - min overflows",
            "sub",
            (0, "BTC"),
            Some((i64::MIN, "BTC")),
            Err("money.overflow"),
        )
        .flag("Overflow"),
        arith_case(
            "max - max",
            "sub",
            (i64::MAX, "USD"),
            Some((i64::MAX, "USD")),
            Ok(0),
        ),
        arith_case(
            "-min overflows",
            "neg",
            (i64::MIN, "BTC"),
            None,
            Err("money.overflow"),
        )
        .flag("Overflow"),
        arith_case("-max", "neg", (i64::MAX, "GBP"), None, Ok(-i64::MAX)),
        arith_case(
            "BTC + EUR",
            "add",
            (1, "BTC"),
            Some((1, "EUR")),
            Err("money.currency-mismatch"),
        )
        .flag("CurrencyMismatch"),
        arith_case(
            "USD - BRL",
            "sub",
            (1, "USD"),
            Some((1, "BRL")),
            Err("money.currency-mismatch"),
        )
        .flag("CurrencyMismatch"),
        arith_case(
            "overflowing BTC + EUR: the currencies are compared first",
            "add",
            (i64::MAX, "BTC"),
            Some((1, "EUR")),
            Err("money.currency-mismatch"),
        )
        .flags(&["CurrencyMismatch", "CheckOrder"]),
    ];

    VFile {
        stem: "money_format",
        ty: "MoneyFormat",
        title: "Formatting amounts, unit selection and checked arithmetic",
        header: vec![
            "kind=canonical: `amount` of `currency` formats canonically as `text`, in unit `unit`; `reparses` says whether `text` is itself parseable (amounts of 10^9 or more of the largest unit are not).".into(),
            "kind=formatIn: `amount` of `currency` formatted in the unit `unit` (with the symbol if `withSymbol`) is `text`; a unit of another currency is money.currency-mismatch.".into(),
            "kind=formatAmount: BitWrk 0.7's number formatting for a power-of-ten `factor` (a JSON number): `amount` / factor with trailing fraction zeros removed.".into(),
            "kind=arithmetic: `op` (add, sub, neg) on `amount` and `rhsAmount` gives `resultAmount`, or money.overflow / money.currency-mismatch.".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A case from BitWrk 0.7's money_test.go.", "Number formatting would differ from BitWrk 0.7."),
            note("UnitBoundary", "EDGE_CASE", "An amount at a unit-selection boundary (or the 64-bit extremes).", "Off-by-one unit selection changes every canonical text."),
            note("NotReparseable", "REPRESENTATION", "The canonical text has more integral digits than parsing allows.", "Round trips through text are not possible for such amounts; implementations must not assume they are."),
            note("CurrencyMismatch", "TYPE_CONFUSION", "Amounts or units of different currencies.", "Mixing currencies silently corrupts balances."),
            note("Overflow", "ARITHMETIC", "The exact result is outside the signed 64-bit range.", "Wrapping arithmetic creates or destroys money."),
            note("CheckOrder", "ERROR_REPORTING", "Several defects; the currency check comes first.", "Different error codes across implementations."),
        ],
        groups: vec![group("bitwrk-0.7 common/money/money_test.go", "0.7.0", go), ours(canon), ours(fmt), ours(arith)],
        fields: vec![
            ("kind", s_enum(&["canonical", "formatIn", "formatAmount", "arithmetic"])),
            ("op", s_enum(&["add", "sub", "neg"])),
            ("amount", s_amount()),
            ("currency", s_currency()),
            ("rhsAmount", s_amount()),
            ("rhsCurrency", s_currency()),
            ("factor", s_int(1)),
            ("unit", s_string()),
            ("withSymbol", s_bool()),
            ("text", s_string()),
            ("reparses", s_bool()),
            ("resultAmount", s_amount()),
        ],
        rules: vec![
            rule(None, When::Always, &["kind", "amount"]),
            rule(Some("canonical"), When::Always, &["currency", "unit", "text", "reparses"]),
            rule(Some("formatIn"), When::Always, &["currency", "unit", "withSymbol"]),
            rule(Some("formatIn"), When::Valid, &["text"]),
            rule(Some("formatAmount"), When::Always, &["factor", "text"]),
            rule(Some("arithmetic"), When::Always, &["op", "currency"]),
            rule(Some("arithmetic"), When::Valid, &["resultAmount"]),
        ],
    }
}

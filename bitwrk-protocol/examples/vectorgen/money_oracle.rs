//! Money: a reference reading of BW-MONEY-1 … BW-MONEY-7 (unit table, grammar,
//! formatting, canonical unit), written from the spec text.

use std::fmt::Write as _;

pub(crate) struct RUnit {
    pub(crate) sym: &'static str,
    pub(crate) cur: &'static str,
    pub(crate) factor: i64,
    pub(crate) selectable: bool,
}

pub(crate) const fn ru(
    sym: &'static str,
    cur: &'static str,
    factor: i64,
    selectable: bool,
) -> RUnit {
    RUnit {
        sym,
        cur,
        factor,
        selectable,
    }
}

/// The unit table of BW-MONEY-1, in its normative order.
pub(crate) const RUNITS: [RUnit; 12] = [
    ru("BTC", "BTC", 100_000_000, true),
    ru("mBTC", "BTC", 100_000, true),
    ru("uBTC", "BTC", 100, true),
    ru("satoshi", "BTC", 1, false),
    ru("EUR", "EUR", 1_000_000_000, true),
    ru("€", "EUR", 1_000_000_000, false),
    ru("USD", "USD", 1_000_000_000, true),
    ru("$", "USD", 1_000_000_000, false),
    ru("BRL", "BRL", 1_000_000_000, true),
    ru("R$", "BRL", 1_000_000_000, false),
    ru("GBP", "GBP", 1_000_000_000, true),
    ru("£", "GBP", 1_000_000_000, false),
];

pub(crate) const CURRENCIES: [&str; 5] = ["BTC", "EUR", "USD", "BRL", "GBP"];

pub(crate) fn runit(sym: &str) -> &'static RUnit {
    RUNITS.iter().find(|u| u.sym == sym).unwrap()
}

pub(crate) fn log10(f: i64) -> usize {
    f.to_string().len() - 1
}

/// Most integral digits a unit allows: factor × 10^k < 10^18.
pub(crate) fn max_int_digits(u: &RUnit) -> usize {
    17 - log10(u.factor)
}

pub(crate) fn ref_parse(s: &str) -> Result<(i64, &'static str), &'static str> {
    let sym_end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphabetic() || matches!(c, '€' | '$' | '£')))
        .map_or(s.len(), |(i, _)| i);
    if sym_end == 0 {
        return Err("money.bad-syntax");
    }
    let sym = &s[..sym_end];
    let mut rest = &s[sym_end..];
    rest = rest.strip_prefix(' ').unwrap_or(rest);
    let neg = rest.starts_with('-');
    if neg {
        rest = &rest[1..];
    }
    let (int, frac) = match rest.find('.') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Err("money.bad-syntax");
    }
    let Some(u) = RUNITS.iter().find(|u| u.sym == sym) else {
        return Err("money.unknown-unit");
    };
    let frac = frac.unwrap_or("");
    let fd = log10(u.factor);
    if frac.len() > fd {
        return Err("money.too-many-fraction-digits");
    }
    if i128::from(u.factor) * 10i128.pow(int.len() as u32) >= 10i128.pow(18) {
        return Err("money.too-many-integral-digits");
    }
    let mut v: i128 = int.parse::<i128>().unwrap() * i128::from(u.factor);
    if !frac.is_empty() {
        v += frac.parse::<i128>().unwrap() * 10i128.pow((fd - frac.len()) as u32);
    }
    if neg {
        v = -v;
    }
    Ok((i64::try_from(v).unwrap(), u.cur))
}

pub(crate) fn ref_format(amount: i64, factor: i64) -> String {
    let v = i128::from(amount).abs();
    let f = i128::from(factor);
    let mut out = String::new();
    if amount < 0 {
        out.push('-');
    }
    write!(out, "{}", v / f).unwrap();
    if v % f != 0 {
        let width = log10(factor);
        let frac = format!("{:0width$}", v % f);
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out
}

pub(crate) fn ref_canonical_unit(amount: i64, cur: &str) -> &'static RUnit {
    let units = RUNITS.iter().filter(|u| u.cur == cur);
    if amount == 0 {
        return units.into_iter().next().unwrap();
    }
    let abs = i128::from(amount).abs();
    let mut chosen = None;
    for u in units {
        if u.selectable {
            chosen = Some(u);
        }
        if i128::from(u.factor) <= abs {
            break;
        }
    }
    chosen.unwrap()
}

pub(crate) fn ref_canonical(amount: i64, cur: &str) -> String {
    let u = ref_canonical_unit(amount, cur);
    format!("{} {}", u.sym, ref_format(amount, u.factor))
}

pub(crate) fn currency_of(code: &str) -> bitwrk_protocol::Currency {
    code.parse().unwrap()
}

pub(crate) fn money_req(code: &str) -> &'static [&'static str] {
    match code {
        "money.bad-syntax" => &["BW-MONEY-2"],
        "money.unknown-unit" => &["BW-MONEY-3"],
        "money.too-many-integral-digits" => &["BW-MONEY-4"],
        "money.too-many-fraction-digits" => &["BW-MONEY-5"],
        "money.unknown-currency" => &["BW-MONEY-10"],
        "money.overflow" | "money.currency-mismatch" => &["BW-MONEY-9"],
        other => panic!("no req for {other}"),
    }
}

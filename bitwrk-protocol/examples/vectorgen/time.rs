//! `time.json`: the time model of spec §2.6 — writing timestamps as RFC 3339
//! (BW-TIME-3), reading RFC 3339 texts as core timestamps and as any time of
//! the years 0000–9999 (BW-TIME-4), and optional times with Go's zero time
//! (BW-TIME-5).
//!
//! The expected values come from the small calendar oracle below, written
//! from the spec text (day counting year by year, not the crate's
//! era arithmetic); every case is cross-checked against `bitwrk_protocol::rfc3339`.

use bitwrk_protocol::Timestamp;
use bitwrk_protocol::rfc3339;

use crate::{Case, J, VFile, When, case, note, ours, rule, s_enum, s_string};

const MS_PER_DAY: i64 = 86_400_000;
/// 9999-12-31T23:59:59.999Z in ms since 1970.
const MAX_MS: i64 = 253_402_300_799_999;

fn leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn month_len(y: i64, m: i64) -> i64 {
    match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn year_len(y: i64) -> i64 {
    if leap(y) { 366 } else { 365 }
}

/// Oracle: days since 1970-01-01 of an existing date of the years 0000–9999.
fn oracle_days(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(0..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > month_len(y, m) {
        return None;
    }
    let mut days: i64 = if y >= 1970 {
        (1970..y).map(year_len).sum()
    } else {
        -(y..1970).map(year_len).sum::<i64>()
    };
    days += (1..m).map(|k| month_len(y, k)).sum::<i64>();
    Some(days + d - 1)
}

/// Oracle: the date of a day count (inverse of [`oracle_days`]).
fn oracle_date(mut days: i64) -> (i64, i64, i64) {
    let mut y = 1970;
    while days < 0 {
        y -= 1;
        days += year_len(y);
    }
    while days >= year_len(y) {
        days -= year_len(y);
        y += 1;
    }
    let mut m = 1;
    while days >= month_len(y, m) {
        days -= month_len(y, m);
        m += 1;
    }
    (y, m, days + 1)
}

/// Oracle: BW-TIME-3 writing of a time (ms since 1970, clamped to the range).
pub(crate) fn oracle_format(ms: i64) -> String {
    let ms = ms.min(MAX_MS);
    let (y, mo, d) = oracle_date(ms.div_euclid(MS_PER_DAY));
    let r = ms.rem_euclid(MS_PER_DAY);
    let frac = r % 1000;
    let mut s = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        r / 3_600_000,
        r / 60_000 % 60,
        r / 1000 % 60
    );
    if frac != 0 {
        s.push('.');
        s.push_str(format!("{frac:03}").trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Oracle: BW-TIME-4 reading of any time of the years 0000–9999.
fn oracle_parse(s: &str) -> Option<i64> {
    let rest = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
    let b = rest.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = &b[from..to];
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |a, c| a * 10 + i64::from(c - b'0')))
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let days = oracle_days(num(0, 4)?, num(5, 7)?, num(8, 10)?)?;
    let (h, mi, se) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let mut ms = 0;
    if b.len() > 19 {
        let f = &b[19..];
        if f[0] != b'.' || f.len() < 2 || !f[1..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut digits = f[1..].iter().map(|c| i64::from(c - b'0')).chain([0, 0, 0]);
        ms = digits.next()? * 100 + digits.next()? * 10 + digits.next()?;
    }
    Some(days * MS_PER_DAY + ((h * 60 + mi) * 60 + se) * 1000 + ms)
}

fn err_or<T>(v: Option<T>) -> Result<T, &'static str> {
    v.ok_or("wire.bad-json")
}

fn finish(c: Case, got: Result<J, &'static str>, want: Result<J, &'static str>) -> Case {
    assert_eq!(
        format!("{got:?}"),
        format!("{want:?}"),
        "time.json: crate and oracle disagree on {:?}",
        c.comment
    );
    match want {
        Ok(v) => c.f("millis", v).valid(),
        Err(e) => c.invalid(e),
    }
}

fn fmt_case(comment: &str, ms: i64) -> Case {
    let got = rfc3339::format(Timestamp::from_millis(u64::try_from(ms).expect("≥ 0")));
    let want = oracle_format(ms);
    assert_eq!(got, want, "time.json format {ms}");
    case(comment)
        .req(&["BW-TIME-3", "BW-TIME-1"])
        .f("kind", "format")
        .f("millis", J::I(ms))
        .f("text", want.as_str())
        .valid()
}

/// Reading `text` into a core timestamp (1970 and later).
fn ts_case(comment: &str, text: &str) -> Case {
    let got =
        err_or(rfc3339::parse(text)).map(|t| J::I(i64::try_from(t.as_millis()).expect("small")));
    let want = err_or(oracle_parse(text).filter(|ms| *ms >= 0)).map(J::I);
    let c = case(comment)
        .req(&["BW-TIME-4"])
        .f("kind", "parseTimestamp")
        .f("text", text);
    finish(c, got, want)
}

/// Reading `text` as any time of the years 0000–9999.
fn utc_case(comment: &str, text: &str) -> Case {
    let got = err_or(rfc3339::parse_utc(text)).map(|t| J::I(t.as_millis()));
    let want = err_or(oracle_parse(text)).map(J::I);
    let c = case(comment)
        .req(&["BW-TIME-4"])
        .f("kind", "parseUtc")
        .f("text", text);
    finish(c, got, want)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Pointer(#[serde(with = "bitwrk_protocol::rfc3339::option")] Option<Timestamp>);
#[derive(serde::Serialize, serde::Deserialize)]
struct Plain(#[serde(with = "bitwrk_protocol::rfc3339::zero_time")] Option<Timestamp>);

/// An optional time field read from the JSON value `json` and written back
/// in both styles.
fn opt_case(comment: &str, json: &str) -> Case {
    let oracle: Result<Option<i64>, &str> = match json {
        "null" => Ok(None),
        _ => match json
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .and_then(oracle_parse)
        {
            Some(ms) if ms == oracle_parse("0001-01-01T00:00:00Z").expect("zero") => Ok(None),
            Some(ms) if ms >= 0 => Ok(Some(ms)),
            _ => Err("wire.bad-json"),
        },
    };
    let p = bitwrk_protocol::wire::from_go_json::<Pointer>(json);
    let z = bitwrk_protocol::wire::from_go_json::<Plain>(json);
    let crate_view = |r: Result<Option<Timestamp>, bitwrk_protocol::wire::WireError>| {
        r.map(|t| t.map(|t| i64::try_from(t.as_millis()).expect("small")))
            .map_err(|e| bitwrk_protocol::ErrorCode::code(&e))
    };
    assert_eq!(
        crate_view(p.as_ref().map(|p| p.0).map_err(Clone::clone)),
        oracle,
        "{json}"
    );
    assert_eq!(crate_view(z.map(|z| z.0)), oracle, "{json}");
    let c = case(comment)
        .req(&["BW-TIME-5", "BW-TIME-4"])
        .f("kind", "optional")
        .f("json", json);
    match oracle {
        Ok(v) => {
            let pointer = v.map_or("null".to_owned(), |ms| format!("\"{}\"", oracle_format(ms)));
            let plain = v.map_or("\"0001-01-01T00:00:00Z\"".to_owned(), |ms| {
                format!("\"{}\"", oracle_format(ms))
            });
            let t = v.map(|ms| Timestamp::from_millis(u64::try_from(ms).expect("≥ 0")));
            assert_eq!(
                bitwrk_protocol::wire::to_go_json_unterminated(&Pointer(t)),
                pointer
            );
            assert_eq!(
                bitwrk_protocol::wire::to_go_json_unterminated(&Plain(t)),
                plain
            );
            c.f("millis", v.map_or(J::Null, J::I))
                .f("pointerJson", pointer.as_str())
                .f("plainJson", plain.as_str())
                .valid()
        }
        Err(e) => c.invalid(e),
    }
}

pub(crate) fn time_file() -> VFile {
    let t = 1_571_488_496_000; // 2019-10-19T12:34:56Z
    let cases = vec![
        fmt_case("the epoch", 0),
        fmt_case("whole seconds: no fraction", t),
        fmt_case("half a second: one digit", t + 500),
        fmt_case("7 ms: three digits", t + 7),
        fmt_case("120 ms: trailing zero removed", t + 120),
        fmt_case("999 ms", t + 999),
        fmt_case("a leap day", 1_709_164_800_000),
        fmt_case("the last writable instant", MAX_MS),
        fmt_case(
            "one ms after the range: written as the last instant",
            MAX_MS + 1,
        )
        .flag("Saturation"),
        fmt_case("the largest i64: written as the last instant", i64::MAX).flag("Saturation"),
        ts_case("whole seconds, Z", "2019-10-19T12:34:56Z"),
        ts_case("offset +00:00", "2019-10-19T12:34:56+00:00"),
        ts_case("one fraction digit", "2019-10-19T12:34:56.5Z"),
        ts_case(
            "microseconds as 0.7's datastore writes: cut to ms",
            "2019-10-19T12:34:56.123456Z",
        )
        .flag("Fraction"),
        ts_case(
            "nanoseconds: rounded towards the past",
            "2019-10-19T12:34:56.999999999Z",
        )
        .flag("Fraction"),
        ts_case("the epoch", "1970-01-01T00:00:00Z"),
        ts_case(
            "1 ms before 1970 is no core timestamp",
            "1969-12-31T23:59:59.999Z",
        )
        .flag("Pre1970"),
        ts_case(
            "Go's zero time is no core timestamp",
            "0001-01-01T00:00:00Z",
        )
        .flag("Pre1970"),
        ts_case("another offset", "2019-10-19T13:34:56+01:00"),
        ts_case("offset -00:00", "2019-10-19T12:34:56-00:00"),
        ts_case("lower-case z", "2019-10-19T12:34:56z"),
        ts_case("lower-case t", "2019-10-19t12:34:56Z"),
        ts_case("space instead of T", "2019-10-19 12:34:56Z"),
        ts_case("no offset", "2019-10-19T12:34:56"),
        ts_case("empty fraction", "2019-10-19T12:34:56.Z"),
        ts_case("29 February of a common year", "2019-02-29T00:00:00Z"),
        ts_case("hour 24", "2019-10-19T24:00:00Z"),
        ts_case("a leap second", "2016-12-31T23:59:60Z"),
        ts_case("two-digit year", "19-10-19T12:34:56Z"),
        ts_case("five-digit year", "10000-01-01T00:00:00Z").flag("Range"),
        ts_case("one-digit month", "2019-1-19T12:34:56Z"),
        ts_case("a sign before the year", "+2019-10-19T12:34:56Z"),
        ts_case("empty", ""),
        utc_case("the first readable instant", "0000-01-01T00:00:00Z").flag("Range"),
        utc_case(
            "29 February 0000 (a leap year; 0.7's overflow case)",
            "0000-02-29T00:00:00+00:00",
        )
        .flag("Range"),
        utc_case("31 January 0000", "0000-01-31T23:59:59.999Z").flag("Range"),
        utc_case("Go's zero time", "0001-01-01T00:00:00Z").flag("Pre1970"),
        utc_case("1 ms before 1970", "1969-12-31T23:59:59.999Z").flag("Pre1970"),
        utc_case(
            "a time before 1970 with a fraction",
            "1960-06-15T08:00:00.25Z",
        )
        .flag("Pre1970"),
        utc_case("29 February 1900 (not a leap year)", "1900-02-29T00:00:00Z"),
        utc_case("29 February 2000 (a leap year)", "2000-02-29T00:00:00Z"),
        utc_case(
            "the last readable instant, with nanoseconds",
            "9999-12-31T23:59:59.999999999Z",
        )
        .flag("Range"),
        utc_case("month 00", "0000-00-01T00:00:00Z"),
        utc_case("day 00", "2019-10-00T00:00:00Z"),
        opt_case("null is not set", "null"),
        opt_case("Go's zero time is not set", "\"0001-01-01T00:00:00Z\""),
        opt_case(
            "Go's zero time with +00:00 is not set",
            "\"0001-01-01T00:00:00+00:00\"",
        ),
        opt_case(
            "Go's zero time with a zero fraction is not set",
            "\"0001-01-01T00:00:00.000000Z\"",
        ),
        opt_case("a set time", "\"2019-10-19T12:34:56.5Z\""),
        opt_case(
            "a set time with microseconds",
            "\"2019-10-19T12:34:56.000001Z\"",
        )
        .flag("Fraction"),
        opt_case(
            "1 ms after Go's zero time is no core timestamp and does not mean not set",
            "\"0001-01-01T00:00:00.001Z\"",
        )
        .flag("Pre1970"),
        opt_case(
            "a time before 1970 does not mean not set",
            "\"1969-12-31T23:59:59Z\"",
        )
        .flag("Pre1970"),
        opt_case("a number is not a time", "0"),
        opt_case("an empty string is not a time", "\"\""),
    ];
    VFile {
        stem: "time",
        ty: "Rfc3339Time",
        title: "The time model: RFC 3339 writing and reading, Go's zero time (spec section 2.6)",
        header: vec![
            "A timestamp is an unsigned count of milliseconds since 1970-01-01T00:00:00Z (BW-TIME-1); `millis` is that count, or for kind=parseUtc a signed count (negative before 1970).".into(),
            "kind=format: write the timestamp `millis` as RFC 3339 (BW-TIME-3); `text` is the expected text. Timestamps after 9999-12-31T23:59:59.999Z are written as that instant.".into(),
            "kind=parseTimestamp: read `text` as a core timestamp (a JSON string field holding one); valid cases give `millis`. kind=parseUtc: read `text` as any time of the years 0000–9999 (the reference's `rfc3339::UtcTime`).".into(),
            "kind=optional: `json` is the JSON value of an optional time field; valid cases give `millis` (null = not set) and the JSON written back for that value by a field 0.7 writes as a pointer (`pointerJson`, e.g. a bid's `Matched`) and by one it writes as a plain time (`plainJson`, e.g. an account's `LastDepositInfo`) (BW-TIME-5).".into(),
            "Times are only read from JSON bodies, so a refused text is the decoding error `wire.bad-json` (BW-JSON-2).".into(),
        ],
        notes: vec![
            note("Saturation", "EdgeCase", "A timestamp beyond the writable range.", "An unreadable or wrapped time is written."),
            note("Fraction", "EdgeCase", "More fraction digits than milliseconds, as 0.7 writes them.", "0.7 documents are refused, or times are rounded up."),
            note("Pre1970", "EdgeCase", "Times before 1970, such as Go's zero time.", "0.7 documents are refused, or a negative time reaches the core."),
            note("Range", "EdgeCase", "The ends of the years 0000–9999 (January/February 0000 overflowed a civil-date routine).", "Panic or a wrong date at the range ends."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["format", "parseTimestamp", "parseUtc", "optional"])),
            ("text", s_string()),
            ("json", s_string()),
            ("millis", crate::obj(vec![("type", crate::strs(&["integer", "null"]))])),
            ("pointerJson", s_string()),
            ("plainJson", s_string()),
        ],
        rules: vec![
            rule(Some("format"), When::Always, &["millis", "text"]),
            rule(Some("parseTimestamp"), When::Always, &["text"]),
            rule(Some("parseTimestamp"), When::Valid, &["millis"]),
            rule(Some("parseUtc"), When::Always, &["text"]),
            rule(Some("parseUtc"), When::Valid, &["millis"]),
            rule(Some("optional"), When::Always, &["json"]),
            rule(Some("optional"), When::Valid, &["millis", "pointerJson", "plainJson"]),
        ],
    }
}

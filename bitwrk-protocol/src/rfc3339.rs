//! RFC 3339 text for times in JSON documents (spec §2.6, BW-TIME-1 …
//! BW-TIME-5).
//!
//! BitWrk 0.7 writes times in bid and transaction JSON as RFC 3339 in UTC,
//! with the fraction of a second cut at its last non-zero digit
//! (`2019-10-19T12:34:56.5Z`, or `2019-10-19T12:34:56Z` for whole seconds).
//! [`Timestamp`] has millisecond resolution, so at most three fraction digits
//! are written (BW-TIME-3). Parsing accepts `Z` or `+00:00` and any number of
//! fraction digits; digits beyond the millisecond are dropped (rounded
//! towards the past).
//!
//! Reading accepts every date of the years 0000–9999 (BW-TIME-4): [`parse_utc`]
//! gives a signed [`UtcTime`], so that a client can read what any server
//! writes, including Go's zero time `0001-01-01T00:00:00Z` that 0.7 writes
//! for a time never set. [`parse`] gives a [`Timestamp`] and refuses times
//! before 1970, which the core never produces. Optional fields ([`option`])
//! read `null` and the Go zero time as "not set" (BW-TIME-5); [`zero_time`]
//! writes "not set" the way 0.7 does for its non-pointer time fields.
//!
//! Use the module with `#[serde(with = "crate::rfc3339")]`, or
//! [`option`] for `Option<Timestamp>` fields (JSON `null` when absent).

use crate::time::Timestamp;

const MS_PER_DAY: i64 = 86_400_000;

/// Go's zero time, which BitWrk 0.7 writes for a time that was never set.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// A time as read from a document: signed milliseconds since
/// 1970-01-01T00:00:00Z, for any instant of the years 0000–9999
/// (BW-TIME-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(i64);

impl UtcTime {
    /// 0000-01-01T00:00:00Z, the earliest readable time.
    pub const MIN: UtcTime = UtcTime(-62_167_219_200_000);
    /// 9999-12-31T23:59:59.999Z, the latest readable and writable time.
    pub const MAX: UtcTime = UtcTime(253_402_300_799_999);
    /// Go's zero time, 0001-01-01T00:00:00Z.
    pub const GO_ZERO: UtcTime = UtcTime(-62_135_596_800_000);

    /// The time `millis` milliseconds after (negative: before) the Unix
    /// epoch, if it lies in the years 0000–9999.
    pub fn from_millis(millis: i64) -> Option<UtcTime> {
        (Self::MIN.0..=Self::MAX.0)
            .contains(&millis)
            .then_some(UtcTime(millis))
    }

    /// Milliseconds since the Unix epoch (negative before it).
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The core timestamp of this time, if it is not before 1970.
    pub fn to_timestamp(self) -> Option<Timestamp> {
        u64::try_from(self.0).ok().map(Timestamp::from_millis)
    }

    /// Whether this is Go's zero time (a time 0.7 never set).
    pub fn is_go_zero(self) -> bool {
        self == Self::GO_ZERO
    }
}

impl From<Timestamp> for UtcTime {
    /// Timestamps after 9999-12-31T23:59:59.999Z become that instant
    /// (BW-TIME-3).
    fn from(t: Timestamp) -> UtcTime {
        UtcTime(i64::try_from(t.as_millis()).map_or(Self::MAX.0, |ms| ms.min(Self::MAX.0)))
    }
}

/// Days since 1970-01-01 (negative before) → (year, month 1–12, day 1–31),
/// proleptic Gregorian, for days of the years 0000–9999.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Shift the epoch to 0000-03-01 so that leap days end each 400-year era;
    // for the years 0000–9999 `z` is ≥ −60 and `era` is ≥ −1 after flooring.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year 0–9999, month, day) → days since 1970-01-01 (negative before), if
/// the date exists.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(0..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_len = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > month_len[(month - 1) as usize] {
        return None;
    }
    // January and February count as months 11 and 12 of the year before,
    // which for the year 0000 is the year −1 (era −1).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Formats `t` as RFC 3339 UTC with trailing fraction zeros removed
/// (BW-TIME-3).
pub fn format(t: Timestamp) -> String {
    format_utc(UtcTime::from(t))
}

/// Formats any readable time as RFC 3339 UTC with trailing fraction zeros
/// removed (BW-TIME-3).
pub fn format_utc(t: UtcTime) -> String {
    let ms = t.as_millis();
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (h, m, s, frac) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    let mut out = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}");
    if frac != 0 {
        let digits = format!("{frac:03}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` of the years
/// 0000–9999 (BW-TIME-4).
pub fn parse_utc(s: &str) -> Option<UtcTime> {
    let rest = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
    let (date, time) = rest.split_once('T')?;
    let (clock, fraction) = match time.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (time, None),
    };
    let mut d = date.split('-');
    let (year, month, day) = (d.next()?, d.next()?, d.next()?);
    let mut c = clock.split(':');
    let (hour, minute, second) = (c.next()?, c.next()?, c.next()?);
    if d.next().is_some() || c.next().is_some() || year.len() != 4 {
        return None;
    }
    if [month, day, hour, minute, second]
        .iter()
        .any(|p| p.len() != 2)
    {
        return None;
    }
    let days = days_from_civil(digits(year)?, digits(month)?, digits(day)?)?;
    let (hour, minute, second) = (digits(hour)?, digits(minute)?, digits(second)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut millis = 0;
    if let Some(f) = fraction {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut place = 100;
        for b in f.bytes().take(3) {
            millis += place * i64::from(b - b'0');
            place /= 10;
        }
    }
    // In range by construction: |days| < 3·10⁶, so no overflow.
    UtcTime::from_millis(days * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis)
}

/// Parses an RFC 3339 time into a core [`Timestamp`]; times before 1970 are
/// refused (BW-TIME-4).
pub fn parse(s: &str) -> Option<Timestamp> {
    parse_utc(s)?.to_timestamp()
}

/// Serde adapter: a [`Timestamp`] as an RFC 3339 string.
pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*t))
}

/// Serde adapter: an RFC 3339 string as a [`Timestamp`].
pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    parse(&text)
        .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 UTC time from 1970 to 9999"))
}

/// Reads an optional time: `None` for JSON `null` and for Go's zero time
/// (BW-TIME-5).
fn deserialize_optional<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Timestamp>, D::Error> {
    let text = <Option<String> as serde::Deserialize>::deserialize(d)?;
    let Some(text) = text else { return Ok(None) };
    match parse_utc(&text) {
        Some(t) if t.is_go_zero() => Ok(None),
        Some(t) => t.to_timestamp().map(Some).ok_or_else(|| {
            serde::de::Error::custom(
                "expected an RFC 3339 UTC time from 1970 to 9999, or Go's zero time",
            )
        }),
        None => Err(serde::de::Error::custom("expected an RFC 3339 UTC time")),
    }
}

/// Serde adapter for `Option<Timestamp>`: `null` or an RFC 3339 string;
/// reads Go's zero time as `None` too (BW-TIME-5).
pub mod option {
    use crate::time::Timestamp;

    /// Writes `null` or the RFC 3339 text.
    pub fn serialize<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::format(*t)),
            None => s.serialize_none(),
        }
    }

    /// Reads `null`, Go's zero time (both `None`) or the RFC 3339 text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        super::deserialize_optional(d)
    }
}

/// Serde adapter for `Option<Timestamp>` in the shape of 0.7's non-pointer
/// time fields (such as an account's `LastDepositInfo`): "not set" is
/// written as Go's zero time; `null` and the zero time read as `None`
/// (BW-TIME-5).
pub mod zero_time {
    use crate::time::Timestamp;

    /// Writes Go's zero time or the RFC 3339 text.
    pub fn serialize<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&super::format(*t)),
            None => s.serialize_str(super::GO_ZERO_TIME),
        }
    }

    /// Reads `null`, Go's zero time (both `None`) or the RFC 3339 text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        super::deserialize_optional(d)
    }
}

/// Serde adapter for [`UtcTime`]: any time of the years 0000–9999.
pub mod utc {
    use super::UtcTime;

    /// Writes the RFC 3339 text.
    pub fn serialize<S: serde::Serializer>(t: &UtcTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_utc(*t))
    }

    /// Reads the RFC 3339 text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<UtcTime, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        super::parse_utc(&text).ok_or_else(|| {
            serde::de::Error::custom("expected an RFC 3339 UTC time of the years 0000 to 9999")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        // BW-TIME-1: milliseconds since 1970, UTC.
        assert_eq!(
            format(Timestamp::from_millis(86_400_000)),
            "1970-01-02T00:00:00Z"
        );
        // BW-TIME-3: whole seconds without a fraction; at most three digits.
        assert_eq!(format(Timestamp::EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            format(Timestamp::from_millis(1_571_488_496_500)),
            "2019-10-19T12:34:56.5Z"
        );
        assert_eq!(
            format(Timestamp::from_millis(1_571_488_496_120)),
            "2019-10-19T12:34:56.12Z"
        );
        assert_eq!(
            format(Timestamp::from_millis(1_571_488_496_007)),
            "2019-10-19T12:34:56.007Z"
        );
        // BW-TIME-4: extra fraction digits are cut towards the past.
        assert_eq!(
            parse("2019-10-19T12:34:56.123456Z"),
            Some(Timestamp::from_millis(1_571_488_496_123))
        );
        assert_eq!(
            parse("2000-02-29T00:00:00+00:00"),
            Some(Timestamp::from_secs(951_782_400))
        );
        assert_eq!(parse("2001-02-29T00:00:00Z"), None);
        assert_eq!(parse("2019-10-19 12:34:56Z"), None);
        assert_eq!(parse("2019-10-19T24:00:00Z"), None);
        assert_eq!(parse("2019-10-19T12:34:56.Z"), None);
        assert_eq!(parse("2019-10-19T12:34:56+01:00"), None);
        assert_eq!(parse("+019-10-19T12:34:56Z"), None);
        // Before 1970: readable as a UtcTime, not as a core Timestamp.
        assert_eq!(parse("1969-12-31T23:59:59Z"), None);
        assert_eq!(
            parse_utc("1969-12-31T23:59:59.999Z").map(UtcTime::as_millis),
            Some(-1)
        );
    }

    /// Issue 7, panic 2: a January or February date of the year 0000 made
    /// `days_from_civil` subtract below zero (BW-TIME-4).
    #[test]
    fn year_zero_january_and_february_parse() {
        assert_eq!(parse_utc("0000-01-01T00:00:00Z"), Some(UtcTime::MIN));
        let leap_day = parse_utc("0000-02-29T00:00:00+00:00").expect("0000 is a leap year");
        assert_eq!(
            leap_day.as_millis(),
            UtcTime::MIN.as_millis() + 59 * 86_400_000
        );
        assert_eq!(format_utc(leap_day), "0000-02-29T00:00:00Z");
        assert_eq!(parse("0000-02-29T00:00:00+00:00"), None);
        for text in [
            "0000-01-31T23:59:59.999Z",
            "0000-03-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let t = parse_utc(text).expect(text);
            assert_eq!(format_utc(t), text);
        }
        // The JSON path that found it: a bid whose `Created` is in year 0000
        // is refused as a decoding error, not a panic.
        let json = r#""0000-02-29T00:00:00+00:00""#;
        let mut de = serde_json::Deserializer::from_str(json);
        assert!(deserialize(&mut de).is_err());
    }

    /// BW-TIME-5: 0.7's never-set times.
    #[test]
    fn go_zero_time_is_not_set() {
        assert_eq!(parse_utc(GO_ZERO_TIME), Some(UtcTime::GO_ZERO));
        assert!(UtcTime::GO_ZERO.is_go_zero());
        assert_eq!(format_utc(UtcTime::GO_ZERO), GO_ZERO_TIME);
        let read = |json: &str| {
            let mut de = serde_json::Deserializer::from_str(json);
            option::deserialize(&mut de).map_err(|e| e.to_string())
        };
        assert_eq!(read("null"), Ok(None));
        assert_eq!(read(r#""0001-01-01T00:00:00Z""#), Ok(None));
        assert_eq!(read(r#""0001-01-01T00:00:00+00:00""#), Ok(None));
        assert_eq!(
            read(r#""1970-01-01T00:00:01Z""#),
            Ok(Some(Timestamp::from_secs(1)))
        );
        assert!(read(r#""0001-01-01T00:00:00.001Z""#).is_err());
        assert!(read("17").is_err());
        let write = |t: Option<Timestamp>| {
            let mut out = Vec::new();
            zero_time::serialize(&t, &mut serde_json::Serializer::new(&mut out)).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(write(None), r#""0001-01-01T00:00:00Z""#);
        assert_eq!(
            write(Some(Timestamp::from_secs(1))),
            r#""1970-01-01T00:00:01Z""#
        );
    }

    /// BW-TIME-3: times past the year 9999 are written as its last instant.
    #[test]
    fn late_timestamps_clamp_when_written() {
        assert_eq!(
            UtcTime::from(Timestamp::from_millis(253_402_300_799_999)),
            UtcTime::MAX
        );
        assert_eq!(
            format(Timestamp::from_millis(u64::MAX)),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(UtcTime::from_millis(UtcTime::MAX.as_millis() + 1), None);
        assert_eq!(UtcTime::from_millis(UtcTime::MIN.as_millis() - 1), None);
        assert_eq!(parse_utc("9999-12-31T23:59:59.9999Z"), Some(UtcTime::MAX));
    }

    proptest! {
        #[test]
        fn round_trip(ms in 0u64..253_402_300_800_000) {
            let t = Timestamp::from_millis(ms);
            prop_assert_eq!(parse(&format(t)), Some(t));
        }

        /// BW-TIME-4: every instant of the years 0000–9999 round-trips.
        #[test]
        fn signed_round_trip(ms in UtcTime::MIN.as_millis()..=UtcTime::MAX.as_millis()) {
            let t = UtcTime::from_millis(ms).unwrap();
            prop_assert_eq!(parse_utc(&format_utc(t)), Some(t));
        }

        /// Parsing arbitrary text never panics.
        #[test]
        fn parse_never_panics(s in "[0-9T:.Z+-]{0,32}") {
            let _ = parse_utc(&s);
        }
    }
}

//! RFC 3339 text for [`Timestamp`]s in JSON documents.
//!
//! BitWrk 0.7 writes times in bid and transaction JSON as RFC 3339 in UTC,
//! with the fraction of a second cut at its last non-zero digit
//! (`2019-10-19T12:34:56.5Z`, or `2019-10-19T12:34:56Z` for whole seconds).
//! [`Timestamp`] has millisecond resolution, so at most three fraction digits
//! are written. Parsing accepts `Z` or `+00:00` and any number of fraction
//! digits; digits beyond the millisecond are dropped (rounded towards the
//! past). Years before 1970 and after 9999 are not representable.
//!
//! Use the module with `#[serde(with = "crate::rfc3339")]`, or
//! [`option`] for `Option<Timestamp>` fields (JSON `null` when absent).

use crate::time::Timestamp;

const MS_PER_DAY: u64 = 86_400_000;

/// Days since 1970-01-01 → (year, month 1–12, day 1–31), proleptic Gregorian.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days end each 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// (year ≥ 1970, month, day) → days since 1970-01-01, if the date exists.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
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
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// Formats `t` as RFC 3339 UTC with trailing fraction zeros removed.
pub fn format(t: Timestamp) -> String {
    let ms = t.as_millis();
    let (year, month, day) = civil_from_days(ms / MS_PER_DAY);
    let in_day = ms % MS_PER_DAY;
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

fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)`.
pub fn parse(s: &str) -> Option<Timestamp> {
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
        digits(f)?;
        let mut place = 100;
        for b in f.bytes().take(3) {
            millis += place * u64::from(b - b'0');
            place /= 10;
        }
    }
    let ms = days
        .checked_mul(MS_PER_DAY)?
        .checked_add(((hour * 60 + minute) * 60 + second) * 1000 + millis)?;
    Some(Timestamp::from_millis(ms))
}

/// Serde adapter: a [`Timestamp`] as an RFC 3339 string.
pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*t))
}

/// Serde adapter: an RFC 3339 string as a [`Timestamp`].
pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    parse(&text).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 UTC time"))
}

/// Serde adapter for `Option<Timestamp>`: `null` or an RFC 3339 string.
pub mod option {
    use crate::time::Timestamp;

    /// Writes `null` or the RFC 3339 text.
    pub fn serialize<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::format(*t)),
            None => s.serialize_none(),
        }
    }

    /// Reads `null` or the RFC 3339 text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        let text = <Option<String> as serde::Deserialize>::deserialize(d)?;
        text.map(|t| {
            super::parse(&t)
                .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 UTC time"))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(format(Timestamp::EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            format(Timestamp::from_millis(1_571_488_496_500)),
            "2019-10-19T12:34:56.5Z"
        );
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
        assert_eq!(parse("1969-12-31T23:59:59Z"), None);
    }

    proptest! {
        #[test]
        fn round_trip(ms in 0u64..253_402_300_800_000) {
            let t = Timestamp::from_millis(ms);
            prop_assert_eq!(parse(&format(t)), Some(t));
        }
    }
}

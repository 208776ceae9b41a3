//! Price history, `/query/prices` (BW-JSON-12 … BW-JSON-15).
//!
//! The driver parses the query ([`PriceQuery::parse`]), fetches the trades
//! of the article in the query's currency matched in `(begin, end]` — one
//! by one, or grouped into stored totals ([`PriceAggregate`]) — and hands
//! them to [`aggregate_prices`] or [`aggregate_parts`]; the result is written as JSON
//! ([`super::to_go_json`]) or as flot text ([`flot`]). Nothing here reads a
//! clock: `now` is a parameter.

use core::fmt;
use core::time::Duration;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::article::{Article, ArticleError, ArticlePolicy};
use crate::error::ErrorCode;
use crate::money::{Currency, Money, Unit};
use crate::time::Timestamp;

/// The most slots one query may ask for (BW-JSON-13).
pub const MAX_SLOTS: u64 = 10_000;

/// The unit of a query that names none.
pub const DEFAULT_UNIT: &str = "mBTC";

const DAY: u64 = 86_400;

/// A slot length: the names of BitWrk 0.7 (BW-JSON-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resolution {
    /// `1y`: 378 days (9 × 42).
    Year,
    /// `6w`: 42 days.
    SixWeeks,
    /// `1w`.
    Week,
    /// `1d`.
    Day,
    /// `6h`.
    SixHours,
    /// `1h`.
    Hour,
    /// `12m`.
    TwelveMinutes,
    /// `3m`.
    ThreeMinutes,
    /// `30s`.
    ThirtySeconds,
    /// `6s`.
    SixSeconds,
    /// `1s`.
    Second,
}

impl Resolution {
    /// Every resolution, coarsest first.
    pub const ALL: [Resolution; 11] = [
        Resolution::Year,
        Resolution::SixWeeks,
        Resolution::Week,
        Resolution::Day,
        Resolution::SixHours,
        Resolution::Hour,
        Resolution::TwelveMinutes,
        Resolution::ThreeMinutes,
        Resolution::ThirtySeconds,
        Resolution::SixSeconds,
        Resolution::Second,
    ];

    /// The name (`1y` … `1s`).
    pub const fn name(self) -> &'static str {
        match self {
            Resolution::Year => "1y",
            Resolution::SixWeeks => "6w",
            Resolution::Week => "1w",
            Resolution::Day => "1d",
            Resolution::SixHours => "6h",
            Resolution::Hour => "1h",
            Resolution::TwelveMinutes => "12m",
            Resolution::ThreeMinutes => "3m",
            Resolution::ThirtySeconds => "30s",
            Resolution::SixSeconds => "6s",
            Resolution::Second => "1s",
        }
    }

    /// The length in seconds.
    pub const fn seconds(self) -> u64 {
        match self {
            Resolution::Year => 378 * DAY,
            Resolution::SixWeeks => 42 * DAY,
            Resolution::Week => 7 * DAY,
            Resolution::Day => DAY,
            Resolution::SixHours => 6 * 3600,
            Resolution::Hour => 3600,
            Resolution::TwelveMinutes => 12 * 60,
            Resolution::ThreeMinutes => 3 * 60,
            Resolution::ThirtySeconds => 30,
            Resolution::SixSeconds => 6,
            Resolution::Second => 1,
        }
    }

    /// The length.
    pub const fn duration(self) -> Duration {
        Duration::from_secs(self.seconds())
    }

    /// The resolution with this exact name.
    pub fn parse(name: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The length in milliseconds.
    pub const fn millis(self) -> u64 {
        self.seconds() * 1000
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a price query or aggregation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PriceError {
    /// A query field was given more than once.
    DuplicateField {
        /// The field.
        field: &'static str,
    },
    /// No `article` field.
    MissingArticle,
    /// The article is malformed or not traded (`article.*`).
    Article(ArticleError),
    /// `period` is not a resolution name.
    UnknownPeriod {
        /// What arrived.
        found: String,
    },
    /// `resolution` is not a resolution name.
    UnknownResolution {
        /// What arrived.
        found: String,
    },
    /// `begin` is not an RFC 3339 UTC time.
    BadBegin {
        /// What arrived.
        found: String,
    },
    /// `unit` is not a money unit symbol.
    UnknownUnit {
        /// What arrived.
        found: String,
    },
    /// `format` is neither absent, empty, `json` nor `flot`.
    UnknownFormat {
        /// What arrived.
        found: String,
    },
    /// The period holds more than [`MAX_SLOTS`] slots of the resolution.
    TooManySlots {
        /// The period asked for.
        period: Resolution,
        /// The resolution asked for.
        resolution: Resolution,
    },
    /// A trade's price is in another currency than the query's.
    CurrencyMismatch {
        /// The query's currency.
        expected: Currency,
        /// The trade's.
        found: Currency,
    },
    /// A slot's sum does not fit the money range.
    Overflow,
}

impl PriceError {
    /// The codes of this module's own variants.
    pub const CODES: &'static [&'static str] = &[
        "prices.duplicate-field",
        "prices.missing-article",
        "prices.unknown-period",
        "prices.unknown-resolution",
        "prices.bad-begin",
        "prices.unknown-unit",
        "prices.unknown-format",
        "prices.too-many-slots",
        "prices.currency-mismatch",
        "prices.overflow",
    ];
}

impl ErrorCode for PriceError {
    fn code(&self) -> &'static str {
        match self {
            PriceError::DuplicateField { .. } => Self::CODES[0],
            PriceError::MissingArticle => Self::CODES[1],
            PriceError::Article(e) => e.code(),
            PriceError::UnknownPeriod { .. } => Self::CODES[2],
            PriceError::UnknownResolution { .. } => Self::CODES[3],
            PriceError::BadBegin { .. } => Self::CODES[4],
            PriceError::UnknownUnit { .. } => Self::CODES[5],
            PriceError::UnknownFormat { .. } => Self::CODES[6],
            PriceError::TooManySlots { .. } => Self::CODES[7],
            PriceError::CurrencyMismatch { .. } => Self::CODES[8],
            PriceError::Overflow => Self::CODES[9],
        }
    }
}

impl fmt::Display for PriceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PriceError::DuplicateField { field } => {
                write!(f, "query field {field:?} given more than once")
            }
            PriceError::MissingArticle => f.write_str("query field \"article\" is missing"),
            PriceError::Article(e) => e.fmt(f),
            PriceError::UnknownPeriod { found } => {
                write!(
                    f,
                    "period must be a resolution name (1y … 1s), found {found:?}"
                )
            }
            PriceError::UnknownResolution { found } => write!(
                f,
                "resolution must be a resolution name (1y … 1s), found {found:?}"
            ),
            PriceError::BadBegin { found } => {
                write!(f, "begin must be an RFC 3339 UTC time, found {found:?}")
            }
            PriceError::UnknownUnit { found } => {
                write!(f, "unit must be a money unit symbol, found {found:?}")
            }
            PriceError::UnknownFormat { found } => {
                write!(f, "format must be json or flot, found {found:?}")
            }
            PriceError::TooManySlots { period, resolution } => write!(
                f,
                "period {period} holds more than {MAX_SLOTS} slots of {resolution}"
            ),
            PriceError::CurrencyMismatch { expected, found } => {
                write!(f, "expected a trade in {expected}, found one in {found}")
            }
            PriceError::Overflow => f.write_str("sum of prices out of the money range"),
        }
    }
}

impl std::error::Error for PriceError {}

/// The output format of `/query/prices`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceFormat {
    /// A JSON array of [`PriceSlot`]s.
    Json,
    /// The flot text ([`flot`]).
    Flot,
}

/// A parsed `/query/prices` request (BW-JSON-13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceQuery {
    /// The article.
    pub article: Article,
    /// Start of the first slot (exclusive).
    pub begin: Timestamp,
    /// End of the last slot (inclusive): `begin + period`.
    pub end: Timestamp,
    /// The slot length.
    pub resolution: Resolution,
    /// The unit of the flot output; its currency is the query's.
    pub unit: &'static Unit,
    /// The output format.
    pub format: PriceFormat,
}

impl PriceQuery {
    /// Parses the query fields (query string and body merged) at `now`:
    /// `article` (required, checked against `policy`), `period` (default
    /// `1d`), `resolution` (default `3m`), `begin` (default `now − period`),
    /// `unit` (default `mBTC`), `format` (`flot`, or JSON if absent, empty or
    /// `json`). Other fields are ignored. Checks in that order.
    pub fn parse(
        fields: &[(String, String)],
        now: Timestamp,
        policy: &ArticlePolicy,
    ) -> Result<PriceQuery, PriceError> {
        let get = |name: &'static str| -> Result<Option<&str>, PriceError> {
            let mut it = fields.iter().filter(|(k, _)| k == name);
            let first = it.next().map(|(_, v)| v.as_str());
            if it.next().is_some() {
                return Err(PriceError::DuplicateField { field: name });
            }
            Ok(first)
        };
        let article = get("article")?.ok_or(PriceError::MissingArticle)?;
        let article = Article::parse_traded(article, policy).map_err(PriceError::Article)?;
        let named =
            |name: &'static str, default: Resolution, err: fn(String) -> PriceError| match get(
                name,
            )? {
                None => Ok(default),
                Some(s) => Resolution::parse(s).ok_or_else(|| err(s.to_owned())),
            };
        let period = named("period", Resolution::Day, |found| {
            PriceError::UnknownPeriod { found }
        })?;
        let resolution = named("resolution", Resolution::ThreeMinutes, |found| {
            PriceError::UnknownResolution { found }
        })?;
        let begin = match get("begin")? {
            None => Timestamp::from_millis(now.as_millis().saturating_sub(period.millis())),
            Some(s) => crate::rfc3339::parse(s).ok_or_else(|| PriceError::BadBegin {
                found: s.to_owned(),
            })?,
        };
        let unit = match get("unit")? {
            None => Unit::from_symbol(DEFAULT_UNIT).ok_or_else(|| PriceError::UnknownUnit {
                found: DEFAULT_UNIT.to_owned(),
            })?,
            Some(s) => Unit::from_symbol(s).ok_or_else(|| PriceError::UnknownUnit {
                found: s.to_owned(),
            })?,
        };
        let format = match get("format")? {
            None | Some("") | Some("json") => PriceFormat::Json,
            Some("flot") => PriceFormat::Flot,
            Some(other) => {
                return Err(PriceError::UnknownFormat {
                    found: other.to_owned(),
                });
            }
        };
        if period.seconds() / resolution.seconds() > MAX_SLOTS {
            return Err(PriceError::TooManySlots { period, resolution });
        }
        Ok(PriceQuery {
            article,
            begin,
            end: begin.saturating_add(period.duration()),
            resolution,
            unit,
            format,
        })
    }

    /// The currency of the query (the unit's).
    pub fn currency(&self) -> Currency {
        self.unit.currency
    }

    /// Aggregates parts (groups of trades, see [`aggregate_parts`]) for
    /// this query.
    pub fn aggregate_parts(
        &self,
        parts: impl IntoIterator<Item = (Timestamp, PriceAggregate)>,
    ) -> Result<Vec<PriceSlot>, PriceError> {
        aggregate_parts(
            parts,
            self.begin,
            self.end,
            self.resolution,
            self.currency(),
        )
    }

    /// Aggregates `trades` (match time, price) for this query.
    pub fn aggregate(
        &self,
        trades: impl IntoIterator<Item = (Timestamp, Money)>,
    ) -> Result<Vec<PriceSlot>, PriceError> {
        aggregate_prices(
            trades,
            self.begin,
            self.end,
            self.resolution,
            self.currency(),
        )
    }

    /// The response body: JSON (Go's form, BW-JSON-1) or flot text.
    pub fn render(&self, slots: &[PriceSlot]) -> Result<String, PriceError> {
        match self.format {
            PriceFormat::Json => Ok(super::to_go_json(slots)),
            PriceFormat::Flot => flot(slots, self.unit),
        }
    }
}

/// One slot of the price history: the trades matched in `(begin, end]`
/// (BW-JSON-14). JSON members are lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSlot {
    /// Start (exclusive).
    #[serde(with = "crate::rfc3339")]
    pub begin: Timestamp,
    /// End (inclusive).
    #[serde(with = "crate::rfc3339")]
    pub end: Timestamp,
    /// Sum of the prices.
    pub sum: Money,
    /// Lowest price.
    pub min: Money,
    /// Highest price.
    pub max: Money,
    /// Number of trades (at least 1: empty slots are left out).
    pub count: u64,
}

/// The totals of a group of trades (one trade, or every trade of a stored
/// time slot): what a [`PriceSlot`] is made of. Prices are never negative
/// (a bid's negative price is refused, `bid.negative-price`), so a sum
/// beyond the money range stays beyond it however the trades are grouped;
/// `sum` is `None` once that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceAggregate {
    /// Sum of the prices; `None` if it left the money range.
    pub sum: Option<Money>,
    /// Lowest price.
    pub min: Money,
    /// Highest price.
    pub max: Money,
    /// Number of trades (at least 1).
    pub count: u64,
}

impl PriceAggregate {
    /// The totals of one trade at `price`.
    pub const fn of(price: Money) -> PriceAggregate {
        PriceAggregate {
            sum: Some(price),
            min: price,
            max: price,
            count: 1,
        }
    }

    /// The totals of both groups (same currency; the caller checks). The
    /// earlier minimum or maximum is kept on a tie.
    pub fn merge(self, other: PriceAggregate) -> PriceAggregate {
        PriceAggregate {
            sum: match (self.sum, other.sum) {
                (Some(a), Some(b)) => a.checked_add(b).ok(),
                _ => None,
            },
            min: if other.min.amount() < self.min.amount() {
                other.min
            } else {
                self.min
            },
            max: if other.max.amount() > self.max.amount() {
                other.max
            } else {
                self.max
            },
            count: self.count.saturating_add(other.count),
        }
    }
}

/// Groups trades into slots of `resolution` starting at `begin`: slot `k`
/// is `(begin + k·r, begin + (k+1)·r]`, the last one ending at or after
/// `end`. Trades at or before `begin` or after `end` are ignored; empty
/// slots are left out; slots come in time order (BW-JSON-14). The trades
/// need not be sorted.
pub fn aggregate_prices(
    trades: impl IntoIterator<Item = (Timestamp, Money)>,
    begin: Timestamp,
    end: Timestamp,
    resolution: Resolution,
    currency: Currency,
) -> Result<Vec<PriceSlot>, PriceError> {
    aggregate_parts(
        trades
            .into_iter()
            .map(|(at, price)| (at, PriceAggregate::of(price))),
        begin,
        end,
        resolution,
        currency,
    )
}

/// [`aggregate_prices`] for groups of trades: each part counts entirely in
/// the slot its time falls in. A part standing for the trades of a time
/// range gives the same slots as those trades when the range lies inside
/// one slot and inside `(begin, end]` and the part's time is in the range.
pub fn aggregate_parts(
    parts: impl IntoIterator<Item = (Timestamp, PriceAggregate)>,
    begin: Timestamp,
    end: Timestamp,
    resolution: Resolution,
    currency: Currency,
) -> Result<Vec<PriceSlot>, PriceError> {
    let r = resolution.millis();
    let mut slots: BTreeMap<u64, PriceAggregate> = BTreeMap::new();
    for (at, part) in parts {
        let found = part.min.currency();
        if found != currency || part.sum.is_some_and(|s| s.currency() != currency) {
            return Err(PriceError::CurrencyMismatch {
                expected: currency,
                found,
            });
        }
        if at <= begin || at > end {
            continue;
        }
        let k = (at.as_millis() - begin.as_millis() - 1) / r;
        let merged = match slots.get(&k) {
            Some(slot) => slot.merge(part),
            None => part,
        };
        slots.insert(k, merged);
    }
    slots
        .into_iter()
        .map(|(k, part)| {
            let slot_begin = Timestamp::from_millis(begin.as_millis() + k * r);
            Ok(PriceSlot {
                begin: slot_begin,
                end: Timestamp::from_millis(slot_begin.as_millis().saturating_add(r)),
                sum: part.sum.ok_or(PriceError::Overflow)?,
                min: part.min,
                max: part.max,
                count: part.count,
            })
        })
        .collect()
}

/// The flot text of the slots (BW-JSON-15): `[`, then per slot a line
/// `<sep>[<begin ms>, <avg>], [<end ms>, <avg>]` (sep a space for the first
/// slot, `,` after), a line `, null` before a slot that does not start where
/// the previous one ended, and `]`. avg = ⌊sum / count⌋ written in `unit`
/// without the symbol. The text is valid JSON.
pub fn flot(slots: &[PriceSlot], unit: &Unit) -> Result<String, PriceError> {
    let mut out = String::from("[");
    let mut previous_end: Option<Timestamp> = None;
    for slot in slots {
        if slot.sum.currency() != unit.currency {
            return Err(PriceError::CurrencyMismatch {
                expected: unit.currency,
                found: slot.sum.currency(),
            });
        }
        let count = i64::try_from(slot.count.max(1)).map_err(|_| PriceError::Overflow)?;
        let avg = Money::new(slot.sum.amount().div_euclid(count), unit.currency);
        let avg = avg
            .format_in(unit, false)
            .map_err(|_| PriceError::Overflow)?;
        let sep = match previous_end {
            None => " ",
            Some(end) if end == slot.begin => ",",
            Some(_) => {
                out.push_str(", null\n");
                ","
            }
        };
        out.push_str(&format!(
            "{sep}[{}, {avg}], [{}, {avg}]\n",
            slot.begin.as_millis(),
            slot.end.as_millis()
        ));
        previous_end = Some(slot.end);
    }
    out.push(']');
    Ok(out)
}

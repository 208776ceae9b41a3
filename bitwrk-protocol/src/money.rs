//! Monetary amounts (spec section 6).
//!
//! An amount is a signed 64-bit integer count of the currency's smallest
//! unit (satoshi for BTC, 10⁻⁹ for the fiat currencies). The text form puts
//! the unit first — `mBTC 1.5`, `BTC0.1`, `satoshi-1`, `€ 1` — exactly as
//! BitWrk 0.7 parses and prints it; all arithmetic here is checked.

use core::fmt;
use core::str::FromStr;

use crate::error::error_codes;

/// A currency. The discriminants are BitWrk 0.7's persisted integer values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Currency {
    /// Bitcoin; smallest unit 1 satoshi = 10⁻⁸ BTC.
    Btc = 0,
    /// Euro; smallest unit 10⁻⁹ EUR.
    Eur = 1,
    /// US dollar; smallest unit 10⁻⁹ USD.
    Usd = 2,
    /// Brazilian real; smallest unit 10⁻⁹ BRL.
    Brl = 3,
    /// Pound sterling; smallest unit 10⁻⁹ GBP.
    Gbp = 4,
}

impl Currency {
    /// Every currency in discriminant order.
    pub const ALL: [Currency; 5] = [
        Currency::Btc,
        Currency::Eur,
        Currency::Usd,
        Currency::Brl,
        Currency::Gbp,
    ];

    /// The currency code, e.g. `BTC`.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Btc => "BTC",
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
            Currency::Brl => "BRL",
            Currency::Gbp => "GBP",
        }
    }

    /// This currency's units, in table order (BW-MONEY-1).
    pub fn units(self) -> impl Iterator<Item = &'static Unit> {
        UNITS.iter().filter(move |u| u.currency == self)
    }

    /// The first unit of the currency, used to print zero (BW-MONEY-7).
    pub fn default_unit(self) -> &'static Unit {
        self.units().next().expect("every currency has a unit")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, MoneyError> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| MoneyError::UnknownCurrency {
                currency: s.to_owned(),
            })
    }
}

/// A monetary unit: a symbol and its value in the currency's smallest unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Unit {
    /// The symbol as written before the amount.
    pub symbol: &'static str,
    /// The currency.
    pub currency: Currency,
    /// Value of one unit in the currency's smallest unit (a power of ten).
    pub factor: i64,
    /// Whether formatting may choose this unit.
    pub selectable: bool,
}

const FIAT: i64 = 1_000_000_000;

/// The unit table (BW-MONEY-1). Order matters for formatting.
pub const UNITS: [Unit; 12] = [
    Unit {
        symbol: "BTC",
        currency: Currency::Btc,
        factor: 100_000_000,
        selectable: true,
    },
    Unit {
        symbol: "mBTC",
        currency: Currency::Btc,
        factor: 100_000,
        selectable: true,
    },
    Unit {
        symbol: "uBTC",
        currency: Currency::Btc,
        factor: 100,
        selectable: true,
    },
    Unit {
        symbol: "satoshi",
        currency: Currency::Btc,
        factor: 1,
        selectable: false,
    },
    Unit {
        symbol: "EUR",
        currency: Currency::Eur,
        factor: FIAT,
        selectable: true,
    },
    Unit {
        symbol: "€",
        currency: Currency::Eur,
        factor: FIAT,
        selectable: false,
    },
    Unit {
        symbol: "USD",
        currency: Currency::Usd,
        factor: FIAT,
        selectable: true,
    },
    Unit {
        symbol: "$",
        currency: Currency::Usd,
        factor: FIAT,
        selectable: false,
    },
    Unit {
        symbol: "BRL",
        currency: Currency::Brl,
        factor: FIAT,
        selectable: true,
    },
    Unit {
        symbol: "R$",
        currency: Currency::Brl,
        factor: FIAT,
        selectable: false,
    },
    Unit {
        symbol: "GBP",
        currency: Currency::Gbp,
        factor: FIAT,
        selectable: true,
    },
    Unit {
        symbol: "£",
        currency: Currency::Gbp,
        factor: FIAT,
        selectable: false,
    },
];

impl Unit {
    /// Looks a unit up by its exact, case-sensitive symbol.
    pub fn from_symbol(symbol: &str) -> Option<&'static Unit> {
        UNITS.iter().find(|u| u.symbol == symbol)
    }
}

/// Why an amount was rejected or an operation refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MoneyError {
    /// The text does not have the shape `<symbol>[ ][-]<digits>[.<digits>]`.
    BadSyntax,
    /// The symbol is well-formed but not in the unit table.
    UnknownUnit {
        /// The symbol found.
        symbol: String,
    },
    /// More fraction digits than the unit's factor allows (trailing zeros count).
    TooManyFractionDigits,
    /// So many integral digits that unit factor × 10^digits reaches 10¹⁸
    /// (leading zeros count).
    TooManyIntegralDigits,
    /// A currency code that is not one of BTC, EUR, USD, BRL, GBP.
    UnknownCurrency {
        /// The code found.
        currency: String,
    },
    /// An arithmetic result outside the signed 64-bit range.
    Overflow,
    /// An operation on amounts of two different currencies.
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
}

error_codes!(MoneyError {
    MoneyError::BadSyntax => "money.bad-syntax", ("amount must look like `<unit>[ ][-]<digits>[.<digits>]`, e.g. `mBTC 1.5`");
    MoneyError::UnknownUnit { symbol } => "money.unknown-unit", ("unknown monetary unit {symbol:?}");
    MoneyError::TooManyFractionDigits => "money.too-many-fraction-digits", ("more fraction digits than the unit allows");
    MoneyError::TooManyIntegralDigits => "money.too-many-integral-digits", ("too many integral digits for the unit");
    MoneyError::UnknownCurrency { currency } => "money.unknown-currency", ("unknown currency {currency:?} (expected BTC, EUR, USD, BRL or GBP)");
    MoneyError::Overflow => "money.overflow", ("amount out of the 64-bit range");
    MoneyError::CurrencyMismatch { left, right } => "money.currency-mismatch", ("currencies differ: {left} and {right}");
});

/// An amount of money: an integer count of the currency's smallest unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: i64,
    currency: Currency,
}

/// Parsing stops and rejects once a place value reaches this (BW-MONEY-4).
const PLACE_VALUE_LIMIT: i64 = 1_000_000_000_000_000_000;

fn is_symbol_char(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '€' | '$' | '£')
}

impl Money {
    /// `amount` smallest units of `currency`.
    pub const fn new(amount: i64, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money {
            amount: 0,
            currency,
        }
    }

    /// The amount in smallest units.
    pub const fn amount(&self) -> i64 {
        self.amount
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Parses the unit-first text form (BW-MONEY-2 … BW-MONEY-5).
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        // Grammar: symbol = 1*[A-Za-z€$£], then an optional single space, an
        // optional '-', 1*DIGIT, and optionally '.' 1*DIGIT, then the end.
        let sym_end = s.find(|c: char| !is_symbol_char(c)).unwrap_or(s.len());
        let (symbol, rest) = s.split_at(sym_end);
        if symbol.is_empty() {
            return Err(MoneyError::BadSyntax);
        }
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let (negative, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (integral, fraction) = match rest.split_once('.') {
            Some((i, f)) => (i, f),
            None => (rest, ""),
        };
        let digits_ok = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        if !digits_ok(integral) || (rest.contains('.') && !digits_ok(fraction)) {
            return Err(MoneyError::BadSyntax);
        }
        let unit = Unit::from_symbol(symbol).ok_or_else(|| MoneyError::UnknownUnit {
            symbol: symbol.to_owned(),
        })?;

        // Fraction first, then integral digits, as BitWrk 0.7 does (BW-MONEY-5).
        let mut value: i64 = 0;
        let mut place = unit.factor;
        for d in fraction.bytes() {
            place /= 10;
            if place == 0 {
                return Err(MoneyError::TooManyFractionDigits);
            }
            value += place * i64::from(d - b'0');
        }
        let mut place = unit.factor;
        for d in integral.bytes().rev() {
            value += place * i64::from(d - b'0');
            place *= 10;
            if place >= PLACE_VALUE_LIMIT {
                return Err(MoneyError::TooManyIntegralDigits);
            }
        }
        Ok(Money {
            amount: if negative { -value } else { value },
            currency: unit.currency,
        })
    }

    /// The unit canonical formatting picks (BW-MONEY-7): the currency's first
    /// unit for zero; otherwise the largest selectable unit whose factor is at
    /// most |amount|, or the smallest selectable unit if there is none.
    pub fn canonical_unit(&self) -> &'static Unit {
        let v = self.amount.unsigned_abs();
        if v == 0 {
            return self.currency.default_unit();
        }
        let mut chosen = None;
        for unit in self.currency.units() {
            if unit.selectable {
                chosen = Some(unit);
            }
            if chosen.is_some() && unit.factor.unsigned_abs() <= v {
                break;
            }
        }
        chosen.expect("every currency has a selectable unit")
    }

    /// Formats in `unit`, with or without the symbol (BW-MONEY-6):
    /// `[-]<integer>[.<fraction without trailing zeros>]`.
    pub fn format_in(&self, unit: &Unit, with_symbol: bool) -> Result<String, MoneyError> {
        if unit.currency != self.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: unit.currency,
            });
        }
        let v = self.amount.unsigned_abs();
        let f = unit.factor.unsigned_abs();
        let mut out = String::new();
        if with_symbol {
            out.push_str(unit.symbol);
            out.push(' ');
        }
        if self.amount < 0 {
            out.push('-');
        }
        out.push_str(&(v / f).to_string());
        let mut frac = v % f;
        if frac != 0 {
            out.push('.');
            let mut place = f / 10;
            while place > 0 && frac > 0 {
                let digit = frac / place;
                out.push(char::from(b'0' + digit as u8));
                frac -= digit * place;
                place /= 10;
            }
        }
        Ok(out)
    }

    /// `self + other`, refusing overflow and currency mismatch.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// `self − other`, refusing overflow and currency mismatch.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// `−self`, refusing overflow.
    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        let amount = self.amount.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Money {
    /// The canonical form (BW-MONEY-6, BW-MONEY-7).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = self.canonical_unit();
        f.write_str(&self.format_in(unit, true).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, MoneyError> {
        Money::parse(s)
    }
}

// JSON: a string holding the canonical form (BW-MONEY-8).
crate::text_serde::serde_via_text!(Money);
crate::text_serde::serde_via_text!(Currency);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn code(s: &str) -> &'static str {
        Money::parse(s).unwrap_err().code()
    }

    #[test]
    fn parse_examples() {
        // BW-MONEY-2, BW-MONEY-3
        assert_eq!(Money::parse("satoshi-1"), Ok(Money::new(-1, Currency::Btc)));
        assert_eq!(
            Money::parse("mBTC 1.5"),
            Ok(Money::new(150_000, Currency::Btc))
        );
        assert_eq!(Money::parse("€ 1"), Ok(Money::new(FIAT, Currency::Eur)));
        assert_eq!(
            Money::parse("BTC -23.2549"),
            Ok(Money::new(-2_325_490_000, Currency::Btc))
        );
        assert_eq!(code("1 BTC"), "money.bad-syntax");
        assert_eq!(code("BTC  1"), "money.bad-syntax");
        assert_eq!(code("BTC 1."), "money.bad-syntax");
        assert_eq!(code("btc 1"), "money.unknown-unit");
        assert_eq!(code("satoshi 1.0"), "money.too-many-fraction-digits");
        assert_eq!(code("BTC 1234567890"), "money.too-many-integral-digits");
        assert!(Money::parse("BTC 123456789").is_ok());
        // The fraction is checked before the integral part (BW-MONEY-5).
        assert_eq!(
            code("BTC 1234567890.123456789"),
            "money.too-many-fraction-digits"
        );
    }

    #[test]
    fn canonical_format() {
        // BW-MONEY-6, BW-MONEY-7
        for (amount, cur, text) in [
            (150_000, Currency::Btc, "mBTC 1.5"),
            (4_500, Currency::Btc, "uBTC 45"),
            (1, Currency::Btc, "uBTC 0.01"),
            (-1, Currency::Btc, "uBTC -0.01"),
            (0, Currency::Eur, "EUR 0"),
            (123_456_789, Currency::Btc, "BTC 1.23456789"),
            (i64::MIN, Currency::Btc, "BTC -92233720368.54775808"),
        ] {
            assert_eq!(Money::new(amount, cur).to_string(), text);
        }
    }

    #[test]
    fn json_decoding_keeps_the_error_code() {
        // BW-MONEY-8
        assert_eq!(
            serde_json::from_str::<Money>("\"mBTC 1.5\"").unwrap(),
            Money::new(150_000, Currency::Btc)
        );
        let err = serde_json::from_str::<Money>("\"btc 1\"")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("money.unknown-unit: "), "{err}");
    }

    #[test]
    fn checked_arithmetic() {
        // BW-MONEY-9
        let max = Money::new(i64::MAX, Currency::Btc);
        assert_eq!(
            max.checked_add(Money::new(1, Currency::Btc)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::new(i64::MIN, Currency::Btc).checked_neg(),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::new(1, Currency::Btc)
                .checked_sub(Money::new(1, Currency::Eur))
                .unwrap_err()
                .code(),
            "money.currency-mismatch"
        );
    }
}

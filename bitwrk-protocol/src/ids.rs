//! Identifiers the server assigns to bids, transactions and ledger
//! movements (spec §17).
//!
//! Each is an unsigned 64-bit sequence number (BW-ID-1 … BW-ID-3). Its only
//! text form is the canonical decimal numeral (BW-ID-4): in URL paths, in
//! the `txid` of a transaction message and in JSON, where it is a JSON
//! *string* as in BitWrk 0.7 (whose clients decode these members as strings).
//! Parsing accepts that canonical form and nothing else.

use core::fmt;
use core::str::FromStr;

use crate::error::error_codes;
use crate::text_serde::serde_via_text;

/// A text that is not the canonical decimal form of an identifier
/// (BW-ID-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Empty, a character other than `0–9`, a leading zero, or a value
    /// above 2⁶⁴ − 1.
    BadSyntax {
        /// The text received.
        text: String,
    },
}

error_codes!(IdError {
    IdError::BadSyntax { text } => "id.bad-syntax", ("identifier {text:?} is not a decimal number from 0 to 18446744073709551615 without leading zeros");
});

/// The value of a canonical decimal numeral (BW-ID-4): one or more digits
/// `0–9`, no sign, no white space, no leading zero unless the text is `0`,
/// at most 2⁶⁴ − 1.
pub fn parse_canonical_decimal(text: &str) -> Result<u64, IdError> {
    let bad = || IdError::BadSyntax {
        text: text.to_owned(),
    };
    let bytes = text.as_bytes();
    let digits_only = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit);
    if !digits_only || (bytes.len() > 1 && bytes[0] == b'0') {
        return Err(bad());
    }
    // Only digits remain, so the standard parser fails on overflow alone.
    text.parse().map_err(|_| bad())
}

macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_canonical_decimal(s).map($name)
            }
        }

        serde_via_text!($name, not_a_string: IdError::BadSyntax {
            text: String::from("(a JSON value that is not a string)"),
        });
    };
}

id_newtype!(
    /// Identifies a bid: 0 for the first bid a market admits, then one more
    /// for each further admitted bid (BW-ID-1).
    BidId
);
id_newtype!(
    /// Identifies a transaction: 0 for the first match of a market, then
    /// one more for each further match (BW-ID-2).
    TxId
);
id_newtype!(
    /// The sequence number of an applied ledger movement: 1, 2, 3, … in
    /// order of application (BW-LEDGER-12, BW-ID-3).
    MovementId
);

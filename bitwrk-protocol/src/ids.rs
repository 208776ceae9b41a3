//! Identifiers the server assigns to bids and transactions.
//!
//! On the wire both are opaque strings to clients (BitWrk 0.7 used datastore
//! keys). This implementation uses sequence numbers written in decimal, which
//! survive URL paths and document escaping unchanged.

use core::fmt;
use core::str::FromStr;

macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
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
            type Err = core::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_newtype!(
    /// Identifies a bid.
    BidId
);
id_newtype!(
    /// Identifies a transaction.
    TxId
);

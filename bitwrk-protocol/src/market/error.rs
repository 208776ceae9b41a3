//! Why the market refuses an input ([`MarketError`]): the errors of the
//! parts it ties together, and its own (spec section 15).

use core::fmt;

use crate::address::Address;
use crate::bid::BidError;
use crate::book::BookError;
use crate::deposit_address::DepositAddressError;
use crate::error::ErrorCode;
use crate::ids::TxId;
use crate::ledger::LedgerError;
use crate::ledger::deposit::DepositError;
use crate::money::Currency;
use crate::nonce::NonceError;
use crate::relation::RelationError;
use crate::signature::SignatureError;
use crate::time::Timestamp;
use crate::tx::TxError;

/// Why the market refused an input. A refused input changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MarketError {
    /// Issuing or spending a nonce failed (`nonce.*`).
    Nonce(NonceError),
    /// The bid was refused (`bid.*` and the codes it passes through).
    Bid(BidError),
    /// The order book refused the bid (`book.*`).
    Book(BookError),
    /// The ledger refused a movement (`ledger.*`).
    Ledger(LedgerError),
    /// A signature did not verify (`sig.*`).
    Signature(SignatureError),
    /// The transaction refused the message (`tx.*`).
    Tx(TxError),
    /// The deposit was refused (`deposit.*`).
    Deposit(DepositError),
    /// The relation was refused (`relation.*`).
    Relation(RelationError),
    /// A deposit-address form was refused (`depaddr.*`).
    DepositAddress(DepositAddressError),
    /// No transaction has this id.
    UnknownTransaction {
        /// The id asked for.
        txid: TxId,
    },
    /// A bid request parsed at one time was submitted at another.
    StaleRequest {
        /// When the request was parsed.
        parsed: Timestamp,
        /// When it was submitted.
        now: Timestamp,
    },
    /// A SELL bid or a deposit in a currency the account cannot be credited
    /// in: it holds another currency or is owed another currency by its
    /// open sell bids and active sales (BW-MARKET-7, BW-MARKET-8).
    CurrencyMismatch {
        /// The account.
        account: Address,
        /// The currency the account holds or is owed.
        held: Currency,
        /// The currency of the input.
        found: Currency,
    },
    /// Time went backwards: inputs must come with non-decreasing `now`.
    TimeWentBackwards {
        /// The latest time seen.
        latest: Timestamp,
        /// The time given.
        now: Timestamp,
    },
}

impl MarketError {
    /// The codes of this module's own variants.
    pub const CODES: &'static [&'static str] = &[
        "market.unknown-tx",
        "market.stale-request",
        "market.time-went-backwards",
        "market.currency-mismatch",
    ];

    /// How long after `now` the same request can succeed, for a refusal
    /// that only time lifts: `depaddr.too-soon` (BW-DEPADDR-4 and §14.3's
    /// 24-hour rule) until the next deposit-address request is allowed.
    /// `None` for every other refusal.
    pub fn retry_after(&self, now: Timestamp) -> Option<core::time::Duration> {
        match self {
            MarketError::DepositAddress(DepositAddressError::TooSoon { next }) => {
                Some(next.saturating_since(now))
            }
            _ => None,
        }
    }
}

impl ErrorCode for MarketError {
    fn code(&self) -> &'static str {
        match self {
            MarketError::Nonce(e) => e.code(),
            MarketError::Bid(e) => e.code(),
            MarketError::Book(e) => e.code(),
            MarketError::Ledger(e) => e.code(),
            MarketError::Signature(e) => e.code(),
            MarketError::Tx(e) => e.code(),
            MarketError::Deposit(e) => e.code(),
            MarketError::Relation(e) => e.code(),
            MarketError::DepositAddress(e) => e.code(),
            MarketError::UnknownTransaction { .. } => Self::CODES[0],
            MarketError::StaleRequest { .. } => Self::CODES[1],
            MarketError::TimeWentBackwards { .. } => Self::CODES[2],
            MarketError::CurrencyMismatch { .. } => Self::CODES[3],
        }
    }
}

impl fmt::Display for MarketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarketError::Nonce(e) => e.fmt(f),
            MarketError::Bid(e) => e.fmt(f),
            MarketError::Book(e) => e.fmt(f),
            MarketError::Ledger(e) => e.fmt(f),
            MarketError::Signature(e) => e.fmt(f),
            MarketError::Tx(e) => e.fmt(f),
            MarketError::Deposit(e) => e.fmt(f),
            MarketError::Relation(e) => e.fmt(f),
            MarketError::DepositAddress(e) => e.fmt(f),
            MarketError::UnknownTransaction { txid } => write!(f, "no transaction {txid}"),
            MarketError::StaleRequest { parsed, now } => write!(
                f,
                "bid request parsed at {}ms must be submitted at that time, not at {}ms",
                parsed.as_millis(),
                now.as_millis()
            ),
            MarketError::CurrencyMismatch {
                account,
                held,
                found,
            } => write!(
                f,
                "account {account} holds or is owed {held}, cannot be credited in {found}"
            ),
            MarketError::TimeWentBackwards { latest, now } => write!(
                f,
                "time went backwards: {}ms is before the latest input at {}ms",
                now.as_millis(),
                latest.as_millis()
            ),
        }
    }
}

impl std::error::Error for MarketError {}

macro_rules! from_error {
    ($($variant:ident($ty:ty)),+) => {
        $(impl From<$ty> for MarketError {
            fn from(e: $ty) -> Self {
                MarketError::$variant(e)
            }
        })+
    };
}
from_error!(
    Nonce(NonceError),
    Bid(BidError),
    Book(BookError),
    Ledger(LedgerError),
    Signature(SignatureError),
    Tx(TxError),
    Deposit(DepositError),
    Relation(RelationError),
    DepositAddress(DepositAddressError)
);

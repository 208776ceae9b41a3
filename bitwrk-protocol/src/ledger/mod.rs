//! The escrow ledger (spec section 13) and deposits (spec section 14.1).
//!
//! Every participant has one account holding two non-negative balances in a
//! single currency: `available` (spendable) and `blocked` (held in escrow for
//! open buy bids and active transactions). Money moves only through
//! [`Ledger::apply`], which takes a [`Movement`] of one of the [`MovementType`]s,
//! validates it completely and then either applies all of it or nothing.
//!
//! Each applied movement yields a [`MovementRecord`] with a sequence number
//! and, for every affected account, a link to that account's previous
//! movement, so that the history of an account is a linked list.
//!
//! Conservation (BW-LEDGER-12): for each currency, the sum of all balances
//! plus the fees collected equals the deposits minus the withdrawals.
//! [`Ledger::check_invariants`] verifies this and non-negativity from the
//! state alone.

pub mod deposit;

use std::collections::BTreeMap;

use core::fmt;

use crate::address::Address;
use crate::error::error_codes;
use crate::ids::{BidId, TxId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

pub use deposit::{
    Deposit, DepositError, DepositOutcome, DepositRecord, DepositType, SignedDeposit,
    check_reference, check_uid,
};

/// The kinds of movement (BW-LEDGER-4). The wire names are BitWrk 0.7's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum MovementType {
    /// Money enters an account from outside (`DEPOSIT`).
    #[serde(rename = "DEPOSIT")]
    Deposit,
    /// Money leaves an account to the outside (`WITHDRAWAL`).
    #[serde(rename = "WITHDRAWAL")]
    Withdrawal,
    /// A buy bid blocks price + fee (`BID`).
    #[serde(rename = "BID")]
    Bid,
    /// An unmatched buy bid releases its price + fee (`BID_REIMBURSE`).
    #[serde(rename = "BID_REIMBURSE")]
    BidReimburse,
    /// A match at a better price than bid releases the difference (`TRANSACTION`).
    #[serde(rename = "TRANSACTION")]
    Transaction,
    /// A finished transaction pays the seller and the fee (`TRANSACTION_FINISH`).
    #[serde(rename = "TRANSACTION_FINISH")]
    TransactionFinish,
    /// A failed transaction refunds the buyer (`TRANSACTION_REIMBURSE`).
    #[serde(rename = "TRANSACTION_REIMBURSE")]
    TransactionReimburse,
}

impl MovementType {
    /// Every movement type.
    pub const ALL: [MovementType; 7] = [
        MovementType::Deposit,
        MovementType::Withdrawal,
        MovementType::Bid,
        MovementType::BidReimburse,
        MovementType::Transaction,
        MovementType::TransactionFinish,
        MovementType::TransactionReimburse,
    ];

    /// The wire name, e.g. `BID_REIMBURSE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MovementType::Deposit => "DEPOSIT",
            MovementType::Withdrawal => "WITHDRAWAL",
            MovementType::Bid => "BID",
            MovementType::BidReimburse => "BID_REIMBURSE",
            MovementType::Transaction => "TRANSACTION",
            MovementType::TransactionFinish => "TRANSACTION_FINISH",
            MovementType::TransactionReimburse => "TRANSACTION_REIMBURSE",
        }
    }

    /// The sign rules of the four parts, in the order available, blocked,
    /// fee, world (BW-LEDGER-5).
    pub const fn sign_rules(self) -> [Sign; 4] {
        use Sign::*;
        match self {
            MovementType::Deposit => [Positive, Zero, Zero, Negative],
            MovementType::Withdrawal => [Negative, Zero, Zero, Positive],
            MovementType::Bid => [NonPositive, NonNegative, Zero, Zero],
            MovementType::BidReimburse
            | MovementType::Transaction
            | MovementType::TransactionReimburse => [NonNegative, NonPositive, Zero, Zero],
            MovementType::TransactionFinish => [NonNegative, NonPositive, NonNegative, Zero],
        }
    }

    /// Whether the available and the blocked part must concern the same
    /// account (every type except `TRANSACTION_FINISH`; BW-LEDGER-6).
    pub const fn single_account(self) -> bool {
        !matches!(self, MovementType::TransactionFinish)
    }
}

impl fmt::Display for MovementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sign constraint on one part of a movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    /// `= 0`
    Zero,
    /// `> 0`
    Positive,
    /// `< 0`
    Negative,
    /// `≥ 0`
    NonNegative,
    /// `≤ 0`
    NonPositive,
}

impl Sign {
    /// Whether `v` satisfies the constraint.
    pub const fn admits(self, v: i64) -> bool {
        match self {
            Sign::Zero => v == 0,
            Sign::Positive => v > 0,
            Sign::Negative => v < 0,
            Sign::NonNegative => v >= 0,
            Sign::NonPositive => v <= 0,
        }
    }

    /// The relation as text, e.g. `≥ 0`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sign::Zero => "= 0",
            Sign::Positive => "> 0",
            Sign::Negative => "< 0",
            Sign::NonNegative => ">= 0",
            Sign::NonPositive => "<= 0",
        }
    }
}

/// One of the four parts of a movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The delta applied to the available balance of the available account.
    Available,
    /// The delta applied to the blocked balance of the blocked account.
    Blocked,
    /// The fee collected.
    Fee,
    /// The counter-entry for money entering (negative) or leaving (positive).
    World,
}

impl Part {
    const ALL: [Part; 4] = [Part::Available, Part::Blocked, Part::Fee, Part::World];

    /// The part's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Part::Available => "available",
            Part::Blocked => "blocked",
            Part::Fee => "fee",
            Part::World => "world",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a movement refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct References {
    /// The bid, for `BID` and `BID_REIMBURSE`.
    pub bid: Option<BidId>,
    /// The transaction, for `TRANSACTION*`.
    pub tx: Option<TxId>,
    /// The deposit uid, for `DEPOSIT` and `WITHDRAWAL` by injection.
    pub deposit: Option<String>,
}

/// A movement to be applied: the four parts and the two accounts.
///
/// Build it with the constructors ([`Movement::bid`] …), which produce the
/// exact effects of BW-LEDGER-7; [`Ledger::apply`] validates any movement,
/// however it was built.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Movement {
    /// The type.
    pub kind: MovementType,
    /// The account whose available balance changes.
    pub available_account: Address,
    /// The change of that available balance.
    pub available_delta: Money,
    /// The account whose blocked balance changes.
    pub blocked_account: Address,
    /// The change of that blocked balance.
    pub blocked_delta: Money,
    /// The fee collected (only `TRANSACTION_FINISH`).
    pub fee: Money,
    /// Money leaving (positive) or entering (negative) the system.
    pub world: Money,
    /// References.
    pub refs: References,
}

fn total(price: Money, fee: Money) -> Result<Money, LedgerError> {
    price.checked_add(fee).map_err(LedgerError::from_money)
}

impl Movement {
    fn single(kind: MovementType, account: Address, available: Money, refs: References) -> Self {
        let zero = Money::zero(available.currency());
        Movement {
            kind,
            available_account: account,
            available_delta: available,
            blocked_account: account,
            blocked_delta: zero,
            fee: zero,
            world: zero,
            refs,
        }
    }

    fn escrow(
        kind: MovementType,
        account: Address,
        to_available: Money,
        refs: References,
    ) -> Result<Self, LedgerError> {
        let mut m = Movement::single(kind, account, to_available, refs);
        m.blocked_delta = to_available
            .checked_neg()
            .map_err(LedgerError::from_money)?;
        Ok(m)
    }

    /// `BID`: the buyer's available −(price + fee), blocked +(price + fee).
    pub fn bid(buyer: Address, price: Money, fee: Money, bid: BidId) -> Result<Self, LedgerError> {
        let t = total(price, fee)?
            .checked_neg()
            .map_err(LedgerError::from_money)?;
        let refs = References {
            bid: Some(bid),
            ..References::default()
        };
        Movement::escrow(MovementType::Bid, buyer, t, refs)
    }

    /// `BID_REIMBURSE`: the buyer's available +(price + fee), blocked −(price + fee).
    pub fn bid_reimburse(
        buyer: Address,
        price: Money,
        fee: Money,
        bid: BidId,
    ) -> Result<Self, LedgerError> {
        let refs = References {
            bid: Some(bid),
            ..References::default()
        };
        Movement::escrow(MovementType::BidReimburse, buyer, total(price, fee)?, refs)
    }

    /// `TRANSACTION`: at a match, the buyer's available +Δ and blocked −Δ with
    /// Δ = (bid price + bid fee) − (tx price + tx fee). Returns `Ok(None)` when
    /// Δ = 0 (no movement is booked) and an error when Δ < 0.
    pub fn transaction(
        buyer: Address,
        bid_price: Money,
        bid_fee: Money,
        tx_price: Money,
        tx_fee: Money,
        tx: TxId,
    ) -> Result<Option<Self>, LedgerError> {
        let delta = total(bid_price, bid_fee)?
            .checked_sub(total(tx_price, tx_fee)?)
            .map_err(LedgerError::from_money)?;
        if delta.amount() < 0 {
            return Err(LedgerError::InvalidMovement {
                kind: MovementType::Transaction,
                reason: Violation::Sign {
                    part: Part::Available,
                    rule: Sign::NonNegative,
                },
            });
        }
        if delta.amount() == 0 {
            return Ok(None);
        }
        let refs = References {
            tx: Some(tx),
            ..References::default()
        };
        Movement::escrow(MovementType::Transaction, buyer, delta, refs).map(Some)
    }

    /// `TRANSACTION_FINISH`: the seller's available +price, the buyer's
    /// blocked −(price + fee), fee +fee.
    pub fn transaction_finish(
        seller: Address,
        buyer: Address,
        price: Money,
        fee: Money,
        tx: TxId,
    ) -> Result<Self, LedgerError> {
        let blocked = total(price, fee)?
            .checked_neg()
            .map_err(LedgerError::from_money)?;
        Ok(Movement {
            kind: MovementType::TransactionFinish,
            available_account: seller,
            available_delta: price,
            blocked_account: buyer,
            blocked_delta: blocked,
            fee,
            world: Money::zero(price.currency()),
            refs: References {
                tx: Some(tx),
                ..References::default()
            },
        })
    }

    /// `TRANSACTION_REIMBURSE`: the buyer's available +(price + fee), blocked −(price + fee).
    pub fn transaction_reimburse(
        buyer: Address,
        price: Money,
        fee: Money,
        tx: TxId,
    ) -> Result<Self, LedgerError> {
        let refs = References {
            tx: Some(tx),
            ..References::default()
        };
        Movement::escrow(
            MovementType::TransactionReimburse,
            buyer,
            total(price, fee)?,
            refs,
        )
    }

    /// Money entering (`amount > 0`: `DEPOSIT`) or leaving (`amount < 0`:
    /// `WITHDRAWAL`) `account`: available +amount, world −amount. A zero
    /// amount yields a `DEPOSIT` that fails validation.
    pub fn injection(
        account: Address,
        amount: Money,
        deposit_uid: Option<String>,
    ) -> Result<Self, LedgerError> {
        let kind = if amount.amount() < 0 {
            MovementType::Withdrawal
        } else {
            MovementType::Deposit
        };
        let refs = References {
            deposit: deposit_uid,
            ..References::default()
        };
        let mut m = Movement::single(kind, account, amount, refs);
        m.world = amount.checked_neg().map_err(LedgerError::from_money)?;
        Ok(m)
    }

    /// The four parts in the order available, blocked, fee, world.
    pub fn parts(&self) -> [Money; 4] {
        [
            self.available_delta,
            self.blocked_delta,
            self.fee,
            self.world,
        ]
    }

    /// The currency of the movement (that of the available part).
    pub fn currency(&self) -> Currency {
        self.available_delta.currency()
    }

    /// Checks everything that does not depend on the ledger's state
    /// (BW-LEDGER-5, BW-LEDGER-6; steps 1–4 of BW-LEDGER-9).
    pub fn validate(&self) -> Result<(), LedgerError> {
        let currency = self.currency();
        for (part, m) in Part::ALL.into_iter().zip(self.parts()) {
            if m.currency() != currency {
                return Err(LedgerError::MixedCurrency {
                    part,
                    expected: currency,
                    found: m.currency(),
                });
            }
        }
        for ((part, rule), m) in Part::ALL
            .into_iter()
            .zip(self.kind.sign_rules())
            .zip(self.parts())
        {
            if !rule.admits(m.amount()) {
                return Err(LedgerError::InvalidMovement {
                    kind: self.kind,
                    reason: Violation::Sign { part, rule },
                });
            }
        }
        let sum: i128 = self.parts().iter().map(|m| i128::from(m.amount())).sum();
        if sum != 0 {
            return Err(LedgerError::Unbalanced { sum });
        }
        if self.kind.single_account() && self.available_account != self.blocked_account {
            return Err(LedgerError::InvalidMovement {
                kind: self.kind,
                reason: Violation::TwoAccounts,
            });
        }
        Ok(())
    }
}

/// Why a movement is invalid in itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Violation {
    /// A part breaks the sign rule of the movement type.
    Sign {
        /// The part.
        part: Part,
        /// The rule it breaks.
        rule: Sign,
    },
    /// A single-account type names two different accounts.
    TwoAccounts,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Sign { part, rule } => {
                write!(f, "the {part} part must be {}", rule.as_str())
            }
            Violation::TwoAccounts => f.write_str("available and blocked account must be the same"),
        }
    }
}

/// Why the ledger refused a movement. A refused movement changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LedgerError {
    /// The parts of a movement carry different currencies.
    MixedCurrency {
        /// The first part whose currency differs from the available part's.
        part: Part,
        /// The available part's currency.
        expected: Currency,
        /// The differing currency.
        found: Currency,
    },
    /// A part breaks the rules of the movement type.
    InvalidMovement {
        /// The movement type.
        kind: MovementType,
        /// The rule broken.
        reason: Violation,
    },
    /// The four parts do not sum to zero.
    Unbalanced {
        /// Their exact sum.
        sum: i128,
    },
    /// A non-zero delta in another currency than that of a non-empty account.
    CurrencyMismatch {
        /// The account.
        account: Address,
        /// The account's currency.
        account_currency: Currency,
        /// The movement's currency.
        movement_currency: Currency,
    },
    /// The available balance would become negative.
    InsufficientFunds {
        /// The account.
        account: Address,
        /// Its available balance.
        available: i64,
        /// The (negative) delta.
        delta: i64,
    },
    /// The blocked balance would become negative.
    InsufficientBlocked {
        /// The account.
        account: Address,
        /// Its blocked balance.
        blocked: i64,
        /// The (negative) delta.
        delta: i64,
    },
    /// A balance, a total or the sequence number would leave the 64-bit range.
    Overflow,
}

error_codes!(LedgerError {
    LedgerError::MixedCurrency { part, expected, found } => "ledger.mixed-currency", ("the {part} part is in {found}, the movement in {expected}");
    LedgerError::InvalidMovement { kind, reason } => "ledger.invalid-movement", ("invalid {kind} movement: {reason}");
    LedgerError::Unbalanced { sum } => "ledger.unbalanced", ("movement parts sum to {sum}, not zero");
    LedgerError::CurrencyMismatch { account, account_currency, movement_currency } => "ledger.currency-mismatch", ("account {account} holds {account_currency}, movement is in {movement_currency}");
    LedgerError::InsufficientFunds { account, available, delta } => "ledger.insufficient-funds", ("insufficient funds in {account}: available {available}, delta {delta}");
    LedgerError::InsufficientBlocked { account, blocked, delta } => "ledger.insufficient-blocked", ("blocked balance of {account} is {blocked}, cannot apply {delta}");
    LedgerError::Overflow => "ledger.overflow", ("amount out of the 64-bit range");
});

impl LedgerError {
    fn from_money(e: crate::money::MoneyError) -> LedgerError {
        match e {
            crate::money::MoneyError::CurrencyMismatch { left, right } => {
                LedgerError::MixedCurrency {
                    part: Part::Fee,
                    expected: left,
                    found: right,
                }
            }
            _ => LedgerError::Overflow,
        }
    }
}

/// The sequence number of an applied movement (1, 2, 3, … in order of application).
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct MovementId(pub u64);

impl fmt::Display for MovementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for MovementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MovementId({})", self.0)
    }
}

/// An applied movement, as kept in the history (BW-LEDGER-10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MovementRecord {
    /// Sequence number.
    pub id: MovementId,
    /// When it was applied.
    pub timestamp: Timestamp,
    /// The type.
    #[serde(rename = "type")]
    pub kind: MovementType,
    /// The account whose available balance changed.
    pub available_account: Address,
    /// The change.
    pub available_delta: Money,
    /// The previous movement of the available account.
    pub available_predecessor: Option<MovementId>,
    /// The account whose blocked balance changed.
    pub blocked_account: Address,
    /// The change.
    pub blocked_delta: Money,
    /// The previous movement of the blocked account before this one (equal to
    /// `available_predecessor` when both accounts are the same).
    pub blocked_predecessor: Option<MovementId>,
    /// Fee collected.
    pub fee: Money,
    /// World counter-entry.
    pub world: Money,
    /// References.
    pub refs: References,
}

/// One participant's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Account {
    /// The account's currency (BW-LEDGER-2).
    pub currency: Currency,
    /// Spendable balance in smallest units, never negative.
    pub available: i64,
    /// Balance held in escrow, never negative.
    pub blocked: i64,
    /// The last movement that touched the account.
    pub last_movement: Option<MovementId>,
}

impl Account {
    /// An account that never saw a movement: zero BTC.
    pub const EMPTY: Account = Account {
        currency: Currency::Btc,
        available: 0,
        blocked: 0,
        last_movement: None,
    };

    /// The available balance as money.
    pub fn available_money(&self) -> Money {
        Money::new(self.available, self.currency)
    }

    /// The blocked balance as money.
    pub fn blocked_money(&self) -> Money {
        Money::new(self.blocked, self.currency)
    }

    fn is_empty(&self) -> bool {
        self.available == 0 && self.blocked == 0
    }

    /// Applies `delta` to one balance under the currency rule (BW-LEDGER-2,
    /// BW-LEDGER-3). `which` selects the balance.
    fn apply_part(&mut self, addr: Address, part: Part, delta: Money) -> Result<(), LedgerError> {
        let d = delta.amount();
        if d == 0 {
            return Ok(());
        }
        if delta.currency() != self.currency && !self.is_empty() {
            return Err(LedgerError::CurrencyMismatch {
                account: addr,
                account_currency: self.currency,
                movement_currency: delta.currency(),
            });
        }
        let balance = match part {
            Part::Blocked => &mut self.blocked,
            _ => &mut self.available,
        };
        let new = balance.checked_add(d).ok_or(LedgerError::Overflow)?;
        if new < 0 {
            return Err(match part {
                Part::Blocked => LedgerError::InsufficientBlocked {
                    account: addr,
                    blocked: *balance,
                    delta: d,
                },
                _ => LedgerError::InsufficientFunds {
                    account: addr,
                    available: *balance,
                    delta: d,
                },
            });
        }
        *balance = new;
        self.currency = delta.currency();
        Ok(())
    }
}

const N_CURRENCIES: usize = Currency::ALL.len();

/// Per-currency totals since the ledger was created.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Totals {
    /// Σ of money that entered (−world of movements with world < 0).
    pub deposited: i64,
    /// Σ of money that left (world of movements with world > 0).
    pub withdrawn: i64,
    /// Σ of fees collected.
    pub fees: i64,
}

/// A failed invariant (BW-LEDGER-11, BW-LEDGER-12).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvariantViolation {
    /// An available balance is negative.
    NegativeAvailable {
        /// The account.
        account: Address,
    },
    /// A blocked balance is negative.
    NegativeBlocked {
        /// The account.
        account: Address,
    },
    /// Σ balances + fees ≠ deposits − withdrawals for a currency.
    Conservation {
        /// The currency.
        currency: Currency,
        /// Σ (available + blocked) of the accounts in this currency.
        balances: i128,
        /// Fees collected.
        fees: i128,
        /// Deposits − withdrawals.
        net_deposits: i128,
    },
}

/// The ledger: accounts, totals and deposits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Ledger {
    accounts: BTreeMap<Address, Account>,
    totals: [Totals; N_CURRENCIES],
    last_id: u64,
    deposits: BTreeMap<String, DepositRecord>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// The account of `addr`, or `None` if no movement ever touched it.
    pub fn account(&self, addr: &Address) -> Option<&Account> {
        self.accounts.get(addr)
    }

    /// The account of `addr`, or [`Account::EMPTY`] if none exists.
    pub fn account_or_empty(&self, addr: &Address) -> Account {
        self.accounts.get(addr).copied().unwrap_or(Account::EMPTY)
    }

    /// Every account, ordered by address.
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &Account)> {
        self.accounts.iter()
    }

    /// The totals of `currency`.
    pub fn totals(&self, currency: Currency) -> Totals {
        self.totals[currency as usize]
    }

    /// The fees collected in `currency`.
    pub fn fees_collected(&self, currency: Currency) -> Money {
        Money::new(self.totals(currency).fees, currency)
    }

    /// The id of the last applied movement, if any.
    pub fn last_movement(&self) -> Option<MovementId> {
        (self.last_id > 0).then_some(MovementId(self.last_id))
    }

    /// Whether [`Ledger::apply`] would accept `m` now, without changing anything.
    pub fn check(&self, m: &Movement) -> Result<(), LedgerError> {
        self.plan(m).map(|_| ())
    }

    /// Validates `m` against the state and computes the new account states
    /// and totals (BW-LEDGER-9), without changing anything.
    #[allow(clippy::type_complexity)]
    fn plan(
        &self,
        m: &Movement,
    ) -> Result<(Account, Option<Account>, Totals, MovementId), LedgerError> {
        m.validate()?;
        let mut a = self.account_or_empty(&m.available_account);
        a.apply_part(m.available_account, Part::Available, m.available_delta)?;
        let same = m.blocked_account == m.available_account;
        let mut b = if same {
            None
        } else {
            Some(self.account_or_empty(&m.blocked_account))
        };
        let target = b.as_mut().unwrap_or(&mut a);
        target.apply_part(m.blocked_account, Part::Blocked, m.blocked_delta)?;

        let mut t = self.totals(m.currency());
        let w = m.world.amount();
        if w < 0 {
            t.deposited = t
                .deposited
                .checked_add(w.checked_neg().ok_or(LedgerError::Overflow)?)
                .ok_or(LedgerError::Overflow)?;
        } else {
            t.withdrawn = t.withdrawn.checked_add(w).ok_or(LedgerError::Overflow)?;
        }
        t.fees = t
            .fees
            .checked_add(m.fee.amount())
            .ok_or(LedgerError::Overflow)?;
        let id = MovementId(self.last_id.checked_add(1).ok_or(LedgerError::Overflow)?);
        Ok((a, b, t, id))
    }

    /// Applies `m` at time `now`: all of it, or nothing (BW-LEDGER-8).
    pub fn apply(&mut self, now: Timestamp, m: &Movement) -> Result<MovementRecord, LedgerError> {
        let (mut a, mut b, t, id) = self.plan(m)?;
        let available_predecessor = self
            .accounts
            .get(&m.available_account)
            .and_then(|x| x.last_movement);
        let blocked_predecessor = match b {
            None => available_predecessor,
            Some(_) => self
                .accounts
                .get(&m.blocked_account)
                .and_then(|x| x.last_movement),
        };
        a.last_movement = Some(id);
        self.accounts.insert(m.available_account, a);
        if let Some(b) = b.as_mut() {
            b.last_movement = Some(id);
            self.accounts.insert(m.blocked_account, *b);
        }
        self.totals[m.currency() as usize] = t;
        self.last_id = id.0;
        Ok(MovementRecord {
            id,
            timestamp: now,
            kind: m.kind,
            available_account: m.available_account,
            available_delta: m.available_delta,
            available_predecessor,
            blocked_account: m.blocked_account,
            blocked_delta: m.blocked_delta,
            blocked_predecessor,
            fee: m.fee,
            world: m.world,
            refs: m.refs.clone(),
        })
    }

    /// Checks non-negativity and conservation from the state alone
    /// (BW-LEDGER-11, BW-LEDGER-12). Returns the first violation found.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        let mut balances = [0i128; N_CURRENCIES];
        for (addr, acc) in &self.accounts {
            if acc.available < 0 {
                return Err(InvariantViolation::NegativeAvailable { account: *addr });
            }
            if acc.blocked < 0 {
                return Err(InvariantViolation::NegativeBlocked { account: *addr });
            }
            balances[acc.currency as usize] += i128::from(acc.available) + i128::from(acc.blocked);
        }
        for c in Currency::ALL {
            let t = self.totals(c);
            let net = i128::from(t.deposited) - i128::from(t.withdrawn);
            if balances[c as usize] + i128::from(t.fees) != net {
                return Err(InvariantViolation::Conservation {
                    currency: c,
                    balances: balances[c as usize],
                    fees: i128::from(t.fees),
                    net_deposits: net,
                });
            }
        }
        Ok(())
    }

    /// The deposit with uid `uid`, if one was accepted.
    pub fn deposit(&self, uid: &str) -> Option<&DepositRecord> {
        self.deposits.get(uid)
    }

    #[cfg(test)]
    pub(crate) fn accounts_mut(&mut self) -> &mut BTreeMap<Address, Account> {
        &mut self.accounts
    }
}

#[cfg(test)]
mod tests;

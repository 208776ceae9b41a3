//! The order book and matching engine (spec section 11).
//!
//! One [`OrderBook`] holds the resting bids of one (article, currency) pair.
//! An incoming bid is matched against the best resting bid of the other side
//! under price-time priority: best price first, then earliest accepted. A
//! BitWrk bid is for exactly one unit of work, so an incoming bid matches at
//! most one resting bid; the trade takes the resting bid's price and fee.
//!
//! Bids expire: an expired bid never matches. Expired resting bids met while
//! matching are removed and reported, and [`OrderBook::expire`] removes the
//! rest as time passes ([`OrderBook::next_expiry`] tells the driver when).
//!
//! The book is a pure data structure: no clock, no randomness, no I/O. Every
//! operation either succeeds or returns an error and leaves the book as it was.
//!
//! Layout (chosen for the throughput and memory targets, see `benches/`):
//! resting bids live in a slab of 64-byte slots; each side is a B-tree keyed
//! by (price priority, acceptance sequence number) holding a 4-byte slot
//! index; an expiry B-tree keyed by (expiry, sequence number) and an id hash
//! map locate slots for expiry and removal.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use core::fmt;

use crate::address::Address;
use crate::bid::BidType;
use crate::error::error_codes;
use crate::ids::BidId;
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// A bid as the book sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Order {
    /// The bid's id (unique within the book).
    pub id: BidId,
    /// Buy or sell.
    #[serde(with = "side_serde")]
    pub side: BidType,
    /// Who placed it.
    pub participant: Address,
    /// The price, in the book's currency, not negative.
    pub price: Money,
    /// The fee, in the book's currency, not negative.
    pub fee: Money,
    /// The bid expires at this instant: it is live while `now < expires`.
    pub expires: Timestamp,
}

impl Order {
    /// Whether the bid has expired at `now` (BW-MATCH-5).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires <= now
    }
}

mod side_serde {
    use crate::bid::BidType;

    pub(super) fn serialize<S: serde::Serializer>(t: &BidType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.as_str())
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BidType, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        match s.as_str() {
            "BUY" => Ok(BidType::Buy),
            "SELL" => Ok(BidType::Sell),
            other => Err(serde::de::Error::custom(format_args!(
                "unknown bid type {other:?}"
            ))),
        }
    }
}

/// A match between the incoming bid and one resting bid (BW-MATCH-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Match {
    /// The resting bid, now removed from the book.
    pub resting: Order,
    /// The trade price: the resting bid's price.
    pub price: Money,
    /// The trade fee: the resting bid's fee.
    pub fee: Money,
}

/// What happened to the incoming bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Placement {
    /// It matched a resting bid; neither is in the book any more.
    Matched(Match),
    /// It found no counterpart and now rests in the book.
    Rested,
}

/// The result of [`OrderBook::insert`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MatchOutcome {
    /// Matched or rested.
    pub placement: Placement,
    /// Expired resting bids met (and removed) while matching, in the order met.
    pub expired: Vec<Order>,
}

/// Why the book refused an operation. A refused operation changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BookError {
    /// The price or fee is in another currency than the book's.
    CurrencyMismatch {
        /// The book's currency.
        book: Currency,
        /// The bid's.
        found: Currency,
    },
    /// A negative price or fee.
    NegativeAmount {
        /// The bid.
        id: BidId,
    },
    /// The incoming bid has already expired.
    Expired {
        /// The bid.
        id: BidId,
    },
    /// A bid with this id is already resting in the book.
    DuplicateId {
        /// The bid.
        id: BidId,
    },
    /// No bid with this id is resting in the book.
    UnknownId {
        /// The bid.
        id: BidId,
    },
    /// The bid would rest, but the book holds its maximum number of bids.
    Full {
        /// The limit.
        limit: usize,
    },
}

error_codes!(BookError {
    BookError::CurrencyMismatch { book, found } => "book.currency-mismatch", ("bid is in {found}, the book in {book}");
    BookError::NegativeAmount { id } => "book.negative-amount", ("bid {id} has a negative price or fee");
    BookError::Expired { id } => "book.expired", ("bid {id} has expired");
    BookError::DuplicateId { id } => "book.duplicate-id", ("bid {id} is already in the book");
    BookError::UnknownId { id } => "book.unknown-id", ("bid {id} is not in the book");
    BookError::Full { limit } => "book.full", ("the book holds its maximum of {limit} bids");
});

/// A fast hasher for keys that are server-assigned numbers or HASH160
/// outputs, which an attacker cannot choose freely; it needs no random seed.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

impl KeyHasher {
    #[inline]
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(23) ^ v).wrapping_mul(MUL);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    #[inline]
    fn write_isize(&mut self, v: isize) {
        self.add(v as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        let m = u128::from(self.0) * u128::from(MUL);
        (m as u64) ^ ((m >> 64) as u64)
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A resting bid in compact form.
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: u64,
    price: i64,
    fee: i64,
    expires: u64,
    seq: u64,
    participant: Address,
    side: BidType,
}

impl Slot {
    /// The key in its side's tree: ascending order is priority order.
    #[inline]
    fn side_key(&self) -> (i64, u64) {
        (priority(self.side, self.price), self.seq)
    }
}

/// Buys sort by descending price, sells by ascending price. `!p` reverses
/// the order of `i64` without overflow.
#[inline]
fn priority(side: BidType, price: i64) -> i64 {
    match side {
        BidType::Buy => !price,
        BidType::Sell => price,
    }
}

/// The largest number of resting bids a book can hold (slot indices are 32 bits).
pub const MAX_RESTING: usize = u32::MAX as usize;

/// The order book of one (article, currency) pair.
#[derive(Clone)]
pub struct OrderBook {
    currency: Currency,
    limit: usize,
    slots: Vec<Slot>,
    free: Vec<u32>,
    buys: BTreeMap<(i64, u64), u32>,
    sells: BTreeMap<(i64, u64), u32>,
    by_expiry: BTreeMap<(u64, u64), u32>,
    by_id: FastMap<u64, u32>,
    next_seq: u64,
}

impl OrderBook {
    /// An empty book for `currency`, holding at most [`MAX_RESTING`] bids.
    pub fn new(currency: Currency) -> OrderBook {
        OrderBook::with_limit(currency, MAX_RESTING)
    }

    /// An empty book holding at most `limit` resting bids (BW-MATCH-10).
    pub fn with_limit(currency: Currency, limit: usize) -> OrderBook {
        OrderBook {
            currency,
            limit: limit.min(MAX_RESTING),
            slots: Vec::new(),
            free: Vec::new(),
            buys: BTreeMap::new(),
            sells: BTreeMap::new(),
            by_expiry: BTreeMap::new(),
            by_id: FastMap::default(),
            next_seq: 0,
        }
    }

    /// The book's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The number of resting bids.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no bid rests.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Whether the bid `id` rests in the book.
    pub fn contains(&self, id: BidId) -> bool {
        self.by_id.contains_key(&id.0)
    }

    /// The resting bid `id`.
    pub fn get(&self, id: BidId) -> Option<Order> {
        self.by_id
            .get(&id.0)
            .map(|&s| self.order(&self.slots[s as usize]))
    }

    fn order(&self, s: &Slot) -> Order {
        Order {
            id: BidId(s.id),
            side: s.side,
            participant: s.participant,
            price: Money::new(s.price, self.currency),
            fee: Money::new(s.fee, self.currency),
            expires: Timestamp::from_millis(s.expires),
        }
    }

    /// The resting bids of `side` in priority order (best first).
    pub fn side(&self, side: BidType) -> impl Iterator<Item = Order> + '_ {
        let tree = match side {
            BidType::Buy => &self.buys,
            BidType::Sell => &self.sells,
        };
        tree.values().map(|&s| self.order(&self.slots[s as usize]))
    }

    /// The best resting bid of `side`, expired or not.
    pub fn best(&self, side: BidType) -> Option<Order> {
        self.side(side).next()
    }

    /// Every resting bid in the order it was accepted.
    pub fn resting_in_acceptance_order(&self) -> Vec<Order> {
        let mut v: Vec<(u64, Order)> = self
            .by_id
            .values()
            .map(|&s| {
                let slot = &self.slots[s as usize];
                (slot.seq, self.order(slot))
            })
            .collect();
        v.sort_unstable_by_key(|(seq, _)| *seq);
        v.into_iter().map(|(_, o)| o).collect()
    }

    /// The earliest expiry among the resting bids: when [`OrderBook::expire`]
    /// has work next (BW-MATCH-9).
    pub fn next_expiry(&self) -> Option<Timestamp> {
        self.by_expiry
            .first_key_value()
            .map(|(&(e, _), _)| Timestamp::from_millis(e))
    }

    fn check_amounts(&self, order: &Order) -> Result<(), BookError> {
        for m in [order.price, order.fee] {
            if m.currency() != self.currency {
                return Err(BookError::CurrencyMismatch {
                    book: self.currency,
                    found: m.currency(),
                });
            }
        }
        if order.price.amount() < 0 || order.fee.amount() < 0 {
            return Err(BookError::NegativeAmount { id: order.id });
        }
        Ok(())
    }

    /// Matches `order` against the book at time `now`, or rests it
    /// (BW-MATCH-1 … BW-MATCH-8). All or nothing: on error the book is unchanged.
    pub fn insert(&mut self, now: Timestamp, order: Order) -> Result<MatchOutcome, BookError> {
        self.insert_checked(now, order, true)
    }

    /// [`OrderBook::insert`]; `check_price` false skips the price condition
    /// (BW-MATCH-3), which only the market's test-only fault injection does.
    pub(crate) fn insert_checked(
        &mut self,
        now: Timestamp,
        order: Order,
        check_price: bool,
    ) -> Result<MatchOutcome, BookError> {
        self.check_amounts(&order)?;
        if order.is_expired(now) {
            return Err(BookError::Expired { id: order.id });
        }
        if self.by_id.contains_key(&order.id.0) {
            return Err(BookError::DuplicateId { id: order.id });
        }
        let now_ms = now.as_millis();
        let price = order.price.amount();
        let opposite = match order.side {
            BidType::Buy => &self.sells,
            BidType::Sell => &self.buys,
        };
        let mut expired_slots: Vec<u32> = Vec::new();
        let mut found = None;
        for &s in opposite.values() {
            let r = &self.slots[s as usize];
            if r.expires <= now_ms {
                expired_slots.push(s);
                continue;
            }
            let crosses = !check_price
                || match order.side {
                    BidType::Buy => price >= r.price,
                    BidType::Sell => r.price >= price,
                };
            if !crosses {
                break;
            }
            if r.participant == order.participant {
                continue;
            }
            found = Some(s);
            break;
        }
        if found.is_none() && expired_slots.is_empty() && self.len() >= self.limit {
            return Err(BookError::Full { limit: self.limit });
        }
        let expired = expired_slots
            .into_iter()
            .map(|s| self.take(s))
            .collect::<Vec<_>>();
        let placement = match found {
            Some(s) => {
                let resting = self.take(s);
                Placement::Matched(Match {
                    resting,
                    price: resting.price,
                    fee: resting.fee,
                })
            }
            None => {
                self.rest(&order);
                Placement::Rested
            }
        };
        Ok(MatchOutcome { placement, expired })
    }

    fn rest(&mut self, order: &Order) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = Slot {
            id: order.id.0,
            price: order.price.amount(),
            fee: order.fee.amount(),
            expires: order.expires.as_millis(),
            seq,
            participant: order.participant,
            side: order.side,
        };
        let s = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = slot;
                s
            }
            None => {
                // Grow by an eighth rather than doubling: at most 12.5 %
                // of the slab is unused capacity (memory target, BW-MATCH).
                if self.slots.len() == self.slots.capacity() {
                    self.slots.reserve_exact(self.slots.len() / 8 + 16);
                }
                // `len() < limit ≤ u32::MAX` holds here, so the index fits.
                let s = self.slots.len() as u32;
                self.slots.push(slot);
                s
            }
        };
        let tree = match order.side {
            BidType::Buy => &mut self.buys,
            BidType::Sell => &mut self.sells,
        };
        tree.insert(slot.side_key(), s);
        self.by_expiry.insert((slot.expires, seq), s);
        self.by_id.insert(slot.id, s);
    }

    /// Removes the resting bid in slot `s` from every index.
    fn take(&mut self, s: u32) -> Order {
        let slot = self.slots[s as usize];
        let order = self.order(&slot);
        let tree = match slot.side {
            BidType::Buy => &mut self.buys,
            BidType::Sell => &mut self.sells,
        };
        tree.remove(&slot.side_key());
        self.by_expiry.remove(&(slot.expires, slot.seq));
        self.by_id.remove(&slot.id);
        self.free.push(s);
        order
    }

    /// Removes the resting bid `id` (e.g. when the bid is withdrawn).
    pub fn remove(&mut self, id: BidId) -> Result<Order, BookError> {
        match self.by_id.get(&id.0) {
            Some(&s) => Ok(self.take(s)),
            None => Err(BookError::UnknownId { id }),
        }
    }

    /// Removes every resting bid that has expired at `now`, earliest expiry
    /// first (ties: earliest accepted first) (BW-MATCH-9).
    pub fn expire(&mut self, now: Timestamp) -> Vec<Order> {
        self.expire_up_to(now, usize::MAX)
    }

    /// Like [`OrderBook::expire`], but removes at most `max` bids, so that a
    /// driver can bound the work per call; call again while
    /// [`OrderBook::next_expiry`] is `≤ now`.
    pub fn expire_up_to(&mut self, now: Timestamp, max: usize) -> Vec<Order> {
        let mut out = Vec::new();
        while out.len() < max {
            match self.by_expiry.first_key_value() {
                Some((&(e, _), &s)) if e <= now.as_millis() => out.push(self.take(s)),
                _ => break,
            }
        }
        out
    }
}

impl PartialEq for OrderBook {
    /// Books are equal when they hold the same bids in the same acceptance
    /// order: internal numbering (slots, sequence numbers, interned
    /// participants are stored inline) does not matter, because it does not change behaviour.
    fn eq(&self, other: &Self) -> bool {
        self.currency == other.currency
            && self.limit == other.limit
            && self.len() == other.len()
            && self.resting_in_acceptance_order() == other.resting_in_acceptance_order()
    }
}

impl Eq for OrderBook {}

impl core::hash::Hash for OrderBook {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.currency.hash(state);
        self.limit.hash(state);
        self.resting_in_acceptance_order().hash(state);
    }
}

impl fmt::Debug for OrderBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderBook")
            .field("currency", &self.currency)
            .field("limit", &self.limit)
            .field("resting", &self.resting_in_acceptance_order())
            .finish()
    }
}

mod snapshot;

#[cfg(test)]
mod tests;

use super::*;
use crate::ErrorCode;
use crate::address::Network;
use crate::hash::Hash160;
use proptest::prelude::*;

fn addr(i: u8) -> Address {
    Address::new(Network::Mainnet, Hash160::from_byte_array([i; 20]))
}

fn t(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn order(id: u64, side: BidType, who: u8, price: i64, expires: u64) -> Order {
    Order {
        id: BidId(id),
        side,
        participant: addr(who),
        price: Money::new(price, Currency::Btc),
        fee: Money::new((3 * price + 99) / 100, Currency::Btc),
        expires: t(expires),
    }
}

use BidType::{Buy, Sell};

fn matched(o: &MatchOutcome) -> Option<BidId> {
    match o.placement {
        Placement::Matched(m) => Some(m.resting.id),
        Placement::Rested => None,
    }
}

#[test]
fn crossing_bids_match_at_the_resting_price_and_fee() {
    // BW-MATCH-3, BW-MATCH-4
    let mut b = OrderBook::new(Currency::Btc);
    assert_eq!(
        b.insert(t(0), order(1, Sell, 1, 900, 100))
            .unwrap()
            .placement,
        Placement::Rested
    );
    let out = b.insert(t(1), order(2, Buy, 2, 1000, 100)).unwrap();
    let Placement::Matched(m) = out.placement else {
        panic!("expected a match")
    };
    assert_eq!(m.resting.id, BidId(1));
    assert_eq!(m.price, Money::new(900, Currency::Btc));
    assert_eq!(m.fee, Money::new(27, Currency::Btc));
    assert!(b.is_empty());
    // The other way round: a resting buy sets the price.
    b.insert(t(2), order(3, Buy, 1, 1000, 100)).unwrap();
    let out = b.insert(t(3), order(4, Sell, 2, 900, 100)).unwrap();
    let Placement::Matched(m) = out.placement else {
        panic!("expected a match")
    };
    assert_eq!((m.price.amount(), m.fee.amount()), (1000, 30));
}

#[test]
fn match_iff_buy_price_at_least_sell_price() {
    // BW-MATCH-3: equal prices match; a lower buy does not.
    let mut b = OrderBook::new(Currency::Btc);
    b.insert(t(0), order(1, Sell, 1, 500, 100)).unwrap();
    let out = b.insert(t(0), order(2, Buy, 2, 499, 100)).unwrap();
    assert_eq!(out.placement, Placement::Rested);
    assert_eq!(b.len(), 2);
    let out = b.insert(t(0), order(3, Buy, 3, 500, 100)).unwrap();
    assert_eq!(matched(&out), Some(BidId(1)));
    // Equal prices match whatever the expiries (0.7 required the resting bid
    // to expire strictly earlier).
    let out = b.insert(t(0), order(4, Sell, 1, 499, 50)).unwrap();
    assert_eq!(matched(&out), Some(BidId(2)));
    assert!(b.is_empty());
    let mut b = OrderBook::new(Currency::Btc);
    b.insert(t(0), order(5, Sell, 1, 500, 50)).unwrap();
    let out = b.insert(t(0), order(6, Buy, 2, 500, 40)).unwrap();
    assert_eq!(matched(&out), Some(BidId(5)));
}

#[test]
fn price_time_priority() {
    // BW-MATCH-1, BW-MATCH-2
    let mut b = OrderBook::new(Currency::Btc);
    b.insert(t(0), order(1, Sell, 1, 600, 100)).unwrap();
    b.insert(t(0), order(2, Sell, 2, 500, 100)).unwrap();
    b.insert(t(0), order(3, Sell, 3, 500, 90)).unwrap();
    b.insert(t(0), order(4, Sell, 4, 550, 100)).unwrap();
    let ids: Vec<_> = b.side(Sell).map(|o| o.id.0).collect();
    assert_eq!(ids, [2, 3, 4, 1]);
    // Earliest accepted wins among equal prices, even though 3 expires earlier.
    let seq: Vec<_> = (10..14)
        .map(|i| {
            matched(&b.insert(t(1), order(i, Buy, 9, 1000, 100)).unwrap())
                .unwrap()
                .0
        })
        .collect();
    assert_eq!(seq, [2, 3, 4, 1]);
    // Buys: highest price first.
    let mut b = OrderBook::new(Currency::Btc);
    for (id, p) in [(1, 100), (2, 300), (3, 200), (4, 300)] {
        b.insert(t(0), order(id, Buy, id as u8, p, 100)).unwrap();
    }
    let ids: Vec<_> = b.side(Buy).map(|o| o.id.0).collect();
    assert_eq!(ids, [2, 4, 3, 1]);
    assert_eq!(b.best(Buy).unwrap().id, BidId(2));
    assert_eq!(b.best(Sell), None);
}

#[test]
fn expired_bids_never_match() {
    // BW-MATCH-5, BW-MATCH-6
    let mut b = OrderBook::new(Currency::Btc);
    b.insert(t(0), order(1, Sell, 1, 100, 10)).unwrap();
    b.insert(t(0), order(2, Sell, 2, 200, 10)).unwrap();
    b.insert(t(0), order(3, Sell, 3, 300, 50)).unwrap();
    b.insert(t(0), order(4, Sell, 4, 400, 10)).unwrap();
    // At t = 10 the first two have expired (expires ≤ now): they are removed
    // and reported in the order met; the third matches; the fourth, expired
    // but never reached, stays.
    let out = b.insert(t(10), order(5, Buy, 5, 1000, 100)).unwrap();
    assert_eq!(matched(&out), Some(BidId(3)));
    let ids: Vec<_> = out.expired.iter().map(|o| o.id.0).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(b.len(), 1);
    assert!(b.contains(BidId(4)));
    // Expired bids met without a match are removed too.
    let out = b.insert(t(10), order(6, Buy, 5, 1000, 100)).unwrap();
    assert_eq!(out.placement, Placement::Rested);
    assert_eq!(out.expired.len(), 1);
    // An expired incoming bid is refused and changes nothing.
    let before = b.clone();
    let e = b.insert(t(100), order(7, Sell, 7, 1, 100)).unwrap_err();
    assert_eq!(e, BookError::Expired { id: BidId(7) });
    assert_eq!(e.code(), "book.expired");
    assert_eq!(b, before);
    assert!(b.contains(BidId(6)));
}

#[test]
fn no_self_trade() {
    // BW-MATCH-7
    let mut b = OrderBook::new(Currency::Btc);
    b.insert(t(0), order(1, Sell, 1, 100, 100)).unwrap();
    b.insert(t(0), order(2, Sell, 2, 200, 100)).unwrap();
    // Participant 1's buy skips its own sell and takes the next one.
    let out = b.insert(t(0), order(3, Buy, 1, 300, 100)).unwrap();
    assert_eq!(matched(&out), Some(BidId(2)));
    assert!(b.contains(BidId(1)));
    // With only its own bids crossing, it rests; both stay valid.
    let out = b.insert(t(0), order(4, Buy, 1, 300, 100)).unwrap();
    assert_eq!(out.placement, Placement::Rested);
    assert!(b.contains(BidId(1)) && b.contains(BidId(4)));
    // Someone else then takes participant 1's sell.
    let out = b.insert(t(0), order(5, Buy, 2, 100, 100)).unwrap();
    assert_eq!(matched(&out), Some(BidId(1)));
}

#[test]
fn one_match_per_incoming_bid() {
    // BW-MATCH-8
    let mut b = OrderBook::new(Currency::Btc);
    for i in 1..=3 {
        b.insert(t(0), order(i, Sell, i as u8, 10, 100)).unwrap();
    }
    let out = b.insert(t(0), order(9, Buy, 9, 100, 100)).unwrap();
    assert_eq!(matched(&out), Some(BidId(1)));
    assert_eq!(b.len(), 2);
    assert!(!b.contains(BidId(9)));
}

#[test]
fn expire_and_next_expiry() {
    // BW-MATCH-9
    let mut b = OrderBook::new(Currency::Btc);
    assert_eq!(b.next_expiry(), None);
    b.insert(t(0), order(1, Sell, 1, 500, 30)).unwrap();
    b.insert(t(0), order(2, Buy, 2, 100, 20)).unwrap();
    b.insert(t(0), order(3, Buy, 3, 100, 20)).unwrap();
    b.insert(t(0), order(4, Sell, 4, 600, 40)).unwrap();
    assert_eq!(b.next_expiry(), Some(t(20)));
    assert!(b.expire(t(19)).is_empty());
    let ids: Vec<_> = b.expire_up_to(t(30), 2).iter().map(|o| o.id.0).collect();
    assert_eq!(ids, [2, 3]);
    assert_eq!(b.next_expiry(), Some(t(30)));
    let ids: Vec<_> = b.expire(t(30)).iter().map(|o| o.id.0).collect();
    assert_eq!(ids, [1]);
    // Idempotent.
    assert!(b.expire(t(30)).is_empty());
    assert_eq!(b.len(), 1);
    assert_eq!(b.next_expiry(), Some(t(40)));
}

#[test]
fn remove_and_errors() {
    // BW-MATCH-10, BW-MATCH-11
    let mut b = OrderBook::with_limit(Currency::Btc, 2);
    b.insert(t(0), order(1, Sell, 1, 500, 30)).unwrap();
    assert_eq!(
        b.insert(t(0), order(1, Buy, 2, 100, 30))
            .unwrap_err()
            .code(),
        "book.duplicate-id"
    );
    b.insert(t(0), order(2, Sell, 1, 600, 30)).unwrap();
    let before = b.clone();
    let e = b.insert(t(0), order(3, Sell, 1, 700, 30)).unwrap_err();
    assert_eq!(e, BookError::Full { limit: 2 });
    assert_eq!(e.code(), "book.full");
    assert_eq!(b, before);
    // A bid that matches needs no room.
    assert_eq!(
        matched(&b.insert(t(0), order(4, Buy, 2, 500, 30)).unwrap()),
        Some(BidId(1))
    );
    assert_eq!(b.remove(BidId(2)).unwrap().id, BidId(2));
    let e = b.remove(BidId(2)).unwrap_err();
    assert_eq!(e.code(), "book.unknown-id");
    assert!(b.is_empty());
    let mut eur = order(5, Buy, 1, 10, 30);
    eur.fee = Money::new(1, Currency::Eur);
    assert_eq!(
        b.insert(t(0), eur).unwrap_err(),
        BookError::CurrencyMismatch {
            book: Currency::Btc,
            found: Currency::Eur
        }
    );
    let mut neg = order(6, Buy, 1, 10, 30);
    neg.price = Money::new(-1, Currency::Btc);
    assert_eq!(
        b.insert(t(0), neg).unwrap_err().code(),
        "book.negative-amount"
    );
    assert_eq!(
        BookError::CODES,
        [
            "book.currency-mismatch",
            "book.negative-amount",
            "book.expired",
            "book.duplicate-id",
            "book.unknown-id",
            "book.full"
        ]
    );
}

#[test]
fn extreme_prices() {
    // BW-MATCH-1: the priority key does not overflow at the range ends.
    let mut b = OrderBook::new(Currency::Btc);
    b.insert(t(0), order(1, Buy, 1, 0, 30)).unwrap();
    let mut big = order(2, Buy, 2, 0, 30);
    big.price = Money::new(i64::MAX, Currency::Btc);
    b.insert(t(0), big).unwrap();
    assert_eq!(b.best(Buy).unwrap().id, BidId(2));
    let mut s = order(3, Sell, 3, 0, 30);
    s.price = Money::new(i64::MAX, Currency::Btc);
    assert_eq!(matched(&b.insert(t(0), s).unwrap()), Some(BidId(2)));
}

#[test]
fn events_serialise() {
    let mut b = OrderBook::new(Currency::Btc);
    b.insert(t(0), order(1, Sell, 1, 100_000, 30)).unwrap();
    let out = b.insert(t(1), order(2, Buy, 2, 100_000, 30)).unwrap();
    let json = serde_json::to_string(&out).unwrap();
    assert!(json.contains("\"result\":\"matched\""), "{json}");
    assert!(json.contains("\"side\":\"SELL\""), "{json}");
    assert!(json.contains("\"price\":\"mBTC 1\""), "{json}");
    let back: MatchOutcome = serde_json::from_str(&json).unwrap();
    assert_eq!(back, out);
}

#[test]
fn equality_ignores_internal_numbering() {
    let mut a = OrderBook::new(Currency::Btc);
    let mut b = OrderBook::new(Currency::Btc);
    a.insert(t(0), order(1, Sell, 1, 100, 30)).unwrap();
    a.remove(BidId(1)).unwrap();
    a.insert(t(0), order(2, Sell, 2, 100, 30)).unwrap();
    b.insert(t(0), order(2, Sell, 2, 100, 30)).unwrap();
    assert_eq!(a, b);
    b.insert(t(0), order(3, Sell, 2, 100, 30)).unwrap();
    assert_ne!(a, b);
    assert!(format!("{a:?}").contains("BidId(2)"));
}

// ------------------------------------------------ reference model (proptest)

/// The specification, executed naively: a vector in acceptance order.
#[derive(Debug, Default)]
struct Model {
    resting: Vec<Order>,
    limit: usize,
}

impl Model {
    fn better(side: BidType, a: &Order, b: &Order) -> bool {
        match side {
            Buy => a.price.amount() > b.price.amount(),
            Sell => a.price.amount() < b.price.amount(),
        }
    }

    fn insert(&mut self, now: Timestamp, o: Order) -> Result<MatchOutcome, BookError> {
        if o.price.amount() < 0 || o.fee.amount() < 0 {
            return Err(BookError::NegativeAmount { id: o.id });
        }
        if o.expires <= now {
            return Err(BookError::Expired { id: o.id });
        }
        if self.resting.iter().any(|r| r.id == o.id) {
            return Err(BookError::DuplicateId { id: o.id });
        }
        // Opposite side in priority order: stable sort keeps acceptance order.
        let mut idx: Vec<usize> = (0..self.resting.len())
            .filter(|&i| self.resting[i].side != o.side)
            .collect();
        let side = o.side.opposite();
        idx.sort_by(|&i, &j| {
            let (a, b) = (&self.resting[i], &self.resting[j]);
            if Model::better(side, a, b) {
                core::cmp::Ordering::Less
            } else if Model::better(side, b, a) {
                core::cmp::Ordering::Greater
            } else {
                core::cmp::Ordering::Equal
            }
        });
        let mut expired = Vec::new();
        let mut found = None;
        for i in idx {
            let r = &self.resting[i];
            if r.expires <= now {
                expired.push(i);
                continue;
            }
            let (buy, sell) = if o.side == Buy { (&o, r) } else { (r, &o) };
            if buy.price.amount() < sell.price.amount() {
                break;
            }
            if r.participant == o.participant {
                continue;
            }
            found = Some(i);
            break;
        }
        if found.is_none() && expired.is_empty() && self.resting.len() >= self.limit {
            return Err(BookError::Full { limit: self.limit });
        }
        let expired_orders: Vec<Order> = expired.iter().map(|&i| self.resting[i]).collect();
        let placement = match found {
            Some(i) => {
                let r = self.resting[i];
                Placement::Matched(Match {
                    resting: r,
                    price: r.price,
                    fee: r.fee,
                })
            }
            None => Placement::Rested,
        };
        let mut gone: Vec<usize> = expired;
        gone.extend(found);
        let mut k = 0;
        self.resting.retain(|_| {
            k += 1;
            !gone.contains(&(k - 1))
        });
        if found.is_none() {
            self.resting.push(o);
        }
        Ok(MatchOutcome {
            placement,
            expired: expired_orders,
        })
    }

    fn remove(&mut self, id: BidId) -> Result<Order, BookError> {
        let i = self
            .resting
            .iter()
            .position(|r| r.id == id)
            .ok_or(BookError::UnknownId { id })?;
        Ok(self.resting.remove(i))
    }

    fn expire(&mut self, now: Timestamp, max: usize) -> Vec<Order> {
        let mut due: Vec<Order> = self
            .resting
            .iter()
            .filter(|r| r.expires <= now)
            .copied()
            .collect();
        // Earliest expiry first, ties in acceptance order (stable sort).
        due.sort_by_key(|r| r.expires);
        due.truncate(max);
        self.resting.retain(|r| !due.iter().any(|d| d.id == r.id));
        due
    }

    fn next_expiry(&self) -> Option<Timestamp> {
        self.resting.iter().map(|r| r.expires).min()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert {
        id: u64,
        buy: bool,
        who: u8,
        price: i64,
        life: u64,
    },
    Remove(u64),
    Expire(usize),
    Tick(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u64..40, any::<bool>(), 0u8..4, prop_oneof![0i64..20, Just(i64::MAX), -1i64..0], 0u64..30)
            .prop_map(|(id, buy, who, price, life)| Op::Insert { id, buy, who, price, life }),
        1 => (0u64..40).prop_map(Op::Remove),
        1 => (0usize..4).prop_map(Op::Expire),
        2 => (0u64..10).prop_map(Op::Tick),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn book_agrees_with_reference_model(
        limit in prop_oneof![Just(usize::MAX), 0usize..6],
        ops in proptest::collection::vec(op(), 0..120),
    ) {
        // BW-MATCH-1, BW-MATCH-2, BW-MATCH-3, BW-MATCH-4, BW-MATCH-5, BW-MATCH-6,
        // BW-MATCH-7, BW-MATCH-8, BW-MATCH-9, BW-MATCH-10, BW-MATCH-11, BW-MATCH-12:
        // the book against a naive model.
        let mut book = OrderBook::with_limit(Currency::Btc, limit);
        let mut model = Model { resting: Vec::new(), limit: limit.min(MAX_RESTING) };
        let mut now = 0u64;
        for op in ops {
            match op {
                Op::Insert { id, buy, who, price, life } => {
                    let side = if buy { Buy } else { Sell };
                    let o = Order {
                        id: BidId(id),
                        side,
                        participant: addr(who),
                        price: Money::new(price, Currency::Btc),
                        fee: Money::new(price.max(0) / 33, Currency::Btc),
                        expires: t(now + life),
                    };
                    let before = book.clone();
                    let r = book.insert(t(now), o);
                    prop_assert_eq!(&r, &model.insert(t(now), o));
                    if r.is_err() {
                        prop_assert_eq!(&book, &before);
                    }
                }
                Op::Remove(id) => {
                    prop_assert_eq!(book.remove(BidId(id)), model.remove(BidId(id)));
                }
                Op::Expire(max) => {
                    prop_assert_eq!(book.expire_up_to(t(now), max), model.expire(t(now), max));
                }
                Op::Tick(d) => now += d,
            }
            prop_assert_eq!(book.resting_in_acceptance_order(), model.resting.clone());
            prop_assert_eq!(book.next_expiry(), model.next_expiry());
            prop_assert_eq!(book.len(), model.resting.len());
        }
    }
}

/// Mutation gaps: `eq` must compare every part (not just one), and `get`
/// finds exactly the resting bids.
#[test]
fn books_compare_by_content_and_get_finds_resting_bids() {
    // BW-MATCH-12
    let mut a = OrderBook::new(Currency::Btc);
    let mut b = OrderBook::new(Currency::Btc);
    assert_eq!(a, b);
    a.insert(t(0), order(1, Sell, 1, 900, 100)).unwrap();
    assert_ne!(a, b, "a book with a bid differs from an empty one");
    b.insert(t(0), order(2, Sell, 1, 900, 100)).unwrap();
    assert_ne!(a, b, "same length, other bid");
    assert_ne!(
        OrderBook::new(Currency::Btc),
        OrderBook::new(Currency::Eur),
        "empty books of two currencies"
    );
    assert_ne!(
        OrderBook::with_limit(Currency::Btc, 1),
        OrderBook::new(Currency::Btc),
        "empty books with two limits"
    );
    assert_eq!(a.get(BidId(1)), Some(order(1, Sell, 1, 900, 100)));
    assert_eq!(a.get(BidId(2)), None);
    a.insert(t(0), order(3, Buy, 2, 1000, 100)).unwrap();
    assert_eq!(a.get(BidId(1)), None, "matched bids leave the book");
}

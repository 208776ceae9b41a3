//! `matching.json`: order-book scenarios (spec section 11). Expected results
//! come from a small list-based model written from BW-MATCH-1 … BW-MATCH-11;
//! every step is replayed on `bitwrk_protocol::book::OrderBook`.

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::book::{Order, OrderBook, Placement};
use bitwrk_protocol::ids::BidId;
use bitwrk_protocol::{Money, Timestamp};

use crate::market::{T0, cur, participant};
use crate::{Case, J, Outcome, VFile, When, case, note, obj, ours, rule, s_currency, s_int, strs};

#[derive(Clone, Debug)]
struct MOrder {
    id: u64,
    buy: bool,
    who: String,
    price: i64,
    fee: i64,
    expires: i64,
    seq: u64,
}

#[derive(Clone, Debug)]
enum Op {
    Insert {
        order: MOrder,
        currency: Option<&'static str>,
        now: i64,
    },
    Expire {
        now: i64,
    },
    Remove {
        id: u64,
    },
}

/// What the model says a step does.
#[derive(Clone, Debug, PartialEq)]
enum Res {
    Matched { id: u64, price: i64, fee: i64 },
    Rested,
    Expired,
    Removed,
    Refused(&'static str),
}

struct Model {
    currency: &'static str,
    limit: usize,
    resting: Vec<MOrder>,
    seq: u64,
}

impl Model {
    fn sorted_side(&self, buy: bool) -> Vec<MOrder> {
        let mut v: Vec<MOrder> = self
            .resting
            .iter()
            .filter(|o| o.buy == buy)
            .cloned()
            .collect();
        // BW-MATCH-1, BW-MATCH-2: best price first, then earliest accepted.
        v.sort_by_key(|o| {
            (
                if buy {
                    -i128::from(o.price)
                } else {
                    i128::from(o.price)
                },
                o.seq,
            )
        });
        v
    }

    fn step(&mut self, op: &Op) -> (Res, Vec<u64>) {
        match op {
            Op::Insert {
                order,
                currency,
                now,
            } => {
                if currency.unwrap_or(self.currency) != self.currency {
                    return (Res::Refused("book.currency-mismatch"), vec![]);
                }
                if order.price < 0 || order.fee < 0 {
                    return (Res::Refused("book.negative-amount"), vec![]);
                }
                if order.expires <= *now {
                    return (Res::Refused("book.expired"), vec![]);
                }
                if self.resting.iter().any(|o| o.id == order.id) {
                    return (Res::Refused("book.duplicate-id"), vec![]);
                }
                let mut expired = vec![];
                let mut found = None;
                for r in self.sorted_side(!order.buy) {
                    if r.expires <= *now {
                        expired.push(r.id);
                        continue;
                    }
                    let cross = if order.buy {
                        order.price >= r.price
                    } else {
                        r.price >= order.price
                    };
                    if !cross {
                        break;
                    }
                    if r.who == order.who {
                        continue;
                    }
                    found = Some(r);
                    break;
                }
                if found.is_none() && expired.is_empty() && self.resting.len() >= self.limit {
                    return (Res::Refused("book.full"), vec![]);
                }
                self.resting.retain(|o| !expired.contains(&o.id));
                match found {
                    Some(r) => {
                        self.resting.retain(|o| o.id != r.id);
                        (
                            Res::Matched {
                                id: r.id,
                                price: r.price,
                                fee: r.fee,
                            },
                            expired,
                        )
                    }
                    None => {
                        let mut o = order.clone();
                        o.seq = self.seq;
                        self.seq += 1;
                        self.resting.push(o);
                        (Res::Rested, expired)
                    }
                }
            }
            Op::Expire { now } => {
                let mut gone: Vec<MOrder> = self
                    .resting
                    .iter()
                    .filter(|o| o.expires <= *now)
                    .cloned()
                    .collect();
                gone.sort_by_key(|o| (o.expires, o.seq));
                self.resting.retain(|o| o.expires > *now);
                (Res::Expired, gone.iter().map(|o| o.id).collect())
            }
            Op::Remove { id } => {
                if self.resting.iter().any(|o| o.id == *id) {
                    self.resting.retain(|o| o.id != *id);
                    (Res::Removed, vec![])
                } else {
                    (Res::Refused("book.unknown-id"), vec![])
                }
            }
        }
    }
}

fn side(buy: bool) -> BidType {
    if buy { BidType::Buy } else { BidType::Sell }
}

/// Replays an op on the crate's book, in the model's terms.
fn crate_step(book: &mut OrderBook, op: &Op) -> (Res, Vec<u64>) {
    match op {
        Op::Insert {
            order,
            currency,
            now,
        } => {
            let c = cur(currency.unwrap_or(book.currency().code()));
            let o = Order {
                id: BidId(order.id),
                side: side(order.buy),
                participant: crate::market::crate_addr(&order.who),
                price: Money::new(order.price, c),
                fee: Money::new(order.fee, c),
                expires: Timestamp::from_millis(order.expires as u64),
            };
            match book.insert(Timestamp::from_millis(*now as u64), o) {
                Ok(out) => {
                    let expired = out.expired.iter().map(|o| o.id.0).collect();
                    let res = match out.placement {
                        Placement::Matched(m) => Res::Matched {
                            id: m.resting.id.0,
                            price: m.price.amount(),
                            fee: m.fee.amount(),
                        },
                        Placement::Rested => Res::Rested,
                    };
                    (res, expired)
                }
                Err(e) => (Res::Refused(e.code()), vec![]),
            }
        }
        Op::Expire { now } => (
            Res::Expired,
            book.expire(Timestamp::from_millis(*now as u64))
                .iter()
                .map(|o| o.id.0)
                .collect(),
        ),
        Op::Remove { id } => match book.remove(BidId(*id)) {
            Ok(_) => (Res::Removed, vec![]),
            Err(e) => (Res::Refused(e.code()), vec![]),
        },
    }
}

// --- scenario DSL ----------------------------------------------------------

fn who(name: &str) -> String {
    participant(name).address()
}

fn ms(s: i64) -> i64 {
    T0 + s * 1000
}

fn fee_of(price: i64) -> i64 {
    i64::try_from((3 * i128::from(price) + 99) / 100).unwrap()
}

/// An insertion at `at` seconds; expires 120 s later, fee 3 % rounded up.
fn ins(buy: bool, id: u64, name: &str, price: i64, at: i64) -> Op {
    Op::Insert {
        order: MOrder {
            id,
            buy,
            who: who(name),
            price,
            fee: fee_of(price.max(0)),
            expires: ms(at + 120),
            seq: 0,
        },
        currency: None,
        now: ms(at),
    }
}

fn buy(id: u64, name: &str, price: i64, at: i64) -> Op {
    ins(true, id, name, price, at)
}

fn sell(id: u64, name: &str, price: i64, at: i64) -> Op {
    ins(false, id, name, price, at)
}

trait Tweak {
    fn exp_ms(self, expires: i64) -> Op;
    fn exp(self, s: i64) -> Op;
    fn fee(self, f: i64) -> Op;
    fn cur(self, c: &'static str) -> Op;
}

impl Tweak for Op {
    fn exp_ms(mut self, expires: i64) -> Op {
        if let Op::Insert { order, .. } = &mut self {
            order.expires = expires;
        }
        self
    }
    fn exp(self, s: i64) -> Op {
        self.exp_ms(ms(s))
    }
    fn fee(mut self, f: i64) -> Op {
        if let Op::Insert { order, .. } = &mut self {
            order.fee = f;
        }
        self
    }
    fn cur(mut self, c: &'static str) -> Op {
        if let Op::Insert { currency, .. } = &mut self {
            *currency = Some(c);
        }
        self
    }
}

fn expire(at: i64) -> Op {
    Op::Expire { now: ms(at) }
}

fn expire_ms(now: i64) -> Op {
    Op::Expire { now }
}

fn remove(id: u64) -> Op {
    Op::Remove { id }
}

fn ids(v: &[u64]) -> J {
    J::A(v.iter().map(|&i| J::I(i as i64)).collect())
}

fn scenario(
    comment: &str,
    currency: &'static str,
    limit: Option<usize>,
    ops: Vec<Op>,
    req: &[&'static str],
    flags: &[&'static str],
) -> Case {
    let mut model = Model {
        currency,
        limit: limit.unwrap_or(usize::MAX),
        resting: vec![],
        seq: 0,
    };
    let mut book = match limit {
        Some(l) => OrderBook::with_limit(cur(currency), l),
        None => OrderBook::new(cur(currency)),
    };
    let mut steps = Vec::new();
    let mut last = Res::Rested;
    for op in &ops {
        let before = book.clone();
        let (res, expired) = model.step(op);
        let (cres, cexp) = crate_step(&mut book, op);
        assert_eq!((&res, &expired), (&cres, &cexp), "{comment}: {op:?}");
        if let Res::Refused(_) = res {
            assert_eq!(before, book, "{comment}: refused step changed the book");
        }
        let resting: Vec<u64> = model.resting.iter().map(|o| o.id).collect();
        let crate_resting: Vec<u64> = book
            .resting_in_acceptance_order()
            .iter()
            .map(|o| o.id.0)
            .collect();
        assert_eq!(resting, crate_resting, "{comment}");
        let best = |b: bool| model.sorted_side(b).first().map(|o| o.id);
        assert_eq!(
            best(true),
            book.best(BidType::Buy).map(|o| o.id.0),
            "{comment}"
        );
        assert_eq!(
            best(false),
            book.best(BidType::Sell).map(|o| o.id.0),
            "{comment}"
        );
        let next = model.resting.iter().map(|o| o.expires).min();
        assert_eq!(
            next,
            book.next_expiry().map(|t| t.as_millis() as i64),
            "{comment}"
        );
        let opt = |v: Option<u64>| v.map_or(J::Null, |i| J::I(i as i64));
        let mut s: Vec<(&str, J)> = match op {
            Op::Insert {
                order,
                currency,
                now,
            } => {
                let mut v = vec![
                    ("op", "insert".into()),
                    ("now", J::I(*now)),
                    ("id", J::I(order.id as i64)),
                    ("side", side(order.buy).as_str().into()),
                    ("participant", order.who.as_str().into()),
                    ("price", order.price.to_string().into()),
                    ("fee", order.fee.to_string().into()),
                    ("expires", J::I(order.expires)),
                ];
                if let Some(c) = currency {
                    v.push(("currency", (*c).into()));
                }
                v
            }
            Op::Expire { now } => vec![("op", "expire".into()), ("now", J::I(*now))],
            Op::Remove { id } => vec![("op", "remove".into()), ("id", J::I(*id as i64))],
        };
        let outcome = match &res {
            Res::Matched { .. } => "matched",
            Res::Rested => "rested",
            Res::Expired => "expired",
            Res::Removed => "removed",
            Res::Refused(_) => "refused",
        };
        s.push(("outcome", outcome.into()));
        match &res {
            Res::Refused(code) => s.push(("error", (*code).into())),
            Res::Matched { id, price, fee } => {
                s.push(("matchedId", J::I(*id as i64)));
                s.push(("tradePrice", price.to_string().into()));
                s.push(("tradeFee", fee.to_string().into()));
            }
            _ => {}
        }
        if matches!(op, Op::Insert { .. } | Op::Expire { .. }) && !matches!(res, Res::Refused(_)) {
            s.push(("expiredIds", ids(&expired)));
        }
        s.push(("resting", ids(&resting)));
        s.push(("bestBuy", opt(best(true))));
        s.push(("bestSell", opt(best(false))));
        s.push(("nextExpiry", next.map_or(J::Null, J::I)));
        steps.push(obj(s));
        last = res;
    }
    let mut c = case(comment)
        .req(req)
        .req(&["BW-MATCH-12"])
        .flags(flags)
        .f("currency", currency);
    if let Some(l) = limit {
        c = c.f("limit", l as i64);
    }
    c = c.f("steps", J::A(steps));
    match last {
        Res::Refused(code) => {
            c.outcome = Some(Outcome::Invalid(code));
            c
        }
        _ => c.valid(),
    }
}

pub(crate) fn matching_file() -> VFile {
    let m = |c: &str, ops: Vec<Op>, req: &[&'static str], flags: &[&'static str]| {
        scenario(c, "BTC", None, ops, req, flags)
    };
    let (a, b, c, d) = ("alice", "bob", "carol", "dave");
    let cases = vec![
        m(
            "a lone buy rests",
            vec![buy(1, a, 100_000, 0)],
            &["BW-MATCH-8"],
            &[],
        ),
        m(
            "a lone sell rests",
            vec![sell(1, a, 100_000, 0)],
            &["BW-MATCH-8"],
            &[],
        ),
        m(
            "crossing sell meets a resting buy: the resting buy's price and fee",
            vec![buy(1, a, 100_000, 0), sell(2, b, 90_000, 1)],
            &["BW-MATCH-3", "BW-MATCH-4"],
            &["RestingPrice"],
        ),
        m(
            "crossing buy meets a resting sell: the resting sell's price and fee",
            vec![sell(1, a, 90_000, 0), buy(2, b, 100_000, 1)],
            &["BW-MATCH-3", "BW-MATCH-4"],
            &["RestingPrice"],
        ),
        m(
            "equal prices cross, also with equal expiry times (DEP-200)",
            vec![sell(1, a, 100_000, 0), buy(2, b, 100_000, 0)],
            &["BW-MATCH-3"],
            &["Boundary", "Departure"],
        ),
        m(
            "equal prices cross when the incoming sell expires earlier",
            vec![buy(1, a, 100_000, 0), sell(2, b, 100_000, 1).exp(30)],
            &["BW-MATCH-3"],
            &["Boundary", "Departure"],
        ),
        m(
            "buy one smallest unit below the sell: no match, both rest",
            vec![sell(1, a, 100_000, 0), buy(2, b, 99_999, 1)],
            &["BW-MATCH-3", "BW-MATCH-8"],
            &["Boundary"],
        ),
        m(
            "sell one smallest unit above the buy: no match",
            vec![buy(1, a, 100_000, 0), sell(2, b, 100_001, 1)],
            &["BW-MATCH-3"],
            &["Boundary"],
        ),
        m(
            "best (lowest) sell is matched, not the first accepted",
            vec![
                sell(1, a, 100, 0),
                sell(2, b, 90, 1),
                sell(3, c, 95, 2),
                buy(4, d, 100, 3),
            ],
            &["BW-MATCH-1", "BW-MATCH-6"],
            &["Priority"],
        ),
        m(
            "best (highest) buy is matched",
            vec![
                buy(1, a, 100, 0),
                buy(2, b, 110, 1),
                buy(3, c, 105, 2),
                sell(4, d, 100, 3),
            ],
            &["BW-MATCH-1", "BW-MATCH-4"],
            &["Priority", "RestingPrice"],
        ),
        m(
            "equal prices: the earlier accepted sell first",
            vec![sell(1, a, 90, 0), sell(2, b, 90, 1), buy(3, c, 100, 2)],
            &["BW-MATCH-2"],
            &["Priority"],
        ),
        m(
            "equal prices: the earlier accepted buy first",
            vec![buy(1, a, 90, 0), buy(2, b, 90, 1), sell(3, c, 80, 2)],
            &["BW-MATCH-2"],
            &["Priority"],
        ),
        m(
            "equal prices: acceptance order, not expiry, decides (DEP-201)",
            vec![
                sell(1, a, 90, 0).exp(110),
                sell(2, b, 90, 1).exp(20),
                buy(3, c, 100, 2),
            ],
            &["BW-MATCH-2"],
            &["Priority", "Departure"],
        ),
        m(
            "equal prices: acceptance order, not bid id",
            vec![sell(9, a, 90, 0), sell(3, b, 90, 1), buy(1, c, 100, 2)],
            &["BW-MATCH-2"],
            &["Priority"],
        ),
        m(
            "a re-accepted bid queues behind bids of equal price",
            vec![
                sell(1, a, 90, 0),
                sell(2, b, 90, 1),
                remove(1),
                sell(3, a, 90, 2),
                buy(4, c, 100, 3),
            ],
            &["BW-MATCH-2", "BW-MATCH-11"],
            &["Priority"],
        ),
        m(
            "one match per incoming bid: the second crossing sell stays",
            vec![sell(1, a, 50, 0), sell(2, b, 50, 1), buy(3, c, 100, 2)],
            &["BW-MATCH-8"],
            &["OneMatch"],
        ),
        m(
            "the next incoming buy takes the remaining sell",
            vec![
                sell(1, a, 50, 0),
                sell(2, b, 50, 1),
                buy(3, c, 100, 2),
                buy(4, d, 100, 3),
            ],
            &["BW-MATCH-8"],
            &["OneMatch"],
        ),
        m(
            "best sell crosses, the next one would not: match, then the next buy rests",
            vec![
                sell(1, a, 90, 0),
                sell(2, b, 120, 1),
                buy(3, c, 100, 2),
                buy(4, d, 100, 3),
            ],
            &["BW-MATCH-6", "BW-MATCH-8"],
            &["OneMatch"],
        ),
        m(
            "trade fee is the resting bid's fee, whatever the incoming fee",
            vec![sell(1, a, 1000, 0).fee(7), buy(2, b, 1000, 1).fee(500)],
            &["BW-MATCH-4"],
            &["RestingPrice"],
        ),
        m(
            "incoming sell far below a resting buy trades at the buy's price",
            vec![buy(1, a, 100_000, 0), sell(2, b, 1, 1)],
            &["BW-MATCH-4"],
            &["RestingPrice"],
        ),
        m(
            "zero prices cross",
            vec![sell(1, a, 0, 0), buy(2, b, 0, 1)],
            &["BW-MATCH-3"],
            &["Boundary"],
        ),
        m(
            "very large prices",
            vec![
                sell(1, a, 9_000_000_000_000_000_000, 0).fee(0),
                buy(2, b, i64::MAX, 1).fee(0),
            ],
            &["BW-MATCH-3", "BW-MATCH-4"],
            &["Boundary"],
        ),
        m(
            "an expired resting sell met while matching is removed and reported; the buy rests",
            vec![sell(1, a, 90, 0).exp(10), buy(2, b, 100, 20)],
            &["BW-MATCH-5", "BW-MATCH-6"],
            &["Expiry"],
        ),
        m(
            "resting bid expiring exactly now is expired",
            vec![sell(1, a, 90, 0).exp(10), buy(2, b, 100, 10)],
            &["BW-MATCH-5", "BW-MATCH-6"],
            &["Expiry", "Boundary"],
        ),
        m(
            "resting bid one millisecond before its expiry matches",
            vec![
                sell(1, a, 90, 0).exp(10),
                Op::Insert {
                    order: MOrder {
                        id: 2,
                        buy: true,
                        who: who(b),
                        price: 100,
                        fee: 3,
                        expires: ms(130),
                        seq: 0,
                    },
                    currency: None,
                    now: ms(10) - 1,
                },
            ],
            &["BW-MATCH-5"],
            &["Expiry", "Boundary"],
        ),
        m(
            "expired best sell removed, then the live next one matched",
            vec![
                sell(1, a, 80, 0).exp(10),
                sell(2, b, 90, 1),
                buy(3, c, 100, 20),
            ],
            &["BW-MATCH-6"],
            &["Expiry"],
        ),
        m(
            "expired bids are reported in visiting (priority) order",
            vec![
                sell(1, a, 95, 0).exp(10),
                sell(2, b, 90, 1).exp(15),
                sell(3, c, 99, 2),
                buy(4, d, 100, 20),
            ],
            &["BW-MATCH-6"],
            &["Expiry"],
        ),
        m(
            "expired bids behind the match are not visited",
            vec![
                sell(1, a, 90, 0),
                sell(2, b, 95, 1).exp(10),
                buy(3, c, 100, 20),
            ],
            &["BW-MATCH-6"],
            &["Expiry"],
        ),
        m(
            "expired bids behind a non-crossing bid are not visited",
            vec![
                sell(1, a, 150, 0),
                sell(2, b, 200, 1).exp(10),
                buy(3, c, 100, 20),
            ],
            &["BW-MATCH-6"],
            &["Expiry"],
        ),
        m(
            "expired bids of the incoming bid's own side are not touched",
            vec![buy(1, a, 90, 0).exp(10), buy(2, b, 95, 20)],
            &["BW-MATCH-6"],
            &["Expiry"],
        ),
        m(
            "expired bids are reported also when the incoming bid then rests",
            vec![
                sell(1, a, 90, 0).exp(10),
                sell(2, b, 91, 1).exp(11),
                buy(3, c, 100, 20),
            ],
            &["BW-MATCH-6"],
            &["Expiry"],
        ),
        m(
            "incoming bid expiring exactly now is refused",
            vec![sell(1, a, 90, 0), buy(2, b, 100, 10).exp(10)],
            &["BW-MATCH-5", "BW-MATCH-11"],
            &["Expiry", "Boundary"],
        ),
        m(
            "incoming bid expired before now is refused and the book is unchanged",
            vec![sell(1, a, 90, 0), buy(2, b, 100, 10).exp(5)],
            &["BW-MATCH-5", "BW-MATCH-11"],
            &["Expiry"],
        ),
        m(
            "self-trade prevention: the own resting sell is skipped and both rest (DEP-203)",
            vec![sell(1, a, 90, 0), buy(2, a, 100, 1)],
            &["BW-MATCH-7"],
            &["SelfTrade", "Departure"],
        ),
        m(
            "self-trade prevention: skip the own bid, match the next",
            vec![sell(1, a, 90, 0), sell(2, b, 95, 1), buy(3, a, 100, 2)],
            &["BW-MATCH-7", "BW-MATCH-6"],
            &["SelfTrade", "Departure"],
        ),
        m(
            "self-trade prevention: the skipped bid stays valid for others",
            vec![
                sell(1, a, 90, 0),
                sell(2, b, 95, 1),
                buy(3, a, 100, 2),
                buy(4, c, 100, 3),
            ],
            &["BW-MATCH-7"],
            &["SelfTrade", "Departure"],
        ),
        m(
            "self-trade prevention: after skipping, the next bid does not cross",
            vec![sell(1, a, 90, 0), sell(2, b, 120, 1), buy(3, a, 100, 2)],
            &["BW-MATCH-7", "BW-MATCH-6"],
            &["SelfTrade", "Departure"],
        ),
        m(
            "self-trade prevention for an incoming sell",
            vec![buy(1, a, 110, 0), buy(2, b, 100, 1), sell(3, a, 90, 2)],
            &["BW-MATCH-7"],
            &["SelfTrade", "Departure"],
        ),
        m(
            "self-trade prevention with an expired bid between",
            vec![
                sell(1, a, 90, 0),
                sell(2, b, 92, 1).exp(10),
                sell(3, c, 95, 2),
                buy(4, a, 100, 20),
            ],
            &["BW-MATCH-7", "BW-MATCH-6"],
            &["SelfTrade", "Expiry", "Departure"],
        ),
        m(
            "several own bids are all skipped",
            vec![
                sell(1, a, 90, 0),
                sell(2, a, 91, 1),
                sell(3, a, 92, 2),
                sell(4, b, 93, 3),
                buy(5, a, 100, 4),
            ],
            &["BW-MATCH-7"],
            &["SelfTrade", "Departure"],
        ),
        scenario(
            "EUR book: bids in EUR match",
            "EUR",
            None,
            vec![
                sell(1, a, 1_500_000_000, 0).cur("EUR"),
                buy(2, b, 2_000_000_000, 1).cur("EUR"),
            ],
            &["BW-MATCH-4"],
            &["Currency"],
        ),
        scenario(
            "GBP book",
            "GBP",
            None,
            vec![buy(1, a, 10, 0), sell(2, b, 10, 1)],
            &["BW-MATCH-3"],
            &["Currency"],
        ),
        m(
            "bid in EUR refused by a BTC book",
            vec![sell(1, a, 90, 0), buy(2, b, 100, 1).cur("EUR")],
            &["BW-MATCH-11"],
            &["Currency"],
        ),
        scenario(
            "bid in BTC refused by a USD book",
            "USD",
            None,
            vec![buy(1, a, 100, 0).cur("BTC")],
            &["BW-MATCH-11"],
            &["Currency"],
        ),
        m(
            "negative price refused",
            vec![buy(1, a, -1, 0)],
            &["BW-MATCH-11"],
            &[],
        ),
        m(
            "negative fee refused",
            vec![buy(1, a, 100, 0).fee(-1)],
            &["BW-MATCH-11"],
            &[],
        ),
        m(
            "currency before negative amount",
            vec![buy(1, a, -1, 0).cur("EUR")],
            &["BW-MATCH-11"],
            &["CheckOrder", "Currency"],
        ),
        m(
            "negative amount before expiry",
            vec![buy(1, a, -1, 10).exp(5)],
            &["BW-MATCH-11"],
            &["CheckOrder"],
        ),
        m(
            "expiry before duplicate id",
            vec![buy(1, a, 100, 0), buy(1, b, 100, 10).exp(5)],
            &["BW-MATCH-11"],
            &["CheckOrder", "Expiry"],
        ),
        m(
            "a resting bid's id again is refused",
            vec![buy(1, a, 100, 0), sell(1, b, 200, 1)],
            &["BW-MATCH-11"],
            &[],
        ),
        m(
            "the id of a matched bid may rest again (only resting ids are checked)",
            vec![buy(1, a, 100, 0), sell(2, b, 100, 1), buy(1, c, 50, 2)],
            &["BW-MATCH-11"],
            &[],
        ),
        scenario(
            "full book refuses a bid that would rest",
            "BTC",
            Some(2),
            vec![buy(1, a, 100, 0), buy(2, b, 100, 1), sell(3, c, 200, 2)],
            &["BW-MATCH-10", "BW-MATCH-11"],
            &["Capacity"],
        ),
        scenario(
            "full book: a matching bid needs no room",
            "BTC",
            Some(2),
            vec![buy(1, a, 100, 0), buy(2, b, 100, 1), sell(3, c, 100, 2)],
            &["BW-MATCH-10"],
            &["Capacity"],
        ),
        scenario(
            "full book: removing an expired bid while matching makes room",
            "BTC",
            Some(2),
            vec![
                sell(1, a, 90, 0).exp(10),
                buy(2, b, 50, 1),
                buy(3, c, 80, 20),
            ],
            &["BW-MATCH-10", "BW-MATCH-6"],
            &["Capacity", "Expiry"],
        ),
        scenario(
            "full book: expired bids that were not met leave it full",
            "BTC",
            Some(2),
            vec![
                buy(1, a, 50, 0).exp(10),
                sell(2, b, 200, 1),
                buy(3, c, 60, 20),
            ],
            &["BW-MATCH-10"],
            &["Capacity", "Expiry"],
        ),
        scenario(
            "book of limit 0 still matches nothing and rests nothing",
            "BTC",
            Some(0),
            vec![buy(1, a, 100, 0)],
            &["BW-MATCH-10"],
            &["Capacity", "Boundary"],
        ),
        m(
            "duplicate id before capacity",
            vec![buy(1, a, 100, 0), buy(1, a, 100, 1)],
            &["BW-MATCH-11"],
            &["CheckOrder"],
        ),
        m(
            "expire removes by expiry time, ties by acceptance",
            vec![
                buy(1, a, 100, 0).exp(50),
                sell(2, b, 200, 1).exp(30),
                buy(3, c, 110, 2).exp(50),
                sell(4, d, 300, 3).exp(90),
                expire(60),
            ],
            &["BW-MATCH-9"],
            &["Expiry"],
        ),
        m(
            "expire at exactly the expiry time removes the bid",
            vec![buy(1, a, 100, 0).exp(50), expire(50)],
            &["BW-MATCH-9"],
            &["Expiry", "Boundary"],
        ),
        m(
            "expire one millisecond early removes nothing",
            vec![buy(1, a, 100, 0).exp(50), expire_ms(ms(50) - 1)],
            &["BW-MATCH-9"],
            &["Expiry", "Boundary"],
        ),
        m(
            "expire twice at the same time removes nothing the second time",
            vec![
                buy(1, a, 100, 0).exp(50),
                buy(2, b, 90, 1).exp(70),
                expire(60),
                expire(60),
            ],
            &["BW-MATCH-9"],
            &["Expiry"],
        ),
        m(
            "expire on an empty book",
            vec![expire(0)],
            &["BW-MATCH-9"],
            &["Expiry"],
        ),
        m(
            "next expiry follows removals",
            vec![
                buy(1, a, 100, 0).exp(50),
                sell(2, b, 200, 1).exp(40),
                remove(2),
                expire(50),
            ],
            &["BW-MATCH-9"],
            &["Expiry"],
        ),
        m(
            "remove a resting bid",
            vec![buy(1, a, 100, 0), remove(1)],
            &["BW-MATCH-11"],
            &[],
        ),
        m(
            "remove an unknown id",
            vec![buy(1, a, 100, 0), remove(2)],
            &["BW-MATCH-11"],
            &[],
        ),
        m(
            "remove a matched bid: it no longer rests",
            vec![buy(1, a, 100, 0), sell(2, b, 100, 1), remove(1)],
            &["BW-MATCH-11", "BW-MATCH-8"],
            &[],
        ),
        m(
            "remove an expired-and-removed bid",
            vec![buy(1, a, 100, 0).exp(10), expire(10), remove(1)],
            &["BW-MATCH-11", "BW-MATCH-9"],
            &["Expiry"],
        ),
        m(
            "a longer session: priority, self-trade, expiry and refusals together",
            vec![
                buy(1, b, 100, 0),
                buy(2, a, 105, 1),
                sell(3, a, 100, 2),
                sell(4, c, 110, 3).exp(30),
                buy(5, d, 120, 40),
                expire(200),
                sell(6, d, 90, 201),
                sell(7, b, 91, 202),
                buy(8, b, 95, 203),
            ],
            &["BW-MATCH-1", "BW-MATCH-6", "BW-MATCH-7", "BW-MATCH-9"],
            &["Priority", "SelfTrade", "Expiry"],
        ),
    ];
    VFile {
        stem: "matching",
        ty: "OrderBookMatching",
        title: "Order-book matching: price-time priority, one match per bid, expiry, self-trade prevention",
        header: vec![
            "Each case is a sequence of `steps` on one empty book for `currency` (holding at most `limit` resting bids if given). Times (`now`, `expires`) are milliseconds since the Unix epoch; amounts (`price`, `fee`, `tradePrice`, `tradeFee`) are decimal strings of smallest units; `participant` is an address (only equality matters).".into(),
            "op=insert: the bid (`id`, `side`, `participant`, `price`, `fee` in `currency` if given, else the book's, `expires`) arrives at `now`; `outcome` matched (with the resting bid `matchedId`, `tradePrice`, `tradeFee`), rested, or refused (with `error`, the book unchanged). op=expire: remove the bids expired at `now`. op=remove: remove the resting bid `id` (outcome removed or refused).".into(),
            "`expiredIds`: the expired resting bids removed by the step, in the order removed. After every step: `resting` lists the resting bids' ids in acceptance order, `bestBuy`/`bestSell` the best bid of each side (expired or not; null for none) and `nextExpiry` the earliest expiry of a resting bid (null for none).".into(),
            "The case's `result` and `error` are those of the last step (the step under test); earlier steps carry their own expectations.".into(),
        ],
        notes: vec![
            note("RestingPrice", "PRICE", "The trade takes the resting bid's price and fee (BW-MATCH-4).", "Buyers or sellers pay or receive the wrong amount."),
            note("Boundary", "EDGE_CASE", "Exactly at a boundary: equal prices, one unit apart, expiry equal to now, limit 0.", "Off-by-one in the cross condition or expiry test."),
            note("Departure", "DEPARTURE", "Behaviour that departs from BitWrk 0.7 on purpose (DEP-200 equal prices cross, DEP-201 acceptance order, DEP-203 self-trade prevention).", "A BitWrk 0.7-compatible implementation gives another result."),
            note("Priority", "PRIORITY", "Price first, then acceptance order (BW-MATCH-1, BW-MATCH-2).", "An unfair or non-deterministic order of matching."),
            note("OneMatch", "QUANTITY", "An incoming bid matches at most one resting bid.", "One unit of work is sold twice."),
            note("Expiry", "EXPIRY", "Expired bids never match; those met are removed and reported; expiry removes the rest.", "Expired bids trade, or their blocked funds are never refunded."),
            note("SelfTrade", "SELF_TRADE", "A participant's own resting bid is skipped, not matched, and stays.", "Wash trades, or bids lost from the book."),
            note("Currency", "CURRENCY", "Books are per currency; other currencies are refused.", "Amounts of different currencies are compared."),
            note("CheckOrder", "CHECK_ORDER", "Several defects; the first check of BW-MATCH-11 must be reported.", "A different error code than the conformance contract."),
            note("Capacity", "CAPACITY", "The optional limit on resting bids (BW-MATCH-10).", "Unbounded growth, or matching bids refused."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("currency", s_currency()),
            ("limit", s_int(0)),
            ("steps", steps_schema()),
        ],
        rules: vec![rule(None, When::Always, &["currency", "steps"])],
    }
}

fn steps_schema() -> J {
    let id_or_none = obj(vec![("type", strs(&["integer", "null"]))]);
    let id_list = obj(vec![
        ("type", "array".into()),
        ("items", obj(vec![("type", "integer".into())])),
    ]);
    let step = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&[
                "op",
                "outcome",
                "resting",
                "bestBuy",
                "bestSell",
                "nextExpiry",
            ]),
        ),
        (
            "properties",
            obj(vec![
                (
                    "op",
                    obj(vec![("enum", strs(&["insert", "expire", "remove"]))]),
                ),
                ("now", obj(vec![("type", "integer".into())])),
                (
                    "id",
                    obj(vec![("type", "integer".into()), ("minimum", J::I(0))]),
                ),
                ("side", obj(vec![("enum", strs(&["BUY", "SELL"]))])),
                ("participant", obj(vec![("type", "string".into())])),
                ("price", crate::s_amount()),
                ("fee", crate::s_amount()),
                ("currency", s_currency()),
                ("expires", obj(vec![("type", "integer".into())])),
                (
                    "outcome",
                    obj(vec![(
                        "enum",
                        strs(&["matched", "rested", "expired", "removed", "refused"]),
                    )]),
                ),
                (
                    "error",
                    obj(vec![
                        ("type", "string".into()),
                        ("pattern", "^book\\.[a-z-]+$".into()),
                    ]),
                ),
                ("matchedId", obj(vec![("type", "integer".into())])),
                ("tradePrice", crate::s_amount()),
                ("tradeFee", crate::s_amount()),
                ("expiredIds", id_list.clone()),
                ("resting", id_list),
                ("bestBuy", id_or_none.clone()),
                ("bestSell", id_or_none.clone()),
                ("nextExpiry", id_or_none),
            ]),
        ),
    ]);
    obj(vec![
        ("type", "array".into()),
        ("minItems", J::I(1)),
        ("items", step),
    ])
}

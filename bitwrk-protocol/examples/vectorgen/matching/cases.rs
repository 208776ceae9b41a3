//! The scenario builders and the case table of `matching.json`.

use super::replay::scenario;
use super::{MOrder, Op};
use crate::Case;
use crate::market::{T0, participant};

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

pub(super) fn cases() -> Vec<Case> {
    let m = |c: &str, ops: Vec<Op>, req: &[&'static str], flags: &[&'static str]| {
        scenario(c, "BTC", None, ops, req, flags)
    };
    let (a, b, c, d) = ("alice", "bob", "carol", "dave");
    vec![
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
    ]
}

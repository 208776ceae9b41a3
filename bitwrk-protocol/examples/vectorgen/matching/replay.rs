//! Replays a scenario on the model and on `bitwrk_protocol::book::OrderBook`,
//! requires them to agree step by step, and writes the case.

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::book::{Order, OrderBook, Placement};
use bitwrk_protocol::ids::BidId;
use bitwrk_protocol::{Money, Timestamp};

use super::model::Model;
use super::{Op, Res};
use crate::market::cur;
use crate::{Case, J, Outcome, case, obj};

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

fn ids(v: &[u64]) -> J {
    J::A(v.iter().map(|&i| J::I(i as i64)).collect())
}

pub(super) fn scenario(
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

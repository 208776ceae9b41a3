//! The book model, a plain list written from BW-MATCH-1 … BW-MATCH-11: the
//! expected side of every step.

use super::{MOrder, Op, Res};

pub(super) struct Model {
    pub(super) currency: &'static str,
    pub(super) limit: usize,
    pub(super) resting: Vec<MOrder>,
    pub(super) seq: u64,
}

impl Model {
    pub(super) fn sorted_side(&self, buy: bool) -> Vec<MOrder> {
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

    pub(super) fn step(&mut self, op: &Op) -> (Res, Vec<u64>) {
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

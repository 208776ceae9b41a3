//! The ledger model, written from BW-LEDGER-1 … BW-LEDGER-17 and
//! BW-DEP-8 … BW-DEP-10: the expected side of every step.

use std::collections::BTreeMap;

use super::{Amt, Op, StepResult};
use crate::market::participant;

/// A movement in the model's terms: type, accounts, parts A, B, F, W.
#[derive(Clone, Debug)]
struct Mv {
    kind: &'static str,
    a_who: &'static str,
    b_who: &'static str,
    parts: [Amt; 4],
}

#[derive(Clone, Debug, PartialEq, Default)]
pub(super) struct Acc {
    pub(super) cur: &'static str,
    pub(super) avail: i64,
    pub(super) blocked: i64,
    pub(super) last: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub(super) struct Model {
    pub(super) accounts: BTreeMap<String, Acc>,
    pub(super) totals: BTreeMap<&'static str, (i64, i64, i64)>,
    pub(super) last: i64,
    pub(super) deposits: BTreeMap<&'static str, (String, Amt, &'static str, &'static str)>,
}

pub(super) fn addr(name: &str) -> String {
    participant(name).address()
}

fn signs(kind: &str) -> [&'static str; 4] {
    match kind {
        "DEPOSIT" => [">0", "=0", "=0", "<0"],
        "WITHDRAWAL" => ["<0", "=0", "=0", ">0"],
        "BID" => ["<=0", ">=0", "=0", "=0"],
        "TRANSACTION_FINISH" => [">=0", "<=0", ">=0", "=0"],
        _ => [">=0", "<=0", "=0", "=0"],
    }
}

fn admits(rule: &str, v: i64) -> bool {
    match rule {
        ">0" => v > 0,
        "<0" => v < 0,
        "=0" => v == 0,
        ">=0" => v >= 0,
        _ => v <= 0,
    }
}

fn add(a: i64, b: i64) -> Result<i64, &'static str> {
    a.checked_add(b).ok_or("ledger.overflow")
}

fn neg(a: i64) -> Result<i64, &'static str> {
    a.checked_neg().ok_or("ledger.overflow")
}

impl Model {
    /// BW-LEDGER-10's steps, all or nothing.
    fn apply(&mut self, m: &Mv) -> Result<(i64, Option<i64>, Option<i64>), &'static str> {
        let cur = m.parts[0].1;
        if m.parts.iter().any(|p| p.1 != cur) {
            return Err("ledger.mixed-currency");
        }
        for (rule, p) in signs(m.kind).iter().zip(&m.parts) {
            if !admits(rule, p.0) {
                return Err("ledger.invalid-movement");
            }
        }
        if m.parts.iter().map(|p| i128::from(p.0)).sum::<i128>() != 0 {
            return Err("ledger.unbalanced");
        }
        if m.kind != "TRANSACTION_FINISH" && m.a_who != m.b_who {
            return Err("ledger.invalid-movement");
        }
        let mut next = self.clone();
        let (aa, ba) = (addr(m.a_who), addr(m.b_who));
        let pred_a = self.accounts.get(&aa).and_then(|x| x.last);
        let pred_b = self.accounts.get(&ba).and_then(|x| x.last);
        for (who, blocked, d) in [(&aa, false, m.parts[0].0), (&ba, true, m.parts[1].0)] {
            let acc = next.accounts.entry(who.clone()).or_insert(Acc {
                cur: "BTC",
                ..Acc::default()
            });
            if d == 0 {
                continue;
            }
            if acc.cur != cur && (acc.avail != 0 || acc.blocked != 0) {
                return Err("ledger.currency-mismatch");
            }
            let bal = if blocked {
                &mut acc.blocked
            } else {
                &mut acc.avail
            };
            let new = add(*bal, d)?;
            if new < 0 {
                return Err(if blocked {
                    "ledger.insufficient-blocked"
                } else {
                    "ledger.insufficient-funds"
                });
            }
            *bal = new;
            acc.cur = cur;
        }
        let t = next.totals.entry(cur).or_default();
        let w = m.parts[3].0;
        if w < 0 {
            t.0 = add(t.0, neg(w)?)?;
        } else {
            t.1 = add(t.1, w)?;
        }
        t.2 = add(t.2, m.parts[2].0)?;
        next.last += 1;
        let id = next.last;
        next.accounts.get_mut(&aa).unwrap().last = Some(id);
        next.accounts.get_mut(&ba).unwrap().last = Some(id);
        *self = next;
        Ok((id, pred_a, pred_b))
    }

    /// The movement an event books (BW-LEDGER-9, BW-LEDGER-17), or none.
    fn movement(op: &Op) -> Result<Option<Mv>, &'static str> {
        let esc = |kind, who, to_avail: i64, cur| -> Result<Option<Mv>, &'static str> {
            Ok(Some(Mv {
                kind,
                a_who: who,
                b_who: who,
                parts: [(to_avail, cur), (neg(to_avail)?, cur), (0, cur), (0, cur)],
            }))
        };
        match op {
            Op::Inject { who, amount } => Ok(Some(Mv {
                kind: if amount.0 < 0 {
                    "WITHDRAWAL"
                } else {
                    "DEPOSIT"
                },
                a_who: who,
                b_who: who,
                parts: [
                    *amount,
                    (0, amount.1),
                    (0, amount.1),
                    (neg(amount.0)?, amount.1),
                ],
            })),
            Op::Bid {
                who, price, fee, ..
            } => esc("BID", who, neg(add(price.0, *fee)?)?, price.1),
            Op::BidReimburse {
                who, price, fee, ..
            } => esc("BID_REIMBURSE", who, add(price.0, *fee)?, price.1),
            Op::Reimburse {
                who, price, fee, ..
            } => esc("TRANSACTION_REIMBURSE", who, add(price.0, *fee)?, price.1),
            Op::Transaction {
                who,
                bid,
                trade,
                cur,
                ..
            } => {
                let delta = add(bid.0, bid.1)?
                    .checked_sub(add(trade.0, trade.1)?)
                    .ok_or("ledger.overflow")?;
                match delta {
                    d if d < 0 => Err("ledger.invalid-movement"),
                    0 => Ok(None),
                    d => esc("TRANSACTION", who, d, cur),
                }
            }
            Op::Finish {
                seller,
                buyer,
                price,
                fee,
                ..
            } => Ok(Some(Mv {
                kind: "TRANSACTION_FINISH",
                a_who: seller,
                b_who: buyer,
                parts: [
                    *price,
                    (neg(add(price.0, *fee)?)?, price.1),
                    (*fee, price.1),
                    (0, price.1),
                ],
            })),
            Op::Raw {
                kind,
                a_who,
                b_who,
                parts,
            } => Ok(Some(Mv {
                kind,
                a_who,
                b_who,
                parts: *parts,
            })),
            Op::Deposit { .. } => unreachable!(),
        }
    }

    fn deposit(&mut self, op: &Op) -> Result<&'static str, &'static str> {
        let Op::Deposit {
            uid,
            who,
            amount,
            kind,
            reference,
            signer,
        } = op
        else {
            unreachable!()
        };
        if *kind == "1" && amount.0 <= 0 {
            return Err("deposit.non-positive-amount");
        }
        if *kind == "0" && amount.0 == 0 {
            return Err("deposit.zero-injection");
        }
        let ok = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !(8..=64).contains(&uid.len()) || !ok(uid) {
            return Err("deposit.bad-uid");
        }
        if reference.len() > 64 || !ok(reference) {
            return Err("deposit.bad-reference");
        }
        if *signer != "trusted" {
            return Err("deposit.untrusted-signer");
        }
        let record = (addr(who), *amount, *kind, *reference);
        if let Some(existing) = self.deposits.get(uid) {
            return if *existing == record {
                Ok("already-applied")
            } else {
                Err("deposit.uid-conflict")
            };
        }
        let m = Model::movement(&Op::Inject {
            who,
            amount: *amount,
        })?
        .unwrap();
        self.apply(&m)?;
        self.deposits.insert(uid, record);
        Ok("applied")
    }
}

pub(super) fn model_step(m: &mut Model, op: &Op) -> StepResult {
    if let Op::Deposit { .. } = op {
        let before = m.last;
        let out = m.deposit(op)?;
        let rec = (m.last != before).then(|| {
            let Op::Deposit { who, .. } = op else {
                unreachable!()
            };
            let _ = who;
            (m.last, None, None)
        });
        return Ok((out, rec));
    }
    match Model::movement(op)? {
        None => Ok(("no-movement", None)),
        Some(mv) => {
            let r = m.apply(&mv)?;
            Ok(("applied", Some(r)))
        }
    }
}

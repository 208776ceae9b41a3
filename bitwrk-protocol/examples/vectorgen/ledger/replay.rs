//! Replays a scenario on the model and on `bitwrk_protocol::ledger::Ledger`,
//! requires them to agree step by step, and writes the case.

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::ledger::{
    Deposit, DepositOutcome, DepositType, Ledger, Movement, MovementRecord, MovementType,
    References,
};
use bitwrk_protocol::{Currency, Timestamp};

use super::model::{Model, addr, model_step};
use super::{Op, StepResult};
use crate::market::{T0, crate_addr, money};
use crate::{Case, J, Outcome, case, obj};

fn mt(kind: &str) -> MovementType {
    MovementType::ALL
        .into_iter()
        .find(|t| t.as_str() == kind)
        .unwrap()
}

/// A booked movement's id and predecessor links, in the model's terms.
fn links(r: &MovementRecord) -> (i64, Option<i64>, Option<i64>) {
    (
        r.id.0 as i64,
        r.available_predecessor.map(|p| p.0 as i64),
        r.blocked_predecessor.map(|p| p.0 as i64),
    )
}

/// The crate's result for an op: outcome word and movement id.
fn crate_step(l: &mut Ledger, op: &Op, now: Timestamp) -> StepResult {
    let a = |w: &str| crate_addr(&addr(w));
    let mv: Result<Option<Movement>, _> = match op {
        Op::Inject { who, amount } => {
            Movement::injection(a(who), money(amount.0, amount.1), None).map(Some)
        }
        Op::Bid {
            who,
            price,
            fee,
            bid,
        }
        | Op::BidReimburse {
            who,
            price,
            fee,
            bid,
        } => {
            let book = if matches!(op, Op::Bid { .. }) {
                Movement::bid
            } else {
                Movement::bid_reimburse
            };
            book(
                a(who),
                money(price.0, price.1),
                money(*fee, price.1),
                BidId(*bid),
            )
            .map(Some)
        }
        Op::Transaction {
            who,
            bid,
            trade,
            cur,
            tx,
        } => Movement::transaction(
            a(who),
            money(bid.0, cur),
            money(bid.1, cur),
            money(trade.0, cur),
            money(trade.1, cur),
            TxId(*tx),
        ),
        Op::Finish {
            seller,
            buyer,
            price,
            fee,
            tx,
        } => Movement::transaction_finish(
            a(seller),
            a(buyer),
            money(price.0, price.1),
            money(*fee, price.1),
            TxId(*tx),
        )
        .map(Some),
        Op::Reimburse {
            who,
            price,
            fee,
            tx,
        } => Movement::transaction_reimburse(
            a(who),
            money(price.0, price.1),
            money(*fee, price.1),
            TxId(*tx),
        )
        .map(Some),
        Op::Raw {
            kind,
            a_who,
            b_who,
            parts,
        } => Ok(Some(Movement {
            kind: mt(kind),
            available_account: a(a_who),
            available_delta: money(parts[0].0, parts[0].1),
            blocked_account: a(b_who),
            blocked_delta: money(parts[1].0, parts[1].1),
            fee: money(parts[2].0, parts[2].1),
            world: money(parts[3].0, parts[3].1),
            refs: References::default(),
        })),
        Op::Deposit {
            uid,
            who,
            amount,
            kind,
            reference,
            signer,
        } => {
            let k = if *kind == "1" {
                DepositType::Bitcoin
            } else {
                DepositType::Injection
            };
            let d = Deposit::new(uid, a(who), money(amount.0, amount.1), k, reference)
                .map_err(|e| e.code())?;
            return match l
                .accept_deposit(now, &d, &a(signer), &a("trusted"))
                .map_err(|e| e.code())?
            {
                DepositOutcome::Applied(r) => Ok(("applied", Some(links(&r)))),
                DepositOutcome::AlreadyApplied => Ok(("already-applied", None)),
            };
        }
    };
    match mv.map_err(|e| e.code())? {
        None => Ok(("no-movement", None)),
        Some(m) => {
            let r = l.apply(now, &m).map_err(|e| e.code())?;
            Ok(("applied", Some(links(&r))))
        }
    }
}

fn amt(v: i64, c: &str) -> J {
    obj(vec![
        ("amount", v.to_string().into()),
        ("currency", c.into()),
    ])
}

fn op_json(op: &Op) -> Vec<(&'static str, J)> {
    let a = |w: &str| J::from(addr(w));
    match op {
        Op::Inject { who, amount } => vec![
            ("op", "inject".into()),
            ("account", a(who)),
            ("amount", amt(amount.0, amount.1)),
        ],
        Op::Bid {
            who,
            price,
            fee,
            bid,
        }
        | Op::BidReimburse {
            who,
            price,
            fee,
            bid,
        } => vec![
            (
                "op",
                if matches!(op, Op::Bid { .. }) {
                    "bid"
                } else {
                    "bidReimburse"
                }
                .into(),
            ),
            ("account", a(who)),
            ("price", amt(price.0, price.1)),
            ("fee", amt(*fee, price.1)),
            ("bid", J::I(*bid as i64)),
        ],
        Op::Transaction {
            who,
            bid,
            trade,
            cur,
            tx,
        } => vec![
            ("op", "transaction".into()),
            ("account", a(who)),
            ("bidPrice", amt(bid.0, cur)),
            ("bidFee", amt(bid.1, cur)),
            ("price", amt(trade.0, cur)),
            ("fee", amt(trade.1, cur)),
            ("tx", J::I(*tx as i64)),
        ],
        Op::Finish {
            seller,
            buyer,
            price,
            fee,
            tx,
        } => vec![
            ("op", "transactionFinish".into()),
            ("seller", a(seller)),
            ("account", a(buyer)),
            ("price", amt(price.0, price.1)),
            ("fee", amt(*fee, price.1)),
            ("tx", J::I(*tx as i64)),
        ],
        Op::Reimburse {
            who,
            price,
            fee,
            tx,
        } => vec![
            ("op", "transactionReimburse".into()),
            ("account", a(who)),
            ("price", amt(price.0, price.1)),
            ("fee", amt(*fee, price.1)),
            ("tx", J::I(*tx as i64)),
        ],
        Op::Raw {
            kind,
            a_who,
            b_who,
            parts,
        } => vec![
            ("op", "movement".into()),
            ("type", (*kind).into()),
            ("account", a(a_who)),
            ("blockedAccount", a(b_who)),
            ("available", amt(parts[0].0, parts[0].1)),
            ("blocked", amt(parts[1].0, parts[1].1)),
            ("fee", amt(parts[2].0, parts[2].1)),
            ("world", amt(parts[3].0, parts[3].1)),
        ],
        Op::Deposit {
            uid,
            who,
            amount,
            kind,
            reference,
            signer,
        } => vec![
            ("op", "deposit".into()),
            ("uid", (*uid).into()),
            ("account", a(who)),
            ("amount", amt(amount.0, amount.1)),
            ("depositType", (*kind).into()),
            ("ref", (*reference).into()),
            ("signer", a(signer)),
        ],
    }
}

pub(super) fn scenario(
    comment: &str,
    ops: Vec<Op>,
    req: &[&'static str],
    flags: &[&'static str],
) -> Case {
    let mut model = Model::default();
    let mut ledger = Ledger::new();
    let mut steps = Vec::new();
    let mut last = Ok("");
    let mut c = case(comment)
        .req(req)
        .req(&["BW-LEDGER-13", "BW-LEDGER-14"])
        .flags(flags);
    for (i, op) in ops.iter().enumerate() {
        let at = T0 + 1000 * i64::try_from(i).expect("few steps");
        let before = ledger.clone();
        let want = model_step(&mut model, op);
        let got = crate_step(&mut ledger, op, Timestamp::from_millis(at as u64));
        match (&want, &got) {
            (Ok((w, wid)), Ok((g, gid))) => {
                assert_eq!(w, g, "{comment}: {op:?}");
                if let (Some(w), Some(g)) = (wid, gid) {
                    if matches!(op, Op::Deposit { .. }) {
                        assert_eq!(w.0, g.0, "{comment}");
                    } else {
                        assert_eq!(w, g, "{comment}: movement id and predecessors");
                    }
                } else {
                    assert_eq!(wid.is_some(), gid.is_some(), "{comment}");
                }
            }
            (Err(w), Err(g)) => {
                assert_eq!(w, g, "{comment}: {op:?}");
                assert_eq!(
                    before, ledger,
                    "{comment}: a refused step changed the ledger"
                );
            }
            _ => panic!("{comment}: {op:?}: model {want:?}, crate {got:?}"),
        }
        ledger.check_invariants().expect("invariants");
        // The model's state, compared with the crate's.
        let accounts: Vec<J> = model
            .accounts
            .iter()
            .map(|(k, a)| {
                let ca = ledger.account(&crate_addr(k)).expect("account exists");
                assert_eq!(
                    (ca.currency.code(), ca.available, ca.blocked),
                    (a.cur, a.avail, a.blocked),
                    "{comment}"
                );
                obj(vec![
                    ("account", k.as_str().into()),
                    ("currency", a.cur.into()),
                    ("available", a.avail.to_string().into()),
                    ("blocked", a.blocked.to_string().into()),
                ])
            })
            .collect();
        assert_eq!(ledger.accounts().count(), model.accounts.len(), "{comment}");
        let mut totals = Vec::new();
        for cur in Currency::ALL {
            let t = ledger.totals(cur);
            let m = model.totals.get(cur.code()).copied().unwrap_or_default();
            assert_eq!((t.deposited, t.withdrawn, t.fees), m, "{comment}");
            if m != (0, 0, 0) {
                // Conservation (BW-LEDGER-14), checked on the model's numbers.
                let bal: i128 = model
                    .accounts
                    .values()
                    .filter(|a| a.cur == cur.code())
                    .map(|a| i128::from(a.avail) + i128::from(a.blocked))
                    .sum();
                assert_eq!(
                    bal + i128::from(m.2),
                    i128::from(m.0) - i128::from(m.1),
                    "{comment}"
                );
                totals.push(obj(vec![
                    ("currency", cur.code().into()),
                    ("deposited", m.0.to_string().into()),
                    ("withdrawn", m.1.to_string().into()),
                    ("fees", m.2.to_string().into()),
                ]));
            }
        }
        let mut s = op_json(op);
        s.insert(1, ("at", J::I(at)));
        match &want {
            Ok((outcome, rec)) => {
                s.push(("outcome", (*outcome).into()));
                if let Some((id, pa, pb)) = rec {
                    s.push(("movementId", J::I(*id)));
                    if !matches!(op, Op::Deposit { .. }) {
                        let p = |x: &Option<i64>| x.map_or(J::Null, J::I);
                        s.push(("availablePredecessor", p(pa)));
                        s.push(("blockedPredecessor", p(pb)));
                        c = c.req(&["BW-LEDGER-12"]);
                    }
                }
            }
            Err(e) => {
                s.push(("outcome", "refused".into()));
                s.push(("error", (*e).into()));
                c = c.req(&["BW-LEDGER-11"]);
            }
        }
        s.push(("accounts", J::A(accounts)));
        s.push(("totals", J::A(totals)));
        steps.push(obj(s));
        last = want.map(|(o, _)| o);
    }
    c = c.f("steps", J::A(steps));
    match last {
        Ok(_) => c.valid(),
        Err(e) => {
            c.outcome = Some(Outcome::Invalid(e));
            c
        }
    }
}

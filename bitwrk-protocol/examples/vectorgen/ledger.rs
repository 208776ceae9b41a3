//! `ledger.json`: ledger scenarios (spec sections 13 and 14.1). Expected
//! balances come from a small model written from BW-LEDGER-1 … BW-LEDGER-17
//! and BW-DEP-8 … BW-DEP-10; every step is replayed on
//! `bitwrk_protocol::ledger::Ledger`.

use std::collections::BTreeMap;

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::ledger::{
    Deposit, DepositOutcome, DepositType, Ledger, Movement, MovementType, References,
};
use bitwrk_protocol::{Currency, Timestamp};

use crate::market::{T0, crate_addr, money, participant};
use crate::{Case, J, Outcome, VFile, When, case, note, obj, ours, rule, s_amount, strs};

type Amt = (i64, &'static str);

/// A step's outcome word and, for an applied movement, its id and
/// predecessor links.
type StepResult = Result<(&'static str, Option<(i64, Option<i64>, Option<i64>)>), &'static str>;

#[derive(Clone, Debug)]
enum Op {
    Inject {
        who: &'static str,
        amount: Amt,
    },
    Bid {
        who: &'static str,
        price: Amt,
        fee: i64,
        bid: u64,
    },
    BidReimburse {
        who: &'static str,
        price: Amt,
        fee: i64,
        bid: u64,
    },
    Transaction {
        who: &'static str,
        bid: (i64, i64),
        trade: (i64, i64),
        cur: &'static str,
        tx: u64,
    },
    Finish {
        seller: &'static str,
        buyer: &'static str,
        price: Amt,
        fee: i64,
        tx: u64,
    },
    Reimburse {
        who: &'static str,
        price: Amt,
        fee: i64,
        tx: u64,
    },
    Raw {
        kind: &'static str,
        a_who: &'static str,
        b_who: &'static str,
        parts: [Amt; 4],
    },
    Deposit {
        uid: &'static str,
        who: &'static str,
        amount: Amt,
        kind: &'static str,
        reference: &'static str,
        signer: &'static str,
    },
}

/// A movement in the model's terms: type, accounts, parts A, B, F, W.
#[derive(Clone, Debug)]
struct Mv {
    kind: &'static str,
    a_who: &'static str,
    b_who: &'static str,
    parts: [Amt; 4],
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Acc {
    cur: &'static str,
    avail: i64,
    blocked: i64,
    last: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Model {
    accounts: BTreeMap<String, Acc>,
    totals: BTreeMap<&'static str, (i64, i64, i64)>,
    last: i64,
    deposits: BTreeMap<&'static str, (String, Amt, &'static str, &'static str)>,
}

fn addr(name: &str) -> String {
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

fn mt(kind: &str) -> MovementType {
    MovementType::ALL
        .into_iter()
        .find(|t| t.as_str() == kind)
        .unwrap()
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
        } => Movement::bid(
            a(who),
            money(price.0, price.1),
            money(*fee, price.1),
            BidId(*bid),
        )
        .map(Some),
        Op::BidReimburse {
            who,
            price,
            fee,
            bid,
        } => Movement::bid_reimburse(
            a(who),
            money(price.0, price.1),
            money(*fee, price.1),
            BidId(*bid),
        )
        .map(Some),
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
                DepositOutcome::Applied(r) => Ok((
                    "applied",
                    Some((
                        r.id.0 as i64,
                        r.available_predecessor.map(|p| p.0 as i64),
                        r.blocked_predecessor.map(|p| p.0 as i64),
                    )),
                )),
                DepositOutcome::AlreadyApplied => Ok(("already-applied", None)),
            };
        }
    };
    match mv.map_err(|e| e.code())? {
        None => Ok(("no-movement", None)),
        Some(m) => {
            let r = l.apply(now, &m).map_err(|e| e.code())?;
            Ok((
                "applied",
                Some((
                    r.id.0 as i64,
                    r.available_predecessor.map(|p| p.0 as i64),
                    r.blocked_predecessor.map(|p| p.0 as i64),
                )),
            ))
        }
    }
}

fn model_step(m: &mut Model, op: &Op) -> StepResult {
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
        } => vec![
            ("op", "bid".into()),
            ("account", a(who)),
            ("price", amt(price.0, price.1)),
            ("fee", amt(*fee, price.1)),
            ("bid", J::I(*bid as i64)),
        ],
        Op::BidReimburse {
            who,
            price,
            fee,
            bid,
        } => vec![
            ("op", "bidReimburse".into()),
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

fn scenario(comment: &str, ops: Vec<Op>, req: &[&'static str], flags: &[&'static str]) -> Case {
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

// --- builders -----------------------------------------------------------------

fn btc(v: i64) -> Amt {
    (v, "BTC")
}

fn inject(who: &'static str, v: i64) -> Op {
    Op::Inject {
        who,
        amount: btc(v),
    }
}

fn bid(who: &'static str, p: i64, f: i64) -> Op {
    Op::Bid {
        who,
        price: btc(p),
        fee: f,
        bid: 1,
    }
}

fn bid_back(who: &'static str, p: i64, f: i64) -> Op {
    Op::BidReimburse {
        who,
        price: btc(p),
        fee: f,
        bid: 1,
    }
}

fn txn(who: &'static str, bid: (i64, i64), trade: (i64, i64)) -> Op {
    Op::Transaction {
        who,
        bid,
        trade,
        cur: "BTC",
        tx: 7,
    }
}

fn finish(seller: &'static str, buyer: &'static str, p: i64, f: i64) -> Op {
    Op::Finish {
        seller,
        buyer,
        price: btc(p),
        fee: f,
        tx: 7,
    }
}

fn refund(who: &'static str, p: i64, f: i64) -> Op {
    Op::Reimburse {
        who,
        price: btc(p),
        fee: f,
        tx: 7,
    }
}

fn raw(kind: &'static str, a: &'static str, b: &'static str, parts: [i64; 4]) -> Op {
    Op::Raw {
        kind,
        a_who: a,
        b_who: b,
        parts: parts.map(btc),
    }
}

fn dep(
    uid: &'static str,
    who: &'static str,
    amount: Amt,
    kind: &'static str,
    reference: &'static str,
) -> Op {
    Op::Deposit {
        uid,
        who,
        amount,
        kind,
        reference,
        signer: "trusted",
    }
}

pub(crate) fn ledger_file() -> VFile {
    let (b, s, o) = ("buyer", "seller", "stranger");
    let sale = || vec![inject(b, 200_000), bid(b, 150_000, 4_500)];
    let with = |mut v: Vec<Op>, more: Vec<Op>| {
        v.extend(more);
        v
    };
    let max = i64::MAX;
    let cases = vec![
        scenario(
            "deposit credits the available balance",
            vec![inject(b, 200_000)],
            &["BW-LEDGER-9", "BW-LEDGER-1", "BW-LEDGER-15"],
            &[],
        ),
        scenario("buy bid blocks price + fee", sale(), &["BW-LEDGER-9"], &[]),
        scenario(
            "unmatched bid expires: price + fee available again",
            with(sale(), vec![bid_back(b, 150_000, 4_500)]),
            &["BW-LEDGER-9"],
            &[],
        ),
        scenario(
            "match at the bid's own price: no TRANSACTION movement",
            with(sale(), vec![txn(b, (150_000, 4_500), (150_000, 4_500))]),
            &["BW-LEDGER-17"],
            &[],
        ),
        scenario(
            "full sale: bid, match, paid retirement; the fee is collected",
            with(
                sale(),
                vec![
                    txn(b, (150_000, 4_500), (150_000, 4_500)),
                    finish(s, b, 150_000, 4_500),
                ],
            ),
            &["BW-LEDGER-9", "BW-LEDGER-15"],
            &["Flow"],
        ),
        scenario(
            "price improvement: the difference returns at the match",
            with(sale(), vec![txn(b, (150_000, 4_500), (100_000, 3_000))]),
            &["BW-LEDGER-9", "BW-LEDGER-17"],
            &["Flow"],
        ),
        scenario(
            "price improvement, then paid at the trade price",
            with(
                sale(),
                vec![
                    txn(b, (150_000, 4_500), (100_000, 3_000)),
                    finish(s, b, 100_000, 3_000),
                ],
            ),
            &["BW-LEDGER-9"],
            &["Flow"],
        ),
        scenario(
            "unpaid retirement refunds the trade's price + fee",
            with(
                sale(),
                vec![
                    txn(b, (150_000, 4_500), (100_000, 3_000)),
                    refund(b, 100_000, 3_000),
                ],
            ),
            &["BW-LEDGER-9"],
            &["Flow"],
        ),
        scenario(
            "trade above the bid (Δ < 0) is refused",
            with(sale(), vec![txn(b, (150_000, 4_500), (150_001, 4_500))]),
            &["BW-LEDGER-17"],
            &["Boundary"],
        ),
        scenario(
            "bid of exactly the available balance",
            vec![inject(b, 103), bid(b, 100, 3)],
            &["BW-LEDGER-3"],
            &["Boundary"],
        ),
        scenario(
            "bid one unit above the available balance",
            vec![inject(b, 102), bid(b, 100, 3)],
            &["BW-LEDGER-3"],
            &["Boundary", "Funds"],
        ),
        scenario(
            "bid on an empty account",
            vec![bid(b, 100, 3)],
            &["BW-LEDGER-3", "BW-LEDGER-1"],
            &["Funds"],
        ),
        scenario(
            "zero-price bid books a zero movement",
            vec![bid(b, 0, 0)],
            &["BW-LEDGER-6", "BW-LEDGER-12"],
            &["Boundary"],
        ),
        scenario(
            "reimbursing more than is blocked",
            with(sale(), vec![bid_back(b, 150_000, 4_501)]),
            &["BW-LEDGER-3"],
            &["Funds"],
        ),
        scenario(
            "paid retirement without blocked funds: the seller is not credited either",
            vec![inject(b, 1_000), finish(s, b, 500, 15)],
            &["BW-LEDGER-3", "BW-LEDGER-11"],
            &["Funds", "AllOrNothing"],
        ),
        scenario(
            "two bids, one paid, one expired",
            vec![
                inject(b, 1_000),
                bid(b, 300, 9),
                bid(b, 400, 12),
                finish(s, b, 300, 9),
                bid_back(b, 400, 12),
            ],
            &["BW-LEDGER-9", "BW-LEDGER-12"],
            &["Flow"],
        ),
        scenario(
            "seller's earnings can buy",
            vec![
                inject(b, 1_000),
                bid(b, 300, 9),
                finish(s, b, 300, 9),
                bid(s, 250, 8),
            ],
            &["BW-LEDGER-9"],
            &["Flow"],
        ),
        scenario(
            "withdrawal (negative injection)",
            vec![inject(b, 1_000), inject(b, -400)],
            &["BW-LEDGER-9", "BW-LEDGER-15"],
            &[],
        ),
        scenario(
            "withdrawal of the whole balance",
            vec![inject(b, 1_000), inject(b, -1_000)],
            &["BW-LEDGER-9"],
            &["Boundary"],
        ),
        scenario(
            "withdrawal above the balance",
            vec![inject(b, 1_000), inject(b, -1_001)],
            &["BW-LEDGER-3"],
            &["Funds"],
        ),
        scenario(
            "withdrawal cannot touch blocked funds",
            vec![inject(b, 1_000), bid(b, 500, 15), inject(b, -1_000)],
            &["BW-LEDGER-3"],
            &["Funds"],
        ),
        scenario(
            "zero injection breaks the DEPOSIT sign rule",
            vec![inject(b, 0)],
            &["BW-LEDGER-6"],
            &["SignRule"],
        ),
        scenario(
            "an empty account takes any currency",
            vec![Op::Inject {
                who: b,
                amount: (5_000_000_000, "EUR"),
            }],
            &["BW-LEDGER-2"],
            &["Currency"],
        ),
        scenario(
            "BTC into a EUR account is refused",
            vec![
                Op::Inject {
                    who: b,
                    amount: (5_000_000_000, "EUR"),
                },
                inject(b, 100),
            ],
            &["BW-LEDGER-2"],
            &["Currency"],
        ),
        scenario(
            "an account emptied to zero may change currency",
            vec![
                Op::Inject {
                    who: b,
                    amount: (5, "EUR"),
                },
                Op::Inject {
                    who: b,
                    amount: (-5, "EUR"),
                },
                inject(b, 100),
            ],
            &["BW-LEDGER-2"],
            &["Currency"],
        ),
        scenario(
            "a zero delta in another currency is admissible and keeps the currency",
            vec![
                inject(s, 100),
                Op::Inject {
                    who: b,
                    amount: (10, "EUR"),
                },
                Op::Bid {
                    who: b,
                    price: (7, "EUR"),
                    fee: 3,
                    bid: 1,
                },
                Op::Finish {
                    seller: s,
                    buyer: b,
                    price: (0, "EUR"),
                    fee: 10,
                    tx: 7,
                },
            ],
            &["BW-LEDGER-2"],
            &["Currency"],
        ),
        scenario(
            "blocked funds of another currency are refused",
            vec![
                inject(s, 100),
                Op::Inject {
                    who: b,
                    amount: (10, "EUR"),
                },
                Op::Bid {
                    who: b,
                    price: (7, "EUR"),
                    fee: 3,
                    bid: 1,
                },
                Op::Finish {
                    seller: s,
                    buyer: b,
                    price: (5, "EUR"),
                    fee: 5,
                    tx: 7,
                },
            ],
            &["BW-LEDGER-2", "BW-LEDGER-11"],
            &["Currency", "AllOrNothing"],
        ),
        scenario(
            "totals are kept per currency",
            vec![
                inject(b, 100),
                Op::Inject {
                    who: s,
                    amount: (7, "USD"),
                },
                Op::Inject {
                    who: o,
                    amount: (9, "GBP"),
                },
                Op::Inject {
                    who: o,
                    amount: (-4, "GBP"),
                },
            ],
            &["BW-LEDGER-15"],
            &["Currency"],
        ),
        scenario(
            "movement with a fee in another currency",
            vec![Op::Raw {
                kind: "TRANSACTION_FINISH",
                a_who: s,
                b_who: b,
                parts: [btc(5), btc(-6), (1, "EUR"), btc(0)],
            }],
            &["BW-LEDGER-5", "BW-LEDGER-10"],
            &["Currency"],
        ),
        scenario(
            "BID with a positive available part",
            vec![raw("BID", b, b, [1, -1, 0, 0])],
            &["BW-LEDGER-6"],
            &["SignRule"],
        ),
        scenario(
            "DEPOSIT with a blocked part",
            vec![raw("DEPOSIT", b, b, [5, 1, 0, -6])],
            &["BW-LEDGER-6"],
            &["SignRule"],
        ),
        scenario(
            "TRANSACTION with a fee",
            vec![
                inject(b, 10),
                bid(b, 5, 1),
                raw("TRANSACTION", b, b, [1, -2, 1, 0]),
            ],
            &["BW-LEDGER-6"],
            &["SignRule"],
        ),
        scenario(
            "WITHDRAWAL with a zero world part",
            vec![inject(b, 10), raw("WITHDRAWAL", b, b, [-5, 0, 0, 0])],
            &["BW-LEDGER-6"],
            &["SignRule"],
        ),
        scenario(
            "unbalanced BID",
            vec![inject(b, 10), raw("BID", b, b, [-5, 4, 0, 0])],
            &["BW-LEDGER-7"],
            &["Unbalanced"],
        ),
        scenario(
            "unbalanced DEPOSIT (money from nowhere)",
            vec![raw("DEPOSIT", b, b, [5, 0, 0, -4])],
            &["BW-LEDGER-7"],
            &["Unbalanced"],
        ),
        scenario(
            "BID across two accounts",
            vec![inject(b, 10), raw("BID", b, s, [-5, 5, 0, 0])],
            &["BW-LEDGER-8"],
            &["TwoAccounts"],
        ),
        scenario(
            "TRANSACTION_REIMBURSE across two accounts",
            vec![
                inject(b, 10),
                bid(b, 5, 0),
                raw("TRANSACTION_REIMBURSE", s, b, [5, -5, 0, 0]),
            ],
            &["BW-LEDGER-8"],
            &["TwoAccounts"],
        ),
        scenario(
            "TRANSACTION_FINISH may name two accounts",
            vec![
                inject(b, 10),
                bid(b, 5, 1),
                raw("TRANSACTION_FINISH", s, b, [5, -6, 1, 0]),
            ],
            &["BW-LEDGER-8", "BW-LEDGER-12"],
            &["TwoAccounts"],
        ),
        scenario(
            "mixed currency is reported before a sign violation",
            vec![Op::Raw {
                kind: "BID",
                a_who: b,
                b_who: s,
                parts: [btc(1), btc(0), btc(0), (0, "EUR")],
            }],
            &["BW-LEDGER-10"],
            &["CheckOrder"],
        ),
        scenario(
            "sign violation before imbalance",
            vec![raw("BID", b, s, [1, 0, 0, 0])],
            &["BW-LEDGER-10"],
            &["CheckOrder", "SignRule"],
        ),
        scenario(
            "imbalance before the one-account rule",
            vec![raw("BID", b, s, [-1, 0, 0, 0])],
            &["BW-LEDGER-10"],
            &["CheckOrder", "Unbalanced"],
        ),
        scenario(
            "one-account rule before funds",
            vec![raw("BID", b, s, [-1, 1, 0, 0])],
            &["BW-LEDGER-10"],
            &["CheckOrder", "TwoAccounts"],
        ),
        scenario(
            "a valid BID movement on an empty account lacks funds",
            vec![raw("BID", b, b, [-5, 5, 0, 0])],
            &["BW-LEDGER-3", "BW-LEDGER-10"],
            &["Funds"],
        ),
        scenario(
            "balance overflow",
            vec![inject(b, max), inject(b, 1)],
            &["BW-LEDGER-3"],
            &["Overflow"],
        ),
        scenario(
            "deposited total overflow across accounts; the second account is not created",
            vec![inject(b, max), inject(s, 1)],
            &["BW-LEDGER-16", "BW-LEDGER-11"],
            &["Overflow", "AllOrNothing"],
        ),
        scenario(
            "bid whose price + fee overflows",
            vec![
                inject(b, 10),
                Op::Bid {
                    who: b,
                    price: btc(max),
                    fee: 1,
                    bid: 1,
                },
            ],
            &["BW-LEDGER-9"],
            &["Overflow"],
        ),
        scenario(
            "predecessor links: each account's movements form a list",
            vec![
                inject(b, 1_000),
                inject(s, 10),
                bid(b, 300, 9),
                finish(s, b, 300, 9),
                inject(b, -100),
            ],
            &["BW-LEDGER-12"],
            &["Flow"],
        ),
        // deposits (section 14.1)
        scenario(
            "bitcoin deposit",
            vec![dep("pay-0001", b, btc(150_000), "1", "tx-77")],
            &["BW-DEP-9"],
            &["Deposit"],
        ),
        scenario(
            "replayed deposit is a no-op",
            vec![
                dep("pay-0001", b, btc(150_000), "1", "tx-77"),
                dep("pay-0001", b, btc(150_000), "1", "tx-77"),
            ],
            &["BW-DEP-8"],
            &["Deposit", "Idempotent"],
        ),
        scenario(
            "same uid, other amount",
            vec![
                dep("pay-0001", b, btc(150_000), "1", "tx-77"),
                dep("pay-0001", b, btc(150_001), "1", "tx-77"),
            ],
            &["BW-DEP-8"],
            &["Deposit", "Idempotent"],
        ),
        scenario(
            "same uid, other reference",
            vec![
                dep("pay-0001", b, btc(150_000), "1", "tx-77"),
                dep("pay-0001", b, btc(150_000), "1", "tx-78"),
            ],
            &["BW-DEP-8"],
            &["Deposit", "Idempotent"],
        ),
        scenario(
            "same uid, other account",
            vec![
                dep("pay-0001", b, btc(150_000), "1", "tx-77"),
                dep("pay-0001", s, btc(150_000), "1", "tx-77"),
            ],
            &["BW-DEP-8"],
            &["Deposit", "Idempotent"],
        ),
        scenario(
            "same uid, other type",
            vec![
                dep("pay-0001", b, btc(150_000), "1", "tx-77"),
                dep("pay-0001", b, btc(150_000), "0", "tx-77"),
            ],
            &["BW-DEP-8"],
            &["Deposit", "Idempotent"],
        ),
        scenario(
            "same uid, same value in another currency",
            vec![
                dep("pay-0001", b, (150_000, "EUR"), "1", "tx-77"),
                dep("pay-0001", b, (150_000, "USD"), "1", "tx-77"),
            ],
            &["BW-DEP-8"],
            &["Deposit", "Idempotent", "Currency"],
        ),
        scenario(
            "deposit signed by another account",
            vec![Op::Deposit {
                uid: "pay-0001",
                who: b,
                amount: btc(5),
                kind: "1",
                reference: "",
                signer: o,
            }],
            &["BW-DEP-7"],
            &["Deposit"],
        ),
        scenario(
            "replay signed by another account is refused before the uid is looked up",
            vec![
                dep("pay-0001", b, btc(5), "1", ""),
                Op::Deposit {
                    uid: "pay-0001",
                    who: b,
                    amount: btc(5),
                    kind: "1",
                    reference: "",
                    signer: o,
                },
            ],
            &["BW-DEP-7", "BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
        scenario(
            "bitcoin deposit of zero",
            vec![dep("pay-0001", b, btc(0), "1", "")],
            &["BW-DEP-3"],
            &["Deposit"],
        ),
        scenario(
            "negative bitcoin deposit",
            vec![dep("pay-0001", b, btc(-5), "1", "")],
            &["BW-DEP-3"],
            &["Deposit"],
        ),
        scenario(
            "zero injection",
            vec![dep("pay-0001", b, btc(0), "0", "")],
            &["BW-DEP-3"],
            &["Deposit"],
        ),
        scenario(
            "negative injection is a withdrawal",
            vec![
                dep("pay-0001", b, btc(500), "1", ""),
                dep("pay-0002", b, btc(-200), "0", ""),
            ],
            &["BW-DEP-3", "BW-DEP-9"],
            &["Deposit"],
        ),
        scenario(
            "negative injection above the balance is refused and not recorded; the same uid works later",
            vec![
                dep("pay-0002", b, btc(-200), "0", ""),
                dep("pay-0001", b, btc(500), "1", ""),
                dep("pay-0002", b, btc(-200), "0", ""),
            ],
            &["BW-DEP-9"],
            &["Deposit", "Funds"],
        ),
        scenario(
            "negative injection above the balance",
            vec![dep("pay-0002", b, btc(-200), "0", "")],
            &["BW-DEP-9", "BW-LEDGER-3"],
            &["Deposit", "Funds"],
        ),
        scenario(
            "deposit in another currency than the account's",
            vec![
                dep("pay-0001", b, btc(500), "1", ""),
                dep("pay-0002", b, (500, "EUR"), "1", ""),
            ],
            &["BW-DEP-9", "BW-LEDGER-2"],
            &["Deposit", "Currency"],
        ),
        scenario(
            "uid of 7 characters",
            vec![dep("pay-001", b, btc(5), "1", "")],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid of 8 characters",
            vec![dep("pay-0001", b, btc(5), "1", "")],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid of 64 characters",
            vec![dep(
                "p234567890123456789012345678901234567890123456789012345678901234",
                b,
                btc(5),
                "1",
                "",
            )],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid of 65 characters",
            vec![dep(
                "p2345678901234567890123456789012345678901234567890123456789012345",
                b,
                btc(5),
                "1",
                "",
            )],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid with an underscore",
            vec![dep("pay_0001", b, btc(5), "1", "")],
            &["BW-DEP-4"],
            &["Deposit"],
        ),
        scenario(
            "reference of 64 characters",
            vec![dep(
                "pay-0001",
                b,
                btc(5),
                "1",
                "r234567890123456789012345678901234567890123456789012345678901234",
            )],
            &["BW-DEP-5"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "reference of 65 characters",
            vec![dep(
                "pay-0001",
                b,
                btc(5),
                "1",
                "r2345678901234567890123456789012345678901234567890123456789012345",
            )],
            &["BW-DEP-5"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "reference with a space",
            vec![dep("pay-0001", b, btc(5), "1", "tx 77")],
            &["BW-DEP-5"],
            &["Deposit"],
        ),
        scenario(
            "amount sign is checked before the uid",
            vec![dep("bad", b, btc(0), "1", "")],
            &["BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
        scenario(
            "uid before reference",
            vec![dep("bad", b, btc(5), "1", "a b")],
            &["BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
        scenario(
            "reference before signer",
            vec![Op::Deposit {
                uid: "pay-0001",
                who: b,
                amount: btc(5),
                kind: "1",
                reference: "a b",
                signer: o,
            }],
            &["BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
    ];
    let amount_schema = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        ("required", strs(&["amount", "currency"])),
        (
            "properties",
            obj(vec![
                ("amount", s_amount()),
                ("currency", crate::s_currency()),
            ]),
        ),
    ]);
    let str_schema = obj(vec![("type", "string".into())]);
    let int_or_null = obj(vec![("type", strs(&["integer", "null"]))]);
    let account = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&["account", "currency", "available", "blocked"]),
        ),
        (
            "properties",
            obj(vec![
                ("account", str_schema.clone()),
                ("currency", crate::s_currency()),
                ("available", s_amount()),
                ("blocked", s_amount()),
            ]),
        ),
    ]);
    let total = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&["currency", "deposited", "withdrawn", "fees"]),
        ),
        (
            "properties",
            obj(vec![
                ("currency", crate::s_currency()),
                ("deposited", s_amount()),
                ("withdrawn", s_amount()),
                ("fees", s_amount()),
            ]),
        ),
    ]);
    let step = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&["op", "at", "outcome", "accounts", "totals"]),
        ),
        (
            "properties",
            obj(vec![
                ("at", obj(vec![("type", "integer".into())])),
                (
                    "op",
                    obj(vec![(
                        "enum",
                        strs(&[
                            "inject",
                            "bid",
                            "bidReimburse",
                            "transaction",
                            "transactionFinish",
                            "transactionReimburse",
                            "movement",
                            "deposit",
                        ]),
                    )]),
                ),
                (
                    "type",
                    obj(vec![(
                        "enum",
                        strs(&[
                            "DEPOSIT",
                            "WITHDRAWAL",
                            "BID",
                            "BID_REIMBURSE",
                            "TRANSACTION",
                            "TRANSACTION_FINISH",
                            "TRANSACTION_REIMBURSE",
                        ]),
                    )]),
                ),
                ("account", str_schema.clone()),
                ("blockedAccount", str_schema.clone()),
                ("seller", str_schema.clone()),
                ("signer", str_schema.clone()),
                ("uid", str_schema.clone()),
                ("ref", str_schema.clone()),
                ("depositType", obj(vec![("enum", strs(&["0", "1"]))])),
                ("amount", amount_schema.clone()),
                ("price", amount_schema.clone()),
                ("fee", amount_schema.clone()),
                ("bidPrice", amount_schema.clone()),
                ("bidFee", amount_schema.clone()),
                ("available", amount_schema.clone()),
                ("blocked", amount_schema.clone()),
                ("world", amount_schema),
                ("bid", obj(vec![("type", "integer".into())])),
                ("tx", obj(vec![("type", "integer".into())])),
                (
                    "outcome",
                    obj(vec![(
                        "enum",
                        strs(&["applied", "no-movement", "already-applied", "refused"]),
                    )]),
                ),
                (
                    "error",
                    obj(vec![
                        ("type", "string".into()),
                        ("pattern", "^(ledger|deposit)\\.[a-z-]+$".into()),
                    ]),
                ),
                (
                    "movementId",
                    obj(vec![("type", "integer".into()), ("minimum", J::I(1))]),
                ),
                ("availablePredecessor", int_or_null.clone()),
                ("blockedPredecessor", int_or_null),
                (
                    "accounts",
                    obj(vec![("type", "array".into()), ("items", account)]),
                ),
                (
                    "totals",
                    obj(vec![("type", "array".into()), ("items", total)]),
                ),
            ]),
        ),
    ]);
    VFile {
        stem: "ledger",
        ty: "LedgerScenario",
        title: "Escrow ledger: movements, balances, fees, conservation and deposits",
        header: vec![
            "Each case runs `steps` on an empty ledger; step i happens at `at` (ms since the Unix epoch, one second apart). Amounts are {amount, currency} with decimal strings of smallest units; accounts are addresses (see the key rule below; `trusted` is the marketplace's trusted account).".into(),
            "Events (BW-LEDGER-9): op=inject (DEPOSIT for amount > 0, WITHDRAWAL for < 0: A = amount, W = −amount); bid (A = −(price+fee), B = +(price+fee)); bidReimburse and transactionReimburse (A = +(price+fee), B = −(price+fee)); transaction (Δ = (bidPrice+bidFee) − (price+fee): no movement for Δ = 0, refused for Δ < 0, else A = +Δ, B = −Δ); transactionFinish (seller's A = +price, buyer's B = −(price+fee), F = +fee). op=movement gives the type and the four parts A (`available`, on `account`), B (`blocked`, on `blockedAccount`), F (`fee`), W (`world`) directly. op=deposit is a deposit (section 14.1) whose signature was verified as made by `signer`; `depositType` 0 is an injection, 1 a bitcoin deposit.".into(),
            "Outcomes: applied (with the movement's sequence number `movementId` and, for movements, the predecessor links of its available and blocked account, null for none), no-movement, already-applied (idempotent deposit), or refused with `error`; a refused step changes nothing.".into(),
            "After every step: `accounts` lists every account some applied movement named, ordered as in the file (by address text), with currency, available and blocked balances; `totals` lists, per currency with a non-zero total and ordered by currency code (bytewise), the amounts deposited (Σ −W over W < 0), withdrawn (Σ W over W > 0) and the fees collected (Σ F). Conservation holds after every step: Σ (available + blocked) + fees = deposited − withdrawn, per currency.".into(),
            "The case's `result` and `error` are those of the last step.".into(),
            crate::market::KEY_RULE.into(),
        ],
        notes: vec![
            note("Flow", "FLOW", "A sequence of marketplace events as the server books them.", "Buyers, sellers or the fee account end with the wrong balance."),
            note("Boundary", "EDGE_CASE", "Exactly at a limit: whole balance, zero amounts, uid and reference lengths.", "Off-by-one in a balance or length check."),
            note("Funds", "FUNDS", "A balance would become negative.", "Money is spent twice or created."),
            note("AllOrNothing", "ATOMICITY", "A movement refused after a first part would have applied changes nothing.", "Half-applied movements break conservation."),
            note("SignRule", "VALIDATION", "A part breaks its type's sign rule (BW-LEDGER-6).", "Movements of one type are abused for another."),
            note("Unbalanced", "VALIDATION", "A + B + F + W ≠ 0.", "Money is created or destroyed."),
            note("TwoAccounts", "VALIDATION", "Only TRANSACTION_FINISH may name two accounts.", "Money moves between participants without a transaction."),
            note("Currency", "CURRENCY", "Currency rules of accounts and movements.", "Amounts of different currencies are added."),
            note("CheckOrder", "CHECK_ORDER", "Several defects; the first check (BW-LEDGER-10, BW-DEP-10) must be reported.", "A different error code than the conformance contract."),
            note("Overflow", "ARITHMETIC", "A balance, total or sum outside the signed 64-bit range.", "Silent wrap-around."),
            note("Deposit", "DEPOSIT", "Deposits and injections by the trusted account (section 14.1).", "Untrusted or malformed deposits credit money."),
            note("Idempotent", "IDEMPOTENCY", "Deposits are idempotent by uid; a differing deposit with a known uid is a conflict.", "A replayed deposit credits twice, or a conflicting one is silently dropped."),
        ],
        groups: vec![ours(cases)],
        fields: vec![("steps", obj(vec![("type", "array".into()), ("minItems", J::I(1)), ("items", step)]))],
        rules: vec![rule(None, When::Always, &["steps"])],
    }
}

//! `ledger.json`: ledger scenarios (spec sections 13 and 14.1). Expected
//! balances come from a small model written from BW-LEDGER-1 … BW-LEDGER-17
//! and BW-DEP-8 … BW-DEP-10; every step is replayed on
//! `bitwrk_protocol::ledger::Ledger`.
//!
//! * [`model`]: the reference model (accounts, totals, deposit records);
//! * [`replay`]: runs a scenario on the model and on the crate, compares
//!   them step by step and writes the case;
//! * [`movements`] and [`deposits`]: the case tables (sections 13 and 14.1).
//!
//! This module holds the model's vocabulary ([`Op`]), the builders the
//! tables use, and the file with its schema.

mod deposits;
mod model;
mod movements;
mod replay;

use crate::{J, VFile, When, note, obj, ours, rule, s_amount, strs};

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
    let mut cases = movements::cases();
    cases.extend(deposits::cases());
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

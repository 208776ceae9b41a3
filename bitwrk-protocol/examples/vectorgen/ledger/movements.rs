//! Ledger scenarios of section 13: marketplace events, raw movements and
//! their checks, currencies, overflow and predecessor links.

use super::replay::scenario;
use super::{Op, bid, bid_back, btc, finish, inject, raw, refund, txn};
use crate::Case;

pub(super) fn cases() -> Vec<Case> {
    let (b, s, o) = ("buyer", "seller", "stranger");
    let sale = || vec![inject(b, 200_000), bid(b, 150_000, 4_500)];
    let with = |mut v: Vec<Op>, more: Vec<Op>| {
        v.extend(more);
        v
    };
    let max = i64::MAX;
    // A seller holding BTC and a buyer bidding 7 + 3 EUR; the sale is paid
    // with `price` + `fee` EUR.
    let eur_sale = |price: i64, fee: i64| {
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
                price: (price, "EUR"),
                fee,
                tx: 7,
            },
        ]
    };
    vec![
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
            eur_sale(0, 10),
            &["BW-LEDGER-2"],
            &["Currency"],
        ),
        scenario(
            "blocked funds of another currency are refused",
            eur_sale(5, 5),
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
    ]
}

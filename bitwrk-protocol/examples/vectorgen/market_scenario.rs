//! The cases of `market.json` (spec section 15), run by the engine in
//! `scenario`: funds, matching, expiry refunds, renderings, worker origin
//! and replay. Each scenario's `check` asserts the facts it is about.

use bitwrk_protocol::bid::BidState;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::market::Market;

use crate::market::participant;
use crate::scenario::{
    Input, SETUP, Scenario, Setup, Step, addr_of, at, bid, deposit_to, message, nonce,
    scenario_case,
};
use crate::scenario_cases::{ART, S, file, no, nonce_at, nothing, ok, sc, with_participants};
use crate::{VFile, hx, note, sha256};

fn bid_state(m: &Market, id: u64) -> BidState {
    m.bid(BidId(id)).expect("bid exists").state
}

pub(crate) fn market_file() -> VFile {
    let work = sha256(b"work");
    let secret = sha256(b"buyer secret");
    let wsh = hx(&sha256(&[work, secret].concat()));
    let (work, secret) = (hx(&work), hx(&secret));
    let eh = hx(&sha256(b"encrypted result"));
    let receipt = crate::b64(&participant("buyer").sign(eh.as_bytes()));
    let ek = hx(&sha256(b"result key"));
    let fund = |ms: i64, who, n: u8, amount| {
        vec![
            ok(nonce_at(ms, n)),
            ok(at(
                ms + 1,
                deposit_to(who, amount, &format!("deposit-{n:04}"), &nonce(n)),
            )),
        ]
    };
    // A matched trade: funds, SELL (bid 0) rests, BUY (bid 1) matches (tx 0).
    let trade = |extra: Vec<(Step, Option<&'static str>)>| {
        let mut v = fund(0, "buyer", 1, "mBTC 10");
        v.push(ok(nonce_at(10 * S, 2)));
        v.push(ok(at(
            11 * S,
            bid("seller", "SELL", ART, "mBTC 1", &nonce(2)),
        )));
        v.push(ok(nonce_at(12 * S, 3)));
        v.push(ok(at(
            13 * S,
            bid("buyer", "BUY", ART, "mBTC 2", &nonce(3)),
        )));
        v.extend(extra);
        v
    };
    let url = "http://192.0.2.7:8082/";
    let full = trade(vec![
        ok(at(
            14 * S,
            message(
                "buyer",
                0,
                &[("workhash", &work), ("worksecrethash", &wsh)],
                None,
            ),
        )),
        ok(at(
            15 * S,
            message("seller", 0, &[("workerurl", url)], Some("192.0.2.7:40000")),
        )),
        ok(at(
            16 * S,
            message("seller", 0, &[("buyersecret", &secret)], None),
        )),
        ok(at(
            17 * S,
            message(
                "seller",
                0,
                &[
                    ("encresulthash", &eh),
                    ("encresulthashsig", &receipt),
                    ("encresultkey", &ek),
                ],
                None,
            ),
        )),
        ok(at(
            18 * S,
            message("buyer", 0, &[("acceptresult", "")], None),
        )),
        ok(at(18 * S, Input::Timeout)),
    ]);
    let cases = vec![
        sc(
            "a full trade: deposit, SELL rests, BUY matches at the resting price, messages to FINISHED, retirement pays the seller",
            &[
                "BW-MARKET-1",
                "BW-MARKET-3",
                "BW-MARKET-4",
                "BW-MARKET-5",
                "BW-BID-9",
                "BW-BID-12",
                "BW-TX-14",
                "BW-TX-13",
                "BW-LEDGER-4",
                "BW-TX-11",
            ],
            &["HappyPath", "Rendering", "Replay"],
            full,
            |m| {
                let seller = m.ledger().account(&addr_of("seller")).expect("seller paid");
                assert_eq!(seller.available, 100_000);
                let buyer = m.ledger().account(&addr_of("buyer")).expect("buyer");
                assert_eq!((buyer.available, buyer.blocked), (1_000_000 - 103_000, 0));
                assert_eq!(bid_state(m, 1), BidState::Matched);
                assert!(m.transaction(TxId(0)).is_some());
            },
        ),
        sc(
            "a transaction not advanced in time is retired in ESTABLISHING and refunds the buyer (TRANSACTION_REIMBURSE refers to the tx)",
            &["BW-TX-10", "BW-TX-11", "BW-LEDGER-4", "BW-MARKET-3"],
            &["Timeout", "Rendering"],
            trade(vec![
                ok(at(72 * S, Input::Timeout)),
                ok(at(73 * S, Input::Timeout)),
            ]),
            |m| {
                let buyer = m.ledger().account(&addr_of("buyer")).expect("buyer");
                assert_eq!((buyer.available, buyer.blocked), (1_000_000, 0));
            },
        ),
        sc(
            "a BUY without funds is refused and the book it would have opened does not remain",
            &["BW-MARKET-2", "BW-LEDGER-3", "BW-BID-13"],
            &["Funds", "Cleanup"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(S, bid("buyer", "BUY", ART, "mBTC 1", &nonce(1))),
                    "ledger.insufficient-funds",
                ),
            ],
            |m| {
                let a = bitwrk_protocol::article::Article::parse(ART).expect("article");
                assert!(m.book(&a, bitwrk_protocol::Currency::Btc).is_none());
            },
        ),
        scenario_case(Scenario {
            comment: "a bid the new book refuses (bid lifetime 0: expired on arrival) leaves no empty book behind",
            req: &["BW-MARKET-2", "BW-MATCH-5"],
            flags: &["Cleanup"],
            setup: Setup {
                bid_lifetime_ms: 0,
                ..SETUP
            },
            steps: vec![
                ok(nonce_at(0, 1)),
                no(
                    at(S, bid("seller", "SELL", ART, "mBTC 1", &nonce(1))),
                    "book.expired",
                ),
            ],
            check: |m| {
                let a = bitwrk_protocol::article::Article::parse(ART).expect("article");
                assert!(m.book(&a, bitwrk_protocol::Currency::Btc).is_none());
            },
        }),
        sc(
            "a BUY refused for funds leaves an existing book and its resting bid alone",
            &["BW-MARKET-2", "BW-LEDGER-3"],
            &["Funds", "Cleanup"],
            vec![
                ok(nonce_at(0, 1)),
                ok(at(S, bid("seller", "SELL", ART, "mBTC 3", &nonce(1)))),
                ok(nonce_at(2 * S, 2)),
                no(
                    at(3 * S, bid("buyer", "BUY", ART, "mBTC 1", &nonce(2))),
                    "ledger.insufficient-funds",
                ),
            ],
            |m| {
                let a = bitwrk_protocol::article::Article::parse(ART).expect("article");
                assert!(
                    m.book(&a, bitwrk_protocol::Currency::Btc)
                        .is_some_and(|b| b.contains(BidId(0)))
                );
            },
        ),
        sc(
            "a resting BUY found expired by the matcher is marked EXPIRED and refunded (BID_REIMBURSE); the SELL rests",
            &["BW-BID-9", "BW-MATCH-6", "BW-BID-13", "BW-MARKET-5"],
            &["Expiry", "Refund"],
            {
                let mut v = fund(0, "buyer", 1, "mBTC 10");
                v.push(ok(nonce_at(S, 2)));
                v.push(ok(at(2 * S, bid("buyer", "BUY", ART, "mBTC 2", &nonce(2)))));
                v.push(ok(nonce_at(100 * S, 3)));
                v.push(ok(at(
                    122 * S,
                    bid("seller", "SELL", ART, "mBTC 1", &nonce(3)),
                )));
                v
            },
            |m| {
                assert_eq!(bid_state(m, 0), BidState::Expired);
                let buyer = m.ledger().account(&addr_of("buyer")).expect("buyer");
                assert_eq!((buyer.available, buyer.blocked), (1_000_000, 0));
            },
        ),
        sc(
            "a resting BUY expires at the timeout and is refunded",
            &["BW-BID-9", "BW-MARKET-3"],
            &["Expiry", "Refund"],
            {
                let mut v = fund(0, "buyer", 1, "mBTC 10");
                v.push(ok(nonce_at(S, 2)));
                v.push(ok(at(2 * S, bid("buyer", "BUY", ART, "mBTC 2", &nonce(2)))));
                v.push(ok(at(122 * S, Input::Timeout)));
                v
            },
            |m| assert_eq!(bid_state(m, 0), BidState::Expired),
        ),
        sc(
            "a message for a transaction the market does not know",
            &["BW-MARKET-6"],
            &["Unknown"],
            vec![no(
                at(0, message("buyer", 7, &[("acceptresult", "")], None)),
                "market.unknown-tx",
            )],
            nothing,
        ),
        sc(
            "an input earlier than the one before is refused",
            &["BW-MARKET-1"],
            &["Time"],
            vec![
                ok(nonce_at(10 * S, 1)),
                no(nonce_at(9 * S, 2), "market.time-went-backwards"),
            ],
            nothing,
        ),
        sc(
            "a worker URL whose host is not the sender's is refused after the signature check",
            &["BW-TX-13"],
            &["WorkerOrigin"],
            trade(vec![no(
                at(
                    14 * S,
                    message(
                        "seller",
                        0,
                        &[("workerurl", url)],
                        Some("198.51.100.1:40000"),
                    ),
                ),
                "tx.worker-host-mismatch",
            )]),
            nothing,
        ),
        sc(
            "a worker URL with an IPv6 host matches a bracketed remote address with a port",
            &["BW-TX-13"],
            &["WorkerOrigin"],
            trade(vec![ok(at(
                14 * S,
                message(
                    "seller",
                    0,
                    &[("workerurl", "http://[2001:db8::7]:8082/")],
                    Some("[2001:db8::7]:40000"),
                ),
            ))]),
            nothing,
        ),
        sc(
            "a malformed worker URL is reported before the origin comparison",
            &["BW-TX-13", "BW-TX-15"],
            &["WorkerOrigin", "CheckOrder"],
            trade(vec![no(
                at(
                    14 * S,
                    message(
                        "seller",
                        0,
                        &[("workerurl", "ftp://192.0.2.7/")],
                        Some("198.51.100.1:1"),
                    ),
                ),
                "tx.bad-worker-url",
            )]),
            nothing,
        ),
    ];
    let cases = cases.into_iter().chain(crate::market_rules::cases());
    file(
        "market",
        "MarketScenario",
        "Market scenarios: funds, matching, expiry refunds, renderings, worker origin and replay (spec section 15)",
        &[
            "Work values as in tx_trace.json: workhash = SHA-256(\"work\"), buyersecret = SHA-256(\"buyer secret\"), worksecrethash = SHA-256(workhash ‖ buyersecret), encresulthash = SHA-256(\"encrypted result\"), encresultkey = SHA-256(\"result key\") (lower-case hex); the receipt is the buyer's signature over the hex of encresulthash.",
            "Bid ids and transaction ids count from 0 in order of acceptance; movement ids count from 1 in order of booking (BW-LEDGER-10).",
        ],
        vec![
            note(
                "HappyPath",
                "Functionality",
                "A trade from deposit to payout.",
                "Trades cannot finish.",
            ),
            note(
                "Rendering",
                "Functionality",
                "The JSON texts of bids and transactions.",
                "Clients of 0.7 cannot read the server.",
            ),
            note(
                "Replay",
                "Functionality",
                "Rebuilding the market from its accepted inputs.",
                "State lost or different after a restart.",
            ),
            note(
                "Timeout",
                "EdgeCase",
                "Retirement at and before the timeout.",
                "Transactions retire early or never.",
            ),
            note(
                "Funds",
                "EdgeCase",
                "A BUY whose price + fee exceeds the available balance.",
                "Overdrawn accounts.",
            ),
            note(
                "Cleanup",
                "EdgeCase",
                "An order book opened by a refused bid.",
                "Empty books accumulate, or books with resting bids vanish.",
            ),
            note(
                "Expiry",
                "EdgeCase",
                "Resting bids that expire.",
                "Expired bids match or stay blocked.",
            ),
            note(
                "Refund",
                "Functionality",
                "A BUY that expires is refunded and marked EXPIRED.",
                "Buyer's money blocked forever.",
            ),
            note(
                "Unknown",
                "EdgeCase",
                "A message for an unknown transaction.",
                "Another error code than the reference.",
            ),
            note(
                "Time",
                "EdgeCase",
                "Inputs out of time order.",
                "Time running backwards corrupts deadlines.",
            ),
            note(
                "WorkerOrigin",
                "Authorization",
                "The worker URL's host against the sender's network address.",
                "A seller points buyers at a third party's host.",
            ),
            note(
                "CheckOrder",
                "EdgeCase",
                "Several checks fail; the first in spec order is reported.",
                "Another error code than the reference.",
            ),
        ]
        .into_iter()
        .chain(crate::market_rules::notes())
        .collect(),
        cases.map(with_participants).collect(),
    )
}

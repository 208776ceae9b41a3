//! More cases of `market.json` (spec sections 2.6, 15 and 17): the
//! currency rules of sellers and deposits (BW-MARKET-7, BW-MARKET-8), the
//! order of work inside one timeout handling (BW-MARKET-9), the assignment
//! of bid, transaction and movement ids (BW-ID-1 … BW-ID-3) and time that
//! does not go backwards (BW-TIME-2). Appended after the cases of
//! `market_scenario`, so earlier tcIds stay.

use bitwrk_protocol::Currency;
use bitwrk_protocol::bid::BidState;
use bitwrk_protocol::ids::{BidId, TxId};

use crate::Case;
use crate::scenario::{Input, Step, addr_of, at, bid, deposit_to, message, nonce};
use crate::scenario_cases::{ART, S, no, nonce_at, nothing, ok, sc};

/// A second article, whose book sorts before [`ART`]'s.
const ART2: &str = "net.bitwrk/blender/0/2.69/2G";

type Steps = Vec<(Step, Option<&'static str>)>;

/// Nonce `n` at `ms`, then a deposit of `amount` to `who` at `ms + 1`.
fn fund(ms: i64, who: &'static str, n: u8, amount: &str) -> Steps {
    vec![
        ok(nonce_at(ms, n)),
        ok(at(
            ms + 1,
            deposit_to(who, amount, &format!("deposit-{n:04}"), &nonce(n)),
        )),
    ]
}

/// Nonce `n` at `ms`, then a bid at `ms + 1`.
fn bid_at(
    ms: i64,
    n: u8,
    who: &'static str,
    ty: &str,
    article: &str,
    price: &str,
    expect: Option<&'static str>,
) -> Steps {
    vec![
        ok(nonce_at(ms, n)),
        (at(ms + 1, bid(who, ty, article, price, &nonce(n))), expect),
    ]
}

fn concat(parts: Vec<Steps>) -> Steps {
    parts.into_iter().flatten().collect()
}

/// Two trades (tx 0 in [`ART`], tx 1 in [`ART2`]); tx 0 then advances to
/// TRANSMITTING, which extends its timeout past tx 1's; one timeout
/// handling retires both.
fn timeouts_out_of_id_order() -> Steps {
    let work = crate::sha256(b"work");
    let secret = crate::sha256(b"buyer secret");
    let wsh = crate::hx(&crate::sha256(&[work, secret].concat()));
    let work = crate::hx(&work);
    concat(vec![
        fund(0, "buyer", 1, "mBTC 100"),
        fund(10, "buyer2", 2, "mBTC 100"),
        bid_at(S, 3, "seller", "SELL", ART, "mBTC 1", None),
        bid_at(2 * S, 4, "buyer", "BUY", ART, "mBTC 1", None),
        bid_at(3 * S, 5, "seller", "SELL", ART2, "mBTC 2", None),
        bid_at(4 * S, 6, "buyer2", "BUY", ART2, "mBTC 2", None),
        vec![
            ok(at(
                5 * S,
                message(
                    "buyer",
                    0,
                    &[("workhash", &work), ("worksecrethash", &wsh)],
                    None,
                ),
            )),
            ok(at(
                6 * S,
                message(
                    "seller",
                    0,
                    &[("workerurl", "http://192.0.2.7:8082/")],
                    Some("192.0.2.7:40000"),
                ),
            )),
            ok(at(190 * S, Input::Timeout)),
        ],
    ])
}

pub(crate) fn cases() -> Vec<Case> {
    vec![
        sc(
            "a SELL priced in EUR by a seller whose account holds BTC is refused with market.currency-mismatch",
            &["BW-MARKET-7", "BW-MARKET-2"],
            &["Currency"],
            concat(vec![
                fund(0, "seller", 1, "mBTC 1"),
                bid_at(
                    S,
                    2,
                    "seller",
                    "SELL",
                    ART,
                    "EUR 1",
                    Some("market.currency-mismatch"),
                ),
            ]),
            |m| assert!(m.bid(BidId(0)).is_none()),
        ),
        sc(
            "a SELL priced EUR 0 by a seller holding BTC is refused too (the rule holds for a zero price)",
            &["BW-MARKET-7"],
            &["Currency"],
            concat(vec![
                fund(0, "seller", 1, "mBTC 1"),
                bid_at(
                    S,
                    2,
                    "seller",
                    "SELL",
                    ART,
                    "EUR 0",
                    Some("market.currency-mismatch"),
                ),
            ]),
            nothing,
        ),
        sc(
            "a seller with an empty account but an open SELL in BTC is owed BTC: a SELL in EUR is refused",
            &["BW-MARKET-7"],
            &["Currency"],
            concat(vec![
                bid_at(0, 1, "seller", "SELL", ART, "mBTC 1", None),
                bid_at(
                    S,
                    2,
                    "seller",
                    "SELL",
                    ART2,
                    "EUR 1",
                    Some("market.currency-mismatch"),
                ),
            ]),
            |m| assert_eq!(m.bid(BidId(0)).map(|b| b.state), Some(BidState::Placed)),
        ),
        sc(
            "a SELL in EUR by a seller whose account holds EUR is admitted",
            &["BW-MARKET-7"],
            &["Currency"],
            concat(vec![
                fund(0, "seller", 1, "EUR 5"),
                bid_at(S, 2, "seller", "SELL", ART, "EUR 1", None),
            ]),
            |m| assert!(m.bid(BidId(0)).is_some()),
        ),
        sc(
            "a deposit in EUR to a seller owed BTC (open SELL) is refused with market.currency-mismatch; the nonce is not spent",
            &["BW-MARKET-8", "BW-MARKET-2"],
            &["Currency"],
            concat(vec![
                bid_at(0, 1, "seller", "SELL", ART, "mBTC 1", None),
                vec![
                    ok(nonce_at(S, 2)),
                    no(
                        at(
                            S + 1,
                            deposit_to("seller", "EUR 5", "deposit-eur", &nonce(2)),
                        ),
                        "market.currency-mismatch",
                    ),
                ],
            ]),
            |m| assert!(m.ledger().account(&addr_of("seller")).is_none()),
        ),
        sc(
            "a deposit in BTC to a seller owed BTC is applied",
            &["BW-MARKET-8"],
            &["Currency"],
            concat(vec![
                bid_at(0, 1, "seller", "SELL", ART, "mBTC 1", None),
                fund(S, "seller", 2, "mBTC 1"),
            ]),
            |m| {
                let a = m.ledger().account(&addr_of("seller")).expect("seller");
                assert_eq!((a.currency, a.available), (Currency::Btc, 100_000));
            },
        ),
        sc(
            "a SELL in EUR once the seller's BTC SELL has expired and its account is empty is admitted (no longer owed BTC)",
            &["BW-MARKET-7", "BW-MARKET-3"],
            &["Currency", "Expiry"],
            concat(vec![
                bid_at(0, 1, "seller", "SELL", ART, "mBTC 1", None),
                vec![ok(at(121 * S, Input::Timeout))],
                bid_at(122 * S, 2, "seller", "SELL", ART, "EUR 1", None),
            ]),
            |m| assert_eq!(m.bid(BidId(0)).map(|b| b.state), Some(BidState::Expired)),
        ),
        sc(
            "one timeout step with two due bids in two books and two due transactions: bids first in ascending bid id (across books), then transactions in ascending tx id; movement ids follow",
            &[
                "BW-MARKET-9",
                "BW-MARKET-3",
                "BW-ID-1",
                "BW-ID-2",
                "BW-ID-3",
                "BW-LEDGER-12",
            ],
            &["TimeoutOrder", "Ids"],
            concat(vec![
                fund(0, "buyer", 1, "mBTC 100"),
                fund(10, "buyer2", 2, "mBTC 100"),
                // tx 0: bids 0 (SELL) and 1 (BUY).
                bid_at(S, 3, "seller", "SELL", ART, "mBTC 1", None),
                bid_at(2 * S, 4, "buyer", "BUY", ART, "mBTC 1", None),
                // tx 1: bids 2 (SELL) and 3 (BUY), in the other book.
                bid_at(3 * S, 5, "seller", "SELL", ART2, "mBTC 2", None),
                bid_at(4 * S, 6, "buyer2", "BUY", ART2, "mBTC 2", None),
                // Resting BUYs: bid 4 in ART's book, bid 5 in ART2's (which
                // sorts first); they expire at 125 s and 126 s.
                bid_at(5 * S, 7, "buyer", "BUY", ART, "mBTC 3", None),
                bid_at(6 * S, 8, "buyer2", "BUY", ART2, "mBTC 3", None),
                vec![ok(at(130 * S, Input::Timeout))],
            ]),
            |m| {
                assert_eq!(m.bid(BidId(4)).map(|b| b.state), Some(BidState::Expired));
                assert_eq!(m.bid(BidId(5)).map(|b| b.state), Some(BidState::Expired));
                assert!(m.transaction(TxId(1)).is_some());
                assert!(m.transaction(TxId(2)).is_none());
                // 2 deposits, 4 BIDs, then 2 BID_REIMBURSE and 2 TRANSACTION_REIMBURSE.
                let last = m.ledger().last_movement().expect("movements");
                assert_eq!(last.0, 10);
            },
        ),
        sc(
            "a refused bid consumes no bid id: the next admitted bid takes the id it would have had",
            &["BW-ID-1", "BW-ID-3"],
            &["Ids"],
            concat(vec![
                bid_at(0, 1, "seller", "SELL", ART, "mBTC 1", None),
                bid_at(
                    S,
                    2,
                    "buyer",
                    "BUY",
                    ART,
                    "mBTC 1",
                    Some("ledger.insufficient-funds"),
                ),
                bid_at(2 * S, 3, "seller", "SELL", ART2, "mBTC 1", None),
            ]),
            |m| {
                assert!(m.bid(BidId(1)).is_some());
                assert!(m.bid(BidId(2)).is_none());
            },
        ),
        sc(
            "inputs at the same millisecond are accepted; an input one millisecond earlier is refused with market.time-went-backwards",
            &["BW-TIME-2", "BW-MARKET-1", "BW-TIME-1"],
            &["Time"],
            vec![
                ok(nonce_at(10 * S, 1)),
                ok(nonce_at(10 * S, 2)),
                ok(at(10 * S, Input::Timeout)),
                no(nonce_at(10 * S - 1, 3), "market.time-went-backwards"),
            ],
            nothing,
        ),
        sc(
            "a timeout handling earlier than the latest input is refused too",
            &["BW-TIME-2"],
            &["Time"],
            vec![
                ok(nonce_at(10 * S, 1)),
                no(at(9 * S, Input::Timeout), "market.time-went-backwards"),
            ],
            nothing,
        ),
        sc(
            "transactions due in one timeout handling retire in ascending tx id, not in the order of their timeouts (tx 0's was extended past tx 1's)",
            &["BW-MARKET-9", "BW-ID-2", "BW-ID-3", "BW-TX-9"],
            &["TimeoutOrder", "Ids"],
            timeouts_out_of_id_order(),
            |m| {
                assert!(
                    m.transaction(TxId(0))
                        .is_some_and(|t| t.timeout > m.transaction(TxId(1)).expect("tx 1").timeout)
                );
            },
        ),
    ]
}

/// The notes of the flags these cases add.
pub(crate) fn notes() -> Vec<crate::Note> {
    vec![
        crate::note(
            "Currency",
            "EdgeCase",
            "A SELL or a deposit in another currency than the one the account holds or is owed (BW-MARKET-7, BW-MARKET-8).",
            "A seller's payout cannot be credited: the retirement fails or the server stops.",
        ),
        crate::note(
            "TimeoutOrder",
            "Functionality",
            "Several bids and transactions due in one timeout handling (BW-MARKET-9).",
            "Two implementations number the ledger movements differently.",
        ),
        crate::note(
            "Ids",
            "Functionality",
            "Bid, transaction and movement ids as the market assigns them (BW-ID-1 … BW-ID-3).",
            "Ids differ between implementations or after a replay.",
        ),
    ]
}

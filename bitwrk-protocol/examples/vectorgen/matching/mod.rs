//! `matching.json`: order-book scenarios (spec section 11). Expected results
//! come from a small list-based model written from BW-MATCH-1 … BW-MATCH-11;
//! every step is replayed on `bitwrk_protocol::book::OrderBook`.
//!
//! * [`model`]: the reference model of the book;
//! * [`replay`]: runs a scenario on the model and on the crate, compares
//!   them step by step and writes the case;
//! * [`cases`]: the scenario builders and the case table.

mod cases;
mod model;
mod replay;

use crate::{J, VFile, When, note, obj, ours, rule, s_currency, s_int, strs};

#[derive(Clone, Debug)]
struct MOrder {
    id: u64,
    buy: bool,
    who: String,
    price: i64,
    fee: i64,
    expires: i64,
    seq: u64,
}

#[derive(Clone, Debug)]
enum Op {
    Insert {
        order: MOrder,
        currency: Option<&'static str>,
        now: i64,
    },
    Expire {
        now: i64,
    },
    Remove {
        id: u64,
    },
}

/// What the model says a step does.
#[derive(Clone, Debug, PartialEq)]
enum Res {
    Matched { id: u64, price: i64, fee: i64 },
    Rested,
    Expired,
    Removed,
    Refused(&'static str),
}

pub(crate) fn matching_file() -> VFile {
    let cases = cases::cases();
    VFile {
        stem: "matching",
        ty: "OrderBookMatching",
        title: "Order-book matching: price-time priority, one match per bid, expiry, self-trade prevention",
        header: vec![
            "Each case is a sequence of `steps` on one empty book for `currency` (holding at most `limit` resting bids if given). Times (`now`, `expires`) are milliseconds since the Unix epoch; amounts (`price`, `fee`, `tradePrice`, `tradeFee`) are decimal strings of smallest units; `participant` is an address (only equality matters).".into(),
            "op=insert: the bid (`id`, `side`, `participant`, `price`, `fee` in `currency` if given, else the book's, `expires`) arrives at `now`; `outcome` matched (with the resting bid `matchedId`, `tradePrice`, `tradeFee`), rested, or refused (with `error`, the book unchanged). op=expire: remove the bids expired at `now`. op=remove: remove the resting bid `id` (outcome removed or refused).".into(),
            "`expiredIds`: the expired resting bids removed by the step, in the order removed. After every step: `resting` lists the resting bids' ids in acceptance order, `bestBuy`/`bestSell` the best bid of each side (expired or not; null for none) and `nextExpiry` the earliest expiry of a resting bid (null for none).".into(),
            "The case's `result` and `error` are those of the last step (the step under test); earlier steps carry their own expectations.".into(),
        ],
        notes: vec![
            note("RestingPrice", "PRICE", "The trade takes the resting bid's price and fee (BW-MATCH-4).", "Buyers or sellers pay or receive the wrong amount."),
            note("Boundary", "EDGE_CASE", "Exactly at a boundary: equal prices, one unit apart, expiry equal to now, limit 0.", "Off-by-one in the cross condition or expiry test."),
            note("Departure", "DEPARTURE", "Behaviour that departs from BitWrk 0.7 on purpose (DEP-200 equal prices cross, DEP-201 acceptance order, DEP-203 self-trade prevention).", "A BitWrk 0.7-compatible implementation gives another result."),
            note("Priority", "PRIORITY", "Price first, then acceptance order (BW-MATCH-1, BW-MATCH-2).", "An unfair or non-deterministic order of matching."),
            note("OneMatch", "QUANTITY", "An incoming bid matches at most one resting bid.", "One unit of work is sold twice."),
            note("Expiry", "EXPIRY", "Expired bids never match; those met are removed and reported; expiry removes the rest.", "Expired bids trade, or their blocked funds are never refunded."),
            note("SelfTrade", "SELF_TRADE", "A participant's own resting bid is skipped, not matched, and stays.", "Wash trades, or bids lost from the book."),
            note("Currency", "CURRENCY", "Books are per currency; other currencies are refused.", "Amounts of different currencies are compared."),
            note("CheckOrder", "CHECK_ORDER", "Several defects; the first check of BW-MATCH-11 must be reported.", "A different error code than the conformance contract."),
            note("Capacity", "CAPACITY", "The optional limit on resting bids (BW-MATCH-10).", "Unbounded growth, or matching bids refused."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("currency", s_currency()),
            ("limit", s_int(0)),
            ("steps", steps_schema()),
        ],
        rules: vec![rule(None, When::Always, &["currency", "steps"])],
    }
}

fn steps_schema() -> J {
    let id_or_none = obj(vec![("type", strs(&["integer", "null"]))]);
    let id_list = obj(vec![
        ("type", "array".into()),
        ("items", obj(vec![("type", "integer".into())])),
    ]);
    let step = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&[
                "op",
                "outcome",
                "resting",
                "bestBuy",
                "bestSell",
                "nextExpiry",
            ]),
        ),
        (
            "properties",
            obj(vec![
                (
                    "op",
                    obj(vec![("enum", strs(&["insert", "expire", "remove"]))]),
                ),
                ("now", obj(vec![("type", "integer".into())])),
                (
                    "id",
                    obj(vec![("type", "integer".into()), ("minimum", J::I(0))]),
                ),
                ("side", obj(vec![("enum", strs(&["BUY", "SELL"]))])),
                ("participant", obj(vec![("type", "string".into())])),
                ("price", crate::s_amount()),
                ("fee", crate::s_amount()),
                ("currency", s_currency()),
                ("expires", obj(vec![("type", "integer".into())])),
                (
                    "outcome",
                    obj(vec![(
                        "enum",
                        strs(&["matched", "rested", "expired", "removed", "refused"]),
                    )]),
                ),
                (
                    "error",
                    obj(vec![
                        ("type", "string".into()),
                        ("pattern", "^book\\.[a-z-]+$".into()),
                    ]),
                ),
                ("matchedId", obj(vec![("type", "integer".into())])),
                ("tradePrice", crate::s_amount()),
                ("tradeFee", crate::s_amount()),
                ("expiredIds", id_list.clone()),
                ("resting", id_list),
                ("bestBuy", id_or_none.clone()),
                ("bestSell", id_or_none.clone()),
                ("nextExpiry", id_or_none),
            ]),
        ),
    ]);
    obj(vec![
        ("type", "array".into()),
        ("minItems", J::I(1)),
        ("items", step),
    ])
}

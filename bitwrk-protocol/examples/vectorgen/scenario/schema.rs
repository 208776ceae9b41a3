//! The schemas and header lines shared by the scenario files.

use crate::market::T0;
use crate::{J, obj, strs};

/// The schema of `participants`.
pub(crate) fn participants_schema() -> J {
    crate::obj(vec![
        ("type", "array".into()),
        (
            "items",
            crate::obj(vec![
                ("type", "object".into()),
                ("additionalProperties", false.into()),
                ("required", crate::strs(&["name", "address", "wif"])),
                (
                    "properties",
                    crate::obj(vec![
                        ("name", crate::s_string()),
                        ("address", crate::s_string()),
                        ("wif", crate::s_string()),
                    ]),
                ),
            ]),
        ),
    ])
}

/// The schema of a form: [name, value] pairs in the order sent.
pub(crate) fn form_schema() -> J {
    obj(vec![
        ("type", "array".into()),
        (
            "items",
            obj(vec![
                ("type", "array".into()),
                ("minItems", J::I(2)),
                ("maxItems", J::I(2)),
                ("items", obj(vec![("type", "string".into())])),
            ]),
        ),
    ])
}

/// The schema of `steps`.
pub(crate) fn steps_schema() -> J {
    steps_schema_for(false)
}

/// The schema of `steps`; `account_actions` adds the op `accountAction`
/// and its fields (`deposit_address.json`).
pub(crate) fn steps_schema_for(account_actions: bool) -> J {
    let s = |t: &str| obj(vec![("type", t.into())]);
    let nullable_int = obj(vec![("type", strs(&["integer", "null"]))]);
    let form = form_schema();
    let movement = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&[
                "id",
                "at",
                "type",
                "currency",
                "account",
                "available",
                "blockedAccount",
                "blocked",
                "fee",
                "world",
                "bid",
                "tx",
                "deposit",
            ]),
        ),
        (
            "properties",
            obj(vec![
                ("id", s("integer")),
                ("at", s("integer")),
                (
                    "type",
                    crate::s_enum(&[
                        "DEPOSIT",
                        "WITHDRAWAL",
                        "BID",
                        "BID_REIMBURSE",
                        "TRANSACTION",
                        "TRANSACTION_FINISH",
                        "TRANSACTION_REIMBURSE",
                    ]),
                ),
                ("currency", crate::s_currency()),
                ("account", s("string")),
                ("available", crate::s_amount()),
                ("blockedAccount", s("string")),
                ("blocked", crate::s_amount()),
                ("fee", crate::s_amount()),
                ("world", crate::s_amount()),
                ("bid", nullable_int.clone()),
                ("tx", nullable_int.clone()),
                ("deposit", obj(vec![("type", strs(&["string", "null"]))])),
            ]),
        ),
    ]);
    let id_json = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        ("required", strs(&["id", "json"])),
        (
            "properties",
            obj(vec![("id", s("integer")), ("json", s("string"))]),
        ),
    ]);
    let arr = |items: J| obj(vec![("type", "array".into()), ("items", items)]);
    let state = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&["accounts", "bids", "transactions", "books", "pollTimeout"]),
        ),
        (
            "properties",
            obj(vec![
                (
                    "accounts",
                    arr(obj(vec![
                        ("type", "object".into()),
                        ("additionalProperties", false.into()),
                        (
                            "required",
                            strs(&["account", "currency", "available", "blocked"]),
                        ),
                        (
                            "properties",
                            obj(vec![
                                ("account", s("string")),
                                ("currency", crate::s_currency()),
                                ("available", crate::s_amount()),
                                ("blocked", crate::s_amount()),
                            ]),
                        ),
                    ])),
                ),
                ("bids", arr(id_json.clone())),
                ("transactions", arr(id_json)),
                (
                    "books",
                    arr(obj(vec![
                        ("type", "object".into()),
                        ("additionalProperties", false.into()),
                        ("required", strs(&["article", "currency", "resting"])),
                        (
                            "properties",
                            obj(vec![
                                ("article", s("string")),
                                ("currency", crate::s_currency()),
                                ("resting", arr(s("integer"))),
                            ]),
                        ),
                    ])),
                ),
                ("pollTimeout", nullable_int.clone()),
            ]),
        ),
    ]);
    let step = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        ("required", strs(&["at", "op", "outcome", "state"])),
        (
            "properties",
            obj(vec![
                ("at", s("integer")),
                (
                    "op",
                    if account_actions {
                        crate::s_enum(&[
                            "nonce",
                            "bid",
                            "message",
                            "deposit",
                            "relation",
                            "timeout",
                            "accountAction",
                        ])
                    } else {
                        crate::s_enum(&[
                            "nonce", "bid", "message", "deposit", "relation", "timeout",
                        ])
                    },
                ),
                ("random", crate::s_hex_len(16)),
                (
                    "txid",
                    obj(vec![
                        ("type", "string".into()),
                        ("pattern", "^[0-9]+$".into()),
                    ]),
                ),
                ("form", form),
                ("remote", s("string")),
                ("document", s("string")),
                ("signer", s("string")),
                ("outcome", crate::s_enum(&["accepted", "refused"])),
                (
                    "error",
                    obj(vec![
                        ("type", "string".into()),
                        ("pattern", "^[a-z0-9]+\\.[a-z0-9-]+$".into()),
                    ]),
                ),
                ("nonce", s("string")),
                ("bid", s("integer")),
                ("matched", nullable_int),
                ("expiredBids", arr(s("integer"))),
                ("movements", arr(movement)),
                ("phase", s("string")),
                ("revision", s("integer")),
                ("deposit", crate::s_enum(&["applied", "already-applied"])),
                ("replaced", obj(vec![("type", strs(&["string", "null"]))])),
                (
                    "retired",
                    arr(obj(vec![
                        ("type", "object".into()),
                        ("additionalProperties", false.into()),
                        ("required", strs(&["tx", "phase", "payout"])),
                        (
                            "properties",
                            obj(vec![
                                ("tx", s("integer")),
                                ("phase", s("string")),
                                ("payout", s("string")),
                            ]),
                        ),
                    ])),
                ),
                ("state", state),
            ]
            .into_iter()
            .chain(
                account_actions
                    .then(|| {
                        [
                            ("account", s("string")),
                            (
                                "action",
                                crate::s_enum(&["requestdepositaddress", "storedepositinfo"]),
                            ),
                            ("accountJson", s("string")),
                        ]
                    })
                    .into_iter()
                    .flatten(),
            )
            .collect()),
        ),
    ]);
    obj(vec![
        ("type", "array".into()),
        ("minItems", J::I(1)),
        ("items", step),
    ])
}

/// The schema of `config`.
pub(crate) fn config_schema() -> J {
    obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&[
                "trustedAccount",
                "trustAccount",
                "nonceCapacity",
                "nonceLifetimeMs",
                "bidLifetimeMs",
            ]),
        ),
        (
            "properties",
            obj(vec![
                ("trustedAccount", obj(vec![("type", "string".into())])),
                ("trustAccount", obj(vec![("type", "string".into())])),
                ("nonceCapacity", crate::s_int(1)),
                ("nonceLifetimeMs", crate::s_int(1)),
                ("bidLifetimeMs", crate::s_int(0)),
            ]),
        ),
    ])
}

/// The header lines shared by the scenario files.
pub(crate) fn common_header() -> Vec<String> {
    vec![
        "Each case runs `steps` in order on one fresh market (spec section 15) with the case's `config` (trusted account signing deposits, trust account whose `trusts` relations admit sellers of `~trusted` articles, nonce bound and lifetime, bid lifetime) and otherwise the defaults: mainnet, BitWrk 0.7's articles (BW-ART-3), fee 3 % (BW-BID-7). `participants` lists every key a case may use (name, address and WIF; the same list in every case, its order carries no meaning); every input is written out, signatures included, so no key is needed to run a case.".into(),
        format!("Times: `at` is milliseconds after 2024-01-01T00:00:00Z ({T0} ms since the Unix epoch); every step has its own `at`, non-decreasing within a case (BW-MARKET-1)."),
        "Inputs: op=nonce issues a nonce from the 16 bytes `random` (output `nonce`); op=bid submits the bid form `form` ([name, value] pairs as received); op=message submits the transaction message `form` to transaction `txid` (the id in the request path) received from network address `remote` if given (its worker-URL origin check, BW-TX-13, runs after the signature check and before the transaction's checks); op=deposit and op=relation submit those forms (`document` is the text their signature covers, BW-DEP-6 / BW-REL-5; for a deposit, `signer` is the mainnet address recovered from its signature over `document`, which must be the trusted account, BW-DEP-7); op=timeout handles timeouts at `at` (BW-MARKET-3).".into(),
        "Outputs of an accepted step: `nonce`; for a bid its id `bid`, the transaction `matched` (or null) and `expiredBids` (resting bids the matcher found expired, refunded and marked EXPIRED, in the order found); for a message the new `phase` and `revision`; for a deposit `deposit` (applied or already-applied); for a relation `replaced` (the JSON of the relation it replaced, or null); for a timeout `expiredBids` (in the order expired) and `retired` (tx id, phase, payout, in the order retired). `movements` lists the movements the step booked, in order of their ids, with the movement's id, time, type, currency, the four parts (A on `account`, B on `blockedAccount`, F, W; decimal strings of smallest units) and the references `bid`, `tx`, `deposit` (null when absent).".into(),
        "A refused step (outcome refused, with `error`) leaves the market exactly as it was (BW-MARKET-2): its `state` equals the previous one, no nonce is spent. The case's `result` and `error` are those of the last step.".into(),
        "After every step `state` gives: `accounts` (every account a movement touched, ordered by address text bytewise, with currency and available and blocked balance), `bids` (every bid the market holds, ordered by id, as its exact JSON text, BW-BID-12), `transactions` (ordered by id, exact JSON text, BW-TX-14), `books` (every order book the market holds for the (article, currency) of some bid form of the case, ordered by article text then currency code, with the ids of its resting bids in acceptance order; a book opened for a bid the book refused does not remain, one emptied by matching may) and `pollTimeout` (the market's next time-driven work, BW-MARKET-3, in ms after the origin, or null).".into(),
        "Replay (BW-MARKET-4): a fresh market fed the accepted steps again, in order and at their `at`, must reach the same final `state`.".into(),
    ]
}

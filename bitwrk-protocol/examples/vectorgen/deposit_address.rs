//! `deposit_address.json`: deposit-address requests and deposit information
//! (spec §14.3, BW-DEPADDR-1 … BW-DEPADDR-9) as market scenarios: the forms,
//! their signed documents, who may sign them, the pending / too-soon state,
//! the order of the checks (the nonce last) and the account's JSON form.
//!
//! The documents are built here from the spec text (BW-DEPADDR-3, with the
//! oracle's BW-DOC-1 escaping) and signed with libsecp256k1; the outcomes and
//! renderings are the crate's, each scenario's facts are asserted literally.

use bitwrk_protocol::market::Market;

use crate::market::participant;
use crate::scenario::{Input, Step, TRUSTED, Who, addr_of, at, checked_sig, nonce, pairs};
use crate::scenario_cases::{S, file, no, nonce_at, nothing, ok, sc, with_participants};
use crate::{VFile, note, ref_escape};

const DAY: i64 = 86_400 * S;
/// The deposit address the payment processor hands out.
const PAY_TO: &str = "1BitcoinEaterAddressDontSendf59kuE";

/// BW-DEPADDR-3: the signed document of a deposit-address form, if `pairs`
/// is one (by its `action`).
pub(crate) fn document(pairs: &[(String, String)]) -> Option<String> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let keys: &[&str] = match get("action") {
        "requestdepositaddress" => &["nonce", "participant", "signer"],
        "storedepositinfo" => &[
            "depositaddress",
            "nonce",
            "participant",
            "reference",
            "signer",
        ],
        _ => return None,
    };
    let doc: Vec<String> = keys
        .iter()
        .map(|k| format!("{k}={}", ref_escape(get(k))))
        .collect();
    Some(doc.join("&").replace('+', "%20"))
}

/// A form with `action`, the `fields` and a signature by `signer` over its
/// document; `extra` pairs are appended after the signature unsigned.
fn form(
    signer: Who,
    action: &str,
    fields: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut f = pairs(&[("action", action)]);
    f.extend(pairs(fields));
    let doc = document(&f).expect("a deposit-address form");
    f.push(("signature".into(), checked_sig(&participant(signer), &doc)));
    f.extend(pairs(extra));
    f
}

fn post(ms: i64, account: Who, f: Vec<(String, String)>) -> Step {
    at(
        ms,
        Input::AccountAction {
            account: participant(account).address(),
            pairs: f,
        },
    )
}

/// A request for `who`'s account signed by `signer`, nonce `n`.
fn request(who: Who, signer: Who, n: u8) -> Vec<(String, String)> {
    let p = participant(who).address();
    let s = participant(signer).address();
    form(
        signer,
        "requestdepositaddress",
        &[("nonce", &nonce(n)), ("participant", &p), ("signer", &s)],
        &[],
    )
}

/// Deposit information for `who` signed by `signer`, nonce `n`.
fn info(who: Who, signer: Who, n: u8, reference: &str) -> Vec<(String, String)> {
    let p = participant(who).address();
    let s = participant(signer).address();
    form(
        signer,
        "storedepositinfo",
        &[
            ("nonce", &nonce(n)),
            ("depositaddress", PAY_TO),
            ("participant", &p),
            ("signer", &s),
            ("reference", reference),
        ],
        &[],
    )
}

type Steps = Vec<(Step, Option<&'static str>)>;

/// A post: at, nonce number, form, account posted to, expected error.
type Post = (i64, u8, Vec<(String, String)>, Who, Option<&'static str>);

fn with_nonces(items: Vec<Post>) -> Steps {
    items
        .into_iter()
        .flat_map(|(ms, n, f, account, expect)| {
            vec![ok(nonce_at(ms, n)), (post(ms + 1, account, f), expect)]
        })
        .collect()
}

/// Oracle: the kept form encoding of an accepted form (BW-DEPADDR-4,
/// BW-DEPADDR-5): its fields but `action`, keys in alphabetical order,
/// values escaped with BW-DOC-1 (a space as `+`).
fn stored(form: &[(String, String)]) -> String {
    let mut f: Vec<&(String, String)> = form.iter().filter(|(k, _)| k != "action").collect();
    f.sort();
    let parts: Vec<String> = f
        .iter()
        .map(|(k, v)| format!("{k}={}", ref_escape(v)))
        .collect();
    parts.join("&")
}

fn pending(m: &Market, who: Who) -> bool {
    m.deposit_address_state(&addr_of(who))
        .is_some_and(|s| !s.request.is_empty())
}

fn replace(mut f: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    for (k, v) in &mut f {
        if k == key {
            *v = value.to_owned();
        }
    }
    f
}

fn without(f: Vec<(String, String)>, key: &str) -> Vec<(String, String)> {
    f.into_iter().filter(|(k, _)| k != key).collect()
}

pub(crate) fn deposit_address_file() -> VFile {
    let buyer = participant("buyer").address();
    let cases = vec![
        sc(
            "a participant requests a deposit address for its own account; the account shows the pending request",
            &[
                "BW-DEPADDR-1",
                "BW-DEPADDR-2",
                "BW-DEPADDR-3",
                "BW-DEPADDR-4",
                "BW-DEPADDR-7",
                "BW-DEPADDR-9",
                "BW-JSON-6",
                "BW-JSON-1",
            ],
            &["HappyPath"],
            with_nonces(vec![(0, 1, request("buyer", "buyer", 1), "buyer", None)]),
            |m| {
                let st = m.deposit_address_state(&addr_of("buyer")).expect("state");
                assert_eq!(st.request, stored(&request("buyer", "buyer", 1)));
            },
        ),
        sc(
            "the trusted account may request for a participant",
            &["BW-DEPADDR-4"],
            &["Signer"],
            with_nonces(vec![(0, 1, request("buyer", TRUSTED, 1), "buyer", None)]),
            |m| assert!(pending(m, "buyer")),
        ),
        sc(
            "a request signed by a third party is refused with depaddr.untrusted-signer",
            &["BW-DEPADDR-4", "BW-DEPADDR-8"],
            &["Signer"],
            with_nonces(vec![(
                0,
                1,
                request("buyer", "stranger", 1),
                "buyer",
                Some("depaddr.untrusted-signer"),
            )]),
            |m| assert!(!pending(m, "buyer")),
        ),
        sc(
            "a second request while one is pending is refused with depaddr.pending-request",
            &["BW-DEPADDR-4"],
            &["State"],
            with_nonces(vec![
                (0, 1, request("buyer", "buyer", 1), "buyer", None),
                (
                    S,
                    2,
                    request("buyer", "buyer", 2),
                    "buyer",
                    Some("depaddr.pending-request"),
                ),
            ]),
            |m| assert!(pending(m, "buyer")),
        ),
        sc(
            "the trusted account stores deposit information: the pending request ends, DepositInfo and LastDepositInfo are shown",
            &[
                "BW-DEPADDR-5",
                "BW-DEPADDR-6",
                "BW-DEPADDR-7",
                "BW-DEPADDR-9",
                "BW-JSON-6",
            ],
            &["HappyPath"],
            with_nonces(vec![
                (0, 1, request("buyer", "buyer", 1), "buyer", None),
                (S, 2, info("buyer", TRUSTED, 2, "order 1+2"), "buyer", None),
            ]),
            |m| {
                let st = m.deposit_address_state(&addr_of("buyer")).expect("state");
                assert!(st.request.is_empty());
                assert_eq!(st.info, stored(&info("buyer", TRUSTED, 2, "order 1+2")));
            },
        ),
        sc(
            "deposit information signed by the participant itself is refused with depaddr.untrusted-signer",
            &["BW-DEPADDR-5"],
            &["Signer"],
            with_nonces(vec![(
                0,
                1,
                info("buyer", "buyer", 1, ""),
                "buyer",
                Some("depaddr.untrusted-signer"),
            )]),
            nothing,
        ),
        sc(
            "a request less than 24 hours after deposit information is refused with depaddr.too-soon",
            &["BW-DEPADDR-4"],
            &["State"],
            with_nonces(vec![
                (0, 1, info("buyer", TRUSTED, 1, "r"), "buyer", None),
                (
                    DAY - 2,
                    2,
                    request("buyer", "buyer", 2),
                    "buyer",
                    Some("depaddr.too-soon"),
                ),
            ]),
            |m| assert!(!pending(m, "buyer")),
        ),
        sc(
            "a request exactly 24 hours after deposit information is accepted",
            &["BW-DEPADDR-4"],
            &["State"],
            with_nonces(vec![
                (0, 1, info("buyer", TRUSTED, 1, "r"), "buyer", None),
                (DAY, 2, request("buyer", "buyer", 2), "buyer", None),
            ]),
            |m| assert!(pending(m, "buyer")),
        ),
        sc(
            "a refused form spends no nonce: after depaddr.too-soon the same nonce serves accepted deposit information",
            &["BW-DEPADDR-8", "BW-NONCE-4"],
            &["NonceLast"],
            vec![
                ok(nonce_at(0, 1)),
                ok(post(1, "buyer", info("buyer", TRUSTED, 1, "r"))),
                ok(nonce_at(S, 2)),
                no(
                    post(S + 1, "buyer", request("buyer", "buyer", 2)),
                    "depaddr.too-soon",
                ),
                ok(post(S + 2, "buyer", info("buyer", TRUSTED, 2, "r2"))),
            ],
            nothing,
        ),
        sc(
            "an untrusted signer with a nonce never issued: the signer check comes before the nonce",
            &["BW-DEPADDR-8"],
            &["NonceLast", "CheckOrder"],
            vec![no(
                post(0, "buyer", request("buyer", "stranger", 9)),
                "depaddr.untrusted-signer",
            )],
            nothing,
        ),
        sc(
            "a correct request with a nonce never issued is refused by the nonce check",
            &["BW-DEPADDR-8"],
            &["NonceLast"],
            vec![no(
                post(0, "buyer", request("buyer", "buyer", 9)),
                "nonce.unknown",
            )],
            nothing,
        ),
        sc(
            "a nonce is spent by an accepted form: reusing it is refused",
            &["BW-DEPADDR-8"],
            &["NonceLast"],
            vec![
                ok(nonce_at(0, 1)),
                ok(post(1, "buyer", info("buyer", TRUSTED, 1, "r"))),
                no(
                    post(2, "buyer", info("buyer", TRUSTED, 1, "r")),
                    "nonce.used",
                ),
            ],
            nothing,
        ),
        sc(
            "a form without action is refused with depaddr.unknown-action",
            &["BW-DEPADDR-1"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                without(request("buyer", "buyer", 1), "action"),
                "buyer",
                Some("depaddr.unknown-action"),
            )]),
            nothing,
        ),
        sc(
            "an unknown action is refused with depaddr.unknown-action",
            &["BW-DEPADDR-1"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                replace(request("buyer", "buyer", 1), "action", "withdraw"),
                "buyer",
                Some("depaddr.unknown-action"),
            )]),
            nothing,
        ),
        sc(
            "a repeated action is refused with depaddr.unknown-action",
            &["BW-DEPADDR-1"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                {
                    let mut f = request("buyer", "buyer", 1);
                    f.push(("action".into(), "requestdepositaddress".into()));
                    f
                },
                "buyer",
                Some("depaddr.unknown-action"),
            )]),
            nothing,
        ),
        sc(
            "a request without signer is refused with depaddr.missing-field",
            &["BW-DEPADDR-2"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                without(request("buyer", "buyer", 1), "signer"),
                "buyer",
                Some("depaddr.missing-field"),
            )]),
            nothing,
        ),
        sc(
            "a request with the participant twice is refused with depaddr.duplicate-field",
            &["BW-DEPADDR-2"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                {
                    let mut f = request("buyer", "buyer", 1);
                    f.push(("participant".into(), buyer.clone()));
                    f
                },
                "buyer",
                Some("depaddr.duplicate-field"),
            )]),
            nothing,
        ),
        sc(
            "a request with an unknown extra field is accepted (other fields are ignored)",
            &["BW-DEPADDR-2"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                {
                    let mut f = request("buyer", "buyer", 1);
                    f.push(("comment".into(), "hello".into()));
                    f
                },
                "buyer",
                None,
            )]),
            |m| assert!(pending(m, "buyer")),
        ),
        sc(
            "a participant that is no address is refused with depaddr.bad-participant",
            &["BW-DEPADDR-2"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                replace(
                    request("buyer", "buyer", 1),
                    "participant",
                    "not-an-address",
                ),
                "buyer",
                Some("depaddr.bad-participant"),
            )]),
            nothing,
        ),
        sc(
            "a request posted to another account than its participant is refused with depaddr.participant-mismatch",
            &["BW-DEPADDR-2"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                request("buyer", "buyer", 1),
                "seller",
                Some("depaddr.participant-mismatch"),
            )]),
            nothing,
        ),
        sc(
            "a signer that is no address is refused with depaddr.bad-signer",
            &["BW-DEPADDR-2"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                replace(request("buyer", "buyer", 1), "signer", "1111"),
                "buyer",
                Some("depaddr.bad-signer"),
            )]),
            nothing,
        ),
        sc(
            "a deposit address that is no address is refused with depaddr.bad-deposit-address",
            &["BW-DEPADDR-6"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                replace(
                    info("buyer", TRUSTED, 1, "r"),
                    "depositaddress",
                    "bc1qnotp2pkh",
                ),
                "buyer",
                Some("depaddr.bad-deposit-address"),
            )]),
            nothing,
        ),
        sc(
            "a reference with a control character is refused with depaddr.bad-reference",
            &["BW-DEPADDR-6"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                info("buyer", TRUSTED, 1, "a\nb"),
                "buyer",
                Some("depaddr.bad-reference"),
            )]),
            nothing,
        ),
        sc(
            "a reference of 256 bytes is refused with depaddr.bad-reference",
            &["BW-DEPADDR-6"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                info("buyer", TRUSTED, 1, &"r".repeat(256)),
                "buyer",
                Some("depaddr.bad-reference"),
            )]),
            nothing,
        ),
        sc(
            "a reference of 255 bytes is accepted",
            &["BW-DEPADDR-6"],
            &["Form"],
            with_nonces(vec![(
                0,
                1,
                info("buyer", TRUSTED, 1, &"r".repeat(255)),
                "buyer",
                None,
            )]),
            nothing,
        ),
        sc(
            "a signature over another document (reference signed as \"a b\", sent as \"a+b\") does not verify for the signer: sig.address-mismatch",
            &["BW-DEPADDR-3"],
            &["Signature"],
            with_nonces(vec![(
                0,
                1,
                {
                    // Signed over the reference "a b", sent with "a+b".
                    replace(info("buyer", TRUSTED, 1, "a b"), "reference", "a+b")
                },
                "buyer",
                Some("sig.address-mismatch"),
            )]),
            nothing,
        ),
    ];
    let mut f = file(
        "deposit_address",
        "DepositAddressScenario",
        "Deposit-address requests and deposit information (spec section 14.3)",
        &[
            "op=accountAction posts `form` to the account `account` (the HTTP binding's POST /account/<address>); `document` is the BW-DEPADDR-3 document its signature covers. An accepted step gives `action` and `accountJson`, the account's JSON form (BW-JSON-6) after the step, as the server sends it (with its final line feed).",
            "The payment processor's deposit address in every case is 1BitcoinEaterAddressDontSendf59kuE.",
        ],
        vec![
            note(
                "HappyPath",
                "Functionality",
                "An accepted request or deposit information.",
                "Participants cannot get a deposit address.",
            ),
            note(
                "Signer",
                "Authorization",
                "Who may sign which form (BW-DEPADDR-4, BW-DEPADDR-5).",
                "A third party replaces an account's deposit address.",
            ),
            note(
                "State",
                "EdgeCase",
                "A pending request and the 24-hour interval.",
                "Requests pile up or are refused for ever.",
            ),
            note(
                "NonceLast",
                "EdgeCase",
                "The nonce is checked last and spent only by an accepted form.",
                "A refused form burns the nonce, or a nonce is used twice.",
            ),
            note(
                "CheckOrder",
                "EdgeCase",
                "Several checks fail; the first in spec order is reported.",
                "Another error code than the reference.",
            ),
            note(
                "Form",
                "EdgeCase",
                "Missing, repeated, unknown or malformed fields.",
                "Ambiguous forms are stored.",
            ),
            note(
                "Signature",
                "Authorization",
                "A signature over another document.",
                "Forged deposit information.",
            ),
        ],
        cases.into_iter().map(with_participants).collect(),
    );
    for (name, schema) in &mut f.fields {
        if *name == "steps" {
            *schema = crate::scenario::steps_schema_for(true);
        }
    }
    f
}

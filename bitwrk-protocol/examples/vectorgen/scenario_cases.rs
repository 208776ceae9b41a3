//! The cases of `nonce.json`, `relation.json`, `deposit.json` and
//! `market.json`, run by the engine in `scenario`. Each scenario's `check`
//! asserts, as literal values, the facts the scenario is about.

use bitwrk_protocol::bid::BidState;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::market::Market;

use crate::market::participant;
use crate::scenario::{
    Input, SETUP, Scenario, Setup, Step, TRUST, Who, addr_of, at, bid, common_header,
    config_schema, deposit, deposit_to, message, nonce, participants_json, random, relation,
    relation_form, scenario_case, steps_schema,
};
use crate::{Case, VFile, When, hx, note, ours, rule, sha256};

const ART: &str = "net.bitwrk/blender/0/2.79/2G";
const ART_TRUSTED: &str = "net.bitwrk/blender/0/2.79/2G~trusted";
const S: i64 = 1000;

fn ok(step: Step) -> (Step, Option<&'static str>) {
    (step, None)
}
fn no(step: Step, code: &'static str) -> (Step, Option<&'static str>) {
    (step, Some(code))
}
fn nonce_at(ms: i64, i: u8) -> Step {
    at(ms, Input::Nonce(random(i)))
}
fn nothing(_: &Market) {}

fn sc(
    comment: &'static str,
    req: &'static [&'static str],
    flags: &'static [&'static str],
    steps: Vec<(Step, Option<&'static str>)>,
    check: fn(&Market),
) -> Case {
    scenario_case(Scenario {
        comment,
        req,
        flags,
        setup: SETUP,
        steps,
        check,
    })
}

fn file(
    stem: &'static str,
    ty: &'static str,
    title: &'static str,
    extra: &[&str],
    notes: Vec<crate::Note>,
    cases: Vec<Case>,
) -> VFile {
    let mut header = common_header();
    header.extend(extra.iter().map(|s| (*s).to_owned()));
    VFile {
        stem,
        ty,
        title,
        header,
        notes,
        groups: vec![ours(cases)],
        fields: vec![
            ("participants", crate::scenario::participants_schema()),
            ("config", config_schema()),
            ("steps", steps_schema()),
        ],
        rules: vec![rule(
            None,
            When::Always,
            &["participants", "config", "steps"],
        )],
    }
}

fn with_participants(c: Case) -> Case {
    c.f("participants", participants_json())
}

fn rel(ms: i64, n: u8) -> Step {
    at(ms, relation("buyer", "worksfor", "seller", true, &nonce(n)))
}

// ---------------------------------------------------------------------------
// nonce.json
// ---------------------------------------------------------------------------

pub(crate) fn nonce_file() -> VFile {
    let small = Setup {
        nonce_capacity: 2,
        ..SETUP
    };
    let mut cases = vec![
        sc(
            "a nonce is the lower-case hex of the 16 random bytes; a relation spends it",
            &["BW-NONCE-1", "BW-ENC-1", "BW-NONCE-4", "BW-NONCE-7"],
            &["Issue"],
            vec![ok(nonce_at(0, 1)), ok(rel(S, 1))],
            |_| assert_eq!(nonce(1).len(), 32),
        ),
        sc(
            "a spent nonce is refused the second time",
            &["BW-NONCE-4"],
            &["Reuse"],
            vec![
                ok(nonce_at(0, 1)),
                ok(rel(S, 1)),
                no(rel(2 * S, 1), "nonce.used"),
            ],
            nothing,
        ),
        sc(
            "a nonce is usable until 1 ms before its lifetime ends",
            &["BW-NONCE-3"],
            &["Expiry", "Boundary"],
            vec![ok(nonce_at(0, 1)), ok(rel(180 * S - 1, 1))],
            nothing,
        ),
        sc(
            "at issue + 180 s the nonce is expired",
            &["BW-NONCE-3"],
            &["Expiry", "Boundary"],
            vec![ok(nonce_at(0, 1)), no(rel(180 * S, 1), "nonce.expired")],
            nothing,
        ),
        sc(
            "a used nonce that expired is reported expired, not used (check order)",
            &["BW-NONCE-3", "BW-NONCE-4"],
            &["Expiry", "CheckOrder"],
            vec![
                ok(nonce_at(0, 1)),
                ok(rel(S, 1)),
                no(rel(180 * S, 1), "nonce.expired"),
            ],
            nothing,
        ),
        sc(
            "a nonce never issued is unknown",
            &["BW-NONCE-3"],
            &["Unknown"],
            vec![ok(nonce_at(0, 1)), no(rel(S, 2), "nonce.unknown")],
            nothing,
        ),
        sc(
            "once timeouts forgot an expired nonce it is unknown",
            &["BW-NONCE-5", "BW-MARKET-3"],
            &["Unknown", "Expiry"],
            vec![
                ok(nonce_at(0, 1)),
                ok(at(180 * S, Input::Timeout)),
                no(rel(180 * S, 1), "nonce.unknown"),
            ],
            nothing,
        ),
        sc(
            "random bytes giving a live nonce are refused",
            &["BW-NONCE-1"],
            &["Collision"],
            vec![ok(nonce_at(0, 1)), no(nonce_at(S, 1), "nonce.collision")],
            nothing,
        ),
        sc(
            "a relation refused at signature verification does not spend its nonce",
            &["BW-NONCE-4", "BW-NONCE-7", "BW-MARKET-2"],
            &["NotSpent"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(
                        S,
                        relation_form(
                            "stranger",
                            &[
                                ("enabled", "true"),
                                ("nonce", &nonce(1)),
                                ("source", &participant("buyer").address()),
                                ("target", &participant("seller").address()),
                                ("type", "worksfor"),
                            ],
                        ),
                    ),
                    "sig.address-mismatch",
                ),
                ok(rel(2 * S, 1)),
            ],
            nothing,
        ),
    ];
    let cap = |comment, req, steps, check: fn(&Market)| {
        scenario_case(Scenario {
            comment,
            req,
            flags: &["Capacity"],
            setup: small,
            steps,
            check,
        })
    };
    cases.push(cap(
        "with a bound of 2 the third live nonce is refused",
        &["BW-NONCE-6"],
        vec![
            ok(nonce_at(0, 1)),
            ok(nonce_at(S, 2)),
            no(nonce_at(2 * S, 3), "nonce.capacity"),
        ],
        nothing,
    ));
    cases.push(cap(
        "used nonces count against the bound until they expire",
        &["BW-NONCE-6"],
        vec![
            ok(nonce_at(0, 1)),
            ok(rel(S, 1)),
            ok(nonce_at(2 * S, 2)),
            no(nonce_at(3 * S, 3), "nonce.capacity"),
        ],
        nothing,
    ));
    cases.push(cap(
        "at the bound, expired nonces are forgotten first and the issue succeeds",
        &["BW-NONCE-6", "BW-NONCE-5"],
        vec![
            ok(nonce_at(0, 1)),
            ok(nonce_at(S, 2)),
            ok(nonce_at(180 * S, 3)),
        ],
        nothing,
    ));
    let cases = cases.into_iter().map(with_participants).collect();
    file(
        "nonce",
        "NonceScenario",
        "Nonces: issue, spend, reuse, expiry and the bound (spec section 9)",
        &[
            "The nonces are spent by relation forms (section 14.2), the simplest signed write; any signed write spends a nonce the same way.",
        ],
        vec![
            note(
                "Issue",
                "EdgeCase",
                "Issuing and spending a nonce.",
                "A nonce in another form is refused.",
            ),
            note(
                "Reuse",
                "ReplayAttack",
                "A nonce is used twice.",
                "Signed requests can be replayed.",
            ),
            note(
                "Expiry",
                "EdgeCase",
                "The lifetime ends at issue + 180 s.",
                "Stale nonces stay usable, or fresh ones are refused.",
            ),
            note(
                "Boundary",
                "EdgeCase",
                "The last and first millisecond around a limit.",
                "Off-by-one in time comparisons.",
            ),
            note(
                "CheckOrder",
                "EdgeCase",
                "Several checks fail; the first in spec order is reported.",
                "Another error code than the reference.",
            ),
            note(
                "Unknown",
                "EdgeCase",
                "A nonce the server does not remember.",
                "Invented nonces are accepted.",
            ),
            note(
                "Collision",
                "EdgeCase",
                "The random bytes repeat a live nonce.",
                "One nonce is issued twice.",
            ),
            note(
                "NotSpent",
                "EdgeCase",
                "A request refused at signature verification.",
                "Anyone can burn another's nonce.",
            ),
            note(
                "Capacity",
                "ResourceExhaustion",
                "The bound on remembered nonces.",
                "Unbounded memory, or refusals after expiry.",
            ),
        ],
        cases,
    )
}

// ---------------------------------------------------------------------------
// relation.json
// ---------------------------------------------------------------------------

fn trusted(m: &Market, seller: Who) -> bool {
    m.relations()
        .is_trusted_by(&addr_of(TRUST), &addr_of(seller))
}

pub(crate) fn relation_file() -> VFile {
    let buyer = participant("buyer").address();
    let seller = participant("seller").address();
    let form = |fields: &[(&str, &str)]| at(S, relation_form("buyer", fields));
    let base = |n: &str, s: &str, t: &str, e: &str, ty: &str| -> Vec<(String, String)> {
        [
            ("enabled", e),
            ("nonce", n),
            ("source", s),
            ("target", t),
            ("type", ty),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let raw = |f: Vec<(String, String)>| -> Step {
        let r: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        form(&r)
    };
    let n1 = nonce(1);
    let testnet = crate::address_of(crate::Net::Test, &[0x11; 20]);
    let mut missing = base(&n1, &buyer, &seller, "true", "worksfor");
    missing.retain(|(k, _)| k != "enabled");
    let cases = vec![
        sc(
            "a signed worksfor relation is stored; its JSON is in the replaced relation of the next write",
            &[
                "BW-REL-1", "BW-REL-2", "BW-REL-3", "BW-REL-4", "BW-REL-5", "BW-REL-6", "BW-REL-8",
                "BW-REL-9",
            ],
            &["Valid", "LastWriteWins"],
            vec![
                ok(nonce_at(0, 1)),
                ok(rel(S, 1)),
                ok(nonce_at(2 * S, 2)),
                ok(at(
                    3 * S,
                    relation("buyer", "worksfor", "seller", false, &nonce(2)),
                )),
            ],
            |m| {
                let r = m.relations().iter().next().expect("one relation");
                assert!(!r.enabled, "the last write wins");
                assert_eq!(m.relations().len(), 1);
            },
        ),
        sc(
            "relations differing in type are kept apart",
            &["BW-REL-8"],
            &["Valid"],
            vec![
                ok(nonce_at(0, 1)),
                ok(rel(S, 1)),
                ok(nonce_at(2 * S, 2)),
                ok(at(
                    3 * S,
                    relation("buyer", "trusts", "seller", true, &nonce(2)),
                )),
            ],
            |m| assert_eq!(m.relations().len(), 2),
        ),
        sc(
            "a missing field is refused",
            &["BW-REL-1"],
            &["Form"],
            vec![
                ok(nonce_at(0, 1)),
                no(raw(missing), "relation.missing-field"),
            ],
            nothing,
        ),
        sc(
            "a testnet target is refused on a mainnet server",
            &["BW-REL-2"],
            &["Form", "Testnet"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    raw(base(&n1, &buyer, &testnet, "true", "worksfor")),
                    "relation.bad-target",
                ),
            ],
            nothing,
        ),
        sc(
            "source equal to target is refused",
            &["BW-REL-2"],
            &["Form"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    raw(base(&n1, &buyer, &buyer, "true", "worksfor")),
                    "relation.same-source-target",
                ),
            ],
            nothing,
        ),
        sc(
            "enabled must be exactly true or false",
            &["BW-REL-4"],
            &["Form", "CaseSensitive"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    raw(base(&n1, &buyer, &seller, "True", "worksfor")),
                    "relation.bad-enabled",
                ),
            ],
            nothing,
        ),
        sc(
            "the type is case-sensitive",
            &["BW-REL-3"],
            &["Form", "CaseSensitive"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    raw(base(&n1, &buyer, &seller, "true", "Trusts")),
                    "relation.bad-type",
                ),
            ],
            nothing,
        ),
        sc(
            "bad enabled and bad type: enabled is reported first",
            &["BW-REL-7"],
            &["Form", "CheckOrder"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    raw(base(&n1, &buyer, &seller, "yes", "likes")),
                    "relation.bad-enabled",
                ),
            ],
            nothing,
        ),
        sc(
            "signed by the target instead of the source",
            &["BW-REL-6"],
            &["Signature"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(
                        S,
                        relation_form(
                            "seller",
                            &[
                                ("enabled", "true"),
                                ("nonce", &n1),
                                ("source", &buyer),
                                ("target", &seller),
                                ("type", "worksfor"),
                            ],
                        ),
                    ),
                    "sig.address-mismatch",
                ),
            ],
            nothing,
        ),
        sc(
            "a seller of a trusted article is admitted once the trust account trusts it, and refused again after the trust is disabled",
            &["BW-REL-10", "BW-BID-11"],
            &["Trusted", "LastWriteWins"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(S, bid("seller", "SELL", ART_TRUSTED, "mBTC 1", &nonce(1))),
                    "bid.untrusted-seller",
                ),
                ok(at(
                    2 * S,
                    relation(TRUST, "trusts", "seller", true, &nonce(1)),
                )),
                ok(nonce_at(3 * S, 2)),
                ok(at(
                    4 * S,
                    bid("seller", "SELL", ART_TRUSTED, "mBTC 1", &nonce(2)),
                )),
                ok(nonce_at(5 * S, 3)),
                ok(at(
                    6 * S,
                    relation(TRUST, "trusts", "seller", false, &nonce(3)),
                )),
                ok(nonce_at(7 * S, 4)),
                no(
                    at(
                        8 * S,
                        bid("seller", "SELL", ART_TRUSTED, "mBTC 1", &nonce(4)),
                    ),
                    "bid.untrusted-seller",
                ),
            ],
            |m| {
                assert!(!trusted(m, "seller"));
                assert_eq!(m.bids().count(), 1);
            },
        ),
        sc(
            "a trusts relation from another account than the trust account does not admit",
            &["BW-REL-10"],
            &["Trusted"],
            vec![
                ok(nonce_at(0, 1)),
                ok(at(
                    S,
                    relation("buyer", "trusts", "seller", true, &nonce(1)),
                )),
                ok(nonce_at(2 * S, 2)),
                no(
                    at(
                        3 * S,
                        bid("seller", "SELL", ART_TRUSTED, "mBTC 1", &nonce(2)),
                    ),
                    "bid.untrusted-seller",
                ),
            ],
            |m| assert!(!trusted(m, "seller")),
        ),
    ];
    file(
        "relation",
        "RelationScenario",
        "Relations as signed forms: checks, last write wins, trusted-article admission (spec section 14.2)",
        &[
            "The trusted article is `net.bitwrk/blender/0/2.79/2G~trusted`; a SELL of it needs the seller to be trusted (BW-BID-11, BW-REL-10).",
        ],
        vec![
            note(
                "Valid",
                "Functionality",
                "A relation is stored.",
                "Valid relations are refused.",
            ),
            note(
                "LastWriteWins",
                "Functionality",
                "A later relation for the same (source, type, target) replaces the earlier.",
                "Stale relations stay in force.",
            ),
            note(
                "Form",
                "EdgeCase",
                "A malformed form field.",
                "Malformed relations are stored.",
            ),
            note(
                "Testnet",
                "EdgeCase",
                "An address of the other network.",
                "Cross-network relations.",
            ),
            note(
                "CaseSensitive",
                "EdgeCase",
                "A value differing only in letter case.",
                "Values are accepted loosely.",
            ),
            note(
                "CheckOrder",
                "EdgeCase",
                "Several checks fail; the first in spec order is reported.",
                "Another error code than the reference.",
            ),
            note(
                "Signature",
                "SignatureMalleability",
                "The form is signed by another key than the source.",
                "Anyone can set another's relations.",
            ),
            note(
                "Trusted",
                "Authorization",
                "Admission of sellers of trusted articles.",
                "Untrusted sellers sell trusted articles.",
            ),
        ],
        cases.into_iter().map(with_participants).collect(),
    )
}

// ---------------------------------------------------------------------------
// deposit.json
// ---------------------------------------------------------------------------

pub(crate) fn deposit_file() -> VFile {
    let buyer = participant("buyer").address();
    let n1 = nonce(1);
    let fields = |amount: &'static str, uid: &'static str, n: String| -> Vec<(String, String)> {
        vec![
            ("account".to_owned(), participant("buyer").address()),
            ("amount".to_owned(), amount.to_owned()),
            ("nonce".to_owned(), n),
            ("ref".to_owned(), "vectors".to_owned()),
            ("type".to_owned(), "0".to_owned()),
            ("uid".to_owned(), uid.to_owned()),
        ]
    };
    let signed = |signer: &'static str, f: Vec<(String, String)>| -> Input {
        let r: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        deposit(signer, &r)
    };
    let cases = vec![
        sc(
            "a deposit signed by the trusted account credits the account (DEPOSIT movement with its uid)",
            &[
                "BW-DEP-1",
                "BW-DEP-2",
                "BW-DEP-6",
                "BW-DEP-7",
                "BW-LEDGER-4",
            ],
            &["Valid"],
            vec![
                ok(nonce_at(0, 1)),
                ok(at(S, deposit_to("buyer", "mBTC 5", "deposit-0001", &n1))),
            ],
            |m| {
                assert_eq!(
                    m.ledger().account(&addr_of("buyer")).map(|a| a.available),
                    Some(500_000)
                )
            },
        ),
        sc(
            "the same deposit again (same uid, new nonce) changes nothing but the nonce",
            &["BW-DEP-8"],
            &["Idempotent"],
            vec![
                ok(nonce_at(0, 1)),
                ok(at(S, deposit_to("buyer", "mBTC 5", "deposit-0001", &n1))),
                ok(nonce_at(2 * S, 2)),
                ok(at(
                    3 * S,
                    deposit_to("buyer", "mBTC 5", "deposit-0001", &nonce(2)),
                )),
            ],
            |m| {
                assert_eq!(
                    m.ledger().account(&addr_of("buyer")).map(|a| a.available),
                    Some(500_000)
                )
            },
        ),
        sc(
            "the same uid with another amount is a conflict",
            &["BW-DEP-8"],
            &["Idempotent"],
            vec![
                ok(nonce_at(0, 1)),
                ok(at(S, deposit_to("buyer", "mBTC 5", "deposit-0001", &n1))),
                ok(nonce_at(2 * S, 2)),
                no(
                    at(
                        3 * S,
                        deposit_to("buyer", "mBTC 6", "deposit-0001", &nonce(2)),
                    ),
                    "deposit.uid-conflict",
                ),
            ],
            nothing,
        ),
        sc(
            "a deposit signed by anyone but the trusted account: the recovered signer is not trusted",
            &["BW-DEP-7"],
            &["Signer"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(
                        S,
                        signed("buyer", fields("mBTC 5", "deposit-0001", n1.clone())),
                    ),
                    "deposit.untrusted-signer",
                ),
            ],
            nothing,
        ),
        sc(
            "a missing uid field",
            &["BW-DEP-1"],
            &["Form"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(S, {
                        let mut f = fields("mBTC 5", "deposit-0001", n1.clone());
                        f.retain(|(k, _)| k != "uid");
                        signed("trusted", f)
                    }),
                    "deposit.missing-field",
                ),
            ],
            nothing,
        ),
        sc(
            "a repeated amount field",
            &["BW-DEP-1"],
            &["Form"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(S, {
                        let mut f = fields("mBTC 5", "deposit-0001", n1.clone());
                        f.push(("amount".into(), "mBTC 6".into()));
                        signed("trusted", f)
                    }),
                    "deposit.duplicate-field",
                ),
            ],
            nothing,
        ),
        sc(
            "an account that is no address",
            &["BW-DEP-2"],
            &["Form"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(S, {
                        let mut f = fields("mBTC 5", "deposit-0001", n1.clone());
                        f[0].1 = format!("{buyer}x");
                        signed("trusted", f)
                    }),
                    "deposit.bad-account",
                ),
            ],
            nothing,
        ),
        sc(
            "an amount that is no money text",
            &["BW-DEP-2"],
            &["Form"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(
                        S,
                        signed("trusted", fields("five", "deposit-0001", n1.clone())),
                    ),
                    "deposit.bad-amount",
                ),
            ],
            nothing,
        ),
        sc(
            "a type other than 0 or 1",
            &["BW-DEP-2"],
            &["Form"],
            vec![
                ok(nonce_at(0, 1)),
                no(
                    at(S, {
                        let mut f = fields("mBTC 5", "deposit-0001", n1.clone());
                        f[4].1 = "2".into();
                        signed("trusted", f)
                    }),
                    "deposit.bad-type",
                ),
            ],
            nothing,
        ),
    ];
    file(
        "deposit",
        "DepositScenario",
        "Deposits as signed forms: document, signer recovery, idempotence by uid (spec section 14.1)",
        &[
            "The form names no signer: the signer is the address recovered from the signature (mainnet) and must be the trusted account (BW-DEP-7); its balance effect is in ledger.json.",
        ],
        vec![
            note(
                "Valid",
                "Functionality",
                "A deposit is accepted.",
                "Valid deposits are refused.",
            ),
            note(
                "Idempotent",
                "Functionality",
                "A deposit uid seen before.",
                "Double crediting, or lost conflicts.",
            ),
            note(
                "Signer",
                "Authorization",
                "A deposit signed by an untrusted key.",
                "Anyone can mint money.",
            ),
            note(
                "Form",
                "EdgeCase",
                "A malformed deposit form.",
                "Malformed deposits are booked.",
            ),
        ],
        cases.into_iter().map(with_participants).collect(),
    )
}

// ---------------------------------------------------------------------------
// market.json
// ---------------------------------------------------------------------------

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
        ],
        cases.into_iter().map(with_participants).collect(),
    )
}

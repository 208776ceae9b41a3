//! The cases of `nonce.json`, `relation.json` and `deposit.json`, and the
//! helpers `market_scenario` shares, run by the engine in `scenario`. Each scenario's `check`
//! asserts, as literal values, the facts the scenario is about.

use bitwrk_protocol::market::Market;

use crate::market::participant;
use crate::scenario::{
    Input, SETUP, Scenario, Setup, Step, TRUST, Who, addr_of, at, bid, common_header,
    config_schema, deposit, deposit_to, nonce, participants_json, random, relation, relation_form,
    scenario_case, steps_schema,
};
use crate::{Case, VFile, When, note, ours, rule};

pub(crate) const ART: &str = "net.bitwrk/blender/0/2.79/2G";
const ART_TRUSTED: &str = "net.bitwrk/blender/0/2.79/2G~trusted";
pub(crate) const S: i64 = 1000;

pub(crate) fn ok(step: Step) -> (Step, Option<&'static str>) {
    (step, None)
}
pub(crate) fn no(step: Step, code: &'static str) -> (Step, Option<&'static str>) {
    (step, Some(code))
}
pub(crate) fn nonce_at(ms: i64, i: u8) -> Step {
    at(ms, Input::Nonce(random(i)))
}
pub(crate) fn nothing(_: &Market) {}

pub(crate) fn sc(
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

pub(crate) fn file(
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

pub(crate) fn with_participants(c: Case) -> Case {
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
    // A relation form refused on its own, after one issued nonce.
    let refused = |comment: &'static str,
                   req: &'static [&'static str],
                   flags: &'static [&'static str],
                   fields: Vec<(String, String)>,
                   code: &'static str| {
        sc(
            comment,
            req,
            flags,
            vec![ok(nonce_at(0, 1)), no(raw(fields), code)],
            nothing,
        )
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
        refused(
            "a missing field is refused",
            &["BW-REL-1"],
            &["Form"],
            missing,
            "relation.missing-field",
        ),
        refused(
            "a testnet target is refused on a mainnet server",
            &["BW-REL-2"],
            &["Form", "Testnet"],
            base(&n1, &buyer, &testnet, "true", "worksfor"),
            "relation.bad-target",
        ),
        refused(
            "source equal to target is refused",
            &["BW-REL-2"],
            &["Form"],
            base(&n1, &buyer, &buyer, "true", "worksfor"),
            "relation.same-source-target",
        ),
        refused(
            "enabled must be exactly true or false",
            &["BW-REL-4"],
            &["Form", "CaseSensitive"],
            base(&n1, &buyer, &seller, "True", "worksfor"),
            "relation.bad-enabled",
        ),
        refused(
            "the type is case-sensitive",
            &["BW-REL-3"],
            &["Form", "CaseSensitive"],
            base(&n1, &buyer, &seller, "true", "Trusts"),
            "relation.bad-type",
        ),
        refused(
            "bad enabled and bad type: enabled is reported first",
            &["BW-REL-7"],
            &["Form", "CheckOrder"],
            base(&n1, &buyer, &seller, "yes", "likes"),
            "relation.bad-enabled",
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

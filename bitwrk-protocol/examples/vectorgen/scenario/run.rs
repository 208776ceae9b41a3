//! Running a scenario on a fresh `bitwrk_protocol::market::Market`: every
//! step's outcome and state, the literal checks of [`Scenario`], the replay
//! of the accepted inputs (BW-MARKET-4), and the case written out.

use std::collections::BTreeSet;

use bitwrk_protocol::bid::BidForm;
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::ledger::{DepositOutcome, MovementRecord};
use bitwrk_protocol::market::{Event, Market};
use bitwrk_protocol::signature::verify_document;
use bitwrk_protocol::tx::document::TxMessage;
use bitwrk_protocol::tx::{Payout, check_worker_origin};
use bitwrk_protocol::{ErrorCode, Timestamp};

use super::inputs::{deposit_document, relation_document};
use super::{Input, Setup, Step, TRUST, TRUSTED, Who, market_config};
use crate::market::{T0, participant};
use crate::{Case, J, Net, address_of, case, hash160, hx, msg_digest, obj, oracle_recover};

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(u64::try_from(T0 + ms).expect("time after 1970"))
}

fn amount(m: bitwrk_protocol::Money) -> J {
    J::from(m.amount().to_string())
}

fn movement_json(m: &MovementRecord) -> J {
    let opt = |v: Option<u64>| v.map_or(J::Null, |x| J::I(i64::try_from(x).expect("small id")));
    obj(vec![
        ("id", J::I(i64::try_from(m.id.0).expect("small id"))),
        ("at", J::I(m.timestamp.as_millis() as i64 - T0)),
        ("type", m.kind.as_str().into()),
        ("currency", m.available_delta.currency().code().into()),
        ("account", m.available_account.to_string().into()),
        ("available", amount(m.available_delta)),
        ("blockedAccount", m.blocked_account.to_string().into()),
        ("blocked", amount(m.blocked_delta)),
        ("fee", amount(m.fee)),
        ("world", amount(m.world)),
        ("bid", opt(m.refs.bid.map(|b| b.0))),
        ("tx", opt(m.refs.tx.map(|t| t.0))),
        (
            "deposit",
            m.refs
                .deposit
                .as_ref()
                .map_or(J::Null, |d| d.as_str().into()),
        ),
    ])
}

/// The observable state of a market (the `state` of a step).
/// `keys` are the (article, currency) pairs of every bid form of the
/// scenario, refused ones included, so that a book left behind is seen.
pub(crate) fn state_json(m: &Market, keys: &BTreeSet<(String, String)>) -> J {
    let accounts = m
        .ledger()
        .accounts()
        .map(|(a, acc)| {
            obj(vec![
                ("account", a.to_string().into()),
                ("currency", acc.currency.code().into()),
                ("available", acc.available.to_string().into()),
                ("blocked", acc.blocked.to_string().into()),
            ])
        })
        .collect();
    let bids = m
        .bids()
        .map(|(id, b)| {
            obj(vec![
                ("id", J::I(i64::try_from(id.0).expect("small id"))),
                (
                    "json",
                    serde_json::to_string(b).expect("bid renders").into(),
                ),
            ])
        })
        .collect();
    let txs = m
        .transactions()
        .map(|(id, t)| {
            obj(vec![
                ("id", J::I(i64::try_from(id.0).expect("small id"))),
                ("json", serde_json::to_string(t).expect("tx renders").into()),
            ])
        })
        .collect();
    let mut books: Vec<(String, String, Vec<i64>)> = keys
        .iter()
        .filter_map(|(article, code)| {
            let a = bitwrk_protocol::article::Article::parse(article).ok()?;
            let book = m.book(&a, code.parse().ok()?)?;
            let resting = book
                .resting_in_acceptance_order()
                .iter()
                .map(|o| i64::try_from(o.id.0).expect("small id"))
                .collect();
            Some((article.clone(), code.clone(), resting))
        })
        .collect();
    books.sort();
    obj(vec![
        ("accounts", J::A(accounts)),
        ("bids", J::A(bids)),
        ("transactions", J::A(txs)),
        (
            "books",
            J::A(
                books
                    .into_iter()
                    .map(|(a, c, r)| {
                        obj(vec![
                            ("article", a.into()),
                            ("currency", c.into()),
                            ("resting", J::A(r.into_iter().map(J::I).collect())),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "pollTimeout",
            m.poll_timeout()
                .map_or(J::Null, |t| J::I(t.as_millis() as i64 - T0)),
        ),
    ])
}

fn form_json(f: &[(String, String)]) -> J {
    J::A(
        f.iter()
            .map(|(k, v)| J::A(vec![k.as_str().into(), v.as_str().into()]))
            .collect(),
    )
}

type Outputs = Vec<(&'static str, J)>;

/// Runs one input; returns the step's output fields and the event to log.
fn code<E: ErrorCode>(e: E) -> &'static str {
    e.code()
}

fn run(m: &mut Market, now: Timestamp, input: &Input) -> Result<(Outputs, Event), &'static str> {
    match input {
        Input::Nonce(r) => {
            let n = m.issue_nonce(now, r).map_err(code)?;
            Ok((
                vec![("nonce", n.as_str().into())],
                Event::NonceIssued { now, random: *r },
            ))
        }
        Input::Bid(f) => {
            let get = |k: &str| {
                f.iter()
                    .find(|(n, _)| n == k)
                    .map_or("", |(_, v)| v)
                    .to_owned()
            };
            let form = BidForm {
                bid_type: get("type"),
                article: get("article"),
                price: get("price"),
                address: get("address"),
                nonce: get("nonce"),
                signature: get("signature"),
            };
            let (placed, ev) = m.submit_bid(now, &form).map_err(code)?;
            let id = |v: u64| J::I(i64::try_from(v).expect("small id"));
            Ok((
                vec![
                    ("bid", id(placed.bid.0)),
                    ("matched", placed.matched.map_or(J::Null, |t| id(t.0))),
                    (
                        "expiredBids",
                        J::A(placed.expired.iter().map(|b| id(b.0)).collect()),
                    ),
                    (
                        "movements",
                        J::A(placed.movements.iter().map(movement_json).collect()),
                    ),
                ],
                ev,
            ))
        }
        Input::Message {
            txid,
            pairs,
            remote,
        } => {
            let msg = TxMessage::from_form(TxId(*txid), pairs).map_err(code)?;
            let verified = verify_document(msg.clone()).map_err(code)?;
            if let (Some(url), Some(remote)) = (msg.argument("workerurl"), remote) {
                check_worker_origin(url, remote).map_err(code)?;
            }
            let accepted = m.handle_tx_message(now, &verified).map_err(code)?;
            Ok((
                vec![
                    ("phase", accepted.post.as_str().into()),
                    (
                        "revision",
                        J::I(i64::try_from(accepted.revision).expect("small")),
                    ),
                ],
                Event::TxMessage { now, message: msg },
            ))
        }
        Input::Deposit(f) => {
            let (outcome, ev) = m.submit_deposit(now, f).map_err(code)?;
            let out = match outcome {
                DepositOutcome::Applied(rec) => vec![
                    ("deposit", "applied".into()),
                    ("movements", J::A(vec![movement_json(&rec)])),
                ],
                DepositOutcome::AlreadyApplied => vec![
                    ("deposit", "already-applied".into()),
                    ("movements", J::A(vec![])),
                ],
            };
            Ok((out, ev))
        }
        Input::Relation(f) => {
            let (replaced, ev) = m.submit_relation(now, f).map_err(code)?;
            Ok((
                vec![(
                    "replaced",
                    replaced.map_or(J::Null, |r| {
                        serde_json::to_string(&r).expect("relation renders").into()
                    }),
                )],
                ev,
            ))
        }
        Input::Timeout => {
            let done = m.handle_timeout(now).map_err(code)?;
            let id = |v: u64| J::I(i64::try_from(v).expect("small id"));
            Ok((
                vec![
                    (
                        "expiredBids",
                        J::A(done.expired_bids.iter().map(|b| id(b.0)).collect()),
                    ),
                    (
                        "retired",
                        J::A(
                            done.retired
                                .iter()
                                .map(|(t, r)| {
                                    obj(vec![
                                        ("tx", id(t.0)),
                                        ("phase", r.phase.as_str().into()),
                                        ("payout", payout_name(&r.payout).into()),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                    (
                        "movements",
                        J::A(done.movements.iter().map(movement_json).collect()),
                    ),
                ],
                Event::Timeout { now },
            ))
        }
        Input::AccountAction { account, pairs } => {
            let (action, ev) = m.submit_account_action(now, account, pairs).map_err(code)?;
            let addr = bitwrk_protocol::Address::parse(account).map_err(code)?;
            Ok((
                vec![
                    ("action", action.as_str().into()),
                    (
                        "accountJson",
                        bitwrk_protocol::wire::to_go_json(&m.account_json(&addr)).into(),
                    ),
                ],
                ev,
            ))
        }
    }
}

fn payout_name(p: &Payout) -> &'static str {
    match p {
        Payout::SellerPaid { .. } => "sellerPaid",
        Payout::BuyerRefunded { .. } => "buyerRefunded",
    }
}

fn input_json(input: &Input) -> Vec<(&'static str, J)> {
    match input {
        Input::Nonce(r) => vec![("op", "nonce".into()), ("random", hx(r).into())],
        Input::Bid(f) => vec![("op", "bid".into()), ("form", form_json(f))],
        Input::Message {
            txid,
            pairs,
            remote,
        } => {
            let mut v = vec![
                ("op", "message".into()),
                ("txid", txid.to_string().into()),
                ("form", form_json(pairs)),
            ];
            if let Some(r) = remote {
                v.push(("remote", r.as_str().into()));
            }
            v
        }
        Input::Deposit(f) => vec![("op", "deposit".into()), ("form", form_json(f))],
        Input::Relation(f) => vec![("op", "relation".into()), ("form", form_json(f))],
        Input::Timeout => vec![("op", "timeout".into())],
        Input::AccountAction { account, pairs } => vec![
            ("op", "accountAction".into()),
            ("account", account.as_str().into()),
            ("form", form_json(pairs)),
        ],
    }
}

/// The document a deposit or relation step's signature covers, for the
/// reader (a runner may compare it with its own).
fn document_of(input: &Input) -> Option<String> {
    let refs = |f: &[(String, String)]| -> Vec<(String, String)> { f.to_vec() };
    let (f, relation) = match input {
        Input::Deposit(f) => (refs(f), false),
        Input::Relation(f) => (refs(f), true),
        Input::AccountAction { pairs, .. } => return crate::deposit_address::document(pairs),
        _ => return None,
    };
    let r: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Some(if relation {
        relation_document(&r)
    } else {
        deposit_document(&r)
    })
}

/// The mainnet address whose key made `sig` over `document`, by the oracle.
fn recovered_signer(document: &str, sig: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(sig).ok()?;
    let sig: [u8; 65] = bytes.try_into().ok()?;
    let pk = oracle_recover(&msg_digest(document.as_bytes()), &sig)?;
    Some(address_of(Net::Main, &hash160(&pk)))
}

/// What a scenario must show, checked on the crate's run: per step, the
/// expected error (None = accepted).
pub(crate) struct Scenario {
    pub(crate) comment: &'static str,
    pub(crate) req: &'static [&'static str],
    pub(crate) flags: &'static [&'static str],
    pub(crate) setup: Setup,
    pub(crate) steps: Vec<(Step, Option<&'static str>)>,
    /// A literal fact about the final market, asserted by the generator.
    pub(crate) check: fn(&Market),
}

/// Every participant name a scenario may use, in the order listed.
const NAMES: [Who; 6] = ["buyer", "seller", "trusted", "trust", "stranger", "buyer2"];

pub(crate) fn participants_json() -> J {
    J::A(
        NAMES
            .iter()
            .map(|n| {
                let k = participant(n);
                obj(vec![
                    ("name", (*n).into()),
                    ("address", k.address().into()),
                    ("wif", k.wif().into()),
                ])
            })
            .collect(),
    )
}

/// Runs `s` on a fresh market, checks it and writes the case.
pub(crate) fn scenario_case(s: Scenario) -> Case {
    let config = market_config(s.setup);
    let mut m = Market::new(config.clone());
    let mut log = Vec::new();
    let mut steps = Vec::new();
    let mut last = None;
    let keys: BTreeSet<(String, String)> = s
        .steps
        .iter()
        .filter_map(|(step, _)| match &step.input {
            Input::Bid(f) => {
                let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                let price = bitwrk_protocol::Money::parse(&get("price")?).ok()?;
                Some((get("article")?, price.currency().code().to_owned()))
            }
            _ => None,
        })
        .collect();
    for (i, (step, expect)) in s.steps.iter().enumerate() {
        let before = m.clone();
        let now = ts(step.at);
        let mut fields = vec![("at", J::I(step.at))];
        fields.extend(input_json(&step.input));
        if let Some(d) = document_of(&step.input) {
            if let Input::Deposit(f) = &step.input {
                // BW-DEP-7: the form names no signer; it is recovered.
                let sig = f.iter().find(|(k, _)| k == "signature").map(|(_, v)| v);
                if let Some(signer) = sig.and_then(|sig| recovered_signer(&d, sig)) {
                    fields.push(("signer", signer.into()));
                }
            }
            fields.push(("document", d.into()));
        }
        match run(&mut m, now, &step.input) {
            Ok((out, ev)) => {
                assert!(
                    expect.is_none(),
                    "{}: step {} accepted, expected {expect:?}",
                    s.comment,
                    i + 1
                );
                fields.push(("outcome", "accepted".into()));
                fields.extend(out);
                log.push(ev);
                last = None;
            }
            Err(e) => {
                assert_eq!(Some(e), *expect, "{}: step {} refused", s.comment, i + 1);
                assert_eq!(
                    m, before,
                    "{}: a refused step changed the market",
                    s.comment
                );
                fields.push(("outcome", "refused".into()));
                fields.push(("error", e.into()));
                last = Some(e);
            }
        }
        fields.push(("state", state_json(&m, &keys)));
        steps.push(obj(fields));
    }
    (s.check)(&m);
    let replayed = Market::replay(config, &log).expect("the accepted inputs replay");
    assert_eq!(replayed, m, "{}: replay gives another state", s.comment);
    let c = case(s.comment)
        .req(s.req)
        .flags(s.flags)
        .f(
            "config",
            obj(vec![
                ("trustedAccount", participant(TRUSTED).address().into()),
                ("trustAccount", participant(TRUST).address().into()),
                (
                    "nonceCapacity",
                    J::I(i64::try_from(s.setup.nonce_capacity).expect("small")),
                ),
                (
                    "nonceLifetimeMs",
                    J::I(i64::try_from(s.setup.nonce_lifetime_ms).expect("small")),
                ),
                (
                    "bidLifetimeMs",
                    J::I(i64::try_from(s.setup.bid_lifetime_ms).expect("small")),
                ),
            ]),
        )
        .f("steps", J::A(steps));
    match last {
        None => c.valid(),
        Some(code) => c.invalid(code),
    }
}

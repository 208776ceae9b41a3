//! The engine of the market-level scenario families (`nonce.json`,
//! `relation.json`, `deposit.json`, `market.json`, spec sections 9, 10,
//! 12, 14 and 15): a scenario is a list of timed inputs to one fresh
//! `bitwrk_protocol::market::Market`. Every input is written out in full
//! (form fields with their signatures, random bytes, the remote address),
//! so a third party needs no signer to run them; every step carries the
//! state after it.
//!
//! The forms are signed here with libsecp256k1 over documents built from
//! the spec text (BW-BID-11 by the crate's `bid_document`, checked against
//! the oracle; BW-REL-5 and BW-DEP-6 written out here), the expected
//! outcomes and renderings are the crate's, and each scenario states the
//! facts it is about as literal checks the generator asserts (see the
//! `expect_*` arguments in `scenario_cases`). The generator also replays the
//! accepted inputs into a fresh market and requires an identical state
//! (BW-MARKET-4).

use std::collections::BTreeSet;
use std::time::Duration;

use bitwrk_protocol::bid::{BidConfig, BidForm, BidType, bid_document};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::ledger::{DepositOutcome, MovementRecord};
use bitwrk_protocol::market::{Event, Market, MarketConfig};
use bitwrk_protocol::signature::verify_document;
use bitwrk_protocol::tx::document::{TxMessage, canonical_document};
use bitwrk_protocol::tx::{Payout, check_worker_origin};
use bitwrk_protocol::{ErrorCode, Timestamp};

use crate::market::{T0, crate_addr, crate_key, participant, ref_normalize};
use crate::{
    Case, J, Key, Net, Verdict, address_of, b64, case, hash160, hx, msg_digest, obj,
    oracle_recover, oracle_verify, sha256, strs,
};

/// A participant of a scenario, by name (see [`participant`]).
pub(crate) type Who = &'static str;

/// The inputs of a scenario step.
#[derive(Clone)]
pub(crate) enum Input {
    /// Issue a nonce from these random bytes.
    Nonce([u8; 16]),
    /// A bid form.
    Bid(Vec<(String, String)>),
    /// A transaction message (form pairs) for `txid`, from `remote`.
    Message {
        txid: u64,
        pairs: Vec<(String, String)>,
        remote: Option<String>,
    },
    /// A deposit form.
    Deposit(Vec<(String, String)>),
    /// A relation form.
    Relation(Vec<(String, String)>),
    /// Handle timeouts.
    Timeout,
    /// A form posted to `account` (§14.3: deposit-address request or
    /// deposit information).
    AccountAction {
        account: String,
        pairs: Vec<(String, String)>,
    },
}

/// One step: an input at a time (ms after [`T0`]).
#[derive(Clone)]
pub(crate) struct Step {
    pub(crate) at: i64,
    pub(crate) input: Input,
}

/// The settings of a scenario's market.
#[derive(Clone, Copy)]
pub(crate) struct Setup {
    pub(crate) nonce_capacity: usize,
    pub(crate) nonce_lifetime_ms: u64,
    pub(crate) bid_lifetime_ms: u64,
}

pub(crate) const SETUP: Setup = Setup {
    nonce_capacity: 100,
    nonce_lifetime_ms: 180_000,
    bid_lifetime_ms: 120_000,
};

/// The account whose signature makes a deposit valid, in every scenario.
pub(crate) const TRUSTED: Who = "trusted";
/// The account whose `trusts` relations admit sellers of trusted articles.
pub(crate) const TRUST: Who = "trust";

pub(crate) fn market_config(setup: Setup) -> MarketConfig {
    MarketConfig {
        bids: BidConfig {
            lifetime: Duration::from_millis(setup.bid_lifetime_ms),
            ..BidConfig::default()
        },
        trusted_account: crate_addr(&participant(TRUSTED).address()),
        trust_account: crate_addr(&participant(TRUST).address()),
        nonce_capacity: setup.nonce_capacity,
        nonce_lifetime: Duration::from_millis(setup.nonce_lifetime_ms),
        ..MarketConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Building inputs (what a client does)
// ---------------------------------------------------------------------------

/// The random bytes of nonce number `i` of a scenario.
pub(crate) fn random(i: u8) -> [u8; 16] {
    let h = sha256(format!("bitwrk nonce {i}").as_bytes());
    let mut r = [0u8; 16];
    r.copy_from_slice(&h[..16]);
    r
}

/// The nonce text issued from [`random`]`(i)` (BW-NONCE-1: lower-case hex).
pub(crate) fn nonce(i: u8) -> String {
    hx(&random(i))
}

pub(crate) fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(crate) fn checked_sig(signer: &Key, document: &str) -> String {
    let sig = b64(&signer.sign(document.as_bytes()));
    assert!(
        matches!(
            oracle_verify(&signer.address(), document.as_bytes(), &sig),
            Verdict::Valid { .. }
        ),
        "oracle rejects its own signature"
    );
    sig
}

/// A bid form signed by `who` over the BW-BID-11 document.
pub(crate) fn bid(who: Who, ty: &str, article: &str, price: &str, n: &str) -> Input {
    let key = participant(who);
    let address = key.address();
    let document = bid_document(article, ty, price, &address, n);
    assert_eq!(
        document,
        format!(
            "article={}&type={}&price={}&address={}&nonce={}",
            ref_normalize(article),
            ref_normalize(ty),
            ref_normalize(price),
            ref_normalize(&address),
            ref_normalize(n)
        )
    );
    let signature = checked_sig(&key, &document);
    let bid_type = if ty == "BUY" {
        BidType::Buy
    } else {
        BidType::Sell
    };
    let crate_form = BidForm::signed(&crate_key(&key), bid_type, article, price, n);
    assert_eq!(crate_form.signature, signature, "RFC 6979 signatures agree");
    Input::Bid(pairs(&[
        ("type", ty),
        ("article", article),
        ("price", price),
        ("address", &address),
        ("nonce", n),
        ("signature", &signature),
    ]))
}

/// A transaction message from `who` to `txid`, sent from `remote`.
pub(crate) fn message(who: Who, txid: u64, args: &[(&str, &str)], remote: Option<&str>) -> Input {
    let key = participant(who);
    let txid_text = txid.to_string();
    let mut signed: Vec<(&str, &str)> = args.to_vec();
    signed.push(("txid", &txid_text));
    let document = canonical_document(signed.iter().copied());
    let signature = checked_sig(&key, &document);
    let address = key.address();
    signed.push(("address", &address));
    signed.push(("signature", &signature));
    Input::Message {
        txid,
        pairs: pairs(&signed),
        remote: remote.map(str::to_owned),
    }
}

/// The BW-DEP-6 document of a deposit form.
pub(crate) fn deposit_document(f: &[(&str, &str)]) -> String {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| *n == k)
            .map_or("", |(_, v)| *v)
            .to_owned()
    };
    format!(
        "account={}&amount={}&nonce={}&ref={}&type={}&uid={}",
        ref_normalize(&get("account")),
        ref_normalize(&get("amount")),
        ref_normalize(&get("nonce")),
        ref_normalize(&get("ref")),
        ref_normalize(&get("type")),
        ref_normalize(&get("uid"))
    )
}

/// A deposit form `fields` (without signature) signed by `signer`.
pub(crate) fn deposit(signer: Who, fields: &[(&str, &str)]) -> Input {
    let signature = checked_sig(&participant(signer), &deposit_document(fields));
    let mut f = pairs(fields);
    f.push(("signature".into(), signature));
    Input::Deposit(f)
}

/// The usual deposit: `amount` to `who` with uid `uid`, nonce `n`.
pub(crate) fn deposit_to(who: Who, amount: &str, uid: &str, n: &str) -> Input {
    let account = participant(who).address();
    deposit(
        TRUSTED,
        &[
            ("account", &account),
            ("amount", amount),
            ("nonce", n),
            ("ref", "vectors"),
            ("type", "0"),
            ("uid", uid),
        ],
    )
}

/// The BW-REL-5 document.
pub(crate) fn relation_document(f: &[(&str, &str)]) -> String {
    let get = |k: &str| f.iter().find(|(n, _)| *n == k).map_or("", |(_, v)| *v);
    format!(
        "enabled={}&nonce={}&source={}&target={}&type={}",
        ref_normalize(get("enabled")),
        ref_normalize(get("nonce")),
        ref_normalize(get("source")),
        ref_normalize(get("target")),
        ref_normalize(get("type"))
    )
}

/// A relation form `fields` (without signature) signed by `signer`.
pub(crate) fn relation_form(signer: Who, fields: &[(&str, &str)]) -> Input {
    let signature = checked_sig(&participant(signer), &relation_document(fields));
    let mut f = pairs(fields);
    f.push(("signature".into(), signature));
    Input::Relation(f)
}

/// `source` says `kind` about `target` (enabled or not), signed by the source.
pub(crate) fn relation(source: Who, kind: &str, target: Who, enabled: bool, n: &str) -> Input {
    let s = participant(source).address();
    let t = participant(target).address();
    relation_form(
        source,
        &[
            ("enabled", if enabled { "true" } else { "false" }),
            ("nonce", n),
            ("source", &s),
            ("target", &t),
            ("type", kind),
        ],
    )
}

pub(crate) fn at(ms: i64, input: Input) -> Step {
    Step { at: ms, input }
}

// ---------------------------------------------------------------------------
// Running a scenario on the crate and writing it out
// ---------------------------------------------------------------------------

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

/// Helpers for the literal checks.
pub(crate) fn addr_of(who: Who) -> bitwrk_protocol::Address {
    crate_addr(&participant(who).address())
}

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

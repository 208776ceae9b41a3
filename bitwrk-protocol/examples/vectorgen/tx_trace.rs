//! `tx_trace.json`: transaction traces (spec section 12). Expected results
//! come from a small model written from the transition table, BW-TX-2 …
//! BW-TX-12 and BitWrk 0.7's behaviour; every step is replayed on
//! `bitwrk_protocol::tx::Transaction` through signed, verified messages.

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::article::Article;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::signature::verify_document;
use bitwrk_protocol::tx::{NewTransaction, Payout, Transaction, TxMessage, TxState};
use bitwrk_protocol::{Money, Timestamp};

use crate::market::{KEY_RULE, T0, crate_addr, crate_key, participant};
use crate::{
    Case, J, Outcome, VFile, Verdict, When, b64, case, hx, note, obj, oracle_verify, ours, rule,
    s_amount, s_string, sha256, strs,
};

const TXID: &str = "42";
const PRICE: i64 = 150_000;
const FEE: i64 = 4_500;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ph {
    E,
    Be,
    Se,
    T,
    W,
    U,
    F,
    Wd,
    Rd,
}

impl Ph {
    fn name(self) -> &'static str {
        match self {
            Ph::E => "ESTABLISHING",
            Ph::Be => "BUYER_ESTABLISHED",
            Ph::Se => "SELLER_ESTABLISHED",
            Ph::T => "TRANSMITTING",
            Ph::W => "WORKING",
            Ph::U => "UNVERIFIED",
            Ph::F => "FINISHED",
            Ph::Wd => "WORK_DISPUTED",
            Ph::Rd => "RESULT_DISPUTED",
        }
    }
}

/// The transition table of BW-TX-5: sender, argument set, (pre, post).
/// One row: sender, argument set, (pre, post) pairs.
type Row = (&'static str, &'static [&'static str], &'static [(Ph, Ph)]);

const TABLE: &[Row] = &[
    (
        "buyer",
        &["workhash", "worksecrethash"],
        &[(Ph::E, Ph::Be), (Ph::Se, Ph::T)],
    ),
    (
        "seller",
        &["workerurl"],
        &[(Ph::E, Ph::Se), (Ph::Be, Ph::T)],
    ),
    (
        "seller",
        &["buyersecret"],
        &[(Ph::Be, Ph::W), (Ph::T, Ph::W)],
    ),
    (
        "seller",
        &["rejectwork"],
        &[(Ph::Se, Ph::Wd), (Ph::T, Ph::Wd), (Ph::W, Ph::Wd)],
    ),
    (
        "seller",
        &["encresulthash", "encresulthashsig", "encresultkey"],
        &[(Ph::W, Ph::U)],
    ),
    ("buyer", &["rejectresult"], &[(Ph::U, Ph::Rd)]),
    (
        "buyer",
        &["acceptresult"],
        &[
            (Ph::E, Ph::F),
            (Ph::Be, Ph::F),
            (Ph::Se, Ph::F),
            (Ph::T, Ph::F),
            (Ph::W, Ph::F),
            (Ph::U, Ph::F),
        ],
    ),
];

#[derive(Clone, Debug)]
enum Step {
    Msg {
        at: i64,
        sender: &'static str,
        txid: Option<&'static str>,
        args: Vec<(String, String)>,
    },
    Retire {
        at: i64,
    },
}

#[derive(Clone, Debug, PartialEq)]
struct St {
    phase: Ph,
    revision: i64,
    timeout: i64,
    retired: bool,
    work_hash: Option<String>,
    work_secret_hash: Option<String>,
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn ref_url(u: &str) -> Result<(), &'static str> {
    if u.len() > 255 {
        return Err("tx.worker-url-too-long");
    }
    // Printable ASCII without space and without '#': no fragment (DEP-109).
    let printable = u.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'#');
    let authority = u
        .strip_prefix("http://")
        .map(|r| r.split(['/', '?']).next().unwrap_or(""));
    match authority {
        Some(a) if printable && !a.is_empty() && !a.contains('@') => Ok(()),
        _ => Err("tx.bad-worker-url"),
    }
}

fn arg<'a>(args: &'a [(String, String)], k: &str) -> &'a str {
    args.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

/// The model's step: Ok(payout kind for a retirement, "" for a message).
fn model_step(st: &mut St, s: &Step) -> Result<&'static str, &'static str> {
    match s {
        Step::Retire { at } => {
            if st.retired {
                return Err("tx.already-retired");
            }
            if *at < st.timeout {
                return Err("tx.too-young");
            }
            st.retired = true;
            st.revision += 1;
            Ok(if matches!(st.phase, Ph::F | Ph::U) {
                "seller-paid"
            } else {
                "buyer-refunded"
            })
        }
        Step::Msg {
            at,
            sender,
            txid,
            args,
        } => {
            if txid.unwrap_or(TXID) != TXID {
                return Err("tx.wrong-transaction");
            }
            if st.retired || *at >= st.timeout {
                return Err("tx.inactive");
            }
            let role = match *sender {
                "buyer" | "seller" => *sender,
                _ => "unknown",
            };
            let mut names: Vec<&str> = args.iter().map(|(k, _)| k.as_str()).collect();
            names.sort_unstable();
            let (_, set, transitions) = TABLE
                .iter()
                .find(|(r, set, _)| *r == role && *set == names.as_slice())
                .ok_or("tx.message-not-allowed")?;
            let post = transitions
                .iter()
                .find(|(pre, _)| *pre == st.phase)
                .map(|(_, post)| *post)
                .ok_or("tx.wrong-phase")?;
            let hex = |k: &str| {
                if is_hex64(arg(args, k)) {
                    Ok(())
                } else {
                    Err("tx.bad-hex")
                }
            };
            match set[0] {
                "workhash" => {
                    hex("workhash")?;
                    hex("worksecrethash")?;
                    st.work_hash = Some(arg(args, "workhash").to_owned());
                    st.work_secret_hash = Some(arg(args, "worksecrethash").to_owned());
                }
                "workerurl" => ref_url(arg(args, "workerurl"))?,
                "buyersecret" => {
                    hex("buyersecret")?;
                    let mut pre = hex::decode(st.work_hash.as_deref().unwrap_or("")).unwrap();
                    pre.extend(hex::decode(arg(args, "buyersecret")).unwrap());
                    if Some(hx(&sha256(&pre))) != st.work_secret_hash {
                        return Err("tx.secret-mismatch");
                    }
                }
                "encresulthash" => {
                    hex("encresulthash")?;
                    let receipt = arg(args, "encresulthash");
                    let buyer = participant("buyer").address();
                    if let Verdict::Invalid { .. } =
                        oracle_verify(&buyer, receipt.as_bytes(), arg(args, "encresulthashsig"))
                    {
                        return Err("tx.bad-receipt");
                    }
                    hex("encresultkey")?;
                }
                _ => {}
            }
            st.timeout = match post {
                Ph::T => st.timeout + 120_000,
                Ph::W => st.timeout + 300_000,
                Ph::U => st.timeout + 900_000,
                Ph::F | Ph::Wd | Ph::Rd => *at,
                _ => st.timeout,
            };
            st.phase = post;
            st.revision += 1;
            Ok("")
        }
    }
}

fn new_tx() -> Transaction {
    Transaction::new(NewTransaction {
        buyer_bid: BidId(1),
        seller_bid: BidId(2),
        buyer: crate_addr(&participant("buyer").address()),
        seller: crate_addr(&participant("seller").address()),
        article: Article::parse("net.bitwrk/blender/0/2.79/2G").unwrap(),
        price: Money::new(PRICE, bitwrk_protocol::Currency::Btc),
        fee: Money::new(FEE, bitwrk_protocol::Currency::Btc),
        matched: Timestamp::from_millis(T0 as u64),
    })
}

fn crate_step(tx: &mut Transaction, s: &Step) -> Result<&'static str, &'static str> {
    match s {
        Step::Retire { at } => tx
            .retire(Timestamp::from_millis(*at as u64))
            .map(|r| match r.payout {
                Payout::SellerPaid { .. } => "seller-paid",
                Payout::BuyerRefunded { .. } => "buyer-refunded",
            })
            .map_err(|e| e.code()),
        Step::Msg {
            at,
            sender,
            txid,
            args,
        } => {
            let key = crate_key(&participant(sender));
            let id = TxId(txid.unwrap_or(TXID).parse().unwrap());
            let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let pairs = TxMessage::sign_form(&key, id, &a);
            let msg = TxMessage::from_form(id, &pairs).expect("well-formed form");
            let verified = verify_document(msg).expect("own signature verifies");
            tx.handle_message(
                TxId(TXID.parse().unwrap()),
                Timestamp::from_millis(*at as u64),
                &verified,
            )
            .map(|_| "")
            .map_err(|e| e.code())
        }
    }
}

fn req_of(code: &str) -> &'static [&'static str] {
    match code {
        "tx.wrong-transaction" | "tx.inactive" => &["BW-TX-2"],
        "tx.message-not-allowed" => &["BW-TX-4", "BW-TX-3"],
        "tx.wrong-phase" => &["BW-TX-6"],
        "tx.bad-receipt" => &["BW-TX-8", "BW-TXDOC-6"],
        "tx.too-young" | "tx.already-retired" => &["BW-TX-10"],
        _ => &["BW-TX-8"],
    }
}

fn trace(comment: &str, steps: Vec<Step>, req: &[&'static str], flags: &[&'static str]) -> Case {
    let mut st = St {
        phase: Ph::E,
        revision: 0,
        timeout: T0 + 60_000,
        retired: false,
        work_hash: None,
        work_secret_hash: None,
    };
    let mut tx = new_tx();
    let mut c = case(comment)
        .req(req)
        .req(&["BW-TX-1", "BW-TX-9", "BW-TX-12"])
        .flags(flags);
    let mut out = Vec::new();
    let mut last = Ok("");
    for s in &steps {
        let before = st.clone();
        let before_tx = tx.clone();
        let want = model_step(&mut st, s);
        let got = crate_step(&mut tx, s);
        assert_eq!(want, got, "{comment}: {s:?}");
        if want.is_err() {
            assert_eq!(before, st);
            assert_eq!(
                before_tx, tx,
                "{comment}: a rejected step changed the transaction"
            );
        }
        assert_eq!(tx.phase.as_str(), st.phase.name(), "{comment}");
        assert_eq!(tx.revision as i64, st.revision, "{comment}");
        assert_eq!(tx.timeout.as_millis() as i64, st.timeout, "{comment}");
        assert_eq!(tx.state == TxState::Retired, st.retired, "{comment}");
        match (&want, s) {
            (Err(code), _) => c = c.req(req_of(code)),
            (Ok(""), Step::Msg { .. }) => c = c.req(&["BW-TX-5"]),
            (Ok(_), _) => c = c.req(&["BW-TX-10", "BW-TX-11"]),
        }
        let mut o: Vec<(&str, J)> = match s {
            Step::Msg {
                at,
                sender,
                txid,
                args,
            } => {
                let mut v = vec![
                    ("op", "message".into()),
                    ("at", J::I(*at)),
                    ("sender", (*sender).into()),
                ];
                if let Some(t) = txid {
                    v.push(("txid", (*t).into()));
                }
                v.push((
                    "arguments",
                    J::O(
                        args.iter()
                            .map(|(k, v)| (k.clone(), J::from(v.as_str())))
                            .collect(),
                    ),
                ));
                // The signed form as sent, so a runner needs no signer.
                let to: u64 = txid.unwrap_or(TXID).parse().expect("decimal txid");
                let a: Vec<(&str, &str)> =
                    args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let form = match crate::scenario::message(sender, to, &a, None) {
                    crate::scenario::Input::Message { pairs, .. } => pairs,
                    _ => unreachable!("message() builds a message"),
                };
                v.push((
                    "form",
                    J::A(
                        form.iter()
                            .map(|(k, v)| J::A(vec![k.as_str().into(), v.as_str().into()]))
                            .collect(),
                    ),
                ));
                v
            }
            Step::Retire { at } => vec![("op", "retire".into()), ("at", J::I(*at))],
        };
        match &want {
            Ok(p) => {
                o.push(("outcome", "accepted".into()));
                if !p.is_empty() {
                    o.push(("payout", (*p).into()));
                }
            }
            Err(e) => {
                o.push(("outcome", "rejected".into()));
                o.push(("error", (*e).into()));
            }
        }
        o.push(("phase", st.phase.name().into()));
        o.push(("revision", J::I(st.revision)));
        o.push(("timeout", J::I(st.timeout)));
        o.push((
            "state",
            if st.retired { "retired" } else { "active" }.into(),
        ));
        out.push(obj(o));
        last = want;
    }
    c = c
        .f("participants", crate::scenario::participants_json())
        .f("txid", TXID)
        .f("matched", J::I(T0))
        .f("price", PRICE.to_string())
        .f("fee", FEE.to_string())
        .f("steps", J::A(out));
    match last {
        Ok(_) => c.valid(),
        Err(e) => {
            c.outcome = Some(Outcome::Invalid(e));
            c
        }
    }
}

// --- step builders -----------------------------------------------------------

fn at(s: f64) -> i64 {
    T0 + (s * 1000.0).round() as i64
}

fn msg(t: f64, sender: &'static str, args: &[(&str, &str)]) -> Step {
    Step::Msg {
        at: at(t),
        sender,
        txid: None,
        args: args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn retire(t: f64) -> Step {
    Step::Retire { at: at(t) }
}

struct V {
    work: String,
    secret: String,
    wsh: String,
    eh: String,
    ek: String,
    receipt: String,
}

fn values() -> V {
    let work = sha256(b"work");
    let secret = sha256(b"buyer secret");
    let wsh = sha256(&[work, secret].concat());
    let eh = hx(&sha256(b"encrypted result"));
    V {
        work: hx(&work),
        secret: hx(&secret),
        wsh: hx(&wsh),
        receipt: b64(&participant("buyer").sign(eh.as_bytes())),
        eh,
        ek: hx(&sha256(b"result key")),
    }
}

const URL: &str = "http://192.0.2.7:8082/";

pub(crate) fn tx_trace_file() -> VFile {
    let v = values();
    // The receipt of spec section 12.6.2.
    assert_eq!(
        v.receipt,
        "IPxvRHQKbyxSIpcCiczajubZ1OdFoQ1n2Zwqw1NS3C30NcMV5w5+onqW3kGyD8p5bY2IhOerFdTbVW43DwYm6NI="
    );
    let hashes = |t: f64| {
        msg(
            t,
            "buyer",
            &[("workhash", &v.work), ("worksecrethash", &v.wsh)],
        )
    };
    let url = |t: f64| msg(t, "seller", &[("workerurl", URL)]);
    let url_v = |t: f64, u: &str| msg(t, "seller", &[("workerurl", u)]);
    let secret = |t: f64| msg(t, "seller", &[("buyersecret", &v.secret)]);
    let result = |t: f64| {
        msg(
            t,
            "seller",
            &[
                ("encresulthash", &v.eh),
                ("encresulthashsig", &v.receipt),
                ("encresultkey", &v.ek),
            ],
        )
    };
    let result_with = |t: f64, eh: &str, sig: &str, ek: &str| {
        msg(
            t,
            "seller",
            &[
                ("encresulthash", eh),
                ("encresulthashsig", sig),
                ("encresultkey", ek),
            ],
        )
    };
    let accept = |t: f64| msg(t, "buyer", &[("acceptresult", "on")]);
    let reject_result = |t: f64| msg(t, "buyer", &[("rejectresult", "on")]);
    let reject_work = |t: f64| msg(t, "seller", &[("rejectwork", "on")]);
    // Reach a phase by the shortest accepted path.
    let to = |p: Ph| -> Vec<Step> {
        match p {
            Ph::E => vec![],
            Ph::Be => vec![hashes(1.0)],
            Ph::Se => vec![url(1.0)],
            Ph::T => vec![hashes(1.0), url(2.0)],
            Ph::W => vec![hashes(1.0), url(2.0), secret(3.0)],
            Ph::U => vec![hashes(1.0), url(2.0), secret(3.0), result(4.0)],
            Ph::F => vec![accept(1.0)],
            Ph::Wd => vec![url(1.0), reject_work(2.0)],
            Ph::Rd => vec![
                hashes(1.0),
                url(2.0),
                secret(3.0),
                result(4.0),
                reject_result(5.0),
            ],
        }
    };
    let then = |p: Ph, more: Vec<Step>| -> Vec<Step> {
        let mut s = to(p);
        s.extend(more);
        s
    };
    let upper = v.work.to_uppercase();
    let short = v.work[..63].to_owned();
    let wrong_secret = hx(&sha256(b"another secret"));
    let seller_receipt = b64(&participant("seller").sign(v.eh.as_bytes()));
    let other_hash = hx(&sha256(b"another result"));
    let other_receipt = b64(&participant("buyer").sign(other_hash.as_bytes()));
    let upper_receipt = b64(&participant("buyer").sign(v.eh.to_uppercase().as_bytes()));
    let long_url = |n: usize| format!("http://192.0.2.7/{}", "a".repeat(n - 17));
    assert_eq!(long_url(255).len(), 255);

    let dep = &["Departure"];
    let mut cases = vec![
        trace(
            "happy path: buyer first, then seller; every timeout extension; paid at retirement",
            vec![
                hashes(5.0),
                url(10.0),
                secret(20.0),
                result(30.0),
                accept(40.0),
                retire(40.0),
            ],
            &["BW-TX-11"],
            &["HappyPath"],
        ),
        trace(
            "happy path: seller first",
            vec![
                url(5.0),
                hashes(10.0),
                secret(20.0),
                result(30.0),
                accept(40.0),
                retire(41.0),
            ],
            &[],
            &["HappyPath"],
        ),
        trace(
            "buyersecret straight from BUYER_ESTABLISHED skips TRANSMITTING and its extension (as 0.7)",
            vec![hashes(5.0), secret(10.0)],
            &[],
            &["BitWrk07"],
        ),
        trace(
            "work hashes in SELLER_ESTABLISHED lead to TRANSMITTING (+2 min)",
            then(Ph::Se, vec![hashes(5.0)]),
            &[],
            &[],
        ),
        trace(
            "worker URL in BUYER_ESTABLISHED leads to TRANSMITTING (+2 min)",
            then(Ph::Be, vec![url(5.0)]),
            &[],
            &[],
        ),
        trace(
            "buyersecret in TRANSMITTING (+5 min)",
            then(Ph::T, vec![secret(5.0)]),
            &[],
            &[],
        ),
        trace(
            "result in WORKING (+15 min)",
            then(Ph::W, vec![result(5.0)]),
            &["BW-TXDOC-6"],
            &["Receipt"],
        ),
        trace(
            "rejectresult leads to RESULT_DISPUTED, not WORK_DISPUTED as in 0.7 (DEP-105); the buyer is refunded",
            then(Ph::U, vec![reject_result(10.0), retire(10.0)]),
            &["BW-TX-7"],
            dep,
        ),
        trace(
            "silent buyer in UNVERIFIED pays: retirement at the timeout pays the seller",
            then(Ph::U, vec![retire(60.0 + 420.0 + 900.0)]),
            &["BW-TX-11"],
            &["Timeout"],
        ),
        trace(
            "no message at all: retired at matched + 60 s, buyer refunded",
            vec![retire(60.0)],
            &[],
            &["Timeout"],
        ),
    ];
    for p in [Ph::E, Ph::Be, Ph::Se, Ph::T, Ph::W, Ph::U] {
        cases.push(trace(
            &format!(
                "acceptresult from {}: FINISHED, timeout = now, seller paid",
                p.name()
            ),
            then(p, vec![accept(10.0), retire(10.0)]),
            &["BW-TX-11"],
            &["AcceptAnywhere"],
        ));
    }
    for p in [Ph::Se, Ph::T, Ph::W] {
        cases.push(trace(
            &format!(
                "rejectwork from {}: WORK_DISPUTED, buyer refunded",
                p.name()
            ),
            then(p, vec![reject_work(10.0), retire(10.0)]),
            &["BW-TX-11"],
            &[],
        ));
    }
    for (p, t) in [
        (Ph::E, 60.0),
        (Ph::Be, 60.0),
        (Ph::Se, 60.0),
        (Ph::T, 180.0),
        (Ph::W, 480.0),
        (Ph::U, 1380.0),
    ] {
        cases.push(trace(
            &format!("retirement in {} exactly at its timeout", p.name()),
            then(p, vec![retire(t)]),
            &["BW-TX-11"],
            &["Timeout", "Boundary"],
        ));
        cases.push(trace(
            &format!(
                "retirement in {} 1 ms before its timeout is too young (DEP-110)",
                p.name()
            ),
            then(p, vec![retire(t - 0.001)]),
            &[],
            &["Timeout", "Boundary", "Departure"],
        ));
    }
    for (p, t) in [
        (Ph::E, 60.0),
        (Ph::T, 180.0),
        (Ph::W, 480.0),
        (Ph::U, 1380.0),
    ] {
        cases.push(trace(
            &format!("message in {} exactly at its timeout is rejected", p.name()),
            then(p, vec![accept(t)]),
            &[],
            &["Timeout", "Boundary"],
        ));
        cases.push(trace(
            &format!(
                "message in {} 1 ms before its timeout is accepted",
                p.name()
            ),
            then(p, vec![accept(t - 0.001)]),
            &[],
            &["Timeout", "Boundary"],
        ));
    }
    cases.extend(vec![
        trace("timeouts add to the current timeout, not to now", vec![hashes(59.0), url(59.5), secret(179.0), result(478.0)], &[], &["Timeout"]),
        trace("any message after FINISHED: the timeout is now, so the transaction is inactive", then(Ph::F, vec![reject_result(1.0)]), &["BW-TX-7"], &["Final"]),
        trace("message after WORK_DISPUTED", then(Ph::Wd, vec![hashes(2.0)]), &["BW-TX-7"], &["Final"]),
        trace("message after RESULT_DISPUTED", then(Ph::Rd, vec![accept(5.0)]), &["BW-TX-7"], &["Final", "Departure"]),
        trace("message after retirement", vec![retire(60.0), accept(60.0)], &[], &["Retired"]),
        trace("retire twice", vec![retire(60.0), retire(61.0)], &[], &["Retired"]),
        trace("retire twice after FINISHED", then(Ph::F, vec![retire(1.0), retire(1.0)]), &[], &["Retired"]),
        trace("message for another transaction (DEP-111)", vec![Step::Msg { at: at(5.0), sender: "buyer", txid: Some("43"), args: vec![("acceptresult".into(), "on".into())] }], &[], dep),
        trace("wrong transaction is checked before activity (DEP-111)", vec![retire(60.0), Step::Msg { at: at(61.0), sender: "buyer", txid: Some("43"), args: vec![("acceptresult".into(), "on".into())] }], &["BW-TX-15"], &["CheckOrder", "Departure"]),
        trace("activity before the sender's role", vec![msg(60.0, "stranger", &[("acceptresult", "on")])], &["BW-TX-15"], &["CheckOrder"]),
        trace("a stranger may send nothing", vec![msg(5.0, "stranger", &[("acceptresult", "on")])], &[], &["Role"]),
        trace("a stranger sending the seller's message", vec![msg(5.0, "stranger", &[("workerurl", URL)])], &[], &["Role"]),
        trace("buyer sending the seller's message", vec![msg(5.0, "buyer", &[("workerurl", URL)])], &[], &["Role"]),
        trace("seller sending acceptresult", vec![msg(5.0, "seller", &[("acceptresult", "on")])], &[], &["Role"]),
        trace("seller sending work hashes", vec![msg(5.0, "seller", &[("workhash", &v.work), ("worksecrethash", &v.wsh)])], &[], &["Role"]),
        trace("buyer sending rejectwork", then(Ph::Se, vec![msg(5.0, "buyer", &[("rejectwork", "on")])]), &[], &["Role"]),
        trace("extra argument", vec![msg(5.0, "buyer", &[("workhash", &v.work), ("worksecrethash", &v.wsh), ("note", "x")])], &[], &["ArgumentSet"]),
        trace("missing argument", vec![msg(5.0, "buyer", &[("workhash", &v.work)])], &[], &["ArgumentSet"]),
        trace("no arguments", vec![msg(5.0, "buyer", &[])], &[], &["ArgumentSet"]),
        trace("argument names are case-sensitive", vec![msg(5.0, "buyer", &[("AcceptResult", "on")])], &[], &["ArgumentSet"]),
        trace("two messages in one", vec![msg(5.0, "buyer", &[("acceptresult", "on"), ("rejectresult", "on")])], &[], &["ArgumentSet"]),
        trace("message-not-allowed is checked before the phase", then(Ph::W, vec![msg(5.0, "buyer", &[("workerurl", URL)])]), &["BW-TX-15"], &["CheckOrder", "Role"]),
        trace("worker URL twice", then(Ph::Se, vec![url(5.0)]), &[], &["Phase"]),
        trace("work hashes twice", then(Ph::Be, vec![hashes(5.0)]), &[], &["Phase"]),
        trace("rejectwork in ESTABLISHING", vec![reject_work(5.0)], &[], &["Phase"]),
        trace("rejectwork in BUYER_ESTABLISHED", then(Ph::Be, vec![reject_work(5.0)]), &[], &["Phase"]),
        trace("rejectwork in UNVERIFIED", then(Ph::U, vec![reject_work(10.0)]), &[], &["Phase"]),
        trace("buyersecret in ESTABLISHING", vec![secret(5.0)], &[], &["Phase"]),
        trace("buyersecret in SELLER_ESTABLISHED", then(Ph::Se, vec![secret(5.0)]), &[], &["Phase"]),
        trace("buyersecret twice", then(Ph::W, vec![secret(5.0)]), &[], &["Phase"]),
        trace("result in TRANSMITTING", then(Ph::T, vec![result(5.0)]), &[], &["Phase"]),
        trace("result in ESTABLISHING", vec![result(5.0)], &[], &["Phase"]),
        trace("rejectresult in WORKING", then(Ph::W, vec![reject_result(5.0)]), &[], &["Phase"]),
        trace("rejectresult in ESTABLISHING", vec![reject_result(5.0)], &[], &["Phase"]),
        trace("phase is checked before argument values", then(Ph::Se, vec![url_v(5.0, "https://x/")]), &["BW-TX-15"], &["CheckOrder", "Phase"]),
        trace("workhash in upper-case hex", vec![msg(5.0, "buyer", &[("workhash", &upper), ("worksecrethash", &v.wsh)])], &[], &["Hex"]),
        trace("workhash of 63 characters", vec![msg(5.0, "buyer", &[("workhash", &short), ("worksecrethash", &v.wsh)])], &[], &["Hex"]),
        trace("worksecrethash not hex; a rejected message stores nothing (DEP-108), the corrected one is accepted", vec![msg(5.0, "buyer", &[("workhash", &v.work), ("worksecrethash", "zz")]), hashes(6.0)], &[], &["Hex", "Departure"]),
        trace("worksecrethash not hex: WorkHash is not stored (DEP-108)", vec![msg(5.0, "buyer", &[("workhash", &v.work), ("worksecrethash", "zz")])], &[], &["Hex", "Departure"]),
        trace("empty workhash", vec![msg(5.0, "buyer", &[("workhash", ""), ("worksecrethash", &v.wsh)])], &[], &["Hex"]),
        trace("worker URL with https (DEP-109)", vec![url_v(5.0, "https://192.0.2.7/")], &[], &["WorkerUrl", "Departure"]),
        trace("worker URL with upper-case scheme", vec![url_v(5.0, "HTTP://192.0.2.7/")], &[], &["WorkerUrl"]),
        trace("worker URL with an empty authority", vec![url_v(5.0, "http:///x")], &[], &["WorkerUrl"]),
        trace("worker URL of the scheme alone", vec![url_v(5.0, "http://")], &[], &["WorkerUrl"]),
        trace("worker URL with an empty authority before a query", vec![url_v(5.0, "http://?x=1")], &[], &["WorkerUrl"]),
        trace("worker URL with user information (DEP-109)", vec![url_v(5.0, "http://user@192.0.2.7/")], &[], &["WorkerUrl", "Departure"]),
        trace("worker URL with a space", vec![url_v(5.0, "http://192.0.2.7/a b")], &[], &["WorkerUrl"]),
        trace("worker URL with a non-ASCII character", vec![url_v(5.0, "http://bücher.example/")], &[], &["WorkerUrl"]),
        trace("worker URL of 256 bytes", vec![url_v(5.0, &long_url(256))], &[], &["WorkerUrl", "Boundary"]),
        trace("worker URL of 256 bytes with a space: length is checked first", vec![url_v(5.0, &format!("{} ", long_url(255)))], &[], &["WorkerUrl", "CheckOrder"]),
        trace("worker URL of 255 bytes is accepted", vec![url_v(5.0, &long_url(255))], &[], &["WorkerUrl", "Boundary"]),
        trace("worker URL without a path", vec![url_v(5.0, "http://worker.example")], &[], &["WorkerUrl"]),
        trace("worker URL with an IPv6 host", vec![url_v(5.0, "http://[2001:db8::7]:8082/")], &[], &["WorkerUrl"]),
        trace("worker URL with a fragment is refused (DEP-109)", vec![url_v(5.0, "http://worker.example#x")], &[], &["WorkerUrl", "Departure"]),
        trace("buyersecret that does not match WorkSecretHash", then(Ph::T, vec![msg(5.0, "seller", &[("buyersecret", &wrong_secret)])]), &[], &["Secret"]),
        trace("buyersecret equal to the work hash", then(Ph::T, vec![msg(5.0, "seller", &[("buyersecret", &v.work)])]), &[], &["Secret"]),
        trace("buyersecret not hex", then(Ph::T, vec![msg(5.0, "seller", &[("buyersecret", &upper)])]), &[], &["Secret", "Hex"]),
        trace("the right buyersecret after a wrong one", then(Ph::Be, vec![msg(5.0, "seller", &[("buyersecret", &wrong_secret)]), secret(6.0)]), &[], &["Secret"]),
        trace("receipt signed by the seller instead of the buyer", then(Ph::W, vec![result_with(5.0, &v.eh, &seller_receipt, &v.ek)]), &["BW-TXDOC-6"], &["Receipt"]),
        trace("receipt by the buyer over another hash", then(Ph::W, vec![result_with(5.0, &v.eh, &other_receipt, &v.ek)]), &["BW-TXDOC-6"], &["Receipt"]),
        trace("receipt over the upper-case hex text", then(Ph::W, vec![result_with(5.0, &v.eh, &upper_receipt, &v.ek)]), &["BW-TXDOC-6"], &["Receipt"]),
        trace("receipt not base64", then(Ph::W, vec![result_with(5.0, &v.eh, "not base64", &v.ek)]), &[], &["Receipt"]),
        trace("empty receipt", then(Ph::W, vec![result_with(5.0, &v.eh, "", &v.ek)]), &[], &["Receipt"]),
        trace("receipt for another hash together with that hash is fine", then(Ph::W, vec![result_with(5.0, &other_hash, &other_receipt, &v.ek)]), &["BW-TXDOC-6"], &["Receipt"]),
        trace("encresulthash not hex: checked before the receipt", then(Ph::W, vec![result_with(5.0, "x", "not base64", &v.ek)]), &[], &["Hex", "CheckOrder"]),
        trace("bad receipt is reported before a bad key", then(Ph::W, vec![result_with(5.0, &v.eh, &seller_receipt, "x")]), &[], &["Receipt", "CheckOrder"]),
        trace("encresultkey not hex", then(Ph::W, vec![result_with(5.0, &v.eh, &v.receipt, &upper)]), &[], &["Hex"]),
        trace("a rejected message changes neither revision nor timeout; the next valid one continues", then(Ph::T, vec![secret(5.0).with_args(&[("buyersecret", &wrong_secret)]), secret(6.0), result(7.0)]), &[], &["Departure"]),
        trace("retire too young, then at the timeout", vec![hashes(5.0), retire(30.0), retire(60.0)], &[], &["Timeout", "Departure"]),
    ]);

    VFile {
        stem: "tx_trace",
        ty: "TransactionTrace",
        title: "Transaction traces: phases, timeouts, message checks and retirement",
        header: vec![
            "Each case starts a transaction `txid` between the buyer and the seller (price `price`, fee `fee` in satoshi) matched at `matched` (ms since the Unix epoch): revision 0, active, ESTABLISHING, timeout = matched + 60 s. Then `steps` run in order.".into(),
            "op=message: at time `at` the participant `sender` (buyer, seller or stranger; name, address and WIF of each in `participants`) signs and sends `arguments` (names and values; JSON object order is irrelevant) addressed to `txid` (the step's own `txid` when given, i.e. a message meant for another transaction). `form` is the message as sent: the arguments in the order of `arguments`, then `txid`, `address` (the sender's, see `participants`) and `signature` (RFC 6979 by the sender's key over the document of tx_document.json). The runner checks the form (tx_document.json) and verifies the signature; the verified message then goes to the transaction. A runner needs no signer: every signature is in the file. The receipt `encresulthashsig` is data: the buyer's signature over the hex of `encresulthash`.".into(),
            "op=retire: retirement at `at`; `payout` says whether the seller was paid or the buyer refunded.".into(),
            "After every step (accepted or rejected): `phase`, `revision`, `timeout` (ms) and `state` (active or retired). A rejected step leaves all four, and every stored value, unchanged. The case's `result` and `error` are those of the last step.".into(),
            "Work values: workhash = SHA-256(\"work\"), buyersecret = SHA-256(\"buyer secret\"), worksecrethash = SHA-256(workhash ‖ buyersecret) over the raw bytes, encresulthash = SHA-256(\"encrypted result\"), encresultkey = SHA-256(\"result key\"), all as lower-case hex.".into(),
            KEY_RULE.into(),
        ],
        notes: vec![
            note("HappyPath", "FLOW", "A complete successful transaction.", "The protocol cannot complete a sale."),
            note("BitWrk07", "LEGACY_COMPAT", "BitWrk 0.7 behaviour kept on purpose.", "Interoperability with BitWrk 0.7 clients is lost."),
            note("Departure", "DEPARTURE", "Behaviour that departs from BitWrk 0.7 on purpose: DEP-105 (rejectresult → RESULT_DISPUTED), DEP-108 (rejected messages store nothing), DEP-109 (worker URL syntax), DEP-110 (early retirement is an error), DEP-111 (explicit transaction binding).", "A BitWrk 0.7-compatible implementation gives another result."),
            note("Timeout", "TIMEOUT", "Timeouts: 60 s at creation, +2/+5/+15 min on arriving in TRANSMITTING/WORKING/UNVERIFIED, now on arriving in a final phase.", "Transactions end too early or never."),
            note("Boundary", "EDGE_CASE", "Exactly at, or 1 ms before, a timeout; URL length limits.", "Off-by-one in time or length checks."),
            note("AcceptAnywhere", "FLOW", "acceptresult is allowed from every non-final phase (as BitWrk 0.7).", "Buyers cannot end a transaction early."),
            note("Final", "FLOW", "Final phases accept no message: the timeout became now, so the transaction is inactive.", "A finished transaction changes again."),
            note("Retired", "FLOW", "A retired transaction accepts nothing and is not retired twice.", "Double payout."),
            note("CheckOrder", "CHECK_ORDER", "Several defects; the first check of BW-TX-15 (or of BW-TX-8's value order) must be reported.", "A different error code than the conformance contract."),
            note("Role", "AUTHORIZATION", "The sender's role does not have a rule with this argument set.", "A party sends the other party's messages."),
            note("ArgumentSet", "AUTHORIZATION", "The argument-name set must equal a rule's set exactly.", "Ambiguous or smuggled arguments are accepted."),
            note("Phase", "FLOW", "The message has no transition from the current phase.", "Messages are replayed or sent out of order."),
            note("Hex", "ENCODING", "A value that must be 64 lower-case hex characters is not.", "Malformed hashes are stored."),
            note("WorkerUrl", "VALIDATION", "Worker URL syntax: at most 255 bytes, printable ASCII without '#', http:// with a non-empty authority without user information.", "Buyers are sent to malformed or deceptive worker addresses."),
            note("Secret", "INTEGRITY", "The buyer's secret must hash with the work hash to WorkSecretHash.", "The seller publishes a wrong secret and the buyer cannot decrypt."),
            note("Receipt", "AUTHENTICATION", "The result receipt must be the buyer's signature over the hex of encresulthash.", "A seller forges the buyer's acknowledgement of the result."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("txid", s_string()),
            ("participants", crate::scenario::participants_schema()),
            ("matched", crate::obj(vec![("type", "integer".into())])),
            ("price", s_amount()),
            ("fee", s_amount()),
            ("steps", steps_schema()),
        ],
        rules: vec![rule(
            None,
            When::Always,
            &["participants", "txid", "matched", "price", "fee", "steps"],
        )],
    }
}

trait WithArgs {
    fn with_args(self, a: &[(&str, &str)]) -> Step;
}

impl WithArgs for Step {
    fn with_args(mut self, a: &[(&str, &str)]) -> Step {
        if let Step::Msg { args, .. } = &mut self {
            *args = a
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
        }
        self
    }
}

fn steps_schema() -> J {
    let int = || obj(vec![("type", "integer".into())]);
    let step = obj(vec![
        ("type", "object".into()),
        ("additionalProperties", false.into()),
        (
            "required",
            strs(&[
                "op", "at", "outcome", "phase", "revision", "timeout", "state",
            ]),
        ),
        (
            "properties",
            obj(vec![
                ("op", obj(vec![("enum", strs(&["message", "retire"]))])),
                ("at", int()),
                (
                    "sender",
                    obj(vec![("enum", strs(&["buyer", "seller", "stranger"]))]),
                ),
                ("txid", s_string()),
                (
                    "arguments",
                    obj(vec![
                        ("type", "object".into()),
                        ("additionalProperties", s_string()),
                    ]),
                ),
                ("form", crate::scenario::form_schema()),
                (
                    "outcome",
                    obj(vec![("enum", strs(&["accepted", "rejected"]))]),
                ),
                (
                    "error",
                    obj(vec![
                        ("type", "string".into()),
                        ("pattern", "^tx\\.[a-z-]+$".into()),
                    ]),
                ),
                (
                    "payout",
                    obj(vec![("enum", strs(&["seller-paid", "buyer-refunded"]))]),
                ),
                (
                    "phase",
                    obj(vec![(
                        "enum",
                        strs(&[
                            "ESTABLISHING",
                            "BUYER_ESTABLISHED",
                            "SELLER_ESTABLISHED",
                            "TRANSMITTING",
                            "WORKING",
                            "UNVERIFIED",
                            "FINISHED",
                            "WORK_DISPUTED",
                            "RESULT_DISPUTED",
                        ]),
                    )]),
                ),
                (
                    "revision",
                    obj(vec![("type", "integer".into()), ("minimum", J::I(0))]),
                ),
                ("timeout", int()),
                ("state", obj(vec![("enum", strs(&["active", "retired"]))])),
            ]),
        ),
    ]);
    obj(vec![
        ("type", "array".into()),
        ("minItems", J::I(1)),
        ("items", step),
    ])
}

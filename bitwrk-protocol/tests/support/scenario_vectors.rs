//! Runner for the market-level scenario vectors (spec sections 9, 10, 12,
//! 14 and 15): `nonce.json`, `relation.json`, `deposit.json` and
//! `market.json`. Included by `tests/vectors.rs`.
//!
//! Every step's inputs are taken from the file as written (forms with their
//! signatures, random bytes, remote address); the runner needs no key. It
//! checks each step's outcome, outputs and the market state after it, that
//! a refused step changes nothing, and that replaying the accepted steps
//! into a fresh market gives the same final state.

use std::time::Duration;

use bitwrk_protocol::bid::{BidConfig, BidForm};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::ledger::{DepositOutcome, MovementRecord, SignedDeposit};
use bitwrk_protocol::market::{Event, Market, MarketConfig};
use bitwrk_protocol::relation::SignedRelation;
use bitwrk_protocol::signature::{SignedDocument, message_digest, verify_document};
use bitwrk_protocol::tx::{Payout, TxMessage, check_worker_origin};
use bitwrk_protocol::{Address, ErrorCode, Money, Network, Signature, Timestamp};
use serde_json::{Map, Value, json};

use super::{eq, field};

/// The time origin of the marketplace vectors (2024-01-01T00:00:00Z), ms.
const T0: u64 = 1_704_067_200_000;

fn addr(v: &Value, k: &str) -> Result<Address, String> {
    let s = field(v, k)?;
    Address::parse(s).map_err(|e| format!("{k}: bad address {s:?}: {e}"))
}

fn config(t: &Value) -> Result<MarketConfig, String> {
    let c = &t["config"];
    let int = |k: &str| c[k].as_u64().ok_or_else(|| format!("config.{k} missing"));
    Ok(MarketConfig {
        bids: BidConfig {
            lifetime: Duration::from_millis(int("bidLifetimeMs")?),
            ..BidConfig::default()
        },
        trusted_account: addr(c, "trustedAccount")?,
        trust_account: addr(c, "trustAccount")?,
        nonce_capacity: usize::try_from(int("nonceCapacity")?).map_err(|e| e.to_string())?,
        nonce_lifetime: Duration::from_millis(int("nonceLifetimeMs")?),
        ..MarketConfig::default()
    })
}

/// A step's `form`: [name, value] pairs in the order sent.
pub(crate) fn form(s: &Value) -> Result<Vec<(String, String)>, String> {
    s["form"]
        .as_array()
        .ok_or("form missing")?
        .iter()
        .map(|p| match (p[0].as_str(), p[1].as_str()) {
            (Some(k), Some(v)) => Ok((k.to_owned(), v.to_owned())),
            _ => Err(format!("bad form pair {p}")),
        })
        .collect()
}

fn rel_ms(t: Timestamp) -> i64 {
    i64::try_from(t.as_millis()).unwrap_or(i64::MAX) - i64::try_from(T0).unwrap_or(0)
}

fn movement(m: &MovementRecord) -> Value {
    let amt = |x: Money| Value::from(x.amount().to_string());
    json!({
        "id": m.id.0,
        "at": rel_ms(m.timestamp),
        "type": m.kind.as_str(),
        "currency": m.available_delta.currency().code(),
        "account": m.available_account.to_string(),
        "available": amt(m.available_delta),
        "blockedAccount": m.blocked_account.to_string(),
        "blocked": amt(m.blocked_delta),
        "fee": amt(m.fee),
        "world": amt(m.world),
        "bid": m.refs.bid.map(|b| b.0),
        "tx": m.refs.tx.map(|t| t.0),
        "deposit": m.refs.deposit.clone(),
    })
}

/// The (article, currency code) of every bid form in the case.
fn book_keys(steps: &[Value]) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = steps
        .iter()
        .filter(|s| s["op"] == "bid")
        .filter_map(|s| {
            let f = form(s).ok()?;
            let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let price = Money::parse(&get("price")?).ok()?;
            Some((get("article")?, price.currency().code().to_owned()))
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn state(m: &Market, keys: &[(String, String)]) -> Result<Value, String> {
    let accounts: Vec<Value> = m
        .ledger()
        .accounts()
        .map(|(a, acc)| {
            json!({"account": a.to_string(), "currency": acc.currency.code(),
                   "available": acc.available.to_string(), "blocked": acc.blocked.to_string()})
        })
        .collect();
    let mut bids = Vec::new();
    for (id, b) in m.bids() {
        bids.push(
            json!({"id": id.0, "json": serde_json::to_string(b).map_err(|e| e.to_string())?}),
        );
    }
    let mut txs = Vec::new();
    for (id, t) in m.transactions() {
        txs.push(json!({"id": id.0, "json": serde_json::to_string(t).map_err(|e| e.to_string())?}));
    }
    let books: Vec<Value> = keys
        .iter()
        .filter_map(|(article, code)| {
            let a = bitwrk_protocol::article::Article::parse(article).ok()?;
            let book = m.book(&a, code.parse().ok()?)?;
            let resting: Vec<u64> = book
                .resting_in_acceptance_order()
                .iter()
                .map(|o| o.id.0)
                .collect();
            Some(json!({"article": article, "currency": code, "resting": resting}))
        })
        .collect();
    Ok(json!({
        "accounts": accounts,
        "bids": bids,
        "transactions": txs,
        "books": books,
        "pollTimeout": m.poll_timeout().map(rel_ms),
    }))
}

fn payout_name(p: &Payout) -> &'static str {
    match p {
        Payout::SellerPaid { .. } => "sellerPaid",
        Payout::BuyerRefunded { .. } => "buyerRefunded",
    }
}

fn code<E: ErrorCode>(e: E) -> String {
    e.code().to_owned()
}

type Outputs = Map<String, Value>;

/// Runs one step's input; the outputs an accepted step reports, and its event.
fn run(
    m: &mut Market,
    s: &Value,
    now: Timestamp,
) -> Result<Result<(Outputs, Event), String>, String> {
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    let res: Result<Event, String> = match field(s, "op")? {
        "nonce" => {
            let random: [u8; 16] =
                bitwrk_protocol::encoding::hex::decode_array(field(s, "random")?)
                    .map_err(|e| format!("random: {e}"))?;
            m.issue_nonce(now, &random).map_err(code).map(|n| {
                put("nonce", n.as_str().into());
                Event::NonceIssued { now, random }
            })
        }
        "bid" => {
            let f = form(s)?;
            let get = |k: &str| f.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v).to_owned();
            let bid = BidForm {
                bid_type: get("type"),
                article: get("article"),
                price: get("price"),
                address: get("address"),
                nonce: get("nonce"),
                signature: get("signature"),
            };
            m.submit_bid(now, &bid).map_err(code).map(|(p, ev)| {
                put("bid", p.bid.0.into());
                put("matched", p.matched.map(|t| t.0).into());
                put("expiredBids", p.expired.iter().map(|b| b.0).collect::<Vec<_>>().into());
                put("movements", p.movements.iter().map(movement).collect::<Vec<_>>().into());
                ev
            })
        }
        "message" => {
            let txid = TxId(field(s, "txid")?.parse().map_err(|e| format!("txid: {e}"))?);
            let remote = s["remote"].as_str();
            let mut step = || -> Result<Event, String> {
                let msg = TxMessage::from_form(txid, &form(s)?).map_err(code)?;
                let verified = verify_document(msg.clone()).map_err(code)?;
                if let (Some(url), Some(remote)) = (msg.argument("workerurl"), remote) {
                    check_worker_origin(url, remote).map_err(code)?;
                }
                let a = m.handle_tx_message(now, &verified).map_err(code)?;
                put("phase", a.post.as_str().into());
                put("revision", a.revision.into());
                Ok(Event::TxMessage { now, message: msg })
            };
            step()
        }
        "deposit" => {
            let f = form(s)?;
            // The document is compared whenever the form parses.
            if let (Some(d), Ok(parsed)) = (s["document"].as_str(), SignedDeposit::from_form(&f)) {
                eq("document", parsed.document().as_str(), d)?;
                // BW-DEP-7: the signer is recovered from the signature.
                let signer = Signature::from_base64(&parsed.signature)
                    .and_then(|sig| sig.recover(&message_digest(d.as_bytes())))
                    .map(|pk| pk.address(Network::Mainnet).to_string())
                    .ok();
                eq("signer", signer.as_deref(), s["signer"].as_str())?;
            }
            m.submit_deposit(now, &f).map_err(code).map(|(o, ev)| {
                let (word, mv) = match o {
                    DepositOutcome::Applied(r) => ("applied", vec![movement(&r)]),
                    DepositOutcome::AlreadyApplied => ("already-applied", vec![]),
                };
                put("deposit", word.into());
                put("movements", mv.into());
                ev
            })
        }
        "relation" => {
            let f = form(s)?;
            if let (Some(d), Ok(r)) = (s["document"].as_str(), SignedRelation::from_form(&f)) {
                eq("document", r.document().as_str(), d)?;
            }
            m.submit_relation(now, &f).map_err(code).and_then(|(r, ev)| {
                let replaced = match r {
                    Some(r) => Value::from(serde_json::to_string(&r).map_err(|e| e.to_string())?),
                    None => Value::Null,
                };
                put("replaced", replaced);
                Ok(ev)
            })
        }
        "timeout" => m.handle_timeout(now).map_err(code).map(|d| {
            put("expiredBids", d.expired_bids.iter().map(|b| b.0).collect::<Vec<_>>().into());
            let retired: Vec<Value> = d
                .retired
                .iter()
                .map(|(t, r)| json!({"tx": t.0, "phase": r.phase.as_str(), "payout": payout_name(&r.payout)}))
                .collect();
            put("retired", retired.into());
            put("movements", d.movements.iter().map(movement).collect::<Vec<_>>().into());
            Event::Timeout { now }
        }),
        "accountAction" => {
            let account = field(s, "account")?;
            let f = form(s)?;
            match m.submit_account_action(now, account, &f) {
                Ok((action, ev)) => {
                    // BW-DEPADDR-3: the accepted form's signature covers `document`.
                    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
                    let d = field(s, "document")?;
                    let signer = get("signature")
                        .and_then(|sig| Signature::from_base64(sig).ok())
                        .and_then(|sig| sig.recover(&message_digest(d.as_bytes())).ok())
                        .map(|pk| pk.address(Network::Mainnet).to_string());
                    eq("signer of document", signer.as_deref(), get("signer"))?;
                    let addr = Address::parse(account).map_err(|e| e.to_string())?;
                    put("action", action.as_str().into());
                    put(
                        "accountJson",
                        bitwrk_protocol::wire::to_go_json(&m.account_json(&addr)).into(),
                    );
                    Ok(ev)
                }
                Err(e) => Err(code(e)),
            }
        }
        other => return Err(format!("unknown op {other:?}")),
    };
    Ok(res.map(|ev| (out, ev)))
}

/// The input fields of a step (everything the runner does not compute).
const INPUT_FIELDS: [&str; 9] = [
    "at", "op", "random", "txid", "form", "remote", "document", "signer", "account",
];

pub(crate) fn scenario_case(t: &Value) -> Result<(), String> {
    let config = config(t)?;
    let steps = t["steps"].as_array().ok_or("steps missing")?;
    let keys = book_keys(steps);
    let mut m = Market::new(config.clone());
    let mut log = Vec::new();
    let mut last_error = None;
    for (i, s) in steps.iter().enumerate() {
        let ctx = |e: String| format!("step {}: {e}", i + 1);
        let at = s["at"].as_i64().ok_or_else(|| ctx("at missing".into()))?;
        let now = Timestamp::from_millis(
            T0.checked_add_signed(at)
                .ok_or_else(|| ctx("at out of range".into()))?,
        );
        let before = m.clone();
        let mut got: Outputs = INPUT_FIELDS
            .iter()
            .filter_map(|k| s.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        match run(&mut m, s, now).map_err(ctx)? {
            Ok((out, ev)) => {
                got.insert("outcome".into(), "accepted".into());
                got.extend(out);
                log.push(ev);
                last_error = None;
            }
            Err(e) => {
                if m != before {
                    return Err(ctx(format!("refused with {e} but the market changed")));
                }
                got.insert("outcome".into(), "refused".into());
                got.insert("error".into(), e.clone().into());
                last_error = Some(e);
            }
        }
        got.insert("state".into(), state(&m, &keys).map_err(ctx)?);
        let want = s
            .as_object()
            .ok_or_else(|| ctx("step is no object".into()))?;
        for (k, v) in want.iter().chain(got.iter()) {
            if got.get(k) != want.get(k) {
                return Err(ctx(format!(
                    "{k}: expected {}, got {}",
                    want.get(k).unwrap_or(&Value::Null),
                    got.get(k).unwrap_or(&Value::Null)
                )));
            }
            let _ = v;
        }
    }
    match last_error {
        Some(e) => {
            eq("result", field(t, "result")?, "invalid")?;
            eq("error", field(t, "error")?, e.as_str())?;
        }
        None => eq("result", field(t, "result")?, "valid")?,
    }
    // BW-MARKET-4: the accepted inputs rebuild the same market.
    let replayed =
        Market::replay(config, &log).map_err(|(i, e)| format!("replay of event {i}: {e}"))?;
    eq(
        "replayed state",
        state(&replayed, &keys)?,
        state(&m, &keys)?,
    )?;
    if replayed != m {
        return Err("the replayed market differs from the original".into());
    }
    Ok(())
}

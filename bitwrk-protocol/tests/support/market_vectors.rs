//! Runners for the marketplace vectors (spec sections 8–14):
//! `bid_document.json`, `tx_document.json`, `matching.json`,
//! `tx_trace.json` and `ledger.json`. Included by `tests/vectors.rs`.

use bitwrk_protocol::bid::{Bid, BidConfig, BidForm, FeeRatio, bid_document};
use bitwrk_protocol::book::{Order, OrderBook, Placement};
use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::ledger::{
    Deposit, DepositOutcome, DepositType, Ledger, Movement, MovementType, References,
};
use bitwrk_protocol::nonce::NonceRegistry;
use bitwrk_protocol::signature::{SignedDocument, message_digest, verify_document};
use bitwrk_protocol::tx::document::{canonical_document, escape_pair};
use bitwrk_protocol::tx::{NewTransaction, Payout, Transaction, TxMessage, TxState};
use bitwrk_protocol::{Address, Currency, ErrorCode, Money, Network, PrivateKey, Timestamp};
use serde_json::Value;

use super::{eq, field};

/// The time origin of the marketplace vectors (2024-01-01T00:00:00Z), ms.
const T0: u64 = 1_704_067_200_000;

fn key(name: &str) -> PrivateKey {
    let secret = sha256(format!("bitwrk example {name}").as_bytes());
    PrivateKey::from_secret_bytes(secret.as_bytes(), true, Network::Mainnet)
        .expect("valid participant key")
}

fn addr(s: &str) -> Result<Address, String> {
    Address::parse(s).map_err(|e| format!("bad address {s:?} in vector: {e}"))
}

fn int(v: &Value, k: &str) -> Result<i64, String> {
    v[k].as_i64().ok_or_else(|| format!("{k} missing"))
}

fn ms(v: &Value, k: &str) -> Result<Timestamp, String> {
    Ok(Timestamp::from_millis(
        u64::try_from(int(v, k)?).map_err(|e| e.to_string())?,
    ))
}

fn amount_of(v: &Value, k: &str) -> Result<i64, String> {
    field(v, k)?.parse().map_err(|e| format!("{k}: {e}"))
}

fn currency_code(s: &str) -> Result<Currency, String> {
    s.parse()
        .map_err(|e: bitwrk_protocol::money::MoneyError| e.to_string())
}

/// A `{amount, currency}` object.
fn money_obj(v: &Value, k: &str) -> Result<Money, String> {
    let o = &v[k];
    Ok(Money::new(
        amount_of(o, "amount")?,
        currency_code(field(o, "currency")?)?,
    ))
}

/// Checks the case's `result`/`error` against the last step's outcome.
fn last_step(t: &Value, steps: &[Value], refused: &str) -> Result<(), String> {
    let last = steps.last().ok_or("no steps")?;
    if last["outcome"] == refused {
        eq("result", field(t, "result")?, "invalid")?;
        eq("error", field(t, "error")?, field(last, "error")?)
    } else {
        eq("result", field(t, "result")?, "valid")
    }
}

fn step_outcome<T, E: ErrorCode>(
    step: &Value,
    got: Result<T, E>,
    refused: &str,
) -> Result<Option<T>, String> {
    match got {
        Ok(v) => {
            if step["outcome"] == refused {
                return Err(format!("expected {}, got success", field(step, "error")?));
            }
            Ok(Some(v))
        }
        Err(e) => {
            eq("outcome", refused, field(step, "outcome")?)?;
            eq("error", e.code(), field(step, "error")?)?;
            Ok(None)
        }
    }
}

// ---------------------------------------------------------------------------
// bid_document.json
// ---------------------------------------------------------------------------

fn nonce_setup(nonce: &str, state: &str) -> Result<(NonceRegistry, Timestamp), String> {
    let mut reg = NonceRegistry::default();
    let at = |s: u64| Timestamp::from_millis(T0 + s * 1000);
    let random = || -> Result<[u8; 16], String> {
        ::hex::decode(nonce)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("nonce {nonce:?} is not 16 bytes of hex"))
    };
    let issue = |reg: &mut NonceRegistry| -> Result<(), String> {
        reg.issue(at(0), &random()?)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    match state {
        "unknown" => Ok((reg, at(10))),
        "live" => {
            issue(&mut reg)?;
            Ok((reg, at(10)))
        }
        "expired" => {
            issue(&mut reg)?;
            Ok((reg, at(180)))
        }
        "used" => {
            issue(&mut reg)?;
            let ticket = reg.check(at(5), nonce).map_err(|e| e.to_string())?;
            reg.consume(at(5), ticket).map_err(|e| e.to_string())?;
            Ok((reg, at(10)))
        }
        other => Err(format!("unknown nonceState {other:?}")),
    }
}

#[derive(Debug)]
struct Refusal(&'static str);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl ErrorCode for Refusal {
    fn code(&self) -> &'static str {
        self.0
    }
}

// BW-BID-1 … BW-BID-13, BW-NONCE-2 … BW-NONCE-4, BW-ART-1 … BW-ART-3, BW-DOC-2, BW-DOC-3
pub(crate) fn bid_document_case(t: &Value) -> Result<(), String> {
    let form = BidForm {
        bid_type: field(t, "type")?.to_owned(),
        article: field(t, "article")?.to_owned(),
        price: field(t, "price")?.to_owned(),
        address: field(t, "address")?.to_owned(),
        nonce: field(t, "nonce")?.to_owned(),
        signature: field(t, "signature")?.to_owned(),
    };
    let trimmed = form.address.trim();
    let document = bid_document(
        &form.article,
        &form.bid_type,
        &form.price,
        trimmed,
        &form.nonce,
    );
    eq("document", document.as_str(), field(t, "document")?)?;
    eq(
        "digest",
        message_digest(document.as_bytes()).to_string(),
        field(t, "digestHex")?.to_owned(),
    )?;
    let plain = bitwrk_protocol::signature::verify_message_text(
        trimmed,
        document.as_bytes(),
        &form.signature,
    )
    .is_ok();
    eq(
        "documentSignatureValid",
        Some(plain),
        t["documentSignatureValid"].as_bool(),
    )?;
    let ratio = FeeRatio::new(
        u32::try_from(int(t, "feeNumerator")?).map_err(|e| e.to_string())?,
        u32::try_from(int(t, "feeDenominator")?).map_err(|e| e.to_string())?,
    )
    .ok_or("zero fee denominator")?;
    let config = BidConfig {
        fee_ratio: ratio,
        ..BidConfig::default()
    };
    let trusted = t["sellerTrusted"]
        .as_bool()
        .ok_or("sellerTrusted missing")?;
    let (reg, now) = nonce_setup(&form.nonce, field(t, "nonceState")?)?;
    // BW-BID-10: form checks, signature, then the trust rule.
    let got = (|| -> Result<Bid, Refusal> {
        let req = form
            .parse(now, &config, &reg)
            .map_err(|e| Refusal(e.code()))?;
        let needs_trust = req.requires_trust();
        let verified = verify_document(req).map_err(|e| Refusal(e.code()))?;
        if needs_trust && !trusted {
            return Err(Refusal("bid.untrusted-seller"));
        }
        Ok(Bid::from_verified(verified).0)
    })();
    super::outcome(t, got, |bid| {
        eq("bid document", bid.document.as_str(), document.as_str())?;
        eq(
            "participant",
            bid.participant.to_string(),
            field(t, "participant")?.to_owned(),
        )?;
        eq(
            "currency",
            bid.price.currency().code(),
            field(t, "currency")?,
        )?;
        eq("price", bid.price.amount(), amount_of(t, "amount")?)?;
        eq(
            "canonical price",
            bid.price.to_string(),
            field(t, "canonicalPrice")?.to_owned(),
        )?;
        eq("fee", bid.fee.amount(), amount_of(t, "fee")?)?;
        eq(
            "canonical fee",
            bid.fee.to_string(),
            field(t, "canonicalFee")?.to_owned(),
        )?;
        let blocked = bid.blocked_amount().map_err(|e| e.to_string())?;
        eq("blocked", blocked.amount(), amount_of(t, "blocked")?)?;
        eq(
            "canonical blocked",
            blocked.to_string(),
            field(t, "canonicalBlocked")?.to_owned(),
        )?;
        eq("created", bid.created, now)?;
        eq(
            "expires",
            bid.expires,
            now.saturating_add(core::time::Duration::from_secs(120)),
        )?;
        eq("state", bid.state.as_str(), "INQUEUE")
    })
}

// ---------------------------------------------------------------------------
// tx_document.json
// ---------------------------------------------------------------------------

// BW-TXDOC-1 … BW-TXDOC-5, BW-DOC-1, BW-DOC-3
pub(crate) fn tx_document_case(t: &Value) -> Result<(), String> {
    let txid_text = field(t, "txid")?;
    let txid = TxId(txid_text.parse().map_err(|e| format!("txid: {e}"))?);
    let pairs: Vec<(String, String)> = t["pairs"]
        .as_array()
        .ok_or("pairs missing")?
        .iter()
        .map(|p| {
            Ok((
                p[0].as_str().ok_or("bad pair")?.to_owned(),
                p[1].as_str().ok_or("bad pair")?.to_owned(),
            ))
        })
        .collect::<Result<_, String>>()?;
    if let Some(escaped) = t["escapedPairs"].as_array() {
        let mut signed: Vec<(&str, &str)> = pairs
            .iter()
            .filter(|(k, _)| k != "signature" && k != "address")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if !signed.iter().any(|(k, _)| *k == "txid") {
            signed.push(("txid", txid_text));
        }
        let mine: Vec<String> = signed.iter().map(|(k, v)| escape_pair(k, v)).collect();
        let want: Vec<&str> = escaped.iter().filter_map(Value::as_str).collect();
        eq(
            "escaped pairs",
            mine.iter().map(String::as_str).collect(),
            want,
        )?;
        let doc = canonical_document(signed.iter().copied());
        eq("document", doc.as_str(), field(t, "document")?)?;
        eq(
            "digest",
            message_digest(doc.as_bytes()).to_string(),
            field(t, "digestHex")?.to_owned(),
        )?;
    }
    let got = TxMessage::from_form(txid, &pairs)
        .map_err(|e| Refusal(e.code()))
        .and_then(|m| {
            if let Some(d) = t["document"].as_str()
                && m.document() != d
            {
                return Err(Refusal("runner: document differs"));
            }
            verify_document(m).map_err(|e| Refusal(e.code()))
        });
    super::outcome(t, got, |m| {
        eq(
            "sender",
            m.sender.to_string(),
            field(t, "sender")?.to_owned(),
        )?;
        let want: Vec<&str> = t["argumentNames"]
            .as_array()
            .ok_or("argumentNames missing")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        eq("argument names", m.argument_names(), want)
    })
}

// ---------------------------------------------------------------------------
// matching.json
// ---------------------------------------------------------------------------

fn opt_id(v: &Value) -> Option<i64> {
    v.as_i64()
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

// BW-MATCH-1 … BW-MATCH-12
pub(crate) fn matching_case(t: &Value) -> Result<(), String> {
    let currency = currency_code(field(t, "currency")?)?;
    let mut book = match t["limit"].as_u64() {
        Some(l) => OrderBook::with_limit(currency, usize::try_from(l).map_err(|e| e.to_string())?),
        None => OrderBook::new(currency),
    };
    let steps = t["steps"].as_array().ok_or("steps missing")?;
    for (i, s) in steps.iter().enumerate() {
        let at = |e: String| format!("step {}: {e}", i + 1);
        let before = book.clone();
        match field(s, "op")? {
            "insert" => {
                let c = match s["currency"].as_str() {
                    Some(c) => currency_code(c)?,
                    None => currency,
                };
                let order = Order {
                    id: BidId(s["id"].as_u64().ok_or("id missing")?),
                    side: match field(s, "side")? {
                        "BUY" => bitwrk_protocol::bid::BidType::Buy,
                        _ => bitwrk_protocol::bid::BidType::Sell,
                    },
                    participant: addr(field(s, "participant")?)?,
                    price: Money::new(amount_of(s, "price")?, c),
                    fee: Money::new(amount_of(s, "fee")?, c),
                    expires: ms(s, "expires")?,
                };
                if let Some(out) =
                    step_outcome(s, book.insert(ms(s, "now")?, order), "refused").map_err(at)?
                {
                    let got_ids: Vec<u64> = out.expired.iter().map(|o| o.id.0).collect();
                    eq("expired ids", got_ids, ids(&s["expiredIds"])).map_err(at)?;
                    match out.placement {
                        Placement::Matched(m) => {
                            eq("outcome", "matched", field(s, "outcome")?).map_err(at)?;
                            eq("matched id", Some(m.resting.id.0), s["matchedId"].as_u64())
                                .map_err(at)?;
                            eq("trade price", m.price.amount(), amount_of(s, "tradePrice")?)
                                .map_err(at)?;
                            eq("trade fee", m.fee.amount(), amount_of(s, "tradeFee")?)
                                .map_err(at)?;
                        }
                        Placement::Rested => {
                            eq("outcome", "rested", field(s, "outcome")?).map_err(at)?;
                        }
                    }
                }
            }
            "expire" => {
                let gone: Vec<u64> = book.expire(ms(s, "now")?).iter().map(|o| o.id.0).collect();
                eq("outcome", "expired", field(s, "outcome")?).map_err(at)?;
                eq("expired ids", gone, ids(&s["expiredIds"])).map_err(at)?;
            }
            "remove" => {
                let id = BidId(s["id"].as_u64().ok_or("id missing")?);
                if step_outcome(s, book.remove(id), "refused")
                    .map_err(at)?
                    .is_some()
                {
                    eq("outcome", "removed", field(s, "outcome")?).map_err(at)?;
                }
            }
            op => return Err(at(format!("unknown op {op:?}"))),
        }
        if s["outcome"] == "refused" && before != book {
            return Err(at("a refused operation changed the book".into()));
        }
        let resting: Vec<u64> = book
            .resting_in_acceptance_order()
            .iter()
            .map(|o| o.id.0)
            .collect();
        eq("resting", resting, ids(&s["resting"])).map_err(at)?;
        let best = |side| book.best(side).map(|o: Order| o.id.0 as i64);
        eq(
            "best buy",
            best(bitwrk_protocol::bid::BidType::Buy),
            opt_id(&s["bestBuy"]),
        )
        .map_err(at)?;
        eq(
            "best sell",
            best(bitwrk_protocol::bid::BidType::Sell),
            opt_id(&s["bestSell"]),
        )
        .map_err(at)?;
        eq(
            "next expiry",
            book.next_expiry().map(|t| t.as_millis() as i64),
            opt_id(&s["nextExpiry"]),
        )
        .map_err(at)?;
    }
    last_step(t, steps, "refused")
}

// ---------------------------------------------------------------------------
// tx_trace.json
// ---------------------------------------------------------------------------

// BW-TX-1 … BW-TX-15, BW-TXDOC-6
pub(crate) fn tx_trace_case(t: &Value) -> Result<(), String> {
    let id = TxId(
        field(t, "txid")?
            .parse()
            .map_err(|e| format!("txid: {e}"))?,
    );
    let btc =
        |k: &str| -> Result<Money, String> { Ok(Money::new(amount_of(t, k)?, Currency::Btc)) };
    let mut tx = Transaction::new(NewTransaction {
        buyer_bid: BidId(1),
        seller_bid: BidId(2),
        buyer: key("buyer").public_key().address(Network::Mainnet),
        seller: key("seller").public_key().address(Network::Mainnet),
        article: bitwrk_protocol::article::Article::parse("net.bitwrk/blender/0/2.79/2G")
            .map_err(|e| e.to_string())?,
        price: btc("price")?,
        fee: btc("fee")?,
        matched: ms(t, "matched")?,
    });
    let steps = t["steps"].as_array().ok_or("steps missing")?;
    for (i, s) in steps.iter().enumerate() {
        let at = |e: String| format!("step {}: {e}", i + 1);
        let before = tx.clone();
        let now = ms(s, "at")?;
        match field(s, "op")? {
            "message" => {
                let to = match s["txid"].as_str() {
                    Some(x) => TxId(x.parse().map_err(|e| format!("txid: {e}"))?),
                    None => id,
                };
                // The form as sent (signature included) is addressed to `to`,
                // checked and verified before the transaction sees it.
                let pairs = super::scenario::form(s).map_err(at)?;
                let msg = TxMessage::from_form(to, &pairs).map_err(|e| at(e.to_string()))?;
                let verified = verify_document(msg).map_err(|e| at(e.to_string()))?;
                if step_outcome(s, tx.handle_message(id, now, &verified), "rejected")
                    .map_err(at)?
                    .is_some()
                {
                    eq("outcome", "accepted", field(s, "outcome")?).map_err(at)?;
                }
            }
            "retire" => {
                if let Some(r) = step_outcome(s, tx.retire(now), "rejected").map_err(at)? {
                    let kind = match r.payout {
                        Payout::SellerPaid { .. } => "seller-paid",
                        Payout::BuyerRefunded { .. } => "buyer-refunded",
                    };
                    eq("payout", kind, field(s, "payout")?).map_err(at)?;
                }
            }
            op => return Err(at(format!("unknown op {op:?}"))),
        }
        if s["outcome"] == "rejected" && before != tx {
            return Err(at("a rejected step changed the transaction".into()));
        }
        eq("phase", tx.phase.as_str(), field(s, "phase")?).map_err(at)?;
        eq("revision", tx.revision as i64, int(s, "revision")?).map_err(at)?;
        eq("timeout", tx.timeout, ms(s, "timeout")?).map_err(at)?;
        let state = if tx.state == TxState::Active {
            "active"
        } else {
            "retired"
        };
        eq("state", state, field(s, "state")?).map_err(at)?;
    }
    last_step(t, steps, "rejected")
}

// ---------------------------------------------------------------------------
// ledger.json
// ---------------------------------------------------------------------------

type Applied = (&'static str, Option<(u64, Option<u64>, Option<u64>)>);

fn ledger_op(l: &mut Ledger, s: &Value) -> Result<Result<Applied, Refusal>, String> {
    let now = ms(s, "at")?;
    let account = || addr(field(s, "account")?);
    let r = |e: &dyn ErrorCode| Refusal(e.code());
    let price = || money_obj(s, "price");
    let fee = || money_obj(s, "fee");
    let bid = || s["bid"].as_u64().map(BidId).ok_or("bid missing");
    let tx = || s["tx"].as_u64().map(TxId).ok_or("tx missing");
    let mv: Result<Option<Movement>, Refusal> = match field(s, "op")? {
        "inject" => Movement::injection(account()?, money_obj(s, "amount")?, None)
            .map(Some)
            .map_err(|e| r(&e)),
        "bid" => Movement::bid(account()?, price()?, fee()?, bid()?)
            .map(Some)
            .map_err(|e| r(&e)),
        "bidReimburse" => Movement::bid_reimburse(account()?, price()?, fee()?, bid()?)
            .map(Some)
            .map_err(|e| r(&e)),
        "transaction" => Movement::transaction(
            account()?,
            money_obj(s, "bidPrice")?,
            money_obj(s, "bidFee")?,
            price()?,
            fee()?,
            tx()?,
        )
        .map_err(|e| r(&e)),
        "transactionFinish" => Movement::transaction_finish(
            addr(field(s, "seller")?)?,
            account()?,
            price()?,
            fee()?,
            tx()?,
        )
        .map(Some)
        .map_err(|e| r(&e)),
        "transactionReimburse" => {
            Movement::transaction_reimburse(account()?, price()?, fee()?, tx()?)
                .map(Some)
                .map_err(|e| r(&e))
        }
        "movement" => {
            let kind = MovementType::ALL
                .into_iter()
                .find(|k| k.as_str() == s["type"].as_str().unwrap_or(""))
                .ok_or("unknown movement type")?;
            Ok(Some(Movement {
                kind,
                available_account: account()?,
                available_delta: money_obj(s, "available")?,
                blocked_account: addr(field(s, "blockedAccount")?)?,
                blocked_delta: money_obj(s, "blocked")?,
                fee: money_obj(s, "fee")?,
                world: money_obj(s, "world")?,
                refs: References::default(),
            }))
        }
        "deposit" => {
            let kind = match field(s, "depositType")? {
                "1" => DepositType::Bitcoin,
                _ => DepositType::Injection,
            };
            let trusted = key("trusted").public_key().address(Network::Mainnet);
            let deposit = match Deposit::new(
                field(s, "uid")?,
                account()?,
                money_obj(s, "amount")?,
                kind,
                field(s, "ref")?,
            ) {
                Ok(d) => d,
                Err(e) => return Ok(Err(r(&e))),
            };
            return Ok(
                match l.accept_deposit(now, &deposit, &addr(field(s, "signer")?)?, &trusted) {
                    Ok(DepositOutcome::Applied(rec)) => {
                        Ok(("applied", Some((rec.id.0, None, None))))
                    }
                    Ok(DepositOutcome::AlreadyApplied) => Ok(("already-applied", None)),
                    Err(e) => Err(r(&e)),
                },
            );
        }
        op => return Err(format!("unknown op {op:?}")),
    };
    Ok(match mv {
        Err(e) => Err(e),
        Ok(None) => Ok(("no-movement", None)),
        Ok(Some(m)) => match l.apply(now, &m) {
            Ok(rec) => Ok((
                "applied",
                Some((
                    rec.id.0,
                    rec.available_predecessor.map(|p| p.0),
                    rec.blocked_predecessor.map(|p| p.0),
                )),
            )),
            Err(e) => Err(r(&e)),
        },
    })
}

// BW-LEDGER-1 … BW-LEDGER-17, BW-DEP-3 … BW-DEP-10
pub(crate) fn ledger_case(t: &Value) -> Result<(), String> {
    let mut ledger = Ledger::new();
    let steps = t["steps"].as_array().ok_or("steps missing")?;
    for (i, s) in steps.iter().enumerate() {
        let at = |e: String| format!("step {}: {e}", i + 1);
        let before = ledger.clone();
        let got = ledger_op(&mut ledger, s).map_err(at)?;
        if let Some((outcome, rec)) = step_outcome(s, got, "refused").map_err(at)? {
            eq("outcome", outcome, field(s, "outcome")?).map_err(at)?;
            if let Some((id, pa, pb)) = rec {
                eq("movement id", Some(id), s["movementId"].as_u64()).map_err(at)?;
                if s.get("availablePredecessor").is_some() {
                    eq(
                        "available predecessor",
                        pa,
                        s["availablePredecessor"].as_u64(),
                    )
                    .map_err(at)?;
                    eq("blocked predecessor", pb, s["blockedPredecessor"].as_u64()).map_err(at)?;
                }
            }
        } else if before != ledger {
            return Err(at("a refused step changed the ledger".into()));
        }
        ledger
            .check_invariants()
            .map_err(|e| at(format!("invariant violated: {e:?}")))?;
        let got: Vec<(String, &str, i64, i64)> = ledger
            .accounts()
            .map(|(a, acc)| {
                (
                    a.to_string(),
                    acc.currency.code(),
                    acc.available,
                    acc.blocked,
                )
            })
            .collect();
        let want: Vec<(String, &str, i64, i64)> = s["accounts"]
            .as_array()
            .ok_or("accounts missing")?
            .iter()
            .map(|a| {
                Ok((
                    field(a, "account")?.to_owned(),
                    field(a, "currency")?,
                    amount_of(a, "available")?,
                    amount_of(a, "blocked")?,
                ))
            })
            .collect::<Result<_, String>>()?;
        let (mut g, mut w) = (got, want);
        g.sort();
        w.sort();
        eq("accounts", g, w).map_err(at)?;
        let totals = s["totals"].as_array().ok_or("totals missing")?;
        for c in Currency::ALL {
            let tt = ledger.totals(c);
            let want = match totals.iter().find(|x| x["currency"] == c.code()) {
                Some(x) => (
                    amount_of(x, "deposited")?,
                    amount_of(x, "withdrawn")?,
                    amount_of(x, "fees")?,
                ),
                None => (0, 0, 0),
            };
            eq(
                "totals (deposited, withdrawn, fees)",
                (tt.deposited, tt.withdrawn, tt.fees),
                want,
            )
            .map_err(at)?;
        }
    }
    last_step(t, steps, "refused")
}

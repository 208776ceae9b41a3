//! JSON bodies. The 0.7-shaped views of every resource come from the core
//! (`bitwrk_protocol::wire` once it lands; until then the core types' own
//! serde forms, which are 0.7's for bids, transactions and relations).
//! This module only serialises them the way Go's `encoding/json` does.

use bitwrk_protocol::bid::Bid;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::ledger::deposit::DepositRecord;
use bitwrk_protocol::ledger::{Account, MovementRecord};
use bitwrk_protocol::relation::Relation;
use bitwrk_protocol::tx::Transaction;
use serde_json::Value;

/// The bid view.
pub fn bid(_id: BidId, bid: &Bid) -> Value {
    serde_json::to_value(bid).unwrap_or(Value::Null)
}

/// The transaction view.
pub fn tx(_id: TxId, tx: &Transaction) -> Value {
    serde_json::to_value(tx).unwrap_or(Value::Null)
}

/// The movement view.
pub fn movement(m: &MovementRecord) -> Value {
    serde_json::to_value(m).unwrap_or(Value::Null)
}

/// The deposit view.
pub fn deposit(d: &DepositRecord) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

/// The relation view.
pub fn relation(r: &Relation) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

/// The account view.
pub fn account(participant: &str, a: &Account) -> Value {
    serde_json::json!({
        "Participant": participant,
        "LastMovementKey": a.last_movement.map(|m| m.0.to_string()),
        "Available": a.available_money().to_string(),
        "Blocked": a.blocked_money().to_string(),
        "DepositInfo": "",
        "LastDepositInfo": "0001-01-01T00:00:00Z",
        "DepositAddressRequest": "",
    })
}

/// Serialises like Go's `encoding/json` encoder: `<`, `>`, `&`, U+2028 and
/// U+2029 escaped, trailing newline. (These characters occur only inside
/// strings, so escaping them in the output text is exact.)
pub fn body(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// A message-log entry of a transaction (0.7's `Tmessage` fields).
pub fn tx_message(
    received: bitwrk_protocol::Timestamp,
    message: &bitwrk_protocol::tx::document::TxMessage,
    accepted: &bitwrk_protocol::tx::Accepted,
) -> Value {
    use bitwrk_protocol::signature::SignedDocument;
    serde_json::json!({
        "Received": bitwrk_protocol::rfc3339::format(received),
        "Document": message.document(),
        "Signature": message.signature,
        "From": accepted.from,
        "Accepted": true,
        "RejectMessage": "",
        "PrePhase": accepted.pre,
        "PostPhase": accepted.post,
    })
}

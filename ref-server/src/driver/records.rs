//! History records derived from the market after each accepted event
//! (written in the same commit as the event, so the read endpoints can
//! serve what has left memory).

use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::ledger::MovementRecord;
use bitwrk_protocol::ledger::deposit::SignedDeposit;
use bitwrk_protocol::market::{BidPlaced, Market, TimeoutsHandled};
use bitwrk_protocol::relation::Relation;
use bitwrk_protocol::tx::Accepted;
use bitwrk_protocol::tx::document::TxMessage;

use crate::http::views::json;
use crate::store::{Record, Seq};

/// Appends the record of bid `id` as it is now.
fn bid(market: &Market, id: BidId, out: &mut Vec<Record>) {
    if let Some(b) = market.bid(id) {
        out.push(Record::Bid {
            id: id.0,
            json: json::value(&json::BidJson::new(b)),
        });
    }
}

/// Appends the record of transaction `id` as it is now.
fn tx(market: &Market, id: TxId, out: &mut Vec<Record>) {
    if let Some(t) = market.transaction(id) {
        out.push(Record::Tx {
            id: id.0,
            article: t.article.to_string(),
            matched_ms: t.matched.as_millis(),
            price: t.price,
            json: json::value(&json::TransactionJson::new(t)),
        });
    }
}

fn movements(ms: &[MovementRecord], out: &mut Vec<Record>) {
    for m in ms {
        let mut accounts = vec![m.available_account.to_string()];
        if m.blocked_account != m.available_account {
            accounts.push(m.blocked_account.to_string());
        }
        out.push(Record::Movement {
            id: m.id.0,
            timestamp_ms: m.timestamp.as_millis(),
            accounts,
            json: json::value(&json::MovementJson::new(m)),
        });
    }
}

/// Records of a placed bid: the bid, a matched counterpart and its
/// transaction, bids found expired, the movements.
pub fn bid_placed(market: &Market, placed: &BidPlaced) -> Vec<Record> {
    let mut out = Vec::new();
    bid(market, placed.bid, &mut out);
    if let Some(txid) = placed.matched
        && let Some(t) = market.transaction(txid)
    {
        let other = if t.buyer_bid == placed.bid {
            t.seller_bid
        } else {
            t.buyer_bid
        };
        bid(market, other, &mut out);
        tx(market, txid, &mut out);
    }
    for id in &placed.expired {
        bid(market, *id, &mut out);
    }
    movements(&placed.movements, &mut out);
    out
}

/// Records of an accepted transaction message: the transaction and the
/// message-log entry.
pub fn tx_message(
    market: &Market,
    seq: Seq,
    message: &TxMessage,
    accepted: &Accepted,
) -> Vec<Record> {
    let mut out = Vec::new();
    tx(market, message.txid, &mut out);
    out.push(Record::TxMessage {
        tx: message.txid.0,
        seq,
        json: json::value(&json::TmessageJson::accepted(
            market.now(),
            message,
            accepted,
        )),
    });
    out
}

/// Records of an accepted deposit (the view keeps the signed form, which
/// the ledger does not).
pub fn deposit(
    now: bitwrk_protocol::Timestamp,
    signed: &SignedDeposit,
    movement: Option<&MovementRecord>,
) -> Vec<Record> {
    let mut out = vec![Record::Deposit {
        uid: signed.deposit.uid.clone(),
        json: json::value(&json::DepositJson::new(signed, now)),
    }];
    movements(movement.map(core::slice::from_ref).unwrap_or(&[]), &mut out);
    out
}

/// Records of a stored relation.
pub fn relation(r: &Relation) -> Vec<Record> {
    vec![Record::Relation {
        key: format!("{}/{}/{}", r.source, r.kind, r.target),
        json: json::value(r),
    }]
}

/// Records of handled timeouts.
pub fn timeouts(market: &Market, done: &TimeoutsHandled) -> Vec<Record> {
    let mut out = Vec::new();
    for id in &done.expired_bids {
        bid(market, *id, &mut out);
    }
    for (id, _) in &done.retired {
        tx(market, *id, &mut out);
    }
    movements(&done.movements, &mut out);
    out
}

//! The JSON views of bids, transactions, accounts, ledger entries, deposits,
//! relations and transaction messages (BW-JSON-4 … BW-JSON-10).
//!
//! Each view is an owned value with typed members. The field order of each
//! struct is the member order on the wire; ids are opaque strings.

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::article::Article;
use crate::bid::{Bid, BidState, BidType};
use crate::hash::Hash256;
use crate::ids::{BidId, TxId};
use crate::ledger::deposit::{DepositType, SignedDeposit};
use crate::ledger::{Account, MovementRecord, MovementType};
use crate::money::Money;
use crate::signature::SignedDocument;
use crate::time::Timestamp;
use crate::tx::document::TxMessage;
use crate::tx::{Accepted, Phase, Receipt, Role, Transaction, TxState};

/// A relation's JSON form (BW-JSON-9): the core [`crate::relation::Relation`]
/// has BitWrk 0.7's shape already, ids being addresses.
pub type RelationJson = crate::relation::Relation;

/// `GET /bid/<id>` (BW-JSON-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BidJson {
    /// 0 BUY, 1 SELL.
    #[serde(rename = "Type")]
    pub bid_type: BidType,
    /// 0 INQUEUE, 1 PLACED, 2 MATCHED, 3 EXPIRED.
    pub state: BidState,
    /// The article.
    pub article: Article,
    /// The price.
    pub price: Money,
    /// The fee.
    pub fee: Money,
    /// Who placed the bid.
    pub participant: Address,
    /// The signed document.
    pub document: String,
    /// The signature, base64.
    pub signature: String,
    /// When the bid was accepted.
    #[serde(with = "crate::rfc3339")]
    pub created: Timestamp,
    /// When it expires unless matched.
    #[serde(with = "crate::rfc3339")]
    pub expires: Timestamp,
    /// When it was matched, `null` before.
    #[serde(with = "crate::rfc3339::option")]
    pub matched: Option<Timestamp>,
    /// The transaction's id, `null` before the match.
    pub transaction: Option<String>,
}

impl BidJson {
    /// The view of a bid.
    pub fn new(bid: &Bid) -> BidJson {
        BidJson {
            bid_type: bid.bid_type,
            state: bid.state,
            article: bid.article.clone(),
            price: bid.price,
            fee: bid.fee,
            participant: bid.participant,
            document: bid.document.clone(),
            signature: bid.signature.clone(),
            created: bid.created,
            expires: bid.expires,
            matched: bid.matched,
            transaction: bid.transaction.map(|t| t.to_string()),
        }
    }
}

/// `GET /tx/<id>` (BW-JSON-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactionJson {
    /// The revision.
    pub revision: u64,
    /// The buy bid's id.
    pub buyer_bid: String,
    /// The sell bid's id.
    pub seller_bid: String,
    /// The buyer.
    pub buyer: Address,
    /// The seller.
    pub seller: Address,
    /// The article.
    pub article: Article,
    /// The price.
    pub price: Money,
    /// The fee.
    pub fee: Money,
    /// When the bids were matched.
    #[serde(with = "crate::rfc3339")]
    pub matched: Timestamp,
    /// 0 active, 1 retired.
    pub state: TxState,
    /// The phase's name.
    pub phase: Phase,
    /// The timeout.
    #[serde(with = "crate::rfc3339")]
    pub timeout: Timestamp,
    /// The worker URL.
    #[serde(rename = "WorkerURL")]
    pub worker_url: Option<String>,
    /// The hash of the work.
    pub work_hash: Option<Hash256>,
    /// The hash of work hash and secret.
    pub work_secret_hash: Option<Hash256>,
    /// The buyer's secret.
    pub buyer_secret: Option<Hash256>,
    /// The receipt for the encrypted result.
    pub encrypted_result_receipt: Option<Receipt>,
    /// The result's key.
    pub result_decryption_key: Option<Hash256>,
}

impl TransactionJson {
    /// The view of a transaction.
    pub fn new(tx: &Transaction) -> TransactionJson {
        TransactionJson {
            revision: tx.revision,
            buyer_bid: tx.buyer_bid.to_string(),
            seller_bid: tx.seller_bid.to_string(),
            buyer: tx.buyer,
            seller: tx.seller,
            article: tx.article.clone(),
            price: tx.price,
            fee: tx.fee,
            matched: tx.matched,
            state: tx.state,
            phase: tx.phase,
            timeout: tx.timeout,
            worker_url: tx.worker_url.clone(),
            work_hash: tx.work_hash,
            work_secret_hash: tx.work_secret_hash,
            buyer_secret: tx.buyer_secret,
            encrypted_result_receipt: tx.encrypted_result_receipt.clone(),
            result_decryption_key: tx.result_decryption_key,
        }
    }
}

/// `GET /account/<address>` (BW-JSON-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountJson {
    /// The account's owner.
    pub participant: Address,
    /// The id of the account's latest ledger entry.
    pub last_movement_key: Option<String>,
    /// The available balance.
    pub available: Money,
    /// The blocked balance.
    pub blocked: Money,
    /// The stored deposit information (a signed form, section 14.3), or "".
    pub deposit_info: String,
    /// When the deposit information was stored; Go's zero time if never.
    #[serde(with = "super::go_time")]
    pub last_deposit_info: Option<Timestamp>,
    /// The pending deposit-address request (a signed form), or "".
    pub deposit_address_request: String,
}

impl AccountJson {
    /// The view of `participant`'s account with no deposit-address state.
    /// `Market::account_json` (section 14.3) fills that state in.
    pub fn new(participant: Address, account: &Account) -> AccountJson {
        AccountJson {
            participant,
            last_movement_key: account.last_movement.map(|m| m.to_string()),
            available: account.available_money(),
            blocked: account.blocked_money(),
            deposit_info: String::new(),
            last_deposit_info: None,
            deposit_address_request: String::new(),
        }
    }
}

/// `GET /ledger/<id>` and the entries of `/query/ledger` (BW-JSON-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MovementJson {
    /// The entry's id.
    pub key: Option<String>,
    /// When it was booked.
    #[serde(with = "crate::rfc3339")]
    pub timestamp: Timestamp,
    /// `DEPOSIT`, `BID`, ….
    #[serde(rename = "Type")]
    pub kind: MovementType,
    /// Change of the available balance.
    pub available_delta: Money,
    /// Whose available balance changed.
    pub available_account: Address,
    /// The previous entry of that account.
    pub available_predecessor_key: Option<String>,
    /// Change of the blocked balance.
    pub blocked_delta: Money,
    /// Whose blocked balance changed.
    pub blocked_account: Address,
    /// The previous entry of that account.
    pub blocked_predecessor_key: Option<String>,
    /// The fee collected.
    pub fee: Money,
    /// The counter-entry outside the system.
    pub world: Money,
    /// The bid referred to.
    pub bid_key: Option<String>,
    /// The transaction referred to.
    pub tx_key: Option<String>,
    /// The deposit's uid.
    pub deposit_key: Option<String>,
    /// A withdrawal (never set by this implementation).
    pub withdrawal_key: Option<String>,
}

impl MovementJson {
    /// The view of a ledger entry.
    pub fn new(record: &MovementRecord) -> MovementJson {
        let key = |id: Option<crate::ledger::MovementId>| id.map(|m| m.to_string());
        MovementJson {
            key: key(Some(record.id)),
            timestamp: record.timestamp,
            kind: record.kind,
            available_delta: record.available_delta,
            available_account: record.available_account,
            available_predecessor_key: key(record.available_predecessor),
            blocked_delta: record.blocked_delta,
            blocked_account: record.blocked_account,
            blocked_predecessor_key: key(record.blocked_predecessor),
            fee: record.fee,
            world: record.world,
            bid_key: record.refs.bid.map(|b: BidId| b.to_string()),
            tx_key: record.refs.tx.map(|t: TxId| t.to_string()),
            deposit_key: record.refs.deposit.clone(),
            withdrawal_key: None,
        }
    }
}

/// `GET /deposit/<uid>` (BW-JSON-8). The uid is not a member: it is the URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DepositJson {
    /// 0 injection, 1 bitcoin.
    #[serde(rename = "Type")]
    pub kind: DepositType,
    /// The amount.
    pub amount: Money,
    /// The credited account.
    pub account: Address,
    /// The processor's reference.
    pub reference: String,
    /// The signed document.
    pub document: String,
    /// The signature, base64.
    pub signature: String,
    /// When the deposit was accepted.
    #[serde(with = "crate::rfc3339")]
    pub created: Timestamp,
}

impl DepositJson {
    /// The view of a deposit as submitted (the `Event::Deposit` form parsed
    /// with [`SignedDeposit::from_form`]), accepted at `created`.
    pub fn new(signed: &SignedDeposit, created: Timestamp) -> DepositJson {
        let d = &signed.deposit;
        DepositJson {
            kind: d.kind,
            amount: d.amount,
            account: d.account,
            reference: d.reference.clone(),
            document: signed.document(),
            signature: signed.signature.clone(),
            created,
        }
    }
}

/// One entry of a transaction's message log (BitWrk 0.7's `Tmessage`,
/// BW-JSON-10). BitWrk 0.7 shows the log only in HTML; this is its JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TmessageJson {
    /// When the message arrived.
    #[serde(with = "crate::rfc3339")]
    pub received: Timestamp,
    /// The canonical signed document.
    pub document: String,
    /// The signature, base64.
    pub signature: String,
    /// 0 buyer, 1 seller, 2 unknown.
    pub from: Role,
    /// Whether the message was accepted.
    pub accepted: bool,
    /// Why it was refused, "" if accepted.
    pub reject_message: String,
    /// The phase before (number 0–8).
    #[serde(with = "super::phase_index")]
    pub pre_phase: Phase,
    /// The phase after (number 0–8).
    #[serde(with = "super::phase_index")]
    pub post_phase: Phase,
}

impl TmessageJson {
    /// The log entry of an accepted message received at `received`.
    pub fn accepted(received: Timestamp, message: &TxMessage, accepted: &Accepted) -> TmessageJson {
        TmessageJson {
            received,
            document: message.document(),
            signature: message.signature.clone(),
            from: accepted.from,
            accepted: true,
            reject_message: String::new(),
            pre_phase: accepted.pre,
            post_phase: accepted.post,
        }
    }
}

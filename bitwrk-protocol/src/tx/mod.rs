//! The transaction state machine (spec section 12).
//!
//! A [`Transaction`] is created when a buy and a sell bid match. Buyer and
//! seller then exchange signed messages that move it through the
//! [`Phase`]s of the table in [`rules`], and the server eventually retires
//! it, paying the seller or refunding the buyer.
//!
//! Calling contract (sans-IO, in the manner of quinn):
//! * getters (`phase`, `deadline`, …) have no effects;
//! * [`Transaction::handle_message`] takes a signature-checked message
//!   ([`Verified<TxMessage>`]) and either applies it completely or rejects
//!   it and leaves the transaction exactly as it was;
//! * [`Transaction::deadline`] says when the driver must call
//!   [`Transaction::retire`];
//! * `now` must not go backwards between calls on one transaction.

pub mod document;
pub mod rules;

use core::fmt;
use core::time::Duration;

use crate::address::Address;
use crate::article::Article;
use crate::encoding::hex::HexError;
use crate::error::error_codes;
use crate::hash::{Hash256, sha256_concat};
use crate::ids::{BidId, TxId};
use crate::money::Money;
use crate::signature::{Signature, SignatureError, Verified, verify_message};
use crate::time::Timestamp;

pub use document::{TxDocError, TxMessage};
pub use rules::{MessageKind, RULES, Rule, dot, matrix};

use rules::{Arrival, Refusal};

/// Serde for a field-less enum as its JSON number (`#[repr(u8)]` value).
macro_rules! serde_as_index {
    ($ty:ident, $what:literal, [$($variant:ident),+ $(,)?]) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u8(*self as u8)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let n = <u8 as serde::Deserialize>::deserialize(d)?;
                [$($ty::$variant),+]
                    .into_iter()
                    .find(|v| *v as u8 == n)
                    .ok_or_else(|| serde::de::Error::custom(concat!("unknown ", $what)))
            }
        }
    };
}
pub(crate) use serde_as_index;

/// How long a new transaction waits for both parties to establish (BW-TX-9).
pub const ESTABLISHING_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest worker URL accepted, in bytes (BW-TX-8).
pub const MAX_WORKER_URL_LEN: usize = 255;

/// The phases of a transaction (BW-TX-1). JSON: the upper-case name;
/// `index()` gives BitWrk 0.7's number 0–8.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum Phase {
    /// Just matched; neither party has spoken.
    Establishing = 0,
    /// The buyer has committed to the work.
    BuyerEstablished = 1,
    /// The seller has named its worker.
    SellerEstablished = 2,
    /// Both have: the buyer transmits the work to the worker.
    Transmitting = 3,
    /// The seller has the work and the buyer's secret; the worker works.
    Working = 4,
    /// The seller has published the (encrypted) result's receipt and key.
    Unverified = 5,
    /// The buyer accepted the result (final).
    Finished = 6,
    /// The seller refused the work (final).
    WorkDisputed = 7,
    /// The buyer refused the result (final).
    ResultDisputed = 8,
}

impl Phase {
    /// Every phase, in numeric order.
    pub const ALL: [Phase; 9] = [
        Phase::Establishing,
        Phase::BuyerEstablished,
        Phase::SellerEstablished,
        Phase::Transmitting,
        Phase::Working,
        Phase::Unverified,
        Phase::Finished,
        Phase::WorkDisputed,
        Phase::ResultDisputed,
    ];

    /// BitWrk 0.7's number for the phase.
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// The upper-case name used in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Establishing => "ESTABLISHING",
            Phase::BuyerEstablished => "BUYER_ESTABLISHED",
            Phase::SellerEstablished => "SELLER_ESTABLISHED",
            Phase::Transmitting => "TRANSMITTING",
            Phase::Working => "WORKING",
            Phase::Unverified => "UNVERIFIED",
            Phase::Finished => "FINISHED",
            Phase::WorkDisputed => "WORK_DISPUTED",
            Phase::ResultDisputed => "RESULT_DISPUTED",
        }
    }

    /// Whether no message can leave this phase (BW-TX-7).
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            Phase::Finished | Phase::WorkDisputed | Phase::ResultDisputed
        )
    }

    /// Whether retiring in this phase pays the seller (BW-TX-11).
    pub const fn pays_seller(self) -> bool {
        matches!(self, Phase::Finished | Phase::Unverified)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a transaction still accepts messages (BW-TX-2). JSON: 0 active, 1 retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TxState {
    /// Messages may still arrive.
    Active = 0,
    /// Paid out or refunded; nothing changes any more.
    Retired = 1,
}
serde_as_index!(TxState, "transaction state", [Active, Retired]);

/// Who sent a message, as far as the transaction can tell (BW-TX-3).
/// JSON: 0 buyer, 1 seller, 2 unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Role {
    /// The transaction's buyer.
    Buyer = 0,
    /// The transaction's seller.
    Seller = 1,
    /// Neither.
    Unknown = 2,
}
serde_as_index!(Role, "sender role", [Buyer, Seller, Unknown]);

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Buyer, Role::Seller, Role::Unknown];

    /// Lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::Seller => "seller",
            Role::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The buyer's signed receipt for the encrypted result (BW-TX-8).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    /// SHA-256 of the encrypted result.
    #[serde(rename = "Hash")]
    pub hash: Hash256,
    /// The buyer's message signature over the hash's hex text.
    #[serde(rename = "HashSignature")]
    pub hash_signature: Signature,
}

/// Why a message or a retirement was refused. Every refusal leaves the
/// transaction unchanged (BW-TX-12).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxError {
    /// The message is addressed to another transaction.
    WrongTransaction {
        /// This transaction.
        expected: TxId,
        /// The message's `txid`.
        found: TxId,
    },
    /// Retired, or `now` has reached the timeout (BW-TX-2).
    Inactive {
        /// The state.
        state: TxState,
        /// The timeout; `None` for a retired transaction the market has
        /// evicted from memory (BW-MARKET-8).
        timeout: Option<Timestamp>,
        /// The time of the message.
        now: Timestamp,
    },
    /// No rule for this sender has exactly these argument names (BW-TX-4).
    MessageNotAllowed {
        /// The sender's role.
        sender: Role,
        /// The argument names received (sorted).
        got: Vec<String>,
        /// The argument sets this sender may use.
        allowed: Vec<&'static [&'static str]>,
    },
    /// The message is not allowed in the current phase (BW-TX-6).
    WrongPhase {
        /// The message.
        kind: MessageKind,
        /// The current phase.
        phase: Phase,
        /// The phases it may be sent from.
        allowed_from: Vec<Phase>,
    },
    /// An argument that must be 64 lower-case hex characters is not (BW-TX-8).
    BadHex {
        /// The argument name.
        argument: &'static str,
        /// What is wrong with it.
        error: HexError,
    },
    /// The worker URL is longer than 255 bytes (BW-TX-8).
    WorkerUrlTooLong {
        /// Its length.
        length: usize,
    },
    /// The worker URL is not an `http://` URL with a host (BW-TX-8).
    BadWorkerUrl {
        /// The URL received.
        url: String,
    },
    /// SHA-256(WorkHash ‖ buyersecret) is not WorkSecretHash (BW-TX-8).
    SecretMismatch,
    /// The result receipt is not the buyer's signature over the hash (BW-TX-8).
    BadReceipt {
        /// Why the signature failed.
        error: SignatureError,
    },
    /// The worker URL's host is not the sender's network address (BW-TX-13).
    WorkerHostMismatch {
        /// Host named in the worker URL.
        url_host: String,
        /// Host the request came from.
        remote_host: String,
    },
    /// Retirement before the timeout (BW-TX-10).
    TooYoung {
        /// The timeout.
        timeout: Timestamp,
        /// The time of the attempt.
        now: Timestamp,
    },
    /// The transaction is retired already (BW-TX-10).
    AlreadyRetired,
}

fn list<T: fmt::Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

fn sets(allowed: &[&'static [&'static str]]) -> String {
    allowed
        .iter()
        .map(|s| format!("{{{}}}", s.join(", ")))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn time(t: &Timestamp) -> String {
    crate::rfc3339::format(*t)
}

error_codes!(TxError {
    TxError::WrongTransaction { expected, found } => "tx.wrong-transaction", ("message is for transaction {found}, not {expected}");
    TxError::Inactive { state, timeout, now } => "tx.inactive", ("transaction is no longer active (state {}, timeout {}, now {})", if *state == TxState::Active { "active" } else { "retired" }, timeout.as_ref().map_or_else(|| "unknown (evicted)".to_owned(), time), time(now));
    TxError::MessageNotAllowed { sender, got, allowed } => "tx.message-not-allowed", ("{sender} may not send arguments {{{}}}; expected {}", got.join(", "), if allowed.is_empty() { "nothing (not a party to the transaction)".to_owned() } else { sets(allowed) });
    TxError::WrongPhase { kind, phase, allowed_from } => "tx.wrong-phase", ("{} is not allowed in phase {phase}; allowed from {}", kind.name(), list(allowed_from, ", "));
    TxError::BadHex { argument, error } => "tx.bad-hex", ("argument {argument} must be 64 lower-case hex characters: {error}");
    TxError::WorkerUrlTooLong { length } => "tx.worker-url-too-long", ("worker url may have at most 255 bytes, found {length}");
    TxError::BadWorkerUrl { url } => "tx.bad-worker-url", ("worker url {url:?} is not an http:// url with a host");
    TxError::SecretMismatch => "tx.secret-mismatch", ("sha256(workhash || buyersecret) does not equal worksecrethash");
    TxError::BadReceipt { error } => "tx.bad-receipt", ("result receipt is not the buyer's signature over encresulthash: {error}");
    TxError::WorkerHostMismatch { url_host, remote_host } => "tx.worker-host-mismatch", ("worker url host {url_host:?} does not match the sender's address {remote_host:?}");
    TxError::TooYoung { timeout, now } => "tx.too-young", ("transaction cannot be retired before its timeout {} (now {})", time(timeout), time(now));
    TxError::AlreadyRetired => "tx.already-retired", ("transaction is already retired");
});

/// An accepted message: the log entry of BitWrk 0.7's "Tmessage" minus the
/// document (the driver has the message).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Accepted {
    /// The message.
    pub kind: MessageKind,
    /// Who sent it.
    pub from: Role,
    /// The phase before.
    pub pre: Phase,
    /// The phase after.
    pub post: Phase,
    /// The revision after.
    pub revision: u64,
    /// The timeout after.
    pub timeout: Timestamp,
}

/// Where the money goes when a transaction is retired (BW-TX-11). The
/// ledger books the movement; amounts are the transaction's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Payout {
    /// Seller receives the price, the fee is collected, the buyer's blocked
    /// price + fee is released.
    SellerPaid {
        /// Who is paid.
        seller: Address,
        /// Whose blocked funds are spent.
        buyer: Address,
        /// Paid to the seller.
        price: Money,
        /// Collected as fee.
        fee: Money,
    },
    /// The buyer's blocked price + fee becomes available again.
    BuyerRefunded {
        /// Who is refunded.
        buyer: Address,
        /// Price part of the refund.
        price: Money,
        /// Fee part of the refund.
        fee: Money,
    },
}

/// The outcome of [`Transaction::retire`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Retirement {
    /// The money movement to book.
    pub payout: Payout,
    /// The phase the transaction was retired in.
    pub phase: Phase,
    /// The revision after retirement.
    pub revision: u64,
}

/// What a matched pair of bids hands to [`Transaction::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    /// The buy bid.
    pub buyer_bid: BidId,
    /// The sell bid.
    pub seller_bid: BidId,
    /// The buyer.
    pub buyer: Address,
    /// The seller.
    pub seller: Address,
    /// The article traded.
    pub article: Article,
    /// The price.
    pub price: Money,
    /// The fee.
    pub fee: Money,
    /// When the bids were matched.
    pub matched: Timestamp,
}

/// A transaction; the JSON shape is BitWrk 0.7's (BW-TX-14).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transaction {
    /// 0 at creation, +1 per accepted message and at retirement (BW-TX-12).
    pub revision: u64,
    /// The buy bid.
    pub buyer_bid: BidId,
    /// The sell bid.
    pub seller_bid: BidId,
    /// The buyer.
    pub buyer: Address,
    /// The seller.
    pub seller: Address,
    /// The article.
    pub article: Article,
    /// The price the buyer pays (fee excluded).
    pub price: Money,
    /// The fee the buyer pays on top.
    pub fee: Money,
    /// When the bids were matched.
    #[serde(with = "crate::rfc3339")]
    pub matched: Timestamp,
    /// Active or retired.
    pub state: TxState,
    /// The phase.
    pub phase: Phase,
    /// When the transaction stops accepting messages and may be retired.
    #[serde(with = "crate::rfc3339")]
    pub timeout: Timestamp,
    /// The seller's worker URL.
    #[serde(rename = "WorkerURL")]
    pub worker_url: Option<String>,
    /// The buyer's hash of the work.
    pub work_hash: Option<Hash256>,
    /// SHA-256(work hash ‖ buyer's secret).
    pub work_secret_hash: Option<Hash256>,
    /// The buyer's secret, once the seller has published it.
    pub buyer_secret: Option<Hash256>,
    /// The buyer-signed receipt for the encrypted result.
    pub encrypted_result_receipt: Option<Receipt>,
    /// The key that decrypts the result.
    pub result_decryption_key: Option<Hash256>,
}

/// The field changes a validated message makes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Update {
    WorkHashes {
        work_hash: Hash256,
        work_secret_hash: Hash256,
    },
    WorkerUrl(String),
    BuyerSecret(Hash256),
    Result {
        receipt: Receipt,
        key: Hash256,
    },
    PhaseOnly,
}

fn hex_argument(msg: &TxMessage, name: &'static str) -> Result<Hash256, TxError> {
    // The rule matched, so the argument is present; an absent one reads as "".
    let value = msg.argument(name).unwrap_or("");
    value.parse().map_err(|error| TxError::BadHex {
        argument: name,
        error,
    })
}

/// The host and optional port of an `http://` URL, if it is one
/// (BW-TX-8): printable ASCII without spaces, a non-empty authority, no
/// user information.
pub fn worker_url_authority(url: &str) -> Option<&str> {
    if !url.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return None;
    }
    let rest = url.strip_prefix("http://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(authority)
}

/// Checks a worker URL's syntax (BW-TX-8).
pub fn check_worker_url(url: &str) -> Result<(), TxError> {
    if url.len() > MAX_WORKER_URL_LEN {
        return Err(TxError::WorkerUrlTooLong { length: url.len() });
    }
    worker_url_authority(url)
        .map(|_| ())
        .ok_or_else(|| TxError::BadWorkerUrl {
            url: url.to_owned(),
        })
}

/// BitWrk 0.7's "strip port": `[v6]:port` → `v6`; `host:port` → `host`;
/// text with no colon or with several (a bare IPv6 address) unchanged.
pub fn strip_port(hostport: &str) -> &str {
    if let Some(close) = hostport.find(']') {
        let inner = &hostport[..close];
        return inner.strip_prefix('[').unwrap_or(inner);
    }
    match hostport.match_indices(':').count() {
        1 => hostport.split_once(':').map_or(hostport, |(h, _)| h),
        _ => hostport,
    }
}

/// The driver's origin check for worker URLs (BW-TX-13): the URL's host
/// must equal the host of the request's remote address, both with any port
/// stripped. The state machine cannot see network addresses, so drivers
/// call this for every message carrying `workerurl`.
pub fn check_worker_origin(url: &str, remote_addr: &str) -> Result<(), TxError> {
    check_worker_url(url)?;
    let authority = worker_url_authority(url).unwrap_or("");
    let (url_host, remote_host) = (strip_port(authority), strip_port(remote_addr));
    if url_host != remote_host {
        return Err(TxError::WorkerHostMismatch {
            url_host: url_host.to_owned(),
            remote_host: remote_host.to_owned(),
        });
    }
    Ok(())
}

impl Transaction {
    /// A transaction for a matched pair: revision 0, active, ESTABLISHING,
    /// timeout = matched + 60 s (BW-TX-9).
    pub fn new(n: NewTransaction) -> Transaction {
        Transaction {
            revision: 0,
            buyer_bid: n.buyer_bid,
            seller_bid: n.seller_bid,
            buyer: n.buyer,
            seller: n.seller,
            article: n.article,
            price: n.price,
            fee: n.fee,
            matched: n.matched,
            state: TxState::Active,
            phase: Phase::Establishing,
            timeout: n.matched.saturating_add(ESTABLISHING_TIMEOUT),
            worker_url: None,
            work_hash: None,
            work_secret_hash: None,
            buyer_secret: None,
            encrypted_result_receipt: None,
            result_decryption_key: None,
        }
    }

    /// The role of `address`: buyer if it is the buyer, else seller if it is
    /// the seller, else unknown (BW-TX-3).
    pub fn role_of(&self, address: &Address) -> Role {
        if *address == self.buyer {
            Role::Buyer
        } else if *address == self.seller {
            Role::Seller
        } else {
            Role::Unknown
        }
    }

    /// Whether messages are accepted at `now` (BW-TX-2).
    pub fn is_active_at(&self, now: Timestamp) -> bool {
        self.state == TxState::Active && now < self.timeout
    }

    /// When the driver must call [`retire`](Self::retire): the timeout
    /// while active, `None` once retired.
    pub fn deadline(&self) -> Option<Timestamp> {
        (self.state == TxState::Active).then_some(self.timeout)
    }

    /// Applies a verified message addressed to transaction `id`, or rejects
    /// it leaving `self` unchanged (BW-TX-2 … BW-TX-12).
    pub fn handle_message(
        &mut self,
        id: TxId,
        now: Timestamp,
        msg: &Verified<TxMessage>,
    ) -> Result<Accepted, TxError> {
        let (next, accepted) = self.next_state(id, now, msg)?;
        *self = next;
        Ok(accepted)
    }

    /// The transaction after `msg`, without changing `self`.
    pub fn next_state(
        &self,
        id: TxId,
        now: Timestamp,
        msg: &Verified<TxMessage>,
    ) -> Result<(Transaction, Accepted), TxError> {
        let msg = msg.get();
        if msg.txid != id {
            return Err(TxError::WrongTransaction {
                expected: id,
                found: msg.txid,
            });
        }
        if !self.is_active_at(now) {
            return Err(TxError::Inactive {
                state: self.state,
                timeout: Some(self.timeout),
                now,
            });
        }
        let sender = self.role_of(&msg.sender);
        let names = msg.argument_names();
        let (rule, post) = rules::evaluate(self.phase, sender, &names).map_err(|r| match r {
            Refusal::NotAllowed { allowed } => TxError::MessageNotAllowed {
                sender,
                got: names.iter().map(|n| (*n).to_owned()).collect(),
                allowed,
            },
            Refusal::WrongPhase { kind, allowed_from } => TxError::WrongPhase {
                kind,
                phase: self.phase,
                allowed_from,
            },
        })?;
        let update = self.validate(rule.kind, msg)?;

        // Everything is checked; build the next state in one step.
        let mut next = self.clone();
        match update {
            Update::WorkHashes {
                work_hash,
                work_secret_hash,
            } => {
                next.work_hash = Some(work_hash);
                next.work_secret_hash = Some(work_secret_hash);
            }
            Update::WorkerUrl(url) => next.worker_url = Some(url),
            Update::BuyerSecret(secret) => next.buyer_secret = Some(secret),
            Update::Result { receipt, key } => {
                next.encrypted_result_receipt = Some(receipt);
                next.result_decryption_key = Some(key);
            }
            Update::PhaseOnly => {}
        }
        next.phase = post;
        next.revision = self.revision.saturating_add(1);
        next.timeout = match rules::arrival(post) {
            Arrival::Keep => self.timeout,
            Arrival::Extend(d) => self.timeout.saturating_add(d),
            Arrival::RetireNow => now,
        };
        let accepted = Accepted {
            kind: rule.kind,
            from: sender,
            pre: self.phase,
            post,
            revision: next.revision,
            timeout: next.timeout,
        };
        Ok((next, accepted))
    }

    /// Checks the argument values of a message of kind `kind` (BW-TX-8).
    fn validate(&self, kind: MessageKind, msg: &TxMessage) -> Result<Update, TxError> {
        Ok(match kind {
            MessageKind::WorkHashes => Update::WorkHashes {
                work_hash: hex_argument(msg, "workhash")?,
                work_secret_hash: hex_argument(msg, "worksecrethash")?,
            },
            MessageKind::WorkerUrl => {
                let url = msg.argument("workerurl").unwrap_or("");
                check_worker_url(url)?;
                Update::WorkerUrl(url.to_owned())
            }
            MessageKind::BuyerSecret => {
                let secret = hex_argument(msg, "buyersecret")?;
                match (self.work_hash, self.work_secret_hash) {
                    (Some(work), Some(expected))
                        if sha256_concat(&[work.as_bytes(), secret.as_bytes()]) == expected =>
                    {
                        Update::BuyerSecret(secret)
                    }
                    _ => return Err(TxError::SecretMismatch),
                }
            }
            MessageKind::Result => {
                let hash = hex_argument(msg, "encresulthash")?;
                let signature =
                    Signature::from_base64(msg.argument("encresulthashsig").unwrap_or(""))
                        .map_err(|error| TxError::BadReceipt { error })?;
                let receipt_text = document::receipt_document(&hash);
                verify_message(&self.buyer, receipt_text.as_bytes(), &signature)
                    .map_err(|error| TxError::BadReceipt { error })?;
                let key = hex_argument(msg, "encresultkey")?;
                Update::Result {
                    receipt: Receipt {
                        hash,
                        hash_signature: signature,
                    },
                    key,
                }
            }
            MessageKind::RejectWork | MessageKind::RejectResult | MessageKind::AcceptResult => {
                Update::PhaseOnly
            }
        })
    }

    /// Retires the transaction at or after its timeout (BW-TX-10,
    /// BW-TX-11): FINISHED or UNVERIFIED pays the seller, every other phase
    /// refunds the buyer. On error nothing changes.
    pub fn retire(&mut self, now: Timestamp) -> Result<Retirement, TxError> {
        if self.state == TxState::Retired {
            return Err(TxError::AlreadyRetired);
        }
        if now < self.timeout {
            return Err(TxError::TooYoung {
                timeout: self.timeout,
                now,
            });
        }
        let payout = if self.phase.pays_seller() {
            Payout::SellerPaid {
                seller: self.seller,
                buyer: self.buyer,
                price: self.price,
                fee: self.fee,
            }
        } else {
            Payout::BuyerRefunded {
                buyer: self.buyer,
                price: self.price,
                fee: self.fee,
            }
        };
        self.state = TxState::Retired;
        self.revision = self.revision.saturating_add(1);
        Ok(Retirement {
            payout,
            phase: self.phase,
            revision: self.revision,
        })
    }
}

#[cfg(test)]
mod tests;

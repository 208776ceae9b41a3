//! The part of a trade that talks to the server, shared by buys and sells
//! (spec sections 20.3–20.5): nonce, signed bid, polling the bid until it
//! is matched, polling the transaction, and sending signed transaction
//! messages until the transaction shows their effect.

use std::collections::BTreeMap;

use crate::article::Article;
use crate::bid::{BidForm, BidState, BidType};
use crate::key::PrivateKey;
use crate::money::Money;
use crate::time::Timestamp;
use crate::tx::document::sign_tx_form;
use crate::tx::{MessageKind, Phase, RULES, TxState};
use crate::wire::{BidJson, TransactionJson};

use super::backoff::Backoff;
use super::http::{Answer, RequestId, RequestKind, ServerRequest};
use super::{ActivityKey, ClientConfig, ClientError};

/// Where the bid is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// A nonce is needed for the bid.
    NeedNonce,
    /// The bid is to be posted with this nonce.
    HaveNonce(String),
    /// The bid was admitted; polled until matched.
    PollBid,
    /// Matched: the transaction is known.
    Tx,
}

/// Where a transaction message is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Delivery {
    /// To be sent.
    Queued,
    /// Sent, no answer yet.
    InFlight,
    /// The server accepted it, or the transaction shows its effect.
    Done,
    /// No answer, or a refusal: the next transaction poll sent after it
    /// decides whether it took effect; if not, it is sent again (no
    /// answer) or fails (a refusal).
    Unconfirmed {
        /// The refusal's status and code, `None` if there was no answer.
        refusal: Option<(u16, Option<String>)>,
        /// The sequence number of the last request sent before the
        /// answer: only a poll sent later decides (a waiting poll may have
        /// been read before, BW-CLIENT-37).
        after: u64,
    },
}

/// A transaction message the trade sends.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outgoing {
    /// The values of the rule's arguments, in the rule's (sorted) order.
    values: Vec<String>,
    delivery: Delivery,
}

/// The argument names of the rule for `kind` (spec §12.3's table).
fn argument_names(kind: MessageKind) -> &'static [&'static str] {
    RULES
        .iter()
        .find(|r| r.kind == kind)
        .map_or(&[], |r| r.arguments)
}

/// Whether `tx` shows the effect of message `kind` with `values`
/// (BW-CLIENT-10): the field it sets holds the value sent, or the phase it
/// leads to was reached.
fn shows_effect(tx: &TransactionJson, kind: MessageKind, values: &[String]) -> bool {
    let hex = |h: Option<crate::hash::Hash256>, i: usize| {
        h.is_some_and(|h| values.get(i).is_some_and(|v| *v == h.to_string()))
    };
    match kind {
        // sorted names: workhash, worksecrethash
        MessageKind::WorkHashes => hex(tx.work_hash, 0) && hex(tx.work_secret_hash, 1),
        MessageKind::WorkerUrl => tx.worker_url.as_deref() == values.first().map(String::as_str),
        MessageKind::BuyerSecret => hex(tx.buyer_secret, 0),
        // sorted names: encresulthash, encresulthashsig, encresultkey
        MessageKind::Result => hex(tx.result_decryption_key, 2),
        MessageKind::RejectWork => tx.phase == Phase::WorkDisputed,
        MessageKind::RejectResult => tx.phase == Phase::ResultDisputed,
        MessageKind::AcceptResult => tx.phase == Phase::Finished,
    }
}

/// The server side of one trade.
#[derive(Debug, Clone)]
pub(crate) struct Remote {
    key: ActivityKey,
    identity: PrivateKey,
    bid_type: BidType,
    article: Article,
    price: Money,
    config: ClientConfig,
    seq: u64,
    stage: Stage,
    /// The nonce fetch, bid or poll in flight, and whether it is a waiting
    /// poll (BW-CLIENT-36).
    request: Option<(RequestId, RequestKind, bool)>,
    /// The transaction message in flight.
    message: Option<(RequestId, MessageKind)>,
    /// A poll is wanted as soon as the one in flight is answered (it may
    /// have been read before a message the trade sent meanwhile).
    poll_again: bool,
    /// When the next poll (or retry) may go out.
    due: Timestamp,
    backoff: Backoff,
    /// The last time an answer was a success, or the start.
    last_success: Timestamp,
    last_failure: Option<String>,
    bid_id: Option<String>,
    bid_etag: Option<String>,
    bid: Option<BidJson>,
    tx_id: Option<String>,
    tx_etag: Option<String>,
    tx: Option<TransactionJson>,
    messages: BTreeMap<MessageKind, Outgoing>,
    /// Whether the transaction is still polled.
    polling: bool,
}

impl Remote {
    /// Starts placing a bid at `now` (BW-CLIENT-6).
    pub(crate) fn new(
        now: Timestamp,
        key: ActivityKey,
        identity: PrivateKey,
        bid_type: BidType,
        article: Article,
        price: Money,
        config: ClientConfig,
    ) -> Remote {
        Remote {
            key,
            identity,
            bid_type,
            article,
            price,
            backoff: Backoff::new(config.poll_initial, config.poll_max),
            config,
            seq: 0,
            stage: Stage::NeedNonce,
            request: None,
            message: None,
            poll_again: false,
            due: now,
            last_success: now,
            last_failure: None,
            bid_id: None,
            bid_etag: None,
            bid: None,
            tx_id: None,
            tx_etag: None,
            tx: None,
            messages: BTreeMap::new(),
            polling: true,
        }
    }

    pub(crate) fn bid_id(&self) -> Option<&str> {
        self.bid_id.as_deref()
    }

    pub(crate) fn bid(&self) -> Option<&BidJson> {
        self.bid.as_ref()
    }

    pub(crate) fn tx_id(&self) -> Option<&str> {
        self.tx_id.as_deref()
    }

    /// The transaction as last fetched.
    pub(crate) fn tx(&self) -> Option<&TransactionJson> {
        self.tx.as_ref()
    }

    /// Whether the bid is matched and the transaction fetched.
    pub(crate) fn has_tx(&self) -> bool {
        self.tx.is_some()
    }

    /// Stops polling the transaction (the trade is over).
    pub(crate) fn stop(&mut self) {
        self.polling = false;
        self.messages.retain(|_, m| m.delivery != Delivery::Queued);
    }

    /// Polls the transaction again after [`stop`](Self::stop), sending
    /// nothing (a paid sell followed to the end, BW-CLIENT-35).
    pub(crate) fn resume(&mut self) {
        self.polling = true;
    }

    /// Polls again as soon as possible, with the initial delay after.
    pub(crate) fn poll_soon(&mut self, now: Timestamp) {
        self.backoff.reset();
        self.due = self.due.min(now);
        self.poll_again |= self.request.is_some();
    }

    /// Queues message `kind` with the values of its rule's arguments in the
    /// rule's order (BW-CLIENT-10); a message queued before is not queued
    /// again.
    pub(crate) fn send(&mut self, kind: MessageKind, values: Vec<String>) {
        self.messages.entry(kind).or_insert(Outgoing {
            values,
            delivery: Delivery::Queued,
        });
    }

    /// Whether message `kind` was accepted or shows its effect.
    pub(crate) fn delivered(&self, kind: MessageKind) -> bool {
        self.messages
            .get(&kind)
            .is_some_and(|m| m.delivery == Delivery::Done)
    }

    fn next_id(&mut self) -> RequestId {
        self.seq += 1;
        RequestId {
            activity: self.key,
            seq: self.seq,
        }
    }

    /// Whether a queued message may go out now: none is in flight, and
    /// nothing else is either, except a waiting poll (BW-CLIENT-1,
    /// BW-CLIENT-37).
    fn may_send_message(&self) -> bool {
        self.message.is_none() && self.request.is_none_or(|(_, _, waiting)| waiting)
    }

    /// The next request to send at `now`, if any: a queued message first,
    /// else the step of the bid, else a due poll (BW-CLIENT-1: one request
    /// in flight per trade, besides a message beside a waiting poll).
    pub(crate) fn poll_transmit(&mut self, now: Timestamp) -> Option<ServerRequest> {
        if self.may_send_message()
            && let (Some(txid), Some(tx)) = (self.tx_id.clone(), self.tx.as_ref())
            && tx.state == TxState::Active
            && let Some((kind, values)) = self
                .messages
                .iter()
                .find(|(_, m)| m.delivery == Delivery::Queued)
                .map(|(k, m)| (*k, m.values.clone()))
        {
            let names = argument_names(kind);
            let args: Vec<(&str, &str)> = names
                .iter()
                .copied()
                .zip(values.iter().map(String::as_str))
                .collect();
            let id = self.next_id();
            let mut request = ServerRequest::new(id, RequestKind::TxMessage, format!("tx/{txid}"));
            request.form = sign_tx_form(&self.identity, &txid, &args);
            if let Some(m) = self.messages.get_mut(&kind) {
                m.delivery = Delivery::InFlight;
            }
            self.message = Some((id, kind));
            return Some(request);
        }
        if self.request.is_some() || self.message.is_some() || now < self.due {
            return None;
        }
        let id = self.next_id();
        let request = match &self.stage {
            Stage::NeedNonce => ServerRequest::new(id, RequestKind::Nonce, "nonce".to_owned()),
            Stage::HaveNonce(nonce) => {
                let form = BidForm::signed(
                    &self.identity,
                    self.bid_type,
                    self.article.as_str(),
                    &self.price.to_string(),
                    nonce,
                );
                let mut r = ServerRequest::new(id, RequestKind::PlaceBid, "bid".to_owned());
                r.form = vec![
                    ("article".to_owned(), form.article),
                    ("type".to_owned(), form.bid_type),
                    ("price".to_owned(), form.price),
                    ("address".to_owned(), form.address),
                    ("nonce".to_owned(), form.nonce),
                    ("signature".to_owned(), form.signature),
                ];
                r
            }
            Stage::PollBid => {
                let bid = self.bid_id.clone().unwrap_or_default();
                let r = ServerRequest::new(id, RequestKind::FetchBid, format!("bid/{bid}"));
                self.conditional(r, self.bid_etag.clone())
            }
            Stage::Tx => {
                let retired = self
                    .tx
                    .as_ref()
                    .is_some_and(|t| t.state == TxState::Retired);
                if !self.polling || retired {
                    return None;
                }
                let txid = self.tx_id.clone().unwrap_or_default();
                let r = ServerRequest::new(id, RequestKind::FetchTx, format!("tx/{txid}"));
                self.conditional(r, self.tx_etag.clone())
            }
        };
        let waiting = request.header("Prefer").is_some();
        self.request = Some((id, request.kind, waiting));
        Some(request)
    }

    /// A poll with the tag of the version held (BW-CLIENT-8) and the wait
    /// it asks the server for (BW-CLIENT-36). Without a tag there is
    /// nothing to wait for, but a server that applies waits says so at
    /// once, and the next poll (with the tag) follows soon.
    fn conditional(&self, mut r: ServerRequest, tag: Option<String>) -> ServerRequest {
        if let Some(tag) = tag {
            r.headers.push(("If-None-Match", tag));
        }
        let wait = self.config.poll_wait.as_secs();
        if wait > 0 {
            r.headers.push(("Prefer", format!("wait={wait}")));
        }
        r
    }

    /// When [`poll_transmit`](Self::poll_transmit) has something to send
    /// next without a new input, if it has.
    pub(crate) fn poll_timeout(&self) -> Option<Timestamp> {
        if self.may_send_message()
            && self.tx.as_ref().is_some_and(|t| t.state == TxState::Active)
            && self
                .messages
                .values()
                .any(|m| m.delivery == Delivery::Queued)
        {
            // Something can be sent already: a time not after the latest input.
            return Some(self.due.min(self.last_success));
        }
        if self.request.is_some() || self.message.is_some() {
            return None;
        }
        let retired = self
            .tx
            .as_ref()
            .is_some_and(|t| t.state == TxState::Retired);
        if self.stage == Stage::Tx && (!self.polling || retired) {
            return None;
        }
        Some(self.due)
    }

    /// Whether request `id` is one in flight.
    pub(crate) fn expects(&self, id: RequestId) -> bool {
        self.request.is_some_and(|(i, _, _)| i == id) || self.message.is_some_and(|(i, _)| i == id)
    }

    /// A failed poll or nonce fetch: retried after the backoff delay,
    /// unless no request succeeded for longer than the patience
    /// (BW-CLIENT-13).
    fn failed(&mut self, now: Timestamp, what: String) -> Result<(), ClientError> {
        self.last_failure = Some(what.clone());
        if now.saturating_since(self.last_success) >= self.config.patience {
            return Err(ClientError::ServerUnreachable { last: what });
        }
        self.due = self.backoff.next_after(now);
        Ok(())
    }

    fn succeeded(&mut self, now: Timestamp) {
        self.last_success = now;
        self.last_failure = None;
    }

    /// The answer to request `id` (BW-CLIENT-6 … BW-CLIENT-13).
    pub(crate) fn handle_answer(
        &mut self,
        now: Timestamp,
        id: RequestId,
        answer: Answer,
    ) -> Result<(), ClientError> {
        if let Some((expected, kind)) = self.message
            && expected == id
        {
            self.message = None;
            return self.message_answer(now, kind, answer);
        }
        let Some((expected, kind, _)) = self.request else {
            return Err(ClientError::UnknownRequest);
        };
        if expected != id {
            return Err(ClientError::UnknownRequest);
        }
        self.request = None;
        match (kind, answer) {
            (_, Answer::Unreachable { reason }) => {
                if kind == RequestKind::PlaceBid {
                    // Whether the bid was admitted is unknown; its nonce is
                    // spent either way (BW-CLIENT-6).
                    return Err(ClientError::ServerUnreachable { last: reason });
                }
                self.failed(now, reason)
            }
            (RequestKind::Nonce, Answer::Nonce(nonce)) => {
                self.succeeded(now);
                self.stage = Stage::HaveNonce(nonce);
                self.due = now;
                Ok(())
            }
            (RequestKind::PlaceBid, Answer::BidAccepted { bid }) => {
                self.succeeded(now);
                self.bid_id = Some(bid);
                self.stage = Stage::PollBid;
                self.backoff.reset();
                self.due = now;
                Ok(())
            }
            (
                RequestKind::PlaceBid,
                Answer::Refused {
                    status,
                    code,
                    message,
                },
            ) => Err(ClientError::BidRefused {
                status,
                code,
                message,
            }),
            (RequestKind::FetchBid, Answer::Bid { etag, bid, paced }) => {
                self.succeeded(now);
                self.bid_answer(now, etag, *bid, paced)
            }
            (RequestKind::FetchBid | RequestKind::FetchTx, Answer::NotModified { paced }) => {
                self.succeeded(now);
                self.next_poll(now, paced);
                Ok(())
            }
            (RequestKind::FetchTx, Answer::Tx { etag, tx, paced }) => {
                self.succeeded(now);
                self.tx_answer(now, id.seq, etag, *tx, paced)
            }
            (
                RequestKind::Nonce | RequestKind::FetchBid | RequestKind::FetchTx,
                a @ Answer::Refused { .. },
            ) => self.failed(now, a.describe()),
            (_, other) => Err(ClientError::BadAnswer {
                expected: match kind {
                    RequestKind::Nonce => "a nonce",
                    RequestKind::PlaceBid => "303 with X-Bid-Key",
                    RequestKind::FetchBid => "a bid",
                    RequestKind::FetchTx => "a transaction",
                    RequestKind::TxMessage => "302 or 303",
                },
                found: other.describe(),
            }),
        }
    }

    /// Schedules the next poll after an answer at `now`: soon if the
    /// server paced the poll (it held it until a change or its wait's end,
    /// BW-CLIENT-38), else after the backoff's delay (BW-CLIENT-9).
    fn next_poll(&mut self, now: Timestamp, paced: bool) {
        self.due = if core::mem::take(&mut self.poll_again) {
            self.backoff.reset();
            now
        } else if paced {
            self.backoff.reset();
            now.saturating_add(self.config.poll_paced)
        } else {
            self.backoff.next_after(now)
        };
    }

    fn bid_answer(
        &mut self,
        now: Timestamp,
        etag: Option<String>,
        bid: BidJson,
        paced: bool,
    ) -> Result<(), ClientError> {
        if bid.participant != self.identity.public_key().address(self.identity.network())
            || bid.bid_type != self.bid_type
        {
            return Err(ClientError::BadAnswer {
                expected: "our bid",
                found: format!("a {} bid of {}", bid.bid_type, bid.participant),
            });
        }
        if etag.is_some() && etag != self.bid_etag {
            self.backoff.reset();
        }
        self.bid_etag = etag;
        let state = bid.state;
        let txid = bid.transaction.clone();
        self.bid = Some(bid);
        match state {
            BidState::Matched => {
                let Some(txid) = txid else {
                    return Err(ClientError::BadAnswer {
                        expected: "a matched bid with its transaction",
                        found: "a matched bid without one".to_owned(),
                    });
                };
                self.tx_id = Some(txid);
                self.stage = Stage::Tx;
                self.backoff.reset();
                self.due = now;
                Ok(())
            }
            BidState::Expired => Err(ClientError::BidExpired),
            BidState::InQueue | BidState::Placed => {
                self.next_poll(now, paced);
                Ok(())
            }
        }
    }

    /// The transaction, as polled by request number `seq`.
    fn tx_answer(
        &mut self,
        now: Timestamp,
        seq: u64,
        etag: Option<String>,
        tx: TransactionJson,
        paced: bool,
    ) -> Result<(), ClientError> {
        let ours = match self.bid_type {
            BidType::Buy => &tx.buyer_bid,
            BidType::Sell => &tx.seller_bid,
        };
        if Some(ours.as_str()) != self.bid_id.as_deref() {
            return Err(ClientError::BadAnswer {
                expected: "the transaction of our bid",
                found: format!("a transaction of bid {ours}"),
            });
        }
        let changed = self.tx.as_ref() != Some(&tx) || etag != self.tx_etag;
        self.tx_etag = etag;
        for (kind, m) in &mut self.messages {
            if matches!(m.delivery, Delivery::Done | Delivery::InFlight) {
                continue;
            }
            if shows_effect(&tx, *kind, &m.values) {
                m.delivery = Delivery::Done;
            } else if let Delivery::Unconfirmed { refusal, after } = &m.delivery {
                if seq <= *after {
                    // Read before the message's answer came: not evidence.
                    continue;
                }
                match refusal {
                    Some((status, code)) => {
                        return Err(ClientError::MessageRefused {
                            message: kind.name(),
                            status: *status,
                            code: code.clone(),
                        });
                    }
                    None => m.delivery = Delivery::Queued,
                }
            }
        }
        self.tx = Some(tx);
        if changed {
            self.backoff.reset();
        }
        self.next_poll(now, paced);
        Ok(())
    }

    fn message_answer(
        &mut self,
        now: Timestamp,
        kind: MessageKind,
        answer: Answer,
    ) -> Result<(), ClientError> {
        let after = self.seq;
        let Some(m) = self.messages.get_mut(&kind) else {
            return Err(ClientError::UnknownRequest);
        };
        match answer {
            Answer::MessageAccepted => {
                m.delivery = Delivery::Done;
                self.succeeded(now);
                // The other side reacts to it: look soon.
                self.poll_soon(now);
                Ok(())
            }
            Answer::Refused { status, code, .. } => {
                // It may have taken effect already (an earlier copy whose
                // answer was lost): the transaction decides.
                m.delivery = Delivery::Unconfirmed {
                    refusal: Some((status, code)),
                    after,
                };
                self.poll_soon(now);
                Ok(())
            }
            other => {
                m.delivery = Delivery::Unconfirmed {
                    refusal: None,
                    after,
                };
                self.failed(now, other.describe())
            }
        }
    }
}

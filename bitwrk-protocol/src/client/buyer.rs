//! The buyer's trade (spec section 20.5): commit to the work, wait for the
//! seller, transmit, wait for the result's key, accept.

use crate::article::Article;
use crate::bid::BidType;
use crate::hash::{Hash256, sha256_concat};
use crate::key::PrivateKey;
use crate::signature::sign_message;
use crate::time::Timestamp;
use crate::tx::document::receipt_document;
use crate::tx::{MessageKind, Phase, Receipt, TxState};

use super::trade::{Clearance, TradeBase};
use super::watchdog::BUYER_TRANSFER;
use super::{ActivityKey, Answer, ClientConfig, ClientError, EventKind, RequestId};

/// Where a buy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuyStep {
    /// Waiting for a mandate, a price or a local match, then for tokens,
    /// then for the bid's match.
    Bidding,
    /// Matched: committed to the work, waiting for `TRANSMITTING`.
    Establishing,
    /// The transfer to the seller runs.
    Transferring,
    /// Transfer done; waiting for `UNVERIFIED` and the result's key.
    AwaitingResult,
    /// The key is out; waiting for the driver to accept.
    ResultReady,
    /// `acceptresult` sent; waiting for the transaction to retire.
    Accepting,
    /// A local match: waiting for the local sell's result.
    Local,
    /// Over.
    Ended,
}

impl BuyStep {
    /// The step's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            BuyStep::Bidding => "bidding",
            BuyStep::Establishing => "establishing",
            BuyStep::Transferring => "transferring",
            BuyStep::AwaitingResult => "awaiting-result",
            BuyStep::ResultReady => "result-ready",
            BuyStep::Accepting => "accepting",
            BuyStep::Local => "local",
            BuyStep::Ended => "ended",
        }
    }
}

/// A buy.
#[derive(Debug, Clone)]
pub struct BuyTrade {
    pub(crate) base: TradeBase,
    step: BuyStep,
    work_hash: Hash256,
    buyer_secret: Hash256,
    work_secret_hash: Hash256,
    /// The encrypted result's hash as the transfer reported it.
    received: Option<Hash256>,
    transfer_done: bool,
}

/// Phases on the way to `TRANSMITTING` (0.7's via-set).
const TO_TRANSMITTING: [Phase; 3] = [
    Phase::Establishing,
    Phase::BuyerEstablished,
    Phase::SellerEstablished,
];

/// Phases on the way to `UNVERIFIED`.
const TO_UNVERIFIED: [Phase; 2] = [Phase::Transmitting, Phase::Working];

impl BuyTrade {
    /// A buy of `article` for work with SHA-256 `work_hash`; `secret` is 32
    /// random bytes from the driver (BW-CLIENT-14).
    pub(crate) fn new(
        key: ActivityKey,
        article: Article,
        identity: PrivateKey,
        config: ClientConfig,
        work_hash: Hash256,
        secret: [u8; 32],
    ) -> BuyTrade {
        let buyer_secret = Hash256::from_byte_array(secret);
        BuyTrade {
            base: TradeBase::new(key, BidType::Buy, article, identity, config, false),
            step: BuyStep::Bidding,
            work_hash,
            buyer_secret,
            work_secret_hash: sha256_concat(&[work_hash.as_bytes(), buyer_secret.as_bytes()]),
            received: None,
            transfer_done: false,
        }
    }

    /// The step the buy is in.
    pub fn step(&self) -> BuyStep {
        self.step
    }

    /// SHA-256(work hash ‖ secret), as committed to (BW-CLIENT-14).
    pub fn work_secret_hash(&self) -> Hash256 {
        self.work_secret_hash
    }

    /// The buyer's signed receipt for an encrypted result whose SHA-256 is
    /// `hash`, for the transfer to hand to the seller (BW-TXDOC-6).
    pub fn receipt(&self, hash: Hash256) -> Receipt {
        Receipt {
            hash,
            hash_signature: sign_message(&self.base.identity, receipt_document(&hash).as_bytes()),
        }
    }

    /// Whether the buy holds a transmission token (BW-CLIENT-5): from the
    /// start of the bid until the transfer is done or the buy ends.
    pub(crate) fn holds_transmission(&self) -> bool {
        self.base.alive() && self.base.remote.is_some() && !self.transfer_done
    }

    fn end(&mut self, result: Result<(), ClientError>) {
        self.step = BuyStep::Ended;
        self.base.finish(result);
    }

    /// Hands an answer of the server to the buy.
    pub(crate) fn handle_answer(
        &mut self,
        now: Timestamp,
        id: RequestId,
        answer: Answer,
    ) -> Result<(), ClientError> {
        self.base.remote_answer(now, id, answer)?;
        self.advance(now);
        Ok(())
    }

    /// Deadlines and the watchdog at `now`.
    pub(crate) fn handle_timeout(&mut self, now: Timestamp) {
        self.advance(now);
    }

    /// The transfer to the seller ended (BW-CLIENT-15): `Ok` with the
    /// encrypted result's SHA-256 if the transfer knows it, or why it failed.
    pub(crate) fn transfer_done(
        &mut self,
        now: Timestamp,
        outcome: Result<Option<Hash256>, String>,
    ) -> Result<(), ClientError> {
        if self.step != BuyStep::Transferring {
            return Err(self.wrong("transfer-done"));
        }
        self.transfer_done = true;
        match outcome {
            Ok(hash) => {
                self.received = hash;
                self.step = BuyStep::AwaitingResult;
                // The seller posts the key on the receipt: look soon, not
                // after the delay the transfer's quiet minutes grew
                // (BW-CLIENT-9).
                if let Some(r) = &mut self.base.remote {
                    r.poll_soon(now);
                }
                self.advance(now);
            }
            Err(reason) => self.end(Err(ClientError::TransferFailed { reason })),
        }
        Ok(())
    }

    /// The driver has the result: accept it (BW-CLIENT-16).
    pub(crate) fn accept_result(&mut self, now: Timestamp) -> Result<(), ClientError> {
        if self.step != BuyStep::ResultReady {
            return Err(self.wrong("accept-result"));
        }
        if let Some(r) = &mut self.base.remote {
            r.send(MessageKind::AcceptResult, vec!["on".to_owned()]);
        }
        self.step = BuyStep::Accepting;
        self.advance(now);
        Ok(())
    }

    /// The local sell this buy is matched with produced its result, or
    /// ended without one.
    pub(crate) fn local_outcome(&mut self, peer: ActivityKey, ok: bool) {
        if self.step != BuyStep::Local {
            return;
        }
        if ok {
            self.base.emit(EventKind::ResultReady {
                decryption_key: None,
                local_peer: Some(peer),
            });
            self.end(Ok(()));
        } else {
            self.end(Err(ClientError::LocalPeerGone { peer }));
        }
    }

    pub(crate) fn cancel(&mut self) {
        if self.base.alive() {
            self.end(Err(ClientError::Cancelled));
        }
    }

    fn wrong(&self, input: &'static str) -> ClientError {
        ClientError::WrongState {
            input,
            state: self.step.as_str(),
        }
    }

    /// Moves on as far as the state allows (BW-CLIENT-14 … BW-CLIENT-17).
    pub(crate) fn advance(&mut self, now: Timestamp) {
        loop {
            if !self.base.alive() {
                self.step = BuyStep::Ended;
                return;
            }
            let before = self.step;
            if let Err(e) = self.advance_once(now) {
                self.end(Err(e));
                return;
            }
            if self.step == before {
                return;
            }
        }
    }

    fn advance_once(&mut self, now: Timestamp) -> Result<(), ClientError> {
        match self.step {
            BuyStep::Bidding => {
                if let Clearance::Local(_) = self.base.clearance {
                    self.step = BuyStep::Local;
                    return Ok(());
                }
                let Some(r) = &mut self.base.remote else {
                    return Ok(());
                };
                if let (true, Some(txid)) = (r.has_tx(), r.tx_id()) {
                    let txid = txid.to_owned();
                    r.send(
                        MessageKind::WorkHashes,
                        vec![
                            self.work_hash.to_string(),
                            self.work_secret_hash.to_string(),
                        ],
                    );
                    self.base.emit(EventKind::Matched { tx: txid });
                    self.step = BuyStep::Establishing;
                }
            }
            BuyStep::Establishing => {
                if self
                    .base
                    .phase_reached(Phase::Transmitting, &TO_TRANSMITTING)?
                {
                    let worker_url = self
                        .base
                        .remote
                        .as_ref()
                        .and_then(|r| r.tx())
                        .and_then(|t| t.worker_url.clone())
                        .ok_or_else(|| ClientError::BadAnswer {
                            expected: "a worker URL in TRANSMITTING",
                            found: "none".to_owned(),
                        })?;
                    self.base.rearm_watchdog();
                    self.base.emit(EventKind::Transmit {
                        worker_url,
                        work_hash: self.work_hash,
                        buyer_secret: self.buyer_secret,
                    });
                    self.step = BuyStep::Transferring;
                }
            }
            BuyStep::Transferring => {
                self.base.watch(now, BUYER_TRANSFER);
                // The phase may run ahead of the transfer's report; only
                // leaving the flow's phases ends the buy here.
                let _ = self.base.phase_reached(Phase::Unverified, &TO_UNVERIFIED)?;
            }
            BuyStep::AwaitingResult => {
                if self.base.phase_reached(Phase::Unverified, &TO_UNVERIFIED)? {
                    let tx = self.base.remote.as_ref().and_then(|r| r.tx());
                    let published = tx
                        .and_then(|t| t.encrypted_result_receipt.as_ref())
                        .map(|r| r.hash);
                    let key = tx.and_then(|t| t.result_decryption_key);
                    if self.received.is_some() && published != self.received {
                        return Err(ClientError::ResultMismatch);
                    }
                    let Some(key) = key else {
                        return Err(ClientError::BadAnswer {
                            expected: "a result key in UNVERIFIED",
                            found: "none".to_owned(),
                        });
                    };
                    self.base.emit(EventKind::ResultReady {
                        decryption_key: Some(key),
                        local_peer: None,
                    });
                    self.step = BuyStep::ResultReady;
                }
            }
            BuyStep::ResultReady => {
                // The key is out; a retirement now (the seller was paid on
                // UNVERIFIED's timeout) still counts as a success.
                if let Some(tx) = self.base.remote.as_ref().and_then(|r| r.tx())
                    && tx.state == TxState::Retired
                {
                    if tx.phase.pays_seller() {
                        self.end(Ok(()));
                    } else {
                        return Err(ClientError::TxInactive {
                            awaited: Phase::Finished,
                            phase: tx.phase,
                        });
                    }
                }
            }
            BuyStep::Accepting => {
                let via = [Phase::Unverified];
                let Some(tx) = self.base.remote.as_ref().and_then(|r| r.tx()) else {
                    return Ok(());
                };
                if tx.state == TxState::Retired {
                    if tx.phase.pays_seller() {
                        self.end(Ok(()));
                    } else {
                        return Err(ClientError::TxInactive {
                            awaited: Phase::Finished,
                            phase: tx.phase,
                        });
                    }
                } else if tx.phase != Phase::Finished && !via.contains(&tx.phase) {
                    return Err(ClientError::UnexpectedPhase {
                        awaited: Phase::Finished,
                        phase: tx.phase,
                    });
                }
            }
            BuyStep::Local | BuyStep::Ended => {}
        }
        Ok(())
    }
}

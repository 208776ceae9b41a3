//! The seller's trade (spec section 20.6): name the worker URL, receive the
//! work, check it against the buyer's commitment, publish the secret, run
//! the worker, publish the result's receipt and key; or refuse the work.

use crate::article::Article;
use crate::bid::BidType;
use crate::hash::{Hash256, sha256_concat};
use crate::key::PrivateKey;
use crate::signature::{Signature, verify_message_in};
use crate::time::Timestamp;
use crate::tx::document::receipt_document;
use crate::tx::{MessageKind, Phase, TxState};

use super::trade::{Clearance, TradeBase};
use super::watchdog::SELLER_WORK;
use super::worker::{WorkerAnswer, WorkerId};
use super::{ActivityKey, Answer, ClientConfig, ClientError, EventKind, RequestId};

/// Where a sell is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SellStep {
    /// Waiting for clearance, tokens, the match.
    Bidding,
    /// Matched: waiting for the driver's worker URL.
    AwaitingWorkerUrl,
    /// `workerurl` sent: waiting for the buyer's work.
    AwaitingWork,
    /// The work arrived: waiting for the transaction to show `TRANSMITTING`.
    CheckingWork,
    /// `buyersecret` sent; the worker works.
    Working,
    /// The worker is done; waiting for the buyer's receipt.
    AwaitingReceipt,
    /// The result message is sent; waiting for `UNVERIFIED`.
    Publishing,
    /// `rejectwork` sent after the worker failed.
    Rejecting,
    /// A local match: the worker works for the local buy.
    Local,
    /// Over.
    Ended,
}

impl SellStep {
    /// The step's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SellStep::Bidding => "bidding",
            SellStep::AwaitingWorkerUrl => "awaiting-worker-url",
            SellStep::AwaitingWork => "awaiting-work",
            SellStep::CheckingWork => "checking-work",
            SellStep::Working => "working",
            SellStep::AwaitingReceipt => "awaiting-receipt",
            SellStep::Publishing => "publishing",
            SellStep::Rejecting => "rejecting",
            SellStep::Local => "local",
            SellStep::Ended => "ended",
        }
    }
}

/// A sell, on behalf of one worker.
#[derive(Debug, Clone)]
pub struct SellTrade {
    pub(crate) base: TradeBase,
    step: SellStep,
    worker: WorkerId,
    push_url: String,
    result_key: Hash256,
    /// The work received: its hash and the buyer's secret.
    work: Option<(Hash256, Hash256)>,
    worker_error: Option<String>,
}

/// Phases a sell passes after naming its worker URL.
const AFTER_WORKER_URL: [Phase; 4] = [
    Phase::Establishing,
    Phase::BuyerEstablished,
    Phase::SellerEstablished,
    Phase::Transmitting,
];

impl SellTrade {
    /// A sell of `article` for `worker`; `result_key` is 32 random bytes
    /// from the driver (BW-CLIENT-18).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        key: ActivityKey,
        article: Article,
        identity: PrivateKey,
        config: ClientConfig,
        worker: WorkerId,
        push_url: String,
        result_key: [u8; 32],
    ) -> SellTrade {
        let local_only = config.local_only_sells;
        SellTrade {
            base: TradeBase::new(key, BidType::Sell, article, identity, config, local_only),
            step: SellStep::Bidding,
            worker,
            push_url,
            result_key: Hash256::from_byte_array(result_key),
            work: None,
            worker_error: None,
        }
    }

    /// The step the sell is in.
    pub fn step(&self) -> SellStep {
        self.step
    }

    /// The worker it sells for.
    pub fn worker(&self) -> &WorkerId {
        &self.worker
    }

    fn end(&mut self, result: Result<(), ClientError>) {
        self.step = SellStep::Ended;
        self.base.finish(result);
    }

    fn wrong(&self, input: &'static str) -> ClientError {
        ClientError::WrongState {
            input,
            state: self.step.as_str(),
        }
    }

    fn tx(&self) -> Option<&crate::wire::TransactionJson> {
        self.base.remote.as_ref().and_then(|r| r.tx())
    }

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

    pub(crate) fn handle_timeout(&mut self, now: Timestamp) {
        self.advance(now);
    }

    /// The driver's endpoint for the buyer (BW-CLIENT-18).
    pub(crate) fn set_worker_url(
        &mut self,
        now: Timestamp,
        url: String,
    ) -> Result<(), ClientError> {
        if self.step != SellStep::AwaitingWorkerUrl {
            return Err(self.wrong("set-worker-url"));
        }
        if let Some(r) = &mut self.base.remote {
            r.send(MessageKind::WorkerUrl, vec![url]);
        }
        self.step = SellStep::AwaitingWork;
        self.advance(now);
        Ok(())
    }

    /// The whole work arrived with the buyer's secret (BW-CLIENT-19).
    pub(crate) fn work_received(
        &mut self,
        now: Timestamp,
        work_hash: Hash256,
        buyer_secret: Hash256,
    ) -> Result<(), ClientError> {
        if self.step != SellStep::AwaitingWork {
            return Err(self.wrong("work-received"));
        }
        self.work = Some((work_hash, buyer_secret));
        self.step = SellStep::CheckingWork;
        if let Some(r) = &mut self.base.remote {
            r.poll_soon(now);
        }
        self.advance(now);
        Ok(())
    }

    /// What the worker answered (BW-CLIENT-20).
    pub(crate) fn worker_answer(
        &mut self,
        now: Timestamp,
        answer: &WorkerAnswer,
    ) -> Result<(), ClientError> {
        match (self.step, answer) {
            (SellStep::Working, WorkerAnswer::Done) => {
                self.step = SellStep::AwaitingReceipt;
                self.base.emit(EventKind::SendResult {
                    result_key: self.result_key,
                });
            }
            (SellStep::Working, failure) => {
                self.worker_error = Some(failure.to_string());
                if let Some(r) = &mut self.base.remote {
                    r.send(MessageKind::RejectWork, vec!["on".to_owned()]);
                }
                self.step = SellStep::Rejecting;
            }
            (SellStep::Local, WorkerAnswer::Done) => self.end(Ok(())),
            (SellStep::Local, failure) => self.end(Err(ClientError::WorkerFailed {
                reason: failure.to_string(),
            })),
            _ => return Err(self.wrong("worker-answer")),
        }
        self.advance(now);
        Ok(())
    }

    /// The buyer's receipt for the encrypted result (BW-CLIENT-21). A bad
    /// receipt is refused and leaves the sell as it was.
    pub(crate) fn receipt(
        &mut self,
        now: Timestamp,
        hash: Hash256,
        signature: Signature,
    ) -> Result<(), ClientError> {
        if self.step != SellStep::AwaitingReceipt {
            return Err(self.wrong("receipt"));
        }
        let buyer = self
            .tx()
            .map(|t| t.buyer)
            .ok_or_else(|| self.wrong("receipt"))?;
        verify_message_in(
            self.base.config.verify_mode,
            &buyer,
            receipt_document(&hash).as_bytes(),
            &signature,
        )
        .map_err(|_| ClientError::BadReceipt)?;
        if let Some(r) = &mut self.base.remote {
            r.send(
                MessageKind::Result,
                vec![
                    hash.to_string(),
                    signature.to_base64(),
                    self.result_key.to_string(),
                ],
            );
        }
        self.step = SellStep::Publishing;
        self.advance(now);
        Ok(())
    }

    pub(crate) fn cancel(&mut self) {
        if self.base.alive() {
            self.end(Err(ClientError::Cancelled));
        }
    }

    pub(crate) fn advance(&mut self, now: Timestamp) {
        loop {
            if !self.base.alive() {
                self.step = SellStep::Ended;
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

    /// A sell is paid once the transaction reached `UNVERIFIED` or
    /// `FINISHED`; it does not wait for more (BW-CLIENT-22).
    fn paid_phase(&self) -> bool {
        self.tx().is_some_and(|t| t.phase.pays_seller())
    }

    fn advance_once(&mut self, now: Timestamp) -> Result<(), ClientError> {
        let after_match = !matches!(
            self.step,
            SellStep::Bidding | SellStep::Local | SellStep::Ended
        );
        if after_match && self.step != SellStep::Rejecting && self.paid_phase() {
            self.end(Ok(()));
            return Ok(());
        }
        match self.step {
            SellStep::Bidding => {
                if let Clearance::Local(buy) = self.base.clearance {
                    self.base.emit(EventKind::PushWork {
                        worker: self.worker.clone(),
                        push_url: self.push_url.clone(),
                        local_buy: Some(buy),
                    });
                    self.step = SellStep::Local;
                    return Ok(());
                }
                if let Some(r) = &self.base.remote
                    && r.has_tx()
                {
                    let tx = r.tx_id().unwrap_or_default().to_owned();
                    self.base.emit(EventKind::Matched { tx: tx.clone() });
                    self.base.emit(EventKind::WorkerUrlNeeded { tx });
                    self.step = SellStep::AwaitingWorkerUrl;
                }
            }
            SellStep::AwaitingWorkerUrl | SellStep::AwaitingWork => {
                // WORKING follows only our own `buyersecret`: until the
                // work is here, this only notices an end on the way.
                let _ = self.base.phase_reached(Phase::Working, &AFTER_WORKER_URL)?;
            }
            SellStep::CheckingWork => {
                let Some((work_hash, secret)) = self.work else {
                    return Ok(());
                };
                let Some(tx) = self.tx() else {
                    return Ok(());
                };
                if tx.phase != Phase::Transmitting {
                    if tx.state == TxState::Retired || now >= tx.timeout {
                        return Err(ClientError::EstablishTimeout);
                    }
                    return self
                        .base
                        .phase_reached(Phase::Transmitting, &AFTER_WORKER_URL)
                        .map(|_| ());
                }
                if tx.work_hash != Some(work_hash) {
                    return Err(ClientError::WorkMismatch { which: "workhash" });
                }
                let expected = sha256_concat(&[work_hash.as_bytes(), secret.as_bytes()]);
                if tx.work_secret_hash != Some(expected) {
                    return Err(ClientError::WorkMismatch {
                        which: "worksecrethash",
                    });
                }
                if let Some(r) = &mut self.base.remote {
                    r.send(MessageKind::BuyerSecret, vec![secret.to_string()]);
                }
                self.base.rearm_watchdog();
                self.base.emit(EventKind::PushWork {
                    worker: self.worker.clone(),
                    push_url: self.push_url.clone(),
                    local_buy: None,
                });
                self.step = SellStep::Working;
            }
            SellStep::Working => {
                self.base.watch(now, SELLER_WORK);
                let _ = self
                    .base
                    .phase_reached(Phase::Unverified, &[Phase::Transmitting, Phase::Working])?;
            }
            SellStep::AwaitingReceipt | SellStep::Publishing => {
                let _ = self
                    .base
                    .phase_reached(Phase::Unverified, &[Phase::Transmitting, Phase::Working])?;
            }
            SellStep::Rejecting => {
                if self
                    .base
                    .remote
                    .as_ref()
                    .is_some_and(|r| r.delivered(MessageKind::RejectWork))
                    || self.tx().is_some_and(|t| t.phase == Phase::WorkDisputed)
                {
                    let reason = self.worker_error.clone().unwrap_or_default();
                    self.end(Err(ClientError::WorkerFailed { reason }));
                    return Ok(());
                }
                let _ = self
                    .base
                    .phase_reached(Phase::WorkDisputed, &[Phase::Transmitting, Phase::Working])?;
            }
            SellStep::Local | SellStep::Ended => {}
        }
        Ok(())
    }
}

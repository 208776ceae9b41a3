//! What buys and sells have in common (spec section 20.3): clearance by a
//! mandate, an explicit price or a local match; the server side; events;
//! waiting for phases; the end.

use std::collections::VecDeque;

use crate::article::Article;
use crate::bid::BidType;
use crate::key::PrivateKey;
use crate::money::Money;
use crate::time::Timestamp;
use crate::tx::{Phase, TxState};

use super::remote::Remote;
use super::watchdog::Watchdog;
use super::{ActivityKey, ClientConfig, ClientError, Event, EventKind};

/// How a trade was cleared for trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clearance {
    /// Neither published nor matched locally yet.
    Awaiting,
    /// Published at this price: it bids on the server.
    Published(Money),
    /// Matched with a local activity.
    Local(ActivityKey),
}

/// The shared state of a trade.
#[derive(Debug, Clone)]
pub(crate) struct TradeBase {
    pub(crate) key: ActivityKey,
    pub(crate) bid_type: BidType,
    pub(crate) article: Article,
    pub(crate) identity: PrivateKey,
    pub(crate) config: ClientConfig,
    pub(crate) clearance: Clearance,
    /// A local-only sell is never published.
    pub(crate) local_only: bool,
    pub(crate) remote: Option<Remote>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) outcome: Option<Result<(), ClientError>>,
    /// Whether the watchdog has fired.
    watchdog_fired: bool,
}

impl TradeBase {
    pub(crate) fn new(
        key: ActivityKey,
        bid_type: BidType,
        article: Article,
        identity: PrivateKey,
        config: ClientConfig,
        local_only: bool,
    ) -> TradeBase {
        TradeBase {
            key,
            bid_type,
            article,
            identity,
            config,
            clearance: Clearance::Awaiting,
            local_only,
            remote: None,
            events: VecDeque::new(),
            outcome: None,
            watchdog_fired: false,
        }
    }

    pub(crate) fn emit(&mut self, kind: EventKind) {
        self.events.push_back(Event {
            key: self.key,
            kind,
        });
    }

    pub(crate) fn alive(&self) -> bool {
        self.outcome.is_none()
    }

    /// Whether the trade can still be published or matched locally.
    pub(crate) fn awaiting_clearance(&self) -> bool {
        self.alive() && self.clearance == Clearance::Awaiting
    }

    /// Publishes at `price` (BW-CLIENT-3); refused for local-only trades
    /// and trades already cleared.
    pub(crate) fn publish(&mut self, price: Money) -> bool {
        if self.local_only || !self.awaiting_clearance() {
            return false;
        }
        self.clearance = Clearance::Published(price);
        self.emit(EventKind::Published { price });
        true
    }

    /// Links the trade with the local activity `peer` (BW-CLIENT-4).
    pub(crate) fn link_local(&mut self, peer: ActivityKey) {
        self.clearance = Clearance::Local(peer);
        self.emit(EventKind::LocalMatch { peer });
    }

    /// Whether the trade is published and waits for its tokens.
    pub(crate) fn awaiting_tokens(&self) -> bool {
        self.alive() && matches!(self.clearance, Clearance::Published(_)) && self.remote.is_none()
    }

    /// Whether the trade holds its unmatched-bid token (BW-CLIENT-5): from
    /// the start of the bid until the transaction is known.
    pub(crate) fn holds_unmatched(&self) -> bool {
        self.alive() && self.remote.as_ref().is_some_and(|r| !r.has_tx())
    }

    /// Starts bidding at `now` (the manager granted the tokens).
    pub(crate) fn start(&mut self, now: Timestamp) {
        if let Clearance::Published(price) = self.clearance {
            self.remote = Some(Remote::new(
                now,
                self.key,
                self.identity.clone(),
                self.bid_type,
                self.article.clone(),
                price,
                self.config.clone(),
            ));
        }
    }

    /// Ends the trade with `result`; nothing more is sent, except messages
    /// already under way.
    pub(crate) fn finish(&mut self, result: Result<(), ClientError>) {
        if self.outcome.is_some() {
            return;
        }
        if let Some(r) = &mut self.remote {
            r.stop();
        }
        self.outcome = Some(result.clone());
        self.emit(EventKind::Finished { result });
    }

    /// Where the transaction is relative to `target` (BW-CLIENT-11):
    /// `Ok(true)` reached, `Ok(false)` still on the way (in `via` and active,
    /// or not fetched yet), otherwise the error that ends the wait: a phase
    /// outside `via`, or retirement on the way.
    pub(crate) fn phase_reached(&self, target: Phase, via: &[Phase]) -> Result<bool, ClientError> {
        let Some(tx) = self.remote.as_ref().and_then(Remote::tx) else {
            return Ok(false);
        };
        if tx.phase == target {
            return Ok(true);
        }
        if !via.contains(&tx.phase) {
            return Err(ClientError::UnexpectedPhase {
                awaited: target,
                phase: tx.phase,
            });
        }
        if tx.state == TxState::Retired {
            return Err(ClientError::TxInactive {
                awaited: target,
                phase: tx.phase,
            });
        }
        Ok(false)
    }

    /// Fires the watchdog once if `dog` no longer permits the flow at `now`
    /// (BW-CLIENT-17).
    pub(crate) fn watch(&mut self, now: Timestamp, dog: Watchdog) {
        let Some(tx) = self.remote.as_ref().and_then(Remote::tx) else {
            return;
        };
        if !self.watchdog_fired && !dog.permits(tx, now) {
            self.watchdog_fired = true;
            self.emit(EventKind::CloseConnections);
        }
    }

    /// A new flow starts: the watchdog may fire again.
    pub(crate) fn rearm_watchdog(&mut self) {
        self.watchdog_fired = false;
    }

    /// Hands an answer to the server side; an error ends the trade.
    pub(crate) fn remote_answer(
        &mut self,
        now: Timestamp,
        id: super::RequestId,
        answer: super::Answer,
    ) -> Result<(), ClientError> {
        let Some(r) = &mut self.remote else {
            return Err(ClientError::UnknownRequest);
        };
        if !r.expects(id) {
            return Err(ClientError::UnknownRequest);
        }
        if let Err(e) = r.handle_answer(now, id, answer) {
            self.finish(Err(e));
        }
        Ok(())
    }

    /// The tx's phase name, else the bid's state name, else `LOCAL (#k)`,
    /// else empty (BitWrk 0.7's activity listing).
    pub(crate) fn phase_text(&self) -> String {
        if let Some(r) = &self.remote {
            if let Some(tx) = r.tx() {
                return tx.phase.as_str().to_owned();
            }
            if let Some(b) = r.bid() {
                return b.state.as_str().to_owned();
            }
        }
        if let Clearance::Local(peer) = self.clearance {
            return format!("LOCAL ({peer})");
        }
        String::new()
    }
}

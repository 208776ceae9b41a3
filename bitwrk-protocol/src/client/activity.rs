//! The activity manager (spec section 20.3): the client's buys and sells,
//! local matching, clearance by mandates, the token limits, workers, and
//! the history the local API lists.

use std::collections::{BTreeMap, VecDeque};

use crate::article::Article;
use crate::bid::BidType;
use crate::hash::Hash256;
use crate::key::PrivateKey;
use crate::money::Money;
use crate::signature::Signature;
use crate::time::Timestamp;
use crate::tx::TxState;

use super::buyer::BuyTrade;
use super::mandate::{Mandate, Mandates};
use super::remote::Remote;
use super::seller::SellTrade;
use super::trade::{Clearance, TradeBase};
use super::worker::{WorkerAnswer, WorkerId, WorkerInfo, Workers};
use super::{ActivityKey, Answer, ClientConfig, ClientError, Event, RequestId, ServerRequest};

/// A buy or a sell.
#[derive(Debug, Clone)]
pub enum Activity {
    /// A buy.
    Buy(BuyTrade),
    /// A sell.
    Sell(SellTrade),
}

impl Activity {
    fn base(&self) -> &TradeBase {
        match self {
            Activity::Buy(b) => &b.base,
            Activity::Sell(s) => &s.base,
        }
    }

    fn base_mut(&mut self) -> &mut TradeBase {
        match self {
            Activity::Buy(b) => &mut b.base,
            Activity::Sell(s) => &mut s.base,
        }
    }

    fn advance(&mut self, now: Timestamp) {
        match self {
            Activity::Buy(b) => b.advance(now),
            Activity::Sell(s) => s.advance(now),
        }
    }

    fn info(&self) -> ActivityInfo {
        let base = self.base();
        let remote = base.remote.as_ref();
        ActivityInfo {
            key: base.key,
            bid_type: base.bid_type,
            article: base.article.clone(),
            alive: base.alive(),
            accepted: base.local_only || base.clearance != Clearance::Awaiting,
            amount: match base.clearance {
                Clearance::Published(p) => Some(p),
                _ => None,
            },
            bid_id: remote.and_then(|r| r.bid_id()).map(str::to_owned),
            tx_id: remote.and_then(|r| r.tx_id()).map(str::to_owned),
            error: match &base.outcome {
                Some(Err(e)) => Some(e.clone()),
                _ => None,
            },
            phase: base.phase_text(),
        }
    }
}

/// An activity as the local API lists it (BitWrk 0.7's `/activities`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityInfo {
    /// Its key.
    pub key: ActivityKey,
    /// Buy or sell.
    pub bid_type: BidType,
    /// The article.
    pub article: Article,
    /// Whether it has not ended.
    pub alive: bool,
    /// Whether it was cleared (published, matched locally, or local-only).
    pub accepted: bool,
    /// The published price.
    pub amount: Option<Money>,
    /// The bid's identifier.
    pub bid_id: Option<String>,
    /// The transaction's identifier.
    pub tx_id: Option<String>,
    /// Why it failed.
    pub error: Option<ClientError>,
    /// The transaction's phase, the bid's state, `LOCAL (#k)` or empty.
    pub phase: String,
}

/// The client's trading, sans-IO (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct ActivityManager {
    identity: PrivateKey,
    config: ClientConfig,
    next_key: u64,
    live: BTreeMap<ActivityKey, Activity>,
    history: VecDeque<ActivityInfo>,
    /// Sells that ended paid while their transaction was still active:
    /// polled on until it retires, for the listing's phase (BW-CLIENT-35).
    followed: BTreeMap<ActivityKey, Remote>,
    mandates: Mandates,
    workers: Workers,
    events: VecDeque<Event>,
    /// The latest `now` of any input: deadlines at or before it were
    /// handled and are not reported by `poll_timeout` again.
    latest: Timestamp,
}

impl ActivityManager {
    /// A manager trading under `identity`.
    pub fn new(identity: PrivateKey, config: ClientConfig) -> ActivityManager {
        ActivityManager {
            identity,
            config,
            next_key: 1,
            live: BTreeMap::new(),
            history: VecDeque::new(),
            followed: BTreeMap::new(),
            mandates: Mandates::default(),
            workers: Workers::default(),
            events: VecDeque::new(),
            latest: Timestamp::EPOCH,
        }
    }

    fn issue_key(&mut self) -> ActivityKey {
        let key = ActivityKey(self.next_key);
        self.next_key += 1;
        key
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Grants a mandate at `now` (BW-CLIENT-2, BW-CLIENT-3): it applies at
    /// once to every activity still awaiting clearance.
    pub fn add_mandate(&mut self, now: Timestamp, mandate: Mandate) -> ActivityKey {
        let key = self.issue_key();
        self.mandates.insert(key, mandate);
        let waiting: Vec<ActivityKey> = self
            .live
            .iter()
            .filter(|(_, a)| a.base().awaiting_clearance())
            .map(|(k, _)| *k)
            .collect();
        for k in waiting {
            self.clear_by_mandate(now, k);
        }
        self.settle(now);
        key
    }

    /// Revokes a mandate; whether there was one.
    pub fn revoke_mandate(&mut self, key: ActivityKey) -> bool {
        self.mandates.revoke(key)
    }

    /// The mandates in force.
    pub fn mandates(&self) -> &Mandates {
        &self.mandates
    }

    /// The registered workers.
    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// Starts a buy of `article` for work whose SHA-256 is `work_hash`,
    /// at `price` if given, else as a mandate allows (BW-CLIENT-3,
    /// BW-CLIENT-4). `secret` is 32 random bytes (the buyer's secret).
    pub fn buy(
        &mut self,
        now: Timestamp,
        article: Article,
        price: Option<Money>,
        work_hash: Hash256,
        secret: [u8; 32],
    ) -> ActivityKey {
        let key = self.issue_key();
        let trade = BuyTrade::new(
            key,
            article,
            self.identity.clone(),
            self.config.clone(),
            work_hash,
            secret,
        );
        self.register(now, Activity::Buy(trade), price);
        key
    }

    /// Registers a worker, or marks a known one idle again.
    pub fn register_worker(&mut self, info: WorkerInfo) {
        self.workers.register(info);
    }

    /// Unregisters a worker; a running sell goes on.
    pub fn unregister_worker(&mut self, id: &WorkerId) -> bool {
        self.workers.unregister(id)
    }

    /// A worker for which the driver should create a sell now
    /// ([`sell`](Self::sell)), if any: registered, idle, without a sell,
    /// not held back after a failure (BW-CLIENT-20).
    pub fn poll_idle_worker(&self, now: Timestamp) -> Option<WorkerId> {
        self.workers.offerable(now).map(|w| w.info.id.clone())
    }

    /// Starts a sell for `worker` (BW-CLIENT-18); `result_key` is 32
    /// random bytes (the key the result is encrypted with).
    pub fn sell(
        &mut self,
        now: Timestamp,
        worker: &WorkerId,
        result_key: [u8; 32],
    ) -> Result<ActivityKey, ClientError> {
        let Some(w) = self.workers.get(worker).filter(|w| w.offerable(now)) else {
            return Err(ClientError::WrongState {
                input: "sell",
                state: "worker not offerable",
            });
        };
        let (article, push_url) = (w.info.article.clone(), w.info.push_url.clone());
        let key = self.issue_key();
        let trade = SellTrade::new(
            key,
            article,
            self.identity.clone(),
            self.config.clone(),
            worker.clone(),
            push_url,
            result_key,
        );
        if let Some(w) = self.workers.get_mut(worker) {
            w.selling = true;
        }
        self.register(now, Activity::Sell(trade), None);
        Ok(key)
    }

    /// Local match first, then an explicit price, then mandates
    /// (BW-CLIENT-3, BW-CLIENT-4).
    fn register(&mut self, now: Timestamp, activity: Activity, price: Option<Money>) {
        let key = activity.base().key;
        let (bid_type, article) = (activity.base().bid_type, activity.base().article.clone());
        self.live.insert(key, activity);
        let peer = self
            .live
            .iter()
            .find(|(k, a)| {
                **k != key
                    && a.base().awaiting_clearance()
                    && a.base().bid_type == bid_type.opposite()
                    && a.base().article == article
            })
            .map(|(k, _)| *k);
        if let Some(peer) = peer {
            if let Some(a) = self.live.get_mut(&key) {
                a.base_mut().link_local(peer);
            }
            if let Some(a) = self.live.get_mut(&peer) {
                a.base_mut().link_local(key);
            }
        } else if let Some(price) = price {
            if let Some(a) = self.live.get_mut(&key) {
                a.base_mut().publish(price);
            }
        } else {
            self.clear_by_mandate(now, key);
        }
        self.settle(now);
    }

    fn clear_by_mandate(&mut self, now: Timestamp, key: ActivityKey) {
        let Some(a) = self.live.get_mut(&key) else {
            return;
        };
        let base = a.base_mut();
        if !base.awaiting_clearance() || base.local_only {
            return;
        }
        if let Some(price) = self.mandates.take(now, base.bid_type, &base.article) {
            base.publish(price);
        }
    }

    /// Grants tokens, moves trades on, collects events, retires ended
    /// activities into the history (BW-CLIENT-5).
    fn settle(&mut self, now: Timestamp) {
        self.latest = self.latest.max(now);
        let keys: Vec<ActivityKey> = self.live.keys().copied().collect();
        for key in &keys {
            let Some(a) = self.live.get(key) else {
                continue;
            };
            if !a.base().awaiting_tokens() {
                continue;
            }
            let (t, art) = (a.base().bid_type, a.base().article.clone());
            let unmatched = self
                .live
                .values()
                .filter(|o| {
                    o.base().bid_type == t && o.base().article == art && o.base().holds_unmatched()
                })
                .count();
            let transmitting = self
                .live
                .values()
                .filter(|o| matches!(o, Activity::Buy(b) if b.holds_transmission()))
                .count();
            let may = unmatched < self.config.unmatched_bids
                && (t == BidType::Sell || transmitting < self.config.transmitting_bids);
            if may && let Some(a) = self.live.get_mut(key) {
                a.base_mut().start(now);
            }
        }
        for key in &keys {
            if let Some(a) = self.live.get_mut(key) {
                a.advance(now);
            }
        }
        // Local partners learn of each other's end.
        let ended_sells: Vec<(ActivityKey, ActivityKey, bool)> = self
            .live
            .values()
            .filter_map(|a| match a {
                Activity::Sell(s) => match (s.base.clearance, &s.base.outcome) {
                    (Clearance::Local(buy), Some(r)) => Some((s.base.key, buy, r.is_ok())),
                    _ => None,
                },
                Activity::Buy(_) => None,
            })
            .collect();
        for (sell, buy, ok) in ended_sells {
            if let Some(Activity::Buy(b)) = self.live.get_mut(&buy) {
                b.local_outcome(sell, ok);
            }
        }
        let ended_buys: Vec<(ActivityKey, ActivityKey)> = self
            .live
            .values()
            .filter_map(|a| match (a, a.base().clearance) {
                (Activity::Buy(b), Clearance::Local(sell)) if !b.base.alive() => {
                    Some((b.base.key, sell))
                }
                _ => None,
            })
            .collect();
        for (buy, sell) in ended_buys {
            if let Some(Activity::Sell(s)) = self.live.get_mut(&sell)
                && s.base.alive()
            {
                s.base.finish(Err(ClientError::LocalPeerGone { peer: buy }));
            }
        }
        for a in self.live.values_mut() {
            self.events.extend(a.base_mut().events.drain(..));
        }
        let ended: Vec<ActivityKey> = self
            .live
            .iter()
            .filter(|(_, a)| !a.base().alive())
            .map(|(k, _)| *k)
            .collect();
        for key in ended {
            if let Some(a) = self.live.remove(&key) {
                self.history.push_back(a.info());
                if let Activity::Sell(s) = a {
                    self.sell_ended(now, &s);
                    if let (Some(Ok(())), Some(mut r)) = (s.base.outcome, s.base.remote)
                        && r.tx().is_some_and(|t| t.state == TxState::Active)
                    {
                        r.resume();
                        self.followed.insert(key, r);
                    }
                }
                while self.history.len() > self.config.history {
                    self.history.pop_front();
                }
            }
        }
        self.follow_up();
    }

    /// Copies the followed transactions' phases into the history and
    /// stops following those retired or no longer listed (BW-CLIENT-35).
    fn follow_up(&mut self) {
        let history = &mut self.history;
        self.followed.retain(|key, r| {
            let Some(entry) = history.iter_mut().find(|i| i.key == *key) else {
                return false;
            };
            let Some(tx) = r.tx() else {
                return false;
            };
            entry.phase = tx.phase.as_str().to_owned();
            tx.state == TxState::Active
        });
    }

    /// A failed sell holds its worker back (BW-CLIENT-20).
    fn sell_ended(&mut self, now: Timestamp, sell: &SellTrade) {
        let penalty = self.config.worker_penalty;
        if let Some(w) = self.workers.get_mut(sell.worker()) {
            w.selling = false;
            if let Some(Err(e)) = &sell.base.outcome {
                w.last_error = Some(e.to_string());
                w.blocked_until = Some(now.saturating_add(penalty));
            }
        }
    }

    /// The next request for the server, if any (BW-CLIENT-1).
    pub fn poll_transmit(&mut self, now: Timestamp) -> Option<ServerRequest> {
        self.live
            .values_mut()
            .filter_map(|a| a.base_mut().remote.as_mut())
            .chain(self.followed.values_mut())
            .find_map(|r| r.poll_transmit(now))
    }

    /// The answer to request `id`. An answer for an activity that has
    /// ended meanwhile (cancelled, or ended by another input while the
    /// request was in flight) is refused with `client.unknown-request`
    /// and changes nothing; a driver may drop it.
    pub fn handle_answer(
        &mut self,
        now: Timestamp,
        id: RequestId,
        answer: Answer,
    ) -> Result<(), ClientError> {
        let result = match self.live.get_mut(&id.activity) {
            Some(Activity::Buy(b)) => b.handle_answer(now, id, answer),
            Some(Activity::Sell(s)) => s.handle_answer(now, id, answer),
            None => match self.followed.get_mut(&id.activity) {
                Some(r) if r.expects(id) => {
                    // A failure only ends the following: the sell is over.
                    if r.handle_answer(now, id, answer).is_err() {
                        self.followed.remove(&id.activity);
                    }
                    Ok(())
                }
                _ => Err(ClientError::UnknownRequest),
            },
        };
        self.settle(now);
        result
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) (or
    /// [`poll_transmit`](Self::poll_transmit)) next without a new input.
    /// Polls due now or earlier are reported as they are (the driver sends
    /// them with `poll_transmit`); other deadlines only while still ahead
    /// of the latest input, so that a driver never spins on one.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let polls = self
            .live
            .values()
            .filter_map(|a| a.base().remote.as_ref())
            .chain(self.followed.values())
            .filter_map(Remote::poll_timeout);
        // The watchdog and the seller's wait look at the tx's timeout.
        let tx_timeouts = self.live.values().filter_map(|a| {
            a.base()
                .remote
                .as_ref()
                .and_then(|r| r.tx())
                .map(|t| t.timeout)
        });
        let deadlines = tx_timeouts
            .chain(self.mandates.next_expiry())
            .chain(self.workers.next_unblock())
            .filter(|t| *t > self.latest);
        polls.chain(deadlines).min()
    }

    /// Deadlines at `now`: mandates expire, the watchdog looks, trades
    /// whose tx timed out move on (BW-CLIENT-3, BW-CLIENT-17).
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.mandates.purge(now);
        for a in self.live.values_mut() {
            match a {
                Activity::Buy(b) => b.handle_timeout(now),
                Activity::Sell(s) => s.handle_timeout(now),
            }
        }
        self.settle(now);
    }

    /// The next event for the driver.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn buy_mut(&mut self, key: ActivityKey) -> Result<&mut BuyTrade, ClientError> {
        match self.live.get_mut(&key) {
            Some(Activity::Buy(b)) => Ok(b),
            Some(Activity::Sell(_)) => Err(ClientError::WrongType {
                expected: BidType::Buy,
            }),
            None => Err(ClientError::UnknownActivity { key }),
        }
    }

    fn sell_mut(&mut self, key: ActivityKey) -> Result<&mut SellTrade, ClientError> {
        match self.live.get_mut(&key) {
            Some(Activity::Sell(s)) => Ok(s),
            Some(Activity::Buy(_)) => Err(ClientError::WrongType {
                expected: BidType::Sell,
            }),
            None => Err(ClientError::UnknownActivity { key }),
        }
    }

    fn then_settle(
        &mut self,
        now: Timestamp,
        r: Result<(), ClientError>,
    ) -> Result<(), ClientError> {
        self.settle(now);
        r
    }

    /// The buy `key`.
    pub fn buy_trade(&self, key: ActivityKey) -> Option<&BuyTrade> {
        match self.live.get(&key) {
            Some(Activity::Buy(b)) => Some(b),
            _ => None,
        }
    }

    /// The sell `key`.
    pub fn sell_trade(&self, key: ActivityKey) -> Option<&SellTrade> {
        match self.live.get(&key) {
            Some(Activity::Sell(s)) => Some(s),
            _ => None,
        }
    }

    /// Buyer: the transfer to the seller ended (BW-CLIENT-15).
    pub fn transfer_done(
        &mut self,
        now: Timestamp,
        key: ActivityKey,
        outcome: Result<Option<Hash256>, String>,
    ) -> Result<(), ClientError> {
        let r = self
            .buy_mut(key)
            .and_then(|b| b.transfer_done(now, outcome));
        self.then_settle(now, r)
    }

    /// Buyer: the result was decrypted; accept it (BW-CLIENT-16).
    pub fn accept_result(&mut self, now: Timestamp, key: ActivityKey) -> Result<(), ClientError> {
        let r = self.buy_mut(key).and_then(|b| b.accept_result(now));
        self.then_settle(now, r)
    }

    /// Seller: the endpoint the buyer sends the work to (BW-CLIENT-18).
    pub fn set_worker_url(
        &mut self,
        now: Timestamp,
        key: ActivityKey,
        url: String,
    ) -> Result<(), ClientError> {
        let r = self.sell_mut(key).and_then(|s| s.set_worker_url(now, url));
        self.then_settle(now, r)
    }

    /// Seller: the whole work arrived, with the buyer's secret
    /// (BW-CLIENT-19).
    pub fn work_received(
        &mut self,
        now: Timestamp,
        key: ActivityKey,
        work_hash: Hash256,
        buyer_secret: Hash256,
    ) -> Result<(), ClientError> {
        let r = self
            .sell_mut(key)
            .and_then(|s| s.work_received(now, work_hash, buyer_secret));
        self.then_settle(now, r)
    }

    /// Seller: how the work push to the worker ended (BW-CLIENT-20).
    pub fn worker_answer(
        &mut self,
        now: Timestamp,
        key: ActivityKey,
        answer: WorkerAnswer,
    ) -> Result<(), ClientError> {
        let r = self.sell_mut(key).and_then(|s| {
            let worker = s.worker().clone();
            s.worker_answer(now, &answer).map(|()| worker)
        });
        let r = r.map(|worker| self.workers.pushed(&worker, &answer));
        self.then_settle(now, r)
    }

    /// Seller: the buyer's receipt for the encrypted result (BW-CLIENT-21).
    pub fn receipt(
        &mut self,
        now: Timestamp,
        key: ActivityKey,
        hash: Hash256,
        signature: Signature,
    ) -> Result<(), ClientError> {
        let r = self
            .sell_mut(key)
            .and_then(|s| s.receipt(now, hash, signature));
        self.then_settle(now, r)
    }

    /// Ends an activity (BW-CLIENT-24): nothing more is sent for it.
    pub fn cancel(&mut self, now: Timestamp, key: ActivityKey) -> Result<(), ClientError> {
        let r = match self.live.get_mut(&key) {
            Some(Activity::Buy(b)) => {
                b.cancel();
                Ok(())
            }
            Some(Activity::Sell(s)) => {
                s.cancel();
                Ok(())
            }
            None => Err(ClientError::UnknownActivity { key }),
        };
        self.then_settle(now, r)
    }

    /// The live activities and the history, by key (BitWrk 0.7's
    /// `/activities`).
    pub fn activities(&self) -> Vec<ActivityInfo> {
        let mut all: Vec<ActivityInfo> = self
            .history
            .iter()
            .cloned()
            .chain(self.live.values().map(Activity::info))
            .collect();
        all.sort_by_key(|i| i.key);
        all
    }
}

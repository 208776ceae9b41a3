//! The trade driver: a thin loop around the protocol library's sans-IO
//! trading core ([`ActivityManager`]) and client-to-client machines
//! ([`BuyerTransfer`], and the seller's in [`super::sell`]).
//!
//! The loop sends the manager's server requests, hands back the answers,
//! calls its timeouts, turns idle workers into sells, and performs the
//! events: transfers to sellers, work pushes to workers, the result for
//! the waiting `/buy` request. State the daemon keeps besides the manager
//! is only what the effects need: the bytes (work, results, ciphertexts)
//! and the open endpoints.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bitwrk_protocol::article::Article;
use bitwrk_protocol::c2c::{BuyerTransfer, ResultKey};
use bitwrk_protocol::client::{
    ActivityKey, ActivityManager, ClientConfig, Event, EventKind, WorkerAnswer, WorkerId,
    WorkerInfo,
};
use bitwrk_protocol::{ErrorCode, Hash256, Money, PrivateKey};
use tokio::sync::oneshot;

use super::error::DaemonError;
use super::records::{ActivityInfo, mandate_record};
use super::sell::SellEndpoint;
use super::store::UNFETCHED;
use super::{Config, Daemon};

/// Pin owner prefix of a live trade's files.
pub const TRADE_PIN: &str = "trade:";

/// Largest result accepted from a seller or a worker.
pub const RESULT_LIMIT: u64 = 1 << 30;

/// What the driver keeps per activity for the effects.
#[derive(Debug, Default)]
struct Effects {
    /// The `/buy` request waiting for its result.
    waiters: HashMap<ActivityKey, oneshot::Sender<Result<Hash256, String>>>,
    /// A buy's work, or the work a sell received (keys in the store).
    works: HashMap<ActivityKey, Hash256>,
    /// A sell's plaintext result from its worker (key in the store).
    results: HashMap<ActivityKey, Hash256>,
    /// A buy's transfer and the ciphertext it received (key in the store).
    transfers: HashMap<ActivityKey, (BuyerTransfer, Hash256)>,
    /// A sell's result key.
    result_keys: HashMap<ActivityKey, [u8; 32]>,
    /// A sell's endpoint key and endpoint.
    endpoints: HashMap<ActivityKey, (String, Arc<SellEndpoint>)>,
    /// Transfer progress: bytes in all, to transfer, transferred (a buy's
    /// work sent, a sell's work received), shown live by `/activities`.
    progress: HashMap<ActivityKey, (u64, u64, u64)>,
    /// Running transfer or push tasks, to abort on CloseConnections.
    tasks: HashMap<ActivityKey, tokio::task::AbortHandle>,
    /// Workers with a push under way, and the registration that arrived
    /// meanwhile (a worker re-registers as soon as it has answered, which
    /// can be before the driver has handed the answer to the core).
    pushing: HashMap<WorkerId, Option<WorkerInfo>>,
}

/// The driver's shared state.
#[derive(Debug)]
pub struct Trades {
    mgr: Mutex<ActivityManager>,
    effects: Mutex<Effects>,
    kick: tokio::sync::Notify,
    /// Added to the manager's keys for the local API and the store, so that
    /// keys of before a restart are never reused (the manager starts at 1).
    pub offset: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn random32() -> Result<[u8; 32], DaemonError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| DaemonError::Randomness {
        detail: e.to_string(),
    })?;
    Ok(b)
}

impl Trades {
    /// The driver trading as `identity` with `config`.
    pub fn new(identity: PrivateKey, config: &Config, offset: u64) -> Trades {
        let cc = ClientConfig {
            unmatched_bids: config.num_unmatched_bids as usize,
            transmitting_bids: config.num_transmitting_bids as usize,
            local_only_sells: config.extport <= 0,
            ..ClientConfig::default()
        };
        Trades {
            mgr: Mutex::new(ActivityManager::new(identity, cc)),
            effects: Mutex::new(Effects::default()),
            kick: tokio::sync::Notify::new(),
            offset,
        }
    }

    /// Runs `f` on the manager and wakes the loop.
    pub fn with<R>(&self, f: impl FnOnce(&mut ActivityManager) -> R) -> R {
        let r = f(&mut lock(&self.mgr));
        self.kick.notify_one();
        r
    }

    /// Runs `f` on the manager without waking the loop.
    fn read_mut<R>(&self, f: impl FnOnce(&mut ActivityManager) -> R) -> R {
        f(&mut lock(&self.mgr))
    }

    /// Reads the manager.
    pub fn read<R>(&self, f: impl FnOnce(&ActivityManager) -> R) -> R {
        f(&lock(&self.mgr))
    }

    /// The local API's key of manager key `k`.
    pub fn public_key(&self, k: ActivityKey) -> u64 {
        self.offset + k.0
    }

    /// The manager's key of local API key `n`.
    pub fn manager_key(&self, n: u64) -> Option<ActivityKey> {
        n.checked_sub(self.offset)
            .filter(|k| *k > 0)
            .map(ActivityKey)
    }

    /// Registers a worker, or marks it idle again; a registration that
    /// arrives while the worker's push is still being answered is applied
    /// after the answer.
    pub fn register_worker(&self, info: WorkerInfo) {
        self.with(|m| {
            let mut fx = lock(&self.effects);
            match fx.pushing.get_mut(&info.id) {
                Some(pending) => *pending = Some(info),
                None => m.register_worker(info),
            }
        });
    }

    /// The work a sell received (for its worker).
    pub fn set_sell_work(&self, key: ActivityKey, work: Hash256) {
        lock(&self.effects).works.insert(key, work);
    }

    /// The work of a buy or sell, by its key in the store.
    pub fn work_of(&self, key: ActivityKey) -> Option<Hash256> {
        lock(&self.effects).works.get(&key).copied()
    }

    /// A sell's worker result, once there.
    pub fn sell_result(&self, key: ActivityKey) -> Option<Hash256> {
        lock(&self.effects).results.get(&key).copied()
    }

    /// Records a transfer's progress: bytes in all, to transfer,
    /// transferred.
    pub fn set_progress(&self, key: ActivityKey, total: u64, to_transfer: u64, done: u64) {
        lock(&self.effects)
            .progress
            .insert(key, (total, to_transfer, done));
    }

    /// The progress of activity `key` (local API key), if it transferred.
    pub fn progress_of(&self, public: u64) -> Option<(u64, u64, u64)> {
        let key = self.manager_key(public)?;
        lock(&self.effects).progress.get(&key).copied()
    }

    /// A buy's finished transfer and the key of the ciphertext it stored.
    pub fn set_transfer(&self, key: ActivityKey, t: BuyerTransfer, ciphertext: Hash256) {
        lock(&self.effects).transfers.insert(key, (t, ciphertext));
    }
}

/// Writes the manager's mandates and activities to the store.
pub fn persist(daemon: &Daemon) -> Result<(), DaemonError> {
    let t = &daemon.trades;
    let (mandates, activities) = t.read(|m| {
        let mandates: Vec<(u64, String)> = m
            .mandates()
            .iter()
            .map(|(k, mandate)| (t.public_key(*k), mandate_record(mandate)))
            .collect();
        (mandates, m.activities())
    });
    daemon.store.replace_mandates(&mandates)?;
    let highest = t.read(|m| m.activities().last().map(|a| t.public_key(a.key)));
    if let Some(k) = mandates.iter().map(|(k, _)| *k).chain(highest).max() {
        daemon.store.reserve_keys(k)?;
    }
    let progress = {
        let mut fx = lock(&t.effects);
        fx.progress
            .retain(|k, _| activities.iter().any(|a| a.key == *k));
        fx.progress.clone()
    };
    for a in activities {
        let mut info = ActivityInfo::of(&a);
        if let Some(&(total, to_send, sent)) = progress.get(&a.key) {
            (
                info.bytes_total,
                info.bytes_to_transfer,
                info.bytes_transferred,
            ) = (total, to_send, sent);
        }
        daemon.save_activity(t.public_key(a.key), &info)?;
    }
    Ok(())
}

/// At start-up: trades that were live when the client stopped cannot be
/// resumed; those the server knows are followed there until settled
/// ([`super::resume`], returned), the others' records say they were
/// interrupted; their pins are dropped. Mandates are granted again (under
/// new keys above every old one).
pub fn recover(daemon: &Daemon) -> Result<Vec<super::resume::Followed>, DaemonError> {
    let (followed, rest) = super::resume::adopt(daemon, daemon.activities()?)?;
    for entry in rest {
        if entry.info.alive {
            let mut info = entry.info;
            info.alive = false;
            info.info = "interrupted: the client stopped during the trade".to_owned();
            daemon.save_activity(entry.key, &info)?;
        }
    }
    daemon.store.unpin_prefix(TRADE_PIN)?;
    let now = daemon.now();
    let stored: Vec<super::records::MandateInfo> = daemon
        .store
        .mandates()?
        .into_iter()
        .filter_map(|(_, text)| serde_json::from_str(&text).ok())
        .collect();
    daemon.trades.with(|m| {
        for info in &stored {
            if let Ok(mandate) = info.to_mandate() {
                m.add_mandate(now, mandate);
            }
        }
    });
    persist(daemon)?;
    Ok(followed)
}

/// Cancels the buy if its `/buy` request goes away first.
struct BuyGuard {
    daemon: Arc<Daemon>,
    key: ActivityKey,
    armed: bool,
}

impl Drop for BuyGuard {
    fn drop(&mut self) {
        if self.armed {
            let now = self.daemon.now();
            let _ = self.daemon.trades.with(|m| m.cancel(now, self.key));
        }
    }
}

/// Runs one buy of the stored file `work_hash`: starts the trade and
/// waits for the result's key in the content store.
pub async fn buy(
    daemon: Arc<Daemon>,
    article: &str,
    price: Option<Money>,
    work_hash: Hash256,
) -> Result<Hash256, DaemonError> {
    let article = Article::parse(article).map_err(|e| DaemonError::BadParameter {
        name: "article",
        detail: format!("{article:?}: {e}"),
    })?;
    let secret = random32()?;
    let (tx, rx) = oneshot::channel();
    let now = daemon.now();
    // The waiter goes in while the manager is locked, so the loop cannot
    // see the buy's events before it (lock order: manager, then effects).
    let key = daemon.trades.with(|m| {
        let key = m.buy(now, article, price, work_hash, secret);
        let mut fx = lock(&daemon.trades.effects);
        fx.waiters.insert(key, tx);
        fx.works.insert(key, work_hash);
        key
    });
    daemon.store.pin(
        &work_hash,
        &format!("{TRADE_PIN}{}", daemon.trades.public_key(key)),
    )?;
    let mut guard = BuyGuard {
        daemon: daemon.clone(),
        key,
        armed: true,
    };
    let outcome = rx.await;
    guard.armed = false;
    match outcome {
        Ok(Ok(hash)) => Ok(hash),
        Ok(Err(reason)) => Err(DaemonError::Trade { reason }),
        Err(_) => Err(DaemonError::Cancelled),
    }
}

/// The driver loop, until `stop`.
pub async fn drive(daemon: Arc<Daemon>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let now = daemon.now();
        // Not `with`: the loop must not wake itself.
        let (requests, events, timeout) = daemon.trades.read_mut(|m| {
            // Also settles what `buy`, `sell` and `register_worker` left
            // unsettled (they do not grant tokens themselves).
            m.handle_timeout(now);
            while let Some(w) = m.poll_idle_worker(now) {
                let Ok(result_key) = random32() else { break };
                match m.sell(now, &w, result_key) {
                    Ok(key) => {
                        lock(&daemon.trades.effects)
                            .result_keys
                            .insert(key, result_key);
                    }
                    Err(_) => break,
                }
            }
            let mut requests = Vec::new();
            while let Some(r) = m.poll_transmit(now) {
                requests.push(r);
            }
            let mut events = Vec::new();
            while let Some(e) = m.poll_event() {
                events.push(e);
            }
            (requests, events, m.poll_timeout())
        });
        if !requests.is_empty() {
            tracing::debug!(count = requests.len(), "server requests");
        }
        for req in requests {
            let d = daemon.clone();
            tokio::spawn(async move {
                let id = req.id;
                let answer = d.api.execute(&req).await;
                tracing::debug!(request = ?req.kind, path = %req.path, answer = ?answer, "server answer");
                let now = d.now();
                let _ = d.trades.with(|m| m.handle_answer(now, id, answer));
            });
        }
        let had_events = !events.is_empty();
        for ev in events {
            on_event(&daemon, ev);
        }
        if let Err(e) = persist(&daemon) {
            tracing::warn!(error = %e, "cannot persist the trades");
        }
        if had_events {
            continue;
        }
        let wait = timeout.map_or(Duration::from_secs(1), |t| {
            Duration::from_millis(t.as_millis().saturating_sub(daemon.now().as_millis()))
        });
        // A deadline already passed is handled at the top of the loop; do
        // not spin on one the manager keeps reporting.
        let wait = wait.max(Duration::from_millis(20));
        tokio::select! {
            _ = daemon.trades.kick.notified() => {}
            _ = tokio::time::sleep(wait.min(Duration::from_secs(1))) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

fn fail_waiter(daemon: &Daemon, key: ActivityKey, reason: String) {
    if let Some(w) = lock(&daemon.trades.effects).waiters.remove(&key) {
        let _ = w.send(Err(reason));
    }
}

/// Answers the waiting `/buy` request with the stored result `hash`.
fn deliver(daemon: &Daemon, key: ActivityKey, hash: Hash256) {
    if let Some(w) = lock(&daemon.trades.effects).waiters.remove(&key) {
        let _ = w.send(Ok(hash));
    }
}

fn on_event(daemon: &Arc<Daemon>, ev: Event) {
    let Event { key, kind } = ev;
    tracing::info!(activity = %key, event = ?kind, "trade event");
    let now = daemon.now();
    match kind {
        EventKind::Published { .. } | EventKind::LocalMatch { .. } | EventKind::Matched { .. } => {}
        EventKind::Transmit {
            worker_url,
            buyer_secret,
            ..
        } => {
            let d = daemon.clone();
            let handle = tokio::spawn(async move {
                let outcome = super::buy::transfer(&d, key, &worker_url, buyer_secret).await;
                let now = d.now();
                let _ = d.trades.with(|m| m.transfer_done(now, key, outcome));
            });
            lock(&daemon.trades.effects)
                .tasks
                .insert(key, handle.abort_handle());
        }
        EventKind::ResultReady {
            decryption_key,
            local_peer,
        } => {
            if let Some(peer) = local_peer {
                let result = lock(&daemon.trades.effects).results.remove(&peer);
                let pinned = result
                    .ok_or_else(|| "the local sell has no result".to_owned())
                    .and_then(|h| {
                        daemon
                            .store
                            .pin(&h, UNFETCHED)
                            .map(|()| h)
                            .map_err(|e| e.to_string())
                    });
                match pinned {
                    Ok(h) => deliver(daemon, key, h),
                    Err(reason) => {
                        fail_waiter(daemon, key, reason);
                        let _ = daemon.trades.with(|m| m.cancel(now, key));
                    }
                }
                return;
            }
            let cipher = {
                let mut fx = lock(&daemon.trades.effects);
                match (fx.transfers.get_mut(&key), decryption_key) {
                    (Some((t, ciphertext)), Some(k)) => t
                        .handle_key(&ResultKey::from_byte_array(*k.as_bytes()))
                        .map(|c| (c, *ciphertext))
                        .map_err(|e| e.to_string()),
                    (None, _) => Err("no transfer for this buy".to_owned()),
                    (_, None) => Err("no result key".to_owned()),
                }
            };
            let d = daemon.clone();
            tokio::spawn(async move {
                let plain = match cipher {
                    Ok((c, ciphertext)) => {
                        let d2 = d.clone();
                        tokio::task::spawn_blocking(move || {
                            super::buy::decrypt(&d2, &ciphertext, c)
                        })
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()))
                    }
                    Err(e) => Err(e),
                };
                let now = d.now();
                match plain {
                    Ok(h) => {
                        deliver(&d, key, h);
                        let _ = d.trades.with(|m| m.accept_result(now, key));
                    }
                    Err(reason) => {
                        fail_waiter(&d, key, reason);
                        let _ = d.trades.with(|m| m.cancel(now, key));
                    }
                }
            });
        }
        EventKind::WorkerUrlNeeded { tx } => {
            let outcome = open_endpoint(daemon, key, tx);
            let outcome = outcome.and_then(|url| {
                daemon
                    .trades
                    .with(|m| m.set_worker_url(now, key, url))
                    .map_err(|e| e.to_string())
            });
            if let Err(reason) = outcome {
                tracing::warn!(%reason, "cannot open a seller endpoint");
                let _ = daemon.trades.with(|m| m.cancel(now, key));
            }
        }
        EventKind::PushWork {
            worker,
            push_url,
            local_buy,
        } => {
            let work = {
                let mut fx = lock(&daemon.trades.effects);
                fx.pushing.insert(worker.clone(), None);
                fx.works.get(&local_buy.unwrap_or(key)).copied()
            };
            let owner = format!("{TRADE_PIN}{}", daemon.trades.public_key(key));
            let d = daemon.clone();
            let handle = tokio::spawn(async move {
                let answer = match work {
                    Some(w) => {
                        let (answer, result) =
                            super::workers::push(&d.store, &push_url, w, &owner).await;
                        if let Some(r) = result {
                            lock(&d.trades.effects).results.insert(key, r);
                        }
                        answer
                    }
                    None => WorkerAnswer::Failed("the work is not at hand".to_owned()),
                };
                let now = d.now();
                let _ = d.trades.with(|m| {
                    let r = m.worker_answer(now, key, answer);
                    if let Some(Some(info)) = lock(&d.trades.effects).pushing.remove(&worker) {
                        m.register_worker(info);
                    }
                    r
                });
            });
            lock(&daemon.trades.effects)
                .tasks
                .insert(key, handle.abort_handle());
        }
        EventKind::SendResult { .. } => {
            let endpoint = lock(&daemon.trades.effects)
                .endpoints
                .get(&key)
                .map(|(_, e)| e.clone());
            let result = daemon.trades.sell_result(key);
            match (endpoint, result) {
                (Some(e), Some(r)) => e.send_result(r),
                _ => {
                    let _ = daemon.trades.with(|m| m.cancel(now, key));
                }
            }
        }
        EventKind::CloseConnections => close(daemon, key),
        EventKind::Finished { result } => {
            close(daemon, key);
            // The trade moved money: the UI's next balance is the server's.
            daemon
                .relay
                .invalidate_prefix(&format!("account/{}", daemon.api.address()));
            let reason = match &result {
                Ok(()) => "the trade ended without a result".to_owned(),
                Err(e) => format!("{}: {e}", e.code()),
            };
            fail_waiter(daemon, key, reason);
            let mut fx = lock(&daemon.trades.effects);
            fx.transfers.remove(&key);
            fx.result_keys.remove(&key);
            // A local buy may still need this sell's result; it is dropped
            // when that buy ends (results are small and few).
            if result.is_err() {
                fx.results.remove(&key);
            }
            fx.works.remove(&key);
            drop(fx);
            let owner = format!("{TRADE_PIN}{}", daemon.trades.public_key(key));
            let _ = daemon.store.unpin_owner(&owner);
            // Chunked work that never completed.
            let _ = daemon.store.abort_owner(Some(&owner));
        }
    }
}

fn close(daemon: &Daemon, key: ActivityKey) {
    let mut fx = lock(&daemon.trades.effects);
    if let Some(t) = fx.tasks.remove(&key) {
        t.abort();
    }
    if let Some((ep_key, _)) = fx.endpoints.remove(&key) {
        daemon.endpoints.close(&ep_key);
    }
}

fn open_endpoint(daemon: &Arc<Daemon>, key: ActivityKey, tx: String) -> Result<String, String> {
    let prefix = daemon
        .ext_prefix
        .read()
        .map_err(|_| "lock".to_owned())?
        .clone()
        .ok_or_else(|| "the external address is not known yet".to_owned())?;
    let result_key = lock(&daemon.trades.effects)
        .result_keys
        .get(&key)
        .copied()
        .ok_or_else(|| "no result key".to_owned())?;
    let endpoint = Arc::new(SellEndpoint::new(
        Arc::downgrade(daemon),
        key,
        tx,
        ResultKey::from_byte_array(result_key),
        daemon.config.c2c_offer,
    ));
    let (ep_key, url) = daemon
        .endpoints
        .open(endpoint.clone(), &prefix)
        .map_err(|e| e.to_string())?;
    lock(&daemon.trades.effects)
        .endpoints
        .insert(key, (ep_key, endpoint));
    Ok(url)
}

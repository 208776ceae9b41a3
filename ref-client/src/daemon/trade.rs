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
use bitwrk_protocol::c2c::{BuyerRequest, BuyerTransfer, ChunkedWork, ResultKey, parts};
use bitwrk_protocol::client::{
    ActivityKey, ActivityManager, ClientConfig, Event, EventKind, WorkerAnswer, WorkerId,
    WorkerInfo,
};
use bitwrk_protocol::{ErrorCode, Hash256, Money, PrivateKey};
use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::Full;
use tokio::sync::oneshot;

use super::error::DaemonError;
use super::http_util::{Timeouts, send};
use super::records::{ActivityInfo, mandate_record};
use super::sell::SellEndpoint;
use super::store::UNFETCHED;
use super::{Config, Daemon};

/// Pin owner prefix of a live trade's files.
pub const TRADE_PIN: &str = "trade:";

/// Largest result accepted from a seller or a worker.
pub const RESULT_LIMIT: u64 = 1 << 30;

/// BitWrk 0.7's buyer-to-seller client: 10 s to connect, 15 min per request.
const C2C_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(10),
    total: Duration::from_secs(15 * 60),
};

/// What the driver keeps per activity for the effects.
#[derive(Debug, Default)]
struct Effects {
    /// The `/buy` request waiting for its result.
    waiters: HashMap<ActivityKey, oneshot::Sender<Result<Hash256, String>>>,
    /// A buy's work, or the work a sell received.
    works: HashMap<ActivityKey, Bytes>,
    /// A sell's plaintext result from its worker.
    results: HashMap<ActivityKey, Bytes>,
    /// A buy's transfer and the ciphertext it received.
    transfers: HashMap<ActivityKey, (BuyerTransfer, Bytes)>,
    /// A sell's result key.
    result_keys: HashMap<ActivityKey, [u8; 32]>,
    /// A sell's endpoint key and endpoint.
    endpoints: HashMap<ActivityKey, (String, Arc<SellEndpoint>)>,
    /// A buy's transfer progress: bytes in all, to send, sent (for the UI).
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
    pub fn set_sell_work(&self, key: ActivityKey, work: Bytes) {
        lock(&self.effects).works.insert(key, work);
    }

    /// A sell's worker result, once there.
    pub fn sell_result(&self, key: ActivityKey) -> Option<Bytes> {
        lock(&self.effects).results.get(&key).cloned()
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

/// Runs one buy: stores the work, starts the trade and waits for the
/// result's key in the content store.
pub async fn buy(
    daemon: Arc<Daemon>,
    article: &str,
    price: Option<Money>,
    work: Bytes,
) -> Result<Hash256, DaemonError> {
    let article = Article::parse(article).map_err(|e| DaemonError::BadParameter {
        name: "article",
        detail: format!("{article:?}: {e}"),
    })?;
    let secret = random32()?;
    let work_hash = daemon.store.put(&work, None)?;
    let (tx, rx) = oneshot::channel();
    let now = daemon.now();
    // The waiter goes in while the manager is locked, so the loop cannot
    // see the buy's events before it (lock order: manager, then effects).
    let key = daemon.trades.with(|m| {
        let key = m.buy(now, article, price, work_hash, secret);
        let mut fx = lock(&daemon.trades.effects);
        fx.waiters.insert(key, tx);
        fx.works.insert(key, work);
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

/// Stores a buy's plaintext result (pinned until fetched) and answers the
/// waiting `/buy` request.
fn deliver(daemon: &Daemon, key: ActivityKey, result: &[u8]) -> Result<(), DaemonError> {
    let hash = daemon.store.put(result, Some(UNFETCHED))?;
    if let Some(w) = lock(&daemon.trades.effects).waiters.remove(&key) {
        let _ = w.send(Ok(hash));
    }
    Ok(())
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
                let outcome = transfer(&d, key, &worker_url, buyer_secret).await;
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
            let plain = if let Some(peer) = local_peer {
                lock(&daemon.trades.effects)
                    .results
                    .remove(&peer)
                    .map(|b| b.to_vec())
                    .ok_or_else(|| "the local sell has no result".to_owned())
            } else if let Some(k) = decryption_key {
                decrypt(daemon, key, &k)
            } else {
                Err("no result key".to_owned())
            };
            match plain.and_then(|p| deliver(daemon, key, &p).map_err(|e| e.to_string())) {
                Ok(()) if local_peer.is_none() => {
                    let _ = daemon.trades.with(|m| m.accept_result(now, key));
                }
                Ok(()) => {}
                Err(reason) => {
                    fail_waiter(daemon, key, reason);
                    let _ = daemon.trades.with(|m| m.cancel(now, key));
                }
            }
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
                fx.works.get(&local_buy.unwrap_or(key)).cloned()
            };
            let d = daemon.clone();
            let handle = tokio::spawn(async move {
                let answer = match work {
                    Some(w) => {
                        let (answer, result) = super::workers::push(&push_url, w).await;
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

fn decrypt(daemon: &Daemon, key: ActivityKey, k: &Hash256) -> Result<Vec<u8>, String> {
    let mut fx = lock(&daemon.trades.effects);
    let (t, ciphertext) = fx
        .transfers
        .get_mut(&key)
        .ok_or_else(|| "no transfer for this buy".to_owned())?;
    let mut cipher = t
        .handle_key(&ResultKey::from_byte_array(*k.as_bytes()))
        .map_err(|e| e.to_string())?;
    let mut plain = ciphertext.to_vec();
    cipher.apply(&mut plain);
    Ok(plain)
}

fn multipart_body(boundary: &str, parts_in: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, data) in parts_in {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: {}\r\n\r\n",
                    parts::OCTET_STREAM
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

async fn c2c_request(
    method: Method,
    url: &str,
    content_type: Option<String>,
    body: Vec<u8>,
) -> Result<super::http_util::Fetched, String> {
    let mut b = Request::builder().method(method).uri(url);
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b = b.header(
        header::USER_AGENT,
        HeaderValue::from_static(super::http_util::USER_AGENT),
    );
    let req = b
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    send(
        req,
        RESULT_LIMIT as usize,
        C2C_TIMEOUTS,
        "talking to the seller",
    )
    .await
    .map_err(|e| e.to_string())
}

/// The buyer's side of the client-to-client transfer, driven by
/// [`BuyerTransfer`]: probe (chunked files only), work, result, receipt.
/// Returns the ciphertext's hash.
async fn transfer(
    daemon: &Daemon,
    key: ActivityKey,
    url: &str,
    secret: Hash256,
) -> Result<Option<Hash256>, String> {
    let work = lock(&daemon.trades.effects)
        .works
        .get(&key)
        .cloned()
        .ok_or_else(|| "the work is not at hand".to_owned())?;
    let mut t = BuyerTransfer::new(ChunkedWork::of(&work), secret, RESULT_LIMIT)
        .map_err(|e| e.to_string())?;
    let mut next = t.start().map_err(|e| e.to_string())?;
    if next == BuyerRequest::Probe {
        let probe = c2c_request(Method::OPTIONS, url, None, Vec::new())
            .await
            .ok();
        let body = probe
            .as_ref()
            .filter(|f| f.status == StatusCode::OK)
            .map(|f| f.body.as_ref());
        next = t
            .handle_probe(body, &mut rand::rng())
            .map_err(|e| e.to_string())?;
    }
    let BuyerRequest::Linear { buyer_secret } = next else {
        return Err(
            "the seller wants a chunked transfer, which this driver does not send yet".to_owned(),
        );
    };
    let total = work.len() as u64;
    lock(&daemon.trades.effects)
        .progress
        .insert(key, (total, total, 0));
    let boundary = hex_boundary()?;
    let body = multipart_body(
        &boundary,
        &[
            (parts::WORK, Some(parts::WORK_FILENAME), &work),
            (parts::BUYER_SECRET, None, buyer_secret.as_bytes()),
        ],
    );
    let answer = c2c_request(
        Method::POST,
        url,
        Some(format!("multipart/form-data; boundary={boundary}")),
        body,
    )
    .await?;
    // A linear transfer sends all of the work in one request.
    lock(&daemon.trades.effects)
        .progress
        .insert(key, (total, total, total));
    bitwrk_protocol::c2c::check_status(answer.status.as_u16()).map_err(|e| {
        format!(
            "{e}: {}",
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(1024)])
        )
    })?;
    t.handle_result(&answer.body).map_err(|e| e.to_string())?;
    let identity = daemon.api.identity().clone();
    let BuyerRequest::Receipt { form } =
        t.handle_result_end(&identity).map_err(|e| e.to_string())?
    else {
        return Err("expected a receipt to send".to_owned());
    };
    let receipt = c2c_request(
        Method::POST,
        url,
        Some(parts::FORM.to_owned()),
        form.into_bytes(),
    )
    .await;
    let hash = t.ciphertext_hash();
    // The receipt's answer is informative: the key comes from the server.
    if let Ok(r) = &receipt {
        let _ = t.handle_receipt_status(r.status.as_u16());
    }
    lock(&daemon.trades.effects)
        .transfers
        .insert(key, (t, answer.body));
    Ok(hash)
}

fn hex_boundary() -> Result<String, String> {
    let b = random32().map_err(|e| e.to_string())?;
    Ok(bitwrk_protocol::encoding::hex::encode(&b[..16]))
}

//! The market task: one thread owns the [`Market`], applies inputs in
//! arrival order with the current time, drives its timer
//! (`poll_timeout`/`handle_timeout`), and hands every accepted input's
//! [`Event`] to the commit thread. A request's success is released only
//! after its event is durable (group commit, [`commit`]).
//!
//! Transaction messages and relations reach the task already verified (the
//! HTTP handlers verify concurrently); a bid is parsed here, since parsing
//! checks the nonce registry, and verified here at the same `now`.

pub mod commit;
pub mod records;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bitwrk_protocol::bid::BidForm;
use bitwrk_protocol::ids::BidId;
use bitwrk_protocol::ledger::deposit::DepositOutcome;
use bitwrk_protocol::market::{Event, Market, MarketConfig, MarketError};
use bitwrk_protocol::relation::{Relation, SignedRelation};
use bitwrk_protocol::signature::Verified;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::Accepted;
use bitwrk_protocol::tx::document::TxMessage;
use tokio::sync::oneshot;

use self::commit::{Batch, Committer, Release};
use crate::http::errors::ApiError;
use crate::store::{Commit, LoggedEvent, Record, Seq, Store, StoreError};
use crate::verify::verify;

/// A reply channel.
type Reply<T> = oneshot::Sender<Result<T, ApiError>>;

/// A read of the market's state, run on the market thread.
pub type ReadFn = Box<dyn FnOnce(&Market) + Send>;

/// An input for the market task.
enum Command {
    Nonce(Reply<String>),
    Bid(Box<BidForm>, Reply<BidId>),
    TxMessage(Box<Verified<TxMessage>>, Reply<Accepted>),
    Deposit(Vec<(String, String)>, Reply<String>),
    Relation(
        Box<Verified<SignedRelation>>,
        Vec<(String, String)>,
        Reply<Relation>,
    ),
    Read(ReadFn),
}

/// A handle to the market task; cheap to clone. When every handle is
/// dropped, the task finishes its work, flushes the commit queue and stops.
#[derive(Debug, Clone)]
pub struct Driver {
    tx: mpsc::Sender<Command>,
}

impl core::fmt::Debug for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Command::Nonce(_) => "Nonce",
            Command::Bid(..) => "Bid",
            Command::TxMessage(..) => "TxMessage",
            Command::Deposit(..) => "Deposit",
            Command::Relation(..) => "Relation",
            Command::Read(_) => "Read",
        })
    }
}

fn stopped() -> ApiError {
    ApiError::overloaded("the market is stopping")
}

fn market_error(e: &MarketError) -> ApiError {
    ApiError::from_core(e)
}

/// The wall clock in milliseconds since the epoch.
fn wall_clock() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Timestamp::from_millis(ms)
}

/// The running market task.
#[derive(Debug)]
pub struct Running {
    /// The handle to send inputs.
    pub driver: Driver,
    market: std::thread::JoinHandle<()>,
    commit: std::thread::JoinHandle<()>,
}

impl Running {
    /// Waits until the market task and the commit thread have stopped
    /// (after every [`Driver`] was dropped).
    pub fn join(self) {
        drop(self.driver);
        let _ = self.market.join();
        let _ = self.commit.join();
    }
}

/// Rebuilds the market from the store: every logged event replayed in
/// order. Returns the market and the last sequence number.
pub fn recover(store: &dyn Store, config: MarketConfig) -> Result<(Market, Seq), String> {
    let mut market = Market::new(config);
    let mut last = 0;
    store
        .events_after(0, &mut |logged| {
            market.apply(&logged.event).map_err(|e| {
                StoreError::Corrupt(format!("event {} does not replay: {e}", logged.seq))
            })?;
            last = logged.seq;
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok((market, last))
}

/// Starts the market task and the commit thread. `on_failure` is called if
/// the store fails (the server must then stop).
pub fn start(
    market: Market,
    last_seq: Seq,
    store: Arc<dyn Store>,
    on_failure: impl Fn(&StoreError) + Send + 'static,
) -> Running {
    let (committer, commit) = Committer::start(store, on_failure);
    let (tx, rx) = mpsc::channel();
    let market = std::thread::Builder::new()
        .name("bitwrk-market".into())
        .spawn(move || {
            Task {
                market,
                next_seq: last_seq + 1,
                committer,
                random: RandomSource,
            }
            .run(&rx)
        })
        .expect("spawning the market thread");
    Running {
        driver: Driver { tx },
        market,
        commit,
    }
}

impl Driver {
    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, ApiError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(make(reply)).map_err(|_| stopped())?;
        rx.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Issues a nonce (durable no later than the first input spending it).
    pub async fn nonce(&self) -> Result<String, ApiError> {
        self.call(Command::Nonce).await
    }

    /// Places a bid; resolves once it is durable.
    pub async fn bid(&self, form: BidForm) -> Result<BidId, ApiError> {
        self.call(|r| Command::Bid(Box::new(form), r)).await
    }

    /// Applies a verified transaction message; resolves once it is durable.
    pub async fn tx_message(&self, m: Verified<TxMessage>) -> Result<Accepted, ApiError> {
        self.call(|r| Command::TxMessage(Box::new(m), r)).await
    }

    /// Accepts a deposit form; resolves with its uid once it is durable.
    pub async fn deposit(&self, form: Vec<(String, String)>) -> Result<String, ApiError> {
        self.call(|r| Command::Deposit(form, r)).await
    }

    /// Stores a verified relation; resolves once it is durable.
    pub async fn relation(
        &self,
        rel: Verified<SignedRelation>,
        form: Vec<(String, String)>,
    ) -> Result<Relation, ApiError> {
        self.call(|r| Command::Relation(Box::new(rel), form, r))
            .await
    }

    /// Runs `f` on the market thread and returns its result.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Market) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, rx) = oneshot::channel();
        let read: ReadFn = Box::new(move |m| {
            let _ = reply.send(f(m));
        });
        self.tx.send(Command::Read(read)).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }
}

/// The operating system's randomness for nonces.
struct RandomSource;

impl RandomSource {
    fn bytes(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).expect("the operating system provides randomness");
        b
    }
}

/// The longest the task sleeps without a deadline.
const IDLE: Duration = Duration::from_secs(3600);
/// Timeouts are handled at most this often (they coalesce).
const TIMER_GRANULARITY: Duration = Duration::from_millis(50);
/// Inputs taken into one batch at most.
const MAX_BATCH: usize = 512;

struct Task {
    market: Market,
    next_seq: Seq,
    committer: Committer,
    random: RandomSource,
}

/// What one batch accumulates.
#[derive(Default)]
struct Pending {
    events: Vec<LoggedEvent>,
    records: Vec<Record>,
    releases: Vec<Release>,
}

/// Replies `value` once the batch is durable, or 500 if it is not.
fn release_after<T: Send + 'static>(reply: Reply<T>, value: T) -> Release {
    Box::new(move |result| {
        let _ = reply.send(match result {
            Ok(()) => Ok(value),
            Err(e) => Err(ApiError::new(
                "http.internal",
                format!("the input was not stored: {e}"),
            )),
        });
    })
}

impl Task {
    fn run(mut self, rx: &mpsc::Receiver<Command>) {
        loop {
            let wait = match self.market.poll_timeout() {
                Some(deadline) => {
                    let now = wall_clock();
                    Duration::from_millis(deadline.as_millis().saturating_sub(now.as_millis()))
                        .max(TIMER_GRANULARITY)
                }
                None => IDLE,
            };
            let mut commands = Vec::new();
            match rx.recv_timeout(wait) {
                Ok(cmd) => {
                    commands.push(cmd);
                    while commands.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(cmd) => commands.push(cmd),
                            Err(_) => break,
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            let now = wall_clock().max(self.market.now());
            let mut pending = Pending::default();
            for cmd in commands {
                self.handle(now, cmd, &mut pending);
            }
            if self.market.poll_timeout().is_some_and(|d| d <= now) {
                self.timeouts(now, &mut pending);
            }
            self.flush(pending);
        }
        tracing::info!("market task stopped; commit queue drains");
    }

    fn log(&mut self, event: Event, pending: &mut Pending) -> Seq {
        let seq = self.next_seq;
        self.next_seq += 1;
        pending.events.push(LoggedEvent { seq, event });
        seq
    }

    fn flush(&mut self, pending: Pending) {
        if pending.events.is_empty() && pending.releases.is_empty() {
            return;
        }
        let batch = Batch {
            commit: Commit {
                events: pending.events,
                records: pending.records,
            },
            releases: pending.releases,
        };
        if !self.committer.send(batch) {
            tracing::error!("commit thread is gone");
        }
    }

    fn timeouts(&mut self, now: Timestamp, pending: &mut Pending) {
        match self.market.handle_timeout(now) {
            Ok(done) => {
                pending
                    .records
                    .extend(records::timeouts(&self.market, &done));
                self.log(Event::Timeout { now }, pending);
            }
            Err(e) => tracing::error!(error = %e, "handle_timeout refused"),
        }
    }

    fn handle(&mut self, now: Timestamp, cmd: Command, pending: &mut Pending) {
        match cmd {
            Command::Read(f) => f(&self.market),
            Command::Nonce(reply) => {
                let random = self.random.bytes();
                match self.market.issue_nonce(now, &random) {
                    Ok(nonce) => {
                        self.log(Event::NonceIssued { now, random }, pending);
                        // A nonce needs no commit of its own: it is durable
                        // before any input spending it is acknowledged.
                        let _ = reply.send(Ok(nonce.as_str().to_owned()));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(market_error(&e)));
                    }
                }
            }
            Command::Bid(form, reply) => {
                let placed = self
                    .market
                    .parse_bid(now, &form)
                    .and_then(|req| verify(req).map_err(MarketError::from))
                    .and_then(|v| self.market.place_bid(now, v));
                match placed {
                    Ok(placed) => {
                        pending
                            .records
                            .extend(records::bid_placed(&self.market, &placed));
                        self.log(Event::BidPlaced { now, form: *form }, pending);
                        pending.releases.push(release_after(reply, placed.bid));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(market_error(&e)));
                    }
                }
            }
            Command::TxMessage(message, reply) => {
                match self.market.handle_tx_message(now, &message) {
                    Ok(accepted) => {
                        let raw = (*message).into_inner();
                        let seq = self.next_seq;
                        pending.records.extend(records::tx_message(
                            &self.market,
                            seq,
                            &raw,
                            &accepted,
                        ));
                        self.log(Event::TxMessage { now, message: raw }, pending);
                        pending.releases.push(release_after(reply, accepted));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(market_error(&e)));
                    }
                }
            }
            Command::Deposit(form, reply) => match self.market.submit_deposit(now, &form) {
                Ok((outcome, event)) => {
                    let uid = match &event {
                        Event::Deposit { form, .. } => form
                            .iter()
                            .find(|(k, _)| k == "uid")
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default(),
                        _ => String::new(),
                    };
                    let movement = match &outcome {
                        DepositOutcome::Applied(m) => Some(&**m),
                        DepositOutcome::AlreadyApplied => None,
                    };
                    pending
                        .records
                        .extend(records::deposit(&self.market, &uid, movement));
                    self.log(event, pending);
                    pending.releases.push(release_after(reply, uid));
                }
                Err(e) => {
                    let _ = reply.send(Err(market_error(&e)));
                }
            },
            Command::Relation(rel, form, reply) => match self.market.accept_relation(now, &rel) {
                Ok(_) => {
                    let stored = Relation::from_verified(now, &rel);
                    pending.records.extend(records::relation(&stored));
                    self.log(Event::Relation { now, form }, pending);
                    pending.releases.push(release_after(reply, stored));
                }
                Err(e) => {
                    let _ = reply.send(Err(market_error(&e)));
                }
            },
        }
    }
}

//! The market task: one thread owns the [`Market`], applies inputs in
//! arrival order with the current time, drives its timer
//! (`poll_timeout`/`handle_timeout`), and hands every accepted input's
//! [`Event`] to the commit thread. A request's success is released only
//! after its event is durable (group commit, [`commit`]).
//!
//! Transaction messages and relations reach the task already verified (by
//! the verification pipeline, concurrently with the market); a bid is
//! parsed here, since parsing checks the nonce registry, and the bids of
//! one batch are verified together with the batch verifier at the same
//! `now` they are placed at.

pub mod changes;
pub mod commit;
pub mod records;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use bitwrk_protocol::bid::{BidForm, BidRequest};
use bitwrk_protocol::ids::BidId;
use bitwrk_protocol::ledger::deposit::{DepositOutcome, SignedDeposit};
use bitwrk_protocol::market::{Event, Market, MarketConfig, MarketError};
use bitwrk_protocol::relation::{Relation, SignedRelation};
use bitwrk_protocol::signature::Verified;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::Accepted;
use bitwrk_protocol::tx::document::TxMessage;
use tokio::sync::oneshot;

use self::changes::{Changes, Watched};
use self::commit::{Batch, Committer, Release};
use crate::clock::Clock;
use crate::cluster::Cluster;
use crate::cluster::attest::{PeerVerdict, witnessed};
use crate::http::errors::ApiError;
use crate::store::commit_queue::CommitError;
use crate::store::recovery::{self, SnapshotPolicy, SnapshotWriter};
use crate::store::{Commit, LoggedEvent, Record, Seq, Store, StoreError};
use crate::verify::verify;

/// A reply channel.
type Reply<T> = oneshot::Sender<Result<T, ApiError>>;

/// A read of the market's state, run on the market thread.
pub type ReadFn = Box<dyn FnOnce(&Market) + Send>;

/// An input for the market task.
enum Command {
    Nonce(Reply<String>),
    /// A bid form, with a follower's verdict on its signature if it came
    /// through one ([`crate::cluster::attest`]).
    Bid(Box<BidForm>, Option<PeerVerdict>, Reply<BidId>),
    TxMessage(Box<Verified<TxMessage>>, Reply<Accepted>),
    Deposit(Vec<(String, String)>, Reply<String>),
    Relation(
        Box<Verified<SignedRelation>>,
        Vec<(String, String)>,
        Reply<Relation>,
    ),
    AccountAction(String, Vec<(String, String)>, Reply<()>),
    Read(ReadFn),
    Sync(Reply<()>),
    /// Catch up with the log and lead (epoch); replies whether it could.
    Promote(u64, mpsc::Sender<bool>),
    /// Read the log's tail now (a follower after a forwarded write).
    Tail,
}

/// A handle to the market task; cheap to clone. When every handle is
/// dropped, the task finishes its work, flushes the commit queue and stops.
#[derive(Debug, Clone)]
pub struct Driver {
    tx: mpsc::Sender<Command>,
    clock: Clock,
    cluster: Option<Arc<Cluster>>,
    changes: Arc<Changes>,
}

impl core::fmt::Debug for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Command::Nonce(_) => "Nonce",
            Command::Bid(..) => "Bid",
            Command::TxMessage(..) => "TxMessage",
            Command::Deposit(..) => "Deposit",
            Command::Relation(..) => "Relation",
            Command::AccountAction(..) => "AccountAction",
            Command::Read(_) => "Read",
            Command::Sync(_) => "Sync",
            Command::Promote(..) => "Promote",
            Command::Tail => "Tail",
        })
    }
}

fn stopped() -> ApiError {
    ApiError::overloaded("the market is stopping")
}

/// The refusal of an input at `now`, with `Retry-After` when only time
/// lifts it.
fn market_error(now: Timestamp, e: &MarketError) -> ApiError {
    let error = ApiError::from_core(e);
    match e.retry_after(now) {
        Some(wait) => error.retry_after(wait),
        None => error,
    }
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

/// Rebuilds the market from the store: the newest snapshot, then every
/// later event ([`crate::store::recovery`]). Returns the market and the
/// last sequence number.
pub fn recover(store: &dyn Store, config: MarketConfig) -> Result<(Market, Seq), String> {
    let r = recovery::recover(store, config).map_err(|e| e.to_string())?;
    tracing::info!(
        snapshot = r.snapshot_seq,
        replayed = r.replayed,
        "recovered from snapshot and log"
    );
    Ok((r.market, r.last_seq))
}

/// Starts the market task and the commit thread. `on_failure` is called if
/// the store fails (the server must then stop).
pub fn start(
    market: Market,
    last_seq: Seq,
    store: Arc<dyn Store>,
    clock: Clock,
    on_failure: impl Fn(&StoreError) + Send + Sync + 'static,
) -> Running {
    start_node(market, last_seq, store, clock, on_failure, None)
}

/// [`start`] for a node of a cluster: with `cluster`, the task starts as a
/// follower (it applies the log's tail and refuses inputs with
/// `node.not-leader`) until [`Driver::promote`].
pub fn start_node(
    market: Market,
    last_seq: Seq,
    store: Arc<dyn Store>,
    clock: Clock,
    on_failure: impl Fn(&StoreError) + Send + Sync + 'static,
    cluster: Option<Arc<Cluster>>,
) -> Running {
    let on_failure: Arc<dyn Fn(&StoreError) + Send + Sync> = Arc::new(on_failure);
    let snapshots = SnapshotWriter::start(store.clone());
    let fail = on_failure.clone();
    let (committer, commit) = Committer::start(store.clone(), move |e| fail(e));
    let (tx, rx) = mpsc::channel();
    let task_clock = clock.clone();
    let task_cluster = cluster.clone();
    let changes = Arc::new(Changes::default());
    let task_changes = changes.clone();
    let market = std::thread::Builder::new()
        .name("bitwrk-market".into())
        .spawn(move || {
            // Events logged since the newest snapshot count towards the next
            // one, also those before this start: else a server restarted more
            // often than every `every_events` events would replay a longer
            // tail each time. Read here, on the market thread: a store may
            // block (the PostgreSQL client does), which an async caller's
            // thread must not.
            let since_snapshot = recovery::since_snapshot(&*store, last_seq).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "newest snapshot unknown; counting from this start");
                0
            });
            Task {
                leading: task_cluster.is_none(),
                cluster: task_cluster,
                store,
                on_failure,
                market,
                next_seq: last_seq + 1,
                committer,
                random: RandomSource,
                clock: task_clock,
                verifier: crate::verify::new_verifier(),
                rng: crate::verify::new_rng(),
                snapshots: Some(snapshots),
                policy: SnapshotPolicy::default(),
                since_snapshot,
                last_snapshot: std::time::Instant::now(),
                since_evict: 0,
                changes: task_changes,
            }
            .run(&rx)
        })
        .expect("spawning the market thread");
    Running {
        driver: Driver {
            tx,
            clock,
            cluster,
            changes,
        },
        market,
        commit,
    }
}

impl Driver {
    /// The clock the market task reads `now` from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The cluster this node belongs to, if any.
    pub fn cluster(&self) -> Option<&Arc<Cluster>> {
        self.cluster.as_ref()
    }

    /// The notices of changed bids and transactions (waiting GETs,
    /// BW-HTTP-57).
    pub fn changes(&self) -> &Arc<Changes> {
        &self.changes
    }

    /// Makes a follower catch up with the log and lead; blocks until it
    /// has (call from a thread of its own). False if it could not.
    pub fn promote(&self, epoch: u64) -> bool {
        let (reply, rx) = mpsc::channel();
        self.tx.send(Command::Promote(epoch, reply)).is_ok() && rx.recv().unwrap_or(false)
    }

    /// Asks a follower to read the log's tail now.
    pub fn tail(&self) {
        let _ = self.tx.send(Command::Tail);
    }

    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, ApiError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(make(reply)).map_err(|_| stopped())?;
        rx.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Issues a nonce (durable no later than the first input spending it).
    pub async fn nonce(&self) -> Result<String, ApiError> {
        self.call(Command::Nonce).await
    }

    /// Places a bid; resolves once it is durable. With `witness`, a
    /// follower's verdict, the bid's signature is not verified again if the
    /// verdict vouches for the document parsed here (BW-HTTP-53).
    pub async fn bid(
        &self,
        form: BidForm,
        witness: Option<PeerVerdict>,
    ) -> Result<BidId, ApiError> {
        self.call(|r| Command::Bid(Box::new(form), witness, r))
            .await
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

    /// Applies a deposit-address form posted to `/account/<account>`;
    /// resolves once it is durable.
    pub async fn account_action(
        &self,
        account: String,
        form: Vec<(String, String)>,
    ) -> Result<(), ApiError> {
        self.call(|r| Command::AccountAction(account, form, r))
            .await
    }

    /// Resolves once everything the market task has done so far, including
    /// the timeouts it handles in the batch that takes this request, is
    /// durable (the test clock answers only then, BW-CONF-7).
    pub async fn sync(&self) -> Result<(), ApiError> {
        self.call(Command::Sync).await
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
    /// Whether this task applies inputs (a single node always does).
    leading: bool,
    cluster: Option<Arc<Cluster>>,
    store: Arc<dyn Store>,
    on_failure: Arc<dyn Fn(&StoreError) + Send + Sync>,
    market: Market,
    next_seq: Seq,
    committer: Committer,
    random: RandomSource,
    clock: Clock,
    verifier: bitwrk_protocol::signature::Verifier,
    rng: rand::rngs::StdRng,
    snapshots: Option<SnapshotWriter>,
    policy: SnapshotPolicy,
    since_snapshot: u64,
    last_snapshot: std::time::Instant,
    since_evict: u64,
    changes: Arc<Changes>,
}

/// A bid parsed and verified ahead of its turn.
type Prepared = Result<Verified<BidRequest>, MarketError>;

/// Retired state is evicted from the market after this many events.
const EVICT_EVERY: u64 = 1_000;

/// What one batch accumulates.
#[derive(Default)]
struct Pending {
    events: Vec<LoggedEvent>,
    records: Vec<Record>,
    releases: Vec<Release>,
}

/// Replies `value` once the batch is durable, or an error if it is not:
/// `node.deposed` (503, retry elsewhere) when this node lost the lead,
/// else 500.
fn release_after<T: Send + 'static>(reply: Reply<T>, value: T) -> Release {
    Box::new(move |result| {
        let _ = reply.send(match result {
            Ok(()) => Ok(value),
            Err(e) => Err(commit_failed(e)),
        });
    })
}

/// The answer to a request whose commit failed.
fn commit_failed(e: &CommitError) -> ApiError {
    let deposed = match e {
        CommitError::Deposed(_) => true,
        CommitError::Stopped(why) => why.contains("store.deposed") || why.contains("store.fenced"),
        _ => false,
    };
    if deposed {
        ApiError::new(
            "node.deposed",
            format!(
                "this node lost the lead before the input was stored; nothing was stored, retry: {e}"
            ),
        )
    } else {
        ApiError::new("http.internal", format!("the input was not stored: {e}"))
    }
}

/// The answer to an input that reached a node that does not lead.
fn not_leader() -> ApiError {
    ApiError::new(
        "node.not-leader",
        "expected the leader; this node follows and applies no inputs (retry)",
    )
}

/// How often a follower reads the log's tail.
const TAIL_EVERY: Duration = Duration::from_millis(50);

impl Task {
    fn run(mut self, rx: &mpsc::Receiver<Command>) {
        loop {
            let wait = match self.market.poll_timeout() {
                _ if !self.leading => TAIL_EVERY,
                Some(deadline) => {
                    let now = self.clock.now();
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
            let now = self.clock.now().max(self.market.now());
            let mut prepared = self.prepare_bids(now, &commands).into_iter();
            let mut pending = Pending::default();
            for cmd in commands {
                let bid = prepared.next().flatten();
                self.handle(now, cmd, bid, &mut pending);
            }
            if !self.leading {
                self.tail();
            } else if self.market.poll_timeout().is_some_and(|d| d <= now) {
                self.timeouts(now, &mut pending);
            }
            let changed: Vec<Watched> = pending
                .records
                .iter()
                .filter_map(Watched::of_record)
                .collect();
            self.flush(pending);
            self.changes.changed(changed);
            if self.leading
                && let Some(c) = &self.cluster
            {
                c.set_logged(self.next_seq - 1);
            }
            self.maintain();
        }
        self.committer.close();
        if let Some(s) = self.snapshots.take() {
            s.finish();
        }
        tracing::info!(stats = ?self.committer.stats(), "market task stopped; commit queue drains");
    }

    /// Eviction of retired state and the snapshot policy, after a flush.
    fn maintain(&mut self) {
        if self.since_evict >= EVICT_EVERY {
            self.since_evict = 0;
            // Evicted bids and transactions are served from the history
            // tables; evict only once the rows of everything flushed so far
            // are on disk, so no read falls between the two.
            self.committer.wait_committed();
            self.market.evict_retired();
        }
        if self
            .policy
            .due(self.since_snapshot, self.last_snapshot.elapsed())
            && let Some(w) = &self.snapshots
            && w.offer(self.next_seq - 1, self.market.snapshot())
        {
            self.since_snapshot = 0;
            self.last_snapshot = std::time::Instant::now();
        }
    }

    /// Parses the batch's bids at `now` and verifies them together (one
    /// entry per command, `Some` for bids), except those a follower's
    /// verdict vouches for. Placing them later at the same
    /// `now` re-checks the nonce (BW-NONCE-4), so a bid whose nonce an
    /// earlier input of the batch spent is refused exactly as if it had
    /// been parsed in its turn.
    fn prepare_bids(&mut self, now: Timestamp, commands: &[Command]) -> Vec<Option<Prepared>> {
        let mut out: Vec<Option<Prepared>> = Vec::with_capacity(commands.len());
        let mut docs = Vec::new();
        let mut slots = Vec::new();
        for (i, cmd) in commands.iter().enumerate() {
            out.push(None);
            if let Command::Bid(form, witness, _) = cmd {
                match self.market.parse_bid(now, form) {
                    Ok(request) => match witnessed(witness.as_ref(), request) {
                        Ok(verified) => out[i] = Some(Ok(verified)),
                        Err(request) => {
                            docs.push(request);
                            slots.push(i);
                        }
                    },
                    Err(e) => out[i] = Some(Err(e)),
                }
            }
        }
        let verdicts = crate::verify::verify_many(&mut self.verifier, &mut self.rng, docs);
        for (slot, verdict) in slots.into_iter().zip(verdicts) {
            out[slot] = Some(verdict.map_err(MarketError::from));
        }
        out
    }

    /// A follower applies the events logged after its last one; whether it
    /// reached the end. A log it cannot apply stops the node.
    fn tail(&mut self) -> bool {
        let first = self.next_seq;
        let mut applied = first - 1;
        let market = &mut self.market;
        let result = self.store.events_after(applied, &mut |e| {
            if e.seq != applied + 1 {
                return Err(StoreError::Corrupt(format!(
                    "log gap: event {} follows {applied}",
                    e.seq
                )));
            }
            market.apply(&e.event).map_err(|err| {
                StoreError::Corrupt(format!("event {} does not replay: {err}", e.seq))
            })?;
            applied = e.seq;
            Ok(())
        });
        let n = applied + 1 - first;
        self.next_seq = applied + 1;
        self.since_evict += n;
        self.since_snapshot += n;
        if let Some(c) = &self.cluster {
            c.set_applied(applied);
        }
        if n > 0 {
            self.changes.changed_all();
        }
        match result {
            Ok(()) => true,
            // The database is unreachable for now: try again next time.
            Err(e @ StoreError::Backend(_)) => {
                tracing::warn!(error = %e, "reading the log failed; retrying");
                false
            }
            Err(e) => {
                tracing::error!(error = %e, "following the log failed; the node stops");
                (self.on_failure)(&e);
                false
            }
        }
    }

    /// Catches up with the log and starts to lead.
    fn promote(&mut self, epoch: u64) -> bool {
        let before = self.next_seq;
        if !self.tail() {
            return false;
        }
        if let Some(c) = &self.cluster {
            c.set_logged(self.next_seq - 1);
        }
        tracing::info!(
            epoch,
            caught_up = self.next_seq - before,
            last = self.next_seq - 1,
            "leading"
        );
        self.leading = true;
        true
    }

    fn log(&mut self, event: Event, pending: &mut Pending) -> Seq {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.since_snapshot += 1;
        self.since_evict += 1;
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

    fn handle(
        &mut self,
        now: Timestamp,
        cmd: Command,
        prepared: Option<Prepared>,
        pending: &mut Pending,
    ) {
        match cmd {
            Command::Read(f) => f(&self.market),
            // Released after this batch's commit, which holds the timeouts
            // due at this batch's `now` (handled after the commands).
            Command::Sync(reply) if !self.leading => {
                let _ = reply.send(Err(not_leader()));
            }
            Command::Sync(reply) => pending.releases.push(release_after(reply, ())),
            Command::Promote(epoch, reply) => {
                let _ = reply.send(self.promote(epoch));
            }
            Command::Tail => {}
            Command::Nonce(reply) if !self.leading => {
                let _ = reply.send(Err(not_leader()));
            }
            Command::Bid(_, _, reply) if !self.leading => {
                let _ = reply.send(Err(not_leader()));
            }
            Command::TxMessage(_, reply) if !self.leading => {
                let _ = reply.send(Err(not_leader()));
            }
            Command::Deposit(_, reply) if !self.leading => {
                let _ = reply.send(Err(not_leader()));
            }
            Command::Relation(_, _, reply) if !self.leading => {
                let _ = reply.send(Err(not_leader()));
            }
            Command::AccountAction(_, _, reply) if !self.leading => {
                let _ = reply.send(Err(not_leader()));
            }
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
                        let _ = reply.send(Err(market_error(now, &e)));
                    }
                }
            }
            Command::Bid(form, _, reply) => {
                #[cfg(feature = "conformance-faults")]
                if let Some(e) = crate::faults::bid_before(&form.nonce) {
                    let _ = reply.send(Err(e));
                    return;
                }
                let verified = prepared.unwrap_or_else(|| {
                    self.market
                        .parse_bid(now, &form)
                        .and_then(|req| verify(req).map_err(MarketError::from))
                });
                let placed = verified.and_then(|v| self.market.place_bid(now, v));
                match placed {
                    Ok(placed) => {
                        pending
                            .records
                            .extend(records::bid_placed(&self.market, &placed));
                        self.log(Event::BidPlaced { now, form: *form }, pending);
                        pending.releases.push(release_after(reply, placed.bid));
                    }
                    Err(e) => {
                        let e = market_error(now, &e);
                        #[cfg(feature = "conformance-faults")]
                        crate::faults::bid_refused(&form.nonce, e.code);
                        let _ = reply.send(Err(e));
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
                        let _ = reply.send(Err(market_error(now, &e)));
                    }
                }
            }
            Command::Deposit(form, reply) => match self.market.submit_deposit(now, &form) {
                Ok((outcome, event)) => {
                    // The market accepted the form, so it parses.
                    let Ok(signed) = SignedDeposit::from_form(&form) else {
                        let _ = reply.send(Err(ApiError::new(
                            "http.internal",
                            "an accepted deposit form does not parse",
                        )));
                        return;
                    };
                    let movement = match &outcome {
                        DepositOutcome::Applied(m) => Some(&**m),
                        DepositOutcome::AlreadyApplied => None,
                    };
                    if movement.is_some() {
                        pending
                            .records
                            .extend(records::deposit(now, &signed, movement));
                    }
                    self.log(event, pending);
                    pending
                        .releases
                        .push(release_after(reply, signed.deposit.uid.clone()));
                }
                Err(e) => {
                    let _ = reply.send(Err(market_error(now, &e)));
                }
            },
            Command::AccountAction(account, form, reply) => {
                match self.market.submit_account_action(now, &account, &form) {
                    Ok((_, event)) => {
                        self.log(event, pending);
                        pending.releases.push(release_after(reply, ()));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(market_error(now, &e)));
                    }
                }
            }
            Command::Relation(rel, form, reply) => match self.market.accept_relation(now, &rel) {
                Ok(_) => {
                    let stored = Relation::from_verified(now, &rel);
                    pending.records.extend(records::relation(&stored));
                    self.log(Event::Relation { now, form }, pending);
                    pending.releases.push(release_after(reply, stored));
                }
                Err(e) => {
                    let _ = reply.send(Err(market_error(now, &e)));
                }
            },
        }
    }
}

#[cfg(test)]
mod tests;

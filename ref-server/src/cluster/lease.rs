//! The lease: who leads, decided in the `leader` row by the database's
//! clock, on a session of its own.
//!
//! - A follower polls every [`poll`] and takes the lead with one `UPDATE`
//!   that bumps the epoch, if the lease has expired (`expires <
//!   clock_timestamp()`) or the leader's lease session no longer exists in
//!   `pg_stat_activity` (its process died). Then it catches up with the log
//!   and starts to accept inputs ([`Lease::run`]'s `promote`).
//! - The leader renews every lease/4 with an `UPDATE … WHERE epoch = mine`;
//!   no row means it was deposed, and it stops (`on_deposed`). So does a
//!   leader that could not renew for a whole lease (it cannot know whether
//!   another node took over).
//! - On a clean stop the leader ends its lease at once, so a follower takes
//!   over without waiting for the expiry.
//!
//! No node trusts its own clock for safety: the epoch in the commit
//! transaction fences (store/postgres.rs); the lease times only decide
//! *when* a takeover happens.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

use super::Cluster;

/// How often a follower looks at the lease.
pub fn poll(lease: Duration) -> Duration {
    (lease / 8).max(Duration::from_millis(25))
}

/// Takes the lead if the lease expired or its holder's session is gone.
const TAKE_OVER: &str = "
    UPDATE leader SET epoch = epoch + 1, node = $1, address = $2,
        session_pid = pg_backend_pid(),
        expires = clock_timestamp() + $3 * INTERVAL '1 millisecond'
    WHERE id = 1 AND (expires < clock_timestamp()
        OR session_pid IS NULL
        OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = leader.session_pid))
    RETURNING epoch";

/// Renews this node's lease.
const RENEW: &str = "
    UPDATE leader SET expires = clock_timestamp() + $2 * INTERVAL '1 millisecond'
    WHERE id = 1 AND epoch = $1 RETURNING epoch";

/// The current leader's URL, if its lease is valid.
const CURRENT: &str = "SELECT address, expires > clock_timestamp() FROM leader WHERE id = 1";

/// Ends this node's lease (clean stop).
const RELEASE: &str = "UPDATE leader SET expires = '-infinity' WHERE id = 1 AND epoch = $1";

/// The running lease thread.
#[derive(Debug)]
pub struct Lease {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Lease {
    /// Starts the lease thread. `promote(epoch)` is called once this node
    /// won the lead (it returns once the market caught up); `on_deposed`
    /// once it lost it.
    pub fn start(
        cluster: Arc<Cluster>,
        promote: impl Fn(u64) -> bool + Send + 'static,
        on_deposed: impl Fn() + Send + 'static,
    ) -> Lease {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("bitwrk-lease".into())
            .spawn(move || run(&cluster, &flag, &promote, &on_deposed))
            .expect("spawning the lease thread");
        Lease {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the thread (it stops renewing; the lease runs on until
    /// [`release`] or its expiry). Dropping the thread's closures lets
    /// the market task stop.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Ends a leader's lease at once (clean stop, after the commit queue
/// drained), so a follower takes over without waiting for the expiry.
pub fn release(cluster: &Cluster) {
    if !cluster.is_leader() {
        return;
    }
    let epoch = i64::try_from(cluster.epoch()).unwrap_or(i64::MAX);
    match connect(&cluster.config().db).map(|mut c| c.execute(RELEASE, &[&epoch])) {
        Some(Ok(_)) => tracing::info!(epoch, "lease ended"),
        Some(Err(e)) => tracing::warn!(error = %e, "ending the lease failed"),
        None => {}
    }
}

fn connect(url: &str) -> Option<Client> {
    match Client::connect(url, NoTls) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "lease session: cannot connect");
            None
        }
    }
}

fn run(cluster: &Cluster, stop: &AtomicBool, promote: &dyn Fn(u64) -> bool, on_deposed: &dyn Fn()) {
    let cfg = cluster.config().clone();
    let lease_ms = millis(cfg.lease);
    let mut client: Option<Client> = None;
    let mut last_renewed = Instant::now();
    let mut first = true;
    while !stop.load(Ordering::SeqCst) {
        let leading = cluster.is_leader();
        // The first look at once: a node starting alone leads right away.
        if !first {
            std::thread::sleep(if leading {
                cfg.lease / 4
            } else {
                poll(cfg.lease)
            });
        }
        first = false;
        if client.as_ref().is_none_or(|c| c.is_closed()) {
            client = connect(&cfg.db);
        }
        let Some(c) = client.as_mut() else {
            if leading && last_renewed.elapsed() > cfg.lease {
                tracing::error!("lease not renewed for a whole lease; stepping down");
                on_deposed();
                return;
            }
            continue;
        };
        if leading {
            let epoch = i64::try_from(cluster.epoch()).unwrap_or(i64::MAX);
            match c.query_opt(RENEW, &[&epoch, &lease_ms]) {
                Ok(Some(_)) => last_renewed = Instant::now(),
                Ok(None) => {
                    tracing::error!(epoch, "deposed: another node leads; stopping");
                    on_deposed();
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lease renewal failed");
                    if last_renewed.elapsed() > cfg.lease {
                        tracing::error!("lease not renewed for a whole lease; stepping down");
                        on_deposed();
                        return;
                    }
                }
            }
            continue;
        }
        match c.query_opt(TAKE_OVER, &[&cfg.node, &cfg.advertise, &lease_ms]) {
            Ok(Some(row)) => {
                let epoch = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
                let started = Instant::now();
                if !promote(epoch) {
                    tracing::error!(epoch, "could not take the lead; stopping");
                    on_deposed();
                    return;
                }
                last_renewed = Instant::now();
                cluster.set_leading(epoch);
                tracing::info!(
                    epoch,
                    node = %cfg.node,
                    catch_up_ms = started.elapsed().as_millis() as u64,
                    "took the lead"
                );
            }
            Ok(None) => match c.query_opt(CURRENT, &[]) {
                Ok(Some(row)) => {
                    let valid: bool = row.get(1);
                    cluster.set_leader_url(valid.then(|| row.get::<_, String>(0)));
                }
                Ok(None) => cluster.set_leader_url(None),
                Err(e) => tracing::warn!(error = %e, "reading the lease failed"),
            },
            Err(e) => tracing::warn!(error = %e, "taking the lead failed"),
        }
        cluster.set_looked();
    }
}

//! Start-up and shutdown: open the store, recover the market, serve until
//! SIGINT or SIGTERM, then stop accepting, finish in-flight requests, flush
//! the commit queue and close the database.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::cluster::attest::ClusterKey;
use crate::cluster::lease::Lease;
use crate::cluster::{Cluster, ClusterConfig};
use crate::config::{Args, LogFormat};
use crate::driver;
use crate::http::{AppState, serve};
use crate::store::postgres::is_postgres_url;
use crate::store::{PostgresStore, SqliteStore, Store};

/// How long in-flight requests may take after a shutdown signal.
const GRACE: Duration = Duration::from_secs(10);

/// Sets up `tracing` in the requested format (once per process).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Resolves on SIGINT or SIGTERM.
async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The store `--db` names: a SQLite file, or a PostgreSQL database shared
/// by the nodes of a cluster.
enum Opened {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PostgresStore>),
}

impl Opened {
    fn store(&self) -> Arc<dyn Store> {
        match self {
            Opened::Sqlite(s) => s.clone(),
            Opened::Postgres(s) => s.clone(),
        }
    }
}

/// Opens the store `--db` names: a `postgres://` URL or a SQLite file.
/// Blocking.
fn open_store(db: &str) -> Result<Opened, String> {
    if is_postgres_url(db) {
        Ok(Opened::Postgres(Arc::new(
            PostgresStore::open(db).map_err(|e| format!("opening {}: {e}", redact(db)))?,
        )))
    } else {
        Ok(Opened::Sqlite(Arc::new(
            SqliteStore::open(db).map_err(|e| format!("opening {db}: {e}"))?,
        )))
    }
}

/// A random node name.
fn random_node() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the operating system provides randomness");
    format!(
        "node-{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

/// `db` without a password, for logs.
fn redact(db: &str) -> String {
    match (db.find("://"), db.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &db[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &db[..scheme + 3], &db[at..]),
                None => db.to_owned(),
            }
        }
        _ => db.to_owned(),
    }
}

/// Runs the server with `args` until a shutdown signal.
pub async fn run(args: Args) -> Result<(), String> {
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("listening on {}: {e}", args.listen))?;
    run_on(args, listener, signal()).await
}

/// Runs the server with `args` on `listener` until `stop` resolves (or the
/// store fails); for tests that run nodes in their own process.
pub async fn run_on(
    args: Args,
    listener: TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let config = args.market_config()?;
    let network = config.bids.network;
    let db = args.db.to_string_lossy().into_owned();
    let db_for_open = db.clone();
    let (opened, market, last_seq, key) = tokio::task::spawn_blocking(move || {
        let db = db_for_open;
        let opened = open_store(&db)?;
        // The cluster's key of forwarded requests (cluster::attest).
        let key = match &opened {
            Opened::Postgres(pg) => Some(
                pg.cluster_secret()
                    .map_err(|e| format!("reading the cluster secret: {e}"))
                    .and_then(ClusterKey::new)?,
            ),
            Opened::Sqlite(_) => None,
        };
        let started = std::time::Instant::now();
        let (market, last_seq) = driver::recover(&*opened.store(), config)?;
        tracing::info!(
            events = last_seq,
            millis = started.elapsed().as_millis() as u64,
            db = %redact(&db),
            "market recovered"
        );
        Ok::<_, String>((opened, market, last_seq, key))
    })
    .await
    .map_err(|e| format!("opening the store: {e}"))??;
    let (fail_tx, mut fail_rx) = watch::channel(false);
    let failed = fail_rx.clone();
    if args.test_clock && !args.listen.ip().is_loopback() {
        return Err(format!(
            "--test-clock needs a loopback --listen address, got {}",
            args.listen
        ));
    }
    let clock = Clock::new(args.test_clock);
    let local = listener
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?;
    let store = opened.store();
    let cluster = match key {
        Some(key) => Some(Arc::new(Cluster::new(
            ClusterConfig {
                node: args.node.clone().unwrap_or_else(random_node),
                advertise: args
                    .advertise
                    .clone()
                    .unwrap_or_else(|| format!("http://{local}/")),
                lease: Duration::from_millis(args.lease_ms.max(100)),
                db: db.clone(),
            },
            last_seq,
            key,
        ))),
        None => None,
    };
    let fail = fail_tx.clone();
    let running = driver::start_node(
        market,
        last_seq,
        store.clone(),
        clock,
        move |_| {
            let _ = fail.send(true);
        },
        cluster.clone(),
    );
    let lease = match (&opened, &cluster) {
        (Opened::Postgres(pg), Some(cluster)) => {
            let (pg, driver) = (pg.clone(), running.driver.clone());
            tracing::info!(node = %cluster.config().node, advertise = %cluster.config().advertise, "joining the cluster");
            Some(Lease::start(
                cluster.clone(),
                move |epoch| {
                    pg.set_epoch(epoch);
                    driver.promote(epoch)
                },
                move || {
                    let _ = fail_tx.send(true);
                },
            ))
        }
        _ => None,
    };
    let state = Arc::new(AppState {
        driver: running.driver.clone(),
        verifier: crate::verify::Pipeline::start(),
        store,
        limits: args.limits(),
        trusted_proxies: args.trusted_proxies.clone(),
        motd: args.motd.clone(),
        network,
        shutting_down: std::sync::atomic::AtomicBool::new(false),
        waits: crate::http::wait::Waits::new(args.max_held_requests),
    });
    // A node of a cluster looks at the lease once before it says it
    // listens, so it knows (or is) the leader from its first request on.
    if let Some(cluster) = &cluster {
        let started = std::time::Instant::now();
        while !cluster.has_looked() && started.elapsed() < cluster.config().lease {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    // The URL on standard output, for people and for scripts that start us.
    println!("bitwrk-server listening on http://{local}/");
    tracing::info!(url = %format!("http://{local}/"), "listening");
    let shutdown = async move {
        tokio::select! {
            () = stop => tracing::info!("shutdown signal; finishing in-flight requests"),
            _ = fail_rx.wait_for(|failed| *failed) => tracing::error!("store failed; shutting down"),
        }
    };
    serve(listener, state, shutdown, GRACE).await;
    tokio::task::spawn_blocking(move || {
        // The lease thread holds a driver handle: stop it first, so the
        // market task stops once the requests are done.
        if let Some(lease) = lease {
            lease.stop();
        }
        running.join();
        // After the commit queue drained: a leader ends its lease, so a
        // follower takes over at once.
        if let Some(cluster) = &cluster {
            crate::cluster::lease::release(cluster);
        }
    })
    .await
    .map_err(|e| format!("stopping the market: {e}"))?;
    tracing::info!("commit queue flushed; database closed");
    if *failed.borrow() {
        // A failed store or a lost lead: a supervisor should restart us.
        return Err("stopped: the store failed or this node lost the lead".into());
    }
    Ok(())
}

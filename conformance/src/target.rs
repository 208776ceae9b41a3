//! The server under test: `BITWRK_SERVER_URL` when set, otherwise the
//! reference server started in-process on `127.0.0.1:0` with a fresh
//! temporary database and the profile's flags (BW-CONF-1).
//!
//! The reference server's `server::run` binds the address it is given and
//! waits for a signal; to learn an ephemeral port and to stop with the
//! test, this module assembles the same parts (store, recovery, market
//! task, HTTP service) around its own listener.

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use ref_server::clock::Clock;
use ref_server::config::Args;
use ref_server::driver;
use ref_server::http::{AppState, serve};
use ref_server::store::{SqliteStore, Store};

use crate::profile;

/// A running in-process server; stops when dropped.
#[derive(Debug)]
pub struct InProcess {
    /// `http://127.0.0.1:<port>/`.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the reference server with the profile's flags plus `extra`.
pub fn start_reference(extra: &[&str]) -> Result<InProcess, String> {
    start_reference_with(true, extra)
}

/// Starts the reference server with the profile's flags plus `extra`, with
/// or without the test clock.
pub fn start_reference_with(test_clock: bool, extra: &[&str]) -> Result<InProcess, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let db = dir.path().join("conformance.db");
    let mut argv: Vec<String> = vec![
        "bitwrk-server".into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--db".into(),
        db.display().to_string(),
    ];
    argv.extend(
        profile::reference_server_flags()
            .into_iter()
            .filter(|f| test_clock || f != "--test-clock"),
    );
    argv.extend(extra.iter().map(|s| (*s).to_owned()));
    let args = Args::try_parse_from(&argv).map_err(|e| e.to_string())?;
    let config = args.market_config()?;
    let network = config.bids.network;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<String, String>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("reference-server".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("runtime: {e}")));
                    return;
                }
            };
            runtime.block_on(async move {
                let store: Arc<dyn Store> = match SqliteStore::open(&args.db) {
                    Ok(s) => Arc::new(s),
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("database: {e}")));
                        return;
                    }
                };
                let (market, last) = match driver::recover(&*store, config) {
                    Ok(x) => x,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let clock = Clock::new(args.test_clock);
                let running = driver::start(market, last, store.clone(), clock, |_| {});
                let listener = match tokio::net::TcpListener::bind(args.listen).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("listen: {e}")));
                        return;
                    }
                };
                let url = match listener.local_addr() {
                    Ok(a) => format!("http://{a}/"),
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("local address: {e}")));
                        return;
                    }
                };
                let state = Arc::new(AppState {
                    driver: running.driver.clone(),
                    verifier: ref_server::verify::Pipeline::start(),
                    store,
                    limits: args.limits(),
                    trusted_proxies: args.trusted_proxies.clone(),
                    motd: args.motd.clone(),
                    network,
                    shutting_down: std::sync::atomic::AtomicBool::new(false),
                    waits: ref_server::http::wait::Waits::new(args.max_held_requests),
                });
                let _ = ready_tx.send(Ok(url));
                serve(
                    listener,
                    state,
                    async move {
                        let _ = stop_rx.await;
                    },
                    Duration::from_secs(2),
                )
                .await;
                let _ = tokio::task::spawn_blocking(move || running.join()).await;
            });
        })
        .map_err(|e| format!("server thread: {e}"))?;
    let url = ready_rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|e| format!("the server did not start: {e}"))??;
    Ok(InProcess {
        url,
        stop: Some(stop_tx),
        thread: Some(thread),
        _dir: dir,
    })
}

/// The server to test: `BITWRK_SERVER_URL`, or a fresh in-process
/// reference server (kept alive by the returned guard).
pub fn from_env() -> Result<(String, Option<InProcess>), String> {
    match std::env::var("BITWRK_SERVER_URL") {
        Ok(url) if !url.trim().is_empty() => Ok((url.trim().to_owned(), None)),
        _ => {
            let server = start_reference(&[])?;
            Ok((server.url.clone(), Some(server)))
        }
    }
}

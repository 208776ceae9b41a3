//! The daemon (`bitwrk-client` with no subcommand, or `run`): the local
//! API for applications and workers ([`local`]), the external port for
//! buyers of this client's sells ([`external`]), the client of the BitWrk
//! server ([`server_api`]), the worker registry ([`workers`]) and the
//! durable store ([`store`]). The trades themselves are driven by
//! [`trade`], which feeds the protocol library's sans-IO machines.

pub mod account;
pub mod args;
pub mod assembler;
pub mod assist;
pub mod buy;
pub mod cas;
pub mod error;
pub mod external;
pub mod http_util;
pub mod local;
pub mod packs;
pub mod pieces;
pub mod records;
pub mod relay;
pub mod resume;
pub mod sell;
pub mod server_api;
pub mod staging;
pub mod store;
pub mod streams;
pub mod trade;
pub mod ui;
pub mod workers;
pub mod writer;

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bitwrk_protocol::{Money, Network, PrivateKey, Timestamp};

use self::args::RunArgs;
use self::error::DaemonError;
use self::external::Endpoints;
use self::records::{ActivityEntry, ActivityInfo, MandateEntry, MandateInfo};
use self::relay::Relay;
use self::server_api::ServerApi;
use self::store::Store;
use self::workers::WorkerJson;
use crate::error::ClientError;
use crate::key_file;

/// How often `-extaddr auto` asks the server again (BitWrk 0.7: 15 min).
const MYIP_REFRESH: Duration = Duration::from_secs(15 * 60);

/// The settings the daemon runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The directory of the database.
    pub resource_dir: PathBuf,
    /// The content store's budget.
    pub store_bytes: u64,
    /// Signer trusted for deposit information.
    pub trusted_account: String,
    /// External port; <= 0: local-only sells.
    pub extport: i32,
    /// Unmatched bids per type and article.
    pub num_unmatched_bids: u32,
    /// Buys transmitting at once.
    pub num_transmitting_bids: u32,
    /// What sells offer in the capability probe.
    pub c2c_offer: sell::Offer,
    /// Whether buys gzip chunked requests when offered.
    pub c2c_gzip: bool,
}

/// Everything the listeners and trades share.
#[derive(Debug)]
pub struct Daemon {
    /// Settings.
    pub config: Config,
    /// Durable state.
    pub store: Store,
    /// The server.
    pub api: ServerApi,
    /// The relay and its cache.
    pub relay: Relay,
    /// Open seller endpoints on the external port.
    pub endpoints: Arc<Endpoints>,
    /// `http://<extaddr>:<extport>/`, once known.
    pub ext_prefix: RwLock<Option<String>>,
    /// The trade driver's shared state.
    pub trades: trade::Trades,
    /// Assistive downloads: the buyer's ticket pool and the counters.
    pub assist: assist::Assist,
}

impl Daemon {
    /// The current time.
    pub fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Timestamp::from_millis(ms)
    }

    /// The participants' network (this client's key's).
    pub fn network(&self) -> Network {
        self.api.address().network()
    }

    /// `/activities`: every record (of this run and the kept history of
    /// earlier ones), by key.
    pub fn activities(&self) -> Result<Vec<ActivityEntry>, DaemonError> {
        let mut entries = self.stored_activities()?;
        // Transfer progress is live, not as of the last persist.
        for e in &mut entries {
            if let Some((total, to_transfer, done)) = self.trades.progress_of(e.key) {
                e.info.bytes_total = total;
                e.info.bytes_to_transfer = to_transfer;
                e.info.bytes_transferred = done;
            }
        }
        Ok(entries)
    }

    fn stored_activities(&self) -> Result<Vec<ActivityEntry>, DaemonError> {
        self.store
            .activities()?
            .into_iter()
            .map(|(key, _, info)| {
                serde_json::from_str::<ActivityInfo>(&info)
                    .map(|info| ActivityEntry { key, info })
                    .map_err(|e| DaemonError::Database {
                        detail: format!("activity {key}: {e}"),
                    })
            })
            .collect()
    }

    /// Writes activity `key`'s record.
    pub fn save_activity(&self, key: u64, info: &ActivityInfo) -> Result<(), DaemonError> {
        let text = serde_json::to_string(info).map_err(|e| DaemonError::Database {
            detail: e.to_string(),
        })?;
        self.store.save_activity(key, info.alive, &text)
    }

    /// `/mandates`: the mandates in force, by key.
    pub fn mandates(&self) -> Vec<MandateEntry> {
        self.trades.read(|m| {
            m.mandates()
                .iter()
                .map(|(k, mandate)| MandateEntry {
                    key: self.trades.public_key(*k),
                    info: MandateInfo::of(mandate),
                })
                .collect()
        })
    }

    /// `/workers`: the registered workers, by id.
    pub fn workers(&self) -> Vec<WorkerJson> {
        let now = self.now();
        self.trades
            .read(|m| m.workers().iter().map(|w| WorkerJson::of(w, now)).collect())
    }

    /// Grants a mandate (it survives restarts); returns its key.
    pub fn add_mandate(
        &self,
        mandate: bitwrk_protocol::client::Mandate,
    ) -> Result<u64, DaemonError> {
        let now = self.now();
        let key = self.trades.with(|m| m.add_mandate(now, mandate));
        trade::persist(self)?;
        Ok(self.trades.public_key(key))
    }

    /// `/revokemandate?key=N`.
    pub fn revoke_mandate(&self, key_text: &str) -> Result<(), DaemonError> {
        let bad = |detail: String| DaemonError::BadParameter {
            name: "key",
            detail,
        };
        let key: u64 = key_text
            .parse()
            .map_err(|_| bad(format!("expected a mandate key, got {key_text:?}")))?;
        let revoked = self
            .trades
            .manager_key(key)
            .is_some_and(|k| self.trades.with(|m| m.revoke_mandate(k)));
        if !revoked {
            return Err(bad(format!("expected the key of a mandate, got {key}")));
        }
        trade::persist(self)
    }

    /// `/buy/<article>`: runs a buy of `work` to its end and returns the
    /// result's key in the content store.
    pub async fn buy(
        self: Arc<Self>,
        article: &str,
        price: Option<Money>,
        work: bitwrk_protocol::Hash256,
    ) -> Result<bitwrk_protocol::Hash256, DaemonError> {
        trade::buy(self, article, price, work).await
    }
}

fn resolve_resource_dir(args: &RunArgs, home: Option<&OsStr>) -> Result<PathBuf, ClientError> {
    if args.resourcedir != "auto" {
        return Ok(PathBuf::from(&args.resourcedir));
    }
    match home {
        Some(h) if !h.is_empty() => Ok(PathBuf::from(h).join(key_file::DEFAULT_DIR)),
        _ => Err(ClientError::NoHome),
    }
}

/// The identity: the key file's key, created on first start as BitWrk 0.7
/// does (a fresh compressed mainnet key, file mode 0600).
fn identity(args: &RunArgs, home: Option<&OsStr>) -> Result<PrivateKey, ClientError> {
    let path = key_file::resolve(args.key_file.clone(), home)?;
    match key_file::load(&path) {
        Ok(k) => Ok(k),
        Err(ClientError::KeyFileNotFound { .. }) => {
            let key = key_file::generate(Network::Mainnet)?;
            key_file::create(&path, &key)?;
            tracing::info!(path = %path.display(), "created a new identity");
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

fn bind_addr(iface: &str, port: i32) -> Result<Option<SocketAddr>, String> {
    if port <= 0 {
        return Ok(None);
    }
    let port = u16::try_from(port).map_err(|_| format!("port {port} is out of range"))?;
    let host = if iface.is_empty() { "0.0.0.0" } else { iface };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: std::net::IpAddr = host
        .parse()
        .map_err(|e| format!("interface {iface:?} is not an IP address: {e}"))?;
    Ok(Some(SocketAddr::new(ip, port)))
}

fn prefix_for(host: &str, port: i32) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("http://[{host}]:{port}/")
    } else {
        format!("http://{host}:{port}/")
    }
}

/// Runs the daemon until SIGTERM or SIGINT. Returns the exit status.
pub fn run(args: RunArgs, home: Option<&OsStr>) -> u8 {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: daemon.runtime: {e}");
            return 1;
        }
    };
    match runtime.block_on(serve(args, home)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

async fn serve(args: RunArgs, home: Option<&OsStr>) -> Result<(), String> {
    use bitwrk_protocol::ErrorCode;
    // Installed before anything is announced, so that a SIGTERM right
    // after start-up is a clean stop, not the default kill.
    let signal = Signals::install()?;
    let fail = |e: &dyn ErrorCode| format!("{}: {e}", e.code());
    let key = identity(&args, home).map_err(|e| fail(&e))?;
    let resource_dir = resolve_resource_dir(&args, home).map_err(|e| fail(&e))?;
    std::fs::create_dir_all(&resource_dir)
        .map_err(|e| format!("daemon.io: creating {}: {e}", resource_dir.display()))?;
    let store = Store::open(&resource_dir.join("bitwrk-client.db"), args.store_bytes)
        .map_err(|e| fail(&e))?;
    store.set_direct_io(args.store_direct_io);
    let config = Config {
        resource_dir,
        store_bytes: args.store_bytes,
        trusted_account: args.trusted_account.clone(),
        extport: args.extport,
        num_unmatched_bids: args.num_unmatched_bids,
        num_transmitting_bids: args.num_transmitting_bids,
        c2c_offer: sell::Offer::parse(&args.c2c_offer).unwrap_or_default(),
        c2c_gzip: args.c2c_gzip,
    };
    let offset = store.max_key().map_err(|e| fail(&e))?;
    let daemon = Arc::new(Daemon {
        trades: trade::Trades::new(key.clone(), &config, offset),
        config,
        store,
        api: ServerApi::new(args.server_url(), key),
        relay: Relay::default(),
        endpoints: Arc::new(Endpoints::default()),
        ext_prefix: RwLock::new(None),
        assist: assist::Assist::default(),
    });
    let followed = trade::recover(&daemon).map_err(|e| fail(&e))?;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut tasks = Vec::new();
    if let Some(addr) = bind_addr(&args.intiface, args.intport)? {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("daemon.listen: internal port {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        println!(
            "bitwrk-client listening on http://{bound}/ as {}",
            daemon.api.address()
        );
        let d = daemon.clone();
        let handler = Arc::new(move |req, peer| local::handle(d.clone(), req, peer));
        tasks.push(tokio::spawn(http_util::serve(
            listener,
            handler,
            stopped(stop_rx.clone()),
        )));
    }
    if let Some(addr) = bind_addr(&args.extiface, args.extport)? {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("daemon.listen: external port {addr}: {e}"))?;
        let eps = daemon.endpoints.clone();
        let handler = Arc::new(move |req, peer| external::handle(eps.clone(), req, peer));
        tasks.push(tokio::spawn(http_util::serve(
            listener,
            handler,
            stopped(stop_rx.clone()),
        )));
        let d = daemon.clone();
        let extaddr = args.extaddr.clone();
        let extport = args.extport;
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let host = if extaddr == "auto" {
                    match d.api.myip().await {
                        Ok(ip) => Some(ip),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot learn the external address");
                            None
                        }
                    }
                } else {
                    Some(extaddr.clone())
                };
                if let Some(h) = host {
                    *d.ext_prefix.write().unwrap_or_else(|p| p.into_inner()) =
                        Some(prefix_for(&h, extport));
                }
                let wait = if extaddr != "auto" {
                    Duration::MAX
                } else if d.ext_prefix.read().map(|p| p.is_some()).unwrap_or(false) {
                    MYIP_REFRESH
                } else {
                    Duration::from_secs(10)
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait.min(Duration::from_secs(365 * 86_400))) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
        }));
    }
    tasks.push(tokio::spawn(trade::drive(daemon.clone(), stop_rx.clone())));
    tasks.push(tokio::spawn(resume::follow(
        daemon.clone(),
        followed,
        stop_rx.clone(),
    )));

    signal.wait().await;
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    // What is stored survives the restart (Store::drop_unflushed).
    if let Err(e) = daemon.store.flush() {
        tracing::warn!(error = %e, "could not flush the store");
    }
    Ok(())
}

/// SIGTERM and SIGINT (Ctrl-C elsewhere).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let term =
                signal(SignalKind::terminate()).map_err(|e| format!("daemon.signal: {e}"))?;
            let int = signal(SignalKind::interrupt()).map_err(|e| format!("daemon.signal: {e}"))?;
            Ok(Signals { term, int })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

//! Command-line configuration of `bitwrk-server` (clap).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use bitwrk_protocol::address::{Address, Network};
use bitwrk_protocol::article::ArticlePolicy;
use bitwrk_protocol::bid::{BidConfig, FeeRatio};
use bitwrk_protocol::market::{
    BITWRK_07_TRUST_ACCOUNT, BITWRK_07_TRUSTED_ACCOUNT, DEFAULT_NONCE_CAPACITY, MarketConfig,
};
use bitwrk_protocol::nonce::NONCE_LIFETIME;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable text.
    Text,
    /// One JSON object per line.
    Json,
}

/// Which network participant addresses belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NetworkArg {
    /// Bitcoin mainnet (addresses `1…`), as BitWrk 0.7.
    Mainnet,
    /// Bitcoin testnet (addresses `m…`/`n…`).
    Testnet,
}

/// The BitWrk reference server: a market for computing power, served over
/// HTTP (spec section 16), durable on embedded SQLite.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "bitwrk-server", version, about, long_about = None)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The database: a SQLite file (created with its schema if missing), or
    /// a `postgres://user@host:port/dbname` URL (PostgreSQL, migrated on start).
    #[arg(long, default_value = "./bitwrk-server.db")]
    pub db: PathBuf,

    /// Network of participant addresses.
    #[arg(long, value_enum, default_value = "mainnet")]
    pub network: NetworkArg,

    /// Account whose signature makes a deposit (and deposit information) valid.
    #[arg(long, default_value = BITWRK_07_TRUSTED_ACCOUNT)]
    pub trusted_account: String,

    /// Account whose enabled `trusts` relations admit sellers of `~trusted` articles.
    #[arg(long, default_value = BITWRK_07_TRUST_ACCOUNT)]
    pub trust_account: String,

    /// The fee as `NUMERATOR/DENOMINATOR` of the price, rounded up.
    #[arg(long, default_value = "3/100", value_parser = parse_ratio)]
    pub fee_ratio: FeeRatio,

    /// How long a bid lives, in seconds.
    #[arg(long, default_value_t = 120)]
    pub bid_lifetime_secs: u64,

    /// Traded base articles, comma-separated; `bitwrk-0.7` is BitWrk 0.7's list.
    #[arg(long, default_value = "bitwrk-0.7")]
    pub articles: String,

    /// Message of the day for clients that are not BitWrk Go clients
    /// (BitWrk 0.7's greeting when not given).
    #[arg(long)]
    pub motd: Option<String>,

    /// Log format.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Peer addresses (reverse proxies) whose `X-Forwarded-For` header is
    /// believed, comma-separated. Off by default: the TCP peer is the client.
    #[arg(long, value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,

    /// Largest request body accepted, in bytes (413 above).
    #[arg(long, default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,

    /// Largest request target (path and query), in bytes (414 above).
    #[arg(long, default_value_t = 8 * 1024)]
    pub max_uri_bytes: usize,

    /// Largest header section, in bytes (431 above).
    #[arg(long, default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,

    /// Most header lines (431 above).
    #[arg(long, default_value_t = 100)]
    pub max_header_lines: usize,

    /// Most connections served at once; further ones get 503.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,

    /// Time allowed to receive a request's headers, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub header_timeout_ms: u64,

    /// Time allowed to receive a request's body, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub body_timeout_ms: u64,

    /// Longest a conditional GET of a bid or transaction with `Prefer:
    /// wait=<n>` is held, in seconds (spec §16.A); 0 never holds one.
    #[arg(long, default_value_t = 30)]
    pub max_wait_secs: u64,

    /// Most such GETs held at once; further ones are answered at once.
    #[arg(long, default_value_t = 256)]
    pub max_held_requests: usize,

    /// Most nonces remembered at once.
    #[arg(long, default_value_t = DEFAULT_NONCE_CAPACITY)]
    pub nonce_capacity: usize,

    /// Enable the test-clock extension `/_test/clock` (spec §18, for
    /// conformance tests only; refused unless listening on loopback).
    #[arg(long)]
    pub test_clock: bool,

    /// With a `postgres://` database: this node's name in the cluster
    /// (default: a random one).
    #[arg(long)]
    pub node: Option<String>,

    /// With a `postgres://` database: the URL other nodes forward inputs to
    /// when this node leads (default: `http://<listen address>/`).
    #[arg(long)]
    pub advertise: Option<String>,

    /// With a `postgres://` database: how long the leader's lease lasts
    /// without renewal, in milliseconds (a follower takes over after it
    /// expires, or at once when the leader's database session ends).
    #[arg(long, default_value_t = 2_000)]
    pub lease_ms: u64,
}

fn parse_ratio(s: &str) -> Result<FeeRatio, String> {
    let (n, d) = s
        .split_once('/')
        .ok_or_else(|| format!("expected NUMERATOR/DENOMINATOR, got {s:?}"))?;
    let n: u32 = n.trim().parse().map_err(|e| format!("numerator: {e}"))?;
    let d: u32 = d.trim().parse().map_err(|e| format!("denominator: {e}"))?;
    FeeRatio::new(n, d).ok_or_else(|| "the denominator must not be 0".to_owned())
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// See [`Args::max_body_bytes`].
    pub max_body_bytes: usize,
    /// See [`Args::max_uri_bytes`].
    pub max_uri_bytes: usize,
    /// See [`Args::max_header_bytes`].
    pub max_header_bytes: usize,
    /// See [`Args::max_header_lines`].
    pub max_header_lines: usize,
    /// See [`Args::max_connections`].
    pub max_connections: usize,
    /// See [`Args::header_timeout_ms`].
    pub header_timeout: Duration,
    /// See [`Args::body_timeout_ms`].
    pub body_timeout: Duration,
    /// See [`Args::max_wait_secs`].
    pub max_wait: Duration,
    /// See [`Args::max_held_requests`].
    pub max_held: usize,
}

impl Args {
    /// The market configuration these flags describe.
    pub fn market_config(&self) -> Result<MarketConfig, String> {
        let network = match self.network {
            NetworkArg::Mainnet => Network::Mainnet,
            NetworkArg::Testnet => Network::Testnet,
        };
        let account = |flag: &str, text: &str| {
            Address::parse_for(text, network).map_err(|e| format!("--{flag} {text}: {e}"))
        };
        let articles = if self.articles == "bitwrk-0.7" {
            ArticlePolicy::bitwrk_07()
        } else {
            ArticlePolicy::from_names(self.articles.split(',').map(str::trim))
                .map_err(|e| format!("--articles: {e}"))?
        };
        // The update fills the core's test-only fault field when a build
        // enables its `fault-injection` feature.
        #[allow(clippy::needless_update)]
        let config = MarketConfig {
            bids: BidConfig {
                network,
                articles,
                fee_ratio: self.fee_ratio,
                lifetime: Duration::from_secs(self.bid_lifetime_secs),
            },
            trusted_account: account("trusted-account", &self.trusted_account)?,
            trust_account: account("trust-account", &self.trust_account)?,
            nonce_capacity: self.nonce_capacity,
            nonce_lifetime: NONCE_LIFETIME,
            verify_mode: crate::verify::MODE,
            #[cfg(feature = "conformance-faults")]
            fault: crate::faults::market_fault(),
            ..MarketConfig::default()
        };
        Ok(config)
    }

    /// The HTTP limits these flags describe.
    pub fn limits(&self) -> HttpLimits {
        HttpLimits {
            max_body_bytes: self.max_body_bytes,
            max_uri_bytes: self.max_uri_bytes,
            max_header_bytes: self.max_header_bytes,
            max_header_lines: self.max_header_lines,
            max_connections: self.max_connections.max(1),
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            body_timeout: Duration::from_millis(self.body_timeout_ms),
            max_wait: Duration::from_secs(self.max_wait_secs),
            max_held: self.max_held_requests,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn defaults_give_bitwrk_07_market() {
        let args = Args::parse_from(["bitwrk-server"]);
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        let config = args.market_config().unwrap();
        assert_eq!(config.bids.fee_ratio, FeeRatio::BITWRK_07);
        assert_eq!(
            config.trusted_account.to_string(),
            BITWRK_07_TRUSTED_ACCOUNT
        );
        assert!(args.trusted_proxies.is_empty());
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(Args::try_parse_from(["bitwrk-server", "--fee-ratio", "1/0"]).is_err());
        let args = Args::parse_from(["bitwrk-server", "--trusted-account", "1abc"]);
        assert!(args.market_config().is_err());
        let args = Args::parse_from(["bitwrk-server", "--articles", "a~trusted"]);
        assert!(args.market_config().is_err());
    }
}

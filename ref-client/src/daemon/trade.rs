//! The trade driver: feeds buys and sells to the protocol library's
//! client machines and performs their effects (server requests, c2c
//! transfers, worker pushes). Until those machines are merged, buys are
//! refused with `client.cancelled` and workers are not offered.

use std::sync::Arc;

use bitwrk_protocol::{Hash256, Money};
use bytes::Bytes;

use super::error::DaemonError;
use super::{Config, Daemon};

/// Pin owner prefix of a live trade's files.
pub const TRADE_PIN: &str = "trade:";

/// The driver's shared state.
#[derive(Debug)]
pub struct Trades {
    changed: tokio::sync::Notify,
}

impl Trades {
    /// The driver for `config`.
    pub fn new(_config: &Config) -> Trades {
        Trades {
            changed: tokio::sync::Notify::new(),
        }
    }

    /// Mandates were added or revoked.
    pub fn mandates_changed(&self) {
        self.changed.notify_waiters();
    }
}

/// At start-up: trades that were live when the client stopped cannot be
/// resumed; their records say so and their pins are dropped.
pub fn recover(daemon: &Daemon) -> Result<(), DaemonError> {
    for entry in daemon.activities()? {
        if entry.info.alive {
            let mut info = entry.info;
            info.alive = false;
            info.info = "interrupted: the client stopped during the trade".to_owned();
            daemon.save_activity(entry.key, &info)?;
        }
    }
    daemon.store.unpin_prefix(TRADE_PIN)
}

/// Runs one buy.
pub async fn buy(
    _daemon: Arc<Daemon>,
    _article: &str,
    _price: Option<Money>,
    _work: Bytes,
) -> Result<Hash256, DaemonError> {
    Err(DaemonError::Cancelled)
}

/// Offers idle workers for sale until `stop`.
pub async fn offer_workers(_daemon: Arc<Daemon>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

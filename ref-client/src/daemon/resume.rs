//! After a restart: the trades that were running when the client stopped
//! (spec §20.8, BW-CLIENT-30 … BW-CLIENT-34, DEP-520).
//!
//! The trading core's state and the bytes of a live trade (work, result
//! key, endpoint) are not durable, so such a trade cannot go on. What is
//! durable is its record, with the bid's and the transaction's
//! identifiers, and the server still has both. A restarted client
//! therefore *follows* each such trade on the server until it is settled:
//! it polls the bid (until it is matched or expires) and the transaction
//! (until it retires), keeps the record's phase current, and ends the
//! record with how the server settled the money. A sell whose transaction
//! still waits for this seller's work (`SELLER_ESTABLISHED`,
//! `TRANSMITTING`, `WORKING`) is ended with `rejectwork=on`, so the buyer
//! is refunded at once instead of at the timeout; a buy in `UNVERIFIED` is
//! accepted, which pays the seller now instead of at the timeout, the
//! same outcome. Nothing else is sent: a buyer has no message that ends a
//! transaction without paying, and the timeouts of §12 settle the rest.

use std::sync::Arc;
use std::time::Instant;

use bitwrk_protocol::bid::BidState;
use bitwrk_protocol::client::backoff::Backoff;
use bitwrk_protocol::client::{
    ActivityKey, Answer, ClientConfig, Method, RequestId, RequestKind, ServerRequest,
};
use bitwrk_protocol::tx::document::sign_tx_form;
use bitwrk_protocol::tx::{Phase, TxState};

use super::Daemon;
use super::error::DaemonError;
use super::records::{ActivityEntry, ActivityInfo};

/// The text of a record while it is followed.
pub const FOLLOWING: &str =
    "the client restarted during the trade; following it on the server until it is settled";

/// A record that was alive when the client stopped and that the server
/// knows (it has a bid or a transaction).
#[derive(Debug, Clone)]
pub struct Followed {
    key: u64,
    info: ActivityInfo,
    /// The message sent after the restart, once accepted.
    sent: Option<&'static str>,
}

/// Takes the records alive at start-up that have a bid or a transaction
/// (BW-CLIENT-30): they stay alive, say that they are followed, and are
/// returned for [`follow`]. The others are left to the caller.
pub fn adopt(
    daemon: &Daemon,
    entries: Vec<ActivityEntry>,
) -> Result<(Vec<Followed>, Vec<ActivityEntry>), DaemonError> {
    let mut followed = Vec::new();
    let mut rest = Vec::new();
    for entry in entries {
        if entry.info.alive && !(entry.info.bid_id.is_empty() && entry.info.tx_id.is_empty()) {
            let mut info = entry.info;
            info.info = FOLLOWING.to_owned();
            daemon.save_activity(entry.key, &info)?;
            followed.push(Followed {
                key: entry.key,
                info,
                sent: None,
            });
        } else {
            rest.push(entry);
        }
    }
    Ok((followed, rest))
}

/// Follows every record of `list` until it is settled or `stop`.
pub async fn follow(
    daemon: Arc<Daemon>,
    list: Vec<Followed>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let tasks: Vec<_> = list
        .into_iter()
        .map(|f| tokio::spawn(follow_one(daemon.clone(), f, stop.clone())))
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

async fn follow_one(
    daemon: Arc<Daemon>,
    mut f: Followed,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    // The trading core's polling: BW-CLIENT-9's backoff, BW-CLIENT-13's
    // patience.
    let config = ClientConfig::default();
    let mut backoff = Backoff::new(config.poll_initial, config.poll_max);
    let mut last_success = Instant::now();
    loop {
        let before = f.info.clone();
        match step(&daemon, &mut f).await {
            Ok(()) => last_success = Instant::now(),
            Err(reason) if last_success.elapsed() >= config.patience => {
                f.info.alive = false;
                f.info.info = format!(
                    "interrupted: the client stopped during the trade, and the server could not be asked how it ended: {reason}"
                );
            }
            Err(reason) => tracing::debug!(key = f.key, %reason, "following a trade"),
        }
        if f.info != before {
            backoff.reset();
            if let Err(e) = daemon.save_activity(f.key, &f.info) {
                tracing::warn!(error = %e, "cannot save a followed trade");
            }
        }
        let delay = backoff.delay();
        backoff.next_after(daemon.now());
        if !f.info.alive {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// A request of the trading core's kinds, outside any activity (so it is
/// built and read exactly as the core's are, by [`ServerApi::execute`]).
///
/// [`ServerApi::execute`]: super::server_api::ServerApi::execute
fn request(kind: RequestKind, path: String, form: Vec<(String, String)>) -> ServerRequest {
    let method = if form.is_empty() {
        Method::Get
    } else {
        Method::Post
    };
    let mut headers = vec![("Accept", "application/json".to_owned())];
    if method == Method::Post {
        headers.push((
            "Content-Type",
            "application/x-www-form-urlencoded".to_owned(),
        ));
    }
    ServerRequest {
        id: RequestId {
            activity: ActivityKey(0),
            seq: 0,
        },
        kind,
        method,
        path,
        headers,
        form,
    }
}

fn unexpected(what: &str, answer: &Answer) -> String {
    format!("expected {what}, got {answer:?}")
}

/// One look at the server; updates `f`.
async fn step(daemon: &Daemon, f: &mut Followed) -> Result<(), String> {
    if f.info.tx_id.is_empty() {
        let path = format!("bid/{}", f.info.bid_id);
        let answer = daemon
            .api
            .execute(&request(RequestKind::FetchBid, path, Vec::new()))
            .await;
        let Answer::Bid { bid, .. } = answer else {
            return Err(unexpected("the bid", &answer));
        };
        f.info.phase = bid.state.as_str().to_owned();
        match (bid.state, bid.transaction) {
            (BidState::Expired, _) => {
                f.info.alive = false;
                f.info.info = "the client restarted during the trade; the bid expired without a match, nothing was paid".to_owned();
                return Ok(());
            }
            (BidState::Matched, Some(tx)) => f.info.tx_id = tx,
            _ => return Ok(()),
        }
    }
    let path = format!("tx/{}", f.info.tx_id);
    let answer = daemon
        .api
        .execute(&request(RequestKind::FetchTx, path.clone(), Vec::new()))
        .await;
    let Answer::Tx { tx, .. } = answer else {
        return Err(unexpected("the transaction", &answer));
    };
    f.info.phase = tx.phase.as_str().to_owned();
    if tx.state == TxState::Retired {
        f.info.alive = false;
        let settled = if tx.phase.pays_seller() {
            "the seller was paid"
        } else {
            "the buyer was refunded"
        };
        let sent = f
            .sent
            .map(|m| format!("; after the restart this client sent {m}=on"))
            .unwrap_or_default();
        f.info.info = format!(
            "the client restarted during the trade; the transaction retired in {}: {settled}{sent}",
            tx.phase
        );
        return Ok(());
    }
    let message = match (f.info.kind.as_str(), tx.phase) {
        // BW-CLIENT-32: the endpoint and the result key are gone; the
        // buyer is refunded now rather than at the timeout.
        ("SELL", Phase::SellerEstablished | Phase::Transmitting | Phase::Working) => {
            Some("rejectwork")
        }
        // BW-CLIENT-31: the seller is paid whether or not the buyer
        // accepts (BW-TX-11); accepting settles now, not in 15 minutes.
        ("BUY", Phase::Unverified) => Some("acceptresult"),
        _ => None,
    };
    if let Some(name) = message
        && f.sent.is_none()
    {
        let form = sign_tx_form(daemon.api.identity(), &f.info.tx_id, &[(name, "on")]);
        let answer = daemon
            .api
            .execute(&request(RequestKind::TxMessage, path, form))
            .await;
        match answer {
            Answer::MessageAccepted => f.sent = Some(name),
            // Refused: the phase moved on meanwhile; the next look decides.
            Answer::Refused { .. } => {}
            other => return Err(unexpected(&format!("{name} to be accepted"), &other)),
        }
    }
    Ok(())
}

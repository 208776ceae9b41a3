//! Snapshots and eviction (spec §15.7).

use std::time::Duration;

use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::{Market, MarketSnapshot};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::tx::{Phase, TxState};
use bitwrk_protocol::{Address, ErrorCode};
use proptest::prelude::*;

use super::model::{Op, message_args, op};
use super::*;

/// Runs random operations through a harness (accepted inputs are logged)
/// and returns it with the time reached.
fn run_ops(ops: &[Op], keys: &[PrivateKey; 3]) -> (Harness, Timestamp) {
    let mut h = Harness::new();
    let mut now = T0;
    for k in keys {
        h.deposit(now, &addr(k), "satoshi 100");
    }
    for op in ops {
        match *op {
            Op::Bid {
                who,
                side,
                price,
                eur,
            } => {
                // A second currency, as in the market proptest.
                let price = if eur {
                    format!("EUR {price}")
                } else {
                    format!("satoshi {price}")
                };
                let _ = h.bid(now, &keys[who], side, "fnord", &price);
            }
            Op::Send { tx, kind } => {
                let Some(txid) = h.market.transactions().map(|(id, _)| *id).nth(tx) else {
                    continue;
                };
                let t = h.market.transaction(txid).unwrap();
                let (buyer, seller) = (t.buyer, t.seller);
                let by = |a: Address| keys.iter().position(|k| addr(k) == a).unwrap();
                let sender = if matches!(kind, 0 | 4 | 5) {
                    by(buyer)
                } else {
                    by(seller)
                };
                let receipt = sign_message(
                    &keys[by(buyer)],
                    receipt_document(&sha256(b"enc")).as_bytes(),
                )
                .to_base64();
                let args = message_args(kind, &receipt);
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let _ = h.send(now, &keys[sender], txid, &args);
            }
            Op::Advance { secs } => {
                now = now.saturating_add(Duration::from_secs(secs));
                h.tick(now);
            }
        }
    }
    (h, now)
}

/// A snapshot through JSON, restored under the same configuration.
fn through_snapshot(m: &Market) -> Market {
    let json = serde_json::to_vec(&m.snapshot()).unwrap();
    let snap: MarketSnapshot = serde_json::from_slice(&json).unwrap();
    Market::restore(m.config().clone(), snap).expect("restore")
}

/// The verdict of a transaction message: the phase reached or the code.
fn message_verdict(
    m: &mut Market,
    now: Timestamp,
    who: &PrivateKey,
    txid: TxId,
    args: &[(&str, &str)],
) -> Result<Phase, &'static str> {
    let form = TxMessage::sign_form(who, txid, args);
    let msg = TxMessage::from_form(txid, &form).expect("well-formed");
    m.submit_tx_message(now, &msg)
        .map(|(a, _)| a.post)
        .map_err(|e| e.code())
}

#[test]
fn snapshot_refuses_another_format() {
    // BW-MARKET-10
    let (h, _) = run_ops(&[], &[key("sf A"), key("sf B"), key("sf C")]);
    let mut snap = h.market.snapshot();
    snap.format += 1;
    let err = Market::restore(h.market.config().clone(), snap).unwrap_err();
    assert_eq!(err.code(), "snapshot.format");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// BW-MARKET-10: snapshot → restore gives an equal market, and replaying
    /// the later events on it equals replaying the whole log.
    #[test]
    fn snapshot_restore_and_replay_the_rest(
        ops in prop::collection::vec(op(), 1..30),
        cut in 0.0f64..1.0,
    ) {
        let keys = [key("pt A"), key("pt B"), key("pt C")];
        let (h, _) = run_ops(&ops, &keys);
        let config = h.market.config().clone();
        prop_assert_eq!(&through_snapshot(&h.market), &h.market);
        let k = ((h.log.len() as f64) * cut) as usize;
        let prefix = Market::replay(config, &h.log[..k]).expect("replay prefix");
        let mut restored = through_snapshot(&prefix);
        prop_assert_eq!(&restored, &prefix);
        for e in &h.log[k..] {
            restored.apply(e).expect("a logged event applies to the restored market");
        }
        prop_assert_eq!(&restored, &h.market);
        prop_assert_eq!(restored.poll_timeout(), h.market.poll_timeout());
    }

    /// BW-MARKET-11: a market that evicts after every event accepts the same
    /// log, reports the same timeouts and balances, and gives every later
    /// message — to live, retired and evicted transactions alike — the same
    /// verdict as one that never evicts.
    #[test]
    fn eviction_changes_no_verdict(ops in prop::collection::vec(op(), 1..30)) {
        let keys = [key("pt A"), key("pt B"), key("pt C")];
        let (h, now) = run_ops(&ops, &keys);
        let config = h.market.config().clone();
        let mut plain = Market::new(config.clone());
        let mut evicting = Market::new(config);
        let mut evicted_txs = 0;
        for e in &h.log {
            plain.apply(e).expect("logged event");
            evicting.apply(e).expect("a logged event applies after eviction too");
            evicted_txs += evicting.evict_retired().txs.len();
            prop_assert_eq!(plain.poll_timeout(), evicting.poll_timeout());
            prop_assert_eq!(plain.ledger(), evicting.ledger());
        }
        prop_assert_eq!(&plain, &h.market);
        // Evicted transactions are gone, live ones are all there.
        let retired = plain.transactions().filter(|(_, t)| t.state == TxState::Retired).count();
        prop_assert_eq!(evicted_txs, retired);
        prop_assert_eq!(
            evicting.transactions().count(),
            plain.transactions().count() - retired
        );
        // A snapshot of the evicting market restores equal to it.
        prop_assert_eq!(&through_snapshot(&evicting), &evicting);
        // Probes: every message kind from both parties to every transaction
        // id, and one past the last, at the final time.
        let receipt = sign_message(&keys[0], receipt_document(&sha256(b"enc")).as_bytes()).to_base64();
        let n = plain.transactions().count() as u64;
        for txid in 0..=n {
            for kind in 0..7 {
                for who in &keys {
                    let args = message_args(kind, &receipt);
                    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let a = message_verdict(&mut plain, now, who, TxId(txid), &args);
                    let b = message_verdict(&mut evicting, now, who, TxId(txid), &args);
                    prop_assert_eq!(a, b, "tx {} kind {}", txid, kind);
                }
            }
        }
    }
}

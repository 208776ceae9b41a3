//! The market's calling contract (spec section 15): end-to-end flows through
//! the real signature checks, all-or-nothing refusals, replay of the event
//! log, and a proptest state-machine test against a small reference model.
//!
//! This file holds what every group shares (keys, the [`Harness`]); the
//! tests are in `market/`, one module a topic:
//!
//! * `flows`: end-to-end trades, refusals, deposits, trusted articles;
//! * `model`: the proptest state-machine test against a reference model;
//! * `edge_cases`: currencies, the order of timeout work, and gaps found by
//!   mutation testing;
//! * `snapshots`: snapshots and eviction (spec §15.7).

#[path = "market/edge_cases.rs"]
mod edge_cases;
#[path = "market/flows.rs"]
mod flows;
#[path = "market/model.rs"]
mod model;
#[path = "market/snapshots.rs"]
mod snapshots;

use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::hash::{Hash256, sha256};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::{Event, Market, MarketConfig};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::Phase;
use bitwrk_protocol::tx::document::TxMessage;
use bitwrk_protocol::{Address, Network};

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("valid scalar")
}

fn addr(k: &PrivateKey) -> Address {
    k.public_key().address(Network::Mainnet)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A market with a trusted account and trust account of our own, plus a log
/// of every accepted input.
struct Harness {
    market: Market,
    log: Vec<Event>,
    trusted: PrivateKey,
    trust: PrivateKey,
    nonce_counter: u32,
}

impl Harness {
    fn new() -> Harness {
        let trusted = key("market trusted");
        let trust = key("market trust");
        let config = MarketConfig {
            trusted_account: addr(&trusted),
            trust_account: addr(&trust),
            ..MarketConfig::default()
        };
        Harness {
            market: Market::new(config),
            log: Vec::new(),
            trusted,
            trust,
            nonce_counter: 0,
        }
    }

    fn nonce(&mut self, now: Timestamp) -> String {
        self.nonce_counter += 1;
        let mut random = [0u8; 16];
        random[..4].copy_from_slice(&self.nonce_counter.to_be_bytes());
        let n = self.market.issue_nonce(now, &random).expect("nonce");
        self.log.push(Event::NonceIssued { now, random });
        n.to_string()
    }

    fn deposit(&mut self, now: Timestamp, to: &Address, amount: &str) {
        let n = self.nonce(now);
        let uid = format!("deposit-{}", self.nonce_counter);
        let doc = format!(
            "account={to}&amount={}&nonce={n}&ref=&type=1&uid={uid}",
            amount.replace(' ', "")
        );
        let sig = sign_message(&self.trusted, doc.as_bytes()).to_base64();
        let to = to.to_string();
        let form = pairs(&[
            ("account", &to),
            ("amount", amount),
            ("nonce", &n),
            ("type", "1"),
            ("uid", &uid),
            ("signature", &sig),
        ]);
        let (_, event) = self.market.submit_deposit(now, &form).expect("deposit");
        self.log.push(event);
    }

    fn bid(
        &mut self,
        now: Timestamp,
        who: &PrivateKey,
        side: BidType,
        article: &str,
        price: &str,
    ) -> Result<bitwrk_protocol::market::BidPlaced, bitwrk_protocol::market::MarketError> {
        let n = self.nonce(now);
        let form = BidForm::signed(who, side, article, price, &n);
        let (placed, event) = self.market.submit_bid(now, &form)?;
        self.log.push(event);
        Ok(placed)
    }

    fn send(
        &mut self,
        now: Timestamp,
        who: &PrivateKey,
        txid: TxId,
        args: &[(&str, &str)],
    ) -> Result<Phase, bitwrk_protocol::market::MarketError> {
        let form = TxMessage::sign_form(who, txid, args);
        let msg = TxMessage::from_form(txid, &form).expect("well-formed");
        let (accepted, event) = self.market.submit_tx_message(now, &msg)?;
        self.log.push(event);
        Ok(accepted.post)
    }

    fn tick(&mut self, now: Timestamp) -> bitwrk_protocol::market::TimeoutsHandled {
        let done = self.market.handle_timeout(now).expect("time moves forward");
        self.log.push(Event::Timeout { now });
        done
    }

    fn balance(&self, a: &Address) -> (i64, i64) {
        let acc = self.market.ledger().account_or_empty(a);
        (acc.available, acc.blocked)
    }
}

fn hex(h: Hash256) -> String {
    h.to_string()
}

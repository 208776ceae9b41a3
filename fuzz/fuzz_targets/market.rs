//! The market's entry points fed a program of signed and tampered inputs
//! from arbitrary bytes, with BTC and EUR: nothing panics (in particular no
//! payout fails to credit its seller, BW-MARKET-7), every refusal leaves the
//! market exactly as it was (BW-MARKET-2), and replaying the accepted events
//! rebuilds the same market (BW-MARKET-4).
#![no_main]
use std::time::Duration;

use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::{Event, Market, MarketConfig, MarketError};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::{Address, Currency, Money, Network};
use libfuzzer_sys::fuzz_target;

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("valid scalar")
}

fn addr(k: &PrivateKey) -> Address {
    k.public_key().address(Network::Mainnet)
}

struct World {
    market: Market,
    log: Vec<Event>,
    keys: [PrivateKey; 3],
    trusted: PrivateKey,
    nonces: u32,
    now: Timestamp,
}

impl World {
    /// Runs one input; a refusal must change nothing.
    fn input(&mut self, f: impl FnOnce(&mut Market) -> Result<Event, MarketError>) {
        let before = self.market.clone();
        match f(&mut self.market) {
            Ok(event) => self.log.push(event),
            Err(e) => assert!(self.market == before, "refusal {e} changed the market"),
        }
    }

    fn nonce(&mut self) -> String {
        self.nonces += 1;
        let mut random = [0u8; 16];
        random[..4].copy_from_slice(&self.nonces.to_be_bytes());
        let now = self.now;
        let n = self.market.issue_nonce(now, &random).expect("nonce");
        self.log.push(Event::NonceIssued { now, random });
        n.to_string()
    }
}

fn currency(b: u8) -> Currency {
    if b & 1 == 0 {
        Currency::Btc
    } else {
        Currency::Eur
    }
}

fn message_args(kind: u8, receipt: &str) -> Vec<(&'static str, String)> {
    let secret = Hash256::from_byte_array([3; 32]);
    let work = sha256(b"w");
    match kind % 7 {
        0 => vec![
            ("workhash", work.to_string()),
            (
                "worksecrethash",
                sha256_concat(&[work.as_bytes(), secret.as_bytes()]).to_string(),
            ),
        ],
        1 => vec![("workerurl", "http://192.0.2.9:8082/".to_owned())],
        2 => vec![("buyersecret", secret.to_string())],
        3 => vec![
            ("encresulthash", sha256(b"enc").to_string()),
            ("encresulthashsig", receipt.to_owned()),
            ("encresultkey", sha256(b"key").to_string()),
        ],
        4 => vec![("acceptresult", "on".to_owned())],
        5 => vec![("rejectresult", "on".to_owned())],
        _ => vec![("rejectwork", "on".to_owned())],
    }
}

fuzz_target!(|data: &[u8]| {
    let trusted = key("fuzz trusted");
    let config = MarketConfig {
        trusted_account: addr(&trusted),
        ..MarketConfig::default()
    };
    let mut w = World {
        market: Market::new(config.clone()),
        log: Vec::new(),
        keys: [key("fuzz A"), key("fuzz B"), key("fuzz C")],
        trusted,
        nonces: 0,
        now: Timestamp::from_millis(1_700_000_000_000),
    };
    for op in data.chunks(4).take(40) {
        let [kind, a, b, c] = [
            op[0],
            *op.get(1).unwrap_or(&0),
            *op.get(2).unwrap_or(&0),
            *op.get(3).unwrap_or(&0),
        ];
        let who = usize::from(a % 3);
        let tamper = c & 0x0f == 0;
        match kind % 4 {
            0 => {
                let n = w.nonce();
                let to = addr(&w.keys[who]).to_string();
                let amount = Money::new(i64::from(b) + 1, currency(a >> 2)).to_string();
                let uid = format!("fuzz-{}", c % 8);
                let doc = format!(
                    "account={to}&amount={}&nonce={n}&ref=&type=1&uid={uid}",
                    amount.replace(' ', "")
                );
                let sig = sign_message(&w.trusted, doc.as_bytes()).to_base64();
                let amount = if tamper { format!("{amount}1") } else { amount };
                let form: Vec<(String, String)> = [
                    ("account", to.as_str()),
                    ("amount", amount.as_str()),
                    ("nonce", n.as_str()),
                    ("type", "1"),
                    ("uid", uid.as_str()),
                    ("signature", sig.as_str()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
                let now = w.now;
                w.input(|m| m.submit_deposit(now, &form).map(|(_, e)| e));
            }
            1 => {
                let n = w.nonce();
                let side = if a & 4 == 0 {
                    BidType::Buy
                } else {
                    BidType::Sell
                };
                let price = Money::new(i64::from(b % 64), currency(a >> 3)).to_string();
                let article = if a & 0x40 == 0 { "fnord" } else { "snafu" };
                let mut form = BidForm::signed(&w.keys[who], side, article, &price, &n);
                if tamper {
                    form.price = Money::new(i64::from(b % 64) + 1, currency(a >> 3)).to_string();
                }
                let now = w.now;
                w.input(|m| m.submit_bid(now, &form).map(|(_, e)| e));
            }
            2 => {
                let txs: Vec<(TxId, Address, Address)> = w
                    .market
                    .transactions()
                    .map(|(id, tx)| (*id, tx.buyer, tx.seller))
                    .collect();
                if txs.is_empty() {
                    continue;
                }
                let (txid, buyer, seller) = txs[usize::from(b) % txs.len()];
                let by = |x: Address| w.keys.iter().find(|k| addr(k) == x).expect("a participant");
                let receipt = sign_message(by(buyer), receipt_document(&sha256(b"enc")).as_bytes())
                    .to_base64();
                let args = message_args(c >> 4, &receipt);
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let sender = match a % 4 {
                    0 | 1 => by(if matches!(c >> 4 & 7, 0 | 4 | 5) {
                        buyer
                    } else {
                        seller
                    }),
                    2 => by(buyer),
                    _ => &w.keys[who],
                };
                let form = TxMessage::sign_form(sender, txid, &args);
                let Ok(mut msg) = TxMessage::from_form(txid, &form) else {
                    continue;
                };
                if tamper {
                    msg.txid = TxId(msg.txid.0 ^ 1);
                }
                let now = w.now;
                w.input(|m| m.submit_tx_message(now, &msg).map(|(_, e)| e));
            }
            _ => {
                let secs = [0u64, 1, 61, 130, 1000, 86_400][usize::from(b) % 6];
                w.now = w.now.saturating_add(Duration::from_secs(secs));
                let now = w.now;
                w.input(|m| m.handle_timeout(now).map(|_| Event::Timeout { now }));
            }
        }
    }
    let mut far = w.market.clone();
    far.handle_timeout(w.now.saturating_add(Duration::from_secs(86_400 * 30)))
        .expect("time moves forward");
    w.market
        .ledger()
        .check_invariants()
        .expect("ledger invariants");
    let replayed = Market::replay(config, &w.log).expect("the log replays");
    assert!(replayed == w.market, "replay differs");
});

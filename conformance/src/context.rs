//! What every case can reach: the client, the profile's key, fresh
//! participant keys, articles of its own, and the steps many cases share
//! (a nonce, a funding deposit, a signed bid, a trade up to a phase).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bitwrk_protocol::address::Network;
use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::ledger::deposit::SignedDeposit;
use bitwrk_protocol::signature::sign_message;
use serde_json::Value;

use crate::case::{Stop, fail};
use crate::client::{Client, Resp, form};
use crate::profile;

/// The context of one run.
#[derive(Debug)]
pub struct Ctx {
    /// The server.
    pub client: Client,
    /// Whether the server offers the test clock (BW-CONF-5).
    pub has_clock: bool,
    /// Whether time-dependent cases may wait in real time.
    pub slow: bool,
    /// The profile's key (trusted account and trust account).
    pub trusted: PrivateKey,
    run_seed: u64,
    keys: AtomicU64,
    articles: AtomicUsize,
    pool: Vec<String>,
}

impl Ctx {
    /// A context for the server at `base_url`; asks whether it has the
    /// test clock.
    pub async fn new(base_url: &str, slow: bool) -> Result<Ctx, String> {
        let client = Client::new(base_url)?;
        let probe = client.get_json("/_test/clock").await?;
        let has_clock = probe.status == 200;
        let run_seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(Ctx {
            client,
            has_clock,
            slow,
            trusted: PrivateKey::from_wif(profile::TEST_WIF).map_err(|e| e.to_string())?,
            run_seed,
            keys: AtomicU64::new(0),
            articles: AtomicUsize::new(0),
            pool: profile::article_pool(),
        })
    }

    /// A participant key nobody else in this run uses.
    pub fn fresh_key(&self) -> PrivateKey {
        let n = self.keys.fetch_add(1, Ordering::SeqCst);
        let seed = format!("bitwrk conformance participant {} {n}", self.run_seed);
        PrivateKey::from_secret_bytes(sha256(seed.as_bytes()).as_bytes(), true, Network::Mainnet)
            .expect("a SHA-256 output is a valid scalar with overwhelming probability")
    }

    /// An article no other case of this run trades (57 in the pool; the
    /// suite uses about 45, and would wrap around after 57).
    pub fn fresh_article(&self) -> String {
        let n = self.articles.fetch_add(1, Ordering::SeqCst);
        self.pool[n % self.pool.len()].clone()
    }

    /// The article for bids that must never match: only SELLs are placed
    /// on it (no case buys there), so they rest untouched (BW-CONF-4).
    pub fn lone_sell_article(&self) -> String {
        profile::LONE_SELL_ARTICLE.to_owned()
    }

    /// A fresh nonce from `GET /nonce`.
    pub async fn nonce(&self) -> Result<String, Stop> {
        let r = self.client.send("GET", "/nonce", &[], b"").await?;
        if r.status != 200 || r.body.len() != 32 {
            return Err(fail(
                "GET /nonce: 200 with a 32-character nonce",
                r.summary(),
            ));
        }
        Ok(r.text())
    }

    /// A signed bid form of `key`.
    pub async fn bid_form(
        &self,
        key: &PrivateKey,
        side: BidType,
        article: &str,
        price: &str,
    ) -> Result<BidForm, Stop> {
        let nonce = self.nonce().await?;
        Ok(BidForm::signed(key, side, article, price, &nonce))
    }

    /// `POST /bid` of a form.
    pub async fn post_bid(&self, bid: &BidForm) -> Result<Resp, Stop> {
        Ok(self.client.post_form("/bid", &bid_body(bid)).await?)
    }

    /// Places a bid that must be admitted; returns its id (`X-Bid-Key`).
    pub async fn place(
        &self,
        key: &PrivateKey,
        side: BidType,
        article: &str,
        price: &str,
    ) -> Result<String, Stop> {
        let form = self.bid_form(key, side, article, price).await?;
        let r = self.post_bid(&form).await?;
        match (r.status, r.header("x-bid-key")) {
            (303, Some(id)) if !id.is_empty() => Ok(id.to_owned()),
            _ => Err(fail(
                format!("{side:?} {price} on {article} admitted: 303 with X-Bid-Key"),
                r.summary(),
            )),
        }
    }

    /// A signed deposit form by the trusted account, as pairs.
    pub async fn deposit_pairs(
        &self,
        account: &str,
        amount: &str,
        uid: &str,
    ) -> Result<Vec<(String, String)>, Stop> {
        let nonce = self.nonce().await?;
        let mut pairs: Vec<(String, String)> = [
            ("account", account),
            ("amount", amount),
            ("nonce", nonce.as_str()),
            ("ref", "conformance"),
            ("signature", ""),
            ("type", "0"),
            ("uid", uid),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let parsed = SignedDeposit::from_form(&pairs)
            .map_err(|e| fail("a deposit the suite can build", e.to_string()))?;
        let signature = sign_message(&self.trusted, parsed.document().as_bytes()).to_base64();
        pairs[4].1 = signature;
        Ok(pairs)
    }

    /// A uid nobody used in this run.
    pub fn fresh_uid(&self) -> String {
        let n = self.keys.fetch_add(1, Ordering::SeqCst);
        format!("conf-{:x}-{n}", self.run_seed)
    }

    /// Funds `account` with a deposit that must be accepted (302).
    pub async fn fund(&self, account: &str, amount: &str) -> Result<String, Stop> {
        let uid = self.fresh_uid();
        let pairs = self.deposit_pairs(account, amount, &uid).await?;
        let r = self.client.post_form("/deposit", &form(&pairs)).await?;
        if r.status != 302 {
            return Err(fail(
                format!("deposit of {amount} to {account}: 302"),
                r.summary(),
            ));
        }
        Ok(uid)
    }

    /// `GET` a JSON object that must exist.
    pub async fn object(&self, path: &str) -> Result<Value, Stop> {
        let r = self.client.get_json(path).await?;
        if r.status != 200 {
            return Err(fail(format!("GET {path}: 200"), r.summary()));
        }
        r.json().map_err(|e| fail(format!("GET {path}: JSON"), e))
    }

    /// Moves the server's clock forward (BW-CONF-6), or waits in real
    /// time under `--slow`; skips the case otherwise.
    pub async fn advance(&self, ms: u64) -> Result<(), Stop> {
        if self.has_clock {
            let r = self
                .client
                .post_form("/_test/clock", &format!("advance={ms}"))
                .await?;
            if r.status != 200 {
                return Err(fail("POST /_test/clock: 200", r.summary()));
            }
            Ok(())
        } else if self.slow {
            tokio::time::sleep(std::time::Duration::from_millis(ms + 100)).await;
            Ok(())
        } else {
            Err(Stop::Skip(
                "needs the test clock (BW-CONF-5) or --slow for real waiting".into(),
            ))
        }
    }
}

/// The body of `POST /bid` for a form (fields in the 0.7 client's order).
pub fn bid_body(b: &BidForm) -> String {
    form(&[
        ("type", &b.bid_type),
        ("article", &b.article),
        ("price", &b.price),
        ("address", &b.address),
        ("nonce", &b.nonce),
        ("signature", &b.signature),
    ])
}

/// The address text of a key.
pub fn address_of(key: &PrivateKey) -> String {
    key.public_key().address(key.network()).to_string()
}

/// Shared handle.
pub type Cx = Arc<Ctx>;

//! Trades between two fresh participants: a funded buyer and a seller
//! meet on an article of their own, and the transaction is driven through
//! its phases by signed messages (§12), over HTTP only.

use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::tx::document::canonical_document;
use serde_json::Value;

use crate::case::{Stop, fail};
use crate::check;
use crate::client::{Resp, form};
use crate::context::{Ctx, address_of};

/// The price every trade uses, and what the buyer is funded with.
pub const PRICE: &str = "mBTC 1";
/// The fee of [`PRICE`] at 3/100 (BW-BID-13): uBTC 30.
pub const FEE: &str = "uBTC 30";
/// The funding deposit of a buyer.
pub const FUNDING: &str = "mBTC 10";

/// The phases of the happy path, in order (BW-TX-5).
pub const HAPPY_PATH: [&str; 6] = [
    "ESTABLISHING",
    "BUYER_ESTABLISHED",
    "TRANSMITTING",
    "WORKING",
    "UNVERIFIED",
    "FINISHED",
];

/// A transaction between two fresh participants.
#[derive(Debug)]
pub struct Trade {
    /// The buyer.
    pub buyer: PrivateKey,
    /// The seller.
    pub seller: PrivateKey,
    /// The transaction id (opaque text, BW-HTTP-5).
    pub tx: String,
    /// The buyer's bid.
    pub buy_bid: String,
    /// The seller's bid.
    pub sell_bid: String,
    /// The article.
    pub article: String,
    /// The work hash the buyer announces.
    pub work_hash: String,
    /// The buyer's secret.
    pub secret: String,
}

/// 64 hex characters derived from `seed`.
pub fn hex32(seed: &str) -> String {
    sha256(seed.as_bytes()).to_string()
}

/// SHA-256(work hash ‖ secret) over the raw bytes, in hex (BW-TX-8).
pub fn secret_hash(work_hash: &str, secret: &str) -> String {
    let raw = |h: &str| -> Vec<u8> {
        (0..h.len() / 2)
            .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
            .collect()
    };
    let mut bytes = raw(work_hash);
    bytes.extend(raw(secret));
    sha256(&bytes).to_string()
}

impl Trade {
    /// Funds a buyer, places a SELL then a matching BUY at [`PRICE`] on a
    /// fresh article and reads the transaction id from the buy bid.
    pub async fn open(cx: &Ctx) -> Result<Trade, Stop> {
        let buyer = cx.fresh_key();
        let seller = cx.fresh_key();
        let article = cx.fresh_article();
        cx.fund(&address_of(&buyer), FUNDING).await?;
        let sell_bid = cx.place(&seller, BidType::Sell, &article, PRICE).await?;
        let buy_bid = cx.place(&buyer, BidType::Buy, &article, PRICE).await?;
        let bid = cx.object(&format!("/bid/{buy_bid}")).await?;
        let tx = match bid.get("Transaction") {
            Some(Value::String(t)) => t.clone(),
            // Identifiers are strings (BW-HTTP-11); a number is reported by
            // wire/json/ids-are-strings, and the trade goes on with its text.
            Some(Value::Number(n)) => n.to_string(),
            other => {
                return Err(fail(
                    "the BUY matched against the SELL: Transaction set (BW-MATCH-1)",
                    format!("{other:?}"),
                ));
            }
        };
        let tag = format!("{buy_bid}-{tx}");
        Ok(Trade {
            buyer,
            seller,
            tx,
            buy_bid,
            sell_bid,
            article,
            work_hash: hex32(&format!("work {tag}")),
            secret: hex32(&format!("secret {tag}")),
        })
    }

    /// The transaction's JSON.
    pub async fn get(&self, cx: &Ctx) -> Result<Value, Stop> {
        cx.object(&format!("/tx/{}", self.tx)).await
    }

    /// The phase now.
    pub async fn phase(&self, cx: &Ctx) -> Result<String, Stop> {
        check::member(&self.get(cx).await?, "Phase")
    }

    /// Sends a message signed by `key` with `args`; the response.
    pub async fn send(
        &self,
        cx: &Ctx,
        key: &PrivateKey,
        args: &[(&str, &str)],
    ) -> Result<Resp, Stop> {
        let pairs = message_pairs(key, &self.tx, args);
        Ok(cx
            .client
            .post_form(&format!("/tx/{}", self.tx), &form(&pairs))
            .await?)
    }

    /// Sends a message that must be accepted (303 to `/tx/<id>`).
    pub async fn ok(&self, cx: &Ctx, key: &PrivateKey, args: &[(&str, &str)]) -> Result<(), Stop> {
        let r = self.send(cx, key, args).await?;
        let names: Vec<&str> = args.iter().map(|(k, _)| *k).collect();
        check::status(&format!("message {names:?} accepted"), &r, 303)
    }

    /// The buyer's `workhash`/`worksecrethash` message.
    pub fn buyer_hashes(&self) -> (String, String) {
        (
            self.work_hash.clone(),
            secret_hash(&self.work_hash, &self.secret),
        )
    }

    /// A worker URL on the suite's own address (`GET /myip`).
    pub async fn worker_url(&self, cx: &Ctx) -> Result<String, Stop> {
        let r = cx.client.send("GET", "/myip", &[], b"").await?;
        check::status("GET /myip", &r, 200)?;
        let ip = r.text();
        Ok(if ip.contains(':') {
            format!("http://[{ip}]:8082/work")
        } else {
            format!("http://{ip}:8082/work")
        })
    }

    /// Drives the transaction forward to `phase` along the happy path.
    pub async fn drive_to(&self, cx: &Ctx, phase: &str) -> Result<(), Stop> {
        let target = HAPPY_PATH
            .iter()
            .position(|p| *p == phase)
            .ok_or_else(|| fail("a happy-path phase", phase.to_owned()))?;
        for next in &HAPPY_PATH[1..=target] {
            self.drive_to_next(cx, next).await?;
        }
        check::eq("phase reached", phase.to_owned(), self.phase(cx).await?)
    }

    /// Sends the one happy-path message that arrives in `phase`.
    pub async fn drive_to_next(&self, cx: &Ctx, phase: &str) -> Result<(), Stop> {
        let (wh, wsh) = self.buyer_hashes();
        match phase {
            "BUYER_ESTABLISHED" => {
                self.ok(
                    cx,
                    &self.buyer,
                    &[("workhash", &wh), ("worksecrethash", &wsh)],
                )
                .await
            }
            "TRANSMITTING" => {
                let url = self.worker_url(cx).await?;
                self.ok(cx, &self.seller, &[("workerurl", &url)]).await
            }
            "WORKING" => {
                self.ok(cx, &self.seller, &[("buyersecret", &self.secret)])
                    .await
            }
            "UNVERIFIED" => {
                let (h, sig, key) = self.result_args();
                self.ok(
                    cx,
                    &self.seller,
                    &[
                        ("encresulthash", &h),
                        ("encresulthashsig", &sig),
                        ("encresultkey", &key),
                    ],
                )
                .await
            }
            "FINISHED" => self.ok(cx, &self.buyer, &[("acceptresult", "on")]).await,
            other => Err(fail(
                "a happy-path phase after ESTABLISHING",
                other.to_owned(),
            )),
        }
    }

    /// `encresulthash`, the buyer's receipt signature over it, `encresultkey`.
    pub fn result_args(&self) -> (String, String, String) {
        let h = hex32(&format!("result {}", self.tx));
        let sig = sign_message(&self.buyer, h.as_bytes()).to_base64();
        (h, sig, hex32(&format!("key {}", self.tx)))
    }
}

/// The form pairs of a transaction message: the arguments, `txid`,
/// `address`, `signature` over the canonical document (BW-TXDOC-3).
pub fn message_pairs(key: &PrivateKey, tx: &str, args: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut signed: Vec<(&str, &str)> = args.to_vec();
    signed.push(("txid", tx));
    let document = canonical_document(signed.iter().copied());
    let signature = sign_message(key, document.as_bytes()).to_base64();
    let mut pairs: Vec<(String, String)> = signed
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.push(("address".into(), address_of(key)));
    pairs.push(("signature".into(), signature));
    pairs
}

/// An account's `Available` and `Blocked`.
pub async fn balances(cx: &Ctx, key: &PrivateKey) -> Result<(String, String), Stop> {
    let a = cx.object(&format!("/account/{}", address_of(key))).await?;
    Ok((
        check::member(&a, "Available")?,
        check::member(&a, "Blocked")?,
    ))
}

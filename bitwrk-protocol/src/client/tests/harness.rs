//! Test glue (not production code): a real in-memory [`Market`] behind the
//! client's requests, two clients, and a scripted client-to-client
//! transfer and worker.

use core::time::Duration;

use crate::address::Address;
use crate::article::Article;
use crate::bid::BidForm;
use crate::client::worker::{WorkerAnswer, WorkerId, WorkerInfo};
use crate::client::{
    ActivityKey, ActivityManager, Answer, ClientConfig, Event, EventKind, Mandate, RequestKind,
    ServerRequest,
};
use crate::error::ErrorCode;
use crate::hash::{Hash256, sha256};
use crate::ids::{BidId, TxId};
use crate::key::PrivateKey;
use crate::market::{Market, MarketConfig};
use crate::money::Money;
use crate::signature::sign_message;
use crate::time::Timestamp;
use crate::tx::document::TxMessage;
use crate::wire::{BidJson, TransactionJson};
use crate::{Network, bid::BidType};

pub(crate) const T0: Timestamp = Timestamp::from_millis(1_800_000_000_000);
pub(crate) const ARTICLE: &str = "foobar";
pub(crate) const WORKER_URL: &str = "http://127.0.0.1:8082/0a1b2c3d";

pub(crate) fn key(n: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[n; 32], true, Network::Mainnet).expect("valid scalar")
}

pub(crate) fn addr(k: &PrivateKey) -> Address {
    k.public_key().address(k.network())
}

pub(crate) fn article() -> Article {
    Article::parse(ARTICLE).expect("article")
}

pub(crate) fn money(s: &str) -> Money {
    Money::parse(s).expect("money")
}

/// The market behind an HTTP-like surface.
pub(crate) struct Server {
    pub market: Market,
    trusted: PrivateKey,
    counter: u32,
    /// Every request served, with the time.
    pub log: Vec<(Timestamp, RequestKind, String)>,
    /// Answer every request with "no answer".
    pub down: bool,
    /// Apply the next message of this name, but answer "no answer".
    pub lose_answer_of: Option<&'static str>,
    /// Refuse every message of this name without applying it.
    pub refuse_messages_of: Option<&'static str>,
    /// Answer polls that ask for a wait with `Preference-Applied: wait`,
    /// as a server that holds them does (at once here: the harness serves
    /// synchronously); `false` is a BitWrk 0.7 server.
    pub paces: bool,
}

fn etag_matches(req: &ServerRequest, tag: &str) -> bool {
    req.header("If-None-Match") == Some(tag)
}

impl Server {
    pub(crate) fn new() -> Server {
        let trusted = key(200);
        let config = MarketConfig {
            trusted_account: addr(&trusted),
            ..MarketConfig::default()
        };
        Server {
            market: Market::new(config),
            trusted,
            counter: 0,
            log: Vec::new(),
            down: false,
            lose_answer_of: None,
            refuse_messages_of: None,
            paces: false,
        }
    }

    fn random(&mut self) -> [u8; 16] {
        self.counter += 1;
        let mut r = [0u8; 16];
        r[..4].copy_from_slice(&self.counter.to_be_bytes());
        r
    }

    pub(crate) fn deposit(&mut self, now: Timestamp, to: &Address, amount: &str) {
        let random = self.random();
        let n = self
            .market
            .issue_nonce(now, &random)
            .expect("nonce")
            .to_string();
        let uid = format!("deposit-{}", self.counter);
        let doc = format!(
            "account={to}&amount={}&nonce={n}&ref=&type=1&uid={uid}",
            amount.replace(' ', "")
        );
        let sig = sign_message(&self.trusted, doc.as_bytes()).to_base64();
        let form: Vec<(String, String)> = [
            ("account", to.to_string()),
            ("amount", amount.to_owned()),
            ("nonce", n),
            ("type", "1".to_owned()),
            ("uid", uid),
            ("signature", sig),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        self.market.submit_deposit(now, &form).expect("deposit");
    }

    pub(crate) fn balance(&self, a: &Address) -> (i64, i64) {
        let acc = self.market.ledger().account_or_empty(a);
        (acc.available, acc.blocked)
    }

    pub(crate) fn tx(&self, id: &str) -> Option<&crate::tx::Transaction> {
        self.market.transaction(TxId(id.parse().ok()?))
    }

    fn refused(e: &dyn ErrorCode, status: u16) -> Answer {
        Answer::Refused {
            status,
            code: Some(e.code().to_owned()),
            message: e.to_string(),
        }
    }

    /// Serves one request at `now`: the glue from the client's request to
    /// the market's inputs and from the market's outputs to the answer.
    pub(crate) fn serve(&mut self, now: Timestamp, req: &ServerRequest) -> Answer {
        self.log.push((now, req.kind, req.path.clone()));
        if self.down {
            return Answer::Unreachable {
                reason: "connection refused".to_owned(),
            };
        }
        let field = |name: &str| {
            req.form
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let id_of = |prefix: &str| -> Option<u64> { req.path.strip_prefix(prefix)?.parse().ok() };
        match req.kind {
            RequestKind::Nonce => {
                let random = self.random();
                match self.market.issue_nonce(now, &random) {
                    Ok(n) => Answer::Nonce(n.to_string()),
                    Err(e) => Self::refused(&e, 503),
                }
            }
            RequestKind::PlaceBid => {
                let form = BidForm {
                    bid_type: field("type"),
                    article: field("article"),
                    price: field("price"),
                    address: field("address"),
                    nonce: field("nonce"),
                    signature: field("signature"),
                };
                match self.market.submit_bid(now, &form) {
                    Ok((placed, _)) => Answer::BidAccepted {
                        bid: placed.bid.to_string(),
                    },
                    Err(e) => Self::refused(&e, 422),
                }
            }
            RequestKind::FetchBid => {
                let Some(bid) = id_of("bid/").and_then(|i| self.market.bid(BidId(i))) else {
                    return Answer::Refused {
                        status: 404,
                        code: Some("http.not-found".to_owned()),
                        message: String::new(),
                    };
                };
                let tag = format!("\"s{}-c16\"", bid.state.as_str());
                let paced = self.paces && req.header("Prefer").is_some();
                if etag_matches(req, &tag) {
                    return Answer::NotModified { paced };
                }
                Answer::Bid {
                    etag: Some(tag),
                    bid: Box::new(BidJson::new(bid)),
                    paced,
                }
            }
            RequestKind::FetchTx => {
                let Some(tx) = id_of("tx/").and_then(|i| self.market.transaction(TxId(i))) else {
                    return Answer::Refused {
                        status: 404,
                        code: Some("http.not-found".to_owned()),
                        message: String::new(),
                    };
                };
                let tag = format!("\"r{}-c16\"", tx.revision);
                let paced = self.paces && req.header("Prefer").is_some();
                if etag_matches(req, &tag) {
                    return Answer::NotModified { paced };
                }
                Answer::Tx {
                    etag: Some(tag),
                    tx: Box::new(TransactionJson::new(tx)),
                    paced,
                }
            }
            RequestKind::TxMessage => {
                let Some(txid) = id_of("tx/").map(TxId) else {
                    return Answer::Malformed {
                        reason: "bad path".to_owned(),
                    };
                };
                if self
                    .refuse_messages_of
                    .is_some_and(|name| req.form.iter().any(|(k, _)| k == name))
                {
                    return Answer::Refused {
                        status: 409,
                        code: Some("tx.wrong-phase".to_owned()),
                        message: "refused by the test".to_owned(),
                    };
                }
                let lose = self
                    .lose_answer_of
                    .is_some_and(|name| req.form.iter().any(|(k, _)| k == name));
                let answer = match TxMessage::from_form(txid, &req.form) {
                    Err(e) => Self::refused(&e, 400),
                    Ok(msg) => match self.market.submit_tx_message(now, &msg) {
                        Ok(_) => Answer::MessageAccepted,
                        Err(e) => Self::refused(&e, 409),
                    },
                };
                if lose {
                    self.lose_answer_of = None;
                    return Answer::Unreachable {
                        reason: "answer lost".to_owned(),
                    };
                }
                answer
            }
        }
    }
}

/// What the scripted peers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Script {
    /// The worker answers 500.
    pub worker_fails: bool,
    /// The buyer never transmits the work.
    pub buyer_never_transmits: bool,
    /// The buyer never sends the receipt nor accepts.
    pub buyer_vanishes_after_work: bool,
    /// The buyer's driver never accepts the result.
    pub buyer_never_accepts: bool,
    /// The seller receives work that is not the committed one.
    pub tamper_work: bool,
    /// The buyer's transfer reports another result hash than the seller's.
    pub wrong_result_hash: bool,
    /// The worker never answers.
    pub worker_hangs: bool,
    /// The work reaches the seller right after its worker URL, before the
    /// transaction is in TRANSMITTING.
    pub early_work: bool,
    /// The receipt is signed by the wrong key once.
    pub forged_receipt_first: bool,
}

/// One client: its manager and the events it emitted.
pub(crate) struct Client {
    pub mgr: ActivityManager,
    pub events: Vec<Event>,
    pub identity: PrivateKey,
}

impl Client {
    pub(crate) fn new(identity: PrivateKey, config: ClientConfig) -> Client {
        Client {
            mgr: ActivityManager::new(identity.clone(), config),
            events: Vec::new(),
            identity,
        }
    }

    pub(crate) fn finished(
        &self,
        key: ActivityKey,
    ) -> Option<&Result<(), crate::client::ClientError>> {
        self.events.iter().find_map(|e| match &e.kind {
            EventKind::Finished { result } if e.key == key => Some(result),
            _ => None,
        })
    }

    pub(crate) fn saw(&self, key: ActivityKey, pred: impl Fn(&EventKind) -> bool) -> bool {
        self.events.iter().any(|e| e.key == key && pred(&e.kind))
    }
}

/// A buyer client, a seller client with one worker, the server, a clock.
pub(crate) struct World {
    pub now: Timestamp,
    pub server: Server,
    pub buyer: Client,
    pub seller: Client,
    pub script: Script,
    /// The encrypted result "sent" by the seller, as hashed.
    pub result_hash: Hash256,
    forged_sent: bool,
    pending: Vec<(bool, Event)>,
}

pub(crate) const WORK: &[u8] = b"render frame 1";

impl World {
    pub(crate) fn new(config: ClientConfig) -> World {
        let mut server = Server::new();
        let buyer = Client::new(key(1), config.clone());
        let seller = Client::new(key(2), config);
        server.deposit(T0, &addr(&buyer.identity), "mBTC 10");
        World {
            now: T0,
            server,
            buyer,
            seller,
            script: Script::default(),
            result_hash: sha256(b"encrypted result"),
            forged_sent: false,
            pending: Vec::new(),
        }
    }

    /// Registers the seller's worker with a SELL mandate and starts its
    /// sell; returns the sell's key.
    pub(crate) fn start_seller(&mut self, price: &str) -> ActivityKey {
        let now = self.now;
        let mandate = Mandate::from_permit(
            now,
            BidType::Sell,
            article(),
            money(price),
            true,
            10,
            false,
            1,
        )
        .expect("mandate");
        self.seller.mgr.add_mandate(now, mandate);
        self.seller.mgr.register_worker(WorkerInfo {
            id: WorkerId("w1".to_owned()),
            article: article(),
            push_url: "http://127.0.0.1:9000/push".to_owned(),
        });
        let w = self
            .seller
            .mgr
            .poll_idle_worker(now)
            .expect("worker offered");
        self.seller.mgr.sell(now, &w, [7; 32]).expect("sell")
    }

    pub(crate) fn start_buyer(&mut self, price: &str) -> ActivityKey {
        let now = self.now;
        self.buyer
            .mgr
            .buy(now, article(), Some(money(price)), sha256(WORK), [9; 32])
    }

    /// Sends every request due and hands the answers back, and reacts to
    /// events, until nothing moves at this instant.
    pub(crate) fn pump(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            for is_buyer in [true, false] {
                let now = self.now;
                let client = if is_buyer {
                    &mut self.buyer
                } else {
                    &mut self.seller
                };
                while let Some(req) = client.mgr.poll_transmit(now) {
                    let answer = self.server.serve(now, &req);
                    client
                        .mgr
                        .handle_answer(now, req.id, answer)
                        .expect("answer in flight");
                    moved = true;
                }
                while let Some(e) = client.mgr.poll_event() {
                    client.events.push(e.clone());
                    self.pending.push((is_buyer, e));
                    moved = true;
                }
            }
            let pending = std::mem::take(&mut self.pending);
            for (is_buyer, e) in pending {
                self.react(is_buyer, e);
            }
            if !moved {
                return;
            }
        }
        panic!("the clients do not settle");
    }

    fn sell_key(&self) -> Option<ActivityKey> {
        self.seller
            .events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::WorkerUrlNeeded { .. }))
            .map(|e| e.key)
    }

    fn buy_key(&self) -> Option<ActivityKey> {
        self.buyer
            .events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Transmit { .. }))
            .map(|e| e.key)
    }

    /// The scripted client-to-client transfer and worker.
    fn react(&mut self, is_buyer: bool, e: Event) {
        let now = self.now;
        match (is_buyer, e.kind) {
            (false, EventKind::WorkerUrlNeeded { .. }) => {
                self.seller
                    .mgr
                    .set_worker_url(now, e.key, WORKER_URL.to_owned())
                    .expect("worker url");
                if self.script.early_work {
                    let secret = Hash256::from_byte_array([9; 32]);
                    self.seller
                        .mgr
                        .work_received(now, e.key, sha256(WORK), secret)
                        .expect("work received");
                }
            }
            (
                true,
                EventKind::Transmit {
                    worker_url,
                    work_hash,
                    buyer_secret,
                },
            ) => {
                assert_eq!(worker_url, WORKER_URL);
                if self.script.buyer_never_transmits {
                    return;
                }
                let sell = self.sell_key().expect("a sell waits");
                let work_hash = if self.script.tamper_work {
                    sha256(b"other work")
                } else {
                    work_hash
                };
                self.seller
                    .mgr
                    .work_received(now, sell, work_hash, buyer_secret)
                    .expect("work received");
            }
            (false, EventKind::PushWork { .. }) if self.script.worker_hangs => {}
            (false, EventKind::PushWork { .. }) => {
                let answer = if self.script.worker_fails {
                    WorkerAnswer::Status(500)
                } else {
                    WorkerAnswer::Done
                };
                self.seller
                    .mgr
                    .worker_answer(now, e.key, answer)
                    .expect("worker answer");
            }
            (false, EventKind::SendResult { .. }) => {
                if self.script.buyer_vanishes_after_work {
                    return;
                }
                let buy = self.buy_key().expect("a buy transmits");
                let hash = self.result_hash;
                if self.script.forged_receipt_first && !self.forged_sent {
                    self.forged_sent = true;
                    let forged = sign_message(&key(99), hash.to_string().as_bytes());
                    let refused = self.seller.mgr.receipt(now, e.key, hash, forged);
                    assert_eq!(refused.map_err(|e| e.code()), Err("client.bad-receipt"));
                }
                let receipt = self
                    .buyer
                    .mgr
                    .buy_trade(buy)
                    .expect("buy alive")
                    .receipt(hash);
                self.seller
                    .mgr
                    .receipt(now, e.key, receipt.hash, receipt.hash_signature)
                    .expect("receipt accepted");
                let received = if self.script.wrong_result_hash {
                    sha256(b"another result")
                } else {
                    hash
                };
                self.buyer
                    .mgr
                    .transfer_done(now, buy, Ok(Some(received)))
                    .expect("transfer done");
            }
            (
                true,
                EventKind::ResultReady {
                    decryption_key: Some(_),
                    ..
                },
            ) if !self.script.buyer_never_accepts => {
                self.buyer.mgr.accept_result(now, e.key).expect("accept");
            }
            _ => {}
        }
    }

    /// Advances the clock to the next deadline of either client or the
    /// market (at most `step`), handles it, and pumps.
    pub(crate) fn tick(&mut self, step: Duration) {
        let limit = self.now.saturating_add(step);
        let next = [
            self.buyer.mgr.poll_timeout(),
            self.seller.mgr.poll_timeout(),
            self.server.market.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .filter(|t| *t > self.now)
        .min()
        .unwrap_or(limit)
        .min(limit);
        self.now = next;
        self.server
            .market
            .handle_timeout(self.now)
            .expect("time moves forward");
        self.buyer.mgr.handle_timeout(self.now);
        self.seller.mgr.handle_timeout(self.now);
        self.pump();
    }

    /// Ticks until `done` holds or `limit` of simulated time passed.
    pub(crate) fn run_until(&mut self, limit: Duration, done: impl Fn(&World) -> bool) {
        let end = self.now.saturating_add(limit);
        self.pump();
        while !done(self) && self.now < end {
            self.tick(Duration::from_secs(1));
        }
    }
}

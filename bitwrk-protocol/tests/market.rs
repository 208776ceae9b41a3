//! The market's calling contract (spec section 15): end-to-end flows through
//! the real signature checks, all-or-nothing refusals, replay of the event
//! log, and a proptest state-machine test against a small reference model.

use std::collections::BTreeMap;
use std::time::Duration;

use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::{Event, Market, MarketConfig, MarketSnapshot};
use bitwrk_protocol::relation::{RelationType, SignedRelation};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::tx::{Phase, TxState};
use bitwrk_protocol::{Address, ErrorCode, Network};
use proptest::prelude::*;

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

#[test]
fn a_trade_from_bids_to_payout_and_its_replay() {
    // BW-MARKET-1, BW-MARKET-3, BW-MARKET-4
    let (buyer, seller) = (key("market buyer"), key("market seller"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 2000");

    // A sell rests; a buy at a higher price matches at the resting price.
    let sell = h
        .bid(T0, &seller, BidType::Sell, "fnord", "satoshi 1000")
        .unwrap();
    assert_eq!(sell.matched, None);
    let buy = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "satoshi 1500")
        .unwrap();
    let txid = buy.matched.expect("matched");
    // The buyer blocked 1500 + 45 and got back the price improvement 515.
    assert_eq!(h.balance(&addr(&buyer)), (2000 - 1030, 1030));

    let secret = Hash256::from_byte_array([9; 32]);
    let work = sha256(b"work");
    let wsh = sha256_concat(&[work.as_bytes(), secret.as_bytes()]);
    let enc = sha256(b"encrypted");
    let receipt = sign_message(&buyer, receipt_document(&enc).as_bytes()).to_base64();
    let t = T0.saturating_add(Duration::from_secs(1));
    assert_eq!(
        h.send(
            t,
            &buyer,
            txid,
            &[("workhash", &hex(work)), ("worksecrethash", &hex(wsh))]
        )
        .unwrap(),
        Phase::BuyerEstablished
    );
    assert_eq!(
        h.send(t, &seller, txid, &[("workerurl", "http://192.0.2.5:8082/")])
            .unwrap(),
        Phase::Transmitting
    );
    assert_eq!(
        h.send(t, &seller, txid, &[("buyersecret", &hex(secret))])
            .unwrap(),
        Phase::Working
    );
    let result = [
        ("encresulthash", hex(enc)),
        ("encresulthashsig", receipt),
        ("encresultkey", hex(sha256(b"k"))),
    ];
    let result: Vec<(&str, &str)> = result.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        h.send(t, &seller, txid, &result).unwrap(),
        Phase::Unverified
    );

    // The buyer stays silent: at the timeout the seller is paid. Before
    // that, the first thing due is the nonces' expiry, 180 s after issue.
    let deadline = h.market.transaction(txid).unwrap().timeout;
    assert_eq!(
        deadline,
        T0.saturating_add(Duration::from_secs(60 + 120 + 300 + 900))
    );
    assert_eq!(
        h.market.poll_timeout(),
        Some(T0.saturating_add(Duration::from_secs(180)))
    );
    let early = h.tick(T0.saturating_add(Duration::from_secs(180)));
    assert!(early.retired.is_empty() && early.movements.is_empty());
    assert_eq!(h.market.poll_timeout(), Some(deadline));
    let done = h.tick(deadline);
    assert_eq!(done.retired.len(), 1);
    assert_eq!(h.balance(&addr(&seller)), (1000, 0));
    assert_eq!(h.balance(&addr(&buyer)), (970, 0));
    assert_eq!(
        h.market
            .ledger()
            .fees_collected(bitwrk_protocol::Currency::Btc)
            .amount(),
        30
    );
    assert_eq!(h.market.transaction(txid).unwrap().state, TxState::Retired);
    h.market.ledger().check_invariants().unwrap();

    // Replaying the log from empty reproduces the market exactly.
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
    // The log is plain data: it survives JSON.
    let json = serde_json::to_string(&h.log).unwrap();
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        Market::replay(h.market.config().clone(), &back).unwrap(),
        h.market
    );
}

#[test]
fn refusals_change_nothing() {
    // BW-MARKET-2, BW-MARKET-6
    let buyer = key("market buyer");
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 100");
    let before = h.market.clone();
    let n = h.nonce(T0);
    let after_nonce = h.market.clone();
    assert_ne!(before, after_nonce);

    // Insufficient funds: the nonce stays unspent and nothing changes.
    let form = BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 1000", &n);
    let err = h.market.submit_bid(T0, &form).unwrap_err();
    assert_eq!(err.code(), "ledger.insufficient-funds");
    assert_eq!(h.market, after_nonce);

    // A forged signature is refused before anything is spent.
    let mut forged = BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 10", &n);
    forged.price = "satoshi 1".into();
    assert_eq!(
        h.market.submit_bid(T0, &forged).unwrap_err().code(),
        "sig.address-mismatch"
    );
    assert_eq!(h.market, after_nonce);

    // A request parsed at one time cannot be placed at another.
    let ok = BidForm::signed(&buyer, BidType::Buy, "fnord", "satoshi 10", &n);
    let request = h.market.parse_bid(T0, &ok).unwrap();
    let verified = bitwrk_protocol::signature::verify_document(request).unwrap();
    let later = T0.saturating_add(Duration::from_secs(1));
    assert_eq!(
        h.market.place_bid(later, verified).unwrap_err().code(),
        "market.stale-request"
    );
    assert_eq!(h.market, after_nonce);

    // Unknown transaction, and time going backwards.
    let msg = TxMessage::from_form(
        TxId(7),
        &TxMessage::sign_form(&buyer, TxId(7), &[("acceptresult", "on")]),
    )
    .unwrap();
    assert_eq!(
        h.market.submit_tx_message(T0, &msg).unwrap_err().code(),
        "market.unknown-tx"
    );
    h.tick(later);
    let ticked = h.market.clone();
    assert_eq!(
        h.market.handle_timeout(T0).unwrap_err().code(),
        "market.time-went-backwards"
    );
    assert_eq!(h.market, ticked);

    // The same nonce works once the bid is affordable; a second use fails.
    assert!(h.market.submit_bid(later, &ok).is_ok());
    assert_eq!(
        h.market.submit_bid(later, &ok).unwrap_err().code(),
        "nonce.used"
    );
}

#[test]
fn deposits_need_the_trusted_accounts_signature() {
    // BW-DEP-7, BW-DEP-8, BW-MARKET-2
    let someone = key("market someone");
    let mut h = Harness::new();
    let n = h.nonce(T0);
    let to = addr(&someone).to_string();
    let doc = format!("account={to}&amount=satoshi5&nonce={n}&ref=&type=1&uid=deposit-x1");
    let form = |sig: &str| {
        pairs(&[
            ("account", &to),
            ("amount", "satoshi 5"),
            ("nonce", &n),
            ("type", "1"),
            ("uid", "deposit-x1"),
            ("signature", sig),
        ])
    };
    let before = h.market.clone();
    // A valid signature, but not by the trusted account.
    let by_other = sign_message(&someone, doc.as_bytes()).to_base64();
    assert_eq!(
        h.market
            .submit_deposit(T0, &form(&by_other))
            .unwrap_err()
            .code(),
        "deposit.untrusted-signer"
    );
    assert_eq!(
        h.market
            .submit_deposit(T0, &form("not base64"))
            .unwrap_err()
            .code(),
        "sig.bad-base64"
    );
    assert_eq!(h.market, before);
    // The trusted account's signature is accepted once; the same uid again is a no-op.
    let good = sign_message(&h.trusted, doc.as_bytes()).to_base64();
    let (outcome, _) = h.market.submit_deposit(T0, &form(&good)).unwrap();
    assert!(matches!(
        outcome,
        bitwrk_protocol::ledger::deposit::DepositOutcome::Applied(_)
    ));
    assert_eq!(h.balance(&addr(&someone)), (5, 0));
    // The nonce is spent now, so a replayed form is refused.
    assert_eq!(
        h.market
            .submit_deposit(T0, &form(&good))
            .unwrap_err()
            .code(),
        "nonce.used"
    );
}

#[test]
fn trusted_articles_need_a_trusts_relation() {
    // BW-BID-11, BW-REL-10, BW-MARKET-1
    let seller = key("market seller");
    let mut h = Harness::new();
    let err = h
        .bid(T0, &seller, BidType::Sell, "fnord~trusted", "satoshi 10")
        .unwrap_err();
    assert_eq!(err.code(), "bid.untrusted-seller");

    let n = h.nonce(T0);
    let trust = h.trust.clone();
    let rel = SignedRelation::signed(&trust, RelationType::Trusts, addr(&seller), true, &n);
    let (replaced, event) = h.market.submit_relation(T0, &rel.to_form()).unwrap();
    assert!(replaced.is_none());
    h.log.push(event);
    assert!(
        h.bid(T0, &seller, BidType::Sell, "fnord~trusted", "satoshi 10")
            .is_ok()
    );
    assert_eq!(
        Market::replay(h.market.config().clone(), &h.log).unwrap(),
        h.market
    );
}

// ---------------------------------------------------------------------------
// State-machine test against a reference model.

/// An operation of the random test.
#[derive(Debug, Clone)]
enum Op {
    Bid {
        who: usize,
        side: BidType,
        price: i64,
    },
    /// A message of the given kind to the `tx`-th transaction (mod count).
    Send {
        tx: usize,
        kind: usize,
    },
    Advance {
        secs: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, prop_oneof![Just(BidType::Buy), Just(BidType::Sell)], 1..40i64)
            .prop_map(|(who, side, price)| Op::Bid { who, side, price }),
        5 => (0..4usize, 0..7usize).prop_map(|(tx, kind)| Op::Send { tx, kind }),
        2 => prop_oneof![Just(30u64), Just(61), Just(130), Just(400), Just(1000)]
            .prop_map(|secs| Op::Advance { secs }),
    ]
}

/// A resting bid of the reference book.
#[derive(Debug, Clone, Copy)]
struct RefBid {
    id: u64,
    who: usize,
    side: BidType,
    price: i64,
    fee: i64,
    expires: Timestamp,
}

/// A transaction of the reference.
#[derive(Debug, Clone, Copy)]
struct RefTx {
    buyer: usize,
    seller: usize,
    price: i64,
    fee: i64,
    phase: Phase,
    timeout: Timestamp,
    retired: bool,
}

/// The reference: a naive order book (a list scanned in full), balances as
/// plain integers, and transactions with their phase and timeout. It trusts
/// the transition table for which messages are accepted (tested on its own)
/// and checks everything the market wires together.
#[derive(Debug, Default)]
struct Reference {
    book: Vec<RefBid>,
    available: [i64; 3],
    blocked: [i64; 3],
    fees: i64,
    txs: BTreeMap<u64, RefTx>,
    next_bid: u64,
    next_tx: u64,
}

impl Reference {
    fn fee(price: i64) -> i64 {
        (3 * price + 99) / 100
    }

    /// Returns the matched resting bid id, or `None` if the bid rests;
    /// `Err` if the buyer cannot afford it.
    fn bid(
        &mut self,
        now: Timestamp,
        who: usize,
        side: BidType,
        price: i64,
    ) -> Result<Option<u64>, ()> {
        let fee = Self::fee(price);
        if side == BidType::Buy && self.available[who] < price + fee {
            return Err(());
        }
        let id = self.next_bid;
        self.next_bid += 1;
        if side == BidType::Buy {
            self.available[who] -= price + fee;
            self.blocked[who] += price + fee;
        }
        // Best price first, then earliest; never the participant's own bid.
        let best = self
            .book
            .iter()
            .filter(|b| b.side != side && b.who != who && b.expires > now)
            .filter(|b| {
                if side == BidType::Buy {
                    b.price <= price
                } else {
                    b.price >= price
                }
            })
            .min_by_key(|b| {
                (
                    if side == BidType::Buy {
                        b.price
                    } else {
                        -b.price
                    },
                    b.id,
                )
            })
            .copied();
        let Some(rest) = best else {
            let expires = now.saturating_add(Duration::from_secs(120));
            self.book.push(RefBid {
                id,
                who,
                side,
                price,
                fee,
                expires,
            });
            return Ok(None);
        };
        self.book.retain(|b| b.id != rest.id);
        let (buyer, seller, bid_total) = match side {
            BidType::Buy => (who, rest.who, price + fee),
            BidType::Sell => (rest.who, who, rest.price + rest.fee),
        };
        let improvement = bid_total - (rest.price + rest.fee);
        self.available[buyer] += improvement;
        self.blocked[buyer] -= improvement;
        let txid = self.next_tx;
        self.next_tx += 1;
        let timeout = now.saturating_add(Duration::from_secs(60));
        self.txs.insert(
            txid,
            RefTx {
                buyer,
                seller,
                price: rest.price,
                fee: rest.fee,
                phase: Phase::Establishing,
                timeout,
                retired: false,
            },
        );
        Ok(Some(rest.id))
    }

    fn timeouts(&mut self, now: Timestamp) {
        let (expired, live): (Vec<_>, Vec<_>) = self.book.drain(..).partition(|b| b.expires <= now);
        self.book = live;
        for b in expired.iter().filter(|b| b.side == BidType::Buy) {
            self.available[b.who] += b.price + b.fee;
            self.blocked[b.who] -= b.price + b.fee;
        }
        for t in self
            .txs
            .values_mut()
            .filter(|t| !t.retired && t.timeout <= now)
        {
            self.blocked[t.buyer] -= t.price + t.fee;
            if matches!(t.phase, Phase::Finished | Phase::Unverified) {
                self.available[t.seller] += t.price;
                self.fees += t.fee;
            } else {
                self.available[t.buyer] += t.price + t.fee;
            }
            t.retired = true;
        }
    }
}

fn message_args(kind: usize, enc_sig: &str) -> Vec<(&'static str, String)> {
    let secret = Hash256::from_byte_array([3; 32]);
    let work = sha256(b"w");
    match kind {
        0 => vec![
            ("workhash", hex(work)),
            (
                "worksecrethash",
                hex(sha256_concat(&[work.as_bytes(), secret.as_bytes()])),
            ),
        ],
        1 => vec![("workerurl", "http://192.0.2.9:8082/".to_owned())],
        2 => vec![("buyersecret", hex(secret))],
        3 => vec![
            ("encresulthash", hex(sha256(b"enc"))),
            ("encresulthashsig", enc_sig.to_owned()),
            ("encresultkey", hex(sha256(b"key"))),
        ],
        4 => vec![("acceptresult", "on".to_owned())],
        5 => vec![("rejectresult", "on".to_owned())],
        _ => vec![("rejectwork", "on".to_owned())],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// BW-MARKET-1, BW-MARKET-2, BW-MARKET-3, BW-MARKET-4, BW-MATCH-1, BW-LEDGER-11
    #[test]
    fn market_agrees_with_the_reference_model(ops in prop::collection::vec(op(), 1..30)) {
        let keys = [key("pt A"), key("pt B"), key("pt C")];
        let addrs: Vec<Address> = keys.iter().map(addr).collect();
        let mut h = Harness::new();
        let mut r = Reference::default();
        let mut now = T0;
        for (i, a) in addrs.iter().enumerate() {
            h.deposit(now, a, "satoshi 100");
            r.available[i] = 100;
        }
        for op in ops {
            match op {
                Op::Bid { who, side, price } => {
                    // Time moves only in `Advance`, which handles timeouts on
                    // both sides, so no resting bid is ever found expired here.
                    let price_text = format!("satoshi {price}");
                    let expected = r.bid(now, who, side, price);
                    let got = h.bid(now, &keys[who], side, "fnord", &price_text);
                    match (expected, got) {
                        (Err(()), Err(e)) => prop_assert_eq!(e.code(), "ledger.insufficient-funds"),
                        (Ok(None), Ok(p)) => prop_assert_eq!(p.matched, None),
                        (Ok(Some(resting)), Ok(p)) => {
                            let txid = p.matched.expect("the market matched too");
                            let tx = h.market.transaction(txid).unwrap();
                            let resting_bid = if side == BidType::Buy { tx.seller_bid } else { tx.buyer_bid };
                            prop_assert_eq!(resting_bid.0, resting);
                        }
                        (e, g) => prop_assert!(false, "reference {:?} but market {:?}", e, g.map(|p| p.matched)),
                    }
                }
                Op::Send { tx, kind } => {
                    if r.txs.is_empty() { continue; }
                    let txid = *r.txs.keys().nth(tx % r.txs.len()).unwrap();
                    let RefTx { buyer, seller, .. } = r.txs[&txid];
                    let receipt = sign_message(&keys[buyer], receipt_document(&sha256(b"enc")).as_bytes()).to_base64();
                    let args = message_args(kind, &receipt);
                    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let sender = if matches!(kind, 0 | 4 | 5) { buyer } else { seller };
                    let before = h.market.clone();
                    match h.send(now, &keys[sender], TxId(txid), &args) {
                        Ok(post) => {
                            let t = r.txs.get_mut(&txid).unwrap();
                            t.phase = post;
                            t.timeout = h.market.transaction(TxId(txid)).unwrap().timeout;
                        }
                        Err(_) => prop_assert_eq!(&h.market, &before),
                    }
                }
                Op::Advance { secs } => {
                    now = now.saturating_add(Duration::from_secs(secs));
                    h.tick(now);
                    r.timeouts(now);
                }
            }
            // Balances agree after every step where no lazy expiry is pending.
            for (i, a) in addrs.iter().enumerate() {
                let (av, bl) = h.balance(a);
                prop_assert_eq!((av, bl), (r.available[i], r.blocked[i]), "participant {}", i);
            }
            h.market.ledger().check_invariants().unwrap();
            prop_assert_eq!(h.market.ledger().fees_collected(bitwrk_protocol::Currency::Btc).amount(), r.fees);
        }
        let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
        prop_assert_eq!(replayed, h.market);
    }
}

// ---------------------------------------------------------------------------
// Snapshots and eviction (spec §15.7).

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
            Op::Bid { who, side, price } => {
                let _ = h.bid(now, &keys[who], side, "fnord", &format!("satoshi {price}"));
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
    // BW-MARKET-7
    let (h, _) = run_ops(&[], &[key("sf A"), key("sf B"), key("sf C")]);
    let mut snap = h.market.snapshot();
    snap.format += 1;
    let err = Market::restore(h.market.config().clone(), snap).unwrap_err();
    assert_eq!(err.code(), "snapshot.format");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// BW-MARKET-7: snapshot → restore gives an equal market, and replaying
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

    /// BW-MARKET-8: a market that evicts after every event accepts the same
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

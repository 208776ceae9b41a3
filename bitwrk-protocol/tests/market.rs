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
use bitwrk_protocol::{Address, Currency, ErrorCode, Money, Network};
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
    assert_eq!(h.market.ledger().fees_collected(Currency::Btc).amount(), 30);
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
    // BW-MARKET-2, BW-MARKET-6, BW-TIME-2
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
        eur: bool,
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
        4 => (0..3usize, prop_oneof![Just(BidType::Buy), Just(BidType::Sell)], 1..40i64, any::<bool>())
            .prop_map(|(who, side, price, eur)| Op::Bid { who, side, price, eur }),
        5 => (0..4usize, 0..7usize).prop_map(|(tx, kind)| Op::Send { tx, kind }),
        2 => prop_oneof![Just(30u64), Just(61), Just(130), Just(400), Just(1000)]
            .prop_map(|secs| Op::Advance { secs }),
    ]
}

/// A resting bid of the reference book.
#[derive(Debug, Clone, Copy)]
struct RefBid {
    id: u64,
    cur: Currency,
    who: usize,
    side: BidType,
    price: i64,
    fee: i64,
    expires: Timestamp,
}

/// A transaction of the reference.
#[derive(Debug, Clone, Copy)]
struct RefTx {
    cur: Currency,
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
#[derive(Debug)]
struct Reference {
    book: Vec<RefBid>,
    /// Each account's one currency (BW-LEDGER-2).
    cur: [Currency; 3],
    available: [i64; 3],
    blocked: [i64; 3],
    /// What each seller is owed: currency and count (BW-MARKET-7).
    owed: [Option<(Currency, u32)>; 3],
    fees: BTreeMap<Currency, i64>,
    txs: BTreeMap<u64, RefTx>,
    next_bid: u64,
    next_tx: u64,
}

impl Reference {
    fn new() -> Reference {
        Reference {
            book: Vec::new(),
            cur: [Currency::Btc; 3],
            available: [0; 3],
            blocked: [0; 3],
            owed: [None; 3],
            fees: BTreeMap::new(),
            txs: BTreeMap::new(),
            next_bid: 0,
            next_tx: 0,
        }
    }

    fn fee(price: i64) -> i64 {
        (3 * price + 99) / 100
    }

    fn holds_other(&self, who: usize, cur: Currency) -> bool {
        (self.available[who] != 0 || self.blocked[who] != 0) && self.cur[who] != cur
    }

    /// Credits a seller (BW-LEDGER-2: an empty account takes the currency).
    fn credit(&mut self, who: usize, amount: i64, cur: Currency) {
        if amount != 0 {
            if self.available[who] == 0 && self.blocked[who] == 0 {
                self.cur[who] = cur;
            }
            self.available[who] += amount;
        }
    }

    fn release(&mut self, seller: usize) {
        if let Some((_, n)) = &mut self.owed[seller] {
            *n -= 1;
            if *n == 0 {
                self.owed[seller] = None;
            }
        }
    }

    /// Returns the matched resting bid id, or `None` if the bid rests;
    /// `Err(code)` if the bid is refused.
    fn bid(
        &mut self,
        now: Timestamp,
        who: usize,
        side: BidType,
        price: i64,
        cur: Currency,
    ) -> Result<Option<u64>, &'static str> {
        let fee = Self::fee(price);
        match side {
            BidType::Buy if self.holds_other(who, cur) => return Err("ledger.currency-mismatch"),
            BidType::Buy if self.available[who] < price + fee => {
                return Err("ledger.insufficient-funds");
            }
            BidType::Sell
                if self.holds_other(who, cur) || self.owed[who].is_some_and(|(c, _)| c != cur) =>
            {
                return Err("market.currency-mismatch");
            }
            _ => {}
        }
        let id = self.next_bid;
        self.next_bid += 1;
        match side {
            BidType::Buy => {
                self.available[who] -= price + fee;
                self.blocked[who] += price + fee;
            }
            BidType::Sell => self.owed[who] = Some((cur, self.owed[who].map_or(1, |(_, n)| n + 1))),
        }
        // Best price first, then earliest; never the participant's own bid.
        let best = self
            .book
            .iter()
            .filter(|b| b.cur == cur && b.side != side && b.who != who && b.expires > now)
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
                cur,
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
                cur,
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
        for b in &expired {
            match b.side {
                BidType::Buy => {
                    self.available[b.who] += b.price + b.fee;
                    self.blocked[b.who] -= b.price + b.fee;
                }
                BidType::Sell => self.release(b.who),
            }
        }
        let due: Vec<u64> = self
            .txs
            .iter()
            .filter(|(_, t)| !t.retired && t.timeout <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let t = self.txs[&id];
            self.blocked[t.buyer] -= t.price + t.fee;
            if matches!(t.phase, Phase::Finished | Phase::Unverified) {
                self.credit(t.seller, t.price, t.cur);
                *self.fees.entry(t.cur).or_default() += t.fee;
            } else {
                self.available[t.buyer] += t.price + t.fee;
            }
            self.release(t.seller);
            self.txs.get_mut(&id).unwrap().retired = true;
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

    /// BW-MARKET-1, BW-MARKET-2, BW-MARKET-3, BW-MARKET-4, BW-MARKET-7, BW-MATCH-1,
    /// BW-LEDGER-11; two currencies: A and B hold BTC, C holds EUR.
    #[test]
    fn market_agrees_with_the_reference_model(ops in prop::collection::vec(op(), 1..30)) {
        let keys = [key("pt A"), key("pt B"), key("pt C")];
        let addrs: Vec<Address> = keys.iter().map(addr).collect();
        let mut h = Harness::new();
        let mut r = Reference::new();
        let mut now = T0;
        for (i, a) in addrs.iter().enumerate() {
            let cur = if i == 2 { Currency::Eur } else { Currency::Btc };
            h.deposit(now, a, &Money::new(100, cur).to_string());
            r.available[i] = 100;
            r.cur[i] = cur;
        }
        for op in ops {
            match op {
                Op::Bid { who, side, price, eur } => {
                    // Time moves only in `Advance`, which handles timeouts on
                    // both sides, so no resting bid is ever found expired here.
                    let cur = if eur { Currency::Eur } else { Currency::Btc };
                    let price_text = Money::new(price, cur).to_string();
                    let expected = r.bid(now, who, side, price, cur);
                    let got = h.bid(now, &keys[who], side, "fnord", &price_text);
                    match (expected, got) {
                        (Err(code), Err(e)) => prop_assert_eq!(e.code(), code),
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
                if av != 0 || bl != 0 {
                    let acc = h.market.ledger().account_or_empty(a);
                    prop_assert_eq!(acc.currency, r.cur[i], "participant {}", i);
                }
            }
            h.market.ledger().check_invariants().unwrap();
            for cur in [Currency::Btc, Currency::Eur] {
                prop_assert_eq!(
                    h.market.ledger().fees_collected(cur).amount(),
                    r.fees.get(&cur).copied().unwrap_or(0)
                );
            }
        }
        let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
        prop_assert_eq!(replayed, h.market);
    }
}

// ---------------------------------------------------------------------------
// Currencies, the order of timeout work, and gaps found by mutation testing.

/// Issue 7, panic 1: a seller whose account holds BTC sold priced in EUR; the
/// timeout that retired the transaction could not credit it. The SELL is now
/// refused at admission and nothing changes.
#[test]
fn a_sell_in_a_currency_the_account_does_not_hold_is_refused() {
    // BW-MARKET-7, BW-MARKET-2
    let (seller, buyer) = (key("cur seller"), key("cur buyer"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&seller), "BTC 1");
    h.deposit(T0, &addr(&buyer), "EUR 5");
    let n = h.nonce(T0);
    let form = BidForm::signed(&seller, BidType::Sell, "fnord", "EUR 1", &n);
    let before = h.market.clone();
    let err = h.market.submit_bid(T0, &form).unwrap_err();
    assert_eq!(err.code(), "market.currency-mismatch");
    assert_eq!(h.market, before);
    // The buyer's bid rests; nothing can match it; it expires and is refunded.
    let placed = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "EUR 1")
        .expect("the buyer holds EUR");
    assert_eq!(placed.matched, None);
    let t = h.market.poll_timeout().unwrap();
    h.tick(t);
    assert_eq!(h.balance(&addr(&buyer)), (5_000_000_000, 0));
    // A BUY in a currency the account does not hold (BW-MARKET-1).
    let err = h
        .bid(t, &seller, BidType::Buy, "fnord", "EUR 1")
        .unwrap_err();
    assert_eq!(err.code(), "ledger.currency-mismatch");
    let empty = key("cur empty");
    let err = h
        .bid(t, &empty, BidType::Buy, "fnord", "EUR 1")
        .unwrap_err();
    assert_eq!(err.code(), "ledger.insufficient-funds");
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
}

/// The same trade as the panic's, on an empty seller account: the seller is
/// owed EUR, so a BTC deposit and a BTC sell are refused until the sale is
/// over, and the payout credits EUR.
#[test]
fn a_seller_owed_one_currency_takes_no_other() {
    // BW-MARKET-7, BW-MARKET-8, BW-MARKET-3
    let (seller, buyer) = (key("owed seller"), key("owed buyer"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "EUR 5");
    h.bid(T0, &seller, BidType::Sell, "fnord", "EUR 1")
        .expect("an empty account may sell in any currency");
    let placed = h.bid(T0, &buyer, BidType::Buy, "fnord", "EUR 1").unwrap();
    let txid = placed.matched.expect("matched");
    // A BTC sell and a BTC deposit for the seller are refused now.
    let err = h
        .bid(T0, &seller, BidType::Sell, "foobar", "satoshi 5")
        .unwrap_err();
    assert_eq!(err.code(), "market.currency-mismatch");
    let n = h.nonce(T0);
    let to = addr(&seller).to_string();
    let doc = format!("account={to}&amount=BTC1&nonce={n}&ref=&type=1&uid=owed-btc");
    let sig = sign_message(&h.trusted, doc.as_bytes()).to_base64();
    let form = pairs(&[
        ("account", &to),
        ("amount", "BTC 1"),
        ("nonce", &n),
        ("type", "1"),
        ("uid", "owed-btc"),
        ("signature", &sig),
    ]);
    let before = h.market.clone();
    let err = h.market.submit_deposit(T0, &form).unwrap_err();
    assert_eq!(err.code(), "market.currency-mismatch");
    assert_eq!(h.market, before);
    // The buyer accepts; the timeout pays the seller in EUR.
    h.send(T0, &buyer, txid, &[("acceptresult", "on")]).unwrap();
    let done = h.tick(T0);
    assert_eq!(done.retired.len(), 1);
    let acc = h.market.ledger().account_or_empty(&addr(&seller));
    assert_eq!(acc.currency, Currency::Eur);
    assert_eq!(acc.available, 1_000_000_000);
    // The sale is over: the refused deposit is now refused by the ledger,
    // for the seller holds EUR (BW-LEDGER-2).
    let err = h.market.submit_deposit(T0, &form).unwrap_err();
    assert_eq!(err.code(), "ledger.currency-mismatch");
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
}

/// BW-MARKET-9: one timeout step closes due bids in ascending bid id across
/// books, then retires due transactions in ascending transaction id; the
/// movement ids follow that order.
#[test]
fn timeout_work_runs_in_bid_then_transaction_id_order() {
    // BW-MARKET-9, BW-MARKET-3
    let (a, b, c) = (key("order A"), key("order B"), key("order C"));
    let mut h = Harness::new();
    for k in [&a, &b, &c] {
        h.deposit(T0, &addr(k), "satoshi 1000");
    }
    // Two transactions; the later one (id 1) gets the earlier timeout.
    h.bid(T0, &a, BidType::Sell, "snafu", "satoshi 10").unwrap();
    let tx0 = h
        .bid(T0, &b, BidType::Buy, "snafu", "satoshi 10")
        .unwrap()
        .matched
        .unwrap();
    h.bid(T0, &a, BidType::Sell, "foobar", "satoshi 10")
        .unwrap();
    let tx1 = h
        .bid(T0, &c, BidType::Buy, "foobar", "satoshi 10")
        .unwrap()
        .matched
        .unwrap();
    assert!(tx0 < tx1);
    h.send(T0, &c, tx1, &[("acceptresult", "on")]).unwrap();
    // Resting bids: a buy in book "snafu" (lower id) and one in book
    // "foobar", which sorts first by article.
    let t1 = T0.saturating_add(Duration::from_secs(1));
    let zzz = h
        .bid(t1, &b, BidType::Buy, "snafu", "satoshi 5")
        .unwrap()
        .bid;
    let aaa = h
        .bid(t1, &c, BidType::Buy, "foobar", "satoshi 5")
        .unwrap()
        .bid;
    assert!(zzz < aaa);
    // Far in the future everything is due at once.
    let done = h.tick(T0.saturating_add(Duration::from_secs(24 * 3600)));
    assert_eq!(done.expired_bids, vec![zzz, aaa]);
    let retired: Vec<TxId> = done.retired.iter().map(|(t, _)| *t).collect();
    assert_eq!(retired, vec![tx0, tx1]);
    let kinds: Vec<_> = done
        .movements
        .iter()
        .map(|m| (m.kind.as_str(), m.refs.bid, m.refs.tx))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("BID_REIMBURSE", Some(zzz), None),
            ("BID_REIMBURSE", Some(aaa), None),
            ("TRANSACTION_REIMBURSE", None, Some(tx0)),
            ("TRANSACTION_FINISH", None, Some(tx1)),
        ]
    );
    let ids: Vec<u64> = done.movements.iter().map(|m| m.id.0).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
}

/// Kills the mutant "`refund_expired` returns nothing": a resting buy the
/// matcher finds expired is closed EXPIRED and refunded while the incoming
/// bid is placed (BW-MATCH-5).
#[test]
fn resting_bids_found_expired_by_the_matcher_are_refunded() {
    // BW-MATCH-5, BW-MARKET-5
    let (buyer, seller) = (key("lazy buyer"), key("lazy seller"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 100");
    let first = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "satoshi 50")
        .unwrap();
    let resting = first.bid;
    // The escrow movement names its bid (BW-LEDGER-9).
    let escrow: Vec<_> = first
        .movements
        .iter()
        .map(|m| (m.kind.as_str(), m.refs.bid, m.refs.tx))
        .collect();
    assert_eq!(escrow, vec![("BID", Some(resting), None)]);
    assert_eq!(h.balance(&addr(&buyer)), (48, 52));
    // No timeout handled: the buy is still in the book when the sell comes.
    let later = T0.saturating_add(Duration::from_secs(121));
    let placed = h
        .bid(later, &seller, BidType::Sell, "fnord", "satoshi 40")
        .unwrap();
    assert_eq!(placed.matched, None);
    assert_eq!(placed.expired, vec![resting]);
    let refund: Vec<_> = placed
        .movements
        .iter()
        .map(|m| (m.kind.as_str(), m.refs.bid))
        .collect();
    assert_eq!(refund, vec![("BID_REIMBURSE", Some(resting))]);
    let bid = h.market.bid(resting).unwrap();
    assert!(!bid.state.is_open(), "{:?}", bid.state);
    assert_eq!(h.balance(&addr(&buyer)), (100, 0));
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
}

/// Kills the mutant "`Movement::transaction` drops its tx reference": the
/// price-improvement movement names its transaction (BW-LEDGER-17).
#[test]
fn the_price_improvement_movement_names_its_transaction() {
    // BW-LEDGER-17
    let (buyer, seller) = (key("improve buyer"), key("improve seller"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 100");
    h.bid(T0, &seller, BidType::Sell, "fnord", "satoshi 10")
        .unwrap();
    let placed = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "satoshi 20")
        .unwrap();
    let txid = placed.matched.unwrap();
    let improvement = placed
        .movements
        .iter()
        .find(|m| m.kind.as_str() == "TRANSACTION")
        .expect("the trade is cheaper than the buy bid");
    assert_eq!(improvement.refs.tx, Some(txid));
    assert_eq!(improvement.refs.bid, None);
    assert_eq!(improvement.available_delta.amount(), 10);
}

/// Kills the mutant "the empty-book clean-up after a refused bid is
/// inverted": a bid the new book refuses leaves no book behind, and one an
/// existing book refuses leaves that book (BW-MARKET-2).
#[test]
fn a_book_created_for_a_refused_bid_is_removed() {
    // BW-MARKET-2, BW-MATCH-11
    let seller = key("book seller");
    let trusted = key("market trusted");
    let mut config = MarketConfig {
        trusted_account: addr(&trusted),
        ..MarketConfig::default()
    };
    config.bids.lifetime = Duration::ZERO; // every bid is expired when it arrives
    let mut market = Market::new(config.clone());
    let n = market.issue_nonce(T0, &[1; 16]).unwrap().to_string();
    let form = BidForm::signed(&seller, BidType::Sell, "fnord", "satoshi 10", &n);
    let before = market.clone();
    let err = market.submit_bid(T0, &form).unwrap_err();
    assert_eq!(err.code(), "book.expired");
    assert_eq!(market, before);
    let article = bitwrk_protocol::article::Article::parse("fnord").unwrap();
    assert!(market.book(&article, Currency::Btc).is_none());
    // With a normal lifetime the book exists, and a refusal keeps it.
    config.bids.lifetime = Duration::from_secs(120);
    let mut market = Market::new(config);
    let n = market.issue_nonce(T0, &[2; 16]).unwrap().to_string();
    let form = BidForm::signed(&seller, BidType::Sell, "fnord", "satoshi 10", &n);
    market.submit_bid(T0, &form).unwrap();
    assert_eq!(
        market.book(&article, Currency::Btc).map(|b| b.len()),
        Some(1)
    );
}

/// BW-MARKET-6: the signature is checked before the transaction id, and the
/// time before the id.
#[test]
fn unknown_tx_comes_after_signature_and_time() {
    // BW-MARKET-6, BW-TIME-2
    let who = key("unknown sender");
    let mut h = Harness::new();
    let later = T0.saturating_add(Duration::from_secs(5));
    h.tick(later);
    let form = TxMessage::sign_form(&who, TxId(42), &[("acceptresult", "on")]);
    let msg = TxMessage::from_form(TxId(42), &form).unwrap();
    assert_eq!(
        h.market.submit_tx_message(later, &msg).unwrap_err().code(),
        "market.unknown-tx"
    );
    assert_eq!(
        h.market.submit_tx_message(T0, &msg).unwrap_err().code(),
        "market.time-went-backwards"
    );
    let mut tampered = msg.clone();
    tampered.txid = TxId(43);
    let code = h
        .market
        .submit_tx_message(later, &tampered)
        .unwrap_err()
        .code();
    assert!(code.starts_with("sig."), "{code}");
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

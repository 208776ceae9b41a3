//! State-machine test against a reference model: random operations on the
//! market and on a naive reference, compared after every step.

use std::collections::BTreeMap;
use std::time::Duration;

use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::market::Market;
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::Phase;
use bitwrk_protocol::tx::document::receipt_document;
use bitwrk_protocol::{Address, Currency, ErrorCode, Money};
use proptest::prelude::*;

use super::*;

/// An operation of the random test.
#[derive(Debug, Clone)]
pub(super) enum Op {
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

pub(super) fn op() -> impl Strategy<Value = Op> {
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

pub(super) fn message_args(kind: usize, enc_sig: &str) -> Vec<(&'static str, String)> {
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

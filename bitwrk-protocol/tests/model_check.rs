//! Exhaustive explicit-state model check of the real marketplace core
//! (`bitwrk_protocol::market::Market`), spec section 15.
//!
//! Three participants (A, B, C) are funded by deposits signed by the trusted
//! account. Five signed bids (buys and sells at prices chosen to exercise fee
//! rounding, price improvement and self-trade prevention) can be placed in
//! any order until time first advances (a bid placed at the same instant as
//! a message commutes with it, so messages start after the placements);
//! every transaction can receive every
//! message of the transition table from buyer, seller or a stranger —
//! including invalid ones (wrong role, wrong secret, a receipt signed by the
//! seller) — in every order; and time can jump to the next deadline
//! (`poll_timeout`) at any point, so every bid expiry, transaction timeout and
//! nonce expiry is passed in every interleaving.
//!
//! Properties checked on every reachable state (BW-MARKET-5):
//! 1. conservation and non-negative balances (the ledger's invariants);
//! 2. each transaction retires exactly once (one payout movement per retired
//!    transaction, none for an active one);
//! 3. a buyer's blocked balance equals its open commitments (open buy bids'
//!    price + fee, plus active transactions' price + fee as buyer);
//! 4. the seller is paid only in UNVERIFIED or FINISHED, and only after the
//!    buyer signed the result receipt or `acceptresult`;
//! 5. every transaction eventually retires and every bid closes: from every
//!    state, handling the timeouts far in the future leaves no active
//!    transaction, no open bid and nothing blocked.
//!
//! Rejected inputs must leave the market bit-for-bit unchanged (BW-MARKET-2);
//! that is asserted on every rejected action. With the `fault-injection`
//! feature two deliberate bugs are switched on one at a time and the checker
//! must find each (shortest counterexample printed).

#[path = "support/bfs.rs"]
mod bfs;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use bitwrk_protocol::bid::{BidForm, BidRequest, BidType};
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::ledger::MovementType;
#[cfg(feature = "fault-injection")]
use bitwrk_protocol::market::Fault;
use bitwrk_protocol::market::{Market, MarketConfig};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::signature::verified::{Verified, verify_document};
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::tx::{Phase, TxState};
use bitwrk_protocol::{Address, Network};

use bfs::{Model, explore};

/// Without the `fault-injection` feature there are no faults to inject.
#[cfg(not(feature = "fault-injection"))]
#[derive(Debug, Clone, Copy)]
enum Fault {}

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const ARTICLE: &str = "fnord";

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("valid scalar")
}

fn address(k: &PrivateKey) -> Address {
    k.public_key().address(Network::Mainnet)
}

/// One participant's bid in the catalogue.
struct BidSpec {
    who: usize,
    side: BidType,
    price: &'static str,
}

const BIDS: [BidSpec; 5] = [
    BidSpec {
        who: 0,
        side: BidType::Buy,
        price: "satoshi 12",
    },
    BidSpec {
        who: 1,
        side: BidType::Sell,
        price: "satoshi 8",
    },
    BidSpec {
        who: 2,
        side: BidType::Sell,
        price: "satoshi 10",
    },
    BidSpec {
        who: 2,
        side: BidType::Buy,
        price: "satoshi 10",
    },
    BidSpec {
        who: 0,
        side: BidType::Sell,
        price: "satoshi 9",
    },
];

/// Deposits: A can afford one buy at 12 (+1 fee); C one at 10 (+1).
const FUNDS: [&str; 3] = ["satoshi 13", "satoshi 0", "satoshi 11"];

/// The second catalogue: two currencies (BW-MARKET-7). C holds EUR; B, with
/// an empty account, offers in BTC and in EUR (only the first it places is
/// admitted while it rests or trades); A holds BTC and offers in EUR, which
/// is always refused — issue 7's panic, where that sale's payout could not
/// be credited.
const BIDS_2: [BidSpec; 5] = [
    BidSpec {
        who: 0,
        side: BidType::Buy,
        price: "satoshi 12",
    },
    BidSpec {
        who: 1,
        side: BidType::Sell,
        price: "satoshi 8",
    },
    BidSpec {
        who: 1,
        side: BidType::Sell,
        price: "EUR 0.000000008",
    },
    BidSpec {
        who: 2,
        side: BidType::Buy,
        price: "EUR 0.00000001",
    },
    BidSpec {
        who: 0,
        side: BidType::Sell,
        price: "EUR 0.000000009",
    },
];

/// A: BTC 13 sat; C: 11 units of 10⁻⁹ EUR.
const FUNDS_2: [&str; 3] = ["satoshi 13", "satoshi 0", "EUR 0.000000011"];

/// What a model explores.
struct Catalogue {
    bids: &'static [BidSpec],
    funds: &'static [&'static str; 3],
    msgs: &'static [Msg],
}

const ONE_CURRENCY: Catalogue = Catalogue {
    bids: &BIDS,
    funds: &FUNDS,
    msgs: &MSGS,
};

const TWO_CURRENCIES: Catalogue = Catalogue {
    bids: &BIDS_2,
    funds: &FUNDS_2,
    msgs: &MSGS,
};

/// Messages a transaction can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Msg {
    BuyerWork,
    BuyerAccept,
    BuyerReject,
    SellerWorkerUrl,
    SellerSecret,
    SellerRejectWork,
    SellerResult,
    // Invalid ones:
    StrangerAccept,
    SellerAccept,
    SellerWrongSecret,
    SellerResultSignedBySeller,
}

const MSGS: [Msg; 11] = [
    Msg::BuyerWork,
    Msg::BuyerAccept,
    Msg::BuyerReject,
    Msg::SellerWorkerUrl,
    Msg::SellerSecret,
    Msg::SellerRejectWork,
    Msg::SellerResult,
    Msg::StrangerAccept,
    Msg::SellerAccept,
    Msg::SellerWrongSecret,
    Msg::SellerResultSignedBySeller,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Action {
    PlaceBid(usize),
    Send(TxId, Msg),
    Tick(Timestamp),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct State {
    market: Market,
    /// Payout movements booked per transaction.
    payouts: BTreeMap<TxId, u8>,
    /// Transactions whose payout went to the seller.
    seller_paid: BTreeSet<TxId>,
}

/// Bid requests verified once per (catalogue entry, parse time).
type BidMemo = RefCell<HashMap<(usize, Timestamp), Option<Verified<BidRequest>>>>;
/// Messages signed and verified once per (transaction, kind, buyer, seller).
type MessageMemo = RefCell<HashMap<(TxId, Msg, Address, Address), Verified<TxMessage>>>;

struct MarketModel {
    cat: &'static Catalogue,
    config: MarketConfig,
    keys: Vec<PrivateKey>,
    forms: Vec<BidForm>,
    init: State,
    bid_memo: BidMemo,
    msg_memo: MessageMemo,
}

const WORK: &[u8] = b"the work";
const SECRET: [u8; 32] = [7; 32];

fn work_hash() -> Hash256 {
    sha256(WORK)
}

fn work_secret_hash() -> Hash256 {
    sha256_concat(&[work_hash().as_bytes(), &SECRET])
}

impl MarketModel {
    fn new(cat: &'static Catalogue, fault: Option<Fault>) -> MarketModel {
        let trusted = key("model trusted account");
        let keys: Vec<PrivateKey> = ["model A", "model B", "model C"]
            .into_iter()
            .map(key)
            .collect();
        #[cfg(not(feature = "fault-injection"))]
        let _ = fault;
        let config = MarketConfig {
            trusted_account: address(&trusted),
            #[cfg(feature = "fault-injection")]
            fault,
            ..MarketConfig::default()
        };
        let mut market = Market::new(config.clone());
        let nonce = |m: &mut Market, i: u8| m.issue_nonce(T0, &[i; 16]).expect("nonce").to_string();
        for (i, funds) in cat.funds.iter().enumerate() {
            if funds.ends_with(" 0") {
                continue;
            }
            let n = nonce(&mut market, 100 + i as u8);
            let account = address(&keys[i]).to_string();
            let uid = format!("model-deposit-{i}");
            let doc = format!(
                "account={account}&amount={}&nonce={n}&ref=&type=1&uid={uid}",
                funds.replace(' ', "")
            );
            let sig = sign_message(&trusted, doc.as_bytes()).to_base64();
            let form: Vec<(String, String)> = [
                ("account", account.as_str()),
                ("amount", funds),
                ("nonce", n.as_str()),
                ("type", "1"),
                ("uid", uid.as_str()),
                ("signature", sig.as_str()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            market.submit_deposit(T0, &form).expect("deposit accepted");
        }
        let forms = cat
            .bids
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let n = nonce(&mut market, i as u8);
                BidForm::signed(&keys[b.who], b.side, ARTICLE, b.price, &n)
            })
            .collect();
        let init = State {
            market,
            payouts: BTreeMap::new(),
            seller_paid: BTreeSet::new(),
        };
        MarketModel {
            cat,
            config,
            keys,
            forms,
            init,
            bid_memo: RefCell::default(),
            msg_memo: RefCell::default(),
        }
    }

    /// The bid request for catalogue entry `i` parsed and verified at `now`.
    fn bid_request(
        &self,
        market: &Market,
        i: usize,
        now: Timestamp,
    ) -> Option<Verified<BidRequest>> {
        self.bid_memo
            .borrow_mut()
            .entry((i, now))
            .or_insert_with(|| {
                let request = market.parse_bid(now, &self.forms[i]).ok()?;
                Some(verify_document(request).expect("catalogue bids are signed correctly"))
            })
            .clone()
    }

    fn stranger(&self, buyer: &Address, seller: &Address) -> &PrivateKey {
        self.keys
            .iter()
            .find(|k| address(k) != *buyer && address(k) != *seller)
            .expect("three participants")
    }

    fn key_of(&self, a: &Address) -> &PrivateKey {
        self.keys
            .iter()
            .find(|k| address(k) == *a)
            .expect("a participant")
    }

    fn message(
        &self,
        txid: TxId,
        msg: Msg,
        buyer: Address,
        seller: Address,
    ) -> Verified<TxMessage> {
        self.msg_memo
            .borrow_mut()
            .entry((txid, msg, buyer, seller))
            .or_insert_with(|| {
                let b = self.key_of(&buyer);
                let s = self.key_of(&seller);
                let stranger = self.stranger(&buyer, &seller);
                let hex = |h: Hash256| h.to_string();
                let enc = sha256(b"encrypted result");
                let receipt_by =
                    |k: &PrivateKey| sign_message(k, receipt_document(&enc).as_bytes()).to_base64();
                let (signer, args): (&PrivateKey, Vec<(&str, String)>) = match msg {
                    Msg::BuyerWork => (
                        b,
                        vec![
                            ("workhash", hex(work_hash())),
                            ("worksecrethash", hex(work_secret_hash())),
                        ],
                    ),
                    Msg::BuyerAccept => (b, vec![("acceptresult", "on".into())]),
                    Msg::BuyerReject => (b, vec![("rejectresult", "on".into())]),
                    Msg::SellerWorkerUrl => {
                        (s, vec![("workerurl", "http://192.0.2.1:8082/".into())])
                    }
                    Msg::SellerSecret => (
                        s,
                        vec![("buyersecret", hex(Hash256::from_byte_array(SECRET)))],
                    ),
                    Msg::SellerRejectWork => (s, vec![("rejectwork", "on".into())]),
                    Msg::SellerResult | Msg::SellerResultSignedBySeller => {
                        let by = if msg == Msg::SellerResult { b } else { s };
                        (
                            s,
                            vec![
                                ("encresulthash", hex(enc)),
                                ("encresulthashsig", receipt_by(by)),
                                ("encresultkey", hex(sha256(b"result key"))),
                            ],
                        )
                    }
                    Msg::StrangerAccept => (stranger, vec![("acceptresult", "on".into())]),
                    Msg::SellerAccept => (s, vec![("acceptresult", "on".into())]),
                    Msg::SellerWrongSecret => (s, vec![("buyersecret", hex(sha256(b"wrong")))]),
                };
                let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let form = TxMessage::sign_form(signer, txid, &pairs);
                let m = TxMessage::from_form(txid, &form).expect("well-formed message");
                verify_document(m).expect("signed correctly")
            })
            .clone()
    }

    fn record(state: &mut State, movements: &[bitwrk_protocol::ledger::MovementRecord]) {
        for m in movements {
            let Some(tx) = m.refs.tx else { continue };
            match m.kind {
                MovementType::TransactionFinish => {
                    *state.payouts.entry(tx).or_default() += 1;
                    state.seller_paid.insert(tx);
                }
                MovementType::TransactionReimburse => {
                    *state.payouts.entry(tx).or_default() += 1;
                }
                _ => {}
            }
        }
    }
}

impl Model for MarketModel {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![self.init.clone()]
    }

    fn successors(&self, state: &State, out: &mut Vec<(Action, State)>) {
        let now = state.market.now();
        // Bids are placed in every order before time first advances (so all
        // live for the same 120 s) and before the first message. Placing a
        // bid commutes with a message sent at the same instant — messages
        // change no balance and no book — so this partial-order reduction
        // loses no reachable combination of bids, books and transactions.
        let quiet = state.market.transactions().all(|(_, tx)| tx.revision == 0);
        let bids = if now == T0 && quiet {
            0..self.cat.bids.len()
        } else {
            0..0
        };
        for i in bids {
            let Some(request) = self.bid_request(&state.market, i, now) else {
                continue; // the nonce is used up or expired: parsing refuses it
            };
            let mut next = state.clone();
            match next.market.place_bid(now, request) {
                Ok(placed) => {
                    Self::record(&mut next, &placed.movements);
                    out.push((Action::PlaceBid(i), next));
                }
                Err(e) => assert_eq!(next, *state, "rejected bid {i} ({e}) changed the state"),
            }
        }
        for (&txid, tx) in state.market.transactions() {
            if tx.state != TxState::Active {
                continue;
            }
            for &msg in self.cat.msgs {
                let m = self.message(txid, msg, tx.buyer, tx.seller);
                let mut next = state.clone();
                match next.market.handle_tx_message(now, &m) {
                    Ok(_) => out.push((Action::Send(txid, msg), next)),
                    Err(e) => assert_eq!(next, *state, "rejected {msg:?} ({e}) changed the state"),
                }
            }
        }
        if let Some(t) = state.market.poll_timeout() {
            let t = t.max(now);
            let mut next = state.clone();
            let done = next.market.handle_timeout(t).expect("time moves forward");
            Self::record(&mut next, &done.movements);
            if next != *state {
                out.push((Action::Tick(t), next));
            }
        }
    }

    fn check(&self, s: &State) -> Result<(), String> {
        let m = &s.market;
        // 1. Conservation and non-negative balances.
        m.ledger()
            .check_invariants()
            .map_err(|v| format!("ledger invariant: {v:?}"))?;
        // 2. Each transaction retires exactly once.
        for (txid, tx) in m.transactions() {
            let n = s.payouts.get(txid).copied().unwrap_or(0);
            let expected = u8::from(tx.state == TxState::Retired);
            if n != expected {
                return Err(format!("{txid:?} in state {:?} has {n} payouts", tx.state));
            }
        }
        // 3. Blocked balance = open commitments.
        let mut commitments: BTreeMap<Address, i64> = BTreeMap::new();
        for (_, bid) in m.bids() {
            if bid.state.is_open() && bid.bid_type == BidType::Buy {
                *commitments.entry(bid.participant).or_default() +=
                    bid.price.amount() + bid.fee.amount();
            }
        }
        for (_, tx) in m.transactions() {
            if tx.state == TxState::Active {
                *commitments.entry(tx.buyer).or_default() += tx.price.amount() + tx.fee.amount();
            }
        }
        for (addr, account) in m.ledger().accounts() {
            let open = commitments.get(addr).copied().unwrap_or(0);
            if account.blocked != open {
                return Err(format!(
                    "{addr} blocks {} but has {open} open commitments",
                    account.blocked
                ));
            }
        }
        // 4. Seller paid only in UNVERIFIED/FINISHED, after the buyer's signed receipt or acceptance.
        for txid in &s.seller_paid {
            let tx = m.transaction(*txid).expect("paid transactions exist");
            let phase_ok = matches!(tx.phase, Phase::Unverified | Phase::Finished);
            let buyer_signed = tx.encrypted_result_receipt.is_some() || tx.phase == Phase::Finished;
            if !phase_ok || !buyer_signed {
                return Err(format!(
                    "{txid:?} paid the seller in {:?} without the buyer's signature",
                    tx.phase
                ));
            }
        }
        // 5. Eventually everything retires and nothing stays blocked.
        let mut future = m.clone();
        let far = m
            .now()
            .saturating_add(core::time::Duration::from_secs(24 * 3600));
        future
            .handle_timeout(far)
            .map_err(|e| format!("timeouts failed: {e}"))?;
        if let Some((txid, _)) = future
            .transactions()
            .find(|(_, tx)| tx.state == TxState::Active)
        {
            return Err(format!("{txid:?} never retires"));
        }
        if let Some((id, _)) = future.bids().find(|(_, b)| b.state.is_open()) {
            return Err(format!("{id:?} never closes"));
        }
        if let Some((a, _)) = future.ledger().accounts().find(|(_, acc)| acc.blocked != 0) {
            return Err(format!("{a} keeps money blocked forever"));
        }
        Ok(())
    }
}

#[test]
fn market_satisfies_its_invariants_in_every_reachable_state() {
    // BW-MARKET-2, BW-MARKET-3, BW-MARKET-5
    let model = MarketModel::new(&ONE_CURRENCY, None);
    let report = explore(&model, 5_000_000);
    println!(
        "model check: {} states, {} transitions, max depth {}",
        report.states, report.transitions, report.max_depth
    );
    if let Some((why, trace)) = &report.violation {
        panic!("property violated: {why}\ntrace: {trace:#?}");
    }
    assert!(
        report.states > 1000,
        "suspiciously small state space: {}",
        report.states
    );
    let _ = &model.config;
}

#[cfg(feature = "fault-injection")]
#[test]
fn injected_faults_are_found() {
    // BW-MARKET-5: the checker can fail.
    for fault in [Fault::SkipPriceImprovement, Fault::PayInWorking] {
        let model = MarketModel::new(&ONE_CURRENCY, Some(fault));
        let report = explore(&model, 5_000_000);
        let (why, trace) = report
            .violation
            .unwrap_or_else(|| panic!("{fault:?} went unnoticed"));
        println!(
            "{fault:?}: found after {} states: {why}\n  shortest trace: {trace:?}",
            report.states
        );
    }
}

#[test]
fn two_currencies_satisfy_the_invariants_in_every_reachable_state() {
    // BW-MARKET-7, BW-MARKET-5: no payout can fail to credit its seller.
    let model = MarketModel::new(&TWO_CURRENCIES, None);
    let report = explore(&model, 5_000_000);
    println!(
        "model check, two currencies: {} states, {} transitions, max depth {}",
        report.states, report.transitions, report.max_depth
    );
    if let Some((why, trace)) = &report.violation {
        panic!("property violated: {why}\ntrace: {trace:#?}");
    }
    assert!(
        report.states > 100,
        "suspiciously small state space: {}",
        report.states
    );
}

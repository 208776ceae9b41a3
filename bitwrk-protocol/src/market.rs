//! The marketplace: nonces, bids, order books, transactions and the escrow
//! ledger behind one sans-IO calling contract (spec section 15).
//!
//! A driver (the reference server, a test, the model checker) owns a
//! [`Market`] and feeds it inputs, each with the current time:
//!
//! * [`Market::issue_nonce`] — a nonce from caller-supplied random bytes;
//! * [`Market::parse_bid`], then [`verify_document_in`] in the configured
//!   [`MarketConfig::verify_mode`], then
//!   [`Market::place_bid`] — bid admission, matching and escrow;
//! * [`Market::handle_tx_message`] — a verified transaction message;
//! * [`Market::accept_deposit`] — a deposit signed by the trusted account;
//! * [`Market::request_deposit_address`] / [`Market::store_deposit_info`] —
//!   the deposit-address forms of `/account/<address>` (section 14.3);
//! * [`Market::poll_timeout`] / [`Market::handle_timeout`] — bid expiry with
//!   refund, transaction retirement with payout or refund, nonce purging.
//!
//! Every entry point either applies completely or returns an error and
//! leaves the market unchanged (BW-MARKET-2). Every accepted input is
//! described by an [`Event`]; [`Market::apply`] re-executes an event, so
//! replaying a log of events from [`Market::new`] reproduces the state
//! exactly (BW-MARKET-4). The `submit_*` helpers parse, verify, apply and
//! return the event in one call.

use core::hash::{Hash, Hasher};
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use crate::address::Address;
use crate::article::Article;
use crate::bid::{Bid, BidConfig, BidError, BidForm, BidRequest, BidType};
use crate::book::{MatchOutcome, Order, OrderBook, Placement};
use crate::deposit_address::DepositAddressBook;
use crate::ids::{BidId, TxId};
use crate::ledger::deposit::{DepositOutcome, SignedDeposit, check_signer};
use crate::ledger::{Ledger, Movement, MovementRecord};
use crate::money::Currency;
use crate::nonce::{NONCE_LIFETIME, Nonce, NonceRegistry};
use crate::relation::{Relation, RelationStore, SignedRelation};
use crate::signature::verified::{SignedDocument, Verified, verify_document_in};
use crate::signature::{Signature, SignatureError, VerifyMode, verify_message_in};
use crate::time::Timestamp;
use crate::tx::document::TxMessage;
use crate::tx::{Accepted, NewTransaction, Payout, Retirement, Transaction, TxError};

mod deposit_address;
mod error;
mod snapshot;
pub use error::MarketError;
pub use snapshot::{Evicted, MarketSnapshot, SNAPSHOT_FORMAT, SnapshotError};

/// How many nonces the market remembers by default.
pub const DEFAULT_NONCE_CAPACITY: usize = 100_000;

/// BitWrk 0.7's trusted account: it signs deposits (BW-DEP-7).
pub const BITWRK_07_TRUSTED_ACCOUNT: &str = "1TrsjuCvBch1D9h6nRkadGKakv9KyaiP6";

/// BitWrk 0.7's trust account: its `trusts` relations admit sellers of
/// `~trusted` articles (BW-BID-11, BW-REL-10).
pub const BITWRK_07_TRUST_ACCOUNT: &str = "1C1oudoQRdNh6mKr6VaTg2DPveVq97VAyT";

/// Settings of a market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketConfig {
    /// Bid admission: network, articles, fee, lifetime.
    pub bids: BidConfig,
    /// The account whose signature makes a deposit valid.
    pub trusted_account: Address,
    /// The account whose enabled `trusts` relations admit sellers of
    /// `~trusted` articles.
    pub trust_account: Address,
    /// How many nonces are remembered at most.
    pub nonce_capacity: usize,
    /// How long a nonce lives.
    pub nonce_lifetime: Duration,
    /// Which digests signatures are accepted under, for every signed input
    /// the `submit_*` helpers and [`Market::apply`] verify (BW-SIG-13,
    /// BW-SIG-14). The default is [`VerifyMode::Strict`]; a server for
    /// unmodified BitWrk 0.7 clients sets [`VerifyMode::Compat07`], and must
    /// replay its event log with the same setting.
    pub verify_mode: VerifyMode,
    /// Test-only fault injection, to show that the model checker finds bugs.
    #[cfg(feature = "fault-injection")]
    pub fault: Option<Fault>,
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig {
            bids: BidConfig::default(),
            trusted_account: Address::parse(BITWRK_07_TRUSTED_ACCOUNT)
                .expect("the built-in trusted account is a valid address"),
            trust_account: Address::parse(BITWRK_07_TRUST_ACCOUNT)
                .expect("the built-in trust account is a valid address"),
            nonce_capacity: DEFAULT_NONCE_CAPACITY,
            nonce_lifetime: NONCE_LIFETIME,
            verify_mode: VerifyMode::Strict,
            #[cfg(feature = "fault-injection")]
            fault: None,
        }
    }
}

/// A deliberate bug, compiled only with the `fault-injection` feature.
#[cfg(feature = "fault-injection")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// At a match, forget to release the buyer's price improvement
    /// (the `TRANSACTION` movement).
    SkipPriceImprovement,
    /// Pay the seller when a transaction times out in WORKING (no receipt).
    PayInWorking,
    /// An incoming SELL matches the best resting BUY whatever its price:
    /// the price condition (BW-MATCH-3) is not checked at match time.
    SellIgnoresPrice,
    /// A timeout that refunds the buyer credits price + fee as a new
    /// `DEPOSIT` and leaves the escrow blocked: money is created.
    RefundCreatesMoney,
    /// A transaction message refused by the rules or its arguments still
    /// counts: the transaction's revision goes up.
    RefusedMessageCounts,
}

/// What placing a bid did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidPlaced {
    /// The new bid's id.
    pub bid: BidId,
    /// The transaction it was matched into, if it matched.
    pub matched: Option<TxId>,
    /// Resting bids found expired (and refunded) while matching.
    pub expired: Vec<BidId>,
    /// The money movements booked, in order.
    pub movements: Vec<MovementRecord>,
}

/// What [`Market::handle_timeout`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeoutsHandled {
    /// Bids that expired (buy bids refunded).
    pub expired_bids: Vec<BidId>,
    /// Transactions retired, with their payout.
    pub retired: Vec<(TxId, Retirement)>,
    /// The money movements booked, in order.
    pub movements: Vec<MovementRecord>,
}

/// A deposit as a signed document: the deposit form plus the account that
/// signed it; [`Market::accept_deposit`] requires that to be the trusted
/// account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositSubmission {
    /// The parsed form.
    pub deposit: SignedDeposit,
    /// The signer.
    pub signer: Address,
}

impl SignedDocument for DepositSubmission {
    fn document(&self) -> String {
        self.deposit.document()
    }
    fn signer(&self) -> &Address {
        &self.signer
    }
    fn signature(&self) -> &str {
        &self.deposit.signature
    }
}

/// An accepted input, as a driver logs it for replay (BW-MARKET-4).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A nonce was issued from these random bytes.
    NonceIssued {
        /// When.
        now: Timestamp,
        /// The caller's random bytes.
        random: [u8; 16],
    },
    /// A bid form was admitted.
    BidPlaced {
        /// When.
        now: Timestamp,
        /// The form as received.
        form: BidForm,
    },
    /// A transaction message was accepted.
    TxMessage {
        /// When.
        now: Timestamp,
        /// The message as received.
        message: TxMessage,
    },
    /// A deposit form was accepted.
    Deposit {
        /// When.
        now: Timestamp,
        /// The form fields as received.
        form: Vec<(String, String)>,
    },
    /// A relation form was accepted.
    Relation {
        /// When.
        now: Timestamp,
        /// The form fields as received.
        form: Vec<(String, String)>,
    },
    /// Timeouts were handled.
    Timeout {
        /// When.
        now: Timestamp,
    },
    /// A deposit-address request posted to `/account/<account>` (§14.3).
    DepositAddressRequested {
        /// When.
        now: Timestamp,
        /// The account of the URL.
        account: String,
        /// The form as received.
        form: Vec<(String, String)>,
    },
    /// Deposit information posted to `/account/<account>` (§14.3).
    DepositInfoStored {
        /// When.
        now: Timestamp,
        /// The account of the URL.
        account: String,
        /// The form as received.
        form: Vec<(String, String)>,
    },
}

/// The marketplace state (spec section 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Market {
    config: MarketConfig,
    latest: Timestamp,
    nonces: NonceRegistry,
    bids: BTreeMap<BidId, Bid>,
    books: BTreeMap<(Article, Currency), OrderBook>,
    txs: BTreeMap<TxId, Transaction>,
    tx_deadlines: BTreeSet<(Timestamp, TxId)>,
    ledger: Ledger,
    relations: RelationStore,
    /// Per seller: the one currency of its open sell bids and active
    /// transactions as seller, and how many there are (BW-MARKET-7).
    credits: BTreeMap<Address, (Currency, u64)>,
    deposit_addresses: DepositAddressBook,
    next_bid: u64,
    next_tx: u64,
}

impl Hash for Market {
    /// Hashes the state, not the configuration.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.latest.hash(state);
        self.nonces.hash(state);
        self.bids.hash(state);
        self.books.hash(state);
        self.txs.hash(state);
        self.ledger.hash(state);
        self.relations.hash(state);
        self.credits.hash(state);
        self.deposit_addresses.hash(state);
        self.next_bid.hash(state);
        self.next_tx.hash(state);
    }
}

impl Market {
    /// An empty market.
    pub fn new(config: MarketConfig) -> Market {
        let nonces = NonceRegistry::with_lifetime(config.nonce_capacity, config.nonce_lifetime);
        Market {
            config,
            latest: Timestamp::EPOCH,
            nonces,
            bids: BTreeMap::new(),
            books: BTreeMap::new(),
            txs: BTreeMap::new(),
            tx_deadlines: BTreeSet::new(),
            ledger: Ledger::new(),
            relations: RelationStore::new(),
            credits: BTreeMap::new(),
            deposit_addresses: DepositAddressBook::new(),
            next_bid: 0,
            next_tx: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The relations between accounts.
    pub fn relations(&self) -> &RelationStore {
        &self.relations
    }

    /// A bid by id.
    pub fn bid(&self, id: BidId) -> Option<&Bid> {
        self.bids.get(&id)
    }

    /// Every bid, by id.
    pub fn bids(&self) -> impl Iterator<Item = (&BidId, &Bid)> {
        self.bids.iter()
    }

    /// A transaction by id.
    pub fn transaction(&self, id: TxId) -> Option<&Transaction> {
        self.txs.get(&id)
    }

    /// Every transaction, by id.
    pub fn transactions(&self) -> impl Iterator<Item = (&TxId, &Transaction)> {
        self.txs.iter()
    }

    /// The order book of an article and currency, if one exists.
    pub fn book(&self, article: &Article, currency: Currency) -> Option<&OrderBook> {
        self.books.get(&(article.clone(), currency))
    }

    /// The latest time an input was applied at.
    pub fn now(&self) -> Timestamp {
        self.latest
    }

    fn advance(&mut self, now: Timestamp) -> Result<(), MarketError> {
        self.check_time(now)?;
        self.latest = now;
        Ok(())
    }

    fn check_time(&self, now: Timestamp) -> Result<(), MarketError> {
        if now < self.latest {
            return Err(MarketError::TimeWentBackwards {
                latest: self.latest,
                now,
            });
        }
        Ok(())
    }

    /// Issues a nonce made of the caller's random bytes (BW-NONCE-1).
    pub fn issue_nonce(&mut self, now: Timestamp, random: &[u8; 16]) -> Result<Nonce, MarketError> {
        self.check_time(now)?;
        let nonce = self.nonces.issue(now, random)?;
        self.advance(now)?;
        Ok(nonce)
    }

    /// Checks a bid form at `now` without changing anything (BW-BID-10).
    /// The result must be signature-checked with [`verify_document_in`] (in
    /// the configured [`MarketConfig::verify_mode`]) and
    /// then handed to [`place_bid`](Self::place_bid) at the same `now`.
    pub fn parse_bid(&self, now: Timestamp, form: &BidForm) -> Result<BidRequest, MarketError> {
        self.check_time(now)?;
        Ok(form.parse(now, &self.config.bids, &self.nonces)?)
    }

    /// Admits a verified bid, matches it and books the escrow movements
    /// (BW-MARKET-1, BW-MARKET-2). The nonce is spent only here, after the
    /// signature was verified (BW-NONCE-4).
    pub fn place_bid(
        &mut self,
        now: Timestamp,
        request: Verified<BidRequest>,
    ) -> Result<BidPlaced, MarketError> {
        self.check_time(now)?;
        // Everything that can refuse the bid is checked before anything changes.
        // The request's nonce must still be usable now; its ticket is spent below.
        let _ = self
            .nonces
            .check(now, request.nonce_ticket().nonce().as_str())?;
        if request.requires_trust()
            && !self
                .relations
                .is_trusted_by(&self.config.trust_account, request.participant())
        {
            return Err(BidError::UntrustedSeller.into());
        }
        let id = BidId(self.next_bid);
        let (mut bid, ticket) = Bid::from_verified(request);
        if bid.created != now {
            return Err(MarketError::StaleRequest {
                parsed: bid.created,
                now,
            });
        }
        let escrow = match bid.bid_type {
            BidType::Buy => Some(Movement::bid(bid.participant, bid.price, bid.fee, id)?),
            BidType::Sell => {
                self.check_credit(bid.participant, bid.price.currency(), true)?;
                None
            }
        };
        if let Some(m) = &escrow {
            self.ledger.check(m)?;
        }
        let key = (bid.article.clone(), bid.price.currency());
        let check_price =
            !(bid.bid_type == BidType::Sell && self.fault(FaultKind::SellIgnoresPrice));
        let order = Order {
            id,
            side: bid.bid_type,
            participant: bid.participant,
            price: bid.price,
            fee: bid.fee,
            expires: bid.expires,
        };
        // The book's insert is all or nothing itself; a book created for
        // this bid is removed again if the bid is refused.
        let book_existed = self.books.contains_key(&key);
        let book = self
            .books
            .entry(key.clone())
            .or_insert_with(|| OrderBook::new(bid.price.currency()));
        let outcome = match book.insert_checked(now, order, check_price) {
            Ok(outcome) => outcome,
            Err(e) => {
                if !book_existed {
                    self.books.remove(&key);
                }
                return Err(e.into());
            }
        };

        // From here on every step is implied by the checks above and the
        // market's invariants (checked exhaustively by the model checker).
        let mut movements = Vec::new();
        if let Some(m) = escrow {
            movements.push(
                self.ledger
                    .apply(now, &m)
                    .expect("checked escrow movement applies"),
            );
        }
        let expired = self.refund_expired(now, &outcome, &mut movements);
        let matched = match outcome.placement {
            Placement::Rested => {
                bid.place().expect("a new bid is open");
                None
            }
            Placement::Matched(m) => {
                let txid = TxId(self.next_tx);
                self.next_tx += 1;
                let resting = self
                    .bids
                    .get_mut(&m.resting.id)
                    .expect("resting bids are known");
                resting
                    .mark_matched(txid, now)
                    .expect("the book matched a live bid");
                bid.mark_matched(txid, now).expect("a new bid is live");
                let (buy, sell) = match bid.bid_type {
                    BidType::Buy => (order, m.resting),
                    BidType::Sell => (m.resting, order),
                };
                let tx = Transaction::new(NewTransaction {
                    buyer_bid: buy.id,
                    seller_bid: sell.id,
                    buyer: buy.participant,
                    seller: sell.participant,
                    article: bid.article.clone(),
                    price: m.price,
                    fee: m.fee,
                    matched: now,
                });
                // The buyer blocked its own price + fee; the trade is at the
                // resting bid's price + fee; the difference is released.
                let improvement = Movement::transaction(
                    buy.participant,
                    buy.price,
                    buy.fee,
                    m.price,
                    m.fee,
                    txid,
                )
                .expect("the trade price + fee never exceeds the buy bid's");
                if let Some(improvement) = improvement
                    && !self.fault(FaultKind::SkipPriceImprovement)
                {
                    movements.push(
                        self.ledger
                            .apply(now, &improvement)
                            .expect("the buyer's blocked balance covers its bid"),
                    );
                }
                if let Some(deadline) = tx.deadline() {
                    self.tx_deadlines.insert((deadline, txid));
                }
                self.txs.insert(txid, tx);
                Some(txid)
            }
        };
        self.nonces
            .consume(now, ticket)
            .expect("nonce checked at the same time");
        if bid.bid_type == BidType::Sell {
            self.credits
                .entry(bid.participant)
                .or_insert((bid.price.currency(), 0))
                .1 += 1;
        }
        self.bids.insert(id, bid);
        self.next_bid += 1;
        self.latest = now;
        Ok(BidPlaced {
            bid: id,
            matched,
            expired,
            movements,
        })
    }

    /// Marks resting bids the book found expired and refunds buy bids.
    fn refund_expired(
        &mut self,
        now: Timestamp,
        outcome: &MatchOutcome,
        movements: &mut Vec<MovementRecord>,
    ) -> Vec<BidId> {
        outcome
            .expired
            .iter()
            .map(|o| self.expire_bid(now, o.id, movements))
            .collect()
    }

    fn expire_bid(
        &mut self,
        now: Timestamp,
        id: BidId,
        movements: &mut Vec<MovementRecord>,
    ) -> BidId {
        let bid = self.bids.get_mut(&id).expect("bids in books are known");
        bid.expire(now)
            .expect("the book expires only open bids past their expiry");
        match bid.bid_type {
            BidType::Buy => {
                let m = Movement::bid_reimburse(bid.participant, bid.price, bid.fee, id)
                    .expect("a bid's price + fee was representable when it was placed");
                movements.push(
                    self.ledger
                        .apply(now, &m)
                        .expect("an open buy bid's escrow is blocked"),
                );
            }
            BidType::Sell => {
                let seller = bid.participant;
                self.release_credit(seller);
            }
        }
        id
    }

    /// Refuses to owe `account` money in `currency` when it is owed another
    /// currency already, or (with `held_too`) when it holds another one
    /// (BW-MARKET-7, BW-MARKET-8). Together with BW-LEDGER-2 this keeps every
    /// payout to a seller creditable: while a seller is owed `c`, its
    /// account is empty or in `c`.
    fn check_credit(
        &self,
        account: Address,
        currency: Currency,
        held_too: bool,
    ) -> Result<(), MarketError> {
        let held = self
            .ledger
            .account(&account)
            .and_then(|a| (held_too && (a.available != 0 || a.blocked != 0)).then_some(a.currency));
        let owed = self.credits.get(&account).map(|&(c, _)| c);
        match held.into_iter().chain(owed).find(|&c| c != currency) {
            Some(held) => Err(MarketError::CurrencyMismatch {
                account,
                held,
                found: currency,
            }),
            None => Ok(()),
        }
    }

    /// One open sell bid or active sale of `seller` ended.
    fn release_credit(&mut self, seller: Address) {
        if let Some((_, n)) = self.credits.get_mut(&seller) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.credits.remove(&seller);
            }
        }
    }

    /// Applies a verified message to its transaction (BW-MARKET-1,
    /// BW-TX-2 … BW-TX-12). The worker-URL origin check (BW-TX-8) is the
    /// driver's, since only it knows the sender's network address.
    pub fn handle_tx_message(
        &mut self,
        now: Timestamp,
        message: &Verified<TxMessage>,
    ) -> Result<Accepted, MarketError> {
        self.check_time(now)?;
        let txid = message.txid;
        let Some(tx) = self.txs.get(&txid) else {
            return Err(if self.was_evicted(txid) {
                // The verdict of the retired transaction it was (BW-MARKET-11).
                TxError::Inactive {
                    state: crate::tx::TxState::Retired,
                    timeout: None,
                    now,
                }
                .into()
            } else {
                MarketError::UnknownTransaction { txid }
            });
        };
        let old_deadline = tx.deadline();
        let (next, accepted) = match tx.next_state(txid, now, message) {
            Ok(step) => step,
            Err(e) => {
                if self.fault(FaultKind::RefusedMessageCounts)
                    && let Some(tx) = self.txs.get_mut(&txid)
                {
                    tx.revision = tx.revision.saturating_add(1);
                }
                return Err(e.into());
            }
        };
        if let Some(d) = old_deadline {
            self.tx_deadlines.remove(&(d, txid));
        }
        if let Some(d) = next.deadline() {
            self.tx_deadlines.insert((d, txid));
        }
        self.txs.insert(txid, next);
        self.latest = now;
        Ok(accepted)
    }

    /// Accepts a deposit whose signature by the trusted account was
    /// verified; idempotent by uid (BW-DEP-7, BW-DEP-8). The nonce is spent
    /// only when the deposit is accepted.
    pub fn accept_deposit(
        &mut self,
        now: Timestamp,
        submission: &Verified<DepositSubmission>,
    ) -> Result<DepositOutcome, MarketError> {
        self.check_time(now)?;
        // The whole signature check, trusted signer included, comes before
        // the nonce (BW-DEP-10).
        check_signer(&submission.signer, &self.config.trusted_account)?;
        let ticket = self.nonces.check(now, &submission.deposit.nonce)?;
        let deposit = &submission.deposit.deposit;
        if self
            .ledger
            .deposit_is_new(deposit, &submission.signer, &self.config.trusted_account)?
            && deposit.amount.amount() > 0
        {
            self.check_credit(deposit.account, deposit.amount.currency(), false)?;
        }
        let outcome = self.ledger.accept_deposit(
            now,
            &submission.deposit.deposit,
            &submission.signer,
            &self.config.trusted_account,
        )?;
        self.nonces
            .consume(now, ticket)
            .expect("nonce checked at the same time");
        self.latest = now;
        Ok(outcome)
    }

    /// Stores a verified relation; the last one for (source, type, target)
    /// wins (BW-REL-8). The nonce is spent only here, after the signature
    /// was verified (BW-NONCE-4).
    pub fn accept_relation(
        &mut self,
        now: Timestamp,
        relation: &Verified<SignedRelation>,
    ) -> Result<Option<Relation>, MarketError> {
        self.check_time(now)?;
        let ticket = self.nonces.check(now, relation.nonce())?;
        self.nonces
            .consume(now, ticket)
            .expect("nonce checked at the same time");
        self.latest = now;
        Ok(self.relations.apply(now, relation))
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work: the
    /// earliest bid expiry, transaction timeout or nonce expiry.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let bids = self.books.values().filter_map(OrderBook::next_expiry).min();
        let txs = self.tx_deadlines.first().map(|(t, _)| *t);
        let nonces = self.nonces.next_expiry();
        [bids, txs, nonces].into_iter().flatten().min()
    }

    /// Expires bids (refunding buys), retires transactions (paying the
    /// seller or refunding the buyer) and forgets expired nonces — all that
    /// is due at `now` (BW-MARKET-3). Calling it early does nothing; calling
    /// it twice does nothing the second time.
    pub fn handle_timeout(&mut self, now: Timestamp) -> Result<TimeoutsHandled, MarketError> {
        self.advance(now)?;
        let mut done = TimeoutsHandled::default();
        // BW-MARKET-9: first every due bid in ascending bid id, across all
        // books; then every due transaction in ascending transaction id;
        // then the nonces.
        let mut due_bids: Vec<BidId> = self
            .books
            .values_mut()
            .flat_map(|book| book.expire(now))
            .map(|order| order.id)
            .collect();
        due_bids.sort_unstable();
        for id in due_bids {
            let id = self.expire_bid(now, id, &mut done.movements);
            done.expired_bids.push(id);
        }
        let mut due_txs = Vec::new();
        while let Some(&(deadline, txid)) = self.tx_deadlines.first() {
            if deadline > now {
                break;
            }
            self.tx_deadlines.pop_first();
            due_txs.push(txid);
        }
        due_txs.sort_unstable();
        for txid in due_txs {
            let tx = self
                .txs
                .get_mut(&txid)
                .expect("deadlines index known transactions");
            let retirement = tx
                .retire(now)
                .expect("an active transaction past its timeout retires");
            let payout = if self.fault(FaultKind::PayInWorking)
                && retirement.phase == crate::tx::Phase::Working
            {
                let tx = &self.txs[&txid];
                Payout::SellerPaid {
                    seller: tx.seller,
                    buyer: tx.buyer,
                    price: tx.price,
                    fee: tx.fee,
                }
            } else {
                retirement.payout.clone()
            };
            let m = match &payout {
                Payout::SellerPaid {
                    seller,
                    buyer,
                    price,
                    fee,
                } => Movement::transaction_finish(*seller, *buyer, *price, *fee, txid),
                Payout::BuyerRefunded { buyer, price, fee }
                    if self.fault(FaultKind::RefundCreatesMoney) =>
                {
                    price
                        .checked_add(*fee)
                        .map_err(|_| crate::ledger::LedgerError::Overflow)
                        .and_then(|total| Movement::injection(*buyer, total, None))
                }
                Payout::BuyerRefunded { buyer, price, fee } => {
                    Movement::transaction_reimburse(*buyer, *price, *fee, txid)
                }
            }
            .expect("a transaction's price + fee is representable");
            // The buyer's blocked balance covers price + fee (BW-MARKET-5 3.),
            // and the seller's account is empty or in the price's currency
            // while it is owed it (BW-MARKET-7, BW-MARKET-8).
            done.movements.push(
                self.ledger
                    .apply(now, &m)
                    .expect("the buyer's escrow covers the transaction"),
            );
            let seller = self.txs[&txid].seller;
            self.release_credit(seller);
            done.retired.push((txid, retirement));
        }
        self.nonces.purge(now);
        Ok(done)
    }

    #[cfg(feature = "fault-injection")]
    fn fault(&self, kind: FaultKind) -> bool {
        matches!(
            (self.config.fault, kind),
            (
                Some(Fault::SkipPriceImprovement),
                FaultKind::SkipPriceImprovement
            ) | (Some(Fault::PayInWorking), FaultKind::PayInWorking)
                | (Some(Fault::SellIgnoresPrice), FaultKind::SellIgnoresPrice)
                | (
                    Some(Fault::RefundCreatesMoney),
                    FaultKind::RefundCreatesMoney
                )
                | (
                    Some(Fault::RefusedMessageCounts),
                    FaultKind::RefusedMessageCounts
                )
        )
    }

    #[cfg(not(feature = "fault-injection"))]
    fn fault(&self, _kind: FaultKind) -> bool {
        false
    }

    /// Parses, verifies and places a bid form; returns the outcome and the
    /// event to log.
    pub fn submit_bid(
        &mut self,
        now: Timestamp,
        form: &BidForm,
    ) -> Result<(BidPlaced, Event), MarketError> {
        let request = self.parse_bid(now, form)?;
        let verified = verify_document_in(self.config.verify_mode, request)?;
        let placed = self.place_bid(now, verified)?;
        Ok((
            placed,
            Event::BidPlaced {
                now,
                form: form.clone(),
            },
        ))
    }

    /// Verifies and applies a transaction message; returns the outcome and
    /// the event to log.
    pub fn submit_tx_message(
        &mut self,
        now: Timestamp,
        message: &TxMessage,
    ) -> Result<(Accepted, Event), MarketError> {
        let verified = verify_document_in(self.config.verify_mode, message.clone())?;
        let accepted = self.handle_tx_message(now, &verified)?;
        Ok((
            accepted,
            Event::TxMessage {
                now,
                message: message.clone(),
            },
        ))
    }

    /// Parses, verifies and accepts a deposit form; returns the outcome and
    /// the event to log. The form names no signer, so the signer is the
    /// address recovered from the signature: malformed signatures give the
    /// `sig.*` codes, a signature by anyone but the trusted account gives
    /// `deposit.untrusted-signer` (BW-DEP-7). The signer is the trusted
    /// account if the signature verifies for it in the configured mode, else
    /// the address recovered under the Bitcoin digest.
    pub fn submit_deposit(
        &mut self,
        now: Timestamp,
        form: &[(String, String)],
    ) -> Result<(DepositOutcome, Event), MarketError> {
        let deposit = SignedDeposit::from_form_for(form, self.config.bids.network)?;
        let signature = Signature::from_base64(&deposit.signature)?;
        let trusted = self.config.trusted_account;
        let mode = self.config.verify_mode;
        let signer =
            match verify_message_in(mode, &trusted, deposit.document().as_bytes(), &signature) {
                Ok(()) => trusted,
                Err(SignatureError::AddressMismatch { recovered }) => recovered,
                Err(e) => return Err(e.into()),
            };
        let verified = verify_document_in(mode, DepositSubmission { deposit, signer })?;
        let outcome = self.accept_deposit(now, &verified)?;
        Ok((
            outcome,
            Event::Deposit {
                now,
                form: form.to_vec(),
            },
        ))
    }

    /// Parses, verifies and stores a relation form (on the market's
    /// network); returns the replaced relation, if any, and the event to log.
    pub fn submit_relation(
        &mut self,
        now: Timestamp,
        form: &[(String, String)],
    ) -> Result<(Option<Relation>, Event), MarketError> {
        let relation = SignedRelation::from_form_for(form, self.config.bids.network)?;
        let verified = verify_document_in(self.config.verify_mode, relation)?;
        let replaced = self.accept_relation(now, &verified)?;
        Ok((
            replaced,
            Event::Relation {
                now,
                form: form.to_vec(),
            },
        ))
    }

    /// Re-executes a logged event (BW-MARKET-4).
    pub fn apply(&mut self, event: &Event) -> Result<(), MarketError> {
        match event {
            Event::NonceIssued { now, random } => self.issue_nonce(*now, random).map(drop),
            Event::BidPlaced { now, form } => self.submit_bid(*now, form).map(drop),
            Event::TxMessage { now, message } => self.submit_tx_message(*now, message).map(drop),
            Event::Deposit { now, form } => self.submit_deposit(*now, form).map(drop),
            Event::Relation { now, form } => self.submit_relation(*now, form).map(drop),
            Event::Timeout { now } => self.handle_timeout(*now).map(drop),
            Event::DepositAddressRequested { now, account, form } => self
                .submit_deposit_address_request(*now, account, form)
                .map(drop),
            Event::DepositInfoStored { now, account, form } => {
                self.submit_deposit_info(*now, account, form).map(drop)
            }
        }
    }

    /// A market rebuilt from `config` and an event log (BW-MARKET-4).
    pub fn replay<'a>(
        config: MarketConfig,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Market, (usize, MarketError)> {
        let mut market = Market::new(config);
        for (i, e) in events.into_iter().enumerate() {
            market.apply(e).map_err(|err| (i, err))?;
        }
        Ok(market)
    }
}

/// Which fault a hook asks about (the hooks compile to `false` without the
/// `fault-injection` feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaultKind {
    SkipPriceImprovement,
    PayInWorking,
    SellIgnoresPrice,
    RefundCreatesMoney,
    RefusedMessageCounts,
}

//! Snapshots and eviction of the market (spec §15.5).
//!
//! A snapshot is the market's state without its configuration, as a
//! serde value ([`MarketSnapshot`]); the driver picks the encoding (the
//! reference server uses JSON). [`Market::restore`] rebuilds a market that
//! is equal to the one saved, and replaying later events on it gives the
//! same market as replaying the whole log (BW-MARKET-10).
//!
//! Eviction ([`Market::evict_retired`]) drops retired transactions and the
//! bids that can no longer change (matched into a retired transaction, or
//! expired), so that memory follows the live state; the driver has stored
//! them elsewhere before. It changes no later verdict (BW-MARKET-11).

use core::fmt;
use std::collections::{BTreeMap, BTreeSet};

use super::Market;
use crate::address::Address;
use crate::article::Article;
use crate::bid::{Bid, BidState, BidType};
use crate::book::OrderBook;
use crate::deposit_address::DepositAddressBook;
use crate::error::ErrorCode;
use crate::ids::{BidId, TxId};
use crate::ledger::Ledger;
use crate::money::Currency;
use crate::nonce::NonceRegistry;
use crate::relation::RelationStore;
use crate::time::Timestamp;
use crate::tx::{Transaction, TxState};

/// The snapshot format this library writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// A market's state without its configuration (BW-MARKET-10).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MarketSnapshot {
    /// [`SNAPSHOT_FORMAT`] when written.
    pub format: u32,
    latest: Timestamp,
    nonces: NonceRegistry,
    bids: Vec<(BidId, Bid)>,
    books: Vec<(Article, OrderBook)>,
    txs: Vec<(TxId, Transaction)>,
    ledger: Ledger,
    relations: RelationStore,
    /// Deposit-address requests and information per account.
    #[serde(default)]
    deposit_addresses: DepositAddressBook,
    next_bid: u64,
    next_tx: u64,
}

/// Why a snapshot could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The snapshot's format is not [`SNAPSHOT_FORMAT`].
    Format {
        /// The format found.
        found: u32,
    },
    /// The snapshot contradicts itself.
    Inconsistent {
        /// What is wrong.
        reason: &'static str,
    },
}

impl SnapshotError {
    /// The codes of this type.
    pub const CODES: &'static [&'static str] = &["snapshot.format", "snapshot.inconsistent"];
}

impl ErrorCode for SnapshotError {
    fn code(&self) -> &'static str {
        match self {
            SnapshotError::Format { .. } => Self::CODES[0],
            SnapshotError::Inconsistent { .. } => Self::CODES[1],
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Format { found } => write!(
                f,
                "snapshot format {found}, this library reads format {SNAPSHOT_FORMAT}"
            ),
            SnapshotError::Inconsistent { reason } => write!(f, "inconsistent snapshot: {reason}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// What [`Market::evict_retired`] dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evicted {
    /// Retired transactions.
    pub txs: Vec<TxId>,
    /// Bids matched into them, and expired bids.
    pub bids: Vec<BidId>,
}

impl Market {
    /// The state as a snapshot (the configuration is not part of it).
    pub fn snapshot(&self) -> MarketSnapshot {
        MarketSnapshot {
            format: SNAPSHOT_FORMAT,
            latest: self.latest,
            nonces: self.nonces.clone(),
            bids: self.bids.iter().map(|(k, v)| (*k, v.clone())).collect(),
            books: self
                .books
                .iter()
                .map(|((article, _), book)| (article.clone(), book.clone()))
                .collect(),
            txs: self.txs.iter().map(|(k, v)| (*k, v.clone())).collect(),
            ledger: self.ledger.clone(),
            relations: self.relations.clone(),
            deposit_addresses: self.deposit_addresses.clone(),
            next_bid: self.next_bid,
            next_tx: self.next_tx,
        }
    }

    /// A market with `config` and the state of `snapshot` (BW-MARKET-10).
    pub fn restore(
        config: super::MarketConfig,
        snapshot: MarketSnapshot,
    ) -> Result<Market, SnapshotError> {
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(SnapshotError::Format {
                found: snapshot.format,
            });
        }
        let inconsistent = |reason| Err(SnapshotError::Inconsistent { reason });
        let bids: BTreeMap<BidId, Bid> = snapshot.bids.into_iter().collect();
        let txs: BTreeMap<TxId, Transaction> = snapshot.txs.into_iter().collect();
        if bids.keys().any(|id| id.0 >= snapshot.next_bid)
            || txs.keys().any(|id| id.0 >= snapshot.next_tx)
        {
            return inconsistent("an id at or beyond the next id");
        }
        let mut books = BTreeMap::new();
        for (article, book) in snapshot.books {
            let resting = book.resting_in_acceptance_order();
            if resting.iter().any(|o| !bids.contains_key(&o.id)) {
                return inconsistent("a resting bid is not among the bids");
            }
            if books.insert((article, book.currency()), book).is_some() {
                return inconsistent("two books for one article and currency");
            }
        }
        let tx_deadlines: BTreeSet<(Timestamp, TxId)> = txs
            .iter()
            .filter_map(|(id, tx)| tx.deadline().map(|d| (d, *id)))
            .collect();
        // What each seller is owed is derived, not stored: its open sell bids
        // and its active sales (BW-MARKET-7).
        let open_sells = bids
            .values()
            .filter(|b| {
                b.bid_type == BidType::Sell
                    && matches!(b.state, BidState::InQueue | BidState::Placed)
            })
            .map(|b| (b.participant, b.price.currency()));
        let sales = txs
            .values()
            .filter(|t| t.state == TxState::Active)
            .map(|t| (t.seller, t.price.currency()));
        let mut credits: BTreeMap<Address, (Currency, u64)> = BTreeMap::new();
        for (seller, currency) in open_sells.chain(sales) {
            let owed = credits.entry(seller).or_insert((currency, 0));
            if owed.0 != currency {
                return inconsistent("a seller owed two currencies");
            }
            owed.1 += 1;
        }
        let nonces = snapshot
            .nonces
            .reconfigured(config.nonce_capacity, config.nonce_lifetime);
        Ok(Market {
            config,
            latest: snapshot.latest,
            nonces,
            bids,
            books,
            txs,
            tx_deadlines,
            ledger: snapshot.ledger,
            relations: snapshot.relations,
            deposit_addresses: snapshot.deposit_addresses,
            credits,
            next_bid: snapshot.next_bid,
            next_tx: snapshot.next_tx,
        })
    }

    /// Drops retired transactions, the bids matched into them, and expired
    /// bids (BW-MARKET-11). Later inputs get the same verdicts as without
    /// eviction; only the accessors ([`Market::bid`],
    /// [`Market::transaction`]) stop finding what was evicted.
    pub fn evict_retired(&mut self) -> Evicted {
        let mut out = Evicted::default();
        let retired: Vec<TxId> = self
            .txs
            .iter()
            .filter(|(_, tx)| tx.state == TxState::Retired)
            .map(|(id, _)| *id)
            .collect();
        for id in retired {
            if let Some(tx) = self.txs.remove(&id) {
                for bid in [tx.buyer_bid, tx.seller_bid] {
                    if self.bids.remove(&bid).is_some() {
                        out.bids.push(bid);
                    }
                }
                out.txs.push(id);
            }
        }
        let expired: Vec<BidId> = self
            .bids
            .iter()
            .filter(|(_, b)| b.state == BidState::Expired)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.bids.remove(&id);
            out.bids.push(id);
        }
        out.bids.sort_unstable();
        out
    }

    /// Whether `txid` names a transaction that existed and was evicted:
    /// ids are consecutive, so an id below the next one that is not present
    /// was retired and evicted (BW-MARKET-11).
    pub(super) fn was_evicted(&self, txid: TxId) -> bool {
        txid.0 < self.next_tx && !self.txs.contains_key(&txid)
    }
}

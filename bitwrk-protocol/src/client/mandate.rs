//! Mandates (spec section 20.1): standing permissions to publish trades of
//! one type and article at one price, for a number of trades and/or until a
//! time. A trade that no mandate covers (and that has no explicit price)
//! waits.

use core::time::Duration;
use std::collections::BTreeMap;

use crate::article::Article;
use crate::bid::BidType;
use crate::money::Money;
use crate::time::Timestamp;

use super::{ActivityKey, ClientError};

/// A mandate as the user grants it: the permit form of BitWrk 0.7's UI
/// (type, article, price, trades left, valid minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    /// Buy or sell.
    pub bid_type: BidType,
    /// The article.
    pub article: Article,
    /// The price of every trade it publishes.
    pub price: Money,
    /// How many more trades it may publish, if limited.
    pub trades_left: Option<u32>,
    /// Until when it may publish, if limited (exclusive).
    pub until: Option<Timestamp>,
}

impl Mandate {
    /// A mandate from BitWrk 0.7's permit form (BW-CLIENT-2): `trades` is
    /// used if `use_trades`, `valid_minutes` from `now` if `use_until`; if
    /// neither box is ticked the mandate covers one trade. Both numbers
    /// must be positive even when unused, as in 0.7.
    #[allow(clippy::too_many_arguments)]
    pub fn from_permit(
        now: Timestamp,
        bid_type: BidType,
        article: Article,
        price: Money,
        use_trades: bool,
        trades: u32,
        use_until: bool,
        valid_minutes: u32,
    ) -> Result<Mandate, ClientError> {
        if trades == 0 {
            return Err(ClientError::BadMandate {
                reason: "trades left must be positive",
            });
        }
        if valid_minutes == 0 {
            return Err(ClientError::BadMandate {
                reason: "valid minutes must be positive",
            });
        }
        if price.amount() < 0 {
            return Err(ClientError::BadMandate {
                reason: "the price must not be negative",
            });
        }
        let (trades_left, until) = match (use_trades, use_until) {
            (false, false) => (Some(1), None),
            (t, u) => (
                t.then_some(trades),
                u.then(|| now.saturating_add(Duration::from_secs(u64::from(valid_minutes) * 60))),
            ),
        };
        Ok(Mandate {
            bid_type,
            article,
            price,
            trades_left,
            until,
        })
    }

    /// Whether the mandate can publish nothing more at `now` (BW-CLIENT-3).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.trades_left == Some(0) || self.until.is_some_and(|u| now >= u)
    }

    /// Whether it covers a trade of `bid_type` in `article`.
    pub fn covers(&self, bid_type: BidType, article: &Article) -> bool {
        self.bid_type == bid_type && &self.article == article
    }
}

/// The mandates in force, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mandates {
    by_key: BTreeMap<ActivityKey, Mandate>,
}

impl Mandates {
    /// Adds a mandate under `key`.
    pub(crate) fn insert(&mut self, key: ActivityKey, mandate: Mandate) {
        self.by_key.insert(key, mandate);
    }

    /// Removes the mandate `key`; whether there was one.
    pub fn revoke(&mut self, key: ActivityKey) -> bool {
        self.by_key.remove(&key).is_some()
    }

    /// The mandates, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&ActivityKey, &Mandate)> {
        self.by_key.iter()
    }

    /// The mandate `key`.
    pub fn get(&self, key: ActivityKey) -> Option<&Mandate> {
        self.by_key.get(&key)
    }

    /// Drops the mandates expired at `now` (BW-CLIENT-3).
    pub fn purge(&mut self, now: Timestamp) {
        self.by_key.retain(|_, m| !m.is_expired(now));
    }

    /// The earliest time a mandate expires by its lifetime.
    pub fn next_expiry(&self) -> Option<Timestamp> {
        self.by_key.values().filter_map(|m| m.until).min()
    }

    /// Publishes a trade of `bid_type` in `article` at `now` (BW-CLIENT-3):
    /// the first mandate in key order that covers it and is not expired
    /// gives the price and counts the trade. Expired mandates are dropped.
    pub fn take(&mut self, now: Timestamp, bid_type: BidType, article: &Article) -> Option<Money> {
        self.purge(now);
        let mandate = self
            .by_key
            .values_mut()
            .find(|m| m.covers(bid_type, article))?;
        if let Some(n) = &mut mandate.trades_left {
            *n -= 1;
        }
        let price = mandate.price;
        self.purge(now);
        Some(price)
    }
}

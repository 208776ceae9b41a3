//! Serde for [`OrderBook`] in market snapshots: the currency, the limit and
//! the resting bids in acceptance order. Restoring rests them again in that
//! order, which gives a book equal to the one saved (same bids, same time
//! priority); the internal numbering may differ, which changes nothing.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Order, OrderBook};
use crate::money::Currency;

#[derive(Serialize, Deserialize)]
struct BookState {
    currency: Currency,
    limit: usize,
    resting: Vec<Order>,
}

impl Serialize for OrderBook {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        BookState {
            currency: self.currency,
            limit: self.limit,
            resting: self.resting_in_acceptance_order(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for OrderBook {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OrderBook, D::Error> {
        let state = BookState::deserialize(d)?;
        let mut book = OrderBook::with_limit(state.currency, state.limit);
        if state.resting.len() > book.limit {
            return Err(D::Error::custom("more resting bids than the book's limit"));
        }
        for order in &state.resting {
            book.check_amounts(order).map_err(D::Error::custom)?;
            if book.contains(order.id) {
                return Err(D::Error::custom(format!("bid {} rests twice", order.id)));
            }
            book.rest(order);
        }
        Ok(book)
    }
}

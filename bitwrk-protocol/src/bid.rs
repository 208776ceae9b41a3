//! Bids (spec section 10).

use core::fmt;

/// Whether a bid buys or sells. JSON: 0 = BUY, 1 = SELL (as BitWrk 0.7);
/// in signed documents: the strings `BUY` and `SELL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BidType {
    /// A buy bid: the participant pays price + fee.
    Buy = 0,
    /// A sell bid: the participant receives the price.
    Sell = 1,
}

impl BidType {
    /// The document form, `BUY` or `SELL`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BidType::Buy => "BUY",
            BidType::Sell => "SELL",
        }
    }

    /// The other side.
    pub const fn opposite(self) -> BidType {
        match self {
            BidType::Buy => BidType::Sell,
            BidType::Sell => BidType::Buy,
        }
    }
}

impl fmt::Display for BidType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

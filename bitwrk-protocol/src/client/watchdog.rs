//! The watchdog (spec section 20.7): while data flows between the clients
//! or to the worker, the transaction must stay active and in the phases
//! the flow belongs to; when it does not, the driver closes the flow's
//! connections.

use crate::time::Timestamp;
use crate::tx::{Phase, TxState};
use crate::wire::TransactionJson;

/// A condition on the transaction that a running transfer needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watchdog {
    allowed: &'static [Phase],
}

/// Phases in which the buyer's transfer to the seller may run: 0.7's set
/// plus `UNVERIFIED`, since the receipt may still be on its way when the
/// seller's result message lands (BW-CLIENT-17, DEP-453).
pub const BUYER_TRANSFER: Watchdog = Watchdog {
    allowed: &[
        Phase::SellerEstablished,
        Phase::Transmitting,
        Phase::Working,
        Phase::Unverified,
    ],
};

/// Phases in which the seller's worker may run (BW-CLIENT-20).
pub const SELLER_WORK: Watchdog = Watchdog {
    allowed: &[Phase::Transmitting, Phase::Working],
};

impl Watchdog {
    /// Whether the flow may go on at `now` (BW-CLIENT-17): the transaction
    /// is active, its timeout has not passed, and its phase is allowed.
    pub fn permits(&self, tx: &TransactionJson, now: Timestamp) -> bool {
        tx.state == TxState::Active && now < tx.timeout && self.allowed.contains(&tx.phase)
    }
}

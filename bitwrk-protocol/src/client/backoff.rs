//! Capped exponential backoff for polling (BW-CLIENT-9, DEP-450).

use core::time::Duration;

use crate::time::Timestamp;

/// The delays between polls: `initial`, then doubled after every poll that
/// showed no change, but never more than `max`. A change resets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    /// A backoff starting at `initial` and capped at `max` (`max` is
    /// raised to `initial` if smaller).
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max: max.max(initial),
            current: initial,
        }
    }

    /// The delay the next poll waits.
    pub fn delay(&self) -> Duration {
        self.current
    }

    /// When the next poll is due after one made at `now`, and the delay
    /// doubled (up to the cap) for the poll after it.
    pub fn next_after(&mut self, now: Timestamp) -> Timestamp {
        let due = now.saturating_add(self.current);
        self.current = self.current.saturating_mul(2).min(self.max);
        due
    }

    /// Back to the initial delay, after a change was seen.
    pub fn reset(&mut self) {
        self.current = self.initial;
    }
}

//! The server's one time source: the wall clock plus an offset that only
//! the test-clock extension (spec §18, `--test-clock`) can move forward.
//! Every `now` the market sees — bid and nonce timestamps, message times,
//! the timer — is read here, so an advance applies everywhere at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bitwrk_protocol::time::Timestamp;

/// A shared clock; cheap to clone.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    offset_ms: AtomicU64,
    adjustable: bool,
}

/// The largest single advance accepted (about 31 years).
pub const MAX_ADVANCE_MS: u64 = 1_000_000_000_000;

impl Clock {
    /// The wall clock, never adjustable (production).
    pub fn system() -> Clock {
        Clock::new(false)
    }

    /// A wall clock that the test-clock extension may advance when
    /// `adjustable`.
    pub fn new(adjustable: bool) -> Clock {
        Clock(Arc::new(Inner {
            offset_ms: AtomicU64::new(0),
            adjustable,
        }))
    }

    /// Whether the test-clock extension is enabled.
    pub fn is_adjustable(&self) -> bool {
        self.0.adjustable
    }

    /// How far the clock is ahead of the wall clock, in milliseconds.
    pub fn offset_ms(&self) -> u64 {
        self.0.offset_ms.load(Ordering::SeqCst)
    }

    /// The current time: wall clock plus offset, in milliseconds.
    pub fn now(&self) -> Timestamp {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Timestamp::from_millis(wall.saturating_add(self.offset_ms()))
    }

    /// Moves the clock forward by `ms`. Refused (returns `false`) unless the
    /// clock is adjustable and `ms` is at most [`MAX_ADVANCE_MS`]; the clock
    /// never moves backwards.
    pub fn advance(&self, ms: u64) -> bool {
        if !self.0.adjustable || ms > MAX_ADVANCE_MS {
            return false;
        }
        self.0.offset_ms.fetch_add(ms, Ordering::SeqCst);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_adjustable_clock_advances() {
        let fixed = Clock::system();
        assert!(!fixed.advance(1000));
        assert_eq!(fixed.offset_ms(), 0);
        let test = Clock::new(true);
        let before = test.now();
        assert!(test.advance(60_000));
        assert!(test.now().as_millis() >= before.as_millis() + 60_000);
        assert!(!test.advance(MAX_ADVANCE_MS + 1));
        assert_eq!(test.offset_ms(), 60_000);
    }
}

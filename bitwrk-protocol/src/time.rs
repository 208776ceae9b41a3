//! Time as the protocol core sees it: a value the caller passes in.
//!
//! The core never reads a clock. Drivers convert their clock reading into a
//! [`Timestamp`] and hand it to every entry point as `now`.

use core::fmt;
use core::time::Duration;

/// Milliseconds since 1970-01-01T00:00:00Z (UTC), as supplied by the driver.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// A timestamp `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: u64) -> Timestamp {
        Timestamp(millis)
    }

    /// A timestamp `secs` seconds after the Unix epoch (saturating).
    pub const fn from_secs(secs: u64) -> Timestamp {
        Timestamp(secs.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self + d`, or `None` past the representable range.
    pub fn checked_add(self, d: Duration) -> Option<Timestamp> {
        let ms = u64::try_from(d.as_millis()).ok()?;
        self.0.checked_add(ms).map(Timestamp)
    }

    /// `self + d`, clamped to the largest timestamp.
    pub fn saturating_add(self, d: Duration) -> Timestamp {
        self.checked_add(d).unwrap_or(Timestamp(u64::MAX))
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({}ms)", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_checked() {
        let t = Timestamp::from_secs(10);
        assert_eq!(
            t.checked_add(Duration::from_secs(120)),
            Some(Timestamp::from_millis(130_000))
        );
        assert_eq!(
            Timestamp::from_millis(u64::MAX).checked_add(Duration::from_millis(1)),
            None
        );
        assert_eq!(t.saturating_since(Timestamp::from_secs(20)), Duration::ZERO);
        assert_eq!(
            Timestamp::from_secs(20).saturating_since(t),
            Duration::from_secs(10)
        );
    }
}

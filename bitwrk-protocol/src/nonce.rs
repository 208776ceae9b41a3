//! Server-issued single-use nonces (spec section 9).
//!
//! Every signed write (bid, deposit, relation) carries a nonce the server
//! issued shortly before. The [`NonceRegistry`] remembers issued nonces for
//! their lifetime (180 s) and marks them used. Using a nonce is two steps so
//! that it is burnt only by a request whose signature is valid:
//!
//! 1. [`NonceRegistry::check`] validates without changing anything and
//!    returns a [`NonceTicket`];
//! 2. after the signature has been verified, [`NonceRegistry::consume`]
//!    spends the ticket.
//!
//! Memory is bounded: a registry holds at most `capacity` nonces (used ones
//! included, until they expire) and refuses to issue more when full.

use core::fmt;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use crate::encoding::hex;
use crate::error::error_codes;
use crate::time::Timestamp;

/// How long an issued nonce stays usable (BW-NONCE-3).
pub const NONCE_LIFETIME: Duration = Duration::from_secs(180);
/// Random bytes per issued nonce: 128 bits (BW-NONCE-1).
pub const NONCE_RANDOM_BYTES: usize = 16;
/// Shortest nonce accepted on use (BW-NONCE-2).
pub const MIN_NONCE_LEN: usize = 24;
/// Longest nonce accepted on use (BW-NONCE-2).
pub const MAX_NONCE_LEN: usize = 32;
/// Default bound on remembered nonces (BW-NONCE-6).
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Why a nonce was rejected or could not be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NonceError {
    /// Not 24–32 characters of `0-9a-f`.
    BadFormat {
        /// Length of the text received, in bytes.
        length: usize,
    },
    /// Never issued, or forgotten after it expired.
    Unknown,
    /// Issued, but its lifetime is over.
    Expired {
        /// When it expired.
        expired: Timestamp,
    },
    /// Already used by an earlier request.
    Used,
    /// The registry holds `capacity` live nonces and cannot issue another.
    Capacity {
        /// The configured bound.
        capacity: usize,
    },
    /// The random bytes supplied produce a nonce that is still remembered.
    Collision,
}

error_codes!(NonceError {
    NonceError::BadFormat { length } => "nonce.bad-format", ("nonce must be 24 to 32 characters of 0-9a-f, found {length} bytes");
    NonceError::Unknown => "nonce.unknown", ("nonce was not issued by this server or has been forgotten");
    NonceError::Expired { expired } => "nonce.expired", ("nonce expired at {}", crate::rfc3339::format(*expired));
    NonceError::Used => "nonce.used", ("nonce has already been used");
    NonceError::Capacity { capacity } => "nonce.capacity", ("nonce registry is full ({capacity} live nonces); try again later");
    NonceError::Collision => "nonce.collision", ("random bytes produced a nonce that is still in use");
});

/// A well-formed nonce: 24–32 characters of `[0-9a-f]` (BW-NONCE-2).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Nonce(String);

impl Nonce {
    /// Checks the format only.
    pub fn parse(s: &str) -> Result<Nonce, NonceError> {
        let ok = (MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&s.len())
            && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !ok {
            return Err(NonceError::BadFormat { length: s.len() });
        }
        Ok(Nonce(s.to_owned()))
    }

    /// The nonce text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nonce({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Nonce {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Nonce::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Proof that a nonce passed [`NonceRegistry::check`]; spend it with
/// [`NonceRegistry::consume`] once the request's signature is verified.
/// Only `check` creates tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a checked nonce is not used until the ticket is consumed"]
pub struct NonceTicket {
    nonce: Nonce,
}

impl NonceTicket {
    /// The nonce the ticket is for.
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }
}

/// What the registry remembers about one issued nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
struct Entry {
    expires: Timestamp,
    used: bool,
}

/// Issued nonces with their expiry and use (BW-NONCE-1 … BW-NONCE-7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NonceRegistry {
    capacity: usize,
    lifetime_ms: u64,
    entries: BTreeMap<Nonce, Entry>,
    /// The same nonces ordered by expiry, so purging and the next deadline
    /// cost O(log n) instead of a scan.
    by_expiry: BTreeSet<(Timestamp, Nonce)>,
}

impl Default for NonceRegistry {
    fn default() -> Self {
        NonceRegistry::new(DEFAULT_CAPACITY)
    }
}

impl NonceRegistry {
    /// An empty registry remembering at most `capacity` nonces, each living
    /// [`NONCE_LIFETIME`].
    pub fn new(capacity: usize) -> NonceRegistry {
        NonceRegistry::with_lifetime(capacity, NONCE_LIFETIME)
    }

    /// An empty registry with a non-default lifetime.
    pub fn with_lifetime(capacity: usize, lifetime: Duration) -> NonceRegistry {
        NonceRegistry {
            capacity,
            lifetime_ms: u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX),
            entries: BTreeMap::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// The same nonces under the given capacity and lifetime (a market
    /// restored from a snapshot takes these from its configuration).
    pub(crate) fn reconfigured(self, capacity: usize, lifetime: Duration) -> NonceRegistry {
        NonceRegistry {
            capacity,
            lifetime_ms: u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX),
            ..self
        }
    }

    /// Nonces currently remembered (live or used, not yet purged).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The configured bound.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets every nonce whose lifetime is over at `now` (BW-NONCE-5).
    pub fn purge(&mut self, now: Timestamp) {
        while let Some((expires, _)) = self.by_expiry.first() {
            if *expires > now {
                break;
            }
            if let Some((_, nonce)) = self.by_expiry.pop_first() {
                self.entries.remove(&nonce);
            }
        }
    }

    /// The earliest expiry among remembered nonces: when [`purge`](Self::purge)
    /// next has something to do.
    pub fn next_expiry(&self) -> Option<Timestamp> {
        self.by_expiry.first().map(|(expires, _)| *expires)
    }

    /// Issues a nonce made of the caller's 16 random bytes as 32 lower-case
    /// hex characters (BW-NONCE-1). When the registry is full, expired nonces
    /// are purged; if it is still full the request is refused (BW-NONCE-6)
    /// and nothing but the purge has happened.
    pub fn issue(
        &mut self,
        now: Timestamp,
        random: &[u8; NONCE_RANDOM_BYTES],
    ) -> Result<Nonce, NonceError> {
        let nonce = Nonce(hex::encode(random));
        if self.entries.get(&nonce).is_some_and(|e| e.expires > now) {
            return Err(NonceError::Collision);
        }
        if self.entries.len() >= self.capacity {
            self.purge(now);
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&nonce) {
            return Err(NonceError::Capacity {
                capacity: self.capacity,
            });
        }
        let expires = Timestamp::from_millis(now.as_millis().saturating_add(self.lifetime_ms));
        let entry = Entry {
            expires,
            used: false,
        };
        if let Some(old) = self.entries.insert(nonce.clone(), entry) {
            self.by_expiry.remove(&(old.expires, nonce.clone()));
        }
        self.by_expiry.insert((expires, nonce.clone()));
        Ok(nonce)
    }

    /// Checks a nonce received with a request without using it up
    /// (BW-NONCE-2 … BW-NONCE-4): format, then known, then not expired
    /// (usable while `now` < expiry), then not used.
    pub fn check(&self, now: Timestamp, text: &str) -> Result<NonceTicket, NonceError> {
        let nonce = Nonce::parse(text)?;
        let entry = self.entries.get(&nonce).ok_or(NonceError::Unknown)?;
        if now >= entry.expires {
            return Err(NonceError::Expired {
                expired: entry.expires,
            });
        }
        if entry.used {
            return Err(NonceError::Used);
        }
        Ok(NonceTicket { nonce })
    }

    /// Spends a ticket (BW-NONCE-4, BW-NONCE-7). The nonce is checked again
    /// at `now`, so a ticket cannot be spent twice or after expiry; on error
    /// nothing changes.
    pub fn consume(&mut self, now: Timestamp, ticket: NonceTicket) -> Result<(), NonceError> {
        let ticket = self.check(now, ticket.nonce.as_str())?;
        if let Some(entry) = self.entries.get_mut(&ticket.nonce) {
            entry.used = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use proptest::prelude::*;

    const T0: Timestamp = Timestamp::from_millis(1_000_000);

    fn at(ms: u64) -> Timestamp {
        Timestamp::from_millis(T0.as_millis() + ms)
    }

    #[test]
    fn issued_nonces_are_32_hex() {
        // BW-NONCE-1
        let mut r = NonceRegistry::new(10);
        let n = r.issue(T0, &[0xab; 16]).unwrap();
        assert_eq!(n.as_str(), "ab".repeat(16));
        let n2 = r.issue(T0, &core::array::from_fn(|i| i as u8)).unwrap();
        assert_eq!(n2.as_str(), "000102030405060708090a0b0c0d0e0f");
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn format() {
        // BW-NONCE-2
        let r = NonceRegistry::new(10);
        for bad in [
            "",
            &"a".repeat(23),
            &"a".repeat(33),
            &"A".repeat(32),
            &format!("{}g", "a".repeat(31)),
            &format!("{} ", "a".repeat(31)),
        ] {
            assert_eq!(
                r.check(T0, bad).unwrap_err(),
                NonceError::BadFormat { length: bad.len() },
                "{bad:?}"
            );
        }
        for good in ["a".repeat(24), "0".repeat(32)] {
            assert_eq!(r.check(T0, &good).unwrap_err().code(), "nonce.unknown");
        }
    }

    #[test]
    fn lifetime_and_single_use() {
        // BW-NONCE-3, BW-NONCE-4
        let mut r = NonceRegistry::new(10);
        let n = r.issue(T0, &[1; 16]).unwrap();
        let before = r.clone();
        let ticket = r.check(at(179_999), n.as_str()).unwrap();
        assert_eq!(r, before, "check changes nothing");
        assert_eq!(
            r.check(at(180_000), n.as_str()).unwrap_err(),
            NonceError::Expired {
                expired: at(180_000)
            }
        );
        r.consume(at(1000), ticket.clone()).unwrap();
        assert_eq!(
            r.check(at(1000), n.as_str()).unwrap_err().code(),
            "nonce.used"
        );
        let used = r.clone();
        assert_eq!(r.consume(at(1000), ticket).unwrap_err(), NonceError::Used);
        assert_eq!(r, used, "a failed consume changes nothing");
    }

    #[test]
    fn consume_rechecks_expiry() {
        // BW-NONCE-7
        let mut r = NonceRegistry::new(10);
        let n = r.issue(T0, &[1; 16]).unwrap();
        let ticket = r.check(T0, n.as_str()).unwrap();
        let before = r.clone();
        assert_eq!(
            r.consume(at(180_000), ticket).unwrap_err().code(),
            "nonce.expired"
        );
        assert_eq!(r, before);
    }

    #[test]
    fn purge_and_capacity() {
        // BW-NONCE-5, BW-NONCE-6
        let mut r = NonceRegistry::new(2);
        let a = r.issue(T0, &[1; 16]).unwrap();
        r.issue(at(1000), &[2; 16]).unwrap();
        let full = r.clone();
        assert_eq!(
            r.issue(at(2000), &[3; 16]).unwrap_err(),
            NonceError::Capacity { capacity: 2 }
        );
        assert_eq!(r, full);
        assert_eq!(r.next_expiry(), Some(at(180_000)));
        // At a's expiry it is purged and a new nonce fits.
        r.issue(at(180_000), &[3; 16]).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            r.check(at(180_000), a.as_str()).unwrap_err().code(),
            "nonce.unknown"
        );
        r.purge(at(1_000_000));
        assert!(r.is_empty());
        assert_eq!(r.next_expiry(), None);
    }

    #[test]
    fn collision() {
        // BW-NONCE-1
        let mut r = NonceRegistry::new(3);
        r.issue(T0, &[7; 16]).unwrap();
        assert_eq!(r.issue(T0, &[7; 16]).unwrap_err().code(), "nonce.collision");
        assert_eq!(NonceError::CODES.len(), 6);
    }

    proptest! {
        #[test]
        fn never_more_than_capacity(ops in proptest::collection::vec((0u8..4, any::<[u8; 16]>(), 0u64..400_000), 0..60)) {
            // BW-NONCE-6
            let mut r = NonceRegistry::new(5);
            let mut now = T0;
            let mut issued = Vec::new();
            for (op, bytes, dt) in ops {
                now = Timestamp::from_millis(now.as_millis() + dt / 10);
                match op {
                    0 | 1 => {
                        let before = r.len();
                        match r.issue(now, &bytes) {
                            Ok(n) => issued.push(n),
                            Err(_) => prop_assert!(r.len() <= before),
                        }
                    }
                    2 => {
                        if let Some(n) = issued.last()
                            && let Ok(t) = r.check(now, n.as_str())
                        {
                            r.consume(now, t).unwrap();
                            prop_assert_eq!(r.check(now, n.as_str()).unwrap_err(), NonceError::Used);
                        }
                    }
                    _ => r.purge(now),
                }
                prop_assert!(r.len() <= 5);
            }
        }
    }
}

//! BitWrk 0.7's legacy message digest and the verification modes (spec
//! section 5.2, BW-SIG-12 … BW-SIG-14).
//!
//! BitWrk 0.7 writes the 3-byte CompactSize of a message length `L` as
//! `fd ‖ L mod 256 ‖ ⌊L / 2⌋ mod 256`: its encoder shifts the second length
//! byte by one *bit* instead of eight. For 253 ≤ L ≤ 65 535 (except where
//! the two encodings happen to coincide, e.g. L = 516 or 65 535) its digest
//! therefore differs from Bitcoin's, and every signature a 0.7 client makes
//! over such a message — a seller's result message among them — fails
//! verification under the Bitcoin digest.
//!
//! Signers never use the legacy digest (BW-SIG-12). A verifier in
//! [`VerifyMode::Compat07`] accepts a signature that verifies under the
//! legacy digest when it fails under the Bitcoin digest (BW-SIG-13); in
//! [`VerifyMode::Strict`] only the Bitcoin digest counts (BW-SIG-14).

use super::{SignatureError, compact_size, prefixed_digest};
use crate::hash::Hash256;

/// BitWrk 0.7's encoding of a message length: CompactSize, except that the
/// 3-byte form is `fd ‖ L mod 256 ‖ ⌊L / 2⌋ mod 256` (BW-SIG-13).
pub fn compact_size_07(n: u64) -> Vec<u8> {
    match n {
        0xfd..=0xffff => vec![0xfd, (n & 0xff) as u8, ((n >> 1) & 0xff) as u8],
        _ => compact_size(n),
    }
}

/// Whether the 0.7 legacy digest of a message of `len` bytes differs from
/// its Bitcoin digest, i.e. whether the two length encodings differ: the
/// 3-byte form with `⌊L / 2⌋ mod 256 ≠ ⌊L / 256⌋`.
pub fn legacy_07_differs(len: u64) -> bool {
    (0xfd..=0xffff).contains(&len) && (len >> 1) & 0xff != len >> 8
}

/// BitWrk 0.7's digest of `message`: like
/// [`message_digest`](super::message_digest), but with the length written by
/// [`compact_size_07`] (BW-SIG-13). Never sign it (BW-SIG-12).
pub fn legacy_07_digest(message: &[u8]) -> Hash256 {
    prefixed_digest(&compact_size_07(message.len() as u64), message)
}

/// Which digests a verifier accepts a message signature under.
///
/// The library default is [`Strict`](Self::Strict). A server that must serve
/// unmodified BitWrk 0.7 clients configures [`Compat07`](Self::Compat07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VerifyMode {
    /// Only the Bitcoin digest (BW-SIG-14).
    #[default]
    Strict,
    /// The Bitcoin digest, and for lengths where it differs the BitWrk 0.7
    /// legacy digest (BW-SIG-13).
    Compat07,
}

impl VerifyMode {
    /// The digest to try when a signature fails under the Bitcoin digest:
    /// the legacy digest in [`Compat07`](Self::Compat07) mode when it differs
    /// from the Bitcoin one; `None` otherwise (always in strict mode).
    pub fn fallback_digest(self, message: &[u8]) -> Option<Hash256> {
        match self {
            VerifyMode::Strict => None,
            VerifyMode::Compat07 => {
                legacy_07_differs(message.len() as u64).then(|| legacy_07_digest(message))
            }
        }
    }

    /// The mode's name as the reference drivers write it: `strict` or
    /// `compat-07`.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyMode::Strict => "strict",
            VerifyMode::Compat07 => "compat-07",
        }
    }
}

/// The rule of BW-SIG-13 for any check: `check` under `digest` (the Bitcoin
/// digest); if that fails and there is a `fallback` digest, success when
/// `check` passes under it. When both fail, the Bitcoin digest's error is
/// reported, so a rejection reads the same in every mode.
pub(crate) fn check_either<T>(
    digest: &Hash256,
    fallback: Option<&Hash256>,
    mut check: impl FnMut(&Hash256) -> Result<T, SignatureError>,
) -> Result<T, SignatureError> {
    let error = match check(digest) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    match fallback {
        Some(legacy) => check(legacy).map_err(|_| error),
        None => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::message_digest;

    #[test]
    fn legacy_length_encoding() {
        // BW-SIG-13: the second length byte is shifted by one bit.
        assert_eq!(compact_size_07(252), vec![0xfc]);
        assert_eq!(compact_size_07(253), vec![0xfd, 0xfd, 0x7e]);
        assert_eq!(compact_size_07(300), vec![0xfd, 0x2c, 0x96]);
        assert_eq!(compact_size_07(512), vec![0xfd, 0x00, 0x00]);
        assert_eq!(compact_size_07(0xffff), vec![0xfd, 0xff, 0xff]);
        assert_eq!(compact_size_07(0x1_0000), compact_size(0x1_0000));
        // Where the encodings coincide, so do the digests.
        for len in [0u64, 252, 516, 517, 0xfffe, 0xffff, 0x1_0000, 0x1_0000_0000] {
            assert!(!legacy_07_differs(len), "{len}");
        }
        for len in [253u64, 254, 255, 256, 300, 511, 512, 515, 518, 0xfffd] {
            assert!(legacy_07_differs(len), "{len}");
        }
        let count = (0..=0x1_0000u64).filter(|&l| legacy_07_differs(l)).count();
        for len in 0..=0x1_0001u64 {
            assert_eq!(
                legacy_07_differs(len),
                compact_size_07(len) != compact_size(len),
                "{len}"
            );
        }
        assert_eq!(count, (0xffff - 0xfd + 1) - 254);
    }

    #[test]
    fn fallback_only_in_compat_mode_and_only_where_it_differs() {
        // BW-SIG-13, BW-SIG-14
        let long = vec![b'a'; 300];
        assert_eq!(VerifyMode::Strict.fallback_digest(&long), None);
        let legacy = VerifyMode::Compat07.fallback_digest(&long).unwrap();
        assert_eq!(legacy, legacy_07_digest(&long));
        assert_ne!(legacy, message_digest(&long));
        assert_eq!(VerifyMode::Compat07.fallback_digest(&[b'a'; 252]), None);
        assert_eq!(VerifyMode::Compat07.fallback_digest(&[b'a'; 516]), None);
        assert_eq!(legacy_07_digest(&[b'a'; 516]), message_digest(&[b'a'; 516]));
        assert_eq!(VerifyMode::default(), VerifyMode::Strict);
    }

    #[test]
    fn check_either_reports_the_bitcoin_error() {
        // BW-SIG-13
        let a = Hash256::from_byte_array([1; 32]);
        let b = Hash256::from_byte_array([2; 32]);
        let only = |ok: Hash256| {
            move |d: &Hash256| {
                if *d == ok {
                    Ok(())
                } else if *d == a {
                    Err(SignatureError::Unrecoverable)
                } else {
                    Err(SignatureError::BadR)
                }
            }
        };
        assert_eq!(check_either(&a, Some(&b), only(b)), Ok(()));
        assert_eq!(
            check_either(&a, None, only(b)),
            Err(SignatureError::Unrecoverable)
        );
        let c = Hash256::from_byte_array([3; 32]);
        assert_eq!(
            check_either(&a, Some(&b), only(c)),
            Err(SignatureError::Unrecoverable)
        );
    }
}

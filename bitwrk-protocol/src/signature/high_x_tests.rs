//! Mutation gap: the recovery-id bit 1 branch (x = r + n, BW-SIG-7) of the
//! cached-key and batch paths. Single verification hides a wrong R there
//! (the fast paths fall back to it), so the internal checks are tested
//! directly.

use super::batch::{matches_key, r_point};
use super::*;
use crate::hash::sha256;

/// A signature with recovery id 2 or 3 and the key recovery gives for it.
fn high_x(seed: u8, digest: &Hash256) -> (Signature, PublicKey) {
    for t in 1u8..=255 {
        let mut bytes = [0u8; 65];
        bytes[32] = t; // r < p − n, so x = r + n is a field element
        bytes[33..65].copy_from_slice(sha256(&[seed, t]).as_bytes());
        for recid in [2u8, 3] {
            bytes[0] = 27 + 4 + recid;
            let Ok(sig) = Signature::from_slice(&bytes) else {
                continue;
            };
            if let Ok(key) = sig.recover(digest) {
                return (sig, key);
            }
        }
    }
    panic!("no R with x = r + n found");
}

#[test]
fn cached_key_check_uses_x_equal_r_plus_n() {
    // BW-SIG-7
    for seed in 0..4u8 {
        let digest = message_digest(&[seed; 10]);
        let (sig, key) = high_x(seed, &digest);
        assert!(sig.recovery_id() & 2 != 0);
        assert!(matches_key(&key, &digest, &sig), "seed {seed}");
        let other = message_digest(&[seed; 11]);
        assert!(!matches_key(&key, &other, &sig));
        // R exists, and the same (r, s) read with x = r is another R.
        assert!(r_point(&sig).is_some());
        let mut low = [0u8; 65];
        low[0] = 27 + 4 + (sig.recovery_id() & 1);
        low[1..33].copy_from_slice(sig.r());
        low[33..65].copy_from_slice(sig.s());
        let low = Signature::from_slice(&low).unwrap();
        assert!(!matches_key(&key, &digest, &low));
    }
}

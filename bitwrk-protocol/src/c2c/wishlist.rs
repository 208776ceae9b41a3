//! Wishlist bits (spec §19.6): one bit per slot of the shuffled stream,
//! most significant bit first, `1` = "send this chunk", the last byte padded
//! with zero bits (BW-C2C-15).

use super::C2cError;

/// Bytes of a wishlist for `slots` slots.
pub const fn byte_len(slots: usize) -> usize {
    slots.div_ceil(8)
}

/// Packs `bits`.
pub fn encode(bits: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; byte_len(bits.len())];
    for (i, _) in bits.iter().enumerate().filter(|(_, b)| **b) {
        out[i / 8] |= 0x80 >> (i % 8);
    }
    out
}

/// Unpacks a complete wishlist of `slots` slots: exactly
/// [`byte_len`]`(slots)` bytes, zero padding (BW-C2C-15).
pub fn decode(bytes: &[u8], slots: usize) -> Result<Vec<bool>, C2cError> {
    let expected = byte_len(slots);
    if bytes.len() != expected {
        return Err(C2cError::WishlistLength {
            expected,
            got: bytes.len(),
        });
    }
    let bits: Vec<bool> = (0..expected * 8)
        .map(|i| bytes[i / 8] & (0x80 >> (i % 8)) != 0)
        .collect();
    if bits[slots..].iter().any(|b| *b) {
        return Err(C2cError::WishlistPadding);
    }
    Ok(bits[..slots].to_vec())
}

//! Lower-case hexadecimal (spec section 3.1).

use crate::error::error_codes;

/// Why a hex string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexError {
    /// The string has the wrong number of characters.
    BadLength {
        /// Characters expected.
        expected: usize,
        /// Characters found.
        found: usize,
    },
    /// A character outside `0-9a-f` (upper case is rejected too).
    BadChar {
        /// Character offset of the first offending character.
        position: usize,
    },
}

error_codes!(HexError {
    HexError::BadLength { expected, found } => "hex.bad-length", ("expected {expected} hex characters, found {found}");
    HexError::BadChar { position } => "hex.bad-char", ("invalid hex character at position {position} (only 0-9 and a-f are allowed)");
});

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Encodes bytes as lower-case hex.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Decodes exactly `N` bytes from `2N` lower-case hex characters
/// (BW-ENC-1: upper-case digits are rejected, as BitWrk 0.7 does for hashes).
pub fn decode_array<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let found = s.chars().count();
    if found != 2 * N {
        return Err(HexError::BadLength {
            expected: 2 * N,
            found,
        });
    }
    if let Some(position) = s
        .chars()
        .position(|c| !c.is_ascii() || nibble(c as u8).is_none())
    {
        return Err(HexError::BadChar { position });
    }
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        // Both characters were checked above.
        out[i] = (nibble(pair[0]).unwrap_or(0) << 4) | nibble(pair[1]).unwrap_or(0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        // BW-ENC-1
        let bytes = [0x00, 0xab, 0xff, 0x10];
        assert_eq!(encode(&bytes), "00abff10");
        assert_eq!(decode_array::<4>("00abff10"), Ok(bytes));
        assert_eq!(
            decode_array::<4>("00ABff10"),
            Err(HexError::BadChar { position: 2 })
        );
        assert_eq!(
            decode_array::<4>("00abff1"),
            Err(HexError::BadLength {
                expected: 8,
                found: 7
            })
        );
        assert_eq!(
            decode_array::<1>("é0"),
            Err(HexError::BadChar { position: 0 })
        );
    }
}

//! Bitcoin base58 and base58check (spec sections 3.3 and 3.4).

use crate::error::error_codes;
use crate::hash::sha256d;

/// Why a base58 or base58check string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base58Error {
    /// A character outside the Bitcoin base58 alphabet (`0`, `O`, `I`, `l`,
    /// whitespace, anything non-ASCII).
    BadChar {
        /// The offending character.
        character: char,
        /// Its byte offset in the input.
        position: usize,
    },
    /// The decoded data is shorter than the 4-byte checksum plus one byte.
    TooShort {
        /// Decoded length in bytes.
        length: usize,
    },
    /// The last four bytes are not the double-SHA-256 checksum of the rest.
    BadChecksum,
}

error_codes!(Base58Error {
    Base58Error::BadChar { character, position } => "b58.bad-char", ("invalid base58 character {character:?} at position {position}");
    Base58Error::TooShort { length } => "b58.too-short", ("base58check data too short: {length} bytes (at least 5 expected)");
    Base58Error::BadChecksum => "b58.bad-checksum", ("base58check checksum mismatch");
});

/// The Bitcoin base58 alphabet.
pub const ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Encodes bytes as base58 (no checksum). Each leading zero byte becomes `1`.
pub fn encode(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

/// Decodes base58 (no checksum). Every character must be in [`ALPHABET`]
/// (BW-ENC-3); since base58 is a bijection between such strings and byte
/// strings, an accepted string is always the canonical spelling of its bytes.
pub fn decode(s: &str) -> Result<Vec<u8>, Base58Error> {
    if let Some((position, character)) = s.char_indices().find(|(_, c)| !ALPHABET.contains(*c)) {
        return Err(Base58Error::BadChar {
            character,
            position,
        });
    }
    // All characters are in the alphabet, so the decoder cannot fail.
    bs58::decode(s)
        .into_vec()
        .map_err(|_| Base58Error::BadChar {
            character: '?',
            position: 0,
        })
}

/// Encodes `payload ‖ sha256d(payload)[0..4]` as base58 (BW-ENC-4).
pub fn encode_check(payload: &[u8]) -> String {
    let mut data = Vec::with_capacity(payload.len() + 4);
    data.extend_from_slice(payload);
    data.extend_from_slice(&sha256d(payload).as_bytes()[..4]);
    encode(&data)
}

/// Decodes base58check and returns the payload without the checksum (BW-ENC-4).
pub fn decode_check(s: &str) -> Result<Vec<u8>, Base58Error> {
    let mut data = decode(s)?;
    if data.len() < 5 {
        return Err(Base58Error::TooShort { length: data.len() });
    }
    let split = data.len() - 4;
    if sha256d(&data[..split]).as_bytes()[..4] != data[split..] {
        return Err(Base58Error::BadChecksum);
    }
    data.truncate(split);
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_zeros_and_bad_chars() {
        // BW-ENC-3
        assert_eq!(encode(&[0, 0, 1]), "112");
        assert_eq!(decode("112"), Ok(vec![0, 0, 1]));
        assert_eq!(decode(""), Ok(vec![]));
        assert_eq!(
            decode("1l0O"),
            Err(Base58Error::BadChar {
                character: 'l',
                position: 1
            })
        );
        assert_eq!(
            decode("1é"),
            Err(Base58Error::BadChar {
                character: 'é',
                position: 1
            })
        );
    }

    #[test]
    fn checksum() {
        // BW-ENC-4
        let s = encode_check(&[0x00, 1, 2, 3]);
        assert_eq!(decode_check(&s), Ok(vec![0, 1, 2, 3]));
        assert_eq!(
            decode_check("1111"),
            Err(Base58Error::TooShort { length: 4 })
        );
        let mut tampered = decode(&s).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            decode_check(&encode(&tampered)),
            Err(Base58Error::BadChecksum)
        );
    }
}

//! Standard base64 with padding, canonical only (spec section 3.2).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::error_codes;

/// Why a base64 string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base64Error {
    /// Not valid standard, padded, canonical base64 (bad character,
    /// missing or extra padding, non-zero padding bits, whitespace).
    NotCanonical,
}

error_codes!(Base64Error {
    Base64Error::NotCanonical => "b64.not-canonical", ("not canonical standard base64 (alphabet A-Z a-z 0-9 + /, padded with '=', zero padding bits)");
});

/// Encodes with the standard alphabet and padding.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard, padded, canonical base64 (BW-ENC-2).
pub fn decode(s: &str) -> Result<Vec<u8>, Base64Error> {
    // The engine rejects unpadded input, foreign characters and non-zero
    // trailing bits; the re-encode check is a belt-and-braces guard that the
    // accepted text is the one canonical spelling of its bytes.
    let bytes = STANDARD.decode(s).map_err(|_| Base64Error::NotCanonical)?;
    if STANDARD.encode(&bytes) != s {
        return Err(Base64Error::NotCanonical);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only() {
        // BW-ENC-2
        assert_eq!(decode("AAE="), Ok(vec![0, 1]));
        assert_eq!(decode("AAF="), Err(Base64Error::NotCanonical)); // padding bits set
        assert_eq!(decode("AAE"), Err(Base64Error::NotCanonical)); // unpadded
        assert_eq!(decode("AA E="), Err(Base64Error::NotCanonical));
        assert_eq!(decode("AA-="), Err(Base64Error::NotCanonical)); // URL-safe alphabet
        assert_eq!(encode(&[0, 1]), "AAE=");
    }
}

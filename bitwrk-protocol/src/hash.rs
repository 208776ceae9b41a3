//! Hash functions and hash newtypes (spec section 3.5).
//!
//! * `sha256d(x) = SHA-256(SHA-256(x))`, the "Digest256" of BitWrk 0.7;
//! * `hash160(x) = RIPEMD-160(SHA-256(x))`, the "Digest160".
//!
//! Hashes are written as lower-case hex in JSON and documents, in byte order
//! (no reversal, unlike Bitcoin's display convention for txids).

use core::fmt;
use core::str::FromStr;

use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

use crate::encoding::hex::{self, HexError};

macro_rules! hash_newtype {
    ($(#[$meta:meta])* $name:ident, $len:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;

            /// Wraps raw bytes.
            pub const fn from_byte_array(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// The raw bytes, by value.
            pub const fn to_byte_array(self) -> [u8; $len] {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = HexError;
            /// Parses exactly the lower-case hex form (BW-ENC-1).
            fn from_str(s: &str) -> Result<Self, HexError> {
                hex::decode_array(s).map(Self)
            }
        }

        crate::text_serde::serde_via_text!($name);
    };
}

hash_newtype!(
    /// A 32-byte hash: a SHA-256 or double-SHA-256 digest, or any 256-bit
    /// value written as 64 lower-case hex characters (work hashes, secrets).
    Hash256, 32
);
hash_newtype!(
    /// A 20-byte RIPEMD-160(SHA-256(·)) digest, the payload of a P2PKH address.
    Hash160, 20
);

fn array<const N: usize>(out: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(out);
    a
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash256 {
    Hash256(array(&Sha256::digest(data)))
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256_concat(parts: &[&[u8]]) -> Hash256 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    Hash256(array(&h.finalize()))
}

/// Double SHA-256 ("Digest256" in BitWrk 0.7).
pub fn sha256d(data: &[u8]) -> Hash256 {
    Hash256(array(&Sha256::digest(Sha256::digest(data))))
}

/// RIPEMD-160 of SHA-256 ("Digest160" in BitWrk 0.7).
pub fn hash160(data: &[u8]) -> Hash160 {
    Hash160(array(&Ripemd160::digest(Sha256::digest(data))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // BW-ENC-5: empty-string digests from the public SHA-256 / RIPEMD-160 definitions.
        assert_eq!(
            sha256(b"").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256d(b"").to_string(),
            "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
        );
        assert_eq!(
            hash160(b"").to_string(),
            "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb"
        );
        assert_eq!(sha256_concat(&[b"ab", b"c"]), sha256(b"abc"));
    }

    #[test]
    fn hex_form() {
        let h: Hash256 = "00"
            .repeat(31)
            .chars()
            .chain("ff".chars())
            .collect::<String>()
            .parse()
            .unwrap();
        assert_eq!(h.as_bytes()[31], 0xff);
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            format!("\"{}ff\"", "00".repeat(31))
        );
        assert!("AB".repeat(32).parse::<Hash256>().is_err());
    }
}

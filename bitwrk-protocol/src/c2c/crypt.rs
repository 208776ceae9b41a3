//! Result encryption (spec §19.8): AES-256 in OFB mode with an all-zero IV,
//! used as a stream cipher, as BitWrk 0.7.
//!
//! The key is 32 bytes from a CSPRNG, fresh for every sell (BW-C2C-20);
//! a key is used for exactly one result, which is what makes the fixed IV
//! safe. There is no MAC: the buyer's check is the receipt's hash
//! (BW-C2C-21).

use core::fmt;
use core::str::FromStr;

use aes::Aes256;
use ofb::cipher::{KeyIvInit, StreamCipher};
use rand_core::CryptoRng;

use crate::encoding::hex::{self, HexError};

/// The IV: 16 zero bytes (BW-C2C-19).
pub const RESULT_IV: [u8; 16] = [0; 16];

/// A result key (`encresultkey`): 32 bytes, 64 lower-case hex in text.
#[derive(Clone, PartialEq, Eq)]
pub struct ResultKey([u8; 32]);

impl ResultKey {
    /// Draws a fresh key from `rng` (BW-C2C-20).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> ResultKey {
        let mut k = [0u8; 32];
        rng.fill_bytes(&mut k);
        ResultKey(k)
    }

    /// Wraps raw key bytes.
    pub const fn from_byte_array(bytes: [u8; 32]) -> ResultKey {
        ResultKey(bytes)
    }

    /// The raw key bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A cipher at the start of the result.
    pub fn cipher(&self) -> ResultCipher {
        ResultCipher::with_iv(self, &RESULT_IV)
    }
}

impl fmt::Display for ResultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

/// Does not print the key.
impl fmt::Debug for ResultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResultKey(…)")
    }
}

impl FromStr for ResultKey {
    type Err = HexError;
    /// Parses 64 lower-case hex characters.
    fn from_str(s: &str) -> Result<Self, HexError> {
        hex::decode_array(s).map(ResultKey)
    }
}

/// The keystream of one result: encryption and decryption are the same
/// operation, and the result may be fed in pieces of any size.
pub struct ResultCipher(ofb::Ofb<Aes256>);

impl ResultCipher {
    /// A cipher with an explicit IV (for the public AES-OFB test vectors;
    /// the protocol always uses [`RESULT_IV`]).
    pub fn with_iv(key: &ResultKey, iv: &[u8; 16]) -> ResultCipher {
        ResultCipher(ofb::Ofb::<Aes256>::new(&key.0.into(), &(*iv).into()))
    }

    /// XORs the next keystream bytes into `buf`.
    pub fn apply(&mut self, buf: &mut [u8]) {
        self.0.apply_keystream(buf);
    }
}

impl fmt::Debug for ResultCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResultCipher(…)")
    }
}

/// Encrypts (or decrypts) a whole result held in memory.
pub fn apply(key: &ResultKey, data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    key.cipher().apply(&mut out);
    out
}

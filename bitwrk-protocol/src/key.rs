//! Private keys, public keys and WIF (spec section 4).

use core::fmt;

use k256::elliptic_curve::sec1::ToSec1Point;

use crate::address::{Address, Network};
use crate::encoding::base58::{self, Base58Error};
use crate::error::error_codes;
use crate::hash::{Hash160, hash160};

/// Why a private key (WIF or raw scalar) was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Not base58, or too short for a checksum.
    BadEncoding(Base58Error),
    /// The base58check checksum does not match.
    BadChecksum,
    /// The version byte is neither 0x80 (mainnet) nor 0xef (testnet).
    UnknownVersion {
        /// The version byte found.
        version: u8,
    },
    /// The payload after the version byte is neither 32 nor 33 bytes.
    BadLength {
        /// Payload length after the version byte.
        length: usize,
    },
    /// A 33-byte payload whose last byte is not 0x01.
    BadCompressionFlag {
        /// The byte found instead of 0x01.
        flag: u8,
    },
    /// The scalar is zero or not below the group order n.
    ScalarOutOfRange,
}

error_codes!(KeyError {
    KeyError::BadEncoding(e) => "wif.bad-encoding", ("private key is not valid base58check: {e}");
    KeyError::BadChecksum => "wif.bad-checksum", ("private key checksum mismatch");
    KeyError::UnknownVersion { version } => "wif.unknown-version", ("unknown WIF version byte 0x{version:02x} (expected 0x80 mainnet or 0xef testnet)");
    KeyError::BadLength { length } => "wif.bad-length", ("WIF payload must be 32 or 33 bytes after the version byte, found {length}");
    KeyError::BadCompressionFlag { flag } => "wif.bad-compression-flag", ("the 33rd WIF payload byte must be 0x01, found 0x{flag:02x}");
    KeyError::ScalarOutOfRange => "key.scalar-out-of-range", ("private key scalar must be in [1, n-1]");
});

/// A secp256k1 private key together with the two facts WIF carries: whether
/// its public key is serialised compressed, and its network.
#[derive(Clone)]
pub struct PrivateKey {
    // The signing key keeps the public key it derives once, so signing does
    // not repeat that scalar multiplication.
    secret: k256::ecdsa::SigningKey,
    compressed: bool,
    network: Network,
}

impl PrivateKey {
    /// A key from a 32-byte big-endian scalar, which must be in [1, n−1]
    /// (BW-KEY-1). Callers pass their own random bytes here; the core reads
    /// no randomness itself.
    pub fn from_secret_bytes(
        bytes: &[u8; 32],
        compressed: bool,
        network: Network,
    ) -> Result<PrivateKey, KeyError> {
        let secret =
            k256::ecdsa::SigningKey::from_slice(bytes).map_err(|_| KeyError::ScalarOutOfRange)?;
        Ok(PrivateKey {
            secret,
            compressed,
            network,
        })
    }

    /// Parses WIF: base58check(version ‖ scalar(32) [‖ 0x01]) (BW-KEY-2, BW-KEY-3).
    pub fn from_wif(s: &str) -> Result<PrivateKey, KeyError> {
        let payload = base58::decode_check(s).map_err(|e| match e {
            Base58Error::BadChecksum => KeyError::BadChecksum,
            other => KeyError::BadEncoding(other),
        })?;
        let (&version, rest) = payload
            .split_first()
            .ok_or(KeyError::BadLength { length: 0 })?;
        let network =
            Network::from_wif_version(version).ok_or(KeyError::UnknownVersion { version })?;
        let compressed = match rest.len() {
            32 => false,
            33 if rest[32] == 0x01 => true,
            33 => return Err(KeyError::BadCompressionFlag { flag: rest[32] }),
            length => return Err(KeyError::BadLength { length }),
        };
        let mut scalar = [0u8; 32];
        scalar.copy_from_slice(&rest[..32]);
        PrivateKey::from_secret_bytes(&scalar, compressed, network)
    }

    /// The WIF form.
    pub fn to_wif(&self) -> String {
        let mut payload = Vec::with_capacity(34);
        payload.push(self.network.wif_version());
        payload.extend_from_slice(&self.secret.to_bytes());
        if self.compressed {
            payload.push(0x01);
        }
        base58::encode_check(&payload)
    }

    /// Whether the public key is serialised compressed.
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }

    /// The network recorded in the WIF version byte.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: k256::PublicKey::from(self.secret.verifying_key()),
            compressed: self.compressed,
        }
    }

    pub(crate) fn signing_key(&self) -> &k256::ecdsa::SigningKey {
        &self.secret
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("PrivateKey")
            .field("compressed", &self.compressed)
            .field("network", &self.network)
            .finish_non_exhaustive()
    }
}

/// A secp256k1 public key and its serialisation flag.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: k256::PublicKey,
    compressed: bool,
}

impl PublicKey {
    pub(crate) fn from_k256(key: k256::PublicKey, compressed: bool) -> Self {
        PublicKey { key, compressed }
    }

    pub(crate) fn as_k256(&self) -> &k256::PublicKey {
        &self.key
    }

    /// Whether [`serialize`](Self::serialize) gives the 33-byte form.
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }

    /// SEC1 serialisation: `02|03 ‖ X` (33 bytes) or `04 ‖ X ‖ Y` (65 bytes) (BW-KEY-4).
    pub fn serialize(&self) -> Vec<u8> {
        self.key.to_sec1_point(self.compressed).as_bytes().to_vec()
    }

    /// HASH160 of the serialisation.
    pub fn hash160(&self) -> Hash160 {
        hash160(&self.serialize())
    }

    /// The P2PKH address on `network` (BW-ADDR-1).
    pub fn address(&self, network: Network) -> Address {
        Address::new(network, self.hash160())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey({})",
            crate::encoding::hex::encode(&self.serialize())
        )
    }
}

/// A private key with its public key and address computed once.
#[derive(Clone)]
pub struct KeyPair {
    private: PrivateKey,
    public: PublicKey,
    address: Address,
}

impl KeyPair {
    /// Derives the public key and address of `private` on its own network.
    pub fn new(private: PrivateKey) -> KeyPair {
        let public = private.public_key();
        let address = public.address(private.network());
        KeyPair {
            private,
            public,
            address,
        }
    }

    /// Parses WIF and derives the pair.
    pub fn from_wif(s: &str) -> Result<KeyPair, KeyError> {
        PrivateKey::from_wif(s).map(KeyPair::new)
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.private
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The P2PKH address.
    pub fn address(&self) -> &Address {
        &self.address
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn bitwrk_07_wif_vectors() {
        // BW-KEY-2, BW-KEY-3, BW-ADDR-1: BitWrk 0.7 addresses_test.go.
        for (wif, compressed, addr) in [
            (
                "5KJvsngHeMpm884wtkJNzQGaCErckhHJBGFsvd3VyK5qMZXj3hS",
                false,
                "1JwSSubhmg6iPtRjtyqhUYYH7bZg3Lfy1T",
            ),
            (
                "L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu",
                true,
                "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8",
            ),
        ] {
            let kp = KeyPair::from_wif(wif).unwrap();
            assert_eq!(kp.private_key().is_compressed(), compressed);
            assert_eq!(kp.address().to_string(), addr);
            assert_eq!(kp.private_key().to_wif(), wif);
        }
    }

    #[test]
    fn scalar_range() {
        // BW-KEY-1
        assert_eq!(
            PrivateKey::from_secret_bytes(&[0; 32], true, Network::Mainnet)
                .unwrap_err()
                .code(),
            "key.scalar-out-of-range"
        );
        assert_eq!(
            PrivateKey::from_secret_bytes(&[0xff; 32], true, Network::Mainnet).unwrap_err(),
            KeyError::ScalarOutOfRange
        );
    }
}

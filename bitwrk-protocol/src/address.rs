//! P2PKH addresses and networks (spec section 4.4).

use core::fmt;
use core::str::FromStr;

use crate::encoding::base58::{self, Base58Error};
use crate::error::error_codes;
use crate::hash::Hash160;

/// The Bitcoin network an address or key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Network {
    /// Bitcoin mainnet: address version 0x00, WIF version 0x80.
    Mainnet,
    /// Bitcoin testnet: address version 0x6f, WIF version 0xef.
    Testnet,
}

impl Network {
    /// Every network, in a fixed order.
    pub const ALL: [Network; 2] = [Network::Mainnet, Network::Testnet];

    /// The P2PKH address version byte (BW-ADDR-1).
    pub const fn address_version(self) -> u8 {
        match self {
            Network::Mainnet => 0x00,
            Network::Testnet => 0x6f,
        }
    }

    /// The WIF private-key version byte (BW-KEY-2).
    pub const fn wif_version(self) -> u8 {
        match self {
            Network::Mainnet => 0x80,
            Network::Testnet => 0xef,
        }
    }

    /// The network whose address version byte is `v`.
    pub fn from_address_version(v: u8) -> Option<Network> {
        Network::ALL.into_iter().find(|n| n.address_version() == v)
    }

    /// The network whose WIF version byte is `v`.
    pub fn from_wif_version(v: u8) -> Option<Network> {
        Network::ALL.into_iter().find(|n| n.wif_version() == v)
    }

    /// Lower-case name, as used in vectors (`mainnet`, `testnet`).
    pub const fn name(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
        }
    }
}

/// Why an address was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressError {
    /// Not base58 (a character outside the alphabet), or shorter than a checksum.
    BadEncoding(Base58Error),
    /// The base58check checksum does not match.
    BadChecksum,
    /// The payload is not 21 bytes (version + 20-byte hash).
    BadLength {
        /// Payload length found (without the checksum).
        length: usize,
    },
    /// The version byte is not a P2PKH version this protocol knows.
    UnknownVersion {
        /// The version byte found.
        version: u8,
    },
    /// A known network, but not the one required here.
    WrongNetwork {
        /// The network required.
        expected: Network,
        /// The network of the address.
        found: Network,
    },
}

error_codes!(AddressError {
    AddressError::BadEncoding(e) => "addr.bad-encoding", ("address is not valid base58check: {e}");
    AddressError::BadChecksum => "addr.bad-checksum", ("address checksum mismatch");
    AddressError::BadLength { length } => "addr.bad-length", ("address payload must be 21 bytes (version and 20-byte hash), found {length}");
    AddressError::UnknownVersion { version } => "addr.unknown-version", ("unknown address version byte 0x{version:02x} (expected 0x00 mainnet or 0x6f testnet)");
    AddressError::WrongNetwork { expected, found } => "addr.wrong-network", ("address is for {}, expected {}", found.name(), expected.name());
});

/// A pay-to-public-key-hash address: a network and the HASH160 of a public key.
///
/// Its text form is base58check(version ‖ hash). Parsing accepts exactly the
/// canonical form (BW-ADDR-2); use [`Address::parse_for`] where one network is
/// required (BW-ADDR-3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    network: Network,
    hash: Hash160,
}

impl Address {
    /// The address of `hash` on `network`.
    pub const fn new(network: Network, hash: Hash160) -> Self {
        Address { network, hash }
    }

    /// The network encoded in the version byte.
    pub const fn network(&self) -> Network {
        self.network
    }

    /// The 20-byte public-key hash.
    pub const fn hash(&self) -> &Hash160 {
        &self.hash
    }

    /// Parses an address of any known network.
    pub fn parse(s: &str) -> Result<Address, AddressError> {
        let payload = base58::decode_check(s).map_err(|e| match e {
            Base58Error::BadChecksum => AddressError::BadChecksum,
            other => AddressError::BadEncoding(other),
        })?;
        if payload.len() != 21 {
            return Err(AddressError::BadLength {
                length: payload.len(),
            });
        }
        let network =
            Network::from_address_version(payload[0]).ok_or(AddressError::UnknownVersion {
                version: payload[0],
            })?;
        let mut hash = [0u8; 20];
        hash.copy_from_slice(&payload[1..]);
        Ok(Address {
            network,
            hash: Hash160::from_byte_array(hash),
        })
    }

    /// Parses an address and requires it to be on `expected`.
    pub fn parse_for(s: &str, expected: Network) -> Result<Address, AddressError> {
        let a = Address::parse(s)?;
        if a.network != expected {
            return Err(AddressError::WrongNetwork {
                expected,
                found: a.network,
            });
        }
        Ok(a)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut payload = [0u8; 21];
        payload[0] = self.network.address_version();
        payload[1..].copy_from_slice(self.hash.as_bytes());
        f.write_str(&base58::encode_check(&payload))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, AddressError> {
        Address::parse(s)
    }
}

crate::text_serde::serde_via_text!(Address);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn parse_and_reject() {
        // BW-ADDR-2, BW-ADDR-3
        let a = Address::parse("17mDAmveV5wBwxajBsY7g1trbMW1DVWcgL").unwrap();
        assert_eq!(a.network(), Network::Mainnet);
        assert_eq!(a.to_string(), "17mDAmveV5wBwxajBsY7g1trbMW1DVWcgL");
        // 0.7's decoder treats '0' as digit -1; we reject it.
        assert_eq!(
            Address::parse("17mDAmveV5wBwxajBsY7g1trbMW1DVWcg0")
                .unwrap_err()
                .code(),
            "addr.bad-encoding"
        );
        assert_eq!(
            Address::parse("17mDAmveV5wBwxajBsY7g1trbMW1DVWcgM")
                .unwrap_err()
                .code(),
            "addr.bad-checksum"
        );
        assert_eq!(
            Address::parse_for("17mDAmveV5wBwxajBsY7g1trbMW1DVWcgL", Network::Testnet).unwrap_err(),
            AddressError::WrongNetwork {
                expected: Network::Testnet,
                found: Network::Mainnet
            }
        );
    }
}

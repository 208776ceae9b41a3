//! Bitcoin message signatures (spec section 5).
//!
//! A signature is 65 bytes, `header ‖ r ‖ s`, written as standard base64.
//! The signed digest is
//! `sha256d(0x18 ‖ "Bitcoin Signed Message:\n" ‖ CompactSize(len) ‖ message)`.
//! Verification recovers the public key from the signature (the header's
//! recovery id fixes R) and compares its HASH160 with the claimed address —
//! one recovery, no second ECDSA verify (BW-SIG-9).
//!
//! BitWrk 0.7 signs some lengths under a different, legacy digest; a
//! [`VerifyMode`] says whether a verifier also accepts that one (module
//! [`legacy`], BW-SIG-12 … BW-SIG-14). The functions without a mode
//! argument verify strictly.

use core::fmt;
use core::str::FromStr;

use k256::ecdsa::{RecoveryId, VerifyingKey};

use crate::address::{Address, AddressError};
use crate::encoding::base64;
use crate::error::{ErrorCode, error_codes};
use crate::hash::{Hash256, sha256d};
use crate::key::{PrivateKey, PublicKey};

mod batch;
pub mod legacy;
mod msm;
pub mod verified;
pub mod verifier;

pub use legacy::{VerifyMode, compact_size_07, legacy_07_differs, legacy_07_digest};
pub use verified::{
    SignedDocument, Verified, Witness, verify_document, verify_document_in, verify_documents,
};
pub use verifier::{KeyCache, SignedMessage, Verifier};

/// The fixed prefix of the signed-message digest: the CompactSize length
/// byte 0x18 (24) followed by the 24-byte magic string.
pub const MESSAGE_MAGIC: &[u8; 25] = b"\x18Bitcoin Signed Message:\n";

/// Bitcoin's CompactSize encoding of `n` (BW-SIG-1).
pub fn compact_size(n: u64) -> Vec<u8> {
    match n {
        0..=0xfc => vec![n as u8],
        0xfd..=0xffff => {
            let mut v = vec![0xfd];
            v.extend_from_slice(&(n as u16).to_le_bytes());
            v
        }
        0x1_0000..=0xffff_ffff => {
            let mut v = vec![0xfe];
            v.extend_from_slice(&(n as u32).to_le_bytes());
            v
        }
        _ => {
            let mut v = vec![0xff];
            v.extend_from_slice(&n.to_le_bytes());
            v
        }
    }
}

/// The digest that is signed for `message` (BW-SIG-1): the Bitcoin digest.
pub fn message_digest(message: &[u8]) -> Hash256 {
    prefixed_digest(&compact_size(message.len() as u64), message)
}

/// `sha256d(MESSAGE_MAGIC ‖ len ‖ message)` for an encoded length `len`.
fn prefixed_digest(len: &[u8], message: &[u8]) -> Hash256 {
    let mut buf = Vec::with_capacity(MESSAGE_MAGIC.len() + len.len() + message.len());
    buf.extend_from_slice(MESSAGE_MAGIC);
    buf.extend_from_slice(len);
    buf.extend_from_slice(message);
    sha256d(&buf)
}

/// Why a signature was rejected.
///
/// The variants are listed in the order in which a verifier checks them
/// (BW-SIG-10): an input with several defects reports the first one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not canonical standard base64.
    BadBase64,
    /// The decoded signature is not exactly 65 bytes.
    BadLength {
        /// Decoded length in bytes.
        length: usize,
    },
    /// The header byte is outside 27–34.
    BadHeader {
        /// The header byte found.
        header: u8,
    },
    /// r is 0 or not below the group order n.
    BadR,
    /// s is 0 or not below the group order n.
    BadS,
    /// No public key can be recovered (R is not on the curve, or the
    /// recovered point is the point at infinity).
    Unrecoverable,
    /// A key was recovered, but its address is not the claimed one.
    AddressMismatch {
        /// The address of the recovered key.
        recovered: Address,
    },
}

error_codes!(SignatureError {
    SignatureError::BadBase64 => "sig.bad-base64", ("signature is not canonical standard base64");
    SignatureError::BadLength { length } => "sig.bad-length", ("signature must decode to 65 bytes, found {length}");
    SignatureError::BadHeader { header } => "sig.bad-header", ("signature header byte must be in 27..=34, found {header}");
    SignatureError::BadR => "sig.bad-r", ("signature r must be in [1, n-1]");
    SignatureError::BadS => "sig.bad-s", ("signature s must be in [1, n-1]");
    SignatureError::Unrecoverable => "sig.unrecoverable", ("no public key can be recovered from the signature");
    SignatureError::AddressMismatch { recovered } => "sig.address-mismatch", ("signature was made by {recovered}, not by the claimed address");
});

/// A syntactically valid message signature: 65 bytes with a header in
/// 27–34 and r, s in [1, n−1]. High-S values are accepted (BW-SIG-5).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 65]);

fn scalar_in_range(bytes: &[u8]) -> bool {
    let mut repr = k256::FieldBytes::default();
    repr.copy_from_slice(bytes);
    let scalar: Option<k256::NonZeroScalar> = k256::NonZeroScalar::from_repr(repr).into();
    scalar.is_some()
}

impl Signature {
    /// Lowest accepted header byte (uncompressed, recovery id 0).
    pub const MIN_HEADER: u8 = 27;
    /// Highest accepted header byte (compressed, recovery id 3).
    pub const MAX_HEADER: u8 = 34;

    /// Checks and wraps 65 raw bytes (BW-SIG-3, BW-SIG-4, BW-SIG-6).
    pub fn from_slice(bytes: &[u8]) -> Result<Signature, SignatureError> {
        let bytes: [u8; 65] = bytes.try_into().map_err(|_| SignatureError::BadLength {
            length: bytes.len(),
        })?;
        let header = bytes[0];
        if !(Self::MIN_HEADER..=Self::MAX_HEADER).contains(&header) {
            return Err(SignatureError::BadHeader { header });
        }
        if !scalar_in_range(&bytes[1..33]) {
            return Err(SignatureError::BadR);
        }
        if !scalar_in_range(&bytes[33..65]) {
            return Err(SignatureError::BadS);
        }
        Ok(Signature(bytes))
    }

    /// Parses the base64 wire form (BW-SIG-2 and the checks of [`from_slice`](Self::from_slice)).
    pub fn from_base64(s: &str) -> Result<Signature, SignatureError> {
        let bytes = base64::decode(s).map_err(|_| SignatureError::BadBase64)?;
        Signature::from_slice(&bytes)
    }

    /// The base64 wire form.
    pub fn to_base64(&self) -> String {
        base64::encode(&self.0)
    }

    /// The 65 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 65] {
        &self.0
    }

    /// The header byte, 27–34.
    pub fn header(&self) -> u8 {
        self.0[0]
    }

    /// The recovery id, 0–3: bit 0 is the parity of R's y, bit 1 says R's x is r + n.
    pub fn recovery_id(&self) -> u8 {
        (self.0[0] - Self::MIN_HEADER) & 3
    }

    /// Whether the signer's key is serialised compressed (header 31–34).
    pub fn is_compressed(&self) -> bool {
        self.0[0] >= 31
    }

    /// The 32-byte big-endian r.
    pub fn r(&self) -> &[u8; 32] {
        self.0[1..33].try_into().expect("fixed slice")
    }

    /// The 32-byte big-endian s.
    pub fn s(&self) -> &[u8; 32] {
        self.0[33..65].try_into().expect("fixed slice")
    }

    /// Whether s is above n/2 (legal, but never produced by our signer).
    pub fn is_high_s(&self) -> bool {
        let sig = self.to_k256();
        sig.normalize_s() != sig
    }

    pub(crate) fn to_k256(self) -> k256::ecdsa::Signature {
        k256::ecdsa::Signature::from_slice(&self.0[1..]).expect("r and s checked at construction")
    }

    /// Recovers the signer's public key for a message digest (BW-SIG-7).
    pub fn recover(&self, digest: &Hash256) -> Result<PublicKey, SignatureError> {
        let recid =
            RecoveryId::from_byte(self.recovery_id()).ok_or(SignatureError::Unrecoverable)?;
        let key = VerifyingKey::recover_from_prehash(digest.as_bytes(), &self.to_k256(), recid)
            .map_err(|_| SignatureError::Unrecoverable)?;
        Ok(PublicKey::from_k256(
            k256::PublicKey::from(&key),
            self.is_compressed(),
        ))
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl FromStr for Signature {
    type Err = SignatureError;
    fn from_str(s: &str) -> Result<Self, SignatureError> {
        Signature::from_base64(s)
    }
}

crate::text_serde::serde_via_text!(Signature);

/// Signs `message` with RFC 6979 deterministic nonces and a low-S result
/// (BW-SIG-8), always under the Bitcoin digest (BW-SIG-12). The header
/// records the key's compression flag.
pub fn sign_message(key: &PrivateKey, message: &[u8]) -> Signature {
    sign_digest(key, &message_digest(message))
}

/// Signs a precomputed message digest (see [`message_digest`]).
pub fn sign_digest(key: &PrivateKey, digest: &Hash256) -> Signature {
    let (sig, recid) = key
        .signing_key()
        .sign_prehash_recoverable(digest.as_bytes());
    let mut bytes = [0u8; 65];
    bytes[0] = Signature::MIN_HEADER + recid.to_byte() + if key.is_compressed() { 4 } else { 0 };
    bytes[1..].copy_from_slice(&sig.to_bytes());
    Signature(bytes)
}

/// Verifies that `signature` over `message` was made by `address`:
/// recover the key, then compare HASH160 on the address's network (BW-SIG-9).
pub fn verify_message(
    address: &Address,
    message: &[u8],
    signature: &Signature,
) -> Result<(), SignatureError> {
    verify_digest(address, &message_digest(message), signature)
}

/// [`verify_message`] in `mode`: in [`VerifyMode::Compat07`] a signature
/// that fails under the Bitcoin digest is also tried under the BitWrk 0.7
/// legacy digest, for the lengths where that differs; if both fail, the
/// Bitcoin digest's error is returned (BW-SIG-13, BW-SIG-14).
pub fn verify_message_in(
    mode: VerifyMode,
    address: &Address,
    message: &[u8],
    signature: &Signature,
) -> Result<(), SignatureError> {
    let digest = message_digest(message);
    legacy::check_either(&digest, mode.fallback_digest(message).as_ref(), |d| {
        verify_digest(address, d, signature)
    })
}

/// [`verify_message`] for a precomputed digest. No mode applies: exactly
/// this digest is checked.
pub fn verify_digest(
    address: &Address,
    digest: &Hash256,
    signature: &Signature,
) -> Result<(), SignatureError> {
    verify_digest_key(address, digest, signature).map(|_| ())
}

/// [`verify_digest`] that also hands back the recovered key on success, so
/// that a [`Verifier`](verifier::Verifier) can cache it.
pub(crate) fn verify_digest_key(
    address: &Address,
    digest: &Hash256,
    signature: &Signature,
) -> Result<PublicKey, SignatureError> {
    let key = signature.recover(digest)?;
    let recovered = key.address(address.network());
    if recovered != *address {
        return Err(SignatureError::AddressMismatch { recovered });
    }
    Ok(key)
}

/// Why a textual (address, message, signature) triple was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The claimed address is malformed.
    Address(AddressError),
    /// The signature is malformed or does not match.
    Signature(SignatureError),
}

impl ErrorCode for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            VerifyError::Address(e) => e.code(),
            VerifyError::Signature(e) => e.code(),
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Address(e) => e.fmt(f),
            VerifyError::Signature(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VerifyError::Address(e) => Some(e),
            VerifyError::Signature(e) => Some(e),
        }
    }
}

/// Verifies the wire forms: the address text, the message bytes and the
/// base64 signature, in the order of BW-SIG-10 (address first); strict mode.
pub fn verify_message_text(
    address: &str,
    message: &[u8],
    signature: &str,
) -> Result<Address, VerifyError> {
    verify_message_text_in(VerifyMode::Strict, address, message, signature)
}

/// [`verify_message_text`] in `mode` (BW-SIG-13, BW-SIG-14).
pub fn verify_message_text_in(
    mode: VerifyMode,
    address: &str,
    message: &[u8],
    signature: &str,
) -> Result<Address, VerifyError> {
    let address = Address::parse(address).map_err(VerifyError::Address)?;
    let signature = Signature::from_base64(signature).map_err(VerifyError::Signature)?;
    verify_message_in(mode, &address, message, &signature).map_err(VerifyError::Signature)?;
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitwrk_07_digest() {
        // BW-SIG-1: BitWrk 0.7 bitsign_test.go Test_SignatureDigest.
        let msg = "C'est par mon ordre et pour le bien de l'Etat que le porteur du présent a fait ce qu'il a fait.";
        assert_eq!(
            message_digest(msg.as_bytes()).to_string(),
            "f5500457bb6c21f77e5a5a2818cce63cf9f90af501c73475e7f411e94a0cace4"
        );
    }

    #[test]
    fn compact_size_boundaries() {
        // BW-SIG-1
        assert_eq!(compact_size(0xfc), vec![0xfc]);
        assert_eq!(compact_size(0xfd), vec![0xfd, 0xfd, 0x00]);
        assert_eq!(compact_size(0xffff), vec![0xfd, 0xff, 0xff]);
        assert_eq!(compact_size(0x1_0000), vec![0xfe, 0, 0, 1, 0]);
        assert_eq!(
            compact_size(0x1_0000_0000),
            vec![0xff, 0, 0, 0, 0, 1, 0, 0, 0]
        );
    }

    #[test]
    fn bitwrk_07_verify_and_sign() {
        // BW-SIG-9: BitWrk 0.7 bitsign_test.go Test_VerifySignature (first three cases).
        let addr = "13mgtNQiU7gCWpfmypGfijyX9jzqpPr6co";
        let sig = "IJlJB/iYZ/j/Edh2EBLrHfBD5E1FF10Gf0QuS/jZWsHzHswQSxTRCBNQ7oiB939COu53jfOOuBe+tW8wJ80WXRs=";
        assert!(verify_message_text(addr, b"test", sig).is_ok());
        let err = verify_message_text(addr, b"test2", sig).unwrap_err();
        assert_eq!(err.code(), "sig.address-mismatch");
        // BW-SIG-8: a signature we make verifies, and is low-S.
        let kp = crate::KeyPair::from_wif("L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu")
            .unwrap();
        let s = sign_message(kp.private_key(), b"hello");
        assert!(!s.is_high_s());
        assert!((31..=34).contains(&s.header()));
        assert_eq!(verify_message(kp.address(), b"hello", &s), Ok(()));
    }

    #[test]
    fn header_range() {
        // BW-SIG-3
        let good = "IJlJB/iYZ/j/Edh2EBLrHfBD5E1FF10Gf0QuS/jZWsHzHswQSxTRCBNQ7oiB939COu53jfOOuBe+tW8wJ80WXRs=";
        let mut bytes = base64::decode(good).unwrap();
        for h in 0..=255u8 {
            bytes[0] = h;
            let r = Signature::from_slice(&bytes);
            assert_eq!(r.is_ok(), (27..=34).contains(&h), "header {h}");
        }
    }
}

#[cfg(test)]
mod high_x_tests;

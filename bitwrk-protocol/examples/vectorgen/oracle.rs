//! Independent oracles: hashing, base58check, 256-bit arithmetic, addresses,
//! message digests and libsecp256k1 for keys, signing and recovery, and the
//! reference query escaping of BW-DOC-1.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bitwrk_protocol::ErrorCode;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The secp256k1 group order n (big-endian).
pub(crate) const N: [u8; 32] =
    hex32("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
/// The secp256k1 field prime p (big-endian).
pub(crate) const P: [u8; 32] =
    hex32("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");

pub(crate) const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

pub(crate) const fn nib(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("bad hex"),
    }
}

pub(crate) fn hx(b: &[u8]) -> String {
    hex::encode(b)
}

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex literal")
}

pub(crate) fn sha256(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

pub(crate) fn sha256d(b: &[u8]) -> [u8; 32] {
    sha256(&sha256(b))
}

pub(crate) fn hash160(b: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(b)).into()
}

/// Big-endian 256-bit a − b (mod 2^256).
pub(crate) fn sub256(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

/// Big-endian 256-bit a + b (mod 2^256).
pub(crate) fn add256(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    out
}

pub(crate) fn small256(v: u8) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[31] = v;
    out
}

/// Whether a big-endian scalar is in [1, n−1].
pub(crate) fn in_range(x: &[u8]) -> bool {
    x.iter().any(|&b| b != 0) && x < &N[..]
}

pub(crate) const B58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

pub(crate) fn b58check_encode(payload: &[u8]) -> String {
    let mut data = payload.to_vec();
    data.extend_from_slice(&sha256d(payload)[..4]);
    bs58::encode(data).into_string()
}

/// Base58check decoding by the spec's rules (BW-ENC-3, BW-ENC-4).
pub(crate) fn b58check_decode(s: &str) -> Result<Vec<u8>, &'static str> {
    if !s.chars().all(|c| B58.contains(c)) {
        return Err("b58.bad-char");
    }
    let data = bs58::decode(s).into_vec().map_err(|_| "b58.bad-char")?;
    if data.len() < 5 {
        return Err("b58.too-short");
    }
    let (payload, check) = data.split_at(data.len() - 4);
    if sha256d(payload)[..4] != *check {
        return Err("b58.bad-checksum");
    }
    Ok(payload.to_vec())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Net {
    Main,
    Test,
}

impl Net {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Net::Main => "mainnet",
            Net::Test => "testnet",
        }
    }
    pub(crate) fn addr_version(self) -> u8 {
        match self {
            Net::Main => 0x00,
            Net::Test => 0x6f,
        }
    }
    pub(crate) fn wif_version(self) -> u8 {
        match self {
            Net::Main => 0x80,
            Net::Test => 0xef,
        }
    }
}

pub(crate) fn address_of(net: Net, h160: &[u8; 20]) -> String {
    let mut p = vec![net.addr_version()];
    p.extend_from_slice(h160);
    b58check_encode(&p)
}

/// Address parsing by BW-ADDR-2 (the error codes of the `addr.` family).
pub(crate) fn oracle_address(s: &str) -> Result<(Net, [u8; 20]), &'static str> {
    let payload = b58check_decode(s).map_err(|e| match e {
        "b58.bad-checksum" => "addr.bad-checksum",
        _ => "addr.bad-encoding",
    })?;
    if payload.len() != 21 {
        return Err("addr.bad-length");
    }
    let net = match payload[0] {
        0x00 => Net::Main,
        0x6f => Net::Test,
        _ => return Err("addr.unknown-version"),
    };
    Ok((net, payload[1..].try_into().unwrap()))
}

/// A key as the vectors use it.
#[derive(Clone, Copy)]
pub(crate) struct Key {
    pub(crate) secret: [u8; 32],
    pub(crate) compressed: bool,
    pub(crate) net: Net,
}

impl Key {
    pub(crate) fn new(secret: [u8; 32], compressed: bool, net: Net) -> Key {
        assert!(in_range(&secret));
        Key {
            secret,
            compressed,
            net,
        }
    }
    pub(crate) fn from_wif(wif: &str) -> Key {
        let p = b58check_decode(wif).expect("wif literal");
        let net = match p[0] {
            0x80 => Net::Main,
            0xef => Net::Test,
            v => panic!("version {v}"),
        };
        let compressed = match p.len() {
            33 => false,
            34 => {
                assert_eq!(p[33], 1);
                true
            }
            l => panic!("length {l}"),
        };
        Key::new(p[1..33].try_into().unwrap(), compressed, net)
    }
    /// A deterministic test key derived from a label.
    pub(crate) fn derived(label: &str, compressed: bool, net: Net) -> Key {
        Key::new(
            sha256(format!("bitwrk-vectorgen/key/{label}").as_bytes()),
            compressed,
            net,
        )
    }
    pub(crate) fn wif(&self) -> String {
        let mut p = vec![self.net.wif_version()];
        p.extend_from_slice(&self.secret);
        if self.compressed {
            p.push(1);
        }
        b58check_encode(&p)
    }
    pub(crate) fn sk(&self) -> secp256k1::SecretKey {
        secp256k1::SecretKey::from_secret_bytes(self.secret).unwrap()
    }
    pub(crate) fn pubkey(&self) -> Vec<u8> {
        serialize_pk(&self.sk().public_key(), self.compressed)
    }
    pub(crate) fn h160(&self) -> [u8; 20] {
        hash160(&self.pubkey())
    }
    pub(crate) fn address(&self) -> String {
        address_of(self.net, &self.h160())
    }
    pub(crate) fn address_on(&self, net: Net) -> String {
        address_of(net, &self.h160())
    }
    /// libsecp256k1 RFC 6979 signature with Bitcoin's header byte.
    pub(crate) fn sign(&self, msg: &[u8]) -> [u8; 65] {
        let digest = msg_digest(msg);
        let rs = secp256k1::ecdsa::RecoverableSignature::sign_ecdsa_recoverable(
            secp256k1::Message::from_digest(digest),
            &self.sk(),
        );
        let (recid, compact) = rs.serialize_compact();
        let mut out = [0u8; 65];
        out[0] = 27 + recid.to_u8() + if self.compressed { 4 } else { 0 };
        out[1..].copy_from_slice(&compact);
        out
    }
}

pub(crate) fn serialize_pk(pk: &secp256k1::PublicKey, compressed: bool) -> Vec<u8> {
    if compressed {
        pk.serialize().to_vec()
    } else {
        pk.serialize_uncompressed().to_vec()
    }
}

pub(crate) fn compact_size(n: usize) -> Vec<u8> {
    let n = n as u64;
    if n < 0xfd {
        vec![n as u8]
    } else if n <= 0xffff {
        let mut v = vec![0xfd];
        v.extend_from_slice(&(n as u16).to_le_bytes());
        v
    } else if n <= 0xffff_ffff {
        let mut v = vec![0xfe];
        v.extend_from_slice(&(n as u32).to_le_bytes());
        v
    } else {
        let mut v = vec![0xff];
        v.extend_from_slice(&n.to_le_bytes());
        v
    }
}

pub(crate) fn digest_prefix(len: usize) -> Vec<u8> {
    let mut v = vec![24u8];
    v.extend_from_slice(b"Bitcoin Signed Message:\n");
    v.extend_from_slice(&compact_size(len));
    v
}

pub(crate) fn msg_digest(msg: &[u8]) -> [u8; 32] {
    let mut v = digest_prefix(msg.len());
    v.extend_from_slice(msg);
    let d = sha256d(&v);
    // Cross-check with the crate.
    assert_eq!(
        bitwrk_protocol::signature::message_digest(msg).as_bytes(),
        &d
    );
    d
}

/// libsecp256k1 public-key recovery for a 65-byte signature (recid from the
/// header as BW-SIG-7 defines it). `None` if libsecp cannot recover a key.
pub(crate) fn oracle_recover(digest: &[u8; 32], sig: &[u8; 65]) -> Option<Vec<u8>> {
    let recid = secp256k1::ecdsa::RecoveryId::from_u8_masked(sig[0].wrapping_sub(27) & 3);
    let rs = secp256k1::ecdsa::RecoverableSignature::from_compact(&sig[1..], recid).ok()?;
    let pk = rs
        .recover_ecdsa(secp256k1::Message::from_digest(*digest))
        .ok()?;
    Some(serialize_pk(&pk, sig[0] >= 31))
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    Valid {
        pubkey: Vec<u8>,
    },
    Invalid {
        code: &'static str,
        recovered: Option<String>,
    },
}

/// Verification by this protocol's profile (BW-SIG-2 … BW-SIG-11), written
/// from the spec text, with libsecp256k1 doing the curve arithmetic.
pub(crate) fn oracle_verify(addr: &str, msg: &[u8], sig: &str) -> Verdict {
    let bad = |code| Verdict::Invalid {
        code,
        recovered: None,
    };
    let (net, h) = match oracle_address(addr) {
        Ok(a) => a,
        Err(code) => return bad(code),
    };
    let bytes = match B64.decode(sig) {
        Ok(b) if B64.encode(&b) == sig => b,
        _ => return bad("sig.bad-base64"),
    };
    let Ok(bytes) = <[u8; 65]>::try_from(bytes.as_slice()) else {
        return bad("sig.bad-length");
    };
    if !(27..=34).contains(&bytes[0]) {
        return bad("sig.bad-header");
    }
    if !in_range(&bytes[1..33]) {
        return bad("sig.bad-r");
    }
    if !in_range(&bytes[33..]) {
        return bad("sig.bad-s");
    }
    let Some(pubkey) = oracle_recover(&msg_digest(msg), &bytes) else {
        return bad("sig.unrecoverable");
    };
    let rh = hash160(&pubkey);
    if rh != h {
        return Verdict::Invalid {
            code: "sig.address-mismatch",
            recovered: Some(address_of(net, &rh)),
        };
    }
    Verdict::Valid { pubkey }
}

/// The crate's verdict, in the same shape.
pub(crate) fn crate_verify(addr: &str, msg: &[u8], sig: &str) -> Verdict {
    use bitwrk_protocol::signature::{SignatureError, VerifyError, verify_message_text};
    match verify_message_text(addr, msg, sig) {
        Ok(_) => {
            let s = bitwrk_protocol::Signature::from_base64(sig).unwrap();
            let digest = bitwrk_protocol::signature::message_digest(msg);
            Verdict::Valid {
                pubkey: s.recover(&digest).unwrap().serialize(),
            }
        }
        Err(e) => Verdict::Invalid {
            code: e.code(),
            recovered: match e {
                VerifyError::Signature(SignatureError::AddressMismatch { recovered }) => {
                    Some(recovered.to_string())
                }
                _ => None,
            },
        },
    }
}

pub(crate) fn b64(b: &[u8]) -> String {
    B64.encode(b)
}

pub(crate) fn unb64(s: &str) -> Vec<u8> {
    B64.decode(s).expect("base64 literal")
}

/// BW-DOC-1 written from the spec: unreserved bytes stay, a space becomes
/// `+`, every other byte `%XX` (upper-case hex).
pub(crate) fn ref_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            write!(out, "%{b:02X}").unwrap();
        }
    }
    out
}

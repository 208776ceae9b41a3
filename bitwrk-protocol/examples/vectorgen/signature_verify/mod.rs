//! `signature_verify.json`: message-signature verification.
//!
//! * this module: the case builder [`vcase`] (oracle and crate must agree),
//!   byte-level tweaks of a signature, the signature the constructed cases
//!   start from, and the file;
//! * [`published`]: vectors from BitWrk 0.7, bitcoinjs-message, Electrum
//!   and the G1-G3 vectors;
//! * [`tampering`]: one signature tampered with (scalars, encodings, the
//!   claimed address, check order, networks);
//! * [`constructed`]: the header sweep, recovery edge cases and the bulk of
//!   random keys.

mod constructed;
mod published;
mod tampering;

use crate::{
    Case, Key, N, Net, VFile, Verdict, When, case, crate_verify, group, hx, msg_digest, note,
    oracle_verify, ours, rule, s_hex, s_hex_len, s_pubkey, s_string, sub256,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

#[derive(Clone, Copy)]
enum Expect {
    Valid,
    Code(&'static str),
    /// Whatever the independent oracle says (cross-checked with the crate).
    Oracle,
}

fn vcase(comment: &str, addr: &str, msg: &str, sig: &str, expect: Expect) -> Case {
    let verdict = oracle_verify(addr, msg.as_bytes(), sig);
    assert_eq!(
        verdict,
        crate_verify(addr, msg.as_bytes(), sig),
        "oracle and crate disagree: {comment}"
    );
    match (expect, &verdict) {
        (Expect::Valid, Verdict::Valid { .. }) | (Expect::Oracle, _) => {}
        (Expect::Code(c), Verdict::Invalid { code, .. }) if c == *code => {}
        _ => panic!("{comment}: unexpected verdict {verdict:?}"),
    }
    let mut c = case(comment)
        .f("address", addr)
        .f("message", msg)
        .f("signature", sig)
        .f("digestHex", hx(&msg_digest(msg.as_bytes())));
    if let Ok(bytes) = B64.decode(sig)
        && B64.encode(&bytes) == sig
    {
        c = c.f("signatureHex", hx(&bytes));
    }
    match verdict {
        Verdict::Valid { pubkey } => c
            .f("publicKeyHex", hx(&pubkey))
            .req(&["BW-SIG-1", "BW-SIG-7", "BW-SIG-9", "BW-SIG-11"])
            .valid(),
        Verdict::Invalid { code, recovered } => {
            if let Some(r) = recovered {
                c = c.f("recoveredAddress", r);
            }
            let req: &[&'static str] = match code {
                "sig.bad-base64" => &["BW-SIG-2", "BW-ENC-2"],
                "sig.bad-length" => &["BW-SIG-4"],
                "sig.bad-header" => &["BW-SIG-3"],
                "sig.bad-r" | "sig.bad-s" => &["BW-SIG-6"],
                "sig.unrecoverable" => &["BW-SIG-7"],
                "sig.address-mismatch" => &["BW-SIG-9"],
                _ => &["BW-ADDR-2", "BW-SIG-10"],
            };
            c.req(req).invalid(code)
        }
    }
}

/// Header byte Bitcoin Core would act on: it reduces (h - 27) modulo 8.
fn core_header(h: u8) -> u8 {
    27 + (h.wrapping_sub(27) & 7)
}

fn with_header(sig: &[u8; 65], h: u8) -> [u8; 65] {
    let mut s = *sig;
    s[0] = h;
    s
}

fn with_r(sig: &[u8; 65], r: &[u8; 32]) -> [u8; 65] {
    let mut s = *sig;
    s[1..33].copy_from_slice(r);
    s
}

fn with_s(sig: &[u8; 65], v: &[u8; 32]) -> [u8; 65] {
    let mut s = *sig;
    s[33..].copy_from_slice(v);
    s
}

fn r_of(sig: &[u8; 65]) -> [u8; 32] {
    sig[1..33].try_into().unwrap()
}

fn s_of(sig: &[u8; 65]) -> [u8; 32] {
    sig[33..].try_into().unwrap()
}

/// The high-S twin (r, n − s) with the recovery parity flipped: same key.
fn high_s_twin(sig: &[u8; 65]) -> [u8; 65] {
    let mut t = with_s(sig, &sub256(&N, &s_of(sig)));
    t[0] = 27 + (((sig[0] - 27) & 4) | (((sig[0] - 27) & 3) ^ 1));
    t
}

/// The signature the header sweep and the tampered cases start from.
struct Base {
    key: Key,
    msg: &'static str,
    base: [u8; 65],
    addr: String,
}

fn base() -> Base {
    let key = Key::derived("verify-sweep", true, Net::Main);
    let msg = "header sweep: article=net.bitwrk%2Ftest&price=mBTC1";
    let base = key.sign(msg.as_bytes());
    let addr = key.address();
    Base {
        key,
        msg,
        base,
        addr,
    }
}

pub(crate) fn verify_file() -> VFile {
    let (go, bjs, el, g) = published::cases();
    let sweep = constructed::header_sweep();
    let t = tampering::cases();
    let rec = constructed::recovery();
    let bulk = constructed::bulk();
    VFile {
        stem: "signature_verify",
        ty: "MessageSignatureVerify",
        title: "Bitcoin message signature verification",
        header: vec![
            "Verify that `signature` (base64, exactly as on the wire) over the UTF-8 bytes of `message` was made by the key behind `address`.".into(),
            "Profile: canonical padded standard base64; exactly 65 bytes; header 27-34 only; r and s in [1, n-1]; high-S accepted; one public-key recovery, then HASH160 comparison on the claimed address's network. The first failing check is reported (address, base64, length, header, r, s, recovery, comparison).".into(),
            "Intermediate values: `digestHex` (always), `signatureHex` (when the base64 is canonical), `publicKeyHex` (the recovered key, valid cases), `recoveredAddress` (address of the recovered key on the claimed address's network, for sig.address-mismatch).".into(),
            "Expected verdicts come from an independent verifier built on libsecp256k1 (and, for cited vectors, from their sources); the generator checks that bitwrk-protocol agrees on every case.".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A vector from BitWrk 0.7's own tests.", "Signatures BitWrk 0.7 accepted would be rejected."),
            note("LegacyDocument", "LEGACY_COMPAT", "An old-style bid document (lower-case type=buy) signed for BitWrk 0.7.", "Historic signed documents would no longer verify; verification never normalises the text."),
            note("HighS", "SIGNATURE_MALLEABILITY", "s > n/2. Accepted by this profile, as by Bitcoin Core's verifymessage; signers never produce it.", "Rejecting breaks interoperability with non-normalising signers; accepting means (r, s) and (r, n-s) both verify, so signature bytes must never be used as identifiers."),
            note("HeaderOutOfRange", "LEGACY_COMPAT", "A header byte outside 27-34.", "Accepting it (for example by reducing modulo 8, as Bitcoin Core does) gives one signature several spellings."),
            note("Bip137Header", "LEGACY_COMPAT", "A BIP-137 segwit header (35-42). Only P2PKH is supported, so these are rejected.", "Accepting them with P2PKH addresses makes signatures malleable in the header."),
            note("CoreHeaderAlias", "LEGACY_COMPAT", "Bitcoin Core would accept this header, because it only looks at (header - 27) mod 8; this profile rejects it.", "An implementation that masks the header accepts this case and is not conformant."),
            note("HeaderSweep", "EDGE_CASE", "Every header byte 0-255 on one signature.", "Shows exactly which header values an implementation accepts."),
            note("RecoveryIdHighX", "EDGE_CASE", "Recovery id 2 or 3: R.x = r + n, which exists only if r + n < p.", "Implementations that ignore bit 1 of the recovery id, or never check r + n < p, recover the wrong key or panic."),
            note("Unrecoverable", "EDGE_CASE", "No public key can be recovered (no curve point with x = r, or the result is the point at infinity).", "Implementations may panic or return the point at infinity as a key."),
            note("CompressionMismatch", "WRONG_KEY_FORM", "The header's compression flag differs from the key form behind the address.", "The compressed and uncompressed forms of one key have different addresses; mixing them up accepts or rejects the wrong signatures."),
            note("WrongAddress", "WRONG_SIGNER", "The signature is valid for another address.", "Accepting it lets anyone sign for anyone."),
            note("TamperedMessage", "WRONG_MESSAGE", "The message differs from the one signed (possibly only in encoding or escaping).", "Accepting it lets signed documents be altered."),
            note("TamperedR", "WRONG_SIGNATURE", "r was changed.", "Recovery yields another key, or none."),
            note("TamperedS", "WRONG_SIGNATURE", "s was changed.", "Recovery yields another key."),
            note("ScalarZero", "INVALID_SIGNATURE", "r or s is zero.", "Zero has no inverse; recovery code may divide by zero."),
            note("ScalarOutOfRange", "INVALID_SIGNATURE", "r or s is at least n.", "Reducing modulo n accepts several spellings of one signature."),
            note("EdgeScalar", "EDGE_CASE", "r or s at the edge of [1, n-1].", "Off-by-one range checks."),
            note("NonCanonicalBase64", "ENCODING", "Base64 that is not the canonical padded form (missing or extra padding, non-zero padding bits, wrong length).", "Lenient decoders give one signature several spellings."),
            note("Base64Whitespace", "ENCODING", "Whitespace in the base64 text.", "Lenient decoders that skip whitespace accept altered wire forms."),
            note("Base64UrlSafe", "ENCODING", "The URL-safe alphabet ('-', '_') instead of the standard one.", "Accepting both alphabets gives signatures two spellings."),
            note("BadLength", "ENCODING", "The decoded signature is not 65 bytes.", "Slicing header, r and s from a short buffer can panic; extra bytes would be ignored."),
            note("MalformedAddress", "MALFORMED_INPUT", "The claimed address does not parse.", "The address is checked first; its error is reported even if the signature is also bad."),
            note("CheckOrder", "ERROR_REPORTING", "Several defects at once; the first in the normative order is reported.", "Different error codes for the same input across implementations."),
            note("Testnet", "NETWORK", "A testnet address or key.", "Networks get mixed up."),
            note("CrossNetwork", "NETWORK", "The claimed address is on another network than the signing key's WIF; only the HASH160 is compared.", "The signature covers a key, not a network; an implementation comparing address strings of the signer's own network rejects this."),
        ],
        groups: vec![
            group("bitwrk-0.7 common/bitcoin/bitsign_test.go", "0.7.0", go),
            group("bitcoinjs-message test/fixtures.json", "32ba4960", bjs),
            group("electrum tests/test_bitcoin.py (test_signmessage_low_s and neighbours)", "spesmilo/electrum master", el),
            group("peers-signatures-performance.md G1-G3 (RFC 6979 via k256 and libsecp256k1)", "2026", g),
            ours(sweep),
            ours(t),
            ours(rec),
            ours(bulk),
        ],
        fields: vec![
            ("address", s_string()),
            ("message", s_string()),
            ("signature", s_string()),
            ("digestHex", s_hex_len(32)),
            ("signatureHex", s_hex()),
            ("publicKeyHex", s_pubkey()),
            ("recoveredAddress", s_string()),
        ],
        rules: vec![
            rule(None, When::Always, &["address", "message", "signature", "digestHex"]),
            rule(None, When::Valid, &["signatureHex", "publicKeyHex"]),
        ],
    }
}

//! `signature_legacy.json`: BitWrk 0.7's legacy message digest and the two
//! verification modes (spec section 5.11, BW-SIG-12 … BW-SIG-15).
//!
//! The independent oracle here writes BitWrk 0.7's length encoding from the
//! spec text (`fd`, `L mod 256`, `⌊L / 2⌋ mod 256` for the 3-byte form),
//! hashes with the generator's own SHA-256, signs with libsecp256k1 and
//! recovers keys with libsecp256k1. Every case is cross-checked against the
//! crate (`legacy_07_digest`, `verify_message_text_in`) before it is
//! written.

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::signature::{
    SignatureError, VerifyError, VerifyMode, legacy_07_digest, verify_message_text_in,
};

use crate::market::{KEY_RULE, participant};
use crate::{
    B64, Case, GO_WIF_COMPRESSED, GO_WIF_UNCOMPRESSED, Key, VFile, Verdict, When, b64, case,
    compact_size, hash160, hx, msg_digest, note, oracle_recover, oracle_verify, ours, ref_escape,
    rule, s_bool, s_enum, s_hex, s_hex_len, s_int, s_pubkey, s_string, sha256, sha256d,
};
use base64::Engine as _;

/// BitWrk 0.7's length prefix (BW-SIG-13), written from the spec text.
fn oracle_len_07(len: usize) -> Vec<u8> {
    if (253..=65_535).contains(&len) {
        vec![0xfd, (len % 256) as u8, ((len / 2) % 256) as u8]
    } else {
        compact_size(len)
    }
}

/// The 0.7 legacy digest by the oracle; cross-checked with the crate.
fn oracle_digest_07(msg: &[u8]) -> [u8; 32] {
    let mut pre = vec![24u8];
    pre.extend_from_slice(b"Bitcoin Signed Message:\n");
    pre.extend_from_slice(&oracle_len_07(msg.len()));
    pre.extend_from_slice(msg);
    let d = sha256d(&pre);
    assert_eq!(
        legacy_07_digest(msg).as_bytes(),
        &d,
        "crate's legacy digest"
    );
    d
}

/// A 0.7 client's signature: libsecp256k1 over the legacy digest, with the
/// Bitcoin header byte. Cross-checked: libsecp256k1 recovers the signer's
/// key from it under the legacy digest.
fn sign_07(key: &Key, msg: &[u8]) -> [u8; 65] {
    let digest = oracle_digest_07(msg);
    let rs = secp256k1::ecdsa::RecoverableSignature::sign_ecdsa_recoverable(
        secp256k1::Message::from_digest(digest),
        &key.sk(),
    );
    let (recid, compact) = rs.serialize_compact();
    let mut out = [0u8; 65];
    out[0] = 27 + recid.to_u8() + if key.compressed { 4 } else { 0 };
    out[1..].copy_from_slice(&compact);
    assert_eq!(oracle_recover(&digest, &out), Some(key.pubkey()));
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Strict,
    Compat,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Strict => "strict",
            Mode::Compat => "compat-07",
        }
    }
    fn flag(self) -> &'static str {
        match self {
            Mode::Strict => "StrictMode",
            Mode::Compat => "Compat07Mode",
        }
    }
    fn crate_mode(self) -> VerifyMode {
        match self {
            Mode::Strict => VerifyMode::Strict,
            Mode::Compat => VerifyMode::Compat07,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Under {
    Bitcoin,
    Legacy,
}

impl Under {
    fn name(self) -> &'static str {
        match self {
            Under::Bitcoin => "bitcoin",
            Under::Legacy => "legacy-07",
        }
    }
}

/// The oracle's verdict in `mode` and the digest that made it valid.
fn oracle_verify_in(mode: Mode, addr: &str, msg: &[u8], sig: &str) -> (Verdict, Option<Under>) {
    let bitcoin = oracle_verify(addr, msg, sig);
    if let Verdict::Valid { .. } = bitcoin {
        return (bitcoin, Some(Under::Bitcoin));
    }
    let differs = oracle_len_07(msg.len()) != compact_size(msg.len());
    let late_failure = matches!(
        bitcoin,
        Verdict::Invalid {
            code: "sig.address-mismatch" | "sig.unrecoverable",
            ..
        }
    );
    if mode == Mode::Compat && differs && late_failure {
        let bytes: [u8; 65] = B64.decode(sig).unwrap().try_into().unwrap();
        let (_, h) = crate::oracle_address(addr).unwrap();
        if let Some(pubkey) = oracle_recover(&oracle_digest_07(msg), &bytes)
            && hash160(&pubkey) == h
        {
            return (Verdict::Valid { pubkey }, Some(Under::Legacy));
        }
    }
    (bitcoin, None)
}

/// The crate's verdict in the same shape.
fn crate_verify_in(mode: Mode, addr: &str, msg: &[u8], sig: &str) -> Verdict {
    match verify_message_text_in(mode.crate_mode(), addr, msg, sig) {
        Ok(_) => Verdict::Valid { pubkey: Vec::new() },
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

fn digest_case(comment: &str, msg: &str) -> Case {
    let b = msg.as_bytes();
    let legacy = oracle_digest_07(b);
    let bitcoin = msg_digest(b);
    let differs = oracle_len_07(b.len()) != compact_size(b.len());
    assert_eq!(differs, legacy != bitcoin);
    assert_eq!(
        differs,
        bitwrk_protocol::signature::legacy_07_differs(b.len() as u64)
    );
    case(comment)
        .req(&["BW-SIG-1", "BW-SIG-13"])
        .f("kind", "digest")
        .f("message", msg)
        .f("messageLength", b.len() as i64)
        .f("compactSizeHex", hx(&compact_size(b.len())))
        .f("legacyCompactSizeHex", hx(&oracle_len_07(b.len())))
        .f("digestHex", hx(&bitcoin))
        .f("legacyDigestHex", hx(&legacy))
        .f("digestsDiffer", differs)
        .flag(if differs {
            "DigestsDiffer"
        } else {
            "DigestsCoincide"
        })
        .valid()
}

/// A verification case in `mode`; the expected verdict is the oracle's,
/// which must agree with the crate's (including the recovered address of a
/// mismatch).
fn verify_case(
    comment: &str,
    mode: Mode,
    addr: &str,
    msg: &str,
    sig: &[u8; 65],
    under: Under,
) -> Case {
    let b = msg.as_bytes();
    let text = b64(sig);
    let (verdict, valid_under) = oracle_verify_in(mode, addr, b, &text);
    let ours = crate_verify_in(mode, addr, b, &text);
    match (&verdict, &ours) {
        (Verdict::Valid { .. }, Verdict::Valid { .. }) => {}
        (a, b) => assert_eq!(a, b, "oracle and crate disagree: {comment} ({mode:?})"),
    }
    let mut c = case(format!("{comment} ({})", mode.name()))
        .f("kind", "verify")
        .f("mode", mode.name())
        .f("address", addr)
        .f("message", msg)
        .f("signature", text.as_str())
        .f("signatureHex", hx(sig))
        .f("signedUnder", under.name())
        .f("digestHex", hx(&msg_digest(b)))
        .f("legacyDigestHex", hx(&oracle_digest_07(b)))
        .flag(mode.flag())
        .flag(match under {
            Under::Bitcoin => "BitcoinSigned",
            Under::Legacy => "Legacy07Signed",
        });
    c = match mode {
        Mode::Strict => c.req(&["BW-SIG-14"]),
        Mode::Compat => c.req(&["BW-SIG-13"]),
    }
    .req(&["BW-SIG-15"]);
    match verdict {
        Verdict::Valid { pubkey } => c
            .f("publicKeyHex", hx(&pubkey))
            .f("verifiedUnder", valid_under.expect("valid").name())
            .req(&["BW-SIG-9"])
            .valid(),
        Verdict::Invalid { code, recovered } => {
            if let Some(r) = recovered {
                c = c.f("recoveredAddress", r);
            }
            c.req(&["BW-SIG-9"]).invalid(code)
        }
    }
}

/// Both modes for one signed message.
fn both_modes(comment: &str, addr: &str, msg: &str, sig: &[u8; 65], under: Under) -> Vec<Case> {
    [Mode::Strict, Mode::Compat]
        .into_iter()
        .map(|m| verify_case(comment, m, addr, msg, sig, under))
        .collect()
}

/// A §12 result message as a 0.7 seller sends it: `encresulthash`,
/// `encresulthashsig` (the buyer's receipt signature over the hash),
/// `encresultkey` and `txid`, escaped, sorted and joined (BW-TXDOC-3).
fn result_document(buyer: &Key, txid: &str, label: &str) -> String {
    let enc = hx(&sha256(format!("encrypted result {label}").as_bytes()));
    let receipt = b64(&buyer.sign(enc.as_bytes()));
    let key = hx(&sha256(format!("result key {label}").as_bytes()));
    let mut pairs = [
        format!("encresulthash={}", ref_escape(&enc)),
        format!("encresulthashsig={}", ref_escape(&receipt)),
        format!("encresultkey={}", ref_escape(&key)),
        format!("txid={}", ref_escape(txid)),
    ];
    pairs.sort();
    pairs.join("&")
}

pub(crate) fn signature_legacy_file() -> VFile {
    let mut digests = Vec::new();
    for (len, what) in [
        (0usize, "empty message: one-byte length, no difference"),
        (252, "252 bytes: largest one-byte length, no difference"),
        (253, "253 bytes: 0.7 writes fd fd 7e, Bitcoin fd fd 00"),
        (254, "254 bytes: fd fe 7f vs fd fe 00"),
        (255, "255 bytes: fd ff 7f vs fd ff 00"),
        (256, "256 bytes: fd 00 80 vs fd 00 01"),
        (300, "300 bytes: fd 2c 96 vs fd 2c 01"),
        (511, "511 bytes: fd ff ff vs fd ff 01"),
        (512, "512 bytes: fd 00 00 vs fd 00 02"),
        (516, "516 bytes: both fd 04 02 (the encodings coincide)"),
        (
            65_534,
            "65534 bytes: both fd fe ff (the encodings coincide)",
        ),
        (65_535, "65535 bytes: both fd ff ff"),
        (65_536, "65536 bytes: five-byte length, no difference"),
    ] {
        digests.push(digest_case(what, &"a".repeat(len)).flag("LengthBoundary"));
    }
    let seller = participant("seller");
    let buyer = participant("buyer");
    let go = Key::from_wif(GO_WIF_COMPRESSED);
    let go_u = Key::from_wif(GO_WIF_UNCOMPRESSED);
    for (i, txid) in ["7", "18446744073709551615"].into_iter().enumerate() {
        let doc = result_document(&buyer, txid, &i.to_string());
        digests.push(
            digest_case(&format!("result message of transaction {txid}"), &doc)
                .flag("ResultMessage")
                .req(&["BW-TXDOC-3"]),
        );
    }

    let mut verify = Vec::new();
    for (len, key, who) in [
        (253usize, &seller, "seller (compressed)"),
        (254, &go, "BitWrk 0.7 test key (compressed)"),
        (255, &go_u, "BitWrk 0.7 test key (uncompressed)"),
        (256, &seller, "seller (compressed)"),
        (300, &go_u, "BitWrk 0.7 test key (uncompressed)"),
        (511, &seller, "seller (compressed)"),
        (512, &go, "BitWrk 0.7 test key (compressed)"),
    ] {
        let msg: String = format!("{len}-byte message signed by a BitWrk 0.7 client: ")
            .chars()
            .chain(std::iter::repeat('x'))
            .take(len)
            .collect();
        let sig = sign_07(key, msg.as_bytes());
        verify.extend(
            both_modes(
                &format!("{len} bytes, {who}, 0.7 signature"),
                &key.address(),
                &msg,
                &sig,
                Under::Legacy,
            )
            .into_iter()
            .map(|c| c.flag("LengthBoundary")),
        );
    }
    // Where the encodings coincide a 0.7 signature is a Bitcoin signature.
    for len in [252usize, 516, 65_535] {
        let msg = "c".repeat(len);
        let sig = sign_07(&seller, msg.as_bytes());
        assert_eq!(sig, seller.sign(msg.as_bytes()));
        verify.extend(
            both_modes(
                &format!("{len} bytes, encodings coincide, 0.7 signature"),
                &seller.address(),
                &msg,
                &sig,
                Under::Legacy,
            )
            .into_iter()
            .map(|c| c.flags(&["LengthBoundary", "DigestsCoincide"])),
        );
    }
    // Bitcoin-digest signatures over affected lengths: valid in both modes.
    for len in [253usize, 300, 512] {
        let msg = "b".repeat(len);
        let sig = seller.sign(msg.as_bytes());
        verify.extend(both_modes(
            &format!("{len} bytes, Bitcoin-digest signature"),
            &seller.address(),
            &msg,
            &sig,
            Under::Bitcoin,
        ));
    }
    // Invalid under both digests: the Bitcoin digest's error is reported.
    let msg = "d".repeat(300);
    let sig = sign_07(&seller, msg.as_bytes());
    verify.extend(
        both_modes(
            "300 bytes, 0.7 signature by the seller claimed by the buyer",
            &buyer.address(),
            &msg,
            &sig,
            Under::Legacy,
        )
        .into_iter()
        .map(|c| c.flag("WrongAddress")),
    );
    let sig = seller.sign(msg.as_bytes());
    verify.extend(
        both_modes(
            "300 bytes, Bitcoin-digest signature by the seller claimed by the buyer",
            &buyer.address(),
            &msg,
            &sig,
            Under::Bitcoin,
        )
        .into_iter()
        .map(|c| c.flag("WrongAddress")),
    );
    let mut tampered = msg.clone();
    tampered.replace_range(0..1, "e");
    let sig = sign_07(&seller, msg.as_bytes());
    verify.extend(
        both_modes(
            "300 bytes, 0.7 signature over another message",
            &seller.address(),
            &tampered,
            &sig,
            Under::Legacy,
        )
        .into_iter()
        .map(|c| c.flag("TamperedMessage")),
    );

    // Realistic result messages, signed both ways.
    for (i, txid) in ["7", "42", "123456789", "18446744073709551615"]
        .into_iter()
        .enumerate()
    {
        let doc = result_document(&buyer, txid, &i.to_string());
        assert!((253..=400).contains(&doc.len()));
        for (under, sig) in [
            (Under::Legacy, sign_07(&seller, doc.as_bytes())),
            (Under::Bitcoin, seller.sign(doc.as_bytes())),
        ] {
            verify.extend(
                both_modes(
                    &format!(
                        "result message of transaction {txid} ({} bytes) by the seller, {} signature",
                        doc.len(),
                        match under {
                            Under::Legacy => "0.7",
                            Under::Bitcoin => "Bitcoin-digest",
                        }
                    ),
                    &seller.address(),
                    &doc,
                    &sig,
                    under,
                )
                .into_iter()
                .map(|c| c.flag("ResultMessage").req(&["BW-TXDOC-3"])),
            );
        }
    }

    // Signers never produce the legacy digest: our own signature over a
    // result message is the Bitcoin one (BW-SIG-12).
    for c in verify
        .iter_mut()
        .filter(|c| c.flags.contains(&"BitcoinSigned") && c.flags.contains(&"ResultMessage"))
    {
        *c = c.clone().req(&["BW-SIG-12"]);
    }
    let doc = result_document(&buyer, "42", "1");
    let own = bitwrk_protocol::signature::sign_message(
        &crate::market::crate_key(&seller),
        doc.as_bytes(),
    );
    assert_eq!(own.as_bytes(), &seller.sign(doc.as_bytes()));

    VFile {
        stem: "signature_legacy",
        ty: "MessageSignatureLegacy07",
        title: "BitWrk 0.7's legacy message digest and the verification modes",
        header: vec![
            "BitWrk 0.7 writes the 3-byte CompactSize of a message length L (253 ≤ L ≤ 65535) as fd ‖ L mod 256 ‖ ⌊L/2⌋ mod 256 instead of fd ‖ L as 2 bytes little-endian; the legacy digest is sha256d(0x18 ‖ \"Bitcoin Signed Message:\\n\" ‖ that length ‖ message). For all other lengths, and where the two encodings coincide (e.g. 516, 65534, 65535), it equals the Bitcoin digest (BW-SIG-1).".into(),
            "kind=digest: for the UTF-8 bytes of `message`, `compactSizeHex`/`digestHex` are the Bitcoin length prefix and digest, `legacyCompactSizeHex`/`legacyDigestHex` the 0.7 ones, and `digestsDiffer` whether they differ.".into(),
            "kind=verify: verify `signature` over the UTF-8 bytes of `message` for `address` in the verification mode `mode` (flags StrictMode / Compat07Mode): strict accepts only the Bitcoin digest; compat-07 also the legacy digest where it differs. `signedUnder` says which digest the signer used (informative); `verifiedUnder` which one made a valid case valid. An invalid case reports the error of the Bitcoin digest (for sig.address-mismatch, `recoveredAddress` is the address recovered under the Bitcoin digest). The other checks (BW-SIG-2 … BW-SIG-11) are those of signature_verify.json.".into(),
            "A runner should give every kind=verify case the same verdict in single verification and in batch verification, with the signer's key cached or not.".into(),
            "0.7 signatures are made by libsecp256k1 (RFC 6979) over the legacy digest computed by the generator's own oracle; libsecp256k1 recovers the signer's key from each of them under that digest. Result messages are the §12 form (encresulthash, encresulthashsig = the buyer's receipt signature, encresultkey, txid), canonical as in BW-TXDOC-3.".into(),
            KEY_RULE.into(),
        ],
        notes: vec![
            note("StrictMode", "CONFIGURATION", "The case is verified in strict mode: only the Bitcoin digest counts.", "A strict verifier that falls back to the legacy digest accepts signatures it must reject."),
            note("Compat07Mode", "LEGACY_COMPAT", "The case is verified in BitWrk 0.7-compatible mode: the legacy digest is tried where it differs.", "A compatible verifier without the fallback rejects every long message a 0.7 client signs, e.g. every seller's result message."),
            note("Legacy07Signed", "LEGACY_COMPAT", "The signature was made over the 0.7 legacy digest, as BitWrk 0.7 clients sign.", "Shows which verdict depends on the mode."),
            note("BitcoinSigned", "EDGE_CASE", "The signature was made over the Bitcoin digest, as this specification's signers sign.", "A verifier that tries only the legacy digest for these lengths rejects standard signatures."),
            note("DigestsDiffer", "LEGACY_COMPAT", "The two length encodings, and so the digests, differ.", "A wrong legacy encoding gives a wrong candidate digest."),
            note("DigestsCoincide", "EDGE_CASE", "The two length encodings are equal, so the digests are equal.", "A verifier need not (and the vectors do not) distinguish the digests here."),
            note("LengthBoundary", "EDGE_CASE", "A message length at or near a boundary of the 3-byte encoding.", "An off-by-one range check applies the legacy digest to the wrong lengths."),
            note("ResultMessage", "LEGACY_COMPAT", "A realistic §12 result message (about 280 bytes) as a seller sends it.", "No BitWrk 0.7 seller could ever complete a transaction."),
            note("WrongAddress", "SIGNATURE_FORGERY", "The signature is valid for another key under either digest.", "Accepting it lets anyone sign for anyone."),
            note("TamperedMessage", "SIGNATURE_FORGERY", "The message differs from the one signed.", "Accepting it lets a message be altered after signing."),
        ],
        groups: vec![ours(digests), ours(verify)],
        fields: vec![
            ("kind", s_enum(&["digest", "verify"])),
            ("mode", s_enum(&["strict", "compat-07"])),
            ("address", s_string()),
            ("message", s_string()),
            ("messageLength", s_int(0)),
            ("compactSizeHex", s_hex()),
            ("legacyCompactSizeHex", s_hex()),
            ("signature", s_string()),
            ("signatureHex", s_hex()),
            ("signedUnder", s_enum(&["bitcoin", "legacy-07"])),
            ("digestHex", s_hex_len(32)),
            ("legacyDigestHex", s_hex_len(32)),
            ("digestsDiffer", s_bool()),
            ("publicKeyHex", s_pubkey()),
            ("verifiedUnder", s_enum(&["bitcoin", "legacy-07"])),
            ("recoveredAddress", s_string()),
        ],
        rules: vec![
            rule(Some("digest"), When::Always, &["message", "messageLength", "compactSizeHex", "legacyCompactSizeHex", "digestHex", "legacyDigestHex", "digestsDiffer"]),
            rule(Some("verify"), When::Always, &["mode", "address", "message", "signature", "signatureHex", "signedUnder", "digestHex", "legacyDigestHex"]),
            rule(Some("verify"), When::Valid, &["publicKeyHex", "verifiedUnder"]),
        ],
    }
}

//! `signature_verify.json`: message-signature verification.

use crate::{
    Case, GO_ADDR_COMPRESSED, GO_ADDR_DIGEST_KEY, GO_ADDR_TEST, GO_ADDR_UNCOMPRESSED, GO_PLAINTEXT,
    GO_SIGNATURE, GO_WIF_COMPRESSED, GO_WIF_UNCOMPRESSED, Key, N, Net, Outcome, P, VFile, Verdict,
    When, add256, address_of, b58check_encode, b64, case, crate_verify, group, hash160, hex32, hx,
    msg_digest, n_minus, note, oracle_recover, oracle_verify, other_b58, ours, replace_char, rule,
    s_hex, s_hex_len, s_pubkey, s_string, sha256, small256, sub256, unb64, unhex,
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

pub(crate) fn verify_file() -> VFile {
    // --- BitWrk 0.7 -------------------------------------------------------
    let mut go = vec![
        vcase("BitWrk 0.7 Test_VerifySignature #0 (digest-test key, uncompressed)", GO_ADDR_DIGEST_KEY, GO_PLAINTEXT, GO_SIGNATURE, Expect::Valid).flag("BitWrk07"),
        vcase("BitWrk 0.7 Test_VerifySignature #1", GO_ADDR_TEST, "test", "IJlJB/iYZ/j/Edh2EBLrHfBD5E1FF10Gf0QuS/jZWsHzHswQSxTRCBNQ7oiB939COu53jfOOuBe+tW8wJ80WXRs=", Expect::Valid).flag("BitWrk07"),
        vcase("BitWrk 0.7 Test_VerifySignature #2", GO_ADDR_TEST, "test2", "H9i6klOr/QYanX+0KGFBImAJ/g4JMqqjFvA+4+/QnCk0WorcBvgll378N3cmwKNAfSpEIDjT5/xf4bSt/tnNn9A=", Expect::Valid).flag("BitWrk07"),
        vcase("BitWrk 0.7 Test_VerifySignature #3: old-style bid document with lower-case type=buy", GO_ADDR_TEST, "article=fnord&type=buy&price=mBTC1.00&address=13mgtNQiU7gCWpfmypGfijyX9jzqpPr6co&nonce=b58d10ad7eaf93e4246c069830e6e27f", "IM60m+j5YvuKNUAu23Si9FQeMdwtzuajh2wCGGQ3U3kULM3dsya9hyJfJnzGpAXy9kKlC/STnhrcVuBy4WSuVLM=", Expect::Valid).flags(&["BitWrk07", "LegacyDocument"]).req(&["BW-DOC-3"]),
        vcase("BitWrk 0.7 Test_VerifySignature #4: old-style bid document with lower-case type=buy", GO_ADDR_TEST, "article=fnord&type=buy&price=mBTC1.00&address=13mgtNQiU7gCWpfmypGfijyX9jzqpPr6co&nonce=ab934e9f221e5b64595a24e3343600f1", "IJcnLRN4oz9dAL0FSjEUSDU3uYml22+7GomNfXaj3cydiAuqn4JvKak3lvNw8C7TkvKMW2oqwPj85VeHYjwYiNw=", Expect::Valid).flags(&["BitWrk07", "LegacyDocument"]).req(&["BW-DOC-3"]),
        vcase("BitWrk 0.7 #1 signature over \"test2\" (the #2 message)", GO_ADDR_TEST, "test2", "IJlJB/iYZ/j/Edh2EBLrHfBD5E1FF10Gf0QuS/jZWsHzHswQSxTRCBNQ7oiB939COu53jfOOuBe+tW8wJ80WXRs=", Expect::Code("sig.address-mismatch")).flags(&["BitWrk07", "TamperedMessage"]),
        vcase("BitWrk 0.7 #3 bid document with type=BUY (upper case) instead of buy", GO_ADDR_TEST, "article=fnord&type=BUY&price=mBTC1.00&address=13mgtNQiU7gCWpfmypGfijyX9jzqpPr6co&nonce=b58d10ad7eaf93e4246c069830e6e27f", "IM60m+j5YvuKNUAu23Si9FQeMdwtzuajh2wCGGQ3U3kULM3dsya9hyJfJnzGpAXy9kKlC/STnhrcVuBy4WSuVLM=", Expect::Code("sig.address-mismatch")).flags(&["BitWrk07", "TamperedMessage"]).req(&["BW-DOC-3"]),
    ];
    for (wif, addr) in [
        (GO_WIF_UNCOMPRESSED, GO_ADDR_UNCOMPRESSED),
        (GO_WIF_COMPRESSED, GO_ADDR_COMPRESSED),
    ] {
        let sig = b64(&Key::from_wif(wif).sign(GO_PLAINTEXT.as_bytes()));
        go.push(
            vcase(
                "BitWrk 0.7 Test_SignMessage: sign then verify (RFC 6979 signature)",
                addr,
                GO_PLAINTEXT,
                &sig,
                Expect::Valid,
            )
            .flag("BitWrk07"),
        );
        go.push(
            vcase(
                "BitWrk 0.7 Test_SignMessage: plaintext + \"-\" must not verify",
                addr,
                &format!("{GO_PLAINTEXT}-"),
                &sig,
                Expect::Code("sig.address-mismatch"),
            )
            .flags(&["BitWrk07", "TamperedMessage"]),
        );
    }

    // --- public Bitcoin vectors --------------------------------------------
    let v1 =
        "G8JawPtQOrybrSP1WHQnQPr67B9S3qrxBrl1mlzoTJOSHEpmnF7D3+t+LX0Xei9J20B5AIdPbeL3AaTBZ4N3bY0=";
    let v2 =
        "H8JawPtQOrybrSP1WHQnQPr67B9S3qrxBrl1mlzoTJOSHEpmnF7D3+t+LX0Xei9J20B5AIdPbeL3AaTBZ4N3bY0=";
    let v1a = "16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM";
    let v2a = "1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs";
    let vir = "vires is numeris";
    let mut bjs = vec![
        vcase("V1: uncompressed, header 27", v1a, vir, v1, Expect::Valid),
        vcase("V2: compressed, header 31", v2a, vir, v2, Expect::Valid),
        vcase(
            "V3: scalar 1, uncompressed",
            "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm",
            vir,
            "HF8nHqFr3K2UKYahhX3soVeoW8W1ECNbr0wfck7lzyXjCS5Q16Ek45zyBuy1Fiy9sTPKVgsqqOuPvbycuVSSVl8=",
            Expect::Valid,
        ),
        vcase(
            "V4: scalar 1, compressed",
            "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH",
            vir,
            "IF8nHqFr3K2UKYahhX3soVeoW8W1ECNbr0wfck7lzyXjCS5Q16Ek45zyBuy1Fiy9sTPKVgsqqOuPvbycuVSSVl8=",
            Expect::Valid,
        ),
        vcase(
            "N1: wrong message",
            v1a,
            "foobar",
            v1,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedMessage"),
        vcase(
            "N2: compressed signature, uncompressed address",
            v1a,
            vir,
            v2,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("CompressionMismatch"),
        vcase(
            "N2': uncompressed signature, compressed address",
            v2a,
            vir,
            v1,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("CompressionMismatch"),
        vcase(
            "N3: all-zero hash160 address",
            "1111111111111111111114oLvT2",
            vir,
            v2,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("WrongAddress"),
    ];
    let n4 = unhex(
        "2b987ceade6a304fc5823ab38f99fc3c5f772a2d3e89ea05931e2726105fc53b9e601fc3231f35962c714fcbce5c95b427496edc7ae8b3d12e93791d7629795b62",
    );
    bjs.push(
        vcase(
            "N4: header 43 (bitcoinjs 'Invalid signature parameter')",
            v1a,
            vir,
            &b64(&n4),
            Expect::Code("sig.bad-header"),
        )
        .flag("HeaderOutOfRange"),
    );
    let n5a = unhex(
        "1c987ceade6a304fc5823ab38f99fc3c5f772a2d3e89ea05931e2726105fc53b9e601fc3231f35962c714fcbce5c95b427496edc7ae8b3d12e93791d7629795b62000000",
    );
    let n5b = unhex(
        "1c987ceade6a304fc5823ab38f99fc3c5f772a2d3e89ea05931e2726105fc53b9e601fc3231f35962c714fcbce5c95b427496edc7ae8b3d12e9379",
    );
    bjs.push(
        vcase(
            "N5: 68 bytes",
            v1a,
            vir,
            &b64(&n5a),
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );
    bjs.push(
        vcase(
            "N5: 62 bytes",
            v1a,
            vir,
            &b64(&n5b),
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );

    let v5a = "15hETetDmcXm1mM4sEf7U2KXC9hDHFMSzz";
    let v5m = "Chancellor on brink of second bailout for banks";
    let v5 =
        "Hzsu0U/THAsPz/MSuXGBKSULz2dTfmrg1NsAhFp+wH5aKfmX4Db7ExLGa7FGn0m6Mf43KsbEOWpvUUUBTM3Uusw=";
    let v5b: [u8; 65] = unb64(v5).try_into().unwrap();
    let mut el = vec![
        vcase("V5: low-S, not RFC 6979 (Electrum's nonce)", v5a, v5m, v5, Expect::Valid),
        vcase("V6 / N6: high-S (valid for Bitcoin Core, Electrum and this profile)", v5a, v5m, "IDsu0U/THAsPz/MSuXGBKSULz2dTfmrg1NsAhFp+wH5a1gZoH8kE7O05lE65YLZFzLx3sh/rDzXMbo1dQAJhhnU=", Expect::Valid).flag("HighS").req(&["BW-SIG-5"]),
        vcase("V7: uncompressed", "1GPHVTY8UD9my6jyP4tb2TYJwUbDetyNC6", "Electrum", "HBQdYfv7kOrxmRewLJnG7sV6KlU71O04hUnE4tai97p7Pg+D+yKaWXsdGgHTrKw90caQMo/D6b//qX50ge9P9iI=", Expect::Valid),
        vcase("N7: non-zero base64 padding bits", v5a, v5m, &v5.replace("Uusw=", "Uusx="), Expect::Code("sig.bad-base64")).flag("NonCanonicalBase64"),
        vcase("N8: missing '=' padding", v5a, v5m, v5.trim_end_matches('='), Expect::Code("sig.bad-base64")).flag("NonCanonicalBase64"),
        vcase("N9: embedded space", v5a, v5m, &format!("{} {}", &v5[..44], &v5[44..]), Expect::Code("sig.bad-base64")).flag("Base64Whitespace"),
    ];
    for (h, comment, flags) in [
        (
            39u8,
            "N10: header 39 (BIP-137 P2WPKH; Bitcoin Core reads it as 31)",
            &["HeaderOutOfRange", "Bip137Header", "CoreHeaderAlias"][..],
        ),
        (
            35,
            "N11: header 35 (BIP-137 P2SH-P2WPKH)",
            &["HeaderOutOfRange", "Bip137Header"][..],
        ),
        (
            255,
            "N12: header 255 (Bitcoin Core reads it as 31)",
            &["HeaderOutOfRange", "CoreHeaderAlias"][..],
        ),
        (0, "N13: header 0", &["HeaderOutOfRange"][..]),
    ] {
        assert_eq!(flags.contains(&"CoreHeaderAlias"), core_header(h) == v5b[0]);
        el.push(
            vcase(
                comment,
                v5a,
                v5m,
                &b64(&with_header(&v5b, h)),
                Expect::Code("sig.bad-header"),
            )
            .flags(flags),
        );
    }
    el.push(
        vcase(
            "N14: compression bit flipped (header 27 instead of 31)",
            v5a,
            v5m,
            &b64(&with_header(&v5b, 27)),
            Expect::Code("sig.address-mismatch"),
        )
        .flag("CompressionMismatch")
        .req(&["BW-SIG-11"]),
    );
    el.push(
        vcase(
            "N15: r = 0",
            v5a,
            v5m,
            &b64(&with_r(&v5b, &[0; 32])),
            Expect::Code("sig.bad-r"),
        )
        .flag("ScalarZero"),
    );
    el.push(
        vcase(
            "N16: r = 2^256 - 1",
            v5a,
            v5m,
            &b64(&with_r(&v5b, &[0xff; 32])),
            Expect::Code("sig.bad-r"),
        )
        .flag("ScalarOutOfRange"),
    );

    let g = vec![
        vcase("G1: scalar 1, compressed, empty message", "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", "", "H/ekWyEiNs+vsqOX5k7LH3pPZfy9izgt6UYvcEGT9tf2FrGCBH9ZB1O0JtiULTJoDxEmmBJSI2FTGZQaBn83kbM=", Expect::Valid),
        vcase("G2: scalar 1, compressed, 300 x 'a'", "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", &"a".repeat(300), "IBfdToLz1Lngb2ByML7/oQap9Cdbh1jPPTPUQZoViqyOY+9ysDblD4TaOm16hUI+r1B+cnVmEcbYwn4FtsRhFrA=", Expect::Valid),
        vcase("G3: scalar 1, uncompressed, UTF-8 message", "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm", "Virès is Numéris", "HJDqcya2uMFBCZxj8w5Z60WeJ4/jNoBOZQfekGl3KRzHB014sKZS4GssY9nnhAuLP/5VWXmNl02knlthYs4ZNPY=", Expect::Valid).req(&["BW-DOC-3"]),
    ];

    // --- header sweep --------------------------------------------------------
    let key = Key::derived("verify-sweep", true, Net::Main);
    let msg = "header sweep: article=net.bitwrk%2Ftest&price=mBTC1";
    let base = key.sign(msg.as_bytes());
    let addr = key.address();
    let mut sweep = Vec::new();
    for h in 0..=255u8 {
        let mut c = vcase(
            &format!(
                "header byte {h} on a compressed-key signature made with header {}",
                base[0]
            ),
            &addr,
            msg,
            &b64(&with_header(&base, h)),
            Expect::Oracle,
        )
        .flag("HeaderSweep");
        if !(27..=34).contains(&h) {
            assert_eq!(c.outcome, Some(Outcome::Invalid("sig.bad-header")));
            c = c.flag("HeaderOutOfRange");
            if (35..=42).contains(&h) {
                c = c.flag("Bip137Header");
            }
            if core_header(h) == base[0] {
                c = c.flag("CoreHeaderAlias");
            }
        } else if h == base[0] {
            assert_eq!(c.outcome, Some(Outcome::Valid));
        } else {
            assert!(matches!(
                c.outcome,
                Some(Outcome::Invalid(
                    "sig.address-mismatch" | "sig.unrecoverable"
                ))
            ));
            if (h - 27) & 4 != (base[0] - 27) & 4 {
                c = c.flag("CompressionMismatch").req(&["BW-SIG-11"]);
            }
            if (h - 27) & 2 != 0 {
                c = c.flag("RecoveryIdHighX");
            }
        }
        sweep.push(c);
    }
    let ukey = Key::derived("verify-sweep-u", false, Net::Main);
    let ubase = ukey.sign(msg.as_bytes());
    for h in 27..=34u8 {
        let mut c = vcase(
            &format!(
                "header byte {h} on an uncompressed-key signature made with header {}",
                ubase[0]
            ),
            &ukey.address(),
            msg,
            &b64(&with_header(&ubase, h)),
            Expect::Oracle,
        )
        .flag("HeaderSweep");
        if h != ubase[0] {
            if (h - 27) & 4 != 0 {
                c = c.flag("CompressionMismatch").req(&["BW-SIG-11"]);
            }
            if (h - 27) & 2 != 0 {
                c = c.flag("RecoveryIdHighX");
            }
        }
        sweep.push(c);
    }

    // --- tampering, scalars, encodings, order --------------------------------
    let sig = b64(&base);
    let other = Key::derived("verify-other", true, Net::Main);
    let mut t = vec![
        vcase(
            "baseline: the signature the tampered cases start from",
            &addr,
            msg,
            &sig,
            Expect::Valid,
        ),
        vcase(
            "another key's address",
            &other.address(),
            msg,
            &sig,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("WrongAddress"),
        vcase(
            "message with one more character",
            &addr,
            &format!("{msg}."),
            &sig,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedMessage")
        .req(&["BW-DOC-3"]),
        vcase(
            "message with a trailing newline",
            &addr,
            &format!("{msg}\n"),
            &sig,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedMessage")
        .req(&["BW-DOC-3"]),
        vcase(
            "message with one bit flipped ('h' -> 'i')",
            &addr,
            &msg.replacen('h', "i", 1),
            &sig,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedMessage")
        .req(&["BW-DOC-3"]),
        vcase(
            "empty message",
            &addr,
            "",
            &sig,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedMessage"),
        vcase(
            "escaped %2F spelled as '/' (the signature covers the bytes, not the meaning)",
            &addr,
            &msg.replace("%2F", "/"),
            &sig,
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedMessage")
        .req(&["BW-DOC-3"]),
        vcase(
            "r + 1",
            &addr,
            msg,
            &b64(&with_r(&base, &add256(&r_of(&base), &small256(1)))),
            Expect::Oracle,
        )
        .flag("TamperedR"),
        vcase(
            "r with its lowest bit flipped",
            &addr,
            msg,
            &b64(&with_r(&base, &{
                let mut r = r_of(&base);
                r[31] ^= 1;
                r
            })),
            Expect::Oracle,
        )
        .flag("TamperedR"),
        vcase(
            "s + 1",
            &addr,
            msg,
            &b64(&with_s(&base, &add256(&s_of(&base), &small256(1)))),
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedS"),
        vcase(
            "s with its lowest bit flipped",
            &addr,
            msg,
            &b64(&with_s(&base, &{
                let mut s = s_of(&base);
                s[31] ^= 1;
                s
            })),
            Expect::Code("sig.address-mismatch"),
        )
        .flag("TamperedS"),
        vcase(
            "r = 0",
            &addr,
            msg,
            &b64(&with_r(&base, &[0; 32])),
            Expect::Code("sig.bad-r"),
        )
        .flag("ScalarZero"),
        vcase(
            "s = 0",
            &addr,
            msg,
            &b64(&with_s(&base, &[0; 32])),
            Expect::Code("sig.bad-s"),
        )
        .flag("ScalarZero"),
        vcase(
            "r = n",
            &addr,
            msg,
            &b64(&with_r(&base, &N)),
            Expect::Code("sig.bad-r"),
        )
        .flag("ScalarOutOfRange"),
        vcase(
            "s = n",
            &addr,
            msg,
            &b64(&with_s(&base, &N)),
            Expect::Code("sig.bad-s"),
        )
        .flag("ScalarOutOfRange"),
        vcase(
            "r = n + 1",
            &addr,
            msg,
            &b64(&with_r(&base, &add256(&N, &small256(1)))),
            Expect::Code("sig.bad-r"),
        )
        .flag("ScalarOutOfRange"),
        vcase(
            "s = n + 1",
            &addr,
            msg,
            &b64(&with_s(&base, &add256(&N, &small256(1)))),
            Expect::Code("sig.bad-s"),
        )
        .flag("ScalarOutOfRange"),
        vcase(
            "r = 2^256 - 1",
            &addr,
            msg,
            &b64(&with_r(&base, &[0xff; 32])),
            Expect::Code("sig.bad-r"),
        )
        .flag("ScalarOutOfRange"),
        vcase(
            "s = 2^256 - 1",
            &addr,
            msg,
            &b64(&with_s(&base, &[0xff; 32])),
            Expect::Code("sig.bad-s"),
        )
        .flag("ScalarOutOfRange"),
        vcase(
            "s = n - 1 (largest valid s)",
            &addr,
            msg,
            &b64(&with_s(&base, &n_minus(1))),
            Expect::Code("sig.address-mismatch"),
        )
        .flag("EdgeScalar"),
        vcase(
            "r = 1 (smallest valid r)",
            &addr,
            msg,
            &b64(&with_r(&base, &small256(1))),
            Expect::Oracle,
        )
        .flag("EdgeScalar"),
        vcase(
            "high-S twin (r, n - s) with the recovery id parity flipped: same key",
            &addr,
            msg,
            &b64(&high_s_twin(&base)),
            Expect::Valid,
        )
        .flag("HighS")
        .req(&["BW-SIG-5"]),
        vcase(
            "(r, n - s) with the original header: the other R, another key",
            &addr,
            msg,
            &b64(&with_s(&base, &sub256(&N, &s_of(&base)))),
            Expect::Code("sig.address-mismatch"),
        )
        .flag("HighS"),
    ];

    // Encodings of the signature (BW-SIG-2, BW-SIG-4).
    let with_plus_or_slash = (0..)
        .map(|i| {
            let m = format!("{msg} #{i}");
            (m.clone(), b64(&key.sign(m.as_bytes())))
        })
        .find(|(_, s)| s.contains('+') && s.contains('/'))
        .unwrap();
    let (pm, ps) = with_plus_or_slash;
    t.push(vcase(
        "baseline for the URL-safe case (contains '+' and '/')",
        &addr,
        &pm,
        &ps,
        Expect::Valid,
    ));
    t.push(
        vcase(
            "URL-safe alphabet ('-' and '_' for '+' and '/')",
            &addr,
            &pm,
            &ps.replace('+', "-").replace('/', "_"),
            Expect::Code("sig.bad-base64"),
        )
        .flag("Base64UrlSafe"),
    );
    t.push(
        vcase(
            "padding removed",
            &addr,
            msg,
            sig.trim_end_matches('='),
            Expect::Code("sig.bad-base64"),
        )
        .flag("NonCanonicalBase64"),
    );
    t.push(
        vcase(
            "extra '=' appended",
            &addr,
            msg,
            &format!("{sig}="),
            Expect::Code("sig.bad-base64"),
        )
        .flag("NonCanonicalBase64"),
    );
    let padbits = {
        let mut c: Vec<char> = sig.chars().collect();
        let i = c.len() - 2;
        let alphabet: Vec<char> =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                .chars()
                .collect();
        let pos = alphabet.iter().position(|&a| a == c[i]).unwrap();
        assert_eq!(pos & 3, 0, "65 bytes leave two zero padding bits");
        c[i] = alphabet[pos + 1];
        c.into_iter().collect::<String>()
    };
    t.push(
        vcase(
            "non-zero padding bits (last character before '=' off by one)",
            &addr,
            msg,
            &padbits,
            Expect::Code("sig.bad-base64"),
        )
        .flag("NonCanonicalBase64"),
    );
    t.push(
        vcase(
            "last character removed (base64 length not a multiple of 4)",
            &addr,
            msg,
            &sig[..sig.len() - 1],
            Expect::Code("sig.bad-base64"),
        )
        .flag("NonCanonicalBase64"),
    );
    t.push(
        vcase(
            "last 4 characters removed: canonical base64 of 63 bytes",
            &addr,
            msg,
            &b64(&base[..63]),
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );
    t.push(
        vcase(
            "leading space",
            &addr,
            msg,
            &format!(" {sig}"),
            Expect::Code("sig.bad-base64"),
        )
        .flag("Base64Whitespace"),
    );
    t.push(
        vcase(
            "trailing newline",
            &addr,
            msg,
            &format!("{sig}\n"),
            Expect::Code("sig.bad-base64"),
        )
        .flag("Base64Whitespace"),
    );
    t.push(
        vcase(
            "CR LF after 76 characters (MIME line wrapping)",
            &addr,
            msg,
            &format!("{}\r\n{}", &sig[..76], &sig[76..]),
            Expect::Code("sig.bad-base64"),
        )
        .flag("Base64Whitespace"),
    );
    t.push(
        vcase(
            "tab inside",
            &addr,
            msg,
            &format!("{}\t{}", &sig[..40], &sig[40..]),
            Expect::Code("sig.bad-base64"),
        )
        .flag("Base64Whitespace"),
    );
    t.push(
        vcase(
            "empty signature (decodes to 0 bytes)",
            &addr,
            msg,
            "",
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );
    t.push(
        vcase(
            "64 bytes (last byte of s missing)",
            &addr,
            msg,
            &b64(&base[..64]),
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );
    t.push(
        vcase(
            "64 bytes (header missing: r ‖ s only)",
            &addr,
            msg,
            &b64(&base[1..]),
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );
    t.push(
        vcase(
            "66 bytes (a zero byte appended)",
            &addr,
            msg,
            &b64(&[&base[..], &[0]].concat()),
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );
    t.push(
        vcase(
            "130 bytes (the signature twice)",
            &addr,
            msg,
            &b64(&[&base[..], &base[..]].concat()),
            Expect::Code("sig.bad-length"),
        )
        .flag("BadLength"),
    );
    t.push(
        vcase(
            "hex instead of base64 (130 characters: not a multiple of 4)",
            &addr,
            msg,
            &hx(&base),
            Expect::Code("sig.bad-base64"),
        )
        .flag("NonCanonicalBase64"),
    );

    // The claimed address (checked first, BW-SIG-10).
    t.push(
        vcase(
            "address with '0' (not base58)",
            &replace_char(&addr, 5, '0'),
            msg,
            &sig,
            Expect::Code("addr.bad-encoding"),
        )
        .flag("MalformedAddress"),
    );
    let last = addr.chars().count() - 1;
    t.push(
        vcase(
            "address with a bad checksum",
            &replace_char(&addr, last, other_b58(addr.chars().last().unwrap())),
            msg,
            &sig,
            Expect::Code("addr.bad-checksum"),
        )
        .flag("MalformedAddress"),
    );
    let short = {
        let mut p = vec![0u8];
        p.extend_from_slice(&key.h160()[..19]);
        b58check_encode(&p)
    };
    t.push(
        vcase(
            "address with a 19-byte hash",
            &short,
            msg,
            &sig,
            Expect::Code("addr.bad-length"),
        )
        .flag("MalformedAddress"),
    );
    let p2sh = {
        let mut p = vec![0x05u8];
        p.extend_from_slice(&key.h160());
        b58check_encode(&p)
    };
    t.push(
        vcase(
            "address with version 0x05 (P2SH) and the signer's hash",
            &p2sh,
            msg,
            &sig,
            Expect::Code("addr.unknown-version"),
        )
        .flag("MalformedAddress"),
    );
    t.push(
        vcase(
            "empty address",
            "",
            msg,
            &sig,
            Expect::Code("addr.bad-encoding"),
        )
        .flag("MalformedAddress"),
    );

    // Check order (BW-SIG-10): the first failing check is reported.
    let order = |c: Case| c.flag("CheckOrder").req(&["BW-SIG-10"]);
    t.push(order(vcase(
        "bad address and bad base64: the address is reported",
        &replace_char(&addr, 5, '0'),
        msg,
        "not base64!",
        Expect::Code("addr.bad-encoding"),
    )));
    t.push(order(vcase(
        "bad base64 that would also be too short: bad-base64",
        &addr,
        msg,
        "AAE",
        Expect::Code("sig.bad-base64"),
    )));
    t.push(order(vcase(
        "64 bytes with header 0: bad-length before bad-header",
        &addr,
        msg,
        &b64(&with_header(&base, 0)[..64]),
        Expect::Code("sig.bad-length"),
    )));
    t.push(order(vcase(
        "header 0 and r = 0: bad-header before bad-r",
        &addr,
        msg,
        &b64(&with_r(&with_header(&base, 0), &[0; 32])),
        Expect::Code("sig.bad-header"),
    )));
    t.push(order(vcase(
        "r = 0 and s = 0: bad-r before bad-s",
        &addr,
        msg,
        &b64(&with_s(&with_r(&base, &[0; 32]), &[0; 32])),
        Expect::Code("sig.bad-r"),
    )));
    t.push(order(vcase(
        "s = n with a recovery id that cannot recover: bad-s before recovery",
        &addr,
        msg,
        &b64(&with_s(&with_header(&base, 27 + 4 + 2), &N)),
        Expect::Code("sig.bad-s"),
    )));
    t.push(order(vcase(
        "unrecoverable with a wrong address: unrecoverable is reported",
        &other.address(),
        msg,
        &b64(&with_header(&base, 27 + 4 + 2)),
        Expect::Code("sig.unrecoverable"),
    )));

    // Networks: the comparison is on the claimed address's network (BW-SIG-9).
    let tkey = Key::derived("verify-testnet", true, Net::Test);
    let tmsg = "testnet identity";
    let tsig = b64(&tkey.sign(tmsg.as_bytes()));
    t.push(
        vcase(
            "testnet key, testnet address",
            &tkey.address(),
            tmsg,
            &tsig,
            Expect::Valid,
        )
        .flag("Testnet"),
    );
    t.push(
        vcase(
            "testnet key's signature, mainnet address of the same hash160",
            &tkey.address_on(Net::Main),
            tmsg,
            &tsig,
            Expect::Valid,
        )
        .flag("CrossNetwork"),
    );
    t.push(
        vcase(
            "mainnet key's signature, testnet address of the same hash160",
            &key.address_on(Net::Test),
            msg,
            &sig,
            Expect::Valid,
        )
        .flags(&["Testnet", "CrossNetwork"]),
    );
    t.push(
        vcase(
            "testnet address of another key",
            &other.address_on(Net::Test),
            msg,
            &sig,
            Expect::Code("sig.address-mismatch"),
        )
        .flags(&["Testnet", "WrongAddress"]),
    );

    // --- recovery edge cases (constructed; no private key needed) ------------
    let mut rec = Vec::new();
    let rmsg = "recovery edge case";
    let e = msg_digest(rmsg.as_bytes());
    let s_any = {
        let mut s = sha256(b"bitwrk-vectorgen/s");
        if s >= N {
            s = sub256(&s, &N);
        }
        s
    };
    // recid 2/3: R.x = r + n must be < p. Find x in [n+1, p) on the curve.
    let mut found = 0;
    for t_ in 1u8..=255 {
        let x = add256(&N, &small256(t_));
        assert!(x < P);
        for (parity, prefix) in [(0u8, 2u8), (1, 3)] {
            let mut enc = vec![prefix];
            enc.extend_from_slice(&x);
            if secp256k1::PublicKey::from_slice(&enc).is_err() || found >= 2 {
                continue;
            }
            for compressed in [true, false] {
                let mut sig = [0u8; 65];
                sig[0] = 27 + 2 + parity + if compressed { 4 } else { 0 };
                sig[1..33].copy_from_slice(&small256(t_));
                sig[33..].copy_from_slice(&s_any);
                let pk = oracle_recover(&e, &sig).expect("libsecp recovers with x = r + n");
                let a = address_of(Net::Main, &hash160(&pk));
                let form = if compressed {
                    "compressed"
                } else {
                    "uncompressed"
                };
                rec.push(vcase(&format!("recovery id {} ({form}) with r = {t_}: R.x = r + n < p, so a key is recovered", 2 + parity), &a, rmsg, &b64(&sig), Expect::Valid).flag("RecoveryIdHighX"));
                // The same (r, s) with recovery id 0/1 uses R.x = r, another point (or none).
                let mut low = sig;
                low[0] -= 2;
                rec.push(
                    vcase(
                        &format!(
                            "same r, s with recovery id {parity} ({form}): R.x = r instead of r + n"
                        ),
                        &a,
                        rmsg,
                        &b64(&low),
                        Expect::Oracle,
                    )
                    .flag("RecoveryIdHighX"),
                );
            }
            found += 1;
        }
    }
    assert_eq!(found, 2);
    // recid 2/3 where r + n >= p: no such R.
    let mut big_r = [0u8; 32];
    big_r.copy_from_slice(&sub256(&P, &N));
    let mut sig_big = [0u8; 65];
    sig_big[0] = 27 + 4 + 2;
    sig_big[1..33].copy_from_slice(&big_r);
    sig_big[33..].copy_from_slice(&s_any);
    rec.push(
        vcase(
            "recovery id 2 with r = p - n: r + n = p is not a field element",
            &addr,
            rmsg,
            &b64(&sig_big),
            Expect::Code("sig.unrecoverable"),
        )
        .flag("RecoveryIdHighX"),
    );
    // recid 0 where r is not the x of any curve point.
    let not_x = (1u8..=255)
        .find(|t_| {
            let mut enc = vec![2u8];
            enc.extend_from_slice(&small256(*t_));
            secp256k1::PublicKey::from_slice(&enc).is_err()
        })
        .unwrap();
    let mut sig_nx = sig_big;
    sig_nx[0] = 31;
    sig_nx[1..33].copy_from_slice(&small256(not_x));
    rec.push(
        vcase(
            &format!("recovery id 0 with r = {not_x}: x^3 + 7 has no square root, no point R"),
            &addr,
            rmsg,
            &b64(&sig_nx),
            Expect::Code("sig.unrecoverable"),
        )
        .flag("Unrecoverable"),
    );
    // Q = r^-1 (sR - eG) is the point at infinity when R = G and s = e.
    let gx = hex32("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    let mut e_mod = e;
    if e_mod >= N {
        e_mod = sub256(&e_mod, &N);
    }
    let mut sig_inf = [0u8; 65];
    sig_inf[0] = 31; // G.y is even: recovery id 0
    sig_inf[1..33].copy_from_slice(&gx);
    sig_inf[33..].copy_from_slice(&e_mod);
    rec.push(
        vcase(
            "R = G and s = e: sR - eG is the point at infinity",
            &addr,
            rmsg,
            &b64(&sig_inf),
            Expect::Code("sig.unrecoverable"),
        )
        .flag("Unrecoverable"),
    );
    let mut sig_inf_odd = sig_inf;
    sig_inf_odd[0] = 32; // R = -G: sR - eG = -2eG, a valid key
    rec.push(vcase(
        "R = -G (odd y) and s = e: a key is recovered (-2e·G·r^-1)",
        &addr,
        rmsg,
        &b64(&sig_inf_odd),
        Expect::Code("sig.address-mismatch"),
    ));

    // --- bulk: random keys and messages, with high-S twins ---------------------
    let mut bulk = Vec::new();
    for i in 0..40 {
        let net = if i % 5 == 4 { Net::Test } else { Net::Main };
        let k = Key::derived(&format!("verify-bulk-{i}"), i % 3 != 0, net);
        let m = match i % 4 {
            0 => format!("message {i}"),
            1 => "x".repeat(i * 7),
            2 => format!(
                "article=net.bitwrk%2Fbulk%2F{i}&type=SELL&price=uBTC{i}&address={}&nonce={:032x}",
                k.address(),
                i
            ),
            _ => format!("ünïcødé {i} \u{20ac}"),
        };
        let s = k.sign(m.as_bytes());
        let mut c = vcase(
            &format!(
                "random key #{i} ({}, {})",
                if k.compressed {
                    "compressed"
                } else {
                    "uncompressed"
                },
                k.net.name()
            ),
            &k.address(),
            &m,
            &b64(&s),
            Expect::Valid,
        );
        if net == Net::Test {
            c = c.flag("Testnet");
        }
        bulk.push(c);
        bulk.push(
            vcase(
                &format!("random key #{i}, high-S twin"),
                &k.address(),
                &m,
                &b64(&high_s_twin(&s)),
                Expect::Valid,
            )
            .flag("HighS")
            .req(&["BW-SIG-5"]),
        );
        if i % 4 == 0 {
            bulk.push(
                vcase(
                    &format!("random key #{i}, compression flag flipped"),
                    &k.address(),
                    &m,
                    &b64(&with_header(
                        &s,
                        if s[0] >= 31 { s[0] - 4 } else { s[0] + 4 },
                    )),
                    Expect::Code("sig.address-mismatch"),
                )
                .flag("CompressionMismatch")
                .req(&["BW-SIG-11"]),
            );
        }
    }

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

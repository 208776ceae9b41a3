//! Published vectors: BitWrk 0.7's own tests, bitcoinjs-message's fixtures,
//! Electrum's tests and the G1-G3 vectors.

use crate::{
    Case, GO_ADDR_COMPRESSED, GO_ADDR_DIGEST_KEY, GO_ADDR_TEST, GO_ADDR_UNCOMPRESSED, GO_PLAINTEXT,
    GO_SIGNATURE, GO_WIF_COMPRESSED, GO_WIF_UNCOMPRESSED, Key, b64, unb64, unhex,
};

use super::{Expect, core_header, vcase, with_header, with_r};

/// The cases of BitWrk 0.7, bitcoinjs-message, Electrum and G1-G3, in that
/// order.
pub(super) fn cases() -> (Vec<Case>, Vec<Case>, Vec<Case>, Vec<Case>) {
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
    (go, bjs, el, g)
}

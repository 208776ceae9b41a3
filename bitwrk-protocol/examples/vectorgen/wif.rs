//! `wif.json`: WIF private-key decoding (spec section 4).

use crate::{
    Case, ELECTRUM_WIF_COMPRESSED, ELECTRUM_WIF_UNCOMPRESSED, GO_WIF_COMPRESSED, GO_WIF_DIGEST_KEY,
    GO_WIF_UNCOMPRESSED, Key, N, Net, VFile, When, add256, b58check_encode, case, d1, group, hex32,
    hx, n_minus, note, other_b58, ours, replace_char, rule, s_bool, s_hex_len, s_network, s_string,
    small256,
};
use bitwrk_protocol::ErrorCode;

pub(crate) fn wif_file() -> VFile {
    let valid = |comment: &str, key: Key| {
        let wif = key.wif();
        let pk = bitwrk_protocol::PrivateKey::from_wif(&wif).expect(comment);
        assert_eq!(pk.to_wif(), wif);
        assert_eq!(pk.is_compressed(), key.compressed);
        assert_eq!(pk.network().name(), key.net.name());
        case(comment)
            .req(&["BW-KEY-1", "BW-KEY-2", "BW-KEY-3"])
            .f("wif", wif)
            .f("secretHex", hx(&key.secret))
            .f("network", key.net.name())
            .f("compressed", key.compressed)
            .valid()
    };
    let invalid_payload =
        |comment: &str, payload: Vec<u8>, code: &'static str, flags: &[&'static str]| {
            let wif = b58check_encode(&payload);
            invalid_wif(comment, wif, code, flags)
        };

    let mut go = Vec::new();
    for (wif, compressed) in [
        (GO_WIF_UNCOMPRESSED, false),
        (GO_WIF_COMPRESSED, true),
        (GO_WIF_DIGEST_KEY, false),
    ] {
        let key = Key::from_wif(wif);
        assert_eq!(key.compressed, compressed);
        assert_eq!(key.wif(), wif);
        go.push(
            valid(
                &format!(
                    "BitWrk 0.7 test key ({})",
                    if compressed {
                        "compressed"
                    } else {
                        "uncompressed"
                    }
                ),
                key,
            )
            .flag("BitWrk07"),
        );
    }
    let mut electrum = Vec::new();
    for wif in [ELECTRUM_WIF_COMPRESSED, ELECTRUM_WIF_UNCOMPRESSED] {
        let key = Key::from_wif(wif);
        assert_eq!(key.wif(), wif);
        electrum.push(valid("Electrum test key", key));
    }
    let mut cases = vec![
        valid("scalar 1, uncompressed, mainnet", d1(false)),
        valid("scalar 1, compressed, mainnet", d1(true)),
        valid(
            "scalar n-1, compressed, mainnet (largest valid scalar)",
            Key::new(n_minus(1), true, Net::Main),
        )
        .flag("EdgeScalar"),
        valid(
            "scalar n-1, uncompressed, mainnet",
            Key::new(n_minus(1), false, Net::Main),
        )
        .flag("EdgeScalar"),
        valid(
            "testnet, compressed (version 0xef)",
            Key::derived("wif-testnet-c", true, Net::Test),
        )
        .flag("Testnet"),
        valid(
            "testnet, uncompressed (version 0xef)",
            Key::derived("wif-testnet-u", false, Net::Test),
        )
        .flag("Testnet"),
        valid(
            "scalar 1, compressed, testnet",
            Key::new(small256(1), true, Net::Test),
        )
        .flag("Testnet"),
        valid(
            "scalar with leading zero bytes",
            Key::new(
                hex32("00000000000000000000000000000000000000000000000000000000deadbeef"),
                true,
                Net::Main,
            ),
        )
        .flag("EdgeScalar"),
    ];
    let good = Key::derived("wif-invalid-base", true, Net::Main);
    let good_wif = good.wif();
    let payload = |version: u8, scalar: &[u8], tail: &[u8]| {
        let mut p = vec![version];
        p.extend_from_slice(scalar);
        p.extend_from_slice(tail);
        p
    };
    cases.push(invalid_wif(
        "'0' is not base58",
        replace_char(&good_wif, 7, '0'),
        "wif.bad-encoding",
        &["BadEncoding"],
    ));
    cases.push(invalid_wif(
        "'l' is not base58",
        replace_char(&good_wif, 7, 'l'),
        "wif.bad-encoding",
        &["BadEncoding"],
    ));
    cases.push(invalid_wif(
        "trailing newline",
        format!("{good_wif}\n"),
        "wif.bad-encoding",
        &["BadEncoding"],
    ));
    cases.push(invalid_wif(
        "empty string",
        String::new(),
        "wif.bad-encoding",
        &["BadEncoding"],
    ));
    cases.push(invalid_wif(
        "too short for a checksum",
        "5Kb8k".into(),
        "wif.bad-encoding",
        &["BadEncoding"],
    ));
    let last = good_wif.chars().count() - 1;
    cases.push(invalid_wif(
        "last character changed",
        replace_char(&good_wif, last, other_b58(good_wif.chars().last().unwrap())),
        "wif.bad-checksum",
        &["BadChecksum"],
    ));
    cases.push(invalid_wif(
        "scalar byte flipped, old checksum kept",
        {
            let mut data = bs58::decode(&good_wif).into_vec().unwrap();
            data[10] ^= 0x80;
            bs58::encode(data).into_string()
        },
        "wif.bad-checksum",
        &["BadChecksum"],
    ));
    for (v, what) in [
        (0x00u8, "the mainnet address version 0x00"),
        (0x6f, "the testnet address version 0x6f"),
        (0x81, "0x81"),
        (0xff, "0xff"),
        (0xb0, "0xb0 (Litecoin WIF)"),
    ] {
        cases.push(invalid_payload(
            &format!("version byte {what}"),
            payload(v, &good.secret, &[1]),
            "wif.unknown-version",
            &["UnknownVersion"],
        ));
    }
    cases.push(invalid_payload(
        "version byte only (0 payload bytes)",
        vec![0x80],
        "wif.bad-length",
        &["BadLength"],
    ));
    cases.push(invalid_payload(
        "31-byte scalar",
        payload(0x80, &good.secret[..31], &[]),
        "wif.bad-length",
        &["BadLength"],
    ));
    cases.push(invalid_payload(
        "34 payload bytes (compression flag plus one extra byte)",
        payload(0x80, &good.secret, &[1, 1]),
        "wif.bad-length",
        &["BadLength"],
    ));
    cases.push(invalid_payload(
        "20 payload bytes",
        payload(0x80, &good.secret[..20], &[]),
        "wif.bad-length",
        &["BadLength"],
    ));
    cases.push(invalid_payload(
        "64 payload bytes",
        payload(0x80, &good.secret, &good.secret),
        "wif.bad-length",
        &["BadLength"],
    ));
    for flag in [0x00u8, 0x02, 0x80, 0xff] {
        cases.push(invalid_payload(
            &format!("33rd payload byte 0x{flag:02x} instead of 0x01"),
            payload(0x80, &good.secret, &[flag]),
            "wif.bad-compression-flag",
            &["BadCompressionFlag"],
        ));
    }
    cases.push(invalid_payload(
        "testnet, 33rd payload byte 0x00",
        payload(0xef, &good.secret, &[0]),
        "wif.bad-compression-flag",
        &["BadCompressionFlag", "Testnet"],
    ));
    for (scalar, what, compressed) in [
        ([0u8; 32], "scalar 0", false),
        ([0u8; 32], "scalar 0, compressed", true),
        (N, "scalar n", true),
        (add256(&N, &small256(1)), "scalar n+1", true),
        ([0xff; 32], "scalar 2^256-1", false),
    ] {
        cases.push(invalid_payload(
            what,
            payload(0x80, &scalar, if compressed { &[1] } else { &[] }),
            "key.scalar-out-of-range",
            &["ScalarOutOfRange"],
        ));
    }
    cases.push(invalid_payload(
        "testnet, scalar n",
        payload(0xef, &N, &[1]),
        "key.scalar-out-of-range",
        &["ScalarOutOfRange", "Testnet"],
    ));

    VFile {
        stem: "wif",
        ty: "WifDecode",
        title: "Wallet Import Format private keys",
        header: vec![
            "WIF = base58check(version ‖ 32-byte scalar [‖ 0x01]). Decoding `wif` must give `secretHex`, `network` and `compressed`; encoding those must give `wif` again.".into(),
            "Single-defect cases only; the check order itself is normative (BW-KEY-3): base58 alphabet and length, checksum, version, payload length and flag, scalar range.".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A key from BitWrk 0.7's own tests.", "An implementation that rejects it cannot use keys that worked with BitWrk 0.7."),
            note("EdgeScalar", "EDGE_CASE", "A scalar at the edge of [1, n-1] or with leading zero bytes.", "Range checks off by one, or stripping leading zeros, break valid keys."),
            note("Testnet", "NETWORK", "A testnet key (version 0xef).", "Treating testnet keys as mainnet ones (or rejecting them) mixes networks."),
            note("BadEncoding", "MALFORMED_INPUT", "Not base58, or too short for a checksum.", "Lenient decoders accept garbage as keys."),
            note("BadChecksum", "INTEGRITY", "The base58check checksum does not match.", "Mistyped keys are accepted as different keys."),
            note("UnknownVersion", "MALFORMED_INPUT", "A version byte other than 0x80 and 0xef.", "Addresses or foreign-chain keys are taken for keys of this protocol."),
            note("BadLength", "MALFORMED_INPUT", "A payload that is neither 32 nor 33 bytes after the version byte.", "Truncated or padded scalars are silently accepted."),
            note("BadCompressionFlag", "MALFORMED_INPUT", "A 33-byte payload whose last byte is not 0x01.", "The compression flag is guessed, which changes the address."),
            note("ScalarOutOfRange", "INVALID_KEY", "A scalar of 0 or at least the group order n.", "Reducing modulo n silently yields a different key; 0 has no public key."),
        ],
        groups: vec![
            group("bitwrk-0.7 common/bitcoin/addresses_test.go, bitsign_test.go", "0.7.0", go),
            group("electrum tests/test_bitcoin.py", "spesmilo/electrum master", electrum),
            ours(cases),
        ],
        fields: vec![
            ("wif", s_string()),
            ("secretHex", s_hex_len(32)),
            ("network", s_network()),
            ("compressed", s_bool()),
        ],
        rules: vec![
            rule(None, When::Always, &["wif"]),
            rule(None, When::Valid, &["secretHex", "network", "compressed"]),
        ],
    }
}

fn invalid_wif(comment: &str, wif: String, code: &'static str, flags: &[&'static str]) -> Case {
    let got = bitwrk_protocol::PrivateKey::from_wif(&wif).expect_err(comment);
    assert_eq!(got.code(), code, "{comment}");
    let req: &[&'static str] = match code {
        "key.scalar-out-of-range" => &["BW-KEY-1"],
        "wif.bad-length" | "wif.bad-compression-flag" => &["BW-KEY-3"],
        _ => &["BW-KEY-2"],
    };
    case(comment)
        .flags(flags)
        .req(req)
        .f("wif", wif)
        .invalid(code)
}

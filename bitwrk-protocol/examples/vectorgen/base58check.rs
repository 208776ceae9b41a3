//! `base58check.json`: Base58Check decoding (spec section 3).

use crate::{
    GO_ADDR_DIGEST_KEY, GO_WIF_DIGEST_KEY, Key, VFile, When, b58check_decode, b58check_encode,
    case, d1, hx, note, other_b58, ours, replace_char, rule, s_hex, s_hex_len, s_string, sha256,
    sha256d, small256,
};
use bitwrk_protocol::ErrorCode;

pub(crate) fn base58check_file() -> VFile {
    let valid = |comment: &str, payload: Vec<u8>| {
        let s = b58check_encode(&payload);
        assert_eq!(bitwrk_protocol::encoding::base58::encode_check(&payload), s);
        assert_eq!(b58check_decode(&s), Ok(payload.clone()));
        assert_eq!(
            bitwrk_protocol::encoding::base58::decode_check(&s),
            Ok(payload.clone())
        );
        case(comment)
            .req(&["BW-ENC-3", "BW-ENC-4"])
            .f("input", s)
            .f("payloadHex", hx(&payload))
            .f("checksumHex", hx(&sha256d(&payload)[..4]))
            .valid()
    };
    let invalid = |comment: &str, input: String, code: &'static str, flags: &[&'static str]| {
        assert_eq!(b58check_decode(&input), Err(code), "{comment}");
        let got = bitwrk_protocol::encoding::base58::decode_check(&input).unwrap_err();
        assert_eq!(got.code(), code, "{comment}");
        let req: &[&'static str] = match code {
            "b58.bad-char" => &["BW-ENC-3"],
            _ => &["BW-ENC-4"],
        };
        case(comment)
            .flags(flags)
            .req(req)
            .f("input", input)
            .invalid(code)
    };

    let addr_payload = {
        let mut p = vec![0u8];
        p.extend_from_slice(&Key::from_wif(GO_WIF_DIGEST_KEY).h160());
        p
    };
    let addr = b58check_encode(&addr_payload);
    assert_eq!(addr, GO_ADDR_DIGEST_KEY);
    let mut cases = vec![
        valid(
            "mainnet P2PKH address payload (version 0x00 becomes one leading '1')",
            addr_payload.clone(),
        ),
        valid("single zero byte", vec![0]),
        valid("single byte 0x01", vec![1]),
        valid(
            "four leading zero bytes become four leading '1's",
            vec![0, 0, 0, 0, 1],
        ),
        valid("two leading zero bytes then 0xff", vec![0, 0, 0xff]),
        valid("all-zero address payload (21 zero bytes)", vec![0; 21]),
        valid("32 bytes of 0xff", vec![0xff; 32]),
        valid("testnet P2PKH address payload (version 0x6f)", {
            let mut p = vec![0x6f];
            p.extend_from_slice(&d1(true).h160());
            p
        }),
        valid("WIF payload: 0x80 ‖ scalar 1 ‖ 0x01", {
            let mut p = vec![0x80];
            p.extend_from_slice(&small256(1));
            p.push(1);
            p
        }),
        valid(
            "100 bytes 0x00..0x63 (one leading zero byte)",
            (0u8..100).collect(),
        ),
    ];
    // Leading/zero round trips can also be checked on the raw encoding.
    for (pos, c, what) in [
        (5, '0', "digit zero"),
        (5, 'O', "capital O"),
        (5, 'I', "capital I"),
        (5, 'l', "lower-case L"),
        (5, '+', "plus sign"),
        (5, 'é', "non-ASCII é"),
        (5, '１', "full-width digit one (U+FF11)"),
        (5, 'А', "Cyrillic capital A (U+0410)"),
    ] {
        cases.push(invalid(
            &format!("{what} is not in the base58 alphabet"),
            replace_char(&addr, pos, c),
            "b58.bad-char",
            &["BadCharacter"],
        ));
    }
    cases.push(invalid(
        "leading space",
        format!(" {addr}"),
        "b58.bad-char",
        &["Whitespace"],
    ));
    cases.push(invalid(
        "trailing space",
        format!("{addr} "),
        "b58.bad-char",
        &["Whitespace"],
    ));
    cases.push(invalid(
        "trailing newline",
        format!("{addr}\n"),
        "b58.bad-char",
        &["Whitespace"],
    ));
    cases.push(invalid(
        "inner space",
        format!("{} {}", &addr[..10], &addr[10..]),
        "b58.bad-char",
        &["Whitespace"],
    ));
    cases.push(invalid(
        "empty string decodes to zero bytes",
        String::new(),
        "b58.too-short",
        &["TooShort"],
    ));
    cases.push(invalid(
        "\"1\" decodes to one zero byte",
        "1".into(),
        "b58.too-short",
        &["TooShort"],
    ));
    cases.push(invalid(
        "\"1111\" decodes to four zero bytes",
        "1111".into(),
        "b58.too-short",
        &["TooShort"],
    ));
    cases.push(invalid(
        "base58check of the empty payload is only the 4-byte checksum, which is too short",
        b58check_encode(&[]),
        "b58.too-short",
        &["TooShort"],
    ));
    let last = addr.chars().count() - 1;
    cases.push(invalid(
        "last character changed",
        replace_char(&addr, last, other_b58(addr.chars().last().unwrap())),
        "b58.bad-checksum",
        &["BadChecksum"],
    ));
    cases.push(invalid(
        "one payload byte flipped, old checksum kept",
        {
            let mut data = bs58::decode(&addr).into_vec().unwrap();
            data[5] ^= 0x01;
            bs58::encode(data).into_string()
        },
        "b58.bad-checksum",
        &["BadChecksum"],
    ));
    cases.push(invalid(
        "extra leading '1' adds a zero byte to the checksummed data",
        format!("1{addr}"),
        "b58.bad-checksum",
        &["BadChecksum"],
    ));
    cases.push(invalid(
        "last character removed",
        addr[..addr.len() - 1].to_owned(),
        "b58.bad-checksum",
        &["BadChecksum"],
    ));
    cases.push(invalid(
        "two adjacent characters swapped",
        {
            let mut c: Vec<char> = addr.chars().collect();
            c.swap(10, 11);
            assert_ne!(c[10], c[11]);
            c.into_iter().collect()
        },
        "b58.bad-checksum",
        &["BadChecksum"],
    ));
    cases.push(invalid(
        "checksum is single SHA-256 instead of double SHA-256",
        {
            let mut data = addr_payload.clone();
            data.extend_from_slice(&sha256(&addr_payload)[..4]);
            bs58::encode(data).into_string()
        },
        "b58.bad-checksum",
        &["BadChecksum"],
    ));
    cases.push(invalid(
        "checksum taken from the end of sha256d instead of the start",
        {
            let mut data = addr_payload.clone();
            data.extend_from_slice(&sha256d(&addr_payload)[28..]);
            bs58::encode(data).into_string()
        },
        "b58.bad-checksum",
        &["BadChecksum"],
    ));

    VFile {
        stem: "base58check",
        ty: "Base58CheckDecode",
        title: "Base58check decoding and encoding",
        header: vec![
            "Base58check: decoding `input` must give `payloadHex` (without the 4 checksum bytes), and encoding `payloadHex` must give `input` again.".into(),
            "`checksumHex` is the first four bytes of sha256d(payload), an intermediate value.".into(),
        ],
        notes: vec![
            note("BadCharacter", "MALFORMED_INPUT", "A character outside the Bitcoin base58 alphabet (0, O, I and l are excluded; anything non-ASCII is excluded).", "A decoder that maps unknown characters to some digit accepts strings that do not denote the bytes they appear to."),
            note("Whitespace", "MALFORMED_INPUT", "Whitespace around or inside the text.", "Trimming or skipping whitespace makes several texts denote one value; identifiers must have one spelling."),
            note("TooShort", "MALFORMED_INPUT", "Fewer than five decoded bytes: there is no room for a checksum and a payload.", "Slicing the last four bytes of shorter data can panic or read out of bounds."),
            note("BadChecksum", "INTEGRITY", "The last four bytes are not the first four bytes of sha256d of the rest.", "Typos in addresses and keys go undetected."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("input", s_string()),
            ("payloadHex", s_hex()),
            ("checksumHex", s_hex_len(4)),
        ],
        rules: vec![
            rule(None, When::Always, &["input"]),
            rule(None, When::Valid, &["payloadHex", "checksumHex"]),
        ],
    }
}

//! `address.json`: P2PKH address derivation and parsing.

use crate::{
    Case, ELECTRUM_WIF_COMPRESSED, ELECTRUM_WIF_UNCOMPRESSED, GO_ADDR_COMPRESSED,
    GO_ADDR_DIGEST_KEY, GO_ADDR_TEST, GO_ADDR_UNCOMPRESSED, GO_WIF_COMPRESSED, GO_WIF_DIGEST_KEY,
    GO_WIF_UNCOMPRESSED, Key, Net, VFile, When, address_of, b58check_encode, case, d1, group, hx,
    n_minus, note, oracle_address, other_b58, ours, replace_char, rule, s_enum, s_hex_len,
    s_network, s_pubkey, s_string,
};
use bitwrk_protocol::ErrorCode;

fn derive_case(comment: &str, key: Key) -> Case {
    let kp = bitwrk_protocol::KeyPair::from_wif(&key.wif()).expect(comment);
    assert_eq!(kp.public_key().serialize(), key.pubkey());
    assert_eq!(kp.public_key().hash160().as_bytes(), &key.h160());
    assert_eq!(kp.address().to_string(), key.address());
    case(comment)
        .req(&["BW-KEY-4", "BW-ADDR-1", "BW-ENC-5"])
        .f("kind", "derive")
        .f("wif", key.wif())
        .f("publicKeyHex", hx(&key.pubkey()))
        .f("hash160Hex", hx(&key.h160()))
        .f("network", key.net.name())
        .f("address", key.address())
        .valid()
}

fn parse_case(
    comment: &str,
    address: &str,
    required: Option<Net>,
    expect: Result<(Net, [u8; 20]), &'static str>,
) -> Case {
    // The oracle agrees with the stated expectation, and so does the crate.
    let oracle = oracle_address(address).and_then(|(n, h)| match required {
        Some(r) if r != n => Err("addr.wrong-network"),
        _ => Ok((n, h)),
    });
    assert_eq!(oracle, expect, "{comment}");
    let got = match required {
        None => bitwrk_protocol::Address::parse(address),
        Some(n) => bitwrk_protocol::Address::parse_for(
            address,
            if n == Net::Main {
                bitwrk_protocol::Network::Mainnet
            } else {
                bitwrk_protocol::Network::Testnet
            },
        ),
    };
    let mut c = case(comment).f("kind", "parse").f("address", address);
    if let Some(n) = required {
        c = c.f("requiredNetwork", n.name());
    }
    match expect {
        Ok((net, h)) => {
            let a = got.expect(comment);
            assert_eq!(a.network().name(), net.name());
            assert_eq!(a.hash().as_bytes(), &h);
            assert_eq!(a.to_string(), address);
            c = c.f("network", net.name()).f("hash160Hex", hx(&h)).valid();
            c.req(&["BW-ADDR-2"])
        }
        Err(code) => {
            assert_eq!(got.expect_err(comment).code(), code, "{comment}");
            let req: &[&'static str] = if code == "addr.wrong-network" {
                &["BW-ADDR-3"]
            } else {
                &["BW-ADDR-2"]
            };
            c.req(req).invalid(code)
        }
    }
}

pub(crate) fn address_file() -> VFile {
    let mut go = Vec::new();
    for (wif, addr) in [
        (GO_WIF_UNCOMPRESSED, GO_ADDR_UNCOMPRESSED),
        (GO_WIF_COMPRESSED, GO_ADDR_COMPRESSED),
        (GO_WIF_DIGEST_KEY, GO_ADDR_DIGEST_KEY),
    ] {
        let key = Key::from_wif(wif);
        assert_eq!(key.address(), addr, "BitWrk 0.7 vector");
        go.push(derive_case("BitWrk 0.7 WIF to address", key).flag("BitWrk07"));
    }
    for addr in [
        GO_ADDR_UNCOMPRESSED,
        GO_ADDR_COMPRESSED,
        GO_ADDR_DIGEST_KEY,
        GO_ADDR_TEST,
    ] {
        let h = oracle_address(addr).unwrap().1;
        go.push(
            parse_case("BitWrk 0.7 test address", addr, None, Ok((Net::Main, h))).flag("BitWrk07"),
        );
    }

    let mut ext = Vec::new();
    for (wif, addr) in [
        (
            ELECTRUM_WIF_COMPRESSED,
            "15hETetDmcXm1mM4sEf7U2KXC9hDHFMSzz",
        ),
        (
            ELECTRUM_WIF_UNCOMPRESSED,
            "1GPHVTY8UD9my6jyP4tb2TYJwUbDetyNC6",
        ),
    ] {
        let key = Key::from_wif(wif);
        assert_eq!(key.address(), addr, "Electrum vector");
        ext.push(derive_case("Electrum test key to address", key));
    }
    assert_eq!(d1(false).address(), "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm");
    assert_eq!(d1(true).address(), "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
    ext.push(derive_case(
        "scalar 1 (the generator G), uncompressed (bitcoinjs-message)",
        d1(false),
    ));
    ext.push(derive_case(
        "scalar 1 (the generator G), compressed (bitcoinjs-message)",
        d1(true),
    ));

    let mut cases = vec![
        derive_case(
            "scalar n-1 (the point -G), compressed",
            Key::new(n_minus(1), true, Net::Main),
        ),
        derive_case(
            "scalar n-1 (the point -G), uncompressed",
            Key::new(n_minus(1), false, Net::Main),
        ),
        derive_case(
            "testnet key, compressed (version 0x6f)",
            Key::derived("addr-testnet-c", true, Net::Test),
        )
        .flag("Testnet"),
        derive_case(
            "testnet key, uncompressed",
            Key::derived("addr-testnet-u", false, Net::Test),
        )
        .flag("Testnet"),
        derive_case("compressed key with odd y (prefix 03)", {
            (0..)
                .map(|i| Key::derived(&format!("addr-odd-{i}"), true, Net::Main))
                .find(|k| k.pubkey()[0] == 3)
                .unwrap()
        }),
        derive_case("compressed key with even y (prefix 02)", {
            (0..)
                .map(|i| Key::derived(&format!("addr-even-{i}"), true, Net::Main))
                .find(|k| k.pubkey()[0] == 2)
                .unwrap()
        }),
    ];

    let zero = [0u8; 20];
    assert_eq!(address_of(Net::Main, &zero), "1111111111111111111114oLvT2");
    cases.push(parse_case(
        "all-zero hash160 (bitcoinjs-message's 'wrong address')",
        "1111111111111111111114oLvT2",
        None,
        Ok((Net::Main, zero)),
    ));
    cases.push(parse_case(
        "all-0xff hash160",
        &address_of(Net::Main, &[0xff; 20]),
        None,
        Ok((Net::Main, [0xff; 20])),
    ));
    let th = Key::derived("addr-testnet-c", true, Net::Test).h160();
    let taddr = address_of(Net::Test, &th);
    cases.push(
        parse_case(
            "testnet address (version 0x6f)",
            &taddr,
            None,
            Ok((Net::Test, th)),
        )
        .flag("Testnet"),
    );
    cases.push(
        parse_case(
            "testnet all-zero hash160",
            &address_of(Net::Test, &zero),
            None,
            Ok((Net::Test, zero)),
        )
        .flag("Testnet"),
    );
    let mh = oracle_address(GO_ADDR_TEST).unwrap().1;
    cases.push(parse_case(
        "mainnet address where mainnet is required",
        GO_ADDR_TEST,
        Some(Net::Main),
        Ok((Net::Main, mh)),
    ));
    cases.push(
        parse_case(
            "testnet address where testnet is required",
            &taddr,
            Some(Net::Test),
            Ok((Net::Test, th)),
        )
        .flag("Testnet"),
    );
    cases.push(
        parse_case(
            "testnet address where mainnet is required (the server)",
            &taddr,
            Some(Net::Main),
            Err("addr.wrong-network"),
        )
        .flag("WrongNetwork"),
    );
    cases.push(
        parse_case(
            "mainnet address where testnet is required",
            GO_ADDR_TEST,
            Some(Net::Test),
            Err("addr.wrong-network"),
        )
        .flag("WrongNetwork"),
    );

    let base = GO_ADDR_TEST;
    for (c, what) in [
        ('0', "digit zero"),
        ('O', "capital O"),
        ('I', "capital I"),
        ('l', "lower-case L"),
        (' ', "space"),
        ('ß', "non-ASCII ß"),
    ] {
        cases.push(
            parse_case(
                &format!("{what} inside the address"),
                &replace_char(base, 12, c),
                None,
                Err("addr.bad-encoding"),
            )
            .flag("MalformedAddress"),
        );
    }
    cases.push(
        parse_case("empty string", "", None, Err("addr.bad-encoding")).flag("MalformedAddress"),
    );
    cases.push(
        parse_case(
            "too short for a checksum (\"1111\")",
            "1111",
            None,
            Err("addr.bad-encoding"),
        )
        .flag("MalformedAddress"),
    );
    cases.push(
        parse_case(
            "bech32 address (contains '0', not base58)",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            None,
            Err("addr.bad-encoding"),
        )
        .flag("MalformedAddress"),
    );
    cases.push(
        parse_case(
            "trailing newline",
            &format!("{base}\n"),
            None,
            Err("addr.bad-encoding"),
        )
        .flag("MalformedAddress"),
    );
    let last = base.chars().count() - 1;
    cases.push(
        parse_case(
            "last character changed",
            &replace_char(base, last, other_b58(base.chars().last().unwrap())),
            None,
            Err("addr.bad-checksum"),
        )
        .flag("BadChecksum"),
    );
    cases.push(
        parse_case(
            "extra leading '1'",
            &format!("1{base}"),
            None,
            Err("addr.bad-checksum"),
        )
        .flag("BadChecksum"),
    );
    cases.push(
        parse_case(
            "upper-cased address",
            &base.to_uppercase().replace(['I', 'O'], "J"),
            None,
            Err("addr.bad-checksum"),
        )
        .flag("BadChecksum"),
    );
    let with_len = |n: usize| {
        let mut p = vec![0u8];
        p.extend((0..n).map(|i| i as u8 + 1));
        b58check_encode(&p)
    };
    cases.push(
        parse_case(
            "19-byte hash (20-byte payload)",
            &with_len(19),
            None,
            Err("addr.bad-length"),
        )
        .flag("BadLength"),
    );
    cases.push(
        parse_case(
            "21-byte hash (22-byte payload)",
            &with_len(21),
            None,
            Err("addr.bad-length"),
        )
        .flag("BadLength"),
    );
    cases.push(
        parse_case(
            "version byte only",
            &with_len(0),
            None,
            Err("addr.bad-length"),
        )
        .flag("BadLength"),
    );
    cases.push(
        parse_case(
            "a WIF private key given as an address",
            GO_WIF_COMPRESSED,
            None,
            Err("addr.bad-length"),
        )
        .flag("BadLength"),
    );
    let with_version = |v: u8| {
        let mut p = vec![v];
        p.extend_from_slice(&mh);
        b58check_encode(&p)
    };
    cases.push(
        parse_case(
            "P2SH address (version 0x05) from bitcoinjs-message",
            "3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN",
            None,
            Err("addr.unknown-version"),
        )
        .flag("UnknownVersion"),
    );
    cases.push(
        parse_case(
            "Dogecoin address (version 0x1e) from bitcoinjs-message",
            "DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE",
            None,
            Err("addr.unknown-version"),
        )
        .flag("UnknownVersion"),
    );
    for (v, what) in [
        (0x05u8, "0x05 (P2SH)"),
        (0xc4, "0xc4 (testnet P2SH)"),
        (0x01, "0x01"),
        (0x80, "0x80 (WIF version)"),
        (0x30, "0x30 (Litecoin)"),
    ] {
        cases.push(
            parse_case(
                &format!("version byte {what}"),
                &with_version(v),
                None,
                Err("addr.unknown-version"),
            )
            .flag("UnknownVersion"),
        );
    }

    VFile {
        stem: "address",
        ty: "P2pkhAddress",
        title: "P2PKH addresses: derivation from keys and parsing",
        header: vec![
            "kind=derive: from `wif`, the SEC1 public key is `publicKeyHex` (33 bytes if the WIF is compressed, else 65), its HASH160 is `hash160Hex`, and the address on the key's `network` is `address`.".into(),
            "kind=parse: parsing `address` gives `network` and `hash160Hex`, and formatting those gives `address` again; with `requiredNetwork`, other networks are rejected.".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A vector from BitWrk 0.7's own tests.", "Addresses that worked with BitWrk 0.7 would not work."),
            note("Testnet", "NETWORK", "A testnet key or address.", "Networks get mixed up."),
            note("WrongNetwork", "NETWORK", "An address of a known network where another network is required.", "A server accepts identities (and payments) on the wrong chain."),
            note("MalformedAddress", "MALFORMED_INPUT", "Not base58, or too short for a checksum.", "Lenient parsing gives one identity several spellings."),
            note("BadChecksum", "INTEGRITY", "The checksum does not match.", "Mistyped addresses are accepted."),
            note("BadLength", "MALFORMED_INPUT", "The payload is not 21 bytes.", "Truncated hashes are padded or sliced into some other identity."),
            note("UnknownVersion", "MALFORMED_INPUT", "A version byte that is neither 0x00 nor 0x6f (P2SH, other chains, WIF).", "Script-hash or foreign addresses are mistaken for public-key hashes."),
        ],
        groups: vec![
            group("bitwrk-0.7 common/bitcoin/addresses_test.go, bitsign_test.go", "0.7.0", go),
            group("electrum tests/test_bitcoin.py; bitcoinjs-message test/fixtures.json", "electrum master; bitcoinjs-message 32ba4960", ext),
            ours(cases),
        ],
        fields: vec![
            ("kind", s_enum(&["derive", "parse"])),
            ("wif", s_string()),
            ("publicKeyHex", s_pubkey()),
            ("hash160Hex", s_hex_len(20)),
            ("address", s_string()),
            ("requiredNetwork", s_network()),
            ("network", s_network()),
        ],
        rules: vec![
            rule(None, When::Always, &["kind"]),
            rule(Some("derive"), When::Always, &["wif", "publicKeyHex", "hash160Hex", "network", "address"]),
            rule(Some("parse"), When::Always, &["address"]),
            rule(Some("parse"), When::Valid, &["network", "hash160Hex"]),
        ],
    }
}

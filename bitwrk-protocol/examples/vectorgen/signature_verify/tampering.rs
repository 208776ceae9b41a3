//! One valid signature, tampered with: scalars, encodings of the signature,
//! the claimed address, the order of the checks, and networks.

use crate::{
    Case, Key, N, Net, add256, b58check_encode, b64, hx, n_minus, other_b58, replace_char,
    small256, sub256,
};

use super::{Base, Expect, high_s_twin, r_of, s_of, vcase, with_header, with_r, with_s};

pub(super) fn cases() -> Vec<Case> {
    let Base {
        key,
        msg,
        base,
        addr,
    } = super::base();
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
    t
}

//! `signature_sign.json`: deterministic message signing.

use crate::{
    Case, ELECTRUM_WIF_COMPRESSED, ELECTRUM_WIF_UNCOMPRESSED, GO_PLAINTEXT, GO_WIF_COMPRESSED,
    GO_WIF_DIGEST_KEY, GO_WIF_UNCOMPRESSED, J, Key, Net, VFile, Verdict, When, b64, case, d1,
    group, hx, msg_digest, n_minus, note, obj, oracle_verify, ours, rule, s_hex_len, s_pubkey,
    s_string,
};
use std::collections::BTreeSet;

fn sign_case(comment: &str, key: Key, msg: &str, expected: Option<&str>) -> Case {
    let sig = key.sign(msg.as_bytes());
    let sig_b64 = b64(&sig);
    if let Some(e) = expected {
        assert_eq!(sig_b64, e, "{comment}");
    }
    // Cross-check: the crate signs byte-identically and the signature verifies.
    let kp = bitwrk_protocol::KeyPair::from_wif(&key.wif()).unwrap();
    let ours = bitwrk_protocol::signature::sign_message(kp.private_key(), msg.as_bytes());
    assert_eq!(ours.to_base64(), sig_b64, "{comment}");
    assert!(matches!(
        oracle_verify(&key.address(), msg.as_bytes(), &sig_b64),
        Verdict::Valid { .. }
    ));
    case(comment)
        .req(&["BW-SIG-1", "BW-SIG-8"])
        .f("wif", key.wif())
        .f("message", msg)
        .f("address", key.address())
        .f("publicKeyHex", hx(&key.pubkey()))
        .f("digestHex", hx(&msg_digest(msg.as_bytes())))
        .f("recoveryId", i64::from((sig[0] - 27) & 3))
        .f("signature", sig_b64)
        .valid()
}

pub(crate) fn sign_file() -> VFile {
    let mut go = Vec::new();
    for wif in [GO_WIF_UNCOMPRESSED, GO_WIF_COMPRESSED] {
        go.push(sign_case("BitWrk 0.7 Test_SignMessage key and plaintext (0.7 signed with a zero nonce source; this is the RFC 6979 result)", Key::from_wif(wif), GO_PLAINTEXT, None).flag("BitWrk07"));
    }
    go.push(
        sign_case(
            "BitWrk 0.7 digest-test key and plaintext",
            Key::from_wif(GO_WIF_DIGEST_KEY),
            GO_PLAINTEXT,
            None,
        )
        .flag("BitWrk07"),
    );
    let ext = vec![
        sign_case(
            "V3: scalar 1, uncompressed (reproduced exactly)",
            d1(false),
            "vires is numeris",
            Some(
                "HF8nHqFr3K2UKYahhX3soVeoW8W1ECNbr0wfck7lzyXjCS5Q16Ek45zyBuy1Fiy9sTPKVgsqqOuPvbycuVSSVl8=",
            ),
        ),
        sign_case(
            "V4: scalar 1, compressed (reproduced exactly)",
            d1(true),
            "vires is numeris",
            Some(
                "IF8nHqFr3K2UKYahhX3soVeoW8W1ECNbr0wfck7lzyXjCS5Q16Ek45zyBuy1Fiy9sTPKVgsqqOuPvbycuVSSVl8=",
            ),
        ),
    ];
    let mut cases = vec![
        sign_case("G1: scalar 1, compressed, empty message", d1(true), "", Some("H/ekWyEiNs+vsqOX5k7LH3pPZfy9izgt6UYvcEGT9tf2FrGCBH9ZB1O0JtiULTJoDxEmmBJSI2FTGZQaBn83kbM=")),
        sign_case("G2: scalar 1, compressed, 300 x 'a' (CompactSize fd 2c 01)", d1(true), &"a".repeat(300), Some("IBfdToLz1Lngb2ByML7/oQap9Cdbh1jPPTPUQZoViqyOY+9ysDblD4TaOm16hUI+r1B+cnVmEcbYwn4FtsRhFrA=")),
        sign_case("G3: scalar 1, uncompressed, UTF-8 message", d1(false), "Virès is Numéris", Some("HJDqcya2uMFBCZxj8w5Z60WeJ4/jNoBOZQfekGl3KRzHB014sKZS4GssY9nnhAuLP/5VWXmNl02knlthYs4ZNPY=")),
        sign_case("Electrum compressed key", Key::from_wif(ELECTRUM_WIF_COMPRESSED), "Chancellor on brink of second bailout for banks", None),
        sign_case("Electrum uncompressed key", Key::from_wif(ELECTRUM_WIF_UNCOMPRESSED), "Electrum", None),
        sign_case("scalar n-1, compressed", Key::new(n_minus(1), true, Net::Main), "BitWrk", None),
        sign_case("testnet compressed key", Key::derived("sign-testnet-c", true, Net::Test), "hello testnet", None).flag("Testnet"),
        sign_case("testnet uncompressed key", Key::derived("sign-testnet-u", false, Net::Test), "hello testnet", None).flag("Testnet"),
        sign_case("BitWrk bid document", Key::from_wif(GO_WIF_COMPRESSED), "article=net.bitwrk%2Fgimp%2F0&type=BUY&price=mBTC1.5&address=1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8&nonce=0123456789abcdef0123456789abcdef", None).req(&["BW-DOC-3"]),
    ];
    // Cover all recovery ids 0 and 1 for both compression flags.
    let mut seen = BTreeSet::new();
    for i in 0..64 {
        let compressed = i % 2 == 0;
        let key = Key::derived(&format!("sign-{i}"), compressed, Net::Main);
        let msg = format!("vector message {i}");
        let recid = (key.sign(msg.as_bytes())[0] - 27) & 3;
        if seen.insert((compressed, recid)) {
            cases.push(sign_case(
                &format!(
                    "recovery id {recid}, {}",
                    if compressed {
                        "compressed"
                    } else {
                        "uncompressed"
                    }
                ),
                key,
                &msg,
                None,
            ));
        }
    }
    assert_eq!(seen.len(), 4);
    VFile {
        stem: "signature_sign",
        ty: "MessageSignatureSign",
        title: "Deterministic message signing (RFC 6979, low-S)",
        header: vec![
            "Signing `message` (UTF-8 bytes) with the key `wif` must give exactly `signature`: RFC 6979 nonce with no extra data, low-S, header 27 + recoveryId (+4 if the WIF is compressed).".into(),
            "Intermediate values: `address`, `publicKeyHex`, `digestHex`, `recoveryId`. Every signature here also verifies against `address`.".into(),
            "Expected signatures come from libsecp256k1 (and, for V3, V4, G1-G3, from the cited sources).".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "Key and message of BitWrk 0.7's signing test.", "BitWrk 0.7 used a random (in its test: all-zero) nonce source, so its signatures differ; this is the deterministic result the spec requires."),
            note("Testnet", "NETWORK", "A testnet key.", "The header byte and signature do not depend on the network; the address does."),
        ],
        groups: vec![
            group("bitwrk-0.7 common/bitcoin/bitsign_test.go", "0.7.0", go),
            group("bitcoinjs-message test/fixtures.json (sign)", "32ba4960", ext),
            ours(cases),
        ],
        fields: vec![
            ("wif", s_string()),
            ("message", s_string()),
            ("address", s_string()),
            ("publicKeyHex", s_pubkey()),
            ("digestHex", s_hex_len(32)),
            ("recoveryId", obj(vec![("type", "integer".into()), ("minimum", J::I(0)), ("maximum", J::I(3))])),
            ("signature", s_string()),
        ],
        rules: vec![rule(None, When::Always, &["wif", "message", "address", "publicKeyHex", "digestHex", "recoveryId", "signature"])],
    }
}

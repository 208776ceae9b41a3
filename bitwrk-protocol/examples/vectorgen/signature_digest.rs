//! `signature_digest.json`: the signed-message digest.

use crate::{
    Case, GO_DIGEST, GO_PLAINTEXT, VFile, When, case, compact_size, digest_prefix, group, hx,
    msg_digest, note, ours, rule, s_hex, s_hex_len, s_int, s_string,
};

fn digest_case(comment: &str, msg: &str) -> Case {
    let b = msg.as_bytes();
    let d = msg_digest(b);
    assert_eq!(
        bitwrk_protocol::signature::compact_size(b.len() as u64),
        compact_size(b.len())
    );
    case(comment)
        .req(&["BW-SIG-1"])
        .f("message", msg)
        .f("messageLength", b.len() as i64)
        .f("compactSizeHex", hx(&compact_size(b.len())))
        .f("preimagePrefixHex", hx(&digest_prefix(b.len())))
        .f("digestHex", hx(&d))
        .valid()
}

fn digest_known(comment: &str, msg: &str, expected: &str) -> Case {
    assert_eq!(hx(&msg_digest(msg.as_bytes())), expected, "{comment}");
    digest_case(comment, msg)
}

pub(crate) fn digest_file() -> VFile {
    let go = vec![
        digest_known(
            "BitWrk 0.7 Test_SignatureDigest (UTF-8 message with é)",
            GO_PLAINTEXT,
            GO_DIGEST,
        )
        .flag("BitWrk07")
        .req(&["BW-DOC-3"]),
    ];
    let ext = vec![
        digest_known(
            "H1: empty message",
            "",
            "80e795d4a4caadd7047af389d9f7f220562feb6196032e2131e10563352c4bcc",
        ),
        digest_known(
            "H2",
            "Vires is Numeris",
            "f8a5affbef4a3241b19067aa694562f64f513310817297089a8929a930f4f933",
        ),
        digest_known(
            "H3: UTF-8 message (è, é are two bytes each)",
            "Virès is Numéris",
            "af3d51b82a6694d76af5b49401d6f824d66cfce6f96213e606e7da95fe675f25",
        )
        .req(&["BW-DOC-3"]),
    ];
    // rust-bitcoin documents this digest only in reversed display order; the
    // raw digest starts with 9ce428d5 and ends with f8a6.
    let test_digest = hx(&msg_digest(b"test"));
    assert!(test_digest.starts_with("9ce428d5") && test_digest.ends_with("f8a6"));
    let mut cases = vec![
        digest_case("\"test\" (rust-bitcoin's signed_msg_hash unit vector; note rust-bitcoin displays it byte-reversed)", "test").flag("ByteOrder"),
        digest_case("one character", "a"),
        digest_case("message with a NUL byte", "a\u{0}b"),
        digest_case("message with CR LF", "line1\r\nline2"),
        digest_case("4-byte UTF-8 character (U+1F600)", "\u{1F600}"),
        digest_case("BitWrk bid document", "article=net.bitwrk%2Fgimp%2F0&type=BUY&price=mBTC1.5&address=13mgtNQiU7gCWpfmypGfijyX9jzqpPr6co&nonce=b58d10ad7eaf93e4246c069830e6e27f").req(&["BW-DOC-3"]),
    ];
    for (len, what) in [
        (252usize, "252 bytes: largest one-byte CompactSize (0xfc)"),
        (253, "253 bytes: smallest three-byte CompactSize (fd fd 00)"),
        (254, "254 bytes"),
        (255, "255 bytes (fd ff 00)"),
        (256, "256 bytes (fd 00 01)"),
        (300, "300 bytes (fd 2c 01), the G2 message"),
        (
            65535,
            "65535 bytes: largest three-byte CompactSize (fd ff ff)",
        ),
        (
            65536,
            "65536 bytes: smallest five-byte CompactSize (fe 00 00 01 00)",
        ),
    ] {
        cases.push(digest_case(what, &"a".repeat(len)).flag("CompactSizeBoundary"));
    }
    VFile {
        stem: "signature_digest",
        ty: "MessageSignatureDigest",
        title: "The digest signed for a message",
        header: vec![
            "digest = sha256d(0x18 ‖ \"Bitcoin Signed Message:\\n\" ‖ CompactSize(len) ‖ message), where message is the UTF-8 bytes of `message`.".into(),
            "Intermediate values: `messageLength` (bytes), `compactSizeHex`, and `preimagePrefixHex` (everything hashed before the message bytes). All digests are in byte order, not Bitcoin's reversed display order.".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "BitWrk 0.7's own digest vector.", "Signatures would not be compatible with BitWrk 0.7."),
            note("CompactSizeBoundary", "EDGE_CASE", "A message length at a CompactSize encoding boundary.", "A wrong length prefix changes every digest above 252 bytes."),
            note("ByteOrder", "REPRESENTATION", "A digest that other libraries show byte-reversed.", "Copying a reversed display value gives a wrong expected digest."),
        ],
        groups: vec![
            group("bitwrk-0.7 common/bitcoin/bitsign_test.go", "0.7.0", go),
            group("bitcoinjs-message test/fixtures.json magicHash", "32ba4960", ext),
            ours(cases),
        ],
        fields: vec![
            ("message", s_string()),
            ("messageLength", s_int(0)),
            ("compactSizeHex", s_hex()),
            ("preimagePrefixHex", s_hex()),
            ("digestHex", s_hex_len(32)),
        ],
        rules: vec![rule(None, When::Always, &["message", "messageLength", "compactSizeHex", "preimagePrefixHex", "digestHex"])],
    }
}

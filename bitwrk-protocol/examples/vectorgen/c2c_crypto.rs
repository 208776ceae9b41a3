//! `c2c_result` (AES-256-OFB, spec §19.8) and `c2c_receipt` (receipts, key
//! release and the proof of the buyer, §19.9, §19.11).
//!
//! The OFB keystream is built here from the bare AES-256 block function
//! (the `aes` crate) and checked against NIST SP 800-38A; the crate under
//! test uses the `ofb` mode crate. Receipt signatures come from
//! libsecp256k1 (RFC 6979), the crate's signer must agree.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use bitwrk_protocol::ErrorCode as _;
use bitwrk_protocol::c2c::receipt::Receipt;
use bitwrk_protocol::c2c::{ResultCipher, ResultKey, SellerTransfer, TxView};
use bitwrk_protocol::hash::Hash256;

use crate::c2c::ctr_bytes;
use crate::{
    Case, GO_ADDR_COMPRESSED, GO_ADDR_UNCOMPRESSED, GO_WIF_COMPRESSED, Key, VFile, When, b64, case,
    hx, note, ours, ref_escape, rule, s_enum, s_hex, s_hex_len, s_string, sha256, unhex,
};

/// OFB: keystream block i = AES_K(block i−1), block 0 = AES_K(IV).
fn oracle_ofb(key: &[u8; 32], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let cipher = aes::Aes256::new(&(*key).into());
    let mut fb: aes::Block = (*iv).into();
    let mut out = Vec::with_capacity(data.len());
    for piece in data.chunks(16) {
        cipher.encrypt_block(&mut fb);
        out.extend(piece.iter().zip(fb.iter()).map(|(a, b)| a ^ b));
    }
    out
}

fn result_case(comment: &str, key: [u8; 32], iv: [u8; 16], pt: &[u8]) -> Case {
    let ct = oracle_ofb(&key, &iv, pt);
    let k = ResultKey::from_byte_array(key);
    let mut buf = pt.to_vec();
    ResultCipher::with_iv(&k, &iv).apply(&mut buf);
    assert_eq!(buf, ct, "{comment}");
    if iv == [0; 16] {
        assert_eq!(bitwrk_protocol::c2c::crypt::apply(&k, pt), ct);
    }
    case(comment)
        .req(&["BW-C2C-19"])
        .f("keyHex", hx(&key))
        .f("ivHex", hx(&iv))
        .f("plaintextHex", hx(pt))
        .f("ciphertextHex", hx(&ct))
        .valid()
}

pub(crate) fn result_file() -> VFile {
    let nist_key: [u8; 32] =
        unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
            .try_into()
            .unwrap();
    let nist_iv: [u8; 16] = core::array::from_fn(|i| i as u8);
    let nist_pt = unhex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
    );
    let nist = result_case(
        "NIST SP 800-38A F.4.5 OFB-AES256.Encrypt (explicit IV)",
        nist_key,
        nist_iv,
        &nist_pt,
    )
    .flag("Nist");
    assert!(
        hx(&oracle_ofb(&nist_key, &nist_iv, &nist_pt))
            .starts_with("dc7e84bfda79164b7ecd8486985d3860")
    );
    let k1: [u8; 32] = sha256(b"c2c result key 1");
    let k2: [u8; 32] = sha256(b"c2c result key 2");
    let cases = vec![
        nist,
        result_case("zero IV, empty result", k1, [0; 16], &[]),
        result_case("zero IV, 1 byte", k1, [0; 16], &[0x42]),
        result_case(
            "zero IV, 16 zero bytes: the ciphertext is the first keystream block",
            k1,
            [0; 16],
            &[0; 16],
        ),
        result_case(
            "zero IV, 1000 bytes (not a multiple of 16)",
            k1,
            [0; 16],
            &ctr_bytes("result 1000", 1000),
        ),
        result_case(
            "another key, 33 bytes",
            k2,
            [0; 16],
            &ctr_bytes("result 33", 33),
        ),
    ];
    VFile {
        stem: "c2c_result",
        ty: "C2cResultEncryption",
        title: "AES-256-OFB result encryption",
        header: vec![
            "Encrypting `plaintextHex` with AES-256 in OFB mode under `keyHex` and IV `ivHex` gives `ciphertextHex`, of the same length; decrypting is the same operation (BW-C2C-19). The protocol's IV is always zero; the NIST case has its own.".into(),
        ],
        notes: vec![note("Nist", "KNOWN_ANSWER", "The public NIST SP 800-38A vector.", "The cipher or mode is wrong.")],
        groups: vec![ours(cases)],
        fields: vec![
            ("keyHex", s_hex_len(32)),
            ("ivHex", s_hex_len(16)),
            ("plaintextHex", s_hex()),
            ("ciphertextHex", s_hex()),
        ],
        rules: vec![rule(None, When::Always, &["keyHex", "ivHex", "plaintextHex", "ciphertextHex"])],
    }
}

fn sign_case(comment: &str, wif: &str, ct: &[u8]) -> Case {
    let key = Key::from_wif(wif);
    let h = sha256(ct);
    let msg = hx(&h);
    let sig = b64(&key.sign(msg.as_bytes()));
    let form = format!("encresulthash={msg}&encresulthashsig={}", ref_escape(&sig));
    let pk = bitwrk_protocol::PrivateKey::from_wif(wif).unwrap();
    let r = Receipt::sign(&pk, Hash256::from_byte_array(h));
    assert_eq!(r.signature.to_base64(), sig, "{comment}");
    assert_eq!(r.to_form(), form);
    case(comment)
        .req(&["BW-C2C-22", "BW-C2C-23"])
        .f("kind", "sign")
        .f("wif", wif)
        .f("ciphertextHex", hx(ct))
        .f("hashHex", msg.as_str())
        .f("signatureBase64", sig)
        .f("form", form)
        .valid()
}

fn verify_case(
    comment: &str,
    form: &str,
    buyer: &str,
    ct_hash: &[u8; 32],
    want: Result<(), &'static str>,
) -> Case {
    let tx = TxView {
        buyer: buyer.parse().unwrap(),
        work_hash: Hash256::from_byte_array([0; 32]),
        work_secret_hash: Hash256::from_byte_array([0; 32]),
    };
    let got = Receipt::from_form(form.as_bytes())
        .and_then(|r| r.verify(&tx.buyer, &Hash256::from_byte_array(*ct_hash)))
        .map(|_| ())
        .map_err(|e| e.code());
    assert_eq!(got, want, "{comment}");
    let c = case(comment)
        .req(&["BW-C2C-23", "BW-C2C-24"])
        .f("kind", "verify")
        .f("form", form)
        .f("buyer", buyer)
        .f("ciphertextHashHex", hx(ct_hash));
    match want {
        Ok(()) => c.valid(),
        Err(code) => c.invalid(code),
    }
}

fn proof_case(
    comment: &str,
    work_hash: [u8; 32],
    field: &str,
    secret_hash: [u8; 32],
    want: Result<(), &'static str>,
) -> Case {
    let tx = TxView {
        buyer: GO_ADDR_COMPRESSED.parse().unwrap(),
        work_hash: Hash256::from_byte_array(work_hash),
        work_secret_hash: Hash256::from_byte_array(secret_hash),
    };
    let got = SellerTransfer::check_buyer_secret(&tx, field.as_bytes())
        .map(|_| ())
        .map_err(|e| e.code());
    assert_eq!(got, want, "{comment}");
    let c = case(comment)
        .req(&["BW-C2C-29"])
        .f("kind", "buyer-proof")
        .f("workHashHex", hx(&work_hash))
        .f("buyerSecret", field)
        .f("workSecretHashHex", hx(&secret_hash));
    match want {
        Ok(()) => c.valid(),
        Err(code) => c.invalid(code),
    }
}

pub(crate) fn receipt_file() -> VFile {
    let ct = ctr_bytes("ciphertext", 777);
    let h = sha256(&ct);
    let key = Key::from_wif(GO_WIF_COMPRESSED);
    let msg = hx(&h);
    let sig = b64(&key.sign(msg.as_bytes()));
    let esc = ref_escape(&sig);
    let form = format!("encresulthash={msg}&encresulthashsig={esc}");
    let work = sha256(b"work");
    let secret = sha256(b"buyer secret");
    let wsh = sha256(&[work, secret].concat());
    let cases = vec![
        sign_case(
            "receipt of a 777-byte ciphertext, compressed key",
            GO_WIF_COMPRESSED,
            &ct,
        ),
        sign_case("receipt of an empty ciphertext", GO_WIF_COMPRESSED, &[]),
        sign_case("uncompressed key", crate::GO_WIF_UNCOMPRESSED, &ct[..100]),
        verify_case("valid receipt", &form, GO_ADDR_COMPRESSED, &h, Ok(())),
        verify_case(
            "fields in the other order",
            &format!("encresulthashsig={esc}&encresulthash={msg}"),
            GO_ADDR_COMPRESSED,
            &h,
            Ok(()),
        ),
        verify_case(
            "unescaped base64 ('+' becomes a space): refused",
            &format!("encresulthash={msg}&encresulthashsig={sig}"),
            GO_ADDR_COMPRESSED,
            &h,
            if sig.contains('+') {
                Err("c2c.bad-receipt")
            } else {
                Ok(())
            },
        ),
        verify_case(
            "hash of another ciphertext",
            &form,
            GO_ADDR_COMPRESSED,
            &sha256(b"other"),
            Err("c2c.receipt-hash-mismatch"),
        ),
        verify_case(
            "signed by someone else",
            &form,
            GO_ADDR_UNCOMPRESSED,
            &h,
            Err("c2c.receipt-signature"),
        ),
        verify_case(
            "signature field missing",
            &format!("encresulthash={msg}"),
            GO_ADDR_COMPRESSED,
            &h,
            Err("c2c.bad-receipt"),
        ),
        verify_case(
            "another field",
            &format!("{form}&txid=1"),
            GO_ADDR_COMPRESSED,
            &h,
            Err("c2c.bad-receipt"),
        ),
        verify_case(
            "hash field twice",
            &format!("{form}&encresulthash={msg}"),
            GO_ADDR_COMPRESSED,
            &h,
            Err("c2c.duplicate"),
        ),
        verify_case(
            "upper-case hash",
            &format!(
                "encresulthash={}&encresulthashsig={esc}",
                msg.to_uppercase()
            ),
            GO_ADDR_COMPRESSED,
            &h,
            Err("c2c.bad-receipt"),
        ),
        verify_case(
            "signature of 64 bytes",
            &format!(
                "encresulthash={msg}&encresulthashsig={}",
                ref_escape(&b64(&[1u8; 64]))
            ),
            GO_ADDR_COMPRESSED,
            &h,
            Err("c2c.bad-receipt"),
        ),
        proof_case("the buyer's secret", work, &hx(&secret), wsh, Ok(())),
        proof_case(
            "a guessed secret",
            work,
            &hx(&sha256(b"guess")),
            wsh,
            Err("c2c.not-buyer"),
        )
        .flag("Stranger"),
        proof_case(
            "the work secret hash itself",
            work,
            &hx(&wsh),
            wsh,
            Err("c2c.not-buyer"),
        )
        .flag("Stranger"),
        proof_case(
            "upper-case hex",
            work,
            &hx(&secret).to_uppercase(),
            wsh,
            Err("c2c.bad-buyer-secret"),
        ),
        proof_case(
            "63 characters",
            work,
            &hx(&secret)[..63],
            wsh,
            Err("c2c.bad-buyer-secret"),
        ),
        proof_case(
            "a trailing line feed",
            work,
            &format!("{}\n", hx(&secret)),
            wsh,
            Err("c2c.bad-buyer-secret"),
        ),
    ];
    VFile {
        stem: "c2c_receipt",
        ty: "C2cReceipt",
        title: "Receipts, key release and the proof of the buyer",
        header: vec![
            "kind=sign: the buyer signs the lower-case hex SHA-256 `hashHex` of `ciphertextHex` with `wif` (RFC 6979) giving `signatureBase64`, and posts `form` (BW-C2C-22, BW-C2C-23).".into(),
            "kind=verify: a seller whose ciphertext hashes to `ciphertextHashHex` parses `form` and checks it for the transaction's `buyer` before releasing the key (BW-C2C-24).".into(),
            "kind=buyer-proof: a seller checks the `buyersecret` field `buyerSecret` against `workHashHex` and `workSecretHashHex` (BW-C2C-29).".into(),
        ],
        notes: vec![note("Stranger", "AUTHENTICATION", "A request by someone who knows only the public transaction.", "Anyone could start or disturb the transfer.")],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["sign", "verify", "buyer-proof"])),
            ("wif", s_string()),
            ("ciphertextHex", s_hex()),
            ("hashHex", s_hex_len(32)),
            ("signatureBase64", s_string()),
            ("form", s_string()),
            ("buyer", s_string()),
            ("ciphertextHashHex", s_hex_len(32)),
            ("workHashHex", s_hex_len(32)),
            ("buyerSecret", s_string()),
            ("workSecretHashHex", s_hex_len(32)),
        ],
        rules: vec![
            rule(Some("sign"), When::Always, &["wif", "ciphertextHex", "hashHex", "signatureBase64", "form"]),
            rule(Some("verify"), When::Always, &["form", "buyer", "ciphertextHashHex"]),
            rule(Some("buyer-proof"), When::Always, &["workHashHex", "buyerSecret", "workSecretHashHex"]),
        ],
    }
}

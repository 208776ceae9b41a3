//! The runner for `signature_legacy.json` (type `MessageSignatureLegacy07`):
//! BitWrk 0.7's legacy digest and verification in strict and compatible
//! mode, in single and in batch verification (BW-SIG-13 … BW-SIG-15).

use bitwrk_protocol::encoding::{base64, hex};
use bitwrk_protocol::signature::{
    self, SignatureError, SignedMessage, Verifier, VerifyError, VerifyMode, compact_size,
    compact_size_07, legacy_07_differs, legacy_07_digest, message_digest,
};
use bitwrk_protocol::{Address, ErrorCode, Signature};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

fn field<'a>(t: &'a Value, k: &str) -> Result<&'a str, String> {
    t[k].as_str().ok_or_else(|| format!("field {k:?} missing"))
}

fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

// BW-SIG-1, BW-SIG-13, BW-SIG-14, BW-SIG-15
pub fn signature_legacy_case(t: &Value) -> Result<(), String> {
    let msg = field(t, "message")?.as_bytes();
    eq(
        "digest",
        message_digest(msg).to_string(),
        field(t, "digestHex")?.to_owned(),
    )?;
    eq(
        "legacy digest",
        legacy_07_digest(msg).to_string(),
        field(t, "legacyDigestHex")?.to_owned(),
    )?;
    match field(t, "kind")? {
        "digest" => digest(t, msg),
        "verify" => verify(t, msg),
        k => Err(format!("unknown kind {k:?}")),
    }
}

fn digest(t: &Value, msg: &[u8]) -> Result<(), String> {
    let len = msg.len() as u64;
    eq(
        "messageLength",
        Some(msg.len() as i64),
        t["messageLength"].as_i64(),
    )?;
    eq(
        "CompactSize",
        hex::encode(&compact_size(len)),
        field(t, "compactSizeHex")?.to_owned(),
    )?;
    eq(
        "0.7 length",
        hex::encode(&compact_size_07(len)),
        field(t, "legacyCompactSizeHex")?.to_owned(),
    )?;
    eq(
        "digestsDiffer",
        Some(legacy_07_differs(len)),
        t["digestsDiffer"].as_bool(),
    )?;
    eq("result", field(t, "result")?, "valid")
}

fn mode_of(t: &Value) -> Result<VerifyMode, String> {
    match field(t, "mode")? {
        "strict" => Ok(VerifyMode::Strict),
        "compat-07" => Ok(VerifyMode::Compat07),
        m => Err(format!("unknown mode {m:?}")),
    }
}

fn verify(t: &Value, msg: &[u8]) -> Result<(), String> {
    let mode = mode_of(t)?;
    let addr = field(t, "address")?;
    let sig_text = field(t, "signature")?;
    eq(
        "decoded signature",
        base64::decode(sig_text).map(|b| hex::encode(&b)).ok(),
        Some(field(t, "signatureHex")?.to_owned()),
    )?;
    let got = signature::verify_message_text_in(mode, addr, msg, sig_text);
    if let (Some(want), Err(e)) = (t["recoveredAddress"].as_str(), &got) {
        match e {
            VerifyError::Signature(SignatureError::AddressMismatch { recovered }) => {
                eq("recovered address", recovered.to_string(), want.to_owned())?;
            }
            other => return Err(format!("expected an address mismatch, got {other}")),
        }
    }
    let single = got.as_ref().map(|_| ()).map_err(|e| e.code());
    match (field(t, "result")?, &single) {
        ("valid", Ok(())) => check_valid(t, msg, sig_text)?,
        ("invalid", Err(code)) => eq("error code", *code, field(t, "error")?)?,
        (want, got) => return Err(format!("expected {want}, got {got:?}")),
    }
    // The same verdict in batch verification, cold and with the signer
    // cached (BW-SIG-15).
    let address = Address::parse(addr).map_err(|e| e.to_string())?;
    let sig = Signature::from_base64(sig_text).map_err(|e| e.to_string())?;
    let items = [SignedMessage::new(address, msg, sig); 3];
    let mut verifier = Verifier::with_mode(4, mode);
    let mut rng = StdRng::seed_from_u64(1);
    for round in ["cold", "cached"] {
        let verdicts: Vec<Result<(), &str>> = verifier
            .verify_batch(&items, &mut rng)
            .into_iter()
            .map(|v| v.map_err(|e| e.code()))
            .collect();
        eq(
            &format!("{round} batch verdicts"),
            verdicts,
            vec![single; 3],
        )?;
    }
    Ok(())
}

/// A valid case: the recovered key, and which digest made it valid.
fn check_valid(t: &Value, msg: &[u8], sig_text: &str) -> Result<(), String> {
    let sig = Signature::from_base64(sig_text).map_err(|e| e.to_string())?;
    let under = field(t, "verifiedUnder")?;
    let digest = match under {
        "bitcoin" => message_digest(msg),
        "legacy-07" => legacy_07_digest(msg),
        u => return Err(format!("unknown verifiedUnder {u:?}")),
    };
    let key = sig.recover(&digest).map_err(|e| e.to_string())?;
    eq(
        "recovered public key",
        hex::encode(&key.serialize()),
        field(t, "publicKeyHex")?.to_owned(),
    )?;
    if under == "legacy-07" {
        // Valid only because of the mode: strict verification refuses it.
        let strict = signature::verify_message_text_in(
            VerifyMode::Strict,
            field(t, "address")?,
            msg,
            sig_text,
        );
        eq(
            "strict verdict",
            strict.map_err(|e| e.code()).err(),
            Some("sig.address-mismatch"),
        )?;
    }
    Ok(())
}

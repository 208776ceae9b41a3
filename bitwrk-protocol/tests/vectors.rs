//! Runs the language-neutral vectors in `spec/vectors/` against this crate.
//!
//! * one trial `<stem>#schema` per file: JSON Schema validation plus the
//!   invariants listed in `spec/vectors/INDEX.md` (unique consecutive tcIds,
//!   `numberOfTests`, `error` present exactly for invalid cases, flags
//!   documented in `notes`, every `req` ID defined in the spec);
//! * one trial `<stem>#<tcId>` per case, checking the crate's result, every
//!   expected output and, for invalid cases, the exact machine code
//!   (`ErrorCode::code`);
//! * a file whose `type` this runner does not know fails the run, so new
//!   vector files cannot be skipped silently.
//!
//! Filter as usual: `cargo test -p bitwrk-protocol --test vectors -- signature_verify#`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bitwrk_protocol::address::Network;
use bitwrk_protocol::encoding::{base58, base64, hex};
use bitwrk_protocol::hash::{hash160, sha256d};
use bitwrk_protocol::money::{Currency, Money, Unit};
use bitwrk_protocol::signature::{
    self, MESSAGE_MAGIC, SignatureError, VerifyError, compact_size, message_digest,
};
use bitwrk_protocol::{Address, ErrorCode, KeyPair, PrivateKey};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

#[path = "support/market_vectors.rs"]
mod market;
#[path = "support/scenario_vectors.rs"]
mod scenario;

#[path = "support/text_vectors.rs"]
mod text;

#[path = "support/legacy_vectors.rs"]
mod legacy;

#[path = "support/c2c_vectors.rs"]
mod c2c;

type Check = fn(&Value) -> Result<(), String>;

/// The runner for each vector `type`. A type missing here fails the run.
fn runner_for(ty: &str) -> Option<Check> {
    Some(match ty {
        "Base58CheckDecode" => base58check,
        "WifDecode" => wif,
        "P2pkhAddress" => address,
        "MessageSignatureDigest" => signature_digest,
        "MessageSignatureSign" => signature_sign,
        "MessageSignatureVerify" => signature_verify,
        "MessageSignatureLegacy07" => legacy::signature_legacy_case,
        "MoneyParse" => money_parse,
        "MoneyFormat" => money_format,
        "MoneyJson" => money_json,
        "DocumentEscape" => document_escape,
        "BidDocument" => market::bid_document_case,
        "TxMessageDocument" => market::tx_document_case,
        "OrderBookMatching" => market::matching_case,
        "TransactionTrace" => market::tx_trace_case,
        "LedgerScenario" => market::ledger_case,
        "NonceScenario"
        | "RelationScenario"
        | "DepositScenario"
        | "MarketScenario"
        | "DepositAddressScenario" => scenario::scenario_case,
        "Rfc3339Time" => text::time_case,
        "IdentifierText" => text::identifier_case,
        "JsonForms" => text::json_forms_case,
        "C2cChunking" => c2c::chunking_case,
        "C2cSyncInfo" => c2c::syncinfo_case,
        "C2cShuffle" => c2c::shuffle_case,
        "C2cVarint" => c2c::varint_case,
        "C2cWishlist" => c2c::wishlist_case,
        "C2cChunkData" => c2c::chunkdata_case,
        "C2cProbe" => c2c::probe_case,
        "C2cResultEncryption" => c2c::result_case,
        "C2cReceipt" => c2c::receipt_case,
        "C2cAssist" => c2c::assist_case,
        _ => return None,
    })
}

/// IDs defined in the spec as `**[BW-AREA-n]**`.
fn known_requirements(spec_dir: &Path) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(spec_dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "md") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for part in text.split("**[").skip(1) {
                    if let Some((id, _)) = part.split_once("]**")
                        && id.starts_with("BW-")
                    {
                        ids.insert(id.to_owned());
                    }
                }
            }
        }
    }
    assert!(
        !ids.is_empty(),
        "the spec under {} defines no requirement IDs",
        spec_dir.display()
    );
    ids
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("spec").join("vectors");
    let known = Arc::new(known_requirements(&root.join("spec")));
    let mut trials = Vec::new();

    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        let shown = dir.display().to_string();
        trials.push(Trial::test("vectors#present", move || {
            Err(format!("no vector files in {shown}").into())
        }));
    }

    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()));
        let doc = match parsed {
            Ok(v) => Arc::new(v),
            Err(e) => {
                trials.push(Trial::test(format!("{stem}#json"), move || {
                    Err(format!("not valid JSON: {e}").into())
                }));
                continue;
            }
        };
        {
            let doc = Arc::clone(&doc);
            let dir = dir.clone();
            let known = Arc::clone(&known);
            let stem2 = stem.clone();
            trials.push(Trial::test(format!("{stem}#schema"), move || {
                check_file(&dir, &stem2, &doc, &known).map_err(Failed::from)
            }));
        }
        let ty = doc["type"].as_str().unwrap_or("").to_owned();
        let Some(check) = runner_for(&ty) else {
            trials.push(Trial::test(format!("{stem}#type"), move || {
                Err(format!("unknown vector type {ty:?}: add a runner for it").into())
            }));
            continue;
        };
        for group in doc["testGroups"].as_array().into_iter().flatten() {
            for test in group["tests"].as_array().into_iter().flatten() {
                let id = test["tcId"].as_i64().unwrap_or(0);
                let test = test.clone();
                trials.push(Trial::test(format!("{stem}#{id}"), move || {
                    check(&test).map_err(|e| {
                        Failed::from(format!(
                            "{e}\n  comment: {}\n  flags: {}",
                            test["comment"], test["flags"]
                        ))
                    })
                }));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Schema validity and the invariants of `spec/vectors/INDEX.md`.
fn check_file(dir: &Path, stem: &str, doc: &Value, known: &BTreeSet<String>) -> Result<(), String> {
    let schema_name = doc["schema"].as_str().ok_or("missing \"schema\"")?;
    let expected_schema = format!("schema/{stem}.schema.json");
    if schema_name != expected_schema {
        return Err(format!(
            "\"schema\" is {schema_name:?}, expected {expected_schema:?}"
        ));
    }
    let schema_text = std::fs::read_to_string(dir.join(schema_name))
        .map_err(|e| format!("cannot read {schema_name}: {e}"))?;
    let schema: Value = serde_json::from_str(&schema_text)
        .map_err(|e| format!("{schema_name} is not JSON: {e}"))?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| format!("{schema_name} is not a valid schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(format!("schema violations:\n  {}", errors.join("\n  ")));
    }

    let notes: BTreeSet<&str> = doc["notes"]
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut expected_id = 1;
    for group in doc["testGroups"].as_array().into_iter().flatten() {
        for t in group["tests"].as_array().into_iter().flatten() {
            let id = t["tcId"].as_i64().ok_or("tcId missing")?;
            if id != expected_id {
                return Err(format!(
                    "tcId {id} found where {expected_id} was expected (tcIds are unique and consecutive)"
                ));
            }
            expected_id += 1;
            let invalid = t["result"] == "invalid";
            if invalid != t.get("error").is_some() {
                return Err(format!("tcId {id}: \"error\" must be present iff invalid"));
            }
            for f in t["flags"].as_array().into_iter().flatten() {
                let f = f.as_str().unwrap_or("");
                if !notes.contains(f) {
                    return Err(format!("tcId {id}: flag {f:?} has no entry in notes"));
                }
            }
            for r in t["req"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap_or("");
                if !known.contains(r) {
                    return Err(format!(
                        "tcId {id}: requirement {r} is not defined in the spec"
                    ));
                }
            }
        }
    }
    let count = expected_id - 1;
    if doc["numberOfTests"].as_i64() != Some(count) {
        return Err(format!(
            "numberOfTests is {}, but the file has {count} tests",
            doc["numberOfTests"]
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn field<'a>(t: &'a Value, k: &str) -> Result<&'a str, String> {
    t[k].as_str().ok_or_else(|| format!("field {k:?} missing"))
}

fn opt<'a>(t: &'a Value, k: &str) -> Option<&'a str> {
    t[k].as_str()
}

fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    ::hex::decode(s).map_err(|e| format!("bad hex in vector: {e}"))
}

fn amount(t: &Value, k: &str) -> Result<i64, String> {
    field(t, k)?
        .parse()
        .map_err(|e| format!("{k} is not an i64: {e}"))
}

fn currency(t: &Value, k: &str) -> Result<Currency, String> {
    field(t, k)?
        .parse()
        .map_err(|e: bitwrk_protocol::money::MoneyError| e.to_string())
}

fn network(name: &str) -> Result<Network, String> {
    Network::ALL
        .into_iter()
        .find(|n| n.name() == name)
        .ok_or_else(|| format!("unknown network {name:?}"))
}

/// Compares an outcome with `result`/`error`; `check` inspects a success.
fn outcome<T, E: ErrorCode>(
    t: &Value,
    got: Result<T, E>,
    check: impl FnOnce(T) -> Result<(), String>,
) -> Result<(), String> {
    match (field(t, "result")?, got) {
        ("valid", Ok(v)) => check(v),
        ("valid", Err(e)) => Err(format!("expected success, got {} ({e})", e.code())),
        ("invalid", Ok(_)) => Err(format!(
            "expected error {}, got success",
            field(t, "error")?
        )),
        ("invalid", Err(e)) => eq("error code", e.code(), field(t, "error")?),
        ("acceptable", _) => Ok(()),
        (other, _) => Err(format!("unknown result {other:?}")),
    }
}

// ---------------------------------------------------------------------------
// Per-type checks
// ---------------------------------------------------------------------------

// BW-ENC-3, BW-ENC-4
fn base58check(t: &Value) -> Result<(), String> {
    let input = field(t, "input")?;
    outcome(t, base58::decode_check(input), |payload| {
        eq(
            "payload",
            hex::encode(&payload),
            field(t, "payloadHex")?.to_owned(),
        )?;
        eq(
            "checksum",
            hex::encode(&sha256d(&payload).as_bytes()[..4]),
            field(t, "checksumHex")?.to_owned(),
        )?;
        eq(
            "re-encoding",
            base58::encode_check(&payload),
            input.to_owned(),
        )
    })
}

// BW-KEY-1, BW-KEY-2, BW-KEY-3
fn wif(t: &Value) -> Result<(), String> {
    let w = field(t, "wif")?;
    outcome(t, PrivateKey::from_wif(w), |key| {
        let net = network(field(t, "network")?)?;
        let compressed = t["compressed"].as_bool().ok_or("compressed missing")?;
        eq("network", key.network(), net)?;
        eq("compressed", key.is_compressed(), compressed)?;
        eq("re-encoding", key.to_wif(), w.to_owned())?;
        let secret: [u8; 32] = unhex(field(t, "secretHex")?)?
            .try_into()
            .map_err(|_| "secretHex is not 32 bytes")?;
        let from_secret = PrivateKey::from_secret_bytes(&secret, compressed, net)
            .map_err(|e| format!("secretHex rejected: {e}"))?;
        eq("WIF of secretHex", from_secret.to_wif(), w.to_owned())?;
        eq("public key", from_secret.public_key(), key.public_key())
    })
}

// BW-KEY-4, BW-ADDR-1, BW-ADDR-2, BW-ADDR-3, BW-ENC-5
fn address(t: &Value) -> Result<(), String> {
    match field(t, "kind")? {
        "derive" => outcome(t, KeyPair::from_wif(field(t, "wif")?), |kp| {
            let pk = kp.public_key().serialize();
            eq(
                "public key",
                hex::encode(&pk),
                field(t, "publicKeyHex")?.to_owned(),
            )?;
            eq(
                "hash160",
                kp.public_key().hash160().to_string(),
                field(t, "hash160Hex")?.to_owned(),
            )?;
            eq(
                "address",
                kp.address().to_string(),
                field(t, "address")?.to_owned(),
            )?;
            let net = network(field(t, "network")?)?;
            eq("network", kp.address().network(), net)?;
            // The address also follows from the public key bytes alone.
            eq(
                "address from publicKeyHex",
                Address::new(net, hash160(&unhex(field(t, "publicKeyHex")?)?)).to_string(),
                field(t, "address")?.to_owned(),
            )
        }),
        "parse" => {
            let text = field(t, "address")?;
            let got = match opt(t, "requiredNetwork") {
                Some(n) => Address::parse_for(text, network(n)?),
                None => Address::parse(text),
            };
            outcome(t, got, |a| {
                eq("network", a.network(), network(field(t, "network")?)?)?;
                eq(
                    "hash160",
                    a.hash().to_string(),
                    field(t, "hash160Hex")?.to_owned(),
                )?;
                eq("canonical text", a.to_string(), text.to_owned())
            })
        }
        k => Err(format!("unknown kind {k:?}")),
    }
}

// BW-SIG-1
fn signature_digest(t: &Value) -> Result<(), String> {
    let msg = field(t, "message")?.as_bytes();
    eq(
        "messageLength",
        msg.len() as i64,
        t["messageLength"].as_i64().ok_or("messageLength missing")?,
    )?;
    let cs = compact_size(msg.len() as u64);
    eq(
        "CompactSize",
        hex::encode(&cs),
        field(t, "compactSizeHex")?.to_owned(),
    )?;
    let prefix = [&MESSAGE_MAGIC[..], &cs].concat();
    eq(
        "preimage prefix",
        hex::encode(&prefix),
        field(t, "preimagePrefixHex")?.to_owned(),
    )?;
    eq(
        "digest",
        message_digest(msg).to_string(),
        field(t, "digestHex")?.to_owned(),
    )?;
    eq("result", field(t, "result")?, "valid")
}

// BW-SIG-8 (and BW-SIG-1, BW-SIG-9 for the intermediate values)
fn signature_sign(t: &Value) -> Result<(), String> {
    let kp = KeyPair::from_wif(field(t, "wif")?).map_err(|e| e.to_string())?;
    let msg = field(t, "message")?.as_bytes();
    eq(
        "address",
        kp.address().to_string(),
        field(t, "address")?.to_owned(),
    )?;
    eq(
        "public key",
        hex::encode(&kp.public_key().serialize()),
        field(t, "publicKeyHex")?.to_owned(),
    )?;
    eq(
        "digest",
        message_digest(msg).to_string(),
        field(t, "digestHex")?.to_owned(),
    )?;
    let sig = signature::sign_message(kp.private_key(), msg);
    eq(
        "signature",
        sig.to_base64(),
        field(t, "signature")?.to_owned(),
    )?;
    eq(
        "recovery id",
        i64::from(sig.recovery_id()),
        t["recoveryId"].as_i64().ok_or("recoveryId missing")?,
    )?;
    eq("low-S", sig.is_high_s(), false)?;
    signature::verify_message_text(field(t, "address")?, msg, field(t, "signature")?)
        .map(|_| ())
        .map_err(|e| format!("own signature does not verify: {} ({e})", e.code()))?;
    eq("result", field(t, "result")?, "valid")
}

// BW-SIG-2 … BW-SIG-11, BW-ADDR-2
fn signature_verify(t: &Value) -> Result<(), String> {
    let addr = field(t, "address")?;
    let msg = field(t, "message")?.as_bytes();
    let sig_text = field(t, "signature")?;
    let digest = message_digest(msg);
    eq(
        "digest",
        digest.to_string(),
        field(t, "digestHex")?.to_owned(),
    )?;
    if let Some(h) = opt(t, "signatureHex") {
        eq(
            "decoded signature",
            base64::decode(sig_text).map(|b| hex::encode(&b)).ok(),
            Some(h.to_owned()),
        )?;
    }
    let got = signature::verify_message_text(addr, msg, sig_text);
    if let (Some(want), Err(e)) = (opt(t, "recoveredAddress"), &got) {
        match e {
            VerifyError::Signature(SignatureError::AddressMismatch { recovered }) => {
                eq("recovered address", recovered.to_string(), want.to_owned())?;
            }
            other => return Err(format!("expected an address mismatch, got {other}")),
        }
    }
    outcome(t, got, |_| {
        let sig = bitwrk_protocol::Signature::from_base64(sig_text).map_err(|e| e.to_string())?;
        let key = sig.recover(&digest).map_err(|e| e.to_string())?;
        eq(
            "recovered public key",
            hex::encode(&key.serialize()),
            field(t, "publicKeyHex")?.to_owned(),
        )
    })
}

// BW-MONEY-1 … BW-MONEY-7, BW-MONEY-10
fn money_parse(t: &Value) -> Result<(), String> {
    let input = field(t, "input")?;
    match field(t, "kind")? {
        "amount" => outcome(t, Money::parse(input), |m| {
            eq("amount", m.amount(), amount(t, "amount")?)?;
            eq("currency", m.currency(), currency(t, "currency")?)?;
            eq(
                "canonical",
                m.to_string(),
                field(t, "canonical")?.to_owned(),
            )
        }),
        "currency" => outcome(t, input.parse::<Currency>(), |c| {
            eq("currency", c.code(), field(t, "currency")?)
        }),
        k => Err(format!("unknown kind {k:?}")),
    }
}

// BW-MONEY-6, BW-MONEY-7, BW-MONEY-9
fn money_format(t: &Value) -> Result<(), String> {
    let a = amount(t, "amount")?;
    match field(t, "kind")? {
        "canonical" => {
            let m = Money::new(a, currency(t, "currency")?);
            eq("unit", m.canonical_unit().symbol, field(t, "unit")?)?;
            let text = field(t, "text")?;
            eq("text", m.to_string(), text.to_owned())?;
            let reparses = t["reparses"].as_bool().ok_or("reparses missing")?;
            match Money::parse(text) {
                Ok(back) if reparses => eq("re-parsed", back, m)?,
                Err(_) if !reparses => {}
                other => return Err(format!("re-parsing {text:?} gave {other:?}")),
            }
            eq("result", field(t, "result")?, "valid")
        }
        "formatIn" => {
            let sym = field(t, "unit")?;
            let unit = Unit::from_symbol(sym).ok_or_else(|| format!("unknown unit {sym:?}"))?;
            let with_symbol = t["withSymbol"].as_bool().ok_or("withSymbol missing")?;
            let got = Money::new(a, currency(t, "currency")?).format_in(unit, with_symbol);
            outcome(t, got, |s| eq("text", s, field(t, "text")?.to_owned()))
        }
        "formatAmount" => {
            let factor = t["factor"].as_i64().ok_or("factor: not an integer")?;
            let unit = Unit {
                symbol: "",
                currency: Currency::Btc,
                factor,
                selectable: false,
            };
            let got = Money::new(a, Currency::Btc).format_in(&unit, false);
            outcome(t, got, |s| eq("text", s, field(t, "text")?.to_owned()))
        }
        "arithmetic" => {
            let lhs = Money::new(a, currency(t, "currency")?);
            let rhs = || -> Result<Money, String> {
                Ok(Money::new(
                    amount(t, "rhsAmount")?,
                    currency(t, "rhsCurrency")?,
                ))
            };
            let got = match field(t, "op")? {
                "add" => lhs.checked_add(rhs()?),
                "sub" => lhs.checked_sub(rhs()?),
                "neg" => lhs.checked_neg(),
                op => return Err(format!("unknown op {op:?}")),
            };
            outcome(t, got, |m| {
                eq("result amount", m.amount(), amount(t, "resultAmount")?)?;
                eq("result currency", m.currency(), lhs.currency())
            })
        }
        k => Err(format!("unknown kind {k:?}")),
    }
}

// BW-MONEY-8
fn money_json(t: &Value) -> Result<(), String> {
    let json = field(t, "json")?;
    match field(t, "kind")? {
        "decode" => {
            let value: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
            let text = value.as_str().ok_or("json is not a JSON string")?;
            let via_serde = serde_json::from_str::<Money>(json);
            outcome(t, Money::parse(text), |m| {
                eq("amount", m.amount(), amount(t, "amount")?)?;
                eq("currency", m.currency(), currency(t, "currency")?)?;
                eq("serde decoding", via_serde.as_ref().ok(), Some(&m))?;
                eq(
                    "canonical JSON",
                    serde_json::to_string(&m).map_err(|e| e.to_string())?,
                    field(t, "canonicalJson")?.to_owned(),
                )
            })?;
            if field(t, "result")? == "invalid" && via_serde.is_ok() {
                return Err("serde decoding accepted an invalid amount".into());
            }
            Ok(())
        }
        "encode" => {
            let m = Money::new(amount(t, "amount")?, currency(t, "currency")?);
            eq(
                "JSON",
                serde_json::to_string(&m).map_err(|e| e.to_string())?,
                json.to_owned(),
            )?;
            eq("result", field(t, "result")?, "valid")
        }
        k => Err(format!("unknown kind {k:?}")),
    }
}

// BW-DOC-1, BW-DOC-2
fn document_escape(t: &Value) -> Result<(), String> {
    let input = field(t, "input")?;
    let got = match field(t, "kind")? {
        "queryEscape" => bitwrk_protocol::document::query_escape(input),
        "normalize" => bitwrk_protocol::document::normalize(input),
        k => return Err(format!("unknown kind {k:?}")),
    };
    eq("output", got, field(t, "output")?.to_owned())?;
    eq("result", field(t, "result")?, "valid")
}

//! Runners for the `c2c_*.json` vectors (spec §19, BW-C2C-*). Included by
//! `tests/vectors.rs`.

use bitwrk_protocol::c2c::chunkstream::ChunkDataReader;
use bitwrk_protocol::c2c::receipt::Receipt;
use bitwrk_protocol::c2c::{
    self, Capabilities, ChunkInfo, ChunkedWork, FileChunker, Mode, Permutation, ResultCipher,
    ResultKey, SellerTransfer, SyncInfo, TxView,
};
use bitwrk_protocol::hash::{Hash256, sha256};
use bitwrk_protocol::{ErrorCode, PrivateKey};
use serde_json::{Value, json};

use super::{eq, field, outcome, unhex};

fn int(t: &Value, k: &str) -> Result<i64, String> {
    t[k].as_i64().ok_or_else(|| format!("{k} missing"))
}

fn hash(s: &str) -> Result<Hash256, String> {
    s.parse().map_err(|e| format!("{e}"))
}

/// Compares a code-or-success with the case's `result` and `error`.
fn verdict(t: &Value, got: Result<(), &str>) -> Result<(), String> {
    match (field(t, "result")?, got) {
        ("valid", Ok(())) => Ok(()),
        ("valid", Err(e)) => Err(format!("expected success, got {e}")),
        ("invalid", Ok(())) => Err(format!("expected {}, got success", field(t, "error")?)),
        ("invalid", Err(e)) => eq("error", e, field(t, "error")?),
        (r, _) => Err(format!("unknown result {r:?}")),
    }
}

// BW-C2C-1, BW-C2C-2, BW-C2C-3
pub fn chunking_case(t: &Value) -> Result<(), String> {
    let len = int(t, "length")? as usize;
    let data = match field(t, "generator")? {
        "sha256-ctr" => {
            let seed = field(t, "seed")?.as_bytes();
            let mut out = Vec::with_capacity(len + 32);
            let mut i = 0u64;
            while out.len() < len {
                out.extend_from_slice(sha256(&[seed, &i.to_be_bytes()].concat()).as_bytes());
                i += 1;
            }
            out.truncate(len);
            out
        }
        "zeros" => vec![0; len],
        "hex" => unhex(field(t, "inputHex")?)?,
        g => return Err(format!("unknown generator {g}")),
    };
    eq("length", data.len(), len)?;
    let cuts: Vec<i64> = c2c::chunking::boundaries(&data)
        .into_iter()
        .map(|b| b as i64)
        .collect();
    eq("boundaries", json!(cuts), t["boundaries"].clone())?;
    // Fed in odd pieces, the streaming chunker must agree.
    let mut f = FileChunker::new();
    for piece in data.chunks(4099) {
        f.update(piece);
    }
    let work = f.finish();
    eq("streaming", &work, &ChunkedWork::of(&data))?;
    let sizes: Vec<u32> = work.chunks.iter().map(|c| c.size).collect();
    let keys: Vec<String> = work.chunks.iter().map(|c| c.key.to_string()).collect();
    eq("chunkSizes", json!(sizes), t["chunkSizes"].clone())?;
    eq("chunkKeys", json!(keys), t["chunkKeys"].clone())?;
    eq(
        "fileKeyHex",
        work.key.to_string().as_str(),
        field(t, "fileKeyHex")?,
    )
}

fn chunks_json(s: &SyncInfo) -> Value {
    json!(
        s.chunks()
            .iter()
            .map(|c| json!({"key": c.key.to_string(), "size": c.size}))
            .collect::<Vec<_>>()
    )
}

// BW-C2C-9, BW-C2C-10, BW-C2C-16
pub fn syncinfo_case(t: &Value) -> Result<(), String> {
    let input = field(t, "input")?;
    let (got, again): (Result<SyncInfo, _>, fn(&SyncInfo) -> String) = match field(t, "kind")? {
        "json" => (SyncInfo::from_json(input.as_bytes()), |s| {
            String::from_utf8(s.to_json()).unwrap_or_default()
        }),
        "a32chunks" => (SyncInfo::from_legacy(&unhex(input)?), |s| {
            bitwrk_protocol::encoding::hex::encode(&s.to_legacy())
        }),
        k => return Err(format!("unknown kind {k}")),
    };
    outcome(t, got, |s| {
        eq("chunks", chunks_json(&s), t["chunks"].clone())?;
        eq("perm", json!(s.perm().as_slice()), t["perm"].clone())?;
        eq(
            "canonical",
            json!(again(&s) == input),
            t["canonical"].clone(),
        )
    })
}

// BW-C2C-10, BW-C2C-11, BW-C2C-12, BW-C2C-13
pub fn shuffle_case(t: &Value) -> Result<(), String> {
    let raw: Vec<i64> = t["perm"]
        .as_array()
        .ok_or("perm")?
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    let perm = raw
        .iter()
        .map(|&v| {
            u32::try_from(v).map_err(|_| c2c::C2cError::BadPermutation { reason: "negative" })
        })
        .collect::<Result<Vec<u32>, _>>()
        .and_then(Permutation::new);
    let n = int(t, "n")? as u32;
    outcome(t, perm, |p| {
        let s = c2c::shuffle::shuffle(&p, 0..n);
        eq("shuffled", json!(s), t["shuffled"].clone())?;
        eq(
            "inverse",
            json!(p.inverse().as_slice()),
            t["inverse"].clone(),
        )?;
        eq(
            "unshuffled",
            c2c::shuffle::unshuffle(&p, s),
            (0..n).collect::<Vec<_>>(),
        )
    })
}

// BW-C2C-14
pub fn varint_case(t: &Value) -> Result<(), String> {
    let bytes = unhex(field(t, "hex")?)?;
    match field(t, "kind")? {
        "encode" => {
            let v: i64 = field(t, "value")?.parse().map_err(|e| format!("{e}"))?;
            eq("hex", c2c::varint::to_vec(v), bytes.clone())?;
            eq(
                "decode",
                c2c::varint::decode(&bytes).map_err(|e| e.code()),
                Ok((v, bytes.len())),
            )
        }
        "decode" => outcome(t, c2c::varint::decode(&bytes), |(v, used)| {
            eq("value", v.to_string().as_str(), field(t, "value")?)?;
            eq("used", used as i64, int(t, "used")?)
        }),
        k => Err(format!("unknown kind {k}")),
    }
}

// BW-C2C-15
pub fn wishlist_case(t: &Value) -> Result<(), String> {
    let slots = int(t, "slots")? as usize;
    let bytes = unhex(field(t, "wishlistHex")?)?;
    let placeholders: Vec<usize> = t["placeholders"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|v| v as usize)
                .collect()
        })
        .unwrap_or_default();
    let shuffled: Vec<Option<usize>> = (0..slots)
        .map(|i| (!placeholders.contains(&i)).then_some(i))
        .collect();
    let got = c2c::wishlist::decode(&bytes, slots)
        .and_then(|bits| c2c::chunkstream::requested(&shuffled, &bits).map(|_| bits));
    outcome(t, got, |bits| {
        let text: String = bits.iter().map(|&b| if b { '1' } else { '0' }).collect();
        eq("bits", text.as_str(), field(t, "bits")?)?;
        eq("encode", c2c::wishlist::encode(&bits), bytes.clone())
    })
}

// BW-C2C-17, BW-C2C-18
pub fn chunkdata_case(t: &Value) -> Result<(), String> {
    let expected = t["expected"]
        .as_array()
        .ok_or("expected")?
        .iter()
        .map(|c| {
            Ok(ChunkInfo {
                key: hash(c["key"].as_str().ok_or("key")?)?,
                size: c["size"].as_u64().ok_or("size")? as u32,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let stream = unhex(field(t, "streamHex")?)?;
    // Byte by byte, so that every state of the reader meets the input.
    let mut r = ChunkDataReader::new(expected);
    let mut n = 0i64;
    let mut got = Ok(());
    for b in &stream {
        got = r.push(std::slice::from_ref(b), &mut |c, d| {
            assert_eq!(sha256(d), c.key);
            n += 1;
        });
        if got.is_err() {
            break;
        }
    }
    let got = got.and_then(|()| r.finish());
    outcome(t, got, |()| {
        eq("chunksReceived", n, int(t, "chunksReceived")?)
    })
}

// BW-C2C-5, BW-C2C-6
pub fn probe_case(t: &Value) -> Result<(), String> {
    let chunked = t["chunked"].as_bool().ok_or("chunked")?;
    let caps = t["body"]
        .as_str()
        .map(|b| Capabilities::parse(b.as_bytes()));
    let mode = match Mode::choose(chunked, caps.as_ref().and_then(|c| c.as_ref().ok())) {
        Mode::Linear => "linear",
        Mode::Legacy => "a32chunks",
        Mode::SyncInfo => "syncinfo",
    };
    eq("mode", mode, field(t, "mode")?)?;
    match caps {
        None => eq("result", field(t, "result")?, "valid"),
        Some(c) => outcome(t, c, |c| {
            eq("chunking", json!(c.chunking), t["chunking"].clone())?;
            eq("gzip", json!(c.gzip), t["gzip"].clone())?;
            eq("syncinfo", json!(c.syncinfo), t["syncinfo"].clone())
        }),
    }
}

// BW-C2C-19
pub fn result_case(t: &Value) -> Result<(), String> {
    let key: ResultKey = field(t, "keyHex")?.parse().map_err(|e| format!("{e}"))?;
    let iv: [u8; 16] = unhex(field(t, "ivHex")?)?
        .try_into()
        .map_err(|_| "iv length")?;
    let pt = unhex(field(t, "plaintextHex")?)?;
    let ct = unhex(field(t, "ciphertextHex")?)?;
    let mut buf = pt.clone();
    let mut c = ResultCipher::with_iv(&key, &iv);
    for piece in buf.chunks_mut(5) {
        c.apply(piece);
    }
    eq("ciphertext", &buf, &ct)?;
    ResultCipher::with_iv(&key, &iv).apply(&mut buf);
    eq("decrypted", &buf, &pt)?;
    if iv == [0; 16] {
        eq("protocol cipher", c2c::crypt::apply(&key, &pt), ct)?;
    }
    eq("result", field(t, "result")?, "valid")
}

// BW-C2C-22, BW-C2C-23, BW-C2C-24, BW-C2C-29
pub fn receipt_case(t: &Value) -> Result<(), String> {
    match field(t, "kind")? {
        "sign" => {
            let key = PrivateKey::from_wif(field(t, "wif")?).map_err(|e| e.to_string())?;
            let h = sha256(&unhex(field(t, "ciphertextHex")?)?);
            eq("hashHex", h.to_string().as_str(), field(t, "hashHex")?)?;
            let r = Receipt::sign(&key, h);
            eq(
                "signature",
                r.signature.to_base64().as_str(),
                field(t, "signatureBase64")?,
            )?;
            eq("form", r.to_form().as_str(), field(t, "form")?)?;
            eq(
                "parsed",
                Receipt::from_form(field(t, "form")?.as_bytes()).map_err(|e| e.code()),
                Ok(r),
            )
        }
        "verify" => {
            let buyer = field(t, "buyer")?.parse().map_err(|e| format!("{e}"))?;
            let h = hash(field(t, "ciphertextHashHex")?)?;
            let got = Receipt::from_form(field(t, "form")?.as_bytes())
                .and_then(|r| r.verify(&buyer, &h))
                .map(|_| ());
            verdict(t, got.as_ref().map(|_| ()).map_err(|e| e.code()))
        }
        "buyer-proof" => {
            let tx = TxView {
                buyer: "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8"
                    .parse()
                    .map_err(|e| format!("{e}"))?,
                work_hash: hash(field(t, "workHashHex")?)?,
                work_secret_hash: hash(field(t, "workSecretHashHex")?)?,
            };
            let got = SellerTransfer::check_buyer_secret(&tx, field(t, "buyerSecret")?.as_bytes());
            verdict(t, got.as_ref().map(|_| ()).map_err(|e| e.code()))
        }
        k => Err(format!("unknown kind {k}")),
    }
}

// BW-C2C-38, BW-C2C-40
pub fn assist_case(t: &Value) -> Result<(), String> {
    use bitwrk_protocol::c2c::ChunkInfo;
    use bitwrk_protocol::c2c::assist::{AddrClass, Handprint, admit, parse_assist_url};
    match field(t, "kind")? {
        "handprint" => {
            let print = |k: &str| -> Result<Handprint, String> {
                let chunks = t[k]
                    .as_array()
                    .ok_or(k)?
                    .iter()
                    .map(|v| {
                        Ok(ChunkInfo {
                            key: hash(v.as_str().ok_or("key")?)?,
                            size: 1,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Ok(Handprint::of(&chunks))
            };
            let (l, r) = (print("left")?, print("right")?);
            eq("matches", json!(l.matches(&r)), t["matches"].clone())?;
            eq("symmetric", l.matches(&r), r.matches(&l))?;
            eq("result", field(t, "result")?, "valid")
        }
        "admit" => {
            let own = match field(t, "own")? {
                "loopback" => AddrClass::Loopback,
                "private" => AddrClass::Private,
                "public" => AddrClass::Public,
                o => return Err(format!("unknown class {o}")),
            };
            let got = parse_assist_url(field(t, "url")?.as_bytes()).and_then(|u| admit(&u, own));
            verdict(t, got.as_ref().map(|_| ()).map_err(|e| e.code()))
        }
        k => Err(format!("unknown kind {k}")),
    }
}

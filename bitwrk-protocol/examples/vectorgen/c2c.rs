//! The client-to-client transfer's encodings (spec §19): `c2c_chunking`,
//! `c2c_syncinfo`, `c2c_shuffle`, `c2c_varint`, `c2c_wishlist`,
//! `c2c_chunkdata`, `c2c_probe`.
//!
//! Expected values come from small reference routines written here from the
//! spec text (Adler-32 from RFC 1950 evaluated per window, the shuffle as
//! BitWrk 0.7 runs it with copying slots, zig-zag through 128-bit
//! arithmetic) and are cross-checked against `bitwrk_protocol::c2c`.

use bitwrk_protocol::ErrorCode as _;
use bitwrk_protocol::c2c::{self, ChunkedWork, Permutation, SyncInfo};

use crate::{
    Case, J, VFile, When, case, hx, note, obj, ours, rule, s_bool, s_enum, s_hex, s_hex_len, s_int,
    s_string, sha256, unhex,
};

pub(crate) fn s_arr(items: J) -> J {
    obj(vec![("type", "array".into()), ("items", items)])
}
fn ints(v: impl IntoIterator<Item = i64>) -> J {
    J::A(v.into_iter().map(J::I).collect())
}
fn chunk_list(chunks: &[(String, i64)]) -> J {
    J::A(
        chunks
            .iter()
            .map(|(k, s)| obj(vec![("key", k.as_str().into()), ("size", J::I(*s))]))
            .collect(),
    )
}
fn s_chunks() -> J {
    s_arr(obj(vec![
        ("type", "object".into()),
        ("additionalProperties", J::B(false)),
        ("required", crate::strs(&["key", "size"])),
        (
            "properties",
            obj(vec![("key", s_hex_len(32)), ("size", s_int(0))]),
        ),
    ]))
}

/// The deterministic inputs of `c2c_chunking.json`: SHA-256 in counter mode.
pub(crate) fn ctr_bytes(seed: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut i = 0u64;
    while out.len() < len {
        let mut pre = seed.as_bytes().to_vec();
        pre.extend_from_slice(&i.to_be_bytes());
        out.extend_from_slice(&sha256(&pre));
        i += 1;
    }
    out.truncate(len);
    out
}

/// Adler-32 of one window, from RFC 1950.
fn window_adler(w: &[u8]) -> u32 {
    let mut a = 1u32;
    let mut b = 0u32;
    for &x in w {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    b * 65_536 + a
}

/// Chunk end offsets by BW-C2C-1, one window at a time.
fn oracle_boundaries(data: &[u8]) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut start = 0usize;
    for j in 0..data.len() {
        let n = j + 1 - start;
        if n > 131_072 || (n > 128 && window_adler(&data[j - 47..j + 1]) % 8191 == 4159) {
            cuts.push(j);
            start = j;
        }
    }
    cuts
}

fn chunking_case(comment: &str, generator: &str, seed: &str, data: &[u8]) -> Case {
    let cuts = oracle_boundaries(data);
    assert_eq!(c2c::chunking::boundaries(data), cuts, "{comment}");
    let mut edges = vec![0];
    edges.extend(&cuts);
    edges.push(data.len());
    let pieces: Vec<&[u8]> = edges
        .windows(2)
        .map(|w| &data[w[0]..w[1]])
        .filter(|p| !p.is_empty())
        .collect();
    let work = ChunkedWork::of(data);
    assert_eq!(work.chunks.len(), pieces.len());
    for (c, p) in work.chunks.iter().zip(&pieces) {
        assert_eq!(c.key.as_bytes(), &sha256(p));
    }
    assert_eq!(work.key.as_bytes(), &sha256(data));
    let mut c = case(comment)
        .req(&["BW-C2C-1", "BW-C2C-2", "BW-C2C-3"])
        .f("generator", generator)
        .f("seed", seed)
        .f("length", data.len() as i64);
    if generator == "hex" {
        c = c.f("inputHex", hx(data));
    }
    c.f("boundaries", ints(cuts.iter().map(|&b| b as i64)))
        .f("chunkSizes", ints(pieces.iter().map(|p| p.len() as i64)))
        .f(
            "chunkKeys",
            J::A(pieces.iter().map(|p| J::S(hx(&sha256(p)))).collect()),
        )
        .f("fileKeyHex", hx(&sha256(data)))
        .valid()
}

pub(crate) fn chunking_file() -> VFile {
    let mut cases = Vec::new();
    for len in [0usize, 1, 48, 128, 129, 4096, 65_536, 300_000, 1 << 20] {
        cases.push(chunking_case(
            &format!("{len} counter-mode bytes"),
            "sha256-ctr",
            "bitwrk c2c",
            &ctr_bytes("bitwrk c2c", len),
        ));
    }
    cases.push(chunking_case(
        "another seed, 200000 bytes",
        "sha256-ctr",
        "chunk boundaries 2",
        &ctr_bytes("chunk boundaries 2", 200_000),
    ));
    cases.push(
        chunking_case(
            "300000 zero bytes: no window hits, chunks of the maximum size",
            "zeros",
            "",
            &vec![0; 300_000],
        )
        .flag("MaxChunk"),
    );
    let mut rep = ctr_bytes("repeat", 50_000);
    rep.extend_from_within(..);
    cases.push(
        chunking_case(
            "a region twice: equal chunks after the first boundary of each copy",
            "hex",
            "",
            &rep,
        )
        .flag("Repeat"),
    );
    VFile {
        stem: "c2c_chunking",
        ty: "C2cChunking",
        title: "Content-defined chunking of work files (BitWrk 0.7's Adler-32 chunker)",
        header: vec![
            "Input: `generator` `sha256-ctr` = the first `length` bytes of SHA-256(UTF-8(`seed`) ‖ u64be(0)) ‖ SHA-256(UTF-8(`seed`) ‖ u64be(1)) ‖ …; `zeros` = `length` zero bytes; `hex` = `inputHex`.".into(),
            "`boundaries` are the offsets at which a new chunk begins (BW-C2C-1); `chunkSizes` and `chunkKeys` (SHA-256) list the chunks in file order; `fileKeyHex` is SHA-256 of the whole input.".into(),
        ],
        notes: vec![
            note("MaxChunk", "EDGE_CASE", "Input where only the 131072-byte limit cuts.", "A wrong maximum splits differently and breaks deduplication against BitWrk 0.7."),
            note("Repeat", "FUNCTIONALITY", "Repeated content yields repeated chunk keys.", "Chunks that are already held would be transferred again."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("generator", s_enum(&["sha256-ctr", "zeros", "hex"])),
            ("seed", s_string()),
            ("length", s_int(0)),
            ("inputHex", s_hex()),
            ("boundaries", s_arr(s_int(1))),
            ("chunkSizes", s_arr(s_int(1))),
            ("chunkKeys", s_arr(s_hex_len(32))),
            ("fileKeyHex", s_hex_len(32)),
        ],
        rules: vec![rule(None, When::Always, &["generator", "seed", "length", "boundaries", "chunkSizes", "chunkKeys", "fileKeyHex"])],
    }
}

// ------------------------------------------------------------------ syncinfo

fn key_of(i: u8) -> String {
    hx(&sha256(&[i]))
}

fn sync_valid(
    comment: &str,
    kind: &str,
    input: &str,
    chunks: &[(String, i64)],
    perm: &[i64],
    canonical: bool,
) -> Case {
    let parsed = match kind {
        "json" => SyncInfo::from_json(input.as_bytes()),
        _ => SyncInfo::from_legacy(&unhex(input)),
    }
    .unwrap_or_else(|e| panic!("{comment}: {e}"));
    let got: Vec<(String, i64)> = parsed
        .chunks()
        .iter()
        .map(|c| (c.key.to_string(), i64::from(c.size)))
        .collect();
    assert_eq!(got, chunks, "{comment}");
    assert_eq!(
        parsed
            .perm()
            .as_slice()
            .iter()
            .map(|&p| i64::from(p))
            .collect::<Vec<_>>(),
        perm
    );
    let again = if kind == "json" {
        String::from_utf8(parsed.to_json()).unwrap()
    } else {
        hx(&parsed.to_legacy())
    };
    assert_eq!(again == input, canonical, "{comment}");
    case(comment)
        .req(if kind == "json" {
            &["BW-C2C-9", "BW-C2C-10"]
        } else {
            &["BW-C2C-16", "BW-C2C-14"]
        })
        .f("kind", kind)
        .f("input", input)
        .f("chunks", chunk_list(chunks))
        .f("perm", ints(perm.iter().copied()))
        .f("canonical", canonical)
        .valid()
}

fn sync_invalid(
    comment: &str,
    kind: &str,
    input: &str,
    code: &'static str,
    req: &'static str,
) -> Case {
    let got = match kind {
        "json" => SyncInfo::from_json(input.as_bytes()),
        _ => SyncInfo::from_legacy(&unhex(input)),
    };
    assert_eq!(got.map(|_| ()).unwrap_err().code(), code, "{comment}");
    case(comment)
        .req(&[req])
        .f("kind", kind)
        .f("input", input)
        .invalid(code)
}

pub(crate) fn syncinfo_file() -> VFile {
    let (k1, k2, k3) = (key_of(1), key_of(2), key_of(3));
    let canon = format!(
        "{{\"Chunks\":[{{\"Key\":\"{k1}\",\"Size\":8000}},{{\"Key\":\"{k2}\",\"Size\":131072}},{{\"Key\":\"{k3}\",\"Size\":1}}],\"Perm\":[2,0,1]}}\n"
    );
    let ch = vec![(k1.clone(), 8000), (k2.clone(), 131_072), (k3.clone(), 1)];
    let one = |key: &str, size: &str, perm: &str| {
        format!("{{\"Chunks\":[{{\"Key\":\"{key}\",\"Size\":{size}}}],\"Perm\":{perm}}}")
    };
    let mut legacy = unhex(&k1);
    legacy.extend_from_slice(&[0xd0, 0x0f]);
    legacy.extend(unhex(&k2));
    legacy.extend_from_slice(&[0x80, 0x80, 0x10]);
    let legacy = hx(&legacy);
    let cases = vec![
        sync_valid(
            "canonical document as BitWrk 0.7 writes it",
            "json",
            &canon,
            &ch,
            &[2, 0, 1],
            true,
        )
        .flag("BitWrk07"),
        sync_valid(
            "white space, member order and an unknown member",
            "json",
            &format!(
                " {{ \"Perm\" : [0] , \"X\": 1, \"Chunks\": [ {{\"Size\":5, \"Key\":\"{k1}\"}} ] }} "
            ),
            &[(k1.clone(), 5)],
            &[0],
            false,
        ),
        sync_invalid(
            "not JSON",
            "json",
            "{\"Chunks\":",
            "c2c.bad-syncinfo",
            "BW-C2C-9",
        ),
        sync_invalid(
            "no chunks",
            "json",
            "{\"Chunks\":[],\"Perm\":[0]}",
            "c2c.bad-syncinfo",
            "BW-C2C-9",
        ),
        sync_invalid(
            "Chunks null",
            "json",
            "{\"Chunks\":null,\"Perm\":[0]}",
            "c2c.bad-syncinfo",
            "BW-C2C-9",
        ),
        sync_invalid(
            "negative size",
            "json",
            &one(&k1, "-1", "[0]"),
            "c2c.bad-syncinfo",
            "BW-C2C-9",
        ),
        sync_invalid(
            "size 0",
            "json",
            &one(&k1, "0", "[0]"),
            "c2c.bad-chunk-size",
            "BW-C2C-9",
        ),
        sync_invalid(
            "size 131073",
            "json",
            &one(&k1, "131073", "[0]"),
            "c2c.bad-chunk-size",
            "BW-C2C-9",
        ),
        sync_invalid(
            "key of 66 hex characters (0.7 does not check)",
            "json",
            &one(&format!("{k1}00"), "1", "[0]"),
            "c2c.bad-chunk-key",
            "BW-C2C-9",
        )
        .flag("Unchecked07"),
        sync_invalid(
            "upper-case key",
            "json",
            &one(&k1.to_uppercase(), "1", "[0]"),
            "c2c.bad-chunk-key",
            "BW-C2C-9",
        ),
        sync_invalid(
            "Perm missing",
            "json",
            &format!("{{\"Chunks\":[{{\"Key\":\"{k1}\",\"Size\":1}}]}}"),
            "c2c.bad-permutation",
            "BW-C2C-10",
        )
        .flag("Unchecked07"),
        sync_invalid(
            "Perm empty",
            "json",
            &one(&k1, "1", "[]"),
            "c2c.bad-permutation",
            "BW-C2C-10",
        )
        .flag("Unchecked07"),
        sync_invalid(
            "Perm with a duplicate",
            "json",
            &one(&k1, "1", "[0,0]"),
            "c2c.bad-permutation",
            "BW-C2C-10",
        )
        .flag("Unchecked07"),
        sync_invalid(
            "Perm out of range",
            "json",
            &one(&k1, "1", "[1]"),
            "c2c.bad-permutation",
            "BW-C2C-10",
        )
        .flag("Unchecked07"),
        sync_valid(
            "legacy a32chunks stream (sizes 1000 = d0 0f, 131072 = 80 80 10)",
            "a32chunks",
            &legacy,
            &[(k1.clone(), 1000), (k2.clone(), 131_072)],
            &[0],
            true,
        )
        .flag("BitWrk07"),
        sync_invalid(
            "a32chunks: empty",
            "a32chunks",
            "",
            "c2c.bad-syncinfo",
            "BW-C2C-16",
        ),
        sync_invalid(
            "a32chunks: ends inside a key",
            "a32chunks",
            &legacy[..40],
            "c2c.truncated",
            "BW-C2C-16",
        ),
        sync_invalid(
            "a32chunks: ends inside a varint",
            "a32chunks",
            &legacy[..66],
            "c2c.truncated",
            "BW-C2C-16",
        ),
        sync_invalid(
            "a32chunks: negative size (varint 01 = -1)",
            "a32chunks",
            &format!("{k1}01"),
            "c2c.bad-chunk-size",
            "BW-C2C-16",
        ),
        sync_invalid(
            "a32chunks: size 0",
            "a32chunks",
            &format!("{k1}00"),
            "c2c.bad-chunk-size",
            "BW-C2C-16",
        ),
    ];
    VFile {
        stem: "c2c_syncinfo",
        ty: "C2cSyncInfo",
        title: "SyncInfo documents and legacy a32chunks streams",
        header: vec![
            "kind=json: parse `input` as a `syncinfojson` part (BW-C2C-9, BW-C2C-10); kind=a32chunks: parse the bytes `input` (hex) as an `a32chunks` part (BW-C2C-16), whose permutation is [0].".into(),
            "Valid cases give the chunks in order and the permutation; `canonical` says whether writing them again (the exact 0.7 JSON bytes, or the a32chunks stream) reproduces `input` byte for byte.".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "The bytes BitWrk 0.7 writes.", "A 0.7 peer would not understand the document."),
            note("Unchecked07", "MALFORMED_INPUT", "Input BitWrk 0.7 does not check and may crash on.", "A peer could crash the seller."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["json", "a32chunks"])),
            ("input", s_string()),
            ("chunks", s_chunks()),
            ("perm", s_arr(s_int(0))),
            ("canonical", s_bool()),
        ],
        rules: vec![rule(None, When::Always, &["kind", "input"]), rule(None, When::Valid, &["chunks", "perm", "canonical"])],
    }
}

// ------------------------------------------------------------------ shuffle

/// The shuffle as BitWrk 0.7 runs it: slots keep (copy) their values.
fn oracle_shuffle(perm: &[u32], n: usize) -> Vec<Option<u32>> {
    let k = perm.len();
    let mut slots: Vec<Option<u32>> = vec![None; k];
    let mut out = Vec::with_capacity(n + k);
    for t in 0..n + k - 1 {
        let i = t % k;
        slots[perm[i] as usize] = (t < n).then_some(t as u32);
        out.push(slots[i]);
    }
    out
}

fn shuffle_case(comment: &str, perm: &[u32], n: usize) -> Case {
    let k = perm.len();
    let want = oracle_shuffle(perm, n);
    let p = Permutation::new(perm.to_vec()).unwrap();
    assert_eq!(c2c::shuffle::shuffle(&p, 0..n as u32), want, "{comment}");
    let mut inv = vec![0u32; k];
    for (i, &v) in perm.iter().enumerate() {
        inv[v as usize] = ((k - 1 + i) % k) as u32;
    }
    assert_eq!(p.inverse().as_slice(), inv);
    assert_eq!(
        c2c::shuffle::unshuffle(&p, want.clone()),
        (0..n as u32).collect::<Vec<_>>()
    );
    case(comment)
        .req(&["BW-C2C-11", "BW-C2C-12", "BW-C2C-13"])
        .f("perm", ints(perm.iter().map(|&v| i64::from(v))))
        .f("n", n as i64)
        .f(
            "shuffled",
            J::A(
                want.iter()
                    .map(|v| v.map_or(J::Null, |x| J::I(i64::from(x))))
                    .collect(),
            ),
        )
        .f("inverse", ints(inv.iter().map(|&v| i64::from(v))))
        .valid()
}

fn perm_invalid(comment: &str, perm: Vec<i64>) -> Case {
    let as_u32: Result<Vec<u32>, _> = perm.iter().map(|&v| u32::try_from(v)).collect();
    let code = as_u32.map_or("c2c.bad-permutation", |v| {
        Permutation::new(v)
            .map(|_| "ok")
            .unwrap_or_else(|e| e.code())
    });
    assert_eq!(code, "c2c.bad-permutation", "{comment}");
    case(comment)
        .req(&["BW-C2C-10"])
        .f("perm", ints(perm))
        .f("n", 1)
        .invalid("c2c.bad-permutation")
}

/// A fixed pseudo-random permutation of 0..k (Fisher–Yates driven by SHA-256).
fn fixed_perm(k: usize, seed: &str) -> Vec<u32> {
    let mut v: Vec<u32> = (0..k as u32).collect();
    let r = ctr_bytes(seed, 4 * k);
    for i in (1..k).rev() {
        let x = u32::from_be_bytes(r[4 * i..4 * i + 4].try_into().unwrap());
        v.swap(i, (x % (i as u32 + 1)) as usize);
    }
    v
}

pub(crate) fn shuffle_file() -> VFile {
    let mut cases = vec![
        shuffle_case(
            "trivial permutation [0]: no reordering, no placeholders",
            &[0],
            5,
        ),
        shuffle_case("[1,0]", &[1, 0], 3),
        shuffle_case("[0,2,1]: reorders", &[0, 2, 1], 4),
        shuffle_case("[2,0,1], more chunks than slots", &[2, 0, 1], 10),
        shuffle_case("[3,1,0,2], fewer chunks than slots", &[3, 1, 0, 2], 2),
        shuffle_case("no chunks: only placeholders", &[1, 2, 0], 0),
    ];
    cases.push(
        shuffle_case(
            "a 256-permutation as a 0.7 buyer sends, 20 chunks",
            &fixed_perm(256, "perm 256"),
            20,
        )
        .flag("BuyerSize"),
    );
    cases.push(shuffle_case(
        "a 16-permutation, 100 chunks",
        &fixed_perm(16, "perm 16"),
        100,
    ));
    cases.extend([
        perm_invalid("empty", vec![]),
        perm_invalid("duplicate", vec![0, 0]),
        perm_invalid("out of range", vec![0, 2]),
        perm_invalid("negative", vec![-1]),
        perm_invalid("1025 entries", (0..1025).collect()),
    ]);
    VFile {
        stem: "c2c_shuffle",
        ty: "C2cShuffle",
        title: "The shuffle of chunk streams and its inverse",
        header: vec![
            "Shuffle the values 0…n−1 with permutation `perm` (BW-C2C-11, BW-C2C-12): `shuffled` has n + k − 1 slots, `null` for a placeholder.".into(),
            "`inverse` is q with q[p[i]] = (k − 1 + i) mod k (BW-C2C-13); shuffling `shuffled` with it (and k − 1 more empties) and dropping empties gives 0…n−1 back. Invalid cases: `perm` is not a permutation (BW-C2C-10).".into(),
        ],
        notes: vec![note("BuyerSize", "FUNCTIONALITY", "The permutation length BitWrk 0.7 buyers use.", "Chunk order would not match a 0.7 peer's.")],
        groups: vec![ours(cases)],
        fields: vec![
            ("perm", s_arr(obj(vec![("type", "integer".into())]))),
            ("n", s_int(0)),
            ("shuffled", s_arr(obj(vec![("type", crate::strs(&["integer", "null"]))]))),
            ("inverse", s_arr(s_int(0))),
        ],
        rules: vec![rule(None, When::Always, &["perm", "n"]), rule(None, When::Valid, &["shuffled", "inverse"])],
    }
}

//! `c2c_varint`, `c2c_wishlist`, `c2c_chunkdata`, `c2c_probe` (spec §19.1,
//! §19.5–§19.7).

use bitwrk_protocol::ErrorCode as _;
use bitwrk_protocol::c2c::{self, Capabilities, ChunkInfo, Mode};
use bitwrk_protocol::hash::Hash256;

use crate::c2c::{ctr_bytes, s_arr};
use crate::{
    Case, J, VFile, When, case, hx, note, ours, rule, s_bool, s_enum, s_hex, s_int, s_string,
    sha256, unhex,
};

/// Zig-zag LEB128 through 128-bit arithmetic.
fn oracle_varint(v: i64) -> Vec<u8> {
    let v = i128::from(v);
    let mut u: u128 = if v >= 0 {
        (v as u128) * 2
    } else {
        ((-v) as u128) * 2 - 1
    };
    let mut out = Vec::new();
    loop {
        let low = (u % 128) as u8;
        u /= 128;
        if u == 0 {
            out.push(low);
            return out;
        }
        out.push(low + 128);
    }
}

fn varint_valid(comment: &str, v: i64) -> Case {
    let enc = oracle_varint(v);
    assert_eq!(c2c::varint::to_vec(v), enc, "{comment}");
    assert_eq!(c2c::varint::decode(&enc).unwrap(), (v, enc.len()));
    case(comment)
        .req(&["BW-C2C-14"])
        .f("kind", "encode")
        .f("value", v.to_string())
        .f("hex", hx(&enc))
        .valid()
}

fn varint_decode(comment: &str, hex: &str, want: Result<(i64, usize), &'static str>) -> Case {
    let got = c2c::varint::decode(&unhex(hex)).map_err(|e| e.code());
    assert_eq!(got, want, "{comment}");
    let c = case(comment)
        .req(&["BW-C2C-14"])
        .f("kind", "decode")
        .f("hex", hex);
    match want {
        Ok((v, used)) => c.f("value", v.to_string()).f("used", used as i64).valid(),
        Err(code) => c.invalid(code),
    }
}

pub(crate) fn varint_file() -> VFile {
    let mut cases = vec![varint_valid("1000 (BitWrk 0.7 reference: d0 0f)", 1000).flag("BitWrk07")];
    for (v, what) in [
        (0i64, "zero"),
        (1, "one"),
        (-1, "minus one"),
        (63, "largest one-byte positive"),
        (64, "smallest two-byte positive"),
        (-64, "smallest one-byte negative"),
        (131_072, "the largest chunk size"),
        (i64::MAX, "largest value"),
        (i64::MIN, "smallest value: ten bytes"),
    ] {
        cases.push(varint_valid(what, v));
    }
    cases.extend([
        varint_decode("non-minimal zero, read as Go reads it", "8000", Ok((0, 2)))
            .flag("NonMinimal"),
        varint_decode(
            "trailing bytes are not part of the varint",
            "d00fff",
            Ok((1000, 2)),
        ),
        varint_decode(
            "ten bytes, tenth above 1: overflow",
            "ffffffffffffffffff02",
            Err("c2c.bad-varint"),
        ),
        varint_decode(
            "eleven bytes",
            "ffffffffffffffffffff01",
            Err("c2c.bad-varint"),
        ),
        varint_decode("ends inside", "80", Err("c2c.truncated")),
        varint_decode("empty", "", Err("c2c.truncated")),
    ]);
    VFile {
        stem: "c2c_varint",
        ty: "C2cVarint",
        title: "Zig-zag varints of chunk lengths",
        header: vec![
            "kind=encode: the shortest encoding of `value` (a signed 64-bit integer in decimal) is `hex`; decoding `hex` gives `value` back (BW-C2C-14).".into(),
            "kind=decode: decode one varint from the start of `hex`: `value` and the number of bytes `used`, or the error.".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A value from BitWrk 0.7's documentation.", "Chunk lengths would be misread by 0.7 peers."),
            note("NonMinimal", "LEGACY_COMPAT", "An encoding that is not the shortest, which Go accepts.", "A strict reader would refuse streams 0.7 accepts."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["encode", "decode"])),
            ("value", s_string()),
            ("hex", s_hex()),
            ("used", s_int(1)),
        ],
        rules: vec![rule(None, When::Always, &["kind", "hex"]), rule(Some("encode"), When::Always, &["value"]), rule(Some("decode"), When::Valid, &["value", "used"])],
    }
}

fn bit_string(bits: &[bool]) -> String {
    bits.iter().map(|&b| if b { '1' } else { '0' }).collect()
}

fn wishlist_valid(comment: &str, bits: &str) -> Case {
    let b: Vec<bool> = bits.chars().map(|c| c == '1').collect();
    let mut bytes = vec![0u8; b.len().div_ceil(8)];
    for (i, &x) in b.iter().enumerate() {
        if x {
            bytes[i / 8] += 1 << (7 - i % 8);
        }
    }
    assert_eq!(c2c::wishlist::encode(&b), bytes);
    assert_eq!(c2c::wishlist::decode(&bytes, b.len()).unwrap(), b);
    case(comment)
        .req(&["BW-C2C-15"])
        .f("slots", b.len() as i64)
        .f("wishlistHex", hx(&bytes))
        .f("bits", bit_string(&b))
        .valid()
}

fn wishlist_invalid(
    comment: &str,
    slots: usize,
    hex: &str,
    placeholders: &[usize],
    code: &'static str,
) -> Case {
    let shuffled: Vec<Option<usize>> = (0..slots)
        .map(|i| (!placeholders.contains(&i)).then_some(i))
        .collect();
    let got = c2c::wishlist::decode(&unhex(hex), slots)
        .and_then(|bits| c2c::chunkstream::requested(&shuffled, &bits));
    assert_eq!(got.unwrap_err().code(), code, "{comment}");
    case(comment)
        .req(&["BW-C2C-15"])
        .f("slots", slots as i64)
        .f("wishlistHex", hex)
        .f(
            "placeholders",
            J::A(placeholders.iter().map(|&p| J::I(p as i64)).collect()),
        )
        .invalid(code)
}

pub(crate) fn wishlist_file() -> VFile {
    let cases = vec![
        wishlist_valid("eight slots, one byte", "10110001"),
        wishlist_valid(
            "nine slots: the last byte carries one bit and seven zero bits",
            "101100001",
        ),
        wishlist_valid("no slot wanted", "0000000000000"),
        wishlist_valid("every slot wanted", "11111111111111111"),
        wishlist_valid("no slots: empty wishlist", ""),
        wishlist_invalid(
            "a byte too many (0.7 buyers refuse trailing bytes)",
            8,
            "ff00",
            &[],
            "c2c.wishlist-length",
        ),
        wishlist_invalid("a byte too few", 9, "ff", &[], "c2c.wishlist-length"),
        wishlist_invalid("non-zero padding bit", 7, "01", &[], "c2c.wishlist-padding"),
        wishlist_invalid(
            "asks for a placeholder slot",
            4,
            "40",
            &[1],
            "c2c.wishlist-placeholder",
        ),
    ];
    VFile {
        stem: "c2c_wishlist",
        ty: "C2cWishlist",
        title: "Wishlist bits",
        header: vec![
            "A wishlist for `slots` slots of the shuffled stream: bit i (`bits`, 1 = send) is bit 7 − (i mod 8) of byte ⌊i/8⌋ of `wishlistHex`; the padding is zero (BW-C2C-15).".into(),
            "Invalid cases: decode `wishlistHex` for `slots` slots, of which those listed in `placeholders` are placeholders, as a buyer does.".into(),
        ],
        notes: vec![],
        groups: vec![ours(cases)],
        fields: vec![
            ("slots", s_int(0)),
            ("wishlistHex", s_hex()),
            ("bits", obj_pattern("^[01]*$")),
            ("placeholders", s_arr(s_int(0))),
        ],
        rules: vec![rule(None, When::Always, &["slots", "wishlistHex"]), rule(None, When::Valid, &["bits"])],
    }
}

fn obj_pattern(p: &str) -> J {
    crate::obj(vec![("type", "string".into()), ("pattern", p.into())])
}

fn info(d: &[u8]) -> ChunkInfo {
    ChunkInfo {
        key: Hash256::from_byte_array(sha256(d)),
        size: d.len() as u32,
    }
}

fn expected_list(chunks: &[&[u8]]) -> J {
    J::A(
        chunks
            .iter()
            .map(|d| {
                crate::obj(vec![
                    ("key", hx(&sha256(d)).into()),
                    ("size", J::I(d.len() as i64)),
                ])
            })
            .collect(),
    )
}

fn chunkdata_case(
    comment: &str,
    expected: &[&[u8]],
    stream: &[u8],
    want: Result<(), &'static str>,
) -> Case {
    let mut r = c2c::chunkstream::ChunkDataReader::new(expected.iter().map(|d| info(d)).collect());
    let mut n = 0;
    let got = r
        .push(stream, &mut |_, _| n += 1)
        .and_then(|()| r.finish())
        .map_err(|e| e.code());
    assert_eq!(got, want, "{comment}");
    let c = case(comment)
        .req(&["BW-C2C-17", "BW-C2C-18"])
        .f("expected", expected_list(expected))
        .f("streamHex", hx(stream));
    match want {
        Ok(()) => c.f("chunksReceived", n as i64).valid(),
        Err(code) => c.invalid(code),
    }
}

fn entry(d: &[u8]) -> Vec<u8> {
    let mut v = oracle_varint(d.len() as i64);
    v.extend_from_slice(d);
    v
}

pub(crate) fn chunkdata_file() -> VFile {
    let a = ctr_bytes("chunk a", 200);
    let b = ctr_bytes("chunk b", 3);
    let ok = [entry(&a), entry(&b)].concat();
    let mut flipped = ok.clone();
    flipped[10] ^= 0x01;
    let cases = vec![
        chunkdata_case("two chunks", &[&a, &b], &ok, Ok(())),
        chunkdata_case("nothing requested, nothing sent", &[], &[], Ok(())),
        chunkdata_case(
            "a changed byte: hash mismatch",
            &[&a, &b],
            &flipped,
            Err("c2c.unexpected-chunk"),
        ),
        chunkdata_case(
            "chunks in the wrong order: length mismatch",
            &[&a, &b],
            &[entry(&b), entry(&a)].concat(),
            Err("c2c.unexpected-chunk"),
        ),
        chunkdata_case(
            "a byte after the last chunk",
            &[&a, &b],
            &[ok.as_slice(), &[0]].concat(),
            Err("c2c.unsolicited-data"),
        ),
        chunkdata_case(
            "ends inside a chunk",
            &[&a, &b],
            &ok[..ok.len() - 1],
            Err("c2c.truncated"),
        ),
        chunkdata_case(
            "the last chunk missing",
            &[&a, &b],
            &entry(&a),
            Err("c2c.truncated"),
        ),
        chunkdata_case("negative length", &[&a], &[0x01], Err("c2c.bad-chunk-size")),
        chunkdata_case(
            "length above 131072",
            &[&a],
            &oracle_varint(131_073),
            Err("c2c.bad-chunk-size"),
        ),
    ];
    VFile {
        stem: "c2c_chunkdata",
        ty: "C2cChunkData",
        title: "Chunk-data streams",
        header: vec![
            "Read `streamHex` as the `chunkdata` part of a seller that requested the chunks `expected` (key and size, in stream order): each entry is a varint length and the chunk bytes (BW-C2C-17), checked as BW-C2C-18 says.".into(),
            "Valid: `chunksReceived` chunks were delivered. Invalid: the error, whether it shows during the stream or at its end.".into(),
        ],
        notes: vec![],
        groups: vec![ours(cases)],
        fields: vec![
            ("expected", s_arr(crate::obj(vec![("type", "object".into())]))),
            ("streamHex", s_hex()),
            ("chunksReceived", s_int(0)),
        ],
        rules: vec![rule(None, When::Always, &["expected", "streamHex"]), rule(None, When::Valid, &["chunksReceived"])],
    }
}

fn probe_case(
    comment: &str,
    body: Option<&str>,
    chunked: bool,
    want: Result<(bool, bool, bool), ()>,
    mode: &str,
) -> Case {
    let caps = body.map(|b| Capabilities::parse(b.as_bytes()));
    let parsed = caps.clone().and_then(Result::ok);
    let got_mode = match Mode::choose(chunked, parsed.as_ref()) {
        Mode::Linear => "linear",
        Mode::Legacy => "a32chunks",
        Mode::SyncInfo => "syncinfo",
    };
    assert_eq!(got_mode, mode, "{comment}");
    let mut c = case(comment)
        .req(&["BW-C2C-5", "BW-C2C-6"])
        .f("chunked", chunked)
        .f("mode", mode);
    if let Some(b) = body {
        c = c.f("body", b);
    }
    match (want, caps) {
        (Ok((ch, gz, si)), Some(Ok(p))) => {
            assert_eq!((p.chunking, p.gzip, p.syncinfo), (ch, gz, si));
            c.f("chunking", ch).f("gzip", gz).f("syncinfo", si).valid()
        }
        (Ok(_), None) => c.valid(),
        (Err(()), Some(Err(e))) => c.invalid(if e.code() == "c2c.bad-probe" {
            "c2c.bad-probe"
        } else {
            panic!("{e}")
        }),
        _ => panic!("{comment}: outcome differs"),
    }
}

pub(crate) fn probe_file() -> VFile {
    let ours_body = c2c::probe::OPTIONS_BODY;
    assert_eq!(
        ours_body,
        r#"{"Adler32Chunking": true, "GZIPCompression": true, "SyncInfo": true}"#
    );
    let cases = vec![
        probe_case(
            "the seller's answer, byte for byte BitWrk 0.7's",
            Some(ours_body),
            true,
            Ok((true, true, true)),
            "syncinfo",
        )
        .flag("BitWrk07"),
        probe_case(
            "chunking without SyncInfo: legacy list",
            Some(r#"{"Adler32Chunking":true,"GZIPCompression":true}"#),
            true,
            Ok((true, true, false)),
            "a32chunks",
        ),
        probe_case(
            "unchunked work goes linear whatever is offered",
            Some(ours_body),
            false,
            Ok((true, true, true)),
            "linear",
        ),
        probe_case(
            "no chunking offered",
            Some(r#"{"SyncInfo":true}"#),
            true,
            Ok((false, false, true)),
            "linear",
        ),
        probe_case(
            "empty object; unknown members ignored",
            Some(r#"{"Other":1}"#),
            true,
            Ok((false, false, false)),
            "linear",
        ),
        probe_case(
            "probe failed (no body)",
            None,
            true,
            Ok((false, false, false)),
            "linear",
        ),
        probe_case(
            "not JSON: linear, as in 0.7",
            Some("<html>"),
            true,
            Err(()),
            "linear",
        ),
        probe_case(
            "a member that is not a boolean",
            Some(r#"{"Adler32Chunking":"true"}"#),
            true,
            Err(()),
            "linear",
        ),
    ];
    VFile {
        stem: "c2c_probe",
        ty: "C2cProbe",
        title: "The capability probe and the choice of mode",
        header: vec![
            "`body` is the 200 answer to OPTIONS on the worker URL (absent: the probe failed). Valid: the capabilities it states; invalid: it is no capability document (BW-C2C-5).".into(),
            "`mode` is the mode a buyer chooses for work that is `chunked` (has a chunk boundary) or not: `linear`, `a32chunks` or `syncinfo` (BW-C2C-6); it is given for invalid bodies too.".into(),
        ],
        notes: vec![crate::note("BitWrk07", "LEGACY_COMPAT", "BitWrk 0.7's exact OPTIONS body.", "0.7 buyers would fall back to linear mode or crash.")],
        groups: vec![ours(cases)],
        fields: vec![
            ("body", s_string()),
            ("chunked", s_bool()),
            ("mode", s_enum(&["linear", "a32chunks", "syncinfo"])),
            ("chunking", s_bool()),
            ("gzip", s_bool()),
            ("syncinfo", s_bool()),
        ],
        rules: vec![rule(None, When::Always, &["chunked", "mode"])],
    }
}

use super::*;
use crate::hash::sha256;

/// Adler-32 from its definition (RFC 1950 §8.2).
fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// The boundary rule of BW-C2C-1, written out position by position.
fn naive_boundaries(data: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut j = 0;
    while j < data.len() {
        let n = j - start + 1;
        let hit = n > MIN_CHUNK
            && adler32(&data[j + 1 - WINDOW..=j]) % BOUNDARY_MODULUS == BOUNDARY_RESIDUE;
        if hit || n > MAX_CHUNK {
            out.push(j);
            start = j;
        }
        j += 1;
    }
    out
}

/// Deterministic test bytes: SHA-256 in counter mode over `seed`.
fn bytes(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(sha256(&[seed, &i.to_be_bytes()].concat()).as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

#[test]
fn adler32_known_answer() {
    // BW-C2C-1: the checksum is zlib's Adler-32 ("Wikipedia" = 0x11E60398).
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    let w = bytes(b"window", WINDOW);
    let mut c = Chunker::new();
    assert_eq!(c.scan(&w), None);
    assert_eq!(c.checksum(), adler32(&w));
    // And it keeps rolling exactly.
    let more = bytes(b"more", 70);
    assert_eq!(c.scan(&more), None);
    let all = [w.as_slice(), &more].concat();
    assert_eq!(c.checksum(), adler32(&all[all.len() - WINDOW..]));
}

#[test]
fn boundaries_follow_the_rule() {
    // BW-C2C-1
    for (seed, len) in [(&b"a"[..], 300_000), (b"b", 64 * 1024), (b"c", 1000)] {
        let data = bytes(seed, len);
        assert_eq!(boundaries(&data), naive_boundaries(&data), "seed {seed:?}");
    }
}

#[test]
fn chunk_sizes_stay_in_range() {
    // BW-C2C-1: every chunk but the last has 128 ..= 131072 bytes.
    let data = bytes(b"sizes", 1 << 20);
    let w = ChunkedWork::of(&data);
    assert!(w.chunks.len() > 50, "about 8 KiB on average");
    for c in &w.chunks[..w.chunks.len() - 1] {
        assert!(
            (MIN_CHUNK as u32..=MAX_CHUNK as u32).contains(&c.size),
            "{}",
            c.size
        );
    }
    let zeros = vec![0u8; 3 * MAX_CHUNK + 5];
    let z = ChunkedWork::of(&zeros);
    let sizes: Vec<u32> = z.chunks.iter().map(|c| c.size).collect();
    assert_eq!(sizes, [131_072, 131_072, 131_072, 5]);
}

#[test]
fn keys_and_file_key() {
    // BW-C2C-2, BW-C2C-3
    let data = bytes(b"keys", 200_000);
    let w = ChunkedWork::of(&data);
    assert_eq!(w.key, sha256(&data));
    assert_eq!(w.size, data.len() as u64);
    let offs = w.offsets();
    for (c, &o) in w.chunks.iter().zip(&offs) {
        let o = o as usize;
        assert_eq!(c.key, sha256(&data[o..o + c.size as usize]));
    }
    let total: u64 = w.chunks.iter().map(|c| u64::from(c.size)).sum();
    assert_eq!(total, w.size);
    assert!(w.is_chunked());
    let small = ChunkedWork::of(b"tiny");
    assert!(!small.is_chunked());
    assert_eq!(small.chunks.len(), 1);
    let empty = ChunkedWork::of(b"");
    assert!(empty.chunks.is_empty());
    assert_eq!(empty.key, sha256(b""));
}

#[test]
fn independent_of_how_input_is_split() {
    // BW-C2C-1: the same boundaries for any split of the input.
    let data = bytes(b"split", 400_000);
    let whole = ChunkedWork::of(&data);
    for step in [1usize, 7, 47, 48, 49, 1000, 65_537] {
        let mut f = FileChunker::new();
        let mut at = 0;
        let mut k = 0;
        while at < data.len() {
            let len = (step + k % 3).min(data.len() - at);
            f.update(&data[at..at + len]);
            at += len;
            k += 1;
        }
        assert_eq!(f.finish(), whole, "step {step}");
    }
}

proptest::proptest! {
    #[test]
    fn matches_the_rule_on_random_input(data in proptest::collection::vec(proptest::num::u8::ANY, 0..5000), split in 1usize..600) {
        // BW-C2C-1
        proptest::prop_assert_eq!(boundaries(&data), naive_boundaries(&data));
        let mut f = FileChunker::new();
        for piece in data.chunks(split) {
            f.update(piece);
        }
        proptest::prop_assert_eq!(f.finish(), ChunkedWork::of(&data));
    }
}

use super::*;
use crate::hash::sha256;

mod scan;

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

/// A window that has the boundary checksum (found by search, so
/// deterministic): planting it in data makes a candidate position.
fn hit_windows() -> &'static [Vec<u8>] {
    static HITS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    HITS.get_or_init(|| {
        (0u64..)
            .map(|i| bytes(&i.to_be_bytes(), WINDOW))
            .filter(|w| adler32(w) % BOUNDARY_MODULUS == BOUNDARY_RESIDUE)
            .take(16)
            .collect()
    })
}

/// Data dense in candidates: random stretches of 0 ..= `gap` bytes between
/// planted hit windows, now and then a run of one byte value (up to two
/// maximal chunks long, so some are cut at `MAX_CHUNK`).
fn dense(seed: u64, len: usize, gap: usize) -> Vec<u8> {
    let hits = hit_windows();
    let noise = bytes(&seed.to_be_bytes(), len + gap + 1);
    let mut out = Vec::with_capacity(len + 2 * MAX_CHUNK);
    let mut k = 0usize;
    while out.len() < len {
        let r =
            usize::from(noise[k % noise.len()]) | usize::from(noise[(k + 1) % noise.len()]) << 8;
        if r % 499 == 0 {
            out.resize(
                out.len() + (r * 7) % (2 * MAX_CHUNK) + 1,
                noise[k % noise.len()],
            );
        } else {
            let g = r % (gap + 1);
            let at = (k * 31) % (noise.len() - g);
            out.extend_from_slice(&noise[at..at + g]);
            out.extend_from_slice(&hits[r % hits.len()]);
        }
        k += 1;
    }
    out.truncate(len);
    out
}

/// Boundaries found when `data` is fed in pieces ending at `splits`.
fn split_boundaries(data: &[u8], splits: &[usize]) -> Vec<usize> {
    let mut c = Chunker::new();
    let mut out = Vec::new();
    let mut at = 0;
    for end in splits.iter().copied().chain([data.len()]) {
        let end = end.clamp(at, data.len());
        while let Some(i) = c.scan(&data[at..end]) {
            at += i;
            out.push(at);
        }
        at = end;
    }
    out
}

#[test]
fn filter_never_misses_a_boundary() {
    // BW-C2C-1: `may_be_boundary` holds wherever `is_boundary` does, for
    // every pair of sums a full window can have (s1 ≤ 1 + 48·255, s2 ≤ 48 +
    // 255·1176): for each s2 the s1 that hit form one residue class.
    let (max1, max2) = (1 + 48 * 255, 48 + 255 * 1176);
    let mut hits = 0u32;
    for s2 in 0..=max2 {
        let need = (BOUNDARY_RESIDUE + BOUNDARY_MODULUS * 8
            - 8 * (s2 % ADLER_MOD) % BOUNDARY_MODULUS)
            % BOUNDARY_MODULUS;
        for s1 in (need..=max1).step_by(BOUNDARY_MODULUS as usize) {
            assert!(is_boundary(s1, s2), "s1 {s1} s2 {s2}");
            assert!(may_be_boundary(s1, s2), "s1 {s1} s2 {s2}");
            hits += 1;
        }
    }
    assert!(hits > max2, "{hits}");
    // And it is a filter: it passes few of the others.
    let passed = (0..max2)
        .step_by(7)
        .flat_map(|s2| (1..=max1).step_by(101).map(move |s1| (s1, s2)))
        .filter(|&(s1, s2)| may_be_boundary(s1, s2))
        .count();
    let total = (0..max2).step_by(7).count() * (1..=max1).step_by(101).count();
    assert!(passed * 150 < total, "{passed} of {total}");
}

#[test]
fn residue_filter_never_misses_a_boundary() {
    // BW-C2C-1: the block search's filter sees only a value ≡ 8·s2 + s1
    // modulo 8191, below 53 467; it holds for every such value of every
    // boundary, and passes few residues.
    let (max1, max2) = (1 + 48 * 255, 48 + 255 * 1176);
    let mut hits = 0u32;
    for s2 in (0..=max2).step_by(3) {
        let need = (BOUNDARY_RESIDUE + BOUNDARY_MODULUS * 8
            - 8 * (s2 % ADLER_MOD) % BOUNDARY_MODULUS)
            % BOUNDARY_MODULUS;
        for s1 in (need..=max1).step_by(BOUNDARY_MODULUS as usize) {
            assert!(is_boundary(s1, s2), "s1 {s1} s2 {s2}");
            let r = (8 * s2 + s1) % BOUNDARY_MODULUS;
            for g in (r..53_467).step_by(BOUNDARY_MODULUS as usize) {
                assert!(may_be_boundary_mod(g as u16), "s1 {s1} s2 {s2} g {g}");
            }
            hits += 1;
        }
    }
    assert!(hits > max2 / 3, "{hits}");
    let passed = (0..BOUNDARY_MODULUS as u16)
        .filter(|&g| may_be_boundary_mod(g))
        .count();
    assert_eq!(passed, 32);
}

#[test]
fn dense_candidates_match_the_rule() {
    // BW-C2C-1: planted candidates right after, at and before the 128-byte
    // minimum, long runs cut at 131072, fed whole and in irregular pieces.
    for (seed, gap) in [(1, 0), (2, 40), (3, 90), (4, 200), (5, 3000)] {
        let data = dense(seed, 300_000, gap);
        let want = naive_boundaries(&data);
        assert!(want.len() > 40, "seed {seed}: {}", want.len());
        assert_eq!(boundaries(&data), want, "seed {seed}");
        let splits: Vec<usize> = (1..data.len())
            .step_by(1 + gap % 61 + seed as usize * 13)
            .collect();
        assert_eq!(split_boundaries(&data, &splits), want, "seed {seed}");
    }
}

#[test]
fn every_split_point_near_boundaries() {
    // BW-C2C-1: one split at every offset around the first chunks.
    let data = dense(6, 2000, 60);
    let want = naive_boundaries(&data);
    assert!(want.len() >= 5, "{want:?}");
    for s in 0..700 {
        assert_eq!(split_boundaries(&data, &[s]), want, "split at {s}");
        assert_eq!(
            split_boundaries(&data, &[s, s + 1, s + 47, s + 48, s + 49]),
            want,
            "split at {s}"
        );
    }
}

#[test]
fn constant_bytes() {
    // BW-C2C-1: every value repeated; where its window hits, every chunk
    // has exactly 128 bytes.
    for v in 0..=255u8 {
        let data = vec![v; 2 * MAX_CHUNK + 1000];
        let want = naive_boundaries(&data[..3000]);
        assert_eq!(boundaries(&data[..3000]), want, "byte {v}");
        if adler32(&[v; WINDOW]) % BOUNDARY_MODULUS == BOUNDARY_RESIDUE {
            assert_eq!(want.len(), 3000 / 128, "byte {v}");
        } else {
            assert_eq!(boundaries(&data), [MAX_CHUNK, 2 * MAX_CHUNK], "byte {v}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn matches_the_rule_under_any_split(
        seed in 0u64..1_000_000,
        len in 0usize..30_000,
        gap in 0usize..400,
        mut splits in proptest::collection::vec(0usize..30_000, 0..40),
    ) {
        // BW-C2C-1
        splits.sort_unstable();
        let data = dense(seed, len, gap);
        let want = naive_boundaries(&data);
        proptest::prop_assert_eq!(&boundaries(&data), &want);
        proptest::prop_assert_eq!(&split_boundaries(&data, &splits), &want);
        let mut f = FileChunker::new();
        let mut at = 0;
        for &s in &splits {
            let s = s.clamp(at, data.len());
            f.update(&data[at..s]);
            at = s;
        }
        f.update(&data[at..]);
        proptest::prop_assert_eq!(f.finish(), ChunkedWork::of(&data));
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

/// Cheap deterministic bytes (xorshift64) for the large dedup inputs.
fn fast_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = vec![0u8; len];
    for c in out.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c.copy_from_slice(&x.to_le_bytes()[..c.len()]);
    }
    out
}

/// Bytes of `new` in chunks that `old` does not have, each distinct chunk
/// counted once: what a chunked transfer sends to a seller holding `old`'s
/// chunks (BW-C2C-15). Chunks are compared by content, which is what their
/// keys stand for (BW-C2C-2).
fn unseen_bytes(old: &[u8], new: &[u8]) -> usize {
    fn chunks(data: &[u8]) -> Vec<&[u8]> {
        let mut at = 0;
        let mut out: Vec<&[u8]> = boundaries(data)
            .into_iter()
            .map(|end| {
                let c = &data[at..end];
                at = end;
                c
            })
            .collect();
        out.push(&data[at..]);
        out
    }
    let mut seen: std::collections::HashSet<&[u8]> = chunks(old).into_iter().collect();
    chunks(new)
        .into_iter()
        .filter(|c| seen.insert(c))
        .map(<[u8]>::len)
        .sum()
}

#[test]
fn scattered_changes_cost_little() {
    // BW-C2C-1, BW-C2C-15: a 64 MiB file with 1 % of its bytes changed in
    // 64 regions at random offsets; the new file's chunks that the old one
    // lacks hold at most 3 % of its bytes.
    const LEN: usize = 64 << 20;
    let old = fast_bytes(0xdeed_d00d, LEN);
    let mut new = old.clone();
    let noise = fast_bytes(0x5eed, 2 * 64 * 8);
    let region = LEN / 100 / 64;
    for k in 0..64 {
        let r = u64::from_le_bytes(noise[16 * k..16 * k + 8].try_into().unwrap());
        let at = (r % (LEN - region) as u64) as usize;
        for b in &mut new[at..at + region] {
            *b = !*b;
        }
    }
    let changed = old.iter().zip(&new).filter(|(a, b)| a != b).count();
    assert!(changed > LEN / 100 * 9 / 10, "{changed}");
    let sent = unseen_bytes(&old, &new);
    assert!(sent * 100 <= 3 * LEN, "{sent} of {LEN} bytes");
    assert!(sent >= changed, "{sent} < {changed}");
    // The same file is sent not at all, a shifted one almost not.
    assert_eq!(unseen_bytes(&old, &old), 0);
    let shifted = [&b"prefix"[..], &old[..LEN / 4]].concat();
    assert!(unseen_bytes(&old[..LEN / 4], &shifted) < 3 * MAX_CHUNK);
}

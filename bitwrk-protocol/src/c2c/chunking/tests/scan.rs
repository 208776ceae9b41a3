//! The candidate search (chunking/scan.rs) against the plain rule: every
//! path finds exactly the windows whose zlib Adler-32 value has the
//! boundary residue (BW-C2C-1).

use super::super::scan::{BLOCK, SHORT, find_blocks, find_blocks_baseline, find_rolling};
use super::*;

/// Whether the window ending at `j` is a candidate, by the definition.
fn hits(data: &[u8], j: usize) -> bool {
    adler32(&data[j + 1 - WINDOW..=j]) % BOUNDARY_MODULUS == BOUNDARY_RESIDUE
}

/// Every candidate in `from..to`, by the definition.
fn naive_candidates(data: &[u8], from: usize, to: usize) -> Vec<usize> {
    (from..to).filter(|&j| hits(data, j)).collect()
}

type Find = fn(&[u8], usize, usize) -> Option<usize>;

/// The search paths: the rolling checksum, the blocks compiled for the
/// CPU's vector extensions, the blocks compiled for the baseline target, and
/// the dispatcher the chunker calls.
const PATHS: [(&str, Find); 4] = [
    ("rolling", find_rolling),
    ("blocks", find_blocks),
    ("blocks-baseline", find_blocks_baseline),
    ("dispatch", find_candidate),
];

/// Every candidate in `from..to`, by calling `find` until it finds none.
fn all_candidates(find: Find, data: &[u8], from: usize, to: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = from;
    while let Some(j) = find(data, at, to) {
        assert!((at..to).contains(&j), "{j} outside {at}..{to}");
        out.push(j);
        at = j + 1;
    }
    out
}

fn check_all_paths(data: &[u8], from: usize, to: usize, what: &str) -> usize {
    let want = naive_candidates(data, from, to);
    for (name, find) in PATHS {
        assert_eq!(
            all_candidates(find, data, from, to),
            want,
            "{name} on {what}, {from}..{to}"
        );
        assert_eq!(find(data, from, to), want.first().copied(), "{name}");
    }
    want.len()
}

#[test]
fn every_path_finds_every_candidate() {
    // BW-C2C-1: random, candidate-dense, all-zero and constant data, whole.
    // About one window in 8191 is a candidate.
    let random = bytes(b"paths", 600_000);
    assert!(check_all_paths(&random, WINDOW - 1, random.len(), "random") > 40);
    for (seed, gap) in [(11, 0), (12, 30), (13, 300)] {
        let d = dense(seed, 30_000, gap);
        assert!(check_all_paths(&d, WINDOW - 1, d.len(), "dense") > 50);
    }
    let zeros = vec![0u8; 3 * BLOCK + 100];
    assert_eq!(check_all_paths(&zeros, WINDOW - 1, zeros.len(), "zeros"), 0);
    for v in 0..=255u8 {
        let c = vec![v; 2 * BLOCK + 77];
        check_all_paths(&c, WINDOW - 1, c.len(), "constant");
    }
    // A candidate window repeated: every 48th window is one.
    let rep = hit_windows()[1].repeat(3 * BLOCK / WINDOW);
    let n = check_all_paths(&rep, WINDOW - 1, rep.len(), "repeated");
    assert!(n >= rep.len() / WINDOW, "{n}");
}

#[test]
fn block_edges() {
    // BW-C2C-1: ranges that end just before, at and after block and
    // short-range edges, with a candidate planted at the range's first and
    // last position.
    let hit = &hit_windows()[0];
    let noise = bytes(b"edges", 4 * BLOCK + 4 * WINDOW);
    let lens = [
        1,
        2,
        SHORT - 1,
        SHORT,
        SHORT + 1,
        BLOCK - 1,
        BLOCK,
        BLOCK + 1,
        2 * BLOCK - 1,
        2 * BLOCK,
        2 * BLOCK + 1,
        3 * BLOCK + 5,
    ];
    for from in [WINDOW - 1, WINDOW, 300] {
        for len in lens {
            let to = from + len;
            for (first, last) in [(false, false), (true, false), (false, true), (true, true)] {
                let mut d = noise[..to + 10].to_vec();
                if last {
                    d[to - WINDOW..to].copy_from_slice(hit);
                }
                if first {
                    d[from + 1 - WINDOW..=from].copy_from_slice(hit);
                }
                assert!(!last || len < WINDOW || hits(&d, to - 1));
                assert!(!first || hits(&d, from));
                // Candidates just past `to` must not be reported either.
                check_all_paths(&d, from, to, "edges");
                check_all_paths(&d, from, d.len(), "edges, to the end");
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    #[test]
    fn paths_agree_on_any_range(
        seed in 0u64..1_000_000,
        len in WINDOW..(3 * BLOCK + 200),
        gap in 0usize..200,
        a in 0usize..(3 * BLOCK + 200),
        b in 0usize..(3 * BLOCK + 200),
    ) {
        // BW-C2C-1
        let d = dense(seed, len, gap);
        let (from, to) = (a.min(b).clamp(WINDOW - 1, len), a.max(b).clamp(WINDOW - 1, len));
        check_all_paths(&d, from, to, "proptest");
    }

    #[test]
    fn boundaries_under_random_calls(
        seed in 0u64..1_000_000,
        len in 0usize..(6 * BLOCK),
        zeros in proptest::bool::ANY,
        gap in 0usize..3000,
        sizes in proptest::collection::vec(1usize..(3 * BLOCK), 1..30),
    ) {
        // BW-C2C-1: the chunker fed in random call sizes (cycled), on
        // candidate-dense or all-zero data, cuts where the rule says.
        let d = if zeros { vec![0; len] } else { dense(seed, len, gap) };
        let mut splits = Vec::new();
        let mut at = 0;
        for s in sizes.iter().cycle() {
            at += s;
            if at >= len {
                break;
            }
            splits.push(at);
        }
        proptest::prop_assert_eq!(split_boundaries(&d, &splits), naive_boundaries(&d));
    }
}

//! How much of a changed work file a chunked transfer sends again
//! (BW-C2C-1, BW-C2C-9, BW-C2C-15, BW-C2C-17): a 64 MiB pseudo-random file
//! and copies with scattered changes; for each, the bytes of the new file's
//! chunks that the old file lacks, and the transfer's bookkeeping: the
//! SyncInfo document (256-entry permutation, as 0.7 buyers send), the
//! wishlist and the chunk-data entry headers.
//!
//! Run: `cargo run --release -p bitwrk-protocol --example dedup`.
//! `scattered_changes_cost_little` in the chunker's tests asserts the bound
//! for the 64-region case.

use std::collections::HashSet;

use bitwrk_protocol::c2c::{ChunkedWork, Permutation, SyncInfo, chunkstream};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

const LEN: usize = 64 << 20;

fn main() {
    let mut rng = StdRng::seed_from_u64(0xdedd);
    let mut old = vec![0u8; LEN];
    rng.fill_bytes(&mut old);
    let base = ChunkedWork::of(&old);
    println!(
        "old file: {LEN} bytes, {} chunks, mean {:.0} bytes",
        base.chunks.len(),
        LEN as f64 / base.chunks.len() as f64
    );
    let cases: [(&str, usize, usize); 4] = [
        ("1 % in 64 regions", 64, LEN / 100 / 64),
        ("1 % in 16 regions", 16, LEN / 100 / 16),
        ("64 single bytes", 64, 1),
        ("1 % as single bytes", LEN / 100, 1),
    ];
    for (name, count, len) in cases {
        let mut new = old.clone();
        for _ in 0..count {
            let at = rng.random_range(0..LEN - len);
            for b in &mut new[at..at + len] {
                *b = !*b;
            }
        }
        report(name, &base, &ChunkedWork::of(&new), &mut rng);
    }
}

fn report(name: &str, old: &ChunkedWork, new: &ChunkedWork, rng: &mut StdRng) {
    let held: HashSet<_> = old.chunks.iter().map(|c| c.key).collect();
    let mut asked = HashSet::new();
    let sent: Vec<u32> = new
        .chunks
        .iter()
        .filter(|c| !held.contains(&c.key) && asked.insert(c.key))
        .map(|c| c.size)
        .collect();
    let bytes: u64 = sent.iter().map(|&s| u64::from(s)).sum();
    let perm = Permutation::random(256, rng);
    let k = perm.len();
    let sync = SyncInfo::new(new.chunks.clone(), perm)
        .expect("a 64 MiB file has few enough chunks")
        .to_json()
        .len();
    let wishlist = (new.chunks.len() + k - 1).div_ceil(8);
    let headers: usize = sent
        .iter()
        .map(|&s| chunkstream::entry_header(s).len())
        .sum();
    let size = new.size as f64;
    println!(
        "{name:22} sent {bytes:9} bytes = {:5.2} % in {:5} chunks; SyncInfo {sync} bytes \
         ({:.2} %), wishlist {wishlist}, headers {headers}; total {:5.2} %",
        100.0 * bytes as f64 / size,
        sent.len(),
        100.0 * sync as f64 / size,
        100.0 * (bytes as usize + sync + wishlist + headers) as f64 / size,
    );
}

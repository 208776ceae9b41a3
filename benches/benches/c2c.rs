//! Client-to-client transfer throughput (spec §19).
//!
//! Ids: `c2c/chunk_and_hash` (boundaries, chunk keys and the whole-file key
//! in one pass on one core, what a buyer does to a work file),
//! `c2c/chunk_keys` (boundaries and chunk keys only, as `ChunkHasher` does
//! when a driver computes the whole-file key on another core),
//! `c2c/boundaries` (the Adler-32 scan alone), `c2c/sha256` (one SHA-256 pass, for comparison),
//! `c2c/aes_256_ofb` (result encryption). Input: 64 MiB of pseudo-random
//! bytes, fed in 1 MiB pieces as a driver would.

use std::hint::black_box;

use bitwrk_protocol::c2c::{ChunkHasher, Chunker, FileChunker, ResultKey};
use bitwrk_protocol::hash::Hash256;
use bitwrk_protocol::hash::sha256;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LEN: usize = 64 << 20;
const PIECE: usize = 1 << 20;

fn input() -> Vec<u8> {
    let mut v = vec![0u8; LEN];
    StdRng::seed_from_u64(0xc2c).fill_bytes(&mut v);
    v
}

fn c2c(c: &mut Criterion) {
    let data = input();
    let mut g = c.benchmark_group("c2c");
    g.throughput(Throughput::Bytes(LEN as u64));
    g.sample_size(10);
    g.bench_function("chunk_and_hash", |b| {
        b.iter(|| {
            let mut f = FileChunker::new();
            for piece in data.chunks(PIECE) {
                f.update(piece);
            }
            black_box(f.finish())
        })
    });
    g.bench_function("chunk_keys", |b| {
        b.iter(|| {
            let mut f = ChunkHasher::new();
            for piece in data.chunks(PIECE) {
                f.update(piece);
            }
            black_box(f.finish(Hash256::from_byte_array([0; 32])))
        })
    });
    g.bench_function("boundaries", |b| {
        b.iter(|| {
            let mut ch = Chunker::new();
            let mut n = 0usize;
            for piece in data.chunks(PIECE) {
                let mut p = piece;
                while let Some(i) = ch.scan(p) {
                    n += 1;
                    p = &p[i..];
                }
            }
            black_box(n)
        })
    });
    g.bench_function("sha256", |b| b.iter(|| black_box(sha256(&data))));
    let key = ResultKey::from_byte_array([7; 32]);
    let mut buf = data.clone();
    g.bench_function("aes_256_ofb", |b| {
        b.iter(|| {
            let mut cipher = key.cipher();
            for piece in buf.chunks_mut(PIECE) {
                cipher.apply(piece);
            }
            black_box(buf[0])
        })
    });
    g.finish();
}

criterion_group!(benches, c2c);
criterion_main!(benches);

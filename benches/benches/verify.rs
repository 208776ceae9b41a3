//! Signature verification and signing throughput (issue #4).
//!
//! Ids (see `README.md`): `verify/k256/{single,cached,recover}`,
//! `verify/k256/batch/<n>`, `verify/k256/batch_compat07/<n>`,
//! `verify/k256/batch_legacy07/<n>`, `verify/k256/parallel/<threads>`,
//! `verify/libsecp256k1/{single,recover}`, `sign/k256`.

use std::hint::black_box;

use bitwrk_protocol::hash::{hash160, sha256};
use bitwrk_protocol::signature::{
    SignedMessage, Verifier, VerifyMode, legacy_07_digest, message_digest, sign_digest,
    sign_message,
};
use bitwrk_protocol::{Address, KeyPair, Network, PrivateKey, Signature};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use k256::elliptic_curve::sec1::ToSec1Point;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Seed for the fixed keys and messages.
const RNG_SEED: u64 = 0xb17_3a4c;
/// Distinct signers (one per message: the worst case for batching, no
/// merged terms).
const KEYS: usize = 1024;
/// Cache capacity for the cold single-verification bench: far below
/// `KEYS`, so every lookup misses and every success evicts.
const COLD_CAPACITY: usize = 64;
/// Batch sizes.
const BATCHES: [usize; 4] = [16, 64, 256, 1024];
/// Batch size used by each thread in the parallel run.
const PARALLEL_BATCH: usize = 256;
/// Batch size of the compatible-mode runs.
const COMPAT_BATCH: usize = 256;

struct Fixture {
    address: Address,
    message: Vec<u8>,
    signature: Signature,
    base64: String,
    key: KeyPair,
}

fn fixtures() -> Vec<Fixture> {
    (0..KEYS)
        .map(|i| {
            let secret = sha256(format!("{RNG_SEED}/key/{i}").as_bytes());
            let key = KeyPair::new(
                PrivateKey::from_secret_bytes(secret.as_bytes(), true, Network::Mainnet)
                    .expect("sha256 output is a valid scalar"),
            );
            // A BitWrk-like form document of about 100 bytes.
            let message = format!(
                "article=net.bitwrk.blender.0.1&type=BUY&price=mBTC+0.{i:04}&nonce={:016x}&address={}",
                RNG_SEED.wrapping_mul(i as u64 + 1),
                key.address()
            )
            .into_bytes();
            let signature = sign_message(key.private_key(), &message);
            Fixture {
                address: *key.address(),
                base64: signature.to_base64(),
                message,
                signature,
                key,
            }
        })
        .collect()
}

/// A verifier in `mode` that has verified one message of every signer.
fn warmed_in(fx: &[Fixture], mode: VerifyMode) -> Verifier {
    let mut v = Verifier::with_mode(KEYS, mode);
    for f in fx {
        v.verify_message(&f.address, &f.message, &f.signature)
            .expect("fixture verifies");
    }
    v
}

/// A strict verifier that has verified one message of every signer.
fn warmed(fx: &[Fixture]) -> Verifier {
    warmed_in(fx, VerifyMode::Strict)
}

/// A BitWrk 0.7 result-message-sized document (300 bytes) per signer,
/// signed under the 0.7 legacy digest as a 0.7 seller signs it.
fn legacy_fixtures(fx: &[Fixture]) -> Vec<(Vec<u8>, Signature)> {
    fx.iter()
        .map(|f| {
            let mut message = f.message.clone();
            message.resize(300, b'x');
            let signature = sign_digest(f.key.private_key(), &legacy_07_digest(&message));
            (message, signature)
        })
        .collect()
}

fn signed(fx: &[Fixture]) -> Vec<SignedMessage<'_>> {
    fx.iter()
        .map(|f| SignedMessage::new(f.address, &f.message, f.signature))
        .collect()
}

fn bench_verify(c: &mut Criterion) {
    let fx = fixtures();
    let items = signed(&fx);
    let mut g = c.benchmark_group("verify");

    g.throughput(Throughput::Elements(1));
    let mut cold = Verifier::new(COLD_CAPACITY);
    let mut i = 0;
    g.bench_function("k256/single", |b| {
        b.iter(|| {
            let f = &fx[i % KEYS];
            i += 1;
            black_box(cold.verify_message(&f.address, black_box(&f.message), &f.signature))
        })
    });

    let mut hot = warmed(&fx);
    let mut i = 0;
    g.bench_function("k256/cached", |b| {
        b.iter(|| {
            let f = &fx[i % KEYS];
            i += 1;
            black_box(hot.verify_message(&f.address, black_box(&f.message), &f.signature))
        })
    });

    // Raw k256 recovery: the floor for the cold path.
    let raw: Vec<(k256::ecdsa::Signature, k256::ecdsa::RecoveryId)> = fx
        .iter()
        .map(|f| {
            let bytes = f.signature.as_bytes();
            (
                k256::ecdsa::Signature::from_slice(&bytes[1..]).expect("valid r, s"),
                k256::ecdsa::RecoveryId::from_byte(f.signature.recovery_id()).expect("0..=3"),
            )
        })
        .collect();
    let mut i = 0;
    g.bench_function("k256/recover", |b| {
        b.iter(|| {
            let n = i % KEYS;
            i += 1;
            let digest = message_digest(black_box(&fx[n].message));
            let (sig, recid) = &raw[n];
            let key =
                k256::ecdsa::VerifyingKey::recover_from_prehash(digest.as_bytes(), sig, *recid)
                    .expect("recoverable");
            let point = k256::PublicKey::from(&key).to_sec1_point(true);
            black_box(hash160(point.as_bytes()) == *fx[n].address.hash())
        })
    });

    let mut rng = StdRng::seed_from_u64(RNG_SEED);
    for n in BATCHES {
        g.throughput(Throughput::Elements(n as u64));
        let mut start = 0;
        g.bench_with_input(BenchmarkId::new("k256/batch", n), &n, |b, &n| {
            b.iter(|| {
                let chunk = &items[start..start + n];
                start = (start + n) % KEYS;
                let verdicts = hot.verify_batch(black_box(chunk), &mut rng);
                debug_assert!(verdicts.iter().all(Result::is_ok));
                black_box(verdicts)
            })
        });
    }

    // Compatible mode on the same (Bitcoin-digest) messages: the legacy
    // digest is never computed, so this should match batch/256.
    let mut compat = warmed_in(&fx, VerifyMode::Compat07);
    g.throughput(Throughput::Elements(COMPAT_BATCH as u64));
    let mut start = 0;
    g.bench_with_input(
        BenchmarkId::new("k256/batch_compat07", COMPAT_BATCH),
        &COMPAT_BATCH,
        |b, &n| {
            b.iter(|| {
                let chunk = &items[start..start + n];
                start = (start + n) % KEYS;
                let verdicts = compat.verify_batch(black_box(chunk), &mut rng);
                debug_assert!(verdicts.iter().all(Result::is_ok));
                black_box(verdicts)
            })
        },
    );
    // The worst case of compatible mode: every message is signed under the
    // legacy digest, so the combined check fails all the way down and each
    // member is settled against its cached key under the legacy digest.
    let legacy = legacy_fixtures(&fx);
    let legacy_items: Vec<SignedMessage<'_>> = fx
        .iter()
        .zip(&legacy)
        .map(|(f, (m, s))| SignedMessage::new(f.address, m, *s))
        .collect();
    let mut start = 0;
    g.bench_with_input(
        BenchmarkId::new("k256/batch_legacy07", COMPAT_BATCH),
        &COMPAT_BATCH,
        |b, &n| {
            b.iter(|| {
                let chunk = &legacy_items[start..start + n];
                start = (start + n) % KEYS;
                let verdicts = compat.verify_batch(black_box(chunk), &mut rng);
                debug_assert!(verdicts.iter().all(Result::is_ok));
                black_box(verdicts)
            })
        },
    );

    // libsecp256k1 (C, via the `secp256k1` crate) on the same messages.
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("libsecp256k1/single", |b| {
        b.iter(|| {
            let f = &fx[i % KEYS];
            i += 1;
            black_box(libsecp_verifymessage(
                &f.address,
                black_box(&f.message),
                &f.base64,
            ))
        })
    });

    let parsed: Vec<secp256k1::ecdsa::RecoverableSignature> = fx
        .iter()
        .map(|f| {
            let bytes = f.signature.as_bytes();
            secp256k1::ecdsa::RecoverableSignature::from_compact(
                &bytes[1..],
                secp256k1::ecdsa::RecoveryId::from_u8_masked(f.signature.recovery_id()),
            )
            .expect("valid")
        })
        .collect();
    let mut i = 0;
    g.bench_function("libsecp256k1/recover", |b| {
        b.iter(|| {
            let n = i % KEYS;
            i += 1;
            let digest = message_digest(black_box(&fx[n].message));
            let key = parsed[n]
                .recover_ecdsa(secp256k1::Message::from_digest(*digest.as_bytes()))
                .expect("recoverable");
            black_box(hash160(&key.serialize()) == *fx[n].address.hash())
        })
    });

    // All cores: each thread verifies its share of KEYS messages in batches
    // of PARALLEL_BATCH with its own warmed verifier.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut thread_counts = vec![1];
    if cores > 1 {
        thread_counts.push(cores);
    }
    g.throughput(Throughput::Elements(KEYS as u64));
    for threads in thread_counts {
        let mut workers: Vec<(Verifier, StdRng)> = (0..threads)
            .map(|t| (hot.clone(), StdRng::seed_from_u64(RNG_SEED + t as u64)))
            .collect();
        let per_thread = KEYS / threads;
        g.bench_with_input(
            BenchmarkId::new("k256/parallel", threads),
            &threads,
            |b, _| {
                b.iter(|| {
                    std::thread::scope(|s| {
                        for (t, (verifier, rng)) in workers.iter_mut().enumerate() {
                            let share = &items[t * per_thread..(t + 1) * per_thread];
                            s.spawn(move || {
                                for chunk in share.chunks(PARALLEL_BATCH) {
                                    black_box(verifier.verify_batch(chunk, rng));
                                }
                            });
                        }
                    })
                })
            },
        );
    }
    g.finish();
}

/// Bitcoin Core style `verifymessage` with libsecp256k1: base64 decode,
/// digest, public-key recovery, HASH160 compare.
fn libsecp_verifymessage(address: &Address, message: &[u8], base64: &str) -> bool {
    let Ok(bytes) = bitwrk_protocol::encoding::base64::decode(base64) else {
        return false;
    };
    if bytes.len() != 65 || !(27..=34).contains(&bytes[0]) {
        return false;
    }
    let recid = secp256k1::ecdsa::RecoveryId::from_u8_masked((bytes[0] - 27) & 3);
    let Ok(sig) = secp256k1::ecdsa::RecoverableSignature::from_compact(&bytes[1..], recid) else {
        return false;
    };
    let digest = message_digest(message);
    let Ok(key) = sig.recover_ecdsa(secp256k1::Message::from_digest(*digest.as_bytes())) else {
        return false;
    };
    let hash = if bytes[0] >= 31 {
        hash160(&key.serialize())
    } else {
        hash160(&key.serialize_uncompressed())
    };
    hash == *address.hash()
}

fn bench_sign(c: &mut Criterion) {
    let fx = fixtures();
    let mut g = c.benchmark_group("sign");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("k256", |b| {
        b.iter(|| {
            let f = &fx[i % KEYS];
            i += 1;
            black_box(sign_message(f.key.private_key(), black_box(&f.message)))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_verify, bench_sign);
criterion_main!(benches);

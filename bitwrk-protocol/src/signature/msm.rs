//! Multi-scalar multiplication for batch verification.
//!
//! Two pieces, both variable-time (they only ever see public data):
//!
//! * [`glv_split`] writes a full 256-bit scalar `k` as `k1 + λ·k2 (mod n)`
//!   with `|k1|, |k2| < 2^128`, using secp256k1's efficient endomorphism
//!   `λ·(x, y) = (β·x, y)`. The point `λ·P` costs one field multiplication,
//!   so a 256-bit term becomes two 128-bit terms.
//! * [`pippenger`] computes `Σ kᵢ·Pᵢ` for affine points and scalars below
//!   2^128 with the bucket method: signed radix-2^c digits (so only 2^(c−1)
//!   buckets per window), mixed projective + affine bucket additions, and a
//!   running-sum aggregation of the buckets.

use std::sync::LazyLock;

use k256::elliptic_curve::PrimeField;
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

/// `2^384 · b2 / n`, rounded, as little-endian 64-bit limbs (the lattice
/// projection for the first rounding coefficient of the GLV split).
const G1: [u64; 4] = [
    0xe893_209a_45db_b031,
    0x3daa_8a14_71e8_ca7f,
    0xe86c_90e4_9284_eb15,
    0x3086_d221_a7d4_6bcd,
];

/// `2^384 · (−b1) / n`, rounded, little-endian limbs.
const G2: [u64; 4] = [
    0x1571_b4ae_8ac4_7f71,
    0x2212_08ac_9df5_06c6,
    0x6f54_7fa9_0abf_e4c4,
    0xe443_7ed6_010e_8828,
];

/// −b1 for the short lattice basis of (n, λ).
const MINUS_B1: u128 = 0xe443_7ed6_010e_8828_6f54_7fa9_0abf_e4c3;
/// b2 (= a1) for the short lattice basis of (n, λ).
const B2: u128 = 0x3086_d221_a7d4_6bcd_e86c_90e4_9284_eb15;
/// λ, the cube root of unity mod n with `λ·(x, y) = (β·x, y)`.
const LAMBDA_BE: [u8; 32] = [
    0x53, 0x63, 0xad, 0x4c, 0xc0, 0x5c, 0x30, 0xe0, 0xa5, 0x26, 0x1c, 0x02, 0x88, 0x12, 0x64, 0x5a,
    0x12, 0x2e, 0x22, 0xea, 0x20, 0x81, 0x66, 0x78, 0xdf, 0x02, 0x96, 0x7c, 0x1b, 0x23, 0xbd, 0x72,
];

struct GlvConstants {
    minus_b1: Scalar,
    minus_b2: Scalar,
    minus_lambda: Scalar,
}

static GLV: LazyLock<GlvConstants> = LazyLock::new(|| {
    let lambda: Option<Scalar> = Scalar::from_repr(FieldBytes::from(LAMBDA_BE)).into();
    GlvConstants {
        minus_b1: Scalar::from(MINUS_B1),
        minus_b2: -Scalar::from(B2),
        minus_lambda: -lambda.expect("λ is below n"),
    }
});

/// λ as a scalar (for tests of the endomorphism relation).
#[cfg(test)]
pub(crate) fn lambda() -> Scalar {
    -GLV.minus_lambda
}

/// Little-endian limbs of a scalar's canonical value.
fn limbs(k: &Scalar) -> [u64; 4] {
    let bytes = k.to_bytes();
    core::array::from_fn(|i| {
        let start = 32 - 8 * (i + 1);
        u64::from_be_bytes(bytes[start..start + 8].try_into().expect("8 bytes"))
    })
}

/// `round(k · g / 2^384)` for 256-bit `k` and `g`; the result fits 128 bits
/// because both constants are below `2^384 / n`.
fn mul_shift_384(k: &[u64; 4], g: &[u64; 4]) -> u128 {
    let mut wide = [0u64; 8];
    for (i, &a) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &b) in g.iter().enumerate() {
            let t = u128::from(a) * u128::from(b) + u128::from(wide[i + j]) + carry;
            wide[i + j] = t as u64;
            carry = t >> 64;
        }
        wide[i + 4] = carry as u64;
    }
    let high = (u128::from(wide[7]) << 64) | u128::from(wide[6]);
    high.wrapping_add(u128::from(wide[5] >> 63))
}

/// A 128-bit magnitude with a sign: the scalar `±magnitude (mod n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    pub negative: bool,
    pub magnitude: u128,
}

/// `k` as a short signed value if `k` or `−k` is below 2^128.
fn short(k: &Scalar) -> Option<Short> {
    let fits = |s: &Scalar| {
        let bytes = s.to_bytes();
        bytes[..16]
            .iter()
            .all(|&b| b == 0)
            .then(|| u128::from_be_bytes(bytes[16..].try_into().expect("16 bytes")))
    };
    if let Some(magnitude) = fits(k) {
        return Some(Short {
            negative: false,
            magnitude,
        });
    }
    fits(&-*k).map(|magnitude| Short {
        negative: true,
        magnitude,
    })
}

/// Splits `k` into `(k1, k2)` with `k ≡ k1 + λ·k2 (mod n)` and both halves
/// below 2^128 in absolute value. The bound is a theorem about the lattice
/// basis; `None` would mean the constants are wrong, and callers then treat
/// the batch as failed (and fall back to single verification) rather than
/// panic.
pub(crate) fn glv_split(k: &Scalar) -> Option<[Short; 2]> {
    let glv = &*GLV;
    let kl = limbs(k);
    let c1 = Scalar::from(mul_shift_384(&kl, &G1));
    let c2 = Scalar::from(mul_shift_384(&kl, &G2));
    let k2 = c1 * glv.minus_b1 + c2 * glv.minus_b2;
    let k1 = *k + k2 * glv.minus_lambda;
    Some([short(&k1)?, short(&k2)?])
}

/// Window width for `n` points with 128-bit scalars: the `c` minimising
/// `windows(c) · (n + 2^c)` (bucket additions plus bucket aggregation).
fn window_bits(n: usize) -> u32 {
    (2..=16u32)
        .min_by_key(|&c| {
            let windows = 129usize.div_ceil(c as usize);
            windows * (n + (1usize << c))
        })
        .unwrap_or(4)
}

/// Signed radix-2^c digits of `k < 2^128`, least significant first, each
/// in `[−2^(c−1), 2^(c−1)]`; `ceil(129 / c)` digits always suffice.
fn signed_digits(k: u128, c: u32, out: &mut Vec<i32>) {
    let windows = 129u32.div_ceil(c);
    let mask = (1u128 << c) - 1;
    let half = 1i32 << (c - 1);
    let mut carry = 0i32;
    for w in 0..windows {
        let shift = w * c;
        let raw = if shift >= 128 {
            0
        } else {
            ((k >> shift) & mask) as i32
        };
        let mut digit = raw + carry;
        carry = 0;
        if digit > half {
            digit -= 1 << c;
            carry = 1;
        }
        out.push(digit);
    }
    debug_assert_eq!(carry, 0, "ceil(129/c) windows absorb the final carry");
}

/// `Σ scalars[i] · points[i]` for scalars below 2^128 (Pippenger's bucket
/// method). `points` and `scalars` have equal length.
pub(crate) fn pippenger(points: &[AffinePoint], scalars: &[u128]) -> ProjectivePoint {
    debug_assert_eq!(points.len(), scalars.len());
    let n = points.len().min(scalars.len());
    if n == 0 {
        return ProjectivePoint::IDENTITY;
    }
    let c = window_bits(n);
    let windows = 129u32.div_ceil(c) as usize;
    let mut digits = Vec::with_capacity(n * windows);
    for &k in &scalars[..n] {
        signed_digits(k, c, &mut digits);
    }
    let mut buckets = vec![ProjectivePoint::IDENTITY; 1usize << (c - 1)];
    let mut acc = ProjectivePoint::IDENTITY;
    for w in (0..windows).rev() {
        for _ in 0..c {
            acc = acc.double();
        }
        buckets.fill(ProjectivePoint::IDENTITY);
        let mut highest = 0usize;
        for (i, point) in points[..n].iter().enumerate() {
            let d = digits[i * windows + w];
            if d > 0 {
                let b = (d - 1) as usize;
                buckets[b] += point;
                highest = highest.max(b + 1);
            } else if d < 0 {
                let b = (-d - 1) as usize;
                buckets[b] -= point;
                highest = highest.max(b + 1);
            }
        }
        // Σ (b+1)·bucket[b] as a running sum from the top bucket down.
        let mut running = ProjectivePoint::IDENTITY;
        let mut sum = ProjectivePoint::IDENTITY;
        for bucket in buckets[..highest].iter().rev() {
            running += bucket;
            sum += &running;
        }
        acc += &sum;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::elliptic_curve::ops::LinearCombination;

    fn scalar_from_seed(seed: u64) -> Scalar {
        // A deterministic spread of full-width scalars.
        let mut bytes = [0u8; 32];
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for b in bytes.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let s: Option<Scalar> = Scalar::from_repr(FieldBytes::from(bytes)).into();
        s.unwrap_or(Scalar::ONE)
    }

    fn signed(s: Short) -> Scalar {
        let v = Scalar::from(s.magnitude);
        if s.negative { -v } else { v }
    }

    #[test]
    fn lambda_is_the_endomorphism() {
        let p = ProjectivePoint::GENERATOR * scalar_from_seed(7);
        assert_eq!(p * lambda(), p.endomorphism());
        assert_eq!(lambda() * lambda() * lambda(), Scalar::ONE);
    }

    #[test]
    fn glv_split_recombines_and_is_short() {
        let mut cases = vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE, lambda(), -lambda()];
        cases.extend((0..200).map(scalar_from_seed));
        for k in cases {
            let [k1, k2] = glv_split(&k).expect("short halves");
            assert_eq!(signed(k1) + lambda() * signed(k2), k, "k = {k:?}");
        }
    }

    #[test]
    fn signed_digits_recombine() {
        for c in 2..=16 {
            for k in [
                0u128,
                1,
                u128::MAX,
                1 << 127,
                0x1234_5678_9abc_def0_0fed_cba9_8765_4321,
            ] {
                let mut d = Vec::new();
                signed_digits(k, c, &mut d);
                let half = 1i32 << (c - 1);
                assert!(d.iter().all(|&x| -half <= x && x <= half), "c={c}");
                let mut v = Scalar::ZERO;
                for &x in d.iter().rev() {
                    v = v * Scalar::from(1u64 << c) + signed_digit(x);
                }
                assert_eq!(v, Scalar::from(k), "c={c} k={k}");
            }
        }
    }

    fn signed_digit(x: i32) -> Scalar {
        let v = Scalar::from(x.unsigned_abs() as u64);
        if x < 0 { -v } else { v }
    }

    #[test]
    fn pippenger_matches_lincomb() {
        for n in [1usize, 2, 5, 17, 40] {
            let points: Vec<AffinePoint> = (0..n)
                .map(|i| {
                    (ProjectivePoint::GENERATOR * scalar_from_seed(i as u64 + 100)).to_affine()
                })
                .collect();
            let scalars: Vec<u128> = (0..n)
                .map(|i| {
                    let b = scalar_from_seed(i as u64 + 1000).to_bytes();
                    u128::from_be_bytes(b[16..].try_into().unwrap()) >> (i % 3 * 40)
                })
                .collect();
            let terms: Vec<(ProjectivePoint, Scalar)> = points
                .iter()
                .zip(&scalars)
                .map(|(p, k)| (ProjectivePoint::from(*p), Scalar::from(*k)))
                .collect();
            let expected = ProjectivePoint::lincomb_vartime(terms.as_slice());
            assert_eq!(pippenger(&points, &scalars), expected, "n = {n}");
        }
    }
}

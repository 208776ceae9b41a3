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

use k256::elliptic_curve::hazmat::FieldArithmetic;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::{CurveAffine, PrimeField};
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

/// A base-field element (k256's, reached through the hazmat trait). Its
/// representation is lazily reduced: every value here is kept at
/// magnitude 1 between operations (k256 checks this in debug builds).
pub(crate) type Fe = <k256::Secp256k1 as FieldArithmetic>::FieldElement;

/// β, the cube root of unity mod p with `λ·(x, y) = (β·x, y)`.
const BETA_BE: [u8; 32] = [
    0x7a, 0xe9, 0x6a, 0x2b, 0x65, 0x7c, 0x07, 0x10, 0x6e, 0x64, 0x47, 0x9e, 0xac, 0x34, 0x34, 0xe9,
    0x9c, 0xf0, 0x49, 0x75, 0x12, 0xf5, 0x89, 0x95, 0xc1, 0x39, 0x6c, 0x28, 0x71, 0x95, 0x01, 0xee,
];

static BETA: LazyLock<Fe> = LazyLock::new(|| {
    Option::<Fe>::from(Fe::from_bytes(&FieldBytes::from(BETA_BE))).expect("β is below p")
});

/// A finite affine point with coordinates of magnitude 1.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pt {
    x: Fe,
    y: Fe,
}

impl Pt {
    /// The point of a k256 affine point; `None` for the identity.
    pub(crate) fn from_k256(p: &AffinePoint) -> Option<Pt> {
        if bool::from(p.is_identity()) {
            return None;
        }
        let x = Fe::from_bytes(&p.x()).into_option()?;
        let y = Fe::from_bytes(&p.y()).into_option()?;
        Some(Pt { x, y })
    }

    /// The point with x coordinate `x` and the given y parity, if `x < p`
    /// and `x³ + 7` is a square — the same rule as k256's decompression.
    pub(crate) fn decompress(x: &FieldBytes, y_odd: bool) -> Option<Pt> {
        let x = Fe::from_bytes(x).into_option()?;
        let rhs = x.square().mul(&x) + Fe::from_u64(7);
        let y = rhs.sqrt().into_option()?.normalize();
        let y = if bool::from(y.is_odd()) == y_odd {
            y
        } else {
            y.negate(1).normalize()
        };
        Some(Pt { x, y })
    }

    pub(crate) fn neg(&self) -> Pt {
        Pt {
            x: self.x,
            y: self.y.negate(1).normalize_weak(),
        }
    }

    /// `λ·self`.
    pub(crate) fn endomorphism(&self) -> Pt {
        Pt {
            x: self.x.mul(&BETA),
            y: self.y,
        }
    }

    fn to_k256(self) -> Option<AffinePoint> {
        AffinePoint::from_coordinates(&self.x.to_bytes(), &self.y.to_bytes()).into_option()
    }

    /// `self + other` given `inv = 1 / (other.x − self.x)`.
    fn add_with_inverse(&self, other: &Pt, inv: &Fe) -> Pt {
        let slope = (other.y + self.y.negate(1)).mul(inv);
        let x = (slope.square() + self.x.negate(1) + other.x.negate(1)).normalize_weak();
        let y = (slope.mul(&(self.x + x.negate(1))) + self.y.negate(1)).normalize_weak();
        Pt { x, y }
    }

    /// `2·self` given `inv = 1 / (2·self.y)`.
    fn double_with_inverse(&self, inv: &Fe) -> Pt {
        let slope = self.x.square().mul_single(3).mul(inv);
        let x = (slope.square() + self.x.negate(1).double()).normalize_weak();
        let y = (slope.mul(&(self.x + x.negate(1))) + self.y.negate(1)).normalize_weak();
        Pt { x, y }
    }
}

/// Inverts every element in place with one field inversion (Montgomery's
/// trick). `None` if some element is zero (callers never pass one).
fn batch_invert_fe(values: &mut [Fe], prefix: &mut Vec<Fe>) -> Option<()> {
    prefix.clear();
    let mut acc = Fe::ONE;
    for v in values.iter() {
        prefix.push(acc);
        acc = acc.mul(v);
    }
    let mut inv = acc.invert_vartime().into_option()?;
    for (v, p) in values.iter_mut().zip(prefix.iter()).rev() {
        let next = inv.mul(v);
        *v = inv.mul(p);
        inv = next;
    }
    Some(())
}

/// How a pair of points in a bucket is combined.
#[derive(Clone, Copy)]
enum Pair {
    Add,
    Double,
    /// The points are negatives of each other: the sum is the identity.
    Cancel,
}

/// Scratch space for [`reduce_buckets`].
#[derive(Default)]
struct Scratch {
    next: Vec<Pt>,
    pairs: Vec<Pair>,
    denominators: Vec<Fe>,
    prefix: Vec<Fe>,
}

/// Adds up the points of every bucket in affine coordinates. `work` holds
/// the points grouped by bucket, `lens[b]` points for bucket b. Each round
/// adds disjoint pairs inside every bucket, sharing one field inversion
/// among all pairs of the round, until every bucket holds at most one point.
fn reduce_buckets(work: &mut Vec<Pt>, lens: &mut [usize], scratch: &mut Scratch) -> Option<()> {
    while lens.iter().any(|&l| l > 1) {
        scratch.pairs.clear();
        scratch.denominators.clear();
        let mut pos = 0;
        for &len in lens.iter() {
            for k in 0..len / 2 {
                let (a, b) = (&work[pos + 2 * k], &work[pos + 2 * k + 1]);
                let dx = b.x + a.x.negate(1);
                if !bool::from(dx.normalizes_to_zero()) {
                    scratch.pairs.push(Pair::Add);
                    scratch.denominators.push(dx);
                } else if bool::from((b.y + a.y.negate(1)).normalizes_to_zero()) {
                    scratch.pairs.push(Pair::Double);
                    scratch.denominators.push(a.y.double());
                } else {
                    scratch.pairs.push(Pair::Cancel);
                }
            }
            pos += len;
        }
        batch_invert_fe(&mut scratch.denominators, &mut scratch.prefix)?;
        scratch.next.clear();
        let (mut pos, mut pair, mut inv) = (0, 0, 0);
        for len in lens.iter_mut() {
            let mut new_len = 0;
            for k in 0..*len / 2 {
                let (a, b) = (&work[pos + 2 * k], &work[pos + 2 * k + 1]);
                match scratch.pairs[pair] {
                    Pair::Add => {
                        scratch
                            .next
                            .push(a.add_with_inverse(b, &scratch.denominators[inv]));
                        inv += 1;
                        new_len += 1;
                    }
                    Pair::Double => {
                        scratch
                            .next
                            .push(a.double_with_inverse(&scratch.denominators[inv]));
                        inv += 1;
                        new_len += 1;
                    }
                    Pair::Cancel => {}
                }
                pair += 1;
            }
            if *len % 2 == 1 {
                scratch.next.push(work[pos + *len - 1]);
                new_len += 1;
            }
            pos += *len;
            *len = new_len;
        }
        core::mem::swap(work, &mut scratch.next);
    }
    Some(())
}

/// Field multiplications per variable-time inversion, a deliberately high
/// estimate (profiles put it at 85–200), so that small inputs keep the
/// projective strategy, whose cost does not depend on it.
const INVERSION_COST: usize = 200;

/// How buckets are accumulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// Projective buckets, one mixed addition per point (best for few points).
    Projective,
    /// Affine buckets added in rounds sharing one inversion (best for many).
    Affine,
}

/// Strategy and window width for `n` points with 128-bit scalars, from a
/// cost model in field multiplications per window: affine accumulation
/// costs about `6n` plus one inversion per round, projective about `11n`;
/// aggregating a bucket costs about 31 resp. 23.
fn plan(n: usize) -> (Strategy, u32) {
    let mut best = (usize::MAX, Strategy::Projective, 4);
    for c in 2..=16u32 {
        let windows = 129usize.div_ceil(c as usize);
        let buckets = 1usize << (c - 1);
        let rounds = (n / buckets).max(1).ilog2() as usize + 2;
        let affine = windows * (6 * n + 31 * buckets + INVERSION_COST * rounds);
        let projective = windows * (11 * n + 23 * buckets);
        if affine < best.0 {
            best = (affine, Strategy::Affine, c);
        }
        if projective < best.0 {
            best = (projective, Strategy::Projective, c);
        }
    }
    (best.1, best.2)
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
/// method with affine bucket accumulation). `None` only if an internal
/// invariant fails (a zero denominator or an off-curve bucket), which the
/// caller treats as a failed check.
pub(crate) fn pippenger(points: &[Pt], scalars: &[u128]) -> Option<ProjectivePoint> {
    debug_assert_eq!(points.len(), scalars.len());
    let n = points.len().min(scalars.len());
    if n == 0 {
        return Some(ProjectivePoint::IDENTITY);
    }
    let (strategy, c) = plan(n);
    let windows = 129u32.div_ceil(c) as usize;
    let mut digits = Vec::with_capacity(n * windows);
    for &k in &scalars[..n] {
        signed_digits(k, c, &mut digits);
    }
    match strategy {
        Strategy::Affine => pippenger_affine(&points[..n], &digits, c),
        Strategy::Projective => {
            let points = points[..n]
                .iter()
                .map(|p| p.to_k256())
                .collect::<Option<Vec<_>>>()?;
            Some(pippenger_projective(&points, &digits, c))
        }
    }
}

/// Bucket method with projective buckets; `digits` holds each point's
/// signed digits, least significant first.
fn pippenger_projective(points: &[AffinePoint], digits: &[i32], c: u32) -> ProjectivePoint {
    let windows = 129u32.div_ceil(c) as usize;
    let mut buckets: Vec<Option<ProjectivePoint>> = vec![None; 1usize << (c - 1)];
    let mut acc: Option<ProjectivePoint> = None;
    for w in (0..windows).rev() {
        if let Some(acc) = acc.as_mut() {
            for _ in 0..c {
                acc.double_in_place();
            }
        }
        buckets.fill(None);
        for (i, point) in points.iter().enumerate() {
            let d = digits[i * windows + w];
            if d == 0 {
                continue;
            }
            let b = (d.unsigned_abs() - 1) as usize;
            let point = if d > 0 { *point } else { -*point };
            match &mut buckets[b] {
                // The first point of a bucket is stored, not added to the identity.
                Some(bucket) => *bucket += &point,
                empty => *empty = Some(ProjectivePoint::from(point)),
            }
        }
        // Σ (b+1)·bucket[b] as a running sum from the top bucket down.
        let mut running: Option<ProjectivePoint> = None;
        let mut sum: Option<ProjectivePoint> = None;
        for bucket in buckets.iter().rev() {
            running = add_opt(running, bucket.as_ref());
            sum = add_opt(sum, running.as_ref());
        }
        acc = add_opt(acc, sum.as_ref());
    }
    acc.unwrap_or(ProjectivePoint::IDENTITY)
}

/// Bucket method with affine buckets (see [`reduce_buckets`]).
fn pippenger_affine(points: &[Pt], digits: &[i32], c: u32) -> Option<ProjectivePoint> {
    let n = points.len();
    let windows = 129u32.div_ceil(c) as usize;
    let buckets = 1usize << (c - 1);
    let mut lens = vec![0usize; buckets];
    let mut offsets = vec![0usize; buckets];
    let mut work: Vec<Pt> = Vec::with_capacity(n);
    let mut scratch = Scratch::default();
    let mut acc: Option<ProjectivePoint> = None;
    for w in (0..windows).rev() {
        if let Some(acc) = acc.as_mut() {
            for _ in 0..c {
                acc.double_in_place();
            }
        }
        // Group the (signed) points by bucket: a counting sort on |digit|.
        lens.fill(0);
        for i in 0..n {
            let d = digits[i * windows + w];
            if d != 0 {
                lens[(d.unsigned_abs() - 1) as usize] += 1;
            }
        }
        let mut total = 0;
        for (o, &l) in offsets.iter_mut().zip(&lens) {
            *o = total;
            total += l;
        }
        work.clear();
        work.resize(total, points[0]);
        for (i, point) in points.iter().enumerate() {
            let d = digits[i * windows + w];
            if d != 0 {
                let b = (d.unsigned_abs() - 1) as usize;
                work[offsets[b]] = if d > 0 { *point } else { point.neg() };
                offsets[b] += 1;
            }
        }
        reduce_buckets(&mut work, &mut lens, &mut scratch)?;
        // Σ (b+1)·bucket[b] as a running sum from the top bucket down.
        let mut running: Option<ProjectivePoint> = None;
        let mut sum: Option<ProjectivePoint> = None;
        let mut next = work.len();
        for &len in lens.iter().rev() {
            if len == 1 {
                next -= 1;
                let bucket = work[next].to_k256()?;
                running = Some(match running {
                    Some(r) => r + bucket,
                    None => ProjectivePoint::from(bucket),
                });
            }
            sum = add_opt(sum, running.as_ref());
        }
        acc = add_opt(acc, sum.as_ref());
    }
    Some(acc.unwrap_or(ProjectivePoint::IDENTITY))
}

/// `a + b` where `None` stands for the identity.
fn add_opt(a: Option<ProjectivePoint>, b: Option<&ProjectivePoint>) -> Option<ProjectivePoint> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (None, Some(b)) => Some(*b),
        (a, None) => a,
    }
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
    fn plan_prefers_affine_buckets_for_large_inputs() {
        assert_eq!(plan(48).0, Strategy::Projective);
        assert_eq!(plan(3 * 1024).0, Strategy::Affine);
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
        // Includes repeated and negated points, so that buckets see
        // doublings and cancellations.
        for n in [1usize, 2, 5, 17, 40, 300] {
            let mut points: Vec<AffinePoint> = (0..n)
                .map(|i| {
                    (ProjectivePoint::GENERATOR * scalar_from_seed(i as u64 % 7 + 100)).to_affine()
                })
                .collect();
            for i in (0..n).step_by(5) {
                points[i] = -points[i];
            }
            let scalars: Vec<u128> = (0..n)
                .map(|i| {
                    let b = scalar_from_seed(i as u64 % 11 + 1000).to_bytes();
                    u128::from_be_bytes(b[16..].try_into().unwrap()) >> (i % 3 * 40)
                })
                .collect();
            let terms: Vec<(ProjectivePoint, Scalar)> = points
                .iter()
                .zip(&scalars)
                .map(|(p, k)| (ProjectivePoint::from(*p), Scalar::from(*k)))
                .collect();
            let expected = ProjectivePoint::lincomb_vartime(terms.as_slice());
            let pts: Vec<Pt> = points.iter().map(|p| Pt::from_k256(p).unwrap()).collect();
            assert_eq!(pippenger(&pts, &scalars), Some(expected), "n = {n}");
            // Both bucket strategies, whatever `plan` picks for this n.
            for c in [3, 6] {
                let mut digits = Vec::new();
                for &k in &scalars {
                    signed_digits(k, c, &mut digits);
                }
                assert_eq!(
                    pippenger_affine(&pts, &digits, c),
                    Some(expected),
                    "n = {n}, c = {c}"
                );
                assert_eq!(
                    pippenger_projective(&points, &digits, c),
                    expected,
                    "n = {n}, c = {c}"
                );
            }
        }
    }

    #[test]
    fn decompress_and_endomorphism_match_k256() {
        use k256::elliptic_curve::point::DecompressPoint;
        for i in 0..20 {
            let p = (ProjectivePoint::GENERATOR * scalar_from_seed(i)).to_affine();
            let odd = bool::from(p.y_is_odd());
            let ours = Pt::decompress(&p.x(), odd).unwrap();
            assert_eq!(ours.to_k256(), Some(p));
            let theirs = AffinePoint::decompress(&p.x(), (odd as u8).into()).unwrap();
            assert_eq!(theirs, p);
            let lp = (ProjectivePoint::from(p) * lambda()).to_affine();
            assert_eq!(ours.endomorphism().to_k256(), Some(lp));
        }
        // x = 5: x³ + 7 = 132 is not a square mod p; x = p is out of range.
        let mut five = [0u8; 32];
        five[31] = 5;
        assert_eq!(
            Pt::decompress(&FieldBytes::from(five), false).is_some(),
            bool::from(AffinePoint::decompress(&FieldBytes::from(five), 0.into()).is_some())
        );
        assert!(Pt::decompress(&FieldBytes::from([0xff; 32]), false).is_none());
    }
}

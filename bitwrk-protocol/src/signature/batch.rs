//! The algebra of cached-key and batch verification (informative spec
//! section 5.A).
//!
//! For a signature (r, s) with recovery id `recid` over digest e, single
//! verification (BW-SIG-7, BW-SIG-9) decompresses the point R with
//! x = r + (recid >> 1)·n and y parity `recid & 1`, recovers
//! `Q' = r⁻¹(s·R − e·G)` and compares HASH160 of `Q'`'s serialisation with
//! the claimed address. When the claimed address's key Q is already known
//! (and was serialised the way the header says), `Q' = Q` holds exactly when
//! `s·R − e·G − r·Q = 0`, equivalently `R − u·G − v·Q = 0` with
//! `u = e/s`, `v = r/s`. A batch checks a random linear combination of those
//! equations with one multi-scalar multiplication.

use k256::elliptic_curve::ops::{MulByGeneratorVartime, Reduce};
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::{Group, PrimeField};
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

use super::Signature;
use super::msm::{Pt, glv_split, pippenger};
use crate::hash::Hash256;
use crate::key::PublicKey;

/// The curve order n, big-endian.
const ORDER_BE: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// The x coordinate of R as bytes: r, or r + n when recovery id bit 1 is
/// set (BW-SIG-7). `None` if r + n overflows 256 bits; a value ≥ p is
/// rejected later by decompression, exactly as in single recovery.
fn r_x_bytes(sig: &Signature) -> Option<FieldBytes> {
    let mut x = *sig.r();
    if sig.recovery_id() & 2 != 0 {
        let mut carry = 0u16;
        for (xb, nb) in x.iter_mut().zip(ORDER_BE.iter()).rev() {
            let t = u16::from(*xb) + u16::from(*nb) + carry;
            *xb = t as u8;
            carry = t >> 8;
        }
        if carry != 0 {
            return None;
        }
    }
    Some(FieldBytes::from(x))
}

/// The point R that single recovery uses, or `None` when single recovery
/// would report `sig.unrecoverable` because R does not exist.
pub(crate) fn r_point(sig: &Signature) -> Option<Pt> {
    Pt::decompress(&r_x_bytes(sig)?, sig.recovery_id() & 1 == 1)
}

fn scalar(bytes: &[u8; 32]) -> Scalar {
    // r and s were range-checked when the Signature was built (BW-SIG-6).
    Option::<Scalar>::from(Scalar::from_repr(FieldBytes::from(*bytes))).unwrap_or(Scalar::ZERO)
}

fn digest_scalar(digest: &Hash256) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*digest.as_bytes()))
}

/// Whether single recovery of `sig` over `digest` gives exactly `key`'s
/// point: computes `R'' = (e/s)·G + (r/s)·Q` and compares it with the R the
/// header describes (x = r or r + n, y parity), which needs no square root.
/// A `false` says nothing about *why*; callers then run single verification
/// to get the exact error.
pub(crate) fn matches_key(key: &PublicKey, digest: &Hash256, sig: &Signature) -> bool {
    let Some(x) = r_x_bytes(sig) else {
        return false;
    };
    let Some(s_inv) = Option::<Scalar>::from(scalar(sig.s()).invert_vartime()) else {
        return false;
    };
    let u = digest_scalar(digest) * s_inv;
    let v = scalar(sig.r()) * s_inv;
    let q = ProjectivePoint::from(*key.as_k256().as_affine());
    let candidate = ProjectivePoint::mul_by_generator_and_mul_add_vartime(&u, &v, &q);
    if bool::from(candidate.is_identity()) {
        return false;
    }
    let candidate = candidate.to_affine();
    candidate.x() == x && bool::from(candidate.y_is_odd()) == (sig.recovery_id() & 1 == 1)
}

/// One batch member whose signer's key is cached and whose R exists.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Position in the caller's list.
    pub index: usize,
    /// The message's Bitcoin digest (kept for the single-verification
    /// fallback).
    pub digest: Hash256,
    /// R from r and the recovery id.
    pub r_point: Pt,
    /// Index into [`Prepared::signers`].
    pub signer: usize,
    r: Scalar,
    s: Scalar,
    e: Scalar,
}

impl Member {
    /// A member whose combined check uses the digest `checked` (the
    /// Bitcoin `digest`, or in compatible mode possibly the legacy one).
    pub(crate) fn new(
        index: usize,
        digest: Hash256,
        checked: &Hash256,
        sig: &Signature,
        r_point: Pt,
        signer: usize,
    ) -> Member {
        Member {
            index,
            digest,
            r_point,
            signer,
            r: scalar(sig.r()),
            s: scalar(sig.s()),
            e: digest_scalar(checked),
        }
    }
}

/// A batch ready for checking: per member the weight z and the products
/// `z·u`, `z·v`; per distinct signer Q and λ·Q in affine form.
#[derive(Debug)]
pub(crate) struct Prepared {
    members: Vec<Member>,
    weights: Vec<u128>,
    zu: Vec<Scalar>,
    zv: Vec<Scalar>,
    signers: Vec<[Pt; 2]>,
}

/// Inverts every element with one field inversion (Montgomery's trick).
/// Every input is non-zero (s ∈ [1, n−1]).
fn batch_invert(values: &[Scalar]) -> Option<Vec<Scalar>> {
    let mut prefix = Vec::with_capacity(values.len());
    let mut acc = Scalar::ONE;
    for v in values {
        prefix.push(acc);
        acc *= v;
    }
    let mut inv = Option::<Scalar>::from(acc.invert_vartime())?;
    let mut out = vec![Scalar::ZERO; values.len()];
    for i in (0..values.len()).rev() {
        out[i] = prefix[i] * inv;
        inv *= values[i];
    }
    Some(out)
}

impl Prepared {
    /// `weights[i]` is member i's random 128-bit weight; `signer_keys[j]` is
    /// the cached key of signer j.
    pub(crate) fn new(
        members: Vec<Member>,
        weights: Vec<u128>,
        signer_keys: &[AffinePoint],
    ) -> Option<Prepared> {
        let s: Vec<Scalar> = members.iter().map(|m| m.s).collect();
        let s_inv = batch_invert(&s)?;
        let mut zu = Vec::with_capacity(members.len());
        let mut zv = Vec::with_capacity(members.len());
        for ((m, si), &w) in members.iter().zip(&s_inv).zip(&weights) {
            let z = Scalar::from(w) * si;
            zu.push(z * m.e);
            zv.push(z * m.r);
        }
        let signers = signer_keys
            .iter()
            .map(|q| Pt::from_k256(q).map(|q| [q, q.endomorphism()]))
            .collect::<Option<Vec<_>>>()?;
        Some(Prepared {
            members,
            weights,
            zu,
            zv,
            signers,
        })
    }

    pub(crate) fn members(&self) -> &[Member] {
        &self.members
    }

    /// Checks `Σ zᵢ·(Rᵢ − uᵢ·G − vᵢ·Qᵢ) = 0` over the members at `subset`
    /// (indices into [`members`](Self::members)). `true` means every member
    /// of the subset passes single verification, except with probability
    /// about 2⁻¹²⁸; `false` means at least one fails (or, never in practice,
    /// that a scalar could not be split — the caller then bisects down to
    /// single verification, which is always exact).
    pub(crate) fn check(&self, subset: &[usize]) -> bool {
        let mut points = Vec::with_capacity(subset.len() * 3);
        let mut scalars = Vec::with_capacity(subset.len() * 3);
        let mut g = Scalar::ZERO;
        let mut q_scalar: Vec<Option<Scalar>> = vec![None; self.signers.len()];
        let mut touched = Vec::new();
        for &i in subset {
            let m = &self.members[i];
            points.push(m.r_point);
            scalars.push(self.weights[i]);
            g -= self.zu[i];
            let slot = &mut q_scalar[m.signer];
            match slot {
                Some(acc) => *acc -= self.zv[i],
                None => {
                    *slot = Some(-self.zv[i]);
                    touched.push(m.signer);
                }
            }
        }
        for j in touched {
            let Some(k) = q_scalar[j] else { continue };
            let Some(halves) = glv_split(&k) else {
                return false;
            };
            for (half, point) in halves.iter().zip(&self.signers[j]) {
                points.push(if half.negative { point.neg() } else { *point });
                scalars.push(half.magnitude);
            }
        }
        let Some(sum) = pippenger(&points, &scalars) else {
            return false;
        };
        let total = sum + ProjectivePoint::mul_by_generator_vartime(&g);
        bool::from(total.is_identity())
    }
}

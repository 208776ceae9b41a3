//! The shuffle of chunk streams and its inverse (spec §19.4).
//!
//! A [`Shuffler`] over a permutation `p` of `0..k` keeps `k` slots and a
//! cursor `i`. Putting a value writes it to slot `p[i]`, then reads slot
//! `i` (which may be the value just written, or empty), then advances `i`
//! modulo `k` (BW-C2C-11). A stream of `n` values is shuffled by putting
//! them in order followed by `k − 1` empties, giving `n + k − 1` outputs in
//! which every value appears exactly once (BW-C2C-12).

use rand_core::CryptoRng;

use super::C2cError;

/// The longest permutation accepted from a peer. BitWrk 0.7 buyers send 256.
pub const MAX_PERMUTATION: usize = 1024;

/// The length of the random permutation a buyer sends (as BitWrk 0.7).
pub const BUYER_PERMUTATION: usize = 256;

/// A permutation of `0..k`, `1 ≤ k ≤ MAX_PERMUTATION` (BW-C2C-10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permutation(Vec<u32>);

impl Permutation {
    /// Checks that `values` is a permutation of `0..values.len()`.
    pub fn new(values: Vec<u32>) -> Result<Permutation, C2cError> {
        if values.is_empty() {
            return Err(C2cError::BadPermutation { reason: "empty" });
        }
        if values.len() > MAX_PERMUTATION {
            return Err(C2cError::BadPermutation {
                reason: "longer than 1024 entries",
            });
        }
        let mut seen = vec![false; values.len()];
        for &v in &values {
            let Some(slot) = seen.get_mut(v as usize) else {
                return Err(C2cError::BadPermutation {
                    reason: "entry out of range",
                });
            };
            if core::mem::replace(slot, true) {
                return Err(C2cError::BadPermutation {
                    reason: "duplicate entry",
                });
            }
        }
        Ok(Permutation(values))
    }

    /// The trivial permutation `[0]`, which does not reorder.
    pub fn trivial() -> Permutation {
        Permutation(vec![0])
    }

    /// A uniformly random permutation of `0..k` (Fisher–Yates with
    /// rejection sampling, so without modulo bias), `1 ≤ k ≤ MAX_PERMUTATION`.
    pub fn random<R: CryptoRng + ?Sized>(k: usize, rng: &mut R) -> Permutation {
        let k = k.clamp(1, MAX_PERMUTATION);
        let mut v: Vec<u32> = (0..k as u32).collect();
        for i in (1..k).rev() {
            let bound = i as u32 + 1;
            // Largest multiple of `bound` that fits in u32, for rejection.
            let zone = u32::MAX - (u32::MAX % bound);
            let j = loop {
                let r = rng.next_u32();
                if r < zone {
                    break r % bound;
                }
            };
            v.swap(i, j as usize);
        }
        Permutation(v)
    }

    /// The number of slots `k`.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a permutation has at least one entry.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The entries.
    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }

    /// The inverse `q` with `q[p[i]] = (k − 1 + i) mod k`: shuffling the
    /// output of a shuffle by `p` with `q` restores the input, delayed by
    /// `k − 1` steps (BW-C2C-13).
    pub fn inverse(&self) -> Permutation {
        let k = self.0.len();
        let mut q = vec![0u32; k];
        for (i, &p) in self.0.iter().enumerate() {
            q[p as usize] = ((k - 1 + i) % k) as u32;
        }
        Permutation(q)
    }
}

/// The slot buffer of a shuffle.
#[derive(Clone, Debug)]
pub struct Shuffler<T> {
    perm: Permutation,
    slots: Vec<Option<T>>,
    cursor: usize,
}

impl<T> Shuffler<T> {
    /// Empty slots, cursor at 0.
    pub fn new(perm: &Permutation) -> Shuffler<T> {
        Shuffler {
            perm: perm.clone(),
            slots: (0..perm.len()).map(|_| None).collect(),
            cursor: 0,
        }
    }

    /// Writes `v` (or an empty) to slot `p[i]`, then takes slot `i`.
    ///
    /// Taking (rather than copying) is equivalent to BitWrk 0.7's copy:
    /// every written value is read exactly once before its slot is written
    /// again.
    pub fn put(&mut self, v: Option<T>) -> Option<T> {
        let i = self.cursor;
        self.cursor = (i + 1) % self.slots.len();
        self.slots[self.perm.0[i] as usize] = v;
        self.slots[i].take()
    }

    /// The `k − 1` empties that drain the buffer at the end of a stream.
    pub fn drain(&mut self) -> Vec<Option<T>> {
        (1..self.slots.len()).map(|_| self.put(None)).collect()
    }
}

/// The shuffled stream of `items`: `n + k − 1` outputs, `None` for an
/// empty placeholder (BW-C2C-12).
pub fn shuffle<T>(perm: &Permutation, items: impl IntoIterator<Item = T>) -> Vec<Option<T>> {
    let mut s = Shuffler::new(perm);
    let mut out: Vec<Option<T>> = items.into_iter().map(|v| s.put(Some(v))).collect();
    out.extend(s.drain());
    out
}

/// Restores the order of a shuffled stream with the inverse permutation,
/// dropping placeholders (BW-C2C-13).
pub fn unshuffle<T>(perm: &Permutation, shuffled: impl IntoIterator<Item = Option<T>>) -> Vec<T> {
    let mut s = Shuffler::new(&perm.inverse());
    let mut out: Vec<T> = shuffled.into_iter().filter_map(|v| s.put(v)).collect();
    out.extend(s.drain().into_iter().flatten());
    out
}

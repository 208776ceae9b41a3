//! Finding candidate positions: windows whose Adler-32 checksum has the
//! boundary residue (BW-C2C-1).
//!
//! Whether a position is a candidate depends only on the 48 bytes ending
//! there, so candidates are found data-parallel, a block of positions at a
//! time ([`find_blocks`]), and [`super::Chunker`] applies the chunk-length
//! rules to the first one it is given. The window sums of every position in
//! a block come from sums over 4- and 16-byte sub-windows (each a plain
//! element-wise loop over arrays, which the compiler vectorizes), a cheap
//! necessary condition marks the few positions that may hit, and only those
//! get the exact test, in order. The loops are compiled once more for the
//! vector extensions the CPU has (AVX-512, AVX2, NEON …, chosen at run time
//! by `pulp`); elsewhere they run as they are. Short ranges use the classic
//! rolling checksum ([`find_rolling`]).

use super::{ADLER_MOD, BOUNDARY_MODULUS, BOUNDARY_RESIDUE, WINDOW};

/// Positions per block of the data-parallel scan.
pub(super) const BLOCK: usize = 1024;
/// Ranges shorter than this are scanned by the rolling checksum.
pub(super) const SHORT: usize = 256;

/// Adler-32's sums `(s1, s2)` over `window` (at most `WINDOW` bytes), kept
/// exact: `s1 ≤ 1 + 48·255` and `s2 ≤ 48 + 255·48·49/2` both fit in `u32`.
pub(super) fn window_sums(window: &[u8]) -> (u32, u32) {
    let (mut s1, mut s2) = (1u32, 0u32);
    for &x in window {
        s1 += u32::from(x);
        s2 += s1;
    }
    (s1, s2)
}

/// The first `j` in `from..to` whose window `data[j + 1 - WINDOW..=j]` has
/// the boundary checksum (BW-C2C-1); `from ≥ WINDOW - 1`, `to ≤ data.len()`.
#[inline]
pub(super) fn find_candidate(data: &[u8], from: usize, to: usize) -> Option<usize> {
    if to.saturating_sub(from) < SHORT {
        find_rolling(data, from, to)
    } else {
        find_blocks(data, from, to)
    }
}

/// [`find_candidate`] by the rolling checksum, one position after the
/// other. The sums roll exactly (no reduction), and the exact test runs only
/// when a cheap necessary condition holds; see [`may_be_boundary`].
pub(super) fn find_rolling(data: &[u8], from: usize, to: usize) -> Option<usize> {
    if from >= to {
        return None;
    }
    let (mut s1, mut s2) = window_sums(&data[from + 1 - WINDOW..=from]);
    if is_boundary(s1, s2) {
        return Some(from);
    }
    let incoming = &data[from + 1..to];
    let outgoing = &data[from + 1 - WINDOW..to - WINDOW];
    for (k, (&x, &out)) in incoming.iter().zip(outgoing).enumerate() {
        s1 = s1 + u32::from(x) - u32::from(out);
        s2 = s2 + s1 - LEAVING[usize::from(out)];
        if may_be_boundary(s1, s2) && is_boundary(s1, s2) {
            return Some(from + 1 + k);
        }
    }
    None
}

/// [`find_candidate`] block by block, with the vector extensions the CPU
/// has.
pub(super) fn find_blocks(data: &[u8], from: usize, to: usize) -> Option<usize> {
    pulp::Arch::new().dispatch(Blocks { data, from, to })
}

/// [`find_candidate`] block by block, compiled for the baseline target
/// only: what runs where `pulp` finds no extension.
#[cfg(test)]
pub(super) fn find_blocks_baseline(data: &[u8], from: usize, to: usize) -> Option<usize> {
    pulp::Simd::vectorize(pulp::Scalar::new(), Blocks { data, from, to })
}

/// The arguments of [`find_blocks`], as `pulp` wants them.
struct Blocks<'a> {
    data: &'a [u8],
    from: usize,
    to: usize,
}

impl pulp::WithSimd for Blocks<'_> {
    type Output = Option<usize>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Option<usize> {
        let Blocks { data, from, to } = self;
        let mut sc = Scratch::new();
        let mut j = from;
        while j < to {
            let n = (to - j).min(BLOCK);
            let x = &data[j + 1 - WINDOW..j + n];
            if let Some(p) = sc.first(x) {
                return Some(j + p);
            }
            j += n;
        }
        None
    }
}

/// Sub-window sums of one block. For a window of `w` bytes starting at
/// byte `i` of the block: `s` is the sum of its bytes, `t` the sum with
/// weights `w, w − 1, …, 1` from its oldest byte to its newest (what the
/// bytes add to Adler-32's `s2`). Both fit in `u16` for `w ≤ 16`.
///
/// The filter works on `h = 8·s2 + s1` modulo 8191 (see
/// [`may_be_boundary`]), which is linear in the bytes, so each 16-byte
/// sub-window's part of it can be reduced on its own and the parts of a
/// window's three sub-windows added in `u16` ([`h_part`]).
struct Scratch {
    s4: [u16; BLOCK + WINDOW - 4],
    t4: [u16; BLOCK + WINDOW - 4],
    /// What a 16-byte sub-window adds to `h` as a window's newest third …
    newest: [u16; BLOCK + WINDOW - 16],
    /// … as its middle third …
    middle: [u16; BLOCK + WINDOW - 16],
    /// … and as its oldest third (all ≡ modulo 8191, below 20 425).
    oldest: [u16; BLOCK + WINDOW - 16],
    /// One where [`may_be_boundary_mod`] holds, else zero.
    marks: [u8; BLOCK],
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            s4: [0; BLOCK + WINDOW - 4],
            t4: [0; BLOCK + WINDOW - 4],
            newest: [0; BLOCK + WINDOW - 16],
            middle: [0; BLOCK + WINDOW - 16],
            oldest: [0; BLOCK + WINDOW - 16],
            marks: [0; BLOCK],
        }
    }

    /// The first `p` whose window `x[p..p + WINDOW]` has the boundary
    /// checksum; `x` holds `1 ..= BLOCK` windows.
    #[inline(always)]
    fn first(&mut self, x: &[u8]) -> Option<usize> {
        let n = x.len() + 1 - WINDOW;
        debug_assert!((1..=BLOCK).contains(&n));
        self.mark(x, n);
        // Eight marks are tested at once (one word), and only the few
        // marked positions get the exact test, from the sub-window sums.
        // The marks past `n` are zero (cleared by `mark`).
        for (w, word) in self.marks[..n.div_ceil(8) * 8].chunks_exact(8).enumerate() {
            let mut v = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            while v != 0 {
                let k = (v.trailing_zeros() / 8) as usize;
                let (s1, s2) = self.sums(w * 8 + k);
                if is_boundary(s1, s2) {
                    return Some(w * 8 + k);
                }
                v &= !(0xFF << (k * 8));
            }
        }
        None
    }

    /// The sum and weighted sum of the 16-byte sub-window at `q`, from its
    /// 4-byte ones.
    #[inline(always)]
    fn sub16(&self, q: usize) -> (u16, u16) {
        let (s, t) = (&self.s4, &self.t4);
        let (s0, s1, s2, s3) = (s[q], s[q + 4], s[q + 8], s[q + 12]);
        (
            s0 + s1 + s2 + s3,
            t[q] + t[q + 4] + t[q + 8] + t[q + 12] + 4 * (3 * s0 + 2 * s1 + s2),
        )
    }

    /// Adler-32's sums of window `p`, from its 16-byte sub-windows (for the
    /// few marked windows only).
    #[inline(always)]
    fn sums(&self, p: usize) -> (u32, u32) {
        let (a, b, c) = (self.sub16(p), self.sub16(p + 16), self.sub16(p + 32));
        sums48([a.0, b.0, c.0], [a.1, b.1, c.1])
    }

    /// Fills `marks[..n]` for the `n` windows of `x`.
    #[inline(always)]
    fn mark(&mut self, x: &[u8], n: usize) {
        // 4-byte sub-windows: s = a + b + c + d, t = 4a + 3b + 2c + d.
        let m = n + WINDOW - 4;
        let (s4, t4) = (&mut self.s4[..m], &mut self.t4[..m]);
        let (x0, x1, x2, x3) = (&x[..m], &x[1..m + 1], &x[2..m + 2], &x[3..m + 3]);
        for i in 0..m {
            let (a, b, c, d) = (
                u16::from(x0[i]),
                u16::from(x1[i]),
                u16::from(x2[i]),
                u16::from(x3[i]),
            );
            s4[i] = a + b + c + d;
            t4[i] = 4 * a + 3 * b + 2 * c + d;
        }
        // 16 bytes = four 4-byte sub-windows, the older ones 12, 8 and 4
        // steps further from the newest byte; then their parts of `h`.
        let m = n + WINDOW - 16;
        let (newest, middle, oldest) = (
            &mut self.newest[..m],
            &mut self.middle[..m],
            &mut self.oldest[..m],
        );
        let (s0, s1, s2, s3) = (&s4[..m], &s4[4..m + 4], &s4[8..m + 8], &s4[12..m + 12]);
        let (t0, t1, t2, t3) = (&t4[..m], &t4[4..m + 4], &t4[8..m + 8], &t4[12..m + 12]);
        for i in 0..m {
            let s = s0[i] + s1[i] + s2[i] + s3[i];
            let t = t0[i] + t1[i] + t2[i] + t3[i] + 4 * (3 * s0[i] + 2 * s1[i] + s2[i]);
            let [u, v, w] = h_part(s, t);
            newest[i] = u;
            middle[i] = v;
            oldest[i] = w;
        }
        // 48 bytes = three 16-byte sub-windows, 32 and 16 steps apart.
        let (a, b, c) = (&oldest[..n], &middle[16..n + 16], &newest[32..n + 32]);
        let marks = &mut self.marks[..n];
        for p in 0..n {
            marks[p] = u8::from(may_be_boundary_mod(a[p] + b[p] + c[p] + H_CONST));
        }
        // Up to the next whole word, for `first`.
        let end = (n.div_ceil(8) * 8).min(BLOCK);
        self.marks[n..end].fill(0);
    }
}

/// The constant part of `h = 8·s2 + s1` for a full window: `8·48` from
/// `s2`'s initial 1 per byte and 1 from `s1`'s.
const H_CONST: u16 = 8 * WINDOW as u16 + 1;

/// What a 16-byte sub-window with sum `s` and weighted sum `t` adds to `h
/// = 8·s2 + s1` as the newest, the middle and the oldest third of a
/// window, each ≡ modulo 8191 and below 20 425, so that three of them and
/// [`H_CONST`] add up in `u16` (at most 53 466).
///
/// As a third, the sub-window adds `8·t + s`; the older thirds' bytes are
/// counted 16 and 32 more times in `s2`, so the middle one adds `128·s`
/// more and the oldest `256·s`. With `2¹³ ≡ 1`, a product `2ᵏ·v` is ≡
/// `(v mod 2¹³⁻ᵏ)·2ᵏ + (v >> (13 − k))`, which stays small.
#[inline(always)]
fn h_part(s: u16, t: u16) -> [u16; 3] {
    let u = ((t & 1023) << 3) + (t >> 10) + s;
    [
        u,
        u + ((s & 63) << 7) + (s >> 6),
        u + ((s & 31) << 8) + (s >> 5),
    ]
}

/// [`may_be_boundary`] for `g ≡ 8·s2 + s1` modulo 8191 with `g < 53 467`:
/// one fold brings `g` below 8198, and a boundary needs the fold to be
/// `4159 − 56·q` for some `q ∈ 0..=4`, so that `d = f − 3935` is a
/// multiple of 8 in `0..=224` (32 of 8191 residues pass).
#[inline(always)]
pub(super) fn may_be_boundary_mod(g: u16) -> bool {
    const LOWEST: u16 = (BOUNDARY_RESIDUE - 56 * 4) as u16;
    let f = (g & BOUNDARY_MODULUS as u16) + (g >> 13);
    f.wrapping_sub(LOWEST) & !0xF8 == 0
}

/// Adler-32's sums `(s1, s2)` of a window from the sums `s` and weighted
/// sums `t` of its three 16-byte sub-windows, oldest first: the older ones
/// are 32 and 16 steps further from the newest byte, and the initial 1 of
/// `s1` is added once to `s1` and once per byte to `s2`.
#[inline(always)]
fn sums48(s: [u16; 3], t: [u16; 3]) -> (u32, u32) {
    let [a, b, c] = s.map(u32::from);
    let [ta, tb, tc] = t.map(u32::from);
    (
        1 + a + b + c,
        WINDOW as u32 + ta + tb + tc + 32 * a + 16 * b,
    )
}

/// The boundary test as 0.7 states it: zlib's Adler-32 value of the window,
/// `((s2 mod 65521) << 16) | s1`, is `BOUNDARY_RESIDUE` modulo
/// `BOUNDARY_MODULUS` (`s1 < 65521` needs no reduction).
#[inline(always)]
pub(super) fn is_boundary(s1: u32, s2: u32) -> bool {
    (((s2 % ADLER_MOD) << 16) | s1) % BOUNDARY_MODULUS == BOUNDARY_RESIDUE
}

/// A necessary condition for [`is_boundary`], true at 32 of 8191 residues
/// (about 0.4 % of positions, so the branch is predictable) and cheap: no
/// division, no multiplication, no rotation (so it vectorizes everywhere).
///
/// `BOUNDARY_MODULUS` is the Mersenne prime 2¹³ − 1, so 2¹⁶ ≡ 8 and
/// 8 · 65521 ≡ −56 modulo it. With `q = s2 / 65521 ∈ 0..=4` the Adler
/// value is ≡ `h + 56·q` where `h = 8·s2 + s1 < 2²²`; one fold
/// `f = (h mod 2¹³) + (h >> 13) ≡ h` lies in `0..=8485`, so `f + 56·q` lies
/// below `BOUNDARY_RESIDUE + BOUNDARY_MODULUS` and the test is
/// `f + 56·q == 4159`. That needs `t = f − 3935` to be a multiple of 8 in
/// `0..=224`, so bits 0..=2 and 8..=31 of `t` (wrapping) are clear.
#[inline(always)]
pub(super) fn may_be_boundary(s1: u32, s2: u32) -> bool {
    const LOWEST: u32 = BOUNDARY_RESIDUE - 56 * 4;
    let h = 8 * s2 + s1;
    let f = (h & BOUNDARY_MODULUS) + (h >> 13);
    f.wrapping_sub(LOWEST) & !0xF8 == 0
}

/// What a byte `b` leaving the window takes from `s2`: it was counted
/// `WINDOW` times, and the initial 1 of `s1` once more per step (a table
/// load is cheaper in the hot loop than the multiplication).
const LEAVING: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = WINDOW as u32 * b as u32 + 1;
        b += 1;
    }
    t
};

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
struct Scratch {
    s4: [u16; BLOCK + WINDOW - 4],
    t4: [u16; BLOCK + WINDOW - 4],
    s16: [u16; BLOCK + WINDOW - 16],
    t16: [u16; BLOCK + WINDOW - 16],
    /// Non-zero where [`may_be_boundary`] holds.
    marks: [u8; BLOCK],
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            s4: [0; BLOCK + WINDOW - 4],
            t4: [0; BLOCK + WINDOW - 4],
            s16: [0; BLOCK + WINDOW - 16],
            t16: [0; BLOCK + WINDOW - 16],
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
        // Groups of 64 marks are tested at once (a vectorized OR), and
        // only the few marked positions get the exact test, from the
        // sub-window sums.
        let mut base = 0;
        for group in self.marks[..n].chunks(64) {
            if group.iter().fold(0, |a, &m| a | m) != 0 {
                for (k, &m) in group.iter().enumerate() {
                    if m != 0 {
                        let (s1, s2) = self.sums(base + k);
                        if is_boundary(s1, s2) {
                            return Some(base + k);
                        }
                    }
                }
            }
            base += group.len();
        }
        None
    }

    /// Adler-32's sums of window `p`, from its 16-byte sub-windows.
    #[inline(always)]
    fn sums(&self, p: usize) -> (u32, u32) {
        let (s, t) = (&self.s16, &self.t16);
        sums48([s[p], s[p + 16], s[p + 32]], [t[p], t[p + 16], t[p + 32]])
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
        // steps further from the newest byte.
        let m = n + WINDOW - 16;
        let (s16, t16) = (&mut self.s16[..m], &mut self.t16[..m]);
        let (s0, s1, s2, s3) = (&s4[..m], &s4[4..m + 4], &s4[8..m + 8], &s4[12..m + 12]);
        let (t0, t1, t2, t3) = (&t4[..m], &t4[4..m + 4], &t4[8..m + 8], &t4[12..m + 12]);
        for i in 0..m {
            s16[i] = s0[i] + s1[i] + s2[i] + s3[i];
            t16[i] = t0[i] + t1[i] + t2[i] + t3[i] + 4 * (3 * s0[i] + 2 * s1[i] + s2[i]);
        }
        // 48 bytes = three 16-byte sub-windows.
        let (s0, s1, s2) = (&s16[..n], &s16[16..n + 16], &s16[32..n + 32]);
        let (t0, t1, t2) = (&t16[..n], &t16[16..n + 16], &t16[32..n + 32]);
        let marks = &mut self.marks[..n];
        for p in 0..n {
            let (sum1, sum2) = sums48([s0[p], s1[p], s2[p]], [t0[p], t1[p], t2[p]]);
            marks[p] = u8::from(may_be_boundary(sum1, sum2));
        }
    }
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

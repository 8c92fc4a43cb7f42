//! [`blocked`](super::blocked) in AVX-512 vectors, for builds whose target has them.
//!
//! The portable loops leave the vector width to LLVM, which follows the target's preferred
//! width: 512 bits on AMD's AVX-512 processors, 256 on Intel's (its tuning for
//! Ice Lake, Rocket Lake and Sapphire Rapids prefers 256-bit vectors). At 256 bits a block
//! of 4 × 32 sums needs all 32 vector registers, so it spills to the stack, and each
//! multiply-add does half the work: the digits network's products ran at a third of the
//! processor's rate on an Intel Xeon. Here every block is written in 512-bit vectors, and
//! a block's last vector is masked, so any number of columns runs in vectors, with no
//! scalar leftovers and no reads past the operand.
//!
//! Each output element is the same sum as in the portable loops, a fused multiply-add per
//! l in order and then the scaling by alpha: the bits are the same (a test compares them).

use std::arch::x86_64::{
    __m512d, __mmask8, _CMP_NLE_UQ, _mm512_add_pd, _mm512_cmp_pd_mask, _mm512_fmadd_pd,
    _mm512_mask_storeu_pd, _mm512_maskz_loadu_pd, _mm512_maskz_mov_pd, _mm512_max_pd, _mm512_mul_pd,
    _mm512_set1_pd, _mm512_setzero_pd,
};
use std::ptr;

use super::{Shape, Then};

/// c (n×m, row-major) = alpha · A · B, where A(i, l) = a[i·rs + l·cs] and B (k×m) is
/// row-major in `b`: column panels of up to 32 (4 vectors), each in blocks of rows that keep
/// their sums in registers over the whole of k; then `then` on each sum before it is stored.
pub(super) fn blocked(
    s: Shape,
    alpha: f64,
    a: &[f64],
    (rs, cs): (usize, usize),
    b: &[f64],
    c: &mut [f64],
    then: Then,
) {
    let Shape { n, m, k } = s;
    if n == 0 || m == 0 {
        return;
    }
    // The bounds every block relies on.
    assert!(b.len() >= k * m && c.len() >= n * m, "product operands hold their shapes");
    assert!(k == 0 || a.len() > (n - 1) * rs + (k - 1) * cs, "product operands hold their shapes");
    then.check(n * m, m);
    let bias = then.bias.map_or(ptr::null(), <[f64]>::as_ptr);
    let (relu, scale) = match then.relu {
        Some((out, scale)) => (out.as_mut_ptr(), scale.map_or(ptr::null(), <[f64]>::as_ptr)),
        None => (ptr::null_mut(), ptr::null()),
    };
    let (gate_z, gate_scale, gate_sums) = match then.gate {
        Some(super::Gate { z, scale, sums }) => {
            (z.as_ptr(), scale.map_or(ptr::null(), <[f64]>::as_ptr), sums.as_mut_ptr())
        }
        None => (ptr::null(), ptr::null(), ptr::null_mut()),
    };
    let p = Panel {
        s,
        alpha,
        a: a.as_ptr(),
        stride: (rs, cs),
        b: b.as_ptr(),
        c: c.as_mut_ptr(),
        bias,
        relu,
        scale,
        gate_z,
        gate_scale,
        gate_sums,
    };
    // Loops of their own for the combinations the passes use, so that each holds only the
    // work it does (and no registers for the rest); any other one checks at run time.
    match (!bias.is_null(), !relu.is_null(), !gate_z.is_null()) {
        (false, false, false) => p.panels::<0>(),
        (true, false, false) => p.panels::<BIAS>(),
        (true, true, false) => p.panels::<{ BIAS | RELU }>(),
        (false, false, true) => p.panels::<GATE>(),
        _ => p.panels::<{ BIAS | RELU | GATE }>(),
    }
}

/// Which of [`Then`]'s steps a block's loop holds (each still skipped when its pointer is null).
const BIAS: u8 = 1;
const RELU: u8 = 2;
const GATE: u8 = 4;

/// One product's operands, checked by [`blocked`].
struct Panel {
    s: Shape,
    alpha: f64,
    a: *const f64,
    stride: (usize, usize),
    b: *const f64,
    c: *mut f64,
    /// m biases, or null.
    bias: *const f64,
    /// n×m outputs for relu(c), or null; m multipliers for them, or null.
    relu: *mut f64,
    scale: *const f64,
    /// n×m values gating the output, or null; then m multipliers (or null) and m sums.
    gate_z: *const f64,
    gate_scale: *const f64,
    gate_sums: *mut f64,
}

impl Panel {
    /// Every column panel of up to 32 (4 vectors), with the steps `T` after the sums.
    #[inline(always)]
    fn panels<const T: u8>(&self) {
        let m = self.s.m;
        let mut j = 0;
        while j < m {
            let w = (m - j).min(32);
            let vectors = w.div_ceil(8);
            let last: __mmask8 = u8::MAX >> (8 * vectors - w);
            // Up to 16 sums in registers per block: 4 rows of 3–4 vectors, 8 rows of 1–2
            // (more independent multiply-add chains when the rows are short).
            match vectors {
                4 => self.rows::<4, 4, T>(j, last),
                3 => self.rows::<4, 3, T>(j, last),
                2 => self.rows::<8, 2, T>(j, last),
                _ => self.rows::<8, 1, T>(j, last),
            }
            j += w;
        }
    }

    /// Columns j..j+8V−8+popcount(last) of every row: blocks of R rows, then 4, 2 and 1.
    #[inline(always)]
    fn rows<const R: usize, const V: usize, const T: u8>(&self, j: usize, last: __mmask8) {
        let n = self.s.n;
        let mut i = 0;
        while i + R <= n {
            self.block::<R, V, T>(i, j, last);
            i += R;
        }
        if R > 4 && i + 4 <= n {
            self.block::<4, V, T>(i, j, last);
            i += 4;
        }
        if i + 2 <= n {
            self.block::<2, V, T>(i, j, last);
            i += 2;
        }
        if i < n {
            self.block::<1, V, T>(i, j, last);
        }
    }

    /// Rows i..i+R, columns j.. of 8V−8 full lanes and a last vector of `last`'s lanes.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn block<const R: usize, const V: usize, const T: u8>(&self, i: usize, j: usize, last: __mmask8) {
        let Shape { m, k, .. } = self.s;
        let (rs, cs) = self.stride;
        let full = |v: usize| if v + 1 < V { u8::MAX } else { last };
        // SAFETY: `blocked` checked that b holds k·m elements, c n·m, a every
        // (i·rs + l·cs) for i < n, l < k, and, where they are not null, bias, scale,
        // gate_scale and gate_sums m elements, relu and gate_z n·m; callers pass i + R ≤ n
        // and columns j + 8(V−1) + popcount(last) ≤ m, so every lane loaded or stored
        // unmasked is inside its operand (masked lanes are neither read nor written). c,
        // relu and gate_sums alias no input nor each other: they came from unique borrows.
        // The intrinsics need AVX-512F, which this module is only compiled with.
        unsafe {
            let mut acc = [[_mm512_setzero_pd(); V]; R];
            for l in 0..k {
                let row = self.b.add(l * m + j);
                let bv: [__m512d; V] =
                    std::array::from_fn(|v| _mm512_maskz_loadu_pd(full(v), row.add(8 * v)));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_pd(*self.a.add((i + r) * rs + l * cs));
                    for (acc, &bv) in acc.iter_mut().zip(&bv) {
                        *acc = _mm512_fmadd_pd(av, bv, *acc);
                    }
                }
            }
            let alpha = _mm512_set1_pd(self.alpha);
            // Per-column operands are loaded where they are used (from L1: cheaper than
            // holding them in registers beside the sums).
            let column = |p: *const f64, v: usize| _mm512_maskz_loadu_pd(full(v), p.add(j + 8 * v));
            // The gate's column sums, in registers over the block's rows (added in row order).
            let gate_sums = if T & GATE != 0 { self.gate_sums } else { ptr::null_mut() };
            let mut sums: [__m512d; V] =
                std::array::from_fn(|v| if gate_sums.is_null() { alpha } else { column(gate_sums, v) });
            for (r, acc) in acc.iter().enumerate() {
                let at = (i + r) * m + j;
                for (v, &sum) in acc.iter().enumerate() {
                    let mut sum = if self.alpha == 1.0 { sum } else { _mm512_mul_pd(alpha, sum) };
                    if T & BIAS != 0 && !self.bias.is_null() {
                        sum = _mm512_add_pd(sum, column(self.bias, v));
                    }
                    if T & GATE != 0 && !self.gate_z.is_null() {
                        // 0 where z ≤ 0; a NaN z keeps the value (not-less-or-equal, unordered).
                        let z = _mm512_maskz_loadu_pd(full(v), self.gate_z.add(at + 8 * v));
                        let keep = _mm512_cmp_pd_mask::<_CMP_NLE_UQ>(z, _mm512_setzero_pd());
                        if !self.gate_scale.is_null() {
                            sum = _mm512_mul_pd(sum, column(self.gate_scale, v));
                        }
                        sum = _mm512_maskz_mov_pd(keep, sum);
                        sums[v] = _mm512_add_pd(sums[v], sum);
                    }
                    _mm512_mask_storeu_pd(self.c.add(at + 8 * v), full(v), sum);
                    if T & RELU != 0 && !self.relu.is_null() {
                        // relu: vmaxpd gives its second operand (0) for a NaN and for ±0.
                        let mut h = _mm512_max_pd(sum, _mm512_setzero_pd());
                        if !self.scale.is_null() {
                            h = _mm512_mul_pd(h, column(self.scale, v));
                        }
                        _mm512_mask_storeu_pd(self.relu.add(at + 8 * v), full(v), h);
                    }
                }
            }
            if !gate_sums.is_null() {
                for (v, &total) in sums.iter().enumerate() {
                    _mm512_mask_storeu_pd(gate_sums.add(j + 8 * v), full(v), total);
                }
            }
        }
    }
}

/// out (cols × rows, row-major) = the transpose of src (rows × cols, row-major): 8 × 8
/// blocks in registers (eight loads, three rounds of shuffles, eight stores), the rows and
/// columns past the last whole block one element at a time.
pub(super) fn transpose(src: &[f64], cols: usize, out: &mut [f64]) {
    let cols = cols.max(1);
    let rows = src.len() / cols;
    assert!(out.len() >= rows * cols, "a transpose's output holds its shape");
    let (rows8, cols8) = (rows / 8 * 8, cols / 8 * 8);
    for r in (0..rows8).step_by(8) {
        for c in (0..cols8).step_by(8) {
            // SAFETY: r + 8 ≤ rows and c + 8 ≤ cols, so the block's eight source rows of 8
            // are inside src (rows·cols elements) and its eight output rows of 8 inside out
            // (checked above). The intrinsics need AVX-512F, which this module is only
            // compiled with.
            #[allow(unsafe_code)]
            unsafe {
                block8(src.as_ptr().add(r * cols + c), cols, out.as_mut_ptr().add(c * rows + r), rows)
            };
        }
        for c in cols8..cols {
            for i in r..r + 8 {
                out[c * rows + i] = src[i * cols + c];
            }
        }
    }
    for i in rows8..rows {
        for c in 0..cols {
            out[c * rows + i] = src[i * cols + c];
        }
    }
}

/// The 8 × 8 block at `src` (rows `cols` apart) transposed into `out` (rows `rows` apart).
///
/// # Safety
/// The block's 8 × 8 elements must be inside both operands, and the processor must have AVX-512F.
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn block8(src: *const f64, cols: usize, out: *mut f64, rows: usize) {
    use std::arch::x86_64::{
        _mm512_loadu_pd, _mm512_shuffle_f64x2, _mm512_storeu_pd, _mm512_unpackhi_pd, _mm512_unpacklo_pd,
    };
    // SAFETY: the caller's.
    unsafe {
        let r: [__m512d; 8] = std::array::from_fn(|i| _mm512_loadu_pd(src.add(i * cols)));
        // Pairs of rows interleaved: t[2i] holds rows 2i, 2i+1 at the even columns, t[2i+1]
        // at the odd ones.
        let t: [__m512d; 8] = std::array::from_fn(|i| {
            let (a, b) = (r[i / 2 * 2], r[i / 2 * 2 + 1]);
            if i % 2 == 0 { _mm512_unpacklo_pd(a, b) } else { _mm512_unpackhi_pd(a, b) }
        });
        // 128-bit lanes 0, 2 (0x88) or 1, 3 (0xDD) of two vectors: u[0], u[1] hold columns
        // {0, 4} and {2, 6} of rows 0–3, u[2], u[3] columns {1, 5} and {3, 7}; u[4..] rows 4–7.
        let u =
            |a: __m512d, b: __m512d| (_mm512_shuffle_f64x2::<0x88>(a, b), _mm512_shuffle_f64x2::<0xDD>(a, b));
        let (u0, u1) = u(t[0], t[2]);
        let (u2, u3) = u(t[1], t[3]);
        let (u4, u5) = u(t[4], t[6]);
        let (u6, u7) = u(t[5], t[7]);
        // Then the same across the two halves: whole columns.
        let (c0, c4) = u(u0, u4);
        let (c2, c6) = u(u1, u5);
        let (c1, c5) = u(u2, u6);
        let (c3, c7) = u(u3, u7);
        for (l, c) in [c0, c1, c2, c3, c4, c5, c6, c7].into_iter().enumerate() {
            _mm512_storeu_pd(out.add(l * rows), c);
        }
    }
}

/// c[i][j] = a's row i · b's row j (k long, m < 4 of them): [`dots_portable`](super::dots_portable)
/// in 512-bit vectors. Lane t of each sum takes l ≡ t mod 8 in order, the last partial
/// chunk by a masked multiply-add (the other lanes keep their sums as they are),
/// and the 8 lanes are added as the portable loops add them, then the column's bias if given:
/// the same bits.
pub(super) fn dots(a: &[f64], b: &[f64], k: usize, c: &mut [f64], bias: Option<&[f64]>) {
    let m = b.len() / k.max(1);
    match m {
        1 => dots_of::<1>(a, b, k, c, bias),
        2 => dots_of::<2>(a, b, k, c, bias),
        3 => dots_of::<3>(a, b, k, c, bias),
        _ => unreachable!("dots is for fewer than 4 columns"),
    }
}

#[inline(always)]
fn dots_of<const M: usize>(a: &[f64], b: &[f64], k: usize, c: &mut [f64], bias: Option<&[f64]>) {
    use std::arch::x86_64::{_mm512_loadu_pd, _mm512_mask3_fmadd_pd};
    let k = k.max(1);
    let n = (a.len() / k).min(c.len() / M);
    assert!(b.len() >= M * k, "dots' operands hold their shapes");
    let biased = bias.is_some();
    let bias: [f64; M] = match bias {
        Some(v) => std::array::from_fn(|j| v[j]),
        None => [0.0; M],
    };
    let (whole, tail) = (k / 8 * 8, k % 8);
    let mask: __mmask8 = ((1u32 << tail) - 1) as __mmask8;
    for i in 0..n {
        // SAFETY: row i of a is a[i·k .. i·k + k] (i < n ≤ a.len() / k) and row j of b is
        // b[j·k .. j·k + k] (j < M, M·k ≤ b.len()); the whole chunks read l + 8 ≤ whole ≤ k and
        // the masked loads only the tail's lanes below k. c[i·M + j] is inside c (i < n ≤
        // c.len() / M). The intrinsics need AVX-512F, which this module is only compiled with.
        #[allow(unsafe_code)]
        unsafe {
            let ar = a.as_ptr().add(i * k);
            let mut acc = [_mm512_setzero_pd(); M];
            let mut l = 0;
            while l < whole {
                let x = _mm512_loadu_pd(ar.add(l));
                for (j, s) in acc.iter_mut().enumerate() {
                    *s = _mm512_fmadd_pd(x, _mm512_loadu_pd(b.as_ptr().add(j * k + l)), *s);
                }
                l += 8;
            }
            if tail > 0 {
                let x = _mm512_maskz_loadu_pd(mask, ar.add(whole));
                for (j, s) in acc.iter_mut().enumerate() {
                    let y = _mm512_maskz_loadu_pd(mask, b.as_ptr().add(j * k + whole));
                    *s = _mm512_mask3_fmadd_pd(x, y, *s, mask);
                }
            }
            for (j, s) in acc.into_iter().enumerate() {
                let sum = pairwise8(s);
                *c.get_unchecked_mut(i * M + j) = if biased { sum + bias[j] } else { sum };
            }
        }
    }
}

/// ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)): the halves added lane by lane, twice.
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn pairwise8(s: __m512d) -> f64 {
    use std::arch::x86_64::{
        _mm_add_pd, _mm_add_sd, _mm_cvtsd_f64, _mm_unpackhi_pd, _mm256_add_pd, _mm256_castpd256_pd128,
        _mm256_extractf128_pd, _mm512_castpd512_pd256, _mm512_extractf64x4_pd,
    };
    // SAFETY: register operations only; AVX-512F is this module's condition.
    unsafe {
        let q = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd::<1>(s));
        let h = _mm_add_pd(_mm256_castpd256_pd128(q), _mm256_extractf128_pd::<1>(q));
        _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)))
    }
}

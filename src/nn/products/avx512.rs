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
    __m512d, __mmask8, _mm512_fmadd_pd, _mm512_mask_storeu_pd, _mm512_maskz_loadu_pd, _mm512_mul_pd,
    _mm512_set1_pd, _mm512_setzero_pd,
};

use super::Shape;

/// c (n×m, row-major) = alpha · A · B, where A(i, l) = a[i·rs + l·cs] and B (k×m) is
/// row-major in `b`: column panels of up to 32 (4 vectors), each in blocks of rows that keep
/// their sums in registers over the whole of k.
pub(super) fn blocked(s: Shape, alpha: f64, a: &[f64], (rs, cs): (usize, usize), b: &[f64], c: &mut [f64]) {
    let Shape { n, m, k } = s;
    if n == 0 || m == 0 {
        return;
    }
    // The bounds every block relies on.
    assert!(b.len() >= k * m && c.len() >= n * m, "product operands hold their shapes");
    assert!(k == 0 || a.len() > (n - 1) * rs + (k - 1) * cs, "product operands hold their shapes");
    let p = Panel { s, alpha, a: a.as_ptr(), stride: (rs, cs), b: b.as_ptr(), c: c.as_mut_ptr() };
    let mut j = 0;
    while j < m {
        let w = (m - j).min(32);
        let vectors = w.div_ceil(8);
        let last: __mmask8 = u8::MAX >> (8 * vectors - w);
        // Up to 16 sums in registers per block: 4 rows of 3–4 vectors, 8 rows of 1–2
        // (more independent multiply-add chains when the rows are short).
        match vectors {
            4 => p.rows::<4, 4>(j, last),
            3 => p.rows::<4, 3>(j, last),
            2 => p.rows::<8, 2>(j, last),
            _ => p.rows::<8, 1>(j, last),
        }
        j += w;
    }
}

/// One product's operands, checked by [`blocked`].
struct Panel {
    s: Shape,
    alpha: f64,
    a: *const f64,
    stride: (usize, usize),
    b: *const f64,
    c: *mut f64,
}

impl Panel {
    /// Columns j..j+8V−8+popcount(last) of every row: blocks of R rows, then 4, 2 and 1.
    #[inline(always)]
    fn rows<const R: usize, const V: usize>(&self, j: usize, last: __mmask8) {
        let n = self.s.n;
        let mut i = 0;
        while i + R <= n {
            self.block::<R, V>(i, j, last);
            i += R;
        }
        if R > 4 && i + 4 <= n {
            self.block::<4, V>(i, j, last);
            i += 4;
        }
        if i + 2 <= n {
            self.block::<2, V>(i, j, last);
            i += 2;
        }
        if i < n {
            self.block::<1, V>(i, j, last);
        }
    }

    /// Rows i..i+R, columns j.. of 8V−8 full lanes and a last vector of `last`'s lanes.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn block<const R: usize, const V: usize>(&self, i: usize, j: usize, last: __mmask8) {
        let Shape { m, k, .. } = self.s;
        let (rs, cs) = self.stride;
        let full = |v: usize| if v + 1 < V { u8::MAX } else { last };
        // SAFETY: `blocked` checked that b holds k·m elements, c n·m, and a every
        // (i·rs + l·cs) for i < n, l < k; callers pass i + R ≤ n and columns
        // j + 8(V−1) + popcount(last) ≤ m, so every lane loaded or stored unmasked is inside
        // its operand (masked lanes are neither read nor written). c aliases neither input:
        // it came from a unique borrow. The intrinsics need AVX-512F, which this module is
        // only compiled with.
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
            let scale = _mm512_set1_pd(self.alpha);
            for (r, acc) in acc.iter().enumerate() {
                let out = self.c.add((i + r) * m + j);
                for (v, &sum) in acc.iter().enumerate() {
                    let sum = if self.alpha == 1.0 { sum } else { _mm512_mul_pd(scale, sum) };
                    _mm512_mask_storeu_pd(out.add(8 * v), full(v), sum);
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

//! The three matrix products of a training step, on row-major matrices held in slices
//! (the workspace's and the parameters' buffers).
//!
//! - Up to 2^18 multiply-adds (every product of the tiny and digits networks, the wide
//!   network's W2 ones) they run in `blocked`, register-blocked loops here: no packing,
//!   no allocation, and for these shapes faster than a library (`cargo bench --bench
//!   products` compares them with ndarray's product).
//! - From 2^20 on (the wide network's W1 products) they go to the `gemm` crate on all of
//!   rayon's threads.
//! - In between, ndarray's `general_mat_mul` (matrixmultiply) on one thread.

use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::fma;

/// Products handed to a library so far: the libraries allocate packing buffers, the only
/// allocations a training step makes (a test counts both).
static LIBRARY_PRODUCTS: AtomicUsize = AtomicUsize::new(0);

pub fn library_products() -> usize {
    LIBRARY_PRODUCTS.load(Ordering::Relaxed)
}

fn library(f: impl FnOnce()) {
    LIBRARY_PRODUCTS.fetch_add(1, Ordering::Relaxed);
    f();
}

/// Up to this many multiply-adds a product runs in [`blocked`] (or [`dots`]).
const SMALL: usize = 1 << 18;

/// The most rows an n × `per_row` product (multiply-adds per row) can have and still run in
/// nnviz's own loops, which allocate nothing (at least 1).
pub fn rows_in_own_loops(per_row: usize) -> usize {
    (SMALL / per_row.max(1)).max(1)
}
/// Scratch (elements, 32 KiB) for the transposed operand of a small product.
const STACK: usize = 4096;
/// From this many multiply-adds on, a product runs on all threads through `gemm`. Each
/// output element is still one thread's sum in a fixed order: results do not depend on
/// the number of threads (a test runs the wide workload on 1, 2 and 3).
const SPLIT: usize = 1 << 20;

/// Whether an n × k by k × m product is split across threads.
pub fn threaded(n: usize, k: usize, m: usize) -> bool {
    n * m * k >= SPLIT
}

/// Run `f` on a thread of rayon's pool when `threaded`, else here. A split product (or
/// update) called from outside the pool hands both halves to the pool's threads and
/// sleeps until they are done: a wake-up each way, per product. Called from a pool thread,
/// it runs one half itself while the other thread takes the other (four to five times
/// fewer context switches over a wide run). What each thread computes is the same either way.
pub fn in_pool<R: Send>(threaded: bool, f: impl FnOnce() -> R + Send) -> R {
    if threaded { rayon::scope(|_| f()) } else { f() }
}

/// A row-major matrix in a slice of exactly rows × cols elements (made by
/// [`Mat::top`] or [`Mat::all`]).
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    data: &'a [f64],
    rows: usize,
    cols: usize,
}

/// A row-major matrix in a mutable slice of exactly rows × cols elements.
#[derive(Debug)]
pub struct MatMut<'a> {
    data: &'a mut [f64],
    rows: usize,
    cols: usize,
}

impl<'a> Mat<'a> {
    /// The first `rows` rows of a contiguous array.
    pub fn top(a: &'a ndarray::Array2<f64>, rows: usize) -> Self {
        let cols = a.ncols();
        let data = a.as_slice().expect("workspace and parameter arrays are contiguous");
        Mat { data: &data[..rows * cols], rows, cols }
    }
    pub fn all(a: &'a ndarray::Array2<f64>) -> Self {
        Mat::top(a, a.nrows())
    }
    fn view(self) -> ArrayView2<'a, f64> {
        ArrayView2::from_shape((self.rows, self.cols), self.data).expect("rows × cols elements")
    }
}

impl<'a> MatMut<'a> {
    /// The first `rows` rows of a contiguous array.
    pub fn top(a: &'a mut ndarray::Array2<f64>, rows: usize) -> Self {
        let cols = a.ncols();
        let data = a.as_slice_mut().expect("workspace and parameter arrays are contiguous");
        MatMut { data: &mut data[..rows * cols], rows, cols }
    }
    pub fn all(a: &'a mut ndarray::Array2<f64>) -> Self {
        let rows = a.nrows();
        MatMut::top(a, rows)
    }
    fn reborrow(&mut self) -> MatMut<'_> {
        MatMut { data: &mut *self.data, rows: self.rows, cols: self.cols }
    }
    fn view(self) -> ArrayViewMut2<'a, f64> {
        ArrayViewMut2::from_shape((self.rows, self.cols), self.data).expect("rows × cols elements")
    }
}

/// Reusable buffers for the transposed operand of a small a · bᵀ and the transposed output
/// of a narrow aᵀ · b, made once with a workspace (so a product allocates nothing and
/// zeroes nothing).
#[derive(Debug)]
pub struct Scratch {
    operand: Vec<f64>,
    output: Vec<f64>,
}

clone_reusing!(Scratch { operand, output });

impl Default for Scratch {
    fn default() -> Self {
        Scratch { operand: vec![0.0; STACK], output: vec![0.0; NARROW] }
    }
}

/// Narrow outputs of aᵀ · b (see [`at_b`]) up to this many elements are computed
/// transposed.
const NARROW: usize = 512;

/// Whether a rows × cols output is better computed as its transpose: fewer than 4 columns
/// (W1's gradient for 2 inputs) would leave the vector registers nearly empty and each sum
/// one long chain of dependent multiply-adds.
fn narrow(rows: usize, cols: usize) -> bool {
    cols < 4 && rows >= 8 && rows * cols <= NARROW
}

/// `out` (cols × rows, row-major) = the transpose of `src` (rows × cols, row-major), in
/// AVX-512 registers where the build's target has them, else in [`transpose_portable`].
fn transpose(src: &[f64], cols: usize, out: &mut [f64]) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    avx512::transpose(src, cols, out);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    transpose_portable(src, cols, out);
}

/// [`transpose`] in plain loops: 8 source rows at a time, so each output row gets 8
/// neighbouring values per pass.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "avx512f", not(test)), allow(dead_code))]
fn transpose_portable(src: &[f64], cols: usize, out: &mut [f64]) {
    let cols = cols.max(1);
    let rows = src.len() / cols;
    let mut j = 0;
    while j + 8 <= rows {
        let block: [&[f64]; 8] = std::array::from_fn(|r| &src[(j + r) * cols..][..cols]);
        for (l, dst) in out.chunks_exact_mut(rows).enumerate().take(cols) {
            let dst: &mut [f64; 8] = (&mut dst[j..j + 8]).try_into().expect("8 elements");
            for (d, row) in dst.iter_mut().zip(&block) {
                *d = row[l];
            }
        }
        j += 8;
    }
    // The last rows (all of them when there are fewer than 8) one at a time: each source
    // row is read once and scattered down its output column.
    for (r, row) in src.chunks_exact(cols).enumerate().skip(j) {
        for (d, &v) in out[r..].iter_mut().step_by(rows).zip(row) {
            *d = v;
        }
    }
}

/// c = a · bᵀ, with a n×k and b m×k: c is n×m.
pub fn a_bt(a: Mat, b: Mat, c: MatMut, scratch: &mut Scratch) {
    a_bt_then(a, b, c, Then::default(), scratch);
}

/// What a product does with each output element once its sum is done, in the same pass
/// (while the sums are still in registers, in the loops that have them there): add the
/// column's bias, and put relu(sum + bias), times the column's multiplier, into a second
/// matrix of the output's shape (the forward pass's z1 = X̃ W1ᵀ + b1, h̃ = relu(z1) ⊙ mask_h,
/// and its logits = h̃ W2ᵀ + b2); or gate the output by relu′ (the backward pass's
/// g = ((ŷ−Y) W2) ⊙ mask_h ⊙ relu′(z1), with its column sums).
#[derive(Debug, Default)]
pub struct Then<'a> {
    /// Added to every row (one value per column).
    pub bias: Option<&'a [f64]>,
    /// Receives relu(output) and, if given, multiplied by the column's multiplier.
    pub relu: Option<(&'a mut [f64], Option<&'a [f64]>)>,
    /// Applied to the output itself, after the bias.
    pub gate: Option<Gate<'a>>,
}

/// The output becomes 0 where `z` (of the output's shape) is ≤ 0, else its value times the
/// column's multiplier (if given); each column of the result is added into `sums`, row by
/// row in order.
#[derive(Debug)]
pub struct Gate<'a> {
    pub z: &'a [f64],
    pub scale: Option<&'a [f64]>,
    pub sums: &'a mut [f64],
}

/// relu′(z) applied to g with the unit's multiplier s: 0 where z ≤ 0 (a NaN z keeps g).
#[inline(always)]
pub fn gated(g: f64, z: f64, s: Option<f64>) -> f64 {
    if z <= 0.0 {
        0.0
    } else {
        match s {
            Some(s) => g * s,
            None => g,
        }
    }
}

impl Then<'_> {
    /// Panics unless every operand holds its shape for an output of `len` elements in rows
    /// of `m` (the bounds both the pass below and the AVX-512 loops rely on).
    fn check(&self, len: usize, m: usize) {
        let columns = |v: Option<&[f64]>| v.is_none_or(|v| v.len() >= m);
        assert!(columns(self.bias), "a bias per column");
        if let Some((out, scale)) = &self.relu {
            assert!(out.len() >= len && columns(*scale), "relu output and multipliers");
        }
        if let Some(Gate { z, scale, sums }) = &self.gate {
            assert!(z.len() >= len && sums.len() >= m && columns(*scale), "gate, multipliers and sums");
        }
    }

    /// The same, as a pass over a finished n×m output `c` (where the product's loops did not
    /// do it): element by element the arithmetic of the fused loops.
    fn apply(self, c: &mut [f64], m: usize) {
        let m = m.max(1);
        self.check(c.len(), m);
        if let Some(bias) = self.bias {
            for row in c.chunks_exact_mut(m) {
                for (v, &b) in row.iter_mut().zip(bias) {
                    *v += b;
                }
            }
        }
        if let Some((out, scale)) = self.relu {
            for (row, out) in c.chunks_exact(m).zip(out.chunks_exact_mut(m)) {
                for (j, (&v, o)) in row.iter().zip(out.iter_mut()).enumerate() {
                    let relu = relu(v);
                    *o = match scale {
                        Some(s) => relu * s[j],
                        None => relu,
                    };
                }
            }
        }
        if let Some(Gate { z, scale, sums }) = self.gate {
            for (row, zr) in c.chunks_exact_mut(m).zip(z.chunks_exact(m)) {
                for (j, ((g, &z), sum)) in row.iter_mut().zip(zr).zip(sums.iter_mut()).enumerate() {
                    *g = gated(*g, z, scale.map(|s| s[j]));
                    *sum += *g;
                }
            }
        }
    }
}

/// max(v, 0), with relu(NaN) = 0 and relu(−0) = +0 (as `vmaxpd v, 0` gives).
#[inline(always)]
pub fn relu(v: f64) -> f64 {
    if v > 0.0 { v } else { 0.0 }
}

/// c = a · bᵀ, with a n×k and b m×k, then `then` on each element of c (n×m).
pub fn a_bt_then(a: Mat, b: Mat, c: MatMut, then: Then, scratch: &mut Scratch) {
    let (n, k, m) = (a.rows, a.cols, b.rows);
    assert!(b.cols == k && c.rows == n && c.cols == m, "a · bᵀ shapes");
    if n * m * k <= SMALL && m < 4 && k >= 8 {
        // Few outputs per row, long rows: dot products along k, 8 lanes at a time.
        // The bias is added to each finished sum there; the rest (if any) as a pass after.
        dots(a, b, c.data, then.bias);
        Then { bias: None, ..then }.apply(c.data, m);
    } else if n * m * k <= SMALL && m * k <= STACK {
        // a · (bᵀ), with bᵀ (k×m) copied out.
        let bt = &mut scratch.operand[..k * m];
        transpose(b.data, k, bt);
        blocked_then(Shape { n, m, k }, 1.0, a.data, (k, 1), bt, c.data, then);
    } else {
        let mut c = c;
        if threaded(n, k, m) {
            // The forward pass's X̃ · W1ᵀ: its columns are the hidden units, W1's rows (and
            // in the wide network the longer side).
            library(|| parallel(Halves::Longer, 1.0, a.view(), b.view().t(), c.reborrow().view()));
        } else {
            library(|| general_mat_mul(1.0, &a.view(), &b.view().t(), 0.0, &mut c.reborrow().view()));
        }
        then.apply(c.data, m);
    }
}

/// c[i][j] = a's row i · b's row j, for an output of few columns (m < 4): each dot product
/// keeps 8 partial sums (lane t sums l ≡ t mod 8, in order), added pairwise at the end; in
/// AVX-512 registers where the build's target has them, else in [`dots_portable`]. With a
/// `bias`, its column's value is added to each sum (as [`Then::apply`] adds it).
fn dots(a: Mat, b: Mat, c: &mut [f64], bias: Option<&[f64]>) {
    assert!(bias.is_none_or(|v| v.len() >= b.rows), "a bias per column");
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    avx512::dots(a.data, &b.data[..b.rows * a.cols], a.cols, c, bias);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    dots_portable(a, b, c, bias);
}

/// [`dots`] in plain loops.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "avx512f", not(test)), allow(dead_code))]
fn dots_portable(a: Mat, b: Mat, c: &mut [f64], bias: Option<&[f64]>) {
    let (k, m) = (a.cols, b.rows);
    for (ar, cr) in a.data.chunks_exact(k.max(1)).zip(c.chunks_exact_mut(m.max(1))) {
        for (j, (br, out)) in b.data.chunks_exact(k.max(1)).zip(cr.iter_mut()).enumerate() {
            let mut acc = [0.0; 8];
            let (a8, b8) = (ar.chunks_exact(8), br.chunks_exact(8));
            let (a_tail, b_tail) = (a8.remainder(), b8.remainder());
            for (x, y) in a8.zip(b8) {
                for t in 0..8 {
                    acc[t] = fma(x[t], y[t], acc[t]);
                }
            }
            for (t, (&x, &y)) in a_tail.iter().zip(b_tail).enumerate() {
                acc[t] = fma(x, y, acc[t]);
            }
            *out = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
            if let Some(bias) = bias {
                *out += bias[j];
            }
        }
    }
}

/// c = alpha · aᵀ · b, with a n×m and b n×k: c is m×k.
pub fn at_b(alpha: f64, a: Mat, b: Mat, c: MatMut, scratch: &mut Scratch) {
    let (n, m, k) = (a.rows, a.cols, b.cols);
    assert!(b.rows == n && c.rows == m && c.cols == k, "aᵀ · b shapes");
    if n * m * k <= SMALL && narrow(m, k) {
        // cᵀ[l][j] = Σ_i b[i][l] · a[i][j]: b read down its columns, a's rows as they are.
        let ct = &mut scratch.output[..k * m];
        blocked(Shape { n: k, m, k: n }, alpha, b.data, (1, k), a.data, ct);
        transpose(ct, m, c.data);
    } else if n * m * k <= SMALL {
        // c[j][l] = Σ_i a[i][j] · b[i][l]: a read down its columns, b's rows as they are.
        blocked(Shape { n: m, m: k, k: n }, alpha, a.data, (1, m), b.data, c.data);
    } else if threaded(n, k, m) {
        // The backward pass's ∇W1 = gᵀ · X̃: its rows are the hidden units, W1's rows.
        library(|| parallel(Halves::Rows, alpha, a.view().t(), b.view(), c.view()));
    } else {
        library(|| general_mat_mul(alpha, &a.view().t(), &b.view(), 0.0, &mut c.view()));
    }
}

/// c = a · b, with a n×k and b k×m: c is n×m.
pub fn a_b(a: Mat, b: Mat, c: MatMut) {
    a_b_then(a, b, c, Then::default());
}

/// c = a · b, with a n×k and b k×m, then `then` on each element of c (n×m).
pub fn a_b_then(a: Mat, b: Mat, c: MatMut, then: Then) {
    let (n, k, m) = (a.rows, a.cols, b.cols);
    assert!(b.rows == k && c.rows == n && c.cols == m, "a · b shapes");
    if n * m * k <= SMALL {
        blocked_then(Shape { n, m, k }, 1.0, a.data, (k, 1), b.data, c.data, then);
    } else {
        let mut c = c;
        library(|| general_mat_mul(1.0, &a.view(), &b.view(), 0.0, &mut c.reborrow().view()));
        then.apply(c.data, m);
    }
}

/// Output n×m, inner dimension k.
#[derive(Clone, Copy)]
struct Shape {
    n: usize,
    m: usize,
    k: usize,
}

/// c (n×m, row-major) = alpha · A · B, where A(i, l) = a[i·rs + l·cs] and B (k×m) is
/// row-major in `b`; each sum runs over l in order, fused multiply-adds, whatever the
/// block: in AVX-512 vectors where the build's target has them ([`avx512`]), else in
/// [`portable`] loops. Both give the same bits.
fn blocked(s: Shape, alpha: f64, a: &[f64], stride: (usize, usize), b: &[f64], c: &mut [f64]) {
    blocked_then(s, alpha, a, stride, b, c, Then::default());
}

/// [`blocked`], then `then` on every element: in the AVX-512 loops while the sums are in
/// registers, after the portable ones as a pass over c. Both give the same bits.
fn blocked_then(
    s: Shape,
    alpha: f64,
    a: &[f64],
    stride: (usize, usize),
    b: &[f64],
    c: &mut [f64],
    then: Then,
) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    avx512::blocked(s, alpha, a, stride, b, c, then);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    {
        portable(s, alpha, a, stride, b, c);
        then.apply(&mut c[..s.n * s.m], s.m);
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
mod avx512;

/// [`blocked`] in loops that LLVM vectorizes at the target's preferred width: blocks of up
/// to 4 rows × up to 32 columns keep their sums in registers over the whole of k.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "avx512f", not(test)), allow(dead_code))]
fn portable(s: Shape, alpha: f64, a: &[f64], stride: (usize, usize), b: &[f64], c: &mut [f64]) {
    let mut i = 0;
    while i + 4 <= s.n {
        columns::<4>(s, i, alpha, a, stride, b, c);
        i += 4;
    }
    match s.n - i {
        3 => columns::<3>(s, i, alpha, a, stride, b, c),
        2 => columns::<2>(s, i, alpha, a, stride, b, c),
        1 => columns::<1>(s, i, alpha, a, stride, b, c),
        _ => {}
    }
}

#[inline(always)]
fn columns<const R: usize>(
    s: Shape,
    i: usize,
    alpha: f64,
    a: &[f64],
    stride: (usize, usize),
    b: &[f64],
    c: &mut [f64],
) {
    let mut j = 0;
    while j + 32 <= s.m {
        block::<R, 32>(s, i, j, alpha, a, stride, b, c);
        j += 32;
    }
    if j + 16 <= s.m {
        block::<R, 16>(s, i, j, alpha, a, stride, b, c);
        j += 16;
    }
    if j + 8 <= s.m {
        block::<R, 8>(s, i, j, alpha, a, stride, b, c);
        j += 8;
    }
    if j + 4 <= s.m {
        block::<R, 4>(s, i, j, alpha, a, stride, b, c);
        j += 4;
    }
    while j < s.m {
        block::<R, 1>(s, i, j, alpha, a, stride, b, c);
        j += 1;
    }
}

/// Rows i..i+R, columns j..j+W of the output.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn block<const R: usize, const W: usize>(
    s: Shape,
    i: usize,
    j: usize,
    alpha: f64,
    a: &[f64],
    (rs, cs): (usize, usize),
    b: &[f64],
    c: &mut [f64],
) {
    let mut acc = [[0.0; W]; R];
    for l in 0..s.k {
        let brow: &[f64; W] = b[l * s.m + j..][..W].try_into().expect("a slice of W elements");
        for (r, acc) in acc.iter_mut().enumerate() {
            let av = a[(i + r) * rs + l * cs];
            for (acc, &bv) in acc.iter_mut().zip(brow) {
                *acc = fma(av, bv, *acc);
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        let out = &mut c[(i + r) * s.m + j..][..W];
        for (o, &v) in out.iter_mut().zip(acc) {
            *o = if alpha == 1.0 { v } else { alpha * v };
        }
    }
}

/// Which halves of a large product's output the two threads compute: those of its longer
/// side (columns on a tie), or of its rows.
#[derive(Clone, Copy, PartialEq)]
enum Halves {
    Longer,
    Rows,
}

/// c = alpha · a · b for large products, on two of rayon's threads, through the `gemm`
/// crate (faer's kernels): the output split into halves as `halves` says where that side
/// has at least 64, else along the other, else on one thread.
///
/// The wide network's two W1 products are both split along the hidden units, as the update
/// splits W1's rows, and `rayon::join` runs the first half on the calling thread: each
/// thread writes the half of ∇W1 it then updates, and packs the half of W1 it updated, while
/// they are still in its own cache.
fn parallel(halves: Halves, alpha: f64, a: ArrayView2<f64>, b: ArrayView2<f64>, c: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.ncols();
    assert!(b.nrows() == k && c.dim() == (n, m), "product shapes");
    // Two halves of the output, one gemm call each on its own thread (rayon::join): gemm's
    // own threading over a 64-row product spends much of its time waking and waiting.
    // Each element is one call's sum in gemm's fixed order, whichever thread runs it.
    let by_columns = m >= 64 && (n < 64 || (halves == Halves::Longer && m >= n));
    if by_columns {
        let half = m / 2;
        let (c0, c1) = c.split_at(ndarray::Axis(1), half);
        let (b0, b1) = b.split_at(ndarray::Axis(1), half);
        rayon::join(|| single(alpha, a, b0, c0), || single(alpha, a, b1, c1));
    } else if n >= 64 {
        let half = n / 2;
        let (c0, c1) = c.split_at(ndarray::Axis(0), half);
        let (a0, a1) = a.split_at(ndarray::Axis(0), half);
        rayon::join(|| single(alpha, a0, b, c0), || single(alpha, a1, b, c1));
    } else {
        single(alpha, a, b, c);
    }
}

/// c = alpha · a · b through gemm on this thread.
#[allow(unsafe_code)]
fn single(alpha: f64, a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.ncols();
    if n == 0 || m == 0 || k == 0 {
        c.fill(0.0);
        return;
    }
    let (ars, acs) = (a.strides()[0], a.strides()[1]);
    let (brs, bcs) = (b.strides()[0], b.strides()[1]);
    let (crs, ccs) = (c.strides()[0], c.strides()[1]);
    // SAFETY: the pointers and strides are those of live ndarray views whose shapes were
    // just checked (n×k, k×m, n×m), so every element gemm touches is inside them; `c` is
    // a unique borrow, so it aliases neither input; with `read_dst` false, c is only
    // written.
    unsafe {
        gemm::gemm(
            n,
            m,
            k,
            c.as_mut_ptr(),
            ccs,
            crs,
            false,
            a.as_ptr(),
            acs,
            ars,
            b.as_ptr(),
            bcs,
            brs,
            0.0,
            alpha,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn m(r: usize, c: usize, seed: f64) -> Array2<f64> {
        Array2::from_shape_fn((r, c), |(i, j)| ((i * 7 + j * 3) as f64 * seed).sin())
    }

    fn close(a: &Array2<f64>, b: &Array2<f64>) -> bool {
        a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    /// Every path (the register-blocked loops with each block width and leftover rows,
    /// both stack sizes, the single-threaded library and the parallel one) agrees with
    /// ndarray's product.
    #[test]
    fn products_match_ndarray_on_every_path() {
        let shapes = [
            (1, 1, 1),
            (16, 2, 16),
            (16, 16, 3),
            (5, 7, 3),
            (3, 0, 2),
            (7, 5, 61),     // widths 32, 16, 8, 4 and 1, three leftover rows
            (9, 40, 20),    // bᵀ in the large stack scratch
            (32, 64, 32),   // digits: the library on one thread
            (64, 300, 100), // the parallel library
        ];
        for (n, k, mm) in shapes {
            let (a, b) = (m(n, k, 0.3), m(mm, k, 0.7));
            let mut c = Array2::zeros((n, mm));
            a_bt(Mat::all(&a), Mat::all(&b), MatMut::all(&mut c), &mut Scratch::default());
            assert!(close(&c, &a.dot(&b.t())), "a·bᵀ {n}×{k}×{mm}");
            let (a, b) = (m(n, mm, 0.2), m(n, k, 0.9));
            let mut c = Array2::zeros((mm, k));
            at_b(0.5, Mat::all(&a), Mat::all(&b), MatMut::all(&mut c), &mut Scratch::default());
            assert!(close(&c, &(a.t().dot(&b) * 0.5)), "aᵀ·b {n}×{mm}×{k}");
            let (a, b) = (m(n, k, 0.4), m(k, mm, 0.6));
            let mut c = Array2::zeros((n, mm));
            a_b(Mat::all(&a), Mat::all(&b), MatMut::all(&mut c));
            assert!(close(&c, &a.dot(&b)), "a·b {n}×{k}×{mm}");
        }
    }

    /// The loops a build runs give the portable loops' bits on every shape and both
    /// strides, with alpha 1 and not: every column count up to 70 (full and masked
    /// vectors), every leftover of rows, an empty inner dimension.
    #[test]
    fn blocked_gives_the_portable_bits() {
        for n in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33] {
            for cols in (1..=70).step_by(if n > 9 { 7 } else { 1 }) {
                for k in [0, 1, 2, 3, 10, 33] {
                    let b = m(k, cols, 0.7).into_raw_vec_and_offset().0;
                    for (stride, alpha) in [((k, 1), 1.0), ((1, n), 0.5)] {
                        let a = m(n, k.max(1), 0.3).into_raw_vec_and_offset().0;
                        let mut want = vec![f64::NAN; n * cols];
                        let mut got = vec![f64::NAN; n * cols];
                        let s = Shape { n, m: cols, k };
                        portable(s, alpha, &a, stride, &b, &mut want);
                        blocked(s, alpha, &a, stride, &b, &mut got);
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&got), bits(&want), "{n}×{k}×{cols}, strides {stride:?}");
                    }
                }
            }
        }
    }

    /// The work a product does after its sums (bias, relu, multipliers, the gate) gives, in the loops
    /// a build runs, the bits of the portable loops followed by [`Then::apply`]: on every
    /// column count around the vector widths, leftover rows, NaN and ±0 sums included.
    #[test]
    fn then_gives_the_bits_of_a_pass_after() {
        for n in [1, 3, 4, 5, 8, 9, 17] {
            for cols in [1, 2, 7, 8, 9, 10, 16, 31, 32, 33, 40, 70] {
                for k in [0, 1, 5] {
                    let mut a = m(n, k.max(1), 0.3).into_raw_vec_and_offset().0;
                    if k > 0 {
                        a[0] = f64::NAN;
                    }
                    let b = m(k, cols, 0.7).into_raw_vec_and_offset().0;
                    let bias: Vec<f64> =
                        (0..cols).map(|j| if j % 3 == 0 { -0.0 } else { (j as f64).cos() }).collect();
                    let scale: Vec<f64> = (0..cols).map(|j| if j % 4 == 1 { 0.0 } else { 1.25 }).collect();
                    // Pre-activations for the gate: positive, negative, ±0 and NaN.
                    let z: Vec<f64> = (0..n * cols)
                        .map(|i| [1.0, -1.0, 0.0, -0.0, f64::NAN, 0.3][i % 6] * (i as f64 + 1.0))
                        .collect();
                    for with_scale in [false, true] {
                        let s = Shape { n, m: cols, k };
                        let scale = with_scale.then_some(&scale[..]);
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        let run = |fused: bool, gated: bool| {
                            let (mut c, mut h) = (vec![f64::NAN; n * cols], vec![f64::NAN; n * cols]);
                            let mut sums = vec![0.5; cols];
                            let then = if gated {
                                Then {
                                    gate: Some(Gate { z: &z, scale, sums: &mut sums }),
                                    ..Default::default()
                                }
                            } else {
                                Then { bias: Some(&bias), relu: Some((&mut h, scale)), gate: None }
                            };
                            if fused {
                                blocked_then(s, 1.0, &a, (k.max(1), 1), &b, &mut c, then);
                            } else {
                                portable(s, 1.0, &a, (k.max(1), 1), &b, &mut c);
                                then.apply(&mut c, cols);
                            }
                            (bits(&c), bits(&h), bits(&sums))
                        };
                        for gated in [false, true] {
                            let what = format!("{n}×{k}×{cols}, multipliers {with_scale}, gated {gated}");
                            assert_eq!(run(true, gated), run(false, gated), "{what}");
                        }
                    }
                }
            }
        }
    }

    /// The transpose a build runs is the plain one, for every shape around the 8 × 8 blocks.
    #[test]
    fn transpose_is_the_portable_one() {
        for rows in [1, 2, 7, 8, 9, 10, 16, 17, 32] {
            for cols in [1, 2, 3, 8, 9, 10, 15, 16, 24, 33, 64] {
                let src = m(rows, cols, 0.3).into_raw_vec_and_offset().0;
                let mut want = vec![f64::NAN; rows * cols];
                let mut got = vec![f64::NAN; rows * cols];
                transpose_portable(&src, cols, &mut want);
                transpose(&src, cols, &mut got);
                assert_eq!(got, want, "{rows} × {cols}");
                assert!(got.iter().all(|v| !v.is_nan()), "{rows} × {cols}: every element written");
            }
        }
    }

    /// The dot products a build runs give the plain loops' bits: every k around the 8-lane
    /// chunks, 1 to 3 columns, with ±0 terms, a NaN in the last partial chunk, and infinities
    /// that cancel to NaN in one lane only.
    #[test]
    fn dots_give_the_portable_bits() {
        for n in [1, 2, 3, 5] {
            for cols in 1..4 {
                for k in 8..=41 {
                    let mut a = m(n, k, 0.3);
                    let b = m(cols, k, 0.7);
                    a.row_mut(0).fill(-0.0);
                    if n > 1 {
                        a[[1, k - 1]] = f64::NAN;
                    }
                    if n > 2 && k > 8 {
                        a[[2, 0]] = f64::INFINITY;
                        a[[2, 8]] = f64::NEG_INFINITY;
                    }
                    let bias = [0.25, -0.0, f64::NAN];
                    for bias in [None, Some(&bias[..cols])] {
                        let mut want = vec![1.0; n * cols];
                        let mut got = vec![1.0; n * cols];
                        dots_portable(Mat::all(&a), Mat::all(&b), &mut want, bias);
                        dots(Mat::all(&a), Mat::all(&b), &mut got, bias);
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&got), bits(&want), "{n}×{k}×{cols}, bias {bias:?}");
                    }
                }
            }
        }
    }

    /// Only the first rows of a workspace buffer take part.
    #[test]
    fn top_rows_only() {
        let a = m(10, 4, 0.3);
        let b = m(6, 4, 0.5);
        let mut c = Array2::from_elem((10, 6), 7.0);
        a_bt(Mat::top(&a, 3), Mat::all(&b), MatMut::top(&mut c, 3), &mut Scratch::default());
        assert!(close(&c.slice(ndarray::s![..3, ..]).to_owned(), &a.slice(ndarray::s![..3, ..]).dot(&b.t())));
        assert!(c.slice(ndarray::s![3.., ..]).iter().all(|&v| v == 7.0));
    }
}

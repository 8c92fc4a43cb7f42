//! Forward and backward passes of x → W1,b1 → z1 → ReLU → h → W2,b2 → softmax.
//!
//! All products go into buffers the [`Workspace`] owns, so a training step allocates
//! nothing once the workspace exists.

use ndarray::{Array1, Array2, ArrayView2, s};
use strum::{IntoStaticStr, VariantArray};

use super::params::{Grads, Params, Tensor, zeros_paged};
use super::products::{self, Mat, MatMut};

/// How L1 is applied: l1·sign(W) in the gradient, or a soft threshold after the step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum L1Mode {
    Subgradient,
    Proximal,
}

/// Regularization strengths per weight matrix (`[W1, W2]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reg {
    pub l2: [f64; 2],
    pub l1: [f64; 2],
    pub l1_mode: L1Mode,
}

impl Reg {
    pub const NONE: Reg = Reg { l2: [0.0; 2], l1: [0.0; 2], l1_mode: L1Mode::Subgradient };

    /// Whether the L1 term is part of the gradient (subgradient mode) or applied as a
    /// soft threshold after the step (proximal mode).
    pub fn l1_in_gradient(&self) -> bool {
        self.l1_mode == L1Mode::Subgradient
    }
}

/// Per-unit multipliers: 0 for a dropped unit, the scale s for a kept one.
#[derive(Debug, PartialEq)]
pub struct Masks {
    pub input: Array1<f64>,
    pub hidden: Array1<f64>,
}

clone_reusing!(Masks { input, hidden });

impl Masks {
    pub fn ones(d: usize, m: usize) -> Self {
        Masks { input: Array1::ones(d), hidden: Array1::ones(m) }
    }

    pub fn input_kept(&self, i: usize) -> bool {
        self.input[i] != 0.0
    }
    pub fn hidden_kept(&self, j: usize) -> bool {
        self.hidden[j] != 0.0
    }

    /// Whether no unit is dropped.
    pub fn all_kept(&self) -> bool {
        self.input.iter().chain(&self.hidden).all(|&v| v != 0.0)
    }

    /// Which units a tensor's rows and columns belong to, as (row multipliers, column
    /// multipliers); an entry belongs to a dropped unit where either is 0. W1's rows are
    /// hidden units and its columns inputs; b1's entries and W2's columns are hidden units;
    /// b2 belongs to no droppable unit.
    pub fn of(&self, t: Tensor) -> (Option<&[f64]>, Option<&[f64]>) {
        let input = self.input.as_slice().expect("masks are contiguous");
        let hidden = self.hidden.as_slice().expect("masks are contiguous");
        match t {
            Tensor::W1 => (Some(hidden), Some(input)),
            Tensor::B1 | Tensor::W2 => (None, Some(hidden)),
            Tensor::B2 => (None, None),
        }
    }
}

/// sign with sign(0) = 0 (`f64::signum(0.0)` is 1).
pub fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The regularization term: Σ_l l2_l/2 ‖W_l‖² + l1_l Σ|W_l|, over whole matrices.
pub fn penalty(p: &Params, reg: &Reg) -> f64 {
    [&p.w1, &p.w2]
        .iter()
        .enumerate()
        .filter(|(l, _)| reg.l2[*l] > 0.0 || reg.l1[*l] > 0.0)
        .map(|(l, w)| {
            let (sq, abs) = w.iter().fold((0.0, 0.0), |(sq, abs), v| (sq + v * v, abs + v.abs()));
            // A zero strength contributes nothing, even when the sum overflows.
            let l2 = if reg.l2[l] > 0.0 { reg.l2[l] / 2.0 * sq } else { 0.0 };
            let l1 = if reg.l1[l] > 0.0 { reg.l1[l] * abs } else { 0.0 };
            l2 + l1
        })
        .sum()
}

/// Activation buffers for up to `capacity` rows; `n` rows are in use after a forward.
#[derive(Debug)]
pub struct Workspace {
    pub n: usize,
    /// X̃ = X ⊙ mask_x
    pub xt: Array2<f64>,
    pub z1: Array2<f64>,
    /// h̃ = relu(z1) ⊙ mask_h
    pub h: Array2<f64>,
    pub logits: Array2<f64>,
    pub y_hat: Array2<f64>,
    /// Largest logit of each row, and Σ exp(logit − max) (at least 1): logsumexp is
    /// max + ln(sum), taken only when a loss is asked for (see [`Workspace::lse`]).
    pub row_max: Array1<f64>,
    pub row_sum: Array1<f64>,
    /// ŷ − Y
    pub err: Array2<f64>,
    /// Buffers the small products reuse.
    pub scratch: products::Scratch,
    /// g = ((ŷ−Y) W2) ⊙ mask_h ⊙ relu′(z1)
    pub g: Array2<f64>,
}

clone_reusing!(Workspace { n, xt, z1, h, logits, y_hat, row_max, row_sum, err, scratch, g });

impl Workspace {
    pub fn new(capacity: usize, d: usize, m: usize, k: usize) -> Self {
        Workspace {
            n: 0,
            xt: zeros_paged(ndarray::Dim([capacity, d])),
            z1: zeros_paged(ndarray::Dim([capacity, m])),
            h: zeros_paged(ndarray::Dim([capacity, m])),
            logits: zeros_paged(ndarray::Dim([capacity, k])),
            y_hat: zeros_paged(ndarray::Dim([capacity, k])),
            row_max: zeros_paged(ndarray::Dim([capacity])),
            row_sum: zeros_paged(ndarray::Dim([capacity])),
            err: zeros_paged(ndarray::Dim([capacity, k])),
            scratch: products::Scratch::default(),
            g: zeros_paged(ndarray::Dim([capacity, m])),
        }
    }

    pub fn capacity(&self) -> usize {
        self.xt.nrows()
    }

    /// logsumexp of row `i`'s logits.
    pub fn lse(&self, i: usize) -> f64 {
        self.row_max[i] + self.row_sum[i].ln()
    }

    /// Mean cross-entropy of the rows in use against labels `y`.
    pub fn cross_entropy(&self, y: &[usize]) -> f64 {
        let n = self.n;
        let total: f64 = (0..n).map(|i| self.lse(i) - self.logits[[i, y[i]]]).sum();
        total / n as f64
    }

    /// Whether [`Workspace::cross_entropy`] would be finite, mostly without its logarithms,
    /// given Σ (max − logit_y) over the rows and whether every row's Σ exp is finite (the
    /// training step gathers both in its pass over ŷ − Y): each row's term is
    /// (max − logit_y) + ln(sum) with ln(sum) in [0, ln k] when the sum is finite, so when
    /// every sum is finite and the gaps sum to less than 1e300 the mean is finite; otherwise
    /// (a NaN logit, an overflow, no rows) it is computed exactly.
    fn cross_entropy_is_finite(&self, y: &[usize], gaps: f64, sums_finite: bool) -> bool {
        if self.n > 0 && sums_finite && gaps < 1e300 { true } else { self.cross_entropy(y).is_finite() }
    }

    /// Number of rows whose argmax (ties to the lowest class) is the label.
    pub fn correct(&self, y: &[usize]) -> usize {
        (0..self.n).filter(|&i| argmax(self.logits.row(i).as_slice().unwrap_or(&[])) == y[i]).count()
    }
}

/// Index of the largest value, the lowest index on ties.
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Forward pass of the rows of `x` with the given masks; fills `ws` for `x.nrows()` rows.
pub fn forward(p: &Params, x: ArrayView2<f64>, masks: &Masks, ws: &mut Workspace) {
    let n = x.nrows();
    assert!(n <= ws.capacity(), "batch of {n} rows exceeds the workspace's {}", ws.capacity());
    ws.n = n;
    let mut xt = ws.xt.slice_mut(s![..n, ..]);
    xt.assign(&x);
    if masks.input.iter().any(|&v| v != 1.0) {
        xt *= &masks.input;
    }
    forward_prepared(p, &masks.hidden, ws);
}

/// Forward pass once the first `ws.n` rows of `ws.xt` hold X̃ (the trainer gathers
/// and masks the batch there directly).
pub fn forward_prepared(p: &Params, mask_h: &Array1<f64>, ws: &mut Workspace) {
    let n = ws.n;
    let m = p.hidden();
    let k = p.classes();
    let b1 = p.b1.as_slice().expect("b1 is contiguous");
    let mask = mask_h.as_slice().expect("masks are contiguous");
    let all_kept = mask.iter().all(|&v| v == 1.0);
    // z1 = X̃ W1ᵀ + b1 and h̃ = relu(z1) ⊙ mask_h, in the product's own pass.
    let then = products::Then {
        bias: Some(b1),
        relu: Some((&mut slice_rows_mut(&mut ws.h, n)[..n * m], (!all_kept).then_some(mask))),
        gate: None,
    };
    products::a_bt_then(
        Mat::top(&ws.xt, n),
        Mat::all(&p.w1),
        MatMut::top(&mut ws.z1, n),
        then,
        &mut ws.scratch,
    );
    let b2 = p.b2.as_slice().expect("b2 is contiguous");
    // logits = h̃ W2ᵀ + b2.
    let then = products::Then { bias: Some(b2), ..Default::default() };
    products::a_bt_then(
        Mat::top(&ws.h, n),
        Mat::all(&p.w2),
        MatMut::top(&mut ws.logits, n),
        then,
        &mut ws.scratch,
    );
    let logits = &slice_rows(&ws.logits, n)[..n * k];
    let y_hat = &mut slice_rows_mut(&mut ws.y_hat, n)[..n * k];
    let row_max = &mut ws.row_max.as_slice_mut().expect("workspace arrays are contiguous")[..n];
    let row_sum = &mut ws.row_sum.as_slice_mut().expect("workspace arrays are contiguous")[..n];
    // Two or three classes (the 2-D data sets) get rows of a fixed width, whose loops the
    // compiler unrolls (as in `backward`).
    match k {
        2 => softmax::<2>(k, logits, y_hat, row_max, row_sum),
        3 => softmax::<3>(k, logits, y_hat, row_max, row_sum),
        _ => softmax::<0>(k, logits, y_hat, row_max, row_sum),
    }
}

/// Puts the softmax of each row of logits (k columns; `K` is k when it is not 0) in y_hat, its largest logit in row_max and Σ exp(l − max) in row_sum.
/// exp(l − max) / Σ keeps ŷ accurate for large logits; max and Σ give the loss.
#[inline(always)]
fn softmax<const K: usize>(
    k: usize,
    logits: &[f64],
    y_hat: &mut [f64],
    row_max: &mut [f64],
    row_sum: &mut [f64],
) {
    let k = if K == 0 { k.max(1) } else { K };
    for ((lr, yr), row_max) in logits.chunks_exact(k).zip(y_hat.chunks_exact_mut(k)).zip(&mut *row_max) {
        let max = lr.iter().fold(f64::NEG_INFINITY, |max, &l| max.max(l));
        for (y, l) in yr.iter_mut().zip(lr.iter()) {
            *y = l - max;
        }
        *row_max = max;
    }
    // All n·k exponentials in one vectorized pass.
    super::exp::exp_in_place(y_hat);
    for (yr, row_sum) in y_hat.chunks_exact_mut(k).zip(row_sum) {
        let sum: f64 = yr.iter().sum();
        *row_sum = sum;
        let inv = 1.0 / sum;
        for y in yr.iter_mut() {
            *y *= inv;
        }
    }
}

/// The first `n` rows of a row-major array as one slice.
fn slice_rows_mut(a: &mut Array2<f64>, n: usize) -> &mut [f64] {
    let cols = a.ncols();
    let all = a.as_slice_mut().expect("workspace arrays are contiguous");
    &mut all[..n * cols]
}

fn slice_rows(a: &Array2<f64>, n: usize) -> &[f64] {
    let cols = a.ncols();
    let all = a.as_slice().expect("workspace arrays are contiguous");
    &all[..n * cols]
}

/// Backward pass after [`forward`]: the data term of every gradient, into `out`.
/// Entries of dropped units come out as exactly 0 because their activations are 0.
/// Returns whether the batch's cross-entropy is finite, decided mostly without logarithms
/// from the pass that forms ŷ − Y (the training step's divergence check).
pub fn backward(p: &Params, y: &[usize], masks: &Masks, ws: &mut Workspace, out: &mut Grads) -> bool {
    let n = ws.n;
    let k = p.classes();
    let inv_n = 1.0 / n as f64;
    // ŷ − Y with its column means (∇b2) and the two facts the loss check needs.
    let (gaps, sums_finite) = {
        let err = slice_rows_mut(&mut ws.err, n);
        let (y_hat, logits) = (slice_rows(&ws.y_hat, n), slice_rows(&ws.logits, n));
        let max = &ws.row_max.as_slice().expect("workspace arrays are contiguous")[..n];
        let sum = &ws.row_sum.as_slice().expect("workspace arrays are contiguous")[..n];
        let gb2 = out.b2.as_slice_mut().expect("b2 is contiguous");
        match k {
            2 => output_error::<2>(k, y, y_hat, logits, max, sum, err, gb2),
            3 => output_error::<3>(k, y, y_hat, logits, max, sum, err, gb2),
            _ => output_error::<0>(k, y, y_hat, logits, max, sum, err, gb2),
        }
    };
    products::at_b(
        inv_n,
        Mat::top(&ws.err, n),
        Mat::top(&ws.h, n),
        MatMut::all(&mut out.w2),
        &mut ws.scratch,
    );
    // g = (ŷ − Y) W2, gated by relu′(z1) and the dropped units, with its column sums (∇b1)
    // in the product's own pass.
    let mask = masks.hidden.as_slice().expect("masks are contiguous");
    let all_kept = mask.iter().all(|&v| v == 1.0);
    let gb1 = out.b1.as_slice_mut().expect("b1 is contiguous");
    gb1.fill(0.0);
    let gate = products::Gate { z: slice_rows(&ws.z1, n), scale: (!all_kept).then_some(mask), sums: gb1 };
    let then = products::Then { gate: Some(gate), ..Default::default() };
    products::a_b_then(Mat::top(&ws.err, n), Mat::all(&p.w2), MatMut::top(&mut ws.g, n), then);
    into_means(out.b1.as_slice_mut().expect("b1 is contiguous"), n);
    products::at_b(inv_n, Mat::top(&ws.g, n), Mat::top(&ws.xt, n), MatMut::all(&mut out.w1), &mut ws.scratch);
    ws.cross_entropy_is_finite(y, gaps, sums_finite)
}

/// err = ŷ − Y row by row (k columns; `K` is k when it is not 0), with its column means
/// in `gb2` (each column summed in row order); returns Σ (max − logit_y) and whether every
/// row's Σ exp is finite.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn output_error<const K: usize>(
    k: usize,
    y: &[usize],
    y_hat: &[f64],
    logits: &[f64],
    row_max: &[f64],
    row_sum: &[f64],
    err: &mut [f64],
    gb2: &mut [f64],
) -> (f64, bool) {
    let k = if K == 0 { k.max(1) } else { K };
    gb2.fill(0.0);
    let (mut gaps, mut sums_finite) = (0.0, true);
    let rows = err.chunks_exact_mut(k).zip(y_hat.chunks_exact(k)).zip(logits.chunks_exact(k));
    for (((er, yr), lr), ((&c, &max), &sum)) in rows.zip(y.iter().zip(row_max).zip(row_sum)) {
        for (j, ((e, &v), s)) in er.iter_mut().zip(yr).zip(gb2.iter_mut()).enumerate() {
            // v − 0 is v, bit for bit: no branch on the label.
            *e = v - if j == c { 1.0 } else { 0.0 };
            *s += *e;
        }
        gaps += max - lr[c];
        sums_finite &= sum.is_finite();
    }
    into_means(gb2, row_max.len());
    (gaps, sums_finite)
}

/// Column sums over `rows` rows, in place, into column means.
fn into_means(sums: &mut [f64], rows: usize) {
    let inv = 1.0 / rows.max(1) as f64;
    for s in sums {
        *s *= inv;
    }
}

/// One element's applied gradient: data term `g` + L2 (+ L1 when `l1` > 0) at weight `w`.
/// The one place this arithmetic lives (the SGD step fuses it into its update pass).
#[inline(always)]
pub fn regularized(g: f64, w: f64, l2: f64, l1: f64) -> f64 {
    if l2 == 0.0 && l1 == 0.0 {
        g
    } else if l1 == 0.0 {
        g + l2 * w
    } else {
        g + (l2 * w + l1 * sign(w))
    }
}

/// Applied gradient = data term + L2 (+ L1 in subgradient mode), with every entry of a
/// dropped unit set to 0: only the retained network is adjusted. (Training fuses this
/// into [`super::sgd::apply`]; this is for gradient checks and `--inspect`.)
pub fn regularize(p: &Params, data: &Grads, reg: &Reg, masks: &Masks, out: &mut Grads) {
    let l1_on = reg.l1_in_gradient();
    for (l, t) in [(0, Tensor::W1), (1, Tensor::W2)] {
        let (l2, l1) = (reg.l2[l], if l1_on { reg.l1[l] } else { 0.0 });
        let (g, w) = (data.get(t), p.get(t));
        for ((o, &g), &w) in out.get_mut(t).iter_mut().zip(g).zip(w) {
            *o = regularized(g, w, l2, l1);
        }
    }
    out.get_mut(Tensor::B1).copy_from_slice(data.get(Tensor::B1));
    out.get_mut(Tensor::B2).copy_from_slice(data.get(Tensor::B2));
    if !masks.all_kept() {
        zero_dropped(out, masks);
    }
}

/// Set the entries of dropped units to 0 (see [`Masks::of`]).
fn zero_dropped(out: &mut Grads, masks: &Masks) {
    for t in Tensor::ALL {
        let (row_mask, col_mask) = masks.of(t);
        let g = out.get_mut(t);
        let cols = col_mask.map_or(g.len(), <[f64]>::len).max(1);
        for (r, row) in g.chunks_exact_mut(cols).enumerate() {
            let row_kept = row_mask.is_none_or(|m| m[r] != 0.0);
            for (c, v) in row.iter_mut().enumerate() {
                if !row_kept || col_mask.is_some_and(|m| m[c] == 0.0) {
                    *v = 0.0;
                }
            }
        }
    }
}

/// Loss on a batch (mean cross-entropy + penalty) and its applied gradient, for
/// gradient checks and `--inspect`. Uses the workspace as scratch.
pub fn loss_and_grads(
    p: &Params,
    x: ArrayView2<f64>,
    y: &[usize],
    masks: &Masks,
    reg: &Reg,
    ws: &mut Workspace,
) -> (f64, Grads) {
    let (d, m, k) = (p.inputs(), p.hidden(), p.classes());
    let mut data = Grads::zeros(d, m, k);
    let mut applied = Grads::zeros(d, m, k);
    forward(p, x, masks, ws);
    let loss = ws.cross_entropy(y) + penalty(p, reg);
    backward(p, y, masks, ws, &mut data);
    regularize(p, &data, reg, masks, &mut applied);
    (loss, applied)
}

/// Mean cross-entropy and accuracy over a whole split, evaluated in chunks of the
/// workspace's capacity with the given (evaluation) masks; `None` for an empty split.
pub fn evaluate(
    p: &Params,
    x: ArrayView2<f64>,
    y: &[usize],
    masks: &Masks,
    ws: &mut Workspace,
) -> Option<(f64, f64)> {
    evaluate_with(p, x, y, masks, ws, |_| {})
}

/// [`evaluate`], calling `seen` with the workspace after each chunk's forward pass (so a
/// caller can read z1 on the way instead of running the split through again).
pub fn evaluate_with(
    p: &Params,
    x: ArrayView2<f64>,
    y: &[usize],
    masks: &Masks,
    ws: &mut Workspace,
    mut seen: impl FnMut(&Workspace),
) -> Option<(f64, f64)> {
    let rows = x.nrows();
    if rows == 0 {
        return None;
    }
    let (mut loss, mut correct) = (0.0, 0usize);
    let step = ws.capacity().max(1);
    for start in (0..rows).step_by(step) {
        let end = (start + step).min(rows);
        forward(p, x.slice(s![start..end, ..]), masks, ws);
        seen(ws);
        loss += ws.cross_entropy(&y[start..end]) * (end - start) as f64;
        correct += ws.correct(&y[start..end]);
    }
    Some((loss / rows as f64, correct as f64 / rows as f64))
}

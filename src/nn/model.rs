//! Forward and backward passes of x → W1,b1 → z1 → ReLU → h → W2,b2 → softmax.
//!
//! All products go into buffers the [`Workspace`] owns, so a training step allocates
//! nothing once the workspace exists.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};

use super::params::{Grads, Params};
use crate::scenario::L1Mode;

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
#[derive(Clone, Debug, PartialEq)]
pub struct Masks {
    pub input: Array1<f64>,
    pub hidden: Array1<f64>,
}

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
        .map(|(l, w)| {
            let (sq, abs) = w.iter().fold((0.0, 0.0), |(sq, abs), v| (sq + v * v, abs + v.abs()));
            reg.l2[l] / 2.0 * sq + reg.l1[l] * abs
        })
        .sum()
}

/// Activation buffers for up to `capacity` rows; `n` rows are in use after a forward.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub n: usize,
    /// X̃ = X ⊙ mask_x
    pub xt: Array2<f64>,
    pub z1: Array2<f64>,
    /// h̃ = relu(z1) ⊙ mask_h
    pub h: Array2<f64>,
    pub logits: Array2<f64>,
    pub y_hat: Array2<f64>,
    /// logsumexp of each row of the logits
    pub lse: Array1<f64>,
    /// ŷ − Y
    pub err: Array2<f64>,
    /// g = ((ŷ−Y) W2) ⊙ mask_h ⊙ relu′(z1)
    pub g: Array2<f64>,
}

impl Workspace {
    pub fn new(capacity: usize, d: usize, m: usize, k: usize) -> Self {
        Workspace {
            n: 0,
            xt: Array2::zeros((capacity, d)),
            z1: Array2::zeros((capacity, m)),
            h: Array2::zeros((capacity, m)),
            logits: Array2::zeros((capacity, k)),
            y_hat: Array2::zeros((capacity, k)),
            lse: Array1::zeros(capacity),
            err: Array2::zeros((capacity, k)),
            g: Array2::zeros((capacity, m)),
        }
    }

    pub fn capacity(&self) -> usize {
        self.xt.nrows()
    }

    /// Mean cross-entropy of the rows in use against labels `y`.
    pub fn cross_entropy(&self, y: &[usize]) -> f64 {
        let n = self.n;
        let total: f64 = (0..n).map(|i| self.lse[i] - self.logits[[i, y[i]]]).sum();
        total / n as f64
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
    xt *= &masks.input;

    let mut z1 = ws.z1.slice_mut(s![..n, ..]);
    general_mat_mul(1.0, &xt, &p.w1.t(), 0.0, &mut z1);
    z1 += &p.b1;

    let mut h = ws.h.slice_mut(s![..n, ..]);
    ndarray::Zip::from(&mut h).and(&z1).for_each(|h, &z| *h = z.max(0.0));
    h *= &masks.hidden;

    let mut logits = ws.logits.slice_mut(s![..n, ..]);
    general_mat_mul(1.0, &h, &p.w2.t(), 0.0, &mut logits);
    logits += &p.b2;

    let mut y_hat = ws.y_hat.slice_mut(s![..n, ..]);
    for ((l, mut yh), lse) in logits.rows().into_iter().zip(y_hat.rows_mut()).zip(ws.lse.iter_mut()) {
        let max = l.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        // exp(l − max) / Σ keeps ŷ accurate for large logits; lse is for the loss.
        ndarray::Zip::from(&mut yh).and(&l).for_each(|o, &v| *o = (v - max).exp());
        let sum = yh.sum();
        *lse = max + sum.ln();
        yh /= sum;
    }
}

/// Backward pass after [`forward`]: the data term of every gradient, into `out`.
/// Entries of dropped units come out as exactly 0 because their activations are 0.
pub fn backward(p: &Params, y: &[usize], masks: &Masks, ws: &mut Workspace, out: &mut Grads) {
    let n = ws.n;
    let inv_n = 1.0 / n as f64;
    let mut err = ws.err.slice_mut(s![..n, ..]);
    err.assign(&ws.y_hat.slice(s![..n, ..]));
    for (mut row, &c) in err.rows_mut().into_iter().zip(y) {
        row[c] -= 1.0;
    }
    let h = ws.h.slice(s![..n, ..]);
    general_mat_mul(inv_n, &err.t(), &h, 0.0, &mut out.w2);
    mean_rows(&err.view(), &mut out.b2);

    let mut g = ws.g.slice_mut(s![..n, ..]);
    general_mat_mul(1.0, &err, &p.w2, 0.0, &mut g);
    ndarray::Zip::from(&mut g).and(&ws.z1.slice(s![..n, ..])).for_each(|g, &z| {
        if z <= 0.0 {
            *g = 0.0;
        }
    });
    g *= &masks.hidden;
    let xt = ws.xt.slice(s![..n, ..]);
    general_mat_mul(inv_n, &g.t(), &xt, 0.0, &mut out.w1);
    mean_rows(&g.view(), &mut out.b1);
}

fn mean_rows(a: &ArrayView2<f64>, out: &mut Array1<f64>) {
    let inv_n = 1.0 / a.nrows() as f64;
    out.fill(0.0);
    for row in a.axis_iter(Axis(0)) {
        *out += &row;
    }
    *out *= inv_n;
}

/// Applied gradient = data term + L2 (+ L1 in subgradient mode), with every entry of a
/// dropped unit set to 0: only the retained network is adjusted.
pub fn regularize(p: &Params, data: &Grads, reg: &Reg, masks: &Masks, out: &mut Grads) {
    let l1_on = reg.l1_in_gradient();
    let term = |l: usize, w: f64| reg.l2[l] * w + if l1_on { reg.l1[l] * sign(w) } else { 0.0 };
    ndarray::Zip::indexed(&mut out.w1).and(&data.w1).and(&p.w1).for_each(|(j, i), o, &g, &w| {
        *o = if masks.hidden_kept(j) && masks.input_kept(i) { g + term(0, w) } else { 0.0 };
    });
    ndarray::Zip::indexed(&mut out.w2).and(&data.w2).and(&p.w2).for_each(|(_, j), o, &g, &w| {
        *o = if masks.hidden_kept(j) { g + term(1, w) } else { 0.0 };
    });
    ndarray::Zip::indexed(&mut out.b1).and(&data.b1).for_each(|j, o, &g| {
        *o = if masks.hidden_kept(j) { g } else { 0.0 };
    });
    out.b2.assign(&data.b2);
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
    let rows = x.nrows();
    if rows == 0 {
        return None;
    }
    let (mut loss, mut correct) = (0.0, 0usize);
    let step = ws.capacity().max(1);
    for start in (0..rows).step_by(step) {
        let end = (start + step).min(rows);
        forward(p, x.slice(s![start..end, ..]), masks, ws);
        loss += ws.cross_entropy(&y[start..end]) * (end - start) as f64;
        correct += ws.correct(&y[start..end]);
    }
    Some((loss / rows as f64, correct as f64 / rows as f64))
}

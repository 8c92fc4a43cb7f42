//! The network in plain ndarray, the lecture's formulas one line each: what the fast
//! kernels of [`super::model`] (forward, backward) and [`super::sgd`] (the step) compute,
//! written to be read. The tests check the fast code against it, and it against finite
//! differences. Slow on purpose: every intermediate is a new array, every product
//! ndarray's `dot`.
//!
//! Rows are examples (the lecture's column vectors, transposed): X is n×d, W1 m×d, W2 k×m,
//! so z = W1 x + b1 becomes Z1 = X W1ᵀ + b1, and the gradients are means over the n rows.
//! Dropout is a multiplier per input and hidden unit ([`Masks`]): 0 for a dropped unit, s
//! for a kept one (1/keep inverted, 1 classic; evaluation multiplies by keep in classic
//! mode), applied to x and to h. A dropped unit's activations are 0, so the network
//! without it is the lecture's "reduced network".

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::model::{Masks, Reg, sign};
use super::params::{Grads, Params};

/// The activations of one forward pass.
#[derive(Clone, Debug)]
pub struct Forward {
    /// x̃ = x ⊙ mask_x
    pub xt: Array2<f64>,
    pub z1: Array2<f64>,
    /// h̃ = relu(z1) ⊙ mask_h
    pub h: Array2<f64>,
    pub logits: Array2<f64>,
    pub y_hat: Array2<f64>,
}

/// x̃ = x ⊙ mask_x, z1 = W1 x̃ + b1, h̃ = relu(z1) ⊙ mask_h, logits = W2 h̃ + b2,
/// ŷ = softmax(logits) (computed as exp(l − max l) / Σ exp(l − max l), the same value).
pub fn forward(
    x: ArrayView2<f64>,
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
    masks: &Masks,
) -> Forward {
    let xt = &x * &masks.input;
    let z1 = xt.dot(&w1.t()) + b1;
    let h = z1.mapv(|z| z.max(0.0)) * &masks.hidden;
    let logits = h.dot(&w2.t()) + b2;
    let max = logits.map_axis(Axis(1), |l| l.fold(f64::NEG_INFINITY, |a, &b| a.max(b)));
    let e = (&logits - &max.insert_axis(Axis(1))).mapv(f64::exp);
    let y_hat = &e / &e.sum_axis(Axis(1)).insert_axis(Axis(1));
    Forward { xt, z1, h, logits, y_hat }
}

/// The loss the trainer reports: −(1/n) Σᵢ ln ŷᵢ\[yᵢ\] + Σ_l (α_l/2 ‖W_l‖² + β_l Σ|W_l|), the
/// L1 term in both L1 modes (α = l2, β = l1; biases are not penalized).
pub fn loss(f: &Forward, y: &[usize], w1: &Array2<f64>, w2: &Array2<f64>, reg: &Reg) -> f64 {
    let ce = -y.iter().enumerate().map(|(i, &c)| f.y_hat[[i, c]].ln()).sum::<f64>() / y.len() as f64;
    let penalty = |l: usize, w: &Array2<f64>| {
        reg.l2[l] / 2.0 * w.mapv(|v| v * v).sum() + reg.l1[l] * w.mapv(f64::abs).sum()
    };
    ce + penalty(0, w1) + penalty(1, w2)
}

/// The gradients of one batch.
#[derive(Clone, Debug)]
pub struct Gradients {
    /// The lecture's gradient of the mean cross-entropy (what [`super::model::backward`]
    /// computes).
    pub data: Grads,
    /// What the step applies: data + α W + β sign(W) (sign(0) = 0; the β term in
    /// subgradient mode only, proximal mode applies it in [`step`]), with every entry of a
    /// dropped unit 0 — only the retained network is adjusted.
    pub applied: Grads,
}

/// ∇W2 = (ŷ − y) h̃ᵀ, ∇b2 = ŷ − y, gᵀ = ((ŷ − y)ᵀ W2) ⊙ mask_h ⊙ relu′(z1ᵀ) (relu′(0) = 0),
/// ∇W1 = g x̃ᵀ, ∇b1 = g, each averaged over the batch; then the penalty terms.
pub fn backward(
    f: &Forward,
    y: &[usize],
    w1: &Array2<f64>,
    w2: &Array2<f64>,
    masks: &Masks,
    reg: &Reg,
) -> Gradients {
    let n = y.len() as f64;
    let mut err = f.y_hat.clone();
    for (i, &c) in y.iter().enumerate() {
        err[[i, c]] -= 1.0;
    }
    let g = err.dot(w2) * &masks.hidden * f.z1.mapv(|z| if z > 0.0 { 1.0 } else { 0.0 });
    let data = Grads {
        w2: err.t().dot(&f.h) / n,
        b2: err.sum_axis(Axis(0)) / n,
        w1: g.t().dot(&f.xt) / n,
        b1: g.sum_axis(Axis(0)) / n,
    };
    let l1 = if reg.l1_in_gradient() { reg.l1 } else { [0.0; 2] };
    let penalty = |l: usize, w: &Array2<f64>| reg.l2[l] * w + l1[l] * w.mapv(sign);
    let (kept_x, kept_h) = kept(masks);
    let applied = Grads {
        w1: (&data.w1 + &penalty(0, w1)) * kept_h.view().insert_axis(Axis(1)) * &kept_x,
        b1: &data.b1 * &kept_h,
        w2: (&data.w2 + &penalty(1, w2)) * &kept_h,
        b2: data.b2.clone(),
    };
    Gradients { data, applied }
}

/// W ← W − lr·applied (a dropped unit's entries are 0, so its values stay); in proximal
/// mode each retained weight is then moved toward 0 by lr·β, stopping at 0.
pub fn step(p: &Params, applied: &Grads, lr: f64, reg: &Reg, masks: &Masks) -> Params {
    let mut next = Params {
        w1: &p.w1 - &(lr * &applied.w1),
        b1: &p.b1 - &(lr * &applied.b1),
        w2: &p.w2 - &(lr * &applied.w2),
        b2: &p.b2 - &(lr * &applied.b2),
    };
    if !reg.l1_in_gradient() {
        let shrink = |w: &mut f64, by: f64| {
            if by > 0.0 {
                *w = sign(*w) * (w.abs() - by).max(0.0);
            }
        };
        let (input, hidden) = (&masks.input, &masks.hidden);
        for ((j, i), w) in next.w1.indexed_iter_mut() {
            if hidden[j] != 0.0 && input[i] != 0.0 {
                shrink(w, lr * reg.l1[0]);
            }
        }
        for ((_, j), w) in next.w2.indexed_iter_mut() {
            if hidden[j] != 0.0 {
                shrink(w, lr * reg.l1[1]);
            }
        }
    }
    next
}

/// 1 for a kept unit, 0 for a dropped one: (inputs, hidden units).
fn kept(masks: &Masks) -> (Array1<f64>, Array1<f64>) {
    let kept = |m: &Array1<f64>| m.mapv(|s| if s != 0.0 { 1.0 } else { 0.0 });
    (kept(&masks.input), kept(&masks.hidden))
}

//! Dropout as an ensemble: the full network against the average of sampled sub-networks.
//!
//! Training with dropout trains many sub-networks that share weights; evaluating the full
//! network (classic mode: W1 × keep_input and W2 × keep_hidden; inverted mode: the weights
//! as they are) approximates averaging them. [`ensemble`] measures how well, on the
//! validation split:
//!
//! - `full`: the trainer's evaluation (the summary's `val_loss` and `val_acc`, bit for bit);
//! - `k1`, `k10`, `k100`: the average softmax output p̄ of the first K sub-networks;
//! - `geometric` `k1`, `k10`, `k100`: their normalized geometric mean p̃ = softmax of the
//!   mean log-probabilities, which the weight-scaled full network approximates (Hinton et
//!   al. 2012; Srivastava et al. 2014).
//!
//! # The sub-networks
//!
//! A sub-network is one mask for the whole split, drawn as training draws the mask of a
//! step: a fresh [`Dropout`] built from the scenario's `dropout` section, i.e. a
//! `Xoshiro256PlusPlus::seed_from_u64(dropout.seed)` of its own (the trainer's generator is
//! not touched), and [`Dropout::draw`] called once per sub-network. An input (hidden unit) is
//! kept when the next uniform draw in [0, 1) is below `keep_input` (`keep_hidden`), inputs
//! first, then hidden units; a kept unit is scaled by s = 1/keep (inverted) or 1 (classic).
//! A layer with keep = 1 draws nothing and keeps everything (s = 1).
//!
//! The K sub-networks are the first K masks of that one stream, so the K = 1 set is inside
//! the K = 10 set, which is inside the K = 100 set. Since training's generator starts from
//! the same seed, sub-network i has exactly the mask of training step i.
//!
//! With a fixed `input_mask` / `hidden_mask` that layer's mask is the fixed one in every
//! sub-network (as at every training step); when both layers are fixed all K sub-networks
//! are the same network and the three scores agree.
//!
//! # The scores
//!
//! loss = mean over rows of `−ln p̄[y]`, computed as `−(logsumexp_i(ln ŷ_i[y]) − ln K)` with
//! `ln ŷ_i[y] = logit_i[y] − logsumexp(logit_i)`, so it never takes the log of an underflowed 0
//! and K = 1 gives exactly the sub-network's cross-entropy. accuracy = the fraction of rows
//! whose argmax of p̄ (ties to the lowest class) is the label.
//!
//! The geometric mean of the same K sub-networks: p̃ = softmax(a) with
//! a = (1/K) Σ_i ln ŷ_i, ln ŷ_i = logit_i − logsumexp(logit_i); its loss is the mean over
//! rows of `logsumexp(a) − a[y]` (max subtracted before the exponentials), its accuracy the
//! fraction of rows whose argmax of a (ties to the lowest class) is the label. A run that
//! diverged gives
//! non-finite numbers (written as null).
//!
//! [`ensemble`] is `None` when no unit can be dropped (no dropout) and when the validation
//! split is empty (the comparison is defined on validation data only; the training split is
//! not used instead). The bundled `dropout_slide` (fixed masks, one inline row, no
//! validation split) is therefore `None`.

use ndarray::{Array1, Array2, ArrayView2, s};

use super::Trainer;
use crate::nn::Params;
use crate::nn::dropout::Dropout;
use crate::nn::model::{self, Masks, Workspace, argmax};
use crate::scenario::DropoutSpec;

/// The ensemble sizes reported.
pub const SIZES: [usize; 3] = [1, 10, 100];

/// Rows per chunk, as in the trainer's evaluation.
const CHUNK: usize = 256;

/// Accuracy and mean cross-entropy on the validation split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    pub acc: f64,
    pub loss: f64,
}

/// The full network and the averages of the first 1, 10 and 100 sub-networks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnsembleResult {
    pub full: Score,
    pub k1: Score,
    pub k10: Score,
    pub k100: Score,
    /// The normalized geometric means of the same sub-networks.
    pub geometric: Geometric,
}

/// The normalized geometric means of the first 1, 10 and 100 sub-networks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geometric {
    pub k1: Score,
    pub k10: Score,
    pub k100: Score,
}

/// Scores of the arithmetic and the geometric mean for each size asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Means<const N: usize> {
    pub arithmetic: [Score; N],
    pub geometric: [Score; N],
}

/// The comparison on the validation split at the trainer's current parameters; `None`
/// without dropout or without validation rows (see the module documentation).
pub fn ensemble(t: &Trainer) -> Option<EnsembleResult> {
    let val = &t.data.val;
    if !t.dropout_active() || val.rows() == 0 {
        return None;
    }
    let p = &t.params;
    let (d, m, k) = (p.inputs(), p.hidden(), p.classes());
    // The trainer's chunking (capacity from the training rows), so `full` is bit for bit
    // its validation evaluation.
    let capacity = CHUNK.min(t.data.train.rows().max(1));
    let mut ws = Workspace::new(capacity, d, m, k);
    let (loss, acc) = model::evaluate(p, val.x.view(), &val.y, t.eval_masks(), &mut ws)?;
    let masks = sub_networks(&t.scenario.dropout, d, m, SIZES[SIZES.len() - 1]);
    let means = means(p, val.x.view(), &val.y, &masks, SIZES);
    let [k1, k10, k100] = means.arithmetic;
    let [g1, g10, g100] = means.geometric;
    let geometric = Geometric { k1: g1, k10: g10, k100: g100 };
    Some(EnsembleResult { full: Score { acc, loss }, k1, k10, k100, geometric })
}

/// The first `count` sub-network masks of the stream seeded with `spec.seed` (for `d`
/// inputs and `m` hidden units).
pub fn sub_networks(spec: &DropoutSpec, d: usize, m: usize, count: usize) -> Vec<Masks> {
    let mut dropout = Dropout::new(spec);
    (0..count)
        .map(|_| {
            let mut masks = Masks::ones(d, m);
            dropout.draw(&mut masks);
            masks
        })
        .collect()
}

/// Scores of the arithmetic and the normalized geometric mean of the first `sizes[i]`
/// sub-networks in `masks`, for each i, in one pass over the masks. A size of 0 or above
/// `masks.len()` gets NaN; so does every size when `x` has no rows.
pub fn means<const N: usize>(
    p: &Params,
    x: ArrayView2<f64>,
    y: &[usize],
    masks: &[Masks],
    sizes: [usize; N],
) -> Means<N> {
    let rows = x.nrows().min(y.len());
    let nan = Score { acc: f64::NAN, loss: f64::NAN };
    if rows == 0 {
        return Means { arithmetic: [nan; N], geometric: [nan; N] };
    }
    let (d, m, k) = (p.inputs(), p.hidden(), p.classes());
    let capacity = CHUNK.min(rows);
    let mut ws = Workspace::new(capacity, d, m, k);
    // Per row of a chunk: Σ ŷ over the sub-networks so far, and the running logsumexp of
    // ln ŷ[y] as (max, Σ exp(· − max)).
    let mut sum = Array2::<f64>::zeros((capacity, k));
    // And Σ ln ŷ over the sub-networks so far, with a row of their mean.
    let mut log_sum = Array2::<f64>::zeros((capacity, k));
    let mut mean = vec![0.0f64; k];
    let mut top = Array1::<f64>::zeros(capacity);
    let mut expsum = Array1::<f64>::zeros(capacity);
    let mut loss = [0.0f64; N];
    let mut correct = [0usize; N];
    let mut geo_loss = [0.0f64; N];
    let mut geo_correct = [0usize; N];
    let used = sizes.iter().copied().max().unwrap_or(0).min(masks.len());
    for start in (0..rows).step_by(capacity) {
        let end = (start + capacity).min(rows);
        let labels = &y[start..end];
        sum.fill(0.0);
        log_sum.fill(0.0);
        top.fill(f64::NEG_INFINITY);
        expsum.fill(0.0);
        for (i, mask) in masks.iter().take(used).enumerate() {
            model::forward(p, x.slice(s![start..end, ..]), mask, &mut ws);
            for (r, &c) in labels.iter().enumerate() {
                let mut row = sum.row_mut(r);
                row += &ws.y_hat.row(r);
                let lse = ws.lse(r);
                for (acc, &l) in log_sum.row_mut(r).iter_mut().zip(ws.logits.row(r)) {
                    *acc += l - lse;
                }
                let a = ws.logits[[r, c]] - lse;
                if a > top[r] {
                    expsum[r] = expsum[r] * (top[r] - a).exp() + 1.0;
                    top[r] = a;
                } else {
                    expsum[r] += (a - top[r]).exp();
                }
            }
            let count = i + 1;
            for (slot, _) in sizes.iter().enumerate().filter(|&(_, &size)| size == count) {
                let ln_k = (count as f64).ln();
                for (r, &c) in labels.iter().enumerate() {
                    loss[slot] -= top[r] + expsum[r].ln() - ln_k;
                    let row = sum.row(r);
                    if argmax(row.as_slice().unwrap_or(&[])) == c {
                        correct[slot] += 1;
                    }
                    for (a, &l) in mean.iter_mut().zip(log_sum.row(r)) {
                        *a = l / count as f64;
                    }
                    geo_loss[slot] += logsumexp(&mean) - mean[c];
                    if argmax(&mean) == c {
                        geo_correct[slot] += 1;
                    }
                }
            }
        }
    }
    let score = |slot: usize, correct: &[usize; N], loss: &[f64; N]| {
        if sizes[slot] == 0 || sizes[slot] > masks.len() {
            nan
        } else {
            Score { acc: correct[slot] as f64 / rows as f64, loss: loss[slot] / rows as f64 }
        }
    };
    Means {
        arithmetic: std::array::from_fn(|slot| score(slot, &correct, &loss)),
        geometric: std::array::from_fn(|slot| score(slot, &geo_correct, &geo_loss)),
    }
}

/// ln Σ exp(v), the largest value subtracted first; −∞ for no values.
fn logsumexp(v: &[f64]) -> f64 {
    let top = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return top;
    }
    top + v.iter().map(|&a| (a - top).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::scenario::DropoutMode;

    fn spec(keep_input: f64, keep_hidden: f64, mode: DropoutMode) -> DropoutSpec {
        DropoutSpec { keep_input, keep_hidden, mode, input_mask: None, hidden_mask: None, seed: 3 }
    }

    fn small() -> (Params, Array2<f64>, Vec<usize>) {
        let (d, m, k) = (3, 5, 4);
        let mut p = Params::zeros(d, m, k);
        for (i, v) in p.w1.iter_mut().enumerate() {
            *v = ((i * 7 % 11) as f64 - 5.0) / 4.0;
        }
        for (i, v) in p.w2.iter_mut().enumerate() {
            *v = ((i * 5 % 13) as f64 - 6.0) / 3.0;
        }
        p.b1.fill(0.1);
        p.b2[1] = 0.3;
        let x = Array2::from_shape_fn((300, d), |(i, j)| ((i * 3 + j * 5) % 17) as f64 / 8.0 - 1.0);
        let y = (0..300).map(|i| i % k).collect();
        (p, x, y)
    }

    #[test]
    fn nested_prefixes_of_one_stream() {
        let s = spec(0.8, 0.5, DropoutMode::Inverted);
        let ten = sub_networks(&s, 3, 5, 10);
        let hundred = sub_networks(&s, 3, 5, 100);
        assert_eq!(ten[..], hundred[..10]);
        assert!(hundred.iter().any(|m| m != &hundred[0]));
        for m in &hundred {
            assert!(m.input.iter().all(|&v| v == 0.0 || v == 1.0 / 0.8));
            assert!(m.hidden.iter().all(|&v| v == 0.0 || v == 1.0 / 0.5));
        }
    }

    #[test]
    fn fixed_masks_give_identical_sub_networks() {
        let mut s = spec(1.0, 1.0, DropoutMode::Classic);
        s.input_mask = Some(vec![true, false, true]);
        s.hidden_mask = Some(vec![true, true, false, true, false]);
        let masks = sub_networks(&s, 3, 5, 100);
        assert!(masks.iter().all(|m| m == &masks[0]));
        let (p, x, y) = small();
        let [a, b, c] = means(&p, x.view(), &y, &masks, SIZES).arithmetic;
        assert!((a.loss - b.loss).abs() < 1e-12 && (a.loss - c.loss).abs() < 1e-12);
        assert_eq!((a.acc, b.acc), (c.acc, c.acc));
    }

    #[test]
    fn one_sub_network_is_its_cross_entropy_and_accuracy() {
        // Both means of one sub-network are that sub-network.
        let (p, x, y) = small();
        let masks = sub_networks(&spec(0.7, 0.6, DropoutMode::Inverted), 3, 5, 1);
        let mut ws = Workspace::new(64, 3, 5, 4);
        let (loss, acc) = model::evaluate(&p, x.view(), &y, &masks[0], &mut ws).unwrap();
        let [mean] = means(&p, x.view(), &y, &masks, [1]).arithmetic;
        let [geo] = means(&p, x.view(), &y, &masks, [1]).geometric;
        for one in [mean, geo] {
            assert!((one.loss - loss).abs() < 1e-12, "{} vs {loss}", one.loss);
            assert_eq!(one.acc, acc);
        }
    }

    #[test]
    fn average_matches_a_direct_computation() {
        let (p, x, y) = small();
        let masks = sub_networks(&spec(0.8, 0.5, DropoutMode::Classic), 3, 5, 10);
        let mut ws = Workspace::new(x.nrows(), 3, 5, 4);
        let mut mean = Array2::<f64>::zeros((x.nrows(), 4));
        for mask in &masks {
            model::forward(&p, x.view(), mask, &mut ws);
            mean += &ws.y_hat;
        }
        mean /= masks.len() as f64;
        let loss = y.iter().enumerate().map(|(i, &c)| -mean[[i, c]].ln()).sum::<f64>() / y.len() as f64;
        let right = y.iter().enumerate().filter(|&(i, &c)| argmax(mean.row(i).as_slice().unwrap()) == c);
        let acc = right.count() as f64 / y.len() as f64;
        let [ten] = means(&p, x.view(), &y, &masks, [10]).arithmetic;
        assert!((ten.loss - loss).abs() < 1e-10, "{} vs {loss}", ten.loss);
        assert_eq!(ten.acc, acc);
    }

    #[test]
    fn geometric_matches_a_direct_computation() {
        let (p, x, y) = small();
        let masks = sub_networks(&spec(0.8, 0.5, DropoutMode::Classic), 3, 5, 10);
        let mut ws = Workspace::new(x.nrows(), 3, 5, 4);
        // The product of the K softmax outputs, its K-th root, normalised to sum to 1.
        let mut product = Array2::<f64>::ones((x.nrows(), 4));
        for mask in &masks {
            model::forward(&p, x.view(), mask, &mut ws);
            product *= &ws.y_hat;
        }
        let root = product.mapv(|v| v.powf(1.0 / masks.len() as f64));
        let geo = &root / &root.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
        let loss = y.iter().enumerate().map(|(i, &c)| -geo[[i, c]].ln()).sum::<f64>() / y.len() as f64;
        let right = y.iter().enumerate().filter(|&(i, &c)| argmax(geo.row(i).as_slice().unwrap()) == c);
        let acc = right.count() as f64 / y.len() as f64;
        let [ten] = means(&p, x.view(), &y, &masks, [10]).geometric;
        assert!((ten.loss - loss).abs() < 1e-10, "{} vs {loss}", ten.loss);
        assert_eq!(ten.acc, acc);
    }

    #[test]
    fn geometric_and_arithmetic_means_differ() {
        // Two sub-networks of one row of class 2, with logits (10, 0, 5) and (0, 10, 5): the
        // arithmetic mean is about (0.497, 0.497, 0.007); the mean log-probabilities differ
        // from (5, 5, 5) by a constant, so the geometric mean is (1/3, 1/3, 1/3).
        let mut p = Params::zeros(2, 2, 3);
        p.w1[[0, 0]] = 1.0;
        p.w1[[1, 1]] = 1.0;
        p.w2[[0, 0]] = 10.0;
        p.w2[[1, 1]] = 10.0;
        p.w2[[2, 0]] = 5.0;
        p.w2[[2, 1]] = 5.0;
        let x = Array2::from_shape_vec((1, 2), vec![1.0, 1.0]).unwrap();
        let y = vec![2];
        let mut a = Masks::ones(2, 2);
        a.hidden[1] = 0.0;
        let mut b = Masks::ones(2, 2);
        b.hidden[0] = 0.0;
        let masks = [a, b];
        let [arith] = means(&p, x.view(), &y, &masks, [2]).arithmetic;
        let [geo] = means(&p, x.view(), &y, &masks, [2]).geometric;
        assert!((geo.loss - 3f64.ln()).abs() < 1e-12, "{}", geo.loss);
        let l = |z: [f64; 3]| z.iter().map(|v| v.exp()).sum::<f64>().ln();
        let p2 = (5f64 - l([10.0, 0.0, 5.0])).exp();
        assert!((arith.loss + p2.ln()).abs() < 1e-12, "{} vs {}", arith.loss, -p2.ln());
        assert!(arith.loss > geo.loss + 3.0);
        assert_eq!(arith.acc, 0.0);
    }

    #[test]
    fn sizes_out_of_range_are_nan() {
        let (p, x, y) = small();
        let masks = sub_networks(&spec(0.8, 0.5, DropoutMode::Inverted), 3, 5, 2);
        let [zero, two, three] = means(&p, x.view(), &y, &masks, [0, 2, 3]).arithmetic;
        assert!(zero.loss.is_nan() && three.acc.is_nan());
        assert!(two.loss.is_finite());
        let [zero, two, three] = means(&p, x.view(), &y, &masks, [0, 2, 3]).geometric;
        assert!(zero.loss.is_nan() && three.acc.is_nan());
        assert!(two.loss.is_finite());
    }
}

//! Central-difference gradient check of the loss a training step minimises.
//!
//! The loss is batch cross-entropy (with the given masks) plus the penalty; in proximal
//! mode the L1 term is not part of the gradient, so it is left out of the loss too.
//! The analytic side is the data term plus the regularization term for every element:
//! the zeroing of dropped units' entries is an update policy, not a derivative.

use ndarray::ArrayView2;

use super::model::{Masks, Reg, Workspace, backward, forward, penalty, regularize};
use super::params::{Grads, Params, Tensor};

/// Largest relative and absolute error per tensor, whether every element passed, the
/// element furthest outside the tolerance, and how many elements sat within ε of a kink.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Report {
    pub max_rel_error: [f64; 4],
    pub max_abs_error: [f64; 4],
    /// Every checked element satisfies |a − n| ≤ [`ABS_TOLERANCE`] + [`REL_TOLERANCE`]·|n|.
    pub passed: [bool; 4],
    /// The element with the largest |a − n| / (tolerance at n): (row-major index, a, n).
    pub worst: [Option<(usize, f64, f64)>; 4],
    pub skipped: [usize; 4],
    pub checked: [usize; 4],
    /// Why nothing could be compared: the parameters, the loss or the analytic gradient is
    /// not finite. The numbers above are then meaningless (and 0).
    pub not_finite: Option<&'static str>,
}

pub const EPSILON: f64 = 1e-6;
/// A central difference with ε = 1e-6 carries rounding of about 1e-10 / ε in the loss's
/// units; these bounds are the pass rule |a − n| ≤ 1e-7 + 1e-5·|n|.
pub const ABS_TOLERANCE: f64 = 1e-7;
pub const REL_TOLERANCE: f64 = 1e-5;

/// |a − n| / max(|a|, |n|, 1e-8)
pub fn rel_error(a: f64, n: f64) -> f64 {
    (a - n).abs() / a.abs().max(n.abs()).max(1e-8)
}

/// The pass rule's bound at a numeric gradient n.
pub fn tolerance(n: f64) -> f64 {
    ABS_TOLERANCE + REL_TOLERANCE * n.abs()
}

/// Elements checked per tensor at most.
pub const MAX_PER_TENSOR: usize = 2000;
/// Multiply-adds of all probes together (each probe is two forward passes of the batch).
pub const WORK_BUDGET: f64 = 6e9;
/// Elements per tensor checked whatever the budget (when the tensor has that many).
pub const MIN_PER_TENSOR: usize = 16;

/// `count` evenly spaced indices of `0..len` (all of them when `count ≥ len`).
pub fn evenly_spaced(len: usize, count: usize) -> Vec<usize> {
    if count >= len {
        return (0..len).collect();
    }
    (0..count).map(|i| i * len / count).collect()
}

/// Elements to probe per tensor: the smallest tensors first, each taking its share of
/// what the work budget leaves, at most [`MAX_PER_TENSOR`].
pub fn plan(p: &Params, rows: usize) -> [Vec<usize>; 4] {
    let (d, m, k) = (p.inputs(), p.hidden(), p.classes());
    let forward = (rows.max(1) * (d * m + m * k + m + k)) as f64;
    let mut left = (WORK_BUDGET / (2.0 * forward)).floor() as usize;
    let mut order = Tensor::ALL;
    order.sort_by_key(|&t| p.get(t).len());
    let mut out: [Vec<usize>; 4] = Default::default();
    for (i, t) in order.into_iter().enumerate() {
        let len = p.get(t).len();
        let share = (left / (4 - i)).clamp(MIN_PER_TENSOR, MAX_PER_TENSOR);
        let picks = evenly_spaced(len, share);
        left = left.saturating_sub(picks.len());
        out[t as usize] = picks;
    }
    out
}

/// What a check differentiates: the parameters, one batch with its dropout masks, and the
/// regularization.
#[derive(Clone, Copy)]
pub struct Problem<'a> {
    pub params: &'a Params,
    pub x: ArrayView2<'a, f64>,
    pub y: &'a [usize],
    pub masks: &'a Masks,
    pub reg: &'a Reg,
}

/// The analytic gradient the check compares against.
pub fn analytic(p: &Params, x: ArrayView2<f64>, y: &[usize], masks: &Masks, reg: &Reg) -> Grads {
    Problem { params: p, x, y, masks, reg }.analytic()
}

/// Compare `grads` against central differences of the loss, element by element.
pub fn check(p: &Params, x: ArrayView2<f64>, y: &[usize], masks: &Masks, reg: &Reg, grads: &Grads) -> Report {
    let all = Tensor::ALL.map(|t| (0..p.get(t).len()).collect::<Vec<_>>());
    Problem { params: p, x, y, masks, reg }.check_some(grads, &all, &mut |_| {})
}

/// The regularization that is part of the differentiated loss.
fn loss_reg(reg: &Reg) -> Reg {
    if reg.l1_in_gradient() { *reg } else { Reg { l1: [0.0; 2], ..*reg } }
}

impl Problem<'_> {
    /// The data term's gradient plus the regularization's, for every element.
    pub fn analytic(&self) -> Grads {
        let Problem { params: p, x, y, masks, reg } = *self;
        let (d, m, k) = (p.inputs(), p.hidden(), p.classes());
        let mut ws = Workspace::new(x.nrows(), d, m, k);
        let mut data = Grads::zeros(d, m, k);
        forward(p, x, masks, &mut ws);
        backward(p, y, masks, &mut ws, &mut data);
        let mut out = Grads::zeros(d, m, k);
        regularize(p, &data, &loss_reg(reg), &Masks::ones(d, m), &mut out);
        out
    }

    /// [`check`] on chosen elements of each tensor (row-major indices), for networks too
    /// large to check in full, telling `probed` how many elements have been probed so far
    /// (after each).
    pub fn check_some(
        &self,
        grads: &Grads,
        picks: &[Vec<usize>; 4],
        probed: &mut dyn FnMut(usize),
    ) -> Report {
        let Problem { params: p, x, y, masks, reg } = *self;
        let mut done = 0;
        let (d, m, k) = (p.inputs(), p.hidden(), p.classes());
        let mut ws = Workspace::new(x.nrows(), d, m, k);
        let reg = loss_reg(reg);
        let mut probe = p.clone();
        let mut report = Report::default();
        let eval = |q: &Params, ws: &mut Workspace| {
            forward(q, x, masks, ws);
            let pattern: Vec<bool> = ws.z1.slice(ndarray::s![..ws.n, ..]).iter().map(|&z| z > 0.0).collect();
            (ws.cross_entropy(y) + penalty(q, &reg), pattern)
        };
        report.passed = [true; 4];
        report.not_finite = if !p.all_finite() {
            Some("the parameters are not finite")
        } else if !eval(p, &mut ws).0.is_finite() {
            Some("the loss is not finite at these parameters")
        } else if !grads.all_finite() {
            Some("the analytic gradient is not finite")
        } else {
            None
        };
        if report.not_finite.is_some() {
            report.passed = [false; 4];
            return report;
        }
        for t in Tensor::ALL {
            let ti = t as usize;
            let mut worst_excess = f64::NEG_INFINITY;
            for &idx in &picks[ti] {
                let w = p.get(t)[idx];
                let near_l1 = t.layer().is_some_and(|l| reg.l1[l] > 0.0) && w.abs() <= EPSILON;
                probe.get_mut(t)[idx] = w + EPSILON;
                let (plus, pat_plus) = eval(&probe, &mut ws);
                probe.get_mut(t)[idx] = w - EPSILON;
                let (minus, pat_minus) = eval(&probe, &mut ws);
                probe.get_mut(t)[idx] = w;
                done += 1;
                probed(done);
                if near_l1 || pat_plus != pat_minus {
                    report.skipped[ti] += 1;
                    continue;
                }
                let numeric = (plus - minus) / (2.0 * EPSILON);
                let analytic = grads.get(t)[idx];
                let abs = (analytic - numeric).abs();
                report.checked[ti] += 1;
                report.max_rel_error[ti] = report.max_rel_error[ti].max(rel_error(analytic, numeric));
                report.max_abs_error[ti] = report.max_abs_error[ti].max(abs);
                // A NaN difference fails, and counts as the worst.
                let excess = if abs.is_nan() { f64::INFINITY } else { abs / tolerance(numeric) };
                report.passed[ti] &= excess <= 1.0;
                if excess > worst_excess {
                    worst_excess = excess;
                    report.worst[ti] = Some((idx, analytic, numeric));
                }
            }
        }
        report
    }
}

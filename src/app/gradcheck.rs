//! The `G` view's gradient check: central differences (ε = [`EPSILON`]) against
//! [`gradcheck::analytic`] on the batch and masks the next step will use, as
//! `nnviz --headless --gradcheck` does, but with the work capped so that a key press stays
//! quick on large networks: at most [`MAX_PER_TENSOR`] elements per tensor, and in all at
//! most [`WORK_BUDGET`] multiply-adds of forward passes, the elements chosen evenly spaced
//! (deterministic). When every element fits, the result equals [`gradcheck::check`]'s.

use ndarray::{ArrayView2, s};

use crate::nn::gradcheck::{self, EPSILON, rel_error};
use crate::nn::model::{Masks, Reg, Workspace, forward, penalty};
use crate::nn::{Grads, Params, Tensor};
use crate::scenario::DropoutMode;
use crate::train::{Inspection, Trainer};

/// Elements checked per tensor at most.
pub const MAX_PER_TENSOR: usize = 2000;
/// Multiply-adds of all probes together (each probe is two forward passes of the batch).
pub const WORK_BUDGET: f64 = 6e9;
/// Elements per tensor checked whatever the budget (when the tensor has that many).
const MIN_PER_TENSOR: usize = 16;

/// What the check found, per tensor in [`Tensor::ALL`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The trainer's step when it was computed (the batch is the next step's).
    pub step: u64,
    /// Rows of the batch.
    pub rows: usize,
    /// Largest |a − n| / max(|a|, |n|, 1e-8); `None` when no element was compared.
    pub max_rel_error: [Option<f64>; 4],
    /// Elements whose probe moved a ReLU input or an L1 weight across 0.
    pub skipped: [usize; 4],
    /// Elements compared.
    pub checked: [usize; 4],
    /// Elements probed (checked + skipped) and the tensor's size.
    pub sampled: [usize; 4],
    pub total: [usize; 4],
}

impl Check {
    /// Whether some tensor was sampled rather than checked in full.
    pub fn capped(&self) -> bool {
        self.sampled != self.total
    }
}

/// The multipliers of the next step: the inspection's 0/1 bits times each layer's scale
/// (1/keep inverted, 1 classic); all ones when no unit can be dropped.
pub fn masks(t: &Trainer, bits: Option<&(Vec<u8>, Vec<u8>)>) -> Masks {
    let (d, m) = (t.params.inputs(), t.params.hidden());
    let spec = &t.scenario.dropout;
    let scale = |keep: f64| match spec.mode {
        DropoutMode::Inverted => 1.0 / keep,
        DropoutMode::Classic => 1.0,
    };
    let scaled = |b: &[u8], s: f64| b.iter().map(|&b| if b != 0 { s } else { 0.0 }).collect();
    match bits {
        Some((input, hidden)) => Masks {
            input: scaled(input, scale(spec.keep_input)),
            hidden: scaled(hidden, scale(spec.keep_hidden)),
        },
        None => Masks::ones(d, m),
    }
}

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

/// The regularization that is part of the differentiated loss (proximal L1 is not).
fn loss_reg(reg: &Reg) -> Reg {
    if reg.l1_in_gradient() { *reg } else { Reg { l1: [0.0; 2], ..*reg } }
}

/// Central differences at the chosen elements, as [`gradcheck::check`] does for all.
pub fn check_at(
    p: &Params,
    x: ArrayView2<f64>,
    y: &[usize],
    masks: &Masks,
    reg: &Reg,
    grads: &Grads,
    picks: &[Vec<usize>; 4],
) -> ([Option<f64>; 4], [usize; 4], [usize; 4]) {
    let (d, m, k) = (p.inputs(), p.hidden(), p.classes());
    let mut ws = Workspace::new(x.nrows().max(1), d, m, k);
    let reg = loss_reg(reg);
    let mut probe = p.clone();
    let mut worst = [None; 4];
    let mut skipped = [0; 4];
    let mut checked = [0; 4];
    let eval = |q: &Params, ws: &mut Workspace| {
        forward(q, x, masks, ws);
        let pattern: Vec<bool> = ws.z1.slice(s![..ws.n, ..]).iter().map(|&z| z > 0.0).collect();
        (ws.cross_entropy(y) + penalty(q, &reg), pattern)
    };
    for t in Tensor::ALL {
        let ti = t as usize;
        for &idx in &picks[ti] {
            let w = p.get(t)[idx];
            let near_l1 = t.layer().is_some_and(|l| reg.l1[l] > 0.0) && w.abs() <= EPSILON;
            probe.get_mut(t)[idx] = w + EPSILON;
            let (plus, pat_plus) = eval(&probe, &mut ws);
            probe.get_mut(t)[idx] = w - EPSILON;
            let (minus, pat_minus) = eval(&probe, &mut ws);
            probe.get_mut(t)[idx] = w;
            if near_l1 || pat_plus != pat_minus {
                skipped[ti] += 1;
                continue;
            }
            let numeric = (plus - minus) / (2.0 * EPSILON);
            let err = rel_error(grads.get(t)[idx], numeric);
            checked[ti] += 1;
            worst[ti] = Some(worst[ti].map_or(err, |e: f64| e.max(err)));
        }
    }
    (worst, skipped, checked)
}

/// The check at the trainer's current parameters, on the next step's batch and masks.
pub fn run(t: &Trainer) -> Check {
    let inspection: Inspection = t.inspect();
    let masks = masks(t, inspection.masks.as_ref());
    let x = inspection.x.view();
    let y = &inspection.y;
    let grads = gradcheck::analytic(&t.params, x, y, &masks, t.reg());
    let picks = plan(&t.params, x.nrows());
    let (max_rel_error, skipped, checked) = check_at(&t.params, x, y, &masks, t.reg(), &grads, &picks);
    Check {
        step: t.step,
        rows: x.nrows(),
        max_rel_error,
        skipped,
        checked,
        sampled: std::array::from_fn(|i| picks[i].len()),
        total: Tensor::ALL.map(|x| t.params.get(x).len()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn evenly_spaced_indices_are_distinct_and_in_range() {
        assert_eq!(evenly_spaced(5, 10), vec![0, 1, 2, 3, 4]);
        assert_eq!(evenly_spaced(10, 4), vec![0, 2, 5, 7]);
        let v = evenly_spaced(200_704, 2000);
        assert_eq!(v.len(), 2000);
        assert!(v.windows(2).all(|w| w[0] < w[1]) && *v.last().unwrap() < 200_704);
    }

    #[test]
    fn large_networks_are_sampled_within_the_budget() {
        let p = Params::zeros(784, 256, 10);
        let picks = plan(&p, 32);
        let probes: usize = picks.iter().map(Vec::len).sum();
        let forward = 32.0 * (784.0 * 256.0 + 2560.0 + 266.0);
        assert!(probes as f64 * 2.0 * forward <= WORK_BUDGET * 1.1, "{probes} probes");
        assert!(Tensor::ALL.iter().all(|&t| picks[t as usize].len() >= MIN_PER_TENSOR.min(p.get(t).len())));
        assert_eq!(picks[Tensor::B2 as usize].len(), 10, "small tensors in full");
        let small = Params::zeros(2, 16, 3);
        let all = plan(&small, 32);
        assert!(Tensor::ALL.iter().all(|&t| all[t as usize].len() == small.get(t).len()));
    }

    #[test]
    #[ignore = "timing: cargo test --release -- --ignored --nocapture gradcheck_timing"]
    fn gradcheck_timing() {
        use ndarray::Array2;
        let mut p = Params::zeros(784, 256, 10);
        p.w1.iter_mut().enumerate().for_each(|(i, v)| *v = ((i % 17) as f64 - 8.0) / 200.0);
        p.w2.iter_mut().enumerate().for_each(|(i, v)| *v = ((i % 13) as f64 - 6.0) / 20.0);
        let x = Array2::from_shape_fn((32, 784), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
        let y: Vec<usize> = (0..32).map(|i| i % 10).collect();
        let masks = Masks::ones(784, 256);
        let grads = gradcheck::analytic(&p, x.view(), &y, &masks, &Reg::NONE);
        let picks = plan(&p, 32);
        let start = std::time::Instant::now();
        let _ = check_at(&p, x.view(), &y, &masks, &Reg::NONE, &grads, &picks);
        let probes: usize = picks.iter().map(Vec::len).sum();
        println!("{probes} probes in {:?}", start.elapsed());
    }
}

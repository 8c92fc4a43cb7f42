//! The `G` view's gradient check: central differences (ε = [`gradcheck::EPSILON`]) against
//! [`gradcheck::analytic`] on the batch and masks the next step will use, as
//! `nnviz --headless --gradcheck` does, but with the work capped so that a key press stays
//! quick on large networks: at most [`MAX_PER_TENSOR`] elements per tensor, and in all at
//! most [`WORK_BUDGET`] multiply-adds of forward passes, the elements chosen evenly spaced
//! (deterministic). When every element fits, the result equals [`gradcheck::check`]'s.

use crate::nn::Tensor;
use crate::nn::gradcheck::Problem;
pub use crate::nn::gradcheck::{MAX_PER_TENSOR, WORK_BUDGET, evenly_spaced, plan};
use crate::train::Trainer;

/// What the check found, per tensor in [`Tensor::ALL`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The trainer's step when it was computed (the batch is the next step's).
    pub step: u64,
    /// Rows of the batch.
    pub rows: usize,
    /// Largest |a − n| / max(|a|, |n|, 1e-8); `None` when no element was compared.
    pub max_rel_error: [Option<f64>; 4],
    /// Largest |a − n|, and whether every element passed (`None` when none was compared).
    pub max_abs_error: [Option<f64>; 4],
    pub passed: [Option<bool>; 4],
    /// The element furthest outside the tolerance: (row-major index, analytic, numeric).
    pub worst: [Option<(usize, f64, f64)>; 4],
    /// Why nothing was compared (parameters, loss or gradient not finite).
    pub not_finite: Option<&'static str>,
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

/// The check at the trainer's current parameters, on the next step's batch and masks.
pub fn run(t: &Trainer) -> Check {
    let (x, y, masks) = t.next_batch_masks();
    let problem = Problem { params: &t.params, x: x.view(), y: &y, masks: &masks, reg: t.reg() };
    let picks = plan(&t.params, x.nrows());
    let r = problem.check_some(&problem.analytic(), &picks, &mut |_| {});
    let compared = |i: usize| r.not_finite.is_none() && r.checked[i] > 0;
    Check {
        step: t.step,
        rows: x.nrows(),
        max_rel_error: std::array::from_fn(|i| compared(i).then_some(r.max_rel_error[i])),
        max_abs_error: std::array::from_fn(|i| compared(i).then_some(r.max_abs_error[i])),
        passed: std::array::from_fn(|i| compared(i).then_some(r.passed[i])),
        worst: std::array::from_fn(|i| r.worst[i].filter(|_| compared(i))),
        not_finite: r.not_finite,
        skipped: r.skipped,
        checked: r.checked,
        sampled: std::array::from_fn(|i| picks[i].len()),
        total: Tensor::ALL.map(|x| t.params.get(x).len()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::nn::{Masks, Params, Reg, gradcheck};

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
        assert!(
            Tensor::ALL
                .iter()
                .all(|&t| picks[t as usize].len() >= gradcheck::MIN_PER_TENSOR.min(p.get(t).len()))
        );
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
        let problem = Problem { params: &p, x: x.view(), y: &y, masks: &masks, reg: &Reg::NONE };
        let grads = problem.analytic();
        let picks = plan(&p, 32);
        let start = std::time::Instant::now();
        let _ = problem.check_some(&grads, &picks, &mut |_| {});
        let probes: usize = picks.iter().map(Vec::len).sum();
        println!("{probes} probes in {:?}", start.elapsed());
    }
}

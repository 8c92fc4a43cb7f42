//! One SGD update, with proximal L1, and the record of which elements ever changed.

use super::model::{Masks, Reg};
use super::params::{Grads, Params, Tensor};
use crate::scenario::L1Mode;

/// Which elements of each tensor have changed value since step 0.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeLog {
    /// Row-major per tensor: true while the element has never changed.
    unchanged_flags: [Vec<bool>; 4],
    unchanged: [usize; 4],
    first_change: [Option<u64>; 4],
    /// Once few elements of a tensor are left unchanged (the digits' blank pixels keep
    /// their weights forever), their indices, so a step checks only those.
    remaining: [Option<Vec<usize>>; 4],
}

impl ChangeLog {
    pub fn new(p: &Params) -> Self {
        let len = |t: Tensor| p.get(t).len();
        ChangeLog {
            unchanged_flags: Tensor::ALL.map(|t| vec![true; len(t)]),
            unchanged: Tensor::ALL.map(len),
            first_change: [None; 4],
            remaining: Default::default(),
        }
    }

    /// Record which elements of a tensor changed from `before` to `after`; returns how
    /// many changed for the first time.
    fn record(&mut self, ti: usize, before: &[f64], after: &[f64]) -> usize {
        let flags = &mut self.unchanged_flags[ti];
        let mut newly = 0;
        if let Some(list) = &mut self.remaining[ti] {
            list.retain(|&i| {
                let same = before[i] == after[i];
                if !same {
                    flags[i] = false;
                    newly += 1;
                }
                same
            });
        } else {
            for ((flag, &new), &was) in flags.iter_mut().zip(after).zip(before) {
                if *flag && new != was {
                    *flag = false;
                    newly += 1;
                }
            }
            let left = self.unchanged[ti] - newly;
            if left <= flags.len() / 16 {
                self.remaining[ti] = Some((0..flags.len()).filter(|&i| flags[i]).collect());
            }
        }
        newly
    }

    pub fn unchanged(&self, t: Tensor) -> usize {
        self.unchanged[t as usize]
    }
    pub fn total(&self, t: Tensor) -> usize {
        self.unchanged_flags[t as usize].len()
    }
    /// The first step (counted from 1) whose update changed any element.
    pub fn first_change_step(&self, t: Tensor) -> Option<u64> {
        self.first_change[t as usize]
    }
    pub fn is_frozen(&self, t: Tensor) -> bool {
        self.unchanged(t) == self.total(t)
    }
    pub fn ever_changed(&self, t: Tensor, index: usize) -> bool {
        !self.unchanged_flags[t as usize][index]
    }

    /// Row-major flags, true where the element never changed (the UI's mask view).
    pub fn unchanged_flags(&self, t: Tensor) -> &[bool] {
        &self.unchanged_flags[t as usize]
    }
}

/// How far each tensor moved in one update.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Update {
    /// ‖ΔW‖ per tensor.
    pub delta_norm: [f64; 4],
    /// ‖W‖ before the update, per tensor.
    pub before_norm: [f64; 4],
}

impl Update {
    /// Measured from the parameters before and after an update (not on the hot path:
    /// the trainer keeps the previous values and measures when the numbers are shown).
    pub fn between(before: &Params, after: &Params) -> Update {
        let mut u = Update::default();
        for t in Tensor::ALL {
            let (b, a) = (before.get(t), after.get(t));
            let delta: Vec<f64> = b.iter().zip(a).map(|(x, y)| y - x).collect();
            u.before_norm[t as usize] = super::params::frobenius(b);
            u.delta_norm[t as usize] = super::params::frobenius(&delta);
        }
        u
    }

    /// log10(‖ΔW‖ / ‖W before‖), `None` where either is 0.
    pub fn ratio(&self, t: Tensor) -> Option<f64> {
        let (d, w) = (self.delta_norm[t as usize], self.before_norm[t as usize]);
        (d > 0.0 && w > 0.0).then(|| (d / w).log10())
    }
}

/// What a step needs to know right away.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Applied {
    /// Every updated parameter is within its tensor's bound (see [`penalty_bounds`]):
    /// finite, and small enough that the penalty of these weights cannot overflow. When it
    /// is false the trainer checks finiteness and the penalty exactly.
    pub bounded: bool,
}

/// Per tensor, a magnitude up to which every element keeps the regularization penalty
/// finite: with P elements, (l2/2)·P·B² + l1·P·B stays below about 1e307. Biases are not
/// regularized: any finite value. Checking |w| ≤ B is one cheap pass; the penalty itself is
/// only summed when a weight goes past it.
pub fn penalty_bounds(p: &Params, reg: &Reg) -> [f64; 4] {
    Tensor::ALL.map(|t| {
        let Some(l) = t.layer() else { return f64::MAX };
        let n = p.get(t).len().max(1) as f64;
        let mut bound: f64 = 1e150;
        if reg.l2[l] > 0.0 {
            bound = bound.min((1e307 / (reg.l2[l] * n)).sqrt());
        }
        if reg.l1[l] > 0.0 {
            bound = bound.min(1e306 / (reg.l1[l] * n));
        }
        bound
    })
}

/// Whether every element of every tensor is within its bound (NaN never is).
pub fn within(p: &Params, bounds: &[f64; 4]) -> bool {
    Tensor::ALL.iter().all(|&t| p.get(t).iter().fold(true, |ok, v| ok & (v.abs() <= bounds[t as usize])))
}

/// Soft threshold: shrink toward 0 by `by`, stopping at exactly 0.
fn soft_threshold(w: f64, by: f64) -> f64 {
    if w > by {
        w - by
    } else if w < -by {
        w + by
    } else {
        0.0
    }
}

/// p ← p − lr·grads; in proximal mode the weights of retained units are then
/// soft-thresholded by lr·l1. Records changed elements in `log` as step `step`, copies
/// the old values into `prev`, and checks the new values against `bounds`.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    p: &mut Params,
    grads: &Grads,
    lr: f64,
    reg: &Reg,
    masks: &Masks,
    log: &mut ChangeLog,
    step: u64,
    prev: &mut Params,
    bounds: &[f64; 4],
) -> Applied {
    let mut out = Applied { bounded: true };
    let (m, d) = (p.hidden(), p.inputs());
    let all_kept = masks.all_kept();
    for t in Tensor::ALL {
        let ti = t as usize;
        let old = prev.get_mut(t);
        let w = p.get_mut(t);
        old.copy_from_slice(w);
        for (w, &g) in w.iter_mut().zip(grads.get(t)) {
            *w -= lr * g;
        }
        let threshold = match (reg.l1_mode, t.layer()) {
            (L1Mode::Proximal, Some(l)) if reg.l1[l] > 0.0 => lr * reg.l1[l],
            _ => 0.0,
        };
        if threshold > 0.0 {
            // Only the retained network is adjusted: dropped units are not thresholded.
            let kept = |idx: usize| {
                all_kept
                    || match t {
                        Tensor::W1 => masks.hidden_kept(idx / d) && masks.input_kept(idx % d),
                        Tensor::W2 => masks.hidden_kept(idx % m),
                        Tensor::B1 | Tensor::B2 => true,
                    }
            };
            for (idx, w) in w.iter_mut().enumerate() {
                if kept(idx) {
                    *w = soft_threshold(*w, threshold);
                }
            }
        }
        let bound = bounds[ti];
        out.bounded &= w.iter().fold(true, |ok, v| ok & (v.abs() <= bound));
        if log.unchanged[ti] > 0 {
            let newly = log.record(ti, old, w);
            if newly > 0 {
                log.unchanged[ti] -= newly;
                log.first_change[ti].get_or_insert(step);
            }
        }
    }
    out
}

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
}

impl ChangeLog {
    pub fn new(p: &Params) -> Self {
        let len = |t: Tensor| p.get(t).len();
        ChangeLog {
            unchanged_flags: Tensor::ALL.map(|t| vec![true; len(t)]),
            unchanged: Tensor::ALL.map(len),
            first_change: [None; 4],
        }
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

/// What one update did to each tensor.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Update {
    /// ‖ΔW‖ per tensor.
    pub delta_norm: [f64; 4],
    /// ‖W‖ before the update, per tensor.
    pub before_norm: [f64; 4],
    /// The regularization penalty of the weights before the update.
    pub penalty: f64,
    /// Whether every parameter is finite after the update.
    pub finite: bool,
}

impl Update {
    /// log10(‖ΔW‖ / ‖W before‖), `None` where either is 0.
    pub fn ratio(&self, t: Tensor) -> Option<f64> {
        let (d, w) = (self.delta_norm[t as usize], self.before_norm[t as usize]);
        (d > 0.0 && w > 0.0).then(|| (d / w).log10())
    }
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
/// the old values into `prev`, and measures the penalty of the old weights.
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
) -> Update {
    let mut update = Update { finite: true, ..Update::default() };
    let (m, d) = (p.hidden(), p.inputs());
    let all_kept = masks.all_kept();
    for t in Tensor::ALL {
        let threshold = match (reg.l1_mode, t.layer()) {
            (L1Mode::Proximal, Some(l)) if reg.l1[l] > 0.0 => lr * reg.l1[l],
            _ => 0.0,
        };
        // Only proximal L1 with dropout needs to know which entries were dropped.
        let kept = |idx: usize| {
            all_kept
                || match t {
                    Tensor::W1 => masks.hidden_kept(idx / d) && masks.input_kept(idx % d),
                    Tensor::W2 => masks.hidden_kept(idx % m),
                    Tensor::B1 => masks.hidden_kept(idx),
                    Tensor::B2 => true,
                }
        };
        let ti = t as usize;
        let unchanged = &mut log.unchanged_flags[ti];
        let tracking = log.unchanged[ti] > 0;
        let (mut delta_sq, mut before_sq, mut abs, mut newly, mut finite) = (0.0, 0.0, 0.0, 0usize, true);
        let old_values = prev.get_mut(t);
        for (idx, ((w, &g), o)) in p.get_mut(t).iter_mut().zip(grads.get(t)).zip(old_values).enumerate() {
            let old = *w;
            *o = old;
            before_sq += old * old;
            abs += old.abs();
            let mut new = old - lr * g;
            if threshold > 0.0 && kept(idx) {
                new = soft_threshold(new, threshold);
            }
            *w = new;
            finite &= new.is_finite();
            if new != old {
                delta_sq += (new - old) * (new - old);
                if tracking && unchanged[idx] {
                    unchanged[idx] = false;
                    newly += 1;
                }
            }
        }
        if newly > 0 {
            log.unchanged[ti] -= newly;
            log.first_change[ti].get_or_insert(step);
        }
        if let Some(l) = t.layer() {
            update.penalty += reg.l2[l] / 2.0 * before_sq + reg.l1[l] * abs;
        }
        update.finite &= finite;
        update.delta_norm[ti] = delta_sq.sqrt();
        update.before_norm[ti] = before_sq.sqrt();
    }
    update
}

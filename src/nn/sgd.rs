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
            u.before_norm[t as usize] = b.iter().map(|v| v * v).sum::<f64>().sqrt();
            u.delta_norm[t as usize] = b.iter().zip(a).map(|(x, y)| (y - x) * (y - x)).sum::<f64>().sqrt();
        }
        u
    }

    /// log10(‖ΔW‖ / ‖W before‖), `None` where either is 0.
    pub fn ratio(&self, t: Tensor) -> Option<f64> {
        let (d, w) = (self.delta_norm[t as usize], self.before_norm[t as usize]);
        (d > 0.0 && w > 0.0).then(|| (d / w).log10())
    }
}

/// What a step needs to know right away: the penalty of the weights before the update
/// (for the batch loss) and whether every parameter is still finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Applied {
    pub penalty: f64,
    pub finite: bool,
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
) -> Applied {
    let mut out = Applied { penalty: 0.0, finite: true };
    let (m, d) = (p.hidden(), p.inputs());
    let all_kept = masks.all_kept();
    for t in Tensor::ALL {
        let ti = t as usize;
        let old = prev.get_mut(t);
        let w = p.get_mut(t);
        old.copy_from_slice(w);
        if let Some(l) = t.layer()
            && (reg.l2[l] > 0.0 || reg.l1[l] > 0.0)
        {
            let (sq, abs) = old.iter().fold((0.0, 0.0), |(sq, abs), v| (sq + v * v, abs + v.abs()));
            let l2 = if reg.l2[l] > 0.0 { reg.l2[l] / 2.0 * sq } else { 0.0 };
            let l1 = if reg.l1[l] > 0.0 { reg.l1[l] * abs } else { 0.0 };
            out.penalty += l2 + l1;
        }
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
        out.finite &= w.iter().fold(true, |ok, v| ok & v.is_finite());
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

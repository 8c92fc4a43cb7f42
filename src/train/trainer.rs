//! The seeded trainer: minibatch SGD over the training split, one step at a time.

use std::sync::Arc;

use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::diagnose::{self, Diagnosis};
use super::frozen::{Factors, Why};
use super::status::Facts;
use crate::data::Splits;
use crate::load::Loaded;
use crate::nn::dropout::Dropout;
use crate::nn::init::init_params;
use crate::nn::model::{self, Masks, Reg, Workspace};
use crate::nn::products;
use crate::nn::sgd::{self, Applied, ChangeLog, Update};
use crate::nn::{Grads, Params, Tensor};
use crate::scenario::{Change, Scenario, Settings};

/// Rows per chunk when evaluating a whole split: at most 256, fewer (down to 64) where that
/// keeps a chunk's products in nnviz's own loops (the digits network: 128), so that a
/// refresh allocates nothing.
fn eval_chunk(d: usize, m: usize, k: usize) -> usize {
    let own = crate::nn::products::rows_in_own_loops(m * d.max(k));
    if own >= 64 { own.min(256) } else { 256 }
}

#[derive(Debug)]
pub struct Trainer {
    pub scenario: Scenario,
    /// Shared, so a copy of the trainer (for a background evaluation) does not copy the data.
    pub data: Arc<Splits>,
    pub params: Params,
    /// The last applied gradient (regularization included, dropped units 0).
    pub grads: Grads,
    /// Its data term alone (cross-entropy part).
    pub data_grads: Grads,
    pub step: u64,
    pub epoch: u64,
    pub changes: ChangeLog,
    /// The parameters before the last step (equal to `params` at step 0).
    pub prev: Params,
    /// Whether the last step left every parameter within `bounds`.
    pub last_step: Applied,
    /// Per tensor, the magnitude below which the penalty cannot overflow.
    bounds: [f64; 4],
    /// Why each tensor is frozen, while it is and once a step has been computed.
    pub why: [Option<Why>; 4],
    pub diverged: Option<u64>,
    /// The masks of the last step (all ones without dropout).
    pub masks: Masks,
    reg: Reg,
    dropout: Dropout,
    eval_masks: Masks,
    ws: Workspace,
    eval_ws: Workspace,
    order: Vec<usize>,
    cursor: usize,
    shuffle: Option<Xoshiro256PlusPlus>,
    /// The diagnosis's buffers, and the units alive at the last unscaled evaluation of the
    /// training split.
    scan: diagnose::Buffers,
    /// The copy that takes the next step to see what it changes (see [`Trainer::facts`]).
    lookahead: Lookahead,
    /// Training rows of the current batch, and their labels.
    batch: Vec<usize>,
    yb: Vec<usize>,
}

crate::nn::clone_reusing!(Trainer {
    data, params, grads, data_grads, step, epoch, changes, prev, last_step, bounds, why, diverged,
    masks, reg, dropout, eval_masks, ws, eval_ws, order, cursor, shuffle, scan, lookahead, batch, yb,
} compared { scenario });

/// A trainer kept to take the next step in: refreshed from the trainer with `clone_from`,
/// which reuses its buffers. A copy of the trainer starts without one.
#[derive(Debug, Default)]
struct Lookahead(Option<Box<Trainer>>);

impl Clone for Lookahead {
    fn clone(&self) -> Self {
        Lookahead(None)
    }
    fn clone_from(&mut self, _: &Self) {}
}

/// Loss and accuracy of a split (`None` when the split is empty).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eval {
    pub loss: f64,
    pub acc: f64,
}

/// The numbers logged at a step.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    pub step: u64,
    pub epoch: u64,
    pub train: Option<Eval>,
    pub val: Option<Eval>,
    pub penalty: f64,
    pub grad_norm: [f64; 4],
    /// log10(‖ΔW‖/‖W‖) for W1 and W2 at the last step.
    pub update_ratio: [Option<f64>; 2],
    /// The settings in force for the next update (a schedule's entry at this step included).
    pub settings: Settings,
}

/// The state of step 0's forward and backward pass, as step 1 will compute it.
#[derive(Clone, Debug)]
pub struct Inspection {
    pub x: Array2<f64>,
    pub y: Vec<usize>,
    /// 0/1 per unit, `None` when no unit can be dropped.
    pub masks: Option<(Vec<u8>, Vec<u8>)>,
    /// The multipliers themselves (0, or the scale s of a kept unit; all ones without dropout).
    pub scales: Masks,
    pub ws: Workspace,
    pub loss: f64,
    pub grads: Grads,
}

impl Trainer {
    /// A trainer at step 0 for a loaded scenario (which [`crate::load`] has checked
    /// against its data: the only way to get a [`Loaded`]).
    pub fn from_loaded(loaded: &Loaded) -> Self {
        let (scenario, data) = (loaded.scenario.clone(), loaded.data.clone());
        let (d, k) = (data.train.features(), data.train.classes);
        let m = scenario.hidden;
        let n = data.train.rows();
        let batch = scenario.train.batch_size.min(n).max(1);
        let params = init_params(&scenario.init, d, m, k);
        let reg = Reg { l2: scenario.reg.l2, l1: scenario.reg.l1, l1_mode: scenario.reg.l1_mode };
        let bounds = sgd::penalty_bounds(&params, &reg);
        let started_bounded = sgd::within(&params, &bounds);
        let dropout = Dropout::new(&scenario.dropout);
        let shuffle = scenario.train.shuffle.then(|| Xoshiro256PlusPlus::seed_from_u64(scenario.train.seed));
        let mut t = Trainer {
            changes: ChangeLog::new(&params),
            prev: params.clone(),
            grads: Grads::zeros(d, m, k),
            data_grads: Grads::zeros(d, m, k),
            params,
            step: 0,
            epoch: 0,
            last_step: Applied { bounded: started_bounded },
            bounds,
            why: Default::default(),
            diverged: None,
            masks: Masks::ones(d, m),
            eval_masks: dropout.eval_masks(d, m),
            reg,
            dropout,
            ws: Workspace::new(batch, d, m, k),
            eval_ws: Workspace::new(eval_chunk(d, m, k).min(n.max(1)), d, m, k),
            order: (0..n).collect(),
            cursor: 0,
            shuffle,
            scan: diagnose::Buffers::default(),
            lookahead: Lookahead::default(),
            batch: Vec::with_capacity(batch),
            yb: Vec::with_capacity(batch),
            scenario,
            data: Arc::new(data),
        };
        t.apply_schedule();
        t
    }

    /// The settings the next update uses: the scenario's, with the schedule entries up to
    /// this step (and live changes) put in.
    pub fn settings(&self) -> Settings {
        self.scenario.settings()
    }

    /// Use `s` from the next update on.
    fn use_settings(&mut self, s: &Settings) {
        self.scenario.set_settings(s);
        self.reg = Reg { l2: s.l2, l1: s.l1, l1_mode: s.l1_mode };
        self.bounds = sgd::penalty_bounds(&self.params, &self.reg);
        self.last_step.bounded = sgd::within(&self.params, &self.bounds);
        self.dropout.set([s.keep_input, s.keep_hidden], s.dropout_mode);
        let (d, m) = (self.params.inputs(), self.params.hidden());
        self.eval_masks = self.dropout.eval_masks(d, m);
        if !self.dropout.active() {
            self.masks = Masks::ones(d, m);
        }
    }

    /// The schedule's entry for the coming update (the one at this step), if there is one.
    fn apply_schedule(&mut self) {
        if let Ok(i) = self.scenario.schedule.binary_search_by_key(&self.step, |c| c.step) {
            let mut s = self.settings();
            self.scenario.schedule[i].apply(&mut s);
            self.use_settings(&s);
        }
    }

    /// A live change (the UI's knobs): `s` from the next update on, recorded in the schedule
    /// at this step (merged with an entry already there), so that a run of the schedule
    /// replays it exactly.
    pub fn change_settings(&mut self, s: &Settings) {
        let change = Change::between(self.step, &self.settings(), s);
        if change.is_empty() {
            return;
        }
        self.scenario.schedule_change(change);
        self.use_settings(s);
    }

    pub fn reg(&self) -> &Reg {
        &self.reg
    }
    pub fn dropout_active(&self) -> bool {
        self.dropout.active()
    }
    pub fn batch_capacity(&self) -> usize {
        self.ws.capacity()
    }
    /// Whether a step splits work across threads (a product or W1's update).
    pub fn threaded(&self) -> bool {
        let (n, d, m) = (self.batch_capacity(), self.params.inputs(), self.params.hidden());
        // W1's two products (X̃·W1ᵀ forward, gᵀ·X̃ backward) are the large ones.
        products::threaded(n, d, m) || sgd::threaded(d * m)
    }

    /// Up to `n` steps, fewer if the run diverges; on a thread of rayon's pool when a step
    /// splits work (see [`products::in_pool`]).
    pub fn steps(&mut self, n: u64) {
        let threaded = self.threaded();
        products::in_pool(threaded, || {
            // The steps before the last need no applied gradient of their own: the last
            // one writes it, or if the run diverged before, it is computed afterwards for
            // the step that ran last, from the values that step kept.
            let mut stale = false;
            for i in 1..=n {
                if self.diverged.is_some() {
                    break;
                }
                stale = !self.take_step(i == n);
            }
            if stale {
                model::regularize(&self.prev, &self.data_grads, &self.reg, &self.masks, &mut self.grads);
            }
        });
    }

    /// How many steps to take between looks at a signal: about 2^28 multiply-adds (tens of
    /// milliseconds), at least 1 and at most 64.
    pub fn steps_per_slice(&self) -> u64 {
        let p = &self.params;
        let per_step = 3 * self.batch_capacity() * p.hidden() * (p.inputs() + p.classes());
        ((1usize << 28) / per_step.max(1)).clamp(1, 64) as u64
    }

    /// Steps in one epoch: ⌈training rows / batch⌉.
    pub fn steps_per_epoch(&self) -> u64 {
        self.order.len().div_ceil(self.batch_capacity()).max(1) as u64
    }

    /// Choose the next batch, draw its masks, and gather X̃ = X ⊙ mask_x straight into
    /// the workspace.
    fn next_batch(&mut self) {
        if self.cursor == 0
            && let Some(rng) = &mut self.shuffle
        {
            for i in (1..self.order.len()).rev() {
                let j = rng.random_range(0..=i);
                self.order.swap(i, j);
            }
        }
        let end = (self.cursor + self.batch_capacity()).min(self.order.len());
        if self.dropout.active() {
            self.dropout.draw(&mut self.masks);
        }
        let rows = &self.order[self.cursor..end];
        // Filled whole rather than pushed to one at a time, which would store the length on
        // every row.
        self.batch.clear();
        self.batch.extend_from_slice(rows);
        self.yb.clear();
        self.yb.extend(rows.iter().map(|&idx| self.data.train.y[idx]));
        let d = self.data.train.features();
        let x = self.data.train.x.as_slice().expect("data sets are contiguous");
        let xt = self.ws.xt.as_slice_mut().expect("workspace arrays are contiguous");
        let mask = self.masks.input.as_slice().expect("masks are contiguous");
        let masked = mask.iter().any(|&v| v != 1.0);
        let gather = |xt: &mut [f64], rows: &[usize]| {
            for (row, &idx) in xt.chunks_exact_mut(d.max(1)).zip(rows) {
                let src = &x[idx * d..(idx + 1) * d];
                if masked {
                    for ((o, &v), &s) in row.iter_mut().zip(src).zip(mask) {
                        *o = v * s;
                    }
                } else if let (Ok(dst), Ok(src)) =
                    (<&mut [f64; 2]>::try_from(&mut *row), <&[f64; 2]>::try_from(src))
                {
                    // Two values (the plane's points): two moves, not a call to memcpy per row.
                    *dst = *src;
                } else {
                    row.copy_from_slice(src);
                }
            }
        };
        // A wide batch (the 784-input network's 400 KB) is gathered by both threads, half
        // each; each row is the same copy either way.
        if rows.len() >= 2 && products::threaded(rows.len(), d, self.params.hidden()) {
            let half = rows.len() / 2;
            let (top, bottom) = xt.split_at_mut(half * d);
            let (first, second) = rows.split_at(half);
            rayon::join(|| gather(top, first), || gather(bottom, second));
        } else {
            gather(xt, rows);
        }
        self.ws.n = rows.len();
        self.cursor = end;
    }

    /// Forward and backward on the gathered batch (the data term of the gradient);
    /// returns whether the batch cross-entropy is finite.
    fn compute(&mut self) -> bool {
        model::forward_prepared(&self.params, &self.masks.hidden, &mut self.ws);
        model::backward(&self.params, &self.yb, &self.masks, &mut self.ws, &mut self.data_grads)
    }

    /// One SGD update. Does nothing once the run has diverged.
    pub fn step(&mut self) {
        self.take_step(true);
    }

    /// One SGD update, with its applied gradient in `grads` if `applied` or if a tensor is
    /// frozen (its explanation reads it); returns whether `grads` is this step's (true
    /// also when no step was taken: `grads` is then the last step's).
    fn take_step(&mut self, applied: bool) -> bool {
        if self.diverged.is_some() {
            return true;
        }
        let applied = applied || Tensor::ALL.iter().any(|&t| self.changes.is_frozen(t));
        self.next_batch();
        let ce_finite = self.compute();
        self.step += 1;
        let lr = self.scenario.train.learning_rate;
        // The weights this step started from were checked by the previous one (or at start).
        let started_bounded = self.last_step.bounded;
        self.last_step = sgd::apply(
            sgd::Settings { lr, reg: &self.reg, bounds: &self.bounds },
            sgd::Gradient { data: &self.data_grads, masks: &self.masks },
            sgd::State {
                params: &mut self.params,
                prev: &mut self.prev,
                applied: applied.then_some(&mut self.grads),
                log: &mut self.changes,
                step: self.step,
            },
        );
        // Why each tensor still frozen did not move, read off this step's factors: the
        // parameters it started from (now in `prev`) and its applied gradient.
        for t in Tensor::ALL {
            self.why[t as usize] = if self.changes.is_frozen(t) {
                let factors = Factors {
                    params: &self.prev,
                    ws: &self.ws,
                    masks: &self.masks,
                    grads: &self.grads,
                    reg: &self.reg,
                    lr,
                };
                factors.explain(t)
            } else {
                None
            };
        }
        if self.cursor == self.order.len() {
            self.cursor = 0;
            self.epoch += 1;
        }
        // The batch loss (cross-entropy + penalty of the weights the step started from, now
        // in `prev`) and the updated parameters must all be finite. Within the bounds both
        // are guaranteed; past them they are checked exactly.
        let loss_finite = ce_finite
            && (started_bounded
                || (self.ws.cross_entropy(&self.yb) + model::penalty(&self.prev, &self.reg)).is_finite());
        let params_finite = self.last_step.bounded || self.params.all_finite();
        if !loss_finite || !params_finite {
            self.diverged = Some(self.step);
        } else {
            self.apply_schedule();
        }
        applied
    }

    /// Whole-split loss and accuracy under the evaluation rule (no unit dropped).
    fn eval_split(&mut self, which: Split) -> Option<Eval> {
        let ds = match which {
            Split::Train => &self.data.train,
            Split::Val => &self.data.val,
            Split::Test => &self.data.test,
        };
        // Evaluating the training split unscaled sees the raw z1 of every training row:
        // record which units were alive, so the diagnosis need not run the split again.
        let raw = matches!(which, Split::Train)
            && self.eval_masks.input.iter().chain(&self.eval_masks.hidden).all(|&v| v == 1.0);
        let alive = &mut self.scan.alive;
        if raw {
            alive.clear();
            alive.resize(self.params.hidden(), false);
        }
        let result = model::evaluate_with(
            &self.params,
            ds.x.view(),
            &ds.y,
            &self.eval_masks,
            &mut self.eval_ws,
            |ws| {
                if raw {
                    let m = alive.len();
                    for row in ws.z1.as_slice().unwrap_or(&[]).chunks_exact(m.max(1)).take(ws.n) {
                        for (a, &z) in alive.iter_mut().zip(row) {
                            *a |= z > 0.0;
                        }
                    }
                }
            },
        )
        .map(|(loss, acc)| Eval { loss, acc });
        if raw {
            self.scan.alive_at = Some(self.step);
        }
        result
    }

    pub fn test_eval(&mut self) -> Option<Eval> {
        self.eval_split(Split::Test)
    }

    pub fn metrics(&mut self) -> Metrics {
        Metrics {
            step: self.step,
            epoch: self.epoch,
            train: self.eval_split(Split::Train),
            val: self.eval_split(Split::Val),
            penalty: model::penalty(&self.params, &self.reg),
            grad_norm: Tensor::ALL.map(|t| self.grads.norm(t)),
            update_ratio: {
                let u = Update::between(&self.prev, &self.params);
                [u.ratio(Tensor::W1), u.ratio(Tensor::W2)]
            },
            settings: self.settings(),
        }
    }

    /// Dead units, duplicates, zeros and norms of the current parameters, and each
    /// tensor's status.
    pub fn diagnose(&mut self) -> Diagnosis {
        let mut diagnosis = Diagnosis::default();
        self.diagnose_into(&mut diagnosis);
        diagnosis
    }

    /// [`Trainer::diagnose`] into `out`, reusing its vectors and the trainer's buffers: once
    /// warm, a diagnosis allocates nothing of nnviz's own.
    pub fn diagnose_into(&mut self, out: &mut Diagnosis) {
        if self.scan.alive_at != Some(self.step) {
            let (d, m) = (self.params.inputs(), self.params.hidden());
            let masks = diagnose::masks_in(&mut self.scan.masks, d, m, |_| 1.0);
            diagnose::alive_units(
                &self.params,
                self.data.train.x.view(),
                masks,
                &mut self.eval_ws,
                &mut self.scan.alive,
            );
            self.scan.alive_at = Some(self.step);
        }
        out.dead.clear();
        out.dead.extend(self.scan.alive.iter().enumerate().filter(|(_, a)| !**a).map(|(j, _)| j));
        let facts = self.facts(&out.dead);
        out.read(&self.params, &mut self.scan.order);
        out.step = self.step;
        out.status = facts.statuses();
    }

    /// The values the statuses are decided from (`dead`: the units with z1 ≤ 0 on every
    /// training example, nothing dropped, ascending). Costs one step of a copy and, with a
    /// fixed or random input mask, one pass over the training split.
    pub fn facts(&mut self, dead: &[usize]) -> Facts {
        let (d, m) = (self.params.inputs(), self.params.hidden());
        let input_kept = |i: usize| self.dropout.fixed(0).is_none_or(|f| f[i]);
        let hidden_kept = |j: usize| self.dropout.fixed(1).is_none_or(|f| f[j]);
        let all_hidden_dropped = !(0..m).any(hidden_kept);
        let all_inputs_dropped = !(0..d).any(input_kept);
        let finite = self.diverged.is_none() && self.params.all_finite();
        let changes_next_step = if self.diverged.is_some() {
            [false; 4]
        } else {
            let mut next = self.lookahead.0.take().unwrap_or_else(|| Box::new(self.clone()));
            (*next).clone_from(self);
            next.step();
            let changes = Tensor::ALL.map(|t| next.params.get(t) != self.params.get(t));
            self.lookahead.0 = Some(next);
            changes
        };
        let w1 = &self.params.w1;
        let w2 = &self.params.w2;
        let w2_kept_zero = (0..m).filter(|&j| hidden_kept(j)).all(|j| w2.column(j).iter().all(|&w| w == 0.0));
        let reg = self.reg;
        let unpenalized = |l: usize| reg.l2[l] == 0.0 && reg.l1[l] == 0.0;
        let w1_retained_zero =
            w1.indexed_iter().all(|((j, i), &w)| w == 0.0 || !hidden_kept(j) || !input_kept(i));
        let w2_retained_zero = w2.indexed_iter().all(|((_, j), &w)| w == 0.0 || !hidden_kept(j));
        let kept_hidden_silent = finite && !all_hidden_dropped && self.kept_hidden_silent(dead);
        Facts {
            step: self.step,
            never_changed: Tensor::ALL.map(|t| self.changes.is_frozen(t)),
            changes_next_step,
            last_why: Tensor::ALL.map(|t| self.why[t as usize].and_then(|w| w.code)),
            last_depends: Tensor::ALL.map(|t| self.why[t as usize].map_or(&[][..], |w| w.depends_on())),
            finite,
            all_hidden_dropped,
            all_inputs_dropped,
            kept_hidden_silent,
            w2_kept_zero,
            no_penalty_pull: [
                unpenalized(0) || w1_retained_zero,
                true,
                unpenalized(1) || w2_retained_zero,
                true,
            ],
        }
    }

    /// Whether every hidden unit not dropped for good has z1 ≤ 0 on every training example
    /// under every input mask the scenario can draw.
    fn kept_hidden_silent(&mut self, dead: &[usize]) -> bool {
        let (d, m) = (self.params.inputs(), self.params.hidden());
        let x = self.data.train.x.view();
        let scale = self.dropout.scale(0);
        let hidden = self.dropout.fixed(1);
        let silent =
            |alive: &[bool]| alive.iter().enumerate().all(|(j, &a)| !a || hidden.is_some_and(|f| !f[j]));
        match self.dropout.fixed(0) {
            // `dead` is z1 ≤ 0 with every input kept at multiplier 1: exactly this case.
            None if !self.dropout.random(0) => {
                return (0..m).all(|j| hidden.is_some_and(|f| !f[j]) || dead.binary_search(&j).is_ok());
            }
            fixed => {
                // A fixed mask as the steps apply it; for a random one, the mask that keeps
                // every input (a quick way to find a unit alive).
                let masks = diagnose::masks_in(&mut self.scan.masks, d, m, |i| {
                    if fixed.is_none_or(|f| f[i]) { scale } else { 0.0 }
                });
                diagnose::alive_units(&self.params, x, masks, &mut self.eval_ws, &mut self.scan.alive_masked);
            }
        }
        if !silent(&self.scan.alive_masked) {
            return false;
        }
        if !self.dropout.random(0) {
            return true;
        }
        diagnose::alive_under_some_mask(&self.params, x, scale, &mut self.scan);
        silent(&self.scan.alive_masked)
    }

    /// The batch the next step would use (rows unmasked), its labels and its masks;
    /// nothing in `self` changes.
    pub fn next_batch_masks(&self) -> (Array2<f64>, Vec<usize>, Masks) {
        let probe = self.probe();
        (probe.batch_rows(), probe.yb, probe.masks)
    }

    /// A copy that has drawn the next batch and its masks.
    fn probe(&self) -> Trainer {
        let mut probe = self.clone();
        probe.next_batch();
        probe
    }

    /// The current batch's rows, unmasked.
    fn batch_rows(&self) -> Array2<f64> {
        self.data.train.x.select(ndarray::Axis(0), &self.batch)
    }

    /// The masks evaluation uses: nothing dropped; classic mode scales by keep.
    pub fn eval_masks(&self) -> &Masks {
        &self.eval_masks
    }

    /// Step 0's forward and backward pass on the batch and masks step 1 will use;
    /// nothing in `self` changes.
    pub fn inspect(&self) -> Inspection {
        let mut probe = self.probe();
        probe.compute();
        model::regularize(&probe.params, &probe.data_grads, &probe.reg, &probe.masks, &mut probe.grads);
        let loss = probe.ws.cross_entropy(&probe.yb) + model::penalty(&probe.params, &probe.reg);
        let masks = self.dropout.active().then(|| {
            let bits = |v: &ndarray::Array1<f64>| v.iter().map(|&s| u8::from(s != 0.0)).collect();
            (bits(&probe.masks.input), bits(&probe.masks.hidden))
        });
        Inspection {
            x: probe.batch_rows(),
            y: probe.yb.clone(),
            masks,
            scales: probe.masks,
            ws: probe.ws,
            loss,
            grads: probe.grads,
        }
    }
}

#[derive(Clone, Copy)]
enum Split {
    Train,
    Val,
    Test,
}

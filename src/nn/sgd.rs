//! One SGD update, with proximal L1, and the record of which elements ever changed.

use super::model::{Masks, Reg, regularized};
use super::params::{Grads, Params, Tensor};

/// Which elements of each tensor have changed value since step 0.
#[derive(Debug, PartialEq)]
pub struct ChangeLog {
    /// Row-major per tensor: true while the element has never changed.
    unchanged_flags: [Vec<bool>; 4],
    unchanged: [usize; 4],
    first_change: [Option<u64>; 4],
    /// Once few elements of a tensor are left unchanged (the digits' blank pixels keep
    /// their weights forever), their indices, so a step checks only those.
    remaining: [Option<Vec<usize>>; 4],
}

clone_reusing!(ChangeLog { unchanged_flags, unchanged, first_change, remaining });

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

    /// In list mode (few elements left unchanged), check only those against `after`;
    /// returns how many changed for the first time.
    fn record_remaining(&mut self, ti: usize, before: &[f64], after: &[f64]) -> usize {
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
        }
        newly
    }

    /// Count `newly` first changes at `step`; once few elements are left unchanged,
    /// switch to checking only those.
    fn note(&mut self, ti: usize, newly: usize, step: u64) {
        if newly == 0 {
            return;
        }
        self.unchanged[ti] -= newly;
        self.first_change[ti].get_or_insert(step);
        let flags = &self.unchanged_flags[ti];
        if self.remaining[ti].is_none() && self.unchanged[ti] > 0 && self.unchanged[ti] <= flags.len() / 16 {
            self.remaining[ti] = Some((0..flags.len()).filter(|&i| flags[i]).collect());
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
            u.before_norm[t as usize] = super::params::frobenius(b);
            u.delta_norm[t as usize] = super::params::frobenius_of(b.iter().zip(a).map(|(x, y)| y - x));
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

/// Below this many elements a tensor is updated on one thread; from it on, its rows are
/// split in halves updated on two (each element's arithmetic is the same either way).
const PARALLEL: usize = 1 << 16;

/// Whether a tensor of `len` elements is updated on two threads.
pub fn threaded(len: usize) -> bool {
    len >= PARALLEL
}

/// The per-element rule of one tensor's update.
#[derive(Clone, Copy)]
struct Rule {
    lr: f64,
    l2: f64,
    /// L1 strength inside the gradient (subgradient mode), else 0.
    l1: f64,
    /// Proximal soft threshold lr·l1, else 0.
    threshold: f64,
    bound: f64,
}

/// What one pass over (part of) a tensor found.
#[derive(Clone, Copy)]
struct Pass {
    bounded: bool,
    newly_changed: usize,
}

impl Pass {
    fn and(self, other: Pass) -> Pass {
        Pass {
            bounded: self.bounded & other.bounded,
            newly_changed: self.newly_changed + other.newly_changed,
        }
    }
}

/// The slices of one tensor a pass reads and writes, row-major with `cols` columns.
struct Slices<'a> {
    cols: usize,
    /// The values the step starts from, and where the updated ones go.
    w: &'a [f64],
    new: &'a mut [f64],
    data: &'a [f64],
    /// Where the applied gradient goes, when it is wanted.
    grad: Option<&'a mut [f64]>,
    /// Never-changed flags, while the change log tracks them element by element.
    flags: Option<&'a mut [bool]>,
    /// Per-row and per-column multipliers; a unit is dropped where its multiplier is 0.
    row_mask: Option<&'a [f64]>,
    col_mask: Option<&'a [f64]>,
}

impl<'a> Slices<'a> {
    /// The first `rows` rows and the rest.
    fn split(self, rows: usize) -> (Slices<'a>, Slices<'a>) {
        let at = rows * self.cols;
        let (w0, w1) = self.w.split_at(at);
        let (n0, n1) = self.new.split_at_mut(at);
        let (d0, d1) = self.data.split_at(at);
        let (g0, g1) = self.grad.map(|g| g.split_at_mut(at)).unzip();
        let (f0, f1) = self.flags.map(|f| f.split_at_mut(at)).unzip();
        let (r0, r1) = self.row_mask.map(|r| r.split_at(rows)).unzip();
        let half = |w, new, data, grad, flags, row_mask| Slices {
            cols: self.cols,
            w,
            new,
            data,
            grad,
            flags,
            row_mask,
            col_mask: self.col_mask,
        };
        (half(w0, n0, d0, g0, f0, r0), half(w1, n1, d1, g1, f1, r1))
    }
}

/// Update every element of `s`: applied gradient into `grad` (if given), w − lr·g (then the
/// proximal threshold) into `new`, the bound check, and the change flags. Dropped units
/// get a zero gradient and keep their values.
fn update(rule: Rule, s: Slices) -> Pass {
    let rows = s.w.len() / s.cols.max(1);
    if threaded(s.w.len()) && rows >= 2 {
        let (a, b) = s.split(rows / 2);
        let (a, b) = rayon::join(|| update(rule, a), || update(rule, b));
        return a.and(b);
    }
    // The rule's terms decided once per pass, so that the loops have no branches on them
    // (they then run in vectors; the arithmetic is the same in every case).
    let (reg, l1, prox) = (rule.l2 != 0.0 || rule.l1 != 0.0, rule.l1 != 0.0, rule.threshold > 0.0);
    match (reg, l1, prox) {
        (false, _, false) => pass::<false, false, false>(rule, s),
        (false, _, true) => pass::<false, false, true>(rule, s),
        (true, false, false) => pass::<true, false, false>(rule, s),
        (true, false, true) => pass::<true, false, true>(rule, s),
        (true, true, false) => pass::<true, true, false>(rule, s),
        (true, true, true) => pass::<true, true, true>(rule, s),
    }
}

/// Where a pass puts each element's applied gradient: into the tensor's slot, or nowhere
/// (the same loop either way, the store compiled out).
trait Store {
    fn store(self, g: f64);
}

impl Store for &mut f64 {
    #[inline(always)]
    fn store(self, g: f64) {
        *self = g;
    }
}

impl Store for () {
    #[inline(always)]
    fn store(self, _: f64) {}
}

/// [`update`] on one thread, for a rule with (`REG`) or without regularization in the
/// gradient, with (`L1`) or without L1 in it, and with (`PROX`) or without the proximal
/// threshold.
#[inline(always)]
fn pass<const REG: bool, const L1: bool, const PROX: bool>(rule: Rule, s: Slices) -> Pass {
    let Slices { cols, w, new, data, mut grad, flags, row_mask, col_mask } = s;
    let mut bounded = true;
    if row_mask.is_none() && col_mask.is_none() {
        // Nothing dropped: one pass over the whole tensor, rows regardless.
        bounded = match grad {
            Some(g) => elements::<REG, L1, PROX, _>(rule, w, new, data, g.iter_mut(), None),
            None => elements::<REG, L1, PROX, _>(rule, w, new, data, std::iter::repeat(()), None),
        };
    } else {
        let cols = cols.max(1);
        let rows = w.chunks_exact(cols).zip(new.chunks_exact_mut(cols)).zip(data.chunks_exact(cols));
        for (r, ((w, new), data)) in rows.enumerate() {
            let grad = grad.as_deref_mut().map(|g| &mut g[r * cols..(r + 1) * cols]);
            if row_mask.is_some_and(|m| m[r] == 0.0) {
                if let Some(g) = grad {
                    g.fill(0.0);
                }
                new.copy_from_slice(w);
                bounded &= w.iter().fold(true, |ok, v| ok & (v.abs() <= rule.bound));
                continue;
            }
            bounded &= match grad {
                Some(g) => elements::<REG, L1, PROX, _>(rule, w, new, data, g.iter_mut(), col_mask),
                None => elements::<REG, L1, PROX, _>(rule, w, new, data, std::iter::repeat(()), col_mask),
            };
        }
    }
    let mut newly_changed = 0;
    if let Some(flags) = flags {
        for ((flag, &new), &was) in flags.iter_mut().zip(new.iter()).zip(w.iter()) {
            if *flag && new != was {
                *flag = false;
                newly_changed += 1;
            }
        }
    }
    Pass { bounded, newly_changed }
}

/// The elements of one run of a tensor (the whole of it, or a row of a tensor with a
/// dropped unit): w − lr·g into `new`, g into `grads`, and whether every new value is
/// within the bound. Where `col_mask` is 0 the gradient is 0 and the value kept.
#[inline(always)]
fn elements<const REG: bool, const L1: bool, const PROX: bool, S: Store>(
    rule: Rule,
    w: &[f64],
    new: &mut [f64],
    data: &[f64],
    grads: impl Iterator<Item = S>,
    col_mask: Option<&[f64]>,
) -> bool {
    let Rule { lr, l2, l1, threshold, bound } = rule;
    let (l2, l1) = (if REG { l2 } else { 0.0 }, if L1 { l1 } else { 0.0 });
    let step = |w: f64, new: &mut f64, d: f64, g: S| {
        let gi = regularized(d, w, l2, l1);
        g.store(gi);
        let mut v = w - lr * gi;
        if PROX {
            v = soft_threshold(v, threshold);
        }
        *new = v;
        v.abs() <= bound
    };
    let mut bounded = true;
    let elements = w.iter().zip(new.iter_mut()).zip(data).zip(grads);
    match col_mask {
        None => {
            for (((&w, new), &d), g) in elements {
                bounded &= step(w, new, d, g);
            }
        }
        Some(mask) => {
            for ((((&w, new), &d), g), &keep) in elements.zip(mask) {
                if keep == 0.0 {
                    g.store(0.0);
                    *new = w;
                    bounded &= w.abs() <= bound;
                } else {
                    bounded &= step(w, new, d, g);
                }
            }
        }
    }
    bounded
}

/// How every step updates: the learning rate, the regularization, and per tensor the
/// magnitude the new values are checked against (see [`penalty_bounds`]).
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    pub lr: f64,
    pub reg: &'a Reg,
    pub bounds: &'a [f64; 4],
}

/// What a step starts from: the data term of the gradient (the cross-entropy part, from
/// [`super::model::backward`]) and the dropout masks of the batch it came from.
#[derive(Clone, Copy, Debug)]
pub struct Gradient<'a> {
    pub data: &'a Grads,
    pub masks: &'a Masks,
}

/// What a step changes: the parameters, the buffer that receives their old values, the
/// applied gradient, and the record of changed elements with the step's number.
#[derive(Debug)]
pub struct State<'a> {
    pub params: &'a mut Params,
    pub prev: &'a mut Params,
    /// `None` when the caller does not need this step's applied gradient (see
    /// [`super::model::regularize`], which computes the same values afterwards).
    pub applied: Option<&'a mut Grads>,
    pub log: &'a mut ChangeLog,
    /// The number this step is recorded under (counted from 1).
    pub step: u64,
}

/// One SGD step: the applied gradient (data term + L2, + L1 in subgradient mode, 0 on
/// dropped units) goes into `state.applied` (if given), params ← params − lr·applied, and in
/// proximal mode the weights of retained units are then soft-thresholded by lr·l1.
/// Records changed elements in the log, leaves the old values in `state.prev`, and checks
/// the new values against the bounds — all in one pass over each tensor.
/// ([`super::reference::step`] is the same update written plainly.)
pub fn apply(settings: Settings, gradient: Gradient, state: State) -> Applied {
    let Settings { lr, reg, bounds } = settings;
    let Gradient { data, masks } = gradient;
    let State { params: p, prev, applied: mut grads, log, step } = state;
    let mut out = Applied { bounded: true };
    let all_kept = masks.all_kept();
    let l1_in_gradient = reg.l1_in_gradient();
    for t in Tensor::ALL {
        let ti = t as usize;
        let (l2, l1, threshold) = match t.layer() {
            Some(l) if l1_in_gradient => (reg.l2[l], reg.l1[l], 0.0),
            Some(l) => (reg.l2[l], 0.0, if reg.l1[l] > 0.0 { lr * reg.l1[l] } else { 0.0 }),
            None => (0.0, 0.0, 0.0),
        };
        let rule = Rule { lr, l2, l1, threshold, bound: bounds[ti] };
        let (row_mask, col_mask) = if all_kept { (None, None) } else { masks.of(t) };
        let cols = match t {
            Tensor::W1 => p.inputs(),
            Tensor::B1 | Tensor::W2 => p.hidden(),
            Tensor::B2 => p.classes(),
        };
        let by_element = log.unchanged[ti] > 0 && log.remaining[ti].is_none();
        let (flags, unchanged) = (&mut log.unchanged_flags[ti], log.unchanged[ti]);
        let pass = update(
            rule,
            Slices {
                cols,
                w: p.get(t),
                new: prev.get_mut(t),
                data: data.get(t),
                grad: grads.as_deref_mut().map(|g| g.get_mut(t)),
                flags: by_element.then_some(flags.as_mut_slice()),
                row_mask,
                col_mask,
            },
        );
        out.bounded &= pass.bounded;
        let newly = if unchanged > 0 && !by_element {
            log.record_remaining(ti, p.get(t), prev.get(t))
        } else {
            pass.newly_changed
        };
        log.note(ti, newly, step);
    }
    // The updated values were written into `prev`'s buffers: swapping makes them the
    // parameters and leaves the old ones in `prev`, without copying either.
    std::mem::swap(p, prev);
    out
}

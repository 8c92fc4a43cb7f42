//! Read-outs of the parameters: dead units, duplicate units, zeros, norms.

use ndarray::{Array2, ArrayView2, s};

use super::status::TensorStatus;
use crate::nn::model::{Masks, Workspace, forward};
use crate::nn::products::{self, Mat, MatMut};
use crate::nn::{Params, Tensor};

/// What the parameters look like at one step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnosis {
    /// The step the diagnosis was made at; `computed` is false for the empty one a run
    /// shows while its first diagnosis is made on another thread.
    pub step: u64,
    pub computed: bool,
    /// Per tensor: moving, waiting, stalled or frozen for good, and what that rests on.
    pub status: [TensorStatus; 4],
    /// Hidden units with z1 ≤ 0 on every training example.
    pub dead: Vec<usize>,
    pub duplicates: Vec<Vec<usize>>,
    /// Per weight matrix (`[W1, W2]`): exact zeros, |w| < 1e-3, and ‖W‖.
    pub zero_fraction: [f64; 2],
    pub near_zero_fraction: [f64; 2],
    pub norm: [f64; 2],
}

impl Diagnosis {
    /// The read-outs of `p` into `self` (dead units are the caller's, in `self.dead`),
    /// reusing the vectors already there; `order` is scratch.
    pub fn read(&mut self, p: &Params, order: &mut Vec<usize>) {
        let w = [Tensor::W1, Tensor::W2];
        self.computed = true;
        duplicate_groups_into(p, order, &mut self.duplicates);
        self.zero_fraction = w.map(|t| zero_fractions(p, t).0);
        self.near_zero_fraction = w.map(|t| zero_fractions(p, t).1);
        self.norm = w.map(|t| p.norm(t));
    }
}

/// Buffers the diagnosis reuses from one refresh to the next. A copy starts empty: they
/// hold nothing a copy needs.
#[derive(Debug, Default)]
pub struct Buffers {
    /// Per hidden unit: z1 > 0 on some training row, nothing dropped; gathered at step
    /// `alive_at` (by the training split's evaluation or by [`alive_units`]).
    pub alive: Vec<bool>,
    pub alive_at: Option<u64>,
    /// The same under other input multipliers, and those multipliers.
    pub alive_masked: Vec<bool>,
    pub masks: Option<Masks>,
    /// Hidden units in the order [`duplicate_groups_into`] sorts them.
    pub order: Vec<usize>,
    /// [`alive_under_some_mask`]'s operands [x⁺ | x⁻] and scale·[W⁺ | W⁻], its product and
    /// the product's scratch.
    signed_x: Array2<f64>,
    signed_w: Array2<f64>,
    most: Array2<f64>,
    scratch: products::Scratch,
}

impl Clone for Buffers {
    fn clone(&self) -> Self {
        Buffers::default()
    }
    /// Keep the buffers; only what they held is forgotten.
    fn clone_from(&mut self, _: &Self) {
        self.alive_at = None;
    }
}

/// The masks in `slot`, made or resized for d inputs and m hidden units, with input
/// multipliers `input(i)` and the hidden ones all 1.
pub fn masks_in(slot: &mut Option<Masks>, d: usize, m: usize, input: impl Fn(usize) -> f64) -> &Masks {
    if slot.as_ref().is_some_and(|k| k.input.len() != d || k.hidden.len() != m) {
        *slot = None;
    }
    let masks = slot.get_or_insert_with(|| Masks::ones(d, m));
    masks.hidden.fill(1.0);
    for (i, o) in masks.input.iter_mut().enumerate() {
        *o = input(i);
    }
    masks
}

/// Per hidden unit, into `alive`: z1 > 0 on some row of `x` with the inputs multiplied by
/// `masks.input` (z1 does not depend on the hidden mask). The workspace is scratch for the
/// forward pass, in chunks of its capacity.
pub fn alive_units(p: &Params, x: ArrayView2<f64>, masks: &Masks, ws: &mut Workspace, alive: &mut Vec<bool>) {
    alive.clear();
    alive.resize(p.hidden(), false);
    let step = ws.capacity().max(1);
    for start in (0..x.nrows()).step_by(step) {
        let end = (start + step).min(x.nrows());
        forward(p, x.slice(s![start..end, ..]), masks, ws);
        for row in ws.z1.slice(s![..ws.n, ..]).rows() {
            for (a, &z) in alive.iter_mut().zip(row) {
                *a |= z > 0.0;
            }
        }
    }
}

/// Per hidden unit, into `b.alive_masked`: whether some input mask could make z1 > 0 on
/// some row of `x`, when each input is kept (times `scale`) or dropped independently. The
/// largest z1 a mask can give is b1 + scale·Σᵢ max(0, W1ᵢ xᵢ), and max(0, w·x) = w⁺x⁺ + w⁻x⁻
/// (the parts of each sign), so it is one product of [x⁺ | x⁻] with [W⁺ | W⁻].
pub fn alive_under_some_mask(p: &Params, x: ArrayView2<f64>, scale: f64, b: &mut Buffers) {
    let (d, m) = (p.inputs(), p.hidden());
    let chunk = x.nrows().clamp(1, 256);
    if b.signed_w.dim() != (m, 2 * d) || b.most.nrows() != chunk {
        b.signed_w = Array2::zeros((m, 2 * d));
        b.signed_x = Array2::zeros((chunk, 2 * d));
        b.most = Array2::zeros((chunk, m));
    }
    for (mut row, w) in b.signed_w.rows_mut().into_iter().zip(p.w1.rows()) {
        for (i, &v) in w.iter().enumerate() {
            row[i] = v.max(0.0);
            row[d + i] = v.min(0.0);
        }
    }
    b.alive_masked.clear();
    b.alive_masked.resize(m, false);
    for start in (0..x.nrows()).step_by(chunk) {
        let rows = x.slice(s![start..(start + chunk).min(x.nrows()), ..]);
        let n = rows.nrows();
        for (mut row, xr) in b.signed_x.rows_mut().into_iter().zip(rows.rows()) {
            for (i, &v) in xr.iter().enumerate() {
                row[i] = v.max(0.0);
                row[d + i] = v.min(0.0);
            }
        }
        products::a_bt(
            Mat::top(&b.signed_x, n),
            Mat::all(&b.signed_w),
            MatMut::top(&mut b.most, n),
            &mut b.scratch,
        );
        for row in b.most.slice(s![..n, ..]).rows() {
            for ((a, &z), &bias) in b.alive_masked.iter_mut().zip(row).zip(&p.b1) {
                *a |= bias + scale * z > 0.0;
            }
        }
    }
}

/// Groups of ≥ 2 hidden units with identical W1 rows, b1 entries and W2 columns:
/// the symmetry a constant initialization never breaks. Indices ascending, groups
/// ordered by their first index.
pub fn duplicate_groups(p: &Params) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    duplicate_groups_into(p, &mut Vec::new(), &mut out);
    out
}

/// [`duplicate_groups`] into `out`, reusing its vectors; `order` is scratch. The units are
/// sorted by their weights (ties by index), so equal units end up side by side.
pub fn duplicate_groups_into(p: &Params, order: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    // +0.0 and -0.0 are the same weight; compare bit patterns after folding them.
    let key = |v: f64| if v == 0.0 { 0u64 } else { v.to_bits() };
    let unit = |j: usize| {
        p.w1.row(j).into_iter().chain(std::iter::once(&p.b1[j])).chain(p.w2.column(j)).map(move |&v| key(v))
    };
    order.clear();
    order.extend(0..p.hidden());
    order.sort_unstable_by(|&a, &b| unit(a).cmp(unit(b)).then(a.cmp(&b)));
    let mut groups = 0;
    let mut i = 0;
    while i < order.len() {
        let run = order[i..].iter().take_while(|&&j| unit(j).eq(unit(order[i]))).count();
        if run >= 2 {
            if groups == out.len() {
                out.push(Vec::with_capacity(run));
            }
            out[groups].clear();
            out[groups].extend_from_slice(&order[i..i + run]);
            groups += 1;
        }
        i += run;
    }
    out.truncate(groups);
    out.sort_unstable_by_key(|g| g[0]);
}

/// Fraction of elements that are exactly 0, and of those with |w| < 1e-3.
pub fn zero_fractions(p: &Params, t: Tensor) -> (f64, f64) {
    let v = p.get(t);
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let exact = v.iter().filter(|&&w| w == 0.0).count();
    let near = v.iter().filter(|&&w| w.abs() < 1e-3).count();
    (exact as f64 / v.len() as f64, near as f64 / v.len() as f64)
}

/// The share of a tensor's entries with |w| ≤ `band` (exact zeros included): with band
/// lr·β, the weights an L1 step of sign(W) jumps back and forth across 0.
pub fn band_fraction(p: &Params, t: Tensor, band: f64) -> f64 {
    let v = p.get(t);
    if v.is_empty() {
        return 0.0;
    }
    v.iter().filter(|&&w| w.abs() <= band).count() as f64 / v.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_units_form_one_group() {
        let mut p = Params::zeros(3, 4, 2);
        p.fill(0.5);
        assert_eq!(duplicate_groups(&p), vec![vec![0, 1, 2, 3]]);
        p.w2[[1, 2]] = 0.7;
        assert_eq!(duplicate_groups(&p), vec![vec![0, 1, 3]]);
    }

    #[test]
    fn interleaved_groups_come_in_order_of_their_first_unit() {
        let mut p = Params::zeros(2, 6, 2);
        for (j, v) in [0.3, 0.1, 0.3, 0.1, 0.9, 0.1].into_iter().enumerate() {
            p.w1[[j, 1]] = v;
        }
        let want = vec![vec![0, 2], vec![1, 3, 5]];
        assert_eq!(duplicate_groups(&p), want);
        // Into vectors left from another network: the same groups, nothing left over.
        let mut out = vec![vec![7; 9], vec![], vec![1, 2], vec![4]];
        let mut order = vec![5; 20];
        duplicate_groups_into(&p, &mut order, &mut out);
        assert_eq!(out, want);
        p.w1[[3, 0]] = 1.0;
        duplicate_groups_into(&p, &mut order, &mut out);
        assert_eq!(out, vec![vec![0, 2], vec![1, 5]]);
        p.fill(0.25);
        p.w1[[0, 0]] = 2.0;
        duplicate_groups_into(&p, &mut order, &mut out);
        assert_eq!(out, vec![vec![1, 2, 3, 4, 5]]);
    }

    #[test]
    fn negative_zero_equals_zero() {
        let mut p = Params::zeros(2, 2, 2);
        p.w1[[0, 0]] = -0.0;
        assert_eq!(duplicate_groups(&p), vec![vec![0, 1]]);
    }
}

//! Read-outs of the parameters: dead units, duplicate units, zeros, norms.

use std::collections::BTreeMap;

use ndarray::{ArrayView2, s};

use super::status::TensorStatus;
use crate::nn::model::{Masks, Workspace, forward};
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
    pub fn new(p: &Params, dead: Vec<usize>) -> Self {
        let w = [Tensor::W1, Tensor::W2];
        Diagnosis {
            step: 0,
            computed: true,
            status: Default::default(),
            dead,
            duplicates: duplicate_groups(p),
            zero_fraction: w.map(|t| zero_fractions(p, t).0),
            near_zero_fraction: w.map(|t| zero_fractions(p, t).1),
            norm: w.map(|t| p.norm(t)),
        }
    }
}

/// Hidden units with z1 ≤ 0 on every row of `x`, without dropout. The workspace is
/// scratch for the forward pass, in chunks of its capacity.
pub fn dead_units(p: &Params, x: ArrayView2<f64>, ws: &mut Workspace) -> Vec<usize> {
    let alive = alive_units(p, x, &Masks::ones(p.inputs(), p.hidden()), ws);
    (0..alive.len()).filter(|&j| !alive[j]).collect()
}

/// Per hidden unit: z1 > 0 on some row of `x` with the inputs multiplied by `masks.input`
/// (z1 does not depend on the hidden mask).
pub fn alive_units(p: &Params, x: ArrayView2<f64>, masks: &Masks, ws: &mut Workspace) -> Vec<bool> {
    let m = p.hidden();
    let mut alive = vec![false; m];
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
    alive
}

/// Per hidden unit: whether some input mask could make z1 > 0 on some row of `x`, when each
/// input is kept (times `scale`) or dropped independently. The largest z1 a mask can give is
/// b1 + scale·Σᵢ max(0, W1ᵢ xᵢ), and max(0, w·x) = w⁺x⁺ + w⁻x⁻ (the parts of each sign), so
/// it is two products.
pub fn alive_under_some_mask(p: &Params, x: ArrayView2<f64>, scale: f64) -> Vec<bool> {
    let m = p.hidden();
    let mut alive = vec![false; m];
    let w_pos = p.w1.mapv(|w| w.max(0.0));
    let w_neg = p.w1.mapv(|w| w.min(0.0));
    for start in (0..x.nrows()).step_by(256) {
        let chunk = x.slice(s![start..(start + 256).min(x.nrows()), ..]);
        let most = chunk.mapv(|v| v.max(0.0)).dot(&w_pos.t()) + chunk.mapv(|v| v.min(0.0)).dot(&w_neg.t());
        for row in most.rows() {
            for ((a, &z), &b) in alive.iter_mut().zip(row).zip(&p.b1) {
                *a |= b + scale * z > 0.0;
            }
        }
    }
    alive
}

/// Groups of ≥ 2 hidden units with identical W1 rows, b1 entries and W2 columns:
/// the symmetry a constant initialization never breaks. Indices ascending, groups
/// ordered by their first index.
pub fn duplicate_groups(p: &Params) -> Vec<Vec<usize>> {
    // +0.0 and -0.0 are the same weight; compare bit patterns after folding them.
    let key = |v: f64| if v == 0.0 { 0u64 } else { v.to_bits() };
    let mut groups: BTreeMap<Vec<u64>, Vec<usize>> = BTreeMap::new();
    for j in 0..p.hidden() {
        let unit: Vec<u64> =
            p.w1.row(j)
                .iter()
                .chain(std::iter::once(&p.b1[j]))
                .chain(p.w2.column(j).iter())
                .map(|&v| key(v))
                .collect();
        groups.entry(unit).or_default().push(j);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() >= 2).collect();
    out.sort();
    out
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
    fn negative_zero_equals_zero() {
        let mut p = Params::zeros(2, 2, 2);
        p.w1[[0, 0]] = -0.0;
        assert_eq!(duplicate_groups(&p), vec![vec![0, 1]]);
    }
}

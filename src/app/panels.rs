//! What the sub-views show, computed on a key press or a refresh and stored, so that drawing
//! only reads: the backprop of one example (`b`), the decision boundary or the hidden units'
//! images (`d`), dropout as an ensemble (`e`) and the gradient check (`G`).

use ndarray::{Array1, Array2, s};

use super::gradcheck::Check;
use crate::nn::model::{self, Workspace, argmax};
use crate::train::ensemble::{self, EnsembleResult};
use crate::train::{Inspection, Trainer};

/// A view within the single-scenario view; Esc returns to the normal view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubView {
    Backprop,
    Boundary,
    Ensemble,
    GradCheck,
    Network,
}

impl SubView {
    /// Whether the view replaces the heatmaps (otherwise it replaces the Frozen panel).
    pub fn replaces_heatmaps(self) -> bool {
        matches!(self, SubView::Backprop | SubView::Boundary | SubView::Network)
    }
}

/// Grid of the plane for 2-D inputs: columns × rows (rows top to bottom), sampled to the
/// panel's cells when drawn.
pub const GRID_COLS: usize = 160;
pub const GRID_ROWS: usize = 120;

/// The stored results; `None` until the view is first opened.
#[derive(Clone, Debug, Default)]
pub struct Panels {
    pub backprop: Option<Backprop>,
    pub boundary: Option<Boundary>,
    pub ensemble: Option<Ensemble>,
    pub gradcheck: Option<Check>,
    pub network: Option<Network>,
}

/// The network as the slides draw it (`v`): its weights and one example of the next step's
/// batch through it, with the units that step drops.
#[derive(Clone, Debug)]
pub struct Network {
    /// The trainer's step when computed; the batch and masks are step + 1's.
    pub step: u64,
    /// Inputs, hidden units and outputs.
    pub shape: [usize; 3],
    /// The rest is left empty for a network wider than [`Network::MAX_UNITS`], which the
    /// diagram does not draw.
    pub w1: Array2<f64>,
    pub w2: Array2<f64>,
    /// The largest |w| of W1 and of W2, which the edges' strokes are relative to.
    pub scale: [f64; 2],
    /// The example shown (below the batch's rows), its inputs before the mask (standardized
    /// when the scenario standardizes), h̃ and the logits.
    pub example: usize,
    pub x: Vec<f64>,
    pub h: Vec<f64>,
    pub logits: Vec<f64>,
    /// Which inputs and hidden units step + 1 keeps.
    pub input_kept: Vec<bool>,
    pub hidden_kept: Vec<bool>,
}

impl Network {
    /// The most units per layer (inputs, hidden, outputs) the diagram draws.
    pub const MAX_UNITS: usize = 12;

    /// Whether the diagram draws this network.
    pub fn drawn(&self) -> bool {
        self.shape.iter().all(|&n| n <= Self::MAX_UNITS)
    }

    pub fn compute(t: &Trainer, example: usize) -> Network {
        let p = &t.params;
        let shape = [p.inputs(), p.hidden(), p.classes()];
        let out = Network {
            step: t.step,
            shape,
            w1: Array2::zeros((0, 0)),
            w2: Array2::zeros((0, 0)),
            scale: [0.0; 2],
            example: 0,
            x: Vec::new(),
            h: Vec::new(),
            logits: Vec::new(),
            input_kept: Vec::new(),
            hidden_kept: Vec::new(),
        };
        if !out.drawn() {
            return out;
        }
        let i = t.inspect();
        let e = example.min(i.ws.n.saturating_sub(1));
        let row = |a: &Array2<f64>| a.row(e).to_vec();
        let largest = |w: &Array2<f64>| w.iter().fold(0.0_f64, |a, &v| a.max(v.abs()));
        Network {
            scale: [largest(&t.params.w1), largest(&t.params.w2)],
            w1: t.params.w1.clone(),
            w2: t.params.w2.clone(),
            example: e,
            x: row(&i.x),
            h: i.ws.h.slice(s![e, ..]).to_vec(),
            logits: i.ws.logits.slice(s![e, ..]).to_vec(),
            input_kept: (0..t.params.inputs()).map(|c| i.scales.input_kept(c)).collect(),
            hidden_kept: (0..t.params.hidden()).map(|j| i.scales.hidden_kept(j)).collect(),
            ..out
        }
    }
}

/// One example of the next step's batch, forward and backward.
#[derive(Clone, Debug)]
pub struct Backprop {
    /// The trainer's step when computed; the batch is step + 1's.
    pub step: u64,
    /// The next step's batch; its `scales` are the masks (0 dropped, the scale s kept).
    pub inspection: Inspection,
    /// Index of the example in the batch (below `rows()`).
    pub example: usize,
    /// Per example: ∇W2 = (ŷ−y)h̃ᵀ (k×m) and ∇W1 = g x̃ᵀ (m×d).
    pub dw2: Array2<f64>,
    pub dw1: Array2<f64>,
    /// What is 0 in this example and why, each with the factor it belongs under.
    pub notes: Vec<(Factor, String)>,
    /// W2 was 0 on every kept hidden unit when computed.
    w2_kept_zero: bool,
    /// W1 and b1 were 0 when computed.
    w1_b1_zero: bool,
}

/// The factor of the backward pass a note belongs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Factor {
    X,
    H,
    Err,
    G,
}

impl Backprop {
    pub fn compute(t: &Trainer, example: usize) -> Backprop {
        let inspection = t.inspect();
        let p = &t.params;
        let zero = |v: &[f64]| v.iter().all(|&w| w == 0.0);
        let w2_kept_zero = (0..p.hidden())
            .filter(|&j| inspection.scales.hidden_kept(j))
            .all(|j| p.w2.column(j).iter().all(|&w| w == 0.0));
        let mut out = Backprop {
            step: t.step,
            inspection,
            example: 0,
            dw2: Array2::zeros((0, 0)),
            dw1: Array2::zeros((0, 0)),
            notes: Vec::new(),
            w2_kept_zero,
            w1_b1_zero: zero(p.get(crate::nn::Tensor::W1)) && zero(p.get(crate::nn::Tensor::B1)),
        };
        out.select(example);
        out
    }

    /// Rows of the batch.
    pub fn rows(&self) -> usize {
        self.inspection.ws.n
    }

    /// Show another example of the same batch (clamped to the batch).
    pub fn select(&mut self, example: usize) {
        let i = example.min(self.rows().saturating_sub(1));
        self.example = i;
        let ws = &self.inspection.ws;
        let outer = |a: ndarray::ArrayView1<f64>, b: ndarray::ArrayView1<f64>| {
            Array2::from_shape_fn((a.len(), b.len()), |(r, c)| a[r] * b[c])
        };
        self.dw2 = outer(ws.err.row(i), ws.h.row(i));
        self.dw1 = outer(ws.g.row(i), ws.xt.row(i));
        self.notes = self.explain(i);
    }

    /// Why a factor of example `i` is 0, read off that example's values and masks only.
    fn explain(&self, i: usize) -> Vec<(Factor, String)> {
        let ws = &self.inspection.ws;
        let masks = &self.inspection.scales;
        let m = masks.hidden.len();
        let zero = |v: ndarray::ArrayView1<f64>| v.iter().all(|&x| x == 0.0);
        let kept: Vec<usize> = (0..m).filter(|&j| masks.hidden_kept(j)).collect();
        let mut out = Vec::new();
        if (0..masks.input.len()).all(|c| !masks.input_kept(c)) {
            out.push((
                Factor::X,
                "x̃ = 0 for this example: every input is dropped, so ∇W1 = g x̃ᵀ = 0".to_string(),
            ));
        }
        let z1_off = kept.iter().all(|&j| ws.z1[[i, j]] <= 0.0);
        if zero(ws.h.row(i)) {
            let because = if kept.is_empty() {
                "every hidden unit is dropped"
            } else if self.w1_b1_zero {
                "z1 = W1x + b1 = 0 (W1 = 0, b1 = 0)"
            } else {
                "z1 ≤ 0 for every kept unit"
            };
            out.push((Factor::H, format!("h = 0 for this example because {because}, so ∇W2 = (ŷ−y)hᵀ = 0")));
        }
        if zero(ws.err.row(i)) {
            out.push((Factor::Err, "ŷ = y for this example, so every gradient of it is 0".to_string()));
        } else if kept.iter().all(|&j| ws.g[[i, j]] == 0.0) {
            let z1 = if self.w1_b1_zero { "z1 = 0" } else { "z1 ≤ 0" };
            let relu = format!("relu′(z1) = 0 for every unit ({z1}, and relu′(0) = 0)");
            let because = match (kept.is_empty(), self.w2_kept_zero, z1_off) {
                (true, ..) => "because every hidden unit is dropped".to_string(),
                (false, true, true) => format!("because W2 = 0 and {relu}"),
                (false, true, false) => "because W2 = 0".to_string(),
                (false, false, true) => format!("because {relu}"),
                (false, false, false) => "though no factor is 0: the terms of (ŷ−y)ᵀW2 cancel".to_string(),
            };
            out.push((Factor::G, format!("g = 0 for this example {because}, so ∇W1 = ∇b1 = 0")));
        }
        out
    }
}

/// The `d` view's data: the plane for 2-D inputs, images for square inputs (8×8 digits,
/// 28×28 MNIST), or neither.
#[derive(Clone, Debug)]
pub enum Boundary {
    Plane(Plane),
    Images(Images),
    /// Inputs that are neither 2-D nor square images: d.
    Unsupported(usize),
}

/// The network over the plane of the (standardized) inputs.
#[derive(Clone, Debug)]
pub struct Plane {
    pub step: u64,
    /// Standardized ranges: the training points' min and max with a margin.
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub classes: usize,
    /// Predicted class and its probability, GRID_ROWS × GRID_COLS, row 0 at the top (y max).
    pub class: Array2<usize>,
    pub prob: Array2<f64>,
    /// With a hidden unit selected: that unit and relu(z1_j) over the grid, and its max.
    pub unit: Option<(usize, Array2<f64>, f64)>,
}

/// A square input (`side`×`side` pixels) and what the hidden units respond to.
#[derive(Clone, Debug)]
pub struct Images {
    pub step: u64,
    /// Example index in the next batch, and the batch's rows.
    pub example: usize,
    pub rows: usize,
    /// Pixels per row and column: d = side².
    pub side: usize,
    /// The input in original units, side × side.
    pub image: Array2<f64>,
    pub label: usize,
    /// The network's prediction for it (evaluation: nothing dropped) and its probability.
    pub predicted: usize,
    pub prob: f64,
    /// h = relu(z1) of each hidden unit for this input.
    pub h: Array1<f64>,
}

impl Boundary {
    pub fn compute(t: &Trainer, example: usize, unit: Option<usize>) -> Boundary {
        match t.params.inputs() {
            2 => Boundary::Plane(Plane::compute(t, unit)),
            d => match image_side(d) {
                Some(side) => Boundary::Images(Images::compute(t, example, side)),
                None => Boundary::Unsupported(d),
            },
        }
    }

    pub fn step(&self) -> Option<u64> {
        match self {
            Boundary::Plane(p) => Some(p.step),
            Boundary::Images(i) => Some(i.step),
            Boundary::Unsupported(_) => None,
        }
    }
}

/// The side of a square image of `d` pixels (at least 2×2), if `d` is one.
pub fn image_side(d: usize) -> Option<usize> {
    let side = d.isqrt();
    (side >= 2 && side * side == d).then_some(side)
}

fn range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if lo > hi {
        return (-1.0, 1.0);
    }
    let margin = if hi > lo { 0.08 * (hi - lo) } else { 0.5 };
    (lo - margin, hi + margin)
}

impl Plane {
    fn compute(t: &Trainer, unit: Option<usize>) -> Plane {
        let x = &t.data.train.x;
        let x_range = range(x.column(0).iter().copied());
        let y_range = range(x.column(1).iter().copied());
        let p = &t.params;
        let (m, k) = (p.hidden(), p.classes());
        let masks = t.eval_masks();
        let mut ws = Workspace::new(GRID_COLS, 2, m, k);
        let mut row_x = Array2::<f64>::zeros((GRID_COLS, 2));
        for (c, mut r) in row_x.rows_mut().into_iter().enumerate() {
            r[0] = x_range.0 + (c as f64 + 0.5) / GRID_COLS as f64 * (x_range.1 - x_range.0);
        }
        let mut class = Array2::zeros((GRID_ROWS, GRID_COLS));
        let mut prob = Array2::zeros((GRID_ROWS, GRID_COLS));
        let unit = unit.filter(|&j| j < m);
        let mut h = Array2::zeros(if unit.is_some() { (GRID_ROWS, GRID_COLS) } else { (0, 0) });
        for r in 0..GRID_ROWS {
            let yv = y_range.1 - (r as f64 + 0.5) / GRID_ROWS as f64 * (y_range.1 - y_range.0);
            row_x.column_mut(1).fill(yv);
            model::forward(p, row_x.view(), masks, &mut ws);
            for c in 0..GRID_COLS {
                let y_hat = ws.y_hat.row(c);
                let best = argmax(y_hat.as_slice().unwrap_or(&[]));
                class[[r, c]] = best;
                prob[[r, c]] = y_hat.get(best).copied().unwrap_or(f64::NAN);
            }
            if let Some(j) = unit {
                let z = ws.z1.slice(s![..GRID_COLS, j]);
                h.row_mut(r).assign(&z.mapv(|v| v.max(0.0)));
            }
        }
        let unit = unit.map(|j| {
            let max = h.iter().filter(|v| v.is_finite()).fold(0.0f64, |a, &v| a.max(v));
            (j, h, max)
        });
        Plane { step: t.step, x_range, y_range, classes: k, class, prob, unit }
    }
}

impl Images {
    fn compute(t: &Trainer, example: usize, side: usize) -> Images {
        let inspection = t.inspect();
        let rows = inspection.x.nrows();
        let i = example.min(rows.saturating_sub(1));
        let p = &t.params;
        let x = inspection.x.slice(s![i..(i + 1).min(rows), ..]);
        let (mean, scale) = (&t.data.mean, &t.data.scale);
        let image = Array2::from_shape_fn((side, side), |(r, c)| {
            let f = r * side + c;
            x.get([0, f]).map_or(0.0, |v| v * scale.get(f).unwrap_or(&1.0) + mean.get(f).unwrap_or(&0.0))
        });
        let mut ws = Workspace::new(1, p.inputs(), p.hidden(), p.classes());
        let (mut predicted, mut prob, mut h) = (0, f64::NAN, Array1::zeros(p.hidden()));
        if x.nrows() == 1 {
            model::forward(p, x, t.eval_masks(), &mut ws);
            let y_hat = ws.y_hat.row(0);
            predicted = argmax(y_hat.as_slice().unwrap_or(&[]));
            prob = y_hat[predicted];
            h = ws.z1.row(0).mapv(|v| v.max(0.0));
        }
        Images {
            step: t.step,
            example: i,
            rows,
            side,
            image,
            label: inspection.y.get(i).copied().unwrap_or(0),
            predicted,
            prob,
            h,
        }
    }
}

/// Why the ensemble comparison cannot be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoEnsemble {
    /// No unit can be dropped.
    NoDropout,
    /// The comparison is on the validation split, and it is empty.
    NoValidation,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    pub step: u64,
    pub result: Result<EnsembleResult, NoEnsemble>,
}

impl Ensemble {
    pub fn compute(t: &Trainer) -> Ensemble {
        let result = if !t.dropout_active() {
            Err(NoEnsemble::NoDropout)
        } else {
            ensemble::ensemble(t).ok_or(NoEnsemble::NoValidation)
        };
        Ensemble { step: t.step, result }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::nn::gradcheck as core;

    fn trainer(name: &str, steps: u64) -> Trainer {
        let l = crate::load::load(name, None).unwrap();
        let mut t = Trainer::from_loaded(&l);
        for _ in 0..steps {
            t.step();
        }
        t
    }

    #[test]
    fn per_example_gradients_average_to_the_batch_gradient() {
        let t = trainer("random_init", 3);
        let mut b = Backprop::compute(&t, 0);
        let n = b.rows();
        let (mut dw1, mut dw2) = (b.dw1.clone() * 0.0, b.dw2.clone() * 0.0);
        for i in 0..n {
            b.select(i);
            dw1 += &b.dw1;
            dw2 += &b.dw2;
        }
        let g = &b.inspection.grads;
        let close = |a: &Array2<f64>, b: &Array2<f64>| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(&(dw1 / n as f64), &g.w1));
        assert!(close(&(dw2 / n as f64), &g.w2));
        b.select(10_000);
        assert_eq!(b.example, n - 1);
    }

    #[test]
    fn sampled_check_equals_the_full_check_when_everything_fits() {
        let t = trainer("random_init", 5);
        let c = super::super::gradcheck::run(&t);
        assert!(!c.capped());
        let i = t.inspect();
        let masks = i.scales.clone();
        let grads = core::analytic(&t.params, i.x.view(), &i.y, &masks, t.reg());
        let r = core::check(&t.params, i.x.view(), &i.y, &masks, t.reg(), &grads);
        assert_eq!(c.skipped, r.skipped);
        assert_eq!(c.checked, r.checked);
        for x in 0..4 {
            assert_eq!(c.max_rel_error[x].unwrap_or(0.0), r.max_rel_error[x]);
        }
    }

    #[test]
    fn plane_covers_the_training_points() {
        let t = trainer("zero_w2", 50);
        let Boundary::Plane(p) = Boundary::compute(&t, 0, Some(3)) else { panic!("2-D data") };
        for r in t.data.train.x.rows() {
            assert!(p.x_range.0 < r[0] && r[0] < p.x_range.1);
            assert!(p.y_range.0 < r[1] && r[1] < p.y_range.1);
        }
        assert!(p.class.iter().all(|&c| c < 3));
        assert!(p.prob.iter().all(|&v| (1.0 / 3.0 - 1e-12..=1.0).contains(&v)));
        let (j, h, max) = p.unit.unwrap();
        assert_eq!(j, 3);
        assert!(h.iter().all(|&v| v >= 0.0 && v <= max));
    }
}

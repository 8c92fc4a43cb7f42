//! The fast forward, backward and step (`nn::model`, `nn::sgd`, and the trainer that drives
//! them) against the plain ndarray `nn::reference`, on several shapes with dropout and
//! regularization; and the reference itself against central differences.
//!
//! # Tolerances
//!
//! Fast and reference compute the same formulas with different roundings: the fast
//! products sum in another order (register blocks for the small ones, matrixmultiply's and
//! gemm's blocking for the larger), fuse multiply-adds into one rounding where the
//! processor has FMA, take exp through their own polynomial (within 1 ulp of `f64::exp`),
//! and scale sums by 1/n where the reference divides. A sum of L products computed two
//! ways differs by up to about L·u·Σ|terms| (u = 1.1e-16; L ≤ 784 here), so results are
//! not bit for bit equal. Each array is compared as a whole:
//!
//!   max |fast − reference| ≤ REL · max |reference|,  REL = 1e-12
//!
//! (relative to the array's largest entry, not entry by entry: an entry that is the small
//! difference of large terms carries the large terms' rounding). Measured on an AMD EPYC:
//! at most 4.2e-14 of the largest entry, for ŷ of the 784-input network (its logits reach
//! about a hundred, and exp turns their last-bit differences into relative differences of
//! ŷ); the loss below 1.4e-14, the gradients and steps below 7e-15, the trainer's steps
//! below 1.2e-15. So 1e-12 leaves a margin of over 20, and a wrong formula still stands out
//! by many orders of magnitude (a missing mask or 1/n changes entries by a factor; the
//! smallest penalty term here, 2e-3·sign(w), is 10⁹ times REL).
//!
//! The central differences use `gradcheck`'s ε = 1e-6 and pass rule
//! |a − n| ≤ 1e-7 + 1e-5·|n|: rounding in each loss evaluation is ~1e-16 of the loss
//! (≲ 100 here), divided by 2ε that is ~1e-8, and truncation (ε²·L‴) is smaller still.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2, array, s};
use nnviz::nn::gradcheck::{ABS_TOLERANCE, EPSILON, REL_TOLERANCE};
use nnviz::nn::model::{self, sign};
use nnviz::nn::reference::{self, Forward};
use nnviz::nn::sgd::{self, ChangeLog, Gradient, Settings, State};
use nnviz::nn::{Grads, Masks, Params, Reg, Tensor, Workspace};
use nnviz::scenario::L1Mode;
use nnviz::train::Trainer;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// Largest difference allowed, relative to the array's largest |entry| (see the module
/// comment).
const REL: f64 = 1e-12;

/// `fast` against `reference` under [`REL`]; returns the difference relative to the
/// largest |reference| entry (0 when both are all zeros).
fn close(what: &str, fast: &[f64], reference: &[f64]) -> f64 {
    assert_eq!(fast.len(), reference.len(), "{what}: lengths");
    let largest = reference.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let diff = fast.iter().zip(reference).fold(0.0f64, |a, (f, r)| a.max((f - r).abs()));
    assert!(diff <= REL * largest, "{what}: max |fast − reference| = {diff:e}, largest |entry| {largest:e}");
    if diff == 0.0 { 0.0 } else { diff / largest }
}

/// [`close`] on every tensor of two parameter sets; returns the largest relative difference.
fn close_params(what: &str, fast: &Params, reference: &Params) -> f64 {
    Tensor::ALL
        .iter()
        .map(|&t| close(&format!("{what} {}", t.name()), fast.get(t), reference.get(t)))
        .fold(0.0, f64::max)
}

/// The first `n` rows of a workspace buffer as one slice.
fn rows(a: &Array2<f64>, n: usize) -> Vec<f64> {
    a.slice(s![..n, ..]).iter().copied().collect()
}

fn flat(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// Uniform draws from [-r, r].
fn uniform(rng: &mut Xoshiro256PlusPlus, shape: (usize, usize), r: f64) -> Array2<f64> {
    Array2::from_shape_simple_fn(shape, || rng.random_range(-r..=r))
}

/// A network of d inputs, m hidden units and k classes with every element in [-1, 1], a
/// batch of n rows in [-2, 2] and its labels.
fn case(n: usize, (d, m, k): (usize, usize, usize), seed: u64) -> (Params, Array2<f64>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let p = Params {
        w1: uniform(&mut rng, (m, d), 1.0),
        b1: uniform(&mut rng, (1, m), 1.0).into_shape_with_order(m).unwrap(),
        w2: uniform(&mut rng, (k, m), 1.0),
        b2: uniform(&mut rng, (1, k), 1.0).into_shape_with_order(k).unwrap(),
    };
    let x = uniform(&mut rng, (n, d), 2.0);
    let y = (0..n).map(|_| rng.random_range(0..k)).collect();
    (p, x, y)
}

/// Masks as training and evaluation use them: nothing dropped; inverted dropout (kept
/// inputs ×1/0.8, kept hidden units ×2); classic dropout (kept ×1); classic evaluation
/// (every unit × keep). A dropped unit is never the last one of its layer.
fn mask_kinds(d: usize, m: usize, seed: u64) -> Vec<(&'static str, Masks)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut draw = |len: usize, keep: f64, s: f64| -> Array1<f64> {
        (0..len).map(|i| if i + 1 == len || rng.random::<f64>() < keep { s } else { 0.0 }).collect()
    };
    let inverted = Masks { input: draw(d, 0.8, 1.25), hidden: draw(m, 0.5, 2.0) };
    let classic = Masks { input: draw(d, 0.8, 1.0), hidden: draw(m, 0.5, 1.0) };
    let eval = Masks { input: Array1::from_elem(d, 0.8), hidden: Array1::from_elem(m, 0.5) };
    vec![
        ("no dropout", Masks::ones(d, m)),
        ("inverted", inverted),
        ("classic", classic),
        ("classic eval", eval),
    ]
}

fn regs() -> [(&'static str, Reg); 5] {
    let sub = L1Mode::Subgradient;
    [
        ("no penalty", Reg::NONE),
        ("L2", Reg { l2: [1e-2, 3e-2], l1: [0.0; 2], l1_mode: sub }),
        ("L1 subgradient", Reg { l2: [0.0; 2], l1: [2e-3, 1e-2], l1_mode: sub }),
        ("L1 + L2 subgradient", Reg { l2: [1e-2, 0.0], l1: [0.0, 5e-3], l1_mode: sub }),
        ("L1 proximal + L2", Reg { l2: [1e-2, 1e-2], l1: [3e-2, 5e-2], l1_mode: L1Mode::Proximal }),
    ]
}

fn forward(x: ArrayView2<f64>, p: &Params, masks: &Masks) -> Forward {
    reference::forward(x, &p.w1, &p.b1, &p.w2, &p.b2, masks)
}

/// Batch rows and (inputs, hidden, classes): one row and one unit; the 2- and 3-class
/// paths; odd sizes; the digits network; one whose W1 products go to ndarray's product
/// (2^18..2^20 multiply-adds) and the wide network's (gemm on all threads, the W1 update
/// in two halves).
const SHAPES: [(usize, (usize, usize, usize)); 8] = [
    (1, (1, 1, 2)),
    (3, (2, 4, 3)),
    (5, (3, 9, 2)),
    (7, (5, 13, 4)),
    (11, (17, 3, 7)),
    (32, (64, 32, 10)),
    (64, (128, 48, 10)),
    (64, (784, 256, 10)),
];

/// `model::forward`, `model::backward`, `model::regularize` and `sgd::apply` against the
/// reference on every shape, mask kind and regularization.
#[test]
fn fast_forward_backward_and_step_match_the_reference() {
    let lr = 0.1;
    let mut worst = 0.0f64;
    for (i, &(n, (d, m, k))) in SHAPES.iter().enumerate() {
        let (p, x, y) = case(n, (d, m, k), i as u64);
        for (mask_kind, masks) in mask_kinds(d, m, 100 + i as u64) {
            let f = forward(x.view(), &p, &masks);
            let mut ws = Workspace::new(n, d, m, k);
            model::forward(&p, x.view(), &masks, &mut ws);
            let at = format!("{n}×{d}-{m}-{k}, {mask_kind}");
            for (name, fast, reference) in [
                ("x̃", &ws.xt, &f.xt),
                ("z1", &ws.z1, &f.z1),
                ("h̃", &ws.h, &f.h),
                ("logits", &ws.logits, &f.logits),
                ("ŷ", &ws.y_hat, &f.y_hat),
            ] {
                worst = worst.max(close(&format!("{at}: {name}"), &rows(fast, n), &flat(reference)));
            }
            let mut data = Grads::zeros(d, m, k);
            model::backward(&p, &y, &masks, &mut ws, &mut data);
            for (reg_kind, reg) in regs() {
                let at = format!("{at}, {reg_kind}");
                let fast_loss = ws.cross_entropy(&y) + model::penalty(&p, &reg);
                let ref_loss = reference::loss(&f, &y, &p.w1, &p.w2, &reg);
                worst = worst.max(close(&format!("{at}: loss"), &[fast_loss], &[ref_loss]));
                let g = reference::backward(&f, &y, &p.w1, &p.w2, &masks, &reg);
                worst = worst.max(close_params(&format!("{at}: data gradient"), &data, &g.data));
                let mut regularized = Grads::zeros(d, m, k);
                model::regularize(&p, &data, &reg, &masks, &mut regularized);
                worst = worst.max(close_params(&format!("{at}: regularize"), &regularized, &g.applied));

                let (mut q, mut prev, mut applied) = (p.clone(), p.clone(), Grads::zeros(d, m, k));
                prev.fill(0.0);
                let bounds = sgd::penalty_bounds(&p, &reg);
                let mut log1 = ChangeLog::new(&p);
                let first = sgd::apply(
                    Settings { lr, reg: &reg, bounds: &bounds },
                    Gradient { data: &data, masks: &masks },
                    State {
                        params: &mut q,
                        prev: &mut prev,
                        applied: Some(&mut applied),
                        log: &mut log1,
                        step: 1,
                    },
                );
                assert_eq!(prev, p, "{at}: the step leaves the old values in prev");
                // Without the applied gradient the step is the same, bit for bit, and
                // regularize gives the applied gradient's bits afterwards.
                let (mut q2, mut prev2, mut log2) = (p.clone(), p.clone(), ChangeLog::new(&p));
                let same_bounded = sgd::apply(
                    Settings { lr, reg: &reg, bounds: &bounds },
                    Gradient { data: &data, masks: &masks },
                    State { params: &mut q2, prev: &mut prev2, applied: None, log: &mut log2, step: 1 },
                );
                let bits =
                    |g: &Grads| Tensor::ALL.map(|t| g.get(t).iter().map(|v| v.to_bits()).collect::<Vec<_>>());
                assert_eq!(bits(&q2), bits(&q), "{at}: the step without the applied gradient");
                assert_eq!(same_bounded, first, "{at}: what the step found");
                assert_eq!(log2, log1, "{at}: the change log");
                assert_eq!(
                    bits(&regularized),
                    bits(&applied),
                    "{at}: regularize is the step's applied gradient"
                );
                worst = worst.max(close_params(&format!("{at}: applied gradient"), &applied, &g.applied));
                let next = reference::step(&p, &g.applied, lr, &reg, &masks);
                worst = worst.max(close_params(&format!("{at}: step"), &q, &next));
                // Both keep a dropped unit's values as they were, bit for bit.
                for t in Tensor::ALL {
                    for (idx, (&a, &b)) in q.get(t).iter().zip(next.get(t)).enumerate() {
                        if !kept(&masks, t, idx) {
                            assert_eq!(
                                a.to_bits(),
                                p.get(t)[idx].to_bits(),
                                "{at}: fast {} [{idx}]",
                                t.name()
                            );
                            assert_eq!(
                                b.to_bits(),
                                p.get(t)[idx].to_bits(),
                                "{at}: reference {} [{idx}]",
                                t.name()
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!("largest difference relative to the array's largest entry: {worst:e}");
}

/// Whether element `idx` (row-major) of tensor `t` belongs to the retained network.
fn kept(masks: &Masks, t: Tensor, idx: usize) -> bool {
    let (rows, cols) = masks.of(t);
    let width = cols.map_or(1, <[f64]>::len);
    let row_kept = rows.is_none_or(|r| r[idx / width] != 0.0);
    row_kept && cols.is_none_or(|c| c[idx % width] != 0.0)
}

fn from_toml(src: &str) -> nnviz::load::Loaded {
    let s = nnviz::scenario::parse("test.toml", src, Path::new(""), "test").unwrap();
    nnviz::load::finish("test.toml", s).unwrap()
}

/// The trainer's own steps (the batch gathered and masked in place, then forward, backward
/// and `sgd::apply`) against the reference step from the same parameters, batch and masks.
#[test]
fn trainer_steps_match_the_reference() {
    let odd = "name = \"odd\"\n[data]\nsource = \"blobs\"\nsamples = 90\nfeatures = 7\nclasses = 5\n\
               [network]\nhidden = 11\n[train]\nbatch_size = 13\nlearning_rate = 0.3\n\
               [regularization]\nl2 = { W1 = 1e-2 }\nl1 = { W1 = 1e-3, W2 = 2e-3 }\n\
               [dropout]\nmode = \"classic\"\nkeep_input = 0.7\nkeep_hidden = 0.6\n";
    let mut loaded: Vec<_> =
        ["regularization/dropout", "regularization/l1", "regularization/l1_l2", "dropout_slide"]
            .iter()
            .map(|name| nnviz::load::load(name, None).unwrap())
            .collect();
    loaded.push(nnviz::load::load("benches/workloads/wide.toml", None).unwrap());
    loaded.push(from_toml(odd));
    let mut worst = 0.0f64;
    for l in &loaded {
        let mut t = Trainer::from_loaded(l);
        let lr = l.scenario.train.learning_rate;
        for _ in 0..4 {
            let (x, y, masks) = t.next_batch_masks();
            let before = t.params.clone();
            let f = forward(x.view(), &before, &masks);
            let g = reference::backward(&f, &y, &before.w1, &before.w2, &masks, t.reg());
            let next = reference::step(&before, &g.applied, lr, t.reg(), &masks);
            t.step();
            let at = format!("{} step {}", l.scenario.name, t.step);
            assert!(t.diverged.is_none(), "{at}");
            assert_eq!(t.masks, masks, "{at}: masks");
            worst = worst.max(close_params(&format!("{at}: data gradient"), &t.data_grads, &g.data));
            worst = worst.max(close_params(&format!("{at}: applied gradient"), &t.grads, &g.applied));
            worst = worst.max(close_params(&format!("{at}: parameters"), &t.params, &next));
        }
    }
    eprintln!("largest difference relative to the array's largest entry: {worst:e}");
}

/// `steps(n)` computes the applied gradient once, for the last step, from the values that
/// step kept; it must leave exactly what n calls of `step()` leave (frozen tensors, dropout,
/// L1 in both modes, a diverging run, the two-thread update of the wide network).
#[test]
fn steps_in_one_call_leave_what_single_steps_leave() {
    let bits = |p: &Params| Tensor::ALL.map(|t| p.get(t).iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    for name in [
        "zero_w2",
        "large_init",
        "dropout_slide",
        "l1_proximal",
        "l1_subgradient",
        "regularization/l1_l2",
        "benches/workloads/wide.toml",
        "diverging",
    ] {
        let l = if name == "diverging" {
            from_toml(
                "name = \"diverging\"\n[data]\nsource = \"blobs\"\nsamples = 60\nfeatures = 5\n\
                 classes = 3\n[network]\nhidden = 6\n[train]\nbatch_size = 8\nlearning_rate = 1e200\n\
                 [regularization]\nl2 = { W1 = 1e-3 }\n",
            )
        } else {
            nnviz::load::load(name, None).unwrap()
        };
        let (mut one_call, mut single) = (Trainer::from_loaded(&l), Trainer::from_loaded(&l));
        for n in [1, 5, 2] {
            one_call.steps(n);
            for _ in 0..n {
                single.step();
            }
            let at = format!("{name} step {}", single.step);
            assert_eq!(one_call.step, single.step, "{at}");
            assert_eq!(one_call.diverged, single.diverged, "{at}: diverged");
            assert_eq!(bits(&one_call.params), bits(&single.params), "{at}: parameters");
            assert_eq!(bits(&one_call.prev), bits(&single.prev), "{at}: previous parameters");
            assert_eq!(bits(&one_call.grads), bits(&single.grads), "{at}: applied gradient");
            assert_eq!(bits(&one_call.data_grads), bits(&single.data_grads), "{at}: data gradient");
            assert_eq!(one_call.changes, single.changes, "{at}: change log");
            assert_eq!(one_call.why, single.why, "{at}: why frozen");
        }
        assert_eq!(single.diverged.is_some(), name == "diverging", "{name} diverges");
    }
}

/// The lecture's worked example: dropping input 2 and hidden unit 2 gives logits [60, 132],
/// nothing dropped [120, 273].
#[test]
fn reference_gives_the_lecture_logits() {
    let p = Params {
        w1: array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        b1: Array1::zeros(3),
        w2: array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        b2: Array1::zeros(2),
    };
    let x = array![[0.0, 1.0, 2.0]];
    let masks = Masks { input: array![1.0, 0.0, 1.0], hidden: array![1.0, 0.0, 1.0] };
    assert_eq!(forward(x.view(), &p, &masks).logits, array![[60.0, 132.0]]);
    assert_eq!(forward(x.view(), &p, &Masks::ones(3, 3)).logits, array![[120.0, 273.0]]);
}

/// The reference's applied gradient against central differences of the reference's loss:
/// on retained entries they agree; on a dropped unit's entries the applied gradient is 0
/// while the loss still has the penalty's slope α·w + β·sign(w) (dropping is an update
/// policy, not a derivative). In proximal mode the loss differentiated leaves out the L1
/// term, which the step applies as a threshold instead. Elements whose probes cross a
/// kink (a ReLU changing side, |w| ≤ ε under L1) are skipped.
#[test]
fn reference_gradient_matches_central_differences() {
    let mut checked = 0;
    let mut skipped = 0;
    for (i, &(n, shape)) in [(4, (3, 5, 3)), (6, (4, 7, 2)), (3, (2, 3, 4))].iter().enumerate() {
        let (p, x, y) = case(n, shape, 40 + i as u64);
        for (mask_kind, masks) in mask_kinds(shape.0, shape.1, 50 + i as u64) {
            for (reg_kind, reg) in regs() {
                let in_loss = if reg.l1_in_gradient() { reg } else { Reg { l1: [0.0; 2], ..reg } };
                let eval = |q: &Params| {
                    let f = forward(x.view(), q, &masks);
                    (reference::loss(&f, &y, &q.w1, &q.w2, &in_loss), f.z1.mapv(|z| z > 0.0))
                };
                let applied =
                    reference::backward(&forward(x.view(), &p, &masks), &y, &p.w1, &p.w2, &masks, &reg)
                        .applied;
                let mut probe = p.clone();
                for t in Tensor::ALL {
                    for idx in 0..p.get(t).len() {
                        let w = p.get(t)[idx];
                        probe.get_mut(t)[idx] = w + EPSILON;
                        let (plus, above) = eval(&probe);
                        probe.get_mut(t)[idx] = w - EPSILON;
                        let (minus, below) = eval(&probe);
                        probe.get_mut(t)[idx] = w;
                        let l1 = t.layer().map_or(0.0, |l| in_loss.l1[l]);
                        if above != below || (l1 > 0.0 && w.abs() <= EPSILON) {
                            skipped += 1;
                            continue;
                        }
                        let numeric = (plus - minus) / (2.0 * EPSILON);
                        let analytic = applied.get(t)[idx];
                        let at = format!("{:?} {mask_kind}, {reg_kind}: {} [{idx}]", (n, shape), t.name());
                        let expected = if kept(&masks, t, idx) {
                            analytic
                        } else {
                            assert_eq!(analytic, 0.0, "{at}: a dropped unit's applied gradient");
                            t.layer().map_or(0.0, |l| in_loss.l2[l] * w + in_loss.l1[l] * sign(w))
                        };
                        let bound = ABS_TOLERANCE + REL_TOLERANCE * numeric.abs();
                        assert!(
                            (expected - numeric).abs() <= bound,
                            "{at}: analytic {expected}, numeric {numeric}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(skipped * 20 < checked, "{skipped} of {} elements skipped", checked + skipped);
}

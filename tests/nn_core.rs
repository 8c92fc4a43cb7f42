//! Unit-style tests of the numeric core: the forward pass on the lecture's worked
//! example, softmax stability, the ReLU and sign conventions, argmax ties, the SGD step
//! with proximal L1 and its change log, dropout masks and chunked evaluation.

use ndarray::{Array1, Array2, array, s};
use nnviz::nn::dropout::Dropout;
use nnviz::nn::gradcheck::analytic;
use nnviz::nn::model::{argmax, backward, evaluate, forward, loss_and_grads, sign};
use nnviz::nn::sgd::{ChangeLog, Gradient, Settings, State, Update};
use nnviz::nn::{Grads, Masks, Params, Reg, Tensor, Workspace};
use nnviz::scenario::{DropoutMode, DropoutSpec, L1Mode};
use nnviz::train::ensemble::sub_networks;

/// `sgd::apply` from the data gradient `g`, checking on the way that it records the old
/// values in `prev` and that its applied gradient is `model::regularize`'s.
fn apply(
    p: &mut Params,
    g: &Grads,
    lr: f64,
    reg: &Reg,
    masks: &Masks,
    log: &mut ChangeLog,
    step: u64,
) -> Update {
    let before = p.clone();
    let mut prev = Params::zeros(p.inputs(), p.hidden(), p.classes());
    let bounds = nnviz::nn::sgd::penalty_bounds(p, reg);
    let mut applied = Grads::zeros(p.inputs(), p.hidden(), p.classes());
    nnviz::nn::sgd::apply(
        Settings { lr, reg, bounds: &bounds },
        Gradient { data: g, masks },
        State { params: p, prev: &mut prev, applied: Some(&mut applied), log, step },
    );
    assert_eq!(prev, before);
    let mut expected = Grads::zeros(p.inputs(), p.hidden(), p.classes());
    nnviz::nn::model::regularize(&before, g, reg, masks, &mut expected);
    assert_eq!(applied, expected);
    Update::between(&before, p)
}
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

fn workspace(p: &Params, n: usize) -> Workspace {
    Workspace::new(n, p.inputs(), p.hidden(), p.classes())
}

/// Logits of the rows of `x` (one forward pass).
fn logits(p: &Params, x: &Array2<f64>, masks: &Masks) -> Array2<f64> {
    let mut ws = workspace(p, x.nrows());
    forward(p, x.view(), masks, &mut ws);
    ws.logits.slice(s![..x.nrows(), ..]).to_owned()
}

/// Parameters with every element drawn uniformly from [-1, 1].
fn random_params(d: usize, m: usize, k: usize, seed: u64) -> Params {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut p = Params::zeros(d, m, k);
    for t in Tensor::ALL {
        for v in p.get_mut(t) {
            *v = rng.random_range(-1.0..=1.0);
        }
    }
    p
}

fn dropout_spec(keep_input: f64, keep_hidden: f64, mode: DropoutMode, seed: u64) -> DropoutSpec {
    DropoutSpec { keep_input, keep_hidden, mode, input_mask: None, hidden_mask: None, seed }
}

// ---------------------------------------------------------------- forward pass

/// W1 = [[1,2,3],[4,5,6],[7,8,9]], W2 = [[1,2,3],[4,5,6]], biases 0, x = [0,1,2].
fn lecture_network() -> (Params, Array2<f64>) {
    let p = Params {
        w1: array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        b1: Array1::zeros(3),
        w2: array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        b2: Array1::zeros(2),
    };
    (p, array![[0.0, 1.0, 2.0]])
}

#[test]
fn lecture_dropout_example_gives_exact_logits() {
    let (p, x) = lecture_network();
    // Classic masks input [1,0,1], hidden [1,0,1], through the fixed-mask path of Dropout.
    let spec = DropoutSpec {
        input_mask: Some(vec![true, false, true]),
        hidden_mask: Some(vec![true, false, true]),
        ..dropout_spec(0.5, 0.5, DropoutMode::Classic, 1)
    };
    let mut masks = Masks::ones(3, 3);
    Dropout::new(&spec).draw(&mut masks);
    assert_eq!(masks.input, array![1.0, 0.0, 1.0]);
    assert_eq!(masks.hidden, array![1.0, 0.0, 1.0]);

    let mut ws = workspace(&p, 1);
    forward(&p, x.view(), &masks, &mut ws);
    // x̃ = [0,0,2], z1 = [6,12,18], h̃ = [6,0,18], logits = [6+54, 24+108].
    assert_eq!(ws.z1.row(0), array![6.0, 12.0, 18.0]);
    assert_eq!(ws.h.row(0), array![6.0, 0.0, 18.0]);
    assert_eq!(ws.logits.row(0), array![60.0, 132.0]);

    // Nothing dropped: z1 = [8,17,26], logits = [8+34+78, 32+85+156].
    assert_eq!(logits(&p, &x, &Masks::ones(3, 3)).row(0), array![120.0, 273.0]);

    // Inverted with keep 1/2: kept units are doubled, so the logits are 4× the classic ones.
    let inverted = DropoutSpec { mode: DropoutMode::Inverted, ..spec };
    Dropout::new(&inverted).draw(&mut masks);
    assert_eq!(masks.input, array![2.0, 0.0, 2.0]);
    assert_eq!(logits(&p, &x, &masks).row(0), array![240.0, 528.0]);
}

// ---------------------------------------------------------------- softmax / CE

/// A network whose logits are `b2` for every input (W2 = 0).
fn constant_logits(b2: Array1<f64>) -> Params {
    let k = b2.len();
    Params { w1: array![[1.0]], b1: array![0.5], w2: Array2::zeros((k, 1)), b2 }
}

#[test]
fn cross_entropy_is_stable_for_huge_logits() {
    // logsumexp − logit[y], with logsumexp = c + ln(e^(l0−c) + …) written out by hand.
    let tail = (1.0 + (-1.0f64).exp() + (-2.0f64).exp()).ln();
    for (shift, b2) in [(1001.0, array![1000.0, 1001.0, 999.0]), (-999.0, array![-1000.0, -1001.0, -999.0])] {
        let p = constant_logits(b2.clone());
        let x = array![[1.0], [-2.0], [0.25]];
        let mut ws = workspace(&p, 3);
        forward(&p, x.view(), &Masks::ones(1, 1), &mut ws);
        for y in 0..3 {
            let loss = ws.cross_entropy(&[y, y, y]);
            let expected = tail + (shift - b2[y]);
            assert!(loss.is_finite() && (loss - expected).abs() < 1e-12, "{b2} y={y}: {loss} vs {expected}");
        }
        for row in ws.y_hat.rows() {
            assert!(row.iter().all(|v| v.is_finite() && *v > 0.0), "{row}");
            // ŷ = exp(l − lse) inherits lse's rounding, ~ulp(1000) = 1.1e-13 absolute.
            assert!((row.sum() - 1.0).abs() < 1e-12, "{row}");
        }
        let (loss, g) = loss_and_grads(&p, x.view(), &[0, 1, 2], &Masks::ones(1, 1), &Reg::NONE, &mut ws);
        assert!(loss.is_finite() && g.all_finite());
    }

    // A gap of 2000: exp underflows to exactly 0, the loss is exactly the gap.
    let p = constant_logits(array![1000.0, -1000.0]);
    let mut ws = workspace(&p, 1);
    forward(&p, array![[1.0]].view(), &Masks::ones(1, 1), &mut ws);
    assert_eq!(ws.cross_entropy(&[0]), 0.0);
    assert_eq!(ws.cross_entropy(&[1]), 2000.0);
    assert_eq!(ws.y_hat.row(0), array![1.0, 0.0]);
    let (_, g) = loss_and_grads(&p, array![[1.0]].view(), &[1], &Masks::ones(1, 1), &Reg::NONE, &mut ws);
    assert_eq!(g.b2, array![1.0, -1.0]);
}

// ---------------------------------------------------------------- conventions

#[test]
fn relu_derivative_at_zero_is_zero() {
    // W1 = 0, b1 = 0: z1 = 0 exactly for every example, h = 0.
    let mut p = random_params(3, 4, 3, 11);
    p.w1.fill(0.0);
    p.b1.fill(0.0);
    assert!(p.w2.iter().all(|&w| w != 0.0));
    let x = array![[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]];
    let y = [2, 0];
    let reg = Reg { l2: [0.5, 0.5], l1: [0.0; 2], l1_mode: L1Mode::Subgradient };
    for reg in [Reg::NONE, reg] {
        let mut ws = workspace(&p, 2);
        let (_, g) = loss_and_grads(&p, x.view(), &y, &Masks::ones(3, 4), &reg, &mut ws);
        assert!(g.w1.iter().all(|&v| v == 0.0), "{}", g.w1);
        assert!(g.b1.iter().all(|&v| v == 0.0), "{}", g.b1);
        // h = 0 as well, so W2 gets only its L2 term; b2 still learns.
        assert_eq!(g.w2, &p.w2 * reg.l2[1]);
        assert!(g.b2.iter().all(|&v| v != 0.0), "{}", g.b2);
    }
}

#[test]
fn sign_of_zero_is_zero() {
    assert_eq!(sign(0.0), 0.0);
    assert_eq!(sign(-0.0), 0.0);
    assert_eq!(sign(2.5), 1.0);
    assert_eq!(sign(-1e-300), -1.0);
    assert_eq!(sign(f64::INFINITY), 1.0);
}

#[test]
fn l1_subgradient_adds_nothing_at_zero_weights() {
    // b1 > 0 keeps every unit active, so W1's data gradient is nonzero although W1 = 0.
    let mut p = random_params(2, 3, 2, 5);
    p.w1.fill(0.0);
    p.b1 = array![0.5, 1.0, 0.25];
    let x = array![[1.0, -0.5], [0.75, 2.0]];
    let y = [1, 0];
    let masks = Masks::ones(2, 3);
    let l1 = Reg { l2: [0.0; 2], l1: [0.7, 0.0], l1_mode: L1Mode::Subgradient };
    let data = analytic(&p, x.view(), &y, &masks, &Reg::NONE);
    assert!(data.w1.iter().all(|&v| v != 0.0), "{}", data.w1);
    let mut ws = workspace(&p, 2);
    let (_, g) = loss_and_grads(&p, x.view(), &y, &masks, &l1, &mut ws);
    assert_eq!(g.w1, data.w1);

    // Mixed: zero weights get nothing, the others ±l1.
    p.w1 = array![[0.0, 0.5], [-0.25, 0.0], [0.0, 0.0]];
    let data = analytic(&p, x.view(), &y, &masks, &Reg::NONE);
    let (_, g) = loss_and_grads(&p, x.view(), &y, &masks, &l1, &mut ws);
    let added = &g.w1 - &data.w1;
    let expected = array![[0.0, 0.7], [-0.7, 0.0], [0.0, 0.0]];
    assert!(added.iter().zip(&expected).all(|(a, e)| (a - e).abs() < 1e-15), "{added}");
    assert!(added.iter().zip(&expected).all(|(a, e)| (*e == 0.0) == (*a == 0.0)), "{added}");
}

#[test]
fn argmax_ties_go_to_the_lowest_class() {
    assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
    assert_eq!(argmax(&[2.0, 2.0]), 0);
    assert_eq!(argmax(&[-1.0, -1.0, -1.0]), 0);
    assert_eq!(argmax(&[0.0, 5.0]), 1);
    assert_eq!(argmax(&[-0.0, 0.0]), 0);
    assert_eq!(argmax(&[7.0]), 0);

    let p = constant_logits(array![2.0, 2.0, 1.0]);
    let x = array![[1.0], [3.0]];
    let mut ws = workspace(&p, 2);
    forward(&p, x.view(), &Masks::ones(1, 1), &mut ws);
    assert_eq!(ws.correct(&[0, 0]), 2);
    assert_eq!(ws.correct(&[0, 1]), 1);
    assert_eq!(ws.correct(&[1, 1]), 0);
    assert_eq!(ws.correct(&[2, 2]), 0);

    let p = constant_logits(array![0.0, 3.0, 3.0]);
    forward(&p, x.view(), &Masks::ones(1, 1), &mut ws);
    assert_eq!(ws.correct(&[1, 2]), 1);
    let (_, acc) = evaluate(&p, x.view(), &[1, 2], &Masks::ones(1, 1), &mut ws).expect("two rows");
    assert_eq!(acc, 0.5);
}

// ---------------------------------------------------------------- SGD

fn proximal(l1: [f64; 2]) -> Reg {
    Reg { l2: [0.0; 2], l1, l1_mode: L1Mode::Proximal }
}

#[test]
fn proximal_step_soft_thresholds_to_exact_zeros() {
    let mut p = Params::zeros(2, 2, 2);
    p.w1 = array![[1.0, 0.25], [0.1, -1.0]];
    p.b1 = array![0.1, -0.05];
    p.w2 = array![[0.01, -0.01], [2.0, 0.0]];
    let mut g = Grads::zeros(2, 2, 2);
    g.w1 = array![[1.0, 0.25], [0.0, 0.0]];
    g.b1 = array![0.0, 0.5];

    // lr·l1 = 0.125 on W1; W2 has no L1, biases are never thresholded.
    let (lr, reg) = (0.5, proximal([0.25, 0.0]));
    let mut q = p.clone();
    let mut log = ChangeLog::new(&p);
    apply(&mut q, &g, lr, &reg, &Masks::ones(2, 2), &mut log, 1);
    // 1 − 0.5 = 0.5 → 0.375; 0.25 − 0.125 = 0.125 (= lr·l1) → 0; 0.1 → 0; −1 → −0.875.
    assert_eq!(q.w1, array![[0.375, 0.0], [0.0, -0.875]]);
    assert_eq!(q.b1, array![0.1, -0.3]);
    assert_eq!(q.w2, p.w2);
    assert_eq!(q.b2, p.b2);

    // The same step in subgradient mode: l1·sign(w) joins the gradient, no threshold.
    // 1 − 0.5·1.25 = 0.375; 0.25 − 0.5·0.5 = 0; 0.1 − 0.5·0.25 = −0.025; −1 + 0.125.
    let mut q = p.clone();
    let reg = Reg { l1_mode: L1Mode::Subgradient, ..reg };
    apply(&mut q, &g, lr, &reg, &Masks::ones(2, 2), &mut ChangeLog::new(&p), 1);
    assert_eq!(q.w1, array![[0.375, 0.0], [0.1 - 0.125, -0.875]]);
}

#[test]
fn dropped_units_are_untouched_and_not_thresholded() {
    // Small weights, a threshold lr·l1 = 0.5 far above every |w − lr·g|: every retained
    // weight becomes exactly 0, every dropped unit's weight keeps its bits.
    let mut p = random_params(3, 4, 2, 21);
    for t in Tensor::ALL {
        for v in p.get_mut(t) {
            *v *= 0.05;
        }
    }
    let x = array![[0.5, -0.25, 1.0], [-1.0, 0.5, 0.75], [0.2, 0.1, -0.3]];
    let y = [0, 1, 1];
    // Input 1 and hidden units 0 and 2 dropped.
    let masks = Masks { input: array![1.0, 0.0, 1.0], hidden: array![0.0, 1.0, 0.0, 1.0] };
    let reg = proximal([1.0, 1.0]);
    let mut ws = workspace(&p, 3);
    let (_, g) = loss_and_grads(&p, x.view(), &y, &masks, &reg, &mut ws);
    let mut q = p.clone();
    let mut log = ChangeLog::new(&p);
    apply(&mut q, &g, 0.5, &reg, &masks, &mut log, 1);

    for ((j, i), &w) in q.w1.indexed_iter() {
        if masks.hidden_kept(j) && masks.input_kept(i) {
            assert_eq!(w, 0.0, "W1[{j}, {i}]");
        } else {
            assert_eq!(w.to_bits(), p.w1[[j, i]].to_bits(), "W1[{j}, {i}]");
        }
    }
    for ((c, j), &w) in q.w2.indexed_iter() {
        let expected = if masks.hidden_kept(j) { 0.0 } else { p.w2[[c, j]] };
        assert_eq!(w.to_bits(), expected.to_bits(), "W2[{c}, {j}]");
    }
    for (j, &b) in q.b1.iter().enumerate() {
        if masks.hidden_kept(j) {
            assert_eq!(b, p.b1[j] - 0.5 * g.b1[j], "b1[{j}]");
        } else {
            assert_eq!(b.to_bits(), p.b1[j].to_bits(), "b1[{j}]");
        }
    }
    // W1: 2 kept inputs × 2 kept units changed; W2: 2 classes × 2 kept units.
    assert_eq!(log.unchanged(Tensor::W1), 12 - 4);
    assert_eq!(log.unchanged(Tensor::W2), 8 - 4);
    assert_eq!(log.unchanged(Tensor::B1), 2);
    assert_eq!(log.unchanged(Tensor::B2), 0);
}

#[test]
fn change_log_counts_unchanged_elements_and_the_first_change() {
    let mut p = Params::zeros(2, 2, 2);
    p.fill(1.0);
    let mut log = ChangeLog::new(&p);
    let totals = [4, 2, 4, 2];
    for (t, total) in Tensor::ALL.into_iter().zip(totals) {
        assert_eq!((log.total(t), log.unchanged(t), log.first_change_step(t)), (total, total, None));
        assert!(log.is_frozen(t));
    }
    let step = |p: &mut Params, log: &mut ChangeLog, g: &Grads, n: u64| {
        apply(p, g, 0.5, &Reg::NONE, &Masks::ones(2, 2), log, n)
    };

    // Step 1: a zero gradient changes nothing.
    let mut g = Grads::zeros(2, 2, 2);
    step(&mut p, &mut log, &g, 1);
    assert!(Tensor::ALL.iter().all(|&t| log.is_frozen(t) && log.first_change_step(t).is_none()));

    // Step 2: W1[0, 0] changes.
    g.w1[[0, 0]] = 1.0;
    step(&mut p, &mut log, &g, 2);
    assert_eq!((log.unchanged(Tensor::W1), log.first_change_step(Tensor::W1)), (3, Some(2)));
    assert!(log.ever_changed(Tensor::W1, 0) && !log.ever_changed(Tensor::W1, 1));
    assert!(!log.is_frozen(Tensor::W1) && log.is_frozen(Tensor::B1));

    // Step 3: W1[0, 0] again (counted once) and W1[1, 1] newly; b2[0] gets a gradient too
    // small to move 1.0 (1 − 5e-18 rounds to 1), which is no change.
    g.w1[[1, 1]] = 1.0;
    g.b2[0] = 1e-17;
    step(&mut p, &mut log, &g, 3);
    assert_eq!(p.w1[[0, 0]], 0.0);
    assert_eq!(p.b2[0], 1.0);
    assert_eq!((log.unchanged(Tensor::W1), log.first_change_step(Tensor::W1)), (2, Some(2)));
    assert!(log.ever_changed(Tensor::W1, 3));
    assert!(log.is_frozen(Tensor::B2) && log.first_change_step(Tensor::B2).is_none());

    // Step 4: W1[0, 0] returns to its initial 1.0 but has still changed at some point;
    // b1[1] changes for the first time.
    let mut g = Grads::zeros(2, 2, 2);
    g.w1[[0, 0]] = -2.0;
    g.b1[1] = 2.0;
    step(&mut p, &mut log, &g, 4);
    assert_eq!(p.w1[[0, 0]], 1.0);
    assert!(log.ever_changed(Tensor::W1, 0));
    assert_eq!((log.unchanged(Tensor::W1), log.first_change_step(Tensor::W1)), (2, Some(2)));
    assert_eq!((log.unchanged(Tensor::B1), log.first_change_step(Tensor::B1)), (1, Some(4)));
    assert_eq!((log.unchanged(Tensor::W2), log.first_change_step(Tensor::W2)), (4, None));
}

#[test]
fn update_ratio_is_none_when_either_norm_is_zero() {
    let mut p = Params::zeros(2, 2, 2);
    p.w2.fill(1.0);
    p.b1 = array![3.0, 4.0];
    let mut g = Grads::zeros(2, 2, 2);
    g.w1.fill(1.0); // ‖W1‖ = 0, ‖ΔW1‖ > 0
    g.b1 = array![1.0, 0.0]; // ‖b1‖ = 5, ‖Δb1‖ = 0.5
    // W2: ‖W2‖ = 2, ‖ΔW2‖ = 0; b2: both 0.
    let mut log = ChangeLog::new(&p);
    let u = apply(&mut p, &g, 0.5, &Reg::NONE, &Masks::ones(2, 2), &mut log, 1);
    assert_eq!(u.before_norm, [0.0, 5.0, 2.0, 0.0]);
    assert_eq!(u.delta_norm, [1.0, 0.5, 0.0, 0.0]);
    assert_eq!(u.ratio(Tensor::W1), None);
    assert_eq!(u.ratio(Tensor::W2), None);
    assert_eq!(u.ratio(Tensor::B2), None);
    let r = u.ratio(Tensor::B1).expect("both norms positive");
    assert!((r + 1.0).abs() < 1e-15, "{r}");

    // The soft threshold is part of ΔW: 0.1 → 0 with a zero gradient.
    let mut p = Params::zeros(1, 1, 2);
    p.w1[[0, 0]] = 0.1;
    let g = Grads::zeros(1, 1, 2);
    let mut log = ChangeLog::new(&p);
    let u = apply(&mut p, &g, 0.5, &proximal([0.5, 0.0]), &Masks::ones(1, 1), &mut log, 1);
    assert_eq!(p.w1[[0, 0]], 0.0);
    assert_eq!(u.delta_norm[0], 0.1);
    assert_eq!(u.ratio(Tensor::W1), Some(0.0));
}

// ---------------------------------------------------------------- dropout
// Masks drawn in a row from a fresh `Dropout` are what `ensemble::sub_networks` returns,
// so the tests below draw through it.

#[test]
fn dropout_draws_are_seeded_fresh_and_scaled() {
    let (d, m) = (50, 40);
    let spec = dropout_spec(0.5, 0.8, DropoutMode::Inverted, 7);
    let a = sub_networks(&spec, d, m, 200);
    assert_eq!(a, sub_networks(&spec, d, m, 200), "same seed, same masks");
    let other = dropout_spec(0.5, 0.8, DropoutMode::Inverted, 8);
    assert_ne!(a, sub_networks(&other, d, m, 200), "another seed");
    for w in a.windows(2) {
        assert_ne!(w[0].input, w[1].input, "a fresh input mask each step");
        assert_ne!(w[0].hidden, w[1].hidden, "a fresh hidden mask each step");
    }
    // Kept units carry 1/keep, and about a keep fraction is kept.
    for (layer, keep, len) in [(0, 0.5, d), (1, 0.8, m)] {
        let values = a.iter().flat_map(|masks| if layer == 0 { &masks.input } else { &masks.hidden });
        let mut kept = 0;
        for &v in values {
            assert!(v == 0.0 || v == 1.0 / keep, "{v}");
            kept += usize::from(v != 0.0);
        }
        let fraction = kept as f64 / (len * a.len()) as f64;
        assert!((fraction - keep).abs() < 0.02, "layer {layer}: kept {fraction}");
    }

    // Classic: kept units carry 1.
    let classic = dropout_spec(0.5, 0.8, DropoutMode::Classic, 7);
    for masks in sub_networks(&classic, d, m, 20) {
        assert!(masks.input.iter().chain(&masks.hidden).all(|&v| v == 0.0 || v == 1.0));
    }
}

#[test]
fn dropout_fixed_layers_and_keep_one_do_not_use_the_generator() {
    let (d, m) = (6, 30);
    let random_hidden = dropout_spec(1.0, 0.5, DropoutMode::Inverted, 3);
    assert!(Dropout::new(&random_hidden).active());
    let reference = sub_networks(&random_hidden, d, m, 10);
    assert!(reference.iter().all(|masks| masks.input == Array1::<f64>::ones(d)));

    // A fixed input mask draws nothing: the hidden masks are the same sequence.
    let fixed = vec![true, false, true, true, false, true];
    let fixed_input = DropoutSpec { input_mask: Some(fixed.clone()), ..random_hidden.clone() };
    let masks = sub_networks(&fixed_input, d, m, 10);
    for (a, b) in masks.iter().zip(&reference) {
        assert_eq!(a.hidden, b.hidden);
        let expected: Array1<f64> = fixed.iter().map(|&k| if k { 1.0 } else { 0.0 }).collect();
        assert_eq!(a.input, expected, "inverted scale 1/keep_input = 1");
    }
    // A random input layer does draw, so the hidden sequence moves on.
    let both = dropout_spec(0.5, 0.5, DropoutMode::Inverted, 3);
    let masks = sub_networks(&both, d, m, 10);
    assert!(masks.iter().zip(&reference).any(|(a, b)| a.hidden != b.hidden));

    let none = dropout_spec(1.0, 1.0, DropoutMode::Inverted, 3);
    assert!(!Dropout::new(&none).active());
    assert!(sub_networks(&none, d, m, 3).iter().all(|masks| *masks == Masks::ones(d, m)));
    assert!(Dropout::new(&DropoutSpec { hidden_mask: Some(vec![true; m]), ..none }).active());
}

#[test]
fn dropout_eval_masks() {
    let classic = Dropout::new(&dropout_spec(0.75, 0.5, DropoutMode::Classic, 1));
    let masks = classic.eval_masks(3, 4);
    assert_eq!(masks.input, Array1::from_elem(3, 0.75));
    assert_eq!(masks.hidden, Array1::from_elem(4, 0.5));
    let inverted = Dropout::new(&dropout_spec(0.75, 0.5, DropoutMode::Inverted, 1));
    assert_eq!(inverted.eval_masks(3, 4), Masks::ones(3, 4));

    // Classic evaluation is the lecture's "multiply W1 by keep_input, W2 by keep_hidden".
    let (p, x) = lecture_network();
    let masks = classic.eval_masks(3, 3);
    let scaled = Params { w1: &p.w1 * 0.75, w2: &p.w2 * 0.5, ..p.clone() };
    assert_eq!(logits(&p, &x, &masks), logits(&scaled, &x, &Masks::ones(3, 3)));
}

// ---------------------------------------------------------------- evaluation

#[test]
fn evaluate_in_chunks_matches_one_chunk() {
    let (n, d, m, k) = (10, 3, 5, 3);
    let p = random_params(d, m, k, 99);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(100);
    let x = Array2::from_shape_simple_fn((n, d), || rng.random_range(-2.0..=2.0));
    let y: Vec<usize> = (0..n).map(|i| (i * 7) % k).collect();
    let classic = Dropout::new(&dropout_spec(0.8, 0.6, DropoutMode::Classic, 0)).eval_masks(d, m);

    for masks in [Masks::ones(d, m), classic] {
        let mut ws = workspace(&p, n);
        forward(&p, x.view(), &masks, &mut ws);
        let (loss, correct) = (ws.cross_entropy(&y), ws.correct(&y));
        let (whole, acc) = evaluate(&p, x.view(), &y, &masks, &mut ws).expect("ten rows");
        // One chunk: (ce · n) / n, equal to ce up to an ulp.
        assert!((whole - loss).abs() < 1e-15 * loss, "{whole} vs {loss}");
        assert_eq!(acc, correct as f64 / n as f64);
        assert!(0 < correct && correct < n, "a split with right and wrong rows: {correct}");

        for capacity in [1, 2, 3, 4, 7, 9, 16] {
            let mut ws = workspace(&p, capacity);
            let (chunked, chunked_acc) = evaluate(&p, x.view(), &y, &masks, &mut ws).expect("ten rows");
            assert!((chunked - whole).abs() < 1e-12, "capacity {capacity}: {chunked} vs {whole}");
            assert_eq!(chunked_acc, acc, "capacity {capacity}");
        }
    }

    let empty = Array2::<f64>::zeros((0, d));
    assert_eq!(evaluate(&p, empty.view(), &[], &Masks::ones(d, m), &mut workspace(&p, 4)), None);
}

/// The training step's cheap finiteness check of the batch loss (the answer `backward`
/// gives from its pass over ŷ − Y) agrees with the loss itself on every combination of
/// special logits (NaN, ±∞, huge, ordinary), with 2, 3 and 4 classes.
#[test]
fn cross_entropy_finiteness_check_agrees_with_the_loss() {
    let specials = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        1e300,
        -1e300,
        f64::MAX,
        -f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        800.0,
        -800.0,
    ];
    for &a in &specials {
        for &b in &specials {
            for logits in [array![a, b], array![a, 0.5, b], array![a, 0.5, b, -1.0]] {
                let p = constant_logits(logits.clone());
                let mut ws = workspace(&p, 3);
                let masks = Masks::ones(1, 1);
                forward(&p, array![[1.0], [0.5], [-2.0]].view(), &masks, &mut ws);
                for y in [[0, 0, 0], [1, 1, 1], [0, 1, 0]] {
                    let exact = ws.cross_entropy(&y).is_finite();
                    let mut grads = Grads::zeros(1, 1, logits.len());
                    let from_backward = backward(&p, &y, &masks, &mut ws, &mut grads);
                    assert_eq!(from_backward, exact, "backward, logits {logits}, labels {y:?}");
                }
            }
        }
    }
}

/// A workspace's activation and gradient buffers (those not empty) start on a 64-byte
/// boundary (so the product loops' vector loads do not straddle cache lines), are zero,
/// and have their shapes.
#[test]
fn workspace_buffers_are_aligned_zeros() {
    for (capacity, d, m, k) in [(16, 2, 16, 3), (32, 64, 32, 10), (7, 3, 5, 2), (0, 4, 4, 2), (1, 1, 1, 1)] {
        let ws = Workspace::new(capacity, d, m, k);
        let buffers =
            [(&ws.xt, d), (&ws.z1, m), (&ws.h, m), (&ws.logits, k), (&ws.y_hat, k), (&ws.err, k), (&ws.g, m)];
        for (i, (a, cols)) in buffers.into_iter().enumerate() {
            assert_eq!(a.dim(), (capacity, cols), "buffer {i}");
            if !a.is_empty() {
                assert_eq!(a.as_ptr() as usize % 64, 0, "buffer {i} of {capacity}×{cols}");
            }
            assert!(a.as_slice().is_some_and(|s| s.iter().all(|&v| v == 0.0)), "buffer {i}");
        }
    }
}

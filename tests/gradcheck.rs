//! Property tests of the gradient: central differences (`gradcheck::check`) against the
//! analytic gradient (`gradcheck::analytic`) over random small networks, batches, L1/L2
//! strengths in both L1 modes and fixed dropout masks in both dropout modes; and the
//! applied gradient of `loss_and_grads` against the analytic one.
//!
//! # Tolerance
//!
//! `check` reports |a − n| / max(|a|, |n|, 1e-8) per tensor, where n is the central
//! difference (L(w+ε) − L(w−ε)) / 2ε with ε = 1e-6. Its error has two parts:
//!
//! - truncation, ε²/6 · L‴: relative to the gradient it stays below ~1e-9 for these
//!   sizes (measured ≲ 1e-10 where the gradient is not tiny);
//! - rounding: each f64 evaluation of L is off by a few ulps of the largest quantities it
//!   sums — the logits entering logsumexp − logit[y], the summed cross-entropy, the
//!   penalty — call their size S. The difference over 2ε is then off by ~u·S/ε in
//!   *absolute* terms (u = 2.2e-16), independent of the gradient's size.
//!
//! With inverted dropout scales up to 1/0.3 the logits reach ~100, so that floor is
//! ~1e-8, i.e. as large as the 1e-8 floor of `rel_error` itself. Where the softmax
//! saturates the true gradient is ~1e-12..1e-6 and a purely relative bound fails by
//! rounding alone: over 2·10⁵ random cases drawn much like the ones below, about 2% of
//! tensors (7% of cases) had max_rel_error > 1e-5, the worst ~0.4, every one of them
//! within ~u·S/ε of the analytic value — so `max_rel_error < 1e-5` on its own would
//! fail nearly every run of 128 cases. An element passes when
//!
//!   rel_error(a, n) ≤ REL_TOL = 1e-6   or   |a − n| ≤ ROUNDING_ULPS · u · S / ε.
//!
//! Measured margins: over 10⁵ cases of this file ROUNDING_ULPS = 1 still passed and 0.5
//! did not, so 4 leaves a factor 4 (with no relative part at all, 1.8 was needed, by
//! large gradients with small S). No element exceeded the floor by more than 1e-7
//! relative (truncation is ~1e-10), so REL_TOL = 1e-6 — ten times tighter than the
//! usual 1e-5 — is still robust, and it keeps a 1e-3 error detectable even in the
//! largest gradients (|g| < 92 here), which 1e-5 would only just do.
//!
//! `check`'s report holds only the largest error per tensor, so to name the offending
//! element the test recomputes every central difference with the same loss evaluations
//! and asserts it reproduces `check`'s maxima and counts exactly.

use ndarray::{Array1, Array2};
use nnviz::nn::gradcheck::{EPSILON, Report, analytic, check, rel_error};
use nnviz::nn::model::{forward, loss_and_grads, penalty, sign};
use nnviz::nn::{Grads, Masks, Params, Reg, Tensor, Workspace};
use nnviz::scenario::L1Mode;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

/// Relative error every element must meet unless it is within the rounding floor.
const REL_TOL: f64 = 1e-6;
/// The rounding floor, in units of u·S/ε (see the module comment).
const ROUNDING_ULPS: f64 = 4.0;
/// The deliberate error of the "wrong gradient" tests.
const WRONG_BY: f64 = 1e-3;

/// A network, a batch, regularization and fixed dropout masks.
#[derive(Clone, Debug)]
struct Case {
    p: Params,
    x: Array2<f64>,
    y: Vec<usize>,
    masks: Masks,
    reg: Reg,
}

impl Case {
    fn dims(&self) -> (usize, usize, usize) {
        (self.p.inputs(), self.p.hidden(), self.p.classes())
    }

    fn workspace(&self) -> Workspace {
        let (d, m, k) = self.dims();
        Workspace::new(self.x.nrows(), d, m, k)
    }

    /// Whether element `idx` of `t` belongs to the network that survives the masks.
    fn kept(&self, t: Tensor, idx: usize) -> bool {
        let (d, m, _) = self.dims();
        match t {
            Tensor::W1 => self.masks.hidden_kept(idx / d) && self.masks.input_kept(idx % d),
            Tensor::B1 => self.masks.hidden_kept(idx),
            Tensor::W2 => self.masks.hidden_kept(idx % m),
            Tensor::B2 => true,
        }
    }
}

/// "W1[j, i]" for row-major element `idx`.
fn name(p: &Params, t: Tensor, idx: usize) -> String {
    match t {
        Tensor::W1 => format!("W1[{}, {}]", idx / p.inputs(), idx % p.inputs()),
        Tensor::W2 => format!("W2[{}, {}]", idx / p.hidden(), idx % p.hidden()),
        _ => format!("{}[{idx}]", t.name()),
    }
}

/// The regularization inside the differentiated loss: no L1 in proximal mode.
fn loss_reg(reg: &Reg) -> Reg {
    if reg.l1_mode == L1Mode::Proximal { Reg { l1: [0.0; 2], ..*reg } } else { *reg }
}

/// A value in [-2, 2], exactly 0 one time in eight: exact zeros put whole hidden units
/// on the ReLU kink (zero row of W1 and zero bias) and weights on the L1 kink, so the
/// skip paths of `check` are exercised.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 7 => -2.0..=2.0f64]
}

/// A regularization strength: 0 or in [0, 0.5].
fn strength() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..=0.5f64]
}

/// A fixed mask: each unit kept with probability 0.7, a kept unit multiplied by
/// 1/keep (inverted, keep in [0.3, 1]) or 1 (classic).
fn mask(len: usize, inverted: bool) -> impl Strategy<Value = Array1<f64>> {
    (vec(proptest::bool::weighted(0.7), len), 0.3..=1.0f64).prop_map(move |(kept, keep)| {
        let s = if inverted { 1.0 / keep } else { 1.0 };
        kept.iter().map(|&k| if k { s } else { 0.0 }).collect()
    })
}

fn case() -> impl Strategy<Value = Case> {
    (1..=5usize, 1..=6usize, 2..=4usize, 1..=8usize, any::<bool>()).prop_flat_map(|(d, m, k, n, inverted)| {
        let params = (vec(value(), m * d), vec(value(), m), vec(value(), k * m), vec(value(), k));
        let batch = (vec(value(), n * d), vec(0..k, n));
        let masks = (mask(d, inverted), mask(m, inverted));
        let reg = (strength(), strength(), strength(), strength(), any::<bool>());
        (params, batch, masks, reg).prop_map(
            move |((w1, b1, w2, b2), (x, y), (input, hidden), (l2a, l2b, l1a, l1b, proximal))| Case {
                p: Params {
                    w1: Array2::from_shape_vec((m, d), w1).expect("m×d values"),
                    b1: Array1::from(b1),
                    w2: Array2::from_shape_vec((k, m), w2).expect("k×m values"),
                    b2: Array1::from(b2),
                },
                x: Array2::from_shape_vec((n, d), x).expect("n×d values"),
                y,
                masks: Masks { input, hidden },
                reg: Reg {
                    l2: [l2a, l2b],
                    l1: [l1a, l1b],
                    l1_mode: if proximal { L1Mode::Proximal } else { L1Mode::Subgradient },
                },
            },
        )
    })
}

/// One element as the check sees it: `numeric` is `None` for an element within ε of a
/// kink.
#[derive(Clone, Copy, Debug)]
struct Element {
    t: Tensor,
    idx: usize,
    analytic: f64,
    numeric: Option<f64>,
}

/// Whether moving element `idx` of `t` by ±ε crosses a kink of the differentiated loss,
/// decided from the unperturbed pre-activations (independently of how `check` detects
/// it): some example's z1 of the unit changes sign, or |w| of an L1 term in the loss.
fn at_kink(case: &Case, ws: &Workspace, reg: &Reg, t: Tensor, idx: usize) -> bool {
    let (d, _, _) = case.dims();
    let n = case.x.nrows();
    let crosses = |z: f64, dz: f64| (z + dz > 0.0) != (z - dz > 0.0);
    let relu = match t {
        Tensor::W1 => (0..n).any(|r| crosses(ws.z1[[r, idx / d]], EPSILON * ws.xt[[r, idx % d]])),
        Tensor::B1 => (0..n).any(|r| crosses(ws.z1[[r, idx]], EPSILON)),
        Tensor::W2 | Tensor::B2 => false,
    };
    let l1 = t.layer().is_some_and(|l| reg.l1[l] > 0.0) && case.p.get(t)[idx].abs() <= EPSILON;
    relu || l1
}

/// Every element's central difference, computed like `check` computes it, and the
/// rounding floor ROUNDING_ULPS·u·S/ε of this case.
fn elements(case: &Case, grads: &Grads) -> (Vec<Element>, f64) {
    let reg = loss_reg(&case.reg);
    let mut ws = case.workspace();
    let loss = |q: &Params, ws: &mut Workspace| {
        forward(q, case.x.view(), &case.masks, ws);
        ws.cross_entropy(&case.y) + penalty(q, &reg)
    };
    forward(&case.p, case.x.view(), &case.masks, &mut ws);
    let max_logit = ws.logits.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let scale = ws.cross_entropy(&case.y) + penalty(&case.p, &reg) + max_logit;
    let floor = ROUNDING_ULPS * f64::EPSILON * scale / EPSILON;
    let base = ws.clone();

    let mut probe = case.p.clone();
    let mut out = Vec::new();
    for t in Tensor::ALL {
        for idx in 0..case.p.get(t).len() {
            let w = case.p.get(t)[idx];
            probe.get_mut(t)[idx] = w + EPSILON;
            let plus = loss(&probe, &mut ws);
            probe.get_mut(t)[idx] = w - EPSILON;
            let minus = loss(&probe, &mut ws);
            probe.get_mut(t)[idx] = w;
            let numeric = (!at_kink(case, &base, &reg, t, idx)).then(|| (plus - minus) / (2.0 * EPSILON));
            out.push(Element { t, idx, analytic: grads.get(t)[idx], numeric });
        }
    }
    (out, floor)
}

/// The element passes the bound of the module comment.
fn within(a: f64, n: f64, floor: f64) -> bool {
    rel_error(a, n) <= REL_TOL || (a - n).abs() <= floor
}

/// `check`'s counts and maxima agree with the recomputation, and every element
/// passes `within`; on failure, names the element with both numbers.
fn verify(case: &Case, report: &Report, elems: &[Element], floor: f64) -> Result<(), TestCaseError> {
    for t in Tensor::ALL {
        let ti = t as usize;
        let len = case.p.get(t).len();
        prop_assert_eq!(
            report.skipped[ti] + report.checked[ti],
            len,
            "{}: skipped {} + checked {} is not its {} elements",
            t.name(),
            report.skipped[ti],
            report.checked[ti],
            len
        );
        let mine: Vec<&Element> = elems.iter().filter(|e| e.t == t).collect();
        let skipped = mine.iter().filter(|e| e.numeric.is_none()).count();
        prop_assert_eq!(report.skipped[ti], skipped, "{}: elements within ε of a kink", t.name());
        let mut max = 0.0f64;
        for e in &mine {
            let Some(n) = e.numeric else { continue };
            let a = e.analytic;
            prop_assert!(
                within(a, n, floor),
                "{}: analytic {:e}, numeric {:e}: rel error {:e} > {:e} and |a − n| = {:e} > \
                 rounding floor {:e}",
                name(&case.p, t, e.idx),
                a,
                n,
                rel_error(a, n),
                REL_TOL,
                (a - n).abs(),
                floor
            );
            max = max.max(rel_error(a, n));
        }
        // The same loss evaluations and the same formula: the same bits.
        prop_assert_eq!(report.max_rel_error[ti], max, "{}: check's max_rel_error", t.name());
    }
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    // No regression files: this checkout's tests directory holds only source.
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(128))]

    /// The analytic gradient matches central differences for every checked element.
    #[test]
    fn analytic_gradient_matches_central_differences(case in case()) {
        let grads = analytic(&case.p, case.x.view(), &case.y, &case.masks, &case.reg);
        let report = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &grads);
        let (elems, floor) = elements(&case, &grads);
        verify(&case, &report, &elems, floor)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// One analytic element off by 1e-3 shows up in that tensor's max_rel_error, and
    /// in no other tensor's.
    #[test]
    fn a_wrong_element_is_caught(case in case(), pick in any::<Index>(), down in any::<bool>()) {
        let grads = analytic(&case.p, case.x.view(), &case.y, &case.masks, &case.reg);
        let (elems, floor) = elements(&case, &grads);
        // b2 is never at a kink, so there is always a checked element.
        let checked: Vec<&Element> = elems.iter().filter(|e| e.numeric.is_some()).collect();
        let e = *checked[pick.index(checked.len())];
        let numeric = e.numeric.unwrap_or_default();
        let delta = if down { -WRONG_BY } else { WRONG_BY };
        let mut wrong = grads.clone();
        wrong.get_mut(e.t)[e.idx] += delta;

        let before = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &grads);
        let after = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &wrong);
        let ti = e.t as usize;
        let err = rel_error(e.analytic + delta, numeric);
        prop_assert_eq!(after.max_rel_error[ti], before.max_rel_error[ti].max(err));
        prop_assert!(
            !within(e.analytic + delta, numeric, floor),
            "{} off by {:e} passes: analytic {:e}, numeric {:e}, rel error {:e}",
            name(&case.p, e.t, e.idx), delta, e.analytic, numeric, err
        );
        // |a| ≤ 2·|W2|·s_h·|x|·s_x + l2·|w| + l1 ≤ 2·2·(1/0.3)·2·(1/0.3) + 1 + 0.5 < 92,
        // so a 1e-3 error is at least 1e-5 relative.
        prop_assert!(after.max_rel_error[ti] > 1e-5, "{:?}", after);
        for t in Tensor::ALL.into_iter().filter(|&t| t != e.t) {
            prop_assert_eq!(after.max_rel_error[t as usize], before.max_rel_error[t as usize]);
        }
        prop_assert_eq!((after.skipped, after.checked), (before.skipped, before.checked));
    }

    /// The applied gradient is the analytic one on the retained network and exactly 0 on
    /// dropped units' entries: data + L2 + L1·sign(w) in subgradient mode, data + L2 in
    /// proximal mode (where L1 is a soft threshold after the step).
    #[test]
    fn applied_gradient_is_the_analytic_one_on_the_retained_network(case in case()) {
        let mut ws = case.workspace();
        let (loss, applied) =
            loss_and_grads(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &mut ws);
        let full = analytic(&case.p, case.x.view(), &case.y, &case.masks, &case.reg);
        let data = analytic(&case.p, case.x.view(), &case.y, &case.masks, &Reg::NONE);
        let reg = case.reg;
        let l1_in_gradient = reg.l1_mode == L1Mode::Subgradient;

        for t in Tensor::ALL {
            for idx in 0..case.p.get(t).len() {
                let (g, d) = (applied.get(t)[idx], data.get(t)[idx]);
                let at = name(&case.p, t, idx);
                if !case.kept(t, idx) {
                    prop_assert_eq!(g, 0.0, "applied gradient of dropped {}", at);
                    prop_assert_eq!(d, 0.0, "data gradient of dropped {}", at);
                    continue;
                }
                // Bit for bit: both come from the same forward, backward and regularize.
                prop_assert_eq!(g, full.get(t)[idx], "applied vs analytic at {}", at);
                let w = case.p.get(t)[idx];
                let term = t.layer().map_or(0.0, |l| {
                    reg.l2[l] * w + if l1_in_gradient { reg.l1[l] * sign(w) } else { 0.0 }
                });
                let expected = d + term;
                prop_assert!(
                    (g - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                    "{}: applied {:e}, data {:e} + regularization {:e}", at, g, d, term
                );
            }
        }
        // The reported loss has the whole penalty, L1 included in either mode.
        forward(&case.p, case.x.view(), &case.masks, &mut ws);
        let expected = ws.cross_entropy(&case.y) + penalty(&case.p, &case.reg);
        prop_assert_eq!(loss, expected);
    }
}

/// Two examples, d = m = k = 2, no dropout, no unit near its kink: a small network whose
/// gradients are below 1, so a 1e-3 error is at least a 1e-3 relative one.
fn small_case(reg: Reg) -> Case {
    Case {
        p: Params {
            w1: ndarray::array![[0.5, -0.3], [0.2, 0.4]],
            b1: ndarray::array![0.1, 0.3],
            w2: ndarray::array![[0.7, -0.2], [-0.4, 0.6]],
            b2: ndarray::array![0.05, -0.05],
        },
        x: ndarray::array![[1.0, -1.0], [0.5, 2.0]],
        y: vec![1, 0],
        masks: Masks::ones(2, 2),
        reg,
    }
}

#[test]
fn a_wrong_gradient_gives_a_large_max_rel_error() {
    let reg = Reg { l2: [0.1, 0.2], l1: [0.05, 0.0], l1_mode: L1Mode::Subgradient };
    let case = small_case(reg);
    let grads = analytic(&case.p, case.x.view(), &case.y, &case.masks, &case.reg);
    let good = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &grads);
    assert_eq!(good.skipped, [0; 4]);
    assert_eq!(good.checked, [4, 2, 4, 2]);
    for t in Tensor::ALL {
        assert!(good.max_rel_error[t as usize] < REL_TOL, "{}: {good:?}", t.name());
    }
    for t in Tensor::ALL {
        for idx in 0..case.p.get(t).len() {
            let mut wrong = grads.clone();
            wrong.get_mut(t)[idx] += WRONG_BY;
            let bad = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &wrong);
            let a = grads.get(t)[idx];
            assert!(a.abs() < 1.0, "{}: {a}", name(&case.p, t, idx));
            // ≥ 1e-3 / (1 + 1e-3), less the check's own error of ~1e-10.
            assert!(bad.max_rel_error[t as usize] > 9.9e-4, "{} off by 1e-3: {bad:?}", name(&case.p, t, idx));
        }
    }
}

/// Proximal mode leaves L1 out of the differentiated loss; subgradient mode includes it.
#[test]
fn proximal_mode_checks_the_gradient_without_l1() {
    let sub = small_case(Reg { l2: [0.0; 2], l1: [0.3, 0.3], l1_mode: L1Mode::Subgradient });
    let prox = Case { reg: Reg { l1_mode: L1Mode::Proximal, ..sub.reg }, ..sub.clone() };
    let data = analytic(&sub.p, sub.x.view(), &sub.y, &sub.masks, &Reg::NONE);
    let g_sub = analytic(&sub.p, sub.x.view(), &sub.y, &sub.masks, &sub.reg);
    let g_prox = analytic(&prox.p, prox.x.view(), &prox.y, &prox.masks, &prox.reg);
    assert_eq!(g_prox, data);
    for (t, l) in [(Tensor::W1, 0), (Tensor::W2, 1)] {
        for idx in 0..sub.p.get(t).len() {
            let w = sub.p.get(t)[idx];
            let expected = data.get(t)[idx] + sub.reg.l1[l] * sign(w);
            assert!((g_sub.get(t)[idx] - expected).abs() < 1e-15);
        }
    }
    for case in [&sub, &prox] {
        let g = analytic(&case.p, case.x.view(), &case.y, &case.masks, &case.reg);
        let report = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &g);
        assert!(report.max_rel_error.iter().all(|&e| e < REL_TOL), "{report:?}");
        // The other mode's gradient is off by ±0.3 on every weight.
        let other = if case.reg.l1_mode == L1Mode::Proximal { &g_sub } else { &g_prox };
        let wrong = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, other);
        assert!(wrong.max_rel_error[0] > 0.1 && wrong.max_rel_error[2] > 0.1, "{wrong:?}");
    }
}

/// A hidden unit with z1 = 0 for every example (zero row of W1, zero bias) has all its
/// W1/b1 elements on the ReLU kink; a zero weight with L1 in the loss is on the L1 kink
/// (in subgradient mode only). Both are skipped and counted, the rest checked.
#[test]
fn elements_on_a_kink_are_skipped_and_counted() {
    let mut case = small_case(Reg { l2: [0.0; 2], l1: [0.2, 0.2], l1_mode: L1Mode::Subgradient });
    case.p.w1.row_mut(1).fill(0.0);
    case.p.b1[1] = 0.0;
    case.p.w2[[0, 0]] = 0.0;
    let grads = analytic(&case.p, case.x.view(), &case.y, &case.masks, &case.reg);
    let report = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &grads);
    // W1 row 1 (ReLU and L1 kinks), b1[1], W2[0, 0] (L1 kink).
    assert_eq!(report.skipped, [2, 1, 1, 0]);
    assert_eq!(report.checked, [2, 1, 3, 2]);
    assert!(report.max_rel_error.iter().all(|&e| e < REL_TOL), "{report:?}");

    case.reg.l1_mode = L1Mode::Proximal;
    let grads = analytic(&case.p, case.x.view(), &case.y, &case.masks, &case.reg);
    let report = check(&case.p, case.x.view(), &case.y, &case.masks, &case.reg, &grads);
    assert_eq!(report.skipped, [2, 1, 0, 0]);
    assert_eq!(report.checked, [2, 1, 4, 2]);
    assert!(report.max_rel_error.iter().all(|&e| e < REL_TOL), "{report:?}");
}

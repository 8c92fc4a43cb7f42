//! `--headless --gradcheck`: a finite-difference check of the gradient at each run's final
//! parameters, on the batch and masks of the next step, printed after the run's summary.

#![allow(clippy::unwrap_used)]

mod common;

use common::{f, headless, nnviz, stderr, stdout};
use nnviz::headless::{gradcheck_report, next_batch};
use nnviz::nn::Tensor;
use nnviz::nn::gradcheck::{analytic, check};
use nnviz::train::Trainer;
use serde_json::Value;

const TENSORS: [&str; 4] = ["W1", "b1", "W2", "b2"];

fn trained(name: &str, steps: u64) -> Trainer {
    let loaded = nnviz::load::load(name, None).unwrap();
    let mut t = Trainer::from_loaded(&loaded);
    for _ in 0..steps {
        t.step();
    }
    t
}

#[test]
fn gradcheck_line_follows_the_summary() {
    let lines = headless(&["--gradcheck", "--steps", "20", "random_init"]);
    let n = lines.len();
    assert_eq!(lines[n - 2]["event"], "summary");
    let g = &lines[n - 1];
    assert_eq!(g["event"], "gradcheck");
    assert_eq!(g["scenario"], "random_init");
    assert_eq!(g["step"], 20);
    assert_eq!(g.as_object().unwrap().len(), 10, "{g}");
    assert!(g["reason"].is_null());
    // random_init at step 20: no gradient element is tiny enough for the rounding of the
    // loss (~1e-16 · loss / ε ≈ 1e-10) to show against rel_error's 1e-8 floor.
    for t in TENSORS {
        let e = f(&g["max_rel_error"][t]);
        assert!((0.0..1e-4).contains(&e), "{t}: {e}");
        assert!(g["skipped"][t].is_u64(), "{t}: {}", g["skipped"][t]);
    }
}

#[test]
fn several_runs_each_get_their_line_after_their_summary() {
    let lines = headless(&["--gradcheck", "--steps", "5", "zero_w2", "regularization/dropout"]);
    let events: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["event"].as_str().unwrap(), l["scenario"].as_str().unwrap()))
        .filter(|(e, _)| *e != "metrics")
        .collect();
    assert_eq!(
        events,
        [("summary", "zero_w2"), ("gradcheck", "zero_w2"), ("summary", "dropout"), ("gradcheck", "dropout")]
    );
    let last = &lines[lines.len() - 1];
    for t in TENSORS {
        assert!(f(&last["max_rel_error"][t]) < 1e-4, "{t}: {last}");
    }
}

#[test]
fn every_element_skipped_is_null() {
    // W1 = b1 = 0: every z1 is exactly 0, so every W1 and b1 probe crosses the ReLU kink.
    let lines = headless(&["--gradcheck", "--steps", "3", "zero_w1"]);
    let g = lines.last().unwrap();
    assert!(g["max_rel_error"]["W1"].is_null() && g["max_rel_error"]["b1"].is_null());
    assert!(g["skipped"]["W1"].as_u64().unwrap() > 0);
}

#[test]
fn table_is_followed_by_the_gradcheck_lines() {
    let o = nnviz(&["--headless", "--table", "--gradcheck", "--steps", "5", "zero_w2", "random_init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[0].starts_with("scenario"));
    for (line, name) in lines[3..].iter().zip(["zero_w2", "random_init"]) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!((v["event"].as_str(), v["scenario"].as_str()), (Some("gradcheck"), Some(name)));
    }
}

#[test]
fn gradcheck_needs_headless() {
    for args in [&["--gradcheck", "zero_w2"][..], &["--inspect", "--gradcheck", "zero_w2"]] {
        let o = nnviz(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
        assert_eq!(stderr(&o), "nnviz: error: --gradcheck needs --headless\n");
    }
}

#[test]
fn next_batch_has_the_masks_the_next_step_uses() {
    let t = trained("regularization/dropout", 7);
    let b = next_batch(&t);
    assert_eq!(b.x.nrows(), b.y.len());
    assert_eq!(b.x.ncols(), t.params.inputs());
    let mut after = t.clone();
    after.step();
    assert_eq!(b.masks, after.masks);
    assert!(b.masks.input.iter().any(|&v| v == 0.0) || b.masks.hidden.iter().any(|&v| v == 0.0));
}

#[test]
fn a_wrong_gradient_gives_a_large_error() {
    // Digits with dropout: the right gradient's relative errors stay below 1e-4 there.
    let t = trained("tests/fixtures/valid/digits_dropout.toml", 20);
    let b = next_batch(&t);
    let right = analytic(&t.params, b.x.view(), &b.y, &b.masks, t.reg());
    let ok = check(&t.params, b.x.view(), &b.y, &b.masks, t.reg(), &right);
    assert_eq!(ok, gradcheck_report(&t));
    assert!(ok.max_rel_error.iter().all(|&e| e < 1e-4), "{ok:?}");
    for tensor in Tensor::ALL {
        let mut wrong = right.clone();
        let g = &mut wrong.get_mut(tensor)[0];
        *g = *g * 1.01 + 1e-3;
        let r = check(&t.params, b.x.view(), &b.y, &b.masks, t.reg(), &wrong);
        let i = tensor as usize;
        assert!(r.max_rel_error[i] > 1e-3, "{tensor:?}: {r:?}");
        for other in Tensor::ALL.into_iter().filter(|&o| o != tensor) {
            assert_eq!(r.max_rel_error[other as usize], ok.max_rel_error[other as usize]);
        }
    }
}

#[test]
fn every_tensor_gets_a_verdict() {
    // digits after 50 steps: W1's relative error is ~3e-5 on elements whose gradient is ~1e-6,
    // rounding and not a wrong gradient; the absolute rule passes it.
    let lines = headless(&["--gradcheck", "--steps", "50", "digits"]);
    let g = lines.last().unwrap();
    for t in TENSORS {
        assert_eq!(g["passed"][t], true, "{t}: {g}");
        let abs = f(&g["max_abs_error"][t]);
        assert!((0.0..1e-7).contains(&abs), "{t}: {abs}");
    }
    assert!(f(&g["max_rel_error"]["W1"]) > 1e-6, "the case the verdict is for: {g}");
}

#[test]
fn a_wrong_gradient_fails_and_names_its_worst_element() {
    let t = trained("random_init", 5);
    let b = next_batch(&t);
    let mut grads = analytic(&t.params, b.x.view(), &b.y, &b.masks, t.reg());
    grads.w2[[1, 3]] += 1e-3;
    let r = check(&t.params, b.x.view(), &b.y, &b.masks, t.reg(), &grads);
    assert_eq!(r.passed, [true, true, false, true]);
    let (idx, a, n) = r.worst[Tensor::W2 as usize].unwrap();
    assert_eq!(idx, t.params.hidden() + 3);
    assert!((a - n - 1e-3).abs() < 1e-7, "{a} {n}");
    assert!(r.max_abs_error[Tensor::W2 as usize] >= 1e-3 - 1e-7);
}

#[test]
fn a_diverged_run_reports_null_with_a_reason() {
    let dir = common::scratch("gradcheck-diverged");
    let file = dir.join("div.toml");
    std::fs::write(
        &file,
        "[train]\nlearning_rate = 1e6\nsteps = 50\n[init]\nW1 = { kind = \"normal\", std = 1000.0 }\n",
    )
    .unwrap();
    let lines = headless(&["--gradcheck", file.to_str().unwrap()]);
    let g = lines.last().unwrap();
    assert_eq!(g["event"], "gradcheck");
    assert!(lines[lines.len() - 2]["diverged"].is_u64(), "the run diverges");
    for key in ["max_rel_error", "max_abs_error", "passed"] {
        for t in TENSORS {
            assert!(g[key][t].is_null(), "{key}.{t}: {g}");
        }
    }
    assert!(g["reason"].as_str().unwrap().contains("not finite"), "{g}");
}

#[test]
fn large_networks_are_sampled_unless_all_is_asked() {
    let lines = headless(&["--gradcheck", "--steps", "2", "benches/workloads/wide.toml"]);
    let g = lines.last().unwrap();
    let checked = g["checked"]["W1"].as_u64().unwrap();
    assert_eq!(g["total"]["W1"], 784 * 256);
    assert!(checked > 0 && checked < 2001, "sampled as the G view samples: {g}");
    // A small network is checked in full either way; digits' W1 (2048) is capped at 2000.
    let some = headless(&["--gradcheck", "--steps", "2", "digits"]);
    let all = headless(&["--gradcheck", "--gradcheck-all", "--steps", "2", "digits"]);
    let (some, all) = (some.last().unwrap(), all.last().unwrap());
    assert_eq!(all["checked"]["W1"].as_u64().unwrap() + all["skipped"]["W1"].as_u64().unwrap(), 2048);
    assert!(some["checked"]["W1"].as_u64().unwrap() + some["skipped"]["W1"].as_u64().unwrap() <= 2000);
    assert_eq!(some["checked"]["b2"], all["checked"]["b2"]);
    let o = nnviz(&["--headless", "--gradcheck-all", "zero_w2"]);
    assert_eq!(o.status.code(), Some(2), "--gradcheck-all needs --gradcheck");
}

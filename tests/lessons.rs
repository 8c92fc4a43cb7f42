//! Issue 14: the bundled scenarios that show a lesson show it on seeds 1–5, through the
//! binary's headless JSON. Each seed's runs go to one process (which trains them in
//! parallel), and the seeds run in parallel threads.

#![allow(clippy::unwrap_used)]

mod common;

use common::{f, headless, summary};
use serde_json::Value;

const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// The summaries of `names` trained together with `--seed s`, for every seed in [`SEEDS`].
fn summaries(names: &[&str]) -> Vec<Vec<Value>> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = SEEDS
            .iter()
            .map(|s| {
                scope.spawn(move || {
                    let seed = s.to_string();
                    let mut args = vec!["--seed", seed.as_str()];
                    args.extend_from_slice(names);
                    let lines = headless(&args);
                    let all: Vec<Value> = lines.into_iter().filter(|l| l["event"] == "summary").collect();
                    assert_eq!(all.len(), names.len());
                    for (s, n) in all.iter().zip(names) {
                        assert_eq!(s["file"], *n, "summaries in argument order");
                    }
                    all
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    })
}

/// A bundled scenario's TOML, without the keys in `drop` (dotted paths).
fn table_without(name: &str, drop: &[&str]) -> toml::Table {
    let (_, text) = nnviz::bundled::find(name).unwrap();
    let mut t: toml::Table = text.parse().unwrap();
    for key in drop {
        let mut parts: Vec<&str> = key.split('.').collect();
        let last = parts.pop().unwrap();
        let mut at = &mut t;
        for p in parts {
            at = at.get_mut(p).unwrap().as_table_mut().unwrap();
        }
        at.remove(last);
    }
    t
}

fn val(s: &Value) -> f64 {
    f(&s["val_acc"])
}

#[test]
fn large_init_ends_ten_points_below_random_init_or_diverges() {
    // Same data set and steps (and everything else but the initialization).
    let same = |n| table_without(n, &["name", "about", "init"]);
    assert_eq!(same("large_init"), same("random_init"));
    for (seed, runs) in SEEDS.iter().zip(summaries(&["random_init", "large_init"])) {
        let [random, large] = [&runs[0], &runs[1]];
        assert_eq!(random["steps"], large["steps"], "seed {seed}");
        let diverged = !large["diverged"].is_null();
        assert!(
            diverged || val(random) - val(large) >= 0.10,
            "seed {seed}: random_init {} large_init {}",
            val(random),
            val(large)
        );
    }
}

#[test]
fn regularization_set_overfits_without_regularization() {
    let names = ["none", "l2", "l1", "l1_l2", "dropout"].map(|v| format!("regularization/{v}"));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let runs = summaries(&names);
    let mut mean = [0.0; 5];
    for (seed, runs) in SEEDS.iter().zip(&runs) {
        let none = &runs[0];
        let train = f(&none["train_acc"]);
        assert!(train >= 0.98, "seed {seed}: none's training accuracy {train}");
        assert!(train - val(none) >= 0.10, "seed {seed}: none's train/val gap {train} vs {}", val(none));
        assert_eq!(none["chosen"], false, "seed {seed}: none is chosen");
        assert_eq!(runs.iter().filter(|s| s["chosen"] == true).count(), 1, "seed {seed}");
        // The README's promises of the set, on every seed.
        let [l2, l1] = [&runs[1], &runs[2]];
        let near = |s: &Value| f(&s["near_zero_fraction"]["W1"]);
        let zero = |s: &Value| f(&s["zero_fraction"]["W1"]);
        assert!(
            near(l1) > 0.0 && near(l1) >= 2.0 * near(l2),
            "seed {seed}: near zeros l1 {} l2 {}",
            near(l1),
            near(l2)
        );
        assert!(zero(l1) > zero(l2), "seed {seed}: exact zeros l1 {} l2 {}", zero(l1), zero(l2));
        assert!(f(&l2["weight_norm"]["W1"]) < f(&none["weight_norm"]["W1"]), "seed {seed}");
        for (m, s) in mean.iter_mut().zip(runs) {
            *m += val(s) / SEEDS.len() as f64;
        }
    }
    let best = mean[1..].iter().copied().fold(f64::MIN, f64::max);
    assert!(best - mean[0] >= 0.02, "mean validation accuracy: none {} best regularized {best}", mean[0]);
}

#[test]
fn l1_pair_subgradient_gives_no_exact_zeros_proximal_a_third() {
    let same = |n| table_without(n, &["name", "about", "regularization.l1_mode"]);
    assert_eq!(same("l1_subgradient"), same("l1_proximal"));
    let mode = |n| table_without(n, &[])["regularization"]["l1_mode"].as_str().unwrap().to_string();
    assert_eq!(mode("l1_subgradient"), "subgradient");
    assert_eq!(mode("l1_proximal"), "proximal");
    let mut all = summaries(&["l1_subgradient", "l1_proximal"]);
    // And with the scenarios' own seeds.
    all.push(["l1_subgradient", "l1_proximal"].iter().map(|n| summary(&headless(&[n])).clone()).collect());
    for runs in &all {
        let [sub, prox] = [&runs[0], &runs[1]];
        let zero = |s: &Value| f(&s["zero_fraction"]["W1"]);
        let near = |s: &Value| f(&s["near_zero_fraction"]["W1"]);
        assert_eq!(zero(sub), 0.0, "subgradient: exact zeros");
        assert!(zero(prox) >= 0.30, "proximal: exact zeros {}", zero(prox));
        assert!(near(sub) > 0.0 && near(prox) > 0.0, "near zeros {} {}", near(sub), near(prox));
    }
}

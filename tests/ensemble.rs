//! Dropout as an ensemble (`"ensemble"` in the headless summary): the full network against
//! the average softmax output of the first 1, 10 and 100 sampled sub-networks, on the
//! validation split.

#![allow(clippy::unwrap_used)]

mod common;

use common::{f, headless, nnviz, scratch, stdout, summary};
use nnviz::train::Trainer;
use nnviz::train::ensemble::{SIZES, ensemble, sub_networks};
use serde_json::Value;

const KEYS: [&str; 4] = ["full", "k1", "k10", "k100"];

fn ensemble_of(args: &[&str]) -> Value {
    summary(&headless(args))["ensemble"].clone()
}

#[test]
fn dropout_scenario_reports_every_score() {
    let lines = headless(&["--steps", "200", "regularization/dropout"]);
    let s = summary(&lines);
    let e = &s["ensemble"];
    for key in KEYS {
        let acc = f(&e[key]["acc"]);
        assert!((0.0..=1.0).contains(&acc), "{key}: acc {acc}");
        assert!(f(&e[key]["loss"]).is_finite(), "{key}");
        assert_eq!(e[key].as_object().unwrap().len(), 2, "{key}: {}", e[key]);
    }
    assert_eq!(e.as_object().unwrap().len(), 5);
    // `full` is the trainer's own evaluation of the validation split.
    assert_eq!(e["full"]["acc"], s["val_acc"]);
    assert_eq!(e["full"]["loss"], s["val_loss"]);
    // After the existing fields (the printed order, not a parsed object's).
    let o = nnviz(&["--headless", "--steps", "5", "regularization/dropout"]);
    let text = stdout(&o);
    let last = text.lines().last().unwrap();
    assert!(last.find("\"weight_norm\"").unwrap() < last.find("\"ensemble\"").unwrap());
}

#[test]
fn dropout_scenario_reports_the_geometric_means() {
    let lines = headless(&["--steps", "200", "regularization/dropout"]);
    let s = summary(&lines);
    let g = &s["ensemble"]["geometric"];
    assert_eq!(g.as_object().unwrap().len(), 3, "{g}");
    for key in ["k1", "k10", "k100"] {
        let acc = f(&g[key]["acc"]);
        assert!((0.0..=1.0).contains(&acc), "{key}: acc {acc}");
        assert!(f(&g[key]["loss"]).is_finite(), "{key}");
        assert_eq!(g[key].as_object().unwrap().len(), 2, "{key}: {}", g[key]);
    }
    // One sub-network is its own geometric mean.
    let e = &s["ensemble"];
    assert_eq!(g["k1"]["acc"], e["k1"]["acc"]);
    assert!((f(&g["k1"]["loss"]) - f(&e["k1"]["loss"])).abs() < 1e-12);
    // After today's four fields, in the printed order.
    let o = nnviz(&["--headless", "--steps", "5", "regularization/dropout"]);
    let text = stdout(&o);
    let last = text.lines().last().unwrap();
    assert!(last.find("\"k100\"").unwrap() < last.find("\"geometric\"").unwrap(), "{last}");
}

#[test]
fn no_ensemble_has_no_geometric_means() {
    // `geometric` lives inside `ensemble`, so it is absent exactly when `ensemble` is null.
    for name in ["zero_w2", "dropout_slide"] {
        let lines = headless(&["--steps", "5", name]);
        let s = summary(&lines);
        assert!(s["ensemble"].is_null(), "{name}");
        assert!(s.get("geometric").is_none(), "{name}");
    }
}

#[test]
fn same_command_gives_the_same_ensemble() {
    let args = ["--steps", "200", "regularization/dropout"];
    let (a, b) = (ensemble_of(&args), ensemble_of(&args));
    assert_eq!(a, b);
    assert!(a.is_object());
}

#[test]
fn nothing_to_drop_or_no_validation_split_is_null() {
    // No dropout.
    let s = ensemble_of(&["--steps", "5", "zero_w2"]);
    assert!(s.is_null());
    // Fixed masks, but one inline row and no validation split.
    let s = ensemble_of(&["--steps", "5", "dropout_slide"]);
    assert!(s.is_null());
    // Several runs: every summary has the field, and `chosen` comes after it.
    let lines = headless(&["--steps", "5", "zero_w2", "regularization/dropout"]);
    let summaries: Vec<&Value> = lines.iter().filter(|l| l["event"] == "summary").collect();
    assert!(summaries[0]["ensemble"].is_null());
    assert!(summaries[1]["ensemble"].is_object());
    let o = nnviz(&["--headless", "--steps", "5", "zero_w2", "regularization/dropout"]);
    for line in stdout(&o).lines().filter(|l| l.contains("\"summary\"")) {
        assert!(line.find("\"ensemble\"").unwrap() < line.find("\"chosen\"").unwrap(), "{line}");
    }
}

#[test]
fn fixed_masks_make_every_sub_network_the_same() {
    let dir = scratch("ensemble-fixed");
    let path = dir.join("fixed.toml");
    std::fs::write(
        &path,
        "[network]\nhidden = 4\n[train]\nsteps = 50\n\
         [dropout]\nmode = \"classic\"\ninput_mask = [1, 0]\nhidden_mask = [1, 1, 0, 1]\n",
    )
    .unwrap();
    let e = ensemble_of(&[path.to_str().unwrap()]);
    for key in ["k10", "k100"] {
        assert_eq!(e[key]["acc"], e["k1"]["acc"], "{key}");
        assert!((f(&e[key]["loss"]) - f(&e["k1"]["loss"])).abs() < 1e-12, "{key}");
        let g = &e["geometric"];
        assert_eq!(g[key]["acc"], g["k1"]["acc"], "{key}");
        assert!((f(&g[key]["loss"]) - f(&e["k1"]["loss"])).abs() < 1e-12, "{key}");
    }
}

#[test]
fn sub_networks_are_the_first_masks_of_the_dropout_stream() {
    let loaded = nnviz::load::load("regularization/dropout", None).unwrap();
    let mut t = Trainer::from_loaded(&loaded);
    let (d, m) = (t.params.inputs(), t.params.hidden());
    let masks = sub_networks(&loaded.scenario.dropout, d, m, 100);
    // K = 1 ⊂ K = 10 ⊂ K = 100, and sub-network i is training step i's mask.
    assert_eq!(sub_networks(&loaded.scenario.dropout, d, m, 10)[..], masks[..10]);
    for expected in &masks[..5] {
        t.step();
        assert_eq!(&t.masks, expected);
    }
    let e = ensemble(&t).unwrap();
    let g = e.geometric;
    for s in [e.full, e.k1, e.k10, e.k100, g.k1, g.k10, g.k100] {
        assert!((0.0..=1.0).contains(&s.acc) && s.loss.is_finite());
    }
    assert_eq!(SIZES, [1, 10, 100]);
}

#[test]
fn the_readme_quotes_the_sentence_the_view_shows_after_the_dropout_run() {
    let loaded = nnviz::load::load("regularization/dropout", None).unwrap();
    let mut t = Trainer::from_loaded(&loaded);
    while t.step < loaded.scenario.train.steps {
        t.step();
    }
    let sentence = nnviz::ui::ensemble::verdict(&ensemble(&t).unwrap());
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&format!("`{sentence}`")), "README should quote: {sentence}");
}

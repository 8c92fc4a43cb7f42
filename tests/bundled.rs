//! Each bundled scenario's promised behaviour, through the binary's headless JSON.

#![allow(clippy::unwrap_used)]

mod common;

use common::{f, headless, nnviz, scratch, stdout, summary};
use serde_json::Value;

fn frozen(s: &Value, t: &str) -> bool {
    s["frozen"][t]["unchanged"] == s["frozen"][t]["total"]
}

fn first_change(s: &Value, t: &str) -> Option<u64> {
    s["frozen"][t]["first_change_step"].as_u64()
}

#[test]
fn zero_all_only_b2_learns_and_reaches_the_class_frequencies() {
    let dump = scratch("zero_all").join("dump.json");
    let lines = headless(&["--dump", dump.to_str().unwrap(), "scenarios/zero_all.toml"]);
    let s = summary(&lines);
    for t in ["W1", "b1", "W2"] {
        assert!(frozen(s, t), "{t} should stay frozen: {s}");
        assert!(s["frozen"][t]["why_code"].is_string(), "{t} says why: {s}");
        assert!(s["frozen"][t]["why"].is_string());
    }
    assert_eq!(s["frozen"]["W2"]["why_code"], "h_zero");
    assert_eq!(first_change(s, "b2"), Some(1));
    let d: Value = serde_json::from_str(&std::fs::read_to_string(&dump).unwrap()).unwrap();
    let b2: Vec<f64> = d["params"]["b2"].as_array().unwrap().iter().map(f).collect();
    let z: f64 = b2.iter().map(|v| v.exp()).sum();
    // Training split = all ten inline rows: 5, 3 and 2 of the three classes.
    for (p, want) in b2.iter().map(|v| v.exp() / z).zip([0.5, 0.3, 0.2]) {
        assert!((p - want).abs() < 1e-3, "softmax(b2) = {p}, class frequency {want}");
    }
    // The summary says the same: its softmax_b2 is the dump's, next to the frequencies.
    let list = |key: &str| s[key].as_array().unwrap().iter().map(f).collect::<Vec<_>>();
    assert_eq!(list("train_class_frequencies"), [0.5, 0.3, 0.2]);
    for (got, p) in list("softmax_b2").iter().zip(b2.iter().map(|v| v.exp() / z)) {
        assert!((got - p).abs() < 1e-12, "summary softmax_b2 {got}, from the dump {p}");
    }
}

#[test]
fn softmax_b2_starts_uniform_when_b2_is_zero() {
    let s = headless(&["--steps", "0", "scenarios/zero_all.toml"]);
    let s = summary(&s);
    let p: Vec<f64> = s["softmax_b2"].as_array().unwrap().iter().map(f).collect();
    assert_eq!(p.len(), 3);
    assert!(p.iter().all(|&p| (p - 1.0 / 3.0).abs() < 1e-15), "{p:?}");
}

#[test]
fn zero_w1_only_b2_learns() {
    let s = summary(&headless(&["scenarios/zero_w1.toml"])).clone();
    for t in ["W1", "b1", "W2"] {
        assert!(frozen(&s, t), "{t}: {s}");
    }
    assert_eq!(s["frozen"]["W1"]["why_code"], "relu_dead");
    assert_eq!(s["frozen"]["W2"]["why_code"], "h_zero");
    assert!(!frozen(&s, "b2"));
}

#[test]
fn zero_w2_moves_w2_first_then_w1_and_learns() {
    let s = summary(&headless(&["scenarios/zero_w2.toml"])).clone();
    assert_eq!(first_change(&s, "W2"), Some(1));
    assert_eq!(first_change(&s, "b2"), Some(1));
    assert_eq!(first_change(&s, "W1"), Some(2));
    assert_eq!(first_change(&s, "b1"), Some(2));
    assert!(f(&s["val_acc"]) >= 0.9, "val_acc {}", s["val_acc"]);
}

#[test]
fn zero_w2_after_one_step_says_why_w1_is_frozen() {
    let s = summary(&headless(&["--steps", "1", "scenarios/zero_w2.toml"])).clone();
    assert_eq!(s["frozen"]["W1"]["why_code"], "w2_zero");
    assert_eq!(s["frozen"]["b1"]["why_code"], "w2_zero");
    assert!(s["frozen"]["W2"]["why_code"].is_null());
}

#[test]
fn random_init_moves_everything_at_step_one() {
    let s = summary(&headless(&["scenarios/random_init.toml"])).clone();
    for t in ["W1", "b1", "W2", "b2"] {
        assert_eq!(first_change(&s, t), Some(1), "{t}");
    }
    assert!(f(&s["val_acc"]) >= 0.9, "val_acc {}", s["val_acc"]);
}

#[test]
fn constant_init_keeps_one_duplicate_group() {
    let s = summary(&headless(&["scenarios/constant_init.toml"])).clone();
    let all: Vec<Value> = (0..16).map(Value::from).collect();
    assert_eq!(s["duplicate_unit_groups"], Value::Array(vec![Value::Array(all)]));
}

#[test]
fn large_init_starts_with_ten_times_the_loss_or_diverges() {
    let large = headless(&["scenarios/large_init.toml"]);
    let random = headless(&["--steps", "0", "scenarios/random_init.toml"]);
    let diverged = !summary(&large)["diverged"].is_null();
    let ratio = f(&large[0]["train_loss"]) / f(&random[0]["train_loss"]);
    assert!(diverged || ratio >= 10.0, "step-0 loss ratio {ratio}");
}

#[test]
fn regularization_set_shows_what_l1_and_l2_do() {
    let run = |v: &str| summary(&headless(&[&format!("scenarios/regularization/{v}.toml")])).clone();
    let [none, l2, l1, l1_l2, dropout] = ["none", "l2", "l1", "l1_l2", "dropout"].map(run);
    for (s, name) in [(&none, "none"), (&l2, "l2"), (&l1, "l1"), (&l1_l2, "l1_l2"), (&dropout, "dropout")] {
        assert_eq!(s["scenario"], name);
    }
    let near = |s: &Value| f(&s["near_zero_fraction"]["W1"]);
    let zero = |s: &Value| f(&s["zero_fraction"]["W1"]);
    assert!(near(&l1) > 0.0 && near(&l1) >= 2.0 * near(&l2), "near zeros l1 {} l2 {}", near(&l1), near(&l2));
    assert!(zero(&l1) > zero(&l2), "exact zeros l1 {} l2 {}", zero(&l1), zero(&l2));
    assert!(f(&l2["weight_norm"]["W1"]) < f(&none["weight_norm"]["W1"]));
}

fn inspect_logits(path: &str) -> Value {
    let o = nnviz(&["--inspect", path]);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    v["forward"]["logits"].clone()
}

#[test]
fn dropout_slide_gives_the_lectures_logits() {
    assert_eq!(inspect_logits("scenarios/dropout_slide.toml"), serde_json::json!([[60.0, 132.0]]));
    let text = std::fs::read_to_string(common::root().join("scenarios/dropout_slide.toml")).unwrap();
    let unmasked: String = text.lines().filter(|l| !l.contains("_mask")).map(|l| format!("{l}\n")).collect();
    let path = scratch("slide").join("dropout_slide_unmasked.toml");
    std::fs::write(&path, unmasked).unwrap();
    assert_eq!(inspect_logits(path.to_str().unwrap()), serde_json::json!([[120.0, 273.0]]));
}

#[test]
fn digits_reaches_95_percent() {
    let s = summary(&headless(&["scenarios/digits.toml"])).clone();
    assert!(f(&s["val_acc"]) >= 0.95, "val_acc {}", s["val_acc"]);
}

/// MNIST-format files as `scenarios/mnist.toml` expects them, under `dir/data/mnist/`:
/// `n` images of 28×28 with a bright stripe at row (label · 2), labels i mod 10.
fn fake_mnist(dir: &std::path::Path, n: u32) {
    use std::io::Write;
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let mut images = vec![0, 0, 8, 3];
    for s in [n, 28, 28] {
        images.extend_from_slice(&s.to_be_bytes());
    }
    let mut labels = vec![0, 0, 8, 1];
    labels.extend_from_slice(&n.to_be_bytes());
    for i in 0..n {
        let label = (i % 10) as u8;
        labels.push(label);
        images
            .extend((0..784).map(|p| if p / 28 == 2 * usize::from(label) + 4 { 255 } else { (i % 7) as u8 }));
    }
    let folder = dir.join("data/mnist");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("train-images-idx3-ubyte.gz"), gz(&images)).unwrap();
    std::fs::write(folder.join("train-labels-idx1-ubyte.gz"), gz(&labels)).unwrap();
}

/// The one-line error of a run of `mnist` whose files are not there.
fn assert_mnist_missing(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(o));
    assert!(o.stdout.is_empty());
    let e = common::stderr(o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains(":12:10: data.images: cannot read ../data/mnist/train-images-idx3-ubyte.gz: no such file"),
        "{e}"
    );
    assert!(e.contains("(looked for data/mnist/train-images-idx3-ubyte.gz)"), "{e}");
    assert!(
        e.contains("downloads nothing")
            && e.contains("MNIST (https://")
            && e.contains("Fashion-MNIST (https://"),
        "{e}"
    );
}

/// `mnist` needs the student's files: without them it says where they go and where to get
/// them; with them (here small fake ones) it trains, by name and as a file alike.
#[test]
fn mnist_says_where_its_files_go_and_trains_on_them() {
    let in_dir = |dir: &std::path::Path, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_nnviz")).args(args).current_dir(dir).output().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::copy(common::root().join("scenarios/mnist.toml"), dir.path().join("scenarios/mnist.toml"))
        .unwrap();
    assert_mnist_missing(&in_dir(dir.path(), &["--check", "mnist"]));
    assert_mnist_missing(&in_dir(dir.path(), &["--headless", "scenarios/mnist.toml"]));
    // In this checkout: the files, if a student has put them there, else the same error.
    for arg in ["mnist", "scenarios/mnist.toml"] {
        let here = nnviz(&["--check", arg]);
        if common::root().join("data/mnist/train-images-idx3-ubyte.gz").is_file() {
            assert!(here.status.success(), "{}", common::stderr(&here));
        } else {
            assert_mnist_missing(&here);
        }
    }
    fake_mnist(dir.path(), 200);
    for arg in ["mnist", "scenarios/mnist.toml"] {
        let o = in_dir(dir.path(), &["--headless", "--steps", "40", arg]);
        assert!(o.status.success(), "{arg}: {}", common::stderr(&o));
        let last: Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
        assert_eq!(last["scenario"], "mnist");
        assert!(f(&last["train_acc"]) > 0.5, "{arg}: the stripes are easy: {last}");
    }
}

#[test]
fn every_bundled_file_is_embedded_and_valid() {
    let mut files = Vec::new();
    let root = common::root().join("scenarios");
    for entry in walk(&root) {
        let rel = entry.strip_prefix(&root).unwrap().with_extension("");
        files.push(rel.to_string_lossy().replace('\\', "/"));
    }
    files.sort();
    let mut embedded: Vec<String> = nnviz::bundled::BUNDLED.iter().map(|(n, _)| n.to_string()).collect();
    embedded.sort();
    assert_eq!(files, embedded);
    // By name, from a folder that has no scenarios/: the embedded copies.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_nnviz"))
        .args(["--check", "zero_w2", "regularization/l1"])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(stdout(&o), "ok zero_w2\nok regularization/l1\n");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
    out
}

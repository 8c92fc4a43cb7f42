//! The command line through the binary: output shapes, reproducibility, flags, and
//! every invalid fixture.

#![allow(clippy::unwrap_used)]

mod common;

use common::{f, headless, nnviz, scratch, stderr, stdout, summary};
use serde_json::Value;

#[test]
fn same_command_twice_gives_identical_bytes() {
    let args = ["--headless", "--steps", "300", "scenarios/regularization/dropout.toml", "zero_w2"];
    let (a, b) = (nnviz(&args), nnviz(&args));
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let other = nnviz(&["--headless", "--steps", "300", "--seed", "9", "zero_w2"]);
    assert_ne!(stdout(&other), stdout(&nnviz(&["--headless", "--steps", "300", "zero_w2"])));
}

#[test]
fn metrics_at_zero_every_log_every_and_the_last_step() {
    let lines = headless(&["--steps", "25", "zero_w2"]);
    let steps: Vec<u64> =
        lines.iter().filter(|l| l["event"] == "metrics").map(|l| l["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, [0, 10, 20, 25]);
    let first = &lines[0];
    for key in ["W1", "b1", "W2", "b2"] {
        assert!(first["grad_norm"][key].is_null(), "no gradient before step 1");
        assert!(lines[1]["grad_norm"][key].as_f64().unwrap() >= 0.0);
    }
    assert!(first["update_ratio"]["W1"].is_null());
    // No regularization: the penalty is 0, never written as -0.0.
    let raw = stdout(&nnviz(&["--headless", "--steps", "0", "zero_w2"]));
    assert!(raw.contains("\"penalty\":0.0") && !raw.contains("\"penalty\":-0.0"), "{raw}");
    // 600 blobs: 360 training rows, batches of 32, 12 steps an epoch.
    assert_eq!(lines[1]["epoch"], 0);
    assert_eq!(lines[2]["epoch"], 1);
    let last = &lines[lines.len() - 2];
    let s = summary(&lines);
    for key in ["train_loss", "val_loss", "train_acc", "val_acc"] {
        assert_eq!(s[key], last[key], "{key}");
    }
    assert_eq!(s["steps"], 25);
    assert!(s["diverged"].is_null());
    assert!(f(&last["update_ratio"]["W1"]) < 0.0);
}

#[test]
fn several_scenarios_print_one_after_the_other() {
    let lines = headless(&["--steps", "5", "zero_w2", "zero_all"]);
    let names: Vec<&str> = lines.iter().map(|l| l["scenario"].as_str().unwrap()).collect();
    let split = names.iter().position(|&n| n == "zero_all").unwrap();
    assert!(names[..split].iter().all(|&n| n == "zero_w2"));
    assert!(names[split..].iter().all(|&n| n == "zero_all"));
    assert_eq!(lines[split - 1]["event"], "summary");
}

#[test]
fn divergence_stops_the_run_and_is_reported() {
    let dir = scratch("diverge");
    let path = dir.join("diverge.toml");
    std::fs::write(
        &path,
        "[init]\nW1 = { kind = \"normal\", std = 100.0 }\nW2 = { kind = \"normal\", std = 100.0 }\n\
         [train]\nlearning_rate = 1e300\nsteps = 50\n",
    )
    .unwrap();
    let o = nnviz(&["--headless", path.to_str().unwrap()]);
    assert!(o.status.success(), "a diverged run is an outcome: {}", stderr(&o));
    let lines: Vec<Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let s = summary(&lines);
    let at = s["diverged"].as_u64().expect("diverged at a step");
    assert_eq!(s["steps"], at);
    assert_eq!(lines[lines.len() - 2]["step"], at);
}

#[test]
fn dump_writes_params_and_grads_of_the_same_shapes() {
    let dir = scratch("dump");
    let one = dir.join("one.json");
    headless(&["--steps", "3", "--dump", one.to_str().unwrap(), "zero_w2"]);
    let d: Value = serde_json::from_str(&std::fs::read_to_string(&one).unwrap()).unwrap();
    assert_eq!(d["step"], 3);
    assert_eq!(d["scenario"], "zero_w2");
    assert_eq!(d["params"]["W1"].as_array().unwrap().len(), 16);
    assert_eq!(d["params"]["W1"][0].as_array().unwrap().len(), 2);
    assert_eq!(d["grads"]["W2"].as_array().unwrap().len(), 3);
    let two = dir.join("two.json");
    headless(&["--steps", "0", "--dump", two.to_str().unwrap(), "zero_w2", "zero_all"]);
    let d: Value = serde_json::from_str(&std::fs::read_to_string(&two).unwrap()).unwrap();
    assert_eq!(d.as_array().unwrap().len(), 2);
    assert_eq!(d[1]["grads"]["b2"], serde_json::json!([0.0, 0.0, 0.0]));
}

#[test]
fn inspect_shows_step_zero_on_the_first_batch() {
    let o = nnviz(&["--inspect", "zero_w2"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["batch"]["x"].as_array().unwrap().len(), 32);
    assert_eq!(v["forward"]["z1"][0].as_array().unwrap().len(), 16);
    assert_eq!(v["forward"]["y_hat"][0].as_array().unwrap().len(), 3);
    assert!(v["masks"].is_null());
    // W2 = 0: the logits are 0, the loss is ln 3 and W1's gradient is 0.
    assert!((f(&v["loss"]) - 3f64.ln()).abs() < 1e-12);
    assert!(
        v["grads"]["W1"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap()).all(|g| g == 0.0)
    );
    // Inspect changes nothing: a run's first step uses the same batch.
    let dump = scratch("inspect").join("d.json");
    headless(&["--steps", "1", "--dump", dump.to_str().unwrap(), "zero_w2"]);
    let d: Value = serde_json::from_str(&std::fs::read_to_string(&dump).unwrap()).unwrap();
    assert_eq!(d["grads"], v["grads"]);
}

#[test]
fn inspect_with_dropout_shows_the_masks() {
    let o = nnviz(&["--inspect", "regularization/dropout"]);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    // Noisy moons: 2 inputs, 256 hidden units.
    assert_eq!(v["masks"]["input"].as_array().unwrap().len(), 2);
    assert_eq!(v["masks"]["hidden"].as_array().unwrap().len(), 256);
}

#[test]
fn check_reports_every_file() {
    let o = nnviz(&["--check", "zero_w2", "tests/fixtures/invalid/nan.toml", "zero_all"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "ok zero_w2\nok zero_all\n");
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn list_shows_every_bundled_scenario() {
    let o = nnviz(&["--list"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for (name, _) in nnviz::bundled::BUNDLED {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name} missing from --list");
    }
}

fn assert_usage_error(args: &[&str], needle: &str) {
    let o = nnviz(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}");
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("nnviz: error: "), "{err}");
    assert!(err.contains(needle), "{err} should mention {needle}");
}

#[test]
fn senseless_command_lines_exit_2_with_one_line() {
    assert_usage_error(&["--dump", "x.json", "zero_w2"], "--dump");
    assert_usage_error(&["--inspect", "--headless", "zero_w2"], "--headless");
    assert_usage_error(&["--headless", "no_such_scenario"], "no_such_scenario");
    assert_usage_error(&["--headless"], "no scenario");
    assert_usage_error(&["--headless", "--bogus", "zero_w2"], "--bogus");
    assert_usage_error(&["--headless", "--steps", "many", "zero_w2"], "many");
    assert_usage_error(&["--list", "zero_w2"], "--list");
}

/// Expected (key, reason part) and position from a fixture's comment lines.
fn expectations(text: &str) -> (Vec<String>, Option<String>) {
    let mut needles = Vec::new();
    let mut pos = None;
    for line in text.lines() {
        for tag in ["# expect:", "# load-expect:"] {
            if let Some(rest) = line.strip_prefix(tag) {
                let rest = rest.trim();
                if let Some((key, reason)) = rest.split_once(": ") {
                    if key != "-" {
                        needles.push(format!("{key}: "));
                    }
                    needles.push(reason.to_string());
                }
            }
        }
        for tag in ["# expect-pos:", "# load-expect-pos:"] {
            if let Some(rest) = line.strip_prefix(tag) {
                pos = Some(rest.trim().to_string());
            }
        }
    }
    (needles, pos)
}

#[test]
fn every_invalid_fixture_fails_with_one_line_naming_file_and_key() {
    let dir = common::root().join("tests/fixtures/invalid");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let rel = path.strip_prefix(common::root()).unwrap().to_str().unwrap().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let (needles, pos) = expectations(&String::from_utf8_lossy(&bytes));
        assert!(!needles.is_empty(), "{rel} has no expect line");
        for args in [vec!["--headless", rel.as_str()], vec!["--check", rel.as_str()]] {
            let o = nnviz(&args);
            assert_eq!(o.status.code(), Some(2), "{rel}");
            assert!(o.stdout.is_empty(), "{rel}: nothing on stdout");
            let err = stderr(&o);
            assert_eq!(err.lines().count(), 1, "{rel}: one line, got {err}");
            let prefix = match &pos {
                Some(p) => format!("nnviz: error: {rel}:{p}: "),
                None => format!("nnviz: error: {rel}:"),
            };
            assert!(err.starts_with(&prefix), "{rel}: {err} should start with {prefix}");
            for n in &needles {
                assert!(err.contains(n.as_str()), "{rel}: {err} should contain {n}");
            }
            assert!(!err.contains("panicked"), "{rel}: {err}");
        }
        seen += 1;
    }
    assert!(seen >= 60, "only {seen} fixtures");
}

/// The standard output of a successful run with `RAYON_NUM_THREADS=threads`.
fn stdout_on_threads(args: &[&str], threads: &str) -> Vec<u8> {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_nnviz"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .current_dir(common::root())
        .output()
        .unwrap();
    assert!(o.status.success());
    o.stdout
}

#[test]
fn parallel_runs_equal_sequential_bit_for_bit() {
    let args = [
        "--headless",
        "--steps",
        "200",
        "regularization/none",
        "regularization/l1",
        "regularization/dropout",
    ];
    assert_eq!(stdout_on_threads(&args, "1"), stdout_on_threads(&args, "2"));
}

/// The wide network's products run on all threads (see `nn::products`): how many
/// there are must not change a bit of the results.
#[test]
fn large_products_give_the_same_bits_on_any_number_of_threads() {
    let args = ["--headless", "--steps", "30", "benches/workloads/wide.toml"];
    let one = stdout_on_threads(&args, "1");
    assert_eq!(one, stdout_on_threads(&args, "2"));
    assert_eq!(one, stdout_on_threads(&args, "3"));
}

#[test]
fn several_runs_mark_the_chosen_one() {
    let lines = headless(&["--steps", "100", "zero_w1", "random_init"]);
    let summaries: Vec<&Value> = lines.iter().filter(|l| l["event"] == "summary").collect();
    assert_eq!(summaries.len(), 2);
    let chosen: Vec<bool> = summaries.iter().map(|s| s["chosen"].as_bool().unwrap()).collect();
    let acc: Vec<f64> = summaries.iter().map(|s| f(&s["val_acc"])).collect();
    assert_eq!(chosen, [acc[0] >= acc[1], acc[1] > acc[0]]);
    let one = headless(&["--steps", "5", "zero_w1"]);
    assert!(summary(&one).get("chosen").is_none(), "one run: no chosen field");
}

#[test]
fn table_prints_one_aligned_row_per_run() {
    let o = nnviz(&["--headless", "--table", "--steps", "50", "regularization/none", "regularization/l1"]);
    assert!(o.status.success());
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    for h in [
        "scenario",
        "steps",
        "train loss",
        "val loss",
        "val acc",
        "test acc",
        "W1 =0",
        "|W1|",
        "frozen",
        "chosen",
    ] {
        assert!(lines[0].contains(h), "{h} missing from {}", lines[0]);
    }
    assert!(lines[1].starts_with("none ") && lines[2].starts_with("l1 "));
    assert_eq!(lines.iter().filter(|l| l.trim_end().ends_with('*')).count(), 1);
    assert_usage_error(&["--table", "zero_w2"], "--table");
    assert_usage_error(&["--headless", "--sweep", "network.hidden=2,4", "zero_w2", "zero_all"], "--sweep");
}

#[test]
fn sweep_runs_every_variant_in_grid_order() {
    let lines = headless(&[
        "--steps",
        "2",
        "--sweep",
        "regularization.l2.W1=0,1e-4",
        "--sweep",
        "dropout.keep_hidden=1,0.5",
        "digits",
    ]);
    let names: Vec<&str> =
        lines.iter().filter(|l| l["event"] == "summary").map(|l| l["scenario"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "digits[regularization.l2.W1=0,dropout.keep_hidden=1]",
            "digits[regularization.l2.W1=0,dropout.keep_hidden=0.5]",
            "digits[regularization.l2.W1=1e-4,dropout.keep_hidden=1]",
            "digits[regularization.l2.W1=1e-4,dropout.keep_hidden=0.5]",
        ]
    );
    assert_usage_error(&["--headless", "--sweep", "train.learing_rate=0.1", "zero_w2"], "did you mean");
}

#[test]
fn extreme_values_never_panic() {
    let dir = scratch("extreme");
    let cases = [
        ("uniform.toml", "[init]\nW1 = { kind = \"uniform\", limit = 1e308 }\n[train]\nsteps = 3\n"),
        (
            "normal.toml",
            "[init]\nW1 = { kind = \"normal\", std = 1e300 }\nW2 = { kind = \"normal\", std = 1e300 }\n[train]\nsteps = 3\n",
        ),
    ];
    for (name, text) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let o = nnviz(&["--headless", path.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn check_checks_every_sweep_variant_and_dump_must_be_a_file() {
    assert_usage_error(
        &["--check", "--sweep", "dropout.keep_hidden=1,2", "zero_w2"],
        "--sweep dropout.keep_hidden=2",
    );
    assert_usage_error(&["--headless", "--dump", "tests", "zero_w2"], "folder");
    let neg = nnviz(&["--headless", "--steps", "1", "--seed", "-1", "zero_w2"]);
    assert!(neg.status.success(), "{}", stderr(&neg));
}

/// A batch loss can overflow while every parameter stays finite (logits near ±1.2e308):
/// the run stops there. Huge but finite weights without regularization do not stop it.
#[test]
fn divergence_is_judged_on_the_batch_loss_and_the_parameters() {
    let dir = scratch("loss-overflow");
    let model = |w1: &str, w2: &str| {
        format!(
            "[data]\nsource = \"inline\"\nx = [[1.0]]\ny = [1]\nclasses = 2\n[network]\nhidden = 1\n\
             [init]\nW1 = {{ kind = \"values\", values = [[{w1}]] }}\n\
             W2 = {{ kind = \"values\", values = [[{w2}], [-{w2}]] }}\n[train]\nsteps = 5\nlearning_rate = 1e-300\n"
        )
    };
    let overflow = dir.join("overflow.toml");
    std::fs::write(&overflow, model("1.3038e154", "9.127e153")).unwrap();
    let s = summary(&headless(&[overflow.to_str().unwrap()])).clone();
    assert_eq!(s["diverged"], 1, "{s}");
    let huge = dir.join("huge.toml");
    std::fs::write(&huge, model("1e200", "1e-200")).unwrap();
    let s = summary(&headless(&[huge.to_str().unwrap()])).clone();
    assert!(s["diverged"].is_null(), "{s}");
    assert_eq!(s["steps"], 5);
}

//! `[[schedule]]`: settings changed at given steps, read and checked like the rest of a
//! scenario, and applied exactly as the same changes made by hand (the UI's knobs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use nnviz::load::{self, Loaded};
use nnviz::scenario::{self, DropoutMode, L1Mode};
use nnviz::train::Trainer;

const BASE: &str = r#"name = "sched"
[data]
source = "blobs"
samples = 200
classes = 3
[network]
hidden = 8
[train]
learning_rate = 0.1
batch_size = 16
steps = 40
"#;

fn loaded(text: &str) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    load::load(path.to_str().unwrap(), None).unwrap()
}

fn error(text: &str) -> String {
    scenario::parse("s.toml", text, std::path::Path::new(""), "s").unwrap_err().to_string()
}

#[test]
fn a_schedule_is_the_same_changes_made_by_hand() {
    let text = format!(
        "{BASE}\n[[schedule]]\nstep = 5\nlearning_rate = 0.5\nl2 = {{ W1 = 0.01 }}\n\n[[schedule]]\nstep = 12\nkeep_hidden = 0.5\nl1 = {{ W2 = 0.001 }}\nl1_mode = \"proximal\"\n\n[[schedule]]\nstep = 30\nkeep_hidden = 1\ndropout_mode = \"classic\"\nlearning_rate = 0.05\n"
    );
    let scheduled = loaded(&text);
    assert_eq!(scheduled.scenario.schedule.len(), 3);
    let mut a = Trainer::from_loaded(&scheduled);
    let mut b = Trainer::from_loaded(&loaded(BASE));
    for _ in 0..40 {
        match b.step {
            5 => {
                let mut s = b.settings();
                s.learning_rate = 0.5;
                s.l2[0] = 0.01;
                b.change_settings(&s);
            }
            12 => {
                let mut s = b.settings();
                s.keep_hidden = 0.5;
                s.l1[1] = 0.001;
                s.l1_mode = L1Mode::Proximal;
                b.change_settings(&s);
            }
            30 => {
                let mut s = b.settings();
                s.keep_hidden = 1.0;
                s.dropout_mode = DropoutMode::Classic;
                s.learning_rate = 0.05;
                b.change_settings(&s);
            }
            _ => {}
        }
        a.step();
        b.step();
        assert_eq!(a.params, b.params, "step {}", a.step);
    }
    assert_eq!(a.scenario.schedule, b.scenario.schedule, "the changes by hand are recorded as the file's");
    assert_eq!(a.settings().learning_rate, 0.05);
}

#[test]
fn headless_lines_show_the_settings_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        format!("{BASE}[train.x]\n").replace("[train.x]\n", "")
            + "\n[[schedule]]\nstep = 20\nlearning_rate = 0.2\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap().replace("steps = 40", "steps = 40\nlog_every = 10");
    std::fs::write(&path, text).unwrap();
    let lines = common::headless(&[path.to_str().unwrap()]);
    let lr = |step: u64| {
        let l = lines.iter().find(|l| l["event"] == "metrics" && l["step"] == step).unwrap();
        l["settings"]["learning_rate"].as_f64().unwrap()
    };
    assert_eq!((lr(10), lr(20), lr(30)), (0.1, 0.2, 0.2), "the entry at 20 governs the update 20 → 21 on");
    let summary = common::summary(&lines);
    assert_eq!(
        summary["settings"],
        serde_json::json!({"learning_rate": 0.2, "l2": {"W1": 0.0, "W2": 0.0}, "l1": {"W1": 0.0, "W2": 0.0},
            "l1_mode": "subgradient", "keep_input": 1.0, "keep_hidden": 1.0, "dropout_mode": "inverted"})
    );
}

#[test]
fn schedule_errors_have_their_position() {
    let cases = [
        (
            "[[schedule]]\nstep = 5\nlearning_rate = 0.2\n[[schedule]]\nstep = 5\nlearning_rate = 0.1\n",
            "s.toml:17:8: schedule.step: steps must increase from entry to entry: 5 comes after 5",
        ),
        (
            "[[schedule]]\nstep = 5\nlearnig_rate = 0.2\n",
            "s.toml:15:1: schedule.learnig_rate: unknown key \"learnig_rate\" (did you mean \"learning_rate\"?)",
        ),
        (
            "[[schedule]]\nstep = 5\nlearning_rate = 0\n",
            "s.toml:15:17: schedule.learning_rate: must be above 0, got 0",
        ),
        ("[[schedule]]\nlearning_rate = 0.2\n", "schedule.step: \"step\" is required"),
        ("[[schedule]]\nstep = 3\n", "schedule: sets nothing"),
        ("[[schedule]]\nstep = 3\nl1_mode = \"prox\"\n", "schedule.l1_mode: unknown l1_mode \"prox\""),
        ("[[schedule]]\nstep = 3\nkeep_hidden = 1.5\n", "schedule.keep_hidden: must be in (0, 1], got 1.5"),
        ("[[schedule]]\nstep = 3\nl2 = { W3 = 0.1 }\n", "schedule.l2.W3: unknown key \"W3\""),
        ("[[schedule]]\nstep = -1\nlearning_rate = 0.2\n", "schedule.step: must be at least 0, got -1"),
    ];
    for (tail, want) in cases {
        let e = error(&format!("{BASE}\n{tail}"));
        assert!(e.contains(want), "want {want:?}\n got {e:?}");
    }
}

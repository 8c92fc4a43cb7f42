//! `nnviz --lecture --check`: the bundled lecture passes every check, a teacher's lessons
//! file is read like a scenario file, and a check that fails says so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{nnviz, stderr, stdout};
use serde_json::Value;

fn lines(o: &std::process::Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

/// Write `text` as `name` in a fresh folder and run `--lecture --check` on it.
fn check_file(name: &str, text: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let file = dir.path().join(name);
    let o = nnviz(&["--lecture", "--check", file.to_str().unwrap()]);
    (dir, o)
}

const ZERO_W2: &str = r#"[[lesson]]
id = "zero_w2"
title = "W2 = b2 = 0"
slide = """Since W2 = 0, g = 0."""
scenario = "zero_w2"
keys = "n n"

  [[lesson.check]]
  step = 2
  value = "summary.frozen.W1.first_change_step"
  equals = 2
  say = "W1 first changes at step 2"
"#;

#[test]
fn the_bundled_lecture_passes_every_check_in_the_slides_order() {
    let o = nnviz(&["--lecture", "--check"]);
    assert!(o.status.success(), "{}\n{}", stderr(&o), stdout(&o));
    let lines = lines(&o);
    let (checks, total) = lines.split_at(lines.len() - 1);
    let mut keys = ["event", "lesson", "step", "value", "expected", "measured", "passed"];
    keys.sort_unstable();
    for c in checks {
        let obj = c.as_object().unwrap();
        assert_eq!(obj.keys().collect::<Vec<_>>(), keys, "{c}");
        assert_eq!(c["event"], "lesson_check");
        assert_eq!(c["passed"], true, "{c}");
    }
    assert!(checks.len() >= 25);
    assert_eq!(
        total[0],
        serde_json::json!({"event": "lecture", "checks": checks.len(), "passed": checks.len()})
    );
    let mut ids: Vec<&str> = checks.iter().map(|c| c["lesson"].as_str().unwrap()).collect();
    ids.dedup();
    let want = [
        "forward",
        "backprop",
        "zero_all",
        "zero_w1",
        "zero_w2",
        "random_init",
        "symmetry",
        "large_init",
        "l2",
        "l1",
        "l1_l2",
        "validation",
        "dropout_example",
        "dropout_retained",
        "dropout_ensemble",
    ];
    assert_eq!(ids, want, "every lesson has checks, in the slides' order");
    // The slide's own numbers, measured.
    let logits =
        checks.iter().find(|c| c["lesson"] == "dropout_example" && c["value"] == "inspect.forward.logits.0");
    assert_eq!(logits.unwrap()["measured"], serde_json::json!([60.0, 132.0]));
}

#[test]
fn a_teachers_file_runs_and_a_false_claim_fails_with_exit_1() {
    let (_d, o) = check_file("mine.toml", ZERO_W2);
    assert!(o.status.success(), "{}", stderr(&o));
    let l = lines(&o);
    assert_eq!(
        l[0],
        serde_json::json!({"event": "lesson_check", "lesson": "zero_w2", "step": 2,
            "value": "summary.frozen.W1.first_change_step", "expected": 2, "measured": 2, "passed": true})
    );
    let (_d, o) = check_file("mine.toml", &ZERO_W2.replace("equals = 2", "equals = 3"));
    assert_eq!(o.status.code(), Some(1));
    let l = lines(&o);
    assert_eq!(l[0]["passed"], false);
    assert_eq!(l[1], serde_json::json!({"event": "lecture", "checks": 1, "passed": 0}));
}

#[test]
fn scenarios_are_found_next_to_the_lessons_file() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::read_to_string(common::root().join("scenarios/zero_w2.toml")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/mine.toml"),
        scenario.replace("name = \"zero_w2\"", "name = \"mine\""),
    )
    .unwrap();
    let text = ZERO_W2.replace("scenario = \"zero_w2\"", "scenario = \"sub/mine.toml\"").replace(
        "value = \"summary.frozen.W1.first_change_step\"\n  equals = 2",
        "value = \"summary.val_acc\"\n  close_to = \"other.sub/mine.toml.summary.val_acc\"\n  tolerance = 0",
    );
    std::fs::write(dir.path().join("lessons.toml"), text).unwrap();
    // Run from elsewhere: the paths are relative to the lessons file, not to the folder.
    let file = dir.path().join("lessons.toml");
    let o = nnviz(&["--lecture", "--check", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["passed"], true);
}

/// The one-line error of a broken lessons file, after the file name.
fn error_of(text: &str) -> String {
    let (_d, o) = check_file("lessons.toml", text);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).is_empty(), "nothing is printed before the file is known good");
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    let at = e.find("lessons.toml:").expect("names the file") + "lessons.toml:".len();
    e[at..].trim_end().to_owned()
}

#[test]
fn a_broken_lessons_file_is_one_line_with_position_and_exit_2() {
    let missing = error_of(&ZERO_W2.replace("scenario = \"zero_w2\"", "scenario = \"no_such\""));
    assert!(missing.starts_with("5:12: lesson.scenario: scenario \"no_such\""), "{missing}");
    let cases = [
        (
            ZERO_W2.replace("  say =", "  sya ="),
            "12:3: lesson.check.sya: unknown key \"sya\" (did you mean \"say\"?)",
        ),
        (ZERO_W2.replace("id = \"zero_w2\"", "id = \"Zero W2\""), "2:6: lesson.id:"),
        (
            ZERO_W2.replace("\"summary.frozen", "\"summry.frozen"),
            "10:11: lesson.check.value: \"summry.frozen",
        ),
        (
            ZERO_W2.replace("first_change_step\"", "first_change_stp\""),
            "10:11: lesson.check.value: summary.frozen.W1 has no key \"first_change_stp\" (did you mean \"first_change_step\"?)",
        ),
        (
            ZERO_W2.replace("equals = 2", "equals = 2\n  at_most = 3"),
            "12:13: lesson.check.at_most: a check has exactly one of",
        ),
        (
            ZERO_W2.replace("equals = 2", "close_to = 2"),
            "8:3: lesson.check.close_to: close_to needs a tolerance",
        ),
        (
            ZERO_W2.replace("equals = 2", "equals = 2\n  tolerance = 1"),
            "12:15: lesson.check.tolerance: tolerance goes with close_to only",
        ),
        (ZERO_W2.replace("step = 2", "step = -2"), "9:10: lesson.check.step: must be at least 0"),
        (
            ZERO_W2.replace("summary.frozen.W1.first_change_step", "other.nope.summary.val_acc"),
            "10:11: lesson.check.value: scenario \"nope\"",
        ),
        (format!("{ZERO_W2}\n{ZERO_W2}"), "15:6: lesson.id: \"zero_w2\" is the id of an earlier lesson too"),
        ("title = \"x\"\n".to_owned(), "1:1: lesson: no lesson"),
        ("[[lesson]\n".to_owned(), "1:"),
    ];
    for (text, want) in cases {
        let got = error_of(&text);
        assert!(got.starts_with(want), "want {want:?}\n got {got:?}");
    }
}

#[test]
fn a_bad_scenario_of_a_lesson_is_reported_in_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "[train]\nlearning_rate = -1\n").unwrap();
    let text = ZERO_W2.replace("scenario = \"zero_w2\"", "scenario = \"bad.toml\"");
    std::fs::write(dir.path().join("lessons.toml"), text).unwrap();
    let o = nnviz(&["--lecture", "--check", dir.path().join("lessons.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    let bad = dir.path().join("bad.toml");
    assert!(e.contains(&format!("{}:2:17: train.learning_rate:", bad.display())), "{e}");
}

#[test]
fn the_lecture_takes_no_other_run_flags() {
    for flags in
        [&["--lecture", "--seed", "3"][..], &["--lecture", "--headless"], &["--lecture", "a.toml", "b.toml"]]
    {
        let o = nnviz(flags);
        assert_eq!(o.status.code(), Some(2), "{flags:?}");
        assert_eq!(stderr(&o).lines().count(), 1);
    }
    assert!(Path::new(&common::root().join("lecture/class22.toml")).is_file());
}

//! The knobs (`c`), their record as a schedule, `w`'s file replayed headless, `p`, `r` and
//! `o`, driven through the app without a terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{screen, text};
use nnviz::app::keymap::{Key, action_for};
use nnviz::app::{Action, App};
use nnviz::scenario::{DropoutMode, L1Mode};
use nnviz::theme::ColorMode;

fn app(arg: &str) -> App {
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open(nnviz::load::load(arg, None).unwrap());
    app
}

fn press(app: &mut App, key: Key) {
    app.handle(action_for(key).unwrap());
}

/// The UI's `s` snapshot of the shown run, written into `dir` and read back.
fn snapshot(a: &App, dir: &std::path::Path) -> serde_json::Value {
    let (json, _) = a.save(dir).unwrap();
    serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap()
}

/// `nnviz --headless --steps N --dump` of a scenario file, read back.
fn replay(file: &std::path::Path, steps: u64, dir: &std::path::Path) -> serde_json::Value {
    let dump = dir.join("replay.json");
    let steps = steps.to_string();
    let o = common::nnviz(&[
        "--headless",
        "--steps",
        &steps,
        "--dump",
        dump.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    serde_json::from_slice(&std::fs::read(dump).unwrap()).unwrap()
}

fn settings(a: &App) -> nnviz::scenario::Settings {
    a.run().unwrap().trainer.settings()
}

#[test]
fn knobs_step_along_their_series_and_limits() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('c'));
    assert_eq!(a.knobs, Some(0), "the first row is the learning rate");
    press(&mut a, Key::Right);
    assert_eq!(settings(&a).learning_rate, 0.2);
    press(&mut a, Key::Right);
    assert_eq!(settings(&a).learning_rate, 0.5);
    for _ in 0..3 {
        press(&mut a, Key::Left);
    }
    assert_eq!(settings(&a).learning_rate, 0.05);
    for _ in 0..40 {
        press(&mut a, Key::Left);
    }
    assert!(settings(&a).learning_rate > 0.0, "the learning rate never reaches 0");
    press(&mut a, Key::Down); // L2 of W1
    press(&mut a, Key::Left);
    assert_eq!(settings(&a).l2[0], 0.0);
    press(&mut a, Key::Right);
    assert_eq!(settings(&a).l2[0], nnviz::app::knobs::SERIES_MIN);
    press(&mut a, Key::Left);
    assert_eq!(settings(&a).l2[0], 0.0, "a strength reaches 0 below the smallest");
    press(&mut a, Key::Down);
    press(&mut a, Key::Down);
    press(&mut a, Key::Down);
    press(&mut a, Key::Down); // L1 mode
    press(&mut a, Key::Right);
    assert_eq!(settings(&a).l1_mode, L1Mode::Proximal);
    press(&mut a, Key::Down);
    press(&mut a, Key::Down); // keep_hidden
    press(&mut a, Key::Right);
    assert_eq!(settings(&a).keep_hidden, 1.0, "keep stays within (0, 1]");
    press(&mut a, Key::Left);
    assert_eq!(settings(&a).keep_hidden, 0.95);
    press(&mut a, Key::Down); // dropout mode
    press(&mut a, Key::Left);
    assert_eq!(settings(&a).dropout_mode, DropoutMode::Classic);
    press(&mut a, Key::Down);
    assert_eq!(a.knobs, Some(0), "Down wraps to the first row");
    // The arrows acted on the knobs, not on the cursor; other keys keep their meaning.
    assert_eq!(a.view.cursor[0], (0, 0));
    press(&mut a, Key::Char('n'));
    assert_eq!(a.run().unwrap().trainer.step, 1);
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("Knobs") && s.contains("learning rate") && s.contains("file 0.1"), "{s}");
    press(&mut a, Key::Esc);
    assert_eq!(a.knobs, None);
    press(&mut a, Key::Char('c'));
    press(&mut a, Key::Char('c'));
    assert_eq!(a.knobs, None, "c closes it too");
}

#[test]
fn a_change_at_step_n_governs_the_update_after_it_and_is_marked() {
    let mut a = app("zero_w2");
    for _ in 0..3 {
        press(&mut a, Key::Char('n'));
    }
    press(&mut a, Key::Char('c'));
    press(&mut a, Key::Right);
    let t = &a.run().unwrap().trainer;
    assert_eq!(t.scenario.schedule.len(), 1);
    assert_eq!(t.scenario.schedule[0].step, 3);
    assert_eq!(t.scenario.schedule[0].learning_rate, Some(0.2));
    // Two changes at one step are one entry.
    press(&mut a, Key::Right);
    assert_eq!(a.run().unwrap().trainer.scenario.schedule.len(), 1);
    assert_eq!(a.run().unwrap().trainer.scenario.schedule[0].learning_rate, Some(0.5));
    press(&mut a, Key::Esc);
    press(&mut a, Key::Char('n'));
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("lr 0.5"), "the header and the chart's mark say it:\n{s}");
}

#[test]
fn w_writes_a_file_that_replays_the_run_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app("regularization/dropout");
    press(&mut a, Key::Char('R')); // fresh seeds: the file must carry them
    press(&mut a, Key::Char('c'));
    a.train(7);
    press(&mut a, Key::Right); // lr 0.3 → 0.5 at step 7
    press(&mut a, Key::Down);
    press(&mut a, Key::Right); // L2 of W1 at step 7
    press(&mut a, Key::Esc);
    a.train(5);
    press(&mut a, Key::Char('c'));
    for _ in 0..7 {
        press(&mut a, Key::Down);
    }
    press(&mut a, Key::Left); // keep_hidden 0.5 → 0.45 at step 12
    press(&mut a, Key::Esc);
    a.paused = false;
    a.train(30);
    let run = a.run().unwrap();
    assert_eq!(run.trainer.step, 42);
    let (path, entries) = nnviz::live::write(dir.path(), &run.loaded, &run.trainer).unwrap();
    assert_eq!(path.file_name().unwrap(), "dropout-live.toml");
    assert_eq!(entries, 2);
    let (again, _) = nnviz::live::write(dir.path(), &run.loaded, &run.trainer).unwrap();
    assert_eq!(again.file_name().unwrap(), "dropout-live-2.toml", "never over an existing file");
    let snapshot = snapshot(&a, dir.path());
    let replay = replay(&path, 42, dir.path());
    assert_eq!(replay["step"], 42);
    assert_eq!(replay["params"], snapshot["params"], "the parameters, byte for byte");
    assert_eq!(replay["grads"], snapshot["grads"]);
    assert_eq!(replay["scenario"], snapshot["scenario"]);
}

#[test]
fn r_drops_the_live_changes_and_p_replays_them() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('n'));
    press(&mut a, Key::Char('c'));
    press(&mut a, Key::Right);
    press(&mut a, Key::Esc);
    for _ in 0..4 {
        press(&mut a, Key::Char('n'));
    }
    let params = a.run().unwrap().trainer.params.clone();
    press(&mut a, Key::Char('p'));
    assert!(a.message.as_deref().unwrap().contains("replaying"));
    assert!(a.run().unwrap().departs());
    for _ in 0..5 {
        press(&mut a, Key::Char('n'));
    }
    assert_eq!(a.run().unwrap().trainer.params, params, "replayed exactly");
    press(&mut a, Key::Char('r'));
    assert!(a.message.as_deref().unwrap().contains("live changes were dropped"), "{:?}", a.message);
    assert!(!a.run().unwrap().departs());
    assert_eq!(settings(&a).learning_rate, 0.1);
}

#[test]
fn o_reloads_the_file_and_shows_its_error_instead_of_exiting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    let text = std::fs::read_to_string(common::root().join("scenarios/zero_w2.toml")).unwrap();
    std::fs::write(&path, &text).unwrap();
    let mut a = app(path.to_str().unwrap());
    press(&mut a, Key::Char('n'));
    std::fs::write(&path, text.replace("learning_rate = 0.1", "learning_rate = 0.3")).unwrap();
    a.handle(Action::Reload);
    assert_eq!(settings(&a).learning_rate, 0.3);
    assert_eq!(a.run().unwrap().trainer.step, 0);
    std::fs::write(&path, text.replace("learning_rate = 0.1", "learning_rate = -1")).unwrap();
    a.handle(Action::Reload);
    let msg = a.message.clone().unwrap();
    assert!(msg.contains("not reloaded") && msg.contains("train.learning_rate"), "{msg}");
    assert!(!a.quit);
    assert_eq!(settings(&a).learning_rate, 0.3, "the run stays as it was");
}

#[test]
fn in_the_compare_view_the_knobs_act_on_the_selected_run() {
    let mut a = App::new(ColorMode::TrueColor);
    a.paused = true;
    a.open_all(vec![
        nnviz::load::load("regularization/none", None).unwrap(),
        nnviz::load::load("regularization/l2", None).unwrap(),
    ]);
    press(&mut a, Key::Tab);
    assert_eq!(a.current, 1);
    press(&mut a, Key::Char('c'));
    press(&mut a, Key::Right);
    assert_eq!(a.current, 1, "Right changed the knob, not the column");
    assert!(a.runs[1].departs() && !a.runs[0].departs());
    assert_eq!(a.runs[0].trainer.settings().learning_rate, 0.3);
    let s = text(&screen(&a, 200, 60));
    assert!(s.contains("departs from its scenario"), "{s}");
}

#[test]
fn w_names_a_csv_by_its_full_path_so_the_file_replays_from_anywhere() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let rows: String = (0..40).map(|i| format!("{},{},{}\n", i % 7, (i * 3) % 5, i % 2)).collect();
    std::fs::write(data.path().join("d.csv"), format!("a,b,label\n{rows}")).unwrap();
    let scenario = data.path().join("s.toml");
    std::fs::write(&scenario, "[data]\nsource = \"csv\"\npath = \"d.csv\"\n[train]\nsteps = 10\n").unwrap();
    let mut a = app(scenario.to_str().unwrap());
    a.train(3);
    press(&mut a, Key::Char('c'));
    press(&mut a, Key::Right);
    a.train(4);
    let run = a.run().unwrap();
    let (path, _) = nnviz::live::write(out.path(), &run.loaded, &run.trainer).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(&std::fs::canonicalize(data.path().join("d.csv")).unwrap().display().to_string()),
        "{text}"
    );
    let replay = replay(&path, 7, out.path());
    let snapshot = snapshot(&a, out.path());
    assert_eq!(replay["params"], snapshot["params"]);
}

#[test]
fn o_reloads_an_edited_name_and_says_live_changes_went() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    let text = std::fs::read_to_string(common::root().join("scenarios/zero_w2.toml")).unwrap();
    std::fs::write(&path, &text).unwrap();
    let mut a = app(path.to_str().unwrap());
    press(&mut a, Key::Char('c'));
    press(&mut a, Key::Right);
    press(&mut a, Key::Esc);
    std::fs::write(&path, text.replace("name = \"zero_w2\"", "name = \"renamed\"")).unwrap();
    a.handle(Action::Reload);
    assert_eq!(a.run().unwrap().loaded.scenario.name, "renamed");
    assert!(a.message.as_deref().unwrap().contains("live changes were dropped"), "{:?}", a.message);
}

//! The UI's state and key handling, without a terminal: keys in, state out.

#![allow(clippy::unwrap_used)]

mod common;

use common::{screen, text};
use nnviz::app::keymap::{KEYMAP, Key, action_for};
use nnviz::app::{Action, App, Budget, Screen};
use nnviz::nn::Tensor;
use nnviz::theme::ColorMode;
use strum::VariantArray;

fn app(name: &str) -> App {
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open(nnviz::load::load(name, None).unwrap());
    app
}

fn press(app: &mut App, key: Key) {
    app.handle(action_for(key).unwrap());
}

#[test]
fn every_action_has_a_key_and_is_in_the_help() {
    // The help as drawn at the smallest size the UI takes, not the list it is drawn from.
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('?'));
    let shown = text(&screen(&a, 80, 24));
    for &action in Action::VARIANTS {
        let b = KEYMAP.iter().find(|b| b.action == action).unwrap_or_else(|| panic!("{action:?} has no key"));
        assert!(
            b.keys.iter().any(|&k| action_for(k) == Some(action)),
            "{action:?}: its keys do something else"
        );
        let entry = format!("{:>7}  {}", b.label, action.description());
        assert!(shown.contains(&entry), "{action:?}: {entry:?} is not in the help:\n{shown}");
    }
}

#[test]
fn step_while_paused_shows_w2_then_w1_moving() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('n'));
    let run = a.run().unwrap();
    assert_eq!(run.trainer.step, 1);
    assert_eq!(run.trainer.changes.first_change_step(Tensor::W2), Some(1));
    assert!(run.trainer.changes.is_frozen(Tensor::W1));
    assert_eq!(run.metrics.step, 1, "a manual step refreshes the numbers");
    press(&mut a, Key::Char('n'));
    assert_eq!(a.run().unwrap().trainer.changes.first_change_step(Tensor::W1), Some(2));
}

#[test]
fn n_while_running_asks_to_pause_first() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char(' '));
    assert!(!a.paused);
    press(&mut a, Key::Char('n'));
    assert_eq!(a.run().unwrap().trainer.step, 0);
    assert!(a.message.as_deref().unwrap().contains("pause first"));
}

#[test]
fn restart_replays_and_fresh_seeds_differ() {
    let mut a = app("random_init");
    let start = a.run().unwrap().trainer.params.clone();
    a.train(25);
    press(&mut a, Key::Char('r'));
    let run = a.run().unwrap();
    assert_eq!(run.trainer.step, 0);
    assert_eq!(run.trainer.params, start);
    press(&mut a, Key::Char('R'));
    assert_ne!(a.run().unwrap().trainer.params, start);
    assert!(a.message.as_deref().unwrap().contains("fresh seed"));
}

#[test]
fn speed_is_bounded_and_budgets_follow_it() {
    let mut a = app("zero_w2");
    for _ in 0..30 {
        press(&mut a, Key::Char('-'));
    }
    assert_eq!(a.speed_label(), "1 step/s");
    a.paused = false;
    assert_eq!(a.budget(0.5), Budget::Nothing);
    assert_eq!(a.budget(0.6), Budget::Steps(1));
    for _ in 0..30 {
        press(&mut a, Key::Char('+'));
    }
    assert_eq!(a.speed_label(), "max speed");
    assert_eq!(a.budget(0.01), Budget::AsManyAsFit);
    a.paused = true;
    assert_eq!(a.budget(1.0), Budget::Nothing);
}

#[test]
fn stops_at_train_steps_and_resumes_past_them() {
    let mut a = app("dropout_slide");
    a.paused = false;
    a.train(1000);
    assert_eq!(a.run().unwrap().trainer.step, 10);
    assert_eq!(a.status(), "done");
    press(&mut a, Key::Char(' '));
    a.train(5);
    assert_eq!(a.run().unwrap().trainer.step, 15);
    assert_eq!(a.status(), "running");
}

#[test]
fn focus_cursor_and_zoom() {
    let mut a = app("zero_w2");
    assert_eq!(a.view.focus, Tensor::W1);
    for _ in 0..40 {
        press(&mut a, Key::Down);
        press(&mut a, Key::Char('l'));
    }
    assert_eq!(a.view.cursor[0], (15, 1), "clamped to W1's 16×2");
    press(&mut a, Key::Tab);
    assert_eq!(a.view.focus, Tensor::B1);
    press(&mut a, Key::BackTab);
    press(&mut a, Key::BackTab);
    assert_eq!(a.view.focus, Tensor::B2);
    press(&mut a, Key::Char('z'));
    press(&mut a, Key::Char('z'));
    press(&mut a, Key::Char('Z'));
    assert_eq!(a.view.zoom[Tensor::B2 as usize], 1);
}

#[test]
fn esc_closes_help_then_quits() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('?'));
    assert!(a.help);
    press(&mut a, Key::Char('n'));
    assert_eq!(a.run().unwrap().trainer.step, 0, "keys do not leak through the help");
    press(&mut a, Key::Esc);
    assert!(!a.help && !a.quit);
    press(&mut a, Key::Char('i'));
    press(&mut a, Key::Esc);
    assert!(!a.info && !a.quit);
    press(&mut a, Key::Esc);
    assert!(a.quit);
    let mut b = app("zero_w2");
    press(&mut b, Key::Ctrl('c'));
    assert!(b.quit);
}

#[test]
fn menu_starts_the_chosen_scenario() {
    let mut a = App::new(ColorMode::Mono);
    assert_eq!(a.screen, Screen::Menu { selected: 0 });
    press(&mut a, Key::Down);
    press(&mut a, Key::Down);
    press(&mut a, Key::Enter);
    assert_eq!(a.screen, Screen::Single);
    assert_eq!(a.run().unwrap().loaded.scenario.name, nnviz::bundled::BUNDLED[2].0);
}

#[test]
fn save_writes_json_and_csv_atomically() {
    let mut a = app("zero_w2");
    a.train(3);
    let dir = std::env::temp_dir().join(format!("nnviz-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, csv) = a.save(&dir).unwrap();
    assert_eq!(json.file_name().unwrap(), "zero-w2-step3.json");
    assert_eq!(csv.file_name().unwrap(), "zero-w2-step3.csv");
    let dump: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(dump["step"], 3);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("# nnviz history of zero_w2"));
    assert!(text.lines().nth(1).unwrap().starts_with("step,train_loss"));
    let leftovers = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"));
    assert_eq!(leftovers.count(), 0);
}

fn compare(names: &[&str]) -> App {
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open_all(names.iter().map(|n| nnviz::load::load(n, None).unwrap()).collect());
    app
}

fn steps(a: &App) -> Vec<u64> {
    a.runs.iter().map(|r| r.trainer.step).collect()
}

#[test]
fn compare_runs_stay_in_lockstep() {
    let mut a = compare(&["regularization/none", "regularization/l2", "regularization/l1"]);
    assert_eq!(a.screen, Screen::Compare);
    press(&mut a, Key::Char('n'));
    assert_eq!(steps(&a), [1, 1, 1]);
    a.paused = false;
    a.train(40);
    assert_eq!(steps(&a), [41, 41, 41]);
    press(&mut a, Key::Char('r'));
    assert_eq!(steps(&a), [0, 0, 0]);
    press(&mut a, Key::Char('R'));
    let seeds: Vec<u64> = a.runs.iter().map(|r| r.loaded.scenario.init.seed).collect();
    assert!(seeds.iter().all(|&s| s == seeds[0]), "one fresh seed for every run");
}

#[test]
fn chosen_follows_validation_accuracy() {
    let mut a = compare(&["zero_w1", "random_init"]);
    a.train(300);
    a.refresh_if_stale();
    let accs: Vec<f64> = a.runs.iter().map(|r| r.metrics.val.unwrap().acc).collect();
    let best = if accs[1] > accs[0] { 1 } else { 0 };
    assert_eq!(a.chosen(), Some(best), "accuracies {accs:?}");
    let none = compare(&["zero_all", "dropout_slide"]);
    assert_eq!(none.chosen(), None, "no validation split, nothing chosen");
}

#[test]
fn enter_and_esc_round_trip_keeps_each_run() {
    let mut a = compare(&["regularization/none", "regularization/l2"]);
    a.train(5);
    press(&mut a, Key::Right);
    assert_eq!(a.current, 1);
    press(&mut a, Key::Enter);
    assert_eq!(a.screen, Screen::Single);
    assert_eq!(a.run().unwrap().loaded.scenario.name, "l2");
    press(&mut a, Key::Char('n'));
    assert_eq!(steps(&a), [6, 6], "stepping in the single view keeps lockstep");
    let params = a.runs[1].trainer.params.clone();
    press(&mut a, Key::Esc);
    assert_eq!(a.screen, Screen::Compare);
    assert_eq!(a.runs[1].trainer.params, params);
    assert!(!a.quit);
    press(&mut a, Key::Esc);
    assert!(a.quit, "Esc quits at the top level");
}

#[test]
fn descriptions_fit_two_help_columns() {
    for &a in Action::VARIANTS {
        assert!(a.description().chars().count() <= 28, "{a:?}: {:?} is too long", a.description());
    }
}

#[test]
fn sub_view_keys_toggle_their_view() {
    use nnviz::app::SubView;
    for (key, view, name) in [
        ('b', SubView::Backprop, "zero_w2"),
        ('d', SubView::Boundary, "zero_w2"),
        ('e', SubView::Ensemble, "regularization/dropout"),
        ('G', SubView::GradCheck, "random_init"),
        ('v', SubView::Network, "dropout_slide"),
    ] {
        let mut a = app(name);
        press(&mut a, Key::Char(key));
        assert_eq!(a.sub, Some(view), "{key} opens {view:?}");
        let p = &a.panels;
        let computed = match view {
            SubView::Backprop => p.backprop.is_some(),
            SubView::Boundary => p.boundary.is_some(),
            SubView::Ensemble => p.ensemble.is_some(),
            SubView::GradCheck => p.gradcheck.is_some(),
            SubView::Network => p.network.is_some(),
        };
        assert!(computed, "{view:?} computed when it opens");
        press(&mut a, Key::Char(key));
        assert_eq!(a.sub, None, "{key} closes {view:?}");
        assert!(!a.quit);
    }
    // Another view's key switches views.
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('b'));
    press(&mut a, Key::Char('G'));
    assert_eq!(a.sub, Some(SubView::GradCheck));
}

#[test]
fn esc_closes_the_sub_view_first() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('b'));
    press(&mut a, Key::Char('i'));
    press(&mut a, Key::Esc);
    assert!(!a.info && a.sub.is_some() && !a.quit, "Esc closes the about text first");
    press(&mut a, Key::Esc);
    assert!(a.sub.is_none() && !a.quit, "then the sub-view");
    press(&mut a, Key::Esc);
    assert!(a.quit, "then quits at the top level");
    // From a compare column: Esc closes the sub-view, then returns to the compare view.
    let mut c = compare(&["regularization/none", "regularization/dropout"]);
    press(&mut c, Key::Char('e'));
    assert!(c.sub.is_none(), "sub-views are for the single view");
    assert!(c.message.as_deref().unwrap().contains("Enter"));
    press(&mut c, Key::Right);
    press(&mut c, Key::Enter);
    press(&mut c, Key::Char('e'));
    assert!(c.panels.ensemble.as_ref().unwrap().result.is_ok());
    press(&mut c, Key::Esc);
    assert_eq!((c.screen, c.sub), (Screen::Single, None));
    press(&mut c, Key::Esc);
    assert_eq!(c.screen, Screen::Compare);
    assert!(!c.quit);
}

#[test]
fn brackets_move_the_example_within_the_batch() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('['));
    assert!(a.message.as_deref().unwrap().contains("backprop"), "[ outside b and d says where it works");
    press(&mut a, Key::Char('b'));
    press(&mut a, Key::Char('['));
    assert_eq!(a.example(), 0, "clamped at the first example");
    press(&mut a, Key::Char(']'));
    press(&mut a, Key::Char(']'));
    assert_eq!(a.example(), 2);
    assert_eq!(a.panels.backprop.as_ref().unwrap().example, 2);
    for _ in 0..100 {
        press(&mut a, Key::Char(']'));
    }
    let b = a.panels.backprop.as_ref().unwrap();
    assert_eq!(b.rows(), 32);
    assert_eq!((a.example(), b.example), (31, 31), "clamped at the last example of the batch");
    // The per-example gradient is that example's: ∇W2 = (ŷ−y)hᵀ.
    let ws = &b.inspection.ws;
    assert_eq!(b.dw2[[1, 3]], ws.err[[31, 1]] * ws.h[[31, 3]]);
    // A smaller batch clamps the index.
    let mut z = app("zero_all");
    press(&mut z, Key::Char('b'));
    for _ in 0..20 {
        press(&mut z, Key::Char(']'));
    }
    assert_eq!(z.example(), 9, "zero_all's batch has 10 rows");
}

#[test]
fn open_views_follow_steps_and_restarts() {
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('b'));
    assert_eq!(a.panels.backprop.as_ref().unwrap().step, 0);
    press(&mut a, Key::Char('n'));
    assert_eq!(a.panels.backprop.as_ref().unwrap().step, 1, "recomputed after a step");
    a.train(5);
    a.refresh_if_stale();
    assert_eq!(a.panels.backprop.as_ref().unwrap().step, 6, "and on refresh");
    press(&mut a, Key::Char('r'));
    assert_eq!(a.panels.backprop.as_ref().unwrap().step, 0);
    // The gradient check is computed on key presses only, and says when.
    press(&mut a, Key::Char('G'));
    a.train(3);
    a.refresh_if_stale();
    assert_eq!(a.panels.gradcheck.as_ref().unwrap().step, 0);
}

#[test]
fn u_cycles_the_hidden_units_on_2d_data() {
    use nnviz::app::panels::Boundary;
    let mut a = app("zero_w2");
    press(&mut a, Key::Char('u'));
    assert!(a.message.is_some(), "u outside the boundary view says where it works");
    press(&mut a, Key::Char('d'));
    assert!(matches!(a.panels.boundary, Some(Boundary::Plane(ref p)) if p.unit.is_none()));
    press(&mut a, Key::Char('u'));
    assert_eq!(a.unit(), Some(0));
    let Some(Boundary::Plane(p)) = &a.panels.boundary else { panic!("a plane") };
    assert_eq!(p.unit.as_ref().unwrap().0, 0);
    for _ in 0..15 {
        press(&mut a, Key::Char('u'));
    }
    assert_eq!(a.unit(), Some(15));
    press(&mut a, Key::Char('u'));
    assert_eq!(a.unit(), None, "after the last unit, back to the predicted class");
    let mut digits = app("digits");
    press(&mut digits, Key::Char('d'));
    assert!(matches!(digits.panels.boundary, Some(Boundary::Images(_))));
    press(&mut digits, Key::Char(']'));
    let Some(Boundary::Images(im)) = &digits.panels.boundary else { panic!("images") };
    assert_eq!(im.example, 1);
}

#[test]
fn ensemble_numbers_are_deterministic() {
    use nnviz::app::panels::{Ensemble, NoEnsemble};
    let mut a = app("regularization/dropout");
    a.train(40);
    let t = &a.run().unwrap().trainer;
    let (one, two) = (Ensemble::compute(t), Ensemble::compute(t));
    assert_eq!(one, two);
    let r = one.result.unwrap();
    for s in [r.full, r.k1, r.k10, r.k100] {
        assert!((0.0..=1.0).contains(&s.acc) && s.loss.is_finite() && s.loss > 0.0);
    }
    // The same seed in a fresh app gives the same numbers.
    let mut b = app("regularization/dropout");
    b.train(40);
    press(&mut b, Key::Char('e'));
    assert_eq!(b.panels.ensemble.as_ref().unwrap().result, Ok(r));
    let none = Ensemble::compute(&app("zero_w2").run().unwrap().trainer);
    assert_eq!(none.result, Err(NoEnsemble::NoDropout));
    let slide = Ensemble::compute(&app("dropout_slide").run().unwrap().trainer);
    assert_eq!(slide.result, Err(NoEnsemble::NoValidation));
}

#[test]
fn gradient_check_is_small_after_a_few_steps() {
    let mut a = app("random_init");
    a.train(5);
    press(&mut a, Key::Char('G'));
    let c = a.panels.gradcheck.as_ref().unwrap();
    assert_eq!(c.step, 5);
    assert!(!c.capped(), "a small network is checked in full");
    for (i, e) in c.max_rel_error.iter().enumerate() {
        let e = e.unwrap();
        assert!(e < 1e-5, "tensor {i}: {e}");
        assert_eq!(c.checked[i] + c.skipped[i], c.total[i]);
    }
}

#[test]
fn n_after_the_end_steps_once_and_stays_paused() {
    let mut a = app("dropout_slide");
    a.paused = false;
    a.train(100);
    assert_eq!(a.status(), "done");
    press(&mut a, Key::Char('n'));
    assert_eq!(a.run().unwrap().trainer.step, 11);
    assert!(a.paused, "one step, not a resumed run");
    assert_eq!(a.budget(1.0), Budget::Nothing);
}

#[test]
fn the_loop_waits_for_input_only_until_the_next_step_is_owed() {
    let mut a = app("zero_w2");
    assert_eq!(a.wait_hint(0.033), 0.033, "paused: a whole frame");
    a.paused = false;
    for _ in 0..30 {
        press(&mut a, Key::Char('-'));
    }
    for _ in 0..6 {
        press(&mut a, Key::Char('+'));
    }
    assert_eq!(a.speed_label(), "100 steps/s");
    assert!(a.wait_hint(0.033) <= 0.01, "a step is owed every 10 ms");
    for _ in 0..30 {
        press(&mut a, Key::Char('+'));
    }
    assert_eq!(a.wait_hint(0.033), 0.0, "max speed: only look for input");
}

#[test]
fn network_view_is_the_slides_dropout_example() {
    // dropout_slide: x = [0, 1, 2], input 2 and hidden unit 2 dropped (the red neurons),
    // logits [60, 132] as on the slide.
    let mut a = app("dropout_slide");
    press(&mut a, Key::Char('v'));
    let n = a.panels.network.as_ref().unwrap();
    assert_eq!(n.x, [0.0, 1.0, 2.0]);
    assert_eq!(n.input_kept, [true, false, true]);
    assert_eq!(n.hidden_kept, [true, false, true]);
    assert_eq!(n.logits, [60.0, 132.0]);
    assert_eq!(n.step, 0);
    // One step on, the view follows the run.
    press(&mut a, Key::Char('n'));
    assert_eq!(a.panels.network.as_ref().unwrap().step, 1);
}

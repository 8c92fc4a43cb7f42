//! The lecture tour in the UI, driven without a terminal: lessons open their scenarios, the
//! checks are measured on the run as it reaches their steps, the list and the progress file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{screen, text};
use nnviz::app::keymap::{Key, action_for};
use nnviz::app::{App, LessonState, Status};
use nnviz::lecture::Lecture;
use nnviz::theme::ColorMode;

fn tour(state: Option<std::path::PathBuf>) -> App {
    let mut app = App::new(ColorMode::TrueColor);
    app.open_tour(Lecture::bundled().unwrap(), state);
    app
}

fn press(app: &mut App, key: Key) {
    app.handle(action_for(key).unwrap());
}

fn lesson_id(app: &App) -> String {
    app.tour().unwrap().lesson().id.clone()
}

fn statuses(app: &App) -> Vec<Status> {
    let t = app.tour().unwrap();
    t.status[t.index].clone()
}

#[test]
fn opens_on_lesson_1_and_pages_through_the_lessons() {
    let mut a = tour(None);
    assert_eq!(lesson_id(&a), "forward");
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("lesson 1 of 15"), "{s}");
    assert!(s.contains("Lesson 1 of 15: Forward propagation"), "{s}");
    assert_eq!(a.run().unwrap().loaded.scenario.name, "forward_slide");
    press(&mut a, Key::Char('>'));
    assert_eq!(lesson_id(&a), "backprop");
    press(&mut a, Key::PageDown);
    assert_eq!(lesson_id(&a), "zero_all");
    assert_eq!(a.run().unwrap().loaded.scenario.name, "zero_all");
    press(&mut a, Key::PageUp);
    press(&mut a, Key::Char('<'));
    assert_eq!(lesson_id(&a), "forward");
    press(&mut a, Key::Char('<'));
    assert_eq!(lesson_id(&a), "forward", "nothing before the first lesson");
    assert!(a.message.as_deref().unwrap().contains("first lesson"));
    // Every other key keeps its meaning: the arrows move the cursor.
    press(&mut a, Key::Down);
    assert_eq!(a.view.cursor[0], (1, 0));
}

#[test]
fn step_zero_checks_are_measured_at_once() {
    let a = tour(None);
    let st = statuses(&a);
    assert_eq!(st.len(), 4);
    for s in st {
        let Status::Measured(o) = s else { panic!("{s:?}") };
        assert!(o.passed);
    }
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("✓ logits W2h + b2 = [120, 273]"), "{s}");
}

#[test]
fn checks_are_measured_on_the_run_when_it_reaches_their_step() {
    let mut a = tour(None);
    for _ in 0..4 {
        press(&mut a, Key::Char('>'));
    }
    assert_eq!(lesson_id(&a), "zero_w2");
    assert!(statuses(&a).iter().all(|s| *s == Status::Ahead));
    press(&mut a, Key::Char('n'));
    let st = statuses(&a);
    assert!(matches!(&st[0], Status::Measured(o) if o.passed), "{st:?}");
    assert_eq!(st[3], Status::Ahead, "the step-2 checks wait for step 2");
    // Running: training stops at step 2 for its checks, whatever the budget.
    press(&mut a, Key::Char(' '));
    a.train(500);
    assert_eq!(a.run().unwrap().trainer.step, 2);
    let st = statuses(&a);
    assert!(
        matches!(&st[3], Status::Measured(o) if o.passed && o.measured == serde_json::json!(2)),
        "{st:?}"
    );
    assert_eq!(st[5], Status::Ahead);
    // The last check compares with another run, trained on another thread.
    while a.run().unwrap().trainer.step < 3000 {
        a.train(10_000);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !matches!(statuses(&a)[5], Status::Measured(_)) && std::time::Instant::now() < deadline {
        a.collect();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(matches!(&statuses(&a)[5], Status::Measured(o) if o.passed), "{:?}", statuses(&a)[5]);
    assert_eq!(a.tour().unwrap().state(4), LessonState::Passing { measured: 6, total: 6 });
    // A restart forgets what the old run measured past step 0.
    press(&mut a, Key::Char('r'));
    assert!(statuses(&a).iter().all(|s| *s == Status::Ahead));
}

#[test]
fn the_list_shows_each_lessons_state_and_opens_one() {
    let mut a = tour(None);
    press(&mut a, Key::Char('L'));
    let s = text(&screen(&a, 120, 40));
    assert!(s.contains("15 lessons") && s.contains("dropout_ensemble"), "{s}");
    assert_eq!(a.tour().unwrap().state(0), LessonState::Passing { measured: 4, total: 4 });
    assert_eq!(a.tour().unwrap().state(1), LessonState::NotReached);
    press(&mut a, Key::Down);
    press(&mut a, Key::Down);
    press(&mut a, Key::Enter);
    assert_eq!(lesson_id(&a), "zero_all");
    assert!(a.tour().unwrap().list.is_none());
    press(&mut a, Key::Char('L'));
    press(&mut a, Key::Esc);
    assert!(a.tour().unwrap().list.is_none() && !a.quit);
}

#[test]
fn the_tour_remembers_the_last_lesson_and_asks_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state/nnviz/lecture.json");
    let mut a = tour(Some(file.clone()));
    assert!(a.tour().unwrap().resume.is_none(), "nothing saved yet");
    press(&mut a, Key::Char('>'));
    press(&mut a, Key::Char('>'));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["lectures"]["bundled"], "zero_all");
    let mut b = tour(Some(file.clone()));
    assert_eq!(lesson_id(&b), "forward", "it opens on lesson 1 and asks");
    assert_eq!(b.tour().unwrap().resume, Some(2));
    assert!(text(&screen(&b, 80, 24)).contains("Resume the tour?"));
    press(&mut b, Key::Enter);
    assert_eq!(lesson_id(&b), "zero_all");
    let mut c = tour(Some(file.clone()));
    press(&mut c, Key::Char('n'));
    assert_eq!(lesson_id(&c), "forward");
    assert!(c.tour().unwrap().resume.is_none() && !c.quit);
    assert_eq!(c.run().unwrap().trainer.step, 0, "n answered the question, it took no step");
    // Starting over is lesson 1 from now on; y says yes as Enter does.
    let mut d = tour(Some(file.clone()));
    assert!(d.tour().unwrap().resume.is_none());
    press(&mut d, Key::Char('>'));
    let mut e = tour(Some(file));
    press(&mut e, Key::Char('y'));
    assert_eq!(lesson_id(&e), "backprop");
}

#[test]
fn lesson_keys_outside_the_tour_say_where_they_work() {
    let mut a = App::new(ColorMode::TrueColor);
    a.open(nnviz::load::load("zero_w2", None).unwrap());
    press(&mut a, Key::Char('>'));
    assert!(a.message.as_deref().unwrap().contains("nnviz --lecture"));
}

#[test]
fn the_tour_at_each_size() {
    let mut a = tour(None);
    for _ in 0..4 {
        press(&mut a, Key::Char('>'));
    }
    press(&mut a, Key::Char('n'));
    insta::assert_snapshot!("tour_zero_w2_step1_80x24", text(&screen(&a, 80, 24)));
    insta::assert_snapshot!("tour_zero_w2_step1_120x40", text(&screen(&a, 120, 40)));
}

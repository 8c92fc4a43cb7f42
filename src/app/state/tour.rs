//! The lecture tour in the UI (`nnviz --lecture`): the open lesson runs its scenario in the
//! single view, and each of its checks is measured on that run when the run stands at the
//! check's step (training pauses there for the measurement, never skips it). Values of other
//! scenarios (`other.…`) are trained on another thread from their files' own seeds.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};

use serde_json::Value;

use super::App;
use crate::app::Action;
use crate::lecture::eval::{self, Documents, Needs, Outcome, Roots};
use crate::lecture::{Lecture, Lesson, Path, progress};

/// What a check shows now.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Its step is not reached yet.
    Ahead,
    /// Reached; an `other.` run it compares with is still being trained.
    Waiting,
    Measured(Outcome),
    /// A path the document does not have (the file was checked at step 0, so rare).
    Broken(String),
}

/// How far a lesson got, for the list of lessons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LessonState {
    /// No check measured yet.
    NotReached,
    /// Every measured check passed (`measured` of `total`).
    Passing { measured: usize, total: usize },
    /// Some measured check failed.
    Failing { failed: usize },
}

pub struct Tour {
    pub lecture: Arc<Lecture>,
    pub index: usize,
    /// Per lesson and check: what its last run measured.
    pub status: Vec<Vec<Status>>,
    /// The documents of the open lesson's run at its check steps.
    own: HashMap<u64, Value>,
    /// The documents of the `other.` runs of the open lesson, once trained.
    others: Documents,
    pending: Option<(Receiver<Documents>, Arc<AtomicBool>)>,
    /// The list of lessons (`L`) is open, with this row selected.
    pub list: Option<usize>,
    /// Asking whether to resume at this lesson (saved progress).
    pub resume: Option<usize>,
    state_file: Option<PathBuf>,
}

impl Tour {
    pub fn lesson(&self) -> &Lesson {
        &self.lecture.lessons[self.index]
    }

    pub fn state(&self, i: usize) -> LessonState {
        let measured: Vec<&Outcome> = self.status[i]
            .iter()
            .filter_map(|s| match s {
                Status::Measured(o) => Some(o),
                _ => None,
            })
            .collect();
        let failed = measured.iter().filter(|o| !o.passed).count()
            + self.status[i].iter().filter(|s| matches!(s, Status::Broken(_))).count();
        if failed > 0 {
            LessonState::Failing { failed }
        } else if measured.is_empty() {
            LessonState::NotReached
        } else {
            LessonState::Passing { measured: measured.len(), total: self.status[i].len() }
        }
    }

    /// The last step the open lesson's checks read: its run goes at least that far.
    fn last_step(&self) -> u64 {
        self.lesson().checks.iter().map(|c| c.step).max().unwrap_or(0)
    }

    /// The name of an `other.` scenario, for "waiting for …".
    pub fn scenario_name(&self, p: &Path) -> &str {
        &self.lecture.scenarios[self.lecture.scenario_of(self.lesson(), p)].scenario.name
    }

    /// Whether some `other.` run of the open lesson is still being trained.
    pub fn computing(&self) -> bool {
        self.pending.is_some()
    }

    fn stop_background(&mut self) {
        if let Some((_, stop)) = self.pending.take() {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

impl Drop for Tour {
    fn drop(&mut self) {
        self.stop_background();
    }
}

impl App {
    /// Open the tour on lesson 1; with saved progress further on, ask whether to resume.
    pub fn open_tour(&mut self, lecture: Lecture, state_file: Option<PathBuf>) {
        let saved = state_file.as_deref().and_then(|f| progress::saved(&lecture, f)).filter(|&i| i > 0);
        let status = lecture.lessons.iter().map(|l| vec![Status::Ahead; l.checks.len()]).collect();
        self.tour = Some(Tour {
            lecture: Arc::new(lecture),
            index: 0,
            status,
            own: HashMap::new(),
            others: Documents::new(),
            pending: None,
            list: None,
            resume: saved,
            state_file,
        });
        self.open_lesson(0);
    }

    pub fn tour(&self) -> Option<&Tour> {
        self.tour.as_ref()
    }

    /// Show lesson `i`: its scenario from step 0, its checks not yet measured, the other runs
    /// it compares with started on another thread; remember it in the progress file.
    fn open_lesson(&mut self, i: usize) {
        let Some(tour) = &mut self.tour else { return };
        tour.stop_background();
        tour.index = i;
        tour.status[i].fill(Status::Ahead);
        tour.own.clear();
        tour.others.clear();
        let lecture = Arc::clone(&tour.lecture);
        let lesson = &lecture.lessons[i];
        let mut needs = Needs::new();
        eval::add_needs(&lecture, lesson, &mut needs, false, false, true);
        if !needs.is_empty() {
            let (tx, rx) = mpsc::channel();
            let stop = Arc::new(AtomicBool::new(false));
            let (lec, flag) = (Arc::clone(&lecture), Arc::clone(&stop));
            std::thread::spawn(move || {
                let docs = eval::documents(&lec, &needs, &|| flag.load(Ordering::Relaxed));
                // The tour may have moved on: then nobody wants them.
                let _ = tx.send(docs);
            });
            tour.pending = Some((rx, stop));
        }
        if let Some(file) = &tour.state_file
            && let Err(e) = progress::save(&lecture, i, file)
        {
            self.message = Some(format!("could not save the tour's progress in {}: {e}", file.display()));
        }
        let loaded = lecture.scenarios[lesson.scenario].clone();
        self.paused = self.overrides.paused;
        self.open(loaded);
        self.observe_tour();
    }

    /// Where a run of this scenario stops: `--steps` or `train.steps`, and in the tour at
    /// least the open lesson's last check step.
    pub(super) fn stop_at(&self, loaded: &crate::load::Loaded) -> u64 {
        let base = self.overrides.stop_at(loaded);
        self.tour.as_ref().map_or(base, |t| base.max(t.last_step()))
    }

    /// How many steps the run may take before the next check wants it measured.
    pub(super) fn tour_limit(&self) -> u64 {
        let (Some(tour), Some(run)) = (&self.tour, self.runs.first()) else { return u64::MAX };
        let now = run.trainer.step;
        let next = tour
            .lesson()
            .checks
            .iter()
            .zip(&tour.status[tour.index])
            .filter(|(c, s)| c.step > now && **s == Status::Ahead)
            .map(|(c, _)| c.step - now)
            .min();
        next.unwrap_or(u64::MAX)
    }

    /// A restart: what the old run measured goes (the new one may differ: fresh seeds).
    pub(super) fn tour_restarted(&mut self) {
        if let Some(tour) = &mut self.tour {
            tour.status[tour.index].fill(Status::Ahead);
            tour.own.clear();
        }
        self.observe_tour();
    }

    /// Measure the checks the run has reached: at its step now (or at the step it diverged
    /// at, for every later one), from a copy of its trainer.
    pub(super) fn observe_tour(&mut self) {
        let (Some(tour), Some(run)) = (&mut self.tour, self.runs.first()) else { return };
        let step = run.trainer.step;
        let stuck = run.trainer.diverged.is_some();
        let lecture = Arc::clone(&tour.lecture);
        let lesson = &lecture.lessons[tour.index];
        let reached = |s: u64| s <= step || stuck;
        // The documents this step owes: the own paths of the checks at it (all later ones
        // when the run diverged and will not go further).
        let mut roots: HashMap<u64, Roots> = HashMap::new();
        for c in &lesson.checks {
            let now = c.step == step || (stuck && c.step > step);
            if now && !tour.own.contains_key(&c.step) {
                for p in eval::paths(c).filter(|p| p.scenario.is_none()) {
                    roots.entry(c.step).or_default().insert(p.root);
                }
            }
        }
        for (s, roots) in roots {
            let mut t = run.trainer.clone();
            tour.own.insert(s, eval::document(&run.loaded, &mut t, &roots));
        }
        let (own, others) = (&tour.own, &tour.others);
        for (c, status) in lesson.checks.iter().zip(&mut tour.status[tour.index]) {
            if !matches!(status, Status::Ahead | Status::Waiting) || !reached(c.step) {
                continue;
            }
            let doc = |p: &Path| match p.scenario {
                None => own.get(&c.step),
                Some(s) => others.get(&(s, c.step)),
            };
            *status = match eval::evaluate(&lecture, c, &doc) {
                None => Status::Waiting,
                Some(Ok(o)) => Status::Measured(o),
                Some(Err(e)) => Status::Broken(e.reason),
            };
        }
    }

    /// Take the other runs' documents when they are ready; returns whether they arrived.
    pub(super) fn collect_tour(&mut self) -> bool {
        let Some(tour) = &mut self.tour else { return false };
        let Some((rx, _)) = &tour.pending else { return false };
        match rx.try_recv() {
            Ok(docs) => {
                tour.others = docs;
                tour.pending = None;
                self.observe_tour();
                true
            }
            Err(mpsc::TryRecvError::Empty) => false,
            Err(mpsc::TryRecvError::Disconnected) => {
                tour.pending = None;
                false
            }
        }
    }

    /// The tour's keys: `>`/`<` (PageDown/PageUp) between lessons, `L` the list, and the
    /// keys of the list and of the resume question while they are open. Returns whether it
    /// took the key.
    pub(super) fn tour_action(&mut self, action: Action) -> bool {
        let Some(tour) = &mut self.tour else {
            if matches!(action, Action::NextLesson | Action::PrevLesson | Action::Lessons) {
                self.message = Some("lessons belong to the tour: nnviz --lecture".to_owned());
                return true;
            }
            return false;
        };
        let n = tour.lecture.lessons.len();
        if let Some(saved) = tour.resume {
            // A yes/no question: y (the key of the log axis elsewhere) or Enter says yes,
            // n (one step elsewhere) or Esc says no.
            match action {
                Action::Quit => self.quit = true,
                Action::Enter | Action::ToggleLogY => {
                    tour.resume = None;
                    self.open_lesson(saved);
                }
                Action::Back | Action::Step => tour.resume = None,
                _ => {}
            }
            return true;
        }
        if let Some(row) = tour.list {
            match action {
                Action::Up => tour.list = Some((row + n - 1) % n),
                Action::Down => tour.list = Some((row + 1) % n),
                Action::Enter => {
                    tour.list = None;
                    self.open_lesson(row);
                }
                Action::Lessons | Action::Back => tour.list = None,
                Action::Quit => self.quit = true,
                _ => {}
            }
            return true;
        }
        let i = tour.index;
        match action {
            Action::NextLesson if i + 1 < n => self.open_lesson(i + 1),
            Action::NextLesson => self.message = Some(format!("this is the last lesson ({n} of {n})")),
            Action::PrevLesson if i > 0 => self.open_lesson(i - 1),
            Action::PrevLesson => self.message = Some(format!("this is the first lesson (1 of {n})")),
            Action::Lessons => tour.list = Some(i),
            _ => return false,
        }
        true
    }
}

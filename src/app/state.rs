//! UI state and logic, no drawing: keys in (see `state/dispatch.rs`), state out. The clock
//! stays outside: the runner tells the app how much time passed and how long it may train.

mod dispatch;
mod tour;

pub use tour::{LessonState, Status, Tour};

use std::path::{Path, PathBuf};

use super::pacing::{Budget, Pacing};
use super::panels::{Backprop, Boundary, Ensemble, Network, Panels, SubView};
use super::run::{Run, history_csv};
use crate::bundled;
use crate::load::Loaded;
use crate::nn::Tensor;
use crate::scenario;
use crate::theme::{ColorMode, Palette};

/// The loss charts switch to a log y-axis by themselves when the plotted losses span more
/// than this factor.
pub const AUTO_LOG_RATIO: f64 = 10.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The bundled scenarios, to pick one (nnviz with no argument).
    Menu {
        selected: usize,
    },
    Single,
    /// Several runs side by side, trained in lockstep.
    Compare,
}

/// Per-heatmap view settings.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub focus: Tensor,
    pub cursor: [(usize, usize); 4],
    pub zoom: [u32; 4],
    /// In narrow terminals: show gradients instead of weights.
    pub show_grads: bool,
    pub shared_scale: bool,
    pub mask: bool,
}

impl Default for View {
    fn default() -> Self {
        View {
            focus: Tensor::W1,
            cursor: [(0, 0); 4],
            zoom: [0; 4],
            show_grads: false,
            shared_scale: false,
            mask: false,
        }
    }
}

pub struct App {
    pub screen: Screen,
    /// One run in the single view, several in the compare view.
    pub runs: Vec<Run>,
    /// The run the single view shows; the selected column in the compare view.
    pub current: usize,
    /// First column shown in the compare view.
    pub scroll: usize,
    pub paused: bool,
    pacing: Pacing,
    overrides: Overrides,
    pub view: View,
    pub help: bool,
    pub info: bool,
    /// The open sub-view of the single view (`b`, `d`, `e`, `G`), if any.
    pub sub: Option<SubView>,
    /// The example of the next batch that `b` (and `d` on 8×8 images) shows.
    example: usize,
    /// `d` on 2-D inputs: a hidden unit's output instead of the predicted class.
    unit: Option<usize>,
    /// What the sub-views show, computed on key presses and refreshes (never in draw).
    pub panels: Panels,
    pub message: Option<String>,
    pub quit: bool,
    /// Ctrl-Z was pressed: the runner gives the terminal back and stops the process.
    pub suspend: bool,
    /// Steps per second actually trained, measured by the runner.
    pub measured_rate: f64,
    pub colors: ColorMode,
    /// The loss charts' y-axis as chosen with `y`: `Some(true)` log, `Some(false)` linear,
    /// `None` automatic (see [`App::log_y_on`]).
    log_y: Option<bool>,
    /// Source of fresh seeds for `R` (seeded from the clock by `main`; fixed in tests).
    fresh: u64,
    pub palette: Palette,
    /// The bundled scenarios' names and about lines, for the menu.
    pub menu: Vec<(String, String)>,
    /// Refresh slow evaluations on other threads (the interactive loop sets it).
    background: bool,
    /// The menu entry the run was started from: Esc goes back there.
    from_menu: Option<usize>,
    /// `nnviz --lecture`: the tour, its open lesson and what its checks measured.
    tour: Option<Tour>,
    /// The knobs panel (`c`) is open, with this row selected.
    pub knobs: Option<usize>,
    /// The runs are a `--sweep`'s variants: `o` cannot read them back from the file.
    pub from_sweep: bool,
}

/// The best run on validation, as the compare view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// A unique best, after an evaluation past step 0.
    One(usize),
    /// Several runs share the best validation accuracy and loss.
    Tie(Vec<usize>),
    /// Some run has not been evaluated past step 0 (all runs are alike there).
    NotYet,
    NoValidation,
}

/// What the command line sets for every run the app opens, from the menu too.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overrides {
    /// `--steps`: where runs stop instead of `train.steps`.
    pub steps: Option<u64>,
    /// `--seed`: the seed of scenarios opened from the menu.
    pub seed: Option<u64>,
    /// `--paused`: runs open paused.
    pub paused: bool,
}

impl Overrides {
    /// The step a run of this scenario stops at.
    fn stop_at(&self, loaded: &Loaded) -> u64 {
        self.steps.unwrap_or(loaded.scenario.train.steps)
    }
}

impl App {
    pub fn new(colors: ColorMode) -> Self {
        App {
            screen: Screen::Menu { selected: 0 },
            runs: Vec::new(),
            current: 0,
            scroll: 0,
            paused: false,
            pacing: Pacing::default(),
            overrides: Overrides::default(),
            view: View::default(),
            help: false,
            info: false,
            sub: None,
            example: 0,
            unit: None,
            panels: Panels::default(),
            message: None,
            quit: false,
            suspend: false,
            measured_rate: 0.0,
            colors,
            log_y: None,
            fresh: 0x9E37_79B9,
            palette: Palette::new(colors),
            menu: bundled::BUNDLED.iter().map(|(name, text)| (name.to_string(), about(name, text))).collect(),
            background: false,
            from_menu: None,
            tour: None,
            knobs: None,
            from_sweep: false,
        }
    }

    /// The command line's settings: `--paused` also pauses the app.
    pub fn with_overrides(mut self, overrides: Overrides) -> Self {
        self.overrides = overrides;
        self.paused = overrides.paused;
        self
    }

    /// Where the fresh seeds of `R` start.
    pub fn with_fresh_seeds(mut self, from: u64) -> Self {
        self.fresh = from;
        self
    }

    /// From now on, refresh slow evaluations on other threads so a key press is drawn at
    /// once (the interactive loop; tests and benchmarks refresh in place).
    pub fn evaluate_in_background(&mut self) {
        self.background = true;
    }

    /// Open one loaded scenario in the single view.
    pub fn open(&mut self, loaded: Loaded) {
        self.open_all(vec![loaded]);
    }

    /// Open scenarios: one in the single view, several in the compare view.
    pub fn open_all(&mut self, loaded: Vec<Loaded>) {
        self.runs = loaded
            .into_iter()
            .map(|l| {
                let stop = self.stop_at(&l);
                Run::start(l, stop, self.background)
            })
            .collect();
        self.current = 0;
        self.scroll = 0;
        self.screen = if self.runs.len() > 1 { Screen::Compare } else { Screen::Single };
        // The lecture's step-by-step cases open paused at step 0 (`[ui] paused = true`).
        if self.runs.iter().any(|r| r.loaded.scenario.ui.paused) {
            self.paused = true;
        }
        self.view = View::default();
        self.pacing.forget_credit();
        self.close_sub();
    }

    /// The run the single view shows (the selected column in the compare view).
    pub fn run(&self) -> Option<&Run> {
        self.runs.get(self.current)
    }

    /// The run to quote, chosen on validation (see [`crate::train::compare::choose`]): only
    /// once every run has been evaluated past step 0, and only a unique best.
    pub fn chosen(&self) -> Option<usize> {
        match self.choice() {
            Choice::One(i) => Some(i),
            _ => None,
        }
    }

    /// What the compare view can say about the best run on validation right now.
    pub fn choice(&self) -> Choice {
        let val: Vec<_> =
            self.runs.iter().map(|r| (r.metrics.val.map(|e| e.acc), r.metrics.val.map(|e| e.loss))).collect();
        let Some(best) = crate::train::compare::choose(&val) else { return Choice::NoValidation };
        if self.runs.iter().any(|r| r.metrics.step == 0) {
            return Choice::NotYet;
        }
        let tied: Vec<usize> = (0..val.len()).filter(|&i| val[i] == val[best]).collect();
        if tied.len() > 1 { Choice::Tie(tied) } else { Choice::One(best) }
    }

    pub fn comparing(&self) -> bool {
        self.runs.len() > 1
    }

    pub fn all_done(&self) -> bool {
        !self.runs.is_empty() && self.runs.iter().all(Run::done)
    }

    /// Whether the loss charts draw a log y-axis: the choice made with `y`, otherwise
    /// always in the compare view, and in the single view when the shown run's losses
    /// span more than a factor of [`AUTO_LOG_RATIO`].
    pub fn log_y_on(&self) -> bool {
        self.log_y.unwrap_or_else(|| {
            self.screen == Screen::Compare
                || self.run().and_then(|r| r.history.loss_ratio()).is_some_and(|q| q > AUTO_LOG_RATIO)
        })
    }

    pub fn speed_label(&self) -> String {
        self.pacing.label()
    }

    /// Choose the speed [`SPEEDS`](super::pacing::SPEEDS)`[index]`.
    pub fn set_speed(&mut self, index: usize) {
        self.pacing.set_speed(index);
    }

    /// The example of the next batch that `b` (and `d` on 8×8 images) shows.
    pub fn example(&self) -> usize {
        self.example
    }

    /// The hidden unit `d` shows on 2-D inputs; `None` for the predicted class.
    pub fn unit(&self) -> Option<usize> {
        self.unit
    }

    /// running / paused / done / diverged at step N — of the shown run in the single
    /// view, of all runs together in the compare view.
    pub fn status(&self) -> String {
        let shown = if self.screen == Screen::Compare { None } else { self.run() };
        let diverged = shown.and_then(|r| r.trainer.diverged);
        let done = shown.map_or(self.all_done(), Run::done);
        if let Some(s) = diverged {
            format!("diverged at step {s}")
        } else if done {
            "done".to_string()
        } else if self.paused {
            "paused".to_string()
        } else {
            "running".to_string()
        }
    }

    /// How long the loop may wait for input before the next step is owed: a frame when
    /// nothing trains, less at a finite speed.
    pub fn wait_hint(&self, frame: f64) -> f64 {
        self.pacing.wait_hint(self.training(), frame)
    }

    fn training(&self) -> bool {
        let showing_runs = matches!(self.screen, Screen::Single | Screen::Compare);
        !(self.runs.is_empty() || self.paused || self.all_done() || self.help || !showing_runs)
    }

    /// How much to train given the time since the last call.
    pub fn budget(&mut self, elapsed_secs: f64) -> Budget {
        let training = self.training();
        self.pacing.budget(training, elapsed_secs)
    }

    /// [`App::refresh_if_stale`], on other threads for large networks; results arrive
    /// through [`App::collect`].
    pub fn refresh_stale_in_background(&mut self) {
        for run in &mut self.runs {
            if run.metrics.step != run.trainer.step {
                if run.evaluation_is_slow() {
                    run.refresh_in_background();
                } else {
                    run.refresh();
                }
            }
        }
        // An open backprop or boundary view follows the run to where it stopped.
        self.update_panels(false);
    }

    /// Take finished background refreshes; returns whether any arrived.
    pub fn collect(&mut self) -> bool {
        let mut any = false;
        for run in &mut self.runs {
            any |= run.collect();
        }
        any | self.collect_tour()
    }

    /// Recompute the metrics of runs whose numbers are older than their step: the runner
    /// calls this a few times a second so scenarios with a long `log_every` still move.
    pub fn refresh_if_stale(&mut self) {
        for run in &mut self.runs {
            if run.metrics.step != run.trainer.step {
                run.refresh();
            }
        }
        self.update_panels(false);
    }

    /// Give back steps a budget granted but the time slice did not fit, so a finite
    /// speed is kept on average.
    pub fn refund(&mut self, steps: u64) {
        self.pacing.refund(steps);
    }

    /// Train every run up to `n` steps in lockstep (all at the same step after the call,
    /// except runs that are done). Returns the steps taken by the furthest run.
    pub fn train(&mut self, n: u64) -> u64 {
        // In the tour, training stops at the next check's step for it to be measured there.
        let n = n.min(self.tour_limit());
        let done_before = self.runs.iter().filter(|r| r.done()).count();
        let mut most = 0;
        for run in &mut self.runs {
            let start = run.trainer.step;
            run.steps(n, self.background);
            most = most.max(run.trainer.step - start);
        }
        // A run that stopped in this call gets its views at the step it stopped at.
        let stopped = self.runs.iter().filter(|r| r.done()).count() > done_before;
        if most > 0 && (stopped || self.pacing.live_views_due()) {
            self.update_panels(false);
            self.pacing.live_views_updated();
        }
        if most > 0 {
            self.observe_tour();
        }
        most
    }

    /// Bring the colour scales up to each run's step, before a frame is drawn: once per
    /// drawn frame for a run that moved, not once per call to [`App::train`] (which the
    /// runner makes about every millisecond). A frame drawn without this still shows
    /// true scales: [`Run::scales`] computes them on the spot when the kept ones are stale.
    pub fn update_scales(&mut self) {
        for run in &mut self.runs {
            run.update_scales();
        }
    }

    /// Back to the normal single view; the stored results go with the view.
    fn close_sub(&mut self) {
        self.sub = None;
        self.panels = Panels::default();
    }

    /// Recompute what the open sub-view shows: everything with `force` (a key press);
    /// otherwise only the live views (b, d, v) and only when the run has moved on. The
    /// ensemble and the gradient check are computed on key presses only.
    fn update_panels(&mut self, force: bool) {
        let (Some(v), Some(run)) = (self.sub, self.runs.get(self.current)) else { return };
        let t = &run.trainer;
        match v {
            SubView::Backprop => {
                if force || self.panels.backprop.as_ref().is_none_or(|b| b.step != t.step) {
                    let b = Backprop::compute(t, self.example);
                    self.example = b.example;
                    self.panels.backprop = Some(b);
                }
            }
            SubView::Boundary => {
                let stale =
                    self.panels.boundary.as_ref().is_none_or(|b| b.step().is_some_and(|s| s != t.step));
                if force || stale {
                    let b = Boundary::compute(t, self.example, self.unit);
                    if let Boundary::Images(i) = &b {
                        self.example = i.example;
                    }
                    self.panels.boundary = Some(b);
                }
            }
            SubView::Network => {
                if force || self.panels.network.as_ref().is_none_or(|n| n.step != t.step) {
                    let n = Network::compute(t, self.example);
                    self.example = n.example;
                    self.panels.network = Some(n);
                }
            }
            SubView::Ensemble if force => self.panels.ensemble = Some(Ensemble::compute(t)),
            SubView::GradCheck if force => self.panels.gradcheck = Some(super::gradcheck::run(t)),
            SubView::Ensemble | SubView::GradCheck => {}
        }
    }

    /// Save the shown run's snapshot into `dir` (see [`crate::headless::save_snapshot`]).
    pub fn save(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        let run = self.run().ok_or_else(|| std::io::Error::other("no run"))?;
        crate::headless::save_snapshot(dir, &run.loaded, &run.trainer, &history_csv(run, self.background))
    }
}

/// A bundled scenario's about text on one line (they are all valid: tested).
fn about(name: &str, text: &str) -> String {
    scenario::parse(name, text, Path::new(""), name)
        .map(|s| crate::text::paragraph(&s.about))
        .unwrap_or_default()
}

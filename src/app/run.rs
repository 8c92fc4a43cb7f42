//! One scenario being trained in the UI, with what the screen shows of it: its metrics,
//! diagnosis and history, refreshed in place or on another thread; and the snapshot files.

use crate::load::Loaded;
use crate::nn::Tensor;
use crate::train::diagnose::Diagnosis;
use crate::train::history::History;
use crate::train::{Metrics, Trainer};

/// Points of loss history kept per run.
const HISTORY_POINTS: usize = 2000;

/// The heatmaps' colour scales: max |value| of each tensor of the parameters and of the last
/// applied gradient, at `step`. Kept with the run and brought up to date before a frame is
/// drawn, once per frame for a run that moved (see [`crate::app::App::update_scales`]), not
/// inside the frame: the compare view's five 200k-weight matrices would cost a pass each.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scales {
    pub step: u64,
    pub params: [f64; 4],
    pub grads: [f64; 4],
}

impl Scales {
    pub fn of(t: &Trainer) -> Scales {
        Scales {
            step: t.step,
            params: Tensor::ALL.map(|x| max_abs_finite(t.params.get(x))),
            grads: Tensor::ALL.map(|x| max_abs_finite(t.grads.get(x))),
        }
    }

    /// The scale of tensor `t` (its gradient with `grad`), or with `shared` the largest of
    /// the four of that kind.
    pub fn get(&self, t: Tensor, grad: bool, shared: bool) -> f64 {
        let all = if grad { &self.grads } else { &self.params };
        if shared { all.iter().copied().fold(0.0, f64::max) } else { all[t as usize] }
    }
}

/// The largest |x| of the finite values of `v` (0 when none is). Eight running maxima, so
/// the compiler keeps them in vector registers: one pass over a 200k-weight matrix costs
/// tens of microseconds instead of a chain of dependent comparisons.
pub fn max_abs_finite(v: &[f64]) -> f64 {
    const LANES: usize = 8;
    let mut most = [0.0f64; LANES];
    let chunks = v.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (m, &x) in most.iter_mut().zip(c) {
            let a = x.abs();
            // NaN and ±∞ fail `a < ∞` and are skipped.
            *m = if a < f64::INFINITY && a > *m { a } else { *m };
        }
    }
    for &x in rest {
        let a = x.abs();
        most[0] = if a < f64::INFINITY && a > most[0] { a } else { most[0] };
    }
    most.into_iter().fold(0.0, f64::max)
}

/// One scenario being trained, with what the screen shows of it.
#[derive(Clone, Debug)]
pub struct Run {
    pub loaded: Loaded,
    pub trainer: Trainer,
    pub history: History,
    pub metrics: Metrics,
    pub diagnosis: Diagnosis,
    /// Training pauses here (status done) until resumed; `None` once resumed past it.
    pub stop_at: Option<u64>,
    /// Test accuracy, measured once the run is done (and only then: it is for quoting,
    /// not for choosing).
    pub test_acc: Option<f64>,
    /// The loss of the best constant guess (the training split's class entropy), drawn
    /// as the loss charts' reference line.
    pub constant_guess: f64,
    /// The colour scales of the trainer's current step.
    scales: Scales,
    pending: Pending,
}

/// A refresh made on another thread: a copy of the trainer, and its metrics and diagnosis.
/// The same one goes back and forth, so once warm a background refresh copies into buffers
/// it already has and allocates nothing of nnviz's own.
struct Job {
    trainer: Trainer,
    metrics: Metrics,
    diagnosis: Diagnosis,
}

/// The thread that refreshes a run whose evaluation is slow, started at its first refresh
/// and ended when the run goes (its channel closes). A copy of a run has none.
#[derive(Default)]
pub struct Pending(Option<Worker>);

struct Worker {
    jobs: std::sync::mpsc::SyncSender<Box<Job>>,
    done: std::sync::mpsc::Receiver<Box<Job>>,
    /// The job, while the worker is not on it.
    idle: Option<Box<Job>>,
}

impl Worker {
    fn start(trainer: &Trainer, metrics: &Metrics) -> Worker {
        let (jobs, inbox) = std::sync::mpsc::sync_channel::<Box<Job>>(1);
        let (outbox, done) = std::sync::mpsc::sync_channel(1);
        std::thread::spawn(move || {
            for mut job in inbox {
                job.metrics = job.trainer.metrics();
                job.trainer.diagnose_into(&mut job.diagnosis);
                // The run may be gone (restart, quit): then nobody wants the numbers.
                if outbox.send(job).is_err() {
                    break;
                }
            }
        });
        let job = Job { trainer: trainer.clone(), metrics: metrics.clone(), diagnosis: Diagnosis::default() };
        Worker { jobs, done, idle: Some(Box::new(job)) }
    }

    fn running(&self) -> bool {
        self.idle.is_none()
    }
}

impl Clone for Pending {
    fn clone(&self) -> Self {
        Pending(None)
    }
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.as_ref().is_some_and(Worker::running) {
            "Pending(running)"
        } else {
            "Pending(idle)"
        })
    }
}

impl Run {
    pub fn new(loaded: Loaded, stop_at: u64) -> Self {
        let mut trainer = Trainer::from_loaded(&loaded);
        let constant_guess = loaded.data.train.class_entropy();
        let metrics = trainer.metrics();
        let diagnosis = trainer.diagnose();
        let mut history = History::new(HISTORY_POINTS, loaded.scenario.train.log_every);
        history.push((&metrics).into());
        let mut run = Run {
            loaded,
            trainer,
            history,
            metrics,
            diagnosis,
            stop_at: Some(stop_at),
            test_acc: None,
            constant_guess,
            scales: Scales { step: 0, params: [0.0; 4], grads: [0.0; 4] },
            pending: Pending::default(),
        };
        run.scales = Scales::of(&run.trainer);
        run.measure_test();
        run
    }

    /// [`Run::new`], but in the interactive loop a network whose evaluation is slow
    /// starts with empty numbers and evaluates step 0 on another thread.
    pub fn start(loaded: Loaded, stop_at: u64, background: bool) -> Self {
        let trainer = Trainer::from_loaded(&loaded);
        let constant_guess = loaded.data.train.class_entropy();
        let history = History::new(HISTORY_POINTS, loaded.scenario.train.log_every);
        let mut run = Run {
            metrics: Metrics {
                step: 0,
                epoch: 0,
                train: None,
                val: None,
                penalty: 0.0,
                grad_norm: [0.0; 4],
                update_ratio: [None; 2],
                settings: loaded.scenario.settings(),
            },
            diagnosis: Diagnosis::default(),
            loaded,
            trainer,
            history,
            stop_at: Some(stop_at),
            test_acc: None,
            constant_guess,
            scales: Scales { step: 0, params: [0.0; 4], grads: [0.0; 4] },
            pending: Pending::default(),
        };
        run.scales = Scales::of(&run.trainer);
        if background && run.evaluation_is_slow() {
            run.refresh_in_background();
        } else {
            run.metrics = run.trainer.metrics();
            run.diagnosis = run.trainer.diagnose();
            run.history.push((&run.metrics).into());
            run.measure_test();
        }
        run
    }

    /// Whether live changes (the knobs) made this run depart from its scenario's schedule.
    pub fn departs(&self) -> bool {
        self.trainer.scenario.schedule != self.loaded.scenario.schedule
    }

    /// The colour scales of the current step: kept from the last [`Run::update_scales`], or
    /// computed now if the run moved since (never stale).
    pub fn scales(&self) -> Scales {
        if self.scales.step == self.trainer.step { self.scales } else { Scales::of(&self.trainer) }
    }

    /// Compute the colour scales if the run moved since they were.
    pub fn update_scales(&mut self) {
        if self.scales.step != self.trainer.step {
            self.scales = Scales::of(&self.trainer);
        }
    }

    pub fn done(&self) -> bool {
        self.trainer.diverged.is_some() || self.stop_at.is_some_and(|s| self.trainer.step >= s)
    }

    /// One SGD step; metrics and diagnosis are refreshed at the logging interval (on
    /// another thread with `background`, so a large network's whole-split evaluation
    /// never holds up the screen).
    pub fn step(&mut self, background: bool) {
        if self.done() {
            return;
        }
        self.trainer.step();
        let s = self.trainer.step;
        if self.history.due(s) || self.done() {
            self.refresh_now_or_in_background(background);
        }
    }

    /// Up to `n` [`Run::step`]s, stopping when the run is done; on a thread of rayon's pool
    /// when its steps split work (see [`crate::nn::products::in_pool`]).
    pub fn steps(&mut self, n: u64, background: bool) {
        crate::nn::products::in_pool(self.trainer.threaded(), || {
            for _ in 0..n {
                if self.done() {
                    break;
                }
                self.step(background);
            }
        });
    }

    /// Refresh in place, or on another thread when the evaluation is slow and `background`
    /// is set (the interactive loop, so a key press is drawn at once).
    pub fn refresh_now_or_in_background(&mut self, background: bool) {
        if background && self.evaluation_is_slow() {
            self.refresh_in_background();
        } else {
            self.refresh();
        }
    }

    /// Whether a whole-split evaluation takes long enough (about 5 million multiply-adds
    /// and more) to hold up a frame. Smaller networks refresh in place, at every logging
    /// step exactly.
    pub(crate) fn evaluation_is_slow(&self) -> bool {
        let p = &self.trainer.params;
        let per_row = p.inputs() * p.hidden() + p.hidden() * p.classes();
        self.trainer.data.train.rows().saturating_mul(per_row) > 5_000_000
    }

    /// Start evaluating a copy of the trainer on another thread, unless one is running.
    pub fn refresh_in_background(&mut self) {
        let worker = self.pending.0.get_or_insert_with(|| Worker::start(&self.trainer, &self.metrics));
        let Some(mut job) = worker.idle.take() else { return };
        job.trainer.clone_from(&self.trainer);
        if let Err(std::sync::mpsc::SendError(job)) = worker.jobs.send(job) {
            // The worker is gone (it panicked): the next refresh starts another.
            drop(job);
            self.pending.0 = None;
        }
    }

    /// Take a finished background refresh, if any; returns whether one arrived.
    pub fn collect(&mut self) -> bool {
        let Some(worker) = &mut self.pending.0 else { return false };
        match worker.done.try_recv() {
            Ok(mut job) => {
                // A refresh made in place meanwhile (a manual step) is newer: keep it.
                let newer = job.metrics.step >= self.metrics.step;
                if newer {
                    std::mem::swap(&mut self.metrics, &mut job.metrics);
                    std::mem::swap(&mut self.diagnosis, &mut job.diagnosis);
                }
                worker.idle = Some(job);
                if newer {
                    self.history.push((&self.metrics).into());
                    self.measure_test();
                }
                newer
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => false,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.pending.0 = None;
                false
            }
        }
    }

    /// Recompute metrics and diagnosis now (also after a manual step).
    pub fn refresh(&mut self) {
        self.metrics = self.trainer.metrics();
        self.trainer.diagnose_into(&mut self.diagnosis);
        self.history.push((&self.metrics).into());
        self.measure_test();
    }

    fn measure_test(&mut self) {
        let current = self.metrics.step == self.trainer.step;
        self.test_acc = if self.done() && current { self.trainer.test_eval().map(|e| e.acc) } else { None };
    }

    /// The displayed matrix of a tensor: biases as one column, beside their matrix.
    pub fn shape(&self, t: Tensor) -> (usize, usize) {
        let p = &self.trainer.params;
        match t {
            Tensor::W1 => p.w1.dim(),
            Tensor::W2 => p.w2.dim(),
            Tensor::B1 => (p.b1.len(), 1),
            Tensor::B2 => (p.b2.len(), 1),
        }
    }
}

/// The metric history as CSV, with a comment line that says how it was kept (`background`:
/// whether the run refreshed on other threads).
pub fn history_csv(run: &Run, background: bool) -> String {
    let h = &run.history;
    let mut out = format!(
        "# nnviz history of {}: a point every {} steps, and where the screen refreshed{}{}\n",
        crate::text::escape(&run.loaded.scenario.name),
        h.every(),
        if background && run.evaluation_is_slow() {
            "; evaluated on another thread, so a point is skipped while one is running"
        } else {
            ""
        },
        if h.downsampled() { " (downsampled: older points were thinned to keep memory flat)" } else { "" }
    );
    out.push_str("step,train_loss,val_loss,train_acc,val_acc\n");
    let cell = |v: Option<f64>| v.filter(|x| x.is_finite()).map_or(String::new(), |x| x.to_string());
    for p in h.points() {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            p.step,
            cell(p.train_loss),
            cell(p.val_loss),
            cell(p.train_acc),
            cell(p.val_acc)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Run, Scales, max_abs_finite};
    use proptest::prelude::*;

    #[test]
    fn scales_are_never_those_of_an_earlier_step() {
        let loaded = crate::load::load("benches/workloads/tiny.toml", None).expect("workload loads");
        let mut run = Run::new(loaded, 100);
        run.steps(3, false);
        // Not brought up to date: computed on the spot, for this step.
        assert_eq!(run.scales(), Scales::of(&run.trainer));
        assert_eq!(run.scales().step, 3);
        run.update_scales();
        assert_eq!(run.scales, Scales::of(&run.trainer));
        run.steps(2, false);
        assert_eq!(run.scales(), Scales::of(&run.trainer));
        assert_ne!(run.scales, run.scales(), "the kept scales are of step 3, the shown ones of step 5");
    }

    /// The plain definition the fast one must agree with.
    fn by_filter(v: &[f64]) -> f64 {
        v.iter().filter(|x| x.is_finite()).fold(0.0, |a, &x| a.max(x.abs()))
    }

    #[test]
    fn max_abs_finite_skips_nan_and_infinities() {
        assert_eq!(max_abs_finite(&[]), 0.0);
        assert_eq!(max_abs_finite(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]), 0.0);
        let mut v = vec![0.5; 17];
        v[3] = f64::NEG_INFINITY;
        v[9] = f64::NAN;
        v[16] = -2.0; // in the remainder after two chunks of eight
        assert_eq!(max_abs_finite(&v), 2.0);
        v[16] = 0.0;
        v[7] = -1.25;
        assert_eq!(max_abs_finite(&v), 1.25);
    }

    proptest! {
        #[test]
        fn max_abs_finite_is_the_largest_finite_magnitude(
            v in prop::collection::vec(
                prop_oneof![
                    8 => -1e300f64..1e300,
                    1 => Just(-0.0),
                    1 => Just(f64::MIN_POSITIVE / 4.0),
                    1 => Just(-f64::MAX),
                    1 => Just(f64::NAN),
                    1 => Just(f64::INFINITY),
                    1 => Just(f64::NEG_INFINITY),
                ],
                0..70,
            )
        ) {
            prop_assert_eq!(max_abs_finite(&v).to_bits(), by_filter(&v).to_bits());
        }
    }
}

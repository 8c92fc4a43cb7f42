//! Headless runs: JSON Lines of metrics and a summary, `--gradcheck`, `--dump` and
//! `--inspect`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::Serialize;

use crate::files;
use crate::json::{Num, PerMatrix, PerTensor, SettingsJson, Tensors, matrix, opt};
use crate::load::Loaded;
use crate::nn::gradcheck::{self, Problem, Report};
use crate::nn::{Masks, Tensor};
use crate::train::ensemble::{self, EnsembleResult};
use crate::train::{Metrics, Trainer};

#[derive(Serialize)]
struct MetricsLine<'a> {
    event: &'static str,
    scenario: &'a str,
    file: &'a str,
    step: u64,
    epoch: u64,
    train_loss: Option<Num>,
    val_loss: Option<Num>,
    train_acc: Option<Num>,
    val_acc: Option<Num>,
    penalty: Num,
    grad_norm: PerTensor<Option<Num>>,
    update_ratio: PerMatrix<Option<Num>>,
    settings: SettingsJson,
}

#[derive(Serialize)]
pub struct Frozen {
    pub unchanged: usize,
    pub total: usize,
    first_change_step: Option<u64>,
    why_code: Option<&'static str>,
    why: Option<String>,
    pub status: &'static str,
    changes_next_step: bool,
    depends_on: Vec<&'static str>,
}

/// The end-of-run line. `chosen` is only written when several runs are compared.
#[derive(Serialize)]
pub struct Summary {
    event: &'static str,
    pub scenario: String,
    file: String,
    pub steps: u64,
    pub train_loss: Option<Num>,
    pub val_loss: Option<Num>,
    train_acc: Option<Num>,
    pub val_acc: Option<Num>,
    pub test_acc: Option<Num>,
    pub diverged: Option<u64>,
    pub frozen: PerTensor<Frozen>,
    dead_hidden_units: usize,
    duplicate_unit_groups: Vec<Vec<usize>>,
    pub zero_fraction: PerMatrix<Num>,
    pub near_zero_fraction: PerMatrix<Num>,
    pub weight_norm: PerMatrix<Num>,
    /// The share of each matrix with |w| ≤ lr·β (its L1 strength; exact zeros included):
    /// the band in which the slide's sign(W) step jitters around 0.
    pub l1_band_fraction: PerMatrix<Num>,
    /// The share of each class in the training split, class 0 first: where softmax(b2)
    /// goes when only b2 learns.
    pub train_class_frequencies: Vec<Num>,
    /// softmax(b2): the prediction for every input when h = 0.
    pub softmax_b2: Vec<Num>,
    /// Dropout as an ensemble on the validation split; null without dropout or without
    /// validation rows.
    pub ensemble: Option<Ensemble>,
    /// The settings in force at the end (the scenario's, changed by its schedule).
    pub settings: SettingsJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen: Option<bool>,
}

/// Accuracy and loss of one network or average, null where not finite.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ScoreJson {
    pub acc: Num,
    pub loss: Num,
}

/// `"ensemble":{"full":…,"k1":…,"k10":…,"k100":…,"geometric":{"k1":…,"k10":…,"k100":…}}`
/// (see [`crate::train::ensemble`]).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Ensemble {
    pub full: ScoreJson,
    pub k1: ScoreJson,
    pub k10: ScoreJson,
    pub k100: ScoreJson,
    pub geometric: GeometricJson,
}

/// The normalized geometric means of the same sub-networks.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct GeometricJson {
    pub k1: ScoreJson,
    pub k10: ScoreJson,
    pub k100: ScoreJson,
}

impl From<EnsembleResult> for Ensemble {
    fn from(e: EnsembleResult) -> Self {
        let score = |s: ensemble::Score| ScoreJson { acc: Num(s.acc), loss: Num(s.loss) };
        let g = e.geometric;
        let geometric = GeometricJson { k1: score(g.k1), k10: score(g.k10), k100: score(g.k100) };
        Ensemble { full: score(e.full), k1: score(e.k1), k10: score(e.k10), k100: score(e.k100), geometric }
    }
}

fn metrics_line<'a>(name: &'a str, file: &'a str, m: &Metrics) -> MetricsLine<'a> {
    MetricsLine {
        event: "metrics",
        scenario: name,
        file,
        step: m.step,
        epoch: m.epoch,
        train_loss: m.train.map(|e| Num(e.loss)),
        val_loss: m.val.map(|e| Num(e.loss)),
        train_acc: m.train.map(|e| Num(e.acc)),
        val_acc: m.val.map(|e| Num(e.acc)),
        // + 0.0 turns a -0.0 (a sum of no terms that rounds negative) into 0.
        penalty: Num(m.penalty + 0.0),
        // No gradient has been computed before step 1.
        grad_norm: PerTensor::from_fn(|t| (m.step > 0).then_some(Num(m.grad_norm[t as usize]))),
        update_ratio: PerMatrix::from_fn(|t| opt(m.update_ratio[if t == Tensor::W1 { 0 } else { 1 }])),
        settings: SettingsJson::from(&m.settings),
    }
}

fn summary(name: &str, file: &str, t: &mut Trainer, last: &Metrics) -> Summary {
    let test = t.test_eval();
    let diag = t.diagnose();
    let layer = |x: Tensor| if x == Tensor::W1 { 0 } else { 1 };
    Summary {
        event: "summary",
        scenario: name.to_string(),
        file: file.to_string(),
        steps: t.step,
        train_loss: last.train.map(|e| Num(e.loss)),
        val_loss: last.val.map(|e| Num(e.loss)),
        train_acc: last.train.map(|e| Num(e.acc)),
        val_acc: last.val.map(|e| Num(e.acc)),
        test_acc: test.map(|e| Num(e.acc)),
        diverged: t.diverged,
        frozen: PerTensor::from_fn(|x| {
            let frozen = t.changes.is_frozen(x);
            let why = t.why[x as usize].as_ref().filter(|_| frozen);
            let status = &diag.status[x as usize];
            Frozen {
                unchanged: t.changes.unchanged(x),
                total: t.changes.total(x),
                first_change_step: t.changes.first_change_step(x),
                why_code: why.and_then(|w| w.code),
                why: why.map(|w| w.text()),
                status: status.status.code(),
                changes_next_step: status.changes_next_step,
                depends_on: status.depends_on.iter().map(|t| t.name()).collect(),
            }
        }),
        dead_hidden_units: diag.dead.len(),
        duplicate_unit_groups: diag.duplicates,
        zero_fraction: PerMatrix::from_fn(|x| Num(diag.zero_fraction[layer(x)])),
        near_zero_fraction: PerMatrix::from_fn(|x| Num(diag.near_zero_fraction[layer(x)])),
        weight_norm: PerMatrix::from_fn(|x| Num(diag.norm[layer(x)])),
        l1_band_fraction: PerMatrix::from_fn(|x| {
            let band = t.scenario.train.learning_rate * t.scenario.reg.l1[layer(x)];
            Num(crate::train::diagnose::band_fraction(&t.params, x, band))
        }),
        train_class_frequencies: t.data.train.class_frequencies().into_iter().map(Num).collect(),
        softmax_b2: t.params.softmax_b2().into_iter().map(Num).collect(),
        ensemble: ensemble::ensemble(t).map(Ensemble::from),
        settings: SettingsJson::from(&t.settings()),
        chosen: None,
    }
}

/// The summary line of a run at its current step, as a headless run that stopped there
/// would print it (without `chosen`).
pub fn summary_now(loaded: &Loaded, t: &mut Trainer) -> Summary {
    let last = t.metrics();
    summary(&loaded.scenario.name, &loaded.file, t, &last)
}

/// A finished headless run: its summary (without `chosen`, which depends on the other
/// runs), the trainer, with `--gradcheck` its gradient check, and whether a signal stopped
/// it early (then it has no summary line, only an `interrupted` one).
pub struct Finished {
    pub summary: Summary,
    pub trainer: Trainer,
    pub gradcheck: Option<GradcheckLine>,
    pub interrupted: bool,
}

/// `{"event":"interrupted","scenario":…,"step":N}`: a signal ended the run after step N.
#[derive(Serialize)]
struct Interrupted<'a> {
    event: &'static str,
    scenario: &'a str,
    step: u64,
}

/// Train one scenario for `steps` updates, writing each metrics line to `out` as it is
/// made: at step 0, every `log_every` steps and the last step; on divergence at step s, the
/// metrics of s, and the run stops. `stop` is asked between slices of steps (tens of
/// milliseconds of work, see [`Trainer::steps_per_slice`]): when it says so, the run ends
/// there (see [`Finished::interrupted`]).
pub fn train(
    loaded: &Loaded,
    steps: u64,
    progress: &indicatif::ProgressBar,
    out: &mut dyn Write,
    stop: &dyn Fn() -> bool,
) -> io::Result<Finished> {
    let mut t = Trainer::from_loaded(loaded);
    let name = loaded.scenario.name.as_str();
    let file = loaded.file.as_str();
    let log_every = loaded.scenario.train.log_every;
    let mut last = t.metrics();
    write_line(out, &metrics_line(name, file, &last))?;
    let mut reported = 0;
    let mut interrupted = false;
    while t.step < steps && t.diverged.is_none() {
        if stop() {
            interrupted = true;
            break;
        }
        // Up to the next logging step, in slices of tens of milliseconds at most (a signal
        // is noticed between them).
        let chunk = (steps - t.step).min(log_every - t.step % log_every).min(t.steps_per_slice());
        t.steps(chunk);
        if t.diverged.is_some() || t.step.is_multiple_of(log_every) || t.step == steps {
            last = t.metrics();
            write_line(out, &metrics_line(name, file, &last))?;
        }
        if t.step - reported >= 1024 {
            progress.inc(t.step - reported);
            reported = t.step;
        }
    }
    progress.inc(steps.saturating_sub(reported));
    interrupted |= stop();
    let summary = summary(name, file, &mut t, &last);
    Ok(Finished { summary, trainer: t, gradcheck: None, interrupted })
}

/// The last line of a run a signal ended.
pub fn write_interrupted(run: &Finished, out: &mut impl Write) -> io::Result<()> {
    let line = Interrupted { event: "interrupted", scenario: &run.summary.scenario, step: run.trainer.step };
    write_line(out, &line)
}

/// Mark the run chosen on validation, when there is more than one.
pub fn choose(runs: &mut [Finished]) {
    if runs.len() < 2 {
        return;
    }
    let val: Vec<_> =
        runs.iter().map(|r| (r.summary.val_acc.map(|n| n.0), r.summary.val_loss.map(|n| n.0))).collect();
    let chosen = crate::train::compare::choose(&val);
    for (i, r) in runs.iter_mut().enumerate() {
        r.summary.chosen = Some(chosen == Some(i));
    }
}

/// What follows a finished run's metrics lines: its summary, then its gradient check (when
/// it was run).
pub fn write_summary(run: &Finished, out: &mut impl Write) -> io::Result<()> {
    write_line(out, &run.summary)?;
    write_gradcheck(run, out)
}

/// The run's gradcheck line, if `--gradcheck` computed one.
pub fn write_gradcheck(run: &Finished, out: &mut impl Write) -> io::Result<()> {
    match &run.gradcheck {
        Some(g) => write_line(out, g),
        None => Ok(()),
    }
}

/// The batch the next SGD step would use: its rows of the training split (not masked), their
/// labels and the step's masks (0 for a dropped unit, the scale s for a kept one).
#[derive(Clone, Debug)]
pub struct NextBatch {
    pub x: Array2<f64>,
    pub y: Vec<usize>,
    pub masks: Masks,
}

/// The next step's batch and masks, from [`Trainer::inspect`] (nothing in `t` changes): the
/// 0/1 mask bits it reports, times the scale of each layer (1/keep in inverted mode, 1 in
/// classic mode), are exactly the multipliers `Dropout::draw` produced.
pub fn next_batch(t: &Trainer) -> NextBatch {
    let (x, y, masks) = t.next_batch_masks();
    NextBatch { x, y, masks }
}

/// Central differences (ε = [`gradcheck::EPSILON`] = 1e-6) against the analytic gradient
/// ([`gradcheck::analytic`]: data term plus regularization for every element) at the current
/// parameters, on the batch and masks of the next step, at every element.
pub fn gradcheck_report(t: &Trainer) -> Report {
    let b = next_batch(t);
    let grads = gradcheck::analytic(&t.params, b.x.view(), &b.y, &b.masks, t.reg());
    gradcheck::check(&t.params, b.x.view(), &b.y, &b.masks, t.reg(), &grads)
}

/// Which elements `--gradcheck` probes: all of them with `--gradcheck-all`, otherwise the
/// `G` view's sample ([`gradcheck::plan`]: every element of a small network).
pub fn gradcheck_picks(t: &Trainer, all: bool) -> [Vec<usize>; 4] {
    if all {
        Tensor::ALL.map(|x| (0..t.params.get(x).len()).collect())
    } else {
        gradcheck::plan(&t.params, t.batch_capacity())
    }
}

/// `{"event":"gradcheck",…}`: per tensor the largest relative and absolute error and whether
/// every element passed |a − n| ≤ 1e-7 + 1e-5·|n| (null when every element of it was skipped,
/// or when the parameters or loss are not finite, which `reason` then says), and how many
/// elements were skipped (a ReLU input or an L1 kink within ε).
#[derive(Clone, Debug, Serialize)]
pub struct GradcheckLine {
    event: &'static str,
    pub scenario: String,
    pub step: u64,
    pub max_rel_error: PerTensor<Option<Num>>,
    pub max_abs_error: PerTensor<Option<Num>>,
    pub passed: PerTensor<Option<bool>>,
    pub skipped: PerTensor<usize>,
    /// Elements compared, and the tensor's size (fewer than all when sampled).
    pub checked: PerTensor<usize>,
    pub total: PerTensor<usize>,
    /// Why nothing was compared (parameters or loss not finite); null otherwise.
    pub reason: Option<&'static str>,
}

/// `--gradcheck`: check the gradient of a finished run at its final parameters, at `picks`;
/// `probed` hears how many elements are done (for a progress bar).
pub fn gradcheck(t: &Trainer, picks: &[Vec<usize>; 4], probed: &mut dyn FnMut(usize)) -> GradcheckLine {
    let b = next_batch(t);
    let problem = Problem { params: &t.params, x: b.x.view(), y: &b.y, masks: &b.masks, reg: t.reg() };
    let r = problem.check_some(&problem.analytic(), picks, probed);
    // A tensor reports numbers only when some element of it was compared.
    let compared = |x: Tensor| r.not_finite.is_none() && r.checked[x as usize] > 0;
    GradcheckLine {
        event: "gradcheck",
        scenario: t.scenario.name.clone(),
        step: t.step,
        max_rel_error: PerTensor::from_fn(|x| compared(x).then_some(Num(r.max_rel_error[x as usize]))),
        max_abs_error: PerTensor::from_fn(|x| compared(x).then_some(Num(r.max_abs_error[x as usize]))),
        passed: PerTensor::from_fn(|x| compared(x).then_some(r.passed[x as usize])),
        skipped: PerTensor::from_fn(|x| r.skipped[x as usize]),
        checked: PerTensor::from_fn(|x| r.checked[x as usize]),
        total: PerTensor::from_fn(|x| t.params.get(x).len()),
        reason: r.not_finite,
    }
}

/// One JSON line, flushed: a reader (or a signal) never finds half of it.
fn write_line(out: &mut (impl Write + ?Sized), v: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[derive(Serialize)]
pub struct Dump<'a> {
    scenario: &'a str,
    file: &'a str,
    step: u64,
    params: Tensors,
    grads: Tensors,
}

pub fn dump<'a>(loaded: &'a Loaded, t: &Trainer) -> Dump<'a> {
    Dump {
        scenario: &loaded.scenario.name,
        file: &loaded.file,
        step: t.step,
        params: Tensors::from(&t.params),
        grads: Tensors::from(&t.grads),
    }
}

/// The UI's snapshot (`s`): the [`dump`] JSON and the metric history as CSV, written into
/// `dir` as a pair (both or neither), under `<slug>-step<N>` or, when a file of that name
/// exists, `<slug>-step<N>-2`, `-3` …. Returns the two paths.
pub fn save_snapshot(
    dir: &Path,
    loaded: &Loaded,
    t: &Trainer,
    history_csv: &str,
) -> io::Result<(PathBuf, PathBuf)> {
    let base = format!("{}-step{}", slug(&loaded.scenario.name), t.step);
    let text = serde_json::to_string(&dump(loaded, t)).map_err(io::Error::other)? + "\n";
    let paths = files::unused_name(dir, &base, &["json", "csv"]);
    let (json, csv) = (paths[0].clone(), paths[1].clone());
    files::create_all_new(&[(&json, text.as_bytes()), (&csv, history_csv.as_bytes())])?;
    Ok((json, csv))
}

/// Lowercase letters, digits and single dashes.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "run".to_string() } else { out }
}

#[derive(Serialize)]
struct Batch {
    x: Vec<Vec<Num>>,
    y: Vec<usize>,
}

#[derive(Serialize)]
struct MaskBits {
    input: Vec<u8>,
    hidden: Vec<u8>,
}

#[derive(Serialize)]
struct Forward {
    z1: Vec<Vec<Num>>,
    h1: Vec<Vec<Num>>,
    logits: Vec<Vec<Num>>,
    y_hat: Vec<Vec<Num>>,
}

#[derive(Serialize)]
struct InspectLine<'a> {
    scenario: &'a str,
    file: &'a str,
    params: Tensors,
    batch: Batch,
    masks: Option<MaskBits>,
    forward: Forward,
    loss: Num,
    grads: Tensors,
}

/// `--inspect`: step 0's state on the first training batch, nothing updated.
pub fn inspect(loaded: &Loaded, out: &mut impl Write) -> io::Result<()> {
    write_line(out, &inspect_line(loaded, &Trainer::from_loaded(loaded)))
}

/// `--inspect`'s JSON of a trainer at its current step: its parameters, and the forward and
/// backward pass of the batch (and masks) the next step uses.
pub fn inspect_value(loaded: &Loaded, t: &Trainer) -> serde_json::Value {
    serde_json::to_value(inspect_line(loaded, t)).unwrap_or_default()
}

fn inspect_line<'a>(loaded: &'a Loaded, t: &Trainer) -> InspectLine<'a> {
    let i = t.inspect();
    let n = i.y.len();
    let rows = |a: &ndarray::Array2<f64>| matrix(&a.slice(ndarray::s![..n, ..]).to_owned());
    InspectLine {
        scenario: &loaded.scenario.name,
        file: &loaded.file,
        params: Tensors::from(&t.params),
        batch: Batch { x: matrix(&i.x), y: i.y.clone() },
        masks: i.masks.map(|(input, hidden)| MaskBits { input, hidden }),
        forward: Forward {
            z1: rows(&i.ws.z1),
            h1: rows(&i.ws.h),
            logits: rows(&i.ws.logits),
            y_hat: rows(&i.ws.y_hat),
        },
        loss: Num(i.loss),
        grads: Tensors::from(&i.grads),
    }
}

//! The `nnviz` binary: parse the command line, load and check every scenario before
//! any output, then dispatch.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use nnviz::app::{App, Overrides};
use nnviz::cli::{Cli, Mode};
use nnviz::error::InputError;
use nnviz::lecture::Lecture;
use nnviz::load::{self, Loaded};
use nnviz::text::{escape, paragraph};
use nnviz::{bundled, headless, scenario, sweep};
use rayon::prelude::*;

/// Exit statuses: 0 done, 2 bad command line or scenario, 1 anything else.
enum Failure {
    Usage(InputError),
    Io(String),
    /// The reader of stdout went away (`nnviz --headless … | head`): not an error.
    Closed,
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Usage(e)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::parse_args() {
        Ok(cli) => cli,
        Err(Ok(code)) => return code,
        Err(Err(e)) => return fail(Failure::Usage(e)),
    };
    match run(&cli) {
        Ok(code) => code,
        Err(f) => fail(f),
    }
}

fn fail(f: Failure) -> ExitCode {
    match f {
        Failure::Usage(e) => {
            complain(&e);
            ExitCode::from(2)
        }
        Failure::Io(e) => {
            complain(&escape(&e));
            ExitCode::from(1)
        }
        Failure::Closed => ExitCode::SUCCESS,
    }
}

/// Whether nnviz was started with stdout closed (`nnviz --headless >&-`). The Rust runtime
/// then opens /dev/null in its place, read-write, so every write would succeed unseen; a
/// shell's `> /dev/null` opens it write-only, which is fine.
fn stdout_was_closed() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    let null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|p| p == Path::new("/dev/null"));
    let flags = std::fs::read_to_string("/proc/self/fdinfo/1").ok().and_then(|info| {
        let f = info.lines().find_map(|l| l.strip_prefix("flags:"))?.trim().to_string();
        u32::from_str_radix(&f, 8).ok()
    });
    // O_ACCMODE = 3, O_RDWR = 2.
    null && flags.is_some_and(|f| f & 3 == 2)
}

/// `nnviz: error: …` on stderr. An error that cannot even be printed (stderr closed or
/// full) keeps its exit status: nothing else is tried.
fn complain(e: &dyn std::fmt::Display) {
    let _ = writeln!(io::stderr(), "nnviz: error: {e}");
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    let mode = cli.mode()?;
    if !matches!(mode, Mode::Ui) && stdout_was_closed() {
        return Err(Failure::Io("cannot write output: stdout is closed".to_string()));
    }
    match mode {
        Mode::List => list().map(|()| ExitCode::SUCCESS),
        Mode::Check => check(cli),
        Mode::Inspect => {
            let runs = load_all(cli)?;
            let mut out = io::stdout().lock();
            for r in &runs {
                headless::inspect(r, &mut out).map_err(io_failure)?;
            }
            out.flush().map_err(io_failure)?;
            Ok(ExitCode::SUCCESS)
        }
        Mode::Headless => headless_runs(cli),
        Mode::Ui => ui(cli),
        Mode::LectureCheck => lecture_check(cli),
        Mode::Lecture => lecture_ui(cli),
    }
}

/// The lessons file of `--lecture`, or the bundled lecture, with its paths checked.
fn lecture(cli: &Cli) -> Result<Lecture, Failure> {
    let lecture = Lecture::load(cli.scenarios.first().map(String::as_str))?;
    nnviz::lecture::eval::check_paths(&lecture)?;
    Ok(lecture)
}

/// `--lecture --check`: one JSON line per check in file order, then the count; exit 1 when
/// one fails.
fn lecture_check(cli: &Cli) -> Result<ExitCode, Failure> {
    #[derive(serde::Serialize)]
    struct CheckLine<'a> {
        event: &'static str,
        lesson: &'a str,
        step: u64,
        value: &'a str,
        expected: &'a serde_json::Value,
        measured: &'a serde_json::Value,
        passed: bool,
    }
    #[derive(serde::Serialize)]
    struct Total {
        event: &'static str,
        checks: usize,
        passed: usize,
    }
    let lecture = lecture(cli)?;
    let results = nnviz::lecture::eval::check_all(&lecture)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    for (l, c, o) in &results {
        let line = CheckLine {
            event: "lesson_check",
            lesson: &l.id,
            step: c.step,
            value: &c.value.text,
            expected: &o.expected,
            measured: &o.measured,
            passed: o.passed,
        };
        json_line(&mut out, &line)?;
    }
    let passed = results.iter().filter(|(.., o)| o.passed).count();
    json_line(&mut out, &Total { event: "lecture", checks: results.len(), passed })?;
    out.flush().map_err(io_failure)?;
    Ok(if passed == results.len() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn json_line(out: &mut impl Write, v: &impl serde::Serialize) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, v).map_err(|e| Failure::Io(e.to_string()))?;
    writeln!(out).map_err(io_failure)
}

fn lecture_ui(cli: &Cli) -> Result<ExitCode, Failure> {
    let lecture = lecture(cli)?;
    if !io::stdout().is_terminal() {
        return Err(Failure::Usage(InputError::cli(
            "stdout is not a terminal: the tour needs one (nnviz --lecture --check runs its checks headless)",
        )));
    }
    let overrides = Overrides { steps: None, seed: None, paused: cli.paused };
    let mut app = App::new(nnviz::theme::detect()).with_overrides(overrides);
    app.open_tour(lecture, nnviz::lecture::progress::file());
    let signal = nnviz::runner::run(app).map_err(|e| Failure::Io(format!("terminal: {e}")))?;
    Ok(signal.map_or(ExitCode::SUCCESS, |n| ExitCode::from(128u8.saturating_add(n as u8))))
}

fn ui(cli: &Cli) -> Result<ExitCode, Failure> {
    // Every scenario error is reported before the screen opens.
    let runs = load_all(cli)?;
    if !io::stdout().is_terminal() {
        return Err(Failure::Usage(InputError::cli(
            "stdout is not a terminal: the UI needs one (use --headless for JSON Lines)",
        )));
    }
    let overrides = Overrides { steps: cli.steps, seed: cli.seed(), paused: cli.paused };
    let clock =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    let mut app = App::new(nnviz::theme::detect()).with_overrides(overrides).with_fresh_seeds(clock);
    app.from_sweep = !cli.sweep.is_empty();
    if !runs.is_empty() {
        app.open_all(runs);
    }
    let signal = nnviz::runner::run(app).map_err(|e| Failure::Io(format!("terminal: {e}")))?;
    // Ended by a signal: the terminal is back; exit as the shell expects, 128 + its number.
    Ok(signal.map_or(ExitCode::SUCCESS, |n| ExitCode::from(128u8.saturating_add(n as u8))))
}

/// Every scenario of the command line, or the variants of a sweep, loaded and checked.
fn load_all(cli: &Cli) -> Result<Vec<Loaded>, Failure> {
    if !cli.sweep.is_empty() {
        let sweeps = cli.sweep.iter().map(|s| sweep::parse_sweep(s)).collect::<Result<Vec<_>, _>>()?;
        return Ok(sweep::expand(&cli.scenarios[0], &sweeps, cli.seed())?);
    }
    Ok(cli.scenarios.iter().map(|a| load::load(a, cli.seed())).collect::<Result<_, _>>()?)
}

fn io_failure(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::Closed
    } else {
        Failure::Io(format!("cannot write output: {e}"))
    }
}

fn check(cli: &Cli) -> Result<ExitCode, Failure> {
    let mut out = io::stdout().lock();
    if !cli.sweep.is_empty() {
        // A sweep is one scenario: every variant is checked like a file.
        load_all(cli)?;
        writeln!(out, "ok {}", escape(&cli.scenarios[0])).and_then(|()| out.flush()).map_err(io_failure)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut bad = false;
    for arg in &cli.scenarios {
        match load::load(arg, cli.seed()) {
            Ok(_) => writeln!(out, "ok {}", escape(arg)).and_then(|()| out.flush()).map_err(io_failure)?,
            Err(e) => {
                bad = true;
                complain(&e);
            }
        }
    }
    Ok(if bad { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn list() -> Result<(), Failure> {
    let width = bundled::BUNDLED.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = io::stdout().lock();
    for (name, text) in bundled::BUNDLED {
        let s = scenario::parse(name, text, std::path::Path::new(""), name)?;
        writeln!(out, "{name:width$}  {}", paragraph(&s.about)).map_err(io_failure)?;
    }
    Ok(())
}

/// `--gradcheck` of one finished run, with a progress bar on stderr (when it is a terminal)
/// once it has taken more than a second.
fn gradcheck(t: &nnviz::train::Trainer, all: bool) -> headless::GradcheckLine {
    let picks = headless::gradcheck_picks(t, all);
    let total: usize = picks.iter().map(Vec::len).sum();
    let bar = indicatif::ProgressBar::hidden();
    bar.set_length(total as u64);
    let start = std::time::Instant::now();
    let terminal = io::stderr().is_terminal();
    let mut shown = false;
    let line = headless::gradcheck(t, &picks, &mut |done| {
        if !shown && terminal && start.elapsed().as_secs_f64() > 1.0 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            shown = true;
        }
        if shown && done % 64 == 0 {
            bar.set_position(done as u64);
        }
    });
    bar.finish_and_clear();
    line
}

/// A `--dump` target must be a file that can be replaced whole, and none the run reads.
fn check_dump_target(path: &Path, cli: &Cli, runs: &[Loaded]) -> Result<(), Failure> {
    let refuse =
        |why: &str| Err(Failure::Usage(InputError::cli(format!("--dump {}: {why}", path.display()))));
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if path.is_dir() {
        return refuse("is a folder; give a file name");
    }
    if parent.is_some_and(|p| !p.is_dir()) {
        return refuse("the folder does not exist");
    }
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return refuse("exists and is not a regular file");
    }
    let scenarios = cli.scenarios.iter().map(Path::new).filter(|p| p.is_file());
    let data = runs.iter().flat_map(|r| r.scenario.data.source.files());
    if let Some(input) = scenarios.chain(data).find(|input| nnviz::files::same_file(path, input)) {
        return refuse(&format!("is {}, which this run reads; choose another file", input.display()));
    }
    Ok(())
}

fn headless_runs(cli: &Cli) -> Result<ExitCode, Failure> {
    let runs = load_all(cli)?;
    if let Some(path) = &cli.dump {
        check_dump_target(path, cli, &runs)?;
    }
    let steps: Vec<u64> = runs.iter().map(|r| cli.steps.unwrap_or(r.scenario.train.steps)).collect();
    let progress = if io::stderr().is_terminal() {
        indicatif::ProgressBar::new(steps.iter().sum())
    } else {
        indicatif::ProgressBar::hidden()
    };
    let signals = nnviz::signals::Signals::install(&nnviz::signals::Signals::ending(), false)
        .map_err(|e| Failure::Io(format!("cannot handle signals: {e}")))?;
    let stop = || signals.ended().is_some();
    // The first run's lines go to stdout as they are made; the others', made at the same time
    // on other threads, wait in temporary files for their turn. Memory stays flat and the
    // bytes are those of the runs one after the other, whatever the number of threads.
    let stdout = std::sync::Mutex::new(io::BufWriter::new(io::stdout()));
    let mut spools = (1..runs.len())
        .map(|_| tempfile::tempfile().map(io::BufWriter::new))
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| Failure::Io(format!("cannot make a temporary file: {e}")))?;
    let quiet = cli.table;
    let mut finished = runs
        .par_iter()
        .zip(steps.par_iter())
        .zip(rayon::iter::once(None).chain(spools.par_iter_mut().map(Some)))
        .map(|((r, &n), spool)| {
            let mut f = match spool {
                _ if quiet => headless::train(r, n, &progress, &mut io::sink(), &stop)?,
                Some(file) => headless::train(r, n, &progress, file, &stop)?,
                None => {
                    let mut out = stdout.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    headless::train(r, n, &progress, &mut *out, &stop)?
                }
            };
            if cli.gradcheck && !f.interrupted {
                f.gradcheck = Some(gradcheck(&f.trainer, cli.gradcheck_all));
            }
            Ok(f)
        })
        .collect::<io::Result<Vec<_>>>()
        .map_err(io_failure)?;
    progress.finish_and_clear();
    let mut out = stdout.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Then each run in order: the first one's lines are out already, the others' are copied.
    let mut rest = |i: usize, out: &mut dyn Write| -> io::Result<()> {
        if i > 0 {
            let spool = &mut spools[i - 1];
            spool.flush()?;
            let file = spool.get_mut();
            io::Seek::seek(file, io::SeekFrom::Start(0))?;
            io::copy(file, out)?;
        }
        Ok(())
    };
    if let Some(sig) = signals.ended() {
        // Every line so far, then for each run where it stopped; no summary (the runs were
        // not finished, so nothing is chosen either).
        for (i, f) in finished.iter().enumerate() {
            rest(i, &mut out).map_err(io_failure)?;
            headless::write_interrupted(f, &mut out).map_err(io_failure)?;
        }
        out.flush().map_err(io_failure)?;
        return Ok(ExitCode::from(128u8.saturating_add(sig as u8)));
    }
    headless::choose(&mut finished);
    if cli.table {
        let summaries: Vec<_> = finished.iter().map(|f| &f.summary).collect();
        out.write_all(nnviz::table::render(&summaries).as_bytes()).map_err(io_failure)?;
        // The gradient checks follow the table, one JSON line per run in the same order.
        for f in &finished {
            headless::write_gradcheck(f, &mut out).map_err(io_failure)?;
        }
    } else {
        for (i, f) in finished.iter().enumerate() {
            rest(i, &mut out).map_err(io_failure)?;
            headless::write_summary(f, &mut out).map_err(io_failure)?;
        }
    }
    out.flush().map_err(io_failure)?;
    if let Some(path) = &cli.dump {
        let dumps: Vec<_> = runs.iter().zip(&finished).map(|(r, f)| headless::dump(r, &f.trainer)).collect();
        let text =
            if dumps.len() == 1 { serde_json::to_string(&dumps[0]) } else { serde_json::to_string(&dumps) };
        let text = text.map_err(|e| Failure::Io(e.to_string()))?;
        nnviz::files::replace(path, (text + "\n").as_bytes())
            .map_err(|e| Failure::Io(format!("cannot write {} (left as it was): {e}", path.display())))?;
    }
    Ok(ExitCode::SUCCESS)
}

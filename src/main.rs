//! The `nnviz` binary: parse the command line, load and check every scenario before
//! any output, then dispatch.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use nnviz::app::App;
use nnviz::cli::{Cli, Mode};
use nnviz::load::{self, Loaded};
use nnviz::scenario::ScenarioError;
use nnviz::text::{escape, paragraph};
use nnviz::{bundled, headless, scenario, sweep};
use rayon::prelude::*;

/// Exit statuses: 0 done, 2 bad command line or scenario, 1 anything else.
enum Failure {
    Usage(ScenarioError),
    Io(String),
    /// The reader of stdout went away (`nnviz --headless … | head`): not an error.
    Closed,
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
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
            eprintln!("nnviz: error: {e}");
            ExitCode::from(2)
        }
        Failure::Io(e) => {
            eprintln!("nnviz: error: {}", escape(&e));
            ExitCode::from(1)
        }
        Failure::Closed => ExitCode::SUCCESS,
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    match cli.mode()? {
        Mode::List => list().map(|()| ExitCode::SUCCESS),
        Mode::Check => Ok(check(cli)),
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
    }
}

fn ui(cli: &Cli) -> Result<ExitCode, Failure> {
    // Every scenario error is reported before the screen opens.
    let runs = load_all(cli)?;
    if !io::stdout().is_terminal() {
        return Err(Failure::Usage(ScenarioError::cli(
            "stdout is not a terminal: the UI needs one (use --headless for JSON Lines)",
        )));
    }
    let mut app = App::new(nnviz::theme::detect());
    app.steps_override = cli.steps;
    app.seed_override = cli.seed();
    app.paused = cli.paused;
    app.start_paused = cli.paused;
    app.fresh =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    if !runs.is_empty() {
        app.open_all(runs);
    }
    nnviz::runner::run(app).map_err(|e| Failure::Io(format!("terminal: {e}")))?;
    Ok(ExitCode::SUCCESS)
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

fn check(cli: &Cli) -> ExitCode {
    if !cli.sweep.is_empty() {
        // A sweep is one scenario: every variant is checked like a file.
        return match load_all(cli) {
            Ok(_) => {
                println!("ok {}", escape(&cli.scenarios[0]));
                ExitCode::SUCCESS
            }
            Err(f) => fail(f),
        };
    }
    let mut bad = false;
    for arg in &cli.scenarios {
        match load::load(arg, cli.seed()) {
            Ok(_) => println!("ok {}", escape(arg)),
            Err(e) => {
                bad = true;
                eprintln!("nnviz: error: {e}");
            }
        }
    }
    if bad { ExitCode::from(2) } else { ExitCode::SUCCESS }
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

fn headless_runs(cli: &Cli) -> Result<ExitCode, Failure> {
    let runs = load_all(cli)?;
    if let Some(path) = &cli.dump {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if path.is_dir() {
            return Err(Failure::Usage(ScenarioError::cli(format!(
                "--dump {}: is a folder; give a file name",
                path.display()
            ))));
        }
        if parent.is_some_and(|p| !p.is_dir()) {
            return Err(Failure::Usage(ScenarioError::cli(format!(
                "--dump {}: the folder does not exist",
                path.display()
            ))));
        }
    }
    let steps: Vec<u64> = runs.iter().map(|r| cli.steps.unwrap_or(r.scenario.train.steps)).collect();
    let progress = if io::stderr().is_terminal() {
        indicatif::ProgressBar::new(steps.iter().sum())
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Runs are independent and seeded: in parallel, printed in argument order, the bytes
    // are the same whatever the number of threads.
    let mut finished = runs
        .par_iter()
        .zip(steps.par_iter())
        .map(|(r, &n)| {
            let mut f = headless::train(r, n, &progress)?;
            if cli.gradcheck {
                f.gradcheck = Some(headless::gradcheck(&f.trainer));
            }
            Ok(f)
        })
        .collect::<io::Result<Vec<_>>>()
        .map_err(io_failure)?;
    progress.finish_and_clear();
    headless::choose(&mut finished);
    let mut out = io::BufWriter::new(io::stdout().lock());
    if cli.table {
        let summaries: Vec<_> = finished.iter().map(|f| &f.summary).collect();
        out.write_all(nnviz::table::render(&summaries).as_bytes()).map_err(io_failure)?;
        // The gradient checks follow the table, one JSON line per run in the same order.
        for f in &finished {
            headless::write_gradcheck(f, &mut out).map_err(io_failure)?;
        }
    } else {
        for f in &finished {
            headless::write(f, &mut out).map_err(io_failure)?;
        }
    }
    out.flush().map_err(io_failure)?;
    if let Some(path) = &cli.dump {
        let dumps: Vec<_> = runs.iter().zip(&finished).map(|(r, f)| headless::dump(r, &f.trainer)).collect();
        let text =
            if dumps.len() == 1 { serde_json::to_string(&dumps[0]) } else { serde_json::to_string(&dumps) };
        let text = text.map_err(|e| Failure::Io(e.to_string()))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| Failure::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(ExitCode::SUCCESS)
}

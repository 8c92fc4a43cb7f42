//! The `nnviz` binary: parse the command line, load and check every scenario before
//! any output, then dispatch.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use nnviz::app::App;
use nnviz::cli::{Cli, Mode};
use nnviz::load::{self, Loaded};
use nnviz::scenario::ScenarioError;
use nnviz::{bundled, headless, scenario};

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
            eprintln!("nnviz: error: {e}");
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
    if cli.scenarios.len() > 1 {
        return Err(Failure::Usage(ScenarioError::cli(
            "the terminal UI shows one scenario at a time (use --headless for several)",
        )));
    }
    // Every scenario error is reported before the screen opens.
    let runs = load_all(cli)?;
    if !io::stdout().is_terminal() {
        return Err(Failure::Usage(ScenarioError::cli(
            "stdout is not a terminal: the UI needs one (use --headless for JSON Lines)",
        )));
    }
    let mut app = App::new(nnviz::theme::detect());
    app.steps_override = cli.steps;
    app.seed_override = cli.seed;
    app.paused = cli.paused;
    app.fresh =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    if let Some(loaded) = runs.into_iter().next() {
        app.open(loaded);
    }
    nnviz::runner::run(app).map_err(|e| Failure::Io(format!("terminal: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn load_all(cli: &Cli) -> Result<Vec<Loaded>, Failure> {
    Ok(cli.scenarios.iter().map(|a| load::load(a, cli.seed)).collect::<Result<_, _>>()?)
}

fn io_failure(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::Closed
    } else {
        Failure::Io(format!("cannot write output: {e}"))
    }
}

fn check(cli: &Cli) -> ExitCode {
    let mut bad = false;
    for arg in &cli.scenarios {
        match load::load(arg, cli.seed) {
            Ok(_) => println!("ok {arg}"),
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
        let about = s.about.split_whitespace().collect::<Vec<_>>().join(" ");
        writeln!(out, "{name:width$}  {about}").map_err(io_failure)?;
    }
    Ok(())
}

fn headless_runs(cli: &Cli) -> Result<ExitCode, Failure> {
    let runs = load_all(cli)?;
    if let Some(path) = &cli.dump {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
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
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut dumps = Vec::new();
    for (r, &n) in runs.iter().zip(&steps) {
        let trainer = headless::run(r, n, &mut out, &progress).map_err(io_failure)?;
        if cli.dump.is_some() {
            dumps.push(headless::dump(r, &trainer));
        }
    }
    out.flush().map_err(io_failure)?;
    progress.finish_and_clear();
    if let Some(path) = &cli.dump {
        let text =
            if dumps.len() == 1 { serde_json::to_string(&dumps[0]) } else { serde_json::to_string(&dumps) };
        let text = text.map_err(|e| Failure::Io(e.to_string()))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| Failure::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(ExitCode::SUCCESS)
}

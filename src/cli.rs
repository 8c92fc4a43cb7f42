//! The command line.

use std::path::PathBuf;

use clap::Parser;

use crate::error::InputError;

/// Watch the lecture's two-layer network learn: weights, gradients, loss and frozen
/// parameters, live in the terminal or as JSON Lines.
#[derive(Debug, Parser)]
#[command(name = "nnviz", version, about)]
pub struct Cli {
    /// Scenario files, or names of bundled scenarios (e.g. zero_w2, regularization/l1)
    #[arg(value_name = "SCENARIO")]
    pub scenarios: Vec<String>,

    /// Train without the terminal UI and print JSON Lines on stdout
    #[arg(long)]
    pub headless: bool,

    /// Train for N steps instead of the scenario's train.steps
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,

    /// With --headless: after the run, write parameters and last gradients as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub dump: Option<PathBuf>,

    /// Print step 0's forward and backward pass on the first batch as JSON, and exit
    #[arg(long)]
    pub inspect: bool,

    /// Load each scenario as a run would and report "ok FILE" or its error
    #[arg(long)]
    pub check: bool,

    /// List the bundled scenarios
    #[arg(long)]
    pub list: bool,

    /// The lecture as a guided tour: the bundled one, or the lessons file given; with
    /// --check, run every lesson's checks headless and print them as JSON Lines
    #[arg(long)]
    pub lecture: bool,

    /// Use seed S for data, initialization, batches and dropout (any 64-bit integer, as
    /// in scenario files)
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub seed: Option<i64>,

    /// Open the UI paused at step 0
    #[arg(long)]
    pub paused: bool,

    /// Turn the scenario into the grid of its variants, e.g. regularization.l2.W1=0,1e-4,1e-3
    /// (repeatable; the last --sweep varies fastest)
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub sweep: Vec<String>,

    /// With --headless: print a table of the summaries instead of JSON Lines
    #[arg(long)]
    pub table: bool,

    /// With --headless: after each run, check its gradient by finite differences on the
    /// next batch and print the result as a JSON line
    #[arg(long)]
    pub gradcheck: bool,

    /// With --gradcheck: probe every element (by default large networks are sampled as the
    /// UI's G view samples them)
    #[arg(long)]
    pub gradcheck_all: bool,
}

impl Cli {
    /// `--seed` as the generators take it (a negative seed is used as its bits, as in files).
    pub fn seed(&self) -> Option<u64> {
        self.seed.map(|s| s as u64)
    }
}

/// What to do, once the flags are known to make sense together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    List,
    Check,
    Inspect,
    Headless,
    Ui,
    /// `--lecture`: the tour in the UI.
    Lecture,
    /// `--lecture --check`: every lesson's checks, headless.
    LectureCheck,
}

impl Cli {
    /// Parse `std::env::args`; clap's own errors become one line. `Err(Ok(code))`
    /// means help or version was printed.
    pub fn parse_args() -> Result<Cli, Result<std::process::ExitCode, InputError>> {
        Cli::try_parse().map_err(|e| {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    Ok(std::process::ExitCode::SUCCESS)
                }
                _ => Err(InputError::cli(one_line(&e.to_string()))),
            }
        })
    }

    /// Reject combinations that make no sense.
    pub fn mode(&self) -> Result<Mode, InputError> {
        let bad = |what: &str| Err(InputError::cli(what.to_string()));
        if self.lecture {
            return self.lecture_mode();
        }
        let exclusive = [self.list, self.check, self.inspect, self.headless];
        if exclusive.iter().filter(|&&b| b).count() > 1 {
            return bad("--list, --check, --inspect and --headless exclude each other");
        }
        if self.dump.is_some() && !self.headless {
            return bad("--dump needs --headless");
        }
        if self.table && !self.headless {
            return bad("--table needs --headless");
        }
        if self.gradcheck && !self.headless {
            return bad("--gradcheck needs --headless");
        }
        if self.gradcheck_all && !self.gradcheck {
            return bad("--gradcheck-all needs --gradcheck");
        }
        if !self.sweep.is_empty() && self.scenarios.len() != 1 {
            return bad("--sweep takes exactly one scenario");
        }
        if !self.sweep.is_empty() && self.list {
            return bad("--sweep does not go with --list");
        }
        if self.list {
            if !self.scenarios.is_empty() {
                return bad("--list takes no scenario");
            }
            return Ok(Mode::List);
        }
        let need_scenario = self.check || self.inspect || self.headless;
        if need_scenario && self.scenarios.is_empty() {
            return bad("no scenario given (a file, or a bundled name: see nnviz --list)");
        }
        if self.paused && (self.check || self.inspect || self.headless || self.list) {
            return bad("--paused goes with the terminal UI only");
        }
        if self.steps.is_some() && (self.check || self.inspect) {
            return bad("--steps goes with a training run, not with --check or --inspect");
        }
        Ok(if self.check {
            Mode::Check
        } else if self.inspect {
            Mode::Inspect
        } else if self.headless {
            Mode::Headless
        } else {
            Mode::Ui
        })
    }
}

impl Cli {
    /// `--lecture [--check] [--paused] [LESSONS.toml]`: nothing else goes with it.
    fn lecture_mode(&self) -> Result<Mode, InputError> {
        let others = [
            (self.headless, "--headless"),
            (self.steps.is_some(), "--steps"),
            (self.dump.is_some(), "--dump"),
            (self.inspect, "--inspect"),
            (self.list, "--list"),
            (self.seed.is_some(), "--seed"),
            (!self.sweep.is_empty(), "--sweep"),
            (self.table, "--table"),
            (self.gradcheck, "--gradcheck"),
            (self.gradcheck_all, "--gradcheck-all"),
            (self.paused && self.check, "--paused (with --check)"),
        ];
        if let Some((_, flag)) = others.iter().find(|(given, _)| *given) {
            return Err(InputError::cli(format!(
                "{flag} does not go with --lecture (a lesson's scenario, steps and seeds are in its lessons file)"
            )));
        }
        if self.scenarios.len() > 1 {
            return Err(InputError::cli("--lecture takes at most one lessons file"));
        }
        Ok(if self.check { Mode::LectureCheck } else { Mode::Lecture })
    }
}

/// clap's report, condensed to its first line without the "error: " prefix.
fn one_line(report: &str) -> String {
    let first = report.lines().find(|l| !l.trim().is_empty()).unwrap_or("bad command line");
    first.trim().trim_start_matches("error:").trim().to_string()
}

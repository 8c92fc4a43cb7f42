//! The lecture as a tour: lessons, each a claim of the slides, a scenario that shows it and
//! checks that measure it (`nnviz --lecture`, and `--lecture --check` headless).
//!
//! A lessons file is read like a scenario file ([`parse`]): every key checked, errors as
//! `FILE:LINE:COL: KEY: REASON`. Its checks name values by dotted paths into JSON documents
//! of a run at a step ([`path`]); [`eval`] makes those documents and compares.

pub mod eval;
mod parse;
pub mod path;
pub mod progress;

use serde_json::Value;

use crate::error::InputError;
use crate::load::Loaded;
pub use path::{Path, Root};

/// The lecture bundled with nnviz: `nnviz --lecture` without a file.
pub const BUNDLED: (&str, &str) = ("lecture/class22.toml", include_str!("../../lecture/class22.toml"));

/// A lessons file, checked: every scenario it names is loaded.
#[derive(Clone, Debug)]
pub struct Lecture {
    /// The file as shown in errors and on screen.
    pub file: String,
    /// Whether this is the bundled lecture (its progress is kept under that name).
    pub bundled: bool,
    pub title: String,
    pub lessons: Vec<Lesson>,
    /// Every distinct scenario the lessons run or read, loaded once; lessons and paths
    /// refer to them by index.
    pub scenarios: Vec<Loaded>,
}

#[derive(Clone, Debug)]
pub struct Lesson {
    /// Unique, `[a-z0-9_]+`.
    pub id: String,
    pub title: String,
    /// The slide's claim, quoted or closely paraphrased.
    pub slide: String,
    /// What nnviz adds to the slide: why, what to look at (may be empty).
    pub note: String,
    /// What to press, e.g. "n n" (may be empty).
    pub keys: String,
    /// Index into [`Lecture::scenarios`]: the run the lesson shows.
    pub scenario: usize,
    pub checks: Vec<Check>,
}

/// One measured claim: after `step` steps, `value` passes `test` against `expected`.
#[derive(Clone, Debug)]
pub struct Check {
    pub step: u64,
    pub value: Path,
    pub test: Test,
    pub expected: Operand,
    /// For [`Test::CloseTo`]: the largest difference that passes.
    pub tolerance: f64,
    /// What the check claims, in words (the path when the file gives none).
    pub say: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Test {
    Equals,
    AtLeast,
    AtMost,
    CloseTo,
}

impl Test {
    /// The comparison as a symbol, for the screen.
    pub fn symbol(self) -> &'static str {
        match self {
            Test::Equals => "=",
            Test::AtLeast => "≥",
            Test::AtMost => "≤",
            Test::CloseTo => "≈",
        }
    }
}

/// What a check compares with: a value written in the file, or a path.
#[derive(Clone, Debug)]
pub enum Operand {
    Literal(Value),
    Path(Path),
}

impl Lecture {
    /// The bundled lecture (it is valid: tested).
    pub fn bundled() -> Result<Lecture, InputError> {
        let (file, text) = BUNDLED;
        let mut lecture = parse::parse(file, text.as_bytes(), std::path::Path::new(""), false)?;
        lecture.bundled = true;
        Ok(lecture)
    }

    /// The lessons file `arg`, or the bundled lecture when `None`.
    pub fn load(arg: Option<&str>) -> Result<Lecture, InputError> {
        let Some(arg) = arg else { return Lecture::bundled() };
        let path = std::path::Path::new(arg);
        let bytes = crate::files::read_limited(path, crate::load::MAX_SCENARIO_BYTES)
            .map_err(|e| InputError::new(arg, None, "", format!("cannot read: {e}")))?;
        let base = path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        parse::parse(arg, &bytes, &base, true)
    }

    /// How many checks the lessons have in all.
    pub fn checks(&self) -> usize {
        self.lessons.iter().map(|l| l.checks.len()).sum()
    }

    /// The scenario a path reads: its own `other.` one, else the lesson's.
    pub fn scenario_of(&self, lesson: &Lesson, path: &Path) -> usize {
        path.scenario.unwrap_or(lesson.scenario)
    }
}

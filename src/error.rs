//! The one error type for bad input: a scenario file, a command-line argument, a
//! `--sweep` value. Shown as one line, `FILE:LINE:COL: KEY: REASON`, and nnviz exits 2.

use std::fmt;

use crate::text::escape;

/// A 1-based line and column in an input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// Rendered as `FILE:LINE:COL: KEY: REASON`; parts that do not apply are left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub file: Option<String>,
    pub pos: Option<Pos>,
    pub key: Option<String>,
    pub reason: String,
}

impl InputError {
    pub fn new(file: &str, pos: Option<Pos>, key: &str, reason: impl Into<String>) -> Self {
        Self {
            file: Some(file.to_string()),
            pos,
            key: (!key.is_empty()).then(|| key.to_string()),
            reason: reason.into(),
        }
    }

    /// A command-line error: no file.
    pub fn cli(reason: impl Into<String>) -> Self {
        Self { file: None, pos: None, key: None, reason: reason.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every part can quote the input (a file name, a key, an excerpt): none may reach the
        // terminal raw or break the one line.
        if let Some(file) = &self.file {
            write!(f, "{}:", escape(file))?;
            if let Some(p) = self.pos {
                write!(f, "{}:{}:", p.line, p.col)?;
            }
            f.write_str(" ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{}: ", escape(key))?;
        }
        f.write_str(&escape(&self.reason))
    }
}

impl std::error::Error for InputError {}

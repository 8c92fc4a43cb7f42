//! The one error type for a bad scenario or command line.

use std::fmt;

use super::types::Pos;

/// Rendered as `FILE:LINE:COL: KEY: REASON`; parts that do not apply are left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: Option<String>,
    pub pos: Option<Pos>,
    pub key: Option<String>,
    pub reason: String,
}

impl ScenarioError {
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

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
            if let Some(p) = self.pos {
                write!(f, "{}:{}:", p.line, p.col)?;
            }
            f.write_str(" ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        // One line, always: a reason quoting the input must not break it.
        f.write_str(&self.reason.replace(['\n', '\r'], " "))
    }
}

impl std::error::Error for ScenarioError {}

/// 1-based line and column (in characters) of a byte offset.
pub fn pos_of(src: &str, offset: usize) -> Pos {
    let offset = offset.min(src.len());
    let before = &src[..src.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos { line, col: before[line_start..].chars().count() + 1 }
}

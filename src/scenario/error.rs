//! The one error type for a bad scenario or command line.

use std::fmt;

use super::types::Pos;
use crate::text::escape;

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

impl std::error::Error for ScenarioError {}

/// The starts of a text's lines, so that the positions of many offsets cost a binary search
/// and a walk along one line each, not a walk from the start of the file.
pub struct Lines<'a> {
    src: &'a str,
    /// Byte offset of every line's first byte; the first is 0.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(src: &'a str) -> Self {
        let starts = std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { src, starts }
    }

    /// [`pos_of`] the offset.
    pub fn pos(&self, offset: usize) -> Pos {
        let offset = self.src.floor_char_boundary(offset.min(self.src.len()));
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        Pos { line, col: self.src[start..offset].chars().count() + 1 }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn pos_of(src: &str, offset: usize) -> Pos {
    let offset = offset.min(src.len());
    let before = &src[..src.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos { line, col: before[line_start..].chars().count() + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_agree_with_pos_of() {
        let src = "ab\n\nc\u{e9}d\n\u{1F600}x\n";
        let lines = Lines::new(src);
        for offset in 0..=src.len() + 3 {
            assert_eq!(lines.pos(offset), pos_of(src, offset), "offset {offset}");
        }
        assert_eq!(Lines::new("").pos(0), Pos { line: 1, col: 1 });
    }
}

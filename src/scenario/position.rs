//! Positions in a scenario's text: 1-based lines and columns of byte offsets.

use crate::error::Pos;

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

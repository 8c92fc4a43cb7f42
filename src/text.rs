//! Text from input, made safe to print.
//!
//! Names, about texts, file names, sweep values, CSV fields and excerpts of a file all come
//! from someone else: a downloaded scenario must not be able to move the cursor, recolour or
//! retitle the terminal, reverse the text that follows, or split a line of a table, an error
//! or a CSV header. Every place nnviz prints such a string passes it through [`escape`] (or
//! [`quote`]); JSON output is left to serde, whose escaping is already safe.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal raw: the C0 controls (newline and tab included),
/// DEL, the C1 controls, and the bidirectional formatting characters (embeddings,
/// overrides, isolates, and the marks U+200E, U+200F and U+061C).
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{61c}'
    )
}

/// `s` with every [unsafe](is_unsafe) character written as a Rust-style escape (`\u{1b}`,
/// `\u{a}`, `\u{202e}`); everything else, backslashes included, unchanged, so ordinary
/// text stays byte-identical (and is not copied).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push(&mut out, c);
    }
    Cow::Owned(out)
}

/// `s` in double quotes for a message, as Rust's `{:?}` writes it (`"` and `\` escaped),
/// but with every unsafe character as `\u{…}`, so `"\u{0}4"` cannot be misread as an
/// octal `"\04"`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => push(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// A paragraph (an about text) on one line: runs of whitespace, newlines included, as one
/// space, then [`escape`]d.
pub fn paragraph(s: &str) -> String {
    escape(&s.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

fn push(out: &mut String, c: char) {
    if is_unsafe(c) {
        // Writing to a String cannot fail.
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_unchanged_and_borrowed() {
        for s in ["zero_w2", "digits[regularization.l2.W1=1e-4]", "Ünïcødé ★ → ≥", "a\\b \"q\"", ""]
        {
            assert!(matches!(escape(s), Cow::Borrowed(t) if t == s), "{s}");
        }
    }

    #[test]
    fn controls_and_bidi_become_escapes() {
        assert_eq!(escape("a\u{0}b\u{1b}[31mred\u{7}"), "a\\u{0}b\\u{1b}[31mred\\u{7}");
        assert_eq!(escape("one\ntwo\tthree\r"), "one\\u{a}two\\u{9}three\\u{d}");
        assert_eq!(escape("\u{7f}\u{85}\u{9b}"), "\\u{7f}\\u{85}\\u{9b}");
        assert_eq!(escape("abc\u{202e}def"), "abc\\u{202e}def");
        for c in ['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}'] {
            assert!(is_unsafe(c), "{:x}", c as u32);
        }
        // Neighbours of the ranges are ordinary.
        for c in [' ', '~', '\u{a0}', '\u{2029}', '\u{202f}', '\u{2065}', '\u{206a}', '\u{200d}'] {
            assert!(!is_unsafe(c), "{:x}", c as u32);
        }
    }

    #[test]
    fn escaped_text_has_nothing_unsafe_left() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!escape(&all).chars().any(is_unsafe));
        assert!(!quote(&all).chars().any(is_unsafe));
    }

    #[test]
    fn paragraph_is_one_escaped_line() {
        assert_eq!(paragraph("  one\n two\t\tthree \u{1b}[2J "), "one two three \\u{1b}[2J");
    }

    #[test]
    fn quote_is_debug_for_ordinary_text() {
        for s in ["learing_rate", "x,y", "a\"b", "back\\slash", "Ünï"] {
            assert_eq!(quote(s), format!("{s:?}"));
        }
        assert_eq!(quote("\u{0}4"), "\"\\u{0}4\"");
        assert_eq!(quote("a\nb"), "\"a\\u{a}b\"");
    }
}

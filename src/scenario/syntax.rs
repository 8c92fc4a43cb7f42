//! TOML syntax errors as one line with a position and, where there is one, the key.
//!
//! The TOML parser's messages are kept, without the drawing of the source. Two of them need
//! help: a duplicate key or table is named by its whole dotted path (the parser points at
//! its last part only), and a key of too many dotted parts (the parser's recursion limit)
//! comes without a span, so it is found here.

use std::ops::Range;

use super::{InputError, pos_of};
use crate::text::quote;

/// The TOML parser refuses a key (or table header) of more than this many dotted parts.
const KEY_PARTS_LIMIT: usize = 80;

/// A TOML syntax error, condensed to one line: the message without the drawing.
pub(crate) fn syntax_error(file: &str, src: &str, e: &toml::de::Error) -> InputError {
    let lines: Vec<&str> = e.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut reason = lines.join("; ");
    let mut span = e.span();
    let mut path = String::new();
    if reason == "duplicate key"
        && let Some(s) = span.clone()
        && let Some(key) = src.get(s.clone())
    {
        reason = format!("duplicate key {}", quote(key.trim()));
        path = duplicate_path(src, s);
    } else if span.is_none() && reason == "recursion limit" {
        reason = format!("a key of more than {KEY_PARTS_LIMIT} dotted parts (nested too deeply)");
        span = Some(long_key(src).unwrap_or(0..0));
    }
    // Every syntax error has a position: at worst the start of the file.
    let at = span.map_or(0, |s| s.start);
    InputError::new(file, Some(pos_of(src, at)), &path, reason)
}

/// The whole dotted path of the duplicate key whose last part is at `span`: a table header
/// (`[init.W1]` → `init.W1`), a dotted key under its section (`x.y = 2` in `[data]` →
/// `data.x.y`), or a key of an inline table under the key that holds it.
fn duplicate_path(src: &str, span: Range<usize>) -> String {
    let start = src.floor_char_boundary(span.start.min(src.len()));
    let end = src.floor_char_boundary(span.end.min(src.len()));
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let written = &src[line_start..end];
    let key = normalize(&src[start..end]);
    if let Some(header) = written.trim_start().strip_prefix('[') {
        return normalize(header.strip_prefix('[').unwrap_or(header));
    }
    let section = section_before(src, line_start);
    let within = match written.find('=') {
        // `outer = { …, key`: an inline table.
        Some(eq) if written.contains('{') => format!("{}.{key}", normalize(&written[..eq])),
        Some(_) => key,
        None => normalize(written),
    };
    match section {
        Some(section) if !section.is_empty() => format!("{section}.{within}"),
        _ => within,
    }
}

/// The `[section]` header in force at a byte offset (the last one above it), if any.
fn section_before(src: &str, offset: usize) -> Option<String> {
    src[..src.floor_char_boundary(offset)].lines().rev().map(str::trim).find(|l| l.starts_with('[')).and_then(
        |l| {
            let l = l.trim_start_matches('[');
            let close = l.find(']')?;
            Some(normalize(&l[..close]))
        },
    )
}

/// A dotted key as written (`init . "W1"`, `a.b ]`) as a path: parts trimmed and unquoted,
/// joined by dots, anything after the key dropped.
fn normalize(written: &str) -> String {
    let mut parts = vec![String::new()];
    let mut quote = None;
    for c in written.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => parts.last_mut().map_or((), |p| p.push(c)),
            (None, '"' | '\'') => quote = Some(c),
            (None, '.') => parts.push(String::new()),
            (None, ' ' | '\t') => {}
            (None, ']' | '=') => break,
            (None, c) => parts.last_mut().map_or((), |p| p.push(c)),
        }
    }
    parts.join(".")
}

/// Where the first key of more than [`KEY_PARTS_LIMIT`] dotted parts starts: a run of bare
/// or quoted keys joined by dots, outside comments (spaces and tabs may surround the dots).
fn long_key(src: &str) -> Option<Range<usize>> {
    let bytes = src.as_bytes();
    let mut i = 0;
    // The current run: where it starts, its parts, and whether a dot awaits the next part.
    let mut run: Option<(usize, usize, bool)> = None;
    while i < bytes.len() {
        let b = bytes[i];
        let part_end = match b {
            b'#' => {
                i = memchr_newline(bytes, i);
                run = None;
                continue;
            }
            b'"' | b'\'' => string_end(bytes, i),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' => {
                let mut j = i;
                while j < bytes.len()
                    && matches!(bytes[j], b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
                {
                    j += 1;
                }
                j
            }
            b'.' => {
                run = run.map(|(start, parts, _)| (start, parts, true));
                i += 1;
                continue;
            }
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            _ => {
                run = None;
                i += 1;
                continue;
            }
        };
        run = match run {
            Some((start, parts, true)) => Some((start, parts + 1, false)),
            _ => Some((i, 1, false)),
        };
        if let Some((start, parts, _)) = run
            && parts > KEY_PARTS_LIMIT
        {
            return Some(start..part_end);
        }
        i = part_end.max(i + 1);
    }
    None
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| from + p)
}

/// The end of the string opening at `at` (basic or literal, single- or multi-line).
fn string_end(bytes: &[u8], at: usize) -> usize {
    let q = bytes[at];
    let triple = bytes.get(at..at + 3) == Some(&[q, q, q][..]);
    let mut i = at + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if q == b'"' => i += 2,
            b'\n' if !triple => return i,
            b if b == q && (!triple || bytes.get(i..i + 3) == Some(&[q, q, q][..])) => {
                return i + if triple { 3 } else { 1 };
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(src: &str) -> String {
        let e = toml::de::DeTable::parse(src).expect_err("invalid TOML");
        syntax_error("t.toml", src, &e).to_string()
    }

    #[test]
    fn duplicates_are_named_by_their_whole_path() {
        let cases = [
            ("[train]\nsteps=1\n[train]\n", "t.toml:3:2: train: duplicate key \"train\""),
            ("[init.W1]\nkind=\"he\"\n[init.W1]\n", "t.toml:3:7: init.W1: duplicate key \"W1\""),
            ("[ init . \"W1\" ]\n[init.W1]\n", "t.toml:2:7: init.W1: duplicate key \"W1\""),
            ("a.b = 1\na.b = 2\n", "t.toml:2:3: a.b: duplicate key \"b\""),
            ("[data]\nx.y = 1\nx . y = 2\n", "t.toml:3:5: data.x.y: duplicate key \"y\""),
            ("[train]\nsteps = 1\nsteps = 2\n", "t.toml:3:1: train.steps: duplicate key \"steps\""),
            ("x = { a = 1, a = 2 }\n", "t.toml:1:14: x.a: duplicate key \"a\""),
            ("[init]\nW1.kind = \"he\"\n[init.W1]\n", "t.toml:3:7: init.W1: duplicate key \"W1\""),
        ];
        for (src, want) in cases {
            assert_eq!(error(src), want, "{src:?}");
        }
    }

    #[test]
    fn too_deep_a_key_has_a_position() {
        let key = |n: usize| vec!["a"; n].join(".");
        assert_eq!(
            error(&format!("# [{}]\nname = \"x\"\n[{}]\n", key(100), key(5000))),
            "t.toml:3:2: a key of more than 80 dotted parts (nested too deeply)"
        );
        assert!(error(&format!("x = {{ {} = 1 }}\n", key(100))).starts_with("t.toml:1:7: a key of more"));
        let quoted = vec!["\"a.b\""; 90].join(" . ");
        assert!(error(&format!("s = 'x'\n{quoted} = 1\n")).starts_with("t.toml:2:1: a key of more"));
        assert!(toml::de::DeTable::parse(&format!("[{}]\n", key(80))).is_ok());
    }

    #[test]
    fn strings_end_where_toml_says() {
        assert_eq!(string_end(b"\"a\\\"b\" x", 0), 6);
        assert_eq!(string_end(b"'a\\' x", 0), 4);
        assert_eq!(string_end(b"\"\"\"a\"b\"\"\" x", 0), 9);
        assert_eq!(string_end(b"\"abc\nd", 0), 4);
        assert_eq!(string_end(b"\"abc", 0), 4);
    }
}

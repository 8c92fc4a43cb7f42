//! The README's table of scenario keys agrees with the parser: it lists the keys the parser
//! knows, in the order it reads them, and each default it states is the parser's — a file
//! that sets a key to its stated default parses to the same scenario as one that leaves the
//! key out. A default stated for some sources only (`3 (blobs, spiral)`, `true (inline:
//! false)`) is checked with those sources.

use std::path::Path;

use nnviz::scenario::{Scenario, keys, parse};

const README: &str = include_str!("../README.md");
const HEADER: &str = "| key | type | default | allowed |";

/// One row of the table, its cells trimmed and with the backticks of the keys removed.
struct Row {
    /// `regularization.l2`, `.l1` → `regularization.l2`, `regularization.l1`.
    keys: Vec<String>,
    ty: String,
    default: String,
    allowed: String,
}

fn rows() -> Vec<Row> {
    let mut lines = README.lines().skip_while(|l| *l != HEADER);
    assert!(lines.next().is_some(), "README has no line {HEADER:?}");
    lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 4, "README row {line:?} does not have 4 cells");
            let mut keys: Vec<String> = Vec::new();
            for key in cells[0].split(", ").map(|k| k.trim_matches('`')) {
                let key = match (key.strip_prefix('.'), keys.first()) {
                    (Some(rest), Some(first)) => {
                        format!("{}.{rest}", first.rsplit_once('.').map_or("", |(section, _)| section))
                    }
                    _ => key.to_owned(),
                };
                keys.push(key);
            }
            Row { keys, ty: cells[1].into(), default: cells[2].into(), allowed: cells[3].into() }
        })
        .collect()
}

/// The lines that choose `source` (`None`: the default one), with the keys it requires.
fn source_lines(source: Option<&str>) -> String {
    match source {
        None => String::new(),
        Some("inline") => "data.source = \"inline\"\ndata.x = [[0.5]]\ndata.y = [0]\n".into(),
        Some("csv") => "data.source = \"csv\"\ndata.path = \"x.csv\"\n".into(),
        Some("idx") => "data.source = \"idx\"\ndata.images = \"i\"\ndata.labels = \"l\"\n".into(),
        Some(other) => format!("data.source = {other:?}\n"),
    }
}

fn scenario(src: &str) -> Scenario {
    let mut s = parse("t.toml", src, Path::new("."), "stem").unwrap_or_else(|e| panic!("{src:?}: {e}"));
    s.positions.clear();
    s
}

/// A default as a TOML value: `file stem` is the stem given to `parse`, a value in
/// backticks is written as it stands, and several values fill the type's template
/// (`0, 0` in `{ W1 = float, W2 = float }`). `None`: no default (`—`).
fn value(default: &str, ty: &str) -> Option<String> {
    let default = default.trim_end_matches(" each").trim();
    if default == "—" {
        return None;
    }
    if default == "file stem" {
        return Some("\"stem\"".into());
    }
    let parts: Vec<&str> = default.split(", ").collect();
    if parts.len() > 1 {
        let mut template = ty.trim_matches('`').to_owned();
        for part in parts {
            template = template.replacen("float", part, 1);
        }
        return Some(template);
    }
    Some(default.trim_matches('`').to_owned())
}

/// The (source, value) pairs a default cell states: `3 (blobs, spiral)` is 3 for blobs
/// and spiral; `0.2 (inline: 0)` is 0.2 for the default source and 0 for inline.
fn cases(default: &str) -> Vec<(Option<String>, String)> {
    let Some((base, qualifier)) = default.strip_suffix(')').and_then(|d| d.rsplit_once(" (")) else {
        return vec![(None, default.to_owned())];
    };
    match qualifier.split_once(": ") {
        Some((source, other)) => vec![(None, base.to_owned()), (Some(source.to_owned()), other.to_owned())],
        None => qualifier.split(", ").map(|source| (Some(source.to_owned()), base.to_owned())).collect(),
    }
}

#[test]
fn readme_lists_every_key_in_the_order_read() {
    let documented: Vec<String> = rows().into_iter().flat_map(|row| row.keys).collect();
    assert_eq!(documented, keys(), "the README's table of scenario keys and the parser's keys differ");
}

#[test]
fn readme_defaults_are_the_parsers() {
    let mut checked = 0;
    for row in rows() {
        for (source, default) in cases(&row.default) {
            let Some(value) = value(&default, &row.ty) else { continue };
            let base = source_lines(source.as_deref());
            let without = scenario(&base);
            for key in &row.keys {
                let with = scenario(&format!("{base}{key} = {value}\n"));
                let source = source.as_deref().unwrap_or("the default source");
                assert_eq!(with, without, "README: {key} defaults to {value} ({source}); the parser differs");
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} defaults checked");
}

/// A key that names one of a list (a string with a default name and a list of allowed
/// names) rejects any other name, listing exactly those.
#[test]
fn readme_lists_the_allowed_names() {
    let mut checked = 0;
    let names = |r: &Row| r.ty == "string" && r.default.starts_with('"') && r.allowed.contains(", ");
    for row in rows().into_iter().filter(names) {
        for key in &row.keys {
            let e =
                parse("t.toml", &format!("{key} = \"?\"\n"), Path::new("."), "t").expect_err("not a name");
            let e = e.to_string();
            assert!(e.ends_with(&format!("expected one of: {}", row.allowed)), "README: {key}: {e}");
            checked += 1;
        }
    }
    assert_eq!(checked, 3, "data.source, regularization.l1_mode, dropout.mode");
}

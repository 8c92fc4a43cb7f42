//! The UI's `w`: a run as a scenario file that replays it exactly — its file's settings, the
//! seeds it ran with, and its schedule with the live changes (the knobs) in it.

use std::io;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::files;
use crate::load::{self, Loaded};
use crate::scenario::{self, Change, Scenario, Source};
use crate::train::Trainer;

/// Write the run as `<name>-live.toml` in `dir` (`-live-2.toml`, … when taken; never over a
/// file). Returns the path and the number of schedule entries.
pub fn write(dir: &Path, loaded: &Loaded, t: &Trainer) -> io::Result<(PathBuf, usize)> {
    let text = text(dir, loaded, &t.scenario.schedule).map_err(io::Error::other)?;
    let safe: String = loaded
        .scenario
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '-' })
        .collect();
    let base = format!("{}-live", if safe.is_empty() { "run" } else { &safe });
    let path = files::unused_name(dir, &base, &["toml"]).remove(0);
    files::create_new(&path, text.as_bytes())?;
    Ok((path, t.scenario.schedule.len()))
}

/// The scenario text of a run of `loaded` with `schedule`, for a file in `dir`: the
/// scenario file's own text as TOML, its name and the seeds the run used written out, a
/// relative data path (csv, idx) made absolute, and the schedule. It is parsed again and must give the
/// same scenario, or nothing is written.
pub fn text(dir: &Path, loaded: &Loaded, schedule: &[Change]) -> Result<String, String> {
    let found = load::read(&loaded.file).map_err(|e| e.to_string())?;
    let src = String::from_utf8(found.bytes).map_err(|_| format!("{} is not UTF-8", loaded.file))?;
    let original = scenario::parse(&found.file, &src, &found.base, &found.stem).map_err(|e| e.to_string())?;
    let s = &loaded.scenario;
    let mut as_run = original.clone();
    as_run.name.clone_from(&s.name);
    as_run.data.seed = s.data.seed;
    as_run.init.seed = s.init.seed;
    as_run.train.seed = s.train.seed;
    as_run.dropout.seed = s.dropout.seed;
    if !same(&as_run, s) {
        return Err(format!(
            "{} no longer says what this run was opened with (changed on disk, or a sweep's \
             variant); o reloads it",
            loaded.file
        ));
    }
    let mut doc: Table = toml::from_str(&src).map_err(|e| e.to_string())?;
    doc.insert("name".into(), Value::String(s.name.clone()));
    let mut seed = |section: &str, value: u64, was: u64| {
        if value != was {
            let t = doc.entry(section).or_insert_with(|| Value::Table(Table::new()));
            if let Value::Table(t) = t {
                // A seed is any 64-bit integer; the file holds it as TOML's signed one.
                t.insert("seed".into(), Value::Integer(value as i64));
            }
        }
    };
    seed("data", s.data.seed, original.data.seed);
    seed("init", s.init.seed, original.init.seed);
    seed("train", s.train.seed, original.train.seed);
    seed("dropout", s.dropout.seed, original.dropout.seed);
    // Data files are found from the written file's folder: name them by full path.
    let files: Vec<(&str, &Path)> = match &s.data.source {
        Source::Csv { path, .. } => vec![("path", path.as_path())],
        Source::Idx(spec) => vec![("images", spec.images.as_path()), ("labels", spec.labels.as_path())],
        _ => Vec::new(),
    };
    if let Some(Value::Table(data)) = doc.get_mut("data") {
        for (key, path) in files {
            let absolute = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
            data.insert(key.into(), Value::String(absolute.to_string_lossy().into_owned()));
        }
    }
    doc.remove("schedule");
    if !schedule.is_empty() {
        doc.insert(
            "schedule".into(),
            Value::Array(schedule.iter().map(|c| Value::Table(entry(c))).collect()),
        );
    }
    let body = toml::to_string(&doc).map_err(|e| e.to_string())?;
    let text = format!(
        "# Written by nnviz from {}: the scenario as it ran, with its seeds and every change\n\
         # made while it trained as a [[schedule]] entry. nnviz --headless --steps N of this\n\
         # file gives the parameters the run had at step N.\n\n{body}",
        crate::text::escape(&loaded.file)
    );
    let mut expected = s.clone();
    expected.schedule = schedule.to_vec();
    let again = scenario::parse("the written file", &text, dir, "").map_err(|e| format!("internal: {e}"))?;
    if !same(&again, &expected) {
        return Err("internal: the written scenario would not replay this run".to_owned());
    }
    Ok(text)
}

/// Two scenarios alike but for where their keys were written (and the data files' paths,
/// written absolute).
fn same(a: &Scenario, b: &Scenario) -> bool {
    let strip = |s: &Scenario| {
        let mut s = s.clone();
        s.positions.clear();
        match &mut s.data.source {
            Source::Csv { path, shown, .. } => {
                *path = std::fs::canonicalize(&*path).unwrap_or_default();
                shown.clear();
            }
            Source::Idx(spec) => {
                spec.images = std::fs::canonicalize(&spec.images).unwrap_or_default();
                spec.labels = std::fs::canonicalize(&spec.labels).unwrap_or_default();
                spec.images_shown.clear();
                spec.labels_shown.clear();
            }
            _ => {}
        }
        s
    };
    strip(a) == strip(b)
}

/// One `[[schedule]]` table: `step` and what the entry sets.
fn entry(c: &Change) -> Table {
    let mut t = Table::new();
    t.insert("step".into(), Value::Integer(c.step as i64));
    let mut float = |key: &str, v: Option<f64>| {
        if let Some(v) = v {
            t.insert(key.into(), Value::Float(v));
        }
    };
    float("learning_rate", c.learning_rate);
    float("keep_input", c.keep_input);
    float("keep_hidden", c.keep_hidden);
    for (key, values) in [("l2", c.l2), ("l1", c.l1)] {
        let mut m = Table::new();
        for (w, v) in ["W1", "W2"].into_iter().zip(values) {
            if let Some(v) = v {
                m.insert(w.into(), Value::Float(v));
            }
        }
        if !m.is_empty() {
            t.insert(key.into(), Value::Table(m));
        }
    }
    if let Some(m) = c.l1_mode {
        t.insert("l1_mode".into(), Value::String(<&str>::from(m).into()));
    }
    if let Some(m) = c.dropout_mode {
        t.insert("dropout_mode".into(), Value::String(<&str>::from(m).into()));
    }
    t
}

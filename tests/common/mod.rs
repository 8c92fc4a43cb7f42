//! Running the built binary and reading its JSON Lines.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run nnviz in the crate root with `args`.
pub fn nnviz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nnviz")).args(args).current_dir(root()).output().expect("nnviz runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// Run headless and parse every line; panics with stderr when the run fails.
pub fn headless(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--headless"];
    all.extend_from_slice(args);
    let o = nnviz(&all);
    assert!(o.status.success(), "nnviz {all:?} failed: {}", stderr(&o));
    stdout(&o).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

pub fn summary(lines: &[Value]) -> &Value {
    let last = lines.last().expect("output has lines");
    assert_eq!(last["event"], "summary");
    last
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("expected a number, got {v}"))
}

/// A scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nnviz-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A whole screen drawn into a `w`×`h` TestBackend.
pub fn screen(app: &nnviz::app::App, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| nnviz::ui::render(app, f.area(), f.buffer_mut())).unwrap();
    t.backend().buffer().clone()
}

/// The screen as text, one line per row.
pub fn text(b: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

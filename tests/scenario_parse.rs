//! Every fixture in `tests/fixtures/invalid/` that states its expected error is rejected
//! with that error.
//!
//! A fixture states it in its first comment lines:
//!
//! ```toml
//! # expect: KEY: REASON SUBSTRING     (KEY `-`: an error without a key, e.g. syntax)
//! # expect-pos: LINE:COL              (optional)
//! ```
//!
//! Fixtures without `# expect:` are checked elsewhere (errors found at load time).

use std::fs;
use std::path::{Path, PathBuf};

use nnviz::scenario::{parse, parse_bytes};

const DIR: &str = "tests/fixtures/invalid";

struct Expect {
    key: Option<String>,
    reason: String,
    pos: Option<String>,
}

/// The `# expect:` and `# expect-pos:` lines of a fixture, if it has them.
fn expectation(bytes: &[u8]) -> Option<Expect> {
    let text = String::from_utf8_lossy(bytes);
    let value = |tag: &str| {
        text.lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix('#').map(str::trim).and_then(|l| l.strip_prefix(tag)).map(str::trim))
    };
    let expect = value("expect:")?;
    let (key, reason) = expect.split_once(": ").unwrap_or(("-", expect));
    Some(Expect {
        key: (key != "-").then(|| key.to_owned()),
        reason: reason.to_owned(),
        pos: value("expect-pos:").map(str::to_owned),
    })
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(DIR)
        .expect("fixture folder exists")
        .map(|e| e.expect("fixture folder is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
}

/// Parse as the program does: `parse_bytes`, and `parse` too when the file is UTF-8
/// (both must agree).
fn parse_fixture(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let label = path.to_string_lossy();
    let base = path.parent().unwrap_or(Path::new("."));
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let from_bytes = parse_bytes(&label, bytes, base, &stem).map(|_| ());
    if let Ok(src) = std::str::from_utf8(bytes) {
        let from_str = parse(&label, src, base, &stem).map(|_| ());
        assert_eq!(from_bytes, from_str, "{label}: parse and parse_bytes differ");
    }
    from_bytes.map_err(|e| e.to_string())
}

#[test]
fn invalid_fixtures_give_their_error() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in fixtures() {
        let bytes = fs::read(&path).expect("fixture is readable");
        let Some(expect) = expectation(&bytes) else { continue };
        checked += 1;
        let label = path.to_string_lossy().into_owned();
        let message = match parse_fixture(&path, &bytes) {
            Ok(()) => {
                failures.push(format!("{label}: parsed, expected an error"));
                continue;
            }
            Err(message) => message,
        };
        let mut problems = Vec::new();
        if message.lines().count() != 1 {
            problems.push("is not one line");
        }
        if !message.starts_with(&format!("{label}:")) {
            problems.push("does not start with the file");
        }
        if let Some(pos) = &expect.pos
            && !message.starts_with(&format!("{label}:{pos}: "))
        {
            problems.push("is not at the expected position");
        }
        if let Some(key) = &expect.key
            && !message.contains(&format!(": {key}: "))
        {
            problems.push("does not name the key");
        }
        if !message.contains(&expect.reason) {
            problems.push("does not contain the reason");
        }
        if !problems.is_empty() {
            failures.push(format!("{label}: {message:?} {}", problems.join(", ")));
        }
    }
    assert!(checked >= 30, "only {checked} fixtures with `# expect:` in {DIR}");
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn fixture_without_its_defect_is_valid() {
    // The harness itself: a fixture's defect, removed, leaves a valid scenario.
    let src = "# expect: network.hidden: must be at least 1, got 0\n[network]\nhidden = 1\n";
    let parsed = parse("x.toml", src, Path::new("."), "x").expect("valid scenario");
    assert_eq!(parsed.hidden, 1);
}

/// Rejecting a file of unknown keys takes time in proportion to the file (it was quadratic:
/// each defect's line and column were counted from the start of the file). 100,000 keys
/// take about 0.1 s; the bound is generous so that a busy machine cannot fail it.
#[test]
fn many_unknown_keys_are_rejected_in_linear_time() {
    let n = 100_000;
    let lines: String = (0..n).map(|i| format!("k{i} = 1\n")).collect();
    for src in
        [format!("[train]\n{lines}"), format!("train = {{ {} }}\n", lines.trim_end().replace('\n', ", "))]
    {
        let started = std::time::Instant::now();
        let e = parse("t.toml", &src, Path::new("."), "t").expect_err("unknown keys");
        let elapsed = started.elapsed();
        assert!(e.to_string().contains(": train.k0: unknown key \"k0\""), "{e}");
        assert!(elapsed.as_secs_f64() < 10.0, "{n} unknown keys took {elapsed:?}");
    }
}

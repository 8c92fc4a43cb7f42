//! Headless output streams, a signal keeps what was printed, and output errors end cleanly:
//! a closed pipe quietly, a failed write with one line on stderr, never a panic.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::root;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nnviz"));
    c.current_dir(root());
    c
}

/// Start a long headless run, wait for its first line, send `sig`, and return its whole
/// output and exit status.
fn interrupt(sig: &str, scenarios: &[&str]) -> (Vec<String>, Option<i32>) {
    let mut child = bin()
        .args(["--headless", "--steps", "100000000"])
        .args(scenarios)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    // The first line is out while training goes on: it was written when it was made.
    assert!(first.contains("\"step\":0"), "{first}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        Command::new("kill").args([&format!("-{sig}"), &child.id().to_string()]).status().unwrap().success()
    );
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let lines = std::iter::once(first.trim_end().to_string()).chain(rest.lines().map(String::from)).collect();
    (lines, status.code())
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_keep_every_line_and_say_where_the_run_stopped() {
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let (lines, status) = interrupt(sig, &["digits"]);
        assert_eq!(status, Some(code), "SIG{sig}");
        let parsed: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
        let last = parsed.last().unwrap();
        assert_eq!(last["event"], "interrupted", "SIG{sig}: {last}");
        assert_eq!(last["scenario"], "digits");
        let step = last["step"].as_u64().unwrap();
        assert!(step > 0);
        assert!(parsed.iter().all(|l| l["event"] != "summary"), "no summary after an interruption");
        let metrics: Vec<u64> =
            parsed.iter().filter(|l| l["event"] == "metrics").map(|l| l["step"].as_u64().unwrap()).collect();
        assert!(metrics.windows(2).all(|w| w[1] == w[0] + 10), "every line so far, in order");
        assert!(*metrics.last().unwrap() <= step);
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_comparison_ends_each_run_in_order() {
    let (lines, status) = interrupt("TERM", &["zero_w2", "digits"]);
    assert_eq!(status, Some(143));
    let events: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["event"].as_str().unwrap().to_string(), v["scenario"].as_str().unwrap().to_string())
        })
        .collect();
    let stops: Vec<&(String, String)> = events.iter().filter(|e| e.0 == "interrupted").collect();
    assert_eq!(stops.len(), 2);
    assert_eq!(events.last().unwrap(), &("interrupted".to_string(), "digits".to_string()));
    let first_digits = events.iter().position(|e| e.1 == "digits").unwrap();
    assert_eq!(events[first_digits - 1], ("interrupted".to_string(), "zero_w2".to_string()));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let many: Vec<&str> = std::iter::repeat_n("zero_all", 2000).collect();
    for args in [vec!["--check"], vec!["--list"], vec!["--headless", "--steps", "20000"]] {
        let mut child = bin()
            .args(&args)
            .args(if args[0] == "--check" {
                &many[..]
            } else if args[0] == "--headless" {
                &many[..1]
            } else {
                &[]
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        // The reader goes away after one line.
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(matches!(o.status.code(), Some(0 | 141)), "{args:?}: {:?} {err}", o.status);
        assert!(err.is_empty(), "{args:?}: no message: {err}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_is_one_line_and_exit_1() {
    for args in [&["--check", "zero_w2"][..], &["--headless", "--steps", "10", "zero_w2"], &["--list"]] {
        let o = bin().args(args).stdout(std::fs::File::create("/dev/full").unwrap()).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("nnviz: error: ") && !err.contains("panicked"), "{err}");
    }
    // An error that cannot even be printed keeps its status.
    let o = bin()
        .args(["--headless", "nosuch"])
        .stderr(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_is_an_error_and_dev_null_is_not() {
    let sh = |redirect: &str| {
        let cmd = format!("'{}' --headless --steps 5 zero_w2 {redirect}", env!("CARGO_BIN_EXE_nnviz"));
        Command::new("sh").args(["-c", &cmd]).current_dir(root()).output().unwrap()
    };
    let closed = sh(">&-");
    assert_eq!(closed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&closed.stderr).contains("stdout is closed"));
    assert!(sh("> /dev/null").status.success());
}

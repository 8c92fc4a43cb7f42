//! Files nnviz writes are whole or not written: `--dump` and the `s` snapshot pair.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{nnviz, stderr};
use nnviz::app::App;
use nnviz::theme::ColorMode;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn dump_refuses_a_file_the_run_reads() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("mine.toml");
    std::fs::copy(common::root().join("scenarios/zero_w2.toml"), &mine).unwrap();
    let before = std::fs::read(&mine).unwrap();
    let m = mine.to_str().unwrap();
    let o = nnviz(&["--headless", "--steps", "2", "--dump", m, m]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("which this run reads"), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "refused before anything runs");
    assert_eq!(std::fs::read(&mine).unwrap(), before);
    // The csv a scenario reads, named another way (through `..`), is refused too.
    let csv = dir.path().join("d.csv");
    std::fs::write(&csv, "a,b,label\n0,1,0\n1,0,1\n2,2,0\n").unwrap();
    let sc = dir.path().join("c.toml");
    std::fs::write(&sc, "[data]\nsource = \"csv\"\npath = \"d.csv\"\nvalidation = 0\ntest = 0\n").unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let other = sub.join("../d.csv");
    let o = nnviz(&["--headless", "--steps", "1", "--dump", other.to_str().unwrap(), sc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("a,b,label"));
}

#[cfg(unix)]
#[test]
fn dump_refuses_a_target_that_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    // Would hang on open if it were written to.
    let o = nnviz(&["--headless", "--steps", "1", "--dump", fifo.to_str().unwrap(), "zero_w2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

#[test]
fn dump_replaces_whole_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.json");
    std::fs::write(&out, "old").unwrap();
    let o = nnviz(&["--headless", "--steps", "2", "--dump", out.to_str().unwrap(), "zero_w2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["step"], 2);
    assert_eq!(names(dir.path()), ["d.json"]);
}

fn app_at(name: &str, steps: usize) -> App {
    let mut app = App::new(ColorMode::Mono);
    app.paused = true;
    app.open(nnviz::load::load(name, None).unwrap());
    for _ in 0..steps {
        app.handle(nnviz::app::Action::Step);
    }
    app
}

#[test]
fn snapshots_are_saved_as_a_pair_under_a_new_name() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_at("zero_w2", 2);
    let (j, c) = app.save(dir.path()).unwrap();
    assert_eq!(
        (j.file_name().unwrap(), c.file_name().unwrap()),
        ("zero-w2-step2.json".as_ref(), "zero-w2-step2.csv".as_ref())
    );
    let first = std::fs::read(&j).unwrap();
    let (j2, c2) = app.save(dir.path()).unwrap();
    assert_eq!(j2, dir.path().join("zero-w2-step2-2.json"));
    assert_eq!(c2, dir.path().join("zero-w2-step2-2.csv"));
    assert_eq!(std::fs::read(&j).unwrap(), first, "the first snapshot is kept");
    // A csv alone taking the name still moves the pair on.
    std::fs::write(dir.path().join("zero-w2-step2-3.csv"), "mine").unwrap();
    let (j3, _) = app.save(dir.path()).unwrap();
    assert_eq!(j3, dir.path().join("zero-w2-step2-4.json"));
    assert_eq!(std::fs::read_to_string(dir.path().join("zero-w2-step2-3.csv")).unwrap(), "mine");
    assert!(names(dir.path()).iter().all(|n| !n.ends_with(".tmp")));
}

#[cfg(unix)]
#[test]
fn a_planted_symlink_does_not_redirect_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join(".zero-w2-step2.json.tmp")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("zero-w2-step2.json")).unwrap();
    let (j, _) = app_at("zero_w2", 2).save(dir.path()).unwrap();
    assert_eq!(j, dir.path().join("zero-w2-step2-2.json"), "a taken name, even a dangling or planted link");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

/// A tmpfs of `kib` KiB, unmounted on drop; `None` (with a message) when this test cannot
/// mount one (not root, or no mount permission in this sandbox).
struct SmallDisk(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl SmallDisk {
    fn new(kib: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("skipped: cannot mount a small tmpfs here (needs root)");
            return None;
        }
        Some(SmallDisk(dir.path().to_path_buf(), dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fill what is left of the disk, keeping `keep` bytes free.
fn fill(dir: &Path, keep: usize) {
    let mut f = std::fs::File::create(dir.join("ballast")).unwrap();
    let chunk = vec![0u8; 1024];
    use std::io::Write;
    while f.write_all(&chunk).is_ok() && f.sync_all().is_ok() {}
    drop(f);
    let len = std::fs::metadata(dir.join("ballast")).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("ballast"))
        .unwrap()
        .set_len(len - keep as u64)
        .unwrap();
}

#[test]
fn a_full_disk_leaves_the_old_dump_and_no_temporary() {
    let Some(disk) = SmallDisk::new(64) else { return };
    let out = disk.0.join("d.json");
    std::fs::write(&out, "old dump").unwrap();
    fill(&disk.0, 512);
    let o = nnviz(&["--headless", "--steps", "2", "--dump", out.to_str().unwrap(), "digits"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("left as it was"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old dump");
    assert_eq!(names(&disk.0), ["ballast", "d.json"]);
}

#[test]
fn a_full_disk_saves_neither_file_of_a_snapshot() {
    let Some(disk) = SmallDisk::new(256) else { return };
    let app = app_at("digits", 3);
    // Room for the history CSV (small) but not the dump JSON (about 60 kB): neither is kept.
    fill(&disk.0, 8 * 1024);
    let e = app.save(&disk.0).unwrap_err();
    assert!(e.to_string().contains("space") || e.raw_os_error().is_some(), "{e}");
    assert_eq!(names(&disk.0), ["ballast"], "both or neither, and no temporaries");
}

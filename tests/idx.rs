//! The idx source (MNIST-format files) through the binary: small IDX files written here,
//! plain and gzip, read by `--check`, `--headless` and `--inspect`, and every error a file
//! can have, each exit 2 with one line.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{f, stderr, stdout};
use serde_json::Value;

/// IDX bytes: magic (0, 0, type, dims), the sizes big-endian, then `data`.
fn idx(kind: u8, sizes: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, kind, sizes.len() as u8];
    for s in sizes {
        out.extend_from_slice(&s.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// `n` images of `side`×`side` pixels, pixel p of image i = (7i + 3p) mod 256, and labels
/// i mod 3.
fn images(n: u32, side: u32) -> Vec<u8> {
    let d = (side * side) as usize;
    let data: Vec<u8> = (0..n as usize * d).map(|k| ((7 * (k / d) + 3 * (k % d)) % 256) as u8).collect();
    idx(0x08, &[n, side, side], &data)
}

fn labels(n: u32) -> Vec<u8> {
    let data: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
    idx(0x08, &[n], &data)
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// A scenario `s.toml` reading `images` and `labels`, with `extra` lines in `[data]`
    /// and `rest` after the section.
    fn scenario(&self, images: &str, labels: &str, extra: &str, rest: &str) -> String {
        let text = format!(
            "[data]\nsource = \"idx\"\nimages = \"{images}\"\nlabels = \"{labels}\"\n{extra}\n{rest}"
        );
        self.write("s.toml", text.as_bytes()).to_string_lossy().into_owned()
    }
    /// nnviz run in this folder.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nnviz")).args(args).current_dir(self.path()).output().unwrap()
    }
}

/// The one-line error of `--check s.toml` (and of `--headless`, the same line).
fn error(dir: &Dir) -> String {
    let o = dir.run(&["--check", "s.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    let h = dir.run(&["--headless", "s.toml"]);
    assert_eq!(h.status.code(), Some(2));
    assert!(h.stdout.is_empty());
    assert_eq!(stderr(&h), e);
    e.trim_end().to_owned()
}

/// The batch `--inspect` shows: the full data set when it is one batch and nothing is held
/// out or standardized.
fn batch(dir: &Dir) -> (Vec<Vec<f64>>, Vec<u64>, Value) {
    let o = dir.run(&["--inspect", "s.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let x = v["batch"]["x"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(f).collect());
    let y = v["batch"]["y"].as_array().unwrap().iter().map(|l| l.as_u64().unwrap()).collect();
    (x.collect(), y, v)
}

const WHOLE: &str = "validation = 0\ntest = 0\nstandardize = false";
const ONE_BATCH: &str = "[train]\nbatch_size = 1000\nsteps = 0";

/// The images of `images(n, side)` as rows of bytes.
fn rows(n: u32, side: u32) -> Vec<Vec<f64>> {
    let bytes = images(n, side);
    bytes[16..].chunks((side * side) as usize).map(|c| c.iter().map(|&b| f64::from(b)).collect()).collect()
}

fn sorted(mut v: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

#[test]
fn plain_and_gzip_files_give_the_same_data_scaled_to_0_1() {
    let dir = Dir::new();
    dir.write("img", &images(12, 4));
    dir.write("lab", &labels(12));
    // Recognised by content, not by name: `img.idx` is gzip, `lab.gz` is not.
    dir.write("img.idx", &gzip(&images(12, 4)));
    dir.write("lab.gz", &labels(12));
    dir.scenario("img", "lab", WHOLE, ONE_BATCH);
    let o = dir.run(&["--check", "s.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "ok s.toml\n");
    let (x, y, plain) = batch(&dir);
    assert_eq!(x.len(), 12);
    assert_eq!(x[0].len(), 16, "features = rows × columns");
    assert_eq!(plain["params"]["W1"][0].as_array().unwrap().len(), 16);
    assert_eq!(plain["params"]["W2"].as_array().unwrap().len(), 3, "classes = largest label + 1");
    // Each row is an image divided by 255, its label i mod 3.
    let want: Vec<Vec<f64>> =
        rows(12, 4).into_iter().map(|r| r.into_iter().map(|p| p / 255.0).collect()).collect();
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-12);
    assert!(sorted(x.clone()).iter().zip(&sorted(want.clone())).all(|(a, b)| close(a, b)), "{x:?}");
    for (row, label) in x.iter().zip(&y) {
        let i = want.iter().position(|w| close(w, row)).unwrap();
        assert_eq!(*label, i as u64 % 3);
    }
    dir.scenario("img.idx", "lab.gz", WHOLE, ONE_BATCH);
    let (_, _, gz) = batch(&dir);
    assert_eq!(gz["batch"], plain["batch"]);
    assert_eq!(gz["params"], plain["params"]);
}

#[test]
fn scale_false_keeps_the_bytes_and_limit_takes_the_first_examples() {
    let dir = Dir::new();
    dir.write("img.gz", &gzip(&images(30, 3)));
    dir.write("lab.gz", &gzip(&labels(30)));
    dir.scenario("img.gz", "lab.gz", &format!("{WHOLE}\nscale = false\nlimit = 7"), ONE_BATCH);
    let (x, _, _) = batch(&dir);
    assert_eq!(sorted(x), sorted(rows(7, 3)), "the first 7 images, pixels 0..255 unchanged");
    // A limit above the count takes them all.
    dir.scenario("img.gz", "lab.gz", &format!("{WHOLE}\nlimit = 1000"), ONE_BATCH);
    assert_eq!(batch(&dir).0.len(), 30);
}

#[test]
fn classes_may_be_given_and_labels_must_be_below_it() {
    let dir = Dir::new();
    dir.write("img", &images(6, 2));
    dir.write("lab", &labels(6));
    dir.scenario("img", "lab", "classes = 10", ONE_BATCH);
    let (_, _, v) = batch(&dir);
    assert_eq!(v["params"]["W2"].as_array().unwrap().len(), 10);
    dir.scenario("img", "lab", "classes = 2", ONE_BATCH);
    // Labels 0 1 2 0 1 2: the first 2 is the third label, at byte 8 + 2.
    assert_eq!(
        error(&dir),
        "nnviz: error: s.toml:4:10: data.labels: lab: byte 10: label 2 is not below data.classes = 2"
    );
}

#[test]
fn trains_headless_with_splits_and_standardizing() {
    let dir = Dir::new();
    dir.write("img.gz", &gzip(&images(60, 5)));
    dir.write("lab.gz", &gzip(&labels(60)));
    dir.scenario("img.gz", "lab.gz", "", "[train]\nsteps = 30");
    let o = dir.run(&["--headless", "s.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let last: Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "summary");
    assert_eq!(last["steps"], 30);
    assert!(f(&last["train_loss"]).is_finite());
    assert!(f(&last["test_acc"]).is_finite(), "a test split: {last}");
}

#[test]
fn keys_are_checked_before_any_file_is_read() {
    let dir = Dir::new();
    dir.write("s.toml", b"[data]\nsource = \"idx\"\nimages = \"img\"\n");
    assert_eq!(
        error(&dir),
        "nnviz: error: s.toml:2:10: data.source: source \"idx\" needs data.labels (the IDX files of images and labels)"
    );
    dir.write("s.toml", b"[data]\nsource = \"digits\"\nimages = \"img\"\n");
    let e = error(&dir);
    assert!(e.ends_with("data.images: does not apply to source \"digits\" (only to idx)"), "{e}");
    dir.scenario("img", "lab", "limit = 0", "");
    assert!(error(&dir).contains("s.toml:5:9: data.limit: "));
    dir.scenario("img", "lab", "scale = 1", "");
    assert!(error(&dir).contains("s.toml:5:9: data.scale: "));
    // A class count past the limit is refused before the (missing) files are looked for.
    dir.scenario("img", "lab", "classes = 2000000", "");
    let e = error(&dir);
    assert!(
        e.ends_with("s.toml:5:11: data.classes: 2000000 classes are more than the limit of 1000000"),
        "{e}"
    );
}

/// Each defect of the images file, with its message after `data.images: img: `.
#[test]
fn a_bad_images_file_names_itself_and_the_byte() {
    let good = images(4, 3);
    let mut not_idx = good.clone();
    not_idx[1] = 0x50;
    let mut int32 = good.clone();
    int32[2] = 0x0C;
    let mut odd_type = good.clone();
    odd_type[2] = 0x41;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"P5\n28 28\n".to_vec(),
            "byte 0: not an IDX file: byte 0x50, the first two bytes of an IDX file are 0",
        ),
        (not_idx, "byte 1: not an IDX file: byte 0x50, the first two bytes of an IDX file are 0"),
        (int32, "byte 2: element type 0x0C, expected 0x08 (unsigned bytes)"),
        (odd_type, "byte 2: not an IDX file: element type 0x41 is none of IDX's (0x08, 0x09, 0x0B to 0x0E)"),
        (labels(4), "byte 3: 1 dimension, expected 3 (an images file: count, rows, columns)"),
        (vec![0, 0], "byte 2: not an IDX file: it ends inside the 4-byte magic number"),
        (Vec::new(), "byte 0: not an IDX file: it ends inside the 4-byte magic number"),
        (good[..10].to_vec(), "byte 10: the file ends inside its header, which is 16 bytes for 3 dimensions"),
        (
            good[..good.len() - 1].to_vec(),
            "byte 51: truncated: the file ends here, but its header (4 images of 3×3) says 52 bytes",
        ),
        (idx(0x08, &[4, 0, 3], &[]), "byte 8: images of 0×3 have no pixels"),
    ];
    for (bytes, reason) in cases {
        for packed in [false, true] {
            let dir = Dir::new();
            dir.write("img", &if packed { gzip(&bytes) } else { bytes.clone() });
            dir.write("lab", &labels(4));
            dir.scenario("img", "lab", "", "");
            assert_eq!(
                error(&dir),
                format!("nnviz: error: s.toml:3:10: data.images: img: {reason}"),
                "gzip {packed}"
            );
        }
    }
}

#[test]
fn a_bad_labels_file_names_itself_and_the_byte() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (images(4, 2), "byte 3: 3 dimensions, expected 1 (a labels file: count)"),
        (idx(0x0D, &[4], &[0; 16]), "byte 2: element type 0x0D, expected 0x08 (unsigned bytes)"),
        (
            labels(4)[..11].to_vec(),
            "byte 11: truncated: the file ends here, but its header (4 labels) says 12 bytes",
        ),
        // Bytes after the 4 labels are ignored; the counts still differ.
        (idx(0x08, &[4], &[0, 1, 2, 3, 4, 5]), "byte 4: 4 labels, but img has 5 images (byte 4)"),
    ];
    for (bytes, reason) in cases {
        let dir = Dir::new();
        dir.write("img", &images(5, 2));
        dir.write("lab", &bytes);
        dir.scenario("img", "lab", "", "");
        assert_eq!(error(&dir), format!("nnviz: error: s.toml:4:10: data.labels: lab: {reason}"));
    }
}

#[test]
fn counts_that_differ_name_both_files() {
    let dir = Dir::new();
    dir.write("train-images.gz", &gzip(&images(10, 2)));
    dir.write("train-labels.gz", &gzip(&labels(9)));
    dir.scenario("train-images.gz", "train-labels.gz", "", "");
    assert_eq!(
        error(&dir),
        "nnviz: error: s.toml:4:10: data.labels: train-labels.gz: byte 4: 9 labels, but train-images.gz has \
         10 images (byte 4)"
    );
}

#[test]
fn broken_gzip_and_missing_files() {
    let dir = Dir::new();
    let packed = gzip(&images(20, 4));
    dir.write("img.gz", &packed[..packed.len() / 2]);
    dir.write("lab.gz", &gzip(&labels(20)));
    dir.scenario("img.gz", "lab.gz", "", "");
    let e = error(&dir);
    let want = format!(
        "nnviz: error: s.toml:3:10: data.images: img.gz: byte {} of the gzip file: ",
        packed.len() / 2
    );
    assert!(e.starts_with(&want), "{e}");
    dir.scenario("data/none.gz", "lab.gz", "", "");
    let e = error(&dir);
    assert!(
        e.starts_with("nnviz: error: s.toml:3:10: data.images: cannot read data/none.gz: no such file"),
        "{e}"
    );
    assert!(e.contains("MNIST") && e.contains("Fashion-MNIST") && e.contains("downloads nothing"), "{e}");
    // A folder is refused before it is opened.
    std::fs::create_dir(dir.path().join("dir")).unwrap();
    dir.write("good.gz", &gzip(&images(20, 4)));
    dir.scenario("good.gz", "dir", "", "");
    let e = error(&dir);
    assert!(e.ends_with("data.labels: cannot read dir: not a regular file (a folder)"), "{e}");
}

#[test]
fn paths_are_relative_to_the_scenario_file() {
    let dir = Dir::new();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    dir.write("data/i", &images(8, 2));
    dir.write("data/l", &labels(8));
    dir.write(
        "scenarios/m.toml",
        b"[data]\nsource = \"idx\"\nimages = \"../data/i\"\nlabels = \"../data/l\"\n",
    );
    let o = dir.run(&["--check", "scenarios/m.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_nnviz"))
        .args(["--check", "m.toml"])
        .current_dir(dir.path().join("scenarios"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn hostile_headers_are_refused_without_allocating_them() {
    // A header that claims 4·10⁹ images of 65535×65535 in a 20-byte file.
    let dir = Dir::new();
    dir.write("img", &idx(0x08, &[u32::MAX, 65535, 65535], &[1, 2, 3, 4]));
    dir.write("lab", &labels(4));
    dir.scenario("img", "lab", "", "");
    let e = error(&dir);
    assert!(e.starts_with("nnviz: error: s.toml:3:10: data.images: img: byte 20: truncated: "), "{e}");
    // Sizes the file does hold, but more pixel values than the limit: data.limit is the way out.
    let big = idx(0x08, &[101, 1000, 1000], &vec![0u8; 101_000_000]);
    dir.write("img.gz", &gzip(&big));
    dir.write("lab", &idx(0x08, &[101], &[0; 101]));
    dir.scenario("img.gz", "lab", "", "");
    let e = error(&dir);
    assert!(
        e.contains("data.images: img.gz: byte 4: 101 images of 1000×1000 are 101000000 pixel values"),
        "{e}"
    );
    assert!(e.contains("data.limit"), "{e}");
}

/// A 28×28 data set: a bright vertical bar at column (label · 6 + 3), labels i mod 4.
fn bars(dir: &Dir, n: u32) -> String {
    let mut data = Vec::new();
    for i in 0..n {
        let bar = (i % 4) as usize * 6 + 3;
        data.extend((0..784usize).map(|p| if (p % 28).abs_diff(bar) <= 1 { 250u8 } else { 0 }));
    }
    dir.write("img.gz", &gzip(&idx(0x08, &[n, 28, 28], &data)));
    dir.write("lab", &idx(0x08, &[n], &(0..n).map(|i| (i % 4) as u8).collect::<Vec<_>>()));
    dir.scenario("img.gz", "lab", "standardize = false", "[network]\nhidden = 12\n[train]\nsteps = 50")
}

#[test]
fn the_d_view_shows_28x28_images() {
    use nnviz::app::App;
    use nnviz::app::keymap::{Key, action_for};
    use nnviz::theme::ColorMode;
    let dir = Dir::new();
    let file = bars(&dir, 80);
    for mode in [ColorMode::TrueColor, ColorMode::Mono] {
        let mut app = App::new(mode);
        app.paused = true;
        app.open(nnviz::load::load(&file, None).unwrap());
        app.handle(action_for(Key::Char('d')).unwrap());
        for (w, h) in [(120, 40), (80, 24), (200, 60), (250, 70)] {
            let s = common::text(&common::screen(&app, w, h));
            // (cut at 80 columns, as the digits' title is)
            assert!(w < 120 || s.contains("rows of W1 as 28×28 images"), "{mode:?} {w}×{h}\n{s}");
            assert!(s.contains("example 1/32") && s.contains("label "), "{mode:?} {w}×{h}\n{s}");
            assert!(s.contains("of 12 units"), "{mode:?} {w}×{h}\n{s}");
            if w == 120 && mode == ColorMode::TrueColor {
                // 72 columns: every unit fits at 14×14 only, and beside an example of 14×14.
                assert!(s.contains("image: 2×2 means"), "{s}");
                assert!(s.contains("units: 2×2 means"), "{s}");
                assert!(s.contains("showing 12 of 12 units"), "{s}");
            }
            if w == 250 && mode == ColorMode::TrueColor {
                assert!(!s.contains("2×2 means"), "room for 28×28 at 250×70:\n{s}");
            }
        }
    } // Any square input: iris's 4 measurements as 2×2 images.
    dir.write("iris.toml", b"[data]\nsource = \"iris\"\n");
    let mut app = App::new(ColorMode::TrueColor);
    app.paused = true;
    app.open(nnviz::load::load(&dir.path().join("iris.toml").to_string_lossy(), None).unwrap());
    app.handle(action_for(Key::Char('d')).unwrap());
    for (w, h) in [(120, 40), (80, 24)] {
        let s = common::text(&common::screen(&app, w, h));
        assert!(s.contains("of 16 units") && s.contains("example 1/32"), "{s}");
    }
}

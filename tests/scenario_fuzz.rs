//! Thousands of random and mutated scenario files through the parser: it never panics, and
//! every error is one clean line `FILE:LINE:COL: …`.
//!
//! The seeds are the bundled scenarios and every fixture; the mutations flip bytes, drop
//! lines (keys), swap the values of two lines, duplicate or truncate lines and insert
//! bytes. A third test writes files from the format's own keys and awkward values.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use nnviz::scenario::parse_bytes;
use nnviz::text::is_unsafe;
use proptest::prelude::*;
use proptest::test_runner::Config;

const FILE: &str = "f.toml";

fn seeds() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = nnviz::bundled::BUNDLED.iter().map(|(_, t)| t.as_bytes().to_vec()).collect();
    for dir in ["tests/fixtures/invalid", "tests/fixtures/valid", "tests/fixtures/sweep"] {
        let Ok(entries) = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        all.extend(
            paths
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .map(|p| std::fs::read(p).unwrap()),
        );
    }
    assert!(all.len() > 80, "only {} seeds", all.len());
    all
}

/// Parse as the program does; on an error, check its form.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Err(e) = parse_bytes(FILE, bytes, Path::new("."), "f") else { return Ok(()) };
    let line = e.to_string();
    prop_assert_eq!(line.lines().count(), 1, "not one line: {:?}", line);
    prop_assert!(!line.chars().any(is_unsafe), "raw control in {:?}", line);
    let rest = line.strip_prefix("f.toml:");
    prop_assert!(rest.is_some(), "no file: {:?}", line);
    let mut parts = rest.unwrap_or_default().splitn(3, ':');
    let (l, c) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    prop_assert!(l.parse::<usize>().is_ok_and(|n| n >= 1), "no line in {:?}", line);
    prop_assert!(c.parse::<usize>().is_ok_and(|n| n >= 1), "no column in {:?}", line);
    prop_assert!(parts.next().is_some_and(|r| r.starts_with(' ')), "no reason in {:?}", line);
    Ok(())
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    DropLine(usize),
    DuplicateLine(usize),
    SwapValues(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..4)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::DropLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapValues(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let n = lines.len();
    match m {
        Mutation::Flip(i, b) if !bytes.is_empty() => {
            let at = i % bytes.len();
            bytes[at] ^= b | 1;
            return;
        }
        Mutation::Insert(i, b) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
            return;
        }
        Mutation::Truncate(i) => {
            bytes.truncate(i % (bytes.len() + 1));
            return;
        }
        Mutation::DropLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let line = lines[i % n].clone();
            lines.insert(i % n, line);
        }
        Mutation::SwapValues(a, b) => {
            let (a, b) = (a % n, b % n);
            let split =
                |l: &[u8]| l.iter().position(|&c| c == b'=').map(|p| (l[..=p].to_vec(), l[p + 1..].to_vec()));
            if let (Some((ka, va)), Some((kb, vb))) = (split(&lines[a]), split(&lines[b])) {
                lines[a] = [ka, vb].concat();
                lines[b] = [kb, va].concat();
            }
        }
        Mutation::Flip(..) => return,
    }
    *bytes = lines.join(&b'\n');
}

const KEYS: &[&str] = &[
    "name",
    "about",
    "data.source",
    "data.samples",
    "data.classes",
    "data.features",
    "data.noise",
    "data.path",
    "data.x",
    "data.y",
    "data.validation",
    "data.test",
    "data.standardize",
    "data.seed",
    "network.hidden",
    "init.seed",
    "init.W1",
    "init.W2",
    "init.b1",
    "init.b2",
    "init.W1.kind",
    "init.W1.values",
    "train.learning_rate",
    "train.batch_size",
    "train.steps",
    "train.shuffle",
    "train.seed",
    "train.log_every",
    "regularization.l2",
    "regularization.l1.W1",
    "regularization.l1_mode",
    "dropout.keep_input",
    "dropout.keep_hidden",
    "dropout.mode",
    "dropout.input_mask",
    "dropout.hidden_mask",
    "dropout.seed",
    "ui.paused",
    "train.learing_rate",
    "x",
    "data",
];

const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "16",
    "1e400",
    "-0.0",
    "0.5",
    "1.5",
    "nan",
    "inf",
    "99999999999999999999",
    "9223372036854775807",
    "\"inline\"",
    "\"csv\"",
    "\"blobs\"",
    "\"digits\"",
    "\"x\"",
    "\"\\u001b[2J\"",
    "\"a\\nb\"",
    "true",
    "[]",
    "[0, 1]",
    "[[1, 2], [3]]",
    "[[1.0], [2.0]]",
    "[1, 0, 1]",
    "{ kind = \"he\" }",
    "{ kind = \"values\", values = [[1]] }",
    "{ kind = \"constant\" }",
    "{ W1 = 0.1, W3 = 1 }",
    "\"proximal\"",
    "1979-05-27",
    "'lit'",
];

fn generated() -> impl Strategy<Value = String> {
    prop::collection::vec((0..KEYS.len(), 0..VALUES.len(), prop::bool::weighted(0.1)), 0..12).prop_map(
        |lines| {
            lines
                .into_iter()
                .map(|(k, v, header)| {
                    if header { format!("[{}]\n", KEYS[k]) } else { format!("{} = {}\n", KEYS[k], VALUES[v]) }
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(Config { cases: 5000, failure_persistence: None, ..Config::default() })]

    #[test]
    fn mutated_files_never_panic(seed in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..5)) {
        thread_local! { static SEEDS: Vec<Vec<u8>> = seeds(); }
        let mut bytes = SEEDS.with(|s| s[seed % s.len()].clone());
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(&bytes)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes)?;
    }

    #[test]
    fn files_of_real_keys_and_awkward_values_never_panic(text in generated()) {
        check(text.as_bytes())?;
    }
}

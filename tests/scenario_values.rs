//! What a scenario file parses to: the defaults, every key, the positions recorded, and
//! the messages of the defects found while walking (the fixtures in
//! `tests/fixtures/invalid/` cover the rest, in `scenario_parse.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nnviz::scenario::{
    DataSpec, DropoutMode, DropoutSpec, Init, InitSpec, L1Mode, Pos, RegSpec, Scenario, Source, SourceKind,
    TrainSpec, UiSpec, parse, parse_bytes,
};

fn ok(src: &str) -> Scenario {
    parse("t.toml", src, Path::new("/base"), "stem").expect("scenario is valid")
}

fn err(src: &str) -> String {
    parse("t.toml", src, Path::new("/base"), "stem").expect_err("scenario is invalid").to_string()
}

#[test]
fn empty_file_gives_all_defaults() {
    assert_eq!(ok(""), Scenario { name: "stem".into(), ..Scenario::default() });
}

#[test]
fn spiral_defaults_to_three_classes() {
    let s = ok("[data]\nsource = \"spiral\"\n");
    let (samples, classes, noise) = (Source::SAMPLES, Source::CLASSES, Source::NOISE);
    assert_eq!(s.data.source, Source::Spiral { samples, classes, noise });
}

#[test]
fn integer_accepted_as_float() {
    let s = ok("[dropout]\nkeep_hidden = 1\n[train]\nlearning_rate = 2\n");
    assert_eq!(s.dropout.keep_hidden, 1.0);
    assert_eq!(s.train.learning_rate, 2.0);
}

#[test]
fn float_not_accepted_as_integer() {
    let e = err("[network]\nhidden = 16.0\n");
    assert_eq!(e, "t.toml:2:10: network.hidden: expected an integer, got a float");
}

#[test]
fn inline_defaults() {
    let mut s = ok("[data]\nsource = \"inline\"\nx = [[0.0, 1], [2, 3.5]]\ny = [0, 1]\n");
    s.positions.clear();
    let defaults = Scenario::defaults_for(SourceKind::Inline);
    let source = Source::Inline { x: vec![vec![0.0, 1.0], vec![2.0, 3.5]], y: vec![0, 1], classes: None };
    let data = DataSpec { source, ..defaults.data.clone() };
    assert_eq!(s, Scenario { name: "stem".into(), data, ..defaults });
}

#[test]
fn source_may_come_after_its_keys() {
    let s = ok("[data]\nfeatures = 5\nsource = \"blobs\"\n");
    let (samples, classes, noise) = (Source::SAMPLES, Source::CLASSES, Source::NOISE);
    assert_eq!(s.data.source, Source::Blobs { samples, classes, features: 5, noise });
    let e = err("[data]\nfeatures = 5\nsource = \"xor\"\n");
    assert_eq!(e, "t.toml:2:1: data.features: does not apply to source \"xor\" (only to blobs)");
}

const FULL: &str = r#"
name = "full"
about = "every key"

[data]
source = "blobs"
samples = 200
classes = 4
features = 3
noise = 0.5
validation = 0.1
test = 0.3
standardize = false
seed = -1

[network]
hidden = 8

[init]
seed = 5
W1 = { kind = "values", values = [[1, 2], [3, 4], [5, 6]] }
b1 = { kind = "constant", value = -0.5 }
W2 = { kind = "uniform", limit = 0.3 }
b2 = { kind = "values", values = [0.25, 0.5] }

[train]
learning_rate = 0.05
batch_size = 16
steps = 0
shuffle = false
seed = 9
log_every = 5

[regularization]
l2 = { W1 = 0.01, W2 = 0.02 }
l1 = { W2 = 0.5 }
l1_mode = "proximal"

[dropout]
keep_input = 0.8
keep_hidden = 0.5
mode = "classic"
input_mask = [1, 0, 1]
hidden_mask = []
seed = 11
"#;

#[test]
fn full_file() {
    let mut s = ok(FULL);
    s.positions.clear();
    let expected = Scenario {
        ui: UiSpec::default(),
        name: "full".into(),
        about: "every key".into(),
        data: DataSpec {
            source: Source::Blobs { samples: 200, classes: 4, features: 3, noise: 0.5 },
            validation: 0.1,
            test: 0.3,
            standardize: false,
            seed: u64::MAX,
        },
        hidden: 8,
        init: InitSpec {
            seed: 5,
            w1: Init::Values { values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape: vec![3, 2] },
            b1: Init::Constant(-0.5),
            w2: Init::Uniform(Some(0.3)),
            b2: Init::Values { values: vec![0.25, 0.5], shape: vec![2] },
        },
        train: TrainSpec {
            learning_rate: 0.05,
            batch_size: 16,
            steps: 0,
            shuffle: false,
            seed: 9,
            log_every: 5,
        },
        reg: RegSpec { l2: [0.01, 0.02], l1: [0.0, 0.5], l1_mode: L1Mode::Proximal },
        dropout: DropoutSpec {
            keep_input: 0.8,
            keep_hidden: 0.5,
            mode: DropoutMode::Classic,
            input_mask: Some(vec![true, false, true]),
            hidden_mask: Some(vec![]),
            seed: 11,
        },
        schedule: Vec::new(),
        positions: BTreeMap::new(),
    };
    assert_eq!(s, expected);
}

#[test]
fn other_sources() {
    let csv = ok("[data]\nsource = \"csv\"\npath = \"d/x.csv\"\nclasses = 2\n");
    let path = PathBuf::from("/base/d/x.csv");
    assert_eq!(csv.data.source, Source::Csv { path, shown: "d/x.csv".into(), classes: Some(2) });
    let xor = ok("data.source = \"xor\"\ndata.samples = 10\ndata.noise = 0\n");
    assert_eq!(xor.data.source, Source::Xor { samples: 10, noise: 0.0 });
    assert_eq!(ok("data.source = \"iris\"").data.source, Source::Iris);
    let init = ok("[init.W1]\nkind = \"normal\"\nstd = 0.5\n[init.b2]\nkind = \"he\"\n").init;
    assert_eq!((init.w1, init.b2), (Init::Normal(Some(0.5)), Init::He));
}

#[test]
fn positions_recorded() {
    let s = ok(FULL);
    let at = |key: &str| s.pos(key).map(|p| (p.line, p.col));
    assert_eq!(at("name"), Some((2, 8)));
    assert_eq!(at("data.source"), Some((6, 10)));
    assert_eq!(at("init.W1"), Some((21, 6)));
    assert_eq!(at("init.W1.values"), Some((21, 34)));
    assert_eq!(at("train.learning_rate"), Some((27, 17)));
    assert_eq!(at("regularization.l2.W1"), Some((35, 13)));
    assert_eq!(at("regularization.l1.W1"), None);
    assert_eq!(at("dropout.seed"), Some((45, 8)));
    let inline = ok("[data]\nsource = \"inline\"\nx = [[1]]\ny = [0]\n");
    assert_eq!(inline.pos("data.x"), Some(Pos { line: 3, col: 5 }));
}

#[test]
fn did_you_mean_exact() {
    let e = err("[train]\nlearing_rate = 0.1\n");
    assert_eq!(
        e,
        "t.toml:2:1: train.learing_rate: unknown key \"learing_rate\" (did you mean \"learning_rate\"?)"
    );
}

#[test]
fn did_you_mean_other_section() {
    let e = err("[train]\nhidden = 3\n");
    assert!(e.ends_with("unknown key \"hidden\" (did you mean \"network.hidden\"?)"), "{e}");
    let e = err("[init]\nw1 = { kind = \"he\" }\n");
    assert!(e.ends_with("(did you mean \"W1\"?)"), "{e}");
}

#[test]
fn first_defect_in_file_order_wins() {
    // `train` is checked after `data`, but comes first in the file.
    let e = err("[train]\nsteps = -1\n[data]\nsamples = 0\n");
    assert!(e.starts_with("t.toml:2:9: train.steps:"), "{e}");
    let e = err("[data]\nsamples = 0\n[train]\nsteps = -1\n");
    assert!(e.starts_with("t.toml:2:11: data.samples:"), "{e}");
}

#[test]
fn syntax_error_is_one_line() {
    let e = err("a = \"abc\n");
    assert_eq!(e, "t.toml:1:9: invalid basic string, expected `\"`");
    assert_eq!(err("x = 1\nx = 2\n"), "t.toml:2:1: x: duplicate key \"x\"");
    assert_eq!(err("[train]\nsteps = 1\nsteps = 2\n"), "t.toml:3:1: train.steps: duplicate key \"steps\"");
}

#[test]
fn not_utf8() {
    let e = parse_bytes("t.toml", b"# ok\nname = \"\xC3\x28\"\n", Path::new("."), "t");
    let e = e.expect_err("invalid UTF-8").to_string();
    assert_eq!(e, "t.toml:2:9: not UTF-8 (invalid byte 0xC3)");
}

#[test]
fn init_param_errors() {
    let e = err("[init]\nb1 = { kind = \"zeros\", value = 1 }\n");
    assert!(e.ends_with("unknown key \"value\" (kind \"zeros\" takes no parameters)"), "{e}");
    let e = err("[init]\nW1 = { kind = \"normal\", sd = 1 }\n");
    assert!(e.ends_with("(did you mean \"std\"?)"), "{e}");
    let e = err("[init]\nW1 = { kind = \"constant\" }\n");
    assert_eq!(e, "t.toml:2:6: init.W1: kind \"constant\" needs \"value\"");
}

#[test]
fn odd_input_gives_a_located_error_or_a_scenario() {
    // What each error starts with: the place and the key (the reasons may be reworded).
    for (src, expected) in [
        ("data = 3", Err("t.toml:1:8: data:")),
        ("[[data]]\nx = 1", Err("t.toml:1:1: data:")),
        ("data.x = { a = 1 }\ndata.source = \"inline\"", Err("t.toml:1:10: data.x:")),
        ("train.steps = 99999999999999999999", Err("t.toml:1:15: train.steps:")),
        ("data.samples = 9223372036854775807", Err("t.toml:1:16: data.samples:")),
        ("data.seed = 0x7FFF_FFFF_FFFF_FFFF", Ok("t")),
        ("when = 1979-05-27T07:32:00Z", Err("t.toml:1:1: when:")),
        ("init.W1 = { kind = 3 }", Err("t.toml:1:20: init.W1.kind:")),
        ("init.b1 = { kind = \"values\", values = [[1]] }", Err("t.toml:1:40: init.b1.values:")),
        ("dropout.input_mask = [true]", Err("t.toml:1:23: dropout.input_mask:")),
        ("\u{feff}name = \"bom\"", Ok("bom")),
    ] {
        match (parse("t.toml", src, Path::new("."), "t"), expected) {
            (Ok(s), Ok(name)) => assert_eq!(s.name, name, "{src:?}"),
            (Err(e), Err(start)) => {
                let e = e.to_string();
                assert!(e.starts_with(start) && !e.contains('\n'), "{src:?}: {e}");
            }
            (got, _) => panic!("{src:?}: {got:?}, expected {expected:?}"),
        }
    }
}

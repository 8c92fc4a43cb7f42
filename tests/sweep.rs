#![allow(clippy::unwrap_used)]
//! `--sweep`: a scenario turned into the grid of its variants, at the library level.

use nnviz::load::{self, Loaded};
use nnviz::scenario::{L1Mode, Scenario, Source};
use nnviz::sweep::{MAX_VARIANTS, Sweep, expand, parse_sweep};

fn sweeps(args: &[&str]) -> Vec<Sweep> {
    args.iter().map(|a| parse_sweep(a).unwrap()).collect()
}

fn variants(file: &str, args: &[&str]) -> Vec<Loaded> {
    expand(file, &sweeps(args), None).unwrap()
}

/// The error of a sweep, checked to be one line that names `--sweep`.
fn error(file: &str, args: &[&str]) -> String {
    let e = expand(file, &sweeps(args), None).unwrap_err();
    assert_eq!((e.file.as_deref(), e.pos), (None, None), "{e:?}");
    let shown = e.to_string();
    assert!(!shown.contains('\n'), "{shown}");
    assert!(shown.starts_with("--sweep "), "{shown}");
    shown
}

fn names(v: &[Loaded]) -> Vec<&str> {
    v.iter().map(|l| l.scenario.name.as_str()).collect()
}

#[test]
fn grid_of_two_sweeps_last_fastest() {
    let v = variants(
        "scenarios/digits.toml",
        &["regularization.l2.W1=0,1e-4,1e-3,1e-2", "dropout.keep_hidden=1,0.5"],
    );
    assert_eq!(
        names(&v),
        [
            "digits[regularization.l2.W1=0,dropout.keep_hidden=1]",
            "digits[regularization.l2.W1=0,dropout.keep_hidden=0.5]",
            "digits[regularization.l2.W1=1e-4,dropout.keep_hidden=1]",
            "digits[regularization.l2.W1=1e-4,dropout.keep_hidden=0.5]",
            "digits[regularization.l2.W1=1e-3,dropout.keep_hidden=1]",
            "digits[regularization.l2.W1=1e-3,dropout.keep_hidden=0.5]",
            "digits[regularization.l2.W1=1e-2,dropout.keep_hidden=1]",
            "digits[regularization.l2.W1=1e-2,dropout.keep_hidden=0.5]",
        ]
    );
    let got: Vec<(f64, f64, f64)> = v
        .iter()
        .map(|l| (l.scenario.reg.l2[0], l.scenario.reg.l2[1], l.scenario.dropout.keep_hidden))
        .collect();
    let l2 = [0.0, 1e-4, 1e-3, 1e-2];
    let want: Vec<(f64, f64, f64)> = l2.iter().flat_map(|&w| [(w, 0.0, 1.0), (w, 0.0, 0.5)]).collect();
    assert_eq!(got, want);
    for l in &v {
        assert_eq!(l.file, "scenarios/digits.toml");
        assert_eq!(l.scenario.hidden, 32);
        assert_eq!(l.data.train.features(), 64);
    }
}

#[test]
fn bundled_name_works_too() {
    let v = variants("digits", &["train.steps=1,2"]);
    assert_eq!(names(&v), ["digits[train.steps=1]", "digits[train.steps=2]"]);
    assert_eq!(v[1].scenario.train.steps, 2);
}

#[test]
fn string_values_quoted_or_bare() {
    let v = variants("regularization/l1", &["regularization.l1_mode=subgradient,\"proximal\""]);
    assert_eq!(
        names(&v),
        ["l1[regularization.l1_mode=subgradient]", "l1[regularization.l1_mode=\"proximal\"]"]
    );
    assert_eq!(v[0].scenario.reg.l1_mode, L1Mode::Subgradient);
    assert_eq!(v[1].scenario.reg.l1_mode, L1Mode::Proximal);
    assert_eq!(v[0].scenario.reg.l1, [0.005, 0.005]);
}

#[test]
fn integer_values() {
    let v = variants("digits", &["network.hidden=4,8"]);
    assert_eq!(names(&v), ["digits[network.hidden=4]", "digits[network.hidden=8]"]);
    assert_eq!(v.iter().map(|l| l.scenario.hidden).collect::<Vec<_>>(), [4, 8]);
}

#[test]
fn array_values_keep_their_commas() {
    let v = variants("scenarios/dropout_slide.toml", &["dropout.hidden_mask=[1,0,1],[1, 1, 1]"]);
    assert_eq!(
        names(&v),
        ["dropout_slide[dropout.hidden_mask=[1,0,1]]", "dropout_slide[dropout.hidden_mask=[1, 1, 1]]"]
    );
    assert_eq!(v[0].scenario.dropout.hidden_mask, Some(vec![true, false, true]));
    assert_eq!(v[1].scenario.dropout.hidden_mask, Some(vec![true, true, true]));
}

#[test]
fn boolean_values() {
    let v = variants("digits", &["data.standardize=true,false", "train.shuffle=false"]);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].scenario.name, "digits[data.standardize=false,train.shuffle=false]");
    assert!(v[0].scenario.data.standardize && !v[1].scenario.data.standardize);
    assert!(v.iter().all(|l| !l.scenario.train.shuffle));
    // Standardized features are centred; raw pixels are not.
    assert!(v[0].data.mean.iter().any(|&m| m != 0.0));
    assert!(v[1].data.mean.iter().all(|&m| m == 0.0));
}

#[test]
fn inline_table_values_and_new_sections() {
    let v = variants(
        "digits",
        &["init.W1={ kind = \"constant\", value = 0.5 },{kind=\"he\"}", "init.b1.kind=zeros"],
    );
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].scenario.init.w1, nnviz::scenario::Init::Constant(0.5));
    assert_eq!(v[1].scenario.init.w1, nnviz::scenario::Init::He);
    let v = variants("digits", &["init.W2.kind=xavier,he"]);
    assert_eq!(v[0].scenario.init.w2, nnviz::scenario::Init::Xavier);
}

#[test]
fn data_keys_change_the_data() {
    let v = variants("tests/fixtures/sweep/noname.toml", &["data.samples=20,30", "data.source=xor,moons"]);
    assert_eq!(
        names(&v),
        [
            "noname[data.samples=20,data.source=xor]",
            "noname[data.samples=20,data.source=moons]",
            "noname[data.samples=30,data.source=xor]",
            "noname[data.samples=30,data.source=moons]",
        ]
    );
    assert_eq!(v[3].scenario.data.source, Source::Moons { samples: 30, noise: 0.1 });
    let rows: Vec<usize> =
        v.iter().map(|l| l.data.train.rows() + l.data.val.rows() + l.data.test.rows()).collect();
    assert_eq!(rows, [20, 20, 30, 30]);
}

#[test]
fn csv_path_stays_relative_to_the_file() {
    let v = variants("tests/fixtures/sweep/csv.toml", &["train.learning_rate=0.5,1"]);
    assert_eq!(names(&v), ["tiny[train.learning_rate=0.5]", "tiny[train.learning_rate=1]"]);
    assert!(v.iter().all(|l| l.data.train.rows() == 4));
    assert_eq!(v[1].scenario.train.learning_rate, 1.0);
}

/// A variant whose swept value is the file's own is the scenario itself, but for its name.
fn same_but_name(variant: &Loaded, base: &Loaded) {
    let mut s: Scenario = variant.scenario.clone();
    s.name.clone_from(&base.scenario.name);
    assert_eq!(s, base.scenario);
    assert_eq!(variant.data, base.data);
    assert_eq!(variant.file, base.file);
}

#[test]
fn the_files_own_value_gives_the_file_back() {
    let base = load::load("scenarios/dropout_slide.toml", None).unwrap();
    let v =
        variants("scenarios/dropout_slide.toml", &["train.learning_rate=0.01,0.001", "dropout.mode=classic"]);
    assert_eq!(v[1].scenario.name, "dropout_slide[train.learning_rate=0.001,dropout.mode=classic]");
    same_but_name(&v[1], &base);
    assert_ne!(v[0].scenario.train.learning_rate, base.scenario.train.learning_rate);

    // A default written by the sweep only, and a float typed as an integer.
    let base = load::load("digits", None).unwrap();
    let v = variants("digits", &["dropout.keep_hidden=1", "network.hidden=32"]);
    same_but_name(&v[0], &base);
}

#[test]
fn seed_applies_to_every_variant() {
    let v = expand("digits", &sweeps(&["network.hidden=4,8"]), Some(9)).unwrap();
    for l in &v {
        let s = &l.scenario;
        assert_eq!([s.data.seed, s.init.seed, s.train.seed, s.dropout.seed], [9; 4]);
    }
    let base = load::load("tests/fixtures/sweep/noname.toml", Some(5)).unwrap();
    let v = expand("tests/fixtures/sweep/noname.toml", &sweeps(&["network.hidden=4"]), Some(5)).unwrap();
    same_but_name(&v[0], &base);
    let e = expand("digits", &sweeps(&["train.seed=1,2"]), Some(9)).unwrap_err().to_string();
    assert_eq!(
        e,
        "--sweep train.seed=1,2: train.seed: --seed sets every seed, so the variants would not differ"
    );
}

#[test]
fn no_sweep_is_the_scenario_itself() {
    let v = expand("digits", &[], None).unwrap();
    let base = load::load("digits", None).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].scenario, base.scenario);
}

#[test]
fn unknown_keys_with_did_you_mean() {
    assert_eq!(
        error("digits", &["train.learing_rate=0.1"]),
        "--sweep train.learing_rate=0.1: train.learing_rate: unknown key \"learing_rate\" (did you mean \
         \"learning_rate\"?)"
    );
    assert_eq!(
        error("digits", &["trian.steps=1"]),
        "--sweep trian.steps=1: trian: unknown key \"trian\" (did you mean \"train\"?)"
    );
    assert_eq!(
        error("digits", &["train.hidden=1"]),
        "--sweep train.hidden=1: train.hidden: unknown key \"hidden\" (did you mean \"network.hidden\"?)"
    );
    assert_eq!(
        error("digits", &["data.source.kind=1"]),
        "--sweep data.source.kind=1: data.source: expected a table, got a string (so it has no key \"kind\")"
    );
}

#[test]
fn bad_values_name_the_value() {
    assert_eq!(
        error("digits", &["train.steps=5", "dropout.keep_hidden=1,2"]),
        "--sweep dropout.keep_hidden=2: dropout.keep_hidden: must be in (0, 1], got 2"
    );
    assert_eq!(
        error("digits", &["network.hidden=4.5"]),
        "--sweep network.hidden=4.5: network.hidden: expected an integer, got a float"
    );
    assert_eq!(
        error("digits", &["regularization.l1_mode=proximl"]),
        "--sweep regularization.l1_mode=proximl: regularization.l1_mode: unknown l1_mode \"proximl\" (did \
         you mean \"proximal\"?); expected one of: subgradient, proximal"
    );
    assert_eq!(
        error("digits", &["train.shuffle=yes"]),
        "--sweep train.shuffle=yes: train.shuffle: expected a boolean, got a string"
    );
    assert_eq!(
        error("digits", &["regularization.l2=0.1"]),
        "--sweep regularization.l2=0.1: regularization.l2: expected a table, got a float"
    );
}

#[test]
fn errors_found_with_the_data_name_the_variant() {
    // The file's W1 has three rows: four hidden units are caught once the data are known.
    assert_eq!(
        error("scenarios/dropout_slide.toml", &["network.hidden=3,4"]),
        "--sweep network.hidden=4: init.W1: values have shape 3×3, expected 4×3 (hidden × inputs)"
    );
    assert_eq!(
        error("scenarios/dropout_slide.toml", &["dropout.hidden_mask=[1,1]"]),
        "--sweep dropout.hidden_mask=[1,1]: dropout.hidden_mask: has 2 entries, expected 3 (one per hidden unit)"
    );
    let e = error("scenarios/dropout_slide.toml", &["dropout.input_mask=[1,1]"]);
    assert_eq!(
        e,
        "--sweep dropout.input_mask=[1,1]: dropout.input_mask: has 2 entries, expected 3 (one per input)"
    );
}

#[test]
fn malformed_sweeps_are_refused() {
    for (arg, reason) in [
        ("train.steps", "expected KEY=V1,V2,… (there is no \"=\")"),
        ("=1", "the key is empty"),
        ("train.steps=", "no values after \"=\""),
        ("train.steps=1,,2", "value 2 is empty"),
        ("train.steps=[1,2", "unclosed '['"),
    ] {
        let e = parse_sweep(arg).unwrap_err().to_string();
        assert!(e.starts_with(&format!("--sweep {arg}: ")), "{e}");
        assert!(e.contains(reason), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
    assert_eq!(
        error("digits", &["train.steps=1,2", "train.steps=3"]),
        "--sweep train.steps=3: train.steps is swept twice (first by --sweep train.steps=1,2)"
    );
    assert_eq!(
        error("digits", &["regularization.l2={W1=1}", "regularization.l2.W1=2"]),
        "--sweep regularization.l2.W1=2: regularization.l2.W1 overlaps --sweep regularization.l2={W1=1} (one \
         key is inside the other)"
    );
    // Sweeps built by hand are checked as well.
    let hand = Sweep { key: "train.steps".into(), values: vec!["1".into(), " ".into()] };
    let e = expand("digits", &[hand], None).unwrap_err().to_string();
    assert_eq!(e, "--sweep train.steps=1, : value 2 is empty");
    let hand = Sweep { key: "train.steps".into(), values: vec![] };
    let e = expand("digits", &[hand], None).unwrap_err().to_string();
    assert_eq!(e, "--sweep train.steps=: no values after \"=\"");
}

#[test]
fn the_grid_is_bounded() {
    let steps: Vec<String> = (0..=MAX_VARIANTS / 2).map(|n| n.to_string()).collect();
    let steps = format!("train.steps={}", steps.join(","));
    let e = error("digits", &[steps.as_str(), "train.shuffle=true,false"]);
    assert!(
        e.ends_with(&format!(": {} variants, above the limit of {MAX_VARIANTS}", MAX_VARIANTS + 2)),
        "{e}"
    );
}

#[test]
fn errors_in_the_file_itself_are_reported_as_without_sweep() {
    for file in [
        "tests/fixtures/invalid/keep_hidden_above_one.toml",
        "tests/fixtures/invalid/input_mask_wrong_length.toml",
        "no/such/file.toml",
    ] {
        let want = load::load(file, None).unwrap_err();
        let got = expand(file, &sweeps(&["train.steps=1,2"]), None).unwrap_err();
        assert_eq!(got, want);
    }
}

//! Frozen, waiting, stalled, moving: the status rule on the lecture's cases and on the cases
//! where a tensor looks frozen but is not.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use nnviz::load::{self, Loaded};
use nnviz::nn::Tensor;
use nnviz::scenario;
use nnviz::train::Trainer;
use nnviz::train::status::{Status, TensorStatus};

fn bundled(name: &str) -> Loaded {
    load::load(name, None).unwrap()
}

fn from_toml(src: &str) -> Loaded {
    let s = scenario::parse("test.toml", src, Path::new(""), "test").unwrap();
    load::finish("test.toml", s).unwrap()
}

/// The statuses after `steps` steps.
fn statuses(l: &Loaded, steps: u64) -> [TensorStatus; 4] {
    let mut t = Trainer::from_loaded(l);
    for _ in 0..steps {
        t.step();
    }
    t.diagnose().status
}

fn codes(s: &[TensorStatus; 4]) -> [Status; 4] {
    s.each_ref().map(|s| s.status)
}

use Status::{Frozen, Moving, NotStepped, Stalled, Waiting};

#[test]
fn zero_all_and_zero_w1_freeze_everything_but_b2() {
    for name in ["zero_all", "zero_w1"] {
        for steps in [1, 2, 10] {
            let s = statuses(&bundled(name), steps);
            assert_eq!(codes(&s), [Frozen, Frozen, Frozen, Moving], "{name} after {steps}");
            assert!(s.iter().take(3).all(|s| !s.changes_next_step));
            assert_eq!(s[2].depends_on, vec![Tensor::W1, Tensor::B1], "{name}: h = 0 rests on W1, b1");
            // W1's lasting reason is the one its why_code names: W2 = 0 (zero_all), z1 = 0 (zero_w1).
            let w1 = if name == "zero_all" { vec![Tensor::W2] } else { vec![Tensor::W1, Tensor::B1] };
            assert_eq!(s[0].depends_on, w1, "{name}");
        }
    }
}

#[test]
fn zero_w2_waits_one_step_then_moves() {
    let l = bundled("zero_w2");
    let s = statuses(&l, 1);
    assert_eq!(codes(&s), [Waiting, Waiting, Moving, Moving]);
    assert_eq!(s[0].depends_on, vec![Tensor::W2]);
    assert_eq!(s[1].depends_on, vec![Tensor::W2]);
    assert!(s[0].changes_next_step && s[1].changes_next_step);
    let s = statuses(&l, 2);
    assert_eq!(codes(&s), [Moving; 4]);
    let mut t = Trainer::from_loaded(&l);
    t.step();
    t.step();
    assert_eq!(t.changes.first_change_step(Tensor::W1), Some(2));
}

#[test]
fn step_zero_is_not_stepped_and_says_what_step_one_changes() {
    let s = statuses(&bundled("zero_w2"), 0);
    assert_eq!(codes(&s), [NotStepped; 4]);
    assert_eq!(s.each_ref().map(|s| s.changes_next_step), [false, false, true, true]);
    let s = statuses(&bundled("random_init"), 0);
    assert!(s.iter().all(|s| s.status == NotStepped && s.changes_next_step));
    assert_eq!(codes(&statuses(&bundled("random_init"), 1)), [Moving; 4]);
}

/// Random W1, b1 far below 0: every hidden unit is dead on every training example, for good.
const DEAD: &str = r#"
[data]
source = "blobs"
samples = 200
[network]
hidden = 8
[init]
b1 = { kind = "constant", value = -100.0 }
"#;

#[test]
fn units_dead_on_the_whole_split_are_frozen() {
    let s = statuses(&from_toml(DEAD), 3);
    assert_eq!(codes(&s), [Frozen, Frozen, Frozen, Moving]);
    assert_eq!(s[0].depends_on, vec![Tensor::W1, Tensor::B1]);
}

#[test]
fn dead_units_under_l2_are_not_frozen() {
    // L2 shrinks W1 every step, so W1 moves, and h = 0 no longer rests on frozen tensors.
    let src = format!("{DEAD}\n[regularization]\nl2 = {{ W1 = 0.01, W2 = 0 }}\n");
    let s = statuses(&from_toml(&src), 3);
    assert_eq!(s[0].status, Moving);
    assert_ne!(s[2].status, Frozen);
}

/// For each dropout seed below `seeds` whose step 1 is a case (`case` on the trainer after
/// it), W1, b1 and W2 must be waiting or stalled, never frozen; returns how many cases.
fn not_frozen_after_step_1(src: &str, seeds: u64, case: impl Fn(&Trainer) -> bool) -> usize {
    let mut checked = 0;
    for seed in 0..seeds {
        let l = from_toml(&format!("{src}seed = {seed}\n"));
        let mut t = Trainer::from_loaded(&l);
        t.step();
        if !case(&t) {
            continue;
        }
        let s = t.diagnose().status;
        for x in [Tensor::W1, Tensor::B1, Tensor::W2] {
            let st = &s[x as usize];
            assert!(matches!(st.status, Waiting | Stalled), "seed {seed}: {x:?} {st:?}");
        }
        checked += 1;
    }
    checked
}

#[test]
fn input_dropout_that_could_wake_a_unit_is_not_frozen() {
    // z1 = x₁ − x₂ − 0.5 = −0.5 on both rows with every input kept, but a mask that keeps
    // only x₁ gives 2·x₁ − 0.5 > 0 (inverted scale 1/0.5): the unit is dead only for now.
    let src = r#"
[data]
source = "inline"
x = [[1.0, 1.0], [2.0, 2.0]]
y = [0, 0]
classes = 2
[network]
hidden = 1
[init]
W1 = { kind = "values", values = [[1.0, -1.0]] }
b1 = { kind = "values", values = [-0.5] }
[train]
shuffle = false
[dropout]
keep_input = 0.5
"#;
    let checked = not_frozen_after_step_1(src, 20, |t| t.changes.is_frozen(Tensor::W1));
    assert!(checked > 0, "some seed leaves the unit dead at step 1");
    // Without input dropout the unit is dead for good.
    let s = statuses(&from_toml(&src.replace("keep_input = 0.5", "keep_input = 1.0")), 1);
    assert_eq!(codes(&s), [Frozen, Frozen, Frozen, Moving]);
}

#[test]
fn a_random_mask_that_drops_every_hidden_unit_is_not_for_good() {
    // keep_hidden small enough that step 1 drops all 4 units (seed found by search below).
    let base = r#"
[data]
source = "blobs"
samples = 100
[network]
hidden = 4
[dropout]
keep_hidden = 0.05
"#;
    let checked = not_frozen_after_step_1(base, 40, |t| {
        let dropped_all = t.masks.hidden.iter().all(|&v| v == 0.0);
        assert!(!dropped_all || t.changes.is_frozen(Tensor::W1), "nothing kept, nothing moved");
        dropped_all
    });
    assert!(checked > 0, "some seed drops every hidden unit at step 1");
}

#[test]
fn a_fixed_mask_that_drops_every_hidden_unit_freezes_on_nothing() {
    let src = r#"
[data]
source = "blobs"
samples = 100
[network]
hidden = 3
[dropout]
hidden_mask = [0, 0, 0]
"#;
    let s = statuses(&from_toml(src), 2);
    assert_eq!(codes(&s), [Frozen, Frozen, Frozen, Moving]);
    assert!(s[0].depends_on.is_empty() && s[2].depends_on.is_empty());
}

#[test]
fn changes_next_step_agrees_with_the_step_taken() {
    for name in ["zero_w2", "constant_init", "dropout_slide", "random_init"] {
        let l = bundled(name);
        let mut t = Trainer::from_loaded(&l);
        for _ in 0..4 {
            let said = t.diagnose().status.each_ref().map(|s| s.changes_next_step);
            let before = t.params.clone();
            t.step();
            let did = Tensor::ALL.map(|x| before.get(x) != t.params.get(x));
            assert_eq!(said, did, "{name} at step {}", t.step);
        }
    }
}

#[test]
fn a_fixed_mask_that_drops_every_input_freezes_w1_on_nothing() {
    let src = r#"
[data]
source = "blobs"
samples = 100
[network]
hidden = 3
[init]
b1 = { kind = "constant", value = 1.0 }
[dropout]
input_mask = [0, 0]
"#;
    // b1 = 1 keeps the units alive (z1 = b1 > 0), so only the mask holds W1.
    let s = statuses(&from_toml(src), 2);
    assert_eq!(s[0].status, Frozen);
    assert_eq!(s[0].lasting, Some(nnviz::train::status::Lasting::InputsDropped));
    assert!(s[0].depends_on.is_empty());
    assert_eq!(s[1].status, Moving, "b1 still learns from the bias alone");
}

/// The statuses' look-ahead step runs in a kept trainer refreshed with `clone_from`, which
/// copies into the buffers it has: refreshed from a trainer in another state (another
/// step, epoch, schedule, masks drawn), it must step exactly as the trainer itself does.
#[test]
fn a_trainer_refreshed_by_clone_from_steps_as_the_original() {
    for name in ["tests/fixtures/valid/tiny_dropout.toml", "l1_proximal", "zero_w2"] {
        let loaded = load::load(name, None).unwrap();
        let mut t = Trainer::from_loaded(&loaded);
        let mut stale = t.clone();
        for _ in 0..3 {
            stale.step();
        }
        stale.diagnose();
        for _ in 0..37 {
            t.step();
        }
        let mut s = t.settings();
        s.learning_rate *= 0.5;
        s.keep_hidden = 0.75;
        t.change_settings(&s);
        t.diagnose();
        stale.clone_from(&t);
        let mut fresh = t.clone();
        for _ in 0..60 {
            t.step();
            stale.step();
            fresh.step();
        }
        for other in [&mut stale, &mut fresh] {
            assert_eq!(other.params, t.params, "{name}");
            assert_eq!(other.grads, t.grads, "{name}");
            assert_eq!(other.masks, t.masks, "{name}");
            assert_eq!(other.changes, t.changes, "{name}");
            assert_eq!(other.why, t.why, "{name}");
            assert_eq!((other.step, other.epoch), (t.step, t.epoch), "{name}");
            assert_eq!(other.scenario, t.scenario, "{name}");
            assert_eq!(other.metrics(), t.metrics(), "{name}");
            assert_eq!(other.diagnose(), t.diagnose(), "{name}");
        }
    }
}

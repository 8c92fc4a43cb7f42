//! The knobs panel (`c`): the settings a schedule can change, each nudged up or down a step.
//! Learning rate and strengths move along the 1-2-5 series (… 0.01, 0.02, 0.05, 0.1 …);
//! strengths reach 0 below its smallest value, the learning rate never does; keep
//! probabilities move by 0.05 within (0, 1]; modes toggle.

use crate::scenario::{DropoutMode, L1Mode, Settings};

/// One row of the panel, in order: the learning rate first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    LearningRate,
    L2(usize),
    L1(usize),
    L1Mode,
    KeepInput,
    KeepHidden,
    DropoutMode,
}

pub const KNOBS: [Knob; 9] = [
    Knob::LearningRate,
    Knob::L2(0),
    Knob::L2(1),
    Knob::L1(0),
    Knob::L1(1),
    Knob::L1Mode,
    Knob::KeepInput,
    Knob::KeepHidden,
    Knob::DropoutMode,
];

/// The smallest and largest values of the 1-2-5 series the knobs step along.
pub const SERIES_MIN: f64 = 1e-5;
pub const SERIES_MAX: f64 = 10.0;
/// What a keep probability moves by.
pub const KEEP_STEP: f64 = 0.05;

/// The series 1e-5, 2e-5, 5e-5, 1e-4, … 5, 10, each the double a file's decimal would give.
fn series() -> impl Iterator<Item = f64> {
    (-5..=1)
        .flat_map(|e| [1, 2, 5].map(move |m| format!("{m}e{e}").parse::<f64>().unwrap_or(0.0)))
        .filter(|&v| v <= SERIES_MAX)
}

/// The next value of the series above `v` (the largest stays).
pub fn series_up(v: f64) -> f64 {
    series().find(|&s| s > v * (1.0 + 1e-9)).unwrap_or(v.max(SERIES_MAX))
}

/// The next value of the series below `v`; below the smallest, `floor` (0 for a strength,
/// the smallest itself for the learning rate).
pub fn series_down(v: f64, floor: f64) -> f64 {
    // A value already below the floor (a file may set one) is never raised by going down.
    series().filter(|&s| s < v * (1.0 - 1e-9)).last().unwrap_or(floor).min(v)
}

/// A keep probability moved by `steps` × 0.05, within [0.05, 1], as the decimal it reads.
fn keep_by(v: f64, up: bool) -> f64 {
    // Below the first step (a file may set 0.01), down leaves it; up goes to 0.05.
    if !up && v <= KEEP_STEP {
        return v;
    }
    let k = (v / KEEP_STEP).round() + if up { 1.0 } else { -1.0 };
    let k = k.clamp(1.0, 1.0 / KEEP_STEP);
    format!("{:.2}", k * KEEP_STEP).parse().unwrap_or(v)
}

impl Knob {
    pub fn name(self) -> &'static str {
        match self {
            Knob::LearningRate => "learning rate",
            Knob::L2(0) => "L2 of W1",
            Knob::L2(_) => "L2 of W2",
            Knob::L1(0) => "L1 of W1",
            Knob::L1(_) => "L1 of W2",
            Knob::L1Mode => "L1 mode",
            Knob::KeepInput => "keep_input",
            Knob::KeepHidden => "keep_hidden",
            Knob::DropoutMode => "dropout mode",
        }
    }

    /// The knob's value in `s`, as shown.
    pub fn value(self, s: &Settings) -> String {
        match self {
            Knob::LearningRate => format!("{}", s.learning_rate),
            Knob::L2(i) => format!("{}", s.l2[i]),
            Knob::L1(i) => format!("{}", s.l1[i]),
            Knob::L1Mode => <&str>::from(s.l1_mode).to_owned(),
            Knob::KeepInput => format!("{}", s.keep_input),
            Knob::KeepHidden => format!("{}", s.keep_hidden),
            Knob::DropoutMode => <&str>::from(s.dropout_mode).to_owned(),
        }
    }

    /// `s` with this knob moved one step up (Right) or down (Left).
    pub fn nudge(self, s: &Settings, up: bool) -> Settings {
        let mut s = *s;
        let strength = |v: f64| if up { series_up(v) } else { series_down(v, 0.0) };
        match self {
            Knob::LearningRate => {
                s.learning_rate =
                    if up { series_up(s.learning_rate) } else { series_down(s.learning_rate, SERIES_MIN) };
            }
            Knob::L2(i) => s.l2[i] = strength(s.l2[i]),
            Knob::L1(i) => s.l1[i] = strength(s.l1[i]),
            Knob::L1Mode => {
                s.l1_mode = match s.l1_mode {
                    L1Mode::Subgradient => L1Mode::Proximal,
                    L1Mode::Proximal => L1Mode::Subgradient,
                }
            }
            Knob::KeepInput => s.keep_input = keep_by(s.keep_input, up),
            Knob::KeepHidden => s.keep_hidden = keep_by(s.keep_hidden, up),
            Knob::DropoutMode => {
                s.dropout_mode = match s.dropout_mode {
                    DropoutMode::Inverted => DropoutMode::Classic,
                    DropoutMode::Classic => DropoutMode::Inverted,
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_steps_1_2_5() {
        assert_eq!(series_up(0.1), 0.2);
        assert_eq!(series_up(0.2), 0.5);
        assert_eq!(series_up(0.5), 1.0);
        assert_eq!(series_down(0.1, 0.0), 0.05);
        assert_eq!(series_down(0.05, 0.0), 0.02);
        assert_eq!(series_up(0.03), 0.05, "off the series: the next value on it");
        assert_eq!(series_down(0.03, 0.0), 0.02);
        assert_eq!(series_down(SERIES_MIN, 0.0), 0.0, "a strength reaches 0");
        assert_eq!(series_up(0.0), SERIES_MIN);
        assert_eq!(series_down(SERIES_MIN, SERIES_MIN), SERIES_MIN, "the learning rate never does");
        assert_eq!(series_up(SERIES_MAX), SERIES_MAX);
        assert_eq!(series_up(0.001), 0.002);
    }

    #[test]
    fn keep_moves_by_005_within_0_1() {
        assert_eq!(keep_by(0.5, true), 0.55);
        assert_eq!(keep_by(0.55, false), 0.5);
        assert_eq!(keep_by(1.0, true), 1.0);
        assert_eq!(keep_by(0.05, false), 0.05);
        assert_eq!(keep_by(0.8, false), 0.75);
        assert_eq!(keep_by(0.01, false), 0.01, "never raised by going down");
        assert_eq!(keep_by(0.01, true), 0.05);
        assert_eq!(series_down(1e-6, SERIES_MIN), 1e-6);
    }
}

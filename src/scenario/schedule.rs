//! Settings that may change while a run trains: a scenario's `[[schedule]]` entries and the
//! UI's knobs are the same thing, a [`Change`] at a step.

use super::{DropoutMode, L1Mode, Scenario};

/// The settings an update uses, as a schedule can change them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub learning_rate: f64,
    /// Per weight matrix: index 0 is W1, 1 is W2.
    pub l2: [f64; 2],
    pub l1: [f64; 2],
    pub l1_mode: L1Mode,
    pub keep_input: f64,
    pub keep_hidden: f64,
    pub dropout_mode: DropoutMode,
}

/// One `[[schedule]]` entry: what it sets governs the update from `step` to `step + 1` and
/// every later one, until an entry changes it again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Change {
    pub step: u64,
    pub learning_rate: Option<f64>,
    pub l2: [Option<f64>; 2],
    pub l1: [Option<f64>; 2],
    pub l1_mode: Option<L1Mode>,
    pub keep_input: Option<f64>,
    pub keep_hidden: Option<f64>,
    pub dropout_mode: Option<DropoutMode>,
}

impl Change {
    /// What going from `before` to `after` sets, at `step`.
    pub fn between(step: u64, before: &Settings, after: &Settings) -> Change {
        let differs = |a: f64, b: f64| (a != b).then_some(b);
        Change {
            step,
            learning_rate: differs(before.learning_rate, after.learning_rate),
            l2: [0, 1].map(|i| differs(before.l2[i], after.l2[i])),
            l1: [0, 1].map(|i| differs(before.l1[i], after.l1[i])),
            l1_mode: (before.l1_mode != after.l1_mode).then_some(after.l1_mode),
            keep_input: differs(before.keep_input, after.keep_input),
            keep_hidden: differs(before.keep_hidden, after.keep_hidden),
            dropout_mode: (before.dropout_mode != after.dropout_mode).then_some(after.dropout_mode),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Change { step: self.step, ..Change::default() }
    }

    /// The settings with this entry's values put in.
    pub fn apply(&self, s: &mut Settings) {
        let set = |slot: &mut f64, v: Option<f64>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut s.learning_rate, self.learning_rate);
        for i in 0..2 {
            set(&mut s.l2[i], self.l2[i]);
            set(&mut s.l1[i], self.l1[i]);
        }
        set(&mut s.keep_input, self.keep_input);
        set(&mut s.keep_hidden, self.keep_hidden);
        if let Some(m) = self.l1_mode {
            s.l1_mode = m;
        }
        if let Some(m) = self.dropout_mode {
            s.dropout_mode = m;
        }
    }

    /// `later`'s values over this entry's (two changes made at one step are one entry).
    pub fn merge(&mut self, later: &Change) {
        let or = |a: &mut Option<f64>, b: Option<f64>| *a = b.or(*a);
        or(&mut self.learning_rate, later.learning_rate);
        for i in 0..2 {
            or(&mut self.l2[i], later.l2[i]);
            or(&mut self.l1[i], later.l1[i]);
        }
        or(&mut self.keep_input, later.keep_input);
        or(&mut self.keep_hidden, later.keep_hidden);
        self.l1_mode = later.l1_mode.or(self.l1_mode);
        self.dropout_mode = later.dropout_mode.or(self.dropout_mode);
    }

    /// What it sets, shortly, for a tick on the loss chart: `lr 0.2`, `L2 W1 0.001`.
    pub fn label(&self) -> String {
        let n = |v: f64| format!("{v}");
        let mut parts = Vec::new();
        if let Some(v) = self.learning_rate {
            parts.push(format!("lr {}", n(v)));
        }
        for (name, values) in [("L2", self.l2), ("L1", self.l1)] {
            for (w, v) in ["W1", "W2"].into_iter().zip(values) {
                if let Some(v) = v {
                    parts.push(format!("{name} {w} {}", n(v)));
                }
            }
        }
        if let Some(m) = self.l1_mode {
            parts.push(format!("L1 {}", <&str>::from(m)));
        }
        if let Some(v) = self.keep_input {
            parts.push(format!("keep_in {}", n(v)));
        }
        if let Some(v) = self.keep_hidden {
            parts.push(format!("keep_h {}", n(v)));
        }
        if let Some(m) = self.dropout_mode {
            parts.push(format!("dropout {}", <&str>::from(m)));
        }
        parts.join(", ")
    }
}

impl Scenario {
    /// The settings written in the scenario's own sections (before any schedule entry).
    pub fn settings(&self) -> Settings {
        Settings {
            learning_rate: self.train.learning_rate,
            l2: self.reg.l2,
            l1: self.reg.l1,
            l1_mode: self.reg.l1_mode,
            keep_input: self.dropout.keep_input,
            keep_hidden: self.dropout.keep_hidden,
            dropout_mode: self.dropout.mode,
        }
    }

    /// Put `s` into the scenario's sections.
    pub fn set_settings(&mut self, s: &Settings) {
        self.train.learning_rate = s.learning_rate;
        self.reg.l2 = s.l2;
        self.reg.l1 = s.l1;
        self.reg.l1_mode = s.l1_mode;
        self.dropout.keep_input = s.keep_input;
        self.dropout.keep_hidden = s.keep_hidden;
        self.dropout.mode = s.dropout_mode;
    }

    /// Record `change` in the schedule: merged into an entry at its step, or a new entry in
    /// step order.
    pub fn schedule_change(&mut self, change: Change) {
        match self.schedule.binary_search_by_key(&change.step, |c| c.step) {
            Ok(i) => self.schedule[i].merge(&change),
            Err(i) => self.schedule.insert(i, change),
        }
    }
}

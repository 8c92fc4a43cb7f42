//! The validated scenario: every value in range, every default filled in.
//!
//! Shapes that depend on the data (init `values`, dropout masks) are checked
//! once the data are loaded, in [`crate::load`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

pub use crate::nn::dropout::{DropoutMode, DropoutSpec};
pub use crate::nn::init::{Init, InitKind, InitSpec};
pub use crate::nn::model::L1Mode;

/// The most classes a data set may have, inline labels, csv labels and `data.classes`
/// alike: labels are class indices, at most `MAX_CLASSES - 1`.
pub const MAX_CLASSES: usize = 1_000_000;

/// A 1-based line and column in the scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub about: String,
    pub data: DataSpec,
    pub hidden: usize,
    pub init: InitSpec,
    pub train: TrainSpec,
    pub reg: RegSpec,
    pub dropout: DropoutSpec,
    pub ui: UiSpec,
    /// Where each key given in the file stands (dotted path → position of its value),
    /// so checks made after validation can still point at the line.
    pub positions: BTreeMap<String, Pos>,
}

/// How the terminal UI opens the scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UiSpec {
    /// Open paused at step 0 (the lecture's step-by-step cases).
    pub paused: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DataSpec {
    pub source: Source,
    pub validation: f64,
    pub test: f64,
    pub standardize: bool,
    pub seed: u64,
}

/// Where the data come from. [`SourceKind`] is the source without its keys, named as a
/// scenario writes it (`data.source = "blobs"`).
#[derive(Clone, Debug, PartialEq, EnumDiscriminants)]
#[strum_discriminants(
    name(SourceKind),
    derive(IntoStaticStr, VariantArray),
    strum(serialize_all = "lowercase")
)]
pub enum Source {
    Blobs {
        samples: usize,
        classes: usize,
        features: usize,
        noise: f64,
    },
    Xor {
        samples: usize,
        noise: f64,
    },
    Circles {
        samples: usize,
        noise: f64,
    },
    Moons {
        samples: usize,
        noise: f64,
    },
    Spiral {
        samples: usize,
        classes: usize,
        noise: f64,
    },
    Digits,
    Iris,
    /// `path` is resolved against the scenario file's folder; `shown` is the path as written.
    Csv {
        path: PathBuf,
        shown: String,
        classes: Option<usize>,
    },
    Inline {
        x: Vec<Vec<f64>>,
        y: Vec<usize>,
        classes: Option<usize>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainSpec {
    pub learning_rate: f64,
    pub batch_size: usize,
    pub steps: u64,
    pub shuffle: bool,
    pub seed: u64,
    pub log_every: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RegSpec {
    /// Strength per weight matrix: index 0 is W1, 1 is W2.
    pub l2: [f64; 2],
    pub l1: [f64; 2],
    pub l1_mode: L1Mode,
}

impl Scenario {
    /// Position of a key's value, if the key was written in the file.
    pub fn pos(&self, key: &str) -> Option<Pos> {
        self.positions.get(key).copied()
    }

    /// `--seed S`: one seed for data, init, batches and dropout.
    pub fn override_seeds(&mut self, seed: u64) {
        self.data.seed = seed;
        self.init.seed = seed;
        self.train.seed = seed;
        self.dropout.seed = seed;
    }
}

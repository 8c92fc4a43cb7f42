//! The validated scenario: every value in range, every default filled in.
//!
//! Shapes that depend on the data (init `values`, dropout masks) are checked
//! once the data are loaded, in [`crate::load`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use crate::error::Pos;

pub use crate::nn::dropout::{DropoutMode, DropoutSpec};
pub use crate::nn::init::{Init, InitKind, InitSpec};
pub use crate::nn::model::L1Mode;

/// The most classes a data set may have, inline labels, csv labels and `data.classes`
/// alike: labels are class indices, at most `MAX_CLASSES - 1`.
pub const MAX_CLASSES: usize = 1_000_000;

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
    /// `[[schedule]]`: settings changed at given steps, in step order.
    pub schedule: Vec<super::Change>,
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
    /// MNIST-format files (IDX), raw or gzip: images and labels.
    Idx(IdxSpec),
}

/// `data.source = "idx"`: an IDX file of images (3 dimensions: count, rows, columns) and
/// one of labels (1 dimension), both of unsigned bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxSpec {
    /// The images file, resolved against the scenario file's folder.
    pub images: PathBuf,
    /// `data.images` as written, for messages.
    pub images_shown: String,
    pub labels: PathBuf,
    pub labels_shown: String,
    /// The first `limit` examples only (`data.limit`).
    pub limit: Option<usize>,
    /// Pixels divided by 255 into [0, 1] (`data.scale`, true unless set to false).
    pub scale: bool,
    pub classes: Option<usize>,
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

// ---------------------------------------------------------------------------- defaults
// Every default is written once: here, and for init and dropout next to their types in
// `nn`. The parser starts from these values; a test checks them against the README's table.

impl Source {
    /// `data.samples` of a synthetic source.
    pub const SAMPLES: usize = 600;
    /// `data.noise` of a synthetic source.
    pub const NOISE: f64 = 0.1;
    /// `data.classes` of blobs and spiral.
    pub const CLASSES: usize = 3;
    /// `data.features` of blobs.
    pub const FEATURES: usize = 2;
}

impl Source {
    /// The files a run reads for its data (none for the built-in and synthetic sources).
    pub fn files(&self) -> Vec<&std::path::Path> {
        match self {
            Self::Csv { path, .. } => vec![path.as_path()],
            Self::Idx(spec) => vec![spec.images.as_path(), spec.labels.as_path()],
            _ => Vec::new(),
        }
    }
}

impl Default for Source {
    fn default() -> Self {
        Self::Blobs {
            samples: Self::SAMPLES,
            classes: Self::CLASSES,
            features: Self::FEATURES,
            noise: Self::NOISE,
        }
    }
}

impl Default for DataSpec {
    fn default() -> Self {
        Self { source: Source::default(), validation: 0.2, test: 0.2, standardize: true, seed: 1 }
    }
}

impl Default for TrainSpec {
    fn default() -> Self {
        Self { learning_rate: 0.1, batch_size: 32, steps: 3000, shuffle: true, seed: 7, log_every: 10 }
    }
}

impl Default for RegSpec {
    fn default() -> Self {
        Self { l2: [0.0; 2], l1: [0.0; 2], l1_mode: L1Mode::Subgradient }
    }
}

/// The defaults of a file that sets nothing; `name` is empty (the parser gives the file's
/// stem).
impl Default for Scenario {
    fn default() -> Self {
        Self {
            name: String::new(),
            about: String::new(),
            data: DataSpec::default(),
            hidden: 16,
            init: InitSpec::default(),
            train: TrainSpec::default(),
            reg: RegSpec::default(),
            dropout: DropoutSpec::default(),
            ui: UiSpec::default(),
            schedule: Vec::new(),
            positions: BTreeMap::new(),
        }
    }
}

impl Scenario {
    /// The defaults for data of `kind`. Inline data are the one source with defaults of
    /// their own: a worked example written out in the file is used whole and in the order
    /// written, so no validation or test split, no standardizing and no shuffling (each
    /// unless the file says otherwise). Everything else is [`Default`]'s, `data.source`
    /// included (the parser fills it in).
    pub fn defaults_for(kind: SourceKind) -> Self {
        let s = Self::default();
        if kind != SourceKind::Inline {
            return s;
        }
        Self {
            data: DataSpec { validation: 0.0, test: 0.0, standardize: false, ..s.data },
            train: TrainSpec { shuffle: false, ..s.train },
            ..s
        }
    }

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

//! Training runs: the seeded trainer, the frozen-parameter analysis and diagnosis.

pub mod compare;
pub mod diagnose;
pub mod ensemble;
pub mod frozen;
pub mod history;
pub mod status;
pub mod trainer;

pub use trainer::{Eval, Inspection, Metrics, Trainer};

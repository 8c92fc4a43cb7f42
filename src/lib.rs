//! nnviz: watch the lecture's two-layer network learn.
//!
//! - [`scenario`]: TOML scenario files, parsed with spans and validated.
//! - [`data`]: synthetic, embedded and CSV data sets; splits and standardization.
// `deny`, not `forbid`: ndarray's `s!` macro expands to `#[allow(unsafe_code)]`.
#![deny(unsafe_code)]

pub mod app;
pub mod bundled;
pub mod cli;
pub mod data;
pub mod files;
pub mod headless;
pub mod json;
pub mod load;
pub mod nn;
pub mod runner;
pub mod scenario;
pub mod signals;
pub mod sweep;
pub mod table;
pub mod text;
pub mod theme;
pub mod train;
pub mod ui;

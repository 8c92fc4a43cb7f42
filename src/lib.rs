//! nnviz: watch the lecture's two-layer network learn.
//!
//! - [`scenario`]: TOML scenario files, parsed with spans and validated.
//! - [`data`]: synthetic, embedded and CSV data sets; splits and standardization.
// `deny`, not `forbid`: ndarray's `s!` macro expands to `#[allow(unsafe_code)]`.
#![deny(unsafe_code)]

pub mod data;
pub mod scenario;
pub mod nn;
pub mod train;
pub mod bundled;
pub mod cli;
pub mod headless;
pub mod json;
pub mod load;

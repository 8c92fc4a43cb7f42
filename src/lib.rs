//! nnviz: watch the lecture's two-layer network learn.
//!
//! From a file to a run:
//!
//! - [`cli`]: the command line (clap).
//! - [`error`]: `InputError`, the one error of bad input (files, arguments, sweeps): one
//!   line `FILE:LINE:COL: KEY: REASON`, exit status 2.
//! - [`bundled`]: the scenarios embedded in the binary, found by name.
//! - [`files`]: reading and writing the user's files safely (regular files only, size
//!   limits, whole-or-nothing writes).
//! - [`scenario`]: TOML scenario files, parsed with spans and validated into a `Scenario`.
//! - [`data`]: synthetic, embedded and CSV data sets; splits and standardization.
//! - [`load`]: from an argument to a checked scenario with its data (`Loaded`), every
//!   error found before any output.
//! - [`sweep`]: one scenario expanded into the grid of its `--sweep` variants.
//!
//! The core, which knows nothing of the terminal:
//!
//! - [`nn`]: the numeric core (start with [`nn::reference`]): parameters, forward and
//!   backward, dropout, SGD, the gradient check.
//! - [`train`]: training runs: the seeded trainer, frozen-parameter analysis, diagnosis,
//!   the dropout ensemble.
//!
//! Output without the UI:
//!
//! - [`headless`]: JSON Lines of metrics and a summary, `--gradcheck`, `--dump`, `--inspect`.
//! - [`json`]: the JSON shapes of that output (non-finite numbers as null).
//! - [`table`]: `--table`, the summaries as a plain aligned table.
//! - [`text`]: text from input made safe to print (no terminal control sequences).
//!
//! The terminal UI:
//!
//! - [`app`]: UI state and logic, no drawing: actions from the keymap, training between
//!   frames.
//! - [`ui`]: pure rendering: every panel a function of `&App`.
//! - [`theme`]: colour modes (truecolor, 256, 16, mono) and the colormaps.
//! - [`runner`]: the event loop: input, time-sliced training, frame pacing, terminal restore.
//! - [`signals`]: TERM/INT/HUP/QUIT noted for a clean exit, TSTP suspending the UI.
// `deny`, not `forbid`: ndarray's `s!` macro expands to `#[allow(unsafe_code)]`.
#![deny(unsafe_code)]

pub mod app;
pub mod bundled;
pub mod cli;
pub mod data;
pub mod error;
pub mod files;
pub mod headless;
pub mod json;
pub mod lecture;
pub mod live;
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

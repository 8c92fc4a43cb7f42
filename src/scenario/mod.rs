//! Scenario files: TOML parsed with spans, validated into [`Scenario`].

pub mod error;
mod parse;
mod read;
mod source;
mod suggest;
mod syntax;
mod table;
pub mod types;

pub use error::{ScenarioError, pos_of};
pub use parse::{keys, parse, parse_bytes};
pub use types::*;

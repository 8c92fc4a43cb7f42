//! Scenario files: TOML parsed with spans, validated into [`Scenario`].

mod parse;
mod position;
mod read;
mod source;
mod suggest;
mod syntax;
mod table;
pub mod types;

pub use crate::error::{InputError, Pos};
pub use parse::{keys, parse, parse_bytes};
pub use position::pos_of;
pub use types::*;

//! Scenario files: TOML parsed with spans, validated into [`Scenario`].

mod parse;
mod position;
pub(crate) mod read;
mod schedule;
mod source;
mod suggest;
pub(crate) mod syntax;
pub(crate) mod table;
pub mod types;

pub use crate::error::{InputError, Pos};
pub use parse::{keys, parse, parse_bytes};
pub use position::pos_of;
pub use schedule::{Change, Settings};
pub use suggest::suggest_word;
pub use types::*;

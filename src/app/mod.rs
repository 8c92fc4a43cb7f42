//! UI state and logic, no drawing: [`state::App`] takes [`action::Action`]s from the
//! [`keymap`] and trains between frames.

pub mod action;
pub mod gradcheck;
pub mod keymap;
pub mod knobs;
pub mod pacing;
pub mod panels;
pub mod run;
pub mod state;

pub use action::Action;
pub use pacing::Budget;
pub use panels::SubView;
pub use run::Run;
pub use state::{App, Choice, LessonState, Overrides, Screen, Status, Tour};

//! Everything a user can ask for; the keymap binds keys to these.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    TogglePause,
    Step,
    Faster,
    Slower,
    Restart,
    RestartFresh,
    Save,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Left,
    Right,
    ToggleGrads,
    ZoomIn,
    ZoomOut,
    ToggleSharedScale,
    ToggleMask,
    ToggleInfo,
    Help,
    Back,
    Enter,
    Quit,
}

impl Action {
    /// What the action does, for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::TogglePause => "pause / resume training",
            Action::Step => "one SGD step (while paused)",
            Action::Faster => "train faster (up to as fast as possible)",
            Action::Slower => "train slower (down to 1 step per second)",
            Action::Restart => "restart from step 0 with the same seeds",
            Action::RestartFresh => "restart with fresh seeds (init, batches, dropout)",
            Action::Save => "save a snapshot: <name>-step<N>.json and .csv",
            Action::FocusNext => "focus the next heatmap",
            Action::FocusPrev => "focus the previous heatmap",
            Action::Up => "move the cursor up",
            Action::Down => "move the cursor down",
            Action::Left => "move the cursor left",
            Action::Right => "move the cursor right",
            Action::ToggleGrads => "show weights or gradients (when not side by side)",
            Action::ZoomIn => "zoom in on the focused heatmap",
            Action::ZoomOut => "zoom out",
            Action::ToggleSharedScale => "colour scale per matrix or shared by all",
            Action::ToggleMask => "mask view: elements unchanged since step 0",
            Action::ToggleInfo => "show / hide the scenario's about text",
            Action::Help => "this help",
            Action::Back => "close help or go back; quits at the top level",
            Action::Enter => "start the selected scenario (menu)",
            Action::Quit => "quit",
        }
    }
}

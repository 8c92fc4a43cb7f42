//! Everything a user can ask for; the keymap binds keys to these.

/// `Action::VARIANTS` lists every action in keymap order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::VariantArray)]
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
    ToggleLogY,
    ToggleInfo,
    Backprop,
    Boundary,
    Ensemble,
    GradCheck,
    PrevExample,
    NextExample,
    NextUnit,
    Help,
    Back,
    Enter,
    Suspend,
    Quit,
}

impl Action {
    /// What the action does, for the help overlay (at most 28 characters: two
    /// columns of help fit in 80).
    pub fn description(self) -> &'static str {
        match self {
            Action::TogglePause => "pause / resume",
            Action::Step => "one SGD step (when paused)",
            Action::Faster => "faster, up to max speed",
            Action::Slower => "slower, down to 1 step/s",
            Action::Restart => "restart, same seeds",
            Action::RestartFresh => "restart, fresh seeds",
            Action::Save => "save snapshot .json + .csv",
            Action::FocusNext => "focus next heatmap",
            Action::FocusPrev => "focus previous heatmap",
            Action::Up => "cursor up",
            Action::Down => "cursor down",
            Action::Left => "cursor left",
            Action::Right => "cursor right",
            Action::ToggleGrads => "weights / gradients",
            Action::ZoomIn => "zoom in (focused heatmap)",
            Action::ZoomOut => "zoom out",
            Action::ToggleSharedScale => "scale per matrix / shared",
            Action::ToggleMask => "mask: unchanged since step 0",
            Action::ToggleLogY => "loss y-axis: log / linear",
            Action::ToggleInfo => "about this scenario",
            Action::Backprop => "backprop of one example",
            Action::Boundary => "decision boundary, units",
            Action::Ensemble => "dropout as an ensemble",
            Action::GradCheck => "gradient check (finite diff)",
            Action::PrevExample => "previous example (b, d)",
            Action::NextExample => "next example (b, d)",
            Action::NextUnit => "next hidden unit (d)",
            Action::Help => "this help",
            Action::Back => "close, back; quit at top",
            Action::Enter => "open (menu, compare view)",
            Action::Suspend => "suspend (fg resumes)",
            Action::Quit => "quit",
        }
    }
}

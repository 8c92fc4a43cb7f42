//! The one table of key bindings: it drives dispatch, the footer and the help overlay.
//! Labels are fixed ASCII text so they read the same on every platform.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// A key as nnviz matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Tab,
    BackTab,
    Esc,
    Enter,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
}

pub struct Binding {
    pub keys: &'static [Key],
    pub label: &'static str,
    pub action: Action,
    /// Shown in the footer (the most useful keys).
    pub footer: bool,
}

const fn bind(keys: &'static [Key], label: &'static str, action: Action, footer: bool) -> Binding {
    Binding { keys, label, action, footer }
}

pub const KEYMAP: &[Binding] = &[
    bind(&[Key::Char(' ')], "space", Action::TogglePause, true),
    bind(&[Key::Char('n')], "n", Action::Step, true),
    bind(&[Key::Char('+'), Key::Char('=')], "+", Action::Faster, true),
    bind(&[Key::Char('-'), Key::Char('_')], "-", Action::Slower, true),
    bind(&[Key::Char('r')], "r", Action::Restart, true),
    bind(&[Key::Char('R')], "R", Action::RestartFresh, false),
    bind(&[Key::Char('s')], "s", Action::Save, false),
    bind(&[Key::Tab], "Tab", Action::FocusNext, true),
    bind(&[Key::BackTab], "S-Tab", Action::FocusPrev, false),
    bind(&[Key::Up, Key::Char('k')], "Up/k", Action::Up, false),
    bind(&[Key::Down, Key::Char('j')], "Down/j", Action::Down, false),
    bind(&[Key::Left, Key::Char('h')], "Left/h", Action::Left, false),
    bind(&[Key::Right, Key::Char('l')], "Right/l", Action::Right, false),
    bind(&[Key::Char('g')], "g", Action::ToggleGrads, true),
    bind(&[Key::Char('z')], "z", Action::ZoomIn, false),
    bind(&[Key::Char('Z')], "Z", Action::ZoomOut, false),
    bind(&[Key::Char('x')], "x", Action::ToggleSharedScale, false),
    bind(&[Key::Char('m')], "m", Action::ToggleMask, false),
    bind(&[Key::Char('y')], "y", Action::ToggleLogY, false),
    bind(&[Key::Char('i')], "i", Action::ToggleInfo, false),
    bind(&[Key::Char('b')], "b", Action::Backprop, false),
    bind(&[Key::Char('d')], "d", Action::Boundary, false),
    bind(&[Key::Char('e')], "e", Action::Ensemble, false),
    bind(&[Key::Char('G')], "G", Action::GradCheck, false),
    bind(&[Key::Char('v')], "v", Action::Network, false),
    bind(&[Key::Char('[')], "[", Action::PrevExample, false),
    bind(&[Key::Char(']')], "]", Action::NextExample, false),
    bind(&[Key::Char('u')], "u", Action::NextUnit, false),
    bind(&[Key::Char('c')], "c", Action::Knobs, false),
    bind(&[Key::Char('w')], "w", Action::Write, false),
    bind(&[Key::Char('p')], "p", Action::ReplayRestart, false),
    bind(&[Key::Char('o')], "o", Action::Reload, false),
    bind(&[Key::Char('>'), Key::PageDown], ">/PgDn", Action::NextLesson, false),
    bind(&[Key::Char('<'), Key::PageUp], "</PgUp", Action::PrevLesson, false),
    bind(&[Key::Char('L')], "L", Action::Lessons, false),
    bind(&[Key::Char('?')], "?", Action::Help, true),
    bind(&[Key::Esc], "Esc", Action::Back, false),
    bind(&[Key::Enter], "Enter", Action::Enter, false),
    bind(&[Key::Ctrl('z')], "Ctrl-Z", Action::Suspend, false),
    bind(&[Key::Char('q'), Key::Ctrl('c')], "q", Action::Quit, true),
];

/// The action bound to a key, if any.
pub fn action_for(key: Key) -> Option<Action> {
    KEYMAP.iter().find(|b| b.keys.contains(&key)).map(|b| b.action)
}

/// The label of the binding for an action (for messages like "press n to step").
pub fn label_of(action: Action) -> &'static str {
    KEYMAP.iter().find(|b| b.action == action).map_or("?", |b| b.label)
}

/// crossterm's key event → [`Key`]; `None` for keys nnviz does not use.
pub fn from_crossterm(ev: KeyEvent) -> Option<Key> {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    Some(match ev.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => Key::BackTab,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Esc => Key::Esc,
        KeyCode::Enter => Key::Enter,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        let keys: Vec<Key> = KEYMAP.iter().flat_map(|b| b.keys.iter().copied()).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} bound twice");
        }
    }

    #[test]
    fn ctrl_c_quits_and_shift_tab_goes_back() {
        let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(from_crossterm(ev).and_then(action_for), Some(Action::Quit));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(from_crossterm(ev).and_then(action_for), Some(Action::FocusPrev));
    }
}

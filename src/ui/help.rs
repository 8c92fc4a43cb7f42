//! The help overlay, generated from the keymap: every binding is listed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::app::keymap::{KEYMAP, label_of};
use crate::app::{Action, Screen};

/// Column width of one help entry: key label and description.
const ENTRY: usize = 38;

/// (label, description) of every binding, then the mouse and Ctrl-C: the single view's help.
pub fn entries() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<_> = KEYMAP.iter().map(|b| (b.label, b.action.description())).collect();
    out.push(("click", "select an element"));
    out.push(("Ctrl-C", "quit"));
    out
}

/// The keys of the screen the help is opened from, with what they do there.
pub fn entries_for(screen: Screen) -> Vec<(&'static str, &'static str)> {
    let label = label_of;
    match screen {
        Screen::Single => entries(),
        Screen::Menu { .. } => vec![
            (label(Action::Up), "select the scenario above"),
            (label(Action::Down), "select the scenario below"),
            (label(Action::Enter), "open the selected scenario"),
            (label(Action::Help), "this help"),
            (label(Action::Back), "quit"),
            (label(Action::Quit), "quit"),
            (label(Action::Suspend), Action::Suspend.description()),
            ("Ctrl-C", "quit"),
        ],
        Screen::Compare => {
            let mut out: Vec<_> = [
                Action::TogglePause,
                Action::Step,
                Action::Faster,
                Action::Slower,
                Action::Restart,
                Action::RestartFresh,
                Action::Save,
                Action::Knobs,
                Action::Write,
                Action::ReplayRestart,
                Action::Reload,
                Action::ToggleLogY,
                Action::Suspend,
            ]
            .into_iter()
            .map(|a| (label(a), a.description()))
            .collect();
            out.extend([
                (label(Action::Left), "select the left column"),
                (label(Action::Right), "select the right column"),
                (label(Action::FocusNext), "select the next column"),
                (label(Action::FocusPrev), "select the previous column"),
                (label(Action::Enter), "open the run (b, d, e, G)"),
                (label(Action::ToggleInfo), "about the selected scenario"),
                (label(Action::Help), "this help"),
                (label(Action::Back), "quit (back from a run: Esc)"),
                (label(Action::Quit), "quit"),
                ("Ctrl-C", "quit"),
            ]);
            out
        }
    }
}

/// The entries in `columns` columns, filled top to bottom.
pub fn lines(all: &[(&str, &str)], columns: usize) -> Vec<Line<'static>> {
    let key = Style::new().add_modifier(Modifier::BOLD);
    let rows = all.len().div_ceil(columns.max(1));
    (0..rows)
        .map(|r| {
            let mut spans = Vec::new();
            for c in 0..columns {
                if let Some((label, desc)) = all.get(c * rows + r) {
                    spans.push(Span::styled(format!("{label:>7}  "), key));
                    spans.push(Span::raw(format!("{desc:<width$}", width = ENTRY - 9)));
                }
            }
            Line::from(spans)
        })
        .collect()
}

/// A centred popup, drawn last over whatever is below.
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(v);
    h
}

pub fn render(screen: Screen, area: Rect, buf: &mut Buffer) {
    let all = entries_for(screen);
    let one_column_fits = all.len() as u16 + 2 <= area.height;
    let columns = if one_column_fits { 1 } else { 2 };
    let text = lines(&all, columns);
    let r = popup(area, (ENTRY * columns) as u16 + 2, text.len() as u16 + 2);
    let view = match screen {
        Screen::Menu { .. } => "menu",
        Screen::Single => "single view",
        Screen::Compare => "compare view",
    };
    Clear.render(r, buf);
    Paragraph::new(text)
        .block(Block::bordered().title(format!(" Keys of the {view} (? closes) ")))
        .render(r, buf);
}

/// The scenario's about text, in a popup.
pub fn render_about(name: &str, about: &str, area: Rect, buf: &mut Buffer) {
    let width = 70u16.min(area.width.saturating_sub(4));
    let lines_needed = (about.chars().count() as u16 / width.saturating_sub(4).max(1)) + 4;
    let r = popup(area, width, lines_needed);
    Clear.render(r, buf);
    let text = if about.is_empty() { "(this scenario has no about text)" } else { about };
    Paragraph::new(text.to_string())
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(format!(" {name} — i closes ")))
        .render(r, buf);
}

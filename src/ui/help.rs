//! The help overlay, generated from the keymap: every binding is listed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::app::keymap::KEYMAP;

pub fn lines() -> Vec<Line<'static>> {
    let key = Style::new().add_modifier(Modifier::BOLD);
    let mut out: Vec<Line> = KEYMAP
        .iter()
        .map(|b| Line::from(vec![Span::styled(format!("{:>8}  ", b.label), key), Span::raw(b.action.description())]))
        .collect();
    out.push(Line::from(vec![Span::styled(format!("{:>8}  ", "click"), key), Span::raw("select an element")]));
    out.push(Line::from(vec![Span::styled(format!("{:>8}  ", "Ctrl-C"), key), Span::raw("quit")]));
    out
}

/// A centred popup, drawn last over whatever is below.
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(v);
    h
}

pub fn render(area: Rect, buf: &mut Buffer) {
    let text = lines();
    let r = popup(area, 64, text.len() as u16 + 2);
    Clear.render(r, buf);
    Paragraph::new(text).block(Block::bordered().title(" Keys — ? or Esc closes ")).render(r, buf);
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

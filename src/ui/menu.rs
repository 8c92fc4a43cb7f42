//! The start menu: the bundled scenarios with their about text (nnviz with no argument).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::app::App;

pub fn render(app: &App, selected: usize, area: Rect, buf: &mut Buffer) {
    // The list takes what the about text (at least three lines) leaves, and scrolls to keep
    // the selected entry in sight.
    let room = area.height.saturating_sub(2 + 1 + 5).max(3);
    let [title, list, detail, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length((app.menu.len() as u16 + 2).min(room)),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let visible = usize::from(list.height.saturating_sub(2)).max(1);
    let first = selected.saturating_sub(visible - 1).min(app.menu.len().saturating_sub(visible));
    Paragraph::new(vec![
        Line::styled("nnviz — watch the lecture's network learn", Style::new().add_modifier(Modifier::BOLD)),
        Line::from("Pick a scenario: Up/Down (k/j) to choose, Enter to start, q to quit."),
    ])
    .render(title, buf);
    let lines: Vec<Line> = app
        .menu
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, (name, _))| {
            let style =
                if i == selected { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            Line::from(Span::styled(format!(" {name:<24}"), style))
        })
        .collect();
    let (above, below) = (first, app.menu.len().saturating_sub(first + visible));
    let mut heading = "Bundled scenarios".to_owned();
    if above > 0 {
        heading.push_str(&format!(" ↑ {above} more"));
    }
    if below > 0 {
        heading.push_str(&format!(" ↓ {below} more"));
    }
    Paragraph::new(lines).block(Block::bordered().title(heading)).render(list, buf);
    let Some((name, about)) = app.menu.get(selected) else { return };
    Paragraph::new(about.as_str())
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(format!("About {name}")))
        .render(detail, buf);
    if let Some(msg) = &app.message {
        Line::from(msg.as_str()).render(footer, buf);
    }
}

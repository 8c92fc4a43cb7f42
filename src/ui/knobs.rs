//! The knobs panel (`c`), over the bottom right of the screen: each setting in force for
//! the shown run, what its scenario says where they differ, and the keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use crate::app::knobs::KNOBS;
use crate::app::{App, Run};

pub fn render(app: &App, run: &Run, selected: usize, area: Rect, buf: &mut Buffer) {
    let width = 46u16.min(area.width);
    let height = (KNOBS.len() as u16 + 3).min(area.height.saturating_sub(1));
    let r = Rect {
        x: area.right().saturating_sub(width),
        y: area.bottom().saturating_sub(height + 1),
        width,
        height,
    };
    Clear.render(r, buf);
    let now = run.trainer.settings();
    let file = run.loaded.scenario.settings();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = KNOBS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let value = k.value(&now);
            let was = k.value(&file);
            let style =
                if i == selected { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            let mut spans = vec![
                Span::styled(format!(" {:<14}", k.name()), style),
                Span::styled(format!("{value:<12}"), if value == was { style } else { style.patch(bold) }),
            ];
            if value != was {
                spans.push(Span::styled(format!(" file {was}"), Style::new().add_modifier(Modifier::DIM)));
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::styled(" Up/Down choose  Left/Right change", Style::new().add_modifier(Modifier::DIM)));
    let title = if app.comparing() {
        format!(" Knobs of {} (c closes) ", run.loaded.scenario.name)
    } else {
        " Knobs (c or Esc closes) ".to_owned()
    };
    Paragraph::new(lines).block(Block::bordered().title(Line::styled(title, bold))).render(r, buf);
}

//! The last line: the most useful keys from the keymap, or the latest message.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::App;
use crate::app::keymap::KEYMAP;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    if let Some(msg) = &app.message {
        Line::from(Span::styled(format!(" {msg}"), Style::new().add_modifier(Modifier::BOLD)))
            .render(area, buf);
        return;
    }
    let key = Style::new().add_modifier(Modifier::REVERSED);
    let mut spans = vec![Span::raw(" ")];
    let side_by_side = super::layout::side_by_side(area);
    for b in KEYMAP.iter().filter(|b| b.footer) {
        let (label, word) = match b.action {
            crate::app::Action::Faster => ("+/-", "speed"),
            crate::app::Action::Slower => continue,
            crate::app::Action::ToggleGrads if side_by_side => continue,
            a => (b.label, short(a)),
        };
        spans.push(Span::styled(label.to_string(), key));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    Line::from(spans).render(area, buf);
}

/// One word for the footer.
fn short(a: crate::app::Action) -> &'static str {
    use crate::app::Action::*;
    match a {
        TogglePause => "pause",
        Step => "step",
        Faster => "faster",
        Slower => "slower",
        Restart => "restart",
        FocusNext => "focus",
        ToggleGrads => "grads",
        Help => "help",
        Quit => "quit",
        _ => "",
    }
}

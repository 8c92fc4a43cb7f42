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
    for b in KEYMAP.iter().filter(|b| b.footer) {
        spans.push(Span::styled(format!(" {} ", b.label), key));
        spans.push(Span::raw(format!(" {}  ", short(b.action))));
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

//! The last line: the most useful keys from the keymap, or the latest message.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::keymap::{KEYMAP, label_of};
use crate::app::{Action, App, SubView};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let key = Style::new().add_modifier(Modifier::REVERSED);
    // In the tour, where it stands comes first, always.
    let mut spans = vec![Span::raw(" ")];
    if let Some(tour) = app.tour().filter(|_| app.screen == crate::app::Screen::Single) {
        let n = tour.lecture.lessons.len();
        spans.push(Span::styled(format!("lesson {} of {n}", tour.index + 1), bold));
        spans.push(Span::raw("  "));
        if app.message.is_none() {
            for (a, word) in
                [(Action::NextLesson, "next"), (Action::PrevLesson, "prev"), (Action::Lessons, "lessons")]
            {
                spans.push(Span::styled(label_of(a).split('/').next().unwrap_or_default().to_string(), key));
                spans.push(Span::raw(format!(" {word}  ")));
            }
        }
    }
    if let Some(msg) = &app.message {
        spans.push(Span::styled(msg.clone(), bold));
        Line::from(spans).render(area, buf);
        return;
    }
    if let Some(v) = app.sub.filter(|_| app.screen == crate::app::Screen::Single) {
        for (label, word) in sub_keys(app, v) {
            spans.push(Span::styled(label, key));
            spans.push(Span::raw(format!(" {word}  ")));
        }
        Line::from(spans).render(area, buf);
        return;
    }
    let at_start = app.paused && app.runs.iter().all(|r| r.trainer.step == 0);
    if at_start && matches!(app.screen, crate::app::Screen::Single | crate::app::Screen::Compare) {
        let (step, run) = (label_of(crate::app::Action::Step), label_of(crate::app::Action::TogglePause));
        spans.push(Span::styled(
            format!("paused at step 0: {step} takes one step, {run} runs  "),
            Style::new().add_modifier(Modifier::BOLD),
        ));
    }
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

/// The keys of an open sub-view, then the most useful others.
fn sub_keys(app: &App, v: SubView) -> Vec<(String, &'static str)> {
    use crate::app::Action;
    use crate::app::panels::Boundary;
    let l = |a: Action| label_of(a).to_string();
    let examples = (format!("{}/{}", l(Action::PrevExample), l(Action::NextExample)), "example");
    let mut out = match v {
        SubView::Backprop => vec![examples, (l(Action::Backprop), "close")],
        SubView::Boundary => {
            let mut keys = match app.panels.boundary {
                Some(Boundary::Plane(_)) => vec![(l(Action::NextUnit), "next unit")],
                Some(Boundary::Images(_)) => vec![examples],
                _ => vec![],
            };
            keys.push((l(Action::Boundary), "close"));
            keys
        }
        SubView::Ensemble => vec![(l(Action::Ensemble), "close")],
        SubView::GradCheck => vec![(l(Action::GradCheck), "close")],
        SubView::Network => vec![examples, (l(Action::Network), "close")],
    };
    out.push((l(Action::Back), "back"));
    for a in [Action::TogglePause, Action::Step, Action::Help, Action::Quit] {
        out.push((l(a), short(a)));
    }
    out
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

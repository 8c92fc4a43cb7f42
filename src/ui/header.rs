//! The first line: scenario, step, epoch, status, speed and settings.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::text::short as num;
use crate::app::{App, Run};
use crate::scenario::{DropoutMode, L1Mode};

/// Regularization and dropout in short, e.g. "L2 0.01/0.01 · L1 0/0 · dropout 0.8/0.5 inverted".
pub fn settings(run: &Run) -> String {
    let s = &run.loaded.scenario;
    let pair = |v: [f64; 2]| format!("{}/{}", num(v[0]), num(v[1]));
    let mut out = format!("L2 {} · L1 {}", pair(s.reg.l2), pair(s.reg.l1));
    if s.reg.l1 != [0.0; 2] && s.reg.l1_mode == L1Mode::Proximal {
        out.push_str(" prox");
    }
    let d = &s.dropout;
    if run.trainer.dropout_active() {
        let mode = if d.mode == DropoutMode::Classic { "classic" } else { "inverted" };
        let fixed = if d.input_mask.is_some() || d.hidden_mask.is_some() { " fixed masks" } else { "" };
        out.push_str(&format!(" · keep {}/{} {mode}{fixed}", num(d.keep_input), num(d.keep_hidden)));
    } else {
        out.push_str(" · no dropout");
    }
    out
}

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    let t = &run.trainer;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let narrow = area.width < 110;
    let mut speed = if narrow { app.speed_label().replace(" steps/s", "/s") } else { app.speed_label() };
    if app.measured_rate > 0.0 && !app.paused && !run.done() {
        speed.push_str(&format!(" ({:.0}/s)", app.measured_rate));
    }
    let mut settings = settings(run);
    if narrow {
        settings = settings.replace(" · ", " ");
    }
    let line = Line::from(vec![
        Span::styled(format!(" {} ", run.loaded.scenario.name), bold.add_modifier(Modifier::REVERSED)),
        Span::raw(" "),
        Span::styled(format!("step {}", t.step), bold),
        Span::raw(format!("  epoch {}  ", t.epoch)),
        Span::styled(app.status(), bold),
        Span::raw(format!("  {speed}  lr {}  {settings}", num(run.loaded.scenario.train.learning_rate))),
    ]);
    line.render(area, buf);
}

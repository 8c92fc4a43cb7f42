//! The first line: scenario, step, epoch, status, speed and settings.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::text::{ix, short as num};
use crate::app::{App, Run};
use crate::scenario::{DropoutSpec, L1Mode};
use crate::text::escape;

/// Regularization and dropout in short, e.g. "L2 0.01/0.01 · L1 0/0 · dropout 0.8/0.5 inverted".
pub fn settings(run: &Run) -> String {
    // The values in force: the scenario's, changed by its schedule and the knobs.
    let s = &run.trainer.scenario;
    let pair = |v: [f64; 2]| format!("{}/{}", num(v[0]), num(v[1]));
    let mut out = format!("L2 {} · L1 {}", pair(s.reg.l2), pair(s.reg.l1));
    if s.reg.l1 != [0.0; 2] && s.reg.l1_mode == L1Mode::Proximal {
        out.push_str(" prox");
    }
    if run.trainer.dropout_active() {
        out.push_str(&format!(" · {}", dropout(&s.dropout)));
    } else {
        out.push_str(" · no dropout");
    }
    out
}

/// The dropout in force: a fixed mask by the units it drops ("drops input 2, hidden 2"), a
/// random one by its keep probability, then the mode.
pub fn dropout(d: &DropoutSpec) -> String {
    let mode: &str = d.mode.into();
    let dropped = |mask: &[bool]| {
        let units: Vec<String> = (0..mask.len()).filter(|&i| !mask[i]).map(|i| ix(i).to_string()).collect();
        if units.is_empty() { "none".to_string() } else { units.join(",") }
    };
    let mut fixed = Vec::new();
    let mut random = Vec::new();
    for (layer, mask, keep) in
        [("input", &d.input_mask, d.keep_input), ("hidden", &d.hidden_mask, d.keep_hidden)]
    {
        match mask {
            Some(m) => fixed.push(format!("{layer} {}", dropped(m))),
            None if keep < 1.0 => random.push(format!("keep {layer} {}", num(keep))),
            None => {}
        }
    }
    match (fixed.is_empty(), random.is_empty()) {
        // Both layers random (or one at 1): the familiar "keep 0.8/0.5".
        (true, _) => format!("keep {}/{} {mode}", num(d.keep_input), num(d.keep_hidden)),
        (false, true) => format!("drops {} {mode}", fixed.join(", ")),
        (false, false) => format!("drops {}, {} {mode}", fixed.join(", "), random.join(", ")),
    }
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
        Span::styled(
            format!(" {} ", escape(&run.loaded.scenario.name)),
            bold.add_modifier(Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(format!("step {}", t.step), bold),
        Span::raw(format!("  epoch {}  ", t.epoch)),
        Span::styled(app.status(), bold),
        Span::raw(format!("  {speed}  lr {}  {settings}", num(run.trainer.scenario.train.learning_rate))),
    ]);
    line.render(area, buf);
}

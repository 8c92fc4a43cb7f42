//! Training and validation loss over time: linear from 0, or log10 with ticks at decades
//! (`y`; automatic when the losses span more than a factor of 10). The curves differ in
//! marker as well as colour, each is labelled with its current value at its right end, and
//! a dim line marks the loss of the best constant guess.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::chart::{Curve, LossChart, Reference, Scale, glyph, sig3};
use super::text::{num, percent};
use crate::app::Run;
use crate::theme::ColorMode;

/// Training loss: a thin line; validation loss: a line of dots — they differ without colour.
pub const TRAIN_MARKER: Marker = Marker::Braille;
pub const VAL_MARKER: Marker = Marker::Dot;

/// The label of the reference line, before its value.
pub const CONSTANT_GUESS: &str = "constant guess H";

/// The styles of the training curve, the validation curve and the reference line.
pub fn styles(colors: ColorMode) -> (Style, Style, Style) {
    if colors == ColorMode::Mono {
        (Style::new(), Style::new(), Style::new().add_modifier(Modifier::DIM))
    } else {
        (Style::new().fg(Color::Cyan), Style::new().fg(Color::Yellow), Style::new().fg(Color::DarkGray))
    }
}

pub fn render(run: &Run, colors: ColorMode, log: bool, area: Rect, buf: &mut Buffer) {
    let m = &run.metrics;
    let (train_style, val_style, reference_style) = styles(colors);
    let title = Line::from(vec![
        Span::raw(if log { "Loss log  " } else { "Loss  " }),
        Span::styled(
            format!("{} train {}", glyph(TRAIN_MARKER), three(m.train.map(|e| e.loss))),
            train_style,
        ),
        Span::raw("  "),
        Span::styled(format!("{} val {}", glyph(VAL_MARKER), three(m.val.map(|e| e.loss))), val_style),
    ]);
    let acc = format!("acc train {}  val {}", percent(m.train.map(|e| e.acc)), percent(m.val.map(|e| e.acc)));
    let block = Block::bordered().title(title).title_bottom(Line::from(acc).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);

    let train = run.history.series(|p| p.train_loss);
    let val = run.history.series(|p| p.val_loss);
    let h = run.constant_guess;
    let scale = Scale::fit(log, train.iter().chain(&val).map(|p| p.1).chain([h]));
    let end =
        |name: &str, s: &[(f64, f64)]| s.last().map_or(String::new(), |p| format!("{name} {}", sig3(p.1)));
    let mut curves =
        vec![Curve { points: &train, style: train_style, marker: TRAIN_MARKER, label: end("train", &train) }];
    if !val.is_empty() {
        curves.push(Curve { points: &val, style: val_style, marker: VAL_MARKER, label: end("val", &val) });
    }
    LossChart {
        curves,
        scale,
        x_max: (run.trainer.step as f64).max(1.0),
        x_label: format!("step {}", run.trainer.step),
        x_axis: true,
        reference: Some(Reference {
            value: h,
            label: format!("{CONSTANT_GUESS} {}", num(h)),
            style: reference_style,
        }),
        marks: run.trainer.scenario.schedule.iter().map(|c| (c.step, c.label())).collect(),
    }
    .render(inner, buf);
}

/// A loss for the title: three significant digits, `—` when there is none.
fn three(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), sig3)
}

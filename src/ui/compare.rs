//! The compare view: one column per run, trained in lockstep, on shared scales, with the
//! validation-loss curves overlaid and the run chosen on validation marked.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::chart::{Curve, LossChart, Reference, Scale, glyph};
use super::heatmap::Heatmap;
use super::text::{num, percent, short};
use super::{matrix, too_small};
use crate::app::{App, Choice, Run};
use crate::nn::Tensor;
use crate::text::escape;
use crate::theme::ColorMode;

/// The narrowest column that still reads.
pub const MIN_COLUMN: u16 = 28;

/// Distinct colours for the overlaid curves, cycled.
const CURVES: [Color; 8] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::LightRed,
    Color::LightBlue,
    Color::White,
    Color::LightGreen,
];

/// Which columns fit: the first index and how many, keeping `current` in view.
pub fn visible(width: u16, runs: usize, current: usize, scroll: usize) -> (usize, usize) {
    let fit = ((width / MIN_COLUMN) as usize).clamp(1, runs.max(1));
    let mut first = scroll.min(runs.saturating_sub(fit));
    if current < first {
        first = current;
    } else if current >= first + fit {
        first = current + 1 - fit;
    }
    (first, fit)
}

/// Distinct markers for the overlaid curves, cycled with the colours: the curves differ
/// without colour too. Later ones are heavier (drawn first, under the thin ones).
/// (Block is left out: a line of full blocks hides every curve under it.)
const MARKERS: [Marker; 6] =
    [Marker::Braille, Marker::Dot, Marker::Quadrant, Marker::Bar, Marker::HalfBlock, Marker::Block];

/// The share of a run's steps left out when fitting the y-range: the first losses (45 for
/// large_init) would flatten every other curve.
const WARMUP: f64 = 0.05;

fn val_loss_points(run: &Run) -> Vec<(f64, f64)> {
    run.history.series(|p| p.val_loss)
}

fn train_loss_points(run: &Run) -> Vec<(f64, f64)> {
    run.history.series(|p| p.train_loss)
}

/// The losses a run has logged after its first 5% of steps (all of them while that leaves
/// none), of training and validation or of validation only.
fn fitted_values(run: &Run, with_train: bool) -> Vec<f64> {
    let after = WARMUP * run.trainer.step as f64;
    let pick = |from: f64| -> Vec<f64> {
        run.history
            .points()
            .iter()
            .filter(|p| p.step as f64 >= from)
            .flat_map(|p| [p.train_loss.filter(|_| with_train), p.val_loss])
            .flatten()
            .filter(|v| v.is_finite())
            .collect()
    };
    let late = pick(after);
    if late.is_empty() { pick(0.0) } else { late }
}

/// The y-scale every run is drawn on: fitted to the runs' losses after their first 5% of
/// steps, of validation (the overlay) or of both splits and the constant guess (the columns).
fn shared_scale(app: &App, with_train: bool) -> Scale {
    let mut values: Vec<f64> = app.runs.iter().flat_map(|r| fitted_values(r, with_train)).collect();
    if with_train {
        values.extend(app.runs.iter().map(|r| r.constant_guess));
    }
    Scale::fit(app.log_y_on(), values)
}

/// The largest |w| of matrix `t` over every run: the columns' shared colour scale.
fn max_abs(app: &App, t: Tensor) -> f64 {
    app.runs.iter().map(|r| r.scales().params[t as usize]).fold(0.0, f64::max)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    if super::layout::too_small(area) {
        too_small(area, buf);
        return;
    }
    let [head, overlay, columns, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Percentage(28),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    header_line(app, head, buf);
    overlay_chart(app, overlay, buf);
    let (first, fit) = visible(columns.width, app.runs.len(), app.current, app.scroll);
    let shown = fit.min(app.runs.len() - first);
    let cols = Layout::horizontal(vec![Constraint::Ratio(1, shown as u32); shown]).split(columns);
    let y_scale = shared_scale(app, true);
    let scales = [max_abs(app, Tensor::W1), max_abs(app, Tensor::W2)];
    let choice = app.choice();
    let chosen = match &choice {
        Choice::One(c) => Some(*c),
        _ => None,
    };
    for (k, rect) in cols.iter().enumerate() {
        let i = first + k;
        column(app, i, chosen == Some(i), y_scale, scales, *rect, buf);
    }
    footer(app, first, shown, &choice, foot, buf);
}

fn header_line(app: &App, area: Rect, buf: &mut Buffer) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let step = app.runs.iter().map(|r| r.trainer.step).max().unwrap_or(0);
    let epoch = app.run().map_or(0, |r| r.trainer.epoch);
    Line::from(vec![
        Span::styled(format!(" compare {} runs ", app.runs.len()), bold.add_modifier(Modifier::REVERSED)),
        Span::raw(" "),
        Span::styled(format!("step {step}"), bold),
        Span::raw(format!("  epoch {epoch}  ")),
        Span::styled(app.status(), bold),
        Span::raw(format!("  {}", app.speed_label())),
    ])
    .render(area, buf);
}

fn overlay_chart(app: &App, area: Rect, buf: &mut Buffer) {
    let series: Vec<Vec<(f64, f64)>> = app.runs.iter().map(val_loss_points).collect();
    let mono = app.colors == ColorMode::Mono;
    let look = |i: usize| {
        let style = if mono { Style::new() } else { Style::new().fg(CURVES[i % CURVES.len()]) };
        (style, MARKERS[i % MARKERS.len()])
    };
    let mut order: Vec<usize> = (0..app.runs.len()).filter(|&i| !series[i].is_empty()).collect();
    // Heavy markers first, so the thin ones stay visible on top; the selected run last of all.
    order.sort_by_key(|&i| (i == app.current, std::cmp::Reverse(i % MARKERS.len())));
    let curves: Vec<Curve> = order
        .into_iter()
        .map(|i| {
            let (style, marker) = look(i);
            let label = escape(&app.runs[i].loaded.scenario.name).into_owned();
            Curve { points: &series[i], style, marker, label }
        })
        .collect();
    let step = app.runs.iter().map(|r| r.trainer.step).max().unwrap_or(0);
    let scale = shared_scale(app, false);
    // The legend is the title: each name with its curve's marker in its colour, so it
    // never covers the curves.
    let mut title = vec![Span::raw(match (series.iter().all(Vec::is_empty), scale.log) {
        (true, _) => "Validation loss (no validation split)",
        (false, true) => "Validation loss log ",
        (false, false) => "Validation loss ",
    })];
    for (i, r) in app.runs.iter().enumerate() {
        let (style, marker) = look(i);
        title.push(Span::styled(format!(" {} {}", glyph(marker), escape(&r.loaded.scenario.name)), style));
    }
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    LossChart {
        curves,
        scale,
        x_max: step.max(1) as f64,
        x_label: format!("step {step}"),
        x_axis: true,
        reference: None,
        marks: Vec::new(),
    }
    .render(inner, buf);
}

#[allow(clippy::too_many_arguments)]
fn column(app: &App, i: usize, chosen: bool, y_scale: Scale, scales: [f64; 2], area: Rect, buf: &mut Buffer) {
    let run = &app.runs[i];
    let s = &run.loaded.scenario;
    let selected = i == app.current;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut title = vec![Span::styled(
        escape(&s.name).into_owned(),
        if selected { bold.add_modifier(Modifier::REVERSED) } else { bold },
    )];
    if chosen {
        title.push(Span::styled(" ★ chosen", bold));
    }
    if run.departs() {
        title.push(Span::styled(" live: departs from its scenario", bold));
    }
    let block =
        Block::bordered().title(Line::from(title)).border_style(if selected { bold } else { Style::new() });
    let inner = block.inner(area);
    block.render(area, buf);
    let [settings, chart, numbers, w1, w2, stats] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Percentage(34),
        Constraint::Length(2),
        Constraint::Percentage(30),
        Constraint::Percentage(16),
        Constraint::Min(3),
    ])
    .areas(inner);
    let d = &s.dropout;
    Paragraph::new(vec![
        Line::from(format!(
            "l2 {}/{} l1 {}/{}",
            short(s.reg.l2[0]),
            short(s.reg.l2[1]),
            short(s.reg.l1[0]),
            short(s.reg.l1[1])
        )),
        Line::from(format!(
            "{} init {}",
            if run.trainer.dropout_active() { super::header::dropout(d) } else { "no dropout".to_string() },
            s.init.w1.name()
        )),
    ])
    .render(settings, buf);
    mini_chart(run, app.colors, y_scale, chart, buf);
    let m = &run.metrics;
    let test = if app.all_done() {
        run.test_acc.map_or("test —".to_string(), |a| format!("test {}", percent(Some(a))))
    } else {
        "test at end".to_string()
    };
    Paragraph::new(vec![
        Line::from(vec![
            Span::styled(format!("val acc {}", percent(m.val.map(|e| e.acc))), bold),
            Span::raw(format!("  loss {}", m.val.map_or("—".to_string(), |e| num(e.loss)))),
        ]),
        Line::from(format!("train acc {}  {test}", percent(m.train.map(|e| e.acc)))),
    ])
    .render(numbers, buf);
    for (t, rect, scale) in [(Tensor::W1, w1, scales[0]), (Tensor::W2, w2, scales[1])] {
        let b = Block::new().title(Line::styled(
            format!("{} (shared scale {})", t.name(), num(scale)),
            Style::new().add_modifier(Modifier::DIM),
        ));
        let cells = b.inner(rect);
        b.render(rect, buf);
        Heatmap {
            values: matrix(&run.trainer.params, t),
            scale,
            palette: &app.palette,
            zoom: 0,
            cursor: None,
            highlight: None,
            class_rows: t == Tensor::W2,
        }
        .render(cells, buf);
    }
    let diag = &run.diagnosis;
    let pct = |v: f64| format!("{:.1}", 100.0 * v);
    let status = super::frozen::summary(run);
    Paragraph::new(vec![
        Line::from(format!(
            "=0|<1e-3 W1 {}|{}% W2 {}|{}%",
            pct(diag.zero_fraction[0]),
            pct(diag.near_zero_fraction[0]),
            pct(diag.zero_fraction[1]),
            pct(diag.near_zero_fraction[1])
        )),
        Line::from(format!("‖W1‖ {:.3}  ‖W2‖ {:.3}", diag.norm[0], diag.norm[1])),
        Line::from(status),
    ])
    .render(stats, buf);
}

fn mini_chart(run: &Run, colors: ColorMode, scale: Scale, area: Rect, buf: &mut Buffer) {
    let train = train_loss_points(run);
    let val = val_loss_points(run);
    let (ts, vs, rs) = super::loss::styles(colors);
    let mut curves =
        vec![Curve { points: &train, style: ts, marker: super::loss::TRAIN_MARKER, label: String::new() }];
    if !val.is_empty() {
        curves.push(Curve { points: &val, style: vs, marker: super::loss::VAL_MARKER, label: String::new() });
    }
    LossChart {
        curves,
        scale,
        x_max: (run.trainer.step as f64).max(1.0),
        x_label: String::new(),
        x_axis: false,
        // Too small for the words: the dashed line alone.
        reference: Some(Reference { value: run.constant_guess, label: String::new(), style: rs }),
        marks: Vec::new(),
    }
    .render(area, buf);
}

fn footer(app: &App, first: usize, shown: usize, choice: &Choice, area: Rect, buf: &mut Buffer) {
    if let Some(msg) = &app.message {
        Line::from(format!(" {msg}")).render(area, buf);
        return;
    }
    let left = first;
    let right = app.runs.len() - first - shown;
    let mut parts = Vec::new();
    if left > 0 {
        parts.push(format!("◀ {left} more"));
    }
    if right > 0 {
        parts.push(format!("{right} more ▶"));
    }
    let name = |i: usize| escape(&app.runs[i].loaded.scenario.name).into_owned();
    let quote = match (choice, app.all_done()) {
        (Choice::One(c), true) => format!("★ chosen on validation: {} — quote its test accuracy", name(*c)),
        (Choice::One(_), false) => {
            "★ = best validation accuracy so far; test accuracy when the runs are done".to_string()
        }
        (Choice::Tie(runs), _) => {
            let names: Vec<String> = runs.iter().map(|&i| name(i)).collect();
            format!("tied on validation: {} — nothing chosen", names.join(", "))
        }
        (Choice::NotYet, _) => "the best on validation is chosen after the first steps".to_string(),
        (Choice::NoValidation, _) => "no validation split: nothing is chosen".to_string(),
    };
    parts.push(quote);
    parts.push("Left/Right select  Enter open  space pause  n step  r restart  ? help  q quit".to_string());
    Line::from(format!(" {}", parts.join("  ·  "))).render(area, buf);
}

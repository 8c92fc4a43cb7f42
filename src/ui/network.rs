//! The network diagram (`v`): inputs, hidden units and outputs as the slides draw them, for
//! networks of at most [`Network::MAX_UNITS`] units per layer. Edges are coloured by the weight's sign
//! and drawn heavier for larger magnitude (relative to the largest |w| of their matrix); a
//! weight of exactly 0 has no edge. Units the next step drops are drawn removed, with no
//! edges (the slides' red neurons). The nodes carry one example of the next step's batch:
//! its inputs before the mask (standardized when the scenario standardizes), h̃ and the logits.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Context, Line as Edge};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::text::{FIRST_INDEX, compact};
use crate::app::panels::Network;
use crate::app::{App, Run};
use crate::theme::Palette;

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    let Some(n) = &app.panels.network else { return };
    let [d, m, k] = n.shape;
    let next = n.step + 1;
    let as_of = if n.step == run.trainer.step { String::new() } else { format!(" (as of step {})", n.step) };
    let (title, keys) = if n.drawn() {
        let example = n.example + FIRST_INDEX;
        (
            format!("Network {d}-{m}-{k}  example {example} of step {next}'s batch{as_of}"),
            "[ ] example  v or Esc closes",
        )
    } else {
        (format!("Network {d}-{m}-{k}"), "v or Esc closes")
    };
    let block = super::view_block(title, keys);
    let inner = block.inner(area);
    block.render(area, buf);
    if !n.drawn() {
        let text = format!(
            "The diagram draws networks of at most {} units per layer; this one has {d} inputs, \
             {m} hidden units and {k} outputs. The heatmaps show its weights (v or Esc returns to them).",
            Network::MAX_UNITS
        );
        Paragraph::new(text).wrap(Wrap { trim: true }).render(inner, buf);
        return;
    }
    if inner.width < 20 || inner.height < 4 {
        return;
    }
    let legend = legend_line(n, &app.palette, next);
    let width = legend.width() as u16;
    // Wrapped at words, the key can take one row more than its width alone says.
    let rows = if width <= inner.width { 1 } else { width.div_ceil(inner.width) + 1 };
    let rows = rows.min(inner.height / 4).max(1);
    let legend = Paragraph::new(legend).wrap(Wrap { trim: true });
    let canvas = Rect { height: inner.height - rows, ..inner };
    draw(n, &app.palette, canvas, buf);
    legend.render(Rect { y: canvas.bottom(), height: rows, ..inner }, buf);
}

/// Where each layer's nodes stand, in canvas units (one unit per terminal column and row, y
/// upwards): x of the layer, and y of each node, spread over the height, the first on top.
fn column(count: usize, x: f64, height: f64) -> Vec<(f64, f64)> {
    (0..count).map(|i| (x, height - (i as f64 + 0.5) * height / count as f64)).collect()
}

fn draw(n: &Network, palette: &Palette, area: Rect, buf: &mut Buffer) {
    let (w, h) = (f64::from(area.width), f64::from(area.height));
    let inputs = column(n.w1.ncols(), w * 0.14, h);
    let hidden = column(n.w1.nrows(), w * 0.5, h);
    let outputs = column(n.w2.nrows(), w * 0.86, h);
    let values = area.width >= 40;
    Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([0.0, w])
        .y_bounds([0.0, h])
        .paint(|ctx| {
            let [scale1, scale2] = n.scale;
            for (j, &to) in hidden.iter().enumerate() {
                for (c, &from) in inputs.iter().enumerate() {
                    if n.hidden_kept[j] && n.input_kept[c] {
                        edge(ctx, palette, from, to, n.w1[[j, c]], scale1);
                    }
                }
            }
            for (o, &to) in outputs.iter().enumerate() {
                for (j, &from) in hidden.iter().enumerate() {
                    if n.hidden_kept[j] {
                        edge(ctx, palette, from, to, n.w2[[o, j]], scale2);
                    }
                }
            }
            ctx.layer();
            for (c, &(x, y)) in inputs.iter().enumerate() {
                let label = values.then(|| format!("x{} {}", c + FIRST_INDEX, compact(n.x[c])));
                node(ctx, palette, (x, y), n.input_kept[c], label, Side::Left);
            }
            for (j, &(x, y)) in hidden.iter().enumerate() {
                let label = values.then(|| format!("h{} {}", j + FIRST_INDEX, compact(n.h[j])));
                node(ctx, palette, (x, y), n.hidden_kept[j], label, Side::Above);
            }
            for (o, &(x, y)) in outputs.iter().enumerate() {
                node(ctx, palette, (x, y), true, values.then(|| compact(n.logits[o])), Side::Right);
            }
        })
        .render(area, buf);
}

/// One weight's edge: its sign's colour, 1 to 3 strokes by |w| relative to its matrix's
/// largest; none for an exact 0.
fn edge(
    ctx: &mut Context,
    palette: &Palette,
    (x1, y1): (f64, f64),
    (x2, y2): (f64, f64),
    w: f64,
    scale: f64,
) {
    if w == 0.0 {
        return;
    }
    let r = if scale > 0.0 && w.is_finite() { (w.abs() / scale).min(1.0) } else { 1.0 };
    let color =
        if w.is_finite() { palette.color(w.signum() * (0.35 + 0.65 * r)) } else { palette.non_finite() };
    let strokes = 1 + usize::from(r > 1.0 / 3.0) + usize::from(r > 2.0 / 3.0);
    // Parallel strokes one braille dot (a quarter of a row) apart.
    for s in 0..strokes {
        let dy = (s as f64 - (strokes - 1) as f64 / 2.0) * 0.25;
        ctx.draw(&Edge { x1, y1: y1 + dy, x2, y2: y2 + dy, color });
    }
}

#[derive(Clone, Copy)]
enum Side {
    Left,
    Above,
    Right,
}

/// A unit: `●`, or a red `×` when the next step drops it, with its label beside it.
fn node(
    ctx: &mut Context,
    palette: &Palette,
    (x, y): (f64, f64),
    kept: bool,
    label: Option<String>,
    side: Side,
) {
    let dropped = Style::new().fg(palette.color(-1.0)).add_modifier(Modifier::BOLD);
    let (glyph, style) =
        if kept { ("●", Style::new().add_modifier(Modifier::BOLD)) } else { ("×", dropped) };
    ctx.print(x, y, Span::styled(glyph, style));
    let Some(label) = label else { return };
    let len = label.chars().count() as f64;
    let at = match side {
        Side::Left => (x - len - 1.0, y),
        Side::Above => (x - len / 2.0, y + 1.0),
        Side::Right => (x + 2.0, y),
    };
    let style = if kept { Style::new() } else { Style::new().fg(Color::DarkGray) };
    ctx.print(at.0.max(0.0), at.1, Span::styled(label, style));
}

fn legend_line(n: &Network, palette: &Palette, next: u64) -> Line<'static> {
    let swatch = |t: f64, text: &'static str| Span::styled(text, Style::new().fg(palette.color(t)));
    let mut spans = vec![
        swatch(1.0, "blue +"),
        Span::raw(" "),
        swatch(-1.0, "red −"),
        Span::raw(
            "  thicker:\u{a0}larger\u{a0}|w|  no\u{a0}edge:\u{a0}w\u{a0}=\u{a0}0  outputs:\u{a0}logits",
        ),
    ];
    if n.input_kept.iter().chain(&n.hidden_kept).any(|&k| !k) {
        spans.push(Span::styled(
            format!("  ×\u{a0}dropped\u{a0}at\u{a0}step\u{a0}{next}"),
            Style::new().fg(palette.color(-1.0)),
        ));
    }
    Line::from(spans)
}

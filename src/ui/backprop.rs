//! The backprop view (`b`): one example of the batch the next step will use, forward and
//! backward in the lecture's order — x → z1 → h → ŷ, then ∇W2 = (ŷ−y)hᵀ, ∇b2 = ŷ−y,
//! gᵀ = ((ŷ−y)ᵀW2) ⊙ relu′(z1ᵀ), ∇W1 = g xᵀ, ∇b1 = g. Short vectors are numbers, long ones
//! a one-row heatmap strip, the per-example ∇W2 and ∇W1 small heatmaps. Dropped units show
//! "×"; an exact zero vector says "all 0", and why this example's factor is 0 stands under
//! it (read off this example's values and masks; the history of earlier steps belongs to the
//! Frozen panel). Everything drawn here was computed
//! when the view opened or the run moved on ([`crate::app::panels::Backprop`]).

use ndarray::{Array2, ArrayView2};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::heatmap::{Heatmap, MAX_STRETCH_COLS};
use super::text::{compact, num, wrap};
use crate::app::panels::{Backprop, Factor};
use crate::app::{App, Run};
use crate::nn::model::argmax;
use crate::theme::Palette;

/// Vectors up to this length are written as numbers (when they fit).
pub const MAX_NUMBERS: usize = 10;
/// Tallest a per-example gradient heatmap gets, in terminal rows.
const MAX_MATRIX_ROWS: u16 = 16;

/// Where a frozen tensor's reason is shown: next to the factor that is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    X,
    H,
    Err,
    DW2,
    DB2,
    G,
    DW1,
    DB1,
}

struct Vector {
    label: &'static str,
    values: Vec<f64>,
    dropped: Vec<bool>,
    note: Vec<Span<'static>>,
}

struct Matrix<'a> {
    label: &'static str,
    values: ArrayView2<'a, f64>,
    dropped_rows: Vec<bool>,
    dropped_cols: Vec<bool>,
}

enum Item<'a> {
    /// A heading; `level` 0 goes first when space is short, then 1.
    Head(Line<'static>, u8),
    Vector(Vector),
    Matrix(Matrix<'a>),
    /// A frozen tensor's reason, wrapped.
    Why(Vec<Line<'static>>),
}

fn emphasis(p: &Palette) -> Style {
    let s = Style::new().add_modifier(Modifier::BOLD);
    if p.mode().is_mono() { s } else { s.fg(p.highlight()) }
}

fn all_zero(v: impl IntoIterator<Item = f64>) -> bool {
    v.into_iter().all(|x| x == 0.0)
}

fn zero_note(p: &Palette) -> Span<'static> {
    Span::styled("all 0", emphasis(p))
}

/// This example's notes (what is 0 in it and why), by where they go.
fn reasons(bp: &Backprop, width: u16) -> Vec<(Anchor, Vec<Line<'static>>)> {
    bp.notes
        .iter()
        .map(|(factor, text)| {
            let anchor = match factor {
                Factor::X => Anchor::X,
                Factor::H => Anchor::H,
                Factor::Err => Anchor::Err,
                Factor::G => Anchor::G,
            };
            let lines = wrap(text, usize::from(width.saturating_sub(2)).max(10))
                .into_iter()
                .map(|l| Line::from(format!("  {l}")))
                .collect();
            (anchor, lines)
        })
        .collect()
}

fn items<'a>(run: &Run, bp: &'a Backprop, full: bool, width: u16, p: &Palette) -> Vec<Item<'a>> {
    let ins = &bp.inspection;
    let ws = &ins.ws;
    let i = bp.example;
    let (d, m, k) = (run.trainer.params.inputs(), run.trainer.params.hidden(), run.trainer.params.classes());
    let in_dropped: Vec<bool> = (0..d).map(|c| !bp.inspection.scales.input_kept(c)).collect();
    let h_dropped: Vec<bool> = (0..m).map(|j| !bp.inspection.scales.hidden_kept(j)).collect();
    let label = |long: &'static str, short: &'static str| if full { long } else { short };
    let row = |a: &Array2<f64>| a.row(i).to_vec();
    let y = ins.y.get(i).copied().unwrap_or(0);
    let one_hot: Vec<f64> = (0..k).map(|c| if c == y { 1.0 } else { 0.0 }).collect();
    let kept_scale = |mask: &ndarray::Array1<f64>| mask.iter().copied().find(|&s| s != 0.0 && s != 1.0);
    let mut why = reasons(bp, width);
    let mut take = |a: Anchor| -> Vec<Item<'a>> {
        let (here, rest): (Vec<_>, Vec<_>) = why.drain(..).partition(|(x, _)| *x == a);
        why = rest;
        here.into_iter().map(|(_, lines)| Item::Why(lines)).collect()
    };
    let vector = |label: &'static str, values: Vec<f64>, dropped: Vec<bool>, mut note: Vec<Span<'static>>| {
        let kept: Vec<f64> = values.iter().zip(&dropped).filter(|&(_, &dr)| !dr).map(|(&v, _)| v).collect();
        // Every entry dropped: each shows ×, and "all 0" would speak of nothing.
        if !kept.is_empty() && all_zero(kept) {
            note.insert(0, zero_note(p));
        }
        Item::Vector(Vector { label, values, dropped, note })
    };
    let no_drop = |n: usize| vec![false; n];
    let mut out = Vec::new();
    let arrow = if full { "forward: x → z1 → h → ŷ" } else { "forward" };
    out.push(Item::Head(Line::styled(arrow, Style::new().add_modifier(Modifier::DIM)), 0));
    let x_note =
        kept_scale(&bp.inspection.scales.input).map(|s| vec![Span::raw(format!("kept ×{}", compact(s)))]);
    out.push(vector("x", ins.x.row(i).to_vec(), in_dropped.clone(), x_note.unwrap_or_default()));
    out.extend(take(Anchor::X));
    out.push(vector(label("z1 = W1x + b1", "z1"), row(&ws.z1), h_dropped.clone(), vec![]));
    let h_note =
        kept_scale(&bp.inspection.scales.hidden).map(|s| vec![Span::raw(format!("kept ×{}", compact(s)))]);
    out.push(vector(label("h = relu(z1)", "h"), row(&ws.h), h_dropped.clone(), h_note.unwrap_or_default()));
    out.extend(take(Anchor::H));
    out.push(vector(label("logits = W2h+b2", "logits"), row(&ws.logits), no_drop(k), vec![]));
    let y_hat = row(&ws.y_hat);
    let predicted = argmax(&y_hat);
    out.push(vector(label("ŷ = softmax", "ŷ"), y_hat, no_drop(k), vec![Span::raw(format!("→ {predicted}"))]));
    out.push(vector("y", one_hot, no_drop(k), vec![Span::raw(format!("class {y}"))]));
    let n = bp.rows();
    let back = if full {
        format!("backward, this example (a step applies the mean of the {n})")
    } else {
        format!("backward (step: mean over {n})")
    };
    out.push(Item::Head(Line::styled(back, Style::new().add_modifier(Modifier::DIM)), 0));
    out.push(vector(label("ŷ − y", "ŷ−y"), row(&ws.err), no_drop(k), vec![]));
    out.extend(take(Anchor::Err));
    out.push(Item::Matrix(Matrix {
        label: label("∇W2 = (ŷ−y)hᵀ", "∇W2"),
        values: bp.dw2.view(),
        dropped_rows: no_drop(k),
        dropped_cols: h_dropped.clone(),
    }));
    out.extend(take(Anchor::DW2));
    out.push(vector(label("∇b2 = ŷ−y", "∇b2"), row(&ws.err), no_drop(k), vec![]));
    out.extend(take(Anchor::DB2));
    out.push(Item::Head(Line::from("gᵀ = ((ŷ−y)ᵀW2) ⊙ relu′(z1ᵀ)"), 1));
    out.push(vector("g", row(&ws.g), h_dropped.clone(), vec![]));
    out.extend(take(Anchor::G));
    out.push(Item::Matrix(Matrix {
        label: label("∇W1 = g xᵀ", "∇W1"),
        values: bp.dw1.view(),
        dropped_rows: h_dropped.clone(),
        dropped_cols: in_dropped,
    }));
    out.extend(take(Anchor::DW1));
    out.push(vector(label("∇b1 = g", "∇b1"), row(&ws.g), h_dropped, vec![]));
    out.extend(take(Anchor::DB1));
    out
}

/// Terminal rows a matrix of `rows` takes at 1:1 (two rows per cell in colour modes).
fn matrix_rows(rows: usize, p: &Palette) -> u16 {
    let per = if p.mode().is_mono() { 1 } else { 2 };
    (rows.div_ceil(per).max(1) as u16).min(MAX_MATRIX_ROWS)
}

/// One way of making the items shorter: an item and its rows → its new rows.
type Squeeze = for<'a, 'b> fn(&'a Item<'b>, u16) -> u16;

/// Rows each item gets: natural heights, squeezed when they do not fit — smaller
/// matrices, then no headings, then reasons of at most two lines.
fn heights(items: &[Item<'_>], budget: u16, p: &Palette) -> Vec<u16> {
    let mut h: Vec<u16> = items
        .iter()
        .map(|it| match it {
            Item::Head(..) | Item::Vector(_) => 1,
            Item::Matrix(mx) => matrix_rows(mx.values.nrows(), p),
            Item::Why(lines) => lines.len() as u16,
        })
        .collect();
    let total = |h: &[u16]| h.iter().map(|&v| u32::from(v)).sum::<u32>();
    let fits = |h: &[u16]| total(h) <= u32::from(budget);
    let squeezes: [Squeeze; 6] = [
        |it, v| if matches!(it, Item::Matrix(_)) { v.min(4) } else { v },
        |it, v| if matches!(it, Item::Head(_, 0)) { 0 } else { v },
        |it, v| if matches!(it, Item::Matrix(_)) { v.min(2) } else { v },
        |it, v| if matches!(it, Item::Why(_)) { v.min(3) } else { v },
        |it, v| if matches!(it, Item::Head(_, 1)) { 0 } else { v },
        |it, v| if matches!(it, Item::Matrix(_) | Item::Why(_)) { v.min(1) } else { v },
    ];
    let natural = h.clone();
    for squeeze in squeezes {
        if fits(&h) {
            break;
        }
        for (v, it) in h.iter_mut().zip(items) {
            *v = squeeze(it, *v);
        }
    }
    // Give rows left over back: reasons first, then headings, then matrices.
    let mut left = u32::from(budget).saturating_sub(total(&h));
    let order: [fn(&Item<'_>) -> bool; 3] = [
        |it| matches!(it, Item::Why(_)),
        |it| matches!(it, Item::Head(..)),
        |it| matches!(it, Item::Matrix(_)),
    ];
    for kind in order {
        for ((v, &n), it) in h.iter_mut().zip(&natural).zip(items) {
            if kind(it) && *v < n && left > 0 {
                let more = u32::from(n - *v).min(left);
                *v += more as u16;
                left -= more;
            }
        }
    }
    h
}

fn put(buf: &mut Buffer, x: u16, y: u16, right: u16, spans: &[Span<'_>]) -> u16 {
    if x >= right {
        return x;
    }
    let (end, _) = buf.set_line(x, y, &Line::from(spans.to_vec()), right - x);
    end
}

fn max_abs(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().filter(|x| x.is_finite()).fold(0.0, |a, x| a.max(x.abs()))
}

/// Mark cells whose elements are all dropped with "×".
fn stamp_dropped(hm: &Heatmap<'_>, area: Rect, dropped: impl Fn(usize, usize) -> bool, buf: &mut Buffer) {
    let g = hm.geometry(area);
    let used = g.used();
    let mono = hm.palette.mode().is_mono();
    for y in used.top()..used.bottom() {
        for x in used.left()..used.right() {
            let Some((rows, cols)) = g.elements_at(x, y) else { continue };
            let all = rows.clone().all(|r| cols.clone().all(|c| dropped(r, c)));
            // Mono cells are two columns: "× ".
            let symbol = if mono && (x - used.x) % 2 == 1 { " " } else { "×" };
            if all && let Some(cell) = buf.cell_mut((x, y)) {
                cell.set_symbol(symbol).set_fg(Color::Gray);
            }
        }
    }
}

fn draw_vector(v: &Vector, x: u16, y: u16, right: u16, buf: &mut Buffer, p: &Palette) {
    let dim = Style::new().add_modifier(Modifier::DIM);
    let note_w: usize = v.note.iter().map(Span::width).sum::<usize>() + usize::from(!v.note.is_empty());
    let avail = usize::from(right.saturating_sub(x));
    if v.values.len() <= MAX_NUMBERS {
        let mut spans = Vec::new();
        for (n, (&val, &dropped)) in v.values.iter().zip(&v.dropped).enumerate() {
            if n > 0 {
                spans.push(Span::raw("  "));
            }
            spans.push(if dropped { Span::styled("×", dim) } else { Span::raw(compact(val)) });
        }
        let w: usize = spans.iter().map(Span::width).sum();
        if w + note_w <= avail || v.values.len() <= 1 {
            if !v.note.is_empty() {
                spans.push(Span::raw("  "));
                spans.extend(v.note.iter().cloned());
            }
            put(buf, x, y, right, &spans);
            return;
        }
    }
    // A one-row heatmap strip, with its scale.
    let scale = max_abs(v.values.iter().copied());
    let mut note = v.note.clone();
    if scale > 0.0 {
        note.push(Span::raw(format!(" ±{}", num(scale))));
    }
    let note_w: usize = note.iter().map(Span::width).sum::<usize>() + 1;
    let strip_w = avail.saturating_sub(note_w).min(v.values.len() * MAX_STRETCH_COLS).max(1);
    let values = Array2::from_shape_vec((1, v.values.len()), v.values.clone()).unwrap_or_default();
    let hm = Heatmap::new(values.view(), scale, p);
    let area = Rect::new(x, y, strip_w as u16, 1).intersection(buf.area);
    hm.render(area, buf);
    stamp_dropped(&hm, area, |_, c| v.dropped.get(c).copied().unwrap_or(false), buf);
    let end = hm.geometry(area).used().right();
    put(buf, end + 1, y, right, &note);
}

fn draw_matrix(mx: &Matrix<'_>, x: u16, y: u16, right: u16, height: u16, buf: &mut Buffer, p: &Palette) {
    let scale = max_abs(mx.values.iter().copied());
    let width = right.saturating_sub(x).saturating_sub(12).max(1);
    let area = Rect::new(x, y, width, height).intersection(buf.area);
    let hm = Heatmap::new(mx.values, scale, p);
    hm.render(area, buf);
    stamp_dropped(
        &hm,
        area,
        |r, c| {
            mx.dropped_rows.get(r).copied().unwrap_or(false)
                || mx.dropped_cols.get(c).copied().unwrap_or(false)
        },
        buf,
    );
    let end = hm.geometry(area).used().right();
    let note = if scale == 0.0 && mx.values.iter().all(|&v| v == 0.0) {
        zero_note(p)
    } else {
        Span::raw(format!("±{}", num(scale)))
    };
    put(buf, end + 1, y, right, &[note]);
}

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let Some(bp) = app.panels.backprop.as_ref() else {
        Paragraph::new("backprop: no data (b opens the view)").block(Block::bordered()).render(area, buf);
        return;
    };
    let (i, n, next) = (bp.example + 1, bp.rows(), bp.step + 1);
    let as_of =
        if bp.step == run.trainer.step { String::new() } else { format!(" (as of step {})", bp.step) };
    let title = if area.width >= 60 {
        format!("Backprop  example {i}/{n} of step {next}'s batch{as_of}")
    } else {
        format!("Backprop  ex {i}/{n}, step {next}{as_of}")
    };
    let block = super::view_block(title, "[ ] example  b or Esc closes");
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 12 || inner.height < 3 {
        return;
    }
    let full = inner.width >= 56;
    let label_w: u16 = if full { 17 } else { 8 };
    let p = &app.palette;
    let items = items(run, bp, full, inner.width, p);
    let heights = heights(&items, inner.height, p);
    let right = inner.right();
    let mut y = inner.y;
    for (item, &h) in items.iter().zip(&heights) {
        if h == 0 {
            continue;
        }
        if y >= inner.bottom() {
            break;
        }
        let h = h.min(inner.bottom() - y);
        let values_x = inner.x + label_w;
        match item {
            Item::Head(line, _) => {
                buf.set_line(inner.x, y, line, inner.width);
            }
            Item::Vector(v) => {
                put(buf, inner.x, y, values_x.saturating_sub(1), &[Span::styled(v.label, bold)]);
                draw_vector(v, values_x, y, right, buf, p);
            }
            Item::Matrix(mx) => {
                put(buf, inner.x, y, values_x.saturating_sub(1), &[Span::styled(mx.label, bold)]);
                let (r, c) = mx.values.dim();
                let shape = Span::styled(format!("{r}×{c}"), Style::new().add_modifier(Modifier::DIM));
                if h >= 2 {
                    put(buf, inner.x, y + 1, values_x.saturating_sub(1), &[shape]);
                }
                draw_matrix(mx, values_x, y, right, h, buf, p);
            }
            Item::Why(lines) => {
                let total = lines.len();
                for (j, line) in lines.iter().take(usize::from(h)).enumerate() {
                    let mut line = line.clone();
                    if j + 1 == usize::from(h) && total > usize::from(h) {
                        line.spans.push(Span::raw("…"));
                    }
                    buf.set_line(inner.x, y + j as u16, &line, inner.width);
                }
            }
        }
        y += h;
    }
}

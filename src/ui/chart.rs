//! What the loss charts share: a y-axis that is linear from 0 or log10 with ticks at decades,
//! curves labelled at their right end, and a dim reference line — laid out so that no label
//! covers a curve (the end labels stand in a margin right of the curves, the reference line's
//! label only on cells no curve was drawn on).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

use super::text::{no_digits, num};

/// The reference line's glyph: dashed, so it reads without colour too.
pub const REFERENCE: &str = "╌";

/// The glyph a marker draws, for legends.
pub fn glyph(m: Marker) -> &'static str {
    match m {
        Marker::Dot => "•",
        Marker::Block => "█",
        Marker::Bar => "▄",
        Marker::HalfBlock => "▀",
        Marker::Quadrant => "▚",
        _ => "⠤",
    }
}

/// A y-axis: the bounds in plotted units (the loss itself, or its log10).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub log: bool,
    pub lo: f64,
    pub hi: f64,
    /// Linear: the largest value, labelled at the top.
    top: f64,
}

impl Scale {
    /// A scale fitted to `values` (losses; non-finite ones are ignored, and on a log axis
    /// those ≤ 0). Linear: 0 to the largest value plus 5%, as it always was. Log: whole
    /// decades when the values span a factor of 10 or more, otherwise their range plus a
    /// margin of 6% (so that close curves do not merge into one).
    pub fn fit(log: bool, values: impl IntoIterator<Item = f64>) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite() && (!log || *v > 0.0)) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !log {
            let top = hi.max(1e-9);
            return Scale { log, lo: 0.0, hi: top * 1.05, top };
        }
        if hi < lo {
            return Scale { log, lo: -1.0, hi: 1.0, top: 10.0 };
        }
        let (a, b) = (lo.log10(), hi.log10());
        let (lo, hi) = if b - a >= 1.0 - 1e-9 {
            ((a + 1e-9).floor(), (b - 1e-9).ceil())
        } else {
            let pad = 0.06 * (b - a) + 0.005;
            (a - pad, b + pad)
        };
        Scale { log, lo, hi, top: 10f64.powf(hi) }
    }

    /// Where a loss is drawn; `None` when it cannot be (not finite, or ≤ 0 on a log axis).
    pub fn y(&self, v: f64) -> Option<f64> {
        match v {
            v if !v.is_finite() => None,
            v if self.log => (v > 0.0).then(|| v.log10()),
            v => Some(v),
        }
    }

    /// The points of a (step, loss) series as drawn; those that cannot be are dropped.
    pub fn points(&self, series: &[(f64, f64)]) -> Vec<(f64, f64)> {
        series.iter().filter_map(|&(x, v)| self.y(v).map(|y| (x, y))).collect()
    }

    /// Ticks, top to bottom, as (plotted value, label). Linear: the largest value and 0.
    /// Log: every decade inside the bounds (see [`decade`]); with fewer than two, the
    /// bounds themselves too, to three significant digits.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        if !self.log {
            return vec![(self.top, num(self.top)), (0.0, "0".to_string())];
        }
        let first = (self.lo - 1e-9).ceil() as i32;
        let last = (self.hi + 1e-9).floor() as i32;
        let mut ticks: Vec<(f64, String)> = (first..=last).rev().map(|e| (f64::from(e), decade(e))).collect();
        if ticks.len() < 2 {
            ticks.insert(0, (self.hi, sig3(10f64.powf(self.hi))));
            ticks.push((self.lo, sig3(10f64.powf(self.lo))));
        }
        ticks
    }

    /// The row (from the top of a plot `height` rows tall) on which a plotted value is
    /// drawn, the way the chart's Braille grid rounds it.
    pub fn row(&self, y: f64, height: u16) -> u16 {
        let dots = f64::from(height) * 4.0 - 1.0;
        let d = ((self.hi - y) * dots / (self.hi - self.lo).max(1e-12)).round().clamp(0.0, dots.max(0.0));
        (d as u16 / 4).min(height.saturating_sub(1))
    }
}

/// 10^e as a tick label: `1000` `100` `10` `1` `0.1` `0.01` `0.001`, beyond that `1e4`,
/// `1e-4`.
pub fn decade(e: i32) -> String {
    match e {
        0..=3 => 10u32.pow(e.unsigned_abs()).to_string(),
        -3..=-1 => format!("0.{}1", "0".repeat((-e - 1) as usize)),
        _ => format!("1e{e}"),
    }
}

/// Three significant digits, trailing zeros dropped: `0.00412`, `0.106`, `2.3`.
pub fn sig3(v: f64) -> String {
    if let Some(s) = no_digits(v) {
        return s;
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// One curve: its (step, loss) points, colour, marker, and what is written at its end.
pub struct Curve<'a> {
    pub points: &'a [(f64, f64)],
    pub style: Style,
    pub marker: Marker,
    /// Written right of the curve's last point ("val 0.106", a run's name); empty: nothing.
    pub label: String,
}

/// A horizontal line across the plot at a loss, with its label on or next to it.
pub struct Reference {
    pub value: f64,
    pub label: String,
    pub style: Style,
}

pub struct LossChart<'a> {
    pub curves: Vec<Curve<'a>>,
    pub scale: Scale,
    pub x_max: f64,
    /// Written under the x-axis's right end (`step N`).
    pub x_label: String,
    /// An x-axis with `0` and the x label under it (the compare view's mini charts have none).
    pub x_axis: bool,
    pub reference: Option<Reference>,
    /// Steps at which settings changed, each with what it set (`lr 0.2`): a tick on the
    /// x-axis and a dotted line up the plot where it is free, the label under the axis.
    pub marks: Vec<(u64, String)>,
}

/// The narrowest plot left of the end labels; narrower, the labels are left out.
const MIN_PLOT: u16 = 8;

impl Widget for LossChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 4 || area.height < 2 {
            return;
        }
        let x_axis = self.x_axis && area.height >= 4;
        let h = if x_axis { area.height - 2 } else { area.height };
        // Ticks on distinct rows, the first of each row kept.
        let mut ticks: Vec<(u16, String)> = Vec::new();
        for (y, label) in self.scale.ticks() {
            let row = self.scale.row(y, h);
            if ticks.last().is_none_or(|(r, _)| *r != row) {
                ticks.push((row, label));
            }
        }
        let label_w = ticks
            .iter()
            .map(|(_, l)| Span::raw(l.as_str()).width() as u16)
            .max()
            .unwrap_or(0)
            .min(area.width / 3);
        let axis = area.x + label_w;
        let plot_x = axis + 1;
        let full = area.right().saturating_sub(plot_x);
        let end_w = self.curves.iter().map(|c| Span::raw(c.label.as_str()).width() as u16).max().unwrap_or(0);
        let margin = if end_w > 0 && full >= end_w + 1 + MIN_PLOT { end_w + 1 } else { 0 };
        let plot = Rect::new(plot_x, area.y, full - margin, h);

        for (row, label) in &ticks {
            let w = Span::raw(label.as_str()).width() as u16;
            buf.set_stringn(axis.saturating_sub(w), area.y + row, label, label_w as usize, Style::new());
        }
        for y in area.y..area.y + h {
            buf[(axis, y)].set_symbol("│");
        }
        if x_axis {
            let y = area.y + h;
            buf[(axis, y)].set_symbol("└");
            for x in plot_x..area.right() {
                buf[(x, y)].set_symbol("─");
            }
            let right = &self.x_label;
            let w = Span::raw(right.as_str()).width() as u16;
            buf.set_string(axis, y + 1, "0", Style::new());
            if plot.right() >= axis + 2 + w {
                buf.set_string(plot.right() - w, y + 1, right, Style::new());
            }
        }

        let reference_row = self.reference.as_ref().and_then(|r| {
            let y = self.scale.y(r.value).filter(|y| (self.scale.lo..=self.scale.hi).contains(y))?;
            let row = plot.y + self.scale.row(y, h);
            for x in plot.left()..plot.right() {
                buf[(x, row)].set_symbol(REFERENCE).set_style(r.style);
            }
            Some(row)
        });

        let drawn: Vec<Vec<(f64, f64)>> = self.curves.iter().map(|c| self.scale.points(c.points)).collect();
        let datasets = self
            .curves
            .iter()
            .zip(&drawn)
            .map(|(c, d)| {
                Dataset::default().marker(c.marker).graph_type(GraphType::Line).style(c.style).data(d)
            })
            .collect();
        Chart::new(datasets)
            .x_axis(Axis::default().bounds([0.0, self.x_max]))
            .y_axis(Axis::default().bounds([self.scale.lo, self.scale.hi]))
            .legend_position(None)
            .render(plot, buf);
        if let (Some(r), Some(row)) = (&self.reference, reference_row) {
            // A curve drawn over the line keeps its own look (a curve lying on it stays bright).
            for x in plot.left()..plot.right() {
                let cell = &mut buf[(x, row)];
                if cell.symbol() != REFERENCE {
                    cell.modifier.remove(r.style.add_modifier);
                }
            }
        }

        if !self.marks.is_empty() && plot.width > 1 {
            let mut free_from = plot.x;
            for (step, label) in &self.marks {
                let f = (*step as f64 / self.x_max).clamp(0.0, 1.0);
                let x = plot.x + (f * f64::from(plot.width - 1)).round() as u16;
                for y in plot.y..plot.y + h {
                    if buf[(x, y)].symbol() == " " {
                        buf[(x, y)].set_symbol("┊").set_style(Style::new().add_modifier(Modifier::DIM));
                    }
                }
                if x_axis {
                    let y = area.y + h;
                    buf[(x, y)].set_symbol("┴");
                    let w = Span::raw(label.as_str()).width() as u16;
                    let lx = x.max(free_from);
                    let end =
                        plot.right().saturating_sub(Span::raw(self.x_label.as_str()).width() as u16 + 1);
                    if lx + w <= end {
                        buf.set_string(lx, y + 1, label, Style::new().add_modifier(Modifier::BOLD));
                        free_from = lx + w + 1;
                    }
                }
            }
        }

        if margin > 0 {
            let ends: Vec<(usize, u16)> = self
                .curves
                .iter()
                .zip(&drawn)
                .enumerate()
                .filter(|(_, (c, _))| !c.label.is_empty())
                .filter_map(|(i, (_, d))| d.last().map(|&(_, y)| (i, self.scale.row(y, h))))
                .collect();
            for (i, row) in spread(&ends, h) {
                let c = &self.curves[i];
                buf.set_stringn(plot.right() + 1, plot.y + row, &c.label, end_w as usize, c.style);
            }
        }
        if let (Some(r), Some(row)) = (&self.reference, reference_row) {
            let placed = place_on_free_cells(buf, plot, row, &r.label, r.style)
                || r.label
                    .rsplit_once(' ')
                    .is_some_and(|(short, _)| place_on_free_cells(buf, plot, row, short, r.style));
            if !placed && x_axis {
                // No room near the line: say it in the axis row, between `0` and `step N`.
                let text = format!("{REFERENCE} {}", r.label);
                let w = Span::raw(text.as_str()).width() as u16;
                let y = area.y + h + 1;
                let x = plot.x + plot.width.saturating_sub(w) / 2;
                if (x..x + w).all(|x| x < plot.right() && buf[(x, y)].symbol() == " ") {
                    buf.set_string(x, y, text, r.style);
                }
            }
        }
    }
}

/// Rows for labels that want rows `want` (below `height`): one label a row, in the order of
/// the rows they want, each as close to it as the others allow. Labels that do not fit
/// (more than `height`) are left out: those wanting the top rows are kept.
fn spread(want: &[(usize, u16)], height: u16) -> Vec<(usize, u16)> {
    let mut order = want.to_vec();
    order.sort_by_key(|&(i, row)| (row, i));
    order.truncate(usize::from(height));
    let mut rows: Vec<u16> = Vec::with_capacity(order.len());
    for &(_, want) in &order {
        rows.push(rows.last().map_or(want, |&r| want.max(r + 1)));
    }
    // Pushed past the bottom: move up as far as needed.
    let mut limit = height;
    for r in rows.iter_mut().rev() {
        limit -= 1;
        *r = (*r).min(limit);
        limit = *r;
    }
    order.iter().map(|&(i, _)| i).zip(rows).collect()
}

/// Write `label` on the reference line's row or the rows next to it, as far right as it
/// goes, on cells where no curve was drawn. Returns whether it found room.
fn place_on_free_cells(buf: &mut Buffer, plot: Rect, line_row: u16, label: &str, style: Style) -> bool {
    let w = Span::raw(label).width() as u16;
    if w == 0 || w > plot.width {
        return false;
    }
    let rows = [0i32, -1, 1, -2, 2].map(|d| i32::from(line_row) + d);
    for row in rows.into_iter().filter(|r| (i32::from(plot.top())..i32::from(plot.bottom())).contains(r)) {
        let row = row as u16;
        let free = |x: u16| {
            let s = buf[(x, row)].symbol();
            s == " " || (row == line_row && s == REFERENCE)
        };
        // One free cell either side (or the plot's edge) keeps the label apart from curves.
        let fits = |x0: u16| {
            (x0..x0 + w).all(free)
                && (x0 == plot.left() || free(x0 - 1))
                && (x0 + w == plot.right() || free(x0 + w))
        };
        // Two cells short of the end labels, so the label does not run into them.
        let last = plot.right() - w - if plot.width >= w + 4 { 2 } else { 0 };
        if let Some(x0) = (plot.left()..=last).rev().find(|&x0| fits(x0)) {
            buf.set_string(x0, row, label, style);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades_read_as_numbers() {
        let labels: Vec<String> = (-4..=4).rev().map(decade).collect();
        assert_eq!(labels, ["1e4", "1000", "100", "10", "1", "0.1", "0.01", "0.001", "1e-4"]);
    }

    #[test]
    fn a_25_fold_gap_gets_whole_decades() {
        // digits: the first loss 2.3, train 0.004, val 0.106.
        let s = Scale::fit(true, [2.3, 0.004, 0.106]);
        assert_eq!((s.lo, s.hi), (-3.0, 1.0));
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["10", "1", "0.1", "0.01", "0.001"]);
        assert_eq!(s.y(0.0), None);
        assert_eq!(s.y(f64::NAN), None);
        assert_eq!(s.y(0.1), Some(-1.0));
    }

    #[test]
    fn close_values_fill_the_axis() {
        let s = Scale::fit(true, [0.107, 0.136]);
        let (a, b) = (0.107f64.log10(), 0.136f64.log10());
        assert!(s.lo < a && s.hi > b && (b - a) / (s.hi - s.lo) > 0.8, "{s:?}");
        // No decade inside: the bounds are labelled.
        let ticks = s.ticks();
        assert_eq!(ticks.len(), 2);
        assert_eq!((ticks[0].1.as_str(), ticks[1].1.as_str()), ("0.14", "0.104"));
        assert_eq!(s.row(s.hi, 10), 0);
        assert_eq!(s.row(s.lo, 10), 9);
    }

    #[test]
    fn linear_stays_from_zero() {
        let s = Scale::fit(false, [1.2, 0.5, f64::INFINITY]);
        assert_eq!(s.lo, 0.0);
        assert!((s.hi - 1.26).abs() < 1e-12);
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["1.200", "0"]);
    }

    #[test]
    fn three_significant_digits() {
        assert_eq!(sig3(0.004123), "0.00412");
        assert_eq!(sig3(0.106), "0.106");
        assert_eq!(sig3(2.2961), "2.3");
        assert_eq!(sig3(45.4), "45.4");
    }

    #[test]
    fn end_labels_keep_their_order_and_stay_close() {
        // Two want row 3, one row 4, in a plot of 5 rows.
        assert_eq!(spread(&[(0, 3), (1, 3), (2, 4)], 5), [(0, 2), (1, 3), (2, 4)]);
        assert_eq!(spread(&[(0, 0), (1, 4)], 5), [(0, 0), (1, 4)]);
        // Three for two rows: the lowest wanted are kept.
        assert_eq!(spread(&[(0, 1), (1, 0), (2, 1)], 2), [(1, 0), (0, 1)]);
    }
}

//! One heatmap widget for every matrix and vector.
//!
//! [`Heatmap`] draws an `ArrayView2<f64>` into a [`Rect`] (no border: the caller draws the block
//! and title). Vectors are passed as 1×n or n×1 views. All layout math lives in [`Geometry`]
//! ([`geometry`]), which rendering, the cursor and mouse hit-testing share.
//!
//! # Modes
//!
//! - **Numbers**: when every column gets at least [`MIN_NUMBER_COLS`] terminal columns and every
//!   matrix row its own terminal row, each value is printed in its cell ([`cell_number`]: 3
//!   significant digits, whole numbers without decimals, exact 0 as `0`, `NaN`/`inf`), centred,
//!   on its colour, in black or white by the colour's luminance ([`Palette::ink`]). A cell is at
//!   most [`MAX_NUMBER_COLS`] wide. In Mono the numbers are plain text.
//! - Otherwise the area is divided into *units*, the smallest thing that can show one value:
//!   - colour modes: one unit is one terminal column × **half** a terminal row. Two matrix rows
//!     share a terminal row, drawn as `'▀'` with fg = upper unit, bg = lower unit. An odd last
//!     unit row leaves the lower half in the default background ([`Color::Reset`]).
//!   - [`ColorMode::Mono`]: one unit is **two** terminal columns × one terminal row: a glyph from
//!     [`MONO_RAMP`](crate::theme::MONO_RAMP) by |t| plus a sign mark (`'+'`/`'-'`); exact zero
//!     is `"· "`, non-finite `'!'` (+ sign mark for ±∞). An odd last terminal column is left
//!     untouched.
//!
//! # Labels
//!
//! When the area has a terminal row per matrix row and one more, the top row holds the column
//! labels (unit numbers, counted from [`FIRST_INDEX`]) and, for matrices with more than one column,
//! a column on the left the row labels — if that does not make the columns coarser. A label is
//! printed only when the largest one fits its column with a space to spare. The cursor's row and
//! column labels are reversed.
//!
//! # Rules
//!
//! Each axis (rows → vertical units, columns → horizontal units) is laid out independently:
//! - **Aggregation** (matrix larger than the area): at zoom 0 the block is
//!   `ceil(n / available_units)` elements per unit. A block shows its element of largest |value|,
//!   keeping its sign (first one in row-major order on ties); it is "exact zero" only if all its
//!   elements are 0; if any element is non-finite the block is non-finite (NaN must never hide).
//!   In the mask view a block is highlighted if **any** of its elements is unchanged.
//! - **Zoom** `k` divides the block size by 2^k, rounding up, down to 1 element per unit. When the
//!   zoomed matrix no longer fits, the view scrolls so that the cursor's block is centred, clamped
//!   at the edges (no cursor: the view starts at the top-left). Blocks are aligned to multiples of
//!   the block size, so scrolling never changes what a block contains.
//! - **Stretch** (matrix smaller than the area, colour modes only): each element may take up to
//!   [`MAX_STRETCH_COLS`] terminal columns and [`MAX_STRETCH_ROWS`] half-rows (i.e. one full
//!   terminal row), `min(available / n, max)` per axis. Zoom does not stretch further.
//! - **Colours**, by priority: non-finite > mask-view highlight (unchanged) > exact zero > the
//!   dark-centred diverging map of `t = value / scale` (dimmed for changed elements in the mask
//!   view). `scale ≤ 0` (or not finite) draws every nonzero value as neutral (t = 0). A cell that
//!   shows only exact zeros gets a `·` ([`Palette::zero_mark`]) on the black.
//! - **Cursor**: a marker that keeps the value visible, never a fill. Numbers: the value in bold,
//!   underlined, between `[` `]` in [`Palette::cursor`]. Colour cells: `[` … `]` at the element's
//!   first and last column (`◆` when it is one column wide) in the cursor colour over the value's
//!   own colour; the columns between are drawn as usual. Mono glyphs: the glyph
//!   and sign mark stay, bold and underlined. A cursor outside the matrix is ignored.
//! - **Mask view** (`highlight: Some`, row-major, `true` = unchanged since step 0): unchanged in
//!   [`Palette::highlight`], changed in [`Palette::dimmed`]. In Mono unchanged elements show `'○'`
//!   (sign mark kept; before the number in number mode). A mask whose length is not rows·cols is
//!   ignored.
//!
//! [`element_at`](Geometry::element_at) maps a terminal cell to the first element (top-left) of
//! the block drawn in it (its upper half in colour modes); [`cell_of`](Geometry::cell_of) maps an
//! element to the (first) terminal cell that draws it, and the two invert each other. Label cells
//! map to no element.

use std::ops::Range;

use ndarray::{ArrayView2, s};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;

mod geometry;
mod legend;

pub use super::text::FIRST_INDEX;
use crate::theme::{Palette, mono_glyph};
use geometry::digits;
pub use geometry::{Geometry, geometry};
pub use legend::{cell_number, legend, legend_for_width, mask_legend};

/// Colour modes: at most this many terminal columns per element when stretching.
pub const MAX_STRETCH_COLS: usize = 4;
/// Colour modes: at most this many half-rows (2 = one terminal row) per element when stretching.
pub const MAX_STRETCH_ROWS: usize = 2;
/// Number mode needs at least this many terminal columns per matrix column.
pub const MIN_NUMBER_COLS: usize = 6;
/// Number mode: at most this many terminal columns per cell (room for `[-0.123]`).
pub const MAX_NUMBER_COLS: usize = 8;

/// The upper-half block glyph used in colour modes.
const HALF: char = '▀';
/// The mark on cells that hold only exact zeros.
const ZERO_DOT: char = '·';

/// A heatmap of one matrix; see the [module docs](self) for the drawing rules.
#[derive(Clone, Copy, Debug)]
pub struct Heatmap<'a> {
    /// The matrix (vectors as 1×n or n×1 views).
    pub values: ArrayView2<'a, f64>,
    /// Normalise by this max|v| (per-matrix or shared: the caller decides); 0 → neutral.
    pub scale: f64,
    /// Colours (and the mode).
    pub palette: &'a Palette,
    /// 0 = fit the whole matrix; each step halves the block size.
    pub zoom: u32,
    /// Element (row, col) to mark; when zoomed the view follows it.
    pub cursor: Option<(usize, usize)>,
    /// Mask view: row-major, `true` = unchanged since step 0.
    pub highlight: Option<&'a [bool]>,
    /// Rows are classes (W2, b2): their labels are the class labels, from 0 as in the data,
    /// not positions counted from [`FIRST_INDEX`].
    pub class_rows: bool,
}

/// What one unit shows, aggregated over its block.
#[derive(Clone, Copy, Debug)]
struct Agg {
    /// The finite element of largest |value| (0.0 if all finite elements are 0).
    value: f64,
    /// The first non-finite element, if any.
    non_finite: Option<f64>,
    /// Mask view: any element unchanged.
    unchanged: bool,
    /// The block contains the cursor.
    cursor: bool,
}

impl Agg {
    fn shown(&self) -> f64 {
        self.non_finite.unwrap_or(self.value)
    }
}

fn sign_mark(v: f64) -> char {
    if v > 0.0 {
        '+'
    } else if v < 0.0 {
        '-'
    } else {
        ' '
    }
}

fn set(buf: &mut Buffer, x: u16, y: u16, ch: char, style: Style) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_style(Style::reset().patch(style)).set_char(ch);
    }
}

/// Writes `text` centred in `width` columns from x (clipped to the buffer).
fn put_centred(buf: &mut Buffer, x: u16, y: u16, width: usize, text: &str, style: Style) {
    let n = text.chars().count();
    let start = x + (width.saturating_sub(n) / 2) as u16;
    for (i, ch) in text.chars().enumerate().take(width) {
        set(buf, start + i as u16, y, ch, style);
    }
}

impl<'a> Heatmap<'a> {
    /// A heatmap at zoom 0 with no cursor and no mask.
    pub fn new(values: ArrayView2<'a, f64>, scale: f64, palette: &'a Palette) -> Self {
        Heatmap { values, scale, palette, zoom: 0, cursor: None, highlight: None, class_rows: false }
    }

    /// Sets the zoom level.
    pub fn with_zoom(mut self, zoom: u32) -> Self {
        self.zoom = zoom;
        self
    }

    /// Sets the cursor.
    pub fn with_cursor(mut self, cursor: Option<(usize, usize)>) -> Self {
        self.cursor = cursor;
        self
    }

    /// Sets the mask-view highlight.
    pub fn with_highlight(mut self, highlight: Option<&'a [bool]>) -> Self {
        self.highlight = highlight;
        self
    }

    /// The layout this widget uses in `area`.
    pub fn geometry(&self, area: Rect) -> Geometry {
        let (rows, cols) = self.values.dim();
        geometry(rows, cols, area, self.zoom, self.cursor, self.palette.mode())
    }

    fn mask(&self) -> Option<&'a [bool]> {
        let (rows, cols) = self.values.dim();
        self.highlight.filter(|m| m.len() == rows * cols)
    }

    fn normalise(&self, v: f64) -> f64 {
        if self.scale > 0.0 && self.scale.is_finite() { (v / self.scale).clamp(-1.0, 1.0) } else { 0.0 }
    }

    fn aggregate(&self, rows: Range<usize>, cols: Range<usize>, mask: Option<&[bool]>) -> Agg {
        let ncols = self.values.ncols();
        let cursor = self.cursor.is_some_and(|(r, c)| rows.contains(&r) && cols.contains(&c));
        let mut agg = Agg { value: 0.0, non_finite: None, unchanged: false, cursor };
        let mut best = 0.0;
        for (r, row) in rows.clone().zip(self.values.slice(s![rows, cols.clone()]).rows()) {
            for &v in row {
                if v.is_finite() {
                    let a = v.abs();
                    if a > best {
                        best = a;
                        agg.value = v;
                    }
                } else if agg.non_finite.is_none() {
                    agg.non_finite = Some(v);
                }
            }
            if let Some(m) = mask
                && !agg.unchanged
            {
                let start = r * ncols;
                agg.unchanged =
                    m.get(start + cols.start..start + cols.end).is_some_and(|s| s.contains(&true));
            }
        }
        agg
    }

    /// The unit's colour (the cursor does not change it).
    fn color(&self, agg: &Agg, mask_view: bool) -> Color {
        let p = self.palette;
        if agg.non_finite.is_some() {
            p.non_finite()
        } else if mask_view && agg.unchanged {
            p.highlight()
        } else if agg.value == 0.0 {
            p.zero()
        } else if mask_view {
            p.dimmed(self.normalise(agg.value))
        } else {
            p.color(self.normalise(agg.value))
        }
    }

    /// Shows only exact zeros, drawn in the zero colour (so it gets the `·`).
    fn plain_zero(agg: &Agg, mask_view: bool) -> bool {
        agg.non_finite.is_none() && agg.value == 0.0 && !(mask_view && agg.unchanged)
    }

    fn mono_cell(&self, agg: &Agg, mask_view: bool) -> [char; 2] {
        let [glyph, mark] = if let Some(nf) = agg.non_finite {
            ['!', sign_mark(nf)]
        } else if agg.value == 0.0 {
            [ZERO_DOT, ' ']
        } else {
            [mono_glyph(self.normalise(agg.value)), sign_mark(agg.value)]
        };
        if mask_view && agg.unchanged && agg.non_finite.is_none() { ['○', mark] } else { [glyph, mark] }
    }

    fn cursor_style(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.palette.mode().is_mono() { s } else { s.fg(self.palette.cursor()) }
    }

    fn render_labels(&self, g: &Geometry, buf: &mut Buffer) {
        let dim = Style::new().add_modifier(Modifier::DIM);
        let on = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        let cursor = self.cursor.filter(|&(r, c)| r < g.rows.n && c < g.cols.n);
        if g.header && g.cols.n > 1 && g.cols.block == 1 {
            let width = g.cell_width();
            let (_, vis) = g.visible();
            if digits(vis.end - 1 + FIRST_INDEX) < width {
                for c in vis {
                    let Some((x, _)) = g.cell_of(0, c) else { continue };
                    let style = if cursor.is_some_and(|k| k.1 == c) { on } else { dim };
                    put_centred(buf, x, g.area.y, width, &(c + FIRST_INDEX).to_string(), style);
                }
            }
        }
        if g.label_w > 0 {
            let (vis, _) = g.visible();
            let w = usize::from(g.label_w - 1);
            for r in vis {
                let Some((_, y)) = g.cell_of(r, 0) else { continue };
                let style = if cursor.is_some_and(|k| k.0 == r) { on } else { dim };
                let label = if self.class_rows { r } else { r + FIRST_INDEX };
                let text = format!("{label:>w$}");
                for (i, ch) in text.chars().enumerate() {
                    set(buf, g.area.x + i as u16, y, ch, style);
                }
            }
        }
    }

    fn render_numbers(&self, g: &Geometry, buf: &mut Buffer) {
        let mask = self.mask();
        let mask_view = mask.is_some();
        let mono = g.mono;
        let cw = g.unit_w;
        for r in g.rows.visible() {
            for c in g.cols.visible() {
                let Some((x, y)) = g.cell_of(r, c) else { continue };
                let agg = self.aggregate(r..r + 1, c..c + 1, mask);
                let (bg, ink) = if mono {
                    (Color::Reset, Color::Reset)
                } else {
                    let bg = self.color(&agg, mask_view);
                    (bg, self.palette.ink(bg))
                };
                let fill = Style::new().bg(bg).fg(ink);
                // Mono: keep a column free so neighbouring numbers never run together.
                let text = cell_number(agg.shown(), if mono { cw - 1 } else { cw });
                let mut text_style = fill;
                if mono && mask_view && !agg.unchanged {
                    text_style = text_style.add_modifier(Modifier::DIM);
                }
                for dx in 0..cw {
                    set(buf, x + dx as u16, y, ' ', fill);
                }
                if agg.cursor {
                    text_style = text_style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
                }
                put_centred(buf, x, y, cw, &text, text_style);
                let n = text.chars().count();
                if agg.cursor && n + 2 <= cw {
                    let bracket = fill.patch(self.cursor_style());
                    set(buf, x, y, '[', bracket);
                    set(buf, x + cw as u16 - 1, y, ']', bracket);
                } else if mono && mask_view && agg.unchanged && n + 2 <= cw {
                    set(buf, x, y, '○', fill);
                }
            }
        }
    }

    fn render_colour(&self, g: &Geometry, buf: &mut Buffer) {
        let mask = self.mask();
        let mask_view = mask.is_some();
        let p = self.palette;
        let (ox, oy) = g.origin();
        let sw = g.cols.stretch;
        for ty in 0..g.rows.units.div_ceil(2) {
            let upper = g.rows.range(2 * ty);
            let lower = (2 * ty + 1 < g.rows.units).then(|| g.rows.range(2 * ty + 1));
            let y = oy + ty as u16;
            for ux in 0..g.cols.units {
                let cols = g.cols.range(ux);
                let x = ox + ux as u16;
                // Position of this column within its (stretched) element.
                let pos = ux % sw;
                let ua = self.aggregate(upper.clone(), cols.clone(), mask);
                let fg = self.color(&ua, mask_view);
                let la = match &lower {
                    Some(l) if *l != upper => Some(self.aggregate(l.clone(), cols, mask)),
                    _ => None,
                };
                let full = lower.as_ref().is_some_and(|l| *l == upper);
                match la {
                    None if full => {
                        // One element (block) fills the cell.
                        if ua.cursor {
                            let ch = match (sw, pos) {
                                (1, _) => '◆',
                                (_, 0) => '[',
                                (_, q) if q == sw - 1 => ']',
                                _ if Self::plain_zero(&ua, mask_view) && pos == (sw - 1) / 2 => ZERO_DOT,
                                _ => ' ',
                            };
                            set(buf, x, y, ch, Style::new().bg(fg).patch(self.cursor_style()));
                        } else if Self::plain_zero(&ua, mask_view) {
                            let ch = if pos == (sw - 1) / 2 { ZERO_DOT } else { ' ' };
                            let mark = if ch == ZERO_DOT { p.zero_mark() } else { fg };
                            set(buf, x, y, ch, Style::new().fg(mark).bg(fg));
                        } else {
                            set(buf, x, y, HALF, Style::new().fg(fg).bg(fg));
                        }
                    }
                    None => set(buf, x, y, HALF, Style::new().fg(fg).bg(Color::Reset)),
                    Some(la) => {
                        let bg = self.color(&la, mask_view);
                        let edge = pos == 0 || pos == sw - 1;
                        if (ua.cursor || la.cursor) && (sw == 1 || edge) {
                            // The marker sits on the cursor's own colour; a wide element keeps
                            // both halves between its brackets.
                            let under = if ua.cursor { fg } else { bg };
                            let ch = match (sw, pos) {
                                (1, _) => '◆',
                                (_, 0) => '[',
                                _ => ']',
                            };
                            set(buf, x, y, ch, Style::new().bg(under).patch(self.cursor_style()));
                        } else if Self::plain_zero(&ua, mask_view) && Self::plain_zero(&la, mask_view) {
                            let ch = if pos == (sw - 1) / 2 { ZERO_DOT } else { ' ' };
                            set(buf, x, y, ch, Style::new().fg(p.zero_mark()).bg(fg));
                        } else {
                            set(buf, x, y, HALF, Style::new().fg(fg).bg(bg));
                        }
                    }
                }
            }
        }
    }

    fn render_mono(&self, g: &Geometry, buf: &mut Buffer) {
        let mask = self.mask();
        let (ox, oy) = g.origin();
        for uy in 0..g.rows.units {
            let rows = g.rows.range(uy);
            let y = oy + uy as u16;
            for ux in 0..g.cols.units {
                let agg = self.aggregate(rows.clone(), g.cols.range(ux), mask);
                let chars = self.mono_cell(&agg, mask.is_some());
                let style = if agg.cursor {
                    Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                } else {
                    Style::new()
                };
                let x = ox + (2 * ux) as u16;
                for (dx, ch) in (0u16..).zip(chars) {
                    set(buf, x + dx, y, ch, style);
                }
            }
        }
    }
}

impl Widget for &Heatmap<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let g = self.geometry(area);
        if g.used().is_empty() {
            return;
        }
        self.render_labels(&g, buf);
        if g.numbers {
            self.render_numbers(&g, buf);
        } else if g.mono {
            self.render_mono(&g, buf);
        } else {
            self.render_colour(&g, buf);
        }
    }
}

impl Widget for Heatmap<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        (&self).render(area, buf);
    }
}

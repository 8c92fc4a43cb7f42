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
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub use super::text::FIRST_INDEX;
use crate::theme::{ColorMode, Palette, mono_glyph};

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

/// Layout of one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Axis {
    /// Elements along this axis.
    n: usize,
    /// Elements per unit (≥ 1).
    block: usize,
    /// Units per element (≥ 1; > 1 only when `block == 1`).
    stretch: usize,
    /// First visible element (a multiple of `block`).
    first: usize,
    /// Units actually drawn.
    units: usize,
}

impl Axis {
    fn new(n: usize, avail: usize, zoom: u32, cursor: Option<usize>, max_stretch: usize) -> Axis {
        if n == 0 || avail == 0 {
            return Axis { n, block: 1, stretch: 1, first: 0, units: 0 };
        }
        let block0 = n.div_ceil(avail);
        let block = if zoom >= usize::BITS { 1 } else { block0.div_ceil(1usize << zoom) }.max(1);
        let stretch = if block == 1 { (avail / n).clamp(1, max_stretch.max(1)) } else { 1 };
        let blocks = n.div_ceil(block);
        if blocks * stretch <= avail {
            return Axis { n, block, stretch, first: 0, units: blocks * stretch };
        }
        // Does not fit (so stretch is 1): scroll to centre the cursor's block, clamped.
        let first_block = cursor.map_or(0, |c| (c / block).saturating_sub(avail / 2)).min(blocks - avail);
        Axis { n, block, stretch: 1, first: first_block * block, units: avail }
    }

    /// Every element in its own unit.
    fn whole(n: usize) -> Axis {
        Axis { n, block: 1, stretch: 1, first: 0, units: n }
    }

    /// Elements shown by unit `u` (`u < units`).
    fn range(&self, u: usize) -> Range<usize> {
        let start = self.first + (u / self.stretch) * self.block;
        start..(start + self.block).min(self.n)
    }

    /// First unit showing element `e`, if visible.
    fn unit_of(&self, e: usize) -> Option<usize> {
        if e < self.first || e >= self.n {
            return None;
        }
        let u = (e - self.first) / self.block * self.stretch;
        (u < self.units).then_some(u)
    }

    fn visible(&self) -> Range<usize> {
        if self.units == 0 { 0..0 } else { self.first..self.range(self.units - 1).end }
    }
}

/// Pure layout of a `rows × cols` matrix in an area; see the [module docs](self) for the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    area: Rect,
    mono: bool,
    numbers: bool,
    /// Terminal columns per unit.
    unit_w: usize,
    /// Units per terminal row.
    sub_h: usize,
    /// Columns left of the cells holding the row labels (and a gap); 0 = none.
    label_w: u16,
    /// A row above the cells for the column labels.
    header: bool,
    rows: Axis,
    cols: Axis,
}

fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Lays out a `rows × cols` matrix in `area` at `zoom`, following `cursor` when scrolled.
pub fn geometry(
    rows: usize,
    cols: usize,
    area: Rect,
    zoom: u32,
    cursor: Option<(usize, usize)>,
    mode: ColorMode,
) -> Geometry {
    let mono = mode.is_mono();
    let cursor = cursor.filter(|&(r, c)| r < rows && c < cols);
    let (w, h) = (usize::from(area.width), usize::from(area.height));
    // Labels need a terminal row per matrix row under the header row.
    let header = rows > 0 && cols > 0 && h > rows;
    let hdr = usize::from(header);
    let lw = if header && cols > 1 { digits(rows - 1 + FIRST_INDEX) + 1 } else { 0 };
    let base = Geometry {
        area,
        mono,
        numbers: false,
        unit_w: 1,
        sub_h: 1,
        label_w: 0,
        header,
        rows: Axis::whole(0),
        cols: Axis::whole(0),
    };
    if rows > 0 && cols > 0 && h - hdr >= rows {
        for label_w in [lw, 0] {
            let cw = w.saturating_sub(label_w) / cols;
            if cw >= MIN_NUMBER_COLS {
                return Geometry {
                    numbers: true,
                    unit_w: cw.min(MAX_NUMBER_COLS),
                    label_w: label_w as u16,
                    rows: Axis::whole(rows),
                    cols: Axis::whole(cols),
                    ..base
                };
            }
        }
    }
    let (sub_h, unit_w, max_r, max_c) =
        if mono { (1, 2, 1, 1) } else { (2, 1, MAX_STRETCH_ROWS, MAX_STRETCH_COLS) };
    let r_axis = Axis::new(rows, (h - hdr) * sub_h, zoom, cursor.map(|c| c.0), max_r);
    let c_axis = |label_w: usize| {
        Axis::new(cols, w.saturating_sub(label_w) / unit_w, zoom, cursor.map(|c| c.1), max_c)
    };
    let (plain, labelled) = (c_axis(0), c_axis(lw));
    let (label_w, cols_axis) = if lw > 0 && labelled.block == plain.block && labelled.units > 0 {
        (lw, labelled)
    } else {
        (0, plain)
    };
    Geometry { unit_w, sub_h, label_w: label_w as u16, rows: r_axis, cols: cols_axis, ..base }
}

impl Geometry {
    /// The area this geometry was computed for.
    pub fn area(&self) -> Rect {
        self.area
    }

    /// Whether each value is printed in its cell.
    pub fn numbers(&self) -> bool {
        self.numbers
    }

    /// Whether row and column labels are drawn (the top row, and the left columns for matrices).
    pub fn labelled(&self) -> (bool, bool) {
        (self.label_w > 0, self.header)
    }

    /// Elements per unit (rows, cols); a unit is a half-cell in colour modes, a 2-column cell in
    /// Mono, a number cell in number mode. (1, 1) when nothing is aggregated.
    pub fn block(&self) -> (usize, usize) {
        (self.rows.block, self.cols.block)
    }

    /// Units per element (rows, cols) when a small matrix is stretched; (1, 1) otherwise.
    pub fn stretch(&self) -> (usize, usize) {
        (self.rows.stretch, self.cols.stretch)
    }

    /// Terminal columns per element (or block).
    pub fn cell_width(&self) -> usize {
        self.unit_w * self.cols.stretch
    }

    /// Visible element ranges (rows, cols).
    pub fn visible(&self) -> (Range<usize>, Range<usize>) {
        (self.rows.visible(), self.cols.visible())
    }

    /// Top-left terminal cell of the matrix's cells (after the labels).
    fn origin(&self) -> (u16, u16) {
        (self.area.x + self.label_w, self.area.y + u16::from(self.header))
    }

    /// The part of the area actually drawn (top-left aligned), labels included.
    pub fn used(&self) -> Rect {
        if self.rows.units == 0 || self.cols.units == 0 {
            return Rect::new(self.area.x, self.area.y, 0, 0);
        }
        let w = self.label_w + (self.cols.units * self.unit_w) as u16;
        let h = u16::from(self.header) + self.rows.units.div_ceil(self.sub_h) as u16;
        Rect::new(self.area.x, self.area.y, w, h).intersection(self.area)
    }

    /// Unit coordinates (row unit of the upper half, column unit) of a terminal cell.
    fn units_at(&self, x: u16, y: u16) -> Option<(usize, usize)> {
        let (ox, oy) = self.origin();
        if !self.area.contains(Position::new(x, y)) || x < ox || y < oy {
            return None;
        }
        let uy = usize::from(y - oy) * self.sub_h;
        let ux = usize::from(x - ox) / self.unit_w;
        (uy < self.rows.units && ux < self.cols.units).then_some((uy, ux))
    }

    /// The element shown at terminal cell (x, y): the first (top-left) element of the block in its
    /// upper half (colour modes) or in the cell (Mono, numbers). `None` outside the cells.
    pub fn element_at(&self, x: u16, y: u16) -> Option<(usize, usize)> {
        let (uy, ux) = self.units_at(x, y)?;
        Some((self.rows.range(uy).start, self.cols.range(ux).start))
    }

    /// All elements drawn in terminal cell (x, y) (both halves in colour modes).
    pub fn elements_at(&self, x: u16, y: u16) -> Option<(Range<usize>, Range<usize>)> {
        let (uy, ux) = self.units_at(x, y)?;
        let last = (uy + self.sub_h - 1).min(self.rows.units - 1);
        Some((self.rows.range(uy).start..self.rows.range(last).end, self.cols.range(ux)))
    }

    /// The (first, top-left) terminal cell drawing element (row, col), if visible.
    pub fn cell_of(&self, row: usize, col: usize) -> Option<(u16, u16)> {
        let uy = self.rows.unit_of(row)?;
        let ux = self.cols.unit_of(col)?;
        let (ox, oy) = self.origin();
        Some((ox + (ux * self.unit_w) as u16, oy + (uy / self.sub_h) as u16))
    }

    /// Human-readable zoom level: `"1:1"`, `"7×14 per cell"`, `"1:1 (×4 wide, ×2 tall)"`,
    /// `"values"` in number mode.
    pub fn zoom_label(&self) -> String {
        if self.numbers {
            return "values".to_string();
        }
        let (br, bc) = self.block();
        let mut label = if (br, bc) == (1, 1) { "1:1".to_string() } else { format!("{br}×{bc} per cell") };
        let (sr, sc) = self.stretch();
        let parts: Vec<String> = [(sc, "wide"), (sr, "tall")]
            .into_iter()
            .filter(|&(f, _)| f > 1)
            .map(|(f, what)| format!("×{f} {what}"))
            .collect();
        if !parts.is_empty() {
            label.push_str(&format!(" ({})", parts.join(", ")));
        }
        label
    }
}

/// A value as printed in a number cell of at most `max` columns: 3 significant digits without
/// trailing zeros (`0.123`, `-1.48`, `12.3`, `123`, `1.5`), whole numbers without decimals (`1`,
/// `60`, `-4`, `1234`), exact 0 as `0`, `NaN`, `inf`, `-inf`; scientific (`1.23e-5`, `4.5e6`)
/// outside [0.01, 1000), with fewer digits when that is what fits. Never longer than needed; may
/// be longer than `max` only when nothing fits (`max` < 4).
pub fn cell_number(v: f64, max: usize) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let trim = |s: String| {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
    };
    let a = v.abs();
    let mut candidates = Vec::with_capacity(5);
    if v.fract() == 0.0 && a < 1e9 {
        candidates.push(format!("{v:.0}"));
    }
    // The decimal exponent after rounding to 3 significant digits.
    let exp: i32 = format!("{a:.2e}").split('e').nth(1).and_then(|e| e.parse().ok()).unwrap_or(0);
    if (-2..=2).contains(&exp) {
        // 3 significant digits, then fewer while at least one is left.
        let decimals = (2 - exp) as usize;
        let least = usize::try_from(-exp).unwrap_or(0);
        for d in (least..=decimals).rev() {
            candidates.push(trim(format!("{v:.d$}")));
        }
    }
    for digits in [2usize, 1, 0] {
        let s = format!("{v:.digits$e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        candidates.push(format!("{}e{e}", trim(m.to_string())));
    }
    candidates
        .iter()
        .find(|c| c.chars().count() <= max)
        .or_else(|| candidates.iter().min_by_key(|c| c.chars().count()))
        .cloned()
        .unwrap_or_default()
}

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

/// `scale` as shown in legends: 2 decimals in [0.01, 1000), else scientific (`3.4e-3`).
fn fmt_scale(scale: f64) -> String {
    let a = scale.abs();
    if !scale.is_finite() {
        format!("{a}")
    } else if a == 0.0 {
        "0".to_string()
    } else if (0.01..1000.0).contains(&a) {
        format!("{a:.2}")
    } else {
        format!("{a:.1e}")
    }
}

/// Normalised values of the legend swatches on each side of 0.
const SWATCHES: [f64; 5] = [1.0, 0.8, 0.6, 0.4, 0.2];
/// Mono: one swatch per ramp glyph.
const MONO_SWATCHES: [f64; 4] = [1.0, 0.75, 0.5, 0.25];

/// The full colour key for `scale`:
/// `"red −0.53 █████ 0 █████ +0.53 blue  · = 0  █ = NaN/∞"` in colour (negative = red, positive =
/// blue, the `·` on black is an exact 0); in Mono the glyph ramp with sign marks,
/// `"-0.53 █-▓-▒-░- 0 ░+▒+▓+█+ +0.53  · = 0  ! = NaN/∞"`.
pub fn legend(scale: f64, palette: &Palette) -> Line<'static> {
    let s = fmt_scale(scale);
    if palette.mode().is_mono() {
        let neg: String = MONO_SWATCHES.iter().flat_map(|&t| [mono_glyph(t), '-']).collect();
        let pos: String = MONO_SWATCHES.iter().rev().flat_map(|&t| [mono_glyph(t), '+']).collect();
        return Line::from(format!("-{s} {neg} 0 {pos} +{s}  · = 0  ! = NaN/∞"));
    }
    let swatch = |c: Color| Span::styled("█", Style::new().fg(c));
    let mut spans = vec![Span::raw(format!("red −{s} "))];
    spans.extend(SWATCHES.iter().map(|&t| swatch(palette.color(-t))));
    spans.push(Span::raw(" 0 "));
    spans.extend(SWATCHES.iter().rev().map(|&t| swatch(palette.color(t))));
    spans.push(Span::raw(format!(" +{s} blue  ")));
    spans.push(zero_swatch(palette));
    spans.push(Span::raw(" = 0  "));
    spans.push(swatch(palette.non_finite()));
    spans.push(Span::raw(" = NaN/∞"));
    Line::from(spans)
}

fn zero_swatch(palette: &Palette) -> Span<'static> {
    Span::styled(ZERO_DOT.to_string(), Style::new().fg(palette.zero_mark()).bg(palette.zero()))
}

/// The longest key that fits in `width` columns. Every one down to 14 columns says the sign
/// convention in words: the full [`legend`], then `"blue + red − ·=0 ±0.53"`, `"+blue −red
/// ±0.53"`; below that only `"±0.53"`. Mono: `"+ pos - neg ·=0 ±0.53"`, `"+pos -neg ±0.53"`.
pub fn legend_for_width(scale: f64, palette: &Palette, width: usize) -> Line<'static> {
    let s = fmt_scale(scale);
    let full = legend(scale, palette);
    let styled = |text: &str, c: Color| Span::styled(text.to_string(), Style::new().fg(c));
    let (blue, red) = (palette.color(1.0), palette.color(-1.0));
    let tiers: Vec<Line<'static>> = if palette.mode().is_mono() {
        vec![
            full,
            Line::from(format!("+ pos - neg ·=0 ±{s}")),
            Line::from(format!("+pos -neg ±{s}")),
            Line::from(format!("±{s}")),
        ]
    } else {
        vec![
            full,
            Line::from(vec![
                styled("blue +", blue),
                Span::raw(" "),
                styled("red −", red),
                Span::raw(" "),
                zero_swatch(palette),
                Span::raw(format!("=0 ±{s}")),
            ]),
            Line::from(vec![
                styled("+blue", blue),
                Span::raw(" "),
                styled("−red", red),
                Span::raw(format!(" ±{s}")),
            ]),
            Line::from(format!("±{s}")),
        ]
    };
    let last = tiers.len() - 1;
    tiers
        .into_iter()
        .enumerate()
        .find(|(i, l)| l.width() <= width || *i == last)
        .map(|(_, l)| l)
        .unwrap_or_default()
}

/// The key for the mask view: highlight = unchanged since step 0, dimmed = changed.
pub fn mask_legend(palette: &Palette) -> Line<'static> {
    if palette.mode().is_mono() {
        return Line::from("○ = unchanged since step 0");
    }
    Line::from(vec![
        Span::styled("█", Style::new().fg(palette.highlight())),
        Span::raw(" unchanged since step 0  "),
        Span::styled("█", Style::new().fg(palette.dimmed(0.0))),
        Span::raw(" changed (dimmed)"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};
    use proptest::prelude::*;

    fn render(h: &Heatmap<'_>, w: u16, ht: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, w, ht));
        h.render(buf.area, &mut buf);
        buf
    }

    fn row_text(buf: &Buffer, y: u16) -> String {
        (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()
    }

    fn fg_bg(buf: &Buffer, x: u16, y: u16) -> (Color, Color) {
        (buf[(x, y)].fg, buf[(x, y)].bg)
    }

    #[test]
    fn two_by_two_truecolor_exact_cells() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[1.0, -1.0], [0.0, 1e-9]];
        let buf = render(&Heatmap::new(m.view(), 1.0, &p), 2, 1);
        assert_eq!(buf[(0, 0)].symbol(), "▀");
        assert_eq!(buf[(1, 0)].symbol(), "▀");
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(1.0), p.zero()));
        assert_eq!(fg_bg(&buf, 1, 0), (p.color(-1.0), p.color(0.0)));
        // Positive end bright blue, negative end bright red-orange, exact zero black, 1e-9 dark grey.
        assert_eq!(p.color(1.0), Color::Rgb(96, 170, 255));
        assert_eq!(p.color(-1.0), Color::Rgb(255, 128, 64));
        assert_eq!(p.color(1e-9), Color::Rgb(74, 74, 74));
        assert_eq!(p.zero(), Color::Rgb(0, 0, 0));
        assert_ne!(buf[(0, 0)].bg, buf[(1, 0)].bg, "exact zero must differ from 1e-9");
    }

    #[test]
    fn odd_rows_leave_lower_half_default() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[1.0, -1.0], [0.5, -0.5], [0.25, 0.0]];
        // 2 wide × 2 tall: 4 half-rows available, 3 rows → 1:1, no stretch (4/3 = 1).
        let h = Heatmap::new(m.view(), 1.0, &p);
        assert_eq!(h.geometry(Rect::new(0, 0, 2, 2)).stretch(), (1, 1));
        let buf = render(&h, 2, 2);
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(1.0), p.color(0.5)));
        assert_eq!(fg_bg(&buf, 0, 1), (p.color(0.25), Color::Reset));
        assert_eq!(fg_bg(&buf, 1, 1), (p.zero(), Color::Reset));
        assert_eq!(buf[(1, 1)].symbol(), "▀");
    }

    #[test]
    fn small_matrix_is_stretched_and_labelled() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[1.0, -1.0], [0.5, -0.5], [0.25, 0.0]];
        let h = Heatmap::new(m.view(), 1.0, &p);
        // 11 columns: too narrow for numbers (2 columns of 6 after the labels), room for ×4.
        let g = h.geometry(Rect::new(0, 0, 11, 20));
        assert!(!g.numbers());
        assert_eq!(g.labelled(), (true, true));
        assert_eq!(g.block(), (1, 1));
        assert_eq!(g.stretch(), (2, 4));
        assert_eq!(g.used(), Rect::new(0, 0, 10, 4));
        assert_eq!(g.zoom_label(), "1:1 (×4 wide, ×2 tall)");
        let buf = render(&h, 11, 20);
        // Column labels centred over their 4 columns, row labels on the left.
        assert_eq!(row_text(&buf, 0), "   1   2   ");
        assert_eq!(buf[(0, 1)].symbol(), "1");
        assert_eq!(buf[(0, 3)].symbol(), "3");
        for x in 2..6 {
            assert_eq!(fg_bg(&buf, x, 1), (p.color(1.0), p.color(1.0)));
        }
        // The exact zero: black with a · in the middle of its 4 columns.
        assert_eq!(row_text(&buf, 3).chars().skip(6).take(4).collect::<String>(), " ·  ");
        for x in 6..10 {
            assert_eq!(buf[(x, 3)].bg, p.zero());
        }
        assert_eq!(buf[(7, 3)].fg, p.zero_mark());
        assert_eq!(fg_bg(&buf, 7, 2), (p.color(-0.5), p.color(-0.5)));
        assert_eq!(g.element_at(7, 2), Some((1, 1)));
        assert_eq!(g.element_at(9, 3), Some((2, 1)));
        assert_eq!(g.element_at(10, 1), None);
        assert_eq!(g.element_at(0, 1), None, "a label is no element");
        assert_eq!(g.element_at(2, 0), None, "a label is no element");
        assert_eq!(g.element_at(2, 4), None);
        assert_eq!(g.cell_of(2, 1), Some((6, 3)));
        // Outside the used part the buffer is untouched.
        assert_eq!(buf[(10, 1)], ratatui::buffer::Cell::EMPTY);
        assert_eq!(buf[(0, 4)], ratatui::buffer::Cell::EMPTY);
    }

    #[test]
    fn vectors_as_row_and_column() {
        let p = Palette::new(ColorMode::TrueColor);
        let v = ndarray::arr1(&[1.0, 0.0, -0.5]);
        let row = v.view().insert_axis(ndarray::Axis(0));
        let col = v.view().insert_axis(ndarray::Axis(1));
        let g = Heatmap::new(row, 1.0, &p).geometry(Rect::new(0, 0, 10, 1));
        assert_eq!((g.block(), g.stretch()), ((1, 1), (2, 3)));
        let buf = render(&Heatmap::new(col, 1.0, &p), 1, 3);
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(1.0), p.color(1.0)));
        assert_eq!((buf[(0, 1)].symbol(), buf[(0, 1)].bg), ("·", p.zero()));
        assert_eq!(fg_bg(&buf, 0, 2), (p.color(-0.5), p.color(-0.5)));
        // A column vector with room gets numbers, and no row labels of its own.
        let buf = render(&Heatmap::new(col, 1.0, &p), 8, 4);
        let g = Heatmap::new(col, 1.0, &p).geometry(buf.area);
        assert!(g.numbers());
        assert_eq!(g.labelled(), (false, true));
        assert_eq!(row_text(&buf, 0), "        ");
        assert_eq!(row_text(&buf, 1), "   1    ");
        assert_eq!(row_text(&buf, 2), "   0    ");
        assert_eq!(row_text(&buf, 3), "  -0.5  ");
    }

    #[test]
    fn aggregation_block_sizes_and_sign_of_largest() {
        let p = Palette::new(ColorMode::TrueColor);
        let mut m = Array2::<f64>::zeros((256, 784));
        m[[0, 0]] = 0.1;
        m[[3, 5]] = -0.9;
        m[[7, 0]] = 1e-12; // second half-row of cell (0, 0): tiny but not zero
        let h = Heatmap::new(m.view(), 1.0, &p);
        let g = h.geometry(Rect::new(0, 0, 60, 20));
        // ceil(256 / 40) = 7, ceil(784 / 60) = 14.
        assert_eq!(g.block(), (7, 14));
        assert_eq!(g.zoom_label(), "7×14 per cell");
        assert_eq!(g.visible(), (0..256, 0..784));
        assert_eq!(g.used(), Rect::new(0, 0, 56, 19));
        let buf = render(&h, 60, 20);
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(-0.9), p.color(0.0)));
        // All zeros in both halves: black with a ·.
        assert_eq!((buf[(1, 0)].symbol(), fg_bg(&buf, 1, 0)), ("·", (p.zero_mark(), p.zero())));
        assert_eq!(g.element_at(1, 0), Some((0, 14)));
        assert_eq!(g.elements_at(1, 0), Some((0..14, 14..28)));
        // Last cell row: units 36 (rows 252..256) and nothing below.
        assert_eq!(g.elements_at(55, 18), Some((252..256, 770..784)));
        assert_eq!(buf[(55, 18)].bg, Color::Reset);
    }

    #[test]
    fn aggregation_of_non_finite_and_ties() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[0.5, -0.5, 0.0, 0.0], [f64::NAN, 0.2, 0.0, 0.0]];
        // 1 column and 1 row: blocks of 1×4 (two half-rows).
        let buf = render(&Heatmap::new(m.view(), 1.0, &p), 1, 1);
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(0.5), p.non_finite()));
    }

    #[test]
    fn zoom_halves_block_and_follows_cursor() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = Array2::from_shape_fn((256, 784), |(r, c)| ((r * 784 + c) as f64).sin());
        let area = Rect::new(0, 0, 60, 20);
        let g = |zoom, cursor| geometry(256, 784, area, zoom, cursor, ColorMode::TrueColor);
        assert_eq!(g(1, None).block(), (4, 7));
        assert_eq!(g(2, None).block(), (2, 4));
        assert_eq!(g(3, None).block(), (1, 2));
        assert_eq!(g(4, None).block(), (1, 1));
        assert_eq!(g(40, None).block(), (1, 1));
        assert_eq!(g(4, None).zoom_label(), "1:1");
        // Zoom 1 no longer fits: 64 blocks of rows for 40 half-rows; no cursor → top-left.
        assert_eq!(g(1, None).visible(), (0..160, 0..420));
        // Cursor in the middle: centred.
        let geo = g(4, Some((128, 400)));
        assert_eq!(geo.visible(), (108..148, 370..430));
        assert_eq!(geo.cell_of(128, 400), Some((30, 10)));
        assert_eq!(geo.element_at(30, 10), Some((128, 400)));
        // Clamped at the edges.
        assert_eq!(g(4, Some((255, 783))).visible(), (216..256, 724..784));
        assert_eq!(g(4, Some((1, 2))).visible(), (0..40, 0..60));
        // Rendering follows: the cursor's cell has a marker over the cursor's own colour.
        let h = Heatmap::new(m.view(), 1.0, &p).with_zoom(4).with_cursor(Some((129, 400)));
        let buf = render(&h, 60, 20);
        assert_eq!(h.geometry(area).visible(), (109..149, 370..430));
        assert_eq!(buf[(30, 10)].symbol(), "◆");
        assert_eq!(fg_bg(&buf, 30, 10), (p.cursor(), p.color(m[[129, 400]])));
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(m[[109, 370]]), p.color(m[[110, 370]])));
    }

    #[test]
    fn cursor_is_a_marker_over_the_value() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[1.0, -1.0], [0.0, 1e-9]];
        // Half-cells: a ◆ in the cursor colour on the cursor element's own colour.
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_cursor(Some((1, 0))), 2, 1);
        assert_eq!((buf[(0, 0)].symbol(), fg_bg(&buf, 0, 0)), ("◆", (p.cursor(), p.zero())));
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_cursor(Some((0, 1))), 2, 1);
        assert_eq!((buf[(1, 0)].symbol(), fg_bg(&buf, 1, 0)), ("◆", (p.cursor(), p.color(-1.0))));
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(1.0), p.zero()), "other cells untouched");
        // Aggregated: the cell of the block containing the cursor is marked.
        let big = Array2::<f64>::ones((8, 8));
        let buf = render(&Heatmap::new(big.view(), 1.0, &p).with_cursor(Some((5, 6))), 2, 1);
        assert_eq!((buf[(1, 0)].symbol(), fg_bg(&buf, 1, 0)), ("◆", (p.cursor(), p.color(1.0))));
        assert_eq!(buf[(0, 0)].symbol(), "▀");
        // Stretched cells: [ … ] around the value's colour, which fills the middle.
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_cursor(Some((0, 1))), 8, 2);
        assert_eq!(row_text(&buf, 0), "▀▀▀▀[  ]");
        for x in 4..8 {
            assert_eq!(buf[(x, 0)].bg, p.color(-1.0));
        }
        assert_eq!((buf[(4, 0)].fg, buf[(7, 0)].fg), (p.cursor(), p.cursor()));
        // Out of range: ignored.
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_cursor(Some((9, 9))), 2, 1);
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(1.0), p.zero()));
    }
    #[test]
    fn mask_view_highlights_unchanged_and_dims_the_rest() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[1.0, -0.5, 0.0, 0.0], [0.3, 0.0, 0.0, 2.0]];
        let mask = [true, false, false, false, false, false, true, false];
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_highlight(Some(&mask)), 4, 1);
        assert_eq!(fg_bg(&buf, 0, 0), (p.highlight(), p.dimmed(0.3)));
        assert_eq!(fg_bg(&buf, 1, 0), (p.dimmed(-0.5), p.zero()));
        assert_eq!(fg_bg(&buf, 2, 0), (p.zero(), p.highlight()));
        assert_eq!(fg_bg(&buf, 3, 0), (p.zero(), p.dimmed(1.0)));
        // Aggregated: any unchanged element highlights the block.
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_highlight(Some(&mask)), 2, 1);
        assert_eq!(fg_bg(&buf, 0, 0), (p.highlight(), p.dimmed(0.3)));
        assert_eq!(fg_bg(&buf, 1, 0), (p.zero(), p.highlight()));
        // A mask of the wrong length is ignored.
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_highlight(Some(&mask[..3])), 4, 1);
        assert_eq!(fg_bg(&buf, 0, 0), (p.color(1.0), p.color(0.3)));
    }

    #[test]
    fn mono_glyphs() {
        let p = Palette::new(ColorMode::Mono);
        let m = array![[0.5, -1.0, 0.0]];
        let h = Heatmap::new(m.view(), 1.0, &p);
        let buf = render(&h, 7, 1);
        assert_eq!(row_text(&buf, 0), "▒+█-·  ");
        assert!(buf.content.iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
        assert!(buf.content.iter().all(|c| c.modifier.is_empty()));
        // A spare row: column labels (dim text, still no colour).
        let buf = render(&h, 7, 2);
        assert_eq!(row_text(&buf, 0), "1 2 3  ");
        assert_eq!(row_text(&buf, 1), "▒+█-·  ");
        assert!(buf.content.iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
        assert_eq!(h.geometry(buf.area).element_at(0, 0), None);
        assert_eq!(h.geometry(buf.area).element_at(0, 1), Some((0, 0)));
        let g = h.geometry(Rect::new(0, 0, 7, 1));
        assert_eq!((g.block(), g.stretch()), ((1, 1), (1, 1)));
        assert_eq!(g.element_at(3, 0), Some((0, 1)));
        assert_eq!(g.element_at(6, 0), None);
        assert_eq!(g.cell_of(0, 2), Some((4, 0)));
    }

    #[test]
    fn mono_special_cells() {
        let p = Palette::new(ColorMode::Mono);
        let m = array![[f64::NAN, f64::NEG_INFINITY, 0.1, -0.6], [0.0, 1.0, 0.0, 0.0]];
        let mask = [false, false, false, true, true, false, false, false];
        let h = Heatmap::new(m.view(), 1.0, &p).with_cursor(Some((1, 1))).with_highlight(Some(&mask));
        let buf = render(&h, 8, 2);
        assert_eq!(row_text(&buf, 0), "! !-░+○-");
        // The cursor keeps the glyph and sign, bold and underlined.
        assert_eq!(row_text(&buf, 1), "○ █+· · ");
        let marked = Modifier::BOLD | Modifier::UNDERLINED;
        assert!(buf[(2, 1)].modifier.contains(marked));
        assert!(buf[(3, 1)].modifier.contains(marked));
        assert!(!buf[(4, 1)].modifier.contains(Modifier::UNDERLINED));
        // Aggregated in Mono: block 2×2 per 2-column cell.
        let h = Heatmap::new(m.view(), 1.0, &p);
        let g = h.geometry(Rect::new(0, 0, 4, 1));
        assert_eq!(g.block(), (2, 2));
        assert_eq!(row_text(&render(&h, 4, 1), 0), "! ▓-");
    }

    #[test]
    fn mono_snapshot() {
        let p = Palette::new(ColorMode::Mono);
        let m = Array2::from_shape_fn((4, 6), |(r, c)| (r as f64 - 1.5) * (c as f64 - 2.0) / 6.0);
        let buf = render(&Heatmap::new(m.view(), 1.0, &p).with_cursor(Some((3, 5))), 12, 4);
        let text: Vec<String> = (0..4).map(|y| row_text(&buf, y)).collect();
        insta::assert_snapshot!(text.join("\n"), @r"
        ▒+░+· ░-▒-▓-
        ░+░+· ░-░-░-
        ░-░-· ░+░+░+
        ▒-░-· ░+▒+▓+
        ");
    }

    #[test]
    fn scale_zero_is_neutral() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[0.0, 3.0]];
        let buf = render(&Heatmap::new(m.view(), 0.0, &p), 2, 1);
        // One row in one terminal row: stretched to both halves; the exact zero gets its ·.
        assert_eq!((buf[(0, 0)].symbol(), fg_bg(&buf, 0, 0)), ("·", (p.zero_mark(), p.zero())));
        assert_eq!(fg_bg(&buf, 1, 0), (p.color(0.0), p.color(0.0)));
        let buf = render(&Heatmap::new(m.view(), f64::NAN, &p), 2, 1);
        assert_eq!(buf[(1, 0)].fg, p.color(0.0));
        // Shared scale smaller than the values: clamped.
        let buf = render(&Heatmap::new(m.view(), 1.0, &p), 2, 1);
        assert_eq!(buf[(1, 0)].fg, p.color(1.0));
    }

    #[test]
    fn ansi_modes_render_indexed_and_named() {
        let m = array![[1.0, -1.0], [0.0, 1e-9]];
        let p = Palette::new(ColorMode::Ansi256);
        let buf = render(&Heatmap::new(m.view(), 1.0, &p), 2, 1);
        assert!(matches!(buf[(0, 0)].fg, Color::Indexed(_)));
        assert_eq!(buf[(0, 0)].bg, Color::Indexed(16));
        let p = Palette::new(ColorMode::Ansi16);
        let buf = render(&Heatmap::new(m.view(), 1.0, &p), 2, 1);
        assert_eq!(fg_bg(&buf, 0, 0), (Color::LightBlue, Color::Black));
        assert_eq!(fg_bg(&buf, 1, 0), (Color::LightRed, Color::DarkGray));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let p = Palette::new(ColorMode::TrueColor);
        let empty = Array2::<f64>::zeros((0, 5));
        let one = array![[1.0]];
        for (h, w, ht) in [
            (Heatmap::new(empty.view(), 1.0, &p), 10, 5),
            (Heatmap::new(one.view(), 1.0, &p), 0, 0),
            (Heatmap::new(one.view(), 1.0, &p).with_zoom(u32::MAX), 3, 3),
        ] {
            let _ = render(&h, w, ht);
        }
        let g = geometry(0, 5, Rect::new(0, 0, 10, 5), 0, Some((0, 0)), ColorMode::Mono);
        assert_eq!(g.element_at(0, 0), None);
        assert_eq!(g.zoom_label(), "1:1");
        // Rendering into an area larger than the buffer is clipped.
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        Heatmap::new(one.view(), 1.0, &p).render(Rect::new(1, 0, 10, 10), &mut buf);
        assert_eq!(buf[(1, 0)].fg, p.color(1.0));
    }

    #[test]
    fn widget_respects_area_offset() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[1.0, -1.0], [0.0, 1e-9]];
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 4));
        let area = Rect::new(3, 2, 2, 1);
        Heatmap::new(m.view(), 1.0, &p).render(area, &mut buf);
        assert_eq!(fg_bg(&buf, 3, 2), (p.color(1.0), p.zero()));
        let g = geometry(2, 2, area, 0, None, ColorMode::TrueColor);
        assert_eq!(g.element_at(4, 2), Some((0, 1)));
        assert_eq!(g.element_at(2, 2), None);
        assert_eq!(g.cell_of(1, 1), Some((4, 2)));
    }

    #[test]
    fn legend_text() {
        let text = |l: Line<'_>| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>();
        let p = Palette::new(ColorMode::TrueColor);
        let l = legend(0.531, &p);
        assert_eq!(text(l.clone()), "red −0.53 █████ 0 █████ +0.53 blue  · = 0  █ = NaN/∞");
        assert_eq!(l.spans[1].style.fg, Some(p.color(-1.0)));
        assert_eq!(l.spans[11].style.fg, Some(p.color(1.0)));
        assert_eq!((l.spans[13].style.fg, l.spans[13].style.bg), (Some(p.zero_mark()), Some(p.zero())));
        // Narrower: the sign convention stays in words down to 14 columns.
        let fit = |w: usize| text(legend_for_width(0.531, &p, w));
        assert_eq!(fit(80), text(l));
        assert_eq!(fit(30), "blue + red − ·=0 ±0.53");
        assert_eq!(fit(22), "blue + red − ·=0 ±0.53");
        assert_eq!(fit(21), "+blue −red ±0.53");
        assert_eq!(fit(16), "+blue −red ±0.53");
        assert_eq!(fit(8), "±0.53");
        assert_eq!(fit(2), "±0.53");
        let l = legend_for_width(0.531, &p, 30);
        assert_eq!((l.spans[0].content.as_ref(), l.spans[0].style.fg), ("blue +", Some(p.color(1.0))));
        assert_eq!((l.spans[2].content.as_ref(), l.spans[2].style.fg), ("red −", Some(p.color(-1.0))));
        assert!(text(legend(0.0034, &p)).contains("+3.4e-3"));
        assert!(text(legend(0.0, &p)).contains("−0 "));
        let mono = Palette::new(ColorMode::Mono);
        assert_eq!(text(legend(2.0, &mono)), "-2.00 █-▓-▒-░- 0 ░+▒+▓+█+ +2.00  · = 0  ! = NaN/∞");
        assert_eq!(text(legend_for_width(2.0, &mono, 30)), "+ pos - neg ·=0 ±2.00");
        assert_eq!(text(legend_for_width(2.0, &mono, 16)), "+pos -neg ±2.00");
        assert!(text(mask_legend(&p)).contains("unchanged"));
        assert!(text(mask_legend(&mono)).starts_with('○'));
    }

    #[test]
    fn cell_numbers() {
        let f = |v: f64| cell_number(v, 6);
        assert_eq!(f(0.0), "0");
        assert_eq!(f(-0.0), "0");
        assert_eq!(f(1.0), "1");
        assert_eq!(f(60.0), "60");
        assert_eq!(f(-4.0), "-4");
        assert_eq!(f(1234.0), "1234");
        assert_eq!(f(0.123456), "0.123");
        assert_eq!(f(-1.4823), "-1.48");
        assert_eq!(f(12.345), "12.3");
        assert_eq!(f(123.4), "123");
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(9.9996), "10");
        assert_eq!(f(-0.0123), "-0.012", "2 digits where 3 do not fit");
        assert_eq!(cell_number(-0.0123, 7), "-0.0123");
        assert_eq!(f(1.234e-5), "1.2e-5");
        assert_eq!(cell_number(1.234e-5, 8), "1.23e-5");
        assert_eq!(f(-3.0e-7), "-3e-7");
        assert_eq!(f(4.56e7), "4.56e7");
        assert_eq!(f(-4.56e7), "-4.6e7");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(f64::NEG_INFINITY), "-inf");
        assert_eq!(cell_number(-1.5e-300, 6), "-2e-300", "nothing fits: the shortest");
    }

    #[test]
    fn numbers_in_cells_of_the_dropout_slide() {
        let p = Palette::new(ColorMode::TrueColor);
        let w1 = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
        let h = Heatmap::new(w1.view(), 9.0, &p);
        // 2 label columns + 3 × 8; a header row + 3 rows.
        let buf = render(&h, 30, 5);
        let g = h.geometry(buf.area);
        assert!(g.numbers());
        assert_eq!(g.zoom_label(), "values");
        assert_eq!(g.used(), Rect::new(0, 0, 26, 4));
        assert_eq!(row_text(&buf, 0).trim_end(), "     1       2       3");
        assert_eq!(row_text(&buf, 1).trim_end(), "1    1       2       3");
        assert_eq!(row_text(&buf, 2).trim_end(), "2    4       5       6");
        assert_eq!(row_text(&buf, 3).trim_end(), "3    7       8       9");
        for (r, c) in [(0, 0), (1, 2), (2, 1)] {
            let (x, y) = g.cell_of(r, c).unwrap();
            assert_eq!((x, y), (2 + 8 * c as u16, 1 + r as u16));
            for dx in 0..8 {
                assert_eq!(buf[(x + dx, y)].bg, p.color(w1[[r, c]] / 9.0), "the cell is its colour");
            }
            // Readable on its colour: black on the bright 9, white on the dark 1.
            assert_eq!(buf[(x + 3, y)].fg, p.ink(p.color(w1[[r, c]] / 9.0)));
            assert_eq!(g.element_at(x + 7, y), Some((r, c)));
        }
        assert_eq!(buf[(5, 1)].fg, Color::Rgb(255, 255, 255));
        assert_eq!(buf[(21, 3)].fg, Color::Rgb(0, 0, 0));
        // Exactly 6 columns per matrix column is enough; 5 is not.
        assert!(h.geometry(Rect::new(0, 0, 20, 4)).numbers());
        assert!(!h.geometry(Rect::new(0, 0, 17, 4)).numbers());
        assert!(h.geometry(Rect::new(0, 0, 18, 3)).numbers(), "no room for labels: numbers only");
        assert!(!h.geometry(Rect::new(0, 0, 40, 2)).numbers(), "a terminal row per matrix row");
    }

    #[test]
    fn numbers_zero_cursor_mask_and_specials() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = array![[0.0, 1e-9, -0.123456], [12.3456, f64::NAN, -1.4823]];
        let h = Heatmap::new(m.view(), 12.3456, &p).with_cursor(Some((0, 2)));
        let buf = render(&h, 26, 3);
        assert_eq!(row_text(&buf, 0).trim_end(), "     1       2       3");
        assert_eq!(row_text(&buf, 1).trim_end(), "1    0      1e-9  [-0.123]");
        assert_eq!(row_text(&buf, 2).trim_end(), "2   12.3    NaN    -1.48");
        // Exact 0 on black, 1e-9 on the dark grey: different backgrounds, both readable.
        assert_eq!((buf[(5, 1)].bg, buf[(5, 1)].fg), (p.zero(), Color::Rgb(255, 255, 255)));
        assert_eq!(buf[(12, 1)].bg, p.color(0.0));
        assert_ne!(p.zero(), p.color(1e-9));
        assert_ne!(p.zero(), p.color(1.0));
        assert_eq!(buf[(12, 2)].bg, p.non_finite());
        // The cursor: its value stays on its own colour, bold and underlined, between brackets.
        let t = p.color(-0.123456 / 12.3456);
        for x in 18..26 {
            assert_eq!(buf[(x, 1)].bg, t);
        }
        assert_eq!((buf[(18, 1)].fg, buf[(25, 1)].fg), (p.cursor(), p.cursor()));
        assert!(buf[(20, 1)].modifier.contains(Modifier::BOLD | Modifier::UNDERLINED));
        // Its row and column labels are reversed.
        assert!(buf[(0, 1)].modifier.contains(Modifier::REVERSED));
        assert!(buf[(21, 0)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[(5, 0)].modifier.contains(Modifier::REVERSED));
        // Mask view: unchanged in the highlight, with dark ink on it.
        let mask = [true, false, false, false, false, false];
        let buf = render(&Heatmap::new(m.view(), 12.3456, &p).with_highlight(Some(&mask)), 26, 3);
        assert_eq!((buf[(5, 1)].bg, buf[(5, 1)].fg), (p.highlight(), Color::Rgb(0, 0, 0)));
        assert_eq!(buf[(12, 1)].bg, p.dimmed(0.0));
    }

    #[test]
    fn mono_numbers_are_plain_text() {
        let p = Palette::new(ColorMode::Mono);
        let m = array![[1.0, -0.123456], [0.0, 60.0]];
        let h = Heatmap::new(m.view(), 60.0, &p).with_cursor(Some((1, 1)));
        let buf = render(&h, 14, 3);
        assert_eq!(row_text(&buf, 0).trim_end(), "    1     2");
        // One column kept free: -0.123 loses a digit rather than touch its neighbour.
        assert_eq!(row_text(&buf, 1).trim_end(), "1   1   -0.12");
        assert_eq!(row_text(&buf, 2).trim_end(), "2   0   [ 60 ]");
        assert!(buf.content.iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
        // Too narrow for numbers: the glyph ramp.
        let buf = render(&h, 5, 3);
        assert_eq!(row_text(&buf, 1).trim_end(), "░+░-");
        assert_eq!(row_text(&buf, 2).trim_end(), "· █+");
    }

    fn mode_strategy() -> impl Strategy<Value = ColorMode> {
        prop_oneof![
            Just(ColorMode::TrueColor),
            Just(ColorMode::Ansi256),
            Just(ColorMode::Ansi16),
            Just(ColorMode::Mono)
        ]
    }

    proptest! {
        #[test]
        fn element_at_inverts_cell_of(
            rows in 1usize..150,
            cols in 1usize..150,
            (x0, y0, w, h) in (0u16..5, 0u16..5, 0u16..70, 0u16..25),
            zoom in 0u32..9,
            cursor in proptest::option::of((0.0f64..1.0, 0.0f64..1.0)),
            mode in mode_strategy(),
        ) {
            let area = Rect::new(x0, y0, w, h);
            let cursor = cursor.map(|(a, b)| ((a * rows as f64) as usize, (b * cols as f64) as usize));
            let g = geometry(rows, cols, area, zoom, cursor, mode);
            let (vr, vc) = g.visible();
            // Every visible element is drawn in exactly the cell that element_at maps back from.
            for r in 0..rows {
                for c in 0..cols {
                    let cell = g.cell_of(r, c);
                    prop_assert_eq!(cell.is_some(), vr.contains(&r) && vc.contains(&c));
                    if let Some((x, y)) = cell {
                        prop_assert!(area.contains(Position::new(x, y)));
                        let (er, ec) = g.elements_at(x, y).ok_or_else(|| TestCaseError::fail("no elements"))?;
                        prop_assert!(er.contains(&r) && ec.contains(&c));
                        let e = g.element_at(x, y).ok_or_else(|| TestCaseError::fail("no element"))?;
                        prop_assert_eq!(g.cell_of(e.0, e.1), Some((x, y)));
                        let (br, bc) = g.block();
                        let upper = mode.is_mono() || g.rows.unit_of(r).is_some_and(|u| u.is_multiple_of(2));
                        if (r % br, c % bc) == (0, 0) && upper {
                            prop_assert_eq!(e, (r, c));
                        }
                    }
                }
            }
            // And every cell maps to an element drawn there (or to nothing).
            for y in area.top()..area.bottom() {
                for x in area.left()..area.right() {
                    match g.element_at(x, y) {
                        Some((r, c)) => {
                            let (cx, cy) = g.cell_of(r, c).ok_or_else(|| TestCaseError::fail("invisible"))?;
                            // cell_of gives the first cell of a stretched element.
                            prop_assert!(cy == y && cx <= x && x < cx + g.cell_width() as u16);
                        }
                        None => prop_assert!(g.elements_at(x, y).is_none()),
                    }
                }
            }
            if let Some((r, c)) = cursor && !vr.is_empty() && !vc.is_empty() {
                prop_assert!(g.cell_of(r, c).is_some(), "the view follows the cursor");
            }
        }

        #[test]
        fn rendering_matches_element_at(
            rows in 1usize..40,
            cols in 1usize..40,
            (w, h) in (1u16..50, 1u16..20),
            seed in any::<u64>(),
        ) {
            // At 1:1 (zoom far in), every drawn half-cell shows exactly its element's colour.
            let p = Palette::new(ColorMode::TrueColor);
            let m = Array2::from_shape_fn((rows, cols), |(r, c)| {
                let k = (r * 31 + c * 17) as u64 ^ seed;
                if k.is_multiple_of(7) { 0.0 } else { ((k % 201) as f64 - 100.0) / 100.0 }
            });
            let hm = Heatmap::new(m.view(), 1.0, &p).with_zoom(12);
            let buf = render(&hm, w, h);
            let g = hm.geometry(buf.area);
            let want = |v: f64| if v == 0.0 { p.zero() } else { p.color(v) };
            let (row_labels, header) = g.labelled();
            let (ox, oy) = (u16::from(row_labels) * g.label_w, u16::from(header));
            for y in 0..h {
                for x in 0..w {
                    let cell = &buf[(x, y)];
                    match g.elements_at(x, y) {
                        Some((er, ec)) => {
                            prop_assert_eq!(ec.len(), 1);
                            let e = g.element_at(x, y).ok_or_else(|| TestCaseError::fail("no element"))?;
                            let v = m[e];
                            if g.numbers() || er.len() == 1 && g.stretch().0 == 2 {
                                // The element fills the cell.
                                prop_assert_eq!(cell.bg, want(v));
                                if v == 0.0 && !g.numbers() {
                                    prop_assert!(matches!(cell.symbol(), "·" | " "));
                                } else if !g.numbers() {
                                    prop_assert_eq!((cell.symbol(), cell.fg), ("▀", want(v)));
                                }
                            } else if er.len() == 2 {
                                let lower = m[[er.end - 1, e.1]];
                                if v == 0.0 && lower == 0.0 {
                                    prop_assert!(matches!(cell.symbol(), "·" | " "));
                                    prop_assert_eq!(cell.bg, p.zero());
                                } else {
                                    prop_assert_eq!((cell.fg, cell.bg), (want(v), want(lower)));
                                }
                            } else {
                                prop_assert_eq!((cell.fg, cell.bg), (want(v), Color::Reset));
                            }
                        }
                        None => prop_assert!(
                            cell == &ratatui::buffer::Cell::EMPTY || x < ox || y < oy,
                            "only labels outside the cells"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    #[ignore = "perf sanity check: cargo test --release -- --ignored --nocapture perf"]
    fn perf_render_256x784_into_120x40() {
        let p = Palette::new(ColorMode::TrueColor);
        let m = Array2::from_shape_fn((256, 784), |(r, c)| ((r * 784 + c) as f64 * 0.37).sin());
        let mask: Vec<bool> = (0..256 * 784).map(|i| i % 13 == 0).collect();
        let area = Rect::new(0, 0, 120, 40);
        let mut buf = Buffer::empty(area);
        for (name, h) in [
            ("plain", Heatmap::new(m.view(), 1.0, &p)),
            ("mask", Heatmap::new(m.view(), 1.0, &p).with_highlight(Some(&mask))),
            ("zoom2", Heatmap::new(m.view(), 1.0, &p).with_zoom(2).with_cursor(Some((100, 300)))),
        ] {
            let n = 1000;
            let start = std::time::Instant::now();
            for _ in 0..n {
                (&h).render(area, &mut buf);
            }
            let mean = start.elapsed() / n;
            println!("{name}: mean render {mean:?}");
        }
    }
}

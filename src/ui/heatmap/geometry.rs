//! Where each element of a matrix goes: the pure layout shared by drawing, the cursor and
//! mouse hit-testing (see the [heatmap module docs](super) for the rules).

use std::ops::Range;

use ratatui::layout::{Position, Rect};

use super::{FIRST_INDEX, MAX_NUMBER_COLS, MAX_STRETCH_COLS, MAX_STRETCH_ROWS, MIN_NUMBER_COLS};
use crate::theme::ColorMode;

/// Layout of one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Axis {
    /// Elements along this axis.
    pub(super) n: usize,
    /// Elements per unit (≥ 1).
    pub(super) block: usize,
    /// Units per element (≥ 1; > 1 only when `block == 1`).
    pub(super) stretch: usize,
    /// First visible element (a multiple of `block`).
    pub(super) first: usize,
    /// Units actually drawn.
    pub(super) units: usize,
}

impl Axis {
    pub(super) fn new(n: usize, avail: usize, zoom: u32, cursor: Option<usize>, max_stretch: usize) -> Axis {
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
    pub(super) fn whole(n: usize) -> Axis {
        Axis { n, block: 1, stretch: 1, first: 0, units: n }
    }

    /// Elements shown by unit `u` (`u < units`).
    pub(super) fn range(&self, u: usize) -> Range<usize> {
        let start = self.first + (u / self.stretch) * self.block;
        start..(start + self.block).min(self.n)
    }

    /// First unit showing element `e`, if visible.
    pub(super) fn unit_of(&self, e: usize) -> Option<usize> {
        if e < self.first || e >= self.n {
            return None;
        }
        let u = (e - self.first) / self.block * self.stretch;
        (u < self.units).then_some(u)
    }

    pub(super) fn visible(&self) -> Range<usize> {
        if self.units == 0 { 0..0 } else { self.first..self.range(self.units - 1).end }
    }
}

/// Pure layout of a `rows × cols` matrix in an area; see the [module docs](self) for the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub(super) area: Rect,
    pub(super) mono: bool,
    pub(super) numbers: bool,
    /// Terminal columns per unit.
    pub(super) unit_w: usize,
    /// Units per terminal row.
    pub(super) sub_h: usize,
    /// Columns left of the cells holding the row labels (and a gap); 0 = none.
    pub(super) label_w: u16,
    /// A row above the cells for the column labels.
    pub(super) header: bool,
    pub(super) rows: Axis,
    pub(super) cols: Axis,
}

pub(super) fn digits(n: usize) -> usize {
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
    /// The terminal cell where the first unit is drawn: right of the row labels, below the
    /// column labels.
    pub fn origin(&self) -> (u16, u16) {
        (self.area.x + self.label_w, self.area.y + u16::from(self.header))
    }

    /// The vertical unit that draws row `r` (a half-row in colour modes), if it is visible.
    pub fn row_unit(&self, r: usize) -> Option<usize> {
        self.rows.unit_of(r)
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
    pub(super) fn units_at(&self, x: u16, y: u16) -> Option<(usize, usize)> {
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

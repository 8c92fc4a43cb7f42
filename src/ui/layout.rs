//! Where every panel goes, as a pure function of the terminal size and the app. Used by
//! drawing and by mouse clicks, so both agree.

use ratatui::layout::{Constraint, Layout, Rect};

use super::heatmap;
use crate::app::App;
use crate::nn::Tensor;
use crate::theme::ColorMode;

/// The smallest terminal the single view is laid out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// From this body width on, weights and gradients are shown side by side.
pub const SIDE_BY_SIDE_WIDTH: u16 = 150;

/// One heatmap on screen: its block (with border and title) and the cells inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapArea {
    pub tensor: Tensor,
    pub grad: bool,
    pub outer: Rect,
    pub inner: Rect,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub footer: Rect,
    pub maps: Vec<MapArea>,
    pub loss: Rect,
    pub frozen: Rect,
    pub inspector: Rect,
    /// Where the open sub-view draws: the heatmaps' place (backprop, boundary; `maps` is
    /// then empty) or the Frozen panel's (ensemble, gradient check).
    pub sub: Option<Rect>,
    /// In the tour: the open lesson, under the Frozen panel.
    pub lesson: Option<Rect>,
}

/// The Frozen panel's full height (its eleven lines and border), and the least it is given.
const FROZEN_FULL: u16 = 13;
const FROZEN_MIN: u16 = 9;

/// Whether weights and gradients both fit on screen.
pub fn side_by_side(area: Rect) -> bool {
    area.width >= SIDE_BY_SIDE_WIDTH
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

fn inner(r: Rect) -> Rect {
    Rect { x: r.x + 1, y: r.y + 1, width: r.width.saturating_sub(2), height: r.height.saturating_sub(2) }
}

/// Width of a bias strip's panel: one number cell of up to 8 columns inside the border.
pub const STRIP_WIDTH: u16 = 10;
/// A matrix panel is never narrower than this: its title and a legend that says the signs in
/// words ("blue + red − ·=0 ±1.48").
pub const MIN_MAP_WIDTH: u16 = 26;
/// Below the heatmaps, at least this many free rows move the loss chart there.
const LOSS_UNDER_MIN_HEIGHT: u16 = 10;
/// The loss chart under the heatmaps is at least this wide (the heatmaps' column widens).
const LOSS_UNDER_MIN_WIDTH: u16 = 40;

/// The shapes of W1, b1, W2, b2 as the screen shows them, and the colour mode.
#[derive(Clone, Copy, Debug)]
struct Shapes {
    shape: [(usize, usize); 4],
    mode: ColorMode,
}

impl Shapes {
    /// The outer size (with border) a panel needs for tensor `t` if it may use up to `max`.
    fn need(&self, t: Tensor, max: Rect) -> (u16, u16) {
        let (rows, cols) = self.shape[t as usize];
        let used = heatmap::geometry(rows, cols, inner(max), 0, None, self.mode).used();
        (used.width + 2, used.height + 2)
    }
}

/// A column of heatmaps: W1 beside b1 on top, W2 beside b2 below. With the shapes known, each
/// panel takes only the size its matrix uses (a small one leaves the rest to other panels);
/// returns the width and height used.
fn column(area: Rect, grad: bool, shapes: Option<Shapes>, maps: &mut Vec<MapArea>) -> (u16, u16) {
    let default_top = (u32::from(area.height) * 58 / 100) as u16;
    let Some(sh) = shapes else {
        let [top, bottom] =
            Layout::vertical([Constraint::Length(default_top), Constraint::Min(0)]).areas(area);
        for (row, (w, b)) in [(top, (Tensor::W1, Tensor::B1)), (bottom, (Tensor::W2, Tensor::B2))] {
            let [matrix, strip] =
                Layout::horizontal([Constraint::Min(10), Constraint::Length(STRIP_WIDTH)]).areas(row);
            for (tensor, r) in [(w, matrix), (b, strip)] {
                maps.push(MapArea { tensor, grad, outer: r, inner: inner(r) });
            }
        }
        return (area.width, area.height);
    };
    let matrix_w = area.width.saturating_sub(STRIP_WIDTH);
    let tall = Rect { width: matrix_w, ..area };
    let (need_top, need_bottom) = (sh.need(Tensor::W1, tall).1, sh.need(Tensor::W2, tall).1);
    let h = area.height;
    let (top, bottom) = if need_top + need_bottom <= h {
        (need_top, need_bottom)
    } else if need_top < default_top {
        (need_top, h - need_top)
    } else if need_bottom < h - default_top {
        (h - need_bottom, need_bottom)
    } else {
        (default_top, h - default_top)
    };
    let mut width = 0;
    let mut y = area.y;
    for (height, (w, b)) in [(top, (Tensor::W1, Tensor::B1)), (bottom, (Tensor::W2, Tensor::B2))] {
        let row = Rect { y, height, width: matrix_w, ..area };
        let mw = sh.need(w, row).0.max(MIN_MAP_WIDTH).min(matrix_w);
        let matrix = Rect { width: mw, ..row };
        let strip = Rect { x: row.x + mw, width: STRIP_WIDTH.min(area.width - mw), ..row };
        for (tensor, r) in [(w, matrix), (b, strip)] {
            maps.push(MapArea { tensor, grad, outer: r, inner: inner(r) });
        }
        width = width.max(mw + strip.width);
        y += height;
    }
    (width, top + bottom)
}

/// The single-scenario layout; `None` when the terminal is too small.
pub fn areas(area: Rect, app: &App) -> Option<Areas> {
    if too_small(area) {
        return None;
    }
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let both = side_by_side(area);
    let sub = app.sub.filter(|_| app.run().is_some());
    let wide_sub = sub.is_some_and(|v| v.replaces_heatmaps());
    let left_share = if both {
        64
    } else if wide_sub {
        60
    } else {
        50
    };
    let [left, _] =
        Layout::horizontal([Constraint::Percentage(left_share), Constraint::Percentage(100 - left_share)])
            .areas(body);
    let shapes = app.run().map(|run| Shapes {
        shape: [Tensor::W1, Tensor::B1, Tensor::W2, Tensor::B2].map(|t| run.shape(t)),
        mode: app.colors,
    });
    let mut maps = Vec::with_capacity(8);
    let (mut used_w, mut used_h) = (left.width, left.height);
    if wide_sub {
        // The sub-view takes the heatmaps' place.
    } else if both {
        let [w, _] = Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(left);
        let (w1, h1) = column(w, false, shapes, &mut maps);
        let g = Rect { x: w.x + w1, width: left.width - w1, ..left };
        let g = Rect { width: g.width.min(w.width), ..g };
        let (w2, h2) = column(g, true, shapes, &mut maps);
        (used_w, used_h) = (w1 + w2, h1.max(h2));
    } else {
        (used_w, used_h) = column(left, app.view.show_grads, shapes, &mut maps);
    }
    let loss_under = !wide_sub && body.height - used_h >= LOSS_UNDER_MIN_HEIGHT;
    let left_w = if loss_under { used_w.max(LOSS_UNDER_MIN_WIDTH.min(left.width)) } else { used_w };
    if left_w > used_w && !both {
        // The loss chart below is wider than the heatmaps: widen the matrix panels to match.
        let extra = left_w - used_w;
        for m in &mut maps {
            match m.tensor {
                Tensor::W1 | Tensor::W2 => m.outer.width += extra,
                Tensor::B1 | Tensor::B2 => m.outer.x += extra,
            }
            m.inner = inner(m.outer);
        }
    }
    let right = Rect { x: body.x + left_w, width: body.width - left_w, ..body };
    let mut inspector_h = if right.height > 30 { 7 } else { 5 };
    let (loss, column) = if loss_under {
        (Rect { y: body.y + used_h, height: body.height - used_h, width: left_w, ..body }, right)
    } else {
        let [loss, column] = Layout::vertical([Constraint::Percentage(30), Constraint::Min(0)]).areas(right);
        (loss, column)
    };
    // The tour's lesson goes under the Frozen panel; on a short screen it takes the
    // inspector's rows too.
    let mut lesson_h = 0;
    let mut frozen_h = FROZEN_MIN.min(column.height);
    if let Some(tour) = app.tour() {
        let wanted = super::lesson::height_wanted(tour, column.width);
        if column.height < FROZEN_MIN + inspector_h + 10 {
            inspector_h = 0;
        }
        if column.height >= FROZEN_FULL + inspector_h + wanted.min(12) {
            frozen_h = FROZEN_FULL;
        }
        lesson_h = wanted.min(column.height.saturating_sub(frozen_h + inspector_h));
    }
    // Rows to spare go to the Frozen panel, or in the tour to the lesson.
    let (frozen_c, lesson_c) = if app.tour().is_some() {
        (Constraint::Length(frozen_h), Constraint::Min(lesson_h))
    } else {
        (Constraint::Min(frozen_h), Constraint::Length(0))
    };
    let [frozen, lesson, inspector] =
        Layout::vertical([frozen_c, lesson_c, Constraint::Length(inspector_h)]).areas(column);
    let lesson = app.tour().map(|_| lesson).filter(|r| r.height >= 3);
    let sub = sub.map(|v| if v.replaces_heatmaps() { left } else { frozen });
    Some(Areas { header, footer, maps, loss, frozen, inspector, sub, lesson })
}

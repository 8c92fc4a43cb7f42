//! Where every panel goes, as a pure function of the terminal size and the app. Used by
//! drawing and by mouse clicks, so both agree.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::App;
use crate::nn::Tensor;

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
}

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

/// A column of heatmaps: W1 beside b1 on top, W2 beside b2 below.
fn column(area: Rect, grad: bool, maps: &mut Vec<MapArea>) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(area);
    for (row, (w, b)) in [(top, (Tensor::W1, Tensor::B1)), (bottom, (Tensor::W2, Tensor::B2))] {
        let [matrix, strip] = Layout::horizontal([Constraint::Min(10), Constraint::Length(9)]).areas(row);
        for (tensor, r) in [(w, matrix), (b, strip)] {
            maps.push(MapArea { tensor, grad, outer: r, inner: inner(r) });
        }
    }
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
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(left_share), Constraint::Percentage(100 - left_share)])
            .areas(body);
    let mut maps = Vec::with_capacity(8);
    if wide_sub {
        // The sub-view takes the heatmaps' place.
    } else if both {
        let [w, g] = Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(left);
        column(w, false, &mut maps);
        column(g, true, &mut maps);
    } else {
        column(left, app.view.show_grads, &mut maps);
    }
    let [loss, frozen, inspector] = Layout::vertical([
        Constraint::Percentage(30),
        Constraint::Min(9),
        Constraint::Length(if right.height > 30 { 7 } else { 5 }),
    ])
    .areas(right);
    let sub = sub.map(|v| if v.replaces_heatmaps() { left } else { frozen });
    Some(Areas { header, footer, maps, loss, frozen, inspector, sub })
}

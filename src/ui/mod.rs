//! Pure rendering from the app state: every panel is a function of `&App`.

pub mod backprop;
pub mod boundary;
pub mod chart;
pub mod compare;
pub mod ensemble;
pub mod footer;
pub mod frozen;
pub mod gradcheck;
pub mod header;
pub mod heatmap;
pub mod help;
pub mod inspector;
pub mod knobs;
pub mod layout;
pub mod lesson;
pub mod loss;
pub mod menu;
pub mod network;
pub mod text;

use ndarray::{ArrayView2, Axis};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::app::{App, Run, Screen, SubView};
use crate::nn::{Params, Tensor};
use crate::text::{escape, paragraph};
use heatmap::Heatmap;
use layout::{MIN_HEIGHT, MIN_WIDTH, MapArea};

/// Draw the whole screen.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    match (app.screen, app.run()) {
        (Screen::Menu { selected }, _) => menu::render(app, selected, area, buf),
        (Screen::Single, Some(run)) => single(app, run, area, buf),
        (Screen::Compare, Some(_)) => compare::render(app, area, buf),
        (_, None) => {}
    }
    if let (Some(row), Some(run), Screen::Single | Screen::Compare) = (app.knobs, app.run(), app.screen) {
        knobs::render(app, run, row, area, buf);
    }
    if let Some(tour) = app.tour().filter(|_| app.screen == Screen::Single) {
        if let Some(row) = tour.list {
            lesson::render_list(tour, row, app.colors, area, buf);
        }
        if let Some(saved) = tour.resume {
            lesson::render_resume(tour, saved, area, buf);
        }
    }
    if app.help {
        help::render(app.screen, area, buf);
    }
}

fn single(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    let Some(a) = layout::areas(area, app) else {
        too_small(area, buf);
        return;
    };
    header::render(app, run, a.header, buf);
    for m in &a.maps {
        map(app, run, m, buf);
    }
    loss::render(run, app.colors, app.log_y_on(), a.loss, buf);
    match (app.sub, a.sub) {
        (Some(v), Some(r)) => {
            // Ensemble and gradient check take the Frozen panel's place; the views that
            // take the heatmaps' place leave it.
            if v.replaces_heatmaps() {
                frozen::render(run, a.frozen, buf);
            }
            match v {
                SubView::Backprop => backprop::render(app, run, r, buf),
                SubView::Boundary => boundary::render(app, run, r, buf),
                SubView::Ensemble => ensemble::render(app, run, r, buf),
                SubView::GradCheck => gradcheck::render(app, run, r, buf),
                SubView::Network => network::render(app, run, r, buf),
            }
        }
        _ => frozen::render(run, a.frozen, buf),
    }
    if a.inspector.height > 0 {
        inspector::render(app, run, a.inspector, buf);
    }
    if let (Some(tour), Some(r)) = (app.tour(), a.lesson) {
        lesson::render(tour, run.departs(), app.colors, r, buf);
    }
    footer::render(app, a.footer, buf);
    if app.info {
        let s = &run.loaded.scenario;
        help::render_about(&escape(&s.name), &paragraph(&s.about), area, buf);
    }
}

pub fn too_small(area: Rect, buf: &mut Buffer) {
    let text =
        format!("Terminal too small: need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}", area.width, area.height);
    Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }).render(area, buf);
}

/// A tensor as the matrix the screen shows (biases as one column).
pub fn matrix(p: &Params, t: Tensor) -> ArrayView2<'_, f64> {
    match t {
        Tensor::W1 => p.w1.view(),
        Tensor::W2 => p.w2.view(),
        Tensor::B1 => p.b1.view().insert_axis(Axis(1)),
        Tensor::B2 => p.b2.view().insert_axis(Axis(1)),
    }
}

fn map(app: &App, run: &Run, m: &MapArea, buf: &mut Buffer) {
    let tr = &run.trainer;
    let source = if m.grad { &tr.grads } else { &tr.params };
    let values = matrix(source, m.tensor);
    // Its own max |value|, or the largest over all four tensors of its kind when shared.
    let scale = run.scales().get(m.tensor, m.grad, app.view.shared_scale);
    let t = m.tensor;
    let focused = app.view.focus == t;
    let name = if m.grad { format!("∇{}", t.name()) } else { t.name().to_string() };
    let (rows, cols) = values.dim();
    let g = heatmap::geometry(
        rows,
        cols,
        m.inner,
        app.view.zoom[t as usize],
        Some(app.view.cursor[t as usize]),
        app.colors,
    );
    let shape = if cols == 1 { format!("{rows}") } else { format!("{rows}×{cols}") };
    let mut title = format!("{name} {shape}");
    if m.inner.width > 20 {
        title.push_str(&format!(" {}", g.zoom_label()));
        if app.view.mask {
            title.push_str(" mask");
        }
    }
    let style = if focused { Style::new().add_modifier(Modifier::BOLD) } else { Style::new() };
    let mut block = Block::bordered().title(Line::styled(title, style)).border_style(style);
    let legend = heatmap::legend_for_width(scale, &app.palette, usize::from(m.outer.width.saturating_sub(2)));
    if legend.width() + 2 <= usize::from(m.outer.width) {
        block = block.title_bottom(legend);
    }
    block.render(m.outer, buf);
    Heatmap {
        values,
        scale,
        palette: &app.palette,
        zoom: app.view.zoom[t as usize],
        cursor: focused.then_some(app.view.cursor[t as usize]),
        highlight: app.view.mask.then(|| tr.changes.unchanged_flags(t)),
        class_rows: matches!(t, Tensor::W2 | Tensor::B2),
    }
    .render(m.inner, buf);
}

/// The frame of a view that opens over the panels: `title` in bold at the top left, the keys
/// that act on it (`keys`, e.g. "G or Esc closes") at the bottom right.
fn view_block(title: impl Into<String>, keys: &str) -> Block<'static> {
    Block::bordered()
        .title(Line::styled(title.into(), Style::new().add_modifier(Modifier::BOLD)))
        .title_bottom(Line::from(format!(" {keys} ")).right_aligned())
}

//! The boundary view (`d`). For 2-D inputs: the predicted class over the plane of the
//! (standardized) inputs, one hue per class, paler where the top probability is lower, with
//! the training points on top in their class colour; `u` shows each hidden unit's output
//! h_j = relu(z1_j) over the same plane instead (black where the unit is off). For square
//! images (d = 64: the 8×8 digits; 784: 28×28 MNIST): the selected example and each hidden
//! unit's row of W1 as an image of that size, shrunk by block means when it does not fit. The grids
//! were computed on a refresh ([`crate::app::panels::Boundary`]); drawing samples them.

use ndarray::Array2;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::heatmap::Heatmap;
use super::text::{compact, ix, num};
use crate::app::panels::{Boundary, GRID_COLS, GRID_ROWS, Images, Plane};
use crate::app::{App, Run};
use crate::theme::{ColorMode, Palette, nearest_ansi256};

/// Mono: the glyph of a training point of each class.
const MONO_POINTS: [char; 8] = ['●', '▲', '■', '◆', '▼', '★', '✚', '✖'];
/// Ansi16: a class's strong and pale colour.
const ANSI16: [(Color, Color); 6] = [
    (Color::Blue, Color::LightBlue),
    (Color::Yellow, Color::LightYellow),
    (Color::Green, Color::LightGreen),
    (Color::Red, Color::LightRed),
    (Color::Magenta, Color::LightMagenta),
    (Color::Cyan, Color::LightCyan),
];

fn class_rgb(c: usize) -> (u8, u8, u8) {
    colorous::CATEGORY10[c % colorous::CATEGORY10.len()].into_tuple()
}

fn rgb(mode: ColorMode, (r, g, b): (u8, u8, u8)) -> Color {
    match mode {
        ColorMode::Ansi256 => Color::Indexed(nearest_ansi256((r, g, b))),
        _ => Color::Rgb(r, g, b),
    }
}

/// A class's colour in the plane: towards white as the top probability falls to 1/k.
pub fn region_color(mode: ColorMode, class: usize, prob: f64, classes: usize) -> Color {
    let k = classes.max(2) as f64;
    let sure = ((prob - 1.0 / k) / (1.0 - 1.0 / k)).clamp(0.0, 1.0);
    let sure = if sure.is_nan() { 0.0 } else { sure };
    match mode {
        ColorMode::Ansi16 => {
            if sure < 0.3 {
                Color::Gray
            } else {
                ANSI16[class % ANSI16.len()].1
            }
        }
        ColorMode::Mono => Color::Reset,
        _ => {
            let white = 0.3 + 0.6 * (1.0 - sure);
            let (r, g, b) = class_rgb(class);
            let mix = |c: u8| (f64::from(c) * (1.0 - white) + 255.0 * white).round() as u8;
            rgb(mode, (mix(r), mix(g), mix(b)))
        }
    }
}

/// A training point's colour: the class's full colour, a little darker than any region.
pub fn point_color(mode: ColorMode, class: usize) -> Color {
    match mode {
        ColorMode::Ansi16 => ANSI16[class % ANSI16.len()].0,
        ColorMode::Mono => Color::Reset,
        _ => {
            let (r, g, b) = class_rgb(class);
            let dark = |c: u8| (f64::from(c) * 0.8).round() as u8;
            rgb(mode, (dark(r), dark(g), dark(b)))
        }
    }
}

/// The grid index sampled by unit `u` of `units` (its centre).
fn sample(u: usize, units: usize, grid: usize) -> usize {
    ((2 * u + 1) * grid / (2 * units.max(1))).min(grid - 1)
}

/// The plane's cell (column, half-row) of a point, if inside.
fn cell_of(plane: &Plane, area: Rect, half_rows: usize, px: f64, py: f64) -> Option<(u16, u16)> {
    let (x0, x1) = plane.x_range;
    let (y0, y1) = plane.y_range;
    let fx = (px - x0) / (x1 - x0);
    let fy = (y1 - py) / (y1 - y0);
    if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
        return None;
    }
    let cx = (fx * f64::from(area.width)) as u16;
    let hy = (fy * half_rows as f64) as u16;
    Some((area.x + cx, area.y + hy / 2))
}

fn points(run: &Run, plane: &Plane, area: Rect, buf: &mut Buffer, mode: ColorMode) {
    let ds = &run.trainer.data.train;
    let half_rows = usize::from(area.height) * 2;
    for (row, &class) in ds.x.rows().into_iter().zip(&ds.y) {
        let Some((x, y)) = cell_of(plane, area, half_rows, row[0], row[1]) else { continue };
        let Some(cell) = buf.cell_mut((x, y)) else { continue };
        if mode.is_mono() {
            cell.set_char(MONO_POINTS[class % MONO_POINTS.len()]);
        } else {
            cell.set_char('●').set_fg(point_color(mode, class));
            cell.modifier.insert(Modifier::BOLD);
        }
    }
}

/// The plane's ranges in original units, for the legend.
fn ranges(run: &Run, plane: &Plane) -> String {
    let (mean, scale) = (&run.trainer.data.mean, &run.trainer.data.scale);
    let orig =
        |f: usize, v: f64| v * scale.get(f).copied().unwrap_or(1.0) + mean.get(f).copied().unwrap_or(0.0);
    format!(
        "x0 {}…{}  x1 {}…{}",
        compact(orig(0, plane.x_range.0)),
        compact(orig(0, plane.x_range.1)),
        compact(orig(1, plane.y_range.0)),
        compact(orig(1, plane.y_range.1))
    )
}

fn classes_plane(plane: &Plane, area: Rect, buf: &mut Buffer, mode: ColorMode) {
    let (w, h) = (usize::from(area.width), usize::from(area.height));
    for cy in 0..h {
        let top = sample(2 * cy, 2 * h, GRID_ROWS);
        let bottom = sample(2 * cy + 1, 2 * h, GRID_ROWS);
        for cx in 0..w {
            let gc = sample(cx, w, GRID_COLS);
            let Some(cell) = buf.cell_mut((area.x + cx as u16, area.y + cy as u16)) else { continue };
            let (ct, pt) = (plane.class[[top, gc]], plane.prob[[top, gc]]);
            if mode.is_mono() {
                let k = plane.classes.max(2) as f64;
                let sure = (pt - 1.0 / k) / (1.0 - 1.0 / k) >= 0.5;
                let glyph = if sure { char::from_digit((ct % 36) as u32, 36).unwrap_or('?') } else { '·' };
                cell.set_char(glyph);
            } else {
                let (cb, pb) = (plane.class[[bottom, gc]], plane.prob[[bottom, gc]]);
                cell.set_char('▀').set_fg(region_color(mode, ct, pt, plane.classes)).set_bg(region_color(
                    mode,
                    cb,
                    pb,
                    plane.classes,
                ));
            }
        }
    }
}

fn unit_plane(h: &Array2<f64>, max: f64, area: Rect, buf: &mut Buffer, p: &Palette) {
    let mono = p.mode().is_mono();
    let (rows, cols) = if mono {
        (usize::from(area.height), usize::from(area.width) / 2)
    } else {
        (usize::from(area.height) * 2, usize::from(area.width))
    };
    let sampled = Array2::from_shape_fn((rows, cols), |(r, c)| {
        h[[sample(r, rows, GRID_ROWS), sample(c, cols, GRID_COLS)]]
    });
    Heatmap::new(sampled.view(), max, p).render(area, buf);
}

fn render_plane(app: &App, run: &Run, plane: &Plane, area: Rect, buf: &mut Buffer) {
    let p = &app.palette;
    let mode = p.mode();
    let m = run.trainer.params.hidden();
    let title = match &plane.unit {
        Some((j, _, _)) => {
            let j = ix(*j);
            format!("hidden unit {j} of {m}: h{j} = relu(w{j}·x + b1[{j}])")
        }
        None => "Decision boundary: predicted class".to_string(),
    };
    let block = super::view_block(title, "u next unit  d or Esc closes")
        .title(Line::from(step_title(plane.step, run.trainer.step)).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let plane_area = Rect { height: inner.height - 1, ..inner };
    let legend_y = inner.bottom() - 1;
    let mut legend: Vec<Span<'static>> = Vec::new();
    match &plane.unit {
        Some((_, h, max)) => {
            unit_plane(h, *max, plane_area, buf, p);
            let zero = if mode.is_mono() { "· = 0 (unit off)" } else { "black = 0 (unit off)" };
            legend.push(Span::raw(format!("{zero}  up to {}  ", num(*max))));
        }
        None => {
            classes_plane(plane, plane_area, buf, mode);
            for c in 0..plane.classes.min(10) {
                let style = Style::new().fg(point_color(mode, c));
                let mark = if mode.is_mono() { MONO_POINTS[c % MONO_POINTS.len()] } else { '●' };
                legend.push(Span::styled(format!("{mark}"), style));
                legend.push(Span::raw(format!("{c} ")));
            }
            legend.push(Span::raw(if mode.is_mono() {
                " digit: class, · unsure  "
            } else {
                " pale = less sure  "
            }));
        }
    }
    points(run, plane, plane_area, buf, mode);
    legend.push(Span::styled(ranges(run, plane), Style::new().add_modifier(Modifier::DIM)));
    buf.set_line(inner.x, legend_y, &Line::from(legend), inner.width);
}

/// How a square image of `side` pixels is drawn: stretched (`Stretch(s)`: s colour columns
/// per pixel) or shrunk (`Pool(f)`: one column per f×f block of pixels, their mean).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Size {
    Stretch(u16),
    Pool(usize),
}

impl Size {
    /// The tile (columns, rows) of an image of `side` pixels: two pixel rows a terminal
    /// row, or in mono two columns a pixel (8×8 at Stretch(2): 16×8, mono 32×16).
    fn tile(self, side: usize, mono: bool) -> (u16, u16) {
        let cols = match self {
            Size::Stretch(s) => side as u16 * s,
            Size::Pool(f) => side.div_ceil(f) as u16,
        };
        if mono { (2 * cols, cols) } else { (cols, cols.div_ceil(2)) }
    }

    /// The image as drawn: unchanged, or the mean of each f×f block.
    fn apply(self, img: Array2<f64>) -> Array2<f64> {
        let Size::Pool(f) = self else { return img };
        let (rows, cols) = img.dim();
        Array2::from_shape_fn((rows.div_ceil(f), cols.div_ceil(f)), |(r, c)| {
            let block =
                img.slice(ndarray::s![r * f..((r + 1) * f).min(rows), c * f..((c + 1) * f).min(cols)]);
            block.mean().unwrap_or(0.0)
        })
    }
}

/// The sizes to try, largest first: images of up to 16×16 pixels twice and once their size
/// (the 8×8 digits as always), larger ones at their size and then shrunk by 2, 3, … while
/// at least 14 pixels a side are left (28×28 MNIST: 28, then 14).
fn sizes(side: usize) -> Vec<Size> {
    if side <= 16 {
        return vec![Size::Stretch(2), Size::Stretch(1)];
    }
    let mut out = vec![Size::Stretch(1)];
    out.extend((2..side).take_while(|&f| side.div_ceil(f) >= 14).map(Size::Pool));
    out
}

/// "step N", or "as of step N" when the run has moved on since the view was computed.
fn step_title(computed: u64, now: u64) -> String {
    if computed == now { format!("step {now}") } else { format!("as of step {computed} (now {now})") }
}

fn render_images(app: &App, run: &Run, im: &Images, area: Rect, buf: &mut Buffer) {
    let p = &app.palette;
    let mono = p.mode().is_mono();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let w1 = &run.trainer.params.w1;
    let m = w1.nrows();
    let n = im.side;
    let title = format!("What the hidden units look for: rows of W1 as {n}×{n} images");
    let mut block = Block::bordered().title(Line::styled(title, bold));
    let inner = block.inner(area);
    let sizes = sizes(n);
    let smallest = sizes[sizes.len() - 1];
    // The example on the left, the units' tiles on the right: for each example size, the
    // largest unit size at which every unit fits (else the smallest) and how many fit.
    let grid_for = |example: Size| {
        let left_w = (example.tile(n, mono).0 + 2).max(18);
        let grid =
            Rect { x: inner.x + left_w.min(inner.width), width: inner.width.saturating_sub(left_w), ..inner };
        let fits = |z: Size| {
            let (tw, th) = z.tile(n, mono);
            let per_row = (grid.width + 1) / (tw + 1);
            let rows = grid.height / (th + 1);
            (per_row, usize::from(per_row) * usize::from(rows))
        };
        let size = sizes.iter().copied().find(|&z| fits(z).1 >= m).unwrap_or(smallest);
        let (per_row, count) = fits(size);
        (left_w, grid, size, per_row, count)
    };
    // Small images: the example twice its size, as the digits always were. Large ones: the
    // largest example that leaves half the width, room for the caption and every unit.
    let example = if n <= 16 {
        Size::Stretch(2)
    } else {
        let fits = |z: &&Size| {
            let (w, h) = z.tile(n, mono);
            w + 2 <= inner.width / 2 && h + 6 <= inner.height && grid_for(**z).4 >= m
        };
        sizes.iter().find(fits).copied().unwrap_or(smallest)
    };
    let (ew, eh) = example.tile(n, mono);
    let (left_w, grid, size, per_row, count) = grid_for(example);
    let shown = count.min(m);
    block = block.title_bottom(
        Line::from(format!(" showing {shown} of {m} units, each on its own scale ")).right_aligned(),
    );
    block.render(area, buf);
    // The example.
    let ex_area = Rect::new(inner.x, inner.y, ew.min(inner.width), eh.min(inner.height));
    let image = example.apply(im.image.clone());
    let max_pixel = image.iter().fold(0.0f64, |a, &v| a.max(v.abs()));
    Heatmap::new(image.view(), max_pixel, p).render(ex_area, buf);
    let caption = [
        format!("example {}/{}", im.example + 1, im.rows),
        format!("label {}", im.label),
        format!("predicted {} ({:.0}%)", im.predicted, 100.0 * im.prob),
        "black = 0 ink".to_string(),
    ];
    // What was shrunk, and how (never for images of up to 16×16): "units: 2×2 means", each
    // drawn pixel the mean of 2×2 (28×28 drawn as 14×14).
    let shrunk = [("image", example), ("units", size)].into_iter().filter_map(|(what, z)| match z {
        Size::Pool(f) => Some(format!("{what}: {f}×{f} means")),
        Size::Stretch(_) => None,
    });
    let caption: Vec<String> = caption.into_iter().chain(shrunk).collect();
    for (i, line) in caption.iter().enumerate() {
        let y = ex_area.bottom() + i as u16;
        if y < inner.bottom() {
            buf.set_stringn(inner.x, y, line, usize::from(left_w.saturating_sub(1)), Style::new());
        }
    }
    // The units.
    let (tw, th) = size.tile(n, mono);
    for j in 0..shown {
        let (col, row) = ((j % usize::from(per_row.max(1))) as u16, (j / usize::from(per_row.max(1))) as u16);
        let x = grid.x + col * (tw + 1);
        let y = grid.y + row * (th + 1);
        let h = im.h.get(j).copied().unwrap_or(0.0);
        let label = format!("{} h={}", ix(j), compact(h));
        let style = if h > 0.0 { bold } else { Style::new().add_modifier(Modifier::DIM) };
        buf.set_stringn(x, y, &label, usize::from(tw), style);
        let img = Array2::from_shape_fn((n, n), |(r, c)| w1.get([j, r * n + c]).copied().unwrap_or(0.0));
        let img = size.apply(img);
        let scale = img.iter().fold(0.0f64, |a, &v| a.max(v.abs()));
        Heatmap::new(img.view(), scale, p).render(Rect::new(x, y + 1, tw, th).intersection(inner), buf);
    }
}

pub fn render(app: &App, run: &Run, area: Rect, buf: &mut Buffer) {
    match app.panels.boundary.as_ref() {
        Some(Boundary::Plane(plane)) => render_plane(app, run, plane, area, buf),
        Some(Boundary::Images(im)) => render_images(app, run, im, area, buf),
        Some(Boundary::Unsupported(d)) => {
            let text = format!(
                "This view needs 2-D inputs (the decision boundary over the plane: blobs with 2 \
                 features, xor, circles, moons, spiral) or square images (d = 64: the 8×8 digits; \
                 784: 28×28 MNIST). \
                 This scenario has d = {d} inputs."
            );
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(
                    Block::bordered()
                        .title(Line::styled("Decision boundary", Style::new().add_modifier(Modifier::BOLD))),
                )
                .render(area, buf);
        }
        None => Block::bordered().title("Decision boundary").render(area, buf),
    }
}

#[cfg(test)]
mod tests {
    use super::{Size, sizes};
    use ndarray::array;

    #[test]
    fn small_images_keep_the_digits_sizes_and_large_ones_shrink_by_block_means() {
        assert_eq!(sizes(8), [Size::Stretch(2), Size::Stretch(1)]);
        assert_eq!(sizes(28), [Size::Stretch(1), Size::Pool(2)]);
        assert_eq!(sizes(64), [Size::Stretch(1), Size::Pool(2), Size::Pool(3), Size::Pool(4)]);
        assert_eq!(Size::Stretch(2).tile(8, false), (16, 8));
        assert_eq!(Size::Stretch(1).tile(8, true), (16, 8));
        assert_eq!(Size::Pool(2).tile(28, false), (14, 7));
        let img = array![[1.0, 3.0, 5.0], [3.0, 5.0, 7.0], [0.0, 2.0, 4.0]];
        // Partial blocks at the edges are the mean of what they hold.
        assert_eq!(Size::Pool(2).apply(img.clone()), array![[3.0, 6.0], [1.0, 4.0]]);
        assert_eq!(Size::Stretch(1).apply(img.clone()), img);
    }
}

//! The heatmap widget (src/ui/heatmap): layout, cell numbers, colours, cursor, mask view and
//! legends, through its public API.

use ndarray::{Array2, array};
use nnviz::theme::{ColorMode, Palette};
use nnviz::ui::heatmap::*;
use proptest::prelude::*;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier};
use ratatui::text::Line;
use ratatui::widgets::Widget;

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
                    let upper = mode.is_mono() || g.row_unit(r).is_some_and(|u| u.is_multiple_of(2));
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
        let (ox, oy) = g.origin();
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

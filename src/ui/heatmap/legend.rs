//! How values are written: the numbers in cells and the colour keys under the maps.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::ZERO_DOT;
use crate::theme::{Palette, mono_glyph};

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

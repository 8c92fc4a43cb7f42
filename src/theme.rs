//! Colour modes and colormaps.
//!
//! - [`ColorMode`]: what the terminal can show, detected once from the environment ([`detect`]).
//! - [`Palette`]: the diverging colormap for signed values, quantized once into a small table for
//!   the mode, plus the special colours (exact zero, non-finite, mask-view highlight, cursor).
//!
//! Colormap: a dark-centred diverging map, so that on a dark terminal brightness follows |value|.
//! **Positive values are blue, negative values red-orange**; values near 0 are dark grey, the
//! largest magnitudes the brightest. An *exact* zero is black (and the heatmap draws a `·` on it
//! where the cell holds nothing else), so it stands apart from both a tiny nonzero value (dark
//! grey) and a large one (bright). RdBu's near-white centre made the smallest weights the
//! brightest cells on a dark screen and the strongest ones dark, close to the black of zero.

use ratatui::style::Color;

/// What the terminal can display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColorMode {
    /// 24-bit colour (`COLORTERM=truecolor` / `24bit`).
    TrueColor,
    /// The xterm 256-colour palette (`TERM=*256color*`).
    Ansi256,
    /// The 16 basic ANSI colours.
    Ansi16,
    /// No colour at all (`NO_COLOR`, `TERM=dumb`): glyphs only.
    Mono,
}

impl ColorMode {
    /// True for [`ColorMode::Mono`].
    pub fn is_mono(self) -> bool {
        self == ColorMode::Mono
    }
}

/// Detects the colour mode from the process environment (thin wrapper around [`from_env`]).
pub fn detect() -> ColorMode {
    let var = |name: &str| std::env::var(name).ok();
    from_env(var("NO_COLOR").as_deref(), var("COLORTERM").as_deref(), var("TERM").as_deref())
}

/// Pure colour-mode decision, in this order:
/// `NO_COLOR` set and non-empty → Mono; `COLORTERM` is `truecolor`/`24bit` (any case) → TrueColor;
/// `TERM` contains `256color` → Ansi256; `TERM` is `dumb` → Mono; otherwise Ansi16.
pub fn from_env(no_color: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> ColorMode {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return ColorMode::Mono;
    }
    if let Some(ct) = colorterm {
        let ct = ct.trim();
        if ct.eq_ignore_ascii_case("truecolor") || ct.eq_ignore_ascii_case("24bit") {
            return ColorMode::TrueColor;
        }
    }
    match term.map(str::trim) {
        Some(t) if t.contains("256color") => ColorMode::Ansi256,
        Some("dumb") => ColorMode::Mono,
        _ => ColorMode::Ansi16,
    }
}

/// Glyph ramp for [`ColorMode::Mono`], indexed by magnitude (see [`mono_glyph`]).
pub const MONO_RAMP: [char; 5] = [' ', '░', '▒', '▓', '█'];

/// Mono glyph for a normalised value `t ∈ [−1, 1]`: `' '` for `t = 0`, then `░ ▒ ▓ █` for
/// `|t|` in (0, ¼], (¼, ½], (½, ¾], (¾, 1] — any nonzero value gets some ink.
pub fn mono_glyph(t: f64) -> char {
    let a = t.abs();
    if a.is_nan() {
        return MONO_RAMP[0];
    }
    let level = (a.min(1.0) * 4.0).ceil() as usize;
    MONO_RAMP[level.min(MONO_RAMP.len() - 1)]
}

/// Number of entries in the quantized colormap (odd, so that t = 0 has its own entry).
pub const TABLE_SIZE: usize = 65;

/// The colormap and special colours for one [`ColorMode`], built once with [`Palette::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Palette {
    mode: ColorMode,
    table: [Color; TABLE_SIZE],
    dimmed: [Color; TABLE_SIZE],
    zero: Color,
    non_finite: Color,
    highlight: Color,
    cursor: Color,
    zero_mark: Color,
}

/// The map's centre (t → 0): a dark grey, clearly lighter than the black of an exact zero.
pub const CENTRE_RGB: (u8, u8, u8) = (74, 74, 74);
/// Positive side: a mid blue at |t| = ½, a bright blue at 1.
const POS_RGB: [(u8, u8, u8); 2] = [(38, 92, 200), (96, 170, 255)];
/// Negative side: a mid red at |t| = ½, a bright red-orange at 1.
const NEG_RGB: [(u8, u8, u8); 2] = [(196, 52, 40), (255, 128, 64)];

fn lerp((r0, g0, b0): (u8, u8, u8), (r1, g1, b1): (u8, u8, u8), f: f64) -> (u8, u8, u8) {
    let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    (m(r0, r1), m(g0, g1), m(b0, b1))
}

/// The dark-centred diverging map at `t ∈ [−1, 1]`: dark grey at 0, through a mid tone at ½
/// to the bright end at 1 (blue for t > 0, red-orange for t < 0).
pub fn diverging_rgb(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(-1.0, 1.0) };
    let [mid, end] = if t < 0.0 { NEG_RGB } else { POS_RGB };
    let a = t.abs();
    if a <= 0.5 { lerp(CENTRE_RGB, mid, a * 2.0) } else { lerp(mid, end, (a - 0.5) * 2.0) }
}

/// Blend towards a darker grey: used for "changed" elements in the mask view. Never gets close to
/// black (the exact-zero colour).
fn dim_rgb((r, g, b): (u8, u8, u8)) -> (u8, u8, u8) {
    let f = |c: u8| (f64::from(c) * 0.4 + 48.0 * 0.6).round() as u8;
    (f(r), f(g), f(b))
}

/// The RGB a terminal shows for `c`, as far as it is known (xterm's defaults for the 16 named
/// colours); `None` for [`Color::Reset`].
pub fn rgb_of(c: Color) -> Option<(u8, u8, u8)> {
    const NAMED: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let named = |i: usize| Some(NAMED[i]);
    match c {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i @ 0..=15) => named(usize::from(i)),
        Color::Indexed(i @ 16..=231) => {
            let i = usize::from(i - 16);
            Some((LEVELS[i / 36], LEVELS[i / 6 % 6], LEVELS[i % 6]))
        }
        Color::Indexed(i) => {
            let v = 8 + 10 * (i - 232);
            Some((v, v, v))
        }
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
    }
}

/// Relative luminance in [0, 1] (sRGB, Rec. 709 weights on linearised channels).
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// Nearest xterm-256 index (6×6×6 cube 16..=231 or greyscale 232..=255), Euclidean in RGB.
pub fn nearest_ansi256((r, g, b): (u8, u8, u8)) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let d2 = |(x, y, z): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(x, r) + d(y, g) + d(z, b)
    };
    let mut best = (i32::MAX, 16u8);
    for (ri, &lr) in LEVELS.iter().enumerate() {
        for (gi, &lg) in LEVELS.iter().enumerate() {
            for (bi, &lb) in LEVELS.iter().enumerate() {
                let d = d2((lr, lg, lb));
                if d < best.0 {
                    best = (d, (16 + 36 * ri + 6 * gi + bi) as u8);
                }
            }
        }
    }
    for i in 0..24u8 {
        let v = 8 + 10 * i;
        let d = d2((v, v, v));
        if d < best.0 {
            best = (d, 232 + i);
        }
    }
    best.1
}

/// Normalised value of table entry `i`.
fn table_t(i: usize) -> f64 {
    2.0 * i as f64 / (TABLE_SIZE - 1) as f64 - 1.0
}

/// Ansi16 steps, dark-centred like the RGB map: dark grey near 0, then red / blue, then the
/// bright light red / light blue for the largest magnitudes. Dimmed: dark grey up to |t| < 0.6.
fn ansi16_step(t: f64, dimmed: bool) -> Color {
    let a = t.abs();
    match (a, t < 0.0, dimmed) {
        (a, _, false) if a < 0.2 => Color::DarkGray,
        (a, _, true) if a < 0.6 => Color::DarkGray,
        (a, true, false) if a < 0.6 => Color::Red,
        (a, false, false) if a < 0.6 => Color::Blue,
        (_, true, false) => Color::LightRed,
        (_, false, false) => Color::LightBlue,
        (_, true, true) => Color::Red,
        (_, false, true) => Color::Blue,
    }
}

impl Palette {
    /// Builds the quantized table for `mode` (a few thousand operations; do it once).
    pub fn new(mode: ColorMode) -> Palette {
        let rgb = |i: usize| diverging_rgb(table_t(i));
        let mut table = [Color::Reset; TABLE_SIZE];
        let mut dimmed = [Color::Reset; TABLE_SIZE];
        for i in 0..TABLE_SIZE {
            let (c, d) = match mode {
                ColorMode::TrueColor => {
                    let (r, g, b) = rgb(i);
                    let (dr, dg, db) = dim_rgb((r, g, b));
                    (Color::Rgb(r, g, b), Color::Rgb(dr, dg, db))
                }
                ColorMode::Ansi256 => (
                    Color::Indexed(nearest_ansi256(rgb(i))),
                    Color::Indexed(nearest_ansi256(dim_rgb(rgb(i)))),
                ),
                ColorMode::Ansi16 => (ansi16_step(table_t(i), false), ansi16_step(table_t(i), true)),
                ColorMode::Mono => (Color::Reset, Color::Reset),
            };
            table[i] = c;
            dimmed[i] = d;
        }
        let (zero, non_finite, highlight, cursor, zero_mark) = match mode {
            ColorMode::TrueColor => (
                Color::Rgb(0, 0, 0),
                Color::Rgb(255, 0, 255),
                Color::Rgb(255, 215, 0),
                Color::Rgb(0, 255, 0),
                Color::Rgb(170, 170, 170),
            ),
            ColorMode::Ansi256 => (
                Color::Indexed(16),
                Color::Indexed(201),
                Color::Indexed(220),
                Color::Indexed(46),
                Color::Indexed(248),
            ),
            ColorMode::Ansi16 => {
                (Color::Black, Color::LightMagenta, Color::LightYellow, Color::LightGreen, Color::Gray)
            }
            ColorMode::Mono => (Color::Reset, Color::Reset, Color::Reset, Color::Reset, Color::Reset),
        };
        Palette { mode, table, dimmed, zero, non_finite, highlight, cursor, zero_mark }
    }

    /// The mode this palette was built for.
    pub fn mode(&self) -> ColorMode {
        self.mode
    }

    /// Table index for `t` (clamped to [−1, 1]; NaN → centre).
    fn index(t: f64) -> usize {
        let t = if t.is_nan() { 0.0 } else { t.clamp(-1.0, 1.0) };
        ((t + 1.0) * 0.5 * (TABLE_SIZE - 1) as f64).round() as usize
    }

    /// Colour for a normalised value `t ∈ [−1, 1]` (clamped): −1 bright red-orange, 0 dark grey,
    /// +1 bright blue.
    /// NaN gives [`Palette::non_finite`]. An exact zero should use [`Palette::zero`] instead.
    pub fn color(&self, t: f64) -> Color {
        if t.is_nan() { self.non_finite } else { self.table[Self::index(t)] }
    }

    /// Like [`Palette::color`] but dimmed (grey-shifted): "changed" elements in the mask view.
    pub fn dimmed(&self, t: f64) -> Color {
        if t.is_nan() { self.non_finite } else { self.dimmed[Self::index(t)] }
    }

    /// Exact zero: black, darker than the dark grey of tiny nonzero values (and the heatmap puts
    /// a `·` in [`Palette::zero_mark`] on it where it can).
    pub fn zero(&self) -> Color {
        self.zero
    }

    /// The `·` drawn on an exact zero's black: a light grey.
    pub fn zero_mark(&self) -> Color {
        self.zero_mark
    }

    /// Text colour readable on `bg`: black on light backgrounds, white on dark ones (by
    /// luminance). [`Color::Reset`] in Mono or when `bg` is unknown.
    pub fn ink(&self, bg: Color) -> Color {
        let Some(rgb) = rgb_of(bg).filter(|_| !self.mode.is_mono()) else { return Color::Reset };
        // Where black and white text have equal contrast (WCAG ratios).
        let light = luminance(rgb) > 0.179;
        match (self.mode, light) {
            (ColorMode::TrueColor, true) => Color::Rgb(0, 0, 0),
            (ColorMode::TrueColor, false) => Color::Rgb(255, 255, 255),
            (ColorMode::Ansi256, true) => Color::Indexed(16),
            (ColorMode::Ansi256, false) => Color::Indexed(231),
            (_, true) => Color::Black,
            (_, false) => Color::White,
        }
    }

    /// NaN / ±∞: magenta.
    pub fn non_finite(&self) -> Color {
        self.non_finite
    }

    /// Mask view: "unchanged since step 0" (gold / yellow).
    pub fn highlight(&self) -> Color {
        self.highlight
    }

    /// The cursor's marker (bright green brackets or `◆` drawn over the value's own colour).
    pub fn cursor(&self) -> Color {
        self.cursor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLOUR_MODES: [ColorMode; 3] = [ColorMode::TrueColor, ColorMode::Ansi256, ColorMode::Ansi16];

    #[test]
    fn no_color_wins_when_non_empty() {
        assert_eq!(from_env(Some("1"), Some("truecolor"), Some("xterm-256color")), ColorMode::Mono);
        assert_eq!(from_env(Some(""), Some("truecolor"), None), ColorMode::TrueColor);
        assert_eq!(from_env(Some(""), None, None), ColorMode::Ansi16);
    }

    #[test]
    fn colorterm_and_term() {
        assert_eq!(from_env(None, Some("truecolor"), Some("dumb")), ColorMode::TrueColor);
        assert_eq!(from_env(None, Some("24BIT"), None), ColorMode::TrueColor);
        assert_eq!(from_env(None, Some("yes"), Some("xterm-256color")), ColorMode::Ansi256);
        assert_eq!(from_env(None, None, Some("screen-256color")), ColorMode::Ansi256);
        assert_eq!(from_env(None, None, Some("dumb")), ColorMode::Mono);
        assert_eq!(from_env(None, None, Some("xterm")), ColorMode::Ansi16);
        assert_eq!(from_env(None, None, Some("linux")), ColorMode::Ansi16);
        assert_eq!(from_env(None, None, None), ColorMode::Ansi16);
    }

    #[test]
    fn truecolor_ends_are_bright_red_and_blue_and_centre_is_dark_grey() {
        let p = Palette::new(ColorMode::TrueColor);
        let Color::Rgb(r, _, b) = p.color(-1.0) else { panic!("not rgb") };
        assert!(r > 200 && r > 2 * b, "negative end should be red: {r} {b}");
        let Color::Rgb(r, _, b) = p.color(1.0) else { panic!("not rgb") };
        assert!(b > 200 && b > 2 * r, "positive end should be blue: {r} {b}");
        assert_eq!(p.color(0.0), Color::Rgb(74, 74, 74));
        assert_eq!(p.color(1e-9), p.color(0.0));
        assert_eq!(p.color(5.0), p.color(1.0), "clamped");
        assert_eq!(p.color(f64::NAN), p.non_finite());
        // On a dark screen brightness follows |t|: exact 0 (black) < tiny (grey) < large.
        let lum = |c: Color| luminance(rgb_of(c).unwrap());
        let zero = lum(p.zero());
        for t in [1e-9, -1e-9] {
            assert!(lum(p.color(t)) > zero + 0.05, "tiny {t} must be visibly lighter than exact 0");
        }
        for t in [1.0, -1.0] {
            assert!(lum(p.color(t)) > lum(p.color(0.0)) + 0.2, "large {t} much brighter than tiny");
        }
        for k in 1..=10 {
            let (a, b) = (f64::from(k - 1) / 10.0, f64::from(k) / 10.0);
            assert!(lum(p.color(b)) > lum(p.color(a)), "brighter with |t| (+) at {b}");
            assert!(lum(p.color(-b)) > lum(p.color(-a)), "brighter with |t| (−) at {b}");
        }
    }

    #[test]
    fn ink_is_readable_on_every_background() {
        for mode in COLOUR_MODES {
            let p = Palette::new(mode);
            for bg in
                (0..TABLE_SIZE).map(|i| p.color(table_t(i))).chain([p.zero(), p.non_finite(), p.highlight()])
            {
                let (b, i) = (luminance(rgb_of(bg).unwrap()), luminance(rgb_of(p.ink(bg)).unwrap()));
                let ratio = (b.max(i) + 0.05) / (b.min(i) + 0.05);
                assert!(ratio >= 4.0, "{mode:?}: ink {:?} on {bg:?}: contrast {ratio:.2}", p.ink(bg));
            }
        }
        assert_eq!(Palette::new(ColorMode::TrueColor).ink(Color::Rgb(255, 215, 0)), Color::Rgb(0, 0, 0));
        assert_eq!(Palette::new(ColorMode::TrueColor).ink(Color::Rgb(0, 0, 0)), Color::Rgb(255, 255, 255));
        assert_eq!(Palette::new(ColorMode::Mono).ink(Color::Rgb(0, 0, 0)), Color::Reset);
    }

    #[test]
    fn ansi16_steps() {
        let p = Palette::new(ColorMode::Ansi16);
        assert_eq!(p.color(-1.0), Color::LightRed);
        assert_eq!(p.color(-0.4), Color::Red);
        assert_eq!(p.color(0.0), Color::DarkGray);
        assert_eq!(p.color(0.1), Color::DarkGray);
        assert_eq!(p.color(0.4), Color::Blue);
        assert_eq!(p.color(1.0), Color::LightBlue);
        assert_eq!(p.dimmed(0.0), Color::DarkGray);
        assert_eq!(p.zero(), Color::Black);
    }

    #[test]
    fn ansi256_quantization() {
        assert_eq!(nearest_ansi256((255, 0, 0)), 196);
        assert_eq!(nearest_ansi256((0, 0, 0)), 16);
        assert_eq!(nearest_ansi256((128, 128, 128)), 244);
        assert_eq!(nearest_ansi256((255, 255, 255)), 231);
        let p = Palette::new(ColorMode::Ansi256);
        for i in 0..TABLE_SIZE {
            assert!(matches!(p.color(table_t(i)), Color::Indexed(16..=255)));
        }
    }

    #[test]
    fn special_colours_stand_apart_in_every_colour_mode() {
        for mode in COLOUR_MODES {
            let p = Palette::new(mode);
            let specials = [p.zero(), p.non_finite(), p.highlight(), p.cursor()];
            assert_ne!(p.zero_mark(), p.zero(), "{mode:?}: the · on exact 0 is visible");
            for (i, a) in specials.iter().enumerate() {
                for b in &specials[i + 1..] {
                    assert_ne!(a, b, "{mode:?}");
                }
                for k in 0..TABLE_SIZE {
                    let t = table_t(k);
                    assert_ne!(*a, p.color(t), "{mode:?} special {a:?} in table at t={t}");
                    assert_ne!(*a, p.dimmed(t), "{mode:?} special {a:?} in dimmed table at t={t}");
                }
            }
            assert_eq!(p.mode(), mode);
        }
    }

    #[test]
    fn mono_palette_has_no_colour() {
        let p = Palette::new(ColorMode::Mono);
        assert_eq!(p.color(1.0), Color::Reset);
        assert_eq!(p.zero(), Color::Reset);
        assert!(p.mode().is_mono());
    }

    #[test]
    fn mono_glyph_ramp() {
        assert_eq!(mono_glyph(0.0), ' ');
        assert_eq!(mono_glyph(1e-9), '░');
        assert_eq!(mono_glyph(-0.25), '░');
        assert_eq!(mono_glyph(0.5), '▒');
        assert_eq!(mono_glyph(-0.7), '▓');
        assert_eq!(mono_glyph(1.0), '█');
        assert_eq!(mono_glyph(-3.0), '█');
    }
}

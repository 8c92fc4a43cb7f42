//! Number formatting shared by the panels.

/// What every number format writes for values that need no digits: `NaN`, `inf`, `-inf`, and
/// `0` for either zero.
pub fn no_digits(v: f64) -> Option<String> {
    if !v.is_finite() {
        Some(format!("{v}"))
    } else if v == 0.0 {
        Some("0".to_string())
    } else {
        None
    }
}

/// Four significant digits; scientific notation for very small or large magnitudes.
pub fn num(v: f64) -> String {
    if let Some(s) = no_digits(v) {
        return s;
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

/// A setting as written (0.1, 1e-4), falling back to [`num`] when that is long.
pub fn short(v: f64) -> String {
    let plain = format!("{v}");
    if plain.len() <= 7 { plain } else { num(v) }
}

pub fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), num)
}

pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{:.1}%", 100.0 * x))
}

/// Short numbers for vectors: whole numbers without decimals ("60", "132"), otherwise up to
/// four significant digits without trailing zeros ("0.3333", "1.5"), scientific notation
/// for very small or large magnitudes ("5.38e-32").
pub fn compact(v: f64) -> String {
    if let Some(s) = no_digits(v) {
        return s;
    }
    let a = v.abs();
    if v.fract() == 0.0 && a < 1e7 {
        return format!("{v:.0}");
    }
    if (1e-3..1e5).contains(&a) {
        let s = num(v);
        return if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    }
    format!("{v:.2e}")
}

/// Greedy word wrap to `width` columns (display width); a word longer than the width is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let w = |s: &str| ratatui::text::Span::raw(s).width();
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let sep = usize::from(!line.is_empty());
        if !line.is_empty() && w(&line) + sep + w(word) > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while w(&line) > width {
            let cut: String = line.chars().take(width).collect();
            let rest: String = line.chars().skip(width).collect();
            lines.push(cut);
            line = rest;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Units, rows and columns are numbered from 1 on screen, as in the lecture ("input 2,
/// hidden unit 2"); JSON arrays keep their 0-based positions.
pub const FIRST_INDEX: usize = 1;

/// A 0-based index as the screen numbers it.
pub fn ix(i: usize) -> usize {
    i + FIRST_INDEX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1.0), "1.000");
        assert_eq!(num(-0.12345), "-0.1235");
        assert_eq!(num(123.456), "123.5");
        assert_eq!(num(2.5e-7), "2.500e-7");
        assert_eq!(percent(Some(0.5)), "50.0%");
        assert_eq!(compact(60.0), "60");
        assert_eq!(compact(132.0), "132");
        assert_eq!(compact(-0.0), "0");
        assert_eq!(compact(1.0 / 3.0), "0.3333");
        assert_eq!(compact(1.5), "1.5");
        assert_eq!(compact(-2.25e-7), "-2.25e-7");
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert!(wrap("", 5).is_empty());
    }
}

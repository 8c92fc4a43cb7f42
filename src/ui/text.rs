//! Number formatting shared by the panels.

/// Four significant digits; scientific notation for very small or large magnitudes.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_string();
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
    }
}

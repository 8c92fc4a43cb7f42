//! Typed reads of single TOML values. Each gives the value or a [`Defect`] (span and
//! reason) that the caller files under the key it knows.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::{MAX_CLASSES, suggest};
use crate::text::quote;

/// A value as the TOML parser gives it, with its byte span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// What is wrong and where, without the key.
#[derive(Debug)]
pub(crate) struct Defect {
    pub span: Range<usize>,
    pub reason: String,
}

impl Defect {
    pub fn new(span: Range<usize>, reason: impl Into<String>) -> Self {
        Self { span, reason: reason.into() }
    }

    /// The same defect, its reason prefixed with where in an array it is.
    fn within(self, context: &str) -> Self {
        Self { reason: format!("{context}: {}", self.reason), ..self }
    }
}

/// The range a float must lie in.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Bound {
    /// [0, ∞)
    NonNegative,
    /// (0, ∞)
    Positive,
    /// [0, 1)
    Fraction,
    /// (0, 1]
    Probability,
}

impl Bound {
    fn contains(self, x: f64) -> bool {
        match self {
            Self::NonNegative => x >= 0.0,
            Self::Positive => x > 0.0,
            Self::Fraction => (0.0..1.0).contains(&x),
            Self::Probability => x > 0.0 && x <= 1.0,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::NonNegative => "at least 0",
            Self::Positive => "above 0",
            Self::Fraction => "in [0, 1)",
            Self::Probability => "in (0, 1]",
        }
    }
}

/// "a string", "an integer", …
fn with_article(type_str: &str) -> String {
    let article = if type_str.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {type_str}")
}

fn wrong_type(expected: &str, v: &Value) -> Defect {
    let got = with_article(v.get_ref().type_str());
    Defect::new(v.span(), format!("expected {expected}, got {got}"))
}

/// A number as written (for "got …" in reasons), without decimal-to-binary noise.
fn literal(v: &Value) -> String {
    match v.get_ref() {
        DeValue::Float(f) => f.as_str().to_owned(),
        DeValue::Integer(i) => integer(v).map_or_else(|_| i.as_str().to_owned(), |n| n.to_string()),
        other => other.type_str().to_owned(),
    }
}

/// Any TOML integer that fits in i64 (TOML's own range).
pub(crate) fn integer(v: &Value) -> Result<i64, Defect> {
    match v.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map_err(|_| Defect::new(v.span(), "integer does not fit in 64 bits")),
        _ => Err(wrong_type("an integer", v)),
    }
}

/// An integer of at least `min`; negative ones are out of range too.
pub(crate) fn count(v: &Value, min: u64) -> Result<u64, Defect> {
    let n = integer(v)?;
    u64::try_from(n)
        .ok()
        .filter(|&n| n >= min)
        .ok_or_else(|| Defect::new(v.span(), format!("must be at least {min}, got {n}")))
}

/// [`count`], as a size in memory.
pub(crate) fn size(v: &Value, min: u64) -> Result<usize, Defect> {
    let n = count(v, min)?;
    usize::try_from(n).map_err(|_| Defect::new(v.span(), format!("{n} is too large")))
}

/// Any TOML integer. Negative ones are reinterpreted as their two's-complement u64
/// (`-1` → `u64::MAX`), so every integer the file can hold is a valid, distinct seed.
pub(crate) fn seed(v: &Value) -> Result<u64, Defect> {
    integer(v).map(|n| n as u64)
}

/// A finite float; an integer is accepted and converted.
pub(crate) fn number(v: &Value) -> Result<f64, Defect> {
    let x = match v.get_ref() {
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .map_err(|_| Defect::new(v.span(), format!("{} is not a number", f.as_str())))?,
        DeValue::Integer(_) => integer(v)? as f64,
        _ => return Err(wrong_type("a number", v)),
    };
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Defect::new(v.span(), format!("must be a finite number, got {}", literal(v))))
    }
}

/// A finite number within `bound`.
pub(crate) fn number_in(v: &Value, bound: Bound) -> Result<f64, Defect> {
    let x = number(v)?;
    if bound.contains(x) {
        Ok(x)
    } else {
        let reason = format!("must be {}, got {}", bound.describe(), literal(v));
        Err(Defect::new(v.span(), reason))
    }
}

pub(crate) fn string<'v>(v: &'v Value) -> Result<&'v str, Defect> {
    v.get_ref().as_str().ok_or_else(|| wrong_type("a string", v))
}

pub(crate) fn boolean(v: &Value) -> Result<bool, Defect> {
    v.get_ref().as_bool().ok_or_else(|| wrong_type("a boolean", v))
}

pub(crate) fn table<'v, 'i>(v: &'v Value<'i>) -> Result<&'v DeTable<'i>, Defect> {
    v.get_ref().as_table().ok_or_else(|| wrong_type("a table", v))
}

pub(crate) fn array<'v, 'i>(v: &'v Value<'i>) -> Result<&'v DeArray<'i>, Defect> {
    v.get_ref().as_array().ok_or_else(|| wrong_type("an array", v))
}

fn non_empty_array<'v, 'i>(v: &'v Value<'i>) -> Result<&'v DeArray<'i>, Defect> {
    let items = array(v)?;
    if items.is_empty() { Err(Defect::new(v.span(), "must not be empty")) } else { Ok(items) }
}

/// A string naming one of `options` (by its `&'static str` name); gives that option.
pub(crate) fn choice<T: Copy + Into<&'static str>>(
    v: &Value,
    what: &str,
    options: &[T],
) -> Result<T, Defect> {
    let s = string(v)?;
    let name = |t: T| -> &'static str { t.into() };
    if let Some(&t) = options.iter().find(|&&t| name(t) == s) {
        return Ok(t);
    }
    let names = || options.iter().map(|&t| name(t));
    let hint = suggest::did_you_mean(suggest::closest(s, names()).map(|(_, name)| name));
    let all = names().collect::<Vec<_>>().join(", ");
    Err(Defect::new(v.span(), format!("unknown {what} {}{hint}; expected one of: {all}", quote(s))))
}

/// Read every entry of an array, naming the failing one (1-based) in the reason.
fn each<T>(
    items: &[Value],
    label: &str,
    read: impl Fn(&Value) -> Result<T, Defect>,
) -> Result<Vec<T>, Defect> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| read(item).map_err(|d| d.within(&format!("{label} {}", i + 1))))
        .collect()
}

/// A non-empty 1-D array of finite numbers.
pub(crate) fn numbers(v: &Value) -> Result<Vec<f64>, Defect> {
    each(non_empty_array(v)?, "entry", number)
}

/// A non-empty 2-D array of finite numbers, all rows of the same non-zero length.
pub(crate) fn rows(v: &Value) -> Result<Vec<Vec<f64>>, Defect> {
    let items = non_empty_array(v)?;
    let rows = each(items, "row", numbers)?;
    let width = rows.first().map_or(0, Vec::len);
    // `rows` and `items` have the same length, so `r` indexes both.
    match rows.iter().position(|row| row.len() != width) {
        None => Ok(rows),
        Some(r) => {
            let (n, first) = (entries(rows[r].len()), entries(width));
            let reason = format!("row {} has {n}, but row 1 has {first}", r + 1);
            Err(Defect::new(items[r].span(), reason))
        }
    }
}

/// "1 entry", "3 entries".
fn entries(n: usize) -> String {
    if n == 1 { "1 entry".to_owned() } else { format!("{n} entries") }
}

/// A 1-D array of class labels (integers ≥ 0); may be empty.
pub(crate) fn labels(v: &Value) -> Result<Vec<usize>, Defect> {
    each(array(v)?, "entry", |item| {
        let label = size(item, 0)?;
        if label >= MAX_CLASSES {
            let top = MAX_CLASSES - 1;
            let reason = format!("label {label} is too large (labels are class indices, at most {top})");
            return Err(Defect::new(item.span(), reason));
        }
        Ok(label)
    })
}

/// A 1-D array of 0s and 1s (1 = kept); may be empty.
pub(crate) fn flags(v: &Value) -> Result<Vec<bool>, Defect> {
    each(array(v)?, "entry", |item| match integer(item)? {
        0 => Ok(false),
        1 => Ok(true),
        n => Err(Defect::new(item.span(), format!("must be 0 or 1, got {n}"))),
    })
}

/// Init `values`: a 2-D array (`matrix`) or a 1-D one, row-major with its shape.
pub(crate) fn values(v: &Value, matrix: bool) -> Result<(Vec<f64>, Vec<usize>), Defect> {
    if matrix {
        let rows = rows(v)?;
        let shape = vec![rows.len(), rows.first().map_or(0, Vec::len)];
        Ok((rows.concat(), shape))
    } else {
        let values = numbers(v)?;
        let shape = vec![values.len()];
        Ok((values, shape))
    }
}

/// A number, string, boolean or (nested) array of them, as JSON: a literal a lesson's check
/// compares with.
pub(crate) fn json(v: &Value) -> Result<serde_json::Value, Defect> {
    match v.get_ref() {
        DeValue::Integer(_) => Ok(integer(v)?.into()),
        DeValue::Float(_) => Ok(number(v)?.into()),
        DeValue::String(s) => Ok(s.to_string().into()),
        DeValue::Boolean(b) => Ok((*b).into()),
        DeValue::Array(items) => items.iter().map(json).collect::<Result<Vec<_>, _>>().map(Into::into),
        _ => Err(wrong_type("a number, string, boolean or array", v)),
    }
}

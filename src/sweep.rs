//! Sweeps: one scenario turned into the grid of its variants.
//!
//! `--sweep KEY=V1,V2,…` sets the dotted KEY of the scenario to each value in turn; several
//! sweeps give their Cartesian product, the last one varying fastest. Each variant is the
//! scenario's TOML with the swept keys replaced, validated and loaded like any file, and
//! named `<name>[key=value,…]` with the values as typed.
//!
//! The variant's TOML is regenerated, so its line numbers mean nothing to the user: errors
//! in a variant name the sweep (`--sweep KEY=VALUE: KEY: REASON`) instead of a position.

use std::fmt;

use toml::{Table, Value};

use crate::error::InputError;
use crate::load::{self, Loaded};
use crate::scenario;
use crate::text;

/// The most variants one sweep may give: each holds its own copy of the data.
pub const MAX_VARIANTS: usize = 1_000;

/// The seed keys that `--seed` overrides.
const SEED_KEYS: &[&str] = &["data.seed", "init.seed", "train.seed", "dropout.seed"];

/// One `--sweep KEY=V1,V2,…` argument, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sweep {
    /// A dotted path into the scenario format, e.g. `train.learning_rate`.
    pub key: String,
    /// The values as typed (without surrounding spaces), in order.
    pub values: Vec<String>,
}

impl fmt::Display for Sweep {
    /// `--sweep KEY=V1,V2,…`, as it could be typed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--sweep {}={}", self.key, self.values.join(","))
    }
}

/// Parse the argument of one `--sweep`: `KEY=V1,V2,…`. The values are split on the commas
/// outside brackets, braces and quotes; each must be a TOML value or a bare word (a string).
pub fn parse_sweep(arg: &str) -> Result<Sweep, InputError> {
    let fail = |reason: String| InputError::cli(format!("--sweep {arg}: {reason}"));
    let Some((key, list)) = arg.split_once('=') else {
        return Err(fail("expected KEY=V1,V2,… (there is no \"=\")".to_owned()));
    };
    let values = split_values(list).map_err(fail)?;
    let sweep = Sweep { key: key.trim().to_owned(), values };
    check_one(&sweep).map_err(fail)?;
    Ok(sweep)
}

/// The variants of one scenario, in grid order (last sweep fastest), each loaded and
/// checked exactly like [`load::load`] would (data included), with `--seed` applied.
///
/// The base file is loaded first, and its errors are reported as without a sweep. Each
/// variant's `positions` are those of the base file. Without sweeps, the one variant is
/// the scenario itself.
pub fn expand(arg: &str, sweeps: &[Sweep], seed: Option<u64>) -> Result<Vec<Loaded>, InputError> {
    let values = check_all(sweeps, seed)?;

    let text = load::read(arg)?;
    let mut base = scenario::parse_bytes(&text.file, &text.bytes, &text.base, &text.stem)?;
    if let Some(seed) = seed {
        base.override_seeds(seed);
    }
    if sweeps.is_empty() {
        return Ok(vec![load::finish(&text.file, base)?]);
    }
    // Errors only the data can show (a mask's length, …) are the base file's own.
    drop(load::finish(&text.file, base.clone())?);

    let internal = |reason: String| InputError::new(&text.file, None, "", reason);
    // `parse_bytes` accepted the bytes, so they are UTF-8 and TOML.
    let src = std::str::from_utf8(&text.bytes).map_err(|e| internal(e.to_string()))?;
    let table: Table = src.parse().map_err(|e: toml::de::Error| internal(one_line(e.message())))?;

    // First every variant's TOML (cheap), so a bad value is found before any data is loaded.
    let mut variants = Vec::new();
    for point in Grid::new(&values) {
        let chosen: Vec<(&Sweep, &str)> =
            sweeps.iter().zip(&point).map(|(s, &i)| (s, s.values[i].as_str())).collect();
        let mut doc = table.clone();
        for (axis, &(sweep, typed)) in chosen.iter().enumerate() {
            let value = values[axis][point[axis]].clone();
            set(&mut doc, &sweep.key, value)
                .map_err(|reason| InputError::cli(format!("{}: {reason}", flags(&[(sweep, typed)]))))?;
        }
        let name = variant_name(&base.name, &chosen);
        doc.insert("name".to_owned(), Value::String(name));
        let variant_src = toml::to_string(&doc).map_err(|e| rewrap(internal(e.to_string()), &chosen))?;
        let mut scenario = scenario::parse(&text.file, &variant_src, &text.base, &text.stem)
            .map_err(|e| rewrap(e, &chosen))?;
        if let Some(seed) = seed {
            scenario.override_seeds(seed);
        }
        variants.push((scenario, chosen));
    }

    variants
        .into_iter()
        .map(|(scenario, chosen)| {
            let mut loaded = load::finish(&text.file, scenario).map_err(|e| rewrap(e, &chosen))?;
            loaded.scenario.positions.clone_from(&base.positions);
            Ok(loaded)
        })
        .collect()
}

/// The name of a variant: `<name>[key=value,…]`, keys in sweep order.
fn variant_name(name: &str, chosen: &[(&Sweep, &str)]) -> String {
    let parts: Vec<String> = chosen.iter().map(|(s, v)| format!("{}={v}", s.key)).collect();
    format!("{name}[{}]", parts.join(","))
}

/// `--sweep K1=V1 --sweep K2=V2`: the sweeps behind a variant, one value each.
fn flags(chosen: &[(&Sweep, &str)]) -> String {
    chosen.iter().map(|(s, v)| format!("--sweep {}={v}", s.key)).collect::<Vec<_>>().join(" ")
}

/// An error in a variant, as one line naming the sweep it comes from: the sweep whose key
/// is the error's key or contains it (or is contained), else all of the variant's sweeps.
/// The position (in the regenerated TOML) and the file are dropped.
fn rewrap(e: InputError, chosen: &[(&Sweep, &str)]) -> InputError {
    let related: Vec<(&Sweep, &str)> = match &e.key {
        Some(key) => chosen.iter().filter(|(s, _)| overlap(&s.key, key)).copied().collect(),
        None => Vec::new(),
    };
    let exact: Vec<(&Sweep, &str)> =
        related.iter().filter(|(s, _)| Some(&s.key) == e.key.as_ref()).copied().collect();
    let named = if !exact.is_empty() {
        exact
    } else if !related.is_empty() {
        related
    } else {
        chosen.to_vec()
    };
    let who = flags(&named);
    match &e.key {
        Some(key) => InputError::cli(format!("{who}: {key}: {}", e.reason)),
        None => InputError::cli(format!("{who}: {}", e.reason)),
    }
}

/// Whether one dotted key is the other or contains it (`a.b` and `a.b.c`).
fn overlap(a: &str, b: &str) -> bool {
    let within = |long: &str, short: &str| long.strip_prefix(short).is_some_and(|rest| rest.starts_with('.'));
    a == b || within(a, b) || within(b, a)
}

/// Check every sweep and the grid they make; gives each sweep's values as TOML.
fn check_all(sweeps: &[Sweep], seed: Option<u64>) -> Result<Vec<Vec<Value>>, InputError> {
    let mut all = Vec::with_capacity(sweeps.len());
    for (i, sweep) in sweeps.iter().enumerate() {
        let fail = |reason: String| InputError::cli(format!("{sweep}: {reason}"));
        let values = check_one(sweep).map_err(fail)?;
        if let Some(earlier) = sweeps[..i].iter().find(|e| overlap(&e.key, &sweep.key)) {
            return Err(fail(if earlier.key == sweep.key {
                format!("{} is swept twice (first by {earlier})", sweep.key)
            } else {
                format!("{} overlaps {earlier} (one key is inside the other)", sweep.key)
            }));
        }
        if seed.is_some() && SEED_KEYS.contains(&sweep.key.as_str()) {
            let reason = format!("{}: --seed sets every seed, so the variants would not differ", sweep.key);
            return Err(fail(reason));
        }
        all.push(values);
    }
    let count = sweeps.iter().try_fold(1_usize, |n, s| n.checked_mul(s.values.len()));
    if count.is_none_or(|n| n > MAX_VARIANTS) {
        let who = sweeps.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        let n = count.map_or_else(|| "too many".to_owned(), |n| n.to_string());
        return Err(InputError::cli(format!("{who}: {n} variants, above the limit of {MAX_VARIANTS}")));
    }
    Ok(all)
}

/// Check one sweep's key and values; gives the values as TOML. The reason names no sweep.
fn check_one(sweep: &Sweep) -> Result<Vec<Value>, String> {
    let key = sweep.key.as_str();
    if key.is_empty() {
        return Err("the key is empty (expected KEY=V1,V2,…)".to_owned());
    }
    if key.split('.').any(|part| part.trim().is_empty()) {
        return Err(format!("key {} has an empty part", text::quote(key)));
    }
    if key == "name" {
        return Err("name cannot be swept: each variant is named <name>[key=value,…]".to_owned());
    }
    if sweep.values.is_empty() {
        return Err("no values after \"=\"".to_owned());
    }
    let mut out = Vec::with_capacity(sweep.values.len());
    for (i, typed) in sweep.values.iter().enumerate() {
        if typed.trim().is_empty() {
            return Err(format!("value {} is empty", i + 1));
        }
        if sweep.values[..i].contains(typed) {
            return Err(format!("value {} is given twice", text::quote(typed)));
        }
        out.push(literal(typed)?);
    }
    Ok(out)
}

/// A typed value as TOML: a literal (`1e-4`, `1`, `true`, `"x"`, `[1, 0]`, `{ kind = "he" }`)
/// or, for a bare word that is none, the string itself.
fn literal(typed: &str) -> Result<Value, String> {
    let typed = typed.trim();
    match typed.parse::<Value>() {
        Ok(value) => Ok(value),
        // `1e400`, `99999999999999999999`: a number TOML cannot hold, not a word.
        Err(_) if looks_numeric(typed) => Err(format!(
            "value {} is out of range (integers must fit in 64 bits, floats be finite)",
            text::quote(typed)
        )),
        Err(e) if typed.starts_with(['[', '{', '"', '\'']) => {
            Err(format!("value {} is not valid TOML: {}", text::quote(typed), one_line(e.message())))
        }
        Err(_) => Ok(Value::String(typed.to_owned())),
    }
}

/// Whether a typed value is written as a number: a sign or digit first, then only digits,
/// `_`, `.`, exponent marks and signs.
fn looks_numeric(typed: &str) -> bool {
    let digits = typed.trim_start_matches(['+', '-']);
    digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '_' | '.' | 'e' | 'E' | '+' | '-'))
}

/// The values of `V1,V2,…`, split on the commas at the top level (outside `[…]`, `{…}`
/// and quotes) and trimmed.
fn split_values(list: &str) -> Result<Vec<String>, String> {
    if list.trim().is_empty() {
        return Err("no values after \"=\"".to_owned());
    }
    let mut values = Vec::new();
    let mut depth = Vec::new();
    let mut quote = None;
    let mut escaped = false;
    let mut start = 0;
    for (at, c) in list.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '{' => depth.push(c),
            ']' | '}' => {
                let open = if c == ']' { '[' } else { '{' };
                if depth.pop() != Some(open) {
                    return Err(format!("unbalanced {c:?} in {}", text::quote(list)));
                }
            }
            ',' if depth.is_empty() => {
                values.push(list[start..at].trim().to_owned());
                start = at + 1;
            }
            _ => {}
        }
    }
    if let Some(q) = quote {
        return Err(format!("unclosed {q} in {}", text::quote(list)));
    }
    if let Some(open) = depth.last() {
        return Err(format!("unclosed {open:?} in {}", text::quote(list)));
    }
    values.push(list[start..].trim().to_owned());
    if let Some(i) = values.iter().position(String::is_empty) {
        return Err(format!("value {} is empty", i + 1));
    }
    Ok(values)
}

/// Set a dotted key in a TOML document, creating the tables on the way.
fn set(doc: &mut Table, key: &str, value: Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((last, path)) = parts.split_last() else {
        return Err("the key is empty".to_owned());
    };
    let mut table = doc;
    for (i, part) in path.iter().enumerate() {
        let entry = table.entry(part.to_string()).or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(inner) => table = inner,
            other => {
                let got = other.type_str();
                let article = if got.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                return Err(format!(
                    "{}: expected a table, got {article} {got} (so it has no key {})",
                    parts[..=i].join("."),
                    text::quote(parts[i + 1])
                ));
            }
        }
    }
    table.insert(last.to_string(), value);
    Ok(())
}

/// A parser's message on one line, without the drawing of the source.
fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// The points of a grid of `sizes[i]` values per axis, the last axis fastest.
struct Grid {
    sizes: Vec<usize>,
    next: Option<Vec<usize>>,
}

impl Grid {
    fn new<T>(axes: &[Vec<T>]) -> Self {
        let sizes: Vec<usize> = axes.iter().map(Vec::len).collect();
        let next = (!sizes.contains(&0)).then(|| vec![0; sizes.len()]);
        Self { sizes, next }
    }
}

impl Iterator for Grid {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let current = self.next.take()?;
        let mut following = current.clone();
        for axis in (0..following.len()).rev() {
            following[axis] += 1;
            if following[axis] < self.sizes[axis] {
                self.next = Some(following);
                break;
            }
            following[axis] = 0;
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(arg: &str) -> Sweep {
        parse_sweep(arg).expect("sweep is valid")
    }

    fn sweep_err(arg: &str) -> String {
        parse_sweep(arg).expect_err("sweep is invalid").to_string()
    }

    #[test]
    fn splits_on_top_level_commas_only() {
        let s = sweep("dropout.hidden_mask=[1,0,1], [1, 1,1]");
        assert_eq!(s.key, "dropout.hidden_mask");
        assert_eq!(s.values, ["[1,0,1]", "[1, 1,1]"]);
        let s = sweep(r#"a = "x,y", 'p,q' ,{ k = 1, j = [2, 3] },"e\",f""#);
        assert_eq!(s.key, "a");
        assert_eq!(s.values, [r#""x,y""#, "'p,q'", "{ k = 1, j = [2, 3] }", r#""e\",f""#]);
    }

    #[test]
    fn values_become_toml() {
        let one = |v: &str| literal(v).expect("a value");
        assert_eq!(one("1e-4"), Value::Float(1e-4));
        assert_eq!(one("1"), Value::Integer(1));
        assert_eq!(one("-3"), Value::Integer(-3));
        assert_eq!(one("true"), Value::Boolean(true));
        assert_eq!(one("\"x y\""), Value::String("x y".into()));
        assert_eq!(one("proximal"), Value::String("proximal".into()));
        assert_eq!(one("1e-4x"), Value::String("1e-4x".into()));
        assert_eq!(one("[1, 0]"), Value::Array(vec![Value::Integer(1), Value::Integer(0)]));
        assert!(matches!(one("{ kind = \"he\" }"), Value::Table(t) if t.len() == 1));
        assert!(literal("[1, x]").is_err());
        for big in ["1e400", "-1e400", "99999999999999999999"] {
            let e = literal(big).expect_err("out of range");
            assert!(e.contains("out of range"), "{e}");
        }
        assert_eq!(one("1e4x"), Value::String("1e4x".into()));
        assert!(literal("\"a\" b").is_err());
    }

    #[test]
    fn malformed_sweeps() {
        let cases = [
            ("train.steps", "--sweep train.steps: expected KEY=V1,V2,… (there is no \"=\")"),
            ("=1,2", "--sweep =1,2: the key is empty (expected KEY=V1,V2,…)"),
            ("train..steps=1", "--sweep train..steps=1: key \"train..steps\" has an empty part"),
            ("train.steps=", "--sweep train.steps=: no values after \"=\""),
            ("train.steps=1,,2", "--sweep train.steps=1,,2: value 2 is empty"),
            ("train.steps=1,", "--sweep train.steps=1,: value 2 is empty"),
            ("train.steps=1,2,1", "--sweep train.steps=1,2,1: value \"1\" is given twice"),
            ("dropout.hidden_mask=[1,0", "--sweep dropout.hidden_mask=[1,0: unclosed '[' in \"[1,0\""),
            ("dropout.hidden_mask=1]", "--sweep dropout.hidden_mask=1]: unbalanced ']' in \"1]\""),
            ("name=a,b", "--sweep name=a,b: name cannot be swept: each variant is named <name>[key=value,…]"),
        ];
        for (arg, want) in cases {
            assert_eq!(sweep_err(arg), want);
        }
        let e = sweep_err("dropout.hidden_mask=[1,x]");
        assert!(
            e.starts_with("--sweep dropout.hidden_mask=[1,x]: value \"[1,x]\" is not valid TOML: "),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn grid_order_is_last_fastest() {
        let points: Vec<Vec<usize>> = Grid::new(&[vec![0; 2], vec![0; 3]]).collect();
        assert_eq!(points, [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
        assert_eq!(Grid::new::<u8>(&[]).count(), 1);
        assert_eq!(Grid::new(&[vec![0; 2], vec![]]).count(), 0);
    }

    #[test]
    fn set_creates_tables_and_refuses_to_cross_values() {
        let mut doc: Table = "[data]\nsource = \"xor\"\n".parse().expect("TOML");
        set(&mut doc, "regularization.l2.W1", Value::Float(0.5)).expect("settable");
        assert_eq!(doc["regularization"]["l2"]["W1"], Value::Float(0.5));
        let e = set(&mut doc, "data.source.kind", Value::Integer(1)).expect_err("crosses a string");
        assert_eq!(e, "data.source: expected a table, got a string (so it has no key \"kind\")");
    }

    #[test]
    fn overlapping_keys() {
        assert!(overlap("a.b", "a.b"));
        assert!(overlap("a.b", "a.b.c"));
        assert!(overlap("a.b.c", "a"));
        assert!(!overlap("a.b", "a.bc"));
        assert!(!overlap("a.b", "a.c"));
    }

    #[test]
    fn errors_name_the_related_sweep() {
        let a = sweep("train.steps=1");
        let b = sweep("dropout.keep_hidden=2");
        let chosen = [(&a, "1"), (&b, "2")];
        let e = InputError::new("f.toml", None, "dropout.keep_hidden", "must be in (0, 1], got 2");
        assert_eq!(
            rewrap(e, &chosen).to_string(),
            "--sweep dropout.keep_hidden=2: dropout.keep_hidden: must be in (0, 1], got 2"
        );
        let e = InputError::new("f.toml", None, "dropout", "expected a table, got a string");
        assert_eq!(
            rewrap(e, &chosen).to_string(),
            "--sweep dropout.keep_hidden=2: dropout: expected a table, got a string"
        );
        let e = InputError::new("f.toml", None, "data.x", "bad");
        assert_eq!(
            rewrap(e, &chosen).to_string(),
            "--sweep train.steps=1 --sweep dropout.keep_hidden=2: data.x: bad"
        );
        let e = InputError::new("f.toml", None, "", "no key");
        assert_eq!(
            rewrap(e, &chosen).to_string(),
            "--sweep train.steps=1 --sweep dropout.keep_hidden=2: no key"
        );
    }

    #[test]
    fn display_is_the_argument() {
        assert_eq!(sweep(" train.steps = 1, 2 ").to_string(), "--sweep train.steps=1,2");
    }
}

//! Dotted paths into a run's JSON documents: `summary.frozen.W1.first_change_step`,
//! `inspect.forward.logits.0`, `other.random_init.summary.val_acc`.

use serde_json::Value;
use strum::VariantArray;

use crate::text::quote;

/// The documents a path can start in, each the JSON nnviz prints of a run at a step.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, strum::IntoStaticStr, strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Root {
    /// The headless summary line.
    Summary,
    /// `--inspect`'s line: the next batch's forward and backward pass.
    Inspect,
    /// `--gradcheck`'s line on the next batch.
    Gradcheck,
}

impl Root {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// One step of a path: a key of an object, or a 0-based index into a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A checked path: which run (`other.SCENARIO.` or the lesson's own), which document, and the
/// keys within it.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// As written.
    pub text: String,
    /// The `other.` scenario's index in [`super::Lecture::scenarios`]; `None`: the lesson's.
    pub scenario: Option<usize>,
    pub root: Root,
    pub keys: Vec<Seg>,
    /// Where it is written in the lessons file, and under which key.
    pub pos: Option<crate::error::Pos>,
    pub key: String,
}

/// A path as written, split but with its `other.` scenario not yet found.
#[derive(Debug, PartialEq)]
pub struct Parts<'a> {
    pub other: Option<&'a str>,
    pub root: Root,
    pub keys: Vec<Seg>,
}

/// Whether a string is meant as a path (an expected value that is not a literal string):
/// it starts with a root and a dot, or with `other.`.
pub fn looks_like_path(s: &str) -> bool {
    s.starts_with("other.")
        || Root::VARIANTS.iter().any(|r| s.strip_prefix(r.name()).is_some_and(|t| t.starts_with('.')))
}

/// Split a path. `other.SCENARIO.ROOT.…`: SCENARIO runs to the first `.summary`,
/// `.inspect` or `.gradcheck` that is followed by a dot, so it may contain dots itself
/// (`other.lessons/mine.toml.summary.val_acc`).
pub fn split(text: &str) -> Result<Parts<'_>, String> {
    let roots = || Root::VARIANTS.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ");
    let (other, rest) = match text.strip_prefix("other.") {
        Some(tail) => {
            let at = Root::VARIANTS
                .iter()
                .filter_map(|r| tail.match_indices(&format!(".{}.", r.name())).map(|(i, _)| i).next())
                .min()
                .ok_or_else(|| {
                    format!("{} names no document after the scenario (one of: {})", quote(text), roots())
                })?;
            if at == 0 {
                return Err(format!("{} names no scenario after \"other.\"", quote(text)));
            }
            (Some(&tail[..at]), &tail[at + 1..])
        }
        None => (None, text),
    };
    let mut parts = rest.split('.');
    let first = parts.next().unwrap_or_default();
    let root = Root::VARIANTS.iter().copied().find(|r| r.name() == first).ok_or_else(|| {
        format!(
            "{} starts with {}; a path starts with one of: {}, other.SCENARIO.…",
            quote(text),
            quote(first),
            roots()
        )
    })?;
    let keys = parts
        .map(|p| match p {
            "" => Err(format!("{} has an empty part (two dots, or a dot at the end)", quote(text))),
            p if p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map(Seg::Index).map_err(|_| format!("index {p} in {} is too large", quote(text)))
            }
            p => Ok(Seg::Key(p.to_owned())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(format!("{} names a whole document; name a value in it, e.g. {first}.…", quote(text)));
    }
    Ok(Parts { other, root, keys })
}

impl Path {
    /// The value at this path in `doc` (the document of [`Path::root`]). A list shorter than
    /// an index, or a null on the way, gives null (a value the run does not have now); a
    /// key the document does not have is an error: the path is wrong, whatever the step.
    pub fn get<'v>(&self, doc: &'v Value) -> Result<&'v Value, String> {
        static NULL: Value = Value::Null;
        let mut at = doc;
        let mut walked = self.root.name().to_owned();
        for seg in &self.keys {
            at = match (at, seg) {
                (Value::Null, _) => return Ok(&NULL),
                (Value::Object(map), Seg::Key(k)) => match map.get(k) {
                    Some(v) => v,
                    None => {
                        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                        let hint = crate::scenario::suggest_word(k, &keys);
                        return Err(format!(
                            "{walked} has no key {}{hint} (it has: {})",
                            quote(k),
                            keys.join(", ")
                        ));
                    }
                },
                (Value::Array(items), Seg::Index(i)) => items.get(*i).unwrap_or(&NULL),
                (v, seg) => {
                    let what = match v {
                        Value::Array(_) => "a list (index it with a number)",
                        Value::Object(_) => "an object (name one of its keys)",
                        _ => "a single value",
                    };
                    let seg = match seg {
                        Seg::Key(k) => quote(k),
                        Seg::Index(i) => i.to_string(),
                    };
                    return Err(format!("{walked} is {what}, so it has no part {seg}"));
                }
            };
            match seg {
                Seg::Key(k) => walked.push_str(&format!(".{k}")),
                Seg::Index(i) => walked.push_str(&format!(".{i}")),
            }
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_own_and_other_paths() {
        let p = split("summary.frozen.W1.first_change_step").unwrap();
        assert_eq!((p.other, p.root), (None, Root::Summary));
        assert_eq!(p.keys.len(), 3);
        let p = split("inspect.forward.logits.0").unwrap();
        assert_eq!(p.keys[2], Seg::Index(0));
        let p = split("other.regularization/none.summary.val_acc").unwrap();
        assert_eq!((p.other, p.root), (Some("regularization/none"), Root::Summary));
        let p = split("other.mine.toml.inspect.loss").unwrap();
        assert_eq!(p.other, Some("mine.toml"));
    }

    #[test]
    fn rejects_bad_paths() {
        for bad in ["summery.val_acc", "summary", "summary..x", "summary.x.", "other.summary.x", "other.x.y"]
        {
            assert!(split(bad).is_err(), "{bad}");
        }
        assert!(looks_like_path("summary.val_acc") && looks_like_path("other.x.summary.y"));
        assert!(!looks_like_path("frozen") && !looks_like_path("summaryx.y"));
    }

    #[test]
    fn get_walks_keys_and_indexes() {
        let doc = serde_json::json!({"a": {"b": [1, [2, 3]], "n": null}});
        let path = |s: &str| {
            let p = split(s).unwrap();
            Path { text: s.into(), scenario: None, root: p.root, keys: p.keys, pos: None, key: String::new() }
        };
        assert_eq!(path("summary.a.b.1.0").get(&doc).unwrap(), &serde_json::json!(2));
        assert_eq!(path("summary.a.b.7").get(&doc).unwrap(), &Value::Null);
        assert_eq!(path("summary.a.n.x").get(&doc).unwrap(), &Value::Null);
        let e = path("summary.a.c").get(&doc).unwrap_err();
        assert!(e.contains("summary.a has no key \"c\"") && e.contains("(it has: b, n)"), "{e}");
        assert!(path("summary.a.b.x").get(&doc).unwrap_err().contains("is a list"));
    }
}

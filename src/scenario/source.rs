//! The `[data]` section: the source, read first since it decides which keys apply and some
//! defaults, then the keys, then the checks across keys.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use strum::VariantArray;

use super::read::{self, Bound, Defect, Value};
use super::table::{Ctx, Table};
use super::{DataSpec, IdxSpec, Source, SourceKind};

/// Synthetic sources hold at most this many feature values (samples × features).
const MAX_VALUES: u128 = 100_000_000;

const SYNTHETIC: &[SourceKind] =
    &[SourceKind::Blobs, SourceKind::Xor, SourceKind::Circles, SourceKind::Moons, SourceKind::Spiral];

/// The sources a `data` key applies to; `None`: all of them (or not a data key).
fn sources_for(key: &str) -> Option<&'static [SourceKind]> {
    match key {
        "samples" | "noise" => Some(SYNTHETIC),
        "classes" => Some(&[
            SourceKind::Blobs,
            SourceKind::Spiral,
            SourceKind::Csv,
            SourceKind::Inline,
            SourceKind::Idx,
        ]),
        "features" => Some(&[SourceKind::Blobs]),
        "path" => Some(&[SourceKind::Csv]),
        "x" | "y" => Some(&[SourceKind::Inline]),
        "images" | "labels" | "limit" | "scale" => Some(&[SourceKind::Idx]),
        _ => None,
    }
}

fn name(kind: SourceKind) -> &'static str {
    kind.into()
}

/// `data.source`, taken first: its kind (`None` on a defect) and its span (empty when not
/// given), where a missing required key is reported.
pub(super) fn kind(cx: &mut Ctx, t: &mut Table) -> (Option<SourceKind>, Range<usize>) {
    match t.take("source") {
        None => (Some(SourceKind::from(&Source::default())), 0..0),
        Some(v) => {
            let kind = cx.read(&t.path("source"), v, |v| read::choice(v, "source", SourceKind::VARIANTS));
            (kind, v.span())
        }
    }
}

/// The source-specific keys as read, before defaults.
struct SourceKeys {
    samples: Option<usize>,
    classes: Option<usize>,
    features: Option<usize>,
    noise: Option<f64>,
    path: Option<String>,
    x: Option<Vec<Vec<f64>>>,
    y: Option<Vec<usize>>,
    images: Option<String>,
    labels: Option<String>,
    limit: Option<usize>,
    scale: Option<bool>,
    /// The span of every key written (valid or not).
    given: BTreeMap<&'static str, Range<usize>>,
}

/// The data table for a source: a key that does not apply to it is reported, not read.
struct DataTable<'t, 'i> {
    t: Table<'t, 'i>,
    kind: Option<SourceKind>,
    given: BTreeMap<&'static str, Range<usize>>,
}

impl<'t, 'i> DataTable<'t, 'i> {
    fn read<T>(
        &mut self,
        cx: &mut Ctx,
        key: &'static str,
        read: impl FnOnce(&'t Value<'i>) -> Result<T, Defect>,
    ) -> Option<T> {
        let (span, v) = self.t.entry(key)?;
        self.given.insert(key, v.span());
        let path = self.t.path(key);
        if let (Some(kind), Some(only)) = (self.kind, sources_for(key))
            && !only.contains(&kind)
        {
            let only = only.iter().map(|&k| name(k)).collect::<Vec<_>>().join(", ");
            let reason = format!("does not apply to source {:?} (only to {only})", name(kind));
            cx.report(&path, Defect::new(span, reason));
            return None;
        }
        cx.read(&path, v, read)
    }
}

/// The rest of `[data]` (after [`kind`]) into `spec`, which holds the defaults for the
/// source; the source, if the section is clean.
pub(super) fn data(
    cx: &mut Ctx,
    t: Table,
    (kind, at): (Option<SourceKind>, Range<usize>),
    spec: &mut DataSpec,
    base: &Path,
) -> Option<Source> {
    let before = cx.defects();
    let mut d = DataTable { t, kind, given: BTreeMap::new() };
    let fraction = |v: &Value| read::number_in(v, Bound::Fraction);
    let mut keys = SourceKeys {
        samples: d.read(cx, "samples", |v| read::size(v, 1)),
        classes: d.read(cx, "classes", |v| read::size(v, 2)),
        features: d.read(cx, "features", |v| read::size(v, 1)),
        noise: d.read(cx, "noise", |v| read::number_in(v, Bound::NonNegative)),
        path: d.read(cx, "path", csv_path),
        x: d.read(cx, "x", read::rows),
        y: d.read(cx, "y", read::labels),
        images: d.read(cx, "images", csv_path),
        labels: d.read(cx, "labels", csv_path),
        limit: d.read(cx, "limit", |v| read::size(v, 1)),
        scale: d.read(cx, "scale", read::boolean),
        given: BTreeMap::new(),
    };
    spec.validation = d.read(cx, "validation", fraction).unwrap_or(spec.validation);
    spec.test = d.read(cx, "test", fraction).unwrap_or(spec.test);
    spec.standardize = d.read(cx, "standardize", read::boolean).unwrap_or(spec.standardize);
    spec.seed = d.read(cx, "seed", read::seed).unwrap_or(spec.seed);
    d.t.finish(cx);
    if cx.defects() != before {
        return None;
    }
    // A clean section: `kind` is known, every given key was read.
    keys.given = d.given;
    build_source(cx, kind?, keys, at, base)
}

fn csv_path(v: &Value) -> Result<String, Defect> {
    match read::string(v)? {
        "" => Err(Defect::new(v.span(), "must not be empty")),
        path => Ok(path.to_owned()),
    }
}

/// The source from its keys (all valid), with defaults and the checks across keys.
/// `at` is the span of `data.source`, where a missing required key is reported.
fn build_source(
    cx: &mut Ctx,
    kind: SourceKind,
    keys: SourceKeys,
    at: Range<usize>,
    base: &Path,
) -> Option<Source> {
    let samples = keys.samples.unwrap_or(Source::SAMPLES);
    let noise = keys.noise.unwrap_or(Source::NOISE);
    let classes = keys.classes.unwrap_or(Source::CLASSES);
    let features = if kind == SourceKind::Blobs { keys.features.unwrap_or(Source::FEATURES) } else { 2 };
    if SYNTHETIC.contains(&kind) {
        check_size(cx, &keys, samples, features)?;
    }
    Some(match kind {
        SourceKind::Blobs => Source::Blobs { samples, classes, features, noise },
        SourceKind::Xor => Source::Xor { samples, noise },
        SourceKind::Circles => Source::Circles { samples, noise },
        SourceKind::Moons => Source::Moons { samples, noise },
        SourceKind::Spiral => Source::Spiral { samples, classes, noise },
        SourceKind::Digits => Source::Digits,
        SourceKind::Iris => Source::Iris,
        SourceKind::Csv => {
            let Some(shown) = keys.path else {
                let reason = "source \"csv\" needs data.path (the csv file to read)";
                cx.report("data.source", Defect::new(at, reason));
                return None;
            };
            Source::Csv { path: base.join(&shown), shown, classes: keys.classes }
        }
        SourceKind::Inline => inline(cx, keys, at)?,
        SourceKind::Idx => idx(cx, keys, at, base)?,
    })
}

fn idx(cx: &mut Ctx, keys: SourceKeys, at: Range<usize>, base: &Path) -> Option<Source> {
    let (images_shown, labels_shown) = match (keys.images, keys.labels) {
        (Some(i), Some(l)) => (i, l),
        (i, l) => {
            let missing = match (i, l) {
                (None, None) => "data.images and data.labels",
                (None, _) => "data.images",
                _ => "data.labels",
            };
            let reason = format!("source \"idx\" needs {missing} (the IDX files of images and labels)");
            cx.report("data.source", Defect::new(at, reason));
            return None;
        }
    };
    Some(Source::Idx(IdxSpec {
        images: resolve(base, &images_shown),
        images_shown,
        labels: resolve(base, &labels_shown),
        labels_shown,
        limit: keys.limit,
        scale: keys.scale.unwrap_or(true),
        classes: keys.classes,
    }))
}

/// `rel` against the scenario's folder, a leading `..` taken off the folder's last part
/// when it has one (`scenarios` + `../data/x` is `data/x`): a bundled scenario counts as
/// being in `scenarios/` of the current folder, which need not exist.
fn resolve(base: &Path, rel: &str) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = base.to_path_buf();
    let mut rest = Path::new(rel);
    while let Ok(after) = rest.strip_prefix(Component::ParentDir)
        && matches!(out.components().next_back(), Some(Component::Normal(_)))
    {
        out.pop();
        rest = after;
    }
    out.join(rest)
}

/// samples × features within [`MAX_VALUES`]; reported on the key that was written.
fn check_size(cx: &mut Ctx, keys: &SourceKeys, samples: usize, features: usize) -> Option<()> {
    let total = samples as u128 * features as u128;
    if total <= MAX_VALUES {
        return Some(());
    }
    let key = if keys.given.contains_key("samples") { "samples" } else { "features" };
    let span = keys.given.get(key).cloned().unwrap_or_default();
    let reason =
        format!("samples × features = {:e} is above the limit of {:e}", total as f64, MAX_VALUES as f64);
    cx.report(&format!("data.{key}"), Defect::new(span, reason));
    None
}

fn inline(cx: &mut Ctx, keys: SourceKeys, at: Range<usize>) -> Option<Source> {
    let (x, y) = match (keys.x, keys.y) {
        (Some(x), Some(y)) => (x, y),
        (x, y) => {
            let missing = match (x, y) {
                (None, None) => "data.x and data.y",
                (None, _) => "data.x",
                _ => "data.y",
            };
            let reason = format!("source \"inline\" needs {missing} (the samples and labels)");
            cx.report("data.source", Defect::new(at, reason));
            return None;
        }
    };
    let y_span = keys.given.get("y").cloned().unwrap_or_default();
    if x.len() != y.len() {
        let labels = if y.len() == 1 { "1 label".to_owned() } else { format!("{} labels", y.len()) };
        let rows = if x.len() == 1 { "1 row".to_owned() } else { format!("{} rows", x.len()) };
        let reason = format!("has {labels}, but data.x has {rows}");
        cx.report("data.y", Defect::new(y_span, reason));
        return None;
    }
    if let (Some(classes), Some(&top)) = (keys.classes, y.iter().max())
        && top >= classes
    {
        let reason = format!("label {top} is not below data.classes = {classes}");
        cx.report("data.y", Defect::new(y_span, reason));
        return None;
    }
    Some(Source::Inline { x, y, classes: keys.classes })
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use std::path::{Path, PathBuf};

    #[test]
    fn a_leading_dot_dot_is_taken_off_the_folder_as_written() {
        let r = |base: &str, rel: &str| resolve(Path::new(base), rel);
        assert_eq!(r("scenarios", "../data/mnist/x.gz"), PathBuf::from("data/mnist/x.gz"));
        assert_eq!(r("/a/b/scenarios", "../../x"), PathBuf::from("/a/x"));
        assert_eq!(r("", "../data/x"), PathBuf::from("../data/x"));
        assert_eq!(r("..", "../x"), PathBuf::from("../../x"));
        assert_eq!(r("s", "data/x"), PathBuf::from("s/data/x"));
        assert_eq!(r("s", "/abs/x"), PathBuf::from("/abs/x"));
    }
}

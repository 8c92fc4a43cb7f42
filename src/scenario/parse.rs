//! TOML → [`Scenario`], keeping every key's position for error messages.
//!
//! The document is parsed with spans ([`DeTable`]) and walked by hand. Every defect is
//! collected with its byte offset and the earliest one in the file is returned, so the
//! error does not depend on the order the sections are checked in. Checks across keys
//! (required keys, lengths, size limit) run only when the section's keys were all
//! fine, so that they never report a consequence of another defect.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeString, DeTable};

use super::error::Lines;
use super::read::{self, Bound, Defect, Value};
use super::suggest;
use super::syntax::syntax_error;
use super::{
    DataSpec, DropoutMode, DropoutSpec, Init, InitSpec, L1Mode, Pos, RegSpec, Scenario, ScenarioError,
    Source, TrainSpec, UiSpec, pos_of,
};
use crate::text::quote;

const TOP_KEYS: &[&str] =
    &["name", "about", "data", "network", "init", "train", "regularization", "dropout", "ui"];
const DATA_KEYS: &[&str] = &[
    "source",
    "samples",
    "classes",
    "features",
    "noise",
    "path",
    "x",
    "y",
    "validation",
    "test",
    "standardize",
    "seed",
];
const NETWORK_KEYS: &[&str] = &["hidden"];
const INIT_KEYS: &[&str] = &["seed", "W1", "W2", "b1", "b2"];
const TRAIN_KEYS: &[&str] = &["learning_rate", "batch_size", "steps", "shuffle", "seed", "log_every"];
const REG_KEYS: &[&str] = &["l2", "l1", "l1_mode"];
const WEIGHT_KEYS: &[&str] = &["W1", "W2"];
const DROPOUT_KEYS: &[&str] = &["keep_input", "keep_hidden", "mode", "input_mask", "hidden_mask", "seed"];
const UI_KEYS: &[&str] = &["paused"];

/// Every section with its keys, for "did you mean" across sections.
const SECTIONS: &[(&str, &[&str])] = &[
    ("data", DATA_KEYS),
    ("network", NETWORK_KEYS),
    ("init", INIT_KEYS),
    ("train", TRAIN_KEYS),
    ("regularization", REG_KEYS),
    ("dropout", DROPOUT_KEYS),
    ("ui", UI_KEYS),
];

/// Synthetic sources hold at most this many feature values (samples × features).
const MAX_VALUES: u128 = 100_000_000;

/// Parse and validate one scenario. `file` is the name shown in errors; `base` is the
/// folder a csv `data.path` is relative to; `stem` the default name.
pub fn parse(file: &str, src: &str, base: &Path, stem: &str) -> Result<Scenario, ScenarioError> {
    let doc = DeTable::parse(src).map_err(|e| syntax_error(file, src, &e))?;
    let mut cx = Ctx { file, lines: Lines::new(src), errors: Vec::new(), positions: BTreeMap::new() };
    let scenario = document(&mut cx, doc.get_ref(), base, stem);
    cx.finish(scenario)
}

/// [`parse`] raw bytes, which must be UTF-8; the error points at the first bad byte.
pub fn parse_bytes(file: &str, bytes: &[u8], base: &Path, stem: &str) -> Result<Scenario, ScenarioError> {
    match std::str::from_utf8(bytes) {
        Ok(src) => parse(file, src, base, stem),
        Err(e) => {
            let good = e.valid_up_to();
            // The bytes before `good` are valid UTF-8, so this is lossless.
            let before = String::from_utf8_lossy(&bytes[..good]);
            let byte = bytes.get(good).copied().unwrap_or_default();
            let reason = format!("not UTF-8 (invalid byte 0x{byte:02X})");
            Err(ScenarioError::new(file, Some(pos_of(&before, good)), "", reason))
        }
    }
}

/// The walk's state: the defects found so far and the positions of the keys read.
struct Ctx<'a> {
    file: &'a str,
    lines: Lines<'a>,
    /// Each defect with its byte offset and key, in the order found. Only the first in the
    /// file is shown, so its position (and an unknown key's suggestion) is worked out at the
    /// end, for that one: a file of 100,000 unknown keys costs 100,000 pushes, not 100,000
    /// walks from the start of the file.
    errors: Vec<(usize, String, Reason)>,
    positions: BTreeMap<String, Pos>,
}

/// Why a key is rejected, as found.
enum Reason {
    Text(String),
    /// An unknown key: the word, the keys of its table, and whether to look in every section.
    Unknown {
        word: String,
        local: &'static [&'static str],
        anywhere: bool,
    },
}

impl Reason {
    fn text(self) -> String {
        match self {
            Self::Text(text) => text,
            Self::Unknown { word, local, anywhere } => {
                let hint = suggest::did_you_mean(suggest_key(&word, local, anywhere).as_deref());
                format!("unknown key {}{hint}", quote(&word))
            }
        }
    }
}

impl Ctx<'_> {
    fn report(&mut self, path: &str, defect: Defect) {
        self.errors.push((defect.span.start, path.to_owned(), Reason::Text(defect.reason)));
    }

    /// Record where `path` stands and read its value, reporting a defect.
    fn read<'v, 'i, T>(
        &mut self,
        path: &str,
        v: &'v Value<'i>,
        read: impl FnOnce(&'v Value<'i>) -> Result<T, Defect>,
    ) -> Option<T> {
        self.positions.insert(path.to_owned(), self.lines.pos(v.span().start));
        read(v).map_err(|d| self.report(path, d)).ok()
    }

    /// [`Ctx::read`] into `slot`, which keeps its default on a defect.
    fn set<'v, 'i, T>(
        &mut self,
        path: &str,
        v: &'v Value<'i>,
        slot: &mut T,
        read: impl FnOnce(&'v Value<'i>) -> Result<T, Defect>,
    ) {
        if let Some(value) = self.read(path, v, read) {
            *slot = value;
        }
    }

    /// An unknown key, with the closest key of its table (`local`) or, when `anywhere`,
    /// of any section.
    fn unknown(
        &mut self,
        path: &str,
        key: &Spanned<DeString>,
        local: &'static [&'static str],
        anywhere: bool,
    ) {
        let word = key.get_ref().as_ref().to_owned();
        self.errors.push((key.span().start, path.to_owned(), Reason::Unknown { word, local, anywhere }));
    }

    /// Defects found so far; compare before and after a section to see if it was clean.
    fn defects(&self) -> usize {
        self.errors.len()
    }

    /// The first defect in file order, or the scenario with its positions.
    fn finish(self, scenario: Option<Scenario>) -> Result<Scenario, ScenarioError> {
        let Self { file, lines, errors, positions } = self;
        if let Some((at, path, reason)) = errors.into_iter().min_by_key(|(at, ..)| *at) {
            return Err(ScenarioError::new(file, Some(lines.pos(at)), &path, reason.text()));
        }
        let mut scenario = scenario.ok_or_else(|| {
            ScenarioError::new(file, None, "", "internal error: invalid scenario without a defect")
        })?;
        scenario.positions = positions;
        Ok(scenario)
    }
}

/// The closest known key: in the same table, or as `section.key` anywhere if closer.
fn suggest_key(word: &str, local: &[&str], anywhere: bool) -> Option<String> {
    let here = suggest::closest(word, local.iter().copied()).map(|(s, k)| (s, k.to_owned()));
    let there = SECTIONS
        .iter()
        .filter(|_| anywhere)
        .flat_map(|(section, keys)| keys.iter().map(move |key| (*section, *key)))
        .filter_map(|(section, key)| {
            suggest::closest(word, [key]).map(|(s, _)| (s, format!("{section}.{key}")))
        })
        .fold(None::<(f64, String)>, |best, c| match best {
            Some(b) if b.0 >= c.0 => Some(b),
            _ => Some(c),
        });
    match (here, there) {
        (Some(h), Some(t)) if t.0 > h.0 => Some(t.1),
        (Some(h), _) => Some(h.1),
        (None, t) => t.map(|t| t.1),
    }
}

/// A table's entries as (key, spanned key, value).
fn entries<'t, 'i>(
    t: &'t DeTable<'i>,
) -> impl Iterator<Item = (&'t str, &'t Spanned<DeString<'i>>, &'t Value<'i>)> {
    t.iter().map(|(k, v)| (k.get_ref().as_ref(), k, v))
}

fn document(cx: &mut Ctx, doc: &DeTable, base: &Path, stem: &str) -> Option<Scenario> {
    let mut name = stem.to_owned();
    let mut about = String::new();
    let mut sections = BTreeMap::new();
    for (key, k, v) in entries(doc) {
        match key {
            "name" => cx.set(key, v, &mut name, |v| read::string(v).map(str::to_owned)),
            "about" => cx.set(key, v, &mut about, |v| read::string(v).map(str::to_owned)),
            _ if SECTIONS.iter().any(|(s, _)| *s == key) => {
                if let Some(t) = cx.read(key, v, read::table) {
                    sections.insert(key, t);
                }
            }
            _ => cx.unknown(key, k, TOP_KEYS, true),
        }
    }
    let empty = DeTable::new();
    let section = |name: &str| sections.get(name).copied().unwrap_or(&empty);
    let data = data(cx, section("data"), base);
    let inline = matches!(&data, Some(DataSpec { source: Source::Inline { .. }, .. }));
    Some(Scenario {
        name,
        about,
        hidden: network(cx, section("network")),
        init: init(cx, section("init")),
        train: train(cx, section("train"), inline),
        reg: regularization(cx, section("regularization")),
        dropout: dropout(cx, section("dropout")),
        ui: ui(cx, section("ui")),
        data: data?,
        positions: BTreeMap::new(),
    })
}

// ---------------------------------------------------------------------------- data

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Blobs,
    Xor,
    Circles,
    Moons,
    Spiral,
    Digits,
    Iris,
    Csv,
    Inline,
}

const SOURCES: &[(&str, Kind)] = &[
    ("blobs", Kind::Blobs),
    ("xor", Kind::Xor),
    ("circles", Kind::Circles),
    ("moons", Kind::Moons),
    ("spiral", Kind::Spiral),
    ("digits", Kind::Digits),
    ("iris", Kind::Iris),
    ("csv", Kind::Csv),
    ("inline", Kind::Inline),
];

const SYNTHETIC: &[Kind] = &[Kind::Blobs, Kind::Xor, Kind::Circles, Kind::Moons, Kind::Spiral];

impl Kind {
    fn name(self) -> &'static str {
        SOURCES.iter().find(|(_, k)| *k == self).map_or("?", |(name, _)| name)
    }
}

/// The sources a `data` key applies to; `None`: all of them (or not a data key).
fn sources_for(key: &str) -> Option<&'static [Kind]> {
    match key {
        "samples" | "noise" => Some(SYNTHETIC),
        "classes" => Some(&[Kind::Blobs, Kind::Spiral, Kind::Csv, Kind::Inline]),
        "features" => Some(&[Kind::Blobs]),
        "path" => Some(&[Kind::Csv]),
        "x" | "y" => Some(&[Kind::Inline]),
        _ => None,
    }
}

/// The source-specific keys as read, before defaults.
#[derive(Default)]
struct SourceKeys<'t, 'i> {
    samples: Option<usize>,
    classes: Option<usize>,
    features: Option<usize>,
    noise: Option<f64>,
    path: Option<String>,
    x: Option<Vec<Vec<f64>>>,
    y: Option<Vec<usize>>,
    /// Every key written (valid or not) with its value.
    given: BTreeMap<&'t str, &'t Value<'i>>,
}

fn data(cx: &mut Ctx, t: &DeTable, base: &Path) -> Option<DataSpec> {
    let before = cx.defects();
    // The source first: it decides which keys apply and some defaults.
    let source = entries(t).find(|(key, ..)| *key == "source").map(|(.., v)| v);
    let kind = match source {
        None => Some(Kind::Blobs),
        Some(v) => cx.read("data.source", v, |v| read::choice(v, "source", SOURCES)),
    };
    let inline = kind == Some(Kind::Inline);
    let mut spec = DataSpec {
        source: Source::Digits, // replaced below
        validation: if inline { 0.0 } else { 0.2 },
        test: if inline { 0.0 } else { 0.2 },
        standardize: !inline,
        seed: 1,
    };
    let mut keys = SourceKeys::default();
    for (key, k, v) in entries(t).filter(|(key, ..)| *key != "source") {
        let path = format!("data.{key}");
        keys.given.insert(key, v);
        if let (Some(kind), Some(only)) = (kind, sources_for(key))
            && !only.contains(&kind)
        {
            let only = only.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ");
            let reason = format!("does not apply to source {:?} (only to {only})", kind.name());
            cx.report(&path, Defect::new(k.span(), reason));
            continue;
        }
        match key {
            "samples" => keys.samples = cx.read(&path, v, |v| read::size(v, 1)),
            "classes" => keys.classes = cx.read(&path, v, |v| read::size(v, 2)),
            "features" => keys.features = cx.read(&path, v, |v| read::size(v, 1)),
            "noise" => keys.noise = cx.read(&path, v, |v| read::number_in(v, Bound::NonNegative)),
            "path" => keys.path = cx.read(&path, v, csv_path),
            "x" => keys.x = cx.read(&path, v, read::rows),
            "y" => keys.y = cx.read(&path, v, read::labels),
            "validation" => cx.set(&path, v, &mut spec.validation, fraction),
            "test" => cx.set(&path, v, &mut spec.test, fraction),
            "standardize" => cx.set(&path, v, &mut spec.standardize, read::boolean),
            "seed" => cx.set(&path, v, &mut spec.seed, read::seed),
            _ => cx.unknown(&path, k, DATA_KEYS, true),
        }
    }
    if cx.defects() != before {
        return None;
    }
    // A clean section: `kind` is known, every given key was read.
    let at = source.map(|v| v.span()).unwrap_or_default();
    spec.source = build_source(cx, kind?, keys, at, base)?;
    Some(spec)
}

fn fraction(v: &Value) -> Result<f64, Defect> {
    read::number_in(v, Bound::Fraction)
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
    kind: Kind,
    keys: SourceKeys,
    at: std::ops::Range<usize>,
    base: &Path,
) -> Option<Source> {
    let samples = keys.samples.unwrap_or(600);
    let noise = keys.noise.unwrap_or(0.1);
    let classes = keys.classes.unwrap_or(3);
    let features = if kind == Kind::Blobs { keys.features.unwrap_or(2) } else { 2 };
    if SYNTHETIC.contains(&kind) {
        check_size(cx, &keys, samples, features)?;
    }
    Some(match kind {
        Kind::Blobs => Source::Blobs { samples, classes, features, noise },
        Kind::Xor => Source::Xor { samples, noise },
        Kind::Circles => Source::Circles { samples, noise },
        Kind::Moons => Source::Moons { samples, noise },
        Kind::Spiral => Source::Spiral { samples, classes, noise },
        Kind::Digits => Source::Digits,
        Kind::Iris => Source::Iris,
        Kind::Csv => {
            let Some(shown) = keys.path else {
                let reason = "source \"csv\" needs data.path (the csv file to read)";
                cx.report("data.source", Defect::new(at, reason));
                return None;
            };
            Source::Csv { path: base.join(&shown), shown, classes: keys.classes }
        }
        Kind::Inline => inline(cx, keys, at)?,
    })
}

/// samples × features within [`MAX_VALUES`]; reported on the key that was written.
fn check_size(cx: &mut Ctx, keys: &SourceKeys, samples: usize, features: usize) -> Option<()> {
    let total = samples as u128 * features as u128;
    if total <= MAX_VALUES {
        return Some(());
    }
    let key = if keys.given.contains_key("samples") { "samples" } else { "features" };
    let span = keys.given.get(key).map(|v| v.span()).unwrap_or_default();
    let reason =
        format!("samples × features = {:e} is above the limit of {:e}", total as f64, MAX_VALUES as f64);
    cx.report(&format!("data.{key}"), Defect::new(span, reason));
    None
}

fn inline(cx: &mut Ctx, keys: SourceKeys, at: std::ops::Range<usize>) -> Option<Source> {
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
    let y_span = keys.given.get("y").map(|v| v.span()).unwrap_or_default();
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

// ------------------------------------------------------------------- other sections

fn network(cx: &mut Ctx, t: &DeTable) -> usize {
    let mut hidden = 16;
    for (key, k, v) in entries(t) {
        let path = format!("network.{key}");
        match key {
            "hidden" => cx.set(&path, v, &mut hidden, |v| read::size(v, 1)),
            _ => cx.unknown(&path, k, NETWORK_KEYS, true),
        }
    }
    hidden
}

fn ui(cx: &mut Ctx, t: &DeTable) -> UiSpec {
    let mut s = UiSpec::default();
    for (key, k, v) in entries(t) {
        let path = format!("ui.{key}");
        match key {
            "paused" => cx.set(&path, v, &mut s.paused, read::boolean),
            _ => cx.unknown(&path, k, UI_KEYS, true),
        }
    }
    s
}

fn train(cx: &mut Ctx, t: &DeTable, inline: bool) -> TrainSpec {
    let mut s = TrainSpec {
        learning_rate: 0.1,
        batch_size: 32,
        steps: 3000,
        shuffle: !inline,
        seed: 7,
        log_every: 10,
    };
    for (key, k, v) in entries(t) {
        let path = format!("train.{key}");
        match key {
            "learning_rate" => {
                cx.set(&path, v, &mut s.learning_rate, |v| read::number_in(v, Bound::Positive));
            }
            "batch_size" => cx.set(&path, v, &mut s.batch_size, |v| read::size(v, 1)),
            "steps" => cx.set(&path, v, &mut s.steps, |v| read::count(v, 0)),
            "shuffle" => cx.set(&path, v, &mut s.shuffle, read::boolean),
            "seed" => cx.set(&path, v, &mut s.seed, read::seed),
            "log_every" => cx.set(&path, v, &mut s.log_every, |v| read::count(v, 1)),
            _ => cx.unknown(&path, k, TRAIN_KEYS, true),
        }
    }
    s
}

fn regularization(cx: &mut Ctx, t: &DeTable) -> RegSpec {
    let mut s = RegSpec { l2: [0.0; 2], l1: [0.0; 2], l1_mode: L1Mode::Subgradient };
    let modes = &[("subgradient", L1Mode::Subgradient), ("proximal", L1Mode::Proximal)];
    for (key, k, v) in entries(t) {
        let path = format!("regularization.{key}");
        match key {
            "l2" => s.l2 = strengths(cx, &path, v),
            "l1" => s.l1 = strengths(cx, &path, v),
            "l1_mode" => cx.set(&path, v, &mut s.l1_mode, |v| read::choice(v, "l1_mode", modes)),
            _ => cx.unknown(&path, k, REG_KEYS, true),
        }
    }
    s
}

/// `{ W1 = …, W2 = … }`, each ≥ 0 and 0 when left out.
fn strengths(cx: &mut Ctx, path: &str, v: &Value) -> [f64; 2] {
    let mut s = [0.0; 2];
    let Some(t) = cx.read(path, v, read::table) else { return s };
    for (key, k, v) in entries(t) {
        let path = format!("{path}.{key}");
        let non_negative = |v: &Value| read::number_in(v, Bound::NonNegative);
        match key {
            "W1" => cx.set(&path, v, &mut s[0], non_negative),
            "W2" => cx.set(&path, v, &mut s[1], non_negative),
            _ => cx.unknown(&path, k, WEIGHT_KEYS, false),
        }
    }
    s
}

fn dropout(cx: &mut Ctx, t: &DeTable) -> DropoutSpec {
    let mut s = DropoutSpec {
        keep_input: 1.0,
        keep_hidden: 1.0,
        mode: DropoutMode::Inverted,
        input_mask: None,
        hidden_mask: None,
        seed: 3,
    };
    let modes = &[("inverted", DropoutMode::Inverted), ("classic", DropoutMode::Classic)];
    let keep = |v: &Value| read::number_in(v, Bound::Probability);
    let mask = |v: &Value| read::flags(v).map(Some);
    for (key, k, v) in entries(t) {
        let path = format!("dropout.{key}");
        match key {
            "keep_input" => cx.set(&path, v, &mut s.keep_input, keep),
            "keep_hidden" => cx.set(&path, v, &mut s.keep_hidden, keep),
            "mode" => cx.set(&path, v, &mut s.mode, |v| read::choice(v, "mode", modes)),
            "input_mask" => cx.set(&path, v, &mut s.input_mask, mask),
            "hidden_mask" => cx.set(&path, v, &mut s.hidden_mask, mask),
            "seed" => cx.set(&path, v, &mut s.seed, read::seed),
            _ => cx.unknown(&path, k, DROPOUT_KEYS, true),
        }
    }
    s
}

// ---------------------------------------------------------------------------- init

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InitKind {
    Zeros,
    Constant,
    Normal,
    Uniform,
    Xavier,
    He,
    Values,
}

const INIT_KINDS: &[(&str, InitKind)] = &[
    ("zeros", InitKind::Zeros),
    ("constant", InitKind::Constant),
    ("normal", InitKind::Normal),
    ("uniform", InitKind::Uniform),
    ("xavier", InitKind::Xavier),
    ("he", InitKind::He),
    ("values", InitKind::Values),
];

impl InitKind {
    /// The one parameter a kind takes, if any.
    fn param(self) -> Option<&'static str> {
        match self {
            Self::Constant => Some("value"),
            Self::Normal => Some("std"),
            Self::Uniform => Some("limit"),
            Self::Values => Some("values"),
            Self::Zeros | Self::Xavier | Self::He => None,
        }
    }

    fn name(self) -> &'static str {
        INIT_KINDS.iter().find(|(_, k)| *k == self).map_or("?", |(name, _)| name)
    }
}

fn init(cx: &mut Ctx, t: &DeTable) -> InitSpec {
    let mut s = InitSpec {
        seed: 42,
        w1: Init::Normal(None),
        b1: Init::Zeros,
        w2: Init::Normal(None),
        b2: Init::Zeros,
    };
    for (key, k, v) in entries(t) {
        let path = format!("init.{key}");
        let (slot, matrix) = match key {
            "seed" => {
                cx.set(&path, v, &mut s.seed, read::seed);
                continue;
            }
            "W1" => (&mut s.w1, true),
            "W2" => (&mut s.w2, true),
            "b1" => (&mut s.b1, false),
            "b2" => (&mut s.b2, false),
            _ => {
                cx.unknown(&path, k, INIT_KEYS, true);
                continue;
            }
        };
        if let Some(init) = init_kind(cx, &path, v, matrix) {
            *slot = init;
        }
    }
    s
}

/// One `{ kind = …, <param> = … }` table; `matrix`: `values` is 2-D (W1, W2).
fn init_kind(cx: &mut Ctx, path: &str, v: &Value, matrix: bool) -> Option<Init> {
    let t = cx.read(path, v, read::table)?;
    let Some((.., kind_value)) = entries(t).find(|(key, ..)| *key == "kind") else {
        let names = INIT_KINDS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
        let reason = format!("\"kind\" is required (one of: {names})");
        cx.report(path, Defect::new(v.span(), reason));
        return None;
    };
    let kind_path = format!("{path}.kind");
    let kind = cx.read(&kind_path, kind_value, |v| read::choice(v, "kind", INIT_KINDS))?;
    let mut number = None;
    let mut values = None;
    for (key, k, pv) in entries(t).filter(|(key, ..)| *key != "kind") {
        let p = format!("{path}.{key}");
        if kind.param() != Some(key) {
            cx.report(&p, unknown_param(kind, key, k));
            continue;
        }
        match kind {
            InitKind::Constant => number = cx.read(&p, pv, read::number),
            InitKind::Values => values = cx.read(&p, pv, |v| read::values(v, matrix)),
            _ => number = cx.read(&p, pv, |v| read::number_in(v, Bound::Positive)),
        }
    }
    let missing = |cx: &mut Ctx| {
        let param = kind.param().unwrap_or_default();
        if !entries(t).any(|(key, ..)| key == param) {
            let reason = format!("kind {:?} needs {param:?}", kind.name());
            cx.report(path, Defect::new(v.span(), reason));
        }
        None
    };
    match kind {
        InitKind::Zeros => Some(Init::Zeros),
        InitKind::Xavier => Some(Init::Xavier),
        InitKind::He => Some(Init::He),
        InitKind::Normal => Some(Init::Normal(number)),
        InitKind::Uniform => Some(Init::Uniform(number)),
        InitKind::Constant => number.map(Init::Constant).or_else(|| missing(cx)),
        InitKind::Values => match values {
            Some((values, shape)) => Some(Init::Values { values, shape }),
            None => missing(cx),
        },
    }
}

/// A key in an init table that `kind` does not take.
fn unknown_param(kind: InitKind, key: &str, k: &Spanned<DeString>) -> Defect {
    let known = ["kind"].into_iter().chain(kind.param());
    let hint = match suggest::closest(key, known) {
        Some((_, near)) => suggest::did_you_mean(Some(near)),
        None => match kind.param() {
            Some(param) => format!(" (kind {:?} takes only {param:?})", kind.name()),
            None => format!(" (kind {:?} takes no parameters)", kind.name()),
        },
    };
    Defect::new(k.span(), format!("unknown key {}{hint}", quote(key)))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn ok(src: &str) -> Scenario {
        parse("t.toml", src, Path::new("/base"), "stem").expect("scenario is valid")
    }

    fn err(src: &str) -> String {
        parse("t.toml", src, Path::new("/base"), "stem").expect_err("scenario is invalid").to_string()
    }

    #[test]
    fn empty_file_gives_all_defaults() {
        let s = ok("");
        let expected = Scenario {
            ui: UiSpec::default(),
            name: "stem".into(),
            about: String::new(),
            data: DataSpec {
                source: Source::Blobs { samples: 600, classes: 3, features: 2, noise: 0.1 },
                validation: 0.2,
                test: 0.2,
                standardize: true,
                seed: 1,
            },
            hidden: 16,
            init: InitSpec {
                seed: 42,
                w1: Init::Normal(None),
                b1: Init::Zeros,
                w2: Init::Normal(None),
                b2: Init::Zeros,
            },
            train: TrainSpec {
                learning_rate: 0.1,
                batch_size: 32,
                steps: 3000,
                shuffle: true,
                seed: 7,
                log_every: 10,
            },
            reg: RegSpec { l2: [0.0; 2], l1: [0.0; 2], l1_mode: L1Mode::Subgradient },
            dropout: DropoutSpec {
                keep_input: 1.0,
                keep_hidden: 1.0,
                mode: DropoutMode::Inverted,
                input_mask: None,
                hidden_mask: None,
                seed: 3,
            },
            positions: BTreeMap::new(),
        };
        assert_eq!(s, expected);
    }

    #[test]
    fn spiral_defaults_to_three_classes() {
        let s = ok("[data]\nsource = \"spiral\"\n");
        assert_eq!(s.data.source, Source::Spiral { samples: 600, classes: 3, noise: 0.1 });
    }

    #[test]
    fn integer_accepted_as_float() {
        let s = ok("[dropout]\nkeep_hidden = 1\n[train]\nlearning_rate = 2\n");
        assert_eq!(s.dropout.keep_hidden, 1.0);
        assert_eq!(s.train.learning_rate, 2.0);
    }

    #[test]
    fn float_not_accepted_as_integer() {
        let e = err("[network]\nhidden = 16.0\n");
        assert_eq!(e, "t.toml:2:10: network.hidden: expected an integer, got a float");
    }

    #[test]
    fn inline_defaults() {
        let s = ok("[data]\nsource = \"inline\"\nx = [[0.0, 1], [2, 3.5]]\ny = [0, 1]\n");
        assert_eq!(
            s.data.source,
            Source::Inline { x: vec![vec![0.0, 1.0], vec![2.0, 3.5]], y: vec![0, 1], classes: None }
        );
        assert_eq!((s.data.validation, s.data.test), (0.0, 0.0));
        assert!(!s.data.standardize);
        assert!(!s.train.shuffle);
    }

    #[test]
    fn source_may_come_after_its_keys() {
        let s = ok("[data]\nfeatures = 5\nsource = \"blobs\"\n");
        assert_eq!(s.data.source, Source::Blobs { samples: 600, classes: 3, features: 5, noise: 0.1 });
        let e = err("[data]\nfeatures = 5\nsource = \"xor\"\n");
        assert_eq!(e, "t.toml:2:1: data.features: does not apply to source \"xor\" (only to blobs)");
    }

    const FULL: &str = r#"
name = "full"
about = "every key"

[data]
source = "blobs"
samples = 200
classes = 4
features = 3
noise = 0.5
validation = 0.1
test = 0.3
standardize = false
seed = -1

[network]
hidden = 8

[init]
seed = 5
W1 = { kind = "values", values = [[1, 2], [3, 4], [5, 6]] }
b1 = { kind = "constant", value = -0.5 }
W2 = { kind = "uniform", limit = 0.3 }
b2 = { kind = "values", values = [0.25, 0.5] }

[train]
learning_rate = 0.05
batch_size = 16
steps = 0
shuffle = false
seed = 9
log_every = 5

[regularization]
l2 = { W1 = 0.01, W2 = 0.02 }
l1 = { W2 = 0.5 }
l1_mode = "proximal"

[dropout]
keep_input = 0.8
keep_hidden = 0.5
mode = "classic"
input_mask = [1, 0, 1]
hidden_mask = []
seed = 11
"#;

    #[test]
    fn full_file() {
        let mut s = ok(FULL);
        s.positions.clear();
        let expected = Scenario {
            ui: UiSpec::default(),
            name: "full".into(),
            about: "every key".into(),
            data: DataSpec {
                source: Source::Blobs { samples: 200, classes: 4, features: 3, noise: 0.5 },
                validation: 0.1,
                test: 0.3,
                standardize: false,
                seed: u64::MAX,
            },
            hidden: 8,
            init: InitSpec {
                seed: 5,
                w1: Init::Values { values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape: vec![3, 2] },
                b1: Init::Constant(-0.5),
                w2: Init::Uniform(Some(0.3)),
                b2: Init::Values { values: vec![0.25, 0.5], shape: vec![2] },
            },
            train: TrainSpec {
                learning_rate: 0.05,
                batch_size: 16,
                steps: 0,
                shuffle: false,
                seed: 9,
                log_every: 5,
            },
            reg: RegSpec { l2: [0.01, 0.02], l1: [0.0, 0.5], l1_mode: L1Mode::Proximal },
            dropout: DropoutSpec {
                keep_input: 0.8,
                keep_hidden: 0.5,
                mode: DropoutMode::Classic,
                input_mask: Some(vec![true, false, true]),
                hidden_mask: Some(vec![]),
                seed: 11,
            },
            positions: BTreeMap::new(),
        };
        assert_eq!(s, expected);
    }

    #[test]
    fn other_sources() {
        let csv = ok("[data]\nsource = \"csv\"\npath = \"d/x.csv\"\nclasses = 2\n");
        let path = PathBuf::from("/base/d/x.csv");
        assert_eq!(csv.data.source, Source::Csv { path, shown: "d/x.csv".into(), classes: Some(2) });
        let xor = ok("data.source = \"xor\"\ndata.samples = 10\ndata.noise = 0\n");
        assert_eq!(xor.data.source, Source::Xor { samples: 10, noise: 0.0 });
        assert_eq!(ok("data.source = \"iris\"").data.source, Source::Iris);
        let init = ok("[init.W1]\nkind = \"normal\"\nstd = 0.5\n[init.b2]\nkind = \"he\"\n").init;
        assert_eq!((init.w1, init.b2), (Init::Normal(Some(0.5)), Init::He));
    }

    #[test]
    fn positions_recorded() {
        let s = ok(FULL);
        let at = |key: &str| s.pos(key).map(|p| (p.line, p.col));
        assert_eq!(at("name"), Some((2, 8)));
        assert_eq!(at("data.source"), Some((6, 10)));
        assert_eq!(at("init.W1"), Some((21, 6)));
        assert_eq!(at("init.W1.values"), Some((21, 34)));
        assert_eq!(at("train.learning_rate"), Some((27, 17)));
        assert_eq!(at("regularization.l2.W1"), Some((35, 13)));
        assert_eq!(at("regularization.l1.W1"), None);
        assert_eq!(at("dropout.seed"), Some((45, 8)));
        let inline = ok("[data]\nsource = \"inline\"\nx = [[1]]\ny = [0]\n");
        assert_eq!(inline.pos("data.x"), Some(Pos { line: 3, col: 5 }));
    }

    #[test]
    fn did_you_mean_exact() {
        let e = err("[train]\nlearing_rate = 0.1\n");
        assert_eq!(
            e,
            "t.toml:2:1: train.learing_rate: unknown key \"learing_rate\" (did you mean \"learning_rate\"?)"
        );
    }

    #[test]
    fn did_you_mean_other_section() {
        let e = err("[train]\nhidden = 3\n");
        assert!(e.ends_with("unknown key \"hidden\" (did you mean \"network.hidden\"?)"), "{e}");
        let e = err("[init]\nw1 = { kind = \"he\" }\n");
        assert!(e.ends_with("(did you mean \"W1\"?)"), "{e}");
    }

    #[test]
    fn first_defect_in_file_order_wins() {
        // `train` is checked after `data`, but comes first in the file.
        let e = err("[train]\nsteps = -1\n[data]\nsamples = 0\n");
        assert!(e.starts_with("t.toml:2:9: train.steps:"), "{e}");
        let e = err("[data]\nsamples = 0\n[train]\nsteps = -1\n");
        assert!(e.starts_with("t.toml:2:11: data.samples:"), "{e}");
    }

    #[test]
    fn syntax_error_is_one_line() {
        let e = err("a = \"abc\n");
        assert_eq!(e, "t.toml:1:9: invalid basic string, expected `\"`");
        assert_eq!(err("x = 1\nx = 2\n"), "t.toml:2:1: x: duplicate key \"x\"");
        assert_eq!(
            err("[train]\nsteps = 1\nsteps = 2\n"),
            "t.toml:3:1: train.steps: duplicate key \"steps\""
        );
    }

    #[test]
    fn not_utf8() {
        let e = parse_bytes("t.toml", b"# ok\nname = \"\xC3\x28\"\n", Path::new("."), "t");
        let e = e.expect_err("invalid UTF-8").to_string();
        assert_eq!(e, "t.toml:2:9: not UTF-8 (invalid byte 0xC3)");
    }

    #[test]
    fn init_param_errors() {
        let e = err("[init]\nb1 = { kind = \"zeros\", value = 1 }\n");
        assert!(e.ends_with("unknown key \"value\" (kind \"zeros\" takes no parameters)"), "{e}");
        let e = err("[init]\nW1 = { kind = \"normal\", sd = 1 }\n");
        assert!(e.ends_with("(did you mean \"std\"?)"), "{e}");
        let e = err("[init]\nW1 = { kind = \"constant\" }\n");
        assert_eq!(e, "t.toml:2:6: init.W1: kind \"constant\" needs \"value\"");
    }

    #[test]
    fn odd_input_gives_a_located_error_or_a_scenario() {
        // What each error starts with: the place and the key (the reasons may be reworded).
        for (src, expected) in [
            ("data = 3", Err("t.toml:1:8: data:")),
            ("[[data]]\nx = 1", Err("t.toml:1:1: data:")),
            ("data.x = { a = 1 }\ndata.source = \"inline\"", Err("t.toml:1:10: data.x:")),
            ("train.steps = 99999999999999999999", Err("t.toml:1:15: train.steps:")),
            ("data.samples = 9223372036854775807", Err("t.toml:1:16: data.samples:")),
            ("data.seed = 0x7FFF_FFFF_FFFF_FFFF", Ok("t")),
            ("when = 1979-05-27T07:32:00Z", Err("t.toml:1:1: when:")),
            ("init.W1 = { kind = 3 }", Err("t.toml:1:20: init.W1.kind:")),
            ("init.b1 = { kind = \"values\", values = [[1]] }", Err("t.toml:1:40: init.b1.values:")),
            ("dropout.input_mask = [true]", Err("t.toml:1:23: dropout.input_mask:")),
            ("\u{feff}name = \"bom\"", Ok("bom")),
        ] {
            match (parse("t.toml", src, Path::new("."), "t"), expected) {
                (Ok(s), Ok(name)) => assert_eq!(s.name, name, "{src:?}"),
                (Err(e), Err(start)) => {
                    let e = e.to_string();
                    assert!(e.starts_with(start) && !e.contains('\n'), "{src:?}: {e}");
                }
                (got, _) => panic!("{src:?}: {got:?}, expected {expected:?}"),
            }
        }
    }
}

//! TOML → [`Scenario`], keeping every key's position for error messages.
//!
//! The document is parsed with spans ([`DeTable`]) and walked by hand, one [`Table`] per
//! TOML table, starting from the defaults ([`Scenario::defaults_for`]). Checks across keys
//! (required keys, lengths, size limit) run only when the section's keys were all fine, so
//! that they never report a consequence of another defect.

use std::path::Path;

use strum::VariantArray;
use toml::de::DeTable;

use super::read::{self, Bound, Defect, Value};
use super::source;
use super::syntax::syntax_error;
use super::table::{Ctx, Table};
use super::{
    Change, DropoutMode, DropoutSpec, Init, InitKind, InitSpec, InputError, L1Mode, RegSpec, Scenario,
    TrainSpec, UiSpec, pos_of,
};

/// Parse and validate one scenario. `file` is the name shown in errors; `base` is the
/// folder a csv `data.path` is relative to; `stem` the default name.
pub fn parse(file: &str, src: &str, base: &Path, stem: &str) -> Result<Scenario, InputError> {
    let doc = DeTable::parse(src).map_err(|e| syntax_error(file, src, &e))?;
    let mut cx = Ctx::new(file, src);
    let scenario = document(&mut cx, doc.get_ref(), base, stem);
    cx.finish(scenario)
}

/// [`parse`] raw bytes, which must be UTF-8; the error points at the first bad byte.
pub fn parse_bytes(file: &str, bytes: &[u8], base: &Path, stem: &str) -> Result<Scenario, InputError> {
    match std::str::from_utf8(bytes) {
        Ok(src) => parse(file, src, base, stem),
        Err(e) => {
            let good = e.valid_up_to();
            // The bytes before `good` are valid UTF-8, so this is lossless.
            let before = String::from_utf8_lossy(&bytes[..good]);
            let byte = bytes.get(good).copied().unwrap_or_default();
            let reason = format!("not UTF-8 (invalid byte 0x{byte:02X})");
            Err(InputError::new(file, Some(pos_of(&before, good)), "", reason))
        }
    }
}

/// Every key a scenario file may set (a section's own tables, such as `init.W1`, count as
/// one key), as dotted paths in the order they are read: the keys an empty file's walk takes.
pub fn keys() -> Vec<String> {
    let mut cx = Ctx::new("", "");
    let _ = document(&mut cx, &DeTable::new(), Path::new(""), "");
    cx.keys()
}

fn document(cx: &mut Ctx, doc: &DeTable, base: &Path, stem: &str) -> Option<Scenario> {
    let empty = DeTable::new();
    let mut top = Table::top(doc);
    let name = top.read(cx, "name", |v| read::string(v).map(str::to_owned));
    let about = top.read(cx, "about", |v| read::string(v).map(str::to_owned));
    let mut section = |cx: &mut Ctx, key: &'static str| {
        Table::section(key, top.read(cx, key, read::table).unwrap_or(&empty))
    };
    let mut data = section(cx, "data");
    let network_t = section(cx, "network");
    let init_t = section(cx, "init");
    let train_t = section(cx, "train");
    let reg_t = section(cx, "regularization");
    let dropout_t = section(cx, "dropout");
    let ui_t = section(cx, "ui");
    let schedule_v = top.take("schedule");
    top.finish(cx);
    // The source first: it decides which data keys apply and some defaults.
    let kind = source::kind(cx, &mut data);
    let mut s = kind.0.map_or_else(Scenario::default, Scenario::defaults_for);
    s.name = name.unwrap_or_else(|| stem.to_owned());
    s.about = about.unwrap_or_default();
    let source = source::data(cx, data, kind, &mut s.data, base);
    network(cx, network_t, &mut s.hidden);
    init(cx, init_t, &mut s.init);
    train(cx, train_t, &mut s.train);
    regularization(cx, reg_t, &mut s.reg);
    dropout(cx, dropout_t, &mut s.dropout);
    ui(cx, ui_t, &mut s.ui);
    if let Some(v) = schedule_v {
        s.schedule = schedule(cx, v);
    }
    s.data.source = source?;
    Some(s)
}

fn network(cx: &mut Ctx, mut t: Table, hidden: &mut usize) {
    t.set(cx, "hidden", hidden, |v| read::size(v, 1));
    t.finish(cx);
}

fn ui(cx: &mut Ctx, mut t: Table, s: &mut UiSpec) {
    t.set(cx, "paused", &mut s.paused, read::boolean);
    t.finish(cx);
}

fn train(cx: &mut Ctx, mut t: Table, s: &mut TrainSpec) {
    t.set(cx, "learning_rate", &mut s.learning_rate, |v| read::number_in(v, Bound::Positive));
    t.set(cx, "batch_size", &mut s.batch_size, |v| read::size(v, 1));
    t.set(cx, "steps", &mut s.steps, |v| read::count(v, 0));
    t.set(cx, "shuffle", &mut s.shuffle, read::boolean);
    t.set(cx, "seed", &mut s.seed, read::seed);
    t.set(cx, "log_every", &mut s.log_every, |v| read::count(v, 1));
    t.finish(cx);
}

fn regularization(cx: &mut Ctx, mut t: Table, s: &mut RegSpec) {
    strengths(cx, &mut t, "l2", &mut s.l2);
    strengths(cx, &mut t, "l1", &mut s.l1);
    t.set(cx, "l1_mode", &mut s.l1_mode, |v| read::choice(v, "l1_mode", L1Mode::VARIANTS));
    t.finish(cx);
}

/// `{ W1 = …, W2 = … }`, each ≥ 0; one left out keeps its default.
fn strengths(cx: &mut Ctx, t: &mut Table, key: &'static str, slots: &mut [f64; 2]) {
    let Some(table) = t.read(cx, key, read::table) else { return };
    let mut t = Table::inner(&t.path(key), table);
    let non_negative = |v: &Value| read::number_in(v, Bound::NonNegative);
    let [w1, w2] = slots;
    t.set(cx, "W1", w1, non_negative);
    t.set(cx, "W2", w2, non_negative);
    t.finish(cx);
}

fn dropout(cx: &mut Ctx, mut t: Table, s: &mut DropoutSpec) {
    let keep = |v: &Value| read::number_in(v, Bound::Probability);
    let mask = |v: &Value| read::flags(v).map(Some);
    t.set(cx, "keep_input", &mut s.keep_input, keep);
    t.set(cx, "keep_hidden", &mut s.keep_hidden, keep);
    t.set(cx, "mode", &mut s.mode, |v| read::choice(v, "mode", DropoutMode::VARIANTS));
    t.set(cx, "input_mask", &mut s.input_mask, mask);
    t.set(cx, "hidden_mask", &mut s.hidden_mask, mask);
    t.set(cx, "seed", &mut s.seed, read::seed);
    t.finish(cx);
}

// ---------------------------------------------------------------------------- schedule

/// `[[schedule]]`: entries with strictly increasing steps, each setting at least one value,
/// every value checked as in its own section.
fn schedule(cx: &mut Ctx, v: &Value) -> Vec<Change> {
    let Some(items) = cx.read("schedule", v, read::array) else { return Vec::new() };
    let mut out: Vec<Change> = Vec::new();
    for item in items.iter() {
        let Some(table) = cx.read("schedule", item, read::table) else { continue };
        let mut t = Table::inner("schedule", table);
        let mut c = Change::default();
        let before = cx.defects();
        let step = match t.take("step") {
            Some(sv) => cx.read("schedule.step", sv, |sv| {
                let n = read::count(sv, 0)?;
                match out.last() {
                    Some(prev) if prev.step >= n => Err(Defect::new(
                        sv.span(),
                        format!("steps must increase from entry to entry: {n} comes after {}", prev.step),
                    )),
                    _ => Ok(n),
                }
            }),
            None => {
                cx.report(
                    "schedule.step",
                    Defect::new(item.span(), "\"step\" is required (the update it applies from)"),
                );
                None
            }
        };
        let positive = |v: &Value| read::number_in(v, Bound::Positive).map(Some);
        let keep = |v: &Value| read::number_in(v, Bound::Probability).map(Some);
        t.set(cx, "learning_rate", &mut c.learning_rate, positive);
        for (key, slots) in [("l2", &mut c.l2), ("l1", &mut c.l1)] {
            let Some(table) = t.read(cx, key, read::table) else { continue };
            let mut inner = Table::inner(&t.path(key), table);
            let non_negative = |v: &Value| read::number_in(v, Bound::NonNegative).map(Some);
            let [w1, w2] = slots;
            inner.set(cx, "W1", w1, non_negative);
            inner.set(cx, "W2", w2, non_negative);
            inner.finish(cx);
        }
        t.set(cx, "l1_mode", &mut c.l1_mode, |v| read::choice(v, "l1_mode", L1Mode::VARIANTS).map(Some));
        t.set(cx, "keep_input", &mut c.keep_input, keep);
        t.set(cx, "keep_hidden", &mut c.keep_hidden, keep);
        t.set(cx, "dropout_mode", &mut c.dropout_mode, |v| {
            read::choice(v, "dropout_mode", DropoutMode::VARIANTS).map(Some)
        });
        t.finish(cx);
        let Some(step) = step else { continue };
        c.step = step;
        if c.is_empty() && cx.defects() == before {
            let reason =
                "sets nothing: give learning_rate, l2, l1, l1_mode, keep_input, keep_hidden or dropout_mode";
            cx.report("schedule", Defect::new(item.span(), reason));
            continue;
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------- init

fn init(cx: &mut Ctx, mut t: Table, s: &mut InitSpec) {
    t.set(cx, "seed", &mut s.seed, read::seed);
    for (key, slot, matrix) in
        [("W1", &mut s.w1, true), ("W2", &mut s.w2, true), ("b1", &mut s.b1, false), ("b2", &mut s.b2, false)]
    {
        if let Some(v) = t.take(key)
            && let Some(init) = init_kind(cx, &t.path(key), v, matrix)
        {
            *slot = init;
        }
    }
    t.finish(cx);
}

/// The one parameter a kind takes, if any.
fn param(kind: InitKind) -> Option<&'static str> {
    match kind {
        InitKind::Constant => Some("value"),
        InitKind::Normal => Some("std"),
        InitKind::Uniform => Some("limit"),
        InitKind::Values => Some("values"),
        InitKind::Zeros | InitKind::Xavier | InitKind::He => None,
    }
}

/// One `{ kind = …, <param> = … }` table; `matrix`: `values` is 2-D (W1, W2).
fn init_kind(cx: &mut Ctx, path: &str, v: &Value, matrix: bool) -> Option<Init> {
    let mut t = Table::inner(path, cx.read(path, v, read::table)?);
    let Some(kind_value) = t.take("kind") else {
        let names = InitKind::VARIANTS.iter().map(|&k| k.into()).collect::<Vec<&str>>().join(", ");
        let reason = format!("\"kind\" is required (one of: {names})");
        cx.report(path, Defect::new(v.span(), reason));
        return None;
    };
    let kind = cx.read(&t.path("kind"), kind_value, |v| read::choice(v, "kind", InitKind::VARIANTS))?;
    let name: &str = kind.into();
    let given = param(kind).and_then(|p| Some((t.path(p), t.take(p)?)));
    let mut number = None;
    let mut values = None;
    if let Some((p, pv)) = &given {
        match kind {
            InitKind::Constant => number = cx.read(p, pv, read::number),
            InitKind::Values => values = cx.read(p, pv, |v| read::values(v, matrix)),
            _ => number = cx.read(p, pv, |v| read::number_in(v, Bound::Positive)),
        }
    }
    let otherwise = match param(kind) {
        Some(param) => format!(" (kind {name:?} takes only {param:?})"),
        None => format!(" (kind {name:?} takes no parameters)"),
    };
    t.finish_or(cx, otherwise);
    let missing = |cx: &mut Ctx| {
        if given.is_none() {
            let reason = format!("kind {name:?} needs {:?}", param(kind).unwrap_or_default());
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

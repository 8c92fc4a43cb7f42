//! Lessons TOML → [`Lecture`], read with the scenario files' walk: unknown keys are named
//! with a suggestion, every value is checked, the earliest defect is reported with its
//! position. Then every scenario the lessons name is found and loaded, in file order.

use std::path::Path as FsPath;

use toml::de::DeTable;

use super::path::{self, Parts};
use super::{Check, Lecture, Lesson, Operand, Path, Test};
use crate::error::{InputError, Pos};
use crate::load;
use crate::scenario::pos_of;
use crate::scenario::read::{self, Bound, Defect, Value};
use crate::scenario::syntax::syntax_error;
use crate::scenario::table::{Ctx, Table};
use crate::text::quote;

/// The furthest step a check may ask for: a lesson is a lesson, not a long training job.
pub const MAX_STEP: u64 = 1_000_000;

/// A scenario name as written and where.
struct Named<'a> {
    name: &'a str,
    pos: Pos,
    key: String,
}

struct RawPath<'a> {
    text: String,
    pos: Pos,
    key: String,
    other: Option<Named<'a>>,
    parts: Parts<'a>,
}

enum RawOperand<'a> {
    Literal(serde_json::Value),
    Path(RawPath<'a>),
}

struct RawCheck<'a> {
    step: u64,
    value: RawPath<'a>,
    test: Test,
    expected: RawOperand<'a>,
    tolerance: f64,
    say: String,
}

struct RawLesson<'a> {
    id: String,
    title: String,
    slide: String,
    note: String,
    keys: String,
    scenario: Named<'a>,
    checks: Vec<RawCheck<'a>>,
}

/// Parse and check a lessons file; `base` is the folder its scenario paths are relative to;
/// with `files` false (the bundled lecture) only bundled scenario names are looked up.
pub(super) fn parse(file: &str, bytes: &[u8], base: &FsPath, files: bool) -> Result<Lecture, InputError> {
    let src = std::str::from_utf8(bytes).map_err(|e| {
        let good = e.valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..good]);
        let byte = bytes.get(good).copied().unwrap_or_default();
        InputError::new(
            file,
            Some(pos_of(&before, good)),
            "",
            format!("not UTF-8 (invalid byte 0x{byte:02X})"),
        )
    })?;
    let doc = DeTable::parse(src).map_err(|e| syntax_error(file, src, &e))?;
    let mut cx = Ctx::new(file, src);
    let raw = document(&mut cx, doc.get_ref());
    let ((title, lessons), _) = cx.finish_with(raw)?;
    resolve(file, base, files, title, lessons)
}

fn document<'a>(cx: &mut Ctx, doc: &'a DeTable<'a>) -> Option<(String, Vec<RawLesson<'a>>)> {
    let mut top = Table::top(doc);
    let title = top.read(cx, "title", |v| read::string(v).map(str::to_owned));
    let lessons = top.take("lesson");
    top.finish(cx);
    let Some(lessons) = lessons else {
        cx.report("lesson", Defect::new(0..0, "no lesson: a lessons file has [[lesson]] tables"));
        return None;
    };
    let items = cx.read("lesson", lessons, read::array)?;
    if items.is_empty() {
        cx.report("lesson", Defect::new(lessons.span(), "no lesson: a lessons file has [[lesson]] tables"));
        return None;
    }
    let before = cx.defects();
    let mut out = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for item in items.iter() {
        if let Some(lesson) = lesson(cx, item, &mut ids) {
            out.push(lesson);
        }
    }
    (cx.defects() == before).then(|| (title.unwrap_or_else(|| "Lessons".to_owned()), out))
}

/// A required string key of a table, reported at the table when missing.
fn required<'t>(
    cx: &mut Ctx,
    t: &mut Table<'t, '_>,
    at: &Value,
    key: &'static str,
) -> Option<(&'t str, Pos)> {
    let path = t.path(key);
    let Some(v) = t.take(key) else {
        cx.report(&path, Defect::new(at.span(), format!("{} is required", quote(key))));
        return None;
    };
    let pos = cx.pos(v.span().start);
    cx.read(&path, v, read::string).map(|s| (s, pos))
}

fn lesson<'a>(cx: &mut Ctx, item: &'a Value<'a>, ids: &mut Vec<String>) -> Option<RawLesson<'a>> {
    let mut t = Table::inner("lesson", cx.read("lesson", item, read::table)?);
    let id = t.take("id");
    let id = match id {
        None => {
            cx.report("lesson.id", Defect::new(item.span(), "\"id\" is required"));
            None
        }
        Some(v) => cx.read("lesson.id", v, |v| {
            let s = read::string(v)?;
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(Defect::new(
                    v.span(),
                    format!("{} must be lowercase letters, digits and _", quote(s)),
                ));
            }
            if ids.iter().any(|i| i == s) {
                return Err(Defect::new(
                    v.span(),
                    format!("{} is the id of an earlier lesson too", quote(s)),
                ));
            }
            ids.push(s.to_owned());
            Ok(s.to_owned())
        }),
    };
    let title = required(cx, &mut t, item, "title");
    let slide = required(cx, &mut t, item, "slide");
    let note = t.read(cx, "note", |v| read::string(v).map(str::to_owned)).unwrap_or_default();
    let keys = t.read(cx, "keys", |v| read::string(v).map(str::to_owned)).unwrap_or_default();
    let scenario = required(cx, &mut t, item, "scenario");
    let mut checks = Vec::new();
    if let Some(v) = t.take("check") {
        for c in cx.read("lesson.check", v, read::array).map(|a| a.iter()).into_iter().flatten() {
            checks.extend(check(cx, c));
        }
    }
    t.finish(cx);
    let (scenario, pos) = scenario?;
    Some(RawLesson {
        id: id?,
        title: title?.0.to_owned(),
        slide: slide?.0.to_owned(),
        note,
        keys,
        scenario: Named { name: scenario, pos, key: "lesson.scenario".to_owned() },
        checks,
    })
}

fn raw_path<'a>(cx: &mut Ctx, key: &str, v: &'a Value<'a>) -> Option<RawPath<'a>> {
    let pos = cx.pos(v.span().start);
    let text = cx.read(key, v, read::string)?;
    let parts = cx.read(key, v, |v| path::split(text).map_err(|e| Defect::new(v.span(), e)))?;
    let other = parts.other.map(|name| Named { name, pos, key: key.to_owned() });
    Some(RawPath { text: text.to_owned(), pos, key: key.to_owned(), other, parts })
}

fn check<'a>(cx: &mut Ctx, item: &'a Value<'a>) -> Option<RawCheck<'a>> {
    let mut t = Table::inner("lesson.check", cx.read("lesson.check", item, read::table)?);
    let step = t.read(cx, "step", |v| {
        let n = read::count(v, 0)?;
        if n > MAX_STEP {
            return Err(Defect::new(v.span(), format!("must be at most {MAX_STEP}, got {n}")));
        }
        Ok(n)
    });
    let value = match t.take("value") {
        Some(v) => raw_path(cx, "lesson.check.value", v),
        None => {
            let reason = "\"value\" is required (a path such as summary.val_acc)";
            cx.report("lesson.check.value", Defect::new(item.span(), reason));
            None
        }
    };
    let mut tests = Vec::new();
    for &test in <Test as strum::VariantArray>::VARIANTS {
        let name: &'static str = test.into();
        if let Some(v) = t.take(name) {
            tests.push((test, name, v));
        }
    }
    let tolerance_v = t.take("tolerance");
    let say = t.read(cx, "say", |v| read::string(v).map(str::to_owned));
    let names = "equals, at_least, at_most or close_to";
    let expected = match tests.as_slice() {
        [] => {
            cx.report("lesson.check", Defect::new(item.span(), format!("a check needs one of {names}")));
            None
        }
        [(test, name, v)] => {
            let key = format!("lesson.check.{name}");
            let operand = match v.get_ref().as_str() {
                Some(s) if path::looks_like_path(s) => raw_path(cx, &key, v).map(RawOperand::Path),
                _ => cx.read(&key, v, read::json).map(RawOperand::Literal),
            };
            operand.map(|o| (*test, o))
        }
        [_, (_, name, v), ..] => {
            let reason = format!("a check has exactly one of {names}; this one also has {}", quote(name));
            cx.report(&format!("lesson.check.{name}"), Defect::new(v.span(), reason));
            None
        }
    };
    let close = matches!(expected, Some((Test::CloseTo, _)));
    let tolerance = match tolerance_v {
        Some(v) if close => cx.read("lesson.check.tolerance", v, |v| read::number_in(v, Bound::NonNegative)),
        Some(v) => {
            cx.report("lesson.check.tolerance", Defect::new(v.span(), "tolerance goes with close_to only"));
            None
        }
        None if close => {
            cx.report("lesson.check.close_to", Defect::new(item.span(), "close_to needs a tolerance = …"));
            None
        }
        None => Some(0.0),
    };
    t.finish(cx);
    let value = value?;
    let (test, expected) = expected?;
    Some(RawCheck {
        step: step.unwrap_or(0),
        say: say.unwrap_or_else(|| value.text.clone()),
        value,
        test,
        expected,
        tolerance: tolerance?,
    })
}

/// Every scenario the lessons name, loaded once each (in file order, so the first error in
/// the file is the one reported).
struct Scenarios<'b> {
    file: &'b str,
    base: &'b FsPath,
    files: bool,
    loaded: Vec<crate::load::Loaded>,
}

impl Scenarios<'_> {
    fn find(&mut self, named: &Named) -> Result<usize, InputError> {
        let found =
            if self.files { load::find(self.base, named.name)? } else { load::bundled_text(named.name) };
        let Some(text) = found else {
            let place = if self.files {
                let folder =
                    if self.base.as_os_str().is_empty() { "." } else { &*self.base.to_string_lossy() };
                format!("not a file in {folder}, and no bundled scenario has that name")
            } else {
                "no bundled scenario has that name".to_owned()
            };
            let reason = format!("scenario {}: {place} (nnviz --list shows them)", quote(named.name));
            return Err(InputError::new(self.file, Some(named.pos), &named.key, reason));
        };
        if let Some(i) = self.loaded.iter().position(|l| l.file == text.file) {
            return Ok(i);
        }
        self.loaded.push(load::load_text(text, None)?);
        Ok(self.loaded.len() - 1)
    }

    fn path(&mut self, raw: RawPath) -> Result<Path, InputError> {
        let scenario = raw.other.as_ref().map(|n| self.find(n)).transpose()?;
        Ok(Path {
            text: raw.text,
            scenario,
            root: raw.parts.root,
            keys: raw.parts.keys,
            pos: Some(raw.pos),
            key: raw.key,
        })
    }
}

fn resolve(
    file: &str,
    base: &FsPath,
    files: bool,
    title: String,
    raw: Vec<RawLesson>,
) -> Result<Lecture, InputError> {
    let mut s = Scenarios { file, base, files, loaded: Vec::new() };
    let mut lessons = Vec::with_capacity(raw.len());
    for l in raw {
        let scenario = s.find(&l.scenario)?;
        let mut checks = Vec::with_capacity(l.checks.len());
        for c in l.checks {
            let value = s.path(c.value)?;
            let expected = match c.expected {
                RawOperand::Literal(v) => Operand::Literal(v),
                RawOperand::Path(p) => Operand::Path(s.path(p)?),
            };
            checks.push(Check {
                step: c.step,
                value,
                test: c.test,
                expected,
                tolerance: c.tolerance,
                say: c.say,
            });
        }
        lessons.push(Lesson {
            id: l.id,
            title: l.title,
            slide: l.slide,
            note: l.note,
            keys: l.keys,
            scenario,
            checks,
        });
    }
    Ok(Lecture { file: file.to_owned(), bundled: false, title, lessons, scenarios: s.loaded })
}

//! The walk's core. Each TOML table is read through a [`Table`]: `take` hands out the value
//! of one known key, `finish` reports every key that was not taken as unknown. The keys
//! taken are the only list of known keys there is: "did you mean", within a table and
//! across sections, is worked out from them.
//!
//! Every defect is collected with its byte offset and the earliest one in the file is
//! returned, so the error does not depend on the order the keys are taken in.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeTable;

use super::position::Lines;
use super::read::{Defect, Value};
use super::{InputError, Pos, Scenario, suggest};
use crate::text::quote;

/// Where a suggestion for an unknown key is looked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The top level: its own keys, or any section's.
    Top,
    /// A section (`[train]`): its own keys, or any section's; its keys are offered to every
    /// other table that looks beyond itself.
    Section,
    /// A table inside a section (`regularization.l2`, `init.W1`): its own keys only.
    Inner,
}

/// A finished table: its path and the keys taken from it, in the order taken.
struct Known {
    path: String,
    keys: Vec<&'static str>,
    scope: Scope,
    /// Said instead of a suggestion when no key is close (empty: nothing).
    otherwise: String,
}

/// The walk's state: the defects found so far, the positions of the keys read and the
/// keys of every finished table.
pub(crate) struct Ctx<'a> {
    file: &'a str,
    lines: Lines<'a>,
    /// Each defect with its byte offset and key, in the order found. Only the first in the
    /// file is shown, so its position (and an unknown key's suggestion) is worked out at the
    /// end, for that one: a file of 100,000 unknown keys costs 100,000 pushes, not 100,000
    /// walks from the start of the file.
    errors: Vec<(usize, String, Reason)>,
    positions: BTreeMap<String, Pos>,
    tables: Vec<Known>,
}

/// Why a key is rejected, as found.
enum Reason {
    Text(String),
    /// An unknown key, and the table (in [`Ctx::tables`]) it was found in.
    Unknown {
        word: String,
        table: usize,
    },
}

impl Reason {
    fn text(self, tables: &[Known]) -> String {
        match self {
            Self::Text(text) => text,
            Self::Unknown { word, table } => {
                let table = &tables[table];
                let hint = match suggest_key(&word, table, tables) {
                    Some(key) => suggest::did_you_mean(Some(&key)),
                    None => table.otherwise.clone(),
                };
                format!("unknown key {}{hint}", quote(&word))
            }
        }
    }
}

/// The closest known key: in the same table, or as `section.key` in any section if closer
/// (the first one wins a tie).
fn suggest_key(word: &str, table: &Known, tables: &[Known]) -> Option<String> {
    let here = suggest::closest(word, table.keys.iter().copied()).map(|(s, k)| (s, k.to_owned()));
    let there = tables
        .iter()
        .filter(|_| table.scope != Scope::Inner)
        .filter(|t| t.scope == Scope::Section)
        .flat_map(|t| t.keys.iter().map(move |key| (t.path.as_str(), *key)))
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

impl<'a> Ctx<'a> {
    pub fn new(file: &'a str, src: &'a str) -> Self {
        Self {
            file,
            lines: Lines::new(src),
            errors: Vec::new(),
            positions: BTreeMap::new(),
            tables: Vec::new(),
        }
    }

    pub fn report(&mut self, path: &str, defect: Defect) {
        self.errors.push((defect.span.start, path.to_owned(), Reason::Text(defect.reason)));
    }

    /// Record where `path` stands and read its value, reporting a defect.
    pub fn read<'v, 'i, T>(
        &mut self,
        path: &str,
        v: &'v Value<'i>,
        read: impl FnOnce(&'v Value<'i>) -> Result<T, Defect>,
    ) -> Option<T> {
        self.positions.insert(path.to_owned(), self.lines.pos(v.span().start));
        read(v).map_err(|d| self.report(path, d)).ok()
    }

    /// Defects found so far; compare before and after a section to see if it was clean.
    pub fn defects(&self) -> usize {
        self.errors.len()
    }

    /// Every key of the top level and of the sections, as dotted paths, in the order taken.
    pub fn keys(&self) -> Vec<String> {
        let section = |key: &str| self.tables.iter().find(|t| t.scope == Scope::Section && t.path == key);
        let top = self.tables.iter().filter(|t| t.scope == Scope::Top);
        top.flat_map(|t| &t.keys)
            .flat_map(|&key| match section(key) {
                Some(s) => s.keys.iter().map(|k| format!("{key}.{k}")).collect(),
                None => vec![key.to_owned()],
            })
            .collect()
    }

    /// The first defect in file order, or the scenario with its positions.
    pub fn finish(self, scenario: Option<Scenario>) -> Result<Scenario, InputError> {
        let (mut scenario, positions) = self.finish_with(scenario)?;
        scenario.positions = positions;
        Ok(scenario)
    }

    /// The first defect in file order, or what the walk made and the positions of the
    /// keys it read.
    pub fn finish_with<T>(self, made: Option<T>) -> Result<(T, BTreeMap<String, Pos>), InputError> {
        let Self { file, lines, errors, positions, tables } = self;
        if let Some((at, path, reason)) = errors.into_iter().min_by_key(|(at, ..)| *at) {
            return Err(InputError::new(file, Some(lines.pos(at)), &path, reason.text(&tables)));
        }
        let made = made.ok_or_else(|| {
            InputError::new(file, None, "", "internal error: invalid input without a defect")
        })?;
        Ok((made, positions))
    }

    /// The position of a byte offset of the text being walked.
    pub fn pos(&self, offset: usize) -> Pos {
        self.lines.pos(offset)
    }
}

/// One table being read, with its dotted path and the keys taken from it so far.
pub(crate) struct Table<'t, 'i> {
    path: String,
    table: &'t DeTable<'i>,
    taken: Vec<&'static str>,
    scope: Scope,
}

impl<'t, 'i> Table<'t, 'i> {
    /// The whole document.
    pub fn top(table: &'t DeTable<'i>) -> Self {
        Self { path: String::new(), table, taken: Vec::new(), scope: Scope::Top }
    }

    /// A section; walk it even when the file has none (an empty table), so that its keys
    /// are known to the suggestions.
    pub fn section(name: &str, table: &'t DeTable<'i>) -> Self {
        Self { path: name.to_owned(), table, taken: Vec::new(), scope: Scope::Section }
    }

    /// A table inside a section, at `path`.
    pub fn inner(path: &str, table: &'t DeTable<'i>) -> Self {
        Self { path: path.to_owned(), table, taken: Vec::new(), scope: Scope::Inner }
    }

    /// The dotted path of `key` in this table.
    pub fn path(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }

    /// `key` is known here; its key span and value, if the file gives it.
    pub fn entry(&mut self, key: &'static str) -> Option<(Range<usize>, &'t Value<'i>)> {
        self.taken.push(key);
        let table: &'t DeTable<'i> = self.table;
        table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(k, v)| (k.span(), v))
    }

    /// `key` is known here; its value, if the file gives it.
    pub fn take(&mut self, key: &'static str) -> Option<&'t Value<'i>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// [`Table::take`] `key` and read it ([`Ctx::read`]).
    pub fn read<T>(
        &mut self,
        cx: &mut Ctx,
        key: &'static str,
        read: impl FnOnce(&'t Value<'i>) -> Result<T, Defect>,
    ) -> Option<T> {
        let v = self.take(key)?;
        cx.read(&self.path(key), v, read)
    }

    /// [`Table::read`] into `slot`, which keeps its default when the key is not given or
    /// has a defect.
    pub fn set<T>(
        &mut self,
        cx: &mut Ctx,
        key: &'static str,
        slot: &mut T,
        read: impl FnOnce(&'t Value<'i>) -> Result<T, Defect>,
    ) {
        if let Some(value) = self.read(cx, key, read) {
            *slot = value;
        }
    }

    /// Report every key that was not taken as unknown.
    pub fn finish(self, cx: &mut Ctx) {
        self.finish_or(cx, String::new());
    }

    /// [`Table::finish`]; an unknown key with no known key close to it is told `otherwise`.
    pub fn finish_or(self, cx: &mut Ctx, otherwise: String) {
        let id = cx.tables.len();
        for (k, _) in self.table {
            let word = k.get_ref().as_ref();
            if !self.taken.contains(&word) {
                let reason = Reason::Unknown { word: word.to_owned(), table: id };
                cx.errors.push((k.span().start, self.path(word), reason));
            }
        }
        let Self { path, taken, scope, .. } = self;
        cx.tables.push(Known { path, keys: taken, scope, otherwise });
    }
}

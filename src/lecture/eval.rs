//! Checks evaluated: the JSON documents of a run at a step, the values paths read in them,
//! and the comparisons. `--lecture --check` and the tour share all of it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use serde_json::Value;

use super::{Check, Lecture, Lesson, Operand, Path, Root, Test};
use crate::error::InputError;
use crate::headless;
use crate::load::Loaded;
use crate::train::Trainer;

/// The documents wanted of one run at one step.
pub type Roots = BTreeSet<Root>;

/// What a set of checks reads: for each scenario (index into [`Lecture::scenarios`]) and
/// step, the documents.
pub type Needs = BTreeMap<usize, BTreeMap<u64, Roots>>;

/// Documents made, by scenario and step.
pub type Documents = HashMap<(usize, u64), Value>;

/// The documents of a trainer at its current step, `{"summary": …, "inspect": …,
/// "gradcheck": …}`, only those asked for; each is the JSON the headless mode prints
/// (`--inspect` and `--gradcheck` at this step, on the batch the next step uses).
pub fn document(loaded: &Loaded, t: &mut Trainer, roots: &Roots) -> Value {
    let mut doc = serde_json::Map::new();
    for &root in roots {
        let v = match root {
            Root::Summary => serde_json::to_value(headless::summary_now(loaded, t)).unwrap_or_default(),
            Root::Inspect => headless::inspect_value(loaded, t),
            Root::Gradcheck => {
                let picks = headless::gradcheck_picks(t, false);
                serde_json::to_value(headless::gradcheck(t, &picks, &mut |_| {})).unwrap_or_default()
            }
        };
        doc.insert(root.name().to_owned(), v);
    }
    Value::Object(doc)
}

/// The paths of a check: its value, and its expected value when that is a path.
pub fn paths(c: &Check) -> impl Iterator<Item = &Path> {
    let expected = match &c.expected {
        Operand::Path(p) => Some(p),
        Operand::Literal(_) => None,
    };
    std::iter::once(&c.value).chain(expected)
}

/// Add what the checks of `lesson` read, at their steps (`at_zero`: all at step 0, to
/// check the paths before anything is trained). `other` and `own` choose which runs count.
pub fn add_needs(
    lecture: &Lecture,
    lesson: &Lesson,
    needs: &mut Needs,
    at_zero: bool,
    own: bool,
    other: bool,
) {
    for c in &lesson.checks {
        for p in paths(c) {
            if (p.scenario.is_none() && own) || (p.scenario.is_some() && other) {
                let step = if at_zero { 0 } else { c.step };
                let s = lecture.scenario_of(lesson, p);
                needs.entry(s).or_default().entry(step).or_default().insert(p.root);
            }
        }
    }
}

/// Train each scenario once, through its steps in order, and make the documents asked for
/// at each; scenarios in parallel. A run that diverges stays where it diverged (its summary
/// says so). `stop` is asked between steps: when it says so, what is made so far is given.
pub fn documents(lecture: &Lecture, needs: &Needs, stop: &(dyn Fn() -> bool + Sync)) -> Documents {
    needs
        .par_iter()
        .flat_map_iter(|(&s, steps)| {
            let loaded = &lecture.scenarios[s];
            let mut t = Trainer::from_loaded(loaded);
            let mut made = Vec::with_capacity(steps.len());
            for (&step, roots) in steps {
                while t.step < step && t.diverged.is_none() && !stop() {
                    t.step();
                }
                if stop() {
                    break;
                }
                made.push(((s, step), document(loaded, &mut t, roots)));
            }
            made
        })
        .collect()
}

/// The document a path reads, for a check: the run's (its own or an `other.` one) at the
/// check's step; `None` when it is not made (yet).
pub type Lookup<'d> = dyn Fn(&Path) -> Option<&'d Value> + 'd;

/// A path's value in its document (`doc`, the whole `{"summary": …}` object).
pub fn read<'d>(p: &Path, doc: &'d Value) -> Result<&'d Value, String> {
    doc.get(p.root.name()).map_or(Ok(&Value::Null), |d| p.get(d))
}

/// One check's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub expected: Value,
    pub measured: Value,
    pub passed: bool,
}

/// Evaluate a check on the documents `doc` finds; `None` while one of them is not made. An
/// `Err` is a path the document does not have, as a lessons-file error.
pub fn evaluate(lecture: &Lecture, c: &Check, doc: &Lookup) -> Option<Result<Outcome, InputError>> {
    let get = |p: &Path| {
        doc(p).map(|d| read(p, d).cloned().map_err(|e| InputError::new(&lecture.file, p.pos, &p.key, e)))
    };
    let measured = match get(&c.value)? {
        Ok(v) => v,
        Err(e) => return Some(Err(e)),
    };
    let expected = match &c.expected {
        Operand::Literal(v) => v.clone(),
        Operand::Path(p) => match get(p)? {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        },
    };
    let passed = passes(c.test, &measured, &expected, c.tolerance);
    Some(Ok(Outcome { expected, measured, passed }))
}

/// The documents of a headless evaluation, as a [`Lookup`] for one check of `lesson`.
pub fn lookup<'d>(
    lecture: &'d Lecture,
    lesson: &'d Lesson,
    step: u64,
    docs: &'d Documents,
) -> Box<Lookup<'d>> {
    Box::new(move |p: &Path| docs.get(&(lecture.scenario_of(lesson, p), step)))
}

/// Whether `measured` passes `test` against `expected`: numbers as numbers (2 equals 2.0),
/// lists element by element (of the same length, nested too), strings and booleans by
/// `equals` only. A null (a value the run does not have, or not finite) never passes.
pub fn passes(test: Test, measured: &Value, expected: &Value, tolerance: f64) -> bool {
    match (measured, expected) {
        (Value::Array(m), Value::Array(e)) => {
            m.len() == e.len() && m.iter().zip(e).all(|(a, b)| passes(test, a, b, tolerance))
        }
        (Value::Number(a), Value::Number(b)) => {
            let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) else { return false };
            match test {
                Test::Equals => a == b,
                Test::AtLeast => a >= b,
                Test::AtMost => a <= b,
                Test::CloseTo => (a - b).abs() <= tolerance,
            }
        }
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::String(_) | Value::Bool(_), _) => test == Test::Equals && measured == expected,
        _ => false,
    }
}

/// Check every path of the lecture against the documents at step 0: a key the summary,
/// `--inspect` or `--gradcheck` JSON does not have is an error in the file, found before
/// anything trains.
pub fn check_paths(lecture: &Lecture) -> Result<(), InputError> {
    let mut needs = Needs::new();
    for l in &lecture.lessons {
        add_needs(lecture, l, &mut needs, true, true, true);
    }
    let docs = documents(lecture, &needs, &|| false);
    for l in &lecture.lessons {
        for c in &l.checks {
            for p in paths(c) {
                let doc = docs.get(&(lecture.scenario_of(l, p), 0));
                if let Some(Err(e)) = doc.map(|d| read(p, d)) {
                    return Err(InputError::new(&lecture.file, p.pos, &p.key, e));
                }
            }
        }
    }
    Ok(())
}

/// `--lecture --check`: every check of every lesson, in file order, with its outcome.
pub fn check_all(lecture: &Lecture) -> Result<Vec<(&Lesson, &Check, Outcome)>, InputError> {
    let mut needs = Needs::new();
    for l in &lecture.lessons {
        add_needs(lecture, l, &mut needs, false, true, true);
    }
    let docs = documents(lecture, &needs, &|| false);
    let mut out = Vec::with_capacity(lecture.checks());
    for l in &lecture.lessons {
        for c in &l.checks {
            let outcome = evaluate(lecture, c, &lookup(lecture, l, c.step, &docs)).ok_or_else(|| {
                InputError::new(&lecture.file, c.value.pos, &c.value.key, "internal error: no document made")
            })??;
            out.push((l, c, outcome));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comparisons() {
        assert!(passes(Test::Equals, &json!(2), &json!(2.0), 0.0));
        assert!(!passes(Test::Equals, &json!(2.0000001), &json!(2), 0.0));
        assert!(passes(Test::AtLeast, &json!([3, 4]), &json!([3, 1]), 0.0));
        assert!(!passes(Test::AtLeast, &json!([3, 0]), &json!([3, 1]), 0.0));
        assert!(passes(Test::AtMost, &json!(0.5), &json!(0.5), 0.0));
        assert!(passes(Test::CloseTo, &json!([[0.51, 0.29]]), &json!([[0.5, 0.3]]), 0.011));
        assert!(!passes(Test::CloseTo, &json!([0.51]), &json!([0.5, 0.3]), 1.0), "lengths differ");
        assert!(passes(Test::Equals, &json!("frozen"), &json!("frozen"), 0.0));
        assert!(!passes(Test::AtLeast, &json!("b"), &json!("a"), 0.0));
        assert!(passes(Test::Equals, &json!(true), &json!(true), 0.0));
        assert!(!passes(Test::Equals, &Value::Null, &Value::Null, 0.0), "null never passes");
        assert!(!passes(Test::AtMost, &Value::Null, &json!(1), 0.0));
    }
}

//! From a command-line argument to a checked scenario and its data: everything that
//! can be wrong is found here, before any output or terminal.

use std::path::{Path, PathBuf};

use crate::bundled;
use crate::data::{self, Splits};
use crate::nn::Tensor;
use crate::nn::init::shape_of;
use crate::scenario::{self, Init, Scenario, ScenarioError, Source};

/// The largest size nnviz agrees to hold: parameters, samples × features, batch × hidden.
pub const MAX_SIZE: usize = 100_000_000;

/// A scenario and its data, ready for a [`crate::train::Trainer`].
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The scenario file as given on the command line.
    pub file: String,
    pub scenario: Scenario,
    pub data: Splits,
}

/// The text of a scenario argument: a file, or the name of a bundled scenario.
pub struct Text {
    pub file: String,
    pub bytes: Vec<u8>,
    pub base: PathBuf,
    pub stem: String,
}

pub fn read(arg: &str) -> Result<Text, ScenarioError> {
    let path = Path::new(arg);
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if path.is_file() {
        let bytes = std::fs::read(path)
            .map_err(|e| ScenarioError::new(arg, None, "", format!("cannot read: {e}")))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok(Text { file: arg.to_string(), bytes, base, stem: stem(path) });
    }
    if let Some((name, text)) = bundled::find(arg) {
        return Ok(Text {
            file: arg.to_string(),
            bytes: text.as_bytes().to_vec(),
            base: PathBuf::new(),
            stem: stem(Path::new(name)),
        });
    }
    let what = if path.exists() { "is not a file" } else { "no such file" };
    Err(ScenarioError::cli(format!(
        "{arg}: {what}, and no bundled scenario has that name (nnviz --list shows them)"
    )))
}

/// Read, parse, validate and load the data of one scenario.
pub fn load(arg: &str, seed: Option<u64>) -> Result<Loaded, ScenarioError> {
    let text = read(arg)?;
    let mut scenario = scenario::parse_bytes(&text.file, &text.bytes, &text.base, &text.stem)?;
    if let Some(seed) = seed {
        scenario.override_seeds(seed);
    }
    finish(&text.file, scenario)
}

/// Load the data of a validated scenario and check it against the network: what every
/// way of making a scenario (a file, a sweep variant) ends with.
pub fn finish(file: &str, scenario: Scenario) -> Result<Loaded, ScenarioError> {
    let data = load_data(file, &scenario)?;
    check_shapes(file, &scenario, &data)?;
    Ok(Loaded { file: file.to_string(), scenario, data })
}

fn err(file: &str, s: &Scenario, key: &str, reason: impl Into<String>) -> ScenarioError {
    ScenarioError::new(file, s.pos(key), key, reason)
}

fn load_data(file: &str, s: &Scenario) -> Result<Splits, ScenarioError> {
    let d = &s.data;
    let all = data::load(&d.source, d.seed).map_err(|e| {
        let key = match d.source {
            Source::Csv { .. } => "data.path",
            Source::Inline { .. } => "data.x",
            _ => "data.source",
        };
        err(file, s, key, e.0)
    })?;
    let inline = matches!(d.source, Source::Inline { .. });
    let seed = (!inline).then_some(d.seed);
    data::split(all, d.validation, d.test, seed, d.standardize).map_err(|e| {
        let key = if s.pos("data.validation").is_some() || s.pos("data.test").is_none() {
            "data.validation"
        } else {
            "data.test"
        };
        err(file, s, key, e.0)
    })
}

/// Checks that need the data's shape: init values, masks and the size bounds.
fn check_shapes(file: &str, s: &Scenario, data: &Splits) -> Result<(), ScenarioError> {
    let (d, m, k) = (data.train.features(), s.hidden, data.train.classes);
    let params = m
        .checked_mul(d)
        .and_then(|a| a.checked_add(m))
        .and_then(|a| m.checked_mul(k).and_then(|b| a.checked_add(b)))
        .and_then(|a| a.checked_add(k));
    if params.is_none_or(|p| p > MAX_SIZE) {
        return Err(err(
            file,
            s,
            "network.hidden",
            format!(
                "{m} hidden units with {d} inputs and {k} classes need more than {MAX_SIZE} \
                 parameters (the limit)"
            ),
        ));
    }
    let batch = s.train.batch_size.min(data.train.rows());
    if batch.checked_mul(m).is_none_or(|b| b > MAX_SIZE) {
        let key = if s.pos("train.batch_size").is_some() { "train.batch_size" } else { "network.hidden" };
        return Err(err(
            file,
            s,
            key,
            format!("batch of {batch} rows × {m} hidden units is above the limit of {MAX_SIZE}"),
        ));
    }
    let inits = [
        (Tensor::W1, &s.init.w1, "init.W1", "hidden × inputs"),
        (Tensor::B1, &s.init.b1, "init.b1", "hidden"),
        (Tensor::W2, &s.init.w2, "init.W2", "classes × hidden"),
        (Tensor::B2, &s.init.b2, "init.b2", "classes"),
    ];
    for (t, init, key, meaning) in inits {
        if let Init::Values { shape, .. } = init {
            let want = shape_of(t, d, m, k);
            if *shape != want {
                return Err(err(
                    file,
                    s,
                    key,
                    format!("values have shape {}, expected {} ({meaning})", dims(shape), dims(&want)),
                ));
            }
        }
    }
    let masks = [
        (&s.dropout.input_mask, "dropout.input_mask", d, "input"),
        (&s.dropout.hidden_mask, "dropout.hidden_mask", m, "hidden unit"),
    ];
    for (mask, key, want, what) in masks {
        if let Some(mask) = mask
            && mask.len() != want
        {
            return Err(err(
                file,
                s,
                key,
                format!("has {} entries, expected {want} (one per {what})", mask.len()),
            ));
        }
    }
    Ok(())
}

fn dims(shape: &[usize]) -> String {
    shape.iter().map(ToString::to_string).collect::<Vec<_>>().join("×")
}

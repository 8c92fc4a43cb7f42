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
    check_sizes_before_data(file, &scenario)?;
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
    check_parameters(file, s, d, m, k)?;
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

/// The parameter count m·d + m + k·m + k against [`MAX_SIZE`], blaming `data.classes` when
/// the output layer is the larger part (and the file gives it), else `network.hidden`.
fn check_parameters(file: &str, s: &Scenario, d: usize, m: usize, k: usize) -> Result<(), ScenarioError> {
    let count = |a: usize, b: usize| a.checked_mul(b.checked_add(1)?);
    let (hidden_part, output_part) = (count(m, d), count(k, m));
    let total = hidden_part.zip(output_part).and_then(|(a, b)| a.checked_add(b));
    if total.is_some_and(|p| p <= MAX_SIZE) {
        return Ok(());
    }
    let classes_to_blame =
        s.pos("data.classes").is_some() && output_part.is_none_or(|o| hidden_part.is_some_and(|h| o > h));
    let key = if classes_to_blame { "data.classes" } else { "network.hidden" };
    Err(err(
        file,
        s,
        key,
        format!(
            "{m} hidden units with {d} inputs and {k} classes need more than {MAX_SIZE} parameters (the limit)"
        ),
    ))
}

/// Sizes known before any data is made (synthetic sources): the parameters, and the blob
/// centres (classes × features), so a huge value is refused before it is allocated.
fn check_sizes_before_data(file: &str, s: &Scenario) -> Result<(), ScenarioError> {
    let (d, k) = match s.data.source {
        Source::Blobs { classes, features, .. } => (features, classes),
        Source::Spiral { classes, .. } => (2, classes),
        Source::Xor { .. } | Source::Circles { .. } | Source::Moons { .. } => (2, 2),
        Source::Csv { classes: Some(k), .. } | Source::Inline { classes: Some(k), .. } => (1, k),
        _ => return Ok(()),
    };
    check_parameters(file, s, d, s.hidden, k)?;
    if let Source::Blobs { classes, features, .. } = s.data.source
        && classes.checked_mul(features).is_none_or(|c| c > MAX_SIZE)
    {
        return Err(err(
            file,
            s,
            "data.classes",
            format!(
                "{classes} blob centres of {features} features are more than {MAX_SIZE} values (the limit)"
            ),
        ));
    }
    Ok(())
}

fn dims(shape: &[usize]) -> String {
    shape.iter().map(ToString::to_string).collect::<Vec<_>>().join("×")
}

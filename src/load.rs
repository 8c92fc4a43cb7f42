//! From a command-line argument to a checked scenario and its data: everything that
//! can be wrong is found here, before any output or terminal.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::bundled;
use crate::data::{self, Splits};
use crate::files::{self, FileError};
use crate::nn::Tensor;
use crate::nn::init::shape_of;
use crate::scenario::{self, Init, InputError, Scenario, Source};

/// The largest size nnviz agrees to hold: parameters, samples × features, batch × hidden.
pub const MAX_SIZE: usize = 100_000_000;

/// The memory one scenario may need (see [`memory_needed`]): the largest scenario accepted
/// runs within it.
pub const MEMORY_LIMIT: u64 = 8 << 30;

/// Bytes per parameter in one trainer: the parameters, the parameters before the last step,
/// the applied gradient and its data term (f64 each), and a never-changed flag.
const BYTES_PER_PARAMETER: u128 = 33;

/// Trainers alive at once at worst: the UI's run and the copy it keeps to take the next step
/// in (to see what it changes), and the same two on the thread that refreshes a slow run.
const TRAINER_COPIES: u128 = 4;

/// Trainers that may hold the buffers of the bound on z1 under random input masks (the run's
/// and its refreshing copy's).
const MASK_BOUND_COPIES: u128 = 2;

/// Bytes per data value (a feature, or a label with its place in the shuffled order): the
/// data set and its split while loading, then the run's and the trainer's copies.
const BYTES_PER_DATA_VALUE: u128 = 16;

/// What a scenario needs in memory, by its sizes: `d` inputs, `m` hidden units, `k`
/// classes, `rows` examples of which `train_rows` train in batches of `batch`.
///
/// Each trainer holds `BYTES_PER_PARAMETER` per parameter and two workspaces (the batch,
/// and a chunk of up to 256 rows for evaluation), each row of which holds X̃, z1, h̃ and g
/// (d + 3m f64s), the logits, ŷ and ŷ − y (3k) and two numbers per row. A trainer whose
/// hidden units are all silent under random input dropout also keeps the bound's operands:
/// [W⁺ | W⁻] (2md f64s), up to 256 training rows of [x⁺ | x⁻] (2d) and their product (m).
pub fn memory_needed(d: usize, m: usize, k: usize, rows: usize, train_rows: usize, batch: usize) -> u128 {
    let (d, m, k, rows) = (d as u128, m as u128, k as u128, rows as u128);
    let parameters = m * (d + 1) + k * (m + 1);
    let workspace_rows = (batch.min(train_rows) + train_rows.min(256)) as u128;
    let trainer = BYTES_PER_PARAMETER * parameters + 8 * workspace_rows * (d + 3 * m + 3 * k + 2);
    let mask_bound = 8 * (2 * m * d + train_rows.min(256) as u128 * (2 * d + m));
    TRAINER_COPIES * trainer + MASK_BOUND_COPIES * mask_bound + BYTES_PER_DATA_VALUE * rows * (d + 2)
}

/// The largest scenario file read: inline data beyond a few MiB belongs in a csv file.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// A scenario and its data, checked against each other: only [`finish`] makes one (the
/// private field), so holding a `Loaded` means every check here has passed, and
/// [`crate::train::Trainer::from_loaded`] needs no other proof. The fields stay public,
/// for reading and for the adjustments that change nothing checked (a variant's name and
/// positions, a restart's seeds); changing the network or the data afterwards would void
/// the check, and no caller does.
// `#[non_exhaustive]` would keep out other crates only; the private field keeps out the
// other modules of this one too.
#[allow(clippy::manual_non_exhaustive)]
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The scenario file as given on the command line.
    pub file: String,
    pub scenario: Scenario,
    pub data: Splits,
    /// Private, so that no other module can build a `Loaded`.
    _checked: (),
}

/// The text of a scenario argument: a file, or the name of a bundled scenario.
pub struct Text {
    pub file: String,
    pub bytes: Vec<u8>,
    pub base: PathBuf,
    pub stem: String,
}

pub fn read(arg: &str) -> Result<Text, InputError> {
    if let Some(text) = find(Path::new(""), arg)? {
        return Ok(text);
    }
    let what = match std::fs::metadata(arg).map_err(FileError::from) {
        Ok(_) => "is not a file".to_owned(),
        Err(e) => e.to_string(),
    };
    Err(InputError::cli(format!(
        "{arg}: {what}, and no bundled scenario has that name (nnviz --list shows them)"
    )))
}

/// The scenario `arg` names: the file `dir/arg` if there is one, else the bundled scenario
/// of that name; `None` when neither exists. A file that exists but cannot be read is an
/// error.
pub fn find(dir: &Path, arg: &str) -> Result<Option<Text>, InputError> {
    let path = dir.join(arg);
    let shown = path.to_string_lossy().into_owned();
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        let bytes = files::read_limited(&path, MAX_SCENARIO_BYTES).map_err(|e| match e {
            FileError::TooBig(_) => too_big(&shown, &path),
            e => InputError::new(&shown, None, "", format!("cannot read: {e}")),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok(Some(Text { file: shown, bytes, base, stem: stem(&path) }));
    }
    Ok(bundled_text(arg))
}

/// The bundled scenario `arg` names, if any. It counts as being in `scenarios/` of the
/// current folder, where its file is in the source tree, so a data path it gives means the
/// same file whether it is run by name or as `scenarios/NAME.toml` from the tree's top
/// (`../data/mnist/…` is `data/mnist/…`; the idx source takes a leading `..` off the folder).
pub fn bundled_text(arg: &str) -> Option<Text> {
    bundled::find(arg).map(|(name, text)| Text {
        file: arg.to_string(),
        bytes: text.as_bytes().to_vec(),
        base: PathBuf::from("scenarios"),
        stem: Path::new(name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
    })
}

/// A scenario file too big to be one, at the byte where it passes the limit. Large inline
/// arrays cost far more memory in the TOML parser than as numbers, and the same numbers in
/// a csv file are read as they come.
fn too_big(arg: &str, path: &Path) -> InputError {
    let limit = files::bytes(MAX_SCENARIO_BYTES);
    let reason = format!(
        "the file is larger than {limit}, the limit for a scenario; put large data in a csv file \
         (data.source = \"csv\", data.path = \"….csv\")"
    );
    // Where the limit is passed: the first MiBs again (the file is not read further).
    let pos = files::open_regular(path).ok().and_then(|file| {
        let mut bytes = Vec::new();
        file.take(MAX_SCENARIO_BYTES).read_to_end(&mut bytes).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        Some(scenario::pos_of(&text, text.len()))
    });
    InputError::new(arg, pos, "", reason)
}

/// Read, parse, validate and load the data of one scenario.
pub fn load(arg: &str, seed: Option<u64>) -> Result<Loaded, InputError> {
    load_text(read(arg)?, seed)
}

/// Parse, validate and load the data of a scenario text found by [`read`] or [`find`].
pub fn load_text(text: Text, seed: Option<u64>) -> Result<Loaded, InputError> {
    let mut scenario = scenario::parse_bytes(&text.file, &text.bytes, &text.base, &text.stem)?;
    if let Some(seed) = seed {
        scenario.override_seeds(seed);
    }
    finish(&text.file, scenario)
}

/// Load the data of a validated scenario and check it against the network: what every
/// way of making a scenario (a file, a sweep variant) ends with.
pub fn finish(file: &str, scenario: Scenario) -> Result<Loaded, InputError> {
    check_sizes_before_data(file, &scenario)?;
    let data = load_data(file, &scenario)?;
    check_shapes(file, &scenario, &data)?;
    Ok(Loaded { file: file.to_string(), scenario, data, _checked: () })
}

fn err(file: &str, s: &Scenario, key: &str, reason: impl Into<String>) -> InputError {
    InputError::new(file, s.pos(key), key, reason)
}

fn load_data(file: &str, s: &Scenario) -> Result<Splits, InputError> {
    let d = &s.data;
    let loaded = match &d.source {
        Source::Idx(spec) => data::idx::read(spec).map_err(|e| err(file, s, e.key, e.reason)),
        source => data::load(source, d.seed).map_err(|e| {
            let key = match d.source {
                Source::Csv { .. } => "data.path",
                Source::Inline { .. } => "data.x",
                _ => "data.source",
            };
            err(file, s, key, e.0)
        }),
    };
    let all = loaded?;
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
fn check_shapes(file: &str, s: &Scenario, data: &Splits) -> Result<(), InputError> {
    let (d, m, k) = (data.train.features(), s.hidden, data.train.classes);
    check_parameters(file, s, d, m, k)?;
    check_batch(file, s, data.train.rows())?;
    let rows = data.train.rows() + data.val.rows() + data.test.rows();
    check_memory(file, s, (d, m, k), rows, data.train.rows())?;
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
fn check_parameters(file: &str, s: &Scenario, d: usize, m: usize, k: usize) -> Result<(), InputError> {
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
fn check_sizes_before_data(file: &str, s: &Scenario) -> Result<(), InputError> {
    let (d, k) = match s.data.source {
        Source::Blobs { classes, features, .. } => (features, classes),
        Source::Spiral { classes, .. } => (2, classes),
        Source::Xor { .. } | Source::Circles { .. } | Source::Moons { .. } => (2, 2),
        Source::Csv { classes: Some(k), .. }
        | Source::Inline { classes: Some(k), .. }
        | Source::Idx(scenario::IdxSpec { classes: Some(k), .. }) => (1, k),
        _ => return Ok(()),
    };
    check_parameters(file, s, d, s.hidden, k)?;
    if k > scenario::MAX_CLASSES {
        let reason = format!("{k} classes are more than the limit of {}", scenario::MAX_CLASSES);
        return Err(err(file, s, "data.classes", reason));
    }
    if let Source::Blobs { samples, .. }
    | Source::Spiral { samples, .. }
    | Source::Xor { samples, .. }
    | Source::Circles { samples, .. }
    | Source::Moons { samples, .. } = s.data.source
        && let Some(train_rows) = data::training_rows(samples, s.data.validation, s.data.test)
    {
        check_batch(file, s, train_rows)?;
        check_memory(file, s, (d, s.hidden, k), samples, train_rows)?;
    }
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

/// Effective batch × hidden units against [`MAX_SIZE`].
fn check_batch(file: &str, s: &Scenario, train_rows: usize) -> Result<(), InputError> {
    let (batch, m) = (s.train.batch_size.min(train_rows), s.hidden);
    if batch.checked_mul(m).is_none_or(|b| b > MAX_SIZE) {
        let key = if s.pos("train.batch_size").is_some() { "train.batch_size" } else { "network.hidden" };
        return Err(err(
            file,
            s,
            key,
            format!("batch of {batch} rows × {m} hidden units is above the limit of {MAX_SIZE}"),
        ));
    }
    Ok(())
}

/// The first of `keys` the file gives, else the last of them.
fn given<'k>(s: &Scenario, keys: &[&'k str]) -> &'k str {
    keys.iter().copied().find(|k| s.pos(k).is_some()).unwrap_or(keys[keys.len() - 1])
}

/// [`memory_needed`] against [`MEMORY_LIMIT`], naming the key that makes the scenario big:
/// the data when they are the larger part, else the network.
fn check_memory(
    file: &str,
    s: &Scenario,
    (d, m, k): (usize, usize, usize),
    rows: usize,
    train_rows: usize,
) -> Result<(), InputError> {
    let batch = s.train.batch_size.min(train_rows);
    let need = memory_needed(d, m, k, rows, train_rows, batch);
    if need <= u128::from(MEMORY_LIMIT) {
        return Ok(());
    }
    let data_keys =
        ["data.samples", "data.features", "data.path", "data.x", "data.limit", "data.images", "data.source"];
    let network_keys = ["network.hidden", "data.classes", "train.batch_size"];
    let data_part = BYTES_PER_DATA_VALUE * rows as u128 * (d as u128 + 2);
    let key = if data_part * 2 > need {
        given(s, &data_keys)
    } else {
        let key = given(s, &network_keys);
        if s.pos(key).is_some() { key } else { given(s, &data_keys) }
    };
    let gib = need as f64 / f64::from(1u32 << 30);
    let limit = crate::files::bytes(MEMORY_LIMIT);
    Err(err(
        file,
        s,
        key,
        format!(
            "{m} hidden units with {}, {k} classes and {} (batches of {batch}) need about \
             {gib:.1} GiB of memory (limit {limit})",
            plural(d, "input"),
            plural(rows, "row")
        ),
    ))
}

/// "1 input", "3 inputs".
fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn dims(shape: &[usize]) -> String {
    shape.iter().map(ToString::to_string).collect::<Vec<_>>().join("×")
}

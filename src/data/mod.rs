//! Data sources, splits and standardization.
//!
//! Everything here is seeded and portable: the same spec gives the same bits.

mod builtin;
mod csv;
pub mod idx;
mod split;
mod synthetic;

use ndarray::Array2;

pub use split::{Splits, split, training_rows};

use crate::scenario::Source;

/// Rows are examples; labels are class indices below `classes`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub x: Array2<f64>,
    pub y: Vec<usize>,
    pub classes: usize,
}

impl Dataset {
    pub fn rows(&self) -> usize {
        self.x.nrows()
    }
    pub fn features(&self) -> usize {
        self.x.ncols()
    }

    /// H = −Σ p ln p of the class frequencies p: the cross-entropy (natural log, as the
    /// trainer reports it) of always predicting those frequencies, the best constant guess.
    /// 0 for an empty set.
    pub fn class_entropy(&self) -> f64 {
        self.class_frequencies().into_iter().filter(|&p| p > 0.0).fold(0.0, |h, p| h - p * p.ln())
    }

    /// The share of each class among the labels, class 0 first (NaN for an empty set).
    pub fn class_frequencies(&self) -> Vec<f64> {
        let mut counts = vec![0usize; self.classes];
        for &c in &self.y {
            if let Some(n) = counts.get_mut(c) {
                *n += 1;
            }
        }
        let total = counts.iter().sum::<usize>() as f64;
        counts.iter().map(|&n| n as f64 / total).collect()
    }
}

/// Why a source could not be read (a CSV's own path and line are in the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError(pub String);

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Produce the whole data set of a source, before any split.
pub fn load(source: &Source, seed: u64) -> Result<Dataset, DataError> {
    match source {
        Source::Blobs { samples, classes, features, noise } => {
            Ok(synthetic::blobs(*samples, *classes, *features, *noise, seed))
        }
        Source::Xor { samples, noise } => Ok(synthetic::xor(*samples, *noise, seed)),
        Source::Circles { samples, noise } => Ok(synthetic::circles(*samples, *noise, seed)),
        Source::Moons { samples, noise } => Ok(synthetic::moons(*samples, *noise, seed)),
        Source::Spiral { samples, classes, noise } => Ok(synthetic::spiral(*samples, *classes, *noise, seed)),
        Source::Digits => builtin::digits(),
        Source::Iris => builtin::iris(),
        Source::Csv { path, shown, classes } => csv::read(path, shown, *classes),
        Source::Inline { x, y, classes } => inline(x, y, *classes),
        Source::Idx(spec) => idx::read(spec).map_err(|e| DataError(format!("{}: {}", e.key, e.reason))),
    }
}

fn inline(x: &[Vec<f64>], y: &[usize], classes: Option<usize>) -> Result<Dataset, DataError> {
    let d = x.first().map_or(0, Vec::len);
    if let Some(i) = x.iter().position(|r| r.len() != d) {
        return Err(DataError(format!("row {} of x has {} values, row 1 has {d}", i + 1, x[i].len())));
    }
    let x = Array2::from_shape_fn((x.len(), d), |(i, j)| x[i][j]);
    labelled(x, y.to_vec(), classes, "y")
}

/// Attach labels, deriving or checking the class count.
fn labelled(x: Array2<f64>, y: Vec<usize>, classes: Option<usize>, what: &str) -> Result<Dataset, DataError> {
    let largest = y.iter().copied().max().unwrap_or(0);
    let classes = match classes {
        Some(c) if largest >= c => {
            return Err(DataError(format!(
                "{what} has label {largest}, but classes = {c} (labels must be below it)"
            )));
        }
        Some(c) => c,
        None => (largest + 1).max(2),
    };
    Ok(Dataset { x, y, classes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(y: Vec<usize>, classes: usize) -> Dataset {
        Dataset { x: Array2::zeros((y.len(), 1)), y, classes }
    }

    #[test]
    fn class_entropy_is_the_constant_guess_loss() {
        assert!((labels(vec![0, 1, 2, 0, 1, 2], 3).class_entropy() - 3f64.ln()).abs() < 1e-12);
        // p = (3/4, 1/4); a class with no example adds nothing.
        let h = -(0.75f64 * 0.75f64.ln() + 0.25 * 0.25f64.ln());
        assert!((labels(vec![0, 0, 0, 2], 3).class_entropy() - h).abs() < 1e-12);
        assert_eq!(labels(vec![1, 1], 2).class_entropy(), 0.0);
        assert_eq!(labels(vec![], 2).class_entropy(), 0.0);
    }
}

//! Train / validation / test splits and standardization.
//!
//! The split is a seeded shuffle then three consecutive slices, so it is reproducible; the
//! standardization is fitted on the training split only, so no information from the
//! validation or test rows leaks into training.

use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::{DataError, Dataset};

/// The three splits, and the standardization that was applied to all of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Splits {
    pub train: Dataset,
    /// May have 0 rows.
    pub val: Dataset,
    /// May have 0 rows.
    pub test: Dataset,
    /// Per feature: `x_std = (x − mean) / scale`; 0 when not standardizing.
    pub mean: Vec<f64>,
    /// Per feature; 1 for a feature with no deviation in training, and when not
    /// standardizing.
    pub scale: Vec<f64>,
}

/// Shuffle (with `Some(seed)`), split, and optionally standardize.
///
/// With `Some(seed)` the rows are permuted by a Fisher–Yates shuffle drawn from
/// `Xoshiro256PlusPlus` seeded with it; `None` keeps the given order (inline data). Then the
/// first ⌊validation·n⌋ rows are the validation split, the next ⌊test·n⌋ the test split and
/// the rest the training split, which must not be empty. (The products are rounded up by
/// 10⁻⁹ before the floor, so that 0.29 of 100 is 29 and not 28.999… → 28.)
///
/// With `standardize`, each feature is centred on the training split's mean and divided by
/// its population standard deviation (ddof 0); a feature constant over the training split
/// is only centred. The same transform is applied to all three splits.
pub fn split(
    data: Dataset,
    validation: f64,
    test: f64,
    shuffle_seed: Option<u64>,
    standardize: bool,
) -> Result<Splits, DataError> {
    let n = data.rows();
    let (n_val, n_test) = sizes(n, data.y.len(), validation, test)?;
    let order = match shuffle_seed {
        Some(seed) => shuffled(n, seed),
        None => (0..n).collect(),
    };
    let part = |rows: &[usize]| Dataset {
        x: gather(&data.x, rows),
        y: rows.iter().map(|&i| data.y[i]).collect(),
        classes: data.classes,
    };
    let (val_rows, rest) = order.split_at(n_val);
    let (test_rows, train_rows) = rest.split_at(n_test);
    let (mut train, mut val, mut test) = (part(train_rows), part(val_rows), part(test_rows));
    let (mean, scale) = if standardize {
        let (mean, scale) = fit(&train.x);
        for x in [&mut train.x, &mut val.x, &mut test.x] {
            apply(x, &mean, &scale);
        }
        (mean, scale)
    } else {
        (vec![0.0; data.features()], vec![1.0; data.features()])
    };
    Ok(Splits { train, val, test, mean, scale })
}

/// The given rows of `x`, in that order.
fn gather(x: &Array2<f64>, rows: &[usize]) -> Array2<f64> {
    let mut out = Vec::with_capacity(rows.len() * x.ncols());
    for &i in rows {
        out.extend(x.row(i).iter());
    }
    Array2::from_shape_vec((rows.len(), x.ncols()), out).expect("rows × columns values")
}

/// Rows of the validation and test splits, after checking the arguments.
fn sizes(n: usize, labels: usize, validation: f64, test: f64) -> Result<(usize, usize), DataError> {
    fraction("validation", validation)?;
    fraction("test", test)?;
    if labels != n {
        return Err(DataError(format!("{n} examples but {labels} labels")));
    }
    let n_val = share(validation, n);
    let n_test = share(test, n);
    if n_val.saturating_add(n_test) >= n {
        return Err(DataError(format!(
            "validation = {validation} and test = {test} leave no training row of {n}"
        )));
    }
    Ok((n_val, n_test))
}

/// The rows [`split`] leaves for training out of `n` (`None`: none, or a bad fraction).
pub fn training_rows(n: usize, validation: f64, test: f64) -> Option<usize> {
    sizes(n, n, validation, test).ok().map(|(v, t)| n - v - t)
}

/// Reject a fraction outside [0, 1] (or NaN) instead of silently flooring it to 0.
fn fraction(what: &str, value: f64) -> Result<(), DataError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(DataError(format!("{what} = {value} is not between 0 and 1")))
    }
}

/// ⌊fraction·n⌋, tolerant of the rounding error in the product.
fn share(fraction: f64, n: usize) -> usize {
    let rows = (fraction * n as f64 + 1e-9).floor();
    (rows as usize).min(n)
}

/// A Fisher–Yates permutation of 0..n (from the last position down, as usual).
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    order
}

/// Per-feature mean and population standard deviation of the training rows (see
/// [`split`]), in passes over whole rows (the data is row-major). A constant feature gets
/// its value as the mean exactly (so it centres to exact zeros) and scale 1, as does one
/// whose deviation is 0 or not finite.
fn fit(x: &Array2<f64>) -> (Vec<f64>, Vec<f64>) {
    let d = x.ncols();
    let Some(first) = x.rows().into_iter().next() else {
        return (vec![0.0; d], vec![1.0; d]);
    };
    let first = first.to_vec();
    let mut constant = vec![true; d];
    let mut sum = vec![0.0; d];
    for row in x.rows() {
        for (((c, s), &v), &f) in constant.iter_mut().zip(&mut sum).zip(row).zip(&first) {
            *c &= v == f;
            *s += v;
        }
    }
    let count = x.nrows() as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / count).collect();
    let mut sq = vec![0.0; d];
    for row in x.rows() {
        for ((q, &v), &m) in sq.iter_mut().zip(row).zip(&mean) {
            *q += (v - m).powi(2);
        }
    }
    (0..d)
        .map(|j| {
            if constant[j] {
                return (first[j], 1.0);
            }
            let std = (sq[j] / count).sqrt();
            (mean[j], if std > 0.0 && std.is_finite() { std } else { 1.0 })
        })
        .unzip()
}

/// `x ← (x − mean) / scale`, feature by feature, row by row.
fn apply(x: &mut Array2<f64>, mean: &[f64], scale: &[f64]) {
    for mut row in x.rows_mut() {
        for ((v, m), s) in row.iter_mut().zip(mean).zip(scale) {
            *v = (*v - m) / s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// n rows: feature 0 = i, feature 1 = 3 (constant), feature 2 = i², label i % 2.
    fn data(n: usize) -> Dataset {
        let x = Array2::from_shape_fn((n, 3), |(i, j)| match j {
            0 => i as f64,
            1 => 3.0,
            _ => (i * i) as f64,
        });
        Dataset { x, y: (0..n).map(|i| i % 2).collect(), classes: 2 }
    }

    fn ids(d: &Dataset) -> Vec<usize> {
        d.x.column(0).iter().map(|&v| v as usize).collect()
    }

    #[test]
    fn sizes_ten_rows() {
        let s = split(data(10), 0.2, 0.3, Some(1), false).expect("splits");
        assert_eq!((s.val.rows(), s.test.rows(), s.train.rows()), (2, 3, 5));
        assert!([&s.train, &s.val, &s.test].iter().all(|d| d.classes == 2));
        assert!([&s.train, &s.val, &s.test].iter().all(|d| d.y.len() == d.rows()));
        let mut all: Vec<usize> = [&s.val, &s.test, &s.train].iter().flat_map(|d| ids(d)).collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn rounding_of_shares() {
        let s = split(data(100), 0.29, 0.0, None, false).expect("splits");
        assert_eq!(s.val.rows(), 29);
        assert_eq!(s.test.rows(), 0);
        assert_eq!(s.train.rows(), 71);
    }

    #[test]
    fn no_shuffle_keeps_order() {
        let s = split(data(10), 0.2, 0.3, None, false).expect("splits");
        assert_eq!(ids(&s.val), vec![0, 1]);
        assert_eq!(ids(&s.test), vec![2, 3, 4]);
        assert_eq!(ids(&s.train), vec![5, 6, 7, 8, 9]);
        assert_eq!(s.train.y, vec![1, 0, 1, 0, 1]);
        assert_eq!(s.mean, vec![0.0; 3]);
        assert_eq!(s.scale, vec![1.0; 3]);
    }

    #[test]
    fn shuffle_is_seeded() {
        let a = split(data(50), 0.2, 0.2, Some(7), false).expect("splits");
        let b = split(data(50), 0.2, 0.2, Some(7), false).expect("splits");
        let c = split(data(50), 0.2, 0.2, Some(8), false).expect("splits");
        assert_eq!(a, b);
        assert_ne!(ids(&a.train), ids(&c.train));
        assert_ne!(ids(&a.train), (20..50).collect::<Vec<_>>());
        // Labels travel with their rows.
        for d in [&a.train, &a.val, &a.test] {
            assert!(ids(d).iter().zip(&d.y).all(|(i, &l)| l == i % 2));
        }
    }

    #[test]
    fn standardizes_on_training_rows() {
        let s = split(data(40), 0.25, 0.25, Some(3), true).expect("splits");
        let n = s.train.rows() as f64;
        for j in [0, 2] {
            let col = s.train.x.column(j);
            let mean = col.sum() / n;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            assert!(mean.abs() < 1e-12, "mean {mean}");
            assert!((var.sqrt() - 1.0).abs() < 1e-12, "std {}", var.sqrt());
        }
        // The constant column is only centred.
        assert_eq!(s.mean[1], 3.0);
        assert_eq!(s.scale[1], 1.0);
        for d in [&s.train, &s.val, &s.test] {
            assert!(d.x.column(1).iter().all(|&v| v == 0.0));
        }
        // Validation and test use the training transform.
        let raw = split(data(40), 0.25, 0.25, Some(3), false).expect("splits");
        for (i, row) in raw.val.x.rows().into_iter().enumerate() {
            for j in 0..3 {
                let want = (row[j] - s.mean[j]) / s.scale[j];
                assert!((s.val.x[[i, j]] - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn small_known_values() {
        let d = Dataset { x: array![[1.0, 5.0], [3.0, 5.0]], y: vec![0, 1], classes: 2 };
        let s = split(d, 0.0, 0.0, None, true).expect("splits");
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert_eq!(s.scale, vec![1.0, 1.0]);
        assert_eq!(s.train.x, array![[-1.0, 0.0], [1.0, 0.0]]);
    }

    #[test]
    fn no_training_row() {
        let e = split(data(10), 0.5, 0.5, Some(1), true).expect_err("no training");
        assert_eq!(e.0, "validation = 0.5 and test = 0.5 leave no training row of 10");
        assert!(split(data(0), 0.0, 0.0, None, true).is_err());
        assert!(split(data(1), 0.0, 0.0, None, true).is_ok());
    }

    #[test]
    fn label_count_must_match() {
        let mut d = data(4);
        d.y.pop();
        let e = split(d, 0.0, 0.0, None, false).expect_err("mismatch");
        assert_eq!(e.0, "4 examples but 3 labels");
    }

    #[test]
    fn bad_fractions() {
        let e = split(data(10), -0.1, 0.0, None, false).expect_err("negative");
        assert_eq!(e.0, "validation = -0.1 is not between 0 and 1");
        assert!(split(data(10), 0.0, f64::NAN, None, false).is_err());
        assert!(split(data(10), 0.0, 1.5, None, false).is_err());
    }
}

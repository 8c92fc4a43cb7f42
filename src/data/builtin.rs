//! The two real data sets compiled into the binary (see `data/PROVENANCE.md`), so nnviz
//! has real data with no download. They are read by the same CSV parser as user files.

use std::io::Read;

use flate2::read::GzDecoder;

use super::csv::parse;
use super::{DataError, Dataset};

/// UCI optical digits (scikit-learn's copy), gzip-compressed CSV without a header.
const DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// Fisher's iris (scikit-learn's copy); its header line `150,4,setosa,…` is skipped.
const IRIS: &str = include_str!("../../data/iris.csv");

/// Handwritten digits: 1797 examples of 8×8 images, 64 pixel values (integers 0..16,
/// row by row) then the digit 0..9; 10 classes of 174 to 183 examples.
pub fn digits() -> Result<Dataset, DataError> {
    let mut text = String::new();
    GzDecoder::new(DIGITS_GZ)
        .read_to_string(&mut text)
        .map_err(|e| DataError(format!("cannot unpack the built-in digits: {e}")))?;
    parse(&text, "digits.csv.gz (built in)", Some(10))
}

/// Iris flowers: 150 examples of 4 features (sepal length, sepal width, petal length,
/// petal width, in cm); 3 classes (setosa, versicolor, virginica) of 50 each.
pub fn iris() -> Result<Dataset, DataError> {
    parse(IRIS, "iris.csv (built in)", Some(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(d: &Dataset) -> Vec<usize> {
        let mut c = vec![0; d.classes];
        for &l in &d.y {
            c[l] += 1;
        }
        c
    }

    #[test]
    fn digits_shape_and_first_row() {
        let d = digits().expect("digits");
        assert_eq!((d.rows(), d.features(), d.classes), (1797, 64, 10));
        assert_eq!(d.y.len(), 1797);
        let first: Vec<f64> = d.x.row(0).iter().take(4).copied().collect();
        assert_eq!(first, vec![0.0, 0.0, 5.0, 13.0]);
        assert_eq!(d.y[0], 0);
        assert!(d.x.iter().all(|&v| (0.0..=16.0).contains(&v)));
        assert!(counts(&d).iter().all(|&c| (174..=183).contains(&c)));
    }

    #[test]
    fn iris_shape_and_classes() {
        let d = iris().expect("iris");
        assert_eq!((d.rows(), d.features(), d.classes), (150, 4, 3));
        assert_eq!(counts(&d), vec![50, 50, 50]);
        let first: Vec<f64> = d.x.row(0).to_vec();
        assert_eq!(first, vec![5.1, 3.5, 1.4, 0.2]);
    }

    #[test]
    fn builtins_are_identical_each_time() {
        assert_eq!(digits(), digits());
        assert_eq!(iris(), iris());
    }
}

//! Numeric CSV files: features, then an integer class label in the last column.
//!
//! The same parser reads the user's files and the built-in sets, so both follow one set of
//! rules, and every error names the file as the user wrote it and the 1-based line.

use std::path::Path;

use ndarray::Array2;

use super::{DataError, Dataset, labelled};
use crate::files::{self, FileError};
use crate::scenario::MAX_CLASSES;
use crate::text::quote;

/// Most values (rows × fields) a file may hold: everything is kept in memory as `f64`s,
/// so 10⁸ values is already 800 MB.
const MAX_VALUES: usize = 100_000_000;

/// Largest file read, in bytes: reading stops as soon as a file passes it, so `/dev/zero`
/// behind a symbolic link, or a file of one endless line, costs at most this much memory.
const MAX_BYTES: u64 = 1 << 30;

/// Largest label accepted: labels are class indices, and the class count becomes the size
/// of the network's output layer, so an absurd label is a mistake, not a class. The same
/// limit as for inline labels.
const MAX_LABEL: usize = MAX_CLASSES - 1;

/// Read a user's CSV file (`shown` is its path as written, for messages).
///
/// Rules: numeric rows with the label (a whole number ≥ 0; "2.0" is accepted) in the last
/// column; the first non-blank line is a header, and skipped, if any of its fields is not a
/// number; blank lines are skipped and fields trimmed; every row has the same number of
/// fields (at least 2); features must be finite. With `classes`, every label must be below
/// it; without, the class count is the largest label + 1 (at least 2).
pub fn read(path: &Path, shown: &str, classes: Option<usize>) -> Result<Dataset, DataError> {
    let bytes = files::read_limited(path, MAX_BYTES).map_err(|e| match e {
        FileError::TooBig(limit) => {
            DataError(format!("{} is larger than {}, the limit for a data file", shown, files::bytes(limit)))
        }
        e => DataError(format!("cannot read {}: {e}", shown)),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        DataError(format!("{}:{line}: not UTF-8", shown))
    })?;
    parse(&text, shown, classes)
}

/// Parse CSV text by the rules of [`read`]; `shown` names the source in messages.
pub(super) fn parse(text: &str, shown: &str, classes: Option<usize>) -> Result<Dataset, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut table = Table::default();
    let mut first = true;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let header = first && fields.iter().any(|f| f.parse::<f64>().is_err());
        first = false;
        let at = |msg: String| DataError(format!("{shown}:{}: {msg}", index + 1));
        table.row(&fields, header, classes).map_err(at)?;
    }
    if table.y.is_empty() {
        return Err(DataError(format!("{shown}: no data rows")));
    }
    let rows = table.y.len();
    let x = Array2::from_shape_vec((rows, table.width - 1), table.values)
        .map_err(|e| DataError(format!("{shown}: {e}")))?;
    labelled(x, table.y, classes, shown)
}

/// The rows read so far.
#[derive(Default)]
struct Table {
    /// Fields per row, fixed by the first line (header included); 0 before it.
    width: usize,
    /// Features, row after row.
    values: Vec<f64>,
    y: Vec<usize>,
}

impl Table {
    /// Check one non-blank line and, unless it is the header, keep it.
    fn row(&mut self, fields: &[&str], header: bool, classes: Option<usize>) -> Result<(), String> {
        let n = fields.len();
        if self.width == 0 {
            if n < 2 {
                return Err(format!("row has {n} field, need at least 2 (features, then the label)"));
            }
            self.width = n;
        } else if n != self.width {
            return Err(format!("row has {n} fields, expected {}", self.width));
        }
        if header {
            return Ok(());
        }
        check_size(self.y.len() + 1, n)?;
        let (label, features) = fields.split_last().ok_or("empty row")?;
        for (j, f) in features.iter().enumerate() {
            self.values.push(feature(f).map_err(|e| format!("field {} {e}", j + 1))?);
        }
        let label = label_of(label)?;
        if let Some(c) = classes.filter(|&c| label >= c) {
            return Err(format!("label {label} is not below classes = {c}"));
        }
        self.y.push(label);
        Ok(())
    }
}

/// Refuse a file before it grows past [`MAX_VALUES`] (checked row by row, while reading).
fn check_size(rows: usize, width: usize) -> Result<(), String> {
    if rows.saturating_mul(width) > MAX_VALUES {
        return Err(format!(
            "more than {MAX_VALUES} values (rows × fields); nnviz keeps the data in memory, \
             use a smaller file"
        ));
    }
    Ok(())
}

/// A feature value: any finite number.
fn feature(field: &str) -> Result<f64, String> {
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("is not a finite number: {}", quote(field))),
        Err(_) => Err(format!("is not a number: {}", quote(field))),
    }
}

/// A label: a whole number ≥ 0 ("2.0" is fine, "2.5" and "-1" are not).
fn label_of(field: &str) -> Result<usize, String> {
    let v = field
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0 && v.fract() == 0.0)
        .ok_or_else(|| format!("label {} is not a whole number ≥ 0", quote(field)))?;
    if v > MAX_LABEL as f64 {
        return Err(format!(
            "label {} is too large (labels are class indices, at most {MAX_LABEL})",
            quote(field)
        ));
    }
    Ok(v as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A temporary file with `text`, removed when dropped.
    struct Temp(PathBuf);

    impl Temp {
        fn new(text: &str) -> Temp {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let name = format!("nnviz-csv-test-{}-{n}.csv", std::process::id());
            let path = std::env::temp_dir().join(name);
            std::fs::write(&path, text).expect("write temp file");
            Temp(path)
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn read_text(text: &str, classes: Option<usize>) -> Result<Dataset, DataError> {
        let t = Temp::new(text);
        read(&t.0, "data/x.csv", classes)
    }

    fn err(text: &str, classes: Option<usize>) -> String {
        read_text(text, classes).expect_err("should fail").0
    }

    #[test]
    fn reads_plain_rows() {
        let d = read_text("1,2,0\n3,4,1\n5,6,2\n", None).expect("reads");
        assert_eq!(d.x, ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        assert_eq!(d.y, vec![0, 1, 2]);
        assert_eq!(d.classes, 3);
    }

    #[test]
    fn header_detected_and_skipped() {
        let d = read_text("a, b ,label\n1,2,0\n3,4,1\n", None).expect("reads");
        assert_eq!(d.rows(), 2);
        assert_eq!(d.x[[0, 0]], 1.0);
        // A numeric first line is data.
        assert_eq!(read_text("1,2,0\n3,4,1\n", None).expect("reads").rows(), 2);
        // Only the first line can be a header.
        assert_eq!(
            err("x,y,label\n1,2,0\nx,y,label\n", None),
            "data/x.csv:3: field 1 is not a number: \"x\""
        );
    }

    #[test]
    fn blank_lines_spaces_and_crlf() {
        let d = read_text("\n  x,y,c\r\n\n 1 , 2 ,1\r\n   \n3,4,0\r\n\n", Some(2)).expect("reads");
        assert_eq!(d.x, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(d.y, vec![1, 0]);
        assert_eq!(d.classes, 2);
    }

    #[test]
    fn whole_float_label_ok() {
        let d = read_text("1,2.0\n2,1e0\n3,-0\n", None).expect("reads");
        assert_eq!(d.y, vec![2, 1, 0]);
        assert_eq!(d.classes, 3);
    }

    #[test]
    fn bad_labels_rejected() {
        let msg = "data/x.csv:2: label \"2.5\" is not a whole number ≥ 0";
        assert_eq!(err("1,0\n1,2.5\n", None), msg);
        assert_eq!(err("1,0\n1,-1\n", None), "data/x.csv:2: label \"-1\" is not a whole number ≥ 0");
        assert_eq!(err("1,0\n1,abc\n", None), "data/x.csv:2: label \"abc\" is not a whole number ≥ 0");
        assert!(err("1,1e300\n", None).starts_with("data/x.csv:1: label \"1e300\" is too large"));
        assert!(err("1,NaN\n", None).contains("not a whole number"));
    }

    #[test]
    fn ragged_row_names_its_line() {
        assert_eq!(
            err("a,b,c,d\n1,2,3,0\n\n1,2,3,1\n1,2,1\n", None),
            "data/x.csv:5: row has 3 fields, expected 4"
        );
        assert_eq!(err("1,2,3,0\n1,2,3,4,1\n", None), "data/x.csv:2: row has 5 fields, expected 4");
    }

    #[test]
    fn too_few_fields() {
        assert!(err("1\n2\n", None).starts_with("data/x.csv:1: row has 1 field, need at least 2"));
    }

    #[test]
    fn non_numeric_and_non_finite_features() {
        assert_eq!(err("1,2,0\n1,abc,0\n", None), "data/x.csv:2: field 2 is not a number: \"abc\"");
        assert_eq!(err("1,2,0\n1,,0\n", None), "data/x.csv:2: field 2 is not a number: \"\"");
        assert_eq!(err("1,2,0\ninf,2,0\n", None), "data/x.csv:2: field 1 is not a finite number: \"inf\"");
        // NaN on line 1 is a number, so line 1 is data and is rejected.
        assert_eq!(err("NaN,2,0\n", None), "data/x.csv:1: field 1 is not a finite number: \"NaN\"");
    }

    #[test]
    fn missing_file() {
        let path = std::env::temp_dir().join("nnviz-csv-test-does-not-exist.csv");
        let e = read(&path, "data/x.csv", None).expect_err("missing");
        assert!(e.0.starts_with("cannot read data/x.csv: "), "{e}");
        assert!(!e.0.contains("os error"), "{e}");
    }

    #[test]
    fn no_data_rows() {
        assert_eq!(err("", None), "data/x.csv: no data rows");
        assert_eq!(err("a,b\n\n", None), "data/x.csv: no data rows");
    }

    #[test]
    fn label_below_given_classes() {
        assert_eq!(err("1,0\n1,2\n1,5\n", Some(3)), "data/x.csv:3: label 5 is not below classes = 3");
        let d = read_text("1,0\n1,1\n", Some(4)).expect("reads");
        assert_eq!(d.classes, 4);
    }

    #[test]
    fn single_class_still_has_two() {
        assert_eq!(read_text("1,0\n2,0\n", None).expect("reads").classes, 2);
    }

    #[test]
    fn parse_from_text_and_bom() {
        let d = parse("\u{feff}h1,h2\n7,1\n", "mem", None).expect("parses");
        assert_eq!(d.rows(), 1);
        assert_eq!(d.x[[0, 0]], 7.0);
    }

    #[test]
    fn value_limit_checked() {
        assert!(check_size(50_000_000, 2).is_ok());
        let e = check_size(50_000_001, 2).expect_err("too many");
        assert!(e.contains("more than 100000000 values"), "{e}");
        assert!(check_size(usize::MAX, 3).is_err());
    }
}

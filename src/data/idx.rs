//! MNIST-format (IDX) files: an images file (unsigned bytes, 3 dimensions: count, rows,
//! columns) and a labels file (unsigned bytes, 1 dimension), raw or gzip-compressed.
//!
//! An IDX file is a 4-byte magic number (0, 0, the element type, the number of dimensions),
//! one big-endian u32 per dimension, then the elements row by row. Every error names the
//! file as the scenario wrote it and the byte offset in the IDX content (after unpacking a
//! gzip file), and the key (`data.images` or `data.labels`) it is reported on.

use std::io::Read;
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use ndarray::Array2;

use super::Dataset;
use crate::files::{self, FileError};
use crate::scenario::IdxSpec;

/// Largest file read, and largest content once unpacked, in bytes (as for csv files): a
/// gzip file that unpacks without end stops here.
const MAX_BYTES: u64 = 1 << 30;

/// Most pixel values kept (examples × rows × columns), each an `f64` in memory: the same
/// limit as a csv file's values.
const MAX_VALUES: u128 = 100_000_000;

/// Element type of unsigned bytes, the only one read.
const UNSIGNED_BYTE: u8 = 0x08;

/// The element types IDX defines (unsigned byte, signed byte, i16, i32, f32, f64).
const IDX_TYPES: [u8; 6] = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E];

/// Where the first gzip member starts: a file that starts so is unpacked first.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Why an IDX source could not be read: the key at fault and the reason, which names the
/// file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxError {
    pub key: &'static str,
    pub reason: String,
}

/// One of the two files, read and unpacked.
struct IdxFile<'a> {
    key: &'static str,
    shown: &'a str,
    bytes: Vec<u8>,
}

impl IdxFile<'_> {
    fn error(&self, reason: impl std::fmt::Display) -> IdxError {
        IdxError { key: self.key, reason: format!("{}: {reason}", self.shown) }
    }

    fn at(&self, byte: u128, reason: impl std::fmt::Display) -> IdxError {
        self.error(format!("byte {byte}: {reason}"))
    }

    /// The magic number and the sizes of a file of `dims` dimensions (`what` names them).
    fn header(&self, dims: u8, what: &str) -> Result<Vec<u32>, IdxError> {
        let b = &self.bytes;
        let size = |i: usize| b.get(i).copied();
        for i in 0..2 {
            match size(i) {
                None => {
                    return Err(
                        self.at(b.len() as u128, "not an IDX file: it ends inside the 4-byte magic number")
                    );
                }
                Some(0) => {}
                Some(v) => {
                    return Err(self.at(
                        i as u128,
                        format!("not an IDX file: byte {v:#04X}, the first two bytes of an IDX file are 0"),
                    ));
                }
            }
        }
        match size(2) {
            None => return Err(self.at(2, "not an IDX file: it ends inside the 4-byte magic number")),
            Some(UNSIGNED_BYTE) => {}
            Some(t) if IDX_TYPES.contains(&t) => {
                return Err(self.at(2, format!("element type {t:#04X}, expected 0x08 (unsigned bytes)")));
            }
            Some(t) => {
                return Err(self.at(
                    2,
                    format!(
                        "not an IDX file: element type {t:#04X} is none of IDX's (0x08, 0x09, 0x0B to 0x0E)"
                    ),
                ));
            }
        }
        match size(3) {
            None => return Err(self.at(3, "not an IDX file: it ends inside the 4-byte magic number")),
            Some(d) if d == dims => {}
            Some(d) => {
                let plural = if d == 1 { "dimension" } else { "dimensions" };
                return Err(self.at(3, format!("{d} {plural}, expected {dims} ({what})")));
            }
        }
        let end = 4 + 4 * usize::from(dims);
        if b.len() < end {
            return Err(self.at(
                b.len() as u128,
                format!("the file ends inside its header, which is {end} bytes for {dims} dimensions"),
            ));
        }
        Ok(b[4..end].chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// The file holds the `header + elements` bytes its sizes say (more is ignored).
    fn check_length(&self, header: usize, elements: u128, sizes: &str) -> Result<(), IdxError> {
        let need = header as u128 + elements;
        let have = self.bytes.len() as u128;
        if have < need {
            return Err(self.at(
                have,
                format!("truncated: the file ends here, but its header ({sizes}) says {need} bytes"),
            ));
        }
        Ok(())
    }
}

/// Read both files of `spec` into a data set: rows × columns features per image (row by
/// row), pixels divided by 255 unless `spec.scale` is false, the first `spec.limit`
/// examples, and `spec.classes` classes or the largest label + 1 (at least 2).
pub fn read(spec: &IdxSpec) -> Result<Dataset, IdxError> {
    let images = open("data.images", &spec.images, &spec.images_shown)?;
    let labels = open("data.labels", &spec.labels, &spec.labels_shown)?;
    let sizes = images.header(3, "an images file: count, rows, columns")?;
    let (count, rows, cols) = (sizes[0], sizes[1], sizes[2]);
    let pixels = u128::from(rows) * u128::from(cols);
    images.check_length(16, u128::from(count) * pixels, &format!("{count} images of {rows}×{cols}"))?;
    let label_count = labels.header(1, "a labels file: count")?[0];
    labels.check_length(8, u128::from(label_count), &format!("{label_count} labels"))?;
    if label_count != count {
        return Err(
            labels.at(4, format!("{label_count} labels, but {} has {count} images (byte 4)", images.shown))
        );
    }
    if count == 0 {
        return Err(images.at(4, "no images (the count is 0)"));
    }
    if pixels == 0 {
        return Err(images.at(8, format!("images of {rows}×{cols} have no pixels")));
    }
    let n = spec.limit.map_or(count as usize, |l| l.min(count as usize));
    if n as u128 * pixels > MAX_VALUES {
        return Err(images.at(
            4,
            format!(
                "{n} images of {rows}×{cols} are {} pixel values, more than the limit of {MAX_VALUES}; \
                 take fewer with data.limit",
                n as u128 * pixels
            ),
        ));
    }
    let d = pixels as usize;
    let y: Vec<usize> = labels.bytes[8..8 + n].iter().map(|&l| usize::from(l)).collect();
    if let Some(c) = spec.classes
        && let Some(i) = y.iter().position(|&l| l >= c)
    {
        return Err(labels.at(8 + i as u128, format!("label {} is not below data.classes = {c}", y[i])));
    }
    let classes = spec.classes.unwrap_or_else(|| (y.iter().copied().max().unwrap_or(0) + 1).max(2));
    let pixel = |p: u8| if spec.scale { f64::from(p) / 255.0 } else { f64::from(p) };
    let values = images.bytes[16..16 + n * d].iter().map(|&p| pixel(p)).collect();
    let x = Array2::from_shape_vec((n, d), values).map_err(|e| images.error(e))?;
    Ok(Dataset { x, y, classes })
}

/// The content of one file, unpacked when it starts with the gzip magic number.
fn open<'a>(key: &'static str, path: &Path, shown: &'a str) -> Result<IdxFile<'a>, IdxError> {
    let fail = |reason: String| IdxError { key, reason };
    let bytes = files::read_limited(path, MAX_BYTES).map_err(|e| match e {
        FileError::TooBig(limit) => {
            fail(format!("{shown} is larger than {}, the limit for a data file", files::bytes(limit)))
        }
        FileError::Missing => {
            let looked = path.to_string_lossy();
            let looked = if looked == shown { String::new() } else { format!(" (looked for {looked})") };
            fail(format!(
                "cannot read {shown}: no such file{looked}; nnviz downloads nothing: put the IDX files \
                 of MNIST (https://ossci-datasets.s3.amazonaws.com/mnist/) or Fashion-MNIST \
                 (https://github.com/zalandoresearch/fashion-mnist) there"
            ))
        }
        e => fail(format!("cannot read {shown}: {e}")),
    })?;
    let file = IdxFile { key, shown, bytes };
    if !file.bytes.starts_with(&GZIP_MAGIC) {
        return Ok(file);
    }
    let mut rest: &[u8] = &file.bytes;
    let mut out = Vec::new();
    let result = MultiGzDecoder::new(&mut rest).take(MAX_BYTES + 1).read_to_end(&mut out);
    if let Err(e) = result {
        let at = file.bytes.len() - rest.len();
        return Err(file.error(format!("byte {at} of the gzip file: {}", files::io_reason(&e))));
    }
    if out.len() as u64 > MAX_BYTES {
        return Err(file
            .error(format!("unpacks to more than {}, the limit for a data file", files::bytes(MAX_BYTES))));
    }
    Ok(IdxFile { bytes: out, ..file })
}

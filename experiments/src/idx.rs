//! A strict reader for the IDX format of MNIST (gzip or not).
//!
//! An IDX file is a big-endian header — two zero bytes, a type byte (`0x08`: unsigned byte), the
//! number of dimensions — then one `u32` per dimension, then the payload. Images are
//! `0x00000803` (`[count, rows, cols]`), labels `0x00000801` (`[count]`). Every check names the
//! file: bad magic, a header or payload shorter than announced (truncated), trailing bytes, an
//! image/label count mismatch, a label out of range.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Magic number of an IDX file of unsigned-byte images `[count, rows, cols]`.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels `[count]`.
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// What is wrong with a data file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Io(String),
    /// The file does not exist.
    #[error("file not found")]
    NotFound,
    /// None of the usual names of the file exists.
    #[error("file not found (looked for {})", .searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    Missing {
        /// Every path that was tried.
        searched: Vec<PathBuf>,
    },
    /// The gzip stream is corrupt or cut short.
    #[error("corrupt or truncated gzip stream: {0}")]
    Gzip(String),
    /// The magic number is not the expected one.
    #[error("bad magic number 0x{found:08x} (expected 0x{expected:08x}, {what})")]
    BadMagic {
        /// What the file starts with.
        found: u32,
        /// What it should start with.
        expected: u32,
        /// What kind of file was expected.
        what: &'static str,
    },
    /// The file is shorter than its header says.
    #[error("truncated: {what} needs {expected} bytes, the file has {actual}")]
    Truncated {
        /// Which part is cut short (header or payload).
        what: &'static str,
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The file is longer than its header says.
    #[error("{extra} unexpected trailing bytes after the payload of {expected} bytes")]
    TrailingBytes {
        /// Payload size announced by the header (with the header).
        expected: usize,
        /// Bytes beyond it.
        extra: usize,
    },
    /// A dimension is zero or otherwise unusable.
    #[error("bad dimensions {dims:?}: {reason}")]
    BadDimensions {
        /// The dimensions in the header.
        dims: Vec<u32>,
        /// Why they are rejected.
        reason: &'static str,
    },
    /// Images and labels disagree on the count.
    #[error("image/label count mismatch: {images} images but {labels} labels")]
    CountMismatch {
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A label is not a valid class.
    #[error("label out of range: label #{index} is {label}, classes are 0..{classes}")]
    LabelOutOfRange {
        /// Position of the label.
        index: usize,
        /// Its value.
        label: u8,
        /// Number of classes.
        classes: usize,
    },
    /// Train and test images have different shapes, or not the expected one.
    #[error("image shape {found:?} does not match {expected:?}")]
    ShapeMismatch {
        /// Shape found.
        found: [usize; 2],
        /// Shape expected.
        expected: [usize; 2],
    },
}

/// A problem with one named data file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("data file {}: {problem}", path.display())]
pub struct DataError {
    /// The file (for embedded data, a path under `<embedded>/`).
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: Problem,
}

impl DataError {
    /// A problem with `path`.
    pub fn new(path: impl Into<PathBuf>, problem: Problem) -> Self {
        Self {
            path: path.into(),
            problem,
        }
    }
}

/// Unsigned-byte images, row-major `[count, rows, cols]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Images {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixels.
    pub pixels: Vec<u8>,
}

impl Images {
    /// Pixels per image.
    pub fn pixels_per_image(&self) -> usize {
        self.rows * self.cols
    }
}

/// Reads a file and gunzips it when it starts with the gzip magic `1f 8b` (whatever its name).
///
/// # Errors
/// [`Problem::NotFound`], [`Problem::Io`] or [`Problem::Gzip`], naming `path`.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = std::fs::read(path).map_err(|e| {
        let problem = if e.kind() == std::io::ErrorKind::NotFound {
            Problem::NotFound
        } else {
            Problem::Io(e.to_string())
        };
        DataError::new(path, problem)
    })?;
    gunzip_if_needed(&bytes, path)
}

/// Gunzips `bytes` when they start with the gzip magic; otherwise returns them as they are.
///
/// # Errors
/// [`Problem::Gzip`] naming `name`.
pub fn gunzip_if_needed(bytes: &[u8], name: &Path) -> Result<Vec<u8>, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| DataError::new(name, Problem::Gzip(e.to_string())))?;
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Parses the header: checks the magic, reads the dimensions, checks the length exactly.
/// Returns the dimensions and the payload.
fn parse<'a>(
    bytes: &'a [u8],
    magic: u32,
    what: &'static str,
    name: &Path,
) -> Result<(Vec<usize>, &'a [u8]), DataError> {
    let err = |problem| DataError::new(name, problem);
    if bytes.len() < 4 {
        return Err(err(Problem::Truncated {
            what: "the magic number",
            expected: 4,
            actual: bytes.len(),
        }));
    }
    let found = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if found != magic {
        return Err(err(Problem::BadMagic {
            found,
            expected: magic,
            what,
        }));
    }
    let ndim = (magic & 0xff) as usize;
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(err(Problem::Truncated {
            what: "the header",
            expected: header,
            actual: bytes.len(),
        }));
    }
    let dims32: Vec<u32> = (0..ndim)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]])
        })
        .collect();
    if ndim > 1 && dims32[1..].contains(&0) {
        return Err(err(Problem::BadDimensions {
            dims: dims32,
            reason: "an image dimension is zero",
        }));
    }
    let dims: Vec<usize> = dims32.iter().map(|&d| d as usize).collect();
    let payload = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            err(Problem::BadDimensions {
                dims: dims32.clone(),
                reason: "the payload size overflows",
            })
        })?;
    let expected = header + payload;
    if bytes.len() < expected {
        return Err(err(Problem::Truncated {
            what: "the payload",
            expected,
            actual: bytes.len(),
        }));
    }
    if bytes.len() > expected {
        return Err(err(Problem::TrailingBytes {
            expected,
            extra: bytes.len() - expected,
        }));
    }
    Ok((dims, &bytes[header..]))
}

/// Parses an (already gunzipped) IDX image file.
///
/// # Errors
/// Bad magic, truncated header or payload, trailing bytes, zero image dimensions; each naming
/// `name`.
pub fn parse_images(bytes: &[u8], name: &Path) -> Result<Images, DataError> {
    let (dims, payload) = parse(
        bytes,
        IMAGES_MAGIC,
        "IDX unsigned-byte images [count, rows, cols]",
        name,
    )?;
    Ok(Images {
        count: dims[0],
        rows: dims[1],
        cols: dims[2],
        pixels: payload.to_vec(),
    })
}

/// Parses an (already gunzipped) IDX label file, checking every label is `< classes`.
///
/// # Errors
/// Bad magic, truncated, trailing bytes, a label out of range; each naming `name`.
pub fn parse_labels(bytes: &[u8], classes: usize, name: &Path) -> Result<Vec<u8>, DataError> {
    let (_, payload) = parse(
        bytes,
        LABELS_MAGIC,
        "IDX unsigned-byte labels [count]",
        name,
    )?;
    if let Some((index, &label)) = payload
        .iter()
        .enumerate()
        .find(|(_, l)| usize::from(**l) >= classes)
    {
        return Err(DataError::new(
            name,
            Problem::LabelOutOfRange {
                index,
                label,
                classes,
            },
        ));
    }
    Ok(payload.to_vec())
}

/// A labelled image set read from an image file and a label file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledImages {
    /// The images.
    pub images: Images,
    /// One label per image.
    pub labels: Vec<u8>,
}

/// Reads and validates an image file and its label file (gzip or not).
///
/// # Errors
/// Any [`Problem`] of either file, and [`Problem::CountMismatch`] naming the label file.
pub fn read_pair(
    images: &Path,
    labels: &Path,
    classes: usize,
) -> Result<(LabelledImages, Vec<u8>, Vec<u8>), DataError> {
    let raw_images = read_maybe_gz(images)?;
    let raw_labels = read_maybe_gz(labels)?;
    let set = parse_pair(&raw_images, images, &raw_labels, labels, classes)?;
    Ok((set, raw_images, raw_labels))
}

/// Parses and cross-checks an (already gunzipped) image file and label file.
///
/// # Errors
/// Any [`Problem`] of either file, and [`Problem::CountMismatch`] naming the label file.
pub fn parse_pair(
    raw_images: &[u8],
    images_name: &Path,
    raw_labels: &[u8],
    labels_name: &Path,
    classes: usize,
) -> Result<LabelledImages, DataError> {
    let images = parse_images(raw_images, images_name)?;
    let labels = parse_labels(raw_labels, classes, labels_name)?;
    if images.count != labels.len() {
        return Err(DataError::new(
            labels_name,
            Problem::CountMismatch {
                images: images.count,
                labels: labels.len(),
            },
        ));
    }
    Ok(LabelledImages { images, labels })
}

/// Serializes images as IDX (uncompressed).
pub fn encode_images(images: &Images) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + images.pixels.len());
    out.extend_from_slice(&IMAGES_MAGIC.to_be_bytes());
    for d in [images.count, images.rows, images.cols] {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(&images.pixels);
    out
}

/// Serializes labels as IDX (uncompressed).
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

/// Gzips `bytes` at the best compression, deterministically (no file name, no time stamp).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(n: usize) -> Images {
        Images {
            count: n,
            rows: 2,
            cols: 3,
            pixels: (0..n * 6).map(|i| i as u8).collect(),
        }
    }

    #[test]
    fn round_trip_plain_and_gzip() {
        let img = images(4);
        let raw = encode_images(&img);
        assert_eq!(parse_images(&raw, Path::new("x")).unwrap(), img);
        let gz = gzip(&raw);
        assert_eq!(gunzip_if_needed(&gz, Path::new("x")).unwrap(), raw);
        let labels = vec![0, 9, 3, 1];
        let raw_l = encode_labels(&labels);
        let set = parse_pair(&raw, Path::new("i"), &raw_l, Path::new("l"), 10).unwrap();
        assert_eq!(set.labels, labels);
    }

    #[test]
    fn every_problem_is_named() {
        let raw = encode_images(&images(4));
        let p = Path::new("imgs");
        let e = parse_images(&raw[..raw.len() - 1], p).unwrap_err();
        assert!(
            matches!(
                e.problem,
                Problem::Truncated {
                    what: "the payload",
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("imgs") && e.to_string().contains("truncated"),
            "{e}"
        );
        let e = parse_images(&raw[..10], p).unwrap_err();
        assert!(
            matches!(
                e.problem,
                Problem::Truncated {
                    what: "the header",
                    ..
                }
            ),
            "{e}"
        );
        let mut extra = raw.clone();
        extra.push(0);
        assert!(matches!(
            parse_images(&extra, p).unwrap_err().problem,
            Problem::TrailingBytes { extra: 1, .. }
        ));
        let labels = encode_labels(&[1, 2]);
        let e = parse_images(&labels, p).unwrap_err();
        assert!(
            matches!(
                e.problem,
                Problem::BadMagic {
                    found: 0x801,
                    expected: 0x803,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("bad magic number 0x00000801"), "{e}");
        let e = parse_labels(&encode_labels(&[1, 10]), 10, Path::new("lbl")).unwrap_err();
        assert_eq!(
            e.problem,
            Problem::LabelOutOfRange {
                index: 1,
                label: 10,
                classes: 10
            }
        );
        let e = parse_pair(&raw, p, &labels, Path::new("lbl"), 10).unwrap_err();
        assert_eq!(
            e.problem,
            Problem::CountMismatch {
                images: 4,
                labels: 2
            }
        );
        assert_eq!(e.path, Path::new("lbl"));
        let mut zero = encode_images(&images(0));
        zero[11] = 0; // rows = 0
        assert!(matches!(
            parse_images(&zero, p).unwrap_err().problem,
            Problem::BadDimensions { .. }
        ));
        let gz = gzip(&raw);
        let e = gunzip_if_needed(&gz[..gz.len() / 2], p).unwrap_err();
        assert!(matches!(e.problem, Problem::Gzip(_)), "{e}");
        let e = read_maybe_gz(Path::new("/nonexistent/dir/file")).unwrap_err();
        assert_eq!(e.problem, Problem::NotFound);
    }
}

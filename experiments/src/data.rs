//! Datasets: real and offline.
//!
//! | name | what | train / test | normalization |
//! |---|---|---|---|
//! | `mnist-small` (default) | first 6,000 train and first 1,000 test images of MNIST, embedded | 6,000 / 1,000 | `(x/255 − 0.1307)/0.3081` |
//! | `mnist` | full MNIST from `--data-dir` or burn-dataset's cache folder (no download) | 60,000 / 10,000 | same |
//! | `mnist-tiny` | any IDX set in `--data-dir` (e.g. 1,000 / 200 images, for tests) | as found | same |
//! | `digits` | scikit-learn's 8×8 digits (UCI optdigits), pixel values 0–16, embedded | 1,437 / 360 | `x/16`, then each pixel standardized with the train mean and std |
//! | `synthetic` | 100-d `N(0, 1)` inputs labelled by the argmax of a fixed random teacher (seeded) | 6,000 / 1,000 | none (already standard normal) |
//!
//! Three splits: `train` and `valid` are carved from the dataset's training images
//! ([`stratified_split`]: 10 % per class by default, seeded with the fixed [`SPLIT_SEED`], so every
//! run of every experiment sees the same split), `test` is the dataset's test split. Every choice
//! (learning rate, epoch) is made on `valid`; `test` only reports. (`digits` standardizes its
//! pixels with the mean and std of the whole training file, validation images included: an
//! unsupervised statistic of the inputs, no labels.)

use std::path::{Path, PathBuf};

use burn_init::{HostRng, Normal, Primitive};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result, named_choices};
use crate::idx::{self, DataError, LabelledImages, Problem};

/// MNIST mean of `x/255` over the training set.
pub const MNIST_MEAN: f32 = 0.1307;
/// MNIST std of `x/255` over the training set.
pub const MNIST_STD: f32 = 0.3081;

/// Standard IDX file names: (train images, train labels, test images, test labels).
pub const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

macro_rules! embedded_idx {
    ($dir:literal) => {
        [
            (
                concat!("<embedded>/", $dir, "/train-images-idx3-ubyte.gz"),
                include_bytes!(concat!("../data/", $dir, "/train-images-idx3-ubyte.gz")),
            ),
            (
                concat!("<embedded>/", $dir, "/train-labels-idx1-ubyte.gz"),
                include_bytes!(concat!("../data/", $dir, "/train-labels-idx1-ubyte.gz")),
            ),
            (
                concat!("<embedded>/", $dir, "/t10k-images-idx3-ubyte.gz"),
                include_bytes!(concat!("../data/", $dir, "/t10k-images-idx3-ubyte.gz")),
            ),
            (
                concat!("<embedded>/", $dir, "/t10k-labels-idx1-ubyte.gz"),
                include_bytes!(concat!("../data/", $dir, "/t10k-labels-idx1-ubyte.gz")),
            ),
        ]
    };
}

/// The embedded MNIST subset (see `experiments/data/README.md`).
const MNIST_SMALL: [(&str, &[u8]); 4] = embedded_idx!("mnist-small");
/// The embedded scikit-learn digits.
const DIGITS: [(&str, &[u8]); 4] = embedded_idx!("digits");

/// Which dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetChoice {
    /// Embedded MNIST subset (6,000 / 1,000).
    #[default]
    MnistSmall,
    /// Full MNIST from `--data-dir` or the burn-dataset cache.
    Mnist,
    /// An IDX set from `--data-dir` (tests).
    MnistTiny,
    /// Embedded scikit-learn 8×8 digits.
    Digits,
    /// Teacher-labelled Gaussian inputs.
    Synthetic,
}

named_choices!(DatasetChoice, "dataset", {
    MnistSmall => "mnist-small",
    Mnist => "mnist",
    MnistTiny => "mnist-tiny",
    Digits => "digits",
    Synthetic => "synthetic",
});

/// One split: `n` examples of `features` inputs, row-major, with labels.
#[derive(Debug, Clone, Default)]
pub struct Split {
    /// Number of examples.
    pub n: usize,
    /// `n * features` normalized inputs.
    pub x: Vec<f32>,
    /// `n` labels in `0..classes`.
    pub y: Vec<u8>,
}

impl Split {
    /// The examples `rows` (in that order) of this split, `features` inputs each.
    pub fn select(&self, rows: &[usize], features: usize) -> Split {
        let mut x = Vec::with_capacity(rows.len() * features);
        for &r in rows {
            x.extend_from_slice(&self.x[r * features..(r + 1) * features]);
        }
        Split {
            n: rows.len(),
            x,
            y: rows.iter().map(|&r| self.y[r]).collect(),
        }
    }

    /// The share of the most common label ([`majority_rate`]): the accuracy of a classifier
    /// that always predicts that class (chance level).
    pub fn majority_rate(&self) -> f64 {
        majority_rate(&self.y)
    }
}

/// The seed of the validation split: fixed and independent of the run seeds, so every run of
/// every experiment trains and selects on the same examples. Recorded in [`SplitRecord`].
pub const SPLIT_SEED: u64 = 20_111_009;

/// The share of the training images held out for validation unless `--valid-fraction` says
/// otherwise.
pub const DEFAULT_VALID_FRACTION: f64 = 0.1;

/// How the validation split was carved (recorded with the dataset).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SplitRecord {
    /// Seed of [`stratified_split`].
    pub seed: u64,
    /// Share of each class held out (0: no validation split).
    pub fraction: f64,
    /// Examples left for training.
    pub train: usize,
    /// Examples held out for validation.
    pub valid: usize,
}

/// The share of the most common label among `labels` (0 when there are none): the accuracy of
/// always predicting that class, i.e. chance level for a classifier that learned only the
/// class prior.
///
/// `[1, 1, 2, 0]` → 0.5.
pub fn majority_rate(labels: &[u8]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &y in labels {
        counts[usize::from(y)] += 1;
    }
    counts.iter().copied().max().unwrap_or(0) as f64 / labels.len() as f64
}

/// A stratified split of example indices: for each class `c`, the indices with label `c` are
/// shuffled by [`HostRng::permutation`](burn_init::HostRng::permutation) of
/// `HostRng::new(seed).derive(c)`, and the first `round(fraction · n_c)` of them are held out. Returns `(train, valid)`, each in
/// ascending order. Pure: labels, fraction and seed determine it.
///
/// With 0.1 and 97 examples of a class, 10 of them are held out.
pub fn stratified_split(labels: &[u8], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); 256];
    for (i, &y) in labels.iter().enumerate() {
        by_class[usize::from(y)].push(i);
    }
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for (c, idx) in by_class.iter().enumerate() {
        if idx.is_empty() {
            continue;
        }
        let held = ((idx.len() as f64 * fraction).round() as usize).min(idx.len());
        let order = HostRng::new(seed).derive(c as u64).permutation(idx.len());
        for (k, &o) in order.iter().enumerate() {
            if k < held {
                valid.push(idx[o]);
            } else {
                train.push(idx[o]);
            }
        }
    }
    train.sort_unstable();
    valid.sort_unstable();
    (train, valid)
}

/// A dataset ready to train on.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The dataset name (`mnist-small`, …).
    pub name: String,
    /// Where it came from (embedded, a folder, generated).
    pub source: String,
    /// How the inputs were normalized.
    pub normalization: String,
    /// Inputs per example.
    pub features: usize,
    /// Number of classes.
    pub classes: usize,
    /// Training split (the training images not held out for validation).
    pub train: Split,
    /// Validation split, carved from the training images ([`Dataset::with_validation`]; empty
    /// until then): what every choice (learning rate, epoch) is made on.
    pub valid: Split,
    /// Test split: only reported.
    pub test: Split,
    /// How the validation split was carved.
    pub split: SplitRecord,
    /// SHA-256 of the raw data (the four decompressed IDX files in order train images, train
    /// labels, test images, test labels; for `synthetic`, the generated inputs and labels).
    pub sha256: String,
}

impl SplitRecord {
    /// No validation split: every training image is trained on.
    fn unsplit(train: usize) -> Self {
        Self {
            seed: SPLIT_SEED,
            fraction: 0.0,
            train,
            valid: 0,
        }
    }
}

impl Dataset {}

/// The folder burn-dataset's `MnistDataset` caches MNIST in:
/// `$XDG_CACHE_HOME/burn-dataset/mnist` or `~/.cache/burn-dataset/mnist`.
pub fn burn_dataset_cache() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("burn-dataset").join("mnist"))
}

/// Finds the four IDX files in `dir`: `dir/NAME`, `dir/NAME.gz`, or under `dir/train/` and
/// `dir/test/` (burn-dataset's cache layout).
///
/// # Errors
/// [`Problem::Missing`] naming every path tried for the first file not found.
pub fn find_idx_files(dir: &Path) -> Result<[PathBuf; 4], DataError> {
    let mut found = Vec::with_capacity(4);
    for (i, name) in IDX_FILES.iter().enumerate() {
        let sub = if i < 2 { "train" } else { "test" };
        let candidates = [
            dir.join(name),
            dir.join(format!("{name}.gz")),
            dir.join(sub).join(name),
            dir.join(sub).join(format!("{name}.gz")),
        ];
        match candidates.iter().find(|p| p.is_file()) {
            Some(p) => found.push(p.clone()),
            None => {
                return Err(DataError::new(
                    &candidates[0],
                    Problem::Missing {
                        searched: candidates.to_vec(),
                    },
                ));
            }
        }
    }
    Ok(found.try_into().expect("four files"))
}

/// Loads a dataset. `data_dir` is needed by `mnist-tiny`, optional for `mnist` (default: the
/// burn-dataset cache folder) and ignored by the embedded and generated ones.
///
/// # Errors
/// A missing folder, missing or corrupt files (naming the file and the problem).
pub fn load(choice: DatasetChoice, data_dir: Option<&Path>) -> Result<Dataset> {
    match choice {
        DatasetChoice::MnistSmall => from_idx_bytes(
            choice,
            "embedded MNIST subset (first 6,000 train / 1,000 test images)".into(),
            MNIST_SMALL,
            Some([28, 28]),
            Normalization::Mnist,
        ),
        DatasetChoice::Digits => from_idx_bytes(
            choice,
            "embedded scikit-learn digits (UCI optdigits, 8x8)".into(),
            DIGITS,
            Some([8, 8]),
            Normalization::Digits,
        ),
        DatasetChoice::Mnist => {
            let dir = match data_dir {
                Some(d) => d.to_path_buf(),
                None => burn_dataset_cache().ok_or_else(|| {
                    Error::DataSource("full MNIST: no --data-dir and no home folder to find the burn-dataset cache in".into())
                })?,
            };
            if !dir.is_dir() {
                return Err(Error::DataSource(format!(
                    "full MNIST not found: {} is not a folder. Pass --data-dir DIR holding the four IDX files \
                     ({}; gzip or not), or put them where burn-dataset's MnistDataset caches them \
                     (train/ and test/ under $XDG_CACHE_HOME/burn-dataset/mnist or ~/.cache/burn-dataset/mnist). \
                     This program does not download.",
                    dir.display(),
                    IDX_FILES.join(", ")
                )));
            }
            from_dir(choice, &dir, Some([28, 28]))
        }
        DatasetChoice::MnistTiny => {
            let dir = data_dir.ok_or_else(|| {
                Error::DataSource(format!(
                    "dataset mnist-tiny reads IDX files ({}) from --data-dir DIR; none given",
                    IDX_FILES.join(", ")
                ))
            })?;
            from_dir(choice, dir, Some([28, 28]))
        }
        DatasetChoice::Synthetic => Ok(synthetic(6000, 1000)),
    }
}

fn from_dir(choice: DatasetChoice, dir: &Path, shape: Option<[usize; 2]>) -> Result<Dataset> {
    let files = find_idx_files(dir)?;
    let mut raw = Vec::with_capacity(4);
    for f in &files {
        raw.push(idx::read_maybe_gz(f)?);
    }
    let names = files.each_ref().map(|p| p.as_path());
    build(
        choice,
        format!("IDX files in {}", dir.display()),
        names,
        raw,
        shape,
        Normalization::Mnist,
    )
}

fn from_idx_bytes(
    choice: DatasetChoice,
    source: String,
    files: [(&str, &[u8]); 4],
    shape: Option<[usize; 2]>,
    norm: Normalization,
) -> Result<Dataset> {
    let mut raw = Vec::with_capacity(4);
    for (name, bytes) in files {
        raw.push(idx::gunzip_if_needed(bytes, Path::new(name))?);
    }
    let names = files.map(|(n, _)| Path::new(n));
    build(choice, source, names, raw, shape, norm)
}

#[derive(Debug, Clone, Copy)]
enum Normalization {
    Mnist,
    Digits,
}

fn build(
    choice: DatasetChoice,
    source: String,
    names: [&Path; 4],
    raw: Vec<Vec<u8>>,
    shape: Option<[usize; 2]>,
    norm: Normalization,
) -> Result<Dataset> {
    const CLASSES: usize = 10;
    let train = idx::parse_pair(&raw[0], names[0], &raw[1], names[1], CLASSES)?;
    let test = idx::parse_pair(&raw[2], names[2], &raw[3], names[3], CLASSES)?;
    let train_shape = [train.images.rows, train.images.cols];
    let test_shape = [test.images.rows, test.images.cols];
    let expected = shape.unwrap_or(train_shape);
    if train_shape != expected {
        return Err(DataError::new(
            names[0],
            Problem::ShapeMismatch {
                found: train_shape,
                expected,
            },
        )
        .into());
    }
    if test_shape != expected {
        return Err(DataError::new(
            names[2],
            Problem::ShapeMismatch {
                found: test_shape,
                expected,
            },
        )
        .into());
    }
    if train.images.count == 0 {
        return Err(DataError::new(
            names[0],
            Problem::BadDimensions {
                dims: vec![0],
                reason: "no images",
            },
        )
        .into());
    }
    if test.images.count == 0 {
        return Err(DataError::new(
            names[2],
            Problem::BadDimensions {
                dims: vec![0],
                reason: "no images",
            },
        )
        .into());
    }
    let mut hasher = Sha256::new();
    for r in &raw {
        hasher.update(r);
    }
    let sha256 = hex(&hasher.finalize());
    let features = expected[0] * expected[1];
    let (train, test, normalization) = match norm {
        Normalization::Mnist => {
            let f = |s: LabelledImages| Split {
                n: s.images.count,
                x: s.images
                    .pixels
                    .iter()
                    .map(|&p| (f32::from(p) / 255.0 - MNIST_MEAN) / MNIST_STD)
                    .collect(),
                y: s.labels,
            };
            (f(train), f(test), "(x/255 - 0.1307)/0.3081".to_string())
        }
        Normalization::Digits => {
            let to_f = |s: &LabelledImages| {
                s.images
                    .pixels
                    .iter()
                    .map(|&p| f32::from(p) / 16.0)
                    .collect::<Vec<f32>>()
            };
            let (mut xtr, mut xte) = (to_f(&train), to_f(&test));
            let (mean, std) = column_stats(&xtr, features);
            standardize(&mut xtr, &mean, &std);
            standardize(&mut xte, &mean, &std);
            (
                Split {
                    n: train.images.count,
                    x: xtr,
                    y: train.labels,
                },
                Split {
                    n: test.images.count,
                    x: xte,
                    y: test.labels,
                },
                "x/16, then each pixel standardized with the train mean and std (std 0 -> 1)"
                    .to_string(),
            )
        }
    };
    Ok(Dataset {
        name: choice.name().into(),
        source,
        normalization,
        features,
        classes: CLASSES,
        split: SplitRecord::unsplit(train.n),
        train,
        valid: Split::default(),
        test,
        sha256,
    })
}

fn column_stats(x: &[f32], features: usize) -> (Vec<f32>, Vec<f32>) {
    let n = (x.len() / features) as f64;
    let mut mean = vec![0f64; features];
    let mut sq = vec![0f64; features];
    for row in x.chunks_exact(features) {
        for (j, &v) in row.iter().enumerate() {
            mean[j] += f64::from(v);
            sq[j] += f64::from(v) * f64::from(v);
        }
    }
    let mut std = vec![1f32; features];
    let mut m32 = vec![0f32; features];
    for j in 0..features {
        let m = mean[j] / n;
        let var = (sq[j] / n - m * m).max(0.0);
        m32[j] = m as f32;
        std[j] = if var.sqrt() < 1e-6 {
            1.0
        } else {
            var.sqrt() as f32
        };
    }
    (m32, std)
}

fn standardize(x: &mut [f32], mean: &[f32], std: &[f32]) {
    let features = mean.len();
    for row in x.chunks_exact_mut(features) {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (*v - mean[j]) / std[j];
        }
    }
}

/// Inputs of the synthetic set.
pub const SYNTHETIC_FEATURES: usize = 100;
/// Classes of the synthetic set.
pub const SYNTHETIC_CLASSES: usize = 10;
/// The fixed seed of the synthetic set (independent of the run seed, so runs are comparable).
pub const SYNTHETIC_SEED: u64 = 20_100_513;

/// The tutorial's inputs (100-d standard normal) labelled by the argmax of a fixed random
/// teacher `100 → 100 (tanh) → 10` with `N(0, 1/fan_in)` weights, all from the host generator
/// seeded with [`SYNTHETIC_SEED`].
pub fn synthetic(n_train: usize, n_test: usize) -> Dataset {
    let (d, h, c) = (SYNTHETIC_FEATURES, 100, SYNTHETIC_CLASSES);
    let rng = HostRng::new(SYNTHETIC_SEED);
    let normal = |std: f64, n: usize, stream: u64| {
        // N(0, 1) scaled: the same f32 values as N(0, std²) (`0 + std·z`).
        let mut v = vec![0f32; n];
        Primitive::Normal(Normal::large_random()).fill_host(rng.derive(stream), &mut v);
        v.iter_mut().for_each(|x| *x *= std as f32);
        v
    };
    let w1 = normal(1.0 / (d as f64).sqrt(), d * h, 0);
    let w2 = normal(1.0 / (h as f64).sqrt(), h * c, 1);
    let label = |x: &[f32]| -> u8 {
        let hidden: Vec<f32> = (0..h)
            .map(|j| (0..d).map(|i| x[i] * w1[i * h + j]).sum::<f32>().tanh())
            .collect();
        let out: Vec<f32> = (0..c)
            .map(|k| (0..h).map(|j| hidden[j] * w2[j * c + k]).sum::<f32>())
            .collect();
        out.iter()
            .enumerate()
            .fold(0, |best, (k, &v)| if v > out[best] { k } else { best }) as u8
    };
    let split = |n: usize, stream: u64| {
        let x = normal(1.0, n * d, stream);
        let y = x.chunks_exact(d).map(label).collect();
        Split { n, x, y }
    };
    let train = split(n_train, 2);
    let test = split(n_test, 3);
    let mut hasher = Sha256::new();
    for s in [&train, &test] {
        for v in &s.x {
            hasher.update(v.to_le_bytes());
        }
        hasher.update(&s.y);
    }
    Dataset {
        name: DatasetChoice::Synthetic.name().into(),
        source: format!(
            "generated: N(0,1) inputs, teacher 100-100(tanh)-10, seed {SYNTHETIC_SEED}"
        ),
        normalization: "none (inputs are standard normal)".into(),
        features: d,
        classes: c,
        split: SplitRecord::unsplit(train.n),
        train,
        valid: Split::default(),
        test,
        sha256: hex(&hasher.finalize()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the embedded MNIST subset: the first `n_train` training and `n_test` test images of
/// the full MNIST in `src` (IDX, gzip or not) as gzip IDX files in `dst`. Deterministic: the
/// same input gives byte-identical files.
///
/// # Errors
/// Missing or corrupt source files, or a write failure.
pub fn write_subset(src: &Path, dst: &Path, n_train: usize, n_test: usize) -> Result<()> {
    let files = find_idx_files(src)?;
    std::fs::create_dir_all(dst).map_err(crate::error::io(dst))?;
    for (pair, n) in [(0usize, n_train), (2, n_test)] {
        let (set, _, _) = idx::read_pair(&files[pair], &files[pair + 1], 10)?;
        let n = n.min(set.images.count);
        let per = set.images.pixels_per_image();
        let images = idx::Images {
            count: n,
            rows: set.images.rows,
            cols: set.images.cols,
            pixels: set.images.pixels[..n * per].to_vec(),
        };
        let out = [
            (IDX_FILES[pair], idx::gzip(&idx::encode_images(&images))),
            (
                IDX_FILES[pair + 1],
                idx::gzip(&idx::encode_labels(&set.labels[..n])),
            ),
        ];
        for (name, bytes) in out {
            let path = dst.join(format!("{name}.gz"));
            std::fs::write(&path, bytes).map_err(crate::error::io(&path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::assert_error_mentions;

    #[test]
    fn embedded_sets_load() {
        let m = load(DatasetChoice::MnistSmall, None).unwrap();
        assert_eq!(
            (m.train.n, m.test.n, m.features, m.classes),
            (6000, 1000, 784, 10)
        );
        assert_eq!(m.train.x.len(), 6000 * 784);
        let mean = m.train.x.iter().map(|&v| f64::from(v)).sum::<f64>() / m.train.x.len() as f64;
        assert!(mean.abs() < 0.1, "normalized mean {mean}");
        let d = load(DatasetChoice::Digits, None).unwrap();
        assert_eq!((d.train.n, d.test.n, d.features), (1437, 360, 64));
        assert_eq!(d.sha256.len(), 64);
    }

    #[test]
    fn synthetic_is_deterministic_and_uses_every_class() {
        let a = synthetic(500, 100);
        let b = synthetic(500, 100);
        assert_eq!(a.sha256, b.sha256);
        let mut counts = [0usize; 10];
        for &y in &a.train.y {
            counts[y as usize] += 1;
        }
        assert!(counts.iter().filter(|&&c| c > 0).count() >= 5, "{counts:?}");
    }

    #[test]
    fn majority_rate_is_the_share_of_the_most_common_label() {
        assert_eq!(majority_rate(&[1, 1, 2, 0]), 0.5);
        assert_eq!(majority_rate(&[7]), 1.0);
        assert_eq!(majority_rate(&[]), 0.0);
    }

    #[test]
    fn stratified_split_is_seeded_per_class_and_disjoint() {
        // 97 of class 0, 3 of class 1, 200 of class 2.
        let labels: Vec<u8> = (0..300)
            .map(|i| match i % 3 {
                _ if i < 97 => 0,
                _ if i < 100 => 1,
                _ => 2,
            })
            .collect();
        let (train, valid) = stratified_split(&labels, 0.1, 5);
        let count = |rows: &[usize], c: u8| rows.iter().filter(|&&r| labels[r] == c).count();
        // round(9.7) = 10, round(0.3) = 0, round(20) = 20.
        assert_eq!(
            (count(&valid, 0), count(&valid, 1), count(&valid, 2)),
            (10, 0, 20)
        );
        let mut all: Vec<usize> = train.iter().chain(&valid).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..300).collect::<Vec<_>>(), "a partition");
        assert!(train.windows(2).all(|w| w[0] < w[1]) && valid.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            (train.clone(), valid.clone()),
            stratified_split(&labels, 0.1, 5)
        );
        assert_ne!(
            valid,
            stratified_split(&labels, 0.1, 6).1,
            "the seed matters"
        );
    }

    #[test]
    fn validation_split_is_carved_from_train_and_recorded() {
        let d = synthetic(1000, 100);
        let n_train = d.train.n;
        let v = d.clone().with_validation(0.1, SPLIT_SEED).unwrap();
        assert_eq!(v.train.n + v.valid.n, n_train);
        assert!((v.valid.n as f64 - 100.0).abs() <= 10.0, "{}", v.valid.n);
        assert_eq!(v.train.x.len(), v.train.n * v.features);
        assert_eq!(v.valid.x.len(), v.valid.n * v.features);
        assert_eq!(
            v.split,
            SplitRecord {
                seed: SPLIT_SEED,
                fraction: 0.1,
                train: v.train.n,
                valid: v.valid.n
            }
        );
        assert_eq!(v.test.n, 100);
        // The first validation example is the training example it came from.
        let (_, rows) = stratified_split(&d.train.y, 0.1, SPLIT_SEED);
        assert_eq!(
            &v.valid.x[..d.features],
            &d.train.x[rows[0] * d.features..][..d.features]
        );
        for bad in [0.0, 0.51, f64::NAN, -0.1] {
            assert_error_mentions(d.clone().with_validation(bad, 1), &["--valid-fraction"]);
        }
        assert!(v.with_validation(0.1, 1).is_err(), "split twice");
    }

    #[test]
    fn unknown_dataset_suggests() {
        assert_error_mentions(
            DatasetChoice::from_name("mnist_small"),
            &["did you mean `mnist-small`", "synthetic"],
        );
    }

    #[test]
    fn missing_files_are_named() {
        assert_error_mentions(
            load(
                DatasetChoice::MnistTiny,
                Some(Path::new("/nonexistent-dir")),
            ),
            &["train-images-idx3-ubyte", "not found"],
        );
        assert_error_mentions(load(DatasetChoice::MnistTiny, None), &["--data-dir"]);
    }
}

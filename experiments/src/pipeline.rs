//! The datasets as a burn-dataset pipeline: every split of every dataset (`mnist-small`,
//! `mnist`, `mnist-tiny`, `digits`, `synthetic`, read by the strict loaders of [`crate::data`])
//! is a burn-dataset [`Dataset`](BurnDataset) of [`Example`]s ([`SplitDataset`]); the
//! train/validation split is a burn-dataset [`SelectionDataset`] over the index lists of
//! [`stratified_split`] ([`stratified_selection`]); [`ExampleBatcher`] batches examples into
//! tensors, and [`loader`] builds a `DataLoader` with a seeded shuffle.
//!
//! Both trainers use it: the hand-written loop through [`Dataset::with_validation`] (which
//! carves the validation split with [`stratified_selection`]), the Learner path
//! ([`crate::learner`]) through [`loader`].

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::transform::SelectionDataset;
use burn::data::dataset::{Dataset as BurnDataset, DatasetError};
use burn::tensor::{Device, Tensor, TensorData};
use burn_init::signal::metrics::ClassificationBatch;

use crate::data::{Dataset, Split, stratified_split};

/// One example: its normalized inputs and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// `features` normalized inputs.
    pub x: Vec<f32>,
    /// Label in `0..classes`.
    pub y: u8,
}

/// A split of a dataset as a burn-dataset [`Dataset`](BurnDataset) of [`Example`]s (shared,
/// not copied: the examples are cut from the split on access).
#[derive(Debug, Clone)]
pub struct SplitDataset {
    split: Arc<Split>,
    features: usize,
}

impl SplitDataset {
    /// The examples of `split`, `features` inputs each.
    pub fn new(split: Arc<Split>, features: usize) -> Self {
        Self { split, features }
    }

    /// The labels, in order (what [`stratified_selection`] stratifies on).
    pub fn labels(&self) -> &[u8] {
        &self.split.y
    }
}

impl BurnDataset<Example> for SplitDataset {
    fn get(&self, index: usize) -> Result<Example, DatasetError> {
        let (f, n) = (self.features, self.split.n);
        if index >= n {
            return Err(DatasetError::new(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("example {index} of a split of {n}"),
            )));
        }
        Ok(Example {
            x: self.split.x[index * f..(index + 1) * f].to_vec(),
            y: self.split.y[index],
        })
    }

    fn len(&self) -> usize {
        self.split.n
    }
}

/// A selection of a [`SplitDataset`] (burn-dataset's index-list transform).
pub type Selection = SelectionDataset<SplitDataset, Example>;

/// The stratified train/validation split as burn-dataset transforms: for each class, a share
/// `fraction` of its examples (chosen with `seed`, [`stratified_split`]) goes to the validation
/// selection, the rest to the training selection; each lists its examples in ascending order.
/// Returns `(train, valid)`.
pub fn stratified_selection(
    dataset: SplitDataset,
    fraction: f64,
    seed: u64,
) -> (Selection, Selection) {
    let (train, valid) = stratified_split(dataset.labels(), fraction, seed);
    let dataset = Arc::new(dataset);
    // The indices come from the dataset's own labels: in bounds.
    (
        SelectionDataset::from_indices_unchecked(dataset.clone(), train),
        SelectionDataset::from_indices_unchecked(dataset, valid),
    )
}

/// The examples of a burn-dataset `Dataset` gathered back into a [`Split`] of `features` inputs.
///
/// # Errors
/// A [`DatasetError`] from the dataset.
pub fn collect_split(
    dataset: &impl BurnDataset<Example>,
    features: usize,
) -> Result<Split, DatasetError> {
    let n = dataset.len();
    let mut x = Vec::with_capacity(n * features);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let e = dataset.get(i)?;
        x.extend_from_slice(&e.x);
        y.push(e.y);
    }
    Ok(Split { n, x, y })
}

/// Stacks [`Example`]s into a [`ClassificationBatch`] (the input of the library's burn-train
/// steps) on the loader's device (one upload per tensor).
#[derive(Debug, Clone, Copy)]
pub struct ExampleBatcher {
    /// Inputs per example.
    pub features: usize,
}

impl Batcher<Example, ClassificationBatch> for ExampleBatcher {
    fn batch(&self, items: Vec<Example>, device: &Device) -> ClassificationBatch {
        let b = items.len();
        let mut x = Vec::with_capacity(b * self.features);
        let mut y = Vec::with_capacity(b);
        for e in items {
            x.extend_from_slice(&e.x);
            y.push(i64::from(e.y));
        }
        ClassificationBatch {
            inputs: Tensor::from_data(TensorData::new(x, [b, self.features]), device),
            targets: Tensor::from_data(TensorData::new(y, [b]), device),
        }
    }
}

/// A data loader of `dataset` in batches of `batch_size` on `device`, shuffled every epoch by a
/// generator seeded with `shuffle` (`None`: in order).
pub fn loader<D>(
    dataset: D,
    features: usize,
    batch_size: usize,
    shuffle: Option<u64>,
    device: &Device,
) -> Arc<dyn DataLoader<ClassificationBatch>>
where
    D: BurnDataset<Example> + 'static,
{
    let builder = DataLoaderBuilder::new(ExampleBatcher { features })
        .batch_size(batch_size.max(1))
        .set_device(device.clone());
    match shuffle {
        Some(seed) => builder.shuffle(seed),
        None => builder,
    }
    .build(dataset)
}

/// The train/validation split lives here, beside the burn-dataset transform it is made of, so that
/// `data` (the images) does not depend on `pipeline` (what is built on them).
impl Dataset {
    /// This dataset with `fraction` of its training images (per class, [`stratified_split`]
    /// seeded with `seed`) moved to the validation split.
    ///
    /// # Errors
    /// [`crate::error::Error::InvalidOption`] (`--valid-fraction`) when `fraction` is not in (0, 0.5], when the
    /// dataset already has a validation split, or when either split would be empty.
    pub fn with_validation(mut self, fraction: f64, seed: u64) -> crate::error::Result<Self> {
        let bad = |reason: String| crate::error::Error::InvalidOption {
            option: "valid-fraction",
            value: fraction.to_string(),
            reason,
        };
        if !(fraction > 0.0 && fraction <= 0.5) {
            return Err(bad("must be in (0, 0.5]".into()));
        }
        if self.split.valid > 0 {
            return Err(bad("the dataset already has a validation split".into()));
        }
        use burn::data::dataset::Dataset as _;
        // The split is burn-dataset's index-list transform over the training images
        // (`pipeline::stratified_selection`, the rows of `stratified_split`), gathered back.
        let images = SplitDataset::new(
            std::sync::Arc::new(std::mem::take(&mut self.train)),
            self.features,
        );
        let n = images.len();
        let (train_rows, valid_rows) = stratified_selection(images, fraction, seed);
        if train_rows.is_empty() || valid_rows.is_empty() {
            return Err(bad(format!(
                "{n} training images give {} for training and {} for validation; both must be non-empty",
                train_rows.len(),
                valid_rows.len()
            )));
        }
        let gather = |rows: &Selection| {
            collect_split(rows, self.features)
                .map_err(|e| crate::error::Error::DataSource(format!("validation split: {e}")))
        };
        let train = gather(&train_rows)?;
        let valid = gather(&valid_rows)?;
        Ok(Self {
            split: crate::data::SplitRecord {
                seed,
                fraction,
                train: train.n,
                valid: valid.n,
            },
            train,
            valid,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> Split {
        let n = 40;
        Split {
            n,
            x: (0..n * 2).map(|v| v as f32).collect(),
            y: (0..n).map(|i| (i % 4) as u8).collect(),
        }
    }

    #[test]
    fn selection_is_the_stratified_split_and_collects_back() {
        let s = Arc::new(split());
        let ds = SplitDataset::new(s.clone(), 2);
        assert_eq!(
            ds.get(3).unwrap(),
            Example {
                x: vec![6.0, 7.0],
                y: 3
            }
        );
        assert!(ds.get(40).is_err());
        let (train, valid) = stratified_selection(ds, 0.2, 5);
        let (t, v) = stratified_split(&s.y, 0.2, 5);
        assert_eq!(
            (train.indices.clone(), valid.indices.clone()),
            (t.clone(), v.clone())
        );
        assert_eq!((train.len(), valid.len()), (32, 8));
        let back = collect_split(&valid, 2).unwrap();
        let expected = s.select(&v, 2);
        assert_eq!(
            (back.n, back.x, back.y),
            (expected.n, expected.x, expected.y)
        );
    }

    #[test]
    fn loader_batches_every_example_once_and_shuffles_by_seed() {
        let device = Device::flex();
        let s = Arc::new(split());
        let order = |seed: Option<u64>| -> Vec<i64> {
            let l = loader(SplitDataset::new(s.clone(), 2), 2, 16, seed, &device);
            let mut ys = Vec::new();
            for b in l.iter() {
                let b = b.unwrap();
                assert_eq!(b.inputs.dims()[1], 2);
                let x0: Vec<f32> = b.inputs.clone().into_data().iter::<f32>().collect();
                let y: Vec<i64> = b.targets.into_data().iter::<i64>().collect();
                // Inputs and labels stay together: example i has x = (2i, 2i+1), y = i % 4.
                for (k, &yk) in y.iter().enumerate() {
                    assert_eq!(yk, ((x0[2 * k] as i64) / 2) % 4);
                }
                ys.extend(x0.iter().step_by(2).map(|&v| v as i64 / 2));
            }
            ys
        };
        let plain = order(None);
        assert_eq!(plain, (0..40).collect::<Vec<_>>());
        let a = order(Some(1));
        assert_eq!(a, order(Some(1)));
        assert_ne!(a, plain);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, plain);
    }
}

//! Training a Burn model with burn-train's `SupervisedTraining` and burn-init's per-layer
//! metrics (feature `train`):
//!
//! ```sh
//! cargo run --release -p burn-init --features train --example train_metrics
//! ```
//!
//! The model is a 3-hidden-layer tanh MLP ([`LinearChain`]) on a synthetic 3-class problem.
//! Three things wire the metrics in:
//!
//! 1. the model implements [`Layered`] (`LinearChain` does);
//! 2. its `TrainStep` returns a `TracedClassificationOutput` (loss, logits, targets and the
//!    per-layer traces, detached from autodiff). `LinearChain`'s steps take a
//!    [`ClassificationBatch`]; a model of your own gets the same two steps in one line,
//!    `burn_init::layered_train_steps!(MyModel);`;
//! 3. `SupervisedTraining::layer_metrics(layers, &LayerStatistic::ALL)` registers one numeric
//!    metric per statistic and layer.
//!
//! burn-train renders them and writes them to `<dir>/train/epoch-N/<name>.log`; this program
//! prints the epoch means it logged.

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::optim::SgdConfig;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::metric::{AccuracyMetric, LossMetric, NumericEntry};
use burn::train::{Learner, SupervisedTraining};
use burn_init::signal::metrics::{ClassificationBatch, LayerMetricsExt, LayerStatistic};
use burn_init::signal::{Layered, LinearChain};
use burn_init::{Init, Nonlinearity, ParamInits};

const FEATURES: usize = 8;
const CLASSES: usize = 3;

/// One example.
#[derive(Debug, Clone)]
struct Item {
    x: [f32; FEATURES],
    y: i64,
}

#[derive(Debug, Clone, Copy)]
struct ItemBatcher;

/// Stacks examples into a [`ClassificationBatch`] on the loader's device.
impl Batcher<Item, ClassificationBatch> for ItemBatcher {
    fn batch(&self, items: Vec<Item>, device: &Device) -> ClassificationBatch {
        let b = items.len();
        let x: Vec<f32> = items.iter().flat_map(|i| i.x).collect();
        let y: Vec<i64> = items.iter().map(|i| i.y).collect();
        ClassificationBatch {
            inputs: Tensor::from_data(TensorData::new(x, [b, FEATURES]), device),
            targets: Tensor::from_data(TensorData::new(y, [b]), device),
        }
    }
}

/// `n` examples: class `c` has mean `(c − 1)·e_c` plus a fixed deterministic spread.
fn examples(n: usize, offset: usize) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let k = i + offset;
            let c = k % CLASSES;
            let mut x = [0f32; FEATURES];
            for (j, v) in x.iter_mut().enumerate() {
                *v = (0.7 * k as f32 + 1.3 * j as f32).sin();
            }
            x[c] += 2.0;
            Item { x, y: c as i64 }
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex();
    let inits = ParamInits::new(Init::GlorotUniform).with_source(7);
    let model = LinearChain::new(
        &[FEATURES, 32, 32, 32, CLASSES],
        Nonlinearity::Tanh,
        &inits,
        &device.clone().autodiff(),
    )?;
    let layers = model.num_layers();

    let train = DataLoaderBuilder::new(ItemBatcher)
        .batch_size(32)
        .shuffle(0)
        .build(InMemDataset::new(examples(960, 0)));
    let valid = DataLoaderBuilder::new(ItemBatcher)
        .batch_size(256)
        .build(InMemDataset::new(examples(240, 960)));

    let dir = std::env::temp_dir().join("burn-init-train-metrics-example");
    let _ = std::fs::remove_dir_all(&dir);
    let epochs = 3;
    let result = SupervisedTraining::new(&dir, train, valid)
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(LossMetric::new())
        .metric_train_numeric(AccuracyMetric::new())
        .metric_valid_numeric(AccuracyMetric::new())
        .layer_metrics(layers, &LayerStatistic::ALL)
        .num_epochs(epochs)
        .launch(Learner::new(model, SgdConfig::new().init(), 0.05));
    if let Some(e) = result.error {
        return Err(format!("training failed: {e}").into());
    }

    println!(
        "epoch {epochs}, means over its steps (from {}):",
        dir.display()
    );
    for statistic in LayerStatistic::ALL {
        let values: Vec<String> = (0..layers)
            .map(|layer| {
                let name = statistic.metric_name(layer).replace(' ', "_");
                let path = dir.join(format!("train/epoch-{epochs}/{name}.log"));
                epoch_mean(&std::fs::read_to_string(path).unwrap_or_default())
                    .map_or("-".into(), |v| format!("{v:.4}"))
            })
            .collect();
        println!("  {:<13} {}", statistic.name(), values.join("  "));
    }
    Ok(())
}

/// The mean of a burn-train log: its final entry, else its batch values weighted by batch size.
fn epoch_mean(log: &str) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for line in log.lines().filter(|l| !l.is_empty()) {
        match NumericEntry::deserialize(line).ok()? {
            NumericEntry::Final(v) => return Some(v),
            NumericEntry::Aggregated {
                aggregated_value,
                count,
            } => {
                sum += aggregated_value * count as f64;
                n += count;
            }
            NumericEntry::Value(v) => {
                sum += v;
                n += 1;
            }
        }
    }
    (n > 0).then(|| sum / n as f64)
}

//! The library's burn-train metrics (`burn_init::signal::metrics`, feature `train`): a small
//! `LinearChain` (through its own `TrainStep`) trained by burn-train's `SupervisedTraining` for
//! two steps, every per-layer
//! value read back from burn-train's file logger and compared with the library's diagnostics
//! (`activation_stats`, `gradient_stats`, `update_ratios`) of the same model on the same batch.

use std::path::Path;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use burn::train::metric::{LossMetric, NumericEntry};
use burn::train::{Learner, SupervisedTraining};
use burn_init::signal::metrics::{
    ClassificationBatch, LayerMetricsExt, LayerStatistic, cross_entropy,
};
use burn_init::signal::{
    DiagnosticsConfig, Layered, LinearChain, activation_stats, gradient_stats, update_ratios,
};
use burn_init::{Init, Nonlinearity, ParamInits};
use burn_init_tests::device_tests;

#[derive(Debug, Clone)]
struct Item {
    x: Vec<f32>,
    y: i64,
}

const FEATURES: usize = 4;
const BATCH: usize = 8;

#[derive(Debug, Clone, Copy)]
struct ItemBatcher;

impl Batcher<Item, ClassificationBatch> for ItemBatcher {
    fn batch(&self, items: Vec<Item>, device: &Device) -> ClassificationBatch {
        let b = items.len();
        let x: Vec<f32> = items.iter().flat_map(|i| i.x.iter().copied()).collect();
        let y: Vec<i64> = items.iter().map(|i| i.y).collect();
        ClassificationBatch {
            inputs: Tensor::from_data(TensorData::new(x, [b, FEATURES]), device),
            targets: Tensor::from_data(TensorData::new(y, [b]), device),
        }
    }
}

/// The batch values (in step order) that burn-train's file logger wrote for `metric` in epoch 1.
fn logged(dir: &Path, metric: &str) -> Vec<f64> {
    let path = dir
        .join("train")
        .join("epoch-1")
        .join(format!("{}.log", metric.replace(' ', "_")));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty())
        .filter_map(|l| match NumericEntry::deserialize(l).unwrap() {
            NumericEntry::Aggregated {
                aggregated_value, ..
            } => Some(aggregated_value),
            _ => None,
        })
        .collect()
}

/// Equal up to float reassociation: the logged values and the diagnostics come from the same
/// f32 tensors, summed on the host in f64 by the same functions; the tolerance only covers a
/// device that orders a matmul's or reduction's additions differently between two calls.
fn close(what: &str, got: f64, want: f64) {
    let tol = 1e-5 * want.abs().max(1e-3);
    assert!(
        (got - want).abs() <= tol,
        "{what}: logged {got}, diagnostics {want}"
    );
}

/// Two SGD steps through `SupervisedTraining` with every layer metric; each logged value equals
/// the diagnostics of the model the step saw on the step's batch. ReLU (dead units) and tanh
/// (saturation).
fn learner_metrics_equal_diagnostics(device: &Device) {
    for activation in [Nonlinearity::Relu, Nonlinearity::Tanh] {
        two_steps(device, activation);
    }
}

fn two_steps(device: &Device, activation: Nonlinearity) {
    let ad = device.clone().autodiff();
    let inits = ParamInits::new(Init::GlorotUniform).with_source(11);
    let model0 = LinearChain::new(&[FEATURES, 6, 5, 3], activation, &inits, &ad).unwrap();
    // Two batches of fixed inputs of scale ~2 (so some tanh units saturate), labels 0..3.
    let items: Vec<Item> = (0..2 * BATCH)
        .map(|i| Item {
            x: (0..FEATURES)
                .map(|j| 2.5 * (1.7 * i as f32 + 0.3 * j as f32).sin())
                .collect(),
            y: (i % 3) as i64,
        })
        .collect();
    let loader = |device: &Device| {
        DataLoaderBuilder::new(ItemBatcher)
            .batch_size(BATCH)
            .set_device(device.clone())
            .build(InMemDataset::new(items.clone()))
    };
    let dir = std::env::temp_dir().join(format!(
        "burn-init-train-metrics-{}-{}-{}",
        std::process::id(),
        format!("{device:?}").replace(|c: char| !c.is_alphanumeric(), "_"),
        activation.name()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let lr = 0.1;
    let result = SupervisedTraining::new(&dir, loader(&ad), loader(device))
        .metric_train_numeric(LossMetric::new())
        .layer_metrics(2, &LayerStatistic::ALL)
        .with_application_logger(None)
        .num_epochs(1)
        .launch(Learner::new(model0.clone(), SgdConfig::new().init(), lr));
    assert!(result.error.is_none(), "{:?}", result.error);
    drop(result);

    // The library's diagnostics of the two steps: W0 on batch 0, then W1 = one SGD step of W0
    // on batch 0 (what the Learner did), on batch 1.
    let batch = |k: usize| {
        let b = ItemBatcher.batch(items[k * BATCH..(k + 1) * BATCH].to_vec(), &ad);
        (b.inputs, b.targets)
    };
    let (x0, y0) = batch(0);
    let (x1, y1) = batch(1);
    let loss =
        |m: &LinearChain, x: Tensor<2>, y: Tensor<1, Int>| cross_entropy(m.forward_trace(x).1, y);
    let grads =
        GradientsParams::from_grads(loss(&model0, x0.clone(), y0.clone()).backward(), &model0);
    let model1 = SgdConfig::new().init().step(lr, model0.clone(), grads);
    let config = DiagnosticsConfig::default();
    let steps = [(&model0, x0, y0), (&model1, x1, y1)];
    for layer in 0..2 {
        for (step, (model, x, y)) in steps.iter().enumerate() {
            let acts = &activation_stats(*model, x.clone(), &config)[layer];
            let grad = &gradient_stats(*model, loss(model, x.clone(), y.clone()))[layer];
            let name = |s: LayerStatistic| s.metric_name(layer);
            let at = |s: LayerStatistic| {
                let v = logged(&dir, &name(s));
                assert_eq!(v.len(), 2, "{}: one value per step", name(s));
                v[step]
            };
            let diagnostics = [
                (LayerStatistic::ActMean, acts.act_mean),
                (LayerStatistic::ActStd, acts.act_std),
                (LayerStatistic::Saturated, acts.saturated_fraction),
                (LayerStatistic::Dead, acts.dead_fraction),
                (LayerStatistic::GradNorm, grad.grad_norm),
            ];
            for (s, want) in diagnostics {
                close(&format!("{} step {step}", name(s)), at(s), want);
            }
            assert!(grad.grad_norm > 0.0, "layer {layer} learns");
        }
        // The update ratio: nothing at the first step (no previous weight), then W0 → W1.
        let ratio = logged(&dir, &LayerStatistic::UpdateRatio.metric_name(layer));
        assert_eq!(ratio.len(), 1, "update ratio of layer {layer}: {ratio:?}");
        let want = update_ratios(&model0, &model1)[layer];
        assert!(want > 0.0);
        close(&format!("update-ratio layer{layer}"), ratio[0], want);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

device_tests!(learner_metrics_equal_diagnostics);

//! The hand-written training loop: minibatch SGD or Adam on the autodiff device, per-epoch
//! evaluation and per-layer diagnostics, divergence detection.

use std::time::Instant;

use burn::module::Module;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use burn_init::{HostRng, Init, Nonlinearity};
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, Split};
use crate::device::OpenDevice;
use crate::error::{Result, named_choices};
use crate::mlp::{Mlp, MlpConfig};
use crate::progress::Progress;
use crate::stats::{LayerStats, layer_diagnostics};
use crate::strategy::InitStrategy;

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerChoice {
    /// SGD, with momentum (`--momentum`, default 0.9, no dampening) unless it is 0.
    #[default]
    Sgd,
    /// Adam (β = 0.9, 0.999; ε = 1e-5, Burn's defaults).
    Adam,
}

named_choices!(OptimizerChoice, "optimizer", { Sgd => "sgd", Adam => "adam" });

impl OptimizerChoice {
    /// A fresh optimizer.
    pub fn init(self, momentum: f64) -> ModuleOptimizer {
        match self {
            Self::Sgd if momentum > 0.0 => SgdConfig::new()
                .with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0),
                ))
                .init(),
            Self::Sgd => SgdConfig::new().init(),
            Self::Adam => AdamConfig::new().init(),
        }
    }
}

/// How to train (the same for every run of an experiment, so runs are comparable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    /// Passes over the training split.
    pub epochs: usize,
    /// Examples per minibatch (the last minibatch of an epoch may be smaller).
    pub batch_size: usize,
    /// Learning rate (constant).
    pub lr: f64,
    /// Optimizer.
    pub optimizer: OptimizerChoice,
    /// SGD momentum (ignored by Adam).
    pub momentum: f64,
    /// Validation accuracy that counts as "reached" for `epochs_to_target`.
    pub target_accuracy: f64,
    /// Examples of the training split (its first ones) on which the per-layer statistics are
    /// measured.
    pub diag_examples: usize,
}

/// One run: a model, its initialization and its seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// Unique within the experiment, used as folder name: `relu-he_normal-s0`.
    pub id: String,
    /// Hidden activation.
    pub activation: Nonlinearity,
    /// Initialization.
    pub strategy: InitStrategy,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Seeds the weights (host generator), the shuffling and the device.
    pub seed: u64,
    /// Dropout probability after each hidden activation (0: none).
    #[serde(default)]
    pub dropout: f64,
    /// Learning rate of this run (`None`: the settings' [`TrainSettings::lr`]), so that one
    /// sweep can hold a learning-rate grid.
    #[serde(default)]
    pub lr: Option<f64>,
    /// Initializer of the biases of every layer, hidden and output (default zeros).
    #[serde(default = "zero_init")]
    pub bias_init: Init,
}

fn zero_init() -> Init {
    Init::Zeros
}

impl RunSpec {
    /// Whether the run draws from Burn's (global) device generator: dropout masks, and
    /// whatever its initialization strategy draws ([`InitStrategy::uses_device_rng`]).
    /// Everything else is seeded on the host.
    pub fn uses_device_rng(&self) -> bool {
        self.dropout > 0.0 || self.strategy.uses_device_rng()
    }

    /// The learning rate this run trains with: its own, else the settings'.
    pub fn lr(&self, settings: &TrainSettings) -> f64 {
        self.lr.unwrap_or(settings.lr)
    }

    /// Checks what the training loop relies on: a positive finite learning rate, a dropout
    /// probability in `[0, 1)`, at least one hidden layer of at least one unit.
    ///
    /// # Errors
    /// [`crate::Error::InvalidOption`] naming the run and the field.
    pub fn validate(&self, settings: &TrainSettings) -> Result<()> {
        let bad = |option: &'static str, value: String, reason: &str| {
            Err(crate::Error::InvalidOption {
                option,
                value,
                reason: format!("run {}: {reason}", self.id),
            })
        };
        let lr = self.lr(settings);
        if !(lr.is_finite() && lr > 0.0) {
            return bad("lr", lr.to_string(), "must be a positive number");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("dropout", self.dropout.to_string(), "must be in [0, 1)");
        }
        if self.depth == 0 || self.width == 0 {
            return bad(
                "depth",
                format!("{} x {}", self.depth, self.width),
                "needs at least one hidden layer of at least one unit",
            );
        }
        Ok(())
    }

    /// The MLP of this run for `features` inputs and `classes` outputs.
    pub fn mlp_config(&self, features: usize, classes: usize) -> MlpConfig {
        let init = self.strategy.base_init();
        MlpConfig::new(
            features,
            vec![self.width; self.depth],
            classes,
            self.activation,
            init,
        )
        .with_dropout(self.dropout)
        .with_bias_init(self.bias_init.clone())
    }
}

/// Metrics after one epoch (epoch 0: at initialization, before any update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Epoch (0 = at initialization).
    pub epoch: usize,
    /// Mean minibatch loss over the epoch (none at epoch 0).
    pub train_loss: Option<f64>,
    /// Accuracy on the minibatches of the epoch, before each update (none at epoch 0).
    pub train_accuracy: Option<f64>,
    /// Mean loss on the validation split (none if it is not finite or the run diverged in this
    /// epoch).
    pub valid_loss: Option<f64>,
    /// Accuracy on the validation split (none when the validation loss is).
    pub valid_accuracy: Option<f64>,
    /// Share of the validation examples predicted as the most-predicted class (1.0: the net
    /// predicts one class).
    #[serde(default)]
    pub valid_top_class_share: Option<f64>,
    /// Mean loss on the test split (none if it is not finite or the run diverged).
    #[serde(default)]
    pub test_loss: Option<f64>,
    /// Accuracy on the test split (none when the test loss is).
    #[serde(default)]
    pub test_accuracy: Option<f64>,
    /// Share of the test examples predicted as the most-predicted class.
    #[serde(default)]
    pub test_top_class_share: Option<f64>,
    /// Per-layer statistics on the diagnostic batch.
    pub layers: Vec<LayerStats>,
}

impl EpochMetrics {
    /// An epoch in which the training loss became NaN or infinite: the training accuracy so far,
    /// nothing evaluated.
    pub fn diverged(epoch: usize, train_loss: f64, train_accuracy: f64) -> Self {
        Self {
            epoch,
            train_loss: train_loss.is_finite().then_some(train_loss),
            train_accuracy: Some(train_accuracy),
            valid_loss: None,
            valid_accuracy: None,
            valid_top_class_share: None,
            test_loss: None,
            test_accuracy: None,
            test_top_class_share: None,
            layers: Vec::new(),
        }
    }

    /// An evaluated epoch (epoch 0: no training loss or accuracy).
    pub fn evaluated(
        epoch: usize,
        train: Option<(f64, f64)>,
        valid: Evaluation,
        test: Evaluation,
        layers: Vec<LayerStats>,
    ) -> Self {
        let finite = |v: f64| v.is_finite().then_some(v);
        Self {
            epoch,
            train_loss: train.and_then(|t| finite(t.0)),
            train_accuracy: train.map(|t| t.1),
            valid_loss: finite(valid.loss),
            valid_accuracy: finite(valid.loss).map(|_| valid.accuracy),
            valid_top_class_share: finite(valid.loss).map(|_| valid.top_class_share),
            test_loss: finite(test.loss),
            test_accuracy: finite(test.loss).map(|_| test.accuracy),
            test_top_class_share: finite(test.loss).map(|_| test.top_class_share),
            layers,
        }
    }
}

/// A model's loss and predictions on one split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Mean cross-entropy (NaN or infinite when the model diverged).
    pub loss: f64,
    /// Share of examples whose most probable class is the label.
    pub accuracy: f64,
    /// Share of examples predicted as the most-predicted class.
    pub top_class_share: f64,
}

impl Evaluation {
    /// From the summed loss and the predicted classes of `labels.len()` examples.
    pub fn from_predictions(loss_sum: f64, predictions: &[i64], labels: &[u8]) -> Self {
        let n = labels.len().max(1) as f64;
        let correct = predictions
            .iter()
            .zip(labels)
            .filter(|&(&p, &y)| p == i64::from(y))
            .count();
        let mut counts = std::collections::HashMap::<i64, usize>::new();
        for &p in predictions {
            *counts.entry(p).or_default() += 1;
        }
        let top = counts.values().copied().max().unwrap_or(0);
        Self {
            loss: if labels.is_empty() {
                f64::NAN
            } else {
                loss_sum / n
            },
            accuracy: correct as f64 / n,
            top_class_share: top as f64 / n,
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Metrics per epoch, starting with epoch 0.
    pub epochs: Vec<EpochMetrics>,
    /// Whether a loss became NaN or infinite (the run stopped there).
    pub diverged: bool,
    /// The epoch in which it did.
    pub diverged_at: Option<usize>,
    /// Wall time of the whole run (building, training, evaluating).
    pub wall_seconds: f64,
    /// Time spent in training steps only.
    pub train_seconds: f64,
    /// Examples trained on.
    pub train_samples: usize,
    /// Greedy pretraining only: the mean reconstruction loss (MSE) of each hidden layer's
    /// autoencoder, per pretraining epoch (`[layer][epoch]`); empty otherwise.
    pub pretrain_losses: Vec<Vec<f64>>,
}

impl RunOutcome {
    /// Training throughput.
    pub fn samples_per_second(&self) -> f64 {
        if self.train_seconds > 0.0 {
            self.train_samples as f64 / self.train_seconds
        } else {
            0.0
        }
    }
}

/// Mean cross-entropy of `logits` `[batch, classes]` against `targets` `[batch]` (the library's,
/// which its burn-train steps use too).
pub use burn_init::signal::metrics::cross_entropy;

/// Inputs and labels of the examples `rows` of `split`, on `device`.
pub fn batch(
    split: &Split,
    features: usize,
    rows: &[usize],
    device: &Device,
) -> (Tensor<2>, Tensor<1, Int>) {
    let mut x = Vec::with_capacity(rows.len() * features);
    for &r in rows {
        x.extend_from_slice(&split.x[r * features..(r + 1) * features]);
    }
    let y: Vec<i64> = rows.iter().map(|&r| i64::from(split.y[r])).collect();
    (
        Tensor::from_data(TensorData::new(x, [rows.len(), features]), device),
        Tensor::from_data(TensorData::new(y, [rows.len()]), device),
    )
}

/// A split cut into batches on a (non-autodiff) device, for evaluation.
#[derive(Debug)]
pub struct EvalSet {
    /// The batches: inputs `[b, features]` and labels `[b]`.
    pub batches: Vec<(Tensor<2>, Tensor<1, Int>)>,
    /// The labels, on the host.
    pub labels: Vec<u8>,
}

impl EvalSet {
    /// Uploads `split` once, in batches of `batch` examples.
    pub fn new(split: &Split, features: usize, batch_size: usize, device: &Device) -> Self {
        let rows: Vec<usize> = (0..split.n).collect();
        let batches = rows
            .chunks(batch_size.max(1))
            .map(|c| batch(split, features, c, device))
            .collect();
        Self {
            batches,
            labels: split.y.clone(),
        }
    }

    /// Loss, accuracy and top-class share of `model` (any device; evaluated without autodiff).
    /// Two reads from the device at the end: the summed loss and the predicted classes.
    pub fn evaluate(&self, model: &Mlp) -> Evaluation {
        let model = model.valid();
        let mut loss: Option<Tensor<1>> = None;
        let mut predictions = Vec::with_capacity(self.batches.len());
        for (x, y) in &self.batches {
            let b = y.dims()[0];
            let logits = model.forward(x.clone());
            let l = cross_entropy(logits.clone(), y.clone()).mul_scalar(b as f32);
            predictions.push(logits.argmax(1).reshape([b]));
            loss = Some(match loss {
                Some(s) => s + l,
                None => l,
            });
        }
        let loss = loss.map_or(f64::NAN, |l| f64::from(l.into_scalar::<f32>()));
        let predictions = if predictions.is_empty() {
            Vec::new()
        } else {
            read_ints(Tensor::cat(predictions, 0))
        };
        Evaluation::from_predictions(loss, &predictions, &self.labels)
    }
}

/// The values of an integer tensor, on the host, as `i64`.
pub fn read_ints<const D: usize>(t: Tensor<D, Int>) -> Vec<i64> {
    t.into_data()
        .try_into_vec_as::<i64>()
        .expect("an integer tensor converts to i64")
}

/// The values of a float tensor, on the host, as `f32`.
pub fn read_floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .expect("a float tensor converts to f32")
}

/// The result of one epoch of training.
#[derive(Debug, Clone, Copy)]
pub struct EpochResult {
    /// Mean minibatch loss (NaN or infinite: diverged).
    pub loss: f64,
    /// Accuracy on the minibatches, before each update.
    pub accuracy: f64,
    /// Examples trained on.
    pub samples: usize,
    /// Seconds spent.
    pub seconds: f64,
    /// Whether the loss became NaN or infinite.
    pub diverged: bool,
}

/// Everything one epoch needs.
#[derive(Debug)]
pub struct EpochPlan<'a> {
    /// Training split.
    pub split: &'a Split,
    /// Inputs per example.
    pub features: usize,
    /// Examples per minibatch.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f64,
    /// The shuffling order of this epoch.
    pub order: Vec<usize>,
    /// How many times per epoch the running loss is read back from the device (progress and
    /// divergence checks); at least once, at the end.
    pub reads: usize,
    /// The autodiff device.
    pub device: &'a Device,
}

/// Adds `x` to a running sum kept on the device (`None` before the first batch).
pub(crate) fn accumulate<T: std::ops::Add<Output = T>>(sum: &mut Option<T>, x: T) {
    *sum = Some(match sum.take() {
        Some(s) => s + x,
        None => x,
    });
}

/// Trains `model` for one epoch. The loss and the correct count are accumulated on the device
/// and read back only `plan.reads` times.
pub fn train_epoch(
    mut model: Mlp,
    optim: &mut ModuleOptimizer,
    plan: &EpochPlan<'_>,
    mut on_read: impl FnMut(usize, usize, f64),
) -> (Mlp, EpochResult) {
    let start = Instant::now();
    let chunks: Vec<&[usize]> = plan.order.chunks(plan.batch_size.max(1)).collect();
    let total = chunks.len();
    let every = total.div_ceil(plan.reads.max(1)).max(1);
    let mut loss_sum: Option<Tensor<1>> = None;
    let mut correct: Option<Tensor<1, Int>> = None;
    let mut samples = 0usize;
    let mut last_loss = 0.0;
    let mut diverged = false;
    for (i, rows) in chunks.iter().enumerate() {
        let b = rows.len();
        let (x, y) = batch(plan.split, plan.features, rows, plan.device);
        let logits = model.forward(x);
        let loss = cross_entropy(logits.clone(), y.clone());
        let y_plain = y.inner();
        let c = logits
            .inner()
            .argmax(1)
            .reshape([b])
            .equal(y_plain)
            .int()
            .sum();
        let l = loss.clone().inner().mul_scalar(b as f32);
        accumulate(&mut loss_sum, l);
        accumulate(&mut correct, c);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(plan.lr, model, grads);
        samples += b;
        if (i + 1) % every == 0 || i + 1 == total {
            let sum = f64::from(loss_sum.clone().expect("one batch").into_scalar::<f32>());
            last_loss = sum / samples as f64;
            on_read(i + 1, total, last_loss);
            if !last_loss.is_finite() {
                diverged = true;
                break;
            }
        }
    }
    let accuracy = correct.map_or(0, |c| c.into_scalar::<i64>()) as f64 / samples.max(1) as f64;
    let result = EpochResult {
        loss: last_loss,
        accuracy,
        samples,
        seconds: start.elapsed().as_secs_f64(),
        diverged,
    };
    (model, result)
}

/// Trains one run from scratch: initialization (seeded), epoch-0 evaluation (validation and
/// test splits) and diagnostics, then `settings.epochs` epochs, each followed by evaluation and
/// diagnostics. A NaN or infinite training loss (read [`READS_PER_EPOCH`] times per epoch) or
/// validation loss stops the run and marks it diverged.
///
/// # Errors
/// An invalid run ([`RunSpec::validate`]) or an initializer that cannot build the model.
pub fn train_run(
    spec: &RunSpec,
    settings: &TrainSettings,
    data: &Dataset,
    device: &OpenDevice,
    progress: &mut Progress,
) -> Result<RunOutcome> {
    let (run, mut model) = RunStart::new(spec, settings, data, device)?;
    let ad = &run.ad;
    let features = data.features;
    let lr = spec.lr(settings);
    let mut optim = settings.optimizer.init(settings.momentum);
    let (v, t, layers) = run.measure(&model);
    progress.epoch_line(&init_line(settings.epochs, &v, &t), "", true);
    let mut epochs = vec![EpochMetrics::evaluated(0, None, v, t, layers)];
    let (mut train_seconds, mut train_samples) = (0.0, 0usize);
    let mut diverged_at = None;
    for epoch in 1..=settings.epochs {
        let plan = EpochPlan {
            split: &data.train,
            features,
            batch_size: settings.batch_size,
            lr,
            order: epoch_order(data.train.n, spec.seed, epoch),
            reads: READS_PER_EPOCH,
            device: ad,
        };
        let (m, r) = train_epoch(model, &mut optim, &plan, |done, total, loss| {
            progress.batch(epoch, settings.epochs, done, total, Some(loss))
        });
        model = m;
        train_seconds += r.seconds;
        train_samples += r.samples;
        if r.diverged {
            progress.epoch_line(
                &diverged_line(epoch, settings.epochs, r.loss, r.samples),
                "",
                true,
            );
            epochs.push(EpochMetrics::diverged(epoch, r.loss, r.accuracy));
            diverged_at = Some(epoch);
            break;
        }
        let (v, t, layers) = run.measure(&model);
        let valid_diverged = !v.loss.is_finite();
        let (text, summary) = epoch_line(epoch, settings.epochs, &r, &v, &t);
        progress.epoch_line(&text, &summary, epoch == settings.epochs || valid_diverged);
        epochs.push(EpochMetrics::evaluated(
            epoch,
            Some((r.loss, r.accuracy)),
            v,
            t,
            layers,
        ));
        if valid_diverged {
            progress.epoch_line(&valid_diverged_line(epoch, v.loss), "", true);
            diverged_at = Some(epoch);
            break;
        }
    }
    Ok(run.outcome(epochs, diverged_at, train_seconds, train_samples))
}

/// What both trainers ([`train_run`], [`crate::learner::train_run_learner`]) set up before a
/// run's first epoch beside the model: its pretraining losses and what every epoch is measured
/// on; and the [`RunOutcome`] they make of the epochs.
#[derive(Debug)]
pub(crate) struct RunStart {
    /// The autodiff device.
    pub(crate) ad: Device,
    /// When the run started (before its checks).
    start: Instant,
    /// Per-layer losses (fraction of variance unexplained) of greedy pretraining, if any.
    pretrain_losses: Vec<Vec<f64>>,
    valid: EvalSet,
    test: EvalSet,
    diag: (Tensor<2>, Tensor<1, Int>),
}

impl RunStart {
    /// Checks the run ([`RunSpec::validate`], [`require_validation`]), seeds the device when the
    /// run draws from it, builds the model ([`RunSpec::mlp_config`],
    /// [`crate::strategy::InitStrategy::build`]) and uploads the validation and test splits and
    /// the diagnostic examples (the first `settings.diag_examples` of the training split).
    /// Returns the model at epoch 0 beside.
    pub(crate) fn new(
        spec: &RunSpec,
        settings: &TrainSettings,
        data: &Dataset,
        device: &OpenDevice,
    ) -> Result<(Self, Mlp)> {
        let start = Instant::now();
        spec.validate(settings)?;
        require_validation(data)?;
        let ad = device.autodiff();
        if spec.uses_device_rng() {
            // Only runs that draw from Burn's global device generator seed it (see
            // `uses_device_rng`), so runs trained side by side never disturb each other's stream.
            device.device.seed(spec.seed);
        }
        let features = data.features;
        let config = spec.mlp_config(features, data.classes);
        let (model, pretrain) = spec
            .strategy
            .build(&config, spec.seed, &ad, &data.train.x)?;
        let pretrain_losses = pretrain
            .map(|r| r.layers.into_iter().map(|l| l.fvu).collect())
            .unwrap_or_default();
        let diag_rows: Vec<usize> = (0..settings.diag_examples.min(data.train.n)).collect();
        let run = Self {
            diag: batch(&data.train, features, &diag_rows, &ad),
            valid: EvalSet::new(&data.valid, features, EVAL_BATCH, &device.device),
            test: EvalSet::new(&data.test, features, EVAL_BATCH, &device.device),
            ad,
            start,
            pretrain_losses,
        };
        Ok((run, model))
    }

    /// The validation and test evaluations and the per-layer diagnostics of `model`.
    pub(crate) fn measure(&self, model: &Mlp) -> (Evaluation, Evaluation, Vec<LayerStats>) {
        let (x, y) = &self.diag;
        (
            self.valid.evaluate(model),
            self.test.evaluate(model),
            layer_diagnostics(model, x.clone(), y.clone()),
        )
    }

    /// The run's outcome: its `epochs`, diverged at `diverged_at` (if it did), the wall time since
    /// [`RunStart::new`] began, and the pretraining losses.
    pub(crate) fn outcome(
        self,
        epochs: Vec<EpochMetrics>,
        diverged_at: Option<usize>,
        train_seconds: f64,
        train_samples: usize,
    ) -> RunOutcome {
        RunOutcome {
            epochs,
            diverged: diverged_at.is_some(),
            diverged_at,
            wall_seconds: self.start.elapsed().as_secs_f64(),
            train_seconds,
            train_samples,
            pretrain_losses: self.pretrain_losses,
        }
    }
}

/// Checks that `data` has a validation split to select on.
///
/// # Errors
/// [`crate::Error::InvalidOption`] (`--valid-fraction`) when it has none.
pub fn require_validation(data: &Dataset) -> Result<()> {
    if data.valid.n == 0 {
        return Err(crate::Error::InvalidOption {
            option: "valid-fraction",
            value: data.split.fraction.to_string(),
            reason: format!(
                "dataset {} has no validation split to select on (carve one with Dataset::with_validation)",
                data.name
            ),
        });
    }
    Ok(())
}

/// How many times per epoch the running training loss is read back and checked: a run stops
/// at the first non-finite read (both engines read at the same steps).
pub const READS_PER_EPOCH: usize = 10;

/// Examples per batch when evaluating the validation and test splits.
pub const EVAL_BATCH: usize = 1000;

/// The shuffling order of `epoch` for a run seeded with `seed`: it depends on the seed only,
/// so every run with the same seed sees the same minibatches (what stacked training relies on).
pub fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    HostRng::new(seed)
        .derive(1_000_000 + epoch as u64)
        .permutation(n)
}

/// The progress line of epoch 0.
pub(crate) fn init_line(epochs: usize, v: &Evaluation, t: &Evaluation) -> String {
    format!(
        "epoch  0/{epochs} (init)                    valid loss {:.4}  acc {:5.1}%  test acc {:5.1}%",
        v.loss,
        100.0 * v.accuracy,
        100.0 * t.accuracy
    )
}

/// The progress line of a trained epoch and the short summary.
pub(crate) fn epoch_line(
    epoch: usize,
    epochs: usize,
    r: &EpochResult,
    v: &Evaluation,
    t: &Evaluation,
) -> (String, String) {
    (
        format!(
            "epoch {epoch:>2}/{epochs}  train loss {:.4}  acc {:5.1}%  valid loss {:.4}  acc {:5.1}%  test acc {:5.1}%  ({:.1}s, {:.0} samples/s)",
            r.loss,
            100.0 * r.accuracy,
            v.loss,
            100.0 * v.accuracy,
            100.0 * t.accuracy,
            r.seconds,
            r.samples as f64 / r.seconds.max(1e-9)
        ),
        format!("last valid acc {:.1}%", 100.0 * v.accuracy),
    )
}

/// The progress line of an epoch whose training loss diverged.
pub(crate) fn diverged_line(epoch: usize, epochs: usize, loss: f64, samples: usize) -> String {
    format!(
        "epoch {epoch:>2}/{epochs}  DIVERGED: loss {loss} after {samples} examples; run stopped"
    )
}

/// The progress line of an epoch whose validation loss is not finite.
pub(crate) fn valid_diverged_line(epoch: usize, loss: f64) -> String {
    format!("epoch {epoch:>2}  DIVERGED: validation loss {loss}; run stopped")
}

/// The weight initializer of the `throughput` benchmark: `U(±1/√fan_in)`, PyTorch's
/// `nn.Linear` default, as variance scaling with scale 1/3, fan-in, uniform.
pub fn torch_default_init() -> Init {
    Init::VarianceScaling(
        burn_init::VarianceScaling::new(
            1.0 / 3.0,
            burn_init::FanMode::FanIn,
            burn_init::VsDistribution::Uniform,
        )
        .expect("scale 1/3 is valid"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::assert_error_mentions;

    #[test]
    fn cross_entropy_matches_hand_computation() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_data([[0.0f32, 0.0], [2.0, 0.0]], &device);
        let y = Tensor::<1, Int>::from_data([0i64, 1], &device);
        let l = f64::from(cross_entropy(logits, y).into_scalar::<f32>());
        let expected = (2f64.ln() + (1.0 + 2f64.exp()).ln()) / 2.0;
        assert!((l - expected).abs() < 1e-5, "{l} vs {expected}");
    }

    #[test]
    fn optimizer_names() {
        assert_eq!(
            OptimizerChoice::from_name("adam").unwrap(),
            OptimizerChoice::Adam
        );
        assert_error_mentions(OptimizerChoice::from_name("sdg"), &["did you mean `sgd`"]);
    }
}

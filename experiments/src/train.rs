//! The hand-written training loop: minibatch SGD or Adam on the autodiff device, per-epoch
//! evaluation and per-layer diagnostics, divergence detection.

use std::time::Instant;

use burn::module::Module;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData, activation::log_softmax};
use burn_init::{HostRng, Init, Nonlinearity as Activation};
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, Split};
use crate::device::OpenDevice;
use crate::error::{Result, unknown};
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

impl OptimizerChoice {
    /// Every optimizer name.
    pub const NAMES: [&'static str; 2] = ["sgd", "adam"];

    /// Parses a name.
    ///
    /// # Errors
    /// [`crate::Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "sgd" => Self::Sgd,
            "adam" => Self::Adam,
            _ => return Err(unknown("optimizer", name, &Self::NAMES)),
        })
    }

    /// The stable name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

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
    pub activation: Activation,
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
}

impl RunSpec {
    /// Whether the run draws from Burn's (global) device generator: dropout masks, and
    /// whatever its initialization strategy draws ([`InitStrategy::uses_device_rng`]).
    /// Everything else is seeded on the host.
    pub fn uses_device_rng(&self) -> bool {
        self.dropout > 0.0 || self.strategy.uses_device_rng()
    }

    /// One run per seed `options.seed, options.seed + 1, …` (`options.seeds` of them) of the
    /// options' network, named `<activation>-<strategy>-s<seed>`.
    pub fn per_seed(
        activation: Activation,
        strategy: &InitStrategy,
        options: &crate::Options,
    ) -> Vec<Self> {
        (0..options.seeds() as u64)
            .map(|k| {
                let seed = options.seed + k;
                Self {
                    id: format!("{}-{}-s{seed}", activation.name(), strategy.name()),
                    activation,
                    strategy: strategy.clone(),
                    depth: options.depth,
                    width: options.width,
                    seed,
                    dropout: 0.0,
                }
            })
            .collect()
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
    /// Mean loss on the validation (test) split (none if the run diverged in this epoch).
    pub valid_loss: Option<f64>,
    /// Accuracy on the validation (test) split.
    pub valid_accuracy: Option<f64>,
    /// Per-layer statistics on the diagnostic batch.
    pub layers: Vec<LayerStats>,
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

/// Mean cross-entropy of `logits` `[batch, classes]` against `targets` `[batch]`.
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [batch, _] = logits.dims();
    log_softmax(logits, 1)
        .gather(1, targets.reshape([batch, 1]))
        .mean()
        .neg()
}

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
    batches: Vec<(Tensor<2>, Tensor<1, Int>)>,
    n: usize,
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
            n: split.n,
        }
    }

    /// Mean loss and accuracy of `model` (any device; evaluated without autodiff). One read
    /// from the device at the end.
    pub fn evaluate(&self, model: &Mlp) -> (f64, f64) {
        let model = model.valid();
        let mut loss: Option<Tensor<1>> = None;
        let mut correct: Option<Tensor<1, Int>> = None;
        for (x, y) in &self.batches {
            let b = y.dims()[0];
            let logits = model.forward(x.clone());
            let l = cross_entropy(logits.clone(), y.clone()).mul_scalar(b as f32);
            let c = logits.argmax(1).reshape([b]).equal(y.clone()).int().sum();
            loss = Some(match loss {
                Some(s) => s + l,
                None => l,
            });
            correct = Some(match correct {
                Some(s) => s + c,
                None => c,
            });
        }
        let n = self.n.max(1) as f64;
        let loss = loss.map_or(f64::NAN, |l| f64::from(l.into_scalar::<f32>()));
        let correct = correct.map_or(0, |c| c.into_scalar::<i64>());
        (loss / n, correct as f64 / n)
    }
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
        loss_sum = Some(match loss_sum {
            Some(s) => s + l,
            None => l,
        });
        correct = Some(match correct {
            Some(s) => s + c,
            None => c,
        });
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

/// Trains one run from scratch: initialization (seeded), epoch-0 evaluation and diagnostics,
/// then `settings.epochs` epochs, each followed by evaluation and diagnostics. A NaN or infinite
/// loss stops the run and marks it diverged.
///
/// # Errors
/// An initializer that cannot build the model.
pub fn train_run(
    spec: &RunSpec,
    settings: &TrainSettings,
    data: &Dataset,
    device: &OpenDevice,
    progress: &mut Progress,
) -> Result<RunOutcome> {
    let start = Instant::now();
    let ad = device.autodiff();
    if spec.uses_device_rng() {
        // Only runs that draw from Burn's global device generator seed it (see
        // `uses_device_rng`), so runs trained side by side never disturb each other's stream.
        device.device.seed(spec.seed);
    }
    let features = data.features;
    let diag_rows: Vec<usize> = (0..settings.diag_examples.min(data.train.n)).collect();
    let config = spec.mlp_config(features, data.classes);
    let (mut model, pretrain) = spec
        .strategy
        .build(&config, spec.seed, &ad, &data.train.x)?;
    let pretrain_losses: Vec<Vec<f64>> = pretrain
        .map(|r| r.layers.into_iter().map(|l| l.epoch_losses).collect())
        .unwrap_or_default();
    let mut optim = settings.optimizer.init(settings.momentum);
    let (diag_x, diag_y) = batch(&data.train, features, &diag_rows, &ad);
    let valid = EvalSet::new(&data.test, features, 1000, &device.device);

    let measure = |model: &Mlp| -> (f64, f64, Vec<LayerStats>) {
        let (vl, va) = valid.evaluate(model);
        (
            vl,
            va,
            layer_diagnostics(model, diag_x.clone(), diag_y.clone()),
        )
    };
    let finite = |v: f64| v.is_finite().then_some(v);
    let (vl, va, layers) = measure(&model);
    progress.epoch_line(
        &format!(
            "epoch  0/{} (init)                    valid loss {vl:.4}  acc {:5.1}%",
            settings.epochs,
            100.0 * va
        ),
        "",
        true,
    );
    let mut epochs = vec![EpochMetrics {
        epoch: 0,
        train_loss: None,
        train_accuracy: None,
        valid_loss: finite(vl),
        valid_accuracy: finite(vl).map(|_| va),
        layers,
    }];
    let (mut train_seconds, mut train_samples) = (0.0, 0usize);
    let mut diverged_at = None;
    for epoch in 1..=settings.epochs {
        let plan = EpochPlan {
            split: &data.train,
            features,
            batch_size: settings.batch_size,
            lr: settings.lr,
            order: HostRng::new(spec.seed)
                .derive(1_000_000 + epoch as u64)
                .permutation(data.train.n),
            reads: 10,
            device: &ad,
        };
        let (m, r) = train_epoch(model, &mut optim, &plan, |done, total, loss| {
            progress.batch(epoch, settings.epochs, done, total, Some(loss))
        });
        model = m;
        train_seconds += r.seconds;
        train_samples += r.samples;
        if r.diverged {
            let text = format!(
                "epoch {epoch:>2}/{}  DIVERGED: loss {} after {} examples; run stopped",
                settings.epochs, r.loss, r.samples
            );
            progress.epoch_line(&text, "", true);
            epochs.push(EpochMetrics {
                epoch,
                train_loss: finite(r.loss),
                train_accuracy: Some(r.accuracy),
                valid_loss: None,
                valid_accuracy: None,
                layers: Vec::new(),
            });
            diverged_at = Some(epoch);
            break;
        }
        let (vl, va, layers) = measure(&model);
        let valid_diverged = !vl.is_finite();
        let text = format!(
            "epoch {epoch:>2}/{}  train loss {:.4}  acc {:5.1}%  valid loss {vl:.4}  acc {:5.1}%  ({:.1}s, {:.0} samples/s)",
            settings.epochs,
            r.loss,
            100.0 * r.accuracy,
            100.0 * va,
            r.seconds,
            r.samples as f64 / r.seconds.max(1e-9)
        );
        let summary = format!("last valid acc {:.1}%", 100.0 * va);
        progress.epoch_line(&text, &summary, epoch == settings.epochs || valid_diverged);
        epochs.push(EpochMetrics {
            epoch,
            train_loss: finite(r.loss),
            train_accuracy: Some(r.accuracy),
            valid_loss: finite(vl),
            valid_accuracy: finite(vl).map(|_| va),
            layers,
        });
        if valid_diverged {
            progress.epoch_line(
                &format!("epoch {epoch:>2}  DIVERGED: validation loss {vl}; run stopped"),
                "",
                true,
            );
            diverged_at = Some(epoch);
            break;
        }
    }
    Ok(RunOutcome {
        epochs,
        diverged: diverged_at.is_some(),
        diverged_at,
        wall_seconds: start.elapsed().as_secs_f64(),
        train_seconds,
        train_samples,
        pretrain_losses,
    })
}

/// The weight initializer of the `throughput` benchmark: `U(±1/√fan_in)`, PyTorch's
/// `nn.Linear` default, as variance scaling with scale 1/3, fan-in, uniform.
pub fn torch_default_init() -> Init {
    Init::VarianceScaling {
        scale: 1.0 / 3.0,
        mode: burn_init::FanMode::FanIn,
        distribution: burn_init::VsDistribution::Uniform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = OptimizerChoice::from_name("sdg").unwrap_err().to_string();
        assert!(e.contains("did you mean `sgd`"), "{e}");
    }
}

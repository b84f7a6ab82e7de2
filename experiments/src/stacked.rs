//! Stacked training: many runs trained as one set of tensors.
//!
//! A **stack** is up to K runs with the same architecture (activation, depth, width, dropout)
//! and the same seed ([`StackKey`]). The shuffling order depends only on the seed
//! ([`epoch_order`]), so every model of a stack sees the same minibatch `x [B, d]`; the models
//! may differ in their initialization (each is built by
//! [`InitStrategy::build`](crate::strategy::InitStrategy::build), exactly as
//! [`train_run`](crate::train::train_run) builds it, then copied into the stack) and in their
//! learning rate ([`RunSpec::lr`]).
//!
//! Every parameter has a leading model axis: layer `i`'s weight is `[K, d_i, d_{i+1}]`, its
//! bias `[K, 1, d_{i+1}]`. The forward pass is a batched matmul per layer,
//! `[1, B, d] × [K, d, n] → [K, B, n]` for the first (the shared batch broadcast over the model
//! axis), `[K, B, n] × [K, n, m]` after it; the cross-entropy is taken per model (`[K]`) and the
//! backward pass is that of their sum (the models do not interact). Each model's matmuls have
//! exactly the shapes of the single trainer's, so on flex a model's numbers do not depend on how
//! many others share its stack. (One wide matmul `[B, d] × [d, K·n]` for the first layer would
//! not keep that promise: the `gemm` crate blocks the inner dimension differently once the
//! output is wider than 64 columns, which changes the rounding with K.)
//!
//! The optimizer ([`StackOptimizer`]) is SGD with momentum or Adam with Burn's semantics
//! (`SgdConfig` with `MomentumConfig { dampening: 0, nesterov: false }`, `AdamConfig`'s
//! defaults) and a learning rate per model (a `[K, 1, 1]` tensor).
//!
//! Divergence is per model: the running training loss of every model (`[K]`) is read back at
//! the same steps as the single trainer reads its own ([`READS_PER_EPOCH`] per epoch), and a
//! model whose loss is not finite at a read is recorded as diverged in that epoch, as the single
//! trainer would record it, then frozen: its learning rate becomes 0 and its parameters and
//! optimizer state are zeroed, so no NaN or infinite arithmetic goes on. The others continue
//! unchanged. A model whose validation loss is not finite after an epoch is stopped the same
//! way.
//!
//! Every epoch (and at initialization) each model is evaluated on the validation and test
//! splits (all models in one forward pass per batch, one read back per split) and measured on the
//! diagnostic batch (one forward and backward pass of the stack, one read back, the statistics
//! computed by the single trainer's own host functions): a run's `RunOutcome` has exactly the
//! meaning [`train_run`](crate::train::train_run) gives it.
//!
//! **Dropout** masks come from the host Philox generator, seeded per (run seed, epoch, step,
//! layer) ([`dropout_mask`]), not from Burn's global device generator: a stack never touches the
//! device generator (unless an initialization strategy does, while it builds its model under the
//! caller's lock), so stacks run side by side without a lock. The masks are shared by the
//! models of a stack (same seed). Numbers with dropout therefore differ from the single
//! trainer's, which keeps Burn's `Dropout`; without dropout both engines compute the same thing.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::mlp::Mlp;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData, activation::log_softmax};
use burn_init::HostRng;
use burn_init::Nonlinearity;
use burn_init::signal::Layered;

use crate::data::{Dataset, Split};
use crate::device::{DeviceChoice, OpenDevice};
use crate::error::Result;
use crate::progress::Progress;
use crate::stats::{LayerStats, activation_stats, distinct_neurons};
use crate::train::{
    EVAL_BATCH, EpochMetrics, Evaluation, OptimizerChoice, READS_PER_EPOCH, RunOutcome, RunSpec,
    TrainSettings, accumulate, epoch_order, read_floats,
};

/// What runs must share to be trained in one stack: the architecture and the seed (hence the
/// minibatch order and the dropout masks).
#[derive(Debug, Clone, PartialEq)]
pub struct StackKey {
    /// Hidden activation.
    pub activation: Nonlinearity,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Dropout probability.
    pub dropout: f64,
    /// Seed.
    pub seed: u64,
}

impl StackKey {
    /// The key of `spec`.
    pub fn of(spec: &RunSpec) -> Self {
        Self {
            activation: spec.activation,
            depth: spec.depth,
            width: spec.width,
            dropout: spec.dropout,
            seed: spec.seed,
        }
    }
}

/// Memory a stack may take for its tensors (parameters, optimizer state, activations of a
/// training step, of an evaluation batch and of the diagnostic batch), by the estimate of
/// [`bytes_per_model`].
pub const STACK_MEMORY_BUDGET: usize = 1 << 30;

/// A generous estimate of the bytes one model of `spec` takes in a stack: eight copies of its
/// parameters (parameter, autodiff leaf, gradient, two optimizer moments, the update's
/// temporaries) and eight of its activations (pre-activation, activation, their gradients,
/// masks, temporaries) for the largest batch it sees.
pub fn bytes_per_model(
    spec: &RunSpec,
    features: usize,
    classes: usize,
    settings: &TrainSettings,
) -> usize {
    let mut widths = vec![features];
    widths.extend(std::iter::repeat_n(spec.width, spec.depth));
    widths.push(classes);
    let params: usize = widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
    let units: usize = widths[1..].iter().sum();
    let rows = settings
        .batch_size
        .max(EVAL_BATCH)
        .max(settings.diag_examples);
    4 * (8 * params + 8 * rows * units)
}

/// The models per stack for runs like `spec`: `cap` (`--stack`) if given, else as many as
/// [`STACK_MEMORY_BUDGET`] holds; at least 1.
pub fn stack_cap(
    spec: &RunSpec,
    features: usize,
    classes: usize,
    settings: &TrainSettings,
    cap: Option<usize>,
) -> usize {
    let by_memory = STACK_MEMORY_BUDGET / bytes_per_model(spec, features, classes, settings).max(1);
    cap.unwrap_or(by_memory).min(by_memory.max(1)).max(1)
}

/// Groups the runs `specs[i]`, `i` in `pending`, into stacks: runs with the same [`StackKey`]
/// in the order they first appear, each group cut into stacks of at most `cap(spec)` runs.
/// Stacks are returned largest first (so side-by-side workers finish close together), ties in
/// the order of their first run.
pub fn plan_stacks(
    specs: &[RunSpec],
    pending: &[usize],
    cap: impl Fn(&RunSpec) -> usize,
) -> Vec<Vec<usize>> {
    let mut groups: Vec<(StackKey, Vec<usize>)> = Vec::new();
    for &i in pending {
        let key = StackKey::of(&specs[i]);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let mut stacks: Vec<Vec<usize>> = groups
        .into_iter()
        .flat_map(|(_, g)| {
            let cap = cap(&specs[g[0]]).max(1);
            g.chunks(cap).map(<[usize]>::to_vec).collect::<Vec<_>>()
        })
        .collect();
    stacks.sort_by_key(|s| {
        (
            std::cmp::Reverse(s.len()),
            pending.iter().position(|&i| i == s[0]),
        )
    });
    stacks
}

/// Stream of the dropout masks under a run's seed (`HostRng::new(seed).derive(DROPOUT_STREAM)`).
pub const DROPOUT_STREAM: u64 = 3_000_000;

/// The step index of the diagnostic batch's dropout masks (after every training step).
pub const DIAGNOSTIC_STEP: u64 = u64::MAX;

/// The dropout multiplier of hidden layer `layer` at `step` of `epoch` for a run seeded with
/// `seed`: `rows × units` values, each `1/(1−p)` (kept) or 0 (dropped, when the uniform
/// `(w >> 8)·2⁻²⁴` of its 32-bit word from `HostRng::new(seed).derive(DROPOUT_STREAM)
/// .derive(epoch).derive(step).derive(layer)` is below `p`). Multiplying by it is Burn's
/// `Dropout` arithmetic (`x · mask · 1/(1−p)` with `x · 1 = x`).
pub fn dropout_mask(
    seed: u64,
    epoch: usize,
    step: u64,
    layer: usize,
    rows: usize,
    units: usize,
    p: f64,
) -> Vec<f32> {
    let mut words = vec![0u32; rows * units];
    HostRng::new(seed)
        .derive(DROPOUT_STREAM)
        .derive(epoch as u64)
        .derive(step)
        .derive(layer as u64)
        .fill_u32(&mut words);
    let keep = (1.0 / (1.0 - p)) as f32;
    words
        .iter()
        .map(|&w| {
            let u = f64::from(w >> 8) / f64::from(1u32 << 24);
            if u < p { 0.0 } else { keep }
        })
        .collect()
}

/// `activation(pre)`. With `once`, on an autodiff tensor, tanh and sigmoid are evaluated once:
/// Burn's autodiff evaluates them again in the backward pass (its tanh and sigmoid steps keep
/// the input, not the output), which on a CPU device costs as much as the forward evaluation
/// (a scalar `tanhf`/`expf` per element). Here the value `y` is computed without autodiff and
/// the derivative is attached as constant factors: `((pre − pre₀)·a)·b + y`, with `pre₀` the
/// value of `pre` (so the first term is exactly 0 where `pre` is finite, and masked to 0 where
/// it is infinite) and `a`, `b` the factors in the order Burn's backward multiplies them:
/// tanh `grad·(1 − y²)` (`a = 1 − y²`, `b = 1`), sigmoid `(grad·y)·(1 − y)` (`a = 1 − y`,
/// `b = y`). The forward value and the gradient are bit for bit Burn's.
fn activate(pre: Tensor<3>, activation: Nonlinearity, once: bool) -> Tensor<3> {
    if !(once
        && pre.is_autodiff()
        && matches!(activation, Nonlinearity::Tanh | Nonlinearity::Sigmoid))
    {
        return activation.apply(pre);
    }
    let value = pre.clone().inner();
    let y = activation.apply(value.clone());
    let infinite = value.clone().is_inf();
    let zero = (pre - value).mask_fill(infinite, 0.0);
    let y_ad = y.clone().autodiff();
    match activation {
        Nonlinearity::Tanh => {
            // Burn: grad · ((−(y²)) + 1).
            let slope = y.clone().square().neg().add_scalar(1.0).autodiff();
            zero * slope + y_ad
        }
        _ => {
            // Burn (flex `sigmoid_backward`): (grad · y) · (1 − y).
            let one_minus = y.clone().neg().add_scalar(1.0).autodiff();
            (zero * one_minus) * y.autodiff() + y_ad
        }
    }
}

/// The forward pass of a stack: parameters `[w0, b0, w1, b1, …]` (weights `[K, d_in, d_out]`,
/// biases `[K, 1, d_out]`), the shared input `[B, d]`, optional dropout multipliers per hidden
/// layer (`[1, B, n]`). Returns each hidden layer's (pre-activation, activation) if `trace`,
/// and the logits `[K, B, classes]`. `once`: see [`activate`].
fn forward(
    params: &[Tensor<3>],
    x: Tensor<2>,
    activation: Nonlinearity,
    masks: Option<&[Tensor<3>]>,
    trace: bool,
    once: bool,
) -> (Vec<(Tensor<3>, Tensor<3>)>, Tensor<3>) {
    let layers = params.len() / 2;
    let mut h: Tensor<3> = x.unsqueeze::<3>();
    let mut traces = Vec::new();
    for l in 0..layers - 1 {
        let pre = h.matmul(params[2 * l].clone()) + params[2 * l + 1].clone();
        let post = activate(pre.clone(), activation, once);
        if trace {
            traces.push((pre, post.clone()));
        }
        h = match masks {
            Some(m) => post * m[l].clone(),
            None => post,
        };
    }
    let logits = h.matmul(params[2 * layers - 2].clone()) + params[2 * layers - 1].clone();
    (traces, logits)
}

/// Mean cross-entropy per model of `logits` `[K, B, C]` against `targets` `[K, B, 1]`: `[K]`.
/// The single trainer's [`cross_entropy`](crate::train::cross_entropy), model by model.
pub fn cross_entropy_per_model(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    let [k, _, _] = logits.dims();
    log_softmax(logits, 2)
        .gather(2, targets)
        .mean_dim(1)
        .neg()
        .reshape([k])
}

/// `labels` repeated for each of `k` models, as a `[k, labels.len(), 1]` index tensor.
fn repeated_labels(labels: &[u8], k: usize, device: &Device) -> Tensor<3, Int> {
    let b = labels.len();
    let mut v = Vec::with_capacity(k * b);
    for _ in 0..k {
        v.extend(labels.iter().map(|&y| i64::from(y)));
    }
    Tensor::from_data(TensorData::new(v, [k, b, 1]), device)
}

/// The rows `rows` of `split` as a `[rows, features]` tensor on `device`.
fn inputs(split: &Split, features: usize, rows: &[usize], device: &Device) -> Tensor<2> {
    let mut x = Vec::with_capacity(rows.len() * features);
    for &r in rows {
        x.extend_from_slice(&split.x[r * features..(r + 1) * features]);
    }
    Tensor::from_data(TensorData::new(x, [rows.len(), features]), device)
}

/// The optimizer of a stack: Burn's SGD (with momentum, no dampening, no Nesterov) or Adam,
/// step for step, with one learning rate per model.
#[derive(Debug)]
pub enum StackOptimizer {
    /// `v ← g` at the first step, then `v ← g + μ·v`; `θ ← θ − lr·v` (plain SGD: `v = g`).
    Sgd {
        /// `μ` (`None`: plain SGD).
        momentum: Option<f32>,
        /// Velocity per parameter (none before the first step).
        velocity: Vec<Option<Tensor<3>>>,
    },
    /// Burn's `AdamConfig` defaults: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²` (from zero),
    /// `θ ← θ − lr · m·(√(1−β₂ᵗ)/(1−β₁ᵗ)) / (√v + ε·√(1−β₂ᵗ))`.
    Adam {
        /// Steps taken.
        time: i32,
        /// First and second moments per parameter (none before the first step).
        moments: Vec<Option<(Tensor<3>, Tensor<3>)>>,
    },
}

/// Burn's `AdamConfig` default `β₁`.
const ADAM_BETA_1: f32 = 0.9;
/// Burn's `AdamConfig` default `β₂`.
const ADAM_BETA_2: f32 = 0.999;
/// Burn's `AdamConfig` default `ε`.
const ADAM_EPSILON: f32 = 1e-5;

impl StackOptimizer {
    /// The optimizer [`OptimizerChoice::init`] makes, for `params` parameter tensors.
    pub fn new(choice: OptimizerChoice, momentum: f64, params: usize) -> Self {
        match choice {
            OptimizerChoice::Sgd => Self::Sgd {
                momentum: (momentum > 0.0).then_some(momentum as f32),
                velocity: vec![None; params],
            },
            OptimizerChoice::Adam => Self::Adam {
                time: 0,
                moments: vec![None; params],
            },
        }
    }

    /// One step: `params[i] ← params[i] − lr · update(grads[i])`, `lr` `[K, 1, 1]`.
    pub fn step(&mut self, params: &mut Vec<Tensor<3>>, grads: Vec<Tensor<3>>, lr: &Tensor<3>) {
        // Each parameter is taken by value so that, uniquely owned, it can be updated in place.
        let old = std::mem::take(params);
        match self {
            Self::Sgd { momentum, velocity } => {
                for ((p, g), v) in old.into_iter().zip(grads).zip(velocity.iter_mut()) {
                    let delta = match momentum {
                        Some(mu) => {
                            let next = match v.take() {
                                // Burn: g·(1 − dampening) + v·μ, and g·1 = g exactly.
                                Some(prev) => g.add(prev.mul_scalar(*mu)),
                                None => g,
                            };
                            *v = Some(next.clone());
                            next
                        }
                        None => g,
                    };
                    params.push(p - delta.mul(lr.clone()));
                }
            }
            Self::Adam { time, moments } => {
                *time += 1;
                let t = *time;
                let bias_correction2_sqrt = (1.0 - ADAM_BETA_2.powi(t)).sqrt();
                let combined = bias_correction2_sqrt / (1.0 - ADAM_BETA_1.powi(t));
                for ((p, g), state) in old.into_iter().zip(grads).zip(moments.iter_mut()) {
                    let (m, v) = match state.take() {
                        Some((m, v)) => (
                            m.mul_scalar(ADAM_BETA_1)
                                .add(g.clone().mul_scalar(1.0 - ADAM_BETA_1)),
                            v.mul_scalar(ADAM_BETA_2)
                                .add(g.square().mul_scalar(1.0 - ADAM_BETA_2)),
                        ),
                        None => (
                            g.clone().mul_scalar(1.0 - ADAM_BETA_1),
                            g.square().mul_scalar(1.0 - ADAM_BETA_2),
                        ),
                    };
                    let update = m.clone().mul_scalar(combined).div(
                        v.clone()
                            .sqrt()
                            .add_scalar(ADAM_EPSILON * bias_correction2_sqrt),
                    );
                    *state = Some((m, v));
                    params.push(p - update.mul(lr.clone()));
                }
            }
        }
    }

    /// Zeroes the state of the models marked in `masks` (one mask per parameter, its shape).
    fn zero(&mut self, masks: &[Tensor<3, Bool>]) {
        match self {
            Self::Sgd { velocity, .. } => {
                for (v, m) in velocity.iter_mut().zip(masks) {
                    if let Some(t) = v.take() {
                        *v = Some(t.mask_fill(m.clone(), 0.0));
                    }
                }
            }
            Self::Adam { moments, .. } => {
                for (s, mask) in moments.iter_mut().zip(masks) {
                    if let Some((m, v)) = s.take() {
                        *s = Some((
                            m.mask_fill(mask.clone(), 0.0),
                            v.mask_fill(mask.clone(), 0.0),
                        ));
                    }
                }
            }
        }
    }
}

/// A split cut into evaluation batches for a stack of `k` models.
struct StackEvalSet {
    batches: Vec<(Tensor<2>, Tensor<3, Int>)>,
    labels: Vec<u8>,
}

impl StackEvalSet {
    fn new(split: &Split, features: usize, k: usize, device: &Device) -> Self {
        let rows: Vec<usize> = (0..split.n).collect();
        let batches = rows
            .chunks(EVAL_BATCH)
            .map(|c| {
                let labels: Vec<u8> = c.iter().map(|&r| split.y[r]).collect();
                (
                    inputs(split, features, c, device),
                    repeated_labels(&labels, k, device),
                )
            })
            .collect();
        Self {
            batches,
            labels: split.y.clone(),
        }
    }

    /// Every model's evaluation (no dropout, no autodiff): one read from the device.
    fn evaluate(&self, params: &[Tensor<3>], activation: Nonlinearity) -> Vec<Evaluation> {
        let k = params[0].dims()[0];
        let n = self.labels.len();
        if self.batches.is_empty() {
            return vec![Evaluation::from_predictions(f64::NAN, &[], &[]); k];
        }
        let mut loss: Option<Tensor<1>> = None;
        let mut predictions = Vec::with_capacity(self.batches.len());
        for (x, y) in &self.batches {
            let b = y.dims()[1];
            let (_, logits) = forward(params, x.clone(), activation, None, false, false);
            let l = cross_entropy_per_model(logits.clone(), y.clone()).mul_scalar(b as f32);
            predictions.push(logits.argmax(2).reshape([k, b]).float());
            loss = Some(match loss {
                Some(s) => s + l,
                None => l,
            });
        }
        let loss = loss.unwrap_or_else(|| Tensor::zeros([k], &params[0].device()));
        let all = Tensor::cat(vec![loss.reshape([k, 1]), Tensor::cat(predictions, 1)], 1);
        let values = read_floats(all);
        (0..k)
            .map(|m| {
                let row = &values[m * (n + 1)..(m + 1) * (n + 1)];
                let predicted: Vec<i64> = row[1..].iter().map(|&p| p as i64).collect();
                Evaluation::from_predictions(f64::from(row[0]), &predicted, &self.labels)
            })
            .collect()
    }
}

/// Per-layer statistics of every model on the diagnostic batch: the single trainer's
/// [`layer_diagnostics`](crate::stats::layer_diagnostics) for all models at once. One forward
/// and one backward pass of the stack; the gradient norms are reduced per model on the device;
/// the pre-activations, activations, gradient norms and hidden weights come back in one read,
/// and the activation statistics are computed on the host by the very function the single
/// trainer uses ([`activation_stats`], in f64), so both engines report the same numbers.
fn stack_diagnostics(
    params: &[Tensor<3>],
    x: &Tensor<2>,
    y: &Tensor<3, Int>,
    activation: Nonlinearity,
    masks: Option<&[Tensor<3>]>,
    once: bool,
) -> Vec<Vec<LayerStats>> {
    let leaves: Vec<Tensor<3>> = params
        .iter()
        .map(|p| p.clone().autodiff().require_grad())
        .collect();
    let (traces, logits) = forward(&leaves, x.clone(), activation, masks, true, once);
    let grads = cross_entropy_per_model(logits, y.clone()).sum().backward();
    let k = params[0].dims()[0];
    let layers = traces.len();
    // Per model, one row: every layer's pre-activations and activations, the gradient norms,
    // then every hidden layer's weights and biases.
    let mut row: Vec<Tensor<2>> = Vec::with_capacity(4 * layers + 1);
    let mut sizes = Vec::with_capacity(layers);
    for (pre, post) in traces {
        let [_, rows, units] = post.dims();
        sizes.push((rows, units));
        row.push(pre.inner().reshape([k, rows * units]));
        row.push(post.inner().reshape([k, rows * units]));
    }
    let device = params[0].device();
    let norms: Vec<Tensor<2>> = (0..layers)
        .map(|l| {
            let [_, d_in, units] = params[2 * l].dims();
            // The single trainer's `g.square().sum().sqrt()`, per model.
            leaves[2 * l].grad(&grads).map_or_else(
                || Tensor::full([k, 1], f32::NAN, &device),
                |g| g.square().reshape([k, d_in * units]).sum_dim(1).sqrt(),
            )
        })
        .collect();
    row.extend(norms);
    let mut shapes = Vec::with_capacity(layers);
    for l in 0..layers {
        let [_, d_in, units] = params[2 * l].dims();
        shapes.push((d_in, units));
        row.push(params[2 * l].clone().reshape([k, d_in * units]));
        row.push(params[2 * l + 1].clone().reshape([k, units]));
    }
    let values = read_floats(Tensor::cat(row, 1));
    let per_model = values.len() / k.max(1);
    (0..k)
        .map(|m| {
            let mut rest = &values[m * per_model..(m + 1) * per_model];
            let mut take = |n: usize| {
                let (head, tail) = rest.split_at(n);
                rest = tail;
                head
            };
            let acts: Vec<(&[f32], &[f32])> = sizes
                .iter()
                .map(|&(rows, units)| (take(rows * units), take(rows * units)))
                .collect();
            let norms = take(layers).to_vec();
            let weights: Vec<(&[f32], &[f32])> = shapes
                .iter()
                .map(|&(d_in, units)| (take(d_in * units), take(units)))
                .collect();
            (0..layers)
                .map(|l| {
                    let (pre, post) = acts[l];
                    let (d_in, units) = shapes[l];
                    let (w, b) = weights[l];
                    let mut s = activation_stats(pre, post, sizes[l].1, activation);
                    s.layer = l;
                    s.grad_norm = f64::from(norms[l]);
                    s.distinct_neurons = distinct_neurons(w, Some(b), d_in, units, 1e-6);
                    s
                })
                .collect()
        })
        .collect()
}

/// The parameters of `model` as `[w0, b0, …]` on the model's device without autodiff: weights
/// `[d_in, d_out]`, biases `[d_out]` (zeros where the layer has none).
fn parameters(model: &Mlp) -> Vec<(Tensor<2>, Tensor<1>)> {
    let mut out = Vec::with_capacity(model.num_layers() + 1);
    let layer = |w: Tensor<2>, b: Option<Tensor<1>>| {
        let w = w.inner();
        let b = b.map_or_else(|| Tensor::zeros([w.dims()[1]], &w.device()), Tensor::inner);
        (w, b)
    };
    for l in 0..model.num_layers() {
        out.push(layer(model.layer_weight(l), model.layer_bias(l)));
    }
    out.push(layer(
        model.output.weight.val(),
        model.output.bias.as_ref().map(|b| b.val()),
    ));
    out
}

/// One model's record while its stack trains.
#[derive(Debug, Default)]
struct ModelLog {
    epochs: Vec<EpochMetrics>,
    diverged_at: Option<usize>,
    train_samples: usize,
    train_seconds: f64,
    pretrain_losses: Vec<Vec<f64>>,
}

/// A `[K, …]` boolean mask that is true in the rows of the models in `models`, one per
/// parameter shape.
fn model_masks(params: &[Tensor<3>], models: &[usize], device: &Device) -> Vec<Tensor<3, Bool>> {
    params
        .iter()
        .map(|p| {
            let [k, a, b] = p.dims();
            let per = a * b;
            let mut v = vec![false; k * per];
            for &m in models {
                v[m * per..(m + 1) * per].fill(true);
            }
            Tensor::from_data(TensorData::new(v, [k, a, b]), device)
        })
        .collect()
}

/// Trains the runs `specs` (one [`StackKey`]) as one stack and returns one outcome per run, in
/// the order of `specs`, each with the meaning [`train_run`](crate::train::train_run) gives
/// it. `device_rng` is held (and the device seeded with the run's seed) while a run whose
/// initialization strategy draws from Burn's global device generator builds its model.
/// A run's `wall_seconds` and `train_seconds` are its stack's divided by the stack's size
/// (`train_seconds` while the run was alive), so throughputs add up.
///
/// # Errors
/// An empty list, runs that do not share a [`StackKey`], an invalid run
/// ([`RunSpec::validate`]), or an initializer that cannot build a model.
pub fn train_stack(
    specs: &[&RunSpec],
    settings: &TrainSettings,
    data: &Dataset,
    device: &OpenDevice,
    device_rng: &Mutex<()>,
    progress: &mut Progress,
) -> Result<Vec<RunOutcome>> {
    let start = Instant::now();
    let Some(first) = specs.first() else {
        return Err(crate::Error::InvalidOption {
            option: "stack",
            value: "0".into(),
            reason: "a stack needs at least one run".into(),
        });
    };
    crate::train::require_validation(data)?;
    let key = StackKey::of(first);
    for spec in specs {
        spec.validate(settings)?;
        if StackKey::of(spec) != key {
            return Err(crate::Error::InvalidOption {
                option: "stack",
                value: spec.id.clone(),
                reason: format!(
                    "run {} cannot share a stack with {}: architecture or seed differ",
                    spec.id, first.id
                ),
            });
        }
    }
    let k = specs.len();
    let ad = device.autodiff();
    let plain = &device.device;
    let features = data.features;
    let activation = key.activation;
    // On the CPU devices tanh and sigmoid are evaluated once per step ([`activate`]); on a GPU
    // Burn's own autodiff step is cheaper than the extra operations.
    let once = matches!(device.choice, DeviceChoice::Flex | DeviceChoice::Ndarray);

    // Build every model exactly as the single trainer does, then stack its parameters.
    let mut logs: Vec<ModelLog> = (0..k).map(|_| ModelLog::default()).collect();
    let mut per_model = Vec::with_capacity(k);
    for (m, spec) in specs.iter().enumerate() {
        let config = spec.mlp_config(features, data.classes);
        let guard = spec.strategy.uses_device_rng().then(|| {
            let guard = device_rng.lock().unwrap_or_else(PoisonError::into_inner);
            device.device.seed(spec.seed);
            guard
        });
        let (model, pretrain) = spec
            .strategy
            .build(&config, spec.seed, &ad, &data.train.x)?;
        drop(guard);
        logs[m].pretrain_losses = pretrain
            .map(|r| r.layers.into_iter().map(|l| l.epoch_losses).collect())
            .unwrap_or_default();
        per_model.push(parameters(&model));
    }
    let layers = per_model[0].len();
    let mut params: Vec<Tensor<3>> = Vec::with_capacity(2 * layers);
    for l in 0..layers {
        let w: Vec<Tensor<2>> = per_model.iter().map(|p| p[l].0.clone()).collect();
        let b: Vec<Tensor<2>> = per_model
            .iter()
            .map(|p| p[l].1.clone().unsqueeze::<2>())
            .collect();
        params.push(Tensor::stack(w, 0).to_device(plain));
        params.push(Tensor::stack(b, 0).to_device(plain));
    }
    drop(per_model);

    let mut lrs: Vec<f32> = specs.iter().map(|s| s.lr(settings) as f32).collect();
    let lr_tensor =
        |lrs: &[f32]| Tensor::<3>::from_data(TensorData::new(lrs.to_vec(), [k, 1, 1]), plain);
    let mut lr = lr_tensor(&lrs);
    let mut optim = StackOptimizer::new(settings.optimizer, settings.momentum, params.len());

    // The training inputs, uploaded once; each step selects its rows on the device.
    let train_x = Tensor::<2>::from_data(
        TensorData::new(data.train.x.clone(), [data.train.n, features]),
        &ad,
    );
    let valid = StackEvalSet::new(&data.valid, features, k, plain);
    let test = StackEvalSet::new(&data.test, features, k, plain);
    let diag_rows: Vec<usize> = (0..settings.diag_examples.min(data.train.n)).collect();
    let diag_labels: Vec<u8> = diag_rows.iter().map(|&r| data.train.y[r]).collect();
    let diag_x = inputs(&data.train, features, &diag_rows, &ad);
    let diag_y = repeated_labels(&diag_labels, k, &ad);
    let masks_for = |epoch: usize, step: u64, rows: usize| -> Option<Vec<Tensor<3>>> {
        (key.dropout > 0.0).then(|| {
            (0..key.depth)
                .map(|l| {
                    let v = dropout_mask(key.seed, epoch, step, l, rows, key.width, key.dropout);
                    Tensor::from_data(TensorData::new(v, [1, rows, key.width]), &ad)
                })
                .collect()
        })
    };
    let measure = |params: &[Tensor<3>], epoch: usize| {
        let v = valid.evaluate(params, activation);
        let t = test.evaluate(params, activation);
        let masks = masks_for(epoch, DIAGNOSTIC_STEP, diag_rows.len());
        let layers =
            stack_diagnostics(params, &diag_x, &diag_y, activation, masks.as_deref(), once);
        (v, t, layers)
    };

    let (v, t, diag) = measure(&params, 0);
    for (m, ((v, t), layers)) in v.iter().zip(&t).zip(diag).enumerate() {
        logs[m]
            .epochs
            .push(EpochMetrics::evaluated(0, None, *v, *t, layers));
    }
    progress.epoch_line(
        &format!(
            "epoch  0/{} (init)  valid acc {}",
            settings.epochs,
            range_text(v.iter().map(|e| e.accuracy), true)
        ),
        "",
        true,
    );

    let mut alive: Vec<bool> = vec![true; k];
    for epoch in 1..=settings.epochs {
        if !alive.iter().any(|&a| a) {
            break;
        }
        let epoch_start = Instant::now();
        let order = epoch_order(data.train.n, key.seed, epoch);
        let chunks: Vec<&[usize]> = order.chunks(settings.batch_size.max(1)).collect();
        let total = chunks.len();
        let every = total.div_ceil(READS_PER_EPOCH.max(1)).max(1);
        let mut loss_sum: Option<Tensor<1>> = None;
        let mut correct: Option<Tensor<1, Int>> = None;
        let mut samples = 0usize;
        let mut last = vec![(f64::NAN, 0.0); k];
        let mut dead_now: Vec<usize> = Vec::new();
        for (i, rows) in chunks.iter().enumerate() {
            let b = rows.len();
            let labels: Vec<u8> = rows.iter().map(|&r| data.train.y[r]).collect();
            let index: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
            let x = train_x.clone().select(
                0,
                Tensor::<1, Int>::from_data(TensorData::new(index, [b]), &ad),
            );
            let y = repeated_labels(&labels, k, &ad);
            let leaves: Vec<Tensor<3>> = params
                .iter()
                .map(|p| p.clone().autodiff().require_grad())
                .collect();
            let masks = masks_for(epoch, i as u64, b);
            let (_, logits) = forward(&leaves, x, activation, masks.as_deref(), false, once);
            let loss = cross_entropy_per_model(logits.clone(), y.clone());
            let l = loss.clone().inner().mul_scalar(b as f32);
            let c = logits
                .inner()
                .argmax(2)
                .equal(y.inner())
                .int()
                .sum_dim(1)
                .reshape([k]);
            accumulate(&mut loss_sum, l);
            accumulate(&mut correct, c);
            let mut grads = loss.sum().backward();
            // Every parameter takes part in the loss; a missing gradient would be a zero one.
            let g: Vec<Tensor<3>> = leaves
                .iter()
                .map(|leaf| {
                    leaf.grad_remove(&mut grads)
                        .unwrap_or_else(|| Tensor::zeros(leaf.dims(), plain))
                })
                .collect();
            // The parameters are now referenced only by `params`: the update can reuse them.
            drop((grads, leaves));
            optim.step(&mut params, g, &lr);
            samples += b;
            if (i + 1) % every == 0 || i + 1 == total {
                let (Some(ls), Some(cs)) = (&loss_sum, &correct) else {
                    continue;
                };
                let values = read_floats(Tensor::cat(vec![ls.clone(), cs.clone().float()], 0));
                let mut newly = Vec::new();
                for m in (0..k).filter(|&m| alive[m]) {
                    let loss = f64::from(values[m]) / samples as f64;
                    let accuracy = f64::from(values[k + m]) / samples as f64;
                    last[m] = (loss, accuracy);
                    if !loss.is_finite() {
                        newly.push(m);
                    }
                }
                let alive_losses: Vec<f64> = (0..k)
                    .filter(|&m| alive[m] && !newly.contains(&m))
                    .map(|m| last[m].0)
                    .collect();
                let mean = alive_losses.iter().sum::<f64>() / alive_losses.len().max(1) as f64;
                progress.batch(epoch, settings.epochs, i + 1, total, Some(mean));
                for &m in &newly {
                    alive[m] = false;
                    let (loss, accuracy) = last[m];
                    let log = &mut logs[m];
                    log.epochs
                        .push(EpochMetrics::diverged(epoch, loss, accuracy));
                    log.diverged_at = Some(epoch);
                    log.train_samples += samples;
                    progress.println(&format!(
                        "[{}] epoch {epoch:>2}/{}  DIVERGED: loss {loss} after {samples} examples; run stopped",
                        specs[m].id, settings.epochs
                    ));
                }
                if !newly.is_empty() {
                    dead_now.extend(&newly);
                    freeze(&newly, &mut params, &mut optim, &mut lrs, plain);
                    lr = lr_tensor(&lrs);
                }
                if !alive.iter().any(|&a| a) {
                    break;
                }
            }
        }
        let seconds = epoch_start.elapsed().as_secs_f64();
        // Time of the epoch's training steps, shared by the models that trained in it.
        let trained_now: Vec<usize> = (0..k)
            .filter(|&m| alive[m] || dead_now.contains(&m))
            .collect();
        for &m in &trained_now {
            logs[m].train_seconds += seconds / k as f64;
        }
        if !alive.iter().any(|&a| a) {
            break;
        }
        let (v, t, diag) = measure(&params, epoch);
        let mut newly = Vec::new();
        for (m, ((v, t), layers)) in v.iter().zip(&t).zip(diag).enumerate() {
            if !alive[m] {
                continue;
            }
            let log = &mut logs[m];
            log.train_samples += samples;
            log.epochs.push(EpochMetrics::evaluated(
                epoch,
                Some(last[m]),
                *v,
                *t,
                layers,
            ));
            if !v.loss.is_finite() {
                log.diverged_at = Some(epoch);
                alive[m] = false;
                newly.push(m);
                progress.println(&format!(
                    "[{}] epoch {epoch:>2}  DIVERGED: validation loss {}; run stopped",
                    specs[m].id, v.loss
                ));
            }
        }
        if !newly.is_empty() {
            freeze(&newly, &mut params, &mut optim, &mut lrs, plain);
            lr = lr_tensor(&lrs);
        }
        let live: Vec<usize> = (0..k).filter(|&m| alive[m] || newly.contains(&m)).collect();
        let text = format!(
            "epoch {epoch:>2}/{}  train loss {}  valid acc {}  test acc {}  {}/{k} runs alive  ({seconds:.1}s, {:.0} samples/s)",
            settings.epochs,
            range_text(live.iter().map(|&m| last[m].0), false),
            range_text(live.iter().map(|&m| v[m].accuracy), true),
            range_text(live.iter().map(|&m| t[m].accuracy), true),
            alive.iter().filter(|&&a| a).count(),
            (samples * live.len()) as f64 / seconds.max(1e-9)
        );
        let summary = format!(
            "valid acc {}",
            range_text(live.iter().map(|&m| v[m].accuracy), true)
        );
        progress.epoch_line(&text, &summary, epoch == settings.epochs);
    }

    let wall = start.elapsed().as_secs_f64() / k as f64;
    Ok(logs
        .into_iter()
        .map(|log| RunOutcome {
            epochs: log.epochs,
            diverged: log.diverged_at.is_some(),
            diverged_at: log.diverged_at,
            wall_seconds: wall,
            train_seconds: log.train_seconds,
            train_samples: log.train_samples,
            pretrain_losses: log.pretrain_losses,
        })
        .collect())
}

/// Freezes the models `models`: learning rate 0, parameters and optimizer state zeroed.
fn freeze(
    models: &[usize],
    params: &mut [Tensor<3>],
    optim: &mut StackOptimizer,
    lrs: &mut [f32],
    device: &Device,
) {
    for &m in models {
        lrs[m] = 0.0;
    }
    let masks = model_masks(params, models, device);
    for (p, mask) in params.iter_mut().zip(&masks) {
        *p = p.clone().mask_fill(mask.clone(), 0.0);
    }
    optim.zero(&masks);
}

/// "min–max" of accuracies (`percent`, shown in %) or losses for a progress line (`-` when
/// empty).
fn range_text(values: impl Iterator<Item = f64>, percent: bool) -> String {
    let v: Vec<f64> = values.collect();
    if v.is_empty() {
        return "-".into();
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let fmt = |x: f64| {
        if percent {
            format!("{:.1}%", 100.0 * x)
        } else {
            format!("{x:.4}")
        }
    };
    if v.len() == 1 || lo == hi {
        fmt(lo)
    } else {
        format!("{}–{}", fmt(lo), fmt(hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropout_masks_are_seeded_and_keep_about_1_minus_p() {
        let a = dropout_mask(1, 2, 3, 0, 100, 50, 0.3);
        assert_eq!(a, dropout_mask(1, 2, 3, 0, 100, 50, 0.3));
        assert_ne!(a, dropout_mask(1, 2, 4, 0, 100, 50, 0.3));
        assert_ne!(a, dropout_mask(1, 2, 3, 1, 100, 50, 0.3));
        let keep = (1.0 / 0.7) as f32;
        assert!(a.iter().all(|&v| v == 0.0 || v == keep));
        // 5,000 Bernoulli(0.3) draws: the dropped share is within 5 standard errors of 0.3.
        let dropped = a.iter().filter(|&&v| v == 0.0).count() as f64 / a.len() as f64;
        let se = (0.3f64 * 0.7 / a.len() as f64).sqrt();
        assert!((dropped - 0.3).abs() < 5.0 * se, "{dropped}");
    }

    #[test]
    fn stacks_group_by_architecture_and_seed_and_respect_the_cap() {
        use crate::strategy::InitStrategy;
        use burn_init::Init;
        let spec = |id: &str, activation, seed, width| RunSpec {
            id: id.into(),
            activation,
            strategy: InitStrategy::plain(Init::GlorotUniform),
            depth: 2,
            width,
            seed,
            dropout: 0.0,
            lr: None,
            bias_init: Init::Zeros,
        };
        let specs = vec![
            spec("a", Nonlinearity::Tanh, 0, 8),
            spec("b", Nonlinearity::Relu, 0, 8),
            spec("c", Nonlinearity::Tanh, 0, 8),
            spec("d", Nonlinearity::Tanh, 1, 8),
            spec("e", Nonlinearity::Tanh, 0, 9),
            spec("f", Nonlinearity::Tanh, 0, 8),
        ];
        let all: Vec<usize> = (0..specs.len()).collect();
        assert_eq!(
            plan_stacks(&specs, &all, |_| 10),
            vec![vec![0, 2, 5], vec![1], vec![3], vec![4]]
        );
        assert_eq!(
            plan_stacks(&specs, &all, |_| 2),
            vec![vec![0, 2], vec![1], vec![3], vec![4], vec![5]]
        );
        assert_eq!(plan_stacks(&specs, &[5, 2], |_| 10), vec![vec![5, 2]]);
    }
}

//! The per-layer [diagnostics](super::activation_stats) as burn-train metrics (feature `train`).
//!
//! Burn's `SupervisedTraining` computes its metrics on a separate thread from what each training
//! step returns. A step of a [`Layered`] model therefore returns, beside its loss and logits, a
//! [`LayerTraces`]: every hidden layer's pre-activations and activations, its weight before the
//! update and the weight's gradient, all detached from autodiff. A [`LayerMetric`] turns one
//! statistic of one layer into a burn-train [`Metric`] + [`Numeric`]:
//!
//! | [`LayerStatistic`] | metric name | value on the step's batch |
//! |---|---|---|
//! | `ActMean`, `ActStd` | `act-mean layer0`, `act-std layer0` | mean and population std of `φ(x·W + b)` |
//! | `Saturated` | `saturated layer0` | share of pre-activations with `|a| >` [`Nonlinearity::saturation_bound`] |
//! | `Dead` | `dead layer0` | share of units that are exactly 0 for the whole batch |
//! | `GradNorm` | `grad-norm layer0` | `‖∂L/∂W‖₂` (Frobenius) |
//! | `UpdateRatio` | `update-ratio layer0` | `‖W_t − W_{t−1}‖ / ‖W_{t−1}‖`: what the previous step changed |
//!
//! Each value is computed by the function the library's diagnostics use
//! ([`summary`], [`saturated_fraction`],
//! [`dead_fraction`], the gradient norm of
//! [`gradient_stats`](super::gradient_stats), the ratio of [`update_ratios`](super::update_ratios)),
//! so a logged value equals the diagnostics of the same model on the same batch.
//!
//! One metric per (statistic, layer) rather than one metric per statistic with a per-layer
//! breakdown: a burn-train [`Numeric`] metric is one number, and its renderer draws, and its file
//! logger writes (`<dir>/train/epoch-N/act-std_layer0.log`; the space becomes `_`), one series per metric name. One
//! metric per layer is what gives a curve and a log file per layer.
//!
//! The update ratio of step `t` is measured from the weights that steps `t − 1` and `t` saw,
//! since the optimizer's update happens after the metrics' input is made: it is the ratio of the
//! previous step, whatever the optimizer. Its first step has no previous weight and logs nothing
//! (`N/A`); it carries over epochs (only the epoch averages are reset).
//!
//! [`LinearChain`] implements burn-train's `TrainStep` and `InferenceStep` on a
//! [`ClassificationBatch`]; a [`Layered`] model of another crate gets them in one line,
//! [`layered_train_steps!`](crate::layered_train_steps)`(MyModel)`, which calls
//! [`TracedClassificationOutput::train_step`] and [`TracedClassificationOutput::valid_step`].
//! A complete training program: `examples/train_metrics.rs`.

use std::sync::{Arc, Mutex, PoisonError};

use burn::tensor::{Gradients, Int, Tensor, TensorReadError, activation::log_softmax};
use burn::train::metric::{
    AccuracyInput, Adaptor, LossInput, Metric, MetricAttributes, MetricMetadata, MetricName,
    Numeric, NumericAttributes, NumericEntry, SerializedEntry,
    state::{FormatOptions, NumericMetricState},
};
use burn::train::{ItemLazy, SupervisedTraining, TrainOutput, TrainStep};
use burn_std::ExecutionError;

use super::chain::LinearChain;
use super::diagnostics::{
    dead_fraction, frobenius_norm, saturated_fraction, summary, update_ratio,
};
use super::layered::{LayerTrace, Layered};
use crate::scale::Nonlinearity;

/// Host copies of a layer's tensors, read once per step and shared by every metric of the step.
#[derive(Debug, Default)]
struct HostCopy(Mutex<Option<Arc<[f32]>>>);

impl HostCopy {
    fn get(&self, tensor: &Tensor<2>) -> Result<Arc<[f32]>, TensorReadError> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(values) = slot.as_ref() {
            return Ok(values.clone());
        }
        let values: Arc<[f32]> = tensor.clone().try_into_vec_as::<f32>()?.into();
        *slot = Some(values.clone());
        Ok(values)
    }
}

/// One hidden layer of one step, detached from autodiff.
#[derive(Debug)]
struct TracedLayer {
    activation: Nonlinearity,
    pre: Tensor<2>,
    post: Tensor<2>,
    weight: Tensor<2>,
    grad: Option<Tensor<2>>,
    host: [HostCopy; 4],
}

impl TracedLayer {
    const PRE: usize = 0;
    const POST: usize = 1;
    const WEIGHT: usize = 2;
    const GRAD: usize = 3;

    fn read(&self, which: usize) -> Result<Option<Arc<[f32]>>, TensorReadError> {
        let tensor = match which {
            Self::PRE => &self.pre,
            Self::POST => &self.post,
            Self::WEIGHT => &self.weight,
            _ => match &self.grad {
                Some(g) => g,
                None => return Ok(None),
            },
        };
        self.host[which].get(tensor).map(Some)
    }
}

/// The per-layer traces of one training (or validation) step of a [`Layered`] model: every hidden
/// layer's pre-activations and activations on the step's batch, its weight as the step saw it
/// and (for a training step) the weight's gradient, all **detached from autodiff**, so the step
/// output can travel to burn-train's metric thread. The input of every [`LayerMetric`]; a step
/// output provides it through `Adaptor<LayerTraces>` (cloning is cheap: the layers are shared,
/// and so are the host copies the metrics read, once per tensor and step).
#[derive(Debug, Clone)]
pub struct LayerTraces {
    layers: Arc<[TracedLayer]>,
}

impl LayerTraces {
    /// The traces of `model`'s forward pass (from [`Layered::forward_trace`]) and, when given,
    /// the gradients of the step's loss. Every tensor is detached from autodiff.
    pub fn new<M: Layered>(model: &M, traces: Vec<LayerTrace>, grads: Option<&Gradients>) -> Self {
        let layers = traces
            .into_iter()
            .enumerate()
            .map(|(layer, t)| {
                let weight = model.layer_weight(layer);
                let grad = grads.and_then(|g| weight.grad(g));
                TracedLayer {
                    activation: model.activation(layer),
                    pre: t.pre.inner(),
                    post: t.post.inner(),
                    weight: weight.inner(),
                    grad: grad.map(Tensor::inner),
                    host: Default::default(),
                }
            })
            .collect();
        Self { layers }
    }

    /// Number of traced hidden layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }
}

/// A statistic of one hidden layer (see the [module](self) table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayerStatistic {
    /// Mean of the activations.
    ActMean,
    /// Population standard deviation of the activations.
    ActStd,
    /// Share of saturated pre-activations ([`saturated_fraction`]).
    Saturated,
    /// Share of units that are 0 for the whole batch ([`dead_fraction`]).
    Dead,
    /// Frobenius norm of the weight's gradient.
    GradNorm,
    /// `‖W_t − W_{t−1}‖ / ‖W_{t−1}‖` between consecutive steps.
    UpdateRatio,
}

impl LayerStatistic {
    /// Every statistic, in the order of the [module](self) table.
    pub const ALL: [Self; 6] = [
        Self::ActMean,
        Self::ActStd,
        Self::Saturated,
        Self::Dead,
        Self::GradNorm,
        Self::UpdateRatio,
    ];

    /// The activation statistics: the ones a validation step (no gradient, no update) has.
    pub const ACTIVATIONS: [Self; 4] = [Self::ActMean, Self::ActStd, Self::Saturated, Self::Dead];

    /// The metric-name prefix (`act-std`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::ActMean => "act-mean",
            Self::ActStd => "act-std",
            Self::Saturated => "saturated",
            Self::Dead => "dead",
            Self::GradNorm => "grad-norm",
            Self::UpdateRatio => "update-ratio",
        }
    }

    /// The metric name of `layer`: `act-std layer2` (burn-train's file logger writes it to
    /// `act-std_layer2.log`).
    pub fn metric_name(self, layer: usize) -> String {
        format!("{} layer{layer}", self.name())
    }

    fn description(self) -> &'static str {
        match self {
            Self::ActMean => "mean activation of the layer on the batch",
            Self::ActStd => "standard deviation of the layer's activations on the batch",
            Self::Saturated => {
                "share of the layer's pre-activations in the activation's flat parts"
            }
            Self::Dead => "share of the layer's units that are 0 for the whole batch",
            Self::GradNorm => "Frobenius norm of the gradient of the layer's weight",
            Self::UpdateRatio => "relative change of the layer's weight made by the previous step",
        }
    }
}

/// One [`LayerStatistic`] of one hidden layer as a burn-train [`Metric`] + [`Numeric`] whose
/// input is [`LayerTraces`]. The batch value is the statistic on the step's batch; the epoch
/// value is the mean over the epoch's steps weighted by batch size (as burn-train's loss).
///
/// ```
/// use burn_init::signal::metrics::{LayerMetric, LayerStatistic};
/// use burn::train::metric::Metric;
///
/// let m = LayerMetric::new(LayerStatistic::ActStd, 2);
/// assert_eq!(m.name().as_str(), "act-std layer2");
/// assert_eq!(LayerMetric::all(3, &LayerStatistic::ALL).len(), 18);
/// ```
#[derive(Debug, Clone)]
pub struct LayerMetric {
    statistic: LayerStatistic,
    layer: usize,
    name: MetricName,
    state: NumericMetricStateDebug,
    previous_weight: Option<Arc<[f32]>>,
    has_value: bool,
}

/// burn-train's numeric state (it does not implement `Debug`).
#[derive(Clone, Default)]
struct NumericMetricStateDebug(NumericMetricState);

impl std::fmt::Debug for NumericMetricStateDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NumericMetricState")
    }
}

impl LayerMetric {
    /// The metric of `statistic` on hidden layer `layer` (0 = the first).
    pub fn new(statistic: LayerStatistic, layer: usize) -> Self {
        Self {
            statistic,
            layer,
            name: Arc::new(statistic.metric_name(layer)),
            state: NumericMetricStateDebug::default(),
            previous_weight: None,
            has_value: false,
        }
    }

    /// One metric per statistic and layer `0..num_layers`, statistic by statistic.
    pub fn all(num_layers: usize, statistics: &[LayerStatistic]) -> Vec<Self> {
        statistics
            .iter()
            .flat_map(|&s| (0..num_layers).map(move |l| Self::new(s, l)))
            .collect()
    }

    /// The statistic.
    pub fn statistic(&self) -> LayerStatistic {
        self.statistic
    }

    /// The layer.
    pub fn layer(&self) -> usize {
        self.layer
    }

    fn format(&self) -> FormatOptions {
        FormatOptions::new(self.name.clone()).precision(4)
    }

    /// The statistic on this step, `None` when it has no value (no gradient in the step, no
    /// previous weight, or no such layer).
    fn measure(&mut self, traces: &LayerTraces) -> Result<Option<(f64, usize)>, TensorReadError> {
        let Some(layer) = traces.layers.get(self.layer) else {
            return Ok(None);
        };
        let batch = layer.pre.dims()[0];
        let value = match self.statistic {
            LayerStatistic::ActMean | LayerStatistic::ActStd => {
                let post = layer.read(TracedLayer::POST)?.unwrap_or_default();
                let (mean, std, _, _) = summary(&post);
                Some(if self.statistic == LayerStatistic::ActMean {
                    mean
                } else {
                    std
                })
            }
            LayerStatistic::Saturated => {
                let pre = layer.read(TracedLayer::PRE)?.unwrap_or_default();
                Some(saturated_fraction(layer.activation, &pre))
            }
            LayerStatistic::Dead => {
                let post = layer.read(TracedLayer::POST)?.unwrap_or_default();
                Some(dead_fraction(&post, layer.post.dims()[1]))
            }
            LayerStatistic::GradNorm => layer.read(TracedLayer::GRAD)?.map(|g| frobenius_norm(&g)),
            LayerStatistic::UpdateRatio => {
                let weight = layer.read(TracedLayer::WEIGHT)?.unwrap_or_default();
                let ratio = self
                    .previous_weight
                    .as_ref()
                    .filter(|before| before.len() == weight.len())
                    .map(|before| update_ratio(before, &weight));
                self.previous_weight = Some(weight);
                ratio
            }
        };
        Ok(value.map(|v| (v, batch)))
    }
}

impl Metric for LayerMetric {
    type Input = LayerTraces;

    fn name(&self) -> MetricName {
        self.name.clone()
    }

    fn description(&self) -> Option<String> {
        Some(format!(
            "{} (hidden layer {})",
            self.statistic.description(),
            self.layer
        ))
    }

    fn attributes(&self) -> MetricAttributes {
        NumericAttributes {
            unit: None,
            // No direction is better for a diagnostic; burn-train needs one.
            higher_is_better: matches!(
                self.statistic,
                LayerStatistic::ActStd | LayerStatistic::GradNorm
            ),
        }
        .into()
    }

    fn update(
        &mut self,
        item: &LayerTraces,
        _metadata: &MetricMetadata,
    ) -> Result<SerializedEntry, TensorReadError> {
        match self.measure(item)? {
            Some((value, batch)) => {
                self.state.0.update(value, batch);
                self.has_value = true;
                Ok(self.state.0.compute_update(self.format()))
            }
            None => Ok(SerializedEntry::not_available(None)),
        }
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        Ok(if self.has_value {
            self.state.0.compute_final(self.format())
        } else {
            SerializedEntry::not_available(None)
        })
    }

    fn clear(&mut self) {
        // The previous weight is kept: the first step of the next epoch has its update ratio.
        self.state.0.reset();
        self.has_value = false;
    }
}

impl Numeric for LayerMetric {
    fn value(&self) -> Option<NumericEntry> {
        self.has_value.then(|| self.state.0.current_value())
    }

    fn running_value(&self) -> Option<NumericEntry> {
        self.has_value.then(|| self.state.0.running_value())
    }

    fn final_value(&self) -> NumericEntry {
        self.state.0.final_value()
    }
}

/// The output of a classification step of a [`Layered`] model: burn-train's loss and accuracy
/// inputs plus the [`LayerTraces`]. Implements `Adaptor` for [`LossInput`], [`AccuracyInput`] and
/// [`LayerTraces`], and [`ItemLazy`] (everything is already detached from autodiff).
#[derive(Debug, Clone)]
pub struct TracedClassificationOutput {
    /// Mean cross-entropy of the batch (`[1]`).
    pub loss: Tensor<1>,
    /// Logits (`[batch, classes]`).
    pub output: Tensor<2>,
    /// Labels (`[batch]`).
    pub targets: Tensor<1, Int>,
    /// The per-layer traces.
    pub layers: LayerTraces,
}

impl TracedClassificationOutput {
    /// A training step: the forward pass of `model` on `input` with its traces, the mean
    /// cross-entropy against `targets`, its backward pass, and the output with every tensor
    /// detached. What a `TrainStep` of a [`Layered`] classifier returns.
    pub fn train_step<M: Layered>(
        model: &M,
        input: Tensor<2>,
        targets: Tensor<1, Int>,
    ) -> TrainOutput<Self> {
        let (traces, logits) = model.forward_trace(input);
        let loss = cross_entropy(logits.clone(), targets.clone());
        let grads = loss.backward();
        let layers = LayerTraces::new(model, traces, Some(&grads));
        let item = Self {
            loss: loss.inner(),
            output: logits.inner(),
            targets: targets.inner(),
            layers,
        };
        TrainOutput::new(model, grads, item)
    }

    /// A validation step: the forward pass with its traces and the loss, no gradient.
    pub fn valid_step<M: Layered>(model: &M, input: Tensor<2>, targets: Tensor<1, Int>) -> Self {
        let (traces, logits) = model.forward_trace(input);
        let loss = cross_entropy(logits.clone(), targets.clone());
        Self {
            loss: loss.inner(),
            output: logits.inner(),
            targets: targets.inner(),
            layers: LayerTraces::new(model, traces, None),
        }
    }
}

/// Mean cross-entropy of `logits` `[batch, classes]` against `targets` `[batch]`: `−mean_i
/// log softmax(logits_i)[targets_i]`.
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [batch, _] = logits.dims();
    log_softmax(logits, 1)
        .gather(1, targets.reshape([batch, 1]))
        .mean()
        .neg()
}

impl ItemLazy for TracedClassificationOutput {
    fn sync(self) -> Result<Self, ExecutionError> {
        self.loss.device().flush()?;
        Ok(self)
    }
}

impl Adaptor<LossInput> for TracedClassificationOutput {
    fn adapt(&self) -> LossInput {
        LossInput::new(self.loss.clone())
    }
}

impl Adaptor<AccuracyInput> for TracedClassificationOutput {
    fn adapt(&self) -> AccuracyInput {
        AccuracyInput::new(self.output.clone(), self.targets.clone())
    }
}

impl Adaptor<LayerTraces> for TracedClassificationOutput {
    fn adapt(&self) -> LayerTraces {
        self.layers.clone()
    }
}

/// A classification batch: inputs `[batch, features]` and labels `[batch]`. The input of
/// [`LinearChain`]'s burn-train steps.
#[derive(Debug, Clone)]
pub struct ClassificationBatch {
    /// Inputs (`[batch, features]`).
    pub inputs: Tensor<2>,
    /// Labels (`[batch]`).
    pub targets: Tensor<1, Int>,
}

/// Implements burn-train's `TrainStep` and `InferenceStep` for a [`Layered`] model: its
/// training step on a [`ClassificationBatch`] is [`TracedClassificationOutput::train_step`], its
/// validation step [`TracedClassificationOutput::valid_step`], so `SupervisedTraining` trains it
/// with every [`LayerMetric`]. One line for a model of your crate (the orphan rule keeps the
/// library from implementing burn-train's traits for it):
///
/// ```text
/// burn_init::layered_train_steps!(MyModel);
/// ```
///
/// [`LinearChain`] has its steps from this macro.
#[macro_export]
macro_rules! layered_train_steps {
    ($model:ty) => {
        impl $crate::__private::TrainStep for $model {
            type Input = $crate::signal::metrics::ClassificationBatch;
            type Output = $crate::signal::metrics::TracedClassificationOutput;

            fn step(
                &self,
                batch: $crate::signal::metrics::ClassificationBatch,
            ) -> $crate::__private::TrainOutput<$crate::signal::metrics::TracedClassificationOutput>
            {
                $crate::signal::metrics::TracedClassificationOutput::train_step(
                    self,
                    batch.inputs,
                    batch.targets,
                )
            }
        }

        impl $crate::__private::InferenceStep for $model {
            type Input = $crate::signal::metrics::ClassificationBatch;
            type Output = $crate::signal::metrics::TracedClassificationOutput;

            fn step(
                &self,
                batch: $crate::signal::metrics::ClassificationBatch,
            ) -> $crate::signal::metrics::TracedClassificationOutput {
                $crate::signal::metrics::TracedClassificationOutput::valid_step(
                    self,
                    batch.inputs,
                    batch.targets,
                )
            }
        }
    };
}

crate::layered_train_steps!(LinearChain);

/// Registers [`LayerMetric`]s with a [`SupervisedTraining`]: `statistics` of hidden layers
/// `0..num_layers` on the training steps. A step output that implements `Adaptor<LayerTraces>`
/// ([`TracedClassificationOutput`] does) is all the model needs.
pub trait LayerMetricsExt: Sized {
    /// Adds one training metric per statistic and layer ([`LayerMetric::all`]).
    fn layer_metrics(self, num_layers: usize, statistics: &[LayerStatistic]) -> Self;
}

impl<M> LayerMetricsExt for SupervisedTraining<M>
where
    M: burn::train::LearnerModel,
    <M as TrainStep>::Output: Adaptor<LayerTraces>,
{
    fn layer_metrics(self, num_layers: usize, statistics: &[LayerStatistic]) -> Self {
        LayerMetric::all(num_layers, statistics)
            .into_iter()
            .fold(self, |training, metric| {
                training.metric_train_numeric(metric)
            })
    }
}

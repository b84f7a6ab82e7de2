//! Per-layer diagnostics: activation statistics, gradient norms, update ratios and symmetry.
//!
//! Everything is computed from one traced forward pass (and, for gradients, one backward pass)
//! with one read-back per layer, so it is cheap enough to record every epoch.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::layered::Layered;
use crate::scale::Nonlinearity;

/// A histogram with equal-width bins on `[low, high]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Left edge.
    pub low: f64,
    /// Right edge.
    pub high: f64,
    /// Counts per bin (values outside the range go to the first or last bin).
    pub counts: Vec<u64>,
}

impl Histogram {
    /// Bins `values` into `bins` equal bins on `[low, high]`.
    pub fn new(values: &[f32], bins: usize, low: f64, high: f64) -> Self {
        let bins = bins.max(1);
        let mut counts = vec![0u64; bins];
        let width = (high - low).max(f64::MIN_POSITIVE);
        for &v in values {
            let b = (((v as f64 - low) / width) * bins as f64).floor();
            counts[(b.max(0.0) as usize).min(bins - 1)] += 1;
        }
        Self { low, high, counts }
    }
}

/// Options of [`activation_stats`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticsConfig {
    /// Histogram bins.
    pub bins: usize,
    /// Histogram range; `None`: the activation's natural range (`[-1, 1]` for tanh, `[0, 1]` for
    /// sigmoid) or the data's min/max otherwise.
    pub range: Option<(f64, f64)>,
}

impl Default for DiagnosticsConfig {
    fn default() -> Self {
        Self {
            bins: 50,
            range: None,
        }
    }
}

/// Statistics of one hidden layer's activations on a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivationStats {
    /// Layer index (0 = first hidden layer).
    pub layer: usize,
    /// Mean of the activations.
    pub act_mean: f64,
    /// Standard deviation of the activations.
    pub act_std: f64,
    /// Minimum activation.
    pub act_min: f64,
    /// Maximum activation.
    pub act_max: f64,
    /// Standard deviation of the pre-activations.
    pub pre_std: f64,
    /// Fraction of pre-activations in the activation's flat parts, where its slope is below 10 %
    /// of its maximum (`|a| >` [`Nonlinearity::saturation_bound`]; 0 for activations without
    /// flat parts).
    pub saturated_fraction: f64,
    /// Fraction of units whose output is exactly 0 for the whole batch ("dead" ReLUs).
    pub dead_fraction: f64,
    /// Histogram of the activations.
    pub histogram: Histogram,
}

/// Mean, population std, min and max of `xs`.
pub fn summary(xs: &[f32]) -> (f64, f64, f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    let min = xs.iter().fold(f64::INFINITY, |m, &x| m.min(x as f64));
    let max = xs.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x as f64));
    (mean, var.sqrt(), min, max)
}

/// Fraction of saturated units: pre-activations `pre` (not activations) whose slope
/// `φ'(a)` is below 10 % of the activation's maximum slope, `|a| >`
/// [`Nonlinearity::saturation_bound`]. 0 for activations without flat parts.
pub fn saturated_fraction(activation: Nonlinearity, pre: &[f32]) -> f64 {
    let Some(bound) = activation.saturation_bound() else {
        return 0.0;
    };
    let n = pre.len().max(1) as f64;
    pre.iter().filter(|x| f64::from(x.abs()) > bound).count() as f64 / n
}

/// Fraction of columns (units) of a `[batch, width]` row-major matrix that are exactly 0 for
/// every row.
pub fn dead_fraction(xs: &[f32], width: usize) -> f64 {
    if width == 0 {
        return 0.0;
    }
    let rows = xs.len() / width;
    let dead = (0..width)
        .filter(|&j| (0..rows).all(|i| xs[i * width + j] == 0.0))
        .count();
    dead as f64 / width as f64
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

/// Activation statistics of every hidden layer of `model` on `input` (`[batch, d_in]`).
pub fn activation_stats<M: Layered>(
    model: &M,
    input: Tensor<2>,
    config: &DiagnosticsConfig,
) -> Vec<ActivationStats> {
    let (traces, _) = model.forward_trace(input);
    traces
        .into_iter()
        .enumerate()
        .map(|(layer, t)| {
            let act = model.activation(layer);
            let width = t.post.dims()[1];
            let pre = host(t.pre);
            let post = host(t.post);
            let (act_mean, act_std, act_min, act_max) = summary(&post);
            let (_, pre_std, _, _) = summary(&pre);
            let (low, high) = config.range.unwrap_or(match act {
                Nonlinearity::Tanh => (-1.0, 1.0),
                Nonlinearity::Sigmoid => (0.0, 1.0),
                _ if act_max > act_min => (act_min, act_max),
                _ => (act_min - 0.5, act_min + 0.5),
            });
            ActivationStats {
                layer,
                act_mean,
                act_std,
                act_min,
                act_max,
                pre_std,
                saturated_fraction: saturated_fraction(act, &pre),
                dead_fraction: dead_fraction(&post, width),
                histogram: Histogram::new(&post, config.bins, low, high),
            }
        })
        .collect()
}

/// Gradient statistics of one layer's weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradStats {
    /// Layer index (hidden layers `0..n`).
    pub layer: usize,
    /// ‖∂L/∂W‖₂ (Frobenius).
    pub grad_norm: f64,
    /// Mean |∂L/∂W|.
    pub mean_abs_grad: f64,
}

/// Gradient norms of every hidden layer's weight for the scalar `loss` computed from `model`
/// on an autodiff device. Layers without a gradient report 0.
pub fn gradient_stats<M: Layered>(model: &M, loss: Tensor<1>) -> Vec<GradStats> {
    let grads = loss.backward();
    (0..model.num_layers())
        .map(|layer| {
            let w = model.layer_weight(layer);
            match w.grad(&grads) {
                Some(g) => {
                    let v = host(g);
                    let n = v.len().max(1) as f64;
                    GradStats {
                        layer,
                        grad_norm: frobenius_norm(&v),
                        mean_abs_grad: v.iter().map(|&x| (x as f64).abs()).sum::<f64>() / n,
                    }
                }
                None => GradStats {
                    layer,
                    grad_norm: 0.0,
                    mean_abs_grad: 0.0,
                },
            }
        })
        .collect()
}

/// ‖W_after − W_before‖ / ‖W_before‖ per hidden layer (the update-to-weight ratio of a step).
pub fn update_ratios<M: Layered>(before: &M, after: &M) -> Vec<f64> {
    (0..before.num_layers())
        .map(|i| {
            update_ratio(
                &host(before.layer_weight(i).inner()),
                &host(after.layer_weight(i).inner()),
            )
        })
        .collect()
}

/// `‖x‖₂` of a host copy of a tensor (Frobenius for a matrix), summed in f64: the gradient norm
/// of [`gradient_stats`] and of the `grad-norm` training metric.
pub(super) fn frobenius_norm(xs: &[f32]) -> f64 {
    xs.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt()
}

/// `‖after − before‖ / ‖before‖` of two host copies of a weight (∞ when `before` is 0 and `after`
/// is not, 0 when both are): the ratio of [`update_ratios`] and of the `update-ratio` training
/// metric.
pub(super) fn update_ratio(before: &[f32], after: &[f32]) -> f64 {
    let diff = before
        .iter()
        .zip(after)
        .map(|(x, y)| ((y - x) as f64).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm = frobenius_norm(before);
    if norm > 0.0 {
        diff / norm
    } else if diff > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// How alike the neurons of a layer are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Symmetry {
    /// Layer index.
    pub layer: usize,
    /// Largest Euclidean distance between two neurons' incoming weight vectors (with bias).
    pub max_pairwise_distance: f64,
    /// Number of distinct neurons (vectors closer than `tol` count as one).
    pub distinct_neurons: usize,
    /// Width of the layer.
    pub width: usize,
}

/// Symmetry of every hidden layer: under constant initialization every neuron is the same
/// (`distinct_neurons == 1`), and gradient descent keeps them so.
pub fn symmetry<M: Layered>(model: &M, tol: f64) -> Vec<Symmetry> {
    (0..model.num_layers())
        .map(|layer| {
            let w = model.layer_weight(layer);
            let [d_in, width] = w.dims();
            let w = host(w.inner());
            let b = model.layer_bias(layer).map(|b| host(b.inner()));
            // Neuron j's incoming vector: column j of [d_in, width], plus its bias.
            let neuron = |j: usize| -> Vec<f64> {
                let mut v: Vec<f64> = (0..d_in).map(|i| w[i * width + j] as f64).collect();
                if let Some(b) = &b {
                    v.push(b[j] as f64);
                }
                v
            };
            let neurons: Vec<Vec<f64>> = (0..width).map(neuron).collect();
            let dist = |a: &[f64], b: &[f64]| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| (x - y).powi(2))
                    .sum::<f64>()
                    .sqrt()
            };
            let mut max_d: f64 = 0.0;
            let mut reps: Vec<usize> = Vec::new();
            for j in 0..width {
                for k in 0..j {
                    max_d = max_d.max(dist(&neurons[j], &neurons[k]));
                }
                if !reps.iter().any(|&r| dist(&neurons[r], &neurons[j]) <= tol) {
                    reps.push(j);
                }
            }
            Symmetry {
                layer,
                max_pairwise_distance: max_d,
                distinct_neurons: reps.len(),
                width,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::update_ratio;

    #[test]
    fn update_ratio_by_hand() {
        // ‖(3, 9) − (3, 4)‖ / ‖(3, 4)‖ = 5 / 5.
        assert_eq!(update_ratio(&[3.0, 4.0], &[3.0, 9.0]), 1.0);
        assert_eq!(update_ratio(&[2.0, 0.0], &[2.0, 1.0]), 0.5);
        assert_eq!(update_ratio(&[0.0, 0.0], &[0.0, 1.0]), f64::INFINITY);
        assert_eq!(update_ratio(&[0.0, 0.0], &[0.0, 0.0]), 0.0);
    }
}

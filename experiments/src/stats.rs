//! Per-layer statistics: activation mean/std, saturated and dead fractions, gradient norms.
//!
//! [`layer_diagnostics`] is the one entry point; the statistics themselves are
//! those of `burn_init::signal`.

use burn::tensor::{Int, Tensor};
use burn_init::Nonlinearity;
use burn_init::signal::{self as diagnostics, Layered};
use serde::{Deserialize, Serialize};

use crate::mlp::Mlp;
use crate::serde_nan;

/// Statistics of one hidden layer on one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerStats {
    /// Index of the hidden layer (0 = the first).
    pub layer: usize,
    /// Mean of the layer's activations `φ(x·W + b)` over the batch and the units.
    #[serde(with = "serde_nan")]
    pub act_mean: f64,
    /// Standard deviation of the activations over the batch and the units.
    #[serde(with = "serde_nan")]
    pub act_std: f64,
    /// Fraction of saturated units: pre-activations where the activation's slope is below 10 %
    /// of its maximum (tanh `|a| > 1.818`, sigmoid `|a| > 3.637`; see
    /// `burn_init::Nonlinearity::saturation_bound`); 0 for activations without flat parts (ReLU, …).
    #[serde(with = "serde_nan")]
    pub saturated_fraction: f64,
    /// Fraction of units whose activation is exactly 0 for every example of the batch (dead
    /// ReLUs; also units a zero initialization leaves at 0).
    #[serde(with = "serde_nan")]
    pub dead_fraction: f64,
    /// Frobenius norm of the gradient of the cross-entropy loss with respect to the layer's
    /// weight matrix.
    #[serde(with = "serde_nan")]
    pub grad_norm: f64,
    /// Number of distinct neurons (incoming weights and bias equal within 1e-6): 1 when a
    /// constant initialization has kept every unit the same (`burn_init::signal::symmetry`).
    #[serde(default)]
    pub distinct_neurons: usize,
}

/// Per-layer statistics of `model` on the batch `(x, y)`: one forward pass keeping every hidden
/// layer's activations, one backward pass of the cross-entropy loss for the gradient norms.
/// Nothing is updated. `model`, `x` and `y` must be on an autodiff device.
pub fn layer_diagnostics(model: &Mlp, x: Tensor<2>, y: Tensor<1, Int>) -> Vec<LayerStats> {
    let (traces, logits) = model.forward_trace(x);
    let loss = burn_init::signal::metrics::cross_entropy(logits, y);
    let grads = loss.backward();
    let activation = model.activation;
    let symmetry = diagnostics::symmetry(model, 1e-6);
    traces
        .into_iter()
        .enumerate()
        .map(|(layer, trace)| {
            let [_, units] = trace.post.dims();
            let host = |t: Tensor<2>| {
                t.inner()
                    .into_data()
                    .try_into_vec::<f32>()
                    .expect("f32 activations")
            };
            let (pre, post) = (host(trace.pre), host(trace.post));
            let grad_norm = model
                .layer_weight(layer)
                .grad(&grads)
                .map(|g| {
                    // Along dimensions: a whole-tensor `sum()` may use atomics on GPUs (order varies).
                    let s = g.square().sum_dim(1).sum_dim(0);
                    f64::from(s.sqrt().into_scalar::<f32>())
                })
                .unwrap_or(f64::NAN);
            let mut s = activation_stats(&pre, &post, units, activation);
            s.layer = layer;
            s.grad_norm = grad_norm;
            s.distinct_neurons = symmetry[layer].distinct_neurons;
            s
        })
        .collect()
}

/// Activation statistics of a `[batch, units]` row-major matrix of pre-activations `pre` and
/// activations `post` (the gradient norm is left NaN).
pub fn activation_stats(
    pre: &[f32],
    post: &[f32],
    units: usize,
    activation: Nonlinearity,
) -> LayerStats {
    let (mean, std, _, _) = diagnostics::summary(post);
    LayerStats {
        layer: 0,
        act_mean: mean,
        act_std: std,
        saturated_fraction: diagnostics::saturated_fraction(activation, pre),
        dead_fraction: diagnostics::dead_fraction(post, units),
        grad_norm: f64::NAN,
        distinct_neurons: 0,
    }
}

/// Number of distinct neurons of a layer with weight `w` (`[d_in, width]` row-major, Burn's
/// layout) and bias `b`: neuron `j`'s incoming vector is column `j` plus its bias, and a neuron
/// within Euclidean distance `tol` of an earlier representative counts as that one. The rule of
/// `burn_init::diagnostics::symmetry` on host slices (the same representatives, in the same
/// order; a distance stops being summed once it exceeds `tol`).
pub fn distinct_neurons(
    w: &[f32],
    b: Option<&[f32]>,
    d_in: usize,
    width: usize,
    tol: f64,
) -> usize {
    let tol2 = tol * tol;
    let close = |r: usize, j: usize| {
        let mut sum = 0.0f64;
        for i in 0..d_in {
            sum += (f64::from(w[i * width + r]) - f64::from(w[i * width + j])).powi(2);
            if sum > tol2 {
                return false;
            }
        }
        if let Some(b) = b {
            sum += (f64::from(b[r]) - f64::from(b[j])).powi(2);
        }
        sum.sqrt() <= tol
    };
    let mut reps: Vec<usize> = Vec::new();
    for j in 0..width {
        if !reps.iter().any(|&r| close(r, j)) {
            reps.push(j);
        }
    }
    reps.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_neurons_agrees_with_the_library() {
        use crate::mlp::MlpConfig;
        use burn::tensor::Device;
        use burn_init::{HostRng, Init, Source};
        let device = Device::flex();
        for init in [
            Init::GlorotUniform,
            Init::Constant(burn_init::Constant::new(0.3).unwrap()),
            Init::Zeros,
        ] {
            let model = MlpConfig::new(7, vec![6, 5], 3, Nonlinearity::Tanh, init)
                .init(Source::Host(HostRng::new(3)), &device)
                .unwrap();
            let lib = diagnostics::symmetry(&model, 1e-6);
            for (layer, sym) in lib.iter().enumerate() {
                let w = model.layer_weight(layer);
                let [d_in, width] = w.dims();
                let w = w.into_data().try_into_vec_as::<f32>().unwrap();
                let b = model
                    .layer_bias(layer)
                    .map(|b| b.into_data().try_into_vec_as::<f32>().unwrap());
                assert_eq!(
                    distinct_neurons(&w, b.as_deref(), d_in, width, 1e-6),
                    sym.distinct_neurons
                );
            }
        }
        // Two equal columns of three, one apart: 2 distinct.
        let w = [1.0f32, 1.0, 2.0, 0.5, 0.5, 0.5];
        assert_eq!(distinct_neurons(&w, None, 2, 3, 1e-6), 2);
        assert_eq!(distinct_neurons(&w, Some(&[0.0, 1.0, 0.0]), 2, 3, 1e-6), 3);
    }

    #[test]
    fn saturation_and_dead_units() {
        // 2 examples x 3 units; saturated: |a| > atanh(√0.9) ≈ 1.818 (tanh), 3.637 (sigmoid).
        let pre = [0.0f32, 3.0, -0.5, 0.0, -1.9, 0.2];
        let post: Vec<f32> = pre.iter().map(|a| a.tanh()).collect();
        let s = activation_stats(&pre, &post, 3, Nonlinearity::Tanh);
        assert_eq!(s.saturated_fraction, 2.0 / 6.0);
        assert_eq!(s.dead_fraction, 1.0 / 3.0);
        let pre = [-3.7f32, 0.0, 3.6, 0.0];
        let s = activation_stats(&pre, &[0.0; 4], 2, Nonlinearity::Sigmoid);
        assert_eq!(s.saturated_fraction, 0.25);
        let relu = [0.0, 1.0, 0.0, 3.0];
        let s = activation_stats(&relu, &relu, 2, Nonlinearity::Relu);
        assert_eq!(
            (s.saturated_fraction, s.dead_fraction, s.act_mean),
            (0.0, 0.5, 1.0)
        );
        assert!((s.act_std - (1.5f64).sqrt()).abs() < 1e-12);
    }
}

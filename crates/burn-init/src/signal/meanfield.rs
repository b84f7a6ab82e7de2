//! Mean-field predictions of how the variance of pre-activations evolves with depth
//! (Poole et al. 2016; Schoenholz et al. 2017).
//!
//! With weights of variance `σ_w²/fan_in` and biases of variance `σ_b²`, the pre-activation
//! variance of layer `l` of a wide network follows
//!
//! `q₁ = σ_w²·E[x²] + σ_b²`, `q_l = σ_w² · E[φ(√q_{l−1} z)²] + σ_b²`, `z ~ N(0, 1)`,
//!
//! in closed form for linear (`E[φ²] = q`) and ReLU (`q/2`), by quadrature otherwise. For a
//! linear network without bias it reduces to `Var(a_k) = (n·Var(w))^k · Var(x)`.

use serde::{Deserialize, Serialize};

use crate::scale::Nonlinearity;

/// One layer of a mean-field prediction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanFieldLayer {
    /// Layer index.
    pub layer: usize,
    /// Predicted pre-activation variance `q_l`.
    pub pre_variance: f64,
    /// Predicted activation mean `E[φ(h)]`.
    pub act_mean: f64,
    /// Predicted activation std `√Var[φ(h)]`.
    pub act_std: f64,
}

/// `E[f(√q z)]` for `z ~ N(0, 1)`, by composite Simpson on `[−10, 10]`.
pub fn gaussian_expectation(q: f64, f: impl Fn(f64) -> f64) -> f64 {
    let n = 4000; // even
    let (a, b) = (-10.0, 10.0);
    let h = (b - a) / n as f64;
    let s = q.max(0.0).sqrt();
    let pdf = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let g = |z: f64| f(s * z) * pdf(z);
    let mut sum = g(a) + g(b);
    for i in 1..n {
        let z = a + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * g(z);
    }
    sum * h / 3.0
}

/// `E[φ(√q z)²]`.
pub fn second_moment(activation: Nonlinearity, q: f64) -> f64 {
    match activation {
        Nonlinearity::Identity => q,
        Nonlinearity::Relu => q / 2.0,
        a => gaussian_expectation(q, |x| a.apply_scalar(x).powi(2)),
    }
}

/// Predicted per-layer statistics for `layers.len()` layers, where `layers[l] = (σ_w², σ_b²)` of
/// layer `l` (`σ_w² = fan_in · Var(w)`), and `input_second_moment = E[x²]` of the inputs.
pub fn mean_field(
    activation: Nonlinearity,
    layers: &[(f64, f64)],
    input_second_moment: f64,
) -> Vec<MeanFieldLayer> {
    let mut m2 = input_second_moment;
    layers
        .iter()
        .enumerate()
        .map(|(layer, &(sw2, sb2))| {
            let q = sw2 * m2 + sb2;
            m2 = second_moment(activation, q);
            let mean = match activation {
                Nonlinearity::Identity | Nonlinearity::Tanh => 0.0,
                Nonlinearity::Relu => (q / (2.0 * std::f64::consts::PI)).sqrt(),
                a => gaussian_expectation(q, |x| a.apply_scalar(x)),
            };
            MeanFieldLayer {
                layer,
                pre_variance: q,
                act_mean: mean,
                act_std: (m2 - mean * mean).max(0.0).sqrt(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_reduces_to_the_closed_form() {
        let (n, var_w, var_x) = (50.0, 0.03, 2.0);
        let p = mean_field(Nonlinearity::Identity, &[(n * var_w, 0.0); 5], var_x);
        for (k, l) in p.iter().enumerate() {
            let expected = (n * var_w).powi(k as i32 + 1) * var_x;
            assert!((l.pre_variance / expected - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn relu_closed_form_matches_quadrature() {
        let q = 1.7;
        let quad = gaussian_expectation(q, |x| x.max(0.0).powi(2));
        assert!((quad - q / 2.0).abs() < 1e-9, "{quad}");
        // He init keeps the ReLU variance constant: q₁ = 2·E[x²] = 2, then q = 2·q/2.
        let p = mean_field(Nonlinearity::Relu, &[(2.0, 0.0); 10], 1.0);
        assert!(p.iter().all(|l| (l.pre_variance - 2.0).abs() < 1e-12));
    }
}

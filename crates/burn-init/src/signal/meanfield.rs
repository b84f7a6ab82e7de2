//! Mean-field predictions of how the variance of pre-activations evolves with depth
//! (Poole et al. 2016; Schoenholz et al. 2017).
//!
//! With weights of variance `σ_w²/fan_in` and biases of variance `σ_b²`, the pre-activation
//! variance of layer `l` of a wide network follows
//!
//! `q₁ = σ_w²·E[x²] + σ_b²`, `q_l = σ_w² · E[φ(√q_{l−1} z)²] + σ_b²`, `z ~ N(0, 1)`,
//!
//! in closed form for linear (`E[φ²] = q`) and ReLU (`q/2`), by the crate's one Gaussian
//! quadrature otherwise ([`gaussian_mean`](super::gaussian_mean); the same as the criticality
//! theory's, [`criticality`](super::criticality)). For a
//! linear network without bias it reduces to `Var(a_k) = (n·Var(w))^k · Var(x)`.

use serde::{Deserialize, Serialize};

use super::gaussian::{mean, variance};
use crate::error::{InitError, Result};
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

/// `E[φ(√q z)²]`, `z ~ N(0, 1)`: `q` for the identity, `q/2` for ReLU, the crate's Gaussian
/// quadrature ([`gaussian_mean`](super::gaussian_mean)) otherwise.
///
/// # Errors
/// [`InitError::InvalidParameter`] naming `q` unless it is finite and `≥ 0`.
pub fn second_moment(activation: Nonlinearity, q: f64) -> Result<f64> {
    let q = variance("q", q)?;
    Ok(match activation {
        Nonlinearity::Identity => q,
        Nonlinearity::Relu => q / 2.0,
        a => mean(q, |x| a.apply_scalar(x).powi(2)),
    })
}

/// Predicted per-layer statistics for `layers.len()` layers, where `layers[l] = (σ_w², σ_b²)` of
/// layer `l` (`σ_w² = fan_in · Var(w)`), and `input_second_moment = E[x²]` of the inputs.
///
/// ```
/// use burn_init::Nonlinearity;
/// use burn_init::signal::mean_field;
/// // He initialization keeps ReLU's pre-activation variance at 2·E[x²].
/// let p = mean_field(Nonlinearity::Relu, &[(2.0, 0.0); 4], 1.0)?;
/// assert!(p.iter().all(|l| (l.pre_variance - 2.0).abs() < 1e-12));
/// # Ok::<(), burn_init::InitError>(())
/// ```
///
/// # Errors
/// [`InitError::InvalidParameter`] for a `σ_w²`, `σ_b²` or `E[x²]` that is negative or not
/// finite; [`InitError::NonFinite`] when a predicted variance overflows.
pub fn mean_field(
    activation: Nonlinearity,
    layers: &[(f64, f64)],
    input_second_moment: f64,
) -> Result<Vec<MeanFieldLayer>> {
    let mut m2 = variance("input_second_moment", input_second_moment)?;
    layers
        .iter()
        .enumerate()
        .map(|(layer, &(sw2, sb2))| {
            let q = variance("weight_variance", sw2)? * m2 + variance("bias_variance", sb2)?;
            if !q.is_finite() {
                return Err(InitError::NonFinite(format!(
                    "the mean-field variance of layer {layer}"
                )));
            }
            m2 = second_moment(activation, q)?;
            let act_mean = match activation {
                Nonlinearity::Identity | Nonlinearity::Tanh => 0.0,
                Nonlinearity::Relu => (q / (2.0 * std::f64::consts::PI)).sqrt(),
                a => mean(q, |x| a.apply_scalar(x)),
            };
            Ok(MeanFieldLayer {
                layer,
                pre_variance: q,
                act_mean,
                act_std: (m2 - act_mean * act_mean).max(0.0).sqrt(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::gaussian::tests::simpson_reference;
    use super::*;

    #[test]
    fn linear_reduces_to_the_closed_form() {
        let (n, var_w, var_x) = (50.0, 0.03, 2.0);
        let p = mean_field(Nonlinearity::Identity, &[(n * var_w, 0.0); 5], var_x).unwrap();
        for (k, l) in p.iter().enumerate() {
            let expected = (n * var_w).powi(k as i32 + 1) * var_x;
            assert!((l.pre_variance / expected - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn relu_closed_form_matches_quadrature() {
        let q = 1.7;
        let quad = mean(q, |x| x.max(0.0).powi(2));
        assert!((quad - q / 2.0).abs() < 1e-13, "{quad}");
        // He init keeps the ReLU variance constant: q₁ = 2·E[x²] = 2, then q = 2·q/2.
        let p = mean_field(Nonlinearity::Relu, &[(2.0, 0.0); 10], 1.0).unwrap();
        assert!(p.iter().all(|l| (l.pre_variance - 2.0).abs() < 1e-12));
    }

    #[test]
    fn tanh_prediction_matches_an_independent_rule() {
        // Iterate the variance map with the tests' Simpson rule, independently of the quadrature.
        let (sw2, sb2) = (1.5, 0.1);
        let p = mean_field(Nonlinearity::Tanh, &[(sw2, sb2); 6], 1.0).unwrap();
        let mut m2 = 1.0;
        for l in &p {
            let q = sw2 * m2 + sb2;
            assert!(
                (l.pre_variance - q).abs() < 1e-10,
                "{} vs {q}",
                l.pre_variance
            );
            m2 = simpson_reference(q, |x| x.tanh().powi(2));
            assert!((l.act_std - m2.sqrt()).abs() < 1e-9);
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let relu = Nonlinearity::Relu;
        for bad in [f64::NAN, f64::INFINITY, -1.0] {
            assert!(matches!(
                mean_field(relu, &[(bad, 0.0)], 1.0),
                Err(InitError::InvalidParameter {
                    field: "weight_variance",
                    ..
                })
            ));
            assert!(matches!(
                mean_field(relu, &[(1.0, bad)], 1.0),
                Err(InitError::InvalidParameter {
                    field: "bias_variance",
                    ..
                })
            ));
            assert!(matches!(
                mean_field(relu, &[(1.0, 0.0)], bad),
                Err(InitError::InvalidParameter {
                    field: "input_second_moment",
                    ..
                })
            ));
            assert!(second_moment(Nonlinearity::Tanh, bad).is_err());
        }
        assert!(matches!(
            mean_field(relu, &[(1e300, 0.0); 3], 1e300),
            Err(InitError::NonFinite(_))
        ));
    }
}

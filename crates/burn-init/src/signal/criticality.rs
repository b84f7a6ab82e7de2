//! Mean-field criticality: the order-to-chaos transition of deep random networks
//! (Poole et al. 2016; Schoenholz et al. 2017).
//!
//! A fully connected network with activation `φ`, weights `W_ij ~ N(0, σ_w²/fan_in)` and biases
//! `b_i ~ N(0, σ_b²)` sends its pre-activations `h^l = W^l φ(h^{l−1}) + b^l` through, in the limit of
//! infinite width, two deterministic maps ([`MeanField`]).
//!
//! * **Variance map** (the length of one input): with `z ~ N(0, 1)`,
//!
//!   `q_l = σ_w² E[φ(√q_{l−1} z)²] + σ_b²`,
//!
//!   whose stable fixed point is `q*` ([`MeanField::q_star`]).
//! * **Correlation map** (the angle between two inputs of equal length `q`): with
//!   `u₁ = √q z₁`, `u₂ = √q (c z₁ + √(1−c²) z₂)`, `z₁, z₂ ~ N(0, 1)` independent,
//!
//!   `c_l = (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q_l`.
//!
//!   At `q = q*` it maps `[−1, 1]` to itself and always has the fixed point `c = 1`; its stable
//!   fixed point is `c*` ([`MeanField::c_star`]).
//!
//! The slopes of the maps at their fixed points decide how fast deep networks forget their input:
//!
//! * `χ₁ = σ_w² E[φ'(√q* z)²]`, the slope of the correlation map at `c = 1` and the mean squared
//!   singular value of one layer's Jacobian;
//! * `χ_q = σ_w² E[φ'(√q* z)² + φ''(√q* z) φ(√q* z)]`, the slope of the variance map at `q*`
//!   (computed in the equivalent form `σ_w² E[z φ(√q* z) φ'(√q* z)] / √q*`, Stein's lemma, which
//!   needs no `φ''` and holds for the piecewise-linear activations as well);
//! * `χ_c = σ_w² E[φ'(u₁)φ'(u₂)]` at `(q*, c*)`, the slope of the correlation map at `c*`
//!   (Price's theorem; `χ_c = χ₁` when `c* = 1`);
//! * the depth scales `ξ_q = −1/ln χ_q` and `ξ_c = −1/ln χ_c`: near the fixed points,
//!   `|q_l − q*| ∝ e^{−l/ξ_q}` and `|c_l − c*| ∝ e^{−l/ξ_c}`.
//!
//! `χ₁ < 1` is the **ordered** phase (`c* = 1`: every pair of inputs becomes the same),
//! `χ₁ > 1` the **chaotic** phase (`c* < 1`: nearby inputs are pulled apart), and `χ₁ = 1` the
//! **critical** line ([`critical_weight_variance`]), where `ξ_c = ∞` and signals travel through any
//! depth. Schoenholz et al. find that random networks train only when their depth is below about
//! `6 ξ_c`.
//!
//! ```
//! use burn_init::Nonlinearity;
//! use burn_init::signal::criticality::{MeanField, Phase, critical_weight_variance};
//!
//! // tanh with σ_b² = 0.05: where is the edge of chaos?
//! let sw2 = critical_weight_variance(Nonlinearity::Tanh, 0.05)?;
//! assert!((1.7..1.8).contains(&sw2));
//! // Just below it the network is ordered, with a long correlation depth scale.
//! let net = MeanField::new(Nonlinearity::Tanh, 0.95 * sw2, 0.05)?;
//! let fp = net.analyze()?;
//! assert_eq!(fp.phase, Phase::Ordered);
//! assert_eq!(fp.c_star, 1.0);
//! assert!(fp.xi_c > 10.0);
//! // ReLU: χ₁ = σ_w²/2 whatever q is, so He initialization (σ_w² = 2) is critical.
//! assert!((critical_weight_variance(Nonlinearity::Relu, 0.0)? - 2.0).abs() < 1e-12);
//! # Ok::<(), burn_init::signal::criticality::CriticalityError>(())
//! ```
//!
//! **Numerics.** Every expectation is a composite Gauss–Legendre quadrature of
//! [`GL_ORDER`] nodes per panel over `z ∈ [−10, 10]` (the Gaussian mass outside is below
//! `2·10⁻²³`), on panels of width at most ½, refined geometrically towards the point where the
//! integrand changes fastest: `z = 0` for `φ(√q z)` (the kink of ReLU-like activations, the
//! `1/√q`-wide transition of tanh and sigmoid), and `z₂ = −c z₁/√(1−c²)` for the inner integral of
//! the two-dimensional expectations, which are nested one-dimensional ones. The kinks of ReLU,
//! leaky ReLU and SELU are panel boundaries, so their expectations are as accurate as smooth ones.
//! Against closed forms (ReLU's arc-cosine kernel, `erf`'s arcsine kernel, linear) the error is
//! below `10⁻¹²` (tested). Fixed points and the critical `σ_w²` are found by bracketing and the
//! Illinois variant of regula falsi, to a relative bracket of `10⁻¹⁴`.
//!
//! References: B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein, S. Ganguli, "Exponential
//! expressivity in deep neural networks through transient chaos", NeurIPS 2016;
//! S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep Information Propagation",
//! ICLR 2017; Y. Cho, L. K. Saul, "Kernel Methods for Deep Learning", NeurIPS 2009 (the ReLU
//! kernel); C. K. I. Williams, "Computing with Infinite Networks", NeurIPS 1997 (the `erf` kernel).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::scale::Nonlinearity;

/// Nodes per panel of the Gauss–Legendre quadrature.
pub const GL_ORDER: usize = 10;

/// Half-width of the integration range in units of the standard normal `z`.
const Z_MAX: f64 = 10.0;

/// Widest panel.
const PANEL: f64 = 0.5;

/// Relative bracket at which root finding stops.
const ROOT_TOL: f64 = 1e-14;

/// Largest variance the fixed-point search tries before it declares that the variance diverges.
pub const Q_MAX: f64 = 1e12;

/// `|χ₁ − 1|` at or below which a network counts as [`Phase::Critical`].
pub const CRITICAL_TOLERANCE: f64 = 1e-10;

/// What can go wrong in a mean-field computation.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CriticalityError {
    /// A parameter is out of its domain.
    #[error("invalid parameter `{field}` = {value}: {reason}")]
    InvalidParameter {
        /// Name of the parameter.
        field: &'static str,
        /// The value given.
        value: f64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// The variance map has no finite stable fixed point: `q_l` grows without bound (e.g. ReLU with
    /// `σ_w² > 2`, or `σ_w² = 2` with `σ_b² > 0`).
    #[error(
        "{activation:?} with σ_w² = {weight_variance}, σ_b² = {bias_variance}: no finite variance \
         fixed point (q_l grows without bound; q* = ∞)"
    )]
    NoFiniteFixedPoint {
        /// The activation.
        activation: Nonlinearity,
        /// `σ_w²`.
        weight_variance: f64,
        /// `σ_b²`.
        bias_variance: f64,
    },
    /// Every variance is a fixed point (`q_l = q_0` for every `q_0`: a positively homogeneous
    /// activation exactly at its critical `σ_w²` without bias, e.g. ReLU with `σ_w² = 2`,
    /// `σ_b² = 0`), so there is no single `q*`.
    #[error(
        "{activation:?} with σ_w² = {weight_variance}, σ_b² = 0: every variance is a fixed point \
         (the variance is preserved exactly); pass the input's variance instead"
    )]
    MarginalVariance {
        /// The activation.
        activation: Nonlinearity,
        /// `σ_w²`.
        weight_variance: f64,
    },
    /// The stable variance fixed point is `q* = 0` (the signal vanishes with depth), where the
    /// correlation between two inputs is undefined.
    #[error(
        "{activation:?} with σ_w² = {weight_variance}, σ_b² = 0: the signal vanishes (q* = 0), so \
         correlations between inputs are undefined"
    )]
    VanishingSignal {
        /// The activation.
        activation: Nonlinearity,
        /// `σ_w²`.
        weight_variance: f64,
    },
    /// `χ₁ = 1` has no solution `σ_w²` in the range searched.
    #[error("{activation:?} with σ_b² = {bias_variance}: no critical σ_w² ({reason})")]
    NoCriticalPoint {
        /// The activation.
        activation: Nonlinearity,
        /// `σ_b²`.
        bias_variance: f64,
        /// What the search found instead.
        reason: String,
    },
    /// A root could not be bracketed (should not happen for the activations of the library).
    #[error("root finding failed: {0}")]
    NoConvergence(String),
}

/// Shorthand for `Result<T, CriticalityError>`.
pub type Result<T, E = CriticalityError> = std::result::Result<T, E>;

fn check(field: &'static str, value: f64, ok: bool, reason: &'static str) -> Result<f64> {
    if value.is_finite() && ok {
        Ok(value)
    } else {
        Err(CriticalityError::InvalidParameter {
            field,
            value,
            reason,
        })
    }
}

/// [`check`] for a quantity that must be finite and `>= 0` (a variance, a length).
fn non_negative(field: &'static str, value: f64) -> Result<f64> {
    check(field, value, value >= 0.0, "must be finite and >= 0")
}

/// [`check`] for a correlation, which must lie in `[-1, 1]`.
fn correlation(field: &'static str, value: f64) -> Result<f64> {
    check(
        field,
        value,
        (-1.0..=1.0).contains(&value),
        "must be in [-1, 1]",
    )
}

/// The phase of a random network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// `χ₁ < 1`: correlations converge to `c* = 1`; gradients vanish.
    Ordered,
    /// `|χ₁ − 1| ≤` [`CRITICAL_TOLERANCE`]: the edge of chaos.
    Critical,
    /// `χ₁ > 1`: correlations converge to `c* < 1`; gradients explode.
    Chaotic,
}

impl Phase {
    /// The phase of a network whose `χ₁` is `chi_1`.
    pub fn of(chi_1: f64) -> Self {
        if (chi_1 - 1.0).abs() <= CRITICAL_TOLERANCE {
            Self::Critical
        } else if chi_1 < 1.0 {
            Self::Ordered
        } else {
            Self::Chaotic
        }
    }

    /// `ordered`, `critical`, `chaotic`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ordered => "ordered",
            Self::Critical => "critical",
            Self::Chaotic => "chaotic",
        }
    }
}

/// Everything about the fixed points of one network ([`MeanField::analyze`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FixedPoints {
    /// `q*`, the stable fixed point of the variance map.
    pub q_star: f64,
    /// `c*`, the stable fixed point of the correlation map at `q*` (1 in the ordered phase).
    pub c_star: f64,
    /// `χ₁ = σ_w² E[φ'(√q* z)²]`.
    pub chi_1: f64,
    /// `χ_q`, the slope of the variance map at `q*`.
    pub chi_q: f64,
    /// `χ_c = σ_w² E[φ'(u₁)φ'(u₂)]` at `(q*, c*)`.
    pub chi_c: f64,
    /// `ξ_q = −1/ln χ_q` (∞ when `χ_q ≥ 1`).
    pub xi_q: f64,
    /// `ξ_c = −1/ln χ_c` (∞ when `χ_c ≥ 1`, i.e. on the critical line).
    pub xi_c: f64,
    /// The phase, from `χ₁`.
    pub phase: Phase,
}

/// One layer of a mean-field trajectory ([`MeanField::trajectory`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LayerState {
    /// Pre-activation variance `q_l` of each of the two inputs.
    pub q: f64,
    /// Correlation `c_l` of their pre-activations.
    pub c: f64,
}

/// A random network in the mean-field limit: activation `φ`, weight variance `σ_w²` (each weight
/// `~ N(0, σ_w²/fan_in)`) and bias variance `σ_b²`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanField {
    activation: Nonlinearity,
    weight_variance: f64,
    bias_variance: f64,
}

impl MeanField {
    /// A network with activation `activation`, `σ_w² = weight_variance` and
    /// `σ_b² = bias_variance`.
    ///
    /// # Errors
    /// [`CriticalityError::InvalidParameter`] unless `σ_w² > 0` and `σ_b² ≥ 0` are finite.
    pub fn new(activation: Nonlinearity, weight_variance: f64, bias_variance: f64) -> Result<Self> {
        check(
            "weight_variance",
            weight_variance,
            weight_variance > 0.0,
            "must be finite and > 0",
        )?;
        non_negative("bias_variance", bias_variance)?;
        Ok(Self {
            activation,
            weight_variance,
            bias_variance,
        })
    }

    /// The activation.
    pub fn activation(&self) -> Nonlinearity {
        self.activation
    }

    /// `σ_w²`.
    pub fn weight_variance(&self) -> f64 {
        self.weight_variance
    }

    /// `σ_b²`.
    pub fn bias_variance(&self) -> f64 {
        self.bias_variance
    }

    fn phi(&self) -> impl Fn(f64) -> f64 + Copy {
        let a = self.activation;
        move |x| a.apply_scalar(x)
    }

    fn dphi(&self) -> impl Fn(f64) -> f64 + Copy {
        let a = self.activation;
        move |x| a.derivative_scalar(x)
    }

    /// The variance map `q ↦ σ_w² E[φ(√q z)²] + σ_b²`.
    ///
    /// # Errors
    /// [`CriticalityError::InvalidParameter`] unless `q ≥ 0` is finite.
    pub fn variance_map(&self, q: f64) -> Result<f64> {
        non_negative("q", q)?;
        Ok(self.variance_map_unchecked(q))
    }

    fn variance_map_unchecked(&self, q: f64) -> f64 {
        let phi = self.phi();
        self.weight_variance * gaussian_mean(q, |x| phi(x) * phi(x)) + self.bias_variance
    }

    /// One layer of the joint map of two inputs whose pre-activations both have variance `q` and
    /// correlation `c`: returns `(q', c')` with `q' = σ_w² E[φ(u₁)²] + σ_b²` and
    /// `c' = (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q'`.
    ///
    /// # Errors
    /// [`CriticalityError::InvalidParameter`] unless `q ≥ 0` and `c ∈ [−1, 1]`;
    /// [`CriticalityError::VanishingSignal`] when `q' = 0` (no bias, `φ(0) = 0`, `q = 0`).
    pub fn step(&self, q: f64, c: f64) -> Result<LayerState> {
        non_negative("q", q)?;
        correlation("c", c)?;
        let q_next = self.variance_map_unchecked(q);
        if q_next <= 0.0 {
            return Err(self.vanishing());
        }
        let phi = self.phi();
        let cov = self.weight_variance * gaussian_pair_mean(q, c, phi, phi) + self.bias_variance;
        Ok(LayerState {
            q: q_next,
            c: (cov / q_next).clamp(-1.0, 1.0),
        })
    }

    /// The mean-field prediction for `layers` layers, starting from the first layer's
    /// pre-activations (`q₁ = q1`, `c₁ = c1`): element `l` is layer `l + 1`, element 0 is
    /// `(q1, c1)` itself. For inputs `x_a`, `x_b` of width `n₀`, `q₁ = σ_w² |x_a|²/n₀ + σ_b²`
    /// and `c₁ = (σ_w² x_a·x_b/n₀ + σ_b²)/q₁`.
    ///
    /// # Errors
    /// As [`step`](Self::step).
    pub fn trajectory(&self, q1: f64, c1: f64, layers: usize) -> Result<Vec<LayerState>> {
        non_negative("q1", q1)?;
        correlation("c1", c1)?;
        let mut out = Vec::with_capacity(layers);
        let mut s = LayerState { q: q1, c: c1 };
        for _ in 0..layers {
            out.push(s);
            s = self.step(s.q, s.c)?;
        }
        Ok(out)
    }

    fn vanishing(&self) -> CriticalityError {
        CriticalityError::VanishingSignal {
            activation: self.activation,
            weight_variance: self.weight_variance,
        }
    }

    fn diverging(&self) -> CriticalityError {
        CriticalityError::NoFiniteFixedPoint {
            activation: self.activation,
            weight_variance: self.weight_variance,
            bias_variance: self.bias_variance,
        }
    }

    /// `q*`: the stable fixed point of the variance map, reached from small variances. `Ok(0.0)`
    /// when the signal vanishes (no bias, `φ(0) = 0` and `σ_w² φ'(0)² ≤ 1`, e.g. tanh with
    /// `σ_w² ≤ 1`, ReLU with `σ_w² < 2`).
    ///
    /// Found as the first sign change of `q ↦ σ_w² E[φ(√q z)²] + σ_b² − q` on `q = 1, 2, 4, …`
    /// (or `1, ½, ¼, …` when it is negative at 1), refined by regula falsi (Illinois) to a relative
    /// bracket of `10⁻¹⁴`.
    ///
    /// # Errors
    /// [`CriticalityError::NoFiniteFixedPoint`] when the variance grows without bound (no sign
    /// change below [`Q_MAX`]); [`CriticalityError::MarginalVariance`] when every `q` is a fixed
    /// point.
    pub fn q_star(&self) -> Result<f64> {
        let g = |q: f64| self.variance_map_unchecked(q) - q;
        // A point below the first positive root (g > 0).
        let lo = if g(0.0) > 0.0 {
            0.0
        } else {
            // φ(0) = 0 and σ_b² = 0: q = 0 is a fixed point, attracting when the slope of the map
            // there, σ_w² E[φ'(0±)²], is below 1.
            let slope0 = self.chi_1_at(0.0);
            let g1 = g(1.0);
            if (slope0 - 1.0).abs() <= 1e-12 && g1.abs() <= 1e-12 * self.weight_variance {
                return Err(CriticalityError::MarginalVariance {
                    activation: self.activation,
                    weight_variance: self.weight_variance,
                });
            }
            if slope0 <= 1.0 && g1 < 0.0 {
                return Ok(0.0);
            }
            let mut q = 1.0;
            while g(q) <= 0.0 {
                q *= 0.5;
                if q < 1e-150 {
                    return Ok(0.0);
                }
            }
            q
        };
        // A point above it (g < 0).
        let mut hi = 1.0f64.max(2.0 * lo);
        while g(hi) >= 0.0 {
            hi *= 2.0;
            if hi > Q_MAX {
                return Err(self.diverging());
            }
        }
        illinois(g, lo, hi)
    }

    /// `χ₁ = σ_w² E[φ'(√q* z)²]`: the slope of the correlation map at `c = 1`, the mean squared
    /// singular value of a layer's input-output Jacobian.
    ///
    /// # Errors
    /// As [`q_star`](Self::q_star).
    pub fn chi_1(&self) -> Result<f64> {
        Ok(self.chi_1_at(self.q_star()?))
    }

    fn chi_1_at(&self, q: f64) -> f64 {
        let d = self.dphi();
        self.weight_variance * gaussian_mean(q, |x| d(x) * d(x))
    }

    /// `χ_q`: the slope of the variance map at `q*`,
    /// `σ_w² E[φ'(√q* z)² + φ''(√q* z)φ(√q* z)] = σ_w² E[z φ(√q* z) φ'(√q* z)]/√q*` (Stein's
    /// lemma; the second form needs no `φ''`). At `q* = 0` it is the limit `χ₁`.
    ///
    /// # Errors
    /// As [`q_star`](Self::q_star).
    pub fn chi_q(&self) -> Result<f64> {
        Ok(self.chi_q_at(self.q_star()?))
    }

    fn chi_q_at(&self, q: f64) -> f64 {
        if q == 0.0 {
            return self.chi_1_at(0.0);
        }
        let (phi, d) = (self.phi(), self.dphi());
        let s = q.sqrt();
        self.weight_variance * gaussian_mean(q, |x| x / s * phi(x) * d(x)) / s
    }

    /// The correlation map at `q*`: `c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q*`, with
    /// `u₁ = √q* z₁`, `u₂ = √q* (c z₁ + √(1−c²) z₂)`.
    ///
    /// # Errors
    /// [`CriticalityError::InvalidParameter`] unless `c ∈ [−1, 1]`; those of
    /// [`q_star`](Self::q_star); [`CriticalityError::VanishingSignal`] when `q* = 0`.
    pub fn correlation_map(&self, c: f64) -> Result<f64> {
        correlation("c", c)?;
        let q = self.q_star_positive()?;
        Ok(self.c_map(q, c))
    }

    fn q_star_positive(&self) -> Result<f64> {
        let q = self.q_star()?;
        if q > 0.0 {
            Ok(q)
        } else {
            Err(self.vanishing())
        }
    }

    fn c_map(&self, q: f64, c: f64) -> f64 {
        let phi = self.phi();
        (self.weight_variance * gaussian_pair_mean(q, c, phi, phi) + self.bias_variance) / q
    }

    /// The slope of the correlation map at `c`, `σ_w² E[φ'(u₁)φ'(u₂)]` at `q*`.
    ///
    /// # Errors
    /// As [`correlation_map`](Self::correlation_map).
    pub fn correlation_slope(&self, c: f64) -> Result<f64> {
        correlation("c", c)?;
        let q = self.q_star_positive()?;
        Ok(self.c_slope(q, c))
    }

    fn c_slope(&self, q: f64, c: f64) -> f64 {
        let d = self.dphi();
        self.weight_variance * gaussian_pair_mean(q, c, d, d)
    }

    /// `c*`: the stable fixed point of the correlation map. 1 when `χ₁ ≤ 1` (ordered or critical);
    /// otherwise the fixed point in `(−1, 1)` (found by bracketing between `−1 + δ` and `1 − δ`,
    /// `δ = 10⁻¹ … 10⁻¹⁰`, and regula falsi). On the chaotic side within about `10⁻⁹` of the
    /// critical line `c*` is within `10⁻¹⁰` of 1, closer than the quadrature can separate, and 1 is
    /// returned.
    ///
    /// # Errors
    /// As [`correlation_map`](Self::correlation_map).
    pub fn c_star(&self) -> Result<f64> {
        let q = self.q_star_positive()?;
        self.c_star_at(q, self.chi_1_at(q))
    }

    fn c_star_at(&self, q: f64, chi_1: f64) -> Result<f64> {
        if chi_1 <= 1.0 {
            return Ok(1.0);
        }
        let h = |c: f64| self.c_map(q, c) - c;
        let mut delta = 0.1;
        let hi = loop {
            let hi = 1.0 - delta;
            if h(hi) < 0.0 {
                break hi;
            }
            delta *= 0.1;
            if delta < 1e-10 {
                return Ok(1.0);
            }
        };
        let lo = -1.0 + delta;
        if h(lo) < 0.0 {
            return Err(CriticalityError::NoConvergence(format!(
                "correlation map of {:?} (σ_w² = {}, σ_b² = {}): no sign change in [{lo}, {hi}]",
                self.activation, self.weight_variance, self.bias_variance
            )));
        }
        illinois(h, lo, hi)
    }

    /// `χ_c`: the slope of the correlation map at `c*` (`χ₁` when `c* = 1`).
    ///
    /// # Errors
    /// As [`c_star`](Self::c_star).
    pub fn chi_c(&self) -> Result<f64> {
        Ok(self.analyze()?.chi_c)
    }

    /// `ξ_c = −1/ln χ_c`, the depth over which correlations approach `c*` (∞ on the critical
    /// line).
    ///
    /// # Errors
    /// As [`c_star`](Self::c_star).
    pub fn xi_c(&self) -> Result<f64> {
        Ok(self.analyze()?.xi_c)
    }

    /// `ξ_q = −1/ln χ_q`, the depth over which the variance approaches `q*`.
    ///
    /// # Errors
    /// As [`q_star`](Self::q_star).
    pub fn xi_q(&self) -> Result<f64> {
        Ok(depth_scale(self.chi_q()?))
    }

    /// The phase, from `χ₁` ([`Phase::of`]).
    ///
    /// # Errors
    /// As [`q_star`](Self::q_star).
    pub fn phase(&self) -> Result<Phase> {
        Ok(Phase::of(self.chi_1()?))
    }

    /// Every fixed-point quantity at once (`q*` is computed once).
    ///
    /// # Errors
    /// As [`c_star`](Self::c_star).
    pub fn analyze(&self) -> Result<FixedPoints> {
        let q = self.q_star_positive()?;
        let chi_1 = self.chi_1_at(q);
        let chi_q = self.chi_q_at(q);
        let c_star = self.c_star_at(q, chi_1)?;
        let chi_c = if c_star >= 1.0 {
            chi_1
        } else {
            self.c_slope(q, c_star)
        };
        Ok(FixedPoints {
            q_star: q,
            c_star,
            chi_1,
            chi_q,
            chi_c,
            xi_q: depth_scale(chi_q),
            xi_c: depth_scale(chi_c),
            phase: Phase::of(chi_1),
        })
    }
}

/// `−1/ln χ` for `χ ∈ (0, 1)`; ∞ for `χ ≥ 1`; 0 for `χ ≤ 0`.
pub fn depth_scale(chi: f64) -> f64 {
    if chi >= 1.0 {
        f64::INFINITY
    } else if chi <= 0.0 {
        0.0
    } else {
        -1.0 / chi.ln()
    }
}

/// The critical weight variance: the `σ_w²` at which `χ₁ = σ_w² E[φ'(√q* z)²] = 1` for bias
/// variance `σ_b² = bias_variance`, `q*` being that network's variance fixed point.
///
/// For positively homogeneous activations (ReLU, leaky ReLU, identity) `χ₁ = σ_w² E[φ'(z)²]` does
/// not depend on `q`, so the answer is `1/E[φ'(z)²]` for every `σ_b²` (2 for ReLU, 1 for the
/// identity); with `σ_b² > 0` these networks then have no finite `q*` (the variance grows by
/// `σ_b²` per layer). For the others `σ_w²` is scanned geometrically (ratio 1.25) from `10⁻²` to
/// `10⁴` for the first sign change of `χ₁ − 1`, which is then refined by regula falsi (Illinois) to
/// a relative bracket of `10⁻¹⁴`; with `χ₁` accurate to about `10⁻¹³`, the result is accurate to
/// about `10⁻¹²` relative (tested against a finer quadrature).
///
/// ```
/// use burn_init::Nonlinearity;
/// use burn_init::signal::criticality::critical_weight_variance;
///
/// // Without bias, tanh is critical at σ_w² = 1 (where q* becomes 0).
/// assert!((critical_weight_variance(Nonlinearity::Tanh, 0.0)? - 1.0).abs() < 1e-6);
/// # Ok::<(), burn_init::signal::criticality::CriticalityError>(())
/// ```
///
/// # Errors
/// [`CriticalityError::InvalidParameter`] for a negative or non-finite `σ_b²`;
/// [`CriticalityError::NoCriticalPoint`] when `χ₁ − 1` does not change sign in the range.
pub fn critical_weight_variance(activation: Nonlinearity, bias_variance: f64) -> Result<f64> {
    non_negative("bias_variance", bias_variance)?;
    if matches!(
        activation,
        Nonlinearity::Relu | Nonlinearity::LeakyRelu(_) | Nonlinearity::Identity
    ) {
        let m = gaussian_mean(1.0, |x| activation.derivative_scalar(x).powi(2));
        return Ok(1.0 / m);
    }
    let f = |sw2: f64| -> Result<f64> {
        let net = MeanField::new(activation, sw2, bias_variance)?;
        Ok(net.chi_1()? - 1.0)
    };
    let no = |reason: String| CriticalityError::NoCriticalPoint {
        activation,
        bias_variance,
        reason,
    };
    let mut lo = 1e-2;
    if f(lo)? >= 0.0 {
        return Err(no(format!("χ₁ ≥ 1 already at σ_w² = {lo}")));
    }
    loop {
        let hi = lo * 1.25;
        if hi > 1e4 {
            return Err(no("χ₁ < 1 for every σ_w² up to 10⁴".into()));
        }
        let f_hi = match f(hi) {
            Ok(v) => v,
            Err(CriticalityError::NoFiniteFixedPoint { .. }) => {
                return Err(no(format!(
                    "χ₁ < 1 up to σ_w² = {lo}, beyond which q* is infinite"
                )));
            }
            Err(e) => return Err(e),
        };
        if f_hi >= 0.0 {
            // f is continuous in σ_w²; errors inside the bracket cannot occur (q* exists at both
            // ends and in between), but are passed on if they do.
            let mut err = None;
            let root = illinois(
                |s| match f(s) {
                    Ok(v) => v,
                    Err(e) => {
                        err.get_or_insert(e);
                        0.0
                    }
                },
                lo,
                hi,
            )?;
            return match err {
                Some(e) => Err(e),
                None => Ok(root),
            };
        }
        lo = hi;
    }
}

/// The root of `f` in `[lo, hi]`, where `f(lo)` and `f(hi)` have opposite signs (or one is 0):
/// regula falsi with the Illinois modification, to a relative bracket of `10⁻¹⁴`.
fn illinois(mut f: impl FnMut(f64) -> f64, lo: f64, hi: f64) -> Result<f64> {
    let (mut a, mut b) = (lo, hi);
    let (mut fa, mut fb) = (f(a), f(b));
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    if fa.signum() == fb.signum() {
        return Err(CriticalityError::NoConvergence(format!(
            "no sign change in [{lo}, {hi}]"
        )));
    }
    let mut side = 0i8;
    for _ in 0..200 {
        if (b - a).abs() <= ROOT_TOL * a.abs().max(b.abs()).max(1e-300) {
            break;
        }
        let mut c = (a * fb - b * fa) / (fb - fa);
        if !(c > a.min(b) && c < a.max(b)) {
            c = 0.5 * (a + b);
        }
        let fc = f(c);
        if fc == 0.0 {
            return Ok(c);
        }
        if fc.signum() == fb.signum() {
            b = c;
            fb = fc;
            if side == -1 {
                fa *= 0.5;
            }
            side = -1;
        } else {
            a = c;
            fa = fc;
            if side == 1 {
                fb *= 0.5;
            }
            side = 1;
        }
    }
    Ok(if fa.abs() < fb.abs() { a } else { b })
}

// ---------------------------------------------------------------------------------------------
// Quadrature.

/// Gauss–Legendre nodes and weights of order `n` on `[−1, 1]` (Newton's method on the Legendre
/// polynomial `P_n` from the Chebyshev-like initial guesses; exact for polynomials of degree
/// `2n − 1`).
fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n.div_ceil(2) {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 1..n {
                let p2 = ((2 * k + 1) as f64 * x * p1 - k as f64 * p0) / (k + 1) as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        out.push((x, w));
        if 2 * i + 1 != n {
            out.push((-x, w));
        }
    }
    out
}

fn rule() -> &'static [(f64, f64)] {
    static RULE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    RULE.get_or_init(|| gauss_legendre(GL_ORDER))
}

const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Panel boundaries on `[−Z_MAX, Z_MAX]`: uniform panels of width [`PANEL`], plus a geometric
/// refinement around `centre` (boundaries at `centre ± δ·2^k` while `δ·2^k < PANEL`), so that
/// every panel near `centre` is no wider than its distance to it.
fn mesh(centre: f64, delta: f64, out: &mut Vec<f64>) {
    out.clear();
    let n = (2.0 * Z_MAX / PANEL).round() as usize;
    out.extend((0..=n).map(|k| -Z_MAX + k as f64 * PANEL));
    if centre > -Z_MAX && centre < Z_MAX {
        out.push(centre);
        let mut d = delta.min(PANEL);
        while d < PANEL {
            for p in [centre - d, centre + d] {
                if p > -Z_MAX && p < Z_MAX {
                    out.push(p);
                }
            }
            d *= 2.0;
        }
    }
    out.sort_by(f64::total_cmp);
    out.dedup_by(|a, b| (*a - *b).abs() <= 1e-15);
}

/// `∫ f(z) φ_N(z) dz` over the mesh, `φ_N` the standard normal density.
fn integrate(bounds: &[f64], mut f: impl FnMut(f64) -> f64) -> f64 {
    let rule = rule();
    let mut sum = 0.0;
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
        let mut s = 0.0;
        for &(x, wt) in rule {
            let z = mid + half * x;
            s += wt * f(z) * (-0.5 * z * z).exp();
        }
        sum += s * half;
    }
    sum * INV_SQRT_2PI
}

/// The refinement width for `φ(√q z)`: `1/√q` (the width of tanh's or sigmoid's transition),
/// at most a panel.
fn feature_width(q: f64) -> f64 {
    if q > 0.0 {
        (1.0 / q.sqrt()).min(PANEL)
    } else {
        PANEL
    }
}

/// `E[f(√q z)]`, `z ~ N(0, 1)`. At `q = 0` the limit `q → 0⁺`: the mean of `f(0⁺)` and `f(0⁻)`
/// (which is `f(0)` for continuous `f`, and `½` for ReLU's derivative).
pub fn gaussian_mean(q: f64, f: impl Fn(f64) -> f64) -> f64 {
    if q == 0.0 {
        return 0.5 * (f(f64::MIN_POSITIVE) + f(-f64::MIN_POSITIVE));
    }
    let s = q.sqrt();
    let mut bounds = Vec::new();
    mesh(0.0, feature_width(q), &mut bounds);
    integrate(&bounds, |z| f(s * z))
}

/// `E[f(u₁) g(u₂)]` with `u₁ = √q z₁`, `u₂ = √q (c z₁ + √(1−c²) z₂)`: a Gaussian pair of variance
/// `q` and correlation `c` (clamped to `[−1, 1]`). Nested one-dimensional quadratures; the inner
/// mesh is refined around `z₂ = −c z₁/√(1−c²)` (where `u₂ = 0`), the outer one around `z₁ = 0`.
/// At `q = 0`, the limit `f(0)·g(0)` (averaged over the one-sided limits, as [`gaussian_mean`]).
pub fn gaussian_pair_mean(q: f64, c: f64, f: impl Fn(f64) -> f64, g: impl Fn(f64) -> f64) -> f64 {
    let c = c.clamp(-1.0, 1.0);
    if q == 0.0 {
        let t = f64::MIN_POSITIVE;
        let sgn = if c < 0.0 { -1.0 } else { 1.0 };
        return 0.5 * (f(t) * g(sgn * t) + f(-t) * g(-sgn * t));
    }
    let s = (1.0 - c * c).max(0.0).sqrt();
    let sq = q.sqrt();
    if s == 0.0 {
        return gaussian_mean(q, |u| f(u) * g(c * u));
    }
    // The inner integral, as a function of z₁, is smooth on the scale s/|c| (it is g smoothed by a
    // Gaussian of width √q·s): refine the outer mesh to that width too.
    let outer_delta = feature_width(q).min(if c != 0.0 { s / c.abs() } else { PANEL });
    let inner_delta = (1.0 / (sq * s)).min(PANEL);
    let mut outer = Vec::new();
    mesh(0.0, outer_delta, &mut outer);
    let mut inner = Vec::new();
    integrate(&outer, |z1| {
        let fu = f(sq * z1);
        if fu == 0.0 {
            return 0.0;
        }
        mesh(-c * z1 / s, inner_delta, &mut inner);
        let a = sq * c * z1;
        fu * integrate(&inner, |z2| g(a + sq * s * z2))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{HostRng, open_unit_f64};
    use std::f64::consts::PI;

    /// ReLU's arc-cosine kernel (Cho & Saul 2009): `E[relu(u₁)relu(u₂)]`.
    fn relu_kernel(q: f64, c: f64) -> f64 {
        q / (2.0 * PI) * ((1.0 - c * c).sqrt() + (PI - c.acos()) * c)
    }

    /// `erf`'s arcsine kernel (Williams 1997): `E[erf(u₁)erf(u₂)] = 2/π·asin(2qc/(1+2q))`.
    fn erf_kernel(q: f64, c: f64) -> f64 {
        2.0 / PI * (2.0 * q * c / (1.0 + 2.0 * q)).asin()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        for n in [2, 5, GL_ORDER, 16] {
            let r = gauss_legendre(n);
            assert_eq!(r.len(), n);
            for k in 0..2 * n {
                let quad: f64 = r.iter().map(|&(x, w)| w * x.powi(k as i32)).sum();
                let exact = if k % 2 == 1 {
                    0.0
                } else {
                    2.0 / (k + 1) as f64
                };
                assert!(
                    (quad - exact).abs() < 1e-14,
                    "n {n}, x^{k}: {quad} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn one_dimensional_expectations_match_closed_forms_and_simpson() {
        // Gaussian moments.
        for q in [1e-6, 0.3, 1.0, 7.0, 250.0] {
            assert!(close(gaussian_mean(q, |x| x * x), q, 1e-13));
            assert!(close(gaussian_mean(q, |x| x.powi(4)), 3.0 * q * q, 1e-13));
            // E[relu(u)²] = q/2 and E[relu(u)] = √(q/2π): the kink at 0 is a panel boundary.
            assert!(close(
                gaussian_mean(q, |x| x.max(0.0).powi(2)),
                q / 2.0,
                1e-13
            ));
            assert!(close(
                gaussian_mean(q, |x| x.max(0.0)),
                (q / (2.0 * PI)).sqrt(),
                1e-13
            ));
            // E[erf(u)²] = 2/π asin(2q/(1+2q)).
            let e = gaussian_mean(q, |x| libm::erf(x).powi(2));
            assert!(close(e, erf_kernel(q, 1.0), 1e-12), "q {q}: {e}");
        }
        // An independent quadrature (the mean-field module's composite Simpson) for tanh.
        for q in [0.1, 1.0, 3.0] {
            let ours = gaussian_mean(q, |x| x.tanh().powi(2));
            let simpson = super::super::meanfield::gaussian_expectation(q, |x| x.tanh().powi(2));
            assert!((ours - simpson).abs() < 1e-10, "q {q}: {ours} vs {simpson}");
        }
        // The q → 0 limit of a step: ½.
        assert_eq!(gaussian_mean(0.0, |x| f64::from(u8::from(x > 0.0))), 0.5);
    }

    #[test]
    fn two_dimensional_expectations_match_closed_forms() {
        for q in [0.05, 1.0, 4.0, 60.0] {
            for c in [-1.0, -0.7, -0.2, 0.0, 0.3, 0.9, 0.999, 0.999_999, 1.0] {
                let relu = gaussian_pair_mean(q, c, |x| x.max(0.0), |x| x.max(0.0));
                assert!(
                    close(relu, relu_kernel(q, c), 1e-12),
                    "relu q {q} c {c}: {relu} vs {}",
                    relu_kernel(q, c)
                );
                let erf = gaussian_pair_mean(q, c, libm::erf, libm::erf);
                assert!(
                    close(erf, erf_kernel(q, c), 1e-12),
                    "erf q {q} c {c}: {erf} vs {}",
                    erf_kernel(q, c)
                );
                // Linear: E[u₁u₂] = qc.
                let lin = gaussian_pair_mean(q, c, |x| x, |x| x);
                assert!(close(lin, q * c, 1e-12), "linear q {q} c {c}: {lin}");
                // ReLU's derivative: P(u₁ > 0, u₂ > 0) = (π − arccos c)/(2π).
                let step = |x: f64| f64::from(u8::from(x > 0.0));
                let p = gaussian_pair_mean(q, c, step, step);
                assert!(
                    close(p, (PI - c.acos()) / (2.0 * PI), 1e-12),
                    "relu' q {q} c {c}: {p}"
                );
            }
        }
    }

    #[test]
    fn finer_quadrature_agrees() {
        // The refined meshes against a uniform fine grid of another order, for tanh.
        let f = |x: f64| x.tanh();
        for (q, c) in [(0.5, 0.3), (2.0, 0.95), (20.0, -0.4)] {
            let coarse = gaussian_pair_mean(q, c, f, f);
            // A brute-force tensor Gauss–Legendre rule (20 nodes on 400 uniform panels).
            let rule = gauss_legendre(20);
            let panels = 400;
            let h = 2.0 * Z_MAX / panels as f64;
            let s = (1.0 - c * c).sqrt();
            let sq = q.sqrt();
            let mut fine = 0.0;
            for i in 0..panels {
                let a1 = -Z_MAX + i as f64 * h;
                for &(x1, w1) in &rule {
                    let z1 = a1 + h * (x1 + 1.0) / 2.0;
                    let fu = f(sq * z1) * (-0.5 * z1 * z1).exp() * w1;
                    let mut inner = 0.0;
                    for j in 0..panels {
                        let a2 = -Z_MAX + j as f64 * h;
                        for &(x2, w2) in &rule {
                            let z2 = a2 + h * (x2 + 1.0) / 2.0;
                            inner += w2 * f(sq * (c * z1 + s * z2)) * (-0.5 * z2 * z2).exp();
                        }
                    }
                    fine += fu * inner;
                }
            }
            fine *= (h / 2.0).powi(2) / (2.0 * PI);
            assert!(
                (coarse - fine).abs() < 1e-12,
                "q {q} c {c}: {coarse} vs {fine}"
            );
        }
    }

    #[test]
    fn relu_closed_forms() {
        let (sw2, sb2) = (1.5, 0.2);
        let net = MeanField::new(Nonlinearity::Relu, sw2, sb2).unwrap();
        // q map σ_w² q/2 + σ_b², fixed point σ_b²/(1 − σ_w²/2).
        for q in [0.0, 0.4, 3.0] {
            assert!(close(
                net.variance_map(q).unwrap(),
                sw2 * q / 2.0 + sb2,
                1e-13
            ));
        }
        let q_star = sb2 / (1.0 - sw2 / 2.0);
        assert!(close(net.q_star().unwrap(), q_star, 1e-13));
        // χ₁ = σ_w²/2; χ_q = σ_w²/2 too.
        assert!(close(net.chi_1().unwrap(), sw2 / 2.0, 1e-13));
        assert!(close(net.chi_q().unwrap(), sw2 / 2.0, 1e-12));
        // The c-map: (σ_w² · arc-cosine kernel + σ_b²)/q*; its slope σ_w²(π − arccos c)/(2π).
        for c in [-0.5, 0.0, 0.4, 0.99] {
            let expected = (sw2 * relu_kernel(q_star, c) + sb2) / q_star;
            assert!(close(net.correlation_map(c).unwrap(), expected, 1e-12));
            let slope = sw2 * (PI - c.acos()) / (2.0 * PI);
            assert!(close(net.correlation_slope(c).unwrap(), slope, 1e-12));
        }
        // Ordered (χ₁ = 0.75): c* = 1, ξ_c = −1/ln 0.75.
        let fp = net.analyze().unwrap();
        assert_eq!((fp.c_star, fp.phase), (1.0, Phase::Ordered));
        assert!(close(fp.xi_c, -1.0 / 0.75f64.ln(), 1e-12));
        // Critical at σ_w² = 2 for any σ_b²; beyond, no finite fixed point.
        assert!(close(
            critical_weight_variance(Nonlinearity::Relu, 0.3).unwrap(),
            2.0,
            1e-13
        ));
        for (sw2, sb2) in [(2.5, 0.0), (2.5, 0.1), (2.0, 0.1)] {
            let e = MeanField::new(Nonlinearity::Relu, sw2, sb2)
                .unwrap()
                .q_star()
                .unwrap_err();
            assert!(
                matches!(e, CriticalityError::NoFiniteFixedPoint { .. }),
                "{e}"
            );
        }
        let marginal = MeanField::new(Nonlinearity::Relu, 2.0, 0.0).unwrap();
        assert!(matches!(
            marginal.q_star(),
            Err(CriticalityError::MarginalVariance { .. })
        ));
        // Without bias, below σ_w² = 2 the signal vanishes: q* = 0, correlations undefined.
        let vanishing = MeanField::new(Nonlinearity::Relu, 1.0, 0.0).unwrap();
        assert_eq!(vanishing.q_star().unwrap(), 0.0);
        assert!(close(vanishing.chi_1().unwrap(), 0.5, 1e-15));
        assert!(matches!(
            vanishing.c_star(),
            Err(CriticalityError::VanishingSignal { .. })
        ));
    }

    #[test]
    fn linear_closed_forms() {
        let (sw2, sb2) = (0.8, 0.1);
        let net = MeanField::new(Nonlinearity::Identity, sw2, sb2).unwrap();
        let q_star = sb2 / (1.0 - sw2);
        assert!(close(net.q_star().unwrap(), q_star, 1e-13));
        assert!(close(net.chi_1().unwrap(), sw2, 1e-13));
        assert!(close(net.chi_q().unwrap(), sw2, 1e-13));
        for c in [-1.0, -0.3, 0.5, 1.0] {
            let expected = (sw2 * q_star * c + sb2) / q_star;
            assert!(close(net.correlation_map(c).unwrap(), expected, 1e-13));
        }
        // One general step: (q, c) ↦ (σ_w² q + σ_b², (σ_w² q c + σ_b²)/(σ_w² q + σ_b²)).
        let s = net.step(2.0, 0.25).unwrap();
        assert!(close(s.q, sw2 * 2.0 + sb2, 1e-13));
        assert!(close(s.c, (sw2 * 2.0 * 0.25 + sb2) / s.q, 1e-13));
        assert!(close(
            critical_weight_variance(Nonlinearity::Identity, 0.1).unwrap(),
            1.0,
            1e-13
        ));
    }

    #[test]
    fn chi_q_forms_agree_for_tanh() {
        // The φ'' form, the Stein form and a finite difference of the variance map.
        let net = MeanField::new(Nonlinearity::Tanh, 1.6, 0.05).unwrap();
        let q = net.q_star().unwrap();
        let d2 = |x: f64| -2.0 * x.tanh() * (1.0 - x.tanh().powi(2));
        let with_second_derivative =
            net.chi_1().unwrap() + 1.6 * gaussian_mean(q, |x| d2(x) * x.tanh());
        let stein = net.chi_q().unwrap();
        let h = 1e-5 * q;
        let fd = (net.variance_map(q + h).unwrap() - net.variance_map(q - h).unwrap()) / (2.0 * h);
        assert!((stein - with_second_derivative).abs() < 1e-12);
        assert!((stein - fd).abs() < 1e-8, "{stein} vs {fd}");
        // And χ_c is the slope of the c-map at c*, by finite differences, in the chaotic phase.
        let chaotic = MeanField::new(Nonlinearity::Tanh, 3.0, 0.05).unwrap();
        let fp = chaotic.analyze().unwrap();
        assert_eq!(fp.phase, Phase::Chaotic);
        assert!(fp.c_star < 1.0);
        assert!((chaotic.correlation_map(fp.c_star).unwrap() - fp.c_star).abs() < 1e-13);
        let h = 1e-5;
        let fd = (chaotic.correlation_map(fp.c_star + h).unwrap()
            - chaotic.correlation_map(fp.c_star - h).unwrap())
            / (2.0 * h);
        assert!((fp.chi_c - fd).abs() < 1e-8, "{} vs {fd}", fp.chi_c);
        assert!(fp.chi_c < 1.0 && fp.chi_1 > 1.0);
    }

    #[test]
    fn tanh_critical_line_matches_published_values() {
        // Schoenholz et al. 2017 (Fig. 1, as quoted in the issue): σ_w² ≈ 1, 1.42, 1.76, 1.99.
        // An independent computation: q* by fixed-point iteration and χ₁, both with the mean-field
        // module's composite Simpson rule, and bisection on σ_w².
        let simpson_chi = |sw2: f64, sb2: f64| {
            let mut q = 1.0;
            for _ in 0..100 {
                q = sw2 * super::super::meanfield::gaussian_expectation(q, |x| x.tanh().powi(2))
                    + sb2;
            }
            sw2 * super::super::meanfield::gaussian_expectation(q, |x| {
                (1.0 - x.tanh().powi(2)).powi(2)
            })
        };
        for (sb2, published) in [(0.0, 1.0), (0.01, 1.42), (0.05, 1.76), (0.1, 1.99)] {
            let sw2 = critical_weight_variance(Nonlinearity::Tanh, sb2).unwrap();
            if sb2 > 0.0 {
                let (mut lo, mut hi) = (1.0, 3.0);
                for _ in 0..32 {
                    let mid = 0.5 * (lo + hi);
                    if simpson_chi(mid, sb2) < 1.0 {
                        lo = mid
                    } else {
                        hi = mid
                    }
                }
                assert!(
                    (sw2 - lo).abs() < 1e-7,
                    "σ_b² = {sb2}: {sw2} vs Simpson {lo}"
                );
            }
            eprintln!("tanh: σ_b² = {sb2}: critical σ_w² = {sw2:.6} (published ≈ {published})");
            assert!(
                (sw2 / published - 1.0).abs() < 0.01,
                "σ_b² = {sb2}: σ_w² = {sw2}, published ≈ {published}"
            );
            if sb2 > 0.0 {
                let chi = MeanField::new(Nonlinearity::Tanh, sw2, sb2)
                    .unwrap()
                    .chi_1()
                    .unwrap();
                assert!((chi - 1.0).abs() < 1e-11, "χ₁ = {chi}");
            }
        }
    }

    #[test]
    fn xi_c_diverges_at_the_critical_line() {
        let sb2 = 0.05;
        let crit = critical_weight_variance(Nonlinearity::Tanh, sb2).unwrap();
        for side in [-1.0, 1.0] {
            let mut last = 0.0;
            for eps in [0.3, 0.1, 0.03, 0.01, 0.003] {
                let net =
                    MeanField::new(Nonlinearity::Tanh, crit * (1.0 + side * eps), sb2).unwrap();
                let fp = net.analyze().unwrap();
                let expected = if side < 0.0 {
                    Phase::Ordered
                } else {
                    Phase::Chaotic
                };
                assert_eq!(fp.phase, expected);
                assert!(
                    fp.xi_c > last,
                    "ξ_c must grow towards criticality: {} ≤ {last}",
                    fp.xi_c
                );
                last = fp.xi_c;
            }
            assert!(last > 100.0, "ξ_c = {last} at 0.3 % from criticality");
        }
    }

    #[test]
    fn monte_carlo_agrees_with_the_correlation_map() {
        // z₁, z₂ from the host generator (Box–Muller); tolerance 5 standard errors of the mean.
        let rng = HostRng::new(2017);
        let n = 1 << 20;
        for (k, (act, q, c)) in [
            (Nonlinearity::Tanh, 1.3f64, 0.4f64),
            (Nonlinearity::Relu, 2.0, -0.6),
            (Nonlinearity::Selu, 0.8, 0.9),
            (Nonlinearity::Sigmoid, 4.0, 0.1),
        ]
        .into_iter()
        .enumerate()
        {
            let stream = rng.derive(k as u64);
            let s = (1.0 - c * c).sqrt();
            let (mut sum, mut sum2) = (0.0, 0.0);
            for i in 0..n as u64 {
                let w = stream.block(i);
                let (u1, u2) = (open_unit_f64(w[0]), open_unit_f64(w[1]));
                let r = (-2.0 * u1.ln()).sqrt();
                let (z1, z2) = (r * (2.0 * PI * u2).cos(), r * (2.0 * PI * u2).sin());
                let v = act.apply_scalar(q.sqrt() * z1)
                    * act.apply_scalar(q.sqrt() * (c * z1 + s * z2));
                sum += v;
                sum2 += v * v;
            }
            let mean = sum / n as f64;
            let se = ((sum2 / n as f64 - mean * mean) / n as f64).sqrt();
            let quad = gaussian_pair_mean(q, c, |x| act.apply_scalar(x), |x| act.apply_scalar(x));
            assert!(
                (mean - quad).abs() < 5.0 * se,
                "{act:?}: Monte Carlo {mean} ± {se}, quadrature {quad}"
            );
        }
    }

    #[test]
    fn every_activation_has_consistent_fixed_points() {
        for act in [
            Nonlinearity::Tanh,
            Nonlinearity::Sigmoid,
            Nonlinearity::Relu,
            Nonlinearity::LEAKY_RELU,
            Nonlinearity::Selu,
            Nonlinearity::Identity,
        ] {
            let net = MeanField::new(act, 1.2, 0.1).unwrap();
            match net.analyze() {
                Ok(fp) => {
                    assert!((net.variance_map(fp.q_star).unwrap() / fp.q_star - 1.0).abs() < 1e-12);
                    assert!((net.correlation_map(fp.c_star).unwrap() - fp.c_star).abs() < 1e-12);
                    assert!(fp.chi_c <= 1.0 + 1e-12 && fp.xi_c > 0.0, "{act:?}: {fp:?}");
                }
                Err(e) => assert!(
                    matches!(e, CriticalityError::NoFiniteFixedPoint { .. }),
                    "{act:?}: {e}"
                ),
            }
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        for (sw2, sb2) in [
            (0.0, 0.1),
            (-1.0, 0.1),
            (f64::NAN, 0.1),
            (1.0, -0.1),
            (1.0, f64::INFINITY),
        ] {
            assert!(matches!(
                MeanField::new(Nonlinearity::Tanh, sw2, sb2),
                Err(CriticalityError::InvalidParameter { .. })
            ));
        }
        let net = MeanField::new(Nonlinearity::Tanh, 1.0, 0.1).unwrap();
        assert!(net.correlation_map(1.5).is_err());
        assert!(net.step(-1.0, 0.5).is_err());
        assert!(net.trajectory(1.0, f64::NAN, 3).is_err());
        assert!(critical_weight_variance(Nonlinearity::Tanh, -0.1).is_err());
    }
}

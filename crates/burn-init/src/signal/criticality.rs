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
//! # Ok::<(), burn_init::InitError>(())
//! ```
//!
//! **Numerics.** Every expectation is the crate's one Gaussian quadrature
//! ([`gaussian_mean`](super::gaussian_mean), [`gaussian_pair_mean`](super::gaussian_pair_mean):
//! composite Gauss–Legendre, error below `10⁻¹²` against closed forms). Fixed points and the
//! critical `σ_w²` are found by bracketing and the Illinois variant of regula falsi, to a relative
//! bracket of `10⁻¹⁴` (`ROOT_TOL`). The fixed-point search gives up, with
//! [`InitError::NoFiniteFixedPoint`], once the variance it tries passes `10¹²` (`Q_MAX`): a
//! network whose `q*` would lie beyond that is treated as having none (for the bounded
//! activations `q*` stays below `σ_w²·max φ² + σ_b²`; for the unbounded ones a `q*` that large
//! means `σ_w²` is within about `σ_b²/10¹²` of the critical value). A network counts as
//! [`Phase::Critical`] when `|χ₁ − 1| ≤ 10⁻¹⁰` (`CRITICAL_TOLERANCE`): `χ₁` is accurate to
//! about `10⁻¹³`, so anything closer than `10⁻¹⁰` cannot be told apart from the critical line.
//! A trajectory ([`MeanField::trajectory`]) has at most `2²⁰` layers (`MAX_LAYERS`); more is an
//! [`InitError::InvalidParameter`] naming `layers`, not an allocation failure.
//!
//! Every error is an [`InitError`]: [`InitError::InvalidParameter`] for a parameter out of its
//! domain (non-finite, negative, a correlation outside `[−1, 1]`), and the mean-field variants
//! [`InitError::NoFiniteFixedPoint`], [`InitError::MarginalVariance`],
//! [`InitError::VanishingSignal`], [`InitError::NoCriticalPoint`] and
//! [`InitError::NoConvergence`].
//!
//! References: B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein, S. Ganguli, "Exponential
//! expressivity in deep neural networks through transient chaos", NeurIPS 2016;
//! S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep Information Propagation",
//! ICLR 2017; Y. Cho, L. K. Saul, "Kernel Methods for Deep Learning", NeurIPS 2009 (the ReLU
//! kernel); C. K. I. Williams, "Computing with Infinite Networks", NeurIPS 1997 (the `erf` kernel).

use serde::{Deserialize, Serialize};

use super::gaussian::{
    correlation, mean as gaussian_mean, pair_mean as gaussian_pair_mean, variance,
};
use crate::error::{InitError, Result, finite_where};
use crate::scale::Nonlinearity;

/// Relative bracket at which root finding stops.
const ROOT_TOL: f64 = 1e-14;

/// Largest variance the fixed-point search tries before it declares that the variance diverges.
const Q_MAX: f64 = 1e12;

/// `|χ₁ − 1|` at or below which a network counts as [`Phase::Critical`].
const CRITICAL_TOLERANCE: f64 = 1e-10;

/// The most layers of one [`MeanField::trajectory`].
const MAX_LAYERS: usize = 1 << 20;

/// [`variance`] under another name: a non-negative finite quantity.
fn non_negative(field: &'static str, value: f64) -> Result<f64> {
    variance(field, value)
}

/// The phase of a random network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// `χ₁ < 1`: correlations converge to `c* = 1`; gradients vanish.
    Ordered,
    /// `|χ₁ − 1| ≤ 10⁻¹⁰`: the edge of chaos (as close as `χ₁` can be computed; see the
    /// module's numerics).
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
    /// [`InitError::InvalidParameter`] unless `σ_w² > 0` and `σ_b² ≥ 0` are finite.
    pub fn new(activation: Nonlinearity, weight_variance: f64, bias_variance: f64) -> Result<Self> {
        finite_where(
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
    /// [`InitError::InvalidParameter`] unless `q ≥ 0` is finite.
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
    /// [`InitError::InvalidParameter`] unless `q ≥ 0` and `c ∈ [−1, 1]`;
    /// [`InitError::VanishingSignal`] when `q' = 0` (no bias, `φ(0) = 0`, `q = 0`).
    pub fn step(&self, q: f64, c: f64) -> Result<LayerState> {
        non_negative("q", q)?;
        correlation("c", c)?;
        let q_next = self.variance_map_unchecked(q);
        if q_next <= 0.0 {
            return Err(self.vanishing());
        }
        if !q_next.is_finite() {
            return Err(InitError::NonFinite(format!(
                "the variance map of {:?} (σ_w² = {}, σ_b² = {}) at q = {q}",
                self.activation, self.weight_variance, self.bias_variance
            )));
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
    /// As [`step`](Self::step); [`InitError::InvalidParameter`] naming `layers` beyond `2²⁰`
    /// layers.
    pub fn trajectory(&self, q1: f64, c1: f64, layers: usize) -> Result<Vec<LayerState>> {
        non_negative("q1", q1)?;
        correlation("c1", c1)?;
        if layers > MAX_LAYERS {
            return Err(InitError::InvalidParameter {
                field: "layers",
                value: layers as f64,
                reason: "a trajectory has at most 2^20 layers",
            });
        }
        let mut out = Vec::with_capacity(layers);
        let mut s = LayerState { q: q1, c: c1 };
        for _ in 0..layers {
            out.push(s);
            s = self.step(s.q, s.c)?;
        }
        Ok(out)
    }

    fn vanishing(&self) -> InitError {
        InitError::VanishingSignal {
            activation: format!("{:?}", self.activation),
            weight_variance: self.weight_variance,
        }
    }

    fn diverging(&self) -> InitError {
        InitError::NoFiniteFixedPoint {
            activation: format!("{:?}", self.activation),
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
    /// [`InitError::NoFiniteFixedPoint`] when the variance grows without bound (no sign
    /// change below `10¹²`); [`InitError::MarginalVariance`] when every `q` is a fixed
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
                return Err(InitError::MarginalVariance {
                    activation: format!("{:?}", self.activation),
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
    /// [`InitError::InvalidParameter`] unless `c ∈ [−1, 1]`; those of
    /// [`q_star`](Self::q_star); [`InitError::VanishingSignal`] when `q* = 0`.
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
            return Err(InitError::NoConvergence(format!(
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
/// # Ok::<(), burn_init::InitError>(())
/// ```
///
/// # Errors
/// [`InitError::InvalidParameter`] for a negative or non-finite `σ_b²`;
/// [`InitError::NoCriticalPoint`] when `χ₁ − 1` does not change sign in the range.
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
    let no = |reason: String| InitError::NoCriticalPoint {
        activation: format!("{activation:?}"),
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
            Err(InitError::NoFiniteFixedPoint { .. }) => {
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
        return Err(InitError::NoConvergence(format!(
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

#[cfg(test)]
mod tests {
    use super::super::gaussian::tests::simpson_reference;
    use super::*;
    use std::f64::consts::PI;

    /// ReLU's arc-cosine kernel (Cho & Saul 2009): `E[relu(u₁)relu(u₂)]`.
    fn relu_kernel(q: f64, c: f64) -> f64 {
        q / (2.0 * PI) * ((1.0 - c * c).sqrt() + (PI - c.acos()) * c)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
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
            assert!(matches!(e, InitError::NoFiniteFixedPoint { .. }), "{e}");
        }
        let marginal = MeanField::new(Nonlinearity::Relu, 2.0, 0.0).unwrap();
        assert!(matches!(
            marginal.q_star(),
            Err(InitError::MarginalVariance { .. })
        ));
        // Without bias, below σ_w² = 2 the signal vanishes: q* = 0, correlations undefined.
        let vanishing = MeanField::new(Nonlinearity::Relu, 1.0, 0.0).unwrap();
        assert_eq!(vanishing.q_star().unwrap(), 0.0);
        assert!(close(vanishing.chi_1().unwrap(), 0.5, 1e-15));
        assert!(matches!(
            vanishing.c_star(),
            Err(InitError::VanishingSignal { .. })
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
        // An independent computation: q* by fixed-point iteration and χ₁, both with a composite
        // Simpson rule (the tests' reference rule, not the crate's quadrature), and bisection on
        // σ_w².
        let simpson_chi = |sw2: f64, sb2: f64| {
            let mut q = 1.0;
            for _ in 0..100 {
                q = sw2 * simpson_reference(q, |x| x.tanh().powi(2)) + sb2;
            }
            sw2 * simpson_reference(q, |x| (1.0 - x.tanh().powi(2)).powi(2))
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
                    matches!(e, InitError::NoFiniteFixedPoint { .. }),
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
                Err(InitError::InvalidParameter { .. })
            ));
        }
        let net = MeanField::new(Nonlinearity::Tanh, 1.0, 0.1).unwrap();
        assert!(net.correlation_map(1.5).is_err());
        assert!(net.step(-1.0, 0.5).is_err());
        assert!(net.trajectory(1.0, f64::NAN, 3).is_err());
        assert!(critical_weight_variance(Nonlinearity::Tanh, -0.1).is_err());
        assert!(critical_weight_variance(Nonlinearity::Tanh, f64::NAN).is_err());
        for q in [f64::INFINITY, f64::NAN, -1.0] {
            assert!(matches!(
                net.variance_map(q),
                Err(InitError::InvalidParameter { field: "q", .. })
            ));
            assert!(net.step(q, 0.5).is_err());
            assert!(net.trajectory(q, 0.5, 3).is_err());
        }
        // An absurd depth is refused up front (no capacity overflow, no endless loop).
        assert!(matches!(
            net.trajectory(1.0, 0.5, usize::MAX),
            Err(InitError::InvalidParameter {
                field: "layers",
                ..
            })
        ));
        assert_eq!(net.trajectory(1.0, 0.5, 0).unwrap(), vec![]);
        // A variance that overflows on the way is an error, not an infinite q fed onwards.
        let relu = MeanField::new(Nonlinearity::Relu, 1e300, 0.0).unwrap();
        assert!(matches!(
            relu.trajectory(1e300, 0.5, 5),
            Err(InitError::NonFinite(_))
        ));
    }
}

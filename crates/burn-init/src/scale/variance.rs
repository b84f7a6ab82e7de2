//! Variance scaling: the one general mechanism behind LeCun, Glorot/Xavier and He/Kaiming.

use serde::{Deserialize, Serialize};

use super::fans::{FanMode, Fans};
use super::gain::Nonlinearity;
use crate::dist::{Normal, Primitive, TruncatedNormal, Uniform};
use crate::error::{Result, positive};

/// `0.87962566103423978`: the std of a standard normal truncated to `[−2, 2]`. Keras and JAX divide
/// the std by it so that a ±2σ truncated normal has exactly the requested variance.
pub const TRUNCATED_NORMAL_STD_CORRECTION: f64 = 0.879_625_661_034_239_8;

/// The distribution a [`VarianceScaling`] draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VsDistribution {
    /// Normal truncated at ±2σ, σ corrected so the variance is exact (Keras' `truncated_normal`).
    #[default]
    TruncatedNormal,
    /// Untruncated normal (Keras' `untruncated_normal`, PyTorch's `*_normal_`).
    Normal,
    /// Uniform on `[−√(3·var), √(3·var)]`.
    Uniform,
}

/// Variance scaling: draws with variance `Var(w) = scale / n`, where `n` is `fan_in`, `fan_out`
/// or `(fan_in + fan_out)/2` according to `mode`.
///
/// * `Normal`: `N(0, scale/n)`.
/// * `TruncatedNormal`: `N(0, σ²)` truncated to `[−2σ, 2σ]` with
///   `σ = √(scale/n) / 0.87962566103423978`, so the variance is exactly `scale/n`.
/// * `Uniform`: `U(−b, b)` with `b = √(3·scale/n)`.
///
/// This is Keras 3's `VarianceScaling` and JAX's `variance_scaling`; every preset of this crate
/// ([`lecun_normal`], [`glorot_uniform`], [`he_normal`], [`kaiming_uniform`], …) is a one-line
/// specialization of it, and PyTorch's `xavier_*_`/`kaiming_*_` are variance scaling with
/// `scale = gain²`.
///
/// Reference: Glorot & Bengio (2010); He et al. (2015); LeCun et al. (1998), "Efficient BackProp".
///
/// ```
/// use burn_init::{Fans, FanMode, VarianceScaling, VsDistribution};
/// let vs = VarianceScaling::new(2.0, FanMode::FanIn, VsDistribution::Uniform)?;
/// let fans = Fans::linear(100, 50)?;
/// assert_eq!(vs.variance(fans), 0.02);
/// assert_eq!(vs.bound(fans), (3.0f64 * 0.02).sqrt());
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VarianceScaling {
    /// Scale of the variance (`gain²`; 1 for LeCun and Glorot, 2 for He).
    pub scale: f64,
    /// Which fan to divide by.
    pub mode: FanMode,
    /// The distribution.
    pub distribution: VsDistribution,
}

impl VarianceScaling {
    /// # Errors
    /// [`InitError::InvalidParameter`](crate::InitError::InvalidParameter) if `scale` is not
    /// finite and positive.
    pub fn new(scale: f64, mode: FanMode, distribution: VsDistribution) -> Result<Self> {
        positive("scale", scale)?;
        Ok(Self {
            scale,
            mode,
            distribution,
        })
    }

    /// `Var(w) = scale / n`.
    pub fn variance(&self, fans: Fans) -> f64 {
        self.scale / fans.select(self.mode)
    }

    /// `√Var(w)`.
    pub fn std(&self, fans: Fans) -> f64 {
        self.variance(fans).sqrt()
    }

    /// The largest `|w|` that can be drawn: `√(3·var)` for uniform, `2σ` for the truncated
    /// normal (σ the corrected, pre-truncation std), `∞` for the normal.
    pub fn bound(&self, fans: Fans) -> f64 {
        let std = self.std(fans);
        match self.distribution {
            VsDistribution::Uniform => (3.0 * self.variance(fans)).sqrt(),
            VsDistribution::TruncatedNormal => 2.0 * std / TRUNCATED_NORMAL_STD_CORRECTION,
            VsDistribution::Normal => f64::INFINITY,
        }
    }

    /// The element-wise distribution for these fans.
    pub fn primitive(&self, fans: Fans) -> Primitive {
        let std = self.std(fans);
        match self.distribution {
            VsDistribution::Normal => Primitive::Normal(Normal { mean: 0.0, std }),
            VsDistribution::TruncatedNormal => {
                let sigma = std / TRUNCATED_NORMAL_STD_CORRECTION;
                Primitive::TruncatedNormal(TruncatedNormal {
                    mean: 0.0,
                    std: sigma,
                    low: -2.0 * sigma,
                    high: 2.0 * sigma,
                })
            }
            VsDistribution::Uniform => {
                let b = self.bound(fans);
                Primitive::Uniform(Uniform { low: -b, high: b })
            }
        }
    }
}

const fn vs(scale: f64, mode: FanMode, distribution: VsDistribution) -> VarianceScaling {
    VarianceScaling {
        scale,
        mode,
        distribution,
    }
}

/// LeCun normal: `VarianceScaling(1, fan_in, truncated_normal)`, `Var = 1/fan_in` (Keras/JAX;
/// LeCun et al. 1998). The tutorial's "Var(w) = 1/fan_in keeps the forward signal".
pub const fn lecun_normal() -> VarianceScaling {
    vs(1.0, FanMode::FanIn, VsDistribution::TruncatedNormal)
}

/// LeCun uniform: `VarianceScaling(1, fan_in, uniform)`, bound `√(3/fan_in)`.
pub const fn lecun_uniform() -> VarianceScaling {
    vs(1.0, FanMode::FanIn, VsDistribution::Uniform)
}

/// Glorot (Xavier) normal as Keras/JAX: `VarianceScaling(1, fan_avg, truncated_normal)`,
/// `Var = 2/(fan_in + fan_out)` (Glorot & Bengio 2010). For PyTorch's untruncated
/// `xavier_normal_`, see [`xavier_normal`].
#[doc(alias = "xavier_normal_keras")]
pub const fn glorot_normal() -> VarianceScaling {
    vs(1.0, FanMode::FanAvg, VsDistribution::TruncatedNormal)
}

/// Glorot (Xavier) uniform: `VarianceScaling(1, fan_avg, uniform)`, bound
/// `√(6/(fan_in + fan_out))` (Glorot & Bengio 2010). Identical to PyTorch's
/// `xavier_uniform_` with gain 1.
#[doc(alias = "xavier_uniform")]
pub const fn glorot_uniform() -> VarianceScaling {
    vs(1.0, FanMode::FanAvg, VsDistribution::Uniform)
}

/// He (Kaiming) normal as Keras/JAX: `VarianceScaling(2, fan_in, truncated_normal)`,
/// `Var = 2/fan_in` (He et al. 2015). For PyTorch's untruncated `kaiming_normal_` with a mode
/// and nonlinearity, see [`kaiming_normal`].
pub const fn he_normal() -> VarianceScaling {
    vs(2.0, FanMode::FanIn, VsDistribution::TruncatedNormal)
}

/// He (Kaiming) uniform as Keras/JAX: `VarianceScaling(2, fan_in, uniform)`, bound `√(6/fan_in)`.
pub const fn he_uniform() -> VarianceScaling {
    vs(2.0, FanMode::FanIn, VsDistribution::Uniform)
}

/// The tutorial's fan-average He: `VarianceScaling(2, fan_avg, normal)`,
/// `Var = 4/(fan_in + fan_out)`.
pub const fn he_avg_normal() -> VarianceScaling {
    vs(2.0, FanMode::FanAvg, VsDistribution::Normal)
}

/// Fan-average He, uniform: `VarianceScaling(2, fan_avg, uniform)`, bound `√(12/(fan_in + fan_out))`.
pub const fn he_avg_uniform() -> VarianceScaling {
    vs(2.0, FanMode::FanAvg, VsDistribution::Uniform)
}

/// PyTorch's `xavier_normal_(gain)`: `VarianceScaling(gain², fan_avg, normal)`, untruncated,
/// `std = gain·√(2/(fan_in + fan_out))`.
///
/// # Errors
/// If `gain` is not finite and positive.
pub fn xavier_normal(gain: f64) -> Result<VarianceScaling> {
    VarianceScaling::new(
        positive("gain", gain)?.powi(2),
        FanMode::FanAvg,
        VsDistribution::Normal,
    )
}

/// PyTorch's `xavier_uniform_(gain)`: `VarianceScaling(gain², fan_avg, uniform)`, bound
/// `gain·√(6/(fan_in + fan_out))`.
///
/// # Errors
/// If `gain` is not finite and positive.
pub fn xavier_uniform(gain: f64) -> Result<VarianceScaling> {
    VarianceScaling::new(
        positive("gain", gain)?.powi(2),
        FanMode::FanAvg,
        VsDistribution::Uniform,
    )
}

/// PyTorch's `kaiming_normal_(a, mode, nonlinearity)`: `VarianceScaling(gain², mode, normal)`,
/// untruncated, `std = gain/√fan` with `gain = nonlinearity.gain()` (pass
/// `Nonlinearity::LeakyRelu { negative_slope: a }` for PyTorch's `a`).
///
/// ```
/// use burn_init::{kaiming_normal, FanMode, Fans, Nonlinearity};
/// let k = kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
/// assert!((k.variance(Fans::linear(50, 10)?) - 2.0 / 50.0).abs() < 1e-15);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub fn kaiming_normal(mode: FanMode, nonlinearity: Nonlinearity) -> VarianceScaling {
    vs(nonlinearity.gain().powi(2), mode, VsDistribution::Normal)
}

/// PyTorch's `kaiming_uniform_(a, mode, nonlinearity)`: `VarianceScaling(gain², mode, uniform)`,
/// bound `gain·√(3/fan)`.
pub fn kaiming_uniform(mode: FanMode, nonlinearity: Nonlinearity) -> VarianceScaling {
    vs(nonlinearity.gain().powi(2), mode, VsDistribution::Uniform)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_the_documented_variances() {
        let f = Fans::linear(100, 50).unwrap();
        assert_eq!(lecun_normal().variance(f), 1.0 / 100.0);
        assert_eq!(glorot_uniform().variance(f), 2.0 / 150.0);
        assert!((glorot_uniform().bound(f) - (6.0f64 / 150.0).sqrt()).abs() < 1e-15);
        assert_eq!(he_normal().variance(f), 2.0 / 100.0);
        assert_eq!(he_avg_normal().variance(f), 4.0 / 150.0);
        assert!((xavier_normal(2.0).unwrap().std(f) - 2.0 * (2.0f64 / 150.0).sqrt()).abs() < 1e-15);
        let k = kaiming_uniform(FanMode::FanOut, Nonlinearity::leaky_relu(0.2).unwrap());
        assert!((k.bound(f) - (2.0f64 / 1.04).sqrt() * (3.0f64 / 50.0).sqrt()).abs() < 1e-15);
        // The truncated normal's own variance equals the requested one.
        let p = he_normal().primitive(f);
        assert!((p.variance() / he_normal().variance(f) - 1.0).abs() < 1e-12);
        assert!(VarianceScaling::new(0.0, FanMode::FanIn, VsDistribution::Normal).is_err());
        assert!(xavier_uniform(f64::NAN).is_err());
    }
}

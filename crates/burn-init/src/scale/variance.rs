//! Variance scaling: the one general mechanism behind LeCun, Glorot/Xavier and He/Kaiming.

use serde::{Deserialize, Serialize};

use super::fans::{FanMode, Fans};
use super::nonlinearity::Nonlinearity;
use crate::distribution::{Normal, Primitive, TruncatedNormal, Uniform};
use crate::error::{Result, deserialize_through, positive};

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
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VarianceScaling {
    scale: f64,
    mode: FanMode,
    distribution: VsDistribution,
}

deserialize_through!(
    VarianceScaling { scale: f64, mode: FanMode, distribution: VsDistribution }
        => VarianceScaling::new
);

impl VarianceScaling {
    /// # Errors
    /// [`InitError::InvalidParameter`](crate::InitError::InvalidParameter) naming `scale` if it
    /// is not positive and finite in `f32`.
    pub fn new(scale: f64, mode: FanMode, distribution: VsDistribution) -> Result<Self> {
        positive("scale", scale)?;
        Ok(Self {
            scale,
            mode,
            distribution,
        })
    }

    /// Scale of the variance (`gain²`; 1 for LeCun and Glorot, 2 for He).
    pub const fn scale(&self) -> f64 {
        self.scale
    }

    /// Which fan to divide by.
    pub const fn mode(&self) -> FanMode {
        self.mode
    }

    /// The distribution.
    pub const fn distribution(&self) -> VsDistribution {
        self.distribution
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
            // `scale` is positive and finite in f32 and fans are at least 1, so these are valid.
            VsDistribution::Normal => Primitive::Normal(Normal::raw(0.0, std)),
            VsDistribution::TruncatedNormal => Primitive::TruncatedNormal(
                TruncatedNormal::raw_two_sigma(std / TRUNCATED_NORMAL_STD_CORRECTION),
            ),
            VsDistribution::Uniform => Primitive::Uniform(Uniform::raw_symmetric(self.bound(fans))),
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

/// LeCun normal (Keras and JAX `lecun_normal`): keeps the variance of the forward signal
/// through linear units.
///
/// `Var(w) = 1/fan_in`, drawn from a normal truncated at ±2σ with
/// `σ = √(1/fan_in) / 0.87962566103423978`.
///
/// Specialization of [`VarianceScaling`]`(1, fan_in, truncated_normal)`.
///
/// Reference: LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp", §4.6.
///
/// ```
/// use burn_init::{Fans, HostRng, TensorInitExt, lecun_normal};
/// let fans = Fans::linear(100, 50)?;
/// assert_eq!(lecun_normal().variance(fans), 0.01);
/// // Truncated at 2σ, σ = 0.1 / 0.8796…: no draw beyond ±0.2274.
/// let w = lecun_normal().host_vec(&[100, 50], Some(fans), HostRng::new(0))?;
/// assert!(w.iter().all(|x| x.abs() <= 0.2274));
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn lecun_normal() -> VarianceScaling {
    vs(1.0, FanMode::FanIn, VsDistribution::TruncatedNormal)
}

/// LeCun uniform (Keras and JAX `lecun_uniform`).
///
/// `w ~ U(−b, b)` with `b = √(3/fan_in)`, so `Var(w) = 1/fan_in`.
///
/// Specialization of [`VarianceScaling`]`(1, fan_in, uniform)`.
///
/// Reference: LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp", §4.6.
///
/// ```
/// use burn_init::{Fans, lecun_uniform};
/// let b = lecun_uniform().bound(Fans::linear(300, 10)?);
/// assert!((b - 0.1).abs() < 1e-15); // √(3/300)
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn lecun_uniform() -> VarianceScaling {
    vs(1.0, FanMode::FanIn, VsDistribution::Uniform)
}

/// Glorot (Xavier) normal as Keras and JAX define it (`glorot_normal`): truncated. For
/// PyTorch's untruncated `xavier_normal_`, see [`xavier_normal`].
///
/// `Var(w) = 2/(fan_in + fan_out)`, drawn from a normal truncated at ±2σ with
/// `σ = √(2/(fan_in + fan_out)) / 0.87962566103423978`.
///
/// Specialization of [`VarianceScaling`]`(1, fan_avg, truncated_normal)`.
///
/// Reference: Glorot & Bengio (2010), "Understanding the difficulty of training deep
/// feedforward neural networks".
///
/// ```
/// use burn_init::{FanMode, Fans, VarianceScaling, VsDistribution, glorot_normal};
/// let general = VarianceScaling::new(1.0, FanMode::FanAvg, VsDistribution::TruncatedNormal)?;
/// assert_eq!(glorot_normal(), general);
/// assert_eq!(glorot_normal().variance(Fans::linear(30, 70)?), 0.02);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[doc(alias = "xavier_normal_keras")]
pub const fn glorot_normal() -> VarianceScaling {
    vs(1.0, FanMode::FanAvg, VsDistribution::TruncatedNormal)
}

/// Glorot (Xavier) uniform (Keras and JAX `glorot_uniform`; PyTorch `xavier_uniform_` with
/// gain 1).
///
/// `w ~ U(−b, b)` with `b = √(6/(fan_in + fan_out))`, so `Var(w) = 2/(fan_in + fan_out)`.
///
/// Specialization of [`VarianceScaling`]`(1, fan_avg, uniform)`; [`xavier_uniform`] adds a gain.
///
/// Reference: Glorot & Bengio (2010), "Understanding the difficulty of training deep
/// feedforward neural networks".
///
/// ```
/// use burn_init::{Fans, glorot_uniform, xavier_uniform};
/// assert_eq!(glorot_uniform(), xavier_uniform(1.0)?);
/// assert!((glorot_uniform().bound(Fans::linear(400, 200)?) - 0.1).abs() < 1e-15);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn glorot_uniform() -> VarianceScaling {
    vs(1.0, FanMode::FanAvg, VsDistribution::Uniform)
}

/// He (Kaiming) normal as Keras and JAX define it (`he_normal`): truncated; keeps the forward
/// variance through ReLUs. For PyTorch's untruncated `kaiming_normal_` with a mode and a
/// nonlinearity, see [`kaiming_normal`].
///
/// `Var(w) = 2/fan_in`, drawn from a normal truncated at ±2σ with
/// `σ = √(2/fan_in) / 0.87962566103423978`.
///
/// Specialization of [`VarianceScaling`]`(2, fan_in, truncated_normal)`.
///
/// Reference: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers: Surpassing
/// Human-Level Performance on ImageNet Classification".
///
/// ```
/// use burn_init::{Fans, Primitive, he_normal};
/// let p = he_normal().primitive(Fans::linear(200, 10)?);
/// assert!(matches!(p, Primitive::TruncatedNormal(_)));
/// assert!((p.variance() - 0.01).abs() < 1e-15); // the truncated variance is exactly 2/200
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn he_normal() -> VarianceScaling {
    vs(2.0, FanMode::FanIn, VsDistribution::TruncatedNormal)
}

/// He (Kaiming) uniform as Keras and JAX define it (`he_uniform`).
///
/// `w ~ U(−b, b)` with `b = √(6/fan_in)`, so `Var(w) = 2/fan_in`.
///
/// Specialization of [`VarianceScaling`]`(2, fan_in, uniform)`; [`kaiming_uniform`] is the same
/// with PyTorch's choice of fan and nonlinearity.
///
/// Reference: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers: Surpassing
/// Human-Level Performance on ImageNet Classification".
///
/// ```
/// use burn_init::{FanMode, Fans, Nonlinearity, he_uniform, kaiming_uniform};
/// let fans = Fans::linear(60, 5)?;
/// let pytorch = kaiming_uniform(FanMode::FanIn, Nonlinearity::Relu);
/// assert!((he_uniform().bound(fans) - pytorch.bound(fans)).abs() < 1e-15); // √(6/60)
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn he_uniform() -> VarianceScaling {
    vs(2.0, FanMode::FanIn, VsDistribution::Uniform)
}

/// Fan-average He, normal: He's ReLU gain with Glorot's compromise between the forward and the
/// backward signal.
///
/// `w ~ N(0, 4/(fan_in + fan_out))`, untruncated.
///
/// Specialization of [`VarianceScaling`]`(2, fan_avg, normal)`.
///
/// Reference: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers: Surpassing
/// Human-Level Performance on ImageNet Classification" (the gain 2, and §2.2 on the forward and
/// backward conditions); Glorot & Bengio (2010), "Understanding the difficulty of training deep
/// feedforward neural networks" (the fan average).
///
/// ```
/// use burn_init::{Fans, he_avg_normal};
/// assert_eq!(he_avg_normal().std(Fans::linear(100, 300)?), 0.1); // √(4 / 400)
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn he_avg_normal() -> VarianceScaling {
    vs(2.0, FanMode::FanAvg, VsDistribution::Normal)
}

/// Fan-average He, uniform.
///
/// `w ~ U(−b, b)` with `b = √(12/(fan_in + fan_out))`, so `Var(w) = 4/(fan_in + fan_out)`.
///
/// Specialization of [`VarianceScaling`]`(2, fan_avg, uniform)`.
///
/// Reference: as [`he_avg_normal`].
///
/// ```
/// use burn_init::{Fans, HostRng, TensorInitExt, he_avg_uniform};
/// let fans = Fans::linear(600, 600)?; // b = √(12/1200) = 0.1
/// let w = he_avg_uniform().host_vec(&[600, 600], Some(fans), HostRng::new(3))?;
/// assert!(w.iter().all(|x| x.abs() <= 0.1));
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn he_avg_uniform() -> VarianceScaling {
    vs(2.0, FanMode::FanAvg, VsDistribution::Uniform)
}

/// PyTorch's `xavier_normal_(gain)`: Glorot normal, untruncated, with a gain.
///
/// `w ~ N(0, σ²)`, `σ = gain·√(2/(fan_in + fan_out))`.
///
/// Specialization of [`VarianceScaling`]`(gain², fan_avg, normal)`.
///
/// Reference: Glorot & Bengio (2010), "Understanding the difficulty of training deep
/// feedforward neural networks".
///
/// ```
/// use burn_init::{Fans, xavier_normal};
/// let fans = Fans::linear(100, 50)?;
/// let init = xavier_normal(2.0)?;
/// assert!((init.std(fans) - 2.0 * (2.0f64 / 150.0).sqrt()).abs() < 1e-15);
/// # Ok::<(), burn_init::InitError>(())
/// ```
///
/// # Errors
/// [`InitError::InvalidParameter`](crate::InitError::InvalidParameter) naming `gain` if it is
/// not positive and finite, or if `gain²` is not.
pub fn xavier_normal(gain: f64) -> Result<VarianceScaling> {
    Ok(Xavier::new(gain)?.normal())
}

/// PyTorch's `xavier_uniform_(gain)`: Glorot uniform with a gain.
///
/// `w ~ U(−b, b)`, `b = gain·√(6/(fan_in + fan_out))`.
///
/// Specialization of [`VarianceScaling`]`(gain², fan_avg, uniform)`.
///
/// Reference: Glorot & Bengio (2010), "Understanding the difficulty of training deep
/// feedforward neural networks".
///
/// ```
/// use burn_init::{Fans, xavier_uniform};
/// let fans = Fans::linear(100, 50)?;
/// let init = xavier_uniform(1.5)?;
/// assert!((init.bound(fans) - 1.5 * (6.0f64 / 150.0).sqrt()).abs() < 1e-15);
/// # Ok::<(), burn_init::InitError>(())
/// ```
///
/// # Errors
/// As [`xavier_normal`].
pub fn xavier_uniform(gain: f64) -> Result<VarianceScaling> {
    Ok(Xavier::new(gain)?.uniform())
}

/// PyTorch's `kaiming_normal_(a, mode, nonlinearity)`: He normal, untruncated, for any fan mode
/// and nonlinearity.
///
/// `w ~ N(0, σ²)`, `σ = gain/√fan` with `gain = nonlinearity.gain()` and `fan` chosen by
/// `mode`
/// (pass [`Nonlinearity::leaky_relu`]`(a)?` for PyTorch's `a`).
///
/// Specialization of [`VarianceScaling`]`(gain², mode, normal)`.
///
/// Reference: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers: Surpassing
/// Human-Level Performance on ImageNet Classification".
///
/// ```
/// use burn_init::{kaiming_normal, FanMode, Fans, Nonlinearity};
/// let k = kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
/// assert!((k.variance(Fans::linear(50, 10)?) - 2.0 / 50.0).abs() < 1e-15);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub fn kaiming_normal(mode: FanMode, nonlinearity: Nonlinearity) -> VarianceScaling {
    Kaiming::new(mode, nonlinearity).normal()
}

/// PyTorch's `kaiming_uniform_(a, mode, nonlinearity)`: He uniform for any fan mode and
/// nonlinearity.
///
/// `w ~ U(−b, b)`, `b = gain·√(3/fan)` with `gain = nonlinearity.gain()` and `fan` chosen by
/// `mode`.
///
/// Specialization of [`VarianceScaling`]`(gain², mode, uniform)`.
///
/// Reference: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers: Surpassing
/// Human-Level Performance on ImageNet Classification".
///
/// ```
/// use burn_init::{kaiming_uniform, FanMode, Fans, Nonlinearity};
/// let k = kaiming_uniform(FanMode::FanOut, Nonlinearity::leaky_relu(0.2)?);
/// let b = (2.0f64 / 1.04).sqrt() * (3.0f64 / 10.0).sqrt();
/// assert!((k.bound(Fans::linear(50, 10)?) - b).abs() < 1e-15);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub fn kaiming_uniform(mode: FanMode, nonlinearity: Nonlinearity) -> VarianceScaling {
    Kaiming::new(mode, nonlinearity).uniform()
}

/// The parameter of PyTorch's `xavier_normal_`/`xavier_uniform_`: a validated gain, what
/// [`Init::XavierNormal`](crate::Init::XavierNormal) and
/// [`Init::XavierUniform`](crate::Init::XavierUniform) hold.
///
/// `Var(w) = gain² · 2/(fan_in + fan_out)`: [`Xavier::normal`] is
/// [`VarianceScaling`]`(gain², fan_avg, normal)` ([`xavier_normal`]), [`Xavier::uniform`] the same
/// with a uniform distribution ([`xavier_uniform`]). Default gain 1 (also in JSON, where `gain`
/// may be left out).
///
/// Reference: Glorot & Bengio (2010), "Understanding the difficulty of training deep
/// feedforward neural networks".
///
/// ```
/// use burn_init::{Fans, Init, Xavier};
/// let x = Xavier::new(2.0)?;
/// assert_eq!(x.normal().variance(Fans::linear(100, 50)?), 4.0 * 2.0 / 150.0);
/// assert!(Xavier::new(-1.0).is_err());
/// assert_eq!(Init::from_json(r#"{"name": "xavier_normal"}"#)?, Init::XavierNormal(Xavier::default()));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Xavier {
    gain: f64,
}

impl Xavier {
    /// # Errors
    /// [`InitError::InvalidParameter`](crate::InitError::InvalidParameter) naming `gain` if it
    /// is not positive and finite in `f32`, or naming `scale` if `gain²` is not.
    pub fn new(gain: f64) -> Result<Self> {
        positive("gain", gain)?;
        positive("scale", gain * gain)?;
        Ok(Self { gain })
    }

    /// The gain.
    pub const fn gain(&self) -> f64 {
        self.gain
    }

    /// Untruncated normal: [`VarianceScaling`]`(gain², fan_avg, normal)`.
    pub fn normal(&self) -> VarianceScaling {
        vs(
            self.gain * self.gain,
            FanMode::FanAvg,
            VsDistribution::Normal,
        )
    }

    /// Uniform: [`VarianceScaling`]`(gain², fan_avg, uniform)`.
    pub fn uniform(&self) -> VarianceScaling {
        vs(
            self.gain * self.gain,
            FanMode::FanAvg,
            VsDistribution::Uniform,
        )
    }
}

impl Default for Xavier {
    /// Gain 1.
    fn default() -> Self {
        Self { gain: 1.0 }
    }
}

deserialize_through!(Xavier { gain: f64 = 1.0 } => Xavier::new);

/// The parameters of PyTorch's `kaiming_normal_`/`kaiming_uniform_`: a fan mode and a
/// nonlinearity (whose gain sets the scale), what
/// [`Init::KaimingNormal`](crate::Init::KaimingNormal) and
/// [`Init::KaimingUniform`](crate::Init::KaimingUniform) hold. Every combination is valid.
///
/// `Var(w) = gain²/fan`, `gain = nonlinearity.gain()`, `fan` chosen by `mode`:
/// [`Kaiming::normal`] is [`VarianceScaling`]`(gain², mode, normal)` ([`kaiming_normal`]),
/// [`Kaiming::uniform`] the same with a uniform distribution ([`kaiming_uniform`]). Default
/// `fan_in` and ReLU, as PyTorch (also in JSON, where either field may be left out).
///
/// Reference: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers: Surpassing
/// Human-Level Performance on ImageNet Classification".
///
/// ```
/// use burn_init::{FanMode, Fans, Init, Kaiming, Nonlinearity};
/// let k = Kaiming::new(FanMode::FanOut, Nonlinearity::Tanh);
/// assert_eq!(k.uniform().variance(Fans::linear(100, 50)?), (5.0f64 / 3.0).powi(2) / 50.0);
/// assert_eq!(Init::from_json(r#"{"name": "kaiming_normal"}"#)?, Init::KaimingNormal(Kaiming::default()));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kaiming {
    mode: FanMode,
    nonlinearity: Nonlinearity,
}

impl Kaiming {
    /// Kaiming with this fan mode and nonlinearity.
    pub const fn new(mode: FanMode, nonlinearity: Nonlinearity) -> Self {
        Self { mode, nonlinearity }
    }

    /// The fan mode.
    pub const fn mode(&self) -> FanMode {
        self.mode
    }

    /// The nonlinearity.
    pub const fn nonlinearity(&self) -> Nonlinearity {
        self.nonlinearity
    }

    /// Untruncated normal: [`VarianceScaling`]`(gain², mode, normal)`.
    pub fn normal(&self) -> VarianceScaling {
        vs(
            self.nonlinearity.gain().powi(2),
            self.mode,
            VsDistribution::Normal,
        )
    }

    /// Uniform: [`VarianceScaling`]`(gain², mode, uniform)`.
    pub fn uniform(&self) -> VarianceScaling {
        vs(
            self.nonlinearity.gain().powi(2),
            self.mode,
            VsDistribution::Uniform,
        )
    }
}

impl Default for Kaiming {
    /// `fan_in` and ReLU.
    fn default() -> Self {
        Self::new(FanMode::FanIn, Nonlinearity::Relu)
    }
}

deserialize_through!(
    Kaiming { mode: FanMode = FanMode::FanIn, nonlinearity: Nonlinearity = Nonlinearity::Relu }
        => |mode, nonlinearity| Ok::<_, crate::InitError>(Kaiming::new(mode, nonlinearity))
);

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

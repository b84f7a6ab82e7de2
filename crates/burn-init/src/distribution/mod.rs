//! Fixed distributions (no fans): zeros, ones, constants, uniform, normal, truncated normal.
//!
//! Each is a small validated struct; the host and device samplers live in [`Primitive`], to
//! which every element-wise initializer of the crate reduces.

mod device;
mod special;

pub(crate) use self::device::is_host_memory;
mod primitive;

pub use self::primitive::Primitive;

use serde::Serialize;

use self::special::{UpperTail, normal_cdf};
use crate::error::{
    InitError, Result, deserialize_through, finite, non_negative, ordered, positive, spread,
};

/// A constant fill: every element is `value` (PyTorch `constant_`, Keras `Constant`).
///
/// `w = value`. [`zeros`](crate::zeros) and [`ones`](crate::ones) are its specializations.
///
/// ```
/// use burn_init::Constant;
/// let c = Constant::new(0.5)?;
/// assert_eq!(c.value(), 0.5);
/// assert!(Constant::new(1e39).is_err()); // finite in f64, not in f32
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Constant {
    value: f64,
}

impl Constant {
    /// # Errors
    /// [`InitError::InvalidParameter`] naming `value` if it is not finite in `f32`.
    pub fn new(value: f64) -> Result<Self> {
        Ok(Self {
            value: finite("value", value)?,
        })
    }

    /// The fill value.
    pub const fn value(&self) -> f64 {
        self.value
    }

    /// Without validation: for values the crate has validated or derived from validated ones.
    pub(crate) const fn raw(value: f64) -> Self {
        Self { value }
    }
}

deserialize_through!(Constant { value: f64 } => Constant::new);

/// The uniform distribution `U(low, high)`: density `1/(high − low)` on `[low, high)`,
/// variance `(high − low)²/12`. PyTorch `uniform_`, Keras `RandomUniform`, JAX `uniform`.
///
/// ```
/// use burn_init::Uniform;
/// let u = Uniform::new(-1.0, 1.0)?;
/// assert_eq!(u.variance(), 1.0 / 3.0);
/// assert!(Uniform::new(1.0, 1.0).is_err());
/// assert!(Uniform::new(-1e308, 1e308).is_err()); // neither the bounds nor the width fit in f32
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uniform {
    low: f64,
    high: f64,
}

impl Uniform {
    /// # Errors
    /// [`InitError::InvalidParameter`] for bounds not finite in `f32`, `low >= high` (also once
    /// rounded to `f32`), or a width `high − low` not finite in `f32`.
    pub fn new(low: f64, high: f64) -> Result<Self> {
        finite("low", low)?;
        finite("high", high)?;
        ordered(low, high)?;
        if (high - low) as f32 == f32::INFINITY {
            return Err(InitError::InvalidParameter {
                field: "high",
                value: high,
                reason: "the width high - low must be finite in f32",
            });
        }
        Ok(Self { low, high })
    }

    /// `U(−bound, bound)`.
    ///
    /// # Errors
    /// As [`Uniform::new`] (`bound` must be positive).
    pub fn symmetric(bound: f64) -> Result<Self> {
        positive("bound", bound)?;
        Self::new(-bound, bound)
    }

    /// Without validation: `U(−bound, bound)` for a bound derived from validated parameters.
    pub(crate) const fn raw_symmetric(bound: f64) -> Self {
        Self {
            low: -bound,
            high: bound,
        }
    }

    /// Lower bound (inclusive).
    pub const fn low(&self) -> f64 {
        self.low
    }

    /// Upper bound.
    pub const fn high(&self) -> f64 {
        self.high
    }

    /// `(high − low) / 2`, the mean.
    pub fn mean(&self) -> f64 {
        0.5 * (self.low + self.high)
    }

    /// `(high − low)² / 12`.
    pub fn variance(&self) -> f64 {
        (self.high - self.low).powi(2) / 12.0
    }
}

deserialize_through!(Uniform { low: f64, high: f64 } => Uniform::new);

/// The normal distribution `N(mean, std²)`. PyTorch `normal_`, Keras `RandomNormal`, JAX `normal`.
///
/// Two fixed-scale presets, whatever the layer's fans: [`Normal::small_random`]
/// (`0.01·N(0, 1)`, whose activations vanish layer by layer in a deep network) and
/// [`Normal::large_random`] (`N(0, 1)`, which saturates tanh and sigmoid); see
/// [`small_random`](crate::small_random).
///
/// ```
/// use burn_init::Normal;
/// assert_eq!(Normal::small_random().std(), 0.01);
/// assert!(Normal::new(0.0, -1.0).is_err());
/// assert!(Normal::new(0.0, 1e39).is_err()); // not finite in f32
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Normal {
    mean: f64,
    std: f64,
}

impl Normal {
    /// # Errors
    /// [`InitError::InvalidParameter`] for a mean or std not finite in `f32`, a negative std, or
    /// `|mean| + 10·std` beyond `f32` (draws would overflow).
    pub fn new(mean: f64, std: f64) -> Result<Self> {
        finite("mean", mean)?;
        non_negative("std", std)?;
        spread(mean, std)?;
        Ok(Self { mean, std })
    }

    /// "Small random": `N(0, 0.01²)`, i.e. `0.01 · N(0, 1)`.
    pub const fn small_random() -> Self {
        Self {
            mean: 0.0,
            std: 0.01,
        }
    }

    /// "Large random": `N(0, 1)`.
    pub const fn large_random() -> Self {
        Self {
            mean: 0.0,
            std: 1.0,
        }
    }

    /// Without validation: for parameters derived from validated ones.
    pub(crate) const fn raw(mean: f64, std: f64) -> Self {
        Self { mean, std }
    }

    /// The mean.
    pub const fn mean(&self) -> f64 {
        self.mean
    }

    /// The standard deviation (`>= 0`; 0 gives a constant).
    pub const fn std(&self) -> f64 {
        self.std
    }
}

deserialize_through!(Normal { mean: f64, std: f64 } => Normal::new);

/// The normal distribution `N(mean, std²)` truncated to `[low, high]` (absolute bounds, as
/// PyTorch's `trunc_normal_`; defaults there are ±2). Exact in every finite or half-infinite
/// interval, far tails on either side included: no value falls outside the bounds and the
/// density inside is the normal density renormalized (sampled by the inverse CDF, never by
/// redrawing). One-sided intervals are handled in the tail's own coordinates (`ln Q` and the
/// Mills ratio from the scaled complementary error function), so `[20σ, 21σ]` works as well as
/// `[−21σ, −20σ]`; only an interval whose probability underflows `f64` (beyond about 37.5σ) is
/// refused. On a device that does not keep tensors in host memory (wgpu, CUDA, …) a finite
/// interval is sampled by interpolating a table of 2¹⁴ + 1 exact quantiles (CDF within 2⁻¹⁴ of
/// the exact one everywhere, equal at the nodes), a half-infinite one by mapping the device
/// RNG's uniforms the same way as the host in `f32`; such intervals beyond about 11σ, whose
/// probabilities leave `f32`'s range, are drawn by the host sampler (seeded from the device RNG)
/// and uploaded.
///
/// Note that `std` is the std of the *untruncated* normal; the truncated variance is smaller
/// ([`TruncatedNormal::variance`]).
///
/// ```
/// use burn_init::TruncatedNormal;
/// let t = TruncatedNormal::new(0.0, 1.0, -2.0, 2.0)?;
/// assert!((t.variance().sqrt() - 0.87962566103423978).abs() < 1e-12);
/// let far = TruncatedNormal::new(0.0, 1.0, 20.0, 21.0)?; // mass 2.75e-89
/// assert!((far.truncated_mean() - 20.049753067339751).abs() < 1e-12);
/// assert!(TruncatedNormal::new(0.0, 1.0, 38.0, f64::INFINITY).is_err()); // mass 2.9e-316
/// assert!(TruncatedNormal::new(0.0, 1.0, f64::NEG_INFINITY, -38.0).is_err());
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TruncatedNormal {
    mean: f64,
    std: f64,
    low: f64,
    high: f64,
}

impl TruncatedNormal {
    /// # Errors
    /// [`InitError::InvalidParameter`] for a mean or std not finite in `f32`, a std that is not
    /// positive (in `f32`), NaN bounds, finite bounds beyond `f32` (use infinities),
    /// `low >= high` (also in `f32`), draws that could overflow `f32`, or an interval whose
    /// probability under the normal is too small to represent.
    pub fn new(mean: f64, std: f64, low: f64, high: f64) -> Result<Self> {
        finite("mean", mean)?;
        positive("std", std)?;
        for (field, bound) in [("low", low), ("high", high)] {
            if bound.is_nan() {
                return Err(InitError::InvalidParameter {
                    field,
                    value: bound,
                    reason: "must not be NaN",
                });
            }
            if bound.is_finite() {
                finite(field, bound)?;
            }
        }
        ordered(low, high)?;
        // Draws lie in [low, high] and within a few std of the nearer bound or the mean.
        if high == f64::INFINITY {
            spread(low.max(mean), std)?;
        }
        if low == f64::NEG_INFINITY {
            spread(high.min(mean), std)?;
        }
        let t = Self {
            mean,
            std,
            low,
            high,
        };
        // The probability of the interval, in the tail's own coordinates for a one-sided one
        // (symmetric in sign): refused only when it underflows f64.
        let ln_mass = match t.side() {
            Side::Tail { tail, .. } => tail.ln_mass(),
            Side::Central { a, b } => {
                let s = std::f64::consts::FRAC_1_SQRT_2;
                (0.5 * (libm::erf(b * s) - libm::erf(a * s))).ln()
            }
        };
        if ln_mass.is_nan() || ln_mass < f64::MIN_POSITIVE.ln() {
            let (field, value) = if high <= mean {
                ("high", high)
            } else {
                ("low", low)
            };
            return Err(InitError::InvalidParameter {
                field,
                value,
                reason: "the interval's probability under the normal underflows f64 (below 2.2e-308)",
            });
        }
        Ok(t)
    }

    /// Without validation: `N(0, σ²)` truncated to `[−2σ, 2σ]`, for a σ derived from validated
    /// parameters (variance scaling).
    pub(crate) const fn raw_two_sigma(sigma: f64) -> Self {
        Self {
            mean: 0.0,
            std: sigma,
            low: -2.0 * sigma,
            high: 2.0 * sigma,
        }
    }

    fn standard_bounds(&self) -> (f64, f64) {
        (
            (self.low - self.mean) / self.std,
            (self.high - self.mean) / self.std,
        )
    }

    /// A one-sided interval as a tail (mirrored below the mean), or one around the mean.
    fn side(&self) -> Side {
        match self.standard_bounds() {
            (a, b) if a >= 0.0 => Side::Tail {
                tail: UpperTail::new(a, b),
                sign: 1.0,
            },
            (a, b) if b <= 0.0 => Side::Tail {
                tail: UpperTail::new(-b, -a),
                sign: -1.0,
            },
            (a, b) => Side::Central { a, b },
        }
    }

    /// Mean of the untruncated normal.
    pub const fn mean(&self) -> f64 {
        self.mean
    }

    /// Std of the untruncated normal.
    pub const fn std(&self) -> f64 {
        self.std
    }

    /// Lower bound (absolute; may be `-inf`).
    pub const fn low(&self) -> f64 {
        self.low
    }

    /// Upper bound (absolute; may be `+inf`).
    pub const fn high(&self) -> f64 {
        self.high
    }

    /// The variance of the truncated distribution.
    pub fn variance(&self) -> f64 {
        let standard = match self.side() {
            Side::Tail { tail, .. } => tail.variance(),
            Side::Central { a, b } => self::special::truncated_standard_normal_variance(a, b),
        };
        self.std * self.std * standard
    }

    /// The mean of the truncated distribution.
    pub fn truncated_mean(&self) -> f64 {
        let standard = match self.side() {
            Side::Tail { tail, sign } => sign * tail.mean(),
            Side::Central { a, b } => self::special::truncated_standard_normal_mean(a, b),
        };
        self.mean + self.std * standard
    }

    /// The CDF of the truncated distribution at `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        let z = (x - self.mean) / self.std;
        match self.side() {
            Side::Tail { tail, sign } if sign > 0.0 => tail.cdf(z),
            Side::Tail { tail, .. } => 1.0 - tail.cdf(-z),
            Side::Central { a, b } => {
                if z <= a {
                    0.0
                } else if z >= b {
                    1.0
                } else {
                    (normal_cdf(z) - normal_cdf(a)) / (normal_cdf(b) - normal_cdf(a))
                }
            }
        }
    }
}

deserialize_through!(
    TruncatedNormal { mean: f64, std: f64, low: f64, high: f64 } => TruncatedNormal::new
);

/// Where a truncated normal's interval lies, in standard units.
enum Side {
    /// One-sided: the standard normal on the upper-tail interval `tail`, times `sign`.
    Tail { tail: UpperTail, sign: f64 },
    /// Around the mean: `a < 0 < b`.
    Central { a: f64, b: f64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_validate() {
        assert!(Uniform::new(0.0, f64::INFINITY).is_err());
        assert!(Uniform::new(2.0, 1.0).is_err());
        assert!(Normal::new(f64::NAN, 1.0).is_err());
        assert!(Normal::new(0.0, f64::INFINITY).is_err());
        assert!(TruncatedNormal::new(0.0, 0.0, -1.0, 1.0).is_err());
        assert!(TruncatedNormal::new(0.0, 1.0, 1.0, 1.0).is_err());
        assert!(TruncatedNormal::new(0.0, 1.0, 50.0, 60.0).is_err());
        assert!(TruncatedNormal::new(0.0, 1.0, f64::NEG_INFINITY, 0.0).is_ok());
        assert!(Constant::new(f64::NAN).is_err());
    }
}

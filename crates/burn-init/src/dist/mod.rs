//! Fixed distributions (no fans): zeros, ones, constants, uniform, normal, truncated normal.
//!
//! Each is a small validated struct; the host and device samplers live in [`Primitive`], to
//! which every element-wise initializer of the crate reduces.

mod device;
mod primitive;

pub use self::primitive::Primitive;

use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result, finite, positive};
use crate::special::normal_cdf;

/// A constant fill: every element is `value`. `Zeros` and `Ones` are `Constant` 0 and 1.
///
/// ```
/// use burn_init::Constant;
/// let c = Constant::new(0.5)?;
/// assert_eq!(c.value, 0.5);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Constant {
    /// The fill value.
    pub value: f64,
}

impl Constant {
    /// # Errors
    /// [`InitError::InvalidParameter`] if `value` is not finite.
    pub fn new(value: f64) -> Result<Self> {
        Ok(Self {
            value: finite("value", value)?,
        })
    }
}

/// The uniform distribution `U(low, high)`: density `1/(high − low)` on `[low, high)`,
/// variance `(high − low)²/12`. PyTorch `uniform_`, Keras `RandomUniform`, JAX `uniform`.
///
/// ```
/// use burn_init::Uniform;
/// let u = Uniform::new(-1.0, 1.0)?;
/// assert_eq!(u.variance(), 1.0 / 3.0);
/// assert!(Uniform::new(1.0, 1.0).is_err());
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Uniform {
    /// Lower bound (inclusive).
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Uniform {
    /// # Errors
    /// [`InitError::InvalidParameter`] for non-finite bounds or `low >= high`.
    pub fn new(low: f64, high: f64) -> Result<Self> {
        finite("low", low)?;
        finite("high", high)?;
        if low >= high {
            return Err(InitError::InvalidParameter {
                field: "high",
                value: high,
                reason: "must be > low",
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

    /// `(high − low)² / 12`.
    pub fn variance(&self) -> f64 {
        (self.high - self.low).powi(2) / 12.0
    }
}

/// The normal distribution `N(mean, std²)`. PyTorch `normal_`, Keras `RandomNormal`, JAX `normal`.
///
/// Two fixed-scale presets, whatever the layer's fans: [`Normal::small_random`]
/// (`0.01·N(0, 1)`, whose activations vanish layer by layer in a deep network) and
/// [`Normal::large_random`] (`N(0, 1)`, which saturates tanh and sigmoid); see
/// [`small_random`](crate::small_random).
///
/// ```
/// use burn_init::Normal;
/// assert_eq!(Normal::small_random().std, 0.01);
/// assert!(Normal::new(0.0, -1.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Normal {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (`>= 0`; 0 gives a constant).
    pub std: f64,
}

impl Normal {
    /// # Errors
    /// [`InitError::InvalidParameter`] for a non-finite mean or a non-finite or negative std.
    pub fn new(mean: f64, std: f64) -> Result<Self> {
        finite("mean", mean)?;
        crate::error::non_negative("std", std)?;
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
}

/// The normal distribution `N(mean, std²)` truncated to `[low, high]` (absolute bounds, as
/// PyTorch's `trunc_normal_`; defaults there are ±2). Exact: no value falls outside the bounds
/// and the density inside is the normal density renormalized (sampled by the inverse CDF, never
/// by redrawing the whole tensor).
///
/// Note that `std` is the std of the *untruncated* normal; the truncated variance is smaller
/// ([`TruncatedNormal::variance`]).
///
/// ```
/// use burn_init::TruncatedNormal;
/// let t = TruncatedNormal::new(0.0, 1.0, -2.0, 2.0)?;
/// assert!((t.variance().sqrt() - 0.87962566103423978).abs() < 1e-12);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TruncatedNormal {
    /// Mean of the untruncated normal.
    pub mean: f64,
    /// Std of the untruncated normal.
    pub std: f64,
    /// Lower bound (absolute; may be `-inf`).
    pub low: f64,
    /// Upper bound (absolute; may be `+inf`).
    pub high: f64,
}

impl TruncatedNormal {
    /// # Errors
    /// [`InitError::InvalidParameter`] for a non-finite mean, a non-positive std, NaN bounds,
    /// `low >= high`, or bounds so far in a tail that the interval has probability below 1e-300.
    pub fn new(mean: f64, std: f64, low: f64, high: f64) -> Result<Self> {
        finite("mean", mean)?;
        positive("std", std)?;
        if low.is_nan() {
            return Err(InitError::InvalidParameter {
                field: "low",
                value: low,
                reason: "must not be NaN",
            });
        }
        if high.is_nan() || low >= high {
            return Err(InitError::InvalidParameter {
                field: "high",
                value: high,
                reason: "must be > low",
            });
        }
        let t = Self {
            mean,
            std,
            low,
            high,
        };
        let (a, b) = t.standard_bounds();
        let mass = normal_cdf(b) - normal_cdf(a);
        if mass.is_nan() || mass <= 1e-300 {
            return Err(InitError::InvalidParameter {
                field: "low",
                value: low,
                reason: "interval has no probability mass under the normal",
            });
        }
        Ok(t)
    }

    fn standard_bounds(&self) -> (f64, f64) {
        (
            (self.low - self.mean) / self.std,
            (self.high - self.mean) / self.std,
        )
    }

    /// The variance of the truncated distribution.
    pub fn variance(&self) -> f64 {
        let (a, b) = self.standard_bounds();
        self.std * self.std * crate::special::truncated_standard_normal_variance(a, b)
    }

    /// The mean of the truncated distribution.
    pub fn truncated_mean(&self) -> f64 {
        let (a, b) = self.standard_bounds();
        self.mean + self.std * crate::special::truncated_standard_normal_mean(a, b)
    }

    /// The CDF of the truncated distribution at `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        let (a, b) = self.standard_bounds();
        let z = (x - self.mean) / self.std;
        if z <= a {
            0.0
        } else if z >= b {
            1.0
        } else {
            (normal_cdf(z) - normal_cdf(a)) / (normal_cdf(b) - normal_cdf(a))
        }
    }
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

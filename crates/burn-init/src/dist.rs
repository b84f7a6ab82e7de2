//! Fixed distributions (no fans): zeros, ones, constants, uniform, normal, truncated normal.
//!
//! Each is a small validated struct; the host and device samplers live in [`Primitive`], to
//! which every element-wise initializer of the crate reduces.

use burn::tensor::{Device, Distribution, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result, finite, positive};
use crate::rng::{BATCH, HostRng, open_unit_f64, unit_f32};
use crate::special::{is_quantile_tail, normal_cdf, normal_quantile_central, normal_quantile_tail};

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
/// The tutorial's two cautionary presets are [`Normal::small_random`] (`0.01·N(0, 1)`, whose
/// activations vanish layer by layer) and [`Normal::large_random`] (`N(0, 1)`, which saturates
/// tanh and sigmoid).
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

/// The element-wise sampling primitive that every element-wise initializer reduces to once its
/// fans are known. Each has a host sampler (Philox, bit-reproducible) and a device sampler
/// (the backend's RNG).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Primitive {
    /// Every element equal.
    Constant(Constant),
    /// Uniform on `[low, high)`.
    Uniform(Uniform),
    /// Normal.
    Normal(Normal),
    /// Truncated normal.
    TruncatedNormal(TruncatedNormal),
}

impl Primitive {
    /// Variance of one element.
    pub fn variance(&self) -> f64 {
        match self {
            Self::Constant(_) => 0.0,
            Self::Uniform(u) => u.variance(),
            Self::Normal(n) => n.std * n.std,
            Self::TruncatedNormal(t) => t.variance(),
        }
    }

    /// Mean of one element.
    pub fn mean(&self) -> f64 {
        match self {
            Self::Constant(c) => c.value,
            Self::Uniform(u) => 0.5 * (u.low + u.high),
            Self::Normal(n) => n.mean,
            Self::TruncatedNormal(t) => t.truncated_mean(),
        }
    }

    /// Fills `out` from the host generator (bit-identical for a given `rng`).
    pub fn fill_host(&self, rng: HostRng, out: &mut [f32]) {
        match *self {
            Self::Constant(c) => out.fill(c.value as f32),
            Self::Uniform(Uniform { low, high }) => {
                let (lo32, hi32) = (low as f32, high as f32);
                let width = high - low;
                rng.fill_batched(out, |w, o| {
                    for i in 0..BATCH {
                        o[i] = ((low + width * unit_f32(w[i]) as f64) as f32).clamp(lo32, hi32);
                    }
                });
            }
            Self::Normal(Normal { mean, std }) => {
                rng.fill_batched(out, |w, o| {
                    quantiles(w, 0.0, 1.0, o, |z| (mean + std * z) as f32);
                });
            }
            Self::TruncatedNormal(t) => {
                let (mut a, mut b) = t.standard_bounds();
                // Sample the tail nearer to the centre for precision, and mirror back.
                let flip = a > 0.0;
                if flip {
                    (a, b) = (-b, -a);
                }
                let (pa, pb) = (normal_cdf(a), normal_cdf(b));
                let width = pb - pa;
                let sign = if flip { -1.0 } else { 1.0 };
                let (lo32, hi32) = (t.low as f32, t.high as f32);
                let (mean, std) = (t.mean, t.std);
                rng.fill_batched(out, |w, o| {
                    quantiles(w, pa, width, o, |z| {
                        ((mean + std * sign * z.clamp(a, b)) as f32).clamp(lo32, hi32)
                    });
                });
            }
        }
    }

    /// Samples `n` elements with the device's own RNG (no copy through the host).
    pub fn sample_device(&self, n: usize, device: &Device) -> Tensor<1> {
        match *self {
            Self::Constant(c) => Tensor::full([n], c.value, device),
            Self::Uniform(Uniform { low, high }) => {
                Tensor::<1>::random([n], Distribution::Uniform(low, high), device)
                    .clamp(low as f32, high as f32)
            }
            Self::Normal(Normal { mean, std }) => {
                Tensor::random([n], Distribution::Normal(mean, std), device)
            }
            Self::TruncatedNormal(t) => {
                let (a, b) = t.standard_bounds();
                let s = std::f64::consts::FRAC_1_SQRT_2;
                // erf(z/√2) of the bounds; keep away from ±1 where erfinv is infinite.
                let eps = 1e-7;
                let lo = libm::erf(a * s).max(-1.0 + eps);
                let hi = libm::erf(b * s).min(1.0 - eps);
                let u = Tensor::<1>::random([n], Distribution::Uniform(lo, hi), device);
                let x = erfinv(u)
                    .mul_scalar(std::f64::consts::SQRT_2 * t.std)
                    .add_scalar(t.mean);
                let x = if t.low.is_finite() {
                    x.clamp_min(t.low as f32)
                } else {
                    x
                };
                if t.high.is_finite() {
                    x.clamp_max(t.high as f32)
                } else {
                    x
                }
            }
        }
    }
}

/// Maps a batch of words to `finish(Φ⁻¹(offset + width·u))`: the branch-free central
/// approximation for every lane (vectorized), then the few tail lanes (~5 %) fixed one by one. Equal,
/// element by element, to `finish(normal_quantile(…))`.
#[inline(always)]
fn quantiles(
    w: &[u32; BATCH],
    offset: f64,
    width: f64,
    out: &mut [f32; BATCH],
    finish: impl Fn(f64) -> f32,
) {
    let mut p = [0f64; BATCH];
    let mut z = [0f64; BATCH];
    for i in 0..BATCH {
        p[i] = offset + width * open_unit_f64(w[i]);
        z[i] = normal_quantile_central(p[i]);
    }
    // Collect the tail lanes without branching, then fix only those.
    let mut tails = [0u16; BATCH];
    let mut count = 0;
    for (i, &pi) in p.iter().enumerate() {
        tails[count] = i as u16;
        count += usize::from(is_quantile_tail(pi));
    }
    for &i in &tails[..count] {
        z[i as usize] = normal_quantile_tail(p[i as usize]);
    }
    for i in 0..BATCH {
        out[i] = finish(z[i]);
    }
}

/// `erfinv` on a device tensor with `f32` accuracy (M. Giles, "Approximating the erfinv
/// function", GPU Computing Gems, 2011), for inputs in `(−1, 1)`.
pub fn erfinv(x: Tensor<1>) -> Tensor<1> {
    let one_minus = x.clone().neg().add_scalar(1.0);
    let one_plus = x.clone().add_scalar(1.0);
    let w = one_minus.mul(one_plus).log().neg();
    let central = horner(
        w.clone().sub_scalar(2.5),
        &[
            2.810_226_36e-08,
            3.432_739_39e-07,
            -3.523_387_7e-06,
            -4.391_506_54e-06,
            0.000_218_580_87,
            -0.001_253_725_03,
            -0.004_177_681_64,
            0.246_640_727,
            1.501_409_41,
        ],
    );
    let tail = horner(
        w.clone().sqrt().sub_scalar(3.0),
        &[
            -0.000_200_214_257,
            0.000_100_950_558,
            0.001_349_343_22,
            -0.003_673_428_44,
            0.005_739_507_73,
            -0.007_622_461_3,
            0.009_438_870_47,
            1.001_674_06,
            2.832_976_82,
        ],
    );
    tail.mask_where(w.lower_elem(5.0), central).mul(x)
}

fn horner(w: Tensor<1>, coefficients: &[f64]) -> Tensor<1> {
    let mut p = w.zeros_like().add_scalar(coefficients[0]);
    for &c in &coefficients[1..] {
        p = p.mul(w.clone()).add_scalar(c);
    }
    p
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

    #[test]
    fn host_truncated_normal_stays_inside_far_tail() {
        let t = TruncatedNormal::new(0.0, 1.0, 4.0, 4.5).unwrap();
        let mut v = vec![0f32; 10_000];
        Primitive::TruncatedNormal(t).fill_host(HostRng::new(1), &mut v);
        assert!(v.iter().all(|x| (4.0..=4.5).contains(x)));
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        assert!(
            (mean - t.truncated_mean()).abs() < 0.01,
            "{mean} vs {}",
            t.truncated_mean()
        );
    }
}

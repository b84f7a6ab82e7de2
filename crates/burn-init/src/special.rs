//! Special functions in `f64`: the normal CDF and its inverse.

/// Standard normal CDF Φ(x), accurate in both tails (via `erfc`).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Acklam's switch point between the central and the tail approximations.
pub const QUANTILE_P_LOW: f64 = 0.02425;

#[allow(clippy::excessive_precision)] // Acklam's published coefficients, verbatim.
const A: [f64; 6] = [
    -3.969683028665376e+01,
    2.209460984245205e+02,
    -2.759285104469687e+02,
    1.383577518672690e+02,
    -3.066479806614716e+01,
    2.506628277459239e+00,
];
#[allow(clippy::excessive_precision)]
const B: [f64; 5] = [
    -5.447609879822406e+01,
    1.615858368580409e+02,
    -1.556989798598866e+02,
    6.680131188771972e+01,
    -1.328068155288572e+01,
];
#[allow(clippy::excessive_precision)]
const C: [f64; 6] = [
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e+00,
    -2.549732539343734e+00,
    4.374664141464968e+00,
    2.938163982698783e+00,
];
#[allow(clippy::excessive_precision)]
const D: [f64; 4] = [
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e+00,
    3.754408661907416e+00,
];

/// The central approximation of Φ⁻¹, valid for `p` in `[P_LOW, 1 − P_LOW]` (branch-free, so
/// it vectorizes).
#[inline(always)]
pub fn normal_quantile_central(p: f64) -> f64 {
    let q = p - 0.5;
    let r = q * q;
    (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
        / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
}

/// The tail approximation of Φ⁻¹ for `p` outside `[P_LOW, 1 − P_LOW]`.
#[inline]
pub fn normal_quantile_tail(p: f64) -> f64 {
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else if p < QUANTILE_P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

/// Whether `p` needs [`normal_quantile_tail`].
#[inline(always)]
pub fn is_quantile_tail(p: f64) -> bool {
    !(QUANTILE_P_LOW..=1.0 - QUANTILE_P_LOW).contains(&p)
}

/// Standard normal quantile Φ⁻¹(p) for `p` in (0, 1) (Acklam's rational approximation,
/// relative error below 1.2e-9, far below `f32` resolution). Returns ±∞ at 0 and 1.
#[inline]
pub fn normal_quantile(p: f64) -> f64 {
    if is_quantile_tail(p) {
        normal_quantile_tail(p)
    } else {
        normal_quantile_central(p)
    }
}

/// The variance of a standard normal truncated to `[a, b]` (in units of σ).
pub fn truncated_standard_normal_variance(a: f64, b: f64) -> f64 {
    let pdf = |x: f64| {
        if x.is_infinite() {
            0.0
        } else {
            (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
        }
    };
    let xpdf = |x: f64| if x.is_infinite() { 0.0 } else { x * pdf(x) };
    let z = normal_cdf(b) - normal_cdf(a);
    let m = (pdf(a) - pdf(b)) / z;
    1.0 + (xpdf(a) - xpdf(b)) / z - m * m
}

/// The mean of a standard normal truncated to `[a, b]` (in units of σ).
pub fn truncated_standard_normal_mean(a: f64, b: f64) -> f64 {
    let pdf = |x: f64| {
        if x.is_infinite() {
            0.0
        } else {
            (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
        }
    };
    (pdf(a) - pdf(b)) / (normal_cdf(b) - normal_cdf(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_inverts_cdf() {
        // The upper tail goes through 1 − p, which loses digits beyond ~6σ.
        for i in -80..=60 {
            let x = i as f64 / 10.0;
            let p = normal_cdf(x);
            let back = normal_quantile(p);
            assert!((back - x).abs() < 1e-7 * (1.0 + x.abs()), "x = {x}: {back}");
        }
        assert_eq!(normal_quantile(0.5), 0.0);
    }

    #[test]
    fn keras_truncation_constant() {
        // Keras/JAX divide the std by this: the std of N(0,1) truncated at ±2.
        let s = truncated_standard_normal_variance(-2.0, 2.0).sqrt();
        assert!((s - 0.879_625_661_034_239_8).abs() < 1e-12, "{s}");
    }
}

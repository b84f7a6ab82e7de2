//! Gaussian expectations: `E[f(√q z)]` and `E[f(u₁) g(u₂)]` for a Gaussian pair, the one
//! quadrature behind the mean-field predictions ([`mean_field`](super::mean_field)) and the
//! criticality theory ([`criticality`](super::criticality)).
//!
//! **Numerics.** Every expectation is a composite Gauss–Legendre quadrature of 10 nodes per
//! panel (`GL_ORDER`, exact for polynomials of degree 19 on each panel) over `z ∈ [−10, 10]`
//! (`Z_MAX`: the Gaussian mass outside is below `2·10⁻²³`), on panels of width at most ½
//! (`PANEL`), refined geometrically towards the point where the integrand changes fastest:
//! `z = 0` for `φ(√q z)` (the kink of ReLU-like activations, the `1/√q`-wide transition of tanh
//! and sigmoid), and `z₂ = −c z₁/√(1−c²)` for the inner integral of the two-dimensional
//! expectations, which are nested one-dimensional ones. The kinks of ReLU, leaky ReLU and SELU
//! are panel boundaries, so their expectations are as accurate as smooth ones. Against closed
//! forms (ReLU's arc-cosine kernel, `erf`'s arcsine kernel, linear, Gaussian moments) the error is
//! below `10⁻¹²` (tested), and a composite Simpson rule of 4000 intervals, a brute-force tensor
//! Gauss–Legendre rule and Monte Carlo agree with it (tested).
//!
//! The variance `q` must be finite and `≥ 0` and the correlation `c` finite and in `[−1, 1]`:
//! anything else is [`InitError::InvalidParameter`], never a hang (an infinite `q` would make the
//! refinement endless).

use std::sync::OnceLock;

use crate::error::{Result, finite_where};

/// Nodes per panel of the Gauss–Legendre quadrature.
const GL_ORDER: usize = 10;

/// Half-width of the integration range in units of the standard normal `z`.
const Z_MAX: f64 = 10.0;

/// Widest panel.
const PANEL: f64 = 0.5;

const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Checks a variance: finite and `≥ 0`.
pub(crate) fn variance(field: &'static str, q: f64) -> Result<f64> {
    finite_where(field, q, q >= 0.0, "must be finite and >= 0")
}

/// Checks a correlation: finite and in `[−1, 1]`.
pub(crate) fn correlation(field: &'static str, c: f64) -> Result<f64> {
    finite_where(field, c, (-1.0..=1.0).contains(&c), "must be in [-1, 1]")
}

/// `E[f(√q z)]`, `z ~ N(0, 1)`. At `q = 0` the limit `q → 0⁺`: the mean of `f(0⁺)` and `f(0⁻)`
/// (which is `f(0)` for continuous `f`, and `½` for ReLU's derivative).
///
/// ```
/// use burn_init::signal::gaussian_mean;
/// // E[relu(u)²] = q/2 for u ~ N(0, q).
/// assert!((gaussian_mean(1.7, |x| x.max(0.0).powi(2))? - 0.85).abs() < 1e-13);
/// assert!(gaussian_mean(f64::INFINITY, |x| x).is_err());
/// # Ok::<(), burn_init::InitError>(())
/// ```
///
/// # Errors
/// [`InitError::InvalidParameter`](crate::InitError::InvalidParameter) naming `q` unless it is
/// finite and `≥ 0`.
pub fn gaussian_mean(q: f64, f: impl Fn(f64) -> f64) -> Result<f64> {
    Ok(mean(variance("q", q)?, f))
}

/// `E[f(u₁) g(u₂)]` with `u₁ = √q z₁`, `u₂ = √q (c z₁ + √(1−c²) z₂)`: a Gaussian pair of variance
/// `q` and correlation `c`. Nested one-dimensional quadratures; the inner mesh is refined around
/// `z₂ = −c z₁/√(1−c²)` (where `u₂ = 0`), the outer one around `z₁ = 0`. At `q = 0`, the limit
/// `f(0)·g(0)` (averaged over the one-sided limits, as [`gaussian_mean`]).
///
/// ```
/// use burn_init::signal::gaussian_pair_mean;
/// // E[u₁u₂] = q·c.
/// assert!((gaussian_pair_mean(2.0, 0.3, |x| x, |x| x)? - 0.6).abs() < 1e-12);
/// assert!(gaussian_pair_mean(1.0, 1.5, |x| x, |x| x).is_err());
/// # Ok::<(), burn_init::InitError>(())
/// ```
///
/// # Errors
/// [`InitError::InvalidParameter`](crate::InitError::InvalidParameter) naming `q` unless it is
/// finite and `≥ 0`, or `c` unless it is in `[−1, 1]`.
pub fn gaussian_pair_mean(
    q: f64,
    c: f64,
    f: impl Fn(f64) -> f64,
    g: impl Fn(f64) -> f64,
) -> Result<f64> {
    Ok(pair_mean(variance("q", q)?, correlation("c", c)?, f, g))
}

/// [`gaussian_mean`] for a `q` already checked (finite, `≥ 0`).
pub(crate) fn mean(q: f64, f: impl Fn(f64) -> f64) -> f64 {
    debug_assert!(q.is_finite() && q >= 0.0, "q = {q}");
    if q == 0.0 {
        return 0.5 * (f(f64::MIN_POSITIVE) + f(-f64::MIN_POSITIVE));
    }
    let s = q.sqrt();
    let mut bounds = Vec::new();
    mesh(0.0, feature_width(q), &mut bounds);
    integrate(&bounds, |z| f(s * z))
}

/// [`gaussian_pair_mean`] for a `q` already checked (finite, `≥ 0`); `c` is clamped to
/// `[−1, 1]`.
pub(crate) fn pair_mean(q: f64, c: f64, f: impl Fn(f64) -> f64, g: impl Fn(f64) -> f64) -> f64 {
    let c = c.clamp(-1.0, 1.0);
    if q == 0.0 {
        let t = f64::MIN_POSITIVE;
        let sgn = if c < 0.0 { -1.0 } else { 1.0 };
        return 0.5 * (f(t) * g(sgn * t) + f(-t) * g(-sgn * t));
    }
    let s = (1.0 - c * c).max(0.0).sqrt();
    let sq = q.sqrt();
    if s == 0.0 {
        return mean(q, |u| f(u) * g(c * u));
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

/// Panel boundaries on `[−Z_MAX, Z_MAX]`: uniform panels of width [`PANEL`], plus a geometric
/// refinement around `centre` (boundaries at `centre ± δ·2^k` while `δ·2^k < PANEL`), so that
/// every panel near `centre` is no wider than its distance to it. A `δ` that is not positive and
/// finite (which checked inputs never give) refines nothing.
fn mesh(centre: f64, delta: f64, out: &mut Vec<f64>) {
    out.clear();
    let n = (2.0 * Z_MAX / PANEL).round() as usize;
    out.extend((0..=n).map(|k| -Z_MAX + k as f64 * PANEL));
    if centre > -Z_MAX && centre < Z_MAX && delta > 0.0 && delta.is_finite() {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::InitError;
    use crate::host::{HostRng, open_unit_f64};
    use crate::scale::Nonlinearity;
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

    /// An independent reference rule, for the tests only: composite Simpson with 4000
    /// intervals on `[−10, 10]` (what the mean-field predictions used before they shared the
    /// quadrature above).
    pub(crate) fn simpson_reference(q: f64, f: impl Fn(f64) -> f64) -> f64 {
        let n = 4000;
        let (a, b) = (-10.0, 10.0);
        let h = (b - a) / n as f64;
        let s = q.sqrt();
        let g = |z: f64| f(s * z) * (-0.5 * z * z).exp() * INV_SQRT_2PI;
        let mut sum = g(a) + g(b);
        for i in 1..n {
            sum += if i % 2 == 1 { 4.0 } else { 2.0 } * g(a + i as f64 * h);
        }
        sum * h / 3.0
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
        let m = |q: f64, f: fn(f64) -> f64| gaussian_mean(q, f).unwrap();
        // Gaussian moments.
        for q in [1e-6, 0.3, 1.0, 7.0, 250.0] {
            assert!(close(m(q, |x| x * x), q, 1e-13));
            assert!(close(m(q, |x| x.powi(4)), 3.0 * q * q, 1e-13));
            // E[relu(u)²] = q/2 and E[relu(u)] = √(q/2π): the kink at 0 is a panel boundary.
            assert!(close(m(q, |x| x.max(0.0).powi(2)), q / 2.0, 1e-13));
            assert!(close(m(q, |x| x.max(0.0)), (q / (2.0 * PI)).sqrt(), 1e-13));
            // E[erf(u)²] = 2/π asin(2q/(1+2q)).
            let e = m(q, |x| libm::erf(x).powi(2));
            assert!(close(e, erf_kernel(q, 1.0), 1e-12), "q {q}: {e}");
        }
        // An independent rule (composite Simpson) for tanh and its derivative.
        for q in [0.1, 1.0, 3.0] {
            let ours = m(q, |x| x.tanh().powi(2));
            let simpson = simpson_reference(q, |x| x.tanh().powi(2));
            assert!((ours - simpson).abs() < 1e-10, "q {q}: {ours} vs {simpson}");
            let ours = m(q, |x| (1.0 - x.tanh().powi(2)).powi(2));
            let simpson = simpson_reference(q, |x| (1.0 - x.tanh().powi(2)).powi(2));
            assert!((ours - simpson).abs() < 1e-10, "q {q}: {ours} vs {simpson}");
        }
        // The q → 0 limit of a step: ½.
        assert_eq!(m(0.0, |x| f64::from(u8::from(x > 0.0))), 0.5);
    }

    #[test]
    fn two_dimensional_expectations_match_closed_forms() {
        for q in [0.05, 1.0, 4.0, 60.0] {
            for c in [-1.0, -0.7, -0.2, 0.0, 0.3, 0.9, 0.999, 0.999_999, 1.0] {
                let pm = |f: fn(f64) -> f64| gaussian_pair_mean(q, c, f, f).unwrap();
                let relu = pm(|x| x.max(0.0));
                assert!(
                    close(relu, relu_kernel(q, c), 1e-12),
                    "relu q {q} c {c}: {relu} vs {}",
                    relu_kernel(q, c)
                );
                let erf = pm(libm::erf);
                assert!(
                    close(erf, erf_kernel(q, c), 1e-12),
                    "erf q {q} c {c}: {erf} vs {}",
                    erf_kernel(q, c)
                );
                // Linear: E[u₁u₂] = qc.
                let lin = pm(|x| x);
                assert!(close(lin, q * c, 1e-12), "linear q {q} c {c}: {lin}");
                // ReLU's derivative: P(u₁ > 0, u₂ > 0) = (π − arccos c)/(2π).
                let p = pm(|x| f64::from(u8::from(x > 0.0)));
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
            let coarse = gaussian_pair_mean(q, c, f, f).unwrap();
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
    fn monte_carlo_agrees_with_the_pair_expectation() {
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
            let phi = |x| act.apply_scalar(x);
            let quad = gaussian_pair_mean(q, c, phi, phi).unwrap();
            assert!(
                (mean - quad).abs() < 5.0 * se,
                "{act:?}: Monte Carlo {mean} ± {se}, quadrature {quad}"
            );
        }
    }

    #[test]
    fn bad_input_is_a_typed_error_not_a_hang() {
        for q in [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -1.0,
            -f64::MIN_POSITIVE,
        ] {
            assert!(
                matches!(
                    gaussian_mean(q, |x| x),
                    Err(InitError::InvalidParameter { field: "q", .. })
                ),
                "q = {q}"
            );
            assert!(
                matches!(
                    gaussian_pair_mean(q, 0.5, |x| x, |x| x),
                    Err(InitError::InvalidParameter { field: "q", .. })
                ),
                "q = {q}"
            );
        }
        for c in [1.0 + 1e-12, -2.0, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(
                    gaussian_pair_mean(1.0, c, |x| x, |x| x),
                    Err(InitError::InvalidParameter { field: "c", .. })
                ),
                "c = {c}"
            );
        }
        // The largest finite variance is fine (the refinement is ~500 steps, not endless).
        assert!(close(
            gaussian_mean(f64::MAX, |x| f64::from(u8::from(x > 0.0))).unwrap(),
            0.5,
            1e-12
        ));
        // And the mesh refuses to refine for a width no checked input gives.
        let mut m = Vec::new();
        mesh(0.0, 0.0, &mut m);
        assert_eq!(m.len(), 41);
    }
}

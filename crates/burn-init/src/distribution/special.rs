//! Special functions in `f64`: the normal CDF and its inverse, and the normal's upper tail in
//! its own coordinates (scaled complementary error function, Mills ratio, the truncated normal
//! on a tail interval), exact where `1 − Φ(x)` has long underflowed to 0.

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
pub(crate) const C: [f64; 6] = [
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e+00,
    -2.549732539343734e+00,
    4.374664141464968e+00,
    2.938163982698783e+00,
];
#[allow(clippy::excessive_precision)]
pub(crate) const D: [f64; 4] = [
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

/// Acklam's central polynomials re-expanded around `r₀ = (½ − P_LOW)²`, the edge of the central
/// region: in powers of `t = q² − r₀` the `f32` evaluation no longer cancels (in powers of `q²`
/// the terms reach ±7 while the numerator falls to 0.02 at the edge, a 1.5e-4 relative error in
/// `f32`; re-expanded, the worst case is 3.8e-7, about 3 ulp). Computed at compile time from the
/// published coefficients.
pub(crate) const R0: f64 = (0.5 - QUANTILE_P_LOW) * (0.5 - QUANTILE_P_LOW);

/// `c` (highest degree first) as a polynomial in `t = r − r0`, highest degree first.
const fn shifted<const N: usize>(c: [f64; N], r0: f64) -> [f32; N] {
    // Ascending coefficients of c(t + r0) = Σ_k c_k Σ_j C(k, j) r0^(k−j) t^j.
    let mut out = [0f64; N];
    let mut k = 0;
    while k < N {
        let ck = c[N - 1 - k];
        let mut j = 0;
        while j <= k {
            // C(k, j) · r0^(k − j)
            let mut binom = 1f64;
            let mut i = 0;
            while i < j {
                binom = binom * (k - i) as f64 / (i + 1) as f64;
                i += 1;
            }
            let mut pow = 1f64;
            let mut e = 0;
            while e < k - j {
                pow *= r0;
                e += 1;
            }
            out[j] += ck * binom * pow;
            j += 1;
        }
        k += 1;
    }
    let mut f = [0f32; N];
    let mut i = 0;
    while i < N {
        f[i] = out[N - 1 - i] as f32;
        i += 1;
    }
    f
}

pub(crate) const A_SHIFTED: [f32; 6] = shifted(A, R0);
pub(crate) const B_SHIFTED: [f32; 6] = shifted([B[0], B[1], B[2], B[3], B[4], 1.0], R0);

/// [`normal_quantile_central`] in `f32`, from `q = p − ½` (`|q| ≤ ½ − P_LOW`): branch-free,
/// so 8 lanes go through one AVX2 instruction. Relative error below 4e-7 (a few `f32` ulp).
#[inline(always)]
pub fn normal_quantile_central_f32(q: f32) -> f32 {
    let (a, b) = (A_SHIFTED, B_SHIFTED);
    let t = q * q - R0 as f32;
    (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * q
        / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + b[5])
}

/// Natural logarithm in `f32` for `x > 0` (normal numbers), branch-free so that it vectorizes:
/// exponent and mantissa from the bits, mantissa folded into `[√½, √2)`, Cephes' `logf`
/// polynomial for `ln(1 + f)`. Within 2 ulp of the exact value; only `+ − × /` and bit
/// operations, so every code path gives the same bits.
#[inline(always)]
pub fn ln_f32(x: f32) -> f32 {
    const P: [f32; 9] = [
        7.037_683_6e-2,
        -1.151_461e-1,
        1.167_699_9e-1,
        -1.242_014_1e-1,
        1.424_932_3e-1,
        -1.666_805_8e-1,
        2.000_071_4e-1,
        -2.499_999_4e-1,
        3.333_333e-1,
    ];
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 126;
    // Mantissa in [0.5, 1).
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    let small = m < std::f32::consts::FRAC_1_SQRT_2;
    let e = e as f32 - if small { 1.0 } else { 0.0 };
    let f = if small { m + m } else { m } - 1.0;
    let z = f * f;
    // Horner, written out (no inner loop, so the loop over lanes vectorizes).
    let mut poly = P[0] * f + P[1];
    poly = poly * f + P[2];
    poly = poly * f + P[3];
    poly = poly * f + P[4];
    poly = poly * f + P[5];
    poly = poly * f + P[6];
    poly = poly * f + P[7];
    poly = poly * f + P[8];
    let mut y = f * z * poly;
    y += -2.121_944_4e-4 * e;
    y += -0.5 * z;
    (f + y) + 0.693_359_4 * e
}

/// `(cos 2πt, sin 2πt)` in `f32` for `t = k·2⁻²⁴`, `k < 2²⁴` (a full turn in 2²⁴ steps), branch-free
/// so that it vectorizes: the quadrant from the top 2 bits of `k`, the angle folded onto
/// `[0, π/4]` in integers (exactly), Cephes' `sinf`/`cosf` polynomials there, then the folding
/// undone by swaps and sign flips. Within 2e-7 of the exact values; only `+ − ×` and bit
/// operations, so every code path gives the same bits.
#[inline(always)]
pub fn sincos_turn_f32(k: u32) -> (f32, f32) {
    const QUARTER: u32 = 1 << 22;
    let quadrant = k >> 22;
    let f = k & (QUARTER - 1);
    // φ = 2π·f·2⁻²⁴ ∈ [0, π/2); past π/4, fold to π/2 − φ.
    let folded = f > QUARTER / 2;
    let g = if folded { QUARTER - f } else { f };
    let x = g as f32 * (std::f32::consts::TAU / 16_777_216.0);
    let z = x * x;
    let sin = ((-1.951_529_6e-4 * z + 8.332_161e-3) * z - 1.666_665_5e-1) * z * x + x;
    let cos = ((2.443_315_7e-5 * z - 1.388_731_6e-3) * z + 4.166_664_6e-2) * z * z - 0.5 * z + 1.0;
    let (cos_phi, sin_phi) = if folded { (sin, cos) } else { (cos, sin) };
    // Rotate by quadrant·π/2: (c, s), (−s, c), (−c, −s), (s, −c).
    let (c, s) = if quadrant & 1 == 1 {
        (sin_phi, cos_phi)
    } else {
        (cos_phi, sin_phi)
    };
    let flip_cos = ((quadrant ^ (quadrant >> 1)) & 1) << 31;
    let flip_sin = (quadrant >> 1) << 31;
    (
        f32::from_bits(c.to_bits() ^ flip_cos),
        f32::from_bits(s.to_bits() ^ flip_sin),
    )
}

/// A standard normal pair by Box–Muller (Box & Muller 1958) from two words, in `f32`:
/// `(r·cos θ, r·sin θ)` with `r = √(−2 ln u)`, `u = (k₁ + 1)·2⁻²⁴ ∈ (0, 1]` and
/// `θ = 2π·k₂·2⁻²⁴`, `k₁`, `k₂` the top 24 bits of the words. `r` is at most `√(48 ln 2)` ≈ 5.77
/// (the tail beyond has probability 6e-8), and `P(r ≥ r(u)) = u` holds exactly on the grid.
#[inline(always)]
pub fn box_muller_f32(radius_word: u32, angle_word: u32) -> (f32, f32) {
    let u = ((radius_word >> 8) + 1) as f32 * (1.0 / 16_777_216.0);
    let r = (-2.0 * ln_f32(u)).sqrt();
    let (c, s) = sincos_turn_f32(angle_word >> 8);
    (r * c, r * s)
}

/// Acklam's tail approximation in `f32` from `p` itself (the smaller of the two tail
/// probabilities, `0 < p ≤ P_LOW`), for the lower tail (negate for the upper): branch-free.
#[inline(always)]
pub fn normal_quantile_tail_f32(p: f32) -> f32 {
    let c = C.map(|v| v as f32);
    let d = D.map(|v| v as f32);
    let q = (-2.0 * ln_f32(p)).sqrt();
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0)
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

/// Standard normal quantile Φ⁻¹(p) for `p` in (0, 1) (the reference of the `f32` kernels, and
/// the device table's nodes; Acklam's rational approximation,
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

/// The scaled complementary error function `erfcx(y) = exp(y²)·erfc(y)` for `y >= 0`, to about
/// 1e-15 relative: `exp(y²)·erfc(y)` below 4, Laplace's continued fraction
/// `√π·erfcx(y) = 1/(y + ½/(y + 1/(y + (3/2)/(y + …))))` from 4 on (backward, 30 terms: 20
/// already reach 1.3e-16 at y = 4, measured against 30-digit values).
pub(crate) fn erfcx(y: f64) -> f64 {
    if y < 4.0 {
        return (y * y).exp() * libm::erfc(y);
    }
    let mut tail = 0.0;
    for k in (1..=30).rev() {
        tail = (k as f64 / 2.0) / (y + tail);
    }
    1.0 / ((y + tail) * std::f64::consts::PI.sqrt())
}

/// `ln Q(x)` with `Q(x) = 1 − Φ(x)` the upper-tail probability, for `x >= 0`, without underflow:
/// `−x²/2 + ln(erfcx(x/√2)/2)`.
pub(crate) fn ln_upper_tail(x: f64) -> f64 {
    -0.5 * x * x + (0.5 * erfcx(x * std::f64::consts::FRAC_1_SQRT_2)).ln()
}

/// The Mills ratio `Q(x)/φ(x) = √(π/2)·erfcx(x/√2)`, for `x >= 0`.
pub(crate) fn mills_ratio(x: f64) -> f64 {
    (std::f64::consts::PI / 2.0).sqrt() * erfcx(x * std::f64::consts::FRAC_1_SQRT_2)
}

/// The standard normal truncated to `[a, b]` with `0 <= a < b <= ∞`, in the tail's own
/// coordinates: every quantity from `ln Q` and the Mills ratio, so nothing cancels or underflows
/// as long as the interval's probability `Q(a) − Q(b)` is a normal `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UpperTail {
    a: f64,
    b: f64,
    /// `ln Q(a)`.
    ln_qa: f64,
    /// `1 − Q(b)/Q(a)`, the interval's share of the tail beyond `a`.
    share: f64,
    /// `exp(−(b² − a²)/2) = φ(b)/φ(a)`.
    density_ratio: f64,
}

impl UpperTail {
    pub(crate) fn new(a: f64, b: f64) -> Self {
        let ln_qa = ln_upper_tail(a);
        let (share, density_ratio) = if b.is_finite() {
            (
                -(ln_upper_tail(b) - ln_qa).exp_m1(),
                (-0.5 * (b - a) * (b + a)).exp(),
            )
        } else {
            (1.0, 0.0)
        };
        Self {
            a,
            b,
            ln_qa,
            share,
            density_ratio,
        }
    }

    /// `ln(Q(a) − Q(b))`, the interval's log-probability.
    pub(crate) fn ln_mass(&self) -> f64 {
        self.ln_qa + self.share.ln()
    }

    /// The `u`-quantile (`0 < u < 1`): the `x` with `Q(x) = Q(a)·(1 − u·share)`, by Newton's
    /// method on `ln Q(x) − target` (steps `(ln Q(x) − target)·M(x)`, `M` the Mills ratio), from
    /// `√(a² − 2·ln(1 − u·share))`, which it is for large `a`.
    pub(crate) fn quantile(&self, u: f64) -> f64 {
        let drop = (-u * self.share).ln_1p();
        let target = self.ln_qa + drop;
        let mut x = (self.a * self.a - 2.0 * drop).sqrt().clamp(self.a, self.b);
        for _ in 0..50 {
            // ln Q(x) and the Mills ratio from one erfcx.
            let e = erfcx(x * std::f64::consts::FRAC_1_SQRT_2);
            let ln_q = -0.5 * x * x + (0.5 * e).ln();
            let step = (ln_q - target) * (std::f64::consts::PI / 2.0).sqrt() * e;
            let next = (x + step).clamp(self.a, self.b);
            let done = (next - x).abs() <= 1e-15 * next.abs().max(1.0);
            x = next;
            if done {
                break;
            }
        }
        x
    }

    /// The CDF at `x` in `[a, b]`: `(1 − Q(x)/Q(a)) / share`.
    pub(crate) fn cdf(&self, x: f64) -> f64 {
        if x <= self.a {
            0.0
        } else if x >= self.b {
            1.0
        } else {
            (-(ln_upper_tail(x) - self.ln_qa).exp_m1() / self.share).min(1.0)
        }
    }

    /// `(φ(a) − φ(b)) / (Q(a) − Q(b))`, each divided by `φ(a)`.
    pub(crate) fn mean(&self) -> f64 {
        (1.0 - self.density_ratio) / self.scaled_mass()
    }

    /// `1 + (a·φ(a) − b·φ(b))/(Q(a) − Q(b)) − mean²`, each divided by `φ(a)`.
    pub(crate) fn variance(&self) -> f64 {
        let b_term = if self.b.is_finite() {
            self.b * self.density_ratio
        } else {
            0.0
        };
        let mean = self.mean();
        1.0 + (self.a - b_term) / self.scaled_mass() - mean * mean
    }

    /// `(Q(a) − Q(b))/φ(a) = M(a) − M(b)·φ(b)/φ(a)`.
    fn scaled_mass(&self) -> f64 {
        let mb = if self.b.is_finite() {
            mills_ratio(self.b) * self.density_ratio
        } else {
            0.0
        };
        mills_ratio(self.a) - mb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_central_quantile_matches_f64() {
        let mut worst = 0f64;
        for k in 0..=100_000 {
            let p = QUANTILE_P_LOW + (1.0 - 2.0 * QUANTILE_P_LOW) * k as f64 / 100_000.0;
            let q = (p - 0.5) as f32;
            let exact = normal_quantile_central(0.5 + q as f64);
            let fast = normal_quantile_central_f32(q) as f64;
            worst = worst.max((fast - exact).abs() / exact.abs().max(1e-30));
        }
        // Evaluated in powers of q² this would be 1.5e-4 at the edges.
        assert!(worst < 1e-6, "relative error {worst}");
    }

    #[test]
    fn f32_log_and_tail_match_f64() {
        let mut worst = 0f64;
        let mut x = 1e-37f32;
        while x < 1e30 {
            let exact = (x as f64).ln();
            let fast = ln_f32(x) as f64;
            worst = worst.max((fast - exact).abs() / exact.abs().max(1.0));
            x *= 1.000_37;
        }
        assert!(worst < 3e-7, "ln_f32 relative error {worst}");
        let mut worst = 0f64;
        let mut p = 3e-8f32;
        while p <= QUANTILE_P_LOW as f32 {
            let exact = normal_quantile_tail(p as f64);
            let fast = normal_quantile_tail_f32(p) as f64;
            worst = worst.max((fast - exact).abs() / exact.abs());
            p *= 1.0001;
        }
        assert!(worst < 1e-6, "tail relative error {worst}");
    }

    #[test]
    fn f32_sincos_matches_f64() {
        let mut worst = 0f64;
        for k in (0..1u32 << 24)
            .step_by(3)
            .chain([(1 << 24) - 1, 1 << 21, 1 << 22, 3 << 22])
        {
            let (c, s) = sincos_turn_f32(k);
            let t = std::f64::consts::TAU * k as f64 / 16_777_216.0;
            worst = worst
                .max((c as f64 - t.cos()).abs())
                .max((s as f64 - t.sin()).abs());
        }
        assert!(worst < 2e-7, "sincos error {worst}");
        assert_eq!(sincos_turn_f32(0), (1.0, 0.0));
        assert_eq!(sincos_turn_f32(1 << 22), (-0.0, 1.0));
        // r = 0 at u = 1, the largest radius at the smallest u.
        assert_eq!(box_muller_f32(u32::MAX, 0).0, 0.0);
        let (z, _) = box_muller_f32(0, 0);
        assert!(
            (z as f64 - (48.0 * std::f64::consts::LN_2).sqrt()).abs() < 1e-5,
            "{z}"
        );
    }

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
    #[allow(clippy::excessive_precision)] // the reference values as printed, 17 digits
    fn upper_tail_matches_high_precision_values() {
        // ln Q(x) and erfcx(y) to 40 digits with mpmath.
        for (x, ln_q) in [
            (1.0, -1.841_021_645_009_263_5),
            (5.0, -15.064_998_393_988_726),
            (10.0, -53.231_285_150_512_47),
            (20.0, -203.917_155_371_097_26),
            (37.5, -707.668_989_317_507_2),
        ] {
            let got = ln_upper_tail(x);
            assert!(
                (got / ln_q - 1.0).abs() < 1e-14,
                "ln Q({x}) = {got}, not {ln_q}"
            );
        }
        for (y, v) in [
            (0.5, 0.615_690_344_192_925_9),
            (2.0, 0.255_395_676_310_505_74),
            (4.0, 0.136_999_457_625_061_39),
            (5.0, 0.110_704_637_733_068_63),
            (10.0, 0.056_140_992_743_822_586),
            (100.0, 0.005_641_613_782_989_433),
        ] {
            assert!(
                (erfcx(y) / v - 1.0).abs() < 1e-14,
                "erfcx({y}) = {}",
                erfcx(y)
            );
        }
        // The two forms agree where they meet.
        let (below, above) = ((16.0f64).exp() * libm::erfc(4.0), erfcx(4.0));
        assert!((below / above - 1.0).abs() < 1e-13);
        // Truncated means (mpmath), and a quantile that inverts the CDF.
        for (a, b, mean) in [
            (5.0, 6.0, 5.183_147_090_477_173_5),
            (7.0, 8.0, 7.137_067_160_546_622),
            (10.0, f64::INFINITY, 10.098_093_233_962_512),
            (20.0, 21.0, 20.049_753_067_339_751),
        ] {
            let t = UpperTail::new(a, b);
            assert!(
                (t.mean() - mean).abs() < 1e-12 * mean,
                "[{a}, {b}]: {}",
                t.mean()
            );
            for u in [1e-9, 0.3, 0.5, 0.999_999] {
                let x = t.quantile(u);
                assert!((t.cdf(x) - u).abs() < 1e-12, "[{a}, {b}] u = {u}: x = {x}");
            }
        }
        assert!(UpperTail::new(37.0, 38.0).ln_mass().exp() > 0.0);
        assert!(UpperTail::new(38.0, 39.0).ln_mass().exp() < f64::MIN_POSITIVE);
    }

    #[test]
    fn keras_truncation_constant() {
        // Keras/JAX divide the std by this: the std of N(0,1) truncated at ±2.
        let s = truncated_standard_normal_variance(-2.0, 2.0).sqrt();
        assert!((s - 0.879_625_661_034_239_8).abs() < 1e-12, "{s}");
    }
}

//! Device samplers: which devices take the host generator instead, the truncated normal on a
//! finite interval with a handful of tensor operations on a table of quantiles, and on an
//! interval with an infinite bound in the tail's own coordinates: the device RNG's uniform `u` is
//! mapped to the lower-tail probability `pa + (pb − pa)·u`, the upper-tail probability
//! `(1 − pb) + (pb − pa)·(1 − u)` and the centred `pa − ½ + (pb − pa)·u`, each from its own end
//! (no cancellation near 0 or 1), then through Acklam's quantile in `f32` (the same rational
//! forms as the host kernel, re-expanded central coefficients included), written with tensor
//! operations. Intervals so far out that their probabilities leave `f32`'s normal range are
//! drawn on the host instead (see [`Primitive::sample_device`](super::Primitive)).

use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use rayon::prelude::*;

use super::TruncatedNormal;
use super::special::{
    A_SHIFTED, B_SHIFTED, C, D, QUANTILE_P_LOW, R0, UpperTail, normal_cdf, normal_quantile,
};

/// Whether `device` keeps its tensors in host memory (Burn's flex and ndarray backends): there
/// the host generator (Philox, vectorized, parallel) is faster than any sampler built from tensor
/// operations, and the "upload" is a copy into the backend's own buffer. Recognized by the
/// backend's name in the device's `Debug` form (`Device<Flex(…)>`, `Device<NdArray(…)>`), the one
/// description Burn gives whatever backends it was compiled with; every other device (wgpu,
/// CUDA, …) samples with tensor operations.
pub(crate) fn is_host_memory(device: &Device) -> bool {
    let name = format!("{:?}", device.clone().without_autodiff());
    name.starts_with("Device<Flex(") || name.starts_with("Device<NdArray(")
}

/// Cells of the piecewise-linear inverse CDF of [`truncated_normal`].
pub(crate) const TABLE_CELLS: usize = 1 << 14;

/// Below this lower-tail probability (about 11.3σ out) the nodes come from the tail's own
/// coordinates ([`UpperTail`]) instead of Acklam's quantile.
const FAR_TAIL: f64 = 1e-30;

/// `n` draws of `t` (both bounds finite) on `device` with ten tensor operations: `u ~ U[0, K)`
/// (`K` = [`TABLE_CELLS`]), then the inverse CDF interpolated linearly in cell `⌊u⌋` of a table
/// of the `K + 1` exact quantiles at the CDF levels `j/K`, computed on the host in `f64` and
/// uploaded (2·K `f32`), clamped to `[low, high]`.
///
/// Accuracy: the sampler's CDF equals the exact truncated CDF at every node and never differs
/// from it by more than one cell's mass, `1/K` (6.1e-5), anywhere; inside a cell the values are
/// off by at most `h²/8·max|d²x/dc²|` (`h = 1/K`): about 3e-7σ on `[−2σ, 2σ]`.
pub(crate) fn truncated_normal(t: &TruncatedNormal, n: usize, device: &Device) -> Tensor<1> {
    let (a, b) = t.standard_bounds();
    let quantile = TruncatedQuantile::new(a, b);
    let k = TABLE_CELLS as f64;
    let nodes: Vec<f64> = (0..=TABLE_CELLS)
        .into_par_iter()
        .map(|j| t.mean + t.std * quantile.at(j as f64 / k))
        .collect();
    let start: Vec<f32> = nodes[..TABLE_CELLS].iter().map(|&v| v as f32).collect();
    let slope: Vec<f32> = nodes.windows(2).map(|w| (w[1] - w[0]) as f32).collect();
    let start = Tensor::<1>::from_data(TensorData::new(start, [TABLE_CELLS]), device);
    let slope = Tensor::<1>::from_data(TensorData::new(slope, [TABLE_CELLS]), device);
    let u = Tensor::<1>::random([n], Distribution::Uniform(0.0, k), device);
    let cell = u.clone().floor();
    let frac = u.sub(cell.clone());
    let index: Tensor<1, Int> = cell.int().clamp(0, TABLE_CELLS as i64 - 1);
    start
        .select(0, index.clone())
        .add(slope.select(0, index).mul(frac))
        .clamp(t.low as f32, t.high as f32)
}

/// The quantiles of the standard normal truncated to a finite `[a, b]`, by CDF level: Acklam's
/// `Φ⁻¹` (relative error 1.2e-9) of the level mapped onto `[Φ(a), Φ(b)]`, taken from the nearer
/// end (`−Φ⁻¹` of the upper-tail probability above ½, so nothing cancels); in a far tail (the
/// nearer end's probability below [`FAR_TAIL`]) the tail's own coordinates. An interval above
/// the mean is mirrored below it.
struct TruncatedQuantile {
    /// The bounds, mirrored below the mean when `mirrored`.
    a: f64,
    b: f64,
    mirrored: bool,
    /// `Φ(a)`, `Φ(b) − Φ(a)` and `1 − Φ(b)`.
    pa: f64,
    width: f64,
    qb: f64,
    /// The far tail, in its own (upper) coordinates.
    far: Option<UpperTail>,
}

impl TruncatedQuantile {
    fn new(a: f64, b: f64) -> Self {
        let mirrored = a > 0.0;
        let (a, b) = if mirrored { (-b, -a) } else { (a, b) };
        let (pa, pb) = (normal_cdf(a), normal_cdf(b));
        Self {
            a,
            b,
            mirrored,
            pa,
            width: pb - pa,
            qb: normal_cdf(-b),
            far: (pb < FAR_TAIL).then(|| UpperTail::new(-b, -a)),
        }
    }

    /// The quantile at CDF level `c ∈ [0, 1]`.
    fn at(&self, c: f64) -> f64 {
        let c = if self.mirrored { 1.0 - c } else { c };
        let x = match &self.far {
            Some(tail) => -tail.quantile(1.0 - c),
            None if self.pa + self.width * c <= 0.5 => normal_quantile(self.pa + self.width * c),
            None => -normal_quantile(self.qb + self.width * (1.0 - c)),
        }
        .clamp(self.a, self.b);
        if self.mirrored { -x } else { x }
    }
}

/// `Φ⁻¹` of the uniform draws mapped onto `[pa, pb]`, on the device, for `0 <= pa < pb <= 1`.
pub(super) fn quantiles_on_device(pa: f64, pb: f64, n: usize, device: &Device) -> Tensor<1> {
    let width = pb - pa;
    // Open (0, 1): a draw of exactly 0 would put a tail probability at 0.
    let eps = 1.0 / f64::from(1u32 << 25);
    let u = Tensor::<1>::random([n], Distribution::Default, device)
        .mul_scalar(1.0 - 2.0 * eps)
        .add_scalar(eps);
    let lower = u.clone().mul_scalar(width).add_scalar(pa);
    let upper = u
        .clone()
        .neg()
        .add_scalar(1.0)
        .mul_scalar(width)
        .add_scalar(1.0 - pb);
    let centred = u.mul_scalar(width).add_scalar(pa - 0.5);
    let central = central_quantile(centred);
    let lower_tail = tail_quantile(lower.clone());
    let upper_tail = tail_quantile(upper.clone()).neg();
    central
        .mask_where(lower.lower_elem(QUANTILE_P_LOW), lower_tail)
        .mask_where(upper.lower_elem(QUANTILE_P_LOW), upper_tail)
}

/// Acklam's central form from `q = p − ½`, in powers of `q² − r₀` (as the host kernel).
fn central_quantile(q: Tensor<1>) -> Tensor<1> {
    let t = q.clone().square().sub_scalar(R0);
    let num = horner(t.clone(), &A_SHIFTED.map(f64::from));
    let den = horner(t, &B_SHIFTED.map(f64::from));
    num.mul(q).div(den)
}

/// Acklam's tail form from the smaller tail probability `p` (the lower tail's, negative).
fn tail_quantile(p: Tensor<1>) -> Tensor<1> {
    let q = p
        .clamp_min(f64::from(f32::MIN_POSITIVE))
        .log()
        .mul_scalar(-2.0)
        .sqrt();
    let num = horner(q.clone(), &C);
    let den = horner(q, &[D[0], D[1], D[2], D[3], 1.0]);
    num.div(den)
}

/// `c[0]·wⁿ + … + c[n]` by Horner's rule.
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

    /// Flex's RNG is global: the tests that seed it and draw must not interleave. Flex, held
    /// for the guard's life.
    fn flex_alone() -> (std::sync::MutexGuard<'static, ()>, Device) {
        static FLEX_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let guard = FLEX_RNG
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (guard, Device::flex())
    }

    #[test]
    fn flex_is_host_memory_with_or_without_autodiff() {
        let flex = Device::flex();
        assert!(is_host_memory(&flex));
        assert!(is_host_memory(&flex.autodiff()));
    }

    /// On flex, `Source::Device` is the host kernel keyed by a seed from the device RNG: the
    /// same values as that host fill, and the device's seed decides them.
    #[test]
    fn host_memory_devices_take_the_host_kernels() {
        let (_alone, device) = flex_alone();
        for p in [
            super::super::Primitive::Normal(super::super::Normal::new(0.5, 2.0).unwrap()),
            super::super::Primitive::TruncatedNormal(
                TruncatedNormal::new(0.0, 1.0, -2.0, 2.0).unwrap(),
            ),
        ] {
            let draw = |seed| {
                device.seed(seed);
                p.sample_device(1000, &device)
                    .unwrap()
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap()
            };
            device.seed(7);
            let mut host = vec![0f32; 1000];
            p.fill_host(
                crate::host::HostRng::new(crate::host::device_seed(&device)),
                &mut host,
            );
            assert_eq!(draw(7), host);
            assert_ne!(draw(8), host);
        }
    }

    /// The table sampler, run on flex: every draw inside the bounds, and the empirical CDF
    /// within the Kolmogorov–Smirnov bound for p = 1e-4 of the exact truncated CDF (around the
    /// mean, one-sided, and in a far tail).
    #[test]
    fn table_truncated_normal_follows_the_exact_cdf() {
        let (_alone, device) = flex_alone();
        device.seed(3);
        let n = 200_000;
        // sqrt(−ln(α/2)/2)/√n for α = 1e-4.
        let critical = (-(0.5e-4f64).ln() / 2.0).sqrt() / (n as f64).sqrt();
        for t in [
            TruncatedNormal::new(0.0, 1.0, -2.0, 2.0).unwrap(),
            TruncatedNormal::new(0.5, 2.0, 2.5, 6.5).unwrap(),
            TruncatedNormal::new(0.0, 1.0, -1.0, 8.0).unwrap(),
            TruncatedNormal::new(0.0, 1.0, -21.0, -20.0).unwrap(),
            TruncatedNormal::new(1.0, 0.5, 5.0, 5.5).unwrap(),
        ] {
            let mut x = truncated_normal(&t, n, &device)
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            assert!(
                x.iter()
                    .all(|&v| v as f64 >= t.low as f32 as f64 && v as f64 <= t.high as f32 as f64),
                "{t:?}"
            );
            x.sort_by(f32::total_cmp);
            let d = x
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let c = t.cdf(v as f64);
                    (c - i as f64 / n as f64)
                        .abs()
                        .max(((i + 1) as f64 / n as f64 - c).abs())
                })
                .fold(0.0, f64::max);
            assert!(d < critical, "{t:?}: D = {d} ≥ {critical}");
        }
    }
}

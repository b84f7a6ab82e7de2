//! The truncated normal on the device, in the tail's own coordinates: the device RNG's uniform
//! `u` is mapped to the lower-tail probability `pa + (pb − pa)·u`, the upper-tail probability
//! `(1 − pb) + (pb − pa)·(1 − u)` and the centred `pa − ½ + (pb − pa)·u`, each from its own end
//! (no cancellation near 0 or 1), then through Acklam's quantile in `f32` (the same rational
//! forms as the host kernel, re-expanded central coefficients included), written with tensor
//! operations. Intervals so far out that their probabilities leave `f32`'s normal range are
//! drawn on the host instead (see [`Primitive::sample_device`](super::Primitive)).

use burn::tensor::{Device, Distribution, Tensor};

use crate::special::{A_SHIFTED, B_SHIFTED, C, D, QUANTILE_P_LOW, R0};

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

//! [`Primitive`], the element-wise distribution every element-wise initializer reduces to, with
//! its host kernels (Philox words → values, vectorized) and its device sampler.

use burn::tensor::{Device, Distribution, Tensor, TensorData};

use super::device;
use super::special::{
    QUANTILE_P_LOW, UpperTail, box_muller_f32, normal_cdf, normal_quantile_central_f32,
    normal_quantile_tail_f32,
};
use super::{Constant, Normal, TruncatedNormal, Uniform};
use crate::error::{Result, element_count};
use crate::host::mem::zeroed_f32;
use crate::host::{BATCH, BatchKernel, HostRng, UniformMap, device_seed, open_unit_f64};

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
    /// A short name for reports: `normal(0, 1)`, `uniform(-0.1, 0.1)`, ….
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Constant(c) => format!("constant({})", c.value),
            Self::Uniform(u) => format!("uniform({}, {})", u.low, u.high),
            Self::Normal(n) => format!("normal({}, {})", n.mean, n.std),
            Self::TruncatedNormal(t) => format!(
                "truncated_normal({}, {}, [{}, {}])",
                t.mean, t.std, t.low, t.high
            ),
        }
    }

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
    ///
    /// Uniforms are `low + (high − low)·u` in `f32` with `u` on the 2⁻²⁴ grid. Normals are
    /// Box–Muller pairs in `f32` (`box_muller_f32`: a logarithm, a square root and a sine and
    /// cosine polynomial per two values, 16 lanes per AVX-512 instruction). Truncated normals go
    /// through the inverse CDF: the central region (95 % of draws) with Acklam's rational
    /// approximation evaluated in `f32` (its error, a few ulp, is far below the 2⁻²⁴
    /// quantization of `u`), the tails with his tail form. Truncation is exact: the uniform is
    /// mapped onto `[Φ(a), Φ(b)]`, never redrawn.
    pub fn fill_host(&self, rng: HostRng, out: &mut [f32]) {
        match *self {
            Self::Constant(c) => out.fill(c.value as f32),
            Self::Uniform(Uniform { low, high }) => {
                rng.fill_uniform(
                    out,
                    UniformMap {
                        low: low as f32,
                        width: (high - low) as f32,
                        high: high as f32,
                    },
                );
            }
            Self::Normal(Normal { mean, std }) => {
                rng.fill_batched(out, NormalKernel { mean, std });
            }
            Self::TruncatedNormal(t) => {
                let side = LowerSide::of(&t);
                let (mean, signed_std) = (t.mean, side.sign * t.std);
                let (low, high) = (t.low as f32, t.high as f32);
                if side.pb < F32_TAIL {
                    // The probabilities leave f32's normal range (beyond ~11σ): f64, in the
                    // tail's own coordinates, element by element (slow, and only for such
                    // extreme bounds).
                    let tail = UpperTail::new(-side.b, -side.a);
                    rng.fill_batched(out, |w: &[u32; BATCH], o: &mut [f32; BATCH]| {
                        for i in 0..BATCH {
                            let z = -tail.quantile(open_unit_f64(w[i]));
                            o[i] = ((mean + signed_std * z) as f32).clamp(low, high);
                        }
                    });
                    return;
                }
                rng.fill_batched(
                    out,
                    TruncatedKernel {
                        pa: side.pa,
                        width: side.pb - side.pa,
                        a: side.a,
                        b: side.b,
                        mean,
                        signed_std,
                        low,
                        high,
                    },
                );
            }
        }
    }

    /// Samples `n` elements on `device`, seeded by the device RNG (`device.seed(s)` fixes them).
    ///
    /// On devices that keep tensors in host memory (flex, ndarray) this is the host fill keyed
    /// by a 64-bit seed drawn from the device RNG: faster there than any sampler built from
    /// tensor operations, and the "upload" is a copy into the backend's buffer. Elsewhere (wgpu,
    /// CUDA, …) uniform and normal are one kernel of the backend's RNG each (plus a clamp), a
    /// truncated normal on a finite interval ten tensor operations on a table of quantiles
    /// (`device::truncated_normal`), one with an infinite bound the exact tail-coordinate
    /// quantile written with tensor operations.
    ///
    /// # Errors
    /// [`InitError::TooLarge`](crate::InitError::TooLarge) if `n` `f32` exceed `isize::MAX`
    /// bytes.
    pub fn sample_device(&self, n: usize, device: &Device) -> Result<Tensor<1>> {
        element_count("a device sample", &[n])?;
        if let Self::Constant(c) = self {
            return Ok(Tensor::full([n], c.value, device));
        }
        if device::is_host_memory(device) {
            let mut out = zeroed_f32(n)?;
            self.fill_host(HostRng::new(device_seed(device)), &mut out);
            return Ok(Tensor::from_data(TensorData::new(out, [n]), device));
        }
        Ok(match *self {
            Self::Constant(c) => Tensor::full([n], c.value, device),
            Self::Uniform(Uniform { low, high }) => {
                Tensor::<1>::random([n], Distribution::Uniform(low, high), device)
                    .clamp(low as f32, high as f32)
            }
            Self::Normal(Normal { mean, std }) => {
                Tensor::random([n], Distribution::Normal(mean, std), device)
            }
            Self::TruncatedNormal(t) if t.low.is_finite() && t.high.is_finite() => {
                device::truncated_normal(&t, n, device)
            }
            Self::TruncatedNormal(t) => {
                let side = LowerSide::of(&t);
                if side.pb < F32_TAIL {
                    // Beyond f32's normal range the device cannot map the probabilities: the
                    // host's exact tail sampler, keyed by a seed from the device RNG.
                    let mut out = zeroed_f32(n)?;
                    self.fill_host(HostRng::new(device_seed(device)), &mut out);
                    return Ok(Tensor::from_data(TensorData::new(out, [n]), device));
                }
                let z = device::quantiles_on_device(side.pa, side.pb, n, device);
                let z = if side.a.is_finite() {
                    z.clamp_min(side.a)
                } else {
                    z
                };
                let z = if side.b.is_finite() {
                    z.clamp_max(side.b)
                } else {
                    z
                };
                let x = z.mul_scalar(side.sign * t.std).add_scalar(t.mean);
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
        })
    }
}

/// Below this lower-tail probability (about 11.3σ out) the `f32` kernels stop: the tail is
/// drawn in `f64` in its own coordinates ([`UpperTail`]).
const F32_TAIL: f64 = 1e-30;

/// A truncated normal's standard bounds on the lower side of the mean: mirrored (`sign = −1`)
/// when the interval lies above it, so that the nearer bound's tail probability is `pb`,
/// small and exact, never `1 − tiny`.
struct LowerSide {
    a: f64,
    b: f64,
    pa: f64,
    pb: f64,
    sign: f64,
}

impl LowerSide {
    fn of(t: &TruncatedNormal) -> Self {
        let (a, b) = t.standard_bounds();
        let (a, b, sign) = if a > 0.0 { (-b, -a, -1.0) } else { (a, b, 1.0) };
        Self {
            a,
            b,
            pa: normal_cdf(a),
            pb: normal_cdf(b),
            sign,
        }
    }
}

/// `mean + std·z`, `z` standard normal by Box–Muller ([`box_muller_f32`]): word `i` (radius) and
/// word `i + BATCH/2` (angle) of a batch give elements `i` and `i + BATCH/2`, so both halves of
/// the pair are used and the lanes stay contiguous.
struct NormalKernel {
    mean: f64,
    std: f64,
}

impl BatchKernel for NormalKernel {
    #[inline(always)]
    fn apply(&self, w: &[u32; BATCH], o: &mut [f32; BATCH]) {
        const HALF: usize = BATCH / 2;
        let (m32, s32) = (self.mean as f32, self.std as f32);
        let (radius, angle) = w.split_at(HALF);
        let (first, second) = o.split_at_mut(HALF);
        for (((a, b), x), y) in radius.iter().zip(angle).zip(first).zip(second) {
            let (z0, z1) = box_muller_f32(*a, *b);
            *x = m32 + s32 * z0;
            *y = m32 + s32 * z1;
        }
    }
}

/// `mean + signed_std·clamp(Φ⁻¹(pa + width·u), a, b)`, clamped to `[low, high]`.
struct TruncatedKernel {
    pa: f64,
    width: f64,
    a: f64,
    b: f64,
    mean: f64,
    signed_std: f64,
    low: f32,
    high: f32,
}

impl BatchKernel for TruncatedKernel {
    #[inline(always)]
    fn apply(&self, w: &[u32; BATCH], o: &mut [f32; BATCH]) {
        let (m32, ss32) = (self.mean as f32, self.signed_std as f32);
        let (a32, b32) = (self.a as f32, self.b as f32);
        let (lo, hi) = (self.low, self.high);
        quantiles(w, (self.pa, self.width), o, |z| {
            (m32 + ss32 * z.max(a32).min(b32)).max(lo).min(hi)
        });
    }
}

/// Maps a batch of words to `finish(Φ⁻¹(offset + width·u))`, all in `f32`, the central lanes
/// branch-free (8 per AVX2 instruction): `u = (k + ½)·2⁻²⁴` from the word's top 24 bits;
/// the lower-tail probability `p = offset + width·u` and the upper one `1 − p` computed each from
/// its own end (no cancellation near 0 or 1); Acklam's central form where both exceed `P_LOW`,
/// his tail form (with an `f32` `ln`) on the smaller one otherwise. Depends only on the
/// word, so every code path (generic, AVX2, any thread count) gives the same bits. The grid
/// of `u` bounds a standard normal draw to ±5.42σ (probability 6e-8 beyond).
#[inline(always)]
fn quantiles(
    w: &[u32; BATCH],
    (offset, width): (f64, f64),
    out: &mut [f32; BATCH],
    finish: impl Fn(f32) -> f32,
) {
    let (lo0, wid) = (offset as f32, width as f32);
    // 1 − (offset + width) = the upper-tail mass beyond the interval.
    let hi0 = (1.0 - offset - width) as f32;
    let (q0, p_low) = ((offset - 0.5) as f32, QUANTILE_P_LOW as f32);
    let mut z = [0f32; BATCH];
    let mut is_tail = [0u8; BATCH];
    for i in 0..BATCH {
        let k = (w[i] >> 8) as f32;
        let u = (k + 0.5) * (1.0 / 16_777_216.0);
        let v = (16_777_215.0 - k + 0.5) * (1.0 / 16_777_216.0); // 1 − u, exactly
        is_tail[i] = u8::from(lo0 + wid * u < p_low || hi0 + wid * v < p_low);
        z[i] = normal_quantile_central_f32(q0 + wid * u);
    }
    // Tail lanes (~5 % for a standard normal): groups of 8 lanes without any are skipped with
    // one 64-bit test; a group with one computes the tail form for all 8 (vectorized) and keeps
    // it where needed.
    for g in 0..BATCH / 8 {
        let lanes = g * 8..g * 8 + 8;
        let flags: [u8; 8] = is_tail[lanes.clone()].try_into().expect("8 lanes");
        if u64::from_le_bytes(flags) == 0 {
            continue;
        }
        let mut t = [0f32; 8];
        for (j, i) in lanes.clone().enumerate() {
            let k = (w[i] >> 8) as f32;
            let u = (k + 0.5) * (1.0 / 16_777_216.0);
            let v = (16_777_215.0 - k + 0.5) * (1.0 / 16_777_216.0);
            let (p, upper) = (lo0 + wid * u, hi0 + wid * v);
            let lower = p <= upper;
            let q = normal_quantile_tail_f32(if lower { p } else { upper });
            t[j] = if lower { q } else { -q };
        }
        for (j, i) in lanes.enumerate() {
            if flags[j] != 0 {
                z[i] = t[j];
            }
        }
    }
    for i in 0..BATCH {
        out[i] = finish(z[i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Isa;

    /// Every vector unit of this CPU (AVX-512, AVX2, the compiler's baseline) gives the same bits
    /// for the normal and truncated-normal kernels, across batch and chunk boundaries.
    #[test]
    fn kernels_give_the_same_bits_on_every_vector_unit() {
        let rng = HostRng::new(5).substream(2);
        let n = 2 * (1 << 15) + 3 * BATCH + 19;
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let run = |isa: Isa| {
            let mut normal = vec![0f32; n];
            rng.fill_batched_with(
                isa,
                &mut normal,
                NormalKernel {
                    mean: 0.25,
                    std: 1.5,
                },
            );
            let mut trunc = vec![0f32; n];
            rng.fill_batched_with(
                isa,
                &mut trunc,
                TruncatedKernel {
                    pa: normal_cdf(-2.0),
                    width: normal_cdf(1.0) - normal_cdf(-2.0),
                    a: -2.0,
                    b: 1.0,
                    mean: 0.0,
                    signed_std: 1.0,
                    low: -2.0,
                    high: 1.0,
                },
            );
            (bits(&normal), bits(&trunc))
        };
        let units = Isa::available();
        let reference = run(*units.last().expect("the generic unit"));
        for isa in units {
            assert_eq!(run(isa), reference, "{isa:?}");
        }
    }

    #[test]
    fn host_truncated_normal_stays_inside_far_tail() {
        let t = TruncatedNormal::new(0.0, 1.0, 4.0, 4.5).unwrap();
        let mut v = vec![0f32; 10_000];
        Primitive::TruncatedNormal(t).fill_host(HostRng::new(1), &mut v);
        assert!(v.iter().all(|x| (4.0..=4.5).contains(x)));
        // So far out that f32 probabilities underflow: the f64 fallback.
        let far = TruncatedNormal::new(0.0, 1.0, -30.0, -29.0).unwrap();
        let mut w = vec![0f32; 1000];
        Primitive::TruncatedNormal(far).fill_host(HostRng::new(1), &mut w);
        assert!(
            w.iter().all(|x| (-30.0..=-29.0).contains(x)),
            "{:?}",
            &w[..5]
        );
        assert!(w.iter().any(|&x| x != w[0]));
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        assert!(
            (mean - t.truncated_mean()).abs() < 0.01,
            "{mean} vs {}",
            t.truncated_mean()
        );
    }
}

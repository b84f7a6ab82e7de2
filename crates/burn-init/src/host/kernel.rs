//! The chunk drivers: a fill is cut into chunks of [`CHUNK`] elements (in parallel when there is
//! more than one), each chunk into batches of [`BATCH`] words that a [`BatchKernel`] maps to
//! values, vectorized (AVX-512 or AVX2 when the CPU has it, chosen at run time; every path gives
//! the same bits).

use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
use super::philox::{avx2, avx512};
use super::{HostRng, unit_f32};

/// Elements per parallel work item; a multiple of [`BATCH`] so chunks start on batch boundaries.
pub(super) const CHUNK: usize = 1 << 15;

/// Philox blocks per vectorized batch (enough lanes for the loop vectorizer).
pub(super) const LANES: usize = 64;

/// Words per vectorized batch: 64 Philox blocks of 4 words.
pub(crate) const BATCH: usize = 4 * LANES;

/// Maps [`BATCH`] words (in element order) to as many values. Implementations mark `apply`
/// `#[inline(always)]` so that it is compiled into the AVX2 chunk loop (a closure would be
/// compiled once, for the baseline CPU, and called out of line). Closures implement it too.
pub(crate) trait BatchKernel: Sync {
    /// Writes the values of one batch.
    fn apply(&self, words: &[u32; BATCH], out: &mut [f32; BATCH]);
}

impl<F> BatchKernel for F
where
    F: Fn(&[u32; BATCH], &mut [f32; BATCH]) + Sync,
{
    #[inline(always)]
    fn apply(&self, words: &[u32; BATCH], out: &mut [f32; BATCH]) {
        self(words, out)
    }
}

/// `clamp(low + width·u, low, high)` with `u = (w >> 8)·2⁻²⁴` (every `f32` step of `[0, 1)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UniformMap {
    /// Lower bound.
    pub(crate) low: f32,
    /// `high − low`.
    pub(crate) width: f32,
    /// Upper bound.
    pub(crate) high: f32,
}

impl BatchKernel for UniformMap {
    #[inline(always)]
    fn apply(&self, w: &[u32; BATCH], o: &mut [f32; BATCH]) {
        for i in 0..BATCH {
            let x = self.low + self.width * unit_f32(w[i]);
            // Written as selects, the same as `vmaxps(low, x)`/`vminps(high, x)` (signed zeros
            // included), so the fused AVX2 path gives the same bits.
            let x = if self.low > x { self.low } else { x };
            o[i] = if self.high < x { self.high } else { x };
        }
    }
}

/// Runs `fill(first_block, chunk)` over the [`CHUNK`]-element chunks of `out`, in parallel
/// when there is more than one (chunk `c` starts at Philox block `c·CHUNK/4`).
pub(super) fn in_chunks(out: &mut [f32], fill: impl Fn(u64, &mut [f32]) + Sync) {
    let first_block = |chunk_index: usize| (chunk_index * CHUNK / 4) as u64;
    if out.len() <= CHUNK {
        fill(0, out);
    } else {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(ci, c)| fill(first_block(ci), c));
    }
}

/// The vector unit a fill uses, as detected on this CPU: constructed only by [`Isa::detect`] and
/// [`Isa::available`], so holding one proves the CPU supports it (what makes the dispatch below
/// sound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Isa(Unit);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// AVX-512 (F, BW, DQ, VL): 16 lanes.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// AVX2: 8 lanes.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// Whatever the compiler's baseline target gives.
    Generic,
}

impl Isa {
    /// The widest unit the CPU supports (the standard library caches the detection).
    #[inline]
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx2")
            {
                return Self(Unit::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Self(Unit::Avx2);
            }
        }
        Self(Unit::Generic)
    }

    /// Every unit this CPU can run, widest first (for tests that compare them).
    #[cfg(test)]
    pub(crate) fn available() -> Vec<Self> {
        let mut v = vec![Self::detect()];
        #[cfg(target_arch = "x86_64")]
        if v[0].0 == Unit::Avx512 {
            v.push(Self(Unit::Avx2));
        }
        if v[0].0 != Unit::Generic {
            v.push(Self(Unit::Generic));
        }
        v
    }

    /// Whether this is the 16-lane unit.
    #[cfg(test)]
    pub(crate) fn is_avx512(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        return self.0 == Unit::Avx512;
        #[cfg(not(target_arch = "x86_64"))]
        false
    }
}

/// Fills one chunk with the given vector unit, which the CPU must support ([`Isa::detect`]).
pub(super) fn fill_chunk_with<K>(
    isa: Isa,
    rng: &HostRng,
    first_block: u64,
    chunk: &mut [f32],
    kernel: &K,
) where
    K: BatchKernel,
{
    match isa.0 {
        // SAFETY: an `Isa` holding `Avx512` is only made by `Isa::detect`/`Isa::available` after
        // checking AVX-512 F, BW, DQ, VL and AVX2: what `fill_chunk_avx512` is compiled for.
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        Unit::Avx512 => unsafe { fill_chunk_avx512(rng, first_block, chunk, kernel) },
        // SAFETY: likewise, after checking AVX2, `fill_chunk_avx2`'s only requirement.
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        Unit::Avx2 => unsafe { fill_chunk_avx2(rng, first_block, chunk, kernel) },
        Unit::Generic => fill_chunk_generic(rng, first_block, chunk, kernel),
    }
}

/// The uniform fill of one chunk with the given vector unit: on AVX-512 and AVX2 the map fused
/// into the Philox rounds, else [`UniformMap`] through the batch loop.
pub(super) fn fill_uniform_chunk_with(
    isa: Isa,
    rng: &HostRng,
    first_block: u64,
    chunk: &mut [f32],
    map: &UniformMap,
) {
    match isa.0 {
        // SAFETY: as in `fill_chunk_with`: the unit was detected on this CPU.
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        Unit::Avx512 => unsafe { avx512::fill_uniform_chunk(rng, first_block, chunk, map) },
        // SAFETY: as in `fill_chunk_with`.
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        Unit::Avx2 => unsafe { avx2::fill_uniform_chunk(rng, first_block, chunk, map) },
        Unit::Generic => fill_chunk_generic(rng, first_block, chunk, map),
    }
}

/// The batch loop of a chunk: `$words(rng, block)` gives the words of [`LANES`] blocks.
macro_rules! fill_loop {
    ($rng:expr, $first_block:expr, $chunk:expr, $kernel:expr, $words:path) => {{
        let mut block = $first_block;
        let mut batches = $chunk.chunks_exact_mut(BATCH);
        for batch in &mut batches {
            let words = $words($rng, block);
            $kernel.apply(&words, batch.try_into().expect("BATCH elements"));
            block += LANES as u64;
        }
        let rest = batches.into_remainder();
        if !rest.is_empty() {
            let words = $words($rng, block);
            let mut tmp = [0f32; BATCH];
            $kernel.apply(&words, &mut tmp);
            rest.copy_from_slice(&tmp[..rest.len()]);
        }
    }};
}

/// The chunk loop compiled for AVX2, with the Philox rounds written in AVX2 intrinsics
/// ([`avx2::batch_words`]). No FMA: the kernels' results stay bit-identical to the generic
/// path, since Rust never contracts `a * b + c`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fill_chunk_avx2<K>(rng: &HostRng, first_block: u64, chunk: &mut [f32], kernel: &K)
where
    K: BatchKernel,
{
    fill_loop!(rng, first_block, chunk, kernel, avx2::batch_words)
}

/// The chunk loop compiled for AVX-512, with the Philox rounds in AVX-512 intrinsics
/// ([`avx512::batch_words`]); the kernels' loops vectorize over 16 lanes. No FMA (see
/// [`fill_chunk_avx2`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2")]
fn fill_chunk_avx512<K>(rng: &HostRng, first_block: u64, chunk: &mut [f32], kernel: &K)
where
    K: BatchKernel,
{
    fill_loop!(rng, first_block, chunk, kernel, avx512::batch_words)
}

#[inline(always)]
pub(super) fn fill_chunk_generic<K>(rng: &HostRng, first_block: u64, chunk: &mut [f32], kernel: &K)
where
    K: BatchKernel,
{
    fill_loop!(rng, first_block, chunk, kernel, HostRng::batch_words)
}

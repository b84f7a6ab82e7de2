//! The host generator: Philox4x32-10, a counter-based RNG (Salmon et al., SC 2011).
//!
//! Every value depends only on `(seed, stream, element index)`: element `i` of a fill takes
//! output word `i % 4` of the Philox block with counter `(i / 4, stream)` under key `seed`.
//! Tensors are filled in parallel chunks, so the result is bit-identical for any thread count,
//! and after upload, on every device. A device-side Philox would reproduce it exactly.
//!
//! The Philox rounds ([`philox`]) and the chunk drivers ([`kernel`]) are private; the crate's
//! distributions reach them through [`HostRng::fill_batched`] and [`HostRng::fill_uniform`].

mod kernel;
pub(crate) mod mem;
mod philox;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub(crate) use self::kernel::Isa;
pub(crate) use self::kernel::{BATCH, BatchKernel, UniformMap};
use self::kernel::{CHUNK, LANES, fill_chunk_with, fill_uniform_chunk_with, in_chunks};
use self::philox::{M0, M1, W0, W1, philox4x32_10};

/// A seeded host random stream: `(seed, stream)` names an independent sequence of 2⁶⁴·4
/// 32-bit words.
///
/// ```
/// use burn_init::HostRng;
/// let rng = HostRng::new(42);
/// let mut a = vec![0u32; 10];
/// let mut b = vec![0u32; 10];
/// rng.fill_u32(&mut a);
/// rng.fill_u32(&mut b);
/// assert_eq!(a, b); // counter-based: same seed and stream, same words
/// assert_ne!(a, { let mut c = vec![0u32; 10]; rng.substream(1).fill_u32(&mut c); c });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HostRng {
    /// The key.
    pub seed: u64,
    /// The stream, so that several tensors drawn with one seed are independent.
    pub stream: u64,
}

impl From<u64> for HostRng {
    /// Stream 0 of `seed` ([`HostRng::new`]).
    fn from(seed: u64) -> Self {
        Self::new(seed)
    }
}

impl HostRng {
    /// Stream 0 of `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { seed, stream: 0 }
    }

    /// The same seed, another stream.
    pub const fn substream(self, stream: u64) -> Self {
        Self {
            seed: self.seed,
            stream,
        }
    }

    /// A stream derived from this one and `index` (e.g. a parameter's position in a model),
    /// independent of this stream for practical purposes.
    pub fn derive(self, index: u64) -> Self {
        let [a, b, _, _] = philox4x32_10(
            [
                index as u32,
                (index >> 32) as u32,
                self.stream as u32,
                (self.stream >> 32) as u32,
            ],
            [0x5EED_u32 ^ self.seed as u32, (self.seed >> 32) as u32],
        );
        Self {
            seed: self.seed,
            stream: (a as u64) << 32 | b as u64,
        }
    }

    #[inline(always)]
    fn key(&self) -> [u32; 2] {
        [self.seed as u32, (self.seed >> 32) as u32]
    }

    /// The block of 4 words with index `block`.
    #[inline(always)]
    pub(crate) fn block(&self, block: u64) -> [u32; 4] {
        philox4x32_10(
            [
                block as u32,
                (block >> 32) as u32,
                self.stream as u32,
                (self.stream >> 32) as u32,
            ],
            self.key(),
        )
    }

    /// Fills `out` with `f(word)` where word is the 32-bit output for each element index,
    /// in parallel chunks (bit-identical for any thread count).
    pub(crate) fn fill_map<T: Send, F>(&self, out: &mut [T], f: F)
    where
        F: Fn(u32) -> T + Sync,
    {
        let fill_chunk = |chunk_index: usize, chunk: &mut [T]| {
            let start = (chunk_index * CHUNK) as u64;
            debug_assert_eq!(start % 4, 0);
            let mut i = 0;
            let mut block = start / 4;
            while i < chunk.len() {
                let words = self.block(block);
                let n = (chunk.len() - i).min(4);
                for (slot, w) in chunk[i..i + n].iter_mut().zip(words) {
                    *slot = f(w);
                }
                i += n;
                block += 1;
            }
        };
        if out.len() <= CHUNK {
            fill_chunk(0, out);
        } else {
            out.par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(ci, c)| fill_chunk(ci, c));
        }
    }

    /// The [`BATCH`] words of the `BATCH / 4` blocks starting at `first_block`, in element order
    /// (word `w` of block `first_block + j` is element `4j + w`). Written lane-wise so that the
    /// compiler vectorizes the Philox streams.
    #[inline(always)]
    pub(crate) fn batch_words(&self, first_block: u64) -> [u32; BATCH] {
        let mut c0 = [0u32; LANES];
        let mut c1 = [0u32; LANES];
        for j in 0..LANES {
            let b = first_block.wrapping_add(j as u64);
            c0[j] = b as u32;
            c1[j] = (b >> 32) as u32;
        }
        let mut c2 = [self.stream as u32; LANES];
        let mut c3 = [(self.stream >> 32) as u32; LANES];
        let [mut k0, mut k1] = self.key();
        for _ in 0..10 {
            for j in 0..LANES {
                let p0 = M0 * c0[j] as u64;
                let p1 = M1 * c2[j] as u64;
                let n0 = (p1 >> 32) as u32 ^ c1[j] ^ k0;
                let n2 = (p0 >> 32) as u32 ^ c3[j] ^ k1;
                c1[j] = p1 as u32;
                c3[j] = p0 as u32;
                c0[j] = n0;
                c2[j] = n2;
            }
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let mut out = [0u32; BATCH];
        for j in 0..LANES {
            out[4 * j] = c0[j];
            out[4 * j + 1] = c1[j];
            out[4 * j + 2] = c2[j];
            out[4 * j + 3] = c3[j];
        }
        out
    }

    /// Fills `out` batch by batch: `kernel` maps [`BATCH`] words (in element order) to as many
    /// values.
    /// Parallel over chunks and vectorized (AVX-512 or AVX2 when the CPU has it, chosen at run
    /// time); the result depends only on the seed, the stream and the element index.
    pub(crate) fn fill_batched<K>(&self, out: &mut [f32], kernel: K)
    where
        K: BatchKernel,
    {
        self.fill_batched_with(Isa::detect(), out, kernel)
    }

    /// [`fill_batched`](Self::fill_batched) with a given vector unit (one the CPU supports).
    pub(crate) fn fill_batched_with<K>(&self, isa: Isa, out: &mut [f32], kernel: K)
    where
        K: BatchKernel,
    {
        in_chunks(out, |first_block, chunk| {
            fill_chunk_with(isa, self, first_block, chunk, &kernel)
        });
    }

    /// Fills `out` with `clamp(low + width·u, low, high)`, `u = k·2⁻²⁴` from each word's top 24
    /// bits: [`fill_batched`](Self::fill_batched) with [`UniformMap`], except that on AVX-512 and
    /// AVX2 the map is fused into the Philox rounds (values go from registers to the output, no
    /// word buffer). The same values either way (tested).
    pub(crate) fn fill_uniform(&self, out: &mut [f32], map: UniformMap) {
        self.fill_uniform_with(Isa::detect(), out, map)
    }

    /// [`fill_uniform`](Self::fill_uniform) with a given vector unit (one the CPU supports).
    pub(crate) fn fill_uniform_with(&self, isa: Isa, out: &mut [f32], map: UniformMap) {
        in_chunks(out, |first_block, chunk| {
            fill_uniform_chunk_with(isa, self, first_block, chunk, &map)
        });
    }

    /// Fills `out` with raw 32-bit words.
    pub fn fill_u32(&self, out: &mut [u32]) {
        self.fill_map(out, |w| w);
    }

    /// The raw word of element `index`, without filling anything.
    pub fn word(&self, index: u64) -> u32 {
        self.block(index / 4)[(index % 4) as usize]
    }

    /// A seeded permutation of `0..n`: Fisher–Yates from the last position down, step `i`
    /// swapping position `i` with `r mod (i + 1)`, `r` the 64 bits of words `2i` and `2i + 1`
    /// (so the modulo bias is below `n / 2⁶⁴`).
    ///
    /// ```
    /// use burn_init::HostRng;
    /// let p = HostRng::new(1).permutation(100);
    /// let mut sorted = p.clone();
    /// sorted.sort();
    /// assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    /// assert_eq!(p, HostRng::new(1).permutation(100));
    /// assert_ne!(p, HostRng::new(2).permutation(100));
    /// ```
    pub fn permutation(&self, n: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let r =
                u64::from(self.word(2 * i as u64)) << 32 | u64::from(self.word(2 * i as u64 + 1));
            idx.swap(i, (r % (i as u64 + 1)) as usize);
        }
        idx
    }
}

/// A 64-bit seed drawn from the device RNG (four 16-bit parts, each exact in `f32`): how a host
/// fill stands in for the device RNG (same `device.seed(…)`, same numbers).
pub(crate) fn device_seed(device: &burn::tensor::Device) -> u64 {
    use burn::tensor::{Distribution, Tensor};
    Tensor::<1>::random([4], Distribution::Uniform(0.0, 65_536.0), device)
        .into_data()
        .iter::<f32>()
        .fold(0u64, |acc, p| acc << 16 | (p as u64 & 0xFFFF))
}

/// Maps a word to a uniform in `[0, 1)` with 24 random bits (every `f32` step in the range).
#[inline(always)]
pub(crate) fn unit_f32(w: u32) -> f32 {
    (w >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// Maps a word to a uniform in the open interval `(0, 1)`, centred in its 2⁻³² bucket.
#[inline(always)]
pub(crate) fn open_unit_f64(w: u32) -> f64 {
    (w as f64 + 0.5) * (1.0 / 4_294_967_296.0)
}

#[cfg(test)]
mod tests {
    use super::kernel::fill_chunk_generic;
    #[cfg(target_arch = "x86_64")]
    use super::philox::{avx2, avx512};
    use super::*;

    /// Known-answer tests from Random123's `kat_vectors` (philox4x32_10).
    #[test]
    fn philox_known_answers() {
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn fill_is_independent_of_chunking_and_threads() {
        let rng = HostRng::new(7).substream(3);
        let n = 3 * CHUNK + 5;
        let mut par = vec![0u32; n];
        rng.fill_u32(&mut par);
        let serial: Vec<u32> = (0..n as u64).map(|i| rng.word(i)).collect();
        assert_eq!(par, serial);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let mut one = vec![0u32; n];
        pool.install(|| rng.fill_u32(&mut one));
        assert_eq!(par, one);
    }

    #[test]
    fn batches_are_the_same_words() {
        let rng = HostRng::new(11).substream(5);
        let w = rng.batch_words(u32::MAX as u64 - 3); // crosses the 32-bit block boundary
        for (e, word) in w.iter().enumerate() {
            assert_eq!(*word, rng.word((u32::MAX as u64 - 3) * 4 + e as u64));
        }
        let n = 3 * CHUNK + 37;
        let mut out = vec![0f32; n];
        rng.fill_batched(&mut out, |w: &[u32; BATCH], o: &mut [f32; BATCH]| {
            for i in 0..BATCH {
                o[i] = w[i] as f32;
            }
        });
        assert!(
            out.iter()
                .enumerate()
                .all(|(i, &x)| x == rng.word(i as u64) as f32)
        );
    }

    /// The AVX2 and AVX-512 Philox rounds give the portable code's words, across 32-bit
    /// counter carries and at the end of the counter space.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vector_philox_is_the_same_words() {
        type Rounds = unsafe fn(&HostRng, u64) -> [u32; BATCH];
        let units: [(&str, bool, Rounds); 2] = [
            (
                "AVX2",
                std::arch::is_x86_feature_detected!("avx2"),
                avx2::batch_words,
            ),
            ("AVX-512", Isa::detect().is_avx512(), avx512::batch_words),
        ];
        for (name, present, rounds) in units {
            if !present {
                eprintln!("note: no {name} here; the {name} Philox is not exercised");
                continue;
            }
            for (seed, stream, block) in [
                (0u64, 0u64, 0u64),
                (u64::MAX, u64::MAX, u64::MAX - 20),
                (11, 5, u32::MAX as u64 - 3),
                (11, 5, u32::MAX as u64 - 30),
                (0x243f_6a88_85a3_08d3, 7, 12_345),
            ] {
                let rng = HostRng { seed, stream };
                // SAFETY: the unit's presence is checked above.
                #[allow(unsafe_code)]
                let fast = unsafe { rounds(&rng, block) };
                assert_eq!(
                    fast,
                    rng.batch_words(block),
                    "{name}: seed {seed} stream {stream}"
                );
            }
        }
    }

    #[test]
    fn fused_uniform_is_the_generic_map() {
        let rng = HostRng::new(3).substream(9);
        let n = 2 * CHUNK + 3 * BATCH + 17;
        for map in [
            UniformMap {
                low: -0.5,
                width: 1.0,
                high: 0.5,
            },
            UniformMap {
                low: -0.0,
                width: 0.25,
                high: 0.25,
            },
            UniformMap {
                low: 3.0,
                width: 1e-6,
                high: 3.000_001,
            },
        ] {
            let mut generic = vec![0f32; n];
            for (ci, chunk) in generic.chunks_mut(CHUNK).enumerate() {
                fill_chunk_generic(&rng, (ci * CHUNK / 4) as u64, chunk, &map);
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            for isa in Isa::available() {
                let mut fused = vec![0f32; n];
                rng.fill_uniform_with(isa, &mut fused, map);
                assert_eq!(bits(&fused), bits(&generic), "{isa:?}");
                assert!(fused.iter().all(|&x| x >= map.low && x <= map.high));
            }
        }
    }

    #[test]
    fn unit_maps_stay_in_range() {
        assert_eq!(unit_f32(0), 0.0);
        assert!(unit_f32(u32::MAX) < 1.0);
        assert!(open_unit_f64(0) > 0.0 && open_unit_f64(u32::MAX) < 1.0);
    }
}

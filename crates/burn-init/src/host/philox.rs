//! Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): one
//! block function, and the same rounds in AVX2 for eight blocks at a time and in AVX-512 for
//! sixteen.

pub(super) const M0: u64 = 0xD251_1F53;
pub(super) const M1: u64 = 0xCD9E_8D57;
pub(super) const W0: u32 = 0x9E37_79B9;
pub(super) const W1: u32 = 0xBB67_AE85;

/// One Philox4x32 block with 10 rounds.
#[inline(always)]
pub(crate) fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (ctr, key);
    for _ in 0..10 {
        let p0 = M0 * c[0] as u64;
        let p1 = M1 * c[2] as u64;
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
        k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
    }
    c
}

/// What the AVX2 and AVX-512 modules share, written once over one instruction set's vector
/// width and intrinsics: the key schedule, the ten rounds on four counter vectors, the words of
/// a batch, and the uniform map fused into the rounds. Each module writes its own `mulhilo` and
/// `batch_vectors` (the 64-bit products and the transpose differ between the two sets).
#[cfg(target_arch = "x86_64")]
macro_rules! philox_simd {
    (
        feature: $feature:literal,
        width: $w:literal,
        vector: $v:ty,
        int: { set1_32: $set1_32:ident, set1_64: $set1_64:ident, zero: $zero:ident,
               xor: $xor:ident, srli_32: $srli:ident, store: $store_si:ident,
               unpack_32: [$lo32:ident, $hi32:ident], unpack_64: [$lo64:ident, $hi64:ident] },
        float: { set1: $set1:ident, from_int: $cvt:ident, add: $add:ident, mul: $mul:ident,
                 min: $min:ident, max: $max:ident, store: $store_ps:ident } $(,)?
    ) => {
        /// The ten round keys of `rng` (broadcast) and its stream's low and high words.
        #[inline]
        #[target_feature(enable = $feature)]
        fn round_keys(rng: &HostRng) -> ([($v, $v); 10], $v, $v) {
            let [key0, key1] = rng.key();
            let mut keys = [($zero(), $zero()); 10];
            for (r, k) in keys.iter_mut().enumerate() {
                *k = (
                    $set1_32(key0.wrapping_add(W0.wrapping_mul(r as u32)) as i32),
                    $set1_32(key1.wrapping_add(W1.wrapping_mul(r as u32)) as i32),
                );
            }
            let stream_lo = $set1_32(rng.stream as u32 as i32);
            let stream_hi = $set1_32((rng.stream >> 32) as u32 as i32);
            (keys, stream_lo, stream_hi)
        }

        /// The ten rounds on the counter words `[c0, c1, c2, c3]` of one block per lane.
        #[inline]
        #[target_feature(enable = $feature)]
        fn rounds(c: [$v; 4], keys: &[($v, $v); 10]) -> [$v; 4] {
            let (m0, m1) = ($set1_64(M0 as i64), $set1_64(M1 as i64));
            let [mut c0, mut c1, mut c2, mut c3] = c;
            for &(k0, k1) in keys {
                let (hi0, lo0) = mulhilo(c0, m0);
                let (hi1, lo1) = mulhilo(c2, m1);
                c0 = $xor($xor(hi1, c1), k0);
                c2 = $xor($xor(hi0, c3), k1);
                c1 = lo1;
                c3 = lo0;
            }
            [c0, c1, c2, c3]
        }

        /// The four words of each lane's block, `[c0, c1, c2, c3]` (word × block), regrouped
        /// so that each 128-bit lane of the result holds one block's four words: `u[i]`
        /// holds blocks `i, i + 4, …` in its successive 128-bit lanes.
        #[inline]
        #[target_feature(enable = $feature)]
        fn interleave([c0, c1, c2, c3]: [$v; 4]) -> [$v; 4] {
            let t0 = $lo32(c0, c1);
            let t1 = $hi32(c0, c1);
            let t2 = $lo32(c2, c3);
            let t3 = $hi32(c2, c3);
            [$lo64(t0, t2), $hi64(t0, t2), $lo64(t1, t3), $hi64(t1, t3)]
        }

        /// The uniform map fused into the Philox rounds, batch by batch (the last partial batch
        /// through the word buffer).
        #[target_feature(enable = $feature)]
        pub(crate) fn fill_uniform_chunk(
            rng: &HostRng,
            first_block: u64,
            chunk: &mut [f32],
            map: &UniformMap,
        ) {
            let lo = $set1(map.low);
            let hi = $set1(map.high);
            let width = $set1(map.width);
            let scale = $set1(1.0 / 16_777_216.0);
            let mut block = first_block;
            let mut batches = chunk.chunks_exact_mut(BATCH);
            for batch in &mut batches {
                let vectors = batch_vectors(rng, block);
                for (dst, v) in batch.chunks_exact_mut($w).zip(vectors) {
                    let k = $cvt($srli::<8>(v));
                    let x = $add(lo, $mul(width, $mul(k, scale)));
                    let x = $min(hi, $max(lo, x));
                    // SAFETY: `dst` is one vector's worth of consecutive f32 (`width` lanes);
                    // the unaligned store writes exactly those bytes.
                    #[allow(unsafe_code)]
                    unsafe {
                        $store_ps(dst.as_mut_ptr(), x);
                    }
                }
                block += LANES as u64;
            }
            let rest = batches.into_remainder();
            if !rest.is_empty() {
                let words = batch_words(rng, block);
                let mut tmp = [0f32; BATCH];
                BatchKernel::apply(map, &words, &mut tmp);
                rest.copy_from_slice(&tmp[..rest.len()]);
            }
        }

        /// The [`BATCH`] words of the blocks `first_block ..` in element order.
        #[inline]
        #[target_feature(enable = $feature)]
        pub(crate) fn batch_words(rng: &HostRng, first_block: u64) -> [u32; BATCH] {
            let out = batch_vectors(rng, first_block);
            let mut words = [0u32; BATCH];
            for (dst, v) in words.chunks_exact_mut($w).zip(out) {
                // SAFETY: `dst` is one vector's worth of consecutive u32 (`width` lanes); the
                // unaligned store writes exactly those bytes.
                #[allow(unsafe_code)]
                unsafe {
                    $store_si(dst.as_mut_ptr().cast(), v);
                }
            }
            words
        }
    };
}

/// Philox4x32-10 in AVX2: eight blocks per vector, the 32×32→64-bit products with `vpmuludq`
/// on even and odd lanes, the key schedule hoisted, the 4×8 result transposed into element
/// order with unpacks and lane permutes. Same words as [`HostRng::batch_words`] (tested).
#[cfg(target_arch = "x86_64")]
pub(super) mod avx2 {
    use std::arch::x86_64::*;

    use super::super::HostRng;
    use super::super::kernel::{BATCH, BatchKernel, LANES, UniformMap};
    use super::{M0, M1, W0, W1};

    philox_simd! {
        feature: "avx2",
        width: 8,
        vector: __m256i,
        int: { set1_32: _mm256_set1_epi32, set1_64: _mm256_set1_epi64x, zero: _mm256_setzero_si256,
               xor: _mm256_xor_si256, srli_32: _mm256_srli_epi32, store: _mm256_storeu_si256,
               unpack_32: [_mm256_unpacklo_epi32, _mm256_unpackhi_epi32],
               unpack_64: [_mm256_unpacklo_epi64, _mm256_unpackhi_epi64] },
        float: { set1: _mm256_set1_ps, from_int: _mm256_cvtepi32_ps, add: _mm256_add_ps,
                 mul: _mm256_mul_ps, min: _mm256_min_ps, max: _mm256_max_ps,
                 store: _mm256_storeu_ps },
    }

    /// `(hi, lo)` halves of the eight products `m · a[j]`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn mulhilo(a: __m256i, m: __m256i) -> (__m256i, __m256i) {
        let even = _mm256_mul_epu32(a, m);
        let odd = _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), m);
        let lo = _mm256_blend_epi32::<0b1010_1010>(even, _mm256_slli_epi64::<32>(odd));
        let hi = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(even), odd);
        (hi, lo)
    }

    /// The words of the blocks `first_block ..` in element order, as 32 vectors of 8.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn batch_vectors(rng: &HostRng, first_block: u64) -> [__m256i; BATCH / 8] {
        let (keys, stream_lo, stream_hi) = round_keys(rng);
        let mut out = [_mm256_setzero_si256(); BATCH / 8];
        for g in 0..LANES / 8 {
            let b = |j: u64| first_block.wrapping_add(8 * g as u64 + j);
            let lo = |j: u64| b(j) as u32 as i32;
            let hi = |j: u64| (b(j) >> 32) as u32 as i32;
            let c0 = _mm256_setr_epi32(lo(0), lo(1), lo(2), lo(3), lo(4), lo(5), lo(6), lo(7));
            let c1 = _mm256_setr_epi32(hi(0), hi(1), hi(2), hi(3), hi(4), hi(5), hi(6), hi(7));
            let c = rounds([c0, c1, stream_lo, stream_hi], &keys);
            // 4 × 8 (word × block) to element order: blocks 0..8, four words each. u0 holds
            // blocks 0 | 4, u1 1 | 5, u2 2 | 6, u3 3 | 7.
            let [u0, u1, u2, u3] = interleave(c);
            out[4 * g] = _mm256_permute2x128_si256::<0x20>(u0, u1);
            out[4 * g + 1] = _mm256_permute2x128_si256::<0x20>(u2, u3);
            out[4 * g + 2] = _mm256_permute2x128_si256::<0x31>(u0, u1);
            out[4 * g + 3] = _mm256_permute2x128_si256::<0x31>(u2, u3);
        }
        out
    }
}

/// Philox4x32-10 in AVX-512: sixteen blocks per vector, otherwise as [`avx2`]. Same words as
/// [`HostRng::batch_words`] (tested).
#[cfg(target_arch = "x86_64")]
pub(super) mod avx512 {
    use std::arch::x86_64::*;

    use super::super::HostRng;
    use super::super::kernel::{BATCH, BatchKernel, LANES, UniformMap};
    use super::{M0, M1, W0, W1};

    philox_simd! {
        feature: "avx512f",
        width: 16,
        vector: __m512i,
        int: { set1_32: _mm512_set1_epi32, set1_64: _mm512_set1_epi64, zero: _mm512_setzero_si512,
               xor: _mm512_xor_si512, srli_32: _mm512_srli_epi32, store: _mm512_storeu_si512,
               unpack_32: [_mm512_unpacklo_epi32, _mm512_unpackhi_epi32],
               unpack_64: [_mm512_unpacklo_epi64, _mm512_unpackhi_epi64] },
        float: { set1: _mm512_set1_ps, from_int: _mm512_cvtepi32_ps, add: _mm512_add_ps,
                 mul: _mm512_mul_ps, min: _mm512_min_ps, max: _mm512_max_ps,
                 store: _mm512_storeu_ps },
    }

    /// `(hi, lo)` halves of the sixteen products `m · a[j]`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn mulhilo(a: __m512i, m: __m512i) -> (__m512i, __m512i) {
        let even = _mm512_mul_epu32(a, m);
        let odd = _mm512_mul_epu32(_mm512_srli_epi64::<32>(a), m);
        let lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64::<32>(odd));
        let hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64::<32>(even), odd);
        (hi, lo)
    }

    /// The words of the blocks `first_block ..` in element order, as 16 vectors of 16.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn batch_vectors(rng: &HostRng, first_block: u64) -> [__m512i; BATCH / 16] {
        let (keys, stream_lo, stream_hi) = round_keys(rng);
        let lane = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
        let mut out = [_mm512_setzero_si512(); BATCH / 16];
        for g in 0..LANES / 16 {
            // Block counters b = first_block + 16g + j as 64-bit lanes, split into halves.
            let base = first_block.wrapping_add(16 * g as u64) as i64;
            let b_lo = _mm512_add_epi64(_mm512_set1_epi64(base), lane);
            let b_hi = _mm512_add_epi64(_mm512_set1_epi64(base.wrapping_add(8)), lane);
            // Low and high 32-bit halves of the sixteen counters, in lane order j = 0..16.
            let idx_lo =
                _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let idx_hi =
                _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            let c0 = _mm512_permutex2var_epi32(b_lo, idx_lo, b_hi);
            let c1 = _mm512_permutex2var_epi32(b_lo, idx_hi, b_hi);
            let c = rounds([c0, c1, stream_lo, stream_hi], &keys);
            // 4 × 16 (word × block) to element order: four blocks of four words per vector.
            // u0 holds blocks 0 | 4 | 8 | 12, u1 1 | 5 | 9 | 13, u2 2 | 6 | 10 | 14, u3 3 | 7 |
            // 11 | 15.
            let [u0, u1, u2, u3] = interleave(c);
            let x0 = _mm512_shuffle_i32x4::<0x44>(u0, u1);
            let x1 = _mm512_shuffle_i32x4::<0x44>(u2, u3);
            let x2 = _mm512_shuffle_i32x4::<0xEE>(u0, u1);
            let x3 = _mm512_shuffle_i32x4::<0xEE>(u2, u3);
            out[4 * g] = _mm512_shuffle_i32x4::<0x88>(x0, x1);
            out[4 * g + 1] = _mm512_shuffle_i32x4::<0xDD>(x0, x1);
            out[4 * g + 2] = _mm512_shuffle_i32x4::<0x88>(x2, x3);
            out[4 * g + 3] = _mm512_shuffle_i32x4::<0xDD>(x2, x3);
        }
        out
    }
}

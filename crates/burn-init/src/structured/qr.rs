//! QR on the host, for [`Orthogonal`](super::Orthogonal): the `Q` factor of a column-major
//! `m × n` matrix (`m ≥ n`), its columns multiplied by `sign(diag R)`. Two routes:
//!
//! * `n <` [`GEMM_FROM`]: blocked Householder in `f64` with hand-written, FMA-free loops
//!   ([`orthonormal_columns_f64`]): the same bits on every CPU and for any number of threads.
//! * larger: blocked Householder in `f32` in compact WY form, recursive panels (Elmroth &
//!   Gustavson 2000), its level-3 work in the `gemm` crate, the matrix-multiply kernels of
//!   Burn's flex backend ([`orthonormal_columns_f32`]). Householder QR is backward stable, so `Q`
//!   is orthogonal to a few `f32` ulp times a slowly growing function of the size (`max |QᵀQ − I|`
//!   below 1e-5 up to 2048², tested). Every GEMM call has a fixed shape (the column blocks of the
//!   parallel updates have a fixed width, `gemm` itself runs single-threaded), so the result is
//!   bit-identical for any number of threads (tested); `gemm` picks its kernel (AVX-512,
//!   AVX2 + FMA, scalar) and its cache blocking from the CPU, so two different CPUs can round
//!   differently in the last bits.

use rayon::prelude::*;

use crate::error::Result;
use crate::host::mem::zeroed_f32;

/// Smallest `n` (the smaller side) that takes the `f32` route on `gemm`; below it the `f64` route
/// is as fast (measured: see `orthonormal_columns_f32`) and CPU-independent.
pub(crate) const GEMM_FROM: usize = 128;

// ---------------------------------------------------------------- f64 route

/// Reflectors per block of the `f64` QR.
const QR_BLOCK: usize = 32;

/// Blocked Householder QR of the column-major `m × n` matrix `a` (`m >= n`): returns `Q`
/// (`m × n`, column-major) with columns multiplied by `sign(diag R)`.
///
/// Each block of [`QR_BLOCK`] reflectors `H_j = I − 2 v_j v_jᵀ` is accumulated in the compact WY
/// form `I − V T Vᵀ` (Schreiber & Van Loan 1989), so the trailing columns are read once per
/// block instead of once per reflector. Columns are processed in parallel and independently,
/// so the result does not depend on the number of threads.
pub(crate) fn orthonormal_columns_f64(a: Vec<f64>, m: usize, n: usize) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above; that is the only requirement of
        // `orthonormal_columns_avx2`.
        #[allow(unsafe_code)]
        unsafe {
            return orthonormal_columns_avx2(a, m, n);
        }
    }
    orthonormal_columns_generic(a, m, n)
}

/// [`orthonormal_columns_generic`] compiled for AVX2 (closures inherit the feature; no FMA, so
/// the results equal the generic path's).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn orthonormal_columns_avx2(a: Vec<f64>, m: usize, n: usize) -> Vec<f64> {
    orthonormal_columns_generic(a, m, n)
}

#[inline(always)]
fn orthonormal_columns_generic(mut a: Vec<f64>, m: usize, n: usize) -> Vec<f64> {
    assert!(m >= n && a.len() == m * n);
    let mut blocks: Vec<(usize, Vec<Vec<f64>>, Vec<f64>)> = Vec::new();
    let mut signs = vec![1.0; n];
    let mut k0 = 0;
    while k0 < n {
        let kb = QR_BLOCK.min(n - k0);
        // Unblocked factorization of the panel a[k0.., k0..k0+kb]; v_j is stored from row k0.
        let mut vs: Vec<Vec<f64>> = Vec::with_capacity(kb);
        for j in k0..k0 + kb {
            let col = &a[j * m + j..(j + 1) * m];
            let norm = dot(col, col).sqrt();
            let alpha = if col[0] >= 0.0 { -norm } else { norm };
            let mut v = vec![0f64; m - k0];
            v[j - k0..].copy_from_slice(col);
            v[j - k0] -= alpha;
            let vnorm = dot(&v, &v).sqrt();
            if vnorm > 0.0 {
                v.iter_mut().for_each(|x| *x /= vnorm);
            }
            signs[j] = if alpha < 0.0 { -1.0 } else { 1.0 };
            for c in j..k0 + kb {
                reflect(&v, &mut a[c * m + k0..(c + 1) * m]);
            }
            vs.push(v);
        }
        // T (kb × kb, upper triangular, column-major) with H_0 ⋯ H_{kb−1} = I − V T Vᵀ.
        let mut t = vec![0f64; kb * kb];
        for i in 0..kb {
            t[i * kb + i] = 2.0;
            // t[0..i, i] = −2 · T[0..i, 0..i] · (V[:, 0..i]ᵀ v_i)
            let w: Vec<f64> = (0..i).map(|r| dot(&vs[r], &vs[i])).collect();
            for r in 0..i {
                let s: f64 = (r..i).map(|c| t[c * kb + r] * w[c]).sum();
                t[i * kb + r] = -2.0 * s;
            }
        }
        // Trailing columns: a ← (I − V T Vᵀ)ᵀ a = a − V Tᵀ Vᵀ a.
        let tail = &mut a[(k0 + kb) * m..];
        tail.par_chunks_mut(m)
            .for_each(|c| apply_block(&vs, &t, kb, &mut c[k0..], true));
        blocks.push((k0, vs, t));
        k0 += kb;
    }
    // Q = (I − V₁T₁V₁ᵀ) ⋯ (I − V_bT_bV_bᵀ) [I; 0], column by column, last block first.
    let mut q = vec![0f64; m * n];
    q.par_chunks_mut(m).enumerate().for_each(|(j, c)| {
        c[j] = 1.0;
        for (k0, vs, t) in blocks.iter().rev() {
            if *k0 <= j {
                apply_block(vs, t, vs.len(), &mut c[*k0..], false);
            }
        }
        c.iter_mut().for_each(|x| *x *= signs[j]);
    });
    q
}

/// `x ← x − V op(T) Vᵀ x` with `op(T) = Tᵀ` (`transpose`) or `T`.
#[inline(always)]
fn apply_block(vs: &[Vec<f64>], t: &[f64], kb: usize, x: &mut [f64], transpose: bool) {
    let y: Vec<f64> = vs.iter().map(|v| dot(v, x)).collect();
    let mut z = vec![0f64; kb];
    for (i, zi) in z.iter_mut().enumerate() {
        *zi = if transpose {
            // (Tᵀ y)_i = Σ_{r ≤ i} T[r, i] y_r
            (0..=i).map(|r| t[i * kb + r] * y[r]).sum()
        } else {
            // (T y)_i = Σ_{c ≥ i} T[i, c] y_c
            (i..kb).map(|c| t[c * kb + i] * y[c]).sum()
        };
    }
    for (v, zi) in vs.iter().zip(&z) {
        x.iter_mut().zip(v).for_each(|(xi, vi)| *xi -= zi * vi);
    }
}

/// Dot product with 8 independent partial sums, so that it vectorizes (a plain `sum()` is a
/// sequential chain). Deterministic: the order depends only on the length. One body for the f64
/// route and the f32 one.
#[inline(always)]
fn dot<T>(a: &[T], b: &[T]) -> T
where
    T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T> + std::ops::AddAssign,
{
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [T::default(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = T::default();
    for (x, y) in ra.iter().zip(rb) {
        tail += *x * *y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

#[inline(always)]
fn reflect(v: &[f64], x: &mut [f64]) {
    let s = 2.0 * dot(v, x);
    x.iter_mut().zip(v).for_each(|(xi, vi)| *xi -= s * vi);
}

// ---------------------------------------------------------------- f32 route on gemm

/// Columns per panel of the blocked QR (the block reflectors `I − V T Vᵀ` applied with GEMM).
const PANEL: usize = 64;
/// Panels at most this wide are factored column by column (below, recursively halved).
const LEAF: usize = 8;
/// Columns per parallel work item of the updates: fixed, so that every GEMM call (and hence
/// every rounding) is the same whatever the number of threads.
const COLUMN_BLOCK: usize = 64;

/// `dst ← [dst] + s·op(A)·B` on column-major blocks, through `gemm` with no parallelism of its
/// own. `A` is `m × k` with strides `(a_rs, a_cs)` into `a`, `B` is `k × n` (column-major, leading
/// dimension `ldb`), `dst` is `m × n` (column-major, leading dimension `ldd`); `keep` adds to the
/// current contents of `dst` (else overwrites them).
#[allow(clippy::too_many_arguments)]
fn gemm_into(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    ldd: usize,
    keep: bool,
    a: &[f32],
    (a_rs, a_cs): (usize, usize),
    b: &[f32],
    ldb: usize,
    s: f32,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !keep {
            for c in 0..n {
                dst[c * ldd..c * ldd + m].fill(0.0);
            }
        }
        return;
    }
    // Every element each operand addresses lies inside its slice.
    assert!((n - 1) * ldd + m <= dst.len() && ldd >= m);
    assert!((m - 1) * a_rs + (k - 1) * a_cs < a.len());
    assert!((n - 1) * ldb + k <= b.len() && ldb >= k);
    // SAFETY: the three assertions above bound every index `gemm` reads or writes (it addresses
    // `dst[i + j·ldd]`, `a[i·a_rs + l·a_cs]`, `b[l + j·ldb]` for `i < m`, `j < n`, `l < k`);
    // `dst` is borrowed mutably, so it cannot alias `a` or `b`.
    #[allow(unsafe_code)]
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            ldd as isize,
            1,
            keep,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            ldb as isize,
            1,
            1.0,
            s,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `s·op(A)·B` as a new column-major `m × n` matrix (leading dimension `m`), as [`gemm_into`]
/// computes it.
fn product(
    dims: (usize, usize, usize),
    a: &[f32],
    a_strides: (usize, usize),
    b: &[f32],
    ldb: usize,
    s: f32,
) -> Vec<f32> {
    let (m, n, _) = dims;
    let mut out = vec![0f32; m * n];
    gemm_into(dims, &mut out, m, false, a, a_strides, b, ldb, s);
    out
}

/// The dense `rows × cols` matrix `V` (column-major) of the reflectors stored below the
/// diagonal of `a` (leading dimension `lda`): unit diagonal, zeros above.
fn explicit_v(a: &[f32], lda: usize, rows: usize, cols: usize) -> Vec<f32> {
    let mut v = vec![0f32; rows * cols];
    for j in 0..cols {
        v[j * rows + j] = 1.0;
        v[j * rows + j + 1..(j + 1) * rows].copy_from_slice(&a[j * lda + j + 1..j * lda + rows]);
    }
    v
}

/// Householder reflector of `x` (LAPACK's `dlarfg`): `H = I − τ v vᵀ` with `v = [1; x[1..]/(α − β)]`
/// maps `x` to `β e₁`, `β = −sign(α)‖x‖`. Overwrites `x` with `[β; v[1..]]`, returns `τ`.
#[inline(always)]
fn reflector(x: &mut [f32]) -> f32 {
    let alpha = x[0];
    let tail = dot(&x[1..], &x[1..]);
    if tail == 0.0 {
        return 0.0;
    }
    let norm = (alpha * alpha + tail).sqrt();
    let beta = if alpha >= 0.0 { -norm } else { norm };
    let scale = 1.0 / (alpha - beta);
    x[1..].iter_mut().for_each(|v| *v *= scale);
    x[0] = beta;
    (beta - alpha) / beta
}

/// QR of the `rows × cols` column-major block `a` (leading dimension `lda`, `rows ≥ cols`):
/// reflectors below the diagonal, `R` on and above it, and `t` (`cols × cols`, column-major,
/// leading dimension `ldt`) upper triangular with `H₀ ⋯ H_{cols−1} = I − V T Vᵀ`. Recursive
/// (Elmroth & Gustavson 2000): the left half, its block reflector applied to the right half by
/// GEMM, the right half, then the coupling block of `T`.
fn panel_qr(a: &mut [f32], lda: usize, rows: usize, cols: usize, t: &mut [f32], ldt: usize) {
    if cols <= LEAF {
        return leaf_qr(a, lda, rows, cols, t, ldt);
    }
    let c1 = cols / 2;
    let c2 = cols - c1;
    panel_qr(a, lda, rows, c1, t, ldt);
    let v1 = explicit_v(a, lda, rows, c1);
    // A₂ ← (I − V₁T₁V₁ᵀ)ᵀ A₂ = A₂ − V₁ (T₁ᵀ (V₁ᵀ A₂)).
    let (_, a2) = a.split_at_mut(c1 * lda);
    let w = product((c1, c2, rows), &v1, (rows, 1), a2, lda, 1.0);
    // T₁ᵀ: element (i, l) is t[i·ldt + l].
    let w2 = product((c1, c2, c1), t, (ldt, 1), &w, c1, 1.0);
    gemm_into((rows, c2, c1), a2, lda, true, &v1, (1, rows), &w2, c1, -1.0);
    // Right half, from row c1.
    let mut t2 = vec![0f32; c2 * c2];
    panel_qr(&mut a2[c1..], lda, rows - c1, c2, &mut t2, c2);
    let v2 = explicit_v(&a2[c1..], lda, rows - c1, c2);
    // T₁₂ = −T₁ (V₁ᵀ V₂) T₂, with V₂ zero in its first c1 rows.
    let below = rows - c1;
    let g = product((c1, c2, below), &v1[c1..], (rows, 1), &v2, below, 1.0);
    let g2 = product((c1, c2, c1), t, (1, ldt), &g, c1, 1.0);
    let t12 = product((c1, c2, c2), &g2, (1, c1), &t2, c2, -1.0);
    for j in 0..c2 {
        let col = &mut t[(c1 + j) * ldt..];
        col[..c1].copy_from_slice(&t12[j * c1..(j + 1) * c1]);
        col[c1..c1 + c2].copy_from_slice(&t2[j * c2..(j + 1) * c2]);
    }
}

/// [`panel_qr`] column by column (LAPACK's `dgeqr2` and `dlarft`), compiled for AVX2 when the
/// CPU has it (no FMA: the same bits either way).
fn leaf_qr(a: &mut [f32], lda: usize, rows: usize, cols: usize, t: &mut [f32], ldt: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above; that is the only requirement of
        // `leaf_qr_avx2`.
        #[allow(unsafe_code)]
        unsafe {
            return leaf_qr_avx2(a, lda, rows, cols, t, ldt);
        }
    }
    leaf_qr_generic(a, lda, rows, cols, t, ldt)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn leaf_qr_avx2(a: &mut [f32], lda: usize, rows: usize, cols: usize, t: &mut [f32], ldt: usize) {
    leaf_qr_generic(a, lda, rows, cols, t, ldt)
}

#[inline(always)]
fn leaf_qr_generic(a: &mut [f32], lda: usize, rows: usize, cols: usize, t: &mut [f32], ldt: usize) {
    for j in 0..cols {
        let (left, right) = a.split_at_mut(((j + 1) * lda).min(a.len()));
        let x = &mut left[j * lda + j..j * lda + rows];
        let tau = reflector(x);
        // Apply H_j to the remaining columns: c ← c − τ v (vᵀ c), v = [1; x[1..]].
        if tau != 0.0 {
            for c in 0..cols - j - 1 {
                let col = &mut right[c * lda + j..c * lda + rows];
                let s = tau * (col[0] + dot(&x[1..], &col[1..]));
                col[0] -= s;
                col[1..]
                    .iter_mut()
                    .zip(&x[1..])
                    .for_each(|(ci, vi)| *ci -= s * vi);
            }
        }
        // T[0..j, j] = −τ T[0..j, 0..j] (V[:, 0..j]ᵀ v_j), T[j, j] = τ.
        let mut y = vec![0f32; j];
        for (i, yi) in y.iter_mut().enumerate() {
            // v_i has its 1 at row i and zeros above; v_j has its 1 at row j.
            let vi = &a[i * lda..i * lda + rows];
            let vj = &a[j * lda..j * lda + rows];
            *yi = vi[j] + dot(&vi[j + 1..], &vj[j + 1..]);
        }
        for i in 0..j {
            let s: f32 = (i..j).map(|l| t[l * ldt + i] * y[l]).sum();
            t[j * ldt + i] = -tau * s;
        }
        t[j * ldt + j] = tau;
    }
}

/// `b ← (I − V op(T) Vᵀ) b` for the column-major `rows × cols` block `b` (leading dimension
/// `ldb`), with `op(T) = Tᵀ` (`transpose`: applies `Qᵀ`) or `T` (applies `Q`).
#[allow(clippy::too_many_arguments)]
fn apply_block_reflector(
    v: &[f32],
    t: &[f32],
    kb: usize,
    b: &mut [f32],
    ldb: usize,
    rows: usize,
    cols: usize,
    transpose: bool,
) {
    let w = product((kb, cols, rows), v, (rows, 1), b, ldb, 1.0);
    let t_strides = if transpose { (kb, 1) } else { (1, kb) };
    let w2 = product((kb, cols, kb), t, t_strides, &w, kb, 1.0);
    gemm_into((rows, cols, kb), b, ldb, true, v, (1, rows), &w2, kb, -1.0);
}

/// Blocked Householder QR of the column-major `m × n` matrix `a` (`m ≥ n`) in `f32`: returns `Q`
/// (`m × n`, column-major) with its columns multiplied by `sign(diag R)`.
///
/// Panels of [`PANEL`] columns are factored recursively ([`panel_qr`]) into `I − V T Vᵀ`; each
/// block reflector is applied to the trailing columns, then (last panel first) to `[I; 0]` to
/// form `Q`, both in parallel over fixed blocks of [`COLUMN_BLOCK`] columns, each block three
/// GEMM calls.
///
/// # Errors
/// [`InitError::Allocation`](crate::InitError::Allocation) if `Q`'s buffer cannot be allocated.
pub(crate) fn orthonormal_columns_f32(mut a: Vec<f32>, m: usize, n: usize) -> Result<Vec<f32>> {
    assert!(m >= n && a.len() == m * n);
    let mut blocks: Vec<(usize, Vec<f32>, Vec<f32>)> = Vec::new();
    let mut signs = vec![1.0; n];
    let mut k0 = 0;
    while k0 < n {
        let kb = PANEL.min(n - k0);
        let rows = m - k0;
        let (head, tail) = a.split_at_mut((k0 + kb) * m);
        let panel = &mut head[k0 * m + k0..];
        let mut t = vec![0f32; kb * kb];
        panel_qr(panel, m, rows, kb, &mut t, kb);
        for j in 0..kb {
            if panel[j * m + j] < 0.0 {
                signs[k0 + j] = -1.0;
            }
        }
        let v = explicit_v(panel, m, rows, kb);
        tail.par_chunks_mut(COLUMN_BLOCK * m).for_each(|b| {
            let cols = b.len() / m;
            apply_block_reflector(&v, &t, kb, &mut b[k0..], m, rows, cols, true);
        });
        blocks.push((k0, v, t));
        k0 += kb;
    }
    // Q = H₀ ⋯ H_{n−1} [I; 0], panel by panel from the last: panel k only changes rows and
    // columns from k0 on.
    let mut q = zeroed_f32(m * n)?;
    for j in 0..n {
        q[j * m + j] = 1.0;
    }
    for (k0, v, t) in blocks.iter().rev() {
        let kb = t.len().isqrt();
        let rows = m - k0;
        q[k0 * m..].par_chunks_mut(COLUMN_BLOCK * m).for_each(|b| {
            let cols = b.len() / m;
            apply_block_reflector(v, t, kb, &mut b[*k0..], m, rows, cols, false);
        });
    }
    for (j, c) in q.chunks_exact_mut(m).enumerate() {
        if signs[j] < 0.0 {
            c.iter_mut().for_each(|x| *x = -*x);
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::{Normal, Primitive};
    use crate::host::HostRng;

    /// A column-major `m × n` standard Gaussian matrix.
    fn gaussian(m: usize, n: usize, seed: u64) -> Vec<f32> {
        let mut a = vec![0f32; m * n];
        Primitive::Normal(Normal::large_random()).fill_host(HostRng::new(seed), &mut a);
        a
    }

    /// `max |QᵀQ − I|` of the column-major `m × n` `q`, the products in `f64` (through `gemm`).
    fn gram_error(q: &[f32], m: usize, n: usize) -> f64 {
        let q: Vec<f64> = q.iter().map(|&x| f64::from(x)).collect();
        let mut g = vec![0f64; n * n];
        // SAFETY: `g` is n × n column-major, `q` m × n column-major read transposed as the left
        // operand (n × m, row stride m) and as is as the right one: every index is in bounds.
        #[allow(unsafe_code)]
        unsafe {
            gemm::gemm(
                n,
                n,
                m,
                g.as_mut_ptr(),
                n as isize,
                1,
                false,
                q.as_ptr(),
                1,
                m as isize,
                q.as_ptr(),
                m as isize,
                1,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
        let mut worst = 0f64;
        for j in 0..n {
            for i in 0..n {
                worst = worst.max((g[j * n + i] - f64::from(i == j)).abs());
            }
        }
        worst
    }

    /// The `f32` route is orthogonal to 1e-5 (max entry of `QᵀQ − I`) from one panel to 2048²,
    /// tall and square, with partial panels and column blocks.
    #[test]
    fn f32_route_is_orthogonal() {
        for (m, n) in [(130, 128), (700, 300), (1000, 1000), (2048, 2048)] {
            let q = orthonormal_columns_f32(gaussian(m, n, 1), m, n).unwrap();
            let e = gram_error(&q, m, n);
            assert!(e < 1e-5, "{m}×{n}: max |QᵀQ − I| = {e}");
        }
    }

    /// Both routes compute the same `Q` (the QR factor with a positive diagonal of `R` is unique):
    /// the `f32` route within `f32` rounding of the `f64` route, including the sign correction.
    #[test]
    fn routes_agree() {
        for (m, n) in [(200, 130), (300, 300)] {
            let a = gaussian(m, n, 2);
            let q64 = orthonormal_columns_f64(a.iter().map(|&x| f64::from(x)).collect(), m, n);
            let q32 = orthonormal_columns_f32(a, m, n).unwrap();
            let worst = q64
                .iter()
                .zip(&q32)
                .map(|(x, y)| (x - f64::from(*y)).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-4, "{m}×{n}: max |Q₃₂ − Q₆₄| = {worst}");
        }
    }

    /// The `f32` route gives the same bits on 1, 2 and 3 threads.
    #[test]
    fn f32_route_is_bit_identical_across_thread_counts() {
        let (m, n) = (600, 400);
        let a = gaussian(m, n, 3);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let q = pool.install(|| orthonormal_columns_f32(a.clone(), m, n).unwrap());
            q.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
    }
}

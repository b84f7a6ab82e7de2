//! Blocked Householder QR on the host, in `f64`.

use rayon::prelude::*;

/// Reflectors per block of the blocked QR.
const QR_BLOCK: usize = 32;

/// Blocked Householder QR of the column-major `m × n` matrix `a` (`m >= n`): returns `Q`
/// (`m × n`, column-major) with columns multiplied by `sign(diag R)`.
///
/// Each block of [`QR_BLOCK`] reflectors `H_j = I − 2 v_j v_jᵀ` is accumulated in the compact WY
/// form `I − V T Vᵀ` (Schreiber & Van Loan 1989), so the trailing columns are read once per
/// block instead of once per reflector. Columns are processed in parallel and independently,
/// so the result does not depend on the number of threads.
pub(crate) fn orthonormal_columns(a: Vec<f64>, m: usize, n: usize) -> Vec<f64> {
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

/// Dot product with 8 independent partial sums, so that it vectorizes (a plain `sum()` of
/// `f64` is a sequential chain). Deterministic: the order depends only on the length.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

#[inline(always)]
fn reflect(v: &[f64], x: &mut [f64]) {
    let s = 2.0 * dot(v, x);
    x.iter_mut().zip(v).for_each(|(xi, vi)| *xi -= s * vi);
}

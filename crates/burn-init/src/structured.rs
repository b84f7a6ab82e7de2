//! Structured initializers: orthogonal, identity, Dirac, delta-orthogonal and sparse.

use burn::tensor::{Bool, Device, Int, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dist::Normal;
use crate::dist::Primitive;
use crate::error::{InitError, Result, non_negative, positive};
use crate::fans::Fans;
use crate::init::Initializer;
use crate::rng::HostRng;

fn shape_error(name: &str, shape: &[usize], reason: &str) -> InitError {
    InitError::InvalidShape {
        initializer: name.into(),
        shape: shape.to_vec(),
        reason: reason.into(),
    }
}

/// (Semi-)orthogonal matrix scaled by `gain` (Saxe et al., 2013, "Exact solutions to the nonlinear
/// dynamics of learning in deep linear neural networks").
///
/// The tensor is viewed as a matrix `[shape[0], ∏ shape[1..]]`, as PyTorch's `orthogonal_`:
/// a Gaussian matrix is QR-decomposed (Householder) and `Q` is multiplied by the signs of
/// `diag(R)`, which makes it Haar-distributed. For a tall matrix the columns are orthonormal
/// (`WᵀW = gain²·I`), for a wide one the rows (`WWᵀ = gain²·I`). A Burn `Linear` weight
/// `[d_in, d_out]` with `d_in >= d_out` therefore has orthonormal columns.
///
/// Host path: Householder QR in `f64` on the host (bit-reproducible). Device path: Burn's
/// `linalg::qr` on the device.
///
/// ```
/// use burn_init::{HostRng, InitializerExt, Orthogonal};
/// let w = Orthogonal::new(1.0)?.host_vec(&[3, 3], None, HostRng::new(1))?;
/// let col0: f32 = (0..3).map(|i| w[i * 3] * w[i * 3]).sum();
/// assert!((col0 - 1.0).abs() < 1e-6);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Orthogonal {
    /// Multiplier.
    pub gain: f64,
}

impl Orthogonal {
    /// # Errors
    /// If `gain` is not finite and positive.
    pub fn new(gain: f64) -> Result<Self> {
        Ok(Self {
            gain: positive("gain", gain)?,
        })
    }
}

fn check_matrix(name: &str, shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        return Err(shape_error(
            name,
            shape,
            "needs at least 2 dimensions (a 1-D bias has no orthogonal structure; give it its own initializer)",
        ));
    }
    let rows = shape[0];
    let cols: usize = shape[1..].iter().product();
    if rows == 0 || cols == 0 {
        return Err(shape_error(name, shape, "has a zero dimension"));
    }
    Ok((rows, cols))
}

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

/// A `rows × cols` orthogonal matrix (row-major) from the host generator.
pub(crate) fn orthogonal_host(rows: usize, cols: usize, gain: f64, rng: HostRng, out: &mut [f32]) {
    let mut g = crate::hostmem::zeroed_f32(rows * cols);
    Primitive::Normal(Normal {
        mean: 0.0,
        std: 1.0,
    })
    .fill_host(rng, &mut g);
    let g: Vec<f64> = g.into_iter().map(f64::from).collect();
    if rows >= cols {
        // A = G (rows × cols), column-major.
        let mut a = vec![0f64; rows * cols];
        for i in 0..rows {
            for j in 0..cols {
                a[j * rows + i] = g[i * cols + j];
            }
        }
        let q = orthonormal_columns(a, rows, cols);
        for i in 0..rows {
            for j in 0..cols {
                out[i * cols + j] = (gain * q[j * rows + i]) as f32;
            }
        }
    } else {
        // A = Gᵀ (cols × rows); G's row-major buffer is Gᵀ column-major.
        let q = orthonormal_columns(g, cols, rows);
        // W = Qᵀ: W[i][j] = Q[j, i] = q[i * cols + j].
        for (o, x) in out.iter_mut().zip(q) {
            *o = (gain * x) as f32;
        }
    }
}

/// Orthogonal on the device with Burn's `linalg::qr`, `rows × cols`, flattened.
fn orthogonal_device(rows: usize, cols: usize, gain: f64, device: &Device) -> Tensor<1> {
    let (m, n) = if rows >= cols {
        (rows, cols)
    } else {
        (cols, rows)
    };
    let a = Tensor::<2>::random([m, n], burn::tensor::Distribution::Normal(0.0, 1.0), device);
    let (q, r) = burn::linalg::qr(a, true);
    let diag = r.mul(Tensor::<2>::eye(n, device)).sum_dim(0); // [1, n]
    let q = q.mul(diag.sign()).mul_scalar(gain);
    let w = if rows >= cols { q } else { q.transpose() };
    w.reshape([rows * cols])
}

impl Initializer for Orthogonal {
    fn name(&self) -> String {
        format!("orthogonal(gain={})", self.gain)
    }
    fn check(&self, shape: &[usize], _fans: Option<Fans>) -> Result<()> {
        Orthogonal::new(self.gain)?;
        check_matrix("orthogonal", shape).map(|_| ())
    }
    fn fill_host(&self, shape: &[usize], _fans: Option<Fans>, rng: HostRng, out: &mut [f32]) {
        let rows = shape[0];
        orthogonal_host(rows, out.len() / rows, self.gain, rng, out);
    }
    fn sample_device(&self, shape: &[usize], _fans: Option<Fans>, device: &Device) -> Tensor<1> {
        let rows = shape[0];
        orthogonal_device(rows, shape[1..].iter().product(), self.gain, device)
    }
}

/// Identity matrix times `gain` (PyTorch `eye_`, Keras `Identity`): for a 2-D weight, ones on the
/// main diagonal and zeros elsewhere, so a square `Linear` layer starts as the identity map; for a
/// rectangular one, as many inputs as possible are passed through.
///
/// ```
/// use burn_init::{HostRng, Identity, InitializerExt};
/// let w = Identity::new(2.0)?.host_vec(&[2, 3], None, HostRng::new(0))?;
/// assert_eq!(w, vec![2.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// Value on the diagonal.
    pub gain: f64,
}

impl Identity {
    /// # Errors
    /// If `gain` is not finite.
    pub fn new(gain: f64) -> Result<Self> {
        Ok(Self {
            gain: crate::error::finite("gain", gain)?,
        })
    }
}

impl Initializer for Identity {
    fn name(&self) -> String {
        format!("identity(gain={})", self.gain)
    }
    fn check(&self, shape: &[usize], _fans: Option<Fans>) -> Result<()> {
        Identity::new(self.gain)?;
        if shape.len() != 2 {
            return Err(shape_error(
                "identity",
                shape,
                "needs a 2-D weight (use dirac for convolutions)",
            ));
        }
        Ok(())
    }
    fn fill_host(&self, shape: &[usize], _fans: Option<Fans>, _rng: HostRng, out: &mut [f32]) {
        out.fill(0.0);
        let (r, c) = (shape[0], shape[1]);
        for i in 0..r.min(c) {
            out[i * c + i] = self.gain as f32;
        }
    }
    fn sample_device(&self, shape: &[usize], _fans: Option<Fans>, device: &Device) -> Tensor<1> {
        let (r, c) = (shape[0], shape[1]);
        index_equal(r, c, None, device)
            .float()
            .mul_scalar(self.gain)
            .reshape([r * c])
    }
}

/// `[rows, cols]` on the device: true where `row mod modulus == col` (built on the device from two
/// `arange`s, nothing uploaded).
fn index_equal(
    rows: usize,
    cols: usize,
    modulus: Option<usize>,
    device: &Device,
) -> Tensor<2, Bool> {
    let r = Tensor::<1, Int>::arange(0..rows as i64, device);
    let r = match modulus {
        Some(m) => r.remainder_scalar(m as i64),
        None => r,
    };
    let c = Tensor::<1, Int>::arange(0..cols as i64, device);
    r.reshape([rows, 1])
        .expand([rows, cols])
        .equal(c.reshape([1, cols]).expand([rows, cols]))
}

/// Places `centre` (`[c_out · c_in]`) at the centre tap of a zero `[c_out, c_in, k…]` kernel.
fn at_centre_tap(shape: &[usize], centre: Tensor<1>, device: &Device) -> Tensor<1> {
    let (co, ci) = (shape[0], shape[1]);
    let taps: usize = shape[2..].iter().product();
    let centre_tap = shape[2..].iter().fold(0, |acc, &k| acc * k + k / 2);
    Tensor::<2>::zeros([co * ci, taps], device)
        .slice_assign(
            [0..co * ci, centre_tap..centre_tap + 1],
            centre.reshape([co * ci, 1]),
        )
        .reshape([co * ci * taps])
}

/// Dirac delta for convolutions (PyTorch `dirac_`): a Burn conv weight `[c_out, c_in/groups, k…]`
/// (1-, 2- or 3-D kernels) whose centre tap connects output channel `d` of each group to input
/// channel `d` of that group, so the convolution (with "same" padding) is the identity on as
/// many channels as possible.
///
/// ```
/// use burn_init::{Dirac, HostRng, InitializerExt};
/// let w = Dirac::new(1)?.host_vec(&[2, 2, 3], None, HostRng::new(0))?;
/// assert_eq!(w, vec![0., 1., 0., 0., 0., 0., 0., 0., 0., 0., 1., 0.]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dirac {
    /// Number of groups of the convolution.
    pub groups: usize,
}

impl Dirac {
    /// # Errors
    /// If `groups` is zero.
    pub fn new(groups: usize) -> Result<Self> {
        if groups == 0 {
            return Err(InitError::InvalidParameter {
                field: "groups",
                value: 0.0,
                reason: "must be >= 1",
            });
        }
        Ok(Self { groups })
    }
}

fn check_conv(name: &str, shape: &[usize]) -> Result<()> {
    if !(3..=5).contains(&shape.len()) {
        return Err(shape_error(
            name,
            shape,
            "needs a convolution weight [c_out, c_in/groups, k…] with 3 to 5 dimensions",
        ));
    }
    if shape.contains(&0) {
        return Err(shape_error(name, shape, "has a zero dimension"));
    }
    Ok(())
}

/// Row-major offset of the centre tap of a conv weight for channels `(o, i)`.
fn centre_offset(shape: &[usize], o: usize, i: usize) -> usize {
    let kernel = &shape[2..];
    let mut off = o * shape[1] + i;
    for &k in kernel {
        off = off * k + k / 2;
    }
    off
}

impl Initializer for Dirac {
    fn name(&self) -> String {
        format!("dirac(groups={})", self.groups)
    }
    fn check(&self, shape: &[usize], _fans: Option<Fans>) -> Result<()> {
        Dirac::new(self.groups)?;
        check_conv("dirac", shape)?;
        if !shape[0].is_multiple_of(self.groups) {
            return Err(shape_error(
                "dirac",
                shape,
                "c_out must be divisible by groups",
            ));
        }
        Ok(())
    }
    fn fill_host(&self, shape: &[usize], _fans: Option<Fans>, _rng: HostRng, out: &mut [f32]) {
        out.fill(0.0);
        let out_per_group = shape[0] / self.groups;
        let min_dim = out_per_group.min(shape[1]);
        for g in 0..self.groups {
            for d in 0..min_dim {
                out[centre_offset(shape, g * out_per_group + d, d)] = 1.0;
            }
        }
    }
    fn sample_device(&self, shape: &[usize], _fans: Option<Fans>, device: &Device) -> Tensor<1> {
        let (co, ci) = (shape[0], shape[1]);
        // Output channel o (of its group) feeds from input channel o mod (c_out / groups).
        let centre = index_equal(co, ci, Some(co / self.groups), device)
            .float()
            .reshape([co * ci]);
        at_centre_tap(shape, centre, device)
    }
}

/// Delta-orthogonal for convolutions (Xiao et al., 2018, "Dynamical Isometry and a Mean Field
/// Theory of CNNs"): every tap is zero except the centre one, which is an orthogonal
/// `[c_out, c_in]` matrix times `gain` (orthonormal columns, so the layer is an isometry).
/// Requires `c_in <= c_out`.
///
/// ```
/// use burn_init::{DeltaOrthogonal, HostRng, InitializerExt};
/// let w = DeltaOrthogonal::new(1.0)?.host_vec(&[4, 4, 3], None, HostRng::new(3))?;
/// assert_eq!(w.iter().filter(|&&x| x != 0.0).count() <= 16, true);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeltaOrthogonal {
    /// Multiplier.
    pub gain: f64,
}

impl DeltaOrthogonal {
    /// # Errors
    /// If `gain` is not finite and positive.
    pub fn new(gain: f64) -> Result<Self> {
        Ok(Self {
            gain: positive("gain", gain)?,
        })
    }
}

impl Initializer for DeltaOrthogonal {
    fn name(&self) -> String {
        format!("delta_orthogonal(gain={})", self.gain)
    }
    fn check(&self, shape: &[usize], _fans: Option<Fans>) -> Result<()> {
        DeltaOrthogonal::new(self.gain)?;
        check_conv("delta_orthogonal", shape)?;
        if shape[1] > shape[0] {
            return Err(shape_error(
                "delta_orthogonal",
                shape,
                "needs c_in <= c_out for an isometry",
            ));
        }
        Ok(())
    }
    fn fill_host(&self, shape: &[usize], _fans: Option<Fans>, rng: HostRng, out: &mut [f32]) {
        out.fill(0.0);
        let (co, ci) = (shape[0], shape[1]);
        let mut centre = vec![0f32; co * ci];
        orthogonal_host(co, ci, self.gain, rng, &mut centre);
        for o in 0..co {
            for i in 0..ci {
                out[centre_offset(shape, o, i)] = centre[o * ci + i];
            }
        }
    }
    fn sample_device(&self, shape: &[usize], _fans: Option<Fans>, device: &Device) -> Tensor<1> {
        let (co, ci) = (shape[0], shape[1]);
        let centre = orthogonal_device(co, ci, self.gain, device).reshape([co * ci]);
        at_centre_tap(shape, centre, device)
    }
}

/// Sparse initialization (Martens, 2010, "Deep learning via Hessian-free optimization"): a 2-D
/// weight whose every column has exactly `ceil(sparsity · rows)` zeros, the other entries drawn
/// from `N(0, std²)` (PyTorch `sparse_`). In Burn's `Linear` layout `[d_in, d_out]` a column holds
/// one output unit's incoming weights, so each unit gets the same number of connections, as in
/// Martens' scheme.
///
/// The device path stays on the device: normal values and uniform keys from the device RNG; the
/// zeros of a column are the rows whose key ranks among its `ceil(sparsity · rows)` smallest
/// (rank = argsort of argsort, so the count is exact even with tied keys).
///
/// ```
/// use burn_init::{HostRng, InitializerExt, Sparse};
/// let w = Sparse::new(0.5, 0.01)?.host_vec(&[4, 3], None, HostRng::new(2))?;
/// for j in 0..3 {
///     assert_eq!((0..4).filter(|&i| w[i * 3 + j] == 0.0).count(), 2);
/// }
/// assert!(Sparse::new(1.0, 0.01).is_err());
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sparse {
    /// Fraction of each column set to zero, in `[0, 1)`.
    pub sparsity: f64,
    /// Std of the non-zero entries.
    pub std: f64,
}

impl Sparse {
    /// # Errors
    /// If `sparsity` is outside `[0, 1)` or `std` is negative or not finite.
    pub fn new(sparsity: f64, std: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&sparsity) {
            return Err(InitError::InvalidParameter {
                field: "sparsity",
                value: sparsity,
                reason: "must be in [0, 1)",
            });
        }
        non_negative("std", std)?;
        Ok(Self { sparsity, std })
    }

    /// Zeros per column for `rows` rows.
    pub fn zeros_per_column(&self, rows: usize) -> usize {
        (self.sparsity * rows as f64).ceil() as usize
    }
}

impl Initializer for Sparse {
    fn name(&self) -> String {
        format!("sparse(sparsity={}, std={})", self.sparsity, self.std)
    }
    fn check(&self, shape: &[usize], _fans: Option<Fans>) -> Result<()> {
        Sparse::new(self.sparsity, self.std)?;
        if shape.len() != 2 {
            return Err(shape_error("sparse", shape, "needs a 2-D weight"));
        }
        Ok(())
    }
    fn fill_host(&self, shape: &[usize], _fans: Option<Fans>, rng: HostRng, out: &mut [f32]) {
        let (rows, cols) = (shape[0], shape[1]);
        Primitive::Normal(Normal {
            mean: 0.0,
            std: self.std,
        })
        .fill_host(rng, out);
        let zeros = self.zeros_per_column(rows);
        let picks = rng.derive(1);
        let mut idx: Vec<usize> = Vec::with_capacity(rows);
        for j in 0..cols {
            // Partial Fisher–Yates over the rows of column j, one word per step.
            idx.clear();
            idx.extend(0..rows);
            for t in 0..zeros {
                let w = picks.word((j * rows + t) as u64) as u64;
                let r = t + ((w * (rows - t) as u64) >> 32) as usize;
                idx.swap(t, r);
                out[idx[t] * cols + j] = 0.0;
            }
        }
    }
    fn sample_device(&self, shape: &[usize], _fans: Option<Fans>, device: &Device) -> Tensor<1> {
        let (rows, cols) = (shape[0], shape[1]);
        let values = Tensor::<2>::random(
            [rows, cols],
            burn::tensor::Distribution::Normal(0.0, self.std),
            device,
        );
        let keys = Tensor::<2>::random(
            [rows, cols],
            burn::tensor::Distribution::Uniform(0.0, 1.0),
            device,
        );
        let rank = keys.argsort(0).argsort(0);
        let zero = rank.lower_elem(self.zeros_per_column(rows) as i64);
        values.mask_fill(zero, 0.0).reshape([rows * cols])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::InitializerExt;

    fn gram(w: &[f32], rows: usize, cols: usize, columns: bool) -> f64 {
        // max |WᵀW − I| (columns) or |WWᵀ − I| (rows)
        let (n, len) = if columns { (cols, rows) } else { (rows, cols) };
        let at = |v: usize, k: usize| {
            if columns {
                w[k * cols + v] as f64
            } else {
                w[v * cols + k] as f64
            }
        };
        let mut worst: f64 = 0.0;
        for a in 0..n {
            for b in 0..n {
                let dot: f64 = (0..len).map(|k| at(a, k) * at(b, k)).sum();
                worst = worst.max((dot - if a == b { 1.0 } else { 0.0 }).abs());
            }
        }
        worst
    }

    #[test]
    fn host_orthogonal_tall_wide_square() {
        for (r, c) in [(7, 3), (3, 7), (5, 5), (100, 70), (70, 100), (96, 96)] {
            let w = Orthogonal::new(1.0)
                .unwrap()
                .host_vec(&[r, c], None, HostRng::new(9))
                .unwrap();
            assert!(gram(&w, r, c, r >= c) < 1e-5, "{r}x{c}");
        }
    }

    #[test]
    fn structured_errors() {
        assert!(matches!(
            Orthogonal::new(1.0).unwrap().check(&[5], None),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Dirac::new(1).unwrap().check(&[4, 4], None),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Dirac::new(3).unwrap().check(&[4, 4, 3], None),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            DeltaOrthogonal::new(1.0).unwrap().check(&[2, 4, 3], None),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(Sparse::new(-0.1, 0.01).is_err());
        assert!(Dirac::new(0).is_err());
        assert!(matches!(
            Identity::new(1.0).unwrap().check(&[2, 2, 2], None),
            Err(InitError::InvalidShape { .. })
        ));
    }
}

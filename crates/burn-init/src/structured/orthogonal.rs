//! Orthogonal initialization.

use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use super::check_matrix;
use super::qr::{GEMM_FROM, orthonormal_columns_f32, orthonormal_columns_f64};
use crate::distribution::{Normal, Primitive};
use crate::error::Result;
use crate::host::mem::zeroed_f32;
use crate::host::{HostRng, device_seed};

/// A (semi-)orthogonal matrix scaled by `gain` (PyTorch `orthogonal_`, Keras `Orthogonal`):
/// every singular value of the layer is `gain`, so a deep linear network neither shrinks nor
/// amplifies any direction of its input.
///
/// `W = gain·Q·sign(diag R)` with `G = QR` the QR decomposition of a Gaussian matrix `G`, the
/// tensor viewed as a matrix `[shape[0], ∏ shape[1..]]`: `WᵀW = gain²·I` for a tall matrix
/// (orthonormal columns), `WWᵀ = gain²·I` for a wide one. The sign correction makes `Q`
/// Haar-distributed. A Burn `Linear` weight `[d_in, d_out]` with `d_in >= d_out` therefore has
/// orthonormal columns. Each entry has variance `gain²/max(rows, cols)`.
///
/// Not a specialization of [`VarianceScaling`](crate::VarianceScaling) (its entries are
/// dependent); [`DeltaOrthogonal`](crate::DeltaOrthogonal) puts one at a convolution's centre
/// tap.
///
/// Reference: Saxe, McClelland & Ganguli (2014), "Exact solutions to the nonlinear dynamics of
/// learning in deep linear neural networks".
///
/// Host path: blocked Householder QR on the host: in `f64` when the smaller side is under 128
/// (the same bits on every CPU), else in `f32` with its matrix products in the `gemm` crate
/// (`max |WᵀW − gain²I| / gain²` below 1e-5 up to 2048², tested). Bit-identical for any number
/// of threads; from 128 columns on, two CPUs with different vector units may differ in the last
/// bits. Device path (`Source::Device`): the same host QR keyed by a seed drawn from the device
/// RNG, then uploaded (Burn's `linalg::qr` on the device is slower, see the fill bench).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, Orthogonal};
/// let w = Orthogonal::new(1.0)?.host_vec(&[3, 3], None, HostRng::new(1))?;
/// let col0: f32 = (0..3).map(|i| w[i * 3] * w[i * 3]).sum();
/// assert!((col0 - 1.0).abs() < 1e-6);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Orthogonal {
    gain: f64,
}

gain_parameter!(
    Orthogonal,
    "orthogonal",
    positive,
    "positive and finite",
    "The multiplier."
);

/// A `rows × cols` orthogonal matrix (row-major) from the host generator.
///
/// With `m = max(rows, cols)`, `n = min(rows, cols)`: the `rows·cols` standard normals of `rng`
/// are the row-major Gaussian matrix `G`; `A = G` (`m × n`) for a tall matrix (`rows > cols`),
/// else `A = Gᵀ` (`G`'s row-major buffer read column-major, no copy). `A = QR` ([`super::qr`]:
/// `f64` below [`GEMM_FROM`] columns, `f32` on `gemm` from there), and the output is
/// `gain·Q·sign(diag R)` for a tall matrix, its transpose otherwise (orthonormal rows; for a
/// square matrix both, and `Qᵀ` is Haar-distributed as `Q` is).
pub(super) fn orthogonal_host(
    rows: usize,
    cols: usize,
    gain: f64,
    rng: HostRng,
    out: &mut [f32],
) -> Result<()> {
    let (m, n) = (rows.max(cols), rows.min(cols));
    let tall = rows > cols;
    let mut g = zeroed_f32(rows * cols)?;
    Primitive::Normal(Normal::large_random()).fill_host(rng, &mut g);
    if n < GEMM_FROM {
        let a: Vec<f64> = if tall {
            let mut a = vec![0f64; m * n];
            transpose(&g, rows, cols, &mut a, f64::from);
            a
        } else {
            g.into_iter().map(f64::from).collect()
        };
        let q = orthonormal_columns_f64(a, m, n);
        if tall {
            transpose(&q, cols, rows, out, |x| (gain * x) as f32);
        } else {
            out.iter_mut()
                .zip(q)
                .for_each(|(o, x)| *o = (gain * x) as f32);
        }
    } else {
        let a = if tall {
            let mut a = zeroed_f32(m * n)?;
            transpose(&g, rows, cols, &mut a, |x| x);
            drop(g);
            a
        } else {
            g
        };
        let q = orthonormal_columns_f32(a, m, n)?;
        let gain = gain as f32;
        if tall {
            transpose(&q, cols, rows, out, |x| gain * x);
        } else {
            out.iter_mut().zip(q).for_each(|(o, x)| *o = gain * x);
        }
    }
    Ok(())
}

/// `dst[j·rows + i] = f(src[i·cols + j])`: the row-major `rows × cols` `src` written transposed
/// (column-major), in tiles so that both sides stay in cache.
fn transpose<S: Copy, D>(src: &[S], rows: usize, cols: usize, dst: &mut [D], f: impl Fn(S) -> D) {
    const TILE: usize = 32;
    for i0 in (0..rows).step_by(TILE) {
        for j0 in (0..cols).step_by(TILE) {
            for i in i0..(i0 + TILE).min(rows) {
                for j in j0..(j0 + TILE).min(cols) {
                    dst[j * rows + i] = f(src[i * cols + j]);
                }
            }
        }
    }
}

/// Orthogonal for the device RNG, `rows × cols`, flattened: the host QR keyed by a 64-bit seed
/// drawn from the device RNG, then uploaded. Burn's `linalg::qr` runs tensor operations per
/// Householder column, slower than the host QR plus the upload on every device measured (the fill
/// bench's "Burn built-in" row); the device RNG still decides the draw, so `device.seed(s)` fixes it.
pub(super) fn orthogonal_device(
    rows: usize,
    cols: usize,
    gain: f64,
    device: &Device,
) -> Result<Tensor<1>> {
    let mut out = zeroed_f32(rows * cols)?;
    orthogonal_host(
        rows,
        cols,
        gain,
        HostRng::new(device_seed(device)),
        &mut out,
    )?;
    Ok(Tensor::from_data(
        TensorData::new(out, [rows * cols]),
        device,
    ))
}

impl Orthogonal {
    /// Validates the shape.
    pub(crate) fn check_shape(&self, shape: &[usize]) -> Result<()> {
        check_matrix("orthogonal", shape).map(|_| ())
    }

    /// Fills `out` (row-major `shape`) from the host generator, after `check_shape`.
    pub(crate) fn fill(&self, shape: &[usize], rng: HostRng, out: &mut [f32]) -> Result<()> {
        let rows = shape[0];
        orthogonal_host(rows, out.len() / rows, self.gain, rng, out)
    }

    /// The flat tensor on `device` (device RNG), after `check_shape`.
    pub(crate) fn device_tensor(&self, shape: &[usize], device: &Device) -> Result<Tensor<1>> {
        let rows = shape[0];
        orthogonal_device(rows, shape[1..].iter().product(), self.gain, device)
    }
}

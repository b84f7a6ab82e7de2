//! Sparse initialization.

use burn::tensor::{Device, Tensor};
use serde::Serialize;

use super::shape_error;
use crate::distribution::{Normal, Primitive};
use crate::error::{InitError, Result, deserialize_through, element_count, non_negative, spread};
use crate::host::HostRng;

/// Sparse initialization (PyTorch `sparse_`): each unit gets the same number of non-zero
/// incoming weights.
///
/// For a 2-D weight `[rows, cols]`: in every column exactly `ceil(sparsity·rows)` entries, chosen
/// uniformly, are 0; the others are drawn from `N(0, std²)`. In Burn's `Linear` layout
/// `[d_in, d_out]` a column holds one output unit's incoming weights.
///
/// A [`Normal`](crate::Normal) with a fixed number of zeros per column.
///
/// Reference: Martens (2010), "Deep learning via Hessian-free optimization".
///
/// The device path stays on the device: normal values and uniform keys from the device RNG; the
/// zeros of a column are the rows whose key ranks among its `ceil(sparsity · rows)` smallest
/// (rank = argsort of argsort, so the count is exact even with tied keys).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, Sparse};
/// let w = Sparse::new(0.5, 0.01)?.host_vec(&[4, 3], None, HostRng::new(2))?;
/// for j in 0..3 {
///     assert_eq!((0..4).filter(|&i| w[i * 3 + j] == 0.0).count(), 2);
/// }
/// assert!(Sparse::new(1.0, 0.01).is_err());
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sparse {
    sparsity: f64,
    std: f64,
}

impl Sparse {
    /// # Errors
    /// [`InitError::InvalidParameter`] if `sparsity` is outside `[0, 1)`, or `std` is negative,
    /// not finite in `f32`, or so large that draws within 10 std overflow `f32`.
    pub fn new(sparsity: f64, std: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&sparsity) {
            return Err(InitError::InvalidParameter {
                field: "sparsity",
                value: sparsity,
                reason: "must be in [0, 1)",
            });
        }
        non_negative("std", std)?;
        spread(0.0, std)?;
        Ok(Self { sparsity, std })
    }

    /// The fraction of each column set to zero, in `[0, 1)`.
    pub const fn sparsity(&self) -> f64 {
        self.sparsity
    }

    /// The std of the non-zero entries.
    pub const fn std(&self) -> f64 {
        self.std
    }

    /// Zeros per column for `rows` rows.
    pub fn zeros_per_column(&self, rows: usize) -> usize {
        (self.sparsity * rows as f64).ceil() as usize
    }
}

impl Default for Sparse {
    /// Sparsity 0.1 and std 0.01 (PyTorch's `sparse_` has no default sparsity; its default std
    /// is 0.01).
    fn default() -> Self {
        Self {
            sparsity: 0.1,
            std: 0.01,
        }
    }
}

deserialize_through!(Sparse { sparsity: f64 = 0.1, std: f64 = 0.01 } => Sparse::new);

impl Sparse {
    /// A short name for reports.
    pub(crate) fn describe(&self) -> String {
        format!("sparse(sparsity={}, std={})", self.sparsity, self.std)
    }

    /// Validates the shape.
    pub(crate) fn check_shape(&self, shape: &[usize]) -> Result<()> {
        element_count("sparse", shape)?;
        if shape.len() != 2 {
            return Err(shape_error("sparse", shape, "needs a 2-D weight"));
        }
        Ok(())
    }

    /// Fills `out` (row-major `shape`) from the host generator, after `check_shape`.
    pub(crate) fn fill(&self, shape: &[usize], rng: HostRng, out: &mut [f32]) -> Result<()> {
        let (rows, cols) = (shape[0], shape[1]);
        Primitive::Normal(Normal::raw(0.0, self.std)).fill_host(rng, out);
        let zeros = self.zeros_per_column(rows);
        let picks = rng.derive(1);
        let mut idx: Vec<usize> = Vec::new();
        idx.try_reserve_exact(rows)
            .map_err(|_| InitError::Allocation {
                elements: rows,
                bytes: rows as u128 * std::mem::size_of::<usize>() as u128,
            })?;
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
        Ok(())
    }

    /// The flat tensor on `device` (device RNG), after `check_shape`.
    pub(crate) fn device_tensor(&self, shape: &[usize], device: &Device) -> Result<Tensor<1>> {
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
        Ok(values.mask_fill(zero, 0.0).reshape([rows * cols]))
    }
}

//! Centre-tap initializers for convolutions: Dirac and delta-orthogonal.

use burn::tensor::{Device, Tensor};
use serde::Serialize;

use super::orthogonal::{orthogonal_device, orthogonal_host};
use super::{at_centre_tap, centre_offset, check_conv, index_equal, shape_error};
use crate::error::{InitError, Result, deserialize_through};
use crate::host::HostRng;

/// The Dirac delta for convolutions (PyTorch `dirac_`): with "same" padding the convolution
/// starts as the identity on as many channels as possible.
///
/// For a Burn conv weight `[c_out, c_in/groups, k…]` (1-, 2- or 3-D kernels):
/// `W[g·c_out/groups + d][d][centre] = 1` for each group `g` and `d < min(c_out/groups,
/// c_in/groups)`, every other entry 0.
///
/// The convolution's [`Identity`](crate::Identity); [`DeltaOrthogonal`] replaces its `1`s by an
/// orthogonal matrix. Not random.
///
/// Reference: Zagoruyko & Komodakis (2017), "DiracNets: Training Very Deep Neural Networks
/// Without Skip-Connections".
///
/// ```
/// use burn_init::{Dirac, HostRng, TensorInitExt};
/// let w = Dirac::new(1)?.host_vec(&[2, 2, 3], None, HostRng::new(0))?;
/// assert_eq!(w, vec![0., 1., 0., 0., 0., 0., 0., 0., 0., 0., 1., 0.]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dirac {
    groups: usize,
}

impl Dirac {
    /// # Errors
    /// [`InvalidParameter`](crate::InitError::InvalidParameter) naming `groups` if it is zero.
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

    /// The number of groups of the convolution.
    pub const fn groups(&self) -> usize {
        self.groups
    }
}

impl Default for Dirac {
    /// One group.
    fn default() -> Self {
        Self { groups: 1 }
    }
}

deserialize_through!(Dirac { groups: usize = 1 } => Dirac::new);

impl Dirac {
    /// A short name for reports.
    pub(crate) fn describe(&self) -> String {
        format!("dirac(groups={})", self.groups)
    }

    /// Validates the parameters and the shape.
    pub(crate) fn check_shape(&self, shape: &[usize]) -> Result<()> {
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

    /// Fills `out` (row-major `shape`), after `check_shape` (deterministic: `_rng` is unused).
    pub(crate) fn fill(&self, shape: &[usize], _rng: HostRng, out: &mut [f32]) -> Result<()> {
        out.fill(0.0);
        let out_per_group = shape[0] / self.groups;
        let min_dim = out_per_group.min(shape[1]);
        for g in 0..self.groups {
            for d in 0..min_dim {
                out[centre_offset(shape, g * out_per_group + d, d)] = 1.0;
            }
        }
        Ok(())
    }

    /// The flat tensor on `device` (device RNG), after `check_shape`.
    pub(crate) fn device_tensor(&self, shape: &[usize], device: &Device) -> Result<Tensor<1>> {
        let (co, ci) = (shape[0], shape[1]);
        // Output channel o (of its group) feeds from input channel o mod (c_out / groups).
        let centre = index_equal(co, ci, Some(co / self.groups), device)
            .float()
            .reshape([co * ci]);
        Ok(at_centre_tap(shape, centre, device))
    }
}

/// Delta-orthogonal for convolutions: the layer is an isometry of its input channels at
/// initialization (dynamical isometry for deep CNNs).
///
/// `W[·][·][centre] = gain·Q` with `Q` a `[c_out, c_in]` matrix with orthonormal columns (as
/// [`Orthogonal`](crate::Orthogonal) draws it), every other tap 0. Requires `c_in <= c_out`.
///
/// [`Orthogonal`](crate::Orthogonal) at the centre tap of a [`Dirac`] kernel.
///
/// Reference: Xiao, Bahri, Sohl-Dickstein, Schoenholz & Pennington (2018), "Dynamical Isometry
/// and a Mean Field Theory of CNNs: How to Train 10,000-Layer Vanilla Convolutional Neural
/// Networks".
///
/// ```
/// use burn_init::{DeltaOrthogonal, HostRng, TensorInitExt};
/// let w = DeltaOrthogonal::new(1.0)?.host_vec(&[4, 4, 3], None, HostRng::new(3))?;
/// // Only the centre tap (index 1 of 3) is non-zero, and its 4 × 4 matrix is orthogonal.
/// let centre: Vec<f32> = w.iter().skip(1).step_by(3).copied().collect();
/// let col0: f32 = (0..4).map(|o| centre[o * 4] * centre[o * 4]).sum();
/// assert!((col0 - 1.0).abs() < 1e-5);
/// assert!(w.iter().enumerate().all(|(k, &x)| k % 3 == 1 || x == 0.0));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeltaOrthogonal {
    gain: f64,
}

gain_parameter!(
    DeltaOrthogonal,
    "delta_orthogonal",
    positive,
    "positive and finite",
    "The multiplier."
);

impl DeltaOrthogonal {
    /// Validates the parameters and the shape.
    pub(crate) fn check_shape(&self, shape: &[usize]) -> Result<()> {
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

    /// Fills `out` (row-major `shape`) from the host generator, after `check_shape`.
    pub(crate) fn fill(&self, shape: &[usize], rng: HostRng, out: &mut [f32]) -> Result<()> {
        out.fill(0.0);
        let (co, ci) = (shape[0], shape[1]);
        let mut centre = crate::host::mem::zeroed_f32(co * ci)?;
        orthogonal_host(co, ci, self.gain, rng, &mut centre)?;
        for o in 0..co {
            for i in 0..ci {
                out[centre_offset(shape, o, i)] = centre[o * ci + i];
            }
        }
        Ok(())
    }

    /// The flat tensor on `device` (device RNG), after `check_shape`.
    pub(crate) fn device_tensor(&self, shape: &[usize], device: &Device) -> Result<Tensor<1>> {
        let (co, ci) = (shape[0], shape[1]);
        let centre = orthogonal_device(co, ci, self.gain, device)?;
        Ok(at_centre_tap(shape, centre, device))
    }
}

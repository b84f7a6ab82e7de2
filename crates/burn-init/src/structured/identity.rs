//! The identity matrix.

use burn::tensor::{Device, Tensor};
use serde::Serialize;

use super::{index_equal, shape_error};
use crate::error::{Result, element_count};
use crate::host::HostRng;

/// The identity matrix times `gain` (PyTorch `eye_`, Keras `Identity`): a square `Linear` layer
/// starts as the identity map; a rectangular one passes through as many inputs as it can.
///
/// `W[i][j] = gain` if `i = j`, else 0, for a 2-D weight.
///
/// The 2-D case of [`Dirac`](crate::Dirac) (which is the identity for convolutions); not random.
///
/// Reference: Le, Jaitly & Hinton (2015), "A Simple Way to Initialize Recurrent Networks of
/// Rectified Linear Units" (identity-initialized recurrent weights).
///
/// ```
/// use burn_init::{HostRng, Identity, TensorInitExt};
/// let w = Identity::new(2.0)?.host_vec(&[2, 3], None, HostRng::new(0))?;
/// assert_eq!(w, vec![2.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Identity {
    gain: f64,
}

gain_parameter!(
    Identity,
    "identity",
    finite,
    "finite",
    "The value on the diagonal."
);

impl Identity {
    /// Validates the shape.
    pub(crate) fn check_shape(&self, shape: &[usize]) -> Result<()> {
        element_count("identity", shape)?;
        if shape.len() != 2 {
            return Err(shape_error(
                "identity",
                shape,
                "needs a 2-D weight (use dirac for convolutions)",
            ));
        }
        Ok(())
    }

    /// Fills `out` (row-major `shape`), after `check_shape` (deterministic: `_rng` is unused).
    pub(crate) fn fill(&self, shape: &[usize], _rng: HostRng, out: &mut [f32]) -> Result<()> {
        out.fill(0.0);
        let (r, c) = (shape[0], shape[1]);
        for i in 0..r.min(c) {
            out[i * c + i] = self.gain as f32;
        }
        Ok(())
    }

    /// The flat tensor on `device` (device RNG), after `check_shape`.
    pub(crate) fn device_tensor(&self, shape: &[usize], device: &Device) -> Result<Tensor<1>> {
        let (r, c) = (shape[0], shape[1]);
        Ok(index_equal(r, c, None, device)
            .float()
            .mul_scalar(self.gain)
            .reshape([r * c]))
    }
}

//! The identity matrix.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::{index_equal, shape_error};
use crate::error::Result;
use crate::host::HostRng;

/// Identity matrix times `gain` (PyTorch `eye_`, Keras `Identity`): for a 2-D weight, ones on the
/// main diagonal and zeros elsewhere, so a square `Linear` layer starts as the identity map; for a
/// rectangular one, as many inputs as possible are passed through.
///
/// ```
/// use burn_init::{HostRng, Identity, TensorInitExt};
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

impl Identity {
    /// A short name for reports.
    pub(crate) fn describe(&self) -> String {
        format!("identity(gain={})", self.gain)
    }

    /// Validates the parameters and the shape.
    pub(crate) fn check_shape(&self, shape: &[usize]) -> Result<()> {
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

    /// Fills `out` (row-major `shape`), after `check_shape` (deterministic: `_rng` is unused).
    pub(crate) fn fill(&self, shape: &[usize], _rng: HostRng, out: &mut [f32]) {
        out.fill(0.0);
        let (r, c) = (shape[0], shape[1]);
        for i in 0..r.min(c) {
            out[i * c + i] = self.gain as f32;
        }
    }

    /// The flat tensor on `device` (device RNG), after `check_shape`.
    pub(crate) fn device_tensor(&self, shape: &[usize], device: &Device) -> Tensor<1> {
        let (r, c) = (shape[0], shape[1]);
        index_equal(r, c, None, device)
            .float()
            .mul_scalar(self.gain)
            .reshape([r * c])
    }
}

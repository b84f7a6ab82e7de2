//! The [`TensorInit`] implementations of the built-in parameter structs: the distributions,
//! variance scaling and the structured initializers. Each `fill_host` checks what it is given
//! (fans, shape, buffer length) and returns an error rather than panic.

use burn::tensor::{Device, Tensor};

use super::initializer::{TensorInit, host_fill_for_device};
use crate::dist::{Constant, Normal, Primitive, TruncatedNormal, Uniform, is_host_memory};
use crate::error::{InitError, Result, element_count_for};
use crate::host::HostRng;
use crate::scale::{Fans, VarianceScaling};
use crate::structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};

/// Checks that `out` holds exactly the elements of `shape` (`name` is called only on error).
fn check_buffer(name: impl Fn() -> String, shape: &[usize], out: &[f32]) -> Result<()> {
    let n = element_count_for(&name, shape)?;
    if out.len() != n {
        return Err(InitError::InvalidShape {
            initializer: name(),
            shape: shape.to_vec(),
            reason: format!("the buffer holds {} values for {n} elements", out.len()),
        });
    }
    Ok(())
}

/// The fixed distributions: every shape, no fans needed.
macro_rules! primitive_initializer {
    ($($ty:ident),*) => {$(
        impl TensorInit for $ty {
            fn name(&self) -> String {
                Primitive::$ty(*self).describe()
            }
            fn check(&self, _shape: &[usize], _fans: Option<Fans>) -> Result<()> {
                Ok(())
            }
            fn fill_host(
                &self,
                shape: &[usize],
                _fans: Option<Fans>,
                rng: HostRng,
                out: &mut [f32],
            ) -> Result<()> {
                check_buffer(|| self.name(), shape, out)?;
                Primitive::$ty(*self).fill_host(rng, out);
                Ok(())
            }
            fn sample_device(
                &self,
                shape: &[usize],
                _fans: Option<Fans>,
                device: &Device,
            ) -> Result<Tensor<1>> {
                Primitive::$ty(*self).sample_device(element_count_for(|| self.name(), shape)?, device)
            }
            fn primitive(&self, _fans: Option<Fans>) -> Option<Primitive> {
                Some(Primitive::$ty(*self))
            }
        }
    )*};
}

primitive_initializer!(Constant, Uniform, Normal, TruncatedNormal);

fn need_fans(name: impl FnOnce() -> String, fans: Option<Fans>) -> Result<Fans> {
    fans.ok_or_else(|| InitError::MissingFans {
        initializer: name(),
    })
}

impl TensorInit for VarianceScaling {
    fn name(&self) -> String {
        format!(
            "variance_scaling(scale={}, {:?}, {:?})",
            self.scale(),
            self.mode(),
            self.distribution()
        )
    }
    fn check(&self, _shape: &[usize], fans: Option<Fans>) -> Result<()> {
        need_fans(|| self.name(), fans).map(|_| ())
    }
    fn fill_host(
        &self,
        shape: &[usize],
        fans: Option<Fans>,
        rng: HostRng,
        out: &mut [f32],
    ) -> Result<()> {
        let fans = need_fans(|| self.name(), fans)?;
        check_buffer(|| self.name(), shape, out)?;
        self.primitive(fans).fill_host(rng, out);
        Ok(())
    }
    fn sample_device(
        &self,
        shape: &[usize],
        fans: Option<Fans>,
        device: &Device,
    ) -> Result<Tensor<1>> {
        let fans = need_fans(|| self.name(), fans)?;
        VarianceScaling::primitive(self, fans)
            .sample_device(element_count_for(|| self.name(), shape)?, device)
    }
    fn primitive(&self, fans: Option<Fans>) -> Option<Primitive> {
        fans.map(|f| VarianceScaling::primitive(self, f))
    }
}

/// The structured initializers: their own shape checks, host fills and device samplers.
macro_rules! structured_initializer {
    ($($ty:ty),*) => {$(
        impl TensorInit for $ty {
            fn name(&self) -> String {
                self.describe()
            }
            fn check(&self, shape: &[usize], _fans: Option<Fans>) -> Result<()> {
                self.check_shape(shape)
            }
            fn fill_host(
                &self,
                shape: &[usize],
                _fans: Option<Fans>,
                rng: HostRng,
                out: &mut [f32],
            ) -> Result<()> {
                self.check_shape(shape)?;
                check_buffer(|| self.name(), shape, out)?;
                self.fill(shape, rng, out)
            }
            fn sample_device(
                &self,
                shape: &[usize],
                _fans: Option<Fans>,
                device: &Device,
            ) -> Result<Tensor<1>> {
                self.check_shape(shape)?;
                if is_host_memory(device) {
                    host_fill_for_device(self, shape, None, device)
                } else {
                    self.device_tensor(shape, device)
                }
            }
        }
    )*};
}

structured_initializer!(Orthogonal, Identity, Dirac, DeltaOrthogonal, Sparse);

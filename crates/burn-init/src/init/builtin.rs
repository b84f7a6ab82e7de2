//! The [`TensorInit`] implementations of the built-in parameter structs: the distributions,
//! variance scaling and the structured initializers. Each `fill_host` checks what it is given
//! (fans, shape, buffer length) and returns an error rather than panic.

use burn::tensor::{Device, Tensor};

use super::initializer::{TensorInit, TensorSpec, host_fill_for_device};
use crate::distribution::{Constant, Normal, Primitive, TruncatedNormal, Uniform, is_host_memory};
use crate::error::Result;
use crate::host::HostRng;
use crate::scale::{Fans, VarianceScaling};
use crate::structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};

/// The fixed distributions: every shape, no fans needed.
macro_rules! primitive_initializer {
    ($($ty:ident),*) => {$(
        impl TensorInit for $ty {
            fn name(&self) -> String {
                Primitive::$ty(*self).describe()
            }
            fn check(&self, _: TensorSpec<'_>) -> Result<()> {
                Ok(())
            }
            fn fill_host(&self, spec: TensorSpec<'_>, rng: HostRng, out: &mut [f32]) -> Result<()> {
                spec.check_buffer(self, out)?;
                Primitive::$ty(*self).fill_host(rng, out);
                Ok(())
            }
            fn sample_device(&self, spec: TensorSpec<'_>, device: &Device) -> Result<Tensor<1>> {
                Primitive::$ty(*self).sample_device(spec.element_count(self)?, device)
            }
            fn primitive(&self, _fans: Option<Fans>) -> Option<Primitive> {
                Some(Primitive::$ty(*self))
            }
        }
    )*};
}

primitive_initializer!(Constant, Uniform, Normal, TruncatedNormal);

impl TensorInit for VarianceScaling {
    fn name(&self) -> String {
        format!(
            "variance_scaling(scale={}, {:?}, {:?})",
            self.scale(),
            self.mode(),
            self.distribution()
        )
    }
    fn check(&self, spec: TensorSpec<'_>) -> Result<()> {
        spec.require_fans(self).map(|_| ())
    }
    fn fill_host(&self, spec: TensorSpec<'_>, rng: HostRng, out: &mut [f32]) -> Result<()> {
        let fans = spec.require_fans(self)?;
        spec.check_buffer(self, out)?;
        self.primitive(fans).fill_host(rng, out);
        Ok(())
    }
    fn sample_device(&self, spec: TensorSpec<'_>, device: &Device) -> Result<Tensor<1>> {
        let fans = spec.require_fans(self)?;
        VarianceScaling::primitive(self, fans).sample_device(spec.element_count(self)?, device)
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
            fn check(&self, spec: TensorSpec<'_>) -> Result<()> {
                self.check_shape(spec.shape())
            }
            fn fill_host(&self, spec: TensorSpec<'_>, rng: HostRng, out: &mut [f32]) -> Result<()> {
                self.check_shape(spec.shape())?;
                spec.check_buffer(self, out)?;
                self.fill(spec.shape(), rng, out)
            }
            fn sample_device(&self, spec: TensorSpec<'_>, device: &Device) -> Result<Tensor<1>> {
                self.check_shape(spec.shape())?;
                if is_host_memory(device) {
                    host_fill_for_device(self, spec, device)
                } else {
                    self.device_tensor(spec.shape(), device)
                }
            }
        }
    )*};
}

structured_initializer!(Orthogonal, Identity, Dirac, DeltaOrthogonal, Sparse);

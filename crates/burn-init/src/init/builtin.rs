//! The [`TensorInit`] implementations of the built-in parameter structs: the distributions,
//! variance scaling and the structured initializers.

use burn::tensor::{Device, Tensor};

use super::initializer::TensorInit;
use crate::dist::{Constant, Normal, Primitive, TruncatedNormal, Uniform};
use crate::error::{InitError, Result};
use crate::host::HostRng;
use crate::scale::{Fans, VarianceScaling};
use crate::structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};

macro_rules! primitive_initializer {
    ($ty:ty, $name:expr, |$s:ident| $prim:expr, |$c:ident| $check:expr) => {
        impl TensorInit for $ty {
            fn name(&self) -> String {
                let $s = self;
                $name
            }
            fn check(&self, _shape: &[usize], _fans: Option<Fans>) -> Result<()> {
                let $c = self;
                $check.map(|_| ())
            }
            fn fill_host(
                &self,
                _shape: &[usize],
                _fans: Option<Fans>,
                rng: HostRng,
                out: &mut [f32],
            ) {
                let $s = self;
                Primitive::fill_host(&$prim, rng, out)
            }
            fn sample_device(
                &self,
                shape: &[usize],
                _fans: Option<Fans>,
                device: &Device,
            ) -> Tensor<1> {
                let $s = self;
                Primitive::sample_device(&$prim, shape.iter().product(), device)
            }
            fn primitive(&self, _fans: Option<Fans>) -> Option<Primitive> {
                let $s = self;
                Some($prim)
            }
        }
    };
}

primitive_initializer!(
    Constant,
    format!("constant({})", s.value),
    |s| Primitive::Constant(*s),
    |c| Constant::new(c.value)
);
primitive_initializer!(
    Uniform,
    format!("uniform({}, {})", s.low, s.high),
    |s| Primitive::Uniform(*s),
    |c| Uniform::new(c.low, c.high)
);
primitive_initializer!(
    Normal,
    format!("normal({}, {})", s.mean, s.std),
    |s| Primitive::Normal(*s),
    |c| Normal::new(c.mean, c.std)
);
primitive_initializer!(
    TruncatedNormal,
    format!(
        "truncated_normal({}, {}, [{}, {}])",
        s.mean, s.std, s.low, s.high
    ),
    |s| Primitive::TruncatedNormal(*s),
    |c| TruncatedNormal::new(c.mean, c.std, c.low, c.high)
);

fn need_fans(name: &str, fans: Option<Fans>) -> Result<Fans> {
    let fans = fans.ok_or_else(|| InitError::MissingFans {
        initializer: name.into(),
    })?;
    Fans::new(fans.fan_in, fans.fan_out)
}

impl TensorInit for VarianceScaling {
    fn name(&self) -> String {
        format!(
            "variance_scaling(scale={}, {:?}, {:?})",
            self.scale, self.mode, self.distribution
        )
    }
    fn check(&self, _shape: &[usize], fans: Option<Fans>) -> Result<()> {
        VarianceScaling::new(self.scale, self.mode, self.distribution)?;
        need_fans(&self.name(), fans).map(|_| ())
    }
    fn fill_host(&self, _shape: &[usize], fans: Option<Fans>, rng: HostRng, out: &mut [f32]) {
        self.primitive(fans.expect("checked")).fill_host(rng, out)
    }
    fn sample_device(&self, shape: &[usize], fans: Option<Fans>, device: &Device) -> Tensor<1> {
        VarianceScaling::primitive(self, fans.expect("checked"))
            .sample_device(shape.iter().product(), device)
    }
    fn primitive(&self, fans: Option<Fans>) -> Option<Primitive> {
        fans.map(|f| VarianceScaling::primitive(self, f))
    }
}

/// The structured initializers: their own checks, host fills and device samplers.
macro_rules! structured_initializer {
    ($($ty:ty),*) => {$(
        impl TensorInit for $ty {
            fn name(&self) -> String {
                self.describe()
            }
            fn check(&self, shape: &[usize], _fans: Option<Fans>) -> Result<()> {
                self.check_shape(shape)
            }
            fn fill_host(&self, shape: &[usize], _fans: Option<Fans>, rng: HostRng, out: &mut [f32]) {
                self.fill(shape, rng, out)
            }
            fn sample_device(&self, shape: &[usize], _fans: Option<Fans>, device: &Device) -> Tensor<1> {
                self.device_tensor(shape, device)
            }
        }
    )*};
}

structured_initializer!(Orthogonal, Identity, Dirac, DeltaOrthogonal, Sparse);

//! [`CustomInit`]: a user-defined [`TensorInit`] that goes wherever an [`Init`](super::Init)
//! does.

use std::fmt;
use std::sync::Arc;

use burn::tensor::{Device, Tensor};

use super::initializer::TensorInit;
use crate::dist::Primitive;
use crate::error::Result;
use crate::host::HostRng;
use crate::scale::Fans;

/// A user-defined initializer, shared (cloning is cheap) and compared by identity: two
/// `CustomInit`s are equal when they hold the same allocation. Wrapped in [`Init::Custom`]
/// (built by [`Init::custom`]) it is accepted by layers, `reinit` rules, LSUV's
/// pre-initialization and every other place that takes an [`Init`]; it cannot be serialized.
///
/// [`Init`]: super::Init
/// [`Init::Custom`]: super::Init::Custom
/// [`Init::custom`]: super::Init::custom
#[derive(Clone)]
pub struct CustomInit(Arc<dyn TensorInit>);

impl CustomInit {
    /// Wraps `init`.
    pub fn new(init: impl TensorInit + 'static) -> Self {
        Self(Arc::new(init))
    }

    /// The initializer.
    pub fn get(&self) -> &dyn TensorInit {
        &*self.0
    }
}

impl From<Arc<dyn TensorInit>> for CustomInit {
    fn from(init: Arc<dyn TensorInit>) -> Self {
        Self(init)
    }
}

impl fmt::Debug for CustomInit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CustomInit").field(&self.0).finish()
    }
}

impl PartialEq for CustomInit {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A [`TensorInit`] that hands every call to another one: [`Init`](super::Init) to the parameter
/// struct it resolves to, [`CustomInit`] to the user's initializer. The trait's implementation
/// for both is written once, from this.
pub(super) trait Forward {
    /// The name for reports.
    fn label(&self) -> String;

    /// Runs `f` on the initializer that does the work, and passes its result back (an error
    /// may be renamed after this one).
    fn forward<R>(&self, f: impl FnOnce(&dyn TensorInit) -> Result<R>) -> Result<R>;
}

impl Forward for CustomInit {
    fn label(&self) -> String {
        self.0.name()
    }
    fn forward<R>(&self, f: impl FnOnce(&dyn TensorInit) -> Result<R>) -> Result<R> {
        f(&*self.0)
    }
}

/// [`TensorInit`] for the [`Forward`] types.
macro_rules! forward_tensor_init {
    ($($ty:ty),*) => {$(
        impl TensorInit for $ty {
            fn name(&self) -> String {
                self.label()
            }
            fn check(&self, shape: &[usize], fans: Option<Fans>) -> Result<()> {
                self.forward(|init| init.check(shape, fans))
            }
            fn fill_host(
                &self,
                shape: &[usize],
                fans: Option<Fans>,
                rng: HostRng,
                out: &mut [f32],
            ) -> Result<()> {
                self.forward(|init| init.fill_host(shape, fans, rng, out))
            }
            fn sample_device(
                &self,
                shape: &[usize],
                fans: Option<Fans>,
                device: &Device,
            ) -> Result<Tensor<1>> {
                self.forward(|init| init.sample_device(shape, fans, device))
            }
            fn primitive(&self, fans: Option<Fans>) -> Option<Primitive> {
                self.forward(|init| Ok(init.primitive(fans))).ok().flatten()
            }
        }
    )*};
}

forward_tensor_init!(CustomInit, super::Init);

//! [`CustomInit`]: a user-defined [`TensorInit`] that goes wherever an [`Init`](super::Init)
//! does.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use super::initializer::TensorInit;

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

/// The initializer itself, as for an `Arc`: `custom.sample(…)`, `custom.name()`.
impl Deref for CustomInit {
    type Target = dyn TensorInit;

    fn deref(&self) -> &Self::Target {
        &*self.0
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

//! # burn-init
//!
//! Weight initialization for [Burn](https://burn.dev): every initializer of PyTorch's
//! `torch.nn.init`, Keras and JAX, built on one general [`VarianceScaling`], with typed [`Fans`]
//! for Burn's own layouts, a gain table ([`Nonlinearity`]), structured initializers
//! ([`Orthogonal`], [`Identity`], [`Dirac`], [`DeltaOrthogonal`], [`Sparse`]), a reproducible
//! host generator ([`HostRng`], Philox4x32-10) and the device RNG ([`Source`]).
//!
//! ```
//! use burn::tensor::Device;
//! use burn_init::{Fans, Init, InitializerExt, HostRng, he_normal};
//!
//! let device = Device::flex();
//! // He (Kaiming) normal for a Linear layer 784 → 256 (Burn weight [d_in, d_out]).
//! let fans = Fans::linear(784, 256)?;
//! let w = he_normal().tensor([784, 256], fans, &device)?;
//! assert_eq!(w.dims(), [784, 256]);
//! // Bit-identical on every device: the seeded host path.
//! let w2 = Init::HeNormal.tensor_seeded([784, 256], fans, HostRng::new(42), &device)?;
//! assert_eq!(w2.dims(), [784, 256]);
//! # Ok::<(), burn_init::InitError>(())
//! ```
//!
//! ## Where things are
//!
//! The modules are private; every public item has one path, given here. Each layer uses only
//! the layers above it in this table.
//!
//! | layer | module | public items |
//! |---|---|---|
//! | errors | `error` | [`InitError`], [`Result`] |
//! | host generator | `host` (Philox rounds, chunk drivers, host buffers) | [`HostRng`] |
//! | special functions | `special` (normal CDF and quantile) | — |
//! | distributions | `dist` | [`Constant`], [`Uniform`], [`Normal`], [`TruncatedNormal`], [`Primitive`] |
//! | scale | `scale` (fans, gains, variance scaling) | [`Fans`], [`FanMode`], [`Nonlinearity`], [`VarianceScaling`], [`VsDistribution`], the presets ([`he_normal`], …) |
//! | structured | `structured` | [`Orthogonal`], [`Identity`], [`Dirac`], [`DeltaOrthogonal`], [`Sparse`] |
//! | sampling | `init` (trait, built-in impls, catalogue) | [`Initializer`], [`InitializerExt`], [`Source`], [`Init`] |
//! | modules | `module` (layers, re-initialization) | [`InitLayer`], [`LayerInit`], [`reinit`], [`reinit_with`], [`Rule`], [`Role`], [`ReinitReport`], [`ReinitEntry`] |
//! | signal propagation (feature `signal`) | [`signal`] | diagnostics, mean field, LSUV, pretraining |
//!
//! [`prelude`] gathers what most code needs.
#![deny(missing_docs)]

mod dist;
mod error;
mod host;
mod init;
mod module;
mod scale;
#[cfg(feature = "signal")]
pub mod signal;
mod special;
mod structured;

pub use dist::{Constant, Normal, Primitive, TruncatedNormal, Uniform};
pub use error::{InitError, Result};
pub use host::HostRng;
pub use init::{Init, Initializer, InitializerExt, Source};
pub use module::{
    InitLayer, LayerInit, ReinitEntry, ReinitReport, Role, Rule, reinit, reinit_with,
};
pub use scale::{
    FanMode, Fans, Nonlinearity, TRUNCATED_NORMAL_STD_CORRECTION, VarianceScaling, VsDistribution,
    glorot_normal, glorot_uniform, he_avg_normal, he_avg_uniform, he_normal, he_uniform,
    kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform, xavier_normal, xavier_uniform,
};
pub use structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};

/// The items most code needs: `use burn_init::prelude::*;`. No name here collides with
/// `burn::prelude`.
pub mod prelude {
    pub use crate::{
        Fans, HostRng, Init, InitError, InitLayer, Initializer, InitializerExt, LayerInit,
        Nonlinearity, Role, Rule, Source, reinit,
    };
}

/// All zeros ([`Init::Zeros`]).
pub const fn zeros() -> Constant {
    Constant { value: 0.0 }
}

/// All ones ([`Init::Ones`]).
pub const fn ones() -> Constant {
    Constant { value: 1.0 }
}

/// "Small random" `N(0, 0.01²)`: activations vanish layer by layer.
pub const fn small_random() -> Normal {
    Normal::small_random()
}

/// "Large random" `N(0, 1)`: tanh and sigmoid saturate.
pub const fn large_random() -> Normal {
    Normal::large_random()
}

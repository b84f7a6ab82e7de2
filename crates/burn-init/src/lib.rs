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
#![deny(missing_docs)]

pub mod criticality;
pub mod diagnostics;
pub mod dist;
pub mod error;
pub mod fans;
pub mod gain;
mod hostmem;
pub mod init;
pub mod layers;
pub mod lsuv;
pub mod meanfield;
pub mod mlp;
pub mod pretrain;
pub mod reinit;
pub mod rng;
pub mod special;
pub mod structured;
pub mod variance;

pub use dist::{Constant, Normal, Primitive, TruncatedNormal, Uniform};
pub use error::{InitError, Result};
pub use fans::{FanMode, Fans};
pub use gain::Nonlinearity;
pub use init::{Init, Initializer, InitializerExt, Source};
pub use layers::{InitLayer, LayerInit};
pub use mlp::{Activation, LayerTrace, Layered, Mlp, MlpConfig};
pub use rng::HostRng;
pub use structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};
pub use variance::{
    TRUNCATED_NORMAL_STD_CORRECTION, VarianceScaling, VsDistribution, glorot_normal,
    glorot_uniform, he_avg_normal, he_avg_uniform, he_normal, he_uniform, kaiming_normal,
    kaiming_uniform, lecun_normal, lecun_uniform, xavier_normal, xavier_uniform,
};

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

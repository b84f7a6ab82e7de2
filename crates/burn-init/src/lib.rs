//! # burn-init
//!
//! Weight initialization for [Burn](https://burn.dev): every initializer of PyTorch's
//! `torch.nn.init`, Keras and JAX, built on one general [`VarianceScaling`], with typed [`Fans`]
//! for Burn's own layouts, a gain table ([`Nonlinearity`]), structured initializers
//! ([`Orthogonal`], [`Identity`], [`Dirac`], [`DeltaOrthogonal`], [`Sparse`]), an open trait for
//! your own ([`TensorInit`]), layers with separate weight and bias initializers ([`InitLayer`]),
//! re-initialization of any module by rules ([`reinit`]), and signal-propagation tools
//! ([`signal`]: diagnostics, mean field, LSUV, greedy pretraining).
//!
//! Random numbers come from a [`Source`]: the device's own RNG ([`Source::Device`]), or a `u64`
//! seed for the portable host stream ([`HostRng`], Philox4x32-10), which gives bit-identical
//! weights on every device.
//!
//! ```
//! use burn::nn::LinearConfig;
//! use burn::tensor::Device;
//! use burn_init::{Fans, Init, InitLayer, ParamInits, Source, TensorInitExt, he_normal};
//!
//! let device = Device::flex();
//! // He (Kaiming) normal for a Linear layer 784 → 256 (Burn weight [d_in, d_out]).
//! let fans = Fans::linear(784, 256)?;
//! let w = he_normal().sample([784, 256], fans, Source::Device, &device)?;
//! assert_eq!(w.dims(), [784, 256]);
//! // Bit-identical on every device: the host stream of seed 42.
//! let w2 = Init::HeNormal.sample([784, 256], fans, 42, &device)?;
//! assert_eq!(w2.dims(), [784, 256]);
//! // A Burn Linear layer with He-normal weights and zero biases.
//! let layer = LinearConfig::new(784, 256).init_layer(&ParamInits::new(Init::HeNormal), &device)?;
//! # Ok::<(), burn_init::InitError>(())
//! ```
//!
//! ## Where things are
//!
//! The modules are private; every public item has one path: the crate root, or
//! `burn_init::signal` for the signal-propagation tools. Each layer of the table uses only the
//! layers above it.
//!
//! | layer | module | public items |
//! |---|---|---|
//! | errors | `error` | [`InitError`], [`Result`] |
//! | host generator | `host` (Philox rounds, chunk drivers, host buffers) | [`HostRng`] |
//! | distributions | `distribution` (with its special functions: normal CDF, quantile, tails) | [`Constant`], [`Uniform`], [`Normal`], [`TruncatedNormal`], [`Primitive`] |
//! | scale | `scale` (fans, nonlinearities, variance scaling) | [`Fans`], [`FanMode`], [`Nonlinearity`], [`NegativeSlope`], [`VarianceScaling`], [`VsDistribution`], [`Xavier`], [`Kaiming`], the presets ([`he_normal`], …) |
//! | structured | `structured` | [`Orthogonal`], [`Identity`], [`Dirac`], [`DeltaOrthogonal`], [`Sparse`] |
//! | sampling | `init` (trait, built-in impls, catalogue, custom, fixed-scale presets) | [`TensorInit`], [`TensorInitExt`], [`TensorSpec`], [`Source`], [`Init`], [`CustomInit`], [`zeros`], [`ones`], [`small_random`], [`large_random`] |
//! | modules | `module` (layers, re-initialization) | [`InitLayer`], [`ParamInits`], [`reinit`], [`Rule`], [`Role`], [`ReinitReport`], [`ReinitEntry`] |
//! | signal propagation (feature `signal`, default) | [`signal`] | [`Layered`](signal::Layered), [`LinearChain`](signal::LinearChain), diagnostics, mean field, LSUV, pretraining |
//! | burn-train metrics (feature `train`, off by default; implies `signal`) | `signal::metrics` | `LayerMetric`, `LayerStatistic`, `LayerTraces`, `TracedClassificationOutput`, `LayerMetricsExt`, and the macro `layered_train_steps!` (burn-train's steps for a `Layered` model): the per-layer diagnostics as burn-train metrics (example `examples/train_metrics.rs`) |
//!
//! [`prelude`] gathers what most code needs. Without the `signal` feature
//! (`default-features = false`) the crate compiles neither Burn's autodiff nor its optimizers.
//!
//! ## Depending on it, versions, changes
//!
//! How to add the crate to a project (and what it costs), the semver policy and the features are
//! in the README; every change, with the migration tables from one version to the next, is in
//! `CHANGELOG.md`.
#![deny(missing_docs)]

mod distribution;
mod error;
mod host;
mod init;
mod module;
mod scale;
#[cfg(feature = "signal")]
pub mod signal;
mod structured;

pub use distribution::{Constant, Normal, Primitive, TruncatedNormal, Uniform};
pub use error::{InitError, Result};
pub use host::HostRng;
pub use init::{
    CustomInit, Init, Source, TensorInit, TensorInitExt, TensorSpec, large_random, ones,
    small_random, zeros,
};
pub use module::{InitLayer, ParamInits, ReinitEntry, ReinitReport, Role, Rule, reinit};
pub use scale::{
    FanMode, Fans, Kaiming, NegativeSlope, Nonlinearity, TRUNCATED_NORMAL_STD_CORRECTION,
    VarianceScaling, VsDistribution, Xavier, glorot_normal, glorot_uniform, he_avg_normal,
    he_avg_uniform, he_normal, he_uniform, kaiming_normal, kaiming_uniform, lecun_normal,
    lecun_uniform, xavier_normal, xavier_uniform,
};
pub use structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};

/// What the exported macros name (not public API).
#[cfg(feature = "train")]
#[doc(hidden)]
pub mod __private {
    pub use burn::train::{InferenceStep, TrainOutput, TrainStep};
}

/// The items most code needs: `use burn_init::prelude::*;`. No name here collides with
/// `burn::prelude`.
pub mod prelude {
    pub use crate::{
        Fans, HostRng, Init, InitError, InitLayer, Nonlinearity, ParamInits, Role, Rule, Source,
        TensorInit, TensorInitExt, TensorSpec, reinit,
    };
}

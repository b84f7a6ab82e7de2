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
//! | special functions | `special` (normal CDF and quantile) | — |
//! | distributions | `dist` | [`Constant`], [`Uniform`], [`Normal`], [`TruncatedNormal`], [`Primitive`] |
//! | scale | `scale` (fans, nonlinearities, variance scaling) | [`Fans`], [`FanMode`], [`Nonlinearity`], [`NegativeSlope`], [`VarianceScaling`], [`VsDistribution`], the presets ([`he_normal`], …) |
//! | structured | `structured` | [`Orthogonal`], [`Identity`], [`Dirac`], [`DeltaOrthogonal`], [`Sparse`] |
//! | sampling | `init` (trait, built-in impls, catalogue, custom) | [`TensorInit`], [`TensorInitExt`], [`TensorSpec`], [`Source`], [`Init`], [`CustomInit`] |
//! | modules | `module` (layers, re-initialization) | [`InitLayer`], [`ParamInits`], [`reinit`], [`Rule`], [`Role`], [`ReinitReport`], [`ReinitEntry`] |
//! | signal propagation (feature `signal`, default) | [`signal`] | [`Layered`](signal::Layered), [`LinearChain`](signal::LinearChain), diagnostics, mean field, LSUV, pretraining |
//! | burn-train metrics (feature `train`, off by default; implies `signal`) | `signal::metrics` | `LayerMetric`, `LayerStatistic`, `LayerTraces`, `TracedClassificationOutput`, `LayerMetricsExt`, and the macro `layered_train_steps!` (burn-train's steps for a `Layered` model): the per-layer diagnostics as burn-train metrics (example `examples/train_metrics.rs`) |
//!
//! [`prelude`] gathers what most code needs. Without the `signal` feature
//! (`default-features = false`) the crate compiles neither Burn's autodiff nor its optimizers.
//!
//! ## Moved and renamed (0.1 → 0.2)
//!
//! | before | now |
//! |---|---|
//! | `burn_init::{dist, fans, gain, variance, structured, init, layers, reinit, rng}::X` | `burn_init::X` |
//! | `burn_init::{diagnostics, meanfield, lsuv, pretrain}::X` | `burn_init::signal::X` |
//! | trait `Initializer`, `InitializerExt` (clashed with `burn::nn::Initializer`) | [`TensorInit`], [`TensorInitExt`] |
//! | `.tensor(shape, fans, device)` | `.sample(shape, fans, Source::Device, device)` |
//! | `.tensor_seeded(shape, fans, HostRng::new(s), device)`, `Source::Host(HostRng::new(s))`, `reinit::host(s)` | a seed `s` wherever a source goes (`impl Into<Source>`) |
//! | `reinit(m, rules, device)`, `reinit_with(m, rules, source, device)` | [`reinit`]`(m, rules, source, device)` |
//! | `LayerInit` (an anagram of the trait `InitLayer`) | [`ParamInits`] |
//! | `Activation` and `Nonlinearity` | one enum, [`Nonlinearity`] (`Linear`/`Conv` → `Identity`, `LeakyRelu { negative_slope }` → `LeakyRelu(NegativeSlope)`, `leaky_relu_default()` → `LEAKY_RELU`, `from_torch_name` → `from_name`, `SATURATION_SLOPE` → `Nonlinearity::SATURATION_SLOPE`) |
//! | `diagnostics::LayerStats` | [`signal::ActivationStats`] |
//! | `meanfield::predict` | [`signal::mean_field`] |
//! | `Mlp`, `MlpConfig` | the experiments crate (`experiments::mlp`); [`signal::LinearChain`] for tests and examples |
//! | `pretrain::permutation` (and the experiments' own) | [`HostRng::permutation`] |
//! | `init::NAMES`, `init::ALIASES` | [`Init::NAMES`], [`Init::ALIASES`] |
//! | `rng::philox4x32_10`, `BatchKernel`, `UniformMap`, `special::*`, `dist::erfinv`, `error::closest`, `pretrain::weight_sum` | private |
//! | public fields of `Constant`, `Uniform`, `Normal`, `TruncatedNormal`, `VarianceScaling`, `Fans`, `Orthogonal`, `Identity`, `Dirac`, `DeltaOrthogonal`, `Sparse` | private, read through accessors (`value()`, `low()`, `fan_in()`, …); built only by the validating constructors, also from JSON |
//! | `TensorInit::fill_host(…)`, `sample_device(…)`, `Primitive::sample_device(…)` returning values | returning `Result` (errors, not panics, for what they cannot fill) |
//! | `TensorInit::check(shape, fans)`, `fill_host(shape, fans, rng, out)`, `sample_device(shape, fans, device)` | `check(spec)`, `fill_host(spec, rng, out)`, `sample_device(spec, device)`: one [`TensorSpec`] (shape and fans, with `require_fans`, `element_count` and `check_buffer` for implementers) |
//! | `Init` JSON with a field its variant lacks (`{"name": "he_normal", "gain": 2}`) | [`InitError::UnknownField`] |
//! | LSUV and pretraining options checked with `InitError::Data` | [`signal::LsuvConfig::validate`], [`signal::PretrainConfig::validate`]: [`InitError::InvalidParameter`] naming the field |
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
pub use init::{CustomInit, Init, Source, TensorInit, TensorInitExt, TensorSpec};
pub use module::{InitLayer, ParamInits, ReinitEntry, ReinitReport, Role, Rule, reinit};
pub use scale::{
    FanMode, Fans, NegativeSlope, Nonlinearity, TRUNCATED_NORMAL_STD_CORRECTION, VarianceScaling,
    VsDistribution, glorot_normal, glorot_uniform, he_avg_normal, he_avg_uniform, he_normal,
    he_uniform, kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform, xavier_normal,
    xavier_uniform,
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

/// All zeros ([`Init::Zeros`]; PyTorch `zeros_`, Keras `Zeros`).
///
/// `w = 0`. A specialization of [`Constant`]. The usual bias initializer (Keras, Flax); as a
/// weight it makes every unit of a layer identical, and gradient descent keeps them so
/// (Rumelhart, Hinton & Williams 1986, "Learning internal representations by error
/// propagation", in *Parallel Distributed Processing* vol. 1: the symmetry is broken by starting
/// from small random weights).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, zeros};
/// assert_eq!(zeros().host_vec(&[2, 2], None, HostRng::new(0))?, vec![0.0; 4]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn zeros() -> Constant {
    Constant::raw(0.0)
}

/// All ones ([`Init::Ones`]; PyTorch `ones_`, Keras `Ones`).
///
/// `w = 1`. A specialization of [`Constant`]: how Burn, PyTorch and Keras initialize the scale
/// `γ` of batch normalization (Ioffe & Szegedy 2015, "Batch Normalization: Accelerating Deep
/// Network Training by Reducing Internal Covariate Shift").
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, ones};
/// assert_eq!(ones().host_vec(&[3], None, HostRng::new(0))?, vec![1.0; 3]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn ones() -> Constant {
    Constant::raw(1.0)
}

/// "Small random" ([`Init::SmallRandom`]): `w ~ N(0, 0.01²)`, i.e. `0.01·N(0, 1)`.
///
/// A specialization of [`Normal`] (mean 0, std 0.01), whatever the fans: in a deep network
/// with `fan_in · 0.01² ≪ 1` the activations shrink layer by layer and so do the gradients
/// (LeCun, Bottou, Orr & Müller 1998, "Efficient BackProp", §4.6: weights too small make
/// learning slow).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, small_random};
/// let w = small_random().host_vec(&[100, 100], None, HostRng::new(1))?;
/// let var = w.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / 1e4;
/// assert!((var.sqrt() - 0.01).abs() < 0.001);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn small_random() -> Normal {
    Normal::small_random()
}

/// "Large random" ([`Init::LargeRandom`]): `w ~ N(0, 1)`.
///
/// A specialization of [`Normal`] (mean 0, std 1), whatever the fans: the pre-activations have
/// variance `fan_in · Var(x)`, far in the flat parts of tanh and sigmoid, which saturate
/// (LeCun, Bottou, Orr & Müller 1998, "Efficient BackProp", §4.6: weights too large saturate the
/// sigmoid and give small gradients).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, large_random};
/// let w = large_random().host_vec(&[100, 100], None, HostRng::new(1))?;
/// let var = w.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / 1e4;
/// assert!((var - 1.0).abs() < 0.05);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn large_random() -> Normal {
    Normal::large_random()
}

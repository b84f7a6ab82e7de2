//! Burn layers built with a chosen weight initializer and a separate bias initializer.
//!
//! Burn's `with_initializer` applies one closed-enum initializer to weight *and* bias. Here every
//! layer config gets [`InitLayer::init_layer`], taking [`ParamInits`]: a weight initializer, a
//! bias initializer (default zeros, as Keras and Flax) and a [`Source`]. The result is Burn's own
//! layer type, so it drops into existing models.
//!
//! ```
//! use burn::nn::LinearConfig;
//! use burn::tensor::Device;
//! use burn_init::{Init, InitLayer, ParamInits};
//!
//! let device = Device::flex();
//! let inits = ParamInits::new(Init::HeNormal).with_source(42);
//! let layer = LinearConfig::new(100, 50).init_layer(&inits, &device)?;
//! assert_eq!(layer.weight.val().dims(), [100, 50]);
//! # Ok::<(), burn_init::InitError>(())
//! ```

use burn::module::Param;
use burn::nn::conv::{
    Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig,
};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig, LinearLayout};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result};
use crate::init::{Init, Source, TensorInitExt};
use crate::scale::Fans;

/// The initializers of one layer's parameters: weight, bias, and where their random numbers come
/// from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamInits {
    /// Initializer of the weight.
    pub weight: Init,
    /// Initializer of the bias (default zeros).
    pub bias: Init,
    /// Random source: the weight draws from its stream 0, the bias from stream 1
    /// ([`Source::stream`]).
    pub source: Source,
}

impl ParamInits {
    /// `weight` for the weight (an [`Init`] or any parameter struct that converts to one:
    /// [`Orthogonal`](crate::Orthogonal), [`Normal`](crate::Normal), …), zeros for the bias, the
    /// device RNG.
    pub fn new(weight: impl Into<Init>) -> Self {
        Self {
            weight: weight.into(),
            bias: Init::Zeros,
            source: Source::Device,
        }
    }

    /// With a bias initializer.
    pub fn with_bias(mut self, bias: impl Into<Init>) -> Self {
        self.bias = bias.into();
        self
    }

    /// With a random source: [`Source::Device`], or a `u64` seed for the host stream.
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = source.into();
        self
    }

    fn weight_param<const D: usize>(
        &self,
        shape: [usize; D],
        fans: Fans,
        device: &Device,
    ) -> Result<Param<Tensor<D>>> {
        self.weight
            .param(shape, fans, self.source.stream(0), device)
    }

    fn bias_param(&self, d: usize, fans: Fans, device: &Device) -> Result<Param<Tensor<1>>> {
        self.bias.param([d], fans, self.source.stream(1), device)
    }
}

/// Builds a Burn layer from its config and a [`ParamInits`].
pub trait InitLayer {
    /// The Burn layer type.
    type Layer;

    /// Builds the layer. Parameters are lazy, as Burn's own (sampled on first use).
    ///
    /// # Errors
    /// If an initializer cannot fill the layer's weight or bias (bad parameters, zero fans,
    /// unsupported shape).
    fn init_layer(&self, init: &ParamInits, device: &Device) -> Result<Self::Layer>;
}

impl InitLayer for LinearConfig {
    type Layer = Linear;

    fn init_layer(&self, init: &ParamInits, device: &Device) -> Result<Linear> {
        let fans = Fans::linear(self.d_input, self.d_output)?;
        let mut weight = init.weight_param([self.d_input, self.d_output], fans, device)?;
        if matches!(self.layout, LinearLayout::Col) {
            // Same record layout as Burn's own Col layout: stored transposed.
            weight = weight
                .save_mapper(|t| t.transpose())
                .load_mapper(|t| t.transpose());
        }
        let bias = if self.bias {
            Some(init.bias_param(self.d_output, fans, device)?)
        } else {
            None
        };
        Ok(Linear { weight, bias })
    }
}

macro_rules! conv_layer {
    ($config:ty, $layer:ty, $rank:literal, |$c:ident| $shape:expr, $fans:path, $bias_len:expr) => {
        impl InitLayer for $config {
            type Layer = $layer;

            fn init_layer(&self, init: &ParamInits, device: &Device) -> Result<$layer> {
                let $c = self;
                let shape: [usize; $rank] = $shape;
                let fans = $fans(&shape, $c.groups)?;
                // Burn's config builds the layer with lazy params (nothing sampled); only the
                // params are replaced.
                let mut layer = self.init(device);
                layer.weight = init.weight_param(shape, fans, device)?;
                layer.bias = if $c.bias {
                    Some(init.bias_param($bias_len, fans, device)?)
                } else {
                    None
                };
                Ok(layer)
            }
        }
    };
}

/// The weight shape `[lead, split / groups, kernel…]` of a grouped convolution, after checking
/// that `groups` divides both of the config's `channels`.
fn grouped_weight<const D: usize>(
    layer: &str,
    channels: &[usize],
    groups: usize,
    [lead, split]: [usize; 2],
    kernel: &[usize],
) -> Result<[usize; D]> {
    if groups == 0 || channels.iter().any(|c| !c.is_multiple_of(groups)) {
        return Err(InitError::InvalidShape {
            initializer: layer.into(),
            shape: channels.to_vec(),
            reason: format!("channels must be divisible by groups = {groups}"),
        });
    }
    let mut shape = [0; D];
    shape[0] = lead;
    shape[1] = split / groups;
    for (s, &k) in shape[2..].iter_mut().zip(kernel) {
        *s = k;
    }
    Ok(shape)
}

// Burn's layouts: Conv1d `[c_out, c_in / g, k]`, Conv2d `[c_out, c_in / g, k0, k1]`,
// ConvTranspose2d `[c_in, c_out / g, k0, k1]`.
conv_layer!(
    Conv1dConfig,
    Conv1d,
    3,
    |c| grouped_weight(
        "Conv1d",
        &[c.channels_in, c.channels_out],
        c.groups,
        [c.channels_out, c.channels_in],
        &[c.kernel_size]
    )?,
    Fans::conv,
    c.channels_out
);
conv_layer!(
    Conv2dConfig,
    Conv2d,
    4,
    |c| grouped_weight(
        "Conv2d",
        &c.channels,
        c.groups,
        [c.channels[1], c.channels[0]],
        &c.kernel_size
    )?,
    Fans::conv,
    c.channels[1]
);
conv_layer!(
    ConvTranspose2dConfig,
    ConvTranspose2d,
    4,
    |c| grouped_weight(
        "ConvTranspose2d",
        &c.channels,
        c.groups,
        [c.channels[0], c.channels[1]],
        &c.kernel_size
    )?,
    Fans::conv_transpose,
    c.channels[1]
);

impl InitLayer for EmbeddingConfig {
    type Layer = Embedding;

    /// The weight `[n_embedding, d_model]` is treated as `fan_in = n_embedding`,
    /// `fan_out = d_model`; embeddings have no bias (`init.bias` is unused).
    fn init_layer(&self, init: &ParamInits, device: &Device) -> Result<Embedding> {
        let fans = Fans::new(self.n_embedding, self.d_model)?;
        Ok(Embedding {
            weight: init.weight_param([self.n_embedding, self.d_model], fans, device)?,
        })
    }
}

//! [`LinearChain`]: the smallest model that implements [`Layered`].

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::layered::{LayerTrace, Layered, set_linear};
use crate::error::{InitError, Result};
use crate::module::{InitLayer, ParamInits};
use crate::scale::Nonlinearity;

/// A chain of Burn `Linear` layers `widths[0] → widths[1] → … → widths[n]` with the same
/// activation after every layer but the last: `n − 1` traced hidden layers and a linear output.
/// The smallest model that implements [`Layered`], for tests, doctests and examples; a model of
/// your own implements [`Layered`] the same way.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_init::signal::{Layered, LinearChain};
/// use burn_init::{Init, Nonlinearity, ParamInits};
///
/// let device = Device::flex();
/// let inits = ParamInits::new(Init::GlorotUniform).with_source(7);
/// let net = LinearChain::new(&[4, 8, 8, 2], Nonlinearity::Tanh, &inits, &device)?;
/// assert_eq!(net.num_layers(), 2);
/// let (traces, out) = net.forward_trace(Tensor::ones([3, 4], &device));
/// assert_eq!((traces.len(), out.dims()), (2, [3, 2]));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Module, Debug)]
pub struct LinearChain {
    /// The layers, from the input.
    pub layers: Vec<Linear>,
    /// The activation after every layer but the last.
    #[module(skip)]
    pub activation: Nonlinearity,
}

impl LinearChain {
    /// `widths.len() − 1` layers; layer `i` is initialized by `inits` drawing from
    /// `inits.source.stream(i)` ([`Source::stream`](crate::Source::stream)).
    ///
    /// # Errors
    /// Fewer than two widths, a zero width, or an initializer that cannot fill a layer.
    pub fn new(
        widths: &[usize],
        activation: Nonlinearity,
        inits: &ParamInits,
        device: &Device,
    ) -> Result<Self> {
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let layer_inits = inits.clone().with_source(inits.source.stream(i as u64));
                LinearConfig::new(w[0], w[1]).init_layer(&layer_inits, device)
            })
            .collect::<Result<Vec<_>>>()?;
        Self::from_layers(layers, activation)
    }

    /// A chain of given layers (each initialized as you like).
    ///
    /// # Errors
    /// [`InitError::InvalidParameter`] for an empty list.
    pub fn from_layers(layers: Vec<Linear>, activation: Nonlinearity) -> Result<Self> {
        if layers.is_empty() {
            return Err(InitError::InvalidParameter {
                field: "layers",
                value: 0.0,
                reason: "a chain needs at least one layer",
            });
        }
        Ok(Self { layers, activation })
    }

    /// The output for a batch `[batch, widths[0]]`.
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.forward_trace(input).1
    }
}

impl Layered for LinearChain {
    fn num_layers(&self) -> usize {
        self.layers.len().saturating_sub(1)
    }

    fn set_layer(mut self, layer: usize, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Self {
        set_linear(&mut self.layers[layer], weight, bias);
        self
    }

    fn layer_weight(&self, layer: usize) -> Tensor<2> {
        self.layers[layer].weight.val()
    }

    fn activation(&self, _layer: usize) -> Nonlinearity {
        self.activation
    }

    fn layer_bias(&self, layer: usize) -> Option<Tensor<1>> {
        self.layers[layer].bias.as_ref().map(|b| b.val())
    }

    fn forward_trace(&self, input: Tensor<2>) -> (Vec<LayerTrace>, Tensor<2>) {
        let hidden = &self.layers[..self.num_layers()];
        let mut traces: Vec<LayerTrace> = Vec::with_capacity(hidden.len());
        for layer in hidden {
            let input = traces.last().map_or(input.clone(), |t| t.post.clone());
            let pre = layer.forward(input.clone());
            let post = self.activation.apply(pre.clone());
            traces.push(LayerTrace { input, pre, post });
        }
        let last = traces.last().map_or(input, |t| t.post.clone());
        let output = self.layers.last().map_or(last.clone(), |l| l.forward(last));
        (traces, output)
    }
}

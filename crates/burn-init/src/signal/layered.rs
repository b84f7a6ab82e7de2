//! The [`Layered`] interface: a model traced one (linear, activation) layer at a time.

use burn::module::Module;
use burn::tensor::Tensor;

use super::activation::Activation;

/// The pre-activation and activation of one traced layer.
#[derive(Debug, Clone)]
pub struct LayerTrace {
    /// Input of the layer (`[batch, d_in]`).
    pub input: Tensor<2>,
    /// `x·W + b` (`[batch, d_out]`).
    pub pre: Tensor<2>,
    /// `φ(pre)`.
    pub post: Tensor<2>,
}

/// A model whose forward pass is a chain of (linear, activation) layers that can be traced one
/// layer at a time: what LSUV, greedy pretraining and the diagnostics need. Implement it for your
/// own models.
pub trait Layered: Module + Sized {
    /// Number of traced hidden layers.
    fn num_layers(&self) -> usize;
    /// The activation of hidden layer `i`.
    fn activation(&self, layer: usize) -> Activation;
    /// The forward pass, keeping every hidden layer's input, pre-activation and activation, and the
    /// model output.
    fn forward_trace(&self, input: Tensor<2>) -> (Vec<LayerTrace>, Tensor<2>);
    /// The weight of hidden layer `i` (Burn layout `[d_in, d_out]`).
    fn layer_weight(&self, layer: usize) -> Tensor<2>;
    /// The bias of hidden layer `i`, if it has one.
    fn layer_bias(&self, layer: usize) -> Option<Tensor<1>>;
    /// Replaces the weight (and bias) of hidden layer `i`.
    fn set_layer(self, layer: usize, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Self;
}

/// A new leaf tensor in the autodiff context `ad` (requiring gradients there).
pub(crate) fn adapt<const D: usize>(t: Tensor<D>, ad: bool) -> Tensor<D> {
    let t = t.inner();
    if ad { t.autodiff().require_grad() } else { t }
}

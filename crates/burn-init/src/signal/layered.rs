//! The [`Layered`] interface: a model traced one (linear, activation) layer at a time.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::Tensor;

use crate::error::{InitError, Result};
use crate::scale::Nonlinearity;

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
/// own models ([`LinearChain`](super::LinearChain) is the smallest example).
pub trait Layered: Module + Sized {
    /// Number of traced hidden layers.
    fn num_layers(&self) -> usize;
    /// The activation of hidden layer `i`.
    fn activation(&self, layer: usize) -> Nonlinearity;
    /// The forward pass, keeping every hidden layer's input, pre-activation and activation, and the
    /// model output.
    fn forward_trace(&self, input: Tensor<2>) -> (Vec<LayerTrace>, Tensor<2>);
    /// The weight of hidden layer `i` (Burn layout `[d_in, d_out]`).
    fn layer_weight(&self, layer: usize) -> Tensor<2>;
    /// The bias of hidden layer `i`, if it has one.
    fn layer_bias(&self, layer: usize) -> Option<Tensor<1>>;
    /// Replaces the weight (and bias) of hidden layer `i` ([`set_linear`] does it for a Burn
    /// `Linear`).
    fn set_layer(self, layer: usize, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Self;
}

/// Replaces the weight and (if both exist) the bias of a Burn `Linear` with new values: fresh
/// leaf parameters with the same ids, on an autodiff device requiring gradients when the old
/// weight did live on one. What [`Layered::set_layer`] does for a layer made of `Linear`s.
pub fn set_linear(layer: &mut Linear, weight: Tensor<2>, bias: Option<Tensor<1>>) {
    let ad = layer.weight.val().is_autodiff();
    layer.weight = Param::initialized(layer.weight.id, leaf(weight, ad));
    if let (Some(b), Some(old)) = (bias, layer.bias.as_ref()) {
        layer.bias = Some(Param::initialized(old.id, leaf(b, ad)));
    }
}

/// A new leaf tensor, in the autodiff context (requiring gradients) when `ad`.
fn leaf<const D: usize>(t: Tensor<D>, ad: bool) -> Tensor<D> {
    let t = t.inner();
    if ad { t.autodiff().require_grad() } else { t }
}

/// The trace of hidden layer `layer` from a forward pass, or [`InitError::Data`] when the
/// model's [`Layered::forward_trace`] returned fewer traces than [`Layered::num_layers`] says.
pub(crate) fn layer_trace<M: Layered>(
    model: &M,
    input: Tensor<2>,
    layer: usize,
) -> Result<LayerTrace> {
    let (traces, _) = model.forward_trace(input);
    let found = traces.len();
    traces.into_iter().nth(layer).ok_or_else(|| {
        InitError::Data(format!(
            "the model's forward_trace returned {found} layer traces, but num_layers is {}: no trace for layer {layer}",
            model.num_layers()
        ))
    })
}

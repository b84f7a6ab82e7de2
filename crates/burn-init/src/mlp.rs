//! A layered model interface ([`Layered`]) and a ready multilayer perceptron ([`Mlp`]).

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::{Device, Tensor, activation};
use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result, closest};
use crate::fans::Fans;
use crate::gain::Nonlinearity;
use crate::init::{Init, InitializerExt, Source};

/// The slope, relative to the maximum slope, below which an activation counts as saturated
/// ([`Activation::saturation_bound`]).
pub const SATURATION_SLOPE: f64 = 0.1;

/// `atanh(√0.9)`: where `tanh'(a) = 1 − tanh²(a)` falls to [`SATURATION_SLOPE`].
const TANH_SATURATION_BOUND: f64 = 1.818_446_459_232_066_6;

/// An element-wise activation function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `tanh`.
    #[default]
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// `max(0, x)`.
    Relu,
    /// Leaky ReLU with slope 0.01 for negative inputs.
    LeakyRelu,
    /// SELU (Klambauer et al. 2017).
    Selu,
    /// No activation.
    Identity,
}

impl Activation {
    /// Every activation's name.
    pub const NAMES: [&'static str; 6] =
        ["tanh", "sigmoid", "relu", "leaky_relu", "selu", "identity"];

    /// Applies the activation.
    pub fn apply<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::Tanh => x.tanh(),
            Self::Sigmoid => activation::sigmoid(x),
            Self::Relu => activation::relu(x),
            Self::LeakyRelu => activation::leaky_relu(x, 0.01),
            Self::Selu => activation::selu(x),
            Self::Identity => x,
        }
    }

    /// Applies the activation to one number (for mean-field quadrature).
    pub fn apply_scalar(&self, x: f64) -> f64 {
        match self {
            Self::Tanh => x.tanh(),
            Self::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Self::Relu => x.max(0.0),
            Self::LeakyRelu => {
                if x >= 0.0 {
                    x
                } else {
                    0.01 * x
                }
            }
            Self::Selu => {
                const ALPHA: f64 = 1.673_263_242_354_377_3;
                const SCALE: f64 = 1.050_700_987_355_480_5;
                SCALE * if x > 0.0 { x } else { ALPHA * (x.exp() - 1.0) }
            }
            Self::Identity => x,
        }
    }

    /// The derivative `φ'(x)` at one number (for mean-field quadrature: χ₁, gradients).
    pub fn derivative_scalar(&self, x: f64) -> f64 {
        match self {
            Self::Tanh => 1.0 - x.tanh().powi(2),
            Self::Sigmoid => {
                let s = 1.0 / (1.0 + (-x).exp());
                s * (1.0 - s)
            }
            Self::Relu => f64::from(u8::from(x > 0.0)),
            Self::LeakyRelu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.01
                }
            }
            Self::Selu => {
                const ALPHA: f64 = 1.673_263_242_354_377_3;
                const SCALE: f64 = 1.050_700_987_355_480_5;
                SCALE * if x > 0.0 { 1.0 } else { ALPHA * x.exp() }
            }
            Self::Identity => 1.0,
        }
    }

    /// The pre-activation magnitude beyond which the activation counts as saturated: where its
    /// slope falls below [`SATURATION_SLOPE`] (10 %) of its maximum, `φ'(a) < 0.1·max φ'`.
    /// The same rule for both squashing functions: tanh, `1 − tanh²a < 0.1` ⇔
    /// `|a| > atanh(√0.9) ≈ 1.8184`; sigmoid, `σ'(a) = ¼·sech²(a/2) < 0.025` ⇔
    /// `|a| > 2·atanh(√0.9) ≈ 3.6369`. `None` for activations without flat regions (ReLU, leaky
    /// ReLU, SELU, identity).
    pub fn saturation_bound(&self) -> Option<f64> {
        match self {
            Self::Tanh => Some(TANH_SATURATION_BOUND),
            Self::Sigmoid => Some(2.0 * TANH_SATURATION_BOUND),
            _ => None,
        }
    }

    /// The matching entry of the gain table.
    pub fn nonlinearity(&self) -> Nonlinearity {
        match self {
            Self::Tanh => Nonlinearity::Tanh,
            Self::Sigmoid => Nonlinearity::Sigmoid,
            Self::Relu => Nonlinearity::Relu,
            Self::LeakyRelu => Nonlinearity::leaky_relu_default(),
            Self::Selu => Nonlinearity::Selu,
            Self::Identity => Nonlinearity::Linear,
        }
    }

    /// The stable name.
    pub fn name(&self) -> &'static str {
        Self::NAMES[*self as usize]
    }

    /// Parses a name.
    ///
    /// # Errors
    /// [`InitError::UnknownName`] with the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "tanh" => Ok(Self::Tanh),
            "sigmoid" => Ok(Self::Sigmoid),
            "relu" => Ok(Self::Relu),
            "leaky_relu" => Ok(Self::LeakyRelu),
            "selu" => Ok(Self::Selu),
            "identity" | "linear" => Ok(Self::Identity),
            _ => Err(InitError::UnknownName {
                kind: "activation",
                name: name.into(),
                suggestion: closest(name, Self::NAMES),
                valid: Self::NAMES.iter().map(|s| s.to_string()).collect(),
            }),
        }
    }
}

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

/// Configuration of an [`Mlp`]: `d_input → hidden[0] → … → hidden[n-1] → d_output`, with an
/// activation after every hidden layer and none after the output layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Input width.
    pub d_input: usize,
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Output width (e.g. classes).
    pub d_output: usize,
    /// Activation after each hidden layer.
    pub activation: Activation,
    /// Dropout probability after each hidden activation (0 disables it).
    pub dropout: f64,
    /// Weight initializer of the hidden layers.
    pub weight_init: Init,
    /// Bias initializer of the hidden layers (default zeros, as Keras and Flax).
    pub bias_init: Init,
    /// Weight initializer of the output layer (`None`: same as the hidden layers).
    pub output_init: Option<Init>,
    /// Per-layer overrides `(weight, bias)` for hidden layer `i` (index into `hidden`); layers
    /// without an entry use `weight_init` and `bias_init`.
    #[serde(default)]
    pub layer_inits: Vec<Option<(Init, Init)>>,
}

impl MlpConfig {
    /// The tutorial's network: `d_input → depth × width → d_output`, zero biases.
    pub fn new(
        d_input: usize,
        hidden: Vec<usize>,
        d_output: usize,
        activation: Activation,
        weight_init: Init,
    ) -> Self {
        Self {
            d_input,
            hidden,
            d_output,
            activation,
            dropout: 0.0,
            weight_init,
            bias_init: Init::Zeros,
            output_init: None,
            layer_inits: Vec::new(),
        }
    }

    /// With its own weight and bias initializers for hidden layer `layer`.
    pub fn with_layer_init(mut self, layer: usize, weight: Init, bias: Init) -> Self {
        if self.layer_inits.len() <= layer {
            self.layer_inits.resize(layer + 1, None);
        }
        self.layer_inits[layer] = Some((weight, bias));
        self
    }

    /// With dropout probability `p`.
    pub fn with_dropout(mut self, p: f64) -> Self {
        self.dropout = p;
        self
    }

    /// With a bias initializer.
    pub fn with_bias_init(mut self, init: Init) -> Self {
        self.bias_init = init;
        self
    }

    /// With an output-layer initializer.
    pub fn with_output_init(mut self, init: Init) -> Self {
        self.output_init = Some(init);
        self
    }

    /// Widths of every layer boundary: `[d_input, hidden…, d_output]`.
    pub fn widths(&self) -> Vec<usize> {
        let mut w = vec![self.d_input];
        w.extend(&self.hidden);
        w.push(self.d_output);
        w
    }

    /// Builds the model. With `Source::Host(rng)`, layer `i`'s weight uses stream
    /// `rng.derive(2i)` and its bias `rng.derive(2i + 1)`: bit-identical on every device.
    ///
    /// # Errors
    /// Zero widths, a dropout outside `[0, 1)`, a per-layer override for a layer that does not
    /// exist, or an initializer that cannot fill a layer.
    pub fn init(&self, source: Source, device: &Device) -> Result<Mlp> {
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(InitError::InvalidParameter {
                field: "dropout",
                value: self.dropout,
                reason: "must be in [0, 1)",
            });
        }
        if self.layer_inits.len() > self.hidden.len() {
            return Err(InitError::InvalidParameter {
                field: "layer_inits",
                value: self.layer_inits.len() as f64,
                reason: "more per-layer overrides than hidden layers",
            });
        }
        let widths = self.widths();
        let n = widths.len() - 1;
        let mut layers = Vec::with_capacity(n);
        for i in 0..n {
            let (d_in, d_out) = (widths[i], widths[i + 1]);
            let fans = Fans::linear(d_in, d_out)?;
            let (w_init, b_init) = match self.layer_inits.get(i) {
                Some(Some((w, b))) if i + 1 < n => (w, b),
                _ if i + 1 == n => (
                    self.output_init.as_ref().unwrap_or(&self.weight_init),
                    &self.bias_init,
                ),
                _ => (&self.weight_init, &self.bias_init),
            };
            let stream = |k: u64| match source {
                Source::Device => Source::Device,
                Source::Host(rng) => Source::Host(rng.derive(k)),
            };
            let weight = w_init.param([d_in, d_out], fans, stream(2 * i as u64), device)?;
            let bias = b_init.param([d_out], fans, stream(2 * i as u64 + 1), device)?;
            layers.push(Linear {
                weight,
                bias: Some(bias),
            });
        }
        let output = layers.pop().expect("at least one layer");
        Ok(Mlp {
            hidden: layers,
            output,
            dropout: DropoutConfig::new(self.dropout).init(),
            activation: self.activation,
        })
    }
}

/// A multilayer perceptron built from Burn `Linear` layers.
#[derive(Module, Debug)]
pub struct Mlp {
    /// Hidden layers.
    pub hidden: Vec<Linear>,
    /// Output layer.
    pub output: Linear,
    /// Dropout after each hidden activation.
    pub dropout: Dropout,
    /// Activation after each hidden layer.
    #[module(skip)]
    pub activation: Activation,
}

impl Mlp {
    /// Logits for a batch `[batch, d_input]`.
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let mut x = input;
        for layer in &self.hidden {
            x = self
                .dropout
                .forward(self.activation.apply(layer.forward(x)));
        }
        self.output.forward(x)
    }
}

impl Layered for Mlp {
    fn num_layers(&self) -> usize {
        self.hidden.len()
    }

    fn activation(&self, _layer: usize) -> Activation {
        self.activation
    }

    fn forward_trace(&self, input: Tensor<2>) -> (Vec<LayerTrace>, Tensor<2>) {
        let mut x = input;
        let mut traces = Vec::with_capacity(self.hidden.len());
        for layer in &self.hidden {
            let pre = layer.forward(x.clone());
            let post = self.activation.apply(pre.clone());
            traces.push(LayerTrace {
                input: x,
                pre,
                post: post.clone(),
            });
            x = self.dropout.forward(post);
        }
        let out = self.output.forward(x);
        (traces, out)
    }

    fn layer_weight(&self, layer: usize) -> Tensor<2> {
        self.hidden[layer].weight.val()
    }

    fn layer_bias(&self, layer: usize) -> Option<Tensor<1>> {
        self.hidden[layer].bias.as_ref().map(|b| b.val())
    }

    fn set_layer(mut self, layer: usize, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Self {
        let l = &mut self.hidden[layer];
        let ad = l.weight.val().is_autodiff();
        l.weight = Param::initialized(l.weight.id, adapt(weight, ad));
        if let (Some(b), Some(old)) = (bias, l.bias.as_ref()) {
            l.bias = Some(Param::initialized(old.id, adapt(b, ad)));
        }
        self
    }
}

/// A new leaf tensor in the autodiff context `ad` (requiring gradients there).
pub(crate) fn adapt<const D: usize>(t: Tensor<D>, ad: bool) -> Tensor<D> {
    let t = t.inner();
    if ad { t.autodiff().require_grad() } else { t }
}

//! The multilayer perceptron the experiments train ([`Mlp`]), implementing burn-init's
//! [`Layered`] so that LSUV, pretraining and the diagnostics work on it.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::{Device, Tensor};
use burn_init::signal::{LayerTrace, Layered, set_linear};
use burn_init::{Fans, Init, InitError, Nonlinearity, Result, Source, TensorInitExt};
use serde::{Deserialize, Serialize};

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
    pub activation: Nonlinearity,
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
    /// `d_input → hidden… → d_output` with zero biases and no dropout (the tutorial's network is
    /// `784 → 5 × 50 → 10`).
    pub fn new(
        d_input: usize,
        hidden: Vec<usize>,
        d_output: usize,
        activation: Nonlinearity,
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

    /// Builds the model. Layer `i`'s weight draws from `source.stream(2i)` and its bias from
    /// `source.stream(2i + 1)`: with a host source (a `u64` seed), bit-identical on every device.
    ///
    /// # Errors
    /// Zero widths, a dropout outside `[0, 1)`, a per-layer override for a layer that does not
    /// exist, or an initializer that cannot fill a layer.
    pub fn init(&self, source: impl Into<Source>, device: &Device) -> Result<Mlp> {
        let source = source.into();
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
            let weight = w_init.param([d_in, d_out], fans, source.stream(2 * i as u64), device)?;
            let bias = b_init.param([d_out], fans, source.stream(2 * i as u64 + 1), device)?;
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
    pub activation: Nonlinearity,
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

    fn activation(&self, _layer: usize) -> Nonlinearity {
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
        set_linear(&mut self.hidden[layer], weight, bias);
        self
    }
}

#[cfg(test)]
mod tests {
    use burn_init::TensorSpec;
    use burn_init::signal::symmetry;

    use super::*;

    #[test]
    fn per_layer_overrides() {
        let device = Device::flex();
        let config = MlpConfig::new(10, vec![8, 8], 3, Nonlinearity::Tanh, Init::GlorotUniform)
            .with_layer_init(
                1,
                Init::Constant(burn_init::Constant::new(0.1).unwrap()),
                Init::Zeros,
            );
        let model = config.init(1, &device).unwrap();
        let s = symmetry(&model, 1e-6);
        assert_eq!((s[0].distinct_neurons, s[1].distinct_neurons), (8, 1));
        let too_many = MlpConfig::new(10, vec![8], 3, Nonlinearity::Tanh, Init::GlorotUniform)
            .with_layer_init(3, Init::Zeros, Init::Zeros);
        assert!(too_many.init(Source::Device, &device).is_err());
    }

    /// Every weight equals `1/fan_in`.
    #[derive(Debug)]
    struct Average;

    impl burn_init::TensorInit for Average {
        fn name(&self) -> String {
            "average".into()
        }
        fn check(&self, spec: TensorSpec) -> Result<()> {
            spec.require_fans(self).map(|_| ())
        }
        fn fill_host(
            &self,
            spec: TensorSpec,
            _: burn_init::HostRng,
            out: &mut [f32],
        ) -> Result<()> {
            out.fill(1.0 / spec.require_fans(self)?.fan_in() as f32);
            Ok(())
        }
    }

    /// A user-defined initializer in the MLP config: for every layer, and as one layer's
    /// override.
    #[test]
    fn custom_initializer_in_the_config() {
        let device = Device::flex();
        let average = Init::custom(Average);
        let all = MlpConfig::new(10, vec![8, 4], 3, Nonlinearity::Relu, average.clone());
        let model = all.init(Source::Device, &device).unwrap();
        let weights = |m: &Mlp, i: usize| -> Vec<f32> {
            m.layer_weight(i).into_data().iter::<f32>().collect()
        };
        assert!(weights(&model, 0).iter().all(|&x| x == 0.1));
        assert!(weights(&model, 1).iter().all(|&x| x == 0.125));
        let one = MlpConfig::new(10, vec![8, 4], 3, Nonlinearity::Relu, Init::GlorotUniform)
            .with_layer_init(1, average, Init::Zeros);
        let model = one.init(7, &device).unwrap();
        assert!(weights(&model, 1).iter().all(|&x| x == 0.125));
        assert!(
            weights(&model, 0)
                .iter()
                .any(|&x| x != weights(&model, 0)[0])
        );
        assert!(
            serde_json::to_string(&one).is_err(),
            "custom: not serializable"
        );
    }
}

//! Greedy layer-wise unsupervised pretraining with autoencoders (Hinton & Salakhutdinov 2006;
//! Bengio et al. 2007).
//!
//! For each hidden layer in turn: compute the frozen outputs of the layers below on the data,
//! train an autoencoder whose encoder is that layer (with its activation) and whose decoder maps
//! back to the layer's input (untied by default, tied `W_dec = Wᵀ` as an option; optional
//! masking noise for a denoising autoencoder), minimizing the mean squared reconstruction
//! error; then copy the encoder's weight and bias into the model.

use burn::module::{Module, Param, ParamId};
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams, SgdConfig};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::layered::{Layered, layer_trace};
use crate::error::{InitError, Result, at_least_one, positive};
use crate::host::HostRng;
use crate::init::{Init, Source, TensorInitExt};
use crate::scale::{Fans, Nonlinearity};

/// The optimizer of each autoencoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PretrainOptimizer {
    /// Plain SGD.
    Sgd,
    /// Adam.
    #[default]
    Adam,
}

/// Options of [`pretrain_greedy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrainConfig {
    /// Epochs per layer.
    pub epochs: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f64,
    /// Optimizer.
    pub optimizer: PretrainOptimizer,
    /// Tie the decoder to the encoder (`W_dec = Wᵀ`).
    pub tied: bool,
    /// Masking-noise probability (denoising autoencoder); 0 disables it.
    pub noise: f64,
    /// Seed for shuffling, noise and the decoder's initialization.
    pub seed: u64,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        Self {
            epochs: 3,
            batch_size: 64,
            lr: 1e-3,
            optimizer: PretrainOptimizer::Adam,
            tied: false,
            noise: 0.0,
            seed: 0,
        }
    }
}

impl PretrainConfig {
    /// Checks the options.
    ///
    /// # Errors
    /// [`InitError::InvalidParameter`] naming `batch_size` or `epochs` if 0, `lr` if not
    /// positive and finite in `f32`, or `noise` if outside `[0, 1)`.
    pub fn validate(&self) -> Result<()> {
        at_least_one("batch_size", self.batch_size)?;
        at_least_one("epochs", self.epochs)?;
        positive("lr", self.lr)?;
        if !(0.0..1.0).contains(&self.noise) {
            return Err(InitError::InvalidParameter {
                field: "noise",
                value: self.noise,
                reason: "must be in [0, 1)",
            });
        }
        Ok(())
    }
}

/// Reconstruction losses of one layer's autoencoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainLayer {
    /// Layer index.
    pub layer: usize,
    /// Mean reconstruction loss (MSE) of each epoch.
    pub epoch_losses: Vec<f64>,
    /// Sum of the trained encoder weight's entries (to check what the model holds).
    pub encoder_weight_sum: f64,
}

/// The report of [`pretrain_greedy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainReport {
    /// One entry per hidden layer.
    pub layers: Vec<PretrainLayer>,
}

/// One autoencoder: `x → φ(x·W + b) → ·W_dec + c`.
#[derive(Module, Debug)]
struct Autoencoder {
    encoder: Linear,
    /// `[d_out, d_in]`, absent when tied.
    decoder_weight: Option<Param<Tensor<2>>>,
    decoder_bias: Param<Tensor<1>>,
    #[module(skip)]
    activation: Nonlinearity,
}

impl Autoencoder {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self.activation.apply(self.encoder.forward(x));
        let w_dec = match &self.decoder_weight {
            Some(w) => w.val(),
            None => self.encoder.weight.val().transpose(),
        };
        h.matmul(w_dec).add(self.decoder_bias.val().unsqueeze())
    }
}

/// Pretrains every hidden layer of `model` greedily on `data` (`[n, d_in]`), on `device` (autodiff
/// is enabled on it for training).
///
/// # Errors
/// [`InitError::Data`] for empty data, those of [`PretrainConfig::validate`],
/// [`InitError::NonFinite`] if a loss becomes NaN or infinite.
pub fn pretrain_greedy<M: Layered>(
    mut model: M,
    data: Tensor<2>,
    config: &PretrainConfig,
    device: &Device,
) -> Result<(M, PretrainReport)> {
    let [n, _] = data.dims();
    if n == 0 {
        return Err(InitError::Data("pretraining needs data".into()));
    }
    config.validate()?;
    let ad = device.clone().autodiff();
    let rng = HostRng::new(config.seed);
    let data = data.inner();
    let mut layers = Vec::new();
    for layer in 0..model.num_layers() {
        // Frozen outputs of the layers below.
        let input = layer_trace(&model, data.clone(), layer)?.input.inner();
        let weight = model.layer_weight(layer).inner();
        let bias = model.layer_bias(layer).map(|b| b.inner());
        let [d_in, d_out] = weight.dims();
        let layer_rng = rng.derive(layer as u64);
        let decoder_weight = if config.tied {
            None
        } else {
            let w = Init::GlorotUniform.sample(
                [d_out, d_in],
                Fans::linear(d_out, d_in)?,
                Source::Host(layer_rng.derive(0)),
                &ad,
            )?;
            Some(Param::initialized(ParamId::new(), w.require_grad()))
        };
        let mut ae = Autoencoder {
            encoder: Linear {
                weight: Param::initialized(ParamId::new(), weight.autodiff().require_grad()),
                bias: Some(Param::initialized(
                    ParamId::new(),
                    bias.unwrap_or_else(|| Tensor::zeros([d_out], device))
                        .autodiff()
                        .require_grad(),
                )),
            },
            decoder_weight,
            decoder_bias: Param::initialized(
                ParamId::new(),
                Tensor::<1>::zeros([d_in], &ad).require_grad(),
            ),
            activation: model.activation(layer),
        };
        let mut optim = match config.optimizer {
            PretrainOptimizer::Sgd => SgdConfig::new().init(),
            PretrainOptimizer::Adam => AdamConfig::new().init(),
        };
        let mut epoch_losses = Vec::with_capacity(config.epochs);
        for epoch in 0..config.epochs {
            let perm = layer_rng.derive(1 + epoch as u64).permutation(n);
            let mut total = Tensor::<1>::zeros([1], device);
            let mut batches = 0usize;
            for chunk in perm.chunks(config.batch_size) {
                let idx = Tensor::<1, Int>::from_data(
                    TensorData::new(
                        chunk.iter().map(|&i| i as i64).collect::<Vec<_>>(),
                        [chunk.len()],
                    ),
                    device,
                );
                let x = input.clone().select(0, idx);
                let noisy = if config.noise > 0.0 {
                    let keep = Tensor::<2>::random(
                        x.dims(),
                        Distribution::Bernoulli(1.0 - config.noise),
                        device,
                    );
                    x.clone().mul(keep)
                } else {
                    x.clone()
                };
                let recon = ae.forward(noisy.autodiff());
                let loss = recon.sub(x.autodiff()).square().mean();
                total = total.add(loss.clone().inner().detach());
                let grads = GradientsParams::from_grads(loss.backward(), &ae);
                ae = optim.step(config.lr, ae, grads);
                batches += 1;
            }
            let mean = total.into_scalar::<f32>() as f64 / batches as f64;
            if !mean.is_finite() {
                return Err(InitError::NonFinite(format!(
                    "the reconstruction loss of layer {layer}, epoch {epoch}"
                )));
            }
            epoch_losses.push(mean);
        }
        let w = ae.encoder.weight.val().inner();
        let b = ae.encoder.bias.as_ref().map(|b| b.val().inner());
        let encoder_weight_sum = weight_sum(w.clone());
        model = model.set_layer(layer, w, b);
        layers.push(PretrainLayer {
            layer,
            epoch_losses,
            encoder_weight_sum,
        });
    }
    Ok((model, PretrainReport { layers }))
}

/// Sum of a weight's entries, in `f64` on the host.
fn weight_sum(w: Tensor<2>) -> f64 {
    w.into_data().iter::<f32>().map(f64::from).sum()
}

//! Greedy layer-wise unsupervised pretraining with autoencoders (Hinton & Salakhutdinov 2006;
//! Bengio et al. 2007; Vincent et al. 2008).
//!
//! For each hidden layer `l` in turn, with the layers below frozen: compute the layer's inputs
//! `x` on the data, train an autoencoder whose encoder is the layer itself,
//! `h = φ(x·W + b)`, and whose decoder maps back to `x`:
//!
//! * **tied** (`W_dec = Wᵀ`, the default, as in Vincent et al. 2008) or untied weights;
//! * **cross-entropy** with a sigmoid decoder, `x̂ = σ(h·W_dec + c)`, for inputs in `[0, 1]`
//!   (pixel intensities, sigmoid codes; Bengio et al. 2007), or **squared error** with a linear
//!   decoder on centred inputs otherwise ([`Reconstruction::Auto`] picks per layer);
//! * optional **masking noise** (a denoising autoencoder): each input is zeroed with probability
//!   `noise`, the clean input is the target; masks come from the seeded host generator;
//!
//! trained until its **normalized reconstruction error** — the fraction of variance unexplained,
//! `FVU = Σ(x̂ − x)² / Σ(x − x̄)²` on the clean inputs (1: no better than the mean, 0: perfect) —
//! stops improving by more than `plateau` (relative) per epoch, or for `max_epochs`. The trained
//! encoder's weight and bias replace the layer's. The decoder bias starts at the input mean (its
//! logit for cross-entropy), so every autoencoder starts near `FVU = 1`.

use burn::module::{Module, Param, ParamId};
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams, SgdConfig};
use burn::tensor::activation::log_sigmoid;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::layered::Layered;
use crate::error::{InitError, Result};
use crate::host::HostRng;
use crate::init::{Init, TensorInitExt};
use crate::scale::{Fans, Nonlinearity};

/// The optimizer of each autoencoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PretrainOptimizer {
    /// Plain SGD (Bengio et al. 2007).
    Sgd,
    /// Adam (Kingma & Ba 2015): reaches the plateau in fewer epochs.
    #[default]
    Adam,
}

/// The reconstruction of each autoencoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Reconstruction {
    /// Sigmoid decoder, cross-entropy `−Σ x log x̂ + (1 − x) log(1 − x̂)`; the inputs must lie in
    /// `[0, 1]`.
    CrossEntropy,
    /// Linear decoder, squared error on the centred inputs.
    SquaredError,
    /// Cross-entropy where a layer's inputs lie in `[0, 1]`, squared error otherwise.
    #[default]
    Auto,
}

/// Options of [`pretrain_greedy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrainConfig {
    /// Most epochs per layer.
    pub max_epochs: usize,
    /// Fewest epochs per layer before the plateau rule may stop it.
    pub min_epochs: usize,
    /// Stop a layer when its FVU improved by less than this fraction of the previous epoch's.
    pub plateau: f64,
    /// Minibatch size.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f64,
    /// Optimizer.
    pub optimizer: PretrainOptimizer,
    /// Tie the decoder to the encoder (`W_dec = Wᵀ`).
    pub tied: bool,
    /// The reconstruction loss.
    pub reconstruction: Reconstruction,
    /// Masking-noise probability (denoising autoencoder); 0 disables it.
    pub noise: f64,
    /// Seed of the shuffling, the masks and an untied decoder's initialization.
    pub seed: u64,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        Self {
            max_epochs: 30,
            min_epochs: 2,
            plateau: 0.01,
            batch_size: 64,
            lr: 1e-3,
            optimizer: PretrainOptimizer::Adam,
            tied: true,
            reconstruction: Reconstruction::Auto,
            noise: 0.0,
            seed: 0,
        }
    }
}

impl PretrainConfig {
    /// Checks the options.
    ///
    /// # Errors
    /// [`InitError::InvalidParameter`] naming the first bad option.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, value: f64, reason: &'static str| {
            Err(InitError::InvalidParameter {
                field,
                value,
                reason,
            })
        };
        if self.max_epochs == 0 {
            return bad("max_epochs", 0.0, "must be at least 1");
        }
        if self.min_epochs > self.max_epochs {
            return bad(
                "min_epochs",
                self.min_epochs as f64,
                "must not exceed max_epochs",
            );
        }
        if !(self.plateau.is_finite() && (0.0..1.0).contains(&self.plateau)) {
            return bad("plateau", self.plateau, "must be in [0, 1)");
        }
        if self.batch_size == 0 {
            return bad("batch_size", 0.0, "must be at least 1");
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && (self.lr as f32).is_normal()) {
            return bad("lr", self.lr, "must be a positive number, normal in f32");
        }
        if !(0.0..1.0).contains(&self.noise) {
            return bad("noise", self.noise, "must be in [0, 1)");
        }
        Ok(())
    }
}

/// Why a layer's pretraining stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// Its FVU improved by less than `plateau` in the last epoch.
    Plateau,
    /// It ran `max_epochs`.
    MaxEpochs,
}

/// One layer's autoencoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainLayer {
    /// Layer index.
    pub layer: usize,
    /// The reconstruction used (never `Auto`).
    pub reconstruction: Reconstruction,
    /// Mean training loss of each epoch (cross-entropy per input, or squared error per input).
    pub epoch_losses: Vec<f64>,
    /// Fraction of variance unexplained on the clean inputs after each epoch; entry 0 is before
    /// training.
    pub fvu: Vec<f64>,
    /// Why it stopped.
    pub stop: Stop,
}

impl PretrainLayer {
    /// The FVU after the last epoch.
    pub fn final_fvu(&self) -> f64 {
        self.fvu.last().copied().unwrap_or(f64::NAN)
    }
}

/// The report of [`pretrain_greedy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainReport {
    /// One entry per hidden layer.
    pub layers: Vec<PretrainLayer>,
}

/// One autoencoder: `x → h = φ(x·W + b) → z = h·W_dec + c`.
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
    /// The decoder's pre-activation `z`.
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self.activation.apply(self.encoder.forward(x));
        let w_dec = match &self.decoder_weight {
            Some(w) => w.val(),
            None => self.encoder.weight.val().transpose(),
        };
        h.matmul(w_dec).add(self.decoder_bias.val().unsqueeze())
    }
}

/// Elementwise loss of the decoder's pre-activation `z` against `x`, summed.
fn loss_sum(z: Tensor<2>, x: Tensor<2>, recon: Reconstruction) -> Tensor<1> {
    match recon {
        Reconstruction::SquaredError => sum_all(z.sub(x).square()),
        _ => {
            // −[x·log σ(z) + (1 − x)·log σ(−z)], stable for large |z|.
            let one_minus = x.clone().neg().add_scalar(1.0);
            sum_all(
                x.mul(log_sigmoid(z.clone()))
                    .add(one_minus.mul(log_sigmoid(z.neg()))),
            )
            .neg()
        }
    }
}

/// The reconstruction `x̂` from the decoder's pre-activation.
fn reconstruct(z: Tensor<2>, recon: Reconstruction) -> Tensor<2> {
    match recon {
        Reconstruction::SquaredError => z,
        _ => burn::tensor::activation::sigmoid(z),
    }
}

fn index_tensor(rows: &[usize], device: &Device) -> Tensor<1, Int> {
    Tensor::from_data(
        TensorData::new(
            rows.iter().map(|&i| i as i64).collect::<Vec<_>>(),
            [rows.len()],
        ),
        device,
    )
}

/// The sum of every element, by row then column. A plain `sum()` may be reduced with atomic
/// additions on GPU backends (wgpu autotunes between strategies), whose order — and so the last bits
/// of the result — changes from run to run; reductions along a dimension are deterministic.
fn sum_all(t: Tensor<2>) -> Tensor<1> {
    t.sum_dim(1).sum_dim(0).reshape([1])
}

fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_scalar::<f32>())
}

/// Pretrains every hidden layer of `model` greedily on `data` (`[n, d_in]`), on `device`
/// (autodiff is enabled on it for training). Deterministic for a given seed and device.
///
/// # Errors
/// [`InitError::Data`] for empty data, [`InitError::InvalidParameter`] for invalid options,
/// [`InitError::NonFinite`] if a loss becomes NaN or infinite.
pub fn pretrain_greedy<M: Layered>(
    mut model: M,
    data: Tensor<2>,
    config: &PretrainConfig,
    device: &Device,
) -> Result<(M, PretrainReport)> {
    config.validate()?;
    let [n, _] = data.dims();
    if n == 0 {
        return Err(InitError::Data("pretraining needs data".into()));
    }
    let ad = device.clone().autodiff();
    let rng = HostRng::new(config.seed);
    let data = data.inner();
    let all: Vec<usize> = (0..n).collect();
    let mut layers = Vec::new();
    for layer in 0..model.num_layers() {
        // Frozen outputs of the layers below.
        let (traces, _) = model.forward_trace(data.clone());
        let Some(trace) = traces.into_iter().nth(layer) else {
            return Err(InitError::Data(format!(
                "the model traced fewer layers than its {} hidden layers",
                model.num_layers()
            )));
        };
        let input = trace.input.inner();
        let weight = model.layer_weight(layer).inner();
        let bias = model.layer_bias(layer).map(|b| b.inner());
        let [d_in, d_out] = weight.dims();
        let layer_rng = rng.derive(layer as u64);
        let mean = input.clone().mean_dim(0).reshape([d_in]);
        let total = scalar(sum_all(
            input.clone().sub(mean.clone().unsqueeze()).square(),
        ));
        let recon = match config.reconstruction {
            Reconstruction::Auto => {
                let (lo, hi) = (scalar(input.clone().min()), scalar(input.clone().max()));
                if lo >= 0.0 && hi <= 1.0 {
                    Reconstruction::CrossEntropy
                } else {
                    Reconstruction::SquaredError
                }
            }
            r => r,
        };
        let decoder_bias = match recon {
            Reconstruction::SquaredError => mean.clone(),
            _ => {
                let m = mean.clone().clamp(1e-4, 1.0 - 1e-4);
                m.clone().div(m.neg().add_scalar(1.0)).log()
            }
        };
        let decoder_weight = if config.tied {
            None
        } else {
            let w = Init::GlorotUniform.sample(
                [d_out, d_in],
                Fans::linear(d_out, d_in)?,
                layer_rng.derive(0),
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
                decoder_bias.autodiff().require_grad(),
            ),
            activation: model.activation(layer),
        };
        let mut optim = match config.optimizer {
            PretrainOptimizer::Sgd => SgdConfig::new().init(),
            PretrainOptimizer::Adam => AdamConfig::new().init(),
        };
        // FVU on the clean inputs, in batches, one read-back.
        let fvu_of = |ae: &Autoencoder| -> f64 {
            let ae = ae.valid();
            let mut sse: Option<Tensor<1>> = None;
            for rows in all.chunks(1024) {
                let x = input.clone().select(0, index_tensor(rows, device));
                let xhat = reconstruct(ae.forward(x.clone()), recon);
                let s = sum_all(xhat.sub(x).square());
                sse = Some(match sse {
                    Some(a) => a + s,
                    None => s,
                });
            }
            sse.map_or(f64::NAN, scalar) / total.max(f64::MIN_POSITIVE)
        };
        let mut fvu = vec![fvu_of(&ae)];
        let mut epoch_losses = Vec::new();
        let mut stop = Stop::MaxEpochs;
        for epoch in 0..config.max_epochs {
            let perm = layer_rng.derive(1 + epoch as u64).permutation(n);
            let mut sum: Option<Tensor<1>> = None;
            let noise_rng = layer_rng.derive(1_000_000 + epoch as u64);
            for (b, rows) in perm.chunks(config.batch_size).enumerate() {
                let x = input.clone().select(0, index_tensor(rows, device));
                let noisy = if config.noise > 0.0 {
                    let mut keep = vec![0f32; rows.len() * d_in];
                    let stream = noise_rng.derive(b as u64);
                    let p = (config.noise * 4_294_967_296.0) as u64;
                    for (k, m) in keep.iter_mut().enumerate() {
                        *m = f32::from(u8::from(u64::from(stream.word(k as u64)) >= p));
                    }
                    let keep =
                        Tensor::<2>::from_data(TensorData::new(keep, [rows.len(), d_in]), device);
                    x.clone().mul(keep)
                } else {
                    x.clone()
                };
                let z = ae.forward(noisy.autodiff());
                let loss = loss_sum(z, x.autodiff(), recon).div_scalar((rows.len() * d_in) as f32);
                let l = loss.clone().inner().detach().mul_scalar(rows.len() as f32);
                sum = Some(match sum {
                    Some(s) => s + l,
                    None => l,
                });
                let grads = GradientsParams::from_grads(loss.backward(), &ae);
                ae = optim.step(config.lr, ae, grads);
            }
            let mean_loss = sum.map_or(f64::NAN, scalar) / n as f64;
            let f = fvu_of(&ae);
            if !(mean_loss.is_finite() && f.is_finite()) {
                return Err(InitError::NonFinite(format!(
                    "the reconstruction loss of layer {layer}, epoch {}",
                    epoch + 1
                )));
            }
            epoch_losses.push(mean_loss);
            let prev = fvu[fvu.len() - 1];
            fvu.push(f);
            if epoch + 1 >= config.min_epochs.max(1) && prev - f < config.plateau * prev {
                stop = Stop::Plateau;
                break;
            }
        }
        let w = ae.encoder.weight.val().inner();
        let b = ae.encoder.bias.as_ref().map(|b| b.val().inner());
        model = model.set_layer(layer, w, b);
        layers.push(PretrainLayer {
            layer,
            reconstruction: recon,
            epoch_losses,
            fvu,
            stop,
        });
    }
    Ok((model, PretrainReport { layers }))
}

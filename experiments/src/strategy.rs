//! How a model's weights are set before training: the extension point for data-dependent
//! initialization.

use burn::tensor::{Device, Tensor, TensorData};
use burn_init::signal::{self, LsuvConfig, PretrainConfig, PretrainReport};
use burn_init::{HostRng, Init, Source};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::mlp::{Mlp, MlpConfig};

/// An initialization strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InitStrategy {
    /// One initializer for the weights of every layer (hidden and output), zero biases.
    Plain(Init),
    /// LSUV (Mishkin & Matas 2015): orthogonal pre-initialization, then every hidden layer
    /// rescaled to unit output variance on a batch of training inputs (`burn_init::lsuv`).
    Lsuv,
    /// Greedy layer-wise autoencoder pretraining (Hinton & Salakhutdinov 2006) of every hidden
    /// layer on the training inputs, from a Glorot-uniform start (`burn_init::pretrain`).
    Pretrain,
}

/// Training inputs LSUV measures its variances on.
pub const LSUV_BATCH: usize = 1000;

/// Epochs of autoencoder training per hidden layer.
pub const PRETRAIN_EPOCHS: usize = 2;

impl InitStrategy {
    /// A plain initializer.
    pub fn plain(init: Init) -> Self {
        Self::Plain(init)
    }

    /// Parses an initializer name or alias of the library, or `lsuv`, or `pretrain` (alias
    /// `greedy`).
    ///
    /// # Errors
    /// An unknown name, listing the library's names.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "lsuv" => Self::Lsuv,
            "pretrain" | "greedy" => Self::Pretrain,
            _ => Self::Plain(Init::from_name(name)?),
        })
    }

    /// The name written to summaries (`he_normal`, `lsuv`, `pretrain`, …).
    pub fn name(&self) -> String {
        match self {
            Self::Plain(init) => init.stable_name(),
            Self::Lsuv => "lsuv".into(),
            Self::Pretrain => "pretrain".into(),
        }
    }

    /// The initializer the model is built with before any data-dependent step.
    pub fn base_init(&self) -> Init {
        match self {
            Self::Plain(init) => init.clone(),
            Self::Lsuv => Init::Orthogonal { gain: 1.0 },
            Self::Pretrain => Init::GlorotUniform,
        }
    }

    /// The pretraining of [`InitStrategy::Pretrain`]: [`PRETRAIN_EPOCHS`] epochs per layer,
    /// otherwise `PretrainConfig`'s defaults (no masking noise).
    pub fn pretrain_config(seed: u64) -> PretrainConfig {
        PretrainConfig {
            epochs: PRETRAIN_EPOCHS,
            seed,
            ..PretrainConfig::default()
        }
    }

    /// Whether building the model draws from Burn's (global) device generator: only
    /// pretraining with masking noise does (LSUV and plain initializers use the host generator).
    pub fn uses_device_rng(&self) -> bool {
        matches!(self, Self::Pretrain) && Self::pretrain_config(0).noise > 0.0
    }

    /// Builds the model on `device`, seeded: `Source::Host(HostRng::new(seed))`, so the weights
    /// are bit-identical on every device. `data` holds training inputs (`[n, d_input]`
    /// row-major) for the data-dependent strategies.
    ///
    /// # Errors
    /// Those of [`MlpConfig::init`], LSUV and pretraining.
    pub fn build(
        &self,
        config: &MlpConfig,
        seed: u64,
        device: &Device,
        data: &[f32],
    ) -> Result<(Mlp, Option<PretrainReport>)> {
        let config = MlpConfig {
            weight_init: self.base_init(),
            ..config.clone()
        };
        let rng = HostRng::new(seed);
        let model = config.init(Source::Host(rng), device)?;
        let d = config.d_input;
        let rows = data.len() / d.max(1);
        let inputs = |n: usize| {
            Tensor::<2>::from_data(TensorData::new(data[..n * d].to_vec(), [n, d]), device)
        };
        Ok(match self {
            Self::Plain(_) => (model, None),
            Self::Lsuv => {
                let lsuv = LsuvConfig {
                    pre_init: None,
                    source: Source::Host(rng.derive(1)),
                    ..LsuvConfig::default()
                };
                (
                    signal::lsuv(model, inputs(rows.min(LSUV_BATCH)), &lsuv, device)?.0,
                    None,
                )
            }
            Self::Pretrain => {
                let (model, report) = signal::pretrain_greedy(
                    model,
                    inputs(rows),
                    &Self::pretrain_config(seed),
                    device,
                )?;
                (model, Some(report))
            }
        })
    }
}

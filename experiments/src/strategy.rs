//! How a model's weights are set before training: the extension point for data-dependent
//! initialization.

use burn::tensor::Device;
use burn_init::{HostRng, Init, Mlp, MlpConfig, Source};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// An initialization strategy.
///
/// Today only [`InitStrategy::Plain`]`(Init)`. LSUV (`burn_init::lsuv`) and greedy layer-wise
/// pretraining (`burn_init::pretrain`) will be added as variants here, e.g.
/// `Lsuv { base: Init, .. }` and `Pretrain { base: Init, .. }`; they will need a batch of
/// training data, which [`InitStrategy::build`] already receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InitStrategy {
    /// One initializer for the weights of every layer (hidden and output), zero biases.
    Plain(Init),
}

impl InitStrategy {
    /// A plain initializer.
    pub fn plain(init: Init) -> Self {
        Self::Plain(init)
    }

    /// The name written to summaries (`he_normal`, …).
    pub fn name(&self) -> String {
        match self {
            Self::Plain(init) => init.stable_name(),
        }
    }

    /// Builds the model on `device`, seeded: `Source::Host(HostRng::new(seed))`, so the weights
    /// are bit-identical on every device. `_data` (a batch of training inputs, `[n, d_input]`
    /// row-major) is for data-dependent strategies.
    ///
    /// # Errors
    /// Those of [`MlpConfig::init`].
    pub fn build(
        &self,
        config: &MlpConfig,
        seed: u64,
        device: &Device,
        _data: &[f32],
    ) -> Result<Mlp> {
        match self {
            Self::Plain(init) => {
                let config = MlpConfig {
                    weight_init: init.clone(),
                    ..config.clone()
                };
                Ok(config.init(Source::Host(HostRng::new(seed)), device)?)
            }
        }
    }
}

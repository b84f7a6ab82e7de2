//! How a model's weights are set before training: the extension point for data-dependent
//! initialization.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Tensor, TensorData};
use burn_init::signal::{self, Layered, LsuvConfig, PretrainConfig, PretrainReport};
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
    /// rescaled to unit output variance on a batch of training inputs (`burn_init::signal::lsuv`).
    Lsuv,
    /// Greedy layer-wise autoencoder pretraining (Hinton & Salakhutdinov 2006) of every hidden
    /// layer on the training inputs, from a Glorot-uniform start (`burn_init::signal::pretrain_greedy`).
    Pretrain,
}

/// Training inputs LSUV measures its variances on.
pub const LSUV_BATCH: usize = 1000;

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

    /// The head of a Markdown table whose first column is `first` and which has one column per
    /// strategy (`| first | glorot_uniform | … |` and its rule line, without a final newline).
    pub fn table_head(first: &str, strategies: &[Self]) -> String {
        let names: Vec<String> = strategies.iter().map(Self::name).collect();
        format!(
            "| {first} | {} |\n|---|{}",
            names.join(" | "),
            "---|".repeat(strategies.len())
        )
    }

    /// The initializer the model is built with before any data-dependent step.
    pub fn base_init(&self) -> Init {
        match self {
            Self::Plain(init) => init.clone(),
            Self::Lsuv => Init::Orthogonal(burn_init::Orthogonal::default()),
            Self::Pretrain => Init::GlorotUniform,
        }
    }

    /// The pretraining of [`InitStrategy::Pretrain`]: `PretrainConfig`'s defaults (tied
    /// autoencoders, cross-entropy on inputs in [0, 1] and squared error on centred inputs
    /// otherwise, Adam, each layer trained to a plateau of its FVU: < 1 % relative improvement per
    /// epoch, 2–30 epochs; no masking noise), seeded.
    pub fn pretrain_config(seed: u64) -> PretrainConfig {
        PretrainConfig {
            seed,
            ..PretrainConfig::default()
        }
    }

    /// Whether building the model draws from Burn's (global) device generator: none does (LSUV,
    /// pretraining and plain initializers use the host generator).
    pub fn uses_device_rng(&self) -> bool {
        false
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
        if matches!(self, Self::Plain(_)) {
            return self.build_uncached(config, seed, device, data);
        }
        // Data-dependent strategies are deterministic in (strategy, network, seed, device, data)
        // and do not depend on the learning rate: a sweep over a learning-rate grid builds each
        // one once.
        let key = format!(
            "{}|{}|{seed}|{device:?}|{}|{:016x}",
            self.name(),
            serde_json::to_string(config).unwrap_or_default(),
            data.len(),
            fnv1a(data)
        );
        // The cache holds plain tensors and every caller gets fresh leaves: a cached autodiff
        // parameter stays alive for the whole process, and every graph it once took part in
        // with it — Burn's autodiff then scans all of them after each backward pass, which made
        // `all` (one process, many experiments) slower with every model it cached.
        if let Some((model, report, autodiff)) = build_cache()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned()
        {
            return Ok((fresh_leaves(model, autodiff), report));
        }
        let (model, report) = self.build_uncached(config, seed, device, data)?;
        let autodiff = model.layer_weight(0).is_autodiff();
        let plain = fresh_leaves(model, false);
        build_cache()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, (plain.clone(), report.clone(), autodiff));
        Ok((fresh_leaves(plain, autodiff), report))
    }

    fn build_uncached(
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

/// A built model (with plain tensors), its pretraining report, and whether its parameters
/// lived on an autodiff device.
type Cached = (Mlp, Option<PretrainReport>, bool);

/// Models built by data-dependent strategies in this process, by their inputs.
fn build_cache() -> &'static Mutex<HashMap<String, Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// `model` with every float parameter replaced by a new leaf tensor (same id and values), plain
/// or requiring gradients on the autodiff device: nothing of the graphs the old tensors took
/// part in is reachable from it.
fn fresh_leaves(model: Mlp, autodiff: bool) -> Mlp {
    struct Leaves(bool);
    impl ModuleMapper for Leaves {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let id = param.id;
            let t = param.val().inner();
            Param::initialized(
                id,
                if self.0 {
                    t.autodiff().require_grad()
                } else {
                    t
                },
            )
        }
    }
    model.map(&mut Leaves(autodiff))
}

/// FNV-1a over the bits of `data` (identifies a dataset within a process).
fn fnv1a(data: &[f32]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, x| {
        (h ^ u64::from(x.to_bits())).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

//! Layer-sequential unit-variance initialization (Mishkin & Matas 2015, "All you need is a good
//! init").
//!
//! Pre-initialize every layer (orthonormal by default), then, layer by layer from the input,
//! rescale the weight by `√(target/Var(output))` on a data batch until
//! `|Var(output) − target| < tol` or `max_iter` rescalings (reference defaults: tol 0.1,
//! 10 iterations). "Output" is the layer's pre-activation, as in the reference implementation.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::layered::{Layered, layer_trace};
use crate::error::{InitError, Result, at_least_one, positive};
use crate::init::{Init, Source, TensorInitExt};
use crate::scale::Fans;
use crate::structured::Orthogonal;

/// LSUV options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LsuvConfig {
    /// Target output variance (1).
    pub target_variance: f64,
    /// Tolerance on `|Var − target|` (0.1).
    pub tol: f64,
    /// Maximum rescalings per layer (10).
    pub max_iter: usize,
    /// Pre-initialization of the weights (`orthogonal` by default; `None` keeps the model's).
    pub pre_init: Option<Init>,
    /// Random source for the pre-initialization: layer `i` draws from its stream `i`
    /// ([`Source::stream`]).
    pub source: Source,
}

impl Default for LsuvConfig {
    fn default() -> Self {
        Self {
            target_variance: 1.0,
            tol: 0.1,
            max_iter: 10,
            pre_init: Some(Init::Orthogonal(Orthogonal::default())),
            source: Source::Device,
        }
    }
}

/// What LSUV did to one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsuvLayer {
    /// Layer index.
    pub layer: usize,
    /// Rescalings performed.
    pub iterations: usize,
    /// Output variance after the last rescaling, measured on the batch.
    pub final_variance: f64,
    /// Total factor applied to the (pre-initialized) weight.
    pub scale: f64,
}

/// LSUV's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsuvReport {
    /// One entry per hidden layer.
    pub layers: Vec<LsuvLayer>,
}

impl LsuvConfig {
    /// Checks the options.
    ///
    /// # Errors
    /// [`InitError::InvalidParameter`] naming `target_variance` or `tol` if not positive and
    /// finite in `f32`, or `max_iter` if 0. (The pre-initializer is an [`Init`], valid by
    /// construction.)
    pub fn validate(&self) -> Result<()> {
        positive("target_variance", self.target_variance)?;
        positive("tol", self.tol)?;
        at_least_one("max_iter", self.max_iter)?;
        Ok(())
    }
}

fn variance(t: Tensor<2>) -> f64 {
    let v: Vec<f64> = t.into_data().iter::<f32>().map(f64::from).collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|&x| (x - mean).powi(2)).sum::<f64>() / n
}

/// Runs LSUV on `model` with the data `batch` (`[batch, d_in]`).
///
/// # Errors
/// [`InitError::Data`] for an empty batch, those of [`LsuvConfig::validate`],
/// [`InitError::DeadLayer`] when a layer's output variance is 0, [`InitError::NonFinite`] when
/// it is not finite.
pub fn lsuv<M: Layered>(
    mut model: M,
    batch: Tensor<2>,
    config: &LsuvConfig,
    device: &Device,
) -> Result<(M, LsuvReport)> {
    if batch.dims()[0] == 0 || batch.dims()[1] == 0 {
        return Err(InitError::Data("LSUV needs a non-empty batch".into()));
    }
    config.validate()?;
    let batch = batch.inner();
    let n = model.num_layers();
    if let Some(init) = &config.pre_init {
        for layer in 0..n {
            let [d_in, d_out] = model.layer_weight(layer).dims();
            let source = config.source.stream(layer as u64);
            let w = init.sample([d_in, d_out], Fans::linear(d_in, d_out)?, source, device)?;
            let bias = model.layer_bias(layer).map(|b| b.inner());
            model = model.set_layer(layer, w, bias);
        }
    }
    let mut report = Vec::with_capacity(n);
    for layer in 0..n {
        let mut scale = 1.0;
        let mut iterations = 0;
        let measure = |m: &M| -> Result<f64> {
            let v = variance(layer_trace(m, batch.clone(), layer)?.pre.inner());
            if !v.is_finite() {
                return Err(InitError::NonFinite(format!("the output of layer {layer}")));
            }
            if v == 0.0 {
                return Err(InitError::DeadLayer { layer });
            }
            Ok(v)
        };
        let mut var = measure(&model)?;
        while (var - config.target_variance).abs() >= config.tol && iterations < config.max_iter {
            let factor = (config.target_variance / var).sqrt();
            let w = model.layer_weight(layer).inner().mul_scalar(factor);
            let bias = model.layer_bias(layer).map(|b| b.inner());
            model = model.set_layer(layer, w, bias);
            scale *= factor;
            iterations += 1;
            var = measure(&model)?;
        }
        report.push(LsuvLayer {
            layer,
            iterations,
            final_variance: var,
            scale,
        });
    }
    Ok((model, LsuvReport { layers: report }))
}

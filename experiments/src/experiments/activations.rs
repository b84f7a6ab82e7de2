//! `activations`: the forward and backward pass at initialization, measured over seeds and set
//! beside mean-field theory (Poole et al. 2016; Schoenholz et al. 2017).
//!
//! Inputs `N(0, 1)` of width 100 (a batch of 1,000), `--depth` hidden layers × `--width` units
//! (5 × 50 by default: the net of Glorot & Bengio's and the tutorial's figures), zero biases;
//! tanh, sigmoid and ReLU, each initialized small (`0.01·N(0,1)`), large (`N(0,1)`), LeCun
//! (`1/fan_in`), Glorot and He. For each of `--seeds` seeds (10 by default: new inputs, new
//! weights, random labels) and each hidden layer: the activation mean and std, the
//! pre-activation std, the saturated fraction (slope below 10 % of its maximum), the dead
//! fraction, and — through a backward pass of the summed cross-entropy against random labels,
//! computed on the host in f64 — the backpropagated signal `δ_l = ∂ℓ/∂h_l` and the per-example
//! weight-gradient norm `‖x_{l−1}‖·‖δ_l‖`.
//!
//! Mean-field theory predicts every one of these per layer: `q_l = σ_w² E[φ(h_{l−1})²]`,
//! `E[φ]`, `Var φ`, the saturated fraction `P(|h| > a_sat) = erfc(a_sat/√(2q_l))`, and backward
//! `E[δ_l²] = χ_l E[δ_{l+1}²]` with `χ_l = n_{l+1} Var(W_{l+1}) E[φ'(h_l)²]` (gradients grow
//! towards the input where `χ > 1`). The report prints each prediction beside the measurement
//! and flags measurements whose 95 % interval over seeds excludes the prediction (finite width
//! 50 is not infinite width).
//!
//! Claims (thresholds fixed here, before any run; see [`claims()`]): `small-vanishes`,
//! `large-saturates-tanh`, `large-saturates-sigmoid`, `xavier-keeps-tanh`, `he-keeps-relu`,
//! `he-keeps-relu-gradients`. Writes `activations.json`, `claims.json`, `std_vs_layer`,
//! `hist_<activation>_<init>` figures and `report.md`. No training.

use std::fmt::Write as _;

use burn::tensor::{Device, Tensor};
use burn_init::signal::{Layered, MeanFieldLayer, gaussian_mean, mean_field};
use burn_init::{Fans, HostRng, Init, Nonlinearity, TensorInitExt};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::Experiment;
use crate::Context;
use crate::claims::{self, Claim, ClaimText, Condition, Direction, Estimate, Guards, fmt};
use crate::error::Result;
use crate::figure::{HistogramPanel, LinePanel, Series, histogram_figure, line_figure};
use crate::mlp::MlpConfig;
use crate::record::{git_commit, write_atomic, write_json};

/// Default seeds: forward-pass claims are decided over at least 10.
pub const SEEDS: usize = 10;

/// Units per hidden layer at `--scale paper` (Glorot & Bengio 2010 §2: 1,000 per layer).
pub const PAPER_WIDTH: usize = 1000;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "activations",
    description: "the forward and backward pass at initialization: per-layer activation, saturation and \
                  gradient statistics of tanh, sigmoid and ReLU nets under small, large, LeCun, Glorot and \
                  He init, over seeds, beside mean-field predictions (no training)",
    matches: |n| n == "activations",
    run,
    details: Vec::new,
    epochs: None,
    seeds: Some(crate::protocol::FORWARD_SEEDS),
};

/// Input width of the study.
pub const INPUT: usize = 100;
/// Batch size of the forward pass.
pub const BATCH: usize = 1000;
/// Classes of the random labels the backward pass uses.
pub const CLASSES: usize = 10;
/// Histogram bins.
const BINS: usize = 40;

/// The per-layer factor below which the signal counts as vanishing: `std(L_l)/std(L_{l−1}) <
/// 1/2`. Mean-field factors: small weights ≈ √(n·10⁻⁴) ≈ 0.07 (tanh's linear regime); LeCun,
/// Glorot on tanh 0.7–0.9 (power-law decay at σ_w² ≈ 1); He on ReLU exactly 1. The bound sits in
/// the gap, so it decides nothing the theory leaves close.
pub const VANISH_FACTOR: f64 = 0.5;
/// The per-layer factor above which the signal counts as exploding (ReLU): `2 = 1/VANISH_FACTOR`.
pub const EXPLODE_FACTOR: f64 = 2.0;
/// The saturated fraction below which a layer counts as not saturated: 1/4. Mean-field
/// predictions: Glorot ≤ 0.12 and LeCun ≤ 0.07 (tanh, first layer) against ≥ 0.47 (sigmoid) and
/// ≥ 0.78 (tanh) for large weights; the bound sits in that gap.
pub const SATURATION_BOUND: f64 = 0.25;

/// The initializers compared, with the names used in the report.
pub fn inits() -> Vec<(&'static str, Init)> {
    vec![
        ("small", Init::SmallRandom),
        ("large", Init::LargeRandom),
        ("lecun", Init::LecunNormal),
        ("glorot", Init::GlorotUniform),
        ("he", Init::HeNormal),
    ]
}

/// The activations compared.
pub const ACTIVATIONS: [Nonlinearity; 3] = [
    Nonlinearity::Tanh,
    Nonlinearity::Sigmoid,
    Nonlinearity::Relu,
];

/// A histogram: `(low, high, counts)` over equal bins.
pub type Histogram = (f64, f64, Vec<u64>);

/// What one hidden layer measured on one seed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LayerMeasure {
    /// Mean of the activations.
    pub act_mean: f64,
    /// Std of the activations.
    pub act_std: f64,
    /// Std of the pre-activations.
    pub pre_std: f64,
    /// Fraction of pre-activations where the slope is below 10 % of its maximum.
    pub saturated: f64,
    /// Fraction of units that output exactly 0 for the whole batch.
    pub dead: f64,
    /// `E[δ_l²]`: mean square of the backpropagated signal `∂ℓ/∂h_l` (per example, summed loss).
    pub delta_ms: f64,
    /// Per-example squared weight-gradient norm `E_b[‖x_{l−1,b}‖² ‖δ_{l,b}‖²]`.
    pub grad_ms: f64,
}

/// What mean-field theory predicts for one hidden layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LayerPrediction {
    /// Pre-activation variance `q_l`.
    pub pre_variance: f64,
    /// `E[φ(h)]`.
    pub act_mean: f64,
    /// `√Var φ(h)`.
    pub act_std: f64,
    /// `P(|h| > a_sat)`, `h ~ N(0, q_l)` (0 without flat parts).
    pub saturated: f64,
    /// `E[δ_l²] / E[δ_L²]` (relative to the last hidden layer `L`).
    pub delta_ms_rel: f64,
    /// Per-example squared weight-gradient norm relative to the last hidden layer.
    pub grad_ms_rel: f64,
    /// `χ_l = n_{l+1} Var(W_{l+1}) E[φ'(h_l)²]` (backward gain from layer `l+1` to `l`; for the
    /// last hidden layer, towards the output layer).
    pub chi: f64,
}

/// One (activation, initializer) case over every seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Case {
    /// Activation.
    pub activation: Nonlinearity,
    /// Initializer name in the report.
    pub init: String,
    /// Its stable name in the library.
    pub init_name: String,
    /// `[seed][layer]` measurements.
    pub measured: Vec<Vec<LayerMeasure>>,
    /// Mean-field predictions per layer.
    pub predicted: Vec<LayerPrediction>,
    /// Histogram of each layer's activations on the first seed: `(low, high, counts)`.
    pub histograms: Vec<Histogram>,
}

impl Case {
    /// Hidden layers.
    pub fn depth(&self) -> usize {
        self.predicted.len()
    }

    /// `f(seed's layers)` for every seed.
    pub fn per_seed(&self, f: impl Fn(&[LayerMeasure]) -> f64) -> Vec<f64> {
        self.measured.iter().map(|m| f(m)).collect()
    }

    /// The estimate over seeds of `f` at layer `l`.
    pub fn estimate(&self, l: usize, f: impl Fn(&LayerMeasure) -> f64) -> Option<Estimate> {
        Estimate::of(&self.per_seed(|m| f(&m[l])))
    }

    /// The estimate over seeds of `√(f(layer l) / f(last hidden layer))`: a mean square at
    /// layer `l` as an rms ratio to the last hidden layer's.
    pub fn rms_relative_to_last(
        &self,
        l: usize,
        f: impl Fn(&LayerMeasure) -> f64,
    ) -> Option<Estimate> {
        let last = self.depth() - 1;
        Estimate::of(&self.per_seed(|m| (f(&m[l]) / f(&m[last])).sqrt()))
    }
}

/// Mean-field predictions for `depth` hidden layers of `widths` (`[input, hidden…, output]`)
/// initialized by `init`, inputs with `E[x²] = 1`, zero biases.
pub fn predictions(
    activation: Nonlinearity,
    init: &Init,
    widths: &[usize],
) -> Vec<LayerPrediction> {
    let layers = widths.len() - 2;
    let var = |l: usize| {
        Fans::linear(widths[l], widths[l + 1])
            .ok()
            .and_then(|f| init.variance(f))
            .unwrap_or(f64::NAN)
    };
    let sw2: Vec<(f64, f64)> = (0..layers)
        .map(|l| (widths[l] as f64 * var(l), 0.0))
        .collect();
    // No prediction (NaN) where the theory has none (an initializer without a variance).
    let forward = mean_field(activation, &sw2, 1.0).unwrap_or_else(|_| {
        let nan = f64::NAN;
        (0..layers)
            .map(|layer| MeanFieldLayer {
                layer,
                pre_variance: nan,
                act_mean: nan,
                act_std: nan,
            })
            .collect()
    });
    let std_normal = Normal::new(0.0, 1.0).ok();
    let saturated = |q: f64| match (activation.saturation_bound(), &std_normal) {
        (Some(b), Some(n)) if q > 0.0 => 2.0 * (1.0 - n.cdf(b / q.sqrt())),
        _ => 0.0,
    };
    let slope2 = |q: f64| match activation {
        Nonlinearity::Relu => 0.5,
        Nonlinearity::Identity => 1.0,
        a => gaussian_mean(q, |x| a.derivative_scalar(x).powi(2)).unwrap_or(f64::NAN),
    };
    // χ_l: from hidden layer l to l+1 (weight l+1, whose fan-out is widths[l+2]).
    let chi: Vec<f64> = (0..layers)
        .map(|l| widths[l + 2] as f64 * var(l + 1) * slope2(forward[l].pre_variance))
        .collect();
    // Second moments of each layer's input x_{l−1} (x_0: the data, E[x²] = 1).
    let m2 = |l: usize| {
        if l == 0 {
            1.0
        } else {
            let p = &forward[l - 1];
            p.act_std.powi(2) + p.act_mean.powi(2)
        }
    };
    let mut delta = vec![1.0; layers];
    for l in (0..layers.saturating_sub(1)).rev() {
        delta[l] = delta[l + 1] * chi[l];
    }
    let grad = |l: usize| widths[l] as f64 * m2(l) * widths[l + 1] as f64 * delta[l];
    let last = grad(layers - 1);
    (0..layers)
        .map(|l| LayerPrediction {
            pre_variance: forward[l].pre_variance,
            act_mean: forward[l].act_mean,
            act_std: forward[l].act_std,
            saturated: saturated(forward[l].pre_variance),
            delta_ms_rel: delta[l],
            grad_ms_rel: grad(l) / last,
            chi: chi[l],
        })
        .collect()
}

fn host(t: Tensor<2>) -> Vec<f64> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap_or_default()
        .into_iter()
        .map(f64::from)
        .collect()
}

/// Row-major `[rows, k] × [k, cols]ᵀ`: `a · bᵀ` where `b` is `[cols, k]`… written for the two
/// products the backward pass needs: `δ_{l+1} · W_{l+1}ᵀ` with `W` stored `[d_in, d_out]`.
fn times_transpose(delta: &[f64], rows: usize, w: &[f64], d_in: usize, d_out: usize) -> Vec<f64> {
    let mut out = vec![0.0; rows * d_in];
    for r in 0..rows {
        let drow = &delta[r * d_out..(r + 1) * d_out];
        for i in 0..d_in {
            let wrow = &w[i * d_out..(i + 1) * d_out];
            out[r * d_in + i] = drow.iter().zip(wrow).map(|(a, b)| a * b).sum();
        }
    }
    out
}

/// Measures one seed of one case: forward on `device`, statistics and the backward pass on the
/// host in f64. Returns per-layer measurements and per-layer activation histograms.
fn measure(
    activation: Nonlinearity,
    init: &Init,
    depth: usize,
    width: usize,
    seed: u64,
    device: &Device,
) -> Result<(Vec<LayerMeasure>, Vec<Histogram>)> {
    let rng = HostRng::new(seed);
    let x = Init::LargeRandom.sample([BATCH, INPUT], None, rng.derive(0), device)?;
    let config = MlpConfig::new(INPUT, vec![width; depth], CLASSES, activation, init.clone());
    let model = config.init(rng.derive(1), device)?;
    let labels: Vec<usize> = (0..BATCH)
        .map(|b| rng.derive(2).word(b as u64) as usize % CLASSES)
        .collect();
    let x_host = host(x.clone());
    let (traces, logits) = model.forward_trace(x);
    let logits = host(logits);
    let mut pre = Vec::with_capacity(depth);
    let mut post = Vec::with_capacity(depth);
    for t in traces {
        pre.push(host(t.pre));
        post.push(host(t.post));
    }
    let weights: Vec<Vec<f64>> = (0..depth)
        .map(|l| host(model.layer_weight(l)))
        .chain([host(model.output.weight.val())])
        .collect();
    let widths = config.widths();
    // Backward: δ_out = softmax − onehot (summed loss: each example's gradient on its own).
    let mut delta_out = vec![0.0; BATCH * CLASSES];
    for b in 0..BATCH {
        let row = &logits[b * CLASSES..(b + 1) * CLASSES];
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = row.iter().map(|v| (v - max).exp()).sum();
        for k in 0..CLASSES {
            delta_out[b * CLASSES + k] =
                (row[k] - max).exp() / z - f64::from(u8::from(labels[b] == k));
        }
    }
    let mut deltas = vec![Vec::new(); depth];
    let mut upstream = delta_out;
    for l in (0..depth).rev() {
        let (d_in, d_out) = (widths[l + 1], widths[l + 2]);
        let mut d = times_transpose(&upstream, BATCH, &weights[l + 1], d_in, d_out);
        for (v, h) in d.iter_mut().zip(&pre[l]) {
            *v *= activation.derivative_scalar(*h);
        }
        deltas[l] = d.clone();
        upstream = d;
    }
    let row_sq = |m: &[f64], cols: usize, b: usize| -> f64 {
        m[b * cols..(b + 1) * cols].iter().map(|v| v * v).sum()
    };
    let mut layers = Vec::with_capacity(depth);
    let mut hists = Vec::with_capacity(depth);
    for l in 0..depth {
        let n = pre[l].len() as f64;
        let units = widths[l + 1];
        let mean = post[l].iter().sum::<f64>() / n;
        let var = post[l].iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let pmean = pre[l].iter().sum::<f64>() / n;
        let pvar = pre[l].iter().map(|v| (v - pmean).powi(2)).sum::<f64>() / n;
        let saturated = activation.saturation_bound().map_or(0.0, |bound| {
            pre[l].iter().filter(|h| h.abs() > bound).count() as f64 / n
        });
        let dead = (0..units)
            .filter(|&j| (0..BATCH).all(|b| post[l][b * units + j] == 0.0))
            .count() as f64
            / units as f64;
        let (input, in_cols) = if l == 0 {
            (&x_host, INPUT)
        } else {
            (&post[l - 1], widths[l])
        };
        let grad_ms = (0..BATCH)
            .map(|b| row_sq(input, in_cols, b) * row_sq(&deltas[l], units, b))
            .sum::<f64>()
            / BATCH as f64;
        layers.push(LayerMeasure {
            act_mean: mean,
            act_std: var.sqrt(),
            pre_std: pvar.sqrt(),
            saturated,
            dead,
            delta_ms: deltas[l].iter().map(|v| v * v).sum::<f64>() / n,
            grad_ms,
        });
        let (lo, hi) = match activation {
            Nonlinearity::Tanh => (-1.0, 1.0),
            Nonlinearity::Sigmoid => (0.0, 1.0),
            _ => {
                let max = post[l].iter().copied().fold(0.0, f64::max);
                (0.0, if max > 0.0 { max } else { 1.0 })
            }
        };
        let mut counts = vec![0u64; BINS];
        for &v in &post[l] {
            let k = ((v - lo) / (hi - lo) * BINS as f64).floor();
            counts[(k.max(0.0) as usize).min(BINS - 1)] += 1;
        }
        hists.push((lo, hi, counts));
    }
    Ok((layers, hists))
}

/// Runs every case on `device` for `seeds` seeds from `first_seed`.
///
/// # Errors
/// An initializer that cannot fill a layer.
pub fn study(
    device: &Device,
    depth: usize,
    width: usize,
    first_seed: u64,
    seeds: usize,
) -> Result<Vec<Case>> {
    let widths: Vec<usize> = std::iter::once(INPUT)
        .chain(std::iter::repeat_n(width, depth))
        .chain([CLASSES])
        .collect();
    let mut cases = Vec::new();
    for activation in ACTIVATIONS {
        for (label, init) in inits() {
            let mut measured = Vec::with_capacity(seeds);
            let mut histograms = Vec::new();
            for k in 0..seeds {
                let (m, h) = measure(
                    activation,
                    &init,
                    depth,
                    width,
                    first_seed.wrapping_add(k as u64),
                    device,
                )?;
                if k == 0 {
                    histograms = h;
                }
                measured.push(m);
            }
            cases.push(Case {
                activation,
                init: label.into(),
                init_name: init.stable_name(),
                measured,
                predicted: predictions(activation, &init, &widths),
                histograms,
            });
        }
    }
    Ok(cases)
}

fn find<'a>(cases: &'a [Case], activation: Nonlinearity, init: &str) -> Option<&'a Case> {
    cases
        .iter()
        .find(|c| c.activation == activation && c.init == init)
}

/// Per layer `l ≥ 2`: the factor `std(L_l)/std(L_{l−1})` against `threshold`.
fn std_factor_conditions(case: &Case, threshold: f64, direction: Direction) -> Vec<Condition> {
    (1..case.depth())
        .map(|l| {
            let p = &case.predicted;
            Condition::decide(
                format!("layer {}: std(L{})/std(L{})", l + 1, l + 1, l),
                &case.per_seed(|m| m[l].act_std / m[l - 1].act_std),
                threshold,
                direction,
                Some(p[l].act_std / p[l - 1].act_std),
                &Guards::default(),
            )
        })
        .collect()
}

/// Per layer: the saturated fraction below [`SATURATION_BOUND`].
fn unsaturated_conditions(case: &Case) -> Vec<Condition> {
    (0..case.depth())
        .map(|l| {
            Condition::decide(
                format!("layer {}: saturated fraction", l + 1),
                &case.per_seed(|m| m[l].saturated),
                SATURATION_BOUND,
                Direction::Below,
                Some(case.predicted[l].saturated),
                &Guards::default(),
            )
        })
        .collect()
}

/// The claims, decided over the seeds of `cases` with the thresholds fixed in this module.
pub fn claims(cases: &[Case]) -> Vec<Claim> {
    let mut out = Vec::new();
    let vanish_reason = format!(
        "a layer shrinks the signal when std(L_l)/std(L_(l−1)) < {VANISH_FACTOR}; mean-field factors are ≈ 0.07 for \
         small weights (tanh's linear regime, √(n·10⁻⁴)), 0.7–0.9 for LeCun/Glorot on tanh and 1 for He on ReLU, \
         so the bound sits in the gap between the regimes"
    );
    let sat_reason = format!(
        "saturated = slope below 10 % of its maximum (tanh |a| > 1.818, sigmoid |a| > 3.637); a layer is \
         unsaturated below {SATURATION_BOUND}, between the mean-field predictions for Glorot (≤ 0.12) and large \
         weights (≥ 0.47)"
    );
    if let Some(small) = find(cases, Nonlinearity::Tanh, "small") {
        out.push(Claim::new(
            ClaimText {
                id: "small-vanishes",
                claim:
                    "small random weights (0.01·N(0,1)) make tanh activations vanish layer by layer"
                        .into(),
                source: "Glorot & Bengio 2010 §4; the tutorial",
                threshold_reason: vanish_reason.clone(),
                seeds: crate::protocol::FORWARD_SEEDS,
            },
            std_factor_conditions(small, VANISH_FACTOR, Direction::Below),
        ));
    }
    for (id, act) in [
        ("large-saturates-tanh", Nonlinearity::Tanh),
        ("large-saturates-sigmoid", Nonlinearity::Sigmoid),
    ] {
        let (Some(large), Some(glorot)) = (find(cases, act, "large"), find(cases, act, "glorot"))
        else {
            continue;
        };
        let conditions = (0..large.depth())
            .map(|l| {
                let diffs: Vec<f64> = large
                    .measured
                    .iter()
                    .zip(&glorot.measured)
                    .map(|(a, b)| a[l].saturated - b[l].saturated)
                    .collect();
                Condition::decide(
                    format!("layer {}: saturated fraction, large minus Glorot", l + 1),
                    &diffs,
                    0.0,
                    Direction::Above,
                    Some(large.predicted[l].saturated - glorot.predicted[l].saturated),
                    &Guards::default(),
                )
            })
            .collect();
        out.push(Claim::new(
            ClaimText {
                id,
                claim: format!(
                    "large random weights (N(0,1)) push {} into its flat regions, where Glorot scaling does not (every layer)",
                    act.name()
                ),
                source: "Glorot & Bengio 2010 §3–4; LeCun et al. 1998; the tutorial",
                threshold_reason: "comparative: per layer, the paired (same inputs) difference of saturated fractions \
                                   (slope below 10 % of its maximum) between large and Glorot weights must be above 0"
                    .into(),
                seeds: crate::protocol::FORWARD_SEEDS,
            },
            conditions,
        ));
    }
    if let Some(glorot) = find(cases, Nonlinearity::Tanh, "glorot") {
        let mut conditions = std_factor_conditions(glorot, VANISH_FACTOR, Direction::Above);
        conditions.extend(unsaturated_conditions(glorot));
        out.push(Claim::new(
            ClaimText {
                id: "xavier-keeps-tanh",
                claim: "Glorot/Xavier keeps the tanh signal: it neither vanishes nor saturates (every layer)"
                    .into(),
                source: "Glorot & Bengio 2010 §4.2",
                threshold_reason: format!("{vanish_reason}; {sat_reason}"),
                seeds: crate::protocol::FORWARD_SEEDS,
            },
            conditions,
        ));
    }
    if let Some(he) = find(cases, Nonlinearity::Relu, "he") {
        let mut conditions = std_factor_conditions(he, VANISH_FACTOR, Direction::Above);
        conditions.extend(std_factor_conditions(he, EXPLODE_FACTOR, Direction::Below));
        out.push(Claim::new(
            ClaimText {
                id: "he-keeps-relu",
                claim: "He keeps the ReLU signal: it neither vanishes nor explodes (every layer)".into(),
                source: "He et al. 2015 §2.2, Eq. 10",
                threshold_reason: format!(
                    "{vanish_reason}; exploding is the mirror bound, a factor above {EXPLODE_FACTOR}"
                ),
                seeds: crate::protocol::FORWARD_SEEDS,
            },
            conditions,
        ));
        let conditions = (0..he.depth().saturating_sub(1))
            .flat_map(|l| {
                let factors = he.per_seed(|m| (m[l].delta_ms / m[l + 1].delta_ms).sqrt());
                let p = &he.predicted;
                let predicted = (p[l].delta_ms_rel / p[l + 1].delta_ms_rel).sqrt();
                let metric = format!(
                    "layer {}: rms δ(L{})/rms δ(L{}) (backward)",
                    l + 1,
                    l + 1,
                    l + 2
                );
                [
                    Condition::decide(
                        metric.clone(),
                        &factors,
                        VANISH_FACTOR,
                        Direction::Above,
                        Some(predicted),
                        &Guards::default(),
                    ),
                    Condition::decide(
                        metric,
                        &factors,
                        EXPLODE_FACTOR,
                        Direction::Below,
                        Some(predicted),
                        &Guards::default(),
                    ),
                ]
            })
            .collect();
        out.push(Claim::new(
            ClaimText {
                id: "he-keeps-relu-gradients",
                claim: "He keeps the backpropagated ReLU signal: it neither vanishes nor explodes towards the input (every layer)"
                    .into(),
                source: "He et al. 2015 §2.2, Eq. 14 (χ = n·Var(w)·E[φ'²] = 1)",
                threshold_reason: "the same per-layer bounds as the forward signal (factors 1/2 and 2) on the root-mean-square \
                                   of δ_l = ∂ℓ/∂h_l; mean field predicts a factor of exactly 1 for He on equal widths"
                    .into(),
                seeds: crate::protocol::FORWARD_SEEDS,
            },
            conditions,
        ));
    }
    out
}

/// `std versus layer`, measured (mean over seeds, solid) and predicted (dashed, same color),
/// one line per initializer, one panel per activation (log scale).
pub fn std_panels(cases: &[Case]) -> Vec<LinePanel> {
    ACTIVATIONS
        .iter()
        .map(|act| {
            let series = cases
                .iter()
                .filter(|c| c.activation == *act)
                .enumerate()
                .flat_map(|(k, c)| {
                    let measured = (0..c.depth())
                        .map(|l| {
                            let v = c.estimate(l, |m| m.act_std).map_or(f64::NAN, |e| e.mean);
                            ((l + 1) as f64, v)
                        })
                        .collect();
                    let predicted = c
                        .predicted
                        .iter()
                        .enumerate()
                        .map(|(l, p)| ((l + 1) as f64, p.act_std))
                        .collect();
                    [
                        Series::new(c.init.clone(), measured).color(k),
                        Series::new("", predicted).dashed().color(k),
                    ]
                })
                .collect();
            LinePanel {
                title: act.name().into(),
                x_label: "hidden layer".into(),
                y_label: "activation std".into(),
                log_y: true,
                series,
                ..LinePanel::default()
            }
        })
        .collect()
}

/// Histograms of one case's activations on its first seed, one panel per hidden layer.
pub fn histogram_panels(c: &Case) -> Vec<HistogramPanel> {
    c.histograms
        .iter()
        .enumerate()
        .map(|(l, (low, high, counts))| {
            let std = c.measured.first().map_or(f64::NAN, |m| m[l].act_std);
            HistogramPanel {
                title: format!("layer {} (std {std:.2e})", l + 1),
                low: *low,
                high: *high,
                counts: counts.clone(),
            }
        })
        .collect()
}

/// `mean [lo, hi] (prediction)`, with `⚠` when the prediction lies outside the interval.
fn cell(e: Option<Estimate>, prediction: Option<f64>) -> (String, bool) {
    let Some(e) = e else {
        return ("—".into(), false);
    };
    let outside = prediction.is_some_and(|p| e.interval().is_some() && !e.contains(p));
    let mut s = match e.interval() {
        Some([lo, hi]) => format!("{} [{}, {}]", fmt(e.mean), fmt(lo), fmt(hi)),
        None => fmt(e.mean),
    };
    if let Some(p) = prediction {
        let _ = write!(s, " ({}{})", fmt(p), if outside { " ⚠" } else { "" });
    }
    (s, outside)
}

/// One table: rows = initializers, columns = layers, cells = `f` measured over seeds with the
/// prediction `g` beside it. Returns the table and how many cells were flagged.
fn layer_table(
    panel: &[&Case],
    f: impl Fn(&Case, usize) -> Option<Estimate>,
    g: impl Fn(&Case, usize) -> Option<f64>,
) -> (String, usize) {
    let depth = panel.first().map_or(0, |c| c.depth());
    let mut r = String::from("| init |");
    for l in 0..depth {
        let _ = write!(r, " layer {} |", l + 1);
    }
    let _ = writeln!(r, "\n|---|{}", "---|".repeat(depth));
    let mut flagged = 0;
    for c in panel {
        let _ = write!(r, "| {} (`{}`) |", c.init, c.init_name);
        for l in 0..depth {
            let (text, outside) = cell(f(c, l), g(c, l));
            flagged += usize::from(outside);
            let _ = write!(r, " {text} |");
        }
        r.push('\n');
    }
    (r, flagged)
}

/// The Markdown report.
pub fn report(cases: &[Case], claims: &[Claim], header: &str) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# activations: the forward and backward pass at initialization\n\n{header}\n"
    );
    let _ = writeln!(
        r,
        "## Protocol (fixed before the run)\n\n\
         - Per seed: new inputs `N(0, 1)` ({BATCH} × {INPUT}), new weights (host generator, bit-identical on every device), \
           random labels for the backward pass (cross-entropy summed over the batch, so each example's gradient is its own; \
           computed on the host in f64).\n\
         - Every number below is the mean over seeds with its 95 % interval (Student's t) and, in parentheses, the \
           mean-field prediction (infinite width). ⚠ marks a prediction outside the interval: finite width, or the \
           theory's assumptions failing (e.g. inputs to ReLU layers are not centred).\n\
         - Saturated: pre-activation where the slope is below 10 % of its maximum (tanh |a| > 1.818, sigmoid \
           |a| > 3.637); the same rule for both. Mean-field prediction: `P(|h| > a_sat) = erfc(a_sat / √(2 q_l))`.\n\
         - Backward: `δ_l = ∂ℓ/∂h_l`; mean field predicts `E[δ_l²] = χ_l E[δ_(l+1)²]` with \
           `χ_l = n_(l+1) Var(W_(l+1)) E[φ'(h_l)²]`; where `χ > 1` gradients grow towards the input (the chaotic \
           phase: large weights on tanh).\n\
         - Thresholds: vanishing below a per-layer factor {VANISH_FACTOR}, exploding above {EXPLODE_FACTOR}, unsaturated \
           below a saturated fraction of {SATURATION_BOUND}; each claim's line below says why.\n"
    );
    let _ = writeln!(
        r,
        "{}\n",
        crate::figure::markdown("activation std versus layer", "std_vs_layer")
    );
    let _ = writeln!(r, "## Claims\n\n{}", claims::table(claims));
    let mut flagged = 0;
    for act in ACTIVATIONS {
        let panel: Vec<&Case> = cases.iter().filter(|c| c.activation == act).collect();
        if panel.is_empty() {
            continue;
        }
        let _ = writeln!(r, "\n## {}\n", act.name());
        let tables: [(&str, (String, usize)); 5] = [
            (
                "Activation std",
                layer_table(
                    &panel,
                    |c, l| c.estimate(l, |m| m.act_std),
                    |c, l| Some(c.predicted[l].act_std),
                ),
            ),
            (
                "Saturated fraction",
                layer_table(
                    &panel,
                    |c, l| c.estimate(l, |m| m.saturated),
                    |c, l| Some(c.predicted[l].saturated),
                ),
            ),
            (
                "Dead fraction (units at 0 for the whole batch; no prediction)",
                layer_table(&panel, |c, l| c.estimate(l, |m| m.dead), |_, _| None),
            ),
            (
                "Backpropagated signal: rms δ_l relative to the last hidden layer",
                layer_table(
                    &panel,
                    |c, l| c.rms_relative_to_last(l, |m| m.delta_ms),
                    |c, l| Some(c.predicted[l].delta_ms_rel.sqrt()),
                ),
            ),
            (
                "Per-example weight-gradient norm ‖x_(l−1)‖·‖δ_l‖ relative to the last hidden layer",
                layer_table(
                    &panel,
                    |c, l| c.rms_relative_to_last(l, |m| m.grad_ms),
                    |c, l| Some(c.predicted[l].grad_ms_rel.sqrt()),
                ),
            ),
        ];
        for (title, (table, f)) in tables {
            flagged += f;
            let _ = writeln!(r, "### {title}\n\n{table}");
        }
        let _ = write!(
            r,
            "Mean-field χ per layer (backward gain; > 1: gradients grow towards the input):\n\n| init |"
        );
        let depth = panel[0].depth();
        for l in 0..depth {
            let _ = write!(r, " layer {} |", l + 1);
        }
        let _ = writeln!(r, "\n|---|{}", "---|".repeat(depth));
        for c in &panel {
            let _ = write!(r, "| {} |", c.init);
            for p in &c.predicted {
                let _ = write!(r, " {} |", fmt(p.chi));
            }
            r.push('\n');
        }
        r.push('\n');
        for c in &panel {
            let _ = writeln!(
                r,
                "{}\n",
                crate::figure::markdown(
                    &format!("{} {}", act.name(), c.init),
                    &format!("hist_{}_{}", act.name(), c.init)
                )
            );
        }
    }
    let _ = writeln!(
        r,
        "\n{flagged} measurement(s) have the mean-field prediction outside their 95 % interval (⚠ above)."
    );
    r
}

fn run(ctx: &Context) -> Result<()> {
    let o = &ctx.options;
    let start = std::time::Instant::now();
    let device = crate::device::open(o.device)?;
    let seeds = o.seeds();
    // Glorot & Bengio 2010 ran 1,000 units per layer; `--scale paper` does, unless --width is given.
    let width = if o.scale == crate::options::Scale::Paper && !o.was_given("width") {
        PAPER_WIDTH
    } else {
        o.width
    };
    let folder = crate::outdir::OutputFolder::claim(&o.out_dir("activations"), "activations")?;
    let cases = study(&device.device, o.depth, width, o.seed, seeds)?;
    let claims = claims(&cases);
    folder.begin()?;
    let out = folder.root().to_path_buf();
    let wall = start.elapsed().as_secs_f64();
    let header = format!(
        "Inputs: {BATCH} × {INPUT} standard normal; {} hidden layers × {} units; zero biases; {seeds} seed(s) from {}; \
         scale {}; device {}; git {}; wall time {wall:.2} s. Command: `{}`.",
        o.depth,
        width,
        o.seed,
        o.scale.name(),
        device.label(),
        git_commit(),
        crate::record::command_line(&ctx.command)
    );
    write_json(&out.join("activations.json"), &cases)?;
    write_json(&out.join("claims.json"), &claims)?;
    line_figure(
        &out,
        "std_vs_layer",
        "activation std per hidden layer (solid: measured, mean over seeds; dashed: mean field)",
        &std_panels(&cases),
        ACTIVATIONS.len(),
    )?;
    for c in &cases {
        let stem = format!("hist_{}_{}", c.activation.name(), c.init);
        let title = format!(
            "{}, {} init: activation histograms per layer (seed {})",
            c.activation.name(),
            c.init,
            o.seed
        );
        histogram_figure(&out, &stem, &title, &histogram_panels(c))?;
    }
    write_atomic(
        &out.join("report.md"),
        report(&cases, &claims, &header).as_bytes(),
    )?;
    claims::print(&claims);
    println!(
        "files: {}/{{activations.json, claims.json, std_vs_layer.{{svg,png}}, hist_*.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Status;

    #[test]
    fn predictions_match_closed_forms() {
        // He on ReLU: q constant, χ = 1, δ and per-example gradients constant across equal widths.
        let widths = [50, 50, 50, 50, 10];
        let p = predictions(Nonlinearity::Relu, &Init::HeNormal, &widths);
        for l in &p[..2] {
            assert!((l.chi - 1.0).abs() < 1e-12, "{l:?}");
            assert!((l.delta_ms_rel - 1.0).abs() < 1e-12);
        }
        assert!((p[0].pre_variance - 2.0).abs() < 1e-12);
        // Glorot on ReLU with equal widths: χ = n·(1/n)·½ = ½ per layer.
        let p = predictions(Nonlinearity::Relu, &Init::GlorotUniform, &widths);
        assert!((p[0].chi - 0.5).abs() < 1e-12 && (p[0].delta_ms_rel - 0.25).abs() < 1e-12);
        // Saturation: large weights on tanh, q₁ = 50 → P(|z| > 1.818/√50).
        let p = predictions(Nonlinearity::Tanh, &Init::LargeRandom, &widths);
        let z: f64 = 1.818_446_459_232_066_6 / 50f64.sqrt();
        let expected = 2.0 * (1.0 - Normal::new(0.0, 1.0).unwrap().cdf(z));
        assert!((p[0].saturated - expected).abs() < 1e-12);
    }

    #[test]
    fn small_init_vanishes_and_every_claim_is_decided_on_defaults() {
        let device = Device::flex();
        let cases = study(&device, 5, 50, 0, 10).unwrap();
        let small = find(&cases, Nonlinearity::Tanh, "small").unwrap();
        let (l1, l5) = (
            small.estimate(0, |m| m.act_std).unwrap().mean,
            small.estimate(4, |m| m.act_std).unwrap().mean,
        );
        assert!(l5 < 0.01 * l1, "layer-5 std {l5} vs layer 1's {l1}");
        let claims = claims(&cases);
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "small-vanishes",
                "large-saturates-tanh",
                "large-saturates-sigmoid",
                "xavier-keeps-tanh",
                "he-keeps-relu",
                "he-keeps-relu-gradients"
            ]
        );
        // The theory is clear on every one of them at the tutorial's net: none may be undecided.
        for c in &claims {
            assert_eq!(c.decision.status, Status::Confirmed, "{c:#?}");
        }
        let panels = std_panels(&cases);
        assert_eq!(panels.len(), 3);
        // Per activation: measured and predicted for each of the 5 initializers.
        assert!(panels.iter().all(|p| p.series.len() == 10 && p.log_y));
    }
}

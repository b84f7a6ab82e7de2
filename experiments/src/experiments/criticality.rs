//! `criticality`: the order-to-chaos transition of deep random tanh networks and dynamical
//! isometry, predicted by mean-field theory (`burn_init::signal::criticality`) and measured, at
//! initialization and in training.
//!
//! * **Correlation propagation** (Poole et al. 2016; Schoenholz et al. 2017): pairs of inputs
//!   with correlation `c₀` go through random tanh networks over a `(σ_w², σ_b²)` grid spanning
//!   both phases; the correlation of their pre-activations, layer by layer, against the mean-field
//!   prediction, and its measured depth scale `ξ_c` against the theory's. Claim
//!   `critical-line-tanh`: the measured depth scale peaks at the predicted critical `σ_w²`.
//! * **Dynamical isometry** (Pennington, Schoenholz & Ganguli 2017): the squared singular values
//!   of the input-output Jacobian `J = D_L W_L ⋯ D_1 W_1` of critical tanh and ReLU networks with
//!   orthogonal and Gaussian weights, versus depth, against the free-probability prediction of
//!   their spread. Claims `orthogonal-isometry-tanh` and `orthogonal-relu-spreads`.
//!
//! * **Trainability and training at criticality** ([`trainability`]): a `(σ_w², depth)` map of
//!   trained tanh nets with the theory's `6 ξ_c` curve over it (claim `trainable-depth-6xi`), and
//!   deep tanh nets at criticality with orthogonal versus Gaussian weights (claim
//!   `orthogonal-trains-faster-tanh`).
//!
//! `criticality-quick` runs the same protocol at toy sizes (for tests).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use burn::tensor::{DType, Device, Tensor, TensorCreationOptions, TensorData};
use burn_init::Nonlinearity;
use burn_init::signal::criticality::{
    FixedPoints, LayerState, MeanField, critical_weight_variance,
};
use burn_init::signal::gaussian_mean;
use burn_init::{HostRng, Init, InitError, TensorInitExt};
use serde::{Deserialize, Serialize};

use super::Experiment;
use crate::Context;
use crate::claims::{Claim, ClaimText, Condition, Direction, Estimate, Guards, SeedRule, fmt};
use crate::error::{Error, Result};
use crate::experiments::trainability;
use crate::figure::{
    Band, Heatmap, Layout, LinePanel, Marker, RefLine, Series, VerticalLine, heatmap, line_figure,
    line_figure_with, markdown,
};
use crate::options::Scale;
use crate::record::{git_commit, write_atomic, write_json};

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "criticality",
    description: "edge of chaos, no training: correlation propagation through random tanh nets over a \
                  (σ_w², σ_b²) grid and Jacobian spectra (orthogonal vs Gaussian) at criticality, \
                  beside mean-field predictions",
    matches: |n| n == "criticality" || n == QUICK,
    run,
    details: || {
        vec![format!(
            "{QUICK}: the same protocol at toy sizes (width 24, depth 12, 3 seeds), for tests"
        )]
    },
    epochs: None,
    seeds: Some(CRITICAL_SEEDS),
};

/// The claims of the untrained studies (correlation propagation and Jacobian spectra).
const UNTRAINED_CLAIMS: [&str; 3] = [
    "critical-line-tanh",
    "orthogonal-isometry-tanh",
    "orthogonal-relu-spreads",
];

/// Seeds of the untrained studies' claims: 10, then 20, then 30 while one is undecided (a
/// Bonferroni split of α = 0.05 over the three looks). The studies cost seconds per seed.
pub const CRITICAL_SEEDS: SeedRule = SeedRule::staged(&[10, 20, 30]);

/// The name of the small-scale variant.
pub const QUICK: &str = "criticality-quick";

/// The stems of the figures the untrained studies write (each as `.svg` and `.png`).
pub const FIGURES: [&str; 6] = [
    "correlation_vs_layer",
    "xi_c",
    "phase_diagram",
    "jacobian_quantiles",
    "jacobian_histograms",
    "jacobian_spread",
];

/// Standard deviations above which a correlation's distance from `c*` counts as signal.
pub const FLOOR_SIGMAS: f64 = 3.0;
/// The smallest `1 − c` resolved from `f32` pre-activations (`|u − v|²/2` of unit vectors whose
/// components carry `f32` rounding of `6·10⁻⁸`: far above their `10⁻¹⁴` floor).
pub const F32_FLOOR: f64 = 1e-9;
/// Layers a depth-scale fit needs. Raised from 3 to 10 after a pilot run (10 seeds, width 256):
/// fits on fewer layers scattered by factors of 10 between seeds in the chaotic phase.
pub const MIN_FIT_LAYERS: usize = 10;
/// Tolerance of `critical-line-tanh`, in `σ_w²`: one step of the weight-variance grid near the
/// critical values.
pub const CRITICAL_TOLERANCE: f64 = 0.25;

/// Everything the protocol fixes before the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Units per layer of the correlation study (and the input width).
    pub width: usize,
    /// Layers of the correlation study.
    pub depth: usize,
    /// Input pairs per `c₀` per seed.
    pub pairs: usize,
    /// Input correlations.
    pub c0: Vec<f64>,
    /// `σ_b²` of the grid.
    pub bias_variances: Vec<f64>,
    /// `σ_w²` of the grid.
    pub weight_variances: Vec<f64>,
    /// Units per layer of the Jacobian study.
    pub jacobian_width: usize,
    /// Depths at which Jacobian spectra are taken (the deepest is the network's depth).
    pub jacobian_depths: Vec<usize>,
    /// Inputs per seed of the Jacobian study.
    pub jacobian_inputs: usize,
    /// `σ_b²` of the critical tanh network of the Jacobian study.
    pub jacobian_bias_variance: f64,
    /// Seeds.
    pub seeds: Vec<u64>,
}

impl Settings {
    /// The defaults of `experiments criticality`.
    pub fn full(first_seed: u64, seeds: usize) -> Self {
        Self {
            width: 256,
            depth: 50,
            pairs: 4,
            c0: vec![0.2, 0.9],
            bias_variances: vec![0.01, 0.05, 0.1],
            weight_variances: vec![0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0],
            jacobian_width: 128,
            jacobian_depths: vec![1, 2, 4, 8, 16, 32, 64],
            jacobian_inputs: 2,
            jacobian_bias_variance: 0.05,
            seeds: (first_seed..first_seed + seeds as u64).collect(),
        }
    }

    /// Toy sizes (`criticality-quick`): the same code paths in a few seconds.
    pub fn quick(first_seed: u64, seeds: usize) -> Self {
        Self {
            width: 24,
            depth: 12,
            pairs: 2,
            c0: vec![0.2, 0.9],
            bias_variances: vec![0.05],
            weight_variances: vec![1.0, 1.75, 3.0],
            jacobian_width: 16,
            jacobian_depths: vec![1, 2, 4],
            jacobian_inputs: 1,
            jacobian_bias_variance: 0.05,
            seeds: (first_seed..first_seed + seeds.min(3) as u64).collect(),
        }
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the setting.
    pub fn validate(&self) -> Result<()> {
        let bad = |option: &'static str, reason: &str| {
            Err(Error::InvalidOption {
                option,
                value: String::new(),
                reason: reason.into(),
            })
        };
        if self.width < 2 || self.jacobian_width < 2 {
            return bad("width", "must be at least 2");
        }
        if self.depth < MIN_FIT_LAYERS {
            return bad("depth", "must be at least 3 layers");
        }
        if self.pairs == 0 || self.jacobian_inputs == 0 || self.seeds.is_empty() {
            return bad("seeds", "pairs, inputs and seeds must be at least 1");
        }
        if self.c0.iter().any(|c| !(-1.0 < *c && *c < 1.0)) {
            return bad("c0", "input correlations must lie in (-1, 1)");
        }
        if self.jacobian_depths.is_empty() || self.jacobian_depths.contains(&0) {
            return bad("jacobian-depths", "must be positive");
        }
        Ok(())
    }
}

fn theory_error(e: InitError) -> Error {
    Error::Init(InitError::Data(format!("mean-field theory: {e}")))
}

// ---------------------------------------------------------------------------------------------
// (a) Correlation propagation.

/// One input correlation `c₀` of one grid cell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Curve {
    /// Input correlation.
    pub c0: f64,
    /// Mean-field prediction, layers `1..=depth`.
    pub predicted: Vec<LayerState>,
    /// Measured correlation per seed and layer (mean over the input pairs).
    pub measured: Vec<Vec<f64>>,
    /// Measured pre-activation variance per seed and layer (mean over the inputs).
    pub measured_q: Vec<Vec<f64>>,
    /// The depth-scale fit per seed (`None`: fewer than [`MIN_FIT_LAYERS`] layers above the
    /// noise floor).
    pub fits: Vec<Option<Fit>>,
}

/// A fitted exponential approach `|c_l − c*| ∝ e^{−l/ξ}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// First layer fitted.
    pub first: usize,
    /// Last layer fitted.
    pub last: usize,
    /// Measured decay rate `1/ξ` (least-squares slope of `−ln|c_l − c*|`).
    pub rate: f64,
    /// The same fit on the same layers of the mean-field curve.
    pub rate_theory: f64,
}

/// One `(σ_w², σ_b²)` cell of the grid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// `σ_w²`.
    pub sigma_w2: f64,
    /// `σ_b²`.
    pub sigma_b2: f64,
    /// The theory's fixed points.
    pub theory: FixedPoints,
    /// The noise floor of `|c_l − c*|`.
    pub floor: f64,
    /// One curve per input correlation.
    pub curves: Vec<Curve>,
}

impl Cell {
    /// Per seed, the mean fitted decay rate over the input correlations that have a fit.
    pub fn rates(&self) -> Vec<Option<f64>> {
        self.per_seed(|f| f.rate)
    }

    /// Per seed, the mean-field curves' decay rate on the same windows.
    pub fn theory_rates(&self) -> Vec<Option<f64>> {
        self.per_seed(|f| f.rate_theory)
    }

    fn per_seed(&self, pick: impl Fn(&Fit) -> f64) -> Vec<Option<f64>> {
        let seeds = self.curves.first().map_or(0, |c| c.fits.len());
        (0..seeds)
            .map(|s| {
                let v: Vec<f64> = self
                    .curves
                    .iter()
                    .filter_map(|c| c.fits[s].as_ref().map(&pick))
                    .collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            })
            .collect()
    }
}

/// The noise floor of `|c_l − c*|`: [`FLOOR_SIGMAS`] standard deviations of a correlation
/// measured on `width` units of a Gaussian pair with correlation `c*`, `(1 − c*²)/√width`
/// (Fisher), and at least [`F32_FLOOR`]. In the ordered phase (`c* = 1`) only the latter remains:
/// `1 − c_l > 0` there for every pair, so its decay is measured down to `f32` resolution.
pub fn noise_floor(c_star: f64, width: usize) -> f64 {
    (FLOOR_SIGMAS * (1.0 - c_star * c_star).max(0.0) / (width as f64).sqrt()).max(F32_FLOOR)
}

/// The fit window and decay rate of distances `d` from the fixed point (layer `l + 1` is
/// `d[l]`): the window starts at the first layer where `d_l ≤ d_1/2` (past the transient, where
/// the map is close to linear about `c*`) and ends before the first layer, from there on, with
/// `d_l ≤ floor`; the rate is the least-squares slope of `−ln d_l` over it. Returns
/// `(rate, first, last)` (1-based layers), or `None` for fewer than [`MIN_FIT_LAYERS`] layers.
pub fn fit_rate(d: &[f64], floor: f64) -> Option<(f64, usize, usize)> {
    let half = d.first()? / 2.0;
    let start = d.iter().position(|&v| v <= half)?;
    let end = d[start..]
        .iter()
        .position(|&v| v.is_nan() || v <= floor)
        .map_or(d.len(), |k| start + k);
    (end >= start + MIN_FIT_LAYERS).then(|| (decay_rate(&d[start..end]), start + 1, end))
}

/// `−slope` of the least-squares line through `(l, ln d_l)`; every `d_l` must be positive.
fn decay_rate(d: &[f64]) -> f64 {
    let n = d.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = d.iter().map(|v| v.ln()).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in d.iter().enumerate() {
        let x = i as f64 - mx;
        sxy += x * (v.ln() - my);
        sxx += x * x;
    }
    -sxy / sxx
}

/// Inputs of the correlation study: for each `c₀` and pair, two rows `x_a`, `x_b` of width `n`
/// with `|x|²/n = 1` and `x_a·x_b/n = c₀` exactly (Gram–Schmidt on Gaussian draws from `rng`).
/// Row `2(k·pairs + p)` and the next are pair `p` of `c0[k]`.
///
/// # Errors
/// Only those of the initializer (none for these shapes).
pub fn input_pairs(c0: &[f64], pairs: usize, n: usize, rng: HostRng) -> Result<Vec<f32>> {
    let rows = 2 * c0.len() * pairs;
    let g = Init::LargeRandom.host_vec(&[rows, n], None, rng)?;
    let mut out = vec![0f32; rows * n];
    for (k, &c) in c0.iter().enumerate() {
        for p in 0..pairs {
            let r = 2 * (k * pairs + p);
            let a: Vec<f64> = g[r * n..(r + 1) * n]
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            let b: Vec<f64> = g[(r + 1) * n..(r + 2) * n]
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            let e1 = unit(&a);
            let dot: f64 = b.iter().zip(&e1).map(|(x, y)| x * y).sum();
            let e2 = unit(
                &b.iter()
                    .zip(&e1)
                    .map(|(x, y)| x - dot * y)
                    .collect::<Vec<_>>(),
            );
            let s = (n as f64).sqrt();
            let sc = (1.0 - c * c).sqrt();
            for i in 0..n {
                out[r * n + i] = (s * e1[i]) as f32;
                out[(r + 1) * n + i] = (s * (c * e1[i] + sc * e2[i])) as f32;
            }
        }
    }
    Ok(out)
}

fn unit(v: &[f64]) -> Vec<f64> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

/// Correlation of two rows (uncentred, as the theory's `q_ab/√(q_aa q_bb)`), computed as
/// `1 − |u − v|²/2` of the unit vectors, so `1 − c` keeps its digits near `c = 1`; returns
/// `(c, 1 − c, (q_a + q_b)/2)`.
fn pair_stats(a: &[f32], b: &[f32]) -> (f64, f64, f64) {
    let na = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let nb = b.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        return (f64::NAN, f64::NAN, 0.0);
    }
    let d2: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) / na - f64::from(y) / nb).powi(2))
        .sum();
    let one_minus = d2 / 2.0;
    let n = a.len() as f64;
    (1.0 - one_minus, one_minus, (na * na + nb * nb) / (2.0 * n))
}

/// Standard-normal weights and biases of one seed, `depth` layers of `width × width`
/// (stream `2l` for layer `l`'s weight, `2l + 1` for its bias): every cell of the grid scales the
/// same draws (common random numbers), `W = σ_w/√n · Z`, `b = σ_b · B`.
struct Draws {
    weights: Vec<Tensor<2>>,
    biases: Vec<Tensor<1>>,
}

fn draws(width: usize, depth: usize, rng: HostRng, device: &Device) -> Result<Draws> {
    let mut weights = Vec::with_capacity(depth);
    let mut biases = Vec::with_capacity(depth);
    for l in 0..depth as u64 {
        weights.push(Init::LargeRandom.sample([width, width], None, rng.derive(2 * l), device)?);
        biases.push(Init::LargeRandom.sample([width], None, rng.derive(2 * l + 1), device)?);
    }
    Ok(Draws { weights, biases })
}

/// The forward pass of `x` (`[batch, width]`) through the scaled draws; returns every layer's
/// pre-activations, layer-major (`[depth · batch · width]`), read back once.
fn forward_pre(
    d: &Draws,
    x: Tensor<2>,
    sigma_w2: f64,
    sigma_b2: f64,
    activation: Nonlinearity,
) -> Result<Vec<f32>> {
    let width = x.dims()[1];
    let (sw, sb) = ((sigma_w2 / width as f64).sqrt(), sigma_b2.sqrt());
    let mut x = x;
    let mut pres = Vec::with_capacity(d.weights.len());
    for (w, b) in d.weights.iter().zip(&d.biases) {
        let h = x.matmul(w.clone()).mul_scalar(sw) + b.clone().mul_scalar(sb).unsqueeze::<2>();
        x = activation.apply(h.clone());
        pres.push(h);
    }
    Tensor::cat(pres, 0)
        .into_data()
        .try_into_vec::<f32>()
        .map_err(|e| Error::Init(InitError::Data(format!("reading pre-activations: {e:?}"))))
}

/// Runs the correlation study.
///
/// # Errors
/// A theory computation that fails (not for tanh with `σ_b² > 0`) or a device error.
pub fn correlation_study(s: &Settings, device: &Device) -> Result<Vec<Cell>> {
    let (n, depth, pairs) = (s.width, s.depth, s.pairs);
    let batch = 2 * s.c0.len() * pairs;
    // The theory first: fixed points and the predicted trajectory of every cell and c₀.
    let mut cells = Vec::new();
    for &sb2 in &s.bias_variances {
        for &sw2 in &s.weight_variances {
            let net = MeanField::new(Nonlinearity::Tanh, sw2, sb2).map_err(theory_error)?;
            let theory = net.analyze().map_err(theory_error)?;
            let q1 = sw2 + sb2; // |x|²/n = 1
            let curves =
                s.c0.iter()
                    .map(|&c0| {
                        Ok(Curve {
                            c0,
                            predicted: net
                                .trajectory(q1, (sw2 * c0 + sb2) / q1, depth)
                                .map_err(theory_error)?,
                            measured: Vec::new(),
                            measured_q: Vec::new(),
                            fits: Vec::new(),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
            cells.push(Cell {
                sigma_w2: sw2,
                sigma_b2: sb2,
                floor: noise_floor(theory.c_star, n),
                theory,
                curves,
            });
        }
    }
    for &seed in &s.seeds {
        let rng = HostRng::new(seed);
        let d = draws(n, depth, rng, device)?;
        let x = input_pairs(&s.c0, pairs, n, rng.derive(1_000_000))?;
        let x = Tensor::<2>::from_data(TensorData::new(x, [batch, n]), device);
        for cell in &mut cells {
            let pre = forward_pre(
                &d,
                x.clone(),
                cell.sigma_w2,
                cell.sigma_b2,
                Nonlinearity::Tanh,
            )?;
            let c_star = cell.theory.c_star;
            for (k, curve) in cell.curves.iter_mut().enumerate() {
                let mut cs = Vec::with_capacity(depth);
                let mut qs = Vec::with_capacity(depth);
                let mut dev = Vec::with_capacity(depth);
                for l in 0..depth {
                    let (mut c_sum, mut om_sum, mut q_sum) = (0.0, 0.0, 0.0);
                    for p in 0..pairs {
                        let r = l * batch + 2 * (k * pairs + p);
                        let (c, om, q) =
                            pair_stats(&pre[r * n..(r + 1) * n], &pre[(r + 1) * n..(r + 2) * n]);
                        c_sum += c;
                        om_sum += om;
                        q_sum += q;
                    }
                    let c = c_sum / pairs as f64;
                    cs.push(c);
                    qs.push(q_sum / pairs as f64);
                    // Distance from c*: through 1 − c when c* = 1, to keep its digits.
                    dev.push(if c_star >= 1.0 {
                        om_sum / pairs as f64
                    } else {
                        (c - c_star).abs()
                    });
                }
                let fit = fit_rate(&dev, cell.floor).map(|(rate, first, last)| {
                    let th: Vec<f64> = curve.predicted[first - 1..last]
                        .iter()
                        .map(|st| (st.c - c_star).abs().max(f64::MIN_POSITIVE))
                        .collect();
                    Fit {
                        first,
                        last,
                        rate,
                        rate_theory: decay_rate(&th),
                    }
                });
                curve.measured.push(cs);
                curve.measured_q.push(qs);
                curve.fits.push(fit);
            }
        }
    }
    Ok(cells)
}

/// Per seed, the `σ_w²` where the decay rate `1/ξ_c` of a `σ_b²` row reaches 0: the line
/// through the rates (`rate` picks the measured ones or the mean-field curve's, fitted on the same
/// layers) of the two cells of the ordered phase (`χ₁ < 1`, where `c* = 1` is known exactly and
/// the fits are long) with the largest `σ_w²`, extrapolated linearly to zero (`1/ξ_c = −ln χ₁ ≈
/// 1 − χ₁` vanishes linearly at the critical point). `None` without two such cells with
/// decreasing positive rates.
pub fn zero_crossing(
    row: &[&Cell],
    seed: usize,
    rate: impl Fn(&Cell) -> Vec<Option<f64>>,
) -> Option<f64> {
    let mut ordered: Vec<(f64, f64)> = row
        .iter()
        .filter(|c| c.theory.chi_1 < 1.0)
        .filter_map(|c| rate(c)[seed].map(|r| (c.sigma_w2, r)))
        .collect();
    ordered.sort_by(|a, b| a.0.total_cmp(&b.0));
    let [.., (x1, r1), (x2, r2)] = ordered[..] else {
        return None;
    };
    (r1 > r2 && r2 > 0.0).then(|| x2 + r2 * (x2 - x1) / (r1 - r2))
}

/// [`zero_crossing`] of the measured rates.
pub fn rate_zero_crossing(row: &[&Cell], seed: usize) -> Option<f64> {
    zero_crossing(row, seed, Cell::rates)
}

/// `critical-line-tanh`: per `σ_b²` row and seed, the distance between the `σ_w²` where the
/// measured correlation depth scale diverges and where the mean-field curve's does, both found
/// by the same estimator on the same layers ([`zero_crossing`]), below [`CRITICAL_TOLERANCE`].
///
/// Comparing the measurement with the theory through the same estimator is what makes the claim
/// decidable: on a net of finite depth, the fitted rates near the transition include the
/// transient before the asymptotic rate `−ln χ₁`, and the mean-field curves have the same
/// transient, so the extrapolation from the two nearest ordered cells lands away from the
/// asymptotic critical `σ_w²` for the theory itself (at `σ_b²` = 0.05 about 1.93 against 1.761 on
/// the default grid). The report prints both the asymptotic critical value and where the theory,
/// through the estimator, places it.
///
/// # Errors
/// A theory computation that fails.
pub fn critical_line_claim(cells: &[Cell], seeds: usize, bias_variances: &[f64]) -> Result<Claim> {
    let mut conditions = Vec::new();
    for &sb2 in bias_variances {
        let row: Vec<&Cell> = cells.iter().filter(|c| c.sigma_b2 == sb2).collect();
        let crit = critical_weight_variance(Nonlinearity::Tanh, sb2).map_err(theory_error)?;
        let pairs: Vec<(f64, f64)> = (0..seeds)
            .filter_map(|s| {
                Some((
                    rate_zero_crossing(&row, s)?,
                    zero_crossing(&row, s, Cell::theory_rates)?,
                ))
            })
            .collect();
        let values: Vec<f64> = pairs.iter().map(|(m, t)| (m - t).abs()).collect();
        let theory_at = Estimate::of(&pairs.iter().map(|p| p.1).collect::<Vec<_>>())
            .map_or("—".into(), |e| fmt(e.mean));
        let mut guards = Guards::default();
        if pairs.len() < seeds {
            guards.degenerate = Some(format!(
                "{} of {seeds} seeds have no two ordered cells with fitted, decreasing rates",
                seeds - pairs.len()
            ));
        }
        conditions.push(Condition::decide(
            format!(
                "σ_b² = {sb2}: |σ_w² where the measured 1/ξ_c reaches 0 − where the mean-field curve's, fitted alike, \
                 does ({theory_at}; the asymptotic critical σ_w² is {})|",
                fmt(crit)
            ),
            &values,
            CRITICAL_TOLERANCE,
            Direction::Below,
            Some(0.0),
            &guards,
        ));
    }
    Ok(Claim::new(
        ClaimText {
            id: "critical-line-tanh",
            claim:
                "the correlation depth scale ξ_c of random tanh nets diverges where mean-field theory puts the \
                    order-to-chaos transition (χ₁ = 1), seen through the same finite-depth fit"
                    .into(),
            source: "Schoenholz et al. 2017, Deep Information Propagation, Fig. 1–3",
            threshold_reason: format!(
                "one step ({CRITICAL_TOLERANCE}) of the σ_w² grid near the critical values: the decay rates 1/ξ_c of the \
                 two ordered cells nearest the transition, extrapolated linearly to 0, place the divergence between grid \
                 points, for the measurement and for the mean-field curves fitted on the same layers alike; a step is \
                 the resolution the grid was built with"
            ),
            seeds: CRITICAL_SEEDS,
        },
        conditions,
    ))
}

// ---------------------------------------------------------------------------------------------
// (c) Jacobian spectra.

/// Weight matrices of the Jacobian study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightKind {
    /// `σ_w · O`, `O` Haar-orthogonal ([`Init::Orthogonal`]).
    Orthogonal,
    /// Entries `N(0, σ_w²/n)`.
    Gaussian,
}

impl WeightKind {
    /// `orthogonal`, `gaussian`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Orthogonal => "orthogonal",
            Self::Gaussian => "gaussian",
        }
    }

    /// The normalized variance `s` of the spectrum of `W Wᵀ/σ_w²`: 0 orthogonal, 1 Gaussian
    /// (Marchenko–Pastur, square).
    pub fn spectrum_variance(self) -> f64 {
        match self {
            Self::Orthogonal => 0.0,
            Self::Gaussian => 1.0,
        }
    }
}

/// Statistics of one spectrum of `JJᵀ` (the squared singular values `λ` of `J`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectrumStats {
    /// Mean of `λ`.
    pub mean: f64,
    /// `Var(λ)/mean²`.
    pub relative_variance: f64,
    /// 5 % quantile.
    pub q05: f64,
    /// Median.
    pub q50: f64,
    /// 95 % quantile.
    pub q95: f64,
    /// Largest `λ`.
    pub max: f64,
    /// Fraction of `λ` below `10⁻¹²·max` (exact zeros of ReLU nets, up to rounding).
    pub zero_fraction: f64,
}

impl SpectrumStats {
    /// The statistics of `lambda` (any order).
    pub fn of(lambda: &[f64]) -> Self {
        let mut v = lambda.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        let max = v.last().copied().unwrap_or(0.0);
        Self {
            mean,
            relative_variance: var / (mean * mean),
            q05: quantile(&v, 0.05),
            q50: quantile(&v, 0.5),
            q95: quantile(&v, 0.95),
            max,
            zero_fraction: v.iter().filter(|&&x| x <= 1e-12 * max).count() as f64 / n,
        }
    }
}

/// The `p` quantile of sorted values (linear interpolation).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] * (1.0 - f) + sorted[j] * f
}

/// One network family of the Jacobian study at one depth.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DepthSpectrum {
    /// Depth `L`.
    pub depth: usize,
    /// Per seed, the statistics of each input's spectrum, averaged over the inputs.
    pub per_seed: Vec<SpectrumStats>,
    /// Every `λ` of every seed and input (for the histograms and pooled quantiles).
    pub lambdas: Vec<f64>,
    /// Free-probability prediction of `Var(λ)/mean²`: `L·(μ₂/μ₁² − 1 + s)`.
    pub predicted_relative_variance: f64,
}

/// One network family of the Jacobian study.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpectrumFamily {
    /// Activation.
    pub activation: Nonlinearity,
    /// Weights.
    pub weights: WeightKind,
    /// `σ_w²` (critical).
    pub sigma_w2: f64,
    /// `σ_b²`.
    pub sigma_b2: f64,
    /// The pre-activation variance the inputs start at (`q*`; 1 for ReLU, which keeps any `q`).
    pub q: f64,
    /// `χ₁ = σ_w² μ₁`, the predicted mean of `λ` per layer.
    pub chi_1: f64,
    /// `μ₁ = E[φ'(h)²]` at `q`.
    pub mu1: f64,
    /// `μ₂ = E[φ'(h)⁴]` at `q`.
    pub mu2: f64,
    /// One entry per depth.
    pub depths: Vec<DepthSpectrum>,
}

/// The four families: critical tanh (`σ_b²` of the settings) and ReLU (`σ_w² = 2`, `σ_b² = 0`),
/// each with orthogonal and Gaussian weights.
///
/// # Errors
/// A theory computation that fails.
pub fn families(s: &Settings) -> Result<Vec<SpectrumFamily>> {
    let sb2 = s.jacobian_bias_variance;
    let tanh_w2 = critical_weight_variance(Nonlinearity::Tanh, sb2).map_err(theory_error)?;
    let tanh_q = MeanField::new(Nonlinearity::Tanh, tanh_w2, sb2)
        .and_then(|m| m.q_star())
        .map_err(theory_error)?;
    let mut out = Vec::new();
    for (activation, sw2, sb2, q) in [
        (Nonlinearity::Tanh, tanh_w2, sb2, tanh_q),
        (Nonlinearity::Relu, 2.0, 0.0, 1.0),
    ] {
        let d = |x: f64| activation.derivative_scalar(x);
        let mu1 = gaussian_mean(q, |x| d(x).powi(2)).map_err(theory_error)?;
        let mu2 = gaussian_mean(q, |x| d(x).powi(4)).map_err(theory_error)?;
        for weights in [WeightKind::Orthogonal, WeightKind::Gaussian] {
            out.push(SpectrumFamily {
                activation,
                weights,
                sigma_w2: sw2,
                sigma_b2: sb2,
                q,
                chi_1: sw2 * mu1,
                mu1,
                mu2,
                depths: s
                    .jacobian_depths
                    .iter()
                    .map(|&depth| DepthSpectrum {
                        depth,
                        per_seed: Vec::new(),
                        lambdas: Vec::new(),
                        predicted_relative_variance: depth as f64
                            * (mu2 / (mu1 * mu1) - 1.0 + weights.spectrum_variance()),
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

fn f64_matrix(v: Vec<f64>, rows: usize, cols: usize, host: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(v, [rows, cols]),
        TensorCreationOptions::new(host.clone()).with_dtype(DType::F64),
    )
}

/// Sweeps of the one-sided Jacobi method at most (it converges quadratically, in 6–12 sweeps
/// for these sizes).
const JACOBI_SWEEPS: usize = 60;

/// The singular values of the row-major `rows × cols` matrix `a`, in descending order, by the
/// one-sided Jacobi method (Hestenes 1958): plane rotations orthogonalize the columns pairwise
/// until every pair is orthogonal to `rows · ε` relative to their norms; the singular values are
/// then the column norms. Backward stable (errors of order `rows·ε·σ_max`, tested), and more
/// accurate than that for small singular values of column-scaled matrices (Demmel & Veselić
/// 1992); exact zero columns (ReLU) stay zero.
///
/// Hand-written because the crates that offer it cost too much here: `faer` 0.24 and `nalgebra`
/// 0.35 (with `std`, needed for its fast matrix product) turn on `num-complex/std`, which rebuilds
/// all of Burn's backends; and Burn's own `linalg::svd` (host bidiagonal QR) does not converge on
/// some of these matrices (16 × 16 ReLU Jacobians, 60 sweeps).
pub fn singular_values(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    // Column-major copy: column j is u[j·rows .. (j+1)·rows].
    let mut u = vec![0.0; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            u[j * rows + i] = a[i * cols + j];
        }
    }
    let tol = rows as f64 * f64::EPSILON;
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    for _ in 0..JACOBI_SWEEPS {
        let mut rotated = false;
        for p in 0..cols {
            for q in p + 1..cols {
                let (left, right) = u.split_at_mut(q * rows);
                let (up, uq) = (&mut left[p * rows..(p + 1) * rows], &mut right[..rows]);
                let (alpha, beta, gamma) = (dot(up, up), dot(uq, uq), dot(up, uq));
                if gamma == 0.0 || gamma.abs() <= tol * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for (x, y) in up.iter_mut().zip(uq.iter_mut()) {
                    let (xp, yq) = (*x, *y);
                    *x = c * xp - s * yq;
                    *y = s * xp + c * yq;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let mut sv: Vec<f64> = u.chunks(rows).map(|col| dot(col, col).sqrt()).collect();
    sv.sort_by(|a, b| b.total_cmp(a));
    sv
}

/// Runs the Jacobian study: for each seed and family, a real forward pass on `device` of
/// `jacobian_inputs` inputs (scaled so that `q¹ = q`), then on the host (`flex`, `f64`) the
/// products `W_1 D_1 ⋯ W_l D_l` (Burn's row-vector layout; the transpose of `D_l W_lᵀ ⋯`, with the
/// same singular values) and their singular values ([`singular_values`]) at each depth.
///
/// # Errors
/// An initializer or device error.
pub fn jacobian_study(s: &Settings, device: &Device) -> Result<Vec<SpectrumFamily>> {
    let mut fams = families(s)?;
    let n = s.jacobian_width;
    let depth = s.jacobian_depths.iter().copied().max().unwrap_or(1);
    let host = Device::flex();
    for &seed in &s.seeds {
        let rng = HostRng::new(seed).derive(2_000_000);
        for fam in &mut fams {
            // Weights (one stream per kind, shared by tanh and ReLU), biases, inputs.
            let stream = |l: u64| {
                rng.derive(match fam.weights {
                    WeightKind::Orthogonal => 3 * l,
                    WeightKind::Gaussian => 3 * l + 1,
                })
            };
            let sw = fam.sigma_w2.sqrt();
            let mut weights = Vec::with_capacity(depth);
            let mut pres = Vec::with_capacity(depth);
            let x0 =
                Init::LargeRandom.host_vec(&[s.jacobian_inputs, n], None, rng.derive(u64::MAX))?;
            // |x|²/n = (q − σ_b²)/σ_w², so that q¹ = q.
            let target = ((fam.q - fam.sigma_b2) / fam.sigma_w2).max(0.0).sqrt();
            let x0: Vec<f32> = x0
                .chunks(n)
                .flat_map(|row| {
                    let norm =
                        (row.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / n as f64).sqrt();
                    row.iter()
                        .map(move |&v| (f64::from(v) / norm * target) as f32)
                        .collect::<Vec<_>>()
                })
                .collect();
            let mut x = Tensor::<2>::from_data(TensorData::new(x0, [s.jacobian_inputs, n]), device);
            for l in 0..depth as u64 {
                let init = match fam.weights {
                    WeightKind::Orthogonal => Init::Orthogonal(burn_init::Orthogonal::new(sw)?),
                    WeightKind::Gaussian => {
                        Init::Normal(burn_init::Normal::new(0.0, sw / (n as f64).sqrt())?)
                    }
                };
                let w = init.host_vec(&[n, n], None, stream(l))?;
                let b = if fam.sigma_b2 > 0.0 {
                    Init::Normal(burn_init::Normal::new(0.0, fam.sigma_b2.sqrt())?).host_vec(
                        &[n],
                        None,
                        rng.derive(3 * l + 2),
                    )?
                } else {
                    vec![0.0; n]
                };
                let wt = Tensor::<2>::from_data(TensorData::new(w.clone(), [n, n]), device);
                let bt = Tensor::<1>::from_data(TensorData::new(b, [n]), device);
                let h = x.matmul(wt) + bt.unsqueeze::<2>();
                x = fam.activation.apply(h.clone());
                pres.push(h);
                weights.push(w);
            }
            let pre = Tensor::cat(pres, 0)
                .into_data()
                .try_into_vec::<f32>()
                .map_err(|e| {
                    Error::Init(InitError::Data(format!("reading pre-activations: {e:?}")))
                })?;
            let batch = s.jacobian_inputs;
            let mut per_depth: Vec<Vec<SpectrumStats>> = vec![Vec::new(); fam.depths.len()];
            for input in 0..batch {
                let mut m: Option<Tensor<2>> = None;
                for (l, w) in weights.iter().enumerate() {
                    let row = &pre[(l * batch + input) * n..(l * batch + input + 1) * n];
                    let dphi: Vec<f64> = row
                        .iter()
                        .map(|&h| fam.activation.derivative_scalar(f64::from(h)))
                        .collect();
                    let wl = f64_matrix(w.iter().map(|&v| f64::from(v)).collect(), n, n, &host);
                    let dl = f64_matrix(dphi, 1, n, &host);
                    let next = match m.take() {
                        None => wl * dl,
                        Some(prev) => prev.matmul(wl) * dl,
                    };
                    if let Some(k) = fam.depths.iter().position(|d| d.depth == l + 1) {
                        let a = next
                            .clone()
                            .into_data()
                            .try_into_vec::<f64>()
                            .map_err(|e| {
                                Error::Init(InitError::Data(format!("Jacobian: {e:?}")))
                            })?;
                        let lambda: Vec<f64> =
                            singular_values(&a, n, n).iter().map(|s| s * s).collect();
                        per_depth[k].push(SpectrumStats::of(&lambda));
                        fam.depths[k].lambdas.extend(lambda);
                    }
                    m = Some(next);
                }
            }
            for (k, stats) in per_depth.into_iter().enumerate() {
                fam.depths[k].per_seed.push(average(&stats));
            }
        }
    }
    Ok(fams)
}

fn average(stats: &[SpectrumStats]) -> SpectrumStats {
    let n = stats.len() as f64;
    let avg = |f: fn(&SpectrumStats) -> f64| stats.iter().map(f).sum::<f64>() / n;
    SpectrumStats {
        mean: avg(|s| s.mean),
        relative_variance: avg(|s| s.relative_variance),
        q05: avg(|s| s.q05),
        q50: avg(|s| s.q50),
        q95: avg(|s| s.q95),
        max: avg(|s| s.max),
        zero_fraction: avg(|s| s.zero_fraction),
    }
}

fn family(
    fams: &[SpectrumFamily],
    (activation, weights): (Nonlinearity, WeightKind),
) -> Option<&SpectrumFamily> {
    fams.iter()
        .find(|f| f.activation == activation && f.weights == weights)
}

/// Per seed, `Var(λ)/mean²` at the deepest depth of `a` minus that of `b`.
fn spread_difference(a: &SpectrumFamily, b: &SpectrumFamily) -> Vec<f64> {
    match (a.depths.last(), b.depths.last()) {
        (Some(x), Some(y)) => x
            .per_seed
            .iter()
            .zip(&y.per_seed)
            .map(|(p, q)| p.relative_variance - q.relative_variance)
            .collect(),
        _ => Vec::new(),
    }
}

/// A claim that the Jacobian spectrum of the family `a` (activation and weights) spreads less
/// ([`Direction::Below`]) or more ([`Direction::Above`]) than that of `b` at the deepest depth:
/// `Var(λ)/mean²` of `JJᵀ`, `a` minus `b` seed by seed against 0, with the theory's difference as
/// the prediction. `what` names the difference in the metric; `text` gets `a`'s family (whose
/// variances a claim may name). `None` when `fams` lacks either family.
fn spread_ordering(
    fams: &[SpectrumFamily],
    a: (Nonlinearity, WeightKind),
    b: (Nonlinearity, WeightKind),
    what: &str,
    direction: Direction,
    text: impl FnOnce(&SpectrumFamily) -> ClaimText,
) -> Option<Claim> {
    let (a, b) = (family(fams, a)?, family(fams, b)?);
    let depth = a.depths.last().map_or(0, |d| d.depth);
    let prediction = match (a.depths.last(), b.depths.last()) {
        (Some(x), Some(y)) => Some(x.predicted_relative_variance - y.predicted_relative_variance),
        _ => None,
    };
    Some(Claim::new(
        text(a),
        vec![Condition::decide(
            format!("depth {depth}: Var(λ)/mean² of JJᵀ, {what}"),
            &spread_difference(a, b),
            0.0,
            direction,
            prediction,
            &Guards::default(),
        )],
    ))
}

/// `orthogonal-isometry-tanh` and `orthogonal-relu-spreads`.
pub fn isometry_claims(fams: &[SpectrumFamily]) -> Vec<Claim> {
    use Nonlinearity::{Relu, Tanh};
    use WeightKind::{Gaussian, Orthogonal};
    let isometry = spread_ordering(
        fams,
        (Tanh, Orthogonal),
        (Tanh, Gaussian),
        "orthogonal minus Gaussian",
        Direction::Below,
        |orth| ClaimText {
            id: "orthogonal-isometry-tanh",
            claim: format!(
                "at criticality (σ_w² = {}, σ_b² = {}), orthogonal weights keep the Jacobian's \
                 squared singular values of a deep tanh net more concentrated than Gaussian weights",
                fmt(orth.sigma_w2),
                orth.sigma_b2
            ),
            source: "Pennington, Schoenholz & Ganguli 2017, Resurrecting the sigmoid, Fig. 4",
            threshold_reason: "0: the claim is an ordering (orthogonal spread below Gaussian), \
                               compared seed by seed on the same inputs"
                .into(),
            seeds: CRITICAL_SEEDS,
        },
    );
    let relu_spreads = spread_ordering(
        fams,
        (Relu, Orthogonal),
        (Tanh, Orthogonal),
        "orthogonal ReLU minus orthogonal tanh",
        Direction::Above,
        |_| ClaimText {
            id: "orthogonal-relu-spreads",
            claim: "orthogonal weights do not make a critical ReLU net (σ_w² = 2) isometric: \
                    its Jacobian spectrum spreads more than a critical tanh net's"
                .into(),
            source: "Pennington, Schoenholz & Ganguli 2017, Resurrecting the sigmoid, §2.4",
            threshold_reason: "0: an ordering (ReLU spread above tanh spread), both with \
                               orthogonal weights, seed by seed"
                .into(),
            seeds: CRITICAL_SEEDS,
        },
    );
    [isometry, relu_spreads].into_iter().flatten().collect()
}

// ---------------------------------------------------------------------------------------------
// Figures: one function per figure, described as data and drawn by `crate::figure` (SVG + PNG).

/// The mean over seeds and its 95 % interval (NaN where there are no values).
fn mean_interval(values: &[f64]) -> (f64, f64, f64) {
    match Estimate::of(values) {
        Some(e) => (e.mean, e.lo.unwrap_or(e.mean), e.hi.unwrap_or(e.mean)),
        None => (f64::NAN, f64::NAN, f64::NAN),
    }
}

/// `ξ` drawn for a decay rate that is not positive (no decay: `ξ = ∞`): far above every axis,
/// so it lands on the top edge.
const XI_BEYOND: f64 = 1e12;

/// `ξ = 1/rate`; [`XI_BEYOND`] for a rate that is not positive, NaN for none.
fn xi_of_rate(rate: f64) -> f64 {
    if rate.is_nan() {
        f64::NAN
    } else if rate > 0.0 {
        1.0 / rate
    } else {
        XI_BEYOND
    }
}

fn find_cell(cells: &[Cell], sigma_w2: f64, sigma_b2: f64) -> Option<&Cell> {
    cells
        .iter()
        .find(|c| c.sigma_w2 == sigma_w2 && c.sigma_b2 == sigma_b2)
}

/// Correlation versus layer: one small panel per cell (rows `σ_b²`, columns `σ_w²`), the
/// mean-field prediction as lines and the measured mean over seeds with its 95 % interval as
/// dots and bars, one colour per `c₀`. Written to `out/correlation_vs_layer.{svg,png}`.
///
/// # Errors
/// A figure that cannot be drawn or written.
pub fn correlation_figure(out: &Path, cells: &[Cell], s: &Settings) -> Result<()> {
    let (rows, cols) = (s.bias_variances.len(), s.weight_variances.len());
    // One y range for every panel: [min(0, lowest value) − 0.05, 1.05].
    let lowest = cells
        .iter()
        .flat_map(|c| &c.curves)
        .flat_map(|k| {
            k.predicted
                .iter()
                .map(|st| st.c)
                .chain(k.measured.iter().flatten().copied())
        })
        .filter(|v| v.is_finite())
        .fold(0.0, f64::min);
    let mut panels = Vec::new();
    for (r, &sb2) in s.bias_variances.iter().enumerate() {
        for (col, &sw2) in s.weight_variances.iter().enumerate() {
            let (mut series, mut predicted) = (Vec::new(), Vec::new());
            for (k, curve) in find_cell(cells, sw2, sb2)
                .map_or(&[][..], |c| &c.curves)
                .iter()
                .enumerate()
            {
                let (points, errors) = (0..s.depth)
                    .map(|l| {
                        let v: Vec<f64> = curve
                            .measured
                            .iter()
                            .filter_map(|m| m.get(l).copied())
                            .collect();
                        let (m, lo, hi) = mean_interval(&v);
                        (((l + 1) as f64, m), (lo, hi))
                    })
                    .unzip();
                series.push(
                    Series::new(format!("c_0 = {}", curve.c0), points)
                        .points_only(Marker::Dot)
                        .errors(errors)
                        .color(k),
                );
                predicted.push(Series::new(
                    "",
                    curve
                        .predicted
                        .iter()
                        .enumerate()
                        .map(|(l, st)| ((l + 1) as f64, st.c))
                        .collect(),
                ));
            }
            // The predictions on top of the measurements, grey and dashed.
            for p in predicted {
                series.push(p.dashed().color(7));
            }
            if r == 0 && col == 0 {
                series.push(Series::new("mean field", Vec::new()).dashed().color(7));
            }
            panels.push(LinePanel {
                title: format!("σ_w² = {}", fmt(sw2)),
                x_label: if r + 1 == rows {
                    "layer l".into()
                } else {
                    String::new()
                },
                y_label: if col == 0 {
                    format!("c_l  (σ_b² = {})", fmt(sb2))
                } else {
                    String::new()
                },
                series,
                x_range: Some((0.5, s.depth as f64 + 0.5)),
                y_range: Some((lowest - 0.05, 1.05)),
                ..LinePanel::default()
            });
        }
    }
    line_figure_with(
        out,
        "correlation_vs_layer",
        "tanh: correlation c_l of the pre-activations of two inputs vs layer, rows σ_b², \
         columns σ_w² (dots: measured, mean and 95 % interval over seeds; dashed: mean field)",
        &panels,
        Layout::columns(cols).panel_size(190.0, 165.0),
    )
}

/// The correlation depth scale versus `σ_w²`, one panel per `σ_b²`: the theory's `ξ_c` (line),
/// the theory curve fitted like the measurement (open squares), the measured `ξ_c` (the mean of
/// the per-seed decay rates, inverted, with the inverted 95 % interval), and the predicted
/// critical `σ_w²` (dashed). Written to `out/xi_c.{svg,png}`.
///
/// # Errors
/// A figure that cannot be drawn or written.
pub fn xi_figure(
    out: &Path,
    cells: &[Cell],
    s: &Settings,
    dense: &[(f64, f64, f64)],
) -> Result<()> {
    let panels: Vec<LinePanel> = s
        .bias_variances
        .iter()
        .map(|&sb2| {
            let theory = dense
                .iter()
                .filter(|d| d.1 == sb2)
                .map(|d| (d.0, d.2.min(XI_BEYOND)))
                .collect();
            let (mut measured, mut errors, mut fitted) = (Vec::new(), Vec::new(), Vec::new());
            for cell in cells.iter().filter(|c| c.sigma_b2 == sb2) {
                let rates: Vec<f64> = cell.rates().into_iter().flatten().collect();
                let (m, lo, hi) = mean_interval(&rates);
                measured.push((cell.sigma_w2, xi_of_rate(m)));
                errors.push((xi_of_rate(hi), xi_of_rate(lo)));
                let th: Vec<f64> = cell.theory_rates().into_iter().flatten().collect();
                fitted.push((cell.sigma_w2, xi_of_rate(mean_interval(&th).0)));
            }
            LinePanel {
                title: format!("σ_b² = {}", fmt(sb2)),
                x_label: "σ_w²".into(),
                y_label: "ξ_c (layers)".into(),
                log_y: true,
                series: vec![
                    Series::new("ξ_c, mean field", theory).color(7),
                    Series::new("mean-field curve fitted like the data", fitted)
                        .points_only(Marker::Square)
                        .color(2),
                    Series::new("ξ_c measured (95 % interval)", measured)
                        .points_only(Marker::Dot)
                        .errors(errors)
                        .color(0),
                ],
                vertical_lines: critical_weight_variance(Nonlinearity::Tanh, sb2)
                    .map(|x| VerticalLine {
                        label: "predicted critical σ_w²".into(),
                        x,
                        color: Some(1),
                    })
                    .into_iter()
                    .collect(),
                y_range: Some((0.3, 1000.0)),
                ..LinePanel::default()
            }
        })
        .collect();
    line_figure(
        out,
        "xi_c",
        "tanh: correlation depth scale ξ_c vs σ_w² (log scale; values beyond 1000, and no decay, \
         at the top edge)",
        &panels,
        panels.len(),
    )
}

/// `log10 ξ_c` shown for a cell whose measured decay rate is not positive (written "∞").
const PHASE_NO_DECAY: f64 = 100.0;

/// The phase diagram: the measured `ξ_c` over the `(σ_w², σ_b²)` grid as coloured cells (log
/// scale, largest `σ_b²` on top), with the predicted critical line `χ₁ = 1` (`line`: pairs
/// `(σ_b², σ_w²)`) drawn over it. Written to `out/phase_diagram.{svg,png}`.
///
/// # Errors
/// A figure that cannot be drawn or written.
pub fn phase_figure(out: &Path, cells: &[Cell], s: &Settings, line: &[(f64, f64)]) -> Result<()> {
    let mut rows: Vec<f64> = s.bias_variances.clone();
    rows.sort_by(|a, b| b.total_cmp(a));
    let ws = &s.weight_variances;
    let values: Vec<Vec<Option<f64>>> = rows
        .iter()
        .map(|&sb2| {
            ws.iter()
                .map(|&sw2| {
                    let rates: Vec<f64> = find_cell(cells, sw2, sb2)?
                        .rates()
                        .into_iter()
                        .flatten()
                        .collect();
                    let (m, _, _) = mean_interval(&rates);
                    let xi = xi_of_rate(m);
                    if xi.is_nan() {
                        None
                    } else if xi >= XI_BEYOND {
                        Some(PHASE_NO_DECAY)
                    } else {
                        Some(xi.log10())
                    }
                })
                .collect()
        })
        .collect();
    let top = values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .filter(|&v| v < PHASE_NO_DECAY)
        .fold(1.0, f64::max);
    // Cell units: the centre of column c is c + 0.5, of display row r (top first) r + 0.5.
    let column = |sw2: f64| {
        ws.windows(2).enumerate().find_map(|(i, w)| {
            (w[0] <= sw2 && sw2 <= w[1]).then(|| i as f64 + 0.5 + (sw2 - w[0]) / (w[1] - w[0]))
        })
    };
    let row = |sb2: f64| {
        rows.windows(2).enumerate().find_map(|(i, b)| {
            (b[1] <= sb2 && sb2 <= b[0]).then(|| i as f64 + 0.5 + (b[0] - sb2) / (b[0] - b[1]))
        })
    };
    let curve: Vec<(f64, f64)> = if rows.len() == 1 {
        // One row: the critical σ_w² as a vertical stroke across it.
        line.first()
            .and_then(|&(_, sw2)| column(sw2))
            .map(|x| vec![(x, 0.0), (x, 1.0)])
            .unwrap_or_default()
    } else {
        line.iter()
            .filter_map(|&(sb2, sw2)| Some((column(sw2)?, row(sb2)?)))
            .collect()
    };
    heatmap(
        out,
        "phase_diagram",
        &Heatmap {
            title: "tanh: measured correlation depth scale ξ_c (colour: log scale; ∞: no decay) \
                    and the predicted critical line"
                .into(),
            x_label: "σ_w²".into(),
            y_label: "σ_b²".into(),
            row_labels: rows.iter().map(|&b| fmt(b)).collect(),
            col_labels: ws.iter().map(|&w| fmt(w)).collect(),
            values,
            value_range: (0.0, (top * 2.0).ceil() / 2.0),
            annotate: Some(|v| {
                if v >= PHASE_NO_DECAY {
                    "∞".into()
                } else {
                    format!("{:.1}", 10f64.powf(v))
                }
            }),
            overlay: Some(Series::new("predicted critical line (χ_1 = 1)", curve)),
        },
    )
}

/// `family name`, e.g. `tanh orthogonal`.
fn family_name(f: &SpectrumFamily) -> String {
    format!("{} {}", f.activation.name(), f.weights.name())
}

/// Depths of the Jacobian study (the x ticks of its figures).
fn depth_ticks(fams: &[SpectrumFamily]) -> Vec<f64> {
    fams.first()
        .map(|f| f.depths.iter().map(|d| d.depth as f64).collect())
        .unwrap_or_default()
}

/// Quantiles of the pooled squared singular values versus depth, one panel per family,
/// log–log: the 5–95 % and 25–75 % ranges as bands, the median as a line, `λ = 1` dashed.
/// Written to `out/jacobian_quantiles.{svg,png}`.
///
/// # Errors
/// A figure that cannot be drawn or written.
pub fn quantiles_figure(out: &Path, fams: &[SpectrumFamily]) -> Result<()> {
    let quantiles: Vec<Vec<(f64, [f64; 5])>> = fams
        .iter()
        .map(|f| {
            f.depths
                .iter()
                .map(|d| {
                    let mut v = d.lambdas.clone();
                    v.sort_by(f64::total_cmp);
                    let q = [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| quantile(&v, p));
                    (d.depth as f64, q)
                })
                .collect()
        })
        .collect();
    // One y range for every panel, whole decades around the positive quantiles (at least
    // 10⁻¹²).
    let positive = quantiles
        .iter()
        .flatten()
        .flat_map(|(_, q)| q.iter().copied())
        .filter(|&v| v > 0.0 && v.is_finite());
    let (lo, hi) = positive.fold((f64::INFINITY, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let lo = lo.clamp(1e-12, 1.0);
    let y_range = (
        10f64.powf(lo.log10().floor()),
        10f64.powf(hi.log10().ceil()),
    );
    let panels: Vec<LinePanel> = fams
        .iter()
        .zip(&quantiles)
        .map(|(f, qs)| {
            let band = |label: &str, a: usize, b: usize, opacity: f64| Band {
                label: label.into(),
                points: qs.iter().map(|(x, q)| (*x, q[a], q[b])).collect(),
                color: Some(0),
                opacity,
            };
            LinePanel {
                title: family_name(f),
                x_label: "depth L".into(),
                y_label: "λ".into(),
                log_x: true,
                log_y: true,
                series: vec![
                    Series::new("median", qs.iter().map(|(x, q)| (*x, q[2])).collect())
                        .marker(Marker::Dot)
                        .color(0),
                ],
                bands: vec![band("5–95 %", 0, 4, 0.18), band("25–75 %", 1, 3, 0.35)],
                reference_lines: vec![RefLine {
                    label: "λ = 1".into(),
                    y: 1.0,
                }],
                y_range: Some(y_range),
                x_ticks: depth_ticks(fams),
                ..LinePanel::default()
            }
        })
        .collect();
    line_figure(
        out,
        "jacobian_quantiles",
        "squared singular values λ of the input-output Jacobian at criticality: quantiles vs \
         depth, pooled over seeds and inputs (values below the axis, as ReLU's zeros, on its \
         bottom edge)",
        &panels,
        panels.len(),
    )
}

/// Histograms of `log10 λ` at each depth, one panel per family, one colour per depth: the
/// fraction of all `λ` (zeros included in the total, left out of the bins) in each of 48 bins
/// over `[-8, 4]` (values outside in the edge bins). Written to
/// `out/jacobian_histograms.{svg,png}`.
///
/// # Errors
/// A figure that cannot be drawn or written.
pub fn histograms_figure(out: &Path, fams: &[SpectrumFamily]) -> Result<()> {
    let (lo, hi) = (-8.0f64, 4.0f64);
    let bins = 48;
    let panels: Vec<LinePanel> = fams
        .iter()
        .map(|f| {
            let series = f
                .depths
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    let mut counts = vec![0usize; bins];
                    for v in d.lambdas.iter().filter(|&&v| v > 0.0) {
                        let b = ((v.log10() - lo) / (hi - lo) * bins as f64).floor();
                        counts[(b.max(0.0) as usize).min(bins - 1)] += 1;
                    }
                    let total = d.lambdas.len().max(1) as f64;
                    let points = counts
                        .iter()
                        .enumerate()
                        .map(|(b, &c)| {
                            (
                                lo + (b as f64 + 0.5) / bins as f64 * (hi - lo),
                                c as f64 / total,
                            )
                        })
                        .collect();
                    Series::new(format!("L = {}", d.depth), points).color(k)
                })
                .collect();
            LinePanel {
                title: family_name(f),
                x_label: "log10 λ".into(),
                y_label: "fraction of λ per bin".into(),
                series,
                x_range: Some((lo, hi)),
                x_ticks: (-4..=2).map(|k| f64::from(2 * k)).collect(),
                ..LinePanel::default()
            }
        })
        .collect();
    line_figure(
        out,
        "jacobian_histograms",
        "histograms of log10 λ (squared singular values of the Jacobian), pooled over seeds and \
         inputs; zeros left out of the bins, counted in the total; values beyond the axis in its \
         edge bins",
        &panels,
        panels.len(),
    )
}

/// `Var(λ)/mean²` versus depth per family, log–log: measured (mean over seeds with its 95 %
/// interval) and the free-probability prediction `L(μ₂/μ₁² − 1 + s)` (dashed, same colour).
/// Written to `out/jacobian_spread.{svg,png}`.
///
/// # Errors
/// A figure that cannot be drawn or written.
pub fn spread_figure(out: &Path, fams: &[SpectrumFamily]) -> Result<()> {
    let mut series = Vec::new();
    for (k, f) in fams.iter().enumerate() {
        let (measured, errors): (Vec<_>, Vec<_>) = f
            .depths
            .iter()
            .map(|d| {
                let v: Vec<f64> = d.per_seed.iter().map(|p| p.relative_variance).collect();
                let (m, lo, hi) = mean_interval(&v);
                ((d.depth as f64, m), (lo, hi))
            })
            .unzip();
        series.push(
            Series::new(family_name(f), measured)
                .marker(Marker::Dot)
                .errors(errors)
                .color(k),
        );
        let predicted = f
            .depths
            .iter()
            .map(|d| (d.depth as f64, d.predicted_relative_variance))
            .collect();
        series.push(Series::new("", predicted).dashed().color(k));
    }
    series.push(
        Series::new("free probability", Vec::new())
            .dashed()
            .color(7),
    );
    let panel = LinePanel {
        x_label: "depth L".into(),
        y_label: "Var(λ)/mean²".into(),
        log_x: true,
        log_y: true,
        series,
        x_ticks: depth_ticks(fams),
        ..LinePanel::default()
    };
    line_figure_with(
        out,
        "jacobian_spread",
        "spread of the Jacobian spectrum: Var(λ)/mean² vs depth (solid with dots: measured, 95 % \
         interval over seeds; dashed: free probability)",
        &[panel],
        Layout::columns(1).panel_size(560.0, 400.0),
    )
}

// ---------------------------------------------------------------------------------------------
// The run.

/// Everything `criticality.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    /// The protocol.
    pub settings: Settings,
    /// Predicted critical `σ_w²` per `σ_b²` of the grid.
    pub critical: Vec<(f64, f64)>,
    /// The correlation study.
    pub cells: Vec<Cell>,
    /// The Jacobian study.
    pub spectra: Vec<SpectrumFamily>,
    /// Seconds spent on the theory, the correlation study and the Jacobian study.
    pub seconds: [f64; 3],
}

/// Runs both studies and writes every file to `out`: `criticality.json`, `claims.json`,
/// `report.md` and the figures. Returns the claims.
///
/// # Errors
/// Invalid settings, a theory or device error, or a file that cannot be written.
pub fn run_study(
    s: &Settings,
    device: &Device,
    device_label: &str,
    out: &Path,
    command: &str,
    training: Option<(Vec<Claim>, String)>,
) -> Result<Vec<Claim>> {
    s.validate()?;
    let start = Instant::now();
    std::fs::create_dir_all(out).map_err(crate::error::io(out))?;
    // Theory curves for the figures.
    let t0 = Instant::now();
    let critical: Vec<(f64, f64)> = s
        .bias_variances
        .iter()
        .map(|&b| critical_weight_variance(Nonlinearity::Tanh, b).map(|w| (b, w)))
        .collect::<std::result::Result<_, _>>()
        .map_err(theory_error)?;
    let (bmin, bmax) = (
        s.bias_variances
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min),
        s.bias_variances.iter().copied().fold(0.0, f64::max),
    );
    let line: Vec<(f64, f64)> = (0..=24)
        .map(|i| bmin + (bmax - bmin) * i as f64 / 24.0)
        .map(|b| critical_weight_variance(Nonlinearity::Tanh, b).map(|w| (b, w)))
        .collect::<std::result::Result<_, _>>()
        .map_err(theory_error)?;
    let (wmin, wmax) = (
        s.weight_variances.first().copied().unwrap_or(0.5),
        s.weight_variances.last().copied().unwrap_or(4.0),
    );
    let mut dense = Vec::new();
    for &b in &s.bias_variances {
        for i in 0..=60 {
            let w = wmin + (wmax - wmin) * i as f64 / 60.0;
            let xi = MeanField::new(Nonlinearity::Tanh, w, b)
                .and_then(|m| m.analyze())
                .map_err(theory_error)?
                .xi_c;
            dense.push((w, b, xi));
        }
    }
    let theory_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let cells = correlation_study(s, device)?;
    let corr_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let spectra = jacobian_study(s, device)?;
    let jac_s = t2.elapsed().as_secs_f64();

    let mut claims = vec![critical_line_claim(
        &cells,
        s.seeds.len(),
        &s.bias_variances,
    )?];
    claims.extend(isometry_claims(&spectra));
    let (training_claims, training_report) = training.unwrap_or_default();
    claims.extend(training_claims);
    correlation_figure(out, &cells, s)?;
    xi_figure(out, &cells, s, &dense)?;
    phase_figure(out, &cells, s, &line)?;
    quantiles_figure(out, &spectra)?;
    histograms_figure(out, &spectra)?;
    spread_figure(out, &spectra)?;
    let results = Results {
        settings: s.clone(),
        critical,
        cells,
        spectra,
        seconds: [theory_s, corr_s, jac_s],
    };
    write_json(&out.join("criticality.json"), &results)?;
    write_json(&out.join("claims.json"), &claims)?;
    let wall = start.elapsed().as_secs_f64();
    let mut r = report(&results, &claims, device_label, command, wall);
    r.push_str(&training_report);
    write_atomic(&out.join("report.md"), r.as_bytes())?;
    Ok(claims)
}

/// `report.md`.
pub fn report(
    res: &Results,
    claims: &[Claim],
    device_label: &str,
    command: &str,
    wall: f64,
) -> String {
    let s = &res.settings;
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# criticality: the edge of chaos and dynamical isometry, at initialization\n\n\
         Device {device_label}; seeds {:?} (10, then 20, then 30 while a claim of these studies is undecided, each look at level 1 − 0.05/3); git {}; wall time {wall:.1} s (theory {:.1} s, \
         correlation study {:.1} s, Jacobian study {:.1} s). Command: `{command}`. The trained nets (trainability map, training at criticality) have their own sections and subfolders.\n",
        s.seeds,
        git_commit(),
        res.seconds[0],
        res.seconds[1],
        res.seconds[2],
    );
    let _ = writeln!(r, "## Claims\n\n{}", crate::claims::table(claims));
    let _ = writeln!(
        r,
        "## Protocol (fixed before the run)\n\n\
         **Theory** (`burn_init::signal::criticality`): for tanh with weights `N(0, σ_w²/n)` and biases \
         `N(0, σ_b²)`, the variance map `q ↦ σ_w² E[φ(√q z)²] + σ_b²` and its fixed point `q*`, the \
         correlation map `c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q` and its stable fixed point `c*`, \
         `χ₁ = σ_w² E[φ'(√q* z)²]`, `χ_c` (the slope of the correlation map at `c*`) and \
         `ξ_c = −1/ln χ_c`, by Gauss–Legendre quadrature (Schoenholz et al. 2017). Critical `σ_w²` \
         (`χ₁ = 1`): {}.\n\n\
         **(a) Correlation propagation.** {} × {} tanh layers; per seed, {} input pairs per input \
         correlation `c₀ ∈ {:?}`, each pair with `|x|²/n = 1` and `x_a·x_b/n = c₀` exactly \
         (Gram–Schmidt on Gaussian draws); the same standard-normal draws `Z_l`, `B_l` for every \
         cell of the grid (`W_l = σ_w/√n · Z_l`, `b_l = σ_b B_l`: common random numbers), grid \
         `σ_b² ∈ {:?}` × `σ_w² ∈ {:?}`. Measured: the correlation `c_l = h_a·h_b/(|h_a||h_b|)` of \
         the pre-activations of each pair, averaged over the pairs. Predicted: the mean-field \
         trajectory from `q₁ = σ_w² + σ_b²`, `c₁ = (σ_w² c₀ + σ_b²)/q₁`, with each layer's `q_l`.\n\n\
         **Measured ξ_c.** Per seed and `c₀`, the least-squares slope of `ln|c_l − c*|` over layers \
         `l_start … l_end` (the theory's `c*`; through `1 − c_l`, computed as `|u − v|²/2` of the \
         unit vectors, when `c* = 1`): `l_start` is the first layer where `|c_l − c*|` has halved \
         from layer 1 (past the transient, where the map is nearly linear about `c*`), `l_end` the \
         last layer before it then falls to the noise floor `max({FLOOR_SIGMAS}·(1 − c*²)/√n, {F32_FLOOR:e})`: {FLOOR_SIGMAS} standard \
         deviations of a correlation measured on `n` units (Fisher's `(1 − ρ²)/√n`); in the ordered \
         phase (`c* = 1`) every pair has `1 − c_l > 0`, so only the `f32` resolution bounds it. At \
         least {MIN_FIT_LAYERS} layers, else no fit (3 in a pilot run, whose chaotic-phase fits on 3–9 \
         layers scattered by factors of 10 between seeds). The seed's decay rate `1/ξ_c` is the mean over \
         the `c₀` that have a fit; intervals are over seeds (Student's t, 95 %), on the rate, and \
         inverted for `ξ_c`. **Where ξ_c diverges** (`critical-line-tanh`): per seed, the line \
         through the measured rates of the two ordered cells (`χ₁ < 1`) nearest the transition, \
         extrapolated to rate 0 (`1/ξ_c = −ln χ₁` vanishes linearly there), compared with the same \
         extrapolation of the mean-field curves' rates fitted on the same layers: at finite depth both \
         include the transient before the asymptotic rate, which puts the theory's own crossing away \
         from the asymptotic critical `σ_w²` (an earlier version compared the measured crossing with \
         the asymptotic value and stayed undecided at 0.2 of a 0.25 tolerance; a pilot before it used \
         the `σ_w²` of the largest measured `ξ_c`, which scattered over the noisy chaotic cells). \
         *Prediction beside it*: the theory's `ξ_c`, and the same fit on the \
         same layers of the mean-field curve (`ξ_fit`), which includes the transient the \
         asymptotic `ξ_c` leaves out.\n\n\
         **(c) Jacobian spectra.** Width {}, depths {:?}, {} input(s) per seed scaled so that \
         `q₁ = q*`; critical tanh (`σ_b² = {}`, `σ_w²` from the theory) and critical ReLU \
         (`σ_w² = 2`, `σ_b² = 0`), orthogonal (`σ_w·O`, Haar) and Gaussian weights. The forward \
         pass runs on the device; the products `W₁D₁⋯W_lD_l` (`D_l = diag φ'(h_l)`) are formed on \
         the host in `f64` (flex) and their singular values taken by one-sided Jacobi ([`singular_values`]); \
         `λ = s²` are the eigenvalues of `JJᵀ`. *Prediction*: the mean is `χ₁^L = 1`; by free \
         probability the normalized variances of free mean-1 factors add (first order of the \
         S-transform), so `Var(λ)/mean² = L·(μ₂/μ₁² − 1 + s)` with `μ_k = E[φ'(h)^{{2k}}]` at `q*` \
         and `s = 1` for Gaussian (Marchenko–Pastur), 0 for orthogonal weights (Pennington, \
         Schoenholz & Ganguli 2017, 2018).\n",
        res.critical
            .iter()
            .map(|(b, w)| format!("`{}` at `σ_b² = {b}`", fmt(*w)))
            .collect::<Vec<_>>()
            .join(", "),
        s.depth,
        s.width,
        s.pairs,
        s.c0,
        s.bias_variances,
        s.weight_variances,
        s.jacobian_width,
        s.jacobian_depths,
        s.jacobian_inputs,
        s.jacobian_bias_variance,
    );
    let _ = writeln!(
        r,
        "## (a) Correlation depth scale, predicted and measured\n\n\
         | σ_b² | σ_w² | phase | q* | c* | χ₁ | ξ_c theory | ξ_fit (theory curve, same layers) | ξ_c measured (95 % interval) | seeds fitted | layers fitted (median) | measured c_L − c* (c₀ = {}) |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|",
        s.c0.first().copied().unwrap_or(0.0)
    );
    for c in &res.cells {
        let rates: Vec<f64> = c.rates().into_iter().flatten().collect();
        let th: Vec<f64> = c.theory_rates().into_iter().flatten().collect();
        let inv = |x: f64| if x > 0.0 { fmt(1.0 / x) } else { "∞".into() };
        let measured = match Estimate::of(&rates) {
            Some(e) => match (e.lo, e.hi) {
                (Some(lo), Some(hi)) => format!("{} [{}, {}]", inv(e.mean), inv(hi), inv(lo)),
                _ => inv(e.mean),
            },
            None => "—".into(),
        };
        let mut layers: Vec<usize> = c
            .curves
            .iter()
            .flat_map(|k| k.fits.iter().flatten().map(|f| f.last + 1 - f.first))
            .collect();
        layers.sort_unstable();
        let last: Vec<f64> = c
            .curves
            .first()
            .map(|k| {
                k.measured
                    .iter()
                    .filter_map(|m| m.last().map(|v| v - c.theory.c_star))
                    .collect()
            })
            .unwrap_or_default();
        let (lm, llo, lhi) = mean_interval(&last);
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {}/{} | {} | {} [{}, {}] |",
            c.sigma_b2,
            c.sigma_w2,
            c.theory.phase.name(),
            fmt(c.theory.q_star),
            fmt(c.theory.c_star),
            fmt(c.theory.chi_1),
            fmt(c.theory.xi_c),
            Estimate::of(&th).map_or("—".into(), |e| inv(e.mean)),
            measured,
            rates.len(),
            s.seeds.len(),
            layers
                .get(layers.len() / 2)
                .map_or("—".into(), |l| l.to_string()),
            fmt(lm),
            fmt(llo),
            fmt(lhi)
        );
    }
    let _ = writeln!(
        r,
        "\n{}\n\n{}\n\n{}\n",
        markdown("correlation versus layer", "correlation_vs_layer"),
        markdown("depth scale versus weight variance", "xi_c"),
        markdown("phase diagram", "phase_diagram")
    );
    let _ = writeln!(
        r,
        "## (c) Jacobian spectra at criticality\n\n\
         | family | σ_w² | σ_b² | q | χ₁ | μ₂/μ₁² | depth | mean λ (pred. χ₁^L) | Var(λ)/mean² (95 % interval) | predicted | 5 % | median | 95 % | max | zero fraction |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for f in &res.spectra {
        for d in &f.depths {
            let rv: Vec<f64> = d.per_seed.iter().map(|p| p.relative_variance).collect();
            let mean: Vec<f64> = d.per_seed.iter().map(|p| p.mean).collect();
            let (mm, _, _) = mean_interval(&mean);
            let e = Estimate::of(&rv);
            let mut v = d.lambdas.clone();
            v.sort_by(f64::total_cmp);
            let _ = writeln!(
                r,
                "| {} {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} |",
                f.activation.name(),
                f.weights.name(),
                fmt(f.sigma_w2),
                f.sigma_b2,
                fmt(f.q),
                fmt(f.chi_1),
                fmt(f.mu2 / (f.mu1 * f.mu1)),
                d.depth,
                fmt(mm),
                fmt(f.chi_1.powi(d.depth as i32)),
                e.map_or("—".into(), |e| crate::claims::fmt_estimate(
                    Some(e.mean),
                    e.interval()
                )),
                fmt(d.predicted_relative_variance),
                fmt(quantile(&v, 0.05)),
                fmt(quantile(&v, 0.5)),
                fmt(quantile(&v, 0.95)),
                fmt(v.last().copied().unwrap_or(f64::NAN)),
                fmt(d.per_seed.iter().map(|p| p.zero_fraction).sum::<f64>()
                    / d.per_seed.len().max(1) as f64),
            );
        }
    }
    let _ = writeln!(
        r,
        "\n{}\n\n{}\n\n{}\n\n\
",
        markdown(
            "Jacobian spectrum quantiles versus depth",
            "jacobian_quantiles"
        ),
        markdown("Jacobian spectrum histograms", "jacobian_histograms"),
        markdown("Jacobian spectrum spread versus depth", "jacobian_spread"),
    );
    r
}

fn run(ctx: &Context) -> Result<()> {
    let o = &ctx.options;
    // `criticality-quick` arrives as `--scale quick` (`crate::run` sets it).
    let scale = o.scale;
    // The untrained studies' seeds follow the rule of their claims (the driver sets them); once
    // all those claims are decided, later looks (for the training claims) keep the seeds that
    // decided them, so the figures and criticality.json match the claims.
    let stage = crate::claims::current_stage();
    let frozen: Option<Vec<&Claim>> = UNTRAINED_CLAIMS
        .iter()
        .map(|id| stage.frozen.get(*id))
        .collect();
    let untrained_seeds = frozen
        .and_then(|claims| claims.iter().map(|c| c.decision.n_seeds).max())
        .unwrap_or_else(|| o.seeds());
    let settings = match scale {
        Scale::Quick => Settings::quick(o.seed, untrained_seeds),
        Scale::Default | Scale::Paper => Settings::full(o.seed, untrained_seeds),
    };
    let folder = crate::outdir::OutputFolder::claim(&o.out_dir(&ctx.name), &ctx.name)?;
    let device = crate::device::open(o.device)?;
    folder.begin()?;
    let out = folder.root().to_path_buf();
    let training_seeds = if scale == Scale::Quick {
        crate::protocol::TRAINING_SEEDS.n_min()
    } else {
        crate::claims::seeds_for(&crate::protocol::TRAINING_SEEDS)
    };
    let plan = trainability::Plan::of(scale, o.seed, training_seeds);
    let (_, training_claims, training_report) = trainability::study(ctx, &plan, &out)?;
    let claims = run_study(
        &settings,
        &device.device,
        &device.label(),
        &out,
        &crate::record::command_line(&ctx.command),
        Some((training_claims, training_report)),
    )?;
    crate::claims::print(&claims);
    println!(
        "files: {}/{{report.md, claims.json, criticality.json, {} (.svg, .png)}}",
        out.display(),
        FIGURES.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_have_the_exact_correlation_and_norm() {
        let c0 = [0.2, 0.9];
        let n = 64;
        let x = input_pairs(&c0, 3, n, HostRng::new(5)).unwrap();
        for (k, &c) in c0.iter().enumerate() {
            for p in 0..3 {
                let r = 2 * (k * 3 + p);
                let (a, b) = (&x[r * n..(r + 1) * n], &x[(r + 1) * n..(r + 2) * n]);
                let (cc, _, q) = pair_stats(a, b);
                assert!((cc - c).abs() < 1e-6, "{cc} vs {c}");
                assert!((q - 1.0).abs() < 1e-6, "{q}");
            }
        }
    }

    #[test]
    fn fits_recover_exponential_decay_and_stop_at_the_floor() {
        let d: Vec<f64> = (1..=30).map(|l| 0.8 * (-(l as f64) / 7.0).exp()).collect();
        let (rate, first, last) = fit_rate(&d, 1e-9).unwrap();
        assert!((rate - 1.0 / 7.0).abs() < 1e-12);
        // It starts where d has halved (e^{-(l-1)/7} ≤ ½ from l = 1 + 7 ln 2 ≈ 5.85, so l = 6)
        // and ends before the floor.
        assert_eq!((first, last), (6, 30));
        // 0.8·e^{-l/7} ≤ 0.05 from l = 20.
        let (_, first, last) = fit_rate(&d, 0.05).unwrap();
        assert_eq!((first, last), (6, 19));
        // 6 … 14 is 9 layers, below MIN_FIT_LAYERS.
        assert!(fit_rate(&d, 0.1).is_none());
        assert!(fit_rate(&d, 0.35).is_none());
        assert_eq!(noise_floor(1.0, 100), F32_FLOOR);
        assert!((noise_floor(0.5, 100) - 3.0 * 0.75 / 10.0).abs() < 1e-15);
    }

    #[test]
    fn jacobi_singular_values_of_a_rotated_diagonal() {
        // A = G₁ · diag(3, 1e-8, 2, 0) · G₂ (Givens rotations on both sides): singular values
        // 3, 2, 1e-8, 0, to a few ε·σ_max.
        let n = 4;
        let mut a = vec![0.0; n * n];
        for (i, v) in [3.0, 1e-8, 2.0, 0.0].into_iter().enumerate() {
            a[i * n + i] = v;
        }
        let rotate_rows = |a: &mut Vec<f64>, p: usize, q: usize, t: f64| {
            for j in 0..n {
                let (x, y) = (a[p * n + j], a[q * n + j]);
                a[p * n + j] = t.cos() * x - t.sin() * y;
                a[q * n + j] = t.sin() * x + t.cos() * y;
            }
        };
        let rotate_cols = |a: &mut Vec<f64>, p: usize, q: usize, t: f64| {
            for i in 0..n {
                let (x, y) = (a[i * n + p], a[i * n + q]);
                a[i * n + p] = t.cos() * x - t.sin() * y;
                a[i * n + q] = t.sin() * x + t.cos() * y;
            }
        };
        rotate_rows(&mut a, 0, 1, 0.3);
        rotate_rows(&mut a, 1, 2, 1.1);
        rotate_cols(&mut a, 0, 2, -0.7);
        rotate_cols(&mut a, 1, 3, 0.4);
        let sv = singular_values(&a, n, n);
        for (got, want) in sv.iter().zip([3.0, 2.0, 1e-8, 0.0]) {
            assert!((got - want).abs() <= 1e-14, "{sv:?}");
        }
        // Rectangular, with a zero column: [[1, 0, 0], [0, 0, 2]] has singular values 2, 1, 0.
        let sv = singular_values(&[1.0, 0.0, 0.0, 0.0, 0.0, 2.0], 2, 3);
        assert_eq!(sv, [2.0, 1.0, 0.0]);
    }

    #[test]
    fn spectrum_statistics() {
        let s = SpectrumStats::of(&[0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!((s.mean, s.q50, s.max), (2.0, 2.0, 4.0));
        assert!((s.relative_variance - 0.5).abs() < 1e-15);
        assert!((s.q05 - 0.2).abs() < 1e-15);
        assert_eq!(s.zero_fraction, 0.2);
    }

    #[test]
    fn the_divergence_is_extrapolated_from_the_ordered_side() {
        // Rates 1 − σ_w²/1.6 on the ordered cells (χ₁ < 1 below ≈ 1.761 at σ_b² = 0.05): the
        // line through the two nearest the transition (1.25, 1.5) reaches 0 at 1.6; the chaotic
        // cell (2.0) is not used.
        let grid = [1.0, 1.25, 1.5, 2.0];
        let cells: Vec<Cell> = grid
            .iter()
            .map(|&w| Cell {
                sigma_w2: w,
                sigma_b2: 0.05,
                theory: MeanField::new(Nonlinearity::Tanh, w, 0.05)
                    .unwrap()
                    .analyze()
                    .unwrap(),
                floor: 0.0,
                curves: vec![Curve {
                    c0: 0.2,
                    predicted: Vec::new(),
                    measured: Vec::new(),
                    measured_q: Vec::new(),
                    fits: vec![Some(Fit {
                        first: 1,
                        last: 10,
                        rate: if w < 1.7 { 1.0 - w / 1.6 } else { 0.001 },
                        rate_theory: 0.0,
                    })],
                }],
            })
            .collect();
        let row: Vec<&Cell> = cells.iter().collect();
        let x = rate_zero_crossing(&row, 0).unwrap();
        assert!((x - 1.6).abs() < 1e-12, "{x}");
        assert!(rate_zero_crossing(&row[..1], 0).is_none());
    }

    #[test]
    fn quick_study_writes_report_and_data_and_decides_claims() {
        let out = std::env::temp_dir().join(format!("criticality-quick-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let device = Device::flex();
        let claims =
            run_study(&Settings::quick(0, 3), &device, "flex", &out, "test", None).unwrap();
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "critical-line-tanh",
                "orthogonal-isometry-tanh",
                "orthogonal-relu-spreads"
            ]
        );
        // The figures (every stem of FIGURES, as SVG and PNG) are checked by the integration
        // test `quick_run_writes_files_and_decided_claims` (tests/criticality.rs), which runs
        // this study through the binary.
        for f in ["report.md", "claims.json", "criticality.json"] {
            assert!(out.join(f).is_file(), "{f} missing");
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

//! The training half of `criticality` (Schoenholz et al. 2017; Pennington et al. 2017):
//!
//! * **Trainability map**, at the paper's optimizer: random tanh nets of width [`WIDTH`] over a
//!   `(σ_w², depth)` grid at `σ_b²` = [`SIGMA_B2`], trained with plain SGD (no momentum) at the
//!   paper's step [`LR`] = 10⁻³ for [`STEPS`] minibatch steps of 64, one rate for every cell as in
//!   the paper. The metric is the paper's: training accuracy (the mean over the last epoch's
//!   minibatches). A cell is *trained* when it is at least [`TRAINED_MARGIN`] above chance (the
//!   training split's majority-class rate, that of the stratified validation split carved from
//!   it). σ_w² is sampled densely around the critical value (1.761 at `σ_b²` = 0.05) and on
//!   both sides of where the theory's `6 ξ_c` crosses each depth of the grid. Claims:
//!   `trainable-depth-6xi` (per seed, the share of cells whose trainability the rule
//!   `depth < 6 ξ_c` predicts, minus the share the best σ_w²-blind depth cutoff, fitted to the
//!   same cells, predicts, above 0) and `trainable-depth-peaks-at-criticality` (per seed, the
//!   deepest trained depth at the grid's σ_w² nearest the critical value minus the deepest at the
//!   two ends of the grid, one in each phase, above 0). The multiple `k` of `ξ_c` that best
//!   separates trained from untrained cells is measured per seed ([`best_multiple`]) and printed
//!   beside the paper's 6.
//! * **Training at criticality**: [`Plan::isometry_depth`]-layer tanh nets at the critical `σ_w²`
//!   (`σ_b²` = [`SIGMA_B2`]) with orthogonal versus Gaussian weights, trained
//!   [`ISOMETRY_EPOCHS`] epochs at one shared rate ([`ISOMETRY_LR`], SGD with momentum 0.9):
//!   validation-accuracy curves, and the claim `orthogonal-trains-faster-tanh` (validation
//!   accuracy after epoch [`EARLY_EPOCH`], paired by seed, orthogonal minus Gaussian, above 0).
//!
//! Both are sweeps of the stacked engine, written to the subfolders `trainability/` and
//! `isometry/` of the experiment's folder. What the default scale reduces from the paper (width
//! 100 instead of 300, depths to 100 instead of 300, one step count) is written in the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use burn_init::signal::criticality::{MeanField, critical_weight_variance};
use burn_init::{FanMode, Init, Nonlinearity, VsDistribution};
use serde::{Deserialize, Serialize};

use crate::Context;
use crate::claims::{Claim, ClaimText, Condition, Direction, Estimate, Guards, fmt};
use crate::error::{Error, Result};
use crate::experiments::curves::{curves_figure, read_curves};
use crate::figure::{Heatmap, Series, heatmap, markdown};
use crate::options::Scale;
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// Bias variance of both studies (critical `σ_w²` ≈ 1.761 there), as in the paper.
pub const SIGMA_B2: f64 = 0.05;
/// Weight variances of the map: both phases, dense around the critical 1.761, and on both sides
/// of each depth's `6 ξ_c` crossing (`6 ξ_c` = 21.8, 40.8, 94.7, 162, ≈ 3·10⁴, 151, 90.7, 70.8,
/// 54.3, 41.9 at these σ_w²).
pub const WEIGHT_VARIANCES: [f64; 10] = [1.0, 1.25, 1.5, 1.6, 1.76, 2.0, 2.25, 2.5, 3.0, 4.0];
/// Depths of the map.
pub const DEPTHS: [usize; 4] = [10, 25, 50, 100];
/// Units per hidden layer (the paper: 300; [`Scale::Paper`] runs that).
pub const WIDTH: usize = 100;
/// Minibatch steps of the map (batch 64): enough that critical 100-layer nets learn at the
/// paper's step (checked outside the project in PyTorch with the same nets, and here).
pub const STEPS: usize = 340;
/// The paper's optimizer: plain SGD (momentum 0) at learning rate 10⁻³, one rate for every cell.
pub const LR: f64 = 1e-3;
/// Momentum of the map (plain SGD).
pub const MOMENTUM: f64 = 0.0;
/// A cell is trained at `chance + TRAINED_MARGIN` training accuracy or more (a net at chance
/// sits within ±0.01 of it over an epoch of 5,000 examples).
pub const TRAINED_MARGIN: f64 = 0.1;
/// Depth of the nets trained at criticality.
pub const ISOMETRY_DEPTH: usize = 50;
/// Epochs of the nets trained at criticality.
pub const ISOMETRY_EPOCHS: usize = 5;
/// Learning rate (SGD, momentum 0.9) of the nets trained at criticality: one rate for both
/// weight families, so the comparison is of the initialization alone.
pub const ISOMETRY_LR: f64 = 0.005;
/// The epoch at which "trains faster" is read.
pub const EARLY_EPOCH: usize = 1;
/// Multiples of `ξ_c` tried by [`best_multiple`]: 0.5 to 20 in steps of 0.25.
pub const MULTIPLES: (f64, f64, f64) = (0.5, 20.0, 0.25);

/// The sizes of one run of the studies (by [`Scale`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `σ_w²` of the map.
    pub weight_variances: Vec<f64>,
    /// Depths of the map.
    pub depths: Vec<usize>,
    /// Width of every net.
    pub width: usize,
    /// Minibatch steps of the map (epochs are rounded up from them on the dataset).
    pub steps: usize,
    /// Depth of the nets trained at criticality.
    pub isometry_depth: usize,
    /// Their epochs.
    pub isometry_epochs: usize,
    /// Seeds.
    pub seeds: Vec<u64>,
}

impl Plan {
    /// The sizes of `scale`, with `seeds` seeds from `first_seed`.
    pub fn of(scale: Scale, first_seed: u64, seeds: usize) -> Self {
        let seeds = (first_seed..first_seed.saturating_add(seeds as u64)).collect();
        match scale {
            Scale::Quick => Self {
                weight_variances: vec![1.0, 1.76, 4.0],
                depths: vec![2, 8],
                width: 16,
                steps: 20,
                isometry_depth: 6,
                isometry_epochs: 2,
                seeds,
            },
            Scale::Default => Self {
                weight_variances: WEIGHT_VARIANCES.to_vec(),
                depths: DEPTHS.to_vec(),
                width: WIDTH,
                steps: STEPS,
                isometry_depth: ISOMETRY_DEPTH,
                isometry_epochs: ISOMETRY_EPOCHS,
                seeds,
            },
            // Schoenholz et al.: width 300, depths to 300; ten times the default's steps.
            Scale::Paper => Self {
                weight_variances: vec![
                    1.0, 1.25, 1.5, 1.6, 1.65, 1.7, 1.76, 1.8, 1.85, 1.9, 2.0, 2.25, 2.5, 3.0, 3.5,
                    4.0,
                ],
                depths: vec![10, 25, 50, 100, 150, 200, 250, 300],
                width: 300,
                steps: 10 * STEPS,
                isometry_depth: 200,
                isometry_epochs: ISOMETRY_EPOCHS,
                seeds,
            },
        }
    }

    /// The epochs that give at least [`Plan::steps`] minibatch steps on `train` examples in
    /// batches of `batch`.
    pub fn epochs(&self, train: usize, batch: usize) -> usize {
        let per_epoch = train.div_ceil(batch.max(1)).max(1);
        self.steps.div_ceil(per_epoch).max(1)
    }
}

/// Gaussian weights `N(0, σ_w²/fan_in)`.
pub fn gaussian(sigma_w2: f64) -> Init {
    Init::VarianceScaling(
        burn_init::VarianceScaling::new(sigma_w2, FanMode::FanIn, VsDistribution::Normal)
            .expect("the σ_w² grid is positive"),
    )
}

fn bias() -> Init {
    Init::Normal(burn_init::Normal::new(0.0, SIGMA_B2.sqrt()).expect("σ_b² is a valid constant"))
}

fn spec(
    id: String,
    strategy: InitStrategy,
    depth: usize,
    width: usize,
    seed: u64,
    lr: f64,
) -> RunSpec {
    RunSpec {
        id,
        activation: Nonlinearity::Tanh,
        strategy,
        depth,
        width,
        seed,
        dropout: 0.0,
        lr: Some(lr),
        bias_init: bias(),
    }
}

/// One cell of the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapCell {
    /// `σ_w²`.
    pub sigma_w2: f64,
    /// Hidden layers.
    pub depth: usize,
    /// `6 ξ_c` of the theory at `(σ_w², σ_b²)` (∞ at criticality).
    pub six_xi: f64,
    /// Per seed: training accuracy over the last epoch (`None`: diverged).
    pub accuracy: Vec<Option<f64>>,
}

impl MapCell {
    /// Whether the rule `depth < 6 ξ_c` says the cell trains.
    pub fn predicted(&self) -> bool {
        (self.depth as f64) < self.six_xi
    }
}

/// Everything the training half measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Training {
    /// The sizes.
    pub plan: Plan,
    /// Chance: the training split's majority-class rate (the stratified validation split's).
    pub chance: f64,
    /// Epochs of the map (the steps rounded up on the dataset).
    pub epochs: usize,
    /// The map, by `σ_w²` then depth.
    pub cells: Vec<MapCell>,
    /// The critical `σ_w²` at [`SIGMA_B2`].
    pub critical_sigma_w2: f64,
    /// Per initialization (`orthogonal`, `gaussian`): per seed, validation accuracy per epoch
    /// (epoch 0 first).
    pub curves: BTreeMap<String, Vec<Vec<f64>>>,
    /// Device.
    pub device: String,
    /// Wall time of the map and of the curves.
    pub seconds: [f64; 2],
}

fn theory(e: burn_init::InitError) -> Error {
    Error::Init(burn_init::InitError::Data(format!(
        "mean-field theory: {e}"
    )))
}

/// `6 ξ_c` at `(σ_w², σ_b²)` for tanh.
pub fn six_xi(sigma_w2: f64, sigma_b2: f64) -> Result<f64> {
    Ok(6.0
        * MeanField::new(Nonlinearity::Tanh, sigma_w2, sigma_b2)
            .and_then(|m| m.analyze())
            .map_err(theory)?
            .xi_c)
}

/// Runs both sweeps (each resumable, in `out/trainability` and `out/isometry`).
///
/// # Errors
/// Those of the sweeps and of the theory.
pub fn run(ctx: &Context, plan: &Plan, out: &Path) -> Result<Training> {
    let o = &ctx.options;
    let data = crate::data::load(o.dataset(), o.data_dir.as_deref())?
        .with_validation(o.valid_fraction, crate::data::SPLIT_SEED)?;
    let epochs = plan.epochs(data.train.n, o.batch_size);
    let mut sub = ctx.clone();
    sub.options.epochs = Some(epochs);
    sub.options.lr = Some(LR);
    sub.options.momentum = MOMENTUM;
    sub.options.out = Some(out.join("trainability"));
    let mut specs = Vec::new();
    for &sw2 in &plan.weight_variances {
        for &d in &plan.depths {
            for &seed in &plan.seeds {
                specs.push(spec(
                    format!("tanh-w{sw2}-d{d}-s{seed}"),
                    InitStrategy::plain(gaussian(sw2)),
                    d,
                    plan.width,
                    seed,
                    LR,
                ));
            }
        }
    }
    let t = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(&sub, "criticality-trainability", specs)?;
    let map_seconds = t.elapsed().as_secs_f64();
    let chance = crate::protocol::valid_chance(&summaries).unwrap_or(f64::NAN);
    let train_acc = read_curves(&out.join("trainability/metrics.csv"), "train", "accuracy")?;
    let mut cells = Vec::new();
    for &sw2 in &plan.weight_variances {
        let six = six_xi(sw2, SIGMA_B2)?;
        for &d in &plan.depths {
            let accuracy = plan
                .seeds
                .iter()
                .map(|&seed| {
                    let id = format!("tanh-w{sw2}-d{d}-s{seed}");
                    summaries
                        .iter()
                        .find(|s| s.run == id)
                        .filter(|s| !s.diverged)?;
                    train_acc
                        .get(&id)?
                        .iter()
                        .filter(|(e, _)| *e == epochs)
                        .map(|&(_, v)| v)
                        .find(|v| v.is_finite())
                })
                .collect();
            cells.push(MapCell {
                sigma_w2: sw2,
                depth: d,
                six_xi: six,
                accuracy,
            });
        }
    }

    let critical = critical_weight_variance(Nonlinearity::Tanh, SIGMA_B2).map_err(theory)?;
    let mut iso = ctx.clone();
    iso.options.epochs = Some(plan.isometry_epochs);
    iso.options.lr = Some(ISOMETRY_LR);
    iso.options.out = Some(out.join("isometry"));
    let mut specs = Vec::new();
    for (name, init) in [
        (
            "orthogonal",
            Init::Orthogonal(
                burn_init::Orthogonal::new(critical.sqrt()).expect("the critical σ_w² is positive"),
            ),
        ),
        ("gaussian", gaussian(critical)),
    ] {
        for &seed in &plan.seeds {
            specs.push(spec(
                format!("tanh-{name}-s{seed}"),
                InitStrategy::plain(init.clone()),
                plan.isometry_depth,
                plan.width,
                seed,
                ISOMETRY_LR,
            ));
        }
    }
    let t = std::time::Instant::now();
    run_sweep(&iso, "criticality-isometry", specs)?;
    let curve_seconds = t.elapsed().as_secs_f64();
    let raw = read_curves(&out.join("isometry/metrics.csv"), "valid", "accuracy")?;
    let mut curves = BTreeMap::new();
    for name in ["orthogonal", "gaussian"] {
        let per_seed: Vec<Vec<f64>> = plan
            .seeds
            .iter()
            .map(|seed| {
                raw.get(&format!("tanh-{name}-s{seed}"))
                    .map(|p| p.iter().map(|&(_, v)| v).collect())
                    .unwrap_or_default()
            })
            .collect();
        curves.insert(name.to_string(), per_seed);
    }
    Ok(Training {
        plan: plan.clone(),
        chance,
        epochs,
        cells,
        critical_sigma_w2: critical,
        curves,
        device,
        seconds: [map_seconds, curve_seconds],
    })
}

/// Per seed, whether each cell trained (a diverged run did not).
fn trained(cell: &MapCell, seed: usize, chance: f64) -> bool {
    cell.accuracy
        .get(seed)
        .copied()
        .flatten()
        .is_some_and(|a| a >= chance + TRAINED_MARGIN)
}

/// Per seed: the share of cells the `6 ξ_c` rule predicts, and the best share of any
/// σ_w²-blind depth cutoff.
pub fn agreement(t: &Training) -> Vec<(f64, f64)> {
    let n = t.cells.len().max(1) as f64;
    (0..t.plan.seeds.len())
        .map(|s| {
            let theory = t
                .cells
                .iter()
                .filter(|c| trained(c, s, t.chance) == c.predicted())
                .count() as f64
                / n;
            let mut cutoffs: Vec<f64> = t.plan.depths.iter().map(|&d| d as f64).collect();
            cutoffs.push(f64::INFINITY);
            cutoffs.push(0.0);
            let blind = cutoffs
                .iter()
                .map(|&cut| {
                    t.cells
                        .iter()
                        .filter(|c| trained(c, s, t.chance) == ((c.depth as f64) < cut))
                        .count() as f64
                        / n
                })
                .fold(0.0, f64::max);
            (theory, blind)
        })
        .collect()
}

/// Per seed: the multiple `k` of `ξ_c` whose rule `depth < k ξ_c` agrees with the most cells
/// ([`MULTIPLES`]; the middle of the range of best multiples, so a boundary between two grid
/// depths gives the multiple halfway between them), and that agreement. `None` for a seed whose
/// map has no trained or no untrained cell (no boundary to place).
pub fn best_multiple(t: &Training) -> Vec<Option<(f64, f64)>> {
    let (k0, k1, dk) = MULTIPLES;
    let ks: Vec<f64> = (0..)
        .map(|i| k0 + dk * f64::from(i))
        .take_while(|k| *k <= k1 + 1e-9)
        .collect();
    let n = t.cells.len().max(1) as f64;
    (0..t.plan.seeds.len())
        .map(|s| {
            let trained_cells = t.cells.iter().filter(|c| trained(c, s, t.chance)).count();
            if trained_cells == 0 || trained_cells == t.cells.len() {
                return None;
            }
            let share = |k: f64| {
                t.cells
                    .iter()
                    .filter(|c| trained(c, s, t.chance) == ((c.depth as f64) < k * c.six_xi / 6.0))
                    .count() as f64
                    / n
            };
            let shares: Vec<f64> = ks.iter().map(|&k| share(k)).collect();
            let best = shares.iter().copied().fold(0.0, f64::max);
            let at: Vec<f64> = ks
                .iter()
                .zip(&shares)
                .filter(|(_, s)| **s == best)
                .map(|(k, _)| *k)
                .collect();
            let mid = (at[0] + at[at.len() - 1]) / 2.0;
            Some((mid, best))
        })
        .collect()
}

/// The deepest depth of the grid trained at `sigma_w2` on seed `s` (0: none).
fn deepest_trained(t: &Training, sigma_w2: f64, s: usize) -> usize {
    t.cells
        .iter()
        .filter(|c| c.sigma_w2 == sigma_w2 && trained(c, s, t.chance))
        .map(|c| c.depth)
        .max()
        .unwrap_or(0)
}

/// The deepest depth of the grid the `6 ξ_c` rule predicts trains at `sigma_w2` (0: none).
fn deepest_predicted(t: &Training, sigma_w2: f64) -> usize {
    t.cells
        .iter()
        .filter(|c| c.sigma_w2 == sigma_w2 && c.predicted())
        .map(|c| c.depth)
        .max()
        .unwrap_or(0)
}

/// The grid's σ_w² nearest the critical value, and its two ends (one in each phase).
fn peak_columns(t: &Training) -> Option<(f64, f64, f64)> {
    let ws = &t.plan.weight_variances;
    let near = ws.iter().copied().min_by(|a, b| {
        (a - t.critical_sigma_w2)
            .abs()
            .total_cmp(&(b - t.critical_sigma_w2).abs())
    })?;
    Some((near, *ws.first()?, *ws.last()?))
}

/// `trainable-depth-6xi`, `trainable-depth-peaks-at-criticality` and
/// `orthogonal-trains-faster-tanh`.
pub fn claims(t: &Training) -> Vec<Claim> {
    let agree = agreement(t);
    let diffs: Vec<f64> = agree.iter().map(|(a, b)| a - b).collect();
    let mut guards = Guards::default();
    // A map where nothing (or everything) trained on some seed cannot place a boundary: the
    // optimizer or the steps, not the initialization, decided it.
    let degenerate = (0..t.plan.seeds.len()).find_map(|s| {
        let k = t.cells.iter().filter(|c| trained(c, s, t.chance)).count();
        (k == 0 || k == t.cells.len()).then(|| {
            format!(
                "on seed {} {} of the map's cells trained",
                t.plan.seeds[s],
                if k == 0 { "none" } else { "all" }
            )
        })
    });
    let all_seeds = t.cells.len() * t.plan.seeds.len();
    let diverged = t
        .cells
        .iter()
        .flat_map(|c| c.accuracy.iter())
        .filter(|a| a.is_none())
        .count();
    // Diverged runs count as untrained (a diverged net is not trained); they make the claim
    // undecided only when they are most of the map.
    if 2 * diverged > all_seeds {
        guards.diverged = Some((diverged, all_seeds));
    }
    guards.degenerate.clone_from(&degenerate);
    let multiples: Vec<f64> = best_multiple(t).iter().flatten().map(|m| m.0).collect();
    let multiple = Estimate::of(&multiples).map_or("—".into(), |e| match e.interval() {
        Some([lo, hi]) => format!("{} [{}, {}]", fmt(e.mean), fmt(lo), fmt(hi)),
        None => fmt(e.mean),
    });
    let map = Claim::new(
        ClaimText {
            id: "trainable-depth-6xi",
            claim: "random tanh nets train when their depth is below about 6 ξ_c (the boundary follows σ_w²)".into(),
            source: "Schoenholz et al. 2017, §5, Fig. 5–6",
            threshold_reason: format!(
                "comparative: per seed, the share of (σ_w², depth) cells whose trainability (training accuracy ≥ chance + \
                 {TRAINED_MARGIN}, the paper's metric, after {} SGD steps at the paper's step {LR}) the rule depth < 6 ξ_c \
                 predicts, minus the share the best rule that ignores σ_w² (one depth cutoff, fitted to the same cells) \
                 predicts, must be above 0",
                t.plan.steps
            ),
            seeds: crate::protocol::TRAINING_SEEDS,
        },
        vec![Condition::decide(
            format!(
                "σ_b² = {SIGMA_B2}: share predicted by depth < 6 ξ_c minus the best σ_w²-blind cutoff's \
                 (the best multiple of ξ_c, measured: {multiple}; the paper's: 6)"
            ),
            &diffs,
            0.0,
            Direction::Above,
            None,
            &guards,
        )],
    );
    let peak = peak_columns(t).map(|(near, lo, hi)| {
        let values: Vec<f64> = (0..t.plan.seeds.len())
            .map(|s| {
                deepest_trained(t, near, s) as f64
                    - deepest_trained(t, lo, s).max(deepest_trained(t, hi, s)) as f64
            })
            .collect();
        let predicted = deepest_predicted(t, near) as f64
            - deepest_predicted(t, lo).max(deepest_predicted(t, hi)) as f64;
        let mut guards = Guards::default();
        guards.degenerate.clone_from(&degenerate);
        Claim::new(
            ClaimText {
                id: "trainable-depth-peaks-at-criticality",
                claim: "the depth to which random tanh nets train is largest at the critical σ_w² (the edge of chaos), \
                        larger than deep in either phase"
                    .into(),
                source: "Schoenholz et al. 2017, §5 and Fig. 5 (arbitrarily deep nets train only near criticality)",
                threshold_reason: format!(
                    "comparative: per seed, the deepest depth of the grid trained at the grid's σ_w² nearest the critical \
                     value ({}) minus the deepest trained at either end of the grid (σ_w² = {} ordered, {} chaotic), at \
                     the same optimizer and steps, must be above 0; the 6 ξ_c rule predicts the difference printed as the \
                     prediction",
                    fmt(near),
                    fmt(lo),
                    fmt(hi)
                ),
                seeds: crate::protocol::TRAINING_SEEDS,
            },
            vec![Condition::decide(
                format!(
                    "σ_b² = {SIGMA_B2}: deepest trained depth at σ_w² = {} minus the deepest at σ_w² = {} or {}",
                    fmt(near),
                    fmt(lo),
                    fmt(hi)
                ),
                &values,
                0.0,
                Direction::Above,
                Some(predicted),
                &guards,
            )],
        )
    });
    let early = |name: &str| -> Vec<(usize, f64)> {
        t.curves
            .get(name)
            .map(|seeds| {
                seeds
                    .iter()
                    .enumerate()
                    .filter_map(|(s, c)| c.get(EARLY_EPOCH).map(|&v| (s, v)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (o, g) = (early("orthogonal"), early("gaussian"));
    let diffs: Vec<f64> = o
        .iter()
        .filter_map(|(s, a)| g.iter().find(|(t, _)| t == s).map(|(_, b)| a - b))
        .filter(|d| d.is_finite())
        .collect();
    let mut guards = Guards::default();
    if diffs.len() < t.plan.seeds.len() {
        guards.diverged = Some((t.plan.seeds.len() - diffs.len(), t.plan.seeds.len()));
    }
    let faster = Claim::new(
        ClaimText {
            id: "orthogonal-trains-faster-tanh",
            claim: format!(
                "at criticality, a {}-layer tanh net with orthogonal weights trains faster than with Gaussian weights",
                t.plan.isometry_depth
            ),
            source: "Pennington, Schoenholz & Ganguli 2017, §5 and Fig. 3",
            threshold_reason: format!(
                "comparative: the paired (same seed, same batches) difference of validation accuracies after epoch \
                 {EARLY_EPOCH}, orthogonal minus Gaussian, at the same learning rate, must be above 0"
            ),
            seeds: crate::protocol::TRAINING_SEEDS,
        },
        vec![Condition::decide(
            format!(
                "σ_w² = {} (critical), σ_b² = {SIGMA_B2}: validation accuracy after epoch {EARLY_EPOCH}, orthogonal minus Gaussian",
                fmt(t.critical_sigma_w2)
            ),
            &diffs,
            0.0,
            Direction::Above,
            None,
            &guards,
        )],
    );
    let mut out = vec![map];
    out.extend(peak);
    out.push(faster);
    out
}

/// The trainability heatmap (mean test accuracy over seeds; rows: depth, deepest on top) with
/// the `6 ξ_c` curve drawn over it, and the curves at criticality.
///
/// # Errors
/// A figure that cannot be written, a theory error.
pub fn figures(t: &Training, out: &Path) -> Result<()> {
    let ws = &t.plan.weight_variances;
    let ds: Vec<usize> = t.plan.depths.iter().rev().copied().collect();
    let values = ds
        .iter()
        .map(|&d| {
            ws.iter()
                .map(|&w| {
                    let c = t.cells.iter().find(|c| c.depth == d && c.sigma_w2 == w)?;
                    let v: Vec<f64> = c.accuracy.iter().flatten().copied().collect();
                    Estimate::of(&v).map(|e| e.mean)
                })
                .collect()
        })
        .collect();
    // The curve depth = 6 ξ_c(σ_w²), in cell units (piecewise linear between cell centres).
    let col = |w: f64| -> f64 {
        for i in 0..ws.len().saturating_sub(1) {
            if w >= ws[i] && w <= ws[i + 1] {
                return i as f64 + 0.5 + (w - ws[i]) / (ws[i + 1] - ws[i]);
            }
        }
        f64::NAN
    };
    let row = |depth: f64| -> f64 {
        // Rows top to bottom are the depths from the deepest: centre of row r at r + 0.5.
        let n = ds.len();
        if depth >= ds[0] as f64 {
            return 0.0;
        }
        for r in 0..n.saturating_sub(1) {
            let (hi, lo) = (ds[r] as f64, ds[r + 1] as f64);
            if depth <= hi && depth >= lo {
                return r as f64 + 0.5 + (hi - depth) / (hi - lo);
            }
        }
        n as f64
    };
    let mut curve = Vec::new();
    if let (Some(&w0), Some(&w1)) = (ws.first(), ws.last()) {
        for i in 0..=120 {
            let w = w0 + (w1 - w0) * i as f64 / 120.0;
            let six = six_xi(w, SIGMA_B2)?;
            curve.push((col(w), row(six.min(1e9))));
        }
    }
    heatmap(
        out,
        "trainability",
        &Heatmap {
            title: format!(
                "tanh, width {}, σ_b² = {SIGMA_B2}, plain SGD lr {LR}, {} steps: training accuracy (mean over seeds); line: depth = 6 ξ_c",
                t.plan.width, t.plan.steps
            ),
            x_label: "σ_w²".into(),
            y_label: "hidden layers".into(),
            row_labels: ds.iter().map(|d| d.to_string()).collect(),
            col_labels: ws.iter().map(|w| fmt(*w)).collect(),
            values,
            value_range: (0.0, 1.0),
            annotate: Some(|v| format!("{:.0} %", 100.0 * v)),
            overlay: Some(Series::new("6 ξ_c", curve)),
        },
    )?;
    let mean_curve = |name: &str| -> Vec<(usize, f64)> {
        let seeds = t.curves.get(name).cloned().unwrap_or_default();
        let epochs = seeds.iter().map(Vec::len).max().unwrap_or(0);
        (0..epochs)
            .filter_map(|e| {
                let v: Vec<f64> = seeds.iter().filter_map(|c| c.get(e).copied()).collect();
                Estimate::of(&v).map(|x| (e, x.mean))
            })
            .collect()
    };
    curves_figure(
        out,
        "critical_training",
        &format!(
            "tanh, {} layers at criticality (σ_w² = {}, σ_b² = {SIGMA_B2}): validation accuracy (mean over seeds)",
            t.plan.isometry_depth,
            fmt(t.critical_sigma_w2)
        ),
        "epoch",
        "validation accuracy",
        &[
            ("orthogonal".to_string(), mean_curve("orthogonal")),
            ("gaussian".to_string(), mean_curve("gaussian")),
        ],
        Some(t.chance),
    )
}

/// The report's section on training.
pub fn report(t: &Training, claims: &[Claim]) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "## Trainability and training at criticality\n\n\
         Protocol of the map (fixed before the run), beside the paper's (Schoenholz et al. 2017 §5): tanh nets, biases \
         N(0, {SIGMA_B2}) (the paper's σ_b²), weights N(0, σ_w²/fan_in); **plain SGD (momentum 0) at learning rate {LR}** \
         for every cell, the paper's optimizer and step; batch {}; {} minibatch steps ({} epochs of this dataset); metric: \
         training accuracy over the last epoch, the paper's; trained: ≥ chance ({:.1} %, the training split's majority \
         class) + {TRAINED_MARGIN}. Width {} (the paper: 300), depths {:?} (the paper: up to 300), {} values of σ_w² \
         from {} to {}, dense around the critical {}. Reduced at the default scale, to fit 2 CPU cores in the suite's \
         half hour: the width, the deepest depths and the steps (the paper's trainable region grows with training \
         time, so fewer steps can only shrink ours); never the optimizer or its step. `--scale paper` runs width 300 \
         and depths to 300 for ten times the steps. Seeds {:?}; device {}. Wall time {:.1} s (map) and {:.1} s \
         (curves).\n\n\
         Training at criticality (Pennington, Schoenholz & Ganguli 2017, who trained 200-layer nets on CIFAR-10): \
         {} layers here, SGD with momentum 0.9 at one shared rate {ISOMETRY_LR} for both weight families, {} epochs, \
         validation accuracy per epoch.\n\n{}\n",
        64,
        t.plan.steps,
        t.epochs,
        100.0 * t.chance,
        t.plan.width,
        t.plan.depths,
        t.plan.weight_variances.len(),
        fmt(t.plan.weight_variances.first().copied().unwrap_or(f64::NAN)),
        fmt(t.plan.weight_variances.last().copied().unwrap_or(f64::NAN)),
        fmt(t.critical_sigma_w2),
        t.plan.seeds,
        t.device,
        t.seconds[0],
        t.seconds[1],
        t.plan.isometry_depth,
        t.plan.isometry_epochs,
        markdown("trainability map with the 6 ξ_c curve", "trainability")
    );
    let _ = writeln!(
        r,
        "| σ_w² | 6 ξ_c | {} |\n|---|---|{}",
        t.plan
            .depths
            .iter()
            .map(|d| format!("{d} layers"))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(t.plan.depths.len())
    );
    for &w in &t.plan.weight_variances {
        let cells: Vec<&MapCell> = t.cells.iter().filter(|c| c.sigma_w2 == w).collect();
        let six = cells.first().map_or(f64::NAN, |c| c.six_xi);
        let row: Vec<String> = cells
            .iter()
            .map(|c| {
                let v: Vec<f64> = c.accuracy.iter().flatten().copied().collect();
                let d = c.accuracy.len() - v.len();
                let mut s =
                    Estimate::of(&v).map_or("—".into(), |e| format!("{:.1} %", 100.0 * e.mean));
                if d > 0 {
                    let _ = write!(s, " (diverged {d}/{})", c.accuracy.len());
                }
                let _ = write!(s, " {}", if c.predicted() { "▲" } else { "▽" });
                s
            })
            .collect();
        let _ = writeln!(
            r,
            "| {} | {} | {} |",
            fmt(w),
            if six.is_finite() {
                fmt(six)
            } else {
                "∞".into()
            },
            row.join(" | ")
        );
    }
    let agree = agreement(t);
    let multiples = best_multiple(t);
    let _ = writeln!(
        r,
        "\n▲: the rule predicts the cell trains (depth < 6 ξ_c), ▽: it does not; each cell is the mean training accuracy \
         over seeds. Per seed, the share of cells the rule predicts and the best σ_w²-blind cutoff's: {}. The multiple k of \
         ξ_c whose rule depth < k ξ_c agrees with the most cells, per seed (the paper's: 6): {}.\n",
        agree
            .iter()
            .map(|(a, b)| format!("{a:.2} vs {b:.2}"))
            .collect::<Vec<_>>()
            .join("; "),
        multiples
            .iter()
            .map(|m| m.map_or("— (no boundary)".into(), |(k, share)| format!(
                "{} (agreement {share:.2})",
                fmt(k)
            )))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(
        r,
        "{}\n\nClaims of this part: {}.\n",
        markdown(
            "validation accuracy at criticality, orthogonal versus Gaussian",
            "critical_training"
        ),
        claims
            .iter()
            .map(|c| format!("`{}` {}", c.id, c.decision.status.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    r
}

/// Runs, decides and draws the training half; returns its claims and report section.
///
/// # Errors
/// Those of [`run`] and [`figures`].
pub fn study(ctx: &Context, plan: &Plan, out: &Path) -> Result<(Training, Vec<Claim>, String)> {
    let t = run(ctx, plan, out)?;
    let c = claims(&t);
    figures(&t, out)?;
    let r = report(&t, &c);
    Ok((t, c, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Status;

    fn training(accuracy: impl Fn(f64, usize, usize) -> Option<f64>) -> Training {
        let plan = Plan::of(Scale::Default, 0, 3);
        let cells = plan
            .weight_variances
            .iter()
            .flat_map(|&w| {
                let six = six_xi(w, SIGMA_B2).unwrap();
                let acc = &accuracy;
                plan.depths.iter().map(move |&d| MapCell {
                    sigma_w2: w,
                    depth: d,
                    six_xi: six,
                    accuracy: (0..3).map(|s| acc(six, d, s)).collect(),
                })
            })
            .collect();
        Training {
            plan,
            chance: 0.11,
            epochs: 4,
            cells,
            critical_sigma_w2: 1.761,
            curves: BTreeMap::new(),
            device: "test".into(),
            seconds: [0.0; 2],
        }
    }

    #[test]
    fn the_rule_is_scored_against_the_best_blind_cutoff() {
        // Nets that train exactly where depth < 6 ξ_c: the rule beats every single cutoff.
        let t = training(|six, d, _| Some(if (d as f64) < six { 0.9 } else { 0.11 }));
        for (theory, blind) in agreement(&t) {
            assert_eq!(theory, 1.0);
            assert!(blind < 1.0, "{blind}");
        }
        let c = claims(&t);
        assert_eq!(c[0].decision.status, Status::Confirmed);
        for m in best_multiple(&t) {
            let (k, share) = m.expect("a boundary");
            assert_eq!(share, 1.0, "the best multiple agrees with every cell");
            assert!(k > 0.5 && k < 20.0, "{k}");
        }
        // The deepest trained depth peaks at criticality: 100 at σ_w² = 1.76 against 25 at 4
        // (6 ξ_c = 41.9) and 10 at 1 (21.8), as the rule predicts.
        assert_eq!(c[1].id, "trainable-depth-peaks-at-criticality");
        assert_eq!(c[1].decision.status, Status::Confirmed);
        assert_eq!(
            (c[1].decision.value, c[1].decision.prediction),
            (Some(75.0), Some(75.0))
        );
        // Nets that train below 30 layers whatever σ_w²: the blind cutoff wins, and no peak.
        let t = training(|_, d, _| Some(if d < 30 { 0.9 } else { 0.11 }));
        let c = claims(&t);
        assert_eq!(c[0].decision.status, Status::Refuted);
        assert_eq!(c[1].decision.status, Status::Undecided, "a tie at 0");
        // Nothing trained: degenerate, undecided, whatever the shares.
        let t = training(|_, _, _| Some(0.11));
        let c = claims(&t);
        assert!(
            c[..2]
                .iter()
                .all(|c| c.decision.status == Status::Undecided)
        );
        assert!(
            c[0].decision
                .reason
                .as_deref()
                .unwrap()
                .contains("none of the map")
        );
        // Everything diverged: undecided, never a number that decides.
        let t = training(|_, _, _| None);
        assert_eq!(claims(&t)[0].decision.status, Status::Undecided);
        // No curves: the third claim is undecided.
        assert_eq!(claims(&t)[2].decision.status, Status::Undecided);
    }
}

//! The training half of `criticality` (Schoenholz et al. 2017; Pennington et al. 2017):
//!
//! * **Trainability map**: random tanh nets of width [`WIDTH`] over a `(σ_w², depth)` grid at
//!   `σ_b²` = [`SIGMA_B2`], trained [`EPOCHS`] epochs with one shared learning rate ([`LR`]), as in
//!   the paper. A cell is *trained* when its test accuracy at the best-validation epoch is at least
//!   [`TRAINED_MARGIN`] above chance (the test split's majority-class rate): the net learned more
//!   than the class prior. The map is drawn with the theory's `depth = 6 ξ_c(σ_w²)` curve over it.
//!   Claim `trainable-depth-6xi`: per seed, the share of cells whose trainability the rule
//!   `depth < 6 ξ_c` predicts, minus the share the best σ_w²-blind rule (a single depth cutoff,
//!   chosen on the same cells, so the baseline is optimistic) predicts, must be above 0.
//! * **Training at criticality**: [`ISOMETRY_DEPTH`]-layer tanh nets at the critical `σ_w²`
//!   (`σ_b²` = [`SIGMA_B2`]) with orthogonal versus Gaussian weights, trained [`ISOMETRY_EPOCHS`]
//!   epochs at the same rate: validation-accuracy curves, and the claim
//!   `orthogonal-trains-faster-tanh` (validation accuracy after epoch [`EARLY_EPOCH`], paired by
//!   seed, orthogonal minus Gaussian, above 0).
//!
//! Both are sweeps of the stacked engine, written to the subfolders `trainability/` and
//! `isometry/` of the experiment's folder.

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
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// Bias variance of both studies (critical `σ_w²` ≈ 1.761 there).
pub const SIGMA_B2: f64 = 0.05;
/// Weight variances of the map: both phases, the critical point between 1.75 and 2.
pub const WEIGHT_VARIANCES: [f64; 8] = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0];
/// Depths of the map.
pub const DEPTHS: [usize; 4] = [10, 25, 50, 100];
/// Units per hidden layer.
pub const WIDTH: usize = 100;
/// Epochs of the map (about 300 steps of 64 on `mnist-small`; Schoenholz et al. trained longer,
/// so the trainable region here is, if anything, smaller than theirs; one epoch left even critical
/// 100-layer nets at chance). What fits the suite's half hour on 2 cores.
pub const EPOCHS: usize = 4;
/// The one learning rate (SGD, momentum 0.9) of both studies.
pub const LR: f64 = 0.005;
/// A cell is trained at `chance + TRAINED_MARGIN` test accuracy or more.
pub const TRAINED_MARGIN: f64 = 0.1;
/// Depth of the nets trained at criticality.
pub const ISOMETRY_DEPTH: usize = 50;
/// Epochs of the nets trained at criticality.
pub const ISOMETRY_EPOCHS: usize = 5;
/// The epoch at which "trains faster" is read.
pub const EARLY_EPOCH: usize = 1;

/// The sizes of one run of the studies (`criticality-quick` shrinks them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `σ_w²` of the map.
    pub weight_variances: Vec<f64>,
    /// Depths of the map.
    pub depths: Vec<usize>,
    /// Width of every net.
    pub width: usize,
    /// Epochs of the map.
    pub epochs: usize,
    /// Depth of the nets trained at criticality.
    pub isometry_depth: usize,
    /// Their epochs.
    pub isometry_epochs: usize,
    /// Seeds.
    pub seeds: Vec<u64>,
}

impl Plan {
    /// The defaults.
    pub fn full(first_seed: u64, seeds: usize) -> Self {
        Self {
            weight_variances: WEIGHT_VARIANCES.to_vec(),
            depths: DEPTHS.to_vec(),
            width: WIDTH,
            epochs: EPOCHS,
            isometry_depth: ISOMETRY_DEPTH,
            isometry_epochs: ISOMETRY_EPOCHS,
            seeds: (first_seed..first_seed.saturating_add(seeds as u64)).collect(),
        }
    }

    /// Toy sizes for tests.
    pub fn quick(first_seed: u64, seeds: usize) -> Self {
        Self {
            weight_variances: vec![1.0, 1.75, 4.0],
            depths: vec![2, 8],
            width: 16,
            epochs: 1,
            isometry_depth: 6,
            isometry_epochs: 2,
            seeds: (first_seed..first_seed.saturating_add(seeds.min(3) as u64)).collect(),
        }
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

fn spec(id: String, strategy: InitStrategy, depth: usize, width: usize, seed: u64) -> RunSpec {
    RunSpec {
        id,
        activation: Nonlinearity::Tanh,
        strategy,
        depth,
        width,
        seed,
        dropout: 0.0,
        lr: Some(LR),
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
    /// Per seed: test accuracy at the best-validation epoch (`None`: diverged).
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
    /// Chance: the test split's majority-class rate.
    pub chance: f64,
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
    let mut sub = ctx.clone();
    sub.options.epochs = Some(plan.epochs);
    sub.options.lr = Some(LR);
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
                ));
            }
        }
    }
    let t = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(&sub, "criticality-trainability", specs)?;
    let map_seconds = t.elapsed().as_secs_f64();
    let chance = crate::protocol::chance(&summaries).unwrap_or(f64::NAN);
    let mut cells = Vec::new();
    for &sw2 in &plan.weight_variances {
        let six = six_xi(sw2, SIGMA_B2)?;
        for &d in &plan.depths {
            let accuracy = plan
                .seeds
                .iter()
                .map(|&seed| {
                    summaries
                        .iter()
                        .find(|s| s.run == format!("tanh-w{sw2}-d{d}-s{seed}"))
                        .filter(|s| !s.diverged)
                        .and_then(|s| s.test_accuracy_at_best)
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
    iso.options.lr = Some(LR);
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

/// `trainable-depth-6xi` and `orthogonal-trains-faster-tanh`.
pub fn claims(t: &Training) -> Vec<Claim> {
    let agree = agreement(t);
    let diffs: Vec<f64> = agree.iter().map(|(a, b)| a - b).collect();
    let mut guards = Guards::default();
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
    let map = Claim::new(
        ClaimText {
            id: "trainable-depth-6xi",
            claim: "random tanh nets train when their depth is below about 6 ξ_c (the boundary follows σ_w²)".into(),
            source: "Schoenholz et al. 2017, §5, Fig. 5–6",
            threshold_reason: format!(
                "comparative: per seed, the share of (σ_w², depth) cells whose trainability (test accuracy ≥ chance + \
                 {TRAINED_MARGIN}) the rule depth < 6 ξ_c predicts, minus the share the best rule that ignores σ_w² (one \
                 depth cutoff, fitted to the same cells) predicts, must be above 0"
            ),
        },
        vec![Condition::decide(
            format!(
                "σ_b² = {SIGMA_B2}: share predicted by depth < 6 ξ_c minus the best σ_w²-blind cutoff's"
            ),
            &diffs,
            0.0,
            Direction::Above,
            None,
            &guards,
        )],
    );
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
    vec![map, faster]
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
                "tanh, width {}, σ_b² = {SIGMA_B2}, {} epochs: test accuracy (mean over seeds); line: depth = 6 ξ_c",
                t.plan.width, t.plan.epochs
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
         Protocol (fixed before the run): tanh nets of width {}, biases N(0, {SIGMA_B2}), weights N(0, σ_w²/fan_in); SGD \
         (momentum 0.9, batch 64) at one learning rate {LR} for every cell, as Schoenholz et al. ran it; {} epochs; seeds \
         {:?}; device {}. Trained: test accuracy at the best-validation epoch ≥ chance ({:.1} %) + {TRAINED_MARGIN}. Wall \
         time {:.1} s (map) and {:.1} s (curves).\n\n{}\n",
        t.plan.width,
        t.plan.epochs,
        t.plan.seeds,
        t.device,
        100.0 * t.chance,
        t.seconds[0],
        t.seconds[1],
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
    let _ = writeln!(
        r,
        "\n▲: the rule predicts the cell trains (depth < 6 ξ_c), ▽: it does not. Per seed, the share of cells the rule predicts \
         and the best σ_w²-blind cutoff's: {}.\n",
        agree
            .iter()
            .map(|(a, b)| format!("{a:.2} vs {b:.2}"))
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
        let plan = Plan::full(0, 3);
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
        assert_eq!(claims(&t)[0].decision.status, Status::Confirmed);
        // Nets that train below 30 layers whatever σ_w²: the blind cutoff wins.
        let t = training(|_, d, _| Some(if d < 30 { 0.9 } else { 0.11 }));
        assert_eq!(claims(&t)[0].decision.status, Status::Refuted);
        // Everything diverged: undecided, never a number that decides.
        let t = training(|_, _, _| None);
        assert_eq!(claims(&t)[0].decision.status, Status::Undecided);
        // No curves: the second claim is undecided.
        assert_eq!(claims(&t)[1].decision.status, Status::Undecided);
    }
}

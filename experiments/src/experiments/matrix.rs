//! `matrix`: every activation (tanh, sigmoid, ReLU) × every initialization (zeros, small, large,
//! LeCun, Glorot uniform and normal, He uniform and normal, fan-average He, orthogonal, LSUV,
//! greedy pretraining) × `--seeds` seeds on the chosen dataset. A verdict table per activation
//! ranks the initializations by mean final accuracy and names the best; a heatmap shows them all.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use burn_init::{Activation, Init};
use serde::{Deserialize, Serialize};

use crate::Context;
use crate::error::Result;
use crate::experiments::curves::Claim;
use crate::figure::Heatmap;
use crate::record::{RunSummary, write_atomic, write_json};
use crate::registry::Experiment;
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "matrix",
    description: "every activation × every initialization (incl. LSUV and pretraining) × --seeds: verdict \
                  table per activation with the best named, and a heatmap",
    matches: |n| n == "matrix",
    run,
    details: Vec::new,
    epochs: None,
    seeds: Some(3),
};

/// The initializations of the matrix.
pub fn strategies() -> Vec<InitStrategy> {
    [
        Init::Zeros,
        Init::SmallRandom,
        Init::LargeRandom,
        Init::LecunNormal,
        Init::GlorotUniform,
        Init::GlorotNormal,
        Init::HeUniform,
        Init::HeNormal,
        Init::HeAvgNormal,
        Init::Orthogonal { gain: 1.0 },
    ]
    .into_iter()
    .map(InitStrategy::plain)
    .chain([InitStrategy::Lsuv, InitStrategy::Pretrain])
    .collect()
}

/// The activations of the matrix.
pub const ACTIVATIONS: [Activation; 3] = [Activation::Tanh, Activation::Sigmoid, Activation::Relu];

/// The runs.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let o = &ctx.options;
    let mut specs = Vec::new();
    for activation in ACTIVATIONS {
        for strategy in strategies() {
            specs.extend(RunSpec::per_seed(activation, &strategy, o));
        }
    }
    specs
}

/// One cell of the matrix, aggregated over seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// Activation.
    pub activation: String,
    /// Initialization.
    pub init: String,
    /// Seeds.
    pub runs: usize,
    /// Mean final test accuracy (diverged runs count as their last accuracy, or 0).
    pub final_accuracy_mean: f64,
    /// Its standard deviation over seeds.
    pub final_accuracy_sd: f64,
    /// Mean best test accuracy.
    pub best_accuracy_mean: f64,
    /// Mean epochs to the target accuracy over the runs that reached it.
    pub epochs_to_target_mean: Option<f64>,
    /// Runs that reached the target.
    pub reached_target: usize,
    /// Runs that diverged.
    pub diverged: usize,
    /// Mean gradient norm of the first hidden layer at initialization.
    pub grad_norm_first: f64,
    /// Mean gradient norm of the last hidden layer at initialization.
    pub grad_norm_last: f64,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Aggregates the runs into cells, in the matrix's order.
pub fn cells(summaries: &[RunSummary]) -> Vec<Cell> {
    let mut groups: BTreeMap<(usize, usize), Vec<&RunSummary>> = BTreeMap::new();
    let order: Vec<String> = strategies().iter().map(InitStrategy::name).collect();
    for s in summaries {
        let a = ACTIVATIONS
            .iter()
            .position(|a| a.name() == s.activation)
            .unwrap_or(usize::MAX);
        let i = order
            .iter()
            .position(|n| *n == s.init)
            .unwrap_or(usize::MAX);
        groups.entry((a, i)).or_default().push(s);
    }
    groups
        .into_values()
        .map(|runs| {
            let finals: Vec<f64> = runs
                .iter()
                .map(|s| s.final_valid_accuracy.unwrap_or(0.0))
                .collect();
            let bests: Vec<f64> = runs
                .iter()
                .map(|s| s.best_valid_accuracy.unwrap_or(0.0))
                .collect();
            let reached: Vec<f64> = runs
                .iter()
                .filter_map(|s| s.epochs_to_target.map(|e| e as f64))
                .collect();
            let grad = |first: bool| {
                mean(
                    &runs
                        .iter()
                        .filter_map(|s| {
                            if first {
                                s.init_stats.first()
                            } else {
                                s.init_stats.last()
                            }
                        })
                        .map(|l| l.grad_norm)
                        .filter(|g| g.is_finite())
                        .collect::<Vec<_>>(),
                )
            };
            Cell {
                activation: runs[0].activation.clone(),
                init: runs[0].init.clone(),
                runs: runs.len(),
                final_accuracy_mean: mean(&finals),
                final_accuracy_sd: sd(&finals),
                best_accuracy_mean: mean(&bests),
                epochs_to_target_mean: (!reached.is_empty()).then(|| mean(&reached)),
                reached_target: reached.len(),
                diverged: runs.iter().filter(|s| s.diverged).count(),
                grad_norm_first: grad(true),
                grad_norm_last: grad(false),
            }
        })
        .collect()
}

/// `xavier-beats-small-tanh`, from the cells.
pub fn claims(cells: &[Cell]) -> Vec<Claim> {
    let acc = |a: &str, i: &str| {
        cells
            .iter()
            .find(|c| c.activation == a && c.init == i)
            .map(|c| c.final_accuracy_mean)
    };
    match (acc("tanh", "glorot_uniform"), acc("tanh", "small_random")) {
        (Some(x), Some(s)) => vec![Claim {
            id: "xavier-beats-small-tanh".into(),
            claim: "Glorot/Xavier init trains a deep tanh net better than small random weights"
                .into(),
            metric: "tanh: mean final test accuracy, glorot_uniform minus small_random".into(),
            value: x - s,
            threshold: 0.0,
            holds: x - s > 0.0,
        }],
        _ => Vec::new(),
    }
}

/// Heatmap of mean final accuracy: initializations (rows) × activations (columns); a cell with
/// no run is missing.
pub fn heatmap_data(cells: &[Cell]) -> Heatmap {
    let inits: Vec<String> = strategies().iter().map(InitStrategy::name).collect();
    let values = inits
        .iter()
        .map(|init| {
            ACTIVATIONS
                .iter()
                .map(|a| {
                    cells
                        .iter()
                        .find(|c| c.activation == a.name() && c.init == *init)
                        .map(|c| c.final_accuracy_mean)
                })
                .collect()
        })
        .collect();
    Heatmap {
        title: "mean final test accuracy".into(),
        x_label: "activation".into(),
        y_label: "initialization".into(),
        col_labels: ACTIVATIONS.iter().map(|a| a.name().to_string()).collect(),
        row_labels: inits,
        values,
        value_range: (0.0, 1.0),
        annotate: Some(|v| format!("{:.1} %", 100.0 * v)),
        overlay: None,
    }
}

/// The Markdown report.
pub fn report(cells: &[Cell], claims: &[Claim], header: &str) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# matrix: which initialization suits which activation\n\n{header}\n\n{}\n",
        crate::figure::markdown("mean final accuracy", "heatmap")
    );
    let _ = writeln!(
        r,
        "## Claims\n\n{}",
        crate::experiments::curves::claims_table(claims)
    );
    for a in ACTIVATIONS {
        let mut rows: Vec<&Cell> = cells.iter().filter(|c| c.activation == a.name()).collect();
        rows.sort_by(|x, y| y.final_accuracy_mean.total_cmp(&x.final_accuracy_mean));
        let best = rows.first().map_or("—".to_string(), |c| c.init.clone());
        let _ = writeln!(r, "\n## {} — best: `{best}`\n", a.name());
        let _ = writeln!(
            r,
            "| rank | init | final accuracy (mean ± sd) | best accuracy | epochs to target (reached) | diverged | grad norm at init, first / last layer |\n|---|---|---|---|---|---|---|"
        );
        for (k, c) in rows.iter().enumerate() {
            let ett = c
                .epochs_to_target_mean
                .map_or("never".to_string(), |e| format!("{e:.1}"));
            let _ = writeln!(
                r,
                "| {} | `{}` | {:.1} ± {:.1} % | {:.1} % | {ett} ({}/{}) | {} | {:.2e} / {:.2e} |",
                k + 1,
                c.init,
                100.0 * c.final_accuracy_mean,
                100.0 * c.final_accuracy_sd,
                100.0 * c.best_accuracy_mean,
                c.reached_target,
                c.runs,
                c.diverged,
                c.grad_norm_first,
                c.grad_norm_last
            );
        }
    }
    r
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(ctx, "matrix", specs(ctx))?;
    let cells = cells(&summaries);
    let claims = claims(&cells);
    let o = &ctx.options;
    let out = o.out_dir("matrix");
    let header = format!(
        "{} hidden layers × {} units, {} epochs, {} seed(s) from {}, device {}; {} runs in {:.1} s; git {}. Command: `{}`.",
        o.depth,
        o.width,
        o.epochs(),
        o.seeds(),
        o.seed,
        device,
        summaries.len(),
        start.elapsed().as_secs_f64(),
        crate::record::git_commit(),
        ctx.command.join(" ")
    );
    write_json(&out.join("cells.json"), &cells)?;
    write_json(&out.join("claims.json"), &claims)?;
    crate::figure::heatmap(&out, "heatmap", &heatmap_data(&cells))?;
    write_atomic(
        &out.join("report.md"),
        report(&cells, &claims, &header).as_bytes(),
    )?;
    for a in ACTIVATIONS {
        if let Some(best) = cells
            .iter()
            .filter(|c| c.activation == a.name())
            .max_by(|x, y| x.final_accuracy_mean.total_cmp(&y.final_accuracy_mean))
        {
            println!(
                "{:<8} best: {} ({:.1} %)",
                a.name(),
                best.init,
                100.0 * best.final_accuracy_mean
            );
        }
    }
    println!(
        "files: {}/{{summary.json, metrics.csv, cells.json, claims.json, heatmap.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

//! `matrix`: every activation (tanh, sigmoid, ReLU) × every initialization (zeros, small, large,
//! LeCun, Glorot uniform and normal, He uniform and normal, fan-average He, orthogonal, LSUV,
//! greedy pretraining) × `--seeds` seeds on the chosen dataset. A verdict table per activation
//! ranks the initializations by mean final accuracy and names the best; a heatmap shows them all.

use std::fmt::Write as _;

use burn_init::Init;
use burn_init::Nonlinearity;
use serde::{Deserialize, Serialize};

use super::Experiment;
use crate::Context;
use crate::claims::{self, Claim, ClaimText, Status, fmt};
use crate::error::Result;
use crate::figure::Heatmap;
use crate::protocol::{self, Selection};
use crate::record::{RunSummary, write_atomic, write_json};
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
    epochs: Some(EPOCHS),
    seeds: Some(crate::protocol::TRAINING_SEEDS),
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
        Init::Orthogonal(burn_init::Orthogonal::default()),
    ]
    .into_iter()
    .map(InitStrategy::plain)
    .chain([InitStrategy::Lsuv, InitStrategy::Pretrain])
    .collect()
}

/// The activations of the matrix.
pub const ACTIVATIONS: [Nonlinearity; 3] = [
    Nonlinearity::Tanh,
    Nonlinearity::Sigmoid,
    Nonlinearity::Relu,
];

/// The learning-rate grid (each cell takes its best rate on the validation split).
pub const LRS: [f64; 4] = [0.01, 0.03, 0.1, 0.3];

/// Default epochs (the suite must run in about half an hour on 2 cores: 432 runs; the best
/// epoch is chosen on the validation split, so a net that peaks early is not penalized).
pub const EPOCHS: usize = 15;

/// The runs: every activation × initialization × learning rate × seed.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let o = &ctx.options;
    let mut specs = Vec::new();
    for activation in ACTIVATIONS {
        for strategy in strategies() {
            for lr in protocol::lr_grid(o, &LRS) {
                for mut spec in RunSpec::per_seed(activation, &strategy, o) {
                    spec.id = format!(
                        "{}-{}-lr{lr}-s{}",
                        activation.name(),
                        strategy.name(),
                        spec.seed
                    );
                    spec.lr = Some(lr);
                    specs.push(spec);
                }
            }
        }
    }
    specs
}

/// One cell of the matrix: an (activation, initialization) pair over learning rates and seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// Activation.
    pub activation: String,
    /// Initialization.
    pub init: String,
    /// The learning rate chosen on the validation split and the test accuracies there.
    pub selection: Selection,
    /// Mean test accuracy at the chosen rate (`None`: it diverged at every rate).
    pub test_accuracy_mean: Option<f64>,
    /// Mean epoch (best validation) at the chosen rate.
    pub best_epoch_mean: Option<f64>,
    /// Mean gradient norm of the first hidden layer at initialization (over seeds).
    pub grad_norm_first: f64,
    /// Mean gradient norm of the last hidden layer at initialization.
    pub grad_norm_last: f64,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Aggregates the runs into cells, in the matrix's order.
pub fn cells(summaries: &[RunSummary]) -> Vec<Cell> {
    let mut out = Vec::new();
    for a in ACTIVATIONS {
        for strategy in strategies() {
            let init = strategy.name();
            let runs: Vec<&RunSummary> = summaries
                .iter()
                .filter(|s| s.activation == a.name() && s.init == init)
                .collect();
            if runs.is_empty() {
                continue;
            }
            let selection = Selection::choose(&runs);
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
            out.push(Cell {
                activation: a.name().into(),
                init,
                test_accuracy_mean: selection.estimate.map(|e| e.mean),
                best_epoch_mean: (!selection.epochs.is_empty()).then(|| {
                    mean(
                        &selection
                            .epochs
                            .iter()
                            .map(|&e| e as f64)
                            .collect::<Vec<_>>(),
                    )
                }),
                selection,
                grad_norm_first: grad(true),
                grad_norm_last: grad(false),
            });
        }
    }
    out
}

fn cell<'a>(cells: &'a [Cell], activation: &str, init: &str) -> Option<&'a Cell> {
    cells
        .iter()
        .find(|c| c.activation == activation && c.init == init)
}

/// The cells of `activation` ranked by mean test accuracy (cells that diverged at every rate
/// last), each with whether it is tied with the first (paired interval containing 0).
pub fn ranking<'a>(cells: &'a [Cell], activation: &str) -> Vec<(&'a Cell, bool)> {
    let mut rows: Vec<&Cell> = cells
        .iter()
        .filter(|c| c.activation == activation)
        .collect();
    rows.sort_by(|x, y| {
        y.test_accuracy_mean
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&x.test_accuracy_mean.unwrap_or(f64::NEG_INFINITY))
    });
    let Some(best) = rows.first().copied() else {
        return Vec::new();
    };
    rows.into_iter()
        .map(|c| {
            let tied = std::ptr::eq(c, best)
                || (c.selection.lr.is_some()
                    && protocol::beats("", &best.selection, &c.selection).status
                        == Status::Undecided);
            (c, tied)
        })
        .collect()
}

/// The initializers tied with the best of a [`ranking`] (the best itself excluded), as
/// `` `name` ``.
pub fn tied_with_best(rows: &[(&Cell, bool)]) -> Vec<String> {
    rows.iter()
        .skip(1)
        .filter(|(_, t)| *t)
        .map(|(c, _)| format!("`{}`", c.init))
        .collect()
}

/// `xavier-beats-small-tanh`: paired over seeds, each at its own chosen learning rate.
pub fn claims(cells: &[Cell]) -> Vec<Claim> {
    let (Some(glorot), Some(small)) = (
        cell(cells, "tanh", "glorot_uniform"),
        cell(cells, "tanh", "small_random"),
    ) else {
        return Vec::new();
    };
    vec![Claim::new(
        ClaimText {
            id: "xavier-beats-small-tanh",
            claim: "Glorot/Xavier init trains a tanh net better than small random weights (0.01·N(0,1))".into(),
            source: "Glorot & Bengio 2010 §4–5",
            threshold_reason: "comparative: the paired (same seed, same batches) difference of test accuracies, each \
                               initialization at its own learning rate chosen on the validation split, must be above 0"
                .into(),
            seeds: crate::protocol::TRAINING_SEEDS,
        },
        vec![protocol::beats(
            format!(
                "tanh: test accuracy, glorot_uniform (lr {}) minus small_random (lr {})",
                glorot.selection.lr.map_or("—".into(), fmt),
                small.selection.lr.map_or("—".into(), fmt)
            ),
            &glorot.selection,
            &small.selection,
        )],
    )]
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
                        .and_then(|c| c.test_accuracy_mean)
                })
                .collect()
        })
        .collect();
    Heatmap {
        title: "test accuracy at the validation-chosen rate and epoch (mean over seeds; — : diverged at every rate)".into(),
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
pub fn report(cells: &[Cell], claims: &[Claim], header: &str, chance: Option<f64>) -> String {
    let mut r = String::new();
    let chance_text = chance.map_or("—".into(), |c| format!("{:.1} %", 100.0 * c));
    let _ = writeln!(
        r,
        "# matrix: which initialization suits which activation\n\n{header}\n\n{}\n",
        crate::figure::markdown("mean test accuracy at the chosen learning rate", "heatmap")
    );
    let _ = writeln!(r, "## Claims\n\n{}", claims::table(claims));
    for a in ACTIVATIONS {
        let rows = ranking(cells, a.name());
        let tied = tied_with_best(&rows);
        let best = rows
            .first()
            .map_or("—".to_string(), |(c, _)| format!("`{}`", c.init));
        let _ = writeln!(
            r,
            "\n## {} — best: {best}{}\n",
            a.name(),
            if tied.is_empty() {
                " (separated from the rest by its paired interval)".to_string()
            } else {
                format!(
                    " (tied within the paired 95 % interval: {})",
                    tied.join(", ")
                )
            }
        );
        let _ = writeln!(
            r,
            "Test accuracy at each cell's chosen learning rate and best-validation epoch, mean [95 % interval] over seeds; \
             chance {chance_text}.\n\n| rank | init | test accuracy | tied with best | mean epoch | grad norm at init, first / last layer |\n|---|---|---|---|---|---|"
        );
        for (k, (c, t)) in rows.iter().enumerate() {
            let _ = writeln!(
                r,
                "| {} | `{}` | {} | {} | {} | {:.2e} / {:.2e} |",
                k + 1,
                c.init,
                c.selection.describe(),
                if *t { "yes" } else { "no" },
                c.best_epoch_mean.map_or("—".into(), |e| format!("{e:.1}")),
                c.grad_norm_first,
                c.grad_norm_last
            );
        }
        let grid: Vec<(String, &Selection)> = rows
            .iter()
            .map(|(c, _)| (format!("`{}`", c.init), &c.selection))
            .collect();
        let _ = writeln!(
            r,
            "\nLearning-rate grid: mean best validation accuracy over seeds (chosen in bold; a rate at which a seed \
             diverged is not eligible):\n\n{}",
            protocol::grid_table(&grid)
        );
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
    let header = protocol::header(
        ctx,
        &out,
        &device,
        start.elapsed().as_secs_f64(),
        &protocol::lr_grid(o, &LRS),
    );
    write_json(&out.join("cells.json"), &cells)?;
    write_json(&out.join("claims.json"), &claims)?;
    crate::figure::heatmap(&out, "heatmap", &heatmap_data(&cells))?;
    write_atomic(
        &out.join("report.md"),
        report(&cells, &claims, &header, protocol::chance(&summaries)).as_bytes(),
    )?;
    for a in ACTIVATIONS {
        if let Some((best, _)) = ranking(&cells, a.name()).first() {
            println!(
                "{:<8} best: {} {}",
                a.name(),
                best.init,
                best.selection.describe()
            );
        }
    }
    claims::print(&claims);
    println!(
        "files: {}/{{summary.json, metrics.csv, cells.json, claims.json, heatmap.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::fake;

    #[test]
    fn a_diverged_cell_is_shown_as_diverged_never_as_an_accuracy() {
        let mut runs = Vec::new();
        for seed in 0..3 {
            for lr in LRS {
                runs.push(fake::run(
                    "glorot_uniform",
                    lr,
                    seed,
                    Some(0.9 + 0.01 * seed as f64),
                    false,
                ));
                runs.push(fake::run("small_random", lr, seed, Some(0.126), true));
                runs.push(fake::run("large_random", lr, seed, None, false));
            }
        }
        let cells = cells(&runs);
        let large = cell(&cells, "tanh", "large_random").unwrap();
        assert_eq!(large.test_accuracy_mean, None);
        let text = report(&cells, &claims(&cells), "", Some(0.126));
        let row = text
            .lines()
            .find(|l| l.contains("`large_random` |"))
            .unwrap();
        assert!(
            row.contains("diverged at every rate") && !row.contains('%'),
            "{row}"
        );
        assert!(
            text.contains("chance 12.6 %"),
            "chance printed beside the accuracies"
        );
        let small = text
            .lines()
            .find(|l| l.contains("`small_random` |"))
            .unwrap();
        assert!(small.contains("predicts one class 3/3"), "{small}");
        assert_eq!(claims(&cells)[0].decision.status, Status::Confirmed);
    }
}

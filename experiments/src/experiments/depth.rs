//! `depth`: ReLU and tanh networks of 5, 10, 20 and 30 hidden layers under Glorot, He, LSUV and
//! orthogonal initialization: which train and which stall. He et al. (2015, §2.2 and Fig. 3)
//! report that a 30-layer ReLU net stalls with Glorot ("Xavier") init and converges with theirs.
//!
//! Protocol: every (activation, depth, initialization) gets its best learning rate from the same
//! grid, chosen on the validation split (deep nets need smaller rates; one rate for every depth
//! would decide the comparison by the rate, not the initialization); the paper's comparison at one
//! shared rate — the largest grid rate at which neither He nor Glorot diverged on any seed — is
//! reported beside it. Per-layer gradient norms at initialization are shown for every case.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use burn_init::Init;
use burn_init::Nonlinearity;

use super::Experiment;
use crate::Context;
use crate::claims::{self, Claim, ClaimText, fmt};
use crate::error::Result;
use crate::experiments::curves::{chosen_rate_curve, curves_figure, read_curves};
use crate::figure::markdown;
use crate::protocol::{self, Selection};
use crate::record::{RunSummary, write_atomic, write_json};
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// Default epochs (about 850 steps of 64 on `mnist-small`: He et al. 2015 show the 30-layer
/// Glorot net not learning at all, so a few hundred steps separate the two; the suite must run in
/// about half an hour on 2 cores).
pub const EPOCHS: usize = 10;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "depth",
    description: "ReLU and tanh nets of 5, 10, 20, 30 hidden layers under Glorot, He, LSUV, orthogonal, each \
                  at its best learning rate (chosen on validation): which train and which stall",
    matches: |n| n == "depth",
    run,
    details: Vec::new,
    epochs: Some(EPOCHS),
    seeds: Some(crate::protocol::TRAINING_SEEDS),
};

/// Depths compared.
pub const DEPTHS: [usize; 4] = [5, 10, 20, 30];

/// The learning-rate grid.
pub const LRS: [f64; 4] = [0.001, 0.003, 0.01, 0.03];

/// The activations compared.
pub const ACTIVATIONS: [Nonlinearity; 2] = [Nonlinearity::Relu, Nonlinearity::Tanh];

/// Initializations compared.
pub fn strategies() -> Vec<InitStrategy> {
    vec![
        InitStrategy::plain(Init::GlorotUniform),
        InitStrategy::plain(Init::HeNormal),
        InitStrategy::Lsuv,
        InitStrategy::plain(Init::Orthogonal(burn_init::Orthogonal::default())),
    ]
}

fn config_id(activation: Nonlinearity, depth: usize, strategy: &str) -> String {
    format!("{}-d{depth}-{strategy}", activation.name())
}

/// The runs.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let o = &ctx.options;
    let mut specs = Vec::new();
    for activation in ACTIVATIONS {
        for depth in DEPTHS {
            for strategy in strategies() {
                for lr in protocol::lr_grid(o, &LRS) {
                    for mut spec in RunSpec::per_seed(activation, &strategy, o) {
                        spec.id = format!(
                            "{}-lr{lr}-s{}",
                            config_id(activation, depth, &strategy.name()),
                            spec.seed
                        );
                        spec.depth = depth;
                        spec.lr = Some(lr);
                        specs.push(spec);
                    }
                }
            }
        }
    }
    specs
}

/// The runs of one configuration (every rate and seed).
fn runs_of<'a>(
    summaries: &'a [RunSummary],
    activation: Nonlinearity,
    depth: usize,
    init: &str,
) -> Vec<&'a RunSummary> {
    summaries
        .iter()
        .filter(|s| s.activation == activation.name() && s.depth == depth && s.init == init)
        .collect()
}

/// Every configuration's selection: `(activation, depth, init) → Selection`.
pub fn selections(summaries: &[RunSummary]) -> BTreeMap<(String, usize, String), Selection> {
    let mut out = BTreeMap::new();
    for a in ACTIVATIONS {
        for d in DEPTHS {
            for s in strategies() {
                let runs = runs_of(summaries, a, d, &s.name());
                if !runs.is_empty() {
                    out.insert(
                        (a.name().to_string(), d, s.name()),
                        Selection::choose(&runs),
                    );
                }
            }
        }
    }
    out
}

/// The paper's comparison at one shared rate: the largest rate at which neither He nor Glorot
/// diverged on any seed at `depth` (ReLU). Returns the rate and both selections at it.
pub fn shared_rate(summaries: &[RunSummary], depth: usize) -> Option<(f64, Selection, Selection)> {
    let he = runs_of(summaries, Nonlinearity::Relu, depth, "he_normal");
    let gl = runs_of(summaries, Nonlinearity::Relu, depth, "glorot_uniform");
    let mut lrs: Vec<f64> = he.iter().map(|r| r.lr).collect();
    lrs.sort_by(f64::total_cmp);
    lrs.dedup();
    lrs.into_iter().rev().find_map(|lr| {
        let at = |runs: &[&RunSummary]| -> Vec<RunSummary> {
            runs.iter()
                .filter(|r| r.lr.to_bits() == lr.to_bits())
                .map(|r| (*r).clone())
                .collect()
        };
        let (h, g) = (at(&he), at(&gl));
        if h.is_empty() || g.is_empty() || h.iter().chain(&g).any(|r| r.diverged) {
            return None;
        }
        let sel = |v: &[RunSummary]| Selection::choose(&v.iter().collect::<Vec<_>>());
        Some((lr, sel(&h), sel(&g)))
    })
}

/// `he-beats-xavier-deep-relu` at the deepest depth.
pub fn claims(selections: &BTreeMap<(String, usize, String), Selection>) -> Vec<Claim> {
    let d = DEPTHS[DEPTHS.len() - 1];
    let get = |init: &str| selections.get(&("relu".to_string(), d, init.to_string()));
    let (Some(he), Some(gl)) = (get("he_normal"), get("glorot_uniform")) else {
        return Vec::new();
    };
    vec![Claim::new(
        ClaimText {
            id: "he-beats-xavier-deep-relu",
            claim: format!("He init trains a {d}-layer ReLU net better than Glorot/Xavier"),
            source: "He et al. 2015 §2.2, Fig. 3",
            threshold_reason: "comparative: the paired (same seed, same batches) difference of test accuracies, each \
                               initialization at its own learning rate chosen on the validation split from the same \
                               grid, must be above 0"
                .into(),
            seeds: crate::protocol::TRAINING_SEEDS,
        },
        vec![protocol::beats(
            format!(
                "relu, {d} hidden layers: test accuracy, he_normal (lr {}) minus glorot_uniform (lr {})",
                he.lr.map_or("—".into(), fmt),
                gl.lr.map_or("—".into(), fmt)
            ),
            he,
            gl,
        )],
    )]
}

/// Mean over seeds of the gradient norm at initialization per hidden layer (from any rate: the
/// initialization does not depend on it).
fn init_grad_norms(summaries: &[RunSummary], a: Nonlinearity, d: usize, init: &str) -> Vec<f64> {
    let runs = runs_of(summaries, a, d, init);
    let at = protocol::at_first_rate(&runs);
    if at.is_empty() {
        return Vec::new();
    }
    (0..d)
        .map(|l| {
            let v: Vec<f64> = at
                .iter()
                .filter_map(|r| r.init_stats.get(l).map(|s| s.grad_norm))
                .filter(|g| g.is_finite())
                .collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        })
        .collect()
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(ctx, "depth", specs(ctx))?;
    let selections = selections(&summaries);
    let claims = claims(&selections);
    let o = &ctx.options;
    let out = o.out_dir("depth");
    let lrs = protocol::lr_grid(o, &LRS);
    let chance = protocol::chance(&summaries);
    let curves = read_curves(&out.join("metrics.csv"), "valid", "accuracy")?;
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# depth: which initializations let deep nets train\n\n{}\n{} units per layer.\n\n## Claims\n\n{}",
        protocol::header(ctx, &out, &device, start.elapsed().as_secs_f64(), &lrs),
        o.width,
        claims::table(&claims)
    );
    let deepest = DEPTHS[DEPTHS.len() - 1];
    match shared_rate(&summaries, deepest) {
        Some((lr, he, gl)) => {
            let c = protocol::beats("", &he, &gl);
            let _ = writeln!(
                r,
                "The paper's comparison at one shared rate (lr {}, the largest grid rate at which neither diverged on any \
                 seed at {deepest} layers): He {} versus Glorot {}; paired difference {} → {}{}.\n",
                fmt(lr),
                he.describe(),
                gl.describe(),
                claims::fmt_estimate(c.value, c.interval),
                c.status.name(),
                c.reason.map_or(String::new(), |x| format!(" ({x})"))
            );
        }
        None => {
            let _ = writeln!(
                r,
                "No grid rate is shared by He and Glorot at {deepest} layers without a divergence: no shared-rate comparison.\n"
            );
        }
    }
    for activation in ACTIVATIONS {
        let a = activation.name();
        let _ = writeln!(
            r,
            "\n## {a}\n\nTest accuracy at the chosen rate and epoch, mean [95 % interval] over seeds (chance {}).\n\n{}",
            chance.map_or("—".into(), |c| format!("{:.1} %", 100.0 * c)),
            InitStrategy::table_head("depth", &strategies())
        );
        for depth in DEPTHS {
            let cells: Vec<String> = strategies()
                .iter()
                .map(|s| {
                    selections
                        .get(&(a.to_string(), depth, s.name()))
                        .map_or("—".into(), Selection::describe)
                })
                .collect();
            let _ = writeln!(r, "| {depth} | {} |", cells.join(" | "));
        }
        let mut grid: Vec<(String, &Selection)> = Vec::new();
        for d in DEPTHS {
            for s in strategies() {
                if let Some(sel) = selections.get(&(a.to_string(), d, s.name())) {
                    grid.push((format!("{d} layers, `{}`", s.name()), sel));
                }
            }
        }
        let _ = writeln!(
            r,
            "\nLearning-rate grid (mean best validation accuracy over seeds; chosen in bold):\n\n{}",
            protocol::grid_table(&grid)
        );
        // Validation-accuracy curves at each configuration's chosen rate, mean over seeds.
        for depth in DEPTHS {
            let plot: Vec<(String, Vec<(usize, f64)>)> = strategies()
                .iter()
                .filter_map(|s| {
                    chosen_rate_curve(
                        &curves,
                        &config_id(activation, depth, &s.name()),
                        &s.name(),
                        selections.get(&(a.to_string(), depth, s.name())),
                    )
                })
                .collect();
            curves_figure(
                &out,
                &format!("accuracy_{a}_d{depth}"),
                &format!(
                    "{a}, {depth} hidden layers: validation accuracy at the chosen rate (mean over seeds)"
                ),
                "epoch",
                "validation accuracy",
                &plot,
                protocol::valid_chance(&summaries),
            )?;
        }
        for depth in DEPTHS {
            let _ = writeln!(
                r,
                "{}\n",
                markdown(
                    &format!("{a}, depth {depth}"),
                    &format!("accuracy_{a}_d{depth}")
                )
            );
        }
        // Gradient norms at initialization per layer, at the deepest depth.
        let _ = writeln!(
            r,
            "Gradient norm of each hidden layer's weight at initialization ({deepest} layers, cross-entropy on the \
             diagnostic batch, mean over seeds); the first and the last layer:\n\n| init | layer 1 | layer {deepest} | ratio |\n|---|---|---|---|"
        );
        let mut grad_plot = Vec::new();
        for s in strategies() {
            let g = init_grad_norms(&summaries, activation, deepest, &s.name());
            if let (Some(first), Some(last)) = (g.first(), g.last()) {
                let _ = writeln!(
                    r,
                    "| `{}` | {} | {} | {} |",
                    s.name(),
                    fmt(*first),
                    fmt(*last),
                    fmt(first / last)
                );
            }
            grad_plot.push((
                s.name(),
                g.iter()
                    .enumerate()
                    .map(|(l, v)| (l + 1, v.max(1e-30).log10()))
                    .collect(),
            ));
        }
        curves_figure(
            &out,
            &format!("grad_norms_{a}"),
            &format!("{a}, {deepest} layers: log10 gradient norm per layer at initialization"),
            "hidden layer",
            "log10 ‖∂L/∂W‖",
            &grad_plot,
            None,
        )?;
        let _ = writeln!(
            r,
            "\n{}\n",
            markdown(
                &format!("{a} gradient norms at init"),
                &format!("grad_norms_{a}")
            )
        );
    }
    write_json(&out.join("selections.json"), &selections.iter().map(|((a, d, i), s)| {
        serde_json::json!({"activation": a, "depth": d, "init": i, "selection": s})
    }).collect::<Vec<_>>())?;
    write_json(&out.join("claims.json"), &claims)?;
    write_atomic(&out.join("report.md"), r.as_bytes())?;
    claims::print(&claims);
    println!(
        "files: {}/{{summary.json, metrics.csv, selections.json, claims.json, accuracy_*.{{svg,png}}, grad_norms_*.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

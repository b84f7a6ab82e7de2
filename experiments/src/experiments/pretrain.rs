//! `pretrain`: greedy layer-wise autoencoder pretraining versus random initializations for deep
//! (10 hidden layers) tanh and sigmoid networks: accuracy, convergence (epochs to the target) and
//! accuracy curves; the claim `pretrain-helps-deep-sigmoid`.

use std::fmt::Write as _;

use burn_init::{Activation, Init};

use crate::Context;
use crate::error::Result;
use crate::experiments::curves::{Claim, claims_table, read_curves, write_run_curves};
use crate::figure::{LinePanel, Series};
use crate::record::{RunSummary, write_atomic, write_json};
use crate::registry::Experiment;
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "pretrain",
    description: "greedy layer-wise autoencoder pretraining versus Glorot, LeCun and LSUV for 10-layer tanh \
                  and sigmoid nets: accuracy, epochs to target, curves",
    matches: |n| n == "pretrain",
    run,
    details: Vec::new,
    epochs: None,
    seeds: None,
};

/// Hidden layers of the deep nets.
pub const DEPTH: usize = 10;

/// Random initializations pretraining is compared with.
pub fn random_inits() -> Vec<InitStrategy> {
    vec![
        InitStrategy::plain(Init::GlorotUniform),
        InitStrategy::plain(Init::LecunNormal),
        InitStrategy::Lsuv,
    ]
}

/// The runs.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let o = &ctx.options;
    let mut specs = Vec::new();
    for activation in [Activation::Sigmoid, Activation::Tanh] {
        for strategy in random_inits().into_iter().chain([InitStrategy::Pretrain]) {
            specs.push(RunSpec {
                id: format!("{}-{}-s{}", activation.name(), strategy.name(), o.seed),
                activation,
                strategy,
                depth: DEPTH,
                width: o.width,
                seed: o.seed,
                dropout: 0.0,
            });
        }
    }
    specs
}

fn acc(summaries: &[RunSummary], activation: &str, init: &str) -> Option<f64> {
    summaries
        .iter()
        .find(|s| s.activation == activation && s.init == init)
        .map(|s| s.final_valid_accuracy.unwrap_or(0.0))
}

/// `pretrain-helps-deep-sigmoid`: pretraining versus the best random initialization.
pub fn claims(summaries: &[RunSummary]) -> Vec<Claim> {
    let best_random = random_inits()
        .iter()
        .filter_map(|s| acc(summaries, "sigmoid", &s.name()).map(|a| (s.name(), a)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match (acc(summaries, "sigmoid", "pretrain"), best_random) {
        (Some(p), Some((name, b))) => vec![Claim {
            id: "pretrain-helps-deep-sigmoid".into(),
            claim: format!("greedy layer-wise pretraining helps a {DEPTH}-layer sigmoid net"),
            metric: format!(
                "sigmoid, {DEPTH} hidden layers: final test accuracy, pretrain minus the best random init ({name})"
            ),
            value: p - b,
            threshold: 0.0,
            holds: p - b > 0.0,
        }],
        _ => Vec::new(),
    }
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(ctx, "pretrain", specs(ctx))?;
    let claims = claims(&summaries);
    let o = &ctx.options;
    let out = o.out_dir("pretrain");
    let curves = read_curves(&out.join("metrics.csv"), "valid", "accuracy")?;
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# pretrain: greedy layer-wise pretraining of deep nets\n\n{DEPTH} hidden layers × {} units, {} epochs after initialization, seed {}, device {}; pretraining: {} epochs per layer, Adam; {} runs in {:.1} s; git {}. Command: `{}`.\n\n## Claims\n\n{}",
        o.width,
        o.epochs(),
        o.seed,
        device,
        crate::strategy::PRETRAIN_EPOCHS,
        summaries.len(),
        start.elapsed().as_secs_f64(),
        crate::record::git_commit(),
        ctx.command.join(" "),
        claims_table(&claims)
    );
    let _ = writeln!(
        r,
        "\n## Runs\n\n| run | final accuracy | best accuracy | epochs to target |\n|---|---|---|---|"
    );
    for s in &summaries {
        let pct = |a: Option<f64>| a.map_or("—".into(), |a| format!("{:.1} %", 100.0 * a));
        let ett = s.epochs_to_target.map_or("never".into(), |e| e.to_string());
        let _ = writeln!(
            r,
            "| `{}` | {} | {} | {ett} |",
            s.run,
            pct(s.final_valid_accuracy),
            pct(s.best_valid_accuracy)
        );
    }
    let _ = writeln!(
        r,
        "\n## Reconstruction loss per layer\n\nGreedy pretraining trains one autoencoder per hidden layer on the previous \
         layer's codes: mean squared reconstruction error in the first and the last of its {} epochs.\n",
        crate::strategy::PRETRAIN_EPOCHS
    );
    for s in summaries.iter().filter(|s| !s.pretrain_losses.is_empty()) {
        let _ = writeln!(
            r,
            "`{}`:\n\n| layer | first epoch | last epoch | change |\n|---|---|---|---|",
            s.run
        );
        for (layer, losses) in s.pretrain_losses.iter().enumerate() {
            let (first, last) = (
                losses.first().copied().unwrap_or(f64::NAN),
                losses.last().copied().unwrap_or(f64::NAN),
            );
            let _ = writeln!(
                r,
                "| {} | {first:.4e} | {last:.4e} | {:+.1} % |",
                layer + 1,
                100.0 * (last - first) / first
            );
        }
        let stem = format!("reconstruction_{}", s.activation);
        let series = s
            .pretrain_losses
            .iter()
            .enumerate()
            .map(|(layer, losses)| {
                Series::new(
                    format!("layer {}", layer + 1),
                    losses
                        .iter()
                        .enumerate()
                        .map(|(e, &l)| ((e + 1) as f64, l))
                        .collect(),
                )
            })
            .collect();
        crate::figure::line_figure(
            &out,
            &stem,
            &format!("{}: autoencoder reconstruction loss per layer", s.run),
            &[LinePanel {
                x_label: "pretraining epoch".into(),
                y_label: "MSE".into(),
                series,
                ..LinePanel::default()
            }],
            1,
        )?;
        let _ = writeln!(
            r,
            "\n{}\n",
            crate::figure::markdown(&format!("reconstruction loss, {}", s.run), &stem)
        );
    }
    for activation in ["sigmoid", "tanh"] {
        let stem = format!("accuracy_{activation}");
        write_run_curves(
            &out,
            &stem,
            &format!("{activation}, {DEPTH} hidden layers"),
            &curves,
            &format!("{activation}-"),
            1,
        )?;
        let _ = writeln!(r, "\n{}", crate::figure::markdown(activation, &stem));
    }
    write_json(&out.join("claims.json"), &claims)?;
    write_atomic(&out.join("report.md"), r.as_bytes())?;
    crate::experiments::curves::print_claims(&claims);
    println!(
        "files: {}/{{summary.json, metrics.csv, claims.json, accuracy_*.{{svg,png}}, reconstruction_*.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

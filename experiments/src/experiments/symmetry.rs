//! `symmetry`: constant initialization versus random, with and without dropout. Under a constant
//! init every hidden unit of a layer computes the same function and receives the same gradient,
//! so training keeps them identical; dropout drops units independently and can break the tie.
//! Trains tanh and ReLU nets from zeros, a constant 0.05 and Glorot uniform, each with dropout 0
//! and 0.3, and reports the accuracy and the number of distinct neurons per layer after training.

use std::fmt::Write as _;

use burn_init::Init;
use burn_init::Nonlinearity as Activation;

use crate::Context;
use crate::error::Result;
use crate::experiments::curves::Claim;
use crate::record::{RunSummary, write_atomic, write_json};
use crate::registry::Experiment;
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// Default epochs: symmetry is decided early (a symmetric net stays symmetric under any number
/// of steps), and 20 epochs keep the 12 runs within a minute on 2 cores.
pub const SYMMETRY_EPOCHS: usize = 20;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "symmetry",
    description: "zeros and a constant init versus Glorot, with and without dropout (0.3): accuracy and \
                  distinct neurons per layer after training (tanh and ReLU)",
    matches: |n| n == "symmetry",
    run,
    details: Vec::new,
    epochs: Some(SYMMETRY_EPOCHS),
    seeds: None,
};

/// Dropout probabilities compared.
pub const DROPOUTS: [f64; 2] = [0.0, 0.3];

/// The initializations compared (report label, initializer).
pub fn inits() -> Vec<(&'static str, Init)> {
    vec![
        ("zeros", Init::Zeros),
        ("constant", Init::Constant { value: 0.05 }),
        ("glorot", Init::GlorotUniform),
    ]
}

/// The runs of the experiment.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let o = &ctx.options;
    let mut specs = Vec::new();
    for activation in [Activation::Tanh, Activation::Relu] {
        for (label, init) in inits() {
            for dropout in DROPOUTS {
                specs.push(RunSpec {
                    id: format!("{}-{label}-d{dropout}-s{}", activation.name(), o.seed),
                    activation,
                    strategy: InitStrategy::plain(init.clone()),
                    depth: o.depth,
                    width: o.width,
                    seed: o.seed,
                    dropout,
                });
            }
        }
    }
    specs
}

fn max_distinct(s: &RunSummary) -> f64 {
    s.final_stats
        .iter()
        .map(|l| l.distinct_neurons)
        .max()
        .unwrap_or(0) as f64
}

/// The claims, from the summaries.
pub fn claims(summaries: &[RunSummary]) -> Vec<Claim> {
    let find = |prefix: &str| summaries.iter().find(|s| s.run.starts_with(prefix));
    let mut out = Vec::new();
    if let Some(s) = find("tanh-constant-d0-") {
        let v = max_distinct(s);
        out.push(Claim {
            id: "symmetry-constant".into(),
            claim: "a constant initialization keeps the neurons of a layer identical through training".into(),
            metric: "tanh, constant 0.05, no dropout: most distinct neurons in any hidden layer after training".into(),
            value: v,
            threshold: 1.0,
            holds: v <= 1.0,
        });
    }
    if let Some(s) = find("tanh-constant-d0.3-") {
        let v = max_distinct(s);
        out.push(Claim {
            id: "dropout-breaks-symmetry".into(),
            claim: "dropout can break the symmetry of a constant initialization".into(),
            metric: "tanh, constant 0.05, dropout 0.3: most distinct neurons in any hidden layer after training".into(),
            value: v,
            threshold: 1.0,
            holds: v > 1.0,
        });
    }
    out
}

/// The Markdown report.
pub fn report(summaries: &[RunSummary], claims: &[Claim], header: &str) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# symmetry: constant versus random initialization\n\n{header}\n"
    );
    let _ = writeln!(
        r,
        "## Claims\n\n{}",
        crate::experiments::curves::claims_table(claims)
    );
    let _ = writeln!(
        r,
        "\n## Runs\n\n| run | final accuracy | distinct neurons per layer at init | after training |\n|---|---|---|---|"
    );
    for s in summaries {
        let list = |v: &[crate::stats::LayerStats]| {
            v.iter()
                .map(|l| l.distinct_neurons.to_string())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let acc = s
            .final_valid_accuracy
            .map_or("—".into(), |a| format!("{:.1} %", 100.0 * a));
        let _ = writeln!(
            r,
            "| `{}` | {acc} | {} | {} |",
            s.run,
            list(&s.init_stats),
            list(&s.final_stats)
        );
    }
    r
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(ctx, "symmetry", specs(ctx))?;
    let claims = claims(&summaries);
    let out = ctx.options.out_dir("symmetry");
    let o = &ctx.options;
    let header = format!(
        "{} hidden layers × {} units on {}, {} epochs, seed {}, device {}; wall time {:.1} s; git {}. \
         Command: `{}`.",
        o.depth,
        o.width,
        o.dataset.map_or("mnist-small".into(), |d| format!("{d:?}")),
        o.epochs(),
        o.seed,
        device,
        start.elapsed().as_secs_f64(),
        crate::record::git_commit(),
        ctx.command.join(" ")
    );
    write_json(&out.join("claims.json"), &claims)?;
    write_atomic(
        &out.join("report.md"),
        report(&summaries, &claims, &header).as_bytes(),
    )?;
    crate::experiments::curves::print_claims(&claims);
    println!(
        "files: {}/{{summary.json, metrics.csv, claims.json, report.md}}",
        out.display()
    );
    Ok(())
}

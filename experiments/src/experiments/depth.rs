//! `depth`: ReLU and tanh networks of 5, 10, 20 and 30 hidden layers under Glorot, He, LSUV and
//! orthogonal initialization: which converge and which stall (He et al. 2015 report a 30-layer
//! ReLU net that stalls with Xavier init and trains with theirs). Validation-accuracy curves per
//! depth, and the claim `he-beats-xavier-deep-relu`.

use std::fmt::Write as _;

use burn_init::Init;
use burn_init::Nonlinearity as Activation;

use crate::Context;
use crate::error::Result;
use crate::experiments::curves::{Claim, claims_table, read_curves, write_run_curves};
use crate::record::{RunSummary, write_atomic, write_json};
use crate::registry::Experiment;
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "depth",
    description: "ReLU and tanh nets of 5, 10, 20, 30 hidden layers under Glorot, He, LSUV, orthogonal: \
                  which converge and which stall; accuracy curves per depth",
    matches: |n| n == "depth",
    run,
    details: Vec::new,
    epochs: None,
    seeds: None,
};

/// Depths compared.
pub const DEPTHS: [usize; 4] = [5, 10, 20, 30];

/// Initializations compared.
pub fn strategies() -> Vec<InitStrategy> {
    vec![
        InitStrategy::plain(Init::GlorotUniform),
        InitStrategy::plain(Init::HeNormal),
        InitStrategy::Lsuv,
        InitStrategy::plain(Init::Orthogonal { gain: 1.0 }),
    ]
}

/// The runs.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let o = &ctx.options;
    let mut specs = Vec::new();
    for activation in [Activation::Relu, Activation::Tanh] {
        for depth in DEPTHS {
            for strategy in strategies() {
                specs.push(RunSpec {
                    id: format!(
                        "{}-d{depth}-{}-s{}",
                        activation.name(),
                        strategy.name(),
                        o.seed
                    ),
                    activation,
                    strategy,
                    depth,
                    width: o.width,
                    seed: o.seed,
                    dropout: 0.0,
                });
            }
        }
    }
    specs
}

fn acc(summaries: &[RunSummary], run_prefix: &str) -> Option<f64> {
    summaries
        .iter()
        .find(|s| s.run.starts_with(run_prefix))
        .map(|s| s.final_valid_accuracy.unwrap_or(0.0))
}

/// `he-beats-xavier-deep-relu` at the deepest depth.
pub fn claims(summaries: &[RunSummary]) -> Vec<Claim> {
    let d = DEPTHS[DEPTHS.len() - 1];
    match (
        acc(summaries, &format!("relu-d{d}-he_normal-")),
        acc(summaries, &format!("relu-d{d}-glorot_uniform-")),
    ) {
        (Some(he), Some(gl)) => vec![Claim {
            id: "he-beats-xavier-deep-relu".into(),
            claim: format!("He init trains a {d}-layer ReLU net better than Glorot/Xavier"),
            metric: format!(
                "relu, {d} hidden layers: final test accuracy, he_normal minus glorot_uniform"
            ),
            value: he - gl,
            threshold: 0.0,
            holds: he - gl > 0.0,
        }],
        _ => Vec::new(),
    }
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(ctx, "depth", specs(ctx))?;
    let claims = claims(&summaries);
    let o = &ctx.options;
    let out = o.out_dir("depth");
    let curves = read_curves(&out.join("metrics.csv"), "valid", "accuracy")?;
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# depth: which initializations let deep nets train\n\n{} units per layer, {} epochs, seed {}, device {}; {} runs in {:.1} s; git {}. Command: `{}`.\n\n## Claims\n\n{}",
        o.width,
        o.epochs(),
        o.seed,
        device,
        summaries.len(),
        start.elapsed().as_secs_f64(),
        crate::record::git_commit(),
        ctx.command.join(" "),
        claims_table(&claims)
    );
    for activation in ["relu", "tanh"] {
        let _ = writeln!(
            r,
            "\n## {activation}\n\n| depth | {} |\n|---|{}",
            strategies()
                .iter()
                .map(InitStrategy::name)
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(strategies().len())
        );
        for depth in DEPTHS {
            let cells: Vec<String> = strategies()
                .iter()
                .map(|s| {
                    acc(&summaries, &format!("{activation}-d{depth}-{}-", s.name()))
                        .map_or("—".into(), |a| format!("{:.1} %", 100.0 * a))
                })
                .collect();
            let _ = writeln!(r, "| {depth} | {} |", cells.join(" | "));
            write_run_curves(
                &out,
                &format!("accuracy_{activation}_d{depth}"),
                &format!("{activation}, {depth} hidden layers"),
                &curves,
                &format!("{activation}-d{depth}-"),
                2,
            )?;
        }
        for depth in DEPTHS {
            let _ = writeln!(
                r,
                "\n{}",
                crate::figure::markdown(
                    &format!("{activation}, depth {depth}"),
                    &format!("accuracy_{activation}_d{depth}")
                )
            );
        }
    }
    write_json(&out.join("claims.json"), &claims)?;
    write_atomic(&out.join("report.md"), r.as_bytes())?;
    crate::experiments::curves::print_claims(&claims);
    println!(
        "files: {}/{{summary.json, metrics.csv, claims.json, accuracy_*.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

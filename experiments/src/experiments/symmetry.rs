//! `symmetry`: constant versus random initialization, with and without dropout. Under a
//! constant init every hidden unit of a layer computes the same function and receives the same
//! gradient, so training keeps them identical (the symmetry argument of LeCun et al. 1998 and
//! Goodfellow et al. 2016 §8.4); dropout drops units independently and can break the tie.
//! Trains tanh and ReLU nets from zeros, a constant 0.05 and Glorot uniform, each with dropout
//! 0 and 0.3, over `--seeds` seeds (3 by default), and reports the accuracy and the number of
//! distinct neurons per layer at every epoch.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use burn_init::Init;
use burn_init::Nonlinearity;

use super::Experiment;
use crate::Context;
use crate::claims::{self, Claim, ClaimText, Condition, Direction, Estimate, Guards};
use crate::error::Result;
use crate::experiments::curves::{curves_figure, read_curves, read_layer_curves};
use crate::figure::markdown;
use crate::protocol;
use crate::record::{RunSummary, write_atomic, write_json};
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// Default epochs: symmetry is decided early (a symmetric net stays symmetric under any number
/// of steps).
pub const SYMMETRY_EPOCHS: usize = 20;

/// Default seeds.
pub const SEEDS: usize = 3;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "symmetry",
    description: "zeros and a constant init versus Glorot, with and without dropout (0.3): accuracy and \
                  distinct neurons per layer and epoch (tanh and ReLU), over seeds",
    matches: |n| n == "symmetry",
    run,
    details: Vec::new,
    epochs: Some(SYMMETRY_EPOCHS),
    seeds: Some(crate::protocol::TRAINING_SEEDS),
};

/// Dropout probabilities compared.
pub const DROPOUTS: [f64; 2] = [0.0, 0.3];

/// The initializations compared (report label, initializer).
pub fn inits() -> Vec<(&'static str, Init)> {
    vec![
        ("zeros", Init::Zeros),
        (
            "constant",
            Init::Constant(burn_init::Constant::new(0.05).expect("0.05 is finite")),
        ),
        ("glorot", Init::GlorotUniform),
    ]
}

/// The activations compared.
pub const ACTIVATIONS: [Nonlinearity; 2] = [Nonlinearity::Tanh, Nonlinearity::Relu];

/// `<activation>-<init>-d<dropout>`: the configuration part of a run id.
fn config_id(activation: Nonlinearity, label: &str, dropout: f64) -> String {
    format!("{}-{label}-d{dropout}", activation.name())
}

/// The runs of the experiment.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let o = &ctx.options;
    let mut specs = Vec::new();
    for activation in ACTIVATIONS {
        for (label, init) in inits() {
            for dropout in DROPOUTS {
                for mut spec in RunSpec::per_seed(activation, &InitStrategy::plain(init.clone()), o)
                {
                    spec.id = format!("{}-s{}", config_id(activation, label, dropout), spec.seed);
                    spec.dropout = dropout;
                    specs.push(spec);
                }
            }
        }
    }
    specs
}

/// The most distinct neurons in any hidden layer after training (`None`: the run diverged or
/// has no statistics after training).
fn max_distinct(s: &RunSummary) -> Option<f64> {
    if s.diverged {
        return None;
    }
    s.final_stats
        .iter()
        .map(|l| l.distinct_neurons)
        .max()
        .map(|d| d as f64)
}

fn runs_of<'a>(summaries: &'a [RunSummary], config: &str) -> Vec<&'a RunSummary> {
    summaries
        .iter()
        .filter(|s| s.run.rsplit_once("-s").is_some_and(|(c, _)| c == config))
        .collect()
}

/// A condition on the most distinct neurons after training, over the seeds of `config`; a
/// diverged or empty run makes it undecided.
fn distinct_condition(
    summaries: &[RunSummary],
    config: &str,
    direction: Direction,
    metric: &str,
    prediction: Option<f64>,
) -> Condition {
    let runs = runs_of(summaries, config);
    let values: Vec<f64> = runs.iter().filter_map(|s| max_distinct(s)).collect();
    let mut guards = Guards::default();
    let diverged = runs.iter().filter(|s| s.diverged).count();
    if diverged > 0 {
        guards.diverged = Some((diverged, runs.len()));
    } else if values.len() < runs.len() || runs.is_empty() {
        guards.degenerate = Some(format!(
            "{} of {} runs have no layer statistics after training",
            runs.len() - values.len(),
            runs.len()
        ));
    }
    Condition::decide(metric, &values, 1.5, direction, prediction, &guards)
}

/// The claims, from the summaries.
pub fn claims(summaries: &[RunSummary]) -> Vec<Claim> {
    let reason = "neurons count as distinct when their incoming weights and biases differ by more than 1e-6; \
                  a layer is symmetric with exactly 1 distinct neuron, so the threshold 1.5 separates 1 from 2 or more";
    vec![
        Claim::new(
            ClaimText {
                id: "symmetry-constant",
                claim: "a constant initialization keeps the neurons of a layer identical through training"
                    .into(),
                source: "LeCun et al. 1998 §4.6; Goodfellow et al. 2016 §8.4",
                threshold_reason: reason.into(),
                seeds: crate::protocol::TRAINING_SEEDS,
            },
            vec![distinct_condition(
                summaries,
                &config_id(Nonlinearity::Tanh, "constant", 0.0),
                Direction::Below,
                "tanh, constant 0.05, no dropout: most distinct neurons in any hidden layer after training",
                Some(1.0),
            )],
        ),
        Claim::new(
            ClaimText {
                id: "dropout-breaks-symmetry",
                claim: "dropout can break the symmetry of a constant initialization".into(),
                source: "Srivastava et al. 2014 (dropout masks differ per unit)",
                threshold_reason: reason.into(),
                seeds: crate::protocol::TRAINING_SEEDS,
            },
            vec![distinct_condition(
                summaries,
                &config_id(Nonlinearity::Tanh, "constant", 0.3),
                Direction::Above,
                "tanh, constant 0.05, dropout 0.3: most distinct neurons in any hidden layer after training",
                None,
            )],
        ),
    ]
}

/// Per configuration: `epoch → mean over seeds` of `curves` (finite values only).
fn mean_curves(
    curves: &BTreeMap<String, Vec<(usize, f64)>>,
    configs: &[String],
) -> Vec<(String, Vec<(usize, f64)>)> {
    configs
        .iter()
        .map(|c| {
            let mut by_epoch: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
            for (run, points) in curves {
                if run.rsplit_once("-s").is_some_and(|(cfg, _)| cfg == c) {
                    for &(e, v) in points {
                        if v.is_finite() {
                            by_epoch.entry(e).or_default().push(v);
                        }
                    }
                }
            }
            let points = by_epoch
                .into_iter()
                .map(|(e, v)| (e, v.iter().sum::<f64>() / v.len() as f64))
                .collect();
            (c.clone(), points)
        })
        .collect()
}

/// The Markdown report.
pub fn report(
    summaries: &[RunSummary],
    claims: &[Claim],
    header: &str,
    chance: Option<f64>,
) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# symmetry: constant versus random initialization\n\n{header}\n"
    );
    let _ = writeln!(r, "## Claims\n\n{}", claims::table(claims));
    let _ = writeln!(
        r,
        "{}\n\n{}\n",
        markdown("distinct neurons per epoch", "distinct_neurons"),
        markdown("validation accuracy per epoch", "accuracy")
    );
    let _ = writeln!(
        r,
        "## Configurations\n\nTest accuracy at the best-validation epoch, mean [95 % interval] over seeds (chance {}), \
         and the most distinct neurons in any hidden layer at initialization and after training (per seed).\n\n\
         | configuration | test accuracy | distinct at init | distinct after training | diverged |\n|---|---|---|---|---|",
        chance.map_or("—".into(), |c| format!("{:.1} %", 100.0 * c))
    );
    for activation in ACTIVATIONS {
        for (label, _) in inits() {
            for dropout in DROPOUTS {
                let config = config_id(activation, label, dropout);
                let runs = runs_of(summaries, &config);
                let acc: Vec<f64> = runs
                    .iter()
                    .filter(|s| !s.diverged)
                    .filter_map(|s| s.test_accuracy_at_best)
                    .collect();
                let one_class = runs
                    .iter()
                    .filter(|s| protocol::predicts_one_class(s))
                    .count();
                let acc_text = Estimate::of(&acc).map_or("—".into(), |e| {
                    let mut t = e.percent();
                    if one_class > 0 {
                        let _ = write!(t, " (predicts one class {one_class}/{})", runs.len());
                    }
                    t
                });
                let list = |f: &dyn Fn(&RunSummary) -> Option<usize>| {
                    runs.iter()
                        .map(|s| f(s).map_or("—".into(), |d| d.to_string()))
                        .collect::<Vec<_>>()
                        .join(" / ")
                };
                let _ = writeln!(
                    r,
                    "| `{config}` | {acc_text} | {} | {} | {}/{} |",
                    list(&|s| s.init_stats.iter().map(|l| l.distinct_neurons).max()),
                    list(&|s| max_distinct(s).map(|d| d as usize)),
                    runs.iter().filter(|s| s.diverged).count(),
                    runs.len()
                );
            }
        }
    }
    r
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(ctx, "symmetry", specs(ctx))?;
    let claims = claims(&summaries);
    let out = ctx.options.out_dir("symmetry");
    let configs: Vec<String> = ACTIVATIONS
        .iter()
        .flat_map(|a| {
            inits()
                .into_iter()
                .flat_map(move |(label, _)| DROPOUTS.iter().map(move |d| config_id(*a, label, *d)))
        })
        .collect();
    // Most distinct neurons over the layers, per run and epoch; then the mean over seeds.
    let layers = read_layer_curves(&out.join("metrics.csv"), "train", "distinct_neurons")?;
    let per_run: BTreeMap<String, Vec<(usize, f64)>> = layers
        .into_iter()
        .map(|(run, points)| {
            let mut by_epoch: BTreeMap<usize, f64> = BTreeMap::new();
            for (e, _, v) in points {
                let m = by_epoch.entry(e).or_insert(f64::NEG_INFINITY);
                *m = m.max(v);
            }
            (run, by_epoch.into_iter().collect())
        })
        .collect();
    curves_figure(
        &out,
        "distinct_neurons",
        "most distinct neurons in any hidden layer (mean over seeds)",
        "epoch",
        "distinct neurons",
        &mean_curves(&per_run, &configs),
        None,
    )?;
    let accuracy = read_curves(&out.join("metrics.csv"), "valid", "accuracy")?;
    curves_figure(
        &out,
        "accuracy",
        "validation accuracy (mean over seeds)",
        "epoch",
        "validation accuracy",
        &mean_curves(&accuracy, &configs),
        protocol::valid_chance(&summaries),
    )?;
    let header = protocol::header(
        ctx,
        &out,
        &device,
        start.elapsed().as_secs_f64(),
        &[ctx.options.lr()],
    );
    write_json(&out.join("claims.json"), &claims)?;
    write_atomic(
        &out.join("report.md"),
        report(&summaries, &claims, &header, protocol::chance(&summaries)).as_bytes(),
    )?;
    claims::print(&claims);
    println!(
        "files: {}/{{summary.json, metrics.csv, claims.json, distinct_neurons.{{svg,png}}, accuracy.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Status;
    use crate::protocol::fake;
    use crate::stats::LayerStats;

    fn layer(distinct: usize) -> LayerStats {
        serde_json::from_value(serde_json::json!({
            "layer": 0, "act_mean": 0.0, "act_std": 1.0, "saturated_fraction": 0.0,
            "dead_fraction": 0.0, "grad_norm": 1.0, "distinct_neurons": distinct
        }))
        .unwrap()
    }

    fn symmetric_runs(diverged_seed: Option<u64>, empty: bool) -> Vec<RunSummary> {
        (0..3)
            .map(|seed| {
                let diverged = diverged_seed == Some(seed);
                let mut r = fake::run("constant", 0.02, seed, (!diverged).then_some(0.3), false);
                r.run = format!("tanh-constant-d0-s{seed}");
                r.final_stats = if diverged || empty {
                    Vec::new()
                } else {
                    vec![layer(1), layer(1)]
                };
                r
            })
            .collect()
    }

    #[test]
    fn symmetry_cannot_pass_on_a_diverged_or_empty_run() {
        let ok = claims(&symmetric_runs(None, false));
        assert_eq!(ok[0].id, "symmetry-constant");
        assert_eq!(ok[0].decision.status, Status::Confirmed);
        let diverged = claims(&symmetric_runs(Some(1), false));
        assert_eq!(diverged[0].decision.status, Status::Undecided);
        assert!(
            diverged[0]
                .decision
                .reason
                .as_ref()
                .unwrap()
                .contains("diverged")
        );
        let empty = claims(&symmetric_runs(None, true));
        assert_eq!(empty[0].decision.status, Status::Undecided);
        // And with no dropout runs at all, the dropout claim is undecided, not refuted.
        assert_eq!(ok[1].decision.status, Status::Undecided);
    }
}

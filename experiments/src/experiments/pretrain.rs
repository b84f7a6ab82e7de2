//! `pretrain`: greedy layer-wise autoencoder pretraining (Hinton & Salakhutdinov 2006; Bengio
//! et al. 2007; Vincent et al. 2008) versus the same random initialization without it, and versus
//! the modern alternatives (LeCun, LSUV), for sigmoid and tanh nets.
//!
//! Protocol: each hidden layer is pretrained as a tied autoencoder (cross-entropy with a sigmoid
//! decoder on inputs in [0, 1], squared error on centred inputs otherwise) until its fraction of
//! variance unexplained stops improving by 1 % per epoch (at most 30 epochs), starting from Glorot
//! uniform; then the whole net is fine-tuned like every other configuration, its learning rate
//! chosen on the validation split. The claims use the tutorial's 5 × 50 net, where the random
//! baseline trains (a comparison against a net stuck at chance would decide nothing); the 10-layer
//! sigmoid net, where every random initialization stays at chance, is reported beside it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use burn_init::Init;
use burn_init::Nonlinearity;

use super::Experiment;
use crate::Context;
use crate::claims::{self, Claim, ClaimText, Estimate, fmt};
use crate::error::Result;
use crate::experiments::curves::{chosen_rate_curve, curves_figure, read_curves};
use crate::figure::markdown;
use crate::protocol::{self, Selection};
use crate::record::{RunSummary, write_atomic, write_json};
use crate::strategy::InitStrategy;
use crate::sweep::{Sweep, run_sweep};
use crate::train::RunSpec;

/// Default epochs of fine-tuning (the suite must run in about half an hour on 2 cores).
pub const EPOCHS: usize = 15;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "pretrain",
    description: "greedy layer-wise autoencoder pretraining versus the same Glorot init without it, LeCun and \
                  LSUV (sigmoid and tanh, 5 × 50; and 10-layer sigmoid), fine-tuned at the validation-chosen rate",
    matches: |n| n == "pretrain",
    run,
    details: Vec::new,
    epochs: Some(EPOCHS),
    seeds: Some(crate::protocol::TRAINING_SEEDS),
};

/// Hidden layers of the claims' nets (the tutorial's network).
pub const DEPTH: usize = 5;
/// Hidden layers of the deep sigmoid net reported beside the claims.
pub const DEEP: usize = 10;

/// The learning-rate grid of fine-tuning.
pub const LRS: [f64; 4] = [0.01, 0.03, 0.1, 0.3];

/// The activations compared.
pub const ACTIVATIONS: [Nonlinearity; 2] = [Nonlinearity::Sigmoid, Nonlinearity::Tanh];

/// The initializations compared (pretraining starts from Glorot uniform, the first of the
/// random ones).
pub fn strategies() -> Vec<InitStrategy> {
    vec![
        InitStrategy::Pretrain,
        InitStrategy::plain(Init::GlorotUniform),
        InitStrategy::plain(Init::LecunNormal),
        InitStrategy::Lsuv,
    ]
}

fn push_grid(
    specs: &mut Vec<RunSpec>,
    ctx: &Context,
    activation: Nonlinearity,
    depth: usize,
    strategy: &InitStrategy,
) {
    for lr in protocol::lr_grid(&ctx.options, &LRS) {
        for mut spec in RunSpec::per_seed(activation, strategy, &ctx.options) {
            spec.id = format!(
                "{}-d{depth}-{}-lr{lr}-s{}",
                activation.name(),
                strategy.name(),
                spec.seed
            );
            spec.depth = depth;
            spec.lr = Some(lr);
            specs.push(spec);
        }
    }
}

/// The runs.
pub fn specs(ctx: &Context) -> Vec<RunSpec> {
    let mut specs = Vec::new();
    for activation in ACTIVATIONS {
        for strategy in strategies() {
            push_grid(&mut specs, ctx, activation, DEPTH, &strategy);
        }
    }
    for strategy in &strategies()[..2] {
        push_grid(&mut specs, ctx, Nonlinearity::Sigmoid, DEEP, strategy);
    }
    specs
}

/// `(activation, depth, init) → Selection`.
pub fn selections(summaries: &[RunSummary]) -> BTreeMap<(String, usize, String), Selection> {
    let mut groups: BTreeMap<(String, usize, String), Vec<&RunSummary>> = BTreeMap::new();
    for s in summaries {
        groups
            .entry((s.activation.clone(), s.depth, s.init.clone()))
            .or_default()
            .push(s);
    }
    groups
        .into_iter()
        .map(|(k, runs)| (k, Selection::choose(&runs)))
        .collect()
}

/// `pretrain-helps-deep-sigmoid` (against the same Glorot init without pretraining: the papers'
/// comparison) and `pretrain-beats-lsuv-sigmoid` (against the best modern data-dependent init:
/// reported, not assumed).
pub fn claims(sel: &BTreeMap<(String, usize, String), Selection>, width: usize) -> Vec<Claim> {
    let get = |init: &str| sel.get(&("sigmoid".to_string(), DEPTH, init.to_string()));
    let mut out = Vec::new();
    let reason = "comparative: the paired (same seed, same batches) difference of test accuracies after fine-tuning, \
                  each initialization at its own learning rate chosen on the validation split, must be above 0";
    if let (Some(p), Some(g)) = (get("pretrain"), get("glorot_uniform")) {
        let mut c = protocol::beats(
            format!(
                "sigmoid, {DEPTH} × {width}: test accuracy, pretrained (lr {}) minus the same Glorot init without pretraining (lr {})",
                p.lr.map_or("—".into(), fmt),
                g.lr.map_or("—".into(), fmt)
            ),
            p,
            g,
        );
        if g.degenerate() {
            c = c.guarded(
                "degenerate baseline: the random init without pretraining predicts one class",
            );
        }
        out.push(Claim::new(
            ClaimText {
                id: "pretrain-helps-deep-sigmoid",
                claim: format!(
                    "greedy layer-wise pretraining helps a {DEPTH}-layer sigmoid net (versus the same random init without it)"
                ),
                source: "Bengio et al. 2007 §4; Erhan et al. 2010",
                threshold_reason: reason.into(),
                seeds: crate::protocol::TRAINING_SEEDS,
            },
            vec![c],
        ));
    }
    if let (Some(p), Some(l)) = (get("pretrain"), get("lsuv")) {
        out.push(Claim::new(
            ClaimText {
                id: "pretrain-beats-lsuv-sigmoid",
                claim: format!(
                    "greedy layer-wise pretraining still beats a modern data-dependent init (LSUV) on a {DEPTH}-layer sigmoid net"
                ),
                source: "Mishkin & Matas 2016 (LSUV) against Bengio et al. 2007",
                threshold_reason: reason.into(),
                seeds: crate::protocol::TRAINING_SEEDS,
            },
            vec![protocol::beats(
                format!(
                    "sigmoid, {DEPTH} × {width}: test accuracy, pretrained (lr {}) minus LSUV (lr {})",
                    p.lr.map_or("—".into(), fmt),
                    l.lr.map_or("—".into(), fmt)
                ),
                p,
                l,
            )],
        ));
    }
    out
}

/// Per layer: the final fraction of variance unexplained over the seeds of the pretrained runs
/// of `(activation, depth)` (pretraining does not depend on the fine-tuning rate, so one rate's
/// runs are used), and the epochs it took.
fn fvu_rows(summaries: &[RunSummary], activation: &str, depth: usize) -> Vec<(Estimate, f64)> {
    let runs: Vec<&RunSummary> = summaries
        .iter()
        .filter(|s| s.activation == activation && s.depth == depth && s.init == "pretrain")
        .collect();
    let at = protocol::at_first_rate(&runs);
    if at.is_empty() {
        return Vec::new();
    }
    (0..depth)
        .filter_map(|l| {
            let finals: Vec<f64> = at
                .iter()
                .filter_map(|r| r.pretrain_losses.get(l).and_then(|f| f.last().copied()))
                .collect();
            let epochs: Vec<f64> = at
                .iter()
                .filter_map(|r| r.pretrain_losses.get(l).map(|f| f.len() as f64 - 1.0))
                .collect();
            Some((
                Estimate::of(&finals)?,
                epochs.iter().sum::<f64>() / epochs.len().max(1) as f64,
            ))
        })
        .collect()
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let Sweep { summaries, device } = run_sweep(ctx, "pretrain", specs(ctx))?;
    let sel = selections(&summaries);
    let claims = claims(&sel, ctx.options.width);
    let o = &ctx.options;
    let out = o.out_dir("pretrain");
    let lrs = protocol::lr_grid(o, &LRS);
    let chance = protocol::chance(&summaries);
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# pretrain: greedy layer-wise pretraining\n\n{}\nPretraining: one tied autoencoder per hidden layer, Adam (lr 1e-3, batch 64), cross-entropy \
         with a sigmoid decoder where the layer's inputs lie in [0, 1] (sigmoid codes) and squared error on centred inputs \
         otherwise (the normalized pixels, tanh codes), each layer until its fraction of variance unexplained (FVU) improves \
         by less than 1 % per epoch (2–30 epochs), from Glorot uniform; then fine-tuning as below.\n\n## Claims\n\n{}",
        protocol::header(ctx, &out, &device, start.elapsed().as_secs_f64(), &lrs),
        claims::table(&claims)
    );
    let chance_text = chance.map_or("—".into(), |c| format!("{:.1} %", 100.0 * c));
    let mut rows: Vec<(String, &Selection)> = Vec::new();
    let _ = writeln!(
        r,
        "## Test accuracy after fine-tuning\n\nAt each configuration's chosen rate and best-validation epoch, mean [95 % interval] \
         over seeds; chance {chance_text}.\n\n{}",
        InitStrategy::table_head("net", &strategies())
    );
    for (activation, depth) in [("sigmoid", DEPTH), ("tanh", DEPTH), ("sigmoid", DEEP)] {
        let cells: Vec<String> = strategies()
            .iter()
            .map(|s| {
                sel.get(&(activation.to_string(), depth, s.name()))
                    .map_or("—".into(), |x| {
                        rows.push((format!("{activation}, {depth} layers, `{}`", s.name()), x));
                        x.describe()
                    })
            })
            .collect();
        let _ = writeln!(
            r,
            "| {activation}, {depth} × {} | {} |",
            o.width,
            cells.join(" | ")
        );
    }
    let _ = writeln!(
        r,
        "\nLearning-rate grid (mean best validation accuracy over seeds; chosen in bold):\n\n{}",
        protocol::grid_table(&rows)
    );
    let _ = writeln!(
        r,
        "## Reconstruction per layer\n\nFraction of variance unexplained after pretraining, mean [95 % interval] over seeds \
         (1: no better than the layer's mean input; 0: perfect), and the epochs each layer took.\n"
    );
    for (activation, depth) in [("sigmoid", DEPTH), ("tanh", DEPTH), ("sigmoid", DEEP)] {
        let rows = fvu_rows(&summaries, activation, depth);
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            r,
            "{activation}, {depth} layers:\n\n| layer | FVU | epochs |\n|---|---|---|"
        );
        for (l, (e, epochs)) in rows.iter().enumerate() {
            let _ = writeln!(
                r,
                "| {} | {} | {epochs:.1} |",
                l + 1,
                claims::fmt_estimate(Some(e.mean), e.interval())
            );
        }
        r.push('\n');
    }
    // FVU per pretraining epoch and layer, first seed.
    for activation in ["sigmoid", "tanh"] {
        let Some(s) = summaries.iter().find(|s| {
            s.activation == activation && s.depth == DEPTH && !s.pretrain_losses.is_empty()
        }) else {
            continue;
        };
        let stem = format!("reconstruction_{activation}");
        let curves: Vec<(String, Vec<(usize, f64)>)> = s
            .pretrain_losses
            .iter()
            .enumerate()
            .map(|(layer, fvu)| {
                (
                    format!("layer {}", layer + 1),
                    fvu.iter().enumerate().map(|(e, &f)| (e, f)).collect(),
                )
            })
            .collect();
        curves_figure(
            &out,
            &stem,
            &format!(
                "{activation}, {DEPTH} layers: autoencoder FVU per layer (seed {})",
                s.seed
            ),
            "pretraining epoch",
            "fraction of variance unexplained",
            &curves,
            None,
        )?;
        let _ = writeln!(
            r,
            "{}\n",
            markdown(&format!("reconstruction, {activation}"), &stem)
        );
    }
    // Validation accuracy at each configuration's chosen rate, mean over seeds.
    let curves = read_curves(&out.join("metrics.csv"), "valid", "accuracy")?;
    for (activation, depth) in [("sigmoid", DEPTH), ("tanh", DEPTH), ("sigmoid", DEEP)] {
        let plot: Vec<(String, Vec<(usize, f64)>)> = strategies()
            .iter()
            .filter_map(|s| {
                chosen_rate_curve(
                    &curves,
                    &format!("{activation}-d{depth}-{}", s.name()),
                    &s.name(),
                    sel.get(&(activation.to_string(), depth, s.name())),
                )
            })
            .collect();
        if plot.is_empty() {
            continue;
        }
        let stem = format!("accuracy_{activation}_d{depth}");
        curves_figure(
            &out,
            &stem,
            &format!("{activation}, {depth} hidden layers: validation accuracy (mean over seeds)"),
            "epoch",
            "validation accuracy",
            &plot,
            protocol::valid_chance(&summaries),
        )?;
        let _ = writeln!(
            r,
            "{}\n",
            markdown(&format!("{activation}, {depth} layers"), &stem)
        );
    }
    write_json(&out.join("claims.json"), &claims)?;
    write_atomic(&out.join("report.md"), r.as_bytes())?;
    claims::print(&claims);
    println!(
        "files: {}/{{summary.json, metrics.csv, claims.json, accuracy_*.{{svg,png}}, reconstruction_*.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

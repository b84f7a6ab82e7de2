//! `all`: every experiment of the suite (`activations`, `symmetry`, `matrix`, `depth`,
//! `pretrain`, `criticality`), each in its own folder under the output folder, then one `report.md` linking
//! their reports and one `claims.json` with every claim.

use std::fmt::Write as _;

use super::Experiment;
use crate::Context;
use crate::claims::Claim;
use crate::error::Result;
use crate::record::{read_json, write_atomic, write_json};

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "all",
    description: "the whole suite (activations, symmetry, matrix, depth, pretrain, criticality), one report and one claims.json",
    matches: |n| n == "all",
    run,
    details: Vec::new,
    epochs: None,
    seeds: None,
};

/// The suite, in order.
pub const SUITE: [Experiment; 6] = [
    super::activations::EXPERIMENT,
    super::symmetry::EXPERIMENT,
    super::matrix::EXPERIMENT,
    super::depth::EXPERIMENT,
    super::pretrain::EXPERIMENT,
    super::criticality::EXPERIMENT,
];

/// The suite's names, in order.
pub fn suite_names() -> Vec<&'static str> {
    SUITE.iter().map(|e| e.name).collect()
}

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let base = ctx.options.out_dir("all");
    // Held for the whole suite; each experiment claims its own subfolder.
    crate::outdir::OutputFolder::claim(&base, "all")?.begin()?;
    let mut claims: Vec<Claim> = Vec::new();
    let mut r = String::from("# The whole suite\n\n");
    let mut walls = Vec::new();
    for experiment in &SUITE {
        let name = experiment.name;
        if ctx.options.skip.iter().any(|s| s == name) {
            let _ = writeln!(r, "## {name}: skipped (`--skip`)\n");
            continue;
        }
        let mut sub = ctx.clone();
        sub.name = name.into();
        sub.options = ctx.options.with_defaults_of(experiment);
        sub.options.out = Some(base.join(name));
        let t = std::time::Instant::now();
        (experiment.run)(&sub)?;
        walls.push((name, t.elapsed().as_secs_f64()));
        let c: Vec<Claim> = read_json(&base.join(name).join("claims.json"))?;
        let _ = writeln!(
            r,
            "## [{name}]({name}/report.md) ({:.1} s)\n",
            t.elapsed().as_secs_f64()
        );
        for claim in &c {
            let _ = writeln!(
                r,
                "- `{}`: {} — **{}**: {}",
                claim.id,
                claim.claim,
                claim.decision.status.name(),
                claim.decision.measured_text()
            );
        }
        claims.extend(c);
        r.push('\n');
    }
    let wall = start.elapsed().as_secs_f64();
    let _ = writeln!(
        r,
        "Device {}, first seed {}, each experiment at its own defaults (see its report); wall time {wall:.1} s; git {}. \
         Command: `{}`.",
        crate::record::device_label(&base.join("matrix")),
        ctx.options.seed,
        crate::record::git_commit(),
        crate::record::command_line(&ctx.command)
    );
    write_json(&base.join("claims.json"), &claims)?;
    write_json(
        &base.join("all.json"),
        &serde_json::json!({
            "command": crate::record::command_line(&ctx.command),
            "wall_seconds": wall,
            "experiments": walls.iter().map(|(n, w)| serde_json::json!({"name": n, "wall_seconds": w})).collect::<Vec<_>>(),
            "git_commit": crate::record::git_commit(),
        }),
    )?;
    write_atomic(&base.join("report.md"), r.as_bytes())?;
    crate::claims::print(&claims);
    println!(
        "files: {}/{{report.md, claims.json, all.json}} and one folder per experiment ({wall:.1} s)",
        base.display()
    );
    Ok(())
}

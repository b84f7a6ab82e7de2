//! `all`: every experiment of the suite (`activations`, `symmetry`, `matrix`, `depth`,
//! `pretrain`), each in its own folder under the output folder, then one `report.md` linking
//! their reports and one `claims.json` with every claim.

use std::fmt::Write as _;

use crate::Context;
use crate::error::Result;
use crate::record::{read_json, write_atomic, write_json};
use crate::registry::Experiment;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "all",
    description: "the whole suite (activations, symmetry, matrix, depth, pretrain), one report and one claims.json",
    matches: |n| n == "all",
    run,
    details: Vec::new,
    epochs: None,
    seeds: None,
};

/// The suite, in order.
pub const SUITE: [&str; 5] = ["activations", "symmetry", "matrix", "depth", "pretrain"];

fn run(ctx: &Context) -> Result<()> {
    let start = std::time::Instant::now();
    let base = ctx.options.out_dir("all");
    // Held for the whole suite; each experiment claims its own subfolder.
    crate::outdir::OutputFolder::claim(&base, "all")?.begin()?;
    let mut claims: Vec<serde_json::Value> = Vec::new();
    let mut r = String::from("# The whole suite\n\n");
    for name in SUITE {
        let experiment = crate::registry::find(name)?;
        let mut sub = ctx.clone();
        sub.name = name.into();
        sub.options = ctx.options.with_defaults_of(experiment);
        sub.options.out = Some(base.join(name));
        (experiment.run)(&sub)?;
        let c: serde_json::Value = read_json(&base.join(name).join("claims.json"))?;
        let _ = writeln!(r, "## [{name}]({name}/report.md)\n");
        for claim in c.as_array().into_iter().flatten() {
            let _ = writeln!(
                r,
                "- `{}`: {} — {} = {} → {}",
                claim["id"].as_str().unwrap_or(""),
                claim["claim"].as_str().unwrap_or(""),
                claim["metric"].as_str().unwrap_or(""),
                claim["value"]
                    .as_f64()
                    .map_or("—".into(), crate::experiments::curves::fmt_value),
                if claim["holds"] == true {
                    "confirmed"
                } else {
                    "not confirmed"
                }
            );
            claims.push(claim.clone());
        }
        r.push('\n');
    }
    let _ = writeln!(
        r,
        "Device {}, seed {}, {} epochs (unless an experiment's default differs; see its report); wall time {:.1} s; git {}. Command: `{}`.",
        crate::record::device_label(&base.join("matrix")),
        ctx.options.seed,
        ctx.options.epochs(),
        start.elapsed().as_secs_f64(),
        crate::record::git_commit(),
        ctx.command.join(" ")
    );
    write_json(&base.join("claims.json"), &claims)?;
    write_atomic(&base.join("report.md"), r.as_bytes())?;
    println!(
        "files: {}/{{report.md, claims.json}} and one folder per experiment",
        base.display()
    );
    Ok(())
}

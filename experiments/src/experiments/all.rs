//! `all`: every experiment of the suite (`activations`, `symmetry`, `matrix`, `depth`,
//! `pretrain`, `criticality`), each in its own folder under the output folder, then one `report.md` linking
//! their reports and one `claims.json` with every claim.

use std::fmt::Write as _;

use super::Experiment;
use crate::Context;
use crate::claims::Claim;
use crate::error::Result;
use crate::record::{write_atomic, write_json};

/// The claims of the run the README's "What the suite found" comes from (written by
/// `readme-section`, embedded at build time): `all` flags every claim whose status differs.
pub const REFERENCE: &str = include_str!("../../../docs/suite-claims.json");

/// One claim of the reference run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReferenceClaim {
    /// Its id.
    pub id: String,
    /// Its status there.
    pub status: crate::claims::Status,
    /// Its value there.
    pub value: Option<f64>,
    /// Its interval there.
    pub interval: Option<[f64; 2]>,
    /// Its seeds there.
    pub n_seeds: usize,
}

/// The reference run: where it ran and its claims.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    /// Its command.
    pub command: Option<String>,
    /// Its dataset.
    pub dataset: Option<String>,
    /// Its first seed.
    pub seed: Option<u64>,
    /// Its scale.
    pub scale: Option<String>,
    /// Its claims.
    pub claims: Vec<ReferenceClaim>,
}

impl Reference {
    /// The embedded reference (empty if the file holds none).
    pub fn embedded() -> Self {
        serde_json::from_str(REFERENCE).unwrap_or_default()
    }

    /// The reference entries of `claims` of the `all` run that `record` describes, as
    /// `docs/suite-claims.json` records them.
    pub fn of(claims: &[Claim], record: &SuiteRecord) -> Self {
        Self {
            command: Some(record.command.clone()),
            dataset: record.dataset.clone(),
            seed: record.seed,
            scale: record.scale.clone(),
            claims: claims
                .iter()
                .map(|c| ReferenceClaim {
                    id: c.id.clone(),
                    status: c.decision.status,
                    value: c.decision.value,
                    interval: c.decision.interval,
                    n_seeds: c.decision.n_seeds,
                })
                .collect(),
        }
    }

    /// The Markdown section comparing `claims` with this reference: one row per claim, those
    /// whose status differs flagged.
    pub fn compare(&self, claims: &[Claim], scale: &str) -> String {
        let mut r = String::from("## Against the reference run\n\n");
        if self.claims.is_empty() {
            r.push_str("No reference run is recorded (`docs/suite-claims.json` is empty).\n\n");
            return r;
        }
        let _ = writeln!(
            r,
            "The reference is the run the README's \"What the suite found\" comes from (`{}`: dataset {}, seeds from {}, \
             scale {}). A status that differs from it is flagged: a claim whose verdict changes with the dataset, the seed \
             set or the machine is not a finding there.\n",
            self.command.as_deref().unwrap_or("—"),
            self.dataset.as_deref().unwrap_or("—"),
            self.seed.map_or("—".into(), |s| s.to_string()),
            self.scale.as_deref().unwrap_or("—"),
        );
        if self.scale.as_deref() != Some(scale) {
            let _ = writeln!(
                r,
                "This run's scale ({scale}) is not the reference's: statuses are listed, not compared.\n"
            );
        }
        r.push_str("| claim | this run | reference | same status |\n|---|---|---|---|\n");
        let mut differ = 0;
        for c in claims {
            let here = format!(
                "{} {}",
                c.decision.status.name(),
                crate::claims::fmt_estimate(c.decision.value, c.decision.interval)
            );
            let (there, same) = match self.claims.iter().find(|x| x.id == c.id) {
                Some(x) => (
                    format!(
                        "{} {}",
                        x.status.name(),
                        crate::claims::fmt_estimate(x.value, x.interval)
                    ),
                    if x.status == c.decision.status {
                        "yes"
                    } else {
                        differ += 1;
                        "**no: differs**"
                    },
                ),
                None => ("— (not in the reference)".into(), "—"),
            };
            let _ = writeln!(r, "| `{}` | {here} | {there} | {same} |", c.id);
        }
        let _ = writeln!(r, "\n{differ} claim(s) differ from the reference.\n");
        r
    }
}

/// `all.json`: what ran, where and how long (read back by `readme-section`). Fields in the
/// alphabetical order the file has always had.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SuiteRecord {
    /// The command line.
    pub command: String,
    /// The dataset (`None` in runs before it was recorded).
    #[serde(default)]
    pub dataset: Option<String>,
    /// Wall time per experiment.
    pub experiments: Vec<ExperimentWall>,
    /// The commit.
    pub git_commit: String,
    /// The scale (`None` in runs before it was recorded).
    #[serde(default)]
    pub scale: Option<String>,
    /// The first seed (`None` in runs before it was recorded).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Wall time of the whole suite.
    pub wall_seconds: f64,
}

/// One experiment's wall time in `all.json`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ExperimentWall {
    /// Its name.
    pub name: String,
    /// Its wall time.
    pub wall_seconds: f64,
}

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
        let c = crate::sequential::run_experiment(experiment, &sub, &base.join(name))?;
        walls.push((name, t.elapsed().as_secs_f64()));
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
    r.push_str(&Reference::embedded().compare(&claims, ctx.options.scale.name()));
    let _ = writeln!(
        r,
        "Device {}, first seed {}, scale {}, dataset {}, each experiment at its own defaults (see its report); wall time {wall:.1} s; git {}. \
         Command: `{}`.",
        crate::record::device_label(&base.join("matrix")),
        ctx.options.seed,
        ctx.options.scale.name(),
        ctx.options.dataset().name(),
        crate::record::git_commit(),
        crate::record::command_line(&ctx.command)
    );
    write_json(&base.join("claims.json"), &claims)?;
    write_json(
        &base.join("all.json"),
        &SuiteRecord {
            command: crate::record::command_line(&ctx.command),
            dataset: Some(ctx.options.dataset().name().into()),
            seed: Some(ctx.options.seed),
            scale: Some(ctx.options.scale.name().into()),
            wall_seconds: wall,
            experiments: walls
                .iter()
                .map(|(n, w)| ExperimentWall {
                    name: (*n).into(),
                    wall_seconds: *w,
                })
                .collect(),
            git_commit: crate::record::git_commit(),
        },
    )?;
    write_atomic(&base.join("report.md"), r.as_bytes())?;
    crate::claims::print(&claims);
    println!(
        "files: {}/{{report.md, claims.json, all.json}} and one folder per experiment ({wall:.1} s)",
        base.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(id: &'static str, values: &[f64]) -> Claim {
        crate::claims::above_zero(id, values, crate::claims::SeedRule::single(&[3]))
    }

    #[test]
    fn a_status_that_differs_from_the_reference_is_flagged() {
        let reference_run = [claim("a", &[1.0, 1.1, 0.9]), claim("b", &[1.0, 1.1, 0.9])];
        let record = SuiteRecord {
            command: "experiments all".into(),
            seed: Some(0),
            scale: Some("default".into()),
            dataset: Some("mnist-small".into()),
            ..SuiteRecord::default()
        };
        let reference = Reference::of(&reference_run, &record);
        let json = serde_json::to_string(&reference).unwrap();
        assert_eq!(serde_json::from_str::<Reference>(&json).unwrap(), reference);
        // "b" is a tie here: undecided where the reference confirmed it.
        let here = [
            claim("a", &[1.0, 1.2, 0.8]),
            claim("b", &[0.5, -0.5, 0.1]),
            claim("c", &[1.0, 1.0, 1.0]),
        ];
        let text = reference.compare(&here, "default");
        assert!(text.contains("| `a` | confirmed"), "{text}");
        assert!(
            text.contains("| `b` | undecided") && text.contains("**no: differs**"),
            "{text}"
        );
        assert!(text.contains("not in the reference"), "{text}");
        assert!(text.contains("1 claim(s) differ"), "{text}");
        assert!(!text.contains("not compared"), "{text}");
        assert!(reference.compare(&here, "quick").contains("not compared"));
        assert!(
            Reference::default()
                .compare(&here, "default")
                .contains("No reference run")
        );
    }
}

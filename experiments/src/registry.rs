//! The one list of experiments. To add one (a suite: `activations`, `symmetry`, `matrix`,
//! `depth`, `pretrain`, `all`, …), write `src/experiments/<name>.rs` with a
//! `pub const EXPERIMENT: Experiment` (usually building a list of
//! [`RunSpec`](crate::train::RunSpec)s and calling [`run_sweep`](crate::sweep::run_sweep)), and
//! add it to [`registry`] (an experiment of the suite: to
//! [`SUITE`](experiments::all::SUITE)).

use crate::error::{Error, Result};
use crate::experiments::{self, Experiment};

/// Every experiment, in the order `experiments list` shows them: the single runs, the suite
/// ([`SUITE`](experiments::all::SUITE), listed once, there), then `all`, `readme-section` and
/// `throughput`.
pub fn registry() -> impl Iterator<Item = &'static Experiment> {
    let single: &'static [Experiment] = &[experiments::single::EXPERIMENT];
    let suite: &'static [Experiment] = &experiments::all::SUITE;
    let rest: &'static [Experiment] = &[
        experiments::all::EXPERIMENT,
        experiments::readme::EXPERIMENT,
        experiments::throughput::EXPERIMENT,
    ];
    single.iter().chain(suite).chain(rest)
}

/// The options an experiment does not use, each with the reason; [`crate::run`] refuses them
/// when given on the command line rather than ignoring them. (`all` passes every option on to
/// its experiments, and the training experiments use them all.)
pub fn unused_options(experiment: &str) -> &'static [(&'static str, &'static str)] {
    const TRAINING: &str = "it trains nothing: one forward pass of fixed N(0, 1) inputs";
    const THROUGHPUT: &str = "its protocol is fixed to compare with the PyTorch reference \
                              (one epoch, batch 128, SGD lr 0.1, 784-256-256-256-10 tanh)";
    const README: &str = "it only reads the `all` run in --out";
    const CRITICALITY: &str =
        "its grids, widths, depths, epochs and learning rate are fixed by its protocol";
    match experiment {
        "activations" => &[
            ("dataset", TRAINING),
            ("data-dir", TRAINING),
            ("epochs", TRAINING),
            ("batch-size", TRAINING),
            ("lr", TRAINING),
            ("optimizer", TRAINING),
            ("momentum", TRAINING),
            ("jobs", TRAINING),
            ("force", TRAINING),
            ("target-accuracy", TRAINING),
            ("valid-fraction", TRAINING),
        ],
        "depth" => &[(
            "depth",
            "it compares fixed depths (5, 10, 20 and 30 hidden layers)",
        )],
        "pretrain" => &[(
            "depth",
            "its nets are fixed by its protocol (5 hidden layers; 10 for the deep sigmoid net)",
        )],
        "criticality" | "criticality-quick" => &[
            ("depth", CRITICALITY),
            ("width", CRITICALITY),
            ("epochs", CRITICALITY),
            ("lr", CRITICALITY),
        ],
        "throughput" => &[
            ("epochs", THROUGHPUT),
            ("batch-size", THROUGHPUT),
            ("lr", THROUGHPUT),
            ("optimizer", THROUGHPUT),
            ("momentum", THROUGHPUT),
            ("depth", THROUGHPUT),
            ("width", THROUGHPUT),
            ("seeds", THROUGHPUT),
            ("jobs", THROUGHPUT),
            ("force", THROUGHPUT),
            ("target-accuracy", THROUGHPUT),
            ("valid-fraction", THROUGHPUT),
        ],
        "readme-section" => &[
            ("device", README),
            ("dataset", README),
            ("data-dir", README),
            ("epochs", README),
            ("batch-size", README),
            ("lr", README),
            ("optimizer", README),
            ("momentum", README),
            ("depth", README),
            ("width", README),
            ("seeds", README),
            ("jobs", README),
            ("seed", README),
            ("force", README),
            ("target-accuracy", README),
            ("valid-fraction", README),
            ("memory-limit", README),
            ("scale", README),
        ],
        _ => &[],
    }
}

/// Names that are commands rather than experiments.
pub const COMMANDS: &[(&str, &str)] =
    &[("list", "print every experiment with a one-line description")];

/// The experiment called `name`.
///
/// # Errors
/// [`Error::UnknownName`] listing the experiments and suggesting the closest name.
pub fn find(name: &str) -> Result<&'static Experiment> {
    registry().find(|e| (e.matches)(name)).ok_or_else(|| {
        let candidates = experiments::single::example_names()
            .into_iter()
            .chain(registry().map(|e| e.name.to_string()))
            .chain(COMMANDS.iter().map(|(c, _)| c.to_string()))
            .collect::<Vec<_>>();
        Error::UnknownName {
            kind: "experiment",
            name: name.into(),
            suggestion: crate::error::closest(name, candidates.iter().map(String::as_str)),
            valid: COMMANDS
                .iter()
                .map(|(c, _)| c.to_string())
                .chain(registry().map(|e| e.name.to_string()))
                .collect(),
        }
    })
}

/// The text of `experiments list`.
pub fn list_text() -> String {
    let width = registry()
        .map(|e| e.name.len())
        .chain(COMMANDS.iter().map(|(c, _)| c.len()))
        .max()
        .unwrap_or(8);
    let mut s = String::from(
        "experiments (run one with `experiments <NAME> [OPTIONS]`; `--help` for the options):\n\n",
    );
    for e in registry() {
        s.push_str(&format!("  {:<width$}  {}\n", e.name, e.description));
        for line in (e.details)() {
            s.push_str(&format!("  {:<width$}    {line}\n", ""));
        }
    }
    for (c, d) in COMMANDS {
        s.push_str(&format!("  {c:<width$}  {d}\n"));
    }
    s
}

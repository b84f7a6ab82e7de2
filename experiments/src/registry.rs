//! The one list of experiments. To add one (a suite: `activations`, `symmetry`, `matrix`,
//! `depth`, `pretrain`, `all`, …), write `src/experiments/<name>.rs` with a
//! `pub const EXPERIMENT: Experiment` (usually building a list of
//! [`RunSpec`](crate::train::RunSpec)s and calling [`run_sweep`](crate::sweep::run_sweep)), and
//! add it to [`REGISTRY`].

use crate::Context;
use crate::error::{Error, Result};
use crate::experiments;

/// An experiment: how it is named, what it does, how it runs.
#[derive(Debug, Clone, Copy)]
pub struct Experiment {
    /// The name, or the name pattern (`<activation>-<init>`).
    pub name: &'static str,
    /// One line for `experiments list`.
    pub description: &'static str,
    /// Whether a name given on the command line is this experiment.
    pub matches: fn(&str) -> bool,
    /// Runs it.
    pub run: fn(&Context) -> Result<()>,
    /// Extra lines for `experiments list` (examples, valid parts of a pattern).
    pub details: fn() -> Vec<String>,
    /// Its default number of epochs, when not the runner's ([`defaults::EPOCHS`](crate::defaults::EPOCHS)).
    pub epochs: Option<usize>,
    /// Its default number of seeds, when not 1.
    pub seeds: Option<usize>,
}

/// Every experiment, in the order `experiments list` shows them.
pub const REGISTRY: &[Experiment] = &[
    experiments::single::EXPERIMENT,
    experiments::activations::EXPERIMENT,
    experiments::symmetry::EXPERIMENT,
    experiments::matrix::EXPERIMENT,
    experiments::depth::EXPERIMENT,
    experiments::pretrain::EXPERIMENT,
    experiments::criticality::EXPERIMENT,
    experiments::all::EXPERIMENT,
    experiments::readme::EXPERIMENT,
    experiments::throughput::EXPERIMENT,
];

/// Names that are commands rather than experiments.
pub const COMMANDS: &[(&str, &str)] =
    &[("list", "print every experiment with a one-line description")];

/// The experiment called `name`.
///
/// # Errors
/// [`Error::UnknownName`] listing the experiments and suggesting the closest name.
pub fn find(name: &str) -> Result<&'static Experiment> {
    REGISTRY.iter().find(|e| (e.matches)(name)).ok_or_else(|| {
        let candidates = experiments::single::example_names()
            .into_iter()
            .chain(REGISTRY.iter().map(|e| e.name.to_string()))
            .chain(COMMANDS.iter().map(|(c, _)| c.to_string()))
            .collect::<Vec<_>>();
        Error::UnknownName {
            kind: "experiment",
            name: name.into(),
            suggestion: burn_init::error::closest(name, candidates.iter().map(String::as_str)),
            valid: COMMANDS
                .iter()
                .map(|(c, _)| c.to_string())
                .chain(REGISTRY.iter().map(|e| e.name.to_string()))
                .collect(),
        }
    })
}

/// The text of `experiments list`.
pub fn list_text() -> String {
    let width = REGISTRY
        .iter()
        .map(|e| e.name.len())
        .chain(COMMANDS.iter().map(|(c, _)| c.len()))
        .max()
        .unwrap_or(8);
    let mut s = String::from(
        "experiments (run one with `experiments <NAME> [OPTIONS]`; `--help` for the options):\n\n",
    );
    for e in REGISTRY {
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

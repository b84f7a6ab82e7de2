//! The experiments, one file each, each exporting an [`Experiment`];
//! [`crate::registry::registry`] lists them. The descriptor type lives here, below the registry,
//! so that an experiment and the registry that lists it do not depend on each other.

use crate::error::Result;
use crate::options::{Context, Options};

pub mod activations;
pub mod all;
pub mod criticality;
pub mod curves;
pub mod depth;
pub mod matrix;
pub mod pretrain;
pub mod readme;
pub mod single;
pub mod symmetry;
pub mod throughput;
pub mod trainability;

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
    /// The seed rule of its claims ([`crate::claims::SeedRule`]): its runs use the seeds of the
    /// current look (the first look's when run alone; `None`: one seed).
    pub seeds: Option<crate::claims::SeedRule>,
}

/// An experiment's defaults, here beside the descriptor that holds them (so that the options do
/// not depend on the experiments).
impl Options {
    /// These options with `experiment`'s own defaults for what the command line left open.
    pub fn with_defaults_of(&self, experiment: &Experiment) -> Options {
        // The quick profile trains one epoch unless told otherwise: it checks code paths.
        let epochs = if self.scale == crate::options::Scale::Quick {
            experiment.epochs.map(|_| 1)
        } else {
            experiment.epochs
        };
        Options {
            epochs: self.epochs.or(epochs),
            seeds: self.seeds.or(experiment.seeds.map(|r| r.n_min())),
            ..self.clone()
        }
    }
}

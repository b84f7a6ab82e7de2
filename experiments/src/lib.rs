//! # experiments
//!
//! Which weight initialization suits which activation, measured: `experiments relu-he` trains
//! an MLP live and leaves `config.json`, `record.json`, `metrics.csv` and `summary.json` under
//! `runs/relu-he/`. The command line (`src/main.rs`) only parses arguments into [`Options`] and
//! calls [`run`]; everything else lives here:
//!
//! * [`registry`]: the one list of experiments ([`experiments`] holds one file each);
//! * [`data`] and [`idx`]: embedded and on-disk datasets, a strict IDX reader;
//! * [`device`]: flex, ndarray, wgpu;
//! * [`train`]: the training loop; [`stats`]: per-layer statistics; [`strategy`]: how weights
//!   are initialized (plain initializers now; LSUV and pretraining later);
//! * [`sweep`]: resumable lists of runs, trained in stacks ([`stacked`]: many models as one)
//!   or one by one; [`record`]: the files they leave; [`progress`]: the live display.

pub mod claims;
pub mod data;
pub mod device;
pub mod error;
pub mod experiments;
pub mod figure;
pub mod idx;
pub mod progress;
pub mod record;
pub mod registry;
mod serde_nan;
pub mod stacked;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod train;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use error::{Error, Result};

use data::DatasetChoice;
use device::DeviceChoice;
use train::{OptimizerChoice, TrainSettings};

/// The defaults, the same for every activation and initializer so runs are comparable.
///
/// Chosen so that `relu-he` reaches ≥ 90 % test accuracy on `mnist-small` well within a minute
/// on 2 CPU cores (see `experiments/README.md` for the measurements).
pub mod defaults {
    /// Hidden layers (the tutorial's network).
    pub const DEPTH: usize = 5;
    /// Units per hidden layer (the tutorial's network).
    pub const WIDTH: usize = 50;
    /// Epochs.
    pub const EPOCHS: usize = 50;
    /// Minibatch size.
    pub const BATCH_SIZE: usize = 64;
    /// SGD learning rate.
    pub const LR_SGD: f64 = 0.02;
    /// Adam learning rate.
    pub const LR_ADAM: f64 = 1e-3;
    /// SGD momentum.
    pub const MOMENTUM: f64 = 0.9;
    /// Validation accuracy that counts as reached.
    pub const TARGET_ACCURACY: f64 = 0.9;
    /// First seed.
    pub const SEED: u64 = 0;
    /// Examples (the first of the training split) on which per-layer statistics are measured.
    pub const DIAG_EXAMPLES: usize = 512;
}

/// Everything the command line can set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Device.
    pub device: DeviceChoice,
    /// Dataset (`None`: the experiment's default, `mnist-small` for training runs).
    pub dataset: Option<DatasetChoice>,
    /// Folder of IDX files for `mnist` and `mnist-tiny`.
    pub data_dir: Option<PathBuf>,
    /// Epochs (`None`: the experiment's default, else [`defaults::EPOCHS`]).
    pub epochs: Option<usize>,
    /// Minibatch size.
    pub batch_size: usize,
    /// Learning rate (`None`: the optimizer's default).
    pub lr: Option<f64>,
    /// Optimizer.
    pub optimizer: OptimizerChoice,
    /// SGD momentum.
    pub momentum: f64,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Number of seeds (> 1: a sweep; `None`: the experiment's default, else 1).
    pub seeds: Option<usize>,
    /// Stacks (`--engine stacked`) or runs (`--engine single`) of a sweep trained at once
    /// (`None`: one per CPU core). Results do not depend on it.
    #[serde(default)]
    pub jobs: Option<usize>,
    /// First seed.
    pub seed: u64,
    /// Output folder (`None`: `runs/<experiment>`).
    pub out: Option<PathBuf>,
    /// Rerun finished runs.
    pub force: bool,
    /// Validation accuracy that counts as reached.
    pub target_accuracy: f64,
    /// Share of each class of the training images held out as the validation split, in
    /// (0, 0.5].
    #[serde(default = "default_valid_fraction")]
    pub valid_fraction: f64,
    /// How sweeps train: in stacks of models (default) or one model at a time.
    #[serde(default)]
    pub engine: sweep::Engine,
    /// The most models per stack (`None`: whole groups, up to a memory-based cap). Results do
    /// not depend on it.
    #[serde(default)]
    pub stack: Option<usize>,
}

fn default_valid_fraction() -> f64 {
    data::DEFAULT_VALID_FRACTION
}

impl Default for Options {
    fn default() -> Self {
        Self {
            device: DeviceChoice::default(),
            dataset: None,
            data_dir: None,
            epochs: None,
            batch_size: defaults::BATCH_SIZE,
            lr: None,
            optimizer: OptimizerChoice::default(),
            momentum: defaults::MOMENTUM,
            depth: defaults::DEPTH,
            width: defaults::WIDTH,
            seeds: None,
            jobs: None,
            seed: defaults::SEED,
            out: None,
            force: false,
            target_accuracy: defaults::TARGET_ACCURACY,
            valid_fraction: data::DEFAULT_VALID_FRACTION,
            engine: sweep::Engine::default(),
            stack: None,
        }
    }
}

impl Options {
    /// The dataset of training runs.
    pub fn dataset(&self) -> DatasetChoice {
        self.dataset.unwrap_or_default()
    }

    /// Epochs.
    pub fn epochs(&self) -> usize {
        self.epochs.unwrap_or(defaults::EPOCHS)
    }

    /// Number of seeds.
    pub fn seeds(&self) -> usize {
        self.seeds.unwrap_or(1)
    }

    /// Stacks or runs trained at once on `device`: `--jobs`, else one per CPU core on the CPU
    /// backends (one thread each: flex runs single-threaded here) and one on wgpu (the GPU queue
    /// serializes them anyway).
    pub fn jobs_for(&self, device: DeviceChoice) -> usize {
        self.jobs.unwrap_or_else(|| match device {
            DeviceChoice::Wgpu => 1,
            _ => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        })
    }

    /// These options with `experiment`'s own defaults for what the command line left open.
    pub fn with_defaults_of(&self, experiment: &registry::Experiment) -> Options {
        Options {
            epochs: self.epochs.or(experiment.epochs),
            seeds: self.seeds.or(experiment.seeds),
            ..self.clone()
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr.unwrap_or(match self.optimizer {
            OptimizerChoice::Sgd => defaults::LR_SGD,
            OptimizerChoice::Adam => defaults::LR_ADAM,
        })
    }

    /// The output folder of `experiment`.
    pub fn out_dir(&self, experiment: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| PathBuf::from("runs").join(experiment))
    }

    /// The training settings.
    pub fn settings(&self) -> TrainSettings {
        TrainSettings {
            epochs: self.epochs(),
            batch_size: self.batch_size,
            lr: self.lr(),
            optimizer: self.optimizer,
            momentum: self.momentum,
            target_accuracy: self.target_accuracy,
            diag_examples: defaults::DIAG_EXAMPLES,
        }
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the option.
    pub fn validate(&self) -> Result<()> {
        let bad = |option: &'static str, value: String, reason: &str| {
            Err(Error::InvalidOption {
                option,
                value,
                reason: reason.into(),
            })
        };
        if self.epochs() == 0 {
            return bad("epochs", "0".into(), "must be at least 1");
        }
        if self.batch_size == 0 {
            return bad("batch-size", "0".into(), "must be at least 1");
        }
        if !(self.lr().is_finite() && self.lr() > 0.0) {
            return bad("lr", self.lr().to_string(), "must be a positive number");
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad("momentum", self.momentum.to_string(), "must be in [0, 1)");
        }
        if self.depth == 0 {
            return bad("depth", "0".into(), "must be at least 1");
        }
        if self.width == 0 {
            return bad("width", "0".into(), "must be at least 1");
        }
        if self.seeds() == 0 {
            return bad("seeds", "0".into(), "must be at least 1");
        }
        if self.jobs == Some(0) {
            return bad("jobs", "0".into(), "must be at least 1");
        }
        if self.stack == Some(0) {
            return bad("stack", "0".into(), "must be at least 1");
        }
        if !(self.valid_fraction > 0.0 && self.valid_fraction <= 0.5) {
            return bad(
                "valid-fraction",
                self.valid_fraction.to_string(),
                "must be in (0, 0.5]",
            );
        }
        if !(self.target_accuracy > 0.0 && self.target_accuracy <= 1.0) {
            return bad(
                "target-accuracy",
                self.target_accuracy.to_string(),
                "must be in (0, 1]",
            );
        }
        Ok(())
    }
}

/// What a runner gets: the name it was invoked as, the options, the command line.
#[derive(Debug, Clone)]
pub struct Context {
    /// The experiment name as given (`relu-he`).
    pub name: String,
    /// The options.
    pub options: Options,
    /// The command line, for the records.
    pub command: Vec<String>,
}

/// Runs the experiment (or command) `name`.
///
/// # Errors
/// An unknown name (listing the valid ones), or whatever stops the experiment.
pub fn run(name: &str, options: Options, command: Vec<String>) -> Result<()> {
    if name == "list" {
        print!("{}", registry::list_text());
        return Ok(());
    }
    let experiment = registry::find(name)?;
    let ctx = Context {
        name: name.into(),
        options: options.with_defaults_of(experiment),
        command,
    };
    (experiment.run)(&ctx)
}

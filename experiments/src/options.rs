//! The command line's options ([`Options`], checked in one place: [`Options::validate`]), their
//! defaults and caps, and what a runner gets ([`Context`]).

use std::path::PathBuf;

use burn_init::{Init, Nonlinearity};
use serde::{Deserialize, Serialize};

use crate::data::{self, DatasetChoice};
use crate::device::DeviceChoice;
use crate::error::{Error, Result, named_choices};
use crate::learner;
use crate::strategy::InitStrategy;
use crate::train::{OptimizerChoice, RunSpec, TrainSettings};

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
    /// Memory the command may use, in bytes (`None`: what `/proc/meminfo` says is available;
    /// see [`limits`](crate::limits)).
    #[serde(default)]
    pub memory_limit: Option<u64>,
    /// The options given on the command line (long names without dashes, `batch-size`), so
    /// an experiment can refuse those it does not use. Not recorded.
    #[serde(skip)]
    pub given: Vec<String>,
    /// How sweeps train: in stacks of models (default) or one model at a time.
    #[serde(default)]
    pub engine: Engine,
    /// Experiments of the suite that `all` leaves out (`--skip criticality`). Only `all`
    /// takes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<String>,
    /// The most models per stack (`None`: whole groups, up to a memory-based cap). Results do
    /// not depend on it.
    #[serde(default)]
    pub stack: Option<usize>,
    /// Trainer of `<activation>-<init>` runs: the hand-written loop (default) or burn-train's
    /// `SupervisedTraining` ([`learner`]).
    #[serde(default)]
    pub trainer: learner::Trainer,
    /// Sizes of the suite's protocols.
    #[serde(default)]
    pub scale: Scale,
    /// `readme-section` only: finished `all` runs on other seeds or data, whose statuses the
    /// section lists beside the main run's, marking each claim whose status differs as fragile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicates: Vec<PathBuf>,
}

/// The sizes a suite experiment runs at (`--scale`), recorded in every report and claim.
///
/// * `quick`: toy sizes (tiny nets, one epoch where the experiment allows, one look of each
///   claim's first seeds, no staged seeds): what CI's suite tests run; decides nothing.
/// * `default`: what 2 CPU cores decide in about half an hour; each experiment's report says
///   what it reduced from its paper's protocol and why.
/// * `paper`: the papers' own sizes where they differ from the default (the trainability map at
///   Schoenholz et al.'s width 300 and depths up to 300; the forward pass at Glorot & Bengio's
///   1,000 units per layer): for a GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Toy sizes.
    Quick,
    /// The 2-core half hour.
    #[default]
    Default,
    /// The papers' sizes.
    Paper,
}

named_choices!(Scale, "scale", { Quick => "quick", Default => "default", Paper => "paper" });

fn default_valid_fraction() -> f64 {
    data::DEFAULT_VALID_FRACTION
}

/// The largest counts accepted: anything above is almost certainly a typo, and refused with
/// a message rather than attempted (memory is checked separately, see [`limits`](crate::limits)).
pub mod caps {
    /// `--epochs`.
    pub const EPOCHS: usize = 100_000;
    /// `--batch-size`.
    pub const BATCH_SIZE: usize = 1 << 20;
    /// `--depth`.
    pub const DEPTH: usize = 10_000;
    /// `--width`.
    pub const WIDTH: usize = 1_000_000;
    /// `--seeds`: each seed is at least one network trained from scratch.
    pub const SEEDS: usize = 10_000;
    /// `--jobs`: threads, one network each.
    pub const JOBS: usize = 1024;
}

/// A float option for messages: as written (`0.02`, `-1`), or in scientific notation when the
/// plain form is long (`1e-50`, `1e39`).
fn fmt_float(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() <= 16 {
        plain
    } else {
        format!("{x:e}")
    }
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
            memory_limit: None,
            given: Vec::new(),
            engine: Engine::default(),
            stack: None,
            trainer: learner::Trainer::default(),
            skip: Vec::new(),
            scale: Scale::default(),
            replicates: Vec::new(),
        }
    }
}

impl Options {
    /// Whether `option` (its long name, `batch-size`) was given on the command line.
    pub fn was_given(&self, option: &str) -> bool {
        self.given.iter().any(|g| g == option)
    }

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

    /// The value of the option `name` (its long name without dashes) as the command line
    /// writes it; empty for an unknown name.
    pub fn value_of(&self, name: &str) -> String {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        match name {
            "device" => Some(self.device.name().to_string()),
            "dataset" => self.dataset.map(|d| d.name().to_string()),
            "data-dir" => path(&self.data_dir),
            "epochs" => self.epochs.map(|v| v.to_string()),
            "batch-size" => Some(self.batch_size.to_string()),
            "lr" => self.lr.map(fmt_float),
            "optimizer" => Some(self.optimizer.name().to_string()),
            "momentum" => Some(fmt_float(self.momentum)),
            "depth" => Some(self.depth.to_string()),
            "width" => Some(self.width.to_string()),
            "seeds" => self.seeds.map(|v| v.to_string()),
            "jobs" => self.jobs.map(|v| v.to_string()),
            "seed" => Some(self.seed.to_string()),
            "out" => path(&self.out),
            "target-accuracy" => Some(fmt_float(self.target_accuracy)),
            "memory-limit" => self.memory_limit.map(|v| v.to_string()),
            "trainer" => Some(self.trainer.name().to_string()),
            "scale" => Some(self.scale.name().to_string()),
            _ => None,
        }
        .unwrap_or_default()
    }

    /// Checks the values: counts at least 1 and at most their [`caps`], the seeds `seed …
    /// seed + seeds − 1` within `u64`, and every float usable as the `f32` it becomes in
    /// training (a positive learning rate stays positive and normal, momentum stays below 1).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the option and the value.
    pub fn validate(&self) -> Result<()> {
        let bad = |option: &'static str, value: String, reason: String| {
            Err(Error::InvalidOption {
                option,
                value,
                reason,
            })
        };
        let typo = |cap: usize, what: &str| {
            format!("at most {cap} ({what}; a larger value is almost certainly a typo)")
        };
        let counts = [
            ("epochs", self.epochs(), caps::EPOCHS, "epochs of training"),
            (
                "batch-size",
                self.batch_size,
                caps::BATCH_SIZE,
                "examples per minibatch",
            ),
            ("depth", self.depth, caps::DEPTH, "hidden layers"),
            ("width", self.width, caps::WIDTH, "units per hidden layer"),
            (
                "seeds",
                self.seeds(),
                caps::SEEDS,
                "each seed is at least one network trained from scratch",
            ),
            (
                "jobs",
                self.jobs.unwrap_or(1),
                caps::JOBS,
                "threads, one network each",
            ),
        ];
        for (option, value, cap, what) in counts {
            if value == 0 {
                return bad(option, "0".into(), "must be at least 1".into());
            }
            if value > cap {
                return bad(option, value.to_string(), typo(cap, what));
            }
        }
        if self.seed.checked_add(self.seeds() as u64 - 1).is_none() {
            return bad(
                "seed",
                self.seed.to_string(),
                format!(
                    "with --seeds {} the last seed would pass {} (u64::MAX); choose a smaller --seed",
                    self.seeds(),
                    u64::MAX
                ),
            );
        }
        let lr = self.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return bad("lr", fmt_float(lr), "must be a positive number".into());
        }
        if !(lr as f32).is_normal() {
            return bad(
                "lr",
                fmt_float(lr),
                format!(
                    "is {} in f32, the precision training uses; use a value in [{:e}, {:e}]",
                    lr as f32,
                    f32::MIN_POSITIVE,
                    f32::MAX
                ),
            );
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad(
                "momentum",
                fmt_float(self.momentum),
                "must be in [0, 1)".into(),
            );
        }
        let m32 = self.momentum as f32;
        if m32 >= 1.0 || (self.momentum > 0.0 && !m32.is_normal()) {
            return bad(
                "momentum",
                fmt_float(self.momentum),
                format!(
                    "is {m32} in f32, the precision training uses; use 0 or a value in [{:e}, {}]",
                    f32::MIN_POSITIVE,
                    1.0 - f32::EPSILON / 2.0
                ),
            );
        }
        if self.stack == Some(0) {
            return bad("stack", "0".into(), "must be at least 1".into());
        }
        if !(self.valid_fraction > 0.0 && self.valid_fraction <= 0.5) {
            return bad(
                "valid-fraction",
                self.valid_fraction.to_string(),
                "must be in (0, 0.5]".into(),
            );
        }
        if !(self.target_accuracy > 0.0 && self.target_accuracy <= 1.0) {
            return bad(
                "target-accuracy",
                fmt_float(self.target_accuracy),
                "must be in (0, 1]".into(),
            );
        }
        if self.memory_limit == Some(0) {
            return bad("memory-limit", "0".into(), "must be positive".into());
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

/// Runs of the options' network, here beside the options they read (so that `train` does not
/// depend on them).
impl RunSpec {
    /// One run per seed `options.seed, options.seed + 1, …` (`options.seeds` of them) of the
    /// options' network, named `<activation>-<strategy>-s<seed>`.
    pub fn per_seed(
        activation: Nonlinearity,
        strategy: &InitStrategy,
        options: &Options,
    ) -> Vec<Self> {
        (0..options.seeds() as u64)
            .map(|k| {
                let seed = options.seed + k;
                Self {
                    id: format!("{}-{}-s{seed}", activation.name(), strategy.name()),
                    activation,
                    strategy: strategy.clone(),
                    depth: options.depth,
                    width: options.width,
                    seed,
                    dropout: 0.0,
                    lr: None,
                    bias_init: Init::Zeros,
                }
            })
            .collect()
    }
}

/// How a sweep trains its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// Runs with the same architecture and seed trained as one stack of models
    /// ([`crate::stacked`]), `--jobs` stacks side by side.
    #[default]
    Stacked,
    /// One model at a time ([`crate::train::train_run`]), `--jobs` runs side by side.
    Single,
}

named_choices!(Engine, "engine", { Stacked => "stacked", Single => "single" });

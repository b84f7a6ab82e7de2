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
//!   are initialized (a plain initializer, LSUV, or greedy layer-wise pretraining);
//! * [`sweep`]: resumable lists of runs, trained in stacks ([`stacked`]: many models as one)
//!   or one by one; [`record`]: the files they leave; [`outdir`]: the output folder (ours only,
//!   locked, checked before written); [`limits`]: memory estimated before it is allocated;
//!   [`progress`]: the live display;
//! * [`claims`] and [`protocol`]: how the suite decides (intervals over seeds, choices on the
//!   validation split, paired comparisons); [`sequential`]: seeds added look by look by each
//!   claim's rule, fixed before the run.
//!
//! Every option is checked in one place, [`Options::validate`] (ranges, counts only a typo
//! makes, values that `f32` cannot hold), then per experiment ([`registry::unused_options`]:
//! options it would ignore are refused, not silently dropped), then the memory the command will
//! need; all of it by [`run`], before anything is loaded or written.

pub mod claims;
pub mod data;
pub mod device;
pub mod error;
pub mod experiments;
pub mod figure;
pub mod idx;
pub mod learner;
pub mod limits;
pub mod mlp;
pub mod options;
pub mod outdir;
pub mod pipeline;
pub mod progress;
pub mod protocol;
pub mod record;
pub mod registry;
pub mod sequential;
mod serde_nan;
pub mod stacked;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod train;

pub use error::{Error, Result};
pub use options::{Context, Options, caps, defaults};

use data::DatasetChoice;
use train::OptimizerChoice;

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
    let mut options = options.with_defaults_of(experiment);
    if name == experiments::criticality::QUICK {
        // `criticality-quick` is `criticality --scale quick`: recorded as such.
        options.scale = options::Scale::Quick;
    }
    options.validate()?;
    for (option, why) in registry::unused_options(experiment.name) {
        if options.was_given(option) {
            return Err(Error::InvalidOption {
                option,
                value: options.value_of(option),
                reason: format!("`{name}` does not use it: {why}"),
            });
        }
    }
    if options.trainer == learner::Trainer::Learner
        && experiment.name != experiments::single::EXPERIMENT.name
    {
        return Err(Error::InvalidOption {
            option: "trainer",
            value: options.trainer.name().into(),
            reason: format!(
                "`{name}` trains with the hand-written engines; burn-train's Learner trains single runs (`relu-he`, `tanh-xavier`, …)"
            ),
        });
    }
    if !options.replicates.is_empty() && experiment.name != experiments::readme::EXPERIMENT.name {
        return Err(Error::InvalidOption {
            option: "replicate",
            value: options.replicates[0].display().to_string(),
            reason: format!("only `readme-section` takes it (`{name}` runs experiments)"),
        });
    }
    if !options.skip.is_empty() {
        if experiment.name != "all" {
            return Err(Error::InvalidOption {
                option: "skip",
                value: options.skip.join(","),
                reason: format!("only `all` takes it (`{name}` is one experiment)"),
            });
        }
        for s in &options.skip {
            if !experiments::all::SUITE.iter().any(|e| e.name == s.as_str()) {
                return Err(Error::InvalidOption {
                    option: "skip",
                    value: s.clone(),
                    reason: format!(
                        "not an experiment of the suite ({})",
                        experiments::all::suite_names().join(", ")
                    ),
                });
            }
        }
        if experiments::all::SUITE
            .iter()
            .all(|e| options.skip.iter().any(|s| s == e.name))
        {
            return Err(Error::InvalidOption {
                option: "skip",
                value: options.skip.join(","),
                reason: "it leaves nothing to run".into(),
            });
        }
    }
    check_memory(experiment.name, &options)?;
    let ctx = Context {
        name: name.into(),
        options,
        command,
    };
    let result = if experiment.seeds.is_some() {
        let out = ctx.options.out_dir(&ctx.name);
        sequential::run_experiment(experiment, &ctx, &out).map(|_| ())
    } else {
        (experiment.run)(&ctx)
    };
    outdir::release_all();
    result
}

/// Inputs per example of a dataset (for the memory estimate, before it is loaded).
fn features(dataset: DatasetChoice) -> usize {
    match dataset {
        DatasetChoice::MnistSmall | DatasetChoice::Mnist | DatasetChoice::MnistTiny => 28 * 28,
        DatasetChoice::Digits => 8 * 8,
        DatasetChoice::Synthetic => 100,
    }
}

/// The least memory the command will need, checked before anything is loaded: one network of
/// the options' shape, trained (or, for `activations`, its forward pass). Sweeps check again,
/// precisely, once their runs and data are known ([`sweep::run_sweep`]).
fn check_memory(experiment: &str, o: &Options) -> Result<()> {
    let forward = || {
        use crate::experiments::activations::{BATCH, INPUT};
        let net = limits::MlpShape {
            inputs: INPUT,
            depth: o.depth,
            width: o.width,
            outputs: 10,
        };
        (net.forward_bytes(BATCH), "a forward pass")
    };
    let training = || {
        let net = limits::MlpShape {
            inputs: features(o.dataset()),
            depth: o.depth,
            width: o.width,
            outputs: 10,
        };
        let rows = o
            .batch_size
            .saturating_add(defaults::DIAG_EXAMPLES)
            .saturating_add(1000);
        (
            net.training_bytes(rows, o.optimizer == OptimizerChoice::Adam),
            "training",
        )
    };
    let (needed, what) = match experiment {
        "throughput" | "readme-section" => return Ok(()),
        "activations" => forward(),
        "all" => {
            let (f, t) = (forward(), training());
            if f.0.map_or(u128::MAX, u128::from) > t.0.map_or(u128::MAX, u128::from) {
                f
            } else {
                t
            }
        }
        _ => training(),
    };
    limits::ensure(needed, &limits::limit(o.memory_limit), || {
        format!(
            "{what} of one network of {} hidden layers × {} units (--depth {} --width {})",
            o.depth, o.width, o.depth, o.width
        )
    })
}

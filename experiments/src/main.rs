//! The command line: `experiments <NAME> [OPTIONS]`, `experiments list`. Parses arguments into
//! [`experiments::Options`]; everything else is in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use experiments::data::DatasetChoice;
use experiments::device::DeviceChoice;
use experiments::train::OptimizerChoice;
use experiments::{Options, defaults};

/// Which weight initialization suits which activation: train MLPs and record what happens.
#[derive(Debug, Parser)]
#[command(
    name = "experiments",
    version,
    after_help = "Examples:\n  experiments list\n  experiments relu-he\n  experiments tanh-xavier --device wgpu\n  \
                  experiments sigmoid-small --seeds 3 --epochs 5\n  experiments throughput --data-dir /path/to/mnist\n\n\
                  Every run leaves config.json, record.json, metrics.csv and summary.json under --out \
                  (default runs/<NAME>/); finished runs of a sweep are skipped when it is run again, unless --force."
)]
struct Cli {
    /// Experiment: `<activation>-<init>` (relu-he, tanh-xavier, sigmoid-small, ...), `throughput`,
    /// or `list` to see them all.
    name: String,

    /// Device: flex (CPU, default), ndarray (CPU) or wgpu (GPU, or software Vulkan).
    #[arg(long, default_value = "flex", value_name = "flex|ndarray|wgpu")]
    device: String,

    /// Dataset: mnist-small (embedded, default), mnist (full; --data-dir or the burn-dataset
    /// cache), mnist-tiny (IDX files in --data-dir), digits (embedded), synthetic.
    #[arg(long, value_name = "D")]
    dataset: Option<String>,

    /// Folder of MNIST IDX files (train-images-idx3-ubyte[.gz], ...), for mnist and mnist-tiny.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Epochs [default: 50; symmetry: 20].
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,

    /// Minibatch size.
    #[arg(long, default_value_t = defaults::BATCH_SIZE, value_name = "N")]
    batch_size: usize,

    /// Learning rate [default: 0.02 for sgd, 0.001 for adam].
    #[arg(long, value_name = "X")]
    lr: Option<f64>,

    /// Optimizer: sgd (with --momentum) or adam.
    #[arg(long, default_value = "sgd", value_name = "sgd|adam")]
    optimizer: String,

    /// SGD momentum (0: plain SGD).
    #[arg(long, default_value_t = defaults::MOMENTUM, value_name = "M")]
    momentum: f64,

    /// Hidden layers.
    #[arg(long, default_value_t = defaults::DEPTH, value_name = "N")]
    depth: usize,

    /// Units per hidden layer.
    #[arg(long, default_value_t = defaults::WIDTH, value_name = "N")]
    width: usize,

    /// Number of seeds: more than 1 makes a sweep of runs with seeds S, S+1, ...
    /// [default: 1; matrix: 3].
    #[arg(long, value_name = "N")]
    seeds: Option<usize>,

    /// Runs (--engine single) or stacks (--engine stacked) of a sweep trained at the same
    /// time, one thread each [default: the CPU cores]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,

    /// First seed (weights, shuffling, device).
    #[arg(long, default_value_t = defaults::SEED, value_name = "S")]
    seed: u64,

    /// Validation accuracy counted as reached in `epochs_to_target`.
    #[arg(long, default_value_t = defaults::TARGET_ACCURACY, value_name = "A")]
    target_accuracy: f64,

    /// Share of each class of the training images held out as the validation split (seeded
    /// with a fixed split seed, the same for every run), in (0, 0.5].
    #[arg(long, default_value_t = experiments::data::DEFAULT_VALID_FRACTION, value_name = "F")]
    valid_fraction: f64,

    /// Training engine of sweeps: stacked (runs with the same architecture and seed trained
    /// as one stack of models) or single (one model at a time).
    #[arg(long, default_value = "stacked", value_name = "stacked|single")]
    engine: String,

    /// The most models per stack (--engine stacked) [default: whole groups, up to a
    /// memory-based cap]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    stack: Option<usize>,

    /// Output folder [default: runs/<NAME>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Rerun runs that finished before (otherwise they are skipped).
    #[arg(long)]
    force: bool,
}

fn options(cli: &Cli) -> experiments::Result<Options> {
    Ok(Options {
        device: DeviceChoice::from_name(&cli.device)?,
        dataset: cli
            .dataset
            .as_deref()
            .map(DatasetChoice::from_name)
            .transpose()?,
        data_dir: cli.data_dir.clone(),
        epochs: cli.epochs,
        batch_size: cli.batch_size,
        lr: cli.lr,
        optimizer: OptimizerChoice::from_name(&cli.optimizer)?,
        momentum: cli.momentum,
        depth: cli.depth,
        width: cli.width,
        seeds: cli.seeds,
        jobs: cli.jobs,
        seed: cli.seed,
        out: cli.out.clone(),
        force: cli.force,
        target_accuracy: cli.target_accuracy,
        valid_fraction: cli.valid_fraction,
        engine: experiments::sweep::Engine::from_name(&cli.engine)?,
        stack: cli.stack,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result =
        options(&cli).and_then(|o| experiments::run(&cli.name, o, std::env::args().collect()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

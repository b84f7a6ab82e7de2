//! The command line: `experiments <NAME> [OPTIONS]`, `experiments list`. Parses arguments into
//! [`experiments::Options`]; everything else is in the library. Exit status: 0 done, 1 an error
//! (bad input included: usage errors too, not clap's 2), 130 interrupted (SIGINT or SIGTERM:
//! every file is written atomically and a run counts only once all its files are there, so
//! the same command resumes).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};
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
                  (default runs/<NAME>/); finished runs of a sweep are skipped when it is run again, unless --force. \
                  --out must be a new or empty folder, or one this program wrote for the same experiment; \
                  one process at a time. Ctrl-C stops; the same command resumes."
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

    /// Epochs [default: the experiment's; `experiments list` shows each one's].
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

    /// Number of seeds: more than 1 makes a sweep of runs with seeds S, S+1, ... [default: 1
    /// for single runs; the suite's experiments add seeds by each claim's rule, fixed in
    /// advance (3, then 6, then 10 for training claims); --seeds N fixes N instead].
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

    /// Trainer of single runs (`relu-he`, ...): the hand-written loop, or burn-train's
    /// SupervisedTraining with the library's per-layer metrics and burn-train's file logs.
    #[arg(long, default_value = "loop", value_name = "loop|learner")]
    trainer: String,

    /// The most models per stack (--engine stacked) [default: whole groups, up to a
    /// memory-based cap]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    stack: Option<usize>,

    /// `all` only: experiments of the suite to leave out, comma-separated (e.g.
    /// --skip criticality).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    skip: Vec<String>,

    /// Sizes of the suite's protocols: quick (toy sizes, one look of each claim's first seeds:
    /// CI's suite tests), default (what 2 CPU cores decide in half an hour), or paper (the
    /// papers' own widths, depths and steps where they differ: a GPU run). Every report and
    /// claims.json records it.
    #[arg(long, default_value = "default", value_name = "quick|default|paper")]
    scale: String,

    /// `readme-section` only: a finished `all` run on other seeds or data (repeatable); the
    /// section lists its statuses beside --out's and marks each claim that differs as fragile.
    #[arg(long, value_name = "DIR")]
    replicate: Vec<PathBuf>,

    /// Output folder [default: runs/<NAME>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Rerun runs that finished before (otherwise they are skipped).
    #[arg(long)]
    force: bool,

    /// Memory the command may use (e.g. 8G, 512M) [default: what the system has available].
    /// Commands whose networks would not fit stop before allocating them.
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,
}

fn options(cli: &Cli, given: Vec<String>) -> experiments::Result<Options> {
    let memory_limit = cli
        .memory_limit
        .as_deref()
        .map(|text| {
            experiments::limits::parse_size(text).ok_or_else(|| experiments::Error::InvalidOption {
                option: "memory-limit",
                value: text.into(),
                reason: "a size: bytes, or a number with K, M, G or T (e.g. 8G)".into(),
            })
        })
        .transpose()?;
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
        memory_limit,
        given,
        engine: experiments::options::Engine::from_name(&cli.engine)?,
        stack: cli.stack,
        trainer: experiments::learner::Trainer::from_name(&cli.trainer)?,
        skip: cli.skip.clone(),
        scale: experiments::options::Scale::from_name(&cli.scale)?,
        replicates: cli.replicate.clone(),
    })
}

/// On SIGINT or SIGTERM: say how to resume and exit with 130, from a thread that waits for the
/// signal. Nothing needs cleaning up: files are replaced atomically, a run counts as finished
/// only once its `done.json` is written, temporary files are removed on the next start, and the
/// output folder's lock goes with the process.
#[cfg(unix)]
fn exit_on_interrupt() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if signals.forever().next().is_some() {
                    eprintln!("\ninterrupted — rerun the same command to resume");
                    std::process::exit(130);
                }
            });
        }
        // The default handlers stay: the process ends at once, still resumable.
        Err(e) => eprintln!("note: cannot catch Ctrl-C ({e})"),
    }
}

/// Elsewhere the default handler ends the process at once, which leaves the folder resumable
/// too (without the message).
#[cfg(not(unix))]
fn exit_on_interrupt() {}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            // --help and --version print to stdout and succeed; usage errors are errors (1).
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::FAILURE;
        }
    };
    // The options given on the command line, by their long names.
    let given: Vec<String> = matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .map(|id| id.as_str().replace('_', "-"))
        .collect();
    exit_on_interrupt();
    let result = options(&cli, given)
        .and_then(|o| experiments::run(&cli.name, o, std::env::args().collect()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

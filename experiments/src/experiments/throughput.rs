//! `throughput`: one epoch of a 784-256-256-256-10 tanh MLP on MNIST, batch 128, plain SGD
//! lr 0.1, PyTorch's default `nn.Linear` initialization `U(±1/√fan_in)` (weights and biases),
//! inputs `(x/255 − 0.1307)/0.3081`: the same job as `benches/reference/torch_reference.py`,
//! which [`torch_reference`] runs in the same command (when python3 and torch are installed) so
//! that the two are compared on the same machine at the same time.

use std::path::Path;
use std::time::Instant;

use burn_init::{HostRng, Nonlinearity, Source};
use serde::Serialize;

use super::Experiment;
use crate::Context;
use crate::data::{self, DatasetChoice};
use crate::device;
use crate::error::Result;
use crate::mlp::MlpConfig;
use crate::progress::Progress;
use crate::record::{self, DatasetRecord};
use crate::train::{EpochPlan, EvalSet, OptimizerChoice, torch_default_init, train_epoch};

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "throughput",
    description: "one epoch of a 784-256-256-256-10 tanh MLP on MNIST (full MNIST from --data-dir or the \
                  burn-dataset cache if present, else mnist-small), batch 128, SGD lr 0.1: samples/s, losses, accuracy",
    matches: |n| n == "throughput",
    run,
    details: || {
        vec!["then the same job in PyTorch eager (benches/reference/torch_reference.py, as many threads), measured in the same run when python3 and torch are installed: both side by side with their ratio".into()]
    },
    epochs: None,
    seeds: None,
};

/// Batch size of the benchmark.
pub const BATCH: usize = 128;
/// Learning rate of the benchmark.
pub const LR: f64 = 0.1;
/// Minibatches trained on a throwaway model before the timed epoch (here and in the PyTorch
/// reference), so that neither figure counts one-time costs: kernel compilation and autotuning
/// on a GPU, allocator warm-up on the CPU.
pub const WARMUP_BATCHES: usize = 20;

/// The results, as written to `throughput.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputResult {
    /// Device name.
    pub device: String,
    /// Adapter.
    pub adapter: String,
    /// Dataset used.
    pub dataset: DatasetRecord,
    /// Seed.
    pub seed: u64,
    /// Training examples per second over the epoch.
    pub samples_per_second: f64,
    /// Seconds of the epoch.
    pub epoch_seconds: f64,
    /// Mean minibatch loss over the epoch.
    pub mean_epoch_loss: f64,
    /// Loss on the whole training split after the epoch.
    pub train_loss_after: f64,
    /// Accuracy on the test split after the epoch.
    pub test_accuracy: f64,
    /// `git rev-parse HEAD`.
    pub git_commit: String,
    /// Burn version.
    pub burn_version: String,
    /// Wall time of the command.
    pub wall_seconds: f64,
    /// PyTorch on the same job, measured in the same run ([`torch_reference`]); `None` when it
    /// could not be (see `torch_reference_missing`).
    pub torch_reference: Option<TorchReference>,
    /// Why no PyTorch reference was measured.
    pub torch_reference_missing: Option<String>,
}

/// PyTorch eager on the throughput job, as measured by `benches/reference/torch_reference.py`.
#[derive(Debug, Clone, Serialize)]
pub struct TorchReference {
    /// `torch.__version__`.
    pub torch_version: String,
    /// `torch.get_num_threads()` during the run.
    pub threads: u64,
    /// The GPU it ran on (`--device cuda`), or `None` on the CPU.
    pub gpu: Option<String>,
    /// `mnist`, or `random (MNIST-shaped)` when the IDX files were not given to it.
    pub dataset: String,
    /// Training examples per second over the epoch (the median epoch when it timed several).
    pub samples_per_second: f64,
    /// Fresh epochs it timed (`repeats`; losses and accuracy are the first's).
    pub timed_epochs: u64,
    /// Mean minibatch loss over the epoch.
    pub mean_epoch_loss: f64,
    /// Loss on the whole training split after the epoch.
    pub train_loss_after: f64,
    /// Accuracy on the test split after the epoch.
    pub test_accuracy: f64,
}

/// Runs `benches/reference/torch_reference.py --only training` (with `python3`, or `$PYTHON`)
/// with `threads` threads, on the MNIST IDX files in `mnist_dir` (`DIR/NAME[.gz]` or
/// burn-dataset's `DIR/train/`, `DIR/test/`), or on random data of MNIST's shape when `None`
/// (samples/s only are comparable then). With `gpu`, on PyTorch's first CUDA device (the
/// comparison for a run on a GPU). `repeats` fresh models each train one timed epoch; samples/s
/// come from the median epoch (`throughput` times one epoch, the bench ten).
///
/// # Errors
/// Why no reference was measured, as a sentence: no script next to the sources, no python3, no
/// torch, a failed run. The comparison is optional, so this is not an [`crate::Error`].
pub fn torch_reference(
    mnist_dir: Option<&Path>,
    threads: usize,
    gpu: bool,
    repeats: usize,
) -> std::result::Result<TorchReference, String> {
    let script = torch_reference_script(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    if !script.is_file() {
        return Err(format!("{} not found", script.display()));
    }
    let out = std::env::temp_dir().join(format!(
        "burn-init-throughput-torch-{}.json",
        std::process::id()
    ));
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(&script)
        .args(["--only", "training", "--threads"])
        .arg(threads.to_string())
        .arg("--training-repeats")
        .arg(repeats.max(1).to_string())
        .arg("--out")
        .arg(&out);
    if let Some(dir) = mnist_dir {
        cmd.arg("--mnist").arg(dir);
    }
    if gpu {
        cmd.args(["--device", "cuda"]);
    }
    let record = run_torch_reference(cmd, &python, &script, &out)?;
    let row = record["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["group"] == "training"))
        .ok_or("the reference record has no training row")?;
    let number = |key: &str| {
        row[key]
            .as_f64()
            .ok_or_else(|| format!("the reference's training row has no number `{key}`"))
    };
    Ok(TorchReference {
        torch_version: record["torch_version"].as_str().unwrap_or("?").into(),
        threads: record["threads"].as_u64().unwrap_or(0),
        gpu: record["gpu"].as_str().map(str::to_string),
        dataset: row["dataset"].as_str().unwrap_or("?").into(),
        samples_per_second: number("samples_per_second")?,
        timed_epochs: row["timed_epochs"].as_u64().unwrap_or(1),
        mean_epoch_loss: number("mean_epoch_loss")?,
        train_loss_after: number("train_loss_after")?,
        test_accuracy: number("test_accuracy")?,
    })
}

/// The benchmark's MLP: 784-256-256-256-10 (the data's sizes), tanh, PyTorch's default
/// initialization for weights and biases.
fn model_config(data: &crate::data::Dataset) -> MlpConfig {
    let init = torch_default_init();
    MlpConfig::new(
        data.features,
        vec![256; 3],
        data.classes,
        Nonlinearity::Tanh,
        init.clone(),
    )
    .with_bias_init(init)
}

/// One epoch of the benchmark's MLP, initialized from `seed`, over `data`'s training split in a
/// seeded order; `on_read` sees (minibatch, minibatches, loss) about ten times.
fn timed_epoch(
    dev: &device::OpenDevice,
    data: &crate::data::Dataset,
    seed: u64,
    on_read: impl FnMut(usize, usize, f64),
) -> Result<(crate::mlp::Mlp, crate::train::EpochResult)> {
    let ad = dev.autodiff();
    let model = model_config(data).init(Source::Host(HostRng::new(seed)), &ad)?;
    let plan = EpochPlan {
        split: &data.train,
        features: data.features,
        batch_size: BATCH,
        lr: LR,
        order: HostRng::new(seed)
            .derive(1_000_001)
            .permutation(data.train.n),
        reads: 10,
        device: &ad,
    };
    Ok(train_epoch(
        model,
        &mut OptimizerChoice::Sgd.init(0.0),
        &plan,
        on_read,
    ))
}

/// Seconds of one training epoch of the benchmark's MLP on `data` (initialized from `seed`; no
/// warm-up, no evaluation): the unit `cargo bench -p experiments` times with criterion.
///
/// # Errors
/// An initializer that cannot build the model.
pub fn epoch_seconds(
    dev: &device::OpenDevice,
    data: &crate::data::Dataset,
    seed: u64,
) -> Result<f64> {
    dev.device.seed(seed);
    Ok(timed_epoch(dev, data, seed, |_, _, _| {})?.1.seconds)
}

/// Trains the benchmark's MLP for one epoch on `data` (seeded) and evaluates it: the numbers
/// `throughput` prints, for the command and for `cargo bench -p experiments`.
///
/// # Errors
/// An initializer that cannot build the model.
pub fn measure(
    dev: &device::OpenDevice,
    data: &crate::data::Dataset,
    seed: u64,
    progress: &mut Progress,
) -> Result<ThroughputResult> {
    let start = Instant::now();
    let ad = dev.autodiff();
    dev.device.seed(seed);
    // Warm-up on a throwaway model (another seed): the measured model and its numbers are the
    // same with or without it.
    let warm = model_config(data).init(Source::Host(HostRng::new(seed ^ 0x5eed)), &ad)?;
    let warm_order = HostRng::new(seed ^ 0x5eed)
        .derive(1_000_001)
        .permutation(data.train.n);
    let warm_plan = EpochPlan {
        split: &data.train,
        features: data.features,
        batch_size: BATCH,
        lr: LR,
        order: warm_order[..(WARMUP_BATCHES * BATCH).min(data.train.n)].to_vec(),
        reads: 1,
        device: &ad,
    };
    drop(train_epoch(
        warm,
        &mut OptimizerChoice::Sgd.init(0.0),
        &warm_plan,
        |_, _, _| {},
    ));
    progress.start_run("throughput", 0, 1, None);
    let (model, r) = timed_epoch(dev, data, seed, |done, total, loss| {
        progress.batch(1, 1, done, total, Some(loss))
    })?;
    progress.println("");
    let train_loss = EvalSet::new(&data.train, data.features, 1000, &dev.device)
        .evaluate(&model)
        .loss;
    let test_acc = EvalSet::new(&data.test, data.features, 1000, &dev.device)
        .evaluate(&model)
        .accuracy;
    let result = ThroughputResult {
        device: dev.choice.name().into(),
        adapter: dev.adapter.clone(),
        dataset: DatasetRecord::from(data),
        seed,
        samples_per_second: r.samples as f64 / r.seconds,
        epoch_seconds: r.seconds,
        mean_epoch_loss: r.loss,
        train_loss_after: train_loss,
        test_accuracy: test_acc,
        git_commit: record::git_commit(),
        burn_version: record::BURN_VERSION.into(),
        wall_seconds: start.elapsed().as_secs_f64(),
        torch_reference: None,
        torch_reference_missing: None,
    };
    Ok(result)
}

fn run(ctx: &Context) -> Result<()> {
    let start = Instant::now();
    let o = &ctx.options;
    let mut progress = Progress::new();
    let dev = device::open(o.device)?;
    // Full MNIST when it can be found, else the embedded subset (unless --dataset says otherwise).
    let data = match o.dataset {
        Some(choice) => data::load(choice, o.data_dir.as_deref())?,
        None => match data::load(DatasetChoice::Mnist, o.data_dir.as_deref()) {
            Ok(d) => d,
            Err(e) if o.data_dir.is_none() => {
                progress.println(&format!(
                    "full MNIST not available ({e});\nusing the embedded mnist-small instead"
                ));
                data::load(DatasetChoice::MnistSmall, None)?
            }
            Err(e) => return Err(e),
        },
    };
    progress.println(&format!(
        "throughput: {} ({}) on {} ({}: {} train / {} test)",
        dev.choice.name(),
        dev.adapter,
        data.name,
        data.source,
        data.train.n,
        data.test.n
    ));
    let folder = crate::outdir::OutputFolder::claim(&o.out_dir("throughput"), "throughput")?;
    let result = measure(&dev, &data, o.seed, &mut progress)?;
    // PyTorch on the same job now: on the same IDX files when this is full MNIST.
    let mnist_dir = (data.name == "mnist")
        .then(|| o.data_dir.clone().or_else(data::burn_dataset_cache))
        .flatten();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    progress.println(&format!(
        "PyTorch on the same job ({threads} threads, benches/reference/torch_reference.py) …"
    ));
    // On a GPU (wgpu), PyTorch on the GPU (CUDA) is the comparison.
    let gpu = dev.choice.name() == "wgpu";
    let (torch, missing) = match torch_reference(mnist_dir.as_deref(), threads, gpu, 1) {
        Ok(t) => (Some(t), None),
        Err(why) => (None, Some(why)),
    };
    let result = ThroughputResult {
        wall_seconds: start.elapsed().as_secs_f64(),
        torch_reference: torch.clone(),
        torch_reference_missing: missing.clone(),
        ..result
    };
    println!(
        "dataset                     {} ({} training examples)",
        data.name, data.train.n
    );
    println!(
        "device                      {} ({})",
        dev.choice.name(),
        dev.adapter
    );
    match &torch {
        Some(t) => {
            let ours = format!("burn-init ({})", dev.choice.name());
            let theirs = format!("PyTorch {}", t.torch_version);
            println!("{:<27} {ours:>18} {theirs:>18} {:>8}", "", "ratio");
            let rows = [
                (
                    "samples/s",
                    result.samples_per_second,
                    t.samples_per_second,
                    0,
                ),
                (
                    "mean epoch loss",
                    result.mean_epoch_loss,
                    t.mean_epoch_loss,
                    3,
                ),
                (
                    "train loss after the epoch",
                    result.train_loss_after,
                    t.train_loss_after,
                    3,
                ),
                (
                    "test accuracy (%)",
                    100.0 * result.test_accuracy,
                    100.0 * t.test_accuracy,
                    1,
                ),
            ];
            for (name, a, b, digits) in rows {
                println!("{name:<27} {a:>18.digits$} {b:>18.digits$} {:>7.2}×", a / b);
            }
            println!(
                "(epoch {:.2} s; PyTorch: {} on {}{})",
                result.epoch_seconds,
                t.gpu.as_ref().map_or_else(
                    || format!("{} threads", t.threads),
                    |g| format!("CUDA on {g}")
                ),
                t.dataset,
                if t.dataset == "mnist" {
                    ""
                } else {
                    ": only samples/s compare"
                }
            );
        }
        None => {
            println!(
                "samples/s                   {:.0}  (epoch {:.2}s)",
                result.samples_per_second, result.epoch_seconds
            );
            println!("mean epoch loss             {:.3}", result.mean_epoch_loss);
            println!("train loss after the epoch  {:.3}", result.train_loss_after);
            println!(
                "test accuracy               {:.1}%",
                100.0 * result.test_accuracy
            );
            println!(
                "no PyTorch reference measured ({})",
                missing.as_deref().unwrap_or("unknown reason")
            );
        }
    }
    folder.begin()?;
    let path = folder.root().join("throughput.json");
    record::write_json(&path, &result)?;
    println!("files: {}", path.display());
    Ok(())
}

include!("../../../benches/reference/locate.rs");

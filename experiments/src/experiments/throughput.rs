//! `throughput`: one epoch of a 784-256-256-256-10 tanh MLP on MNIST, batch 128, plain SGD
//! lr 0.1, PyTorch's default `nn.Linear` initialization `U(±1/√fan_in)` (weights and biases),
//! inputs `(x/255 − 0.1307)/0.3081`: the same job as a PyTorch reference script, so the two
//! can be compared.

use std::time::Instant;

use burn_init::{HostRng, Nonlinearity as Activation, Source};
use serde::Serialize;

use crate::Context;
use crate::data::{self, DatasetChoice};
use crate::device;
use crate::error::Result;
use crate::mlp::MlpConfig;
use crate::progress::Progress;
use crate::record::{self, DatasetRecord};
use crate::registry::Experiment;
use crate::train::{EpochPlan, EvalSet, OptimizerChoice, torch_default_init, train_epoch};

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "throughput",
    description: "one epoch of a 784-256-256-256-10 tanh MLP on MNIST (full MNIST from --data-dir or the \
                  burn-dataset cache if present, else mnist-small), batch 128, SGD lr 0.1: samples/s, losses, accuracy",
    matches: |n| n == "throughput",
    run,
    details: || {
        vec!["PyTorch reference (2 CPU cores): ~42,000 samples/s, mean epoch loss 0.397, train loss after 0.196, test acc 94.4% (full MNIST)".into()]
    },
    epochs: None,
    seeds: None,
};

/// Batch size of the benchmark.
pub const BATCH: usize = 128;
/// Learning rate of the benchmark.
pub const LR: f64 = 0.1;

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
    let init = torch_default_init();
    let config = MlpConfig::new(
        data.features,
        vec![256; 3],
        data.classes,
        Activation::Tanh,
        init.clone(),
    )
    .with_bias_init(init);
    let model = config.init(Source::Host(HostRng::new(seed)), &ad)?;
    let mut optim = OptimizerChoice::Sgd.init(0.0);
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
    progress.start_run("throughput", 0, 1, None);
    let (model, r) = train_epoch(model, &mut optim, &plan, |done, total, loss| {
        progress.batch(1, 1, done, total, Some(loss))
    });
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
    let result = ThroughputResult {
        wall_seconds: start.elapsed().as_secs_f64(),
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
    if data.name == "mnist" {
        println!("PyTorch reference (2 cores) ~42,000 samples/s, 0.397, 0.196, 94.4%");
    } else {
        println!(
            "(PyTorch reference numbers are for full MNIST: pass --data-dir with the MNIST IDX files to compare)"
        );
    }
    folder.begin()?;
    let path = folder.root().join("throughput.json");
    record::write_json(&path, &result)?;
    println!("files: {}", path.display());
    Ok(())
}

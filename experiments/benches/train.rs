//! `cargo bench -p experiments`: training throughput, a documented harness (no criterion).
//!
//! 1. The `throughput` job (784-256-256-256-10 tanh MLP, batch 128, SGD lr 0.1, one epoch): on
//!    full MNIST when `BURN_INIT_MNIST` (or `../shared/data/mnist`) holds the IDX files, else on
//!    the embedded mnist-small; flex and ndarray, samples/s beside PyTorch eager's on the same
//!    job, measured in the same run by `benches/reference/torch_reference.py` (a subprocess, as
//!    many threads as cores; `throughput::torch_reference`), with their ratio; without python3
//!    or torch the output says that no reference was measured.
//! 2. A sweep of small MLPs (the suite's 5 × 50 net on mnist-small, 3 activations × 4
//!    initializations, one seed, 2 epochs) through the sweep's own runners: one model at a time
//!    (`sweep::train_side_by_side`, `--engine single`) and in stacks (`sweep::train_stacks`,
//!    `--engine stacked`: 3 stacks of 4), each with one and two workers (`--jobs`); aggregate
//!    training samples/s and wall time.
//!
//! Rows with machine, versions and the git commit land in `bench-results/train.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn_init::Init;
use burn_init::Nonlinearity as Activation;
use experiments::data::{self, DatasetChoice};
use experiments::device::{self, DeviceChoice};
use experiments::progress::Progress;
use experiments::strategy::InitStrategy;
use experiments::sweep::{train_side_by_side, train_stacks};
use experiments::train::RunSpec;
use experiments::{Options, experiments::throughput};

fn mnist_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("BURN_INIT_MNIST").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/mnist")),
    ];
    candidates.into_iter().flatten().find(|p| {
        p.join("train-images-idx3-ubyte.gz").is_file()
            || p.join("train-images-idx3-ubyte").is_file()
    })
}

fn main() {
    let mut rows = Vec::new();
    let (choice, dir) = match mnist_dir() {
        Some(d) => (DatasetChoice::Mnist, Some(d)),
        None => (DatasetChoice::MnistSmall, None),
    };
    let data = data::load(choice, dir.as_deref()).expect("dataset");
    println!(
        "throughput job on {} ({} training examples), {} cores",
        data.name,
        data.train.n,
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    );
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    println!("PyTorch on the same job ({cores} threads, benches/reference/torch_reference.py) …");
    // Full MNIST for PyTorch too when we have it; else random data of its shape (samples/s only).
    let torch = throughput::torch_reference(dir.as_deref(), cores);
    match &torch {
        Ok(t) => {
            println!(
                "{:<8} {:>8.0} samples/s; mean epoch loss {:.3}, train loss after {:.3}, test accuracy {:.1} % (torch {}, {} threads, {})",
                "pytorch",
                t.samples_per_second,
                t.mean_epoch_loss,
                t.train_loss_after,
                100.0 * t.test_accuracy,
                t.torch_version,
                t.threads,
                t.dataset
            );
            rows.push(serde_json::json!({
                "group": "throughput job", "device": "pytorch", "dataset": t.dataset,
                "torch_version": t.torch_version, "threads": t.threads,
                "samples_per_second": t.samples_per_second, "mean_epoch_loss": t.mean_epoch_loss,
                "train_loss_after": t.train_loss_after, "test_accuracy": t.test_accuracy,
            }));
        }
        Err(why) => println!("no PyTorch reference measured ({why})"),
    }
    let torch_sps = torch.as_ref().ok().map(|t| t.samples_per_second);
    for dev in [DeviceChoice::Flex, DeviceChoice::Ndarray] {
        let open = device::open(dev).expect("CPU device");
        let mut progress = Progress::lines_only();
        let r = throughput::measure(&open, &data, 0, &mut progress).expect("trains");
        let ratio = torch_sps.map_or("no reference".to_string(), |t| {
            format!("{:.2}× PyTorch", r.samples_per_second / t)
        });
        println!(
            "{:<8} {:>8.0} samples/s ({ratio}); mean epoch loss {:.3}, train loss after {:.3}, test accuracy {:.1} %",
            dev.name(),
            r.samples_per_second,
            r.mean_epoch_loss,
            r.train_loss_after,
            100.0 * r.test_accuracy
        );
        rows.push(serde_json::json!({
            "group": "throughput job", "device": dev.name(), "dataset": data.name,
            "samples_per_second": r.samples_per_second, "epoch_seconds": r.epoch_seconds,
            "mean_epoch_loss": r.mean_epoch_loss, "train_loss_after": r.train_loss_after,
            "test_accuracy": r.test_accuracy,
            "ratio_to_pytorch": torch_sps.map(|t| r.samples_per_second / t),
        }));
    }

    // A sweep of the suite's small nets: one at a time versus side by side.
    let small = data::load(DatasetChoice::MnistSmall, None)
        .and_then(|d| d.with_validation(data::DEFAULT_VALID_FRACTION, data::SPLIT_SEED))
        .expect("embedded data");
    let open = device::open(DeviceChoice::Flex).expect("flex");
    let settings = Options {
        epochs: Some(2),
        ..Options::default()
    }
    .settings();
    let inits = [
        Init::GlorotUniform,
        Init::HeNormal,
        Init::LecunNormal,
        Init::Orthogonal { gain: 1.0 },
    ];
    let specs: Vec<RunSpec> = (0..12)
        .map(|k| RunSpec {
            id: format!("bench-{k}"),
            activation: [Activation::Tanh, Activation::Sigmoid, Activation::Relu][k / 4],
            strategy: InitStrategy::plain(inits[k % 4].clone()),
            depth: 5,
            width: 50,
            seed: 0,
            dropout: 0.0,
            lr: None,
            bias_init: Init::Zeros,
        })
        .collect();
    println!("\nsweep: 12 runs of the 5 × 50 net, 2 epochs each, mnist-small, flex");
    let order: Vec<usize> = (0..specs.len()).collect();
    for engine in ["single", "stacked"] {
        for jobs in [1usize, 2] {
            let start = Instant::now();
            let mut samples = 0usize;
            if engine == "single" {
                train_side_by_side(&specs, &order, jobs, &settings, &small, &open, |_, o| {
                    samples += o.train_samples;
                    Ok(())
                })
            } else {
                train_stacks(
                    &specs,
                    &order,
                    jobs,
                    None,
                    &settings,
                    &small,
                    &open,
                    |_, o, _| {
                        samples += o.train_samples;
                        Ok(())
                    },
                )
            }
            .expect("runs");
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{engine:<7} jobs {jobs}: {secs:>6.1} s wall, {:>8.0} training samples/s (incl. evaluation and diagnostics)",
                samples as f64 / secs
            );
            rows.push(serde_json::json!({
                "group": "sweep", "engine": engine, "jobs": jobs, "runs": specs.len(),
                "wall_seconds": secs, "samples_per_second": samples as f64 / secs,
            }));
        }
    }

    let record = serde_json::json!({
        "bench": "train",
        "git_commit": experiments::record::git_commit(),
        "burn_version": experiments::record::BURN_VERSION,
        "cpu": std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|c| c.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string())),
        "cores": std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        "unix_time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        "rows": rows,
    });
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench-results/train.json");
    let bytes = serde_json::to_string_pretty(&record).expect("json");
    match experiments::record::write_atomic(&path, bytes.as_bytes()) {
        Ok(()) => println!("\nrecorded in {}", path.display()),
        Err(e) => eprintln!("could not record the results: {e}"),
    }
}

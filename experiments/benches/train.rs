//! `cargo bench -p experiments` (or `cargo bench --workspace`): training throughput, measured by
//! criterion, with a side-by-side table built from criterion's estimates.
//!
//! 1. `throughput epoch`: one training epoch of the `throughput` job (784-256-256-256-10 tanh
//!    MLP, PyTorch's default initialization, batch 128, SGD lr 0.1) on full MNIST when
//!    `BURN_INIT_MNIST` (or `../shared/data/mnist`) holds the IDX files, else on the embedded
//!    mnist-small (`BENCH_QUICK=1`: always mnist-small); flex and ndarray; each iteration trains
//!    a fresh model for one epoch and times the epoch alone. Beside them, PyTorch eager on the
//!    same job (the median of ten fresh epochs), measured in the same run by
//!    `benches/reference/torch_reference.py` (a subprocess, as many threads as cores;
//!    `throughput::torch_reference`), with the ratio; without python3 or torch the output says
//!    that no reference was measured. One untimed run per device first
//!    prints the losses and test accuracy (beside PyTorch's): the job trains, on both sides.
//! 2. `sweep`: 12 small MLPs (the suite's 5 × 50 net on mnist-small, 3 activations × 4
//!    initializations, one seed, 2 epochs) through the sweep's own runners: one model at a time
//!    (`sweep::train_side_by_side`, `--engine single`) and in stacks (`sweep::train_stacks`,
//!    `--engine stacked`: 3 stacks of 4), each with one and two workers (`--jobs`); an
//!    iteration is the whole sweep (training, evaluation, diagnostics).
//!
//! Criterion samples flat (10 samples of one iteration by default; `--sample-size N` after `--`), prints each
//! benchmark (median with its 95 % bootstrap interval, change against the last run) and keeps
//! its analysis in `target/criterion` (`--save-baseline` / `--baseline` compare runs). Every
//! estimate, PyTorch's row, machine, versions and the git commit land in
//! `bench-results/train.json`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use burn_init::Init;
use burn_init::Nonlinearity;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
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

/// The sweep's 12 runs: 3 activations × 4 initializations of the suite's 5 × 50 net.
fn sweep_specs() -> Vec<RunSpec> {
    let inits = [
        Init::GlorotUniform,
        Init::HeNormal,
        Init::LecunNormal,
        Init::Orthogonal(burn_init::Orthogonal::default()),
    ];
    (0..12)
        .map(|k| RunSpec {
            id: format!("bench-{k}"),
            activation: [
                Nonlinearity::Tanh,
                Nonlinearity::Sigmoid,
                Nonlinearity::Relu,
            ][k / 4],
            strategy: InitStrategy::plain(inits[k % 4].clone()),
            depth: 5,
            width: 50,
            seed: 0,
            dropout: 0.0,
            lr: None,
            bias_init: Init::Zeros,
        })
        .collect()
}

fn main() {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut rows = Vec::new();
    let (choice, dir) = match mnist_dir().filter(|_| !quick) {
        Some(d) => (DatasetChoice::Mnist, Some(d)),
        None => (DatasetChoice::MnistSmall, None),
    };
    let data = data::load(choice, dir.as_deref()).expect("dataset");
    println!(
        "throughput job on {} ({} training examples), {cores} cores",
        data.name, data.train.n
    );
    println!("PyTorch on the same job ({cores} threads, benches/reference/torch_reference.py) …");
    // Full MNIST for PyTorch too when we have it; else random data of its shape (samples/s only).
    let torch = if criterion_measures_nothing() {
        Err("criterion is listing or testing, not measuring".to_string())
    } else {
        throughput::torch_reference(dir.as_deref(), cores, false, 10)
    };
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
                "group": "throughput job", "source": "pytorch", "dataset": t.dataset,
                "torch_version": t.torch_version, "threads": t.threads,
                "samples_per_second": t.samples_per_second, "timed_epochs": t.timed_epochs,
                "mean_epoch_loss": t.mean_epoch_loss,
                "train_loss_after": t.train_loss_after, "test_accuracy": t.test_accuracy,
            }));
        }
        Err(why) => println!("no PyTorch reference measured ({why})"),
    }
    // One untimed, evaluated run per device: the job trains (losses, accuracy), and one epoch's
    // length sets criterion's target time.
    let devices: Vec<(DeviceChoice, device::OpenDevice)> =
        [DeviceChoice::Flex, DeviceChoice::Ndarray]
            .into_iter()
            .map(|d| (d, device::open(d).expect("CPU device")))
            .collect();
    let mut longest_epoch = 0f64;
    for (choice, open) in devices.iter().filter(|_| !criterion_measures_nothing()) {
        let r = throughput::measure(open, &data, 0, &mut Progress::lines_only()).expect("trains");
        longest_epoch = longest_epoch.max(r.epoch_seconds);
        println!(
            "{:<8} check run: mean epoch loss {:.3}, train loss after {:.3}, test accuracy {:.1} % (chance 10 %)",
            choice.name(),
            r.mean_epoch_loss,
            r.train_loss_after,
            100.0 * r.test_accuracy
        );
        rows.push(serde_json::json!({
            "group": "throughput job", "source": "check run", "device": choice.name(),
            "dataset": data.name, "epoch_seconds": r.epoch_seconds,
            "mean_epoch_loss": r.mean_epoch_loss, "train_loss_after": r.train_loss_after,
            "test_accuracy": r.test_accuracy,
        }));
    }

    let started = SystemTime::now();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        // Flat sampling: one epoch per sample.
        .measurement_time(Duration::from_secs_f64((9.0 * longest_epoch).max(1.0)))
        .without_plots()
        .configure_from_args();
    {
        let mut group = c.benchmark_group("throughput epoch");
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Elements(data.train.n as u64));
        for (choice, open) in &devices {
            group.bench_function(choice.name(), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|k| {
                            Duration::from_secs_f64(
                                throughput::epoch_seconds(open, &data, k).expect("trains"),
                            )
                        })
                        .sum()
                })
            });
        }
        group.finish();
    }

    // A sweep of the suite's small nets: one at a time versus side by side.
    let small = data::load(DatasetChoice::MnistSmall, None)
        .and_then(|d| d.with_validation(data::DEFAULT_VALID_FRACTION, data::SPLIT_SEED))
        .expect("embedded data");
    let flex = device::open(DeviceChoice::Flex).expect("flex");
    let settings = Options {
        epochs: Some(2),
        ..Options::default()
    }
    .settings();
    let specs = sweep_specs();
    let order: Vec<usize> = (0..specs.len()).collect();
    // One whole sweep, its training samples, and its wall time.
    let sweep = |engine: &str, jobs: usize| -> (usize, Duration) {
        let start = Instant::now();
        let mut samples = 0usize;
        if engine == "single" {
            train_side_by_side(&specs, &order, jobs, &settings, &small, &flex, |_, o| {
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
                &flex,
                |_, o, _| {
                    samples += o.train_samples;
                    Ok(())
                },
            )
        }
        .expect("runs");
        (samples, start.elapsed())
    };
    println!("\nsweep: 12 runs of the 5 × 50 net, 2 epochs each, mnist-small, flex");
    // Also the sweep's warm-up; nothing to size when criterion only lists or tests.
    let (samples, once) = if criterion_measures_nothing() {
        (0, Duration::from_secs(1))
    } else {
        sweep("single", 1)
    };
    {
        let mut group = c.benchmark_group("sweep");
        group.sampling_mode(SamplingMode::Flat);
        group.measurement_time(Duration::from_secs_f64((9.0 * once.as_secs_f64()).max(1.0)));
        group.throughput(Throughput::Elements(samples as u64));
        for engine in ["single", "stacked"] {
            for jobs in [1usize, 2] {
                group.bench_function(BenchmarkId::new(engine, format!("jobs {jobs}")), |b| {
                    b.iter_custom(|iters| (0..iters).map(|_| sweep(engine, jobs).1).sum())
                });
            }
        }
        group.finish();
    }
    c.final_summary();

    let Some(est) = estimates_of_this_run(started) else {
        return;
    };
    let torch_sps = torch.as_ref().ok().map(|t| t.samples_per_second);
    println!(
        "\nthroughput job, one epoch on {} ({} examples): samples/s, median of criterion's samples [95 % interval]",
        data.name, data.train.n
    );
    let per_sec = |elements: usize, ns: f64| elements as f64 / (ns / 1e9);
    for (choice, _) in &devices {
        let Some(e) = est.get(&format!("throughput epoch/{}", choice.name())) else {
            continue;
        };
        let sps = per_sec(data.train.n, e.median_ns);
        let ratio = torch_sps.map_or("no reference".to_string(), |t| {
            format!("{:.2}× PyTorch", sps / t)
        });
        println!(
            "{:<8} {sps:>8.0} [{:.0}, {:.0}]  ({ratio})",
            choice.name(),
            per_sec(data.train.n, e.upper_ns),
            per_sec(data.train.n, e.lower_ns)
        );
    }
    if let Ok(t) = &torch {
        println!(
            "{:<8} {:>8.0}  (median of {} fresh epochs, timed by the script)",
            "pytorch", t.samples_per_second, t.timed_epochs
        );
    }
    println!(
        "\nsweep, 12 runs × 2 epochs: wall seconds and training samples/s, medians [95 % interval of the time]"
    );
    for engine in ["single", "stacked"] {
        for jobs in [1usize, 2] {
            if let Some(e) = est.get(&format!("sweep/{engine}/jobs {jobs}")) {
                println!(
                    "{engine:<7} jobs {jobs}: {:>6.2} s [{:.2}, {:.2}], {:>8.0} samples/s",
                    e.median_ns / 1e9,
                    e.lower_ns / 1e9,
                    e.upper_ns / 1e9,
                    per_sec(samples, e.median_ns)
                );
            }
        }
    }
    rows.extend(record_rows(&est));

    let record = serde_json::json!({
        "bench": "train",
        "harness": "criterion 0.8",
        "git_commit": experiments::record::git_commit(),
        "burn_version": experiments::record::BURN_VERSION,
        "cpu": cpu_model(),
        "cores": cores,
        "dataset": data.name,
        "sweep_training_samples": samples,
        "unix_time": SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        "rows": rows,
    });
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench-results/train.json");
    let bytes = serde_json::to_string_pretty(&record).expect("json");
    match experiments::record::write_atomic(&path, bytes.as_bytes()) {
        Ok(()) => println!("\nrecorded in {}", path.display()),
        Err(e) => eprintln!("could not record the results: {e}"),
    }
}

include!("../../benches/reference/estimates.rs");

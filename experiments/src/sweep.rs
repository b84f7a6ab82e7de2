//! Running a list of runs: resume (skip finished runs unless `--force`), overall progress with
//! an ETA, per-run records, and the experiment's aggregated files and table.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::data::{self, Dataset};
use crate::device::{self, OpenDevice};
use crate::error::{Error, Result};
use crate::learner::{Trainer, train_run_learner};
use crate::limits::{self, MlpShape};
use crate::options::{Context, Engine, Options};
use crate::outdir::{self, OutputFolder, RunConfig, StoredRun};
use crate::progress::Progress;
use crate::record::{self, Chance, DatasetRecord, OutDir, Record, RunSummary, Summary};
use crate::stacked;
use crate::train::{RunOutcome, RunSpec, TrainSettings, train_run};

/// `config.json` of an experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExperimentConfig {
    /// Experiment name.
    pub experiment: String,
    /// The options as resolved (defaults filled in).
    pub options: Options,
    /// The training settings every run shares.
    pub settings: TrainSettings,
    /// The runs.
    pub runs: Vec<RunSpec>,
}

/// What a sweep leaves its experiment: every run's summary (in the order of the specs) and the
/// device that ran them ([`OpenDevice::label`]).
#[derive(Debug, Clone)]
pub struct Sweep {
    /// One per run.
    pub summaries: Vec<RunSummary>,
    /// "`name` (`adapter`)".
    pub device: String,
}

/// What the runs trained now (not resumed) add up to.
#[derive(Debug, Default)]
struct TrainedStats {
    trained: usize,
    wall: f64,
    samples: usize,
    seconds: f64,
}

/// The line printed when a run of a parallel sweep finishes: `[done/pending id done] N left,
/// ETA …`, the ETA from the mean wall time per run since `start`.
fn done_line(stats: &TrainedStats, pending: usize, id: &str, start: Instant) -> String {
    let left = pending - stats.trained;
    let per_run = start.elapsed().as_secs_f64() / stats.trained as f64;
    format!(
        "[{}/{pending} {id} done] {left} left, ETA {}",
        stats.trained,
        crate::progress::fmt_duration(Duration::from_secs_f64(per_run * left as f64))
    )
}

/// `summary` as a later run of the sweep reads it back from its file: serde_json's parser may
/// land one ulp from the value written, so the summary is written and read back until its text
/// no longer changes (a fixed point, reached in one or two passes; at most [`READ_BACK_PASSES`]).
/// The run's file is then written from it: the fresh sweep, the file and a resumed sweep hold the
/// same bits.
fn as_read_back(summary: &RunSummary) -> Result<RunSummary> {
    let invalid = |e: serde_json::Error| Error::Record {
        path: "summary.json".into(),
        reason: e.to_string(),
    };
    let mut text = serde_json::to_string(summary).map_err(invalid)?;
    let mut value: RunSummary = serde_json::from_str(&text).map_err(invalid)?;
    for _ in 0..READ_BACK_PASSES {
        let again = serde_json::to_string(&value).map_err(invalid)?;
        if again == text {
            break;
        }
        text = again;
        value = serde_json::from_str(&text).map_err(invalid)?;
    }
    Ok(value)
}

/// The most write-and-read passes [`as_read_back`] makes.
const READ_BACK_PASSES: usize = 8;

/// The device and data of an experiment, opened once.
#[derive(Debug)]
pub struct Prepared {
    /// The device.
    pub device: OpenDevice,
    /// The dataset.
    pub data: Dataset,
}

/// Runs `run(work[k], k)` for every `k` in `0..work.len()`, `jobs` at a time (one thread each),
/// and hands every result to `done` on the calling thread, in the order they finish. After the
/// first error (of `run` or of `done`) nothing new starts; the work in flight finishes and is
/// handed to `done`; that first error is returned.
///
/// # Errors
/// The first error of `run` or of `done`.
pub fn side_by_side<W: Sync, T: Send>(
    work: &[W],
    jobs: usize,
    run: impl Fn(&W, usize) -> Result<T> + Sync,
    mut done: impl FnMut(usize, T) -> Result<()>,
) -> Result<()> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<T>)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(work.len().max(1)) {
            let tx = tx.clone();
            let (next, run) = (&next, &run);
            scope.spawn(move || {
                let work_loop = || loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(w) = work.get(k) else { break };
                    if tx.send((k, run(w, k))).is_err() {
                        break;
                    }
                };
                // Several jobs already fill the cores: each keeps the backend's own parallel
                // kernels (flex's rayon gemm) on its thread instead of fanning out into the
                // shared pool, which measured slower (oversubscription) for these small nets.
                match (jobs > 1).then(|| rayon::ThreadPoolBuilder::new().num_threads(1).build()) {
                    Some(Ok(pool)) => pool.install(work_loop),
                    _ => work_loop(),
                }
            });
        }
        drop(tx);
        let mut first_error = None;
        for (k, result) in rx {
            if let Err(e) = result.and_then(|t| done(k, t)) {
                // Stop handing out work; what is in flight finishes.
                next.store(work.len(), Ordering::SeqCst);
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    })
}

/// Trains the runs `specs[i]` for `i` in `order`, `jobs` at a time (one thread each, each with
/// its own one-line-per-epoch progress), and hands every outcome to `done` on the calling
/// thread, in the order the runs finish. Burn's device generator is global: runs that draw from
/// it (dropout masks, masking noise; see [`RunSpec::uses_device_rng`]) hold a lock for their
/// whole run, so each sees the same stream as when run alone; runs that draw only from the host
/// generator run concurrently. After the first error (training, or from `done`) no further run
/// starts; the runs in flight finish and are handed to `done`; that first error is returned.
///
/// # Errors
/// The first error of a run or of `done`.
pub fn train_side_by_side(
    specs: &[RunSpec],
    order: &[usize],
    jobs: usize,
    settings: &TrainSettings,
    data: &Dataset,
    device: &OpenDevice,
    mut done: impl FnMut(usize, RunOutcome) -> Result<()>,
) -> Result<()> {
    let device_rng = Mutex::new(());
    side_by_side(
        order,
        jobs,
        |&i, _| {
            let spec = &specs[i];
            let mut progress = Progress::lines_only();
            progress.start_run(&spec.id, i, specs.len(), None);
            let _guard = spec
                .uses_device_rng()
                .then(|| device_rng.lock().unwrap_or_else(PoisonError::into_inner));
            train_run(spec, settings, data, device, &mut progress)
        },
        |k, outcome| done(order[k], outcome),
    )
}

/// Trains the runs `specs[i]`, `i` in `pending`, in stacks ([`stacked::plan_stacks`]: runs
/// with the same architecture and seed, at most `cap` per stack, else as many as the memory
/// budget holds), `jobs` stacks at a time, and hands every run's outcome to `done` on the
/// calling thread as its stack finishes (`done` gets the stack's position and size too).
/// Runs whose initialization draws from Burn's device generator build their model under one
/// lock; training never touches that generator. Same numbers for any `jobs` and `cap`.
///
/// # Errors
/// The first error of a stack or of `done`.
#[allow(clippy::too_many_arguments)]
pub fn train_stacks(
    specs: &[RunSpec],
    pending: &[usize],
    jobs: usize,
    cap: Option<usize>,
    settings: &TrainSettings,
    data: &Dataset,
    device: &OpenDevice,
    mut done: impl FnMut(usize, RunOutcome, StackDone) -> Result<()>,
) -> Result<()> {
    let stacks = stacked::plan_stacks(specs, pending, |spec| {
        stacked::stack_cap(spec, data.features, data.classes, settings, cap)
    });
    let device_rng = Mutex::new(());
    let total = stacks.len();
    side_by_side(
        &stacks,
        jobs,
        |stack, k| {
            let runs: Vec<&RunSpec> = stack.iter().map(|&i| &specs[i]).collect();
            let mut progress = if jobs <= 1 {
                Progress::new()
            } else {
                Progress::lines_only()
            };
            let first = runs[0];
            let label = format!(
                "stack {} {}-d{}x{}-s{}, {} run{}",
                k + 1,
                first.activation.name(),
                first.depth,
                first.width,
                first.seed,
                runs.len(),
                if runs.len() == 1 { "" } else { "s" }
            );
            progress.start_run(&label, k, total, None);
            progress.println(&format!(
                "[{label}] {}",
                runs.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            stacked::train_stack(&runs, settings, data, device, &device_rng, &mut progress)
        },
        |k, outcomes| {
            let stack = &stacks[k];
            for (&i, outcome) in stack.iter().zip(outcomes) {
                done(
                    i,
                    outcome,
                    StackDone {
                        size: stack.len(),
                        stacks: total,
                    },
                )?;
            }
            Ok(())
        },
    )
}

/// Where a run trained in a stack came from (for progress messages).
#[derive(Debug, Clone, Copy)]
pub struct StackDone {
    /// Runs in its stack.
    pub size: usize,
    /// Stacks in the sweep.
    pub stacks: usize,
}

/// Opens the device (wgpu: errors if no adapter), loads the dataset of `options` and carves
/// its validation split (`--valid-fraction`, seeded with [`data::SPLIT_SEED`]); prints the
/// splits and their chance levels.
///
/// # Errors
/// No device, missing or corrupt data, a validation fraction out of range.
pub fn prepare(options: &Options, progress: &mut Progress) -> Result<Prepared> {
    let device = device::open(options.device)?;
    let data = data::load(options.dataset(), options.data_dir.as_deref())?
        .with_validation(options.valid_fraction, data::SPLIT_SEED)?;
    progress.println(&format!(
        "device {} ({}); dataset {}: {} train / {} valid ({:.0} % per class, split seed {}) / {} test examples, \
         {} features, {} classes (sha256 {}…); chance (majority class): valid {:.1} %, test {:.1} %",
        device.choice.name(),
        device.adapter,
        data.name,
        data.train.n,
        data.valid.n,
        100.0 * data.split.fraction,
        data.split.seed,
        data.test.n,
        data.features,
        data.classes,
        &data.sha256[..12],
        100.0 * data.valid.majority_rate(),
        100.0 * data.test.majority_rate(),
    ));
    Ok(Prepared { device, data })
}

/// Rows that go through a network at once while it trains: a minibatch, the diagnostic
/// batch, and a batch of the evaluation (`train::EvalSet` evaluates 1,000 at a time).
fn rows_at_once(settings: &TrainSettings, data: &Dataset) -> usize {
    settings
        .batch_size
        .saturating_add(settings.diag_examples.min(data.train.n))
        .saturating_add(1000)
}

/// Checks, before any network is built, that `jobs` of the largest of `specs` trained at once
/// (each with its device copy of the test split), and the bookkeeping of every run, fit in the
/// memory limit.
///
/// # Errors
/// [`Error::Memory`].
fn check_memory(
    options: &Options,
    settings: &TrainSettings,
    specs: &[RunSpec],
    data: &Dataset,
    jobs: usize,
) -> Result<()> {
    let at_once = jobs.min(specs.len()).max(1);
    let rows = rows_at_once(settings, data);
    let adam = settings.optimizer == crate::train::OptimizerChoice::Adam;
    let shape = |s: &RunSpec| MlpShape {
        inputs: data.features,
        depth: s.depth,
        width: s.width,
        outputs: data.classes,
    };
    let per_run = |s: &RunSpec| {
        let test_copy = (data.test.x.len() as u64).checked_mul(4)?;
        shape(s).training_bytes(rows, adam)?.checked_add(test_copy)
    };
    // The largest run (an overflow counts as the largest).
    let Some(largest) = specs
        .iter()
        .max_by_key(|s| per_run(s).map_or(u128::MAX, u128::from))
    else {
        return Ok(());
    };
    // The run list: per run its configuration, its summary (two statistics per hidden layer)
    // and the ids they repeat.
    let bookkeeping = specs.iter().try_fold(0u64, |sum, s| {
        let fixed = size_of::<RunConfig>() + size_of::<Option<RunSummary>>() + 3 * s.id.len();
        let stats = 2 * s.depth.checked_mul(size_of::<crate::stats::LayerStats>())?;
        sum.checked_add(fixed.checked_add(stats)? as u64)
    });
    let needed = per_run(largest)
        .and_then(|b| b.checked_mul(at_once as u64))
        .and_then(|b| b.checked_add(bookkeeping?));
    limits::ensure(needed, &limits::limit(options.memory_limit), || {
        format!(
            "training {at_once} network(s) at once (--jobs {jobs}, {} run(s)) of {} hidden layers × {} units \
             (--depth {}, --width {}) on {} inputs, {rows} rows at a time (--batch-size {} + diagnostics + evaluation)",
            specs.len(),
            largest.depth,
            largest.width,
            options.depth,
            options.width,
            data.features,
            settings.batch_size
        )
    })
}

/// Runs `specs` as experiment `experiment` and writes its folder; returns every run's summary
/// and the device.
///
/// The folder is claimed first ([`OutputFolder::claim`]: ours or new, locked for this
/// process) and nothing is written to it until every finished run has been checked against
/// this configuration: a run made with another one stops the sweep (without `--force`); a run
/// whose files are corrupt or incomplete is reported and trained again. The experiment's own
/// files (`config.json`, `metrics.csv`, `summary.json`, `record.json`) are written together at
/// the end, so they always describe the last sweep that finished.
///
/// # Errors
/// Invalid options, no device, missing data, not enough memory, an output folder that is not
/// ours or is locked by another process, unwritable output, or a finished run made with
/// another configuration (without `--force`).
pub fn run_sweep(ctx: &Context, experiment: &str, specs: Vec<RunSpec>) -> Result<Sweep> {
    let start = Instant::now();
    let started_unix = record::unix_now();
    let options = &ctx.options;
    options.validate()?;
    let settings = options.settings();
    let mut progress = Progress::new();
    let Prepared { device, data } = prepare(options, &mut progress)?;
    check_memory(
        options,
        &settings,
        &specs,
        &data,
        options.jobs_for(device.choice),
    )?;
    let out = OutDir {
        root: options.out_dir(experiment),
    };
    let folder = OutputFolder::claim(&out.root, experiment)?;

    let total = specs.len();
    let mut results: Vec<Option<RunSummary>> = vec![None; total];
    let mut pending = Vec::new();
    let mut skipped = 0usize;
    let run_configs: Vec<RunConfig> = specs
        .iter()
        .map(|spec| RunConfig {
            spec: spec.clone(),
            settings: settings.clone(),
            dataset: data.name.clone(),
            dataset_sha256: data.sha256.clone(),
            split: data.split,
            trainer: options.trainer,
        })
        .collect();
    // The check, before anything is written.
    for (i, spec) in specs.iter().enumerate() {
        let dir = out.run_dir(&spec.id);
        let tag = format!("[{}/{total} {}]", i + 1, spec.id);
        if options.force {
            pending.push(i);
            continue;
        }
        match outdir::read_run(&dir, &spec.id, &run_configs[i]) {
            StoredRun::Missing => pending.push(i),
            StoredRun::Unfinished => {
                progress.println(&format!("{tag} unfinished before (interrupted): rerun"));
                pending.push(i);
            }
            StoredRun::Corrupt { file, reason } => {
                progress.println(&format!(
                    "{tag} {} is corrupt ({reason}): the run is rerun",
                    file.display()
                ));
                pending.push(i);
            }
            StoredRun::OtherConfig(path) => {
                return Err(Error::Record {
                    path,
                    reason: format!(
                        "run {} finished before with another configuration; pass --force to rerun and overwrite it, \
                         or --out DIR to write elsewhere",
                        spec.id
                    ),
                });
            }
            StoredRun::Finished(summary) => {
                progress.println(&format!(
                    "{tag} skipped: finished before ({}); --force reruns it",
                    dir.join("summary.json").display()
                ));
                skipped += 1;
                results[i] = Some(*summary);
            }
        }
    }
    folder.begin()?;

    let mut stats = TrainedStats::default();
    // Writes a finished run's folder (atomically, file by file; `done.json` last, so a run
    // counts as finished only once everything else is on disk).
    let mut finish =
        |i: usize, outcome: RunOutcome, stats: &mut TrainedStats, engine: &str| -> Result<()> {
            let spec = &specs[i];
            let dir = out.run_dir(&spec.id);
            stats.trained += 1;
            stats.wall += outcome.wall_seconds;
            stats.samples += outcome.train_samples;
            stats.seconds += outcome.train_seconds;
            let summary = RunSummary::new(
                spec,
                &settings,
                &outcome,
                Chance::of(&data),
                device.choice.name(),
                engine,
            );
            // Decisions are made from the summary as a resumed sweep reads it back from its
            // file (serde_json's parser may land one ulp from the value written), so a fresh,
            // a resumed and a re-run sweep decide alike.
            let summary = as_read_back(&summary)?;
            outdir::write_run(
                &dir,
                &run_configs[i],
                &record::metrics_rows(&spec.id, &outcome.epochs),
                &summary,
            )?;
            results[i] = Some(summary);
            Ok(())
        };
    let engine = options.engine;
    let jobs = options.jobs_for(device.choice).min(pending.len()).max(1);
    let learner = options.trainer == Trainer::Learner;
    let engine_name = if learner {
        Trainer::Learner.name()
    } else {
        engine.name()
    };
    let mut finish = |i: usize, outcome: RunOutcome, stats: &mut TrainedStats| {
        finish(i, outcome, stats, engine_name)
    };
    // burn-train's Learner: one run at a time, each logging to `<run>/learner/`.
    if learner {
        for (k, &i) in pending.iter().enumerate() {
            let eta = (stats.trained > 0).then(|| {
                Duration::from_secs_f64(
                    stats.wall / stats.trained as f64 * (pending.len() - k) as f64,
                )
            });
            let mut run_progress = Progress::new();
            run_progress.start_run(&specs[i].id, i, total, eta);
            let log_dir = out.run_dir(&specs[i].id).join("learner");
            if log_dir.exists() {
                std::fs::remove_dir_all(&log_dir).map_err(|source| Error::Io {
                    path: log_dir.clone(),
                    source,
                })?;
            }
            let outcome =
                train_run_learner(&specs[i], &settings, &data, &device, run_progress, &log_dir)?;
            finish(i, outcome, &mut stats)?;
        }
    } else {
        match engine {
            Engine::Single if jobs == 1 => {
                for (k, &i) in pending.iter().enumerate() {
                    let eta = (stats.trained > 0).then(|| {
                        Duration::from_secs_f64(
                            stats.wall / stats.trained as f64 * (pending.len() - k) as f64,
                        )
                    });
                    progress.start_run(&specs[i].id, i, total, eta);
                    let outcome = train_run(&specs[i], &settings, &data, &device, &mut progress)?;
                    finish(i, outcome, &mut stats)?;
                }
            }
            Engine::Stacked if pending.is_empty() => {}
            _ => {
                progress.println(&match engine {
                    Engine::Stacked => format!(
                        "training {} runs in stacks (runs with the same architecture and seed as one; --engine single trains them one by one), {jobs} stack(s) at a time (--jobs)",
                        pending.len()
                    ),
                    Engine::Single => format!(
                        "training {} runs, {jobs} at a time (--jobs)",
                        pending.len()
                    ),
                });
                let parallel_start = Instant::now();
                let mut done = |i: usize, outcome: RunOutcome| -> Result<()> {
                    finish(i, outcome, &mut stats)?;
                    progress.println(&done_line(
                        &stats,
                        pending.len(),
                        &specs[i].id,
                        parallel_start,
                    ));
                    Ok(())
                };
                match engine {
                    Engine::Stacked => train_stacks(
                        &specs,
                        &pending,
                        jobs,
                        options.stack,
                        &settings,
                        &data,
                        &device,
                        |i, outcome, _| done(i, outcome),
                    )?,
                    Engine::Single => train_side_by_side(
                        &specs, &pending, jobs, &settings, &data, &device, &mut done,
                    )?,
                }
            }
        }
    }
    let summaries: Vec<RunSummary> = results.into_iter().flatten().collect();
    let TrainedStats {
        trained,
        samples: train_samples,
        seconds: train_seconds,
        ..
    } = stats;

    // The experiment's files, rebuilt from every run's folder (so resumed runs are included),
    // each run's rows checked as they are copied.
    let run_metrics: Vec<(String, std::path::PathBuf)> = specs
        .iter()
        .map(|s| (s.id.clone(), out.run_dir(&s.id).join("metrics.csv")))
        .collect();
    outdir::write_metrics(&out.metrics(), &run_metrics)?;
    record::write_json(
        &out.summary(),
        &Summary {
            experiment: experiment.into(),
            target_accuracy: settings.target_accuracy,
            runs: summaries.clone(),
        },
    )?;
    record::write_json(
        &out.config(),
        &ExperimentConfig {
            experiment: experiment.into(),
            options: Options {
                dataset: Some(options.dataset()),
                lr: Some(options.lr()),
                ..options.clone()
            },
            settings: settings.clone(),
            runs: specs.clone(),
        },
    )?;
    record::write_json(
        &out.record(),
        &Record {
            experiment: experiment.into(),
            command: ctx.command.clone(),
            git_commit: record::git_commit(),
            crate_version: env!("CARGO_PKG_VERSION").into(),
            burn_version: record::BURN_VERSION.into(),
            device: device.choice.name().into(),
            adapter: device.adapter.clone(),
            dataset: DatasetRecord::from(&data),
            seeds: specs.iter().map(|s| s.seed).collect(),
            started_unix,
            wall_seconds: start.elapsed().as_secs_f64(),
            runs_trained: trained,
            runs_skipped: skipped,
            samples_per_second: if train_seconds > 0.0 {
                Some(train_samples as f64 / train_seconds)
            } else {
                // Nothing trained now: the mean over the stored runs.
                let stored: Vec<f64> = summaries
                    .iter()
                    .map(|s| s.samples_per_second)
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .collect();
                (!stored.is_empty()).then(|| stored.iter().sum::<f64>() / stored.len() as f64)
            },
        },
    )?;
    println!("\n{}", record::summary_table(&summaries));
    println!(
        "{} run(s): {trained} trained, {skipped} skipped; {:.1}s{}",
        total,
        start.elapsed().as_secs_f64(),
        if train_seconds > 0.0 {
            format!(
                ", {:.0} training samples/s",
                train_samples as f64 / train_seconds
            )
        } else {
            String::new()
        }
    );
    println!(
        "files: {}, {}, {}, {}",
        out.config().display(),
        out.record().display(),
        out.metrics().display(),
        out.summary().display()
    );
    Ok(Sweep {
        summaries,
        device: device.label(),
    })
}

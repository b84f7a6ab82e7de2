//! What every run leaves behind: atomic files, the environment record, summaries, metrics.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::{Dataset, SplitRecord};
use crate::error::{Error, Result, io};
use crate::serde_nan;
use crate::stats::LayerStats;
use crate::train::{EpochMetrics, RunOutcome, RunSpec, TrainSettings};

/// The Burn version this crate is built against (checked against `Cargo.lock` by a test).
pub const BURN_VERSION: &str = "0.22.1";

/// The columns of every `metrics.csv` (long format).
pub const CSV_COLUMNS: [&str; 6] = ["run", "epoch", "split", "metric", "layer", "value"];

/// The header line of every `metrics.csv`: [`CSV_COLUMNS`] joined by commas (a test checks it).
pub const CSV_HEADER: &str = "run,epoch,split,metric,layer,value";

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes).map_err(io(path)))
}

/// Writes `path` atomically with `write`, which gets the temporary file (`.<name>.<pid>.tmp`
/// in the same folder) and may stream into it; the rename replaces `path` only if `write`
/// succeeds, and the temporary file is removed if anything fails.
///
/// # Errors
/// What `write` returns; [`Error::Io`] naming the file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .map_err(io(&tmp))
        .and_then(|mut f| write(&mut f))
        .and_then(|()| {
            std::fs::rename(&tmp, path).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// "`device` (`adapter`)" of the sweep whose `record.json` is in `dir` (what ran, for reports).
pub fn device_label(dir: &Path) -> String {
    read_json::<Record>(&dir.join("record.json")).map_or_else(
        |_| "unknown".into(),
        |r| format!("{} ({})", r.device, r.adapter),
    )
}

/// Writes pretty JSON atomically.
///
/// # Errors
/// [`Error::Io`] naming the file; [`Error::Record`] if `value` cannot be serialized.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, &json_bytes(value, path)?)
}

/// Pretty JSON with a final newline, the bytes [`write_json`] writes to `path`.
///
/// # Errors
/// [`Error::Record`] naming `path` if `value` cannot be serialized.
pub fn json_bytes<T: Serialize>(value: &T, path: &Path) -> Result<Vec<u8>> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| Error::Record {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    s.push('\n');
    Ok(s.into_bytes())
}

/// Reads JSON.
///
/// # Errors
/// [`Error::Io`] or [`Error::Record`] naming the file.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let s = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&s).map_err(|e| Error::Record {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// `git rev-parse HEAD` in the current folder, or `"unknown"`.
pub fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The command as a user would type it: `experiments` and the arguments (the binary's path
/// left out).
pub fn command_line(command: &[String]) -> String {
    std::iter::once("experiments")
        .chain(command.iter().skip(1).map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The dataset, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    /// Name (`mnist-small`, …).
    pub name: String,
    /// Where it came from.
    pub source: String,
    /// SHA-256 of the raw bytes (see [`Dataset::sha256`]).
    pub sha256: String,
    /// Training examples (after the validation split was carved from them).
    pub train_examples: usize,
    /// Validation examples (carved from the dataset's training images).
    #[serde(default)]
    pub valid_examples: usize,
    /// Test examples.
    pub test_examples: usize,
    /// How the validation split was carved.
    #[serde(default)]
    pub split: SplitRecord,
    /// Chance level of the validation split: the share of its most common class.
    #[serde(default)]
    pub valid_majority_rate: f64,
    /// Chance level of the test split: the share of its most common class.
    #[serde(default)]
    pub test_majority_rate: f64,
    /// Inputs per example.
    pub features: usize,
    /// Classes.
    pub classes: usize,
    /// How inputs were normalized.
    pub normalization: String,
}

impl From<&Dataset> for DatasetRecord {
    fn from(d: &Dataset) -> Self {
        Self {
            name: d.name.clone(),
            source: d.source.clone(),
            sha256: d.sha256.clone(),
            train_examples: d.train.n,
            valid_examples: d.valid.n,
            test_examples: d.test.n,
            split: d.split,
            valid_majority_rate: d.valid.majority_rate(),
            test_majority_rate: d.test.majority_rate(),
            features: d.features,
            classes: d.classes,
            normalization: d.normalization.clone(),
        }
    }
}

/// `record.json`: where and how the experiment ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Experiment name.
    pub experiment: String,
    /// The command line.
    pub command: Vec<String>,
    /// `git rev-parse HEAD` at run time, or `"unknown"`.
    pub git_commit: String,
    /// Version of this crate.
    pub crate_version: String,
    /// Version of Burn.
    pub burn_version: String,
    /// `flex`, `ndarray` or `wgpu`.
    pub device: String,
    /// The adapter's name.
    pub adapter: String,
    /// The dataset.
    pub dataset: DatasetRecord,
    /// Seeds of the runs.
    pub seeds: Vec<u64>,
    /// Unix time the command started.
    pub started_unix: u64,
    /// Wall time of this command.
    pub wall_seconds: f64,
    /// Runs trained by this command.
    pub runs_trained: usize,
    /// Runs skipped because they had finished before.
    pub runs_skipped: usize,
    /// Training throughput: examples trained on per second of training steps, over the runs
    /// this command trained (if it trained none: the mean over the stored runs).
    pub samples_per_second: Option<f64>,
}

/// One run's result: `summary.json` (and one entry of the experiment's `summary.json`).
///
/// "valid" is the validation split carved from the training images (every choice is made on
/// it); "test" is the test split (only reported). A diverged run never has a number in a
/// `final_*` field: its last finite epoch is in the `last_finite_*` fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Run id.
    pub run: String,
    /// Hidden activation.
    pub activation: String,
    /// Initialization (initializer name).
    pub init: String,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Seed.
    pub seed: u64,
    /// Learning rate the run trained with.
    #[serde(default, with = "serde_nan")]
    pub lr: f64,
    /// Epochs asked for.
    pub epochs: usize,
    /// Epochs completed (fewer if the run diverged).
    pub epochs_completed: usize,
    /// Mean minibatch loss of the last epoch (null if diverged or not finite).
    pub final_train_loss: Option<f64>,
    /// Validation loss after the last epoch (null if diverged).
    pub final_valid_loss: Option<f64>,
    /// Validation accuracy after the last epoch (null if diverged).
    pub final_valid_accuracy: Option<f64>,
    /// Test accuracy after the last epoch (null if diverged).
    #[serde(default)]
    pub final_test_accuracy: Option<f64>,
    /// The epoch (0 = at initialization) with the highest validation accuracy among the
    /// evaluated epochs with a finite validation loss, the earliest on ties (null: none).
    #[serde(default)]
    pub best_epoch: Option<usize>,
    /// Validation accuracy at `best_epoch`.
    pub best_valid_accuracy: Option<f64>,
    /// Test accuracy at `best_epoch`: the number experiments report.
    #[serde(default)]
    pub test_accuracy_at_best: Option<f64>,
    /// Share of the test examples predicted as the most-predicted class at `best_epoch` (1.0:
    /// the net predicts one class).
    #[serde(default)]
    pub test_top_class_share_at_best: Option<f64>,
    /// The accuracy that counts as reached.
    pub target_accuracy: f64,
    /// First epoch whose validation accuracy reached the target (null: never).
    pub epochs_to_target: Option<usize>,
    /// Whether a loss became NaN or infinite.
    pub diverged: bool,
    /// The epoch in which it did (null: it did not).
    #[serde(default)]
    pub diverged_at: Option<usize>,
    /// The last epoch with a finite validation loss (null: not even epoch 0).
    #[serde(default)]
    pub last_finite_epoch: Option<usize>,
    /// Validation accuracy at `last_finite_epoch`.
    #[serde(default)]
    pub last_finite_valid_accuracy: Option<f64>,
    /// Test accuracy at `last_finite_epoch`.
    #[serde(default)]
    pub last_finite_test_accuracy: Option<f64>,
    /// Chance level on the validation split: the share of its most common class.
    #[serde(default, with = "serde_nan")]
    pub valid_majority_rate: f64,
    /// Chance level on the test split: the share of its most common class.
    #[serde(default, with = "serde_nan")]
    pub test_majority_rate: f64,
    /// Per-layer statistics at initialization (epoch 0).
    pub init_stats: Vec<LayerStats>,
    /// Per-layer statistics after the last epoch (empty if diverged).
    #[serde(default)]
    pub final_stats: Vec<LayerStats>,
    /// Wall time of the run (a stacked run: its stack's wall time divided by the stack's size).
    #[serde(with = "serde_nan")]
    pub wall_seconds: f64,
    /// Training throughput of the run.
    #[serde(with = "serde_nan")]
    pub samples_per_second: f64,
    /// Device it ran on.
    pub device: String,
    /// The training engine: `single` (one model at a time), `stacked` (many as one) or
    /// `learner` (burn-train's `SupervisedTraining`, `--trainer learner`).
    #[serde(default)]
    pub engine: String,
    /// Greedy pretraining only: reconstruction loss (MSE) per hidden layer per pretraining epoch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pretrain_losses: Vec<Vec<f64>>,
}

/// Chance levels of the evaluation splits: the share of each one's most common class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chance {
    /// Validation split.
    pub valid: f64,
    /// Test split.
    pub test: f64,
}

impl Chance {
    /// The chance levels of `data`'s validation and test splits.
    pub fn of(data: &Dataset) -> Self {
        Self {
            valid: data.valid.majority_rate(),
            test: data.test.majority_rate(),
        }
    }
}

impl RunSummary {
    /// Summarizes an outcome.
    pub fn new(
        spec: &RunSpec,
        settings: &TrainSettings,
        outcome: &RunOutcome,
        chance: Chance,
        device: &str,
        engine: &str,
    ) -> Self {
        let diverged = outcome.diverged;
        let last = outcome.epochs.last().filter(|_| !diverged);
        let trained: Vec<&EpochMetrics> = outcome.epochs.iter().filter(|e| e.epoch > 0).collect();
        let last_trained = trained.last().filter(|_| !diverged);
        // Evaluated epochs with a finite validation loss (its accuracy is set only then).
        let finite: Vec<&EpochMetrics> = outcome
            .epochs
            .iter()
            .filter(|e| e.valid_accuracy.is_some())
            .collect();
        let best = finite.iter().fold(None::<&EpochMetrics>, |b, e| match b {
            Some(b) if b.valid_accuracy >= e.valid_accuracy => Some(b),
            _ => Some(e),
        });
        let last_finite = finite.last();
        Self {
            run: spec.id.clone(),
            activation: spec.activation.name().into(),
            init: spec.strategy.name(),
            depth: spec.depth,
            width: spec.width,
            seed: spec.seed,
            lr: spec.lr(settings),
            epochs: settings.epochs,
            epochs_completed: if diverged {
                trained.len().saturating_sub(1)
            } else {
                trained.len()
            },
            final_train_loss: last_trained.and_then(|e| e.train_loss),
            final_valid_loss: last.and_then(|e| e.valid_loss),
            final_valid_accuracy: last.and_then(|e| e.valid_accuracy),
            final_test_accuracy: last.and_then(|e| e.test_accuracy),
            best_epoch: best.map(|e| e.epoch),
            best_valid_accuracy: best.and_then(|e| e.valid_accuracy),
            test_accuracy_at_best: best.and_then(|e| e.test_accuracy),
            test_top_class_share_at_best: best.and_then(|e| e.test_top_class_share),
            target_accuracy: settings.target_accuracy,
            epochs_to_target: outcome
                .epochs
                .iter()
                .find(|e| {
                    e.valid_accuracy
                        .is_some_and(|a| a >= settings.target_accuracy)
                })
                .map(|e| e.epoch),
            diverged,
            diverged_at: outcome.diverged_at,
            last_finite_epoch: last_finite.map(|e| e.epoch),
            last_finite_valid_accuracy: last_finite.and_then(|e| e.valid_accuracy),
            last_finite_test_accuracy: last_finite.and_then(|e| e.test_accuracy),
            valid_majority_rate: chance.valid,
            test_majority_rate: chance.test,
            init_stats: outcome
                .epochs
                .first()
                .map(|e| e.layers.clone())
                .unwrap_or_default(),
            final_stats: last.map(|e| e.layers.clone()).unwrap_or_default(),
            wall_seconds: outcome.wall_seconds,
            samples_per_second: outcome.samples_per_second(),
            device: device.into(),
            engine: engine.into(),
            pretrain_losses: outcome.pretrain_losses.clone(),
        }
    }
}

/// The experiment's `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// Experiment name.
    pub experiment: String,
    /// Validation accuracy that counts as reached.
    pub target_accuracy: f64,
    /// One entry per run.
    pub runs: Vec<RunSummary>,
}

/// The `metrics.csv` rows (no header) of one run: per epoch the train, valid and test loss and
/// accuracy, the valid and test `top_class_share`, and per layer the statistics on the
/// diagnostic batch (split `train`). Written by the `csv` crate (which quotes a field only if it
/// must; none here needs it).
pub fn metrics_rows(run: &str, epochs: &[EpochMetrics]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut row = |epoch: usize, split: &str, metric: &str, layer: Option<usize>, value: f64| {
        let layer = layer.map(|l| l.to_string()).unwrap_or_default();
        // Writing to a Vec cannot fail.
        let _ = w.write_record([
            run,
            &epoch.to_string(),
            split,
            metric,
            &layer,
            &value.to_string(),
        ]);
    };
    for e in epochs {
        for (split, loss, acc, top) in [
            ("train", e.train_loss, e.train_accuracy, None),
            (
                "valid",
                e.valid_loss,
                e.valid_accuracy,
                Some(e.valid_top_class_share),
            ),
            (
                "test",
                e.test_loss,
                e.test_accuracy,
                Some(e.test_top_class_share),
            ),
        ] {
            if e.epoch == 0 && split == "train" {
                continue;
            }
            row(e.epoch, split, "loss", None, loss.unwrap_or(f64::NAN));
            row(e.epoch, split, "accuracy", None, acc.unwrap_or(f64::NAN));
            if let Some(top) = top {
                row(
                    e.epoch,
                    split,
                    "top_class_share",
                    None,
                    top.unwrap_or(f64::NAN),
                );
            }
        }
        for l in &e.layers {
            for (metric, v) in [
                ("act_mean", l.act_mean),
                ("act_std", l.act_std),
                ("saturated_fraction", l.saturated_fraction),
                ("dead_fraction", l.dead_fraction),
                ("grad_norm", l.grad_norm),
                ("distinct_neurons", l.distinct_neurons as f64),
            ] {
                row(e.epoch, "train", metric, Some(l.layer), v);
            }
        }
    }
    w.into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// One row of a `metrics.csv` ([`CSV_HEADER`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsRow {
    /// Run id.
    pub run: String,
    /// Epoch (0: at initialization).
    pub epoch: usize,
    /// `train` or `valid`.
    pub split: String,
    /// `loss`, `accuracy`, `act_std`, …
    pub metric: String,
    /// Hidden layer (none: a whole-model metric).
    pub layer: Option<usize>,
    /// The value (`NaN` where there is none).
    pub value: f64,
}

/// Reads a `metrics.csv` from `reader` (named `path` in errors) with the `csv` crate and hands
/// every row, checked, to `each` (the raw record and its parsed form): the header must be
/// [`CSV_HEADER`], every row six fields, an epoch, a layer (or nothing) and a number, and the
/// run `run` when given.
///
/// # Errors
/// [`Error::Record`] naming the file and the line; what `each` returns.
pub fn for_each_metrics_row(
    reader: impl std::io::Read,
    path: &Path,
    run: Option<&str>,
    mut each: impl FnMut(&csv::StringRecord, &MetricsRow) -> Result<()>,
) -> Result<()> {
    let bad = |line: u64, reason: String| Error::Record {
        path: path.to_path_buf(),
        reason: format!("line {line}: {reason}"),
    };
    let mut r = csv::Reader::from_reader(reader);
    let header = r.headers().map_err(|e| bad(1, e.to_string()))?;
    if !header.iter().eq(CSV_COLUMNS) {
        return Err(bad(1, format!("the header is not `{CSV_HEADER}`")));
    }
    let mut record = csv::StringRecord::new();
    loop {
        match r.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(bad(line, e.to_string()));
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or_default();
        let row = MetricsRow {
            run: field(0).to_string(),
            epoch: field(1)
                .parse()
                .map_err(|_| bad(line, format!("epoch `{}` is not a count", field(1))))?,
            split: field(2).to_string(),
            metric: field(3).to_string(),
            layer: match field(4) {
                "" => None,
                l => Some(
                    l.parse()
                        .map_err(|_| bad(line, format!("layer `{l}` is not a count")))?,
                ),
            },
            value: field(5)
                .parse()
                .map_err(|_| bad(line, format!("value `{}` is not a number", field(5))))?,
        };
        if row.run.is_empty() || row.split.is_empty() || row.metric.is_empty() {
            return Err(bad(line, "an empty run, split or metric".into()));
        }
        if let Some(run) = run
            && row.run != run
        {
            return Err(bad(
                line,
                format!("a row of run `{}`, not `{run}`", row.run),
            ));
        }
        each(&record, &row)?;
    }
}

/// Every row of the `metrics.csv` at `path`, checked ([`for_each_metrics_row`]).
///
/// # Errors
/// [`Error::Io`] or [`Error::Record`] naming the file.
pub fn read_metrics(path: &Path) -> Result<Vec<MetricsRow>> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let mut rows = Vec::new();
    for_each_metrics_row(f, path, None, |_, row| {
        rows.push(row.clone());
        Ok(())
    })?;
    Ok(rows)
}

/// Files of one experiment's output folder.
#[derive(Debug, Clone)]
pub struct OutDir {
    /// The folder (`runs/<experiment>/` by default).
    pub root: PathBuf,
}

impl OutDir {
    /// `root/config.json`.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.json")
    }
    /// `root/record.json`.
    pub fn record(&self) -> PathBuf {
        self.root.join("record.json")
    }
    /// `root/metrics.csv`.
    pub fn metrics(&self) -> PathBuf {
        self.root.join("metrics.csv")
    }
    /// `root/summary.json`.
    pub fn summary(&self) -> PathBuf {
        self.root.join("summary.json")
    }
    /// `root/runs/<id>/`: one finished run (its `summary.json` is written last).
    pub fn run_dir(&self, id: &str) -> PathBuf {
        self.root.join("runs").join(id)
    }
}

/// A table of run summaries for the terminal.
pub fn summary_table(runs: &[RunSummary]) -> String {
    let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.1}%", 100.0 * v));
    let num = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    let id_w = runs.iter().map(|r| r.run.len()).max().unwrap_or(3).max(3);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<id_w$}  {:>10}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8}  {:>8}  {:>8}",
        "run",
        "train loss",
        "valid loss",
        "valid acc",
        "best acc",
        "test@best",
        "to target",
        "std L0",
        "std Llast",
        "time"
    );
    for r in runs {
        let first = r
            .init_stats
            .first()
            .map_or("-".into(), |l| format!("{:.3}", l.act_std));
        let last = r
            .init_stats
            .last()
            .map_or("-".into(), |l| format!("{:.3}", l.act_std));
        let target = match (r.diverged_at, r.epochs_to_target) {
            (Some(e), _) => format!("div. ep {e}"),
            (None, Some(e)) => format!("epoch {e}"),
            (None, None) if r.diverged => "diverged".to_string(),
            (None, None) => "never".to_string(),
        };
        let _ = writeln!(
            s,
            "{:<id_w$}  {:>10}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8}  {:>8}  {:>7.1}s",
            r.run,
            num(r.final_train_loss),
            num(r.final_valid_loss),
            pct(r.final_valid_accuracy),
            pct(r.best_valid_accuracy),
            pct(r.test_accuracy_at_best),
            target,
            first,
            last,
            r.wall_seconds
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_line_is_the_columns() {
        assert_eq!(CSV_HEADER, CSV_COLUMNS.join(","));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("experiments-atomic-{}", std::process::id()));
        let p = dir.join("a.json");
        write_json(&p, &serde_json::json!({"x": 1})).unwrap();
        write_json(&p, &serde_json::json!({"x": 2})).unwrap();
        let v: serde_json::Value = read_json(&p).unwrap();
        assert_eq!(v["x"], 2);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn burn_version_matches_the_lock_file() {
        let lock =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
        assert!(
            lock.contains(&format!("name = \"burn\"\nversion = \"{BURN_VERSION}\"")),
            "update BURN_VERSION"
        );
    }

    fn outcome(epochs: Vec<EpochMetrics>, diverged_at: Option<usize>) -> RunOutcome {
        RunOutcome {
            epochs,
            diverged: diverged_at.is_some(),
            diverged_at,
            wall_seconds: 1.0,
            train_seconds: 1.0,
            train_samples: 10,
            pretrain_losses: Vec::new(),
        }
    }

    fn evaluated(epoch: usize, valid: f64, test: f64) -> EpochMetrics {
        let e = |accuracy: f64| crate::train::Evaluation {
            loss: 1.0,
            accuracy,
            top_class_share: 0.2,
        };
        EpochMetrics::evaluated(
            epoch,
            (epoch > 0).then_some((0.5, 0.6)),
            e(valid),
            e(test),
            Vec::new(),
        )
    }

    #[test]
    fn summaries_select_on_validation_and_never_report_a_diverged_run() {
        use crate::strategy::InitStrategy;
        let spec = RunSpec::per_seed(
            burn_init::Nonlinearity::Relu,
            &InitStrategy::plain(burn_init::Init::HeNormal),
            &crate::Options::default(),
        )
        .remove(0);
        let settings = crate::Options::default().settings();
        let chance = Chance {
            valid: 0.11,
            test: 0.126,
        };
        let epochs = vec![
            evaluated(0, 0.1, 0.1),
            evaluated(1, 0.5, 0.4),
            evaluated(2, 0.5, 0.45),
            EpochMetrics::diverged(3, f64::NAN, 0.3),
        ];
        // The summary of `spec` whose epochs were `epochs` (diverged in `diverged_at`).
        let summarize = |spec: &RunSpec, epochs: &[EpochMetrics], diverged_at| {
            let outcome = outcome(epochs.to_vec(), diverged_at);
            RunSummary::new(spec, &settings, &outcome, chance, "flex", "single")
        };
        let s = summarize(&spec, &epochs, Some(3));
        assert_eq!(
            (s.best_epoch, s.best_valid_accuracy),
            (Some(1), Some(0.5)),
            "earliest on ties"
        );
        assert_eq!(s.test_accuracy_at_best, Some(0.4));
        assert_eq!(s.test_top_class_share_at_best, Some(0.2));
        assert_eq!(
            (
                s.final_train_loss,
                s.final_valid_loss,
                s.final_valid_accuracy,
                s.final_test_accuracy
            ),
            (None, None, None, None)
        );
        assert!(s.final_stats.is_empty());
        assert_eq!(
            (s.diverged, s.diverged_at, s.epochs_completed),
            (true, Some(3), 2)
        );
        assert_eq!(
            (
                s.last_finite_epoch,
                s.last_finite_valid_accuracy,
                s.last_finite_test_accuracy
            ),
            (Some(2), Some(0.5), Some(0.45))
        );
        assert_eq!((s.valid_majority_rate, s.test_majority_rate), (0.11, 0.126));
        assert_eq!(s.lr, settings.lr);

        let finished = summarize(&spec, &epochs[..3], None);
        assert_eq!(
            (
                finished.final_valid_accuracy,
                finished.final_test_accuracy,
                finished.final_train_loss
            ),
            (Some(0.5), Some(0.45), Some(0.5))
        );
        assert_eq!((finished.diverged_at, finished.epochs_completed), (None, 2));
        let own_lr = RunSpec {
            lr: Some(0.1),
            ..spec
        };
        let s = summarize(&own_lr, &epochs[..1], None);
        assert_eq!((s.lr, s.best_epoch), (0.1, Some(0)));
    }

    #[test]
    fn nan_stats_survive_a_round_trip() {
        let l = LayerStats {
            layer: 0,
            act_mean: f64::NAN,
            act_std: 1.0,
            saturated_fraction: 0.0,
            dead_fraction: 0.0,
            grad_norm: f64::INFINITY,
            distinct_neurons: 3,
        };
        let s = serde_json::to_string(&l).unwrap();
        assert!(s.contains("\"act_mean\":null"), "{s}");
        let back: LayerStats = serde_json::from_str(&s).unwrap();
        assert!(back.act_mean.is_nan() && back.grad_norm.is_nan());
    }
}

//! The Learner path (`--trainer learner`): a run trained by burn-train's `SupervisedTraining`
//! instead of the hand-written loop of [`crate::train`], on the burn-dataset pipeline of
//! [`crate::pipeline`] (a `DataLoader` shuffled with the run's seed), with burn-train's loss and
//! accuracy metrics, the library's per-layer metrics ([`burn_init::signal::metrics`]) and
//! burn-train's file logs (`<run>/learner/train|valid/epoch-N/<metric>.log`).
//!
//! It records what the loop records, in the same [`RunOutcome`]: every epoch's model is kept
//! (an in-memory checkpointer saves it after each epoch) and evaluated afterwards on the
//! validation and test splits with the loop's own [`EvalSet`](crate::train::EvalSet) and
//! [`layer_diagnostics`](crate::stats::layer_diagnostics) (the set-up both trainers share,
//! `RunStart`), so `summary.json` and `metrics.csv` have the same schema and meaning; the
//! training loss and accuracy of each epoch are read back from burn-train's file logs. The loop
//! stays the default (see the README: it is faster, and stops a run at its first non-finite
//! loss).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::train::checkpoint::{
    Checkpoint, Checkpointer, CheckpointerError, CheckpointingAction, CheckpointingStrategy,
};
use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::store::EventStoreClient;
use burn::train::metric::{AccuracyMetric, LossMetric, MetricDefinition, MetricId, NumericEntry};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};
use burn::train::{Learner, SupervisedTraining};
use burn_init::signal::metrics::{LayerMetricsExt, LayerStatistic};
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::device::OpenDevice;
use crate::error::{Error, Result, named_choices};
use crate::mlp::Mlp;
use crate::pipeline::{self, SplitDataset};
use crate::progress::Progress;
use crate::train::{EVAL_BATCH, EpochMetrics, RunOutcome, RunSpec, RunStart, TrainSettings};

/// Which trainer trains a single run (`--trainer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trainer {
    /// The hand-written loop ([`crate::train::train_run`]) or, for sweeps, the stacked engine.
    #[default]
    Loop,
    /// burn-train's `SupervisedTraining` ([`train_run_learner`]).
    Learner,
}

named_choices!(Trainer, "trainer", { Loop => "loop", Learner => "learner" });

burn_init::layered_train_steps!(Mlp);

/// Keeps every epoch's model record in memory (burn-train saves it after each epoch).
#[derive(Debug, Clone, Default)]
struct EpochModels(Arc<Mutex<BTreeMap<usize, ModuleRecord>>>);

impl Checkpointer<ModuleRecord> for EpochModels {
    fn save(
        &self,
        epoch: usize,
        record: ModuleRecord,
    ) -> std::result::Result<(), CheckpointerError> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(epoch, record);
        Ok(())
    }

    fn delete(&self, _epoch: usize) -> std::result::Result<(), CheckpointerError> {
        Ok(())
    }

    fn restore(&self, epoch: usize) -> std::result::Result<ModuleRecord, CheckpointerError> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&epoch)
            .cloned()
            .ok_or_else(|| CheckpointerError::Unknown(format!("no model kept for epoch {epoch}")))
    }
}

/// Keeps nothing (the optimizer and scheduler records are not needed afterwards).
#[derive(Debug, Clone, Copy)]
struct Discard;

impl<R: Checkpoint> Checkpointer<R> for Discard {
    fn save(&self, _epoch: usize, _record: R) -> std::result::Result<(), CheckpointerError> {
        Ok(())
    }

    fn delete(&self, _epoch: usize) -> std::result::Result<(), CheckpointerError> {
        Ok(())
    }

    fn restore(&self, epoch: usize) -> std::result::Result<R, CheckpointerError> {
        Err(CheckpointerError::Unknown(format!(
            "nothing kept for epoch {epoch}"
        )))
    }
}

/// Saves after every epoch, deletes nothing.
#[derive(Debug, Clone, Copy)]
struct EveryEpoch;

impl CheckpointingStrategy for EveryEpoch {
    fn checkpointing(
        &mut self,
        _epoch: usize,
        _store: &EventStoreClient,
    ) -> Vec<CheckpointingAction> {
        vec![CheckpointingAction::Save]
    }
}

/// Epoch means of a split's loss and accuracy, from the renderer's numeric updates.
#[derive(Debug, Default, Clone, Copy)]
struct Running {
    loss: (f64, usize),
    accuracy: (f64, usize),
}

impl Running {
    fn mean((sum, n): (f64, usize)) -> f64 {
        if n == 0 { f64::NAN } else { sum / n as f64 }
    }
}

/// burn-train's renderer for the experiments: on a terminal the sweep's progress bar (batches of
/// the epoch, the running loss), otherwise one line per epoch; both end each epoch with the
/// training and validation loss and accuracy that burn-train's metrics computed.
#[derive(Debug)]
pub struct EpochRenderer {
    progress: Progress,
    names: HashMap<MetricId, String>,
    epochs: usize,
    epoch: usize,
    split: String,
    items: usize,
    train: Running,
    valid: Running,
    started: Option<Instant>,
}

impl EpochRenderer {
    /// A renderer drawing through `progress` (a bar on a terminal, lines otherwise).
    pub fn new(progress: Progress) -> Self {
        Self {
            progress,
            names: HashMap::new(),
            epochs: 0,
            epoch: 1,
            split: String::new(),
            items: 0,
            train: Running::default(),
            valid: Running::default(),
            started: None,
        }
    }

    fn record(&mut self, state: &MetricState, valid: bool) {
        let MetricState::Numeric(
            entry,
            Some(NumericEntry::Aggregated {
                aggregated_value,
                count,
            }),
        ) = state
        else {
            return;
        };
        let name = self.name(&entry.metric_id);
        let running = if valid {
            &mut self.valid
        } else {
            &mut self.train
        };
        let slot = match name.as_str() {
            "Loss" => &mut running.loss,
            "Accuracy" => &mut running.accuracy,
            _ => return,
        };
        slot.0 += aggregated_value * *count as f64;
        slot.1 += count;
    }

    fn name(&self, id: &MetricId) -> String {
        self.names.get(id).cloned().unwrap_or_default()
    }
}

impl MetricsRendererTraining for EpochRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.record(&state, false);
    }

    fn update_valid(&mut self, state: MetricState) {
        self.record(&state, true);
    }

    fn on_train_end(
        &mut self,
        _summary: Option<burn::train::LearnerSummary>,
    ) -> std::result::Result<(), Box<dyn core::error::Error>> {
        Ok(())
    }
}

impl TrainingProgressLogger for EpochRenderer {
    fn start(
        &mut self,
        total_epochs: usize,
        starting_epoch: usize,
        _: Option<usize>,
        _: Option<&str>,
    ) {
        self.epochs = total_epochs;
        self.epoch = starting_epoch.max(1);
    }

    fn update_epoch(&mut self, epoch: usize) {
        self.epoch = epoch + 1;
    }

    fn start_split(&mut self, split: &str, total_items: usize) {
        self.split = split.to_lowercase();
        self.items = total_items;
        if self.split.starts_with("train") {
            self.train = Running::default();
            self.valid = Running::default();
            self.started = Some(Instant::now());
        }
    }

    fn update_split(&mut self, items_processed: usize) {
        if self.split.starts_with("train") {
            let loss = Running::mean(self.train.loss);
            self.progress.batch(
                self.epoch,
                self.epochs,
                items_processed,
                self.items,
                loss.is_finite().then_some(loss),
            );
        }
    }

    fn end_split(&mut self) {
        if !self.split.starts_with("valid") {
            return;
        }
        let seconds = self.started.map_or(0.0, |s| s.elapsed().as_secs_f64());
        let text = format!(
            "epoch {:>2}/{}  [learner] train loss {:.4}  acc {:5.1}%  valid loss {:.4}  acc {:5.1}%  ({seconds:.1}s)",
            self.epoch,
            self.epochs,
            Running::mean(self.train.loss),
            Running::mean(self.train.accuracy),
            Running::mean(self.valid.loss),
            Running::mean(self.valid.accuracy),
        );
        let summary = format!("last valid acc {:.1}%", Running::mean(self.valid.accuracy));
        let last = self.epoch >= self.epochs;
        self.progress.epoch_line(&text, &summary, last);
    }

    fn end(&mut self) {}

    fn log_event_training(&mut self, _event: String) {}
}

impl EvaluationProgressLogger for EpochRenderer {
    fn start_global_progress(&mut self, _total_tests: usize) {}
    fn start_test(&mut self, _name: &str, _total_items: usize) {}
    fn update_test_progress(&mut self, _items_processed: usize) {}
    fn end_test(&mut self) {}
    fn end_global_progress(&mut self) {}
    fn log_event_evaluation(&mut self, _event: String) {}
}

impl MetricsRendererEvaluation for EpochRenderer {
    fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}
}

impl MetricsRenderer for EpochRenderer {
    fn manual_close(&mut self) {}

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.names
            .insert(definition.metric_id, definition.name.to_string());
    }
}

/// The epoch mean of a metric from burn-train's file log `<dir>/train/epoch-<epoch>/<name>.log`:
/// its final entry if it wrote one, else the batch values weighted by batch size. `None` when
/// the file is missing or empty.
///
/// # Errors
/// An unreadable file or a line that is not a numeric entry.
pub fn logged_epoch_mean(dir: &Path, split: &str, epoch: usize, name: &str) -> Result<Option<f64>> {
    let path = dir
        .join(split)
        .join(format!("epoch-{epoch}"))
        .join(format!("{}.log", name.replace(' ', "_")));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path, source }),
    };
    let (mut sum, mut n) = (0.0, 0usize);
    for line in text.lines().filter(|l| !l.is_empty()) {
        match NumericEntry::deserialize(line) {
            Ok(NumericEntry::Final(v)) => return Ok(Some(v)),
            Ok(NumericEntry::Aggregated {
                aggregated_value,
                count,
            }) => {
                sum += aggregated_value * count as f64;
                n += count;
            }
            Ok(NumericEntry::Value(v)) => {
                sum += v;
                n += 1;
            }
            Err(reason) => {
                return Err(Error::Record {
                    path,
                    reason: format!("not a burn-train numeric entry: `{line}` ({reason})"),
                });
            }
        }
    }
    Ok((n > 0).then(|| sum / n as f64))
}

/// Trains one run with burn-train's `SupervisedTraining`: the model built and initialized as
/// the loop builds it ([`RunSpec::mlp_config`], [`crate::strategy::InitStrategy::build`]), the
/// epoch-0 evaluation and diagnostics, then `settings.epochs` epochs through burn-train (the
/// training split from [`pipeline::loader`] shuffled with the run's seed, the validation split in
/// order), logging to `log_dir`. Each epoch's model is then evaluated as the loop evaluates it.
/// A run whose training or validation loss is not finite is marked diverged at that epoch (burn-
/// train trains on to the last epoch; the epochs after it are dropped).
///
/// # Errors
/// An invalid run, an initializer that cannot build the model, a training error reported by
/// burn-train, or unreadable logs.
pub fn train_run_learner(
    spec: &RunSpec,
    settings: &TrainSettings,
    data: &Dataset,
    device: &OpenDevice,
    progress: Progress,
    log_dir: &Path,
) -> Result<RunOutcome> {
    let (run, model) = RunStart::new(spec, settings, data, device)?;
    let ad = &run.ad;
    let features = data.features;
    let (v, t, layers) = run.measure(&model);
    let mut epochs = vec![EpochMetrics::evaluated(0, None, v, t, layers)];

    let train_loader = pipeline::loader(
        SplitDataset::new(Arc::new(data.train.clone()), features),
        features,
        settings.batch_size,
        Some(spec.seed),
        ad,
    );
    let valid_loader = pipeline::loader(
        SplitDataset::new(Arc::new(data.valid.clone()), features),
        features,
        EVAL_BATCH,
        None,
        &device.device,
    );
    let models = EpochModels::default();
    let training = SupervisedTraining::new(log_dir, train_loader, valid_loader)
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(LossMetric::new())
        .metric_train_numeric(AccuracyMetric::new())
        .metric_valid_numeric(AccuracyMetric::new())
        .layer_metrics(spec.depth, &LayerStatistic::ALL)
        .with_custom_checkpointers(models.clone(), Discard, Discard)
        .with_checkpointing_strategy(EveryEpoch)
        .renderer(Box::new(EpochRenderer::new(progress)))
        .num_epochs(settings.epochs);
    let learner = Learner::new(
        model.clone(),
        settings.optimizer.init(settings.momentum),
        spec.lr(settings),
    );
    let train_start = Instant::now();
    let result = training.launch(learner);
    let train_seconds = train_start.elapsed().as_secs_f64();
    if let Some(e) = result.error {
        return Err(Error::DataSource(format!("burn-train: {e}")));
    }
    drop(result);

    let mut diverged_at = None;
    for epoch in 1..=settings.epochs {
        let record = models.restore(epoch).map_err(|e| Error::Record {
            path: log_dir.to_path_buf(),
            reason: format!("burn-train kept no model for epoch {epoch}: {e}"),
        })?;
        let trained = model.clone().load_record(record);
        let loss = logged_epoch_mean(log_dir, "train", epoch, "Loss")?.unwrap_or(f64::NAN);
        let accuracy =
            logged_epoch_mean(log_dir, "train", epoch, "Accuracy")?.unwrap_or(f64::NAN) / 100.0;
        if !loss.is_finite() {
            epochs.push(EpochMetrics::diverged(epoch, loss, accuracy));
            diverged_at = Some(epoch);
            break;
        }
        let (v, t, layers) = run.measure(&trained);
        let valid_diverged = !v.loss.is_finite();
        epochs.push(EpochMetrics::evaluated(
            epoch,
            Some((loss, accuracy)),
            v,
            t,
            layers,
        ));
        if valid_diverged {
            diverged_at = Some(epoch);
            break;
        }
    }
    let train_samples = settings.epochs * data.train.n;
    Ok(run.outcome(epochs, diverged_at, train_seconds, train_samples))
}

//! The output folder of an experiment, which nothing can corrupt:
//!
//! * **ours only**: a folder is claimed with a marker, [`MARKER`] (`.experiments.json`: the
//!   experiment and the [`SCHEMA`]), written when the experiment first writes there. A folder
//!   that has files but no marker (a user's own) is refused, never written to; so is a folder
//!   marked for another experiment, even with `--force` (which reruns runs, it does not hand
//!   one experiment's folder to another) and a folder whose marker cannot be read;
//! * **one process at a time**: an advisory lock ([`File::try_lock`]) on [`LOCK`]
//!   (`.experiments.lock`), held until the command ends ([`release_all`]): a second process on
//!   the same folder fails at once with [`Error::Locked`]. A command that writes several folders
//!   (`all`: its root, and one folder per experiment in it) holds each; claiming a folder this
//!   process already holds is a no-op;
//! * **check first, write after**: [`OutputFolder::claim`] only inspects and locks;
//!   [`OutputFolder::begin`] (the marker, and removing `.*.tmp` files a killed process left) is
//!   called once the configuration check has passed;
//! * **per-run files verified before use**: a finished run's folder holds `run.json`,
//!   `metrics.csv`, `summary.json` and, written last, [`RUN_DONE`] (`done.json`) with their
//!   SHA-256; [`read_run`] recomputes them and parses every file, so a changed, truncated or
//!   unreadable run is reported and trained again instead of being aggregated.
//!
//! Every file is written atomically ([`record::write_atomic`]: a temporary file, then a
//! rename), so a killed process leaves either the old file or the new one.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result, io};
use crate::record::{self, CSV_HEADER, RunSummary};

/// What a finished run was made with (`runs/<id>/run.json`); a run is skipped on resume only if
/// this matches exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The run.
    pub spec: crate::train::RunSpec,
    /// The training settings.
    pub settings: crate::train::TrainSettings,
    /// Dataset name.
    pub dataset: String,
    /// Dataset checksum.
    pub dataset_sha256: String,
    /// The validation split (runs trained on another split are not mixed in).
    #[serde(default)]
    pub split: crate::data::SplitRecord,
    /// The trainer (`loop` when absent: runs recorded before `--trainer` existed).
    #[serde(default)]
    pub trainer: crate::learner::Trainer,
}

/// The marker file of an output folder.
pub const MARKER: &str = ".experiments.json";
/// The lock file of an output folder (never replaced or removed: its inode is what is locked).
pub const LOCK: &str = ".experiments.lock";
/// Version of the folder layout written here.
pub const SCHEMA: u32 = 1;
/// The file a finished run writes last: the SHA-256 of its other files.
pub const RUN_DONE: &str = "done.json";
/// A finished run's files, in the order they are written (then [`RUN_DONE`]).
pub const RUN_FILES: [&str; 3] = ["run.json", "metrics.csv", "summary.json"];

/// The marker's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    /// The experiment whose output this is (`relu-he`, `matrix`, `all`, …).
    pub experiment: String,
    /// [`SCHEMA`] when written.
    pub schema: u32,
}

/// The locks this process holds (released by [`release_all`] or when the process ends).
#[derive(Debug)]
struct Held {
    root: PathBuf,
    _file: File,
}

static HELD: Mutex<Vec<Held>> = Mutex::new(Vec::new());

/// An output folder claimed (inspected and locked) for one experiment.
#[derive(Debug, Clone)]
pub struct OutputFolder {
    root: PathBuf,
    experiment: String,
}

/// What [`inspect`] found.
enum Found {
    Missing,
    Empty,
    Ours,
}

/// Whether `name` is a temporary file of [`record::write_atomic`] (`.<name>.<pid>.tmp`).
fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

fn read_marker(path: &Path) -> Result<Marker> {
    let unreadable = |reason: String| Error::Record {
        path: path.to_path_buf(),
        reason: format!(
            "unreadable marker ({reason}); whose output this folder holds is unknown, so nothing is \
             written to it: choose another --out, or delete the folder if it is yours"
        ),
    };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))
}

/// Checks `root` without writing: absent, empty (but for our lock and temporary files), or
/// marked for `experiment`.
fn inspect(root: &Path, experiment: &str) -> Result<Found> {
    let refuse = |reason: String| Error::OutputFolder {
        path: root.to_path_buf(),
        reason,
    };
    let meta = match std::fs::metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => return Err(io(root)(e)),
    };
    if !meta.is_dir() {
        return Err(refuse(
            "exists and is not a folder; choose another --out".into(),
        ));
    }
    let marker_path = root.join(MARKER);
    if std::fs::symlink_metadata(&marker_path).is_ok() {
        let marker = read_marker(&marker_path)?;
        if marker.schema != SCHEMA {
            return Err(refuse(format!(
                "written with folder schema {} ({MARKER}); this version writes schema {SCHEMA} and \
                 does not mix the two: choose another --out",
                marker.schema
            )));
        }
        if marker.experiment != experiment {
            return Err(refuse(format!(
                "holds the output of experiment `{}` ({MARKER}), not of `{experiment}`; choose \
                 another --out (--force does not change this: it reruns runs, it does not hand \
                 one experiment's folder to another)",
                marker.experiment
            )));
        }
        return Ok(Found::Ours);
    }
    let mut foreign = Vec::new();
    for entry in std::fs::read_dir(root).map_err(io(root))? {
        let name = entry.map_err(io(root))?.file_name();
        let name = name.to_string_lossy();
        if name != LOCK && !is_temp(&name) {
            foreign.push(name.into_owned());
        }
    }
    if foreign.is_empty() {
        return Ok(Found::Empty);
    }
    foreign.sort();
    foreign.truncate(3);
    Err(refuse(format!(
        "not an experiments output folder (it holds files such as {} but no {MARKER}); choose a \
         new or empty folder for --out: this one is left as it is",
        foreign.join(", ")
    )))
}

impl OutputFolder {
    /// Claims `root` for `experiment`: refuses a folder that is not ours or is another
    /// experiment's, then takes its lock (creating the folder and the lock file if needed) and
    /// checks again under the lock. Writes nothing else: [`OutputFolder::begin`] does, once the
    /// caller's own checks have passed.
    ///
    /// # Errors
    /// [`Error::OutputFolder`] (not a folder, not ours, another experiment's, another schema),
    /// [`Error::Record`] (an unreadable marker), [`Error::Locked`] (another process holds it),
    /// [`Error::Io`].
    pub fn claim(root: &Path, experiment: &str) -> Result<Self> {
        inspect(root, experiment)?;
        std::fs::create_dir_all(root).map_err(io(root))?;
        // It may have changed before the lock was ours.
        hold(root, Lock::Exclusive, || {
            inspect(root, experiment).map(drop)
        })?;
        Ok(Self {
            root: root.to_path_buf(),
            experiment: experiment.into(),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Starts writing: the marker (if not there yet), and removes the temporary files a killed
    /// process left (in this folder and its subfolders, except those claimed on their own).
    ///
    /// # Errors
    /// The marker cannot be written; a temporary file cannot be removed.
    pub fn begin(&self) -> Result<()> {
        let marker = self.root.join(MARKER);
        if std::fs::symlink_metadata(&marker).is_err() {
            record::write_json(
                &marker,
                &Marker {
                    experiment: self.experiment.clone(),
                    schema: SCHEMA,
                },
            )?;
        }
        let removed = remove_temp_files(&self.root, true)?;
        if removed > 0 {
            eprintln!(
                "removed {removed} temporary file(s) that an interrupted run left in {}",
                self.root.display()
            );
        }
        Ok(())
    }
}

/// Removes `.*.tmp` files under `dir`, not descending into folders claimed on their own (they
/// hold a marker or a lock). Returns how many it removed.
fn remove_temp_files(dir: &Path, top: bool) -> Result<usize> {
    if !top && (dir.join(MARKER).exists() || dir.join(LOCK).exists()) {
        return Ok(0);
    }
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            removed += remove_temp_files(&path, false)?;
        } else if kind.is_file() && is_temp(&entry.file_name().to_string_lossy()) {
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&path)(e)),
            }
        }
    }
    Ok(removed)
}

/// Opens the output of `experiment` in `root` for reading (`readme-section` reads an `all`
/// run): it must be marked for `experiment`; a shared lock keeps a process that writes it from
/// starting meanwhile, and fails at once if one is writing it now.
///
/// # Errors
/// [`Error::OutputFolder`] (missing, not ours, another experiment's), [`Error::Record`] (an
/// unreadable marker), [`Error::Locked`], [`Error::Io`].
pub fn open_for_reading(root: &Path, experiment: &str) -> Result<()> {
    match inspect(root, experiment)? {
        Found::Ours => {}
        Found::Missing | Found::Empty => {
            return Err(Error::OutputFolder {
                path: root.to_path_buf(),
                reason: format!(
                    "no output of `{experiment}` here (no {MARKER}); run `experiments {experiment} --out {}` first",
                    root.display()
                ),
            });
        }
    }
    hold(root, Lock::Shared, || Ok(()))
}

/// How [`hold`] locks a folder.
#[derive(Clone, Copy)]
enum Lock {
    /// To write it: no other process may hold it.
    Exclusive,
    /// To read it: other readers may hold it too, no writer.
    Shared,
}

/// Takes the lock of `root` (creating the lock file if needed) unless this process holds it
/// already, runs `under_lock` while holding it, and keeps it until [`release_all`].
fn hold(root: &Path, kind: Lock, under_lock: impl FnOnce() -> Result<()>) -> Result<()> {
    let canonical = root.canonicalize().map_err(io(root))?;
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    if held.iter().any(|h| h.root == canonical) {
        return Ok(());
    }
    let lock = root.join(LOCK);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(io(&lock))?;
    let taken = match kind {
        Lock::Exclusive => file.try_lock(),
        Lock::Shared => file.try_lock_shared(),
    };
    match taken {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(Error::Locked {
                path: root.to_path_buf(),
                lock,
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(&lock)(e)),
    }
    under_lock()?;
    held.push(Held {
        root: canonical,
        _file: file,
    });
    Ok(())
}

/// Releases every lock this process holds ([`crate::run`] calls it when a command ends).
pub fn release_all() {
    HELD.lock().unwrap_or_else(PoisonError::into_inner).clear();
}

/// Releases this process's lock of `root`, if it holds one.
pub fn release(root: &Path) {
    if let Ok(canonical) = root.canonicalize() {
        HELD.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|h| h.root != canonical);
    }
}

/// `done.json`: the SHA-256 of a finished run's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Done {
    /// File name → lowercase hex SHA-256.
    sha256: BTreeMap<String, String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Writes a finished run's folder: `run.json`, `metrics.csv` (`metrics_rows`: rows without
/// the header, as [`record::metrics_rows`] makes them), `summary.json`, then `done.json`, each
/// atomically. Until `done.json` is there the run counts as unfinished.
///
/// # Errors
/// A file cannot be written.
pub fn write_run(
    dir: &Path,
    config: &RunConfig,
    metrics_rows: &str,
    summary: &RunSummary,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let files = [
        (
            "run.json",
            record::json_bytes(config, &dir.join("run.json"))?,
        ),
        (
            "metrics.csv",
            format!("{CSV_HEADER}\n{metrics_rows}").into_bytes(),
        ),
        (
            "summary.json",
            record::json_bytes(summary, &dir.join("summary.json"))?,
        ),
    ];
    let mut sha256 = BTreeMap::new();
    for (name, bytes) in &files {
        record::write_atomic(&dir.join(name), bytes)?;
        sha256.insert((*name).to_string(), sha256_hex(bytes));
    }
    record::write_json(&dir.join(RUN_DONE), &Done { sha256 })
}

/// What a run's folder holds.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredRun {
    /// No folder.
    Missing,
    /// A folder without `done.json`: the run was interrupted.
    Unfinished,
    /// A finished run made with the expected configuration, every file intact.
    Finished(Box<RunSummary>),
    /// A file that is missing, changed since the run finished, or unreadable.
    Corrupt {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A finished run made with another configuration (its `run.json`).
    OtherConfig(PathBuf),
}

/// Reads and verifies the run `id` in `dir` against the configuration it should have.
pub fn read_run(dir: &Path, id: &str, expected: &RunConfig) -> StoredRun {
    if !dir.is_dir() {
        return StoredRun::Missing;
    }
    let done_path = dir.join(RUN_DONE);
    if !done_path.is_file() {
        return StoredRun::Unfinished;
    }
    let corrupt = |file: PathBuf, reason: String| StoredRun::Corrupt { file, reason };
    let done: Done = match std::fs::read_to_string(&done_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(e) => return corrupt(done_path, e),
    };
    let mut bytes = BTreeMap::new();
    for name in RUN_FILES {
        let path = dir.join(name);
        let Some(expected_sha) = done.sha256.get(name) else {
            return corrupt(done_path, format!("no checksum of {name}"));
        };
        let b = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => return corrupt(path, e.to_string()),
        };
        if &sha256_hex(&b) != expected_sha {
            return corrupt(
                path,
                format!(
                    "changed or truncated since the run finished (its SHA-256 is not the one in {RUN_DONE})"
                ),
            );
        }
        bytes.insert(name, b);
    }
    let run_path = dir.join("run.json");
    match serde_json::from_slice::<RunConfig>(&bytes["run.json"]) {
        Ok(c) if &c == expected => {}
        Ok(_) => return StoredRun::OtherConfig(run_path),
        Err(e) => return corrupt(run_path, format!("cannot be read: {e}")),
    }
    let summary_path = dir.join("summary.json");
    let summary: RunSummary = match serde_json::from_slice(&bytes["summary.json"]) {
        Ok(s) => s,
        Err(e) => return corrupt(summary_path, format!("cannot be read: {e}")),
    };
    if summary.run != id {
        return corrupt(
            summary_path,
            format!("is the summary of run `{}`", summary.run),
        );
    }
    let metrics_path = dir.join("metrics.csv");
    if let Err(e) = record::for_each_metrics_row(
        &bytes["metrics.csv"][..],
        &metrics_path,
        Some(id),
        |_, _| Ok(()),
    ) {
        return corrupt(metrics_path, e.to_string());
    }
    StoredRun::Finished(Box::new(summary))
}

/// Writes the experiment's `metrics.csv` at `path`: the header, then the rows of every run's
/// `metrics.csv` (`runs`: id and file), each checked as it is read (header, six fields, the
/// run's own id, numbers) and streamed to a temporary file that replaces `path` at the end.
///
/// # Errors
/// [`Error::Record`] naming the run file and line that is wrong; [`Error::Io`].
pub fn write_metrics(path: &Path, runs: &[(String, PathBuf)]) -> Result<()> {
    record::write_atomic_with(path, |out| {
        let mut w = csv::Writer::from_writer(BufWriter::new(out));
        w.write_record(record::CSV_COLUMNS)
            .map_err(csv_error(path))?;
        for (id, file) in runs {
            let f = File::open(file).map_err(io(file))?;
            record::for_each_metrics_row(f, file, Some(id), |record, _| {
                w.write_record(record).map_err(csv_error(path))
            })?;
        }
        let mut inner = w.into_inner().map_err(|e| io(path)(e.into_error()))?;
        inner.flush().map_err(io(path))
    })
}

fn csv_error(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Record {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::assert_error_mentions;

    fn tmp(name: &str) -> PathBuf {
        let p =
            std::env::temp_dir().join(format!("experiments-outdir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        p
    }

    #[test]
    fn a_claimed_folder_is_locked_against_other_openers_and_reentrant_here() {
        let root = tmp("lock");
        let folder = OutputFolder::claim(&root, "relu-he").unwrap();
        // Nothing but the lock before `begin`.
        let names: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [LOCK]);
        folder.begin().unwrap();
        // The same process claims it again without deadlocking on its own lock.
        OutputFolder::claim(&root, "relu-he").unwrap();
        // Another open file description (as another process has) cannot lock it.
        let other = File::open(root.join(LOCK)).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        release(&root);
        other.try_lock().unwrap();
        drop(other);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn foreign_folders_and_other_experiments_are_refused_untouched() {
        let root = tmp("foreign");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("config.json"), "mine").unwrap();
        assert_error_mentions(
            OutputFolder::claim(&root, "relu-he"),
            &["not an experiments output folder", "config.json"],
        );
        assert!(!root.join(LOCK).exists());
        std::fs::remove_file(root.join("config.json")).unwrap();
        OutputFolder::claim(&root, "matrix")
            .unwrap()
            .begin()
            .unwrap();
        release(&root);
        assert_error_mentions(
            OutputFolder::claim(&root, "depth"),
            &["experiment `matrix`"],
        );
        std::fs::write(root.join(MARKER), "{").unwrap();
        assert_error_mentions(
            OutputFolder::claim(&root, "matrix"),
            &[MARKER, "unreadable marker"],
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn begin_removes_stale_temp_files_but_not_in_subfolders_claimed_on_their_own() {
        let root = tmp("temp");
        let folder = OutputFolder::claim(&root, "all").unwrap();
        std::fs::create_dir_all(root.join("runs/a")).unwrap();
        std::fs::create_dir_all(root.join("matrix")).unwrap();
        std::fs::write(root.join("matrix").join(LOCK), "").unwrap();
        for p in [
            root.join(".summary.json.1.tmp"),
            root.join("runs/a/.metrics.csv.2.tmp"),
            root.join("matrix/.cells.json.3.tmp"),
        ] {
            std::fs::write(p, "half").unwrap();
        }
        folder.begin().unwrap();
        assert!(!root.join(".summary.json.1.tmp").exists());
        assert!(!root.join("runs/a/.metrics.csv.2.tmp").exists());
        assert!(root.join("matrix/.cells.json.3.tmp").exists());
        release(&root);
        std::fs::remove_dir_all(&root).unwrap();
    }
}

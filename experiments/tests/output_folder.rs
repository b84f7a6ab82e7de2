//! The output folder cannot be corrupted: two processes on one `--out` (one fails fast, the
//! folder stays consistent), an interrupted sweep (exit 130, the rerun resumes to the same
//! results), corrupt per-run files (rerun, not aggregated), stale temporary files (removed).
//! Runs on the generated `synthetic` dataset.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{bin, json, results, run_ok, stderr, tmp};

/// A sweep of `seeds` runs of `relu-he` on synthetic data, one at a time, into `out`.
fn sweep_args(out: &Path, seeds: usize, epochs: usize) -> Vec<String> {
    [
        "relu-he",
        "--dataset",
        "synthetic",
        "--depth",
        "2",
        "--width",
        "64",
        "--jobs",
        "1",
        "--seeds",
        &seeds.to_string(),
        "--epochs",
        &epochs.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn spawn(args: &[String]) -> Child {
    bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The run folders under `out/runs`.
fn run_dirs(out: &Path) -> BTreeSet<String> {
    std::fs::read_dir(out.join("runs"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The `key` field (a run id) of each entry of `file["runs"]`.
fn run_ids(file: &Value, key: &str) -> Vec<String> {
    file["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap().to_string())
        .collect()
}

/// The folder's files agree: the runs of `config.json`, of `summary.json` and the run folders
/// are the same, each run's own `summary.json` is its entry in the experiment's, and the
/// experiment's `metrics.csv` is the runs' `metrics.csv` concatenated.
fn check_consistent(out: &Path) {
    let config_ids = run_ids(&json(&out.join("config.json")), "id");
    let summary = json(&out.join("summary.json"));
    let summary_ids = run_ids(&summary, "run");
    assert_eq!(config_ids, summary_ids, "config.json and summary.json");
    assert_eq!(
        config_ids.iter().cloned().collect::<BTreeSet<_>>(),
        run_dirs(out),
        "config.json and runs/"
    );
    let mut csv = String::from("run,epoch,split,metric,layer,value\n");
    for (id, entry) in config_ids.iter().zip(summary["runs"].as_array().unwrap()) {
        let own = json(&out.join("runs").join(id).join("summary.json"));
        assert_eq!(&own, entry, "runs/{id}/summary.json");
        let text = std::fs::read_to_string(out.join("runs").join(id).join("metrics.csv")).unwrap();
        for line in text.lines().skip(1) {
            csv.push_str(line);
            csv.push('\n');
        }
    }
    assert_eq!(
        std::fs::read_to_string(out.join("metrics.csv")).unwrap(),
        csv,
        "metrics.csv is the runs' rows"
    );
}

/// Files named `*.tmp` anywhere under `dir`.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            found.extend(temp_files(&p));
        } else if p.extension().is_some_and(|x| x == "tmp") {
            found.push(p);
        }
    }
    found
}

#[test]
fn a_second_process_on_the_same_folder_fails_fast_and_the_first_finishes() {
    let out = tmp("concurrent");
    let args = sweep_args(&out, 6, 2);
    let first = spawn(&args);
    // Once the first has claimed the folder (its first run has started), start the second.
    wait_for(
        "the first process to start training",
        Duration::from_secs(60),
        || out.join("runs").is_dir(),
    );
    let start = Instant::now();
    let second = bin().args(&args).output().unwrap();
    let second_took = start.elapsed();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "the first: {}", stderr(&first));
    assert_eq!(
        second.status.code(),
        Some(1),
        "the second must fail: {}",
        stderr(&second)
    );
    let err = stderr(&second);
    assert!(
        err.contains("another process") && err.contains(out.to_str().unwrap()),
        "{err}"
    );
    assert!(
        second_took < Duration::from_secs(10),
        "failing fast took {second_took:?}"
    );
    check_consistent(&out);
    assert_eq!(
        json(&out.join("summary.json"))["runs"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert!(temp_files(&out).is_empty(), "{:?}", temp_files(&out));
}

#[test]
fn an_interrupted_sweep_exits_130_and_the_rerun_resumes_to_the_same_results() {
    let reference = tmp("uninterrupted");
    run_ok(sweep_args(&reference, 6, 2));

    let out = tmp("interrupted");
    let args = sweep_args(&out, 6, 2);
    let child = spawn(&args);
    // Runs are trained one at a time: once the second has finished, the first is complete.
    let second_run = out.join("runs/relu-he_normal-s1/summary.json");
    wait_for("two runs to finish", Duration::from_secs(60), || {
        second_run.is_file()
    });
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("interrupted — rerun the same command to resume"),
        "{}",
        stderr(&o)
    );
    assert!(
        run_dirs(&out).len() < 6,
        "the sweep finished before the signal; nothing was tested"
    );
    // No half state: the experiment's own files describe finished sweeps only.
    for f in ["config.json", "summary.json", "metrics.csv", "record.json"] {
        assert!(!out.join(f).exists(), "{f} written by an unfinished sweep");
    }

    let err = run_ok(&args);
    assert!(err.contains("relu-he_normal-s0] skipped"), "{err}");
    check_consistent(&out);
    assert_eq!(results(&out), results(&reference));
    assert_eq!(
        std::fs::read_to_string(out.join("metrics.csv")).unwrap(),
        std::fs::read_to_string(reference.join("metrics.csv")).unwrap()
    );
    assert!(temp_files(&out).is_empty(), "{:?}", temp_files(&out));
}

#[test]
fn corrupt_run_files_are_rerun_and_never_aggregated() {
    let out = tmp("corrupt");
    let args = sweep_args(&out, 3, 1);
    run_ok(&args);
    let before = results(&out);
    let metrics_before = std::fs::read_to_string(out.join("metrics.csv")).unwrap();

    // Run 0: a truncated metrics.csv (a whole number of lines: still well-formed CSV). Run 1:
    // a summary.json cut in the middle. Run 2: one value of metrics.csv changed.
    let m0 = out.join("runs/relu-he_normal-s0/metrics.csv");
    let text = std::fs::read_to_string(&m0).unwrap();
    let keep: Vec<&str> = text.lines().take(text.lines().count() / 2).collect();
    std::fs::write(&m0, format!("{}\n", keep.join("\n"))).unwrap();
    let s1 = out.join("runs/relu-he_normal-s1/summary.json");
    let text = std::fs::read_to_string(&s1).unwrap();
    std::fs::write(&s1, &text[..text.len() / 2]).unwrap();
    let m2 = out.join("runs/relu-he_normal-s2/metrics.csv");
    let text = std::fs::read_to_string(&m2).unwrap();
    let line = text.lines().nth(3).unwrap().to_string();
    let (head, _) = line.rsplit_once(',').unwrap();
    std::fs::write(&m2, text.replacen(&line, &format!("{head},0.123456"), 1)).unwrap();

    let err = run_ok(&args);
    for (run, file) in [
        ("relu-he_normal-s0", "metrics.csv"),
        ("relu-he_normal-s1", "summary.json"),
        ("relu-he_normal-s2", "metrics.csv"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(run) && l.contains(file) && l.contains("rerun")),
            "{run}: {file} reported and rerun:\n{err}"
        );
    }
    check_consistent(&out);
    assert_eq!(results(&out), before);
    assert_eq!(
        std::fs::read_to_string(out.join("metrics.csv")).unwrap(),
        metrics_before
    );
}

#[test]
fn stale_temporary_files_are_removed_on_the_next_start() {
    let out = tmp("stale");
    let args = sweep_args(&out, 1, 1);
    run_ok(&args);
    // What a killed writer leaves: `.<name>.<pid>.tmp` beside its target.
    let stale = [
        out.join(".summary.json.4242.tmp"),
        out.join("runs/relu-he_normal-s0/.metrics.csv.4242.tmp"),
    ];
    for p in &stale {
        std::fs::write(p, "half").unwrap();
    }
    run_ok(&args);
    assert!(temp_files(&out).is_empty(), "{:?}", temp_files(&out));
}

/// `all` holds its root folder for the whole suite (a second `all` there fails at once) while
/// its experiments claim their own subfolders (no deadlock on its own lock); run again, it
/// resumes: every run of every sweep is skipped.
#[test]
fn all_holds_its_root_and_its_experiments_their_subfolders() {
    let out = tmp("all");
    let args: Vec<String> = [
        "all",
        "--dataset",
        "synthetic",
        "--epochs",
        "1",
        "--depth",
        "2",
        "--width",
        "8",
        "--seeds",
        "1",
        // criticality's full protocol trains 100-layer nets: minutes; it has its own test.
        "--skip",
        "criticality",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let first = spawn(&args);
    wait_for("`all` to claim its folder", Duration::from_secs(60), || {
        out.join(".experiments.json").is_file()
    });
    let second = bin().args(&args).output().unwrap();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another process"),
        "{}",
        stderr(&second)
    );
    for e in ["activations", "symmetry", "matrix", "depth", "pretrain"] {
        let marker = json(&out.join(e).join(".experiments.json"));
        assert_eq!(marker["experiment"], e);
        if e != "activations" {
            check_consistent(&out.join(e));
        }
    }
    let err = run_ok(&args);
    assert!(
        !err.contains("train loss"),
        "a finished run was trained again:\n{err}"
    );
}

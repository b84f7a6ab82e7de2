//! `--trainer learner` (burn-train's `SupervisedTraining`) against the hand-written loop, end to
//! end through the binary on the embedded `digits` dataset: the same files with the same schema,
//! burn-train's logs with the library's per-layer metrics, and the same accuracy within seed
//! noise.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn tmp(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("learner-{name}"));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Runs the binary; panics with its stderr unless it succeeds.
fn run(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_experiments"))
        .args(args)
        .output()
        .expect("the binary runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !err.contains("panicked"),
        "{args:?}:\n{err}"
    );
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `digits`, 2 hidden layers × 32, `epochs` epochs, `seeds` seeds from 0, with `trainer`
/// (and `extra` arguments).
fn train(trainer: &str, out: &Path, epochs: &str, seeds: &str, extra: &[&str]) {
    let mut args = vec![
        "relu-he",
        "--dataset",
        "digits",
        "--depth",
        "2",
        "--width",
        "32",
        "--epochs",
        epochs,
        "--seeds",
        seeds,
        "--trainer",
        trainer,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args);
}

/// The (epoch, split, metric, layer) keys of a `metrics.csv`, and its header.
fn csv_keys(path: &Path) -> (String, BTreeSet<(String, String, String, String)>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .collect::<Vec<_>>()
        .join(",");
    let keys = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            assert!(r[5].parse::<f64>().is_ok(), "a number: {r:?}");
            (r[1].into(), r[2].into(), r[3].into(), r[4].into())
        })
        .collect();
    (header, keys)
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn learner_writes_the_same_files_with_the_same_schema() {
    let (a, b) = (tmp("schema-loop"), tmp("schema-learner"));
    // The loop's one-model engine: the Learner trains one model with the same Burn modules, so
    // epoch 0 is the same arithmetic (the stacked engine's batched matmuls may differ from it in
    // the last bits, depending on how flex is built).
    train("loop", &a, "2", "1", &["--engine", "single"]);
    train("learner", &b, "2", "1", &[]);
    let (sa, sb) = (json(&a.join("summary.json")), json(&b.join("summary.json")));
    assert_eq!(keys(&sa), keys(&sb));
    let (ra, rb) = (&sa["runs"][0], &sb["runs"][0]);
    assert_eq!(keys(ra), keys(rb), "run summaries have the same fields");
    assert_eq!(rb["engine"], "learner");
    assert_eq!(rb["epochs_completed"], 2);
    assert_eq!(rb["diverged"], false);
    let run = "relu-he_normal-s0";
    assert_eq!(
        keys(&json(&a.join("runs").join(run).join("summary.json"))),
        keys(&json(&b.join("runs").join(run).join("summary.json")))
    );
    // The same rows: every epoch, split, metric and layer (epoch 0 included).
    assert_eq!(
        csv_keys(&a.join("metrics.csv")),
        csv_keys(&b.join("metrics.csv"))
    );
    // Epoch 0 is the same model (same seed, same initialization): the same numbers.
    let at_init = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("metrics.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.split(',').nth(1) == Some("0"))
            .map(String::from)
            .collect()
    };
    assert_eq!(at_init(&a), at_init(&b));
    // burn-train's file logs, with the library's per-layer metrics.
    let logs = b.join("runs").join(run).join("learner");
    for epoch in ["epoch-1", "epoch-2"] {
        for name in [
            "Loss",
            "Accuracy",
            "act-std_layer0",
            "dead_layer1",
            "grad-norm_layer1",
            "update-ratio_layer0",
        ] {
            let f = logs.join("train").join(epoch).join(format!("{name}.log"));
            assert!(f.is_file(), "{} missing", f.display());
        }
        assert!(
            logs.join("valid")
                .join(epoch)
                .join("Accuracy.log")
                .is_file()
        );
    }
}

/// Final test accuracies of the runs of a sweep.
fn accuracies(dir: &Path) -> Vec<f64> {
    json(&dir.join("summary.json"))["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["final_test_accuracy"].as_f64().unwrap())
        .collect()
}

/// Seed noise is measured, not assumed: the loop's final test accuracy over `K` seeds has a
/// sample standard deviation `s` (floored at the binomial standard error `√(p(1−p)/n)` of one
/// accuracy on the `n` = 360 test images, so that a lucky agreement of the seeds cannot make
/// the test demand more than the test set can resolve). The two trainers shuffle with different
/// generators, so for the same seeds their mean accuracies are two independent means of `K`
/// runs: their difference has standard deviation `s·√(2/K)`, and the test allows 3 of those.
#[test]
fn learner_and_loop_agree_within_seed_noise() {
    const K: usize = 5;
    let (a, b) = (tmp("noise-loop"), tmp("noise-learner"));
    train("loop", &a, "5", &K.to_string(), &[]);
    train("learner", &b, "5", &K.to_string(), &[]);
    let (la, lb) = (accuracies(&a), accuracies(&b));
    assert_eq!((la.len(), lb.len()), (K, K));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(&la), mean(&lb));
    let sd = (la.iter().map(|x| (x - ma).powi(2)).sum::<f64>() / (K - 1) as f64).sqrt();
    let binomial = (ma * (1.0 - ma) / 360.0).sqrt();
    let noise = sd.max(binomial);
    let allowed = 3.0 * noise * (2.0 / K as f64).sqrt();
    assert!(
        (ma - mb).abs() <= allowed,
        "loop {la:?} (mean {ma:.4}, seed sd {sd:.4}) vs learner {lb:?} (mean {mb:.4}): \
         difference {:.4} > {allowed:.4}",
        (ma - mb).abs()
    );
    assert!(ma > 0.8 && mb > 0.8, "both learn digits: {ma} {mb}");
}

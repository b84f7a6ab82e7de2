//! End to end through the binary, on `mnist-tiny` (1,000 / 200 MNIST images from the project's
//! shared data folder; tests that need it are skipped, with a note, where it is absent).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use common::{bin, json, results, stderr, tmp};

fn tiny_dir() -> Option<PathBuf> {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/mnist-tiny"),
        PathBuf::from("/work/shared/data/mnist-tiny"),
    ];
    let found = candidates.into_iter().find(|p| p.is_dir());
    if found.is_none() {
        eprintln!("note: shared/data/mnist-tiny not found; skipping this test");
    }
    found
}

fn run(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("the binary runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        !text(&out.stderr).contains("panicked"),
        "panic:\n{}",
        text(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tiny_args<'a>(tiny: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "--dataset",
        "mnist-tiny",
        "--data-dir",
        tiny.to_str().unwrap(),
        "--epochs",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    a.extend_from_slice(extra);
    a
}

/// A claim of `claims.json`: every field, and `holds` consistent with `status`; an undecided
/// claim says why.
fn check_claim(c: &Value) {
    check_keys(
        c,
        &["id", "claim", "metric", "threshold_reason", "source"],
        Value::is_string,
        "a string",
    );
    check_keys(
        c,
        &[
            "value",
            "interval",
            "n_seeds",
            "threshold",
            "prediction",
            "status",
            "holds",
            "reason",
            "values",
            "level",
            "seeds",
            "detectable_effect",
            "scale",
        ],
        |_| true,
        "present",
    );
    assert!(c["threshold"].is_number(), "{c}");
    // The seed rule fixed before the run, and the look that decided it.
    let seeds = &c["seeds"];
    for key in ["n_min", "n_max", "look"] {
        assert!(seeds[key].is_u64(), "seeds.{key}: {c}");
    }
    assert!(
        seeds["looks"].is_array() && seeds["level"].is_number(),
        "{c}"
    );
    assert!(
        ["bonferroni", "fixed"].contains(&seeds["rule"].as_str().unwrap_or("")),
        "{c}"
    );
    if c["status"] == "undecided" && c["interval"].is_array() {
        assert!(
            c["detectable_effect"].is_number(),
            "undecided: its detectable effect: {c}"
        );
    }
    assert!(c["n_seeds"].is_u64(), "{c}");
    match c["status"].as_str() {
        Some("confirmed") => assert_eq!(c["holds"], true, "{c}"),
        Some("refuted") => assert_eq!(c["holds"], false, "{c}"),
        Some("undecided") => {
            assert!(c["holds"].is_null(), "{c}");
            assert!(c["reason"].is_string(), "an undecided claim says why: {c}");
        }
        _ => panic!("status: {c}"),
    }
    if let Some(i) = c["interval"].as_array() {
        let (lo, hi) = (i[0].as_f64().unwrap(), i[1].as_f64().unwrap());
        let v = c["value"].as_f64().unwrap();
        assert!(lo <= v && v <= hi, "value inside its interval: {c}");
    }
}

fn is_num_or_null(v: &Value) -> bool {
    v.is_number() || v.is_null()
}

/// Checks that `v` has every one of `keys`, each passing `is` (`what` says what it must be).
fn check_keys(v: &Value, keys: &[&str], is: impl Fn(&Value) -> bool, what: &str) {
    for key in keys {
        assert!(v.get(key).is_some_and(&is), "{key} must be {what}: {v}");
    }
}

/// Checks `summary.json` against its schema: every required key, with its type.
fn check_summary(v: &Value, runs: usize) {
    assert!(v["experiment"].is_string(), "experiment: {v}");
    assert!(v["target_accuracy"].is_number());
    let list = v["runs"].as_array().expect("runs is an array");
    assert_eq!(list.len(), runs);
    for r in list {
        check_keys(
            r,
            &["run", "activation", "init", "device"],
            Value::is_string,
            "a string",
        );
        check_keys(
            r,
            &["depth", "width", "seed", "epochs", "epochs_completed"],
            Value::is_u64,
            "an integer",
        );
        check_keys(
            r,
            &[
                "final_train_loss",
                "final_valid_loss",
                "final_valid_accuracy",
                "final_test_accuracy",
                "best_valid_accuracy",
                "test_accuracy_at_best",
                "test_top_class_share_at_best",
                "last_finite_valid_accuracy",
                "last_finite_test_accuracy",
            ],
            is_num_or_null,
            "a number or null",
        );
        check_keys(
            r,
            &[
                "epochs_to_target",
                "best_epoch",
                "diverged_at",
                "last_finite_epoch",
            ],
            |v| v.is_u64() || v.is_null(),
            "an integer or null",
        );
        for key in ["lr", "valid_majority_rate", "test_majority_rate"] {
            let v = r[key].as_f64().unwrap_or(f64::NAN);
            assert!(
                v > 0.0 && v.is_finite(),
                "{key} must be a positive number: {r}"
            );
        }
        assert!(r["diverged"].is_boolean(), "diverged: {r}");
        assert_eq!(
            r["diverged"].as_bool(),
            Some(r["diverged_at"].is_u64()),
            "diverged_at is set exactly when the run diverged: {r}"
        );
        if r["diverged"] == true {
            for key in [
                "final_train_loss",
                "final_valid_loss",
                "final_valid_accuracy",
                "final_test_accuracy",
            ] {
                assert!(r[key].is_null(), "a diverged run has no {key}: {r}");
            }
        } else {
            assert!(r["best_epoch"].is_u64(), "best_epoch: {r}");
        }
        assert!(r["wall_seconds"].is_number(), "wall_seconds: {r}");
        assert!(
            r["samples_per_second"].is_number(),
            "samples_per_second: {r}"
        );
        let stats = r["init_stats"].as_array().expect("init_stats is an array");
        assert_eq!(
            stats.len() as u64,
            r["depth"].as_u64().unwrap(),
            "one entry per hidden layer"
        );
        for (i, s) in stats.iter().enumerate() {
            assert_eq!(s["layer"].as_u64(), Some(i as u64));
            check_keys(
                s,
                &[
                    "act_mean",
                    "act_std",
                    "saturated_fraction",
                    "dead_fraction",
                    "grad_norm",
                ],
                is_num_or_null,
                "a number or null",
            );
        }
    }
}

/// Runs `relu-he` for one epoch on mnist-tiny and checks every file.
fn end_to_end(device: &str, out: &Path, tiny: &Path) {
    let o = run(&run_name(&tiny_args(tiny, out, &["--device", device])));
    assert!(
        o.status.success(),
        "exit {:?}\nstderr:\n{}",
        o.status,
        stderr(&o)
    );
    for f in [
        "config.json",
        "record.json",
        "metrics.csv",
        "summary.json",
        "runs/relu-he_normal-s0/summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let summary = json(&out.join("summary.json"));
    check_summary(&summary, 1);
    let r = &summary["runs"][0];
    assert_eq!(
        (r["activation"].as_str(), r["init"].as_str()),
        (Some("relu"), Some("he_normal"))
    );
    assert_eq!(
        (
            r["depth"].as_u64(),
            r["width"].as_u64(),
            r["epochs"].as_u64()
        ),
        (Some(5), Some(50), Some(1))
    );
    assert_eq!(r["diverged"], false);
    assert!(
        r["final_valid_accuracy"].as_f64().unwrap() > 0.3,
        "one epoch on 1,000 images learns something: {r}"
    );

    let record = json(&out.join("record.json"));
    check_keys(
        &record,
        &[
            "git_commit",
            "crate_version",
            "burn_version",
            "device",
            "adapter",
        ],
        Value::is_string,
        "a string",
    );
    assert_eq!(record["device"], device);
    assert_eq!(record["dataset"]["name"], "mnist-tiny");
    assert_eq!(record["dataset"]["sha256"].as_str().map(str::len), Some(64));
    // 10 % of the 1,000 training images validate (rounded per class: 10 classes, ±5).
    let (train, valid) = (
        record["dataset"]["train_examples"].as_u64().unwrap(),
        record["dataset"]["valid_examples"].as_u64().unwrap(),
    );
    assert_eq!(train + valid, 1000);
    assert!(valid.abs_diff(100) <= 5, "{valid} validation examples");
    assert_eq!(record["dataset"]["split"]["fraction"], 0.1);
    assert!(record["dataset"]["split"]["seed"].is_u64());
    for key in ["valid_majority_rate", "test_majority_rate"] {
        let v = record["dataset"][key].as_f64().unwrap();
        assert!(
            (0.1..0.5).contains(&v),
            "{key} {v}: chance of 10 roughly balanced classes"
        );
    }
    assert_eq!(record["seeds"], serde_json::json!([0]));
    assert!(record["wall_seconds"].as_f64().unwrap() > 0.0);
    assert!(record["samples_per_second"].as_f64().unwrap() > 0.0);

    let config = json(&out.join("config.json"));
    assert_eq!(config["settings"]["epochs"], 1);

    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("run,epoch,split,metric,layer,value"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 6), "six columns");
    let has = |epoch: &str, split: &str, metric: &str, layer: &str| {
        rows.iter().any(|r| {
            r[0] == "relu-he_normal-s0"
                && r[1] == epoch
                && r[2] == split
                && r[3] == metric
                && r[4] == layer
        })
    };
    assert!(has("1", "train", "loss", "") && has("1", "train", "accuracy", ""));
    assert!(has("0", "valid", "loss", "") && has("1", "valid", "accuracy", ""));
    assert!(has("0", "test", "loss", "") && has("1", "test", "accuracy", ""));
    assert!(has("1", "valid", "top_class_share", "") && has("1", "test", "top_class_share", ""));
    for m in [
        "act_mean",
        "act_std",
        "saturated_fraction",
        "dead_fraction",
        "grad_norm",
    ] {
        assert!(
            has("0", "train", m, "0") && has("1", "train", m, "4"),
            "{m}"
        );
    }
    assert!(
        rows.iter().all(|r| r[5].parse::<f64>().is_ok()),
        "values are numbers"
    );
}

#[test]
fn flex_end_to_end() {
    let Some(tiny) = tiny_dir() else { return };
    end_to_end("flex", &tmp("flex"), &tiny);
}

#[test]
fn wgpu_end_to_end() {
    let Some(tiny) = tiny_dir() else { return };
    let out = tmp("wgpu");
    // Is there an adapter? `--device wgpu` says so without panicking.
    if !wgpu_available() {
        return;
    }
    end_to_end("wgpu", &out, &tiny);
    let record = json(&out.join("record.json"));
    eprintln!("wgpu adapter: {}", record["adapter"]);
}

fn run_name<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["relu-he"];
    a.extend_from_slice(args);
    a
}

#[test]
fn resume_skips_finished_runs() {
    let Some(tiny) = tiny_dir() else { return };
    let out = tmp("resume");
    let first = run(&run_name(&tiny_args(&tiny, &out, &["--seeds", "1"])));
    assert!(first.status.success(), "{}", stderr(&first));
    let run0 = out.join("runs/relu-he_normal-s0/summary.json");
    let mtime = std::fs::metadata(&run0).unwrap().modified().unwrap();
    let before = std::fs::read_to_string(&run0).unwrap();

    // The "interrupted" sweep of two seeds: the first run is done, only the second is trained.
    let second = run(&run_name(&tiny_args(&tiny, &out, &["--seeds", "2"])));
    assert!(second.status.success(), "{}", stderr(&second));
    let err = stderr(&second);
    assert!(err.contains("relu-he_normal-s0] skipped"), "{err}");
    assert!(!err.contains("relu-he_normal-s1] skipped"), "{err}");
    assert_eq!(
        std::fs::metadata(&run0).unwrap().modified().unwrap(),
        mtime,
        "run 1 was rerun"
    );
    assert_eq!(std::fs::read_to_string(&run0).unwrap(), before);
    assert!(out.join("runs/relu-he_normal-s1/summary.json").is_file());
    check_summary(&json(&out.join("summary.json")), 2);
    let record = json(&out.join("record.json"));
    assert_eq!(
        (
            record["runs_trained"].as_u64(),
            record["runs_skipped"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert!(
        csv.contains("relu-he_normal-s0,1,valid,accuracy")
            && csv.contains("relu-he_normal-s1,1,valid,accuracy")
    );

    // Another configuration in the same folder is refused, not mixed in.
    let other = run(&run_name(&tiny_args(
        &tiny,
        &out,
        &["--seeds", "2", "--lr", "0.01"],
    )));
    assert!(!other.status.success());
    assert!(stderr(&other).contains("--force"), "{}", stderr(&other));
}

#[test]
fn divergence_is_recorded_not_a_crash() {
    let Some(tiny) = tiny_dir() else { return };
    let out = tmp("diverge");
    let o = run(&run_name(&tiny_args(
        &tiny,
        &out,
        &["--lr", "1e6", "--seeds", "2"],
    )));
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = json(&out.join("summary.json"));
    check_summary(&summary, 2);
    for r in summary["runs"].as_array().unwrap() {
        assert_eq!(r["diverged"], true, "{r}");
        assert_eq!(r["diverged_at"], 1, "{r}");
        assert!(r["epochs_to_target"].is_null());
        assert_eq!(r["last_finite_epoch"], 0, "{r}");
        assert!(r["last_finite_valid_accuracy"].is_number(), "{r}");
    }
    assert!(stderr(&o).contains("DIVERGED"));
}

#[test]
fn valid_fraction_out_of_range_is_refused() {
    let Some(tiny) = tiny_dir() else { return };
    for bad in ["0", "0.6", "-0.1"] {
        let out = tmp(&format!("valid-fraction-{bad}"));
        let arg = format!("--valid-fraction={bad}");
        let o = run(&run_name(&tiny_args(&tiny, &out, &[&arg])));
        assert!(!o.status.success(), "--valid-fraction {bad} accepted");
        assert!(
            stderr(&o).contains("--valid-fraction") && stderr(&o).contains("(0, 0.5]"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn unknown_names_list_the_valid_ones() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["relu-hee"],
            &["unknown initializer `hee`", "he_normal", "did you mean"],
        ),
        (
            &["tanhh-xavier"],
            &[
                "unknown experiment `tanhh-xavier`",
                "throughput",
                "did you mean `tanh-xavier`",
            ],
        ),
        (
            &["nonsense"],
            &[
                "unknown experiment `nonsense`",
                "<activation>-<init>",
                "list",
            ],
        ),
        (
            &["relu-he", "--device", "gpu"],
            &[
                "unknown device `gpu`",
                "flex, ndarray, wgpu",
                "did you mean `wgpu`",
            ],
        ),
        (
            &["relu-he", "--dataset", "mnist_tiny"],
            &[
                "unknown dataset `mnist_tiny`",
                "digits",
                "did you mean `mnist-tiny`",
            ],
        ),
        (
            &["relu-he", "--optimizer", "adamw"],
            &[
                "unknown optimizer `adamw`",
                "sgd, adam",
                "did you mean `adam`",
            ],
        ),
    ];
    for (args, needles) in cases {
        let o = run(args);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = stderr(&o);
        for n in *needles {
            assert!(err.contains(n), "{args:?}: `{n}` not in:\n{err}");
        }
    }
    let o = run(&["relu-he", "--dataset", "mnist-tiny"]);
    assert!(
        !o.status.success() && stderr(&o).contains("--data-dir"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn list_and_help() {
    let o = run(&["list"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for n in [
        "<activation>-<init>",
        "throughput",
        "he_normal",
        "tanh, sigmoid, relu",
        "list",
    ] {
        assert!(text.contains(n), "`{n}` not in:\n{text}");
    }
    let o = run(&["--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for n in [
        "--device",
        "--dataset",
        "--data-dir",
        "--epochs",
        "--batch-size",
        "--lr",
        "--optimizer",
        "--depth",
        "--width",
        "--seeds",
        "--seed",
        "--jobs",
        "--valid-fraction",
        "--engine",
        "--stack",
        "--out",
        "--force",
    ] {
        assert!(text.contains(n), "`{n}` not in --help");
    }
}

/// Writes the four tiny files into `dir`, then lets `damage` break one.
fn damaged_copy(tiny: &Path, name: &str, damage: impl FnOnce(&Path)) -> PathBuf {
    let dir = tmp(name);
    for f in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::write(dir.join(f), std::fs::read(tiny.join(f)).unwrap()).unwrap();
    }
    damage(&dir);
    dir
}

#[test]
fn corrupt_data_files_are_named() {
    let Some(tiny) = tiny_dir() else { return };
    use experiments::idx;
    let gunzip = |p: &Path| idx::read_maybe_gz(p).unwrap();
    let cases: Vec<(PathBuf, &str, &str)> = vec![
        (
            damaged_copy(&tiny, "truncated-gz", |d| {
                let p = d.join("train-images-idx3-ubyte.gz");
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..b.len() / 2]).unwrap();
            }),
            "train-images-idx3-ubyte.gz",
            "corrupt or truncated gzip",
        ),
        (
            damaged_copy(&tiny, "truncated-raw", |d| {
                let raw = gunzip(&d.join("t10k-images-idx3-ubyte.gz"));
                std::fs::remove_file(d.join("t10k-images-idx3-ubyte.gz")).unwrap();
                std::fs::write(d.join("t10k-images-idx3-ubyte"), &raw[..raw.len() - 100]).unwrap();
            }),
            "t10k-images-idx3-ubyte",
            "truncated",
        ),
        (
            damaged_copy(&tiny, "wrong-magic", |d| {
                let labels = gunzip(&d.join("train-labels-idx1-ubyte.gz"));
                std::fs::write(d.join("train-images-idx3-ubyte.gz"), idx::gzip(&labels)).unwrap();
            }),
            "train-images-idx3-ubyte.gz",
            "bad magic number 0x00000801",
        ),
        (
            damaged_copy(&tiny, "count-mismatch", |d| {
                let labels = gunzip(&d.join("train-labels-idx1-ubyte.gz"));
                let fewer = idx::encode_labels(&labels[8..labels.len() - 1]);
                std::fs::write(d.join("train-labels-idx1-ubyte.gz"), idx::gzip(&fewer)).unwrap();
            }),
            "train-labels-idx1-ubyte.gz",
            "1000 images but 999 labels",
        ),
        (
            damaged_copy(&tiny, "label-range", |d| {
                let mut labels = gunzip(&d.join("t10k-labels-idx1-ubyte.gz"));
                labels[8 + 7] = 42;
                std::fs::write(d.join("t10k-labels-idx1-ubyte.gz"), idx::gzip(&labels)).unwrap();
            }),
            "t10k-labels-idx1-ubyte.gz",
            "label #7 is 42",
        ),
        (
            damaged_copy(&tiny, "missing", |d| {
                std::fs::remove_file(d.join("t10k-labels-idx1-ubyte.gz")).unwrap()
            }),
            "t10k-labels-idx1-ubyte",
            "not found",
        ),
    ];
    for (dir, file, problem) in cases {
        let o = run(&[
            "relu-he",
            "--dataset",
            "mnist-tiny",
            "--data-dir",
            dir.to_str().unwrap(),
            "--out",
            dir.join("out").to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{}: should fail", dir.display());
        let err = stderr(&o);
        assert!(
            err.contains(file) && err.contains(problem),
            "expected `{file}` and `{problem}` in:\n{err}"
        );
    }
}

#[test]
fn idx_reader_on_good_truncated_and_wrong_magic_files() {
    use experiments::idx::{self, Problem};
    let dir = tmp("idx");
    let images = idx::Images {
        count: 3,
        rows: 28,
        cols: 28,
        pixels: (0..3 * 784).map(|i| (i % 251) as u8).collect(),
    };
    let raw = idx::encode_images(&images);
    let good = dir.join("good-images.gz");
    std::fs::write(&good, idx::gzip(&raw)).unwrap();
    let plain = dir.join("good-images");
    std::fs::write(&plain, &raw).unwrap();
    for p in [&good, &plain] {
        let bytes = idx::read_maybe_gz(p).unwrap();
        assert_eq!(idx::parse_images(&bytes, p).unwrap(), images);
    }
    let truncated = dir.join("truncated-images");
    std::fs::write(&truncated, &raw[..raw.len() - 1]).unwrap();
    let e = idx::parse_images(&idx::read_maybe_gz(&truncated).unwrap(), &truncated).unwrap_err();
    assert!(
        matches!(e.problem, Problem::Truncated { .. })
            && e.to_string().contains("truncated-images"),
        "{e}"
    );
    let wrong = dir.join("wrong-magic");
    std::fs::write(&wrong, idx::encode_labels(&[1, 2, 3])).unwrap();
    let e = idx::parse_images(&idx::read_maybe_gz(&wrong).unwrap(), &wrong).unwrap_err();
    assert!(
        matches!(
            e.problem,
            Problem::BadMagic {
                found: 0x801,
                expected: 0x803,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("wrong-magic"), "{e}");
}

#[test]
fn full_mnist_from_the_burn_dataset_cache_layout() {
    let Some(tiny) = tiny_dir() else { return };
    // burn-dataset's cache: $XDG_CACHE_HOME/burn-dataset/mnist/{train,test}/, uncompressed.
    let cache = tmp("xdg-cache");
    let mnist = cache.join("burn-dataset/mnist");
    for (split, files) in [
        (
            "train",
            ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
        ),
        ("test", ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]),
    ] {
        std::fs::create_dir_all(mnist.join(split)).unwrap();
        for f in files {
            let raw = experiments::idx::read_maybe_gz(&tiny.join(format!("{f}.gz"))).unwrap();
            std::fs::write(mnist.join(split).join(f), raw).unwrap();
        }
    }
    // One epoch of `tanh-xavier` on `--dataset mnist` with `XDG_CACHE_HOME=cache_home`.
    let train_from = |cache_home: &Path, out: &Path| {
        bin()
            .args([
                "tanh-xavier",
                "--dataset",
                "mnist",
                "--epochs",
                "1",
                "--out",
                out.to_str().unwrap(),
            ])
            .env("XDG_CACHE_HOME", cache_home)
            .output()
            .unwrap()
    };
    let out = cache.join("out");
    let o = train_from(&cache, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let record = json(&out.join("record.json"));
    assert_eq!(record["dataset"]["name"], "mnist");
    assert_eq!(
        record["dataset"]["train_examples"].as_u64().unwrap()
            + record["dataset"]["valid_examples"].as_u64().unwrap(),
        1000
    );
    // An empty cache: a clear error that names --data-dir, and nothing is downloaded.
    let o = train_from(&cache.join("empty"), &cache.join("none"));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("does not download") && stderr(&o).contains("--data-dir"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn embedded_and_generated_datasets_train() {
    for (dataset, features) in [("digits", 64), ("synthetic", 100)] {
        let out = tmp(dataset);
        let o = run(&[
            "tanh-xavier",
            "--dataset",
            dataset,
            "--epochs",
            "1",
            "--depth",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{dataset}: {}", stderr(&o));
        let record = json(&out.join("record.json"));
        assert_eq!(record["dataset"]["features"], features);
        let summary = json(&out.join("summary.json"));
        check_summary(&summary, 1);
        assert!(
            summary["runs"][0]["final_valid_accuracy"].as_f64().unwrap() > 0.2,
            "{dataset}: {summary}"
        );
    }
}

/// Whether wgpu has an adapter here (`--device wgpu` says so without panicking). Under
/// `CI=true` a missing adapter fails the test instead of skipping it.
fn wgpu_available() -> bool {
    let probe = run(&[
        "relu-he",
        "--device",
        "wgpu",
        "--dataset",
        "mnist-tiny",
        "--data-dir",
        "/nonexistent-dir",
    ]);
    if !stderr(&probe).contains("no wgpu adapter") {
        return true;
    }
    assert!(!probe.status.success());
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but no wgpu adapter (install mesa-vulkan-drivers for lavapipe):\n{}",
            stderr(&probe)
        );
    }
    eprintln!("note: no wgpu adapter on this machine; skipping this wgpu test");
    false
}

/// Decodes a PNG to `(width, height, RGB or RGBA bytes, channels)`.
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>, usize) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{}", path.display());
    (info.width, info.height, buf, channels)
}

/// Every figure a report shows (`![..](x.png) ([SVG](x.svg))`) exists, the PNG decodes to a
/// non-blank image and the SVG is well-formed XML with an `<svg>` root.
fn check_figures(dir: &Path) -> usize {
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let mut n = 0;
    for chunk in report.split("](").skip(1) {
        let target = &chunk[..chunk.find(')').unwrap()];
        let path = dir.join(target);
        if target.ends_with(".png") {
            let (w, h, pixels, channels) = decode_png(&path);
            assert!(w >= 200 && h >= 100, "{}", path.display());
            let dark = pixels
                .chunks_exact(channels)
                .filter(|p| p[..channels.min(3)].iter().all(|&c| c < 100))
                .count();
            assert!(dark > 500, "{}: blank ({dark} dark pixels)", path.display());
            n += 1;
        } else if target.ends_with(".svg") {
            let text = std::fs::read_to_string(&path).unwrap();
            let doc = roxmltree::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                doc.root_element().tag_name().name(),
                "svg",
                "{}",
                path.display()
            );
        }
    }
    n
}

/// `activations` at its defaults (the tutorial's network: 1,000 × 100 inputs, 5 × 50): small
/// init vanishes (layer-5 std below 1 % of layer 1's), every forward-pass claim, figures.
fn activations_at_defaults(device: &str) {
    let out = tmp(&format!("activations-{device}"));
    let o = run(&[
        "activations",
        "--device",
        device,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("activations.json").is_file());
    // std versus layer and one histogram panel per activation × initializer.
    assert_eq!(check_figures(&out), 1 + 3 * 5);
    let cases = json(&out.join("activations.json"));
    let small = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["activation"] == "tanh" && c["init"] == "small")
        .unwrap();
    // `measured` is [seed][layer]: 10 seeds by default.
    assert_eq!(small["measured"].as_array().unwrap().len(), 10);
    let std = |l: usize| small["measured"][0][l]["act_std"].as_f64().unwrap();
    assert!(
        std(4) < 0.01 * std(0),
        "layer-5 std {} vs layer-1 {}",
        std(4),
        std(0)
    );
    let claims = json(&out.join("claims.json"));
    let claims = claims.as_array().unwrap();
    for id in [
        "small-vanishes",
        "large-saturates-tanh",
        "large-saturates-sigmoid",
        "xavier-keeps-tanh",
        "he-keeps-relu",
        "he-keeps-relu-gradients",
    ] {
        let c = claims
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from claims.json"));
        // At the defaults (10 seeds, the 5 × 50 net) mean-field theory is unambiguous about
        // every forward-pass claim: each must be decided, and confirmed.
        assert_eq!(c["status"], "confirmed", "{c}");
        assert_eq!(c["holds"], true, "{c}");
        assert_eq!(c["n_seeds"], 10, "{c}");
        assert_eq!(c["interval"].as_array().map(Vec::len), Some(2), "{c}");
        assert!(c["prediction"].is_number(), "{c}");
        assert!(c["threshold"].is_number() && c["value"].is_number(), "{c}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains(&format!("device {device}")),
        "device in report"
    );
}

#[test]
fn suite_activations_flex() {
    activations_at_defaults("flex");
}

#[test]
fn suite_activations_wgpu() {
    if wgpu_available() {
        activations_at_defaults("wgpu");
    }
}

/// `all` on a tiny configuration (mnist-tiny, 1 epoch, 2 × 8 nets) on `device`: every
/// experiment's folder with its report, figures (PNG decodes, SVG parses), `summary.json`
/// (training experiments), `record.json` naming the device, and `claims.json`; one claims.json
/// with every stable id of the tutorial; the matrix's 36 cells and verdicts; the symmetry of a
/// constant init; pretraining's reconstruction loss per layer.
fn suite_all(device: &str, tiny: &Path, extra: &[&str]) -> PathBuf {
    let out = tmp(&format!("all-{device}"));
    // criticality has its own test (`tests/criticality.rs`, its toy sizes): its full protocol
    // trains 100-layer nets, minutes even on mnist-tiny.
    let mut args = vec![
        "all",
        "--device",
        device,
        "--depth",
        "2",
        "--width",
        "8",
        "--skip",
        "criticality",
        "--scale",
        "quick",
    ];
    args.extend_from_slice(extra);
    let o = run(&tiny_args(tiny, &out, &args));
    let seeds: usize = extra
        .iter()
        .position(|a| *a == "--seeds")
        .map_or(3, |k| extra[k + 1].parse().unwrap());
    assert!(o.status.success(), "{}", stderr(&o));
    for e in ["activations", "symmetry", "matrix", "depth", "pretrain"] {
        let dir = out.join(e);
        assert!(dir.join("report.md").is_file(), "{e}/report.md");
        assert!(dir.join("claims.json").is_file(), "{e}/claims.json");
        let figures = check_figures(&dir);
        if e != "symmetry" {
            assert!(figures > 0, "{e}: no figures in its report");
        }
        if e != "activations" {
            // Runs: configurations × learning-rate grid × seeds.
            check_summary(
                &json(&dir.join("summary.json")),
                match e {
                    "symmetry" => 12 * seeds,
                    "matrix" => 36 * 4 * seeds,
                    "depth" => 32 * 4 * seeds,
                    _ => 10 * 4 * seeds,
                },
            );
            let record = json(&dir.join("record.json"));
            assert_eq!(record["device"], device, "{e}/record.json");
            assert!(record["adapter"].is_string());
        }
        let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(report.contains(device), "{e}: the report names the device");
    }
    assert!(
        !out.join("criticality").exists(),
        "--skip criticality leaves it out"
    );
    let all = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(all.contains("criticality: skipped"), "{all}");
    assert!(all.contains("## Against the reference run"), "{all}");
    let claims = json(&out.join("claims.json"));
    let claims = claims.as_array().unwrap();
    for id in [
        "small-vanishes",
        "large-saturates-tanh",
        "large-saturates-sigmoid",
        "xavier-keeps-tanh",
        "he-keeps-relu",
        "he-keeps-relu-gradients",
        "symmetry-constant",
        "dropout-breaks-symmetry",
        "xavier-beats-small-tanh",
        "he-beats-xavier-deep-relu",
        "pretrain-helps-deep-sigmoid",
        "pretrain-beats-lsuv-sigmoid",
    ] {
        let c = claims
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        check_claim(c);
    }
    let constant = claims
        .iter()
        .find(|c| c["id"] == "symmetry-constant")
        .unwrap();
    if seeds > 1 {
        assert_eq!(constant["status"], "confirmed", "{constant}");
    } else {
        assert_eq!(constant["status"], "undecided", "one seed: {constant}");
    }

    let cells = json(&out.join("matrix/cells.json"));
    assert_eq!(
        cells.as_array().unwrap().len(),
        3 * 12,
        "3 activations × 12 initializations"
    );
    for c in cells.as_array().unwrap() {
        let grid = c["selection"]["grid"].as_array().unwrap();
        assert_eq!(grid.len(), 4, "matrix learning-rate grid: {c}");
        for g in grid {
            assert_eq!(g["runs"].as_u64(), Some(seeds as u64), "matrix seeds: {c}");
        }
    }
    let report = std::fs::read_to_string(out.join("matrix/report.md")).unwrap();
    for a in ["tanh", "sigmoid", "relu"] {
        assert!(
            report.contains(&format!("## {a} — best: `")),
            "verdict for {a}"
        );
    }
    let heatmap = std::fs::read_to_string(out.join("matrix/heatmap.svg")).unwrap();
    assert!(heatmap.contains("lsuv") && heatmap.contains("pretrain"));

    let pretrain = json(&out.join("pretrain/summary.json"));
    for r in pretrain["runs"].as_array().unwrap() {
        let layers = r["pretrain_losses"].as_array().map_or(0, Vec::len);
        let expected = if r["init"] == "pretrain" {
            r["depth"].as_u64().unwrap() as usize
        } else {
            0
        };
        assert_eq!(layers, expected, "FVU per layer: {r}");
        for fvu in r["pretrain_losses"].as_array().into_iter().flatten() {
            let fvu = fvu.as_array().unwrap();
            assert!(
                fvu.len() >= 2,
                "FVU before and after at least one epoch: {r}"
            );
        }
    }
    let report = std::fs::read_to_string(out.join("pretrain/report.md")).unwrap();
    assert!(report.contains("## Reconstruction per layer"));
    out
}

#[test]
fn suite_all_flex_and_readme_section() {
    let Some(tiny) = tiny_dir() else { return };
    // The defaults: matrix with 3 seeds.
    let out = suite_all("flex", &tiny, &[]);
    readme_section_from(&out);
}

#[test]
fn suite_all_wgpu() {
    let Some(tiny) = tiny_dir() else { return };
    if wgpu_available() {
        suite_all("wgpu", &tiny, &["--seeds", "1"]);
    }
}

/// Sweeps give the same numbers whether their runs are trained one at a time or side by side
/// (`--jobs`), and, stacked, whatever the stack size (`--stack`), dropout runs included (Burn's
/// global device generator for `--engine single`, the host generator for stacks).
#[test]
fn jobs_and_stack_size_do_not_change_results() {
    let Some(tiny) = tiny_dir() else { return };
    let summary_of = |name: &str, extra: &[&str]| {
        let out = tmp(&format!("symmetry-{name}"));
        let mut args = vec![
            "symmetry", "--depth", "2", "--width", "8", "--scale", "quick",
        ];
        args.extend_from_slice(extra);
        let o = run(&tiny_args(&tiny, &out, &args));
        assert!(o.status.success(), "{}", stderr(&o));
        results(&out)
    };
    let single_1 = summary_of("single-jobs1", &["--engine", "single", "--jobs", "1"]);
    let single_2 = summary_of("single-jobs2", &["--engine", "single", "--jobs", "2"]);
    assert_eq!(single_1, single_2, "--engine single, --jobs 1 vs 2");
    let whole = summary_of("stacked-jobs1", &["--jobs", "1"]);
    assert_eq!(whole["runs"][0]["engine"], "stacked");
    let stack_1 = summary_of("stacked-stack1-jobs2", &["--stack", "1", "--jobs", "2"]);
    let stack_2 = summary_of("stacked-stack2-jobs2", &["--stack", "2", "--jobs", "2"]);
    assert_eq!(
        whole, stack_1,
        "stacked: whole groups, --jobs 1 vs --stack 1, --jobs 2"
    );
    assert_eq!(
        whole, stack_2,
        "stacked: whole groups, --jobs 1 vs --stack 2, --jobs 2"
    );
}

/// The README section is generated from a finished `all` run (claims, verdicts, figures),
/// between its markers.
fn readme_section_from(out: &Path) {
    let site = tmp("readme-site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("README.md"),
        "# x\n<!-- suite:begin -->\nSTALE-SECTION\n<!-- suite:end -->\ntail\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&site)
        .args(["readme-section", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let readme = std::fs::read_to_string(site.join("README.md")).unwrap();
    assert!(
        !readme.contains("STALE-SECTION") && readme.contains("`he-keeps-relu`"),
        "{readme}"
    );
    assert!(readme.ends_with("<!-- suite:end -->\ntail\n"), "{readme}");
    assert!(
        site.join("docs/figures/heatmap.svg").is_file()
            && site.join("docs/figures/std_vs_layer.svg").is_file()
    );
    // The reference `all` compares later runs with: every claim's status, and where it ran.
    let reference = json(&site.join("docs/suite-claims.json"));
    let claims = json(&out.join("claims.json"));
    assert_eq!(
        reference["claims"].as_array().map(Vec::len),
        claims.as_array().map(Vec::len),
        "{reference}"
    );
    for (r, c) in reference["claims"]
        .as_array()
        .unwrap()
        .iter()
        .zip(claims.as_array().unwrap())
    {
        assert_eq!((&r["id"], &r["status"]), (&c["id"], &c["status"]));
    }
    assert_eq!(reference["scale"], "quick", "{reference}");
    assert_eq!(reference["dataset"], "mnist-tiny", "{reference}");
    // A replicate run is listed beside it, claim by claim (the same run: every status the same).
    let o = bin()
        .current_dir(&site)
        .args([
            "readme-section",
            "--out",
            out.to_str().unwrap(),
            "--replicate",
        ])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let readme = std::fs::read_to_string(site.join("README.md")).unwrap();
    assert!(
        readme.contains("Replication") && readme.contains("| same |"),
        "{readme}"
    );
    assert!(!readme.contains("| **fragile** |"), "{readme}");
    // Without markers: a clear error, nothing written.
    std::fs::write(site.join("README.md"), "# no markers\n").unwrap();
    let o = bin()
        .current_dir(&site)
        .args(["readme-section", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        !o.status.success() && stderr(&o).contains("markers"),
        "{}",
        stderr(&o)
    );
}

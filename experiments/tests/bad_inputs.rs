//! Bad input to the command line, table-driven: every case must exit with status 1, name the bad
//! value in its message, never panic, and change no file (the output folder of a finished
//! experiment, a user's own folder, the working directory: hashed before and after each case).
//! Runs on generated data (`synthetic`, and IDX files written here), so it needs no download.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_experiments"))
}

/// A fresh folder under Cargo's temporary folder for integration tests.
fn tmp(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bad-{name}"));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Every file under `dir` (relative path → SHA-256 of its bytes; folders as `<dir>`).
fn hash_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if p.is_dir() {
                out.insert(rel, "<dir>".into());
                walk(root, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(rel, format!("{:x}", Sha256::digest(&bytes)));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Four small IDX files (MNIST layout: 28 × 28 images, 10 classes) in `dir`.
fn write_idx(dir: &Path) {
    use experiments::idx::{Images, encode_images, encode_labels, gzip};
    std::fs::create_dir_all(dir).unwrap();
    for (prefix, n) in [("train", 60usize), ("t10k", 20)] {
        let images = Images {
            count: n,
            rows: 28,
            cols: 28,
            pixels: (0..n * 784).map(|i| (i * 7 % 253) as u8).collect(),
        };
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte.gz")),
            gzip(&encode_images(&images)),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte.gz")),
            gzip(&encode_labels(&labels)),
        )
        .unwrap();
    }
}

/// One bad input: the arguments, and what the message must contain (the bad value).
struct Case {
    args: Vec<String>,
    needles: Vec<String>,
}

fn case(args: &[&str], needles: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        needles: needles.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn bad_inputs_exit_1_name_the_value_and_change_nothing() {
    let root = tmp("table");
    // The working directory of every case: README.md for `readme-section`, and the default
    // output folders (`runs/<name>`) would land here.
    std::fs::write(
        root.join("README.md"),
        "# x\n<!-- suite:begin -->\nold\n<!-- suite:end -->\n",
    )
    .unwrap();
    let p = |rel: &str| root.join(rel).to_str().unwrap().to_string();

    // A finished experiment (two runs) to rerun badly.
    let finished = p("finished");
    let small = [
        "--dataset",
        "synthetic",
        "--epochs",
        "1",
        "--depth",
        "2",
        "--width",
        "8",
    ];
    let mut first = vec!["relu-he", "--seeds", "2", "--out", &finished];
    first.extend_from_slice(&small);
    let o = bin().current_dir(&root).args(&first).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same, with a corrupt marker (if the version under test writes one).
    let corrupt_marker = p("corrupt-marker");
    copy_dir(Path::new(&finished), Path::new(&corrupt_marker));
    std::fs::write(
        Path::new(&corrupt_marker).join(".experiments.json"),
        "{\"experiment\": \"relu-he\", \"sch",
    )
    .unwrap();
    // A user's own folder, with files named like ours.
    let foreign = p("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    for f in ["config.json", "summary.json", "notes.txt"] {
        std::fs::write(Path::new(&foreign).join(f), format!("the user's own {f}\n")).unwrap();
    }
    let a_file = p("a-file");
    std::fs::write(&a_file, "not a folder\n").unwrap();
    // Data folders: good IDX files, one truncated, an empty folder.
    let good_data = p("data-good");
    write_idx(Path::new(&good_data));
    let bad_data = p("data-truncated");
    write_idx(Path::new(&bad_data));
    let victim = Path::new(&bad_data).join("train-images-idx3-ubyte.gz");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let empty_data = p("data-empty");
    std::fs::create_dir_all(&empty_data).unwrap();
    // Where new output would go: must stay absent.
    let new = p("new/out");

    // relu-he on synthetic into `new`, with `extra` (which replaces a base option of the
    // same name: clap refuses an option given twice).
    let train = |extra: &[&str]| -> Vec<String> {
        let flag = |a: &str| a.split('=').next().unwrap_or(a).to_string();
        let given: Vec<String> = extra
            .iter()
            .filter(|a| a.starts_with("--"))
            .map(|a| flag(a))
            .collect();
        let mut a = vec!["relu-he".to_string()];
        let base: Vec<&str> = ["--out", new.as_str()]
            .into_iter()
            .chain(small.iter().copied())
            .collect();
        for pair in base.chunks(2) {
            if !given.contains(&pair[0].to_string()) {
                a.extend(pair.iter().map(|s| s.to_string()));
            }
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let t = |extra: &[&str], needles: &[&str]| Case {
        args: train(extra),
        needles: needles.iter().map(|s| s.to_string()).collect(),
    };
    let rerun = |extra: &[&str], needles: &[&str]| {
        let mut args = first.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        args.extend(extra.iter().map(|s| s.to_string()));
        Case {
            args,
            needles: needles.iter().map(|s| s.to_string()).collect(),
        }
    };

    let cases = vec![
        // The findings of issue 15.
        case(
            &["activations", "--depth", "0", "--out", &new],
            &["--depth", "0"],
        ),
        case(
            &[
                "all",
                "--depth",
                "0",
                "--dataset",
                "synthetic",
                "--out",
                &new,
            ],
            &["--depth", "0"],
        ),
        t(&["--width", "100000"], &["100000"]),
        t(&["--seeds", "100000000"], &["--seeds", "100000000"]),
        t(&["--lr", "1e-50"], &["--lr", "1e-50"]),
        t(
            &["--seed", "18446744073709551615", "--seeds", "2"],
            &["--seed", "18446744073709551615"],
        ),
        case(
            &["throughput", "--batch-size", "0", "--out", &new],
            &["--batch-size", "0"],
        ),
        // Options throughput does not use (its protocol is fixed).
        case(
            &["throughput", "--batch-size", "32", "--out", &new],
            &["--batch-size", "32"],
        ),
        case(
            &["throughput", "--lr", "0.5", "--out", &new],
            &["--lr", "0.5"],
        ),
        case(
            &["throughput", "--depth", "3", "--out", &new],
            &["--depth", "3"],
        ),
        case(
            &["throughput", "--epochs", "2", "--out", &new],
            &["--epochs", "2"],
        ),
        case(
            &["throughput", "--optimizer", "adam", "--out", &new],
            &["--optimizer", "adam"],
        ),
        // Options activations does not use (no training).
        case(
            &["activations", "--epochs", "3", "--out", &new],
            &["--epochs", "3"],
        ),
        case(
            &["activations", "--lr", "0.1", "--out", &new],
            &["--lr", "0.1"],
        ),
        // Every option out of range.
        t(&["--epochs", "0"], &["--epochs", "0"]),
        t(&["--epochs", "100000000"], &["--epochs", "100000000"]),
        t(&["--batch-size", "0"], &["--batch-size", "0"]),
        t(
            &["--batch-size", "100000000"],
            &["--batch-size", "100000000"],
        ),
        t(&["--lr", "0"], &["--lr", "0"]),
        t(&["--lr=-1"], &["--lr", "-1"]),
        t(&["--lr", "nan"], &["--lr", "NaN"]),
        t(&["--lr", "inf"], &["--lr", "inf"]),
        t(&["--lr", "1e39"], &["--lr", "1e39"]),
        t(&["--momentum", "1"], &["--momentum", "1"]),
        t(&["--momentum=-0.1"], &["--momentum", "-0.1"]),
        t(
            &["--momentum", "0.99999999999"],
            &["--momentum", "0.99999999999"],
        ),
        t(&["--momentum", "nan"], &["--momentum", "NaN"]),
        t(&["--target-accuracy", "0"], &["--target-accuracy", "0"]),
        t(&["--target-accuracy", "1.5"], &["--target-accuracy", "1.5"]),
        t(&["--target-accuracy", "nan"], &["--target-accuracy", "NaN"]),
        t(&["--depth", "0"], &["--depth", "0"]),
        t(&["--depth", "100000"], &["--depth", "100000"]),
        t(&["--width", "0"], &["--width", "0"]),
        t(&["--seeds", "0"], &["--seeds", "0"]),
        t(&["--jobs", "0"], &["--jobs", "0"]),
        t(&["--jobs", "100000"], &["--jobs", "100000"]),
        t(&["--depth", "abc"], &["abc"]),
        t(&["--seeds=-1"], &["-1"]),
        t(
            &["--width", "18446744073709551616"],
            &["18446744073709551616"],
        ),
        t(&["--memory-limit", "1M"], &["--memory-limit", "1.0 MiB"]),
        t(&["--memory-limit", "lots"], &["lots"]),
        t(&["--skip", "criticality"], &["--skip", "only `all`"]),
        case(&["all", "--skip", "criticallity"], &["criticallity"]),
        case(
            &[
                "all",
                "--skip",
                "activations,symmetry,matrix,depth,pretrain,criticality",
            ],
            &["--skip", "nothing to run"],
        ),
        case(
            &[
                "matrix",
                "--seed",
                "18446744073709551615",
                "--dataset",
                "synthetic",
                "--epochs",
                "1",
                "--depth",
                "1",
                "--width",
                "2",
                "--out",
                &new,
            ],
            &["--seed", "18446744073709551615"],
        ),
        // Bad names.
        case(&["relu-hee", "--out", &new], &["hee"]),
        case(&["nonsense", "--out", &new], &["nonsense"]),
        t(&["--device", "gpu"], &["gpu"]),
        t(&["--dataset", "mnist_tiny"], &["mnist_tiny"]),
        t(&["--optimizer", "adamw"], &["adamw"]),
        // Bad data folders.
        t(
            &["--dataset", "mnist-tiny", "--data-dir", "/nonexistent-data"],
            &["/nonexistent-data"],
        ),
        t(&["--dataset", "mnist-tiny"], &["--data-dir"]),
        t(
            &["--dataset", "mnist-tiny", "--data-dir", &empty_data],
            &[&empty_data],
        ),
        t(&["--dataset", "mnist", "--data-dir", &a_file], &[&a_file]),
        t(
            &["--dataset", "mnist-tiny", "--data-dir", &bad_data],
            &["train-images-idx3-ubyte.gz"],
        ),
        // Output folders: a user's folder, a file, another experiment's, a corrupt marker, a
        // rerun with another configuration (refused before anything is written).
        t(
            &["--out", &foreign],
            &[&foreign, "not an experiments output folder"],
        ),
        t(&["--out", &a_file], &[&a_file]),
        case(&["activations", "--out", &foreign], &[&foreign]),
        case(&["throughput", "--out", &foreign], &[&foreign]),
        case(
            &[
                "all",
                "--dataset",
                "synthetic",
                "--epochs",
                "1",
                "--depth",
                "1",
                "--width",
                "2",
                "--seeds",
                "1",
                "--out",
                &foreign,
            ],
            &[&foreign],
        ),
        {
            let mut c = case(
                &["tanh-xavier", "--out", &finished],
                &["relu-he", &finished],
            );
            c.args.extend(small.iter().map(|s| s.to_string()));
            c
        },
        {
            let mut c = case(
                &["relu-he", "--seeds", "2", "--out", &corrupt_marker],
                &[".experiments.json"],
            );
            c.args.extend(small.iter().map(|s| s.to_string()));
            c
        },
        rerun(&["--lr", "0.01"], &["--force", "relu-he_normal-s0"]),
        case(&["readme-section", "--out", &foreign], &[&foreign]),
        case(&["readme-section", "--out", &finished], &[&finished, "all"]),
        case(
            &["readme-section", "--depth", "3", "--out", &finished],
            &["--depth", "3"],
        ),
    ];
    assert!(cases.len() >= 40, "{} cases", cases.len());
    eprintln!("{} bad command lines", cases.len());

    let mut failures = Vec::new();
    for c in &cases {
        let before = hash_tree(&root);
        let o = bin().current_dir(&root).args(&c.args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        let after = hash_tree(&root);
        let mut problems = Vec::new();
        if o.status.code() != Some(1) {
            problems.push(format!("exit {:?} (expected 1)", o.status.code()));
        }
        if err.contains("panicked") {
            problems.push("panicked".into());
        }
        for n in &c.needles {
            if !err.contains(n.as_str()) {
                problems.push(format!("`{n}` not in the message"));
            }
        }
        if before != after {
            let changed: Vec<&String> = before
                .keys()
                .chain(after.keys())
                .filter(|k| before.get(*k) != after.get(*k))
                .collect();
            problems.push(format!("files changed: {changed:?}"));
            // Restore the fixture for the next cases.
            for k in after.keys().filter(|k| !before.contains_key(*k)) {
                let path = root.join(k);
                let _ = std::fs::remove_dir_all(&path);
                let _ = std::fs::remove_file(&path);
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{:?}: {}\n  stderr: {}",
                c.args,
                problems.join("; "),
                err.lines().last().unwrap_or("")
            ));
        }
    }
    eprintln!("{} bad inputs", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

//! Helpers shared by the integration tests that run the `experiments` binary (each test target
//! uses its own subset of them).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The `experiments` binary of this build.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_experiments"))
}

/// A fresh, empty folder under Cargo's temporary folder for integration tests, named after the
/// test target and `name` (so test targets running at the same time do not share one).
pub fn tmp(name: &str) -> PathBuf {
    let p =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", env!("CARGO_CRATE_NAME")));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// A command's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the binary with `args` to success (the test fails, showing its standard error,
/// otherwise) and returns its standard error.
pub fn run_ok<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> String {
    let o = bin().args(args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stderr(&o)
}

/// A JSON file, parsed (the test fails, naming the file, if it cannot be read or parsed).
pub fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `summary.json` of the output folder `out` without its timings (which differ between two
/// runs of the same command).
pub fn results(out: &Path) -> Value {
    let mut s = json(&out.join("summary.json"));
    for r in s["runs"].as_array_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        r.remove("wall_seconds");
        r.remove("samples_per_second");
    }
    s
}

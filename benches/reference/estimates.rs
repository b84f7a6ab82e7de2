// Included (`include!`) by the fill bench and the training bench: criterion measures, and the
// side-by-side tables are built from what it wrote. Criterion keeps every benchmark's analysis in
// `<criterion home>/<benchmark>/new/{benchmark.json, estimates.json}` (the files `critcmp` and
// criterion's own baselines read); this reads back the ones written by the current run.

/// One benchmark's time per iteration as criterion estimated it (nanoseconds): the median of
/// the samples with its bootstrap confidence interval, and the mean.
#[derive(Debug, Clone, Copy)]
struct Estimate {
    median_ns: f64,
    lower_ns: f64,
    upper_ns: f64,
    confidence: f64,
    mean_ns: f64,
}

/// The rows of `bench-results/*.json` for `estimates`: each benchmark's id, its median, the
/// median's interval and the mean (milliseconds), marked `"source": "criterion"`.
fn record_rows(
    estimates: &std::collections::BTreeMap<String, Estimate>,
) -> impl Iterator<Item = serde_json::Value> + '_ {
    estimates.iter().map(|(id, e)| {
        serde_json::json!({
            "id": id,
            "source": "criterion",
            "median_ms": e.median_ns / 1e6,
            "median_ci_ms": [e.lower_ns / 1e6, e.upper_ns / 1e6],
            "confidence_level": e.confidence,
            "mean_ms": e.mean_ns / 1e6,
        })
    })
}

/// Criterion's output folder, found as criterion finds it: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else the target directory `cargo metadata` reports, else
/// `target/criterion`.
fn criterion_home() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return std::path::PathBuf::from(target).join("criterion");
    }
    std::env::var_os("CARGO")
        .and_then(|cargo| {
            std::process::Command::new(cargo)
                .args(["metadata", "--format-version", "1", "--no-deps"])
                .output()
                .ok()
        })
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .and_then(|m| m["target_directory"].as_str().map(std::path::PathBuf::from))
        .map_or_else(
            || std::path::PathBuf::from("target/criterion"),
            |t| t.join("criterion"),
        )
}

/// Every estimate criterion wrote under `home` since `since` (this run), by the benchmark's
/// full id (`group/function/parameter`). Earlier runs' folders, and benchmarks a filter left
/// out, are not read.
fn read_estimates(
    home: &std::path::Path,
    since: std::time::SystemTime,
) -> std::collections::BTreeMap<String, Estimate> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                && path
                    .parent()
                    .and_then(|p| p.file_name())
                    .is_some_and(|n| n == "new")
            {
                found.push(path);
            }
        }
    }
    let read = |path: &std::path::Path| {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    };
    let mut found = Vec::new();
    walk(home, &mut found);
    let mut estimates = std::collections::BTreeMap::new();
    for bench in found {
        let fresh = std::fs::metadata(&bench)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= since);
        let (Some(id), Some(est)) = (
            fresh.then(|| read(&bench)).flatten(),
            read(&bench.with_file_name("estimates.json")),
        ) else {
            continue;
        };
        let (Some(full_id), Some(median), Some(lower), Some(upper), Some(level), Some(mean)) = (
            id["full_id"].as_str(),
            est["median"]["point_estimate"].as_f64(),
            est["median"]["confidence_interval"]["lower_bound"].as_f64(),
            est["median"]["confidence_interval"]["upper_bound"].as_f64(),
            est["median"]["confidence_interval"]["confidence_level"].as_f64(),
            est["mean"]["point_estimate"].as_f64(),
        ) else {
            continue;
        };
        estimates.insert(
            full_id.to_string(),
            Estimate {
                median_ns: median,
                lower_ns: lower,
                upper_ns: upper,
                confidence: level,
                mean_ns: mean,
            },
        );
    }
    estimates
}

/// Whether criterion was asked to list or smoke-test the benchmarks (`--list`, `--test`), not to
/// measure them: then nothing is compared, and the PyTorch reference is not run either.
fn criterion_measures_nothing() -> bool {
    std::env::args().any(|a| a == "--list" || a == "--test")
}

/// The estimates criterion wrote since `started`, or `None` (said on stdout) when it wrote none:
/// `--list`, `--test`, or a filter that matched nothing.
fn estimates_of_this_run(
    started: std::time::SystemTime,
) -> Option<std::collections::BTreeMap<String, Estimate>> {
    let est = read_estimates(&criterion_home(), started);
    if est.is_empty() {
        println!(
            "\ncriterion wrote no estimates in this run (--list, --test, or a filter that matched \
             nothing): no tables, nothing recorded"
        );
        return None;
    }
    Some(est)
}

/// The machine a record was measured on: the CPU's model name (Linux), else "unknown".
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

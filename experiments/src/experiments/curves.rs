//! Shared by the suite: claims, and per-epoch curves read back from `metrics.csv` and plotted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::figure::{LinePanel, Series, line_figure};

/// A claim of the tutorial, decided by a number (the `claims.json` schema).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claim {
    /// Stable id.
    pub id: String,
    /// The claim.
    pub claim: String,
    /// What is measured.
    pub metric: String,
    /// The measured value.
    pub value: f64,
    /// Threshold.
    pub threshold: f64,
    /// Whether the run confirms it.
    pub holds: bool,
}

/// `run → [(epoch, value)]` for one `(split, metric)` of a `metrics.csv` (per-model rows only).
///
/// # Errors
/// The file cannot be read.
pub fn read_curves(
    path: &Path,
    split: &str,
    metric: &str,
) -> Result<BTreeMap<String, Vec<(usize, f64)>>> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
    let mut curves: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() == 6
            && f[2] == split
            && f[3] == metric
            && f[4].is_empty()
            && let (Ok(e), Ok(v)) = (f[1].parse(), f[5].parse())
        {
            curves.entry(f[0].to_string()).or_default().push((e, v));
        }
    }
    Ok(curves)
}

/// Writes the test-accuracy curves of the runs whose id starts with `prefix` to
/// `dir/<stem>.{svg,png}`, each labelled by the `label_segment`-th `-`-separated part of its id
/// (the initializer).
///
/// # Errors
/// The figure cannot be drawn or written.
pub fn write_run_curves(
    dir: &Path,
    stem: &str,
    title: &str,
    curves: &BTreeMap<String, Vec<(usize, f64)>>,
    prefix: &str,
    label_segment: usize,
) -> Result<()> {
    let series = curves
        .iter()
        .filter(|(run, _)| run.starts_with(prefix))
        .map(|(run, p)| {
            Series::new(
                run.split('-').nth(label_segment).unwrap_or(run),
                p.iter().map(|&(e, v)| (e as f64, v)).collect(),
            )
        })
        .collect();
    let panel = LinePanel {
        x_label: "epoch".into(),
        y_label: "test accuracy".into(),
        series,
        ..LinePanel::default()
    };
    line_figure(dir, stem, title, &[panel], 1)
}

/// Prints one line per claim (the terminal summary of a suite experiment).
pub fn print_claims(claims: &[Claim]) {
    for c in claims {
        println!(
            "{:<28} {:<5} {:.4e} (threshold {})  {}",
            c.id,
            if c.holds { "holds" } else { "fails" },
            c.value,
            c.threshold,
            c.metric
        );
    }
}

/// A measured value with its significant digits, small or large.
pub fn fmt_value(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-2 || v.abs() >= 1e4) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

/// The claims table of a report.
pub fn claims_table(claims: &[Claim]) -> String {
    let mut r = String::from(
        "| id | claim | metric | value | threshold | confirmed |\n|---|---|---|---|---|---|\n",
    );
    for c in claims {
        let _ = writeln!(
            r,
            "| `{}` | {} | {} | {} | {} | {} |",
            c.id,
            c.claim,
            c.metric,
            fmt_value(c.value),
            c.threshold,
            if c.holds { "yes" } else { "no" }
        );
    }
    r
}

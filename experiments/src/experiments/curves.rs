//! Shared by the suite: claims, per-epoch curves read back from `metrics.csv`, and a line plot.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Result;

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
/// The file cannot be read, or a row is malformed ([`crate::record::read_metrics`]).
pub fn read_curves(
    path: &Path,
    split: &str,
    metric: &str,
) -> Result<BTreeMap<String, Vec<(usize, f64)>>> {
    let mut curves: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    for row in crate::record::read_metrics(path)? {
        if row.split == split && row.metric == metric && row.layer.is_none() {
            curves
                .entry(row.run)
                .or_default()
                .push((row.epoch, row.value));
        }
    }
    Ok(curves)
}

/// `run → [(epoch, layer, value)]`.
pub type LayerCurves = BTreeMap<String, Vec<(usize, usize, f64)>>;

/// `run → [(epoch, layer, value)]` for one per-layer `(split, metric)` of a `metrics.csv`.
///
/// # Errors
/// The file cannot be read.
pub fn read_layer_curves(path: &Path, split: &str, metric: &str) -> Result<LayerCurves> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
    let mut curves: LayerCurves = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() == 6
            && f[2] == split
            && f[3] == metric
            && let (Ok(e), Ok(l), Ok(v)) = (f[1].parse(), f[4].parse(), f[5].parse())
        {
            curves.entry(f[0].to_string()).or_default().push((e, l, v));
        }
    }
    Ok(curves)
}

/// Writes the test-accuracy curves of the runs whose id starts with `prefix` to
/// `dir/<stem>.{svg,png}`, each
/// labelled by the `label_segment`-th `-`-separated part of its id (the initializer).
///
/// # Errors
/// The file cannot be written.
pub fn write_run_curves(
    dir: &Path,
    stem: &str,
    title: &str,
    curves: &BTreeMap<String, Vec<(usize, f64)>>,
    prefix: &str,
    label_segment: usize,
) -> Result<()> {
    let plot: Vec<(String, Vec<(usize, f64)>)> = curves
        .iter()
        .filter(|(run, _)| run.starts_with(prefix))
        .map(|(run, p)| {
            (
                run.split('-').nth(label_segment).unwrap_or(run).to_string(),
                p.clone(),
            )
        })
        .collect();
    crate::figure::write_figure(
        dir,
        stem,
        &line_plot_svg(title, "epoch", "test accuracy", &plot),
    )
}

/// A line plot (SVG) of `curves` (label → points), linear axes from the data.
pub fn line_plot_svg(
    title: &str,
    x_label: &str,
    y_label: &str,
    curves: &[(String, Vec<(usize, f64)>)],
) -> String {
    let (w, h, m) = (640.0, 360.0, 55.0);
    let colors = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f",
    ];
    let finite = curves
        .iter()
        .flat_map(|(_, p)| p.iter())
        .filter(|(_, v)| v.is_finite());
    let (mut x1, mut y0, mut y1) = (1usize, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in finite {
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if y0.is_nan() || y1.is_nan() || y0 >= y1 {
        let base = if y0.is_finite() { y0 } else { 0.0 };
        (y0, y1) = (base.min(0.0), base.max(0.0) + 1.0);
    }
    let px = |x: usize| m + x as f64 / x1 as f64 * (w - 2.0 * m - 120.0);
    let py = |y: f64| h - m - (y.clamp(y0, y1) - y0) / (y1 - y0) * (h - 2.0 * m);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="18" text-anchor="middle" font-size="13">{title}</text>"#,
        w / 2.0
    );
    let _ = writeln!(
        s,
        r#"<line x1="{m}" y1="{}" x2="{}" y2="{}" stroke="black"/><line x1="{m}" y1="{m}" x2="{m}" y2="{}" stroke="black"/>"#,
        h - m,
        w - m - 120.0,
        h - m,
        h - m
    );
    for k in 0..=4 {
        let y = y0 + (y1 - y0) * k as f64 / 4.0;
        let label = if (y1 - y0) >= 0.04 || y == 0.0 {
            format!("{y:.3}")
        } else {
            format!("{y:.3e}")
        };
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{label}</text>"#,
            m - 4.0,
            py(y) + 4.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{x_label} (0 … {x1})</text>"#,
        (w - 120.0) / 2.0,
        h - 15.0
    );
    let _ = writeln!(
        s,
        r#"<text x="14" y="{}" transform="rotate(-90 14 {})" text-anchor="middle">{y_label}</text>"#,
        h / 2.0,
        h / 2.0
    );
    for (k, (label, pts)) in curves.iter().enumerate() {
        let c = colors[k % colors.len()];
        let line: Vec<String> = pts
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{}"/>"#,
            line.join(" ")
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" fill="{c}">{label}</text>"#,
            w - m - 110.0,
            m + 14.0 * k as f64
        );
    }
    s.push_str("</svg>\n");
    s
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

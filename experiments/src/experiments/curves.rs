//! Shared by the suite: per-epoch curves read back from `metrics.csv` and plotted.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Result;
use crate::figure::{LinePanel, RefLine, Series, line_figure};

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
/// The file cannot be read, or a row is malformed ([`crate::record::read_metrics`]).
pub fn read_layer_curves(path: &Path, split: &str, metric: &str) -> Result<LayerCurves> {
    let mut curves: LayerCurves = BTreeMap::new();
    for row in crate::record::read_metrics(path)? {
        if row.split == split
            && row.metric == metric
            && let Some(layer) = row.layer
        {
            curves
                .entry(row.run)
                .or_default()
                .push((row.epoch, layer, row.value));
        }
    }
    Ok(curves)
}

/// One panel of `curves` (label → `(epoch, value)` points), with a grey dashed chance line when
/// `chance` is given, written to `dir/<stem>.{svg,png}`.
///
/// # Errors
/// The figure cannot be drawn or written.
pub fn curves_figure(
    dir: &Path,
    stem: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    curves: &[(String, Vec<(usize, f64)>)],
    chance: Option<f64>,
) -> Result<()> {
    let panel = LinePanel {
        x_label: x_label.into(),
        y_label: y_label.into(),
        series: curves
            .iter()
            .map(|(label, p)| {
                Series::new(
                    label.clone(),
                    p.iter().map(|&(e, v)| (e as f64, v)).collect(),
                )
            })
            .collect(),
        reference_lines: chance
            .into_iter()
            .map(|y| RefLine {
                label: "chance".into(),
                y,
            })
            .collect(),
        ..LinePanel::default()
    };
    line_figure(dir, stem, title, &[panel], 1)
}

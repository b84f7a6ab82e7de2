//! Figures: the experiments describe a chart by its data ([`LinePanel`], [`Heatmap`],
//! [`HistogramPanel`]); this module draws it with `plotters`, twice from the same description:
//! as SVG (text kept as text) and as PNG at [`PNG_SCALE`] times the size, with text rasterized
//! from an embedded DejaVu Sans subset through plotters' `ab_glyph` font backend (no system
//! fonts, so a fresh machine renders the same pixels). Both files are written atomically.
//!
//! ```no_run
//! # use experiments::figure::{line_figure, LinePanel, Series};
//! # fn main() -> experiments::error::Result<()> {
//! let panel = LinePanel {
//!     title: "tanh".into(),
//!     x_label: "epoch".into(),
//!     y_label: "test accuracy".into(),
//!     series: vec![
//!         Series::new("glorot", vec![(0.0, 0.1), (1.0, 0.8), (2.0, 0.9)]),
//!         Series::new("theory", vec![(0.0, 0.1), (2.0, 0.95)]).dashed().color(0),
//!     ],
//!     ..LinePanel::default()
//! };
//! line_figure(std::path::Path::new("out"), "accuracy", "one run", &[panel], 1)?;
//! # Ok(()) }
//! ```

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::record::write_atomic;

/// DejaVu Sans cut down to Latin-1, Greek, arrows and the math symbols the figures use
/// (28 KB; license in `assets/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// PNGs are rendered at twice the SVG's size, so they stay sharp on high-density screens.
pub const PNG_SCALE: u32 = 2;

/// Line colors (matplotlib's `tab10`), picked by [`Series::color`] or by position.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (0x1f, 0x77, 0xb4),
    (0xd6, 0x27, 0x28),
    (0x2c, 0xa0, 0x2c),
    (0x94, 0x67, 0xbd),
    (0xff, 0x7f, 0x0e),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x7f, 0x7f, 0x7f),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
];

/// How a [`Series`] marks each of its points (besides or instead of its line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle (a measurement).
    Dot,
    /// An open circle.
    Ring,
    /// An open square (a second kind of estimate beside the dots).
    Square,
}

/// One line of a [`LinePanel`]: `points` as `(x, y)`; non-finite points (and, on a log axis,
/// non-positive coordinates) break the line instead of being drawn. Optionally a [`Marker`] at
/// every point, no line at all (points only), and an error bar `errors[k] = (lo, hi)` through
/// point `k`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend entry; an empty label keeps the line out of the legend. A labelled series without
    /// points draws nothing and serves as a legend key.
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Dashed (a prediction) rather than solid (a measurement).
    pub dashed: bool,
    /// Index into [`PALETTE`] (wrapping); `None`: the series' position in its panel.
    pub color: Option<usize>,
    /// A marker at every drawable point.
    pub marker: Option<Marker>,
    /// Points only: no line between them.
    pub no_line: bool,
    /// Vertical error bars, `(lo, hi)` per point (the same index as `points`; extra entries are
    /// ignored, missing or non-finite ones draw no bar). On a log y axis a non-positive `lo`
    /// reaches the bottom of the panel.
    pub errors: Vec<(f64, f64)>,
}

impl Series {
    /// A solid line.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.into(),
            points,
            ..Self::default()
        }
    }

    /// Drawn dashed.
    #[must_use]
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// Drawn in `PALETTE[k % 10]` (to pair a prediction with its measurement).
    #[must_use]
    pub fn color(mut self, k: usize) -> Self {
        self.color = Some(k);
        self
    }

    /// A `marker` at every point.
    #[must_use]
    pub fn marker(mut self, marker: Marker) -> Self {
        self.marker = Some(marker);
        self
    }

    /// Points only (a `marker` at each), no line.
    #[must_use]
    pub fn points_only(mut self, marker: Marker) -> Self {
        self.marker = Some(marker);
        self.no_line = true;
        self
    }

    /// Error bars `(lo, hi)`, one per point.
    #[must_use]
    pub fn errors(mut self, errors: Vec<(f64, f64)>) -> Self {
        self.errors = errors;
        self
    }
}

/// A horizontal reference line (a chance level, a threshold), drawn grey and dashed across the
/// panel and named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct RefLine {
    /// Legend entry.
    pub label: String,
    /// Where.
    pub y: f64,
}

/// A vertical reference line (a predicted critical value), drawn dashed from the bottom to the
/// top of the panel and named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct VerticalLine {
    /// Legend entry (empty: none).
    pub label: String,
    /// Where.
    pub x: f64,
    /// Index into [`PALETTE`]; `None`: grey.
    pub color: Option<usize>,
}

/// A shaded band between two curves (a quantile range, a confidence band): `points` as
/// `(x, lo, hi)`, filled in a translucent color. A point with a non-finite coordinate breaks
/// the band; on a log y axis a non-positive `lo` reaches the bottom of the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend entry (empty: none).
    pub label: String,
    /// `(x, lo, hi)`, in drawing order.
    pub points: Vec<(f64, f64, f64)>,
    /// Index into [`PALETTE`]; `None`: the band's position in its panel.
    pub color: Option<usize>,
    /// Opacity in `[0, 1]` (overlapping bands darken).
    pub opacity: f64,
}

/// One panel of a [`line_figure`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinePanel {
    /// Panel title.
    pub title: String,
    /// x axis label (empty: none, and a narrower margin, for panels inside a grid).
    pub x_label: String,
    /// y axis label (empty: none, and a narrower margin).
    pub y_label: String,
    /// Logarithmic x axis (values `<= 0` are left out).
    pub log_x: bool,
    /// Logarithmic y axis (values `<= 0` are left out).
    pub log_y: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// Shaded bands, drawn beneath the lines.
    pub bands: Vec<Band>,
    /// Horizontal reference lines.
    pub reference_lines: Vec<RefLine>,
    /// Vertical reference lines.
    pub vertical_lines: Vec<VerticalLine>,
    /// Fixed x range `(low, high)`; `None`: from the data (and the vertical lines). Points
    /// outside a fixed range are drawn at its edge.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range `(low, high)`; `None`: from the data (and the reference lines). Points
    /// outside a fixed range are drawn at its edge.
    pub y_range: Option<(f64, f64)>,
    /// Where the x axis has ticks (those inside the range); empty: chosen from the range.
    pub x_ticks: Vec<f64>,
}

/// How a [`line_figure_with`] arranges its panels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// Panels per row.
    pub columns: usize,
    /// Width of one panel, in SVG pixels.
    pub panel_width: f64,
    /// Height of one panel, in SVG pixels.
    pub panel_height: f64,
}

impl Layout {
    /// `columns` panels per row, each of the default size (380 × 290).
    pub fn columns(columns: usize) -> Self {
        Self {
            columns,
            panel_width: PANEL_W,
            panel_height: PANEL_H,
        }
    }

    /// Panels of `width × height` SVG pixels (small panels for a grid of many).
    #[must_use]
    pub fn panel_size(mut self, width: f64, height: f64) -> Self {
        self.panel_width = width;
        self.panel_height = height;
        self
    }
}

/// One panel of a [`histogram_figure`]: `counts` of equal-width bins spanning `[low, high]`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramPanel {
    /// Panel title.
    pub title: String,
    /// Left edge of the first bin.
    pub low: f64,
    /// Right edge of the last bin.
    pub high: f64,
    /// Count per bin.
    pub counts: Vec<u64>,
}

/// A grid of values (see [`heatmap`]): `values[row][column]`, `None` for a missing cell.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Figure title.
    pub title: String,
    /// Label under the columns.
    pub x_label: String,
    /// Label beside the rows.
    pub y_label: String,
    /// One per row, top to bottom.
    pub row_labels: Vec<String>,
    /// One per column, left to right.
    pub col_labels: Vec<String>,
    /// `values[row][column]`.
    pub values: Vec<Vec<Option<f64>>>,
    /// Values mapped to the color scale, white (`low`) to dark green (`high`); values outside
    /// are clamped.
    pub value_range: (f64, f64),
    /// Writes each cell's value in it, formatted by this function (also the color bar's ticks).
    pub annotate: Option<fn(f64) -> String>,
    /// A curve drawn over the grid, in cell units: `x` from 0 (left edge of the first column)
    /// to the number of columns, `y` from 0 (top edge of the first row) to the number of rows;
    /// cell `(row r, column c)` spans `[c, c + 1] × [r, r + 1]`.
    pub overlay: Option<Series>,
}

fn figure_error(stem: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Figure(format!("{stem}: {e}"))
}

/// Registers the embedded font under every family name plotters asks for, once.
fn font_ready() -> Result<()> {
    static READY: OnceLock<bool> = OnceLock::new();
    let ok = *READY.get_or_init(|| {
        ["sans-serif", "serif", "monospace"]
            .iter()
            .all(|family| plotters::style::register_font(family, FontStyle::Normal, FONT).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Figure("the embedded font does not parse".into()))
    }
}

/// Something drawn at a scale `s` (1 for the SVG, [`PNG_SCALE`] for the PNG) on any backend.
trait Chart {
    /// Size in SVG pixels.
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: f64) -> Drawn<DB>;
}

type Drawn<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws a figure's title, centred in the title band of a figure `width` pixels wide.
fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    width: u32,
    s: f64,
) -> Drawn<DB> {
    root.draw(&Text::new(
        title.to_string(),
        (px(f64::from(width) / 2.0, s), px(FIG_TITLE_H / 2.0, s)),
        font(TITLE_PX, s).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
}

fn check_stem(stem: &str) -> Result<()> {
    if stem.is_empty() || stem.contains(['/', '\\']) || stem.starts_with('.') {
        return Err(Error::Figure(format!(
            "`{stem}` is not a file stem (empty, a path, or hidden)"
        )));
    }
    Ok(())
}

/// Renders `chart` to SVG text and PNG bytes.
fn render(stem: &str, chart: &impl Chart) -> Result<(String, Vec<u8>)> {
    font_ready()?;
    let err = figure_error(stem);
    let (w, h) = chart.size();
    if w == 0 || h == 0 || w > 20_000 || h > 20_000 {
        return Err(err(format!("a {w} × {h} figure")));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        chart.draw(&root, 1.0).map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let (pw, ph) = (w * PNG_SCALE, h * PNG_SCALE);
    let mut rgb = vec![255u8; pw as usize * ph as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (pw, ph)).into_drawing_area();
        chart
            .draw(&root, f64::from(PNG_SCALE))
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, pw, ph);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| err(format!("PNG: {e}")))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| err(format!("PNG: {e}")))?;
        writer.finish().map_err(|e| err(format!("PNG: {e}")))?;
    }
    Ok((svg, png))
}

/// Renders `chart` and writes `dir/<stem>.svg` and `dir/<stem>.png`, each atomically.
fn write(dir: &Path, stem: &str, chart: &impl Chart) -> Result<()> {
    check_stem(stem)?;
    let (svg, png) = render(stem, chart)?;
    write_atomic(&dir.join(format!("{stem}.svg")), svg.as_bytes())?;
    write_atomic(&dir.join(format!("{stem}.png")), &png)
}

/// The Markdown that shows a figure in a report: the PNG inline (every viewer shows it) and a
/// link to the SVG.
pub fn markdown(alt: &str, stem: &str) -> String {
    format!("![{alt}]({stem}.png) ([SVG]({stem}.svg))")
}

// ---------------------------------------------------------------------------------------------
// Shared drawing helpers.

const TITLE_PX: f64 = 17.0;
const PANEL_TITLE_PX: f64 = 15.0;
const LABEL_PX: f64 = 14.0;
const TICK_PX: f64 = 12.5;

fn px(v: f64, s: f64) -> i32 {
    (v * s).round() as i32
}

fn font(size: f64, s: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size * s).into_font()).color(&BLACK)
}

fn palette(k: usize) -> RGBColor {
    let (r, g, b) = PALETTE[k % PALETTE.len()];
    RGBColor(r, g, b)
}

const GREY: RGBColor = RGBColor(0x80, 0x80, 0x80);

/// Width of `text` in SVG pixels at font size `size` (an estimate when the font cannot say).
fn text_width(text: &str, size: f64) -> f64 {
    ("sans-serif", size)
        .into_font()
        .box_size(text)
        .map_or(0.6 * size * text.chars().count() as f64, |(w, _)| {
            f64::from(w)
        })
}

/// A tick label: integers as integers, small and large values in scientific notation, others
/// with at most four decimals.
pub fn tick_label(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.1e}").replace(".0e", "e");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A tick label on a log axis whose coordinate is `log10(v)`: `0.01` … `1000` written out,
/// `1e-4`, `1e5` beyond, the value itself between decades.
fn log_tick_label(e: f64) -> String {
    if (e - e.round()).abs() < 1e-9 {
        match e.round() as i32 {
            k @ -2..=3 => tick_label(10f64.powi(k)),
            k => format!("1e{k}"),
        }
    } else {
        tick_label(10f64.powf(e))
    }
}

/// The round step nearest `span / target`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let nice = if m < 1.5 {
        1.0
    } else if m < 2.25 {
        2.0
    } else if m < 3.5 {
        2.5
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Tick positions on an axis spanning `lo..hi`, about `target` of them, in axis coordinates
/// (`log10` of the value on a log axis): multiples of a round step on a linear axis (whole
/// numbers on an `integer` one); on a log axis 1, 2, 5 times each decade when the axis spans at
/// most 2.5 decades, else every decade or every few.
fn ticks(lo: f64, hi: f64, log: bool, integer: bool, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Vec::new();
    }
    let inside = |v: f64| v >= lo - 1e-9 * (hi - lo) && v <= hi + 1e-9 * (hi - lo);
    if log {
        let (a, b) = (lo.floor() as i32, hi.ceil() as i32);
        let out: Vec<f64> = if hi - lo <= 2.5 {
            (a..=b)
                .flat_map(|k| [1.0f64, 2.0, 5.0].map(|m| f64::from(k) + m.log10()))
                .filter(|&v| inside(v))
                .collect()
        } else {
            let step = ((b - a + 1) as usize).div_ceil(target.max(1) + 1).max(1);
            (a..=b)
                .filter(|k| ((k - a) as usize).is_multiple_of(step))
                .map(f64::from)
                .filter(|&v| inside(v))
                .collect()
        };
        if out.len() >= 2 {
            return out;
        }
        // Less than a factor of 2 wide: round values on the linear scale.
        let (v0, v1) = (10f64.powf(lo), 10f64.powf(hi));
        return ticks(v0, v1, false, false, target)
            .into_iter()
            .filter(|&v| v > 0.0)
            .map(f64::log10)
            .collect();
    }
    let mut step = nice_step(hi - lo, target);
    if integer && step < 1.0 {
        step = 1.0;
    } else if integer && step == 2.5 {
        step = 2.0;
    }
    let (k0, k1) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    (k0..=k1)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < 1e-12 * step { 0.0 } else { v }
        })
        .collect()
}

/// A short horizontal line sample for a legend entry.
fn legend_sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    len: i32,
    style: ShapeStyle,
    dashed: bool,
    s: f64,
) -> Drawn<DB> {
    if dashed {
        area.draw(&DashedPathElement::new(
            vec![(x, y), (x + len, y)],
            px(5.0, s) as u32,
            px(3.0, s) as u32,
            style,
        ))
    } else {
        area.draw(&PathElement::new(vec![(x, y), (x + len, y)], style))
    }
}

// ---------------------------------------------------------------------------------------------
// Line figures.

const PANEL_W: f64 = 380.0;
const PANEL_H: f64 = 290.0;
const FIG_TITLE_H: f64 = 34.0;
const LEGEND_ROW: f64 = 19.0;
/// Radius of a marker, in SVG pixels.
const MARKER_R: f64 = 2.8;

/// One legend entry: a line sample (`Some(dashed)`), a marker, or a filled box (a band of this
/// opacity).
#[derive(Debug, Clone, PartialEq)]
struct LegendEntry {
    label: String,
    color: RGBColor,
    line: Option<bool>,
    marker: Option<Marker>,
    fill: Option<f64>,
}

impl LegendEntry {
    /// An entry with neither line, marker nor fill (each caller sets what it draws).
    fn new(label: &str, color: RGBColor) -> Self {
        Self {
            label: label.into(),
            color,
            line: None,
            marker: None,
            fill: None,
        }
    }

    fn line(label: &str, color: RGBColor, dashed: bool) -> Self {
        Self {
            line: Some(dashed),
            ..Self::new(label, color)
        }
    }
}

/// The items with a non-empty `label` (those with a legend entry), each with its position in
/// `items` (which picks its default color).
fn labelled<T>(items: &[T], label: fn(&T) -> &str) -> impl Iterator<Item = (usize, &T)> {
    items
        .iter()
        .enumerate()
        .filter(move |(_, x)| !label(x).is_empty())
}

struct LineFigure<'a> {
    title: &'a str,
    panels: &'a [LinePanel],
    layout: Layout,
    legend: Vec<LegendEntry>,
    legend_w: f64,
}

fn series_color(series: &Series, position: usize) -> RGBColor {
    palette(series.color.unwrap_or(position))
}

/// A value on an axis (`log10` of it on a log axis), `None` where not drawable.
fn axis(log: bool, v: f64) -> Option<f64> {
    let v = if log {
        (v > 0.0).then(|| v.log10())?
    } else {
        v
    };
    v.is_finite().then_some(v)
}

/// The low end of an error bar or band on an axis: as [`axis`], but a non-positive value on a
/// log axis is `-∞` (drawn at the bottom of the panel).
fn lower(log: bool, v: f64) -> Option<f64> {
    if log && v <= 0.0 {
        Some(f64::NEG_INFINITY)
    } else {
        axis(log, v)
    }
}

/// `(x, y)` on the panel's axes, `None` where not drawable.
fn transform(p: &LinePanel, (x, y): (f64, f64)) -> Option<(f64, f64)> {
    Some((axis(p.log_x, x)?, axis(p.log_y, y)?))
}

/// A range around `lo..hi` that plotters can draw: finite, not empty, padded by `pad` of its
/// width.
fn drawable_range(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * lo.abs().max(1.0) {
        let half = (lo.abs() * 0.1).max(0.5);
        return (lo - half, hi + half);
    }
    let p = (hi - lo) * pad;
    (lo - p, hi + p)
}

/// The smallest and largest finite value, padded (`(0, 1)` when there is none).
fn span(values: &[f64], pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if lo.is_finite() {
        drawable_range(lo, hi, pad)
    } else {
        (0.0, 1.0)
    }
}

/// The x and y ranges of a panel, on its axes: the fixed ones where given (and valid), else
/// from every drawable point, error bar, band and reference line.
fn panel_ranges(p: &LinePanel) -> ((f64, f64), (f64, f64)) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for s in &p.series {
        for (k, &q) in s.points.iter().enumerate() {
            if let Some((x, y)) = transform(p, q) {
                xs.push(x);
                ys.push(y);
                if let Some(&(lo, hi)) = s.errors.get(k) {
                    ys.extend(lower(p.log_y, lo));
                    ys.extend(axis(p.log_y, hi));
                }
            }
        }
    }
    for b in &p.bands {
        for &(x, lo, hi) in &b.points {
            if let (Some(x), Some(hi)) = (axis(p.log_x, x), axis(p.log_y, hi)) {
                xs.push(x);
                ys.push(hi);
                ys.extend(lower(p.log_y, lo));
            }
        }
    }
    xs.extend(p.vertical_lines.iter().filter_map(|v| axis(p.log_x, v.x)));
    ys.extend(p.reference_lines.iter().filter_map(|r| axis(p.log_y, r.y)));
    let fixed = |range: Option<(f64, f64)>, log: bool| {
        range.and_then(|(lo, hi)| {
            let (lo, hi) = (axis(log, lo)?, axis(log, hi)?);
            (lo < hi).then_some((lo, hi))
        })
    };
    let marked = p
        .series
        .iter()
        .any(|s| s.marker.is_some() || !s.errors.is_empty());
    let x = fixed(p.x_range, p.log_x).unwrap_or_else(|| span(&xs, if marked { 0.03 } else { 0.0 }));
    let y = fixed(p.y_range, p.log_y).unwrap_or_else(|| span(&ys, 0.05));
    (x, y)
}

/// Whether every drawable x of the panel is a whole number (layer indices, epochs).
fn integer_x(p: &LinePanel) -> bool {
    !p.log_x
        && p.series
            .iter()
            .flat_map(|s| s.points.iter())
            .all(|&(x, _)| !x.is_finite() || x.fract() == 0.0)
}

/// Splits `items` into runs of consecutive drawable ones (`draw` gives `None` for one that is
/// not drawable, which ends a run).
fn drawable_runs<T, U>(
    items: impl IntoIterator<Item = T>,
    draw: impl Fn(T) -> Option<U>,
) -> Vec<Vec<U>> {
    let mut out: Vec<Vec<U>> = vec![Vec::new()];
    for item in items {
        match draw(item) {
            Some(q) => out.last_mut().map_or((), |run| run.push(q)),
            None => {
                if out.last().is_some_and(|run| !run.is_empty()) {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|run| !run.is_empty());
    out
}

/// Splits points into runs of drawable points (a gap where one is not drawable).
fn segments(p: &LinePanel, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    drawable_runs(points.iter().copied(), |q| transform(p, q))
}

/// Splits a band into runs of drawable `(x, lo, hi)` (on the axes).
fn band_runs(p: &LinePanel, band: &Band) -> Vec<Vec<(f64, f64, f64)>> {
    drawable_runs(band.points.iter().copied(), |(x, lo, hi)| {
        Some((axis(p.log_x, x)?, lower(p.log_y, lo)?, axis(p.log_y, hi)?))
    })
}

/// A linear `f64` axis over `range` with ticks (and grid lines) at `ticks` only.
struct Ticked {
    range: (f64, f64),
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, (a, b): (i32, i32)) -> i32 {
        let (lo, hi) = self.range;
        let t = (v - lo) / (hi - lo);
        if !t.is_finite() {
            return if t > 0.0 { b } else { a };
        }
        a + (f64::from(b - a) * t + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.0..self.range.1
    }
}

/// Draws `marker` centred on `at` (chart coordinates) in `color`.
fn draw_marker<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    area: &DrawingArea<DB, CT>,
    at: (f64, f64),
    marker: Marker,
    color: RGBColor,
    radius: f64,
    s: f64,
) -> Drawn<DB> {
    let r = px(radius, s).max(1);
    let stroke = color.stroke_width(px(1.3, s).max(1) as u32);
    match marker {
        Marker::Dot => area.draw(&Circle::new(at, r, color.filled())),
        Marker::Ring => area.draw(&Circle::new(at, r, stroke)),
        Marker::Square => {
            area.draw(&(EmptyElement::at(at) + Rectangle::new([(-r, -r), (r, r)], stroke)))
        }
    }
}

impl LineFigure<'_> {
    fn grid(&self) -> (usize, usize) {
        let cols = self.layout.columns.clamp(1, self.panels.len().max(1));
        (self.panels.len().div_ceil(cols).max(1), cols)
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &LinePanel,
        s: f64,
    ) -> Drawn<DB> {
        let ((x0, x1), (y0, y1)) = panel_ranges(p);
        let clip = |(x, y): (f64, f64)| (x.clamp(x0, x1), y.clamp(y0, y1));
        let x_area = if p.x_label.is_empty() { 26.0 } else { 44.0 };
        let y_area = if p.y_label.is_empty() { 50.0 } else { 66.0 };
        let mut builder = ChartBuilder::on(area);
        let mut title_h = 0.0;
        if !p.title.is_empty() {
            builder.caption(&p.title, font(PANEL_TITLE_PX, s));
            title_h = PANEL_TITLE_PX + 8.0;
        }
        // About one x tick per 70 pixels, one y tick per 45.
        let plot_w = self.layout.panel_width - y_area - 16.0;
        let plot_h = self.layout.panel_height - x_area - 16.0 - title_h;
        let x_ticks = if p.x_ticks.is_empty() {
            let target = (plot_w / 70.0).floor().clamp(2.0, 10.0) as usize;
            ticks(x0, x1, p.log_x, integer_x(p), target)
        } else {
            p.x_ticks
                .iter()
                .filter_map(|&v| axis(p.log_x, v))
                .filter(|v| (x0..=x1).contains(v))
                .collect()
        };
        let y_ticks = ticks(
            y0,
            y1,
            p.log_y,
            false,
            (plot_h / 45.0).floor().clamp(2.0, 6.0) as usize,
        );
        let mut chart = builder
            .margin(px(8.0, s))
            .x_label_area_size(px(x_area, s))
            .y_label_area_size(px(y_area, s))
            .build_cartesian_2d(
                Ticked {
                    range: (x0, x1),
                    ticks: x_ticks,
                },
                Ticked {
                    range: (y0, y1),
                    ticks: y_ticks,
                },
            )?;
        let (log_x, log_y) = (p.log_x, p.log_y);
        let x_fmt = |v: &f64| {
            if log_x {
                log_tick_label(*v)
            } else {
                tick_label(*v)
            }
        };
        let y_fmt = |v: &f64| {
            if log_y {
                log_tick_label(*v)
            } else {
                tick_label(*v)
            }
        };
        chart
            .configure_mesh()
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(font(TICK_PX, s))
            .axis_desc_style(font(LABEL_PX, s))
            .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4).stroke_width(px(1.0, s) as u32))
            .light_line_style(TRANSPARENT)
            .axis_style(BLACK.stroke_width(px(1.0, s).max(1) as u32))
            .draw()?;
        let plot = chart.plotting_area();
        for (k, band) in p.bands.iter().enumerate() {
            let color = palette(band.color.unwrap_or(k)).mix(band.opacity.clamp(0.0, 1.0));
            for run in band_runs(p, band) {
                let outline: Vec<(f64, f64)> = run
                    .iter()
                    .map(|&(x, _, hi)| clip((x, hi)))
                    .chain(run.iter().rev().map(|&(x, lo, _)| clip((x, lo))))
                    .collect();
                plot.draw(&Polygon::new(outline, color.filled()))?;
            }
        }
        let dash = |pts: Vec<(f64, f64)>, style: ShapeStyle| {
            DashedPathElement::new(pts, px(6.0, s) as u32, px(4.0, s) as u32, style)
        };
        for r in &p.reference_lines {
            if let Some(y) = axis(log_y, r.y) {
                let style = GREY.stroke_width(px(1.5, s).max(1) as u32);
                plot.draw(&dash(vec![clip((x0, y)), clip((x1, y))], style))?;
            }
        }
        for v in &p.vertical_lines {
            if let Some(x) = axis(log_x, v.x).filter(|x| (x0..=x1).contains(x)) {
                let color = v.color.map_or(GREY, palette);
                let style = color.stroke_width(px(1.5, s).max(1) as u32);
                plot.draw(&dash(vec![(x, y0), (x, y1)], style))?;
            }
        }
        // Markers shrink with the panel (down to 60 %), so small panels stay readable.
        let radius = MARKER_R * (self.layout.panel_width / PANEL_W).sqrt().clamp(0.6, 1.0);
        let mut drawn = 0;
        for (k, series) in p.series.iter().enumerate() {
            let color = series_color(series, k);
            let width = if series.dashed { 1.5 } else { 2.2 };
            let style = color.stroke_width(px(width, s).max(1) as u32);
            for run in segments(p, &series.points) {
                drawn += run.len();
                let run: Vec<(f64, f64)> = run.into_iter().map(clip).collect();
                if series.no_line {
                } else if run.len() == 1 {
                    if series.marker.is_none() {
                        plot.draw(&Circle::new(run[0], px(3.0, s), color.filled()))?;
                    }
                } else if series.dashed {
                    plot.draw(&dash(run, style))?;
                } else {
                    plot.draw(&PathElement::new(run, style))?;
                }
            }
            let bar = color.stroke_width(px(1.2, s).max(1) as u32);
            for (&q, &(lo, hi)) in series.points.iter().zip(&series.errors) {
                if let (Some((x, _)), Some(lo), Some(hi)) =
                    (transform(p, q), lower(log_y, lo), axis(log_y, hi))
                {
                    plot.draw(&PathElement::new(vec![clip((x, lo)), clip((x, hi))], bar))?;
                }
            }
            if let Some(marker) = series.marker {
                for q in series.points.iter().filter_map(|&q| transform(p, q)) {
                    draw_marker(plot, clip(q), marker, color, radius, s)?;
                }
            }
        }
        if drawn == 0 && p.bands.iter().all(|b| band_runs(p, b).is_empty()) {
            plot.draw(&Text::new(
                "no data",
                ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
                font(LABEL_PX, s)
                    .color(&GREY)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
        }
        Ok(())
    }

    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, s: f64) -> Drawn<DB> {
        let top = (self.size().1 as f64 - LEGEND_ROW * self.legend.len() as f64) / 2.0;
        for (k, e) in self.legend.iter().enumerate() {
            let y = top + LEGEND_ROW * (k as f64 + 0.5);
            if let Some(opacity) = e.fill {
                area.draw(&Rectangle::new(
                    [(px(6.0, s), px(y - 6.0, s)), (px(32.0, s), px(y + 6.0, s))],
                    e.color.mix(opacity.clamp(0.0, 1.0)).filled(),
                ))?;
            }
            if let Some(dashed) = e.line {
                legend_sample(
                    area,
                    (px(6.0, s), px(y, s)),
                    px(26.0, s),
                    e.color
                        .stroke_width(px(if dashed { 1.5 } else { 2.2 }, s).max(1) as u32),
                    dashed,
                    s,
                )?;
            }
            if let Some(marker) = e.marker {
                let at = (px(19.0, s), px(y, s));
                let r = px(MARKER_R, s).max(1);
                let stroke = e.color.stroke_width(px(1.3, s).max(1) as u32);
                match marker {
                    Marker::Dot => area.draw(&Circle::new(at, r, e.color.filled()))?,
                    Marker::Ring => area.draw(&Circle::new(at, r, stroke))?,
                    Marker::Square => area.draw(&Rectangle::new(
                        [(at.0 - r, at.1 - r), (at.0 + r, at.1 + r)],
                        stroke,
                    ))?,
                }
            }
            area.draw(&Text::new(
                e.label.clone(),
                (px(38.0, s), px(y, s)),
                font(LABEL_PX, s).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}

impl Chart for LineFigure<'_> {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = self.grid();
        let (pw, ph) = (self.layout.panel_width, self.layout.panel_height);
        let legend_h = LEGEND_ROW * self.legend.len() as f64 + 2.0 * FIG_TITLE_H;
        let h = (ph * rows as f64).max(legend_h) + FIG_TITLE_H;
        let w = pw * cols as f64 + self.legend_w;
        let title_w = text_width(self.title, TITLE_PX) + 40.0;
        (w.max(title_w).ceil() as u32, h.ceil() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: f64) -> Drawn<DB> {
        let (w, _) = self.size();
        draw_title(root, self.title, w, s)?;
        let (rows, cols) = self.grid();
        let (pw, ph) = (self.layout.panel_width, self.layout.panel_height);
        // Panels and legend side by side, centred under a wider title.
        let content = pw * cols as f64 + self.legend_w;
        let left = ((f64::from(w) - content) / 2.0).max(0.0);
        let body = root.margin(px(FIG_TITLE_H, s), 0, px(left, s), 0);
        let (plots, legend) = body.split_horizontally(px(pw * cols as f64, s));
        let (plots, _) = plots.split_vertically(px(ph * rows as f64, s));
        for (area, p) in plots.split_evenly((rows, cols)).iter().zip(self.panels) {
            self.draw_panel(area, p, s)?;
        }
        self.draw_legend(&legend, s)
    }
}

/// Writes a figure of line panels, `columns` per row, with one legend for the figure (every
/// distinct labelled series and reference line) to `dir/<stem>.{svg,png}`.
///
/// # Errors
/// [`Error::Figure`] for no panels, a bad stem or a failed drawing; [`Error::Io`] for the files.
pub fn line_figure(
    dir: &Path,
    stem: &str,
    title: &str,
    panels: &[LinePanel],
    columns: usize,
) -> Result<()> {
    line_figure_with(dir, stem, title, panels, Layout::columns(columns))
}

/// As [`line_figure`], with the panels arranged by `layout` (e.g. a grid of many small panels:
/// leave the axis labels of inner panels empty to give their plots the room).
///
/// # Errors
/// [`Error::Figure`] for no panels, panels smaller than 100 × 80 pixels (or not finite), a bad
/// stem or a failed drawing; [`Error::Io`] for the files.
pub fn line_figure_with(
    dir: &Path,
    stem: &str,
    title: &str,
    panels: &[LinePanel],
    layout: Layout,
) -> Result<()> {
    write(dir, stem, &line_chart(stem, title, panels, layout)?)
}

fn line_chart<'a>(
    stem: &str,
    title: &'a str,
    panels: &'a [LinePanel],
    layout: Layout,
) -> Result<LineFigure<'a>> {
    if panels.is_empty() {
        return Err(Error::Figure(format!("{stem}: no panels")));
    }
    let (pw, ph) = (layout.panel_width, layout.panel_height);
    if !(pw.is_finite() && ph.is_finite() && pw >= 100.0 && ph >= 80.0) {
        return Err(Error::Figure(format!(
            "{stem}: panels of {pw} × {ph} pixels (at least 100 × 80)"
        )));
    }
    let mut legend: Vec<LegendEntry> = Vec::new();
    for p in panels {
        let bands = labelled(&p.bands, |b| &b.label).map(|(k, b)| LegendEntry {
            fill: Some(b.opacity),
            ..LegendEntry::new(&b.label, palette(b.color.unwrap_or(k)))
        });
        let series = labelled(&p.series, |s| &s.label).map(|(k, s)| LegendEntry {
            line: (!s.no_line).then_some(s.dashed),
            marker: s.marker,
            ..LegendEntry::new(&s.label, series_color(s, k))
        });
        let refs = p
            .reference_lines
            .iter()
            .map(|r| LegendEntry::line(&r.label, GREY, true));
        let verticals = labelled(&p.vertical_lines, |v| &v.label)
            .map(|(_, v)| LegendEntry::line(&v.label, v.color.map_or(GREY, palette), true));
        for e in series.chain(bands).chain(refs).chain(verticals) {
            if !legend.contains(&e) {
                legend.push(e);
            }
        }
    }
    let legend_w = legend
        .iter()
        .map(|e| text_width(&e.label, LABEL_PX) + 50.0)
        .fold(0.0, f64::max);
    Ok(LineFigure {
        title,
        panels,
        layout,
        legend,
        legend_w,
    })
}

// ---------------------------------------------------------------------------------------------
// Histograms.

const HIST_W: f64 = 210.0;
const HIST_H: f64 = 180.0;

struct Histograms<'a> {
    title: &'a str,
    panels: &'a [HistogramPanel],
}

impl Chart for Histograms<'_> {
    fn size(&self) -> (u32, u32) {
        let w = (HIST_W * self.panels.len() as f64).max(text_width(self.title, TITLE_PX) + 40.0);
        (w.ceil() as u32, (HIST_H + FIG_TITLE_H).ceil() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: f64) -> Drawn<DB> {
        let (w, _) = self.size();
        draw_title(root, self.title, w, s)?;
        let body = root.margin(px(FIG_TITLE_H, s), 0, 0, 0);
        let (body, _) = body.split_horizontally(px(HIST_W * self.panels.len() as f64, s));
        for (area, p) in body
            .split_evenly((1, self.panels.len()))
            .iter()
            .zip(self.panels)
        {
            let valid = p.low.is_finite() && p.high.is_finite() && !p.counts.is_empty();
            let (x0, x1) = if valid {
                drawable_range(p.low.min(p.high), p.high.max(p.low), 0.0)
            } else {
                (0.0, 1.0)
            };
            let max = p.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
            let mut chart = ChartBuilder::on(area)
                .caption(&p.title, font(TICK_PX + 0.5, s))
                .margin(px(6.0, s))
                .x_label_area_size(px(24.0, s))
                .y_label_area_size(px(46.0, s))
                .build_cartesian_2d(x0..x1, 0.0..max * 1.05)?;
            let x_fmt = |v: &f64| tick_label(*v);
            let y_fmt = |v: &f64| tick_label(*v);
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(3)
                .y_labels(3)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .label_style(font(TICK_PX - 1.5, s))
                .axis_style(BLACK.stroke_width(px(1.0, s).max(1) as u32))
                .draw()?;
            if !valid {
                chart.draw_series(std::iter::once(Text::new(
                    "no data",
                    (0.5, max / 2.0),
                    font(LABEL_PX, s)
                        .color(&GREY)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
                continue;
            }
            let bw = (x1 - x0) / p.counts.len() as f64;
            chart.draw_series(p.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(
                |(k, &c)| {
                    let left = x0 + bw * k as f64;
                    Rectangle::new([(left, 0.0), (left + bw, c as f64)], palette(0).filled())
                },
            ))?;
        }
        Ok(())
    }
}

/// Writes histograms side by side, one panel each, to `dir/<stem>.{svg,png}`. A panel with
/// non-finite edges or no bins shows "no data"; equal edges are widened.
///
/// # Errors
/// [`Error::Figure`] for no panels, a bad stem or a failed drawing; [`Error::Io`] for the files.
pub fn histogram_figure(
    dir: &Path,
    stem: &str,
    title: &str,
    panels: &[HistogramPanel],
) -> Result<()> {
    if panels.is_empty() {
        return Err(Error::Figure(format!("{stem}: no panels")));
    }
    write(dir, stem, &Histograms { title, panels })
}

// ---------------------------------------------------------------------------------------------
// Heatmaps.

const CELL_W: f64 = 104.0;
const CELL_H: f64 = 26.0;
const COLORBAR_W: f64 = 90.0;

struct HeatmapChart<'a> {
    map: &'a Heatmap,
    left: f64,
}

/// White at 0, dark green (`#006d2c`) at 1.
fn green(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |hi: f64| (255.0 + (hi - 255.0) * t).round() as u8;
    RGBColor(mix(0.0), mix(109.0), mix(44.0))
}

impl HeatmapChart<'_> {
    fn grid(&self) -> (f64, f64) {
        (
            self.map.col_labels.len() as f64,
            self.map.row_labels.len() as f64,
        )
    }

    fn unit(&self, v: f64) -> f64 {
        let (lo, hi) = self.map.value_range;
        (v - lo) / (hi - lo)
    }

    fn label(&self, v: f64) -> String {
        self.map.annotate.map_or_else(|| tick_label(v), |f| f(v))
    }
}

const HEAT_TOP: f64 = FIG_TITLE_H + 26.0;

impl Chart for HeatmapChart<'_> {
    fn size(&self) -> (u32, u32) {
        let (cols, rows) = self.grid();
        let w = self.left + CELL_W * cols + COLORBAR_W;
        let w = w.max(text_width(&self.map.title, TITLE_PX) + 40.0);
        let h = HEAT_TOP + CELL_H * rows + 44.0;
        (w.ceil() as u32, h.ceil() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: f64) -> Drawn<DB> {
        let map = self.map;
        let (cols, rows) = self.grid();
        let (w, _) = self.size();
        let (left, top) = (self.left, HEAT_TOP);
        let at = |x: f64, y: f64| (px(x, s), px(y, s));
        draw_title(root, &map.title, w, s)?;
        for (j, label) in map.col_labels.iter().enumerate() {
            root.draw(&Text::new(
                label.clone(),
                at(left + CELL_W * (j as f64 + 0.5), top - 10.0),
                font(LABEL_PX, s).pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
        }
        for (i, label) in map.row_labels.iter().enumerate() {
            root.draw(&Text::new(
                label.clone(),
                at(left - 8.0, top + CELL_H * (i as f64 + 0.5)),
                font(LABEL_PX, s).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        for (i, row) in map.values.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let (x, y) = (left + CELL_W * j as f64, top + CELL_H * i as f64);
                let (a, b) = (at(x, y), at(x + CELL_W, y + CELL_H));
                match v.filter(|v| v.is_finite()) {
                    Some(v) => {
                        let t = self.unit(v);
                        root.draw(&Rectangle::new([a, b], green(t).filled()))?;
                        if map.annotate.is_some() {
                            let color = if t > 0.6 { WHITE } else { BLACK };
                            root.draw(&Text::new(
                                self.label(v),
                                at(x + CELL_W / 2.0, y + CELL_H / 2.0),
                                font(LABEL_PX, s)
                                    .color(&color)
                                    .pos(Pos::new(HPos::Center, VPos::Center)),
                            ))?;
                        }
                    }
                    None => {
                        root.draw(&Rectangle::new([a, b], RGBColor(0xee, 0xee, 0xee).filled()))?;
                        hatch(root, a, b, px(8.0, s).max(2), s)?;
                        root.draw(&Text::new(
                            "—",
                            at(x + CELL_W / 2.0, y + CELL_H / 2.0),
                            font(LABEL_PX, s).pos(Pos::new(HPos::Center, VPos::Center)),
                        ))?;
                    }
                }
                root.draw(&Rectangle::new(
                    [a, b],
                    WHITE.stroke_width(px(1.0, s).max(1) as u32),
                ))?;
            }
        }
        if let Some(curve) = &map.overlay {
            let pts: Vec<(i32, i32)> = curve
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|&(x, y)| {
                    at(
                        left + CELL_W * x.clamp(0.0, cols),
                        top + CELL_H * y.clamp(0.0, rows),
                    )
                })
                .collect();
            let style = palette(curve.color.unwrap_or(1)).stroke_width(px(2.5, s) as u32);
            if curve.dashed {
                root.draw(&DashedPathElement::new(
                    pts,
                    px(6.0, s) as u32,
                    px(4.0, s) as u32,
                    style,
                ))?;
            } else {
                root.draw(&PathElement::new(pts, style))?;
            }
            if !curve.label.is_empty() {
                let y = top + CELL_H * rows + 30.0;
                legend_sample(root, at(left, y), px(26.0, s), style, curve.dashed, s)?;
                root.draw(&Text::new(
                    curve.label.clone(),
                    at(left + 32.0, y),
                    font(LABEL_PX, s).pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
        }
        // Axis labels.
        root.draw(&Text::new(
            map.x_label.clone(),
            at(left + CELL_W * cols / 2.0, top + CELL_H * rows + 12.0),
            font(LABEL_PX, s).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        root.draw(&Text::new(
            map.y_label.clone(),
            at(14.0, top + CELL_H * rows / 2.0),
            font(LABEL_PX, s)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        // Color bar.
        let (bx, bw, bh) = (left + CELL_W * cols + 16.0, 16.0, CELL_H * rows);
        let steps = 64;
        for k in 0..steps {
            let (t0, t1) = (k as f64 / steps as f64, (k + 1) as f64 / steps as f64);
            root.draw(&Rectangle::new(
                [
                    at(bx, top + bh * (1.0 - t1)),
                    at(bx + bw, top + bh * (1.0 - t0)),
                ],
                green((t0 + t1) / 2.0).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [at(bx, top), at(bx + bw, top + bh)],
            BLACK.stroke_width(px(1.0, s).max(1) as u32),
        ))?;
        let (lo, hi) = map.value_range;
        for t in [0.0, 0.5, 1.0] {
            root.draw(&Text::new(
                self.label(lo + (hi - lo) * t),
                at(bx + bw + 4.0, top + bh * (1.0 - t)),
                font(TICK_PX, s).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}

/// Diagonal hatching inside the rectangle `a`–`b` (backend pixels), lines `step` apart.
fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    step: i32,
    s: f64,
) -> Drawn<DB> {
    let (w, h) = (x1 - x0, y1 - y0);
    let style = RGBColor(0xbb, 0xbb, 0xbb).stroke_width(px(1.0, s).max(1) as u32);
    let mut c = step;
    while c < w + h {
        let start = (x0 + c.min(w), y0 + (c - w).max(0));
        let end = (x0 + (c - h).max(0), y0 + c.min(h));
        area.draw(&PathElement::new(vec![start, end], style))?;
        c += step;
    }
    Ok(())
}

/// Writes a heatmap of `map.values` (white to dark green over `map.value_range`, with a color
/// bar; missing or non-finite cells hatched grey with "—"; the `overlay` curve on top) to
/// `dir/<stem>.{svg,png}`.
///
/// # Errors
/// [`Error::Figure`] for a bad stem, no rows or columns, rows whose length differs from the
/// labels, a value range that is not finite and increasing, or a failed drawing;
/// [`Error::Io`] for the files.
pub fn heatmap(dir: &Path, stem: &str, map: &Heatmap) -> Result<()> {
    let err = figure_error(stem);
    let (rows, cols) = (map.row_labels.len(), map.col_labels.len());
    if rows == 0 || cols == 0 {
        return Err(err(format!("a {rows} × {cols} heatmap")));
    }
    if map.values.len() != rows || map.values.iter().any(|r| r.len() != cols) {
        return Err(err(format!(
            "values are not {rows} rows × {cols} columns like the labels"
        )));
    }
    let (lo, hi) = map.value_range;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(err(format!("value range {lo} … {hi}")));
    }
    let left = map
        .row_labels
        .iter()
        .map(|l| text_width(l, LABEL_PX))
        .fold(0.0, f64::max)
        + 44.0;
    write(dir, stem, &HeatmapChart { map, left })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a PNG to `(width, height, RGB bytes)`.
    fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    /// Pixels darker than mid grey, and pixels neither grey nor white (colored).
    fn ink(rgb: &[u8]) -> (usize, usize) {
        let px = rgb.chunks_exact(3);
        let dark = px.clone().filter(|p| p.iter().all(|&c| c < 100)).count();
        let colored = px
            .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 60)
            .count();
        (dark, colored)
    }

    fn well_formed(svg: &str) {
        let doc = roxmltree::Document::parse(svg).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "svg");
    }

    fn panel(log_y: bool, series: Vec<Series>) -> LinePanel {
        LinePanel {
            title: "panel".into(),
            x_label: "layer".into(),
            y_label: "std".into(),
            log_y,
            series,
            ..LinePanel::default()
        }
    }

    #[test]
    fn line_figure_renders_text_lines_and_legend() {
        let p = LinePanel {
            reference_lines: vec![RefLine {
                label: "chance".into(),
                y: 0.1,
            }],
            ..panel(
                false,
                vec![
                    Series::new("glorot σ → ±", vec![(0.0, 0.1), (1.0, 0.5), (2.0, 0.9)]),
                    Series::new("", vec![(0.0, 0.2), (2.0, 0.8)])
                        .dashed()
                        .color(0),
                ],
            )
        };
        let chart =
            line_chart("t", "a title", std::slice::from_ref(&p), Layout::columns(1)).unwrap();
        assert_eq!(chart.legend.len(), 2, "{:?}", chart.legend);
        let (svg, png) = render("t", &chart).unwrap();
        well_formed(&svg);
        for text in ["a title", "glorot σ → ±", "chance", "layer", "std"] {
            assert!(svg.contains(text), "{text} missing from the SVG");
        }
        let (w, h, rgb) = decode(&png);
        assert_eq!((w, h), (chart.size().0 * 2, chart.size().1 * 2));
        let (dark, colored) = ink(&rgb);
        assert!(dark > 2000, "{dark} dark pixels: no text or axes");
        assert!(colored > 500, "{colored} colored pixels: no lines");
    }

    #[test]
    fn the_png_does_not_depend_on_the_machine() {
        // Same description, same bytes (the font is embedded; nothing is read from the system).
        let p = panel(true, vec![Series::new("a", vec![(1.0, 1.0), (2.0, 1e-3)])]);
        let chart = line_chart("t", "x", std::slice::from_ref(&p), Layout::columns(1)).unwrap();
        assert_eq!(
            render("t", &chart).unwrap().1,
            render("t", &chart).unwrap().1
        );
    }

    #[test]
    fn log_axes_with_non_positive_values_empty_and_nan_series_do_not_panic() {
        let panels = [
            panel(
                true,
                vec![
                    Series::new(
                        "mixed",
                        vec![(1.0, 0.0), (2.0, -1.0), (3.0, 1e-6), (4.0, 2.0)],
                    ),
                    Series::new("none positive", vec![(1.0, 0.0), (2.0, -3.0)]),
                    Series::new("empty", vec![]),
                    Series::new("nan", vec![(f64::NAN, 1.0), (1.0, f64::INFINITY)]),
                ],
            ),
            panel(true, vec![Series::new("only zeros", vec![(1.0, 0.0)])]),
            panel(false, vec![]),
            panel(
                false,
                vec![Series::new("flat", vec![(3.0, 2.0), (3.0, 2.0)])],
            ),
            LinePanel {
                y_range: Some((5.0, 1.0)),
                ..panel(false, vec![Series::new("one", vec![(0.0, 1.0)])])
            },
        ];
        let chart = line_chart("t", "edge cases", &panels, Layout::columns(3)).unwrap();
        let (svg, png) = render("t", &chart).unwrap();
        well_formed(&svg);
        assert!(svg.contains("no data"));
        let (_, _, rgb) = decode(&png);
        assert!(ink(&rgb).0 > 1000);
    }

    #[test]
    fn segments_break_at_undrawable_points() {
        let pts = [
            (1.0, 1.0),
            (2.0, 0.0),
            (3.0, 2.0),
            (4.0, 3.0),
            (5.0, f64::NAN),
        ];
        assert_eq!(
            segments(&panel(true, vec![]), &pts),
            vec![
                vec![(1.0, 0.0)],
                vec![(3.0, 2f64.log10()), (4.0, 3f64.log10())]
            ]
        );
        assert_eq!(segments(&panel(false, vec![]), &pts).len(), 1);
        let log_x = LinePanel {
            log_x: true,
            ..panel(false, vec![])
        };
        assert_eq!(
            segments(&log_x, &[(10.0, 1.0), (0.0, 2.0), (100.0, -1.0)]),
            vec![vec![(1.0, 1.0)], vec![(2.0, -1.0)]]
        );
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick_label(5.0), "5");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(1e-4), "1e-4");
        assert_eq!(tick_label(2.5e6), "2.5e6");
        assert_eq!(tick_label(-0.00001), "-1e-5");
        assert_eq!(log_tick_label(-3.0), "1e-3");
        assert_eq!(log_tick_label(0.0), "1");
    }

    fn grid() -> Heatmap {
        Heatmap {
            title: "accuracy".into(),
            x_label: "activation".into(),
            y_label: "initialization".into(),
            row_labels: vec!["zeros".into(), "lsuv".into(), "pretrain".into()],
            col_labels: vec!["tanh".into(), "relu".into()],
            values: vec![
                vec![Some(0.1), None],
                vec![Some(0.9), Some(f64::NAN)],
                vec![Some(0.5), Some(1.7)],
            ],
            value_range: (0.0, 1.0),
            annotate: Some(|v| format!("{:.1} %", 100.0 * v)),
            overlay: Some(Series::new(
                "theory",
                vec![(0.0, 0.0), (1.0, 2.5), (2.0, 3.0)],
            )),
        }
    }

    #[test]
    fn heatmap_draws_values_missing_cells_and_overlay() {
        let map = grid();
        let chart = HeatmapChart {
            map: &map,
            left: 100.0,
        };
        let (svg, png) = render("h", &chart).unwrap();
        well_formed(&svg);
        for text in ["lsuv", "pretrain", "relu", "90.0 %", "—", "theory"] {
            assert!(svg.contains(text), "{text} missing");
        }
        let (_, _, rgb) = decode(&png);
        let (dark, colored) = ink(&rgb);
        assert!(
            dark > 1000 && colored > 2000,
            "{dark} dark, {colored} colored"
        );
    }

    #[test]
    fn bad_heatmaps_and_stems_are_typed_errors() {
        let dir = std::env::temp_dir();
        let ragged = Heatmap {
            values: vec![vec![Some(0.1)], vec![], vec![]],
            ..grid()
        };
        let flat = Heatmap {
            value_range: (1.0, 1.0),
            ..grid()
        };
        let empty = Heatmap {
            row_labels: vec![],
            values: vec![],
            ..grid()
        };
        for map in [ragged, flat, empty] {
            assert!(matches!(heatmap(&dir, "h", &map), Err(Error::Figure(_))));
        }
        for stem in ["", "a/b", ".hidden"] {
            assert!(matches!(
                line_figure(&dir, stem, "t", &[panel(false, vec![])], 1),
                Err(Error::Figure(_))
            ));
        }
        assert!(matches!(
            line_figure(&dir, "x", "t", &[], 1),
            Err(Error::Figure(_))
        ));
        assert!(matches!(
            histogram_figure(&dir, "x", "t", &[]),
            Err(Error::Figure(_))
        ));
    }

    #[test]
    fn histograms_render_and_degenerate_panels_say_no_data() {
        let panels = [
            HistogramPanel {
                title: "layer 1".into(),
                low: -1.0,
                high: 1.0,
                counts: vec![1, 5, 20, 5, 1],
            },
            HistogramPanel {
                title: "layer 2".into(),
                low: 0.5,
                high: 0.5,
                counts: vec![10],
            },
            HistogramPanel {
                title: "layer 3".into(),
                low: f64::NAN,
                high: 1.0,
                counts: vec![1, 2],
            },
        ];
        let chart = Histograms {
            title: "hist",
            panels: &panels,
        };
        let (svg, png) = render("h", &chart).unwrap();
        well_formed(&svg);
        assert!(svg.contains("no data") && svg.contains("layer 2"));
        let (_, _, rgb) = decode(&png);
        assert!(ink(&rgb).1 > 500);
    }

    #[test]
    fn ticks_are_round_and_log_ticks_follow_the_decades() {
        let close = |a: Vec<f64>, b: &[f64]| {
            assert!(
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12),
                "{a:?} vs {b:?}"
            );
        };
        close(
            ticks(0.0, 1.0, false, false, 5),
            &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        );
        close(ticks(1.0, 50.0, false, true, 3), &[20.0, 40.0]);
        close(ticks(0.0, 3.0, false, true, 10), &[0.0, 1.0, 2.0, 3.0]);
        close(ticks(-0.1, 1.0, false, false, 2), &[0.0, 0.5, 1.0]);
        // Depths 1 … 64 on a log axis: 1, 2, 5, 10, 20, 50.
        let depth = ticks(0.0, 64f64.log10(), true, false, 4);
        let labels: Vec<String> = depth.iter().map(|&e| log_tick_label(e)).collect();
        assert_eq!(labels, ["1", "2", "5", "10", "20", "50"]);
        // Seven decades, about five ticks: every other decade.
        let wide: Vec<String> = ticks(-3.0, 3.0, true, false, 5)
            .iter()
            .map(|&e| log_tick_label(e))
            .collect();
        assert_eq!(wide, ["1e-3", "0.1", "10", "1000"]);
        // Narrower than a factor of 2: round values on the linear scale.
        let narrow: Vec<String> = ticks(2f64.log10(), 3f64.log10(), true, false, 4)
            .iter()
            .map(|&e| log_tick_label(e))
            .collect();
        assert_eq!(narrow, ["2", "2.25", "2.5", "2.75", "3"]);
        assert!(ticks(1.0, 1.0, false, false, 4).is_empty());
        assert!(ticks(f64::NAN, 1.0, true, false, 4).is_empty());
    }

    #[test]
    fn ranges_cover_error_bars_bands_and_vertical_lines_unless_fixed() {
        let p = LinePanel {
            series: vec![
                Series::new("m", vec![(1.0, 10.0), (2.0, 100.0)])
                    .points_only(Marker::Dot)
                    .errors(vec![(-1.0, 20.0), (50.0, 1000.0)]),
            ],
            bands: vec![Band {
                label: "b".into(),
                points: vec![(0.5, 0.01, 1.0)],
                color: None,
                opacity: 0.3,
            }],
            vertical_lines: vec![VerticalLine {
                label: "v".into(),
                x: 4.0,
                color: Some(1),
            }],
            ..panel(true, vec![])
        };
        let near = |a: (f64, f64), b: (f64, f64)| {
            assert!(
                (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-12,
                "{a:?} vs {b:?}"
            );
        };
        // x: 0.5 … 4 padded by 3 % (markers); y: log10 0.01 … log10 1000 padded by 5 %; the
        // non-positive low end of an error bar is no value.
        let (x, y) = panel_ranges(&p);
        near(x, (0.5 - 0.105, 4.0 + 0.105));
        near(y, (-2.25, 3.25));
        let fixed = LinePanel {
            log_x: true,
            x_range: Some((1.0, 100.0)),
            y_range: Some((0.1, 10.0)),
            ..p
        };
        let (x, y) = panel_ranges(&fixed);
        near(x, (0.0, 2.0));
        near(y, (-1.0, 1.0));
    }

    /// `tag` occurrences in an SVG.
    fn count(svg: &str, tag: &str) -> usize {
        svg.matches(tag).count()
    }

    /// Paths drawn in `color` (the SVG backend writes one element per line).
    fn paths(svg: &str, color: &str) -> usize {
        svg.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(&format!("stroke=\"{color}\"")))
            .count()
    }

    fn svg_of(panels: &[LinePanel]) -> String {
        render(
            "t",
            &line_chart("t", "t", panels, Layout::columns(2)).unwrap(),
        )
        .unwrap()
        .0
    }

    #[test]
    fn markers_error_bars_bands_and_vertical_lines_are_drawn() {
        // Five points, four drawable (a NaN), on a log x axis.
        let pts = vec![
            (1.0, 1.0),
            (2.0, 4.0),
            (4.0, 2.0),
            (8.0, f64::NAN),
            (16.0, 3.0),
        ];
        let dots = Series::new("", pts.clone()).points_only(Marker::Dot);
        let bare = LinePanel {
            log_x: true,
            ..panel(false, vec![dots.clone()])
        };
        // Points only: a dot per drawable point and no line.
        let svg = svg_of(std::slice::from_ref(&bare));
        assert_eq!(count(&svg, "<circle"), 4);
        let hidden = LinePanel {
            series: vec![Series {
                marker: None,
                ..dots.clone()
            }],
            ..bare.clone()
        };
        assert_eq!(count(&svg_of(&[hidden]), "<circle"), 0);
        // Error bars: one line per drawable point with a finite bar (not the NaN low end, not
        // the NaN point).
        let errors = vec![
            (0.5, 1.5),
            (3.0, 5.0),
            (f64::NAN, 1.0),
            (1.0, 2.0),
            (2.0, 4.0),
        ];
        let barred = LinePanel {
            series: vec![dots.clone().errors(errors)],
            ..bare.clone()
        };
        assert_eq!(paths(&svg, "#1F77B4"), 0);
        assert_eq!(paths(&svg_of(std::slice::from_ref(&barred)), "#1F77B4"), 3);
        // A band: one polygon per drawable run; a labelled one gets a legend box.
        let band = |points| Band {
            label: "5–95 %".into(),
            points,
            color: Some(2),
            opacity: 0.3,
        };
        let banded = LinePanel {
            bands: vec![band(vec![
                (1.0, 0.5, 2.0),
                (2.0, 1.0, 5.0),
                (4.0, f64::NAN, 1.0),
                (8.0, 1.0, 2.0),
                (16.0, 2.0, 4.0),
            ])],
            ..bare.clone()
        };
        let with_band = svg_of(std::slice::from_ref(&banded));
        assert_eq!(count(&with_band, "<polygon"), count(&svg, "<polygon") + 2);
        assert!(with_band.contains("5–95 %"));
        // A vertical line inside the range is drawn (dashes) and named.
        let marked = LinePanel {
            vertical_lines: vec![VerticalLine {
                label: "critical".into(),
                x: 3.0,
                color: Some(1),
            }],
            ..bare.clone()
        };
        let with_line = svg_of(std::slice::from_ref(&marked));
        assert!(paths(&with_line, "#D62728") > 2);
        assert!(with_line.contains("critical"));
        // The log x axis is labelled at 1, 2, 5, 10.
        for label in ["1", "2", "5", "10"] {
            assert!(
                svg.contains(&format!("\n{label}\n</text>")),
                "{label} missing"
            );
        }
    }

    #[test]
    fn legend_keys_markers_bands_and_empty_series() {
        let p = LinePanel {
            series: vec![
                Series::new("c_0 = 0.2", vec![(0.0, 0.0), (1.0, 1.0)]),
                Series::new("", vec![(0.0, 0.1)]).points_only(Marker::Dot),
                Series::new("measured", vec![])
                    .points_only(Marker::Dot)
                    .color(7),
                Series::new("fitted", vec![])
                    .marker(Marker::Square)
                    .dashed()
                    .color(2),
            ],
            bands: vec![Band {
                label: "25–75 %".into(),
                points: vec![],
                color: Some(0),
                opacity: 0.4,
            }],
            ..panel(false, vec![])
        };
        let panels = [p.clone(), p];
        let chart = line_chart("t", "t", &panels, Layout::columns(2)).unwrap();
        type Key<'a> = (&'a str, Option<bool>, Option<Marker>, Option<f64>);
        let keys: Vec<Key> = chart
            .legend
            .iter()
            .map(|e| (e.label.as_str(), e.line, e.marker, e.fill))
            .collect();
        assert_eq!(
            keys,
            [
                ("c_0 = 0.2", Some(false), None, None),
                ("measured", None, Some(Marker::Dot), None),
                ("fitted", Some(true), Some(Marker::Square), None),
                ("25–75 %", None, None, Some(0.4)),
            ]
        );
        let (svg, _) = render("t", &chart).unwrap();
        well_formed(&svg);
    }

    #[test]
    fn a_grid_of_small_panels_has_the_layout_size() {
        let panels: Vec<LinePanel> = (0..33)
            .map(|k| LinePanel {
                x_label: if k >= 22 {
                    "layer".into()
                } else {
                    String::new()
                },
                y_label: if k % 11 == 0 {
                    "c".into()
                } else {
                    String::new()
                },
                ..panel(false, vec![Series::new("a", vec![(1.0, 0.0), (12.0, 1.0)])])
            })
            .collect();
        let layout = Layout::columns(11).panel_size(190.0, 150.0);
        let chart = line_chart("g", "grid", &panels, layout).unwrap();
        let legend_w = text_width("a", LABEL_PX) + 50.0;
        assert_eq!(
            chart.size(),
            (
                (190.0 * 11.0 + legend_w).ceil() as u32,
                (150.0 * 3.0 + FIG_TITLE_H).ceil() as u32
            )
        );
        let (svg, png) = render("g", &chart).unwrap();
        well_formed(&svg);
        assert_eq!(decode(&png).0, chart.size().0 * PNG_SCALE);
        for bad in [
            Layout::columns(2).panel_size(50.0, 150.0),
            Layout::columns(2).panel_size(190.0, f64::NAN),
        ] {
            assert!(matches!(
                line_chart("g", "grid", &panels, bad),
                Err(Error::Figure(_))
            ));
        }
    }

    #[test]
    fn files_are_written_together() {
        let dir = std::env::temp_dir().join(format!("figure-test-{}", std::process::id()));
        line_figure(&dir, "f", "t", &[panel(false, vec![])], 1).unwrap();
        assert!(dir.join("f.svg").is_file() && dir.join("f.png").is_file());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

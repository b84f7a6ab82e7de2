//! `activations`: the tutorial's forward-pass study. Inputs 100-d N(0, 1) (a batch of 1,000),
//! 5 hidden layers × 50 units (`--depth`/`--width`), tanh, sigmoid and ReLU, each initialized
//! small (0.01·N(0,1)), large (N(0,1)), LeCun (1/fan_in), Glorot and He: per layer the activation
//! mean, std, saturation, dead fraction and a histogram, beside the mean-field prediction.
//! Writes `activations.json`, `claims.json`, `std_vs_layer.{svg,png}`, one `hist_<activation>_<init>.{svg,png}`
//! per case and `report.md`. No training.

use std::fmt::Write as _;

use burn_init::signal::{
    ActivationStats, DiagnosticsConfig, MeanFieldLayer, activation_stats, mean_field,
};
use burn_init::{Fans, HostRng, Init, Nonlinearity as Activation, Source, TensorInitExt};
use serde::{Deserialize, Serialize};

use crate::Context;
use crate::error::Result;
use crate::experiments::curves::Claim;
use crate::figure::write_figure;
use crate::mlp::MlpConfig;
use crate::record::{git_commit, write_atomic, write_json};
use crate::registry::Experiment;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "activations",
    description: "the tutorial's forward pass: per-layer activation statistics of tanh, sigmoid and ReLU \
                  nets under small, large, LeCun, Glorot and He init, beside mean-field predictions (no training)",
    matches: |n| n == "activations",
    run,
    details: Vec::new,
    epochs: None,
    seeds: None,
};

/// Input width and batch of the study (the tutorial's).
pub const INPUT: usize = 100;
/// Batch size of the forward pass.
pub const BATCH: usize = 1000;

/// The initializers compared, with the names used in the report.
pub fn inits() -> Vec<(&'static str, Init)> {
    vec![
        ("small", Init::SmallRandom),
        ("large", Init::LargeRandom),
        ("lecun", Init::LecunNormal),
        ("glorot", Init::GlorotUniform),
        ("he", Init::HeNormal),
    ]
}

/// One (activation, initializer) forward pass.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Case {
    /// Activation.
    pub activation: Activation,
    /// Initializer name in the report.
    pub init: String,
    /// Its stable name in the library.
    pub init_name: String,
    /// Measured statistics per hidden layer.
    pub measured: Vec<ActivationStats>,
    /// Mean-field predictions per hidden layer.
    pub predicted: Vec<MeanFieldLayer>,
}

/// Runs every case on `device` with `seed`.
///
/// # Errors
/// An initializer that cannot fill a layer.
pub fn study(
    device: &burn::tensor::Device,
    depth: usize,
    width: usize,
    seed: u64,
) -> Result<Vec<Case>> {
    let rng = HostRng::new(seed);
    let x = Init::LargeRandom.sample([BATCH, INPUT], None, rng.derive(0), device)?;
    let mut cases = Vec::new();
    for activation in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
        for (label, init) in inits() {
            let config = MlpConfig::new(INPUT, vec![width; depth], 10, activation, init.clone());
            let model = config.init(Source::Host(rng.derive(1)), device)?;
            let measured = activation_stats(
                &model,
                x.clone(),
                &DiagnosticsConfig {
                    bins: 40,
                    range: None,
                },
            );
            // σ_w² = fan_in · Var(w) per layer; E[x²] = 1 for the inputs.
            let widths = config.widths();
            let layers: Vec<(f64, f64)> = (0..depth)
                .map(|l| {
                    let fans = Fans::linear(widths[l], widths[l + 1]).expect("positive widths");
                    (widths[l] as f64 * init.variance(fans).unwrap_or(0.0), 0.0)
                })
                .collect();
            cases.push(Case {
                activation,
                init: label.into(),
                init_name: init.stable_name(),
                measured,
                predicted: mean_field(activation, &layers, 1.0),
            });
        }
    }
    Ok(cases)
}

fn case<'a>(cases: &'a [Case], activation: Activation, init: &str) -> &'a Case {
    cases
        .iter()
        .find(|c| c.activation == activation && c.init == init)
        .expect("case exists")
}

/// The tutorial's forward-pass claims, decided by the measurements.
pub fn claims(cases: &[Case]) -> Vec<Claim> {
    let last = |c: &Case| c.measured.last().expect("a hidden layer").clone();
    let first = |c: &Case| c.measured[0].clone();
    let mut out = Vec::new();
    let small = case(cases, Activation::Tanh, "small");
    let ratio = last(small).act_std / first(small).act_std;
    out.push(Claim {
        id: "small-vanishes".into(),
        claim: "small random weights (0.01·N(0,1)) make tanh activations vanish layer by layer"
            .into(),
        metric: "tanh, small init: last-layer activation std / first-layer std".into(),
        value: ratio,
        threshold: 0.01,
        holds: ratio < 0.01,
    });
    for (id, act) in [
        ("large-saturates-tanh", Activation::Tanh),
        ("large-saturates-sigmoid", Activation::Sigmoid),
    ] {
        let c = case(cases, act, "large");
        let sat =
            c.measured.iter().map(|s| s.saturated_fraction).sum::<f64>() / c.measured.len() as f64;
        out.push(Claim {
            id: id.into(),
            claim: format!("large random weights (N(0,1)) saturate {}", act.name()),
            metric: format!(
                "{}, large init: mean saturated fraction over the hidden layers",
                act.name()
            ),
            value: sat,
            threshold: 0.5,
            holds: sat > 0.5,
        });
    }
    for (id, act, init, what) in [
        (
            "xavier-keeps-tanh",
            Activation::Tanh,
            "glorot",
            "Glorot/Xavier keeps the tanh signal",
        ),
        (
            "he-keeps-relu",
            Activation::Relu,
            "he",
            "He keeps the ReLU signal",
        ),
    ] {
        let c = case(cases, act, init);
        let r = last(c).act_std / first(c).act_std;
        out.push(Claim {
            id: id.into(),
            claim: what.into(),
            metric: format!("{}, {init} init: last-layer activation std / first-layer std (kept: within [0.5, 2])", act.name()),
            value: r,
            threshold: 0.5,
            holds: (0.5..=2.0).contains(&r),
        });
    }
    out
}

/// `std versus layer`, one line per initializer, one panel per activation, as SVG.
pub fn std_plot_svg(cases: &[Case]) -> String {
    let (pw, ph, m) = (320.0, 240.0, 45.0);
    let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
    let acts = [Activation::Tanh, Activation::Sigmoid, Activation::Relu];
    let mut s = String::new();
    let total_w = pw * acts.len() as f64;
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{}" font-family="sans-serif" font-size="11">"#,
        ph + 30.0
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for (p, act) in acts.iter().enumerate() {
        let ox = p as f64 * pw;
        let panel: Vec<&Case> = cases.iter().filter(|c| c.activation == *act).collect();
        let depth = panel[0].measured.len();
        // log10 std axis, clamped to [1e-8, 10].
        let ly = |v: f64| v.max(1e-8).log10().clamp(-8.0, 3.0);
        let (y0, y1) = (-8.0, 3.0);
        let px = |l: usize| ox + m + (l as f64) / ((depth.max(2) - 1) as f64) * (pw - 2.0 * m);
        let py = |v: f64| m / 2.0 + (y1 - ly(v)) / (y1 - y0) * (ph - 1.5 * m);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="14" text-anchor="middle" font-size="13">{}</text>"#,
            ox + pw / 2.0,
            act.name()
        );
        let _ = writeln!(
            s,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
            ox + m,
            py(1000.0),
            ox + m,
            py(1e-8)
        );
        for e in [-8, -6, -4, -2, 0, 2] {
            let v = 10f64.powi(e);
            let _ = writeln!(
                s,
                r##"<text x="{}" y="{}" text-anchor="end">1e{e}</text><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>"##,
                ox + m - 4.0,
                py(v) + 4.0,
                ox + m,
                py(v),
                ox + pw - m,
                py(v)
            );
        }
        for l in 0..depth {
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
                px(l),
                ph - 4.0,
                l + 1
            );
        }
        for (k, c) in panel.iter().enumerate() {
            let pts: Vec<String> = c
                .measured
                .iter()
                .enumerate()
                .map(|(l, st)| format!("{:.1},{:.1}", px(l), py(st.act_std)))
                .collect();
            let _ = writeln!(
                s,
                r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
                colors[k % colors.len()],
                pts.join(" ")
            );
            if p == 0 {
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" fill="{}">{}</text>"#,
                    ox + m + 8.0,
                    ph - 1.5 * m - 12.0 * (4 - k) as f64,
                    colors[k % colors.len()],
                    c.init
                );
            }
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">hidden layer (activation std, log scale)</text>"#,
        total_w / 2.0,
        ph + 22.0
    );
    s.push_str("</svg>\n");
    s
}

/// Histograms of one case's activations, one panel per hidden layer (as in the tutorial's
/// figures), as SVG.
pub fn histograms_svg(c: &Case) -> String {
    let (pw, ph, m) = (180.0, 150.0, 20.0);
    let n = c.measured.len();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif" font-size="10">"#,
        pw * n as f64,
        ph + 20.0
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for (l, st) in c.measured.iter().enumerate() {
        let ox = pw * l as f64;
        let h = &st.histogram;
        let max = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
        let bw = (pw - 2.0 * m) / h.counts.len().max(1) as f64;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="12" text-anchor="middle">layer {} (std {:.2e})</text>"#,
            ox + pw / 2.0,
            l + 1,
            st.act_std
        );
        for (k, &count) in h.counts.iter().enumerate() {
            let bh = count as f64 / max * (ph - 2.0 * m);
            let _ = writeln!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#1f77b4"/>"##,
                ox + m + bw * k as f64,
                ph - m - bh,
                bw.max(0.5),
                bh
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="start">{:.2}</text><text x="{}" y="{}" text-anchor="end">{:.2}</text>"#,
            ox + m,
            ph - 5.0,
            h.low,
            ox + pw - m,
            ph - 5.0,
            h.high
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}, {} init: activation histograms per layer</text>"#,
        pw * n as f64 / 2.0,
        ph + 15.0,
        c.activation.name(),
        c.init
    );
    s.push_str("</svg>\n");
    s
}

/// The Markdown report.
pub fn report(cases: &[Case], claims: &[Claim], header: &str) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# activations: the forward pass under five initializations\n\n{header}\n"
    );
    let _ = writeln!(
        r,
        "{}\n",
        crate::figure::markdown("activation std versus layer", "std_vs_layer")
    );
    let _ = writeln!(
        r,
        "## Claims\n\n{}",
        crate::experiments::curves::claims_table(claims)
    );
    for act in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
        let _ = writeln!(
            r,
            "\n## {}\n\nActivation std per hidden layer, measured (mean-field prediction), then saturated / dead fraction of the last layer.\n",
            act.name()
        );
        let panel: Vec<&Case> = cases.iter().filter(|c| c.activation == act).collect();
        let depth = panel[0].measured.len();
        for c in &panel {
            let _ = writeln!(
                r,
                "{}\n",
                crate::figure::markdown(
                    &format!("{} {}", act.name(), c.init),
                    &format!("hist_{}_{}", act.name(), c.init)
                )
            );
        }
        let _ = write!(r, "| init |");
        for l in 0..depth {
            let _ = write!(r, " layer {} |", l + 1);
        }
        let _ = writeln!(r, " saturated | dead |");
        let _ = writeln!(r, "|---|{}---|---|", "---|".repeat(depth));
        for c in panel {
            let _ = write!(r, "| {} (`{}`) |", c.init, c.init_name);
            for (m, p) in c.measured.iter().zip(&c.predicted) {
                let _ = write!(r, " {:.3e} ({:.3e}) |", m.act_std, p.act_std);
            }
            let last = c.measured.last().expect("layer");
            let _ = writeln!(
                r,
                " {:.1} % | {:.1} % |",
                100.0 * last.saturated_fraction,
                100.0 * last.dead_fraction
            );
        }
    }
    r
}

fn run(ctx: &Context) -> Result<()> {
    let o = &ctx.options;
    let start = std::time::Instant::now();
    let device = crate::device::open(o.device)?;
    let cases = study(&device.device, o.depth, o.width, o.seed)?;
    let claims = claims(&cases);
    let out = o.out_dir("activations");
    std::fs::create_dir_all(&out).map_err(crate::error::io(&out))?;
    let wall = start.elapsed().as_secs_f64();
    let header = format!(
        "Inputs: {BATCH} × {INPUT} standard normal; {} hidden layers × {} units; zero biases; seed {}; \
         device {}; git {}; wall time {wall:.2} s. Command: `{}`.",
        o.depth,
        o.width,
        o.seed,
        device.label(),
        git_commit(),
        ctx.command.join(" ")
    );
    write_json(&out.join("activations.json"), &cases)?;
    write_json(&out.join("claims.json"), &claims)?;
    write_figure(&out, "std_vs_layer", &std_plot_svg(&cases))?;
    for c in &cases {
        let stem = format!("hist_{}_{}", c.activation.name(), c.init);
        write_figure(&out, &stem, &histograms_svg(c))?;
    }
    write_atomic(
        &out.join("report.md"),
        report(&cases, &claims, &header).as_bytes(),
    )?;
    crate::experiments::curves::print_claims(&claims);
    println!(
        "files: {}/{{activations.json, claims.json, std_vs_layer.{{svg,png}}, hist_*.{{svg,png}}, report.md}}",
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_init_vanishes_and_claims_are_decided() {
        let device = burn::tensor::Device::flex();
        let cases = study(&device, 5, 50, 0).unwrap();
        let small = case(&cases, Activation::Tanh, "small");
        let (l1, l5) = (small.measured[0].act_std, small.measured[4].act_std);
        assert!(
            l5 < 0.01 * l1,
            "layer-5 std {l5} must be below 1 % of layer 1's {l1}"
        );
        let claims = claims(&cases);
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "small-vanishes",
                "large-saturates-tanh",
                "large-saturates-sigmoid",
                "xavier-keeps-tanh",
                "he-keeps-relu"
            ]
        );
        assert!(std_plot_svg(&cases).starts_with("<svg"));
    }
}

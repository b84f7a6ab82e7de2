//! `cargo bench -p burn-init` (or `cargo bench --workspace`): fill and orthogonal throughput,
//! measured by criterion, with side-by-side tables built from criterion's estimates.
//!
//! On flex (`BENCH_DEVICE=wgpu`: on wgpu, with PyTorch on CUDA as the reference), for n×n f32
//! tensors (n = 1024, 4096, 8192; `BENCH_QUICK=1`: 1024 and 4096, and shorter sampling), one
//! criterion group per size: burn-init's host path (Philox, parallel, into a fresh tensor),
//! burn-init's device path (`Source::Device`), Burn's built-in `Initializer`, and baselines (a
//! plain `Tensor::full`, a memset of an existing buffer, the host generator alone into an
//! existing buffer); then orthogonal at 512², 1024², 2048² (host path, device path, Burn's
//! `Initializer::Orthogonal`, whose tensor-op QR runs only up to 1024², 512² with
//! `BENCH_QUICK=1`). An iteration ends when the tensor is materialized (`device.sync()`) and
//! dropped. Criterion prints each benchmark (median time with its 95 % bootstrap interval,
//! throughput, change against the last run) and keeps its analysis in
//! `target/criterion` (`--save-baseline NAME` / `--baseline NAME` compare runs; a regex after
//! `--` selects benchmarks).
//!
//! PyTorch's figures for the same work (`uniform_`, `normal_`, `trunc_normal_`,
//! `xavier_uniform_`, `xavier_normal_`, `kaiming_normal_` into a fresh tensor, `orthogonal_`)
//! are measured in the same run by `benches/reference/torch_reference.py` (median of 7 timed
//! runs after a warm-up), run as a subprocess with as many threads as ours (`python3`, or
//! `$PYTHON`). The tables at the end show criterion's medians beside PyTorch's, with the ratio
//! "host / PyTorch" (speed: above 1 is faster than PyTorch); without python3 or torch they say
//! that no reference was measured. `BENCH_ONLY=fills` or `BENCH_ONLY=orthogonal` runs one part.
//! Every estimate (median, its interval, mean), PyTorch's rows, machine, versions and the git
//! commit land in `bench-results/fill.json`. Training throughput is `cargo bench -p
//! experiments`.

use std::time::{Duration, SystemTime};

use burn::nn::Initializer as BurnInit;
use burn::tensor::{Device, Tensor};
use burn_init::{Fans, HostRng, Init, Source, TensorInit, TensorInitExt, TensorSpec};
use burn_init::{Kaiming, Normal, Orthogonal, TruncatedNormal, Uniform, Xavier};
use criterion::{BenchmarkId, Criterion, Throughput};

/// The run: which parts, how long criterion samples, which sizes.
#[derive(Debug, Clone, Copy)]
struct Plan {
    quick: bool,
    fills: bool,
    orthogonal: bool,
}

impl Plan {
    fn sizes(self) -> &'static [usize] {
        if self.quick {
            &[1024, 4096]
        } else {
            &[1024, 4096, 8192]
        }
    }

    /// Orthogonal sizes at which Burn's QR (Burn's initializer) is timed: it runs one tensor op
    /// per Householder step and column, minutes beyond these on flex.
    fn burn_qr_up_to(self) -> usize {
        if self.quick { 512 } else { 1024 }
    }
}

const ORTHOGONAL_SIZES: [usize; 3] = [512, 1024, 2048];

/// Materializes `t` on its device, then drops it: the end of one timed iteration.
fn finish<const D: usize>(t: Tensor<D>, device: &Device) {
    device.sync().expect("the device synchronizes");
    drop(t);
}

/// PyTorch's rows for the same work, measured now by `benches/reference/torch_reference.py`
/// (`parts`: its `--only`), or why there are none.
fn torch_reference(parts: &str, quick: bool) -> Result<(String, Vec<serde_json::Value>), String> {
    let script =
        torch_reference_script(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    if !script.is_file() {
        return Err(format!("{} not found", script.display()));
    }
    let out =
        std::env::temp_dir().join(format!("burn-init-fill-torch-{}.json", std::process::id()));
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(&script)
        .args(["--only", parts, "--threads"])
        .arg(rayon::current_num_threads().to_string())
        .arg("--out")
        .arg(&out);
    if quick {
        cmd.arg("--quick");
    }
    // On a GPU device, PyTorch on the GPU (CUDA) is the comparison.
    if device_name() == "wgpu" {
        cmd.args(["--device", "cuda"]);
    }
    println!(
        "\nPyTorch reference: {python} {} --only {parts} …",
        script.display()
    );
    let record = run_torch_reference(cmd, &python, &script, &out)?;
    let version = record["torch_version"].as_str().unwrap_or("?").to_string();
    let threads = record["threads"].as_u64().unwrap_or(0);
    let rows = record["rows"].as_array().cloned().unwrap_or_default();
    Ok(match record["gpu"].as_str() {
        Some(gpu) => (format!("torch {version}, CUDA on {gpu}"), rows),
        None => (format!("torch {version}, {threads} threads"), rows),
    })
}

/// One initializer, every way of producing it.
struct Case {
    name: &'static str,
    init: Init,
    burn: Option<BurnInit>,
    /// The same work in `torch_reference.py` (a row name of its fill groups).
    torch: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "uniform(±0.1)",
            init: Init::Uniform(Uniform::new(-0.1, 0.1).unwrap()),
            burn: Some(BurnInit::Uniform {
                min: -0.1,
                max: 0.1,
            }),
            torch: Some("uniform_ (new tensor)"),
        },
        Case {
            name: "normal(0, 0.02)",
            init: Init::Normal(Normal::new(0.0, 0.02).unwrap()),
            burn: Some(BurnInit::Normal {
                mean: 0.0,
                std: 0.02,
            }),
            torch: Some("normal_ (new tensor)"),
        },
        Case {
            name: "glorot_uniform",
            init: Init::GlorotUniform,
            burn: Some(BurnInit::XavierUniform { gain: 1.0 }),
            torch: Some("xavier_uniform_ (new tensor)"),
        },
        Case {
            name: "xavier_normal",
            init: Init::XavierNormal(Xavier::new(1.0).unwrap()),
            burn: Some(BurnInit::XavierNormal { gain: 1.0 }),
            torch: Some("xavier_normal_ (new tensor)"),
        },
        Case {
            name: "kaiming_normal (PyTorch)",
            init: Init::KaimingNormal(Kaiming::new(
                burn_init::FanMode::FanIn,
                burn_init::Nonlinearity::Relu,
            )),
            burn: Some(BurnInit::KaimingNormal {
                gain: 2f64.sqrt(),
                fan_out_only: false,
            }),
            torch: Some("kaiming_normal_ (new tensor)"),
        },
        Case {
            name: "he_normal (Keras, truncated)",
            init: Init::HeNormal,
            burn: None,
            torch: None,
        },
        Case {
            name: "truncated_normal(0, 1, ±2)",
            init: Init::TruncatedNormal(TruncatedNormal::new(0.0, 1.0, -2.0, 2.0).unwrap()),
            burn: None,
            torch: Some("trunc_normal_ (±2σ) (new tensor)"),
        },
    ]
}

/// One criterion group per size: every case by every path, and the baselines.
fn bench_fills(c: &mut Criterion, device: &Device, n: usize) {
    let mut group = c.benchmark_group(format!("fill {n}x{n}"));
    group.throughput(Throughput::BytesDecimal((n * n * 4) as u64));
    let fans = Fans::linear(n, n).expect("a valid layer");
    group.bench_function("baseline: Tensor::full", |b| {
        b.iter(|| finish(Tensor::<2>::full([n, n], 0.5, device), device))
    });
    // The generator alone, into a buffer that is already mapped (no allocation, no upload).
    let mut buf = vec![0f32; n * n];
    group.bench_function("baseline: memset of an existing buffer", |b| {
        b.iter(|| buf.fill(0.5))
    });
    let shape = [n, n];
    let spec = TensorSpec::new(&shape, Some(fans));
    for (name, init) in generator_only() {
        group.bench_function(format!("host generator only: {name}"), |b| {
            b.iter(|| {
                init.fill_host(spec, HostRng::new(1), &mut buf)
                    .expect("a valid fill")
            })
        });
    }
    drop(buf);
    for case in cases() {
        group.bench_function(BenchmarkId::new(case.name, "host"), |b| {
            b.iter(|| {
                let t = case
                    .init
                    .sample([n, n], fans, Source::Host(HostRng::new(1)), device)
                    .expect("a valid fill");
                finish(t, device)
            })
        });
        group.bench_function(BenchmarkId::new(case.name, "device"), |b| {
            b.iter(|| {
                let t = case
                    .init
                    .sample([n, n], fans, Source::Device, device)
                    .expect("a valid fill");
                finish(t, device)
            })
        });
        if let Some(burn) = &case.burn {
            group.bench_function(BenchmarkId::new(case.name, "burn"), |b| {
                b.iter(|| {
                    let t = burn
                        .init_with::<2, _>([n, n], Some(n), Some(n), device)
                        .val();
                    finish(t, device)
                })
            });
        }
    }
    group.finish();
}

/// The host generator alone, one per distribution family.
fn generator_only() -> [(&'static str, Init); 3] {
    [
        ("uniform", Init::GlorotUniform),
        ("normal", Init::XavierNormal(Xavier::new(1.0).unwrap())),
        ("truncated normal", Init::HeNormal),
    ]
}

/// One criterion group per size: host path, device path and (small sizes) Burn's initializer.
fn bench_orthogonal(c: &mut Criterion, device: &Device, plan: Plan) {
    for m in ORTHOGONAL_SIZES {
        let mut group = c.benchmark_group(format!("orthogonal {m}x{m}"));
        group.throughput(Throughput::BytesDecimal((m * m * 4) as u64));
        group.sample_size(10);
        // Ten flat samples of up to a few hundred milliseconds each.
        group.measurement_time(Duration::from_secs(if plan.quick { 3 } else { 6 }));
        let init = Init::Orthogonal(Orthogonal::new(1.0).unwrap());
        group.bench_function("host", |b| {
            b.iter(|| {
                let t = init
                    .sample([m, m], None, Source::Host(HostRng::new(1)), device)
                    .expect("a valid matrix");
                finish(t, device)
            })
        });
        group.bench_function("device", |b| {
            b.iter(|| {
                let t = init
                    .sample([m, m], None, Source::Device, device)
                    .expect("a valid matrix");
                finish(t, device)
            })
        });
        if m <= plan.burn_qr_up_to() {
            group.bench_function("burn", |b| {
                b.iter(|| {
                    let t = BurnInit::Orthogonal { gain: 1.0 }
                        .init_with::<2, _>([m, m], Some(m), Some(m), device)
                        .val();
                    finish(t, device)
                })
            });
        }
        group.finish();
    }
}

/// A table row: name, then seconds per tensor of burn-init's host path, its device path, Burn's
/// built-in and PyTorch (medians).
type Row = (String, [Option<f64>; 4]);

/// Seconds per iteration of benchmark `id`, as criterion estimated it in this run.
fn secs(est: &std::collections::BTreeMap<String, Estimate>, id: &str) -> Option<f64> {
    est.get(id).map(|e| e.median_ns / 1e9)
}

/// PyTorch's seconds for row `name` of group `group` (its groups are "fill 1024²",
/// "orthogonal"), from its GB/s and the tensor's `bytes`.
fn torch_secs(rows: &[serde_json::Value], group: &str, name: &str, bytes: usize) -> Option<f64> {
    rows.iter()
        .find(|r| r["group"] == group && r["name"] == name)
        .and_then(|r| r["gb_per_s"].as_f64())
        .map(|gbs| bytes as f64 / gbs / 1e9)
}

fn fill_table(
    est: &std::collections::BTreeMap<String, Estimate>,
    n: usize,
    torch: &[serde_json::Value],
) -> Vec<Row> {
    let group = format!("fill {n}x{n}");
    cases()
        .into_iter()
        .map(|case| {
            let path = |p: &str| secs(est, &format!("{group}/{}/{p}", case.name));
            let torch = case
                .torch
                .and_then(|name| torch_secs(torch, &format!("fill {n}²"), name, n * n * 4));
            (
                case.name.to_string(),
                [path("host"), path("device"), path("burn"), torch],
            )
        })
        .collect()
}

/// Seconds per tensor becomes GB/s (`Some(bytes)`) or milliseconds (`None`); the ratios are
/// speeds (above 1: burn-init's host path is faster).
fn print_table(title: &str, table: &[(Row, usize)], gbs: bool, torch_note: &str) {
    if gbs {
        println!("\n{title}: GB/s (higher is better); {torch_note}");
    } else {
        println!("\n{title}: milliseconds (lower is better); {torch_note}");
    }
    println!(
        "{:<30} {:>14} {:>14} {:>14} {:>10} {:>10} {:>13}",
        "initializer",
        "burn-init host",
        "burn-init dev",
        "Burn built-in",
        "PyTorch",
        "host/Burn",
        "host/PyTorch"
    );
    for ((name, [host, dev, burn, torch]), bytes) in table {
        let f = |v: &Option<f64>| {
            v.map_or("—".to_string(), |s| {
                if gbs {
                    format!("{:.2}", *bytes as f64 / s / 1e9)
                } else {
                    format!("{:.1}", s * 1e3)
                }
            })
        };
        let ratio = |other: &Option<f64>| match (host, other) {
            (Some(h), Some(o)) => format!("{:.2}×", o / h),
            _ => "—".into(),
        };
        println!(
            "{name:<30} {:>14} {:>14} {:>14} {:>10} {:>10} {:>13}",
            f(host),
            f(dev),
            f(burn),
            f(torch),
            ratio(burn),
            ratio(torch)
        );
    }
}

/// The baselines of each size, GB/s.
fn print_baselines(est: &std::collections::BTreeMap<String, Estimate>, sizes: &[usize]) {
    println!("\nbaselines: GB/s (higher is better)");
    let names: Vec<String> = [
        "baseline: Tensor::full",
        "baseline: memset of an existing buffer",
    ]
    .into_iter()
    .map(str::to_string)
    .chain(
        generator_only()
            .into_iter()
            .map(|(name, _)| format!("host generator only: {name}")),
    )
    .collect();
    print!("{:<40}", "");
    for n in sizes {
        print!(" {:>12}", format!("{n}x{n}"));
    }
    println!();
    for name in &names {
        print!("{name:<40}");
        for &n in sizes {
            let cell = secs(est, &format!("fill {n}x{n}/{name}")).map_or("—".to_string(), |s| {
                format!("{:.2}", (n * n * 4) as f64 / s / 1e9)
            });
            print!(" {cell:>12}");
        }
        println!();
    }
}

/// The device of this run: `BENCH_DEVICE` (`flex`, the default, or `wgpu`).
fn device_name() -> &'static str {
    match std::env::var("BENCH_DEVICE").as_deref() {
        Ok("wgpu") => "wgpu",
        _ => "flex",
    }
}

/// Writes every estimate and PyTorch's rows with provenance to `bench-results/fill.json` at the
/// workspace root (atomically: temp file, then rename).
fn write_record(
    est: &std::collections::BTreeMap<String, Estimate>,
    torch: &[serde_json::Value],
    plan: Plan,
) {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    let avx2 = false;
    let rows: Vec<serde_json::Value> = record_rows(est)
        .chain(torch.iter().map(|r| {
            let mut r = r.clone();
            r["source"] = "pytorch".into();
            r
        }))
        .collect();
    let record = serde_json::json!({
        "bench": "fill",
        "harness": "criterion 0.8",
        "git_commit": commit,
        "burn_init_version": env!("CARGO_PKG_VERSION"),
        "burn_version": "0.22.1",
        "device": device_name(),
        "cpu": cpu_model(),
        "threads": rayon::current_num_threads(),
        "avx2": avx2,
        "quick": plan.quick,
        "unix_time": SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "rows": rows,
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench-results");
    let path = dir.join("fill.json");
    let tmp = dir.join("fill.json.tmp");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(&tmp, serde_json::to_string_pretty(&record).expect("json")))
        .and_then(|_| std::fs::rename(&tmp, &path));
    match written {
        Ok(()) => println!("\nrecorded in {}", path.display()),
        Err(e) => eprintln!("could not record the results: {e}"),
    }
}

fn main() {
    let device = match std::env::var("BENCH_DEVICE").as_deref() {
        Ok("wgpu") => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
        Ok("flex") | Err(_) => Device::flex(),
        Ok(other) => {
            eprintln!("BENCH_DEVICE={other}: expected `flex` or `wgpu`");
            std::process::exit(2);
        }
    };
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let (fills, orthogonal) = match only.as_str() {
        "" => (true, true),
        "fills" => (true, false),
        "orthogonal" => (false, true),
        other => {
            eprintln!("BENCH_ONLY={other}: expected `fills` or `orthogonal`");
            std::process::exit(2);
        }
    };
    let plan = Plan {
        quick,
        fills,
        orthogonal,
    };
    let parts: Vec<&str> = [(plan.fills, "fills"), (plan.orthogonal, "orthogonal")]
        .into_iter()
        .filter_map(|(on, p)| on.then_some(p))
        .collect();
    let reference = if criterion_measures_nothing() {
        Err("criterion is listing or testing, not measuring".to_string())
    } else {
        torch_reference(&parts.join(","), quick)
    };
    let (torch_note, torch) = match reference {
        Ok((what, rows)) => {
            let note = format!("PyTorch measured in this run ({what})");
            println!("{note}");
            (note, rows)
        }
        Err(why) => {
            let note = format!("no PyTorch reference measured ({why})");
            println!("{note}");
            (note, Vec::new())
        }
    };
    println!(
        "\ncriterion on {} ({} threads)",
        device_name(),
        rayon::current_num_threads()
    );
    let started = SystemTime::now();
    // Command-line options (`--sample-size`, `--save-baseline`, a filter, …) override these.
    let mut c = Criterion::default()
        .sample_size(if quick { 10 } else { 20 })
        .warm_up_time(Duration::from_millis(if quick { 300 } else { 1000 }))
        .measurement_time(Duration::from_millis(if quick { 1000 } else { 3000 }))
        .without_plots()
        .configure_from_args();
    if plan.fills {
        for &n in plan.sizes() {
            bench_fills(&mut c, &device, n);
        }
    }
    if plan.orthogonal {
        bench_orthogonal(&mut c, &device, plan);
    }
    c.final_summary();

    let Some(est) = estimates_of_this_run(started) else {
        return;
    };
    println!("\nmedians of criterion's samples (intervals: above, and in bench-results/fill.json)");
    if plan.fills {
        for &n in plan.sizes() {
            let table: Vec<(Row, usize)> = fill_table(&est, n, &torch)
                .into_iter()
                .map(|r| (r, n * n * 4))
                .collect();
            print_table(&format!("fill {n}x{n}"), &table, true, &torch_note);
        }
        print_baselines(&est, plan.sizes());
    }
    if plan.orthogonal {
        let table: Vec<(Row, usize)> = ORTHOGONAL_SIZES
            .into_iter()
            .map(|m| {
                let id = |p: &str| secs(&est, &format!("orthogonal {m}x{m}/{p}"));
                let torch = torch_secs(
                    &torch,
                    "orthogonal",
                    &format!("orthogonal_ {m}×{m}"),
                    m * m * 4,
                );
                (
                    (
                        format!("orthogonal {m}x{m}"),
                        [id("host"), id("device"), id("burn"), torch],
                    ),
                    m * m * 4,
                )
            })
            .collect();
        print_table("orthogonal", &table, false, &torch_note);
    }
    write_record(&est, &torch, plan);
}

include!("../../../benches/reference/locate.rs");
include!("../../../benches/reference/estimates.rs");

//! `cargo bench -p burn-init`: a documented harness (no criterion, to keep the build light).
//!
//! In one run, on flex (`BENCH_DEVICE=wgpu`: on wgpu, with PyTorch on CUDA as the reference), side by side for n×n f32 tensors (n = 1024, 4096, 8192; `BENCH_QUICK=1`:
//! 1024 and 4096 only): burn-init's host path (Philox, parallel, into a fresh tensor),
//! burn-init's device path (Burn's RNG), Burn's built-in `Initializer`, a plain `Tensor::full`
//! (memset baseline) and the host generator alone into an existing buffer; then orthogonal at
//! 512², 1024², 2048² (host path, device path, Burn's `Initializer::Orthogonal`). Each figure
//! is the median of `reps` timed runs after one warm-up (7; 3 at 8192²); a run ends when the
//! tensor is materialized (`device.sync()`). GB/s counts output bytes.
//!
//! PyTorch's figures for the same work (`uniform_`, `normal_`, `trunc_normal_`,
//! `xavier_uniform_`, `xavier_normal_`, `kaiming_normal_` into a fresh tensor, `orthogonal_`)
//! are measured in the same run by `benches/reference/torch_reference.py`, run as a subprocess
//! with as many threads as ours (`python3`, or `$PYTHON`); the tables show them and the ratio
//! "host / PyTorch" (speed: above 1 is faster than PyTorch). Without python3 or torch the tables
//! say that no reference was measured. `BENCH_ONLY=fills` or `BENCH_ONLY=orthogonal` runs one
//! part. Rows (PyTorch's included), machine, versions and the git commit land in
//! `bench-results/fill.json`. Training throughput is `cargo bench -p experiments` (same
//! workspace run: `cargo bench --workspace`).

use std::time::Instant;

use burn::nn::Initializer as BurnInit;
use burn::tensor::{Device, Tensor};
use burn_init::{Fans, HostRng, Init, Source, TensorInitExt};

const REPS: usize = 7;

thread_local! {
    static REPS_NOW: std::cell::Cell<usize> = const { std::cell::Cell::new(REPS) };
}

/// Median of the configured repetitions after a warm-up; a case whose warm-up alone takes more
/// than 5 s is timed by that one run (Burn's device QR at 1024² and up).
fn median_secs(mut f: impl FnMut()) -> f64 {
    let warm = Instant::now();
    f();
    let warm = warm.elapsed().as_secs_f64();
    if warm > 5.0 {
        return warm;
    }
    let reps = REPS_NOW.with(std::cell::Cell::get);
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t[reps / 2]
}

thread_local! {
    static ROWS: std::cell::RefCell<Vec<serde_json::Value>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn row(group: &str, name: &str, secs: f64, bytes: usize) -> f64 {
    let gbs = bytes as f64 / secs / 1e9;
    println!("{name:<46} {:>10.2} ms {gbs:>8.2} GB/s", secs * 1e3);
    ROWS.with(|r| {
        r.borrow_mut().push(serde_json::json!({
            "group": group, "name": name, "median_ms": secs * 1e3, "bytes": bytes, "gb_per_s": gbs,
        }))
    });
    gbs
}

/// Writes every row with provenance to `bench-results/fill.json` at the workspace root
/// (atomically: temp file, then rename).
fn write_record() {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    let avx2 = false;
    let record = serde_json::json!({
        "bench": "fill",
        "git_commit": commit,
        "burn_init_version": env!("CARGO_PKG_VERSION"),
        "burn_version": "0.22.1",
        "device": device_name(),
        "cpu": cpu,
        "threads": rayon::current_num_threads(),
        "avx2": avx2,
        "reps": REPS,
        "unix_time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "rows": ROWS.with(|r| r.borrow().clone()),
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

/// PyTorch's GB/s for row `name` of group `group` (its groups are "fill 1024²", "orthogonal").
fn torch_gbs(rows: &[serde_json::Value], group: &str, name: &str) -> Option<f64> {
    rows.iter()
        .find(|r| r["group"] == group && r["name"] == name)
        .and_then(|r| r["gb_per_s"].as_f64())
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
            init: Init::Uniform {
                low: -0.1,
                high: 0.1,
            },
            burn: Some(BurnInit::Uniform {
                min: -0.1,
                max: 0.1,
            }),
            torch: Some("uniform_ (new tensor)"),
        },
        Case {
            name: "normal(0, 0.02)",
            init: Init::Normal {
                mean: 0.0,
                std: 0.02,
            },
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
            init: Init::XavierNormal { gain: 1.0 },
            burn: Some(BurnInit::XavierNormal { gain: 1.0 }),
            torch: Some("xavier_normal_ (new tensor)"),
        },
        Case {
            name: "kaiming_normal (PyTorch)",
            init: Init::KaimingNormal {
                mode: burn_init::FanMode::FanIn,
                nonlinearity: burn_init::Nonlinearity::Relu,
            },
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
            init: Init::TruncatedNormal {
                mean: 0.0,
                std: 1.0,
                low: -2.0,
                high: 2.0,
            },
            burn: None,
            torch: Some("trunc_normal_ (±2σ) (new tensor)"),
        },
    ]
}

/// A table row: name, then GB/s of burn-init's host path, its device path, Burn's built-in and
/// PyTorch.
type Row = (String, [Option<f64>; 4]);

fn fills(device: &Device, n: usize, torch: &[serde_json::Value]) -> Vec<Row> {
    let bytes = n * n * 4;
    let group = format!("fill {n}x{n}");
    let fans = Fans::linear(n, n).unwrap();
    REPS_NOW.with(|r| r.set(if n >= 8192 { 3 } else { REPS }));
    println!(
        "\n{group} f32 on {} ({} threads)",
        device_name(),
        rayon::current_num_threads()
    );
    row(
        &group,
        "Tensor::full (memset baseline, new tensor)",
        median_secs(|| {
            let t = Tensor::<2>::full([n, n], 0.5, device);
            device.sync().unwrap();
            drop(t);
        }),
        bytes,
    );
    // The generator alone, into a buffer that is already mapped (no allocation, no upload).
    let mut buf = vec![0f32; n * n];
    row(
        &group,
        "memset of an existing buffer",
        median_secs(|| buf.fill(0.5)),
        bytes,
    );
    for (name, init) in [
        ("uniform", Init::GlorotUniform),
        ("normal", Init::XavierNormal { gain: 1.0 }),
        ("truncated normal", Init::HeNormal),
    ] {
        row(
            &group,
            &format!("host generator only: {name}"),
            median_secs(|| {
                burn_init::TensorInit::fill_host(
                    &init,
                    &[n, n],
                    Some(fans),
                    HostRng::new(1),
                    &mut buf,
                )
                .expect("a valid fill");
            }),
            bytes,
        );
    }
    drop(buf);
    let mut table = Vec::new();
    for case in cases() {
        let host = row(
            &group,
            &format!("{}: burn-init host path", case.name),
            median_secs(|| {
                let t = case
                    .init
                    .sample([n, n], fans, Source::Host(HostRng::new(1)), device)
                    .unwrap();
                device.sync().unwrap();
                drop(t);
            }),
            bytes,
        );
        let dev = row(
            &group,
            &format!("{}: burn-init device path", case.name),
            median_secs(|| {
                let t = case
                    .init
                    .sample([n, n], fans, Source::Device, device)
                    .unwrap();
                device.sync().unwrap();
                drop(t);
            }),
            bytes,
        );
        let burn = case.burn.as_ref().map(|b| {
            row(
                &group,
                &format!("{}: Burn Initializer", case.name),
                median_secs(|| {
                    let t = b.init_with::<2, _>([n, n], Some(n), Some(n), device).val();
                    device.sync().unwrap();
                    drop(t);
                }),
                bytes,
            )
        });
        let torch = case
            .torch
            .and_then(|name| torch_gbs(torch, &format!("fill {n}²"), name));
        table.push((case.name.to_string(), [Some(host), Some(dev), burn, torch]));
    }
    table
}

/// GB/s, or milliseconds for one `m×m` matrix when `ms_for` is `Some(m)` (orthogonal); the
/// ratios are speeds (above 1: burn-init's host path is faster).
fn print_table(title: &str, table: &[Row], ms_for: Option<&[usize]>, torch_note: &str) {
    match ms_for {
        Some(_) => println!("\n{title}: milliseconds (lower is better); {torch_note}"),
        None => println!("\n{title}: GB/s (higher is better); {torch_note}"),
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
    for (k, (name, [host, dev, burn, torch])) in table.iter().enumerate() {
        let f = |v: &Option<f64>| {
            v.map_or("—".to_string(), |v| match ms_for {
                Some(sizes) => format!("{:.1}", (sizes[k] * sizes[k] * 4) as f64 / v / 1e6),
                None => format!("{v:.2}"),
            })
        };
        let ratio = |other: &Option<f64>| match (host, other) {
            (Some(h), Some(o)) => format!("{:.2}×", h / o),
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

/// The device of this run: `BENCH_DEVICE` (`flex`, the default, or `wgpu`).
fn device_name() -> &'static str {
    match std::env::var("BENCH_DEVICE").as_deref() {
        Ok("wgpu") => "wgpu",
        _ => "flex",
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
    let (run_fills, run_ortho) = match only.as_str() {
        "" => (true, true),
        "fills" => (true, false),
        "orthogonal" => (false, true),
        other => {
            eprintln!("BENCH_ONLY={other}: expected `fills` or `orthogonal`");
            std::process::exit(2);
        }
    };
    let sizes: &[usize] = if quick {
        &[1024, 4096]
    } else {
        &[1024, 4096, 8192]
    };
    let parts: Vec<&str> = [(run_fills, "fills"), (run_ortho, "orthogonal")]
        .into_iter()
        .filter_map(|(on, p)| on.then_some(p))
        .collect();
    let (torch_note, torch) = match torch_reference(&parts.join(","), quick) {
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
    for r in &torch {
        ROWS.with(|rows| {
            let mut r = r.clone();
            r["source"] = "pytorch".into();
            rows.borrow_mut().push(r)
        });
    }
    let tables: Vec<(usize, Vec<Row>)> = if run_fills {
        sizes
            .iter()
            .map(|&n| (n, fills(&device, n, &torch)))
            .collect()
    } else {
        Vec::new()
    };

    let mut ortho = Vec::new();
    if run_ortho {
        REPS_NOW.with(|r| r.set(if quick { 3 } else { 5 }));
        println!("\northogonal on {}", device_name());
    }
    for m in [512usize, 1024, 2048].into_iter().filter(|_| run_ortho) {
        let bytes = m * m * 4;
        let group = "orthogonal";
        // Burn's QR (used by Burn's initializer and by our device path) runs one tensor op per
        // Householder step and column; beyond 1024² (512² with BENCH_QUICK) it takes minutes on
        // flex.
        let qr_ok = m <= if quick { 512 } else { 1024 };
        let host = row(
            group,
            &format!("orthogonal {m}x{m}: burn-init host path"),
            median_secs(|| {
                let t = Init::Orthogonal { gain: 1.0 }
                    .sample([m, m], None, Source::Host(HostRng::new(1)), &device)
                    .unwrap();
                device.sync().unwrap();
                drop(t);
            }),
            bytes,
        );
        let dev = qr_ok.then(|| {
            row(
                group,
                &format!("orthogonal {m}x{m}: burn-init device path"),
                median_secs(|| {
                    let t = Init::Orthogonal { gain: 1.0 }
                        .sample([m, m], None, Source::Device, &device)
                        .unwrap();
                    device.sync().unwrap();
                    drop(t);
                }),
                bytes,
            )
        });
        let burn = qr_ok.then(|| {
            row(
                group,
                &format!("orthogonal {m}x{m}: Burn Initializer"),
                median_secs(|| {
                    let t = BurnInit::Orthogonal { gain: 1.0 }
                        .init_with::<2, _>([m, m], Some(m), Some(m), &device)
                        .val();
                    device.sync().unwrap();
                    drop(t);
                }),
                bytes,
            )
        });
        let torch = torch_gbs(&torch, "orthogonal", &format!("orthogonal_ {m}×{m}"));
        ortho.push((
            format!("orthogonal {m}x{m}"),
            [Some(host), dev, burn, torch],
        ));
    }
    for (n, table) in &tables {
        print_table(&format!("fill {n}x{n}"), table, None, &torch_note);
    }
    if run_ortho {
        print_table("orthogonal", &ortho, Some(&[512, 1024, 2048]), &torch_note);
    }
    write_record();
}

include!("../../../benches/reference/locate.rs");

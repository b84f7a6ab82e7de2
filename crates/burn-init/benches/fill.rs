//! `cargo bench -p burn-init`: a documented harness (no criterion, to keep the build light).
//!
//! In one run, on flex, side by side for n×n f32 tensors (n = 1024, 4096, 8192; `BENCH_QUICK=1`:
//! 1024 and 4096 only): burn-init's host path (Philox, parallel, into a fresh tensor),
//! burn-init's device path (Burn's RNG), Burn's built-in `Initializer`, a plain `Tensor::full`
//! (memset baseline) and the host generator alone into an existing buffer; then orthogonal at
//! 512², 1024², 2048² (host path, device path, Burn's `Initializer::Orthogonal`). Each figure
//! is the median of `reps` timed runs after one warm-up (7; 3 at 8192²); a run ends when the
//! tensor is materialized (`device.sync()`). GB/s counts output bytes. Rows, machine,
//! versions and the git commit land in `bench-results/fill.json`. Training throughput is
//! `cargo bench -p experiments` (same workspace run: `cargo bench --workspace`).

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
        "device": "flex",
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

/// One initializer, every way of producing it.
struct Case {
    name: &'static str,
    init: Init,
    burn: Option<BurnInit>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "glorot_uniform",
            init: Init::GlorotUniform,
            burn: Some(BurnInit::XavierUniform { gain: 1.0 }),
        },
        Case {
            name: "xavier_normal",
            init: Init::XavierNormal { gain: 1.0 },
            burn: Some(BurnInit::XavierNormal { gain: 1.0 }),
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
        },
        Case {
            name: "he_normal (Keras, truncated)",
            init: Init::HeNormal,
            burn: None,
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
        },
    ]
}

fn fills(device: &Device, n: usize) -> Vec<(String, [Option<f64>; 3])> {
    let bytes = n * n * 4;
    let group = format!("fill {n}x{n}");
    let fans = Fans::linear(n, n).unwrap();
    REPS_NOW.with(|r| r.set(if n >= 8192 { 3 } else { REPS }));
    println!(
        "\n{group} f32 on flex ({} threads)",
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
        table.push((case.name.to_string(), [Some(host), Some(dev), burn]));
    }
    table
}

/// GB/s, or milliseconds for one `m×m` matrix when `ms_for` is `Some(m)` (orthogonal).
fn print_table(title: &str, table: &[(String, [Option<f64>; 3])], ms_for: Option<&[usize]>) {
    match ms_for {
        Some(_) => println!("\n{title}: milliseconds (lower is better)"),
        None => println!("\n{title}: GB/s (higher is better)"),
    }
    println!(
        "{:<30} {:>14} {:>14} {:>14} {:>10}",
        "initializer", "burn-init host", "burn-init dev", "Burn built-in", "host/Burn"
    );
    for (k, (name, [host, dev, burn])) in table.iter().enumerate() {
        let f = |v: &Option<f64>| {
            v.map_or("—".to_string(), |v| match ms_for {
                Some(sizes) => format!("{:.1}", (sizes[k] * sizes[k] * 4) as f64 / v / 1e6),
                None => format!("{v:.2}"),
            })
        };
        let ratio = match (host, burn) {
            (Some(h), Some(b)) => format!("{:.1}×", h / b),
            _ => "—".into(),
        };
        println!(
            "{name:<30} {:>14} {:>14} {:>14} {ratio:>10}",
            f(host),
            f(dev),
            f(burn)
        );
    }
}

fn main() {
    let device = Device::flex();
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let sizes: &[usize] = if quick {
        &[1024, 4096]
    } else {
        &[1024, 4096, 8192]
    };
    let tables: Vec<(usize, Vec<_>)> = sizes.iter().map(|&n| (n, fills(&device, n))).collect();

    REPS_NOW.with(|r| r.set(if quick { 3 } else { 5 }));
    println!("\northogonal on flex");
    let mut ortho = Vec::new();
    for m in [512usize, 1024, 2048] {
        let bytes = m * m * 4;
        let group = "orthogonal";
        // Burn's QR (used by Burn's initializer and by our device path) runs one tensor op per
        // Householder step and column; beyond 1024² it takes many minutes on flex.
        let qr_ok = m <= 1024;
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
        ortho.push((format!("orthogonal {m}x{m}"), [Some(host), dev, burn]));
    }
    for (n, table) in &tables {
        print_table(&format!("fill {n}x{n}"), table, None);
    }
    print_table("orthogonal", &ortho, Some(&[512, 1024, 2048]));
    write_record();
}

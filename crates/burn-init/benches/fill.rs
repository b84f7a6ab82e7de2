//! `cargo bench -p burn-init`: a documented harness (no criterion, to keep the build light).
//!
//! Filling 4096×4096 f32 tensors (64 MiB) on flex: burn-init's host path (Philox, parallel),
//! burn-init's device path (Burn's RNG), Burn's built-in `Initializer` and a plain `Tensor::full`
//! of the same shape, all in the same run; then orthogonal at 512², 1024², 2048² beside a normal
//! fill of the same shape. Each figure is the median of `REPS` timed runs after one warm-up; a
//! run ends when the tensor is materialized (`device.sync()`). GB/s counts output bytes.

use std::time::Instant;

use burn::nn::Initializer as BurnInit;
use burn::tensor::{Device, Tensor};
use burn_init::{Fans, HostRng, Init, InitializerExt, Source};

const REPS: usize = 7;

fn median_secs(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..REPS)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t[REPS / 2]
}

thread_local! {
    static ROWS: std::cell::RefCell<Vec<serde_json::Value>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn row(name: &str, secs: f64, bytes: usize) {
    let gbs = bytes as f64 / secs / 1e9;
    println!("{name:<44} {:>9.2} ms {gbs:>8.2} GB/s", secs * 1e3);
    ROWS.with(|r| {
        r.borrow_mut().push(serde_json::json!({
            "name": name, "median_ms": secs * 1e3, "bytes": bytes, "gb_per_s": gbs,
        }))
    });
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

fn main() {
    let device = Device::flex();
    let n = 4096;
    let bytes = n * n * 4;
    let fans = Fans::linear(n, n).unwrap();
    println!(
        "fill 4096×4096 f32 on flex ({} threads), median of {REPS}",
        rayon::current_num_threads()
    );
    row(
        "Tensor::full (memset baseline)",
        median_secs(|| {
            let t = Tensor::<2>::full([n, n], 0.5, &device);
            device.sync().unwrap();
            drop(t);
        }),
        bytes,
    );
    // The generator alone, into a buffer that is already mapped (no allocation, no upload).
    let mut buf = vec![0f32; n * n];
    for (name, init) in [
        ("uniform", Init::GlorotUniform),
        ("normal", Init::XavierNormal { gain: 1.0 }),
        ("truncated normal", Init::HeNormal),
    ] {
        row(
            &format!("host generator only: {name}"),
            median_secs(|| {
                burn_init::Initializer::fill_host(
                    &init,
                    &[n, n],
                    Some(fans),
                    HostRng::new(1),
                    &mut buf,
                );
            }),
            bytes,
        );
    }
    row(
        "plain memset of the same buffer",
        median_secs(|| buf.fill(0.5)),
        bytes,
    );
    row(
        "allocate + fill a new Vec (page faults)",
        median_secs(|| {
            let v = vec![0.5f32; n * n];
            std::hint::black_box(&v);
        }),
        bytes,
    );
    let cases: [(&str, Init, Option<BurnInit>); 3] = [
        (
            "he_normal (truncated)",
            Init::HeNormal,
            Some(BurnInit::KaimingNormal {
                gain: 2f64.sqrt(),
                fan_out_only: false,
            }),
        ),
        (
            "glorot_uniform",
            Init::GlorotUniform,
            Some(BurnInit::XavierUniform { gain: 1.0 }),
        ),
        (
            "truncated_normal(0, 1, ±2)",
            Init::TruncatedNormal {
                mean: 0.0,
                std: 1.0,
                low: -2.0,
                high: 2.0,
            },
            None,
        ),
    ];
    for (name, init, burn) in cases {
        row(
            &format!("burn-init {name}, host path"),
            median_secs(|| {
                let t = init
                    .sample([n, n], fans, Source::Host(HostRng::new(1)), &device)
                    .unwrap();
                device.sync().unwrap();
                drop(t);
            }),
            bytes,
        );
        row(
            &format!("burn-init {name}, device path"),
            median_secs(|| {
                let t = init.sample([n, n], fans, Source::Device, &device).unwrap();
                device.sync().unwrap();
                drop(t);
            }),
            bytes,
        );
        if let Some(b) = burn {
            row(
                &format!("Burn Initializer::{b:?}")
                    .chars()
                    .take(44)
                    .collect::<String>(),
                median_secs(|| {
                    let t = b.init_with::<2, _>([n, n], Some(n), Some(n), &device).val();
                    device.sync().unwrap();
                    drop(t);
                }),
                bytes,
            );
        }
    }
    println!();
    println!("orthogonal on flex, median of {REPS}");
    for m in [512usize, 1024, 2048] {
        let bytes = m * m * 4;
        row(
            &format!("normal fill {m}×{m}"),
            median_secs(|| {
                let t = Init::LargeRandom
                    .sample([m, m], None, Source::Host(HostRng::new(1)), &device)
                    .unwrap();
                device.sync().unwrap();
                drop(t);
            }),
            bytes,
        );
        row(
            &format!("burn-init orthogonal {m}×{m}, host path"),
            median_secs(|| {
                let t = Init::Orthogonal { gain: 1.0 }
                    .sample([m, m], None, Source::Host(HostRng::new(1)), &device)
                    .unwrap();
                device.sync().unwrap();
                drop(t);
            }),
            bytes,
        );
    }
    write_record();
}

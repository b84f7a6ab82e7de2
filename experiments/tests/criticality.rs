//! `experiments criticality-quick` end to end through the binary: every file, and every claim
//! with the fields of the suite's claim schema.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn tmp(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("criticality-{name}"));
    let _ = std::fs::remove_dir_all(&p);
    p
}

#[test]
fn quick_run_writes_files_and_decided_claims() {
    let out = tmp("quick");
    let o = Command::new(env!("CARGO_BIN_EXE_experiments"))
        .args([
            "criticality-quick",
            "--seeds",
            "3",
            "--dataset",
            "synthetic",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "exit {:?}\n{stderr}", o.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let trained = ["trainability", "critical_training"];
    for stem in experiments::experiments::criticality::FIGURES
        .into_iter()
        .chain(trained)
    {
        for ext in ["svg", "png"] {
            let f = out.join(format!("{stem}.{ext}"));
            assert!(
                f.metadata().is_ok_and(|m| m.len() > 100),
                "{} missing or empty",
                f.display()
            );
        }
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in ["critical-line-tanh", "orthogonal-isometry-tanh", "Protocol"] {
        assert!(report.contains(needle), "report.md lacks {needle}");
    }
    let claims: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("claims.json")).unwrap()).unwrap();
    let claims = claims.as_array().expect("claims.json is an array");
    let ids: Vec<&str> = claims.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "critical-line-tanh",
            "orthogonal-isometry-tanh",
            "orthogonal-relu-spreads",
            "trainable-depth-6xi",
            "trainable-depth-peaks-at-criticality",
            "orthogonal-trains-faster-tanh"
        ]
    );
    // The training sweeps leave their own folders (summaries of every run).
    for (sub, runs) in [("trainability", 3 * 2 * 3), ("isometry", 2 * 3)] {
        let summary: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(sub).join("summary.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            summary["runs"].as_array().map(Vec::len),
            Some(runs),
            "{sub}"
        );
    }
    for c in claims {
        for key in ["claim", "metric", "source", "threshold_reason"] {
            assert!(c[key].is_string(), "{key}: {c}");
        }
        assert!(c["value"].is_number() || c["value"].is_null(), "value: {c}");
        assert!(c["threshold"].is_number(), "threshold: {c}");
        assert!(c["n_seeds"].is_u64(), "n_seeds: {c}");
        // The seeds: `--seeds 3` fixes one look of 3 at level 0.95; the scale is recorded.
        assert_eq!(c["seeds"]["rule"], "fixed", "{c}");
        assert_eq!(c["seeds"]["looks"], serde_json::json!([3]), "{c}");
        assert_eq!(c["seeds"]["level"], 0.95, "{c}");
        assert_eq!(c["scale"], "quick", "{c}");
        assert_eq!(
            c["values"].as_array().map(Vec::len),
            c["n_seeds"].as_u64().map(|n| n as usize),
            "per-seed values: {c}"
        );
        assert!(
            c["prediction"].is_number() || c["prediction"].is_null(),
            "prediction: {c}"
        );
        let status = c["status"].as_str().expect("status");
        assert!(
            ["confirmed", "refuted", "undecided"].contains(&status),
            "{status}"
        );
        // holds follows status; a decided claim has an interval, an undecided one a reason.
        match status {
            "confirmed" => assert_eq!(c["holds"], true),
            "refuted" => assert_eq!(c["holds"], false),
            _ => {
                assert!(c["holds"].is_null());
                assert!(c["reason"].is_string(), "undecided without a reason: {c}");
            }
        }
        if status != "undecided" {
            let iv = c["interval"]
                .as_array()
                .expect("a decided claim has an interval");
            assert_eq!(iv.len(), 2);
            assert!(iv[0].as_f64().unwrap() <= iv[1].as_f64().unwrap());
        }
    }
    let data: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("criticality.json")).unwrap())
            .unwrap();
    assert_eq!(data["settings"]["seeds"].as_array().map(Vec::len), Some(3));
    assert!(data["cells"].as_array().is_some_and(|c| !c.is_empty()));
    assert_eq!(data["spectra"].as_array().map(Vec::len), Some(4));
    let _ = std::fs::remove_dir_all(&out);
}

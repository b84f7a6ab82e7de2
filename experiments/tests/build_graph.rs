//! The README's two commands share one build of Burn: `cargo run --release -p experiments`
//! (normal dependencies of the binary) and `cargo test --release --workspace` (every member, with
//! dev-dependencies) must give every crate they both compile the same features. A dev-only
//! dependency that turns on a feature of a crate under Burn (criterion: `either/use_std`,
//! `ciborium/std`) would otherwise make each command compile its own copy of Burn (~20 min on 2
//! cores). The pins that prevent it are in the workspace `Cargo.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Every package of a `cargo tree` graph (`args`: which members, which edges) with the features
/// turned on for it (`--format "{p}|{f}"`), run offline on this workspace.
fn features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args([
            "tree",
            "--offline",
            "--prefix",
            "none",
            "--format",
            "{p}|{f}",
        ])
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let line = line.trim_end_matches(" (*)");
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        // `name vX.Y.Z (path)` for workspace members: keep `name vX.Y.Z`.
        let package: String = package.split(' ').take(2).collect::<Vec<_>>().join(" ");
        let features: BTreeSet<String> = features
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        map.insert(package, features);
    }
    map
}

#[test]
fn run_and_test_builds_give_shared_crates_the_same_features() {
    let run = features(&["-p", "experiments", "-e", "normal,build"]);
    let test = features(&["--workspace", "-e", "normal,build,dev"]);
    assert!(
        run.keys().any(|k| k.starts_with("burn-tensor ")),
        "the run graph has Burn: {} crates",
        run.len()
    );
    let differ: Vec<String> = run
        .iter()
        // The workspace's own crates are built per command anyway.
        .filter(|(krate, _)| !krate.starts_with("experiments ") && !krate.starts_with("burn-init "))
        .filter_map(|(krate, f)| {
            let t = test.get(krate)?;
            (t != f).then(|| {
                format!(
                    "{krate}: only in the test build {:?}, only in the run {:?}",
                    t.difference(f).collect::<Vec<_>>(),
                    f.difference(t).collect::<Vec<_>>()
                )
            })
        })
        .collect();
    assert!(
        differ.is_empty(),
        "features differ between `cargo run -p experiments` and `cargo test --workspace` \
         (pin them in the workspace Cargo.toml):\n{}",
        differ.join("\n")
    );
}

// Included (`include!`) by the fill bench and by `experiments throughput`: where
// `torch_reference.py` is, for a binary run from its workspace or copied elsewhere, and how its
// record comes back.

/// `benches/reference/torch_reference.py` under the workspace `root` this was built from, else
/// under the current folder (a copied binary run from a checkout).
fn torch_reference_script(root: &std::path::Path) -> std::path::PathBuf {
    [root.to_path_buf(), std::path::PathBuf::from(".")]
        .into_iter()
        .map(|root| root.join("benches/reference/torch_reference.py"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| "benches/reference/torch_reference.py".into())
}

/// Runs `cmd` (`python` on `script`, writing its record to `out`) and returns the record, or why
/// there is none as a sentence: `python` missing, the script failing (the end of its stderr), no
/// record (without torch the script says so on stdout and writes none), an unreadable record.
fn run_torch_reference(
    mut cmd: std::process::Command,
    python: &str,
    script: &std::path::Path,
    out: &std::path::Path,
) -> Result<serde_json::Value, String> {
    let run = cmd
        .output()
        .map_err(|e| format!("could not run {python}: {e}"))?;
    if !run.status.success() {
        let err = String::from_utf8_lossy(&run.stderr);
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        return Err(format!(
            "{python} {} failed ({}): {}",
            script.display(),
            run.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    let text = std::fs::read_to_string(out)
        .map_err(|_| String::from_utf8_lossy(&run.stdout).trim().to_string())?;
    let _ = std::fs::remove_file(out);
    serde_json::from_str(&text).map_err(|e| format!("unreadable reference record: {e}"))
}

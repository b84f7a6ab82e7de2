// Included (`include!`) by the fill bench and by `experiments throughput`: where
// `torch_reference.py` is, for a binary run from its workspace or copied elsewhere.

/// `benches/reference/torch_reference.py` under the workspace `root` this was built from, else
/// under the current folder (a copied binary run from a checkout).
fn torch_reference_script(root: &std::path::Path) -> std::path::PathBuf {
    [root.to_path_buf(), std::path::PathBuf::from(".")]
        .into_iter()
        .map(|root| root.join("benches/reference/torch_reference.py"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| "benches/reference/torch_reference.py".into())
}

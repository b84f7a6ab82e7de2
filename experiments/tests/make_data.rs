//! The embedded MNIST subset: its generator (ignored: run by hand) and a check that it is what
//! the generator makes from full MNIST (skipped when full MNIST is not at hand).

use std::path::{Path, PathBuf};

use experiments::data::{self, DatasetChoice};

fn full_mnist_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("MNIST_DIR").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/mnist")),
        Some(PathBuf::from("/work/shared/data/mnist")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_dir())
}

/// Regenerates `experiments/data/mnist-small/` (6,000 train + 1,000 test images):
/// `MNIST_DIR=DIR cargo test --release -p experiments --test make_data -- --ignored`.
#[test]
#[ignore = "generator: writes experiments/data/mnist-small from full MNIST"]
fn make_mnist_small() {
    let src = full_mnist_dir().expect("set MNIST_DIR to a folder with the full MNIST IDX files");
    let dst = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-small");
    data::write_subset(&src, &dst, 6000, 1000).unwrap();
    eprintln!("wrote {} from {}", dst.display(), src.display());
}

#[test]
fn embedded_subset_matches_full_mnist() {
    let Some(src) = full_mnist_dir() else {
        eprintln!("note: full MNIST not found (set MNIST_DIR); skipping the embedded-subset check");
        return;
    };
    let dst = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mnist-small-regenerated");
    let _ = std::fs::remove_dir_all(&dst);
    data::write_subset(&src, &dst, 6000, 1000).unwrap();
    let regenerated = data::load(DatasetChoice::MnistTiny, Some(&dst)).unwrap();
    let embedded = data::load(DatasetChoice::MnistSmall, None).unwrap();
    assert_eq!(
        regenerated.sha256,
        embedded.sha256,
        "the embedded subset is not the first 6,000/1,000 images of {}",
        src.display()
    );
    std::fs::remove_dir_all(&dst).unwrap();
}

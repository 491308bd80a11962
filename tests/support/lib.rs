//! Helpers shared by the workspace's integration tests (`tests/*.rs`) and
//! criterion benches (`benches/*.rs`): where the bundled corpus lives and how
//! generated inputs are made. Nothing here is product code.

use std::path::PathBuf;

pub mod ncs_cpp;
pub mod workspace;
pub mod zephyr;

/// The repository root (the directory of the top-level `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/corpus/`: the reference tools' inputs and outputs copied from the
/// shared corpus, so that the repository passes its tests on its own.
pub fn corpus_dir() -> PathBuf {
    repo_root().join("tests").join("corpus")
}

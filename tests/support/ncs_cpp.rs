//! The NCS `pm.yml` fragments of the corpus and the reference preprocessor
//! they are compared against. Shared by `tests/autoconf_feeds_pm_yml.rs` (as
//! `test_support::ncs_cpp`) and `partition-solver/tests/preprocess_vs_cpp.rs`
//! (included by path: a partition-solver test cannot depend on the root
//! package, which depends on partition-solver). Only `std` is used here.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every `pm.yml*` file under `dir` (recursively), sorted.
pub fn pm_fragments(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("pm.yml")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Names (without `CONFIG_`) of the symbols the files refer to.
pub fn referenced_symbols(files: &[PathBuf]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(file).unwrap();
        for (at, _) in text.match_indices("CONFIG_") {
            let rest = &text[at + "CONFIG_".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end > 0 {
                names.insert(rest[..end].to_string());
            }
        }
    }
    names
}

/// What the NCS build's `cpp -x assembler-with-cpp -nostdinc -undef
/// -D__DTS__ -P -E -isystem DIR FILE` prints (Debian package `cpp`,
/// installed by `scripts/deps`).
pub fn cpp(include_dir: &Path, file: &Path) -> String {
    let out = Command::new("cpp")
        .args([
            "-x",
            "assembler-with-cpp",
            "-nostdinc",
            "-undef",
            "-D__DTS__",
            "-P",
            "-E",
        ])
        .arg("-isystem")
        .arg(include_dir)
        .arg(file)
        .output()
        .expect("`cpp` is needed (Debian package `cpp`, installed by scripts/deps)");
    assert!(
        out.status.success(),
        "cpp failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

//! The Zephyr workspace (`zephyr/`, `modules/`) and the Python environment
//! that running Zephyr's own CMake needs, for tests that compare with it.

use std::path::PathBuf;

use crate::repo_root;

/// The Zephyr workspace: `$ZEPHYR_WORKSPACE` when set, else
/// `../shared/zephyr-workspace` unpacked once into `target/zephyr-workspace`
/// (under `flock`, so that test binaries running at the same time unpack it
/// once). `None`, after a visible NOTICE naming `test`, when neither exists.
pub fn zephyr_workspace(test: &str) -> Option<PathBuf> {
    if let Some(ws) = std::env::var_os("ZEPHYR_WORKSPACE") {
        return Some(PathBuf::from(ws));
    }
    let root = repo_root();
    let unpack = root.join("../shared/zephyr-workspace/unpack.sh");
    if !unpack.exists() {
        eprintln!(
            "NOTICE: {test} skipped: no Zephyr workspace (set ZEPHYR_WORKSPACE, or provide ../shared/zephyr-workspace)"
        );
        return None;
    }
    let dest = root.join("target/zephyr-workspace");
    std::fs::create_dir_all(root.join("target")).expect("create target/");
    let status = std::process::Command::new("flock")
        .arg(root.join("target/zephyr-workspace.lock"))
        .arg("sh")
        .arg(&unpack)
        .arg(&dest)
        .status()
        .expect("run flock sh unpack.sh (util-linux)");
    assert!(status.success(), "unpacking the Zephyr workspace failed");
    Some(dest)
}

/// The Python interpreter of the virtual environment with the workspace's
/// `requirements.txt` (`target/zephyr-venv`, made by `scripts/deps`), or
/// `$ZEPHYR_PYTHON`. `None`, after a visible NOTICE, when it is missing.
pub fn zephyr_python(test: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZEPHYR_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let p = repo_root().join("target/zephyr-venv/bin/python3");
    if p.exists() {
        return Some(p);
    }
    eprintln!(
        "NOTICE: {test} skipped: no Python environment for Zephyr's CMake at {} \
         (python3 -m venv target/zephyr-venv && target/zephyr-venv/bin/pip install -r <workspace>/requirements.txt, \
         or set ZEPHYR_PYTHON)",
        p.display()
    );
    None
}

/// Whether `program` can be run (it is on PATH); prints a NOTICE otherwise.
pub fn have_tool(test: &str, program: &str) -> bool {
    let ok = std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !ok {
        eprintln!("NOTICE: {test} skipped: {program} is not installed (see scripts/deps)");
    }
    ok
}

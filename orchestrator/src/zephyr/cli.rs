//! Defaults of the command line's Zephyr build that depend on the machine:
//! which Python and which `kconfig` binary to use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `name` on `PATH` (the first executable file), skipping `skip`.
pub fn find_on_path(
    name: &str,
    env: &HashMap<String, String>,
    skip: Option<&Path>,
) -> Option<PathBuf> {
    let path = env.get("PATH")?;
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(Path::new)
        .filter(|d| Some(*d) != skip)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The interpreter for Zephyr's scripts: `$ZEPHYR_PYTHON`, else the active
/// virtual environment's, else `python3` on `PATH`. Always an absolute
/// path: the shim is first on `PATH`, so a bare name would find the shim.
pub fn default_python(env: &HashMap<String, String>) -> Option<PathBuf> {
    if let Some(p) = env.get("ZEPHYR_PYTHON") {
        return Some(PathBuf::from(p));
    }
    if let Some(v) = env.get("VIRTUAL_ENV") {
        let p = Path::new(v).join("bin/python3");
        if p.is_file() {
            return Some(p);
        }
    }
    find_on_path("python3", env, None)
}

/// The `kconfig` binary: beside `exe`, else on `PATH`.
pub fn default_kconfig(exe: Option<&Path>, env: &HashMap<String, String>) -> Option<PathBuf> {
    if let Some(dir) = exe.and_then(Path::parent) {
        let p = dir.join("kconfig");
        if p.is_file() {
            return Some(p);
        }
    }
    find_on_path("kconfig", env, None)
}

/// Whether `app_dir` is a Zephyr application to build as sysbuild does: a
/// directory with a `CMakeLists.txt` and no `images.toml`.
pub fn is_zephyr_app(app_dir: &Path) -> bool {
    app_dir.is_dir()
        && !app_dir.join("images.toml").exists()
        && app_dir.join("CMakeLists.txt").is_file()
}

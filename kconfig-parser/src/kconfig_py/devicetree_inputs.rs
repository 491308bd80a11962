//! Where the devicetree of a Zephyr Kconfig run comes from, found in the
//! environment `cmake/modules/kconfig.cmake` sets.
//!
//! kconfig.py's functions read `$EDT_PICKLE` (when that file exists; with
//! no devicetree every `dt_*` function gives its "absent" answer). Here the
//! final `zephyr.dts` beside the pickle is read instead, with the bindings
//! of the build's DTS roots, in the order `cmake/modules/pre_dt.cmake`
//! gives them:
//!
//! 1. `DTS_ROOT` (from the environment, relative to the application) and
//!    the `dts_root` of each module's `zephyr/module.yml`, modules in the
//!    order of `$KCONFIG_BINARY_DIR/kconfig_module_dirs.env`;
//! 2. the application directory (`APPLICATION_SOURCE_DIR`);
//! 3. the board directory (the first `osource` of
//!    `$KCONFIG_BOARD_DIR/Kconfig.defconfig`, which CMake writes from
//!    `BOARD_DIR`);
//! 4. the directory of each shield of `SHIELD_AS_LIST` (the
//!    `boards/shields/*/` directory holding `<shield>.overlay`, under the
//!    board roots named in `$KCONFIG_BINARY_DIR/Kconfig.shield` and
//!    `ZEPHYR_BASE`);
//! 5. `ZEPHYR_BASE`.
//!
//! Each made real (symbolic links resolved), duplicates dropped. When the
//! environment has `DTS_ROOT_BINDINGS` (`?`-separated `<root>/dts/bindings`
//! directories, as the menuconfig targets pass it), that list is used as
//! is. What cannot be seen from the environment: a `DTS_ROOT` given only
//! on the CMake command line (`-DDTS_ROOT=`) when the environment has no
//! `DTS_ROOT_BINDINGS`.

use crate::macros::HostFunctions;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The devicetree of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicetreeInputs {
    /// `$EDT_PICKLE` (never read for answers; its contents identify the
    /// devicetree step's result for the cache).
    pub pickle: PathBuf,
    /// The final devicetree (`zephyr.dts` beside `$EDT_PICKLE`).
    pub dts: PathBuf,
    /// DTS roots in order (their `dts/bindings` directories hold the
    /// bindings).
    pub dts_roots: Vec<PathBuf>,
}

impl DevicetreeInputs {
    /// The bindings directories that exist, in root order (what CMake
    /// passes to `gen_edt.py --bindings-dirs`).
    pub fn bindings_dirs(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.dts_roots
            .iter()
            .map(|r| r.join("dts").join("bindings"))
            .filter(|b| b.is_dir())
    }
}

/// The devicetree the environment names; `None` when `EDT_PICKLE` is unset
/// or names no file (as kconfigfunctions.py: no devicetree).
pub fn from_env(
    env: &HashMap<String, String>,
    cwd: &Path,
) -> Result<Option<DevicetreeInputs>, String> {
    let Some(pickle) = env.get("EDT_PICKLE").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let pickle = cwd.join(pickle);
    if !pickle.is_file() {
        return Ok(None);
    }
    let dts = pickle.with_file_name("zephyr.dts");
    if !dts.is_file() {
        return Err(format!(
            "EDT_PICKLE names {}, but there is no zephyr.dts beside it (the devicetree is \
             read from zephyr.dts): run the devicetree step of the build again",
            pickle.display()
        ));
    }
    Ok(Some(DevicetreeInputs {
        pickle,
        dts,
        dts_roots: dts_roots(env, cwd),
    }))
}

/// The DTS roots in `pre_dt.cmake`'s order (see the module documentation).
pub fn dts_roots(env: &HashMap<String, String>, cwd: &Path) -> Vec<PathBuf> {
    if let Some(b) = env.get("DTS_ROOT_BINDINGS").filter(|b| !b.is_empty()) {
        return b
            .split('?')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let p = PathBuf::from(s);
                if p.ends_with("dts/bindings") {
                    p.parent()
                        .and_then(Path::parent)
                        .map(Path::to_path_buf)
                        .unwrap_or(p)
                } else {
                    p
                }
            })
            .collect();
    }
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty());
    let app = get("APPLICATION_SOURCE_DIR").map(|a| cwd.join(a));
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(d) = get("DTS_ROOT") {
        let base = app.clone().unwrap_or_else(|| cwd.to_path_buf());
        roots.extend(d.split(';').filter(|s| !s.is_empty()).map(|s| base.join(s)));
    }
    roots.extend(module_dts_roots(env));
    roots.extend(app);
    if let Some(b) = board_dir(env) {
        roots.push(b);
    }
    roots.extend(shield_dirs(env));
    if let Some(z) = get("ZEPHYR_BASE") {
        roots.push(PathBuf::from(z));
    }
    let mut out: Vec<PathBuf> = Vec::new();
    for r in roots {
        let r = std::fs::canonicalize(&r).unwrap_or(r);
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The `dts_root` settings of the modules, in CMake's module order.
fn module_dts_roots(env: &HashMap<String, String>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let listed = env
        .get("KCONFIG_BINARY_DIR")
        .and_then(|b| std::fs::read_to_string(Path::new(b).join("kconfig_module_dirs.env")).ok());
    match listed {
        Some(text) => {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    if k.starts_with("ZEPHYR_") && k.ends_with("_MODULE_DIR") {
                        dirs.push(PathBuf::from(v));
                    }
                }
            }
        }
        None => {
            let mut keys: Vec<(&String, &String)> = env
                .iter()
                .filter(|(k, _)| k.starts_with("ZEPHYR_") && k.ends_with("_MODULE_DIR"))
                .collect();
            keys.sort();
            dirs.extend(keys.into_iter().map(|(_, v)| PathBuf::from(v)));
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        for name in ["module.yml", "module.yaml"] {
            let Ok(text) = std::fs::read_to_string(d.join("zephyr").join(name)) else {
                continue;
            };
            for line in text.lines() {
                let t = line.trim();
                if let Some(v) = t.strip_prefix("dts_root:") {
                    let v = v.trim().trim_matches(['"', '\'']);
                    if !v.is_empty() {
                        out.push(d.join(v));
                    }
                }
            }
            break;
        }
    }
    out
}

/// The board directory, from the `osource` lines CMake writes into
/// `$KCONFIG_BOARD_DIR/Kconfig.defconfig`.
fn board_dir(env: &HashMap<String, String>) -> Option<PathBuf> {
    let dir = env.get("KCONFIG_BOARD_DIR")?;
    let text = std::fs::read_to_string(Path::new(dir).join("Kconfig.defconfig")).ok()?;
    text.lines().find_map(|l| {
        let p = l.trim().strip_prefix("osource \"")?.strip_suffix('"')?;
        Path::new(p).parent().map(Path::to_path_buf)
    })
}

/// The directories of the shields in `SHIELD_AS_LIST`.
fn shield_dirs(env: &HashMap<String, String>) -> Vec<PathBuf> {
    let Some(list) = env.get("SHIELD_AS_LIST").filter(|l| !l.is_empty()) else {
        return Vec::new();
    };
    let mut board_roots: Vec<PathBuf> = Vec::new();
    if let Some(text) = env
        .get("KCONFIG_BINARY_DIR")
        .and_then(|b| std::fs::read_to_string(Path::new(b).join("Kconfig.shield")).ok())
    {
        for l in text.lines() {
            if let Some(p) = l
                .trim()
                .strip_prefix("osource \"")
                .and_then(|p| p.strip_suffix("/boards/shields/*/Kconfig.shield\""))
            {
                board_roots.push(PathBuf::from(p));
            }
        }
    }
    if let Some(z) = env.get("ZEPHYR_BASE") {
        board_roots.push(PathBuf::from(z));
    }
    let mut out = Vec::new();
    for shield in list
        .split(';')
        .map(|s| s.trim_end_matches('\\'))
        .filter(|s| !s.is_empty())
    {
        'roots: for root in &board_roots {
            let Ok(rd) = std::fs::read_dir(root.join("boards").join("shields")) else {
                continue;
            };
            let mut dirs: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            dirs.sort();
            for d in dirs {
                if d.join(format!("{shield}.overlay")).is_file() {
                    out.push(d);
                    break 'roots;
                }
            }
        }
    }
    out
}

/// Zephyr's Kconfig functions for this devicetree (with `SHIELD_AS_LIST`
/// from `env`): the one place the native devicetree functions are made.
/// The binding files' index is kept in the build's devicetree directory,
/// beside `zephyr.dts` (`dt-bindings.index`), so that a configure opens only
/// the bindings the board uses.
pub fn functions(
    devicetree: Option<&DevicetreeInputs>,
    env: &HashMap<String, String>,
) -> Result<Box<dyn HostFunctions>, String> {
    let shields = env.get("SHIELD_AS_LIST").cloned();
    match devicetree {
        None => crate::devicetree::zephyr_functions(None, &[], shields),
        Some(d) => {
            let index = d.dts.with_file_name("dt-bindings.index");
            crate::devicetree::zephyr_functions_indexed(
                Some(&d.dts),
                &d.dts_roots,
                shields,
                Some(&index),
            )
        }
    }
}

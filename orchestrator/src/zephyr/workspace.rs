//! The Zephyr tree an application is built against: `ZEPHYR_BASE`, the
//! modules of `ZEPHYR_MODULES` (with what their `zephyr/module.yml`
//! declares), and the board target the user named.
//!
//! Everything here is read before anything is configured, so that a wrong
//! board or a module without a name is reported before the first CMake run.

use std::path::{Path, PathBuf};

use devicetree::sources::board::{resolve_board, BoardTarget};

use super::ZephyrError;

/// One Zephyr module (an entry of `ZEPHYR_MODULES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Its name (`name:` of `module.yml`, else the directory's name).
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// `build: sysbuild-cmake:` (a directory of sysbuild hooks or images).
    pub sysbuild_cmake: Option<PathBuf>,
    /// `build: sysbuild-kconfig:` (Kconfig symbols for sysbuild).
    pub sysbuild_kconfig: Option<PathBuf>,
    /// `build: settings: soc_root:` and `board_root:`.
    pub soc_root: Option<PathBuf>,
    /// See `soc_root`.
    pub board_root: Option<PathBuf>,
}

impl Module {
    /// The name as Zephyr uses it in variable names: upper case, every
    /// character that is not a letter or digit replaced by `_`.
    pub fn upper(&self) -> String {
        sanitize_upper(&self.name)
    }
}

/// `ZEPHYR_<NAME>_...` spelling of a module name.
pub fn sanitize_upper(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The Zephyr tree and its modules.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// `ZEPHYR_BASE`.
    pub zephyr_base: PathBuf,
    /// The modules, in the order `ZEPHYR_MODULES` lists them.
    pub modules: Vec<Module>,
}

impl Workspace {
    /// Reads `zephyr_base` and the modules listed in `modules` (CMake list
    /// syntax: `;`-separated). Fails on a missing directory or a
    /// `module.yml` that cannot be read.
    pub fn new(zephyr_base: &Path, modules: &str) -> Result<Workspace, ZephyrError> {
        if !zephyr_base.join("share/sysbuild/CMakeLists.txt").is_file() {
            return Err(ZephyrError::NoZephyr(zephyr_base.to_path_buf()));
        }
        let mut out: Vec<Module> = Vec::new();
        for entry in modules.split(';').filter(|s| !s.is_empty()) {
            let dir = PathBuf::from(entry);
            if !dir.is_dir() {
                return Err(ZephyrError::NoModule(dir));
            }
            let m = read_module(&dir)?;
            if let Some(prev) = out.iter().find(|p| p.name == m.name) {
                return Err(ZephyrError::DuplicateModule {
                    name: m.name.clone(),
                    first: prev.dir.clone(),
                    second: dir,
                });
            }
            out.push(m);
        }
        Ok(Workspace {
            zephyr_base: zephyr_base.to_path_buf(),
            modules: out,
        })
    }

    /// A module by name.
    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// The SoC roots in Zephyr's order: modules' first, `ZEPHYR_BASE` last.
    pub fn soc_roots(&self, app_dir: &Path) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = Vec::new();
        if app_dir.join("soc").is_dir() {
            roots.push(app_dir.to_path_buf());
        }
        roots.extend(self.modules.iter().filter_map(|m| m.soc_root.clone()));
        roots.push(self.zephyr_base.clone());
        roots
    }

    /// The board roots in Zephyr's order (application, modules, `ZEPHYR_BASE`).
    pub fn board_roots(&self, app_dir: &Path) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = Vec::new();
        if app_dir.join("boards").is_dir() {
            roots.push(app_dir.to_path_buf());
        }
        roots.extend(self.modules.iter().filter_map(|m| m.board_root.clone()));
        roots.push(self.zephyr_base.clone());
        roots
    }

    /// Resolves `board` as Zephyr does (`name[@rev][/qualifiers]`), or a
    /// typed error naming the board.
    pub fn board(&self, board: &str, app_dir: &Path) -> Result<BoardTarget, ZephyrError> {
        resolve_board(board, &self.board_roots(app_dir), &self.soc_roots(app_dir)).map_err(|e| {
            ZephyrError::Board {
                board: board.to_string(),
                reason: e.to_string(),
            }
        })
    }
}

fn read_module(dir: &Path) -> Result<Module, ZephyrError> {
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut m = Module {
        name: dir_name,
        dir: dir.to_path_buf(),
        sysbuild_cmake: None,
        sysbuild_kconfig: None,
        soc_root: None,
        board_root: None,
    };
    let yml = ["zephyr/module.yml", "zephyr/module.yaml"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file());
    let Some(yml) = yml else {
        return Ok(m);
    };
    let text = std::fs::read_to_string(&yml).map_err(|source| ZephyrError::Io {
        path: yml.clone(),
        source,
    })?;
    let value: serde_norway::Value =
        serde_norway::from_str(&text).map_err(|e| ZephyrError::ModuleYml {
            path: yml.clone(),
            reason: e.to_string(),
        })?;
    let get = |v: &serde_norway::Value, k: &str| v.get(k).cloned();
    let string = |v: Option<serde_norway::Value>| v.and_then(|v| v.as_str().map(str::to_string));
    if let Some(name) = string(get(&value, "name")) {
        m.name = name;
    }
    if let Some(build) = get(&value, "build") {
        let rel = |k: &str| string(get(&build, k)).map(|p| dir.join(p));
        m.sysbuild_cmake = rel("sysbuild-cmake");
        m.sysbuild_kconfig = rel("sysbuild-kconfig");
        if let Some(settings) = get(&build, "settings") {
            let rel = |k: &str| string(get(&settings, k)).map(|p| dir.join(p));
            m.soc_root = rel("soc_root");
            m.board_root = rel("board_root");
        }
    }
    Ok(m)
}

/// Directories holding a `soc.yml` under each root's `soc/`, each root's
/// walk in sorted order and the whole list reversed, as `hwm_v2.cmake`
/// lists them (from the last line of the hardware listing up).
pub fn soc_dirs(roots: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        if entries
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == "soc.yml"))
        {
            out.push(dir.to_path_buf());
        }
        for e in entries {
            if e.is_dir() {
                walk(&e, out);
            }
        }
    }
    let mut out = Vec::new();
    let mut seen: Vec<&PathBuf> = Vec::new();
    for root in roots {
        if seen.contains(&root) {
            continue;
        }
        seen.push(root);
        walk(&root.join("soc"), &mut out);
    }
    out.reverse();
    out
}

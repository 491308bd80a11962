//! Which files Zephyr preprocesses into a board's devicetree, and with
//! which include directories: the rules of Zephyr's `boards.cmake`,
//! `pre_dt.cmake`, `configuration_files.cmake` and `dts.cmake` (with
//! `zephyr_file(CONF_FILES ...)` and `zephyr_build_string`), as data.

use super::board::{self, join_name, BoardTarget};
use super::{default_cpp, DtsInputs, Error};
use crate::bindings::Value;
use std::path::{Path, PathBuf};

/// One application build as Zephyr's CMake sees it, for its devicetree.
///
/// Field names follow the CMake variables they stand for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ZephyrBuild {
    /// `ZEPHYR_BASE`.
    pub zephyr_base: PathBuf,
    /// `BOARD` (`mps2/an385`, `nrf52840dk@1.0.0/nrf52840`, `qemu_cortex_m3`).
    pub board: String,
    /// `APPLICATION_SOURCE_DIR` (also `APPLICATION_CONFIG_DIR`).
    pub app_dir: PathBuf,
    /// `DTC_OVERLAY_FILE`: when `Some`, replaces the application's default
    /// overlays (`socs/`, `boards/`, `<board>.overlay`, `app.overlay`).
    /// Relative paths start at the application directory.
    pub dtc_overlay_file: Option<Vec<PathBuf>>,
    /// `EXTRA_DTC_OVERLAY_FILE`: applied after everything else.
    pub extra_dtc_overlay_file: Vec<PathBuf>,
    /// Zephyr modules (`ZEPHYR_MODULES`): their `zephyr/module.yml`
    /// `build: settings:` may add DTS, board, SoC and arch roots.
    pub modules: Vec<PathBuf>,
    /// `DTS_ROOT` given by the user (before the modules' and the defaults).
    pub dts_roots: Vec<PathBuf>,
    /// `BOARD_ROOT` given by the user (`ZEPHYR_BASE` is searched last).
    pub board_roots: Vec<PathBuf>,
    /// `SOC_ROOT` given by the user.
    pub soc_roots: Vec<PathBuf>,
    /// `ARCH_ROOT` given by the user.
    pub arch_roots: Vec<PathBuf>,
    /// `DTS_EXTRA_CPPFLAGS`.
    pub extra_cppflags: Vec<String>,
    /// The preprocessor (`CMAKE_DTS_PREPROCESSOR`); [`default_cpp`] when `None`.
    pub cpp: Option<PathBuf>,
}

/// What [`ZephyrBuild::resolve`] found: the board target and the inputs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolved {
    /// The board target in effect.
    pub board: BoardTarget,
    /// The DTS roots, absolute, deduplicated, in Zephyr's order.
    pub dts_roots: Vec<PathBuf>,
    /// The preprocessing inputs.
    pub inputs: DtsInputs,
}

impl ZephyrBuild {
    /// A build of `app_dir` for `board` with no overlays given and no
    /// extra roots.
    pub fn new(
        zephyr_base: impl Into<PathBuf>,
        board: &str,
        app_dir: impl Into<PathBuf>,
    ) -> ZephyrBuild {
        ZephyrBuild {
            zephyr_base: zephyr_base.into(),
            board: board.to_owned(),
            app_dir: app_dir.into(),
            dtc_overlay_file: None,
            extra_dtc_overlay_file: Vec::new(),
            modules: Vec::new(),
            dts_roots: Vec::new(),
            board_roots: Vec::new(),
            soc_roots: Vec::new(),
            arch_roots: Vec::new(),
            extra_cppflags: Vec::new(),
            cpp: None,
        }
    }

    /// The preprocessing inputs Zephyr would use.
    pub fn inputs(&self) -> Result<DtsInputs, Error> {
        Ok(self.resolve()?.inputs)
    }

    /// Resolves the board, the files and the include directories.
    pub fn resolve(&self) -> Result<Resolved, Error> {
        let base = real(&self.zephyr_base)?;
        let app = real(&self.app_dir)?;
        let abs = |p: &PathBuf| {
            if p.is_absolute() {
                p.clone()
            } else {
                app.join(p)
            }
        };

        let mut dts_roots: Vec<PathBuf> = self.dts_roots.iter().map(abs).collect();
        let mut board_roots: Vec<PathBuf> = self.board_roots.iter().map(abs).collect();
        let mut soc_roots: Vec<PathBuf> = self.soc_roots.iter().map(abs).collect();
        let mut arch_roots: Vec<PathBuf> = self.arch_roots.iter().map(abs).collect();
        for m in &self.modules {
            module_roots(
                m,
                &mut dts_roots,
                &mut board_roots,
                &mut soc_roots,
                &mut arch_roots,
            )?;
        }
        board_roots.push(base.clone());
        soc_roots.push(base.clone());
        arch_roots.push(base.clone());

        let target = board::resolve_board(&self.board, &board_roots, &soc_roots)?;
        let mut files = board_dts_files(&base, &target)?;

        // Board extensions: boards/extensions/<board dir name> in each root.
        if let Some(dir_name) = target.dir().file_name() {
            let ext: Vec<PathBuf> = board_roots
                .iter()
                .map(|r| r.join("boards/extensions").join(dir_name))
                .filter(|d| d.exists())
                .collect();
            files.extend(conf_files_dts(&ext, &board_names(&target, true), &target)?);
        }

        match &self.dtc_overlay_file {
            Some(list) => {
                for f in list {
                    let f = normalize_lexically(&abs(f));
                    if !f.is_file() {
                        return Err(Error::MissingOverlay { path: f });
                    }
                    files.push(f);
                }
            }
            None => files.extend(default_app_overlays(&app, &target)?),
        }
        for f in &self.extra_dtc_overlay_file {
            let f = normalize_lexically(&abs(f));
            if !f.is_file() {
                return Err(Error::MissingOverlay { path: f });
            }
            files.push(f);
        }

        // DTS_ROOT: user's and modules', then the application, the board
        // directory and ZEPHYR_BASE; real paths, first occurrence kept.
        dts_roots.push(app.clone());
        dts_roots.push(target.dir().to_path_buf());
        dts_roots.push(base.clone());
        let mut roots: Vec<PathBuf> = Vec::new();
        for r in dts_roots {
            let r = std::fs::canonicalize(&r).unwrap_or(r);
            if !roots.contains(&r) {
                roots.push(r);
            }
        }
        let archs = board::arch_names(&arch_roots)?;
        let mut subdirs: Vec<String> = ["include", "include/zephyr", "dts/common", "dts/vendor"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        subdirs.extend(archs.iter().map(|a| format!("dts/{a}")));
        subdirs.push("dts".into());
        let mut include_dirs = Vec::new();
        for r in &roots {
            for s in &subdirs {
                if let Ok(p) = std::fs::canonicalize(r.join(s)) {
                    include_dirs.push(p);
                }
            }
        }

        let inputs = DtsInputs {
            files,
            include_dirs,
            extra_cppflags: self.extra_cppflags.clone(),
            cpp: self.cpp.clone().unwrap_or_else(default_cpp),
            working_dir: app,
            empty_file: base.join("misc/empty_file.c"),
            base_dir: Some(base.parent().unwrap_or(&base).to_path_buf()),
        };
        Ok(Resolved {
            board: target,
            dts_roots: roots,
            inputs,
        })
    }
}

fn real(p: &Path) -> Result<PathBuf, Error> {
    std::fs::canonicalize(p).map_err(|source| Error::Io {
        path: p.to_path_buf(),
        source,
    })
}

/// `.` and `..` applied without touching the file system, as CMake's
/// `NORMALIZE` does.
fn normalize_lexically(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// Adds the roots a module's `zephyr/module.yml` declares under
/// `build: settings:` (paths relative to the module).
fn module_roots(
    module: &Path,
    dts: &mut Vec<PathBuf>,
    boards: &mut Vec<PathBuf>,
    socs: &mut Vec<PathBuf>,
    archs: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let f = module.join("zephyr/module.yml");
    let text = match std::fs::read_to_string(&f) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(Error::Io { path: f, source }),
    };
    let y = crate::bindings::yaml::parse(&text).map_err(|e| Error::Yaml {
        path: f.clone(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let settings = match &y.value {
        Value::Map(m) => match m.get("build").map(|b| &b.value) {
            Some(Value::Map(b)) => b.get("settings").map(|s| s.value.clone()),
            _ => None,
        },
        _ => None,
    };
    let Some(Value::Map(s)) = settings else {
        return Ok(());
    };
    for (key, list) in [
        ("dts_root", dts),
        ("board_root", boards),
        ("soc_root", socs),
        ("arch_root", archs),
    ] {
        if let Some(Value::Str(rel)) = s.get(key).map(|v| &v.value) {
            list.push(normalize_lexically(&module.join(rel)));
        }
    }
    Ok(())
}

/// The pairs of file stems `zephyr_file(CONF_FILES ...)` tries, in order:
/// the full name (`board_quals[_rev]`) and the short one without the SoC.
/// With `with_revision`, the name without revision comes first, then the
/// one with it (Zephyr's `MERGE REVERSE`).
fn board_names(t: &BoardTarget, with_revision: bool) -> Vec<(String, Option<String>)> {
    let short = t.shortened();
    let mut v = vec![(t.normalized(), short.clone())];
    if let (true, Some(rev)) = (with_revision, &t.revision) {
        let long = join_name(&t.name, &t.qualifiers, Some(rev));
        let short_rev = short.as_ref().map(|_| {
            let rest = t.qualifiers[1..]
                .find('/')
                .map_or("", |i| &t.qualifiers[1 + i..]);
            join_name(&t.name, rest, Some(rev))
        });
        v.push((long, short_rev));
    }
    v
}

/// `zephyr_file(CONF_FILES dirs DTS ...)`: for each directory and each name
/// pair, the `.overlay` files that exist, with Zephyr's naming checks.
fn conf_files_dts(
    dirs: &[PathBuf],
    names: &[(String, Option<String>)],
    t: &BoardTarget,
) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    for dir in dirs {
        for (long, short) in names {
            let l = dir.join(format!("{long}.overlay"));
            let s = short.as_ref().map(|s| dir.join(format!("{s}.overlay")));
            let l_ok = l.is_file();
            let s_ok = s.as_ref().is_some_and(|s| s.is_file());
            if s_ok && !t.single_soc {
                return Err(Error::Naming {
                    message: format!(
                        "board {} defines several SoCs: the short file name {} is not allowed, use {long}.overlay",
                        t.name,
                        s.as_ref().map(|s| s.display().to_string()).unwrap_or_default()
                    ),
                });
            }
            if l_ok && s_ok {
                return Err(Error::Naming {
                    message: format!(
                        "conflicting files {} and {}: keep one ({long}.overlay is recommended)",
                        l.display(),
                        s.as_ref()
                            .map(|s| s.display().to_string())
                            .unwrap_or_default()
                    ),
                });
            }
            if l_ok {
                found.push(l);
            }
            if let (true, Some(s)) = (s_ok, s) {
                found.push(s);
            }
        }
    }
    Ok(found)
}

/// `DTS_SOURCE` and the board's revision overlays (`dts.cmake`).
fn board_dts_files(base: &Path, t: &BoardTarget) -> Result<Vec<PathBuf>, Error> {
    let long = t.normalized();
    let short = t.shortened();
    let mut source = None;
    let mut tried = Vec::new();
    for dir in &t.dirs {
        let l = dir.join(format!("{long}.dts"));
        let s = short.as_ref().map(|s| dir.join(format!("{s}.dts")));
        let s_ok = s.as_ref().is_some_and(|s| s.is_file());
        tried.push(l.clone());
        tried.extend(s.clone());
        if s_ok && !t.single_soc {
            return Err(Error::Naming {
                message: format!(
                    "board {} defines several SoCs: the short file name {s:?} is not allowed, use {long}.dts",
                    t.name
                ),
            });
        }
        if l.is_file() && s_ok {
            return Err(Error::Naming {
                message: format!(
                    "conflicting files {} and {s:?}: keep one ({long}.dts is recommended)",
                    l.display()
                ),
            });
        }
        if l.is_file() {
            source = Some(l);
        } else if let (true, Some(s)) = (s_ok, s) {
            source = Some(s);
        }
    }
    let Some(source) = source else {
        // Zephyr falls back to an empty stub devicetree.
        let stub = base.join("boards/common/stub.dts");
        if !stub.is_file() {
            return Err(Error::NoBoardDts {
                board: format!("{}{}", t.name, t.qualifiers),
                tried,
            });
        }
        return Ok(vec![stub]);
    };
    let mut files = vec![source];
    // Revision overlays only: the name without revision is removed again.
    if t.revision.is_some() {
        let names = board_names(t, true);
        let with_rev = conf_files_dts(&t.dirs, &names[1..], t)?;
        let without = conf_files_dts(&t.dirs, &names[..1], t)?;
        files.extend(with_rev.into_iter().filter(|f| !without.contains(f)));
    }
    Ok(files)
}

/// The application's overlays when `DTC_OVERLAY_FILE` is not given
/// (`configuration_files.cmake`): `socs/<qualifiers>.overlay` and
/// `boards/<board>.overlay`; if neither exists, `<board>.overlay` in the
/// application directory; if that does not exist either, `app.overlay`.
fn default_app_overlays(app: &Path, t: &BoardTarget) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    if !t.qualifiers.is_empty() {
        let soc_name = join_name("", &t.qualifiers, None);
        let soc_name = soc_name.trim_start_matches('_').to_owned();
        found.extend(conf_files_dts(&[app.join("socs")], &[(soc_name, None)], t)?);
    }
    let names = board_names(t, true);
    found.extend(conf_files_dts(&[app.join("boards")], &names, t)?);
    if found.is_empty() {
        found = conf_files_dts(&[app.to_path_buf()], &names, t)?;
    }
    if found.is_empty() {
        let f = app.join("app.overlay");
        if f.is_file() {
            found.push(f);
        }
    }
    Ok(found)
}

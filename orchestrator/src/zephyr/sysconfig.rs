//! Sysbuild's own configuration layer: the `SB_CONFIG_*` symbols of Zephyr's
//! `share/sysbuild` Kconfig tree (or the application's `Kconfig.sysbuild`),
//! evaluated by kconfig-parser's drop-in for `kconfig.py` with the same
//! inputs sysbuild's CMake would give it: `sysbuild.conf` (or
//! `sysbuild_<FILE_SUFFIX>.conf`), `SB_CONF_FILE`, `SB_EXTRA_CONF_FILE`, and
//! `-DSB_CONFIG_X=` definitions, over the generated hardware Kconfig files
//! of the board and its SoC.
//!
//! The outputs land where sysbuild writes them (`<build>/zephyr/.config`,
//! `<build>/_sysbuild/autoconf.h`), so tools that read a sysbuild build
//! directory find them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use devicetree::sources::board::BoardTarget;
use indexmap::IndexMap;
use kconfig_parser::kconfig_py::{self, Args, Context, Functions, Stream};

use super::workspace::{soc_dirs, Workspace};
use super::{Defines, ZephyrError};
use crate::output_file::write_if_changed;

/// The evaluated sysbuild configuration.
#[derive(Debug, Clone, Default)]
pub struct SysbuildConfig {
    /// `SB_CONFIG_<NAME>` (without the prefix) → value, strings unquoted;
    /// symbols set to `n` are absent, as in CMake's import of `.config`.
    pub values: IndexMap<String, String>,
    /// The configuration fragments used, in order.
    pub fragments: Vec<PathBuf>,
    /// What the evaluation printed (warnings).
    pub messages: String,
}

impl SysbuildConfig {
    /// Whether bool symbol `name` (no prefix) is `y`.
    pub fn enabled(&self, name: &str) -> bool {
        self.values.get(name).is_some_and(|v| v == "y")
    }

    /// The value of `name` (no prefix), empty when unset.
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

/// Everything the sysbuild layer reads.
pub struct SysbuildInputs<'a> {
    /// The Zephyr tree.
    pub workspace: &'a Workspace,
    /// The application directory (absolute).
    pub app_dir: &'a Path,
    /// The build directory (absolute).
    pub build_dir: &'a Path,
    /// The resolved board.
    pub board: &'a BoardTarget,
    /// The board as the user wrote it, without qualifiers (`BOARD`).
    pub board_name: &'a str,
    /// The command line's definitions.
    pub defines: &'a Defines,
    /// The environment.
    pub env: &'a HashMap<String, String>,
}

/// `zephyr_file(CONF_FILES dir KCONF ... NAMES name SUFFIX s)` for one
/// name: `<stem>_<suffix>.conf` when it exists, else `name` when it exists.
pub fn conf_file_with_suffix(dir: &Path, name: &str, suffix: Option<&str>) -> Option<PathBuf> {
    if let Some(s) = suffix.filter(|s| !s.is_empty()) {
        let stem = name.strip_suffix(".conf").unwrap_or(name);
        let p = dir.join(format!("{stem}_{s}.conf"));
        if p.is_file() {
            return Some(p);
        }
    }
    let p = dir.join(name);
    p.is_file().then_some(p)
}

/// A CMake list (`;`-separated) of paths, relative ones taken from `base`.
pub fn path_list(value: &str, base: &Path) -> Vec<PathBuf> {
    value
        .split(';')
        .filter(|s| !s.is_empty())
        .map(|s| base.join(s))
        .collect()
}

/// The directory the application's configuration files are looked up in.
pub fn application_config_dir(app_dir: &Path, defines: &Defines) -> PathBuf {
    defines
        .get("SB_APPLICATION_CONFIG_DIR")
        .or_else(|| defines.get("APPLICATION_CONFIG_DIR"))
        .map_or_else(|| app_dir.to_path_buf(), |d| app_dir.join(d))
}

fn write(path: &Path, text: &str) -> Result<(), ZephyrError> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|source| ZephyrError::Io {
            path: p.to_path_buf(),
            source,
        })?;
    }
    write_if_changed(path, text.as_bytes())
        .map(|_| ())
        .map_err(|source| ZephyrError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn osource_list(header: &str, dirs: &[PathBuf], file: &str) -> String {
    let mut s = format!("# Load {header} descriptions.\n");
    for d in dirs {
        s.push_str(&format!("osource \"{}/{file}\"\n", d.display()));
    }
    s
}

/// Writes the hardware Kconfig files the sysbuild tree sources from
/// `KCONFIG_BINARY_DIR` (board, SoC and module lists), only when their
/// content changes (kconfig-parser's cache of runs stays valid).
fn write_hardware_kconfig(inputs: &SysbuildInputs<'_>, kdir: &Path) -> Result<(), ZephyrError> {
    let ws = inputs.workspace;
    let boards = &inputs.board.dirs;
    let bdir = kdir.join("boards");
    write(
        &bdir.join("Kconfig"),
        &osource_list("Zephyr board Kconfig", boards, "Kconfig"),
    )?;
    write(
        &bdir.join("Kconfig.defconfig"),
        &osource_list("Zephyr board defconfig", boards, "Kconfig.defconfig"),
    )?;
    let own = format!("Kconfig.{}", inputs.board.name);
    write(
        &bdir.join(&own),
        &osource_list("board Kconfig", boards, &own),
    )?;
    write(
        &bdir.join("Kconfig.sysbuild"),
        &osource_list("Sysbuild board Kconfig", boards, "Kconfig.sysbuild"),
    )?;
    let socs = soc_dirs(&ws.soc_roots(inputs.app_dir));
    let sdir = kdir.join("soc");
    for (file, header) in [
        ("Kconfig", "Zephyr SoC Kconfig"),
        ("Kconfig.defconfig", "Zephyr SoC defconfig"),
        ("Kconfig.soc", "SoC Kconfig"),
        ("Kconfig.sysbuild", "Sysbuild SoC Kconfig"),
    ] {
        write(&sdir.join(file), &osource_list(header, &socs, file))?;
    }
    let mut modules = String::new();
    for m in &ws.modules {
        let up = m.upper();
        if m.sysbuild_kconfig.is_some() {
            modules.push_str(&format!(
                "menu \"{} ({})\"\nosource \"$(SYSBUILD_{up}_KCONFIG)\"\n",
                m.name,
                m.dir.display()
            ));
        }
        modules.push_str(&format!(
            "config ZEPHYR_{up}_MODULE\n   bool\n   default y\n"
        ));
        if m.sysbuild_kconfig.is_some() {
            modules.push_str("endmenu\n");
        }
    }
    write(&kdir.join("Kconfig.sysbuild.modules"), &modules)
}

/// The environment kconfig.cmake gives kconfig.py for the sysbuild tree.
fn kconfig_env(inputs: &SysbuildInputs<'_>, kdir: &Path) -> HashMap<String, String> {
    let ws = inputs.workspace;
    let z = ws.zephyr_base.display().to_string();
    let b = inputs.build_dir;
    let mut env = inputs.env.clone();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    set("ZEPHYR_BASE", z.clone());
    set("srctree", z.clone());
    set("KERNELVERSION", String::new());
    set("APPVERSION", String::new());
    set("APP_VERSION_EXTENDED_STRING", String::new());
    set("APP_VERSION_TWEAK_STRING", String::new());
    set("CONFIG_", "SB_CONFIG_".into());
    set(
        "KCONFIG_CONFIG",
        b.join("zephyr/.config").display().to_string(),
    );
    set("KCONFIG_BINARY_DIR", kdir.display().to_string());
    set(
        "KCONFIG_BOARD_DIR",
        kdir.join("boards").display().to_string(),
    );
    set("BOARD", inputs.board_name.to_string());
    set("BOARD_QUALIFIERS", inputs.board.qualifiers.clone());
    set(
        "BOARD_REVISION",
        inputs.board.revision.clone().unwrap_or_default(),
    );
    set("HWM_SCHEME", "v2".into());
    set("ARCH", "*".into());
    set("ARCH_DIR", format!("{z}/arch"));
    set("APP_DIR", inputs.app_dir.display().to_string());
    set("APPLICATION_SOURCE_DIR", format!("{z}/share/sysbuild"));
    set("SHIELD_AS_LIST", String::new());
    set("TOOLCHAIN_KCONFIG_DIR", String::new());
    set("TOOLCHAIN_HAS_NEWLIB", "n".into());
    set("TOOLCHAIN_HAS_PICOLIBC", "n".into());
    set("ZEPHYR_TOOLCHAIN_VARIANT", String::new());
    set("EDT_PICKLE", String::new());
    for m in &ws.modules {
        let up = m.upper();
        set(
            &format!("ZEPHYR_{up}_MODULE_DIR"),
            m.dir.display().to_string(),
        );
        let glue = ws.zephyr_base.join("modules").join(&m.name).join("Kconfig");
        let own = m.dir.join("zephyr/Kconfig");
        if glue.is_file() {
            set(&format!("ZEPHYR_{up}_KCONFIG"), glue.display().to_string());
        } else if own.is_file() {
            set(&format!("ZEPHYR_{up}_KCONFIG"), own.display().to_string());
        }
        if let Some(k) = &m.sysbuild_kconfig {
            set(&format!("SYSBUILD_{up}_KCONFIG"), k.display().to_string());
        }
    }
    env
}

/// The fragments sysbuild hands kconfig.py, in its order: an empty board
/// defconfig, `SB_CONF_FILE` (or `sysbuild.conf`, or empty),
/// `SB_EXTRA_CONF_FILE`, then the command line's `SB_CONFIG_*` assignments.
fn fragments(inputs: &SysbuildInputs<'_>) -> Result<Vec<PathBuf>, ZephyrError> {
    let d = inputs.defines;
    let b = inputs.build_dir;
    let empty = b.join("_sysbuild/empty.conf");
    write(&empty, "")?;
    let config_dir = application_config_dir(inputs.app_dir, d);
    if !config_dir.is_dir() {
        return Err(ZephyrError::NoConfigDir(config_dir));
    }
    let mut out = vec![empty.clone()];
    if inputs.board.revision.is_some() {
        out.push(empty.clone());
    }
    let conf: Vec<PathBuf> = if let Some(v) = d.get("SB_CONF_FILE") {
        path_list(v, inputs.app_dir)
    } else if let Some(v) = inputs.env.get("SB_CONF_FILE") {
        path_list(v, inputs.app_dir)
    } else {
        conf_file_with_suffix(&config_dir, "sysbuild.conf", d.get("FILE_SUFFIX"))
            .into_iter()
            .collect()
    };
    if conf.is_empty() {
        out.push(empty);
    } else {
        out.extend(conf);
    }
    if let Some(v) = d
        .get("SB_EXTRA_CONF_FILE")
        .or_else(|| d.get("SB_OVERLAY_CONFIG"))
    {
        out.extend(path_list(v, inputs.app_dir));
    }
    for f in &out {
        if !f.is_file() {
            return Err(ZephyrError::MissingConf(f.clone()));
        }
    }
    let mut cli: Vec<(&str, &str)> = d
        .iter()
        .filter(|(n, _)| n.starts_with("SB_CONFIG_"))
        .collect();
    cli.sort();
    if !cli.is_empty() {
        let mut text = String::new();
        for (n, v) in cli {
            text.push_str(&format!("\n{n}={v}"));
        }
        let f = b.join("zephyr/misc/generated/extra_kconfig_options.conf");
        write(&f, &text)?;
        out.push(f);
    }
    Ok(out)
}

/// Evaluates sysbuild's Kconfig for `inputs`: writes `<build>/zephyr/.config`
/// and `<build>/_sysbuild/autoconf.h` and returns the values. A fragment
/// assigning an unknown symbol or a value of the wrong type is an error
/// naming the fragment and line (kconfig.py's own check and wording).
pub fn evaluate(inputs: &SysbuildInputs<'_>) -> Result<SysbuildConfig, ZephyrError> {
    let kdir = inputs.build_dir.join("Kconfig");
    write_hardware_kconfig(inputs, &kdir)?;
    let fragments = fragments(inputs)?;
    let z = &inputs.workspace.zephyr_base;
    let root = {
        let own = inputs.app_dir.join("Kconfig.sysbuild");
        if own.is_file() {
            own
        } else {
            z.join("share/sysbuild/Kconfig")
        }
    };
    let b = inputs.build_dir;
    let config = b.join("zephyr/.config");
    let mut argv: Vec<String> = vec![
        z.join("scripts/kconfig/kconfig.py").display().to_string(),
        format!("--zephyr-base={}", z.display()),
        "--handwritten-input-configs".into(),
        root.display().to_string(),
        config.display().to_string(),
        b.join("_sysbuild/autoconf.h").display().to_string(),
        b.join("zephyr/kconfig/sources.txt").display().to_string(),
    ];
    argv.extend(fragments.iter().map(|f| f.display().to_string()));
    for d in ["zephyr/kconfig", "_sysbuild"] {
        std::fs::create_dir_all(b.join(d)).map_err(|source| ZephyrError::Io {
            path: b.join(d),
            source,
        })?;
    }
    let args = Args::parse(argv.iter().skip(1)).map_err(ZephyrError::Internal)?;
    let ctx = Context {
        env: kconfig_env(inputs, &kdir),
        cwd: z.join("share/sysbuild"),
        functions: Functions::Native,
        cache: inputs.env.get("KCONFIG_ZEPHYR_CACHE").map(String::as_str) != Some("0"),
    };
    let run = kconfig_py::run(&args, ctx);
    let messages = format!("{}{}", run.text(Stream::Stdout), run.text(Stream::Stderr));
    if run.status != 0 {
        return Err(ZephyrError::SysbuildKconfig { messages });
    }
    let text = std::fs::read_to_string(&config).map_err(|source| ZephyrError::Io {
        path: config.clone(),
        source,
    })?;
    Ok(SysbuildConfig {
        values: parse_dotconfig(&text, "SB_CONFIG_"),
        fragments,
        messages,
    })
}

/// The assignments of a `.config` with `prefix`, strings unquoted.
pub fn parse_dotconfig(text: &str, prefix: &str) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(prefix) else {
            continue;
        };
        let Some((name, value)) = rest.split_once('=') else {
            continue;
        };
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) => {
                let mut s = String::new();
                let mut chars = inner.chars();
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        if let Some(n) = chars.next() {
                            s.push(n);
                        }
                    } else {
                        s.push(c);
                    }
                }
                s
            }
            None => value.to_string(),
        };
        out.insert(name.to_string(), value);
    }
    out
}

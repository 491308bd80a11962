//! Zephyr applications built as `west build --sysbuild` builds them, without
//! sysbuild's CMake layer: a plain Zephyr application directory (a
//! `CMakeLists.txt` with `find_package(Zephyr)`, no `images.toml`) and a
//! board are enough.
//!
//! The steps, each its own module:
//!
//! * [`workspace`]: `ZEPHYR_BASE`, the modules of `ZEPHYR_MODULES`, the
//!   board target (resolved from `board.yml` files, so an unknown board is
//!   an error before anything runs);
//! * [`sysconfig`]: sysbuild's Kconfig layer (`SB_CONFIG_*`) evaluated
//!   in-process by kconfig-parser;
//! * [`images`]: which images sysbuild would add (the application, MCUboot),
//!   their order, the values sysbuild forces into each (`.config.sysbuild`)
//!   and the cache file each image's Zephyr CMake reads
//!   (`<image>_sysbuild_cache.txt`), so that every image is configured by
//!   Zephyr's own CMake exactly as under sysbuild;
//! * [`run`]: configure (independent images in parallel, skipped when
//!   nothing they read changed), build, check the signed image, merge
//!   `merged.hex`.
//!
//! Every image's CMake runs with kconfig-parser's interpreter shim as its
//! Python (`Python3_EXECUTABLE` and first on `PATH`), so kconfig.py's work is
//! done natively in every image.

pub mod cli;
pub mod images;
pub mod run;
pub mod sysconfig;
pub mod workspace;

use std::path::PathBuf;

use indexmap::IndexMap;
use thiserror::Error;

use crate::vars::Define;

/// The command line's `-D` definitions, the later of two with one name
/// winning (as in a CMake cache).
#[derive(Debug, Clone, Default)]
pub struct Defines {
    entries: IndexMap<String, (Option<String>, String)>,
}

impl Defines {
    /// From the command line's definitions, in order.
    pub fn new(defines: &[Define]) -> Defines {
        let mut entries = IndexMap::new();
        for d in defines {
            entries.insert(d.name.clone(), (d.ty.clone(), d.value.clone()));
        }
        Defines { entries }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.get(name).map(|(_, v)| v.as_str())
    }

    /// Sets `name` (replacing an earlier definition).
    pub fn set(&mut self, name: &str, ty: Option<&str>, value: &str) {
        self.entries.insert(
            name.to_string(),
            (ty.map(str::to_string), value.to_string()),
        );
    }

    /// Every definition: name and value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(n, (_, v))| (n.as_str(), v.as_str()))
    }

    /// Every definition with its CMake type (`UNINITIALIZED` when none was
    /// given, as CMake records a `-D` without a type).
    pub fn typed(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.entries.iter().map(|(n, (t, v))| {
            (
                n.as_str(),
                t.as_deref().unwrap_or("UNINITIALIZED"),
                v.as_str(),
            )
        })
    }
}

/// Everything that can go wrong before or while building a Zephyr
/// application. Errors found before the first configure name the input
/// (file, definition, board) and what to do.
#[derive(Debug, Error)]
pub enum ZephyrError {
    /// `ZEPHYR_BASE` unset or not a Zephyr tree.
    #[error("{0}: not a Zephyr tree (no share/sysbuild/CMakeLists.txt); set ZEPHYR_BASE or pass --zephyr-base")]
    NoZephyr(PathBuf),
    /// No `ZEPHYR_BASE` at all.
    #[error("no Zephyr tree: set ZEPHYR_BASE or pass --zephyr-base")]
    NoZephyrBase,
    /// An entry of `ZEPHYR_MODULES` that is not a directory.
    #[error("ZEPHYR_MODULES: {0}: no such directory")]
    NoModule(PathBuf),
    /// Two modules with one name.
    #[error("ZEPHYR_MODULES: module `{name}` twice: {first} and {second}")]
    DuplicateModule {
        /// The name.
        name: String,
        /// The first directory.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// A `module.yml` that is not valid YAML.
    #[error("{path}: {reason}")]
    ModuleYml {
        /// The file.
        path: PathBuf,
        /// The parser's message (with line and column).
        reason: String,
    },
    /// No board given.
    #[error("no board: pass -b BOARD (or -DBOARD=...)")]
    NoBoard,
    /// A board Zephyr does not know.
    #[error("board `{board}`: {reason}")]
    Board {
        /// As written.
        board: String,
        /// Why it did not resolve (which boards exist, which qualifiers).
        reason: String,
    },
    /// The application directory has no `CMakeLists.txt`.
    #[error("{0}: not a Zephyr application (no CMakeLists.txt and no images.toml)")]
    NotAnApplication(PathBuf),
    /// `APPLICATION_CONFIG_DIR` that does not exist.
    #[error("{0} (APPLICATION_CONFIG_DIR) does not exist: sysbuild.conf and the other configuration files are looked up there")]
    NoConfigDir(PathBuf),
    /// A configuration file named on the command line that does not exist.
    #[error("{0}: configuration file not found")]
    MissingConf(PathBuf),
    /// `-D<prefix>_VAR` whose prefix names no image.
    #[error("`-D{define}`: `{prefix}` is not an image of this build (images: {images}); per-image variables are `-D<image>_{rest}`")]
    UnknownImagePrefix {
        /// The definition's name.
        define: String,
        /// The prefix.
        prefix: String,
        /// What follows it.
        rest: String,
        /// The images, comma-separated.
        images: String,
    },
    /// kconfig.py's checks failed on sysbuild's Kconfig (a typo in
    /// `sysbuild.conf`: the message names the file and line).
    #[error("sysbuild configuration failed:\n{messages}")]
    SysbuildKconfig {
        /// What the evaluation printed.
        messages: String,
    },
    /// A sysbuild input multibuild cannot evaluate (CMake code of the
    /// application's own sysbuild scripts).
    #[error("{path}: {what} is CMake code multibuild does not run; describe the images in images.toml instead")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What it is.
        what: String,
    },
    /// MCUboot enabled without the mcuboot module.
    #[error("SB_CONFIG_BOOTLOADER_MCUBOOT=y needs the mcuboot module in ZEPHYR_MODULES")]
    NoMcuboot,
    /// An image's CMake configure failed.
    #[error(
        "CMake configure failed for image `{image}` (source {source_dir}); log: {log}\n{tail}"
    )]
    Configure {
        /// The image.
        image: String,
        /// Its source directory.
        source_dir: PathBuf,
        /// Its log.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
    /// An image's build failed.
    #[error("build failed for image `{image}`; log: {log}\n{tail}")]
    Build {
        /// The image.
        image: String,
        /// Its log.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
    /// A file that a finished step should have produced is missing or wrong.
    #[error("image `{image}`: {what}")]
    Output {
        /// The image.
        image: String,
        /// What is wrong.
        what: String,
    },
    /// Merging the images' HEX files failed (an overlap, a bad file).
    #[error("merging {path}: {reason}")]
    Merge {
        /// The merged file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A condition the code does not expect (reported, never a panic).
    #[error("internal error: {0}")]
    Internal(String),
}

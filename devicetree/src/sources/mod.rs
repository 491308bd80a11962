//! A board's devicetree from its sources, as Zephyr's `dts.cmake` builds
//! it: the board's `.dts` and each overlay, run through the C preprocessor
//! in one invocation (each file `-include`d, in order), then read and merged
//! by [`Tree::from_source`].
//!
//! Two steps, each usable alone:
//!
//! - [`zephyr::ZephyrBuild::inputs`] computes what Zephyr would preprocess
//!   for a board and an application (the board target from `board.yml`,
//!   the board's `.dts`, revision overlays, board extensions,
//!   `DTC_OVERLAY_FILE` or the application's default overlays,
//!   `EXTRA_DTC_OVERLAY_FILE`, the `-isystem` directories of every DTS root);
//! - [`DtsInputs::preprocess`] and [`DtsInputs::tree`] run the preprocessor
//!   exactly as `zephyr_dt_preprocess` does and read the result. The cpp
//!   line markers keep every node's and property's original file and line.
//!
//! ```no_run
//! use devicetree::sources::zephyr::ZephyrBuild;
//! let build = ZephyrBuild::new("/ws/zephyr", "mps2/an385", "/ws/zephyr/samples/hello_world");
//! let tree = build.inputs()?.tree()?;
//! print!("{}", tree.to_dts());
//! # Ok::<(), devicetree::sources::Error>(())
//! ```

pub mod board;
pub mod zephyr;

use crate::dts::{self, ReadOptions, Tree};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Everything that can go wrong computing the inputs, preprocessing them or
/// reading the result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// A `board.yml`, `soc.yml` or `archs.yml` is not valid YAML.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What the YAML reader says.
        message: String,
    },
    /// No `board.yml` under the board roots defines the board.
    #[error(
        "no board named '{board}' under {}: check BOARD or add its root with --board-root",
        display_paths(roots)
    )]
    BoardNotFound {
        /// The board's name.
        board: String,
        /// The board roots searched (`<root>/boards/**/board.yml`).
        roots: Vec<PathBuf>,
    },
    /// `BOARD` is malformed, or its qualifiers or revision are not the board's.
    #[error("BOARD '{board}': {message}")]
    BadBoard {
        /// `BOARD` as given.
        board: String,
        /// What is wrong, with the valid choices.
        message: String,
    },
    /// The board has no devicetree source in its directories.
    #[error(
        "board '{board}' has no devicetree: none of {} exists",
        display_paths(tried)
    )]
    NoBoardDts {
        /// The board target.
        board: String,
        /// The files looked for.
        tried: Vec<PathBuf>,
    },
    /// Two file names that Zephyr refuses together (long and short form),
    /// or a short name on a board with several SoCs.
    #[error("{message}")]
    Naming {
        /// What conflicts and how to resolve it.
        message: String,
    },
    /// An overlay given by the user does not exist.
    #[error("{}: no such devicetree overlay", path.display())]
    MissingOverlay {
        /// The overlay.
        path: PathBuf,
    },
    /// The preprocessor could not be started.
    #[error("cannot run the C preprocessor '{program}': {source}; {hint}")]
    CppMissing {
        /// The program.
        program: String,
        /// The system's error.
        source: std::io::Error,
        /// How to get one.
        hint: &'static str,
    },
    /// The preprocessor failed (an `#include` not found, a bad directive).
    #[error(
        "the C preprocessor failed ({status}) on {}:\n{stderr}",
        display_paths(files)
    )]
    Cpp {
        /// Its exit status.
        status: String,
        /// The files it was given.
        files: Vec<PathBuf>,
        /// What it printed on stderr (file:line: messages).
        stderr: String,
    },
    /// The preprocessed devicetree is not valid DTS (located in the
    /// original file through cpp's line markers).
    #[error(transparent)]
    Dts(#[from] dts::Error),
}

fn display_paths(p: &[PathBuf]) -> String {
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the devicetree preprocessing step reads, and how it runs cpp: one
/// run with each of `files` `-include`d in order into an empty input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DtsInputs {
    /// The board's `.dts` first, then every overlay in the order Zephyr
    /// applies them (later files win).
    pub files: Vec<PathBuf>,
    /// `-isystem` directories, in search order.
    pub include_dirs: Vec<PathBuf>,
    /// Extra `-D`/`-U`/other preprocessor flags (`DTS_EXTRA_CPPFLAGS`).
    pub extra_cppflags: Vec<String>,
    /// The preprocessor driver (gcc-like: `cpp`, `gcc`,
    /// `arm-none-eabi-gcc`); see [`default_cpp`].
    pub cpp: PathBuf,
    /// The directory cpp runs in (Zephyr: the application's source
    /// directory; relative `#include "..."` paths of overlays start there).
    pub working_dir: PathBuf,
    /// The empty C file given as cpp's input (`$ZEPHYR_BASE/misc/empty_file.c`),
    /// named in the first line markers of the output.
    pub empty_file: PathBuf,
    /// File names in the tree's locations are made relative to this
    /// directory, as `gen_edt.py --workspace-dir` does (Zephyr without
    /// west: the parent of `ZEPHYR_BASE`). `None` keeps them as cpp wrote them.
    pub base_dir: Option<PathBuf>,
}

/// The preprocessor used when none is given: the host's `cpp`. Any
/// gcc-compatible driver works (`-x assembler-with-cpp`, `-nostdinc`,
/// `-isystem`, `-include`, `-undef`); Zephyr itself uses the target's C
/// compiler, whose output is the same once `-undef` removed the target's
/// predefined macros. (The library reads no environment: `dt build` takes
/// `--cpp` or `$DTS_CPP`.)
pub fn default_cpp() -> PathBuf {
    PathBuf::from("cpp")
}

impl DtsInputs {
    /// Inputs for `files` with no include directories, run from the
    /// current directory with [`default_cpp`].
    pub fn new(files: Vec<PathBuf>, empty_file: PathBuf) -> DtsInputs {
        DtsInputs {
            files,
            include_dirs: Vec::new(),
            extra_cppflags: Vec::new(),
            cpp: default_cpp(),
            working_dir: PathBuf::from("."),
            empty_file,
            base_dir: None,
        }
    }

    /// The preprocessor's arguments, in the order `zephyr_dt_preprocess`
    /// passes them (output to stdout instead of a file, no dependency file).
    pub fn cpp_args(&self) -> Vec<OsString> {
        let mut a: Vec<OsString> = ["-x", "assembler-with-cpp", "-nostdinc"]
            .iter()
            .map(OsString::from)
            .collect();
        for d in &self.include_dirs {
            a.push("-isystem".into());
            a.push(d.into());
        }
        for f in &self.files {
            a.push("-include".into());
            a.push(f.into());
        }
        a.push("-undef".into());
        a.push("-D__DTS__".into());
        a.extend(self.extra_cppflags.iter().map(OsString::from));
        a.push("-E".into());
        a.push(self.empty_file.clone().into());
        a
    }

    /// Runs the preprocessor and returns its output (`zephyr.dts.pre`),
    /// with line markers.
    pub fn preprocess(&self) -> Result<String, Error> {
        let out = Command::new(&self.cpp)
            .args(self.cpp_args())
            .current_dir(&self.working_dir)
            .output()
            .map_err(|source| {
                if source.kind() == std::io::ErrorKind::NotFound {
                    Error::CppMissing {
                        program: self.cpp.display().to_string(),
                        source,
                        hint: "install a C preprocessor (Debian: apt-get install cpp, or gcc; \
                               Zephyr's own: gcc-arm-none-eabi) or name one with --cpp / $DTS_CPP",
                    }
                } else {
                    Error::CppMissing {
                        program: self.cpp.display().to_string(),
                        source,
                        hint: "check that it is an executable gcc-compatible driver",
                    }
                }
            })?;
        if !out.status.success() {
            return Err(Error::Cpp {
                status: out.status.to_string(),
                files: self.files.clone(),
                stderr: String::from_utf8_lossy(&out.stderr).trim_end().to_owned(),
            });
        }
        String::from_utf8(out.stdout).map_err(|e| Error::Cpp {
            status: "success".into(),
            files: self.files.clone(),
            stderr: format!("output is not UTF-8: {e}"),
        })
    }

    /// Preprocesses and reads the merged tree. Locations name the original
    /// files (relative to [`DtsInputs::base_dir`] when set).
    pub fn tree(&self) -> Result<Tree, Error> {
        let text = self.preprocess()?;
        self.tree_from_preprocessed(&text)
    }

    /// Reads an already preprocessed text (the output of
    /// [`DtsInputs::preprocess`]).
    pub fn tree_from_preprocessed(&self, text: &str) -> Result<Tree, Error> {
        let text = match &self.base_dir {
            Some(base) => relativize_markers(text, &self.working_dir, base),
            None => text.to_owned(),
        };
        let name = self.working_dir.join("zephyr.dts.pre");
        Ok(Tree::from_source(
            &text,
            &name.to_string_lossy(),
            &ReadOptions::default(),
        )?)
    }
}

/// Rewrites the file names of cpp line markers (`# 12 "/abs/file.dts" 1`)
/// relative to `base`, as dtlib prints them (`os.path.relpath`: lexical,
/// with `..` where needed). Names in angle brackets (`<built-in>`) and
/// lines that are not markers are left alone.
pub fn relativize_markers(text: &str, cwd: &Path, base: &Path) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match marker_name(line) {
            Some((start, end)) => {
                let raw = &line[start..end];
                if raw.starts_with('<') || raw.contains('\\') {
                    out.push_str(line);
                    continue;
                }
                let rel = relpath(&cwd.join(raw), base);
                out.push_str(&line[..start]);
                out.push_str(&rel.replace('\\', "\\\\").replace('"', "\\\""));
                out.push_str(&line[end..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The byte range of the quoted file name of a line marker, if `line` is one.
fn marker_name(line: &str) -> Option<(usize, usize)> {
    let b = line.as_bytes();
    if b.first() != Some(&b'#') {
        return None;
    }
    let mut i = 1;
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    if b.get(i..i + 4) == Some(b"line") {
        i += 4;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    let digits = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == digits || b.get(i) != Some(&b' ') || b.get(i + 1) != Some(&b'"') {
        return None;
    }
    let start = i + 2;
    let mut j = start;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some((start, j)),
            _ => j += 1,
        }
    }
    None
}

/// `path` lexically normalized (`.` dropped, `..` applied).
fn normalize(path: &Path) -> Vec<Component<'_>> {
    let mut v: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(v.last(), Some(Component::Normal(_))) {
                    v.pop();
                } else if !matches!(v.last(), Some(Component::RootDir)) {
                    v.push(c);
                }
            }
            _ => v.push(c),
        }
    }
    v
}

/// Python's `os.path.relpath(path, base)` for absolute paths.
fn relpath(path: &Path, base: &Path) -> String {
    let p = normalize(path);
    let b = normalize(base);
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &p[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relpath_as_python() {
        let r = |p: &str, b: &str| relpath(Path::new(p), Path::new(b));
        assert_eq!(
            r("/ws/zephyr/boards/a.dts", "/ws/zephyr/.."),
            "zephyr/boards/a.dts"
        );
        assert_eq!(r("/other/x.overlay", "/ws"), "../other/x.overlay");
        assert_eq!(r("/ws", "/ws"), ".");
    }

    #[test]
    fn markers_rewritten() {
        let t = "# 1 \"/ws/zephyr/a.dts\" 1\n/ { };\n# 2 \"<built-in>\"\n#include_not\n";
        let r = relativize_markers(t, Path::new("/app"), Path::new("/ws"));
        assert_eq!(
            r,
            "# 1 \"zephyr/a.dts\" 1\n/ { };\n# 2 \"<built-in>\"\n#include_not\n"
        );
        assert_eq!(marker_name("# 12 \"x"), None);
        assert_eq!(marker_name("#"), None);
    }
}

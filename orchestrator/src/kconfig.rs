//! The Kconfig step: each image with a `Kconfig` file in its source directory
//! is evaluated with kconfig-parser before anything is configured.
//!
//! Inputs, in this order (a later assignment wins):
//!
//! 1. `<source>/prj.conf`, or instead the files of the image's `CONF_FILE`
//!    variable when it is set (as in Zephyr, an explicit `CONF_FILE` replaces
//!    `prj.conf`);
//! 2. the files of its `EXTRA_CONF_FILE` variable;
//! 3. its `CONFIG_<X>` variables (`-D<image>_CONFIG_X=…`, or a plain
//!    `-DCONFIG_X=…` for the main image), each as a one-line fragment written
//!    as given (strings need their quotes: `-DCONFIG_MSG=\"text\"`).
//!
//! `CONF_FILE` and `EXTRA_CONF_FILE` are lists separated by `;` or spaces;
//! relative entries are taken relative to the application directory (where
//! `images.toml` is). These variables are Kconfig inputs, so they are not
//! passed to the image's CMake configure.
//!
//! As in Zephyr, every Kconfig warning is an error (each warning names its file
//! and line), assignments to undefined symbols are errors, and so is an
//! assignment that does not take effect (a symbol whose dependencies are not
//! met). The outputs are `.config` and `autoconf.h` texts; the pipeline writes
//! them into `BUILD_DIR/<image>/multibuild/.config` and
//! `BUILD_DIR/<image>/multibuild/include/autoconf.h`, each only when its
//! content changed, and the image's configure receives `-DAUTOCONF_H=<path>`.
//! (A directory of multibuild's own inside the image's build directory, so
//! that files the image's build system generates, e.g. Zephyr's
//! `zephyr/.config`, never collide with them.)
//!
//! The Kconfig files see the environment variables `ORCHESTRATOR_KCONFIG_DIR`
//! (the directory holding [`crate::strategy::KCONFIG_TEMPLATE`]),
//! `IMAGE_NAME` and `APPLICATION_SOURCE_DIR` (the image's source directory),
//! and nothing else from the process environment, so an evaluation depends
//! only on the files and the command line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::{load, LoadError, LoadOptions};
use thiserror::Error;

use crate::vars::{Origin, ResolvedVar};

/// The Kconfig root file looked for in an image's source directory.
pub const KCONFIG_FILE: &str = "Kconfig";
/// The default configuration file in an image's source directory.
pub const PRJ_CONF: &str = "prj.conf";
/// Image variables that are Kconfig inputs rather than CMake variables.
pub const CONF_VARS: [&str; 2] = ["CONF_FILE", "EXTRA_CONF_FILE"];
/// Prefix of configuration symbols.
pub const PREFIX: &str = "CONFIG_";

/// `.config` of an image, relative to its build directory.
pub const DOT_CONFIG: &str = "multibuild/.config";
/// `autoconf.h` of an image, relative to its build directory.
pub const AUTOCONF_H: &str = "multibuild/include/autoconf.h";

/// True for an image variable consumed by the Kconfig step (so not passed to
/// CMake when the image has a Kconfig file).
pub fn is_kconfig_var(name: &str) -> bool {
    CONF_VARS.contains(&name) || name.starts_with(PREFIX)
}

/// One configuration input, as shown in messages and the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// A configuration file.
    File {
        /// The file.
        path: PathBuf,
    },
    /// One `CONFIG_X=value` definition from the manifest or the command line.
    Define {
        /// How it was given, e.g. `-Dapp_CONFIG_X`.
        given: String,
        /// The line fed to Kconfig.
        line: String,
    },
}

impl Input {
    /// The name Kconfig messages use for this input.
    pub fn name(&self) -> String {
        match self {
            Input::File { path } => path.display().to_string(),
            Input::Define { given, .. } => given.clone(),
        }
    }
}

/// What the Kconfig step evaluates for one image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KconfigInputs {
    /// The image.
    pub image: String,
    /// The image's source directory (the Kconfig tree's `srctree`).
    pub source: PathBuf,
    /// The root Kconfig file.
    pub kconfig: PathBuf,
    /// The inputs in evaluation order.
    pub inputs: Vec<Input>,
}

/// The evaluated configuration of one image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluated {
    /// What was evaluated.
    pub inputs: KconfigInputs,
    /// `.config` text.
    #[serde(skip)]
    pub config: String,
    /// `autoconf.h` text.
    #[serde(skip)]
    pub autoconf: String,
    /// The set symbols and their values (names without `CONFIG_`; strings
    /// unquoted), in `.config` order.
    #[serde(skip)]
    pub symbols: IndexMap<String, String>,
}

/// Why an image's configuration cannot be evaluated.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KconfigError {
    /// A configuration file cannot be read.
    #[error("image `{image}`: cannot read configuration file {path}: {reason}{hint}")]
    Read {
        /// The image.
        image: String,
        /// The file.
        path: PathBuf,
        /// The system's message.
        reason: String,
        /// Where the file was named.
        hint: String,
    },
    /// The Kconfig tree does not load.
    #[error("image `{image}`: Kconfig tree {kconfig}: {source}")]
    Load {
        /// The image.
        image: String,
        /// The root Kconfig file.
        kconfig: PathBuf,
        /// The located error (file names relative to the image's source directory).
        source: Box<LoadError>,
    },
    /// The evaluation failed (e.g. a dependency loop).
    #[error("image `{image}`: Kconfig evaluation of {kconfig} failed: {message}")]
    Eval {
        /// The image.
        image: String,
        /// The root Kconfig file.
        kconfig: PathBuf,
        /// What failed.
        message: String,
    },
    /// Kconfig warnings, which are errors.
    #[error("image `{image}`: Kconfig warnings are errors (Kconfig file names are relative to {source_dir}):\n  {}", warnings.join("\n  "))]
    Warnings {
        /// The image.
        image: String,
        /// Its source directory.
        source_dir: PathBuf,
        /// The warnings, each naming its file and line.
        warnings: Vec<String>,
    },
}

/// Splits a `CONF_FILE`-style list (`;` or whitespace separated).
fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

/// The Kconfig inputs of an image whose source directory is `source`, or
/// `None` when it has no `Kconfig` file. `vars` are its routed variables;
/// relative configuration files are taken relative to `app_dir`.
pub fn inputs(
    image: &str,
    source: &Path,
    app_dir: &Path,
    vars: &IndexMap<String, ResolvedVar>,
) -> Option<KconfigInputs> {
    let kconfig = source.join(KCONFIG_FILE);
    if !kconfig.is_file() {
        return None;
    }
    let mut list = Vec::new();
    match vars.get("CONF_FILE") {
        Some(v) => list.extend(split_list(&v.value).map(|f| Input::File {
            path: app_dir.join(f),
        })),
        None => {
            let prj = source.join(PRJ_CONF);
            if prj.is_file() {
                list.push(Input::File { path: prj });
            }
        }
    }
    if let Some(v) = vars.get("EXTRA_CONF_FILE") {
        list.extend(split_list(&v.value).map(|f| Input::File {
            path: app_dir.join(f),
        }));
    }
    for (name, var) in vars {
        if !name.starts_with(PREFIX) {
            continue;
        }
        let given = match &var.origin {
            Origin::Prefixed { given } => format!("-D{given}"),
            Origin::Manifest => format!("images.toml {name}"),
            Origin::Shared | Origin::Plain => format!("-D{name}"),
        };
        list.push(Input::Define {
            given,
            line: format!("{name}={}", var.value),
        });
    }
    Some(KconfigInputs {
        image: image.to_string(),
        source: source.to_path_buf(),
        kconfig,
        inputs: list,
    })
}

/// Where each input file was named, for read errors.
fn origin_hint(vars_hint: bool) -> String {
    if vars_hint {
        " (named by CONF_FILE/EXTRA_CONF_FILE; relative paths start at the application directory)"
            .to_string()
    } else {
        String::new()
    }
}

/// Evaluates `inputs`; `kconfig_dir` is the directory given to the Kconfig
/// files as `ORCHESTRATOR_KCONFIG_DIR`.
pub fn evaluate(inputs: &KconfigInputs, kconfig_dir: &Path) -> Result<Evaluated, KconfigError> {
    let image = &inputs.image;
    let mut fragments = Vec::with_capacity(inputs.inputs.len());
    for input in &inputs.inputs {
        let text = match input {
            Input::File { path } => {
                std::fs::read_to_string(path).map_err(|e| KconfigError::Read {
                    image: image.clone(),
                    path: path.clone(),
                    reason: e.to_string(),
                    hint: origin_hint(!path.starts_with(&inputs.source)),
                })?
            }
            Input::Define { line, .. } => format!("{line}\n"),
        };
        fragments.push(Fragment {
            name: input.name(),
            text,
        });
    }

    let mut options = LoadOptions::new(KCONFIG_FILE);
    options.srctree = Some(PathBuf::new());
    options.base_dir = Some(inputs.source.clone());
    let mut env = HashMap::new();
    env.insert(
        "ORCHESTRATOR_KCONFIG_DIR".to_string(),
        kconfig_dir.display().to_string(),
    );
    env.insert("IMAGE_NAME".to_string(), image.clone());
    env.insert(
        "APPLICATION_SOURCE_DIR".to_string(),
        inputs.source.display().to_string(),
    );
    options.env = env;
    let tree = load(options).map_err(|e| KconfigError::Load {
        image: image.clone(),
        kconfig: inputs.kconfig.clone(),
        source: Box::new(e),
    })?;
    // Zephyr's settings (prj.conf and later fragments override silently).
    let gen = GenOptions {
        assign_warnings: kconfig_parser::eval::AssignWarnings::ZEPHYR,
        ..GenOptions::default()
    };
    let out = generate(&tree, &fragments, &gen).map_err(|message| KconfigError::Eval {
        image: image.clone(),
        kconfig: inputs.kconfig.clone(),
        message,
    })?;
    let symbols = parse_config(&out.config);
    let mut warnings = out.warnings;
    warnings.extend(ineffective_assignments(&fragments, &symbols));
    if !warnings.is_empty() {
        return Err(KconfigError::Warnings {
            image: image.clone(),
            source_dir: inputs.source.clone(),
            warnings,
        });
    }
    Ok(Evaluated {
        inputs: inputs.clone(),
        config: out.config,
        autoconf: out.autoconf,
        symbols,
    })
}

/// One assignment of a fragment: `CONFIG_X=value` or `# CONFIG_X is not set`
/// (value `n`). Strings keep their quotes.
fn assignment(line: &str) -> Option<(&str, String)> {
    let line = line.trim_end();
    if let Some(rest) = line.strip_prefix(PREFIX) {
        let (name, value) = rest.split_once('=')?;
        return Some((name, value.to_string()));
    }
    let name = line
        .strip_prefix("# ")?
        .strip_prefix(PREFIX)?
        .strip_suffix(" is not set")?;
    Some((name, "n".to_string()))
}

/// The value of a `.config` right-hand side: strings unquoted and unescaped.
fn config_value(raw: &str) -> String {
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match (c, c == '\\') {
                    (_, true) => out.push(chars.next().unwrap_or('\\')),
                    (c, false) => out.push(c),
                }
            }
            out
        }
        None => raw.to_string(),
    }
}

/// The set symbols of a `.config` text (names without `CONFIG_`, values
/// unquoted), in file order. Symbols written as "is not set" are absent.
pub fn parse_config(text: &str) -> IndexMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.strip_prefix(PREFIX)?.split_once('=')?;
            Some((name.to_string(), config_value(value)))
        })
        .collect()
}

/// The last assignment of each symbol in `fragments` whose value did not take
/// effect, as located warnings (Zephyr's check after the evaluation).
fn ineffective_assignments(
    fragments: &[Fragment],
    symbols: &IndexMap<String, String>,
) -> Vec<String> {
    let mut last: IndexMap<&str, (String, &str, usize)> = IndexMap::new();
    for f in fragments {
        for (index, line) in f.text.lines().enumerate() {
            if let Some((name, value)) = assignment(line) {
                last.insert(name, (value, f.name.as_str(), index + 1));
            }
        }
    }
    let mut warnings = Vec::new();
    for (name, (value, file, line)) in last {
        let wanted = config_value(&value);
        let got = symbols.get(name).map_or("n", String::as_str);
        let same = wanted == got
            || (wanted == "n" && got.is_empty())
            || numeric(&wanted).is_some_and(|w| numeric(got) == Some(w));
        if !same {
            warnings.push(format!(
                "{file}:{line}: warning: {PREFIX}{name} was assigned the value '{wanted}' but got the value '{got}'; check the symbol's `depends on` (and its choice), or remove the assignment"
            ));
        }
    }
    warnings
}

/// An int or hex literal's value.
fn numeric(text: &str) -> Option<i128> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => i128::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(value: &str, origin: Origin) -> ResolvedVar {
        ResolvedVar {
            value: value.to_string(),
            ty: None,
            origin,
        }
    }

    const KCONFIG: &str = "mainmenu \"test\"\n\
        config MESSAGE\n\tstring \"message\"\n\tdefault \"default\"\n\
        config FEATURE\n\tbool \"feature\"\n\
        config FEATURE_SIZE\n\thex \"size\"\n\tdefault 0x100\n\tdepends on FEATURE\n";

    fn image_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Kconfig"), KCONFIG).unwrap();
        std::fs::write(
            dir.path().join("prj.conf"),
            "CONFIG_MESSAGE=\"from prj\"\nCONFIG_FEATURE=y\n",
        )
        .unwrap();
        dir
    }

    fn run(dir: &Path, vars: &[(&str, &str)]) -> Result<Evaluated, KconfigError> {
        let vars: IndexMap<String, ResolvedVar> = vars
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    var(
                        v,
                        Origin::Prefixed {
                            given: format!("img_{k}"),
                        },
                    ),
                )
            })
            .collect();
        let inputs = inputs("img", dir, dir, &vars).unwrap();
        evaluate(&inputs, dir)
    }

    #[test]
    fn prj_conf_then_extra_files_then_defines_later_wins() {
        let dir = image_dir();
        let e = run(dir.path(), &[]).unwrap();
        assert_eq!(e.symbols["MESSAGE"], "from prj");
        assert_eq!(e.symbols["FEATURE_SIZE"], "0x100");
        assert!(e.autoconf.contains("#define CONFIG_MESSAGE \"from prj\"\n"));
        assert!(e.autoconf.contains("#define CONFIG_FEATURE 1\n"));

        std::fs::write(dir.path().join("extra.conf"), "CONFIG_FEATURE_SIZE=0x200\n").unwrap();
        let e = run(
            dir.path(),
            &[
                ("EXTRA_CONF_FILE", "extra.conf"),
                ("CONFIG_MESSAGE", "\"from -D\""),
            ],
        )
        .unwrap();
        assert_eq!(e.symbols["MESSAGE"], "from -D");
        assert_eq!(e.symbols["FEATURE_SIZE"], "0x200");
        let names: Vec<String> = e.inputs.inputs.iter().map(Input::name).collect();
        assert!(names[0].ends_with("prj.conf"), "{names:?}");
        assert!(names[1].ends_with("extra.conf"), "{names:?}");
        assert_eq!(names[2], "-Dimg_CONFIG_MESSAGE");

        // An explicit CONF_FILE replaces prj.conf.
        std::fs::write(dir.path().join("other.conf"), "CONFIG_MESSAGE=\"other\"\n").unwrap();
        let e = run(dir.path(), &[("CONF_FILE", "other.conf")]).unwrap();
        assert_eq!(e.symbols["MESSAGE"], "other");
        assert!(!e.symbols.contains_key("FEATURE"));
    }

    #[test]
    fn warnings_and_ineffective_assignments_are_located_errors() {
        let dir = image_dir();
        let e = run(dir.path(), &[("CONFIG_UNKNOWN", "y")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("-Dimg_CONFIG_UNKNOWN:1: warning: attempt to assign the value 'y' to the undefined symbol UNKNOWN"),
            "{e}"
        );
        let e = run(
            dir.path(),
            &[("CONFIG_FEATURE", "n"), ("CONFIG_FEATURE_SIZE", "0x10")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("-Dimg_CONFIG_FEATURE_SIZE:1: warning: CONFIG_FEATURE_SIZE was assigned the value '0x10' but got the value 'n'"),
            "{e}"
        );
        std::fs::write(dir.path().join("prj.conf"), "CONFIG_MESSAGE=unquoted\n").unwrap();
        let e = run(dir.path(), &[]).unwrap_err().to_string();
        assert!(e.contains("prj.conf:1: warning:"), "{e}");
        let e = run(dir.path(), &[("EXTRA_CONF_FILE", "missing.conf")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read configuration file"), "{e}");
        std::fs::write(
            dir.path().join("Kconfig"),
            "config A\n\tbool \"a\"\n\tdepends on (\n",
        )
        .unwrap();
        let e = run(dir.path(), &[]).unwrap_err().to_string();
        assert!(e.contains("Kconfig:3"), "{e}");
    }

    #[test]
    fn images_without_kconfig_have_no_inputs() {
        let dir = tempfile::tempdir().unwrap();
        assert!(inputs("img", dir.path(), dir.path(), &IndexMap::new()).is_none());
    }

    proptest::proptest! {
        #[test]
        fn config_texts_round_trip(
            entries in proptest::collection::btree_map("[A-Z][A-Z0-9_]{0,8}", "[ -~]{0,12}", 0..8),
        ) {
            let mut text = String::from("#\n# Configuration\n#\n");
            for (name, value) in &entries {
                text.push_str(&format!("CONFIG_{name}=\"{}\"\n", kconfig_parser::eval::escape(value)));
            }
            let parsed = parse_config(&text);
            proptest::prop_assert_eq!(parsed.len(), entries.len());
            for (name, value) in &entries {
                proptest::prop_assert_eq!(&parsed[name.as_str()], value);
            }
        }

        #[test]
        fn config_parsing_never_panics(text in "\\PC{0,80}") {
            let _ = parse_config(&text);
            let _ = ineffective_assignments(&[Fragment { name: "f".into(), text: text.clone() }], &IndexMap::new());
        }
    }

    #[test]
    fn config_values_are_unquoted() {
        let symbols = parse_config(
            "# comment\nCONFIG_A=y\nCONFIG_S=\"a \\\"q\\\" \\\\\"\n# CONFIG_B is not set\n",
        );
        assert_eq!(symbols["A"], "y");
        assert_eq!(symbols["S"], "a \"q\" \\");
        assert!(!symbols.contains_key("B"));
    }
}

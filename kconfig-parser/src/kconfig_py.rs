//! Zephyr's `scripts/kconfig/kconfig.py` as a library: the same command
//! line, the same decisions, the same messages and the same files.
//!
//! Zephyr's CMake (`cmake/modules/kconfig.cmake`) runs kconfig.py at every
//! configure of every image, from the application directory, with the
//! environment it builds (`srctree`, `KCONFIG_BINARY_DIR`, `EDT_PICKLE`,
//! `ZEPHYR_<MODULE>_MODULE_DIR`, …):
//!
//! ```text
//! kconfig.py --zephyr-base=Z [--handwritten-input-configs] [--forced-input-configs]
//!            KCONFIG_ROOT DOTCONFIG AUTOCONF_H KCONFIG_LIST_OUT CONFIG_FILE...
//! ```
//!
//! [`Args::parse`] reads that command line and [`run`] does what the script
//! does, in its order:
//!
//! 1. load the tree (a load error ends the run with status 1);
//! 2. load the first configuration file, merge the others;
//! 3. with `--handwritten-input-configs`: an assignment to a symbol without
//!    a prompt stops the run at the first such symbol; values that did not
//!    take and lost choice selections are printed as warnings;
//! 4. symbols selecting `DEPRECATED`/`EXPERIMENTAL` (when `WARN_DEPRECATED`/
//!    `WARN_EXPERIMENTAL` are y) and `NOT_SECURE` are printed as warnings;
//! 5. Kconfiglib's own warnings (parsing, configuration files, evaluation)
//!    are printed and abort the run ("Aborting due to Kconfig warnings"),
//!    except that with `--forced-input-configs` a run whose only warnings
//!    are "set more than once" goes on;
//! 6. `.config` and `autoconf.h` are written only when their contents
//!    change (the old `.config` is kept as `.config.old`), and the sorted
//!    list of Kconfig files read.
//!
//! The warnings of steps 3 and 4 only inform: they never abort. Messages
//! kconfig.py prints itself are wrapped at 100 columns by Python's
//! `textwrap` rules ([`wrap::fill`]).
//!
//! The devicetree functions (`$(dt_*)`) are answered natively from the
//! `zephyr.dts` beside `$EDT_PICKLE` and the bindings of the build's DTS
//! roots ([`devicetree_inputs`]); the pickle itself is never read.
//!
//! A re-run with unchanged inputs is answered from a cache beside the
//! sources list ([`cache`]): it is keyed by the command line, the working
//! directory, the whole environment, the configuration files' contents and
//! the devicetree, and is valid while every Kconfig file read is unchanged
//! and every `source` glob matches the same files.
//!
//! An unmodified Zephyr tree uses all this through an interpreter shim
//! ([`shim`]) given to CMake as `-DPython3_EXECUTABLE=`: it runs
//! `kconfig zephyr` for `scripts/kconfig/kconfig.py` and the real Python
//! for everything else (menuconfig included).

pub mod cache;
pub mod devicetree_inputs;
pub mod shim;
pub mod wrap;

use crate::ast::Kconfig;
use crate::eval::{AssignWarnings, Config, UserValue};
use crate::expr::Expr;
use crate::macros::HostFunctions;
use crate::symbol::SymId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// kconfig.py's command line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Args {
    /// `--zephyr-base`: exported as `ZEPHYR_BASE` to the Kconfig files.
    pub zephyr_base: Option<String>,
    /// `--handwritten-input-configs`: the inputs are fragments a person
    /// wrote (board defconfig, `prj.conf`), not a generated `.config`.
    pub handwritten_input_configs: bool,
    /// `--forced-input-configs`: the last input forces values (sysbuild's
    /// `.config.sysbuild`); re-assignments are then not fatal.
    pub forced_input_configs: bool,
    /// The root Kconfig file.
    pub kconfig_file: String,
    /// The `.config` to write.
    pub config_out: String,
    /// The `autoconf.h` to write.
    pub header_out: String,
    /// The list of Kconfig files read (`sources.txt`).
    pub kconfig_list_out: String,
    /// Configuration files: the first is loaded, the others merged.
    pub configs_in: Vec<String>,
}

/// The usage line argparse prints for kconfig.py.
pub const USAGE: &str = "usage: kconfig.py [-h] [--handwritten-input-configs] [--forced-input-configs]\n                  [--zephyr-base ZEPHYR_BASE]\n                  kconfig_file config_out header_out kconfig_list_out\n                  configs_in [configs_in ...]";

impl Args {
    /// Reads kconfig.py's arguments (without the program name) as argparse
    /// does: options anywhere, `--zephyr-base DIR` or `--zephyr-base=DIR`,
    /// `--` ending the options; no abbreviations. The error is argparse's
    /// message (exit status 2 in kconfig.py).
    pub fn parse<I, S>(args: I) -> Result<Args, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut zephyr_base = None;
        let (mut handwritten, mut forced) = (false, false);
        let mut positional = Vec::new();
        let mut unknown = Vec::new();
        let mut options_done = false;
        let mut it = args.into_iter().map(Into::into);
        while let Some(a) = it.next() {
            if options_done || !a.starts_with('-') || a == "-" {
                positional.push(a);
                continue;
            }
            match a.as_str() {
                "--" => options_done = true,
                "--handwritten-input-configs" => handwritten = true,
                "--forced-input-configs" => forced = true,
                "--zephyr-base" => match it.next() {
                    Some(v) if !v.starts_with('-') || v == "-" => zephyr_base = Some(v),
                    _ => {
                        return Err(format!(
                        "{USAGE}\nkconfig.py: error: argument --zephyr-base: expected one argument"
                    ))
                    }
                },
                "-h" | "--help" => return Err(USAGE.to_string()),
                _ => match a.strip_prefix("--zephyr-base=") {
                    Some(v) => zephyr_base = Some(v.to_string()),
                    None => unknown.push(a),
                },
            }
        }
        if positional.len() < 5 {
            let names = [
                "kconfig_file",
                "config_out",
                "header_out",
                "kconfig_list_out",
                "configs_in",
            ];
            return Err(format!(
                "{USAGE}\nkconfig.py: error: the following arguments are required: {}",
                names[positional.len()..].join(", ")
            ));
        }
        if !unknown.is_empty() {
            return Err(format!(
                "{USAGE}\nkconfig.py: error: unrecognized arguments: {}",
                unknown.join(" ")
            ));
        }
        let mut p = positional.into_iter();
        let mut next = || p.next().unwrap_or_default();
        let (kconfig_file, config_out, header_out, kconfig_list_out) =
            (next(), next(), next(), next());
        Ok(Args {
            zephyr_base,
            handwritten_input_configs: handwritten,
            forced_input_configs: forced,
            kconfig_file,
            config_out,
            header_out,
            kconfig_list_out,
            configs_in: p.collect(),
        })
    }
}

/// Where a line of output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// How the devicetree functions are answered.
pub enum Functions {
    /// Natively, from the devicetree the environment names
    /// ([`devicetree_inputs::from_env`]): what kconfig.py does.
    Native,
    /// By the caller's functions (e.g. a replay table in tests).
    /// `fingerprint` identifies their answers for the cache; `None` turns
    /// the cache off.
    Given {
        /// The functions.
        functions: Box<dyn HostFunctions>,
        /// What identifies their answers.
        fingerprint: Option<String>,
    },
}

/// Everything a run reads besides its arguments.
pub struct Context {
    /// The environment (kconfig.cmake's settings on top of the caller's).
    pub env: HashMap<String, String>,
    /// The working directory (the application directory under CMake):
    /// relative paths start here.
    pub cwd: PathBuf,
    /// Devicetree functions.
    pub functions: Functions,
    /// Use and update the cache of runs ([`cache`]).
    pub cache: bool,
}

impl Context {
    /// The process's environment and working directory, native devicetree
    /// functions, cache on unless `KCONFIG_ZEPHYR_CACHE=0`.
    pub fn from_process() -> Result<Context, String> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let cache = env.get("KCONFIG_ZEPHYR_CACHE").map(String::as_str) != Some("0");
        Ok(Context {
            env,
            cwd: std::env::current_dir()
                .map_err(|e| format!("cannot determine the working directory: {e}"))?,
            functions: Functions::Native,
            cache,
        })
    }
}

/// What the cache did for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// Not consulted.
    Off,
    /// Answered the run.
    Hit,
    /// Consulted, not valid: a full run was done (and stored when it
    /// succeeded).
    Miss,
}

/// The result of a run: what it printed, in order, and its exit status.
#[derive(Debug, Clone)]
pub struct Run {
    /// Output in the order printed (each text complete with its newlines).
    pub output: Vec<(Stream, String)>,
    /// Exit status (0 success, 1 error, 2 usage).
    pub status: i32,
    /// What the cache did.
    pub cache: CacheUse,
}

impl Run {
    /// Everything printed on one stream, concatenated.
    pub fn text(&self, stream: Stream) -> String {
        self.output
            .iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, t)| t.as_str())
            .collect()
    }
}

/// The texts a successful evaluation produces (what the cache stores).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Texts {
    /// `.config`.
    pub config: String,
    /// `autoconf.h`.
    pub autoconf: String,
    /// The sorted real paths of the Kconfig files read, one per line.
    pub sources: String,
}

/// Output collected in order.
#[derive(Default)]
struct Out(Vec<(Stream, String)>);

impl Out {
    fn out(&mut self, s: impl Into<String>) {
        self.0.push((Stream::Stdout, s.into()));
    }
    fn err(&mut self, s: impl Into<String>) {
        self.0.push((Stream::Stderr, s.into()));
    }
}

/// kconfig.py's hint after a symbol message.
fn hint(name: &str) -> String {
    format!(
        "See http://docs.zephyrproject.org/latest/kconfig.html#CONFIG_{name} and/or\n\
         look up {name} in the menuconfig/guiconfig interface. The Application\n\
         Development Primer, Setting Configuration Values, and Kconfig - Tips and Best\n\
         Practices sections of the manual might be helpful too."
    )
}

/// A warning as kconfig.py prints it (informational: never aborts).
fn warn_text(msg: &str) -> String {
    format!("\n{}\n\n", wrap::fill(&format!("warning: {msg}"), 100))
}

/// An error as kconfig.py prints it when it exits with status 1.
fn err_text(msg: &str) -> String {
    format!("\n{}\n\n", wrap::fill(&format!("error: {msg}"), 100))
}

/// Runs kconfig.py's job. Never panics; every failure is reported in the
/// returned output with a non-zero status, and leaves existing outputs
/// untouched.
pub fn run(args: &Args, ctx: Context) -> Run {
    let started = std::time::SystemTime::now();
    let mut out = Out::default();
    let Context {
        mut env,
        cwd,
        functions,
        cache: use_cache,
    } = ctx;
    // kconfig.py exports a non-empty --zephyr-base only.
    let zephyr_base = args.zephyr_base.as_deref().filter(|z| !z.is_empty());
    if let Some(z) = zephyr_base {
        env.insert("ZEPHYR_BASE".into(), z.to_string());
    }
    let program = match zephyr_base {
        Some(z) => format!("{z}/scripts/kconfig/kconfig.py"),
        None => "kconfig.py".to_string(),
    };
    out.out(format!("Parsing {}\n", args.kconfig_file));

    // The configuration files are read first: they are part of the cache
    // key, and a missing one fails before any work.
    let srctree = env.get("srctree").cloned().unwrap_or_default();
    let mut fragments = Vec::new();
    for name in &args.configs_in {
        match read_config_file(name, &cwd, &srctree) {
            Ok(text) => fragments.push((name.clone(), text)),
            Err(e) => {
                out.err(format!("{program}: {e}\n"));
                return Run {
                    output: out.0,
                    status: 1,
                    cache: CacheUse::Off,
                };
            }
        }
    }

    let devicetree = devicetree_inputs::from_env(&env, &cwd);
    let devicetree = match devicetree {
        Ok(d) => d,
        Err(e) => {
            out.err(format!("{program}: {e}\n"));
            return Run {
                output: out.0,
                status: 1,
                cache: CacheUse::Off,
            };
        }
    };
    let fingerprint = match &functions {
        Functions::Native => Some(String::new()),
        Functions::Given { fingerprint, .. } => fingerprint.clone(),
    };
    let cache_path = Path::new(&args.kconfig_list_out)
        .parent()
        .map(|d| cwd.join(d).join(cache::FILE_NAME));
    let key = match (use_cache, &fingerprint, &cache_path) {
        (true, Some(fp), Some(_)) => {
            cache::Key::new(args, &cwd, &env, &fragments, devicetree.as_ref(), fp).ok()
        }
        _ => None,
    };
    let mut cache_use = CacheUse::Off;
    if let (Some(key), Some(path)) = (&key, &cache_path) {
        cache_use = CacheUse::Miss;
        if let Some(hit) = cache::lookup(path, key) {
            out.0.extend(hit.output);
            let status = write_outputs(args, &cwd, &hit.texts, &mut out);
            return Run {
                output: out.0,
                status,
                cache: CacheUse::Hit,
            };
        }
    }

    let host: Box<dyn HostFunctions> = match functions {
        Functions::Given { functions, .. } => functions,
        Functions::Native => match devicetree_inputs::functions(devicetree.as_ref(), &env) {
            Ok(f) => f,
            Err(e) => {
                out.err(format!("{program}: {e}\n"));
                return Run {
                    output: out.0,
                    status: 1,
                    cache: cache_use,
                };
            }
        },
    };
    let mut opts = crate::LoadOptions::new(&args.kconfig_file);
    opts.base_dir = Some(cwd.clone());
    opts.env = env.clone();
    opts.host = Some(host);
    let kc = match crate::load(opts) {
        Ok(kc) => kc,
        Err(e) => {
            out.err(format!("{program}: {}\n", e.to_string().trim()));
            return Run {
                output: out.0,
                status: 1,
                cache: cache_use,
            };
        }
    };
    // What a cached answer replays: from the tree's messages on.
    let mark = out.0.len();
    for i in &kc.info {
        out.out(format!("{i}\n"));
    }
    let evaluated = evaluate(&kc, args, &env, &fragments, &mut out);
    let texts = match evaluated {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Run {
                output: out.0,
                status: 1,
                cache: cache_use,
            }
        }
        Err(e) => {
            out.err(format!("{program}: {e}\n"));
            return Run {
                output: out.0,
                status: 1,
                cache: cache_use,
            };
        }
    };
    let before_writes = out.0.len();
    let status = write_outputs(args, &cwd, &texts, &mut out);
    if status == 0 && kc.side_effects == 0 {
        if let (Some(key), Some(path)) = (&key, &cache_path) {
            // CMake's next run reads the .config just written: evaluate it
            // now so that the first re-run is answered from the cache too
            // (while another thread describes the tree for the cache).
            let (next_args, next_fragments) = cache::next_run(args, &fragments, &texts.config);
            let next_key = key.for_run(&next_args, &next_fragments);
            let mut next_out = Out::default();
            let (record, next) = std::thread::scope(|s| {
                let describing = s.spawn(|| cache::describe(&kc, started));
                let next = (next_key != *key)
                    .then(|| evaluate(&kc, &next_args, &env, &next_fragments, &mut next_out));
                (describing.join().ok().flatten(), next)
            });
            let mut stored = vec![cache::Stored {
                key,
                output: &out.0[mark..before_writes],
                texts: &texts,
            }];
            if let Some(Ok(Some(next_texts))) = &next {
                stored.push(cache::Stored {
                    key: &next_key,
                    output: &next_out.0,
                    texts: next_texts,
                });
            }
            // A cache that cannot be written only costs the next run time.
            if let Some(record) = record {
                let _ = cache::store(path, record, &stored);
            }
        }
    }
    // The process usually ends here: the tree's many small allocations
    // are left to the OS instead of being freed one by one.
    std::mem::forget(kc);
    Run {
        output: out.0,
        status,
        cache: cache_use,
    }
}

/// Reads a configuration file as Kconfiglib's `load_config` opens it: a
/// relative name that does not exist is looked up under `$srctree` too.
fn read_config_file(name: &str, cwd: &Path, srctree: &str) -> Result<String, String> {
    let direct = cwd.join(name);
    let first = std::fs::read(&direct);
    let bytes = match first {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && Path::new(name).is_relative() => {
            let alt = cwd.join(srctree).join(name);
            std::fs::read(&alt).map_err(|_| {
                format!(
                    "could not open configuration file '{name}' ({e}); checked in {} and under \
                     $srctree ({})",
                    cwd.display(),
                    if srctree.is_empty() { "unset" } else { srctree }
                )
            })?
        }
        Err(e) => return Err(format!("could not open configuration file '{name}': {e}")),
        Ok(b) => b,
    };
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "configuration file '{name}' is not valid UTF-8 (byte {} is not): fix or remove \
             that byte",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Loads the configuration files, runs kconfig.py's checks and renders the
/// outputs. `Ok(None)`: kconfig.py stopped with an error already printed.
fn evaluate(
    kc: &Kconfig,
    args: &Args,
    env: &HashMap<String, String>,
    fragments: &[(String, String)],
    out: &mut Out,
) -> Result<Option<Texts>, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(scope, || evaluate_on_thread(kc, args, env, fragments))
            .map_err(|e| format!("cannot start the evaluation thread: {e}"))?
            .join()
            .map_err(|_| "evaluation thread panicked".to_string())?
    })
    .map(|(printed, texts)| {
        out.0.extend(printed.0);
        texts
    })
}

fn evaluate_on_thread(
    kc: &Kconfig,
    args: &Args,
    env: &HashMap<String, String>,
    fragments: &[(String, String)],
) -> Result<(Out, Option<Texts>), String> {
    let mut out = Out::default();
    let g = crate::generate::GenOptions::from_env(env);
    let mut cfg = Config::new(kc);
    if let Some(l) = cfg.dependency_loop() {
        return Err(l);
    }
    cfg.prefix = g.prefix.clone();
    let mut w = AssignWarnings {
        undefined: g.assign_warnings.undefined,
        overridden: true,
        redundant: true,
    };
    if args.handwritten_input_configs {
        w = AssignWarnings {
            undefined: true,
            overridden: false,
            redundant: false,
        };
    }
    if args.forced_input_configs {
        w.redundant = false;
    }
    cfg.assign_warnings = w;
    if g.warn_undef {
        cfg.undef_warnings();
    }
    for (i, (name, text)) in fragments.iter().enumerate() {
        let msg = cfg.load_config(text, name, i == 0);
        out.out(format!("{msg}\n"));
    }
    if args.handwritten_input_configs {
        if let Some(msg) = first_promptless_assignment(&mut cfg) {
            out.err(err_text(&msg));
            return Ok((out, None));
        }
        for msg in values_that_did_not_take(&mut cfg) {
            out.err(warn_text(&msg));
        }
        for msg in lost_choice_selections(&mut cfg) {
            out.err(warn_text(&msg));
        }
    }
    for (flag, target, what) in [
        (Some("WARN_DEPRECATED"), "DEPRECATED", "Deprecated"),
        (Some("WARN_EXPERIMENTAL"), "EXPERIMENTAL", "Experimental"),
        (None, "NOT_SECURE", "Not secure"),
    ] {
        let on = match flag.and_then(|f| kc.symbols.lookup(f)) {
            Some(f) => cfg.sym_tri(f) == 2,
            None => true,
        };
        if !on {
            continue;
        }
        let Some(t) = kc.symbols.lookup(target) else {
            continue;
        };
        for sel in cfg.selectors_at(t, 2) {
            out.err(warn_text(&format!(
                "{what} symbol {} is enabled.",
                kc.symbols.name(sel)
            )));
        }
    }
    let config = cfg.config_text(&g.config_header);
    let autoconf = cfg.autoconf_text(&g.autoconf_header);
    if let Some(e) = cfg.loop_error.take() {
        return Err(e);
    }
    let warnings: Vec<&str> = kc
        .warnings
        .iter()
        .map(|w| w.text.as_str())
        .chain(cfg.warnings.iter().map(String::as_str))
        .collect();
    if !warnings.is_empty() {
        let mut abort = !args.forced_input_configs;
        for w in &warnings {
            out.err(format!("\n{w}\n"));
            if !abort && !only_set_more_than_once(w) {
                abort = true;
            }
        }
        if abort {
            out.err(err_text("Aborting due to Kconfig warnings"));
            return Ok((out, None));
        }
    }
    let mut sources = String::new();
    for p in kc.source_paths() {
        sources.push_str(&p.to_string_lossy());
        sources.push('\n');
    }
    Ok((
        out,
        Some(Texts {
            config,
            autoconf,
            sources,
        }),
    ))
}

/// kconfig.py's `warning:.*set more than once.` (a regular expression
/// search: `.` is any character but a newline, so the match ends one
/// character after "once" on the same line).
fn only_set_more_than_once(w: &str) -> bool {
    w.match_indices("warning:").any(|(i, m)| {
        let line = w[i + m.len()..].split('\n').next().unwrap_or("");
        line.match_indices("set more than once")
            .any(|(j, m)| line.len() > j + m.len())
    })
}

/// The first symbol assigned in a configuration file although no
/// definition gives it a prompt: kconfig.py stops there.
fn first_promptless_assignment(cfg: &mut Config<'_>) -> Option<String> {
    let kc = cfg.kconfig();
    for &s in cfg.unique_defined_symbols() {
        if cfg.user_value(s).is_some()
            && !cfg
                .definition_nodes(s)
                .iter()
                .any(|n| kc.node(*n).prompt.is_some())
        {
            return Some(format!(
                "{} is assigned in a configuration file, but is not directly\n\
                 user-configurable (has no prompt). It gets its value indirectly from other\n\
                 symbols. {}",
                cfg.name_and_loc_of(s),
                hint(kc.symbols.name(s))
            ));
        }
    }
    None
}

/// Symbols (outside choices) whose value differs from the value assigned.
fn values_that_did_not_take(cfg: &mut Config<'_>) -> Vec<String> {
    let kc = cfg.kconfig();
    let mut msgs = Vec::new();
    for s in cfg.unique_defined_symbols().to_vec() {
        if cfg.choice_of(s).is_some() {
            continue;
        }
        let Some(user) = cfg.user_value(s) else {
            continue;
        };
        let (user_str, user_tri) = match &user {
            UserValue::Tri(t) => (["n", "m", "y"][*t as usize].to_string(), Some(*t)),
            UserValue::Str(x) => (x.clone(), None),
        };
        let value = cfg.sym_str(s).to_string();
        if user_str == value {
            continue;
        }
        let mut msg = format!(
            "{} was assigned the value '{user_str}' but got the value '{value}'. ",
            cfg.name_and_loc_of(s)
        );
        let missing = missing_deps(cfg, s, user_tri);
        if !missing.is_empty() {
            msg.push_str("Check these unsatisfied dependencies: ");
            msg.push_str(&missing.join(", "));
            msg.push_str(". ");
        }
        msg.push_str(&hint(kc.symbols.name(s)));
        msgs.push(msg);
    }
    msgs
}

/// The operands of `s`'s direct dependency (split at top-level `&&`) whose
/// value is below the assigned one (n for string/int/hex symbols), as
/// `EXPR (=v)`, parenthesized when not a plain symbol.
fn missing_deps(cfg: &mut Config<'_>, s: SymId, user_tri: Option<u8>) -> Vec<String> {
    let dd = cfg.direct_dep(s);
    let mut out = Vec::new();
    for e in cfg.exprs().split(dd, true) {
        let v = cfg.expr_value(e);
        let bad = match user_tri {
            Some(u) => v < u,
            None => v == 0,
        };
        if !bad {
            continue;
        }
        let mut t = cfg.expr_text(e);
        if !matches!(cfg.exprs().get(e), Expr::Sym(_)) {
            t = format!("({t})");
        }
        out.push(format!("{t} (={})", ["n", "m", "y"][v as usize]));
    }
    out
}

/// Choices whose user selection did not become the selection.
fn lost_choice_selections(cfg: &mut Config<'_>) -> Vec<String> {
    let kc = cfg.kconfig();
    let mut msgs = Vec::new();
    for i in 0..kc.choices.len() {
        let c = crate::ast::ChoiceId(i as u32);
        let Some(u) = cfg.choice_user_selection(c) else {
            continue;
        };
        let sel = cfg.choice_selection(c);
        if sel == Some(u) {
            continue;
        }
        msgs.push(format!(
            "The choice symbol {} was selected (set =y),\nbut {} ended\nup as the choice selection. {}",
            cfg.name_and_loc_of(u),
            sel.map(|s| cfg.name_and_loc_of(s))
                .unwrap_or_else(|| "no symbol".into()),
            hint(kc.symbols.name(u))
        ));
    }
    msgs
}

/// Writes `.config` (only when it changes, keeping the previous one as
/// `.config.old`), `autoconf.h` (only when it changes) and the sources
/// list, printing Kconfiglib's messages. Returns the exit status.
fn write_outputs(args: &Args, cwd: &Path, texts: &Texts, out: &mut Out) -> i32 {
    let config = cwd.join(&args.config_out);
    let header = cwd.join(&args.header_out);
    let list = cwd.join(&args.kconfig_list_out);
    let r = (|| -> Result<(), String> {
        if same_text(&config, &texts.config) {
            out.out(format!(
                "No change to configuration in '{}'\n",
                args.config_out
            ));
        } else {
            save_old(&config)?;
            write_through(&config, &texts.config)?;
            out.out(format!("Configuration saved to '{}'\n", args.config_out));
        }
        if same_text(&header, &texts.autoconf) {
            out.out(format!(
                "No change to Kconfig header in '{}'\n",
                args.header_out
            ));
        } else {
            write_through(&header, &texts.autoconf)?;
            out.out(format!("Kconfig header saved to '{}'\n", args.header_out));
        }
        // kconfig.py rewrites the list every time; nothing reads its
        // modification time (CMake reads its contents after the run), so
        // an unchanged list is left alone.
        if std::fs::read(&list).map_or(true, |b| b != texts.sources.as_bytes()) {
            write_through(&list, &texts.sources)?;
        }
        Ok(())
    })();
    match r {
        Ok(()) => 0,
        Err(e) => {
            out.err(format!("error: {e}\n"));
            1
        }
    }
}

/// Whether `path` holds `text` as Python's text mode reads it (newlines
/// `\r\n` and `\r` read as `\n`); false when it cannot be read.
fn same_text(path: &Path, text: &str) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok(s) = std::str::from_utf8(&bytes) else {
        return false;
    };
    if !s.contains('\r') {
        return s == text;
    }
    s.replace("\r\n", "\n").replace('\r', "\n") == text
}

/// Kconfiglib's `_save_old`: a regular file is renamed to `NAME.old`, a
/// symbolic link's target is copied there; anything else is left alone.
fn save_old(path: &Path) -> Result<(), String> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if !meta.is_file() {
        return Ok(());
    }
    let mut old = path.as_os_str().to_owned();
    old.push(".old");
    let old = PathBuf::from(old);
    let is_link = std::fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    let r = if is_link {
        std::fs::copy(path, &old).map(|_| ())
    } else {
        std::fs::rename(path, &old)
    };
    r.map_err(|e| {
        format!(
            "cannot keep the previous {} as {}: {e}",
            path.display(),
            old.display()
        )
    })
}

/// Writes `text` atomically to `path`, or to the file it links to (Python
/// writes through a symbolic link).
fn write_through(path: &Path, text: &str) -> Result<(), String> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    };
    crate::output::write_atomic(&target, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

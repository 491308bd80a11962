//! `kconfig`: command-line front end of the `kconfig-parser` crate.

use clap::{Parser, Subcommand};
use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::output::write_atomic;
use kconfig_parser::{load, LoadOptions, ReplayFunctions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

// A Zephyr `kconfig gen` makes ~150k small allocations (tokens, names,
// expressions): mimalloc serves them in about a third of glibc's
// instructions. The v2 line, as in `pm-solve`, for its lower resident memory.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kconfig",
    about = "Kconfig parser and evaluator (Kconfiglib compatible)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args)]
struct TreeArgs {
    /// Root Kconfig file.
    #[arg(long)]
    kconfig: PathBuf,
    /// Source tree root ($srctree); defaults to the `srctree` variable.
    #[arg(long)]
    srctree: Option<PathBuf>,
    /// Environment variable for the macros (NAME=VALUE), repeatable. The
    /// process environment is used as well; these override it.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// Replay table of host function results (functions_trace.json).
    #[arg(long, conflicts_with = "devicetree")]
    replay: Option<PathBuf>,
    /// Zephyr's final devicetree (`zephyr.dts`): answers the `$(dt_*)`
    /// functions of Zephyr's Kconfig natively, with the bindings under each
    /// `--dts-root`.
    #[arg(long, value_name = "FILE")]
    devicetree: Option<PathBuf>,
    /// A DTS root whose `dts/bindings` holds bindings (repeatable; default:
    /// $ZEPHYR_BASE). Later roots' files win for `include:` by file name.
    #[arg(long = "dts-root", value_name = "DIR", requires = "devicetree")]
    dts_roots: Vec<PathBuf>,
    /// Keep an index of the binding files here between runs (created when
    /// missing; a build directory is the place for it): unchanged bindings
    /// the board does not use are then not opened.
    #[arg(long, value_name = "FILE", requires = "devicetree")]
    bindings_index: Option<PathBuf>,
}

#[derive(clap::Args)]
struct GenArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Configuration fragment, repeatable: the first replaces all user
    /// values, later ones are merged on top.
    #[arg(long = "fragment")]
    fragments: Vec<PathBuf>,
    /// Write the full configuration (.config) here.
    #[arg(long)]
    config_out: Option<PathBuf>,
    /// Write the C header (autoconf.h) here.
    #[arg(long)]
    header_out: Option<PathBuf>,
    /// Write the minimal configuration (defconfig) here.
    #[arg(long)]
    min_config_out: Option<PathBuf>,
    /// Write the distinct real paths of every Kconfig file read here.
    #[arg(long)]
    sources_out: Option<PathBuf>,
    /// Symbol prefix (default: $CONFIG_, else CONFIG_).
    #[arg(long)]
    prefix: Option<String>,
    /// Treat warnings as errors (nothing is written when there are any).
    #[arg(long)]
    werror: bool,
    /// Apply Zephyr's policy: undefined assignments warn, re-assignments do
    /// not; promptless assignments are errors; values that did not take and
    /// lost choice selections warn.
    #[arg(long)]
    zephyr: bool,
    /// Write every symbol's and choice's state as JSON here
    /// (`{"symbols": {...}, "choices": [...]}`).
    #[arg(long)]
    dump_json: Option<PathBuf>,
}

#[derive(clap::Args)]
struct WhyArgs {
    /// The symbol to explain (without the CONFIG_ prefix).
    symbol: String,
    #[command(flatten)]
    tree: TreeArgs,
    /// Configuration fragment, repeatable (first replaces, rest merge).
    #[arg(long = "fragment")]
    fragments: Vec<PathBuf>,
}

#[derive(clap::Args)]
struct DumpArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Configuration fragment, repeatable (first replaces, rest merge).
    #[arg(long = "fragment")]
    fragments: Vec<PathBuf>,
    /// Print JSON (`{"symbols": {...}, "choices": [...], "menu": "..."}`);
    /// currently the only format.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ToolArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// The configuration file read and written (default: $KCONFIG_CONFIG,
    /// else .config).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
}

#[derive(clap::Args)]
struct SetconfigArgs {
    #[command(flatten)]
    tool: ToolArgs,
    /// Skip assignments to symbols that do not exist instead of failing.
    #[arg(long = "no-check-exists")]
    no_check_exists: bool,
    /// Accept assignments that did not take (unmet dependencies) instead
    /// of failing.
    #[arg(long = "no-check-value")]
    no_check_value: bool,
    /// NAME=value assignments (names without the CONFIG_ prefix).
    #[arg(value_name = "ASSIGNMENT")]
    assignments: Vec<String>,
}

#[derive(clap::Args)]
struct MenuArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Configuration fragment, repeatable (first replaces, rest merge);
    /// without any, the configuration file is loaded when it exists.
    #[arg(long = "fragment")]
    fragments: Vec<PathBuf>,
    /// The configuration file loaded and saved (default: $KCONFIG_CONFIG,
    /// else .config).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where D saves the minimal configuration.
    #[arg(long, default_value = "defconfig", value_name = "FILE")]
    min_config_out: PathBuf,
    /// Draw the first screen and exit (times the start-up in a terminal).
    #[arg(long, hide = true)]
    first_frame_only: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// The interactive configuration editor (Kconfiglib's menuconfig keys:
    /// arrows, Enter, Space, / search, ? symbol information, A show-all,
    /// S save, D minimal configuration, O open, Q quit).
    Menuconfig(MenuArgs),
    /// Kconfiglib's olddefconfig: load the configuration, give new symbols
    /// their defaults, write it back (the old file kept as FILE.old).
    Olddefconfig(ToolArgs),
    /// Kconfiglib's oldconfig: ask on the terminal for every visible symbol
    /// and choice without a value, then write the configuration.
    Oldconfig(ToolArgs),
    /// Kconfiglib's savedefconfig: write the minimal configuration.
    Savedefconfig {
        #[command(flatten)]
        tool: ToolArgs,
        /// Output file of the minimal configuration.
        #[arg(long, default_value = "defconfig", value_name = "FILE")]
        out: String,
    },
    /// Kconfiglib's alldefconfig: every symbol at its default.
    Alldefconfig(ToolArgs),
    /// Kconfiglib's allnoconfig: as many symbols as possible n.
    Allnoconfig(ToolArgs),
    /// Kconfiglib's allyesconfig: as many symbols as possible y.
    Allyesconfig(ToolArgs),
    /// Kconfiglib's listnewconfig: user-changeable symbols without a value
    /// in the configuration.
    Listnewconfig {
        #[command(flatten)]
        tool: ToolArgs,
        /// Show each symbol's help text too.
        #[arg(long = "show-help", short = 'l')]
        show_help: bool,
    },
    /// Kconfiglib's setconfig: set NAME=value assignments and write the
    /// configuration.
    Setconfig(SetconfigArgs),
    /// Print every symbol's and choice's state and the menu tree.
    Dump(DumpArgs),
    /// Explain a symbol's value: user value, prompts, dependencies,
    /// selects, implies and defaults with their current values.
    Why(WhyArgs),
    /// Evaluate the tree with configuration fragments and write outputs.
    Gen(GenArgs),
    /// Drop-in for Zephyr's scripts/kconfig/kconfig.py: takes its exact
    /// command line (`--zephyr-base=DIR [--handwritten-input-configs]
    /// [--forced-input-configs] KCONFIG_ROOT DOTCONFIG AUTOCONF_H
    /// KCONFIG_LIST_OUT CONFIG_FILE...`), environment and working
    /// directory, and writes the same files with the same messages.
    /// KCONFIG_ZEPHYR_CACHE=0 turns the cache of unchanged re-runs off.
    #[command(disable_help_flag = true)]
    Zephyr {
        /// kconfig.py's arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
    /// Write the Python interpreter shim for Zephyr builds: give it to
    /// CMake as -DPython3_EXECUTABLE=FILE; it runs kconfig.py as
    /// `kconfig zephyr` and everything else in the real interpreter.
    ZephyrShim {
        /// The real Python interpreter (e.g. a virtual environment's
        /// bin/python3).
        #[arg(long)]
        python: PathBuf,
        /// Where to write the shim.
        #[arg(long)]
        out: PathBuf,
        /// The kconfig executable the shim runs (default: this one).
        #[arg(long)]
        kconfig: Option<PathBuf>,
    },
    /// Load the whole tree and report the number of files and entries.
    Parse {
        #[command(flatten)]
        tree: TreeArgs,
        /// Write the distinct real paths of every file read (Zephyr's
        /// sources.txt), one per line.
        #[arg(long)]
        sources_out: Option<PathBuf>,
    },
}

fn options(t: &TreeArgs) -> Result<LoadOptions, String> {
    let mut env: HashMap<String, String> = std::env::vars().collect();
    for kv in &t.env {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--env {kv}: expected NAME=VALUE"))?;
        env.insert(k.to_string(), v.to_string());
    }
    let mut o = LoadOptions::new(&t.kconfig);
    o.srctree = t.srctree.clone();
    if let Some(s) = &t.srctree {
        env.insert("srctree".into(), s.to_string_lossy().into_owned());
    }
    o.env = env;
    if let Some(r) = &t.replay {
        let text = std::fs::read_to_string(r)
            .map_err(|e| format!("cannot read replay table {}: {e}", r.display()))?;
        o.host = Some(Box::new(ReplayFunctions::from_json(&text)?));
    }
    if let Some(dts) = &t.devicetree {
        let roots = if t.dts_roots.is_empty() {
            let base = o.env.get("ZEPHYR_BASE").ok_or(
                "--devicetree needs --dts-root DIR (or ZEPHYR_BASE in the environment) to find the bindings",
            )?;
            vec![PathBuf::from(base)]
        } else {
            t.dts_roots.clone()
        };
        let shields = o.env.get("SHIELD_AS_LIST").cloned();
        o.host = Some(kconfig_parser::devicetree::zephyr_functions_indexed(
            Some(dts),
            &roots,
            shields,
            t.bindings_index.as_deref(),
        )?);
    }
    Ok(o)
}

fn read_fragments(paths: &[PathBuf]) -> Result<Vec<Fragment>, String> {
    let mut fragments = Vec::new();
    for f in paths {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read fragment {}: {e}", f.display()))?;
        fragments.push(Fragment {
            name: f.to_string_lossy().into_owned(),
            text,
        });
    }
    Ok(fragments)
}

fn dump(a: DumpArgs) -> Result<(), String> {
    if !a.json {
        return Err("only --json output is supported: add --json".into());
    }
    let opts = options(&a.tree)?;
    let env = opts.env.clone();
    let kc = load(opts).map_err(|e| e.to_string())?;
    // stdout carries the JSON: messages go to stderr.
    for i in &kc.info {
        eprintln!("{i}");
    }
    let fragments = read_fragments(&a.fragments)?;
    let mut g = GenOptions::from_env(&env);
    g.dump = true;
    let out = generate(&kc, &fragments, &g)?;
    let v = serde_json::json!({
        "symbols": out.symbols,
        "choices": out.choices,
        "menu": out.menu,
        "warnings": out.warnings,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// Loads the tree (printing its `$(info)` messages) and reads the
/// fragments; the generation options start from the environment.
fn load_tree(
    tree: &TreeArgs,
    fragment_paths: &[PathBuf],
) -> Result<(kconfig_parser::Kconfig, Vec<Fragment>, GenOptions), String> {
    let opts = options(tree)?;
    let g = GenOptions::from_env(&opts.env);
    let kc = load(opts).map_err(|e| e.to_string())?;
    for i in &kc.info {
        println!("{i}");
    }
    Ok((kc, read_fragments(fragment_paths)?, g))
}

fn why(a: WhyArgs) -> Result<(), String> {
    let (kc, fragments, mut g) = load_tree(&a.tree, &a.fragments)?;
    let name = a
        .symbol
        .strip_prefix(g.prefix.as_str())
        .unwrap_or(&a.symbol)
        .to_string();
    g.explain = vec![name];
    let out = generate(&kc, &fragments, &g)?;
    for e in &out.explanations {
        print!("{e}");
    }
    Ok(())
}

fn gen(a: GenArgs) -> Result<(), String> {
    let (kc, fragments, mut g) = load_tree(&a.tree, &a.fragments)?;
    if let Some(p) = &a.prefix {
        g.prefix = p.clone();
    }
    g.dump = a.dump_json.is_some();
    g.zephyr = a.zephyr;
    let out = generate(&kc, &fragments, &g)?;
    for m in &out.messages {
        println!("{m}");
    }
    for w in &out.warnings {
        eprintln!("{w}");
    }
    for m in &out.policy {
        eprintln!("{m}");
    }
    let errors = out
        .policy
        .iter()
        .filter(|m| m.severity == kconfig_parser::zephyr::Severity::Error)
        .count();
    if errors > 0 {
        return Err(format!(
            "{errors} configuration error(s); no output written"
        ));
    }
    let warnings = out.warnings.len() + out.policy.len();
    if a.werror && warnings > 0 {
        return Err(format!(
            "{warnings} warning(s) treated as errors (Aborting due to Kconfig warnings); no output written"
        ));
    }
    let dump = match (&out.symbols, &out.choices) {
        (Some(s), Some(c)) => serde_json::to_string_pretty(&serde_json::json!({
            "symbols": s,
            "choices": c,
        }))
        .map_err(|e| e.to_string())?,
        _ => String::new(),
    };
    // Resolving every file's real path costs a readlink per path component
    // (≈41k system calls on Zephyr): only when the list is asked for.
    let mut sources = String::new();
    if a.sources_out.is_some() {
        for p in kc.source_paths() {
            sources.push_str(&p.to_string_lossy());
            sources.push('\n');
        }
    }
    for (path, text) in [
        (&a.config_out, &out.config),
        (&a.header_out, &out.autoconf),
        (&a.min_config_out, &out.min_config),
        (&a.sources_out, &sources),
        (&a.dump_json, &dump),
    ] {
        if let Some(p) = path {
            write_atomic(p, text.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        }
    }
    // The process ends here: leave the tree (hundreds of thousands of small
    // allocations, ~3% of a Zephyr run) to the OS instead of freeing it.
    std::mem::forget(kc);
    Ok(())
}

fn zephyr(args: Vec<String>) -> ExitCode {
    use kconfig_parser::kconfig_py::{run, Args, Context, Stream};
    use std::io::Write;
    let args = match Args::parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let ctx = match Context::from_process() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let r = run(&args, ctx);
    let (mut o, mut e) = (std::io::stdout().lock(), std::io::stderr().lock());
    for (stream, text) in &r.output {
        let _ = match stream {
            Stream::Stdout => o.write_all(text.as_bytes()).and_then(|_| o.flush()),
            Stream::Stderr => e.write_all(text.as_bytes()),
        };
    }
    ExitCode::from(r.status.clamp(0, 255) as u8)
}

fn zephyr_shim(python: PathBuf, out: PathBuf, kconfig: Option<PathBuf>) -> Result<(), String> {
    let kconfig = match kconfig {
        Some(k) => k,
        None => std::env::current_exe()
            .map_err(|e| format!("cannot find this executable's path: {e}"))?,
    };
    let abs = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    kconfig_parser::kconfig_py::shim::write(&out, &abs(python), &abs(kconfig))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// Loads the tree and runs the editor in the terminal: raw mode and the
/// alternate screen for the editor's lifetime (restored on every exit,
/// panics included), one frame per event.
fn menuconfig(a: MenuArgs) -> Result<(), String> {
    use kconfig_parser::menuconfig::{App, MenuOptions, Outcome};
    let opts = options(&a.tree)?;
    let g = GenOptions::from_env(&opts.env);
    let config = a.config.clone().unwrap_or_else(|| {
        PathBuf::from(
            opts.env
                .get("KCONFIG_CONFIG")
                .cloned()
                .unwrap_or_else(|| ".config".into()),
        )
    });
    let kc = load(opts).map_err(|e| e.to_string())?;
    let fragments = read_fragments(&a.fragments)?;
    let mo = MenuOptions {
        config,
        min_config: a.min_config_out.clone(),
        header: g.config_header.clone(),
        prefix: g.prefix.clone(),
    };
    // Evaluation recurses along dependency chains: a large stack.
    let r = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(scope, || -> Result<(), String> {
                let mut app = App::new(&kc, mo);
                if fragments.is_empty() {
                    app.load_config_file()?;
                } else {
                    app.load_fragments(&fragments);
                }
                let mut term = ratatui::init();
                let r = (|| -> std::io::Result<()> {
                    loop {
                        term.draw(|f| app.render(f))?;
                        if a.first_frame_only {
                            return Ok(());
                        }
                        if let crossterm::event::Event::Key(k) = crossterm::event::read()? {
                            if k.kind != crossterm::event::KeyEventKind::Release
                                && app.handle_key(k) == Outcome::Quit
                            {
                                return Ok(());
                            }
                        }
                    }
                })();
                ratatui::restore();
                if !app.status().is_empty() {
                    println!("{}", app.status());
                }
                r.map_err(|e| format!("terminal: {e}"))
            })
            .map_err(|e| format!("cannot start the editor thread: {e}"))?
            .join()
            .map_err(|_| "the editor panicked".to_string())?
    });
    std::mem::forget(kc);
    r
}

/// The real terminal of a tool (`oldconfig` reads answers from stdin).
struct StdIo;

impl kconfig_parser::tools::ToolIo for StdIo {
    fn out(&mut self, text: &str) {
        use std::io::Write;
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(text.as_bytes()).and_then(|_| o.flush());
    }
    fn err(&mut self, text: &str) {
        eprint!("{text}");
    }
    fn input(&mut self, prompt: &str) -> Option<String> {
        self.out(prompt);
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                if line.ends_with('\n') {
                    line.pop();
                    if line.ends_with('\r') {
                        line.pop();
                    }
                }
                Some(line)
            }
        }
    }
}

/// Loads the tree and runs one of Kconfiglib's tools; the exit status is
/// 1 after an error, as the Python tools exit.
fn tool(
    which: kconfig_parser::tools::Tool,
    a: &ToolArgs,
    set: impl FnOnce(&mut kconfig_parser::tools::ToolOptions),
) -> ExitCode {
    use kconfig_parser::tools::{run, ToolOptions};
    let r = (|| -> Result<(), String> {
        let opts = options(&a.tree)?;
        let dir = std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?;
        let mut t = ToolOptions::from_env(&opts.env, dir);
        if let Some(c) = &a.config {
            t.config = c.clone();
        }
        set(&mut t);
        let kc = load(opts).map_err(|e| e.to_string())?;
        for i in &kc.info {
            println!("{i}");
        }
        run(&kc, which, &t, &mut StdIo).map_err(|e| e.to_string())?;
        std::mem::forget(kc);
        Ok(())
    })();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    use kconfig_parser::tools::Tool;
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Menuconfig(a) => match menuconfig(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Olddefconfig(a) => tool(Tool::Olddefconfig, &a, |_| {}),
        Cmd::Oldconfig(a) => tool(Tool::Oldconfig, &a, |_| {}),
        Cmd::Savedefconfig { tool: a, out } => tool(Tool::Savedefconfig, &a, |t| t.out = out),
        Cmd::Alldefconfig(a) => tool(Tool::Alldefconfig, &a, |_| {}),
        Cmd::Allnoconfig(a) => tool(Tool::Allnoconfig, &a, |_| {}),
        Cmd::Allyesconfig(a) => tool(Tool::Allyesconfig, &a, |_| {}),
        Cmd::Listnewconfig { tool: a, show_help } => {
            tool(Tool::Listnewconfig, &a, |t| t.show_help = show_help)
        }
        Cmd::Setconfig(a) => tool(Tool::Setconfig, &a.tool, |t| {
            t.assignments = a.assignments;
            t.check_exists = !a.no_check_exists;
            t.check_value = !a.no_check_value;
        }),
        Cmd::Zephyr { args } => zephyr(args),
        Cmd::ZephyrShim {
            python,
            out,
            kconfig,
        } => match zephyr_shim(python, out, kconfig) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Dump(a) => match dump(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Why(a) => match why(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Gen(a) => match gen(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Parse {
            tree: t,
            sources_out,
        } => {
            let opts = match options(&t) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match load(opts) {
                Ok(kc) => {
                    for i in &kc.info {
                        println!("{i}");
                    }
                    for w in &kc.warnings {
                        eprintln!("{}", w.text);
                    }
                    if let Some(out) = sources_out {
                        let mut text = String::new();
                        for p in kc.source_paths() {
                            text.push_str(&p.to_string_lossy());
                            text.push('\n');
                        }
                        if let Err(e) = write_atomic(&out, text.as_bytes()) {
                            eprintln!("error: cannot write {}: {e}", out.display());
                            return ExitCode::FAILURE;
                        }
                    }
                    println!(
                        "{} files read ({} distinct), {} entries",
                        kc.reads.len(),
                        kc.files.len(),
                        kc.entry_count()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

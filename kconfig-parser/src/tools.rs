//! Kconfiglib's command-line tools as a library: `olddefconfig`,
//! `oldconfig`, `savedefconfig`, `alldefconfig`, `allnoconfig`,
//! `allyesconfig`, `listnewconfig` and `setconfig`, with the same decisions,
//! messages and files as PyPI Kconfiglib 14.1.0's scripts (their output is
//! what build systems and people parse, so it is matched byte for byte; the
//! recorded outputs are in `tests/corpus/kconfig/tools/`).
//!
//! The configuration file is found as Kconfiglib finds it: the name given
//! (`$KCONFIG_CONFIG`, else `.config`), relative to the working directory or
//! else to `$srctree`; when it does not exist, the first existing file named
//! by the `option defconfig_list` symbol's active defaults. Written files go
//! through a temporary file and a rename (an error leaves the old file
//! whole); the previous `.config` is kept as `.config.old`, as Kconfiglib
//! keeps it. All terminal traffic goes through [`ToolIo`], so tests drive
//! `oldconfig`'s questions without a terminal.

use crate::ast::{Kconfig, NodeKind, Type};
use crate::eval::{parse_int, Config, MenuKind, UserValue};
use crate::expr::Expr;
use crate::generate::GenOptions;
use crate::symbol::SymId;
use std::path::{Path, PathBuf};

/// One of Kconfiglib's tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Loads the configuration and writes it back with defaults for new
    /// symbols.
    Olddefconfig,
    /// Like `olddefconfig`, but asks for every visible symbol and choice
    /// without a user value.
    Oldconfig,
    /// Writes the minimal configuration of the loaded one.
    Savedefconfig,
    /// Writes the defaults only (plus `$KCONFIG_ALLCONFIG`).
    Alldefconfig,
    /// Sets every bool/tristate symbol to n (`allnoconfig_y` ones to y).
    Allnoconfig,
    /// Sets every bool/tristate symbol as high as it goes.
    Allyesconfig,
    /// Lists user-changeable symbols without a value in the configuration.
    Listnewconfig,
    /// Sets `NAME=value` assignments and writes the configuration.
    Setconfig,
}

impl Tool {
    /// Every tool, in the order of the module documentation.
    pub const ALL: [Tool; 8] = [
        Tool::Olddefconfig,
        Tool::Oldconfig,
        Tool::Savedefconfig,
        Tool::Alldefconfig,
        Tool::Allnoconfig,
        Tool::Allyesconfig,
        Tool::Listnewconfig,
        Tool::Setconfig,
    ];

    /// The script's name (`olddefconfig`, …).
    pub fn name(self) -> &'static str {
        match self {
            Tool::Olddefconfig => "olddefconfig",
            Tool::Oldconfig => "oldconfig",
            Tool::Savedefconfig => "savedefconfig",
            Tool::Alldefconfig => "alldefconfig",
            Tool::Allnoconfig => "allnoconfig",
            Tool::Allyesconfig => "allyesconfig",
            Tool::Listnewconfig => "listnewconfig",
            Tool::Setconfig => "setconfig",
        }
    }

    /// The tool called `name`.
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Where a tool reads and writes, and its switches.
#[derive(Debug, Clone)]
pub struct ToolOptions {
    /// The configuration file as named by the user (`$KCONFIG_CONFIG` or
    /// `.config`); messages show it as given.
    pub config: String,
    /// The directory relative names are resolved against (the working
    /// directory of the Python tools).
    pub dir: PathBuf,
    /// `$srctree`: where relative configuration names are looked up when
    /// they are not found in [`ToolOptions::dir`].
    pub srctree: Option<String>,
    /// `$KCONFIG_ALLCONFIG` (the `all*config` tools merge it).
    pub allconfig: Option<String>,
    /// `savedefconfig`'s output (Kconfiglib's default: `defconfig`).
    pub out: String,
    /// `setconfig`'s `NAME=value` assignments.
    pub assignments: Vec<String>,
    /// `setconfig`: an unknown symbol is an error (else skipped).
    pub check_exists: bool,
    /// `setconfig`: a value that did not take is an error (else accepted).
    pub check_value: bool,
    /// `listnewconfig --show-help`.
    pub show_help: bool,
    /// Prefix, headers and warning switches (from the environment).
    pub gen: GenOptions,
}

impl ToolOptions {
    /// Kconfiglib's defaults read from an environment: `KCONFIG_CONFIG`,
    /// `srctree`, `KCONFIG_ALLCONFIG` and [`GenOptions::from_env`]'s
    /// variables; relative paths against `dir`.
    pub fn from_env(env: &std::collections::HashMap<String, String>, dir: PathBuf) -> Self {
        ToolOptions {
            config: env
                .get("KCONFIG_CONFIG")
                .cloned()
                .unwrap_or_else(|| ".config".into()),
            dir,
            srctree: env.get("srctree").cloned().filter(|s| !s.is_empty()),
            allconfig: env.get("KCONFIG_ALLCONFIG").cloned(),
            out: "defconfig".into(),
            assignments: Vec::new(),
            check_exists: true,
            check_value: true,
            show_help: false,
            gen: GenOptions::from_env(env),
        }
    }
}

/// The terminal of a tool: standard output, standard error and (for
/// `oldconfig`) answers to questions.
pub trait ToolIo {
    /// Writes to standard output.
    fn out(&mut self, text: &str);
    /// Writes to standard error.
    fn err(&mut self, text: &str);
    /// Shows `prompt` (on standard output, without a newline, as Python's
    /// `input` does) and reads one line without its terminator; `None` at
    /// the end of input.
    fn input(&mut self, prompt: &str) -> Option<String>;
}

/// A [`ToolIo`] that records both streams and answers from a script (for
/// tests and for callers that want the text).
#[derive(Debug, Clone, Default)]
pub struct CapturedIo {
    /// Everything written to standard output (prompts included).
    pub stdout: String,
    /// Everything written to standard error.
    pub stderr: String,
    /// The answers still to give, first first.
    pub answers: std::collections::VecDeque<String>,
}

impl CapturedIo {
    /// A capture that answers with the lines of `stdin`.
    pub fn with_input(stdin: &str) -> Self {
        CapturedIo {
            answers: stdin.lines().map(str::to_string).collect(),
            ..CapturedIo::default()
        }
    }
}

impl ToolIo for CapturedIo {
    fn out(&mut self, text: &str) {
        self.stdout.push_str(text);
    }
    fn err(&mut self, text: &str) {
        self.stderr.push_str(text);
    }
    fn input(&mut self, prompt: &str) -> Option<String> {
        self.stdout.push_str(prompt);
        self.answers.pop_front()
    }
}

/// Why a tool stopped (its exit status is 1; the message is printed on
/// standard error, prefixed `error: ` where Kconfiglib's is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// A `setconfig` check failed, or `KCONFIG_ALLCONFIG` could not be
    /// read: Kconfiglib's own message.
    #[error("{0}")]
    Exit(String),
    /// A file could not be read or written.
    #[error("error: {0}")]
    Io(String),
    /// The tree has a dependency loop.
    #[error("{0}")]
    Loop(String),
    /// `oldconfig` ran out of input.
    #[error("error: end of input while asking for {0}")]
    EndOfInput(String),
}

/// Runs `tool` over `kc` as the Kconfiglib script does; messages and
/// questions go through `io`. Evaluation recurses along dependency chains,
/// so this runs on a thread with a large stack (see [`Config`]).
pub fn run(
    kc: &Kconfig,
    tool: Tool,
    opts: &ToolOptions,
    io: &mut (dyn ToolIo + Send),
) -> Result<(), ToolError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(scope, || run_here(kc, tool, opts, io))
            .map_err(|e| ToolError::Io(format!("cannot start the evaluation thread: {e}")))?
            .join()
            .map_err(|_| ToolError::Io("evaluation thread panicked".into()))?
    })
}

fn run_here(
    kc: &Kconfig,
    tool: Tool,
    opts: &ToolOptions,
    io: &mut (dyn ToolIo + Send),
) -> Result<(), ToolError> {
    for w in &kc.warnings {
        io.err(&format!("{}\n", w.text));
    }
    let mut t = Run {
        cfg: Config::new(kc),
        opts,
    };
    if let Some(l) = t.cfg.dependency_loop() {
        return Err(ToolError::Loop(l));
    }
    t.cfg.prefix = opts.gen.prefix.clone();
    t.cfg.assign_warnings = opts.gen.assign_warnings;
    if opts.gen.warn_undef {
        t.cfg.undef_warnings();
    }
    t.flush(io);
    let r = match tool {
        Tool::Olddefconfig => {
            let m = t.load_default()?;
            t.line(io, &m);
            let m = t.write_config()?;
            t.line(io, &m);
            Ok(())
        }
        Tool::Oldconfig => t.oldconfig(io),
        Tool::Savedefconfig => {
            let m = t.load_default()?;
            t.line(io, &m);
            let m = t.write_min_config()?;
            t.line(io, &m);
            Ok(())
        }
        Tool::Alldefconfig => {
            t.load_allconfig(io, "alldef.config")?;
            let m = t.write_config()?;
            t.line(io, &m);
            Ok(())
        }
        Tool::Allnoconfig => {
            for &s in kc_syms(&t.cfg).iter() {
                if is_bool_tri(t.cfg.orig_type_of(s)) {
                    let y = t
                        .cfg
                        .definition_nodes(s)
                        .iter()
                        .any(|n| kc.node(*n).options.allnoconfig_y);
                    t.cfg.set_value(s, if y { "y" } else { "n" });
                }
            }
            // Kconfiglib turns warnings off for these assignments.
            t.cfg.warnings.clear();
            t.load_allconfig(io, "allno.config")?;
            let m = t.write_config()?;
            t.line(io, &m);
            Ok(())
        }
        Tool::Allyesconfig => {
            for &s in kc_syms(&t.cfg).iter() {
                match t.cfg.orig_type_of(s) {
                    // m for choice members: ignored in y-mode choices (and
                    // invalid for bool members), as high as it goes in
                    // m-mode ones.
                    Some(Type::Tristate) if t.cfg.choice_of(s).is_some() => {
                        t.cfg.set_value(s, "m");
                    }
                    Some(Type::Bool | Type::Tristate) if t.cfg.choice_of(s).is_none() => {
                        t.cfg.set_value(s, "y");
                    }
                    _ => {}
                }
            }
            for c in 0..kc.choices.len() {
                t.cfg.set_choice_value(crate::ast::ChoiceId(c as u32), "y");
            }
            t.cfg.warnings.clear();
            t.load_allconfig(io, "allyes.config")?;
            let m = t.write_config()?;
            t.line(io, &m);
            Ok(())
        }
        Tool::Listnewconfig => {
            let m = t.load_default()?;
            t.flush(io);
            io.err(&format!("{m}\n"));
            t.listnewconfig(io);
            Ok(())
        }
        Tool::Setconfig => {
            let m = t.load_default()?;
            t.line(io, &m);
            t.setconfig(io)?;
            let m = t.write_config()?;
            t.line(io, &m);
            Ok(())
        }
    };
    t.flush(io);
    r
}

fn kc_syms(cfg: &Config<'_>) -> Vec<SymId> {
    cfg.unique_defined_symbols().to_vec()
}

fn is_bool_tri(t: Option<Type>) -> bool {
    matches!(t, Some(Type::Bool | Type::Tristate))
}

fn tri(v: u8) -> &'static str {
    ["n", "m", "y"][v as usize & 3]
}

struct Run<'a, 'k> {
    cfg: Config<'k>,
    opts: &'a ToolOptions,
}

impl Run<'_, '_> {
    /// Prints the warnings raised so far, then `msg` on standard output.
    fn line(&mut self, io: &mut (dyn ToolIo + Send), msg: &str) {
        self.flush(io);
        io.out(&format!("{msg}\n"));
    }

    fn flush(&mut self, io: &mut (dyn ToolIo + Send)) {
        for w in self.cfg.warnings.drain(..) {
            io.err(&format!("{w}\n"));
        }
    }

    fn in_dir(&self, name: &str) -> PathBuf {
        self.opts.dir.join(name)
    }

    /// `name` relative to `$srctree`, as `os.path.join` spells it.
    fn in_srctree(&self, name: &str) -> Option<String> {
        let st = self.opts.srctree.as_deref()?;
        if Path::new(name).is_absolute() {
            return None;
        }
        Some(if st.ends_with('/') {
            format!("{st}{name}")
        } else {
            format!("{st}/{name}")
        })
    }

    /// Opens a configuration file as Kconfiglib does: as named, else under
    /// `$srctree`. Returns the name opened and the text, or the error of
    /// the last name tried with that name.
    fn open_config(&self, name: &str) -> Result<(String, String), (std::io::Error, String)> {
        match std::fs::read_to_string(self.in_dir(name)) {
            Ok(t) => Ok((name.to_string(), t)),
            Err(e) => match self.in_srctree(name) {
                Some(alt) => match std::fs::read_to_string(self.in_dir(&alt)) {
                    Ok(t) => Ok((alt, t)),
                    Err(e) => Err((e, alt)),
                },
                None => Err((e, name.to_string())),
            },
        }
    }

    /// The `option defconfig_list` symbol's first active default that names
    /// an existing file (Kconfiglib's `defconfig_filename`).
    fn defconfig_filename(&mut self) -> Option<String> {
        let kc = self.cfg.kconfig();
        let s = kc.nodes.iter().find_map(|n| match n.kind {
            NodeKind::Config { sym, .. } if n.options.defconfig_list => Some(sym),
            _ => None,
        })?;
        for (d, c) in self.cfg.defaults_of(s) {
            if self.cfg.expr_value(c) == 0 {
                continue;
            }
            let name = match self.cfg.exprs().get(d) {
                Expr::Sym(x) => self.cfg.sym_str(x).to_string(),
                _ => tri(self.cfg.expr_value(d)).to_string(),
            };
            if let Ok((opened, _)) = self.open_config(&name) {
                return Some(opened);
            }
        }
        None
    }

    /// `load_config()` without a file name: the configuration file, else
    /// the defconfig_list file, else nothing.
    fn load_default(&mut self) -> Result<String, ToolError> {
        let mut name = self.opts.config.clone();
        let exists = self.in_dir(&name).exists()
            || self
                .in_srctree(&name)
                .is_some_and(|p| self.in_dir(&p).exists());
        let mut msg = format!(" configuration '{name}'");
        if !exists {
            match self.defconfig_filename() {
                None => return Ok(format!("Using default symbol values (no '{name}')")),
                Some(d) => {
                    msg = format!(" default configuration '{d}' (no '{name}')");
                    name = d;
                }
            }
        }
        let (_, text) = self
            .open_config(&name)
            .map_err(|(e, n)| ToolError::Io(format!("cannot read {n}: {e}")))?;
        self.cfg.load_config(&text, &name, true);
        Ok(format!("Loaded{msg}"))
    }

    /// Kconfiglib's `load_allconfig`: merges `$KCONFIG_ALLCONFIG` (or, when
    /// it is empty or `1`, `name` or `all.config`) without override
    /// warnings.
    fn load_allconfig(
        &mut self,
        io: &mut (dyn ToolIo + Send),
        name: &str,
    ) -> Result<(), ToolError> {
        let Some(all) = self.opts.allconfig.clone() else {
            return Ok(());
        };
        let saved = self.cfg.assign_warnings;
        self.cfg.assign_warnings.overridden = false;
        self.cfg.assign_warnings.redundant = false;
        let r = if all.is_empty() || all == "1" {
            match self.open_config(name) {
                Ok((_, text)) => Ok((name.to_string(), text)),
                Err(e1) => match self.open_config("all.config") {
                    Ok((_, text)) => Ok(("all.config".to_string(), text)),
                    Err(e2) => Err(format!(
                        "error: KCONFIG_ALLCONFIG is set, but neither {name} nor all.config could be opened: {}, {}",
                        py_io_error(&e1.0, &e1.1),
                        py_io_error(&e2.0, &e2.1)
                    )),
                },
            }
        } else {
            self.open_config(&all)
                .map(|(_, t)| (all.clone(), t))
                .map_err(|(e, n)| {
                    format!(
                        "error: KCONFIG_ALLCONFIG is set to '{all}', which could not be opened: {}",
                        py_io_error(&e, &n)
                    )
                })
        };
        let r = r.map(|(n, text)| {
            let m = self.cfg.load_config(&text, &n, false);
            self.line(io, &m);
        });
        self.cfg.assign_warnings = saved;
        r.map_err(ToolError::Exit)
    }

    /// `write_config()`: unchanged files are left alone; the old file is
    /// kept as `NAME.old`.
    fn write_config(&mut self) -> Result<String, ToolError> {
        let name = self.opts.config.clone();
        let text = self.cfg.config_text(&self.opts.gen.config_header);
        let path = self.in_dir(&name);
        let old = std::fs::read(&path).ok();
        if old.as_deref() == Some(text.as_bytes()) {
            return Ok(format!("No change to configuration in '{name}'"));
        }
        if let Some(old) = &old {
            // Like Kconfiglib, a .old that cannot be written is no error.
            let _ = crate::output::write_atomic(&self.in_dir(&format!("{name}.old")), old);
        }
        crate::output::write_atomic(&path, text.as_bytes())
            .map_err(|e| ToolError::Io(format!("cannot write {name}: {e}")))?;
        Ok(format!("Configuration saved to '{name}'"))
    }

    fn write_min_config(&mut self) -> Result<String, ToolError> {
        let name = self.opts.out.clone();
        let text = self.cfg.min_config_text(&self.opts.gen.config_header);
        let path = self.in_dir(&name);
        if std::fs::read(&path).ok().as_deref() == Some(text.as_bytes()) {
            return Ok(format!("No change to minimal configuration in '{name}'"));
        }
        crate::output::write_atomic(&path, text.as_bytes())
            .map_err(|e| ToolError::Io(format!("cannot write {name}: {e}")))?;
        Ok(format!("Minimal configuration saved to '{name}'"))
    }

    fn listnewconfig(&mut self, io: &mut (dyn ToolIo + Send)) {
        let kc = self.cfg.kconfig();
        for s in kc_syms(&self.cfg) {
            if self.cfg.user_value(s).is_some() {
                continue;
            }
            let ot = self.cfg.orig_type_of(s);
            let vis = self.cfg.sym_visibility(s);
            let show = self.cfg.assignable(s).len() > 1
                || (vis > 0
                    && (matches!(ot, Some(Type::Int | Type::Hex | Type::String))
                        || self.cfg.choice_of(s).is_some()));
            if !show {
                continue;
            }
            let line = if is_bool_tri(ot) {
                let v = self.cfg.sym_tri(s);
                format!("{}{}={}\n", self.cfg.prefix, kc.symbols.name(s), tri(v))
            } else {
                self.cfg.config_string(s)
            };
            io.out(&line);
            if self.opts.show_help {
                let help = self
                    .cfg
                    .definition_nodes(s)
                    .iter()
                    .find_map(|n| kc.node(*n).help.as_deref());
                if let Some(h) = help {
                    let h = h.trim_end();
                    let text: Vec<String> = h.split('\n').map(|l| format!("  {l}")).collect();
                    io.out(&format!("{}\n", text.join("\n")));
                }
            }
        }
        self.flush(io);
    }

    fn setconfig(&mut self, io: &mut (dyn ToolIo + Send)) -> Result<(), ToolError> {
        let kc = self.cfg.kconfig();
        for arg in &self.opts.assignments {
            let Some((name, value)) = arg.split_once('=') else {
                return Err(ToolError::Exit(format!(
                    "error: no '=' in assignment: '{arg}'"
                )));
            };
            let Some(s) = kc.symbols.lookup(name).filter(|s| !kc.symbols.is_const(*s)) else {
                if !self.opts.check_exists {
                    continue;
                }
                return Err(ToolError::Exit(format!(
                    "error: no symbol '{name}' in configuration"
                )));
            };
            if !self.cfg.set_value(s, value) {
                self.flush(io);
                return Err(ToolError::Exit(format!(
                    "error: '{value}' is an invalid value for the {} symbol {name}",
                    self.cfg
                        .orig_type_of(s)
                        .map(|t| t.keyword())
                        .unwrap_or("unknown")
                )));
            }
            if !self.opts.check_value {
                // Kconfiglib evaluates nothing here: its warnings about
                // values (ranges, clamped defaults) come while writing, in
                // the file's order. Drop what the eager recomputation
                // said; the values are computed again for the write.
                self.cfg.warnings.clear();
                self.cfg.invalidate_all();
                continue;
            }
            let got = self.cfg.sym_str(s).to_string();
            if got != value {
                self.flush(io);
                return Err(ToolError::Exit(format!(
                    "error: {name} was assigned the value '{value}', but got the value '{got}'. Check the symbol's dependencies, and make sure that it has a prompt."
                )));
            }
        }
        Ok(())
    }

    /// `NAME, defined at file:line, …` (oldconfig's form).
    fn name_and_locs(&self, name: &str, nodes: &[crate::ast::NodeId]) -> String {
        let kc = self.cfg.kconfig();
        let locs: Vec<String> = nodes.iter().map(|n| kc.loc_str(kc.node(*n).loc)).collect();
        format!("{name}, defined at {}", locs.join(", "))
    }

    fn print_help(&self, io: &mut (dyn ToolIo + Send), node: crate::ast::NodeId) {
        let kc = self.cfg.kconfig();
        match kc.node(node).help.as_deref() {
            Some(h) => io.out(&format!("\n{}\n", h.trim_end())),
            None => io.out("\nNo help text\n\n"),
        }
    }

    fn oldconfig(&mut self, io: &mut (dyn ToolIo + Send)) -> Result<(), ToolError> {
        let m = self.load_default()?;
        self.line(io, &m);
        loop {
            let mut changed = false;
            let order: Vec<(u32, MenuKind)> = self
                .cfg
                .menu_tree()
                .into_iter()
                .skip(1)
                .map(|e| (e.node, e.kind))
                .collect();
            for (n, kind) in order {
                if matches!(
                    kind,
                    MenuKind::Config | MenuKind::MenuConfig | MenuKind::Choice
                ) {
                    changed |= self.ask(io, crate::ast::NodeId(n))?;
                }
            }
            if !changed {
                break;
            }
        }
        let m = self.write_config()?;
        self.line(io, &m);
        Ok(())
    }

    /// One oldconfig question for node `n` (if it is asked); whether a
    /// value changed.
    fn ask(
        &mut self,
        io: &mut (dyn ToolIo + Send),
        n: crate::ast::NodeId,
    ) -> Result<bool, ToolError> {
        let kc = self.cfg.kconfig();
        let node = kc.node(n);
        let Some(prompt) = node.prompt.as_ref().map(|p| p.text.as_str()) else {
            return Ok(false);
        };
        match node.kind {
            NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => {
                if self.cfg.sym_visibility(sym) == 0 || self.cfg.user_value(sym).is_some() {
                    return Ok(false);
                }
                if self.cfg.assignable(sym).len() == 1 {
                    return Ok(false);
                }
                if let Some(c) = self.cfg.choice_of(sym) {
                    if self.cfg.choice_tri(c) == 2 {
                        return Ok(false);
                    }
                }
                let name = kc.symbols.name(sym);
                loop {
                    let default = if is_bool_tri(self.cfg.orig_type_of(sym)) {
                        let cur = self.cfg.sym_tri(sym);
                        self.cfg
                            .assignable(sym)
                            .into_iter()
                            .map(|v| {
                                let letters = if v == cur { "NMY" } else { "nmy" };
                                &letters[v as usize..v as usize + 1]
                            })
                            .collect::<Vec<_>>()
                            .join("/")
                    } else {
                        self.cfg.sym_str(sym).to_string()
                    };
                    let q = format!(
                        "{prompt} ({}) [{default}] ",
                        self.name_and_locs(name, self.cfg.definition_nodes(sym))
                    );
                    self.flush(io);
                    let Some(mut val) = io.input(&q) else {
                        return Err(ToolError::EndOfInput(name.to_string()));
                    };
                    if val == "?" {
                        self.print_help(io, n);
                        continue;
                    }
                    if val.is_empty() {
                        val = self.cfg.sym_str(sym).to_string();
                    }
                    if self.cfg.sym_type_of(sym) == Some(Type::Hex)
                        && !val.starts_with("0x")
                        && !val.starts_with("0X")
                    {
                        val = format!("0x{val}");
                    }
                    let old = self.cfg.sym_str(sym).to_string();
                    if self.set_like_kconfiglib(sym, &val) {
                        return Ok(*self.cfg.sym_str(sym) != *old);
                    }
                }
            }
            NodeKind::Choice(c) => {
                if self.cfg.choice_vis(c) == 0 {
                    return Ok(false);
                }
                let members = self.cfg.choice_members(c).to_vec();
                if let Some(sel) = self.cfg.choice_user_selection(c) {
                    if self.cfg.sym_visibility(sel) == 2 {
                        let unasked = members.iter().any(|&x| {
                            x != sel
                                && self.cfg.sym_visibility(x) > 0
                                && self.cfg.user_value(x).is_none()
                        });
                        if !unasked {
                            return Ok(false);
                        }
                    }
                }
                let options: Vec<SymId> = members
                    .iter()
                    .copied()
                    .filter(|&x| self.cfg.sym_visibility(x) == 2)
                    .collect();
                if options.is_empty() {
                    return Ok(false);
                }
                let cname = kc.choices[c.0 as usize]
                    .name
                    .as_deref()
                    .unwrap_or("choice")
                    .to_string();
                let mut changed = false;
                loop {
                    let head = format!(
                        "{prompt} ({})\n",
                        self.name_and_locs(&cname, &kc.choices[c.0 as usize].nodes)
                    );
                    self.flush(io);
                    io.out(&head);
                    let selection = self.cfg.choice_selection(c);
                    for (i, &x) in options.iter().enumerate() {
                        let p = self
                            .cfg
                            .definition_nodes(x)
                            .first()
                            .and_then(|n| kc.node(*n).prompt.as_ref())
                            .map(|p| p.text.as_str())
                            .unwrap_or("");
                        io.out(&format!(
                            "{} {}. {p} ({})\n",
                            if Some(x) == selection { ">" } else { " " },
                            i + 1,
                            kc.symbols.name(x)
                        ));
                    }
                    let Some(answer) = io.input(&format!("choice[1-{}]: ", options.len())) else {
                        return Err(ToolError::EndOfInput(cname));
                    };
                    if answer == "?" {
                        self.print_help(io, n);
                        continue;
                    }
                    if answer.is_empty() {
                        if let Some(sel) = selection {
                            self.set_like_kconfiglib(sel, "y");
                        }
                        break;
                    }
                    let Some(i) = parse_int(&answer, 10) else {
                        io.err("Bad index\n");
                        continue;
                    };
                    if i < 1 || i > options.len() as i128 {
                        io.err("Bad index\n");
                        continue;
                    }
                    let x = options[i as usize - 1];
                    if self.cfg.sym_tri(x) != 2 {
                        changed = true;
                    }
                    self.set_like_kconfiglib(x, "y");
                    break;
                }
                let sel = self.cfg.choice_user_selection(c);
                for x in members {
                    if Some(x) != sel && self.cfg.sym_visibility(x) > 0 {
                        self.set_like_kconfiglib(x, "n");
                    }
                }
                Ok(changed)
            }
            _ => Ok(false),
        }
    }

    /// `Symbol.set_value` with a string: the same value again is no change
    /// (outside choices, where it re-selects).
    fn set_like_kconfiglib(&mut self, s: SymId, v: &str) -> bool {
        let same = match (self.cfg.user_value(s), v) {
            (Some(UserValue::Tri(t)), "n" | "m" | "y") if is_bool_tri(self.cfg.orig_type_of(s)) => {
                tri(t) == v
            }
            (Some(UserValue::Str(x)), _) => x == v,
            _ => false,
        };
        if same && self.cfg.choice_of(s).is_none() {
            return true;
        }
        self.cfg.set_value(s, v)
    }
}

/// Python's `str(IOError(errno, strerror, filename))`:
/// `[Errno 2] No such file or directory: 'name'`.
fn py_io_error(e: &std::io::Error, name: &str) -> String {
    let code = e.raw_os_error().unwrap_or(0);
    let text = e.to_string();
    // Rust appends " (os error N)"; Python prints the bare strerror.
    let strerror = text
        .rsplit_once(" (os error")
        .map(|(t, _)| t.to_string())
        .unwrap_or(text);
    format!("[Errno {code}] {strerror}: '{name}'")
}

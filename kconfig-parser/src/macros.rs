//! The macro language (preprocessor): `$(VAR)`, `$(fn,args)`, variables
//! assigned with `=`, `:=`, `+=`, environment variables, the built-in
//! functions and host functions.
//!
//! Expansion follows Kconfiglib: a reference is looked up as a Kconfig
//! variable first, then as a built-in or host function, then as an
//! environment variable; anything else expands to the empty string. Nested
//! references in arguments are expanded before the call; the text a
//! reference expands to is never re-scanned for commas or parentheses.

use crate::ast::Variable;
use indexmap::IndexMap;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

/// Functions supplied by the embedding tool (Zephyr's `dt_*` functions,
/// Kconfiglib's user function modules).
///
/// A name is a function when [`HostFunctions::arity`] returns `Some`; the
/// preprocessor checks the argument count before calling.
pub trait HostFunctions: Send {
    /// `Some((min, max))` argument counts (max `None` = unbounded) when the
    /// host provides `name`.
    fn arity(&self, name: &str) -> Option<(usize, Option<usize>)>;
    /// Calls `name` with the expanded arguments. `file`/`line` locate the
    /// call. An `Err` aborts loading with that message.
    fn call(
        &mut self,
        name: &str,
        args: &[String],
        file: &str,
        line: u32,
    ) -> Result<String, String>;
    /// Whether `name` only computes its result (no files written, no
    /// commands run). The loader reads sourced files ahead of the parser
    /// and drops what it read before a call that may have side effects, as
    /// a file sourced after the call may be one the call wrote; answering
    /// `true` for lookups (Zephyr's devicetree functions) keeps that work.
    fn is_pure(&self, name: &str) -> bool {
        let _ = name;
        false
    }
}

/// Host functions replayed from a recorded table (`functions_trace.json` of
/// the Zephyr goldens): every call must be in the table.
#[derive(Debug, Clone, Default)]
pub struct ReplayFunctions {
    /// Shared, so that cloning for another load is cheap.
    table: std::sync::Arc<HashMap<String, HashMap<Vec<String>, String>>>,
    no_devicetree_fallback: bool,
}

impl ReplayFunctions {
    /// Builds the table from `(name, args, result)` entries.
    pub fn new(entries: impl IntoIterator<Item = (String, Vec<String>, String)>) -> Self {
        let mut table: HashMap<String, HashMap<Vec<String>, String>> = HashMap::default();
        for (name, args, result) in entries {
            table.entry(name).or_default().insert(args, result);
        }
        ReplayFunctions {
            table: std::sync::Arc::new(table),
            no_devicetree_fallback: false,
        }
    }

    /// Answers calls missing from the table the way Zephyr's functions do
    /// when there is no devicetree (`0` for `*_int`/`*_num`, `0x0` for
    /// `*_hex`, empty for paths and labels, `n` otherwise) instead of
    /// failing. For parsing files outside the recorded configuration; a
    /// full evaluation should keep misses as errors.
    pub fn with_no_devicetree_fallback(mut self) -> Self {
        self.no_devicetree_fallback = true;
        self
    }

    /// Reads a JSON list of `{"name": …, "args": [...], "result": …}`.
    ///
    /// Names are borrowed from `text` while reading (a table holds
    /// thousands of calls to a few dozen functions), so a name is copied
    /// once per function rather than once per call.
    pub fn from_json(text: &str) -> Result<Self, String> {
        use std::borrow::Cow;
        #[derive(serde::Deserialize)]
        struct Entry<'a> {
            #[serde(borrow)]
            name: Cow<'a, str>,
            args: Vec<String>,
            result: String,
        }
        let entries: Vec<Entry<'_>> =
            serde_json::from_str(text).map_err(|e| format!("bad replay table: {e}"))?;
        let mut table: HashMap<String, HashMap<Vec<String>, String>> = HashMap::default();
        for e in entries {
            match table.get_mut(e.name.as_ref()) {
                Some(calls) => {
                    calls.insert(e.args, e.result);
                }
                None => {
                    let mut calls = HashMap::default();
                    calls.insert(e.args, e.result);
                    table.insert(e.name.into_owned(), calls);
                }
            }
        }
        Ok(ReplayFunctions {
            table: std::sync::Arc::new(table),
            no_devicetree_fallback: false,
        })
    }

    /// Number of distinct recorded calls.
    pub fn len(&self) -> usize {
        self.table.values().map(|m| m.len()).sum()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `name` is one of Zephyr's Kconfig functions.
fn is_zephyr_function(name: &str) -> bool {
    devicetree::kconfig::Functions::arity(name).is_some()
}

impl HostFunctions for ReplayFunctions {
    fn arity(&self, name: &str) -> Option<(usize, Option<usize>)> {
        (self.table.contains_key(name) || self.no_devicetree_fallback && is_zephyr_function(name))
            .then_some((0, None))
    }

    /// A replay table only looks results up.
    fn is_pure(&self, _: &str) -> bool {
        true
    }

    fn call(&mut self, name: &str, args: &[String], _: &str, _: u32) -> Result<String, String> {
        let hit = self.table.get(name).and_then(|m| m.get(args)).cloned();
        if hit.is_none() && self.no_devicetree_fallback && is_zephyr_function(name) {
            // What Zephyr's functions answer without a devicetree (and the
            // string and arithmetic helpers, which need none).
            return devicetree::kconfig::Functions::new(None, None).call(name, args);
        }
        hit.ok_or_else(|| {
            format!(
                "no recorded result for $({name}{}{}) in the replay table",
                if args.is_empty() { "" } else { "," },
                args.join(",")
            )
        })
    }
}

/// Why an expansion failed (located by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroError(pub String);

/// Side effects of expansion that do not fail it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacroEvent {
    /// A warning (`$(warning-if)`, `$(shell)` stderr) with its location.
    Warning(String),
    /// `$(info,…)` text.
    Info(String),
}

const MAX_NESTING: usize = 200;

/// The preprocessor state: variables, environment, host functions.
pub struct Preprocessor {
    /// Variables in definition order.
    pub variables: IndexMap<String, Variable, rustc_hash::FxBuildHasher>,
    expanding: HashMap<String, u32>,
    env: HashMap<String, String>,
    /// Environment variables referenced, in first-use order.
    pub env_used: Vec<String>,
    env_used_set: BTreeSet<String>,
    host: Option<Box<dyn HostFunctions>>,
    /// Warnings and info messages, in order.
    pub events: Vec<MacroEvent>,
    shell_cache: HashMap<String, (String, String)>,
    depth: usize,
    /// How many calls that may have side effects (a `$(shell)` command run,
    /// a host function not [`HostFunctions::is_pure`]) have returned.
    pub side_effects: u64,
}

impl std::fmt::Debug for Preprocessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preprocessor")
            .field("variables", &self.variables)
            .finish_non_exhaustive()
    }
}

/// Where the expansion happens (for `$(filename)`, `$(lineno)` and messages).
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The file name as reported.
    pub file: &'a str,
    /// The line.
    pub line: u32,
}

impl Preprocessor {
    /// A preprocessor reading `env` and calling `host` for unknown names.
    pub fn new(
        env: std::collections::HashMap<String, String>,
        host: Option<Box<dyn HostFunctions>>,
    ) -> Self {
        Preprocessor {
            variables: IndexMap::default(),
            expanding: HashMap::default(),
            env: env.into_iter().collect(),
            env_used: Vec::new(),
            env_used_set: BTreeSet::new(),
            host,
            events: Vec::new(),
            shell_cache: HashMap::default(),
            depth: 0,
            side_effects: 0,
        }
    }

    /// An environment variable (recorded as used).
    pub fn env_var(&mut self, name: &str) -> Option<String> {
        let v = self.env.get(name).cloned();
        if v.is_some() && self.env_used_set.insert(name.to_string()) {
            self.env_used.push(name.to_string());
        }
        v
    }

    /// An environment variable without recording it.
    pub fn env_peek(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(|s| s.as_str())
    }

    /// Expands every `$(…)` in `s` (Kconfiglib's `_expand_whole`).
    pub fn expand_whole(
        &mut self,
        s: &str,
        args: &[String],
        site: Site<'_>,
    ) -> Result<String, MacroError> {
        let mut s = s.to_string();
        let mut i = 0;
        while let Some(p) = s[i..].find("$(") {
            i = self.expand_macro(&mut s, i + p, args, site)?;
        }
        Ok(s)
    }

    /// Expands the reference starting at byte `i` of `s` (which starts with
    /// `$(`) in place; returns the index just after the inserted text.
    pub fn expand_macro(
        &mut self,
        s: &mut String,
        i: usize,
        args: &[String],
        site: Site<'_>,
    ) -> Result<usize, MacroError> {
        if self.depth >= MAX_NESTING {
            return Err(MacroError(format!(
                "macro expansion nested more than {MAX_NESTING} levels deep"
            )));
        }
        self.depth += 1;
        let r = self.expand_macro_inner(s, i, args, site);
        self.depth -= 1;
        r
    }

    fn expand_macro_inner(
        &mut self,
        s: &mut String,
        i: usize,
        args: &[String],
        site: Site<'_>,
    ) -> Result<usize, MacroError> {
        let mut j = i + 2;
        let mut arg_start = j;
        let mut new_args: Vec<String> = Vec::new();
        let mut nesting = 0usize;
        loop {
            let rest = &s.as_bytes()[j..];
            let Some(off) = rest
                .iter()
                .position(|&c| matches!(c, b'(' | b')' | b',' | b'$'))
            else {
                return Err(MacroError(
                    "missing end parenthesis in macro expansion".into(),
                ));
            };
            let p = j + off;
            match s.as_bytes()[p] {
                b'$' => {
                    if s.as_bytes().get(p + 1) == Some(&b'(') {
                        j = self.expand_macro(s, p, args, site)?;
                    } else {
                        j = p + 1;
                    }
                }
                b'(' => {
                    nesting += 1;
                    j = p + 1;
                }
                b',' => {
                    j = p + 1;
                    if nesting == 0 {
                        new_args.push(s[arg_start..p].to_string());
                        arg_start = j;
                    }
                }
                _ => {
                    // ')'
                    if nesting > 0 {
                        nesting -= 1;
                        j = p + 1;
                        continue;
                    }
                    let value = if new_args.is_empty() {
                        // `$(NAME)`: the common case, served without
                        // building an argument list when possible.
                        let name = &s[arg_start..p];
                        // A variable with nothing to expand is copied
                        // straight into place.
                        if let Some(idx) = self.variables.get_index_of(name) {
                            let v = &self.variables[idx].value;
                            if !v.contains("$(") && name.trim().parse::<usize>().is_err() {
                                s.replace_range(i..p + 1, v);
                                return Ok(i + v.len());
                            }
                        }
                        let name = &s[arg_start..p];
                        match name.trim().parse::<usize>() {
                            Ok(n) if n < args.len() => args[n].clone(),
                            _ => match self.plain_value(name) {
                                Some(v) => v,
                                None => {
                                    let a = [name.to_string()];
                                    self.fn_val(&a, site)?
                                }
                            },
                        }
                    } else {
                        new_args.push(s[arg_start..p].to_string());
                        match new_args[0].trim().parse::<usize>() {
                            Ok(n) if n < args.len() => args[n].clone(),
                            _ => self.fn_val(&new_args, site)?,
                        }
                    };
                    s.replace_range(i..p + 1, &value);
                    return Ok(i + value.len());
                }
            }
        }
    }

    /// The value of `$(name)` when no expansion or call is involved: a
    /// variable whose value has no `$(`, or an environment variable.
    fn plain_value(&mut self, name: &str) -> Option<String> {
        if let Some(v) = self.variables.get(name) {
            return (!v.value.contains("$(")).then(|| v.value.clone());
        }
        if self.is_function(name) {
            return None;
        }
        Some(self.env_var(name).unwrap_or_default())
    }

    /// Whether `name` is a built-in or host function.
    pub fn is_function(&self, name: &str) -> bool {
        matches!(
            name,
            "filename" | "lineno" | "shell" | "info" | "warning-if" | "error-if"
        ) || self.host.as_ref().is_some_and(|h| h.arity(name).is_some())
    }

    fn fn_val(&mut self, args: &[String], site: Site<'_>) -> Result<String, MacroError> {
        let name = args[0].as_str();
        if let Some(var) = self.variables.get(name) {
            if !var.value.contains("$(") {
                // Nothing to expand: the value is the result (a recursive
                // self-reference needs a `$(`, so none is possible here).
                return Ok(var.value.clone());
            }
            let value = var.value.clone();
            let n = self.expanding.get(name).copied().unwrap_or(0);
            if args.len() == 1 && n > 0 {
                return Err(MacroError(format!(
                    "Preprocessor variable {name} recursively references itself"
                )));
            }
            if n > 100 {
                return Err(MacroError(format!(
                    "Preprocessor function {name} seems stuck in infinite recursion"
                )));
            }
            match self.expanding.get_mut(name) {
                Some(c) => *c += 1,
                None => {
                    self.expanding.insert(name.to_string(), 1);
                }
            }
            let r = self.expand_whole(&value, args, site);
            if let Some(c) = self.expanding.get_mut(name) {
                *c -= 1;
            }
            return r;
        }
        let nargs = args.len() - 1;
        let builtin: Option<(usize, Option<usize>)> = match name {
            "filename" | "lineno" => Some((0, Some(0))),
            "shell" | "info" => Some((1, Some(1))),
            "warning-if" | "error-if" => Some((2, Some(2))),
            _ => None,
        };
        let host_arity = self.host.as_ref().and_then(|h| h.arity(name));
        let arity = host_arity.or(builtin);
        if let Some((min, max)) = arity {
            if nargs < min || max.is_some_and(|m| nargs > m) {
                let expected = if Some(min) == max {
                    min.to_string()
                } else if let Some(m) = max {
                    format!("{min}-{m}")
                } else {
                    format!("{min} or more")
                };
                return Err(MacroError(format!(
                    "bad number of arguments in call to {name}, expected {expected}, got {nargs}"
                )));
            }
            if let (Some(h), Some(_)) = (self.host.as_mut(), host_arity) {
                let r = h.call(name, &args[1..], site.file, site.line);
                if !h.is_pure(name) {
                    self.side_effects += 1;
                }
                return r.map_err(MacroError);
            }
            return self.builtin(name, &args[1..], site);
        }
        if let Some(v) = self.env_var(name) {
            return Ok(v);
        }
        Ok(String::new())
    }

    fn builtin(
        &mut self,
        name: &str,
        args: &[String],
        site: Site<'_>,
    ) -> Result<String, MacroError> {
        match name {
            "filename" => Ok(site.file.to_string()),
            "lineno" => Ok(site.line.to_string()),
            "info" => {
                self.events.push(MacroEvent::Info(format!(
                    "{}:{}: {}",
                    site.file, site.line, args[0]
                )));
                Ok(String::new())
            }
            "warning-if" => {
                if args[0] == "y" {
                    self.events.push(MacroEvent::Warning(format!(
                        "{}:{}: warning: {}",
                        site.file, site.line, args[1]
                    )));
                }
                Ok(String::new())
            }
            "error-if" => {
                if args[0] == "y" {
                    return Err(MacroError(args[1].clone()));
                }
                Ok(String::new())
            }
            _ => {
                // shell
                let cmd = &args[0];
                let (stdout, stderr) = match self.shell_cache.get(cmd) {
                    Some(r) => r.clone(),
                    None => {
                        let out = std::process::Command::new("/bin/sh")
                            .arg("-c")
                            .arg(cmd)
                            .envs(&self.env)
                            .output()
                            .map_err(|e| MacroError(format!("could not run /bin/sh: {e}")))?;
                        let r = (
                            String::from_utf8_lossy(&out.stdout).into_owned(),
                            String::from_utf8_lossy(&out.stderr).into_owned(),
                        );
                        self.shell_cache.insert(cmd.clone(), r.clone());
                        self.side_effects += 1;
                        r
                    }
                };
                if !stderr.is_empty() {
                    let lines: Vec<&str> = stderr.lines().collect();
                    self.events.push(MacroEvent::Warning(format!(
                        "{}:{}: warning: '{}' wrote to stderr: {}",
                        site.file,
                        site.line,
                        cmd,
                        lines.join("\n")
                    )));
                }
                let lines: Vec<&str> = stdout.lines().collect();
                Ok(lines.join("\n").trim_end_matches('\n').replace('\n', " "))
            }
        }
    }

    /// Processes an assignment `name op value` (value raw).
    pub fn assign(
        &mut self,
        name: &str,
        op: AssignOp,
        value: &str,
        site: Site<'_>,
    ) -> Result<(), MacroError> {
        let op = if !self.variables.contains_key(name) && op == AssignOp::Append {
            AssignOp::Recursive
        } else {
            op
        };
        match op {
            AssignOp::Recursive | AssignOp::Simple => {
                let new_var = if op == AssignOp::Simple {
                    Variable {
                        value: self.expand_whole(value, &[], site)?,
                        recursive: false,
                    }
                } else {
                    Variable {
                        value: value.to_string(),
                        recursive: true,
                    }
                };
                // Reassignment keeps the variable's place in the order.
                match self.variables.get_mut(name) {
                    Some(v) => *v = new_var,
                    None => {
                        self.variables.insert(name.to_string(), new_var);
                    }
                }
            }
            AssignOp::Append => {
                let recursive = self.variables[name].recursive;
                let add = if recursive {
                    value.to_string()
                } else {
                    self.expand_whole(value, &[], site)?
                };
                let var = self.variables.get_mut(name).expect("checked above");
                var.value.push(' ');
                var.value.push_str(&add);
            }
        }
        Ok(())
    }
}

/// Assignment operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    /// `=` (recursive).
    Recursive,
    /// `:=` (simple, expanded now).
    Simple,
    /// `+=` (append; keeps the variable's flavour).
    Append,
}

/// Python's `os.path.expandvars` (used by Kconfiglib on quoted strings that
/// contain `$` or `\`): `$NAME` and `${NAME}` are replaced by set
/// environment variables; unset ones are left as written.
pub fn expand_env_refs(s: &str, pp: &mut Preprocessor) -> Option<String> {
    if !s.contains('$') {
        return None;
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut changed = false;
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'{') {
                if let Some(end) = s[i + 2..].find('}') {
                    let name = &s[i + 2..i + 2 + end];
                    if let Some(v) = pp.env_peek(name) {
                        out.push_str(v);
                        changed = true;
                        i += 3 + end;
                        continue;
                    }
                }
            } else {
                let mut j = i + 1;
                while j < b.len() && is_word(b[j]) {
                    j += 1;
                }
                if j > i + 1 {
                    let name = &s[i + 1..j];
                    if let Some(v) = pp.env_peek(name) {
                        out.push_str(v);
                        changed = true;
                        i = j;
                        continue;
                    }
                }
            }
        }
        let ch = s[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    changed.then_some(out)
}

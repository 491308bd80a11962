//! User values: setting and unsetting them through the API, and loading
//! configuration files the way Kconfiglib's `load_config` does.

use super::*;

impl<'k> Config<'k> {
    pub(super) fn invalidate(&mut self) {
        for s in self.syms.iter_mut() {
            s.tri = None;
            s.strv = None;
            s.vis = None;
            s.write = false;
        }
        for c in self.choices.iter_mut() {
            c.tri = None;
            c.vis = None;
            c.selection = None;
        }
    }

    /// Drops every cached value: the next queries compute them again, in
    /// the order they are asked for (so warnings raised while computing
    /// values come in that order, as Kconfiglib's lazy evaluation gives
    /// them).
    pub fn invalidate_all(&mut self) {
        self.invalidate();
    }

    /// Sets a user value like Kconfiglib's `Symbol.set_value` (text form:
    /// "n"/"m"/"y" for bool/tristate). Returns false (with a warning) when
    /// the value is invalid for the type. The cached values that depend on
    /// `s` are recomputed at once, in dependency order, and only as far as
    /// values really change, so reading values back afterwards costs
    /// nothing more; a change of `MODULES` drops every cached value
    /// instead.
    pub fn set_value(&mut self, s: SymId, value: &str) -> bool {
        let ok = self.assign(s, value);
        if ok {
            match self.syms[s.index()].choice {
                Some(c) => self.changed(&[s.index(), self.syms.len() + c.0 as usize]),
                None => self.changed(&[s.index()]),
            }
        }
        ok
    }

    /// [`Config::set_value`] without dropping cached values (loading a
    /// configuration file drops them once for the whole file).
    pub(super) fn assign(&mut self, s: SymId, value: &str) -> bool {
        let ot = self.syms[s.index()].orig_type;
        let v: Option<UserValue> = match ot {
            Some(Type::Bool) => match value {
                "n" => Some(UserValue::Tri(0)),
                "y" => Some(UserValue::Tri(2)),
                _ => None,
            },
            Some(Type::Tristate) => match value {
                "n" => Some(UserValue::Tri(0)),
                "m" => Some(UserValue::Tri(1)),
                "y" => Some(UserValue::Tri(2)),
                _ => None,
            },
            Some(Type::String) => Some(UserValue::Str(value.into())),
            Some(Type::Int) => parse_int(value, 10).map(|_| UserValue::Str(value.into())),
            Some(Type::Hex) => parse_int(value, 16)
                .filter(|v| *v >= 0)
                .map(|_| UserValue::Str(value.into())),
            None => None,
        };
        let Some(v) = v else {
            let shown = if matches!(value, "n" | "m" | "y")
                && matches!(ot, Some(Type::Bool) | Some(Type::Tristate))
            {
                value.to_string()
            } else {
                format!("'{value}'")
            };
            let w = format!(
                "warning: the value {} is invalid for {}, which has type {} -- assignment ignored",
                shown,
                self.name_and_loc(s),
                ot.map(|t| t.keyword()).unwrap_or("unknown")
            );
            self.warnings.push(w);
            return false;
        };
        let is_y = v == UserValue::Tri(2);
        self.syms[s.index()].user = Some(v);
        self.syms[s.index()].was_set = true;
        if let (Some(c), true) = (self.syms[s.index()].choice, is_y) {
            self.choices[c.0 as usize].user_selection = Some(s);
            self.choices[c.0 as usize].was_set = true;
        }
        true
    }

    /// Removes the user value of `s` (Kconfiglib's `Symbol.unset_value`):
    /// afterwards `s` takes its value from defaults, selects and implies
    /// again, and every cached value is recomputed on the next query. When
    /// `s` is the user selection of its choice, that selection is cleared
    /// too (Kconfiglib keeps it on the choice; clearing it makes
    /// `set_value` followed by `unset_value` restore the previous state
    /// when the choice had no user selection before). Returns whether `s`
    /// had a user value.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use kconfig_parser::{load, Config, LoadOptions};
    /// let dir = std::env::temp_dir().join(format!("kconfig-doc-unset-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(
    ///     dir.join("Kconfig"),
    ///     "config A\n\tbool \"A\"\n\tdefault y\nconfig B\n\tint \"B\"\n\trange 1 9\n\tdepends on A\n",
    /// )?;
    /// let mut opts = LoadOptions::new("Kconfig");
    /// opts.base_dir = Some(dir.clone());
    /// let kc = load(opts)?;
    /// let mut cfg = Config::new(&kc);
    /// let (a, b) = (cfg.lookup("A").unwrap(), cfg.lookup("B").unwrap());
    /// let before = cfg.config_text("");
    /// assert_eq!(&*cfg.sym_str(b), "1"); // no default: clamped to the range
    /// assert!(cfg.set_value(b, "7"));
    /// assert_eq!(&*cfg.sym_str(b), "7");
    /// assert!(cfg.set_value(a, "n"));
    /// assert_eq!(cfg.sym_visibility(b), 0); // B depends on A
    /// assert_eq!(&*cfg.sym_str(b), ""); // invisible: user value ignored
    /// assert_eq!(cfg.assignable(a), vec![0, 2]);
    /// assert!(cfg.unset_value(a));
    /// assert!(cfg.unset_value(b));
    /// assert_eq!(cfg.config_text(""), before);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn unset_value(&mut self, s: SymId) -> bool {
        let st = &mut self.syms[s.index()];
        let had = st.user.take().is_some();
        st.was_set = false;
        if let Some(c) = st.choice {
            let ch = &mut self.choices[c.0 as usize];
            if ch.user_selection == Some(s) {
                ch.user_selection = None;
                self.changed(&[s.index(), self.syms.len() + c.0 as usize]);
                return had;
            }
        }
        self.changed(&[s.index()]);
        had
    }

    /// Removes every user value of symbols and choices (Kconfiglib's
    /// `unset_values`): the configuration is then what the defaults give.
    pub fn unset_values(&mut self) {
        for s in self.syms.iter_mut() {
            s.user = None;
            s.was_set = false;
        }
        for c in self.choices.iter_mut() {
            c.user = None;
            c.user_selection = None;
            c.was_set = false;
        }
        self.invalidate();
    }

    /// Sets the mode of choice `c` (Kconfiglib's `Choice.set_value`): "y"
    /// for any choice, "m" for a tristate choice. Returns false (and changes
    /// nothing) for other values.
    pub fn set_choice_value(&mut self, c: ChoiceId, value: &str) -> bool {
        let before = self.choices[c.0 as usize].user;
        self.choices[c.0 as usize].user = None;
        self.set_choice_mode(c, value);
        let ok = self.choices[c.0 as usize].user.is_some();
        if !ok {
            self.choices[c.0 as usize].user = before;
        }
        self.changed(&[self.syms.len() + c.0 as usize]);
        ok
    }

    /// Removes the user mode and the user selection of choice `c`
    /// (Kconfiglib's `Choice.unset_value`).
    pub fn unset_choice_value(&mut self, c: ChoiceId) {
        let ch = &mut self.choices[c.0 as usize];
        ch.user = None;
        ch.user_selection = None;
        ch.was_set = false;
        self.changed(&[self.syms.len() + c.0 as usize]);
    }

    /// The symbol called `name` (defined or only referenced), if any.
    pub fn lookup(&self, name: &str) -> Option<SymId> {
        self.kc.symbols.lookup(name)
    }

    pub(super) fn set_choice_mode(&mut self, c: ChoiceId, v: &str) {
        let t = self.choices[c.0 as usize].orig_type;
        let val = match (t, v) {
            (Some(Type::Bool), "y") => Some(2),
            (Some(Type::Tristate), "m") => Some(1),
            (Some(Type::Tristate), "y") => Some(2),
            _ => None,
        };
        if let Some(val) = val {
            self.choices[c.0 as usize].user = Some(val);
            self.choices[c.0 as usize].was_set = true;
        }
    }

    /// Loads a configuration file like Kconfiglib's `load_config`
    /// (`replace`: other user values are cleared). `display_name` is used in
    /// warnings. Returns the "Loaded/Merged configuration" message.
    pub fn load_config(&mut self, text: &str, display_name: &str, replace: bool) -> String {
        self.invalidate();
        if replace {
            for s in self.syms.iter_mut() {
                s.was_set = false;
            }
            for c in self.choices.iter_mut() {
                c.was_set = false;
            }
        }
        let prefix = self.prefix.clone();
        for (lineno, raw) in py_lines(text).enumerate() {
            // Kconfiglib's two line patterns, matched at the start of the
            // right-stripped line: `PREFIX([^=]+)=(.*)` and
            // `# PREFIX([^ ]+) is not set`. Neither is anchored at the end
            // (text after "is not set" is ignored) and the name is not
            // checked (`CONFIG_X =y` assigns the undefined symbol "X ").
            let line = raw.trim_end_matches(py_is_space);
            let set = line
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.split_once('='))
                .filter(|(name, _)| !name.is_empty());
            let (name, mut val) = if let Some((name, val)) = set {
                (name.to_string(), val.to_string())
            } else if let Some(name) = line
                .strip_prefix("# ")
                .and_then(|l| l.strip_prefix(prefix.as_str()))
                .and_then(|l| {
                    let end = l.find(' ').unwrap_or(l.len());
                    l[end..].starts_with(" is not set").then(|| &l[..end])
                })
                .filter(|n| !n.is_empty())
            {
                (name.to_string(), "\u{0}n".to_string())
            } else {
                if !line.is_empty() && !line.trim_start_matches(py_is_space).starts_with('#') {
                    self.malformed(line, display_name, lineno + 1);
                }
                continue;
            };
            let unset = val == "\u{0}n";
            let Some(s) = self
                .kc
                .symbols
                .lookup(&name)
                .filter(|s| !self.syms[s.index()].nodes.is_empty())
            else {
                if self.assign_warnings.undefined {
                    let v = if unset { "n" } else { val.as_str() };
                    self.warnings.push(format!(
                        "{display_name}:{}: warning: attempt to assign the value '{v}' to the undefined symbol {name}",
                        lineno + 1
                    ));
                }
                continue;
            };
            let ot = self.syms[s.index()].orig_type;
            if unset {
                if !matches!(ot, Some(Type::Bool) | Some(Type::Tristate)) {
                    continue;
                }
                val = "n".into();
            } else if matches!(ot, Some(Type::Bool) | Some(Type::Tristate)) {
                let ok = match ot {
                    Some(Type::Bool) => val.starts_with('y') || val.starts_with('n'),
                    _ => val.starts_with('y') || val.starts_with('m') || val.starts_with('n'),
                };
                if !ok {
                    let w = format!(
                        "{display_name}:{}: warning: '{val}' is not a valid value for the {} symbol {}. Assignment ignored.",
                        lineno + 1,
                        ot.map(|t| t.keyword()).unwrap_or("unknown"),
                        self.name_and_loc(s)
                    );
                    self.warnings.push(w);
                    continue;
                }
                val = val[..1].to_string();
                if let Some(c) = self.syms[s.index()].choice {
                    if val != "n" {
                        self.set_choice_mode(c, &val);
                    }
                }
            } else if ot == Some(Type::String) {
                let b = val.as_bytes();
                if b.first() != Some(&b'"') {
                    let w = format!(
                        "{display_name}:{}: warning: malformed string literal in assignment to {}. Assignment ignored.",
                        lineno + 1,
                        self.name_and_loc(s)
                    );
                    self.warnings.push(w);
                    continue;
                }
                // Find the closing quote, honouring escapes.
                let mut i = 1;
                let mut end = None;
                while i < b.len() {
                    match b[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            end = Some(i);
                            break;
                        }
                        _ => i += 1,
                    }
                }
                let Some(end) = end else {
                    let w = format!(
                        "{display_name}:{}: warning: malformed string literal in assignment to {}. Assignment ignored.",
                        lineno + 1,
                        self.name_and_loc(s)
                    );
                    self.warnings.push(w);
                    continue;
                };
                val = unescape(&val[1..end]);
            }
            if self.syms[s.index()].was_set {
                let old = match &self.syms[s.index()].user {
                    Some(UserValue::Tri(t)) => tri_str(*t).to_string(),
                    Some(UserValue::Str(x)) => x.clone(),
                    None => "None".to_string(),
                };
                let redundant = old == val;
                if (redundant && self.assign_warnings.redundant)
                    || (!redundant && self.assign_warnings.overridden)
                {
                    let w = format!(
                        "{display_name}:{}: warning: {} set more than once. Old value \"{old}\", new value \"{val}\".",
                        lineno + 1,
                        self.name_and_loc(s)
                    );
                    self.warnings.push(w);
                }
            }
            self.assign(s, &val);
        }
        if replace {
            for i in 0..self.syms.len() {
                if !self.syms[i].was_set {
                    self.syms[i].user = None;
                }
            }
            for c in self.choices.iter_mut() {
                if !c.was_set {
                    c.user = None;
                    c.user_selection = None;
                }
            }
        }
        self.invalidate();
        format!(
            "{} configuration '{}'",
            if replace { "Loaded" } else { "Merged" },
            display_name
        )
    }

    pub(super) fn malformed(&mut self, line: &str, file: &str, lineno: usize) {
        self.warnings.push(format!(
            "{file}:{lineno}: warning: ignoring malformed line '{line}'"
        ));
    }
}

/// The lines of `text` as Python's text mode reads them (universal
/// newlines: `\n`, `\r\n` and a lone `\r` each end a line), without
/// their terminators.
pub(crate) fn py_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
        }
    })
}

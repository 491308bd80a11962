//! What the API reports about the tree and its values besides the values
//! themselves: definitions, dependencies, selectors, the menu tree,
//! assignable values, text forms of expressions and nodes.

use super::*;

impl<'k> Config<'k> {
    /// The parsed tree (with the lifetime of the tree, not of `self`).
    pub fn kconfig(&self) -> &'k Kconfig {
        self.kc
    }

    pub(super) fn sc_text(&self, s: SymId) -> String {
        let name = self.kc.symbols.name(s);
        if self.kc.symbols.is_const(s) && !matches!(name, "n" | "m" | "y") {
            format!("\"{}\"", escape(name))
        } else {
            name.to_string()
        }
    }

    /// A definition re-printed the way Kconfiglib's `MenuNode.__str__`
    /// does: the properties as written, with the dependency as propagated.
    pub fn node_str(&self, n: NodeId) -> String {
        let node = self.kc.node(n);
        let f = &self.fin[n.0 as usize];
        let cond_suffix = |c: ExprId| {
            if c == ExprId::Y {
                String::new()
            } else {
                format!(" if {}", self.expr_text(c))
            }
        };
        let mut lines: Vec<String> = Vec::new();
        match node.kind {
            NodeKind::Menu | NodeKind::Comment | NodeKind::Top | NodeKind::If => {
                let kw = if node.kind == NodeKind::Comment {
                    "comment"
                } else {
                    "menu"
                };
                let title = node.prompt.as_ref().map(|p| p.text.as_str()).unwrap_or("");
                lines.push(format!("{kw} \"{title}\""));
                if f.dep != ExprId::Y {
                    lines.push(format!("\tdepends on {}", self.expr_text(f.dep)));
                }
                if node.kind == NodeKind::Menu && f.visible_if != ExprId::Y {
                    lines.push(format!("\tvisible if {}", self.expr_text(f.visible_if)));
                }
                return lines.join("\n");
            }
            NodeKind::Config { sym, menuconfig } => {
                let kw = if menuconfig { "menuconfig" } else { "config" };
                lines.push(format!("{kw} {}", self.kc.symbols.name(sym)));
            }
            NodeKind::ConfigDefault { sym } => {
                lines.push(format!("config {}", self.kc.symbols.name(sym)));
            }
            NodeKind::Choice(c) => match &self.kc.choices[c.0 as usize].name {
                Some(name) => lines.push(format!("choice {name}")),
                None => lines.push("choice".into()),
            },
        }
        let (orig_type, sym) = match node.kind {
            NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => {
                (self.syms[sym.index()].orig_type, Some(sym))
            }
            NodeKind::Choice(c) => (self.choices[c.0 as usize].orig_type, None),
            _ => (None, None),
        };
        if let (Some(t), None) = (orig_type, &node.prompt) {
            lines.push(format!("\t{}", t.keyword()));
        }
        if let Some(p) = &node.prompt {
            let prefix = orig_type.map(|t| t.keyword()).unwrap_or("prompt");
            lines.push(format!(
                "\t{prefix} \"{}\"{}",
                escape(&p.text),
                cond_suffix(p.cond)
            ));
        }
        if let Some(s) = sym {
            let o = &node.options;
            let any = |pred: &dyn Fn(&crate::ast::Options) -> bool| {
                self.syms[s.index()]
                    .nodes
                    .iter()
                    .any(|n| pred(&self.kc.node(*n).options))
            };
            if any(&|o| o.allnoconfig_y) {
                lines.push("\toption allnoconfig_y".into());
            }
            if any(&|o| o.defconfig_list) {
                lines.push("\toption defconfig_list".into());
            }
            if let Some(e) = self.env_var_of(s) {
                lines.push(format!("\toption env=\"{e}\""));
            }
            if s == SymId::MODULES {
                lines.push("\toption modules".into());
            }
            let _ = o;
            for r in self.kc.ranges(node) {
                lines.push(format!(
                    "\trange {} {}{}",
                    self.sc_text(r.low),
                    self.sc_text(r.high),
                    cond_suffix(r.cond)
                ));
            }
        }
        for d in self.kc.defaults(node) {
            lines.push(format!(
                "\tdefault {}{}",
                self.expr_text(d.value),
                cond_suffix(d.cond)
            ));
        }
        if node.options.optional {
            lines.push("\toptional".into());
        }
        if sym.is_some() {
            for (verb, list) in [
                ("select", self.kc.selects(node)),
                ("imply", self.kc.implies(node)),
            ] {
                for r in list {
                    lines.push(format!(
                        "\t{verb} {}{}",
                        self.sc_text(r.target),
                        cond_suffix(r.cond)
                    ));
                }
            }
        }
        if f.dep != ExprId::Y {
            lines.push(format!("\tdepends on {}", self.expr_text(f.dep)));
        }
        if let Some(h) = &node.help {
            lines.push("\thelp".into());
            for l in h.lines() {
                lines.push(format!("\t  {l}"));
            }
        }
        lines.join("\n")
    }

    /// Symbols a node references (Kconfiglib's `MenuNode.referenced`).
    pub(super) fn node_references(&self, n: NodeId, s: SymId) -> bool {
        let f = &self.fin[n.0 as usize];
        let mut exprs: Vec<ExprId> = vec![f.dep];
        if let Some(p) = f.prompt {
            if self.kc.node(n).prompt.is_some() {
                exprs.push(p);
            }
        }
        if self.kc.node(n).kind == NodeKind::Menu {
            exprs.push(f.visible_if);
        }
        for &(v, c) in &self.fdefaults[f.defaults.range()] {
            exprs.push(v);
            exprs.push(c);
        }
        for &(t, c) in self.fselects[f.selects.range()]
            .iter()
            .chain(&self.fimplies[f.implies.range()])
        {
            if t == s {
                return true;
            }
            exprs.push(c);
        }
        for &(l, h, c) in &self.franges[f.ranges.range()] {
            if l == s || h == s {
                return true;
            }
            exprs.push(c);
        }
        exprs.into_iter().any(|e| self.exprs.items(e).contains(&s))
    }

    /// Kconfiglib's `KCONFIG_WARN_UNDEF` report: every reference to an
    /// undefined symbol (numbers and MODULES excepted), with each
    /// referencing definition re-printed.
    pub fn undef_warnings(&mut self) {
        let is_num = |s: &str| {
            parse_int(s, 10).is_some()
                || ((s.starts_with("0x") || s.starts_with("0X")) && parse_int(s, 16).is_some())
        };
        // Menu-tree order of the nodes.
        let mut order = Vec::new();
        let mut stack = vec![NodeId(0)];
        while let Some(n) = stack.pop() {
            order.push(n);
            if let Some(next) = self.fin[n.0 as usize].next {
                stack.push(next);
            }
            if let Some(first) = self.fin[n.0 as usize].list {
                stack.push(first);
            }
        }
        for s in self.kc.symbols.ids() {
            let name = self.kc.symbols.name(s);
            if self.kc.symbols.is_const(s)
                || !self.syms[s.index()].nodes.is_empty()
                || is_num(name)
                || s == SymId::MODULES
            {
                continue;
            }
            let mut msg = format!("warning: undefined symbol {name}:");
            for &n in &order {
                if n == NodeId(0) || !self.node_references(n, s) {
                    continue;
                }
                msg.push_str(&format!(
                    "\n\n- Referenced at {}:\n\n{}",
                    self.kc.loc_str(self.kc.node(n).loc),
                    self.node_str(n)
                ));
            }
            self.warnings.push(msg);
        }
    }

    /// Defined symbols in first-definition order (Kconfiglib's
    /// `unique_defined_syms`).
    pub fn unique_defined_symbols(&self) -> &[SymId] {
        &self.unique_defined
    }

    /// `NAME (defined at file:line, …)` or `NAME (undefined)`.
    pub fn name_and_loc_of(&self, s: SymId) -> String {
        self.name_and_loc(s)
    }

    /// The expressions of the finalized tree.
    pub fn exprs(&self) -> &ExprArena {
        &self.exprs
    }

    /// The direct dependency of `s` (OR over its definitions).
    pub fn direct_dep(&self, s: SymId) -> ExprId {
        self.syms[s.index()].direct_dep
    }

    /// Symbols whose `select` of `s` currently contributes at least `min`.
    pub fn selectors_at(&mut self, s: SymId, min: u8) -> Vec<SymId> {
        let list = self.syms[s.index()].rev_dep.clone();
        let mut out = Vec::new();
        for (x, c) in list {
            let v = self.sym_tri(x).min(self.expr_value(c));
            if v >= min {
                out.push(x);
            }
        }
        out
    }

    /// Selects/implies of `s` with the value each contributes:
    /// `(selector, condition, value)`.
    pub fn reverse_deps(&mut self, s: SymId, implies: bool) -> Vec<(SymId, ExprId, u8)> {
        let list = if implies {
            self.syms[s.index()].weak_rev_dep.clone()
        } else {
            self.syms[s.index()].rev_dep.clone()
        };
        list.into_iter()
            .map(|(x, c)| {
                let v = self.sym_tri(x).min(self.expr_value(c));
                (x, c, v)
            })
            .collect()
    }

    /// Defaults of `s` in order: `(value, condition)`.
    pub fn defaults_of(&self, s: SymId) -> Vec<(ExprId, ExprId)> {
        self.syms[s.index()].defaults.clone()
    }

    /// Prompt conditions of `s`'s definitions (after propagation).
    pub fn prompt_conds(&self, s: SymId) -> Vec<(NodeId, ExprId)> {
        self.syms[s.index()]
            .nodes
            .iter()
            .filter_map(|n| self.fin[n.0 as usize].prompt.map(|p| (*n, p)))
            .filter(|(n, _)| self.kc.node(*n).prompt.is_some())
            .collect()
    }

    /// Definition nodes (`config`, `menuconfig`, `configdefault`) of `s`.
    pub fn definition_nodes(&self, s: SymId) -> &[NodeId] {
        &self.syms[s.index()].nodes
    }

    /// Declared type of `s` (n/m/y constants are tristate).
    pub fn orig_type_of(&self, s: SymId) -> Option<Type> {
        self.orig_type(s)
    }

    /// Effective type of `s` (tristate acts as bool without modules or in a
    /// y-mode choice).
    pub fn sym_type_of(&mut self, s: SymId) -> Option<Type> {
        if self.kc.symbols.is_const(s) {
            return self.orig_type(s);
        }
        self.sym_type(s)
    }

    /// The user value of `s`.
    pub fn user_value(&self, s: SymId) -> Option<UserValue> {
        self.syms[s.index()].user.clone()
    }

    /// The choice `s` belongs to.
    pub fn choice_of(&self, s: SymId) -> Option<ChoiceId> {
        self.syms[s.index()].choice
    }

    /// The `option env` variable of `s`.
    pub fn env_var_of(&self, s: SymId) -> Option<String> {
        self.syms[s.index()]
            .nodes
            .iter()
            .find_map(|n| self.kc.node(*n).options.env.clone())
    }

    /// Symbols selecting (`implies == false`) or implying `s`.
    pub fn selectors(&self, s: SymId, implies: bool) -> Vec<SymId> {
        let l = if implies {
            &self.syms[s.index()].weak_rev_dep
        } else {
            &self.syms[s.index()].rev_dep
        };
        l.iter().map(|(x, _)| *x).collect()
    }

    /// Text of an expression of the finalized tree (choices shown as
    /// `<choice NAME>`).
    pub fn expr_text(&self, e: ExprId) -> String {
        let kc = self.kc;
        self.exprs.display_with(e, &kc.symbols, &|s| {
            let c = (s.0 - CHOICE_SYM_BASE) as usize;
            match kc.choices.get(c).and_then(|c| c.name.as_ref()) {
                Some(n) => format!("<choice {n}>"),
                None => "<choice>".into(),
            }
        })
    }

    /// Direct dependency of `s` as text (Kconfiglib's `expr_str`).
    pub fn direct_dep_text(&self, s: SymId) -> String {
        self.expr_text(self.syms[s.index()].direct_dep)
    }

    /// The finalized menu tree in display order (pre-order, as a menuconfig
    /// front end shows it): implicit submenus built, `if` blocks removed,
    /// and for each node its depth, kind, item name, prompt and the current
    /// values of its prompt condition and dependency. The first entry is the
    /// main menu. [`Config::menu_text`] prints the same walk as text.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use kconfig_parser::{load, Config, LoadOptions};
    /// let dir = std::env::temp_dir().join(format!("kconfig-doc-menu-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(
    ///     dir.join("Kconfig"),
    ///     "config A\n\tbool \"A\"\nconfig B\n\tbool \"B\"\n\tdepends on A\n",
    /// )?;
    /// let mut opts = LoadOptions::new("Kconfig");
    /// opts.base_dir = Some(dir.clone());
    /// let kc = load(opts)?;
    /// let mut cfg = Config::new(&kc);
    /// let tree = cfg.menu_tree();
    /// // B depends on A, so it sits in A's implicit submenu.
    /// assert_eq!(tree[2].name.as_deref(), Some("B"));
    /// assert_eq!((tree[1].depth, tree[2].depth), (1, 2));
    /// assert_eq!(tree[2].visibility, 0); // A is n
    /// cfg.set_value(cfg.lookup("A").unwrap(), "y");
    /// assert_eq!(cfg.menu_tree()[2].visibility, 2);
    /// println!("{}", serde_json::to_string(&tree)?);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn menu_tree(&mut self) -> Vec<MenuEntry> {
        let mut out = Vec::new();
        let mut stack: Vec<(NodeId, usize)> = vec![(NodeId(0), 0)];
        while let Some((n, depth)) = stack.pop() {
            let ni = n.0 as usize;
            if let Some(next) = self.fin[ni].next {
                stack.push((next, depth));
            }
            if let Some(first) = self.fin[ni].list {
                stack.push((first, depth + 1));
            }
            let kc = self.kc;
            let node = kc.node(n);
            let (kind, name) = match node.kind {
                NodeKind::Top | NodeKind::Menu => (MenuKind::Menu, None),
                NodeKind::Comment => (MenuKind::Comment, None),
                NodeKind::Config { sym, menuconfig } => (
                    if menuconfig {
                        MenuKind::MenuConfig
                    } else {
                        MenuKind::Config
                    },
                    Some(kc.symbols.name(sym).to_string()),
                ),
                NodeKind::ConfigDefault { sym } => {
                    (MenuKind::Config, Some(kc.symbols.name(sym).to_string()))
                }
                NodeKind::Choice(c) => (MenuKind::Choice, kc.choices[c.0 as usize].name.clone()),
                NodeKind::If => continue,
            };
            let visibility = match self.fin[ni].prompt {
                Some(p) if node.prompt.is_some() || node.kind == NodeKind::Top => {
                    self.expr_value(p)
                }
                _ => 0,
            };
            let dep = self.fin[ni].dep;
            out.push(MenuEntry {
                node: n.0,
                depth,
                kind,
                name,
                prompt: node.prompt.as_ref().map(|p| p.text.clone()),
                visibility,
                dependency: self.expr_value(dep),
                location: kc.loc_str(node.loc),
            });
        }
        out
    }

    /// The finalized menu tree, one node per line, two spaces per level:
    /// `config NAME "prompt" vis=N`, `menuconfig …`, `choice [NAME] …`,
    /// `menu "title" vis=N`, `comment "text" vis=N`, where `vis` is the value
    /// of the prompt's condition (0 without a prompt). The first line is the
    /// main menu.
    pub fn menu_text(&mut self) -> String {
        let mut out = String::new();
        for e in self.menu_tree() {
            let name = e.name.as_deref();
            let head = match e.kind {
                MenuKind::Menu => "menu".to_string(),
                MenuKind::Comment => "comment".to_string(),
                MenuKind::Config => format!("config {}", name.unwrap_or_default()),
                MenuKind::MenuConfig => format!("menuconfig {}", name.unwrap_or_default()),
                MenuKind::Choice => match name {
                    Some(name) => format!("choice {name}"),
                    None => "choice".to_string(),
                },
            };
            for _ in 0..e.depth {
                out.push_str("  ");
            }
            let prompt = e.prompt.as_deref().unwrap_or_default();
            out.push_str(&format!("{head} \"{prompt}\" vis={}\n", e.visibility));
        }
        out
    }

    /// Values a user can give `s` (Kconfiglib's `assignable`).
    pub fn assignable(&mut self, s: SymId) -> Vec<u8> {
        if !matches!(self.orig_type(s), Some(Type::Bool) | Some(Type::Tristate))
            || self.kc.symbols.is_const(s)
        {
            return vec![];
        }
        let vis = self.sym_visibility(s);
        if vis == 0 {
            return vec![];
        }
        let rev = self.sym_rev_dep(s);
        let bool_like = self.sym_type(s) == Some(Type::Bool) || self.sym_weak_rev_dep(s) == 2;
        if vis == 2 {
            if self.syms[s.index()].choice.is_some() {
                return vec![2];
            }
            return match rev {
                0 if bool_like => vec![0, 2],
                0 => vec![0, 1, 2],
                2 => vec![2],
                _ if bool_like => vec![2],
                _ => vec![1, 2],
            };
        }
        match rev {
            0 if self.sym_weak_rev_dep(s) != 2 => vec![0, 1],
            0 => vec![0, 2],
            2 => vec![2],
            _ => vec![1],
        }
    }

    /// Effective type of a choice.
    pub fn choice_type_of(&mut self, c: ChoiceId) -> Option<Type> {
        self.choice_type(c)
    }

    /// Visibility of a choice.
    pub fn choice_vis(&mut self, c: ChoiceId) -> u8 {
        self.choice_visibility(c)
    }

    /// The member the user selected.
    pub fn choice_user_selection(&self, c: ChoiceId) -> Option<SymId> {
        self.choices[c.0 as usize].user_selection
    }

    /// Members of a choice.
    pub fn choice_members(&self, c: ChoiceId) -> &[SymId] {
        &self.choices[c.0 as usize].syms
    }

    /// The first child of `n` in the finalized menu tree (implicit
    /// submenus built, `if` blocks gone): what a menu front end lists.
    pub fn menu_first_child(&self, n: NodeId) -> Option<NodeId> {
        self.fin[n.0 as usize].list
    }

    /// The next sibling of `n` in the finalized menu tree.
    pub fn menu_next(&self, n: NodeId) -> Option<NodeId> {
        self.fin[n.0 as usize].next
    }

    /// The parent of `n` in the finalized menu tree.
    pub fn menu_parent(&self, n: NodeId) -> Option<NodeId> {
        self.fin[n.0 as usize].parent
    }

    /// Whether and how node `n` is shown: the value of its prompt's
    /// condition (dependencies propagated), 0 without a prompt; a menu
    /// whose `visible if` is n is hidden too.
    pub fn node_visibility(&mut self, n: NodeId) -> u8 {
        let node = self.kc.node(n);
        let f = &self.fin[n.0 as usize];
        let (p, vis_if) = (f.prompt, f.visible_if);
        let v = match p {
            Some(p) if node.prompt.is_some() || node.kind == NodeKind::Top => self.expr_value(p),
            _ => 0,
        };
        if node.kind == NodeKind::Menu && v > 0 {
            return v.min(self.expr_value(vis_if));
        }
        v
    }

    /// The active `range` of an int/hex symbol as text (low, high), the
    /// first whose condition holds: the bounds a value typed by a user must
    /// respect to take.
    pub fn active_range(&mut self, s: SymId) -> Option<(String, String)> {
        for i in 0..self.syms[s.index()].ranges.len() {
            let (lo, hi, c) = self.syms[s.index()].ranges[i];
            if self.expr_value(c) > 0 {
                return Some((self.sym_str(lo).to_string(), self.sym_str(hi).to_string()));
            }
        }
        None
    }
}

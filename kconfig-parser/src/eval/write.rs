//! Writers, byte for byte like Kconfiglib: `.config`, `autoconf.h` and the
//! minimal configuration.

use super::*;

impl<'k> Config<'k> {
    /// The full configuration (`.config`) with `header` first.
    pub fn config_text(&mut self, header: &str) -> String {
        let plan = match self.config_walk.take() {
            Some(p) => p,
            None => self.build_config_walk(),
        };
        let mut out = String::from(header);
        // The blank line after `# end of` precedes the next written line.
        let mut after_end = false;
        for &step in &plan {
            match step {
                WalkStep::Sym(sym) => {
                    let at = out.len();
                    if after_end {
                        out.push('\n');
                    }
                    if self.push_config_string(sym, &mut out) {
                        after_end = false;
                    } else {
                        out.truncate(at);
                    }
                }
                WalkStep::Menu(n) | WalkStep::Comment(n) => {
                    let f = &self.fin[n.0 as usize];
                    let (d, v) = (f.dep, f.visible_if);
                    if self.expr_value(d) == 0
                        || (matches!(step, WalkStep::Menu(_)) && self.expr_value(v) == 0)
                    {
                        continue;
                    }
                    let title = self.kc.node(n).prompt.as_ref().map_or("", |p| &p.text);
                    out.push_str("\n#\n# ");
                    out.push_str(title);
                    out.push_str("\n#\n");
                    after_end = false;
                }
                WalkStep::EndMenu(n) => {
                    let f = &self.fin[n.0 as usize];
                    let (d, v) = (f.dep, f.visible_if);
                    if self.expr_value(d) > 0 && self.expr_value(v) > 0 {
                        let title = self.kc.node(n).prompt.as_ref().map_or("", |p| &p.text);
                        out.push_str("# end of ");
                        out.push_str(title);
                        out.push('\n');
                        after_end = true;
                    }
                }
            }
        }
        self.config_walk = Some(plan);
        out
    }

    /// The `.config` walk over the finalized menu tree, in Kconfiglib's
    /// order: every node is visited (children of invisible menus too), a
    /// symbol is written at its first node only, and a menu's `# end of`
    /// line follows its last descendant. It depends only on the tree's
    /// shape, so it is built once; rendering then reads a compact array
    /// instead of chasing 28k nodes on a Zephyr tree.
    pub(super) fn build_config_walk(&self) -> Vec<WalkStep> {
        let mut plan = Vec::new();
        let mut first_node = vec![true; self.syms.len()];
        let top = NodeId(0);
        let mut node = top;
        loop {
            let ni = node.0 as usize;
            if let Some(l) = self.fin[ni].list {
                node = l;
            } else if let Some(n) = self.fin[ni].next {
                node = n;
            } else {
                let mut found = None;
                let mut cur = node;
                while let Some(p) = self.fin[cur.0 as usize].parent {
                    cur = p;
                    if self.kc.node(p).kind == NodeKind::Menu && p != top {
                        plan.push(WalkStep::EndMenu(p));
                    }
                    if let Some(n) = self.fin[p.0 as usize].next {
                        found = Some(n);
                        break;
                    }
                }
                match found {
                    Some(n) => node = n,
                    None => return plan,
                }
            }
            match self.kc.node(node).kind {
                NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym }
                    if std::mem::replace(&mut first_node[sym.index()], false) =>
                {
                    plan.push(WalkStep::Sym(sym));
                }
                NodeKind::Menu => plan.push(WalkStep::Menu(node)),
                NodeKind::Comment => plan.push(WalkStep::Comment(node)),
                _ => {}
            }
        }
    }

    /// The C header (`autoconf.h`) with `header` first.
    pub fn autoconf_text(&mut self, header: &str) -> String {
        let mut out = String::from(header);
        for i in 0..self.unique_defined.len() {
            let s = self.unique_defined[i];
            let val = self.sym_str(s);
            if !self.write_flag(s) {
                continue;
            }
            let name = self.kc.symbols.name(s);
            match self.syms[s.index()].orig_type {
                Some(Type::Bool) | Some(Type::Tristate) => {
                    if &*val == "y" {
                        out.push_str(&format!("#define {}{} 1\n", self.prefix, name));
                    } else if &*val == "m" {
                        out.push_str(&format!("#define {}{}_MODULE 1\n", self.prefix, name));
                    }
                }
                Some(Type::String) => {
                    out.push_str(&format!(
                        "#define {}{} \"{}\"\n",
                        self.prefix,
                        name,
                        escape(&val)
                    ));
                }
                Some(Type::Hex) => {
                    let v = if val.starts_with("0x") || val.starts_with("0X") {
                        val.to_string()
                    } else {
                        format!("0x{val}")
                    };
                    out.push_str(&format!("#define {}{} {}\n", self.prefix, name, v));
                }
                Some(Type::Int) => {
                    out.push_str(&format!("#define {}{} {}\n", self.prefix, name, val));
                }
                None => {}
            }
        }
        out
    }

    pub(super) fn str_default(&mut self, s: SymId) -> String {
        let si = s.index();
        match self.syms[si].orig_type {
            Some(Type::Bool) | Some(Type::Tristate) => {
                let mut val = 0;
                if self.syms[si].choice.is_none() {
                    for i in 0..self.syms[si].defaults.len() {
                        let (d, c) = self.syms[si].defaults[i];
                        let cv = self.expr_value(c);
                        if cv > 0 {
                            val = self.expr_value(d).min(cv);
                            break;
                        }
                    }
                    let r = self.sym_rev_dep(s);
                    let w = self.sym_weak_rev_dep(s);
                    val = val.max(r).max(w);
                    if val == 1 && self.sym_type(s) == Some(Type::Bool) {
                        val = 2;
                    }
                }
                tri_str(val).to_string()
            }
            Some(_) => {
                for i in 0..self.syms[si].defaults.len() {
                    let (d, c) = self.syms[si].defaults[i];
                    if self.expr_value(c) > 0 {
                        return self.default_str(d);
                    }
                }
                String::new()
            }
            None => String::new(),
        }
    }

    /// The minimal configuration (`defconfig`) with `header` first.
    pub fn min_config_text(&mut self, header: &str) -> String {
        let mut out = String::from(header);
        for i in 0..self.unique_defined.len() {
            let s = self.unique_defined[i];
            let choice = self.syms[s.index()].choice;
            if choice.is_none() {
                let vis = self.sym_visibility(s);
                if vis <= self.sym_rev_dep(s) {
                    continue;
                }
            }
            let v = self.sym_str(s);
            if *v == *self.str_default(s) {
                continue;
            }
            if let Some(c) = choice {
                if !self.choices[c.0 as usize].optional
                    && self.selection_from_defaults(c) == Some(s)
                    && self.syms[s.index()].orig_type == Some(Type::Bool)
                    && self.sym_tri(s) == 2
                {
                    continue;
                }
            }
            let cs = self.config_string(s);
            out.push_str(&cs);
        }
        out
    }
}

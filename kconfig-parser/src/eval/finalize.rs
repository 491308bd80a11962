//! Finalization: the tree as Kconfiglib prepares it after parsing
//! (dependency propagation from menus, `if`s and choices into prompts and
//! properties, implicit submenus, removal of `if` nodes, choice membership
//! and types, `configdefault`), and the sanity warnings it gives.

use super::*;

impl<'k> Config<'k> {
    /// Finalizes the tree and prepares evaluation (no user values).
    pub fn new(kc: &'k Kconfig) -> Self {
        let exprs = kc.exprs.clone();
        let n = kc.nodes.len();
        let mut fin: Vec<FinNode> = Vec::with_capacity(n);
        for node in &kc.nodes {
            fin.push(FinNode {
                dep: node.dep,
                prompt: node.prompt.as_ref().map(|p| p.cond),
                visible_if: node.visible_if,
                defaults: node.defaults,
                ranges: node.ranges,
                selects: node.selects,
                implies: node.implies,
                list: node.children.first().copied(),
                next: None,
                parent: node.parent,
            });
        }
        let fdefaults: Vec<(ExprId, ExprId)> =
            kc.default_list.iter().map(|d| (d.value, d.cond)).collect();
        let franges: Vec<(SymId, SymId, ExprId)> = kc
            .range_list
            .iter()
            .map(|r| (r.low, r.high, r.cond))
            .collect();
        let fselects: Vec<(SymId, ExprId)> =
            kc.select_list.iter().map(|r| (r.target, r.cond)).collect();
        let fimplies: Vec<(SymId, ExprId)> =
            kc.imply_list.iter().map(|r| (r.target, r.cond)).collect();
        for node in &kc.nodes {
            for w in node.children.windows(2) {
                fin[w[0].0 as usize].next = Some(w[1]);
            }
        }
        let nsyms = kc.symbols.len();
        let mut syms = vec![SymState::default(); nsyms];
        for s in syms.iter_mut() {
            s.direct_dep = ExprId::N;
        }
        // Types: the last type given wins (parse order).
        let mut unique_defined = Vec::new();
        let mut seen = vec![false; nsyms];
        for (i, node) in kc.nodes.iter().enumerate() {
            match node.kind {
                NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => {
                    let st = &mut syms[sym.index()];
                    st.nodes.push(NodeId(i as u32));
                    if let Some(t) = node.ty {
                        st.orig_type = Some(t);
                    }
                    if node.options.env.is_some() {
                        st.env_var = true;
                    }
                    if node.options.transitional {
                        st.transitional = true;
                    }
                    if !seen[sym.index()] {
                        seen[sym.index()] = true;
                        unique_defined.push(sym);
                    }
                }
                _ => {}
            }
        }
        let mut choices = vec![ChoiceState::default(); kc.choices.len()];
        for (i, c) in kc.choices.iter().enumerate() {
            let st = &mut choices[i];
            st.nodes = c.nodes.clone();
            st.direct_dep = ExprId::N;
            for &nd in &c.nodes {
                let node = kc.node(nd);
                if let Some(t) = node.ty {
                    st.orig_type = Some(t);
                }
                if node.options.optional {
                    st.optional = true;
                }
            }
        }
        let mut cfg = Config {
            kc,
            exprs,
            syms,
            choices,
            fin,
            fdefaults,
            franges,
            fselects,
            fimplies,
            unique_defined,
            prefix: "CONFIG_".into(),
            warnings: Vec::new(),
            loop_error: None,
            assign_warnings: AssignWarnings::default(),
            choice_expr_base: 0,
            graph: None,
            config_walk: None,
        };
        cfg.choice_expr_base = cfg.exprs.len() as u32;
        let mut configdefaults: Vec<(SymId, usize)> = Vec::new();
        cfg.finalize_node(NodeId(0), ExprId::Y, &mut configdefaults);
        for (sym, idx) in configdefaults {
            let dd = cfg.syms[sym.index()].direct_dep;
            let (v, c) = cfg.syms[sym.index()].defaults[idx];
            let c = cfg.exprs.make_and(c, dd);
            cfg.syms[sym.index()].defaults[idx] = (v, c);
        }
        // Choice types.
        for ci in 0..cfg.choices.len() {
            if cfg.choices[ci].orig_type.is_none() {
                let t = cfg.choices[ci]
                    .syms
                    .iter()
                    .find_map(|s| cfg.syms[s.index()].orig_type);
                cfg.choices[ci].orig_type = t;
            }
            let t = cfg.choices[ci].orig_type;
            for s in cfg.choices[ci].syms.clone() {
                if cfg.syms[s.index()].orig_type.is_none() {
                    cfg.syms[s.index()].orig_type = t;
                }
            }
        }
        cfg.sanity_warnings();
        cfg
    }

    pub(super) fn choice_name_and_loc(&self, c: ChoiceId) -> String {
        let ch = &self.kc.choices[c.0 as usize];
        let locs: Vec<String> = ch
            .nodes
            .iter()
            .map(|n| self.kc.loc_str(self.kc.node(*n).loc))
            .collect();
        let name = match &ch.name {
            Some(n) => format!("<choice {n}>"),
            None => "<choice>".to_string(),
        };
        format!("{name} (defined at {})", locs.join(", "))
    }

    pub(super) fn num_ok(&self, s: SymId, t: Type) -> bool {
        if self.syms[s.index()].nodes.is_empty() {
            return parse_int(self.kc.symbols.name(s), Self::base_of(Some(t))).is_some();
        }
        self.syms[s.index()].orig_type == Some(t)
    }

    /// Kconfiglib's checks after parsing (`_check_sym_sanity`,
    /// `_check_choice_sanity`): warnings only.
    pub(super) fn sanity_warnings(&mut self) {
        let tname = |t: Option<Type>| t.map(|t| t.keyword()).unwrap_or("unknown");
        for i in 0..self.unique_defined.len() {
            let s = self.unique_defined[i];
            let st = &self.syms[s.index()];
            let ot = st.orig_type;
            let mut w = Vec::new();
            match ot {
                Some(Type::Bool) | Some(Type::Tristate) => {
                    for n in &st.nodes {
                        for (list, verb) in [
                            (self.kc.selects(self.kc.node(*n)), "selects"),
                            (self.kc.implies(self.kc.node(*n)), "implies"),
                        ] {
                            for r in list {
                                let tt = self.syms[r.target.index()].orig_type;
                                if matches!(
                                    tt,
                                    Some(Type::String) | Some(Type::Int) | Some(Type::Hex)
                                ) {
                                    w.push(format!(
                                        "warning: {} {verb} the {} symbol {}, which is not bool or tristate",
                                        self.name_and_loc(s),
                                        tname(tt),
                                        self.name_and_loc(r.target)
                                    ));
                                }
                            }
                        }
                    }
                }
                Some(t) => {
                    for &(d, _) in &st.defaults {
                        let Expr::Sym(ds) = self.exprs.get(d) else {
                            continue;
                        };
                        if t == Type::String {
                            let name = self.kc.symbols.name(ds);
                            if !self.kc.symbols.is_const(ds)
                                && self.syms[ds.index()].nodes.is_empty()
                                && name.to_uppercase() != name
                            {
                                w.push(format!(
                                    "warning: style: quotes recommended around default value for string symbol {}",
                                    self.name_and_loc(s)
                                ));
                            }
                        } else if !self.num_ok(ds, t) {
                            w.push(format!(
                                "warning: the {0} symbol {1} has a non-{0} default {2}",
                                t.keyword(),
                                self.name_and_loc(s),
                                self.name_and_loc(ds)
                            ));
                        }
                    }
                    let has_si = st.nodes.iter().any(|n| {
                        !self.kc.node(*n).selects.is_empty() || !self.kc.node(*n).implies.is_empty()
                    });
                    if has_si {
                        w.push(format!(
                            "warning: the {} symbol {} has selects or implies",
                            t.keyword(),
                            self.name_and_loc(s)
                        ));
                    }
                }
                None => {
                    w.push(format!(
                        "warning: {} defined without a type",
                        self.name_and_loc(s)
                    ));
                }
            }
            if !st.ranges.is_empty() {
                match ot {
                    Some(t @ (Type::Int | Type::Hex)) => {
                        for &(lo, hi, _) in &st.ranges {
                            if !self.num_ok(lo, t) || !self.num_ok(hi, t) {
                                w.push(format!(
                                    "warning: the {0} symbol {1} has a non-{0} range [{2}, {3}]",
                                    t.keyword(),
                                    self.name_and_loc(s),
                                    self.name_and_loc(lo),
                                    self.name_and_loc(hi)
                                ));
                            }
                        }
                    }
                    _ => w.push(format!(
                        "warning: the {} symbol {} has ranges, but is not int or hex",
                        tname(ot),
                        self.name_and_loc(s)
                    )),
                }
            }
            self.warnings.extend(w);
        }
        for ci in 0..self.choices.len() {
            let c = ChoiceId(ci as u32);
            let mut w = Vec::new();
            let ch = &self.choices[ci];
            if !matches!(ch.orig_type, Some(Type::Bool) | Some(Type::Tristate)) {
                w.push(format!(
                    "warning: {} defined with type {}",
                    self.choice_name_and_loc(c),
                    tname(ch.orig_type)
                ));
            }
            if !ch.nodes.iter().any(|n| self.kc.node(*n).prompt.is_some()) {
                w.push(format!(
                    "warning: {} defined without a prompt",
                    self.choice_name_and_loc(c)
                ));
            }
            for &(d, _) in &ch.defaults {
                if let Expr::Sym(ds) = self.exprs.get(d) {
                    if ds.0 < CHOICE_SYM_BASE && self.syms[ds.index()].choice != Some(c) {
                        w.push(format!(
                            "warning: the default selection {} of {} is not contained in the choice",
                            self.name_and_loc(ds),
                            self.choice_name_and_loc(c)
                        ));
                    }
                }
            }
            for &m in &ch.syms {
                let st = &self.syms[m.index()];
                if !st.defaults.is_empty() {
                    w.push(format!(
                        "warning: default on the choice symbol {} will have no effect, as defaults do not affect choice symbols",
                        self.name_and_loc(m)
                    ));
                }
                for (list, verb) in [(&st.rev_dep, "selected"), (&st.weak_rev_dep, "implied")] {
                    if !list.is_empty() {
                        let mut msg = format!(
                            "warning: the choice symbol {} is {verb} by the following symbols, but select/imply has no effect on choice symbols",
                            self.name_and_loc(m)
                        );
                        for (x, _) in list {
                            msg.push_str(&format!("\n - {}", self.name_and_loc(*x)));
                        }
                        w.push(msg);
                    }
                }
                for n in &st.nodes {
                    let in_choice = self.fin[n.0 as usize]
                        .parent
                        .map(|p| self.kc.node(p).kind == NodeKind::Choice(c))
                        .unwrap_or(false);
                    let has_prompt = self.kc.node(*n).prompt.is_some();
                    if in_choice && !has_prompt {
                        w.push(format!(
                            "warning: the choice symbol {} has no prompt",
                            self.name_and_loc(m)
                        ));
                    } else if !in_choice && has_prompt {
                        w.push(format!(
                            "warning: the choice symbol {} is defined with a prompt outside the choice",
                            self.name_and_loc(m)
                        ));
                    }
                }
            }
            self.warnings.extend(w);
        }
    }

    pub(super) fn choice_expr(&mut self, c: ChoiceId) -> ExprId {
        // Choices in expressions are represented as symbols with ids above
        // CHOICE_SYM_BASE (never interned names).
        self.exprs.sym(SymId(CHOICE_SYM_BASE + c.0))
    }

    pub(super) fn item_sym(&self, node: NodeId) -> Option<SymId> {
        match self.kc.node(node).kind {
            NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => Some(sym),
            _ => None,
        }
    }

    pub(super) fn is_if(&self, node: NodeId) -> bool {
        self.kc.node(node).kind == NodeKind::If
    }

    pub(super) fn finalize_node(
        &mut self,
        node: NodeId,
        visible_if: ExprId,
        cds: &mut Vec<(SymId, usize)>,
    ) {
        let kind = self.kc.node(node).kind;
        let ni = node.0 as usize;
        if let Some(sym) = self.item_sym(node) {
            self.add_props_to_sym(node, sym, cds);
            let mut cur = node;
            while let Some(next) = self.fin[cur.0 as usize].next {
                if !self.auto_menu_dep(sym, next) {
                    break;
                }
                self.finalize_node(next, visible_if, cds);
                cur = next;
                self.fin[cur.0 as usize].parent = Some(node);
            }
            if cur != node {
                self.fin[ni].list = self.fin[ni].next;
                self.fin[ni].next = self.fin[cur.0 as usize].next;
                self.fin[cur.0 as usize].next = None;
            }
        } else if self.fin[ni].list.is_some() {
            let mut vis = visible_if;
            if kind == NodeKind::Menu {
                vis = self.exprs.make_and(vis, self.fin[ni].visible_if);
            }
            self.propagate_deps(node, vis);
            let mut cur = self.fin[ni].list;
            while let Some(c) = cur {
                self.finalize_node(c, vis, cds);
                cur = self.fin[c.0 as usize].next;
            }
        }
        if self.fin[ni].list.is_some() {
            self.flatten(self.fin[ni].list);
            self.remove_ifs(node);
        }
        if let NodeKind::Choice(c) = kind {
            let dep = self.fin[ni].dep;
            let dd = self.choices[c.0 as usize].direct_dep;
            self.choices[c.0 as usize].direct_dep = self.exprs.make_or(dd, dep);
            let span = self.fin[ni].defaults;
            let defs = &self.fdefaults[span.range()];
            self.choices[c.0 as usize].defaults.extend_from_slice(defs);
            let mut cur = self.fin[ni].list;
            while let Some(x) = cur {
                if let NodeKind::Config { sym, .. } = self.kc.node(x).kind {
                    self.syms[sym.index()].choice = Some(c);
                    self.choices[c.0 as usize].syms.push(sym);
                }
                cur = self.fin[x.0 as usize].next;
            }
        }
    }

    pub(super) fn add_props_to_sym(
        &mut self,
        node: NodeId,
        sym: SymId,
        cds: &mut Vec<(SymId, usize)>,
    ) {
        let ni = node.0 as usize;
        let is_cd = matches!(self.kc.node(node).kind, NodeKind::ConfigDefault { .. });
        if !is_cd {
            let dd = self.syms[sym.index()].direct_dep;
            self.syms[sym.index()].direct_dep = self.exprs.make_or(dd, self.fin[ni].dep);
        }
        let f = &self.fin[ni];
        let (dspan, rspan, sspan, ispan) = (f.defaults, f.ranges, f.selects, f.implies);
        for d in dspan.range().map(|k| self.fdefaults[k]) {
            if is_cd {
                cds.push((sym, self.syms[sym.index()].defaults.len()));
            }
            self.syms[sym.index()].defaults.push(d);
        }
        for k in rspan.range() {
            let r = self.franges[k];
            self.syms[sym.index()].ranges.push(r);
        }
        // `sym && n` is n: such entries vanish from the reverse
        // dependencies, as with Kconfiglib's `_make_and`.
        for k in sspan.range() {
            let (t, c) = self.fselects[k];
            if c != ExprId::N {
                self.syms[t.index()].rev_dep.push((sym, c));
            }
        }
        let implies: Vec<(SymId, ExprId)> = ispan.range().map(|k| self.fimplies[k]).collect();
        for (t, c) in implies {
            if c != ExprId::N {
                self.syms[t.index()].weak_rev_dep.push((sym, c));
            }
        }
    }

    pub(super) fn auto_menu_dep(&self, sym: SymId, node2: NodeId) -> bool {
        let f = &self.fin[node2.0 as usize];
        let e = f.prompt.unwrap_or(f.dep);
        self.expr_depends_on(e, sym)
    }

    pub(super) fn expr_depends_on(&self, e: ExprId, sym: SymId) -> bool {
        match self.exprs.get(e) {
            Expr::Sym(s) => s == sym,
            Expr::Cmp(op, a, b) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                let (l, r) = if b == sym { (b, a) } else { (a, b) };
                if l != sym {
                    return false;
                }
                (op == CmpOp::Eq && (r == SymId::M || r == SymId::Y))
                    || (op == CmpOp::Ne && r == SymId::N)
            }
            Expr::And(a, b) => self.expr_depends_on(a, sym) || self.expr_depends_on(b, sym),
            _ => false,
        }
    }

    pub(super) fn propagate_deps(&mut self, node: NodeId, visible_if: ExprId) {
        let ni = node.0 as usize;
        let basedep = match self.kc.node(node).kind {
            NodeKind::Choice(c) => self.choice_expr(c),
            _ => self.fin[ni].dep,
        };
        let mut cur = self.fin[ni].list;
        while let Some(c) = cur {
            let ci = c.0 as usize;
            let dep = self.exprs.make_and(self.fin[ci].dep, basedep);
            self.fin[ci].dep = dep;
            let kind = self.kc.node(c).kind;
            let is_sc = matches!(
                kind,
                NodeKind::Config { .. } | NodeKind::ConfigDefault { .. } | NodeKind::Choice(_)
            );
            if is_sc {
                if let Some(p) = self.fin[ci].prompt {
                    let vd = self.exprs.make_and(visible_if, dep);
                    self.fin[ci].prompt = Some(self.exprs.make_and(p, vd));
                }
                let f = &self.fin[ci];
                let (dspan, rspan, sspan, ispan) = (f.defaults, f.ranges, f.selects, f.implies);
                for k in dspan.range() {
                    self.fdefaults[k].1 = self.exprs.make_and(self.fdefaults[k].1, dep);
                }
                for k in rspan.range() {
                    self.franges[k].2 = self.exprs.make_and(self.franges[k].2, dep);
                }
                for k in sspan.range() {
                    self.fselects[k].1 = self.exprs.make_and(self.fselects[k].1, dep);
                }
                for k in ispan.range() {
                    self.fimplies[k].1 = self.exprs.make_and(self.fimplies[k].1, dep);
                }
            } else if let Some(p) = self.fin[ci].prompt {
                self.fin[ci].prompt = Some(self.exprs.make_and(p, dep));
            }
            cur = self.fin[ci].next;
        }
    }

    pub(super) fn has_prompt(&self, node: NodeId) -> bool {
        self.fin[node.0 as usize].prompt.is_some()
    }

    pub(super) fn flatten(&mut self, start: Option<NodeId>) {
        let mut node = start;
        while let Some(n) = node {
            let ni = n.0 as usize;
            let is_choice = matches!(self.kc.node(n).kind, NodeKind::Choice(_));
            if let Some(first) = self.fin[ni].list {
                if !self.has_prompt(n) && !is_choice {
                    let parent = self.fin[ni].parent;
                    let mut last = first;
                    loop {
                        self.fin[last.0 as usize].parent = parent;
                        match self.fin[last.0 as usize].next {
                            Some(x) => last = x,
                            None => break,
                        }
                    }
                    self.fin[last.0 as usize].next = self.fin[ni].next;
                    self.fin[ni].next = Some(first);
                    self.fin[ni].list = None;
                }
            }
            node = self.fin[ni].next;
        }
    }

    pub(super) fn remove_ifs(&mut self, node: NodeId) {
        let ni = node.0 as usize;
        let mut cur = self.fin[ni].list;
        while let Some(c) = cur {
            if !self.is_if(c) {
                break;
            }
            cur = self.fin[c.0 as usize].next;
        }
        self.fin[ni].list = cur;
        while let Some(c) = cur {
            let mut next = self.fin[c.0 as usize].next;
            while let Some(x) = next {
                if !self.is_if(x) {
                    break;
                }
                next = self.fin[x.0 as usize].next;
            }
            self.fin[c.0 as usize].next = next;
            cur = next;
        }
    }
}

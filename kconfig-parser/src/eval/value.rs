//! Values: tristate logic, visibility, select/imply, defaults, ranges,
//! choices, computed on first use and cached (spec section 6).

use super::*;

impl<'k> Config<'k> {
    pub(super) fn modules_tri(&mut self) -> u8 {
        self.sym_tri(SymId::MODULES)
    }

    pub(super) fn sym_type(&mut self, s: SymId) -> Option<Type> {
        let t = self.syms[s.index()].orig_type;
        if t == Some(Type::Tristate) {
            let in_y_choice = match self.syms[s.index()].choice {
                Some(c) => self.choice_tri(c) == 2,
                None => false,
            };
            if in_y_choice || self.modules_tri() == 0 {
                return Some(Type::Bool);
            }
        }
        t
    }

    pub(super) fn choice_type(&mut self, c: ChoiceId) -> Option<Type> {
        let t = self.choices[c.0 as usize].orig_type;
        if t == Some(Type::Tristate) && self.modules_tri() == 0 {
            return Some(Type::Bool);
        }
        t
    }

    /// Value of an expression (0/1/2).
    pub fn expr_value(&mut self, e: ExprId) -> u8 {
        match self.exprs.get(e) {
            Expr::Sym(s) => self.item_tri(s),
            Expr::Not(a) => 2 - self.expr_value(a),
            Expr::And(a, b) => {
                let v = self.expr_value(a);
                if v == 0 {
                    0
                } else {
                    v.min(self.expr_value(b))
                }
            }
            Expr::Or(a, b) => {
                let v = self.expr_value(a);
                if v == 2 {
                    2
                } else {
                    v.max(self.expr_value(b))
                }
            }
            Expr::Cmp(op, a, b) => {
                let ord = self.compare(a, b);
                let r = match op {
                    CmpOp::Eq => ord == std::cmp::Ordering::Equal,
                    CmpOp::Ne => ord != std::cmp::Ordering::Equal,
                    CmpOp::Lt => ord == std::cmp::Ordering::Less,
                    CmpOp::Le => ord != std::cmp::Ordering::Greater,
                    CmpOp::Gt => ord == std::cmp::Ordering::Greater,
                    CmpOp::Ge => ord != std::cmp::Ordering::Less,
                };
                if r {
                    2
                } else {
                    0
                }
            }
        }
    }

    pub(super) fn item_tri(&mut self, s: SymId) -> u8 {
        if s.0 >= CHOICE_SYM_BASE {
            return self.choice_tri(ChoiceId(s.0 - CHOICE_SYM_BASE));
        }
        self.sym_tri(s)
    }

    pub(super) fn base_of(t: Option<Type>) -> u32 {
        match t {
            Some(Type::Hex) => 16,
            Some(Type::Int) => 10,
            _ => 0,
        }
    }

    pub(super) fn sym_to_num(&mut self, s: SymId) -> Option<i128> {
        let t = self.orig_type(s);
        if matches!(t, Some(Type::Bool) | Some(Type::Tristate)) {
            return Some(self.sym_tri(s) as i128);
        }
        let v = self.sym_str(s);
        parse_int(&v, Self::base_of(t))
    }

    pub(super) fn orig_type(&self, s: SymId) -> Option<Type> {
        if self.kc.symbols.is_const(s) && matches!(s, SymId::N | SymId::M | SymId::Y) {
            return Some(Type::Tristate);
        }
        self.syms[s.index()].orig_type
    }

    pub(super) fn compare(&mut self, a: SymId, b: SymId) -> std::cmp::Ordering {
        if self.orig_type(a) == Some(Type::String) && self.orig_type(b) == Some(Type::String) {
            let (x, y) = (self.sym_str(a), self.sym_str(b));
            return x.cmp(&y);
        }
        match (self.sym_to_num(a), self.sym_to_num(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => {
                let (x, y) = (self.sym_str(a), self.sym_str(b));
                x.cmp(&y)
            }
        }
    }

    pub(super) fn rev_value(&mut self, list: &[(SymId, ExprId)]) -> u8 {
        let mut v = 0;
        for &(s, c) in list {
            let a = self.sym_tri(s);
            if a == 0 {
                continue;
            }
            v = v.max(a.min(self.expr_value(c)));
            if v == 2 {
                break;
            }
        }
        v
    }

    pub(super) fn sym_rev_dep(&mut self, s: SymId) -> u8 {
        let l = std::mem::take(&mut self.syms[s.index()].rev_dep);
        let v = self.rev_value(&l);
        self.syms[s.index()].rev_dep = l;
        v
    }

    pub(super) fn sym_weak_rev_dep(&mut self, s: SymId) -> u8 {
        let l = std::mem::take(&mut self.syms[s.index()].weak_rev_dep);
        let v = self.rev_value(&l);
        self.syms[s.index()].weak_rev_dep = l;
        v
    }

    /// Visibility of a symbol (0/1/2).
    pub fn sym_visibility(&mut self, s: SymId) -> u8 {
        if let Some(v) = self.syms[s.index()].vis {
            return v;
        }
        let mut vis = 0;
        for i in 0..self.syms[s.index()].nodes.len() {
            let n = self.syms[s.index()].nodes[i];
            if let Some(p) = self.fin[n.0 as usize].prompt {
                vis = vis.max(self.expr_value(p));
            }
        }
        let ot = self.syms[s.index()].orig_type;
        if let Some(c) = self.syms[s.index()].choice {
            let cot = self.choices[c.0 as usize].orig_type;
            if cot == Some(Type::Tristate) && ot != Some(Type::Tristate) && self.choice_tri(c) != 2
            {
                self.syms[s.index()].vis = Some(0);
                return 0;
            }
            if ot == Some(Type::Tristate) && vis == 1 && self.choice_tri(c) == 2 {
                self.syms[s.index()].vis = Some(0);
                return 0;
            }
        }
        if vis == 1 && self.sym_type(s) != Some(Type::Tristate) {
            vis = 2;
        }
        self.syms[s.index()].vis = Some(vis);
        vis
    }

    pub(super) fn choice_visibility(&mut self, c: ChoiceId) -> u8 {
        if let Some(v) = self.choices[c.0 as usize].vis {
            return v;
        }
        let mut vis = 0;
        for i in 0..self.choices[c.0 as usize].nodes.len() {
            let n = self.choices[c.0 as usize].nodes[i];
            if let Some(p) = self.fin[n.0 as usize].prompt {
                vis = vis.max(self.expr_value(p));
            }
        }
        if vis == 1 && self.choice_type(c) != Some(Type::Tristate) {
            vis = 2;
        }
        self.choices[c.0 as usize].vis = Some(vis);
        vis
    }

    /// The mode of a choice (0/1/2).
    pub fn choice_tri(&mut self, c: ChoiceId) -> u8 {
        let ci = c.0 as usize;
        if let Some(v) = self.choices[ci].tri {
            return v;
        }
        if self.choices[ci].busy {
            self.report_loop(format!("choice #{}", c.0));
            return 0;
        }
        self.choices[ci].busy = true;
        let mut val = if self.choices[ci].optional { 0 } else { 1 };
        if let Some(u) = self.choices[ci].user {
            val = val.max(u);
        }
        val = val.min(self.choice_visibility(c));
        if val == 1 && self.choice_type(c) == Some(Type::Bool) {
            val = 2;
        }
        self.choices[ci].busy = false;
        self.choices[ci].tri = Some(val);
        val
    }

    /// The selected member of a choice in y mode.
    pub fn choice_selection(&mut self, c: ChoiceId) -> Option<SymId> {
        let ci = c.0 as usize;
        if let Some(s) = self.choices[ci].selection {
            return s;
        }
        let sel = if self.choice_tri(c) != 2 {
            None
        } else {
            let us = self.choices[ci].user_selection;
            match us {
                Some(u) if self.sym_visibility(u) > 0 => Some(u),
                _ => self.selection_from_defaults(c),
            }
        };
        self.choices[ci].selection = Some(sel);
        sel
    }

    pub(super) fn selection_from_defaults(&mut self, c: ChoiceId) -> Option<SymId> {
        let ci = c.0 as usize;
        for i in 0..self.choices[ci].defaults.len() {
            let (d, cond) = self.choices[ci].defaults[i];
            if self.expr_value(cond) > 0 {
                if let Expr::Sym(s) = self.exprs.get(d) {
                    if s.0 < CHOICE_SYM_BASE && self.sym_visibility(s) > 0 {
                        return Some(s);
                    }
                }
            }
        }
        for i in 0..self.choices[ci].syms.len() {
            let s = self.choices[ci].syms[i];
            if self.sym_visibility(s) > 0 {
                return Some(s);
            }
        }
        None
    }

    pub(super) fn report_loop(&mut self, what: String) {
        if self.loop_error.is_none() {
            self.loop_error = Some(format!("Dependency loop involving {what}"));
        }
    }

    /// Tristate value of a symbol (0/1/2).
    pub fn sym_tri(&mut self, s: SymId) -> u8 {
        if let Some(v) = self.syms[s.index()].tri {
            return v;
        }
        if self.kc.symbols.is_const(s) {
            let v = match s {
                SymId::M => 1,
                SymId::Y => 2,
                _ => 0,
            };
            self.syms[s.index()].tri = Some(v);
            return v;
        }
        let ot = self.syms[s.index()].orig_type;
        if !matches!(ot, Some(Type::Bool) | Some(Type::Tristate)) {
            self.syms[s.index()].tri = Some(0);
            return 0;
        }
        if self.syms[s.index()].busy {
            let name = self.kc.symbols.name(s).to_string();
            self.report_loop(name);
            return 0;
        }
        self.syms[s.index()].busy = true;
        let vis = self.sym_visibility(s);
        let mut write = vis != 0;
        let mut val = 0u8;
        let user = match &self.syms[s.index()].user {
            Some(UserValue::Tri(t)) => Some(*t),
            _ => None,
        };
        // A transitional symbol has no prompt, yet takes the user value.
        let user_vis = if self.syms[s.index()].transitional {
            2
        } else {
            vis
        };
        match self.syms[s.index()].choice {
            None => {
                if user_vis > 0 && user.is_some() {
                    val = user.unwrap_or(0).min(user_vis);
                } else {
                    for i in 0..self.syms[s.index()].defaults.len() {
                        let (d, c) = self.syms[s.index()].defaults[i];
                        let dv = self.expr_value(c);
                        if dv > 0 {
                            val = self.expr_value(d).min(dv);
                            if val > 0 {
                                write = true;
                            }
                            break;
                        }
                    }
                    let w = self.sym_weak_rev_dep(s);
                    if w > 0 {
                        let dd = self.syms[s.index()].direct_dep;
                        if self.expr_value(dd) > 0 {
                            val = val.max(w);
                            write = true;
                        }
                    }
                }
                let r = self.sym_rev_dep(s);
                if r > 0 {
                    let dd = self.syms[s.index()].direct_dep;
                    if self.expr_value(dd) < r {
                        self.warn_select_unsatisfied(s);
                    }
                    val = val.max(r);
                    write = true;
                }
                if val == 1
                    && (self.sym_type(s) == Some(Type::Bool) || self.sym_weak_rev_dep(s) == 2)
                {
                    val = 2;
                }
            }
            Some(c) => {
                if vis == 2 {
                    val = if self.choice_selection(c) == Some(s) {
                        2
                    } else {
                        0
                    };
                } else if vis > 0 && user.unwrap_or(0) > 0 {
                    val = 1;
                }
            }
        }
        let st = &mut self.syms[s.index()];
        st.busy = false;
        st.tri = Some(val);
        if st.env_var || st.transitional {
            write = false;
        }
        st.write = write;
        val
    }

    pub(super) fn warn_select_unsatisfied(&mut self, s: SymId) {
        let dd = self.syms[s.index()].direct_dep;
        let ddv = self.expr_value(dd);
        let rev = self.sym_rev_dep(s);
        let mut msg = format!(
            "warning: {} has direct dependencies {} with value {}, but is currently being {}-selected by the following symbols:",
            self.name_and_loc(s),
            self.expr_text(dd),
            tri_str(ddv),
            tri_str(rev)
        );
        let list = self.syms[s.index()].rev_dep.clone();
        for (x, c) in list {
            let xv = self.sym_tri(x);
            let v = if c == ExprId::Y {
                xv
            } else {
                xv.min(self.expr_value(c))
            };
            if v <= ddv {
                continue;
            }
            let xdd = self.syms[x.index()].direct_dep;
            let xddv = self.expr_value(xdd);
            let xs = self.sym_str(x);
            msg.push_str(&format!(
                "\n - {}, with value {}, direct dependencies {} (value: {})",
                self.name_and_loc(x),
                xs,
                self.expr_text(xdd),
                tri_str(xddv)
            ));
            if c != ExprId::Y {
                let cv = self.expr_value(c);
                msg.push_str(&format!(
                    ", and select condition {} (value: {})",
                    self.expr_text(c),
                    tri_str(cv)
                ));
            }
        }
        self.warnings.push(msg);
    }

    pub(super) fn name_and_loc(&self, s: SymId) -> String {
        let locs: Vec<String> = self.syms[s.index()]
            .nodes
            .iter()
            .map(|n| self.kc.loc_str(self.kc.node(*n).loc))
            .collect();
        let name = self.kc.symbols.name(s);
        if locs.is_empty() {
            format!("{name} (undefined)")
        } else {
            format!("{name} (defined at {})", locs.join(", "))
        }
    }

    /// String value of a symbol.
    pub fn sym_str(&mut self, s: SymId) -> std::rc::Rc<str> {
        if let Some(v) = &self.syms[s.index()].strv {
            return v.clone();
        }
        let ot = self.orig_type(s);
        let val: String = match ot {
            Some(Type::Bool) | Some(Type::Tristate) => tri_str(self.sym_tri(s)).to_string(),
            None => self.kc.symbols.name(s).to_string(),
            Some(t) => self.str_value_nonbool(s, t),
        };
        let rc: std::rc::Rc<str> = val.into();
        self.syms[s.index()].strv = Some(rc.clone());
        rc
    }

    pub(super) fn default_str(&mut self, d: ExprId) -> String {
        match self.exprs.get(d) {
            Expr::Sym(s) if s.0 < CHOICE_SYM_BASE => self.sym_str(s).to_string(),
            _ => tri_str(self.expr_value(d)).to_string(),
        }
    }

    pub(super) fn str_value_nonbool(&mut self, s: SymId, t: Type) -> String {
        let si = s.index();
        if self.syms[si].busy {
            let name = self.kc.symbols.name(s).to_string();
            self.report_loop(name);
            return String::new();
        }
        self.syms[si].busy = true;
        let vis = self.sym_visibility(s);
        let mut write = vis != 0;
        // A transitional symbol has no prompt, yet takes the user value.
        let user_vis = if self.syms[si].transitional { 2 } else { vis };
        let mut val = String::new();
        if t == Type::Int || t == Type::Hex {
            let base = if t == Type::Hex { 16 } else { 10 };
            let mut range: Option<(i128, i128)> = None;
            for i in 0..self.syms[si].ranges.len() {
                let (lo, hi, c) = self.syms[si].ranges[i];
                if self.expr_value(c) > 0 {
                    let l = parse_int(&self.sym_str(lo), base).unwrap_or(0);
                    let h = parse_int(&self.sym_str(hi), base).unwrap_or(0);
                    range = Some((l, h));
                    break;
                }
            }
            let num2str = |v: i128| if base == 10 { v.to_string() } else { py_hex(v) };
            let mut use_defaults = true;
            if user_vis > 0 {
                if let Some(UserValue::Str(u)) = self.syms[si].user.clone() {
                    if !u.is_empty() {
                        let uv = parse_int(&u, base).unwrap_or(0);
                        match range {
                            Some((l, h)) if !(l <= uv && uv <= h) => {
                                let w = format!(
                                    "warning: user value {} on the {} symbol {} ignored due to being outside the active range ([{}, {}]) -- falling back on defaults",
                                    num2str(uv),
                                    t.keyword(),
                                    self.name_and_loc(s),
                                    num2str(l),
                                    num2str(h)
                                );
                                self.warnings.push(w);
                            }
                            _ => {
                                val = u;
                                use_defaults = false;
                            }
                        }
                    }
                }
            }
            if use_defaults {
                let mut has_default = false;
                let mut val_num = 0i128;
                for i in 0..self.syms[si].defaults.len() {
                    let (d, c) = self.syms[si].defaults[i];
                    if self.expr_value(c) > 0 {
                        has_default = true;
                        write = true;
                        val = self.default_str(d);
                        val_num = parse_int(&val, base).unwrap_or(0);
                        break;
                    }
                }
                if let Some((l, h)) = range {
                    let clamp = if val_num < l {
                        Some(l)
                    } else if val_num > h {
                        Some(h)
                    } else {
                        None
                    };
                    if let Some(c) = clamp {
                        val = if t == Type::Int {
                            c.to_string()
                        } else {
                            py_hex(c)
                        };
                        if has_default {
                            let w = format!(
                                "warning: default value {} on {} clamped to {} due to being outside the active range ([{}, {}])",
                                val_num,
                                self.name_and_loc(s),
                                num2str(c),
                                num2str(l),
                                num2str(h)
                            );
                            self.warnings.push(w);
                        }
                    }
                }
            }
        } else if let (true, Some(UserValue::Str(u))) = (user_vis > 0, self.syms[si].user.clone()) {
            val = u;
        } else {
            for i in 0..self.syms[si].defaults.len() {
                let (d, c) = self.syms[si].defaults[i];
                if self.expr_value(c) > 0 {
                    val = self.default_str(d);
                    write = true;
                    break;
                }
            }
        }
        let is_defconfig_list = self.syms[si]
            .nodes
            .iter()
            .any(|n| self.kc.node(*n).options.defconfig_list);
        if self.syms[si].env_var || is_defconfig_list || self.syms[si].transitional {
            write = false;
        }
        self.syms[si].write = write;
        self.syms[si].busy = false;
        val
    }

    pub(super) fn write_flag(&mut self, s: SymId) -> bool {
        let _ = self.sym_str(s);
        self.syms[s.index()].write
    }

    /// The `.config` line of a symbol ("" when not written).
    pub fn config_string(&mut self, s: SymId) -> String {
        let mut out = String::new();
        self.push_config_string(s, &mut out);
        out
    }

    /// Appends the `.config` line of `s` to `out` (nothing when not
    /// written); returns whether a line was written.
    pub(super) fn push_config_string(&mut self, s: SymId, out: &mut String) -> bool {
        let st = &self.syms[s.index()];
        if st.strv.is_some() && !st.write {
            // Cached and not written (most symbols): the write flag is
            // valid whenever the value is cached.
            return false;
        }
        let val = self.sym_str(s);
        if !self.syms[s.index()].write {
            return false;
        }
        let name = self.kc.symbols.name(s);
        let tri = matches!(
            self.syms[s.index()].orig_type,
            Some(Type::Bool) | Some(Type::Tristate)
        );
        if tri && &*val == "n" {
            out.push_str("# ");
            out.push_str(&self.prefix);
            out.push_str(name);
            out.push_str(" is not set\n");
            return true;
        }
        out.push_str(&self.prefix);
        out.push_str(name);
        out.push('=');
        match self.syms[s.index()].orig_type {
            Some(Type::Bool) | Some(Type::Tristate) | Some(Type::Int) | Some(Type::Hex) => {
                out.push_str(&val)
            }
            _ => {
                out.push('"');
                out.push_str(&escape(&val));
                out.push('"');
            }
        }
        out.push('\n');
        true
    }
}

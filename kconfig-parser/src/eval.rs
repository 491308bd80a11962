//! Evaluation with Kconfiglib's semantics.
//!
//! [`Config::new`] finalizes the parsed tree the way Kconfiglib does after
//! parsing (dependency propagation from menus/ifs/choices into prompts,
//! defaults, selects, implies and ranges; implicit submenus; removal of `if`
//! nodes; choice membership and types; reverse dependencies). Values are
//! computed lazily and cached; user values come from configuration files
//! ([`Config::load_config`]). Writers produce `.config`, `autoconf.h` and the
//! minimal configuration byte for byte like Kconfiglib.

use crate::ast::{ChoiceId, Kconfig, NodeId, NodeKind, Span, Type};
use crate::expr::{CmpOp, Expr, ExprArena, ExprId};
use crate::symbol::SymId;

mod incremental;

/// A user value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserValue {
    /// n/m/y as 0/1/2 (bool/tristate).
    Tri(u8),
    /// Text (string/int/hex).
    Str(String),
}

/// Which assignments in configuration files draw a warning (Kconfiglib's
/// `warn_assign_undef`, `warn_assign_override` and `warn_assign_redun`).
/// The default is Kconfiglib's; [`AssignWarnings::ZEPHYR`] is Zephyr's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssignWarnings {
    /// An assignment to a symbol no Kconfig file defines (env
    /// `KCONFIG_WARN_UNDEF_ASSIGN=y`).
    pub undefined: bool,
    /// A symbol assigned a different value again.
    pub overridden: bool,
    /// A symbol assigned the same value again.
    pub redundant: bool,
}

impl Default for AssignWarnings {
    fn default() -> Self {
        AssignWarnings {
            undefined: false,
            overridden: true,
            redundant: true,
        }
    }
}

impl AssignWarnings {
    /// Zephyr's: later fragments may override earlier values silently, an
    /// assignment to an undefined symbol is reported.
    pub const ZEPHYR: AssignWarnings = AssignWarnings {
        undefined: true,
        overridden: false,
        redundant: false,
    };
}

/// What a menu-tree node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MenuKind {
    /// `menu` (or the main menu).
    Menu,
    /// `comment`.
    Comment,
    /// `config` (or `configdefault`).
    Config,
    /// `menuconfig`.
    MenuConfig,
    /// `choice`.
    Choice,
}

/// One node of the menu tree ([`Config::menu_tree`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MenuEntry {
    /// Index of the node in [`Kconfig::nodes`].
    pub node: u32,
    /// Nesting depth (the main menu is 0).
    pub depth: usize,
    /// What the node holds.
    pub kind: MenuKind,
    /// Symbol name, or the name of a named choice.
    pub name: Option<String>,
    /// Prompt text (menu title, comment text).
    pub prompt: Option<String>,
    /// Value of the prompt's condition (0 without a prompt): whether and
    /// how the node is shown.
    pub visibility: u8,
    /// Value of the node's dependency (after propagation).
    pub dependency: u8,
    /// `file:line` of the definition.
    pub location: String,
}

#[derive(Debug, Clone, Default)]
struct SymState {
    orig_type: Option<Type>,
    nodes: Vec<NodeId>,
    defaults: Vec<(ExprId, ExprId)>,
    ranges: Vec<(SymId, SymId, ExprId)>,
    rev_dep: Vec<(SymId, ExprId)>,
    weak_rev_dep: Vec<(SymId, ExprId)>,
    direct_dep: ExprId,
    choice: Option<ChoiceId>,
    env_var: bool,
    /// `transitional` (Linux 6.18): hidden and never written, but its user
    /// value (from an old `.config`) is its value.
    transitional: bool,
    user: Option<UserValue>,
    was_set: bool,
    tri: Option<u8>,
    strv: Option<std::rc::Rc<str>>,
    vis: Option<u8>,
    write: bool,
    busy: bool,
}

#[derive(Debug, Clone, Default)]
struct ChoiceState {
    orig_type: Option<Type>,
    nodes: Vec<NodeId>,
    syms: Vec<SymId>,
    defaults: Vec<(ExprId, ExprId)>,
    direct_dep: ExprId,
    optional: bool,
    user: Option<u8>,
    user_selection: Option<SymId>,
    was_set: bool,
    tri: Option<u8>,
    vis: Option<u8>,
    selection: Option<Option<SymId>>,
    busy: bool,
}

/// One step of the `.config` walk (see `Config::build_config_walk`).
#[derive(Debug, Clone, Copy)]
enum WalkStep {
    /// A symbol's first node: its line, if it is written.
    Sym(SymId),
    /// A menu: its title block, if the menu is visible.
    Menu(NodeId),
    /// A comment: its text block, if its dependency holds.
    Comment(NodeId),
    /// After a menu's last descendant: `# end of`, if the menu is visible.
    EndMenu(NodeId),
}

/// Per-node data of the finalized tree.
#[derive(Debug, Clone)]
struct FinNode {
    dep: ExprId,
    prompt: Option<ExprId>,
    visible_if: ExprId,
    /// Spans into the Config's property lists (same layout as the tree's).
    defaults: Span,
    ranges: Span,
    selects: Span,
    implies: Span,
    list: Option<NodeId>,
    next: Option<NodeId>,
    parent: Option<NodeId>,
}

/// An evaluated configuration over a parsed tree.
///
/// Values are computed on first use and cached until a user value changes.
/// Computing a value recurses along dependency chains (a symbol's default
/// depends on other symbols, and so on), so very deep trees need a large
/// stack: [`crate::generate::generate`] runs the evaluation on a thread
/// with 1 GiB of (lazily committed) stack; do the same when using `Config`
/// directly on big trees. A dependency loop never recurses forever: it is
/// reported by [`Config::dependency_loop`] and, if evaluated anyway,
/// recorded in [`Config::loop_error`].
pub struct Config<'k> {
    kc: &'k Kconfig,
    exprs: ExprArena,
    syms: Vec<SymState>,
    choices: Vec<ChoiceState>,
    fin: Vec<FinNode>,
    fdefaults: Vec<(ExprId, ExprId)>,
    franges: Vec<(SymId, SymId, ExprId)>,
    fselects: Vec<(SymId, ExprId)>,
    fimplies: Vec<(SymId, ExprId)>,
    unique_defined: Vec<SymId>,
    /// Symbol prefix of output lines (`CONFIG_`).
    pub prefix: String,
    /// Warnings raised while loading configuration files and evaluating.
    pub warnings: Vec<String>,
    /// A dependency loop met while evaluating (the symbols involved).
    pub loop_error: Option<String>,
    /// Which assignments in configuration files draw a warning.
    pub assign_warnings: AssignWarnings,
    choice_expr_base: u32,
    /// Which symbols and choices read which, for recomputing only what a
    /// user change reaches ([`incremental`]). Built on the first API change
    /// ([`Config::set_value`] and friends).
    graph: Option<incremental::DepGraph>,
    /// The `.config` walk ([`Config::config_text`]), built on first use.
    config_walk: Option<Vec<WalkStep>>,
}

const CHOICE_SYM_BASE: u32 = 0x8000_0000;

fn tri_str(v: u8) -> &'static str {
    ["n", "m", "y"][v as usize]
}

/// Python `int(s, base)` for bases 10, 16 and 0 (auto); None if invalid.
pub fn parse_int(s: &str, base: u32) -> Option<i128> {
    let t = s.trim();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (digits, radix) = match base {
        16 => (
            t.strip_prefix("0x")
                .or_else(|| t.strip_prefix("0X"))
                .unwrap_or(t),
            16,
        ),
        0 => {
            let l = t.to_ascii_lowercase();
            if l.starts_with("0x") {
                (&t[2..], 16)
            } else if l.starts_with("0o") {
                (&t[2..], 8)
            } else if l.starts_with("0b") {
                (&t[2..], 2)
            } else {
                if t.len() > 1 && t.starts_with('0') && t.bytes().any(|b| b != b'0' && b != b'_') {
                    return None;
                }
                (t, 10)
            }
        }
        _ => (t, 10),
    };
    let digits = digits.strip_prefix('_').unwrap_or(digits);
    if digits.is_empty() || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let v = if digits.contains('_') {
        let clean: String = digits.chars().filter(|&c| c != '_').collect();
        i128::from_str_radix(&clean, radix).ok()?
    } else {
        // No separators (nearly always): parse in place, no allocation.
        i128::from_str_radix(digits, radix).ok()?
    };
    Some(if neg { -v } else { v })
}

fn py_hex(v: i128) -> String {
    if v < 0 {
        format!("-0x{:x}", -v)
    } else {
        format!("0x{v:x}")
    }
}

/// Kconfiglib's `escape`: backslash before `"` and `\`.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '"' || c == '\\' {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

fn unescape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(n) = it.next() {
                o.push(n);
                continue;
            }
        }
        o.push(c);
    }
    o
}

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

    fn choice_name_and_loc(&self, c: ChoiceId) -> String {
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

    fn num_ok(&self, s: SymId, t: Type) -> bool {
        if self.syms[s.index()].nodes.is_empty() {
            return parse_int(self.kc.symbols.name(s), Self::base_of(Some(t))).is_some();
        }
        self.syms[s.index()].orig_type == Some(t)
    }

    /// Kconfiglib's checks after parsing (`_check_sym_sanity`,
    /// `_check_choice_sanity`): warnings only.
    fn sanity_warnings(&mut self) {
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

    /// Kconfiglib's dependency-loop check (`_build_dep` +
    /// `_check_dep_loop_sym`/`_check_dep_loop_choice`): a depth-first walk
    /// over "is depended on by" edges, entering a choice through one member
    /// and then visiting its other members. Returns Kconfiglib's report
    /// ("Dependency loop" with each item's definition) for the first loop.
    pub fn dependency_loop(&mut self) -> Option<String> {
        let nsym = self.syms.len();
        let total = nsym + self.choices.len();
        // Item ids: symbols 0..nsym, choices nsym.. .
        // Edges `(item, dependent)` in the order found; turned into one
        // flat adjacency array below (tens of thousands of small vectors
        // were a large part of this check's cost).
        let mut edges: Vec<(u32, u32)> = Vec::new();
        // Edges are added one dependent item at a time: `seen_edge[id] ==
        // from + 1` means id -> from exists already (a set, like
        // Kconfiglib's `_dependents`).
        let mut seen_edge: Vec<usize> = vec![0; total];
        // `walked[e] == from + 1`: expression `e` was walked for `from`
        // already. Propagated dependencies repeat the same menu and `if`
        // conditions in every default, prompt and range of a symbol; their
        // edges are all in place after the first walk (in the same order,
        // so the loop found and its report do not change).
        let mut walked: Vec<u32> = vec![0; self.exprs.len()];
        let mut work: Vec<ExprId> = Vec::new();
        type Seen = Vec<usize>;
        let add = |edges: &mut Vec<(u32, u32)>,
                   (seen_edge, walked): (&mut Seen, &mut Vec<u32>),
                   from: usize,
                   e: ExprId,
                   work: &mut Vec<ExprId>| {
            work.clear();
            work.push(e);
            while let Some(x) = work.pop() {
                let w = &mut walked[x.0 as usize];
                if *w as usize == from + 1 {
                    continue;
                }
                *w = from as u32 + 1;
                let mut item = |s: SymId| {
                    let id = if s.0 >= CHOICE_SYM_BASE {
                        nsym + (s.0 - CHOICE_SYM_BASE) as usize
                    } else if self.kc.symbols.is_const(s) {
                        return;
                    } else {
                        s.index()
                    };
                    if seen_edge[id] != from + 1 {
                        seen_edge[id] = from + 1;
                        edges.push((id as u32, from as u32));
                    }
                };
                match self.exprs.get(x) {
                    Expr::Sym(s) => item(s),
                    Expr::Cmp(_, a, b) => {
                        item(a);
                        item(b);
                    }
                    Expr::Not(a) => work.push(a),
                    Expr::And(a, b) | Expr::Or(a, b) => {
                        work.push(b);
                        work.push(a);
                    }
                }
            }
        };
        for &s in &self.unique_defined {
            let i = s.index();
            let st = &self.syms[i];
            for n in &st.nodes {
                if self.kc.node(*n).prompt.is_some() {
                    if let Some(p) = self.fin[n.0 as usize].prompt {
                        add(&mut edges, (&mut seen_edge, &mut walked), i, p, &mut work);
                    }
                }
            }
            for &(v, c) in &st.defaults {
                add(&mut edges, (&mut seen_edge, &mut walked), i, v, &mut work);
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
            for &(x, c) in st.rev_dep.iter().chain(&st.weak_rev_dep) {
                let xe = self.exprs.sym_id_expr(x);
                if let Some(xe) = xe {
                    add(&mut edges, (&mut seen_edge, &mut walked), i, xe, &mut work);
                } else if seen_edge[x.index()] != i + 1 {
                    seen_edge[x.index()] = i + 1;
                    edges.push((x.index() as u32, i as u32));
                }
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
            for &(l, h, c) in &st.ranges {
                for b in [l, h] {
                    if !self.kc.symbols.is_const(b) && seen_edge[b.index()] != i + 1 {
                        seen_edge[b.index()] = i + 1;
                        edges.push((b.index() as u32, i as u32));
                    }
                }
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
            add(
                &mut edges,
                (&mut seen_edge, &mut walked),
                i,
                st.direct_dep,
                &mut work,
            );
        }
        for (ci, ch) in self.choices.iter().enumerate() {
            let i = nsym + ci;
            for n in &ch.nodes {
                if self.kc.node(*n).prompt.is_some() {
                    if let Some(p) = self.fin[n.0 as usize].prompt {
                        add(&mut edges, (&mut seen_edge, &mut walked), i, p, &mut work);
                    }
                }
            }
            for &(_, c) in &ch.defaults {
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
        }
        // Adjacency in compressed rows: the dependents of item `id` are
        // `adj[start[id]..start[id + 1]]`, in the order they were found.
        let mut start = vec![0u32; total + 1];
        for &(id, _) in &edges {
            start[id as usize + 1] += 1;
        }
        for i in 0..total {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut adj = vec![0u32; edges.len()];
        for &(id, from) in &edges {
            adj[fill[id as usize] as usize] = from;
            fill[id as usize] += 1;
        }
        drop(edges);
        let dependents = |id: usize| &adj[start[id] as usize..start[id + 1] as usize];
        // Iterative DFS mirroring the recursive reference. A frame walks
        // either a symbol's dependents (then its choice) or a choice's
        // members (skipping the member it was entered through).
        #[derive(Clone, Copy)]
        enum Frame {
            Sym {
                id: usize,
                ignore_choice: bool,
                next: usize,
                choice_done: bool,
            },
            Choice {
                id: usize,
                skip: Option<usize>,
                next: usize,
            },
        }
        let mut visited = vec![0u8; total];
        let mut stack: Vec<Frame> = Vec::new();
        let mut roots: Vec<usize> = self.unique_defined.iter().map(|s| s.index()).collect();
        roots.extend(nsym..total);
        for root in roots {
            if visited[root] != 0 {
                continue;
            }
            stack.clear();
            stack.push(if root >= nsym {
                Frame::Choice {
                    id: root,
                    skip: None,
                    next: 0,
                }
            } else {
                Frame::Sym {
                    id: root,
                    ignore_choice: false,
                    next: 0,
                    choice_done: false,
                }
            });
            visited[root] = 1;
            while let Some(top) = stack.last_mut() {
                // The next item to visit from this frame, if any.
                let step: Option<(usize, Frame)> = match top {
                    Frame::Sym {
                        id,
                        ignore_choice,
                        next,
                        choice_done,
                    } => {
                        let deps = dependents(*id);
                        if *next < deps.len() {
                            let d = deps[*next] as usize;
                            *next += 1;
                            Some((
                                d,
                                if d >= nsym {
                                    Frame::Choice {
                                        id: d,
                                        skip: None,
                                        next: 0,
                                    }
                                } else {
                                    Frame::Sym {
                                        id: d,
                                        ignore_choice: false,
                                        next: 0,
                                        choice_done: false,
                                    }
                                },
                            ))
                        } else if !*choice_done
                            && !*ignore_choice
                            && self.syms[*id].choice.is_some()
                        {
                            *choice_done = true;
                            let c = nsym + self.syms[*id].choice.map(|c| c.0 as usize).unwrap_or(0);
                            Some((
                                c,
                                Frame::Choice {
                                    id: c,
                                    skip: Some(*id),
                                    next: 0,
                                },
                            ))
                        } else {
                            None
                        }
                    }
                    Frame::Choice { id, skip, next } => {
                        let members = &self.choices[*id - nsym].syms;
                        let mut found = None;
                        while *next < members.len() {
                            let m = members[*next].index();
                            *next += 1;
                            if Some(m) != *skip {
                                found = Some((
                                    m,
                                    Frame::Sym {
                                        id: m,
                                        ignore_choice: true,
                                        next: 0,
                                        choice_done: false,
                                    },
                                ));
                                break;
                            }
                        }
                        found
                    }
                };
                match step {
                    Some((item, frame)) => match visited[item] {
                        0 => {
                            visited[item] = 1;
                            stack.push(frame);
                        }
                        1 => {
                            // Loop: collect the stack from `item` back up.
                            let ids: Vec<usize> = stack
                                .iter()
                                .map(|f| match f {
                                    Frame::Sym { id, .. } | Frame::Choice { id, .. } => *id,
                                })
                                .collect();
                            let start = ids.iter().rposition(|x| *x == item).unwrap_or(0);
                            let mut lp: Vec<usize> = vec![item];
                            lp.extend(ids[start + 1..].iter().rev());
                            return Some(self.loop_report(&lp, nsym));
                        }
                        _ => {}
                    },
                    None => {
                        let id = match stack.pop() {
                            Some(Frame::Sym { id, .. }) | Some(Frame::Choice { id, .. }) => id,
                            None => break,
                        };
                        visited[id] = 2;
                    }
                }
            }
        }
        None
    }

    fn item_str(&self, item: usize, nsym: usize) -> String {
        let nodes: Vec<NodeId> = if item >= nsym {
            self.choices[item - nsym].nodes.clone()
        } else {
            self.syms[item].nodes.clone()
        };
        nodes
            .iter()
            .map(|n| self.node_str(*n))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    fn rev_dep_text(&mut self, list: &[(SymId, ExprId)]) -> String {
        let mut e = ExprId::N;
        for &(x, c) in list {
            let xe = self.exprs.sym(x);
            let a = self.exprs.make_and(xe, c);
            e = self.exprs.make_or(e, a);
        }
        self.expr_text(e)
    }

    fn loop_report(&mut self, lp: &[usize], nsym: usize) -> String {
        let mut msg = String::from("\nDependency loop\n===============\n\n");
        for (k, &item) in lp.iter().enumerate() {
            if k > 0 {
                msg.push_str("...depends on ");
                if item < nsym && self.syms[item].choice.is_some() {
                    msg.push_str("the choice symbol ");
                }
            }
            let nl = if item >= nsym {
                self.choice_name_and_loc(ChoiceId((item - nsym) as u32))
            } else {
                self.name_and_loc(SymId(item as u32))
            };
            msg.push_str(&format!(
                "{nl}, with definition...\n\n{}\n\n",
                self.item_str(item, nsym)
            ));
            if item < nsym {
                let rev = self.syms[item].rev_dep.clone();
                if !rev.is_empty() {
                    let t = self.rev_dep_text(&rev);
                    msg.push_str(&format!("(select-related dependencies: {t})\n\n"));
                }
                if !self.syms[item].weak_rev_dep.is_empty() {
                    // Kconfiglib prints the select-related expression here too.
                    let t = self.rev_dep_text(&rev);
                    msg.push_str(&format!("(imply-related dependencies: {t})\n\n"));
                }
            }
        }
        let first = lp[0];
        let nl = if first >= nsym {
            self.choice_name_and_loc(ChoiceId((first - nsym) as u32))
        } else {
            self.name_and_loc(SymId(first as u32))
        };
        msg.push_str(&format!("...depends again on {nl}"));
        msg
    }

    /// The parsed tree (with the lifetime of the tree, not of `self`).
    pub fn kconfig(&self) -> &'k Kconfig {
        self.kc
    }

    fn sc_text(&self, s: SymId) -> String {
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
            for r in self.kc.selects(node) {
                lines.push(format!(
                    "\tselect {}{}",
                    self.sc_text(r.target),
                    cond_suffix(r.cond)
                ));
            }
            for r in self.kc.implies(node) {
                lines.push(format!(
                    "\timply {}{}",
                    self.sc_text(r.target),
                    cond_suffix(r.cond)
                ));
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
    fn node_references(&self, n: NodeId, s: SymId) -> bool {
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
        let mut stack: Vec<(NodeId, usize)> = vec![(NodeId(0), 0)];
        while let Some((n, depth)) = stack.pop() {
            let ni = n.0 as usize;
            if let Some(next) = self.fin[ni].next {
                stack.push((next, depth));
            }
            if let Some(first) = self.fin[ni].list {
                stack.push((first, depth + 1));
            }
            let node = self.kc.node(n);
            let prompt = node
                .prompt
                .as_ref()
                .map(|p| p.text.clone())
                .unwrap_or_default();
            let vis = match self.fin[ni].prompt {
                Some(p) if node.prompt.is_some() || node.kind == NodeKind::Top => {
                    self.expr_value(p)
                }
                _ => 0,
            };
            let head = match node.kind {
                NodeKind::Top | NodeKind::Menu => "menu".to_string(),
                NodeKind::Comment => "comment".to_string(),
                NodeKind::Config { sym, menuconfig } => format!(
                    "{} {}",
                    if menuconfig { "menuconfig" } else { "config" },
                    self.kc.symbols.name(sym)
                ),
                NodeKind::ConfigDefault { sym } => format!("config {}", self.kc.symbols.name(sym)),
                NodeKind::Choice(c) => match &self.kc.choices[c.0 as usize].name {
                    Some(name) => format!("choice {name}"),
                    None => "choice".to_string(),
                },
                NodeKind::If => continue,
            };
            for _ in 0..depth {
                out.push_str("  ");
            }
            out.push_str(&format!("{head} \"{prompt}\" vis={vis}\n"));
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

    fn choice_expr(&mut self, c: ChoiceId) -> ExprId {
        // Choices in expressions are represented as symbols with ids above
        // CHOICE_SYM_BASE (never interned names).
        self.exprs.sym(SymId(CHOICE_SYM_BASE + c.0))
    }

    fn item_sym(&self, node: NodeId) -> Option<SymId> {
        match self.kc.node(node).kind {
            NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => Some(sym),
            _ => None,
        }
    }

    fn is_if(&self, node: NodeId) -> bool {
        self.kc.node(node).kind == NodeKind::If
    }

    fn finalize_node(&mut self, node: NodeId, visible_if: ExprId, cds: &mut Vec<(SymId, usize)>) {
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

    fn add_props_to_sym(&mut self, node: NodeId, sym: SymId, cds: &mut Vec<(SymId, usize)>) {
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

    fn auto_menu_dep(&self, sym: SymId, node2: NodeId) -> bool {
        let f = &self.fin[node2.0 as usize];
        let e = f.prompt.unwrap_or(f.dep);
        self.expr_depends_on(e, sym)
    }

    fn expr_depends_on(&self, e: ExprId, sym: SymId) -> bool {
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

    fn propagate_deps(&mut self, node: NodeId, visible_if: ExprId) {
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

    fn has_prompt(&self, node: NodeId) -> bool {
        self.fin[node.0 as usize].prompt.is_some()
    }

    fn flatten(&mut self, start: Option<NodeId>) {
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

    fn remove_ifs(&mut self, node: NodeId) {
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

    // ---- values ----

    fn modules_tri(&mut self) -> u8 {
        self.sym_tri(SymId::MODULES)
    }

    fn sym_type(&mut self, s: SymId) -> Option<Type> {
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

    fn choice_type(&mut self, c: ChoiceId) -> Option<Type> {
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

    fn item_tri(&mut self, s: SymId) -> u8 {
        if s.0 >= CHOICE_SYM_BASE {
            return self.choice_tri(ChoiceId(s.0 - CHOICE_SYM_BASE));
        }
        self.sym_tri(s)
    }

    fn base_of(t: Option<Type>) -> u32 {
        match t {
            Some(Type::Hex) => 16,
            Some(Type::Int) => 10,
            _ => 0,
        }
    }

    fn sym_to_num(&mut self, s: SymId) -> Option<i128> {
        let t = self.orig_type(s);
        if matches!(t, Some(Type::Bool) | Some(Type::Tristate)) {
            return Some(self.sym_tri(s) as i128);
        }
        let v = self.sym_str(s);
        parse_int(&v, Self::base_of(t))
    }

    fn orig_type(&self, s: SymId) -> Option<Type> {
        if self.kc.symbols.is_const(s) && matches!(s, SymId::N | SymId::M | SymId::Y) {
            return Some(Type::Tristate);
        }
        self.syms[s.index()].orig_type
    }

    fn compare(&mut self, a: SymId, b: SymId) -> std::cmp::Ordering {
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

    fn rev_value(&mut self, list: &[(SymId, ExprId)]) -> u8 {
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

    fn sym_rev_dep(&mut self, s: SymId) -> u8 {
        let l = std::mem::take(&mut self.syms[s.index()].rev_dep);
        let v = self.rev_value(&l);
        self.syms[s.index()].rev_dep = l;
        v
    }

    fn sym_weak_rev_dep(&mut self, s: SymId) -> u8 {
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

    fn choice_visibility(&mut self, c: ChoiceId) -> u8 {
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

    fn selection_from_defaults(&mut self, c: ChoiceId) -> Option<SymId> {
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

    fn report_loop(&mut self, what: String) {
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

    fn warn_select_unsatisfied(&mut self, s: SymId) {
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

    fn name_and_loc(&self, s: SymId) -> String {
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

    fn default_str(&mut self, d: ExprId) -> String {
        match self.exprs.get(d) {
            Expr::Sym(s) if s.0 < CHOICE_SYM_BASE => self.sym_str(s).to_string(),
            _ => tri_str(self.expr_value(d)).to_string(),
        }
    }

    fn str_value_nonbool(&mut self, s: SymId, t: Type) -> String {
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

    fn write_flag(&mut self, s: SymId) -> bool {
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
    fn push_config_string(&mut self, s: SymId, out: &mut String) -> bool {
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

    // ---- user values ----

    fn invalidate(&mut self) {
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
    fn assign(&mut self, s: SymId, value: &str) -> bool {
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

    fn set_choice_mode(&mut self, c: ChoiceId, v: &str) {
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
        for (lineno, raw) in text.lines().enumerate() {
            let line = raw.trim_end();
            let (name, mut val) = if let Some(rest) = line.strip_prefix(prefix.as_str()) {
                let Some((name, val)) = rest.split_once('=') else {
                    self.malformed(line, display_name, lineno + 1);
                    continue;
                };
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    self.malformed(line, display_name, lineno + 1);
                    continue;
                }
                (name.to_string(), val.to_string())
            } else if let Some(name) = line
                .strip_prefix("# ")
                .and_then(|l| l.strip_prefix(prefix.as_str()))
                .and_then(|l| l.strip_suffix(" is not set"))
                .filter(|n| {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                })
            {
                (name.to_string(), "\u{0}n".to_string())
            } else {
                if !line.is_empty() && !line.trim_start().starts_with('#') {
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

    fn malformed(&mut self, line: &str, file: &str, lineno: usize) {
        self.warnings.push(format!(
            "{file}:{lineno}: warning: ignoring malformed line '{line}'"
        ));
    }

    // ---- writers ----

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
    fn build_config_walk(&self) -> Vec<WalkStep> {
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

    fn str_default(&mut self, s: SymId) -> String {
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

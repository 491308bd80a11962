//! The evaluator against a deliberately simple model of spec §6.
//!
//! Random small Kconfig trees (bool/tristate/int/hex/string symbols with
//! `depends on`, prompts with conditions, defaults with conditions, ranges,
//! `select`, `imply`, an `if` block with an `if` nested in it, a menu with
//! `depends on`/`visible if`, one choice, symbols defined a second time
//! further down (as Zephyr's Kconfig.defconfig files do: own prompt,
//! dependencies and defaults, possibly inside an `if`), `configdefault`
//! blocks (spec §6.9), and `MODULES`) are loaded by the crate and evaluated under a
//! random sequence of user-value changes (`set_value`, `unset_value`,
//! `set_choice_value`, `unset_choice_value`) on ONE `Config`, so cached
//! values must be invalidated correctly (after a change only the values
//! depending on the changed symbol are dropped; between changes the test
//! reads either one value or all of them, so changes meet partly and fully
//! filled caches). After a change each symbol's
//! value, visibility and `.config` line must equal the model's, which
//! evaluates the tree from scratch in definition order (every edge of the
//! generated trees points from a later symbol to an earlier one, or from a
//! selector to a later target, so definition order is a topological order
//! and no caching is needed).
//!
//! The model follows the rules of spec §6 (Kconfiglib's semantics, which the
//! goldens prove the crate reproduces): dependency propagation (§6.1),
//! visibility (§6.2), bool/tristate values with select/imply (§6.3, §6.5),
//! int/hex/string values with ranges and clamping (§6.4), choices (§6.6),
//! write flags (§6.7). Two structural rules of Kconfiglib are kept out of
//! the generated trees instead of being modelled: a symbol whose condition
//! names the symbol just before it becomes an implicit submenu of that
//! symbol (so a node's conditions never name its preceding sibling), and
//! select/imply/default on choice members have no effect (never generated).
//!
//! Also proven: setting then unsetting a user value restores the whole
//! `.config` text and every value, and `unset_values` returns to the
//! configuration of a fresh `Config`.

use kconfig_parser::ast::ChoiceId;
use kconfig_parser::{load, Config, LoadOptions, SymId};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Bool,
    Tri,
    Int,
    Hex,
    Str,
}

impl Ty {
    fn keyword(self) -> &'static str {
        match self {
            Ty::Bool => "bool",
            Ty::Tri => "tristate",
            Ty::Int => "int",
            Ty::Hex => "hex",
            Ty::Str => "string",
        }
    }
    fn is_tri(self) -> bool {
        matches!(self, Ty::Bool | Ty::Tri)
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug)]
enum E {
    Const(u8),
    Sym(usize),
    Not(Box<E>),
    And(Box<E>, Box<E>),
    Or(Box<E>, Box<E>),
    /// A non-bool symbol compared with a quoted literal.
    Cmp(Op, usize, String),
    /// The mode of the choice (the implicit dependency of its members).
    ChoiceMode,
}

fn and(a: Option<E>, b: Option<E>) -> Option<E> {
    match (a, b) {
        (Some(a), Some(b)) => Some(E::And(Box::new(a), Box::new(b))),
        (a, None) => a,
        (None, b) => b,
    }
}

#[derive(Clone, Debug)]
enum Def {
    /// bool/tristate default: an expression.
    Expr(E),
    /// int/hex/string literal (unquoted for numbers, quoted for strings).
    Lit(String),
    /// The value of an earlier symbol of the same type.
    Ref(usize),
}

/// `default` lines: value and condition.
type Defaults = [(Def, Option<E>)];

#[derive(Clone, Debug)]
struct Sym {
    name: String,
    ty: Ty,
    member: bool,
    prompt: Option<Option<E>>,
    depends: Option<E>,
    defaults: Vec<(Def, Option<E>)>,
    ranges: Vec<(i64, i64, Option<E>)>,
    selects: Vec<(usize, Option<E>)>,
    implies: Vec<(usize, Option<E>)>,
    /// Conditions of the enclosing `if`/menu (menu: its `depends on`).
    enclosing_dep: Option<E>,
    /// `visible if` of the enclosing menu.
    visible_if: Option<E>,
    /// A second definition further down the file.
    redef: Option<Redef>,
    /// A `configdefault` block further down the file.
    configdefault: Option<ConfigDefault>,
}

/// `configdefault NAME` with `default` lines (spec §6.9): the defaults
/// join the symbol's list in file order, their conditions ANDed with the
/// symbol's direct dependency and the enclosing `if`; nothing else of the
/// symbol changes.
#[derive(Clone, Debug)]
struct ConfigDefault {
    defaults: Vec<(Def, Option<E>)>,
    enclosing_dep: Option<E>,
}

/// A second `config` block for an already defined symbol: its own prompt,
/// `depends on` and defaults, at the top level or inside an `if`. Its
/// conditions read only symbols defined before the symbol itself, so
/// definition order stays a topological order.
#[derive(Clone, Debug)]
struct Redef {
    prompt: Option<Option<E>>,
    depends: Option<E>,
    defaults: Vec<(Def, Option<E>)>,
    /// The condition of the `if` around it.
    enclosing_dep: Option<E>,
}

#[derive(Clone, Debug)]
struct Choice {
    optional: bool,
    depends: Option<E>,
    prompt_cond: Option<E>,
    defaults: Vec<(usize, Option<E>)>,
    members: Vec<usize>,
}

#[derive(Clone, Debug)]
enum Item {
    Sym(usize),
    /// `if` block: its condition, its symbols, and an `if` nested after
    /// them (condition and symbols).
    If(E, Vec<usize>, Option<(E, Vec<usize>)>),
    /// The second definition of a symbol ([`Sym::redef`]).
    Redef(usize),
    /// A `configdefault` block ([`Sym::configdefault`]).
    ConfigDefault(usize),
    Menu(Option<E>, Option<E>, Vec<usize>),
    Choice,
}

#[derive(Clone, Debug)]
struct Model {
    syms: Vec<Sym>,
    items: Vec<Item>,
    choice: Option<Choice>,
}

/// xorshift64*: the tree is built from one proptest-chosen seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Clone>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())].clone()
    }
}

const STRINGS: [&str; 4] = ["", "a", "ab", "zz"];

/// A random expression over the symbols in `pool` (earlier symbols, minus
/// the preceding sibling where that matters).
fn gen_expr(r: &mut Rng, syms: &[Sym], pool: &[usize], depth: u32) -> E {
    let tris: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|&i| syms[i].ty.is_tri())
        .collect();
    let others: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|&i| !syms[i].ty.is_tri())
        .collect();
    let k = r.below(100);
    if depth < 2 && k < 15 {
        return E::Not(Box::new(gen_expr(r, syms, pool, depth + 1)));
    }
    if depth < 2 && k < 35 {
        let a = gen_expr(r, syms, pool, depth + 1);
        let b = gen_expr(r, syms, pool, depth + 1);
        return if r.chance(50) {
            E::And(Box::new(a), Box::new(b))
        } else {
            E::Or(Box::new(a), Box::new(b))
        };
    }
    if k < 45 && !others.is_empty() {
        let s = r.pick(&others);
        let op = r.pick(&[Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge]);
        let lit = match syms[s].ty {
            Ty::Int => r.below(15).to_string(),
            Ty::Hex => format!("0x{:x}", r.below(40)),
            _ => r.pick(&STRINGS).to_string(),
        };
        return E::Cmp(op, s, lit);
    }
    if tris.is_empty() || k >= 88 {
        return E::Const(r.below(3) as u8);
    }
    E::Sym(r.pick(&tris))
}

fn maybe_expr(r: &mut Rng, syms: &[Sym], pool: &[usize], percent: u64) -> Option<E> {
    r.chance(percent).then(|| gen_expr(r, syms, pool, 0))
}

fn build(seed: u64) -> Model {
    let mut r = Rng(seed | 1);
    let n = 4 + r.below(9);
    // Phase 1: structure and types.
    let mut syms: Vec<Sym> = Vec::new();
    let mut items = Vec::new();
    let new_sym = |syms: &mut Vec<Sym>, ty: Ty, member: bool| {
        let i = syms.len();
        let letter = ["B", "T", "I", "H", "S"][ty as usize];
        syms.push(Sym {
            name: format!("{letter}{i}"),
            ty,
            member,
            prompt: None,
            depends: None,
            defaults: vec![],
            ranges: vec![],
            selects: vec![],
            implies: vec![],
            enclosing_dep: None,
            visible_if: None,
            redef: None,
            configdefault: None,
        });
        i
    };
    new_sym(&mut syms, Ty::Bool, false);
    syms[0].name = "MODULES".into();
    items.push(Item::Sym(0));
    let random_ty = |r: &mut Rng| match r.below(100) {
        0..=34 => Ty::Bool,
        35..=59 => Ty::Tri,
        60..=74 => Ty::Int,
        75..=84 => Ty::Hex,
        _ => Ty::Str,
    };
    let mut have_choice = false;
    let mut choice = None;
    let mut have_if = false;
    let mut have_menu = false;
    let mut redefs = 0;
    let mut configdefaults = 0;
    while syms.len() < n {
        let k = r.below(100);
        // A second definition or a `configdefault` of an earlier symbol.
        let redefinable = extendable(&syms, &items, |it| match it {
            Item::Redef(x) => Some(*x),
            _ => None,
        });
        if k >= 90 && redefs < 2 && !redefinable.is_empty() {
            redefs += 1;
            items.push(Item::Redef(r.pick(&redefinable)));
            continue;
        }
        let defaultable = extendable(&syms, &items, |it| match it {
            Item::ConfigDefault(x) => Some(*x),
            _ => None,
        });
        if (84..90).contains(&k) && configdefaults < 2 && !defaultable.is_empty() {
            configdefaults += 1;
            items.push(Item::ConfigDefault(r.pick(&defaultable)));
            continue;
        }
        if k < 12 && !have_choice {
            have_choice = true;
            let m = 2 + r.below(2);
            let members = (0..m).map(|_| new_sym(&mut syms, Ty::Bool, true)).collect();
            items.push(Item::Choice);
            // Details are filled in phase 2.
            choice = Some(Choice {
                optional: false,
                depends: None,
                prompt_cond: None,
                defaults: vec![],
                members,
            });
        } else if k < 24 && !have_if {
            have_if = true;
            let m = 1 + r.below(3);
            let ids = (0..m)
                .map(|_| {
                    let t = random_ty(&mut r);
                    new_sym(&mut syms, t, false)
                })
                .collect();
            let inner = r.chance(50).then(|| {
                let ids = (0..1 + r.below(2))
                    .map(|_| {
                        let t = random_ty(&mut r);
                        new_sym(&mut syms, t, false)
                    })
                    .collect();
                (E::Const(2), ids)
            });
            items.push(Item::If(E::Const(2), ids, inner));
        } else if k < 36 && !have_menu {
            have_menu = true;
            let m = 1 + r.below(3);
            let ids = (0..m)
                .map(|_| {
                    let t = random_ty(&mut r);
                    new_sym(&mut syms, t, false)
                })
                .collect();
            items.push(Item::Menu(None, None, ids));
        } else {
            let t = random_ty(&mut r);
            let i = new_sym(&mut syms, t, false);
            items.push(Item::Sym(i));
        }
    }
    let mut model = Model {
        syms,
        items,
        choice,
    };
    fill(&mut model, &mut r);
    model
}

/// The plain symbols (not MODULES, not choice members) that no item of the
/// kind `of` picks out (by its symbol) refers to yet.
fn extendable(syms: &[Sym], items: &[Item], of: impl Fn(&Item) -> Option<usize>) -> Vec<usize> {
    (1..syms.len())
        .filter(|&j| !syms[j].member && !items.iter().any(|it| of(it) == Some(j)))
        .collect()
}

/// Phase 2: conditions and properties, each over earlier symbols only.
fn fill(m: &mut Model, r: &mut Rng) {
    let items = m.items.clone();
    let mut prev: Option<usize> = None; // preceding sibling symbol at top level
    let mut new_items = Vec::new();
    for item in items {
        match item {
            Item::Sym(i) => {
                fill_sym(m, r, i, prev, None, None);
                prev = Some(i);
                new_items.push(Item::Sym(i));
            }
            Item::If(_, ids, inner) => {
                let start = ids[0];
                let pool = pool_of(start, prev);
                let cond = gen_expr(r, &m.syms, &pool, 0);
                let mut p = None;
                for &i in &ids {
                    fill_sym(m, r, i, p, Some(cond.clone()), None);
                    p = Some(i);
                }
                // The nested `if` follows the block's last symbol, which
                // its condition must not name (implicit submenu).
                let inner = inner.map(|(_, inner_ids)| {
                    let inner_cond = gen_expr(r, &m.syms, &pool_of(inner_ids[0], p), 0);
                    let both = and(Some(cond.clone()), Some(inner_cond.clone()));
                    let mut q = None;
                    for &i in &inner_ids {
                        fill_sym(m, r, i, q, both.clone(), None);
                        q = Some(i);
                    }
                    (inner_cond, inner_ids)
                });
                prev = None;
                new_items.push(Item::If(cond, ids, inner));
            }
            Item::Redef(i) => {
                let pool = pool_of(i, prev);
                let enclosing = r.chance(30).then(|| gen_expr(r, &m.syms, &pool, 0));
                let prompt = r.chance(50).then(|| maybe_expr(r, &m.syms, &pool, 40));
                let depends = maybe_expr(r, &m.syms, &pool, 50);
                let n = r.below(3);
                let defaults = gen_defaults(m, r, i, n);
                m.syms[i].redef = Some(Redef {
                    prompt,
                    depends,
                    defaults,
                    enclosing_dep: enclosing,
                });
                // The next item must not name this symbol either.
                prev = Some(i);
                new_items.push(Item::Redef(i));
            }
            Item::ConfigDefault(i) => {
                let pool = pool_of(i, prev);
                let enclosing = r.chance(30).then(|| gen_expr(r, &m.syms, &pool, 0));
                let n = 1 + r.below(2);
                let defaults = gen_defaults(m, r, i, n);
                m.syms[i].configdefault = Some(ConfigDefault {
                    defaults,
                    enclosing_dep: enclosing,
                });
                prev = Some(i);
                new_items.push(Item::ConfigDefault(i));
            }
            Item::Menu(_, _, ids) => {
                let start = ids[0];
                let pool = pool_of(start, prev);
                let dep = maybe_expr(r, &m.syms, &pool, 60);
                let vis = maybe_expr(r, &m.syms, &pool, 30);
                let mut p = None;
                for &i in &ids {
                    fill_sym(m, r, i, p, dep.clone(), vis.clone());
                    p = Some(i);
                }
                prev = None;
                new_items.push(Item::Menu(dep, vis, ids));
            }
            Item::Choice => {
                let mut ch = m.choice.take().expect("choice");
                let start = ch.members[0];
                let pool = pool_of(start, prev);
                ch.optional = r.chance(25);
                ch.depends = maybe_expr(r, &m.syms, &pool, 40);
                ch.prompt_cond = maybe_expr(r, &m.syms, &pool, 20);
                let full: Vec<usize> = (0..start).collect();
                for _ in 0..r.below(3) {
                    let mem = r.pick(&ch.members);
                    let c = maybe_expr(r, &m.syms, &full, 60);
                    ch.defaults.push((mem, c));
                }
                for &i in &ch.members {
                    let prompt = if r.chance(30) {
                        Some(Some(gen_expr(r, &m.syms, &pool, 0)))
                    } else {
                        Some(None)
                    };
                    m.syms[i].prompt = prompt;
                    let d = maybe_expr(r, &m.syms, &pool, 25);
                    m.syms[i].depends = d;
                    m.syms[i].enclosing_dep = Some(E::ChoiceMode);
                }
                // Members may select later symbols.
                for &i in &ch.members.clone() {
                    gen_selects(m, r, i);
                }
                m.choice = Some(ch);
                prev = None;
                new_items.push(Item::Choice);
            }
        }
    }
    m.items = new_items;
}

fn pool_of(below: usize, exclude: Option<usize>) -> Vec<usize> {
    (0..below).filter(|&j| Some(j) != exclude).collect()
}

fn fill_sym(
    m: &mut Model,
    r: &mut Rng,
    i: usize,
    prev: Option<usize>,
    enclosing: Option<E>,
    visible_if: Option<E>,
) {
    let pool = pool_of(i, prev);
    let full: Vec<usize> = (0..i).collect();
    let ty = m.syms[i].ty;
    let prompt = if i == 0 || r.chance(70) {
        Some(if i > 0 && r.chance(30) {
            Some(gen_expr(r, &m.syms, &pool, 0))
        } else {
            None
        })
    } else {
        None
    };
    let depends = if i > 0 {
        maybe_expr(r, &m.syms, &pool, 40)
    } else {
        None
    };
    let n = r.below(3);
    let mut defaults = gen_defaults(m, r, i, n);
    if i == 0 {
        // MODULES: `m` would mean `m && MODULES`, a self-reference.
        defaults = vec![(Def::Expr(E::Const(2 * r.below(2) as u8)), None)];
    }
    let mut ranges = Vec::new();
    if matches!(ty, Ty::Int | Ty::Hex) {
        for _ in 0..r.below(3) {
            let lo = r.below(12) as i64;
            let hi = lo + r.below(12) as i64;
            let c = maybe_expr(r, &m.syms, &full, 50);
            ranges.push((lo, hi, c));
        }
    }
    let s = &mut m.syms[i];
    s.prompt = prompt;
    s.depends = depends;
    s.defaults = defaults;
    s.ranges = ranges;
    s.enclosing_dep = enclosing;
    s.visible_if = visible_if;
    gen_selects(m, r, i);
}

/// `n` default lines for symbol `i`, values and conditions over the
/// symbols defined before it.
fn gen_defaults(m: &Model, r: &mut Rng, i: usize, n: usize) -> Vec<(Def, Option<E>)> {
    let full: Vec<usize> = (0..i).collect();
    (0..n)
        .map(|_| {
            let d = gen_default(m, r, i, &full);
            (d, maybe_expr(r, &m.syms, &full, 50))
        })
        .collect()
}

/// A default value for symbol `i` over the symbols in `full`.
fn gen_default(m: &Model, r: &mut Rng, i: usize, full: &[usize]) -> Def {
    let ty = m.syms[i].ty;
    let same: Vec<usize> = full
        .iter()
        .copied()
        .filter(|&j| m.syms[j].ty == ty && !m.syms[j].member)
        .collect();
    match ty {
        Ty::Bool | Ty::Tri => Def::Expr(gen_expr(r, &m.syms, full, 1)),
        _ if !same.is_empty() && r.chance(25) => Def::Ref(r.pick(&same)),
        Ty::Int => Def::Lit(r.below(20).to_string()),
        Ty::Hex => Def::Lit(if r.chance(70) {
            format!("0x{:x}", r.below(40))
        } else {
            format!("{:x}", r.below(40))
        }),
        Ty::Str => Def::Lit(format!("\"{}\"", r.pick(&STRINGS))),
    }
}

/// select/imply from `i` to later non-member bool/tristate symbols.
fn gen_selects(m: &mut Model, r: &mut Rng, i: usize) {
    if !m.syms[i].ty.is_tri() {
        return;
    }
    let targets: Vec<usize> = (i + 1..m.syms.len())
        .filter(|&j| m.syms[j].ty.is_tri() && !m.syms[j].member)
        .collect();
    if targets.is_empty() {
        return;
    }
    let full: Vec<usize> = (0..i).collect();
    for imply in [false, true] {
        for _ in 0..r.below(2) {
            let t = r.pick(&targets);
            let c = maybe_expr(r, &m.syms, &full, 40);
            if imply {
                m.syms[i].implies.push((t, c));
            } else {
                m.syms[i].selects.push((t, c));
            }
        }
    }
}

// ---- Kconfig text ----

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "!=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
    }
}

fn etext(m: &Model, e: &E) -> String {
    match e {
        E::Const(v) => ["n", "m", "y"][*v as usize].to_string(),
        E::Sym(i) => m.syms[*i].name.clone(),
        E::Not(a) => format!("!({})", etext(m, a)),
        E::And(a, b) => format!("({} && {})", etext(m, a), etext(m, b)),
        E::Or(a, b) => format!("({} || {})", etext(m, a), etext(m, b)),
        E::Cmp(op, s, lit) => format!("({} {} \"{lit}\")", m.syms[*s].name, op_text(*op)),
        E::ChoiceMode => unreachable!("never printed"),
    }
}

/// `default` lines.
fn defaults_text(m: &Model, defaults: &[(Def, Option<E>)], out: &mut String) {
    for (d, c) in defaults {
        let v = match d {
            Def::Expr(e) => etext(m, e),
            Def::Lit(l) => l.clone(),
            Def::Ref(j) => m.syms[*j].name.clone(),
        };
        match c {
            Some(c) => out.push_str(&format!("\tdefault {v} if {}\n", etext(m, c))),
            None => out.push_str(&format!("\tdefault {v}\n")),
        }
    }
}

/// The `config` line, type and prompt, `depends on` and `default` lines
/// of one definition of symbol `i`.
fn def_text(
    m: &Model,
    i: usize,
    prompt: &Option<Option<E>>,
    depends: &Option<E>,
    defaults: &[(Def, Option<E>)],
    out: &mut String,
) {
    let s = &m.syms[i];
    out.push_str(&format!("config {}\n\t{}", s.name, s.ty.keyword()));
    match prompt {
        Some(Some(c)) => out.push_str(&format!(" \"{}\" if {}\n", s.name, etext(m, c))),
        Some(None) => out.push_str(&format!(" \"{}\"\n", s.name)),
        None => out.push('\n'),
    }
    if let Some(d) = depends {
        out.push_str(&format!("\tdepends on {}\n", etext(m, d)));
    }
    defaults_text(m, defaults, out);
}

fn sym_text(m: &Model, i: usize, out: &mut String) {
    let s = &m.syms[i];
    def_text(m, i, &s.prompt, &s.depends, &s.defaults, out);
    for (lo, hi, c) in &s.ranges {
        let f = |v: i64| {
            if s.ty == Ty::Hex {
                format!("0x{v:x}")
            } else {
                v.to_string()
            }
        };
        match c {
            Some(c) => out.push_str(&format!(
                "\trange {} {} if {}\n",
                f(*lo),
                f(*hi),
                etext(m, c)
            )),
            None => out.push_str(&format!("\trange {} {}\n", f(*lo), f(*hi))),
        }
    }
    for (kw, list) in [("select", &s.selects), ("imply", &s.implies)] {
        for (t, c) in list {
            match c {
                Some(c) => {
                    out.push_str(&format!("\t{kw} {} if {}\n", m.syms[*t].name, etext(m, c)))
                }
                None => out.push_str(&format!("\t{kw} {}\n", m.syms[*t].name)),
            }
        }
    }
}

fn kconfig_text(m: &Model) -> String {
    let mut out = String::from("mainmenu \"model\"\n\n");
    for item in &m.items {
        match item {
            Item::Sym(i) => sym_text(m, *i, &mut out),
            Item::If(c, ids, inner) => {
                out.push_str(&format!("if {}\n", etext(m, c)));
                for &i in ids {
                    sym_text(m, i, &mut out);
                }
                if let Some((c, ids)) = inner {
                    out.push_str(&format!("if {}\n", etext(m, c)));
                    for &i in ids {
                        sym_text(m, i, &mut out);
                    }
                    out.push_str("endif\n");
                }
                out.push_str("endif\n");
            }
            Item::Redef(i) => {
                let d = m.syms[*i].redef.as_ref().expect("filled");
                if let Some(c) = &d.enclosing_dep {
                    out.push_str(&format!("if {}\n", etext(m, c)));
                }
                def_text(m, *i, &d.prompt, &d.depends, &d.defaults, &mut out);
                if d.enclosing_dep.is_some() {
                    out.push_str("endif\n");
                }
            }
            Item::ConfigDefault(i) => {
                let d = m.syms[*i].configdefault.as_ref().expect("filled");
                if let Some(c) = &d.enclosing_dep {
                    out.push_str(&format!("if {}\n", etext(m, c)));
                }
                out.push_str(&format!("configdefault {}\n", m.syms[*i].name));
                defaults_text(m, &d.defaults, &mut out);
                if d.enclosing_dep.is_some() {
                    out.push_str("endif\n");
                }
            }
            Item::Menu(dep, vis, ids) => {
                out.push_str("menu \"M\"\n");
                if let Some(d) = dep {
                    out.push_str(&format!("\tdepends on {}\n", etext(m, d)));
                }
                if let Some(v) = vis {
                    out.push_str(&format!("\tvisible if {}\n", etext(m, v)));
                }
                for &i in ids {
                    sym_text(m, i, &mut out);
                }
                out.push_str("endmenu\n");
            }
            Item::Choice => {
                let ch = m.choice.as_ref().unwrap();
                out.push_str("choice\n");
                match &ch.prompt_cond {
                    Some(c) => out.push_str(&format!("\tprompt \"C\" if {}\n", etext(m, c))),
                    None => out.push_str("\tprompt \"C\"\n"),
                }
                if ch.optional {
                    out.push_str("\toptional\n");
                }
                if let Some(d) = &ch.depends {
                    out.push_str(&format!("\tdepends on {}\n", etext(m, d)));
                }
                for (s, c) in &ch.defaults {
                    match c {
                        Some(c) => out.push_str(&format!(
                            "\tdefault {} if {}\n",
                            m.syms[*s].name,
                            etext(m, c)
                        )),
                        None => out.push_str(&format!("\tdefault {}\n", m.syms[*s].name)),
                    }
                }
                for &i in &ch.members {
                    sym_text(m, i, &mut out);
                }
                out.push_str("endchoice\n");
            }
        }
    }
    out
}

// ---- the reference evaluator (spec §6, no caching) ----

#[derive(Clone, Debug, Default, PartialEq)]
struct UserState {
    values: std::collections::BTreeMap<usize, String>,
    choice_mode: Option<u8>,
    choice_selection: Option<usize>,
}

struct Reference<'m> {
    m: &'m Model,
    user: &'m UserState,
    tri: Vec<u8>,
    strv: Vec<String>,
    vis: Vec<u8>,
    write: Vec<bool>,
    choice_mode: u8,
    selection: Option<usize>,
}

/// Python's `int(s, base)` for the forms the generator produces.
fn py_int(s: &str, base: u32) -> Option<i64> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, s),
    };
    let (digits, radix) = match base {
        16 => (t.strip_prefix("0x").unwrap_or(t), 16),
        0 if t.starts_with("0x") => (&t[2..], 16),
        0 if t.len() > 1 && t.starts_with('0') => return None,
        _ => (t, 10),
    };
    if digits.is_empty() {
        return None;
    }
    let v = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

impl Reference<'_> {
    /// The dependency of `i`'s (first) definition after propagation (§6.1).
    fn node_dep(&self, i: usize) -> Option<E> {
        let s = &self.m.syms[i];
        and(s.depends.clone(), s.enclosing_dep.clone())
    }

    /// The dependency of `i`'s second definition, if it has one.
    fn redef_dep(&self, i: usize) -> Option<Option<E>> {
        let d = self.m.syms[i].redef.as_ref()?;
        Some(and(d.depends.clone(), d.enclosing_dep.clone()))
    }

    /// The direct dependency: the OR over the definitions (§6.1).
    fn direct_dep(&self, i: usize) -> u8 {
        let first = self.eval_opt(&self.node_dep(i));
        match self.redef_dep(i) {
            Some(d) => first.max(self.eval_opt(&d)),
            None => first,
        }
    }

    fn eval_opt(&self, e: &Option<E>) -> u8 {
        e.as_ref().map_or(2, |e| self.eval(e))
    }

    /// Value of a condition (`depends on`, `if`, …), where Kconfiglib reads
    /// `m` as `m && MODULES`.
    fn eval(&self, e: &E) -> u8 {
        self.eval_t(e, true)
    }

    /// Value of a default's value expression (`m` stays `m`).
    fn eval_value(&self, e: &E) -> u8 {
        self.eval_t(e, false)
    }

    fn eval_t(&self, e: &E, transform_m: bool) -> u8 {
        match e {
            E::Const(1) if transform_m => self.tri[0].min(1),
            E::Const(v) => *v,
            E::Sym(i) => self.tri[*i],
            E::Not(a) => 2 - self.eval_t(a, transform_m),
            E::And(a, b) => self.eval_t(a, transform_m).min(self.eval_t(b, transform_m)),
            E::Or(a, b) => self.eval_t(a, transform_m).max(self.eval_t(b, transform_m)),
            E::ChoiceMode => self.choice_mode,
            E::Cmp(op, s, lit) => {
                let sv = &self.strv[*s];
                let base = match self.m.syms[*s].ty {
                    Ty::Int => 10,
                    Ty::Hex => 16,
                    _ => 0,
                };
                // Only a string symbol against an untyped constant: the
                // numeric comparison is tried first (§4), then text.
                let ord = match (py_int(sv, base), py_int(lit, 0)) {
                    (Some(a), Some(b)) => a.cmp(&b),
                    _ => sv.as_str().cmp(lit.as_str()),
                };
                use std::cmp::Ordering::*;
                let t = match op {
                    Op::Eq => ord == Equal,
                    Op::Ne => ord != Equal,
                    Op::Lt => ord == Less,
                    Op::Le => ord != Greater,
                    Op::Gt => ord == Greater,
                    Op::Ge => ord != Less,
                };
                if t {
                    2
                } else {
                    0
                }
            }
        }
    }

    /// Effective type: tristate acts as bool while MODULES is n.
    fn is_bool_like(&self, i: usize) -> bool {
        self.m.syms[i].ty == Ty::Bool || self.tri[0] == 0
    }

    /// The max over the definitions with a prompt of the prompt's
    /// condition (§6.2).
    fn visibility(&self, i: usize) -> u8 {
        let s = &self.m.syms[i];
        let mut v = 0;
        if let Some(pc) = &s.prompt {
            let cond = and(and(pc.clone(), s.visible_if.clone()), self.node_dep(i));
            v = self.eval_opt(&cond);
        }
        if let (Some(d), Some(dep)) = (&s.redef, self.redef_dep(i)) {
            if let Some(pc) = &d.prompt {
                v = v.max(self.eval_opt(&and(pc.clone(), dep)));
            }
        }
        if v == 1 && (s.ty != Ty::Tri || self.is_bool_like(i)) {
            2
        } else {
            v
        }
    }

    /// max over (selector, condition && selector's dependency).
    fn rev(&self, i: usize, implies: bool) -> u8 {
        let mut v = 0;
        for (x, s) in self.m.syms.iter().enumerate().take(i) {
            let list = if implies { &s.implies } else { &s.selects };
            for (t, c) in list {
                if *t == i {
                    let cond = and(c.clone(), self.node_dep(x));
                    v = v.max(self.tri[x].min(self.eval_opt(&cond)));
                }
            }
        }
        v
    }

    /// The first default whose condition holds, over the definitions and
    /// `configdefault` blocks in file order: a definition's defaults are
    /// ANDed with its dependency, a `configdefault`'s with its enclosing
    /// `if` and the symbol's direct dependency (§6.9).
    fn active_defaults(&self, i: usize) -> Option<(&Def, u8)> {
        let s = &self.m.syms[i];
        // (defaults, the dependency they are ANDed with, capped by the
        // direct dependency)
        let mut lists: Vec<(&Defaults, Option<E>, bool)> =
            vec![(&s.defaults, self.node_dep(i), false)];
        for item in &self.m.items {
            match item {
                Item::Redef(j) if *j == i => {
                    let r = s.redef.as_ref().expect("filled");
                    lists.push((&r.defaults, self.redef_dep(i).flatten(), false));
                }
                Item::ConfigDefault(j) if *j == i => {
                    let cd = s.configdefault.as_ref().expect("filled");
                    lists.push((&cd.defaults, cd.enclosing_dep.clone(), true));
                }
                _ => {}
            }
        }
        let direct = self.direct_dep(i);
        lists.into_iter().find_map(|(defaults, dep, capped)| {
            defaults.iter().find_map(|(d, c)| {
                let mut cv = self.eval_opt(&and(c.clone(), dep.clone()));
                if capped {
                    cv = cv.min(direct);
                }
                (cv > 0).then_some((d, cv))
            })
        })
    }

    fn eval_sym(&mut self, i: usize) {
        let s = &self.m.syms[i];
        let vis = self.visibility(i);
        self.vis[i] = vis;
        let user = self.user.values.get(&i);
        let mut write = vis != 0;
        match s.ty {
            Ty::Bool | Ty::Tri => {
                let mut val = 0u8;
                if s.member {
                    if vis == 2 {
                        val = if self.selection == Some(i) { 2 } else { 0 };
                    }
                } else {
                    let uv = user.map(|u| match u.as_str() {
                        "y" => 2,
                        "m" => 1,
                        _ => 0,
                    });
                    match uv {
                        Some(u) if vis > 0 => val = u.min(vis),
                        _ => {
                            if let Some((Def::Expr(e), cv)) = self.active_defaults(i) {
                                val = self.eval_value(e).min(cv);
                                write |= val > 0;
                            }
                            let w = self.rev(i, true);
                            if w > 0 && self.direct_dep(i) > 0 {
                                val = val.max(w);
                                write = true;
                            }
                        }
                    }
                    let r = self.rev(i, false);
                    if r > 0 {
                        val = val.max(r);
                        write = true;
                    }
                    if val == 1 && (self.is_bool_like(i) || self.rev(i, true) == 2) {
                        val = 2;
                    }
                }
                self.tri[i] = val;
                self.strv[i] = ["n", "m", "y"][val as usize].into();
            }
            Ty::Str => {
                let mut val = String::new();
                match user {
                    Some(u) if vis > 0 => val = u.clone(),
                    _ => {
                        if let Some((d, _)) = self.active_defaults(i) {
                            val = self.def_str(d);
                            write = true;
                        }
                    }
                }
                self.strv[i] = val;
            }
            Ty::Int | Ty::Hex => {
                let base = if s.ty == Ty::Int { 10 } else { 16 };
                let dep = self.node_dep(i);
                let range = s.ranges.iter().find_map(|(lo, hi, c)| {
                    (self.eval_opt(&and(c.clone(), dep.clone())) > 0).then_some((*lo, *hi))
                });
                let mut val = String::new();
                let mut from_user = false;
                if let (Some(u), true) = (user, vis > 0) {
                    let uv = py_int(u, base).unwrap();
                    if range.is_none_or(|(l, h)| l <= uv && uv <= h) {
                        val = u.clone();
                        from_user = true;
                    }
                }
                if !from_user {
                    let mut num = 0;
                    if let Some((d, _)) = self.active_defaults(i) {
                        val = self.def_str(d);
                        num = py_int(&val, base).unwrap_or(0);
                        write = true;
                    }
                    if let Some((l, h)) = range {
                        let clamp = if num < l {
                            Some(l)
                        } else if num > h {
                            Some(h)
                        } else {
                            None
                        };
                        if let Some(c) = clamp {
                            val = if base == 10 {
                                c.to_string()
                            } else if c < 0 {
                                format!("-0x{:x}", -c)
                            } else {
                                format!("0x{c:x}")
                            };
                        }
                    }
                }
                self.strv[i] = val;
            }
        }
        self.write[i] = write;
    }

    fn def_str(&self, d: &Def) -> String {
        match d {
            Def::Lit(l) => l.trim_matches('"').to_string(),
            Def::Ref(j) => self.strv[*j].clone(),
            Def::Expr(e) => ["n", "m", "y"][self.eval_value(e) as usize].into(),
        }
    }

    /// Mode and selection of the choice (§6.6), once the symbols before it
    /// are known.
    fn eval_choice(&mut self, ch: &Choice) {
        let vis = self.eval_opt(&and(ch.prompt_cond.clone(), ch.depends.clone()));
        let vis = if vis == 1 { 2 } else { vis }; // a bool choice
        let mut mode = if ch.optional { 0 } else { 1 };
        if let Some(u) = self.user.choice_mode {
            mode = mode.max(u);
        }
        mode = mode.min(vis);
        if mode == 1 {
            mode = 2;
        }
        self.choice_mode = mode;
        self.selection = None;
        if mode != 2 {
            return;
        }
        let member_vis: Vec<u8> = ch.members.iter().map(|&i| self.visibility(i)).collect();
        let visible = |s: usize| member_vis[ch.members.iter().position(|&x| x == s).unwrap()] > 0;
        if let Some(u) = self.user.choice_selection.filter(|&u| visible(u)) {
            self.selection = Some(u);
            return;
        }
        for (s, c) in &ch.defaults {
            if self.eval_opt(&and(c.clone(), ch.depends.clone())) > 0 && visible(*s) {
                self.selection = Some(*s);
                return;
            }
        }
        self.selection = ch.members.iter().copied().find(|&s| visible(s));
    }

    fn run(m: &Model, user: &UserState) -> (Vec<String>, Vec<u8>, Vec<String>, u8, Option<usize>) {
        let n = m.syms.len();
        let mut r = Reference {
            m,
            user,
            tri: vec![0; n],
            strv: vec![String::new(); n],
            vis: vec![0; n],
            write: vec![false; n],
            choice_mode: 0,
            selection: None,
        };
        for i in 0..n {
            if let Some(ch) = &m.choice {
                if ch.members[0] == i {
                    r.eval_choice(ch);
                }
            }
            r.eval_sym(i);
        }
        let lines = (0..n)
            .map(|i| {
                let s = &m.syms[i];
                if !r.write[i] {
                    return String::new();
                }
                let v = &r.strv[i];
                match s.ty {
                    Ty::Bool | Ty::Tri if v == "n" => format!("# CONFIG_{} is not set\n", s.name),
                    Ty::Str => format!("CONFIG_{}=\"{v}\"\n", s.name),
                    _ => format!("CONFIG_{}={v}\n", s.name),
                }
            })
            .collect();
        (r.strv, r.vis, lines, r.choice_mode, r.selection)
    }
}

// ---- user-value operations ----

#[derive(Clone, Debug)]
enum Action {
    Set(usize, String),
    Unset(usize),
    ChoiceY,
    ChoiceUnset,
}

fn random_value(r: &mut Rng, ty: Ty) -> String {
    match ty {
        Ty::Bool => r.pick(&["n", "y"]).into(),
        Ty::Tri => r.pick(&["n", "m", "y"]).into(),
        Ty::Int => r.pick(&["0", "3", "7", "12", "-2", "25"]).into(),
        Ty::Hex => r.pick(&["0x0", "0x5", "a", "0x1f", "100"]).into(),
        Ty::Str => r.pick(&STRINGS).into(),
    }
}

fn random_actions(r: &mut Rng, m: &Model) -> Vec<Action> {
    let n = m.syms.len();
    (0..1 + r.below(8))
        .map(|_| {
            let k = r.below(100);
            if m.choice.is_some() && k < 8 {
                Action::ChoiceY
            } else if m.choice.is_some() && k < 12 {
                Action::ChoiceUnset
            } else if k < 30 {
                Action::Unset(r.below(n))
            } else {
                let i = r.below(n);
                Action::Set(i, random_value(r, m.syms[i].ty))
            }
        })
        .collect()
}

fn apply_model(m: &Model, u: &mut UserState, a: &Action) {
    match a {
        Action::Set(i, v) => {
            u.values.insert(*i, v.clone());
            if m.syms[*i].member && v == "y" {
                u.choice_selection = Some(*i);
            }
        }
        Action::Unset(i) => {
            u.values.remove(i);
            if u.choice_selection == Some(*i) {
                u.choice_selection = None;
            }
        }
        Action::ChoiceY => u.choice_mode = Some(2),
        Action::ChoiceUnset => {
            u.choice_mode = None;
            u.choice_selection = None;
        }
    }
}

fn apply_crate(cfg: &mut Config<'_>, ids: &[SymId], a: &Action) {
    match a {
        Action::Set(i, v) => assert!(cfg.set_value(ids[*i], v), "set_value rejected {v}"),
        Action::Unset(i) => {
            cfg.unset_value(ids[*i]);
        }
        Action::ChoiceY => assert!(cfg.set_choice_value(ChoiceId(0), "y")),
        Action::ChoiceUnset => cfg.unset_choice_value(ChoiceId(0)),
    }
}

fn values(cfg: &mut Config<'_>, ids: &[SymId]) -> Vec<String> {
    ids.iter().map(|&s| cfg.sym_str(s).to_string()).collect()
}

fn check(seed: u64) -> Result<(), TestCaseError> {
    let m = build(seed);
    let text = kconfig_text(&m);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Kconfig"), &text).unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.base_dir = Some(dir.path().to_path_buf());
    let kc = load(o).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    let mut cfg = Config::new(&kc);
    prop_assert_eq!(cfg.dependency_loop(), None, "{}", text);
    let ids: Vec<SymId> = m
        .syms
        .iter()
        .map(|s| kc.symbols.lookup(&s.name).expect("defined"))
        .collect();
    let fresh_config = cfg.config_text("");
    let mut r = Rng(seed.rotate_left(17) | 1);
    let actions = random_actions(&mut r, &m);
    let mut user = UserState::default();
    // Check the initial state too (no user values).
    for step in 0..=actions.len() {
        if step > 0 {
            let a = &actions[step - 1];
            apply_model(&m, &mut user, a);
            apply_crate(&mut cfg, &ids, a);
        }
        let (strv, vis, lines, mode, sel) = Reference::run(&m, &user);
        if step < actions.len() && r.chance(50) {
            // Read one value only, so that the next change meets a partly
            // filled cache.
            let i = r.below(ids.len());
            prop_assert_eq!(&*cfg.sym_str(ids[i]), strv[i].as_str(), "{}", text);
            continue;
        }
        for (i, &s) in ids.iter().enumerate() {
            let ctx = || {
                format!(
                    "symbol {} after {:?}\n{}",
                    m.syms[i].name,
                    &actions[..step],
                    text
                )
            };
            prop_assert_eq!(&*cfg.sym_str(s), strv[i].as_str(), "value of {}", ctx());
            prop_assert_eq!(cfg.sym_visibility(s), vis[i], "visibility of {}", ctx());
            prop_assert_eq!(cfg.config_string(s), lines[i].clone(), "line of {}", ctx());
        }
        if m.choice.is_some() {
            let c = ChoiceId(0);
            prop_assert_eq!(cfg.choice_tri(c), mode, "choice mode\n{}", text);
            let want = sel.map(|i| ids[i]);
            prop_assert_eq!(cfg.choice_selection(c), want, "selection\n{}", text);
        }
    }
    // Setting then unsetting a symbol without a user value restores
    // everything.
    let before_text = cfg.config_text("");
    let before_vals = values(&mut cfg, &ids);
    let candidates: Vec<usize> = (0..ids.len())
        .filter(|&i| !user.values.contains_key(&i))
        .filter(|&i| !m.syms[i].member || user.choice_selection.is_none())
        .collect();
    if !candidates.is_empty() {
        let i = r.pick(&candidates);
        let v = random_value(&mut r, m.syms[i].ty);
        prop_assert!(cfg.set_value(ids[i], &v));
        let _ = cfg.config_text("");
        prop_assert!(cfg.unset_value(ids[i]));
        prop_assert_eq!(
            cfg.config_text(""),
            before_text,
            "set/unset {}\n{}",
            i,
            text
        );
        prop_assert_eq!(values(&mut cfg, &ids), before_vals);
    }
    cfg.unset_values();
    prop_assert_eq!(cfg.config_text(""), fresh_config, "unset_values\n{}", text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn evaluator_agrees_with_the_model(seed in any::<u64>()) {
        check(seed)?;
    }
}

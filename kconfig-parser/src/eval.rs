//! Evaluation with Kconfiglib's semantics.
//!
//! [`Config::new`] finalizes the parsed tree the way Kconfiglib does after
//! parsing (dependency propagation from menus/ifs/choices into prompts,
//! defaults, selects, implies and ranges; implicit submenus; removal of `if`
//! nodes; choice membership and types; reverse dependencies). Values are
//! computed lazily and cached; user values come from configuration files
//! ([`Config::load_config`]). Writers produce `.config`, `autoconf.h` and the
//! minimal configuration byte for byte like Kconfiglib.
//!
//! This module holds the types; `Config`'s methods are split by concern:
//! `finalize` (the tree as Kconfiglib prepares it, sanity warnings),
//! `deploop` (dependency-loop check and report), `value` (values,
//! visibility, choices), `user` (user values, configuration files),
//! `incremental` (recomputation after a change), `inspect` (what the API
//! reports besides values: definitions, menu tree, assignable values) and
//! `write` (`.config`, `autoconf.h`, minimal configuration).

use crate::ast::{ChoiceId, Kconfig, NodeId, NodeKind, Span, Type};
use crate::expr::{CmpOp, Expr, ExprArena, ExprId};
use crate::symbol::SymId;

mod deploop;
mod finalize;
mod incremental;
mod inspect;
mod user;
mod value;
mod write;

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

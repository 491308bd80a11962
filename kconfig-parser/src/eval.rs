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
///
/// Kconfiglib validates and compares int/hex values with Python's `int()`,
/// so this accepts what it accepts: surrounding whitespace, a sign, `_`
/// between digits (and after a base prefix), and decimal digits of any
/// script (`"١٢"` is 12; a configuration file may hold such a value and it
/// is kept as written).
pub fn parse_int(s: &str, base: u32) -> Option<i128> {
    let t = s.trim_matches(py_is_space);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (digits, radix, had_prefix) = match base {
        16 => match prefixed(t, ["0x", "0X"]) {
            Some(r) => (r, 16, true),
            None => (t, 16, false),
        },
        0 => {
            if let Some(r) = prefixed(t, ["0x", "0X"]) {
                (r, 16, true)
            } else if let Some(r) = prefixed(t, ["0o", "0O"]) {
                (r, 8, true)
            } else if let Some(r) = prefixed(t, ["0b", "0B"]) {
                (r, 2, true)
            } else {
                (t, 10, false)
            }
        }
        _ => (t, 10, false),
    };
    let digits = match digits.strip_prefix('_') {
        Some(r) if had_prefix => r,
        _ => digits,
    };
    if digits.is_empty()
        || digits.ends_with('_')
        || digits.starts_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut v: i128 = 0;
    let mut leading_zero_rule_broken = false;
    let mut first_digit = None;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = digit_value(c)?;
        if d >= radix {
            return None;
        }
        match first_digit {
            None => first_digit = Some(d),
            Some(0) if d != 0 => leading_zero_rule_broken = true,
            _ => {}
        }
        v = v.checked_mul(radix as i128)?.checked_add(d as i128)?;
    }
    // Base 0 rejects a decimal literal with leading zeros ("010").
    if base == 0 && radix == 10 && leading_zero_rule_broken {
        return None;
    }
    Some(if neg { -v } else { v })
}

fn prefixed<'a>(t: &'a str, p: [&str; 2]) -> Option<&'a str> {
    t.strip_prefix(p[0]).or_else(|| t.strip_prefix(p[1]))
}

/// Python's `str.isspace` (Rust's `char::is_whitespace` plus the four
/// information separators U+001C..U+001F).
pub fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The value of a digit as Python's `int()` reads it: ASCII letters for
/// bases above 10, any Unicode decimal digit (category Nd) for 0-9.
fn digit_value(c: char) -> Option<u32> {
    if c.is_ascii() {
        return c.to_digit(36);
    }
    let cp = c as u32;
    // First code point (the zero) of each run of ten decimal digits in
    // Unicode 14 (the version of the Python that runs Kconfiglib in Zephyr).
    const ZEROS: [u32; 65] = [
        0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
        0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
        0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
        0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
        0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0,
        0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
    ];
    let i = ZEROS.partition_point(|&z| z <= cp);
    let zero = *ZEROS.get(i.checked_sub(1)?)?;
    (cp - zero < 10).then_some(cp - zero)
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

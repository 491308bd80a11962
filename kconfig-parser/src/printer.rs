//! Printing a parsed tree back to Kconfig text.
//!
//! The output parses back to the same tree (same nodes, properties and
//! expression shapes): a left operand that is itself a chain of the same
//! operator is parenthesized, and the `m && MODULES` that conditions get for
//! a written `m` is printed as `m`. Sourced files are inlined.

use crate::ast::{Kconfig, NodeId, NodeKind};
use crate::expr::{Expr, ExprId};
use crate::symbol::SymId;
use std::fmt::Write;

/// The whole tree as one Kconfig text.
pub fn print(kc: &Kconfig) -> String {
    let mut out = String::new();
    let top = kc.node(NodeId(0));
    if let Some(p) = &top.prompt {
        if p.text != "Main menu" {
            let _ = writeln!(out, "mainmenu {}", quote(&p.text));
        }
    }
    for &c in &top.children {
        print_node(kc, c, &mut out);
    }
    out
}

/// A quoted string that the lexer reads back to `s`.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$') {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

fn sym_text(kc: &Kconfig, s: SymId) -> String {
    let name = kc.symbols.name(s);
    if kc.symbols.is_const(s) && !matches!(name, "n" | "m" | "y") {
        quote(name)
    } else {
        name.to_string()
    }
}

/// An expression as text that parses back to the same shape. `cond` says
/// whether it is a condition (where a written `m` means `m && MODULES`).
pub fn expr_text(kc: &Kconfig, e: ExprId, cond: bool) -> String {
    let mut s = String::new();
    write_expr(kc, e, cond, &mut s);
    s
}

fn write_expr(kc: &Kconfig, e: ExprId, cond: bool, out: &mut String) {
    match kc.exprs.get(e) {
        Expr::Sym(s) => out.push_str(&sym_text(kc, s)),
        Expr::Cmp(op, a, b) => {
            let _ = write!(
                out,
                "{} {} {}",
                sym_text(kc, a),
                op.as_str(),
                sym_text(kc, b)
            );
        }
        Expr::Not(a) => {
            out.push('!');
            write_factor(kc, a, cond, out);
        }
        Expr::And(a, b) => {
            if cond && is_m_modules(kc, e) {
                out.push('m');
                return;
            }
            write_operand(kc, a, true, cond, out);
            out.push_str(" && ");
            write_right(kc, b, true, cond, out);
        }
        Expr::Or(a, b) => {
            write_operand(kc, a, false, cond, out);
            out.push_str(" || ");
            write_right(kc, b, false, cond, out);
        }
    }
}

fn is_m_modules(kc: &Kconfig, e: ExprId) -> bool {
    matches!(kc.exprs.get(e), Expr::And(a, b)
        if kc.exprs.get(a) == Expr::Sym(SymId::M) && kc.exprs.get(b) == Expr::Sym(SymId::MODULES))
}

fn write_factor(kc: &Kconfig, e: ExprId, cond: bool, out: &mut String) {
    match kc.exprs.get(e) {
        Expr::Sym(_) | Expr::Not(_) => write_expr(kc, e, cond, out),
        Expr::And(..) if cond && is_m_modules(kc, e) => out.push('m'),
        _ => {
            out.push('(');
            write_expr(kc, e, cond, out);
            out.push(')');
        }
    }
}

fn write_operand(kc: &Kconfig, e: ExprId, _and: bool, cond: bool, out: &mut String) {
    let paren = match kc.exprs.get(e) {
        Expr::And(..) => !(cond && is_m_modules(kc, e)),
        Expr::Or(..) => true,
        _ => false,
    };
    if paren {
        out.push('(');
        write_expr(kc, e, cond, out);
        out.push(')');
    } else {
        write_expr(kc, e, cond, out);
    }
}

fn write_right(kc: &Kconfig, e: ExprId, and: bool, cond: bool, out: &mut String) {
    let paren = match kc.exprs.get(e) {
        Expr::And(..) => !(and || cond && is_m_modules(kc, e)),
        Expr::Or(..) => and,
        _ => false,
    };
    if paren {
        out.push('(');
        write_expr(kc, e, cond, out);
        out.push(')');
    } else if and && cond && is_m_modules(kc, e) {
        // `X && m` would parse as And(X, m&&MODULES): print the same.
        out.push('m');
    } else {
        write_expr(kc, e, cond, out);
    }
}

fn cond_suffix(kc: &Kconfig, c: ExprId) -> String {
    if c == ExprId::Y {
        String::new()
    } else {
        format!(" if {}", expr_text(kc, c, true))
    }
}

fn print_props(kc: &Kconfig, id: NodeId, out: &mut String) {
    let n = kc.node(id);
    let is_menu_or_comment = matches!(n.kind, NodeKind::Menu | NodeKind::Comment);
    if let Some(t) = n.ty {
        let _ = writeln!(out, "\t{}", t.keyword());
    }
    if !is_menu_or_comment {
        if let Some(p) = &n.prompt {
            let _ = writeln!(
                out,
                "\tprompt {}{}",
                quote(&p.text),
                cond_suffix(kc, p.cond)
            );
        }
    }
    if n.dep != ExprId::Y {
        let _ = writeln!(out, "\tdepends on {}", expr_text(kc, n.dep, true));
    }
    if n.visible_if != ExprId::Y {
        let _ = writeln!(out, "\tvisible if {}", expr_text(kc, n.visible_if, true));
    }
    let o = &n.options;
    // `option env` is printed where it was written among the defaults; the
    // default it added is not a written `default` line.
    let env_at = o.env.as_ref().map(|_| o.env_at as usize);
    for (i, d) in kc.defaults(n).iter().enumerate() {
        if env_at == Some(i) {
            print_env_option(out, o);
            if o.env_default {
                continue;
            }
        }
        let _ = writeln!(
            out,
            "\tdefault {}{}",
            expr_text(kc, d.value, false),
            cond_suffix(kc, d.cond)
        );
    }
    if env_at.is_some_and(|i| i >= kc.defaults(n).len()) {
        print_env_option(out, o);
    }
    for s in kc.selects(n) {
        let _ = writeln!(
            out,
            "\tselect {}{}",
            sym_text(kc, s.target),
            cond_suffix(kc, s.cond)
        );
    }
    for s in kc.implies(n) {
        let _ = writeln!(
            out,
            "\timply {}{}",
            sym_text(kc, s.target),
            cond_suffix(kc, s.cond)
        );
    }
    for r in kc.ranges(n) {
        let _ = writeln!(
            out,
            "\trange {} {}{}",
            sym_text(kc, r.low),
            sym_text(kc, r.high),
            cond_suffix(kc, r.cond)
        );
    }
    if o.defconfig_list {
        out.push_str("\toption defconfig_list\n");
    }
    if o.modules {
        out.push_str("\toption modules\n");
    }
    if o.allnoconfig_y {
        out.push_str("\toption allnoconfig_y\n");
    }
    if o.optional {
        out.push_str("\toptional\n");
    }
    if o.transitional {
        out.push_str("\ttransitional\n");
    }
    if let Some(h) = &n.help {
        out.push_str("\thelp\n");
        for line in h.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "\t  {line}");
            }
        }
    }
}

fn print_node(kc: &Kconfig, id: NodeId, out: &mut String) {
    let n = kc.node(id);
    match n.kind {
        NodeKind::Top => {}
        NodeKind::Config { sym, menuconfig } => {
            let kw = if menuconfig { "menuconfig" } else { "config" };
            let _ = writeln!(out, "{kw} {}", kc.symbols.name(sym));
            print_props(kc, id, out);
        }
        NodeKind::ConfigDefault { sym } => {
            let _ = writeln!(out, "configdefault {}", kc.symbols.name(sym));
            print_props(kc, id, out);
        }
        NodeKind::Choice(c) => {
            match &kc.choices[c.0 as usize].name {
                Some(name) => {
                    let _ = writeln!(out, "choice {name}");
                }
                None => out.push_str("choice\n"),
            }
            print_props(kc, id, out);
            for &c in &n.children {
                print_node(kc, c, out);
            }
            out.push_str("endchoice\n");
        }
        NodeKind::Menu => {
            let title = n.prompt.as_ref().map(|p| p.text.as_str()).unwrap_or("");
            let _ = writeln!(out, "menu {}", quote(title));
            print_props(kc, id, out);
            for &c in &n.children {
                print_node(kc, c, out);
            }
            out.push_str("endmenu\n");
        }
        NodeKind::Comment => {
            let title = n.prompt.as_ref().map(|p| p.text.as_str()).unwrap_or("");
            let _ = writeln!(out, "comment {}", quote(title));
            print_props(kc, id, out);
        }
        NodeKind::If => {
            let _ = writeln!(out, "if {}", expr_text(kc, n.dep, true));
            for &c in &n.children {
                print_node(kc, c, out);
            }
            out.push_str("endif\n");
        }
    }
}

fn print_env_option(out: &mut String, o: &crate::ast::Options) {
    if let Some(e) = &o.env {
        let _ = writeln!(out, "\toption env={}", quote(e));
    }
}

//! "Why does FOO have this value?": a readable account of one symbol's
//! value from its user value, prompts, direct dependencies, selects,
//! implies, defaults and ranges, each with its current value.

use crate::eval::{Config, UserValue};
use crate::symbol::SymId;
use std::fmt::Write;

fn tri(v: u8) -> &'static str {
    ["n", "m", "y"][v as usize]
}

/// The explanation text for `s` (several lines, ending with a newline).
pub fn explain(cfg: &mut Config<'_>, s: SymId) -> String {
    let kc = cfg.kconfig();
    let mut out = String::new();
    let _ = writeln!(out, "{}", cfg.name_and_loc_of(s));
    if cfg.definition_nodes(s).is_empty() {
        let _ = writeln!(
            out,
            "  not defined by any Kconfig file: its value is its own name"
        );
        return out;
    }
    let ty = cfg
        .orig_type_of(s)
        .map(|t| t.keyword())
        .unwrap_or("unknown");
    let value = cfg.sym_str(s).to_string();
    let _ = writeln!(out, "  type {ty}, value {value:?}");
    if let Some(c) = cfg.choice_of(s) {
        let sel = cfg.choice_selection(c);
        let mode = cfg.choice_tri(c);
        let _ = writeln!(
            out,
            "  member of a choice in mode {}; selection: {}",
            tri(mode),
            sel.map(|x| kc.symbols.name(x)).unwrap_or("none")
        );
    }
    match cfg.user_value(s) {
        Some(u) => {
            let u = match u {
                UserValue::Tri(t) => tri(t).to_string(),
                UserValue::Str(x) => x,
            };
            let took = if u == value { "took" } else { "did not take" };
            let _ = writeln!(out, "  user value {u:?} ({took})");
        }
        None => {
            let _ = writeln!(out, "  no user value");
        }
    }
    let vis = cfg.sym_visibility(s);
    let _ = writeln!(out, "  visibility {}", tri(vis));
    let prompts = cfg.prompt_conds(s);
    if prompts.is_empty() {
        let _ = writeln!(
            out,
            "    no prompt: not user-configurable, the value comes from defaults and selects"
        );
    }
    for (n, c) in prompts {
        let v = cfg.expr_value(c);
        let _ = writeln!(
            out,
            "    prompt {:?} at {}: condition {} (={})",
            kc.node(n)
                .prompt
                .as_ref()
                .map(|p| p.text.as_str())
                .unwrap_or(""),
            kc.loc_str(kc.node(n).loc),
            cfg.expr_text(c),
            tri(v)
        );
    }
    let dd = cfg.direct_dep(s);
    let ddv = cfg.expr_value(dd);
    let _ = writeln!(
        out,
        "  direct dependencies: {} (={})",
        cfg.expr_text(dd),
        tri(ddv)
    );
    let user_tri = match cfg.user_value(s) {
        Some(UserValue::Tri(t)) => Some(t),
        _ => None,
    };
    let missing = crate::zephyr::missing_deps(cfg, s, user_tri.or(Some(2)));
    if !missing.is_empty() && ddv < 2 {
        let _ = writeln!(out, "    unsatisfied: {}", missing.join(", "));
    }
    for (implies, what) in [(false, "selected by"), (true, "implied by")] {
        let rd = cfg.reverse_deps(s, implies);
        if rd.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {what}:");
        for (x, c, v) in rd {
            let xv = cfg.sym_str(x).to_string();
            let cond = if c == crate::expr::ExprId::Y {
                String::new()
            } else {
                format!(" if {}", cfg.expr_text(c))
            };
            let _ = writeln!(
                out,
                "    {} (={xv}){cond} -> {}",
                kc.symbols.name(x),
                tri(v)
            );
        }
    }
    let defaults = cfg.defaults_of(s);
    if !defaults.is_empty() {
        let _ = writeln!(out, "  defaults (the first active one applies):");
        let mut active_seen = false;
        for (d, c) in defaults {
            let cv = cfg.expr_value(c);
            let dv = match cfg.exprs().get(d) {
                crate::expr::Expr::Sym(x) if x.index() < kc.symbols.len() => {
                    cfg.sym_str(x).to_string()
                }
                _ => tri(cfg.expr_value(d)).to_string(),
            };
            let mark = if cv > 0 && !active_seen {
                active_seen = true;
                "  <- active"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {} (={dv}) if {} (={}){mark}",
                cfg.expr_text(d),
                cfg.expr_text(c),
                tri(cv)
            );
        }
    }
    out
}

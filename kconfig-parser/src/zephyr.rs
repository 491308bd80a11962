//! Zephyr's configuration policy (its `scripts/kconfig/kconfig.py`), as a
//! layer over the evaluator: which warnings are on while loading fragments,
//! and the checks run after the last fragment.
//!
//! * assignments to undefined symbols warn; "set more than once" warnings are
//!   off (a `prj.conf` may override the board's defconfig);
//! * assigning a symbol without a prompt is an error;
//! * a symbol whose value differs from the value assigned warns, naming the
//!   top-level `&&` operands of its direct dependency that are too low;
//! * a choice whose user selection lost warns;
//! * symbols selecting `DEPRECATED`/`EXPERIMENTAL` warn when
//!   `WARN_DEPRECATED`/`WARN_EXPERIMENTAL` are y.
//!
//! Zephyr turns every warning into a build error.

use crate::eval::{Config, UserValue};
use crate::expr::Expr;
use crate::symbol::SymId;

/// How serious a policy message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Zephyr aborts immediately.
    Error,
    /// Zephyr aborts at the end ("Aborting due to Kconfig warnings").
    Warning,
}

/// One message of the policy checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMessage {
    /// Error or warning.
    pub severity: Severity,
    /// The symbol concerned.
    pub symbol: String,
    /// Text (without the `error:`/`warning:` prefix).
    pub text: String,
}

impl std::fmt::Display for PolicyMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{p}: {}", self.text)
    }
}

fn hint(name: &str) -> String {
    format!(
        "See http://docs.zephyrproject.org/latest/kconfig.html#CONFIG_{name} and/or look up \
         {name} in the menuconfig/guiconfig interface."
    )
}

/// Sets the warning switches Zephyr uses while loading fragments.
pub fn configure(cfg: &mut Config<'_>) {
    cfg.assign_warnings = crate::eval::AssignWarnings::ZEPHYR;
}

/// Runs Zephyr's checks after all fragments are loaded.
pub fn check(cfg: &mut Config<'_>) -> Vec<PolicyMessage> {
    let kc = cfg.kconfig();
    let mut out = Vec::new();
    let defined = cfg.unique_defined_symbols().to_vec();
    // Promptless assignments.
    for &s in &defined {
        if cfg.user_value(s).is_some()
            && !cfg
                .definition_nodes(s)
                .iter()
                .any(|n| kc.node(*n).prompt.is_some())
        {
            let name = kc.symbols.name(s).to_string();
            out.push(PolicyMessage {
                severity: Severity::Error,
                text: format!(
                    "{} is assigned in a configuration file, but is not directly user-configurable \
                     (has no prompt). It gets its value indirectly from other symbols. {}",
                    cfg.name_and_loc_of(s),
                    hint(&name)
                ),
                symbol: name,
            });
        }
    }
    // Values that did not take.
    for &s in &defined {
        if cfg.choice_of(s).is_some() {
            continue;
        }
        let Some(user) = cfg.user_value(s) else {
            continue;
        };
        let (user_str, user_tri) = match &user {
            UserValue::Tri(t) => (["n", "m", "y"][*t as usize].to_string(), Some(*t)),
            UserValue::Str(x) => (x.clone(), None),
        };
        let value = cfg.sym_str(s).to_string();
        if user_str == value {
            continue;
        }
        let mut msg = format!(
            "{} was assigned the value '{user_str}' but got the value '{value}'. ",
            cfg.name_and_loc_of(s)
        );
        let missing = missing_deps(cfg, s, user_tri);
        if !missing.is_empty() {
            msg.push_str("Check these unsatisfied dependencies: ");
            msg.push_str(&missing.join(", "));
            msg.push_str(". ");
        }
        let name = kc.symbols.name(s).to_string();
        msg.push_str(&hint(&name));
        out.push(PolicyMessage {
            severity: Severity::Warning,
            symbol: name,
            text: msg,
        });
    }
    // Choice selections that lost.
    for i in 0..kc.choices.len() {
        let c = crate::ast::ChoiceId(i as u32);
        let Some(u) = cfg.choice_user_selection(c) else {
            continue;
        };
        let sel = cfg.choice_selection(c);
        if sel == Some(u) {
            continue;
        }
        let name = kc.symbols.name(u).to_string();
        out.push(PolicyMessage {
            severity: Severity::Warning,
            text: format!(
                "The choice symbol {} was selected (set =y), but {} ended up as the choice selection. {}",
                cfg.name_and_loc_of(u),
                sel.map(|s| cfg.name_and_loc_of(s))
                    .unwrap_or_else(|| "no symbol".into()),
                hint(&name)
            ),
            symbol: name,
        });
    }
    // Deprecated / experimental selectors.
    for (flag, target, what) in [
        ("WARN_DEPRECATED", "DEPRECATED", "Deprecated"),
        ("WARN_EXPERIMENTAL", "EXPERIMENTAL", "Experimental"),
    ] {
        let on = match kc.symbols.lookup(flag) {
            Some(f) => cfg.sym_tri(f) == 2,
            None => true,
        };
        let Some(t) = kc.symbols.lookup(target) else {
            continue;
        };
        if !on {
            continue;
        }
        for sel in cfg.selectors_at(t, 2) {
            let name = kc.symbols.name(sel).to_string();
            out.push(PolicyMessage {
                severity: Severity::Warning,
                text: format!("{what} symbol {name} is enabled."),
                symbol: name,
            });
        }
    }
    out
}

/// The top-level `&&` operands of `s`'s direct dependency that are below
/// the assigned value (for bool/tristate) or n (other types), as
/// `EXPR (=v)` texts; non-symbol operands are parenthesized.
pub fn missing_deps(cfg: &mut Config<'_>, s: SymId, user_tri: Option<u8>) -> Vec<String> {
    let dd = cfg.direct_dep(s);
    let ops = cfg.exprs().split(dd, true);
    let mut out = Vec::new();
    for e in ops {
        let v = cfg.expr_value(e);
        let bad = match user_tri {
            Some(u) => v < u,
            None => v == 0,
        };
        if !bad {
            continue;
        }
        let mut t = cfg.expr_text(e);
        if !matches!(cfg.exprs().get(e), Expr::Sym(_)) {
            t = format!("({t})");
        }
        out.push(format!("{t} (={})", ["n", "m", "y"][v as usize]));
    }
    out
}

//! Property tests: expressions parse with the right precedence (checked by
//! evaluating against a reference tristate evaluator), and printing a parsed
//! tree back to text and parsing it again gives the same tree.

use kconfig_parser::{load, parse_expression, Expr, ExprId, Kconfig, LoadOptions, SymId};
use proptest::prelude::*;

/// A reference expression model.
#[derive(Debug, Clone)]
enum E {
    Sym(usize),
    Not(Box<E>),
    And(Box<E>, Box<E>),
    Or(Box<E>, Box<E>),
}

const NAMES: [&str; 5] = ["A", "B", "C", "D", "E"];

fn arb_expr() -> impl Strategy<Value = E> {
    let leaf = (0..NAMES.len()).prop_map(E::Sym);
    leaf.prop_recursive(6, 40, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| E::Not(Box::new(e))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| E::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| E::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// Prints with the fewest parentheses the precedence rules allow
/// (`!` > `&&` > `||`), so the parser's precedence decides the meaning.
fn print_min(e: &E, ctx: u8) -> String {
    // ctx: 0 = top/or operand, 1 = and operand, 2 = not operand
    match e {
        E::Sym(i) => NAMES[*i].to_string(),
        E::Not(a) => format!("!{}", print_min(a, 2)),
        E::And(a, b) => {
            let s = format!("{} && {}", print_min(a, 1), print_min(b, 1));
            if ctx >= 2 {
                format!("({s})")
            } else {
                s
            }
        }
        E::Or(a, b) => {
            let s = format!("{} || {}", print_min(a, 0), print_min(b, 0));
            if ctx >= 1 {
                format!("({s})")
            } else {
                s
            }
        }
    }
}

fn eval_model(e: &E, vals: &[u8]) -> u8 {
    match e {
        E::Sym(i) => vals[*i],
        E::Not(a) => 2 - eval_model(a, vals),
        E::And(a, b) => eval_model(a, vals).min(eval_model(b, vals)),
        E::Or(a, b) => eval_model(a, vals).max(eval_model(b, vals)),
    }
}

fn eval_parsed(kc: &Kconfig, e: ExprId, vals: &[u8]) -> u8 {
    match kc.exprs.get(e) {
        Expr::Sym(s) => {
            let name = kc.symbols.name(s);
            NAMES
                .iter()
                .position(|n| *n == name)
                .map(|i| vals[i])
                .unwrap_or(if s == SymId::Y { 2 } else { 0 })
        }
        Expr::Not(a) => 2 - eval_parsed(kc, a, vals),
        Expr::And(a, b) => eval_parsed(kc, a, vals).min(eval_parsed(kc, b, vals)),
        Expr::Or(a, b) => eval_parsed(kc, a, vals).max(eval_parsed(kc, b, vals)),
        Expr::Cmp(..) => panic!("no comparisons generated"),
    }
}

fn empty_tree() -> Kconfig {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Kconfig"), "").unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.base_dir = Some(dir.path().to_path_buf());
    load(o).unwrap()
}

fn arb_cond() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(arb_expr().prop_map(|e| print_min(&e, 0)))
}

fn if_suffix(c: &Option<String>) -> String {
    c.as_ref().map(|c| format!(" if {c}")).unwrap_or_default()
}

/// Random Kconfig text: configs with types, prompts, defaults, selects,
/// ranges, depends, help; menus, choices, ifs and comments around them.
fn arb_entry() -> impl Strategy<Value = String> {
    let config = (
        0..NAMES.len(),
        prop_oneof![
            Just("bool"),
            Just("tristate"),
            Just("int"),
            Just("hex"),
            Just("string")
        ],
        proptest::option::of(("[a-z ]{1,12}", arb_cond())),
        proptest::collection::vec((arb_expr(), arb_cond()), 0..3),
        proptest::option::of(arb_expr()),
        proptest::collection::vec((0..NAMES.len(), arb_cond()), 0..2),
        proptest::option::of(proptest::collection::vec(
            "[a-z]{1,6}( [a-z]{1,6}){0,3}",
            1..4,
        )),
        any::<bool>(),
    )
        .prop_map(
            |(n, ty, prompt, defaults, dep, selects, help, menuconfig)| {
                let mut s = format!(
                    "{} {}_SYM\n\t{ty}",
                    if menuconfig { "menuconfig" } else { "config" },
                    NAMES[n]
                );
                if let Some((p, c)) = prompt {
                    s.push_str(&format!(" \"{}\"{}", p.trim(), if_suffix(&c)));
                }
                s.push('\n');
                for (d, c) in defaults {
                    s.push_str(&format!(
                        "\tdefault {}{}\n",
                        print_min(&d, 0),
                        if_suffix(&c)
                    ));
                }
                if let Some(d) = dep {
                    s.push_str(&format!("\tdepends on {}\n", print_min(&d, 0)));
                }
                for (t, c) in selects {
                    s.push_str(&format!("\tselect {}{}\n", NAMES[t], if_suffix(&c)));
                }
                if ty == "int" {
                    s.push_str("\trange 0 10 if A\n");
                }
                if let Some(h) = help {
                    s.push_str("\thelp\n");
                    for l in h {
                        s.push_str(&format!("\t  {l}\n"));
                    }
                }
                s
            },
        );
    config.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (arb_expr(), proptest::collection::vec(inner.clone(), 0..4)).prop_map(|(c, body)| {
                format!("if {}\n{}endif\n", print_min(&c, 0), body.concat())
            }),
            ("[a-z]{1,8}", proptest::option::of(arb_expr()), proptest::collection::vec(inner.clone(), 0..4))
                .prop_map(|(t, v, body)| {
                    let vis = v.map(|v| format!("\tvisible if {}\n", print_min(&v, 0))).unwrap_or_default();
                    format!("menu \"{t}\"\n{vis}{}endmenu\n", body.concat())
                }),
            (proptest::option::of("[A-Z]{1,6}"), any::<bool>()).prop_map(|(name, opt)| {
                format!(
                    "choice{}\n\tbool \"pick\"\n{}config A_SYM\n\tbool \"a\"\nconfig B_SYM\n\tbool \"b\"\nendchoice\n",
                    name.map(|n| format!(" {n}")).unwrap_or_default(),
                    if opt { "\toptional\n" } else { "" }
                )
            }),
            ("[a-z]{1,8}", proptest::option::of(arb_expr())).prop_map(|(t, d)| {
                format!(
                    "comment \"{t}\"\n{}",
                    d.map(|d| format!("\tdepends on {}\n", print_min(&d, 0))).unwrap_or_default()
                )
            }),
        ]
    })
}

fn parse_text(text: &str) -> Result<Kconfig, kconfig_parser::LoadError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Kconfig"), text).unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.base_dir = Some(dir.path().to_path_buf());
    load(o)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn precedence_matches_reference_evaluator(e in arb_expr(), vals in proptest::collection::vec(0u8..3, 5)) {
        let mut kc = empty_tree();
        let text = print_min(&e, 0);
        let id = parse_expression(&mut kc, &text).unwrap();
        prop_assert_eq!(eval_parsed(&kc, id, &vals), eval_model(&e, &vals), "{}", text);
    }

    #[test]
    fn print_then_parse_gives_the_same_tree(entries in proptest::collection::vec(arb_entry(), 1..6)) {
        let text = entries.concat();
        let kc1 = parse_text(&text).unwrap();
        let printed = kconfig_parser::printer::print(&kc1);
        let kc2 = parse_text(&printed).unwrap();
        let printed2 = kconfig_parser::printer::print(&kc2);
        prop_assert_eq!(&printed, &printed2);
        prop_assert_eq!(kc1.nodes.len(), kc2.nodes.len());
        for (a, b) in kc1.nodes.iter().zip(&kc2.nodes) {
            prop_assert_eq!(a.kind, b.kind);
            prop_assert_eq!(&a.children, &b.children);
            prop_assert_eq!(&a.help, &b.help);
            prop_assert_eq!(kc1.defaults(a).len(), kc2.defaults(b).len());
            prop_assert_eq!(a.ty, b.ty);
        }
    }
}

#[test]
fn malformed_expressions_are_rejected() {
    // The malformed cases of Kconfiglib's test suite (Keval section).
    let mut kc = empty_tree();
    for bad in [
        "",
        "&",
        "|",
        "!",
        "(",
        ")",
        "=",
        "(X",
        "X)",
        "X X",
        "!X X",
        "X !X",
        "X ()",
        "X (X)",
        "X &&",
        "&& X",
        "X && && X",
        "X && !&&",
        "X ||",
        "|| X",
    ] {
        let r = parse_expression(&mut kc, bad);
        assert!(r.is_err(), "{bad:?} should be rejected");
        let e = r.unwrap_err();
        assert!(e.line > 0 && !e.message.is_empty(), "{bad:?}: {e}");
    }
}

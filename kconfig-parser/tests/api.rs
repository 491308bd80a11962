//! The embedding API (spec §10) on real trees: the structured menu tree
//! equals the reference tool's menu dumps, and on the Zephyr qemu_x86 tree
//! a user-value change through the API (which recomputes only what depends
//! on the changed symbol) gives the same `.config` as a fresh evaluation
//! with that value, and undoing it gives back the golden `.config`.

mod common;

use common::{corpus, kconfiglib_cases, kconfiglib_options, zephyr_options, zephyr_subst};
use kconfig_parser::eval::{MenuEntry, MenuKind, UserValue};
use kconfig_parser::{load, Config, Kconfig};

/// `menu.txt`'s line for an entry (the format of the goldens' dumps).
fn menu_line(e: &MenuEntry) -> String {
    let head = match (e.kind, &e.name) {
        (MenuKind::Menu, _) => "menu".to_string(),
        (MenuKind::Comment, _) => "comment".to_string(),
        (MenuKind::Config, Some(n)) => format!("config {n}"),
        (MenuKind::MenuConfig, Some(n)) => format!("menuconfig {n}"),
        (MenuKind::Choice, Some(n)) => format!("choice {n}"),
        (MenuKind::Choice, None) => "choice".to_string(),
        (_, None) => unreachable!("symbol entries have names"),
    };
    format!(
        "{}{head} \"{}\" vis={}\n",
        "  ".repeat(e.depth),
        e.prompt.as_deref().unwrap_or(""),
        e.visibility
    )
}

#[test]
fn menu_tree_equals_the_reference_menu_dumps() {
    let mut checked = 0;
    for case in kconfiglib_cases() {
        let dir = corpus().join("kconfiglib-golden").join(&case);
        let (opts, env_json) = kconfiglib_options(&case);
        let kc = load(opts).unwrap_or_else(|e| panic!("{case}: {e}"));
        let mut cfg = Config::new(&kc);
        for (i, f) in env_json["fragments"].as_array().unwrap().iter().enumerate() {
            let name = f.as_str().unwrap();
            let text = std::fs::read_to_string(corpus().join(name)).unwrap();
            cfg.load_config(&text, name, i == 0);
        }
        let tree = cfg.menu_tree();
        let text: String = tree.iter().map(menu_line).collect();
        let golden = std::fs::read_to_string(dir.join("menu.txt")).unwrap();
        assert_eq!(text, golden, "{case}");
        assert_eq!(text, cfg.menu_text(), "{case}");
        assert!(tree.iter().all(|e| (e.node as usize) < kc.nodes.len()));
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} cases");
}

fn fragments(env_json: &serde_json::Value) -> Vec<(String, String)> {
    env_json["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = zephyr_subst("qemu_x86", f.as_str().unwrap());
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

fn evaluated<'k>(kc: &'k Kconfig, frags: &[(String, String)]) -> Config<'k> {
    let mut cfg = Config::new(kc);
    for (i, (name, text)) in frags.iter().enumerate() {
        cfg.load_config(text, name, i == 0);
    }
    cfg
}

fn user_text(u: &UserValue) -> String {
    match u {
        UserValue::Tri(t) => ["n", "m", "y"][*t as usize].to_string(),
        UserValue::Str(s) => s.clone(),
    }
}

/// Every symbol's value and visibility and every choice's mode and
/// selection.
fn every_value(cfg: &mut Config<'_>) -> Vec<String> {
    let syms = cfg.unique_defined_symbols().to_vec();
    let mut out: Vec<String> = syms
        .iter()
        .map(|&s| format!("{} {}", cfg.sym_str(s), cfg.sym_visibility(s)))
        .collect();
    let choices = cfg.kconfig().choices.len();
    for c in 0..choices {
        let c = kconfig_parser::ast::ChoiceId(c as u32);
        out.push(format!(
            "{} {:?}",
            cfg.choice_tri(c),
            cfg.choice_selection(c)
        ));
    }
    out
}

#[test]
fn zephyr_changes_through_the_api_match_fresh_evaluations() {
    let (opts, env_json) = zephyr_options("qemu_x86");
    let golden = std::fs::read_to_string(
        corpus()
            .join("zephyr-golden/qemu_x86/expected")
            .join(".config"),
    )
    .unwrap();
    let kc = load(opts).unwrap();
    let frags = fragments(&env_json);
    // Evaluation recurses along dependency chains: big stack, as
    // `generate` does.
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(s, || {
                let mut cfg = evaluated(&kc, &frags);
                assert_eq!(cfg.config_text(""), golden);
                // Symbols with few and with many dependents, one with a
                // user value from the fragments, an int, choice members,
                // and the visible symbols whose change alters the most
                // values (NETWORKING, WIFI_NM_WPA_SUPPLICANT, POSIX_*).
                let names = [
                    "BOOT_BANNER",
                    "MULTITHREADING",
                    "PRINTK",
                    "SERIAL",
                    "STDOUT_CONSOLE",
                    "MAIN_STACK_SIZE",
                    "NEWLIB_LIBC",
                    "NETWORKING",
                    "WIFI_NM_WPA_SUPPLICANT",
                    "POSIX_API",
                    "POSIX_AEP_CHOICE_PSE53",
                    "SHELL",
                    "LOG",
                    "MODULES",
                ];
                let mut changed = 0;
                for name in names {
                    let Some(sym) = cfg.lookup(name) else {
                        continue;
                    };
                    let before = cfg.user_value(sym);
                    let cur = cfg.sym_str(sym).to_string();
                    let new = match cur.as_str() {
                        "y" => "n".to_string(),
                        "n" | "m" => "y".to_string(),
                        _ => "4096".to_string(),
                    };
                    if !cfg.set_value(sym, &new) {
                        continue;
                    }
                    let incremental = cfg.config_text("");
                    let mut fresh = evaluated(&kc, &frags);
                    assert!(fresh.set_value(sym, &new));
                    assert_eq!(incremental, fresh.config_text(""), "{name}={new}");
                    assert!(
                        every_value(&mut cfg) == every_value(&mut fresh),
                        "{name}={new}: values or visibilities differ"
                    );
                    if incremental != golden {
                        changed += 1;
                    }
                    match before {
                        Some(u) => assert!(cfg.set_value(sym, &user_text(&u))),
                        None => assert!(cfg.unset_value(sym)),
                    }
                    assert_eq!(cfg.config_text(""), golden, "undoing {name}={new}");
                }
                assert!(changed >= 8, "only {changed} changes had an effect");
                // The same changes one after another, never undone.
                let mut fresh_steps: Vec<(kconfig_parser::SymId, String)> = Vec::new();
                let mut undo = Vec::new();
                for name in names {
                    let sym = cfg.lookup(name).expect("defined");
                    let new = if &*cfg.sym_str(sym) == "y" { "n" } else { "y" };
                    let before = cfg.user_value(sym);
                    if !cfg.set_value(sym, new) {
                        continue;
                    }
                    undo.push((sym, before));
                    fresh_steps.push((sym, new.to_string()));
                    let mut fresh = evaluated(&kc, &frags);
                    for (s, v) in &fresh_steps {
                        assert!(fresh.set_value(*s, v));
                    }
                    assert!(
                        every_value(&mut cfg) == every_value(&mut fresh),
                        "after {fresh_steps:?}: values or visibilities differ"
                    );
                }
                for (s, before) in undo.into_iter().rev() {
                    match before {
                        Some(u) => assert!(cfg.set_value(s, &user_text(&u))),
                        None => assert!(cfg.unset_value(s)),
                    }
                }
                assert!(cfg.config_text("") == golden, "undoing every change");
                cfg.unset_values();
                let mut defaults = Config::new(&kc);
                assert_eq!(cfg.config_text(""), defaults.config_text(""));
            })
            .unwrap()
            .join()
            .unwrap()
    });
}

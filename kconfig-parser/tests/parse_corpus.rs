//! Parser tests over the corpus: every Kconfiglib test file, both Zephyr
//! goldens, BusyBox. Compared with the reference tool's recorded facts
//! (file lists, counts, definition locations, variables), not hand-typed
//! values.

mod common;

use common::*;
use kconfig_parser::ast::NodeKind;
use kconfig_parser::macros::{Preprocessor, Site};
use kconfig_parser::{load, LoadErrorKind, LoadOptions};
use std::collections::HashMap;

fn counts(kc: &kconfig_parser::Kconfig) -> HashMap<&'static str, u64> {
    let mut m = HashMap::new();
    m.insert("files_parsed", kc.reads.len() as u64);
    let mut uniq: Vec<&str> = kc.reads.iter().map(|f| kc.file_name(*f)).collect();
    uniq.sort();
    uniq.dedup();
    m.insert("unique_files", uniq.len() as u64);
    m.insert("menu_nodes", kc.entry_count() as u64);
    m.insert("choices", kc.choices.len() as u64);
    m.insert(
        "menus",
        kc.nodes.iter().filter(|n| n.kind == NodeKind::Menu).count() as u64,
    );
    m.insert(
        "comments",
        kc.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Comment)
            .count() as u64,
    );
    m.insert("symbols_defined", kc.defined_symbol_count() as u64);
    m.insert("variables", kc.variables.len() as u64);
    m
}

fn check_counts(kc: &kconfig_parser::Kconfig, result: &serde_json::Value, what: &str) {
    let mine = counts(kc);
    for (k, v) in &mine {
        let expected = result["counts"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("{what}: no count {k}"));
        assert_eq!(*v, expected, "{what}: count {k}");
    }
}

#[test]
fn kconfiglib_goldens_parse_like_the_reference() {
    let mut n = 0;
    for case in kconfiglib_cases() {
        let dir = corpus().join("kconfiglib-golden").join(&case);
        let (opts, _) = kconfiglib_options(&case);
        let env = opts.env.clone();
        let kc = load(opts).unwrap_or_else(|e| panic!("{case}: {e}"));
        // Files in parse order, duplicates kept.
        let files = std::fs::read_to_string(dir.join("kconfig_files.txt")).unwrap();
        let mine: Vec<&str> = kc.reads.iter().map(|f| kc.file_name(*f)).collect();
        let expected: Vec<&str> = files.lines().collect();
        assert_eq!(mine, expected, "{case}: files read");
        check_counts(&kc, &read_json(&dir.join("result.json")), &case);
        // Definition locations of every defined symbol.
        let syms = read_json(&dir.join("symbols.json"));
        for (name, s) in syms.as_object().unwrap() {
            if !s["defined"].as_bool().unwrap() {
                continue;
            }
            let id = kc
                .symbols
                .lookup(name)
                .unwrap_or_else(|| panic!("{case}: {name}"));
            let locs: Vec<String> = kc
                .sym_nodes(id)
                .iter()
                .map(|n| kc.loc_str(kc.node(*n).loc))
                .collect();
            let expected: Vec<String> = s["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_string())
                .collect();
            assert_eq!(locs, expected, "{case}: locations of {name}");
        }
        // Preprocessor variables: stored value, flavour, expansion.
        let vars = dir.join("variables.json");
        if vars.exists() {
            let vars = read_json(&vars);
            let vars = vars.as_object().unwrap();
            assert_eq!(vars.len(), kc.variables.len(), "{case}: variable count");
            for (name, v) in vars {
                let mine = &kc.variables[name.as_str()];
                assert_eq!(mine.value, v["value"].as_str().unwrap(), "{case}: {name}");
                assert_eq!(
                    mine.recursive,
                    v["is_recursive"].as_bool().unwrap(),
                    "{name}"
                );
                let host: Option<Box<dyn kconfig_parser::HostFunctions>> =
                    if case == "Kuserfunctions" {
                        Some(Box::new(TestFunctions))
                    } else {
                        None
                    };
                let mut pp = Preprocessor::new(env.clone(), host);
                pp.variables = kc.variables.clone();
                let site = Site { file: "x", line: 1 };
                match pp.expand_whole(&format!("$({name})"), &[], site) {
                    Ok(s) => assert_eq!(
                        Some(s.as_str()),
                        v["expanded_value"].as_str(),
                        "{case}: expansion of {name}"
                    ),
                    Err(e) => {
                        let expected = v["expansion_error"].as_str().unwrap_or("(none)");
                        assert!(
                            e.0.contains(expected),
                            "{case}: {name}: got error {:?}, expected {expected:?}",
                            e.0
                        );
                    }
                }
            }
        }
        n += 1;
    }
    assert_eq!(n, 55);
}

#[test]
fn load_errors_are_located() {
    let errors = read_json(&corpus().join("kconfiglib-golden").join("load_errors.json"));
    for (name, e) in errors.as_object().unwrap() {
        let reference = e["error"].as_str().unwrap();
        if name.starts_with("Kdeploop") {
            // Dependency loops are found by the evaluator; the files parse.
            let mut o = LoadOptions::new(format!("kconfiglib-tests/{name}"));
            o.base_dir = Some(corpus());
            load(o).unwrap_or_else(|e| panic!("{name}: {e}"));
            continue;
        }
        if name.starts_with("Krecursive") {
            // The files source `tests/…`: rebuild that layout.
            let tmp = tempfile::tempdir().unwrap();
            std::fs::create_dir(tmp.path().join("tests")).unwrap();
            for f in ["Krecursive1", "Krecursive2"] {
                std::fs::copy(
                    corpus().join("kconfiglib-tests").join(f),
                    tmp.path().join("tests").join(f),
                )
                .unwrap();
            }
            let mut o = LoadOptions::new(format!("tests/{name}"));
            o.base_dir = Some(tmp.path().to_path_buf());
            let err = load(o).expect_err(name);
            assert_eq!(err.kind, LoadErrorKind::RecursiveSource, "{name}: {err}");
            // The reference names the same include chain.
            let chain = reference.split("Include path:\n").nth(1).unwrap();
            assert!(
                err.message.ends_with(chain),
                "{name}: {err}\nvs {reference}"
            );
            continue;
        }
        let mut o = LoadOptions::new(e["kconfig"].as_str().unwrap());
        o.base_dir = Some(corpus());
        let err = load(o).expect_err(name);
        assert_eq!(err.kind, LoadErrorKind::MissingSource, "{name}: {err}");
        // Both name the sourcing file and line and the missing pattern.
        let prefix = reference.trim_start_matches("KconfigError: ");
        let (loc, rest) = prefix.split_once(": ").unwrap();
        assert_eq!(format!("{}:{}", err.file, err.line), loc, "{name}");
        let pattern = rest.split('\'').nth(1).unwrap();
        assert!(
            err.message.contains(&format!("'{pattern}' not found")),
            "{err}"
        );
        assert!(err.to_string().contains("source"), "{err}");
    }
}

#[test]
fn zephyr_trees_load_whole() {
    for board in ["qemu_x86", "nrf52840dk"] {
        let (opts, _) = zephyr_options(board);
        let kc = load(opts).unwrap_or_else(|e| panic!("{board}: {e}"));
        let result = read_json(
            &corpus()
                .join("zephyr-golden")
                .join(board)
                .join("expected")
                .join("result.json"),
        );
        check_counts(&kc, &result, board);
        assert!(kc.warnings.is_empty(), "{board}: {:?}", kc.warnings);
        // sources.txt: every file read exists and is under the corpus.
        let srcs = kc.source_paths();
        assert!(srcs.len() > 4000, "{board}: {}", srcs.len());
        assert!(srcs.iter().all(|p| p.starts_with(corpus())));
    }
}

#[test]
fn busybox_loads_whole() {
    let dir = corpus().join("busybox");
    let mut o = LoadOptions::new("Config.in");
    o.srctree = Some(dir.clone());
    o.base_dir = Some(dir);
    let kc = load(o).unwrap();
    assert_eq!(kc.reads.len(), 25);
    assert_eq!(kc.defined_symbol_count(), 1082);
    assert_eq!(kc.choices.len(), 8);
}

#[test]
fn help_texts_follow_indentation_rules() {
    let mut o = LoadOptions::new("kconfiglib-tests/Khelp");
    o.base_dir = Some(corpus());
    let kc = load(o).unwrap();
    let help_of = |name: &str| -> Vec<String> {
        let id = kc.symbols.lookup(name).unwrap();
        kc.sym_nodes(id)
            .iter()
            .map(|n| kc.node(*n).help.clone().unwrap_or_default())
            .collect()
    };
    assert_eq!(
        help_of("TWO_HELP_STRINGS"),
        ["first help string", "second help string"]
    );
    assert_eq!(
        help_of("NO_BLANK_AFTER_HELP"),
        ["help for\nNO_BLANK_AFTER_HELP"]
    );
    assert_eq!(help_of("HELP_TERMINATED_BY_COMMENT"), ["a\nb\nc"]);
    assert_eq!(
        help_of("TRICKY_HELP"),
        ["a\n b\n  c\n\n d\n  e\n   f\n\n\ng\n h\n  i"]
    );
    let choice = &kc.choices[0];
    assert_eq!(choice.name.as_deref(), Some("CHOICE_HELP"));
    assert_eq!(
        kc.node(choice.nodes[0]).help.as_deref(),
        Some("help for\nCHOICE_HELP")
    );
}

#[test]
fn macros_build_names_and_strings() {
    let (opts, _) = kconfiglib_options("Kpreprocess");
    let kc = load(opts).unwrap();
    let print_me = kc.symbols.lookup("PRINT_ME").unwrap();
    let node = kc.node(kc.sym_nodes(print_me)[0]);
    assert_eq!(node.prompt.as_ref().unwrap().text, "env_1");
    assert_eq!(
        kconfig_parser::printer::expr_text(&kc, node.prompt.as_ref().unwrap().cond, true),
        "(FOO && BAR) || !BAZ || !QAZ"
    );
    let too = kc.symbols.lookup("PRINT_ME_TOO").expect("macro-built name");
    let node = kc.node(kc.sym_nodes(too)[0]);
    assert_eq!(
        kc.exprs.display(kc.defaults(node)[0].value, &kc.symbols),
        "FOOBARBAZQAZ"
    );
    assert_eq!(
        kc.exprs.display(kc.defaults(node)[0].cond, &kc.symbols),
        "QAZ && QAZFOO && xxx"
    );
    assert_eq!(kc.env_vars.first().map(String::as_str), Some("ENV_1"));
}

#[test]
fn menuconfig_flag_is_per_node() {
    let mut o = LoadOptions::new("kconfiglib-tests/Kmenuconfig");
    o.base_dir = Some(corpus());
    let kc = load(o).unwrap();
    let flags: Vec<(String, bool)> = kc
        .nodes
        .iter()
        .filter_map(|n| match n.kind {
            NodeKind::Config { sym, menuconfig } => {
                Some((kc.symbols.name(sym).to_string(), menuconfig))
            }
            _ => None,
        })
        .collect();
    assert!(flags.iter().any(|(_, m)| *m));
    assert!(flags.iter().any(|(_, m)| !*m));
}

/// Every Kconfig file of the stored Zephyr tree parses on its own (sources
/// not followed), with the qemu_x86 golden's environment, its replay table
/// (calls it did not record answered as without a devicetree) and the
/// preprocessor variables of the whole tree (constants such as UINT8_MAX
/// are defined in another file).
#[test]
fn every_zephyr_kconfig_file_parses_on_its_own() {
    let board = "qemu_x86";
    let (opts, _) = zephyr_options(board);
    let env = opts.env.clone();
    let srctree = opts.srctree.clone();
    // The ~2,900 DT_COMPAT_* strings only feed dt_* calls (answered by the
    // fallback when absent); the other variables are kept.
    let mut vars = load(opts).unwrap().variables;
    vars.retain(|name, _| !name.starts_with("DT_COMPAT_"));
    let trace = std::fs::read_to_string(
        corpus()
            .join("zephyr-golden")
            .join(board)
            .join("expected")
            .join("functions_trace.json"),
    )
    .unwrap();
    let replay = kconfig_parser::ReplayFunctions::from_json(&trace)
        .unwrap()
        .with_no_devicetree_fallback();
    let root = corpus().join("zephyr");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().starts_with("Kconfig") {
                files.push(p.strip_prefix(&root).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    assert!(files.len() > 4000, "{}", files.len());
    let mut entries = 0;
    for f in &files {
        let mut o = LoadOptions::new(f);
        o.srctree = srctree.clone();
        o.env = env.clone();
        o.host = Some(Box::new(replay.clone()));
        o.follow_sources = false;
        o.variables = vars.clone();
        let kc = load(o).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        entries += kc.entry_count();
    }
    assert!(entries > 20_000, "{entries}");
}

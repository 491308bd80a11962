//! Both Zephyr goldens: whole tree with replayed devicetree functions, the
//! board defconfig loaded, the application's prj.conf merged; `.config`,
//! `autoconf.h` and the minimal configuration byte-identical to Zephyr's
//! Kconfiglib.

mod common;

use common::*;
use kconfig_parser::generate::{generate, GenOptions};
use kconfig_parser::load;

fn run(board: &str) {
    let (opts, env_json) = zephyr_options(board);
    let kc = load(opts).unwrap_or_else(|e| panic!("{board}: {e}"));
    let fragments = zephyr_fragments(board, &env_json);
    // Zephyr's policy: undefined assignments warn, re-assignments do not.
    let g = GenOptions {
        dump: true,
        assign_warnings: kconfig_parser::eval::AssignWarnings::ZEPHYR,
        ..GenOptions::default()
    };
    let out = generate(&kc, &fragments, &g).unwrap();
    let exp = corpus().join("zephyr-golden").join(board).join("expected");
    let result = read_json(&exp.join("result.json"));
    let msgs: Vec<String> = result["load_messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| zephyr_subst(board, m.as_str().unwrap()))
        .collect();
    assert_eq!(out.messages, msgs, "{board}: load messages");
    for (file, mine) in [
        (".config", &out.config),
        ("autoconf.h", &out.autoconf),
        ("defconfig", &out.min_config),
    ] {
        let expected = std::fs::read_to_string(exp.join(file)).unwrap();
        if &expected != mine {
            let diff: Vec<String> = expected
                .lines()
                .zip(mine.lines())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .take(5)
                .map(|(i, (a, b))| format!("line {}: expected {a:?}, got {b:?}", i + 1))
                .collect();
            panic!(
                "{board}: {file} differs ({} vs {} lines)\n{}",
                expected.lines().count(),
                mine.lines().count(),
                diff.join("\n")
            );
        }
    }

    assert!(out.warnings.is_empty(), "{board}: {:#?}", out.warnings);
    // Every symbol's state, field by field.
    let gz = std::fs::File::open(exp.join("symbols.json.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz), &mut text).unwrap();
    let golden: serde_json::Value = serde_json::from_str(&zephyr_json_subst(board, &text)).unwrap();
    let mine = serde_json::to_value(out.symbols.as_ref().unwrap()).unwrap();
    let mut errs = Vec::new();
    for (name, exp) in golden.as_object().unwrap() {
        let Some(got) = mine.get(name) else {
            errs.push(format!("symbol {name} missing"));
            continue;
        };
        for (field, v) in exp.as_object().unwrap() {
            if got.get(field) != Some(v) {
                errs.push(format!(
                    "{name}.{field}: expected {v}, got {:?}",
                    got.get(field)
                ));
            }
        }
    }
    assert!(
        errs.is_empty(),
        "{board}: {} differences, first: {:#?}",
        errs.len(),
        &errs[..errs.len().min(10)]
    );
    let golden = read_json(&exp.join("choices.json"));
    let golden: serde_json::Value =
        serde_json::from_str(&zephyr_json_subst(board, &golden.to_string())).unwrap();
    let mine = serde_json::to_value(out.choices.as_ref().unwrap()).unwrap();
    assert!(golden == mine, "{board}: choices differ");
    let gz = std::fs::File::open(exp.join("menu.txt.gz")).unwrap();
    let mut menu = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz), &mut menu).unwrap();
    assert!(
        &menu == out.menu.as_ref().unwrap(),
        "{board}: menu tree differs"
    );
}

/// The placeholder substitution inside JSON text (paths need no escaping).
fn zephyr_json_subst(board: &str, text: &str) -> String {
    zephyr_subst(board, text)
}

#[test]
fn qemu_x86_byte_identical() {
    run("qemu_x86");
}

#[test]
fn nrf52840dk_byte_identical() {
    run("nrf52840dk");
}

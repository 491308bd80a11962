//! Both Zephyr goldens: whole tree with replayed devicetree functions, the
//! board defconfig loaded, the application's prj.conf merged; `.config`,
//! `autoconf.h` and the minimal configuration byte-identical to Zephyr's
//! Kconfiglib.

mod common;

use common::*;
use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::load;

fn run(board: &str) {
    let (opts, env_json) = zephyr_options(board);
    let kc = load(opts).unwrap_or_else(|e| panic!("{board}: {e}"));
    let fragments: Vec<Fragment> = env_json["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = zephyr_subst(board, f.as_str().unwrap());
            let text = std::fs::read_to_string(&name).unwrap();
            Fragment { name, text }
        })
        .collect();
    let out = generate(&kc, &fragments, &GenOptions::default()).unwrap();
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
}

#[test]
fn qemu_x86_byte_identical() {
    run("qemu_x86");
}

#[test]
fn nrf52840dk_byte_identical() {
    run("nrf52840dk");
}

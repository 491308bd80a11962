//! Zephyr's Kconfig with native devicetree functions, against both Zephyr
//! goldens: every call recorded in `functions_trace.json` (made by Zephyr's
//! Python over edtlib) gives the recorded result from the board's final
//! `zephyr.dts` and the workspace's bindings, and the whole evaluation
//! without the recording writes `.config`, `autoconf.h` and the minimal
//! configuration byte-identical to Zephyr's Kconfiglib.
//!
//! The bindings come from the Zephyr workspace (`$ZEPHYR_WORKSPACE` or
//! `../shared/zephyr-workspace`); the tests skip with a notice without it.

mod common;

use common::*;
use devicetree::edt::Edt;
use devicetree::kconfig::Functions;
use kconfig_parser::devicetree::DevicetreeFunctions;
use kconfig_parser::generate::{generate, GenOptions};
use kconfig_parser::load;
use std::sync::Arc;

const BOARDS: [&str; 2] = ["qemu_x86", "nrf52840dk"];

fn edt(board: &str, ws: &std::path::Path) -> Arc<Edt> {
    let dts = corpus()
        .join("zephyr-golden")
        .join(board)
        .join("Kconfig-generated/zephyr.dts");
    Arc::new(
        Edt::from_dts_file(&dts, &[ws.join("zephyr")]).unwrap_or_else(|e| panic!("{board}: {e}")),
    )
}

#[test]
fn every_recorded_call_gives_the_recorded_result() {
    let Some(ws) = zephyr_workspace("every_recorded_call_gives_the_recorded_result") else {
        return;
    };
    for board in BOARDS {
        let dir = corpus().join("zephyr-golden").join(board);
        let trace = read_json(&dir.join("expected/functions_trace.json"));
        let env = read_json(&dir.join("env.json"));
        let shields = env["env"]["SHIELD_AS_LIST"].as_str().map(str::to_string);
        let f = Functions::new(Some(edt(board, &ws)), shields);
        let mut wrong = Vec::new();
        let calls = trace.as_array().unwrap();
        for call in calls {
            let name = call["name"].as_str().unwrap();
            let args: Vec<String> = call["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            let expected = call["result"].as_str().unwrap();
            match f.call(name, &args) {
                Ok(got) if got == expected => {}
                got => wrong.push(format!(
                    "$({name},{}) = {got:?}, expected {expected:?}",
                    args.join(",")
                )),
            }
        }
        assert!(
            wrong.is_empty(),
            "{board}: {} of {} calls differ:\n{}",
            wrong.len(),
            calls.len(),
            wrong.join("\n")
        );
    }
}

#[test]
fn generation_without_recordings_is_byte_identical() {
    let Some(ws) = zephyr_workspace("generation_without_recordings_is_byte_identical") else {
        return;
    };
    for board in BOARDS {
        let (mut opts, env_json) = zephyr_options(board);
        let shields = opts.env.get("SHIELD_AS_LIST").cloned();
        opts.host = Some(Box::new(DevicetreeFunctions::new(
            Some(edt(board, &ws)),
            shields,
        )));
        let kc = load(opts).unwrap_or_else(|e| panic!("{board}: {e}"));
        let fragments = zephyr_fragments(board, &env_json);
        let g = GenOptions {
            assign_warnings: kconfig_parser::eval::AssignWarnings::ZEPHYR,
            ..GenOptions::default()
        };
        let out = generate(&kc, &fragments, &g).unwrap();
        let exp = corpus().join("zephyr-golden").join(board).join("expected");
        for (file, mine) in [
            (".config", &out.config),
            ("autoconf.h", &out.autoconf),
            ("defconfig", &out.min_config),
        ] {
            let expected = std::fs::read_to_string(exp.join(file)).unwrap();
            assert!(&expected == mine, "{board}: {file} differs");
        }
        assert!(out.warnings.is_empty(), "{board}: {:#?}", out.warnings);
    }
}

/// Without a devicetree, a Zephyr `$(dt_*)` call expands to nothing; the
/// error says which function it was and how to provide the devicetree.
#[test]
fn missing_devicetree_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let k = dir.path().join("Kconfig");
    std::fs::write(
        &k,
        "config A\n\tint \"a\"\n\tdefault $(dt_node_int_prop_int,/clocks/x,clock-frequency)\n",
    )
    .unwrap();
    let err = load(kconfig_parser::LoadOptions::new(&k))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Kconfig:3:")
            && err.contains("`dt_node_int_prop_int` is one of Zephyr's devicetree functions")
            && err.contains("--devicetree"),
        "{err}"
    );
}

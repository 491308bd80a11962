//! Evaluation against the Kconfiglib goldens: `.config`, `autoconf.h` and
//! the minimal configuration must be byte-identical to the reference tool's.

mod common;

use common::*;
use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::load;

fn run_case(case: &str, check_warnings: bool) -> Result<(), String> {
    let dir = corpus().join("kconfiglib-golden").join(case);
    let (opts, env_json) = kconfiglib_options(case);
    let env = opts.env.clone();
    let kc = load(opts).map_err(|e| e.to_string())?;
    let fragments: Vec<Fragment> = env_json["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f.as_str().unwrap().to_string();
            let text = std::fs::read_to_string(corpus().join(&name)).unwrap();
            Fragment { name, text }
        })
        .collect();
    let g = GenOptions {
        dump: true,
        ..GenOptions::from_env(&env)
    };
    let out = generate(&kc, &fragments, &g)?;
    let mut errs = Vec::new();
    for (file, mine) in [
        (".config", &out.config),
        ("autoconf.h", &out.autoconf),
        ("defconfig", &out.min_config),
    ] {
        let expected = std::fs::read_to_string(dir.join(file)).unwrap();
        if &expected != mine {
            errs.push(format!(
                "{file} differs:\n--- expected\n{expected}\n--- got\n{mine}"
            ));
        }
    }
    // Per-symbol state, field by field.
    let golden = read_json(&dir.join("symbols.json"));
    let mine = serde_json::to_value(out.symbols.as_ref().unwrap()).unwrap();
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
    let golden = read_json(&dir.join("choices.json"));
    let mine = serde_json::to_value(out.choices.as_ref().unwrap()).unwrap();
    if golden != mine {
        errs.push(format!("choices differ:\n{golden}\n{mine}"));
    }
    // Warnings: each warning followed by a blank line; Kconfiglib emits
    // some lazily, so compare as a multiset (every warning is found in the
    // file and together they make up all of it).
    let golden = std::fs::read_to_string(dir.join("warnings.txt")).unwrap();
    let total: usize = out.warnings.iter().map(|w| w.len() + 2).sum();
    let missing: Vec<&String> = out
        .warnings
        .iter()
        .filter(|w| !golden.contains(&format!("{w}\n\n")))
        .collect();
    if check_warnings && (total != golden.len() || !missing.is_empty()) {
        errs.push(format!(
            "warnings differ:\nexpected\n{golden}\ngot {:#?}",
            out.warnings
        ));
    }
    let golden = std::fs::read_to_string(dir.join("menu.txt")).unwrap();
    if &golden != out.menu.as_ref().unwrap() {
        errs.push(format!(
            "menu tree differs:\n{golden}\n--- got\n{}",
            out.menu.as_ref().unwrap()
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

fn run_all(check_warnings: bool) {
    let mut failed = Vec::new();
    let cases = kconfiglib_cases();
    for case in &cases {
        if let Err(e) = run_case(case, check_warnings) {
            eprintln!("FAIL {case}: {e}");
            failed.push(case.clone());
        }
    }
    eprintln!(
        "kconfiglib goldens (warnings checked: {check_warnings}): {} of {} identical; failing: {:?}",
        cases.len() - failed.len(),
        cases.len(),
        failed
    );
    assert!(failed.is_empty());
    assert_eq!(cases.len(), 55);
}

/// Every golden (35 trees, 20 fragment variants): `.config`, `autoconf.h`,
/// `defconfig` byte-identical, and every symbol's and choice's state and
/// the menu tree equal to the reference tool's dumps.
#[test]
fn kconfiglib_goldens_byte_identical() {
    run_all(false);
}

/// The same, also requiring the reference tool's warnings (compared as a
/// multiset: Kconfiglib emits some lazily while writing).
#[test]
fn kconfiglib_goldens_with_warnings() {
    run_all(true);
}

/// Kdeploop0–10 contain dependency loops: loading must fail with
/// Kconfiglib's report (the same loop, each item's definition re-printed).
#[test]
fn dependency_loops_are_errors() {
    let errors = read_json(&corpus().join("kconfiglib-golden").join("load_errors.json"));
    let mut n = 0;
    for (name, e) in errors.as_object().unwrap() {
        if !name.starts_with("Kdeploop") {
            continue;
        }
        let mut o = kconfig_parser::LoadOptions::new(format!("kconfiglib-tests/{name}"));
        o.base_dir = Some(corpus());
        let kc = load(o).unwrap();
        let err = generate(&kc, &[], &GenOptions::default()).expect_err(name);
        let reference = e["error"]
            .as_str()
            .unwrap()
            .trim_start_matches("KconfigError: ");
        assert_eq!(err, reference, "{name}");
        n += 1;
    }
    assert_eq!(n, 11);
}

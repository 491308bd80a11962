//! Evaluation against the Kconfiglib goldens: `.config`, `autoconf.h` and
//! the minimal configuration must be byte-identical to the reference tool's.

mod common;

use common::*;
use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::load;

fn run_case(case: &str) -> Result<(), String> {
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
        prefix: env
            .get("CONFIG_")
            .cloned()
            .unwrap_or_else(|| "CONFIG_".into()),
        config_header: env
            .get("KCONFIG_CONFIG_HEADER")
            .cloned()
            .unwrap_or_default(),
        autoconf_header: env
            .get("KCONFIG_AUTOHEADER_HEADER")
            .cloned()
            .unwrap_or_default(),
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
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

/// Runs every golden (35 trees, 20 fragment variants) and reports which
/// pass; every one must.
#[test]
fn kconfiglib_goldens_byte_identical() {
    let mut failed = Vec::new();
    let cases = kconfiglib_cases();
    for case in &cases {
        if let Err(e) = run_case(case) {
            eprintln!("FAIL {case}: {e}");
            failed.push(case.clone());
        }
    }
    eprintln!(
        "kconfiglib goldens: {} of {} byte-identical; failing: {:?}",
        cases.len() - failed.len(),
        cases.len(),
        failed
    );
    assert!(failed.is_empty());
    assert_eq!(cases.len(), 55);
}

/// Kdeploop0–10 contain dependency loops: evaluation must stop with an
/// error (Kconfiglib raises "Dependency loop"), never hang or overflow.
#[test]
fn dependency_loops_are_errors() {
    let errors = read_json(&corpus().join("kconfiglib-golden").join("load_errors.json"));
    let mut n = 0;
    for (name, _) in errors.as_object().unwrap() {
        if !name.starts_with("Kdeploop") {
            continue;
        }
        let mut o = kconfig_parser::LoadOptions::new(format!("kconfiglib-tests/{name}"));
        o.base_dir = Some(corpus());
        let kc = load(o).unwrap();
        let r = generate(&kc, &[], &GenOptions::default());
        assert!(r.is_err(), "{name}: loop not detected");
        n += 1;
    }
    assert_eq!(n, 11);
}

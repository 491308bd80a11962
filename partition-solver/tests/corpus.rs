//! Data-driven test over `tests/corpus/pm/<case>/`: the reference tool's recorded outputs.

use partition_solver::output::{pm_config, pm_config_h, DomainLayout};
use partition_solver::preprocess::Preprocessor;
use partition_solver::yaml::{self, Map, Value};
use partition_solver::{solve, DomainInput, Error, Fragment, Options, Region, Solution, Strategy};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm")
}

struct Domain {
    name: String,
    input: DomainInput,
    images: Vec<String>,
}

fn load_case(dir: &Path, domain: &str, dynamic_partition: Option<String>) -> Domain {
    let case = yaml::load(&fs::read_to_string(dir.join("case.yml")).unwrap()).unwrap();
    let case = case.as_map().unwrap();
    let dp = dynamic_partition.or_else(|| {
        case.get("dynamic_partition")
            .and_then(Value::as_str)
            .map(String::from)
    });
    let mut regions = Vec::new();
    for r in case["regions"].as_seq().unwrap() {
        let r = r.as_map().unwrap();
        let mut region = Region::new(r["name"].as_str().unwrap(), r["size"].as_int().unwrap());
        region.base_address = r.get("base_address").and_then(Value::as_int).unwrap_or(0);
        region.strategy = Strategy::parse(
            r.get("placement_strategy")
                .and_then(Value::as_str)
                .unwrap_or("start_to_end"),
        )
        .unwrap();
        region.device = r.get("device").and_then(Value::as_str).unwrap_or("").into();
        region.default_driver_kconfig = r
            .get("default_driver_kconfig")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into();
        region.dynamic_partition = r
            .get("dynamic_partition")
            .and_then(Value::as_str)
            .map(String::from);
        if region.name == "flash_primary" && dp.is_some() {
            region.dynamic_partition = dp.clone();
        }
        regions.push(region);
    }
    let pp = fs::read_to_string(dir.join("autoconf.h"))
        .ok()
        .map(|a| Preprocessor::new().with_autoconf(&a));
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join("inputs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let fragments = files
        .iter()
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let name = format!("inputs/{}", p.file_name().unwrap().to_string_lossy());
            let text = fs::read_to_string(p).unwrap();
            let text = match &pp {
                Some(pp) => pp.run(&name, &text).unwrap(),
                None => text,
            };
            Fragment::new(name, text)
        })
        .collect();
    let static_config = fs::read_to_string(dir.join("pm_static.yml"))
        .ok()
        .map(|t| Fragment::new("pm_static.yml", t));
    let images = case
        .get("images")
        .and_then(Value::as_seq)
        .map(|s| s.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    Domain {
        name: domain.into(),
        input: DomainInput {
            fragments,
            static_config,
            regions,
        },
        images,
    }
}

/// Normal form for comparison: `span`/`orig_span` as sorted lists.
fn normal(v: &Value) -> Value {
    match v {
        Value::Map(m) => {
            let mut out = Map::default();
            for (k, v) in m.iter() {
                let mut v = normal(v);
                if k == "span" || k == "orig_span" {
                    if let Value::Seq(s) = &mut v {
                        s.sort_by_key(|x| x.py_str());
                    }
                }
                out.insert(k.clone(), v);
            }
            Value::Map(Box::new(out))
        }
        Value::Seq(s) => Value::Seq(s.iter().map(normal).collect()),
        other => other.clone(),
    }
}

fn expected_layouts(dir: &Path, suffix: &str) -> Vec<Value> {
    let mut out =
        vec![
            yaml::load(&fs::read_to_string(dir.join(format!("expected{suffix}.yml"))).unwrap())
                .unwrap(),
        ];
    for e in fs::read_dir(dir).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        if n.starts_with("expected_alt_") && n.ends_with(&format!("{suffix}.yml")) {
            out.push(yaml::load(&fs::read_to_string(dir.join(n)).unwrap()).unwrap());
        }
    }
    out
}

fn same_config(ours: &str, theirs: &str) -> bool {
    let a: Vec<&str> = ours.split('\n').collect();
    let b: Vec<&str> = theirs.split('\n').collect();
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            if x.contains("_SPAN=") && y.contains("_SPAN=") {
                let words = |s: &str| -> (String, BTreeSet<String>) {
                    let (k, v) = s.split_once('=').unwrap();
                    (
                        k.to_string(),
                        v.trim_matches('"').split(' ').map(String::from).collect(),
                    )
                };
                words(x) == words(y)
            } else {
                x == y
            }
        })
}

fn check_solution(dir: &Path, d: &Domain, sol: &Solution, failures: &mut Vec<String>) {
    let suffix = if d.name.is_empty() {
        String::new()
    } else {
        format!("_{}", d.name)
    };
    let case = dir.file_name().unwrap().to_string_lossy();
    let ours = normal(&yaml::load(&sol.partitions_yaml()).unwrap());
    if !expected_layouts(dir, &suffix)
        .iter()
        .any(|e| normal(e) == ours)
    {
        failures.push(format!(
            "{case}{suffix}: partitions differ:\n{}",
            sol.partitions_yaml()
        ));
    }
    let regions =
        yaml::load(&fs::read_to_string(dir.join(format!("expected_regions{suffix}.yml"))).unwrap())
            .unwrap();
    if yaml::load(&sol.regions_yaml()).unwrap() != regions {
        failures.push(format!(
            "{case}{suffix}: regions differ:\n{}",
            sol.regions_yaml()
        ));
    }
    let log: BTreeSet<String> = fs::read_to_string(dir.join(format!("expected_log{suffix}.txt")))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    let our_log: BTreeSet<String> = sol.log.iter().cloned().collect();
    if log != our_log {
        failures.push(format!(
            "{case}{suffix}: log differs: {our_log:?} vs {log:?}"
        ));
    }
    let layout = DomainLayout::from_solution(&d.name, sol);
    let config = pm_config(&[layout]).unwrap();
    let expected = fs::read_to_string(dir.join(format!("expected_pm{suffix}.config"))).unwrap();
    if !same_config(&config, &expected) {
        failures.push(format!("{case}{suffix}: pm.config differs:\n{config}"));
    }
}

fn run_case(dir: &Path, failures: &mut Vec<String>) {
    let case = dir.file_name().unwrap().to_string_lossy().into_owned();
    let root = load_case(dir, "", None);
    let case_yml = yaml::load(&fs::read_to_string(dir.join("case.yml")).unwrap()).unwrap();
    let mut domains = vec![root];
    if let Some(ds) = case_yml
        .as_map()
        .unwrap()
        .get("domains")
        .and_then(Value::as_seq)
    {
        for d in ds {
            let name = d.as_str().unwrap();
            domains.push(load_case(&dir.join("domains").join(name), name, None));
        }
    }
    if let Ok(err) = fs::read_to_string(dir.join("expected_error.txt")) {
        let r = solve(&domains[0].input, &Options { compat: true });
        match r {
            Ok(_) => failures.push(format!(
                "{case}: accepted, the reference rejects it:\n{err}"
            )),
            Err(e) => {
                let msg = e.to_string();
                let want = err
                    .lines()
                    .find_map(|l| l.strip_prefix("Partition manager failed: "))
                    .map(|m| m.chars().take(30).collect::<String>());
                let ok = match want {
                    Some(w) => msg.contains(&w),
                    None if err.contains("KeyError: 'app'") => msg.contains("'app'"),
                    None if err.contains("Conflicting configuration") => {
                        matches!(e, Error::Conflict(_))
                    }
                    None => true,
                };
                if !ok {
                    failures.push(format!("{case}: message differs: {msg}\nreference: {err}"));
                }
            }
        }
        return;
    }
    let broken = case.starts_with("quirk_") || case == "static_pm_static_new_partition";
    let mut solved = Vec::new();
    for d in &domains {
        match solve(&d.input, &Options::default()) {
            Ok(s) if !broken => solved.push(s),
            Ok(_) => failures.push(format!("{case}: broken layout accepted by default")),
            Err(e) if broken => {
                assert!(matches!(e, Error::Layout(_)), "{case}: {e}");
                eprintln!("{case}: rejected as expected: {e}");
                let s = solve(&d.input, &Options { compat: true })
                    .unwrap_or_else(|e| panic!("{case}: compat: {e}"));
                assert!(!s.warnings.is_empty());
                solved.push(s);
            }
            Err(e) => {
                failures.push(format!("{case}: {e}"));
                return;
            }
        }
    }
    for (d, s) in domains.iter().zip(&solved) {
        check_solution(dir, d, s, failures);
    }
    let layouts: Vec<DomainLayout> = domains
        .iter()
        .zip(&solved)
        .map(|(d, s)| DomainLayout::from_solution(&d.name, s))
        .collect();
    for d in &domains {
        for img in &d.images {
            let (dom, image) = img.split_once(':').unwrap();
            let (h, _) = pm_config_h(&layouts, dom, image, "pm_config.h", "pm-solve").unwrap();
            let label = if dom.is_empty() { "ROOT" } else { dom };
            let expected =
                fs::read_to_string(dir.join(format!("expected_pm_config_{label}_{image}.h")))
                    .unwrap();
            let tail = |s: &str| {
                s.split_once('\n')
                    .map(|(_, t)| t.to_string())
                    .unwrap_or_default()
            };
            if tail(&h) != tail(&expected) {
                failures.push(format!("{case}: header {img} differs:\n{h}"));
            }
        }
    }
}

#[test]
fn corpus_cases() {
    let mut failures = Vec::new();
    let mut n = 0;
    let mut dirs: Vec<PathBuf> = fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.yml").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        run_case(&dir, &mut failures);
        n += 1;
    }
    assert_eq!(n, 19, "expected the 19 corpus cases");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The reference solves regions in `--regions` order (stable-sorted by `share_size`
/// dependencies, spec §3.1 step 4) and lets later regions overwrite same-named entries; NCS
/// always passes `sram_primary` before `flash_primary` (spec §1), so the RAM region's
/// auxiliary `app` container is overwritten by the flash region's `app`. Callers of the
/// library may list the regions in any order: every accepted corpus case, solved with its
/// regions reversed (flash before RAM), must give the recorded layout.
#[test]
fn corpus_layouts_do_not_depend_on_region_order() {
    let mut failures = Vec::new();
    let mut n = 0;
    let mut dirs: Vec<PathBuf> = fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.yml").exists() && !p.join("expected_error.txt").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        if case == "quirk_empty_name_collision_across_regions" {
            // Records which region's `EMPTY_0` survives: the later one, by definition.
            continue;
        }
        let compat = case.starts_with("quirk_") || case == "static_pm_static_new_partition";
        let case_yml = yaml::load(&fs::read_to_string(dir.join("case.yml")).unwrap()).unwrap();
        let mut domains = vec![load_case(&dir, "", None)];
        if let Some(ds) = case_yml
            .as_map()
            .unwrap()
            .get("domains")
            .and_then(Value::as_seq)
        {
            for d in ds {
                let name = d.as_str().unwrap();
                domains.push(load_case(&dir.join("domains").join(name), name, None));
            }
        }
        for d in &mut domains {
            if d.input.regions.len() < 2 {
                continue;
            }
            d.input.regions.reverse();
            n += 1;
            match solve(&d.input, &Options { compat }) {
                Ok(sol) => check_solution(&dir, d, &sol, &mut failures),
                Err(e) => failures.push(format!("{case} {}: regions reversed: {e}", d.name)),
            }
        }
    }
    assert!(n >= 7, "only {n} domains with several regions");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The orchestrator's report: `regions: vec![flash, ram]` made the RAM region's auxiliary
/// `app` container a "duplicate `app`"; both orders must give the same layout, with `app`
/// the flash image.
#[test]
fn flash_before_ram_gives_the_same_layout() {
    let mut flash = Region::new("flash_primary", 0x100000);
    flash.strategy = Strategy::Complex;
    flash.device = "flash_controller".into();
    let mut ram = Region::new("sram_primary", 0x40000);
    ram.strategy = Strategy::Complex;
    ram.base_address = 0x2000_0000;
    ram.dynamic_partition = Some("sram_primary".into());
    let fragments = vec![Fragment::new(
        "pm.yml",
        "mcuboot: {size: 0xc000, placement: {before: [app]}}\nrpmsg_nrf53_sram: {size: 0x1000, placement: {before: [end]}}",
    )];
    let mut layouts = Vec::new();
    for regions in [vec![ram.clone(), flash.clone()], vec![flash, ram]] {
        let ram_first = regions[0].name == "sram_primary";
        let input = DomainInput {
            fragments: fragments.clone(),
            static_config: None,
            regions,
        };
        let sol = solve(&input, &Options::default()).unwrap();
        // Flash first, the reference would write RAM's auxiliary `app` over the image's:
        // the same layout here, with a warning saying so (issue 17 item 7).
        assert_eq!(sol.warnings.is_empty(), ram_first, "{:?}", sol.warnings);
        assert_eq!(sol.address("app"), Some(0xc000));
        assert_eq!(sol.size("app"), Some(0xf4000));
        assert_eq!(sol.size("sram_primary"), Some(0x3f000));
        layouts.push(sol.partitions_yaml());
    }
    assert_eq!(layouts[0], layouts[1]);
}

/// A domain with only a flash region (no `sram_primary`, no `<image>_sram`): the reference's
/// header tail takes `PM_SRAM_ADDRESS`/`PM_SRAM_SIZE` from `sram_primary` and crashes
/// (`KeyError`, spec §5.3, §6). The header is still written, identical to the reference's
/// apart from the RAM: no `PM_SRAM_*` lines (nothing invented), and a warning.
#[test]
fn header_for_a_flash_only_domain() {
    let dir = corpus().join("nrf52840_mcuboot_app");
    let load = |name: &str| yaml::load(&fs::read_to_string(dir.join(name)).unwrap()).unwrap();
    let (Value::Map(mut partitions), Value::Map(mut regions)) =
        (load("expected.yml"), load("expected_regions.yml"))
    else {
        panic!("corpus files are mappings");
    };
    let in_ram = |v: &Value| v.as_map().unwrap()["region"].as_str() == Some("sram_primary");
    let ram_names: Vec<String> = partitions
        .iter()
        .filter(|(_, v)| in_ram(v))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(ram_names.iter().any(|n| n == "sram_primary"));
    partitions.retain(|_, v| !in_ram(v));
    regions.shift_remove("sram_primary");
    let layout = DomainLayout {
        domain: String::new(),
        partitions: *partitions,
        regions: *regions,
    };
    let (ours, warning) = pm_config_h(&[layout], "", "mcuboot", "pm_config.h", "pm-solve").unwrap();
    let warning = warning.expect("a warning about the missing RAM partition");
    assert!(warning.contains("PM_SRAM_ADDRESS"), "{warning}");
    let reference = fs::read_to_string(dir.join("expected_pm_config_ROOT_mcuboot.h")).unwrap();
    // The reference's lines without the RAM partitions' macros, `ALL_BY_SIZE` (whose list
    // shrinks) and the header's RAM tail, must be ours without `ALL_BY_SIZE`.
    let ram_macro = |l: &str| {
        ram_names.iter().any(|n| {
            let up = format!("PM_{}_", n.to_uppercase());
            let lo = format!("PM_{}_", n.to_lowercase());
            l.contains(&up) || l.contains(&lo)
        })
    };
    let want: Vec<&str> = reference
        .lines()
        .skip(1)
        .filter(|l| !ram_macro(l) && !l.contains("ALL_BY_SIZE") && !l.contains("PM_SRAM_"))
        .collect();
    let got: Vec<&str> = ours
        .lines()
        .skip(1)
        .filter(|l| !l.contains("ALL_BY_SIZE"))
        .collect();
    assert_eq!(got, want);
    assert!(!ours.contains("PM_SRAM_"));
    assert!(!ours.ends_with('\n'));
}

//! Every `pm_static*.yml` of `tests/corpus/pm/ncs/` (178 files from sdk-nrf) loads, reads
//! exactly as PyYAML's `safe_load` reads it (YAML 1.1 integer forms), and round-trips
//! through the `partitions.yml` writer.

use partition_solver::report::to_json;
use partition_solver::solver::load_static;
use partition_solver::yaml::{self, Value};
use partition_solver::Fragment;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn files(prefix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm/ncs")];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap().to_string_lossy().contains(prefix) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_static_file_loads_and_round_trips() {
    let statics = files("pm_static");
    assert_eq!(statics.len(), 178);
    for f in &statics {
        let text = fs::read_to_string(f).unwrap();
        let m = load_static(&Fragment::new(f.display().to_string(), text))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!m.is_empty(), "{}", f.display());
        let v = Value::Map(Box::new(m));
        let dumped = yaml::dump(&v, yaml::IntStyle::Hex);
        assert_eq!(yaml::load(&dumped).unwrap(), v, "{}", f.display());
    }
}

#[test]
fn yaml_reads_like_pyyaml() {
    let statics = files("pm_static");
    let script = "import json, sys, yaml\nprint(json.dumps([yaml.safe_load(open(p)) for p in sys.argv[1:]]))";
    let out = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(&statics)
        .output()
    {
        Ok(o) if o.status.success() => o,
        other => panic!(
            "python3 with PyYAML (Debian python3-yaml, see scripts/deps) is needed: {other:?}"
        ),
    };
    let theirs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for (f, t) in statics.iter().zip(theirs) {
        let ours = to_json(&yaml::load(&fs::read_to_string(f).unwrap()).unwrap());
        assert_eq!(ours, t, "{}", f.display());
    }
}

#[test]
fn fast_reader_agrees_with_general_parser() {
    let mut all = files("pm_static");
    all.extend(files("pm.yml"));
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm");
    let mut stack = vec![cases];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && !p.ends_with("ncs") {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml") {
                all.push(p);
            }
        }
    }
    let mut fast = 0;
    for f in &all {
        let text = fs::read_to_string(f).unwrap();
        if let Some((v, pos)) = partition_solver::yaml_fast::load(&text) {
            fast += 1;
            let (g, gpos) =
                yaml::load_general(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert_eq!(v, g, "{}", f.display());
            assert_eq!(to_json(&v), to_json(&g), "{}", f.display());
            assert_eq!(pos, gpos, "{}", f.display());
        }
    }
    assert!(
        fast * 10 >= all.len() * 8,
        "fast reader took only {fast} of {} files",
        all.len()
    );
}

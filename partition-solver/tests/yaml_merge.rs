//! Issue 17 item 5: YAML 1.1 merge keys (`<<: *base`, `<<: [*a, *b]`) read as PyYAML's safe
//! loader reads them, checked against its recorded reading of
//! `tests/corpus/pm/yaml_merge/*.yml` (`scripts/record-pm-yaml-merge`): the same values,
//! types and key order, and an error where PyYAML has one.

use partition_solver::yaml;
use partition_solver::{solve, DomainInput, Fragment, Options, Region, Strategy};
use std::fs;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm/yaml_merge")
}

#[test]
fn merge_keys_read_as_pyyaml_reads_them() {
    let expected = fs::read_to_string(dir().join("expected.jsonl")).unwrap();
    let mut n = 0;
    for line in expected.lines() {
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = rec["file"].as_str().unwrap();
        let text = fs::read_to_string(dir().join(file)).unwrap();
        let ours = yaml::load(&text);
        match (rec["repr"].as_str(), ours) {
            (Some(repr), Ok(v)) => assert_eq!(v.py_repr(), repr, "{file}"),
            (None, Err(e)) => {
                let theirs = rec["error"].as_str().unwrap();
                // PyYAML's wording ("expected a mapping ... for merging"), with a location.
                assert!(
                    e.message
                        .contains(&theirs[..theirs.find(" for merging").unwrap()]),
                    "{file}: {e} vs {theirs}"
                );
                assert!(e.line > 0, "{file}");
            }
            (Some(_), Err(e)) => panic!("{file}: PyYAML reads it, here: {e}"),
            (None, Ok(v)) => panic!("{file}: PyYAML rejects it, here: {}", v.py_repr()),
        }
        n += 1;
    }
    assert_eq!(n, 11);
}

/// A fragment written with merge keys places its partitions as the same fragment written
/// out in full (PyYAML's reading above, so the reference's placement too).
#[test]
fn fragment_with_merge_keys_solves() {
    let mut flash = Region::new("flash_primary", 0x100000);
    flash.strategy = Strategy::Complex;
    let input = |text: &str| DomainInput {
        fragments: vec![Fragment::new("pm.yml", text)],
        static_config: None,
        regions: vec![flash.clone()],
    };
    let merged = "boot: &boot\n  size: 0xc000\n  placement: {after: [start], align: {start: 0x1000}}\nb0n:\n  <<: *boot\n  placement: {before: [end]}\n";
    let a = solve(&input(merged), &Options::default()).unwrap();
    let written = yaml::load(merged).unwrap();
    let b = solve(
        &input(&yaml::dump(&written, yaml::IntStyle::Hex)),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(a.partitions_yaml(), b.partitions_yaml());
    assert_eq!(a.size("b0n"), a.size("boot"));
}

//! Runs the binding loader's fuzz body (`fuzz/bodies.rs`) in a normal test:
//! over the bindings of every extended-tree case (each case's files joined
//! into one input) and random mutations of them. Loading must never panic,
//! nor must building an extended tree with what loaded, nor answering
//! Kconfig functions from it.

use proptest::prelude::*;
use std::path::Path;

include!("../fuzz/bodies.rs");

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/edt");
        let mut out = Vec::new();
        let mut dirs: Vec<_> = std::fs::read_dir(cases)
            .unwrap()
            .map(|e| e.unwrap().path().join("bindings"))
            .collect();
        dirs.sort();
        for d in dirs {
            let mut files: Vec<_> = std::fs::read_dir(&d)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let mut input = String::new();
            for (i, f) in files.iter().enumerate() {
                let text = std::fs::read_to_string(f).unwrap();
                // Rename the case's compatibles to the fixed tree's.
                let text = text
                    .replace("vnd,ctrl", "vnd,a")
                    .replace("vnd,sensor", "vnd,b");
                if i > 0 {
                    input.push_str(&format!(
                        "--- {}\n",
                        f.file_name().unwrap().to_string_lossy()
                    ));
                }
                input.push_str(&text);
            }
            out.push(input.into_bytes());
        }
        out.push(FITTING.as_bytes().to_vec());
        out
    })
}

/// Bindings that fit the fuzz body's fixed tree, so that mutations of them
/// reach the extended tree and the Kconfig functions.
const FITTING: &str = r##"description: a
compatible: "vnd,a"
include: [base.yaml]
gpio-cells: [pin, flags]
properties:
  n: {type: int, enum: [1, 2]}
  arr: {type: array}
  s: {type: string, const: "x"}
  ss: {type: string-array}
  b: {type: boolean}
  bytes: {type: uint8-array}
  ph: {type: phandle}
  gpios: {type: phandle-array}
  "#gpio-cells": {type: int}
child-binding:
  description: kid
  properties:
    reg: {type: array}
    k: {type: int, default: 3}
--- base.yaml
properties:
  reg: {type: array}
  status: {type: string}
--- b.yaml
description: b
compatible: "vnd,b"
properties:
  p: {type: path}
"##;

#[test]
fn fitting_seed_builds_a_tree() {
    let bindings = fuzz_bodies::load_bindings(FITTING).expect("the fitting bindings load");
    let edt = fuzz_bodies::binding_tree(&bindings).expect("the fixed tree fits them");
    let node = edt.get_node("/a@1000").unwrap();
    assert_eq!(node.props().len(), 9, "{:?}", node.props().keys());
    fuzz_bodies::bindings_body(FITTING.as_bytes());
}

#[test]
fn body_accepts_every_seed() {
    for s in seeds() {
        fuzz_bodies::bindings_body(s);
    }
}

/// Pieces of binding syntax that make mutations reach deeper.
const PIECES: &[&str] = &[
    "\n",
    ":",
    " ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    "\"",
    "&a ",
    "*a",
    "!include ",
    "compatible: \"vnd,a\"\n",
    "include: ",
    "base.yaml",
    "properties:\n",
    "  n:\n    type: int\n",
    "type: ",
    "int",
    "array",
    "phandle-array",
    "string-array",
    "boolean",
    "compound",
    "default: ",
    "required: true",
    "enum: [1, 2]",
    "const: 1",
    "child-binding:\n",
    "bus: ",
    "on-bus: ",
    "gpio-cells: [pin, flags]\n",
    "property-allowlist: [n]",
    "name: ",
    "0x10",
    "yes",
    "~",
    "--- a.yaml\n",
    "--- base.yaml\n",
    "specifier-space: gpio",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn mutations_never_panic(
        seed in 0usize..64,
        edits in prop::collection::vec((any::<u16>(), 0usize..PIECES.len(), 0u8..4), 1..6),
    ) {
        let seeds = seeds();
        let b = fuzz_bodies::mutate(&seeds[seed % seeds.len()], PIECES, &edits);
        fuzz_bodies::bindings_body(&b);
    }
}

//! Runs the cargo-fuzz body (`fuzz/bodies.rs`) in a normal test: over every
//! case input, the golden `zephyr.dts` files, and many random mutations of
//! them. The reader must never panic, and whatever reads must survive a
//! print/read round trip.

use std::path::Path;

use proptest::prelude::*;

include!("../fuzz/bodies.rs");

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut v = Vec::new();
        let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/dts");
        for e in std::fs::read_dir(cases).unwrap() {
            let p = e.unwrap().path().join("in.dts");
            if let Ok(b) = std::fs::read(p) {
                v.push(b);
            }
        }
        v.sort();
        v
    })
}

#[test]
fn bodies_accept_every_seed() {
    for s in seeds() {
        fuzz_bodies::dts_body(s);
    }
    for board in ["nrf52840dk", "qemu_x86"] {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
            "../tests/corpus/kconfig/zephyr-golden/{board}/Kconfig-generated/zephyr.dts"
        ));
        fuzz_bodies::dts_body(&std::fs::read(p).expect("golden zephyr.dts in tests/corpus"));
    }
}

/// Tokens that make mutations reach deeper than random bytes do.
const PIECES: &[&str] = &[
    "{",
    "}",
    ";",
    "<",
    ">",
    "[",
    "]",
    "(",
    ")",
    "=",
    ",",
    "&",
    "&l",
    "&{/a}",
    "l:",
    "\"",
    "/delete-node/",
    "/delete-property/",
    "/omit-if-no-ref/",
    "/bits/ 8",
    "/bits/ 64",
    "0x",
    "1",
    "-",
    "?",
    ":",
    "'a'",
    "\\",
    "/*",
    "*/",
    "//",
    "\n# 3 \"f.dts\"\n",
    "a",
    "@",
    "/",
    "phandle",
    "aliases",
    "x = ",
    "<&l>",
    "/memreserve/",
    "/plugin/;",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn mutations_never_panic(
        seed in 0usize..64,
        edits in prop::collection::vec((any::<u16>(), 0usize..PIECES.len(), 0u8..4), 1..6),
    ) {
        let seeds = seeds();
        let b = fuzz_bodies::mutate(&seeds[seed % seeds.len()], PIECES, &edits);
        fuzz_bodies::dts_body(&b);
    }
}

/// Found by the mutation test: a cpp line marker naming a file with `*/`
/// in it ended the printed location comment early.
#[test]
fn comment_end_in_a_file_name_reads_back() {
    fuzz_bodies::dts_body(b"/dts-v1/;\n# 40 \"p*/x.dts\"\n/ { a; };\n");
}

//! The read-ahead thread changes how files are read, never what is loaded:
//! every tree loads to the same result with it and without it, including
//! trees where the helper's guesses are wrong.

mod common;

use kconfig_parser::{load, printer, Kconfig, LoadOptions};
use std::fs;

/// The whole loaded tree as text plus the files read, in order.
fn fingerprint(kc: &Kconfig) -> String {
    let mut out = printer::print(kc);
    for id in &kc.reads {
        out.push_str(kc.file_name(*id));
        out.push('\n');
    }
    out
}

fn both_ways(make: impl Fn() -> LoadOptions) -> (String, String) {
    let mut with = make();
    with.read_ahead = true;
    let mut without = make();
    without.read_ahead = false;
    (
        fingerprint(&load(with).expect("load with read-ahead")),
        fingerprint(&load(without).expect("load without read-ahead")),
    )
}

#[test]
fn zephyr_trees_load_the_same_with_and_without_read_ahead() {
    for board in ["qemu_x86", "nrf52840dk"] {
        let (with, without) = both_ways(|| common::zephyr_options(board).0);
        assert!(with.len() > 1_000_000, "{board}: the tree printed");
        assert!(
            with == without,
            "{board}: read-ahead changed the loaded tree"
        );
    }
}

/// The helper reads a help line as an assignment and so guesses the wrong
/// directory; it cannot evaluate a function, so it skips a path; a glob
/// and an optional missing file are shared. The parser's own resolution
/// wins in every case.
#[test]
fn wrong_guesses_of_the_helper_do_not_leak_into_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    write(
        "Kconfig",
        "config A\n\tbool \"a\"\n\thelp\n\t  DIR := wrong\n\n\
         source \"$(DIR)/Kconfig\"\n\
         same = $(1)\nFN := $(same,right)\n\
         source \"$(FN)/Kconfig.fn\"\n\
         rsource \"sub/*/Kconfig\"\n\
         osource \"missing/Kconfig\"\n",
    );
    write("right/Kconfig", "config RIGHT\n\tbool \"right\"\n");
    write("right/Kconfig.fn", "config FROM_FUNCTION\n\tbool \"fn\"\n");
    write("wrong/Kconfig", "config WRONG\n\tbool \"wrong\"\n");
    write("sub/x/Kconfig", "config SUB_X\n\tbool \"x\"\n");
    write("sub/y/Kconfig", "config SUB_Y\n\tbool \"y\"\n");
    let make = || {
        let mut o = LoadOptions::new("Kconfig");
        o.srctree = Some(root.to_path_buf());
        o.env.insert("DIR".into(), "right".into());
        o
    };
    let (with, without) = both_ways(make);
    assert_eq!(with, without);
    for name in [
        "config RIGHT",
        "config FROM_FUNCTION",
        "config SUB_X",
        "config SUB_Y",
    ] {
        assert!(with.contains(name), "{name} missing from:\n{with}");
    }
    assert!(
        !with.contains("WRONG"),
        "the helper's guess leaked:\n{with}"
    );
}

/// A file that sources itself (twice, so that a naive walk would double
/// at each level) is the parser's error to report, not a hang of the
/// helper.
#[test]
fn a_recursive_source_is_reported_not_walked_forever() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Kconfig"), "source \"Kconfig.loop\"\n").unwrap();
    fs::write(
        dir.path().join("Kconfig.loop"),
        "source \"Kconfig.loop\"\nsource \"Kconfig.loop\"\n",
    )
    .unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.srctree = Some(dir.path().to_path_buf());
    let err = load(o).expect_err("a recursive source");
    assert!(err.message.contains("recursive 'source'"), "{err:?}");
}

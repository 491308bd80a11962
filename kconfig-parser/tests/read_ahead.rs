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

/// Paths guessed from help text may name anything. The helper reads only
/// regular files: a FIFO nobody writes to (which would block an open for
/// reading) and an endless device are left alone, and the load ends. The
/// tree sources a few hundred files after the help text, so that the helper
/// is running (and meets the help text first) while the parser works.
#[cfg(unix)]
#[test]
fn help_text_naming_a_fifo_or_a_device_does_not_block_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils)");
    assert!(made.success());
    let mut root = format!(
        "config A\n\tbool \"a\"\n\thelp\n\t  source \"{}\"\n\t  source \"/dev/zero\"\n\n",
        fifo.display()
    );
    for i in 0..400 {
        root.push_str(&format!("source \"sub/Kconfig.{i}\"\n"));
        let text = format!("config B{i}\n\tbool \"b{i}\"\n\tdepends on A\n\thelp\n\t  Text.\n");
        let path = dir.path().join("sub").join(format!("Kconfig.{i}"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    fs::write(dir.path().join("Kconfig"), root).unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.srctree = Some(dir.path().to_path_buf());
    // A blocked helper would block the load: fail instead of hanging.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load(o).map(|kc| printer::print(&kc)));
    });
    let printed = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the load finishes (the read-ahead thread must not block on a FIFO)")
        .expect("the tree loads");
    assert!(printed.contains("config B399"));
}

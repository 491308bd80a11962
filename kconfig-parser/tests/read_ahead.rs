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

/// The helper cannot evaluate a function, so it skips a path made by one,
/// and misses the variable set in that file: it guesses the directory from
/// the environment, wrongly. A glob and an optional missing file are
/// shared, help text is not taken for statements. The parser's own
/// resolution wins in every case.
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
        "config A\n\tbool \"a\"\n\thelp\n\t  source \"wrong/Kconfig\"\n\n\
         same = $(1)\n\
         source \"$(same,vars)/Kconfig.vars\"\n\
         source \"$(DIR)/Kconfig\"\n\
         FN := $(same,right)\n\
         source \"$(FN)/Kconfig.fn\"\n\
         rsource \"sub/*/Kconfig\"\n\
         osource \"missing/Kconfig\"\n",
    );
    write("vars/Kconfig.vars", "DIR := right\n");
    write("right/Kconfig", "config RIGHT\n\tbool \"right\"\n");
    write("right/Kconfig.fn", "config FROM_FUNCTION\n\tbool \"fn\"\n");
    write("wrong/Kconfig", "config WRONG\n\tbool \"wrong\"\n");
    write("sub/x/Kconfig", "config SUB_X\n\tbool \"x\"\n");
    write("sub/y/Kconfig", "config SUB_Y\n\tbool \"y\"\n");
    let make = || {
        let mut o = LoadOptions::new("Kconfig");
        o.srctree = Some(root.to_path_buf());
        o.env.insert("DIR".into(), "wrong".into());
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

/// A guessed path may name anything. Here the helper guesses a FIFO nobody
/// writes to (which would block an open for reading) and `/dev/zero` (which
/// never ends) from the environment, because the variables that the
/// parser uses are set in a file sourced through a function. The helper
/// reads only regular files, and the load ends. The tree sources a few
/// hundred files afterwards, so that the helper is running while the parser
/// works.
#[cfg(unix)]
#[test]
fn a_guess_naming_a_fifo_or_a_device_does_not_block_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils)");
    assert!(made.success());
    let mut root = String::from(
        "same = $(1)\nsource \"$(same,vars)/Kconfig.vars\"\n\
         source \"$(PIPE)\"\nsource \"$(DEV)\"\n",
    );
    fs::create_dir_all(dir.path().join("vars")).unwrap();
    fs::write(
        dir.path().join("vars/Kconfig.vars"),
        "PIPE := Kconfig.a\nDEV := Kconfig.b\n",
    )
    .unwrap();
    fs::write(dir.path().join("Kconfig.a"), "config A\n\tbool \"a\"\n").unwrap();
    fs::write(dir.path().join("Kconfig.b"), "config B\n\tbool \"b\"\n").unwrap();
    for i in 0..400 {
        root.push_str(&format!("source \"sub/Kconfig.{i}\"\n"));
        let text = format!("config B{i}\n\tbool \"b{i}\"\n\tdepends on A\n");
        let path = dir.path().join("sub").join(format!("Kconfig.{i}"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    fs::write(dir.path().join("Kconfig"), root).unwrap();
    let mut o = LoadOptions::new("Kconfig");
    o.srctree = Some(dir.path().to_path_buf());
    o.env.insert("PIPE".into(), fifo.display().to_string());
    o.env.insert("DEV".into(), "/dev/zero".into());
    // A blocked helper would block the load: fail instead of hanging.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load(o).map(|kc| printer::print(&kc)));
    });
    let printed = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the load finishes (the read-ahead thread must not block on a FIFO)")
        .expect("the tree loads");
    for name in ["config A", "config B\n", "config B399"] {
        assert!(printed.contains(name), "{name} missing");
    }
}

/// A file written by a `$(shell,…)` command and sourced afterwards is read
/// as the command left it: the helper's earlier read of the old contents
/// is dropped (an epoch starts with each call that may have side effects).
#[cfg(unix)]
#[test]
fn a_file_written_by_a_shell_command_is_read_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("Kconfig.gen");
    fs::write(&generated, "config OLD\n\tbool \"old\"\n").unwrap();
    let mut root = format!(
        "X := $(shell,printf 'config NEW\\n\\tbool \"new\"\\n' > '{}')\n\
         source \"Kconfig.gen\"\n",
        generated.display()
    );
    for i in 0..100 {
        root.push_str(&format!("config PAD{i}\n\tbool \"pad\"\n"));
    }
    fs::write(dir.path().join("Kconfig"), root).unwrap();
    for read_ahead in [true, false] {
        fs::write(&generated, "config OLD\n\tbool \"old\"\n").unwrap();
        let mut o = LoadOptions::new("Kconfig");
        o.srctree = Some(dir.path().to_path_buf());
        o.read_ahead = read_ahead;
        let printed = printer::print(&load(o).expect("loads"));
        assert!(
            printed.contains("config NEW") && !printed.contains("config OLD"),
            "read_ahead {read_ahead}: the generated file was read before the command wrote it"
        );
    }
}

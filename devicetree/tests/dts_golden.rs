//! Reads the `zephyr.dts` files Zephyr's dtlib wrote for two boards and
//! checks the tree's counts and that every property is printed exactly as
//! dtlib printed it (the text before the location comment).

use std::path::PathBuf;

use devicetree::dts::{ReadOptions, Tree};

fn golden(board: &str) -> Option<PathBuf> {
    let rel = format!("kconfig/zephyr-golden/{board}/Kconfig-generated/zephyr.dts");
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus")
        .join(rel);
    assert!(p.exists(), "{} is part of the repository", p.display());
    Some(p)
}

/// The text of each line before its `/* in FILE:LINE */` comment, trailing
/// blanks removed, and the node header lines.
fn value_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("/* node"))
        .map(|l| match l.find("/* in ") {
            Some(i) => l[..i].trim_end().to_string(),
            None => l.trim_end().to_string(),
        })
        .collect()
}

fn check(board: &str, nodes: usize, labels: usize, phandles: usize) {
    let Some(path) = golden(board) else {
        eprintln!("NOTICE: no golden zephyr.dts for {board}; skipped");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let tree = Tree::from_file(&path, &ReadOptions::default()).unwrap();
    let n = tree.nodes().count();
    let l: usize = tree.nodes().map(|id| tree.node(id).labels().len()).sum();
    let p = (1..=10_000)
        .filter(|&ph| tree.phandle_to_node(ph).is_some())
        .count();
    assert_eq!(
        (n, l, p),
        (nodes, labels, phandles),
        "{board}: nodes, labels, phandles"
    );
    assert_eq!(
        text.matches("/* node '").count(),
        n,
        "{board}: one node comment per node"
    );
    let printed = tree.to_dts();
    let want = value_lines(&text);
    let got = value_lines(&printed);
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(g, w, "{board}: line {} differs", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{board}: line count");
    // The location comments start in the same column (dtlib aligns them per node).
    let columns = |t: &str| -> Vec<Option<usize>> { t.lines().map(|l| l.find("/* in ")).collect() };
    assert_eq!(
        columns(&printed),
        columns(&text),
        "{board}: comment columns"
    );
    // Printing what was read again gives the same text (the locations now
    // name the golden file itself, so compare a second round).
    let again = Tree::from_source(&printed, &path.to_string_lossy(), &ReadOptions::default())
        .unwrap()
        .to_dts();
    assert_eq!(value_lines(&again), got, "{board}: second round");
}

#[test]
fn nrf52840dk() {
    check("nrf52840dk", 138, 117, 28);
}

#[test]
fn qemu_x86() {
    check("qemu_x86", 30, 24, 2);
}

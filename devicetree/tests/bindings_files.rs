//! Binding directories with entries that are not binding files: a FIFO
//! named like a binding must be skipped (opening it would block), and the
//! real bindings beside it still load.

use devicetree::bindings::Bindings;
use rustc_hash::FxHashSet;

#[test]
fn fifo_named_like_a_binding_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vnd,a.yaml"),
        "description: a\ncompatible: \"vnd,a\"\n",
    )
    .unwrap();
    let fifo = dir.path().join("vnd,b.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("NOTICE: fifo_named_like_a_binding_is_skipped skipped: mkfifo failed");
        return;
    }
    let compats: FxHashSet<String> = ["vnd,a", "vnd,b"].iter().map(|s| s.to_string()).collect();
    let b = Bindings::load(&[dir.path().to_path_buf()], &compats).unwrap();
    assert!(b.get("vnd,a", None).is_some());
    assert!(b.get("vnd,b", None).is_none());
}

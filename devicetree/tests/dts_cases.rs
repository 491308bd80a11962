//! Data-driven cases: each directory under `tests/cases/dts/` has an `in.dts`
//! and either `out.dts` (the tree as [`Tree::to_dts`] prints it) or
//! `error.txt` (the exact error message). Run with `BLESS=1` to write the
//! expected files from the current output (then review them).

use std::path::Path;

use devicetree::dts::{ReadOptions, Tree};

#[test]
fn cases() {
    let dir = Path::new("tests/cases/dts");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for name in &names {
        let case = dir.join(name);
        let input = case.join("in.dts");
        let opts = ReadOptions::default();
        let got = match Tree::from_file(&input, &opts) {
            Ok(t) => {
                // What was printed reads back to the same text.
                let text = t.to_dts();
                let again = Tree::from_source(&text, &input.to_string_lossy(), &opts)
                    .unwrap_or_else(|e| panic!("{name}: output does not read back: {e}"));
                let _ = again.to_dts();
                ("out.dts", text)
            }
            Err(e) => ("error.txt", format!("{e}\n")),
        };
        let want_path = case.join(got.0);
        if bless {
            let _ = std::fs::remove_file(case.join("out.dts"));
            let _ = std::fs::remove_file(case.join("error.txt"));
            std::fs::write(&want_path, &got.1).unwrap();
            continue;
        }
        match std::fs::read_to_string(&want_path) {
            Ok(want) if want == got.1 => {}
            Ok(want) => failures.push(format!(
                "{name}: {} differs\n--- want\n{want}--- got\n{}",
                got.0, got.1
            )),
            Err(_) => failures.push(format!("{name}: no {} but got\n{}", got.0, got.1)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Every `pm.yml` fragment of `tests/corpus/pm/ncs/` preprocesses natively exactly as
//! `cpp -x assembler-with-cpp -nostdinc -undef -D__DTS__ -P -E` does (the NCS build's
//! command), under several `autoconf.h` variants. Needs `cpp` (Debian package `cpp`,
//! installed by `scripts/deps`).

use partition_solver::preprocess::Preprocessor;
use std::fs;
use std::path::{Path, PathBuf};

#[path = "../../tests/support/ncs_cpp.rs"]
mod ncs_cpp;
use ncs_cpp::{cpp, pm_fragments, referenced_symbols};

fn fragments() -> Vec<PathBuf> {
    pm_fragments(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm/ncs"))
}

#[test]
fn fragments_preprocess_like_cpp() {
    let files = fragments();
    assert!(files.len() >= 27, "found {} fragments", files.len());
    let syms: Vec<String> = referenced_symbols(&files)
        .into_iter()
        .map(|n| format!("CONFIG_{n}"))
        .collect();
    let mut variants: Vec<(String, String)> = vec![
        (
            "distinct".into(),
            syms.iter()
                .enumerate()
                .map(|(i, s)| format!("#define {s} 0x{:x}\n", (i + 1) * 0x1000))
                .collect(),
        ),
        ("none".into(), String::new()),
        (
            "zero".into(),
            syms.iter().map(|s| format!("#define {s} 0\n")).collect(),
        ),
        (
            "one".into(),
            syms.iter().map(|s| format!("#define {s} 1\n")).collect(),
        ),
    ];
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm");
    for e in fs::read_dir(&cases).unwrap() {
        let a = e.unwrap().path().join("autoconf.h");
        if a.exists() {
            variants.push((a.display().to_string(), fs::read_to_string(a).unwrap()));
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (name, autoconf) in &variants {
        fs::create_dir_all(tmp.path().join("zephyr")).unwrap();
        fs::write(tmp.path().join("autoconf.h"), autoconf).unwrap();
        fs::write(tmp.path().join("zephyr/autoconf.h"), autoconf).unwrap();
        let pp = Preprocessor::new().with_autoconf(autoconf);
        for f in &files {
            let text = fs::read_to_string(f).unwrap();
            let ours = pp
                .run(&f.display().to_string(), &text)
                .unwrap_or_else(|e| format!("ERROR {e}"));
            let theirs = cpp(tmp.path(), f);
            compared += 1;
            if ours != theirs {
                failures.push(format!(
                    "{} with autoconf '{name}':\n--- ours\n{ours}\n--- cpp\n{theirs}",
                    f.display()
                ));
            }
        }
    }
    assert!(compared >= 27 * 4);
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

//! Cross-crate: the `autoconf.h` that `kconfig-parser` writes is what
//! `partition-solver` preprocesses the real nRF Connect SDK `pm.yml` fragments
//! against, exactly as the NCS build does with `cpp`.
//!
//! For every `CONFIG_` symbol the fragments in `tests/corpus/pm/ncs/` use, a
//! Kconfig tree declares it (hex for sizes, alignments and addresses, bool
//! otherwise); several configurations of it are evaluated by kconfig-parser,
//! and each fragment is preprocessed natively against the resulting
//! `autoconf.h` and compared byte for byte with what Debian's `cpp` prints for
//! the same files (the reference; installed by `scripts/deps`).

use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::{load, LoadOptions};
use partition_solver::preprocess::Preprocessor;
use std::collections::BTreeSet;
use std::fs;
use test_support::ncs_cpp::{cpp, pm_fragments, referenced_symbols};

fn is_numeric(name: &str) -> bool {
    ["SIZE", "ALIGN", "ADDRESS"]
        .iter()
        .any(|k| name.contains(k))
}

/// A Kconfig tree declaring every symbol, numeric ones behind a menu that
/// depends on the first bool, so that visibility changes what is written.
fn kconfig_text(names: &BTreeSet<String>) -> String {
    let gate = names
        .iter()
        .find(|n| !is_numeric(n))
        .expect("a bool symbol");
    let mut k = String::from("mainmenu \"pm.yml symbols\"\n\n");
    for name in names.iter().filter(|n| !is_numeric(n)) {
        k += &format!("config {name}\n\tbool \"{name}\"\n\n");
    }
    k += &format!("menu \"Sizes\"\n\tdepends on {gate}\n\n");
    for name in names.iter().filter(|n| is_numeric(n)) {
        k += &format!("config {name}\n\thex \"{name}\"\n\tdefault 0x8000\n\n");
    }
    k + "endmenu\n"
}

/// A deterministic configuration fragment: each symbol set, unset or left
/// alone depending on `seed`.
fn fragment(names: &BTreeSet<String>, seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut text = String::new();
    for name in names {
        match (is_numeric(name), next() % 3) {
            (_, 0) => {}
            (false, 1) => text += &format!("CONFIG_{name}=y\n"),
            (false, _) => text += &format!("# CONFIG_{name} is not set\n"),
            (true, _) => text += &format!("CONFIG_{name}=0x{:x}\n", (next() % 64 + 1) * 0x1000),
        }
    }
    text
}

#[test]
fn kconfig_autoconf_preprocesses_ncs_fragments_like_cpp() {
    let files = pm_fragments(&test_support::corpus_dir().join("pm").join("ncs"));
    assert!(
        files.len() >= 20,
        "found only {} pm.yml fragments",
        files.len()
    );
    let names = referenced_symbols(&files);
    let tmp = tempfile::tempdir().unwrap();
    let kconfig = tmp.path().join("Kconfig");
    fs::write(&kconfig, kconfig_text(&names)).unwrap();
    let tree = load(LoadOptions::new(&kconfig)).expect("the generated Kconfig loads");

    let include = tmp.path().join("include");
    fs::create_dir_all(include.join("zephyr")).unwrap();
    let mut outputs_seen = BTreeSet::new();
    let mut compared = 0;
    for seed in 1..=6u64 {
        let fragments = [Fragment {
            name: format!("variant{seed}.conf"),
            text: fragment(&names, seed),
        }];
        let out = generate(&tree, &fragments, &GenOptions::default()).expect("evaluates");
        assert!(out.warnings.is_empty(), "seed {seed}: {:?}", out.warnings);
        assert!(out.autoconf.contains("#define CONFIG_"));
        fs::write(include.join("autoconf.h"), &out.autoconf).unwrap();
        fs::write(include.join("zephyr").join("autoconf.h"), &out.autoconf).unwrap();

        let native = Preprocessor::new().with_autoconf(&out.autoconf);
        for file in &files {
            let text = fs::read_to_string(file).unwrap();
            let ours = native
                .run(&file.display().to_string(), &text)
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let reference = cpp(&include, file);
            assert_eq!(
                ours,
                reference,
                "{} preprocessed against kconfig-parser's autoconf.h (seed {seed}) differs from cpp",
                file.display()
            );
            outputs_seen.insert(reference);
            compared += 1;
        }
    }
    assert_eq!(compared, files.len() * 6);
    // The configurations must actually change what the fragments say.
    assert!(
        outputs_seen.len() > files.len(),
        "only {} distinct outputs",
        outputs_seen.len()
    );
}

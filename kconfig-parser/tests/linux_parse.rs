//! Parses the whole Linux 6.12 tree for x86_64.
//!
//! The tree comes from Debian's `linux-source-6.12` package: the test uses
//! `/usr/src/linux-source-6.12.tar.xz` (or `$LINUX_SOURCE_TARBALL`) and
//! extracts the Kconfig files once into `target/linux-kconfig-6.12/`. When
//! no tarball is available it prints a notice and returns.

mod common;

use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::{load, LoadOptions};
use std::path::PathBuf;
use std::process::Command;

fn tree() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let tarball = std::env::var_os("LINUX_SOURCE_TARBALL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/src/linux-source-6.12.tar.xz"));
    let meta = std::fs::metadata(&tarball).ok()?;
    // The extraction is keyed by the tarball's size, so that another
    // version of the package is extracted afresh rather than a stale tree
    // tested.
    let cache = target.join(format!("linux-kconfig-6.12-{}", meta.len()));
    let root = cache.join("linux-source-6.12");
    if root.join("Kconfig").exists() {
        return Some(root);
    }
    std::fs::create_dir_all(&cache).ok()?;
    let ok = Command::new("tar")
        .arg("-xJf")
        .arg(&tarball)
        .arg("-C")
        .arg(&cache)
        .args([
            "--wildcards",
            "linux-source-6.12/*Kconfig*",
            "linux-source-6.12/scripts/*",
            "linux-source-6.12/arch/x86/configs/*",
        ])
        .status()
        .ok()?
        .success();
    (ok && root.join("Kconfig").exists()).then_some(root)
}

#[test]
fn linux_x86_64_parses_whole() {
    let Some(root) = tree() else {
        eprintln!(
            "NOTICE: linux_x86_64_parses_whole skipped: no Linux 6.12 tarball \
             (install Debian's linux-source-6.12 or set LINUX_SOURCE_TARBALL)"
        );
        return;
    };
    // Linux's Kconfig probes the compiler and stops without one.
    if Command::new("gcc").arg("--version").output().is_err() {
        eprintln!("NOTICE: linux_x86_64_parses_whole skipped: no gcc (Linux's Kconfig needs it)");
        return;
    }
    let mut o = LoadOptions::new("Kconfig");
    o.srctree = Some(root.clone());
    o.base_dir = Some(root.clone());
    for (k, v) in [
        ("ARCH", "x86"),
        ("SRCARCH", "x86"),
        ("CC", "gcc"),
        ("LD", "ld"),
        ("HOSTCC", "gcc"),
        ("KERNELVERSION", "6.12.117"),
        ("PATH", "/usr/bin:/bin"),
    ] {
        o.env.insert(k.into(), v.into());
    }
    o.env
        .insert("srctree".into(), root.to_string_lossy().into_owned());
    let kc = load(o).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kc.reads.len(), 1606);
    // Every symbol of the reference .config is defined by the tree.
    let golden = common::corpus()
        .join("linux-golden")
        .join("x86_64_defconfig")
        .join("kconfiglib.config");
    let text = std::fs::read_to_string(golden).unwrap();
    for line in text.lines() {
        let name = line
            .strip_prefix("CONFIG_")
            .and_then(|l| l.split('=').next())
            .or_else(|| {
                line.strip_prefix("# CONFIG_")
                    .and_then(|l| l.strip_suffix(" is not set"))
            });
        if let Some(name) = name {
            let id = kc
                .symbols
                .lookup(name)
                .unwrap_or_else(|| panic!("{name} unknown"));
            assert!(!kc.sym_nodes(id).is_empty(), "{name} not defined");
        }
    }
    // x86_64_defconfig evaluated like Kconfiglib. Values probed with
    // $(shell) depend on the host toolchain; the reference used gcc 12.2.0
    // and binutils 2.40 (Debian 12), so the comparison is byte for byte only
    // with that toolchain, and on the symbol names otherwise.
    let defconfig = root.join("arch/x86/configs/x86_64_defconfig");
    let fragment = Fragment {
        name: "arch/x86/configs/x86_64_defconfig".into(),
        text: std::fs::read_to_string(&defconfig).unwrap(),
    };
    let out = generate(&kc, &[fragment], &GenOptions::default()).unwrap();
    let same_toolchain = Command::new("gcc")
        .arg("-dumpfullversion")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "12.2.0")
        .unwrap_or(false);
    if same_toolchain {
        assert!(
            out.config == text,
            "Linux .config differs from Kconfiglib's"
        );
    } else {
        eprintln!("NOTICE: host gcc is not 12.2.0: comparing symbol names only");
        let names = |t: &str| -> Vec<String> {
            let mut v: Vec<String> = t
                .lines()
                .filter_map(|l| {
                    l.strip_prefix("CONFIG_")
                        .and_then(|l| l.split('=').next())
                        .or_else(|| {
                            l.strip_prefix("# CONFIG_")
                                .and_then(|l| l.strip_suffix(" is not set"))
                        })
                        .map(str::to_string)
                })
                .collect();
            v.sort();
            v
        };
        let (a, b) = (names(&out.config), names(&text));
        let common = a.iter().filter(|n| b.binary_search(n).is_ok()).count();
        assert!(
            common * 100 >= b.len() * 99,
            "{common} of {} symbols in common",
            b.len()
        );
    }
}

//! A board's devicetree from sources (`devicetree::sources`) against
//! Zephyr's own: for every board of the Zephyr workspace that boots in
//! QEMU, with and without an application overlay, Zephyr's CMake is run
//! (configure only) as the reference and its `build/zephyr/zephyr.dts` is
//! compared with the tree built natively from the same inputs, node by
//! node and property by property, then as printed text.
//!
//! The overlay cases use the three ways an application names an overlay:
//! `boards/<board>.overlay`, `app.overlay` (Zephyr's default selection) and
//! `DTC_OVERLAY_FILE`. Each overlay goes through cpp (`#include`, macros),
//! adds a node, changes a property, deletes one and refers to labels.

use std::path::{Path, PathBuf};
use std::process::Command;

use devicetree::dts::{NodeId, ReadOptions, Tree};
use devicetree::sources::zephyr::ZephyrBuild;
use test_support::repo_root;
use test_support::workspace::{have_tool, zephyr_python, zephyr_workspace};

/// How a case names its overlay.
#[derive(Clone, Copy, Debug)]
enum Overlay {
    None,
    /// `<app>/boards/<normalized board>.overlay`.
    BoardsDir,
    /// `<app>/app.overlay`.
    AppFile,
    /// `-DDTC_OVERLAY_FILE=<file>`.
    DtcOverlayFile,
}

struct Case {
    board: &'static str,
    normalized: &'static str,
    modules: &'static [&'static str],
    overlay: Overlay,
}

const OVERLAY: &str = r#"/* Written by tests/devicetree_sources.rs. */
#include <mem.h>
#include <zephyr/dt-bindings/gpio/gpio.h>
#define TEST_SPEED 9600

/ {
	dts_test: dts-sources-test {
		compatible = "vnd,dts-sources-test";
		size = <DT_SIZE_K(4)>;
		flags = <(GPIO_ACTIVE_LOW | GPIO_PULL_UP) 0x10>;
		uart = <&uart0>;
		names = "a", "b";
		bytes = [01 02 ff];
		narrow = /bits/ 8 <1 2 3>;
		wide = /bits/ 64 <0x100000000>;
		path = &uart0;
	};
	aliases {
		dts-test = &dts_test;
	};
	chosen {
		/delete-property/ zephyr,shell-uart;
		zephyr,dts-test = &dts_test;
	};
};

&uart0 {
	current-speed = <TEST_SPEED>;
};

&dts_test {
	/delete-property/ names;
};
"#;

fn cases() -> Vec<Case> {
    let boards: [(&str, &str, &[&str]); 3] = [
        ("mps2/an385", "mps2_an385", &["cmsis_6"]),
        (
            "qemu_cortex_m0",
            "qemu_cortex_m0",
            &["cmsis_6", "hal_nordic"],
        ),
        ("qemu_cortex_m3", "qemu_cortex_m3", &["cmsis_6"]),
    ];
    let overlays = [
        Overlay::BoardsDir,
        Overlay::AppFile,
        Overlay::DtcOverlayFile,
    ];
    let mut v = Vec::new();
    for (i, (board, normalized, modules)) in boards.into_iter().enumerate() {
        for overlay in [Overlay::None, overlays[i]] {
            v.push(Case {
                board,
                normalized,
                modules,
                overlay,
            });
        }
    }
    v
}

/// Copies hello_world into `dir` (so that overlays can be added beside it).
fn copy_app(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// One case: Zephyr's CMake and our build; the differences found.
fn run_case(ws: &Path, python: &Path, scratch: &Path, case: &Case) -> Vec<String> {
    let zephyr = ws.join("zephyr");
    let name = format!("{}-{:?}", case.normalized, case.overlay);
    let dir = scratch.join(&name);
    let hello = zephyr.join("samples/hello_world");
    let mut dtc_overlay: Option<PathBuf> = None;
    let app = match case.overlay {
        Overlay::None => hello.clone(),
        o => {
            let app = dir.join("app");
            copy_app(&hello, &app);
            // docs and the sample's own metadata are not needed
            let target = match o {
                Overlay::BoardsDir => app.join(format!("boards/{}.overlay", case.normalized)),
                Overlay::AppFile => app.join("app.overlay"),
                _ => {
                    let f = dir.join("extra/test.overlay");
                    dtc_overlay = Some(f.clone());
                    f
                }
            };
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, OVERLAY).unwrap();
            app
        }
    };
    let build = dir.join("build");
    let modules: Vec<PathBuf> = case
        .modules
        .iter()
        .map(|m| ws.join("modules").join(m))
        .collect();
    let modules_arg = modules
        .iter()
        .map(|m| m.display().to_string())
        .collect::<Vec<_>>()
        .join(";");
    let mut cmd = Command::new("cmake");
    cmd.arg("-GNinja")
        .arg("-S")
        .arg(&app)
        .arg("-B")
        .arg(&build)
        .arg(format!("-DBOARD={}", case.board))
        .arg(format!("-DZEPHYR_MODULES={modules_arg}"))
        .arg(format!("-DPython3_EXECUTABLE={}", python.display()))
        .env("ZEPHYR_BASE", &zephyr)
        .env("ZEPHYR_TOOLCHAIN_VARIANT", "cross-compile")
        .env("CROSS_COMPILE", "/usr/bin/arm-none-eabi-");
    if let Some(f) = &dtc_overlay {
        cmd.arg(format!("-DDTC_OVERLAY_FILE={}", f.display()));
    }
    let out = cmd.output().expect("run cmake");
    assert!(
        out.status.success(),
        "{name}: Zephyr's CMake failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let ref_path = build.join("zephyr/zephyr.dts");
    let reference_text = std::fs::read_to_string(&ref_path).unwrap();

    let mut b = ZephyrBuild::new(&zephyr, case.board, &app);
    b.modules = modules;
    b.dtc_overlay_file = dtc_overlay.map(|f| vec![f]);
    let tree = b
        .inputs()
        .and_then(|i| i.tree())
        .unwrap_or_else(|e| panic!("{name}: devicetree from sources: {e}"));
    let ours_text = tree.to_dts();

    let reference = Tree::from_file(&ref_path, &ReadOptions::default()).unwrap();
    // Our tree printed and read again, so that both sides are compared as
    // the same kind of object (the printed form is checked below).
    let ours = Tree::from_source(&ours_text, "ours.dts", &ReadOptions::default()).unwrap();
    let mut diffs = compare(&name, &reference, &ours, &tree);
    if diffs.is_empty() && ours_text != reference_text {
        let line = ours_text
            .lines()
            .zip(reference_text.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "line count differs".to_owned(),
                |i| {
                    format!(
                        "line {}: ours {:?}, Zephyr's {:?}",
                        i + 1,
                        ours_text.lines().nth(i).unwrap(),
                        reference_text.lines().nth(i).unwrap()
                    )
                },
            );
        diffs.push(format!("{name}: printed text differs: {line}"));
    }
    if matches!(case.overlay, Overlay::None) {
        return diffs;
    }
    // The overlay really was applied (on both sides).
    let t = reference.get_node("/dts-sources-test");
    if t.is_err() {
        diffs.push(format!(
            "{name}: the overlay's node is missing in Zephyr's tree"
        ));
    }
    diffs
}

/// Node by node (pre-order, by path) and property by property: names,
/// labels, values as bytes and as printed. `direct` is our tree as built
/// (its node and property order is checked against the reference too).
fn compare(name: &str, reference: &Tree, ours: &Tree, direct: &Tree) -> Vec<String> {
    let mut d = Vec::new();
    let paths = |t: &Tree| -> Vec<String> { t.nodes().map(|n| t.path(n)).collect() };
    let (rp, op, dp) = (paths(reference), paths(ours), paths(direct));
    if rp != op || op != dp {
        for p in rp.iter().filter(|p| !op.contains(p)) {
            d.push(format!("{name}: node {p} missing in ours"));
        }
        for p in op.iter().filter(|p| !rp.contains(p)) {
            d.push(format!("{name}: node {p} only in ours"));
        }
        if d.is_empty() {
            d.push(format!("{name}: node order differs"));
        }
    }
    for p in rp.iter().filter(|p| op.contains(p)) {
        let (r, o): (NodeId, NodeId) = (reference.get_node(p).unwrap(), ours.get_node(p).unwrap());
        let (rn, on) = (reference.node(r), ours.node(o));
        if rn.labels() != on.labels() {
            d.push(format!(
                "{name}: {p}: labels {:?} (Zephyr) vs {:?} (ours)",
                rn.labels(),
                on.labels()
            ));
        }
        let rprops: Vec<_> = rn.props().map(|x| x.name().to_owned()).collect();
        let oprops: Vec<_> = on.props().map(|x| x.name().to_owned()).collect();
        if rprops != oprops {
            d.push(format!(
                "{name}: {p}: properties {rprops:?} (Zephyr) vs {oprops:?} (ours)"
            ));
        }
        for rprop in rn.props() {
            let Some(oprop) = on.prop(rprop.name()) else {
                continue;
            };
            let what = format!("{name}: {p}: {}", rprop.name());
            if rprop.value() != oprop.value() {
                d.push(format!(
                    "{what}: value {:02x?} (Zephyr) vs {:02x?} (ours)",
                    rprop.value(),
                    oprop.value()
                ));
            }
            if rprop.labels() != oprop.labels() {
                d.push(format!(
                    "{what}: labels {:?} vs {:?}",
                    rprop.labels(),
                    oprop.labels()
                ));
            }
            if rprop.to_dts() != oprop.to_dts() {
                d.push(format!(
                    "{what}: printed {:?} (Zephyr) vs {:?} (ours)",
                    rprop.to_dts(),
                    oprop.to_dts()
                ));
            }
        }
    }
    d
}

#[test]
fn devicetree_from_sources_equals_zephyrs() {
    const TEST: &str = "devicetree_from_sources_equals_zephyrs";
    let Some(ws) = zephyr_workspace(TEST) else {
        return;
    };
    let Some(python) = zephyr_python(TEST) else {
        return;
    };
    if !have_tool(TEST, "cmake")
        || !have_tool(TEST, "ninja")
        || !have_tool(TEST, "arm-none-eabi-gcc")
    {
        return;
    }
    std::fs::create_dir_all(repo_root().join("target")).unwrap();
    let scratch = tempfile::Builder::new()
        .prefix("devicetree-sources-")
        .tempdir_in(repo_root().join("target"))
        .unwrap();
    let cases = cases();
    // Two configures at a time: CMake's Python steps are single-threaded.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let diffs = run_case(&ws, &python, scratch.path(), case);
                results.lock().unwrap().push((i, diffs));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    assert_eq!(results.len(), cases.len(), "a case panicked (see above)");
    results.sort_by_key(|r| r.0);
    let diffs: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    assert!(
        diffs.is_empty(),
        "{} difference(s) from Zephyr's zephyr.dts:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    eprintln!(
        "devicetree from sources: {} cases identical to Zephyr's zephyr.dts",
        cases.len()
    );
}
